/*
 * The rule engine of the syslog plugin on an explicit clock: hold time,
 * hysteresis, escalation, recovery, suppression of repeats, the rate limit,
 * keys that vanish, and independence from the order of the samples.
 */
#include <errno.h>
#include <string.h>

#include "alert.h"
#include "tap.h"

#define S 1000000LL /* one second in microseconds */

struct rec {
	enum alert_kind kind;
	enum alert_level level, prev;
	double value, threshold;
	int64_t time, since;
	uint64_t suppressed, d_alarms, d_recov;
	uint64_t id;
};

static struct rec got[512];
static int ngot;

static void on_emit(void *arg, const struct alert_event *ev)
{
	(void)arg;
	if (ngot >= 512)
		return;
	struct rec *r = &got[ngot++];
	r->kind = ev->kind;
	r->level = ev->level;
	r->prev = ev->prev;
	r->value = ev->value;
	r->threshold = ev->threshold;
	r->time = ev->time_us;
	r->since = ev->since_us;
	r->suppressed = ev->suppressed;
	r->d_alarms = ev->dropped_alarms;
	r->d_recov = ev->dropped_recoveries;
	r->id = ev->key ? ev->key->id : 0;
}

static struct alert_key key(uint64_t id)
{
	struct alert_key k;
	memset(&k, 0, sizeof k);
	k.id = id;
	k.family = 4;
	k.server[0] = 10, k.server[3] = 2;
	k.client[0] = 10, k.client[3] = (uint8_t)id;
	k.server_port = 80;
	k.client_port = (uint16_t)(40000 + id);
	k.has_client = 1;
	return k;
}

static struct alert_rule base(void)
{
	struct alert_rule r;
	memset(&r, 0, sizeof r);
	r.has_warning = r.has_critical = 1;
	r.warning = 100;
	r.critical = 500;
	r.clear = 80;
	r.burst = 1;
	return r;
}

/* One round at second t with key 1 at value v. */
static void one(struct alert_engine *e, int t, double v)
{
	struct alert_key k = key(1);
	alert_begin(e, t * S);
	alert_sample(e, &k, v);
	alert_end(e);
}

static void test_hold_and_hysteresis(void)
{
	struct alert_rule r = base();
	r.hold_us = 2 * S;
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	/* a spike shorter than the hold time says nothing */
	one(e, 0, 50);
	one(e, 1, 150);
	one(e, 2, 150);
	one(e, 3, 50);
	CHECK(ngot == 0, "spike of 2 rounds (1 s held) fired %d messages", ngot);
	CHECK(alert_stats(e)->keys == 0, "a key back to normal is forgotten (%llu kept)",
	      (unsigned long long)alert_stats(e)->keys);
	/* above warning from t=4: fires at t=6, after 2 s held */
	one(e, 4, 150);
	one(e, 5, 150);
	CHECK(ngot == 0, "fired before the hold time");
	one(e, 6, 150);
	CHECK(ngot == 1 && got[0].kind == ALERT_FIRE && got[0].level == ALERT_WARNING &&
	      got[0].time == 6 * S && got[0].since == 4 * S && got[0].threshold == 100 &&
	      got[0].value == 150, "warning at t=6 since t=4 (got %d, kind %d, t %lld)", ngot,
	      ngot ? (int)got[0].kind : -1, ngot ? (long long)got[0].time : 0LL);
	/* critical from t=7, escalates at t=9 */
	one(e, 7, 600);
	one(e, 8, 600);
	CHECK(ngot == 1, "escalated before the hold time");
	one(e, 9, 600);
	CHECK(ngot == 2 && got[1].kind == ALERT_ESCALATE && got[1].level == ALERT_CRITICAL &&
	      got[1].prev == ALERT_WARNING && got[1].threshold == 500, "critical at t=9");
	/* 490 is inside the band (critical 500 - (warning 100 - clear 80) = 480) */
	one(e, 10, 490);
	CHECK(ngot == 2, "left critical inside the hysteresis band");
	one(e, 11, 480);
	CHECK(ngot == 3 && got[2].kind == ALERT_DOWNGRADE && got[2].level == ALERT_WARNING,
	      "back to warning at 480");
	/* under warning but above clear: the alarm holds */
	one(e, 12, 90);
	one(e, 13, 81);
	CHECK(ngot == 3, "recovered above the clear level");
	one(e, 14, 80);
	CHECK(ngot == 4 && got[3].kind == ALERT_RECOVER && got[3].prev == ALERT_WARNING &&
	      got[3].threshold == 80 && got[3].since == 4 * S && got[3].time == 14 * S,
	      "recovery at the clear level, alarm since t=4");
	one(e, 15, 10);
	CHECK(ngot == 4, "a second recovery");
	CHECK(alert_stats(e)->keys == 0, "recovered key still kept");
	alert_free(e);
}

