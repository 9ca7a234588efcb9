#!/usr/bin/env python3
"""pcapng files for tests/cmd/pcapng.sh, made from golden captures (classic pcap): every
interface's link type, snapshot length, time resolution and offset; enhanced, simple and obsolete
packet blocks; both byte orders; sections after the first; other blocks and options between.
usage: make-pcapng.py GOLDEN_DIR OUT_DIR"""
import os
import struct
import sys


def records(path):
    """(link type, [(us, captured bytes, wire length)]) of a classic pcap file."""
    with open(path, "rb") as f:
        b = f.read()
    magic, = struct.unpack("<I", b[:4])
    assert magic == 0xA1B2C3D4, path
    lt, = struct.unpack("<I", b[20:24])
    out, off = [], 24
    while off < len(b):
        s, us, cap, wl = struct.unpack("<IIII", b[off:off + 16])
        out.append((s * 1000000 + us, b[off + 16:off + 16 + cap], wl))
        off += 16 + cap
    return lt, out


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def opt(e, code, val):
    return struct.pack(e + "HH", code, len(val)) + pad(val)


def block(e, btype, body):
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def shb(e, opts=b""):
    return block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts)


def idb(e, lt, snap=262144, tsresol=None, tsoffset=None, name=b"eth0"):
    o = opt(e, 2, name)
    if tsresol is not None:
        o += opt(e, 9, bytes([tsresol]))
    if tsoffset is not None:
        o += opt(e, 14, struct.pack(e + "q", tsoffset))
    o += opt(e, 0, b"")
    return block(e, 1, struct.pack(e + "HHI", lt, 0, snap) + o)


def units(us, tsresol, tsoffset):
    """a time in microseconds in an interface's units"""
    us -= (tsoffset or 0) * 1000000
    if tsresol is None:
        return us
    if tsresol & 0x80:
        r = 1 << (tsresol & 0x7F)
        return (us // 1000000) * r + (us % 1000000) * r // 1000000
    r = 10 ** tsresol
    return (us // 1000000) * r + (us % 1000000) * r // 1000000


def epb(e, ifid, t, cap, wl, opts=b""):
    return block(e, 6, struct.pack(e + "IIIII", ifid, t >> 32, t & 0xFFFFFFFF, len(cap), wl) + pad(cap) + opts)


def opb(e, ifid, t, cap, wl):
    return block(e, 2, struct.pack(e + "HHIIII", ifid, 0, t >> 32, t & 0xFFFFFFFF, len(cap), wl) + pad(cap))


def spb(e, cap, wl):
    return block(e, 3, struct.pack(e + "I", wl) + pad(cap))


def isb(e, ifid):
    return block(e, 5, struct.pack(e + "III", ifid, 0, 0) + opt(e, 0, b""))


def nrb(e):
    return block(e, 4, struct.pack(e + "HH", 1, 8) + bytes([192, 0, 2, 10]) + b"a.b\0" + struct.pack(e + "HH", 0, 0))


def one(e, lt, recs, tsresol=None, tsoffset=None, kind="epb", snap=262144):
    out = shb(e) + idb(e, lt, snap, tsresol, tsoffset)
    for i, (us, cap, wl) in enumerate(recs):
        t = units(us, tsresol, tsoffset)
        if kind == "epb":
            out += epb(e, 0, t, cap, wl, opt(e, 2, struct.pack(e + "I", 1)) + opt(e, 0, b"") if i % 3 == 0 else b"")
        elif kind == "opb":
            out += opb(e, 0, t, cap, wl)
        else:
            out += spb(e, cap, wl)
        if i == 2:
            out += nrb(e) + block(e, 0x40000BAD, b"\x01\x02\x03\x04custom!!")
    return out + isb(e, 0)


def multi(e, parts, snaps=None):
    """one section, an interface per (link type, records), packets interleaved by time"""
    out = shb(e)
    for i, (lt, _) in enumerate(parts):
        out += idb(e, lt, snaps[i] if snaps else 262144, name=b"if%d" % i)
    allr = sorted((us, i, cap, wl) for i, (_, recs) in enumerate(parts) for us, cap, wl in recs)
    for us, i, cap, wl in allr:
        out += epb(e, i, us, cap, wl)
    return out


def main():
    gold, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    eth = records(os.path.join(gold, "fin_close.pcap"))
    vx = records(os.path.join(gold, "vxlan.pcap"))
    raw = records(os.path.join(gold, "raw101.pcap"))
    null = records(os.path.join(gold, "null_loopback.pcap"))
    cut = records(os.path.join(gold, "truncated.pcap"))
    files = {
        "ng-le": one("<", *eth),
        "ng-be": one(">", *eth),
        "ng-ns": one("<", *eth, tsresol=9),
        "ng-ms-be": one(">", *eth, tsresol=3),
        "ng-bin": one("<", *eth, tsresol=0x80 | 20),
        "ng-offset": one("<", *eth, tsoffset=1000),
        "ng-opb": one("<", *eth, kind="opb"),
        "ng-spb": one("<", *eth, kind="spb"),
        "ng-snap64": one("<", cut[0], [(us, c, w) for us, c, w in cut[1]], snap=64),
        "ng-vxlan": one(">", *vx),
        # two sections of one byte order, each with its own interface
        "ng-sections": one("<", *eth) + one("<", *vx),
        # libpcap 1.10 stops at each of these
        "ng-sections-be": one("<", *eth) + one(">", *vx),
        "ng-multi": multi("<", [eth, raw, null]),
        "ng-multi-be": multi(">", [raw, eth]),
        "ng-snaps": multi("<", [eth, vx], snaps=[262144, 65535]),
    }
    for name, b in files.items():
        with open(os.path.join(out, name + ".pcapng"), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
