/*
 * prometheus: the figures of tcptrack for a Prometheus server to scrape, at
 * GET /metrics of `listen` (default 127.0.0.1:29901).
 *
 * Aggregates only: totals, by direction, state and reason, and per server
 * for the servers selected by server_ports and server_prefixes, at most
 * max_servers series (the rest in one overflow series).  Never a series per
 * connection.  Counters never go down while tcptrack runs (acct.c tells
 * how); a new run starts them from zero, as Prometheus expects of a
 * restarted target.
 *
 * The HTTP side runs on a thread of its own (http.c); the loop only
 * collects the figures when a scrape asks for them, and at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mono.h"
#include "parse.h"
#include "prom.h"

#define DEFAULT_PORT 29901
#define WAIT_US 250000 /* how long a scrape waits for the loop's figures */

struct prom {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	struct pm_http_conf conf;
	int allow_remote;
	int64_t linger_us;
	uint64_t max_servers;
	char *tls_cert, *tls_key, *users;
	struct filter sel;
	struct pm_acct acct;
	struct pm_http *http;
	int64_t collect_max_us;
	int watching;
};

static const char *const keys[] = {
	"listen", "allow_remote", "server_ports", "server_prefixes", "max_servers",
	"tls_cert", "tls_key", "auth_users", "linger", NULL,
};

static int prom_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct prom *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->host = host;
	p->ctx = ctx;
	p->conf.family = 4;
	p->conf.addr[0] = 127;
	p->conf.addr[3] = 1;
	p->conf.port = DEFAULT_PORT;
	p->conf.wait_us = WAIT_US;
	p->max_servers = 100;
	for (unsigned i = 0; i < TT_NSTATES; i++)
		p->conf.names.state[i] = host->state_name(i);
	for (unsigned i = 0; i < PM_NREASONS; i++)
		p->conf.names.reason[i] = TT_HOST_HAS(host, reason_name) ? host->reason_name(i) : "";
	/* before ABI 1.1 the core gave no names of reasons: these are its texts */
	static const char *const reasons[PM_NREASONS] = {
		"", "closed", "syn_timeout", "fin_timeout", "idle", "evicted", "reused", "exit",
	};
	for (unsigned i = 1; i < PM_NREASONS; i++)
		if (!*p->conf.names.reason[i])
			p->conf.names.reason[i] = reasons[i];
	*state = p;
	return 0;
}

/* ADDRESS:PORT, [IPv6]:PORT */
static int parse_listen(struct pm_http_conf *c, const char *v, char *err, size_t errlen)
{
	char host[64];
	long port;
	const char *why = "no port";
	int split = parse_hostport(v, strlen(v), host, sizeof host, &port, &why);
	if (split < 0 || port < 0) {
		if (!split && v[0] != '[' && strchr(host, ':'))
			why = "no port (an IPv6 address with a port goes in brackets)";
		snprintf(err, errlen, "'%s': %s; use ADDRESS:PORT (e.g. 127.0.0.1:%d, [::1]:%d)", v, why,
		         DEFAULT_PORT, DEFAULT_PORT);
		return -EINVAL;
	}
	memset(c->addr, 0, sizeof c->addr);
	if (inet_pton(AF_INET, host, c->addr) == 1)
		c->family = 4;
	else if (inet_pton(AF_INET6, host, c->addr) == 1)
		c->family = 6;
	else {
		snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address (no host names)", host);
		return -EINVAL;
	}
	c->port = (uint16_t)port;
	return 0;
}

/* a path; empty: none */
static int set_string(char **dst, const char *v, char *err, size_t errlen)
{
	free(*dst);
	*dst = NULL;
	if (*v && !(*dst = strdup(v))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int prom_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct prom *p = state;
	const char *why = NULL;
	if (!strcmp(key, "listen"))
		return parse_listen(&p->conf, value, err, errlen);
	if (!strcmp(key, "allow_remote")) {
		if (parse_bool(value, &p->allow_remote, &why) < 0)
			goto bad;
	} else if (!strcmp(key, "server_ports")) {
		p->sel.nports = 0; /* empty: no selection by port */
		return *value ? filter_set_ports(&p->sel, value, err, errlen) : 0;
	} else if (!strcmp(key, "server_prefixes")) {
		p->sel.nservers = 0;
		return *value ? filter_set_servers(&p->sel, value, err, errlen) : 0;
	} else if (!strcmp(key, "max_servers")) {
		if (parse_size(value, &p->max_servers, &why) < 0)
			goto bad;
		if (p->max_servers > 100000) {
			why = "at most 100000";
			goto bad;
		}
	} else if (!strcmp(key, "tls_cert"))
		return set_string(&p->tls_cert, value, err, errlen);
	else if (!strcmp(key, "tls_key"))
		return set_string(&p->tls_key, value, err, errlen);
	else if (!strcmp(key, "auth_users"))
		return set_string(&p->users, value, err, errlen);
	else if (!strcmp(key, "linger")) {
		if (parse_duration(value, &p->linger_us, &why) < 0)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%s': %s", value, why);
	return -EINVAL;
}

static int loopback(const struct pm_http_conf *c)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	return c->family == 4 ? c->addr[0] == 127 : !memcmp(c->addr, v6lo, 16);
}

static int prom_check(void *state, char *err, size_t errlen)
{
	struct prom *p = state;
	if (!loopback(&p->conf) && !p->allow_remote) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(p->conf.family == 6 ? AF_INET6 : AF_INET, p->conf.addr, a, sizeof a);
		snprintf(err, errlen, "listen on %s is beyond the loopback: say so with allow_remote = yes "
		         "(and think of tls_cert and auth_users)", a);
		return -EINVAL;
	}
	if (!p->tls_cert != !p->tls_key) {
		snprintf(err, errlen, "tls_cert and tls_key go together");
		return -EINVAL;
	}
	p->conf.tls_cert = p->tls_cert;
	p->conf.tls_key = p->tls_key;
	p->conf.users = p->users;
	/* the files are read again at open; a file missing, a certificate the
	 * server would not take or a line that is not a user is a mistake of
	 * the configuration, which --check-config must find too */
	int r = pm_http_check(&p->conf, err, errlen);
	if (r < 0)
		return r;
	if (pm_acct_init(&p->acct, &p->sel, (size_t)p->max_servers) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->conf.cap = p->acct.figs.cap;
	return 0;
}

static int prom_open(void *state, char *err, size_t errlen)
{
	struct prom *p = state;
	return pm_http_open(&p->http, &p->conf, err, errlen);
}

static int prom_start(void *state)
{
	struct prom *p = state;
	char err[256];
	if (pm_http_start(p->http, err, sizeof err) < 0) {
		p->host->log(p->ctx, TT_LOG_ERR, "%s", err);
		return -EIO;
	}
	int r = p->host->watch_fd(p->ctx, pm_http_fd(p->http), POLLIN);
	if (r < 0) {
		pm_http_close(p->http);
		p->http = NULL;
		return r;
	}
	p->watching = 1;
	/* said once the server answers: the address is what a scraper may use */
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->conf.family == 6 ? AF_INET6 : AF_INET, p->conf.addr, a, sizeof a);
	p->host->log(p->ctx, TT_LOG_INFO, "serving %s://%s%s%s:%d/metrics", p->tls_cert ? "https" : "http",
	             p->conf.family == 6 ? "[" : "", a, p->conf.family == 6 ? "]" : "",
	             pm_http_port(p->http));
	return 0;
}

