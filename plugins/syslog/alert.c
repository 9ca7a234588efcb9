/*
 * alert: threshold rules on an explicit clock (see alert.h).
 */
#include "alert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

/* What the engine keeps of a key (the map's value; the key is the map's). */
struct entry {
	uint8_t level;       /* enum alert_level */
	uint8_t announced;   /* a message of this alarm went out */
	uint8_t quiet;       /* this alarm was suppressed as a repeat */
	uint8_t last_level;  /* level of the last alarm message sent */
	uint8_t has_last;    /* last_sent is set */
	uint8_t has_w, has_c;/* the value is beyond warning / critical ... */
	uint8_t gone;        /* forget after this round */
	uint8_t pended;      /* has a message this round */
	uint32_t round;      /* the last round it was sampled in */
	int64_t since_w, since_c; /* ... since then */
	int64_t alarm_since;
	int64_t last_sent;   /* time of the last alarm message sent */
	int64_t still_at;    /* a quiet alarm is announced from then on */
	uint64_t suppressed; /* repeats not yet reported */
	double value;        /* the last value */
};

/* A message of the round.  It holds a copy of its key: the table may grow
 * (and move its entries) before the round ends. */
struct pend {
	struct alert_event ev;
	struct alert_key key;
	int has_key;
	int rank;            /* 0 critical, 1 warning, 2 the rest */
};

struct alert_engine {
	struct alert_rule r;
	alert_emit_fn emit;
	void *arg;
	struct map tab;      /* alert_key -> entry, seeded: the keys are the
	                      * traffic's addresses, and a chosen flood of them
	                      * must not degrade the table */
	uint32_t round;
	int64_t now;
	int started;
	/* rate limit */
	double tokens;
	int64_t refilled_at;
	uint64_t dropped, dropped_alarms, dropped_recoveries;
	int64_t storm_since, last_report;
	int dropped_this_round;
	/* the messages of the round */
	struct pend *pends;
	size_t npends, cpends;
	struct alert_stats st;
};

const char *alert_rule_check(const struct alert_rule *r)
{
	if (!r->has_warning && !r->has_critical)
		return "no level: give warning, critical or both";
	if (r->has_warning && r->has_critical) {
		if (!r->below && r->critical < r->warning)
			return "critical is below warning: with direction = above, critical must be at least warning";
		if (r->below && r->critical > r->warning)
			return "critical is above warning: with direction = below, critical must be at most warning";
	}
	double lo = r->has_warning ? r->warning : r->critical;
	if (!r->below && r->clear > lo)
		return "clear is above the lowest alarm level: with direction = above, clear must be at most it";
	if (r->below && r->clear < lo)
		return "clear is below the highest alarm level: with direction = below, clear must be at least it";
	if (r->hold_us < 0 || r->repeat_us < 0)
		return "negative duration";
	if (r->max_rate < 0 || (r->max_rate > 0 && r->burst < 1))
		return "max_rate must be positive and burst at least 1";
	return NULL;
}

/* ---- keys ---- */

