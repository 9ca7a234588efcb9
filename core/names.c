/*
 * names: the name cache, the passive sources, and reverse lookups through
 * c-ares, driven by the event loop's poll.
 */
#include "names.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "map.h"
#include "mono.h"
#include "util.h"

#define QUEUE 256           /* addresses waiting for a lookup to be sent */
#define FAIL_RETRY_US 30000000 /* a lookup that got no answer is tried again after */
#define MIN_TTL 60          /* seconds: a name is shown for this long at least (dnsmasq
                             * answers its own records with TTL 0) */

struct key {
	uint8_t family;
	uint8_t pad[3];
	uint8_t addr[16];
};

enum state { ST_NAMED, ST_NEGATIVE, ST_PENDING };

struct ent {
	int64_t expires;     /* monotonic us; INT64_MAX: until evicted */
	uint64_t used;       /* n->gen at the last use */
	uint8_t src;         /* enum names_src */
	uint8_t state;       /* enum state */
	uint8_t refresh;     /* named, past its time and asked again: the name
	                      * stays shown until the answer (RFC 8767's
	                      * stale answers), as a connection that outlives
	                      * its names' TTL keeps them in its row */
	char name[DNS_NAME_MAX];
};

struct slot {
	struct names *n;
	struct key key;
	int busy;
};

struct names {
	struct names_config c;
	char *server;
	struct map cache;
	uint64_t gen;
	struct names_stats st;
	/* reverse lookups */
	ares_channel ch;
	int ares_up;
	struct key queue[QUEUE];
	unsigned qhead, qlen;
	struct slot *slots;
	uint64_t inflight;
	double tokens;           /* lookups that may be sent now */
	int64_t tokens_at;
	/* services(5), looked up once per port */
	char **svc;
	uint8_t *svc_done;
};

/* ---- the cache ---- */

static void make_key(struct key *k, int family, const uint8_t *addr)
{
	memset(k, 0, sizeof *k);
	k->family = (uint8_t)family;
	memcpy(k->addr, addr, family == 4 ? 4 : 16);
}

struct sweep {
	struct names *n;
	int64_t now;
	uint64_t older;
};

