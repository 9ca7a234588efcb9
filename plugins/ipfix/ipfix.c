/*
 * ipfix: flow records (RFC 7011) to a collector over UDP or TCP, through
 * lib/target.  A record per direction of each connection when it leaves
 * the table, and, for a connection that lasts, one every active_timeout
 * with what it sent since the previous one, so that the records of a
 * connection add up to its totals; with biflow = yes, one record per
 * connection carrying both directions (RFC 5103).
 *
 * The encoder is this file: four templates and fixed-size records, each
 * record written by walking its template's fields, so that the two cannot
 * disagree.  Messages stay within mtu (less the IP and UDP headers), carry
 * the count of data records sent before them as their sequence number, and
 * the templates go first on every new socket and again every
 * template_refresh over UDP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "map.h"
#include "mono.h"
#include "parse.h"
#include "target.h"
#include "tcptrack/plugin.h"

/* Information elements (RFC 7012, IANA registry) */
enum {
	IE_OCTETS = 1, IE_PACKETS = 2, IE_PROTO = 4, IE_TCPFLAGS = 6, IE_SPORT = 7,
	IE_SRC4 = 8, IE_DPORT = 11, IE_DST4 = 12, IE_SRC6 = 27, IE_DST6 = 28,
	IE_END_REASON = 136, IE_START_MS = 152, IE_END_MS = 153,
};
#define REVERSE_PEN 29305 /* RFC 5103: the reverse direction of an element */

/* flowEndReason (RFC 7012) */
enum { END_IDLE = 1, END_ACTIVE = 2, END_OF_FLOW = 3, END_FORCED = 4, END_RESOURCES = 5 };

struct field {
	uint16_t ie, len;
	uint8_t reverse;
};

#define F(ie, len) {ie, len, 0}
#define R(ie, len) {ie, len, 1}
#define COMMON F(IE_SPORT, 2), F(IE_DPORT, 2), F(IE_PROTO, 1), F(IE_TCPFLAGS, 2), \
	F(IE_OCTETS, 8), F(IE_PACKETS, 8), F(IE_START_MS, 8), F(IE_END_MS, 8), F(IE_END_REASON, 1)
#define REVERSE R(IE_TCPFLAGS, 2), R(IE_OCTETS, 8), R(IE_PACKETS, 8)

static const struct field f_uni4[] = {F(IE_SRC4, 4), F(IE_DST4, 4), COMMON};
static const struct field f_uni6[] = {F(IE_SRC6, 16), F(IE_DST6, 16), COMMON};
static const struct field f_bi4[] = {F(IE_SRC4, 4), F(IE_DST4, 4), COMMON, REVERSE};
static const struct field f_bi6[] = {F(IE_SRC6, 16), F(IE_DST6, 16), COMMON, REVERSE};

struct tmpl {
	uint16_t id;
	uint16_t n;
	const struct field *f;
};

#define T(id, f) {id, sizeof f / sizeof f[0], f}
/* [biflow][family is 6] */
static const struct tmpl templates[2][2] = {
	{T(256, f_uni4), T(257, f_uni6)},
	{T(258, f_bi4), T(259, f_bi6)},
};

#define HDR 16          /* message header */
#define SET_HDR 4
#define IP_UDP_HDR 48   /* IPv6 and UDP headers: what the path MTU must also carry */

/* One record: a direction of a connection, or both (biflow) */
struct rec {
	int v6;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint64_t by[2], pk[2]; /* [0] forward, [1] reverse (biflow) */
	uint8_t fl[2];
	int64_t start_us, end_us;
	uint8_t reason;
};

/* What a long connection's records carried already */
struct sent {
	uint64_t pk[2], by[2];
	int64_t end_us[2];    /* where each direction's previous record ended:
	                       * its next starts there */
	int64_t at_us;        /* capture clock: the sweep that gave them */
};

struct ipfix {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	struct target target;
	int has_target;
	uint32_t domain;
	int64_t active_us;    /* 0: records only at the end */
	int64_t refresh_us;
	uint64_t mtu;
	int biflow;
	size_t queue_max;
	int64_t drain_us;
	int udp;

	unsigned char *buf;   /* the message being built: msg_max bytes */
	size_t msg_max, len;
	size_t set_off;       /* offset of the open set's header (0: none) */
	uint16_t set_id;
	uint32_t nrec;        /* data records in the message */
	uint32_t seq;         /* data records built before it */
	int64_t next_templates; /* mono clock */
	int64_t last_connect; /* mono clock: templates sent for a new socket */
	int64_t next_sweep;   /* capture clock */
	int64_t sweep_now;    /* the time of the sweep under way */

