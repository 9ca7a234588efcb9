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
import os
import struct
import sys
import zlib

from scapy.all import (AH, IP, TCP, UDP, Dot1AD, Dot1Q, Dot3, Ether, ICMP, ICMPv6DestUnreach,
                       IPOption_Router_Alert, IPOption_RR, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, LLC, Raw,
                       SNAP, conf)

conf.verb = 0

T0 = 1700000000 * 1000000  # the capture clock of every case starts here (microseconds)
MS = 1000
S = 1000000

# The end reason of a row written because tcptrack stopped (end of the file) with the
# connection still in the table: README.md's "exit".
AT_EXIT = "exit"

HEADER = ("first_seen,last_seen,client,client_port,server,server_port,state,"
          "c2s_packets,c2s_bytes,c2s_payload,s2c_packets,s2c_bytes,s2c_payload,end,"
          "handshake_us,rtt_us,rtt_client_us,rtt_server_us,rtt_min_us,"
          "c2s_retrans,c2s_retrans_bytes,s2c_retrans,s2c_retrans_bytes")
CLASSES = ["non_tcp", "fragments", "truncated", "invalid", "unsupported"]

# link types (pcap LINKTYPE_ values)
LT_NULL, LT_EN10MB, LT_RAW12, LT_RAW14, LT_RAW, LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6, LT_SLL2 = \
    0, 1, 12, 14, 101, 108, 113, 228, 229, 276

MAC_C = "02:00:00:00:00:01"
MAC_S = "02:00:00:00:00:02"


