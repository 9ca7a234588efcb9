/*
 * conntab_tick: what the connection table does at each tick, off the
 * per-packet path: sample every connection's rate, run the expiry wheel;
 * and the drain at the end.
 */
#include <stdlib.h>

#include "conntab_int.h"
#include "health.h"

/* Start the wheel again at now from the table: drops every stale node. */
static void wheel_rebuild(struct conntab *t, int64_t now)
{
	for (int i = 0; i < WHEEL; i++)
		t->wheel[i].n = 0;
	t->nodes = 0;
	/* now's tick is relative tick 2, run next: what is overdue goes then */
	t->base = fdiv(now, t->cfg.tick_us) - 2;
	t->wk = 1;
	for (uint64_t i = 0; i < t->hiwater; i++)
		if (t->ents[i].family) {
			t->ents[i].due = 0;
			conntab_schedule(t, &t->ents[i], 0);
		}
}

/* Look at the live nodes of bucket bi: expire, or schedule again, those
 * whose tick has come; keep those of a later turn of the wheel.  partial:
 * now lies inside the next tick (a caller between two ticks): only take
 * out what has expired by now, leave every node in place. */
static void run_bucket(struct conntab *t, uint32_t bi, int64_t now, int partial)
{
	struct bucket cur = t->wheel[bi];
	if (!partial) {
		t->wheel[bi] = t->spare;
		t->spare = (struct bucket){0};
		t->nodes -= cur.n;
	}
	for (uint32_t j = 0; j < cur.n; j++) {
		/* random entries: load them ahead, and the index slots of those
		 * loaded by now, which a removal needs */
		if (j + 8 < cur.n) {
			__builtin_prefetch(&t->ents[cur.v[j + 8]]);
			/* read by the view of a removal, and its tag by the index */
			__builtin_prefetch(&t->cold[cur.v[j + 8]]);
		}
		if (j + 4 < cur.n)
			__builtin_prefetch(&t->index[t->cold[cur.v[j + 4]].tag & t->mask]);
		uint32_t ei = cur.v[j];
		struct conn *c = &t->ents[ei];
		if (!c->family || !c->due || c->due % WHEEL != bi)
			continue; /* gone, or moved to another bucket */
		uint32_t reason;
		if (partial) {
			if (c->due == t->wk + 1 && expired(t, c, now, &reason))
				conntab_expire(t, c, reason, now);
			continue;
		}
		if (c->due > t->wk)
			conntab_wheel_put(t, ei, c->due); /* a later turn */
		else if (expired(t, c, now, &reason))
			conntab_expire(t, c, reason, now);
		else
			conntab_schedule(t, c, 0); /* it was active since: look again later */
	}
	if (!partial) {
		free(t->spare.v);
		cur.n = 0;
		t->spare = cur;
	}
}

/* Remove the expired entries of a sweep (when the wheel had no memory);
 * index slots prefetched a few ahead. */
static void remove_gone(struct conntab *t, const uint32_t *list, int n, int64_t now)
{
	for (int j = 0; j < n && j < 4; j++)
		__builtin_prefetch(&t->index[t->cold[list[j]].tag & t->mask]);
	for (int j = 0; j < n; j++) {
		if (j + 4 < n)
			__builtin_prefetch(&t->index[t->cold[list[j + 4]].tag & t->mask]);
		struct conn *c = &t->ents[list[j]];
		uint32_t reason;
		expired(t, c, now, &reason);
		conntab_expire(t, c, reason, now);
	}
}

/* Run the wheel up to now: every connection whose timeout has passed goes. */
static void run_wheel(struct conntab *t, int64_t now)
{
	if (t->base == INT64_MIN)
		return; /* nothing scheduled yet */
	int64_t tick = fdiv(now, t->cfg.tick_us);
	/* relative ticks are 32 bits: far on (or after a jump of the clock)
	 * start again from now; and stale nodes are dropped when they
	 * outnumber the connections */
	if (tick - t->base >= (1ll << 31) || t->nodes > 2 * t->st.active + 65536)
		wheel_rebuild(t, now);
	/* a tick behind the wheel (live, the first packets can be stamped
	 * after the clock of the ticks): nothing can be due */
	int64_t rel = tick - t->base;
	if (rel < (int64_t)t->wk)
		return;
	int moved = rel > (int64_t)t->wk;
	if (moved) {
		uint32_t k = (uint32_t)rel;
		uint32_t from = t->wk + 1;
		uint32_t to = k - t->wk >= WHEEL ? from + WHEEL - 1 : k;
		t->wk = k;
		for (uint32_t i = from; i <= to; i++)
			run_bucket(t, i % WHEEL, now, 0);
	}
	/* now inside the next tick, or again at this one: what has expired
	 * by now among those due next */
	if (now != tick * t->cfg.tick_us || !moved)
		run_bucket(t, (t->wk + 1) % WHEEL, now, 1);
}

