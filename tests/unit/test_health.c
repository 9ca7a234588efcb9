/*
 * test_health: segments of one connection through health_packet(), and the
 * view it gives: the handshake and its split, SRTT and minimum, Karn's
 * rule, retransmissions (SYN, FIN, data, spurious, reordering) and what is
 * not one (keep-alives, window probes, data one below the next sequence
 * number), sequence numbers wrapping past 2^32, a pick-up mid-stream, a new
 * initial sequence number; and that the inline common segment changes what
 * the full rules change, segment by segment.
 */
#include <stdint.h>
#include <string.h>

#include "health.h"
#include "tap.h"

#define C 0 /* client to server */
#define S 1 /* server to client */
#define MS 1000

static struct health_hot hh;
static struct health_cold hc;
static int64_t clock_us;

/* One segment: direction, flags, seq, ack, payload bytes, window, and the
 * time since the previous one.  Returns whether it was a retransmission. */
static int seg(int dir, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len, uint16_t win, int64_t dt)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.family = 4;
	p.flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.payload = len;
	p.win = win;
	p.whole = 1;
	clock_us += dt;
	p.ts = clock_us;
	return health_packet(&hh, &hc, &p, dir);
}

static struct tt_conn view(void)
{
	struct tt_conn v;
	memset(&v, 0, sizeof v);
	health_view(&hh, &hc, &v);
	return v;
}

static void start(void)
{
	health_init(&hh, &hc);
	clock_us = 1700000000LL * 1000000;
}

#define SYN TCPF_SYN
#define ACK TCPF_ACK
#define FIN TCPF_FIN
#define RST TCPF_RST
#define PSH (TCPF_PSH | TCPF_ACK)

static const uint32_t CI = 1000, SI = 5000; /* initial sequence numbers */

/* SYN, SYN|ACK 30 ms later, ACK 10 ms later */
static void handshake(void)
{
	seg(C, SYN, CI, 0, 0, 65535, 0);
	seg(S, SYN | ACK, SI, CI + 1, 0, 65535, 30 * MS);
	seg(C, ACK, CI + 1, SI + 1, 0, 65535, 10 * MS);
}

/* A fresh connection: the handshake, then 100 bytes from the client.
 * Returns the client's next sequence number. */
static uint32_t opened_with_data(void)
{
	start();
	handshake();
	seg(C, PSH, CI + 1, SI + 1, 100, 65535, MS);
	return CI + 101;
}

