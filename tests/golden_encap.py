# The golden captures of the encapsulations (made with the others by tests/make-golden.py): UDP
# tunnels, GRE payloads other than IP, link types, layer-2 shims, AH in IPv4 and a first fragment
# cut inside the TCP header.  tests/cmd/encap.sh compares each with tshark too.

import zlib

from golden_build import *  # noqa: F401,F403
from golden_build import AH, IP, MS, TCP, UDP, Ether, IPv6, Raw, eth, ip_bytes_of, macs, pad60, raw, struct

# link types (pcap LINKTYPE_ values) of these cases
LT_FDDI, LT_ATM_RFC1483, LT_PPP, LT_C_HDLC, LT_IEEE802_11, LT_PFLOG, LT_RADIOTAP = 10, 100, 9, 104, 105, 117, 127
LT_ARCNET_LINUX, LT_JUNIPER_ETHER, LT_PPI, LT_PPP_WITH_DIR, LT_C_HDLC_WITH_DIR = 129, 178, 192, 204, 205
LT_NFLOG, LT_IPOIB, LT_ERF, LT_PKTAP, LT_PKTAP_DARWIN = 239, 242, 197, 258, 149
LT_PRISM, LT_IEEE802_11_AVS, LT_IPNET, LT_FRELAY = 119, 163, 226, 107

# the outer addresses of the tunnels
OC, OS = "203.0.113.1", "203.0.113.2"


def v6(ip):
    return ip[0] >> 4 == 6


def basic(k, port, v4=True, v6_too=True, close=True):
    """An IPv4 connection (handshake, data both ways, FIN close) and an IPv6 one (handshake and
    data), interleaved: every encapsulation carries both families."""
    c = k.conn(A, port, B, 80, "CLOSED" if close else "ESTABLISHED") if v4 else None
    d = k.conn(A6, port + 1, B6, 443, "ESTABLISHED") if v6_too else None
    for x in (c, d):
        if x:
            k.handshake(x)
    for x in (c, d):
        if x:
            k.tcp(x, "c", "PA", 100 + port % 7)
            k.tcp(x, "s", "PA", 1000 + port % 5)
    if c and close:
        k.close(c, "c")


def outer_udp(sport, dport, payload, frm):
    """Ethernet / outer IPv4 / UDP carrying payload (bytes), from the tunnel's end frm."""
    src, dst = (OC, OS) if frm == "c" else (OS, OC)
    return pad60(bytes(Ether(src=macs(frm)[0], dst=macs(frm)[1]) /
                       IP(src=src, dst=dst, ttl=64, id=0x3000, flags="DF") /
                       UDP(sport=sport, dport=dport) / Raw(payload)))


def outer_gre(flags_ver, proto, opt, payload, frm):
    """Ethernet / outer IPv4 / GRE (RFC 2784, 2890) with the optional fields opt."""
    src, dst = (OC, OS) if frm == "c" else (OS, OC)
    return pad60(bytes(Ether(src=macs(frm)[0], dst=macs(frm)[1]) /
                       IP(src=src, dst=dst, ttl=64, id=0x3000, proto=47) /
                       Raw(struct.pack(">HH", flags_ver, proto) + opt + payload)))


def inner_eth(ip, frm):
    src, dst = macs(frm)
    return bytes(Ether(src=src, dst=dst, type=0x86dd if v6(ip) else 0x0800) / Raw(ip))


def et_of(ip):
    return 0x86dd if v6(ip) else 0x0800


def snap(ip):
    """LLC/SNAP (RFC 1042) before ip"""
    return b"\xaa\xaa\x03\x00\x00\x00" + struct.pack(">H", et_of(ip)) + ip


def mac(m):
    return bytes.fromhex(m.replace(":", ""))


# ---- UDP tunnels on their registered ports ----

def vxlan(port=4789):
    def f(ip, frm):
        hdr = struct.pack(">BBHI", 0x08, 0, 0, 4242 << 8)  # I flag, VNI 4242
        return outer_udp(49152 + (frm == "s"), port, hdr + inner_eth(ip, frm), frm)
    return f


@case("vxlan", LT_EN10MB, vxlan(), "VXLAN (UDP 4789, RFC 7348): the inner Ethernet frame's connections")
def _(k):
    basic(k, 44000)


@case("vxlan_8472", LT_EN10MB, vxlan(8472),
      "VXLAN on UDP 8472 (Linux's default): with udp_tunnels = vxlan:4789,8472 as vxlan "
      "(tests/cmd/encap.sh: by default, UDP only)")
def _(k):
    basic(k, 44010)


def geneve(ip, frm):
    # version 0, one 8-byte option (2 words), protocol: Ethernet (IPv4) or IPv6 directly
    opt = struct.pack(">HBB", 0x0102, 0x03, 1) + b"\xaa\xbb\xcc\xdd"
    if v6(ip):
        hdr = struct.pack(">BBHI", 2, 0, 0x86dd, 77 << 8)
        return outer_udp(49152, 6081, hdr + opt + ip, frm)
    hdr = struct.pack(">BBHI", 2, 0, 0x6558, 77 << 8)
    return outer_udp(49152, 6081, hdr + opt + inner_eth(ip, frm), frm)


