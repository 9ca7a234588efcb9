/*
 * test_conntab: the connection table driven with struct pkt values: the
 * TCP state machine, roles, counters, events, timeouts and the health
 * measurement beside the table (the ticks and the index: test_conntab_tick.c).
 */
#include "conntab_test.h"

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
	uint64_t id = c ? conntab_cold(t, c)->id : 0;

	c = tx(t, syn, 2 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->state == TT_SYN_SENT, "retransmitted SYN: same connection");

	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_SYN | TCPF_ACK, 0), 3 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->state == TT_SYN_ACK_ACK, "SYN|ACK: SYN|ACK-ACK");
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
	uint64_t old_id = c ? conntab_cold(t, c)->id : 0;
	uint32_t old_gen = c ? conntab_cold(t, c)->gen : 99;
	CHECK(old_gen == 0, "first connection of a tuple: generation 0");
	size_t before = nev;

	/* a new initial sequence number: a new connection */
	struct pkt syn = p4(CLI, 40000, SRV, 80, TCPF_SYN, 0);
	syn.seq = 1000;
	c = tx(t, syn, 1 * SEC + 100);
	CHECK(c && c->state == TT_SYN_SENT, "new SYN on a CLOSED tuple: SYN_SENT");
	CHECK(c && conntab_cold(t, c)->id != old_id && conntab_cold(t, c)->id > old_id, "the new connection has a new id");
	CHECK(c && conntab_cold(t, c)->gen == old_gen + 1, "generation 1 (got %u)", c ? conntab_cold(t, c)->gen : 0);
	CHECK(c && c->pk[0] == 1 && c->pk[1] == 0 && c->by[0] == 40 && c->pl[0] == 0 && c->by[1] == 0,
	      "counts start over with the SYN");
	CHECK(c && conntab_cold(t, c)->first_us == 1 * SEC + 100, "first seen is the new SYN's time");
	CHECK(c && !(c->flags & (TT_CONN_C_FIN | TT_CONN_S_FIN)), "FIN flags cleared");
	CHECK(nev - before == 2 && evs[before].type == TT_EV_REMOVED && evs[before].reason == TT_RM_REUSED &&
	          evs[before].id == old_id && evs[before].state == TT_CLOSED && evs[before].pl[0] == 2000 &&
	          evs[before + 1].type == TT_EV_OPENED && c && evs[before + 1].id == conntab_cold(t, c)->id,
	      "events: REMOVED (reused, old id, final counts) then OPENED (new id)");
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(st->active == 1 && st->opened == 2 && st->per_state[TT_CLOSED] == 0 &&
	          st->per_state[TT_SYN_SENT] == 1, "stats after the reuse");

	/* after RESET, a SYN from the other end: roles follow the new SYN */
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_RST, 0), 2 * SEC);
	CHECK(c && c->state == TT_RESET, "reset");
	uint64_t id2 = c ? conntab_cold(t, c)->id : 0;
	before = nev;
	c = tx(t, p4(SRV, 80, CLI, 40000, TCPF_SYN, 0), 3 * SEC);
	CHECK(c && c->state == TT_SYN_SENT && conntab_cold(t, c)->id != id2 && conntab_cold(t, c)->gen == 2, "new SYN on a RESET tuple");
	CHECK(c && is_addr4(c->caddr, SRV) && c->cport == 80 && c->sport == 40000,
	      "the new SYN's sender is the new client");
	CHECK(c && c->pk[0] == 1 && c->pk[1] == 0, "the new SYN counts client to server");
	CHECK(nev - before == 2 && evs[before].type == TT_EV_REMOVED && evs[before].reason == TT_RM_REUSED &&
	          evs[before].id == id2 && evs[before].state == TT_RESET,
	      "REMOVED (reused) for the reset connection");
	CHECK(conntab_stats(t)->active == 1, "one entry for the tuple");

	/* a SYN on a live connection is not a new one */
	c = established(t, CLI, 40100, SRV, 80);
	uint64_t id3 = c ? conntab_cold(t, c)->id : 0;
	c = tx(t, p4(CLI, 40100, SRV, 80, TCPF_SYN, 0), 4 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id3 && c->state == TT_ESTABLISHED, "SYN on an established tuple: same connection");
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
	CHECK(c && conntab_cold(t, c)->first_us == 0 && c->last_us == 2 * SEC, "first and last seen");
	/* a packet stamped earlier does not move last seen back */
	c = tx(t, p4(SRV, 443, CLI, 40000, TCPF_ACK, 0), 1 * SEC);
	CHECK(c && c->last_us == 2 * SEC, "last seen never goes back");
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(st->pk[0] == 9 && st->pk[1] == 5 && st->pl[0] == 721 && st->pl[1] == 4380 &&
	          st->by[0] == 9 * 40 + 721 && st->by[1] == 5 * 40 + 4380, "table totals per direction");
	if (c) {
		struct tt_conn v;
		conntab_view(t, c, &v);
		CHECK(v.size == sizeof v && v.family == 4 && v.id == conntab_cold(t, c)->id && v.generation == 0 &&
		          v.client_port == 40000 && v.server_port == 443 && is_addr4(v.client, CLI) &&
		          is_addr4(v.server, SRV) && v.state == TT_ESTABLISHED,
		      "view: identity");
		CHECK(v.c2s.packets == 9 && v.c2s.bytes == 9 * 40 + 721 && v.c2s.payload == 721 &&
		          v.s2c.packets == 5 && v.s2c.bytes == 5 * 40 + 4380 && v.s2c.payload == 4380 &&
		          v.first_seen_us == 0 && v.last_seen_us == 2 * SEC, "view: counters and times");
		/* the entry keeps the low 32 bits of packets and bytes: past
		 * 2^32 the carry goes beside it and the view has every bit */
		c->pk[1] = UINT32_MAX;
		c->by[1] = UINT32_MAX - 100;
		c = tx(t, p4(SRV, 443, CLI, 40000, TCPF_ACK | TCPF_PSH, 1460), 3 * SEC);
		c = tx(t, p4(SRV, 443, CLI, 40000, TCPF_ACK | TCPF_PSH, 1460), 3 * SEC);
		conntab_view(t, c, &v);
		CHECK(v.s2c.packets == (1ull << 32) + 1 && v.s2c.bytes == (1ull << 32) - 101 + 2 * 1500,
		      "counts past 32 bits (%llu packets, %llu bytes)", (unsigned long long)v.s2c.packets,
		      (unsigned long long)v.s2c.bytes);
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
	struct conntab **slot = &tabs[ntabs++ % 64];
	struct conntab *t = conntab_new(&cfg, key, on_event, slot, TT_EV_REMOVED);
	*slot = t;
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
	uint64_t syn = idof(t, c);
	tx(t, p4(CLI, 2, SRV, 80, TCPF_SYN, 0), T);
	c = tx(t, p4(SRV, 80, CLI, 2, TCPF_SYN | TCPF_ACK, 0), T);
	uint64_t synack = idof(t, c);
	established(t, CLI, 3, SRV, 80);
	c = tx(t, p4(CLI, 3, SRV, 80, TCPF_FIN, 0), T);
	uint64_t closing = idof(t, c);
	established(t, CLI, 4, SRV, 80);
	tx(t, p4(CLI, 4, SRV, 80, TCPF_FIN, 0), T);
	c = tx(t, p4(SRV, 80, CLI, 4, TCPF_FIN, 0), T);
	uint64_t closed = idof(t, c);
	established(t, CLI, 5, SRV, 80);
	c = tx(t, p4(CLI, 5, SRV, 80, TCPF_RST, 0), T);
	uint64_t reset = idof(t, c);
	established(t, CLI, 6, SRV, 80);
	c = tx(t, p4(CLI, 6, SRV, 80, TCPF_ACK, 1), T);
	uint64_t est = idof(t, c);
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
	uint64_t oneway = idof(t, c);
	tx(t, p4(CLI, 40001, SRV, 80, TCPF_ACK, 10), T);
	c = tx(t, p4(SRV, 80, CLI, 40001, TCPF_ACK, 10), T);
	uint64_t twoway = idof(t, c);
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

/* a segment with sequence numbers, stamped with its own time */
static struct conn *txs(struct conntab *t, struct pkt p, uint32_t seq, uint32_t ack, int64_t now)
{
	p.seq = seq, p.ack = ack, p.win = 65535, p.whole = 1, p.ts = now;
	return tx(t, p, now);
}

static void test_health(void)
{
	struct conntab_config cfg = defaults();
	struct tt_conn v;
	/* off: no values */
	struct conntab *t = table(&cfg);
	struct conn *c = txs(t, p4(CLI, 40100, SRV, 80, TCPF_SYN, 0), 1000, 0, 1 * SEC);
	conntab_view(t, c, &v);
	CHECK(v.handshake_us == -1 && v.rtt_us == -1 && v.c2s_retrans == 0, "health off: no values");
	conntab_free(t);

	cfg.health = 1;
	t = table(&cfg);
	struct pkt syn = p4(CLI, 40100, SRV, 80, TCPF_SYN, 0);
	struct pkt synack = p4(SRV, 80, CLI, 40100, TCPF_SYN | TCPF_ACK, 0);
	struct pkt ack = p4(CLI, 40100, SRV, 80, TCPF_ACK, 0), data = p4(CLI, 40100, SRV, 80, TCPF_ACK, 100);
	struct pkt fin = p4(CLI, 40100, SRV, 80, TCPF_FIN | TCPF_ACK, 0);
	struct pkt sfin = p4(SRV, 80, CLI, 40100, TCPF_FIN | TCPF_ACK, 0);
	txs(t, syn, 1000, 0, 1 * SEC);
	txs(t, synack, 5000, 1001, 1 * SEC + 20000);
	txs(t, ack, 1001, 5001, 1 * SEC + 25000);
	txs(t, data, 1001, 5001, 1 * SEC + 30000);
	txs(t, data, 1001, 5001, 1 * SEC + 230000); /* sent again */
	txs(t, fin, 1101, 5001, 1 * SEC + 240000);
	c = txs(t, sfin, 5001, 1102, 1 * SEC + 260000);
	conntab_view(t, c, &v);
	CHECK(v.handshake_us == 25000 && v.rtt_server_us == 20000 && v.rtt_client_us == 5000,
	      "the handshake and its split (%lld: %lld + %lld)", (long long)v.handshake_us,
	      (long long)v.rtt_server_us, (long long)v.rtt_client_us);
	CHECK(v.c2s_retrans == 1 && v.c2s_retrans_bytes == 100 && v.s2c_retrans == 0, "one retransmission");
	/* a new SYN on the closed tuple: a new connection in the same entry,
	 * its health fresh */
	c = txs(t, syn, 90000, 0, 2 * SEC);
	conntab_view(t, c, &v);
	CHECK(conntab_cold(t, c)->gen == 1 && v.handshake_us == -1 && v.rtt_us == -1 && v.c2s_retrans == 0,
	      "the tuple reused: health starts afresh (gen %u, %llu retransmissions)", conntab_cold(t, c)->gen,
	      (unsigned long long)v.c2s_retrans);
	/* the frame's own time counts for round trips, where now is held back */
	struct pkt sa2 = synack;
	sa2.seq = 7000, sa2.ack = 90001, sa2.win = 65535, sa2.whole = 1, sa2.ts = 2 * SEC + 40000;
	c = conntab_packet(t, &sa2, conntab_hash(t, &sa2), 2 * SEC);
	conntab_view(t, c, &v);
	CHECK(v.rtt_server_us == 40000, "a round trip from the frames' own times (got %lld)",
	      (long long)v.rtt_server_us);
	conntab_free(t);
}

/* ABI 1.2: the OR of the flags per direction, afresh on a reused tuple */
static void test_tcp_flags(void)
{
	struct conntab_config cfg = defaults();
	struct tt_conn v;
	struct conntab *t = table(&cfg);
	struct conn *c = established(t, CLI, 40200, SRV, 80);
	tx(t, p4(CLI, 40200, SRV, 80, TCPF_ACK | TCPF_PSH, 10), 1);
	tx(t, p4(SRV, 80, CLI, 40200, TCPF_ACK | 0x40 /* ECE */, 10), 2);
	c = tx(t, p4(CLI, 40200, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 3);
	conntab_view(t, c, &v);
	CHECK(v.c2s_tcp_flags == (TCPF_SYN | TCPF_ACK | TCPF_PSH | TCPF_FIN) &&
	      v.s2c_tcp_flags == (TCPF_SYN | TCPF_ACK | 0x40),
	      "flags by direction (c2s 0x%02x, s2c 0x%02x)", v.c2s_tcp_flags, v.s2c_tcp_flags);
	tx(t, p4(SRV, 80, CLI, 40200, TCPF_FIN | TCPF_ACK, 0), 4);
	struct pkt syn = p4(CLI, 40200, SRV, 80, TCPF_SYN, 0);
	syn.seq = 0x12345678; /* a new initial sequence number: a new connection */
	c = tx(t, syn, 5);
	conntab_view(t, c, &v);
	CHECK(conntab_cold(t, c)->gen == 1 && v.c2s_tcp_flags == TCPF_SYN && v.s2c_tcp_flags == 0,
	      "the tuple reused: flags afresh (c2s 0x%02x, s2c 0x%02x)", v.c2s_tcp_flags, v.s2c_tcp_flags);
	conntab_free(t);
}

static int count_one(void *arg, const struct conn *c)
{
	(void)c;
	++*(int *)arg;
	return 0;
}

/* Connections shown now (held ones left out). */
static int shown(const struct conntab *t)
{
	int n = 0;
	conntab_foreach(t, INT64_MAX, count_one, &n);
	return n;
}

static struct pkt seg(const uint8_t *src, unsigned sport, const uint8_t *dst, unsigned dport,
                      unsigned flags, uint32_t payload, uint32_t seq, uint32_t ack)
{
	struct pkt p = p4(src, sport, dst, dport, flags, payload);
	p.seq = seq;
	p.ack = ack;
	return p;
}

/* One connection, one row: what the packets say decides, the timeouts
 * only what the view shows. */
static void test_identity(void)
{
	struct conntab_config cfg = defaults();
	cfg.time_wait_us = 60 * SEC;
	cfg.time_wait_acked_us = 5 * SEC;
	struct conntab *t = table(&cfg);

	/* closed: shown for the linger, held for time_wait while the last
	 * FIN is not acknowledged; the final ACK after the linger is the same
	 * connection; a reset one is held for time_wait_acked only */
	struct conn *c = established(t, CLI, 40000, SRV, 80);
	uint64_t id = idof(t, c);
	uint64_t uid = idof(t, established(t, CLI, 40003, SRV, 80));
	uint64_t rid = idof(t, established(t, CLI, 40004, SRV, 80));
	tx(t, p4(CLI, 40000, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	tx(t, p4(SRV, 80, CLI, 40000, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	tx(t, p4(CLI, 40003, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	tx(t, p4(SRV, 80, CLI, 40003, TCPF_FIN | TCPF_ACK, 0), 1 * SEC);
	tx(t, p4(SRV, 80, CLI, 40004, TCPF_RST, 0), 1 * SEC);
	conntab_tick(t, 4 * SEC);
	const struct conntab_stats *st = conntab_stats(t);
	CHECK(shown(t) == 0 && st->active == 3 && st->held == 3 && st->per_state[TT_CLOSED] == 0 &&
	          count_ev(TT_EV_REMOVED, TT_RM_LINGER) == 0,
	      "closed or reset, after the linger: not shown, held, no REMOVED yet");
	int n = 0;
	conntab_foreach(t, 1 * SEC, count_one, &n);
	CHECK(n == 3, "a held connection is walked when its last packet is recent enough");
	conntab_tick(t, 7 * SEC);
	CHECK(removed(rid, TT_RM_LINGER) == 1 && st->held == 2,
	      "reset: removed time_wait_acked after its last packet (no TIME_WAIT follows a RST)");
	c = tx(t, p4(CLI, 40000, SRV, 80, TCPF_ACK, 0), 10 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->state == TT_CLOSED && c->pk[0] == 4 && shown(t) == 1 && st->held == 1,
	      "the final ACK 9 s after the close: the same connection, shown again");
	conntab_tick(t, 13 * SEC);
	CHECK(shown(t) == 0 && st->held == 2, "hidden again after the linger, still held");
	conntab_tick(t, 16 * SEC);
	const struct ev *e = last_ev(TT_EV_REMOVED);
	CHECK(st->active == 1 && st->held == 1 && e && e->id == id && e->reason == TT_RM_LINGER && e->pk[0] == 4,
	      "its FINs acknowledged: removed (closed) time_wait_acked after its last packet, with every packet");
	conntab_tick(t, 60 * SEC);
	CHECK(st->held == 1 && removed(uid, TT_RM_LINGER) == 0, "the last FIN not acknowledged: held until time_wait");
	conntab_tick(t, 62 * SEC);
	CHECK(st->active == 0 && removed(uid, TT_RM_LINGER) == 1, "and removed (closed) then");

	/* a FIN sent again after the close was acknowledged (the final ACK
	 * lost beyond the capture point): the same connection, held for
	 * time_wait again until that FIN is acknowledged */
	c = established(t, CLI, 40005, SRV, 80);
	id = idof(t, c);
	tx(t, p4(CLI, 40005, SRV, 80, TCPF_FIN | TCPF_ACK, 0), 70 * SEC);
	tx(t, p4(SRV, 80, CLI, 40005, TCPF_FIN | TCPF_ACK, 0), 70 * SEC);
	tx(t, p4(CLI, 40005, SRV, 80, TCPF_ACK, 0), 70 * SEC);
	conntab_tick(t, 73 * SEC);
	c = tx(t, p4(SRV, 80, CLI, 40005, TCPF_FIN | TCPF_ACK, 0), 74 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->pk[1] == 3 && st->held == 0, "a FIN sent again 4 s after the final ACK: the same connection");
	conntab_tick(t, 80 * SEC);
	CHECK(st->held == 1 && removed(id, TT_RM_LINGER) == 0, "not acknowledged again: held past time_wait_acked");
	conntab_tick(t, 135 * SEC);
	CHECK(st->active == 0 && removed(id, TT_RM_LINGER) == 1, "until time_wait");

	/* the clock jumps past the linger and the hold at once (a gap in a
	 * capture): removed at that tick, not held from then on */
	c = established(t, CLI, 40006, SRV, 80);
	id = idof(t, c);
	tx(t, p4(SRV, 80, CLI, 40006, TCPF_RST, 0), 140 * SEC);
	conntab_tick(t, 200 * SEC);
	CHECK(st->active == 0 && st->held == 0 && removed(id, TT_RM_LINGER) == 1,
	      "a jump past the linger and the hold: removed at once (active %llu, held %llu)",
	      (unsigned long long)st->active, (unsigned long long)st->held);

	/* a refused SYN tried again with the same initial sequence number:
	 * one attempt, one row; another number: a new connection */
	tx(t, seg(CLI, 40001, SRV, 81, TCPF_SYN, 0, 5000, 0), 100 * SEC);
	c = tx(t, seg(SRV, 81, CLI, 40001, TCPF_RST | TCPF_ACK, 0, 0, 5001), 100 * SEC);
	id = c ? conntab_cold(t, c)->id : 0;
	c = tx(t, seg(CLI, 40001, SRV, 81, TCPF_SYN, 0, 5000, 0), 101 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->state == TT_SYN_SENT && c->pk[0] == 2 && conntab_cold(t, c)->gen == 0,
	      "the SYN sent again after a RST: the same connection, SYN_SENT again");
	e = last_ev(TT_EV_STATE);
	CHECK(e && e->old == TT_RESET && e->state == TT_SYN_SENT && e->pk[0] == 2 && e->now == 101 * SEC,
	      "its STATE event RESET -> SYN_SENT comes with the SYN counted (%llu packets)",
	      e ? (unsigned long long)e->pk[0] : 0ull);
	tx(t, seg(SRV, 81, CLI, 40001, TCPF_SYN | TCPF_ACK, 0, 9000, 5001), 101 * SEC);
	c = tx(t, seg(CLI, 40001, SRV, 81, TCPF_ACK, 0, 5001, 9001), 101 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->state == TT_ESTABLISHED, "and it completes");
	c = tx(t, seg(SRV, 81, CLI, 40001, TCPF_RST, 0, 9001, 0), 102 * SEC);
	c = tx(t, seg(CLI, 40001, SRV, 81, TCPF_SYN, 0, 5000, 0), 103 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->state == TT_RESET,
	      "a stale SYN after a completed handshake's RST counts, the state stays");
	c = tx(t, seg(CLI, 40001, SRV, 81, TCPF_SYN, 0, 77777, 0), 104 * SEC);
	CHECK(c && conntab_cold(t, c)->id != id && conntab_cold(t, c)->gen == 1 && c->state == TT_SYN_SENT, "a new initial sequence number: a new connection");

	/* an unanswered SYN held past syn_timeout, then sent again */
	c = tx(t, seg(CLI, 40002, SRV, 82, TCPF_SYN, 0, 42, 0), 200 * SEC);
	id = c ? conntab_cold(t, c)->id : 0;
	conntab_tick(t, 232 * SEC);
	conntab_tick(t, 233 * SEC); /* what a jump of the clock hid goes at the next tick */
	CHECK(shown(t) == 0 && conntab_stats(t)->held == 1 && count_ev(TT_EV_REMOVED, TT_RM_SYN_TIMEOUT) == 1,
	      "SYN held after syn_timeout (the one of 104 s has gone)");
	c = tx(t, seg(CLI, 40002, SRV, 82, TCPF_SYN, 0, 42, 0), 264 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->pk[0] == 2 && c->state == TT_SYN_SENT, "the SYN 64 s later: the same attempt");

	/* mid-stream, one side: quiet, then on; a jump no window explains
	 * is another connection */
	c = tx(t, seg(SRV, 443, CLI, 50000, TCPF_ACK, 1000, 1u << 31, 7), 300 * SEC);
	id = c ? conntab_cold(t, c)->id : 0;
	conntab_tick(t, 340 * SEC);
	c = tx(t, seg(SRV, 443, CLI, 50000, TCPF_ACK, 1000, (1u << 31) + 1000, 7), 340 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->pk[1] == 2, "mid-stream, one side, 40 s quiet: the same connection");
	c = tx(t, seg(SRV, 443, CLI, 50000, TCPF_ACK, 1000, (1u << 31) + 500, 7), 341 * SEC);
	CHECK(c && conntab_cold(t, c)->id == id && c->pk[1] == 3, "a segment sent again: the same connection");
	c = tx(t, seg(SRV, 443, CLI, 50000, TCPF_ACK, 1000, 12345, 7), 342 * SEC);
	CHECK(c && conntab_cold(t, c)->id != id && conntab_cold(t, c)->gen == 1 && c->pk[1] == 1 && (c->flags & TT_CONN_MIDSTREAM) &&
	          c->cport == 50000,
	      "a sequence jump past any window: a new connection, same roles");
	e = last_ev(TT_EV_REMOVED);
	CHECK(e && e->id == id && e->reason == TT_RM_REUSED && e->pk[1] == 3, "the previous one ends 'reused'");
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
	test_health();
	test_tcp_flags();
	test_identity();
	free(evs);
	DONE();
}
