/*
 * top_model: rows, filter, selection, units and layout of the top view.
 */
#include "top_model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* ---- rows ---- */

void top_rows_clear(struct top_rows *r, int64_t time_us)
{
	r->n = 0;
	r->time_us = time_us;
	r->valid = 1;
}

int top_rows_add(struct top_rows *r, const struct tt_conn *c)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 1024;
		struct top_row *nv = realloc(r->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = nc;
	}
	struct top_row *w = &r->v[r->n++];
	w->id = c->id;
	w->first_us = c->first_seen_us;
	w->last_us = c->last_seen_us;
	w->c2s_payload = c->c2s.payload;
	w->s2c_payload = c->s2c.payload;
	w->packets = c->c2s.packets + c->s2c.packets;
	w->c2s_rate = c->c2s_rate;
	w->s2c_rate = c->s2c_rate;
	w->cport = c->client_port;
	w->sport = c->server_port;
	w->family = c->family;
	w->state = c->state;
	w->flags = (uint8_t)c->flags;
	memcpy(w->client, c->client, 16);
	memcpy(w->server, c->server, 16);
	return 0;
}

void top_rows_free(struct top_rows *r)
{
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* ---- sort orders ---- */

static const char *const sort_keys[TOP_NSORTS] = {
	"none", "client", "server", "state", "idle", "rate", "c2s", "s2c", "bytes", "packets",
};
static const char *const sort_labels[TOP_NSORTS] = {
	"Unsorted", "Sorted by client", "Sorted by server", "Sorted by state", "Sorted by idle",
	"Sorted by rate", "Sorted by C->S rate", "Sorted by S->C rate", "Sorted by bytes",
	"Sorted by packets",
};

const char *top_sort_key(enum top_sort s)
{
	return (unsigned)s < TOP_NSORTS ? sort_keys[s] : "?";
}

const char *top_sort_label(enum top_sort s)
{
	return (unsigned)s < TOP_NSORTS ? sort_labels[s] : "?";
}

int top_sort_parse(const char *s)
{
	if (!strcmp(s, "unsorted"))
		return TOP_SORT_NONE;
	for (int i = 0; i < TOP_NSORTS; i++)
		if (!strcmp(s, sort_keys[i]))
			return i;
	return -1;
}

enum top_sort top_sort_cycle(enum top_sort s)
{
	/* tcptrack 1.x cycled unsorted, rate, bytes; idle joins them */
	switch (s) {
	case TOP_SORT_NONE: return TOP_SORT_RATE;
	case TOP_SORT_RATE: return TOP_SORT_BYTES;
	case TOP_SORT_BYTES: return TOP_SORT_IDLE;
	default: return TOP_SORT_NONE;
	}
}

/* ---- states ---- */

const char *top_state_name(unsigned state)
{
	static const char *const names[TT_NSTATES] = {
		"SYN_SENT", "SYN|ACK-ACK", "ESTABLISHED", "CLOSING", "CLOSED", "RESET",
	};
	return state < TT_NSTATES ? names[state] : "?";
}

/* ---- filter ---- */

enum { TOP_TERM_PORT, TOP_TERM_ADDR, TOP_TERM_TEXT };

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void parse_term(struct top_term *t, const char *w)
{
	memset(t, 0, sizeof *t);
	const char *p = w[0] == ':' && all_digits(w + 1) ? w + 1 : w;
	if (all_digits(p) && strlen(p) <= 5 && atoi(p) <= 65535) {
		t->kind = TOP_TERM_PORT;
		t->port = (uint16_t)atoi(p);
		return;
	}
	char a[TOP_FILTER_MAX];
	snprintf(a, sizeof a, "%s", w);
	char *slash = strchr(a, '/');
	int plen = -1;
	if (slash) {
		*slash = 0;
		plen = all_digits(slash + 1) && strlen(slash + 1) <= 3 ? atoi(slash + 1) : -2;
	}
	if (plen != -2 && inet_pton(AF_INET, a, t->addr) == 1 && plen <= 32) {
		t->kind = TOP_TERM_ADDR;
		t->family = 4;
		t->plen = (uint8_t)(plen < 0 ? 32 : plen);
		return;
	}
	if (plen != -2 && inet_pton(AF_INET6, a, t->addr) == 1 && plen <= 128) {
		t->kind = TOP_TERM_ADDR;
		t->family = 6;
		t->plen = (uint8_t)(plen < 0 ? 128 : plen);
		return;
	}
	t->kind = TOP_TERM_TEXT;
	size_t i;
	for (i = 0; w[i] && i + 1 < sizeof t->text; i++)
		t->text[i] = (char)tolower((unsigned char)w[i]);
	t->text[i] = 0;
}

void top_filter_set(struct top_filter *f, const char *text)
{
	memset(f, 0, sizeof *f);
	snprintf(f->text, sizeof f->text, "%s", text);
	char buf[TOP_FILTER_MAX];
	snprintf(buf, sizeof buf, "%s", text);
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w && f->nterms < TOP_FILTER_TERMS;
	     w = strtok_r(NULL, " \t", &save))
		parse_term(&f->terms[f->nterms++], w);
}

