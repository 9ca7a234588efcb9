#!/bin/bash
# What finding processes costs live (a benchmark: it prints figures).  In a
# network namespace of its own, a python3 client opens and closes RATE short
# connections a second to a python3 server on loopback; tcptrack captures lo
# with [core] processes = no, then yes, and its CPU time over SECONDS is
# printed (user + system, percent of one core), with its summary line.
#   bench/procs.sh [SECONDS] [RATE]      (root)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TCPTRACK=${TCPTRACK:-$top/tcptrack}
export TCPTRACK_PLUGIN_DIR=${TCPTRACK_PLUGIN_DIR:-$top/plugins/.libs}
SECS=${1:-10}
RATE=${2:-1000}
NS=ttprocs$$
TMP=$(mktemp -d /tmp/tcptrack-procs.XXXXXX)
cleanup() { [ -n "${LOAD:-}" ] && kill $LOAD 2>/dev/null; ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
HZ=$(getconf CLK_TCK)
ip netns exec "$NS" /usr/bin/python3 - "$RATE" <<'PY' &
import socket, sys, threading, time
rate = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 7100)); srv.listen(1024)
def serve():
    while True:
        c, _ = srv.accept(); c.close()
threading.Thread(target=serve, daemon=True).start()
t = time.monotonic()
while True:
    for _ in range(rate // 10):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        s.connect(("127.0.0.1", 7100)); s.close()
    t += 0.1
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)
PY
LOAD=$!
sleep 1
for p in no yes; do
	printf '[core]\nprocesses = %s\nnames_ptr = no\n' "$p" > "$TMP/c.conf"
	ip netns exec "$NS" "$TCPTRACK" -c "$TMP/c.conf" -i lo -o "csv:file=/dev/null,columns=pid+process" \
		2> "$TMP/err" &
	tt=$!
	sleep 2
	a=$(awk '{ print $14 + $15 }' /proc/$tt/stat)
	sleep "$SECS"
	b=$(awk '{ print $14 + $15 }' /proc/$tt/stat)
	kill -TERM $tt; wait $tt
	awk -v a="$a" -v b="$b" -v s="$SECS" -v hz="$HZ" -v p="$p" \
		'BEGIN { printf "processes = %s: %.2f%% of a core\n", p, (b - a) / hz / s * 100 }'
	grep -E "packets read|names:" "$TMP/err" | sed 's/^/  /'
done
