#!/bin/bash
# A fleet on one machine: 8 tcptrack instances, each in a network namespace
# of its own with its own traffic (an iperf3 transfer on that namespace's
# loopback, captured with -i lo), joined by veths to a bridge in a
# "collector" namespace where one nfcapd receives all their IPFIX and one
# Prometheus scrapes all their metrics.  Each instance also writes a CSV
# connection log and a JSON lines file.  At the end the fleet's totals agree
# everywhere: IP bytes and packets in nfcapd (nfdump) and in Prometheus (sum
# over the instances), and connections opened, equal the sums of the 8 CSV
# logs, and so do the JSON files'.  FLEET_SECONDS (default 3) is each
# transfer's length; `make fleet-demo` runs it longer.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/prometheus/prom_lib.sh"
. "$TESTS_SRCDIR/plugins/ipfix/ipfix_lib.sh"
need_root
need_cmd ip
need_cmd prometheus
need_cmd promtool
need_cmd nfcapd
need_cmd nfdump
need_cmd iperf3
need_cmd jq
SECS=${FLEET_SECONDS:-3}
FLEET=8

# names and addresses: namespace id 70 (plus TT_NETNS_BASE), 10.79.N.0/24,
# the collector on .254 and host i on .i; nothing in the root namespace
N=$((70 + ${TT_NETNS_BASE:-0}))
NET=10.79.$((N % 256))
COL=ttfleet${N}c BR=ttfleet${N}br COL_ADDR=$NET.254
host_ns() { echo "ttfleet${N}h$1"; }
fleet_down() {
	local i
	for i in $(seq $FLEET); do
		[ -f "$TMP/iperf$i.pid" ] && kill "$(cat "$TMP/iperf$i.pid")" 2>/dev/null
		ip netns del "$(host_ns "$i")" 2>/dev/null
	done
	ip netns del "$COL" 2>/dev/null
	return 0
}
fleet_down
add_cleanup fleet_down
ip netns add "$COL" || skip "cannot create network namespaces"
ip -n "$COL" link set lo up
ip -n "$COL" link add "$BR" type bridge || skip "cannot create a bridge"
ip -n "$COL" addr add "$COL_ADDR/24" dev "$BR"
ip -n "$COL" link set "$BR" up
for i in $(seq $FLEET); do
	ns=$(host_ns "$i")
	ip netns add "$ns"
	# the pair is born with one end in each namespace: port p$i on the
	# bridge, eth0 in the host
	ip -n "$COL" link add "p$i" type veth peer name eth0 netns "$ns" || skip "cannot create a veth pair"
	ip -n "$COL" link set "p$i" master "$BR" up
	ip -n "$ns" addr add "$NET.$i/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
done

# the collector: nfcapd (stopped and read by ipfix_lib's nf_stop) and
# Prometheus, both on the bridge's address
NF_EXEC="ip netns exec $COL" NF_DIR=$TMP/nf NF_PORT=4739
mkdir -p "$NF_DIR"
$NF_EXEC nfcapd -b "$COL_ADDR" -p $NF_PORT -w "$NF_DIR" -t 3600 -v >"$NF_DIR.log" 2>&1 &
NF_PID=$!
add_cleanup nf_kill
ready_within_5s grep -q "Startup" "$NF_DIR.log" || { fail "nfcapd did not start: $(cat "$NF_DIR.log")"; finish; }

# the fleet: tcptrack on each host's loopback, linger so that Prometheus
# gets the final figures before it exits
tts=
for i in $(seq $FLEET); do
	cat >"$TMP/h$i.conf" <<CONF
[output metrics]
plugin = prometheus
listen = $NET.$i:29901
allow_remote = yes
linger = 20s
[output flows]
plugin = ipfix
target = udp:$COL_ADDR:$NF_PORT
observation_domain = $i
active_timeout = 1s
[output log]
plugin = csv
mode = connections
file = $TMP/h$i.csv
[output lines]
plugin = json
file = $TMP/h$i.jsonl
CONF
	ip netns exec "$(host_ns "$i")" "$TCPTRACK" -c "$TMP/h$i.conf" -i lo 2>"$TMP/h$i.err" &
	tts="$tts $!"
done
stop_fleet() { [ -z "$tts" ] || kill $tts 2>/dev/null; return 0; }
add_cleanup stop_fleet
targets=
for i in $(seq $FLEET); do
	prom_port "$TMP/h$i.err" >/dev/null || { fail "host $i does not serve: $(cat "$TMP/h$i.err")"; finish; }
	targets="$targets${targets:+"', '"}$NET.$i:29901"
done
prom_start "ip netns exec $COL" "$targets" "$COL_ADDR:9090" || finish
q() { prom_query "$@"; }
for _ in $(seq 50); do
	[ "$(q 'count(up{job="tcptrack"} == 1)')" = $FLEET ] && break
	sleep 0.2
