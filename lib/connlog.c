/*
 * connlog: the rows of the connection and interval logs and their file
 * (see connlog.h).
 */
#include "connlog.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "parse.h"

const char *const connlog_conn_cols[CONNLOG_CONN_NCOLS + 1] = {
	"first_seen", "last_seen", "client", "client_port", "server", "server_port", "state",
	"c2s_packets", "c2s_bytes", "c2s_payload", "s2c_packets", "s2c_bytes", "s2c_payload", "end",
	"handshake_us", "rtt_us", "rtt_client_us", "rtt_server_us", "rtt_min_us",
	"c2s_retrans", "c2s_retrans_bytes", "s2c_retrans", "s2c_retrans_bytes", NULL,
};
const char *const connlog_int_cols[CONNLOG_INT_NCOLS + 1] = {
	"interval_start", "interval_s", "client", "client_port", "server", "server_port", "state",
	"c2s_packets", "c2s_bytes", "c2s_payload", "s2c_packets", "s2c_bytes", "s2c_payload", "active", "opened",
	"c2s_retrans", "s2c_retrans", "rtt_us", "rtt_max_us", "kernel_drops", "if_drops", NULL,
};

static const char *const extra_names[CONNLOG_X_N] = {"client_name", "server_name", "pid", "process", "user"};

/* each log's column names: the fixed ones, then the optional ones */
static void make_cols(struct connlog *l)
{
	size_t n = 0;
	for (; connlog_conn_cols[n]; n++)
		l->conn_cols[n] = connlog_conn_cols[n];
	for (int i = 0; i < l->nextra; i++)
		l->conn_cols[n++] = extra_names[l->extra[i]];
	l->conn_cols[n] = NULL;
	n = 0;
	for (; connlog_int_cols[n]; n++)
		l->int_cols[n] = connlog_int_cols[n];
	for (int i = 0; i < l->nextra; i++)
		l->int_cols[n++] = extra_names[l->extra[i]];
	l->int_cols[n] = NULL;
}

/* columns = NAME[ NAME...]: separated by blanks, commas or '+' (an -o
 * option's value cannot hold a comma) */
static int set_columns(struct connlog *l, const char *value, char *err, size_t errlen)
{
	if (!TT_HOST_HAS(l->host, process_of)) {
		snprintf(err, errlen, "this tcptrack has no names or processes for plugins (ABI 1.2)");
		return -EINVAL;
	}
	l->nextra = 0;
	const char *p = value;
	while (*p) {
		size_t n = strcspn(p, " \t,+");
		if (n) {
			int k;
			for (k = 0; k < CONNLOG_X_N; k++)
				if (strlen(extra_names[k]) == n && !strncmp(p, extra_names[k], n))
					break;
			if (k == CONNLOG_X_N) {
				snprintf(err, errlen, "'%.*s': use client_name, server_name, pid, process or user",
				         (int)n, p);
				return -EINVAL;
			}
			for (int i = 0; i < l->nextra; i++)
				if (l->extra[i] == k) {
					snprintf(err, errlen, "'%s' given twice", extra_names[k]);
					return -EINVAL;
				}
			if (l->nextra == CONNLOG_MAX_EXTRA) {
				snprintf(err, errlen, "at most %d columns", CONNLOG_MAX_EXTRA);
				return -EINVAL;
			}
			l->extra[l->nextra++] = (uint8_t)k;
		}
		p += n;
		if (*p)
			p++;
	}
	make_cols(l);
	return 0;
}

/* The optional cells of a row from r->n on (v NULL: a rollup, empty). */
static void extra_cells(const struct connlog *l, struct connlog_row *r, const struct tt_conn *v)
{
	struct tt_process pr = {.size = sizeof pr};
	int have_pr = -1;
	for (int i = 0; i < l->nextra; i++) {
		struct connlog_cell *c = &r->cell[r->n++];
		char *t = r->text[i];
		c->kind = CONNLOG_NONE;
		if (!v)
			continue;
		enum connlog_extra x = (enum connlog_extra)l->extra[i];
		size_t len = 0;
		if (x == CONNLOG_X_CLIENT_NAME || x == CONNLOG_X_SERVER_NAME) {
			len = l->host->name_of(l->ctx, v->family, x == CONNLOG_X_CLIENT_NAME ? v->client : v->server,
			                       t, sizeof r->text[i]);
		} else {
			if (have_pr < 0)
				have_pr = l->host->process_of(l->ctx, v, &pr);
			if (!have_pr)
				continue;
			if (x == CONNLOG_X_PID) {
				if (!pr.pid)
					continue; /* only the owner is known */
				c->kind = CONNLOG_U64;
				c->v.u = (uint64_t)pr.pid;
				continue;
			}
			len = (size_t)snprintf(t, sizeof r->text[i], "%s", x == CONNLOG_X_PROCESS ? pr.comm : pr.user);
		}
		if (len >= sizeof r->text[i])
			len = sizeof r->text[i] - 1;
		if (len) {
			c->kind = CONNLOG_TEXT;
			c->v.s = t;
			c->len = (uint16_t)len;
		}
	}
}

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

