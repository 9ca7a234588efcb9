#!/bin/sh
# The encapsulations' golden captures (tests/golden_encap.py) against tshark: per connection,
# packets, IP bytes and payload equal ../shared/checks/tshark-oracle's; where tcptrack and
# tshark differ by design (tcptrack(8), ENCAPSULATIONS), the difference itself is pinned.
# And the [core] key udp_tunnels: VXLAN on a port of its own only when the key names it.
. "$TESTS_SRCDIR/lib.sh"
need_cmd tshark
need_cmd python3
GOLDEN=$TESTS_SRCDIR/golden
ORACLE=$SHARED_DIR/checks/tshark-oracle
[ -f "$ORACLE" ] || skip "no tshark-oracle in $SHARED_DIR/checks"

SAME='vxlan geneve gtpu gre_udp teredo ayiya capwap l2tp vxlan_gpe gre_teb erspan1 erspan2 erspan3 wccp gre_mpls gre_routing pptp
chdlc ppp_chdlc frelay nflog ipnet ipoib fddi ppi juniper_ether arcnet ppp_dir pflog atm_rfc1483
ieee80211 ieee80211_amsdu radiotap radiotap_pad prism avs prism_avs sll_llc sll2_llc erf pktap pktap_darwin pbb fabricpath etag vntag mpls_ppp llc_8021h ah4 esp ipv6_as_ipv4 frag_syn tunnel_frag'

for n in $SAME; do
	log=$TMP/$n.csv
	if ! tt -T "$GOLDEN/$n.pcap" -o "csv:mode=connections,file=$log" </dev/null >/dev/null 2>"$TMP/err"; then
		fail "$n: tcptrack exited $?: $(tail -n 1 "$TMP/err")"
		continue
	fi
	if out=$(python3 "$ORACLE" "$GOLDEN/$n.pcap" "$log" 2>&1); then
		pass "$n: $(echo "$out" | tail -n 1)"
	else
		fail "$n: $(echo "$out" | tail -n 5)"
	fi
done

# differs BY_DESIGN CAPTURE WORDS: the oracle must disagree, in the way the words say
# (the golden case in tests/cmd/golden.sh pins what tcptrack gives)
differs() {
	n=$1
	shift
	tt -T "$GOLDEN/$n.pcap" -o "csv:mode=connections,file=$TMP/$n.csv" </dev/null >/dev/null 2>&1
	# (the oracle shows one endpoint of a pair, picked by Python's set order)
	out=$(PYTHONHASHSEED=0 python3 "$ORACLE" "$GOLDEN/$n.pcap" "$TMP/$n.csv" 2>&1)
	if echo "$out" | grep -qF -- "$1"; then
		pass "$n: tshark differs as documented: $(echo "$out" | grep -F -- "$1" | head -n 1)"
	else
		fail "$n: expected tshark to differ ($1): $(echo "$out" | tail -n 3)"
	fi
}
# PPPoE: tshark cuts the TCP payload at the session length, tcptrack keeps the IP header's length
differs pppoe_short_len 'mismatch 198.51.100.20:80 -> peer: tshark packets/bytes/payload (3, 1120, 990), log (3, 1120, 1000)'
# Cisco HDLC with a direction byte: tcpdump reads it, tshark does not know the link type
differs chdlc_dir 'mismatch 198.51.100.20:80 -> peer: tshark packets/bytes/payload (0, 0, 0), log (3, 1120, 1000)'
# ERSPAN III carrying IP, a big-endian host's NFLOG, TPID 0x9200, AF 10 on BSD loopback: tshark
# does not read them
differs null_af10 'mismatch 2001:db8:2::20:443 -> peer: tshark packets/bytes/payload (0, 0, 0), log (2, 1120, 1000)'
differs erspan3_ip 'mismatch 192.0.2.10:44170 -> peer: tshark packets/bytes/payload (0, 0, 0), log (5, 300, 100)'
differs nflog_be 'mismatch 192.0.2.10:44560 -> peer: tshark packets/bytes/payload (0, 0, 0), log (5, 305, 105)'
differs vlan_9200 'mismatch 192.0.2.10:44570 -> peer: tshark packets/bytes/payload (0, 0, 0), log (5, 301, 101)'
# a tunnel in a first fragment: tshark gives the inner IPv6 segment no TCP length
differs tunnel_frag6 'mismatch 2001:db8:1::10:44620 -> peer: tshark packets/bytes/payload (3, 1180, 0), log (3, 1180, 536)'
# IPv6 payload length 0 (offload on the sending host): tshark reads no TCP in it
differs tso6_zero_len 'mismatch 2001:db8:1::10:44630 -> peer: tshark packets/bytes/payload (2, 120, 0), log (3, 3140, 2960)'
# a data offset below 5 or past the segment: invalid (tshark counts the segment)
differs tcp_options_bad_offset 'mismatch 198.51.100.20:80 -> peer: tshark packets/bytes/payload (3, 862, 700), log (2, 812, 700)'
# cut before the flags: truncated; cut after them: the IP length's payload (tshark: none)
differs truncated 'mismatch 192.0.2.10:41000 -> peer: tshark packets/bytes/payload (5, 1700, 1000), log (5, 1700, 1500)'

# VXLAN on 8472: UDP by default, the inner connections with udp_tunnels naming the port
tt -T "$GOLDEN/vxlan_8472.pcap" -o "csv:mode=connections,file=$TMP/def.csv" </dev/null >/dev/null 2>"$TMP/def.err"
if [ "$(wc -l < "$TMP/def.csv")" -eq 1 ] && grep -q ' 0 TCP, 0 connections; not counted: 13 non-TCP' "$TMP/def.err"; then
	pass "vxlan_8472: UDP only without the key"
else
	fail "vxlan_8472 without the key: $(tail -n 1 "$TMP/def.err")"
fi
printf '[core]\nudp_tunnels = vxlan:4789,8472\n' > "$TMP/vx.conf"
tt -c "$TMP/vx.conf" -T "$GOLDEN/vxlan_8472.pcap" -o "csv:mode=connections,file=$TMP/vx.csv" </dev/null >/dev/null 2>&1
if [ "$(csv_sorted "$TMP/vx.csv")" = "$(csv_sorted "$GOLDEN/vxlan_8472.expected")" ]; then
	pass "vxlan_8472: with udp_tunnels = vxlan:4789,8472, the rows of vxlan_8472.expected"
else
	fail "vxlan_8472 with the key: $(cat "$TMP/vx.csv")"
fi
# and a kind turned off: vxlan: (no port) leaves 4789 to UDP
printf '[core]\nudp_tunnels = vxlan:\n' > "$TMP/off.conf"
tt -c "$TMP/off.conf" -T "$GOLDEN/vxlan.pcap" -o "csv:mode=connections,file=$TMP/off.csv" </dev/null >/dev/null 2>&1
if [ "$(wc -l < "$TMP/off.csv")" -eq 1 ]; then
	pass "vxlan: udp_tunnels = vxlan: turns VXLAN off"
else
	fail "vxlan with vxlan: still decoded: $(cat "$TMP/off.csv")"
fi
finish
