/*
 * conntab_test.h: what the conntab unit tests share: the events as the
 * callback saw them, tables and packets.
 */
#ifndef TT_CONNTAB_TEST_H
#define TT_CONNTAB_TEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"
#include "tap.h"

#define SEC 1000000LL

static const uint8_t CLI[4] = {10, 0, 0, 1}, SRV[4] = {10, 0, 0, 2}, LO[4] = {127, 0, 0, 1};

/* ---- events, as the callback saw them ---- */

struct ev {
	uint32_t type, old, reason, state, gen;
	uint64_t id;
	uint16_t cport, sport;
	uint8_t caddr[16];
	int64_t now;
	uint64_t pk[2], by[2], pl[2];
};
static struct ev *evs;
static size_t nev, evcap;

/* the table each callback is of (its arg points at one of these) */
static struct conntab *tabs[64];
static unsigned ntabs;

static inline void on_event(void *arg, uint32_t type, const struct conn *c, uint32_t old_state,
                     uint32_t reason, int64_t now)
{
	struct tt_conn v; /* the counts as the table gives them (their high bits beside the entry) */
	conntab_view(*(struct conntab **)arg, c, &v);
	if (nev == evcap) {
		evcap = evcap ? evcap * 2 : 1024;
		evs = realloc(evs, evcap * sizeof *evs);
		if (!evs)
			abort();
	}
	struct ev *e = &evs[nev++];
	memset(e, 0, sizeof *e);
	e->type = type, e->old = old_state, e->reason = reason, e->state = c->state;
	e->gen = v.generation, e->id = v.id, e->cport = c->cport, e->sport = c->sport;
	memcpy(e->caddr, c->caddr, 16);
	e->now = now;
	e->pk[0] = v.c2s.packets, e->pk[1] = v.s2c.packets;
	e->by[0] = v.c2s.bytes, e->by[1] = v.s2c.bytes;
	e->pl[0] = v.c2s.payload, e->pl[1] = v.s2c.payload;
}

static size_t count_ev(uint32_t type, uint32_t reason)
{
	size_t n = 0;
	for (size_t i = 0; i < nev; i++)
		n += evs[i].type == type && (type != TT_EV_REMOVED || evs[i].reason == reason);
	return n;
}

static const struct ev *last_ev(uint32_t type)
{
	for (size_t i = nev; i-- > 0;)
		if (evs[i].type == type)
			return &evs[i];
	return NULL;
}

/* ---- tables and packets ---- */

static inline struct conntab_config defaults(void)
{
	struct conntab_config c = {
		.max_connections = 1024,
		.tick_us = SEC,
		.window_ticks = 1,
		.syn_timeout_us = 30 * SEC,
		.fin_timeout_us = 60 * SEC,
		.linger_us = 2 * SEC,
		.idle_timeout_us = 3600 * SEC,
		.detect_existing = 1,
	};
	return c;
}

static inline struct conntab *table(const struct conntab_config *cfg)
{
	uint64_t key[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull, 0x0f1e2d3c4b5a6978ull,
	                   0x8796a5b4c3d2e1f0ull};
	nev = 0;
	struct conntab **slot = &tabs[ntabs++ % 64];
	struct conntab *t = conntab_new(cfg, key, on_event, slot,
	                                TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED);
	*slot = t;
	if (!t) {
		fprintf(stderr, "conntab_new failed\n");
		exit(99);
	}
	return t;
}

static inline struct pkt p4(const uint8_t *src, unsigned sport, const uint8_t *dst, unsigned dport,
                     unsigned flags, uint32_t payload)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.family = 4;
	p.flags = (uint8_t)flags;
	p.sport = (uint16_t)sport;
	p.dport = (uint16_t)dport;
	p.ip_bytes = 40 + payload;
	p.payload = payload;
	memcpy(p.saddr, src, 4);
	memcpy(p.daddr, dst, 4);
	return p;
}

static inline struct conn *tx(struct conntab *t, struct pkt p, int64_t now)
{
	return conntab_packet(t, &p, conntab_hash(t, &p), now);
}

static inline int is_addr4(const uint8_t *a16, const uint8_t *a4)
{
	static const uint8_t zero[12];
	return !memcmp(a16, a4, 4) && !memcmp(a16 + 4, zero, 12);
}


/* An established connection CLI:40000 -> SRV:80 at time 0. */
static inline struct conn *established(struct conntab *t, const uint8_t *c, unsigned cp, const uint8_t *s,
                                unsigned sp)
{
	tx(t, p4(c, cp, s, sp, TCPF_SYN, 0), 0);
	tx(t, p4(s, sp, c, cp, TCPF_SYN | TCPF_ACK, 0), 0);
	return tx(t, p4(c, cp, s, sp, TCPF_ACK, 0), 0);
}

/* Whether the table holds the connection with this id (events say). */
static inline int removed(uint64_t id, uint32_t reason)
{
	for (size_t i = 0; i < nev; i++)
		if (evs[i].type == TT_EV_REMOVED && evs[i].id == id)
			return evs[i].reason == reason ? 1 : -1;
	return 0;
}

static inline uint64_t idof(const struct conntab *t, const struct conn *c)
{
	return c ? conntab_cold(t, c)->id : 0;
}


#endif
