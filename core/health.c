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

void health_init(struct health *h)
{
	memset(h, 0, sizeof *h);
	h->rmin[0] = h->rmin[1] = UINT32_MAX;
}

static uint32_t add_sat(uint32_t a, uint32_t b) { return b > UINT32_MAX - a ? UINT32_MAX : a + b; }

/* nxt of direction d when its payload count is pl (0: none) */
static inline uint32_t nxt_of(const struct health *h, unsigned f, int d, uint32_t pl)
{
	return (f & HF_NXT << d) ? h->base[d] + pl : 0;
}

/* Any segment: every rule below.  Out of line, so that the common segment
 * (health_packet's own path, inline in health.h) pays for none of it. */
int health_segment(struct health *h, const struct pkt *p, int d, uint32_t t, const uint64_t pl[2])
{
	uint32_t len = p->payload, pld = (uint32_t)pl[d];
	unsigned f = h->flags;
	if (!p->whole) {
		/* tshark does not analyse a header cut before the window: its
		 * payload, counted in pl, does not move nxt */
		if (len && (f & HF_NXT << d))
			h->base[d] -= len;
		return 0;
	}
	int e = !d;
	uint8_t fl = p->flags;
	uint32_t seq = p->seq;
	uint32_t sf = (fl & (TCPF_SYN | TCPF_FIN)) != 0;
	uint32_t nxt = nxt_of(h, f, d, pld - len), nxte = nxt_of(h, f, e, (uint32_t)pl[e]);

	if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		/* the direction's first sequence number: one below what its
		 * SYN sent, or below what the peer acknowledged */
		uint32_t isn = nxt ? nxt - 1 : h->ack[e] - 1;
		if ((nxt || h->ack[e]) && seq != isn) {
			h->ack[0] = h->ack[1] = 0;
			f &= ~(HF_NXT | HF_NXT << 1 | HF_WIN0 | HF_WIN0 << 1 | HF_TIMING);
			nxt = nxte = 0;
		}
		if (!(f & HF_HSLEN)) {
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
		else if (len && h->ack[e] && !health_seq_lt(h->ack[e], seq + len))
			re = 1;
	}
	uint32_t end = seq + len + sf;
	int adv = !zwp && (!nxt || health_seq_lt(nxt, end));
	/* Most segments leave the line unwritten (it costs a write-back per
	 * packet otherwise): nxt follows the payload count of the entry, base
	 * changes only on a gap, a retransmission, a SYN or FIN; */
	uint32_t base = (adv ? end : nxt) - pld;
	if (adv || nxt) {
		if (!(f & HF_NXT << d) || h->base[d] != base)
			h->base[d] = base;
		f |= HF_NXT << d;
	}
	/* and the latest acknowledgment is kept only while it covers data of
	 * the peer not seen (its one use: a spurious retransmission at or
	 * beyond nxt); otherwise the one of tshark's rule is at most nxt,
	 * which flags nothing there (but a RST carrying one byte one below
	 * nxt). */
	uint32_t ack = !nxte || health_seq_lt(nxte, p->ack) ? p->ack : 0;
	if (h->ack[d] != ack)
		h->ack[d] = ack;
	f = (f & ~(unsigned)(HF_WIN0 << d)) | (p->win ? 0u : (unsigned)HF_WIN0 << d);

	if (re) {
		if (h->rsegs[d] != UINT32_MAX)
			h->rsegs[d]++;
		h->rbytes[d] = add_sat(h->rbytes[d], len);
		/* Karn: an acknowledgment after a retransmission times nothing */
		if ((f & HF_TIMING) && !!(f & HF_TDIR) == d)
			f &= ~HF_TIMING;
	}
	/* the first acknowledgment that covers the timed segment: a sample of
	 * the side this packet comes from */
	if ((f & HF_TIMING) && !!(f & HF_TDIR) == e && (fl & TCPF_ACK) && !health_seq_lt(p->ack, h->tend)) {
		health_sample(h, d, t - h->tsent, 1);
		f &= ~HF_TIMING;
	}
	/* one segment timed at a time: new data, or a SYN */
	if (!(f & HF_TIMING) && adv && !re && (len || (fl & TCPF_SYN))) {
		h->tend = end;
		h->tsent = t;
		f = (f & ~HF_TDIR) | HF_TIMING | (d ? HF_TDIR : 0);
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
		f |= HF_HS;
	if (h->flags != f)
		h->flags = (uint16_t)f;
	return re;
}

void health_view(const struct health *h, struct tt_conn *v)
{
	if (!h) {
		v->handshake_us = v->rtt_us = v->rtt_client_us = v->rtt_server_us = v->rtt_min_us = -1;
		v->c2s_retrans = v->c2s_retrans_bytes = v->s2c_retrans = v->s2c_retrans_bytes = 0;
		return;
	}
	int64_t srtt[2], mn[2];
	for (int s = 0; s < 2; s++) {
		int none = h->rmin[s] == UINT32_MAX;
		srtt[s] = none ? -1 : (int64_t)((h->srtt8[s] + 4) >> 3);
		mn[s] = none ? -1 : (int64_t)h->rmin[s];
	}
	v->handshake_us = (h->flags & HF_HS) ? (int64_t)h->hs : -1;
	v->rtt_client_us = srtt[0];
	v->rtt_server_us = srtt[1];
	v->rtt_us = srtt[0] >= 0 && srtt[1] >= 0 ? srtt[0] + srtt[1] : -1;
	v->rtt_min_us = mn[0] >= 0 && mn[1] >= 0 ? mn[0] + mn[1] : -1;
	v->c2s_retrans = h->rsegs[0];
	v->c2s_retrans_bytes = h->rbytes[0];
	v->s2c_retrans = h->rsegs[1];
	v->s2c_retrans_bytes = h->rbytes[1];
}
