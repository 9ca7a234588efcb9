# The golden captures of the TCP health cases (made with the others by tests/make-golden.py).

from golden_build import *  # noqa: F401,F403


# ---- TCP health: each case where tshark's flags and the simple rule ("below the highest
# sequence number seen") could differ; tests/cmd/health.sh checks these against tshark too ----

def exchange(k, c, rtt_s, rtt_c, n=1000):
    """Client data answered by the server, then server data answered by the client: rtt_s and
    rtt_c are the server's and the client's side of the round trip (microseconds)."""
    k.tcp(c, "c", "PA", n)
    k.tcp(c, "s", "PA", n, dt=rtt_s)
    k.tcp(c, "c", "A", dt=rtt_c)


def repeated(k, c, frm, flags, waits, dt=MS):
    """A segment without payload, then the same again after each of waits (us): those are
    retransmissions."""
    k.tcp(c, frm, flags, dt=dt, advance=not waits)
    for i, w in enumerate(waits):
        k.tcp(c, frm, flags, dt=w, advance=i == len(waits) - 1, retrans=True)


@case("health_syn_retrans", LT_EN10MB, eth,
      "health: the SYN sent three times, then answered: 2 retransmissions, no server-side sample from "
      "the handshake (Karn), the handshake's length from the latest SYN; a SYN|ACK sent twice")
def _(k):
    c = k.conn(A, 43000, B, 80, "ESTABLISHED")
    repeated(k, c, "c", "S", [1 * S, 2 * S])
    k.tcp(c, "s", "SA", dt=30 * MS)
    k.tcp(c, "c", "A", dt=10 * MS)
    exchange(k, c, 30 * MS, 10 * MS)
    d = k.conn(A, 43001, B, 80, "ESTABLISHED")
    k.tcp(d, "c", "S")
    repeated(k, d, "s", "SA", [1 * S], dt=20 * MS)
    k.tcp(d, "c", "A", dt=5 * MS)
    exchange(k, d, 20 * MS, 5 * MS)


@case("health_fin_retrans", LT_EN10MB, eth,
      "health: the client's FIN sent twice, the server's FIN|ACK twice (its first lost beyond the "
      "capture point), each a retransmission of no payload")
def _(k):
    c = k.conn(A, 43010, B, 443, "CLOSED")
    k.handshake(c)
    exchange(k, c, 12 * MS, 3 * MS)
    repeated(k, c, "c", "FA", [200 * MS])
    repeated(k, c, "s", "FA", [400 * MS], dt=12 * MS)
    k.tcp(c, "c", "A", dt=3 * MS)


@case("health_window_probe", LT_EN10MB, eth,
      "health: the client's window closes; the server's 1-byte zero window probes are no "
      "retransmissions (tshark), nor the data that follows when the window opens")