static void test_handshake(void)
{
	start();
	struct tt_conn v = view();
	CHECK(v.handshake_us == -1 && v.rtt_us == -1 && v.rtt_client_us == -1 && v.rtt_server_us == -1 &&
	      v.rtt_min_us == -1, "nothing seen: no values (-1)");
	handshake();
	v = view();
	CHECK(v.handshake_us == 40000, "handshake: SYN to the last ACK, 40 ms (got %lld)", (long long)v.handshake_us);
	CHECK(v.rtt_server_us == 30000, "server side: SYN to SYN|ACK (got %lld)", (long long)v.rtt_server_us);
	CHECK(v.rtt_client_us == 10000, "client side: SYN|ACK to ACK (got %lld)", (long long)v.rtt_client_us);
	CHECK(v.rtt_us == 40000 && v.rtt_min_us == 40000, "end to end: the sum (got %lld, min %lld)",
	      (long long)v.rtt_us, (long long)v.rtt_min_us);
	CHECK(v.c2s_retrans == 0 && v.s2c_retrans == 0, "no retransmission");

	/* the handshake's length is that of the latest SYN (tshark's
	 * initial_rtt); the retransmitted SYN is no sample (Karn) */
	start();
	seg(C, SYN, CI, 0, 0, 65535, 0);
	CHECK(seg(C, SYN, CI, 0, 0, 65535, 1000 * MS), "a repeated SYN is a retransmission");
	seg(S, SYN | ACK, SI, CI + 1, 0, 65535, 30 * MS);
	seg(C, ACK, CI + 1, SI + 1, 0, 65535, 10 * MS);
	v = view();
	CHECK(v.handshake_us == 40000, "handshake from the latest SYN (got %lld)", (long long)v.handshake_us);
	CHECK(v.rtt_server_us == -1, "no server sample from a retransmitted SYN (got %lld)", (long long)v.rtt_server_us);
	CHECK(v.rtt_client_us == 10000 && v.rtt_us == -1, "client side only");
	CHECK(v.c2s_retrans == 1 && v.c2s_retrans_bytes == 0, "the SYN: one segment, no payload");

	/* a repeated SYN|ACK: the handshake is still SYN to ACK, no client sample */
	start();
	seg(C, SYN, CI, 0, 0, 65535, 0);
	seg(S, SYN | ACK, SI, CI + 1, 0, 65535, 30 * MS);
	CHECK(seg(S, SYN | ACK, SI, CI + 1, 0, 65535, 1000 * MS), "a repeated SYN|ACK is a retransmission");
	seg(C, ACK, CI + 1, SI + 1, 0, 65535, 10 * MS);
	v = view();
	CHECK(v.handshake_us == 1040000, "handshake SYN to ACK (got %lld)", (long long)v.handshake_us);
	CHECK(v.rtt_server_us == 30000 && v.rtt_client_us == -1, "server sample only");
	CHECK(v.s2c_retrans == 1, "one s2c retransmission");

	/* a RST|ACK that refuses the SYN ends the opening: tshark gives it */
	start();
	seg(C, SYN, CI, 0, 0, 65535, 0);
	seg(S, RST | ACK, 0, CI + 1, 0, 0, 25 * MS);
	v = view();
	CHECK(v.handshake_us == 25000 && v.rtt_server_us == 25000, "SYN refused: 25 ms both (got %lld, %lld)",
	      (long long)v.handshake_us, (long long)v.rtt_server_us);

	/* the client giving up on an unanswered SYN is no handshake */
	start();
	seg(C, SYN, CI, 0, 0, 65535, 0);
	seg(C, SYN, CI, 0, 0, 65535, 1000 * MS);
	seg(C, RST | ACK, CI + 1, 0, 0, 0, 3000 * MS);
	CHECK(view().handshake_us == -1, "SYN then the client's RST: no handshake");

	/* an ACK in the same microsecond gives no length: the next one does */
	start();
	seg(C, SYN, CI, 0, 0, 65535, 0);
	seg(S, SYN | ACK, SI, CI + 1, 0, 65535, 0);
	seg(C, ACK, CI + 1, SI + 1, 0, 65535, 0);
	CHECK(view().handshake_us == -1, "a length of 0 is not taken");
	seg(C, PSH, CI + 1, SI + 1, 10, 65535, 7);
	CHECK(view().handshake_us == 7, "the next ACK gives it (got %lld)", (long long)view().handshake_us);
	CHECK(view().rtt_server_us == 0 && view().rtt_client_us == 0, "samples of 0 us are samples");
}

static void test_srtt(void)
{
	start();
	handshake();
	uint32_t cs = CI + 1, ss = SI + 1;
	/* server data acknowledged by the client: client side samples 20, 20,
	 * then 100 ms: SRTT 10 -> 11.25 -> 12.34 -> 23.30 ms (alpha 1/8) */
	static const int64_t rtt[] = {20, 20, 100};
	for (int i = 0; i < 3; i++) {
		seg(S, PSH, ss, cs, 1000, 65535, 5 * MS);
		ss += 1000;
		seg(C, ACK, cs, ss, 0, 65535, rtt[i] * MS);
	}
	struct tt_conn v = view();
	/* 8 x SRTT: 80000 -> 90000 -> 98750 -> 186407 (integer): 23301 us */
	CHECK(v.rtt_client_us == 23301, "SRTT of the client side (got %lld)", (long long)v.rtt_client_us);
	CHECK(v.rtt_server_us == 30000, "server side unchanged");
	CHECK(v.rtt_us == 53301, "rtt_us is the sum (got %lld)", (long long)v.rtt_us);
	CHECK(v.rtt_min_us == 40000, "min: 10 ms + 30 ms (got %lld)", (long long)v.rtt_min_us);

	/* client data acknowledged by the server: the server side; one
	 * segment timed at a time, the first ACK that covers it */
	seg(C, PSH, cs, ss, 100, 65535, 5 * MS);     /* timed */
	seg(C, PSH, cs + 100, ss, 100, 65535, 1 * MS); /* not timed */
	seg(S, ACK, ss, cs + 50, 0, 65535, 5 * MS);   /* does not cover it */
	seg(S, ACK, ss, cs + 200, 0, 65535, 4 * MS);  /* covers both: 10 ms after the first */
	cs += 200;
	v = view();
	/* 8 x SRTT 240000 -> 240000 - 30000 + 10000 = 220000 */
	CHECK(v.rtt_server_us == 27500, "server side SRTT 30 -> 27.5 ms (got %lld)", (long long)v.rtt_server_us);
	CHECK(v.rtt_min_us == 20000, "min 10 + 10 ms (got %lld)", (long long)v.rtt_min_us);

	/* an answer later than HEALTH_RTT_MAX is no round trip */
	seg(C, PSH, cs, ss, 100, 65535, 5 * MS);
	seg(S, ACK, ss, cs + 100, 0, 65535, (int64_t)HEALTH_RTT_MAX);
	CHECK(view().rtt_server_us == 27500, "an answer 537 s later is no sample");
}

