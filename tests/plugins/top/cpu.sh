#!/bin/sh
# CPU of the top view, measured by hand (a benchmark, not a test: it prints
# figures).  Needs root (a network namespace), tmux, and a C compiler.
#   sh tests/plugins/top/cpu.sh [SECONDS]
# 1. an idle view: live capture on a veth in a namespace of its own, where
#    nothing is sent; tcptrack 1.4.2 beside it when /usr/bin/tcptrack exists
# 2. a view of 100,000 connections: ../shared/bench/gen-flows makes them;
#    the capture is replayed at real time (closed_linger keeps every one in
#    the table), then the final table is held, then keys are pressed
# 3. live, 100,000 connections in the table (tcpreplay sends the capture
#    on the namespace's veth): a snapshot of all of them each second, or ten
#    with -f
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
TCPTRACK=${TCPTRACK:-$top/tcptrack}
export TCPTRACK_PLUGIN_DIR=${TCPTRACK_PLUGIN_DIR:-$top/plugins/.libs}
SHARED_DIR=${SHARED_DIR:-$top/../shared}
SECS=${1:-30}
TMP=$(mktemp -d /tmp/tcptrack-cpu.XXXXXX)
NS=ttcpu$$
SOCK=ttcpu$$
tm() { tmux -L "$SOCK" "$@"; }
stop_tmux() { tm kill-server 2>/dev/null; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"; }
cleanup() { stop_tmux; ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
HZ=$(getconf CLK_TCK)

# ticks PID: user + system CPU ticks so far
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# the pid of PROG running in the tmux pane
pane_pid() {
	sh=$(tm display -p '#{pane_pid}')
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$(pgrep -P "$sh" -x "$1" | head -1)
		[ -z "$p" ] && p=$(pgrep -P "$(pgrep -P "$sh" | head -1)" -x "$1" 2>/dev/null | head -1)
		[ -n "$p" ] && { echo "$p"; return; }
		sleep 0.2
	done
}
# cpu PID SECONDS: percent of one core used over SECONDS
cpu() {
	a=$(ticks "$1")
	sleep "$2"
	b=$(ticks "$1")
	awk -v a="$a" -v b="$b" -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.2f%%", (b - a) / hz / s * 100 }'
}
run() {
	stop_tmux
	SOCK=ttcpu$$-$(date +%s%N)
	tm -f /dev/null new-session -d -x 120 -y 40 "$*; sleep 600"
}

echo "== idle view, $SECS s =="
ip netns add "$NS"
ip -n "$NS" link add ttc0 type veth peer name ttc1
ip -n "$NS" link set ttc0 up
ip -n "$NS" link set ttc1 up
run "ip netns exec $NS '$TCPTRACK' -i ttc0"
sleep 2
pid=$(pane_pid tcptrack)
echo "tcptrack (top view): $(cpu "$pid" "$SECS") of a core"
if [ -x /usr/bin/tcptrack ]; then
	run "ip netns exec $NS /usr/bin/tcptrack -i ttc0"
	sleep 2
	pid=$(pane_pid tcptrack)
	echo "tcptrack 1.4.2:      $(cpu "$pid" "$SECS") of a core"
fi

echo "== 100,000 connections =="
cc -O2 -o "$TMP/gen-flows" "$SHARED_DIR/bench/gen-flows.c" || exit 1
"$TMP/gen-flows" -c 100000 -a 100000 -p 2 > "$TMP/100k.pcap"
printf '[core]\nreplay_speed = 1\nclosed_linger = 1h\n' > "$TMP/paced.conf"
run "'$TCPTRACK' -c '$TMP/paced.conf' -T '$TMP/100k.pcap'"
pid=$(pane_pid tcptrack)
t0=$(ticks "$pid")
w0=$(date +%s.%N)
while ! tm capture-pane -p | grep -q "end of file reached"; do sleep 0.2; done
t1=$(ticks "$pid")
w1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v w0="$w0" -v w1="$w1" -v hz="$HZ" 'BEGIN {
	printf "replay at real time (%.1f s, a snapshot of up to 100,000 connections each second): %.2f%% of a core\n",
		w1 - w0, (b - a) / hz / (w1 - w0) * 100 }'
tm capture-pane -p | tail -2
echo "final table held, $SECS s: $(cpu "$pid" "$SECS") of a core"
a=$(ticks "$pid")
for i in $(seq 1 40); do tm send-keys s; sleep 0.05; done
sleep 1
b=$(ticks "$pid")
awk -v a="$a" -v b="$b" -v hz="$HZ" 'BEGIN { printf "40 presses of s: %.1f ms of CPU each\n", (b - a) / hz / 40 * 1000 }'
tm send-keys q

if command -v tcpreplay >/dev/null; then
	for f in "" -f; do
		for out in top csv; do
			o=
			[ $out = csv ] && o="-o csv:mode=connections,file=/dev/null"
			run "ip netns exec $NS '$TCPTRACK' $f -c '$TMP/paced.conf' -i ttc0 $o"
			sleep 1
			pid=$(pane_pid tcptrack)
			ip netns exec "$NS" tcpreplay -q -i ttc1 --pps 200000 "$TMP/100k.pcap" > /dev/null 2>&1
			sleep 3
			if [ $out = top ]; then
				echo "== live ${f:+($f) }with 100,000 connections in the table, $SECS s =="
				tm capture-pane -p | tail -1
				echo "the view of them:          $(cpu "$pid" "$SECS") of a core"
			else
				echo "no view (a connection log): $(cpu "$pid" "$SECS") of a core"
			fi
		done
	done
else
	echo "(no tcpreplay: the live figures need it)"
fi

echo "== reading as fast as possible: the view against no view =="
printf '[core]\nreplay_speed = 0\nclosed_linger = 1h\n' > "$TMP/fast.conf"
/usr/bin/time -f "%U %S" -o "$TMP/t.csv" "$TCPTRACK" -c "$TMP/fast.conf" -T "$TMP/100k.pcap" \
	-o "csv:mode=connections,file=/dev/null" 2>/dev/null
run "/usr/bin/time -f '%U %S' -o '$TMP/t.top' '$TCPTRACK' -c '$TMP/fast.conf' -T '$TMP/100k.pcap'"
while ! tm capture-pane -p | grep -q "end of file reached"; do sleep 0.2; done
tm send-keys q
while [ ! -s "$TMP/t.top" ]; do sleep 0.2; done
echo "CPU seconds (user+system), csv log only: $(awk '{ print $1 + $2 }' "$TMP/t.csv"); the view: $(awk '{ print $1 + $2 }' "$TMP/t.top")"
