#!/usr/bin/python3
# Writes the golden captures of tests/cmd/golden.sh and what tcptrack must log for them.
#
# Regenerate (Debian's python3-scapy; the output is byte-identical on every run):
#     /usr/bin/python3 tests/make-golden.py [OUTDIR]      (OUTDIR defaults to tests/golden)
#
# Per case NAME it writes:
#   NAME.pcap      the capture (classic pcap, microsecond timestamps from a fixed clock)
#   NAME.expected  the connection log tcptrack must write (csv:mode=connections), header first
#   NAME.counters  the counters of tcptrack's last stderr line (the summary) that the case pins
# A case may read another case's capture with extra arguments (VARIANTS below, and the table
# in tests/cmd/golden.sh).
#
# The expectations are not tcptrack's output: every packet below is labelled by hand with
# what it is (a TCP segment of connection X going client to server or back, a fragment, a
# truncated frame, ...), every connection with the state and end reason it must have, and
# the counts come from the packet as built: IP bytes = IPv4 total length, or 40 + IPv6
# payload length (of the innermost header in a tunnel); payload = TCP payload bytes.

from golden_build import *  # noqa: F401,F403 (the cases below use all of it)

VARIANTS = [
    ("midstream_d", "midstream", ["-d"],
     "the midstream capture with -d: only the connection that starts with a SYN is tracked"),
]



@case("handshake_data", LT_EN10MB, eth,
      "three-way handshake, data both ways, frames padded to 60 bytes (padding not counted); open at the end")
