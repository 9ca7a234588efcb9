#!/bin/bash
# bench/prom.sh: what a scrape of the prometheus output costs tcptrack's
# event loop with about 100,000 connections open.
#
# A benchmark, not a test: it prints figures and exits 0 whatever they are
# (non-zero only when it cannot run at all).
#
# usage: bench/prom.sh [--scrapes N] [--workdir DIR] [--active N] [--no-health]
# environment: TCPTRACK, TCPTRACK_PLUGIN_DIR, SHARED_DIR, CC (as bench/run.sh)
#
# The capture: gen-flows -c 2*N -p 4 -a N -S 96 (N = --active, default
# 100000).  Its first half goes into tcptrack (-T - through a FIFO) at full
# speed: the table then holds about N open connections; the rest trickles
# in (16 KiB every 10 ms), so that the loop keeps turning and answers the
# scrapes.  Each scrape (curl, --scrapes of them, 0.5 s apart) makes the
# loop collect the figures once: a walk of the whole table, timed by the
# plugin itself (tcptrack_exporter_collect_seconds, and the longest one in
# tcptrack_exporter_collect_max_seconds); that walk is all the loop does
# for a scrape (the HTTP side and the text are on the server's thread).
# --no-health: with [core] tcp_health = no (no health fields to copy).
set -u
die() { echo "bench: $*" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
scrapes=20 workdir=$here/out active=100000 health=yes
while [ $# -gt 0 ]; do
	case $1 in
	--scrapes) scrapes=$2; shift ;;
	--workdir) workdir=$2; shift ;;
	--active) active=$2; shift ;;
	--no-health) health=no ;;
	*) die "unknown argument $1 (see the top of $0)" ;;
	esac
	shift
done
TCPTRACK=${TCPTRACK:-$here/../tcptrack}
export TCPTRACK_PLUGIN_DIR=${TCPTRACK_PLUGIN_DIR:-$here/../plugins/.libs}
SHARED_DIR=${SHARED_DIR:-$here/../../shared}
CC=${CC:-cc}
[ -x "$TCPTRACK" ] || die "no tcptrack at $TCPTRACK (make first)"
[ -r "$TCPTRACK_PLUGIN_DIR/prometheus.so" ] || die "no prometheus plugin in $TCPTRACK_PLUGIN_DIR (libmicrohttpd missing?)"
command -v curl >/dev/null || die "curl is needed"
mkdir -p "$workdir" || die "cannot make $workdir"
W=$(cd "$workdir" && pwd)
if [ ! -x "$W/gen-flows" ] || [ "$W/gen-flows" -ot "$SHARED_DIR/bench/gen-flows.c" ]; then
	$CC -O2 -o "$W/gen-flows" "$SHARED_DIR/bench/gen-flows.c" || die "cannot build gen-flows"
fi
cap=$W/prom-$active.pcap
if [ ! -s "$cap" ]; then
	echo "bench: generating $cap" >&2
	"$W/gen-flows" -c $((2 * active)) -p 4 -a "$active" -S 96 -s 7 > "$cap" || die "gen-flows failed"
fi

T=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkfifo "$T/feed"
printf '[core]\ntcp_health = %s\n' "$health" > "$T/conf"
"$TCPTRACK" -c "$T/conf" -T - -o "prometheus:listen=127.0.0.1:0" 2>"$T/err" < "$T/feed" &
tt=$!
pids="$tt"
exec 3>"$T/feed"
size=$(stat -c %s "$cap")
head -c $((size / 2)) "$cap" >&3
port=
for i in $(seq 100); do
	port=$(sed -n 's|.*serving http://.*:\([0-9]*\)/metrics.*|\1|p' "$T/err" | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || die "tcptrack does not serve: $(cat "$T/err")"
tail -c +$((size / 2 + 1)) "$cap" | python3 -c '
import sys, time
while True:
    b = sys.stdin.buffer.read(16384)
    if not b:
        break
    sys.stdout.buffer.write(b)
    sys.stdout.buffer.flush()
    time.sleep(0.01)' >&3 &
pids="$! $pids"
exec 3>&-
# wait until the first half has been read: the table is full
curl -s "http://127.0.0.1:$port/metrics" > /dev/null
sleep 2

printf '%-7s %12s %14s %12s %10s\n' scrape connections collect_ms curl_ms bytes
for i in $(seq "$scrapes"); do
	curl -s -o "$T/m" -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" > "$T/t" || die "scrape failed"
	conns=$(awk '$1 ~ /^tcptrack_connections\{/ { s += $2 } END { print s + 0 }' "$T/m")
	col=$(awk '$1 == "tcptrack_exporter_collect_seconds" { printf "%.3f", $2 * 1000 }' "$T/m")
	printf '%-7s %12s %14s %12.1f %10s\n' "$i" "$conns" "$col" "$(awk '{ print $1 * 1000 }' "$T/t")" "$(stat -c %s "$T/m")"
	echo "$col" >> "$T/cols"
	sleep 0.5
done
max=$(awk '$1 == "tcptrack_exporter_collect_max_seconds" { printf "%.3f", $2 * 1000 }' "$T/m")
med=$(sort -n "$T/cols" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "bench: prometheus scrape at ~$conns connections (tcp_health = $health): the loop spends ${med} ms (median) per scrape, ${max} ms at most (tcptrack_exporter_collect_max_seconds)"
