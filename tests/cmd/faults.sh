#!/bin/bash
# Losing data, or saying so wrongly: a disk that fills up under the CSV log
# (rows whole or not at all, the loss counted exactly), a reader that closes
# stdout, ...  Each case is scripted with a file system, a syslog daemon or
# namespaces of the test's own.
. "$TESTS_SRCDIR/lib.sh"
need_shared
P=$SHARED_DIR/pcaps
CAP=$P/many-protocols.pcap
rows() { tail -n +2 "$1" | wc -l; }
# 6000 connections that end one after the other over 30 s of capture
python3 "$TESTS_SRCDIR/make-churn.py" "$TMP/flows.pcap" 6000 5

# ---- a full disk ----
# /dev/full: every write fails; "writing again" is never said
tt -T "$CAP" -o "csv:file=/dev/full,flush=1ms" 2>"$TMP/err"
if grep -q "rows are being lost" "$TMP/err" && ! grep -q "writing again" "$TMP/err" &&
   grep -q "^tcptrack: error: csv: 126 rows could not be written to /dev/full" "$TMP/err"; then
	pass "/dev/full: 126 rows lost, and never 'writing again'"
else
	fail "/dev/full: $(cat "$TMP/err")"
fi

# a small tmpfs with a few pages free: the first write is cut short inside a
# row, the next ones fail; then space returns.  The file holds whole rows
# only, and the rows in it and the rows said lost are all the connections.
if [ "$(id -u)" = 0 ] && mkdir "$TMP/small" && mount -t tmpfs -o size=1m tmpfs "$TMP/small" 2>/dev/null; then
	umount_small() { umount "$TMP/small"; }
	add_cleanup umount_small
	dd if=/dev/zero of="$TMP/small/filler" bs=4k count=1000 2>/dev/null
	truncate -s -20k "$TMP/small/filler"
	# tuples not held after their close: rows are written while the disk is full
	printf '[core]\ntime_wait = 0\n' > "$TMP/tw0.conf"
	feed_half "$TMP/flows.pcap" -c "$TMP/tw0.conf" -o "csv:mode=connections,file=$TMP/small/log.csv,flush=1ms"
	sleep 1.5
	rm -f "$TMP/small/filler"
	feed_rest
	wait $FEED_PID
	rc=$?
	log=$TMP/small/log.csv
	bad=$(awk -F, 'NR > 1 && (NF != 23 || $1 !~ /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ || $2 !~ /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/)' "$log" | wc -l)
	lost=$(sed -n 's/^tcptrack: error: csv: \([0-9]*\) rows could not be written.*/\1/p' "$TMP/err")
	conns=$(sed -n 's/.* TCP, \([0-9]*\) connections.*/\1/p' "$TMP/err")
	n=$(rows "$log")
	if [ $rc -eq 74 ] && [ "$bad" -eq 0 ] && [ -n "$lost" ] && [ "$lost" -gt 0 ] && [ "$n" -gt 0 ] &&
	   [ $((n + lost)) -eq "$conns" ] && [ "$(head -1 "$log" | cut -c1-11)" = first_seen, ] &&
	   [ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" = '\n' ]; then
		pass "full tmpfs: only whole rows ($n), $lost said lost, $conns in all, exit 74"
	else
		fail "full tmpfs: exit $rc, $bad cut rows, $n rows + '$lost' lost != '$conns': $(cat "$TMP/err")"
	fi
	if grep -q "rows are being lost" "$TMP/err" && grep -q "writing again" "$TMP/err"; then
		pass "full tmpfs: the loss and the recovery are said"
	else
		fail "full tmpfs: $(cat "$TMP/err")"
	fi
else
	echo "SKIP: full tmpfs (needs root to mount)"
fi

# ---- time-named CSV files with privileges dropped (-Z, and chroot) ----
# A network namespace of the test's own, its loopback captured live; a new
# file every second, for four seconds of connections, one every 100 ms.
# Every file after the first is made after the drop: in the directory
# opened before it, inside the chroot too.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && id nobody >/dev/null 2>&1; then
	cat > "$TMP/churn.py" <<'PY'
import socket, sys, threading, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
def serve():
    while True:
        c, _ = srv.accept()
        c.recv(100)
        c.close()
threading.Thread(target=serve, daemon=True).start()
for i in range(40):
    s = socket.create_connection(srv.getsockname())
    s.sendall(b"x" * 10)
    s.close()
    time.sleep(0.1)
time.sleep(0.5)
PY
	# zlive ARGS...: tcptrack -i lo ARGS in a fresh network namespace while
	# churn.py runs; stopped by SIGINT; its stderr in $TMP/err
	zlive() {
		unshare -n bash -c '
			ip link set lo up
			rm -f "$ERR" # (the previous run wrote its start line there)
			"$@" -i lo 2>"$ERR" &
			tp=$!
			for _ in $(seq 300); do
				grep -q "capturing on" "$ERR" 2>/dev/null && break
				kill -0 $tp 2>/dev/null || break
				sleep 0.1
			done
			python3 "$CHURN"
			kill -INT $tp
			wait $tp' zlive "$TCPTRACK" "$@"
	}
	export ERR=$TMP/err CHURN=$TMP/churn.py
	# the files' rows, headers apart, of connections to the churn server
	zrows() { cat "$@" 2>/dev/null | awk -F, '$1 != "first_seen" && $6 != ""' | wc -l; }
	mkdir "$TMP/z1" && chown nobody "$TMP/z1"
	zlive -Z nobody -o "csv:file=$TMP/z1/%H%M%S.csv"
	rc=$?
	nf=$(ls "$TMP/z1" | wc -l)
	if [ $rc -eq 0 ] && [ "$nf" -ge 4 ] && [ "$(zrows "$TMP"/z1/*.csv)" -ge 40 ] &&
	   [ "$(head -qn1 "$TMP"/z1/*.csv | sort -u | cut -c1-11)" = first_seen, ] && ! grep -q "error" "$ERR"; then
		pass "-Z nobody: $nf time-named files made after the drop, each with its header, $(zrows "$TMP"/z1/*.csv) rows"
	else
		fail "-Z nobody: exit $rc, $nf files, $(zrows "$TMP"/z1/*.csv) rows: $(cat "$ERR")"
	fi
	mkdir -p "$TMP/jail/logs" && chown nobody "$TMP/jail/logs"
	printf '[core]\nuser = nobody\nchroot = %s\n' "$TMP/jail" > "$TMP/jail.conf"
	# LeakSanitizer reads /proc, which a chroot has not: no leak check there
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		zlive -c "$TMP/jail.conf" -o "csv:file=$TMP/jail/logs/%H%M%S.csv"
	rc=$?
	nf=$(ls "$TMP/jail/logs" | wc -l)
	if [ $rc -eq 0 ] && [ "$nf" -ge 4 ] && [ "$(zrows "$TMP"/jail/logs/*.csv)" -ge 40 ] && ! grep -q "error" "$ERR"; then
		pass "chroot and user: $nf time-named files made inside the chroot"
	else
		fail "chroot and user: exit $rc, $nf files, $(zrows "$TMP"/jail/logs/*.csv) rows: $(cat "$ERR")"
	fi
	# a directory the user may not write in: refused at start, before any
	# capture, as a mistake of the configuration that --check-config finds
	mkdir "$TMP/z2" && chmod 755 "$TMP/z2"
	for how in start check; do
		if [ $how = start ]; then
			tt -Z nobody -T "$CAP" -o "csv:file=$TMP/z2/%H.csv" 2>"$ERR"
		else
			tt -Z nobody -T "$CAP" -o "csv:file=$TMP/z2/%H.csv" --check-config 2>"$ERR"
		fi
		rc=$?
		if [ $rc -eq 78 ] && grep -q "each new file is made after privileges are dropped to nobody, who may not write in $TMP/z2" "$ERR"; then
			pass "-Z nobody and a directory nobody may not write in: refused ($how, 78)"
		else
			fail "-Z and a closed directory ($how): exit $rc: $(cat "$ERR")"
		fi
	done
	# a fixed name too: SIGHUP makes it anew after a rename, as nobody
	tt -Z nobody -T "$CAP" -o "csv:file=$TMP/z2/fixed.csv" --check-config 2>"$ERR"
	rc=$?
	[ $rc -eq 78 ] && grep -q "SIGHUP (log rotation) makes it anew after privileges are dropped to nobody" "$ERR" &&
		pass "-Z nobody, a fixed name in a directory nobody may not write in: refused (78)" ||
		fail "-Z, a fixed name in a closed directory: exit $rc: $(cat "$ERR")"
else
	echo "SKIP: time-named files with -Z (need root, unshare and user nobody)"
fi

# ---- values that would lose packets are refused at check time ----
cfgcheck() { # LABEL WANT_STATUS WANT_LINE CONFIG_TEXT
	printf '[core]\n%b' "$4" > "$TMP/v.conf"
	tt -c "$TMP/v.conf" --check-config >"$TMP/err" 2>&1
	rc=$?
	if [ $rc -eq "$2" ] && grep -q -- "$3" "$TMP/err"; then
		pass "$1"
	else
		fail "$1: exit $rc: $(cat "$TMP/err")"
	fi
}
cfgcheck "read_timeout = 1h refused" 78 "key 'read_timeout': more than 1s (at most 1s)" 'read_timeout = 1h\n'
cfgcheck "read_timeout = 1001ms refused" 78 "key 'read_timeout': more than 1s" 'read_timeout = 1001ms\n'
cfgcheck "snaplen = 99999999 refused" 78 "key 'snaplen': more than libpcap takes (at most 262144)" 'snaplen = 99999999\n'
cfgcheck "read_timeout = 1s and snaplen = 262144 taken" 0 "configuration OK" 'read_timeout = 1s\nsnaplen = 262144\n'

# ---- a reader that closes stdout: not a fault, the run ends quietly ----
python3 "$TESTS_SRCDIR/make-flood.py" "$TMP/flood.pcap" 100000
tt -T "$TMP/flood.pcap" 2>"$TMP/err" | head -1 >"$TMP/one"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ] && [ "$(cut -c1-11 "$TMP/one")" = first_seen, ] && ! grep -qv "packets read" "$TMP/err"; then
	pass "stdout closed by its reader (| head -1): exit 0, nothing but the summary on stderr"