static void test_direct_critical_and_below(void)
{
	struct alert_rule r = base();
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	one(e, 0, 1000);
	CHECK(ngot == 1 && got[0].kind == ALERT_FIRE && got[0].level == ALERT_CRITICAL &&
	      got[0].prev == ALERT_OK, "a jump past critical fires critical alone");
	one(e, 1, 0);
	CHECK(ngot == 2 && got[1].kind == ALERT_RECOVER && got[1].prev == ALERT_CRITICAL,
	      "a fall to zero recovers from critical at once");
	alert_free(e);

	/* below: alarm when the value falls under the levels */
	memset(&r, 0, sizeof r);
	r.below = 1;
	r.has_warning = r.has_critical = 1;
	r.warning = 10;
	r.critical = 2;
	r.clear = 12;
	r.burst = 1;
	CHECK(alert_rule_check(&r) == NULL, "valid below rule refused: %s", alert_rule_check(&r));
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	one(e, 0, 20);
	one(e, 1, 5);
	CHECK(ngot == 1 && got[0].level == ALERT_WARNING, "below: warning under 10");
	one(e, 2, 1);
	CHECK(ngot == 2 && got[1].kind == ALERT_ESCALATE, "below: critical under 2");
	one(e, 3, 11);
	CHECK(ngot == 3 && got[2].kind == ALERT_DOWNGRADE, "below: back to warning at 11 (>= 2+2)");
	one(e, 4, 12);
	CHECK(ngot == 4 && got[3].kind == ALERT_RECOVER, "below: recovered at clear 12");
	alert_free(e);

	/* critical only: clear defaults to critical in the plugin; here 500 */
	r = base();
	r.has_warning = 0;
	r.clear = 500;
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	one(e, 0, 200);
	CHECK(ngot == 0, "critical-only rule fired under critical");
	one(e, 1, 501);
	one(e, 2, 501);
	one(e, 3, 500);
	CHECK(ngot == 2 && got[0].level == ALERT_CRITICAL && got[1].kind == ALERT_RECOVER,
	      "critical-only: fire and recover (%d)", ngot);
	alert_free(e);
}

static void test_rule_check(void)
{
	struct alert_rule r = base();
	CHECK(alert_rule_check(&r) == NULL, "base rule refused");
	r.critical = 50;
	CHECK(alert_rule_check(&r) != NULL, "critical below warning accepted for above");
	r = base();
	r.clear = 120;
	CHECK(alert_rule_check(&r) != NULL, "clear above warning accepted for above");
	r = base();
	r.has_warning = r.has_critical = 0;
	CHECK(alert_rule_check(&r) != NULL, "rule without levels accepted");
	r = base();
	r.below = 1;
	r.clear = 600;
	CHECK(alert_rule_check(&r) != NULL, "below rule with critical above warning accepted");
}

static void test_suppression(void)
{
	struct alert_rule r = base();
	r.has_critical = 0;
	r.clear = 100;
	r.repeat_us = 10 * S;
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	/* flapping every second: fire at 0, recover at 1, then quiet */
	for (int t = 0; t < 8; t++)
		one(e, t, t % 2 ? 0 : 200);
	CHECK(ngot == 2 && got[0].kind == ALERT_FIRE && got[1].kind == ALERT_RECOVER,
	      "flapping within the window: only the first alarm and its recovery (%d)", ngot);
	CHECK(alert_stats(e)->suppressed == 3, "3 repeats counted, got %llu",
	      (unsigned long long)alert_stats(e)->suppressed);
	/* t=8 alarm again (suppressed, the last was sent at 0), held past the
	 * window: announced at t=10 as still holding, with the count */
	one(e, 8, 200);
	one(e, 9, 200);
	CHECK(ngot == 2, "a repeat inside the window was sent");
	one(e, 10, 200);
	CHECK(ngot == 3 && got[2].kind == ALERT_STILL && got[2].suppressed == 4 &&
	      got[2].time == 10 * S && got[2].since == 8 * S,
	      "a suppressed alarm still holding after the window is announced with its count "
	      "(kind %d, suppressed %llu)", ngot > 2 ? (int)got[2].kind : -1,
	      ngot > 2 ? (unsigned long long)got[2].suppressed : 0ULL);
	one(e, 11, 0);
	CHECK(ngot == 4 && got[3].kind == ALERT_RECOVER, "the announced alarm recovers");
	/* one silent repeat at 12, then quiet: reported once the window passed */
	one(e, 12, 200);
	one(e, 13, 0);
	for (int t = 14; t < 25; t++)
		one(e, t, 0);
	CHECK(ngot == 5 && got[4].kind == ALERT_REPEATS && got[4].suppressed == 1 &&
	      got[4].time == 20 * S, "suppressed repeats of a quiet key are summed up at t=20 "
	      "(%d messages, last kind %d at %lld)", ngot, (int)got[ngot - 1].kind,
	      (long long)got[ngot - 1].time);
	CHECK(alert_stats(e)->keys == 0, "key kept after its window");
	/* no repeat: with repeat 0 every alarm is sent */
	alert_free(e);
	r.repeat_us = 0;
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	for (int t = 0; t < 8; t++)
		one(e, t, t % 2 ? 0 : 200);
	CHECK(ngot == 8, "without repeat, all 8 messages (%d)", ngot);
	alert_free(e);
}

