/*
 * eval: the rule's metric on the capture clock.  At each period the
 * connections the rule looks at are walked (when the metric needs it), the
 * values are handed to the engine as one round, and the engine's events
 * come back through sl_emit.
 */
#include <netinet/in.h>
#include <string.h>

#include "sl.h"

/* A server's sums of one evaluation (the value of sl.srvs). */
struct srv {
	uint64_t conns;
	double rate;
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

/* Whether the rule looks at a connection. */
static int match(const struct sl *s, const struct tt_conn *c)
{
	return filter_match(&s->filter, c) && (!s->has_bpf || bpf_match(s, c));
}

static int filtered(const struct sl *s)
{
	return filter_active(&s->filter) || s->has_bpf;
}

uint32_t eval_events(const struct sl *s)
{
	if (s->metric == M_NEW_CONNECTIONS)
		return TT_EV_OPENED;
	if (s->metric == M_RESETS)
		return TT_EV_STATE;
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
	double rate;
	uint64_t count, half;
};

/* One connection: a sample (per connection), into its server's sums, or
 * into the totals. */
static int walk_one(void *arg, const struct tt_conn *c)
{
	struct walk *w = arg;
	struct sl *s = w->s;
	if (!match(s, c))
		return 0;
	const struct metric_def *d = &rules_metrics[s->metric];
	struct alert_key k;
	memset(&k, 0, sizeof k);
	k.family = c->family;
	memcpy(k.server, c->server, 16);
	k.server_port = c->server_port;
	if (d->scope == SC_CONN) {
		k.id = c->id;
		memcpy(k.client, c->client, 16);
		k.client_port = c->client_port;
		k.has_client = 1;
		alert_sample(s->eng, &k, conn_value(s, c, w->now));
	} else if (d->scope == SC_SERVER) {
		struct srv *x = map_put(&s->srvs, &k, NULL);
		if (x) {
			x->conns += is_open(c);
			x->rate += c->c2s_rate + c->s2c_rate;
		}
	} else {
		w->count += is_open(c);
		w->half += c->state == TT_SYN_SENT || c->state == TT_SYN_ACK_ACK;
		w->rate += c->c2s_rate + c->s2c_rate;
	}
	return 0;
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
	if (d->scope == SC_SERVER)
		map_clear(&s->srvs);
	if (s->walk_needed)
		snap->foreach(snap, walk_one, &w);
	if (d->scope == SC_SERVER) {
		for (struct srv *x = map_next(&s->srvs, NULL); x; x = map_next(&s->srvs, x))
			alert_sample(s->eng, map_key(&s->srvs, x),
			             s->metric == M_SERVER_RATE ? x->rate : (double)x->conns);
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

void eval_event(struct sl *s, const struct tt_event *ev)
{
	if (s->metric == M_NEW_CONNECTIONS && ev->type == TT_EV_OPENED && match(s, ev->conn))
		s->events++;
	else if (s->metric == M_RESETS && ev->type == TT_EV_STATE && ev->conn->state == TT_RESET &&
	         match(s, ev->conn))
		s->events++;
}

void eval_init(struct sl *s)
{
	/* seeded: the servers are the traffic's addresses */
	map_init(&s->srvs, sizeof(struct alert_key), sizeof(struct srv), map_seed());
}
