/*
 * health: the rules, per segment (Wireshark's TCP analysis as tshark 4.0
 * applies it, found by experiment; see tcptrack.conf(5), [core] tcp_health):
 *
 * - nxt, per direction: the highest sequence number sent + 1, a SYN or FIN
 *   counting one; 0 stands for "nothing yet", as in tshark.  A zero window
 *   probe (1 byte at nxt while the peer's latest window was 0) does not move
 *   it.
 * - A segment that carries data, a SYN or a FIN is a retransmission when it
 *   is not a keep-alive (0 or 1 byte one below nxt, no SYN, FIN or RST) and
 *   either starts below nxt (data starting exactly one below nxt only with
 *   a SYN or FIN: tshark leaves other segments there alone), or carries
 *   data that the peer's latest acknowledgment already covers (spurious).
 * - A SYN whose sequence number is not its direction's first one starts
 *   the sequence numbers again (tshark opens a new stream).
 */
#include "health.h"

#include <string.h>

void health_init(struct health_hot *h, struct health_cold *hc)
{
	memset(h, 0, sizeof *h);
	memset(hc, 0, sizeof *hc);
	h->rmin[0] = h->rmin[1] = UINT32_MAX;
	h->flags = HF_NONXT | HF_NONXT << 1;
}

static uint32_t add_sat(uint32_t a, uint32_t b) { return b > UINT32_MAX - a ? UINT32_MAX : a + b; }

/* nxt of direction d (0: none).  HF_NONXT << d is set exactly while it is
 * 0 (health.h), so that the common segment tests the flags alone. */
static inline uint32_t nxt_of(const struct health_hot *h, unsigned f, int d)
{
	return (f & HF_NONXT << d) ? 0 : h->nxt[d];
}

static int segment_any(struct health_hot *h, struct health_cold *hc, const struct pkt *p, int d);

/* The first segment of direction d is a SYN, and nothing was seen before
 * (the connection's SYN): what the rules of segment_any() come to for it,
 * without the rest.  Nothing to retransmit; nxt becomes its end. */
static inline __attribute__((always_inline)) int first_syn(struct health_hot *h, struct health_cold *hc,
                                                           const struct pkt *p, int d)
{
	uint32_t ack = p->ack, end = p->seq + 1;
	h->nxt[d] = h->tend = end;
	h->hs = (uint32_t)p->ts;
	health_sent(h, p->ts);
	unsigned f = HF_NONXT << (d ^ 1) | HF_SYN | HF_T0 << d;
	if (ack) {
		hc->ack[d] = ack;
		f |= HF_ACK << d;
	}
	/* an end on 0, a window of 0: rare, a branch of their own */
	if (__builtin_expect(!end || !p->win, 0))
		f |= (end ? 0u : (unsigned)HF_NONXT << d) | (p->win ? 0u : (unsigned)HF_WIN0 << d);
	h->flags = (uint16_t)f;
	return 0;
}

/* The same for a SYN|ACK that acknowledges nothing beyond what the peer
 * sent (the answer to the SYN), flags f. */
static inline __attribute__((always_inline)) int first_synack(struct health_hot *h, const struct pkt *p, int d,
                                                              unsigned f, uint32_t nxte)
{
	uint32_t ack = p->ack, end = p->seq + 1;
	int e = !d;
	h->nxt[d] = end;
	f &= ~(unsigned)(HF_WIN0 << d | HF_NONXT << d);
	if (__builtin_expect(!end || !p->win, 0))
		f |= (end ? 0u : (unsigned)HF_NONXT << d) | (p->win ? 0u : (unsigned)HF_WIN0 << d);
	/* it acknowledges the SYN: a sample of the server side */
	if ((f & HF_T0 << e) && !health_seq_lt(ack, h->tend)) {
		health_sample(h, d, p->ts);
		f &= ~HF_TIMING;
	}
	if (!(f & HF_TIMING)) {
		h->tend = end;
		health_sent(h, p->ts);
		f |= HF_T0 << d;
	}
	if ((f & HF_HSLEN) && ack == nxte)
		f = (f & ~HF_HSLEN) | HF_HS;
	h->flags = (uint16_t)f;
	return 0;
}

