#!/usr/bin/env python3
"""Captures in the classic pcap format for tests/cmd/reader.sh: both byte
orders, both timestamp resolutions, records across the reader's block
boundaries, and the damage libpcap reports.  usage: make-readercases.py DIR"""
import os
import random
import struct
import sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def frame(i, payload, flags=0x18):
    """Ethernet/IPv4/TCP between 10.0.x.y:port and 10.1.0.1:80."""
    src = bytes([10, 0, (i >> 8) & 255, i & 255])
    dst = bytes([10, 1, 0, 1])
    sport = 1024 + (i % 50000)
    tcp = struct.pack("!HHIIBBHHH", sport, 80, i, 0, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), i & 0xFFFF,
                     0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + tcp + payload

def write(path, frames, endian="<", nsec=False, snaplen=262144, version=(2, 4),
          caplens=None, stamp=None):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(endian + "IHHiIII", magic, version[0], version[1], 0, 0, snaplen, 1))
        for k, fr in enumerate(frames):
            sec, frac = 1700000000 + k // 1000, (k % 1000) * (1000000 if nsec else 1000) + 7
            if stamp:
                sec, frac = stamp(k)
            cap = len(fr) if caplens is None else caplens(k, fr)
            f.write(struct.pack(endian + "IIII", sec, frac, cap, len(fr)) + fr[:cap])
            if cap > len(fr):
                f.write(b"\0" * (cap - len(fr)))

def main():
    out = sys.argv[1]
    # payloads of 0 to 9000 bytes, 18 MB: records fall across the reader's
    # 256 KiB blocks (about 70 times); 2600 connections
    big = [frame(i % 2600, b"p" * ((i * 7919) % 9001)) for i in range(4000)]
    small = [frame(i % 300, b"x" * (i % 40)) for i in range(3000)]
    write(os.path.join(out, "big-le.pcap"), big)
    write(os.path.join(out, "big-be.pcap"), big, endian=">")
    write(os.path.join(out, "ns-le.pcap"), small, nsec=True)
    write(os.path.join(out, "ns-be.pcap"), small, endian=">", nsec=True)
    # records longer than the file's snapshot length (libpcap cuts them)
    write(os.path.join(out, "over-snaplen.pcap"), small, snaplen=64)
    # a snapshot length of 0 (libpcap takes its maximum)
    write(os.path.join(out, "snaplen0.pcap"), small, snaplen=0)
    # captured length above the wire length
    write(os.path.join(out, "cap-over-len.pcap"), small, caplens=lambda k, fr: len(fr) + (k % 3))
    # an impossible captured length in the middle
    write(os.path.join(out, "huge-caplen.pcap"), small,
          caplens=lambda k, fr: 300000 if k == 1500 else len(fr))
    # above the largest length libpcap takes, with a small snapshot length;
    # above the snapshot length but not the largest (libpcap cuts it)
    write(os.path.join(out, "s64-huge.pcap"), small, snaplen=64,
          caplens=lambda k, fr: 300000 if k == 1500 else len(fr))
    write(os.path.join(out, "s64-long.pcap"), small, snaplen=64,
          caplens=lambda k, fr: 100000 if k == 1500 else len(fr))
    # times past 2038 and fractions past 2^31, in both byte orders and
    # resolutions: libpcap takes them unsigned when the file is swapped
    def late(k):
        return (0x80000000 + k * 1000, (0x80000000 + k * 7919) & 0xFFFFFFFF)
    for e, tag in (("<", "le"), (">", "be")):
        for ns in (False, True):
            write(os.path.join(out, "late-%s%s.pcap" % (tag, "-ns" if ns else "")),
                  small[:200], endian=e, nsec=ns, stamp=late)
    # a record longer than the snapshot length, cut before that length and
    # after it (libpcap reads the snapshot length first)
    for cut in (30, 500):
        write(os.path.join(out, "oversnap-%d.pcap" % cut), small[:10], snaplen=100,
              caplens=lambda k, fr: 1000 if k == 9 else len(fr))
        body = open(os.path.join(out, "oversnap-%d.pcap" % cut), "rb").read()
        open(os.path.join(out, "oversnap-%d.pcap" % cut), "wb").write(body[:len(body) - 1000 + cut])
    # an old version: libpcap's to read
    write(os.path.join(out, "v2-3.pcap"), small, version=(2, 3))
    # damage anywhere: random bytes over a small capture, in the record
    # headers half of the time, and cut at random (seeded: the same files
    # every run)
    base = open(os.path.join(out, "ns-le.pcap"), "rb").read()
    heads, at = [], 24
    while at < len(base):
        heads.append(at)
        at += 16 + struct.unpack("<I", base[at + 8:at + 12])[0]
    rng = random.Random(7)
    for k in range(40):
        b = bytearray(base)
        for _ in range(1 + k % 4):
            at = rng.choice(heads) + rng.randrange(16) if k % 2 else rng.randrange(24, len(b))
            b[at:at + 4] = rng.randbytes(4)
        cut = len(base) - rng.randrange(0, 200)
        open(os.path.join(out, "mangled-%02d.pcap" % k), "wb").write(bytes(b[:cut]))
    whole = open(os.path.join(out, "big-le.pcap"), "rb").read()
    # cut inside a record header, and inside a packet's data
    hdr_cut = 24
    n = 0
    while n < 3000:
        cap = struct.unpack("<I", whole[hdr_cut + 8:hdr_cut + 12])[0]
        hdr_cut += 16 + cap
        n += 1
    open(os.path.join(out, "cut-header.pcap"), "wb").write(whole[:hdr_cut + 9])
    open(os.path.join(out, "cut-data.pcap"), "wb").write(whole[:hdr_cut + 16 + 30])
    open(os.path.join(out, "header-only.pcap"), "wb").write(whole[:24])

main()
