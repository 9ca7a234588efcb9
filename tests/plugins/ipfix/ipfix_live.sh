#!/bin/bash
# ipfix live, between two network namespaces: an iperf3 transfer of 4
# seconds with active_timeout = 1s gives several records of its data
# connection, which nfcapd (on the loopback of the capturing namespace)
# receives; per direction they add up to the connection log's packets and
# bytes of the same run.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/ipfix/ipfix_lib.sh"
need_cmd iperf3
need_cmd nfcapd
need_cmd nfdump
need_cmd python3
NETNS_ID=61
. "$TESTS_SRCDIR/netns.sh"

NF_EXEC="ip netns exec $NS_B"
nf_start "$TMP/nf"
in_b iperf3 -s -D -1 -B "$ADDR_B" -p 5201 --logfile "$TMP/iperf-s.log" || skip "iperf3 server did not start"
ip netns exec "$NS_B" "$TCPTRACK" -i "$IF_B" -o "ipfix:target=udp:127.0.0.1:$NF_PORT,active_timeout=1s" \
	-o "csv:mode=connections,file=$TMP/live.csv" 2>"$TMP/err" &
tpid=$!
wait_tcp_listen "$NS_B" 5201
wait_capturing "$TMP/err" $tpid
in_a iperf3 -c "$ADDR_B" -p 5201 -t 4 -b 5M >"$TMP/iperf.out" 2>&1 || fail "iperf3 client: $(tail -n 5 "$TMP/iperf.out")"
sleep 2.5   # past the closed linger (2 s): the connections leave the table
kill -TERM $tpid
wait $tpid || fail "tcptrack: exit $?: $(cat "$TMP/err")"
nf_stop "$TMP/nf.csv"
check_sums live --csv "$TMP/live.csv" --nfdump "$TMP/nf.csv"
[ "$LONGEST" -ge 3 ] && pass "active_timeout = 1s: $LONGEST records for the longest direction" ||
	fail "active_timeout = 1s: at most $LONGEST records for a direction over 4 seconds"
grep -q "; 0 messages lost" "$TMP/err" && pass "nothing lost" || fail "$(cat "$TMP/err")"
finish
