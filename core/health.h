/*
 * health: round-trip times and retransmissions of one TCP connection, as the
 * capture point sees them.  Pure: a state per connection, updated by each of
 * its segments; no allocation, no globals.
 *
 * Retransmissions follow Wireshark's TCP analysis (tshark 4.0): a segment
 * counts when tshark flags it a retransmission, fast or spurious
 * retransmission or out-of-order segment.  Round trips are split at the
 * capture point: data sent by the client and acknowledged by the server
 * times the server side, the other way round the client side.
 */
#ifndef TT_HEALTH_H
#define TT_HEALTH_H

#include <stdint.h>

#include "decode.h"
#include "tcptrack/plugin.h"

/* Samples this long or longer are not round trips (an answer minutes
 * later) and are left out; it also keeps 8 x SRTT in 32 bits. */
#define HEALTH_RTT_MAX (1u << 29) /* us, about 537 s */

/*
 * One connection, in three parts: the flags (HF_* below), what every segment
 * reads and writes (hot: it lives in the table's entry, in the cache lines
 * the packet loads anyway) and what only a SYN, a retransmission, an
 * acknowledgment of data not seen or the view reads (cold: beside the
 * entry).  [0] is the client to server direction (or the client side), [1]
 * the other.  Sequence numbers as on the wire; times are the low 32 bits of
 * the capture clock in microseconds, so differences up to 71 minutes are
 * right.
 */
struct health_hot {
	uint32_t nxt[2];    /* the highest sequence number sent + 1 (tshark's
	                     * nextseq); 0 stands for none, as in tshark */
	uint32_t tend;      /* the segment being timed: its end, */
	uint32_t tsent;     /* and when it was seen (bits 0-31 of the capture
	                     * clock; tsent_hi below holds bits 32-47) */
	uint32_t srtt8[2];  /* per side: smoothed round trip x 8 (RFC 6298) */
	uint32_t rmin[2];   /* per side: the smallest sample; UINT32_MAX: none */
	uint32_t hs;        /* the latest SYN's time, then the handshake's length */
	uint16_t flags;     /* HF_* below */
	uint16_t tsent_hi;  /* bits 32-47 of when the timed segment was seen: a
	                     * frame stamped before it (a clock stepped back,
	                     * a damaged stamp) gives no sample, however far
	                     * back (up to 8.9 years: then modulo) */
};

struct health_cold {
	uint32_t ack[2];    /* the latest acknowledgment field sent, while it
	                     * covers data of the peer not seen (else 0;
	                     * HF_ACK says which are not) */
	uint32_t rsegs[2];  /* retransmitted segments (saturating) */
	uint32_t rbytes[2]; /* their payload bytes (saturating) */
};

_Static_assert(sizeof(struct health_hot) + sizeof(struct health_cold) <= 64,
               "health state: 64 bytes a connection at most");

/* A fresh state: a connection that nothing was seen of. */
void health_init(struct health_hot *h, struct health_cold *hc);

/* Any segment, every rule (health.c); health_packet's slow path. */
int health_segment(struct health_hot *h, struct health_cold *hc, const struct pkt *p, int d);

/* Fill the health fields of view v (handshake_us to s2c_retrans_bytes)
 * from the two parts; h NULL: the measurement is off (no values). */
void health_view(const struct health_hot *h, const struct health_cold *hc, struct tt_conn *v);

/* The state's flags, and what the per-packet path needs inline: it runs
 * for every packet, in the caller's frame, so that the common segment
 * costs no call and no saved registers. */
#define HF_WIN0   0x01 /* << dir: the latest window field of that direction was 0 */
#define HF_T0     0x04 /* << dir: a segment of that direction is being timed */
#define HF_TIMING (HF_T0 | HF_T0 << 1)
#define HF_SYN    0x10 /* hs holds the latest SYN's time */
#define HF_HSLEN  0x20 /* hs holds the handshake's length, not counted yet */
#define HF_HS     0x40 /* hs holds the handshake's length, and it counts
                        * (see health_segment) */
#define HF_NONXT  0x80 /* << dir: nxt of that direction is none (0) */
#define HF_ACK    0x200 /* << dir: ack of that direction is kept (not 0) */

/* sequence numbers compared modulo 2^32 (RFC 9293 section 3.4) */
static inline int health_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* The timed segment was seen at ts (us). */
static inline __attribute__((always_inline)) void health_sent(struct health_hot *h, int64_t ts)
{
	h->tsent = (uint32_t)ts;
	h->tsent_hi = (uint16_t)((uint64_t)ts >> 32);
}

/* A round-trip sample of side s: from the timed segment to ts, its
 * acknowledgment.  RFC 6298's SRTT, alpha 1/8, kept times 8 so that the
 * integer average does not drift, and the minimum.  Nothing from an
 * acknowledgment too long after the segment, or stamped before it (the
 * difference of the low 32 bits may then be small, that of the 48 is
 * not). */
static inline __attribute__((always_inline)) void health_sample(struct health_hot *h, int s, int64_t ts)
{
	uint32_t r = (uint32_t)ts - h->tsent;
	/* (the segment's time, ts - r, must have tsent_hi's bits too) */
	if (r >= HEALTH_RTT_MAX || (uint16_t)(((uint64_t)ts - r) >> 32) != h->tsent_hi)
		return;
	uint32_t mn = h->rmin[s], s8 = h->srtt8[s];
	h->srtt8[s] = mn == UINT32_MAX ? r << 3 : s8 - (s8 >> 3) + r;
	h->rmin[s] = r < mn ? r : mn;
}