@case("geneve", LT_EN10MB, geneve,
      "Geneve (UDP 6081, RFC 8926) with an option: Ethernet inside (IPv4), and IPv6 directly")
def _(k):
    basic(k, 44020)


def gtpu(ip, frm):
    if frm == "c":
        # with a sequence number and a PDU session container extension (3GPP TS 38.415)
        ext = struct.pack(">BBBB", 1, 0x10, 9, 0)
        rest = struct.pack(">HBB", 7, 0, 0x85) + ext + ip
        hdr = struct.pack(">BBHI", 0x36, 0xff, len(rest), 0x1234)
    else:
        rest = ip
        hdr = struct.pack(">BBHI", 0x30, 0xff, len(rest), 0x5678)
    return outer_udp(2152, 2152, hdr + rest, frm)


@case("gtpu", LT_EN10MB, gtpu,
      "GTP-U (UDP 2152) T-PDUs: uplink with a sequence number and an extension header, downlink plain")
def _(k):
    basic(k, 44030)


def gre_udp(ip, frm):
    return outer_udp(50000, 4754, struct.pack(">HH", 0, et_of(ip)) + ip, frm)


@case("gre_udp", LT_EN10MB, gre_udp, "GRE in UDP (UDP 4754, RFC 8086) carrying IPv4 and IPv6")
def _(k):
    basic(k, 44040)


def teredo(ip, frm):
    # the server's packets carry an origin indication (RFC 4380 5.1.1)
    origin = struct.pack(">HH4s", 0, 0xffff ^ 40000, bytes(b ^ 0xff for b in bytes([192, 0, 2, 77])))
    return outer_udp(3544, 40000, (origin if frm == "s" else b"") + ip, frm)


@case("teredo", LT_EN10MB, teredo, "Teredo (UDP 3544, RFC 4380): IPv6, with and without an origin indication")
def _(k):
    basic(k, 44050, v4=False)


def ayiya(ip, frm):
    # identity length 2^4 = 16 (an IPv6 address), signature 5 words (SHA-1), forward
    ident = bytes(16)
    sig = bytes(20)
    hdr = struct.pack(">BBBBI", 0x41, 0x52, 0x11, 41 if v6(ip) else 4, 1700000000)
    return outer_udp(5072, 5072, hdr + ident + sig + ip, frm)


@case("ayiya", LT_EN10MB, ayiya, "AYIYA (UDP 5072): IPv6 and IPv4 forwarded behind identity and signature")
def _(k):
    basic(k, 44060)


def capwap(ip, frm):
    if frm == "c":
        # wireless binding (T = 1, WBID 1): an 802.11 data frame to the DS, its frame control
        # bytes swapped as Cisco's access points send them (and tshark reads them by default)
        hlen, wbid, t = 2, 1, 1
        src, dst = macs(frm)
        frame = struct.pack("<BBH", 0x01, 0x08, 0) + mac(dst) + mac(src) + mac(dst) + struct.pack("<H", 0x10) + snap(ip)
    else:
        # native 802.3 frame (T = 0)
        hlen, wbid, t = 2, 1, 0
        frame = inner_eth(ip, frm)
    v = hlen << 19 | wbid << 9 | t << 8
    hdr = struct.pack(">BBH", 0, v >> 16, v & 0xffff) + struct.pack(">HH", 0, 0)
    return outer_udp(5247 if frm == "c" else 12223, 12223 if frm == "c" else 5247, hdr + frame, frm)


@case("capwap", LT_EN10MB, capwap,
      "CAPWAP data (UDP 5247, RFC 5415): 802.11 frames (wireless binding, Cisco's byte order) one way, "
      "802.3 the other")
def _(k):
    basic(k, 44070)


def l2tp(ip, frm):
    # version 2 data messages (RFC 2661 3.1): the client's with length, Ns and Nr and PPP's
    # HDLC-like framing, the server's with a 2-byte offset pad and the bare PPP protocol
    proto = struct.pack(">H", 0x57 if v6(ip) else 0x21)
    if frm == "c":
        ppp = b"\xff\x03" + proto + ip
        return outer_udp(1701, 1701, struct.pack(">HHHHHH", 0x4802, 12 + len(ppp), 5, 6, 1, 2) + ppp, frm)
    return outer_udp(1701, 1701, struct.pack(">HHHH", 0x0202, 7, 8, 2) + b"\0\0" + proto + ip, frm)


@case("l2tp", LT_EN10MB, l2tp, "L2TP version 2 data messages (UDP 1701, RFC 2661) carrying PPP: IPv4 and IPv6; "
      "a control message is not TCP")
