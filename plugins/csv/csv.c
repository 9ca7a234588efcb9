/*
 * csv: connection and interval logs for scripts and capacity planning.
 *
 * mode = connections: one row when a connection leaves the table (and for
 *   every connection still open at exit).
 * mode = intervals: every `interval` (aligned on the capture clock), one row
 *   per connection active in it with that interval's counts; group_by sums
 *   the rows per server, server address, server port or client.  Each row
 *   also says how many connections it covers (active), how many of them
 *   opened in the interval, the interval's real length (the first one starts
 *   at the first packet) and the packets the capture lost in it.
 * Summed over a run, the rows of a connection equal its totals.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "map.h"
#include "parse.h"
#include "tcptrack/plugin.h"
#include "wfile.h"

enum mode { MODE_CONNECTIONS, MODE_INTERVALS };
enum group { G_CONNECTION, G_SERVER, G_SERVER_ADDR, G_SERVER_PORT, G_CLIENT };

static const char *const group_names[] = {"connection", "server", "server_addr", "server_port", "client"};

/* a connection's counters at the end of the last interval it was logged in */
struct base {
	struct tt_counts c2s, s2c;
	uint64_t retrans[2];
};

/* The health figures of an interval row: of one connection, or summed over
 * a group (the round trip as mean and max of its connections' smoothed
 * rtt_us, over those that have one). */
struct hsum {
	uint64_t retrans[2]; /* c2s, s2c segments in the interval */
	int64_t rtt_sum;
	uint64_t rtt_n;
	int64_t rtt_max;
};

struct gkey {
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t addr[16];
};

struct gsum {
	struct gkey key;       /* the map's key, for the row */
	uint64_t active;       /* connections with traffic in the interval */
	uint64_t opened;       /* of them, first seen in it */
	struct tt_counts c2s, s2c;
	struct hsum h;
};

struct csv {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	enum mode mode;
	enum group group;
	char *file;
	int64_t interval_us;
	int64_t flush_us;
	int timed_name;        /* file has strftime patterns */
	int append;            /* keep what an existing file holds */
	int opened_once;       /* later opens (reopen, new names) always append */
	int health;            /* the core measures TCP health (ABI 1.1) */
	int64_t name_second;   /* capture second the current name was made for */
	char cur_name[4096];
	struct wfile w;
	struct map bases;      /* intervals: id -> struct base */
	struct map groups;     /* intervals with group_by: gkey -> gsum; unseeded,
	                        * so that an interval's rows come in the same
	                        * order in every run */
	int64_t open_interval; /* start of the interval being filled */
	uint64_t drops_base[2]; /* kernel and interface drops when it began */
	uint64_t reported_lost;
	const char *state_names[TT_NSTATES];
	size_t state_len[TT_NSTATES];
};

static const char *const keys[] = {"mode", "file", "interval", "group_by", "flush", "append", NULL};

static const char conn_header[] =
	"first_seen,last_seen,client,client_port,server,server_port,state,"
	"c2s_packets,c2s_bytes,c2s_payload,s2c_packets,s2c_bytes,s2c_payload,end,"
	"handshake_us,rtt_us,rtt_client_us,rtt_server_us,rtt_min_us,"
	"c2s_retrans,c2s_retrans_bytes,s2c_retrans,s2c_retrans_bytes\n";
static const char int_header[] =
	"interval_start,interval_s,client,client_port,server,server_port,state,"
	"c2s_packets,c2s_bytes,c2s_payload,s2c_packets,s2c_bytes,s2c_payload,active,opened,"
	"c2s_retrans,s2c_retrans,rtt_us,rtt_max_us,kernel_drops,if_drops\n";

static int csv_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct csv *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->host = host;
	c->ctx = ctx;
	for (unsigned i = 0; i < TT_NSTATES; i++) {
		c->state_names[i] = host->state_name(i);
		c->state_len[i] = strlen(c->state_names[i]);
	}
	c->interval_us = 60000000;
	c->flush_us = 1000000;
	map_init(&c->bases, 0, sizeof(struct base), 0);
	map_init(&c->groups, sizeof(struct gkey), sizeof(struct gsum), 0);
	c->file = strdup("-");
	if (!c->file || wfile_init(&c->w, 256 * 1024) < 0) {
		free(c->file);
		free(c);
		return -ENOMEM;
	}
	*state = c;
	return 0;
}