	struct map sent;      /* connection id -> struct sent */
	uint64_t records, messages;
};

static const char *const ipfix_keys[] = {
	"target", "observation_domain", "active_timeout", "template_refresh", "mtu", "biflow",
	"queue", "drain", NULL,
};

/* ---- encoding ---- */

static unsigned char *put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8), p[1] = (unsigned char)v;
	return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	return put16(put16(p, (uint16_t)(v >> 16)), (uint16_t)v);
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
	return put32(put32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

static size_t rec_size(const struct tmpl *t)
{
	size_t n = 0;
	for (unsigned i = 0; i < t->n; i++)
		n += t->f[i].len;
	return n;
}

/* The template set of this instance (its two templates) at p: its end. */
static unsigned char *put_templates(const struct ipfix *s, unsigned char *p)
{
	unsigned char *set = p;
	p += SET_HDR;
	for (int v6 = 0; v6 < 2; v6++) {
		const struct tmpl *t = &templates[s->biflow][v6];
		p = put16(put16(p, t->id), t->n);
		for (unsigned i = 0; i < t->n; i++) {
			const struct field *f = &t->f[i];
			p = put16(put16(p, (uint16_t)(f->ie | (f->reverse ? 0x8000 : 0))), f->len);
			if (f->reverse)
				p = put32(p, REVERSE_PEN);
		}
	}
	put16(put16(set, 2), (uint16_t)(p - set));
	return p;
}

static unsigned char *put_record(const struct tmpl *t, const struct rec *r, unsigned char *p)
{
	for (unsigned i = 0; i < t->n; i++) {
		int d = t->f[i].reverse;
		switch (t->f[i].ie) {
		case IE_SRC4: memcpy(p, r->src, 4), p += 4; break;
		case IE_DST4: memcpy(p, r->dst, 4), p += 4; break;
		case IE_SRC6: memcpy(p, r->src, 16), p += 16; break;
		case IE_DST6: memcpy(p, r->dst, 16), p += 16; break;
		case IE_SPORT: p = put16(p, r->sport); break;
		case IE_DPORT: p = put16(p, r->dport); break;
		case IE_PROTO: *p++ = 6; break;
		case IE_TCPFLAGS: p = put16(p, r->fl[d]); break;
		case IE_OCTETS: p = put64(p, r->by[d]); break;
		case IE_PACKETS: p = put64(p, r->pk[d]); break;
		case IE_START_MS: p = put64(p, (uint64_t)(r->start_us / 1000)); break;
		case IE_END_MS: p = put64(p, (uint64_t)(r->end_us / 1000)); break;
		case IE_END_REASON: *p++ = r->reason; break;
		}
	}
	return p;
}

/* A message header at buf for len bytes, sequence number seq. */
static void put_header(const struct ipfix *s, unsigned char *buf, size_t len, uint32_t seq)
{
	unsigned char *p = put16(put16(buf, 10), (uint16_t)len);
	put32(put32(put32(p, (uint32_t)time(NULL)), seq), s->domain);
}

static void push(struct ipfix *s, unsigned char *buf, size_t len)
{
	struct target_msg m = {.buf = (char *)buf, .len = len};
	target_push(&s->target, &m, 0);
	s->messages++;
}

/* Send the message being built, if any. */
static void finish(struct ipfix *s)
{
	if (!s->len)
		return;
	if (s->set_off)
		put16(s->buf + s->set_off + 2, (uint16_t)(s->len - s->set_off));
	put_header(s, s->buf, s->len, s->seq);
	push(s, s->buf, s->len);
	s->seq += s->nrec;
	s->len = 0;
	s->set_off = 0;
	s->nrec = 0;
	target_pump(&s->target);
}

/* A new socket (the first, a new TCP connection, UDP after a failure):
 * the templates go before anything else on it. */
static void on_connect(void *arg)
{
	struct ipfix *s = arg;
	/* UDP to a closed port fails at every other send, and each failure
	 * makes a new socket: templates once a second are enough then */
	int64_t now = mono_now_us();
	if (s->udp && s->last_connect && now - s->last_connect < 1000000)
		return;
	s->last_connect = now;
	unsigned char buf[HDR + 512];
	size_t len = (size_t)(put_templates(s, buf + HDR) - buf);
	/* the number of the first data message still queued, if any: the
	 * collector counts from it */
	uint32_t seq = s->seq;
	const struct target *t = &s->target;
	if (t->qcount) {
		const struct target_msg *head = &t->q[t->qhead];
		const unsigned char *h = (const unsigned char *)head->buf;
		/* the head begins with them already: those of a socket that
		 * failed at once (UDP to a closed port), or a message built
		 * while the target was down */
		if (head->len >= len && !memcmp(h + HDR, buf + HDR, len - HDR))
			return;
		seq = (uint32_t)h[8] << 24 | (uint32_t)h[9] << 16 | (uint32_t)h[10] << 8 | h[11];
	}
	put_header(s, buf, len, seq);
	struct target_msg m = {.buf = (char *)buf, .len = len};
	target_push_front(&s->target, &m);
	s->messages++;
	s->next_templates = now + s->refresh_us;
}

static void add_record(struct ipfix *s, const struct rec *r)
{
	const struct tmpl *t = &templates[s->biflow][r->v6];
	size_t need = rec_size(t) + (s->set_off && s->set_id == t->id ? 0 : SET_HDR);
	if (s->len && s->len + need > s->msg_max)
		finish(s);
	if (!s->len) {
		s->len = HDR;
		/* over UDP the collector may have restarted and forgotten
		 * them; and while its host refuses the messages (nothing
		 * listens) each carries them, as the first that gets through
		 * is the first of a collector that has none */
		if (s->udp && (s->target.down || mono_now_us() >= s->next_templates)) {
			s->len = (size_t)(put_templates(s, s->buf + HDR) - s->buf);
			s->next_templates = mono_now_us() + s->refresh_us;
		}
	}
	if (!s->set_off || s->set_id != t->id) {
		if (s->set_off)
			put16(s->buf + s->set_off + 2, (uint16_t)(s->len - s->set_off));
		s->set_off = s->len;
		s->set_id = t->id;
		put16(s->buf + s->len, t->id);
		s->len += SET_HDR;
	}
	s->len = (size_t)(put_record(t, r, s->buf + s->len) - s->buf);
	s->nrec++;
	s->records++;
}

/* A record's times: from where the previous record of its direction
 * ended (the connection's first packet for the first) to the latest
 * packet; with no packet since, the previous record's end as both, so that
 * no record reaches past the connection's last packet. */
static void set_times(struct rec *r, const struct tt_conn *c, int64_t from, int new_packets)
{
	r->start_us = from;
	r->end_us = new_packets && c->last_seen_us > from ? c->last_seen_us : from;
}

/* The records of c since what `sent` carried (NULL: since its start),
 * at an active timeout or as it ends; `sent` then carries them too.  An
 * active timeout gives a record for each direction that sent since; the
 * end gives one for each direction that ever sent, with no packets when
 * it sent nothing since its previous record, so that the last record of
 * every direction tells the collector why it ended. */
static void export_conn(struct ipfix *s, const struct tt_conn *c, struct sent *sent, uint8_t reason)
{
	const struct tt_counts *cnt[2] = {&c->c2s, &c->s2c};
	uint64_t pk[2], by[2];
	for (int d = 0; d < 2; d++) {
		pk[d] = cnt[d]->packets - (sent ? sent->pk[d] : 0);
		by[d] = cnt[d]->bytes - (sent ? sent->by[d] : 0);
	}
	uint8_t fl[2] = {0, 0};
	if (TT_HAS(tt_conn, c, s2c_tcp_flags))
		fl[0] = c->c2s_tcp_flags, fl[1] = c->s2c_tcp_flags;
	int64_t from[2] = {c->first_seen_us, c->first_seen_us};
	if (sent)
		memcpy(from, sent->end_us, sizeof from);
	struct rec r = {.v6 = c->family == 6, .reason = reason};
	/* a record for direction d: new packets, or the end of a direction
	 * whose earlier records a collector holds */
	int last = reason != END_ACTIVE && sent;
	int want[2] = {pk[0] || (last && cnt[0]->packets), pk[1] || (last && cnt[1]->packets)};
	if (s->biflow) {
		if (!want[0] && !want[1])
			return;
		r.src = c->client, r.dst = c->server, r.sport = c->client_port, r.dport = c->server_port;
		memcpy(r.pk, pk, sizeof pk), memcpy(r.by, by, sizeof by), memcpy(r.fl, fl, sizeof fl);
		set_times(&r, c, from[0], pk[0] || pk[1]);
		add_record(s, &r);
		from[0] = from[1] = r.end_us;
	} else {
		for (int d = 0; d < 2; d++) {
			if (!want[d])
				continue;
			r.src = d ? c->server : c->client, r.dst = d ? c->client : c->server;
			r.sport = d ? c->server_port : c->client_port, r.dport = d ? c->client_port : c->server_port;
			r.pk[0] = pk[d], r.by[0] = by[d], r.fl[0] = fl[d];
			set_times(&r, c, from[d], pk[d] != 0);
			add_record(s, &r);
			from[d] = r.end_us;
		}
	}
	if (!sent)
		return;
	for (int d = 0; d < 2; d++)
		sent->pk[d] = cnt[d]->packets, sent->by[d] = cnt[d]->bytes;
	memcpy(sent->end_us, from, sizeof from);
}

static uint8_t end_reason(uint32_t reason)
{
	switch (reason) {
	case TT_RM_LINGER:
	case TT_RM_REUSED:
		return END_OF_FLOW;
	case TT_RM_EVICTED:
		return END_RESOURCES;
	case TT_RM_EXIT:
		return END_FORCED;
	default:
		return END_IDLE; /* syn, fin and idle timeouts */
	}
}

/* ---- the plugin ---- */

static int ix_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct ipfix *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->host = host;
	s->ctx = ctx;
	s->active_us = 60 * 1000000LL;
	s->refresh_us = 60 * 1000000LL;
	s->mtu = 1500;
	s->queue_max = 10000;
	s->drain_us = 2000000;
	target_init(&s->target, host, ctx);
	if (map_init(&s->sent, 0, sizeof(struct sent), 0) < 0) {
		free(s);
		return -ENOMEM;
	}
	*state = s;
	return 0;
}

