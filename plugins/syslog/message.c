/*
 * message: one RFC 5424 message per event of the engine (or notice of
 * lost messages): the header, STRUCTURED-DATA with the facts in the
 * metric's base unit, and the same facts in words as MSG (RFC 5424 6).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "sl.h"

/* SD-ID with the documentation enterprise number (RFC 5612), RFC 5424 7.2.2 */
#define SD_ID "tcptrack@32473"

/* RFC 5424 6.2.1 */
#define SEV_CRIT 2
#define SEV_WARN 4
#define SEV_NOTICE 5

static const char *const event_names[] = {
	[SL_FIRE] = "fire", [SL_ESCALATE] = "escalate", [SL_DOWNGRADE] = "downgrade",
	[SL_STILL] = "still", [SL_RECOVER] = "recover", [SL_GONE] = "gone",
	[SL_REPEATS] = "repeats", [SL_RATELIMIT] = "ratelimit", [SL_LOST] = "lost",
};

static int is_alarm(enum sl_kind k)
{
	return k == SL_FIRE || k == SL_ESCALATE || k == SL_STILL || k == SL_DOWNGRADE;
}

/* The kinds about a key (a connection, a server, or the whole traffic) */
static int about_key(enum sl_kind k)
{
	return k < SL_RATELIMIT;
}

static const char *level_word(enum alert_level l)
{
	return l == ALERT_CRITICAL ? "critical" : l == ALERT_WARNING ? "warning" : "ok";
}

static int severity(enum sl_kind k, const struct alert_event *ev)
{
	if (is_alarm(k))
		return ev->level == ALERT_CRITICAL ? SEV_CRIT : SEV_WARN;
	return k == SL_RECOVER || k == SL_GONE || k == SL_REPEATS ? SEV_NOTICE : SEV_WARN;
}

static const char *msgid(enum sl_kind k, const struct alert_event *ev)
{
	if (is_alarm(k))
		return level_word(ev->level);
	if (k == SL_RECOVER || k == SL_GONE)
		return "recovery";
	return event_names[k];
}

/* ---- values ---- */

void message_human(struct strbuf *b, enum unit u, double v)
{
	if (u == U_RATE || u == U_BYTES) {
		const char *sfx[] = {" B", " kB", " MB", " GB"};
		int i = v >= 1e9 ? 3 : v >= 1e6 ? 2 : v >= 1e3 ? 1 : 0;
		static const double div[] = {1, 1e3, 1e6, 1e9};
		strbuf_fixed(b, v / div[i], i == 0 ? 0 : i == 1 ? 1 : 2, 0);
		strbuf_str(b, sfx[i]);
		if (u == U_RATE)
			strbuf_str(b, "/s");
	} else if (u == U_SECONDS) {
		strbuf_fixed(b, v, 3, 1);
		strbuf_str(b, "s");
	} else if (u == U_PER_SECOND) {
		strbuf_fixed(b, v, 2, 1);
		strbuf_str(b, "/s");
	} else if (u == U_DELAY) {
		/* a round trip in the unit it is thought of in: "812us",
		 * "40.3ms", "1.2s" (each up to where it would round to 1000) */
		if (v < 999.5e-6) {
			strbuf_fixed(b, v * 1e6, 0, 0);
			strbuf_str(b, "us");
		} else if (v < 0.99995) {
			strbuf_fixed(b, v * 1e3, 1, 1);
			strbuf_str(b, "ms");
		} else {
			strbuf_fixed(b, v, 3, 1);
			strbuf_str(b, "s");
		}
	} else if (u == U_PERCENT) {
		strbuf_fixed(b, v, 2, 1);
		strbuf_str(b, "%");
	} else {
		strbuf_fixed(b, v, 0, 0);
	}
}

static void human_dur(struct strbuf *b, int64_t us)
{
	message_human(b, U_SECONDS, (double)us / 1e6);
}

/* "1 message", "2 messages" */
static void count(struct strbuf *b, uint64_t n, const char *one, const char *many)
{
	strbuf_u64(b, n);
	strbuf_str(b, n == 1 ? one : many);
}