/* What the rows of one interval share: when it starts and how long it is
 * (the first interval starts at the first packet: its length is what the
 * capture covered of it), and the packets the capture lost in it. */
struct span {
	int64_t start, len;
	uint64_t drops[2];
};

/* ---- cells ---- */

static void set_u64(struct connlog_cell *c, uint64_t u)
{
	c->kind = CONNLOG_U64;
	c->v.u = u;
}

static void set_str(struct connlog_cell *c, const char *s, size_t len)
{
	c->kind = len ? CONNLOG_STR : CONNLOG_NONE;
	c->len = (uint16_t)(len > 64 ? 64 : len);
	c->v.s = s;
}

static void set_addr(struct connlog_cell *c, int family, const uint8_t *a)
{
	c->kind = CONNLOG_ADDR;
	c->family = (uint8_t)family;
	c->v.addr = a;
}

/* A value of -1 (no value) as an empty cell. */
static void set_opt(struct connlog_cell *c, int64_t v)
{
	if (v < 0)
		c->kind = CONNLOG_NONE;
	else
		set_u64(c, (uint64_t)v);
}

/* A JSON string (RFC 8259 section 7) of s: quote, backslash and control
 * characters escaped; bytes of no valid UTF-8 sequence as U+FFFD (the
 * texts here are the host's names: ASCII, but nothing must break a line). */
static size_t put_json_str(char *p, const unsigned char *s, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	size_t n = 0;
	p[n++] = '"';
	for (size_t i = 0; i < len;) {
		unsigned char ch = s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			p[n++] = (char)ch;
			i++;
			continue;
		}
		if (ch == '"' || ch == '\\') {
			p[n++] = '\\';
			p[n++] = (char)ch;
			i++;
			continue;
		}
		if (ch < 0x80) { /* a control character, or DEL */
			memcpy(p + n, "\\u00", 4);
			p[n + 4] = hx[ch >> 4];
			p[n + 5] = hx[ch & 15];
			n += 6;
			i++;
			continue;
		}
		/* the length of a well-formed UTF-8 sequence (RFC 3629) at s + i */
		size_t k = ch >= 0xc2 && ch <= 0xdf ? 2 : ch >= 0xe0 && ch <= 0xef ? 3 : ch >= 0xf0 && ch <= 0xf4 ? 4 : 0;
		if (k && i + k <= len) {
			unsigned char lo = ch == 0xe0 ? 0xa0 : ch == 0xf0 ? 0x90 : 0x80;
			unsigned char hi = ch == 0xed ? 0x9f : ch == 0xf4 ? 0x8f : 0xbf;
			if (s[i + 1] < lo || s[i + 1] > hi)
				k = 0;
			for (size_t j = 2; k && j < k; j++)
				if ((s[i + j] & 0xc0) != 0x80)
					k = 0;
		} else {
			k = 0;
		}
		if (k) {
			memcpy(p + n, s + i, k);
			n += k;
			i += k;
		} else {
			memcpy(p + n, "\\ufffd", 6);
			n += 6;
			i++;
		}
	}
	p[n++] = '"';
	return n;
}

size_t connlog_put_cell(char *p, const struct connlog_cell *c, int json)
{
	switch (c->kind) {
	case CONNLOG_U64:
		return fmt_u64(p, c->v.u);
	case CONNLOG_TIME:
		return fmt_time_us(p, c->v.t);
	case CONNLOG_SECONDS:
		if (c->v.t % 1000000 == 0)
			return fmt_u64(p, (uint64_t)(c->v.t / 1000000));
		return fmt_time_us(p, c->v.t);
	case CONNLOG_STR:
		if (json)
			return put_json_str(p, (const unsigned char *)c->v.s, c->len);
		memcpy(p, c->v.s, c->len);
		return c->len;
	case CONNLOG_TEXT: {
		if (json)
			return put_json_str(p, (const unsigned char *)c->v.s, c->len);
		size_t n = c->len < 255 ? c->len : 255;
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)c->v.s[i];
			p[i] = ch == ',' || ch == '"' || ch < 0x21 || ch > 0x7e ? '_' : (char)ch;
		}
		return n;
	}
	case CONNLOG_ADDR:
		if (json) {
			p[0] = '"';
			size_t n = 1 + fmt_addr(p + 1, c->family, c->v.addr);
			p[n++] = '"';
			return n;
		}
		return fmt_addr(p, c->family, c->v.addr);
	default:
		if (json) {
			memcpy(p, "null", 4);
			return 4;
		}
		return 0;
	}
}

/* Whether view v carries the health fields (a core of ABI 1.1 or later). */
static int has_health(const struct connlog *l, const struct tt_conn *v)
{
	return l->health && TT_HAS(tt_conn, v, s2c_retrans_bytes);
}