static void test_karn(void)
{
	start();
	handshake();
	uint32_t cs = CI + 1, ss = SI + 1;
	seg(C, PSH, cs, ss, 100, 65535, 5 * MS);         /* timed */
	CHECK(seg(C, PSH, cs, ss, 100, 65535, 200 * MS), "the same data again: a retransmission");
	seg(S, ACK, ss, cs + 100, 0, 65535, 10 * MS);
	struct tt_conn v = view();
	CHECK(v.rtt_server_us == 30000, "no sample from a retransmitted segment (got %lld)", (long long)v.rtt_server_us);
	CHECK(v.c2s_retrans == 1 && v.c2s_retrans_bytes == 100, "1 segment, 100 bytes");
	/* the next new segment is timed again */
	seg(C, PSH, cs + 100, ss, 100, 65535, 5 * MS);
	seg(S, ACK, ss, cs + 200, 0, 65535, 22 * MS);
	CHECK(view().rtt_server_us == 29000, "timing goes on after (got %lld)", (long long)view().rtt_server_us);

	/* a retransmission of an earlier segment also cancels the timing:
	 * the ACK waits for the hole to be filled */
	cs += 200;
	seg(C, PSH, cs, ss, 100, 65535, 5 * MS);       /* lost after the capture point */
	seg(C, PSH, cs + 100, ss, 100, 65535, 1 * MS);
	seg(S, ACK, ss, cs, 0, 65535, 10 * MS);
	CHECK(seg(C, PSH, cs, ss, 100, 65535, 200 * MS), "the lost segment sent again");
	seg(S, ACK, ss, cs + 200, 0, 65535, 10 * MS);
	CHECK(view().rtt_server_us == 29000, "no sample across a retransmission");
}

static void test_retrans(void)
{
	/* FIN retransmitted; data starting one below nxt is left alone
	 * (tshark); a FIN there counts */
	uint32_t cs = opened_with_data(), ss = SI + 1;
	CHECK(!seg(C, FIN | ACK, cs, ss, 0, 65535, MS), "the first FIN");
	CHECK(seg(C, FIN | ACK, cs, ss, 0, 65535, 200 * MS), "the FIN again: a retransmission");
	CHECK(seg(C, PSH, cs - 50, ss, 10, 65535, MS), "data below the FIN");
	CHECK(!seg(C, PSH, cs, ss, 10, 65535, MS), "data starting at the FIN (one below nxt): not counted");
	struct tt_conn v = view();
	CHECK(v.c2s_retrans == 2 && v.c2s_retrans_bytes == 10, "FIN and 10 bytes (got %llu, %llu)",
	      (unsigned long long)v.c2s_retrans, (unsigned long long)v.c2s_retrans_bytes);

	/* reordering: a segment that comes after a later one is counted
	 * (tshark: out of order), and it does not move nxt back */
	start();
	handshake();
	cs = CI + 1;
	seg(C, PSH, cs, ss, 100, 65535, MS);
	seg(C, PSH, cs + 200, ss, 100, 65535, MS); /* ahead of a hole */
	CHECK(seg(C, PSH, cs + 100, ss, 100, 65535, MS), "the hole filled late: out of order");
	CHECK(!seg(C, PSH, cs + 300, ss, 100, 65535, MS), "the next segment is new");
	CHECK(seg(C, PSH, cs + 150, ss, 100, 65535, MS), "overlapping, starting below: counted");

	/* spurious: data the peer acknowledged already, even starting at nxt */
	start();
	seg(C, PSH, CI, SI, 100, 65535, 0);                 /* mid-stream */
	seg(S, ACK, SI, CI + 300, 0, 65535, MS);            /* acknowledges unseen data */
	CHECK(seg(C, PSH, CI + 100, SI, 100, 65535, MS), "already acknowledged: spurious retransmission");
	CHECK(!seg(C, PSH, CI + 300, SI, 100, 65535, MS), "beyond the acknowledgment: new");
	CHECK(view().c2s_retrans_bytes == 100, "100 bytes");
}

