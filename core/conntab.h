/*
 * conntab: the connection table.
 *
 * Entries live in a dense array (stable indexes, a stack of free ones, touched
 * lazily so memory follows the high-water mark); an open-addressing index
 * of 8-byte slots (32-bit hash tag, entry index) with linear probing finds
 * them.  A packet costs one probe of the small index and one 128-byte entry,
 * both of which the caller can prefetch a batch ahead (conntab_prefetch).
 * Expiry runs in conntab_tick() off the per-packet path, from a timer wheel
 * (each connection is looked at when its timeout could have passed, not at
 * every tick); rates, when someone reads them, from a sweep of the table.
 */
#ifndef TT_CONNTAB_H
#define TT_CONNTAB_H

#include <stdint.h>

#include "decode.h"
#include "health.h"
#include "tcptrack/plugin.h"

/* One connection: two cache lines, everything a packet reads or writes.
 * The first holds the key, the state and the packet counts, the second the
 * byte counts and the TCP health's hot part.  What only the opening, the
 * close, a SYN or a view reads is beside it (struct conn_cold). */
struct conn {
	uint8_t caddr[16];   /* client; family 0 marks a free entry */
	uint8_t saddr[16];   /* server */
	uint16_t cport, sport;
	uint8_t family;
	uint8_t state;       /* enum tt_state */
	uint8_t flags;       /* TT_CONN_*, and CONN_HIDDEN, CONN_SEQ_S2C (conntab_int.h) */
	uint8_t cls;         /* CLS_*: how far the close went (conntab_int.h) */
	uint32_t due;        /* the tick its expiry is looked at (0: never) */
	uint8_t tcpfl[2];    /* OR of the TCP flags seen, by direction as pk */
	uint16_t spare;
	int64_t last_us;
	uint32_t pk[2];      /* packets, [0] client to server, [1] server to
	                      * client: the low 32 bits (conn_cold.pkhi) */
	uint32_t by[2];      /* IP bytes: the low 32 bits (conn_cold.byhi) */
	uint64_t pl[2];      /* TCP payload bytes */
	struct health_hot h; /* when tcp_health is on */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct conn) == 128, "a connection entry: two cache lines");

/* The rest of a connection, in an array parallel to the entries: one cache
 * line, touched when the connection opens, ends or is shown, and by the
 * TCP health's rare segments (SYN, retransmissions). */
struct conn_cold {
	int64_t first_us;
	uint64_t id;         /* first seen is 1, the next 2... */
	uint32_t tag;        /* upper 32 bits of the key's hash */
	uint32_t seq;        /* with a handshake: the client's initial sequence
	                      * number; picked up mid-stream: the next sequence
	                      * number of the side heard first */
	uint32_t byhi[2];    /* IP bytes: the high 32 bits */
	uint16_t pkhi[2];    /* packets: bits 32 to 47 */
	uint16_t gen;        /* connections the tuple had before this one while
	                      * its entry lasted (saturating) */
	struct health_cold h;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct conn_cold) == 64, "the rest of an entry: one cache line");

struct conntab_config {
	uint64_t max_connections;
	int64_t tick_us;         /* rate sampling period */
	uint32_t window_ticks;   /* averaging window, in ticks */
	int64_t syn_timeout_us;
	int64_t fin_timeout_us;
	int64_t linger_us;       /* how long the view shows a closed connection */
	int64_t time_wait_us;    /* how long the table keeps the tuple of a
	                          * connection the view no longer shows */
	int64_t time_wait_acked_us; /* of one closed with every FIN acknowledged,
	                          * or reset (at most time_wait) */
	int64_t idle_timeout_us; /* 0 = never */
	int detect_existing;     /* track connections picked up mid-stream */
	int no_rates;            /* nobody reads a connection's rate: do not sample */
	int health;              /* measure round trips and retransmissions */
};

/* Called for every event whose type is in the mask given to conntab_new. */
typedef void (*conntab_event_fn)(void *arg, uint32_t type, const struct conn *c,
                                 uint32_t old_state, uint32_t reason, int64_t now);

struct conntab;

struct conntab *conntab_new(const struct conntab_config *cfg, uint64_t hash_key[4],
                            conntab_event_fn fn, void *arg, uint32_t event_mask);
void conntab_free(struct conntab *t);

/* The hash of a packet's connection key (the same in both directions). */
uint64_t conntab_hash(const struct conntab *t, const struct pkt *p);
/* Stage 1 of a batch: start loading the index slot of hash h. */
void conntab_prefetch_slot(const struct conntab *t, uint64_t h);
/* Stage 2: start loading the entry the slot points to, if any. */
void conntab_prefetch_entry(const struct conntab *t, uint64_t h);
/* Stage 3: count packet p (hash h) at time now. Returns the connection, or
 * NULL when it is not tracked (mid-stream with detect_existing off). */
struct conn *conntab_packet(struct conntab *t, const struct pkt *p, uint64_t h, int64_t now);

/* Sample rates for the tick that ends at now, then expire what timed out.
 * now never goes back; between two calls, ticks may be skipped. */
void conntab_tick(struct conntab *t, int64_t now);
/* Remove every connection (reason TT_RM_EXIT), in order of first sight. */
void conntab_drain(struct conntab *t, int64_t now);

/* Fill the plugin-facing view of c. */
void conntab_view(const struct conntab *t, const struct conn *c, struct tt_conn *v);

/* The rest of c (its id, generation, first time seen...). */
const struct conn_cold *conntab_cold(const struct conntab *t, const struct conn *c);
/* Call fn for each connection shown, and each only held whose last packet
 * came at or after held_since (INT64_MAX: none), in table order; stop on a
 * non-zero return. */
int conntab_foreach(const struct conntab *t, int64_t held_since,
                    int (*fn)(void *, const struct conn *), void *arg);

struct conntab_stats {
	uint64_t active;        /* in the table */
	uint64_t held;          /* of them, no longer shown: their tuple kept
	                         * for late packets (not in per_state) */
	uint64_t opened;        /* since start */
	uint64_t evicted;
	uint64_t resets;
	uint64_t untracked;     /* mid-stream packets ignored (detect_existing off) */
	uint64_t per_state[TT_NSTATES];
	uint64_t pk[2], by[2], pl[2]; /* all traffic counted, by direction */
	uint64_t re[2], rb[2];  /* retransmitted segments and their payload bytes,
	                         * by direction (TCP health) */
	double rate[2];         /* total payload rate over the window, bytes/s */
	uint64_t capacity;      /* index slots */
	uint64_t wheel_nodes;   /* expiry timers pending, live or stale */
};
const struct conntab_stats *conntab_stats(const struct conntab *t);

/* The server-side guess for a connection picked up mid-stream: whether the
 * destination port of a packet looks like the server's. */
int conntab_guess_dst_is_server(uint16_t sport, uint16_t dport);

#endif
