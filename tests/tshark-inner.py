#!/usr/bin/env python3
"""Compare a connection log with tshark, counting a tunnelled connection by its
innermost IP header, whatever the outer header's version.

usage: tshark-inner.py CAPTURE LOG.csv

For 6in4 (IPv6 in IPv4) the shared oracle takes the outer IPv4 addresses
and length; tcptrack tracks the inner IPv6 connection (tcptrack(8), "Connections"),
so this check reads frame.protocols to find which IP header is innermost.
"""
import csv, ipaddress, subprocess, sys
from collections import defaultdict

F = ["frame.protocols", "ip.src", "ip.dst", "ip.len", "ipv6.src", "ipv6.dst", "ipv6.plen",
     "tcp.srcport", "tcp.dstport", "tcp.len"]


def last(v):
    return v.split(",")[-1] if v else ""


def canon(a):
    return str(ipaddress.ip_address(a.strip().strip("[]")))


def tshark(capture):
    cmd = ["tshark", "-n", "-r", capture, "-Y", "tcp && !icmp && !icmpv6",
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields",
           "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in F:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pairs = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for line in out.splitlines():
        protos, s4, d4, l4, s6, d6, p6, sp, dp, tl = (line.split("|") + [""] * 10)[:10]
        layers = [x for x in protos.split(":") if x in ("ip", "ipv6")]
        if not layers:
            continue
        if layers[-1] == "ipv6":
            src, dst, ipb = canon(last(s6)), canon(last(d6)), 40 + int(last(p6) or 0)
        else:
            src, dst, ipb = canon(last(s4)), canon(last(d4)), int(last(l4) or 0)
        a, b = (src, last(sp)), (dst, last(dp))
        c = pairs[tuple(sorted([a, b]))][a]
        c[0] += 1; c[1] += ipb; c[2] += int(last(tl) or 0)
    return pairs


def log(path):
    pairs = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for r in csv.DictReader(open(path, newline="")):
        c = (canon(r["client"]), r["client_port"]); s = (canon(r["server"]), r["server_port"])
        for ep, d in ((c, "c2s"), (s, "s2c")):
            v = pairs[tuple(sorted([c, s]))][ep]
            v[0] += int(r[d + "_packets"]); v[1] += int(r[d + "_bytes"]); v[2] += int(r[d + "_payload"])
    return pairs


want, got = tshark(sys.argv[1]), log(sys.argv[2])
bad = 0
for key in sorted(set(want) | set(got)):
    for ep in set(want.get(key, {})) | set(got.get(key, {})):
        w, g = want.get(key, {}).get(ep, [0, 0, 0]), got.get(key, {}).get(ep, [0, 0, 0])
        if w != g:
            bad += 1
            print("mismatch %s:%s: tshark %s, log %s" % (ep[0], ep[1], w, g))
print("%d of %d endpoint pairs match tshark (innermost headers)" % (len(set(want) | set(got)) - bad,
                                                                    len(set(want) | set(got))))
sys.exit(1 if bad else 0)
