/*
 * eval: the rule's metric on the capture clock.  At each period the
 * connections the rule looks at are walked (when the metric needs it), the
 * values are handed to the engine as one round, and the engine's events
 * come back through sl_emit.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "sl.h"

/* A server's sums of one evaluation (the value of sl.srvs). */
struct srv {
	uint64_t conns;
	double rate;
	uint64_t nrtt;         /* connections with a round trip */
	double rtt;            /* the sum of theirs, s */
	uint64_t segs, retrans; /* of the period */
};

/* What a period's retransmission rate has counted of a connection (the
 * value of sl.bases, by connection id). */
struct base {
	uint64_t segs, retrans;
};

/* A header-only packet from the client to the server, for the filter. */
static int bpf_match(const struct sl *s, const struct tt_conn *c)
{
	uint8_t pkt[60];
	size_t ip;
	memset(pkt, 0, sizeof pkt);
	if (c->family == 4) {
		pkt[0] = 0x45;
		pkt[3] = 40;
		pkt[8] = 64;
		pkt[9] = IPPROTO_TCP;
		memcpy(pkt + 12, c->client, 4);
		memcpy(pkt + 16, c->server, 4);
		ip = 20;
	} else {
		pkt[0] = 0x60;
		pkt[5] = 20;
		pkt[6] = IPPROTO_TCP;
		pkt[7] = 64;
		memcpy(pkt + 8, c->client, 16);
		memcpy(pkt + 24, c->server, 16);
		ip = 40;
	}
	uint8_t *t = pkt + ip;
	t[0] = (uint8_t)(c->client_port >> 8), t[1] = (uint8_t)c->client_port;
	t[2] = (uint8_t)(c->server_port >> 8), t[3] = (uint8_t)c->server_port;
	t[12] = 5 << 4;
	t[13] = 0x10; /* ACK */
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.caplen = h.len = (bpf_u_int32)(ip + 20);
	return pcap_offline_filter(&s->bpf, &h, pkt) != 0;
}

/* Whether the process owning the connection has the rule's command name. */
static int process_match(const struct sl *s, const struct tt_conn *c)
{
	struct tt_process p = {.size = sizeof p};
	return s->host->process_of(s->ctx, c, &p) && !strcmp(p.comm, s->process);
}

/* Whether the rule looks at a connection. */
static int match(const struct sl *s, const struct tt_conn *c)
{
	return filter_match(&s->filter, c) && (!s->has_bpf || bpf_match(s, c)) &&
	       (!s->process[0] || process_match(s, c));
}

static int filtered(const struct sl *s)
{
	return filter_active(&s->filter) || s->has_bpf || s->process[0];
}

/* The rates over a period: they count the segments of each connection
 * since the previous evaluation. */
static int per_period(const struct sl *s)
{
	return s->metric == M_SERVER_RETRANS_RATE || s->metric == M_TOTAL_RETRANS_RATE;
}

uint32_t eval_events(const struct sl *s)
{
	if (s->metric == M_NEW_CONNECTIONS)
		return TT_EV_OPENED;
	if (s->metric == M_RESETS)
		return TT_EV_STATE;
	if (per_period(s))
		return TT_EV_REMOVED; /* the segments of a connection's last moments */
	return 0;
}

int eval_reads_rates(const struct sl *s)
{
	switch (s->metric) {
	case M_CONN_RATE: case M_CONN_RATE_C2S: case M_CONN_RATE_S2C: case M_SERVER_RATE:
		return 1;
	case M_TOTAL_RATE:
		return filtered(s);  /* else the snapshot's totals, kept without rates */
	default:
		return 0;
	}
}

/* The health fields are there: a view of ABI 1.1 (the rule was refused at
 * check without tcp_health, so they are measured). */
static int has_health(const struct tt_conn *c)
{
	return TT_HAS(tt_conn, c, s2c_retrans);
}

static uint64_t segs(const struct tt_conn *c)
{
	return c->c2s.packets + c->s2c.packets;
}

static uint64_t retrans(const struct tt_conn *c)
{
	return has_health(c) ? c->c2s_retrans + c->s2c_retrans : 0;
}

/* The round trip in seconds, or -1 without one. */
static double rtt(const struct tt_conn *c)
{
	return has_health(c) && c->rtt_us >= 0 ? (double)c->rtt_us / 1e6 : -1;
}

/* A share in percent; 0 of nothing is 0. */
static double percent(uint64_t part, uint64_t whole)
{
	return whole ? (double)part * 100 / (double)whole : 0;
}

