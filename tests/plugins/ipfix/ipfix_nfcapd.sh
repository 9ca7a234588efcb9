#!/bin/bash
# ipfix: the export of `tcptrack -T` over every capture the manifest marks
# for the oracle, received by nfcapd (records every second of capture time:
# active_timeout = 1s) and recorded for tshark (uniflow records in messages
# of mtu 576 every second too, and biflow records); per direction of each
# connection, the packets and IP bytes of the records add up to the
# connection log's, its last record and only that one says why it ended, the
# sequence numbers count the data records, no message passes the MTU, the
# TCP flags of the records are the OR of the capture's, and the times of a
# direction's records run on from one to the next, from the connection's
# first packet to its last, never past it.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/ipfix/ipfix_lib.sh"
need_shared
need_cmd nfcapd
need_cmd nfdump
need_cmd tshark
need_cmd python3

P=$SHARED_DIR/pcaps
caps=$(awk -F'\t' 'NR > 1 && $NF == "yes" { print $2 }' "$P/MANIFEST.tsv")
[ -n "$caps" ] || { fail "no capture marked for the oracle in MANIFEST.tsv"; finish; }

# up to 130 datagrams a run, at once
rmem_8m || echo "note: net.core.rmem_max is small and only root may raise it: nfcapd may drop datagrams"
nf_start "$TMP/nf"
mkdir -p "$TMP/csv"
# one recorder at a time: the uniflow run first, then the biflow one
for mode in uni bi; do
	rec_start "$TMP/$mode.pcap"
	i=0
	for c in $caps; do
		i=$((i + 1))
		{
			echo "[output ts]"
			echo "plugin = ipfix"
			echo "target = udp:127.0.0.1:$REC_PORT"
			echo "observation_domain = $i"
			if [ $mode = uni ]; then
				echo "mtu = 576"
				echo "active_timeout = 1s"
				echo "[output nf]"
				echo "plugin = ipfix"
				echo "target = udp:127.0.0.1:$NF_PORT"
				echo "observation_domain = $i"
				echo "active_timeout = 1s"
				echo "[output log]"
				echo "plugin = csv"
				echo "mode = connections"
				echo "file = $TMP/csv/$i.csv"
			else
				echo "biflow = yes"
			fi
		} >"$TMP/$i.conf"
		tt -c "$TMP/$i.conf" -T "$P/$c" >/dev/null 2>"$TMP/$i.err" ||
			fail "$c ($mode): tcptrack failed: $(cat "$TMP/$i.err")"
		grep -q "messages lost" "$TMP/$i.err" && ! grep -q "; 0 messages lost" "$TMP/$i.err" &&
			fail "$c ($mode): $(grep lost "$TMP/$i.err")"
	done
	rec_stop "$TMP/$mode.json"
done
nf_stop "$TMP/nf.csv"

check_sums nfcapd --csv "$TMP"/csv/*.csv --nfdump "$TMP/nf.csv"
[ "$LONGEST" -ge 3 ] && pass "active_timeout = 1s: up to $LONGEST records for one direction" ||
	fail "active_timeout = 1s gave at most $LONGEST records for a direction"
grep -q "Sequence Errors: [1-9]" "$TMP/nf.log" && fail "nfcapd saw sequence errors: $(grep Sequence "$TMP/nf.log")"
grep -q "Sequence Errors: 0" "$TMP/nf.log" && pass "nfcapd: no sequence error"

check_sums "tshark, uniflow (sequence numbers, TCP flags, end reasons, times)" --csv "$TMP"/csv/*.csv \
	--tshark "$TMP/uni.json" --flags-pcap "$P/many-protocols.pcap" --ends --times
check_sums "tshark, biflow" --csv "$TMP"/csv/*.csv --tshark "$TMP/bi.json" --biflow --flags-pcap "$P/reddit.pcap"
big=$(tshark -r "$TMP/uni.pcap" -d udp.port==4739,cflow -T fields -e cflow.len 2>/dev/null | sort -n | tail -n 1)
[ -n "$big" ] && [ "$big" -le 528 ] && pass "mtu = 576: the largest message is $big bytes" ||
	fail "mtu = 576: a message of $big bytes (more than 576 - 48)"
finish
