#!/usr/bin/python3
# The machinery of the golden captures (tests/make-golden.py makes them): the link layers,
# tshark's TCP analysis as tcptrack.conf(5) states it (for the health columns), connections and
# cases as they must appear in the log, and the writer of tests/golden.

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
            ip = IPv6(src=src, dst=dst, hlim=64, plen=iplen)
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

A, B = "192.0.2.10", "198.51.100.20"          # client, server (IPv4)
A6, B6 = "2001:db8:1::10", "2001:db8:2::20"   # client, server (IPv6)


def main(variants):
    """Write every case (and the variants: (name, capture, args, what)) into the folder."""
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
    os.makedirs(out, exist_ok=True)
    by_name = {c.name: c for c in CASES}
    readme = []
    jobs = [(c.name, c, [], c.what) for c in CASES] + [(n, by_name[cap], args, what) for n, cap, args, what in variants]
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
  pppoe_short_len         tshark cuts the TCP payload at the PPPoE session length; the IP header counts here
  chdlc_dir               tshark does not read link type 205 (tcpdump does)
"""
