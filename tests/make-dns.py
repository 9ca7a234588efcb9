#!/usr/bin/python3
# A capture with DNS answers and the connections to the addresses they name (tests/cmd/names.sh):
#   make-dns.py OUT.pcap
# Each connection is one line of the expected output: client, server, server port, and the
# name tcptrack must show for the server ("" when none).
import sys

from scapy.all import (DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, IPv6, Raw, conf, wrpcap)

conf.verb = 0
C4, R4 = "10.0.0.1", "10.0.0.53"
C6, R6 = "2001:db8::1", "2001:db8::53"
pkts = []
t = [1700000000.0]


def add(p):
    q = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / p
    q.time = t[0]  # (the frame's own: a time set on p is not kept by the /)
    t[0] += 0.001
    pkts.append(q)


def answer(ip, qname, qtype, rrs, sport=53, dport=33000, tcp=None):
    """A response to qname: rrs are DNSRR layers, in order."""
    an = None
    for rr in rrs:
        an = rr if an is None else an / rr
    d = DNS(id=7, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=qname, qtype=qtype), an=an,
            ancount=len(rrs))
    if tcp is None:
        add(ip / UDP(sport=sport, dport=dport) / d)
    else:
        b = bytes(d)
        add(ip / TCP(sport=53, dport=tcp, flags="PA", seq=1001, ack=501) / Raw(len(b).to_bytes(2, "big") + b))


def conn(ip_c, ip_s, cport, sport, mk):
    """A whole connection: handshake, a request and an answer, the closes."""
    add(mk(ip_c, ip_s) / TCP(sport=cport, dport=sport, flags="S", seq=100))
    add(mk(ip_s, ip_c) / TCP(sport=sport, dport=cport, flags="SA", seq=500, ack=101))
    add(mk(ip_c, ip_s) / TCP(sport=cport, dport=sport, flags="A", seq=101, ack=501))
    add(mk(ip_c, ip_s) / TCP(sport=cport, dport=sport, flags="PA", seq=101, ack=501) / Raw(b"x" * 10))
    add(mk(ip_s, ip_c) / TCP(sport=sport, dport=cport, flags="PA", seq=501, ack=111) / Raw(b"y" * 20))
    add(mk(ip_c, ip_s) / TCP(sport=cport, dport=sport, flags="FA", seq=111, ack=521))
    add(mk(ip_s, ip_c) / TCP(sport=sport, dport=cport, flags="FA", seq=521, ack=112))
    add(mk(ip_c, ip_s) / TCP(sport=cport, dport=sport, flags="A", seq=112, ack=522))


v4 = lambda a, b: IP(src=a, dst=b)
v6 = lambda a, b: IPv6(src=a, dst=b)

# the client looked up www.example.com, a CNAME of cdn.example.net: the name shown is the one
# looked up
answer(v4(R4, C4), "www.example.com", "A",
       [DNSRR(rrname="www.example.com", type="CNAME", ttl=60, rdata="cdn.example.net"),
        DNSRR(rrname="cdn.example.net", type="A", ttl=60, rdata="192.0.2.10")])
conn(C4, "192.0.2.10", 40001, 443, v4)
# AAAA, over IPv6
answer(v6(R6, C6), "Six.Example.COM", "AAAA",
       [DNSRR(rrname="six.example.com", type="AAAA", ttl=300, rdata="2001:db8::10")])
conn(C6, "2001:db8::10", 40002, 443, v6)
# an answer over TCP (its own connection to port 53), then a connection to what it named
add(v4(C4, R4) / TCP(sport=40003, dport=53, flags="S", seq=500))
add(v4(R4, C4) / TCP(sport=53, dport=40003, flags="SA", seq=1000, ack=501))
add(v4(C4, R4) / TCP(sport=40003, dport=53, flags="A", seq=501, ack=1001))
answer(v4(R4, C4), "tcp.example.com", "A",
       [DNSRR(rrname="tcp.example.com", type="A", ttl=60, rdata="192.0.2.20")], tcp=40003)
conn(C4, "192.0.2.20", 40004, 80, v4)
# a record whose owner is not on the chain from the question names nothing
answer(v4(R4, C4), "q.example.com", "A",
       [DNSRR(rrname="other.example.com", type="A", ttl=60, rdata="192.0.2.30")])
conn(C4, "192.0.2.30", 40005, 80, v4)
# no answer at all for this one
conn(C4, "192.0.2.99", 40006, 22, v4)
# a query (not a response) with an answer section names nothing
add(v4(C4, R4) / UDP(sport=33001, dport=53) /
    DNS(id=9, qr=0, qd=DNSQR(qname="fake.example.com"),
        an=DNSRR(rrname="fake.example.com", type="A", rdata="192.0.2.40"), ancount=1))
conn(C4, "192.0.2.40", 40007, 80, v4)
# a later answer renames an address: the newest wins
answer(v4(R4, C4), "first.example.com", "A",
       [DNSRR(rrname="first.example.com", type="A", ttl=60, rdata="192.0.2.50")])
answer(v4(R4, C4), "second.example.com", "A",
       [DNSRR(rrname="second.example.com", type="A", ttl=60, rdata="192.0.2.50")])
conn(C4, "192.0.2.50", 40008, 443, v4)
# a PTR answer seen on the wire names its address too
answer(v4(R4, C4), "60.2.0.192.in-addr.arpa", "PTR",
       [DNSRR(rrname="60.2.0.192.in-addr.arpa", type="PTR", ttl=60, rdata="ptr.example.net")])
conn(C4, "192.0.2.60", 40009, 443, v4)
# a PTR answer for an address a client looked up by name (a CDN's reverse
# name): the name looked up stays
answer(v4(R4, C4), "cdn.example.com", "A",
       [DNSRR(rrname="cdn.example.com", type="A", ttl=60, rdata="192.0.2.70")])
answer(v4(R4, C4), "70.2.0.192.in-addr.arpa", "PTR",
       [DNSRR(rrname="70.2.0.192.in-addr.arpa", type="PTR", ttl=60, rdata="a192-0-2-70.deploy.cdn.net")])
conn(C4, "192.0.2.70", 40010, 443, v4)
# the address before the CNAME that leads to it
answer(v4(R4, C4), "order.example.com", "A",
       [DNSRR(rrname="edge.example.net", type="A", ttl=60, rdata="192.0.2.80"),
        DNSRR(rrname="order.example.com", type="CNAME", ttl=60, rdata="edge.example.net")])
conn(C4, "192.0.2.80", 40011, 443, v4)
# an address renamed two minutes after a connection to it ended: that
# connection keeps the name of its time (its row is written before the
# new answer, as live), the next one has the new name
answer(v4(R4, C4), "old.example.com", "A",
       [DNSRR(rrname="old.example.com", type="A", ttl=60, rdata="192.0.2.90")])
conn(C4, "192.0.2.90", 40012, 443, v4)
t[0] += 120
answer(v4(R4, C4), "new.example.com", "A",
       [DNSRR(rrname="new.example.com", type="A", ttl=60, rdata="192.0.2.90")])
conn(C4, "192.0.2.90", 40013, 443, v4)
wrpcap(sys.argv[1], pkts)
