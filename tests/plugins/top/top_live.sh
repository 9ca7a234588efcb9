#!/bin/sh
# The top view on live traffic: iperf3 at a fixed rate between two network
# namespaces of our own; the view (in tmux, private socket) shows the
# connection at iperf3's rate within 5%, pause freezes only the display, and
# -f refreshes several times a second.
. "$TESTS_SRCDIR/lib.sh"
need_root
need_cmd ip
need_cmd iperf3
need_cmd tmux

NETNS_ID=43
. "$TESTS_SRCDIR/netns.sh"
NVIEW=0
SOCK=tttopl$$-0
. "$TESTS_SRCDIR/plugins/top/tmux_lib.sh"
# (cleanups run last added first: the view and iperf3 go before the namespaces)
teardown() {
	stop_tmux
	[ -n "${IPERF_PID:-}" ] && kill "$IPERF_PID" 2>/dev/null
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
	true
}
add_cleanup teardown
trap 'exit 130' INT TERM HUP

# the row of the iperf3 data connection: sorted by rate, the first to port 5201
data_row() { screen | grep -E ':5201 ' | head -1; }
# rate_of ROW: its Rate column in bit/s
rate_of() {
	echo "$1" | awk '{ for (i = 4; i < NF; i++) if ($(i + 1) ~ /b\/s$/) {
		m = $(i + 1) ~ /^Gb/ ? 1e9 : $(i + 1) ~ /^Mb/ ? 1e6 : $(i + 1) ~ /^kb/ ? 1e3 : 1
		printf "%.0f\n", $i * m; exit } }'
}

# view ARGS...: tcptrack on the server's side, in namespace B
view() {
	stop_tmux
	NVIEW=$((NVIEW + 1))
	SOCK=tttopl$$-$NVIEW
	tm -f /dev/null new-session -d -x 150 -y 20 \
		"ip netns exec $NS_B env TCPTRACK_PLUGIN_DIR='$TCPTRACK_PLUGIN_DIR' '$TCPTRACK' -i $IF_B $*; sleep 600"
}
# iperf SECONDS: a fresh server in B, a client in A at 8 Mbit/s in small
# writes (its default 128 KB ones make each second 7 or 8 of them)
iperf() {
	ip netns exec "$NS_B" iperf3 -s -1 -B "$ADDR_B" > "$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	wait_tcp_listen "$NS_B" 5201
	ip netns exec "$NS_A" iperf3 -c "$ADDR_B" -b 8M -l 1000 -t "$1" -J > "$TMP/client.json" 2>&1 &
	IPERF_PID=$!
}

# ---- the rate, against iperf3's own report ----
view -o top:units=bits,sort=rate port 5201
wait_for "Live on $IF_B" 20 || { fail "the view did not start"; screen | sed 's/^/  | /'; finish; }
iperf 9
wait_for ':5201 ' 5 || fail "no iperf3 connection on the screen"
samples=""
for t in 4 5 6 7; do
	sleep 1
	r=$(rate_of "$(data_row)")
	samples="$samples ${r:-0}"
done
# p freezes the display, tracking goes on
tm send-keys p
wait_for '  Paused  ' 5
screen | head -n -2 > "$TMP/p1"
sleep 1.5
screen | head -n -2 > "$TMP/p2"
screen | tail -1 | grep -q '  Paused  ' && pass "p: Paused" || fail "p: $(screen | tail -1)"
cmp -s "$TMP/p1" "$TMP/p2" && pass "paused: the rows stay" || fail "paused: the rows changed"
tm send-keys p
sleep 0.5
screen | head -n -2 > "$TMP/p3"
cmp -s "$TMP/p2" "$TMP/p3" && fail "unpaused: still frozen" || pass "unpaused: current again"
wait "$IPERF_PID"
IPERF_PID=
want=$(sed -n '/"sum_received"/,/}/p' "$TMP/client.json" | grep '"bits_per_second"' | head -1 | tr -d ' \t' |
	sed 's/.*: *//; s/,//')
[ -n "$want" ] || { cat "$TMP/client.json" | tail -20; skip "iperf3 gave no report"; }
echo "iperf3 receiver: $want bit/s; the view:$samples"
good=0
for s in $samples; do
	awk -v s="$s" -v w="$want" 'BEGIN { d = s - w; if (d < 0) d = -d; exit !(d <= 0.05 * w) }' && good=$((good + 1))
done
[ "$good" -ge 3 ] && pass "rate within 5% of iperf3's ($good of 4 samples)" ||
	fail "rate not within 5% of iperf3's $want bit/s:$samples"
screen | grep -Eq ':5201 +ESTABLISHED|:5201 +CLOSED|:5201 +CLOSING' && pass "the connection and its state are shown" ||
	fail "no state: $(data_row)"

# ---- -f: several refreshes a second ----
view -f -o top:units=bits port 5201
wait_for "Live on $IF_B" 20 || fail "the view did not start"
iperf 5
wait_for ':5201 ' 5
sleep 2
# the Bytes column of each frame (the row ends with Packets, RTT and Retr)
for i in 1 2 3 4 5 6 7 8; do
	screen | grep ':5201 ' | awk '{ print $(NF - 4), $(NF - 3) }' | tr '\n' ' '
	echo
	sleep 0.12
done > "$TMP/frames"
n=$(sort -u "$TMP/frames" | wc -l)
[ "$n" -ge 4 ] && pass "-f: $n different frames in one second" || { fail "-f: $n different frames in one second"; cat "$TMP/frames"; }
wait "$IPERF_PID"
IPERF_PID=
tm send-keys q
finish