def _(k):
    basic(k, 44080)
    # a Hello (control: T, L and S set, one message type AVP)
    hello = struct.pack(">HHHHHH", 0xc802, 20, 5, 0, 3, 4) + struct.pack(">HHHH", 0x8008, 0, 0, 6)
    k.other(outer_udp(1701, 1701, hello, "c"), "non_tcp", link=raw)


def vxlan_gpe(ip, frm):
    # I and P flags; next protocol IPv4 (1) or IPv6 (2) from the client, Ethernet (3) from the server
    if frm == "c":
        return outer_udp(49152, 4790, struct.pack(">BBBBI", 0x0c, 0, 0, 2 if v6(ip) else 1, 77 << 8) + ip, frm)
    return outer_udp(49153, 4790, struct.pack(">BBBBI", 0x0c, 0, 0, 3, 77 << 8) + inner_eth(ip, frm), frm)


@case("vxlan_gpe", LT_EN10MB, vxlan_gpe, "VXLAN-GPE (UDP 4790): IP directly one way, Ethernet the other")
def _(k):
    basic(k, 44090)


# ---- GRE payloads other than IP ----

@case("gre_teb", LT_EN10MB, lambda ip, frm: outer_gre(0x2000, 0x6558, struct.pack(">I", 9), inner_eth(ip, frm), frm),
      "GRE with a key carrying Ethernet (transparent Ethernet bridging, 0x6558)")
def _(k):
    basic(k, 44100)


@case("erspan1", LT_EN10MB, lambda ip, frm: outer_gre(0x0000, 0x88be, b"", inner_eth(ip, frm), frm),
      "ERSPAN type I: GRE 0x88be without a sequence number, the mirrored frame right after")
def _(k):
    basic(k, 44110)


def erspan2(ip, frm):
    hdr = struct.pack(">HHI", 0x1000 | 10, 0x0000 | 5, 0)   # version 1, VLAN 10, session 5
    return outer_gre(0x1000, 0x88be, struct.pack(">I", 1), hdr + inner_eth(ip, frm), frm)


@case("erspan2", LT_EN10MB, erspan2, "ERSPAN type II: GRE 0x88be with a sequence number and an 8-byte header")
def _(k):
    basic(k, 44120)


def erspan3(ip, frm):
    # version 2, VLAN 10, session 5, timestamp, SGT; frame type 0; the client's with the O bit
    # and an 8-byte platform subheader
    o = frm == "c"
    hdr = struct.pack(">HHIHH", 0x2000 | 10, 5, 1234, 0, 1 if o else 0)
    if o:
        hdr += struct.pack(">II", 3 << 26, 0)
    return outer_gre(0x1000, 0x22eb, struct.pack(">I", 1), hdr + inner_eth(ip, frm), frm)


@case("erspan3", LT_EN10MB, erspan3, "ERSPAN type III (GRE 0x22eb), with and without the platform subheader")
def _(k):
    basic(k, 44130)


def erspan3_ip(ip, frm):
    # frame type 2: the mirrored IP datagram without its Ethernet header
    hdr = struct.pack(">HHIHH", 0x2000 | 10, 5, 1234, 0, 2 << 10)
    return outer_gre(0x1000, 0x22eb, struct.pack(">I", 1), hdr + ip, frm)


@case("erspan3_ip", LT_EN10MB, erspan3_ip, "ERSPAN type III of frame type 2 (IP): the datagram without Ethernet "
      "(tshark shows it as data)")
def _(k):
    basic(k, 44170)


@case("wccp", LT_EN10MB, lambda ip, frm: outer_gre(0, 0x883e, b"", struct.pack(">I", 0x00010000) + ip, frm),
      "WCCP v2 redirect (GRE 0x883e): a 4-byte redirect header, then IPv4")
def _(k):
    basic(k, 44140, v6_too=False)


def gre_mpls(ip, frm):
    # RFC 4023: a label stack of two, then IP
    labels = struct.pack(">II", (16 << 12) | 64, (3000 << 12) | (1 << 8) | 64)
    return outer_gre(0, 0x8847, b"", labels + ip, frm)


@case("gre_mpls", LT_EN10MB, gre_mpls, "MPLS in GRE (0x8847, RFC 4023): two labels, then IPv4 and IPv6")
def _(k):
    basic(k, 44150)


def gre_routing(ip, frm):
    # RFC 1701 with the routing bit: checksum and offset (present with R alone), a key, then
    # source route entries (an IPv4 one from the client) up to the null entry
    sre = struct.pack(">HBB", 0x0800, 0, 8) + bytes([203, 0, 113, 9, 203, 0, 113, 10]) if frm == "c" else b""
    return outer_gre(0x6000, et_of(ip), struct.pack(">HHI", 0, 0, 5) + sre + struct.pack(">HBB", 0, 0, 0), ip, frm)


@case("gre_routing", LT_EN10MB, gre_routing, "GRE with RFC 1701 source routing (the R bit) and a key")
def _(k):
    basic(k, 44180)