else
	fail "stdout closed: exit $rc: $(cat "$TMP/err")"
fi

# ---- a FIFO for a log shipper that is not reading yet: said, waited for ----
mkfifo "$TMP/fifo"
timeout --preserve-status -s TERM 2 "$TCPTRACK" -T "$CAP" -o "csv:file=$TMP/fifo" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "csv: $TMP/fifo is a FIFO that no one reads yet: waiting for its reader" "$TMP/err" &&
	[ "$(wc -l < "$TMP/err")" -eq 1 ]; then
	pass "a FIFO no one reads: said at once; SIGTERM while waiting exits 0"
else
	fail "a FIFO no one reads, SIGTERM: exit $rc: $(cat "$TMP/err")"
fi
# append = yes reads a file back for its header, never a FIFO (whose read
# end would wait for this very writer)
timeout 20 "$TCPTRACK" -T "$CAP" -o "csv:file=$TMP/fifo,append=yes" 2>"$TMP/err" &
ff=$!
sleep 0.5
timeout 20 cat "$TMP/fifo" > "$TMP/fifo.out"
wait $ff
rc=$?
tt -T "$CAP" -o "csv:file=$TMP/fifo.want" 2>/dev/null
if [ "$rc" -eq 0 ] && cmp -s "$TMP/fifo.want" "$TMP/fifo.out"; then
	pass "append = yes on a FIFO: its reader gets the header and every row ($(wc -l < "$TMP/fifo.out") lines)"
else
	fail "append = yes on a FIFO: exit $rc, $(wc -l < "$TMP/fifo.out") lines, want $(wc -l < "$TMP/fifo.want"): $(cat "$TMP/err")"
fi
finish
