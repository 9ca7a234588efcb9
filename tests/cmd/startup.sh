#!/bin/bash
# What a start checks and says, before and as it captures (tcptrack(8),
# --check-config, -q, SIGNALS): every check that can be made without a side
# effect is made by --check-config and before any output opens, with the
# status a start would have; a headless live start says once what it
# captures; an interval log has its header on disk from the start; a
# signal in the first moments does not kill tcptrack.
. "$TESTS_SRCDIR/lib.sh"
need_shared
P=$SHARED_DIR/pcaps/tcp-handshake-reorder.pcap

# same_status LABEL STATUS WORDS ARGS...: a start and --check-config both
# exit STATUS with one line on stderr matching WORDS
same_status() {
	local label=$1 want=$2 words=$3 mode rc
	shift 3
	for mode in check start; do
		if [ $mode = check ]; then
			tt "$@" --check-config >"$TMP/out" 2>"$TMP/err"
		else
			timeout 20 "$TCPTRACK" "$@" >"$TMP/out" 2>"$TMP/err"
		fi
		rc=$?
		if [ $rc -ne "$want" ]; then
			fail "$label ($mode): exit $rc, want $want: $(head -c 300 "$TMP/err")"
		elif [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -qiE -- "$words" "$TMP/err"; then
			fail "$label ($mode): want one line /$words/: $(cat "$TMP/err")"
		else
			pass "$label ($mode): exit $rc: $(cat "$TMP/err")"
		fi
	done
}

same_status "CSV file in a missing directory" 78 "directory $TMP/none: no such file" \
	-T "$P" -o "csv:file=$TMP/none/log.csv"
touch "$TMP/plain"
same_status "CSV file below a file" 78 "not a directory" -T "$P" -o "csv:file=$TMP/plain/log.csv"
same_status "an interface that does not exist (-i)" 69 "-i: 'ttnosuch0': no such interface" \
	-i ttnosuch0 -o "csv:file=$TMP/x.csv"
printf '[core]\ninterface = ttnosuch0\n' >"$TMP/if.conf"
same_status "an interface that does not exist (file)" 69 "key 'interface': 'ttnosuch0': no such interface" \
	-c "$TMP/if.conf" -o "csv:file=$TMP/x.csv"

# chroot = /nonexistent: refused before the CSV it names is opened, so an
# existing log is not truncated
echo "rows of yesterday" >"$TMP/keep.csv"
printf '[core]\nchroot = /nonexistent\nuser = root\n[output log]\nplugin = csv\nfile = %s\n' \
	"$TMP/keep.csv" >"$TMP/chroot.conf"
chmod 644 "$TMP/chroot.conf"
same_status "chroot = /nonexistent" 78 "key 'chroot': '/nonexistent': no such file" -c "$TMP/chroot.conf" -T "$P"
[ "$(cat "$TMP/keep.csv")" = "rows of yesterday" ] && pass "the refused start truncated nothing" ||
	fail "the refused start changed the CSV: $(head -c 200 "$TMP/keep.csv")"

# a signal in the first moments: tcptrack blocks reading its configuration
# from a FIFO while SIGHUP comes, then reads the file to its end
rm -f "$TMP/cfg.fifo"
mkfifo -m 600 "$TMP/cfg.fifo"
"$TCPTRACK" -c "$TMP/cfg.fifo" -T "$P" -o "csv:file=$TMP/hup.csv" 2>"$TMP/hup.err" &
pid=$!
i=0
while [ "$(readlink /proc/$pid/exe 2>/dev/null)" != "$(readlink -f "$TCPTRACK")" ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
# its SIGHUP handler is set (exec is not main(): a sanitizer's runtime and
# the libraries' loading come first)
i=0
while [ $i -lt 200 ]; do
	sc=$(awk '/^SigCgt:/ { print $2 }' /proc/$pid/status 2>/dev/null)
	[ -n "$sc" ] && [ $((0x$sc & 1)) = 1 ] && break
	sleep 0.05; i=$((i + 1))
done
sleep 0.2 # in open(2) of the FIFO
kill -HUP $pid
sleep 0.1
# (a tcptrack killed leaves the FIFO without a reader: do not wait for one)
timeout 5 bash -c 'printf "[core]\nsnaplen = 128\n" >"$1"' sh "$TMP/cfg.fifo"
wait $pid
rc=$?
[ $rc = 0 ] && [ "$(wc -l <"$TMP/hup.csv")" -ge 2 ] && pass "SIGHUP during start: tracked to the end, exit 0" ||
	fail "SIGHUP during start: exit $rc ($(kill -l $((rc - 128)) 2>/dev/null)): $(cat "$TMP/hup.err")"

# ---- a headless live start (root: capturing on lo) ----
if [ "$(id -u)" = 0 ]; then
	# live LOG ARGS...: capture on lo for a moment, stderr into LOG (no
	# reverse lookups: other tests' traffic on lo may have any address)
	printf '[core]\nnames_ptr = no\n' >"$TMP/live.conf"
	live() {
		local log=$1
		shift
		"$TCPTRACK" -c "$TMP/live.conf" -i lo "$@" 2>"$log" &
		local p=$!
		sleep 1.5
		# (-q says nothing: the pause above is all it gets)
		[ -n "${CHECK_WHILE:-}" ] && wait_capturing "$log" $p && $CHECK_WHILE
		kill -INT $p
		wait $p
	}
	header_there() {
		head -1 "$TMP/iv.csv" 2>/dev/null | grep -q '^interval_start,' && echo yes >"$TMP/iv.early" ||
			echo "no: $(head -c 100 "$TMP/iv.csv" 2>/dev/null)" >"$TMP/iv.early"
	}
	CHECK_WHILE=header_there live "$TMP/live.err" -o "csv:mode=intervals,interval=1h,file=$TMP/iv.csv" \
		-o "csv:file=$TMP/conn.csv" tcp port 9
	first=$(head -1 "$TMP/live.err")
	if [ "$first" = "tcptrack: capturing on lo, filter 'tcp port 9'; outputs: csv (csv, file $TMP/iv.csv), csv-2 (csv, file $TMP/conn.csv)" ]; then
		pass "a headless live start says what it captures and where: $first"
	else
		fail "headless live start: first line: $first"
	fi
	[ "$(grep -c 'capturing on' "$TMP/live.err")" = 1 ] && pass "said once" || fail "said $(grep -c 'capturing on' "$TMP/live.err") times"
	[ "$(cat "$TMP/iv.early")" = yes ] && pass "the interval log has its header before the first interval closes" ||
		fail "interval log while the first interval is open: $(cat "$TMP/iv.early")"
	CHECK_WHILE= live "$TMP/quiet.err" -q -o "csv:file=$TMP/conn.csv"
	grep -q 'capturing on' "$TMP/quiet.err" && fail "-q: still says $(cat "$TMP/quiet.err")" ||
		pass "-q: no start line"
	grep -q '^tcptrack: .* packets read' "$TMP/quiet.err" && pass "-q: the summary stays" ||
		fail "-q: no summary: $(cat "$TMP/quiet.err")"
	tt -T "$P" -o "csv:file=$TMP/f.csv" 2>"$TMP/file.err"
	grep -q 'capturing on' "$TMP/file.err" && fail "a file read says it captures: $(cat "$TMP/file.err")" ||
		pass "a file read without a view: only the summary"
else
	echo "SKIP: a live start (not root)"
fi
finish