static void test_not_retrans(void)
{
	uint32_t cs = opened_with_data(), ss = SI + 1;
	seg(S, ACK, ss, cs, 0, 65535, MS);
	/* keep-alives: 0 or 1 byte one below nxt */
	CHECK(!seg(C, ACK, cs - 1, ss, 0, 65535, 7200LL * 1000 * MS), "keep-alive, no byte");
	CHECK(!seg(C, ACK, cs - 1, ss, 1, 65535, 75LL * 1000 * MS), "keep-alive with one byte (acknowledged)");
	CHECK(!seg(C, ACK, cs - 1, ss, 1, 65535, 75LL * 1000 * MS), "and again");
	/* window probes: the server closes its window; 1-byte probes at nxt
	 * do not move nxt, so the next probe is not below it */
	seg(S, ACK, ss, cs, 0, 0, MS);
	CHECK(!seg(C, ACK, cs, ss, 1, 65535, 200 * MS), "zero window probe");
	seg(S, ACK, ss, cs, 0, 0, MS);
	CHECK(!seg(C, ACK, cs, ss, 1, 65535, 400 * MS), "the probe again");
	seg(S, ACK, ss, cs, 0, 0, MS);
	CHECK(!seg(C, ACK, cs, ss, 1, 65535, 800 * MS), "and again");
	seg(S, ACK, ss, cs + 1, 0, 4096, MS); /* the window opens, the probe byte taken */
	CHECK(!seg(C, PSH, cs + 1, ss, 1000, 65535, MS), "data after the probes");
	/* with the window open, a byte at nxt is data: the same again counts */
	CHECK(!seg(C, PSH, cs + 1001, ss, 1, 65535, MS), "one byte at nxt, window open");
	CHECK(seg(C, PSH, cs + 1001, ss, 1, 65535, MS) == 0, "repeated: one below nxt, a keep-alive for tshark");
	struct tt_conn v = view();
	CHECK(v.c2s_retrans == 0 && v.s2c_retrans == 0, "none of these is a retransmission (got %llu)",
	      (unsigned long long)v.c2s_retrans);
	/* a pure ACK repeated, a RST: no data, no retransmission */
	CHECK(!seg(S, ACK, ss, cs, 0, 4096, MS) && !seg(S, ACK, ss, cs, 0, 4096, MS), "duplicate ACKs");
	CHECK(!seg(S, RST, ss - 10, 0, 0, 0, MS), "a RST below nxt");
}