/* The segments of c (and how many retransmitted) since the previous
 * evaluation, or since it began; what is counted is kept for the next,
 * until it ends. */
static void since_last(struct sl *s, const struct tt_conn *c, int ended, uint64_t *n, uint64_t *re)
{
	struct base *b = map_get_id(&s->bases, c->id);
	uint64_t sg = segs(c), rt = retrans(c);
	*n = sg - (b ? b->segs : 0);
	*re = rt - (b ? b->retrans : 0);
	if (ended) {
		if (b)
			map_del_id(&s->bases, c->id);
		return;
	}
	if (!b)
		b = map_put_id(&s->bases, c->id);
	if (b) {
		b->segs = sg;
		b->retrans = rt;
	}
}

static double conn_value(const struct sl *s, const struct tt_conn *c, int64_t now)
{
	switch (s->metric) {
	case M_CONN_RATE: return c->c2s_rate + c->s2c_rate;
	case M_CONN_RATE_C2S: return c->c2s_rate;
	case M_CONN_RATE_S2C: return c->s2c_rate;
	case M_CONN_BYTES: return (double)(c->c2s.payload + c->s2c.payload);
	case M_CONN_BYTES_C2S: return (double)c->c2s.payload;
	case M_CONN_BYTES_S2C: return (double)c->s2c.payload;
	case M_CONN_DURATION: {
		int64_t end = c->state == TT_CLOSED || c->state == TT_RESET ? c->last_seen_us : now;
		return (double)(end - c->first_seen_us) / 1e6;
	}
	case M_CONN_SYN_TIME:
		return c->state == TT_SYN_SENT ? (double)(now - c->first_seen_us) / 1e6 : 0;
	case M_CONN_RTT: return rtt(c);
	case M_CONN_RETRANS_RATE: return percent(retrans(c), segs(c));
	default: return 0;
	}
}

static int is_open(const struct tt_conn *c)
{
	return c->state != TT_CLOSED && c->state != TT_RESET;
}

struct walk {
	struct sl *s;
	int64_t now;
	int64_t young_us;  /* a rule "below" on a connection's rate: the window */
	double rate;
	uint64_t count, half;
	uint64_t segs, retrans;
};

/* The server of a connection, as the engine keys it. */
static void server_key(struct alert_key *k, const struct tt_conn *c)
{
	memset(k, 0, sizeof *k);
	k->family = c->family;
	memcpy(k->server, c->server, 16);
	k->server_port = c->server_port;
}

/* One connection: a sample (per connection), into its server's sums, or
 * into the totals. */
static int walk_one(void *arg, const struct tt_conn *c)
{
	struct walk *w = arg;
	struct sl *s = w->s;
	if (!match(s, c))
		return 0;
	const struct metric_def *d = &rules_metrics[s->metric];
	uint64_t n = 0, re = 0;
	if (per_period(s))
		since_last(s, c, 0, &n, &re);
	struct alert_key k;
	server_key(&k, c);
	if (d->scope == SC_CONN) {
		if (s->metric == M_CONN_RTT && rtt(c) < 0)
			return 0; /* no round trip yet: nothing to compare */
		if (eval_reads_rates(s) && c->state != TT_ESTABLISHED && c->state != TT_CLOSING)
			return 0; /* not open yet, or over: it sends nothing because
			           * of that, which is no rate to alarm on (a rule
			           * "below" would fire for every SYN unanswered and
			           * every connection that closes); an alarm on a
			           * connection that ends ends with "the connection
			           * ended" */
		k.id = c->id;
		memcpy(k.client, c->client, 16);
		k.client_port = c->client_port;
		k.has_client = 1;
		/* younger than the window its rate is averaged over: what it
		 * sent over its own age, not over time before it began too (a
		 * rule "below" would fire for every new connection) */
		double v = conn_value(s, c, w->now);
		int64_t age = w->now - c->first_seen_us;
		if (w->young_us && age > 0 && age < w->young_us)
			v = v * (double)w->young_us / (double)age;
		alert_sample(s->eng, &k, v);
	} else if (d->scope == SC_SERVER) {
		struct srv *x = map_put(&s->srvs, &k, NULL);
		if (x) {
			x->conns += is_open(c);
			x->rate += c->c2s_rate + c->s2c_rate;
			if (rtt(c) >= 0) {
				x->nrtt++;
				x->rtt += rtt(c);
			}
			x->segs += n;
			x->retrans += re;
		}
	} else {
		w->count += is_open(c);
		w->half += c->state == TT_SYN_SENT || c->state == TT_SYN_ACK_ACK;
		w->rate += c->c2s_rate + c->s2c_rate;
		w->segs += n;
		w->retrans += re;
	}
	return 0;
}