static const char *const state_lower[TT_NSTATES] = {
	"syn_sent", "syn|ack-ack", "established", "closing", "closed", "reset",
};

static int prefix_match(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned whole = plen / 8, bits = plen % 8;
	if (memcmp(a, p, whole))
		return 0;
	if (!bits)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (a[whole] & mask) == (p[whole] & mask);
}

static int term_match(const struct top_term *t, const struct top_row *r, char (*ep)[TOP_ENDPOINT_MAX],
                      int *formatted)
{
	switch (t->kind) {
	case TOP_TERM_PORT:
		return r->cport == t->port || r->sport == t->port;
	case TOP_TERM_ADDR:
		return r->family == t->family &&
		       (prefix_match(r->client, t->addr, t->plen) || prefix_match(r->server, t->addr, t->plen));
	default:
		if (!*formatted) {
			top_fmt_endpoint(ep[0], r->family, r->client, r->cport);
			top_fmt_endpoint(ep[1], r->family, r->server, r->sport);
			*formatted = 1;
		}
		if (strstr(ep[0], t->text) || strstr(ep[1], t->text))
			return 1;
		return r->state < TT_NSTATES && strstr(state_lower[r->state], t->text) != NULL;
	}
}

int top_filter_match(const struct top_filter *f, const struct top_row *r)
{
	char ep[2][TOP_ENDPOINT_MAX];
	int formatted = 0;
	for (int i = 0; i < f->nterms; i++)
		if (!term_match(&f->terms[i], r, ep, &formatted))
			return 0;
	return 1;
}

/* ---- selection ---- */

/* Non-negative doubles order as their bit patterns do. */
static uint64_t dbl_key(double d)
{
	if (!(d > 0))
		return 0;
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

/* Family, then the address's first bytes; an IPv4 endpoint fits whole. */
static uint64_t addr_key(uint8_t family, const uint8_t *a, uint16_t port)
{
	uint64_t k = (uint64_t)family << 56;
	if (family == 4)
		return k | (uint64_t)a[0] << 48 | (uint64_t)a[1] << 40 | (uint64_t)a[2] << 32 |
		       (uint64_t)a[3] << 24 | (uint64_t)port << 8;
	for (int i = 0; i < 7; i++)
		k |= (uint64_t)a[i] << (48 - 8 * i);
	return k;
}

static uint64_t sort_key(enum top_sort s, const struct top_row *r)
{
	switch (s) {
	case TOP_SORT_CLIENT: return addr_key(r->family, r->client, r->cport);
	case TOP_SORT_SERVER: return addr_key(r->family, r->server, r->sport);
	case TOP_SORT_STATE: return r->state;
	case TOP_SORT_IDLE: return ~(uint64_t)r->last_us;
	case TOP_SORT_RATE: return ~dbl_key(r->c2s_rate + r->s2c_rate);
	case TOP_SORT_C2S: return ~dbl_key(r->c2s_rate);
	case TOP_SORT_S2C: return ~dbl_key(r->s2c_rate);
	case TOP_SORT_BYTES: return ~(r->c2s_payload + r->s2c_payload);
	case TOP_SORT_PACKETS: return ~r->packets;
	default: return 0;
	}
}

static int endpoint_cmp(const struct top_row *a, const struct top_row *b, int server)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int d = memcmp(server ? a->server : a->client, server ? b->server : b->client, 16);
	if (d)
		return d;
	uint16_t pa = server ? a->sport : a->cport, pb = server ? b->sport : b->cport;
	return pa == pb ? 0 : pa < pb ? -1 : 1;
}