def pptp(ip, frm):
    # enhanced GRE (RFC 2637 4.1): key (payload length, call), a sequence number, and from the
    # client an acknowledgement number too; PPP with HDLC-like framing
    ppp = b"\xff\x03" + struct.pack(">H", 0x57 if v6(ip) else 0x21) + ip
    if frm == "c":
        opt = struct.pack(">HHII", len(ppp), 7, 11, 21)
        return outer_gre(0x3081, 0x880b, opt, ppp, frm)
    return outer_gre(0x3001, 0x880b, struct.pack(">HHI", len(ppp), 9, 31), ppp, frm)


@case("pptp", LT_EN10MB, pptp,
      "PPTP (GRE version 1) carrying PPP: IPv4 and IPv6; an acknowledgement alone is not TCP, "
      "encrypted PPP (MPPE) unsupported")
def _(k):
    basic(k, 44160)
    k.other(outer_gre(0x2081, 0x880b, struct.pack(">HHI", 0, 7, 12), b"", "c"), "non_tcp", link=raw)
    mppe = b"\xff\x03\x00\xfd" + bytes(40)
    k.other(outer_gre(0x3001, 0x880b, struct.pack(">HHI", len(mppe), 9, 32), mppe, "s"), "unsupported", frm="s",
            link=raw)


# ---- link types ----

def chdlc(ip, frm):
    return struct.pack(">BBH", 0x0f, 0, et_of(ip)) + ip


@case("chdlc", LT_C_HDLC, chdlc, "Cisco HDLC (link type 104): IPv4 and IPv6")
def _(k):
    basic(k, 44200)


@case("ppp_chdlc", LT_PPP, chdlc, "Cisco HDLC framing in a PPP capture (link type 9), told by its address byte")
def _(k):
    basic(k, 44210)


def frelay(ip, frm):
    # DLCI 16: the client's IPv4 by RFC 2427's NLPID (0xcc), its IPv6 by SNAP after a pad, with a
    # 3-byte address; the server's by Cisco's encapsulation (an Ethernet type)
    if frm == "s":
        return struct.pack(">HH", 0x0401, et_of(ip)) + ip
    if v6(ip):
        return struct.pack(">BBBBBB", 0x04, 0x00, 0x01, 0x03, 0x00, 0x80) + b"\0\0\0" + struct.pack(">H", et_of(ip)) + ip
    return struct.pack(">HBB", 0x0401, 0x03, 0xcc) + ip


@case("frelay", LT_FRELAY, frelay, "Frame Relay (link type 107): RFC 2427 NLPID and SNAP, Cisco's encapsulation")
def _(k):
    basic(k, 44540)


def nflog_of(order):
    """NFLOG with its attributes' lengths and types in the byte order of the capturing host
    ("<" little-endian, ">" big-endian)"""
    def f(ip, frm):
        def tlv(t, v):
            b = struct.pack(order + "HH", 4 + len(v), t) + v
            return b + b"\0" * (-len(b) % 4)
        hdr = struct.pack(">BBH", 10 if v6(ip) else 2, 0, 1)
        return hdr + tlv(1, struct.pack(">HBB", et_of(ip), 3, 0)) + tlv(10, b"tt\0") + tlv(9, ip)
    return f


nflog = nflog_of("<")


@case("nflog", LT_NFLOG, nflog, "NFLOG (link type 239): the payload attribute after the others")
def _(k):
    basic(k, 44220)


@case("ipoib", LT_IPOIB, lambda ip, frm: bytes(range(40)) + struct.pack(">HH", et_of(ip), 0) + ip,
      "IP over InfiniBand (link type 242), 44-byte header")
def _(k):
    basic(k, 44230)


@case("nflog_be", LT_NFLOG, nflog_of(">"), "NFLOG (link type 239) of a big-endian host (tshark reads the attributes "
      "in the byte order of the host it runs on)")
def _(k):
    basic(k, 44560)


def ipnet(ip, frm):
    # version 2, Solaris's address family (2, or 26 for IPv6), hook (outbound 2, inbound 0),
    # length, interface, group interface, source and destination zones
    return struct.pack(">BBHIIIII", 2, 26 if v6(ip) else 2, 2 if frm == "c" else 0, len(ip), 3, 0, 0, 0) + ip


@case("null_af10", LT_NULL, lambda ip, frm: struct.pack("<I", 10 if v6(ip) else 2) + ip,
      "BSD loopback (link type 0) with Linux's AF_INET6 (10) for IPv6 (tshark does not read it)")
def _(k):
    basic(k, 44600)


@case("ipnet", LT_IPNET, ipnet, "Solaris IPNET (link type 226): IPv4 and IPv6")
def _(k):
    basic(k, 44490)


def fddi(ip, frm):
    src, dst = macs(frm)
    return b"\x50" + mac(dst) + mac(src) + snap(ip)


@case("fddi", LT_FDDI, fddi, "FDDI (link type 10): LLC/SNAP after the 13-byte header")
def _(k):
    basic(k, 44240)