/* health_segment() for a direction d that is a constant (each of the two
 * is compiled apart: the flags' shifts by d become constants).  The two
 * segments a connection opens with take a few steps, the rest
 * segment_any(). */
static inline __attribute__((always_inline)) int segment_d(struct health_hot *h, struct health_cold *hc,
                                                           const struct pkt *p, int d)
{
	uint8_t fl = p->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN);
	unsigned f = h->flags;
	int e = d ^ 1;
	if (fl == (TCPF_SYN | TCPF_ACK) && !p->payload &&
	    (f & (HF_NONXT << d | HF_NONXT << e | HF_ACK << e | HF_ACK << d)) == (unsigned)HF_NONXT << d &&
	    !health_seq_lt(h->nxt[e], p->ack))
		return first_synack(h, p, d, f, h->nxt[e]);
	if (fl == TCPF_SYN && !p->payload && f == (HF_NONXT | HF_NONXT << 1))
		return first_syn(h, hc, p, d);
	return segment_any(h, hc, p, d);
}

/* Any segment the inline path does not take.  Out of line, so that the
 * common segment (health_common(), inline in health.h) pays for none of
 * it. */
int health_segment(struct health_hot *h, struct health_cold *hc, const struct pkt *p, int d)
{
	if (!p->whole)
		return 0; /* tshark does not analyse a header cut before the window */
	/* a connection's SYN|ACK goes from the server, nearly always: a
	 * branch on the direction that is predicted */
	return d ? segment_d(h, hc, p, 1) : segment_d(h, hc, p, 0);
}

