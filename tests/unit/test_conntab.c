/*
 * test_conntab: the connection table driven with struct pkt values: the
 * TCP state machine, roles, counters, events, timeouts, eviction, rates,
 * drain, and the index through growth and deletions.
 */
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

static void on_event(void *arg, uint32_t type, const struct conn *c, uint32_t old_state,
                     uint32_t reason, int64_t now)
{
	(void)arg;
	if (nev == evcap) {
		evcap = evcap ? evcap * 2 : 1024;
		evs = realloc(evs, evcap * sizeof *evs);
		if (!evs)
			abort();
	}
	struct ev *e = &evs[nev++];
	memset(e, 0, sizeof *e);
	e->type = type, e->old = old_state, e->reason = reason, e->state = c->state;
	e->gen = c->gen, e->id = c->id, e->cport = c->cport, e->sport = c->sport;
	memcpy(e->caddr, c->caddr, 16);
	e->now = now;
	memcpy(e->pk, c->pk, sizeof e->pk);
	memcpy(e->by, c->by, sizeof e->by);
	memcpy(e->pl, c->pl, sizeof e->pl);
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

static struct conntab_config defaults(void)
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

static struct conntab *table(const struct conntab_config *cfg)
{
	uint64_t key[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull, 0x0f1e2d3c4b5a6978ull,
	                   0x8796a5b4c3d2e1f0ull};
	nev = 0;
	struct conntab *t = conntab_new(cfg, key, on_event, NULL,
	                                TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED);
	if (!t) {
		fprintf(stderr, "conntab_new failed\n");
		exit(99);
	}
	return t;
}

static struct pkt p4(const uint8_t *src, unsigned sport, const uint8_t *dst, unsigned dport,
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

static struct conn *tx(struct conntab *t, struct pkt p, int64_t now)
{
	return conntab_packet(t, &p, conntab_hash(t, &p), now);
}

static int is_addr4(const uint8_t *a16, const uint8_t *a4)
{
	static const uint8_t zero[12];
	return !memcmp(a16, a4, 4) && !memcmp(a16 + 4, zero, 12);
}

/* ---- the state machine ---- */

static void test_handshake(void)
{
	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	struct pkt syn = p4(CLI, 40000, SRV, 80, TCPF_SYN, 0);
	struct pkt rsyn = p4(SRV, 80, CLI, 40000, TCPF_SYN, 0);
	CHECK(conntab_hash(t, &syn) == conntab_hash(t, &rsyn), "hash is the same both ways");

	struct conn *c = tx(t, syn, 1 * SEC);
	CHECK(c && c->state == TT_SYN_SENT, "SYN: SYN_SENT");
	CHECK(c && is_addr4(c->caddr, CLI) && c->cport == 40000 && is_addr4(c->saddr, SRV) &&
	          c->sport == 80, "the SYN's sender is the client");
	CHECK(count_ev(TT_EV_OPENED, 0) == 1, "SYN: one OPENED event");
	uint64_t id = c ? c->id : 0;

	c = tx(t, syn, 2 * SEC);
	CHECK(c && c->id == id && c->state == TT_SYN_SENT, "retransmitted SYN: same connection");

	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_SYN | TCPF_ACK, 0), 3 * SEC);
	CHECK(c && c->id == id && c->state == TT_SYN_ACK_ACK, "SYN|ACK: SYN|ACK-ACK");
	const struct ev *e = last_ev(TT_EV_STATE);
	CHECK(e && e->old == TT_SYN_SENT && e->state == TT_SYN_ACK_ACK, "STATE event SYN_SENT -> SYN|ACK-ACK");

	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 0), 4 * SEC);
	CHECK(c && c->state == TT_ESTABLISHED, "ACK: ESTABLISHED");
	e = last_ev(TT_EV_STATE);
	CHECK(e && e->old == TT_SYN_ACK_ACK && e->state == TT_ESTABLISHED,
	      "STATE event SYN|ACK-ACK -> ESTABLISHED");
	CHECK(count_ev(TT_EV_STATE, 0) == 2 && count_ev(TT_EV_OPENED, 0) == 1 &&
	          count_ev(TT_EV_REMOVED, TT_RM_NONE) == 0, "events: 1 OPENED, 2 STATE (got %zu events)", nev);
	CHECK(c && c->pk[0] == 3 && c->pk[1] == 1, "3 packets client to server, 1 back");
	CHECK(c && !(c->flags & TT_CONN_MIDSTREAM), "a handshake seen is not mid-stream");
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(st->active == 1 && st->opened == 1 && st->per_state[TT_ESTABLISHED] == 1 &&
	          st->per_state[TT_SYN_SENT] == 0 && st->per_state[TT_SYN_ACK_ACK] == 0,
	      "stats: one established connection");
	conntab_free(t);

	/* the SYN was missed: the receiver of the SYN|ACK is the client */
	t = table(&cfg);
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_SYN | TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->state == TT_SYN_ACK_ACK, "SYN|ACK first: SYN|ACK-ACK");
	CHECK(c && is_addr4(c->caddr, CLI) && c->cport == 40000 && is_addr4(c->saddr, SRV) &&
	          c->sport == 80, "the SYN|ACK's receiver is the client");
	CHECK(c && c->pk[0] == 0 && c->pk[1] == 1, "the SYN|ACK counts server to client");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 0), 2 * SEC);
	CHECK(c && c->state == TT_ESTABLISHED && c->pk[0] == 1, "then the ACK: ESTABLISHED");
	conntab_free(t);
}

/* An established connection CLI:40000 -> SRV:80 at time 0. */
static struct conn *established(struct conntab *t, const uint8_t *c, unsigned cp, const uint8_t *s,
                                unsigned sp)
{
	tx(t, p4(c, cp, s, sp, TCPF_SYN, 0), 0);
	tx(t, p4(s, sp, c, cp, TCPF_SYN | TCPF_ACK, 0), 0);
	return tx(t, p4(c, cp, s, sp, TCPF_ACK, 0), 0);
}

