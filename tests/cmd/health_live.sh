#!/bin/bash
# TCP health against the kernel's own figures: handshake and round-trip
# times and retransmissions that tcptrack -i logs for real connections
# between namespaces, over a path of known delay and loss.
#
# The path.  A (client, the sender: iperf3 and short connections) and B
# (server) are joined through a third namespace M that acts as the wire:
#     A:IF_A ----- MA:M:MB ----- IF_B:B
# tcptrack captures on IF_A, the sender's end.  M delays the frames going
# to A (the ACK path, B's answers) and drops the TCP segments going to B.
# Where each sits relative to the capture matters:
# - On Linux the egress tap (what libpcap sees leaving a host) comes after
#   the qdisc.  A delay on A's own egress would be over before the capture
#   sees the segment, so it would not show as a round trip at IF_A at all;
#   delay after the capture, on the way back, does: every data->ACK round
#   trip at IF_A is the delay plus the base time of the path, which is what
#   A's kernel (ss -ti, rtt:) takes as its own.  The server side of the
#   round trip (capture->B->capture) carries the delay; the client side
#   (capture->A->capture) is A's stack alone.  So handshake_us (SYN->SYN|ACK
#   + SYN|ACK->ACK) and rtt_us (client + server side) must both be the
#   delay plus the base, measured first with no delay.
# - Loss on A's egress qdisc drops a segment before the tap: the capture
#   would see only its retransmission, which is counted only if a later
#   segment was seen first (a lost last segment's copy starts at the highest
#   sequence seen, and is a first sighting for the capture), while A's kernel
#   counts every copy it sends.  Dropped after the capture, on the way to B,
#   every copy follows its original past the tap, so the segments starting
#   below the highest sequence seen in A->B are exactly what A's kernel
#   counts as retransmitted (nstat TcpRetransSegs in A), and B's count is
#   the B->A retransmissions.
# Segmentation and checksum offloads are off on every interface so that a
# segment on the wire is a segment the kernel counted.  M is `tc netem` on
# a bridge where the kernel has sch_netem; kernels built without it (as the
# one of this project's machines and CI) get netpath.py line instead: raw
# sockets in M, a fixed delay one way and loss of TCP segments the other.
. "$TESTS_SRCDIR/lib.sh"
for c in iperf3 ethtool ss nstat tc ping python3; do need_cmd $c; done
NETNS_ID=44
. "$TESTS_SRCDIR/netns.sh"

DELAY_MS=40
LOSS_PCT=1
TOL_PCT=10

# the wire: B's end of the veth pair moves to M, and a second pair joins M to B
NS_M=tt${N}m MA=$IF_B MB=ttm$N IF_B=ttc$N
netns_m_down() { ip netns del "$NS_M" 2>/dev/null; return 0; }
netns_m_down
ip netns add "$NS_M" || skip "cannot create a third network namespace"
add_cleanup netns_m_down
ip -n "$NS_B" link set "$MA" netns "$NS_M"
ip -n "$NS_M" link add "$MB" type veth peer name "$IF_B" netns "$NS_B" || skip "cannot create a second veth pair"
ip -n "$NS_B" addr add "$ADDR_B/24" dev "$IF_B"
for l in "$NS_A $IF_A" "$NS_M $MA" "$NS_M $MB" "$NS_B $IF_B"; do
	set -- $l
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 ||
		skip "ethtool cannot turn offloads off on $2"
	ip -n "$1" link set "$2" up
done

if tc -n "$NS_M" qdisc add dev "$MA" root netem delay 0ms 2>/dev/null; then
	engine=netem
	ip -n "$NS_M" link add br$N type bridge &&
		ip -n "$NS_M" link set "$MA" master br$N && ip -n "$NS_M" link set "$MB" master br$N &&
		ip -n "$NS_M" link set br$N up || skip "cannot bridge the two ends in $NS_M"
	tc -n "$NS_M" qdisc add dev "$MB" root netem loss 0% || skip "netem on $MB"
else
	engine=netpath.py
fi
note() { echo "# $*"; }
note "path: $engine in $NS_M"

kill_pid() { [ -n "${1:-}" ] && kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 0; }
line_pid= serve_pid=
stop_all() { kill_pid "$line_pid"; kill_pid "$serve_pid"; }
add_cleanup stop_all