static int csv_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct csv *c = state;
	if (!strcmp(key, "mode")) {
		if (!strcmp(value, "connections"))
			c->mode = MODE_CONNECTIONS;
		else if (!strcmp(value, "intervals"))
			c->mode = MODE_INTERVALS;
		else {
			snprintf(err, errlen, "'%s': use connections or intervals", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "file")) {
		if (!*value) {
			snprintf(err, errlen, "empty (use a path, or - for stdout)");
			return -EINVAL;
		}
		free(c->file);
		c->file = strdup(value);
		if (!c->file)
			return -ENOMEM;
	} else if (!strcmp(key, "interval") || !strcmp(key, "flush")) {
		int64_t us;
		const char *why;
		if (parse_duration(value, &us, &why) < 0 || us < 1000) {
			snprintf(err, errlen, "'%s': not a duration of 1ms or more (e.g. 60s, 5m)", value);
			return -EINVAL;
		}
		*(!strcmp(key, "interval") ? &c->interval_us : &c->flush_us) = us;
	} else if (!strcmp(key, "append")) {
		const char *why;
		if (parse_bool(value, &c->append, &why) < 0) {
			snprintf(err, errlen, "'%s': use yes or no", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "group_by")) {
		size_t i;
		for (i = 0; i < sizeof group_names / sizeof group_names[0]; i++)
			if (!strcmp(value, group_names[i]))
				break;
		if (i == sizeof group_names / sizeof group_names[0]) {
			snprintf(err, errlen, "'%s': use connection, server, server_addr, server_port or client", value);
			return -EINVAL;
		}
		c->group = (enum group)i;
	}
	return 0;
}

static int csv_check(void *state, char *err, size_t errlen)
{
	struct csv *c = state;
	if (c->group != G_CONNECTION && c->mode != MODE_INTERVALS) {
		snprintf(err, errlen, "group_by needs mode = intervals");
		return -EINVAL;
	}
	c->timed_name = strchr(c->file, '%') != NULL;
	return 0;
}

static void write_header(struct csv *c)
{
	const char *h = c->mode == MODE_CONNECTIONS ? conn_header : int_header;
	size_t n = strlen(h);
	char *p = wfile_reserve(&c->w, n);
	if (p) {
		memcpy(p, h, n);
		c->w.len += n; /* not a row */
	}
}

static int open_file(struct csv *c, const char *name)
{
	int fresh = 0;
	if (c->w.len)
		wfile_flush(&c->w);
	int r = wfile_open(&c->w, name, !c->append && !c->opened_once, &fresh);
	c->opened_once = 1;
	if (r < 0)
		return r;
	if (fresh)
		write_header(c);
	return 0;
}

/* With strftime patterns, the name follows the capture clock (local time). */
static void follow_name(struct csv *c, int64_t now_us)
{
	if (!c->timed_name)
		return;
	int64_t sec = now_us / 1000000;
	if (sec == c->name_second && c->w.fd >= 0)
		return;
	c->name_second = sec;
	time_t t = (time_t)sec;
	struct tm tm;
	char name[4096];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* the pattern is the user's file name, as in logrotate's dateformat */
	if (!localtime_r(&t, &tm) || strftime(name, sizeof name, c->file, &tm) == 0)
#pragma GCC diagnostic pop
		return;
	if (c->w.fd >= 0 && !strcmp(name, c->cur_name))
		return;
	snprintf(c->cur_name, sizeof c->cur_name, "%s", name);
	int r = open_file(c, name);
	if (r < 0)
		c->host->log(c->ctx, TT_LOG_ERR, "open %s: %s", name, strerror(-r));
}

static int csv_open(void *state, char *err, size_t errlen)
{
	struct csv *c = state;
	if (c->timed_name)
		return 0; /* named by the capture clock, opened at the first row */
	int r = open_file(c, c->file);
	if (r < 0) {
		snprintf(err, errlen, "open %s: %s", c->file, strerror(-r));
		return r;
	}
	return 0;
}

static int csv_start(void *state)
{
	struct csv *c = state;
	const struct tt_settings *st = c->host->settings(c->ctx);
	c->health = TT_HAS(tt_settings, st, tcp_health) && st->tcp_health;
	if (c->mode == MODE_INTERVALS)
		return c->host->set_interval(c->ctx, c->interval_us, TT_INTERVAL_ALIGNED);
	return c->host->set_interval(c->ctx, c->flush_us, 0);
}

/* Flush, and say so once when rows were lost to a failing disk. */
static int do_flush(struct csv *c)
{
	int r = wfile_flush(&c->w);
	if (r < 0 && c->w.rows_lost > c->reported_lost) {
		if (!c->reported_lost)
			c->host->log(c->ctx, TT_LOG_ERR, "write %s: %s: rows are being lost (%llu so far); "
			             "tracking goes on", c->cur_name[0] ? c->cur_name : c->file, strerror(-r),
			             (unsigned long long)c->w.rows_lost);
		c->reported_lost = c->w.rows_lost;
	} else if (r == 0 && c->reported_lost && !c->w.failing) {
		c->host->log(c->ctx, TT_LOG_WARN, "write %s: writing again; %llu rows were lost",
		             c->cur_name[0] ? c->cur_name : c->file, (unsigned long long)c->w.rows_lost);
		c->reported_lost = 0;
	}
	/* the loss is not an error of the call: tracking must go on */
	return 0;
}

/* the columns shared by both modes, from client to the s2c counts */
static size_t put_conn_fields(struct csv *c, char *p, const struct tt_conn *v,
                              const struct tt_counts *c2s, const struct tt_counts *s2c)
{
	size_t n = 0;
	n += fmt_addr(p + n, v->family, v->client);
	p[n++] = ',';
	n += fmt_u64(p + n, v->client_port);
	p[n++] = ',';
	n += fmt_addr(p + n, v->family, v->server);
	p[n++] = ',';
	n += fmt_u64(p + n, v->server_port);
	p[n++] = ',';
	const char *st = v->state < TT_NSTATES ? c->state_names[v->state] : "?";
	size_t sl = v->state < TT_NSTATES ? c->state_len[v->state] : 1;
	memcpy(p + n, st, sl);
	n += sl;
	const uint64_t nums[6] = {c2s->packets, c2s->bytes, c2s->payload, s2c->packets, s2c->bytes, s2c->payload};
	for (int i = 0; i < 6; i++) {
		p[n++] = ',';
		n += fmt_u64(p + n, nums[i]);
	}
	return n;
}

#define ROW_MAX 768

/* Whether view v carries the health fields (a core of ABI 1.1 or later). */
static int has_health(const struct csv *c, const struct tt_conn *v)
{
	return c->health && TT_HAS(tt_conn, v, s2c_retrans_bytes);
}

/* ",N" for each of the nt values; only "," for a -1 (no value) */
static size_t put_opt(char *p, const int64_t *t, size_t nt)
{
	size_t n = 0;
	for (size_t i = 0; i < nt; i++) {
		p[n++] = ',';
		if (t[i] >= 0)
			n += fmt_u64(p + n, (uint64_t)t[i]);
	}
	return n;
}

static void conn_row(struct csv *c, const struct tt_conn *v, uint32_t reason)
{
	char *p = wfile_reserve(&c->w, ROW_MAX);
	if (!p)
		return;
	size_t n = fmt_time_us(p, v->first_seen_us);
	p[n++] = ',';
	n += fmt_time_us(p + n, v->last_seen_us);
	p[n++] = ',';
	n += put_conn_fields(c, p + n, v, &v->c2s, &v->s2c);
	p[n++] = ',';
	const char *r = c->host->reason_name(reason);
	size_t rl = strlen(r);
	memcpy(p + n, r, rl);
	n += rl;
	int64_t h[9] = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
	if (has_health(c, v)) {
		const int64_t m[9] = {v->handshake_us, v->rtt_us, v->rtt_client_us, v->rtt_server_us,
		                      v->rtt_min_us, (int64_t)v->c2s_retrans, (int64_t)v->c2s_retrans_bytes,
		                      (int64_t)v->s2c_retrans, (int64_t)v->s2c_retrans_bytes};
		memcpy(h, m, sizeof h);
	}
	n += put_opt(p + n, h, 9);
	p[n++] = '\n';
	wfile_commit(&c->w, n);
}

/* What the rows of one interval share: when it starts and how long it is
 * (the first interval starts at the first packet: its length is what the
 * capture covered of it), and the packets the capture lost in it. */
struct span {
	int64_t start, len;
	uint64_t drops[2];
};

/* The span of the interval aligned at a, with the statistics st (NULL: none). */
static struct span span_of(const struct csv *c, int64_t a, const struct tt_stats *st)
{
	struct span sp = {a, c->interval_us, {0, 0}};
	if (!st)
		return sp;
	if (TT_HAS(tt_stats, st, start_us) && st->start_us > a && st->start_us < a + c->interval_us) {
		sp.start = st->start_us;
		sp.len = a + c->interval_us - st->start_us;
	}
	sp.drops[0] = st->kernel_drops - c->drops_base[0];
	sp.drops[1] = st->if_drops - c->drops_base[1];
	return sp;
}

/* A row of an interval: of one connection (v), or of a rollup group (g). */
static void interval_row(struct csv *c, const struct span *sp, const struct tt_conn *v, const struct gsum *g,
                         const struct tt_counts *c2s, const struct tt_counts *s2c, const struct hsum *hs)
{
	char *p = wfile_reserve(&c->w, ROW_MAX);
	if (!p)
		return;
	size_t n = fmt_time_us(p, sp->start);
	p[n++] = ',';
	if (sp->len % 1000000 == 0)
		n += fmt_u64(p + n, (uint64_t)(sp->len / 1000000));
	else
		n += fmt_time_us(p + n, sp->len);
	p[n++] = ',';
	if (v) {
		n += put_conn_fields(c, p + n, v, c2s, s2c);
	} else {
		/* a rollup: only the fields of its key, and no state */
		char a[64] = "";
		if (c->group != G_SERVER_PORT)
			fmt_addr(a, g->key.family, g->key.addr);
		int k;
		if (c->group == G_CLIENT)
			k = snprintf(p + n, ROW_MAX - n, "%s,,,,", a);
		else if (c->group == G_SERVER_ADDR)
			k = snprintf(p + n, ROW_MAX - n, ",,%s,,", a);
		else if (c->group == G_SERVER_PORT)
			k = snprintf(p + n, ROW_MAX - n, ",,,%u,", g->key.port);
		else
			k = snprintf(p + n, ROW_MAX - n, ",,%s,%u,", a, g->key.port);
		n += k > 0 ? (size_t)k : 0;
		const uint64_t nums[6] = {c2s->packets, c2s->bytes, c2s->payload,
		                          s2c->packets, s2c->bytes, s2c->payload};
		for (int i = 0; i < 6; i++) {
			p[n++] = ',';
			n += fmt_u64(p + n, nums[i]);
		}
	}
	p[n++] = ',';
	n += fmt_u64(p + n, g ? g->active : 1);
	p[n++] = ',';
	n += fmt_u64(p + n, g ? g->opened : v->first_seen_us >= sp->start);
	int64_t h[4] = {-1, -1, -1, -1};
	if (c->health) {
		h[0] = (int64_t)hs->retrans[0];
		h[1] = (int64_t)hs->retrans[1];
		if (hs->rtt_n) {
			h[2] = (hs->rtt_sum + (int64_t)hs->rtt_n / 2) / (int64_t)hs->rtt_n;
			h[3] = hs->rtt_max;
		}
	}
	n += put_opt(p + n, h, 4);
	for (int i = 0; i < 2; i++) {
		p[n++] = ',';
		n += fmt_u64(p + n, sp->drops[i]);
	}
	p[n++] = '\n';
	wfile_commit(&c->w, n);
}

/* ---- rollups ---- */

static void add_counts(struct tt_counts *a, const struct tt_counts *b)
{
	a->packets += b->packets;
	a->bytes += b->bytes;
	a->payload += b->payload;
}

/* One connection's share of an interval: a row, or into its group. */
static void account(struct csv *c, const struct span *sp, const struct tt_conn *v,
                    const struct tt_counts *c2s, const struct tt_counts *s2c, const uint64_t retrans[2])
{
	struct hsum hs = {{retrans[0], retrans[1]}, 0, 0, -1};
	if (has_health(c, v) && v->rtt_us >= 0)
		hs.rtt_sum = hs.rtt_max = v->rtt_us, hs.rtt_n = 1;
	if (c->group == G_CONNECTION) {
		interval_row(c, sp, v, NULL, c2s, s2c, &hs);
		return;
	}
	struct gkey k;
	memset(&k, 0, sizeof k);
	k.family = v->family;
	switch (c->group) {
	case G_CLIENT: memcpy(k.addr, v->client, 16); break;
	case G_SERVER: memcpy(k.addr, v->server, 16); k.port = v->server_port; break;
	case G_SERVER_ADDR: memcpy(k.addr, v->server, 16); break;
	case G_SERVER_PORT: k.family = 0; k.port = v->server_port; break;
	default: break;
	}
	int added;
	struct gsum *g = map_put(&c->groups, &k, &added);
	if (!g)
		return;
	if (added)
		g->key = k;
	g->active++;
	g->opened += v->first_seen_us >= sp->start;
	add_counts(&g->c2s, c2s);
	add_counts(&g->s2c, s2c);
	g->h.retrans[0] += hs.retrans[0];
	g->h.retrans[1] += hs.retrans[1];
	g->h.rtt_sum += hs.rtt_sum;
	g->h.rtt_n += hs.rtt_n;
	if (hs.rtt_n && (!g->h.rtt_n || hs.rtt_max > g->h.rtt_max))
		g->h.rtt_max = hs.rtt_max;
}

static void emit_groups(struct csv *c, const struct span *sp)
{
	for (struct gsum *g = map_next(&c->groups, NULL); g; g = map_next(&c->groups, g))
		interval_row(c, sp, NULL, g, &g->c2s, &g->s2c, &g->h);
	map_clear(&c->groups);
}

/* The counts of v since it was last logged (retransmissions into re); 0
 * when there are none. */
static int delta(const struct csv *c, const struct tt_conn *v, const struct base *b,
                 struct tt_counts *c2s, struct tt_counts *s2c, uint64_t re[2])
{
	re[0] = re[1] = 0;
	if (has_health(c, v)) {
		re[0] = v->c2s_retrans - (b ? b->retrans[0] : 0);
		re[1] = v->s2c_retrans - (b ? b->retrans[1] : 0);
	}
	c2s->packets = v->c2s.packets - (b ? b->c2s.packets : 0);
	c2s->bytes = v->c2s.bytes - (b ? b->c2s.bytes : 0);
	c2s->payload = v->c2s.payload - (b ? b->c2s.payload : 0);
	s2c->packets = v->s2c.packets - (b ? b->s2c.packets : 0);
	s2c->bytes = v->s2c.bytes - (b ? b->s2c.bytes : 0);
	s2c->payload = v->s2c.payload - (b ? b->s2c.payload : 0);
	return c2s->packets || s2c->packets;
}

struct walk {
	struct csv *c;
	struct span sp;
	int64_t since;
};

static int interval_one(void *arg, const struct tt_conn *v)
{
	struct walk *w = arg;
	if (v->last_seen_us < w->since)
		return 0; /* nothing new since the last interval */
	struct base *b = map_get_id(&w->c->bases, v->id);
	struct tt_counts c2s, s2c;
	uint64_t re[2];
	if (!delta(w->c, v, b, &c2s, &s2c, re))
		return 0;
	account(w->c, &w->sp, v, &c2s, &s2c, re);
	if (!b)
		b = map_put_id(&w->c->bases, v->id);
	if (b) {
		b->c2s = v->c2s;
		b->s2c = v->s2c;
		b->retrans[0] += re[0];
		b->retrans[1] += re[1];
	}
	return 0;
}

/* The span of the interval open at now (the one a row written now goes to),
 * its drops so far. */
static struct span open_span(const struct csv *c, int64_t now)
{
	int64_t start = now / c->interval_us * c->interval_us;
	if (c->open_interval && start < c->open_interval)
		start = c->open_interval;
	return span_of(c, start, c->host->stats(c->ctx));
}

static int csv_on_snapshot(void *state, const struct tt_snapshot *s)
{
	struct csv *c = state;
	if (s->flags)
		return 0; /* only the periodic ones */
	follow_name(c, s->time_us - 1);
	if (c->mode == MODE_INTERVALS) {
		/* the interval [time - interval, time) has ended */
		int64_t a = s->time_us - c->interval_us;
		struct walk w = {c, span_of(c, a, s->stats), s->prev_us};
		if (TT_HAS(tt_snapshot, s, if_drops)) {
			w.sp.drops[0] = s->kernel_drops;
			w.sp.drops[1] = s->if_drops;
		}
		if (w.since > a)
			w.since = a;
		s->foreach(s, interval_one, &w);
		emit_groups(c, &w.sp);
		c->open_interval = s->time_us;
		if (s->stats) {
			c->drops_base[0] = s->stats->kernel_drops;
			c->drops_base[1] = s->stats->if_drops;
		}
	}
	return do_flush(c);
}

static int csv_on_event(void *state, const struct tt_event *ev)
{
	struct csv *c = state;
	if (ev->type != TT_EV_REMOVED)
		return 0;
	follow_name(c, ev->time_us);
	const struct tt_conn *v = ev->conn;
	if (c->mode == MODE_CONNECTIONS) {
		conn_row(c, v, ev->reason);
		return 0;
	}
	struct base *b = map_get_id(&c->bases, v->id);
	struct tt_counts c2s, s2c;
	uint64_t re[2];
	if (delta(c, v, b, &c2s, &s2c, re)) {
		struct span sp = open_span(c, ev->time_us);
		account(c, &sp, v, &c2s, &s2c, re);
	}
	if (b)
		map_del_id(&c->bases, v->id);
	return 0;
}

static int csv_flush(void *state)
{
	struct csv *c = state;
	if (c->mode == MODE_INTERVALS && c->groups.count) {
		struct span sp = open_span(c, c->host->now(c->ctx));
		emit_groups(c, &sp);
	}
	return do_flush(c);
}

static int csv_reopen(void *state)
{
	struct csv *c = state;
	do_flush(c);
	if (c->timed_name) {
		wfile_close(&c->w);
		c->name_second = 0;
		return 0;
	}
	if (!strcmp(c->file, "-"))
		return 0;
	int r = open_file(c, c->file);
	if (r < 0)
		c->host->log(c->ctx, TT_LOG_ERR, "reopen %s: %s", c->file, strerror(-r));
	return r;
}

static void csv_stop(void *state)
{
	struct csv *c = state;
	do_flush(c);
	if (c->w.rows_lost)
		c->host->log(c->ctx, TT_LOG_ERR, "%llu rows could not be written to %s",
		             (unsigned long long)c->w.rows_lost, c->cur_name[0] ? c->cur_name : c->file);
	wfile_close(&c->w);
}

static void csv_destroy(void *state)
{
	struct csv *c = state;
	wfile_free(&c->w);
	map_free(&c->bases);
	map_free(&c->groups);
	free(c->file);
	free(c);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_NO_RATES,
	.events = TT_EV_REMOVED,
	.name = "csv",
	.description = "CSV connection log or interval log for capacity planning",
	.keys = keys,
	.create = csv_create,
	.configure = csv_configure,
	.check = csv_check,
	.open = csv_open,
	.start = csv_start,
	.on_event = csv_on_event,
	.on_snapshot = csv_on_snapshot,
	.reopen = csv_reopen,
	.flush = csv_flush,
	.stop = csv_stop,
	.destroy = csv_destroy,
};
