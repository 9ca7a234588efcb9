#!/usr/bin/env python3
"""ipfix_sums.py: compare the packets and IP bytes per direction of each
connection in tcptrack's connection logs (--csv, any number) with what a
decoder read from the export: nfdump's CSV (--nfdump) or tshark's JSON of
the messages (--tshark, with --biflow when the records carry both
directions).  A direction is the 4-tuple source address and port,
destination address and port; each side sums all its records and rows of
it.  For tshark it also checks that every message's sequence number is
the count of data records before it in its observation domain (RFC 7011
section 3.1), and with --flags-pcap CAP that the OR of the TCP flags of
the records of each direction of CAP's connections equals the OR over
CAP's packets as tshark reads them.  With --ends (tshark), every direction
the logs count packets of ends in exactly one record whose end reason is
not 2 (active timeout): its last.  With --times (tshark, uniflow; the logs
named N.csv, N the observation domain of their capture's records), the
records of each direction of a connection follow each other in time: the
first starts at the connection's first packet, each next one where the one
before ended, a record of no packets ends where it starts, none ends after
the connection's last packet, and the latest end of its records is that
packet's time (in milliseconds, as the records give times).  Prints what
differs and exits 1, or prints "directions D records R longest L" (L: the
most records of one direction)."""
import argparse
import calendar
import csv
import ipaddress
import json
import os
import sys
import time
from collections import defaultdict


def key(sa, sp, da, dp):
    return (str(ipaddress.ip_address(sa.strip())), int(sp), str(ipaddress.ip_address(da.strip())), int(dp))


def from_csv(files):
    sums = defaultdict(lambda: [0, 0])
    for name in files:
        with open(name, newline="") as f:
            for r in csv.DictReader(f):
                for d, (a, ap, b, bp) in (("c2s", ("client", "client_port", "server", "server_port")),
                                          ("s2c", ("server", "server_port", "client", "client_port"))):
                    pk = int(r[d + "_packets"])
                    if pk:
                        s = sums[key(r[a], r[ap], r[b], r[bp])]
                        s[0] += pk
                        s[1] += int(r[d + "_bytes"])
    return sums


def from_nfdump(name):
    sums = defaultdict(lambda: [0, 0])
    nrec = defaultdict(int)
    with open(name, newline="") as f:
        rows = csv.reader(f)
        head = next(rows)
        col = {h: i for i, h in enumerate(head)}
        for r in rows:
            if len(r) < len(head) or r[0] == "Summary":
                break
            k = key(r[col["sa"]], r[col["sp"]], r[col["da"]], r[col["dp"]])
            sums[k][0] += int(r[col["ipkt"]])
            sums[k][1] += int(r[col["ibyt"]])
            nrec[k] += 1
    return sums, nrec


def get(pairs, k):
    return [v for kk, v in pairs if kk == k]


FLAGS = defaultdict(int)
ENDS = defaultdict(list)  # per direction, its records' end reasons in order
TIMES = defaultdict(list)  # per domain and direction, its records' (start, end, packets, reason)


def csv_ms(t):
    """milliseconds of the log's seconds.microseconds"""
    sec, _, frac = t.partition(".")
    return int(sec) * 1000 + int((frac + "000")[:3])


def tshark_ms(t):
    """milliseconds of tshark's time, as "Jan  3, 2015 13:04:42.319000000 UTC"""
    stamp, zone = t.rsplit(" ", 1)
    if zone != "UTC":
        raise ValueError("not a UTC time: " + t)
    sec, frac = stamp.split(".")
    return calendar.timegm(time.strptime(sec, "%b %d, %Y %H:%M:%S")) * 1000 + int(frac[:3])


def check_times(files, errors):
    """--times: the records of each connection's directions against its row"""
    rows = defaultdict(list)  # per domain and direction, the rows of connections it sent in
    for name in files:
        dom = os.path.splitext(os.path.basename(name))[0]
        with open(name, newline="") as f:
            for r in csv.DictReader(f):
                for d, (a, ap, b, bp) in (("c2s", ("client", "client_port", "server", "server_port")),
                                          ("s2c", ("server", "server_port", "client", "client_port"))):
                    if int(r[d + "_packets"]):
                        rows[(dom, key(r[a], r[ap], r[b], r[bp]))].append(r)
    ends = {}  # per connection, its last packet's time and the latest end of its records
    for dk, conns in rows.items():
        conns.sort(key=lambda r: csv_ms(r["first_seen"]))
        recs = TIMES.get(dk, [])
        for r in conns:
            # a connection's records end with the one whose reason is not 2
            n = next((i + 1 for i, x in enumerate(recs) if x[3] != 2), len(recs))
            mine, recs = recs[:n], recs[n:]
            first, last = csv_ms(r["first_seen"]), csv_ms(r["last_seen"])
            start = first
            for st, end, pk, _ in mine:
                if st != start or end < st or end > last or (not pk and end != st):
                    errors.append("domain %s %s:%d > %s:%d: records (start, end, packets, reason) %s, "
                                  "connection %d to %d" % ((dk[0],) + dk[1] + (mine, first, last)))
                    break
                start = end
            conn = (dk[0], r["client"], r["client_port"], r["server"], r["server_port"], r["first_seen"])
            e = ends.setdefault(conn, [last, 0])
            e[1] = max([e[1]] + [x[1] for x in mine])
    for conn, (last, end) in sorted(ends.items()):
        if end != last:
            errors.append("domain %s, connection %s:%s > %s:%s: its records end at %d, its last packet at %d"
                          % (conn[:5] + (end, last)))