/* client, client_port, server, server_port, state and the six counts (the
 * cells 2 to 12 of both logs) */
static void conn_fields(const struct connlog *l, struct connlog_cell *c, const struct tt_conn *v,
                        const struct tt_counts *c2s, const struct tt_counts *s2c)
{
	set_addr(&c[0], v->family, v->client);
	set_u64(&c[1], v->client_port);
	set_addr(&c[2], v->family, v->server);
	set_u64(&c[3], v->server_port);
	if (v->state < TT_NSTATES)
		set_str(&c[4], l->state_names[v->state], l->state_len[v->state]);
	else
		set_str(&c[4], "?", 1);
	const uint64_t nums[6] = {c2s->packets, c2s->bytes, c2s->payload, s2c->packets, s2c->bytes, s2c->payload};
	for (int i = 0; i < 6; i++)
		set_u64(&c[5 + i], nums[i]);
}

void connlog_conn_cells(const struct connlog *l, const struct tt_conn *v, uint32_t reason,
                        struct connlog_row *r)
{
	struct connlog_cell *c = r->cell;
	r->mode = CONNLOG_CONNECTIONS;
	r->conn = v;
	r->cols = l->conn_cols;
	r->n = CONNLOG_CONN_NCOLS;
	c[0].kind = CONNLOG_TIME;
	c[0].v.t = v->first_seen_us;
	c[1].kind = CONNLOG_TIME;
	c[1].v.t = v->last_seen_us;
	conn_fields(l, c + 2, v, &v->c2s, &v->s2c);
	const char *rn = l->host->reason_name(reason);
	set_str(&c[13], rn, strlen(rn));
	if (has_health(l, v)) {
		set_opt(&c[14], v->handshake_us);
		set_opt(&c[15], v->rtt_us);
		set_opt(&c[16], v->rtt_client_us);
		set_opt(&c[17], v->rtt_server_us);
		set_opt(&c[18], v->rtt_min_us);
		set_u64(&c[19], v->c2s_retrans);
		set_u64(&c[20], v->c2s_retrans_bytes);
		set_u64(&c[21], v->s2c_retrans);
		set_u64(&c[22], v->s2c_retrans_bytes);
	} else {
		for (int i = 14; i < 23; i++)
			c[i].kind = CONNLOG_NONE;
	}
	extra_cells(l, r, v);
}

/* A row of an interval: of one connection (v), or of a rollup group (g). */
static int reader_gone(struct connlog *l);

static void interval_row(struct connlog *l, const struct span *sp, const struct tt_conn *v, const struct gsum *g,
                         const struct tt_counts *c2s, const struct tt_counts *s2c, const struct hsum *hs)
{
	if (reader_gone(l))
		return;
	struct connlog_row r;
	struct connlog_cell *c = r.cell;
	r.mode = CONNLOG_INTERVALS;
	r.conn = v;
	r.n = CONNLOG_INT_NCOLS;
	r.cols = l->int_cols;
	c[0].kind = CONNLOG_TIME;
	c[0].v.t = sp->start;
	c[1].kind = CONNLOG_SECONDS;
	c[1].v.t = sp->len;
	if (v) {
		conn_fields(l, c + 2, v, c2s, s2c);
	} else {
		/* a rollup: only the fields of its key, and no state */
		for (int i = 2; i <= 6; i++)
			c[i].kind = CONNLOG_NONE;
		if (l->group == CONNLOG_G_CLIENT)
			set_addr(&c[2], g->key.family, g->key.addr);
		if (l->group == CONNLOG_G_SERVER || l->group == CONNLOG_G_SERVER_ADDR)
			set_addr(&c[4], g->key.family, g->key.addr);
		if (l->group == CONNLOG_G_SERVER || l->group == CONNLOG_G_SERVER_PORT)
			set_u64(&c[5], g->key.port);
		const uint64_t nums[6] = {c2s->packets, c2s->bytes, c2s->payload,
		                          s2c->packets, s2c->bytes, s2c->payload};
		for (int i = 0; i < 6; i++)
			set_u64(&c[7 + i], nums[i]);
	}
	set_u64(&c[13], g ? g->active : 1);
	set_u64(&c[14], g ? g->opened : (uint64_t)(v->first_seen_us >= sp->start));
	int64_t h[4] = {-1, -1, -1, -1};
	if (l->health) {
		h[0] = (int64_t)hs->retrans[0];
		h[1] = (int64_t)hs->retrans[1];
		if (hs->rtt_n) {
			h[2] = (hs->rtt_sum + (int64_t)hs->rtt_n / 2) / (int64_t)hs->rtt_n;
			h[3] = hs->rtt_max;
		}
	}
	for (int i = 0; i < 4; i++)
		set_opt(&c[15 + i], h[i]);
	set_u64(&c[19], sp->drops[0]);
	set_u64(&c[20], sp->drops[1]);
	extra_cells(l, &r, v);
	l->row(l->arg, &r);
}