# the wire keeps its time better on a busy machine when it comes first
realtime=
chrt -f 10 true 2>/dev/null && realtime="chrt -f 10"
# path_set DELAY_MS LOSS_PCT: the wire's delay (to A) and loss (to B) from now
path_set() {
	if [ $engine = netem ]; then
		tc -n "$NS_M" qdisc change dev "$MA" root netem delay "$1ms" &&
			tc -n "$NS_M" qdisc change dev "$MB" root netem loss "$2%" || fail "netem $1 ms, $2%"
		dropped0=$(netem_dropped)
	else
		rm -f "$TMP/line.stats"
		ip netns exec "$NS_M" $realtime python3 "$TESTS_SRCDIR/netpath.py" line "$MA" "$MB" "$1" "$2" "$TMP/line.stats" &
		line_pid=$!
		local i
		for i in $(seq 50); do [ -e "$TMP/line.stats" ] && break; sleep 0.1; done
		[ -e "$TMP/line.stats" ] || skip "netpath.py line did not start"
	fi
}
# path_dropped FILE: write to FILE how many segments the wire dropped since path_set
netem_dropped() { tc -n "$NS_M" -s qdisc show dev "$MB" | awk '/dropped/ { sub(",", "", $7); print $7; exit }'; }
path_dropped() {
	if [ $engine = netem ]; then
		echo $(($(netem_dropped) - dropped0)) >"$1"
	else
		kill_pid "$line_pid"
		line_pid=
		awk '{ print $3 }' "$TMP/line.stats" >"$1"
	fi
}

ip netns exec "$NS_B" python3 "$TESTS_SRCDIR/netpath.py" serve "$ADDR_B" 7000 &
serve_pid=$!

# retrans NS: the kernel's count of retransmitted segments in NS
retrans() { ip netns exec "$1" nstat -asz TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }'; }

# ss_sample: the data connection of iperf3 as A's kernel sees it: "port rtt_ms"
ss_sample() {
	in_a ss -Htin dst "$ADDR_B" and dport = :5201 | awk '
		/^[A-Z]/ { split($4, e, ":"); port = e[2] }
		/rtt:/ { for (i = 1; i <= NF; i++) {
				if ($i ~ /^rtt:/) { split(substr($i, 5), r, "/"); rtt = r[1] }
				if ($i ~ /^bytes_acked:/) acked = substr($i, 13) + 0
			}
			if (acked > best) { best = acked; out = port " " rtt } }
		END { if (out != "") print out }'
}

# run NAME DELAY LOSS CONNECTIONS IPERF_SECONDS: one measurement; leaves
# $TMP/NAME.csv (tcptrack's log), NAME.int.csv (its log of each second), NAME.connect (the clients' times),
# NAME.ss (ss samples), and the kernels' retransmissions in NAME.nstat
run() {
	local name=$1 secs=$5 ipid= sspid=
	path_set "$2" "$3"
	ip netns exec "$NS_A" "$TCPTRACK" -i "$IF_A" -o "csv:mode=connections,file=$TMP/$name.csv" \
		-o "csv:mode=intervals,interval=1s,file=$TMP/$name.int.csv" 2>"$TMP/$name.err" &
	local tpid=$!
	local ra0 rb0
	ra0=$(retrans "$NS_A") rb0=$(retrans "$NS_B")
	wait_capturing "$TMP/$name.err" $tpid
	if [ "$secs" -gt 0 ]; then
		ip netns exec "$NS_B" iperf3 -s -1 -B "$ADDR_B" -p 5201 >"$TMP/$name.iperf-s" 2>&1 &
		local spid=$!
		wait_tcp_listen "$NS_B" 5201
		ip netns exec "$NS_A" iperf3 -c "$ADDR_B" -p 5201 -t "$secs" -b 5M -J >"$TMP/$name.iperf" 2>&1 &
		ipid=$!
		# A's kernel's view of the data connection, twice a second while it runs
		( while kill -0 $ipid 2>/dev/null; do ss_sample; sleep 0.5; done ) >"$TMP/$name.ss" &
		sspid=$!
	fi
	in_a python3 "$TESTS_SRCDIR/netpath.py" clients "$ADDR_B" 7000 "$4" 20 15 "$TMP/$name.connect" ||
		fail "$name: short connections"
	if [ -n "$ipid" ]; then
		wait $ipid || fail "$name: iperf3 client: $(tail -n 5 "$TMP/$name.iperf")"
		wait $spid $sspid
	fi
	# the last FINs may be sent again (RTO about 250 ms) before the counts are read
	sleep 1
	kill -TERM $tpid
	wait $tpid || fail "$name: tcptrack exit $?: $(cat "$TMP/$name.err")"
	echo "$(($(retrans "$NS_A") - ra0)) $(($(retrans "$NS_B") - rb0))" >"$TMP/$name.nstat"
	path_dropped "$TMP/$name.dropped"
	grep -q " 0 dropped by the kernel" "$TMP/$name.err" || note "$name: $(cat "$TMP/$name.err")"
}

