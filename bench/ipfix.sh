#!/bin/sh
# bench/ipfix.sh: the ipfix plugin at the rate of workload (a) of
# bench/run.sh (gen-flows -c 1000000 -p 4 -a 100000 -S 96: a million
# connections closing, read from the file as fast as it goes), exporting
# over UDP on the loopback to nfcapd.  Prints the records tcptrack built
# and the messages it counted lost, the records nfcapd received, the
# datagrams the kernel dropped at a full receive buffer, and tcptrack's
# processor and wall time with the export and without it.  A benchmark: it exits 0 whatever the figures.
#
# usage: bench/ipfix.sh [--conns N] [--workdir DIR] [--rcvbuf BYTES]
#   --conns N      connections (default 1000000; -a is N/10)
#   --workdir DIR  where the capture and logs go (default bench/out; the
#                  capture of (a) is the one bench/run.sh makes, reused)
#   --rcvbuf B     nfcapd's socket buffer (-B; default 8388608; the kernel
#                  caps it at net.core.rmem_max)
# environment: TCPTRACK, TCPTRACK_PLUGIN_DIR, SHARED_DIR, CC as bench/run.sh
set -u
die() { echo "bench: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
conns=1000000 W=$here/out rcvbuf=8388608
while [ $# -gt 0 ]; do
	case $1 in
	--conns) conns=$2; shift ;;
	--workdir) W=$2; shift ;;
	--rcvbuf) rcvbuf=$2; shift ;;
	*) die "unknown option $1 (see the top of $0)" ;;
	esac
	shift
done
: "${TCPTRACK:=$here/../tcptrack}"
: "${TCPTRACK_PLUGIN_DIR:=$(dirname "$TCPTRACK")/plugins/.libs}"
: "${SHARED_DIR:=$here/../../shared}"
: "${CC:=cc}"
export TCPTRACK_PLUGIN_DIR
command -v nfcapd >/dev/null && command -v nfdump >/dev/null || die "needs nfcapd and nfdump (Debian nfdump)"
[ -x "$TCPTRACK" ] && [ -f "$TCPTRACK_PLUGIN_DIR/ipfix.so" ] || die "build tcptrack and plugins/ipfix.la first"
mkdir -p "$W" || die "cannot make $W"
active=$((conns / 10))
cap=$W/flows-a$active.pcap
if [ ! -s "$cap" ]; then
	[ -x "$W/gen-flows" ] || $CC -O2 -o "$W/gen-flows" "$SHARED_DIR/bench/gen-flows.c" || die "cannot build gen-flows"
	echo "bench: generating $cap" >&2
	"$W/gen-flows" -c "$conns" -p 4 -a "$active" -S 96 >"$cap.tmp" && mv "$cap.tmp" "$cap" || die "gen-flows failed"
fi
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nf=$W/ipfix-nf
rm -rf "$nf" && mkdir -p "$nf"
nfcapd -b 127.0.0.1 -p "$port" -w "$nf" -t 3600 -B "$rcvbuf" -v >"$nf.log" 2>&1 &
nfpid=$!
trap 'kill $nfpid 2>/dev/null' EXIT
sleep 1
rcverr() { awk '/^Udp:/ { if (n++) print $6 }' /proc/net/snmp; }
e0=$(rcverr)
T="/usr/bin/time -f %U+%S=%e"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (Debian time)"
$T -o "$W/ipfix.time" "$TCPTRACK" -T "$cap" -o "ipfix:target=udp:127.0.0.1:$port" 2>"$W/ipfix.err" >/dev/null ||
	die "tcptrack failed: $(cat "$W/ipfix.err")"
# nfcapd drops what its socket holds when it stops: let it read all first
for _ in $(seq 100); do
	[ "$(ss -Hunl "sport = :$port" | awk '{ print $2 }')" = 0 ] && break
	sleep 0.1
done
e1=$(rcverr)
kill $nfpid
wait $nfpid 2>/dev/null
$T -o "$W/plain.time" "$TCPTRACK" -T "$cap" >/dev/null 2>&1
sent=$(sed -n 's/.*ipfix: \([0-9]*\) records in \([0-9]*\) messages to .*; \([0-9]*\) messages lost.*/\1 \2 \3/p' "$W/ipfix.err")
set -- $sent
got=$(nfdump -R "$nf" -o csv 2>/dev/null | tail -n 1 | cut -d, -f1)
echo "ipfix export of $conns connections ($cap), UDP to nfcapd on 127.0.0.1:"
echo "  records built by tcptrack: ${1:-?} in ${2:-?} messages; messages counted lost: ${3:-?}"
echo "  records received by nfcapd: ${got:-?} (missing: $(( ${1:-0} - ${got:-0} )))"
echo "  UDP receive buffer errors (kernel, /proc/net/snmp): $((e1 - e0))"
echo "  nfcapd: $(grep -o "Flows: .*" "$nf.log" | head -n 1)"
# processor time (user+system) and wall time; the wall time also holds
# the wait for the processor that nfcapd, on the same machine, takes
cpu_of() { awk -F'[+=]' '{ printf "%.2fs processor (%.2f user, %.2f system), %.2fs wall", $1 + $2, $1, $2, $3 }' "$1"; }
echo "  tcptrack with the export: $(cpu_of "$W/ipfix.time")"
echo "  tcptrack alone (CSV log to /dev/null): $(cpu_of "$W/plain.time")"
exit 0