def pcap_flags(cap):
    import subprocess
    out = subprocess.run(["tshark", "-r", cap, "-Y", "tcp and not icmp and not icmpv6", "-T", "fields",
                          "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst",
                          "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "tcp.flags"],
                         capture_output=True, text=True, check=True).stdout
    flags = defaultdict(int)
    for line in out.splitlines():
        s4, s6, sp, d4, d6, dp, fl = line.split("\t")
        flags[key(s4 or s6, sp, d4 or d6, dp)] |= int(fl, 16) & 0xFF
    return flags


def from_tshark(name, biflow, errors):
    sums = defaultdict(lambda: [0, 0])
    nrec = defaultdict(int)
    with open(name) as f:
        text = f.read()
    if "cflow.unexpected_sequence_number" in text:
        errors.append("tshark: an unexpected sequence number")
    frames = json.loads(text, object_pairs_hook=list)
    expect = {}
    for fr in frames:
        layers = get(get(fr, "_source")[0], "layers")[0]
        for cf in get(layers, "cflow"):
            dom, seq = get(cf, "cflow.od_id")[0], int(get(cf, "cflow.sequence")[0])
            if dom in expect and expect[dom] != seq:
                errors.append("domain %s: sequence %d, expected %d" % (dom, seq, expect[dom]))
            n = 0
            for k, st in cf:
                if not k.startswith("Set ") or get(st, "cflow.flowset_id")[0] in ("2", "3"):
                    continue
                for fk, fl in st:
                    if not fk.startswith("Flow "):
                        continue
                    n += 1
                    v6 = bool(get(fl, "cflow.srcaddrv6"))
                    sa = get(fl, "cflow.srcaddrv6" if v6 else "cflow.srcaddr")[0]
                    da = get(fl, "cflow.dstaddrv6" if v6 else "cflow.dstaddr")[0]
                    sp, dp = get(fl, "cflow.srcport")[0], get(fl, "cflow.dstport")[0]
                    pk, by = get(fl, "cflow.packets"), get(fl, "cflow.octets")
                    tf = get(fl, "cflow.tcpflags")
                    why = get(fl, "cflow.flow_end_reason")
                    span = get(fl, "cflow.timedelta_tree")
                    dirs = [(key(sa, sp, da, dp), 0)]
                    if biflow:
                        dirs.append((key(da, dp, sa, sp), 1))
                    for k2, i in dirs:
                        ENDS[k2].append(int(why[0]) if why else None)
                        if span and why:
                            TIMES[(dom, k2)].append((tshark_ms(get(span[0], "cflow.abstimestart")[0]),
                                                     tshark_ms(get(span[0], "cflow.abstimeend")[0]),
                                                     int(pk[i]), int(why[0])))
                        if int(pk[i]):
                            sums[k2][0] += int(pk[i])
                            sums[k2][1] += int(by[i])
                            nrec[k2] += 1
                            FLAGS[k2] |= int(tf[i], 16)
            expect[dom] = seq + n
    return sums, nrec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", nargs="+", required=True)
    ap.add_argument("--nfdump")
    ap.add_argument("--tshark")
    ap.add_argument("--biflow", action="store_true")
    ap.add_argument("--flags-pcap")
    ap.add_argument("--ends", action="store_true")
    ap.add_argument("--times", action="store_true")
    a = ap.parse_args()
    want = from_csv(a.csv)
    errors = []
    if a.nfdump:
        got, nrec = from_nfdump(a.nfdump)
    else:
        got, nrec = from_tshark(a.tshark, a.biflow, errors)
    for k in sorted(set(want) | set(got)):
        if want.get(k, [0, 0]) != got.get(k, [0, 0]):
            errors.append("%s:%d > %s:%d: log %s, export %s" % (k + (want.get(k), got.get(k))))
    if a.flags_pcap:
        for k, fl in pcap_flags(a.flags_pcap).items():
            if FLAGS.get(k) != fl:
                errors.append("%s:%d > %s:%d: flags 0x%02x in the capture, 0x%02x exported" % (k + (fl, FLAGS.get(k, 0))))
    if a.ends:
        for k in sorted(want):
            why = ENDS.get(k, [])
            if not why or why[-1] in (2, None) or any(w != 2 for w in why[:-1]):
                errors.append("%s:%d > %s:%d: end reasons of its records %s" % (k + (why,)))
    if a.times:
        check_times(a.csv, errors)
    for e in errors[:20]:
        print(e)
    if errors:
        print("%d difference(s)" % len(errors))
        return 1
    print("directions %d records %d longest %d" % (len(want), sum(nrec.values()), max(nrec.values(), default=0)))
    return 0


sys.exit(main())