def ppi(ip, frm):
    return struct.pack("<BBHI", 0, 0, 8, 1) + eth(ip, frm)


@case("ppi", LT_PPI, ppi, "PPI (link type 192) wrapping Ethernet")
def _(k):
    basic(k, 44250)


def juniper(ip, frm):
    if frm == "c":   # with an extension (an interface index)
        return b"MGC" + bytes([0x81]) + struct.pack(">HBBI", 6, 1, 4, 7) + eth(ip, frm)
    return b"MGC" + bytes([0x00]) + eth(ip, frm)


@case("juniper_ether", LT_JUNIPER_ETHER, juniper, "Juniper Ethernet (link type 178), with and without extensions")
def _(k):
    basic(k, 44260)


def arcnet(ip, frm):
    return struct.pack(">BBHBBH", 1 if frm == "c" else 2, 2 if frm == "c" else 1, 0,
                       0xc4 if v6(ip) else 0xd4, 0, 0) + ip


@case("arcnet", LT_ARCNET_LINUX, arcnet, "Linux ARCNET (link type 129): RFC 1201 IP and IPv6")
def _(k):
    basic(k, 44270)


@case("ppp_dir", LT_PPP_WITH_DIR, lambda ip, frm: bytes([frm == "c"]) + b"\xff\x03" +
      struct.pack(">H", 0x57 if v6(ip) else 0x21) + ip, "PPP with a direction byte (link type 204)")
def _(k):
    basic(k, 44280)


@case("chdlc_dir", LT_C_HDLC_WITH_DIR, lambda ip, frm: bytes([frm == "c"]) + chdlc(ip, frm),
      "Cisco HDLC with a direction byte (link type 205)")
def _(k):
    basic(k, 44290)


def pflog(ip, frm):
    hdr = struct.pack(">BBBB16s16sIIIIIIB3s", 61, 24 if v6(ip) else 2, 0, 1, b"em0", b"", 0, 0, 0, 0, 0, 0, 1, b"")
    return hdr + ip


@case("pflog", LT_PFLOG, pflog, "OpenBSD pflog (link type 117): header length, address family, then IP")
def _(k):
    basic(k, 44300)


@case("atm_rfc1483", LT_ATM_RFC1483, lambda ip, frm: snap(ip),
      "ATM RFC 1483 (link type 100, DLT_ATM_RFC1483 11): LLC/SNAP")
def _(k):
    basic(k, 44310)


def wlan(ip, frm):
    src, dst = macs(frm)
    if frm == "c":   # QoS data to the DS
        hdr = struct.pack("<BBH", 0x88, 0x01, 0) + mac(dst) + mac(src) + mac(dst) + struct.pack("<HH", 0x20, 0)
    else:            # data from the DS
        hdr = struct.pack("<BBH", 0x08, 0x02, 0) + mac(dst) + mac(dst) + mac(src) + struct.pack("<H", 0x30)
    return hdr + snap(ip)


@case("ieee80211", LT_IEEE802_11, wlan, "IEEE 802.11 data frames (link type 105), QoS and not")
def _(k):
    basic(k, 44320)


@case("radiotap", LT_RADIOTAP, lambda ip, frm: struct.pack("<BBHI", 0, 0, 8, 0) + wlan(ip, frm),
      "radiotap (link type 127) before 802.11 data frames")
def _(k):
    basic(k, 44330)


def prism(ip, frm):
    # Prism's header: message code, length 144 (little-endian), device, ten items of 12 bytes
    hdr = struct.pack("<II16s", 0x41, 144, b"wlan0")
    return hdr + b"\0" * (144 - len(hdr)) + wlan(ip, frm)


def avs(ip, frm):
    # AVS version 1 (0x80211001), length 64 (big-endian), then its fields
    hdr = struct.pack(">II", 0x80211001, 64)
    return hdr + b"\0" * (64 - len(hdr)) + wlan(ip, frm)


@case("prism", LT_PRISM, prism, "Prism (link type 119) before 802.11 data frames")
def _(k):
    basic(k, 44460)


@case("avs", LT_IEEE802_11_AVS, avs, "AVS (link type 163) before 802.11 data frames")
def _(k):
    basic(k, 44470)


@case("prism_avs", LT_PRISM, avs, "AVS headers where Prism was announced (link type 119), as drivers write them")
def _(k):
    basic(k, 44480)


def wlan_amsdu(ip, frm):
    # the client's QoS data frames are A-MSDUs (QoS control bit 7) of one subframe: destination,
    # source, length, then LLC/SNAP
    if frm == "s":
        return wlan(ip, frm)
    src, dst = macs(frm)
    hdr = struct.pack("<BBH", 0x88, 0x01, 0) + mac(dst) + mac(src) + mac(dst) + struct.pack("<HH", 0x20, 0x80)
    return hdr + mac(dst) + mac(src) + struct.pack(">H", len(snap(ip))) + snap(ip)