static void round_of(struct alert_engine *e, int t, int n, double v, int reverse)
{
	alert_begin(e, t * S);
	for (int i = 0; i < n; i++) {
		struct alert_key k = key((uint64_t)(reverse ? n - i : i + 1));
		alert_sample(e, &k, (k.id % 4 == 0 && v > 0) ? v * 10 : v);
	}
	alert_end(e);
}

static void test_rate_limit(void)
{
	struct alert_rule r = base();
	r.max_rate = 1;
	r.burst = 3;
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	/* 12 keys at once; keys 4, 8, 12 critical */
	round_of(e, 0, 12, 200, 0);
	CHECK(ngot == 3, "burst of 3 let through, got %d", ngot);
	CHECK(ngot == 3 && got[0].level == ALERT_CRITICAL && got[1].level == ALERT_CRITICAL &&
	      got[2].level == ALERT_CRITICAL, "critical alarms first under the rate limit");
	CHECK(ngot == 3 && got[0].id == 4 && got[1].id == 8 && got[2].id == 12,
	      "then in key order (%llu %llu %llu)", (unsigned long long)got[0].id,
	      (unsigned long long)got[1].id, (unsigned long long)got[2].id);
	/* the storm ends: a round without drops reports the count */
	round_of(e, 1, 12, 200, 0);
	CHECK(ngot == 4 && got[3].kind == ALERT_RATELIMIT && got[3].suppressed == 9 &&
	      got[3].d_alarms == 9 && got[3].since == 0, "storm summary: 9 dropped (%d)", ngot);
	/* all recover at t=10: only the 3 announced have a recovery; tokens 3 */
	round_of(e, 10, 12, 0, 0);
	CHECK(ngot == 7 && got[4].kind == ALERT_RECOVER && got[6].kind == ALERT_RECOVER,
	      "recoveries only for announced alarms (%d)", ngot);
	CHECK(alert_stats(e)->dropped == 9, "dropped count %llu", (unsigned long long)alert_stats(e)->dropped);
	alert_free(e);

	/* the same storm, sampled in reverse order: the same messages */
	struct rec first[8];
	memcpy(first, got, sizeof first);
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	round_of(e, 0, 12, 200, 1);
	round_of(e, 1, 12, 200, 1);
	round_of(e, 10, 12, 0, 1);
	int same = ngot == 7;
	for (int i = 0; same && i < 7; i++)
		same = first[i].kind == got[i].kind && first[i].id == got[i].id && first[i].time == got[i].time;
	CHECK(same, "the order of the samples changed the messages");
	alert_free(e);

	/* a storm still running at the end is reported by alert_finish */
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	round_of(e, 0, 12, 200, 0);
	alert_finish(e, 1 * S);
	CHECK(ngot == 4 && got[3].kind == ALERT_RATELIMIT && got[3].suppressed == 9,
	      "alert_finish reports the drops");
	alert_free(e);

	/* a long storm is reported while it lasts: new keys fire every round */
	r.storm_report_us = 5 * S;
	r.burst = 1;
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	for (int t = 0; t < 12; t++) {
		alert_begin(e, t * S);
		for (int i = 0; i < 12; i++) {
			struct alert_key k = key((uint64_t)(t * 100 + i + 1));
			alert_sample(e, &k, 200);
		}
		alert_end(e);
	}
	int reports = 0;
	for (int i = 0; i < ngot; i++)
		reports += got[i].kind == ALERT_RATELIMIT;
	CHECK(reports == 2, "a 12 s storm reported %d times with storm_report 5 s (want 2)", reports);
	alert_free(e);
}

/* A round with many new keys grows the table while messages are pending:
 * each message must still name its own key. */
