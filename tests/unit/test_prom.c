/* The prometheus plugin's figures (acct.c) and text (expo.c): counters that
 * never go down as connections leave the table, the per-server series and
 * their overflow, the histograms, and the exposition lines. */
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "tap.h"

static struct tt_conn conn(uint64_t id, uint8_t server_last, uint16_t sport)
{
	struct tt_conn c;
	memset(&c, 0, sizeof c);
	c.size = sizeof c;
	c.family = 4;
	c.id = id;
	c.state = TT_ESTABLISHED;
	c.client[0] = 10, c.client[3] = 1;
	c.server[0] = 10, c.server[3] = server_last;
	c.client_port = (uint16_t)(40000 + id);
	c.server_port = sport;
	c.handshake_us = c.rtt_us = c.rtt_client_us = c.rtt_server_us = c.rtt_min_us = -1;
	return c;
}

static void grow(struct tt_conn *c, uint64_t pk, uint64_t by)
{
	c->c2s.packets += pk, c->c2s.bytes += by, c->c2s.payload += by / 2;
	c->s2c.packets += 2 * pk, c->s2c.bytes += 2 * by, c->s2c.payload += by;
	c->s2c_retrans += 1;
}

static void ev(struct pm_acct *a, uint32_t type, const struct tt_conn *c, uint32_t old, uint32_t reason)
{
	struct tt_event e = {.size = sizeof e, .type = type, .conn = c, .old_state = old, .reason = reason};
	pm_acct_event(a, &e);
}

static void collect(struct pm_acct *a, struct tt_conn *cs, const int *in_table, int n)
{
	struct tt_stats st = {.size = sizeof st};
	pm_acct_begin(a);
	for (int i = 0; i < n; i++)
		if (in_table[i])
			pm_acct_conn(a, &cs[i]);
	pm_acct_end(a, &st);
}

static const char *line(const char *text, const char *want)
{
	const char *p = strstr(text, want);
	return p && (p == text || p[-1] == '\n') ? p : NULL;
}

