#!/bin/bash
# Live capture between two network namespaces: tcptrack -i on one end of a
# veth pair counts an iperf3 transfer exactly as iperf3 and the kernel saw
# it, ends cleanly on SIGTERM with a row for every connection, and reports
# kernel drops.
. "$TESTS_SRCDIR/lib.sh"
need_cmd iperf3
NETNS_ID=41
. "$TESTS_SRCDIR/netns.sh"

in_b iperf3 -s -D -1 -B "$ADDR_B" -p 5201 --logfile "$TMP/iperf-s.log" || skip "iperf3 server did not start"
ip netns exec "$NS_B" "$TCPTRACK" -i "$IF_B" -o "csv:mode=connections,file=$TMP/live.csv" \
	-o "csv:mode=intervals,interval=1s,file=$TMP/int.csv" 2>"$TMP/err" &
tpid=$!
# and on every interface at once (-i any: Linux cooked capture)
ip netns exec "$NS_B" "$TCPTRACK" -i any -o "csv:mode=connections,file=$TMP/any.csv" 2>"$TMP/err-any" &
apid=$!
wait_tcp_listen "$NS_B" 5201
wait_capturing "$TMP/err" $tpid
wait_capturing "$TMP/err-any" $apid
in_a iperf3 -c "$ADDR_B" -p 5201 -t 3 -b 20M -J > "$TMP/iperf.json" 2>&1 || fail "iperf3 client: $(tail -n 5 "$TMP/iperf.json")"
sleep 2.5   # past the closed linger (2 s): the connections leave the table
kill -TERM $tpid $apid
wait $apid
arc=$?
wait $tpid
rc=$?
[ $rc -eq 0 ] && pass "SIGTERM: exit 0" || fail "exit $rc: $(cat "$TMP/err")"
grep -q "packets read, .* dropped by the kernel" "$TMP/err" && pass "summary reports kernel drops" ||
	fail "summary: $(cat "$TMP/err")"

# iperf3 opens a control connection and a data connection to port 5201
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"]["bytes"])' "$TMP/iperf.json")
rows=$(awk -F, 'NR > 1 && $6 == 5201' "$TMP/live.csv" | wc -l)
data=$(awk -F, 'NR > 1 && $6 == 5201 { if ($10 > m) m = $10 } END { print m + 0 }' "$TMP/live.csv")
closed=$(awk -F, 'NR > 1 && $6 == 5201 && $7 == "CLOSED"' "$TMP/live.csv" | wc -l)
client=$(awk -F, 'NR > 1 && $6 == 5201 { print $3; exit }' "$TMP/live.csv")
[ "$rows" -eq 2 ] && pass "two connections to 5201 logged" || fail "$rows connections to 5201: $(cat "$TMP/live.csv")"
[ "$closed" -eq 2 ] && pass "both CLOSED" || fail "$closed CLOSED"
[ "$client" = "$ADDR_A" ] && pass "client is $ADDR_A (the SYN's sender)" || fail "client $client"
# the payload of the data connection is what iperf3 sent, to the byte, plus
# the 37-byte cookie iperf3 writes first on every connection; a segment the
# sender sent again (a busy host can drop on the veth) counts in the payload
# on the wire and, once more, in c2s_retrans_bytes
rbytes=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "c2s_retrans_bytes") c = i; next }
	$6 == 5201 && $10 > m { m = $10; r = $c } END { print r + 0 }' "$TMP/live.csv")
[ "$((data - rbytes))" -eq $((sent + 37)) ] &&
	pass "data connection payload $data less $rbytes retransmitted = iperf3's $sent + its 37-byte cookie" ||
	fail "data connection payload $data less $rbytes retransmitted, iperf3 sent $sent"
# the interval log sums to the same
isum=$(awk -F, 'NR > 1 && $6 == 5201 { s += $10 } END { print s + 0 }' "$TMP/int.csv")
csum=$(awk -F, 'NR > 1 && $6 == 5201 { s += $10 } END { print s + 0 }' "$TMP/live.csv")
[ "$isum" -eq "$csum" ] && pass "interval log totals equal the connection log ($isum)" ||
	fail "interval log $isum, connection log $csum"
# -i any sees the same data connection (cooked headers, same counts)
adata=$(awk -F, 'NR > 1 && $6 == 5201 { if ($10 > m) m = $10 } END { print m + 0 }' "$TMP/any.csv")
[ $arc -eq 0 ] && [ "$adata" -eq "$data" ] && pass "-i any: data connection payload $adata" ||
	fail "-i any: exit $arc, payload $adata (want $data): $(cat "$TMP/err-any")"
finish