static int key_cmp(const struct alert_key *a, const struct alert_key *b)
{
	int c;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((c = memcmp(a->server, b->server, 16)))
		return c;
	if (a->server_port != b->server_port)
		return a->server_port < b->server_port ? -1 : 1;
	if ((c = memcmp(a->client, b->client, 16)))
		return c;
	if (a->client_port != b->client_port)
		return a->client_port < b->client_port ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

static struct entry *insert(struct alert_engine *e, const struct alert_key *k)
{
	if (e->r.max_keys && e->tab.count >= e->r.max_keys)
		return NULL;
	return map_put(&e->tab, k, NULL);
}

/* ---- life ---- */

struct alert_engine *alert_new(const struct alert_rule *r, alert_emit_fn fn, void *arg)
{
	struct alert_engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->r = *r;
	if (e->r.burst < 1)
		e->r.burst = 1;
	e->emit = fn;
	e->arg = arg;
	map_init(&e->tab, sizeof(struct alert_key), sizeof(struct entry), map_seed());
	e->tokens = e->r.burst;
	return e;
}

void alert_free(struct alert_engine *e)
{
	if (!e)
		return;
	map_free(&e->tab);
	free(e->pends);
	free(e);
}

const struct alert_stats *alert_stats(const struct alert_engine *e)
{
	return &e->st;
}

/* ---- evaluation ---- */

static int beyond(const struct alert_engine *e, double v, double level)
{
	return e->r.below ? v < level : v > level;
}

static int reached(const struct alert_engine *e, double v, double level)
{
	return e->r.below ? v >= level : v <= level;
}

static void pend(struct alert_engine *e, struct entry *x, enum alert_kind kind,
                 enum alert_level prev, enum alert_level level, double threshold)
{
	if (e->npends == e->cpends) {
		size_t n = e->cpends ? e->cpends * 2 : 16;
		struct pend *p = realloc(e->pends, n * sizeof *p);
		if (!p)
			return; /* out of memory: this message is lost */
		e->pends = p;
		e->cpends = n;
	}
	struct pend *p = &e->pends[e->npends++];
	memset(p, 0, sizeof *p);
	p->ev.kind = kind;
	p->ev.prev = prev;
	p->ev.level = level;
	p->ev.threshold = threshold;
	p->ev.time_us = e->now;
	if (x) {
		p->key = *(const struct alert_key *)map_key(&e->tab, x);
		p->has_key = 1;
		p->ev.value = x->value;
		p->ev.since_us = x->alarm_since;
		p->ev.suppressed = x->suppressed;
		x->pended = 1;
	}
	int alarm = kind == ALERT_FIRE || kind == ALERT_ESCALATE || kind == ALERT_STILL ||
	            kind == ALERT_DOWNGRADE;
	p->rank = !alarm ? 2 : level == ALERT_CRITICAL ? 0 : 1;
}

/* An alarm of level L is a repeat when the key sent one at least as
 * severe less than repeat_us ago. */
static int is_repeat(const struct alert_engine *e, const struct entry *x, enum alert_level l)
{
	return e->r.repeat_us > 0 && x->has_last && x->last_level >= l &&
	       e->now - x->last_sent < e->r.repeat_us;
}

static void raise_to(struct alert_engine *e, struct entry *x, enum alert_level l)
{
	enum alert_level prev = (enum alert_level)x->level;
	int64_t since = l == ALERT_CRITICAL ? x->since_c : x->since_w;
	double thr = l == ALERT_CRITICAL ? e->r.critical : e->r.warning;
	x->level = (uint8_t)l;
	if (prev == ALERT_OK) {
		x->alarm_since = since;
		x->announced = 0;
		x->quiet = 0;
	}
	if (is_repeat(e, x, l)) {
		x->suppressed++;
		e->st.suppressed++;
		if (!x->announced) {
			x->quiet = 1;
			x->still_at = x->last_sent + e->r.repeat_us;
		}
		return;
	}
	pend(e, x, prev == ALERT_OK ? ALERT_FIRE : ALERT_ESCALATE, prev, l, thr);
	if (prev != ALERT_OK && e->npends)
		e->pends[e->npends - 1].ev.since_us = since; /* since it went past critical */
}

static void evaluate(struct alert_engine *e, struct entry *x, double v)
{
	const struct alert_rule *r = &e->r;
	int64_t t = e->now;
	x->value = v;
	if (r->has_warning && beyond(e, v, r->warning)) {
		if (!x->has_w)
			x->has_w = 1, x->since_w = t;
	} else {
		x->has_w = 0;
	}
	if (r->has_critical && beyond(e, v, r->critical)) {
		if (!x->has_c)
			x->has_c = 1, x->since_c = t;
	} else {
		x->has_c = 0;
	}
	enum alert_level held = ALERT_OK;
	if (x->has_c && t - x->since_c >= r->hold_us)
		held = ALERT_CRITICAL;
	else if (x->has_w && t - x->since_w >= r->hold_us)
		held = ALERT_WARNING;

	enum alert_level lv = (enum alert_level)x->level;
	if (lv != ALERT_OK && reached(e, v, r->clear)) {
		x->level = ALERT_OK;
		if (x->announced)
			pend(e, x, ALERT_RECOVER, lv, ALERT_OK, r->clear);
		x->announced = 0;
		x->quiet = 0;
		return;
	}
	if (lv == ALERT_OK) {
		if (held != ALERT_OK)
			raise_to(e, x, held);
	} else if (lv == ALERT_WARNING) {
		if (held == ALERT_CRITICAL)
			raise_to(e, x, ALERT_CRITICAL);
	} else if (r->has_warning) {
		/* the hysteresis band, measured from critical */
		double back = r->below ? r->critical + (r->clear - r->warning)
		                       : r->critical - (r->warning - r->clear);
		if (reached(e, v, back)) {
			x->level = ALERT_WARNING;
			if (x->announced)
				pend(e, x, ALERT_DOWNGRADE, ALERT_CRITICAL, ALERT_WARNING, r->critical);
		}
	}
}

void alert_begin(struct alert_engine *e, int64_t now_us)
{
	if (!e->started) {
		e->started = 1;
		e->refilled_at = now_us;
	}
	if (now_us > e->refilled_at && e->r.max_rate > 0) {
		e->tokens += (double)(now_us - e->refilled_at) * e->r.max_rate / 1e6;
		if (e->tokens > e->r.burst)
			e->tokens = e->r.burst;
	}
	if (now_us > e->refilled_at)
		e->refilled_at = now_us;
	e->now = now_us;
	e->round++;
	e->npends = 0;
	e->dropped_this_round = 0;
}

int alert_sample(struct alert_engine *e, const struct alert_key *k, double v)
{
	double lo = e->r.has_warning ? e->r.warning : e->r.critical;
	int remember = beyond(e, v, lo) || e->r.keep_keys;
	if (!e->tab.count && !remember)
		return 0; /* the usual case on a big table: nothing to look up */
	struct entry *x = map_get(&e->tab, k);
	if (!x) {
		if (!remember)
			return 0; /* nothing to remember */
		x = insert(e, k);
		if (!x) {
			e->st.untracked++;
			return -ENOSPC;
		}
	}
	x->round = e->round;
	evaluate(e, x, v);
	return 0;
}

static int pend_cmp(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->has_key != y->has_key)
		return x->has_key ? 1 : -1;
	int c = x->has_key ? key_cmp(&x->key, &y->key) : 0;
	if (c)
		return c;
	return (int)x->ev.kind - (int)y->ev.kind;
}

