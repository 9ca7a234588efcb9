# The golden captures of connection identity (made with the others by tests/make-golden.py): one
# real connection, one row, whatever its quiet spells, and a new row only where the packets say a
# new connection began.  Default timeouts (syn_timeout 64 s, fin_timeout 60 s, closed_linger 2 s,
# time_wait 60 s).

from golden_build import *  # noqa: F401,F403


def again(k, c, frm, flags, at, **kw):
    """The segment frm sent last (a SYN or FIN, no payload) sent again at each time of at (us
    after the previous one): retransmissions."""
    for i, w in enumerate(at):
        k.tcp(c, frm, flags, dt=w, advance=i == len(at) - 1, retrans=True, **kw)


def to_client_fin(k, c):
    """c's handshake, 100 bytes from the client, 1000 from the server, the client's FIN."""
    k.handshake(c)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "PA", 1000)
    k.tcp(c, "c", "FA")


@case("ident_final_ack", LT_EN10MB, eth,
      "identity: the final ACK of a close comes 5 s after the server's FIN, past the 2 s linger "
      "(a busy capture, as gen-flows makes): the same row, CLOSED")
def _(k):
    c = k.conn(A, 44000, B, 80, "CLOSED", end="closed")
    to_client_fin(k, c)
    k.tcp(c, "s", "FA")
    k.tcp(c, "c", "A", dt=5 * S)
    k.other(IP(src=A, dst="203.0.113.53", id=9) / UDP(sport=53000, dport=53) / Raw(b"\0" * 20),
            "non_tcp", dt=3 * S)


@case("ident_fin_retrans", LT_EN10MB, eth,
      "identity: the client's FIN, the server's FIN|ACK sent again 3.8, 7.4, 14.6, 28.9 and 57.6 s "
      "after the close (the client's last ACK lost before the capture point): one row, CLOSED")
def _(k):
    c = k.conn(A, 44010, B, 80, "CLOSED")
    to_client_fin(k, c)
    k.tcp(c, "s", "FA", advance=False)
    prev = 0
    waits = []
    for t in (3800, 7400, 14600, 28900, 57600):
        waits.append((t - prev) * MS)
        prev = t
    again(k, c, "s", "FA", waits)


@case("ident_fin_acked_again", LT_EN10MB, eth,
      "identity: a close seen complete (the final ACK), then the server's FIN|ACK sent again 1.2 s "
      "and, past the 2 s linger, 2.7 s later (the final ACK lost beyond the capture point), "
      "acknowledged again each time: one row, CLOSED (time_wait_acked holds the tuple 3 s)")
def _(k):
    c = k.conn(A, 44015, B, 80, "CLOSED")
    to_client_fin(k, c)
    k.tcp(c, "s", "FA")
    k.tcp(c, "c", "A")
    fin = (c.seq["s"] - 1) % M32
    k.tcp(c, "s", "FA", dt=1200 * MS, advance=False, retrans=True, seq=fin)
    k.tcp(c, "c", "A")
    k.tcp(c, "s", "FA", dt=2700 * MS, advance=False, retrans=True, seq=fin)
    k.tcp(c, "c", "A")


@case("ident_syn_retrans", LT_EN10MB, eth,
      "identity: a SYN sent again at 1, 3, 7, 15, 31, 63 and 127 s (Linux's backoff, tcp_syn_retries "
      "= 7), answered then: one row, ESTABLISHED")
def _(k):
    c = k.conn(A, 44020, B, 80, "ESTABLISHED")
    k.tcp(c, "c", "S", advance=False)
    again(k, c, "c", "S", [1 * S, 2 * S, 4 * S, 8 * S, 16 * S, 32 * S, 64 * S])
    k.tcp(c, "s", "SA", dt=20 * MS)
    k.tcp(c, "c", "A", dt=1 * MS)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "PA", 200, dt=20 * MS)


@case("ident_rst_retry", LT_EN10MB, eth,
      "identity: a SYN refused (RST|ACK) and sent again with the same initial sequence number, twice, "
      "then answered: one row, ESTABLISHED; then a SYN with a new one on the tuple reset: a second row")
def _(k):
    c = k.conn(A, 44030, B, 80, "RESET", end="reused")
    k.tcp(c, "c", "S", advance=False)
    k.tcp(c, "s", "RA", ack=(c.seq["c"] + 1) % M32)
    k.tcp(c, "c", "S", dt=500 * MS, advance=False, retrans=True)
    k.tcp(c, "s", "RA", ack=(c.seq["c"] + 1) % M32)
    again(k, c, "c", "S", [1 * S])
    k.tcp(c, "s", "SA", dt=20 * MS)
    k.tcp(c, "c", "A", dt=1 * MS)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "s", "R", dt=20 * MS)
    d = k.conn(A, 44030, B, 80, "ESTABLISHED")
    k.handshake(d, dt=1 * S)


@case("ident_half_close_quiet", LT_EN10MB, eth,
      "identity: the client half-closes, the server is quiet for 70 s (past fin_timeout) and then "
      "sends more data, then its FIN: one row, CLOSED")
def _(k):
    c = k.conn(A, 44040, B, 80, "CLOSED")
    k.handshake(c)
    k.tcp(c, "c", "PA", 100)
    k.tcp(c, "c", "FA")
    k.tcp(c, "s", "A")
    k.tcp(c, "s", "PA", 1000, dt=70 * S)
    k.tcp(c, "c", "A")
    k.tcp(c, "s", "PA", 1000, dt=70 * S)
    k.tcp(c, "c", "A")
    k.tcp(c, "s", "FA")
    k.tcp(c, "c", "A")


@case("ident_midstream_quiet", LT_EN10MB, eth,
      "identity: a flow picked up mid-stream, heard from the server only, quiet for 40 s and for "
      "70 s: one row; then a segment on the tuple 2^31 bytes away (no window explains it): a new row")
def _(k):
    c = k.conn(A, 50000, B, 443, "ESTABLISHED", end="reused", midstream=True)
    k.tcp(c, "s", "PA", 1000)
    k.tcp(c, "s", "PA", 1000, dt=40 * S)
    k.tcp(c, "s", "PA", 1000, dt=70 * S)
    k.tcp(c, "s", "A", dt=70 * S)
    d = k.conn(A, 50000, B, 443, "ESTABLISHED", midstream=True)
    d.seq["s"] = (c.seq["s"] + (1 << 31)) % M32
    k.tcp(d, "s", "PA", 500, dt=1 * S)
