#!/bin/bash
# The EXIT STATUS table of tcptrack(8), whole: every status it lists is
# provoked here by a case it describes, one line on stderr each, and every
# status here is in the table.  Where the mistake is decides between 64 and
# 78: the command line's is 64, the configuration's 78.
. "$TESTS_SRCDIR/lib.sh"
need_shared
P=$SHARED_DIR/pcaps/tcp-handshake-reorder.pcap
PAGE=$TESTS_SRCDIR/../man/tcptrack.8

# the statuses of the page: ".TP" then ".B N" in the EXIT STATUS section
page=$(awk '/^\.SH "EXIT STATUS"/ { on = 1; next } /^\.SH/ { on = 0 }
	on && prev == ".TP" && /^\.B [0-9]+$/ { print $2 } { prev = $0 }' "$PAGE" | sort -n | tr '\n' ' ')
[ -n "$page" ] || fail "no status found in the EXIT STATUS section of $PAGE"

# para N: the page's paragraph of status N, as plain words on one line
para() {
	awk -v n="$1" '/^\.SH "EXIT STATUS"/ { on = 1; next } /^\.SH/ { on = 0 }
		on && /^\.(TP|PP)$/ { if (in_n) exit; next }
		on && $0 == ".B " n { in_n = 1; next }
		in_n { print }' "$PAGE" | sed -e 's/^\.[A-Z]* //' -e 's/\\-/-/g' -e 's/\\f.//g' | tr '\n' ' ' | tr -s ' '
}

tested=""
# status WANT LABEL PAGEWORDS ARGS...: tcptrack ARGS exits WANT, with one
# line on stderr (a success: only the summary line), and the page's
# paragraph of WANT names the case (PAGEWORDS, an extended regex)
status() {
	local want=$1 label=$2 words=$3
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local got=$?
	tested="$tested $want"
	if ! para "$want" | grep -qiE -- "$words"; then
		fail "$want, $label: the page's paragraph of $want does not say /$words/: $(para "$want")"
	elif [ $got -ne "$want" ]; then
		fail "$want, $label: exit $got: $(head -c 300 "$TMP/err")"
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
		fail "$want, $label: not one line: $(cat "$TMP/err")"
	else
		pass "$want, $label: $(cat "$TMP/err")"
	fi
}
conf() { printf "$1" >"$TMP/c.conf"; chmod 644 "$TMP/c.conf"; }

status 0 "a file read" "the file was read" tt -T "$P" -o "csv:file=/dev/null"
status 64 "an unknown option" "unknown option" tt -X
status 64 "-T with -i" "-T with -i" tt -T "$P" -i lo
status 64 "a bad -r" "bad -r" tt -r soon -T "$P"
status 64 "a filter of the command line that does not compile" "filter expression of the command line that does not compile" tt -T "$P" port nonsense-port-name
status 64 "an unknown -Z user" "-Z user that does not exist" tt -Z ttnosuchuser -T "$P"
head -c 3000 "$P" >"$TMP/cut.pcap"
# 65: the damage, then the summary (two lines)
tt -T "$TMP/cut.pcap" -o "csv:file=$TMP/cut.csv" >"$TMP/out" 2>"$TMP/err"
got=$?
tested="$tested 65"
if ! para 65 | grep -qiE "read up to the damage"; then
	fail "65: the page's paragraph does not say 'read up to the damage': $(para 65)"
elif [ $got -eq 65 ] && grep -q "read up to the damage (6 packets)" "$TMP/err" && grep -q "packets read" "$TMP/err" &&
	[ "$(tail -n +2 "$TMP/cut.csv" | wc -l)" -ge 1 ]; then
	pass "65, a capture file cut short: $(head -1 "$TMP/err"); its connections written"
else
	fail "65, a capture file cut short: exit $got: $(cat "$TMP/err")"
fi
status 66 "a capture file that does not exist" "capture file cannot be opened" tt -T "$TMP/none.pcap"
status 66 "a file that is no capture" "not a capture file" tt -T "$PAGE"
status 69 "an interface that does not exist" "interface .*does not exist" tt -i ttnosuch0
if [ -z "${SANITIZED:-}" ] || [ "$SANITIZED" = no ]; then
	conf '[core]\nmax_connections = 1000000000\n'
	status 71 "a connection table that cannot be allocated" "out of memory.*max_connections" \
		bash -c 'ulimit -v 400000; exec "$@"' sh "$TCPTRACK" -c "$TMP/c.conf" -T "$P" -o csv:file=/dev/null
else
	echo "SKIP: 71 under sanitizers (their shadow memory needs more address space than the limit)"
	tested="$tested 71"
fi
# (a socket is there, not a directory, and no file can be opened on it)
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock"
status 73 "an output file that cannot be opened" "could not open its file" tt -T "$P" -o "csv:file=$TMP/sock"
mkdir -p "$TMP/adir"
status 78 "an output file that is a directory" "output file .* is a directory" tt -T "$P" -o "csv:file=$TMP/adir"
status 78 "two outputs, one file" "two outputs that write one file" \
	tt -T "$P" -o "csv:file=$TMP/one.csv" -o "csv:mode=intervals,file=$TMP/one.csv"
# an output on the capture file it reads, or on the configuration file:
# refused before either is touched
cp "$P" "$TMP/in.pcap"
status 78 "an output on the capture file" "write the capture file it reads" tt -T "$TMP/in.pcap" -o "csv:file=$TMP/in.pcap"
cmp -s "$P" "$TMP/in.pcap" && pass "the capture file is untouched" || fail "the capture file was written"
conf '[core]\n'
cp "$TMP/c.conf" "$TMP/c.orig"
status 78 "an output on the configuration file" "the configuration file" \
	tt -c "$TMP/c.conf" -T "$P" -o "json:file=$TMP/c.conf"
cmp -s "$TMP/c.orig" "$TMP/c.conf" && pass "the configuration file is untouched" || fail "the configuration file was written"
status 78 "two outputs on standard output" "two outputs that write standard output" tt -T "$P" -o csv -o json
status 78 "an output on standard output beside the view" "one beside the view" tt -T "$P" -o top -o csv
ln -s one2.csv "$TMP/link.csv"
status 78 "two outputs, one file (by a link to a file not made yet)" "two outputs that write one file" \
	tt -T "$P" -o "csv:file=$TMP/one2.csv" -o "json:file=$TMP/link.csv"
# a device is no file of one output's
tt -T "$P" -o csv:file=/dev/null -o json:file=/dev/null >"$TMP/out" 2>"$TMP/err" &&
	pass "two outputs on /dev/null run" || fail "two outputs on /dev/null: $(cat "$TMP/err")"
# 74: the run ends, but an output lost rows (its error, then the summary)
tt -T "$P" -o csv:file=/dev/full >"$TMP/out" 2>"$TMP/err"
got=$?
tested="$tested 74"
if ! para 74 | grep -qiE "lost rows"; then
	fail "74: the page's paragraph of 74 does not say /lost rows/: $(para 74)"
elif [ $got -ne 74 ] || ! grep -q "^tcptrack: error: csv: 1 row could not be written to /dev/full" "$TMP/err"; then
	fail "74, rows lost: exit $got: $(head -c 300 "$TMP/err")"
else
	pass "74: rows lost (/dev/full), said on stderr"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	status 77 "capturing without the permission" "capturing needs root or CAP_NET_RAW" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$TCPTRACK" -i lo -o csv:file=/dev/null
else
	echo "SKIP: 77 needs root and setpriv to become another user"
	tested="$tested 77"
fi
status 78 "a bad -o" "-o output" tt -T "$P" -o "csv:mode=sometimes"
conf '[core]\nfilter = port nonsense-port-name\n'
status 78 "a filter of the file that does not compile" "a filter that does not compile" tt -c "$TMP/c.conf" -T "$P"
# valid (check_config compiles it for Ethernet), not for this capture's raw IP: still the file's
conf '[core]\nfilter = ether host 00:11:22:33:44:55\n'
status 78 "a filter of the file that does not compile for the capture's link type" "a filter that does not compile" \
	tt -c "$TMP/c.conf" -T "$SHARED_DIR/pcaps/ocs.pcap"
grep -q "c.conf:2: key 'filter'" "$TMP/err" &&
	pass "the link type's refusal names the file's line" || fail "the link type's refusal does not name c.conf:2"
conf '[core]\nuser = ttnosuchuser\n'
status 78 "an unknown user of the file" "user that does not exist" tt -c "$TMP/c.conf" -T "$P"
conf '[core]\ncolour = red\n'
status 78 "an unknown key" "a key" tt -c "$TMP/c.conf" -T "$P"
# 70, privileges that did not stick after setuid(2), needs a kernel that
# lies: not provoked, only required to be in the table
tested="$tested 70"

want=$(echo $tested | tr ' ' '\n' | sort -nu | tr '\n' ' ')
[ "$want" = "$page" ] && pass "the page lists exactly the statuses tested: $page" ||
	fail "the page lists '$page', the cases '$want'"
finish
