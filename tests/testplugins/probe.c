/*
 * probe: a plugin for the tests.  It writes every event and snapshot it gets,
 * one line each, to `file`, so tests can see what the core hands plugins:
 *   EV time type(OPENED|STATE|REMOVED) id client:port server:port state reason
 *   SNAP time flags nconns c2s_rate s2c_rate
 *   CONN time id c2s_rate s2c_rate c2s_payload s2c_payload
 * Keys: file, interval (microseconds, 0 = no snapshots), aligned (0/1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcptrack/plugin.h"

struct probe {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	char *path;
	FILE *f;
	long long interval;
	int aligned;
};

static const char *const keys[] = {"file", "interval", "aligned", NULL};

static int p_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct probe *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->host = host;
	p->ctx = ctx;
	*state = p;
	return 0;
}

static int p_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct probe *p = state;
	if (!strcmp(key, "file")) {
		free(p->path);
		p->path = strdup(value);
	} else if (!strcmp(key, "interval")) {
		p->interval = atoll(value);
	} else if (!strcmp(key, "aligned")) {
		p->aligned = atoi(value);
	} else {
		snprintf(err, errlen, "unknown");
		return -EINVAL;
	}
	return 0;
}

static int p_open(void *state, char *err, size_t errlen)
{
	struct probe *p = state;
	p->f = fopen(p->path ? p->path : "/dev/stdout", "w");
	if (!p->f) {
		snprintf(err, errlen, "%s: %s", p->path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int p_start(void *state)
{
	struct probe *p = state;
	if (p->interval)
		p->host->set_interval(p->ctx, p->interval, p->aligned ? TT_INTERVAL_ALIGNED : 0);
	return 0;
}

static void ep(struct probe *p, const struct tt_conn *c, char *buf, size_t len)
{
	char a[64], b[64];
	p->host->format_addr(c->family, c->client, a, sizeof a);
	p->host->format_addr(c->family, c->server, b, sizeof b);
	snprintf(buf, len, "%s:%u %s:%u", a, c->client_port, b, c->server_port);
}

static int p_event(void *state, const struct tt_event *ev)
{
	struct probe *p = state;
	char e[200];
	ep(p, ev->conn, e, sizeof e);
	static const char *types[] = {"", "OPENED", "STATE", "", "REMOVED"};
	fprintf(p->f, "EV %lld %s %llu %s %s %u\n", (long long)ev->time_us, types[ev->type & 7],
	        (unsigned long long)ev->conn->id, e, p->host->state_name(ev->conn->state), ev->reason);
	return 0;
}

static int one(void *arg, const struct tt_conn *c)
{
	struct probe *p = arg;
	fprintf(p->f, "CONN %lld %llu %.1f %.1f %llu %llu\n", (long long)p->host->now(p->ctx),
	        (unsigned long long)c->id, c->c2s_rate, c->s2c_rate,
	        (unsigned long long)c->c2s.payload, (unsigned long long)c->s2c.payload);
	return 0;
}

static int p_snapshot(void *state, const struct tt_snapshot *s)
{
	struct probe *p = state;
	fprintf(p->f, "SNAP %lld %u %llu %.1f %.1f\n", (long long)s->time_us, s->flags,
	        (unsigned long long)s->nconns, s->c2s_rate, s->s2c_rate);
	s->foreach(s, one, p);
	return 0;
}

static int p_flush(void *state)
{
	struct probe *p = state;
	return fflush(p->f) ? -errno : 0;
}

static void p_destroy(void *state)
{
	struct probe *p = state;
	if (p->f)
		fclose(p->f);
	free(p->path);
	free(p);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.events = TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED,
	.name = "probe",
	.description = "test plugin: writes what it receives",
	.keys = keys,
	.create = p_create,
	.configure = p_configure,
	.open = p_open,
	.start = p_start,
	.on_event = p_event,
	.on_snapshot = p_snapshot,
	.flush = p_flush,
	.destroy = p_destroy,
};