static int drop_old(void *arg, void *val)
{
	struct sweep *s = arg;
	struct ent *e = val;
	int drop = e->expires <= s->now || e->used < s->older;
	s->n->st.evicted += (uint64_t)drop;
	return drop;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The last use below which an entry is among the less recently used half
 * of the cache (uses count every look-up, so a count of them would drop
 * nearly all when a few names are looked up often).  0 when out of memory:
 * only the expired entries go then. */
static uint64_t half_used(struct names *n)
{
	size_t count = n->cache.count, i = 0;
	uint64_t *v = count ? malloc(count * sizeof *v) : NULL;
	if (!v)
		return 0;
	for (const struct ent *e = map_next(&n->cache, NULL); e && i < count; e = map_next(&n->cache, e))
		v[i++] = e->used;
	/* sorted: once in cache_max / 2 new names, a few ms at most */
	qsort(v, i, sizeof *v, cmp_u64);
	uint64_t mid = i ? v[i / 2] : 0;
	free(v);
	return mid;
}

/* The entry of k, made (state pending, no name) when absent; when the
 * cache is at its bound, the expired entries and the less recently used
 * half go first (a sweep when the cache is full: at most once in
 * cache_max / 2 new names).  NULL when out of memory. */
static struct ent *cache_put(struct names *n, const struct key *k, int64_t now, int *added)
{
	struct ent *e = map_get(&n->cache, k);
	if (!e && n->cache.count >= n->c.cache_max) {
		struct sweep s = {n, now, half_used(n)};
		map_sweep(&n->cache, drop_old, &s);
	}
	e = map_put(&n->cache, k, added);
	if (!e)
		return NULL;
	if (*added) {
		e->state = ST_PENDING;
		e->src = NAMES_NONE;
		e->refresh = 0;
		e->name[0] = 0;
		e->expires = INT64_MAX;
	}
	e->used = ++n->gen;
	if (n->cache.count > n->st.cache_peak)
		n->st.cache_peak = n->cache.count;
	return e;
}

/* A name for an address from src: a source of more trust replaces a name,
 * one of less never does (a PTR answer does not undo what the client
 * looked up). */
static void learn(struct names *n, int family, const uint8_t *addr, const char *name,
                  enum names_src src, int64_t expires)
{
	struct key k;
	make_key(&k, family, addr);
	int added;
	int64_t now = mono_now_us();
	struct ent *e = cache_put(n, &k, now, &added);
	if (!e)
		return;
	if (e->state == ST_NAMED && e->src > src && e->expires > now)
		return;
	snprintf(e->name, sizeof e->name, "%s", name);
	e->state = ST_NAMED;
	e->src = (uint8_t)src;
	e->refresh = 0;
	e->expires = expires;
}

/* A reverse name, for its TTL (MIN_TTL at least) from now. */
static void learn_ptr(struct names *n, int family, const uint8_t *addr, const char *name, uint32_t ttl,
                      int64_t now)
{
	uint32_t t = ttl < MIN_TTL ? MIN_TTL : ttl;
	learn(n, family, addr, name, NAMES_PTR, now + (int64_t)t * 1000000);
}

/* ---- passive ---- */

static void on_passive(void *arg, int family, const uint8_t *addr, const char *name, uint32_t ttl,
                       enum dns_kind kind)
{
	struct names *n = arg;
	n->st.learned++;
	if (kind == DNS_REVERSE) {
		/* someone's reverse lookup (tcptrack's own too, when its
		 * resolver is reached through the interface captured): what a
		 * lookup of ours would have got, with its trust and its time,
		 * never over the name a client looked up */
		learn_ptr(n, family, addr, name, ttl, mono_now_us());
		return;
	}
	/* a client may use an address long after its TTL: the name stays
	 * until the cache needs the room */
	learn(n, family, addr, name, NAMES_DNS, INT64_MAX);
}

void names_dns_cut(struct names *n)
{
	n->st.cut++;
}

void names_dns_message(struct names *n, const uint8_t *m, size_t len)
{
	struct dns_result r;
	dns_response(m, len, on_passive, n, &r);
}

/* ---- reverse lookups ---- */

static void queue_lookup(struct names *n, const struct key *k, struct ent *e, int64_t now)
{
	int named = e->state == ST_NAMED; /* past its time: asked again */
	if (n->qlen == QUEUE) {
		/* asked again later rather than queued without bound (a name
		 * past its time is shown meanwhile) */
		if (!named)
			e->state = ST_NEGATIVE;
		e->expires = now + 1000000;
		return;
	}
	n->queue[(n->qhead + n->qlen++) % QUEUE] = *k;
	if (named) {
		e->refresh = 1; /* shown until the answer */
		return;
	}
	e->state = ST_PENDING;
	e->expires = INT64_MAX; /* until the answer, or the lack of one */
}

static void want(struct names *n, const struct key *k)
{
	int added;
	int64_t now = mono_now_us();
	struct ent *e = cache_put(n, k, now, &added);
	if (!e)
		return;
	if (added || (e->state != ST_PENDING && !e->refresh && e->expires <= now))
		queue_lookup(n, k, e, now);
}

/* Whether an address may be asked about: not one that no DNS server
 * names and whose query would only leave the host for nothing (loopback,
 * link-local, multicast, unspecified, broadcast; IPv4 also as mapped in
 * IPv6). */
static int askable(int family, const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family == 6 && !memcmp(a, mapped, 12)) {
		family = 4;
		a += 12;
	}
	if (family == 4)
		return a[0] != 0 && a[0] != 127 && !(a[0] == 169 && a[1] == 254) && a[0] < 224;
	static const uint8_t zero[15] = {0};
	if (!memcmp(a, zero, 15) && a[15] <= 1)
		return 0; /* :: and ::1 */
	return a[0] != 0xff && !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

void names_want(struct names *n, int family, const uint8_t *addr)
{
	if (!n || !n->ares_up || !askable(family, addr))
		return;
	struct key k;
	make_key(&k, family, addr);
	want(n, &k);
}

size_t names_get(struct names *n, int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!n || !len)
		return 0;
	struct key k;
	make_key(&k, family, addr);
	struct ent *e = map_get(&n->cache, &k);
	if (e && e->state == ST_NAMED) {
		e->used = ++n->gen;
		/* past its time: asked again, and shown until the answer */
		if (e->expires <= mono_now_us() && !e->refresh && n->ares_up && askable(family, addr))
			want(n, &k);
		size_t l = strlen(e->name);
		if (l >= len)
			return 0;
		memcpy(buf, e->name, l + 1);
		return l;
	}
	if (n->ares_up && askable(family, addr))
		want(n, &k);
	return 0;
}

