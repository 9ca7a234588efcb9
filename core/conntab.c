/*
 * conntab: connection table: entries, index, the state machine and the
 * packet path, and the scheduling of expiry (the ticks that sample rates and
 * run the wheel are in conntab_tick.c).
 */
#include "conntab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "conntab_int.h"
#include "hash.h"
#include "health.h"

#define EMPTY 0ull
#define EVICT_SAMPLES 8
/* RFC 7323 2.3: no window exceeds 2^30 bytes, so a segment that far from
 * the sequence numbers a side was at belongs to another connection. */
#define SEQ_JUMP (1 << 30)

/* ---- known service ports, for connections picked up mid-stream ---- */

static uint8_t service_ports[65536 / 8];
static int service_ports_ready;

static void service_ports_init(void)
{
	/* Ports where a server listens, from IANA's registry, picked for how
	 * often they carry long-lived traffic; a port here beats an ephemeral
	 * or a lower port when telling server from client.  None lies in the
	 * ephemeral ranges, where clients' ports come from. */
	static const uint16_t ports[] = {
		20, 21, 22, 23, 25, 43, 53, 70, 79, 80, 88, 110, 111, 113, 119, 123,
		135, 139, 143, 161, 179, 194, 389, 427, 443, 444, 445, 465, 497, 502,
		513, 514, 515, 543, 544, 548, 554, 563, 587, 631, 636, 646, 873, 902,
		989, 990, 992, 993, 994, 995, 1080, 1194, 1433, 1434, 1521, 1701, 1723,
		1812, 1813, 1883, 2049, 2181, 2375, 2376, 2379, 2380, 2483, 2484, 3000,
		3128, 3260, 3268, 3269, 3306, 3389, 3690, 4369, 4443, 4505, 4506, 5000,
		5044, 5060, 5061, 5222, 5223, 5269, 5432, 5601, 5631, 5666, 5671, 5672,
		5900, 5938, 5984, 5985, 5986, 6000, 6379, 6443, 6514, 6660, 6665, 6666,
		6667, 6668, 6669, 6697, 7000, 7001, 7199, 7474, 8000, 8008, 8009, 8080,
		8081, 8086, 8088, 8096, 8181, 8200, 8300, 8301, 8443, 8500, 8883, 8888,
		9000, 9042, 9090, 9091, 9092, 9093, 9100, 9200, 9300, 9418, 9443, 9999,
		10050, 10051, 11211, 15672, 25565, 27017, 27018, 28015,
	};
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
		service_ports[ports[i] / 8] |= (uint8_t)(1u << (ports[i] % 8));
	service_ports_ready = 1;
}

static int is_service(uint16_t p) { return service_ports[p / 8] >> (p % 8) & 1; }
/* Linux hands out 32768-60999, IANA and Windows 49152-65535. */
static int is_ephemeral(uint16_t p) { return p >= 32768; }

int conntab_guess_dst_is_server(uint16_t sport, uint16_t dport)
{
	if (!service_ports_ready)
		service_ports_init();
	int ss = is_service(sport), ds = is_service(dport);
	if (ds != ss)
		return ds;
	int se = is_ephemeral(sport), de = is_ephemeral(dport);
	if (se != de)
		return se;
	return dport <= sport;
}

/* ---- memory ---- */

