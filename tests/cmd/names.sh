#!/bin/bash
# Names learned from the DNS answers of a capture (tests/make-dns.py): each
# connection shows the name its client looked up (through CNAMEs in any
# order, A and AAAA, over UDP and TCP, the newest answer, a PTR answer seen
# on the wire, but not over the name looked up),
# and nothing else; every reader gives the same; with a filter, port 53
# still reaches the names but is not counted; names_dns = no learns none.
. "$TESTS_SRCDIR/lib.sh"
need_cmd /usr/bin/python3
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed"
(cd "$TMP" && /usr/bin/python3 "$TESTS_SRCDIR/make-dns.py" "$TMP/dns.pcap") || { fail "make-dns.py"; finish; }

rows() { # CSV: client,client_port,server,server_port,client_name,server_name
	sed 1d "$1" | cut -d, -f3-6,24- | LC_ALL=C sort
}
tt -T "$TMP/dns.pcap" -o "csv:mode=connections,file=$TMP/all.csv,columns=client_name+server_name" 2>"$TMP/err"
rows "$TMP/all.csv" > "$TMP/got"
cat > "$TMP/want" <<'W'
10.0.0.1,40001,192.0.2.10,443,,www.example.com
10.0.0.1,40003,10.0.0.53,53,,
10.0.0.1,40004,192.0.2.20,80,,tcp.example.com
10.0.0.1,40005,192.0.2.30,80,,
10.0.0.1,40006,192.0.2.99,22,,
10.0.0.1,40007,192.0.2.40,80,,
10.0.0.1,40008,192.0.2.50,443,,second.example.com
10.0.0.1,40009,192.0.2.60,443,,ptr.example.net
10.0.0.1,40010,192.0.2.70,443,,cdn.example.com
10.0.0.1,40011,192.0.2.80,443,,order.example.com
10.0.0.1,40012,192.0.2.90,443,,old.example.com
10.0.0.1,40013,192.0.2.90,443,,new.example.com
2001:db8::1,40002,2001:db8::10,443,,six.example.com
W
if diff "$TMP/want" "$TMP/got" > "$TMP/diff"; then
	pass "each connection has the name its client looked up, and no other"
else
	fail "names of the capture's connections:"; cat "$TMP/diff"
fi

