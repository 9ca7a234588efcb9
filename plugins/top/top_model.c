/*
 * top_model: rows, sort orders, filter and selection of the top view (the
 * text of the rows: top_format.c).
 */
#include "top_model.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rows ---- */

void top_rows_clear(struct top_rows *r, int64_t time_us)
{
	r->n = 0;
	r->pool_len = 1;
	r->time_us = time_us;
	r->valid = 1;
}

/* s into the pool; its offset, or 0 when out of memory */
static uint32_t pool_add(struct top_rows *r, const char *s, size_t n)
{
	if (!r->pool_len)
		r->pool_len = 1; /* offset 0 is none */
	if (r->pool_len + n + 1 > r->pool_cap || !r->pool) {
		size_t nc = r->pool_cap ? r->pool_cap * 2 : 65536;
		while (nc < r->pool_len + n + 1)
			nc *= 2;
		char *np = realloc(r->pool, nc);
		if (!np)
			return 0;
		r->pool = np;
		r->pool_cap = nc;
	}
	uint32_t off = (uint32_t)r->pool_len;
	memcpy(r->pool + off, s, n);
	r->pool[off + n] = 0;
	r->pool_len += n + 1;
	return off;
}

/* The names and the process of a row, as the host has them now. */
static void lookup(struct top_rows *r, struct top_row *w, const struct tt_conn *c)
{
	const struct top_lookup *lk = r->lk;
	w->pool = (const char *const *)&r->pool;
	w->cname = w->sname = w->csvc = w->ssvc = w->proc = 0;
	w->pid = 0;
	if (!lk)
		return;
	char buf[256];
	if (lk->names && lk->name_of) {
		size_t n = lk->name_of(lk->arg, c->family, c->client, buf, sizeof buf);
		w->cname = n ? pool_add(r, buf, n) : 0;
		n = lk->name_of(lk->arg, c->family, c->server, buf, sizeof buf);
		w->sname = n ? pool_add(r, buf, n) : 0;
	}
	if (lk->names && lk->service_of) {
		const char *sv = lk->service_of(lk->arg, c->client_port);
		w->csvc = sv ? pool_add(r, sv, strlen(sv)) : 0;
		sv = lk->service_of(lk->arg, c->server_port);
		w->ssvc = sv ? pool_add(r, sv, strlen(sv)) : 0;
	}
	if (lk->procs && lk->process_of && lk->process_of(lk->arg, c, &w->pid, buf, sizeof buf))
		w->proc = pool_add(r, buf, strlen(buf));
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
	/* a view of ABI 1.0 ends before the health fields */
	if (TT_HAS(tt_conn, c, s2c_retrans)) {
		w->rtt_us = c->rtt_us;
		w->retrans = c->c2s_retrans + c->s2c_retrans;
	} else {
		w->rtt_us = -1;
		w->retrans = 0;
	}
	lookup(r, w, c);
	w->c2s_rate = c->c2s_rate;
	w->s2c_rate = c->s2c_rate;
	w->cport = c->client_port;
	w->sport = c->server_port;
	w->family = c->family;
	w->state = c->state;
	w->flags = (uint8_t)c->flags;
	w->state_text = r->state_name ? r->state_name(c->state) : "?";
	memcpy(w->client, c->client, 16);
	memcpy(w->server, c->server, 16);
	return 0;
}

void top_rows_free(struct top_rows *r)
{
	free(r->v);
	free(r->pool);
	memset(r, 0, sizeof *r);
}

/* ---- sort orders ---- */