static int ix_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct ipfix *s = state;
	const char *why;
	if (!strcmp(key, "target")) {
		if (strncmp(value, "udp:", 4) && strncmp(value, "tcp:", 4)) {
			snprintf(err, errlen, "'%s': use udp:HOST:PORT or tcp:HOST:PORT", value);
			return -EINVAL;
		}
		int r = target_parse(&s->target, value, err, errlen);
		s->has_target = r == 0;
		return r < 0 ? -EINVAL : 0;
	}
	if (!strcmp(key, "active_timeout") || !strcmp(key, "template_refresh") || !strcmp(key, "drain")) {
		int64_t us;
		if (parse_duration(value, &us, &why) < 0) {
			snprintf(err, errlen, "'%s': not a duration (examples: 500ms, 10s, 5m, 1h)", value);
			return -EINVAL;
		}
		if (key[0] == 't' && us < 1000000) {
			snprintf(err, errlen, "'%s': templates are resent every second at most", value);
			return -EINVAL;
		}
		if (key[0] == 'a' && us && us < 100000) {
			snprintf(err, errlen, "'%s': the active timeout is 0 (none) or at least 100ms", value);
			return -EINVAL;
		}
		*(key[0] == 'a' ? &s->active_us : key[0] == 't' ? &s->refresh_us : &s->drain_us) = us;
		return 0;
	}
	if (!strcmp(key, "mtu") || !strcmp(key, "observation_domain") || !strcmp(key, "queue")) {
		uint64_t n;
		uint64_t lo = key[0] == 'm' ? 576 : key[0] == 'q' ? 1 : 0;
		uint64_t hi = key[0] == 'm' ? 65535 : key[0] == 'q' ? 10000000 : UINT32_MAX;
		if (parse_size(value, &n, &why) < 0 || n < lo || n > hi) {
			snprintf(err, errlen, "'%s': not a number from %llu to %llu", value, (unsigned long long)lo,
			         (unsigned long long)hi);
			return -EINVAL;
		}
		if (key[0] == 'm')
			s->mtu = n;
		else if (key[0] == 'q')
			s->queue_max = (size_t)n;
		else
			s->domain = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "biflow")) {
		if (parse_bool(value, &s->biflow, &why) < 0) {
			snprintf(err, errlen, "'%s': %s", value, why);
			return -EINVAL;
		}
		return 0;
	}
	return 0;
}