done
up=$(q 'count(up{job="tcptrack"} == 1)')
[ "$up" = $FLEET ] && pass "Prometheus scrapes the $FLEET hosts over the bridge" || fail "$up targets up of $FLEET"

# the traffic: on each host, an iperf3 server and client on its loopback
# (its control connection and two streams), at a rate of its own
for i in $(seq $FLEET); do
	ip netns exec "$(host_ns "$i")" iperf3 -s -D -1 -B 127.0.0.1 -p 5201 -I "$TMP/iperf$i.pid" \
		--logfile "$TMP/iperf$i-s.log" || skip "iperf3 server did not start"
done
# (-D returns before the daemon binds)
for i in $(seq $FLEET); do
	wait_tcp_listen "$(host_ns "$i")" 5201
done
cpids=
for i in $(seq $FLEET); do
	ip netns exec "$(host_ns "$i")" iperf3 -c 127.0.0.1 -p 5201 -t "$SECS" -P 2 -b "$((i * 2))M" \
		>"$TMP/iperf$i.out" 2>&1 &
	cpids="$cpids $!"
done
for p in $cpids; do
	wait "$p" || fail "an iperf3 client failed: $(tail -q -n 3 "$TMP"/iperf*.out)"
done
sleep 2.5   # past the closed linger (2 s): the connections leave the table
kill -TERM $tts
for p in $tts; do
	wait "$p" || fail "tcptrack $p: exit $?"
done
tts=
sleep 1.5   # the last scrapes are stored
for i in $(seq $FLEET); do
	grep -q "; 0 messages lost" "$TMP/h$i.err" || fail "host $i: $(cat "$TMP/h$i.err")"
done
nf_stop "$TMP/nf.csv"

# the CSV logs: packets, IP bytes, connections (columns 8 + 11, 9 + 12)
csv_total() {
	awk -F, 'FNR > 1 { p += $8 + $11; b += $9 + $12; n++ } END { printf "%d %d %d\n", p, b, n }' "$@"
}
read -r pk by cn <<<"$(csv_total "$TMP"/h*.csv)"
echo "fleet totals (CSV logs): $by IP bytes, $pk packets, $cn connections"
lean=
for i in $(seq $FLEET); do
	read -r p b n <<<"$(csv_total "$TMP/h$i.csv")"
	[ "$n" -ge 3 ] && [ "$b" -gt $((i * SECS * 200000)) ] || lean="$lean h$i:$b/$n"
	got=$(q "sum(last_over_time(tcptrack_ip_bytes_total{instance=\"$NET.$i:29901\"}[5m]))")
	[ "$got" = "$b" ] || fail "host $i: Prometheus $got IP bytes, CSV log $b"
done
[ -z "$lean" ] && pass "each host logged its transfer (3 connections or more, its rate)" ||
	fail "logs with too little (bytes/connections):$lean"

# Prometheus: the sum over the instances of each one's last value
last() { q "sum(last_over_time($1[5m]))"; }
got="$(last tcptrack_tcp_packets_total) $(last tcptrack_ip_bytes_total) $(last tcptrack_connections_opened_total)"
echo "fleet totals (Prometheus): $got (packets, IP bytes, connections opened)"
[ "$got" = "$pk $by $cn" ] && pass "Prometheus, summed over the $FLEET instances, holds the CSV logs' totals" ||
	fail "Prometheus '$got', CSV logs '$pk $by $cn'"

# nfcapd: every record of the 8 exporters
got=$(awk -F, 'NR == 1 { for (c = 1; c <= NF; c++) col[$c] = c; next }
	$(col["ipkt"]) ~ /^[0-9]+$/ { p += $(col["ipkt"]); b += $(col["ibyt"]); r++ }
	END { printf "%d %d %d\n", p, b, r }' "$TMP/nf.csv")
echo "fleet totals (nfcapd): ${got% *} (packets, IP bytes) in ${got##* } records"
[ "${got% *}" = "$pk $by" ] && pass "nfcapd's records add up to the CSV logs' packets and bytes" ||
	fail "nfcapd '${got% *}', CSV logs '$pk $by'"
grep -q "Sequence Errors: [1-9]" "$NF_DIR.log" && fail "nfcapd: $(grep Sequence "$NF_DIR.log")"

# the JSON lines files
got=$(cat "$TMP"/h*.jsonl | jq -r -s 'map(select(.type == "connection")) |
	[(map(.c2s_packets + .s2c_packets) | add), (map(.c2s_bytes + .s2c_bytes) | add), length] |
	map(tostring) | join(" ")')
echo "fleet totals (JSON lines): $got"
[ "$got" = "$pk $by $cn" ] && pass "the JSON files sum to the CSV logs' packets, bytes, connections" ||
	fail "JSON '$got', CSV logs '$pk $by $cn'"
finish
