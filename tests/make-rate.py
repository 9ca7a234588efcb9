#!/usr/bin/env python3
"""Write a capture of one TCP connection at an exact constant rate.

usage: make-rate.py OUT.pcap RATE_BYTES_PER_S PACKETS_PER_S SECONDS

Handshake at t=0.5 s after an aligned second, then PACKETS_PER_S segments a
second, evenly spaced, each carrying RATE/PACKETS_PER_S payload bytes from
the server, each answered by nothing (a one-way bulk flow), then FIN both ways.
Written with struct, not scapy, so it needs nothing but Python.
"""
import struct, sys

out, rate, pps, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
size = rate // pps
T0 = 1700000000 * 1000000 + 500000
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))  # LINKTYPE_RAW


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b[:len(b) // 2 * 2]))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def pkt(t, src, dst, sport, dport, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 5 << 4, flags, 65535, 0, 0) + b"x" * payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    data = ip + tcp
    f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
    f.write(data)


C, S = [10, 0, 0, 1], [10, 0, 0, 2]
pkt(T0, C, S, 40000, 80, 0x02, 0)
pkt(T0 + 100, S, C, 80, 40000, 0x12, 0)
pkt(T0 + 200, C, S, 40000, 80, 0x10, 0)
n = int(pps * secs)
step = 1000000 // pps
for i in range(n):
    pkt(T0 + 1000 + i * step, S, C, 80, 40000, 0x18, size)
end = T0 + 1000 + n * step
pkt(end, S, C, 80, 40000, 0x11, 0)
pkt(end + 100, C, S, 40000, 80, 0x11, 0)
