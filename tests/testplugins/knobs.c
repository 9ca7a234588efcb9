/*
 * knobs: a plugin for the tests of ABI 1.1.  Each instance sets its own
 * events and capabilities through the host (set_events, set_caps) in the
 * callback `at` names, parses values with the host's parsers, and writes
 * what it gets and what the host answered, one line each, to `file`:
 *   SET at events|caps value result        a set_* call and its return
 *   LATE events result caps result         the same calls after start
 *   PARSE kind value result parsed|why     host->parse_*
 *   REASON n name                          host->reason_name(n), n = 0..8
 *   EV type id state reason                an event
 *   SNAP time flags nconns                 a snapshot, then
 *   CONN id c2s_rate s2c_rate              a line per connection
 * Keys: file; events, caps (numbers: set only when given); at (configure,
 * check, open or start; default configure); ask (ask for a snapshot after
 * that many events); interval (microseconds); duration, size, bool, double
 * (values to parse).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/plugin.h"

struct knobs {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	char *path;
	FILE *f;
	long long events, caps;  /* -1: not given */
	char at[16];
	long long ask, nev, interval;
	int late_done;
	char *parse[4];          /* duration, size, bool, double */
	char log[2048];          /* lines before the file is open */
};

static const char *const keys[] = {
	"file", "events", "caps", "at", "ask", "interval", "duration", "size", "bool", "double", NULL,
};
static const char *const kinds[] = {"duration", "size", "bool", "double"};

static void say(struct knobs *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct knobs *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (k->f) {
		vfprintf(k->f, fmt, ap);
	} else {
		size_t n = strlen(k->log);
		vsnprintf(k->log + n, sizeof k->log - n, fmt, ap);
	}
	va_end(ap);
}

/* The set_* calls, if this is the callback `at` names. */
static void set_here(struct knobs *k, const char *where)
{
	if (strcmp(k->at[0] ? k->at : "configure", where))
		return;
	if (!TT_HOST_HAS(k->host, set_caps)) {
		say(k, "SET %s none\n", where);
		return;
	}
	if (k->events >= 0)
		say(k, "SET %s events %lld %d\n", where, k->events,
		    k->host->set_events(k->ctx, (uint32_t)k->events));
	if (k->caps >= 0)
		say(k, "SET %s caps %lld %d\n", where, k->caps, k->host->set_caps(k->ctx, (uint32_t)k->caps));
}

static int k_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct knobs *k = calloc(1, sizeof *k);
	if (!k)
		return -ENOMEM;
	k->host = host;
	k->ctx = ctx;
	k->events = k->caps = -1;
	*state = k;
	return 0;
}

static int k_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct knobs *k = state;
	if (!strcmp(key, "file")) {
		free(k->path);
		k->path = strdup(value);
	} else if (!strcmp(key, "events")) {
		k->events = strtoll(value, NULL, 0);
	} else if (!strcmp(key, "caps")) {
		k->caps = strtoll(value, NULL, 0);
	} else if (!strcmp(key, "at")) {
		snprintf(k->at, sizeof k->at, "%s", value);
	} else if (!strcmp(key, "ask")) {
		k->ask = atoll(value);
	} else if (!strcmp(key, "interval")) {
		k->interval = atoll(value);
	} else {
		for (int i = 0; i < 4; i++)
			if (!strcmp(key, kinds[i])) {
				free(k->parse[i]);
				k->parse[i] = strdup(value);
				return 0;
			}
		snprintf(err, errlen, "unknown");
		return -EINVAL;
	}
	if (!strcmp(key, "events") || !strcmp(key, "caps"))
		set_here(k, "configure");
	return 0;
}

static void parse_one(struct knobs *k, int i)
{
	const struct tt_host *h = k->host;
	const char *s = k->parse[i], *why = "";
	char v[64] = "";
	int r;
	int64_t d = 0;
	uint64_t z = 0;
	int b = 0;
	double x = 0;
	switch (i) {
	case 0: r = h->parse_duration(s, &d, &why); snprintf(v, sizeof v, "%" PRId64, d); break;
	case 1: r = h->parse_size(s, &z, &why); snprintf(v, sizeof v, "%" PRIu64, z); break;
	case 2: r = h->parse_bool(s, &b, &why); snprintf(v, sizeof v, "%d", b); break;
	default: r = h->parse_double(s, &x, &why); snprintf(v, sizeof v, "%.6f", x); break;
	}
	say(k, "PARSE %s %s %d %s\n", kinds[i], s, r, r == 0 ? v : why);
}

static int k_check(void *state, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	struct knobs *k = state;
	for (int i = 0; i < 4; i++)
		if (k->parse[i])
			parse_one(k, i);
	set_here(k, "check");
	return 0;
}

static int k_open(void *state, char *err, size_t errlen)
{
	struct knobs *k = state;
	k->f = fopen(k->path ? k->path : "/dev/stdout", "w");
	if (!k->f) {
		snprintf(err, errlen, "%s: %s", k->path, strerror(errno));
		return -errno;
	}
	fputs(k->log, k->f);
	for (unsigned n = 0; n <= 8; n++)
		say(k, "REASON %u %s\n", n, k->host->reason_name(n));
	set_here(k, "open");
	return 0;
}

static int k_start(void *state)
{
	struct knobs *k = state;
	set_here(k, "start");
	if (k->interval)
		k->host->set_interval(k->ctx, k->interval, 0);
	return 0;
}

static int k_event(void *state, const struct tt_event *ev)
{
	struct knobs *k = state;
	static const char *types[] = {"", "OPENED", "STATE", "", "REMOVED"};
	say(k, "EV %s %llu %s %s\n", types[ev->type & 7], (unsigned long long)ev->conn->id,
	    k->host->state_name(ev->conn->state),
	    ev->type == TT_EV_REMOVED ? k->host->reason_name(ev->reason) : "-");
	if (++k->nev == k->ask)
		k->host->snapshot(k->ctx);
	return 0;
}

static int one(void *arg, const struct tt_conn *c)
{
	say(arg, "CONN %llu %.1f %.1f\n", (unsigned long long)c->id, c->c2s_rate, c->s2c_rate);
	return 0;
}

static int k_snapshot(void *state, const struct tt_snapshot *s)
{
	struct knobs *k = state;
	if (!k->late_done) {
		k->late_done = 1;
		say(k, "LATE events %d caps %d\n", k->host->set_events(k->ctx, 0),
		    k->host->set_caps(k->ctx, TT_CAP_NO_RATES));
	}
	say(k, "SNAP %lld %u %llu\n", (long long)s->time_us, s->flags, (unsigned long long)s->nconns);
	s->foreach(s, one, k);
	return 0;
}

static int k_flush(void *state)
{
	struct knobs *k = state;
	return fflush(k->f) ? -errno : 0;
}

static void k_destroy(void *state)
{
	struct knobs *k = state;
	if (k->f)
		fclose(k->f);
	free(k->path);
	for (int i = 0; i < 4; i++)
		free(k->parse[i]);
	free(k);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.events = TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED,
	.name = "knobs",
	.description = "test plugin: per-instance events and caps, the host's parsers",
	.keys = keys,
	.create = k_create,
	.configure = k_configure,
	.check = k_check,
	.open = k_open,
	.start = k_start,
	.on_event = k_event,
	.on_snapshot = k_snapshot,
	.flush = k_flush,
	.destroy = k_destroy,
};