@case("ieee80211_amsdu", LT_IEEE802_11, wlan_amsdu, "IEEE 802.11 (link type 105) A-MSDUs of one subframe")
def _(k):
    basic(k, 44590)


def radiotap_pad(ip, frm):
    # the flags field with data pad (0x20): the 802.11 header is padded to 4 bytes (the client's
    # QoS header of 26 by 2, the server's of 24 by none); the client's after a TSFT and a second
    # presence word
    if frm == "c":
        rt = struct.pack("<BBHIIIQB", 0, 0, 25, 0x80000003, 0, 0, 1700000000, 0x20)
    else:
        rt = struct.pack("<BBHIB", 0, 0, 9, 0x00000002, 0x20)
    hdr = wlan(ip, frm)[:-len(snap(ip))]
    return rt + hdr + b"\0" * (-len(hdr) % 4) + snap(ip)


@case("radiotap_pad", LT_RADIOTAP, radiotap_pad,
      "radiotap (link type 127) with the data pad flag: the 802.11 header padded to 4 bytes")
def _(k):
    basic(k, 44360)


def sll_llc(ip, frm):
    # protocol 4 (ETH_P_802_2): an LLC/SNAP frame after the header
    return struct.pack(">HHH8sH", 4 if frm == "c" else 0, 1, 6, mac(macs(frm)[0]) + b"\0\0", 4) + snap(ip)


def sll2_llc(ip, frm):
    return struct.pack(">HHIHBB8s", 4, 0, 3, 1, 4 if frm == "c" else 0, 6, mac(macs(frm)[0]) + b"\0\0") + snap(ip)


@case("sll_llc", LT_SLL, sll_llc, "Linux cooked (link type 113) with protocol 4: LLC/SNAP after the header")
def _(k):
    basic(k, 44340)


@case("sll2_llc", LT_SLL2, sll2_llc, "Linux cooked v2 (link type 276) with protocol 4: LLC/SNAP after the header")
def _(k):
    basic(k, 44350)


def erf(ip, frm):
    # ERF records: the client's IPv4 (22) and HDLC over SONET with PPP (1, IPv6); the server's
    # Ethernet (2, IPv4) and coloured Ethernet (16, IPv6) with two extension headers, both with
    # their 2 bytes of offset and pad and the frame check sequence
    ext = b""
    if frm == "c" and not v6(ip):
        t, rec = 22, ip
    elif frm == "c":
        t, rec = 1, b"\xff\x03\x00\x57" + ip
    else:
        fr = eth(ip, frm)
        t, rec = (16, b"\0\0" + fr + struct.pack("<I", zlib.crc32(fr)))
        if v6(ip):
            t |= 0x80
            ext = struct.pack(">BBHI", 0x80 | 0x05, 0, 0, 7) + struct.pack(">BBHI", 0x0a, 0, 0, 9)
        else:
            t = 2
    wire = len(rec) - 2 if t & 0x7f in (2, 16) else len(rec)
    return struct.pack("<Q", 1700000000 << 32) + struct.pack(">BBHHH", t, 0x04, 16 + len(ext) + len(rec), 0,
                                                            wire) + ext + rec


@case("erf", LT_ERF, erf, "ERF (link type 197): IPv4, HDLC over SONET, Ethernet and coloured Ethernet records, "
      "extension headers")
def _(k):
    basic(k, 44370)


def pktap(ip, frm):
    # header length 108, a packet record (1), the link type after it (Ethernet, or BSD loopback
    # for the client's IPv6), interface and process fields
    if frm == "c" and v6(ip):
        lt, fr = 0, struct.pack("<I", 30) + ip
    else:
        lt, fr = 1, eth(ip, frm)
    hdr = struct.pack("<III24sIIIII", 108, 1, lt, b"en0", 0, 4, 0, 1234, 0)
    return hdr + b"\0" * (108 - len(hdr)) + fr


@case("pktap", LT_PKTAP, pktap, "Apple's PKTAP (link type 258) before Ethernet and BSD loopback")
def _(k):
    basic(k, 44380)


@case("pktap_darwin", LT_PKTAP_DARWIN, pktap, "Apple's PKTAP as Apple's libpcap writes it (link type 149)")
def _(k):
    basic(k, 44390)


# ---- layer-2 shims ----

def shim(et, tag):
    """Ethernet, a shim of type et (tag: its bytes after the type), then the frame's type."""
    def f(ip, frm):
        src, dst = macs(frm)
        return pad60(bytes(Ether(src=src, dst=dst, type=et) / Raw(tag(ip, frm))))
    return f


@case("pbb", LT_EN10MB, shim(0x88e7, lambda ip, frm: struct.pack(">I", 0x00012345) + inner_eth(ip, frm)),
      "802.1ah provider backbone bridging (0x88e7): I-TAG, then the customer's frame")
def _(k):
    basic(k, 44400)