/* ---- rollups ---- */

static void add_counts(struct tt_counts *a, const struct tt_counts *b)
{
	a->packets += b->packets;
	a->bytes += b->bytes;
	a->payload += b->payload;
}

/* One connection's share of an interval: a row, or into its group. */
static void account(struct connlog *l, const struct span *sp, const struct tt_conn *v,
                    const struct tt_counts *c2s, const struct tt_counts *s2c, const uint64_t retrans[2])
{
	struct hsum hs = {{retrans[0], retrans[1]}, 0, 0, -1};
	if (has_health(l, v) && v->rtt_us >= 0)
		hs.rtt_sum = hs.rtt_max = v->rtt_us, hs.rtt_n = 1;
	if (l->group == CONNLOG_G_CONNECTION) {
		interval_row(l, sp, v, NULL, c2s, s2c, &hs);
		return;
	}
	struct gkey k;
	memset(&k, 0, sizeof k);
	k.family = v->family;
	switch (l->group) {
	case CONNLOG_G_CLIENT: memcpy(k.addr, v->client, 16); break;
	case CONNLOG_G_SERVER: memcpy(k.addr, v->server, 16); k.port = v->server_port; break;
	case CONNLOG_G_SERVER_ADDR: memcpy(k.addr, v->server, 16); break;
	case CONNLOG_G_SERVER_PORT: k.family = 0; k.port = v->server_port; break;
	default: break;
	}
	int added;
	struct gsum *g = map_put(&l->groups, &k, &added);
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

static void emit_groups(struct connlog *l, const struct span *sp)
{
	for (struct gsum *g = map_next(&l->groups, NULL); g; g = map_next(&l->groups, g))
		interval_row(l, sp, NULL, g, &g->c2s, &g->s2c, &g->h);
	map_clear(&l->groups);
}

/* The counts of v since it was last logged (retransmissions into re); 0
 * when there are none. */
static int delta(const struct connlog *l, const struct tt_conn *v, const struct base *b,
                 struct tt_counts *c2s, struct tt_counts *s2c, uint64_t re[2])
{
	re[0] = re[1] = 0;
	if (has_health(l, v)) {
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
	struct connlog *l;
	struct span sp;
	int64_t since;
};

/* The span of the interval aligned at a, with the statistics st (NULL: none). */
static struct span span_of(const struct connlog *l, int64_t a, const struct tt_stats *st)
{
	struct span sp = {a, l->interval_us, {0, 0}};
	if (!st)
		return sp;
	if (TT_HAS(tt_stats, st, start_us) && st->start_us > a && st->start_us < a + l->interval_us) {
		sp.start = st->start_us;
		sp.len = a + l->interval_us - st->start_us;
	}
	sp.drops[0] = st->kernel_drops - l->drops_base[0];
	sp.drops[1] = st->if_drops - l->drops_base[1];
	return sp;
}

/* The span of the interval open at now (the one a row written now goes to),
 * its drops so far. */
static struct span open_span(const struct connlog *l, int64_t now)
{
	int64_t start = now / l->interval_us * l->interval_us;
	if (l->open_interval && start < l->open_interval)
		start = l->open_interval;
	return span_of(l, start, l->host->stats(l->ctx));
}

static int interval_one(void *arg, const struct tt_conn *v)
{
	struct walk *w = arg;
	if (v->last_seen_us < w->since)
		return 0; /* nothing new since the last interval */
	struct base *b = map_get_id(&w->l->bases, v->id);
	struct tt_counts c2s, s2c;
	uint64_t re[2];
	if (!delta(w->l, v, b, &c2s, &s2c, re))
		return 0;
	account(w->l, &w->sp, v, &c2s, &s2c, re);
	if (!b)
		b = map_put_id(&w->l->bases, v->id);
	if (b) {
		b->c2s = v->c2s;
		b->s2c = v->s2c;
		b->retrans[0] += re[0];
		b->retrans[1] += re[1];
	}
	return 0;
}

/* ---- the file ---- */

/* The directory a file name is opened in (the log's, opened before
 * privileges were dropped, or the working one), and the name in it. */
static int dir_of(const struct connlog *l, const char *name, const char **rel)
{
	*rel = l->dirfd >= 0 ? name + l->dir_len : name;
	return l->dirfd >= 0 ? l->dirfd : AT_FDCWD;
}

/* Whether the file name, which rows would be appended to, starts with a
 * line other than this log's header: written with other columns or another
 * mode (the configuration changed since), its rows and these could not be
 * told apart.  An empty or missing file has none. */
static int other_header(const struct connlog *l, const char *name)
{
	/* a regular file only: a FIFO's read end would wait for this writer,
	 * or take another writer's reader away; a device may act on an open */
	const char *rel;
	int dfd = dir_of(l, name, &rel);
	struct stat st;
	if (fstatat(dfd, rel, &st, 0) < 0 || !S_ISREG(st.st_mode))
		return 0;
	int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	size_t n = strlen(l->header);
	char *first = malloc(n);
	ssize_t got = first ? pread(fd, first, n, 0) : 0;
	int other = got > 0 && ((size_t)got != n || memcmp(first, l->header, n));
	free(first);
	close(fd);
	return other;
}

/* An error of open_file, in words. */
static const char *open_error(int r)
{
	return r == -EEXIST   ? "it holds rows of other columns (its first line is not this log's header)"
	       : r == -EAGAIN ? "a FIFO that no one reads"
	                      : strerror(-r);
}

/* name opened for the rows, its header written when it is new: 0, or a
 * negative errno (-EEXIST: a file of other columns, left alone; -EAGAIN: a
 * FIFO no one reads, unless WFILE_WAIT in how waits for its reader). */
static int open_file(struct connlog *l, const char *name, int how)
{
	int fresh = 0;
	if (l->w.len)
		wfile_flush(&l->w);
	int truncate = !l->append && !l->opened_once;
	if (!truncate && l->header && strcmp(name, "-") && other_header(l, name)) {
		l->opened_once = 1;
		return -EEXIST;
	}
	how |= truncate ? WFILE_TRUNC : 0;
	const char *rel;
	int dfd = dir_of(l, name, &rel);
	int r = wfile_openat(&l->w, dfd, rel, how, &fresh);
	l->opened_once = 1;
	if (r < 0)
		return r;
	if (fresh && l->header) {
		size_t n = strlen(l->header);
		char *p = wfile_reserve(&l->w, n);
		if (p) {
			memcpy(p, l->header, n);
			wfile_commit_header(&l->w, n);
		}
		/* on disk at once: an interval log otherwise shows nothing,
		 * not even what its columns will be, until an interval closes */
		wfile_flush(&l->w);
	}
	return 0;
}

/* The directories of path that do not exist yet, made (a pattern of the
 * clock in the directory: each new day or hour makes its own).  0 or a
 * negative errno. */
static int make_dirs(const char *path)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	char *end = strrchr(p, '/');
	if (!end || end == p)
		return 0;
	*end = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*s = c;
	}
}