static void test_big_round(void)
{
	struct alert_rule r = base();
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	alert_begin(e, 0);
	for (int i = 1; i <= 200; i++) {
		struct alert_key k = key((uint64_t)i);
		alert_sample(e, &k, 200);
	}
	alert_end(e);
	int ok = ngot == 200;
	for (int i = 0; ok && i < ngot; i++)
		ok = got[i].id == (uint64_t)(i + 1) && got[i].kind == ALERT_FIRE;
	CHECK(ok, "200 keys in one round: %d messages, each for its key in key order", ngot);
	alert_begin(e, S);
	for (int i = 1; i <= 200; i++) {
		struct alert_key k = key((uint64_t)i);
		alert_sample(e, &k, 0);
	}
	alert_end(e);
	CHECK(ngot == 400 && alert_stats(e)->keys == 0, "200 recoveries (%d messages, %llu keys)",
	      ngot, (unsigned long long)alert_stats(e)->keys);
	alert_free(e);
}

static void test_absent(void)
{
	struct alert_rule r = base();
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	struct alert_key k1 = key(1), k2 = key(2);
	alert_begin(e, 0);
	alert_sample(e, &k1, 200);
	alert_sample(e, &k2, 50);
	alert_end(e);
	alert_begin(e, S);
	alert_end(e); /* key 1 vanished */
	CHECK(ngot == 2 && got[1].kind == ALERT_GONE && got[1].prev == ALERT_WARNING &&
	      got[1].value == 200 && got[1].id == 1, "a vanished key in alarm says so");
	CHECK(alert_stats(e)->keys == 0, "vanished key kept");
	alert_free(e);

	r.absent = ALERT_ABSENT_ZERO;
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	alert_begin(e, 0);
	alert_sample(e, &k1, 200);
	alert_end(e);
	alert_begin(e, S);
	alert_end(e);
	CHECK(ngot == 2 && got[1].kind == ALERT_RECOVER && got[1].value == 0,
	      "absent counts as zero: recovery");
	alert_free(e);

	/* below, absent as zero: a key seen once, then gone, alarms */
	memset(&r, 0, sizeof r);
	r.below = 1;
	r.has_warning = 1;
	r.warning = r.clear = 1;
	r.hold_us = 2 * S;
	r.burst = 1;
	r.absent = ALERT_ABSENT_ZERO;
	r.keep_keys = 1;
	e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	alert_begin(e, 0);
	alert_sample(e, &k1, 5);
	alert_end(e);
	CHECK(alert_stats(e)->keys == 1, "keep_keys: a key at 5 is remembered");
	for (int t = 1; t <= 3; t++) {
		alert_begin(e, t * S);
		alert_end(e);
	}
	CHECK(ngot == 1 && got[0].kind == ALERT_FIRE && got[0].value == 0 && got[0].time == 3 * S,
	      "a key that vanished fires after the hold time (%d)", ngot);
	alert_begin(e, 4 * S);
	alert_sample(e, &k1, 2);
	alert_end(e);
	CHECK(ngot == 2 && got[1].kind == ALERT_RECOVER, "and recovers when it is back");
	alert_free(e);
}

static void test_max_keys(void)
{
	struct alert_rule r = base();
	r.max_keys = 5;
	struct alert_engine *e = alert_new(&r, on_emit, NULL);
	ngot = 0;
	alert_begin(e, 0);
	int refused = 0;
	for (int i = 1; i <= 8; i++) {
		struct alert_key k = key((uint64_t)i);
		refused += alert_sample(e, &k, 200) == -ENOSPC;
	}
	alert_end(e);
	CHECK(refused == 3 && alert_stats(e)->untracked == 3 && ngot == 5,
	      "max_keys 5: %d refused, %d messages", refused, ngot);
	alert_free(e);
	/* many keys in and out: the table stays consistent and small */
	r.max_keys = 0;
	e = alert_new(&r, on_emit, NULL);
	for (int t = 1; t < 200; t++) {
		alert_begin(e, t * S);
		for (int i = 0; i < 50; i++) {
			struct alert_key k = key((uint64_t)(t * 50 + i));
			alert_sample(e, &k, 200);
		}
		alert_end(e);
	}
	CHECK(alert_stats(e)->keys == 50, "keys after churn: %llu", (unsigned long long)alert_stats(e)->keys);
	alert_free(e);
}

int main(void)
{
	test_hold_and_hysteresis();
	test_direct_critical_and_below();
	test_rule_check();
	test_suppression();
	test_rate_limit();
	test_big_round();
	test_absent();
	test_max_keys();
	DONE();
}