@case("fabricpath", LT_EN10MB, shim(0x8903, lambda ip, frm: struct.pack(">H", 0x0410) + inner_eth(ip, frm) +
                                    b"\x0f\xcb\x5a\x01"),
      "Cisco FabricPath (0x8903): FTag and TTL, then the original frame with its frame check sequence")
def _(k):
    basic(k, 44410)


@case("etag", LT_EN10MB, shim(0x893f, lambda ip, frm: struct.pack(">HHH", 0, 0x0123, 0) + struct.pack(">H", et_of(ip)) + ip),
      "802.1BR E-Tag (0x893f)")
def _(k):
    basic(k, 44420)


@case("vntag", LT_EN10MB, shim(0x8926, lambda ip, frm: struct.pack(">I", 0x00050000) + struct.pack(">H", et_of(ip)) + ip),
      "VN-Tag (0x8926)")
def _(k):
    basic(k, 44430)


@case("vlan_9200", LT_EN10MB, shim(0x9200, lambda ip, frm: struct.pack(">HH", 0x0005, et_of(ip)) + ip),
      "a tag of TPID 0x9200 (old QinQ; tshark does not read it)")
def _(k):
    basic(k, 44570)


@case("mpls_ppp", LT_PPP, lambda ip, frm: b"\xff\x03\x02\x81" + struct.pack(">I", (3000 << 12) | (1 << 8) | 64) + ip,
      "MPLS over PPP (protocol 0x0281), one label")
def _(k):
    basic(k, 44440)


def llc_8021h(ip, frm):
    # IEEE 802.1H bridge tunnelling: SNAP with OUI 00-00-f8
    src, dst = macs(frm)
    return pad60(bytes(Ether(src=src, dst=dst, type=8 + len(ip)) / Raw(b"\xaa\xaa\x03\x00\x00\xf8" +
                                                                   struct.pack(">H", et_of(ip)) + ip)))


@case("llc_8021h", LT_EN10MB, llc_8021h, "802.3 with LLC/SNAP under OUI 00-00-f8 (IEEE 802.1H bridge tunnelling)")
def _(k):
    basic(k, 44450)


# ---- IPv4 AH, fragments, lengths ----

@case("ah4", LT_EN10MB, eth, "IPsec AH in IPv4 (protocol 51): the TCP behind it is cleartext")
def _(k):
    c = k.conn(A, 44500, B, 80, "CLOSED")
    ah = lambda i: AH(nh=6, payloadlen=4, spi=0x100, seq=i, icv=b"\x5a" * 12)  # noqa: E731
    k.tcp(c, "c", "S", ext=ah(1))
    k.tcp(c, "s", "SA", ext=ah(1))
    k.tcp(c, "c", "A", ext=ah(2))
    k.tcp(c, "c", "PA", 300, ext=ah(3))
    k.tcp(c, "s", "PA", 700, ext=ah(2))
    k.close(c, "s")


@case("frag_syn", LT_EN10MB, eth,
      "a SYN cut into IPv4 fragments, the first holding 16 bytes of its header (ports, flags, window): "
      "the first opens the connection with no payload, the second is a fragment")
def _(k):
    c = k.conn(A, 44510, B, 80, "ESTABLISHED")
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]
    seg = bytes(c.segment("c", "S", options=opts))
    assert len(seg) == 60
    first = IP(src=A, dst=B, id=0x4500, proto=6, flags="MF", frag=0, ttl=64) / Raw(seg[20:36])
    last = IP(src=A, dst=B, id=0x4500, proto=6, flags=0, frag=2, ttl=64) / Raw(seg[36:])
    k.raw_tcp(c, "c", first, 36, 0)
    k.other(last, "fragments")
    k.tcp(c, "s", "SA")
    k.tcp(c, "c", "A")
    k.tcp(c, "c", "PA", 50)
    k.tcp(c, "s", "PA", 60)


@case("esp", LT_EN10MB, eth, "IPsec ESP (protocol 50) in IPv4 and in IPv6: encrypted, unsupported in both; a "
      "connection in the clear beside them")
def _(k):
    c = k.conn(A, 44530, B, 80, "ESTABLISHED")
    k.handshake(c)
    esp = Raw(struct.pack(">II", 0x100, 1) + bytes(48))
    k.other(IP(src=A, dst=B, id=0x4600, proto=50, ttl=64) / esp, "unsupported")
    k.other(IPv6(src=A6, dst=B6, nh=50, hlim=64) / esp, "unsupported")
    k.tcp(c, "c", "PA", 40)


def eth_v4type(ip, frm):
    # Ethernet type 0x0800 whatever the datagram's version
    src, dst = macs(frm)
    return pad60(bytes(Ether(src=src, dst=dst, type=0x0800) / Raw(ip)))


@case("ipv6_as_ipv4", LT_EN10MB, eth_v4type, "IPv6 datagrams under Ethernet type 0x0800 (IPv4): read as IPv6")
def _(k):
    basic(k, 44580)