void conntab_tick(struct conntab *t, int64_t now)
{
	uint32_t k = t->cfg.window_ticks;
	uint32_t slot = (uint32_t)(t->nticks % k);
	size_t stride = ring_stride(t);
	if (!t->cfg.no_rates || t->sweep_expiry) {
		uint32_t gone[256];
		int ngone = 0;
		for (uint64_t i = 0; i < t->hiwater; i++) {
			struct conn *c = &t->ents[i];
			if (!c->family)
				continue;
			if (!t->cfg.no_rates) {
				struct rate *r = &t->rates[i];
				uint32_t *ring = &t->ring[i * stride];
				for (int d = 0; d < 2; d++) {
					uint64_t delta = c->pl[d] - r->base[d];
					ring[slot * 2 + d] = delta > UINT32_MAX ? UINT32_MAX : (uint32_t)delta;
					r->base[d] = c->pl[d];
				}
			}
			uint32_t reason;
			if (t->sweep_expiry && expired(t, c, now, &reason)) {
				gone[ngone++] = (uint32_t)i;
				if (ngone == (int)(sizeof gone / sizeof gone[0])) {
					remove_gone(t, gone, ngone, now);
					ngone = 0;
				}
			}
		}
		remove_gone(t, gone, ngone, now);
	}
	run_wheel(t, now);
	double secs = (double)k * (double)t->cfg.tick_us / 1e6;
	for (int d = 0; d < 2; d++) {
		t->gring[slot][d] = t->st.pl[d] - t->gbase[d];
		t->gbase[d] = t->st.pl[d];
		uint64_t sum = 0;
		for (uint32_t j = 0; j < k; j++)
			sum += t->gring[j][d];
		t->st.rate[d] = (double)sum / secs;
	}
	t->nticks++;
}

struct by_id {
	uint64_t id;
	struct conn *c;
};

static int cmp_id(const void *a, const void *b)
{
	const struct by_id *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* At exit: a connection the view had already let go ends for the reason it
 * went; the others because tcptrack stops. */
static void drain_one(struct conntab *t, struct conn *c, int64_t now)
{
	uint32_t reason = TT_RM_EXIT;
	if (c->flags & CONN_HIDDEN)
		view_timeout(t, c, &reason);
	conntab_remove(t, c, reason, now);
}

void conntab_drain(struct conntab *t, int64_t now)
{
	struct by_id *all = malloc((t->st.active + 1) * sizeof *all);
	size_t n = 0;
	for (uint64_t i = 0; i < t->hiwater; i++)
		if (t->ents[i].family) {
			if (all)
				all[n++] = (struct by_id){t->cold[i].id, &t->ents[i]};
			else
				drain_one(t, &t->ents[i], now);
		}
	if (!all)
		return;
	/* ids are handed out in order, and what is left at the end (the
	 * connections closed in the last time_wait, mostly) spans few of them:
	 * place each by its id, in one pass; else sort */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (all[i].id < lo)
			lo = all[i].id;
		if (all[i].id > hi)
			hi = all[i].id;
	}
	struct conn **by_id = n && hi - lo < 4 * (uint64_t)n ? calloc(hi - lo + 1, sizeof *by_id) : NULL;
	if (by_id) {
		for (size_t i = 0; i < n; i++)
			by_id[all[i].id - lo] = all[i].c;
		for (uint64_t k = 0; k <= hi - lo; k++)
			if (by_id[k])
				drain_one(t, by_id[k], now);
		free(by_id);
	} else {
		qsort(all, n, sizeof *all, cmp_id);
		for (size_t i = 0; i < n; i++)
			drain_one(t, all[i].c, now);
	}
	free(all);
}