/* The common segment, taken inline: an acknowledgment, with or without
 * data or a FIN (no SYN or RST), starting exactly at nxt, both directions'
 * nxt known, no window of 0 on either side, no acknowledgment kept or to
 * keep of data not seen.  For it health_segment() would find no
 * retransmission (it starts at nxt, and nothing acknowledged lies beyond
 * it), move nxt to its end and change no window flag: what is left is the
 * round trips and the handshake.  It reads and writes the flags and the hot
 * part only.  Returns 1 when it took p, 0 when p is not such a segment (and
 * nothing changed): health_segment() takes it then, with the cold part,
 * which the common segment never loads.
 *
 * The flags keep HF_NONXT << d set exactly while nxt[d] is 0 (tshark's
 * "none"), so that one test of the flags says both are known.
 */
#define HF_FAST_MASK (HF_NONXT | HF_NONXT << 1 | HF_WIN0 | HF_WIN0 << 1 | HF_ACK | HF_ACK << 1)

static inline __attribute__((always_inline)) int health_common(struct health_hot *h, const struct pkt *p, int d)
{
	uint8_t fl = p->flags;
	/* The packet's own fields first: the state may still be on its way
	 * from memory, and a branch that waits for it costs the whole wait
	 * when it was predicted wrong.  (A window of 0 also stands for a
	 * header cut before it.) */
	if (__builtin_expect((fl & (TCPF_SYN | TCPF_RST | TCPF_ACK)) != TCPF_ACK || !p->win, 0))
		return 0;
	unsigned f = h->flags;
	int e = d ^ 1;
	uint32_t seq = p->seq, pack = p->ack, len = p->payload;
	uint32_t end = seq + len + (fl & TCPF_FIN);
	/* the end wrapping to 0 would leave nxt "none": the full rules */
	if (__builtin_expect((f & HF_FAST_MASK) || seq != h->nxt[d] || !end ||
	                     health_seq_lt(h->nxt[e], pack), 0))
		return 0;
	h->nxt[d] = end;
	/* the first acknowledgment that covers the timed segment: a sample;
	 * then new data is timed when nothing else is (each case a branch of
	 * its own, no truth value kept between them).  The flags are written
	 * only where they change: most segments leave them as they are. */
	if (f & HF_T0 << e) {
		if (health_seq_lt(pack, h->tend))
			goto timed;
		health_sample(h, d, p->ts);
		f &= ~(unsigned)HF_TIMING;
		if (!len)
			goto changed;
	} else if ((f & HF_TIMING) || !len) {
		goto timed;
	}
	h->tend = end;
	health_sent(h, p->ts);
	f |= HF_T0 << d;
changed:
	h->flags = (uint16_t)f;
timed:
	/* the handshake's last ACK, and the answer its length shows on: a
	 * connection's first few segments */
	if (__builtin_expect(f & (HF_SYN | HF_HSLEN), 0)) {
		uint32_t t = (uint32_t)p->ts;
		if ((f & HF_SYN) && t != h->hs) {
			h->hs = t - h->hs;
			f = (f & ~HF_SYN) | HF_HSLEN;
		}
		if ((f & HF_HSLEN) && (len || pack == h->nxt[e]))
			f = (f & ~HF_HSLEN) | HF_HS;
		h->flags = (uint16_t)f;
	}
	return 1;
}

/* Take segment p going in direction d (0: client to server) at its time
 * (p->ts, microseconds), whatever it is.  Returns 1 when it is a
 * retransmission, else 0. */
static inline int health_packet(struct health_hot *h, struct health_cold *hc, const struct pkt *p, int d)
{
	return health_common(h, p, d) ? 0 : health_segment(h, hc, p, d);
}

/* health_init(), then what health_segment() makes of a connection's SYN,
 * in one step: the state written once. */
static inline __attribute__((always_inline)) void open_syn(struct health_hot *h, struct health_cold *hc,
                                                           const struct pkt *p, int d)
{
	uint32_t ack = p->ack, end = p->seq + 1;
	int64_t ts = p->ts;
	unsigned f = HF_NONXT << (d ^ 1) | HF_SYN | HF_T0 << d | (ack ? (unsigned)HF_ACK << d : 0u);
	if (__builtin_expect(!end || !p->win, 0))
		f |= (end ? 0u : (unsigned)HF_NONXT << d) | (p->win ? 0u : (unsigned)HF_WIN0 << d);
	*hc = (struct health_cold){.ack = {0, 0}};
	hc->ack[d] = ack;
	*h = (struct health_hot){.tend = end,
	                         .tsent = (uint32_t)ts,
	                         .rmin = {UINT32_MAX, UINT32_MAX},
	                         .hs = (uint32_t)ts,
	                         .flags = (uint16_t)f,
	                         .tsent_hi = (uint16_t)((uint64_t)ts >> 32)};
	h->nxt[d] = end;
}

/* A fresh state for the connection that segment p, going in direction d,
 * opens.  Returns 1 when that took p (the connection's SYN: as
 * health_packet() would), 0 when health_packet() must still take it.
 * Inline: once per connection, in the opening's frame. */
static inline int health_open(struct health_hot *h, struct health_cold *hc, const struct pkt *p, int d)
{
	if (!p->whole || p->payload || (p->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) != TCPF_SYN) {
		health_init(h, hc);
		return 0;
	}
	/* direction as a constant: the SYN's is the client's, nearly always */
	if (d)
		open_syn(h, hc, p, 1);
	else
		open_syn(h, hc, p, 0);
	return 1;
}

#endif
