#!/bin/bash
# ipfix at the rate of a file read as fast as it goes: 20,000 connections
# of gen-flows closing (bench/ipfix.sh does the million of workload a):
# nfcapd receives every record tcptrack says it sent, two per connection,
# and per direction they add up to the connection log's packets and bytes.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/ipfix/ipfix_lib.sh"
need_shared
need_cmd nfcapd
need_cmd nfdump
need_cmd python3
GEN_SRC=$SHARED_DIR/bench/gen-flows.c
[ -f "$GEN_SRC" ] || skip "no $GEN_SRC"
${CC:-cc} -O2 -o "$TMP/gen-flows" "$GEN_SRC" || { fail "gen-flows does not build"; finish; }
"$TMP/gen-flows" -c 20000 -p 4 -a 2000 -S 96 >"$TMP/flows.pcap"

# the file is read in a fraction of a second: nfcapd's socket must hold the
# burst (about 1,500 datagrams)
rmem_8m || need_root
nf_start "$TMP/nf"
tt -T "$TMP/flows.pcap" -o "ipfix:target=udp:127.0.0.1:$NF_PORT" \
	-o "csv:mode=connections,file=$TMP/flows.csv" >/dev/null 2>"$TMP/err" ||
	fail "tcptrack failed: $(cat "$TMP/err")"
nf_stop "$TMP/nf.csv"
sent=$(sed -n 's/.*ipfix: \([0-9]*\) records in .*; \([0-9]*\) messages lost.*/\1 \2/p' "$TMP/err")
got=$(sed -n 's/^\([0-9]*\),[0-9]*,[0-9]*,.*/\1/p' "$TMP/nf.csv" | tail -n 1)
[ "$sent" = "40000 0" ] && pass "tcptrack sent 40000 records, lost none" ||
	fail "tcptrack: '$sent' (records, messages lost): $(cat "$TMP/err")"
[ "$got" = 40000 ] && pass "nfcapd received 40000 records" || fail "nfcapd received '$got' records, not 40000"
check_sums nfcapd --csv "$TMP/flows.csv" --nfdump "$TMP/nf.csv"
finish