static void test_fin(void)
{
	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	struct conn *c = established(t, CLI, 40000, SRV, 80);
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->state == TT_CLOSING, "client FIN: CLOSING");
	CHECK(c && (c->flags & TT_CONN_C_FIN) && !(c->flags & TT_CONN_S_FIN), "client FIN flag only");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 2 * SEC);
	CHECK(c && c->state == TT_CLOSING, "a retransmitted client FIN does not close");
	/* half-closed: the server goes on sending, and it is counted */
	for (int i = 0; i < 5; i++)
		c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_ACK | TCPF_PSH, 1000), 3 * SEC);
	CHECK(c && c->state == TT_CLOSING && c->pk[1] == 6 && c->pl[1] == 5000 && c->by[1] == 40 + 5 * 1040,
	      "half-close keeps counting (s2c %llu packets, %llu payload)",
	      c ? (unsigned long long)c->pk[1] : 0ull, c ? (unsigned long long)c->pl[1] : 0ull);
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_FIN | TCPF_ACK, 0), 4 * SEC);
	CHECK(c && c->state == TT_CLOSED, "server FIN after client FIN: CLOSED");
	CHECK(c && (c->flags & TT_CONN_C_FIN) && (c->flags & TT_CONN_S_FIN), "both FIN flags");
	const struct ev *e = last_ev(TT_EV_STATE);
	CHECK(e && e->old == TT_CLOSING && e->state == TT_CLOSED, "STATE event CLOSING -> CLOSED");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 0), 5 * SEC);
	CHECK(c && c->state == TT_CLOSED && c->pk[0] == 5, "the last ACK counted, still CLOSED");
	conntab_free(t);

	/* the server closes first */
	t = table(&cfg);
	established(t, CLI, 40001, SRV, 80);
	c = tx(t, p4(SRV, 80, CLI, 40001, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->state == TT_CLOSING && (c->flags & TT_CONN_S_FIN) && !(c->flags & TT_CONN_C_FIN),
	      "server FIN: CLOSING, server flag");
	for (int i = 0; i < 3; i++)
		c = tx(t, p4(CLI, 40001, SRV, 80, TCPF_ACK, 100), 2 * SEC);
	CHECK(c && c->state == TT_CLOSING && c->pl[0] == 300, "client data after the server's FIN counted");
	c = tx(t, p4(CLI, 40001, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 3 * SEC);
	CHECK(c && c->state == TT_CLOSED, "client FIN after server FIN: CLOSED");
	conntab_free(t);

	/* one host, both ends: the direction comes from the ports */
	t = table(&cfg);
	c = established(t, LO, 5000, LO, 6000);
	CHECK(c && c->state == TT_ESTABLISHED && c->cport == 5000 && c->sport == 6000 &&
	          c->pk[0] == 2 && c->pk[1] == 1, "127.0.0.1:5000 -> 127.0.0.1:6000 established");
	c = tx(t, p4(LO, 6000, LO, 5000, TCPF_ACK, 10), 1 * SEC);
	CHECK(c && c->pk[1] == 2 && c->pl[1] == 10 && c->pk[0] == 2, "same host: the reply counts s2c");
	c = tx(t, p4(LO, 5000, LO, 6000, TCPF_FIN | TCPF_ACK, 0), 2 * SEC);
	CHECK(c && c->state == TT_CLOSING, "same host: FIN from 5000 -> CLOSING");
	c = tx(t, p4(LO, 5000, LO, 6000, TCPF_FIN | TCPF_ACK, 0), 3 * SEC);
	CHECK(c && c->state == TT_CLOSING, "same host: a second FIN from 5000 does not close");
	c = tx(t, p4(LO, 6000, LO, 5000, TCPF_FIN | TCPF_ACK, 0), 4 * SEC);
	CHECK(c && c->state == TT_CLOSED, "same host: FIN from 6000 closes");
	CHECK(conntab_stats(t)->active == 1, "same host: one connection");
	conntab_free(t);
}

static void test_rst(void)
{
	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	struct conn *c = established(t, CLI, 40000, SRV, 80);
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_RST, 0), 1 * SEC);
	CHECK(c && c->state == TT_RESET, "RST: RESET");
	const struct ev *e = last_ev(TT_EV_STATE);
	CHECK(e && e->old == TT_ESTABLISHED && e->state == TT_RESET, "STATE event ESTABLISHED -> RESET");
	CHECK(conntab_stats(t)->resets == 1, "resets counted");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 0), 2 * SEC);
	CHECK(c && c->state == TT_RESET, "after RST, an ACK keeps RESET");
	/* RST in SYN_SENT (connection refused) */
	c = tx(t, p4(CLI, 40002, SRV, 81, TCPF_SYN, 0), 3 * SEC);
	c = tx(t, p4(SRV, 81, CLI, 40002, TCPF_RST | TCPF_ACK, 0), 3 * SEC);
	CHECK(c && c->state == TT_RESET && c->cport == 40002, "refused: SYN_SENT -> RESET");
	CHECK(conntab_stats(t)->resets == 2, "two resets counted");
	conntab_free(t);
}

static void test_reuse(void)
{
	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	struct conn *c = established(t, CLI, 40000, SRV, 80);
	for (int i = 0; i < 4; i++)
		tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 500), 1 * SEC);
	tx(t, p4(CLI, 40000, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->state == TT_CLOSED, "closed before the reuse");
	uint64_t old_id = c ? c->id : 0;
	uint32_t old_gen = c ? c->gen : 99;
	CHECK(old_gen == 0, "first connection of a tuple: generation 0");
	size_t before = nev;

	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_SYN, 0), 1 * SEC + 100);
	CHECK(c && c->state == TT_SYN_SENT, "new SYN on a CLOSED tuple: SYN_SENT");
	CHECK(c && c->id != old_id && c->id > old_id, "the new connection has a new id");
	CHECK(c && c->gen == old_gen + 1, "generation 1 (got %u)", c ? c->gen : 0);
	CHECK(c && c->pk[0] == 1 && c->pk[1] == 0 && c->by[0] == 40 && c->pl[0] == 0 && c->by[1] == 0,
	      "counts start over with the SYN");
	CHECK(c && c->first_us == 1 * SEC + 100, "first seen is the new SYN's time");
	CHECK(c && !(c->flags & (TT_CONN_C_FIN | TT_CONN_S_FIN)), "FIN flags cleared");
	CHECK(nev - before == 2 && evs[before].type == TT_EV_REMOVED && evs[before].reason == TT_RM_REUSED &&
	          evs[before].id == old_id && evs[before].state == TT_CLOSED && evs[before].pl[0] == 2000 &&
	          evs[before + 1].type == TT_EV_OPENED && c && evs[before + 1].id == c->id,
	      "events: REMOVED (reused, old id, final counts) then OPENED (new id)");
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(st->active == 1 && st->opened == 2 && st->per_state[TT_CLOSED] == 0 &&
	          st->per_state[TT_SYN_SENT] == 1, "stats after the reuse");

	/* after RESET, a SYN from the other end: roles follow the new SYN */
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_RST, 0), 2 * SEC);
	CHECK(c && c->state == TT_RESET, "reset");
	uint64_t id2 = c ? c->id : 0;
	before = nev;
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_SYN, 0), 3 * SEC);
	CHECK(c && c->state == TT_SYN_SENT && c->id != id2 && c->gen == 2, "new SYN on a RESET tuple");
	CHECK(c && is_addr4(c->caddr, SRV) && c->cport == 80 && c->sport == 40000,
	      "the new SYN's sender is the new client");
	CHECK(c && c->pk[0] == 1 && c->pk[1] == 0, "the new SYN counts client to server");
	CHECK(nev - before == 2 && evs[before].type == TT_EV_REMOVED && evs[before].reason == TT_RM_REUSED &&
	          evs[before].id == id2 && evs[before].state == TT_RESET,
	      "REMOVED (reused) for the reset connection");
	CHECK(conntab_stats(t)->active == 1, "one entry for the tuple");

	/* a SYN on a live connection is not a new one */
	c = established(t, CLI, 40100, SRV, 80);
	uint64_t id3 = c ? c->id : 0;
	c = tx(t, p4(CLI, 40100, SRV, 80, TCPF_SYN, 0), 4 * SEC);
	CHECK(c && c->id == id3 && c->state == TT_ESTABLISHED, "SYN on an established tuple: same connection");
	conntab_free(t);
}

