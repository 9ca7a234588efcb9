#!/usr/bin/env python3
"""Compare a connection log with gen-flows' exact truth (-e), connection by
connection: packets and payload in each direction.  With --rows (a log of
mode = connections), also one row per connection: as many rows per
endpoint pair as the truth has connections.

usage: truth.py [--rows] TRUTH.csv LOG.csv
"""
import csv, ipaddress, sys
from collections import Counter


def ep(s):
    host, port = s.rsplit(":", 1)
    return str(ipaddress.ip_address(host.strip("[]"))), port


args = sys.argv[1:]
rows = "--rows" in args
args = [a for a in args if a != "--rows"]
want = Counter()
for r in csv.DictReader(open(args[0], newline="")):
    c, s = ep(r["client"]), ep(r["server"])
    want[(c, s)] += 1
    want[(c, s, "v")] = 0
    key = (c, s)
    want[key + ("cp",)] += int(r["client_packets"]); want[key + ("sp",)] += int(r["server_packets"])
    want[key + ("cb",)] += int(r["client_payload_bytes"]); want[key + ("sb",)] += int(r["server_payload_bytes"])
got = Counter()
for r in csv.DictReader(open(args[1], newline="")):
    c = (str(ipaddress.ip_address(r["client"])), r["client_port"])
    s = (str(ipaddress.ip_address(r["server"])), r["server_port"])
    key = (c, s)
    got[key] += 1
    got[key + ("v",)] = 0
    got[key + ("cp",)] += int(r["c2s_packets"]); got[key + ("sp",)] += int(r["s2c_packets"])
    got[key + ("cb",)] += int(r["c2s_payload"]); got[key + ("sb",)] += int(r["s2c_payload"])
conns = [k for k in want if len(k) == 2]
bad = 0
for k in set(conns) | set(x for x in got if len(x) == 2):
    if rows and want[k] != got[k]:
        bad += 1
        if bad <= 10:
            print("rows %s -> %s: %d connections, %d rows" % (k[0], k[1], want[k], got[k]))
        continue
    for f in ("cp", "sp", "cb", "sb"):
        if want[k + (f,)] != got[k + (f,)]:
            bad += 1
            if bad <= 10:
                print("mismatch %s -> %s %s: truth %d, log %d" % (k[0], k[1], f, want[k + (f,)], got[k + (f,)]))
            break
print("%d of %d connections match the truth%s" % (len(conns) - bad, len(conns),
                                                ", one row each" if rows else ""))
sys.exit(1 if bad else 0)
