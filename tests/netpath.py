#!/usr/bin/env python3
"""The network path and the short connections of health_live.sh.

netpath.py line IF_A IF_B DELAY_MS LOSS_PCT STATS
    A wire between two interfaces: every frame that arrives on one is sent
    out of the other, those from IF_B after DELAY_MS, the TCP segments from
    IF_A dropped with a probability of LOSS_PCT percent.  It writes
    "0 0 0" to STATS once it listens on both, and on SIGTERM
    "forwarded_ab forwarded_ba dropped".  For kernels without sch_netem.
netpath.py serve ADDR PORT
    Answers each connection's 100-byte request with 1000 bytes, then closes.
netpath.py clients ADDR PORT COUNT PARALLEL SECONDS OUT
    Makes COUNT connections (PARALLEL at a time, for SECONDS at most), each
    sending a request and reading the answer to its end, and writes to OUT a
    line a connection: its local port, the time connect() took and the time
    from sending the request to the first byte of the answer, in
    microseconds.
"""
import collections
import os
import random
import select
import signal
import socket
import sys
import threading
import time

REQUEST = 100
ANSWER = 1000


def packet_port(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((name, 0x0003))  # ETH_P_ALL: every frame, from the bind on
    return s


def is_tcp(frame):
    return len(frame) > 23 and frame[12:14] == b"\x08\x00" and frame[23] == 6


def write_stats(stats, counts):
    with open(stats + ".new", "w") as f:
        f.write("%d %d %d\n" % tuple(counts))
    os.rename(stats + ".new", stats)


def line(if_a, if_b, delay_ms, loss_pct, stats):
    a, b = packet_port(if_a), packet_port(if_b)
    delay = float(delay_ms) / 1000
    loss = float(loss_pct) / 100
    rng = random.Random(6298)
    held = collections.deque()   # frames from B: (when due, frame)
    counts = [0, 0, 0]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    write_stats(stats, counts)
    while not stop:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else 0.5
        try:
            ready, _, _ = select.select([a, b], [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            while True:
                try:
                    frame, addr = s.recvfrom(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING:
                    continue
                if s is a:
                    if loss and is_tcp(frame) and rng.random() < loss:
                        counts[2] += 1
                        continue
                    b.send(frame)
                    counts[0] += 1
                else:
                    held.append((time.monotonic() + delay, frame))
        now = time.monotonic()
        while held and held[0][0] <= now:
            a.send(held.popleft()[1])
            counts[1] += 1
    write_stats(stats, counts)


def serve(addr, port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, int(port)))
    srv.listen(512)

    def answer(c):
        with c:
            got = 0
            while got < REQUEST:
                d = c.recv(REQUEST - got)
                if not d:
                    return
                got += len(d)
            c.sendall(b"a" * ANSWER)

    while True:
        c, _ = srv.accept()
        threading.Thread(target=answer, args=(c,), daemon=True).start()


def clients(addr, port, count, parallel, seconds, out):
    count, end = int(count), time.monotonic() + float(seconds)
    lock = threading.Lock()
    times, failed = [], []
    left = [count]

    def worker():
        while time.monotonic() < end:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            try:
                t0 = time.monotonic()
                c = socket.create_connection((addr, int(port)), timeout=max(0.1, end - t0))
                t1 = time.monotonic()
                with c:
                    lport = c.getsockname()[1]
                    c.sendall(b"q" * REQUEST)
                    got, t2 = 0, None
                    while True:
                        d = c.recv(4096)
                        if not d:
                            break
                        if t2 is None:
                            t2 = time.monotonic()
                        got += len(d)
                if got != ANSWER:
                    raise OSError("answer of %d bytes" % got)
                with lock:
                    times.append("%d %d %d\n" % (lport, (t1 - t0) * 1e6, (t2 - t1) * 1e6))
            except OSError as e:
                with lock:
                    failed.append(str(e))

    threads = [threading.Thread(target=worker) for _ in range(int(parallel))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        f.writelines(times)
    if failed or len(times) != count:
        sys.exit("%d of %d connections done; failures: %s" % (len(times), count, failed[:3]))


if __name__ == "__main__":
    {"line": line, "serve": serve, "clients": clients}[sys.argv[1]](*sys.argv[2:])