/* What a reverse answer says of the one address asked about. */
struct ptr_got {
	const struct key *k;
	uint32_t ttl;
	char name[DNS_NAME_MAX];
};

static void on_ptr(void *arg, int family, const uint8_t *addr, const char *name, uint32_t ttl,
                   enum dns_kind kind)
{
	(void)kind; /* only the PTR record of the address asked about is taken */
	struct ptr_got *g = arg;
	struct key k;
	make_key(&k, family, addr);
	if (g->name[0] || memcmp(&k, g->k, sizeof k))
		return; /* the first PTR record of the address asked about */
	snprintf(g->name, sizeof g->name, "%s", name);
	g->ttl = ttl;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct slot *s = arg;
	struct names *n = s->n;
	s->busy = 0;
	n->inflight--;
	if (status == ARES_EDESTRUCTION)
		return;
	int64_t now = mono_now_us();
	struct ptr_got g = {&s->key, 0, ""};
	struct dns_result r = {0};
	int answered = (status == ARES_SUCCESS || status == ARES_ENOTFOUND || status == ARES_ENODATA) &&
	               abuf && alen > 0 && dns_response(abuf, (size_t)alen, on_ptr, &g, &r) == 0;
	if (g.name[0]) {
		n->st.answered++;
		learn_ptr(n, s->key.family, s->key.addr, g.name, g.ttl, now);
		return;
	}
	int added;
	struct ent *e = cache_put(n, &s->key, now, &added);
	if (!e || (e->state == ST_NAMED && e->expires > now))
		return; /* named meanwhile by the wire */
	if (e->state == ST_NAMED && e->refresh && !answered) {
		/* no answer to a name's refresh: the name stays, asked again later */
		n->st.failed++;
		e->refresh = 0;
		e->expires = now + FAIL_RETRY_US;
		return;
	}
	e->state = ST_NEGATIVE;
	e->refresh = 0;
	if (answered) {
		/* no such name: cached as the zone says (RFC 2308), else as configured */
		n->st.negative++;
		e->expires = now + (r.neg_ttl ? (int64_t)r.neg_ttl * 1000000 : n->c.neg_ttl_us);
	} else {
		n->st.failed++;
		e->expires = now + FAIL_RETRY_US;
	}
}

/* Send what the queue holds, as far as the rate and the bound in flight
 * allow. */
static void send_queued(struct names *n, int64_t now)
{
	if (!n->qlen)
		return;
	double per_us = (double)n->c.ptr_rate / 1e6;
	n->tokens += (double)(now - n->tokens_at) * per_us;
	if (n->tokens > (double)n->c.ptr_rate)
		n->tokens = (double)n->c.ptr_rate; /* a burst of one second at most */
	n->tokens_at = now;
	while (n->qlen && n->tokens >= 1 && n->inflight < n->c.ptr_inflight) {
		struct key k = n->queue[n->qhead];
		n->qhead = (n->qhead + 1) % QUEUE;
		n->qlen--;
		struct slot *s = NULL;
		for (uint64_t i = 0; i < n->c.ptr_inflight && !s; i++)
			if (!n->slots[i].busy)
				s = &n->slots[i];
		if (!s)
			break;
		s->busy = 1;
		s->key = k;
		n->inflight++;
		n->tokens -= 1;
		n->st.lookups++;
		char rev[80];
		dns_reverse_name(k.family, k.addr, rev, sizeof rev);
		/* sends a datagram (non-blocking) and returns; the answer comes
		 * through names_run.  It may call on_answer at once (no server). */
		ares_query(n->ch, rev, 1 /* C_IN */, 12 /* T_PTR */, on_answer, s);
	}
}

int names_pollfds(struct names *n, struct pollfd *fds, int max)
{
	if (!n || !n->ares_up || !n->inflight)
		return 0;
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	int bits = ares_getsock(n->ch, socks, ARES_GETSOCK_MAXNUM);
	int k = 0;
	for (int i = 0; i < ARES_GETSOCK_MAXNUM && k < max; i++) {
		/* the bits as c-ares' macros read them, but unsigned: its
		 * WRITABLE shifts an int 1 into the sign bit for the last socket */
		unsigned ub = (unsigned)bits;
		short ev = (short)((((ub >> i) & 1u) ? POLLIN : 0) |
		                   (((ub >> (i + ARES_GETSOCK_MAXNUM)) & 1u) ? POLLOUT : 0));
		if (!ev)
			continue;
		fds[k].fd = socks[i];
		fds[k].events = ev;
		fds[k].revents = 0;
		k++;
	}
	return k;
}

