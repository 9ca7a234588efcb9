/*
 * alert: the rule engine of the syslog plugin, kept apart from delivery and
 * from the plugin glue so that it can be tested on its own.
 *
 * One engine evaluates one rule.  A round of evaluation is
 *   alert_begin(now) -> alert_sample(key, value)... -> alert_end()
 * on an explicit clock (the capture clock in the plugin), so that a capture
 * read twice gives the same messages.  Per key the engine keeps a level
 * (ok, warning, critical) and:
 *  - a hold time: a level is entered once the value has been beyond it for
 *    `hold_us` without a break;
 *  - hysteresis: an alarm ends only when the value reaches the clear level;
 *    critical falls back to warning once the value is that same distance
 *    back inside the critical level;
 *  - a recovery message when an announced alarm ends;
 *  - per-key suppression of repeats: an alarm of a key that already sent an
 *    alarm of that level less than `repeat_us` ago is not sent; it is
 *    counted, and announced once the window has passed if it still holds;
 *  - a rate limit (token bucket) over all messages of the rule; what it
 *    drops is counted and reported when the storm ends.
 * Messages of a round are ordered (most severe first, then by key) before
 * the rate limit applies, so the order of the samples does not matter.
 * Keys that are neither in alarm, pending nor remembered take no memory.
 */
#ifndef TT_ALERT_H
#define TT_ALERT_H

#include <stddef.h>
#include <stdint.h>

enum alert_level { ALERT_OK = 0, ALERT_WARNING = 1, ALERT_CRITICAL = 2 };

enum alert_kind {
	ALERT_FIRE,      /* ok -> warning or critical */
	ALERT_ESCALATE,  /* warning -> critical */
	ALERT_DOWNGRADE, /* critical -> warning */
	ALERT_STILL,     /* a suppressed alarm still holds after the window */
	ALERT_RECOVER,   /* the value reached the clear level */
	ALERT_GONE,      /* the key vanished while in alarm (its connection ended) */
	ALERT_REPEATS,   /* suppressed repeats of a key that is ok again */
	ALERT_RATELIMIT, /* messages dropped by the rate limit (no key) */
};

/* What a key is.  The engine only compares and hashes it; zero it fully
 * (memset) before filling, so that the padding compares equal. */
struct alert_key {
	uint64_t id;          /* connection id, or 0 */
	uint8_t client[16];
	uint8_t server[16];
	uint16_t client_port;
	uint16_t server_port;
	uint8_t family;       /* 0: no addresses (a total over all traffic) */
	uint8_t has_client;
	uint8_t pad[2];
};

/* What to do with a key that was not sampled in a round. */
enum alert_absent {
	ALERT_ABSENT_GONE, /* it ended: ALERT_GONE if in alarm, then forget it */
	ALERT_ABSENT_ZERO, /* its value is 0 (e.g. a server with no connections) */
};

struct alert_rule {
	int below;             /* alarm when the value is below the levels */
	int has_warning, has_critical;
	double warning, critical;
	double clear;          /* the level that ends an alarm */
	int64_t hold_us;       /* `for` */
	int64_t repeat_us;     /* suppression window, 0 = none */
	double max_rate;       /* messages per second, 0 = unlimited */
	double burst;          /* bucket size, at least 1 */
	int64_t storm_report_us; /* report a long storm at least this often */
	enum alert_absent absent;
	int keep_keys;         /* remember every key sampled, even when ok: with
	                        * ALERT_ABSENT_ZERO and below, a key that vanishes
	                        * must still be there to alarm */
	size_t max_keys;       /* keys tracked at most (0 = no limit) */
};

struct alert_event {
	enum alert_kind kind;
	enum alert_level level;     /* after */
	enum alert_level prev;      /* before */
	const struct alert_key *key;/* NULL for ALERT_RATELIMIT */
	double value;
	double threshold;           /* the level crossed (clear for recoveries) */
	int64_t time_us;
	int64_t since_us;           /* the alarm's start (ESCALATE: since past critical);
	                             * RATELIMIT: the first drop */
	uint64_t suppressed;        /* repeats suppressed (RATELIMIT: dropped) */
	uint64_t dropped_alarms;    /* RATELIMIT: of them, alarms */
	uint64_t dropped_recoveries;/* RATELIMIT: of them, recoveries */
};

typedef void (*alert_emit_fn)(void *arg, const struct alert_event *ev);

struct alert_stats {
	uint64_t keys;       /* tracked now */
	uint64_t untracked;  /* samples refused because max_keys was reached */
	uint64_t sent;       /* messages emitted */
	uint64_t suppressed; /* repeats suppressed */
	uint64_t dropped;    /* dropped by the rate limit */
};

struct alert_engine;

/* Check a rule; returns NULL or the reason it is inconsistent. */
const char *alert_rule_check(const struct alert_rule *r);
/* The engine of rule r (copied); NULL when out of memory. */
struct alert_engine *alert_new(const struct alert_rule *r, alert_emit_fn fn, void *arg);
void alert_free(struct alert_engine *e);

void alert_begin(struct alert_engine *e, int64_t now_us);
/* The value of key k in this round (each key at most once a round).
 * Returns 0, or -ENOSPC when the key could not be tracked. */
int alert_sample(struct alert_engine *e, const struct alert_key *k, double value);
/* Close the round: keys not sampled, windows that passed, then the
 * messages, ordered and rate limited. */
void alert_end(struct alert_engine *e);
/* The end of the run: report what is still counted but unreported
 * (rate-limit drops, suppressed repeats). */
void alert_finish(struct alert_engine *e, int64_t now_us);

const struct alert_stats *alert_stats(const struct alert_engine *e);

#endif