static void *reserve(size_t bytes)
{
	/* untouched pages cost nothing: memory follows the high-water mark.
	 * Huge pages: every packet touches a random entry, and with 4 KiB
	 * pages the TLB misses cost as much as the cache misses. */
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (bytes >= (2u << 20))
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static void unreserve(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

struct conntab *conntab_new(const struct conntab_config *cfg, uint64_t hash_key[4],
                            conntab_event_fn fn, void *arg, uint32_t event_mask)
{
	if (!service_ports_ready)
		service_ports_init();
	struct conntab *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_connections < 16)
		t->cfg.max_connections = 16;
	if (t->cfg.max_connections > UINT32_MAX - 1)
		t->cfg.max_connections = UINT32_MAX - 1;
	if (t->cfg.window_ticks < 1)
		t->cfg.window_ticks = 1;
	if (t->cfg.window_ticks > MAX_WINDOW_TICKS)
		t->cfg.window_ticks = MAX_WINDOW_TICKS;
	memcpy(t->key, hash_key, sizeof t->key);
	t->emit = fn;
	t->emit_arg = arg;
	t->emit_mask = fn ? event_mask : 0;
	t->rng = 0x2545f4914f6cdd1dull;
	t->base = INT64_MIN;
	t->next_id = 1;

	uint64_t n = t->cfg.max_connections;
	t->max_slots = 64;
	while (t->max_slots < 2 * n)
		t->max_slots <<= 1;
	uint64_t slots = 1024;
	t->index = reserve(slots * sizeof *t->index);
	t->mask = slots - 1;
	t->ents = reserve(n * sizeof *t->ents);
	t->rates = reserve(n * sizeof *t->rates);
	t->free_stk = reserve(n * sizeof *t->free_stk);
	t->ring = reserve(n * ring_stride(t) * sizeof *t->ring);
	t->cold = reserve(n * sizeof *t->cold);
	if (!t->index || !t->ents || !t->rates || !t->ring || !t->free_stk || !t->cold) {
		conntab_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->st.capacity = slots;
	return t;
}

void conntab_free(struct conntab *t)
{
	if (!t)
		return;
	uint64_t n = t->cfg.max_connections;
	unreserve(t->index, (t->mask + 1) * sizeof *t->index);
	unreserve(t->ents, n * sizeof *t->ents);
	unreserve(t->rates, n * sizeof *t->rates);
	unreserve(t->free_stk, n * sizeof *t->free_stk);
	unreserve(t->ring, n * ring_stride(t) * sizeof *t->ring);
	unreserve(t->cold, n * sizeof *t->cold);
	for (int i = 0; i < WHEEL; i++)
		free(t->wheel[i].v);
	free(t->spare.v);
	free(t);
}

/* ---- index ---- */

uint64_t conntab_hash(const struct conntab *t, const struct pkt *p)
{
	return hash_endpoints(t->key, p->family, p->saddr, p->sport, p->daddr, p->dport);
}

static inline uint32_t tag_of(uint64_t h) { return (uint32_t)(h >> 32); }

void conntab_prefetch_slot(const struct conntab *t, uint64_t h)
{
	__builtin_prefetch(&t->index[tag_of(h) & t->mask]);
}

void conntab_prefetch_entry(const struct conntab *t, uint64_t h)
{
	/* at load 0.5 a third of the keys sit past their home slot: look a
	 * few slots on (the same cache line, mostly) */
	uint64_t mask = t->mask, i = tag_of(h) & mask;
	for (int n = 0; n < 4; n++, i = (i + 1) & mask) {
		uint64_t s = t->index[i];
		if (s == EMPTY)
			return;
		if ((uint32_t)(s >> 32) == tag_of(h)) {
			const struct conn *c = &t->ents[(uint32_t)s - 1];
			__builtin_prefetch(c, 1);
			__builtin_prefetch((const char *)c + 64, 1);
			return;
		}
	}
}

static void index_put(uint64_t *index, uint64_t mask, uint32_t tag, uint64_t ei)
{
	uint64_t i = tag & mask;
	while (index[i] != EMPTY)
		i = (i + 1) & mask;
	index[i] = (uint64_t)tag << 32 | (ei + 1);
}

static int index_grow(struct conntab *t)
{
	uint64_t slots = (t->mask + 1) * 2;
	uint64_t *ni = reserve(slots * sizeof *ni);
	if (!ni)
		return -ENOMEM;
	for (uint64_t i = 0; i <= t->mask; i++) {
		uint64_t s = t->index[i];
		if (s != EMPTY)
			index_put(ni, slots - 1, (uint32_t)(s >> 32), (uint32_t)s - 1);
	}
	unreserve(t->index, (t->mask + 1) * sizeof *t->index);
	t->index = ni;
	t->mask = slots - 1;
	t->st.capacity = slots;
	return 0;
}

/* Remove entry ei (tag) from the index: backward-shift deletion keeps
 * linear probing free of tombstones. */
static void index_del(struct conntab *t, uint32_t tag, uint64_t ei)
{
	uint64_t want = (uint64_t)tag << 32 | (ei + 1), mask = t->mask;
	uint64_t i = tag & mask;
	while (t->index[i] != want) {
		if (t->index[i] == EMPTY)
			return; /* not there: cannot happen */
		i = (i + 1) & mask;
	}
	uint64_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t s = t->index[j];
		if (s == EMPTY)
			break;
		uint64_t home = (s >> 32) & mask;
		/* move s back to i unless its home lies cyclically in (i, j] */
		int stay = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stay) {
			t->index[i] = s;
			i = j;
		}
	}
	t->index[i] = EMPTY;
}