static void test_midstream(void)
{
	/* the guess alone */
	CHECK(conntab_guess_dst_is_server(1000, 2049), "1000 -> 2049: 2049 (NFS) is the server");
	CHECK(!conntab_guess_dst_is_server(2049, 1000), "2049 -> 1000: 2049 is the server");
	CHECK(conntab_guess_dst_is_server(50000, 8081), "50000 -> 8081: 8081 is the server");
	CHECK(!conntab_guess_dst_is_server(8081, 50000), "8081 -> 50000: 8081 is the server");
	CHECK(!conntab_guess_dst_is_server(40000, 50000), "40000 -> 50000: both ephemeral, 40000 is the server");
	CHECK(conntab_guess_dst_is_server(50000, 40000), "50000 -> 40000: both ephemeral, 40000 is the server");
	CHECK(conntab_guess_dst_is_server(51000, 443), "51000 -> 443: 443 is the server");
	CHECK(conntab_guess_dst_is_server(40001, 10001), "40001 -> 10001: the non-ephemeral port is the server");
	CHECK(conntab_guess_dst_is_server(1600, 1500), "1600 -> 1500: neither known nor ephemeral, 1500 is the server");

	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	struct {
		unsigned sport, dport, server, client;
		const char *what;
	} cases[] = {
		{1000, 2049, 2049, 1000, "1000 -> 2049 (NFS): 2049 is the server"},
		{2049, 1001, 2049, 1001, "2049 -> 1001 (NFS reply first): 2049 is the server"},
		{50000, 8081, 8081, 50000, "50000 -> 8081: 8081 is the server"},
		{40000, 50000, 40000, 50000, "40000 -> 50000 (both ephemeral): 40000 is the server"},
		{50001, 40001, 40001, 50001, "50001 -> 40001 (both ephemeral): 40001 is the server"},
		{1600, 1500, 1500, 1600, "1600 -> 1500 (neither known): 1500 is the server"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conn *c = tx(t, p4(CLI, cases[i].sport, SRV, cases[i].dport, TCPF_ACK, 10), 1 * SEC);
		CHECK(c && c->sport == cases[i].server && c->cport == cases[i].client, "%s (got server %u)",
		      cases[i].what, c ? c->sport : 0);
		CHECK(c && c->state == TT_ESTABLISHED && (c->flags & TT_CONN_MIDSTREAM),
		      "%s: ESTABLISHED, mid-stream", cases[i].what);
		int dir = c && c->sport == cases[i].dport ? 0 : 1;
		CHECK(c && c->pk[dir] == 1 && c->pk[!dir] == 0 && c->pl[dir] == 10,
		      "%s: the packet counted in its direction", cases[i].what);
	}
	/* a FIN picked up mid-stream */
	struct conn *c = tx(t, p4(CLI, 33333, SRV, 22, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->state == TT_CLOSING && c->sport == 22, "mid-stream FIN: CLOSING, 22 is the server");
	conntab_free(t);

	/* detect_existing = 0: packets of connections already open are not tracked */
	cfg.detect_existing = 0;
	t = table(&cfg);
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 100), 1 * SEC);
	CHECK(c == NULL, "detect_existing = 0: a mid-stream ACK is not tracked");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	CHECK(c == NULL, "detect_existing = 0: a mid-stream FIN is not tracked");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_RST, 0), 1 * SEC);
	CHECK(c == NULL, "detect_existing = 0: a mid-stream RST is not tracked");
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(st->active == 0 && st->untracked == 3 && nev == 0 && st->pk[0] == 0,
	      "nothing in the table, 3 untracked, no event, nothing counted");
	c = tx(t, p4(CLI, 40001, SRV, 80, TCPF_SYN, 0), 2 * SEC);
	CHECK(c && c->state == TT_SYN_SENT, "detect_existing = 0: a SYN is tracked");
	conntab_free(t);
}