# median FILE: the median of the numbers in FILE, one a line
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "" }'; }
# spread FILE: "min median max" of the numbers in FILE
spread() { echo "$(sort -n "$1" | head -n 1) $(median "$1") $(sort -n "$1" | tail -n 1)"; }
# near VALUE REF PCT: VALUE is within PCT percent of REF
near() { awk -v v="$1" -v r="$2" -v p="$3" 'BEGIN { d = v - r; exit !(v != "" && (d < 0 ? -d : d) <= r * p / 100) }'; }
# cols FILE PORT NAME...: the named columns of the rows of a connection log
# to server port PORT (every row if PORT is empty), comma-separated
cols() {
	local f=$1 port=$2
	shift 2
	awk -F, -v port="$port" -v names="$*" '
		NR == 1 { for (i = 1; i <= NF; i++) ix[$i] = i; n = split(names, c, " "); next }
		port == "" || $ix["server_port"] == port {
			s = ""; for (j = 1; j <= n; j++) s = s (j > 1 ? "," : "") $ix[c[j]]; print s }' "$f"
}

# the base round trip of the path: ping's median with no delay
path_set 0 0
in_a ping -n -c 1 -w 5 "$ADDR_B" >/dev/null || fail "ping through the path"   # and the neighbours known
in_a ping -n -c 20 -i 0.02 -w 5 "$ADDR_B" | sed -n 's/.* time=\([0-9.]*\) ms/\1/p' >"$TMP/ping" ||
	fail "ping through the path"
path_dropped "$TMP/base.dropped"
base_us=$(awk '{ printf "%d", $1 * 1000 }' <<<"$(median "$TMP/ping")")
want_us=$((DELAY_MS * 1000 + base_us))
note "delay $DELAY_MS ms + base $base_us us (ping median, no delay): want $want_us us within $TOL_PCT%"

