#!/usr/bin/env python3
"""Write a SYN flood: N SYNs from distinct source addresses and ports to one
server, 10 us apart.  usage: make-flood.py OUT.pcap N"""
import struct, sys

out, n = sys.argv[1], int(sys.argv[2])
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 101))
t = 1700000000 * 1000000
for i in range(n):
    src = struct.pack("!I", 0x0b000000 + i)
    tcp = struct.pack("!HHIIBBHHH", 1024 + i % 60000, 80, i, 0, 5 << 4, 0x02, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, bytes([10, 0, 0, 1]))
    f.write(struct.pack("<IIII", t // 1000000, t % 1000000, 40, 40) + ip + tcp)
    t += 10
