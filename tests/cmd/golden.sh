#!/bin/sh
# Golden captures: each small capture in tests/golden (made by tests/make-golden.py) is read
# with -T and its connection log (csv:mode=connections) must equal NAME.expected, row for
# row after sorting; the summary line on stderr must show the counters in NAME.counters.
. "$TESTS_SRCDIR/lib.sh"

GOLDEN=$TESTS_SRCDIR/golden

# case                    capture             extra arguments
CASES='
handshake_data            handshake_data
fin_close                 fin_close
half_close                half_close
rst                       rst
simultaneous_open         simultaneous_open
reuse_after_fin           reuse_after_fin
reuse_after_rst           reuse_after_rst
midstream                 midstream
midstream_d               midstream           -d
synack_first              synack_first
one_way                   one_way
loopback_halfclose        loopback_halfclose
nfs_midstream             nfs_midstream
ipv6_ext                  ipv6_ext
vlan_qinq                 vlan_qinq
eth_fcs                   eth_fcs
sll2                      sll2
sll                       sll
null_loopback             null_loopback
loop                      loop
raw12                     raw12
raw14                     raw14
raw101                    raw101
raw228_ipv4               raw228_ipv4
raw229_ipv6               raw229_ipv6
fragment_rst              fragment_rst
llc_snap                  llc_snap
ipip                      ipip
ip6in4                    ip6in4
ipv4_options              ipv4_options
tcp_options_bad_offset    tcp_options_bad_offset
truncated                 truncated
icmp_quoted               icmp_quoted
tso_zero_len              tso_zero_len
mpls                      mpls
pppoe                     pppoe
timeouts                  timeouts
clock_nontcp_eof          clock_nontcp_eof
clock_nontcp_order        clock_nontcp_order
health_syn_retrans        health_syn_retrans
health_fin_retrans        health_fin_retrans
health_window_probe       health_window_probe
health_keepalive          health_keepalive
health_seq_wrap           health_seq_wrap
health_midstream          health_midstream
health_reorder            health_reorder
vxlan                     vxlan
vxlan_8472                vxlan_8472          -c @TESTS@/vxlan8472.conf
geneve                    geneve
gtpu                      gtpu
gre_udp                   gre_udp
teredo                    teredo
ayiya                     ayiya
capwap                    capwap
l2tp                      l2tp
vxlan_gpe                 vxlan_gpe
gre_teb                   gre_teb
erspan1                   erspan1
erspan2                   erspan2
erspan3                   erspan3
erspan3_ip                erspan3_ip
wccp                      wccp
gre_mpls                  gre_mpls
gre_routing               gre_routing
pptp                      pptp
chdlc                     chdlc
ppp_chdlc                 ppp_chdlc
frelay                    frelay
nflog                     nflog
nflog_be                  nflog_be
ipoib                     ipoib
ipnet                     ipnet
null_af10                 null_af10
fddi                      fddi
ppi                       ppi
juniper_ether             juniper_ether
arcnet                    arcnet
ppp_dir                   ppp_dir
chdlc_dir                 chdlc_dir
pflog                     pflog
atm_rfc1483               atm_rfc1483
ieee80211                 ieee80211
ieee80211_amsdu           ieee80211_amsdu
radiotap                  radiotap
radiotap_pad              radiotap_pad
prism                     prism
avs                       avs
prism_avs                 prism_avs
sll_llc                   sll_llc
sll2_llc                  sll2_llc
erf                       erf
pktap                     pktap
pktap_darwin              pktap_darwin
pbb                       pbb
fabricpath                fabricpath
etag                      etag
vntag                     vntag
vlan_9200                 vlan_9200
mpls_ppp                  mpls_ppp
llc_8021h                 llc_8021h
ah4                       ah4
esp                       esp
ipv6_as_ipv4              ipv6_as_ipv4
frag_syn                  frag_syn
tunnel_frag               tunnel_frag
tunnel_frag6              tunnel_frag6
tso6_zero_len             tso6_zero_len
pppoe_short_len           pppoe_short_len
ident_final_ack           ident_final_ack
ident_fin_retrans         ident_fin_retrans
ident_fin_acked_again     ident_fin_acked_again
ident_syn_retrans         ident_syn_retrans
ident_rst_retry           ident_rst_retry
ident_half_close_quiet    ident_half_close_quiet
ident_midstream_quiet     ident_midstream_quiet
'

# summary_counters STDERR_FILE: the counters of tcptrack's last stderr line, as key=value
# ("tcptrack: 8 packets read, 8 TCP, 1 connections; not counted: 0 non-TCP, 0 fragments, ...,
#  0 untracked")
summary_counters() {
	tail -n 1 "$1" | sed -n 's/^tcptrack: \([0-9]*\) packets read, \([0-9]*\) TCP, \([0-9]*\) connections.*not counted: \([0-9]*\) non-TCP, \([0-9]*\) fragments, \([0-9]*\) truncated, \([0-9]*\) invalid, \([0-9]*\) unsupported, \([0-9]*\) untracked$/packets=\1 tcp=\2 connections=\3 non_tcp=\4 fragments=\5 truncated=\6 invalid=\7 unsupported=\8 untracked=\9/p'
}