/* With strftime patterns, the name follows the capture clock (local time). */
void connlog_follow(struct connlog *l, int64_t now_us)
{
	if (!l->file || !l->timed_name)
		return;
	int64_t sec = now_us / 1000000;
	/* a file that could not be opened is tried again once a second of
	 * the capture clock, not for every row */
	if (sec == l->name_second && l->name_tried)
		return;
	l->name_tried = 1;
	l->name_second = sec;
	time_t t = (time_t)sec;
	struct tm tm;
	char name[4096];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* the pattern is the user's file name, as in logrotate's dateformat */
	if (!localtime_r(&t, &tm) || strftime(name, sizeof name, l->file, &tm) == 0)
#pragma GCC diagnostic pop
		return;
	if (l->w.fd >= 0 && !strcmp(name, l->cur_name))
		return;
	snprintf(l->cur_name, sizeof l->cur_name, "%s", name);
	int r = open_file(l, name, 0);
	if (r == -ENOENT && l->dirfd < 0 && make_dirs(name) == 0)
		r = open_file(l, name, 0);
	if (r < 0) {
		/* The rows of this name are not the previous file's: that one
		 * is closed (its rows were written out first), and these are
		 * lost, counted, until the name opens, tried again each second.
		 * Told once a name. */
		wfile_close(&l->w);
		if (strcmp(name, l->failed_name))
			l->host->log(l->ctx, TT_LOG_ERR, "open %s: %s", name, open_error(r));
		snprintf(l->failed_name, sizeof l->failed_name, "%s", name);
	}
}

/* When the reader of stdout has closed it (tcptrack -T f | head), that is
 * its choice, not a fault: the run ends, quietly, as other tools' do. */
static int reader_gone(struct connlog *l)
{
	if (!l->reader_gone && l->file && l->w.failing && l->w.err == EPIPE && !strcmp(l->file, "-")) {
		l->reader_gone = 1;
		wfile_close(&l->w);
		l->host->request_quit(l->ctx);
	}
	return l->reader_gone;
}

/* The file being written, as a message names it. */
static const char *shown_name(const struct connlog *l)
{
	return l->cur_name[0] ? l->cur_name : strcmp(l->file, "-") ? l->file : "standard output";
}