/* RFC 5424 6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE. */
static void param(struct strbuf *b, const char *name, const char *value)
{
	strbuf_str(b, " ");
	strbuf_str(b, name);
	strbuf_str(b, "=\"");
	for (const char *s = value; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			strbuf_put(b, "\\", 1);
		strbuf_put(b, s, 1);
	}
	strbuf_str(b, "\"");
}

/* A number in the metric's base unit. */
static void param_num(struct strbuf *b, const char *name, enum unit u, double v)
{
	char t[64];
	struct strbuf x;
	strbuf_init(&x, t, sizeof t);
	static const int dec[] = {[U_SECONDS] = 3, [U_PER_SECOND] = 2, [U_DELAY] = 6, [U_PERCENT] = 2};
	strbuf_fixed(&x, v, (size_t)u < sizeof dec / sizeof dec[0] ? dec[u] : 0, 1);
	param(b, name, t);
}

/* RFC 3339 in UTC with microseconds, as RFC 5424 6.2.3 allows. */
static void timestamp(struct strbuf *b, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char buf[64];
	if (us < 0 || !gmtime_r(&t, &tm)) {
		strbuf_str(b, "-");
		return;
	}
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
	strbuf_str(b, buf);
}

static void endpoint(char *buf, size_t len, int family, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN + 1];
	fmt_addr(a, family, addr);
	snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* The subject of a key, as endpoints: which connection or server. */
struct subject {
	char cli[64], srv[64];
};

static void subject(const struct alert_key *k, struct subject *w)
{
	w->cli[0] = w->srv[0] = 0;
	if (!k || !k->family)
		return;
	endpoint(w->srv, sizeof w->srv, k->family, k->server, k->server_port);
	if (k->has_client)
		endpoint(w->cli, sizeof w->cli, k->family, k->client, k->client_port);
}

/* ---- the parts of a message ---- */

/* HEADER: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
static void header(struct strbuf *b, const struct sl *s, int sev, const char *id, int64_t t)
{
	char head[64];
	snprintf(head, sizeof head, "<%d>1 ", s->facility * 8 + sev);
	strbuf_str(b, head);
	timestamp(b, t);
	strbuf_str(b, " ");
	strbuf_str(b, s->hostname[0] ? s->hostname : "-");
	strbuf_str(b, " ");
	strbuf_str(b, s->ident);
	strbuf_str(b, " ");
	strbuf_u64(b, (uint64_t)s->pid);
	strbuf_str(b, " ");
	strbuf_str(b, id);
}

/* An address's host name, when the core knows one (ABI 1.2). */
static void sd_name(struct strbuf *b, const struct sl *s, const char *what, int family,
                    const uint8_t *addr)
{
	char name[256];
	if (s->names && s->host->name_of(s->ctx, family, addr, name, sizeof name))
		param(b, what, name);
}

/* The facts of an event about a key, in the metric's base unit; addresses
 * and ports apart, so that no bracket needs escaping (6.3.3). */
static void sd_event(struct strbuf *b, const struct sl *s, enum sl_kind kind, const struct alert_event *ev,
                     const struct subject *w)
{
	const struct metric_def *d = &rules_metrics[s->metric];
	const struct alert_key *key = ev->key;
	char a[INET6_ADDRSTRLEN + 1];
	param(b, "metric", d->name);
	param(b, "level", level_word(ev->level));
	param_num(b, "value", d->unit, ev->value);
	if (kind != SL_REPEATS)
		param_num(b, "threshold", d->unit, ev->threshold);
	if (w->cli[0]) {
		fmt_addr(a, key->family, key->client);
		param(b, "client", a);
		param_num(b, "client_port", U_COUNT, key->client_port);
		sd_name(b, s, "client_name", key->family, key->client);
	}
	if (w->srv[0]) {
		fmt_addr(a, key->family, key->server);
		param(b, "server", a);
		param_num(b, "server_port", U_COUNT, key->server_port);
		sd_name(b, s, "server_name", key->family, key->server);
	}
	if (kind == SL_RECOVER || kind == SL_GONE) {
		param(b, "was", level_word(ev->prev));
		param_num(b, "duration", U_SECONDS, (double)(ev->time_us - ev->since_us) / 1e6);
	}
	if (ev->suppressed)
		param_num(b, "suppressed", U_COUNT, (double)ev->suppressed);
}

