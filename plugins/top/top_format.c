/*
 * top_format: the text of the top view: units, endpoints, the layout of
 * the columns and the lines (its rows: top_model.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "top_model.h"

/* ---- units ---- */

/* The length snprintf left in a buffer of len bytes, given what it returned. */
static size_t written(int r, size_t len)
{
	if (r < 0)
		r = 0;
	return (size_t)r < len ? (size_t)r : len ? len - 1 : 0;
}

/* v in the largest unit that keeps it under 1000, with 3 significant
 * digits: "512", "9.99", "99.9", "999". */
static size_t scaled(char *buf, size_t len, double v, double base, const char *const *units,
                     int nunits, const char *suffix)
{
	if (!(v >= 0) || isinf(v))
		v = 0;
	int u = 0;
	/* 999.5 would print as 1000: it moves up a unit */
	while (v >= 999.5 && u < nunits - 1) {
		v /= base;
		u++;
	}
	int n;
	if (u == 0)
		n = snprintf(buf, len, "%.0f %s%s", floor(v + 0.5), units[0], suffix);
	else if (v < 9.995)
		n = snprintf(buf, len, "%.2f %s%s", v, units[u], suffix);
	else if (v < 99.95)
		n = snprintf(buf, len, "%.1f %s%s", v, units[u], suffix);
	else if (v < 999.5)
		n = snprintf(buf, len, "%.0f %s%s", v, units[u], suffix);
	else
		n = snprintf(buf, len, ">999 %s%s", units[u], suffix);
	return written(n, len);
}

