#!/usr/bin/env python3
"""Turn captures into seeds for fuzz_packets: link type byte, then for each
frame [2-byte length][1-byte time step][frame].  usage: pcap2seed.py OUTDIR PCAP...
Only classic pcap files are read (pcapng ones are skipped)."""
import os, struct, sys

DLTS = [1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 50, 51]
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    if len(raw) < 24:
        continue
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        continue
    lt = struct.unpack(e + "I", raw[20:24])[0] & 0x3ffffff
    if lt not in DLTS:
        continue
    seed = bytes([DLTS.index(lt)])
    off, n = 24, 0
    while off + 16 <= len(raw) and n < 200 and len(seed) < 60000:
        _, _, incl, _ = struct.unpack(e + "IIII", raw[off:off + 16])
        frame = raw[off + 16:off + 16 + min(incl, 2000)]
        off += 16 + incl
        seed += struct.pack(">HB", len(frame), (n * 37) & 0xff) + frame
        n += 1
    open(os.path.join(out, os.path.basename(path) + ".seed"), "wb").write(seed)
