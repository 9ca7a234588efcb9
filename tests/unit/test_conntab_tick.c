/*
 * test_conntab_tick: the connection table's ticks and its index: the
 * expiry wheel, eviction, rates, drain, and the index through growth and
 * deletions.
 */
#include "conntab_test.h"

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
	uint64_t id = idof(t, c);
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
	id = idof(t, c);
	tx(t, p4(CLI, 2, SRV, 80, TCPF_RST, 0), T + 2301 * SEC);
	conntab_tick(t, T + 2302 * SEC);
	CHECK(!removed(id, 0), "reset: kept for the linger");
	conntab_tick(t, T + 2303 * SEC);
	CHECK(removed(id, TT_RM_LINGER) == 1, "reset: removed after 2 s, not at the idle timeout");

	/* a jump of the clock past every tick the wheel holds */
	c = tx(t, p4(CLI, 3, SRV, 80, TCPF_SYN, 0), T + 2400 * SEC);
	id = idof(t, c);
	conntab_tick(t, T + 5000000 * SEC);
	CHECK(removed(id, TT_RM_SYN_TIMEOUT) == 1, "a jump of the clock: the SYN timeout");
	c = tx(t, p4(CLI, 4, SRV, 80, TCPF_SYN, 0), T + 5000001 * SEC);
	id = idof(t, c);
	conntab_tick(t, T + 5000030 * SEC);
	CHECK(!removed(id, 0), "after the jump: timers count from the new time");
	conntab_tick(t, T + 5000031 * SEC);
	CHECK(removed(id, TT_RM_SYN_TIMEOUT) == 1, "after the jump: the SYN timeout");
	conntab_free(t);

	/* live, the ticks run on the system clock and a first packet can be
	 * stamped ahead of them: ticks behind the wheel, then it goes on */
	t = table(&cfg);
	c = tx(t, p4(CLI, 5, SRV, 80, TCPF_SYN, 0), 103 * SEC + SEC / 2);
	id = idof(t, c);
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
	id = idof(t, c);
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
		ids[i] = idof(t, c);
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
				ids[i] = idof(t, c);
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
			else if (idof(t, c) != ids[i] || c->cport != 1024 + i % 60000 || c->caddr[3] != (uint8_t)i)
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
	test_wheel();
	test_eviction();
	test_rates();
	test_drain();
	test_index();
	test_index_churn();
	free(evs);
	DONE();
}