static int take_token(struct alert_engine *e)
{
	if (e->r.max_rate <= 0)
		return 1;
	if (e->tokens >= 1) {
		e->tokens -= 1;
		return 1;
	}
	return 0;
}

static void report_storm(struct alert_engine *e)
{
	struct alert_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = ALERT_RATELIMIT;
	ev.time_us = e->now;
	ev.since_us = e->storm_since;
	ev.suppressed = e->dropped;
	ev.dropped_alarms = e->dropped_alarms;
	ev.dropped_recoveries = e->dropped_recoveries;
	ev.threshold = e->r.max_rate;
	e->emit(e->arg, &ev);
	e->st.sent++;
	e->dropped = e->dropped_alarms = e->dropped_recoveries = 0;
	e->last_report = e->now;
}

/* Order the round's messages, pass them through the rate limit, emit. */
static void deliver(struct alert_engine *e)
{
	if (e->npends > 1)
		qsort(e->pends, e->npends, sizeof *e->pends, pend_cmp);
	for (size_t i = 0; i < e->npends; i++)
		e->pends[i].ev.key = e->pends[i].has_key ? &e->pends[i].key : NULL;
	for (size_t i = 0; i < e->npends; i++) {
		struct pend *p = &e->pends[i];
		struct entry *x = p->has_key ? map_get(&e->tab, &p->key) : NULL;
		enum alert_kind k = p->ev.kind;
		int alarm = k == ALERT_FIRE || k == ALERT_ESCALATE || k == ALERT_STILL;
		if (!take_token(e)) {
			if (!e->dropped)
				e->storm_since = e->last_report = e->now;
			e->dropped++;
			e->st.dropped++;
			if (k == ALERT_RECOVER || k == ALERT_GONE)
				e->dropped_recoveries++;
			else
				e->dropped_alarms++;
			e->dropped_this_round = 1;
			if (x && k == ALERT_STILL)
				x->still_at = e->now + e->r.repeat_us; /* try again later */
			if (x && k == ALERT_REPEATS)
				x->suppressed = 0; /* counted among the dropped */
			continue;
		}
		e->emit(e->arg, &p->ev);
		e->st.sent++;
		if (!x)
			continue;
		x->suppressed = 0;
		if (alarm) {
			x->announced = 1;
			x->quiet = 0;
			x->has_last = 1;
			x->last_sent = e->now;
			x->last_level = (uint8_t)p->ev.level;
		}
	}
	e->npends = 0;
}

