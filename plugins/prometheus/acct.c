/*
 * acct: the exporter's figures, kept so that no counter ever goes down.
 *
 * A counter of traffic is the sum of two parts: the final counts of the
 * connections that left the table (added at their TT_EV_REMOVED), and the
 * counts of those still in it (summed afresh at each collection, a walk of
 * the table).  A connection's counts only grow, and when it leaves, its
 * final counts move from the second part to the first unchanged: the sum
 * never goes down, and no per-connection state is kept here.
 *
 * A selected server gets its series at its first connection (TT_EV_OPENED)
 * and keeps it for the run; once max_servers have one, the connections of
 * servers without one go to the overflow series, and stay there: a
 * connection is summed into the same series when it opens, while it is
 * open and when it leaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

const int64_t pm_bounds_us[PM_NBUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

int pm_figs_alloc(struct pm_figs *f, size_t cap)
{
	memset(f, 0, sizeof *f);
	f->cap = cap;
	if (cap && !(f->servers = calloc(cap, sizeof *f->servers)))
		return -ENOMEM;
	return 0;
}

void pm_figs_free(struct pm_figs *f)
{
	free(f->servers);
	f->servers = NULL;
}

void pm_figs_copy(struct pm_figs *dst, const struct pm_figs *src)
{
	struct pm_server *keep = dst->servers;
	size_t cap = dst->cap;
	*dst = *src;
	dst->servers = keep;
	dst->cap = cap;
	if (src->nservers)
		memcpy(keep, src->servers, src->nservers * sizeof *keep);
}

int pm_acct_init(struct pm_acct *a, const struct filter *sel, size_t max_servers)
{
	memset(a, 0, sizeof *a);
	a->sel = sel && filter_active(sel) ? sel : NULL;
	a->max_servers = a->sel ? max_servers : 0;
	if (map_init(&a->slots, sizeof(struct pm_server_key), sizeof(uint32_t), map_seed()) < 0)
		return -EINVAL;
	int r = pm_figs_alloc(&a->figs, a->max_servers);
	a->figs.selected = !!a->sel;
	return r;
}

void pm_acct_free(struct pm_acct *a)
{
	map_free(&a->slots);
	pm_figs_free(&a->figs);
}

void pm_hist_add(struct pm_hist *h, int64_t us)
{
	unsigned i = 0;
	while (i < PM_NBUCKETS && us > pm_bounds_us[i])
		i++;
	h->n[i]++;
	h->count++;
	h->sum_us += us;
}

static void traffic_add(struct pm_traffic *t, const struct tt_conn *c)
{
	const struct tt_counts *k[2] = {&c->c2s, &c->s2c};
	for (int i = 0; i < 2; i++) {
		t->d[i].packets += k[i]->packets;
		t->d[i].bytes += k[i]->bytes;
		t->d[i].payload += k[i]->payload;
	}
	if (TT_HAS(tt_conn, c, s2c_retrans_bytes)) {
		t->d[0].retrans += c->c2s_retrans;
		t->d[0].retrans_bytes += c->c2s_retrans_bytes;
		t->d[1].retrans += c->s2c_retrans;
		t->d[1].retrans_bytes += c->s2c_retrans_bytes;
	}
}

static void server_key(struct pm_server_key *k, const struct tt_conn *c)
{
	memset(k, 0, sizeof *k);
	k->family = c->family;
	k->port = c->server_port;
	memcpy(k->addr, c->server, 16);
}

/* The series of c's server: its own, the overflow series, or NULL when the
 * server is not selected.  add: give it a series when it has none and
 * there is room (at its connection's opening only). */
static struct pm_server *server_of(struct pm_acct *a, const struct tt_conn *c, int add)
{
	if (!a->sel || !filter_match(a->sel, c))
		return NULL;
	struct pm_server_key k;
	server_key(&k, c);
	const uint32_t *slot = map_get(&a->slots, &k);
	if (slot)
		return &a->figs.servers[*slot];
	if (!add || a->figs.nservers >= a->max_servers)
		return &a->figs.overflow;
	uint32_t *ns = map_put(&a->slots, &k, NULL);
	if (!ns)
		return &a->figs.overflow; /* out of memory: summed, never lost */
	*ns = (uint32_t)a->figs.nservers++;
	struct pm_server *s = &a->figs.servers[*ns];
	memset(s, 0, sizeof *s);
	s->key = k;
	return s;
}

void pm_acct_event(struct pm_acct *a, const struct tt_event *ev)
{
	const struct tt_conn *c = ev->conn;
	struct pm_server *s;
	switch (ev->type) {
	case TT_EV_OPENED:
		if ((s = server_of(a, c, 1))) {
			s->opened++;
			if (s == &a->figs.overflow)
				a->overflow_conns++;
		}
		break;
	case TT_EV_STATE:
		/* the handshake ends once: the state leaves SYN_SENT or
		 * SYN|ACK-ACK for good */
		if (ev->old_state <= TT_SYN_ACK_ACK && c->state > TT_SYN_ACK_ACK &&
		    TT_HAS(tt_conn, c, handshake_us) && c->handshake_us >= 0)
			pm_hist_add(&a->handshake, c->handshake_us);
		break;
	case TT_EV_REMOVED:
		a->closed[ev->reason < PM_NREASONS ? ev->reason : TT_RM_NONE]++;
		traffic_add(&a->gone, c);
		if ((s = server_of(a, c, 0)))
			traffic_add(&s->gone, c);
		if (TT_HAS(tt_conn, c, rtt_us) && c->rtt_us >= 0)
			pm_hist_add(&a->rtt, c->rtt_us);
		break;
	}
}

void pm_acct_begin(struct pm_acct *a)
{
	struct pm_figs *f = &a->figs;
	memset(f->states, 0, sizeof f->states);
	f->traffic = a->gone;
	for (size_t i = 0; i < f->nservers; i++) {
		f->servers[i].open = 0;
		f->servers[i].traffic = f->servers[i].gone;
	}
	f->overflow.open = 0;
	f->overflow.traffic = f->overflow.gone;
}

void pm_acct_conn(struct pm_acct *a, const struct tt_conn *c)
{
	struct pm_figs *f = &a->figs;
	f->states[c->state < TT_NSTATES ? c->state : TT_NSTATES]++;
	traffic_add(&f->traffic, c);
	struct pm_server *s = server_of(a, c, 0);
	if (s) {
		/* a tuple only held is no longer a connection, as in the view;
		 * its traffic still counts */
		s->open += !(c->flags & TT_CONN_HELD);
		traffic_add(&s->traffic, c);
	}
}

void pm_acct_end(struct pm_acct *a, const struct tt_stats *st)
{
	struct pm_figs *f = &a->figs;
	memset(&f->stats, 0, sizeof f->stats);
	memcpy(&f->stats, st, st->size < sizeof f->stats ? st->size : sizeof f->stats);
	memcpy(f->closed, a->closed, sizeof f->closed);
	f->handshake = a->handshake;
	f->rtt = a->rtt;
	f->overflow_conns = a->overflow_conns;
	f->seq++;
}