static void test_counters(void)
{
	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	established(t, CLI, 40000, SRV, 443);
	struct conn *c = NULL;
	for (int i = 0; i < 7; i++)
		c = tx(t, p4(CLI, 40000, SRV, 443, TCPF_ACK | TCPF_PSH, 100 + (uint32_t)i), 1 * SEC);
	for (int i = 0; i < 3; i++)
		c = tx(t, p4(SRV, 443, CLI, 40000, TCPF_ACK | TCPF_PSH, 1460), 2 * SEC);
	/* c2s: SYN, ACK, 7 data; s2c: SYN|ACK, 3 data */
	CHECK(c && c->pk[0] == 9 && c->pk[1] == 4, "packets per direction (%llu, %llu)",
	      c ? (unsigned long long)c->pk[0] : 0ull, c ? (unsigned long long)c->pk[1] : 0ull);
	CHECK(c && c->pl[0] == 721 && c->pl[1] == 4380, "payload per direction");
	CHECK(c && c->by[0] == 9 * 40 + 721 && c->by[1] == 4 * 40 + 4380, "IP bytes per direction");
	CHECK(c && c->first_us == 0 && c->last_us == 2 * SEC, "first and last seen");
	/* a packet stamped earlier does not move last seen back */
	c = tx(t, p4(SRV, 443, CLI, 40000, TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->last_us == 2 * SEC, "last seen never goes back");
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(st->pk[0] == 9 && st->pk[1] == 5 && st->pl[0] == 721 && st->pl[1] == 4380 &&
	          st->by[0] == 9 * 40 + 721 && st->by[1] == 5 * 40 + 4380, "table totals per direction");
	if (c) {
		struct tt_conn v;
		conntab_view(t, c, &v);
		CHECK(v.size == sizeof v && v.family == 4 && v.id == c->id && v.generation == 0 &&
		          v.client_port == 40000 && v.server_port == 443 && is_addr4(v.client, CLI) &&
		          is_addr4(v.server, SRV) && v.state == TT_ESTABLISHED,
		      "view: identity");
		CHECK(v.c2s.packets == 9 && v.c2s.bytes == 9 * 40 + 721 && v.c2s.payload == 721 &&
		          v.s2c.packets == 5 && v.s2c.bytes == 5 * 40 + 4380 && v.s2c.payload == 4380 &&
		          v.first_seen_us == 0 && v.last_seen_us == 2 * SEC, "view: counters and times");
	}
	conntab_free(t);

	/* IPv6 */
	t = table(&cfg);
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.family = 6, p.flags = TCPF_SYN, p.sport = 50000, p.dport = 443, p.ip_bytes = 60;
	p.saddr[0] = 0x20, p.saddr[1] = 0x01, p.saddr[15] = 1;
	p.daddr[0] = 0x20, p.daddr[1] = 0x01, p.daddr[15] = 2;
	c = conntab_packet(t, &p, conntab_hash(t, &p), 0);
	struct pkt r = p;
	memcpy(r.saddr, p.daddr, 16), memcpy(r.daddr, p.saddr, 16);
	r.sport = p.dport, r.dport = p.sport, r.flags = TCPF_SYN | TCPF_ACK;
	struct conn *c2 = conntab_packet(t, &r, conntab_hash(t, &r), 0);
	CHECK(c && c == c2 && c2->state == TT_SYN_ACK_ACK && c2->family == 6 && c2->pk[0] == 1 && c2->pk[1] == 1,
	      "IPv6: both directions on one connection");
	/* the same addresses and ports as IPv4 are another connection */
	struct pkt q = p;
	q.family = 4;
	memset(q.saddr + 4, 0, 12), memset(q.daddr + 4, 0, 12);
	c2 = conntab_packet(t, &q, conntab_hash(t, &q), 0);
	CHECK(c2 && c2 != c && conntab_stats(t)->active == 2, "IPv4 and IPv6 tuples differ");
	conntab_free(t);
}

static void test_event_mask(void)
{
	struct conntab_config cfg = defaults();
	uint64_t key[4] = {1, 2, 3, 4};
	nev = 0;
	struct conntab *t = conntab_new(&cfg, key, on_event, NULL, TT_EV_REMOVED);
	established(t, CLI, 40000, SRV, 80);
	tx(t, p4(CLI, 40000, SRV, 80, TCPF_RST, 0), 0);
	CHECK(nev == 0, "only the events asked for: none before removal (got %zu)", nev);
	conntab_tick(t, 10 * SEC);
	CHECK(nev == 1 && evs[0].type == TT_EV_REMOVED && evs[0].reason == TT_RM_LINGER,
	      "only the events asked for: REMOVED");
	conntab_free(t);
	t = conntab_new(&cfg, key, NULL, NULL, TT_EV_REMOVED);
	established(t, CLI, 40000, SRV, 80);
	conntab_drain(t, 0);
	CHECK(conntab_stats(t)->active == 0, "no callback: works without events");
	conntab_free(t);
}

/* ---- timeouts ---- */

/* Whether the table holds the connection with this id (events say). */
static int removed(uint64_t id, uint32_t reason)
{
	for (size_t i = 0; i < nev; i++)
		if (evs[i].type == TT_EV_REMOVED && evs[i].id == id)
			return evs[i].reason == reason ? 1 : -1;
	return 0;
}

static uint64_t idof(const struct conn *c) { return c ? c->id : 0; }

static void test_timeouts(void)
{
	struct conntab_config cfg = defaults();
	cfg.syn_timeout_us = 30 * SEC;
	cfg.fin_timeout_us = 60 * SEC;
	cfg.linger_us = 2 * SEC;
	cfg.idle_timeout_us = 300 * SEC;
	struct conntab *t = table(&cfg);
	int64_t T = 1000 * SEC;
	struct conn *c;
	c = tx(t, p4(CLI, 1, SRV, 80, TCPF_SYN, 0), T);
	uint64_t syn = idof(c);
	tx(t, p4(CLI, 2, SRV, 80, TCPF_SYN, 0), T);
	c = tx(t, p4(SRV, 80, CLI, 2, TCPF_SYN | TCPF_ACK, 0), T);
	uint64_t synack = idof(c);
	established(t, CLI, 3, SRV, 80);
	c = tx(t, p4(CLI, 3, SRV, 80, TCPF_FIN, 0), T);
	uint64_t closing = idof(c);
	established(t, CLI, 4, SRV, 80);
	tx(t, p4(CLI, 4, SRV, 80, TCPF_FIN, 0), T);
	c = tx(t, p4(SRV, 80, CLI, 4, TCPF_FIN, 0), T);
	uint64_t closed = idof(c);
	established(t, CLI, 5, SRV, 80);
	c = tx(t, p4(CLI, 5, SRV, 80, TCPF_RST, 0), T);
	uint64_t reset = idof(c);
	established(t, CLI, 6, SRV, 80);
	c = tx(t, p4(CLI, 6, SRV, 80, TCPF_ACK, 1), T);
	uint64_t est = idof(c);
	CHECK(conntab_stats(t)->active == 6, "six connections");

	conntab_tick(t, T + 2 * SEC - 1);
	CHECK(conntab_stats(t)->active == 6 && count_ev(TT_EV_REMOVED, TT_RM_LINGER) == 0,
	      "nothing expires a microsecond before the linger");
	conntab_tick(t, T + 2 * SEC);
	CHECK(removed(closed, TT_RM_LINGER) == 1 && removed(reset, TT_RM_LINGER) == 1,
	      "closed and reset: removed after the linger");
	CHECK(conntab_stats(t)->active == 4, "four left");
	conntab_tick(t, T + 30 * SEC - 1);
	CHECK(!removed(syn, 0) && !removed(synack, 0), "no SYN timeout before its time");
	conntab_tick(t, T + 30 * SEC);
	CHECK(removed(syn, TT_RM_SYN_TIMEOUT) == 1, "SYN_SENT: SYN timeout");
	CHECK(removed(synack, TT_RM_SYN_TIMEOUT) == 1, "SYN|ACK-ACK: SYN timeout");
	conntab_tick(t, T + 60 * SEC - 1);
	CHECK(!removed(closing, 0), "no FIN timeout before its time");
	conntab_tick(t, T + 60 * SEC);
	CHECK(removed(closing, TT_RM_FIN_TIMEOUT) == 1, "CLOSING: FIN timeout");
	conntab_tick(t, T + 300 * SEC - 1);
	CHECK(!removed(est, 0) && conntab_stats(t)->active == 1, "no idle timeout before its time");
	/* traffic resets the idle clock */
	tx(t, p4(SRV, 80, CLI, 6, TCPF_ACK, 1), T + 300 * SEC - 1);
	conntab_tick(t, T + 300 * SEC);
	CHECK(!removed(est, 0), "traffic restarts the idle time");
	conntab_tick(t, T + 600 * SEC - 1);
	CHECK(removed(est, TT_RM_IDLE) == 1, "ESTABLISHED: idle timeout");
	CHECK(conntab_stats(t)->active == 0, "all gone");
	const struct ev *e = last_ev(TT_EV_REMOVED);
	CHECK(e && e->now == T + 600 * SEC - 1 && e->state == TT_ESTABLISHED && e->pk[1] == 2,
	      "the REMOVED event carries the time and final counts");
	conntab_free(t);

	/* picked up mid-stream and heard from one side only: the SYN timeout;
	 * once both sides spoke, the idle timeout */
	t = table(&cfg);
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 0), T);
	uint64_t oneway = idof(c);
	tx(t, p4(CLI, 40001, SRV, 80, TCPF_ACK, 10), T);
	c = tx(t, p4(SRV, 80, CLI, 40001, TCPF_ACK, 10), T);
	uint64_t twoway = idof(c);
	conntab_tick(t, T + 30 * SEC - 1);
	CHECK(!removed(oneway, 0), "one-sided mid-stream: kept until the SYN timeout");
	conntab_tick(t, T + 30 * SEC);
	CHECK(removed(oneway, TT_RM_IDLE) == 1, "one-sided mid-stream: gone at the SYN timeout");
	CHECK(!removed(twoway, 0), "mid-stream heard both ways: not at the SYN timeout");
	conntab_tick(t, T + 300 * SEC);
	CHECK(removed(twoway, TT_RM_IDLE) == 1, "mid-stream heard both ways: the idle timeout");
	conntab_free(t);

	/* idle_timeout 0: established connections never time out */
	cfg.idle_timeout_us = 0;
	nev = 0;
	t = table(&cfg);
	established(t, CLI, 7, SRV, 80);
	conntab_tick(t, 1000000 * SEC);
	CHECK(conntab_stats(t)->active == 1 && nev == 3, "idle_timeout 0: never removed");
	conntab_free(t);
}