/* The value of a server's sums. */
static int server_value(const struct sl *s, const struct srv *x, double *v)
{
	switch (s->metric) {
	case M_SERVER_RATE: *v = x->rate; break;
	case M_SERVER_RTT:
		if (!x->nrtt)
			return 0; /* none of its connections has one */
		*v = x->rtt / (double)x->nrtt;
		break;
	case M_SERVER_RETRANS_RATE: *v = percent(x->retrans, x->segs); break;
	default: *v = (double)x->conns; break;
	}
	return 1;
}

/* The value of a metric over all traffic. */
static double global_value(struct sl *s, const struct tt_snapshot *snap, const struct walk *w, int64_t span)
{
	double v = 0;
	switch (s->metric) {
	case M_TOTAL_RATE:
		v = filtered(s) ? w->rate : snap->c2s_rate + snap->s2c_rate;
		break;
	case M_CONNECTIONS:
		v = (double)w->count;
		break;
	case M_HALF_OPEN:
		v = filtered(s) ? (double)w->half : (double)snap->half_open;
		break;
	case M_NEW_CONNECTIONS:
	case M_RESETS:
		v = (double)s->events * 1e6 / (double)span;
		s->events = 0;
		break;
	case M_TOTAL_RETRANS_RATE:
		v = percent(w->retrans + s->gone_retrans, w->segs + s->gone_segs);
		s->gone_segs = s->gone_retrans = 0;
		break;
	default:
		break;
	}
	return v;
}

void eval_round(struct sl *s, const struct tt_snapshot *snap)
{
	const struct metric_def *d = &rules_metrics[s->metric];
	int64_t now = snap->time_us;
	int64_t span = s->last_eval && now > s->last_eval ? now - s->last_eval : s->every_us;
	s->last_eval = now;
	alert_begin(s->eng, now);
	struct walk w = {.s = s, .now = now};
	if (s->below && eval_reads_rates(s) && d->scope == SC_CONN)
		w.young_us = s->host->settings(s->ctx)->average_us;
	if (s->walk_needed)
		snap->foreach(snap, walk_one, &w);
	if (d->scope == SC_SERVER) {
		double v;
		for (struct srv *x = map_next(&s->srvs, NULL); x; x = map_next(&s->srvs, x))
			if (server_value(s, x, &v))
				alert_sample(s->eng, map_key(&s->srvs, x), v);
		/* emptied after, not before: the connections that ended since
		 * the last round are in it already */
		map_clear(&s->srvs);
	} else if (d->scope == SC_GLOBAL) {
		struct alert_key k;
		memset(&k, 0, sizeof k);
		alert_sample(s->eng, &k, global_value(s, snap, &w, span));
	}
	alert_end(s->eng);
	if (alert_stats(s->eng)->untracked && !s->keys_said) {
		s->keys_said = 1;
		s->host->log(s->ctx, TT_LOG_WARN, "max_keys (%zu) reached: further keys are not watched",
		             s->max_keys);
	}
}

/* A connection ended: its segments since the last evaluation count in the
 * next one, with its server's or with all traffic. */
static void ended(struct sl *s, const struct tt_conn *c)
{
	uint64_t n, re;
	since_last(s, c, 1, &n, &re);
	if (!n)
		return;
	if (s->metric == M_TOTAL_RETRANS_RATE) {
		s->gone_segs += n;
		s->gone_retrans += re;
		return;
	}
	struct alert_key k;
	server_key(&k, c);
	struct srv *x = map_put(&s->srvs, &k, NULL);
	if (x) {
		x->segs += n;
		x->retrans += re;
	}
}

void eval_event(struct sl *s, const struct tt_event *ev)
{
	if (s->metric == M_NEW_CONNECTIONS && ev->type == TT_EV_OPENED && match(s, ev->conn))
		s->events++;
	else if (s->metric == M_RESETS && ev->type == TT_EV_STATE && ev->conn->state == TT_RESET &&
	         match(s, ev->conn))
		s->events++;
	else if (per_period(s) && ev->type == TT_EV_REMOVED && match(s, ev->conn))
		ended(s, ev->conn);
}

void eval_init(struct sl *s)
{
	/* seeded: the servers are the traffic's addresses */
	map_init(&s->srvs, sizeof(struct alert_key), sizeof(struct srv), map_seed());
	map_init(&s->bases, 0, sizeof(struct base), map_seed());
}

void eval_free(struct sl *s)
{
	map_free(&s->srvs);
	map_free(&s->bases);
}