size_t top_fmt_rate(char *buf, size_t len, double bytes_per_s, int bits)
{
	/* SI, powers of 1000, as the syslog messages and the levels of
	 * their rules ("10MB/s" is 10,000,000 B/s) */
	static const char *const bu[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	static const char *const tu[] = {"b", "kb", "Mb", "Gb", "Tb", "Pb", "Eb"};
	if (bits)
		return scaled(buf, len, bytes_per_s * 8, 1000, tu, 7, "/s");
	return scaled(buf, len, bytes_per_s, 1000, bu, 7, "/s");
}

size_t top_fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const u[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	return scaled(buf, len, (double)bytes, 1000, u, 7, "");
}

size_t top_fmt_count(char *buf, size_t len, uint64_t n)
{
	static const char *const u[] = {"", "k", "M", "G", "T", "P", "E"};
	int r;
	if (n < 1000000) {
		r = snprintf(buf, len, "%llu", (unsigned long long)n);
	} else {
		double v = (double)n;
		int i = 0;
		while (v >= 999.5 && i < 6) {
			v /= 1000;
			i++;
		}
		r = snprintf(buf, len, v < 9.995 ? "%.2f%s" : v < 99.95 ? "%.1f%s" : "%.0f%s", v, u[i]);
	}
	return written(r, len);
}

size_t top_fmt_idle(char *buf, size_t len, int64_t us)
{
	int64_t s = us > 0 ? us / 1000000 : 0;
	int r;
	if (s < 60)
		r = snprintf(buf, len, "%ds", (int)s);
	else if (s < 3600)
		r = snprintf(buf, len, "%dm", (int)(s / 60));
	else if (s < 86400)
		r = snprintf(buf, len, "%dh", (int)(s / 3600));
	else if (s < 1000 * 86400LL)
		r = snprintf(buf, len, "%dd", (int)(s / 86400));
	else /* years of 365.25 days (999y: that or more) */
		r = snprintf(buf, len, "%dy", (int)(s / 31557600 > 999 ? 999 : s / 31557600));
	return written(r, len);
}

size_t top_fmt_rtt(char *buf, size_t len, int64_t us)
{
	int r;
	double v = (double)us;
	/* each unit up to where rounding would need a sixth character */
	if (us < 0)
		r = snprintf(buf, len, "-");
	else if (us < 1000)
		r = snprintf(buf, len, "%dus", (int)us);
	else if (us < 9950)
		r = snprintf(buf, len, "%.1fms", v / 1e3);
	else if (us < 999500)
		r = snprintf(buf, len, "%.0fms", v / 1e3);
	else if (us < 9995000)
		r = snprintf(buf, len, "%.2fs", v / 1e6);
	else if (us < 99950000)
		r = snprintf(buf, len, "%.1fs", v / 1e6);
	else if (us < 999500000)
		r = snprintf(buf, len, "%.0fs", v / 1e6);
	else
		r = snprintf(buf, len, "%s", ">999s"); /* two sides of 537 s at most */
	return written(r, len);
}

size_t top_fmt_retrans(char *buf, size_t len, uint64_t retrans, uint64_t packets)
{
	int r;
	double pct = packets ? (double)retrans * 100 / (double)packets : 0;
	if (!packets)
		r = snprintf(buf, len, "%s", "");
	else if (!retrans)
		r = snprintf(buf, len, "0%%");
	else if (pct < 0.05)
		r = snprintf(buf, len, "<.1%%"); /* some, where 0.0% would say none */
	else if (pct < 9.95)
		r = snprintf(buf, len, "%.1f%%", pct);
	else
		r = snprintf(buf, len, "%.0f%%", pct < 999 ? pct : 999);
	return written(r, len);
}

/* By hand, not snprintf: the text filter formats every row of the table. */
size_t top_fmt_endpoint(char *buf, int family, const uint8_t *addr, uint16_t port)
{
	size_t n = 0;
	if (family == 6)
		buf[n++] = '[';
	n += fmt_addr(buf + n, family == 6 ? 6 : 4, addr);
	if (family == 6)
		buf[n++] = ']';
	buf[n++] = ':';
	n += fmt_u64(buf + n, port);
	buf[n] = 0;
	return n;
}

size_t top_shorten(char *dst, const char *src, size_t width)
{
	size_t n = strlen(src);
	if (n <= width) {
		memcpy(dst, src, n + 1);
		return n;
	}
	if (width == 0) {
		dst[0] = 0;
		return 0;
	}
	const char *colon = strrchr(src, ':');
	size_t port = colon ? n - (size_t)(colon - src) : 0; /* ":443" */
	size_t out = 0;
	if (colon && width >= port + 3) {
		/* the address gives way in its middle; the port stays whole */
		size_t alen = n - port, keep = width - port - 1;
		size_t head = (keep + 1) / 2, tail = keep - head;
		memcpy(dst, src, head);
		out = head;
		dst[out++] = '~';
		memcpy(dst + out, src + alen - tail, tail + port);
		out += tail + port;
	} else {
		memcpy(dst, src, width - 1);
		out = width - 1;
		dst[out++] = '~';
	}
	dst[out] = 0;
	return out;
}

size_t top_fmt_row_endpoint(char *buf, const struct top_row *r, int server, int names)
{
	const uint8_t *addr = server ? r->server : r->client;
	uint16_t port = server ? r->sport : r->cport;
	const char *name = names ? top_row_text(r, server ? r->sname : r->cname) : NULL;
	const char *svc = names ? top_row_text(r, server ? r->ssvc : r->csvc) : NULL;
	if (!name && !svc)
		return top_fmt_endpoint(buf, r->family, addr, port);
	char a[TOP_ENDPOINT_MAX], p[8];
	if (!name) {
		/* the address as without names, then the service */
		size_t n = top_fmt_endpoint(a, r->family, addr, port);
		while (n && a[n - 1] != ':')
			n--;
		a[n ? n - 1 : 0] = 0;
		name = a;
	}
	if (!svc) {
		p[fmt_u64(p, port)] = 0;
		svc = p;
	}
	size_t sl = strlen(svc), nl = strlen(name);
	if (sl > 15)
		sl = 15;
	if (nl + 1 + sl > TOP_ENDPOINT_MAX - 1)
		nl = TOP_ENDPOINT_MAX - 2 - sl; /* (never: a name is at most 254) */
	memcpy(buf, name, nl);
	buf[nl] = ':';
	memcpy(buf + nl + 1, svc, sl);
	buf[nl + 1 + sl] = 0;
	return nl + 1 + sl;
}

/* ---- layout ---- */

struct colspec {
	const char *title;
	int width;     /* 0: an address, sized by the layout */
	int right;     /* numbers are right-aligned */
	int prio;      /* the higher, the sooner dropped */
};

static const struct colspec colspecs[TOP_NCOLS] = {
	[TOP_COL_CLIENT] = {"Client", 0, 0, 0},
	[TOP_COL_SERVER] = {"Server", 0, 0, 0},
	[TOP_COL_STATE] = {"State", TOP_STATE_W, 0, 2},
	[TOP_COL_PROC] = {"Process", TOP_PROC_W, 0, 4},
	[TOP_COL_IDLE] = {"Idle", TOP_IDLE_W, 1, 4},
	[TOP_COL_ACT] = {"A", 1, 0, 3},
	[TOP_COL_RATE] = {"Rate", TOP_RATE_W, 1, 1},
	[TOP_COL_C2S] = {"C->S", TOP_RATE_W, 1, 5},
	[TOP_COL_S2C] = {"S->C", TOP_RATE_W, 1, 5},
	[TOP_COL_BYTES] = {"Payload", TOP_SIZE_W, 1, 6},
	[TOP_COL_PACKETS] = {"Packets", TOP_COUNT_W, 1, 7},
	[TOP_COL_RTT] = {"RTT", TOP_RTT_W, 1, 8},
	[TOP_COL_RETR] = {"Retr", TOP_RETR_W, 1, 9},
};

#define MAX_PRIO 9
#define ESSENTIAL_PRIO 3 /* columns kept while addresses can be shortened */
#define MIN_ADDR 12      /* narrower than this, addresses are unreadable */
#define ADDR_PREF 21     /* "255.255.255.255:65535" */
#define ADDR_MAX (TOP_ENDPOINT_MAX - 1)

/* Whether column c is shown at priority level prio. */
static int col_on(int c, int prio, int health)
{
	if (!(health & TOP_SHOW_HEALTH) && (c == TOP_COL_RTT || c == TOP_COL_RETR))
		return 0;
	if (!(health & TOP_SHOW_PROCS) && c == TOP_COL_PROC)
		return 0;
	return colspecs[c].prio <= prio;
}

/* Width of a line with the columns up to prio, addresses excluded: a
 * leading space and one between columns. */
static int fixed_width(int prio, int health)
{
	int w = 1, n = 0;
	for (int c = 0; c < TOP_NCOLS; c++) {
		if (!col_on(c, prio, health))
			continue;
		w += colspecs[c].width;
		n++;
	}
	return w + n - 1;
}

void top_layout_make(struct top_layout *l, int width, int need_client, int need_server, int health)
{
	memset(l, 0, sizeof *l);
	if (width < 0)
		width = 0;
	l->width = width;
	int nc = need_client < 6 ? 6 : need_client > ADDR_MAX ? ADDR_MAX : need_client;
	int ns = need_server < 6 ? 6 : need_server > ADDR_MAX ? ADDR_MAX : need_server;
	/* optional columns are chosen for addresses as wide as any IPv4 one,
	 * so that they do not come and go as the rows scroll by */
	int pc = nc > ADDR_PREF ? nc : ADDR_PREF, ps = ns > ADDR_PREF ? ns : ADDR_PREF;
	int level, avail = 0;
	for (level = MAX_PRIO; level >= 0; level--) {
		avail = width - fixed_width(level, health);
		if (level > ESSENTIAL_PRIO ? avail >= pc + ps : avail >= nc + ns)
			break;
		if (level <= ESSENTIAL_PRIO && avail >= 2 * MIN_ADDR)
			break;
	}
	if (level < 0) {
		level = 0;
		avail = width - fixed_width(0, health);
	}
	if (avail < 0)
		avail = 0;
	int wc, ws;
	if (avail >= nc + ns) {
		/* room to spare: addresses widen, up to the longest there is */
		int extra = avail - nc - ns;
		wc = nc;
		ws = ns;
		int give = (extra + 1) / 2;
		if (give > ADDR_MAX - wc)
			give = ADDR_MAX - wc;
		wc += give;
		extra -= give;
		give = extra < ADDR_MAX - ws ? extra : ADDR_MAX - ws;
		ws += give;
		extra -= give;
		give = extra < ADDR_MAX - wc ? extra : ADDR_MAX - wc;
		wc += give;
	} else {
		int half = avail / 2;
		if (ns <= half) {
			ws = ns;
			wc = avail - ws;
		} else if (nc <= avail - half) {
			wc = nc;
			ws = avail - wc;
		} else {
			wc = avail - half;
			ws = half;
		}
		l->shortened = 1;
	}
	int x = 1;
	for (int c = 0; c < TOP_NCOLS; c++) {
		if (!col_on(c, level, health))
			continue;
		int w = c == TOP_COL_CLIENT ? wc : c == TOP_COL_SERVER ? ws : colspecs[c].width;
		l->cols[l->ncols].id = (enum top_col)c;
		l->cols[l->ncols].x = x;
		l->cols[l->ncols].w = w;
		l->ncols++;
		x += w + 1;
	}
}

int top_layout_has(const struct top_layout *l, enum top_col c)
{
	for (int i = 0; i < l->ncols; i++)
		if (l->cols[i].id == c)
			return 1;
	return 0;
}

unsigned top_layout_cols(const struct top_layout *l)
{
	unsigned m = 0;
	for (int i = 0; i < l->ncols; i++)
		m |= 1u << l->cols[i].id;
	return m;
}

/* ---- lines ---- */

static void blank(char *buf, int width)
{
	memset(buf, ' ', (size_t)width);
	buf[width] = 0;
}

/* Put s in the field [x, x + w) of a line width wide, clipped. */
static void put(char *buf, int width, int x, int w, const char *s, int right)
{
	if (x >= width || w <= 0)
		return;
	if (x + w > width)
		w = width - x;
	int n = (int)strlen(s);
	if (n > w)
		n = w;
	int at = right ? x + w - n : x;
	memcpy(buf + at, s, (size_t)n);
}

void top_format_header(const struct top_layout *l, char *buf)
{
	blank(buf, l->width);
	for (int i = 0; i < l->ncols; i++) {
		const struct colspec *c = &colspecs[l->cols[i].id];
		put(buf, l->width, l->cols[i].x, l->cols[i].w, c->title, c->right);
	}
}

void top_format_row(const struct top_layout *l, const struct top_row *r,
                    const struct top_fmt_opts *o, char *buf)
{
	blank(buf, l->width);
	char ep[TOP_ENDPOINT_MAX], t[TOP_ENDPOINT_MAX];
	for (int i = 0; i < l->ncols; i++) {
		int x = l->cols[i].x, w = l->cols[i].w;
		enum top_col id = l->cols[i].id;
		t[0] = 0;
		switch (id) {
		case TOP_COL_CLIENT:
		case TOP_COL_SERVER:
			top_fmt_row_endpoint(ep, r, id == TOP_COL_SERVER, o->names);
			top_shorten(t, ep, w > 0 ? (size_t)w : 0);
			break;
		case TOP_COL_STATE:
			snprintf(t, sizeof t, "%s", r->state_text ? r->state_text : "?");
			break;
		case TOP_COL_PROC:
			if (r->proc)
				snprintf(t, sizeof t, "%d %.15s", (int)r->pid, top_row_text(r, r->proc));
			break;
		case TOP_COL_IDLE:
			top_fmt_idle(t, sizeof t, o->now_us - r->last_us);
			break;
		case TOP_COL_ACT:
			if (o->now_us - r->last_us < o->active_us)
				t[0] = '*', t[1] = 0;
			break;
		case TOP_COL_RATE:
			top_fmt_rate(t, sizeof t, r->c2s_rate + r->s2c_rate, o->bits);
			break;
		case TOP_COL_C2S:
			top_fmt_rate(t, sizeof t, r->c2s_rate, o->bits);
			break;
		case TOP_COL_S2C:
			top_fmt_rate(t, sizeof t, r->s2c_rate, o->bits);
			break;
		case TOP_COL_BYTES:
			top_fmt_size(t, sizeof t, r->c2s_payload + r->s2c_payload);
			break;
		case TOP_COL_PACKETS:
			top_fmt_count(t, sizeof t, r->packets);
			break;
		case TOP_COL_RTT:
			top_fmt_rtt(t, sizeof t, r->rtt_us);
			break;
		case TOP_COL_RETR:
			top_fmt_retrans(t, sizeof t, r->retrans, r->packets);
			break;
		default:
			break;
		}
		put(buf, l->width, x, w, t, colspecs[id].right);
	}
}

void top_format_total(const struct top_layout *l, const struct top_select *s,
                      const struct top_fmt_opts *o, const char *const *notes, char *buf)
{
	blank(buf, l->width);
	put(buf, l->width, 1, l->width - 1, "TOTAL", 0);
	/* the note goes between TOTAL and the first number */
	int nx = 7, nend = l->width;
	for (int i = 0; i < l->ncols; i++) {
		enum top_col id = l->cols[i].id;
		if (id == TOP_COL_SERVER && l->cols[i].x > nx)
			nx = l->cols[i].x;
		if (id >= TOP_COL_RATE && l->cols[i].x - 1 < nend)
			nend = l->cols[i].x - 1;
	}
	char t[32];
	for (int i = 0; i < l->ncols; i++) {
		int x = l->cols[i].x, w = l->cols[i].w;
		switch (l->cols[i].id) {
		case TOP_COL_RATE: top_fmt_rate(t, sizeof t, s->c2s_rate + s->s2c_rate, o->bits); break;
		case TOP_COL_C2S: top_fmt_rate(t, sizeof t, s->c2s_rate, o->bits); break;
		case TOP_COL_S2C: top_fmt_rate(t, sizeof t, s->s2c_rate, o->bits); break;
		case TOP_COL_BYTES: top_fmt_size(t, sizeof t, s->payload); break;
		case TOP_COL_PACKETS: top_fmt_count(t, sizeof t, s->packets); break;
		case TOP_COL_RETR: top_fmt_retrans(t, sizeof t, s->retrans, s->packets); break;
		default: continue;
		}
		put(buf, l->width, x, w, t, 1);
	}
	for (size_t i = 0; notes && notes[i]; i++)
		if ((int)strlen(notes[i]) <= nend - nx || !notes[i + 1]) {
			put(buf, l->width, nx, nend - nx, notes[i], 0);
			break;
		}
}

struct piece {
	char text[TOP_FILTER_MAX + 32];
	int prio;      /* the higher, the sooner left out */
	int on;
};

void top_format_status(const struct top_status *st, int width, char *buf)
{
	if (width < 0)
		width = 0;
	blank(buf, width);
	struct piece p[9];
	int n = 0;
	memset(p, 0, sizeof p);
	if (st->shown)
		snprintf(p[n].text, sizeof p[n].text, "Connections %zu-%zu of %zu", st->offset + 1,
		         st->offset + st->shown, st->matched);
	else
		snprintf(p[n].text, sizeof p[n].text, "Connections 0-0 of %zu", st->matched);
	p[n++].prio = 0;
	if (st->matched != st->in_table) {
		snprintf(p[n].text, sizeof p[n].text, "(%zu in table)", st->in_table);
		p[n++].prio = 6;
	}
	snprintf(p[n].text, sizeof p[n].text, "%s", st->paused ? "Paused" : "Unpaused");
	p[n++].prio = 1;
	if (st->hint) {
		snprintf(p[n].text, sizeof p[n].text, "%s", st->hint);
		p[n++].prio = 1;
	}
	if (st->drops) {
		snprintf(p[n].text, sizeof p[n].text, "Dropped: %llu", (unsigned long long)st->drops);
		p[n++].prio = 2;
	}
	if (st->evicted) {
		snprintf(p[n].text, sizeof p[n].text, "Evicted: %llu", (unsigned long long)st->evicted);
		p[n++].prio = 2;
	}
	snprintf(p[n].text, sizeof p[n].text, "%s%s", top_sort_label(st->sort), st->reverse ? ", reversed" : "");
	p[n++].prio = 3;
	if (st->filter && *st->filter) {
		snprintf(p[n].text, sizeof p[n].text, "Filter: %s", st->filter);
		p[n++].prio = 4;
	}
	if (st->hide_closed) {
		snprintf(p[n].text, sizeof p[n].text, "Closed hidden");
		p[n++].prio = 5;
	}
	/* keep the most important pieces that fit, two spaces apart */
	int used = 1;
	for (int prio = 0; prio <= 6; prio++)
		for (int i = 0; i < n; i++) {
			if (p[i].prio != prio)
				continue;
			int len = (int)strlen(p[i].text) + (used > 1 ? 2 : 0);
			if (used + len <= width) {
				p[i].on = 1;
				used += len;
			}
		}
	int x = 1;
	for (int i = 0; i < n; i++) {
		if (!p[i].on)
			continue;
		if (x > 1)
			x += 2;
		put(buf, width, x, width - x, p[i].text, 0);
		x += (int)strlen(p[i].text);
	}
	static const char hint[] = "h: help";
	if (x + 2 + (int)sizeof hint - 1 + 1 <= width)
		put(buf, width, width - (int)sizeof hint, (int)sizeof hint - 1, hint, 0);
}