/* ---- the expiry wheel ---- */

static void test_wheel(void)
{
	struct conntab_config cfg = defaults();
	cfg.idle_timeout_us = 300 * SEC;
	struct conntab *t = table(&cfg);
	int64_t T = 1000 * SEC;
	/* a connection that speaks every 100 s for 2000 ticks (eight turns of
	 * the wheel) stays; once quiet, it goes at its idle timeout exactly */
	tx(t, p4(CLI, 1, SRV, 80, TCPF_SYN, 0), T);
	tx(t, p4(SRV, 80, CLI, 1, TCPF_SYN | TCPF_ACK, 0), T);
	struct conn *c = tx(t, p4(CLI, 1, SRV, 80, TCPF_ACK, 0), T);
	uint64_t id = idof(c);
	int64_t last = 0;
	for (int64_t s = 1; s <= 2000; s++) {
		if (s % 100 == 0)
			tx(t, p4(CLI, 1, SRV, 80, TCPF_ACK, 1), T + s * SEC), last = T + s * SEC;
		conntab_tick(t, T + s * SEC);
	}
	CHECK(!removed(id, 0), "active every 100 s over 2000 ticks: kept");
	for (int64_t s = 2001; s < 2300; s++)
		conntab_tick(t, T + s * SEC);
	CHECK(!removed(id, 0), "quiet 299 s: kept");
	conntab_tick(t, T + 2300 * SEC);
	const struct ev *e = last_ev(TT_EV_REMOVED);
	CHECK(removed(id, TT_RM_IDLE) == 1 && e && e->now == last + 300 * SEC,
	      "quiet 300 s: removed at that tick");

	/* a shorter timeout on a new state: a reset goes after the linger */
	c = established(t, CLI, 2, SRV, 80);
	id = idof(c);
	tx(t, p4(CLI, 2, SRV, 80, TCPF_RST, 0), T + 2301 * SEC);
	conntab_tick(t, T + 2302 * SEC);
	CHECK(!removed(id, 0), "reset: kept for the linger");
	conntab_tick(t, T + 2303 * SEC);
	CHECK(removed(id, TT_RM_LINGER) == 1, "reset: removed after 2 s, not at the idle timeout");

	/* a jump of the clock past every tick the wheel holds */
	c = tx(t, p4(CLI, 3, SRV, 80, TCPF_SYN, 0), T + 2400 * SEC);
	id = idof(c);
	conntab_tick(t, T + 5000000 * SEC);
	CHECK(removed(id, TT_RM_SYN_TIMEOUT) == 1, "a jump of the clock: the SYN timeout");
	c = tx(t, p4(CLI, 4, SRV, 80, TCPF_SYN, 0), T + 5000001 * SEC);
	id = idof(c);
	conntab_tick(t, T + 5000030 * SEC);
	CHECK(!removed(id, 0), "after the jump: timers count from the new time");
	conntab_tick(t, T + 5000031 * SEC);
	CHECK(removed(id, TT_RM_SYN_TIMEOUT) == 1, "after the jump: the SYN timeout");
	conntab_free(t);

	/* live, the ticks run on the system clock and a first packet can be
	 * stamped ahead of them: ticks behind the wheel, then it goes on */
	t = table(&cfg);
	c = tx(t, p4(CLI, 5, SRV, 80, TCPF_SYN, 0), 103 * SEC + SEC / 2);
	id = idof(c);
	conntab_tick(t, 101 * SEC);
	conntab_tick(t, 102 * SEC);
	conntab_tick(t, 103 * SEC);
	for (int64_t s = 104; s <= 133; s++)
		conntab_tick(t, s * SEC);
	CHECK(!removed(id, 0), "ticks behind the first packet: kept until its SYN timeout");
	conntab_tick(t, 134 * SEC);
	CHECK(removed(id, TT_RM_SYN_TIMEOUT) == 1, "ticks behind the first packet: then removed");
	conntab_free(t);

	/* mid-stream, heard one way (the SYN timeout, 30 s), then both ways
	 * with a shorter idle timeout (10 s): goes at the idle timeout */
	struct conntab_config mcfg = defaults();
	mcfg.idle_timeout_us = 10 * SEC;
	t = table(&mcfg);
	c = tx(t, p4(CLI, 6, SRV, 80, TCPF_ACK, 10), 1000 * SEC);
	id = idof(c);
	tx(t, p4(SRV, 80, CLI, 6, TCPF_ACK, 10), 1001 * SEC);
	for (int64_t s = 1001; s < 1011; s++)
		conntab_tick(t, s * SEC);
	CHECK(!removed(id, 0), "mid-stream heard both ways: kept 10 s");
	conntab_tick(t, 1011 * SEC);
	CHECK(removed(id, TT_RM_IDLE) == 1, "mid-stream heard both ways: the shorter idle timeout");
	conntab_free(t);

	/* churn: 300,000 short connections, each leaving a timer 250 ticks
	 * ahead (its SYN timeout) as it closes; the stale ones are dropped
	 * when they outnumber the connections, and every connection goes in
	 * time */
	cfg.max_connections = 1u << 20;
	cfg.syn_timeout_us = 250 * SEC;
	t = table(&cfg);
	uint64_t peak = 0;
	for (unsigned i = 0; i < 300000; i++) {
		int64_t now = T + (int64_t)i * 1000; /* 1000 connections a second */
		uint8_t a[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
		tx(t, p4(a, 1000, SRV, 80, TCPF_SYN, 0), now);
		tx(t, p4(SRV, 80, a, 1000, TCPF_SYN | TCPF_ACK, 0), now);
		tx(t, p4(a, 1000, SRV, 80, TCPF_ACK, 0), now);
		tx(t, p4(a, 1000, SRV, 80, TCPF_FIN | TCPF_ACK, 0), now);
		tx(t, p4(SRV, 80, a, 1000, TCPF_FIN | TCPF_ACK, 0), now);
		if (i % 1000 == 999)
			conntab_tick(t, T + (int64_t)(i / 1000 + 1) * SEC);
		if (conntab_stats(t)->wheel_nodes > peak)
			peak = conntab_stats(t)->wheel_nodes;
	}
	conntab_tick(t, T + 303 * SEC);
	CHECK(conntab_stats(t)->active == 0 && count_ev(TT_EV_REMOVED, TT_RM_LINGER) == 300000,
	      "churn: all 300,000 removed after the linger (%llu left)",
	      (unsigned long long)conntab_stats(t)->active);
	CHECK(peak <= 2 * 4000 + 65536 + 4000, "churn: timers stay bounded (peak %llu)",
	      (unsigned long long)peak);
	conntab_free(t);
}

/* ---- eviction ---- */

static void test_eviction(void)
{
	struct conntab_config cfg = defaults();
	cfg.max_connections = 16;
	struct conntab *t = table(&cfg);
	uint64_t worst = 0;
	int all_returned = 1;
	for (unsigned i = 0; i < 40; i++) {
		struct conn *c = tx(t, p4(CLI, 10000 + i, SRV, 80, TCPF_SYN, 0), (int64_t)i * SEC);
		all_returned &= c != NULL && c->cport == 10000 + i;
		if (conntab_stats(t)->active > worst)
			worst = conntab_stats(t)->active;
	}
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(all_returned, "every new connection gets an entry at the cap");
	CHECK(worst == 16 && st->active == 16, "the table never goes above the cap (max %llu)",
	      (unsigned long long)worst);
	CHECK(st->evicted == 24, "24 evicted (got %llu)", (unsigned long long)st->evicted);
	CHECK(count_ev(TT_EV_REMOVED, TT_RM_EVICTED) == 24 && count_ev(TT_EV_OPENED, 0) == 40,
	      "24 REMOVED (evicted) events, 40 OPENED");
	CHECK(st->opened == 40, "40 opened");
	/* every connection in the table can still be found */
	size_t found = 0;
	for (unsigned i = 0; i < 40; i++) {
		int gone = 0;
		for (size_t k = 0; k < nev; k++)
			gone |= evs[k].type == TT_EV_REMOVED && evs[k].cport == 10000 + i;
		if (gone)
			continue;
		size_t before = st->opened;
		struct conn *c = tx(t, p4(SRV, 80, CLI, 10000 + i, TCPF_SYN | TCPF_ACK, 0), 100 * SEC);
		found += c && c->cport == 10000 + i && c->state == TT_SYN_ACK_ACK && st->opened == before;
	}
	CHECK(found == 16, "the 16 survivors are found (%zu)", found);
	conntab_free(t);
}

/* ---- rates ---- */

static double dabs(double x) { return x < 0 ? -x : x; }
static int near(double a, double b) { return dabs(a - b) < 1e-6 * (dabs(b) + 1); }

static void test_rates(void)
{
	struct conntab_config cfg = defaults();
	cfg.tick_us = SEC;
	cfg.window_ticks = 1;
	struct conntab *t = table(&cfg);
	struct conn *c = established(t, CLI, 40000, SRV, 80);
	conntab_tick(t, 1 * SEC);
	int ok = 1;
	struct tt_conn v = {0};
	for (int s = 1; s <= 5 && ok; s++) {
		for (int i = 0; i < 10; i++)
			c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 100), s * SEC + i * 1000);
		for (int i = 0; i < 5; i++)
			c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_ACK, 50), s * SEC + i * 1000);
		conntab_tick(t, (s + 1) * SEC);
		conntab_view(t, c, &v);
		ok = near(v.c2s_rate, 1000) && near(v.s2c_rate, 250) &&
		     near(conntab_stats(t)->rate[0], 1000) && near(conntab_stats(t)->rate[1], 250);
	}
	CHECK(ok, "1 s window: 1000 and 250 bytes/s every tick (got %g, %g)", v.c2s_rate, v.s2c_rate);
	conntab_tick(t, 7 * SEC);
	conntab_view(t, c, &v);
	CHECK(near(v.c2s_rate, 0) && near(v.s2c_rate, 0) && near(conntab_stats(t)->rate[0], 0),
	      "a quiet tick: rate 0 (got %g)", v.c2s_rate);
	conntab_free(t);

	/* a window of 4 ticks of 250 ms: once full, exactly the stream's rate */
	cfg.tick_us = SEC / 4;
	cfg.window_ticks = 4;
	t = table(&cfg);
	c = established(t, CLI, 40000, SRV, 80);
	conntab_tick(t, SEC / 4);
	ok = 1;
	double seen[12];
	for (int s = 1; s <= 12; s++) {
		for (int i = 0; i < 5; i++)
			c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 60), s * SEC / 4 + i);
		conntab_tick(t, (s + 1) * SEC / 4);
		conntab_view(t, c, &v);
		seen[s - 1] = v.c2s_rate;
		/* 300 bytes per 250 ms tick: 1200 bytes/s */
		if (s >= 4)
			ok &= near(v.c2s_rate, 1200) && near(conntab_stats(t)->rate[0], 1200);
	}
	CHECK(ok, "4-tick window: 1200 bytes/s once the window is full (got %g %g %g ... %g)", seen[3],
	      seen[4], seen[5], seen[11]);
	CHECK(near(seen[0], 300) && near(seen[1], 600) && near(seen[2], 900),
	      "4-tick window filling: 300, 600, 900 (got %g %g %g)", seen[0], seen[1], seen[2]);
	/* the stream stops: the rate falls a quarter per tick */
	double fall[4];
	for (int s = 0; s < 4; s++) {
		conntab_tick(t, (14 + s) * SEC / 4);
		conntab_view(t, c, &v);
		fall[s] = v.c2s_rate;
	}
	CHECK(near(fall[0], 900) && near(fall[1], 600) && near(fall[2], 300) && near(fall[3], 0),
	      "4-tick window emptying: 900, 600, 300, 0 (got %g %g %g %g)", fall[0], fall[1], fall[2], fall[3]);
	conntab_free(t);

	/* a sliding window of 3 one-second ticks over an uneven stream */
	cfg.tick_us = SEC;
	cfg.window_ticks = 3;
	t = table(&cfg);
	c = established(t, CLI, 40000, SRV, 80);
	conntab_tick(t, SEC);
	static const uint32_t per_tick[] = {300, 600, 900, 0, 1200};
	static const double want[] = {100, 300, 600, 500, 700};
	ok = 1;
	for (int s = 0; s < 5; s++) {
		if (per_tick[s])
			c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_ACK, per_tick[s]), (s + 1) * SEC + 1);
		conntab_tick(t, (s + 2) * SEC);
		conntab_view(t, c, &v);
		if (!near(v.s2c_rate, want[s]) || !near(v.c2s_rate, 0))
			ok = 0, fprintf(stderr, "  tick %d: s2c %g, want %g\n", s, v.s2c_rate, want[s]);
	}
	CHECK(ok, "3-tick sliding window: 100, 300, 600, 500, 700 bytes/s");
	conntab_free(t);

	/* nobody reads the connections' rates: none sampled, the rest kept */
	cfg = defaults();
	cfg.no_rates = 1;
	t = table(&cfg);
	c = established(t, CLI, 40000, SRV, 80);
	for (int s = 1; s <= 3; s++) {
		for (int i = 0; i < 10; i++)
			c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 100), s * SEC + i);
		conntab_tick(t, (s + 1) * SEC);
	}
	conntab_view(t, c, &v);
	CHECK(v.c2s_rate == 0 && v.s2c_rate == 0 && v.c2s.packets == 32 && v.c2s.payload == 3000,
	      "no_rates: rates 0, counters kept (got %g, %llu packets)", v.c2s_rate,
	      (unsigned long long)v.c2s.packets);
	CHECK(near(conntab_stats(t)->rate[0], 1000), "no_rates: the total rate is kept (got %g)",
	      conntab_stats(t)->rate[0]);
	conntab_tick(t, 3605 * SEC);
	CHECK(conntab_stats(t)->active == 0, "no_rates: the idle connection still expires");
	conntab_free(t);
}

