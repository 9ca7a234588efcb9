/*
 * conntab_int: what the two files of the connection table share: conntab.c
 * (entries, index, state machine, the packet path) and conntab_tick.c (rates
 * sampled and the expiry wheel run at each tick).  Not for other modules.
 */
#ifndef TT_CONNTAB_INT_H
#define TT_CONNTAB_INT_H

#include "conntab.h"

#define MAX_WINDOW_TICKS 64
#define WHEEL 256         /* ticks ahead a connection is scheduled at most */

/* Rate state of one connection, in a side array sampled only by the tick. */
struct rate {
	uint64_t base[2];   /* payload counters at the previous tick */
};

struct conntab {
	struct conntab_config cfg;
	uint64_t key[4];
	conntab_event_fn emit;
	void *emit_arg;
	uint32_t emit_mask;

	uint64_t *index;     /* slots: tag << 32 | (entry index + 1); 0 = empty */
	uint64_t mask;       /* index slots - 1 */
	uint64_t max_slots;

	struct conn *ents;   /* max_connections entries, reserved */
	struct rate *rates;  /* parallel to ents */
	struct conn_cold *cold; /* parallel to ents */
	uint32_t *ring;      /* parallel: window_ticks x 2 payload deltas */
	uint64_t hiwater;    /* entries [0, hiwater) have been used */
	uint32_t *free_stk;  /* indexes of the free entries below hiwater: a stack */
	uint64_t nfree;
	uint64_t next_id;
	uint64_t rng;
	int opening;         /* open_conn() opened a connection: its OPENED
	                      * event waits until its first packet is counted */
	int health_took;     /* conn_init's TCP health state took the packet
	                      * that opened the entry (its SYN) */

	uint64_t nticks;
	uint64_t gbase[2];   /* total payload at the previous tick */

	/* expiry: WHEEL buckets of entry indexes, one per tick; a node is
	 * live while its entry's due equals the tick (else it is dropped
	 * when met).  Ticks count from base (absolute tick number). */
	struct bucket { uint32_t *v; uint32_t n, cap; } wheel[WHEEL];
	struct bucket spare;
	int64_t base;        /* absolute tick number of relative tick 0 (INT64_MIN: unset) */
	int sweep_expiry;    /* the wheel ran out of memory: sweep the table */
	uint32_t wk;         /* relative tick the wheel has been run up to */
	uint64_t nodes;      /* in all buckets, live or not */
	uint64_t gring[MAX_WINDOW_TICKS][2];

	struct conntab_stats st;
};

static inline size_t ring_stride(const struct conntab *t) { return (size_t)t->cfg.window_ticks * 2; }

static inline uint64_t ent_index(const struct conntab *t, const struct conn *c)
{
	return (uint64_t)(c - t->ents);
}

static inline struct conn_cold *cold_of(const struct conntab *t, const struct conn *c)
{
	return &t->cold[c - t->ents];
}

/* whether c has no packet in direction d (the low 32 bits may have
 * wrapped) */
static inline int no_packets(const struct conntab *t, const struct conn *c, int d)
{
	return !c->pk[d] && !cold_of(t, c)->pkhi[d];
}

#define NEVER INT64_MAX

static inline int64_t fdiv(int64_t a, int64_t b) { return a / b - (a % b < 0); }
static inline int64_t cdiv(int64_t a, int64_t b) { return -fdiv(-a, b); }

/* Internal bits of conn.flags, above the TT_CONN_* the view shows. */
#define CONN_HIDDEN  0x80 /* no longer shown: the tuple is held for late packets */
#define CONN_SEQ_S2C 0x40 /* mid-stream: conn.seq follows the server's side */
#define CONN_SHOOK   0x20 /* the handshake completed */
#define CONN_PUBLIC  0x07 /* the TT_CONN_* the table keeps; TT_CONN_HELD is CONN_HIDDEN */

/* conn.cls, once both sides sent a FIN (CLOSED): which sent the last, and
 * whether the other acknowledged it (the close is complete). */
#define CLS_LAST_S2C 0x01
#define CLS_ACKED    0x02

/* How long c may stay idle as the view shows it, and why it goes then. */
static inline int64_t view_timeout(const struct conntab *t, const struct conn *c, uint32_t *reason)
{
	switch (c->state) {
	case TT_SYN_SENT:
	case TT_SYN_ACK_ACK:
		*reason = TT_RM_SYN_TIMEOUT;
		return t->cfg.syn_timeout_us;
	case TT_CLOSING:
		*reason = TT_RM_FIN_TIMEOUT;
		return t->cfg.fin_timeout_us;
	case TT_CLOSED:
	case TT_RESET:
		*reason = TT_RM_LINGER;
		return t->cfg.linger_us;
	default:
		*reason = TT_RM_IDLE;
		/* picked up mid-stream and heard from one side only (often the
		 * last ACK of a connection already gone): as short-lived as a
		 * handshake that was never answered */
		if ((c->flags & TT_CONN_MIDSTREAM) && (no_packets(t, c, 0) || no_packets(t, c, 1)))
			return t->cfg.syn_timeout_us;
		return t->cfg.idle_timeout_us > 0 ? t->cfg.idle_timeout_us : NEVER;
	}
}

/* How long the table keeps c's tuple after its last packet, given how long
 * the view shows it (tmo): a closed connection as TIME_WAIT would, from
 * its last packet, for as long as a FIN may still be sent again: time_wait
 * while the last FIN seen is not acknowledged, time_wait_acked once it is
 * (then only an ACK lost beyond the capture point brings it again, one
 * retransmission timeout later) or after a reset (no TIME_WAIT follows a
 * RST); any other for time_wait after the view let it go (its peers may
 * only have been quiet). */
static inline int64_t hold_timeout(const struct conntab *t, const struct conn *c, int64_t tmo)
{
	int64_t tw = t->cfg.time_wait_us, h;
	if (tmo == NEVER)
		return NEVER;
	if (c->state == TT_CLOSED || c->state == TT_RESET) {
		if ((c->state == TT_RESET || (c->cls & CLS_ACKED)) && t->cfg.time_wait_acked_us < tw)
			tw = t->cfg.time_wait_acked_us;
		return tmo > tw ? tmo : tw;
	}
	return __builtin_add_overflow(tmo, tw, &h) ? NEVER : h;
}

/* How long c may stay idle as it is (shown, or only held), and why it goes
 * then. */
static inline int64_t timeout_of(const struct conntab *t, const struct conn *c, uint32_t *reason)
{
	int64_t tmo = view_timeout(t, c, reason);
	return c->flags & CONN_HIDDEN ? hold_timeout(t, c, tmo) : tmo;
}

static inline int expired(const struct conntab *t, const struct conn *c, int64_t now, uint32_t *reason)
{
	int64_t tmo = timeout_of(t, c, reason);
	return tmo != NEVER && now - c->last_us >= tmo;
}

/* conntab.c, for the tick: put entry ei in the bucket of tick due; schedule
 * c's look at the tick its timeout would pass (earlier: only if before the
 * look it has); take c out of the table, telling the plugins why. */
void conntab_wheel_put(struct conntab *t, uint32_t ei, uint32_t due);
void conntab_schedule(struct conntab *t, struct conn *c, int earlier);
void conntab_remove(struct conntab *t, struct conn *c, uint32_t reason, int64_t now);
/* c has expired (reason): the view lets it go and the table holds its tuple
 * (scheduled again), or it leaves the table. */
void conntab_expire(struct conntab *t, struct conn *c, uint32_t reason, int64_t now);

#endif