# the same names in the json output's optional fields (null where none)
if command -v jq >/dev/null; then
	tt -T "$TMP/dns.pcap" -o "json:file=$TMP/all.jsonl,columns=client_name+server_name" 2>/dev/null
	jq -r 'select(.type == "connection") | [.client, .client_port, .server, .server_port,
		(.client_name // ""), (.server_name // "")] | map(tostring) | join(",")' "$TMP/all.jsonl" |
		sort > "$TMP/jgot"
	sort "$TMP/want" > "$TMP/jwant"
	if diff "$TMP/jwant" "$TMP/jgot" > "$TMP/jdiff"; then
		pass "json: the same names in client_name and server_name"
	else
		fail "json names:"; cat "$TMP/jdiff"
	fi
fi

# the libpcap reader, the block reader without and with its thread
for r in "libpcap:read_ahead = yes" "pcapfile:read_ahead = no" "pcapfile:read_ahead = yes"; do
	printf '[core]\n%s\n' "${r#*:}" > "$TMP/r.conf"
	TCPTRACK_READER=${r%%:*} tt -c "$TMP/r.conf" -T "$TMP/dns.pcap" \
		-o "csv:mode=connections,file=$TMP/r.csv,columns=client_name+server_name" 2>/dev/null
	rows "$TMP/r.csv" | cmp -s - "$TMP/want" && pass "reader ${r%%:*}, ${r#*:}: the same names" ||
		fail "reader ${r%%:*}, ${r#*:}: other names"
done

# a filter: port 53 still names the connections; the counts are the filter's
summary() { grep 'packets read' "$1" | sed 's/^tcptrack: //'; }
tt -T "$TMP/dns.pcap" -o "csv:mode=connections,file=$TMP/f.csv,columns=server_name" port 443 2>"$TMP/f.err"
printf '[core]\nnames_dns = no\n' > "$TMP/off.conf"
tt -c "$TMP/off.conf" -T "$TMP/dns.pcap" -o "csv:mode=connections,file=$TMP/off.csv,columns=server_name" \
	port 443 2>"$TMP/off.err"
named=$(sed 1d "$TMP/f.csv" | cut -d, -f5,24 | tr '\n' ' ')
[ "$named" = "192.0.2.10,www.example.com 2001:db8::10,six.example.com 192.0.2.50,second.example.com 192.0.2.60,ptr.example.net 192.0.2.70,cdn.example.com 192.0.2.80,order.example.com 192.0.2.90,old.example.com 192.0.2.90,new.example.com " ] &&
	pass "filter port 443: the answers on port 53 still name: $named" || fail "filter port 443: $named"
[ "$(summary "$TMP/f.err")" = "$(summary "$TMP/off.err")" ] &&
	pass "filter port 443: the same counts as without names: $(summary "$TMP/f.err")" ||
	fail "filter port 443: counts $(summary "$TMP/f.err") without names $(summary "$TMP/off.err")"
[ "$(sed 1d "$TMP/off.csv" | cut -d, -f24 | tr -d '\n')" = "" ] && pass "names_dns = no: no names" ||
	fail "names_dns = no: names learned"
tt -n -T "$TMP/dns.pcap" -o "csv:mode=connections,file=$TMP/n.csv,columns=client_name+server_name" 2>/dev/null
[ -s "$TMP/n.csv" ] && [ "$(sed 1d "$TMP/n.csv" | cut -d, -f24,25 | tr -d ',\n')" = "" ] &&
	pass "-n: no names" || fail "-n: names: $(sed 1d "$TMP/n.csv" | cut -d, -f24,25 | tr '\n' ' ')"
# without a filter, the counts do not change either
tt -T "$TMP/dns.pcap" -o "csv:file=/dev/null" 2>"$TMP/a.err"
tt -c "$TMP/off.conf" -T "$TMP/dns.pcap" -o "csv:file=/dev/null" 2>"$TMP/b.err"
[ "$(summary "$TMP/a.err")" = "$(summary "$TMP/b.err")" ] && pass "no filter: the same counts with names" ||
	fail "no filter: $(summary "$TMP/a.err") / $(summary "$TMP/b.err")"
# a full cache drops its less recently used half, not nearly everything:
# 16 names (the least names_cache), one of them looked up for every row of
# a 20 s connection, then a 17th: of the other 15, about half stay
/usr/bin/python3 - "$TMP/lru.pcap" <<'PY'
import sys
from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, conf, wrpcap
conf.verb = 0
pk, t = [], [1700000000.0]
def add(p, dt=0.001):
    q = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / p
    q.time = t[0]; t[0] += dt; pk.append(q)
C, R = "10.0.0.1", "10.0.0.53"
def answer(i):
    q = "n%d.example.com" % i
    add(IP(src=R, dst=C) / UDP(sport=53, dport=33000) /
        DNS(id=7, qr=1, rd=1, ra=1, qd=DNSQR(qname=q), an=DNSRR(rrname=q, type="A", rdata="192.0.2.%d" % (100 + i))))
def tcp(s, d, sp, dp, fl, seq, ack, dt=0.001):
    add(IP(src=s, dst=d) / TCP(sport=sp, dport=dp, flags=fl, seq=seq, ack=ack), dt)
for i in range(16):
    answer(i)
S = "192.0.2.115"
tcp(C, S, 40000, 443, "S", 100, 0); tcp(S, C, 443, 40000, "SA", 500, 101)
for k in range(200):
    tcp(C, S, 40000, 443, "A", 101, 501, dt=0.1)
answer(16)
for i in range(15):
    s, p = "192.0.2.%d" % (100 + i), 41000 + i
    tcp(C, s, p, 443, "S", 100, 0); tcp(s, C, 443, p, "SA", 500, 101)
    tcp(C, s, p, 443, "FA", 101, 501); tcp(s, C, 443, p, "FA", 501, 102); tcp(C, s, p, 443, "A", 102, 502)
wrpcap(sys.argv[1], pk)
PY
printf '[core]\nnames_cache = 16\n' > "$TMP/lru.conf"
tt -c "$TMP/lru.conf" -T "$TMP/lru.pcap" -o "csv:mode=intervals,interval=1s,file=$TMP/lru-i.csv,columns=server_name" \
	-o "csv:mode=connections,file=$TMP/lru.csv,columns=server_name" 2>"$TMP/err"
kept=$(awk -F, '$6 == 443 && $5 != "192.0.2.115" && $24 != ""' "$TMP/lru.csv" | wc -l)
[ "$kept" -ge 6 ] && [ "$kept" -le 9 ] && pass "a full cache of 16: $kept of the other 15 names kept (about half)" ||
	fail "a full cache of 16: $kept of 15 names kept, want about half: $(grep names: "$TMP/err")"
# answers cut short by the snap length: counted and told, not silent
if command -v editcap >/dev/null; then
	editcap -s 90 "$TMP/dns.pcap" "$TMP/cut.pcap" >/dev/null 2>&1
	tt -T "$TMP/cut.pcap" -o "csv:file=/dev/null" 2>"$TMP/err"
	grep -q "names: [1-9][0-9]* DNS answers were cut short by the snap length of the capture" "$TMP/err" &&
		! tt -T "$TMP/dns.pcap" -o "csv:file=/dev/null" 2>&1 | grep -q "cut short" &&
		pass "answers cut by the snap length are told: $(grep 'cut short' "$TMP/err")" ||
		fail "answers cut by the snap length: $(cat "$TMP/err")"
fi

# processes are not known for a file: what needs them is told once, at the start
tt -T "$TMP/dns.pcap" -o "csv:mode=connections,file=$TMP/p.csv,columns=server_name+pid+user" \
	-o "syslog:metric=conn_rate,warning=1kB/s,process=nginx,target=udp:127.0.0.1:9" 2>"$TMP/err"
grep -qx "tcptrack: csv: columns pid, user stay empty: the processes of a file's connections are not known" "$TMP/err" &&
	grep -qx "tcptrack: syslog: process = nginx matches no connection: the processes of a file's connections are not known" "$TMP/err" &&
	! tt -T "$TMP/dns.pcap" -o "csv:mode=connections,file=$TMP/p.csv,columns=server_name" 2>&1 | grep -q "stay" &&
	pass "columns and rules that need processes, for a file: told at the start" ||
	fail "no word of the process columns or rule on a file: $(cat "$TMP/err")"
finish