/* Whether an entry holds nothing worth keeping. */
static int idle(const struct alert_engine *e, const struct entry *x)
{
	if (e->r.keep_keys || x->level != ALERT_OK || x->has_w || x->has_c || x->suppressed)
		return 0;
	return !x->has_last || e->now - x->last_sent >= e->r.repeat_us;
}

/* map_sweep: whether an entry goes at the end of the round */
static int forget(void *arg, void *val)
{
	struct entry *x = val;
	x->pended = 0;
	return x->gone || idle(arg, x);
}

static void sweep(struct alert_engine *e)
{
	map_sweep(&e->tab, forget, e);
	e->st.keys = e->tab.count;
}

void alert_end(struct alert_engine *e)
{
	for (struct entry *x = map_next(&e->tab, NULL); x; x = map_next(&e->tab, x)) {
		if (x->gone)
			continue;
		if (x->round != e->round) {
			if (e->r.absent == ALERT_ABSENT_ZERO) {
				evaluate(e, x, 0);
			} else {
				if (x->level != ALERT_OK && x->announced)
					pend(e, x, ALERT_GONE, (enum alert_level)x->level, ALERT_OK, e->r.clear);
				else if (x->suppressed)
					pend(e, x, ALERT_REPEATS, (enum alert_level)x->level, ALERT_OK, 0);
				x->gone = 1;
				continue;
			}
		}
		if (x->pended)
			continue;
		if (x->level != ALERT_OK && x->quiet && !x->announced && e->now >= x->still_at) {
			double thr = x->level == ALERT_CRITICAL ? e->r.critical : e->r.warning;
			pend(e, x, ALERT_STILL, (enum alert_level)x->level, (enum alert_level)x->level, thr);
		} else if (x->level == ALERT_OK && x->suppressed &&
		           (!x->has_last || e->now - x->last_sent >= e->r.repeat_us)) {
			pend(e, x, ALERT_REPEATS, ALERT_OK, ALERT_OK, 0);
		}
	}
	deliver(e);
	if (e->dropped && (!e->dropped_this_round ||
	                   (e->r.storm_report_us > 0 && e->now - e->last_report >= e->r.storm_report_us)))
		report_storm(e);
	sweep(e);
}

void alert_finish(struct alert_engine *e, int64_t now_us)
{
	if (!e->started)
		return;
	alert_begin(e, now_us > e->now ? now_us : e->now);
	for (struct entry *x = map_next(&e->tab, NULL); x; x = map_next(&e->tab, x)) {
		if (!x->gone && x->suppressed)
			pend(e, x, ALERT_REPEATS, (enum alert_level)x->level, (enum alert_level)x->level, 0);
	}
	deliver(e);
	if (e->dropped)
		report_storm(e);
	sweep(e);
}