static void test_wrap(void)
{
	/* the client's sequence numbers pass 2^32 */
	start();
	uint32_t ci = 0xffffff00u, ss = SI + 1;
	seg(C, SYN, ci, 0, 0, 65535, 0);
	seg(S, SYN | ACK, SI, ci + 1, 0, 65535, 30 * MS);
	seg(C, ACK, ci + 1, ss, 0, 65535, 10 * MS);
	uint32_t cs = ci + 1;
	for (int i = 0; i < 4; i++, cs += 100)
		CHECK(!seg(C, PSH, cs, ss, 100, 65535, MS), "segment %d across the wrap is new", i);
	CHECK(cs == 0x91u, "past 2^32");
	CHECK(seg(C, PSH, ci + 101, ss, 100, 65535, MS), "one before 2^32, again");
	CHECK(seg(C, PSH, ci + 201, ss, 100, 65535, MS), "the one across 2^32, again");
	CHECK(!seg(C, PSH, cs, ss, 100, 65535, MS), "new data after the wrap");
	seg(S, ACK, ss, cs + 100, 0, 65535, 10 * MS);
	CHECK(view().c2s_retrans == 2, "two retransmissions");

	/* nxt landing exactly on 0 stands for "nothing yet", as in tshark:
	 * the segment after it is not compared */
	start();
	seg(C, SYN, 0xffffff00u, 0, 0, 65535, 0);
	seg(C, PSH, 0xffffff01u, 0, 255, 65535, MS); /* nxt = 0 */
	CHECK(!seg(C, PSH, 0xffffff01u, 0, 255, 65535, MS), "after nxt 0: not compared (tshark)");
	CHECK(!seg(C, PSH, 0, 0, 10, 65535, MS), "new data at 0");
	CHECK(seg(C, PSH, 0xffffff01u, 0, 255, 65535, MS), "then compared again");
}

static void test_midstream(void)
{
	/* picked up mid-stream: the first segment of each side is new, the
	 * samples start with the first segment timed */
	start();
	uint32_t cs = 77777, ss = 99999;
	CHECK(!seg(S, PSH, ss, cs, 1400, 65535, 0), "the first segment seen");
	CHECK(!seg(C, ACK, cs, ss + 1400, 0, 65535, 15 * MS), "its ACK");
	struct tt_conn v = view();
	CHECK(v.handshake_us == -1, "no handshake");
	CHECK(v.rtt_client_us == 15000 && v.rtt_server_us == -1 && v.rtt_us == -1,
	      "client side from the first segment, no end to end yet");
	CHECK(seg(S, PSH, ss, cs, 1400, 65535, 300 * MS), "the first segment again");
	seg(C, PSH, cs, ss + 1400, 100, 65535, MS);
	seg(S, ACK, ss + 1400, cs + 100, 0, 65535, 40 * MS);
	v = view();
	CHECK(v.rtt_server_us == 40000 && v.rtt_us == 55000, "both sides: 15 + 40 ms (got %lld)", (long long)v.rtt_us);

	/* the first segment of a side already acknowledged by the peer */
	start();
	seg(C, PSH, cs, ss, 10, 65535, 0);
	CHECK(seg(S, PSH, ss - 100, cs + 10, 50, 65535, MS), "data the client had acknowledged");
}

static void test_new_isn(void)
{
	/* a SYN with another initial sequence number: sequence numbers start
	 * again (tshark opens a new stream); counts stay */
	start();
	handshake();
	uint32_t cs = CI + 1, ss = SI + 1;
	seg(C, PSH, cs, ss, 500, 65535, MS);
	CHECK(seg(C, PSH, cs, ss, 500, 65535, MS), "a retransmission");
	CHECK(!seg(C, SYN, CI - 4000, 0, 0, 65535, 1000 * MS), "a SYN with a lower new ISN: not one");
	CHECK(!seg(S, SYN | ACK, SI - 3000, CI - 3999, 0, 65535, 10 * MS), "its SYN|ACK below the old one");
	CHECK(!seg(C, PSH, CI - 3999, SI - 2999, 100, 65535, 10 * MS), "data of the new one");
	CHECK(view().c2s_retrans == 1, "the count of the first stays");
	/* a header without its window is left out */
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.flags = TCPF_ACK | TCPF_PSH, p.seq = CI - 3999, p.payload = 100, p.whole = 0;
	p.ts = clock_us;
	CHECK(!health_packet(&hh, &hc, &p, C), "a header cut before the window: not analysed");
	CHECK(!seg(C, PSH, CI - 3899, SI - 2999, 100, 65535, MS), "and the next segment is new");
	CHECK(seg(C, PSH, CI - 3999, SI - 2999, 100, 65535, MS), "the segment before it is not");
}