struct order {
	enum top_sort sort;
	int reverse;
};

/* Strict total order: the key, the full endpoints for address sorts, the id. */
static int less(const struct top_sel *a, const struct top_sel *b, const struct order *o)
{
	if (a->key != b->key)
		return a->key < b->key;
	if (o->sort == TOP_SORT_CLIENT || o->sort == TOP_SORT_SERVER) {
		int srv = o->sort == TOP_SORT_SERVER;
		int d = endpoint_cmp(a->row, b->row, srv);
		if (!d)
			d = endpoint_cmp(a->row, b->row, !srv);
		if (d)
			return o->reverse ? d > 0 : d < 0;
	}
	return o->reverse ? a->id > b->id : a->id < b->id;
}

static void swap_sel(struct top_sel *a, struct top_sel *b)
{
	struct top_sel t = *a;
	*a = *b;
	*b = t;
}

static void insertion_sort(struct top_sel *v, size_t n, const struct order *o)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && less(&v[j], &v[j - 1], o); j--)
			swap_sel(&v[j], &v[j - 1]);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static size_t rnd(size_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (size_t)(rng_state % n);
}

/* Rearrange v[lo, hi) so that v[k] holds the element of rank k, smaller
 * ones before it and larger after (quickselect, random median of three). */
static void select_nth(struct top_sel *v, size_t lo, size_t hi, size_t k, const struct order *o)
{
	while (hi - lo > 16) {
		size_t n = hi - lo;
		size_t a = lo + rnd(n), b = lo + rnd(n), c = lo + rnd(n);
		size_t m;
		if (less(&v[a], &v[b], o))
			m = less(&v[b], &v[c], o) ? b : (less(&v[a], &v[c], o) ? c : a);
		else
			m = less(&v[a], &v[c], o) ? a : (less(&v[b], &v[c], o) ? c : b);
		swap_sel(&v[m], &v[hi - 1]);
		size_t store = lo;
		for (size_t i = lo; i < hi - 1; i++)
			if (less(&v[i], &v[hi - 1], o))
				swap_sel(&v[i], &v[store++]);
		swap_sel(&v[store], &v[hi - 1]);
		if (k == store)
			return;
		if (k < store)
			hi = store;
		else
			lo = store + 1;
	}
	insertion_sort(v + lo, hi - lo, o);
}

static int hidden(const struct top_view_opts *o, const struct top_row *r)
{
	if (o->hide_closed && (r->state == TT_CLOSED || r->state == TT_RESET))
		return 1;
	return o->filter && o->filter->nterms && !top_filter_match(o->filter, r);
}

