#!/bin/sh
# TCP health: the handshake and the retransmissions of every connection equal tshark's TCP
# analysis (../shared/checks/tshark-health-oracle), for every shared capture the manifest
# marks for the oracle and for the health cases of tests/golden; the interval log's
# retransmissions add up to the connection log's; tcp_health = no leaves the columns empty.
. "$TESTS_SRCDIR/lib.sh"
need_shared
need_cmd tshark
P=$SHARED_DIR/pcaps
ORACLE=$SHARED_DIR/checks/tshark-health-oracle
[ -f "$ORACLE" ] || skip "no tshark-health-oracle in $SHARED_DIR/checks"

# With the default timeouts: a connection is one row however long its quiet spells (a SYN
# sent again after a minute, a FIN after the closed linger), as it is one stream to tshark.

caps=$(awk -F'\t' 'NR > 1 && $NF == "yes" { print $2 }' "$P/MANIFEST.tsv")
[ -n "$caps" ] || fail "no capture marked for the oracle in MANIFEST.tsv"
set --
for f in $caps; do set -- "$@" "$P/$f"; done
for f in "$TESTS_SRCDIR"/golden/health_*.pcap; do set -- "$@" "$f"; done
# the identity cases but the mid-stream one, whose sequence jump tshark calls a retransmission
# where tcptrack starts a new connection
for f in "$TESTS_SRCDIR"/golden/ident_*.pcap; do
	case $f in */ident_midstream_quiet.pcap) ;; *) set -- "$@" "$f" ;; esac
done
[ $# -gt 7 ] || fail "the health cases of tests/golden are missing"
for cap in "$@"; do
	name=$(basename "$cap")
	log=$TMP/$name.csv
	if ! tt -T "$cap" -o "csv:mode=connections,file=$log" 2>"$TMP/err"; then
		fail "$name: tcptrack exited $?: $(cat "$TMP/err")"
		continue
	fi
	if out=$(python3 "$ORACLE" "$cap" "$log" 2>&1); then
		pass "$name: $(echo "$out" | tail -n 1)"
	else
		fail "$name: $(echo "$out" | tail -n 5)"
	fi
done

# intervals: per connection, the rows' retransmissions add up to the connection log's; a
# connection row's round trip is its own mean and max; rollups sum the retransmissions
sums() { # LOG KEYCOLS...: c2s and s2c retransmissions summed per connection (or in all)
	awk -F, -v all="${2:-}" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ k = all ? "all" : $(col["client"]) " " $(col["client_port"]) " " $(col["server"]) " " $(col["server_port"])
		  c[k] += $(col["c2s_retrans"]); s[k] += $(col["s2c_retrans"]) }
		END { for (k in c) print k, c[k], s[k] }' "$1" | sort
}
for cap in "$P/many-protocols.pcap" "$TESTS_SRCDIR/golden/health_seq_wrap.pcap"; do
	name=$(basename "$cap")
	tt -T "$cap" -o "csv:mode=connections,file=$TMP/c.csv" \
		-o "csv:mode=intervals,interval=1s,file=$TMP/i.csv" \
		-o "csv:mode=intervals,interval=1s,group_by=server_port,file=$TMP/g.csv" 2>"$TMP/err" ||
		fail "$name: intervals: $(cat "$TMP/err")"
	total=$(sums "$TMP/c.csv" 1)
	case $total in
	"all 0 0" | "") fail "$name: no retransmission to add up" ;;
	esac
	per=$(sums "$TMP/c.csv")
	[ -n "$per" ] && [ "$per" = "$(sums "$TMP/i.csv")" ] &&
		pass "$name: interval retransmissions add up per connection ($total)" ||
		fail "$name: interval retransmissions per connection differ from the connection log"
	[ "$(sums "$TMP/g.csv" 1)" = "$total" ] && pass "$name: group_by rows sum them" ||
		fail "$name: group_by rows: $(sums "$TMP/g.csv" 1), want $total"
	bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$(col["rtt_us"]) != $(col["rtt_max_us"])' "$TMP/i.csv" | wc -l)
	some=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$(col["rtt_us"]) != ""' "$TMP/i.csv" | wc -l)
	[ "$bad" -eq 0 ] && [ "$some" -gt 0 ] && pass "$name: a connection row's rtt_us is its rtt_max_us ($some rows)" ||
		fail "$name: $bad connection rows with rtt_us != rtt_max_us, $some with a round trip"
done

# the measurement off: the columns stay, empty
printf '[core]\ntcp_health = no\n' >"$TMP/off.conf"
tt -c "$TMP/off.conf" -T "$TESTS_SRCDIR/golden/health_seq_wrap.pcap" -o "csv:mode=connections,file=$TMP/off.csv" \
	-o "csv:mode=intervals,interval=1s,file=$TMP/offi.csv" 2>"$TMP/err" || fail "tcp_health = no: $(cat "$TMP/err")"
[ "$(tail -n 1 "$TMP/off.csv" | cut -d, -f15-)" = ",,,,,,,," ] &&
	[ "$(tail -n 1 "$TMP/offi.csv" | cut -d, -f16-19)" = ",,," ] &&
	pass "tcp_health = no: the health columns are empty" ||
	fail "tcp_health = no: $(tail -n 1 "$TMP/off.csv"); $(tail -n 1 "$TMP/offi.csv")"
finish