def _(k):
    c = k.conn(A, 43020, B, 80, "ESTABLISHED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "PA", 1448, dt=8 * MS)
    k.tcp(c, "c", "A", dt=2 * MS, window=0)
    for wait in (200, 400, 800):
        k.tcp(c, "s", "A", 1, dt=wait * MS, advance=False)
        k.tcp(c, "c", "A", dt=2 * MS, window=0)
    k.tcp(c, "s", "A", 1, dt=1600 * MS)     # the probe byte taken this time
    k.tcp(c, "c", "A", dt=2 * MS, window=8192)
    k.tcp(c, "s", "PA", 1448, dt=1 * MS)
    k.tcp(c, "c", "A", dt=2 * MS)


@case("health_keepalive", LT_EN10MB, eth,
      "health: keep-alives of no byte and of one byte (one below the next sequence number) and "
      "their ACKs are no retransmissions; a 1-byte retransmission two below is one")
def _(k):
    c = k.conn(A, 43030, B, 22, "ESTABLISHED")
    k.handshake(c)
    exchange(k, c, 40 * MS, 2 * MS, 48)
    for n in (0, 1, 1):
        k.tcp(c, "c", "A", n, dt=75 * S, seq=(c.seq["c"] - 1) % M32, advance=False)
        k.tcp(c, "s", "A", dt=40 * MS)
    k.tcp(c, "s", "A", 0, dt=75 * S, seq=(c.seq["s"] - 1) % M32, advance=False)
    k.tcp(c, "c", "A", dt=2 * MS)
    k.tcp(c, "c", "PA", 1, seq=(c.seq["c"] - 2) % M32, advance=False, retrans=True)


@case("health_seq_wrap", LT_EN10MB, eth,
      "health: both sides' sequence numbers pass 2^32 in the middle of a segment; segments sent "
      "again before, across and after the wrap count")
def _(k):
    c = k.conn(A, 43040, B, 80, "CLOSED")
    c.seq["c"], c.seq["s"] = M32 - 250, M32 - 1000
    k.handshake(c)
    for _ in range(3):
        k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "A", dt=5 * MS)
    for _ in range(3):
        k.tcp(c, "s", "PA", 500)
    k.tcp(c, "c", "A", dt=5 * MS)
    cs, ss = c.seq["c"], c.seq["s"]
    k.tcp(c, "c", "PA", 100, seq=(cs - 300) % M32, advance=False, retrans=True)   # before 2^32
    k.tcp(c, "c", "PA", 100, seq=(cs - 200) % M32, advance=False, retrans=True)   # across it
    k.tcp(c, "c", "PA", 100, seq=(cs - 100) % M32, advance=False, retrans=True)   # after it
    k.tcp(c, "s", "PA", 500, seq=(ss - 1000) % M32, advance=False, retrans=True)  # across
    k.tcp(c, "s", "PA", 500, seq=(ss - 500) % M32, advance=False, retrans=True)   # after
    exchange(k, c, 5 * MS, 5 * MS)
    k.close(c, "c")


@case("health_midstream", LT_EN10MB, eth,
      "health: connections picked up mid-stream: one whose first segment is data the client had "
      "acknowledged (spurious), one that starts with keep-alives; samples from the first timed segment")
def _(k):
    c = k.conn(A, 50000, B, 443, "ESTABLISHED", midstream=True)
    k.tcp(c, "c", "A")                                 # acknowledges what the server sent
    k.tcp(c, "s", "PA", 1448, seq=(c.seq["s"] - 1448) % M32, advance=False, retrans=True, dt=20 * MS)
    k.tcp(c, "s", "PA", 1448, dt=1 * MS)
    k.tcp(c, "c", "A", dt=15 * MS)
    exchange(k, c, 25 * MS, 15 * MS)
    k.tcp(c, "s", "PA", 1448, seq=(c.seq["s"] - 1448) % M32, advance=False, retrans=True, dt=300 * MS)
    e = k.conn(A, 50001, B, 443, "ESTABLISHED", midstream=True)
    k.tcp(e, "s", "A", 0, seq=(e.seq["s"] - 1) % M32, advance=False)   # a keep-alive
    k.tcp(e, "c", "A", dt=30 * MS)
    # one byte there: tshark knows no nxt but the keep-alive's seq, and flags the acknowledged byte
    k.tcp(e, "s", "A", 1, seq=(e.seq["s"] - 1) % M32, advance=False, dt=75 * S, retrans=True)
    k.tcp(e, "c", "A", dt=30 * MS)
    exchange(k, e, 28 * MS, 2 * MS, 200)


@case("health_reorder", LT_EN10MB, eth,
      "health: segments reordered on the way (a hole filled late), an overlapping one, and data "
      "starting one below the highest sequence number seen (which tshark does not flag)")
def _(k):
    c = k.conn(A, 43050, B, 80, "ESTABLISHED")
    k.handshake(c)
    s0 = c.seq["s"]
    k.tcp(c, "s", "PA", 1000, seq=s0, advance=False)
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 2000) % M32, advance=False)            # ahead of a hole
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 1000) % M32, advance=False, retrans=True)  # the hole, late
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 3000) % M32, advance=False)
    k.tcp(c, "c", "A", ack=(s0 + 4000) % M32, dt=10 * MS)
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 3500) % M32, advance=False, retrans=True)  # overlaps
    k.tcp(c, "s", "PA", 1000, seq=(s0 + 4499) % M32, advance=False)            # one below nxt
    c.seq["s"] = s0 + 5499
    k.tcp(c, "c", "A", dt=10 * MS)
    exchange(k, c, 10 * MS, 10 * MS)
