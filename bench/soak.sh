#!/bin/bash
# bench/soak.sh: tcptrack's memory over a long run of connection churn.
# Two network namespaces joined by a veth pair; a client opens, uses and
# closes short TCP connections to 16 server ports from 32 addresses, RATE
# a second, for MINUTES; tcptrack listens on the server's side with a
# CSV connection log and two syslog rules (per connection and per server)
# sending to a UDP socket; every INTERVAL seconds the script prints
# tcptrack's resident size (all, private anonymous, the packet ring) and
# the connections so far.  A benchmark, not a
# test: it prints figures.  Needs root, iproute2, python3.
#   usage: bench/soak.sh [MINUTES [INTERVAL [RATE]]]
#   (default: 10 minutes, a line every 60 s, 1200 connections a second)
# environment: TCPTRACK (default ../tcptrack beside this script),
#   TCPTRACK_PLUGIN_DIR (default plugins/.libs beside it), SOAK_NETNS
#   (default 250: the namespaces' number, 10.78.N.0/24)
set -u
here=$(cd "$(dirname "$0")" && pwd)
TCPTRACK=${TCPTRACK:-$here/../tcptrack}
export TCPTRACK_PLUGIN_DIR=${TCPTRACK_PLUGIN_DIR:-$here/../plugins/.libs}
MIN=${1:-10}
STEP=${2:-60}
RATE=${3:-1200}
for c in ip python3; do
	command -v $c >/dev/null || { echo "soak.sh: $c is not installed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "soak.sh: needs root (network namespaces)" >&2; exit 1; }
N=${SOAK_NETNS:-250}
A=tts${N}a B=tts${N}b W=$(mktemp -d)
pids=""
down() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
	rm -rf "$W"
}
trap down EXIT
ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
ip netns add $A && ip netns add $B || exit 1
ip link add tts${N}a type veth peer name tts${N}b
ip link set tts${N}a netns $A
ip link set tts${N}b netns $B
for i in $(seq 1 32); do ip -n $A addr add 10.78.$N.$i/24 dev tts${N}a; done
ip -n $B addr add 10.78.$N.100/24 dev tts${N}b
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set tts${N}a up
ip -n $B link set tts${N}b up
# the client's ports come back quickly
ip netns exec $A sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 65000"

cat > "$W/churn.py" <<'PY'
import os, socket, sys, threading, time
role, host = sys.argv[1], sys.argv[2]
ports = range(9000, 9016)
if role == "server":
    def serve(p):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, p)); s.listen(512)
        while True:
            c, _ = s.accept()
            try:
                c.recv(512); c.sendall(b"x" * 300)
            except OSError:
                pass
            c.close()
    for p in ports:
        threading.Thread(target=serve, args=(p,), daemon=True).start()
    while True:
        time.sleep(3600)
else:
    prefix, n = host.rsplit(".", 1)[0], 0
    srv, rate = sys.argv[3], float(sys.argv[4])
    t = time.monotonic()
    while True:
        for i in range(1, 33):
            # paced per 16 connections: rate connections a second
            t += 16 / rate
            d = t - time.monotonic()
            if d > 0:
                time.sleep(d)
            else:
                t = time.monotonic()
            for p in ports:
                try:
                    s = socket.socket()
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                    s.bind(("%s.%d" % (prefix, i), 0))
                    s.connect((srv, p)); s.sendall(b"y" * 200); s.recv(512)
                    s.close()
                except OSError:
                    pass
PY
cat > "$W/soak.conf" <<CONF
[core]
max_connections = 100000
[output log]
plugin = csv
mode = connections
file = $W/conns.csv
[output flow]
plugin = syslog
metric = conn_bytes
warning = 100
for = 0s
target = udp:127.0.0.1:5514
[output busy]
plugin = syslog
metric = server_connections
warning = 1
for = 0s
target = udp:127.0.0.1:5514
CONF
ip netns exec $B python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5514))
while True:
    s.recv(65536)' &
pids="$pids $!"
ip netns exec $B python3 "$W/churn.py" server 10.78.$N.100 &
pids="$pids $!"
ip netns exec $B "$TCPTRACK" -c "$W/soak.conf" -i tts${N}b 2>"$W/tt.err" &
tp=$!
pids="$pids $tp"
sleep 1
ip netns exec $A python3 "$W/churn.py" client 10.78.$N.1 10.78.$N.100 "$RATE" &
pids="$pids $!"
# resident MiB: all, the heap and other private anonymous memory, and the
# shared mappings (the capture's packet ring, which fills block by block)
mem() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { shared = substr($2, 4, 1) == "s" }
		/^Rss:/ { all += $2; if (shared) sh += $2 }
		/^Anonymous:/ { anon += $2 }
		END { printf "%7.1f  %7.1f  %7.1f", all / 1024, anon / 1024, sh / 1024 }' /proc/$tp/smaps
}
conns() { [ -f "$W/conns.csv" ] && echo $(($(wc -l < "$W/conns.csv") - 1)) || echo 0; }
echo "minute  rss_MiB anon_MiB ring_MiB  connections_logged"
printf '%6s  %s  %s\n' 0 "$(mem)" "$(conns)"
t0=$(date +%s)
end=$((t0 + MIN * 60))
while [ "$(date +%s)" -lt $end ]; do
	sleep "$STEP"
	kill -0 $tp 2>/dev/null || { echo "soak.sh: tcptrack ended: $(cat "$W/tt.err")" >&2; exit 1; }
	printf '%6s  %s  %s\n' "$(awk -v s=$(($(date +%s) - t0)) 'BEGIN { printf "%.1f", s / 60 }')" "$(mem)" "$(conns)"
done
kill -INT $tp
wait $tp
tail -n 3 "$W/tt.err"