/* Flush, and say so once when rows were lost to a failing disk. */
static void do_flush(struct connlog *l)
{
	if (!l->file || reader_gone(l))
		return;
	/* the file removed while written (rm, a rotation that sent no
	 * SIGHUP): what comes now would go where no name leads; made anew
	 * for it, checked before each write out */
	if (l->w.len && strcmp(l->file, "-") && wfile_removed(&l->w)) {
		const char *path = shown_name(l), *rel; /* (not "-": checked above) */
		int dfd = dir_of(l, path, &rel);
		int fresh = wfile_reopen(&l->w, dfd, rel, l->header);
		if (fresh < 0) {
			l->host->log(l->ctx, TT_LOG_ERR, "%s was removed, and cannot be made anew: %s", path,
			             strerror(-fresh));
			wfile_close(&l->w); /* its rows are counted lost, not written to nowhere */
		} else {
			l->host->log(l->ctx, TT_LOG_WARN, "%s was removed while written: made anew", path);
		}
	}
	int r = wfile_flush(&l->w);
	if (reader_gone(l))
		return;
	const char *name = shown_name(l);
	if (r < 0 && l->w.rows_lost > l->reported_lost) {
		if (!l->reported_lost && r == -EBADF)
			l->host->log(l->ctx, TT_LOG_ERR, "%s is not open: rows are being lost (%llu so far); "
			             "tracking goes on", name, (unsigned long long)l->w.rows_lost);
		else if (!l->reported_lost)
			l->host->log(l->ctx, TT_LOG_ERR, "write %s: %s: rows are being lost (%llu so far); "
			             "tracking goes on", name, strerror(-r), (unsigned long long)l->w.rows_lost);
		l->reported_lost = l->w.rows_lost;
	} else if (r == 0 && l->reported_lost && !l->w.failing) {
		l->host->log(l->ctx, TT_LOG_WARN, "write %s: writing again; %llu row%s lost", name,
		             (unsigned long long)l->w.rows_lost, l->w.rows_lost == 1 ? " was" : "s were");
		l->reported_lost = 0;
	}
}

struct wfile *connlog_wfile(struct connlog *l)
{
	return l->file ? &l->w : NULL;
}

/* ---- the log ---- */

int connlog_init(struct connlog *l, const struct tt_host *host, struct tt_ctx *ctx, connlog_row_fn row,
                 void *arg)
{
	memset(l, 0, sizeof *l);
	l->w.fd = -1;
	l->dirfd = -1;
	make_cols(l);
	l->host = host;
	l->ctx = ctx;
	l->row = row;
	l->arg = arg;
	for (unsigned i = 0; i < TT_NSTATES; i++) {
		l->state_names[i] = host->state_name(i);
		l->state_len[i] = strlen(l->state_names[i]);
	}
	l->interval_us = 60000000;
	l->flush_us = 1000000;
	map_init(&l->bases, 0, sizeof(struct base), 0);
	map_init(&l->groups, sizeof(struct gkey), sizeof(struct gsum), 0);
	l->file = strdup("-");
	if (!l->file || wfile_init(&l->w, 256 * 1024) < 0) {
		free(l->file);
		l->file = NULL;
		return -ENOMEM;
	}
	return 0;
}