/* ---- drain ---- */

static void test_drain(void)
{
	struct conntab_config cfg = defaults();
	struct conntab *t = table(&cfg);
	/* five connections; the 2nd and 4th close and expire; three more reuse
	 * their entries, so table order differs from order of first sight */
	for (unsigned i = 0; i < 5; i++)
		tx(t, p4(CLI, 100 + i, SRV, 80, TCPF_SYN, 0), (int64_t)i);
	tx(t, p4(CLI, 101, SRV, 80, TCPF_RST, 0), 10);
	tx(t, p4(CLI, 103, SRV, 80, TCPF_RST, 0), 10);
	conntab_tick(t, 10 + 2 * SEC);
	CHECK(conntab_stats(t)->active == 3, "two expired");
	for (unsigned i = 5; i < 8; i++)
		tx(t, p4(CLI, 100 + i, SRV, 80, TCPF_SYN, 0), 3 * SEC + i);
	size_t before = nev;
	conntab_drain(t, 4 * SEC);
	static const unsigned order[] = {100, 102, 104, 105, 106, 107};
	int ok = nev - before == 6;
	for (size_t i = 0; ok && i < 6; i++)
		ok = evs[before + i].type == TT_EV_REMOVED && evs[before + i].reason == TT_RM_EXIT &&
		     evs[before + i].cport == order[i] && evs[before + i].now == 4 * SEC;
	CHECK(ok, "drain: REMOVED (exit) for all six, in order of first sight");
	CHECK(conntab_stats(t)->active == 0, "drain empties the table");
	struct conn *c = tx(t, p4(CLI, 100, SRV, 80, TCPF_ACK, 0), 5 * SEC);
	CHECK(c && conntab_stats(t)->active == 1 && (c->flags & TT_CONN_MIDSTREAM),
	      "after a drain a tuple is new again");
	conntab_free(t);
}