# check_counters WANT GOT: every key=value of WANT must be in GOT
check_counters() {
	for kv in $1; do
		case " $2 " in
		*" $kv "*) ;;
		*) return 1 ;;
		esac
	done
}

# every expected file has a line in the table
for e in "$GOLDEN"/*.expected; do
	n=$(basename "$e" .expected)
	echo "$CASES" | grep -q "^$n " || fail "$n: $n.expected is not in the table of tests/cmd/golden.sh"
done

# the identity cases: per endpoint pair, the rows add up to tshark's counts (the one-row rule is
# in their .expected files; the pair's sums guard what the rows hold)
ORACLE=${SHARED_DIR:-}/checks/tshark-oracle
if command -v tshark >/dev/null 2>&1 && [ -f "$ORACLE" ]; then
	for cap in "$GOLDEN"/ident_*.pcap; do
		n=$(basename "$cap" .pcap)
		tt -T "$cap" -o "csv:mode=connections,file=$TMP/$n.oracle.csv" 2>/dev/null
		if out=$(python3 "$ORACLE" "$cap" "$TMP/$n.oracle.csv" 2>&1); then
			pass "$n: $(echo "$out" | tail -n 1)"
		else
			fail "$n (tshark): $(echo "$out" | tail -n 3)"
		fi
	done
else
	echo "SKIP: the identity cases against tshark (no tshark or no tshark-oracle)"
fi

# the files here are what tests/make-golden.py makes (where Debian's scapy is installed)
if /usr/bin/python3 -c 'import scapy.all' 2>/dev/null; then
	if /usr/bin/python3 "$TESTS_SRCDIR/make-golden.py" "$TMP/made" >/dev/null &&
	    diff -r "$TMP/made" "$GOLDEN" >"$TMP/made.diff"; then
		echo "PASS: tests/golden is what tests/make-golden.py makes"
	else
		fail "tests/golden differs from what tests/make-golden.py makes (rerun it)"
		sed 's/^/    /' "$TMP/made.diff" | head -n 20
	fi
else
	echo "SKIP: tests/golden is what tests/make-golden.py makes (no python3-scapy)"
fi

echo "$CASES" | while read -r name capture args; do
	[ -n "$name" ] || continue
	pcap=$GOLDEN/$capture.pcap
	log=$TMP/$name.csv
	err=$TMP/$name.err
	detail=$TMP/$name.detail
	: >"$detail"
	args=$(echo "$args" | sed "s|@TESTS@|$TESTS_SRCDIR|g") # a file of tests/ in the arguments
	# shellcheck disable=SC2086 # args are words
	tt $args -T "$pcap" -o "csv:mode=connections,file=$log" </dev/null >/dev/null 2>"$err"
	rc=$?
	why=""
	if [ "$rc" -ne 0 ]; then
		why="exit status $rc: $(tail -n 1 "$err")"
	elif [ ! -f "$log" ]; then
		why="no connection log written"
	else
		if [ "$(head -n 1 "$log")" != "$(head -n 1 "$GOLDEN/$name.expected")" ]; then
			why="header differs"
			{ echo "    expected: $(head -n 1 "$GOLDEN/$name.expected")"
			  echo "    tcptrack: $(head -n 1 "$log")"; } >>"$detail"
		fi
		csv_sorted "$GOLDEN/$name.expected" >"$TMP/$name.want"
		csv_sorted "$log" >"$TMP/$name.got"
		if ! diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/$name.diff"; then
			why="${why:+$why; }rows differ (- expected, + tcptrack)"
			tail -n +3 "$TMP/$name.diff" | sed 's/^/    /' >>"$detail"
		fi
		if [ -f "$GOLDEN/$name.counters" ]; then
			want=$(cat "$GOLDEN/$name.counters")
			got=$(summary_counters "$err")
			if ! check_counters "$want" "$got"; then
				why="${why:+$why; }summary counters differ"
				{ echo "    expected: $want"
				  echo "    tcptrack: ${got:-(no summary line) $(tail -n 1 "$err")}"; } >>"$detail"
			fi
		fi
	fi
	if [ -z "$why" ]; then
		echo "PASS: $name"
	else
		echo "FAIL: $name ($capture.pcap${args:+ $args}): $why"
		cat "$detail"
	fi
done >"$TMP/results"

cat "$TMP/results"
failures=$((failures + $(grep -c '^FAIL' "$TMP/results")))
finish