int top_select(struct top_select *s, const struct top_rows *rows, const struct top_view_opts *o,
               size_t *offset, size_t count, const struct top_row **out)
{
	s->matched = s->shown = 0;
	s->c2s_rate = s->s2c_rate = 0;
	s->payload = s->packets = 0;
	if (rows->n > s->cap) {
		size_t nc = rows->n + rows->n / 4;
		struct top_sel *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	struct order ord = {o->sort, o->reverse};
	size_t m = 0;
	for (size_t i = 0; i < rows->n; i++) {
		const struct top_row *r = &rows->v[i];
		if (hidden(o, r))
			continue;
		uint64_t k = sort_key(o->sort, r);
		s->v[m].key = o->reverse ? ~k : k;
		s->v[m].id = r->id;
		s->v[m].row = r;
		m++;
		s->c2s_rate += r->c2s_rate;
		s->s2c_rate += r->s2c_rate;
		s->payload += r->c2s_payload + r->s2c_payload;
		s->packets += r->packets;
	}
	s->matched = m;
	size_t off = *offset;
	if (m <= count)
		off = 0;
	else if (off > m - count)
		off = m - count;
	*offset = off;
	s->offset = off;
	size_t end = off + count < m ? off + count : m;
	if (off < end) {
		/* only the shown window is put in order */
		select_nth(s->v, 0, m, off, &ord);
		if (end < m)
			select_nth(s->v, off + 1, m, end, &ord);
		insertion_sort(s->v + off + 1, end - off - 1, &ord);
	}
	for (size_t i = off; i < end; i++)
		out[i - off] = s->v[i].row;
	s->shown = end - off;
	return 0;
}

void top_select_free(struct top_select *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- units ---- */

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
	if (n < 0)
		n = 0;
	return (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}

size_t top_fmt_rate(char *buf, size_t len, double bytes_per_s, int bits)
{
	static const char *const bu[] = {"B", "KB", "MB", "GB", "TB", "PB"};
	static const char *const tu[] = {"b", "kb", "Mb", "Gb", "Tb", "Pb"};
	if (bits)
		return scaled(buf, len, bytes_per_s * 8, 1000, tu, 6, "/s");
	return scaled(buf, len, bytes_per_s, 1024, bu, 6, "/s");
}

size_t top_fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const u[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
	return scaled(buf, len, (double)bytes, 1024, u, 7, "");
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
	if (r < 0)
		r = 0;
	return (size_t)r < len ? (size_t)r : len ? len - 1 : 0;
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
	else
		r = snprintf(buf, len, "%dd", (int)(s / 86400 > 999 ? 999 : s / 86400));
	if (r < 0)
		r = 0;
	return (size_t)r < len ? (size_t)r : len ? len - 1 : 0;
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
	[TOP_COL_IDLE] = {"Idle", TOP_IDLE_W, 1, 4},
	[TOP_COL_ACT] = {"A", 1, 0, 3},
	[TOP_COL_RATE] = {"Rate", TOP_RATE_W, 1, 1},
	[TOP_COL_C2S] = {"C->S", TOP_RATE_W, 1, 5},
	[TOP_COL_S2C] = {"S->C", TOP_RATE_W, 1, 5},
	[TOP_COL_BYTES] = {"Bytes", TOP_SIZE_W, 1, 6},
	[TOP_COL_PACKETS] = {"Packets", TOP_COUNT_W, 1, 7},
};

#define MAX_PRIO 7
#define ESSENTIAL_PRIO 3 /* columns kept while addresses can be shortened */
#define MIN_ADDR 12      /* narrower than this, addresses are unreadable */
#define ADDR_PREF 21     /* "255.255.255.255:65535" */
#define ADDR_MAX (TOP_ENDPOINT_MAX - 1)

/* Width of a line with the columns up to prio, addresses excluded: a
 * leading space and one between columns. */
static int fixed_width(int prio)
{
	int w = 1, n = 0;
	for (int c = 0; c < TOP_NCOLS; c++) {
		if (colspecs[c].prio > prio)
			continue;
		w += colspecs[c].width;
		n++;
	}
	return w + n - 1;
}

void top_layout_make(struct top_layout *l, int width, int need_client, int need_server)
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
		avail = width - fixed_width(level);
		if (level > ESSENTIAL_PRIO ? avail >= pc + ps : avail >= nc + ns)
			break;
		if (level <= ESSENTIAL_PRIO && avail >= 2 * MIN_ADDR)
			break;
	}
	if (level < 0) {
		level = 0;
		avail = width - fixed_width(0);
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
		if (colspecs[c].prio > level)
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
			if (id == TOP_COL_CLIENT)
				top_fmt_endpoint(ep, r->family, r->client, r->cport);
			else
				top_fmt_endpoint(ep, r->family, r->server, r->sport);
			top_shorten(t, ep, w > 0 ? (size_t)w : 0);
			break;
		case TOP_COL_STATE:
			snprintf(t, sizeof t, "%s", top_state_name(r->state));
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