/* ---- the index: growth and backward-shift deletion ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct pkt tuple(uint32_t i, unsigned flags)
{
	uint8_t a[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	static const uint8_t b[4] = {192, 0, 2, 1};
	return p4(a, 1024 + i % 60000, b, 80, flags, 0);
}

static void shuffle(int64_t *v, size_t n, int64_t base)
{
	for (size_t i = 0; i < n; i++)
		v[i] = base + (int64_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = xrand() % (i + 1);
		int64_t x = v[i];
		v[i] = v[j], v[j] = x;
	}
}

static void test_index(void)
{
	enum { N = 100000, M = 50000 };
	struct conntab_config cfg = defaults();
	cfg.max_connections = N;
	cfg.detect_existing = 0; /* an ACK of an unknown tuple then returns NULL */
	cfg.syn_timeout_us = 1000;
	struct conntab *t = table(&cfg);
	int64_t *when = malloc((N + M) * sizeof *when);
	uint64_t *ids = malloc((N + M) * sizeof *ids);
	shuffle(when, N, 0);
	/* tuple i's SYN at time when[i]: expiry order is random over the
	 * entries and the index slots */
	int ok = 1;
	for (uint32_t i = 0; i < N; i++) {
		struct pkt p = tuple(i, TCPF_SYN);
		struct conn *c = conntab_packet(t, &p, conntab_hash(t, &p), when[i]);
		ok &= c != NULL;
		ids[i] = c ? c->id : 0;
	}
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(ok && st->active == N && st->evicted == 0, "100000 inserted, none evicted");
	CHECK(st->capacity >= 2 * N, "the index grew to %llu slots", (unsigned long long)st->capacity);
	uint32_t n = N;
	int64_t horizon = 0; /* tuples with when < horizon are gone */
	int lost = 0, ghosts = 0, wrong = 0;
	for (int step = 1; step <= 10; step++) {
		if (step == 6) {
			/* refill the freed entries while deletions go on */
			shuffle(when + N, M, N);
			for (uint32_t i = N; i < N + M; i++) {
				struct pkt p = tuple(i, TCPF_SYN);
				struct conn *c = conntab_packet(t, &p, conntab_hash(t, &p), when[i]);
				ids[i] = c ? c->id : 0;
				lost += c == NULL;
			}
			n = N + M;
		}
		horizon = (int64_t)step * (N / 10);
		conntab_tick(t, horizon - 1 + cfg.syn_timeout_us);
		for (uint32_t i = 0; i < n; i++) {
			struct pkt p = tuple(i, TCPF_ACK);
			uint64_t h = conntab_hash(t, &p);
			conntab_prefetch_slot(t, h);
			conntab_prefetch_entry(t, h);
			/* stamped with its own time: last seen does not move */
			struct conn *c = conntab_packet(t, &p, h, when[i]);
			if (when[i] < horizon)
				ghosts += c != NULL;
			else if (!c)
				lost++;
			else if (c->id != ids[i] || c->cport != 1024 + i % 60000 || c->caddr[3] != (uint8_t)i)
				wrong++;
		}
	}
	CHECK(lost == 0, "every remaining tuple is found (%d lost)", lost);
	CHECK(ghosts == 0, "no removed tuple is found (%d found)", ghosts);
	CHECK(wrong == 0, "every lookup finds its own connection (%d wrong)", wrong);
	CHECK(st->active == M && st->evicted == 0, "%u left (got %llu)", M, (unsigned long long)st->active);
	CHECK(count_ev(TT_EV_REMOVED, TT_RM_SYN_TIMEOUT) == N, "100000 SYN timeouts");
	conntab_tick(t, N + M + cfg.syn_timeout_us);
	CHECK(st->active == 0, "all expired at the end");
	ghosts = 0;
	for (uint32_t i = 0; i < N + M; i++) {
		struct pkt p = tuple(i, TCPF_ACK);
		ghosts += conntab_packet(t, &p, conntab_hash(t, &p), 0) != NULL;
	}
	CHECK(ghosts == 0, "an empty table finds nothing (%d found)", ghosts);
	free(when);
	free(ids);
	conntab_free(t);
}