int main(void)
{
	struct filter sel;
	memset(&sel, 0, sizeof sel);
	char err[128];
	CHECK(filter_set_ports(&sel, "80 443", err, sizeof err) == 0, "%s", err);
	struct pm_acct a;
	CHECK(pm_acct_init(&a, &sel, 2) == 0, "init");

	/* four connections: to 10.0.0.1:80, 10.0.0.2:443, 10.0.0.3:80 (a third
	 * server: the overflow), 10.0.0.4:22 (not selected) */
	struct tt_conn cs[4] = {conn(1, 1, 80), conn(2, 2, 443), conn(3, 3, 80), conn(4, 4, 22)};
	int in[4] = {1, 1, 1, 1};
	for (int i = 0; i < 4; i++) {
		ev(&a, TT_EV_OPENED, &cs[i], 0, 0);
		grow(&cs[i], 10, 1000);
	}
	/* a handshake of 3 ms ends for connection 1 */
	cs[0].handshake_us = 3000;
	ev(&a, TT_EV_STATE, &cs[0], TT_SYN_ACK_ACK, 0);
	ev(&a, TT_EV_STATE, &cs[0], TT_ESTABLISHED, 0); /* a later change: not again */
	collect(&a, cs, in, 4);
	struct pm_figs *f = &a.figs;
	CHECK(f->traffic.d[0].packets == 40 && f->traffic.d[1].bytes == 8000, "totals %llu %llu",
	      (unsigned long long)f->traffic.d[0].packets, (unsigned long long)f->traffic.d[1].bytes);
	CHECK(f->states[TT_ESTABLISHED] == 4, "established %llu", (unsigned long long)f->states[TT_ESTABLISHED]);
	CHECK(f->nservers == 2, "two series, not %zu", f->nservers);
	CHECK(f->overflow.opened == 1 && f->overflow_conns == 1 && f->overflow.open == 1,
	      "overflow: opened %llu, hits %llu", (unsigned long long)f->overflow.opened,
	      (unsigned long long)f->overflow_conns);
	CHECK(f->servers[0].key.port == 80 && f->servers[0].traffic.d[0].bytes == 1000, "server 1");
	CHECK(f->handshake.count == 1 && f->handshake.sum_us == 3000, "handshake once: %llu",
	      (unsigned long long)f->handshake.count);
	struct pm_traffic before = f->traffic;
	struct pm_server s0 = f->servers[0], ov = f->overflow;

	/* connections 1 and 3 send more, then leave the table; 2 goes on */
	grow(&cs[0], 5, 500);
	grow(&cs[2], 5, 500);
	grow(&cs[1], 1, 100);
	cs[0].rtt_us = 40000;
	ev(&a, TT_EV_REMOVED, &cs[0], 0, TT_RM_LINGER);
	ev(&a, TT_EV_REMOVED, &cs[2], 0, TT_RM_IDLE);
	in[0] = in[2] = 0;
	collect(&a, cs, in, 4);
	for (int d = 0; d < 2; d++) {
		CHECK(f->traffic.d[d].packets >= before.d[d].packets && f->traffic.d[d].bytes >= before.d[d].bytes &&
		      f->traffic.d[d].retrans >= before.d[d].retrans, "direction %d went down", d);
		CHECK(f->servers[0].traffic.d[d].bytes >= s0.traffic.d[d].bytes &&
		      f->overflow.traffic.d[d].bytes >= ov.traffic.d[d].bytes, "a server went down");
	}
	/* and exactly: every connection's final or current counts */
	uint64_t want = 0;
	for (int i = 0; i < 4; i++)
		want += cs[i].c2s.bytes;
	CHECK(f->traffic.d[0].bytes == want, "c2s bytes %llu, want %llu",
	      (unsigned long long)f->traffic.d[0].bytes, (unsigned long long)want);
	CHECK(f->servers[0].traffic.d[0].bytes == cs[0].c2s.bytes && f->servers[0].open == 0 &&
	      f->servers[0].opened == 1, "server 1 after its connection left");
	CHECK(f->overflow.traffic.d[1].packets == cs[2].s2c.packets && f->overflow.open == 0,
	      "overflow after its connection left");
	CHECK(f->closed[TT_RM_LINGER] == 1 && f->closed[TT_RM_IDLE] == 1, "closed by reason");
	CHECK(f->rtt.count == 1 && f->rtt.n[8] == 1, "rtt 40 ms in the 0.05 s bucket");

	/* a fourth server later: the cap still holds, and it is counted */
	struct tt_conn c5 = conn(5, 5, 443);
	ev(&a, TT_EV_OPENED, &c5, 0, 0);
	CHECK(a.figs.nservers == 2 && a.overflow_conns == 2, "cap hits %llu",
	      (unsigned long long)a.overflow_conns);

	/* the text, of a collection after that */
	collect(&a, cs, in, 4);
	struct pm_names nm;
	const char *states[TT_NSTATES] = {"SYN_SENT", "SYN|ACK-ACK", "ESTABLISHED", "CLOSING", "CLOSED", "RESET"};
	const char *reasons[PM_NREASONS] = {"", "closed", "syn_timeout", "fin_timeout", "idle", "evicted", "reused", "exit"};
	memcpy(nm.state, states, sizeof nm.state);
	memcpy(nm.reason, reasons, sizeof nm.reason);
	size_t cap = pm_expo_size(f);
	char *text = malloc(cap);
	struct strbuf b;
	strbuf_init(&b, text, cap);
	pm_expo(&b, f, &nm);
	CHECK(!b.cut, "text cut at %zu", b.len);
	char w[160];
	snprintf(w, sizeof w, "tcptrack_ip_bytes_total{direction=\"c2s\"} %llu\n", (unsigned long long)want);
	CHECK(line(text, w) != NULL, "no line %s", w);
	CHECK(line(text, "tcptrack_connections{state=\"syn_ack_ack\"} 0\n") != NULL, "state label");
	CHECK(line(text, "tcptrack_connections{state=\"established\"} 2\n") != NULL, "established gauge");
	CHECK(line(text, "tcptrack_connections_closed_total{reason=\"idle\"} 1\n") != NULL, "closed");
	CHECK(line(text, "tcptrack_handshake_rtt_seconds_bucket{le=\"0.0025\"} 0\n") &&
	      line(text, "tcptrack_handshake_rtt_seconds_bucket{le=\"0.005\"} 1\n") &&
	      line(text, "tcptrack_handshake_rtt_seconds_bucket{le=\"+Inf\"} 1\n") &&
	      line(text, "tcptrack_handshake_rtt_seconds_sum 0.003\n"), "handshake histogram");
	CHECK(line(text, "tcptrack_server_connections_opened_total{address=\"10.0.0.1\",port=\"80\"} 1\n") &&
	      line(text, "tcptrack_server_connections_opened_total{address=\"other\",port=\"other\"} 2\n") &&
	      line(text, "tcptrack_server_overflow_total 2\n"), "server series");
	CHECK(!strstr(text, "10.0.0.4") && !strstr(text, "10.0.0.3"), "a series of an unselected or overflowed server");
	CHECK(!strstr(text, "40001"), "a client port in the text");
	free(text);
	pm_acct_free(&a);
	DONE();
}