def _(k):
    c = k.conn(A, 40000, B, 80, "ESTABLISHED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 120)
    k.tcp(c, "s", "A")
    k.tcp(c, "s", "PA", 1400)
    k.tcp(c, "s", "PA", 600)
    k.tcp(c, "c", "A")


@case("fin_close", LT_EN10MB, eth, "handshake, data, FIN from the client then the server, last ACK: CLOSED")
def _(k):
    c = k.conn(A, 40001, B, 443, "CLOSED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 300)
    k.tcp(c, "s", "PA", 2000)
    k.tcp(c, "c", "A")
    k.close(c, "c")


@case("half_close", LT_EN10MB, eth,
      "client FIN, then the server goes on sending (counted, CLOSING), then the server FIN: CLOSED")
def _(k):
    c = k.conn(A, 40002, B, 80, "CLOSED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 80)
    k.tcp(c, "c", "FA")
    k.tcp(c, "s", "A")
    k.tcp(c, "s", "PA", 1448)
    k.tcp(c, "s", "PA", 1448)
    k.tcp(c, "c", "A")
    k.tcp(c, "s", "PA", 500)
    k.tcp(c, "c", "A")
    k.tcp(c, "s", "FA")
    k.tcp(c, "c", "A")


@case("rst", LT_EN10MB, eth,
      "handshake, data, RST|ACK from the server: RESET; a late client segment still counts to it")
def _(k):
    c = k.conn(A, 40003, B, 8080, "RESET")
    k.handshake(c)
    k.tcp(c, "c", "PA", 200)
    k.tcp(c, "s", "RA")
    k.tcp(c, "c", "PA", 50)


@case("simultaneous_open", LT_EN10MB, eth,
      "both ends send a SYN, then both a SYN|ACK (RFC 9293 3.5), then data: ESTABLISHED, client = first SYN")
def _(k):
    c = k.conn(A, 5001, B, 6001, "ESTABLISHED")
    k.tcp(c, "c", "S")
    k.tcp(c, "s", "S")
    c.seq["c"] -= 1  # the SYN|ACK repeats each side's SYN (tshark: a retransmission)
    c.seq["s"] -= 1
    k.tcp(c, "c", "SA", retrans=True)
    k.tcp(c, "s", "SA", retrans=True)
    k.tcp(c, "c", "PA", 64)
    k.tcp(c, "s", "PA", 32)
    k.tcp(c, "c", "A")


@case("reuse_after_fin", LT_EN10MB, eth,
      "a tuple closed by FIN and reused by a new SYN 200 ms later: two rows, the first ends 'reused'")
def _(k):
    c1 = k.conn(A, 40004, B, 80, "CLOSED", end="reused")
    k.handshake(c1)
    k.tcp(c1, "c", "PA", 100)
    k.tcp(c1, "s", "PA", 700)
    k.close(c1, "c")
    c2 = k.conn(A, 40004, B, 80, "CLOSED")
    k.tcp(c2, "c", "S", dt=200 * MS)
    k.tcp(c2, "s", "SA")
    k.tcp(c2, "c", "A")
    k.tcp(c2, "c", "PA", 90)
    k.tcp(c2, "s", "PA", 900)
    k.close(c2, "s")


@case("reuse_after_rst", LT_EN10MB, eth,
      "a tuple reset and reused by a new SYN 100 ms later: two rows, the first RESET ending 'reused'")
def _(k):
    c1 = k.conn(A, 40005, B, 22, "RESET", end="reused")
    k.handshake(c1)
    k.tcp(c1, "c", "PA", 40)
    k.tcp(c1, "s", "PA", 40)
    k.tcp(c1, "c", "R")
    c2 = k.conn(A, 40005, B, 22, "ESTABLISHED")
    k.tcp(c2, "c", "S", dt=100 * MS)
    k.tcp(c2, "s", "SA")
    k.tcp(c2, "c", "A")
    k.tcp(c2, "c", "PA", 40)
    k.tcp(c2, "s", "PA", 400)


@case("midstream", LT_EN10MB, eth,
      "connections picked up mid-stream (server by service port, ephemeral range, lower port), "
      "interleaved with one that starts with a SYN")
def _(k):
    # ssh: the first segment seen goes server to client
    m = k.conn(A, 40010, B, 22, "CLOSED", midstream=True)
    # 5001 is no service, 33000 is ephemeral: 5001 is the server
    e = k.conn("192.0.2.11", 33000, "198.51.100.21", 5001, "ESTABLISHED", midstream=True)
    # neither a service nor ephemeral: the lower port is the server
    lo = k.conn("192.0.2.12", 2500, "198.51.100.22", 1500, "ESTABLISHED", midstream=True)
    n = k.conn(A, 40011, B, 22, "ESTABLISHED")
    k.tcp(m, "s", "PA", 96)
    k.tcp(e, "s", "PA", 1000)
    k.tcp(lo, "s", "PA", 10)
    k.tcp(m, "c", "A")
    k.tcp(n, "c", "S")
    k.tcp(m, "c", "PA", 48)
    k.tcp(n, "s", "SA")
    k.tcp(e, "c", "A")
    k.tcp(n, "c", "A")
    k.tcp(lo, "c", "PA", 20)
    k.tcp(m, "s", "PA", 64)
    k.tcp(n, "c", "PA", 21)
    k.tcp(n, "s", "PA", 33)
    k.tcp(m, "c", "FA")
    k.tcp(m, "s", "FA")
    k.tcp(m, "c", "A")


@case("synack_first", LT_EN10MB, eth,
      "the capture starts at the SYN|ACK: its receiver is the client, SYN|ACK-ACK then ESTABLISHED")
def _(k):
    c = k.conn(A, 40020, B, 3306, "ESTABLISHED")
    c.seq["c"] += 1  # the SYN went before the capture
    k.tcp(c, "s", "SA")
    k.tcp(c, "c", "A")
    k.tcp(c, "c", "PA", 30)
    k.tcp(c, "s", "PA", 90)


@case("one_way", LT_EN10MB, eth,
      "one-way flows: server-to-client segments only (client guessed by the port), and a SYN "
      "retransmitted with no answer (SYN_SENT)")
def _(k):
    o = k.conn(A, 51000, "203.0.113.5", 443, "ESTABLISHED", midstream=True)
    s = k.conn(A, 51001, "203.0.113.9", 8080, "SYN_SENT")
    k.tcp(o, "s", "PA", 1448)
    k.tcp(s, "c", "S", advance=False)
    k.tcp(o, "s", "PA", 1448)
    k.tcp(o, "s", "PA", 100)
    k.tcp(s, "c", "S", dt=1 * S, advance=False, retrans=True)
    k.tcp(s, "c", "S", dt=2 * S, advance=False, retrans=True)


@case("timeouts", LT_EN10MB, eth,
      "a SYN 3700 s later ages every other connection out on the capture clock: closed and reset "
      "(linger), SYN and SYN|ACK (syn_timeout), half-closed (fin_timeout), established (idle)")
def _(k):
    lc = k.conn(A, 42000, B, 80, "CLOSED", end="closed")
    sy = k.conn(A, 42001, B, 80, "SYN_SENT", end="syn_timeout")
    sa = k.conn(A, 42002, B, 80, "SYN|ACK-ACK", end="syn_timeout")
    fi = k.conn(A, 42003, B, 80, "CLOSING", end="fin_timeout")
    es = k.conn(A, 42004, B, 80, "ESTABLISHED", end="idle")
    rs = k.conn(A, 42005, B, 80, "RESET", end="closed")
    k.handshake(lc)
    k.close(lc, "s")
    k.tcp(sy, "c", "S")
    k.tcp(sa, "c", "S")
    k.tcp(sa, "s", "SA")
    k.handshake(fi)
    k.tcp(fi, "c", "FA")
    k.tcp(fi, "s", "A")
    k.handshake(es)
    k.tcp(es, "c", "PA", 5)
    k.handshake(rs)
    k.tcp(rs, "s", "R")
    late = k.conn(A, 42006, B, 80, "SYN_SENT")
    k.tcp(late, "c", "S", dt=3700 * S)


@case("clock_nontcp_eof", LT_EN10MB, eth,
      "non-TCP packets move the capture clock too: UDP 5 s and 70 s after the last TCP segment end "
      "a closed connection (linger) and an unanswered SYN (syn_timeout, 64 s) before the end of the file")
def _(k):
    lc = k.conn(A, 42100, B, 80, "CLOSED", end="closed")
    sy = k.conn(A, 42101, B, 80, "SYN_SENT", end="syn_timeout")
    k.handshake(lc)
    k.tcp(lc, "c", "PA", 10)
    k.close(lc, "c")
    k.tcp(sy, "c", "S")
    for i, dt in enumerate((5 * S, 65 * S)):
        k.other(IP(src=A, dst="203.0.113.53", id=7 + i) / UDP(sport=53000, dport=53) / Raw(b"\0" * 20),
                "non_tcp", dt=dt)


@case("loopback_halfclose", LT_EN10MB, eth_zero,
      "127.0.0.1 to 127.0.0.1: the client half-closes, the server's data after it counts and the state stays CLOSING")
def _(k):
    c = k.conn("127.0.0.1", 45000, "127.0.0.1", 8080, "CLOSING")
    k.handshake(c)
    k.tcp(c, "c", "PA", 77)
    k.tcp(c, "c", "FA")
    k.tcp(c, "s", "A")
    k.tcp(c, "s", "PA", 4000)
    k.tcp(c, "c", "A")
    k.tcp(c, "s", "PA", 4000)
    k.tcp(c, "s", "PA", 123)
    k.tcp(c, "c", "A")


@case("nfs_midstream", LT_EN10MB, eth,
      "port 1000 talking to NFS port 2049, picked up mid-stream with a reply first: the server is 2049")
def _(k):
    c = k.conn("192.0.2.30", 1000, "198.51.100.30", 2049, "ESTABLISHED", midstream=True)
    k.tcp(c, "s", "PA", 140)
    k.tcp(c, "c", "PA", 180)
    k.tcp(c, "s", "PA", 1400)
    k.tcp(c, "c", "A")


@case("ipv6_ext", LT_EN10MB, eth,
      "IPv6 with hop-by-hop, destination options, routing, an atomic fragment header and AH before TCP; "
      "a non-first IPv6 fragment that looks like a RST is not TCP")
def _(k):
    c = k.conn(A6, 40100, B6, 443, "CLOSED")
    k.tcp(c, "c", "S", ext=IPv6ExtHdrHopByHop())
    k.tcp(c, "s", "SA", ext=IPv6ExtHdrDestOpt())
    k.tcp(c, "c", "A", ext=IPv6ExtHdrRouting())
    k.tcp(c, "c", "PA", 500, ext=IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting() /
          IPv6ExtHdrFragment(offset=0, m=0, id=0x1234))
    k.tcp(c, "s", "PA", 1200, ext=AH(nh=6, payloadlen=4, spi=0x100, seq=1, icv=b"\x11" * 12))
    # the tail of some other datagram of this pair, its first bytes a RST from the server
    rst = bytes(IPv6(src=B6, dst=A6) / TCP(sport=443, dport=40100, flags="R", seq=c.seq["s"]))[40:]
    k.other(IPv6(src=B6, dst=A6) / IPv6ExtHdrFragment(offset=100, m=0, id=0x77, nh=6) / Raw(rst),
            "fragments", frm="s")
    k.tcp(c, "c", "A", ext=IPv6ExtHdrDestOpt())
    k.close(c, "c")


@case("vlan_qinq", LT_EN10MB, eth,
      "802.1Q (one tag), 802.1ad QinQ (0x88a8 then 0x8100) and old QinQ (0x9100, IPv6) frames")
def _(k):
    v = k.conn(A, 40200, B, 80, "ESTABLISHED")
    q = k.conn("192.0.2.13", 40201, "198.51.100.23", 80, "CLOSED")
    o = k.conn(A6, 40202, B6, 80, "ESTABLISHED")
    for conn, link in ((v, vlan(10)), (q, qinq(0x88a8, 100, 20)), (o, qinq(0x9100, 200, 30))):
        k.handshake(conn, link=link)
        k.tcp(conn, "c", "PA", 333, link=link)
        k.tcp(conn, "s", "PA", 1111, link=link)
    k.close(q, "s", link=qinq(0x88a8, 100, 20))


@case("eth_fcs", LT_EN10MB, eth_fcs,
      "Ethernet frames that keep their 4-byte FCS: IPv4 and IPv6 counts come from the IP headers")
def _(k):
    c = k.conn(A, 40210, B, 80, "CLOSED")
    d = k.conn(A6, 40211, B6, 80, "ESTABLISHED")
    k.handshake(c)
    k.handshake(d)
    k.tcp(c, "c", "PA", 10)
    k.tcp(d, "c", "PA", 20)
    k.tcp(c, "s", "PA", 1000)
    k.tcp(d, "s", "PA", 1001)
    k.close(c, "c")


@case("sll2", LT_SLL2, sll2, "Linux cooked v2 (-i any): an IPv4 and an IPv6 connection")
def _(k):
    c = k.conn(A, 40300, B, 80, "CLOSED")
    d = k.conn(A6, 40301, B6, 443, "ESTABLISHED")
    k.handshake(c)
    k.handshake(d)
    k.tcp(c, "c", "PA", 250)
    k.tcp(d, "c", "PA", 517)
    k.tcp(c, "s", "PA", 1460)
    k.tcp(d, "s", "PA", 2900)
    k.close(c, "c")


@case("sll", LT_SLL, sll, "Linux cooked v1: an IPv4 and an IPv6 connection")
def _(k):
    c = k.conn(A, 40310, B, 80, "ESTABLISHED")
    d = k.conn(A6, 40311, B6, 443, "RESET")
    k.handshake(c)
    k.handshake(d)
    k.tcp(c, "c", "PA", 251)
    k.tcp(d, "c", "PA", 518)
    k.tcp(c, "s", "PA", 1461)
    k.tcp(d, "s", "RA")


@case("null_loopback", LT_NULL, null_le(2),
      "BSD null loopback (family in host byte order): IPv4 (AF 2) and IPv6 with each AF value (24, 28, 30)")
def _(k):
    c = k.conn("127.0.0.1", 50000, "127.0.0.1", 631, "CLOSED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 300)
    k.tcp(c, "s", "PA", 900)
    k.close(c, "c")
    for i, af in enumerate((24, 28, 30)):
        d = k.conn("::1", 50001 + i, "::1", 8000 + i, "ESTABLISHED")
        link = null_le(af)
        k.handshake(d, link=link)
        k.tcp(d, "c", "PA", 10 + i, link=link)
        k.tcp(d, "s", "PA", 100 + i, link=link)


@case("loop", LT_LOOP, loop_be(2), "DLT_LOOP (family in network byte order): IPv4 (AF 2) and IPv6 (AF 24)")
def _(k):
    c = k.conn("127.0.0.1", 50100, "127.0.0.1", 25, "ESTABLISHED")
    d = k.conn("::1", 50101, "::1", 25, "ESTABLISHED")
    k.handshake(c)
    k.handshake(d, link=loop_be(24))
    k.tcp(c, "s", "PA", 40)
    k.tcp(d, "s", "PA", 41, link=loop_be(24))
    k.tcp(c, "c", "PA", 12)
    k.tcp(d, "c", "PA", 13, link=loop_be(24))


def raw_case(name, linktype, families):
    @case(name, linktype, raw, "raw IP, link type %d: %s" % (linktype, " and ".join(
        "IPv4" if f == 4 else "IPv6" for f in families)))
    def _(k):
        for i, fam in enumerate(families):
            c = k.conn(A if fam == 4 else A6, 40400 + i, B if fam == 4 else B6, 80, "CLOSED")
            k.handshake(c)
            k.tcp(c, "c", "PA", 99 + i)
            k.tcp(c, "s", "PA", 999 + i)
            k.close(c, "s")


raw_case("raw12", LT_RAW12, (4, 6))
raw_case("raw14", LT_RAW14, (4, 6))
raw_case("raw101", LT_RAW, (4, 6))
raw_case("raw228_ipv4", LT_IPV4, (4,))
raw_case("raw229_ipv6", LT_IPV6, (6,))


@case("fragment_rst", LT_EN10MB, eth,
      "non-first IPv4 fragments whose bytes look like a RST do not reset the connection; "
      "a first fragment counts as TCP with its own length")
def _(k):
    c = k.conn(A, 40500, B, 80, "ESTABLISHED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "A")
    rst = bytes(IP(src=B, dst=A) / TCP(sport=80, dport=40500, flags="R", seq=c.seq["s"]))[20:]
    # a middle fragment and a last fragment, each starting with the RST's bytes
    k.other(IP(src=B, dst=A, id=0x4242, proto=6, flags="MF", frag=185) / Raw(rst), "fragments", frm="s")
    k.other(IP(src=B, dst=A, id=0x4243, proto=6, flags=0, frag=370) / Raw(rst + b"\0" * 8), "fragments", frm="s")
    # a segment sent in two fragments: the first (TCP header + 44 bytes) counts, the second not
    seg = bytes(c.segment("s", "PA", 80))
    hdr = IP(seg[:20])
    first = IP(src=B, dst=A, id=0x4244, proto=6, flags="MF", frag=0, ttl=64) / Raw(seg[20:20 + 64])
    last = IP(src=B, dst=A, id=0x4244, proto=6, flags=0, frag=8, ttl=64) / Raw(seg[20 + 64:])
    assert hdr.len == 120 and len(seg[20 + 64:]) == 36
    k.raw_tcp(c, "s", first, 84, 44)
    k.other(last, "fragments", frm="s")
    k.tcp(c, "c", "A")
    k.tcp(c, "c", "PA", 10)
    k.tcp(c, "s", "A")


@case("llc_snap", LT_EN10MB, llc_snap, "IEEE 802.3 frames with LLC/SNAP (RFC 1042) carrying IPv4 and IPv6")
def _(k):
    c = k.conn(A, 40600, B, 80, "CLOSED")
    d = k.conn(A6, 40601, B6, 80, "ESTABLISHED")
    k.handshake(c)
    k.handshake(d)
    k.tcp(c, "c", "PA", 64)
    k.tcp(d, "c", "PA", 65)
    k.tcp(c, "s", "PA", 1000)
    k.tcp(d, "s", "PA", 1001)
    k.close(c, "c")


def tun4(outer_c, outer_s):
    return lambda frm: IP(src=outer_c if frm == "c" else outer_s, dst=outer_s if frm == "c" else outer_c,
                          ttl=64, id=0x2000)


@case("ipip", LT_EN10MB, eth,
      "IPv4 in IPv4 (protocol 4): the inner connection is tracked with the inner datagram's length")
def _(k):
    w = tun4("203.0.113.1", "203.0.113.2")
    c = k.conn("10.1.0.1", 40700, "10.2.0.1", 80, "CLOSED")
    k.handshake(c, wrap=w)
    k.tcp(c, "c", "PA", 150, wrap=w)
    k.tcp(c, "s", "PA", 1300, wrap=w)
    k.close(c, "c", wrap=w)


@case("ip6in4", LT_EN10MB, eth,
      "IPv6 in IPv4 (protocol 41, 6in4): the inner IPv6 connection is tracked")
def _(k):
    w = tun4("203.0.113.1", "203.0.113.2")
    c = k.conn("2001:db8:10::1", 40701, "2001:db8:20::1", 443, "ESTABLISHED")
    k.handshake(c, wrap=w)
    k.tcp(c, "c", "PA", 151, wrap=w)
    k.tcp(c, "s", "PA", 1301, wrap=w)


@case("ipv4_options", LT_EN10MB, eth,
      "IPv4 headers with options (router alert, record route: IHL 6 and 15): the total length counts")
def _(k):
    c = k.conn(A, 40800, B, 80, "ESTABLISHED")
    ra = [IPOption_Router_Alert()]
    rr = [IPOption_RR(routers=["0.0.0.0"] * 9)]
    k.tcp(c, "c", "S", ipopts=ra)
    k.tcp(c, "s", "SA", ipopts=rr)
    k.tcp(c, "c", "A")
    k.tcp(c, "c", "PA", 200, ipopts=rr)
    k.tcp(c, "s", "PA", 300, ipopts=ra)


@case("tcp_options_bad_offset", LT_EN10MB, eth,
      "TCP options (MSS, SACK, timestamps, window scale) count as header; data offsets below 5 or "
      "past the segment are invalid and tracked nowhere")
def _(k):
    c = k.conn(A, 40900, B, 80, "ESTABLISHED")
    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)]
    ts = [("NOP", None), ("NOP", None), ("Timestamp", (1001, 2000))]
    k.tcp(c, "c", "S", options=syn_opts)
    k.tcp(c, "s", "SA", options=syn_opts)
    k.tcp(c, "c", "A", options=ts)
    k.tcp(c, "c", "PA", 100, options=ts)
    # data offset 3 (12 bytes): a SYN on a new tuple, which must not open a connection
    bad = k.conn(A, 40901, B, 80, "SYN_SENT")
    k.other(bad.segment("c", "S", dataofs=3), "invalid")
    k.conns.remove(bad)
    # data offset 15 (60 bytes) in a 30-byte segment: a RST that must not reset
    k.other(c.segment("s", "RA", 10, dataofs=15, advance=False), "invalid", frm="s")
    k.tcp(c, "s", "PA", 700, options=ts)
    k.tcp(c, "c", "A", options=ts)


@case("truncated", LT_EN10MB, eth,
      "snap length 64: counts come from the IP header, not the capture; a frame cut before the TCP "
      "flags (and one cut inside the IP header) is truncated, one cut just after them counts",
      snaplen=64)
def _(k):
    c = k.conn(A, 41000, B, 80, "CLOSED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 1000, cut=64)
    k.tcp(c, "s", "PA", 1400, cut=64)
    # a RST cut one byte before its flags (14 + 20 + 13): truncated, the connection goes on
    k.other(eth(bytes(c.segment("s", "RA", advance=False)), "s"), "truncated", frm="s", link=raw, cut=47)
    # cut inside the IP header
    k.other(eth(bytes(c.segment("s", "PA", 10, advance=False)), "s"), "truncated", frm="s", link=raw, cut=30)
    # a FIN with data cut right after its flags (14 + 20 + 14): counts in full
    k.tcp(c, "c", "FPA", 500, cut=48)
    k.tcp(c, "s", "FA", cut=64)
    k.tcp(c, "c", "A", cut=64)


@case("icmp_quoted", LT_EN10MB, eth,
      "TCP headers quoted in ICMP and ICMPv6 errors (a RST of a live connection, a SYN) are not traffic")
def _(k):
    c = k.conn(A, 41100, B, 80, "ESTABLISHED")
    d = k.conn(A6, 41101, B6, 80, "SYN_SENT")
    k.handshake(c)
    k.tcp(c, "c", "PA", 10)
    quoted = bytes(c.segment("c", "RA", advance=False))
    k.other(IP(src="203.0.113.254", dst=A, id=9) / ICMP(type=3, code=13) / Raw(quoted), "non_tcp", frm="s")
    k.tcp(d, "c", "S")
    quoted6 = bytes(d.segment("c", "S", advance=False))
    k.other(IPv6(src="2001:db8:ff::1", dst=A6) / ICMPv6DestUnreach(code=1) / Raw(quoted6), "non_tcp", frm="s")
    k.tcp(c, "s", "PA", 20)


@case("tso_zero_len", LT_EN10MB, eth,
      "IPv4 total length 0 on the sending host (segmentation offload): IP bytes from the frame length, "
      "also when the snap length cut the frame")
def _(k):
    c = k.conn(A, 41200, B, 80, "ESTABLISHED")
    k.handshake(c)
    # 14 + 20 + 20 + 2960 = 3014-byte frames: 3000 IP bytes, 2960 payload
    k.tcp(c, "c", "PA", 2960, iplen=0, ipb=3000)
    seg = c.segment("c", "PA", 2960, iplen=0)
    k.raw_tcp(c, "c", seg, 3000, 2960, cut=128, wirelen=3014)
    k.tcp(c, "s", "A")


@case("mpls", LT_EN10MB, mpls, "MPLS (two labels) carrying IPv4 and IPv6")
def _(k):
    c = k.conn(A, 41300, B, 80, "CLOSED")
    d = k.conn(A6, 41301, B6, 80, "ESTABLISHED")
    k.handshake(c)
    k.handshake(d)
    k.tcp(c, "c", "PA", 111)
    k.tcp(d, "s", "PA", 222)
    k.close(c, "s")


@case("pppoe", LT_EN10MB, pppoe, "PPPoE sessions carrying IPv4 (PPP 0x0021) and IPv6 (0x0057)")
def _(k):
    c = k.conn(A, 41400, B, 80, "CLOSED")
    d = k.conn(A6, 41401, B6, 80, "ESTABLISHED")
    k.handshake(c)
    k.handshake(d)
    k.tcp(c, "c", "PA", 1000)
    k.tcp(d, "s", "PA", 1400)
    k.close(c, "c")


@case("clock_nontcp_order", LT_EN10MB, eth,
      "over 64 packets, TCP and UDP interleaved: a SYN 1.9 s after a close, then UDP 0.95 s later: "
      "the closed row ends 'reused' (not lingered out) and the new one keeps the SYN's timestamp")
def _(k):
    def udp(i, dt):
        k.other(IP(src=A, dst="203.0.113.53", id=100 + i) / UDP(sport=53000, dport=53) / Raw(b"q" * 12),
                "non_tcp", dt=dt)
    lc = k.conn(A, 41500, B, 80, "CLOSED", end="closed")
    k.handshake(lc)
    k.tcp(lc, "c", "PA", 10)
    k.close(lc, "c")                        # packets 1-7, closed at +0.007 s
    for i in range(51):                     # packets 8-58, to +5.107 s
        udp(i, 100 * MS)
    x1 = k.conn(A, 41501, B, 80, "CLOSED", end="reused")
    k.tcp(x1, "c", "S", dt=93 * MS)         # +5.200 s
    k.tcp(x1, "s", "SA")
    k.tcp(x1, "c", "A")
    k.close(x1, "s")                        # packets 59-64, closed at +5.205 s
    x2 = k.conn(A, 41501, B, 80, "ESTABLISHED")
    k.tcp(x2, "c", "S", dt=1900 * MS)       # +7.105 s: within the 2 s linger, the tuple is reused
    udp(99, 945 * MS)                       # +8.050 s
    k.tcp(x2, "s", "SA", dt=10 * MS)
    k.tcp(x2, "c", "A")
    assert len(k.recs) == 68 and k.recs[64][0] == T0 + 7105 * MS



import golden_health  # noqa: E402,F401 (its cases, after these)
import golden_encap  # noqa: E402,F401
import golden_ident  # noqa: E402,F401


if __name__ == "__main__":
    for line in main(VARIANTS):
        print(line)