health="handshake_us rtt_us rtt_client_us rtt_server_us rtt_min_us c2s_retrans c2s_retrans_bytes s2c_retrans s2c_retrans_bytes"
# check NAME: what tcptrack logged in run NAME against the path and the kernels
check() {
	local name=$1 f=$TMP/$1.csv h
	for h in $health; do
		head -n 1 "$f" | tr , '\n' | grep -qx "$h" || { fail "$name: no $h column in the connection log"; return; }
	done
	# The short connections: each handshake and round trip the delay plus
	# the base.  A busy host can hold packets in its queues for tens of ms
	# (softirq work left to ksoftirqd): such a connection is slow for its
	# client too, whose connect() and request->answer times bound the
	# capture's SYN->SYN|ACK and request->ACK from above (the kernel, as
	# tcptrack, takes both as samples of the server side's round trip).  A figure off the
	# path's time passes only where the client saw the same, for at most
	# one connection in ten.
	local n nh nr
	n=$(wc -l <"$TMP/$name.connect") nh=$(cols "$f" 7000 client_port | wc -l)
	[ "$nh" -eq "$n" ] && pass "$name: a row for each of the $n short connections" || fail "$name: $nh rows for $n short connections"
	: >"$TMP/$name.hs"; : >"$TMP/$name.rtt"
	cols "$f" 7000 client_port handshake_us rtt_us rtt_client_us rtt_server_us |
		awk -F, -v want=$want_us -v tol=$TOL_PCT -v delay=$((DELAY_MS * 1000)) -v out="$TMP/$name" '
		function near(v) { return v != "" && (v > want ? v - want : want - v) <= want * tol / 100 }
		first { conn[$1] = $2; answer[$1] = $3; next }
		{
			p = $1; hs = $2; rtt = $3; rc = $4; rs = $5
			print hs > (out ".hs")
			if (near(hs)) nhs++
			else if (hs >= delay && conn[p] > want * (1 + tol / 100) && hs <= conn[p] + 1000) {
				shs++; print p ": handshake " hs ", connect() " conn[p] > (out ".slow") }
			else print p ": handshake " hs ", connect() " conn[p] > (out ".far")
			# a lost request leaves the server side without a sample (Karn)
			if (rc == "" || rs == "") next
			print rtt > (out ".rtt")
			# the server side smooths SYN->SYN|ACK and request->ACK
			slow = conn[p] > answer[p] ? conn[p] : answer[p]
			if (near(rtt)) nrtt++
			else if (rs >= delay && rc <= want * tol / 100 && slow > want * (1 + tol / 100) && rs <= slow + 1000) {
				srtt++; print p ": rtt " rtt " (server side " rs "), connect() " conn[p] ", request->answer " answer[p] > (out ".slow") }
			else print p ": rtt " rtt " (" rc " + " rs "), connect() " conn[p] ", request->answer " answer[p] > (out ".far")
		}
		END { print nhs + 0, shs + 0, nrtt + 0, srtt + 0 }' first=1 FS=' ' "$TMP/$name.connect" first=0 FS=, - >"$TMP/$name.judged"
	local nhs shs nrtt srtt
	read -r nhs shs nrtt srtt <"$TMP/$name.judged"
	nr=$((nrtt + srtt))
	awk '{ print $2 }' "$TMP/$name.connect" >"$TMP/$name.conn"
	note "$name: $nh short connections, connect() min median max $(spread "$TMP/$name.conn") us"
	note "$name: handshake_us min median max $(spread "$TMP/$name.hs"); $nhs within $TOL_PCT%, $shs slow for the client too"
	note "$name: rtt_us min median max $(spread "$TMP/$name.rtt"); $nrtt within $TOL_PCT%, $srtt slow for the client too"
	[ -s "$TMP/$name.slow" ] && note "$name: slow: $(tr '\n' ';' <"$TMP/$name.slow")"
	[ ! -s "$TMP/$name.far" ] && pass "$name: handshakes and round trips within $TOL_PCT% of $want_us us, or as slow as the client saw" ||
		fail "$name: off the path's $want_us us: $(head -n 20 "$TMP/$name.far" | tr '\n' ';')"
	[ $((shs * 10)) -le "$nh" ] && [ $((srtt * 10)) -le "$nr" ] && pass "$name: at most one connection in ten slowed by the host" ||
		fail "$name: the host slowed $shs handshakes and $srtt round trips of $nh: too busy to judge"
	[ "$nr" -gt $((n / 2)) ] && pass "$name: $nr round trips sampled on both sides" || fail "$name: $nr round trips sampled on both sides, of $n"

	# The data connection of iperf3, during the transfer, as A's kernel saw
	# it (ss twice a second) and as tcptrack did (its smoothed round trip at
	# the end of each second, the log of intervals' rtt_us): the medians of
	# both.  A connection's last figure (the connection log's) can take a
	# sample or two that the transfer's end lengthens (the delayed ACK of a
	# lone last segment: 1/8 of up to 40 ms each) after A's kernel is last
	# asked; it is the one of the last second.
	local port rtt hs rc rsv rmin ssrtt trtt last
	port=$(awk 'END { print $1 }' "$TMP/$name.ss")
	# (the control connection may lead in bytes acked at first)
	awk -v p="$port" '$1 == p { printf "%d\n", $2 * 1000 }' "$TMP/$name.ss" >"$TMP/$name.krtt"
	ssrtt=$(median "$TMP/$name.krtt")
	cols "$TMP/$name.int.csv" 5201 client_port rtt_us | awk -F, -v p="$port" '$1 == p && $2 != "" { print $2 }' >"$TMP/$name.trtt"
	trtt=$(median "$TMP/$name.trtt")
	last=$(tail -n 1 "$TMP/$name.trtt")
	IFS=, read -r hs rtt rc rsv rmin <<<"$(cols "$f" 5201 client_port handshake_us rtt_us rtt_client_us rtt_server_us rtt_min_us |
		awk -F, -v p="$port" '$1 == p { print $2 "," $3 "," $4 "," $5 "," $6 }')"
	note "$name: iperf3 data connection (port ${port:-?}): handshake_us ${hs:-?}, rtt_us ${rtt:-?} (client ${rc:-?}, server ${rsv:-?}), rtt_min_us ${rmin:-?}"
	note "$name: its rtt_us each second $(tr '\n' ' ' <"$TMP/$name.trtt")(median ${trtt:-?}); A's kernel's $(tr '\n' ' ' <"$TMP/$name.krtt")(median ${ssrtt:-?})"
	[ -n "$port" ] && near "${trtt:-}" "${ssrtt:-}" $TOL_PCT && pass "$name: iperf3 rtt_us $trtt within $TOL_PCT% of ss's $ssrtt during the transfer" ||
		fail "$name: iperf3 rtt_us '${trtt:-}' during the transfer, ss '${ssrtt:-}' us"
	near "${trtt:-}" $want_us $TOL_PCT && pass "$name: iperf3 rtt_us within $TOL_PCT% of $want_us during the transfer" ||
		fail "$name: iperf3 rtt_us '${trtt:-}' during the transfer, want $want_us"
	[ -n "${rtt:-}" ] && [ "$rtt" = "$last" ] && pass "$name: iperf3 rtt_us $rtt in the connection log, as in its last second's" ||
		fail "$name: iperf3 rtt_us '${rtt:-}' in the connection log, '${last:-}' in its last second's"
	[ -n "${rtt:-}" ] && [ -n "${rc:-}" ] && [ -n "${rsv:-}" ] && [ "$rtt" -eq $((rc + rsv)) ] &&
		pass "$name: iperf3 rtt_us $rtt the sum of its two sides" || fail "$name: iperf3 rtt_us '${rtt:-}' not '${rc:-}' + '${rsv:-}'"
	near "${rmin:-}" $want_us $TOL_PCT && pass "$name: iperf3 rtt_min_us within $TOL_PCT% of $want_us" ||
		fail "$name: iperf3 rtt_min_us '${rmin:-}', want $want_us"
	near "${hs:-}" $want_us $TOL_PCT && pass "$name: iperf3 handshake_us within $TOL_PCT% of $want_us" ||
		fail "$name: iperf3 handshake_us '${hs:-}', want $want_us"

	# retransmissions: A sends c2s, B s2c; each kernel's own count
	local ka kb ta tb tab tbb
	read -r ka kb <"$TMP/$name.nstat"
	read -r ta tab tb tbb <<<"$(cols "$f" "" c2s_retrans c2s_retrans_bytes s2c_retrans s2c_retrans_bytes |
		awk -F, '{ a += $1; ab += $2; b += $3; bb += $4 } END { print a + 0, ab + 0, b + 0, bb + 0 }')"
	note "$name: retransmitted A->B: tcptrack $ta ($tab bytes), nstat A $ka; B->A: tcptrack $tb ($tbb bytes), nstat B $kb; path dropped $(cat "$TMP/$name.dropped")"
	[ $((ta > ka ? ta - ka : ka - ta)) -le $((ka / 100)) ] && pass "$name: A->B retransmissions $ta, kernel $ka" ||
		fail "$name: A->B retransmissions $ta, A's kernel $ka"
	[ $((tb > kb ? tb - kb : kb - tb)) -le $((kb / 100)) ] && pass "$name: B->A retransmissions $tb, kernel $kb" ||
		fail "$name: B->A retransmissions $tb, B's kernel $kb"
}

run delay $DELAY_MS 0 300 3
check delay
run loss $DELAY_MS $LOSS_PCT 300 3
check loss
[ "$(cat "$TMP/loss.nstat" | awk '{ print $1 }')" -gt 0 ] && pass "loss: A's kernel retransmitted" ||
	fail "loss: no retransmission with $LOSS_PCT% loss"
finish