/* Any whole segment: every rule below. */
static __attribute__((noinline)) int segment_any(struct health_hot *h, struct health_cold *hc,
                                                 const struct pkt *p, int d)
{
	uint32_t len = p->payload, t = (uint32_t)p->ts, seq = p->seq;
	unsigned f = h->flags;
	int e = !d;
	uint8_t fl = p->flags;
	uint32_t sf = (fl & (TCPF_SYN | TCPF_FIN)) != 0;
	uint32_t nxt = nxt_of(h, f, d), nxte = nxt_of(h, f, e);
	/* the cold part only where a flag says it holds something */
	uint32_t acke = (f & HF_ACK << e) ? hc->ack[e] : 0;

	if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		/* the direction's first sequence number: one below what its
		 * SYN sent, or below what the peer acknowledged */
		uint32_t isn = nxt ? nxt - 1 : acke - 1;
		if ((nxt || acke) && seq != isn) {
			hc->ack[0] = hc->ack[1] = acke = 0;
			f &= ~(HF_WIN0 | HF_WIN0 << 1 | HF_TIMING | HF_ACK | HF_ACK << 1);
			f |= HF_NONXT | HF_NONXT << 1;
			nxt = nxte = 0;
		}
		if (!(f & (HF_HSLEN | HF_HS))) {
			h->hs = t;
			f |= HF_SYN;
		}
	}

	/* an acknowledgment of all the peer sent, or data: what tshark
	 * shows the handshake's length on (a packet it analyses) */
	int answers = len || ((fl & TCPF_ACK) && nxte && p->ack == nxte);
	int zwp = len == 1 && seq == nxt && (f & HF_WIN0 << e);
	int ka = len <= 1 && seq == nxt - 1 && !(fl & (TCPF_SYN | TCPF_FIN | TCPF_RST));
	int re = 0;
	if ((len || sf) && !ka) {
		if (nxt && (health_seq_lt(seq, nxt - 1) || (seq == nxt - 1 && sf)))
			re = 1;
		else if (len && acke && !health_seq_lt(acke, seq + len))
			re = 1;
	}
	uint32_t end = seq + len + sf;
	int adv = !zwp && (!nxt || health_seq_lt(nxt, end));
	if (adv || nxt) {
		uint32_t n = adv ? end : nxt;
		h->nxt[d] = n;
		f = (f & ~(unsigned)(HF_NONXT << d)) | (n ? 0u : (unsigned)HF_NONXT << d);
	}
	/* The latest acknowledgment is kept only while it covers data of
	 * the peer not seen (its one use: a spurious retransmission at or
	 * beyond nxt); otherwise the one of tshark's rule is at most nxt,
	 * which flags nothing there (but a RST carrying one byte one below
	 * nxt). */
	uint32_t ack = !nxte || health_seq_lt(nxte, p->ack) ? p->ack : 0;
	if (ack || (f & HF_ACK << d))
		hc->ack[d] = ack;
	f = (f & ~(unsigned)(HF_ACK << d)) | (ack ? (unsigned)HF_ACK << d : 0u);
	f = (f & ~(unsigned)(HF_WIN0 << d)) | (p->win ? 0u : (unsigned)HF_WIN0 << d);

	if (re) {
		if (hc->rsegs[d] != UINT32_MAX)
			hc->rsegs[d]++;
		hc->rbytes[d] = add_sat(hc->rbytes[d], len);
		/* Karn: an acknowledgment after a retransmission times nothing */
		f &= ~(unsigned)(HF_T0 << d);
	}
	/* the first acknowledgment that covers the timed segment: a sample of
	 * the side this packet comes from */
	if ((f & HF_T0 << e) && (fl & TCPF_ACK) && !health_seq_lt(p->ack, h->tend)) {
		health_sample(h, d, p->ts);
		f &= ~HF_TIMING;
	}
	/* one segment timed at a time: new data, or a SYN */
	if (!(f & HF_TIMING) && adv && !re && (len || (fl & TCPF_SYN))) {
		h->tend = end;
		health_sent(h, p->ts);
		f |= HF_T0 << d;
	}
	/* tshark's initial_rtt: the latest SYN to the first acknowledgment
	 * without SYN after it (the handshake's last ACK, or a RST|ACK that
	 * refuses the SYN); a length of 0 waits for the next one.  It counts
	 * from a packet that answers on: a client's RST that gives up on an
	 * unanswered SYN is no handshake. */
	if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_ACK && (f & HF_SYN) && t != h->hs) {
		h->hs = t - h->hs;
		f = (f & ~HF_SYN) | HF_HSLEN;
	}
	if ((f & HF_HSLEN) && answers)
		f = (f & ~HF_HSLEN) | HF_HS;
	if (h->flags != f)
		h->flags = (uint16_t)f;
	return re;
}

void health_view(const struct health_hot *h, const struct health_cold *hc, struct tt_conn *v)
{
	if (!h) {
		v->handshake_us = v->rtt_us = v->rtt_client_us = v->rtt_server_us = v->rtt_min_us = -1;
		v->c2s_retrans = v->c2s_retrans_bytes = v->s2c_retrans = v->s2c_retrans_bytes = 0;
		return;
	}
	/* a side has its smoothed round trip exactly when it has a minimum;
	 * most connections have both sides' (one branch for them) */
	uint32_t m0 = h->rmin[0], m1 = h->rmin[1];
	int64_t c = (int64_t)((h->srtt8[0] + 4) >> 3), s = (int64_t)((h->srtt8[1] + 4) >> 3);
	if (__builtin_expect(m0 != UINT32_MAX && m1 != UINT32_MAX, 1)) {
		v->rtt_us = c + s;
		v->rtt_min_us = (int64_t)m0 + m1;
	} else {
		v->rtt_us = v->rtt_min_us = -1;
		c = m0 == UINT32_MAX ? -1 : c;
		s = m1 == UINT32_MAX ? -1 : s;
	}
	v->rtt_client_us = c;
	v->rtt_server_us = s;
	v->handshake_us = (h->flags & HF_HS) ? (int64_t)h->hs : -1;
	v->c2s_retrans = hc->rsegs[0];
	v->c2s_retrans_bytes = hc->rbytes[0];
	v->s2c_retrans = hc->rsegs[1];
	v->s2c_retrans_bytes = hc->rbytes[1];
}
