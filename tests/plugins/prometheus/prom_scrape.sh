#!/bin/bash
# A real Prometheus scrapes tcptrack's prometheus output every second
# during a live capture of an iperf3 transfer between two namespaces; at
# the end, what Prometheus stored (queried through its HTTP API) equals
# tcptrack's own CSV log of the same run: IP bytes and packets by
# direction, connections opened.  The counters never reset in between, and
# promtool finds the live text clean.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/prometheus/prom_lib.sh"
need_cmd prometheus
need_cmd promtool
need_cmd iperf3
NETNS_ID=57
. "$TESTS_SRCDIR/netns.sh"

in_b iperf3 -s -D -1 -B "$ADDR_B" -p 5201 --logfile "$TMP/iperf-s.log" || skip "iperf3 server did not start"
# linger: at SIGTERM, tcptrack waits (up to 15 s) until a scrape has
# fetched the final figures, so that Prometheus has them
ip netns exec "$NS_B" "$TCPTRACK" -i "$IF_B" -o "prometheus:listen=127.0.0.1:0,linger=15s" \
	-o "csv:mode=connections,file=$TMP/live.csv" 2>"$TMP/err" &
tpid=$!
port=$(prom_port "$TMP/err") || { kill $tpid; fail "tcptrack does not serve: $(cat "$TMP/err")"; finish; }

# Prometheus of its own on the loopback of the namespace (its port is free
# there whatever runs on the host)
prom_start "ip netns exec $NS_B" "127.0.0.1:$port" 127.0.0.1:9090 || finish
q() { prom_query "$@"; }
# wait for the first scrape to be stored
for i in $(seq 50); do
	[ "$(q 'up{job="tcptrack"}')" = 1 ] && break
	sleep 0.2
done
[ "$(q 'up{job="tcptrack"}')" = 1 ] && pass "Prometheus scrapes tcptrack" || fail "target not up"

# known traffic: four connections (iperf3's control and three streams)
in_a iperf3 -c "$ADDR_B" -p 5201 -t 4 -P 3 -b 10M -J > "$TMP/iperf.json" 2>&1 ||
	fail "iperf3 client: $(tail -n 5 "$TMP/iperf.json")"
in_b curl -sf "http://127.0.0.1:$port/metrics" -o "$TMP/live.txt" || fail "scrape with curl"
promtool check metrics < "$TMP/live.txt" > "$TMP/lint" 2>&1 && pass "promtool check metrics: clean" ||
	fail "promtool check metrics: $(head -n 5 "$TMP/lint")"
sleep 2.5   # past the closed linger (2 s): the connections leave the table
kill -TERM $tpid
wait $tpid
rc=$?
[ $rc -eq 0 ] && pass "SIGTERM: exit 0" || fail "exit $rc: $(cat "$TMP/err")"
sleep 1.5   # the last scrape is stored

read -r c2sp c2sb s2cp s2cb conns <<< "$(csv_sums "$TMP/live.csv")"
last() { q "last_over_time($1[5m])"; }
got="$(last 'tcptrack_tcp_packets_total{direction="c2s"}') $(last 'tcptrack_ip_bytes_total{direction="c2s"}')"
got="$got $(last 'tcptrack_tcp_packets_total{direction="s2c"}') $(last 'tcptrack_ip_bytes_total{direction="s2c"}')"
got="$got $(last 'tcptrack_connections_opened_total')"
want="$c2sp $c2sb $s2cp $s2cb $conns"
[ "$conns" -ge 4 ] && [ "$c2sb" -gt 10000000 ] || fail "the CSV log holds too little: $want"
[ "$got" = "$want" ] && pass "Prometheus holds the CSV log's totals: $got" ||
	fail "Prometheus: '$got', CSV log: '$want'"
# scraped all along (it grew while Prometheus watched), and never reset
n=$(q 'count_over_time(tcptrack_ip_bytes_total{direction="c2s"}[5m])')
lo=$(q 'min_over_time(tcptrack_ip_bytes_total{direction="c2s"}[5m])')
resets=0
for m in packets_read tcp_packets ip_bytes payload_bytes connections_opened connections_closed; do
	r=$(q "sum(resets(tcptrack_${m}_total[5m]))")
	[ "$r" = 0 ] || resets="$resets $m:$r"
done
[ "$n" -ge 5 ] && [ "$lo" -lt "$c2sb" ] && [ "$resets" = 0 ] &&
	pass "$n samples from $lo to $c2sb bytes, no counter reset" ||
	fail "samples $n, lowest $lo, resets $resets"
finish
