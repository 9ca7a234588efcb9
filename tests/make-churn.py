#!/usr/bin/env python3
"""Write N short TCP connections (handshake, a request, an answer, FIN both
ways), one starting every GAP ms, from distinct client ports to one server.
usage: make-churn.py OUT.pcap N [GAP_MS]"""
import struct, sys

out, n = sys.argv[1], int(sys.argv[2])
gap = int(sys.argv[3]) if len(sys.argv) > 3 else 5
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
CLI, SRV = bytes([10, 1, 0, 2]), bytes([10, 1, 0, 1])

def pkt(t, src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0, 64, 6, 0, src, dst)
    frame = ip + tcp + payload
    f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)) + frame)

t0 = 1700000000 * 1000000
for i in range(n):
    t, cp = t0 + i * gap * 1000, 1024 + i % 60000
    c, s = 1000, 5000
    pkt(t, CLI, SRV, cp, 80, c, 0, 0x02)
    pkt(t + 100, SRV, CLI, 80, cp, s, c + 1, 0x12)
    pkt(t + 200, CLI, SRV, cp, 80, c + 1, s + 1, 0x10)
    pkt(t + 300, CLI, SRV, cp, 80, c + 1, s + 1, 0x18, b"G" * 100)
    pkt(t + 400, SRV, CLI, 80, cp, s + 1, c + 101, 0x18, b"H" * 300)
    pkt(t + 500, CLI, SRV, cp, 80, c + 101, s + 301, 0x11)
    pkt(t + 600, SRV, CLI, 80, cp, s + 301, c + 102, 0x11)
    pkt(t + 700, CLI, SRV, cp, 80, c + 102, s + 302, 0x10)