/* A frame stamped before the segment it acknowledges (a damaged stamp, a
 * clock stepped back) gives no sample, however far back: the SYN|ACK of
 * tls_DER-incomplete-content.pcap is stamped 21 years (668322441.995528 s)
 * before its SYN, which modulo 2^32 us is minutes after it, a sample a
 * 32-bit difference took (209 s in that capture). */
static void test_time_back(void)
{
	const int64_t years21 = 668322441995528LL;
	start();
	seg(C, SYN, CI, 0, 0, 65535, 0);
	seg(S, SYN | ACK, SI, CI + 1, 0, 65535, -years21);
	seg(C, ACK, CI + 1, SI + 1, 0, 65535, years21 + 45);
	struct tt_conn v = view();
	CHECK(v.rtt_server_us == -1, "a SYN|ACK stamped 21 years before its SYN: no sample (got %lld)",
	      (long long)v.rtt_server_us);
	CHECK(v.handshake_us == 45, "the handshake from the SYN and the last ACK (got %lld)", (long long)v.handshake_us);
	/* data acknowledged an hour and a half before it was sent, then the
	 * next segment timed as usual */
	uint32_t cs = CI + 1;
	seg(C, PSH, cs, SI + 1, 100, 65535, MS);
	seg(S, ACK, SI + 1, cs + 100, 0, 65535, -90LL * 60 * 1000000);
	CHECK(view().rtt_server_us == -1, "an acknowledgment stamped 90 minutes back: no sample");
	seg(C, PSH, cs + 100, SI + 1, 100, 65535, 90LL * 60 * 1000000 + MS);
	seg(S, ACK, SI + 1, cs + 200, 0, 65535, 20 * MS);
	v = view();
	CHECK(v.rtt_server_us == 20000, "the next one times 20 ms (got %lld)", (long long)v.rtt_server_us);
}

/* health_common() is a shortcut, not a rule of its own: segment by segment,
 * a state fed through health_packet() (the common segment inline) and one
 * fed through health_segment() alone stay equal, byte for byte.  The
 * segments are drawn (a fixed seed) around what the shortcut tests: at,
 * just below and past the next sequence number, acknowledgments at, below
 * and past what the peer sent, windows of 0, SYN, FIN and RST among the
 * ACKs, sequence numbers that wrap past 2^32 and land exactly on 0. */
static void test_common_is_segment(void)
{
	static const uint8_t flags[] = {ACK, ACK, ACK, PSH, PSH, PSH, ACK | FIN, SYN, SYN | ACK, RST, RST | ACK, 0};
	static const uint32_t lens[] = {0, 0, 0, 1, 100, 100, 100, 1460};
	static const int32_t near[] = {0, 0, 0, 0, 0, 0, -1, -100, 100, 1, -70000, 0x7fffffff};
	uint64_t x = 0x9e3779b97f4a7c15u;
	int diverged = 0, common = 0, on0 = 0;
	for (int conn = 0; conn < 200 && !diverged; conn++) {
		struct health_hot a, b;
		struct health_cold ac, bc;
		health_init(&a, &ac);
		health_init(&b, &bc);
		/* both sides pass 2^32 within the first few hundred segments */
		uint32_t cur[2] = {0xffffffffu - 97 * (uint32_t)conn, 0xffffffffu - 61 * (uint32_t)conn};
		int64_t ts = 1700000000LL * 1000000;
		for (int i = 0; i < 400; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			int d = (int)(x & 1);
			struct pkt p;
			memset(&p, 0, sizeof p);
			p.family = 4;
			p.whole = 1;
			p.flags = flags[(x >> 1) % sizeof flags];
			p.payload = (p.flags & (SYN | RST)) ? 0 : lens[(x >> 9) % 8];
			p.seq = cur[d] + (uint32_t)near[(x >> 13) % 12];
			p.ack = (p.flags & ACK) ? cur[!d] + (uint32_t)near[(x >> 17) % 12] : 0;
			p.win = (x >> 21) % 16 ? 65535 : 0;
			ts += (int64_t)((x >> 25) % 20000);
			p.ts = ts;
			/* the segment that crosses 2^32 ends exactly on it */
			uint32_t to0 = 0u - cur[d];
			if (p.seq == cur[d] && p.payload && to0 > 1 && to0 <= 1460)
				p.payload = to0 - !!(p.flags & FIN);
			if (p.seq == cur[d])
				cur[d] += p.payload + !!(p.flags & (SYN | FIN));
			struct health_hot a0 = a;
			int ra = health_packet(&a, &ac, &p, d), rb = health_segment(&b, &bc, &p, d);
			int took = health_common(&a0, &p, d);
			common += took;
			/* one the shortcut would take but for its end on 2^32 */
			on0 += !took && !(a0.flags & HF_FAST_MASK) && p.seq == a0.nxt[d] &&
			       p.seq + p.payload + !!(p.flags & FIN) == 0 && (p.flags & (SYN | RST | ACK)) == ACK &&
			       p.win && !health_seq_lt(a0.nxt[!d], p.ack);
			if (ra != rb || memcmp(&a, &b, sizeof a) || memcmp(&ac, &bc, sizeof ac)) {
				fprintf(stderr, "connection %d segment %d: dir %d flags %#x seq %#x ack %#x len %u win %u\n", conn, i, d,
				     p.flags, p.seq, p.ack, p.payload, p.win);
				diverged = 1;
				break;
			}
		}
	}
	CHECK(!diverged, "the common segment inline changes what the full rules change, nothing else");
	CHECK(common > 3000, "and it was taken (%d times)", common);
	CHECK(on0 > 10, "a common segment ending on 2^32 went to the full rules (%d times)", on0);
}