int connlog_configure(struct connlog *l, const char *key, const char *value, char *err, size_t errlen)
{
	if (!strcmp(key, "mode")) {
		if (!strcmp(value, "connections"))
			l->mode = CONNLOG_CONNECTIONS;
		else if (!strcmp(value, "intervals"))
			l->mode = CONNLOG_INTERVALS;
		else {
			snprintf(err, errlen, "'%s': use connections or intervals", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "columns")) {
		return set_columns(l, value, err, errlen);
	} else if (!strcmp(key, "file")) {
		if (!*value) {
			snprintf(err, errlen, "empty (use a path, or - for stdout)");
			return -EINVAL;
		}
		char *f = strdup(value);
		if (!f)
			return -ENOMEM;
		free(l->file);
		l->file = f;
	} else if (!strcmp(key, "interval") || !strcmp(key, "flush")) {
		int64_t us;
		const char *why;
		if (parse_duration(value, &us, &why) < 0 || us < 1000) {
			snprintf(err, errlen, "'%s': not a duration of 1ms or more (e.g. 60s, 5m)", value);
			return -EINVAL;
		}
		*(!strcmp(key, "interval") ? &l->interval_us : &l->flush_us) = us;
		l->interval_given |= !strcmp(key, "interval");
	} else if (!strcmp(key, "append")) {
		const char *why;
		if (parse_bool(value, &l->append, &why) < 0) {
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
		l->group = (enum connlog_group)i;
	} else {
		return 1;
	}
	return 0;
}

/* The directory dir of a file to be made must exist and be writable, or
 * the start would fail after the capture opened: looked at, not touched, so
 * that --check-config finds it.  A directory with strftime patterns is made
 * only by the clock: not checked. */
static int check_dir(const char *file, const char *dir, char *err, size_t errlen)
{
	struct stat st;
	if (stat(file, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return 0; /* there: open says whether it may be written */
		snprintf(err, errlen, "file %s: is a directory (a file's name is wanted)", file);
		return -EISDIR;
	}
	if (strchr(dir, '%'))
		return 0;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) < 0) {
		int e = errno;
		if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
			e = ENOTDIR;
		snprintf(err, errlen, "file %s: directory %s: %s", file, dir, strerror(e));
		return -e;
	}
	return 0;
}

/* Whether user may make files in the directory of st (a guess from the
 * mode bits, ACLs aside). */
static int user_may_write(const char *user, const struct stat *st)
{
	struct passwd *pw = getpwnam(user);
	if (!pw || pw->pw_uid == 0)
		return 1; /* the core refuses an unknown user itself */
	if (st->st_uid == pw->pw_uid)
		return (st->st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
	gid_t groups[256];
	int n = 256;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		n = 0;
	for (int i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			return (st->st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
	return (st->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

int connlog_check(struct connlog *l, char *err, size_t errlen)
{
	if (l->group != CONNLOG_G_CONNECTION && l->mode != CONNLOG_INTERVALS) {
		snprintf(err, errlen, "group_by needs mode = intervals");
		return -EINVAL;
	}
	/* (an interval given to a connection log was a log of intervals meant) */
	if (l->interval_given && l->mode != CONNLOG_INTERVALS) {
		snprintf(err, errlen, "interval needs mode = intervals");
		return -EINVAL;
	}
	l->timed_name = l->file && strchr(l->file, '%') != NULL;
	if (!l->file)
		return 0;
	/* standard output: the core (ABI 1.3) lets one output have it (the
	 * csv and json plugins, connlog's, read no rates) */
	if (!strcmp(l->file, "-")) {
		if (TT_HOST_HAS(l->host, set_caps) && l->host->abi_minor >= 3)
			l->host->set_caps(l->ctx, TT_CAP_NO_RATES | TT_CAP_STDOUT);
		return 0;
	}
	char dir[4096];
	size_t n = wfile_dir(l->file, dir, sizeof dir);
	int r = check_dir(l->file, dir, err, errlen);
	if (r < 0)
		return r;
	/* files named by the clock are made as the user privileges are
	 * dropped to, who must be able to write in the directory, whose name
	 * then has no pattern (checked here, before the outputs open, so
	 * that --check-config finds it) */
	const struct tt_settings *st = l->host->settings(l->ctx);
	const char *user = TT_HAS(tt_settings, st, user) ? st->user : NULL;
	struct stat sb;
	if (user && memchr(l->file, '%', n)) {
		snprintf(err, errlen, "file %s: strftime patterns in the directory cannot work once privileges "
		         "are dropped to %s: put them in the file's name only", l->file, user);
		return -EINVAL;
	}
	/* a fixed name too: SIGHUP (log rotation) makes it anew, as that user */
	if (user && stat(dir, &sb) == 0 && !user_may_write(user, &sb)) {
		snprintf(err, errlen, "file %s: %s after privileges are dropped to %s, who may not write in %s: "
		         "make it theirs (chown %s %s)", l->file,
		         l->timed_name ? "each new file is made" : "SIGHUP (log rotation) makes it anew", user, dir,
		         user, dir);
		return -EACCES;
	}
	return 0;
}

void connlog_no_file(struct connlog *l)
{
	free(l->file);
	l->file = NULL;
	l->timed_name = 0;
}

/* The file's directory, opened now, before privileges are dropped: the
 * files named by the capture clock, and the file reopened on SIGHUP, are
 * made in it later, as the user tcptrack becomes and inside its chroot,
 * where its path may lead nowhere.  (connlog_check refused what cannot
 * work once privileges are dropped.) */
static int open_dir(struct connlog *l, char *err, size_t errlen)
{
	if (!strcmp(l->file, "-"))
		return 0;
	char dir[4096];
	l->dir_len = wfile_dir(l->file, dir, sizeof dir);
	if (memchr(l->file, '%', l->dir_len)) {
		l->dir_len = 0;
		return 0; /* directories named by the clock: by path */
	}
	l->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->dirfd < 0) {
		int e = errno;
		snprintf(err, errlen, "open %s: %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

/* columns of the owning process where no process is found: said once, at
 * the start, rather than left to be wondered at in every row */
static void warn_no_processes(const struct connlog *l)
{
	const struct tt_settings *st = l->host->settings(l->ctx);
	if (TT_HAS(tt_settings, st, processes) && st->processes)
		return;
	char cols[64] = "";
	size_t n = 0;
	int k = 0;
	for (int i = 0; i < l->nextra; i++)
		if (l->extra[i] >= CONNLOG_X_PID) {
			n += (size_t)snprintf(cols + n, sizeof cols - n, "%s%s", n ? ", " : "", extra_names[l->extra[i]]);
			k++;
		}
	if (k)
		l->host->log(l->ctx, TT_LOG_WARN, "column%s %s stay%s empty: %s", k > 1 ? "s" : "", cols,
		             k > 1 ? "" : "s",
		             st->live ? "no processes are found ([core] processes)"
		                      : "the processes of a file's connections are not known");
}

int connlog_open(struct connlog *l, char *err, size_t errlen)
{
	warn_no_processes(l);
	if (!l->file)
		return 0;
	int r = open_dir(l, err, errlen);
	if (r < 0)
		return r;
	if (l->timed_name)
		return 0; /* named by the capture clock: opened at the first row */
	r = open_file(l, l->file, 0);
	if (r == -EAGAIN) {
		/* a log shipper that is to read it has not started yet */
		l->host->log(l->ctx, TT_LOG_WARN, "%s is a FIFO that no one reads yet: waiting for its reader",
		             l->file);
		r = open_file(l, l->file, WFILE_WAIT);
	}
	if (r < 0) {
		snprintf(err, errlen, "open %s: %s", l->file, open_error(r));
		return r;
	}
	return 0;
}

int connlog_start(struct connlog *l)
{
	const struct tt_settings *st = l->host->settings(l->ctx);
	l->health = TT_HAS(tt_settings, st, tcp_health) && st->tcp_health;
	if (l->mode == CONNLOG_INTERVALS)
		return l->host->set_interval(l->ctx, l->interval_us, TT_INTERVAL_ALIGNED);
	return l->host->set_interval(l->ctx, l->flush_us, 0);
}

void connlog_snapshot(struct connlog *l, const struct tt_snapshot *s)
{
	if (s->flags)
		return; /* only the periodic ones */
	/* the file of the interval that ended; of the connection log, the
	 * file of now (its rows went where their removal was) */
	connlog_follow(l, l->mode == CONNLOG_INTERVALS ? s->time_us - 1 : s->time_us);
	if (l->mode == CONNLOG_INTERVALS) {
		/* the interval [time - interval, time) has ended */
		int64_t a = s->time_us - l->interval_us;
		struct walk w = {l, span_of(l, a, s->stats), s->prev_us};
		if (TT_HAS(tt_snapshot, s, if_drops)) {
			w.sp.drops[0] = s->kernel_drops;
			w.sp.drops[1] = s->if_drops;
		}
		if (w.since > a)
			w.since = a;
		s->foreach(s, interval_one, &w);
		emit_groups(l, &w.sp);
		l->open_interval = s->time_us;
		if (s->stats) {
			l->drops_base[0] = s->stats->kernel_drops;
			l->drops_base[1] = s->stats->if_drops;
		}
	}
	do_flush(l);
}

void connlog_removed(struct connlog *l, const struct tt_event *ev)
{
	const struct tt_conn *v = ev->conn;
	if (l->mode == CONNLOG_CONNECTIONS) {
		connlog_follow(l, ev->time_us);
		if (reader_gone(l))
			return;
		struct connlog_row r;
		connlog_conn_cells(l, v, ev->reason, &r);
		l->row(l->arg, &r);
		return;
	}
	struct base *b = map_get_id(&l->bases, v->id);
	struct tt_counts c2s, s2c;
	uint64_t re[2];
	if (delta(l, v, b, &c2s, &s2c, re)) {
		/* what is left was seen by its last packet (a removal comes
		 * later, and may come before the interval of that packet is
		 * written) */
		int64_t seen = v->last_seen_us < ev->time_us ? v->last_seen_us : ev->time_us;
		struct span sp = open_span(l, seen);
		if (l->group == CONNLOG_G_CONNECTION)
			connlog_follow(l, seen); /* a row, to the file of its time */
		account(l, &sp, v, &c2s, &s2c, re);
	}
	if (b)
		map_del_id(&l->bases, v->id);
}

void connlog_flush(struct connlog *l)
{
	if (l->mode == CONNLOG_INTERVALS && l->groups.count) {
		int64_t now = l->host->now(l->ctx);
		struct span sp = open_span(l, now);
		/* the file of the open interval: a run shorter than one
		 * interval has not opened it (only an interval's end, or a
		 * row of group_by = connection, does) */
		connlog_follow(l, now);
		emit_groups(l, &sp);
	}
	do_flush(l);
}

int connlog_reopen(struct connlog *l)
{
	if (!l->file)
		return 0;
	do_flush(l);
	if (l->timed_name) {
		wfile_close(&l->w);
		l->name_tried = 0;
		return 0;
	}
	if (!strcmp(l->file, "-"))
		return 0;
	int r = open_file(l, l->file, 0);
	if (r < 0)
		l->host->log(l->ctx, TT_LOG_ERR, "reopen %s: %s", l->file, open_error(r));
	return r;
}

void connlog_stop(struct connlog *l)
{
	if (!l->file)
		return;
	do_flush(l);
	wfile_close(&l->w); /* what a failed write kept is lost now */
	if (l->w.rows_lost && !l->reader_gone)
		l->host->log(l->ctx, TT_LOG_ERR, "%llu row%s could not be written to %s%s",
		             (unsigned long long)l->w.rows_lost, l->w.rows_lost == 1 ? "" : "s",
		             l->timed_name ? "the files of " : "",
		             l->timed_name ? l->file : shown_name(l));
}

void connlog_free(struct connlog *l)
{
	wfile_free(&l->w);
	if (l->dirfd >= 0)
		close(l->dirfd);
	map_free(&l->bases);
	map_free(&l->groups);
	free(l->file);
	l->file = NULL;
}