static const char *const sort_keys[TOP_NSORTS] = {
	"none", "client", "server", "state", "idle", "rate", "c2s", "s2c", "bytes", "packets",
	"rtt", "retrans", "process",
};
static const char *const sort_labels[TOP_NSORTS] = {
	"Unsorted", "Sorted by client", "Sorted by server", "Sorted by state", "Sorted by idle",
	"Sorted by rate", "Sorted by C->S rate", "Sorted by S->C rate", "Sorted by bytes",
	"Sorted by packets", "Sorted by RTT", "Sorted by retransmissions", "Sorted by process",
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

/* The column an order sorts by (-1: unsorted). */
static int sort_col(enum top_sort s)
{
	static const signed char col[TOP_NSORTS] = {
		[TOP_SORT_NONE] = -1, [TOP_SORT_CLIENT] = TOP_COL_CLIENT,
		[TOP_SORT_SERVER] = TOP_COL_SERVER, [TOP_SORT_STATE] = TOP_COL_STATE,
		[TOP_SORT_IDLE] = TOP_COL_IDLE, [TOP_SORT_RATE] = TOP_COL_RATE,
		[TOP_SORT_C2S] = TOP_COL_C2S, [TOP_SORT_S2C] = TOP_COL_S2C,
		[TOP_SORT_BYTES] = TOP_COL_BYTES, [TOP_SORT_PACKETS] = TOP_COL_PACKETS,
		[TOP_SORT_RTT] = TOP_COL_RTT, [TOP_SORT_RETRANS] = TOP_COL_RETR,
		[TOP_SORT_PROCESS] = TOP_COL_PROC,
	};
	return col[s];
}

/* Whether a key may move the order to s: unsorted always; another order
 * when its column is on the screen (shown: 1 << TOP_COL_* of the columns
 * the screen shows; 0 when not known yet: as the flags allow). */
static int sort_offered(enum top_sort s, int health, unsigned shown)
{
	int c = sort_col(s);
	if (c < 0)
		return 1;
	if (shown)
		return (shown >> c) & 1;
	return !((!(health & TOP_SHOW_HEALTH) && top_sort_is_health(s)) ||
	         (!(health & TOP_SHOW_PROCS) && s == TOP_SORT_PROCESS));
}

enum top_sort top_sort_cycle(enum top_sort s, int health, unsigned shown)
{
	/* tcptrack 1.x cycled unsorted, rate, bytes; idle joins them, and the
	 * health columns where they are shown */
	static const enum top_sort next[TOP_NSORTS] = {
		[TOP_SORT_NONE] = TOP_SORT_RATE, [TOP_SORT_RATE] = TOP_SORT_BYTES,
		[TOP_SORT_BYTES] = TOP_SORT_IDLE, [TOP_SORT_IDLE] = TOP_SORT_RTT,
		[TOP_SORT_RTT] = TOP_SORT_RETRANS,
	};
	/* (every other order is followed by unsorted); rate, bytes and idle
	 * whatever the screen shows, as 1.x, which showed no bytes column
	 * either; RTT and Retr when on the screen */
	do
		s = next[s];
	while (top_sort_is_health(s) && !sort_offered(s, health, shown));
	return s;
}

int top_sort_is_health(enum top_sort s)
{
	return s == TOP_SORT_RTT || s == TOP_SORT_RETRANS;
}

enum top_sort top_sort_step(enum top_sort s, int dir, int health, unsigned shown)
{
	int n = TOP_NSORTS, i = (int)s;
	do
		i = ((i + (dir < 0 ? -1 : 1)) % n + n) % n;
	while (!sort_offered((enum top_sort)i, health, shown));
	return (enum top_sort)i;
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
	if (filter_prefix_parse(&t->prefix, w) == 0) {
		t->kind = TOP_TERM_ADDR;
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
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (f->nterms == TOP_FILTER_TERMS) {
			f->dropped = 1; /* told while it is typed */
			break;
		}
		parse_term(&f->terms[f->nterms++], w);
	}
}

static int term_match(const struct top_term *t, const struct top_row *r, char (*ep)[TOP_ENDPOINT_MAX],
                      int *formatted)
{
	switch (t->kind) {
	case TOP_TERM_PORT:
		return r->cport == t->port || r->sport == t->port;
	case TOP_TERM_ADDR:
		return filter_prefix_match(&t->prefix, r->family, r->client) ||
		       filter_prefix_match(&t->prefix, r->family, r->server);
	default:
		if (!*formatted) {
			/* as numbers, and as names and services (shown or not:
			 * www.example.com:https) */
			top_fmt_endpoint(ep[0], r->family, r->client, r->cport);
			top_fmt_endpoint(ep[1], r->family, r->server, r->sport);
			/* (an end without a name or service is its numbers, above) */
			ep[2][0] = ep[3][0] = 0;
			if (r->cname || r->csvc)
				top_fmt_row_endpoint(ep[2], r, 0, 1);
			if (r->sname || r->ssvc)
				top_fmt_row_endpoint(ep[3], r, 1, 1);
			*formatted = 1;
		}
		if (strstr(ep[0], t->text) || strstr(ep[1], t->text) || strcasestr(ep[2], t->text) ||
		    strcasestr(ep[3], t->text))
			return 1;
		/* the process */
		if (r->proc && strcasestr(top_row_text(r, r->proc), t->text))
			return 1;
		/* the text is in lower case, the state as the host names it */
		return r->state_text && strcasestr(r->state_text, t->text) != NULL;
	}
}

int top_filter_match(const struct top_filter *f, const struct top_row *r)
{
	char ep[4][TOP_ENDPOINT_MAX];
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

/* The share of a row's segments retransmitted, 0 to 1 (-1: no packets). */
static double retrans_share(const struct top_row *r)
{
	return r->packets ? (double)r->retrans / (double)r->packets : -1;
}

/* Whether a row has no value to sort by: such rows go last, reversed or
 * not.  Their key is the largest; no other row's is. */
static int no_value(enum top_sort s, const struct top_row *r)
{
	return (s == TOP_SORT_RTT && r->rtt_us < 0) || (s == TOP_SORT_RETRANS && !r->packets) ||
	       (s == TOP_SORT_PROCESS && !r->proc);
}

static uint64_t sort_key(enum top_sort s, const struct top_row *r)
{
	if (no_value(s, r))
		return UINT64_MAX;

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
	case TOP_SORT_RTT: return UINT64_MAX - 1 - (uint64_t)r->rtt_us;
	case TOP_SORT_RETRANS: return UINT64_MAX - 1 - dbl_key(retrans_share(r));
	case TOP_SORT_PROCESS: {
		/* the command name's first 7 bytes (less() goes on with the
		 * rest, then the pid) */
		const char *p = top_row_text(r, r->proc);
		uint64_t k = 0;
		for (int i = 0; i < 7; i++)
			k = k << 8 | (uint8_t)(*p ? *p++ : 0);
		return k << 1 | 1; /* odd: reversed (~k), never the no-value key */
	}
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
	if (o->sort == TOP_SORT_PROCESS && a->key != UINT64_MAX) {
		/* the key holds the name's first bytes: the rest, then the pid */
		const struct top_row *ra = a->row, *rb = b->row;
		int d = strcmp(top_row_text(ra, ra->proc), top_row_text(rb, rb->proc));
		if (!d && ra->pid != rb->pid)
			d = ra->pid < rb->pid ? -1 : 1;
		if (d)
			return o->reverse ? d > 0 : d < 0;
	}
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
	s->payload = s->packets = s->retrans = 0;
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
		s->v[m].key = o->reverse && !no_value(o->sort, r) ? ~k : k;
		s->v[m].id = r->id;
		s->v[m].row = r;
		m++;
		s->c2s_rate += r->c2s_rate;
		s->s2c_rate += r->s2c_rate;
		s->payload += r->c2s_payload + r->s2c_payload;
		s->packets += r->packets;
		s->retrans += r->retrans;
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