/* health_open() is health_init() and health_packet() for a connection's
 * SYN, and health_init() alone for any other first segment. */
static void test_open(void)
{
	static const uint8_t flags[] = {SYN, SYN | ACK, ACK, PSH, RST, SYN | FIN};
	int bad = 0;
	for (size_t i = 0; i < sizeof flags; i++)
		for (int d = 0; d < 2; d++)
			for (int len = 0; len <= 1; len++)
				for (int whole = 0; whole <= 1; whole++) {
					struct pkt p;
					memset(&p, 0, sizeof p);
					p.family = 4;
					p.flags = flags[i];
					p.seq = 0xfffffffeu + (uint32_t)i;
					p.ack = (flags[i] & ACK) ? 777 : 0;
					p.payload = (uint32_t)len;
					p.win = d ? 0 : 65535;
					p.whole = (uint8_t)whole;
					p.ts = 1700000000LL * 1000000;
					struct health_hot a, b;
					struct health_cold ac, bc;
					memset(&a, 0x5a, sizeof a);
					memset(&ac, 0x5a, sizeof ac);
					int took = health_open(&a, &ac, &p, d);
					health_init(&b, &bc);
					if (took)
						health_packet(&b, &bc, &p, d);
					bad += took != (whole && !len && flags[i] == SYN) || memcmp(&a, &b, sizeof a) ||
					       memcmp(&ac, &bc, sizeof ac);
				}
	CHECK(!bad, "health_open: %d of 48 first segments differ", bad);
}

static void test_view_off(void)
{
	struct tt_conn v;
	memset(&v, 0x55, sizeof v);
	health_view(NULL, NULL, &v);
	CHECK(v.handshake_us == -1 && v.rtt_us == -1 && v.rtt_client_us == -1 && v.rtt_server_us == -1 &&
	      v.rtt_min_us == -1, "measurement off: no times");
	CHECK(!v.c2s_retrans && !v.c2s_retrans_bytes && !v.s2c_retrans && !v.s2c_retrans_bytes, "and no counts");
	size_t n = sizeof(struct health_hot) + sizeof(struct health_cold);
	CHECK(n <= 64, "64 bytes a connection at most (%zu)", n);
}

int main(void)
{
	test_handshake();
	test_srtt();
	test_karn();
	test_retrans();
	test_not_retrans();
	test_wrap();
	test_midstream();
	test_new_isn();
	test_time_back();
	test_common_is_segment();
	test_open();
	test_view_off();
	DONE();
}