static void structured_data(struct strbuf *b, const struct sl *s, enum sl_kind kind,
                            const struct alert_event *ev, uint64_t lost, const struct subject *w)
{
	strbuf_str(b, " [" SD_ID);
	param(b, "rule", s->name);
	param(b, "event", event_names[kind]);
	if (about_key(kind)) {
		sd_event(b, s, kind, ev, w);
	} else if (kind == SL_RATELIMIT) {
		param_num(b, "dropped", U_COUNT, (double)ev->suppressed);
		param_num(b, "alarms", U_COUNT, (double)ev->dropped_alarms);
		param_num(b, "recoveries", U_COUNT, (double)ev->dropped_recoveries);
		param_num(b, "max_rate", U_PER_SECOND, s->max_rate);
	} else {
		param_num(b, "lost", U_COUNT, (double)lost);
		param(b, "target", s->target.name);
	}
	strbuf_str(b, "] ");
}

/* "METRIC VALUE": the value now */
static void say_value(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	const struct metric_def *d = &rules_metrics[s->metric];
	strbuf_str(b, d->name);
	strbuf_str(b, " ");
	message_human(b, d->unit, ev->value);
}

/* " LEVEL level THRESHOLD" */
static void say_level(struct strbuf *b, const struct sl *s, const char *level, double v)
{
	strbuf_str(b, level);
	strbuf_str(b, " level ");
	message_human(b, rules_metrics[s->metric].unit, v);
}

static void say_alarm(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	strbuf_str(b, ev->level == ALERT_CRITICAL ? "CRITICAL: " : "WARNING: ");
	say_value(b, s, ev);
	strbuf_str(b, " is ");
	strbuf_str(b, s->below ? "below" : "above");
	strbuf_str(b, " the ");
	say_level(b, s, level_word(ev->level), ev->threshold);
	if (ev->time_us > ev->since_us) {
		strbuf_str(b, " for ");
		human_dur(b, ev->time_us - ev->since_us);
	}
}

static void say_still(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	strbuf_str(b, ev->level == ALERT_CRITICAL ? "CRITICAL: " : "WARNING: ");
	strbuf_str(b, "the alarm still holds after ");
	human_dur(b, ev->time_us - ev->since_us);
	strbuf_str(b, ": ");
	say_value(b, s, ev);
	strbuf_str(b, ", ");
	say_level(b, s, level_word(ev->level), ev->threshold);
}

/* "... is back at or under the LEVEL level THRESHOLD" */
static void say_back(struct strbuf *b, const struct sl *s, const struct alert_event *ev, const char *level)
{
	say_value(b, s, ev);
	strbuf_str(b, " is back ");
	strbuf_str(b, s->below ? "at or over" : "at or under");
	strbuf_str(b, " the ");
	say_level(b, s, level, ev->threshold);
}

static void say_downgrade(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	strbuf_str(b, "WARNING: ");
	say_back(b, s, ev, "critical");
	strbuf_str(b, ", the alarm holds until the ");
	say_level(b, s, "clear", s->clear.v);
}

static void say_recover(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	strbuf_str(b, "RECOVERY: ");
	say_back(b, s, ev, "clear");
	strbuf_str(b, " after ");
	human_dur(b, ev->time_us - ev->since_us);
	strbuf_str(b, " in alarm (was ");
	strbuf_str(b, level_word(ev->prev));
	strbuf_str(b, ")");
}

static void say_gone(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	const struct metric_def *d = &rules_metrics[s->metric];
	/* a connection ends; a server (server_rtt) has no connection left
	 * with a round trip */
	strbuf_str(b, ev->key && ev->key->has_client ? "RECOVERY: the connection ended after "
	                                             : "RECOVERY: no connection left to measure after ");
	human_dur(b, ev->time_us - ev->since_us);
	strbuf_str(b, " in alarm (was ");
	strbuf_str(b, level_word(ev->prev));
	strbuf_str(b, ", ");
	strbuf_str(b, d->name);
	strbuf_str(b, " last ");
	message_human(b, d->unit, ev->value);
	strbuf_str(b, ")");
}