static int ix_check(void *state, char *err, size_t errlen)
{
	struct ipfix *s = state;
	if (!s->has_target) {
		snprintf(err, errlen, "no target (target = udp:HOST:PORT or tcp:HOST:PORT)");
		return -EINVAL;
	}
	s->udp = s->target.kind == TARGET_UDP;
	s->msg_max = (size_t)s->mtu - IP_UDP_HDR;
	return 0;
}

static int ix_open(void *state, char *err, size_t errlen)
{
	struct ipfix *s = state;
	s->buf = malloc(s->msg_max);
	if (!s->buf) {
		snprintf(err, errlen, "no memory");
		return -ENOMEM;
	}
	target_set_raw(&s->target);
	target_on_connect(&s->target, on_connect, s);
	return target_open(&s->target, s->queue_max);
}

/* How often the snapshot comes: to send what waits at least every second,
 * and to look for long connections four times per active timeout. */
static int64_t period_of(const struct ipfix *s)
{
	int64_t p = 1000000;
	if (s->active_us && s->active_us / 4 < p)
		p = s->active_us / 4;
	return p;
}

static int ix_start(void *state)
{
	struct ipfix *s = state;
	target_start(&s->target);
	if (TT_HOST_HAS(s->host, set_caps)) {
		s->host->set_events(s->ctx, TT_EV_REMOVED);
		s->host->set_caps(s->ctx, TT_CAP_NO_RATES);
	}
	return s->host->set_interval(s->ctx, period_of(s), 0);
}