/* A small, half-full index churned for many rounds: random deletions (RST,
 * then the linger) and insertions, so that clusters wrap around the end of
 * the slot array and backward shifts cross it. */
static void test_index_churn(void)
{
	enum { LIVE = 500, CHURN = 100, ROUNDS = 300 };
	struct conntab_config cfg = defaults();
	cfg.max_connections = 600;
	cfg.detect_existing = 0;
	cfg.syn_timeout_us = 1000000 * SEC;
	cfg.linger_us = 1000;
	struct conntab *t = table(&cfg);
	uint32_t live[LIVE], next = 0;
	for (uint32_t i = 0; i < LIVE; i++) {
		live[i] = next++;
		struct pkt p = tuple(live[i], TCPF_SYN);
		conntab_packet(t, &p, conntab_hash(t, &p), 1);
	}
	uint64_t slots = conntab_stats(t)->capacity;
	int lost = 0, ghosts = 0, wrong = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int64_t now = (int64_t)(r + 1) * 10000;
		uint32_t gone[CHURN];
		/* CHURN distinct random victims: move them to the end and replace */
		for (uint32_t k = 0; k < CHURN; k++) {
			uint32_t j = k + (uint32_t)(xrand() % (LIVE - k));
			uint32_t x = live[k];
			live[k] = live[j], live[j] = x;
			gone[k] = live[k];
			struct pkt p = tuple(gone[k], TCPF_RST);
			conntab_packet(t, &p, conntab_hash(t, &p), now);
		}
		conntab_tick(t, now + cfg.linger_us);
		for (uint32_t k = 0; k < CHURN; k++) {
			live[k] = next++;
			struct pkt p = tuple(live[k], TCPF_SYN);
			conntab_packet(t, &p, conntab_hash(t, &p), now + cfg.linger_us);
		}
		for (uint32_t k = 0; k < LIVE; k++) {
			struct pkt p = tuple(live[k], TCPF_ACK);
			struct conn *c = conntab_packet(t, &p, conntab_hash(t, &p), 0);
			if (!c)
				lost++;
			else if (c->cport != 1024 + live[k] % 60000 || c->caddr[3] != (uint8_t)live[k])
				wrong++;
		}
		for (uint32_t k = 0; k < CHURN; k++) {
			struct pkt p = tuple(gone[k], TCPF_ACK);
			ghosts += conntab_packet(t, &p, conntab_hash(t, &p), 0) != NULL;
		}
	}
	CHECK(conntab_stats(t)->capacity == slots, "churn: the index kept its size (%llu slots)",
	      (unsigned long long)slots);
	CHECK(lost == 0 && wrong == 0, "churn: every live tuple found, %d lost, %d wrong", lost, wrong);
	CHECK(ghosts == 0, "churn: no removed tuple found (%d)", ghosts);
	CHECK(conntab_stats(t)->active == LIVE && conntab_stats(t)->evicted == 0, "churn: %u live", LIVE);
	conntab_free(t);
}

int main(void)
{
	test_handshake();
	test_fin();
	test_rst();
	test_reuse();
	test_midstream();
	test_counters();
	test_event_mask();
	test_timeouts();
	test_wheel();
	test_eviction();
	test_rates();
	test_drain();
	test_index();
	test_index_churn();
	free(evs);
	DONE();
}