static int prom_on_event(void *state, const struct tt_event *ev)
{
	struct prom *p = state;
	pm_acct_event(&p->acct, ev);
	return 0;
}

static int collect_one(void *arg, const struct tt_conn *c)
{
	pm_acct_conn(arg, c);
	return 0;
}

/* The connections by state are those shown, as the core counts them
 * (ABI 1.2): a walk also meets the tuples the table only holds ([core]
 * time_wait), which it must for their traffic, and which the core counts
 * apart.  0 when the core does not count them. */
static int shown_states(struct pm_figs *f, const struct tt_stats *st)
{
	if (!st || !TT_HAS(tt_stats, st, held))
		return 0;
	memset(f->states, 0, sizeof f->states);
	for (int s = 0; s < TT_NSTATES; s++)
		f->states[s] = st->in_state[s];
	return 1;
}

/* Without per-server series every figure is a total that the core keeps
 * (ABI 1.2): a collection walks nothing, whatever the table holds.  The
 * same sums as the walk's: traffic counted since start is that of the
 * connections gone and of those in the table. */
static int from_stats(struct pm_acct *a, const struct tt_stats *st)
{
	if (a->sel || !st || !TT_HAS(tt_stats, st, held))
		return 0;
	pm_acct_begin(a);
	struct pm_figs *f = &a->figs;
	const struct tt_counts *k[2] = {&st->c2s, &st->s2c};
	const uint64_t re[2] = {st->c2s_retrans, st->s2c_retrans};
	const uint64_t rb[2] = {st->c2s_retrans_bytes, st->s2c_retrans_bytes};
	for (int i = 0; i < 2; i++) {
		struct pm_dir d = {k[i]->packets, k[i]->bytes, k[i]->payload, re[i], rb[i]};
		f->traffic.d[i] = d;
	}
	return shown_states(f, st);
}

static int prom_on_snapshot(void *state, const struct tt_snapshot *snap)
{
	struct prom *p = state;
	int64_t t0 = mono_now_us();
	if (!from_stats(&p->acct, snap->stats)) {
		pm_acct_begin(&p->acct);
		snap->foreach(snap, collect_one, &p->acct);
		shown_states(&p->acct.figs, snap->stats);
	}
	pm_acct_end(&p->acct, snap->stats);
	struct pm_figs *f = &p->acct.figs;
	f->final = !!(snap->flags & TT_SNAP_FINAL);
	int64_t dt = mono_now_us() - t0;
	if (dt > p->collect_max_us)
		p->collect_max_us = dt;
	f->collect_us = dt;
	f->collect_max_us = p->collect_max_us;
	pm_http_publish(p->http, f);
	return 0;
}

static int prom_on_fd(void *state, int fd, short revents)
{
	struct prom *p = state;
	(void)fd;
	(void)revents;
	if (pm_http_asked(p->http))
		p->host->snapshot(p->ctx);
	return 0;
}

static void prom_stop(void *state)
{
	struct prom *p = state;
	if (!p->http)
		return;
	pm_http_linger(p->http, p->linger_us);
	if (p->watching)
		p->host->watch_fd(p->ctx, pm_http_fd(p->http), 0);
	pm_http_close(p->http);
	p->http = NULL;
}

static void prom_destroy(void *state)
{
	struct prom *p = state;
	pm_http_close(p->http);
	pm_acct_free(&p->acct);
	free(p->tls_cert);
	free(p->tls_key);
	free(p->users);
	free(p);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_NO_RATES,
	.events = TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED,
	.name = "prometheus",
	.description = "Prometheus metrics at GET /metrics (aggregates, never a series per connection)",
	.keys = keys,
	.create = prom_create,
	.configure = prom_configure,
	.check = prom_check,
	.open = prom_open,
	.start = prom_start,
	.on_event = prom_on_event,
	.on_snapshot = prom_on_snapshot,
	.on_fd = prom_on_fd,
	.stop = prom_stop,
	.destroy = prom_destroy,
};