def counted(k, c, frm, frame, ipb, n, tcp):
    """A frame made by hand that counts in connection c: ipb IP bytes, n payload; tcp its TCP
    header as the health measurement sees it."""
    k._frame(frame, frm, raw, MS, None, None)
    c.pk[frm] += 1
    c.by[frm] += ipb
    c.pl[frm] += n
    c.last = k.t
    assert not c.health.segment(0 if frm == "c" else 1, tcp.seq, tcp.ack, str(tcp.flags), n, tcp.window, k.t)


@case("tso6_zero_len", LT_EN10MB, eth,
      "IPv6 payload length 0 on the sending host (segmentation offload): IP bytes from the frame length "
      "(tshark reads no TCP in it)")
def _(k):
    c = k.conn(A6, 44630, B6, 80, "ESTABLISHED")
    k.handshake(c)
    # 14 + 40 + 20 + 2960 = 3034-byte frame: 3020 IP bytes, 2960 payload
    pkt = c.segment("c", "PA", 2960, iplen=0)
    counted(k, c, "c", eth(bytes(pkt), "c"), 3020, 2960, TCP(bytes(pkt)[40:]))
    k.tcp(c, "s", "A")


# the first fragment of an outer IPv4 datagram carries FRAG bytes of its payload
FRAG = 600


def outer_frags(proto, hdr, ip, frm):
    """Ethernet / outer IPv4 of protocol proto carrying hdr + ip: whole when it fits in FRAG
    bytes, else cut in two fragments."""
    src, dst = (OC, OS) if frm == "c" else (OS, OC)
    body = hdr + ip
    if len(body) <= FRAG:
        fr = [IP(src=src, dst=dst, ttl=64, id=0x3100, proto=proto) / Raw(body)]
    else:
        fr = [IP(src=src, dst=dst, ttl=64, id=0x3100, proto=proto, flags="MF", frag=0) / Raw(body[:FRAG]),
              IP(src=src, dst=dst, ttl=64, id=0x3100, proto=proto, frag=FRAG // 8) / Raw(body[FRAG:])]
    return [pad60(bytes(Ether(src=macs(frm)[0], dst=macs(frm)[1]) / f)) for f in fr]


def tunnel_hdrs(ip, frm, kind):
    """The outer protocol and the tunnel's headers before the inner datagram ip."""
    if kind == "gre":
        return 47, struct.pack(">HH", 0, et_of(ip))
    if kind == "vxlan":
        inner = inner_eth(ip, frm)[:14]
        vx = struct.pack(">BBHI", 0x08, 0, 0, 4242 << 8)
        return 17, bytes(UDP(sport=49152, dport=4789, len=8 + len(vx) + 14 + len(ip), chksum=0)) + vx + inner
    return (41 if v6(ip) else 4), b""


def frag_case(k, port, v6_inner):
    """Per tunnel (GRE, VXLAN, IP in IP), a connection whose data segment's outer datagram is
    fragmented: the first fragment counts with the inner payload it carries, the second is a
    fragment."""
    a, b = (A6, B6) if v6_inner else (A, B)
    for i, kind in enumerate(("gre", "vxlan", "ipip")):
        c = k.conn(a, port + i, b, 80, "ESTABLISHED")
        k.handshake(c, link=lambda ip, frm, kind=kind: outer_frags(*tunnel_hdrs(ip, frm, kind), ip, frm)[0])
        pkt = c.segment("c", "PA", 1000)
        ip = bytes(pkt)
        proto, hdr = tunnel_hdrs(ip, "c", kind)
        first, rest = outer_frags(proto, hdr, ip, "c")
        # counted as the inner headers say, with the payload the first fragment holds
        n = FRAG - len(hdr) - (len(ip) - len(bytes(pkt[TCP]))) - 20
        counted(k, c, "c", first, ip_bytes_of(pkt)[0], n, pkt[TCP])
        k.other(rest, "fragments", link=raw)


@case("tunnel_frag", LT_EN10MB, eth,
      "GRE, VXLAN and IP in IP in a fragmented outer IPv4 datagram: the first fragment's inner IPv4 "
      "segment counts with the payload it carries, the second fragment is a fragment")
def _(k):
    frag_case(k, 44610, False)


@case("tunnel_frag6", LT_EN10MB, eth,
      "the same with inner IPv6 (tshark gives the first fragment's inner IPv6 segment no TCP length)")
def _(k):
    frag_case(k, 44620, True)


def pppoe_short(ip, frm):
    # the session header's length 10 bytes short of the PPP frame it carries
    src, dst = macs(frm)
    ses = struct.pack(">BBHHH", 0x11, 0, 0x2a, 2 + len(ip) - 10, 0x0057 if v6(ip) else 0x0021)
    return pad60(bytes(Ether(src=src, dst=dst, type=0x8864) / Raw(ses + ip)))


@case("pppoe_short_len", LT_EN10MB, pppoe_short,
      "PPPoE session lengths 10 bytes shorter than the IP datagram: the IP header's length counts")
def _(k):
    basic(k, 44520)