static void say_repeats(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	const struct metric_def *d = &rules_metrics[s->metric];
	strbuf_str(b, "NOTICE: ");
	count(b, ev->suppressed, " repeated alarm", " repeated alarms");
	strbuf_str(b, " of ");
	strbuf_str(b, d->name);
	strbuf_str(b, " suppressed (repeat ");
	human_dur(b, s->repeat_us);
	strbuf_str(b, "), now ");
	strbuf_str(b, level_word(ev->level));
	strbuf_str(b, " at ");
	message_human(b, d->unit, ev->value);
}

static void say_ratelimit(struct strbuf *b, const struct sl *s, const struct alert_event *ev)
{
	strbuf_str(b, "NOTICE: rate limit ");
	message_human(b, U_PER_SECOND, s->max_rate);
	strbuf_str(b, ": ");
	count(b, ev->suppressed, " message", " messages");
	strbuf_str(b, " not sent (");
	strbuf_u64(b, ev->dropped_alarms);
	strbuf_str(b, " alarms, ");
	strbuf_u64(b, ev->dropped_recoveries);
	strbuf_str(b, " recoveries) in the last ");
	human_dur(b, ev->time_us - ev->since_us);
}

static void say_lost(struct strbuf *b, const struct sl *s, uint64_t lost)
{
	strbuf_str(b, "NOTICE: ");
	count(b, lost, " message", " messages");
	if (s->target.kind == TARGET_UDP) {
		/* nothing waits for a UDP target: its host refused them */
		strbuf_str(b, " lost: ");
		strbuf_str(b, s->target.name);
		strbuf_str(b, " refused them (nothing listened)");
		return;
	}
	strbuf_str(b, " lost: the queue (");
	strbuf_u64(b, s->queue_max);
	strbuf_str(b, ") was full while ");
	strbuf_str(b, s->target.name);
	strbuf_str(b, " was unreachable");
}

/* "; client C, server S (N repeats suppressed)" */
static void say_subject(struct strbuf *b, enum sl_kind kind, const struct alert_event *ev,
                        const struct subject *w)
{
	if (w->cli[0]) {
		strbuf_str(b, "; client ");
		strbuf_str(b, w->cli);
	}
	if (w->srv[0]) {
		strbuf_str(b, w->cli[0] ? ", server " : "; server ");
		strbuf_str(b, w->srv);
	}
	if (ev->suppressed && kind != SL_REPEATS) {
		strbuf_str(b, " (");
		count(b, ev->suppressed, " repeat suppressed)", " repeats suppressed)");
	}
}

/* MSG: the facts in words */
static void words(struct strbuf *b, const struct sl *s, enum sl_kind kind, const struct alert_event *ev,
                  uint64_t lost, const struct subject *w)
{
	strbuf_str(b, s->name);
	strbuf_str(b, ": ");
	switch (kind) {
	case SL_FIRE:
	case SL_ESCALATE: say_alarm(b, s, ev); break;
	case SL_STILL: say_still(b, s, ev); break;
	case SL_DOWNGRADE: say_downgrade(b, s, ev); break;
	case SL_RECOVER: say_recover(b, s, ev); break;
	case SL_GONE: say_gone(b, s, ev); break;
	case SL_REPEATS: say_repeats(b, s, ev); break;
	case SL_RATELIMIT: say_ratelimit(b, s, ev); break;
	case SL_LOST: say_lost(b, s, lost); break;
	}
	if (about_key(kind))
		say_subject(b, kind, ev, w);
}

void message_build(const struct sl *s, enum sl_kind kind, const struct alert_event *ev, uint64_t lost,
                   int64_t t, char *buf, struct target_msg *m)
{
	struct strbuf b;
	struct subject w;
	strbuf_init(&b, buf, MSG_MAX);
	subject(ev ? ev->key : NULL, &w);
	int sev = severity(kind, ev);
	header(&b, s, sev, msgid(kind, ev), t);
	structured_data(&b, s, kind, ev, lost, &w);
	m->buf = buf;
	m->body = b.len;
	words(&b, s, kind, ev, lost, &w);
	m->len = b.len;
	m->level = sev;
}
