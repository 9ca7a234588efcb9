#!/bin/bash
# The socket target survives its receiver going away and coming back: a
# real socat listens on a unix socket (then on TCP on the loopback) and
# appends what it receives to a file.  tcptrack reads a capture from a pipe
# in three parts, with every event as a line and a queue of 20 lines: the
# receiver is killed after the first part, the second is read while it is
# away (the queue overflows), it is started again before the third.  What
# was received parses, is a part of what a file output of the same run
# holds (each line once, unchanged), tells in line how many lines were lost,
# and lines received plus lines lost are all the lines; tcptrack said so.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd socat
need_cmd python3
CHECK="python3 $TESTS_SRCDIR/plugins/json/jsoncheck.py"
CAP=$SHARED_DIR/pcaps/many-protocols.pcap
export TZ=UTC

RECV_PID=
stop_recv() { [ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null && wait "$RECV_PID" 2>/dev/null; RECV_PID=; return 0; }
add_cleanup stop_recv

# start_recv ADDRESS: socat listening on it, appending to $TMP/got
start_recv() {
	# not holding the pipe that feeds tcptrack (fd 3) open
	socat -u "$1" "OPEN:$TMP/got,creat,append" 2>>"$TMP/socat.err" 3>&- &
	RECV_PID=$!
}

# wait_listen unix PATH | tcp PORT: until the receiver listens (5 s at most)
wait_listen() {
	for _ in $(seq 50); do
		if [ "$1" = unix ]; then [ -S "$2" ] && return 0
		else ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0; fi
		sleep 0.1
	done
	return 1
}

# the port: one the kernel picks, from a listener that is then closed
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

size=$(stat -c %s "$CAP")
third=$((size / 3))

run() { # KIND ADDRESS-FOR-SOCAT TARGET WAIT-ARG
	kind=$1
	: > "$TMP/got"
	start_recv "$2"
	wait_listen "$kind" "$4" || { fail "$kind: socat does not listen"; return; }
	rm -f "$TMP/feed"
	mkfifo "$TMP/feed"
	"$TCPTRACK" -T - -o "json:events=yes,target=$3,queue=20,drain=5s" \
		-o "json:events=yes,file=$TMP/sent.jsonl" < "$TMP/feed" 2> "$TMP/err" &
	tt_pid=$!
	exec 3> "$TMP/feed"
	head -c "$third" "$CAP" >&3
	sleep 2
	stop_recv
	sleep 1
	tail -c +$((third + 1)) "$CAP" | head -c "$third" >&3
	sleep 2
	start_recv "$2"
	wait_listen "$kind" "$4" || fail "$kind: socat does not listen again"
	sleep 1
	tail -c +$((2 * third + 1)) "$CAP" >&3
	exec 3>&-
	wait $tt_pid
	rc=$?
	sleep 0.5
	stop_recv
	if ! out=$($CHECK subset "$TMP/sent.jsonl" "$TMP/got" 2>&1); then
		fail "$kind: $out"
		return
	fi
	read -r got lost <<< "$out"
	sent=$(wc -l < "$TMP/sent.jsonl")
	said=$(grep -c 'lost' "$TMP/err")
	reach=$(grep -c 'reachable again' "$TMP/err")
	if [ $rc -eq 0 ] && [ "$lost" -gt 0 ] && [ "$got" -gt 0 ] && [ $((got + lost)) -eq "$sent" ] &&
		[ "$said" -gt 0 ] && [ "$reach" -ge 1 ]; then
		pass "$kind: $got of $sent lines received, each parses and was sent; $lost lost, told in line and in the log"
	else
		fail "$kind: exit $rc, $got received + $lost lost of $sent sent; log: $(cat "$TMP/err")"
	fi
}

SOCK=$TMP/json.sock
run unix "UNIX-LISTEN:$SOCK" "unix:$SOCK" "$SOCK"
port=$(free_port)
run tcp "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "tcp:127.0.0.1:$port" "$port"

# At the end, a receiver away: every output's files are written out
# before any target waits for it (drain), and a stop asked again 2 s into
# that wait ends it at once (128 + the signal), as for Prometheus's linger
# (the drain waited whole before: a service manager's stop hung).  The same
# for json, ipfix and syslog, which share the target.
dead=$(free_port) # nothing listens there
for o in "json:target=tcp:127.0.0.1:$dead,drain=30s" "ipfix:target=tcp:127.0.0.1:$dead,drain=30s" \
	"syslog:metric=conn_rate,warning=1,target=tcp:127.0.0.1:$dead,drain=30s"; do
	name=${o%%:*}
	rm -f "$TMP/drain.csv"
	"$TCPTRACK" -T "$CAP" -o "$o" -o "csv:file=$TMP/drain.csv" 2>"$TMP/drain.err" &
	pid=$!
	for _ in $(seq 100); do [ "$(cat "$TMP/drain.csv" 2>/dev/null | wc -l)" -eq 127 ] && break; sleep 0.1; done
	rows=$(tail -n +2 "$TMP/drain.csv" 2>/dev/null | wc -l)
	[ "$rows" -eq 126 ] && pass "$name: waiting for its receiver, the connection log written out first ($rows rows)" ||
		fail "$name: the connection log has $rows rows of 126 while the target waits"
	kill -TERM $pid
	sleep 2.2
	kill -0 $pid 2>/dev/null || fail "$name: the first SIGTERM ended the drain"
	t0=$(date +%s%N)
	kill -TERM $pid
	wait $pid
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc -eq 143 ] && [ $ms -lt 2000 ] && grep -q "stopped again: exiting without waiting" "$TMP/drain.err" &&
		pass "$name: SIGTERM again during the drain: exit $rc after $ms ms" ||
		fail "$name: SIGTERM again during the drain: exit $rc after $ms ms: $(tail -n 3 "$TMP/drain.err")"
done
finish