static int ix_on_event(void *state, const struct tt_event *ev)
{
	struct ipfix *s = state;
	if (ev->type != TT_EV_REMOVED)
		return 0;
	const struct tt_conn *c = ev->conn;
	struct sent *sent = s->sent.count ? map_get_id(&s->sent, c->id) : NULL;
	export_conn(s, c, sent, end_reason(ev->reason));
	if (sent)
		map_del_id(&s->sent, c->id);
	return 0;
}

/* A long connection: a record of what it sent since its last one, once
 * active_timeout has passed since then. */
static int sweep_one(void *arg, const struct tt_conn *c)
{
	struct ipfix *s = arg;
	int64_t now = s->sweep_now;
	struct sent *sent = s->sent.count ? map_get_id(&s->sent, c->id) : NULL;
	if (now - (sent ? sent->at_us : c->first_seen_us) < s->active_us)
		return 0;
	/* nothing since the previous records: none now, and the next one's
	 * time is still counted from them */
	if (sent && c->c2s.packets == sent->pk[0] && c->s2c.packets == sent->pk[1])
		return 0;
	if (!sent) {
		if (!(sent = map_put_id(&s->sent, c->id)))
			return -ENOMEM;
		sent->end_us[0] = sent->end_us[1] = c->first_seen_us;
	}
	export_conn(s, c, sent, END_ACTIVE);
	sent->at_us = now;
	return 0;
}

static int ix_on_snapshot(void *state, const struct tt_snapshot *snap)
{
	struct ipfix *s = state;
	int r = 0;
	if (!snap->flags && s->active_us && snap->time_us >= s->next_sweep) {
		s->next_sweep = snap->time_us + s->active_us / 4;
		s->sweep_now = snap->time_us;
		r = snap->foreach(snap, sweep_one, s);
	}
	finish(s);
	target_pump(&s->target);
	return r < 0 ? r : 0;
}

static int ix_on_fd(void *state, int fd, short revents)
{
	struct ipfix *s = state;
	(void)fd;
	(void)revents;
	target_pump(&s->target);
	return 0;
}

static int ix_flush(void *state)
{
	struct ipfix *s = state;
	finish(s);
	target_pump(&s->target); /* stop() waits for the rest, as json's */
	return 0;
}

static int ix_reopen(void *state)
{
	struct ipfix *s = state;
	target_reopen(&s->target);
	return 0;
}

static void ix_stop(void *state)
{
	struct ipfix *s = state;
	finish(s);
	target_drain(&s->target, s->drain_us);
	target_stop(&s->target);
	s->host->log(s->ctx, TT_LOG_INFO, "%llu records in %llu messages to %s; %llu messages lost",
	             (unsigned long long)s->records, (unsigned long long)s->messages, s->target.name,
	             (unsigned long long)s->target.lost);
}

static void ix_destroy(void *state)
{
	struct ipfix *s = state;
	target_free(&s->target);
	map_free(&s->sent);
	free(s->buf);
	free(s);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_NO_RATES,
	.events = TT_EV_REMOVED,
	.name = "ipfix",
	.description = "IPFIX flow records (RFC 7011) to a collector over UDP or TCP",
	.keys = ipfix_keys,
	.create = ix_create,
	.configure = ix_configure,
	.check = ix_check,
	.open = ix_open,
	.start = ix_start,
	.on_event = ix_on_event,
	.on_snapshot = ix_on_snapshot,
	.on_fd = ix_on_fd,
	.reopen = ix_reopen,
	.flush = ix_flush,
	.stop = ix_stop,
	.destroy = ix_destroy,
};