/* ---- entries ---- */

static void fire(struct conntab *t, uint32_t type, const struct conn *c,
                 uint32_t old_state, uint32_t reason, int64_t now)
{
	if (t->emit_mask & type)
		t->emit(t->emit_arg, type, c, old_state, reason, now);
}

/* ---- expiry: the timer wheel (run in conntab_tick.c) ---- */

/*
 * The wheel: a connection is looked at in the tick its timeout passes if it
 * stays idle (c->due, a tick relative to t->base), not at every tick.  A
 * packet changes nothing here: when the tick comes and the connection has
 * been active since, it is scheduled again.  A new state with a shorter
 * timeout schedules it earlier; the node it leaves behind is dropped when
 * met.  Deadlines more than WHEEL ticks on are looked at after WHEEL ticks.
 * If a bucket cannot grow (no memory), expiry falls back to sweeping the
 * whole table every tick.
 */
static void wheel_put(struct conntab *t, uint32_t ei, uint32_t due)
{
	struct bucket *b = &t->wheel[due % WHEEL];
	if (b->n == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 64;
		uint32_t *v = b->cap < UINT32_MAX / 2 ? realloc(b->v, (size_t)cap * sizeof *v) : NULL;
		if (!v) {
			t->sweep_expiry = 1;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = ei;
	t->nodes++;
}

/* Schedule c's look at the tick its timeout would pass; with earlier, only
 * if that comes before the look it has. */
static void schedule(struct conntab *t, struct conn *c, int earlier)
{
	uint32_t reason;
	int64_t tmo = timeout_of(t, c, &reason), dl;
	if (t->sweep_expiry)
		return;
	if (tmo == NEVER) {
		if (!earlier)
			c->due = 0;
		return;
	}
	int far = __builtin_add_overflow(c->last_us, tmo, &dl);
	/* (most new states: the look it has comes before the new deadline,
	 * which a deadline past the start of that look's tick says without a
	 * division) */
	if (earlier && c->due && (far || dl > (t->base + (int64_t)c->due - 1) * t->cfg.tick_us))
		return;
	int64_t at = t->wk + WHEEL - 1;
	if (!far) {
		int64_t d = cdiv(dl, t->cfg.tick_us) - t->base;
		if (d < at)
			at = d;
	}
	if (at <= t->wk)
		at = t->wk + 1;
	if (earlier && c->due && c->due <= at)
		return;
	c->due = (uint32_t)at;
	wheel_put(t, (uint32_t)ent_index(t, c), c->due);
}

/* The first time anything is scheduled, at now: the wheel starts there. */
static void wheel_start(struct conntab *t, int64_t now)
{
	if (t->base == INT64_MIN) {
		t->base = fdiv(now, t->cfg.tick_us) - 1;
		t->wk = 1;
	}
}

static void set_state(struct conntab *t, struct conn *c, uint8_t s, int64_t now)
{
	if (c->state == s)
		return;
	uint8_t old = c->state;
	t->st.per_state[old]--;
	t->st.per_state[s]++;
	c->state = s;
	if (s == TT_RESET)
		t->st.resets++;
	schedule(t, c, 1);
	fire(t, TT_EV_STATE, c, old, 0, now);
}

/* Take c out of the table, telling the plugins why. */
static void conn_remove(struct conntab *t, struct conn *c, uint32_t reason, int64_t now)
{
	fire(t, TT_EV_REMOVED, c, c->state, reason, now);
	uint64_t ei = ent_index(t, c);
	index_del(t, t->cold[ei].tag, ei);
	if (c->flags & CONN_HIDDEN)
		t->st.held--;
	else
		t->st.per_state[c->state]--;
	t->st.active--;
	c->family = 0;
	t->free_stk[t->nfree++] = (uint32_t)ei;
}

/* The view lets c go; its tuple stays in the table (hold_timeout). */
static void hide(struct conntab *t, struct conn *c)
{
	c->flags |= CONN_HIDDEN;
	t->st.per_state[c->state]--;
	t->st.held++;
}

/* A packet that belongs to c, held: the view shows it again. */
static void unhide(struct conntab *t, struct conn *c, int64_t now)
{
	c->flags &= (uint8_t)~CONN_HIDDEN;
	t->st.per_state[c->state]++;
	t->st.held--;
	if (now > c->last_us)
		c->last_us = now;
	schedule(t, c, 1);
}

void conntab_expire(struct conntab *t, struct conn *c, uint32_t reason, int64_t now)
{
	if (!(c->flags & CONN_HIDDEN)) {
		uint32_t r;
		int64_t tmo = view_timeout(t, c, &r);
		if (hold_timeout(t, c, tmo) > tmo) {
			hide(t, c);
			/* its hold may be over already: the clock jumped past both
			 * (a gap in a capture, a process stopped a while) */
			if (!expired(t, c, now, &reason)) {
				schedule(t, c, 0);
				return;
			}
		}
	}
	conn_remove(t, c, reason, now);
}

/* For conntab_tick.c; the packet path calls the static functions above,
 * which the compiler may inline. */
void conntab_wheel_put(struct conntab *t, uint32_t ei, uint32_t due) { wheel_put(t, ei, due); }
void conntab_schedule(struct conntab *t, struct conn *c, int earlier) { schedule(t, c, earlier); }
void conntab_remove(struct conntab *t, struct conn *c, uint32_t reason, int64_t now)
{
	conn_remove(t, c, reason, now);
}

static uint64_t rnd(struct conntab *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* How much an entry is worth keeping: held (no longer shown) before
 * closed before half-open before established. */
static int rank_of(const struct conn *c)
{
	static const uint8_t rank[TT_NSTATES] = {
		[TT_CLOSED] = 1, [TT_RESET] = 1, [TT_SYN_SENT] = 2,
		[TT_SYN_ACK_ACK] = 2, [TT_CLOSING] = 3, [TT_ESTABLISHED] = 4,
	};
	return c->flags & CONN_HIDDEN ? 0 : rank[c->state];
}

/* The table is full: evict the least valuable of a few sampled entries
 * (rank_of, then the longest idle). */
static void evict_one(struct conntab *t, int64_t now)
{
	struct conn *victim = NULL;
	for (int n = 0; n < EVICT_SAMPLES * 8 && (!victim || n < EVICT_SAMPLES); n++) {
		struct conn *c = &t->ents[rnd(t) % t->hiwater];
		if (!c->family)
			continue;
		if (!victim || rank_of(c) < rank_of(victim) ||
		    (rank_of(c) == rank_of(victim) && c->last_us < victim->last_us))
			victim = c;
	}
	if (!victim) {
		for (uint64_t i = 0; i < t->hiwater && !victim; i++)
			if (t->ents[i].family)
				victim = &t->ents[i];
	}
	if (victim) {
		t->st.evicted++;
		conn_remove(t, victim, TT_RM_EVICTED, now);
	}
}

/* The sequence number after segment p (SYN and FIN take one each). */
static uint32_t seq_end(const struct pkt *p)
{
	return p->seq + p->payload + !!(p->flags & TCPF_SYN) + !!(p->flags & TCPF_FIN);
}

static void conn_init(struct conntab *t, struct conn *c, const struct pkt *p,
                      int dst_is_server, uint8_t state, uint8_t flags, int64_t now)
{
	uint64_t ei = ent_index(t, c);
	struct conn_cold *k = &t->cold[ei];
	c->family = p->family;
	if (dst_is_server) {
		memcpy(c->caddr, p->saddr, 16), c->cport = p->sport;
		memcpy(c->saddr, p->daddr, 16), c->sport = p->dport;
	} else {
		memcpy(c->caddr, p->daddr, 16), c->cport = p->dport;
		memcpy(c->saddr, p->saddr, 16), c->sport = p->sport;
	}
	c->state = state;
	c->flags = flags;
	c->cls = 0;
	k->first_us = c->last_us = now;
	memset(c->pk, 0, sizeof c->pk);
	memset(k->pkhi, 0, sizeof k->pkhi);
	memset(k->byhi, 0, sizeof k->byhi);
	memset(c->by, 0, sizeof c->by);
	memset(c->pl, 0, sizeof c->pl);
	c->tcpfl[0] = c->tcpfl[1] = 0;
	k->id = t->next_id++;
	if (flags & TT_CONN_MIDSTREAM) {
		k->seq = seq_end(p);
		if (!dst_is_server)
			c->flags |= CONN_SEQ_S2C;
	} else {
		/* the client's initial sequence number, from its SYN or from
		 * the SYN|ACK that answers it */
		k->seq = (p->flags & TCPF_ACK) ? p->ack - 1 : p->seq;
	}
	if (!t->cfg.no_rates) {
		memset(&t->rates[ei], 0, sizeof t->rates[ei]);
		memset(&t->ring[ei * ring_stride(t)], 0, ring_stride(t) * sizeof *t->ring);
	}
	if (t->cfg.health)
		t->health_took = health_open(&c->h, &k->h, p, !dst_is_server);
	t->st.per_state[state]++;
	t->st.opened++;
	c->due = 0;
	wheel_start(t, now);
	schedule(t, c, 0);
}

/* A new entry for packet p in index slot position pos; may evict. */
static struct conn *conn_new(struct conntab *t, const struct pkt *p, uint32_t tag,
                             int dst_is_server, uint8_t state, uint8_t flags, int64_t now)
{
	if (t->st.active >= t->cfg.max_connections)
		evict_one(t, now);
	if ((t->st.active + 1) * 2 > t->mask + 1 && t->mask + 1 < t->max_slots)
		if (index_grow(t) < 0 && t->st.active * 4 >= (t->mask + 1) * 3)
			return NULL; /* no memory for a larger index and this one is full */
	uint64_t ei;
	if (t->nfree) {
		ei = t->free_stk[--t->nfree];
		if (t->nfree) {
			/* the next new connection will take this entry: start
			 * loading it now rather than stall on it then */
			uint64_t nx = t->free_stk[t->nfree - 1];
			__builtin_prefetch(&t->ents[nx], 1);
			__builtin_prefetch((const char *)&t->ents[nx] + 64, 1);
			if (!t->cfg.no_rates) {
				__builtin_prefetch(&t->rates[nx], 1);
				__builtin_prefetch(&t->ring[nx * ring_stride(t)], 1);
			}
			__builtin_prefetch(&t->cold[nx], 1);
		}
	} else {
		ei = t->hiwater++;
	}
	struct conn *c = &t->ents[ei];
	t->cold[ei].tag = tag;
	t->cold[ei].gen = 0;
	conn_init(t, c, p, dst_is_server, state, flags, now);
	index_put(t->index, t->mask, tag, ei);
	t->st.active++;
	return c;
}

/* Find the connection of p; *dir is 0 when p goes client to server. */
static inline struct conn *lookup(const struct conntab *t, const struct pkt *p,
                                  uint32_t tag, int *dir)
{
	uint64_t mask = t->mask;
	for (uint64_t i = tag & mask;; i = (i + 1) & mask) {
		uint64_t s = t->index[i];
		if (s == EMPTY)
			return NULL;
		if ((uint32_t)(s >> 32) != tag)
			continue;
		struct conn *c = &t->ents[(uint32_t)s - 1];
		if (c->family != p->family)
			continue;
		if (c->cport == p->sport && c->sport == p->dport &&
		    !memcmp(c->caddr, p->saddr, 16) && !memcmp(c->saddr, p->daddr, 16)) {
			*dir = 0;
			return c;
		}
		if (c->cport == p->dport && c->sport == p->sport &&
		    !memcmp(c->caddr, p->daddr, 16) && !memcmp(c->saddr, p->saddr, 16)) {
			*dir = 1;
			return c;
		}
	}
}

/* The TCP state machine, on the flags of a packet going in direction dir
 * (0 client to server).  RFC 9293 section 3.5: FIN per direction, so a
 * half-closed connection keeps counting until both sides have closed. */
static __attribute__((noinline)) void advance(struct conntab *t, struct conn *c, uint8_t fl,
                                              int dir, int64_t now)
{
	if (c->state == TT_CLOSED && !(fl & TCPF_RST)) {
		/* a FIN (sent again) waits for its ACK; a bare ACK from the
		 * other side acknowledges the last FIN: the close is complete */
		if (fl & TCPF_FIN)
			c->cls = dir ? CLS_LAST_S2C : 0;
		else if ((fl & (TCPF_ACK | TCPF_SYN)) == TCPF_ACK && dir != (c->cls & CLS_LAST_S2C))
			c->cls |= CLS_ACKED;
		return;
	}
	if (c->state == TT_RESET) {
		/* a SYN here is the refused handshake's, sent again (resolve()
		 * made another initial sequence number a new connection): it
		 * goes on; one after a completed handshake is a stale copy */
		if ((fl & (TCPF_SYN | TCPF_RST)) == TCPF_SYN && !(c->flags & CONN_SHOOK))
			set_state(t, c, (fl & TCPF_ACK) ? TT_SYN_ACK_ACK : TT_SYN_SENT, now);
		return;
	}
	if (fl & TCPF_RST) {
		set_state(t, c, TT_RESET, now);
		return;
	}
	if (fl & TCPF_SYN) {
		if ((fl & TCPF_ACK) && c->state == TT_SYN_SENT)
			set_state(t, c, TT_SYN_ACK_ACK, now);
		return;
	}
	if (c->state == TT_SYN_ACK_ACK && (fl & TCPF_ACK)) {
		c->flags |= CONN_SHOOK;
		set_state(t, c, TT_ESTABLISHED, now);
	}
	if (fl & TCPF_FIN) {
		c->flags |= dir ? TT_CONN_S_FIN : TT_CONN_C_FIN;
		if ((c->flags & (TT_CONN_C_FIN | TT_CONN_S_FIN)) == (TT_CONN_C_FIN | TT_CONN_S_FIN)) {
			c->cls = dir ? CLS_LAST_S2C : 0;
			set_state(t, c, TT_CLOSED, now);
		} else {
			set_state(t, c, TT_CLOSING, now);
		}
	}
}

/* A new connection on the tuple of c, which is final: a new generation
 * starts in its entry.  *dir gets p's direction in it. */
static struct conn *renew(struct conntab *t, struct conn *c, const struct pkt *p, int *dir,
                          int dst_is_server, uint8_t state, uint8_t flags, int64_t now)
{
	uint16_t gen = cold_of(t, c)->gen;
	gen = gen == UINT16_MAX ? gen : (uint16_t)(gen + 1);
	fire(t, TT_EV_REMOVED, c, c->state, TT_RM_REUSED, now);
	if (c->flags & CONN_HIDDEN)
		t->st.held--;
	else
		t->st.per_state[c->state]--;
	conn_init(t, c, p, dst_is_server, state, flags, now);
	cold_of(t, c)->gen = gen;
	*dir = !dst_is_server;
	t->opening = 1;
	return c;
}

/* Whether the SYN (or SYN|ACK) p going in direction dir is the handshake
 * of c sent again: the client's initial sequence number is c's. */
static int same_handshake(const struct conntab *t, const struct conn *c, const struct pkt *p, int dir)
{
	if (c->flags & TT_CONN_MIDSTREAM)
		return 0; /* no handshake known */
	uint32_t isn = cold_of(t, c)->seq;
	if (p->flags & TCPF_ACK)
		return dir == 1 && p->ack - 1 == isn;
	return dir == 0 && p->seq == isn;
}

/* A packet on the tuple of c that the common path does not handle: a SYN
 * on a finished or held connection, anything on a held one or on one picked
 * up mid-stream.  The sequence numbers say whether p belongs to c (a
 * handshake sent again, a late FIN or ACK, data after a quiet spell) or
 * starts a new connection (a SYN with another initial sequence number; mid-
 * stream, a jump no window explains).  Returns the connection p counts to. */
static struct conn *resolve(struct conntab *t, struct conn *c, const struct pkt *p,
                            int64_t now, int *dir)
{
	uint8_t fl = p->flags;
	if ((fl & (TCPF_SYN | TCPF_RST)) == TCPF_SYN &&
	    ((c->flags & CONN_HIDDEN) || c->state == TT_CLOSED || c->state == TT_RESET)) {
		if (!same_handshake(t, c, p, *dir)) {
			int dst_is_server = !(fl & TCPF_ACK);
			return renew(t, c, p, dir, dst_is_server,
			             (fl & TCPF_ACK) ? TT_SYN_ACK_ACK : TT_SYN_SENT, 0, now);
		}
		if (c->flags & CONN_HIDDEN)
			unhide(t, c, now);
		/* a handshake refused (RST) and tried again goes on: advance()
		 * moves it on, once p is counted */
		return c;
	}
	if ((c->flags & TT_CONN_MIDSTREAM) && *dir == !!(c->flags & CONN_SEQ_S2C)) {
		struct conn_cold *k = cold_of(t, c);
		int32_t jump = (int32_t)(p->seq - k->seq);
		if (jump >= SEQ_JUMP || jump <= -SEQ_JUMP)
			return renew(t, c, p, dir, *dir == 0, TT_ESTABLISHED, TT_CONN_MIDSTREAM, now);
		uint32_t end = seq_end(p);
		if ((int32_t)(end - k->seq) > 0)
			k->seq = end;
	}
	if (c->flags & CONN_HIDDEN)
		unhide(t, c, now);
	return c;
}

/* The packet p finds no connection: open one.  Returns it, or NULL when p
 * is not tracked; *dir gets p's direction.  Out of line: the common packet
 * skips it. */
static __attribute__((noinline)) struct conn *open_conn(struct conntab *t, struct conn *c,
                                                        const struct pkt *p, uint32_t tag,
                                                        int64_t now, int *dir)
{
	if (c)
		return resolve(t, c, p, now, dir);
	uint8_t fl = p->flags, state, flags = 0;
	int dst_is_server;
	if ((fl & (TCPF_SYN | TCPF_RST)) == TCPF_SYN) {
		/* the SYN's sender is the client, the SYN|ACK's receiver */
		dst_is_server = !(fl & TCPF_ACK);
		state = (fl & TCPF_ACK) ? TT_SYN_ACK_ACK : TT_SYN_SENT;
	} else {
		if (!t->cfg.detect_existing) {
			t->st.untracked++;
			return NULL;
		}
		dst_is_server = conntab_guess_dst_is_server(p->sport, p->dport);
		state = TT_ESTABLISHED;
		flags = TT_CONN_MIDSTREAM;
	}
	c = conn_new(t, p, tag, dst_is_server, state, flags, now);
	if (!c)
		return NULL;
	*dir = !dst_is_server;
	t->opening = 1;
	return c;
}

/* Segment p in direction dir of c through every rule of the TCP health
 * (health.h), with the cold part. */
static void health_rest(struct conntab *t, struct conn *c, const struct pkt *p, int dir)
{
	if (health_segment(&c->h, &cold_of(t, c)->h, p, dir)) {
		t->st.re[dir]++;
		t->st.rb[dir] += p->payload;
	}
}

/* Count packet p in direction dir of c (mid: c was picked up mid-stream by
 * this very packet's turn through open_conn). */
static inline __attribute__((always_inline)) void count_packet(struct conntab *t, struct conn *c,
                                                               const struct pkt *p, int dir, int64_t now,
                                                               int mid)
{
	/* the low 32 bits of packets and bytes; a carry goes beside */
	if (__builtin_expect(!++c->pk[dir], 0))
		cold_of(t, c)->pkhi[dir]++;
	uint32_t by = c->by[dir] + p->ip_bytes;
	if (__builtin_expect(by < c->by[dir], 0))
		cold_of(t, c)->byhi[dir]++;
	c->by[dir] = by;
	c->pl[dir] += p->payload;
	c->tcpfl[dir] |= p->flags;
	t->st.pk[dir]++;
	t->st.by[dir] += p->ip_bytes;
	t->st.pl[dir] += p->payload;
	if (now > c->last_us)
		c->last_us = now;
	/* picked up mid-stream, the first word from this side: heard both
	 * ways now, its timeout may have become shorter */
	if (__builtin_expect(mid, 0) && c->pk[dir] == 1 && !cold_of(t, c)->pkhi[dir])
		schedule(t, c, 1);
}

/* Packet p in direction d of c, an entry the common path handles: counted,
 * then its common segment inline, the others out of line with the cold
 * part (health.h).  Called with d a constant, so that its shifts and
 * offsets are. */
static inline __attribute__((always_inline)) void established(struct conntab *t, struct conn *c,
                                                              const struct pkt *p, int d, int64_t now)
{
	count_packet(t, c, p, d, now, 0);
	if (t->cfg.health && !health_common(&c->h, p, d))
		health_rest(t, c, p, d);
}

struct conn *conntab_packet(struct conntab *t, const struct pkt *p, uint64_t h, int64_t now)
{
	uint32_t tag = tag_of(h);
	int dir = 0;
	uint8_t fl = p->flags;
	struct conn *c = lookup(t, p, tag, &dir);
	if (__builtin_expect(!c || (c->flags & (CONN_HIDDEN | TT_CONN_MIDSTREAM)) ||
	                     ((fl & (TCPF_SYN | TCPF_RST)) == TCPF_SYN &&
	                      (c->state == TT_CLOSED || c->state == TT_RESET)), 0)) {
		t->health_took = t->opening = 0;
		c = open_conn(t, c, p, tag, now, &dir);
		if (!c)
			return NULL;
		count_packet(t, c, p, dir, now, c->flags & TT_CONN_MIDSTREAM);
		/* a new entry's health state may have taken its SYN; the
		 * common segment is never one of these */
		if (t->cfg.health && !t->health_took)
			health_rest(t, c, p, dir);
		/* told with its first packet counted, as its first_seen says */
		if (t->opening)
			fire(t, TT_EV_OPENED, c, 0, 0, now);
	} else if (dir) {
		/* each direction compiled apart (the branch follows lookup()'s
		 * own on the direction, which a predictor correlates) */
		established(t, c, p, 1, now);
	} else {
		established(t, c, p, 0, now);
	}
	if ((fl & (TCPF_SYN | TCPF_FIN | TCPF_RST)) || c->state != TT_ESTABLISHED)
		advance(t, c, fl, dir, now);
	return c;
}

/* ---- views ---- */

void conntab_view(const struct conntab *t, const struct conn *c, struct tt_conn *v)
{
	/* every field is set below: no memset (a view is made per event) */
	v->size = sizeof *v;
	v->family = c->family;
	v->state = c->state;
	v->flags = (uint16_t)((c->flags & CONN_PUBLIC) | (c->flags & CONN_HIDDEN ? TT_CONN_HELD : 0));
	const struct conn_cold *o = cold_of(t, c);
	v->id = o->id;
	v->generation = o->gen;
	v->client_port = c->cport;
	v->server_port = c->sport;
	memcpy(v->client, c->caddr, 16);
	memcpy(v->server, c->saddr, 16);
	v->first_seen_us = o->first_us;
	v->last_seen_us = c->last_us;
	v->c2s.packets = (uint64_t)o->pkhi[0] << 32 | c->pk[0];
	v->c2s.bytes = (uint64_t)o->byhi[0] << 32 | c->by[0];
	v->c2s.payload = c->pl[0];
	v->s2c.packets = (uint64_t)o->pkhi[1] << 32 | c->pk[1];
	v->s2c.bytes = (uint64_t)o->byhi[1] << 32 | c->by[1];
	v->s2c.payload = c->pl[1];
	health_view(t->cfg.health ? &c->h : NULL, &o->h, v);
	v->c2s_tcp_flags = c->tcpfl[0];
	v->s2c_tcp_flags = c->tcpfl[1];
	if (t->cfg.no_rates) {
		v->c2s_rate = v->s2c_rate = 0;
		return;
	}
	uint64_t ei = ent_index(t, c);
	uint32_t k = t->cfg.window_ticks;
	const uint32_t *ring = &t->ring[ei * ring_stride(t)];
	uint64_t sum[2] = {0, 0};
	for (uint32_t j = 0; j < k; j++)
		sum[0] += ring[j * 2], sum[1] += ring[j * 2 + 1];
	double secs = (double)k * (double)t->cfg.tick_us / 1e6;
	v->c2s_rate = (double)sum[0] / secs;
	v->s2c_rate = (double)sum[1] / secs;
}

const struct conn_cold *conntab_cold(const struct conntab *t, const struct conn *c)
{
	return cold_of(t, c);
}

int conntab_foreach(const struct conntab *t, int64_t held_since,
                    int (*fn)(void *, const struct conn *), void *arg)
{
	for (uint64_t i = 0; i < t->hiwater; i++) {
		if (!t->ents[i].family)
			continue;
		if ((t->ents[i].flags & CONN_HIDDEN) && t->ents[i].last_us < held_since)
			continue;
		int r = fn(arg, &t->ents[i]);
		if (r)
			return r;
	}
	return 0;
}

const struct conntab_stats *conntab_stats(const struct conntab *t)
{
	((struct conntab *)t)->st.wheel_nodes = t->nodes;
	return &t->st;
}