def fmt_time(us):
    return "%d.%06d" % (us // S, us % S)


def data(n):
    return bytes((i * 7 + 3) & 0xff for i in range(n))


# ---- link layers: each takes the IP datagram (bytes) and the sender ('c' or 's') ----

def pad60(frame):
    """Ethernet hardware pads short frames to 60 bytes (without FCS): the padding is in the
    capture and must not be counted."""
    return frame + b"\0" * (60 - len(frame)) if len(frame) < 60 else frame


def macs(frm):
    return (MAC_C, MAC_S) if frm == "c" else (MAC_S, MAC_C)


def ethertype_of(ip):
    return 0x86dd if ip[0] >> 4 == 6 else 0x0800


def eth(ip, frm):
    src, dst = macs(frm)
    return pad60(bytes(Ether(src=src, dst=dst, type=ethertype_of(ip)) / Raw(ip)))


def eth_fcs(ip, frm):
    """Ethernet with the 4-byte frame check sequence left in the capture."""
    frame = eth(ip, frm)
    return frame + struct.pack(">I", zlib.crc32(frame) & 0xffffffff)


def eth_zero(ip, frm):
    """Linux loopback device: Ethernet with zero addresses, no padding."""
    return bytes(Ether(src="00:00:00:00:00:00", dst="00:00:00:00:00:00", type=ethertype_of(ip)) / Raw(ip))


def raw(ip, frm):
    return ip


def null_le(af):
    """DLT_NULL: the address family in the capturing host's byte order (little-endian here)."""
    return lambda ip, frm: struct.pack("<I", af) + ip


def loop_be(af):
    """DLT_LOOP: the address family in network byte order."""
    return lambda ip, frm: struct.pack(">I", af) + ip


def sll(ip, frm):
    # packet type (0 to us, 4 outgoing), ARPHRD_ETHER, address length, address (8), protocol
    mac = bytes.fromhex((MAC_C if frm == "c" else MAC_S).replace(":", ""))
    return struct.pack(">HHH8sH", 4 if frm == "c" else 0, 1, 6, mac, ethertype_of(ip)) + ip


def sll2(ip, frm):
    # protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address (8)
    mac = bytes.fromhex((MAC_C if frm == "c" else MAC_S).replace(":", ""))
    return struct.pack(">HHIHBB8s", ethertype_of(ip), 0, 3, 1, 4 if frm == "c" else 0, 6, mac) + ip


def vlan(vid):
    def f(ip, frm):
        src, dst = macs(frm)
        return pad60(bytes(Ether(src=src, dst=dst) / Dot1Q(vlan=vid, type=ethertype_of(ip)) / Raw(ip)))
    return f


def qinq(outer_type, svid, cvid):
    """802.1ad (0x88a8), or the older 0x9100, outer tag around an 802.1Q tag."""
    def f(ip, frm):
        src, dst = macs(frm)
        inner = bytes(Dot1Q(vlan=cvid, type=ethertype_of(ip)) / Raw(ip))
        if outer_type == 0x88a8:
            fr = Ether(src=src, dst=dst) / Dot1AD(vlan=svid, type=0x8100) / Raw(inner)
        else:
            fr = Ether(src=src, dst=dst, type=outer_type) / Raw(struct.pack(">HH", svid, 0x8100) + inner)
        return pad60(bytes(fr))
    return f


def llc_snap(ip, frm):
    src, dst = macs(frm)
    return pad60(bytes(Dot3(src=src, dst=dst) / LLC(dsap=0xaa, ssap=0xaa, ctrl=3) /
                       SNAP(OUI=0, code=ethertype_of(ip)) / Raw(ip)))


def mpls(ip, frm):
    # two labels, the second at the bottom of the stack (RFC 3032)
    src, dst = macs(frm)
    stack = struct.pack(">II", (1000 << 12) | 255, (2000 << 12) | (1 << 8) | 255)
    return pad60(bytes(Ether(src=src, dst=dst, type=0x8847) / Raw(stack + ip)))


def pppoe(ip, frm):
    src, dst = macs(frm)
    # RFC 2516 session header (version 1, type 1, code 0, session id, length), then the PPP
    # protocol in two bytes (scapy's PPP layer would compress it to one)
    proto = 0x0057 if ip[0] >> 4 == 6 else 0x0021
    ses = struct.pack(">BBHHH", 0x11, 0, 0x2a, 2 + len(ip), proto)
    return pad60(bytes(Ether(src=src, dst=dst, type=0x8864) / Raw(ses + ip)))


# ---- TCP health: the rules of tcptrack.conf(5) [core] tcp_health, applied to the segments as
# built (tshark's TCP analysis, which tests/cmd/health.sh checks these captures against) ----

M32 = 1 << 32


def seq_lt(a, b):
    return (a - b) % M32 >= 1 << 31


class Health:
    """Round trips and retransmissions of one connection; index 0 is the client to server
    direction (or the client side of a round trip), 1 the other."""

    def __init__(self):
        self.nxt, self.ack, self.win0 = [0, 0], [0, 0], [False, False]
        self.retrans, self.retrans_bytes = [0, 0], [0, 0]
        self.samples = [[], []]   # per side, us
        self.timed = None         # (direction, end, time) of the one segment timed
        self.syn_t = None         # the latest SYN's time, until the handshake's length is known
        self.hs, self.hs_shown = None, False

    def segment(self, d, seq, ack, flags, n, win, t):
        e = 1 - d
        syn, fin, rst, is_ack = ("S" in flags), ("F" in flags), ("R" in flags), ("A" in flags)
        sf = 1 if syn or fin else 0
        if syn and not is_ack:
            known = self.nxt[d] or self.ack[e]
            isn = (self.nxt[d] - 1) % M32 if self.nxt[d] else (self.ack[e] - 1) % M32
            if known and seq != isn:   # a new initial sequence number: tshark's new stream
                self.nxt, self.ack, self.win0, self.timed = [0, 0], [0, 0], [False, False], None
            if self.hs is None:
                self.syn_t = t
        answers = n > 0 or (is_ack and self.nxt[e] != 0 and ack == self.nxt[e])
        nxt = self.nxt[d]
        zwp = n == 1 and seq == nxt and self.win0[e]
        keepalive = n <= 1 and seq == (nxt - 1) % M32 and not (syn or fin or rst)
        re = False
        if (n or sf) and not keepalive:
            below = seq_lt(seq, (nxt - 1) % M32) or (seq == (nxt - 1) % M32 and sf)
            spurious = n and self.ack[e] and not seq_lt(self.ack[e], (seq + n) % M32)
            re = bool((nxt and below) or spurious)
        end = (seq + n + sf) % M32
        adv = not zwp and (not nxt or seq_lt(nxt, end))
        if adv:
            self.nxt[d] = end
        self.ack[d] = ack
        self.win0[d] = win == 0
        if re:
            self.retrans[d] += 1
            self.retrans_bytes[d] += n
            if self.timed and self.timed[0] == d:
                self.timed = None   # Karn
        if self.timed and self.timed[0] == e and is_ack and not seq_lt(ack, self.timed[1]):
            r = t - self.timed[2]
            if r < 1 << 29:
                self.samples[d].append(r)
            self.timed = None
        if self.timed is None and adv and not re and (n or syn):
            self.timed = (d, end, t)
        if is_ack and not syn and self.syn_t is not None and t != self.syn_t:
            self.hs, self.syn_t = t - self.syn_t, None
        if self.hs is not None and answers:
            self.hs_shown = True
        return re

    def columns(self):
        """handshake_us .. s2c_retrans_bytes, as the log writes them ('' for no value)"""
        srtt, low = [], []
        for s in self.samples:
            if not s:
                srtt.append(None), low.append(None)
                continue
            x8 = s[0] * 8
            for r in s[1:]:
                x8 = x8 - x8 // 8 + r   # RFC 6298, alpha 1/8, kept times 8
            srtt.append((x8 + 4) // 8), low.append(min(s))
        both = srtt[0] is not None and srtt[1] is not None
        cols = [self.hs if self.hs_shown else None,
                srtt[0] + srtt[1] if both else None, srtt[0], srtt[1],
                low[0] + low[1] if both else None,
                self.retrans[0], self.retrans_bytes[0], self.retrans[1], self.retrans_bytes[1]]
        return ["" if x is None else x for x in cols]


# ---- cases ----

class Conn:
    """A TCP connection as it must appear in the log: client = the SYN's sender (or the
    guessed client of a connection picked up mid-stream)."""

    def __init__(self, case, client, cport, server, sport, state, end=AT_EXIT, midstream=False):
        self.case, self.client, self.cport, self.server, self.sport = case, client, cport, server, sport
        self.state, self.end, self.midstream = state, end, midstream
        self.v6 = ":" in client
        n = len(case.conns)
        self.seq = {"c": 1000000 * (n + 1), "s": 500000000 + 1000000 * (n + 1)}
        self.pk = {"c": 0, "s": 0}
        self.by = {"c": 0, "s": 0}
        self.pl = {"c": 0, "s": 0}
        self.first = self.last = None
        self.health = Health()
        case.conns.append(self)

    def ends(self, frm):
        if frm == "c":
            return self.client, self.server, self.cport, self.sport
        return self.server, self.client, self.sport, self.cport

    def segment(self, frm, flags, n=0, options=None, ipopts=None, ext=None, advance=True, iplen=None,
                **tcpkw):
        """One segment as an IP datagram (scapy), sequence numbers following the exchange."""
        src, dst, sp, dp = self.ends(frm)
        other = "s" if frm == "c" else "c"
        kw = dict(sport=sp, dport=dp, flags=flags, seq=self.seq[frm] % M32,
                  ack=self.seq[other] % M32 if "A" in flags else 0, window=64240, options=options or [])
        kw.update(tcpkw)
        tcp = TCP(**kw)
        if n:
            tcp = tcp / Raw(data(n))
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=64)
        else:
            ip = IP(src=src, dst=dst, ttl=64, id=0x1000 + len(self.case.recs), flags="DF",
                    options=ipopts or [], len=iplen)
        pkt = ip / ext / tcp if ext is not None else ip / tcp
        if advance:
            self.seq[frm] += n + ("S" in flags) + ("F" in flags)
        return pkt


def ip_bytes_of(pkt):
    """IP bytes of a built datagram by its innermost IP header (IPv4 total length, IPv6 40 +
    payload length), and its TCP layer."""
    p = pkt.__class__(bytes(pkt))
    inner = None
    layer = p
    while layer is not None and not isinstance(layer, TCP):
        if isinstance(layer, (IP, IPv6)):
            inner = layer
        if isinstance(layer, AH):  # scapy does not dissect past AH
            layer = TCP(bytes(layer.payload))
            break
        layer = layer.payload if layer.payload else None
    assert layer is not None and inner is not None
    if isinstance(inner, IP):
        ipb = inner.len
    else:
        ipb = 40 + inner.plen
    return ipb, layer


class Case:
    def __init__(self, name, linktype, link, what, snaplen=262144):
        self.name, self.linktype, self.link, self.what, self.snaplen = name, linktype, link, what, snaplen
        self.t = T0
        self.recs = []     # (ts, captured bytes, wire length)
        self.conns = []
        self.cls = dict.fromkeys(CLASSES, 0)

    def conn(self, *a, **kw):
        return Conn(self, *a, **kw)

    def _frame(self, ip, frm, link, dt, cut, wirelen):
        self.t += dt
        frame = (link or self.link)(ip, frm)
        wl = wirelen if wirelen is not None else len(frame)
        cap = frame[:cut] if cut is not None else frame
        assert len(cap) <= self.snaplen
        self.recs.append((self.t, cap, wl))
        return frame

    def tcp(self, c, frm, flags, n=0, dt=MS, link=None, wrap=None, cut=None, ipb=None, retrans=False, **kw):
        """A segment of connection c from frm ('c' client, 's' server), counted; retrans: it
        is a retransmission (data, SYN or FIN below what its sender sent before)."""
        pkt = c.segment(frm, flags, n, **kw)
        if wrap is not None:
            pkt = wrap(frm) / pkt
        got_ipb, tcp = ip_bytes_of(pkt)
        # the payload as the headers delimit it is what was sent
        assert len(bytes(tcp)) - tcp.dataofs * 4 == n, (self.name, len(self.recs))
        if ipb is None:
            ipb = got_ipb
        frame = self._frame(bytes(pkt), frm, link, dt, cut, None)
        c.pk[frm] += 1
        c.by[frm] += ipb
        c.pl[frm] += n
        if c.first is None:
            c.first = self.t
        c.last = self.t
        # health sees the segment when its header is captured up to the window
        tcp_at = frame.index(bytes(pkt)) + len(bytes(pkt)) - len(bytes(tcp))
        if cut is None or cut >= tcp_at + 16:
            re = c.health.segment(0 if frm == "c" else 1, tcp.seq, tcp.ack, str(tcp.flags), n,
                                  tcp.window, self.t)
            assert re == retrans, (self.name, len(self.recs), "retransmission" if retrans else "new")
        return pkt

    def other(self, ip, cls, frm="c", dt=MS, link=None, cut=None, wirelen=None):
        """A frame that must not count as TCP traffic; cls is the summary counter it goes to."""
        if not isinstance(ip, bytes):
            ip = bytes(ip)
        self._frame(ip, frm, link, dt, cut, wirelen)
        self.cls[cls] += 1

    def raw_tcp(self, c, frm, ip, ipb, n, dt=MS, cut=None, wirelen=None):
        """A counted segment whose IPv4 datagram was made by hand (ipb and n given)."""
        b = bytes(ip)
        frame = self._frame(b, frm, None, dt, cut, wirelen)
        c.pk[frm] += 1
        c.by[frm] += ipb
        c.pl[frm] += n
        if c.first is None:
            c.first = self.t
        c.last = self.t
        tcp_at = frame.index(b) + (b[0] & 15) * 4
        if cut is None or cut >= tcp_at + 16:
            tcp = TCP(frame[tcp_at:tcp_at + 20])
            assert not c.health.segment(0 if frm == "c" else 1, tcp.seq, tcp.ack, str(tcp.flags), n,
                                        tcp.window, self.t)

    # standard exchanges
    def handshake(self, c, **kw):
        self.tcp(c, "c", "S", **kw)
        self.tcp(c, "s", "SA", **kw)
        self.tcp(c, "c", "A", **kw)

    def close(self, c, first="c", **kw):
        other = "s" if first == "c" else "c"
        self.tcp(c, first, "FA", **kw)
        self.tcp(c, other, "FA", **kw)
        self.tcp(c, first, "A", **kw)

    # output
    def write_pcap(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, self.snaplen, self.linktype))
            for ts, cap, wl in self.recs:
                f.write(struct.pack("<IIII", ts // S, ts % S, len(cap), wl))
                f.write(cap)

    def expected(self, opts):
        conns = [c for c in self.conns if not ("-d" in opts and c.midstream)]
        rows = []
        for c in conns:
            assert c.first is not None, "%s: a connection without packets" % self.name
            rows.append(",".join(str(x) for x in [
                fmt_time(c.first), fmt_time(c.last), c.client, c.cport, c.server, c.sport, c.state,
                c.pk["c"], c.by["c"], c.pl["c"], c.pk["s"], c.by["s"], c.pl["s"], c.end] +
                c.health.columns()))
        rows.sort(key=lambda r: r.encode())
        counters = {"packets": len(self.recs), "connections": len(conns)}
        counters["tcp"] = sum(c.pk["c"] + c.pk["s"] for c in conns)
        # with -d, the segments of connections picked up mid-stream are untracked
        counters["untracked"] = sum(c.pk["c"] + c.pk["s"] for c in self.conns if c not in conns)
        counters.update(self.cls)
        return "\n".join([HEADER] + rows) + "\n", counters


CASES = []


def case(name, linktype, link, what, snaplen=262144):
    def deco(fn):
        c = Case(name, linktype, link, what, snaplen)
        fn(c)
        CASES.append(c)
        return fn
    return deco


# A variant reads another case's capture with extra arguments: (name, capture, args, what)
VARIANTS = [
    ("midstream_d", "midstream", ["-d"],
     "the midstream capture with -d: only the connection that starts with a SYN is tracked"),
]

A, B = "192.0.2.10", "198.51.100.20"          # client, server (IPv4)
A6, B6 = "2001:db8:1::10", "2001:db8:2::20"   # client, server (IPv6)


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
      "non-TCP packets move the capture clock too: UDP 5 s and 40 s after the last TCP segment end "
      "a closed connection (linger) and an unanswered SYN (syn_timeout) before the end of the file")
def _(k):
    lc = k.conn(A, 42100, B, 80, "CLOSED", end="closed")
    sy = k.conn(A, 42101, B, 80, "SYN_SENT", end="syn_timeout")
    k.handshake(lc)
    k.tcp(lc, "c", "PA", 10)
    k.close(lc, "c")
    k.tcp(sy, "c", "S")
    for i, dt in enumerate((5 * S, 35 * S)):
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


# ---- TCP health: each case where tshark's flags and the simple rule ("below the highest
# sequence number seen") could differ; tests/cmd/health.sh checks these against tshark too ----

def exchange(k, c, rtt_s, rtt_c, n=1000):
    """Client data answered by the server, then server data answered by the client: rtt_s and
    rtt_c are the server's and the client's side of the round trip (microseconds)."""
    k.tcp(c, "c", "PA", n)
    k.tcp(c, "s", "PA", n, dt=rtt_s)
    k.tcp(c, "c", "A", dt=rtt_c)


def repeated(k, c, frm, flags, waits, dt=MS):
    """A segment without payload, then the same again after each of waits (us): those are
    retransmissions."""
    k.tcp(c, frm, flags, dt=dt, advance=not waits)
    for i, w in enumerate(waits):
        k.tcp(c, frm, flags, dt=w, advance=i == len(waits) - 1, retrans=True)


@case("health_syn_retrans", LT_EN10MB, eth,
      "health: the SYN sent three times, then answered: 2 retransmissions, no server-side sample from "
      "the handshake (Karn), the handshake's length from the latest SYN; a SYN|ACK sent twice")
def _(k):
    c = k.conn(A, 43000, B, 80, "ESTABLISHED")
    repeated(k, c, "c", "S", [1 * S, 2 * S])
    k.tcp(c, "s", "SA", dt=30 * MS)
    k.tcp(c, "c", "A", dt=10 * MS)
    exchange(k, c, 30 * MS, 10 * MS)
    d = k.conn(A, 43001, B, 80, "ESTABLISHED")
    k.tcp(d, "c", "S")
    repeated(k, d, "s", "SA", [1 * S], dt=20 * MS)
    k.tcp(d, "c", "A", dt=5 * MS)
    exchange(k, d, 20 * MS, 5 * MS)


@case("health_fin_retrans", LT_EN10MB, eth,
      "health: the client's FIN sent twice, the server's FIN|ACK twice (its first lost beyond the "
      "capture point), each a retransmission of no payload")
def _(k):
    c = k.conn(A, 43010, B, 443, "CLOSED")
    k.handshake(c)
    exchange(k, c, 12 * MS, 3 * MS)
    repeated(k, c, "c", "FA", [200 * MS])
    repeated(k, c, "s", "FA", [400 * MS], dt=12 * MS)
    k.tcp(c, "c", "A", dt=3 * MS)


@case("health_window_probe", LT_EN10MB, eth,
      "health: the client's window closes; the server's 1-byte zero window probes are no "
      "retransmissions (tshark), nor the data that follows when the window opens")
def _(k):
    c = k.conn(A, 43020, B, 80, "ESTABLISHED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "PA", 1448, dt=8 * MS)
    k.tcp(c, "c", "A", dt=2 * MS, window=0)
    for wait in (200, 400, 800):
        k.tcp(c, "s", "A", 1, dt=wait * MS, advance=False)
        k.tcp(c, "c", "A", dt=2 * MS, window=0)
    k.tcp(c, "s", "A", 1, dt=1600 * MS)     # the probe byte taken this time
    k.tcp(c, "c", "A", dt=2 * MS, window=8192)
    k.tcp(c, "s", "PA", 1448, dt=1 * MS)
    k.tcp(c, "c", "A", dt=2 * MS)


@case("health_keepalive", LT_EN10MB, eth,
      "health: keep-alives of no byte and of one byte (one below the next sequence number) and "
      "their ACKs are no retransmissions; a 1-byte retransmission two below is one")
def _(k):
    c = k.conn(A, 43030, B, 22, "ESTABLISHED")
    k.handshake(c)
    exchange(k, c, 40 * MS, 2 * MS, 48)
    for n in (0, 1, 1):
        k.tcp(c, "c", "A", n, dt=75 * S, seq=(c.seq["c"] - 1) % M32, advance=False)
        k.tcp(c, "s", "A", dt=40 * MS)
    k.tcp(c, "s", "A", 0, dt=75 * S, seq=(c.seq["s"] - 1) % M32, advance=False)
    k.tcp(c, "c", "A", dt=2 * MS)
    k.tcp(c, "c", "PA", 1, seq=(c.seq["c"] - 2) % M32, advance=False, retrans=True)


@case("health_seq_wrap", LT_EN10MB, eth,
      "health: both sides' sequence numbers pass 2^32 in the middle of a segment; segments sent "
      "again before, across and after the wrap count")
def _(k):
    c = k.conn(A, 43040, B, 80, "CLOSED")
    c.seq["c"], c.seq["s"] = M32 - 250, M32 - 1000
    k.handshake(c)
    for _ in range(3):
        k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "A", dt=5 * MS)
    for _ in range(3):
        k.tcp(c, "s", "PA", 500)
    k.tcp(c, "c", "A", dt=5 * MS)
    cs, ss = c.seq["c"], c.seq["s"]
    k.tcp(c, "c", "PA", 100, seq=(cs - 300) % M32, advance=False, retrans=True)   # before 2^32
    k.tcp(c, "c", "PA", 100, seq=(cs - 200) % M32, advance=False, retrans=True)   # across it
    k.tcp(c, "c", "PA", 100, seq=(cs - 100) % M32, advance=False, retrans=True)   # after it
    k.tcp(c, "s", "PA", 500, seq=(ss - 1000) % M32, advance=False, retrans=True)  # across
    k.tcp(c, "s", "PA", 500, seq=(ss - 500) % M32, advance=False, retrans=True)   # after
    exchange(k, c, 5 * MS, 5 * MS)
    k.close(c, "c")


@case("health_midstream", LT_EN10MB, eth,
      "health: connections picked up mid-stream: one whose first segment is data the client had "
      "acknowledged (spurious), one that starts with keep-alives; samples from the first timed segment")
def _(k):
    c = k.conn(A, 50000, B, 443, "ESTABLISHED", midstream=True)
    k.tcp(c, "c", "A")                                 # acknowledges what the server sent
    k.tcp(c, "s", "PA", 1448, seq=(c.seq["s"] - 1448) % M32, advance=False, retrans=True, dt=20 * MS)
    k.tcp(c, "s", "PA", 1448, dt=1 * MS)
    k.tcp(c, "c", "A", dt=15 * MS)
    exchange(k, c, 25 * MS, 15 * MS)
    k.tcp(c, "s", "PA", 1448, seq=(c.seq["s"] - 1448) % M32, advance=False, retrans=True, dt=300 * MS)
    e = k.conn(A, 50001, B, 443, "ESTABLISHED", midstream=True)
    k.tcp(e, "s", "A", 0, seq=(e.seq["s"] - 1) % M32, advance=False)   # a keep-alive
    k.tcp(e, "c", "A", dt=30 * MS)
    # one byte there: tshark knows no nxt but the keep-alive's seq, and flags the acknowledged byte
    k.tcp(e, "s", "A", 1, seq=(e.seq["s"] - 1) % M32, advance=False, dt=75 * S, retrans=True)
    k.tcp(e, "c", "A", dt=30 * MS)
    exchange(k, e, 28 * MS, 2 * MS, 200)


@case("health_reorder", LT_EN10MB, eth,
      "health: segments reordered on the way (a hole filled late), an overlapping one, and data "
      "starting one below the highest sequence number seen (which tshark does not flag)")
def _(k):
    c = k.conn(A, 43050, B, 80, "ESTABLISHED")
    k.handshake(c)
    s0 = c.seq["s"]
    k.tcp(c, "s", "PA", 1000, seq=s0, advance=False)
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 2000) % M32, advance=False)            # ahead of a hole
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 1000) % M32, advance=False, retrans=True)  # the hole, late
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 3000) % M32, advance=False)
    k.tcp(c, "c", "A", ack=(s0 + 4000) % M32, dt=10 * MS)
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 3500) % M32, advance=False, retrans=True)  # overlaps
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 4499) % M32, advance=False)            # one below nxt
    c.seq["s"] = s0 + 5499
    k.tcp(c, "c", "A", dt=10 * MS)
    exchange(k, c, 10 * MS, 10 * MS)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
    os.makedirs(out, exist_ok=True)
    by_name = {c.name: c for c in CASES}
    readme = []
    jobs = [(c.name, c, [], c.what) for c in CASES] + [(n, by_name[cap], args, what) for n, cap, args, what in VARIANTS]
    for c in CASES:
        c.write_pcap(os.path.join(out, c.name + ".pcap"))
    for name, c, args, what in jobs:
        exp, counters = c.expected(args)
        with open(os.path.join(out, name + ".expected"), "w") as f:
            f.write(exp)
        with open(os.path.join(out, name + ".counters"), "w") as f:
            f.write(" ".join("%s=%d" % kv for kv in counters.items()) + "\n")
        readme.append("%-24s %s%s" % (name, ("(%s.pcap %s) " % (c.name, " ".join(args))) if args else "", what))
    with open(os.path.join(out, "README"), "w") as f:
        f.write(README_HEAD + "\n".join(readme) + "\n" + README_TAIL)
    return readme


README_HEAD = """Golden captures of tests/cmd/golden.sh.

Made by tests/make-golden.py with scapy (Debian's python3-scapy), never edited by hand:
    /usr/bin/python3 tests/make-golden.py
rewrites every file here, byte-identical on every run (fixed addresses, sequence numbers and
timestamps from 1700000000.000000, one packet a millisecond unless a case says otherwise).

NAME.pcap      the capture
NAME.expected  the connection log tcptrack must write (-o csv:mode=connections,file=...),
               header first; golden.sh compares the rows sorted
NAME.counters  the counters of the summary tcptrack prints last on stderr that must match
The expectations come from the packets as built (see make-golden.py), not from tcptrack.
Cases that read another case's capture with extra arguments are marked (capture args).

"""

README_TAIL = """
Where ../shared/checks/tshark-oracle disagrees, by design:
  fragment_rst            tshark gives a first fragment no tcp.len; its 44 payload bytes count here
  ip6in4                  the oracle takes the outer IPv4 header when an IPv6 one is inside it
  tcp_options_bad_offset  tshark still counts segments with a bogus data offset as TCP
  truncated               tshark gives no tcp.len when the capture ends inside the TCP header
"""


if __name__ == "__main__":
    for line in main():
        print(line)