void names_run(struct names *n, const struct pollfd *fds, int nfds)
{
	if (!n || !n->ares_up)
		return;
	for (int i = 0; i < nfds; i++) {
		if (!fds[i].revents)
			continue;
		ares_socket_t r = fds[i].revents & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD;
		ares_socket_t w = fds[i].revents & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD;
		ares_process_fd(n->ch, r, w);
	}
	if (n->inflight)
		ares_process_fd(n->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* the timeouts */
	send_queued(n, mono_now_us());
}

int64_t names_wait_us(struct names *n)
{
	if (!n || !n->ares_up)
		return -1;
	int64_t w = -1;
	if (n->inflight) {
		struct timeval tv, *t = ares_timeout(n->ch, NULL, &tv);
		if (t)
			w = (int64_t)t->tv_sec * 1000000 + t->tv_usec;
	}
	if (n->qlen) {
		/* the next token, or at once when lookups may be sent */
		int64_t tw = n->inflight < n->c.ptr_inflight ? (int64_t)(1e6 / (double)n->c.ptr_rate) : -1;
		if (tw >= 0 && (w < 0 || tw < w))
			w = tw;
	}
	return w;
}

/* ---- services ---- */

const char *names_service(struct names *n, uint16_t port)
{
	if (!n)
		return NULL;
	if (!n->svc) {
		n->svc = xcalloc(65536, sizeof *n->svc);
		n->svc_done = xcalloc(65536 / 8, 1);
	}
	if (!(n->svc_done[port / 8] & (1u << (port % 8)))) {
		n->svc_done[port / 8] |= (uint8_t)(1u << (port % 8));
		/* a local file (kept open since names_new): read once per port */
		struct servent *se = getservbyport(htons(port), "tcp");
		if (se && se->s_name)
			n->svc[port] = xstrdup(se->s_name);
	}
	return n->svc[port];
}

/* ---- making it ---- */

struct names *names_new(const struct names_config *c, char *err, size_t errlen)
{
	struct names *n = xcalloc(1, sizeof *n);
	n->c = *c;
	if (n->c.cache_max < 16)
		n->c.cache_max = 16;
	if (!n->c.ptr_rate)
		n->c.ptr_rate = 1;
	if (!n->c.ptr_inflight)
		n->c.ptr_inflight = 1;
	n->st.cache_max = n->c.cache_max;
	struct key probe;
	if (map_init(&n->cache, sizeof probe, sizeof(struct ent), map_seed()) < 0) {
		snprintf(err, errlen, "names: cannot make the cache");
		free(n);
		return NULL;
	}
	setservent(1); /* services(5) stays readable after a chroot */
	if (!c->ptr)
		return n;
	int r = ares_library_init(ARES_LIB_INIT_ALL);
	struct ares_options o = {0};
	o.timeout = (int)(c->ptr_timeout_us / 1000 / 2);
	if (o.timeout < 100)
		o.timeout = 100;
	o.tries = 2;
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	if (r == ARES_SUCCESS)
		r = ares_init_options(&n->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
	if (r == ARES_SUCCESS && c->server) {
		n->server = xstrdup(c->server);
		r = ares_set_servers_ports_csv(n->ch, n->server);
		if (r != ARES_SUCCESS) {
			snprintf(err, errlen, "names: resolver '%s': %s", c->server, ares_strerror(r));
			ares_destroy(n->ch);
			names_free(n);
			return NULL;
		}
	}
	if (r != ARES_SUCCESS) {
		snprintf(err, errlen, "names: c-ares: %s", ares_strerror(r));
		names_free(n);
		return NULL;
	}
	n->ares_up = 1;
	n->slots = xcalloc(n->c.ptr_inflight, sizeof *n->slots);
	for (uint64_t i = 0; i < n->c.ptr_inflight; i++)
		n->slots[i].n = n;
	n->tokens_at = mono_now_us();
	n->tokens = 1;
	return n;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	if (n->ares_up) {
		ares_destroy(n->ch);
		ares_library_cleanup();
	}
	free(n->slots);
	free(n->server);
	map_free(&n->cache);
	if (n->svc)
		for (size_t i = 0; i < 65536; i++)
			free(n->svc[i]);
	free(n->svc);
	free(n->svc_done);
	free(n);
}

void names_stats(const struct names *n, struct names_stats *s)
{
	*s = n->st;
	s->cached = n->cache.count;
}
