#!/usr/bin/env python3
"""Compare a connection log with gen-flows' exact truth (-e), connection by
connection: packets and payload in each direction.

usage: truth.py TRUTH.csv LOG.csv
"""
import csv, ipaddress, sys
from collections import Counter


def ep(s):
    host, port = s.rsplit(":", 1)
    return str(ipaddress.ip_address(host.strip("[]"))), port


want = Counter()
for r in csv.DictReader(open(sys.argv[1], newline="")):
    c, s = ep(r["client"]), ep(r["server"])
    want[(c, s)] += 1
    want[(c, s, "v")] = 0
    key = (c, s)
    want[key + ("cp",)] += int(r["client_packets"]); want[key + ("sp",)] += int(r["server_packets"])
    want[key + ("cb",)] += int(r["client_payload_bytes"]); want[key + ("sb",)] += int(r["server_payload_bytes"])
got = Counter()
for r in csv.DictReader(open(sys.argv[2], newline="")):
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
    for f in ("cp", "sp", "cb", "sb"):
        if want[k + (f,)] != got[k + (f,)]:
            bad += 1
            if bad <= 10:
                print("mismatch %s -> %s %s: truth %d, log %d" % (k[0], k[1], f, want[k + (f,)], got[k + (f,)]))
            break
print("%d of %d connections match the truth" % (len(conns) - bad, len(conns)))
sys.exit(1 if bad else 0)
