#!/usr/bin/python3
"""Write the captures of the syslog plugin's tests (run from anywhere):

    /usr/bin/python3 tests/plugins/syslog/gen-captures.py tests/plugins/syslog

Needs scapy (Debian python3-scapy).  Every capture is deterministic: fixed
times (whole seconds since an aligned epoch second), fixed addresses.  Data
segments are captured headers-only (caplen < len, as a snap length would cut
them) so that a capture of megabytes per second stays a few kilobytes; the IP
total length carries the size, which is what tcptrack counts.  In each
second k of a flow the payload of that second is spread evenly over
ceil(rate / 64 kB) segments, so the rate tcptrack samples at the tick ending
the second is exactly the rate given for it.

flow.pcap      10.1.0.1:40000 -> 10.1.0.2:80 at 500 kB/s, a 1 s spike of
               2 MB/s at 4 s, 2 MB/s from 7 s, 6 MB/s from 12 s, 900 kB/s
               from 16 s, 300 kB/s from 19 s, closed at 24.5 s; beside it
               10.1.0.3:50000 -> 10.1.0.4:22 at 3 MB/s for 30 s.
outage-1.pcap, outage-2.part, outage-3.part
               flow.pcap cut at 11 s and 19 s (parts 2 and 3 are records
               without a file header, to be appended on a pipe); parts 1
               and 2 end with 64 packets of a third flow (port 9) at the
               cut time, so that a reader taking packets 64 at a time has
               handed over all the flow's packets before the cut.
synflood.pcap  10.2.0.1 -> 10.2.0.2:80: one long connection and 2 short
               ones a second for 50 s; from 10 s to 14 s, 500 SYN/s to
               10.2.0.2:80 from 10.66.0.0/16, never answered.
conns.pcap     30 connections to 10.3.0.2:443 opened one every 0.5 s from
               1 s, closed one every 0.5 s from 20 s; 3 connections to
               10.3.0.3:443 all along; 36 s.
flap.pcap      10.4.0.1:40000 -> 10.4.0.2:80 alternating 2 MB/s and
               100 kB/s every 2 s for 36 s, then 2 MB/s for 14 s, then
               100 kB/s, closed at 55.5 s; 10.4.0.3 -> 10.4.0.4:22 to 60 s.
storm.pcap     40 connections 10.5.1.N:40000+N -> 10.5.0.2:80, from 2 s to
               7 s at 150 kB/s (N = 3, 11, 19, 27, 35: 600 kB/s), then
               5 kB/s, closed at 12.5 s; 10.5.0.3 -> 10.5.0.4:22 to 16 s.
slow.pcap      a server, 10.6.0.2:80, that answers each request of its two
               clients 10.6.0.1:40000 and 10.6.0.3:50000 (100 bytes, then
               1000 back, the client's ACK 1 ms or 30 ms later, the next
               request 200 ms after that) in 20 ms, in 150 ms from 10 s,
               in 700 ms from 20 s, in 20 ms again from 32 s; closed at
               50 s.  10.6.0.5:51000 -> 10.6.0.4:22 answered in 5 ms all
               along; a SYN from 10.6.0.9 to 10.6.0.2:80 never answered;
               10.6.0.7:52000 -> 10.6.0.6:8080 answered in 300 ms from
               38 s, closed at 46.5 s.
retrans.pcap   10.7.0.1:40000 -> 10.7.0.2:80: 20 segments of 1000 bytes a
               second, each acknowledged 1 ms later, to 45 s; a copy of 2
               of them a second is sent again from 4 s, of 6 a second from
               7 s, none from 10 s.  10.7.0.3:50000 -> 10.7.0.4:22, 10
               segments a second without a copy, to 45 s.  At 30.1 s,
               10.7.0.5:41000 -> 10.7.0.2:80 opens, sends 10 segments and
               5 copies, and closes by 30.5 s.
young.pcap     10.8.0.1:40000 -> 10.8.0.2:80 opens 0.6 s into a second
               and sends 1 MB/s (10 kB every 10 ms) for 3 s, then closes.
gap.pcap       10.9.0.1:40000 -> 10.9.0.2:80 opens at 0.2 s, sends 10 kB
               and closes by 0.3 s; the next packet, a SYN from 10.9.0.3 to
               10.9.0.2:80, is at 2.7 s: the clock jumps past two ticks.
"""
import math
import os
import struct
import sys

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

SEG = 64000          # payload bytes per segment at most
US = 1000000


class Cap:
    def __init__(self):
        self.recs = []   # (time us, order, raw bytes, wire length)

    def add(self, t, src, dst, sport, dport, flags, seq, ack, payload=0):
        p = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
             IP(src=src, dst=dst, len=40 + payload, id=len(self.recs) & 0xffff) /
             TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535))
        raw = bytes(p)
        self.recs.append((t, len(self.recs), raw, len(raw) + payload))

    def sorted(self):
        return sorted(self.recs)

    @staticmethod
    def header():
        return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)

    @staticmethod
    def record(r):
        t, _, raw, wire = r
        return struct.pack("<IIII", t // US, t % US, len(raw), wire) + raw

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.header())
            for r in self.sorted():
                f.write(self.record(r))


class Flow:
    def __init__(self, cap, cli, cport, srv, sport):
        self.c, self.cli, self.cport, self.srv, self.sport = cap, cli, cport, srv, sport
        self.cseq, self.sseq = 1000, 500000

    def open(self, t):
        self.c.add(t, self.cli, self.srv, self.cport, self.sport, "S", self.cseq, 0)
        self.c.add(t + 100, self.srv, self.cli, self.sport, self.cport, "SA", self.sseq, self.cseq + 1)
        self.cseq += 1
        self.sseq += 1
        self.c.add(t + 200, self.cli, self.srv, self.cport, self.sport, "A", self.cseq, self.sseq)

    def send(self, t, n, from_server=True):
        if from_server:
            self.c.add(t, self.srv, self.cli, self.sport, self.cport, "PA", self.sseq, self.cseq, n)
            self.sseq += n
        else:
            self.c.add(t, self.cli, self.srv, self.cport, self.sport, "PA", self.cseq, self.sseq, n)
            self.cseq += n

    def second(self, t0, k, rate, from_server=True):
        """rate bytes in second k after t0 (us), spread evenly."""
        if rate <= 0:
            return
        n = max(1, math.ceil(rate / SEG))
        for i in range(n):
            size = rate // n + (rate % n if i == n - 1 else 0)
            self.send(t0 + k * US + (2 * i + 1) * US // (2 * n), size, from_server)

    def ack(self, t, from_server=False):
        """A bare acknowledgment of all the peer sent."""
        if from_server:
            self.c.add(t, self.srv, self.cli, self.sport, self.cport, "A", self.sseq, self.cseq)
        else:
            self.c.add(t, self.cli, self.srv, self.cport, self.sport, "A", self.cseq, self.sseq)

    def resend(self, t, n):
        """The client's last n bytes again (a retransmission)."""
        self.c.add(t, self.cli, self.srv, self.cport, self.sport, "PA", self.cseq - n, self.sseq, n)

    def close(self, t):
        self.c.add(t, self.srv, self.cli, self.sport, self.cport, "FA", self.sseq, self.cseq)
        self.c.add(t + 100, self.cli, self.srv, self.cport, self.sport, "FA", self.cseq, self.sseq + 1)
        self.c.add(t + 200, self.srv, self.cli, self.sport, self.cport, "A", self.sseq + 1, self.cseq + 1)


def flow_capture():
    T = 1700000000 * US
    c = Cap()
    a = Flow(c, "10.1.0.1", 40000, "10.1.0.2", 80)
    a.open(T + 100000)
    rates = [500000] * 4 + [2000000] + [500000] * 2 + [2000000] * 5 + [6000000] * 4 + \
        [900000] * 3 + [300000] * 5
    for k, r in enumerate(rates):
        a.second(T, k, r)
    a.close(T + 24 * US + 500000)
    b = Flow(c, "10.1.0.3", 50000, "10.1.0.4", 22)
    b.open(T + 50000)
    for k in range(30):
        b.second(T, k, 3000000)
    b.close(T + 29 * US + 800000)
    return T, c


def write_outage(out, T, c):
    recs = c.sorted()
    cuts = [T + 11 * US, T + 19 * US]
    parts = [[], [], []]
    for r in recs:
        parts[sum(r[0] >= x for x in cuts)].append(r)
    filler = Cap()
    f = Flow(filler, "10.1.0.5", 60000, "10.1.0.6", 9)
    for p in parts[:2]:
        t = p[-1][0]
        for _ in range(64):
            f.send(t, 1)
    fill = filler.sorted()
    with open(os.path.join(out, "outage-1.pcap"), "wb") as w:
        w.write(Cap.header())
        for r in parts[0] + fill[:64]:
            w.write(Cap.record(r))
    with open(os.path.join(out, "outage-2.part"), "wb") as w:
        for r in parts[1] + fill[64:]:
            w.write(Cap.record(r))
    with open(os.path.join(out, "outage-3.part"), "wb") as w:
        for r in parts[2]:
            w.write(Cap.record(r))


def synflood_capture():
    T = 1700001000 * US
    c = Cap()
    long = Flow(c, "10.2.0.1", 40000, "10.2.0.2", 80)
    long.open(T + 10000)
    for k in range(50):
        long.second(T, k, 200000)
    port = 41000
    for k in range(50):
        for j in range(2):
            f = Flow(c, "10.2.0.1", port, "10.2.0.2", 80)
            port += 1
            t = T + k * US + j * 500000 + 200000
            f.open(t)
            f.send(t + 1000, 300, from_server=False)
            f.send(t + 2000, 5000)
            f.close(t + 3000)
    i = 0
    for k in range(10, 14):
        for j in range(500):
            src = "10.66.%d.%d" % (i // 250, i % 250 + 1)
            c.add(T + k * US + (2 * j + 1) * US // 1000, src, "10.2.0.2", 1024 + i, 80, "S", 7 * i, 0)
            i += 1
    return c


def conns_capture():
    T = 1700002000 * US
    c = Cap()
    flows = []
    for j in range(30):
        f = Flow(c, "10.3.1.%d" % (j + 1), 40000 + j, "10.3.0.2", 443)
        opened = T + US + j * US // 2
        closed = T + 20 * US + j * US // 2
        f.open(opened)
        t = opened + 300000
        while t < closed - 100000:
            f.send(t, 100, from_server=False)
            f.send(t + 1000, 1000)
            t += US
        f.close(closed)
        flows.append(f)
    for j in range(3):
        f = Flow(c, "10.3.2.%d" % (j + 1), 50000 + j, "10.3.0.3", 443)
        f.open(T + 300000 + j * 1000)
        for k in range(36):
            f.second(T, k, 10000)
    return c


def flap_capture():
    T = 1700003000 * US
    c = Cap()
    a = Flow(c, "10.4.0.1", 40000, "10.4.0.2", 80)
    a.open(T + 100000)
    rates = [2000000 if k % 4 in (0, 1) else 100000 for k in range(36)] + \
        [2000000] * 14 + [100000] * 5
    for k, r in enumerate(rates):
        a.second(T, k, r)
    a.close(T + 55 * US + 500000)
    b = Flow(c, "10.4.0.3", 50000, "10.4.0.4", 22)
    b.open(T + 50000)
    for k in range(60):
        b.second(T, k, 10000)
    return c


def storm_capture():
    T = 1700004000 * US
    c = Cap()
    for n in range(1, 41):
        f = Flow(c, "10.5.1.%d" % n, 40000 + n, "10.5.0.2", 80)
        f.open(T + 100000 + n * 1000)
        hi = 600000 if n % 8 == 3 else 150000
        for k in range(2, 12):
            f.second(T, k, hi if k < 7 else 5000)
        f.close(T + 12 * US + 500000 + n * 1000)
    b = Flow(c, "10.5.0.3", 50000, "10.5.0.4", 22)
    b.open(T + 50000)
    for k in range(16):
        b.second(T, k, 10000)
    return c


def exchanges(f, t, end, delay, cli_delay):
    """Request and answer from t until end (us): the server answers
    after delay(t), the client acknowledges after cli_delay."""
    while t < end:
        d = delay(t)
        f.send(t, 100, from_server=False)
        f.send(t + d, 1000)
        f.ack(t + d + cli_delay)
        t += d + cli_delay + 200000
    return t


def slow_capture():
    T = 1700005000 * US

    def slow(t):
        k = (t - T) / US
        return 20000 if k < 10 else 150000 if k < 20 else 700000 if k < 32 else 20000

    c = Cap()
    for cli, port, cli_delay, start in (("10.6.0.1", 40000, 1000, 100000), ("10.6.0.3", 50000, 30000, 150000)):
        f = Flow(c, cli, port, "10.6.0.2", 80)
        f.open(T + start)
        exchanges(f, T + start + 1000, T + 50 * US, slow, cli_delay)
        f.close(T + 50 * US + 500000 + start)
    f = Flow(c, "10.6.0.5", 51000, "10.6.0.4", 22)
    f.open(T + 50000)
    exchanges(f, T + 51000, T + 50 * US, lambda t: 5000, 1000)
    c.add(T + 5 * US, "10.6.0.9", "10.6.0.2", 45000, 80, "S", 900, 0)
    f = Flow(c, "10.6.0.7", 52000, "10.6.0.6", 8080)
    f.open(T + 38 * US)
    exchanges(f, T + 38 * US + 1000, T + 46 * US, lambda t: 300000, 1000)
    f.close(T + 46 * US + 500000)
    return c


def retrans_capture():
    T = 1700006000 * US
    c = Cap()
    a = Flow(c, "10.7.0.1", 40000, "10.7.0.2", 80)
    a.open(T + 100000)
    for k in range(45):
        copies = 2 if 4 <= k < 7 else 6 if 7 <= k < 10 else 0
        for i in range(20):
            t = T + k * US + 200000 + i * 40000
            a.send(t, 1000, from_server=False)
            if i < copies:
                a.resend(t + 300, 1000)
            a.ack(t + 1000, from_server=True)
    b = Flow(c, "10.7.0.3", 50000, "10.7.0.4", 22)
    b.open(T + 50000)
    for k in range(45):
        for i in range(10):
            t = T + k * US + 150000 + i * 80000
            b.send(t, 1000, from_server=False)
            b.ack(t + 1000, from_server=True)
    d = Flow(c, "10.7.0.5", 41000, "10.7.0.2", 80)
    t = T + 30 * US + 100000
    d.open(t)
    for i in range(10):
        d.send(t + 1000 + i * 30000, 1000, from_server=False)
        if i % 2:
            d.resend(t + 1000 + i * 30000 + 300, 1000)
        d.ack(t + 1000 + i * 30000 + 1000, from_server=True)
    d.close(t + 400000)
    return c


def young_capture():
    T = 1700007000 * US
    c = Cap()
    a = Flow(c, "10.8.0.1", 40000, "10.8.0.2", 80)
    t = T + 600000
    a.open(t)
    for i in range(300):
        a.send(t + 1000 + i * 10000, 10000, from_server=False)
        a.ack(t + 1100 + i * 10000, from_server=True)
    a.close(t + 3010000)
    return c


def gap_capture():
    T = 1700008000 * US
    c = Cap()
    a = Flow(c, "10.9.0.1", 40000, "10.9.0.2", 80)
    a.open(T + 200000)
    a.send(T + 200300, 10000, from_server=False)
    a.ack(T + 200400, from_server=True)
    a.close(T + 300000)
    c.add(T + 2700000, "10.9.0.3", "10.9.0.2", 40001, 80, "S", 1000, 0)
    return c


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    T, fc = flow_capture()
    fc.write(os.path.join(out, "flow.pcap"))
    write_outage(out, T, fc)
    synflood_capture().write(os.path.join(out, "synflood.pcap"))
    conns_capture().write(os.path.join(out, "conns.pcap"))
    flap_capture().write(os.path.join(out, "flap.pcap"))
    storm_capture().write(os.path.join(out, "storm.pcap"))
    slow_capture().write(os.path.join(out, "slow.pcap"))
    retrans_capture().write(os.path.join(out, "retrans.pcap"))
    young_capture().write(os.path.join(out, "young.pcap"))
    gap_capture().write(os.path.join(out, "gap.pcap"))


main()
