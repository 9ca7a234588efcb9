/*
 * expo: the figures as the Prometheus text exposition format (version
 * 0.0.4): each family's HELP and TYPE, then its samples.  Counters end in
 * _total; bytes and seconds are the units; labels are few and bounded
 * (direction, state, reason, and the capped server series).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "prom.h"

static const char *const dirs[2] = {"c2s", "s2c"};

static void family(struct strbuf *b, const char *name, const char *type, const char *help)
{
	strbuf_str(b, "# HELP ");
	strbuf_str(b, name);
	strbuf_str(b, " ");
	strbuf_str(b, help);
	strbuf_str(b, "\n# TYPE ");
	strbuf_str(b, name);
	strbuf_str(b, " ");
	strbuf_str(b, type);
	strbuf_str(b, "\n");
}

/* name{labels} v; labels is the text inside the braces, or NULL */
static void sample(struct strbuf *b, const char *name, const char *labels, uint64_t v)
{
	strbuf_str(b, name);
	if (labels) {
		strbuf_str(b, "{");
		strbuf_str(b, labels);
		strbuf_str(b, "}");
	}
	strbuf_str(b, " ");
	strbuf_u64(b, v);
	strbuf_str(b, "\n");
}

static void seconds(struct strbuf *b, int64_t us)
{
	strbuf_fixed(b, (double)us / 1e6, 6, 1);
}

static void one(struct strbuf *b, const char *name, const char *type, const char *help, uint64_t v)
{
	family(b, name, type, help);
	sample(b, name, NULL, v);
}

/* a label value of a name from the host: lower case, '|' and '-' as '_'
 * ("SYN|ACK-ACK" -> "syn_ack_ack"), nothing that needs escaping */
static void label_name(char *out, size_t len, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < len; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '_';
		out[i] = ch;
	}
	out[i] = 0;
}

static void hist(struct strbuf *b, const char *name, const char *help, const struct pm_hist *h)
{
	char n[96];
	family(b, name, "histogram", help);
	snprintf(n, sizeof n, "%s_bucket", name);
	uint64_t cum = 0;
	for (unsigned i = 0; i <= PM_NBUCKETS; i++) {
		cum += h->n[i];
		strbuf_str(b, n);
		strbuf_str(b, "{le=\"");
		if (i < PM_NBUCKETS)
			seconds(b, pm_bounds_us[i]);
		else
			strbuf_str(b, "+Inf");
		strbuf_str(b, "\"} ");
		strbuf_u64(b, cum);
		strbuf_str(b, "\n");
	}
	snprintf(n, sizeof n, "%s_sum", name);
	strbuf_str(b, n);
	strbuf_str(b, " ");
	seconds(b, h->sum_us);
	strbuf_str(b, "\n");
	snprintf(n, sizeof n, "%s_count", name);
	sample(b, n, NULL, h->count);
}

/* address="...",port="..." of a server series */
static void server_labels(char *out, size_t len, const struct pm_server *s, int overflow)
{
	if (overflow) {
		snprintf(out, len, "address=\"other\",port=\"other\"");
		return;
	}
	char a[INET6_ADDRSTRLEN];
	if (!inet_ntop(s->key.family == 6 ? AF_INET6 : AF_INET, s->key.addr, a, sizeof a))
		snprintf(a, sizeof a, "?");
	snprintf(out, len, "address=\"%s\",port=\"%u\"", a, (unsigned)s->key.port);
}

enum { T_PACKETS, T_BYTES, T_PAYLOAD, T_RETRANS, T_RETRANS_BYTES, T_N };
static const struct {
	const char *name, *server_name, *help;
} tfam[T_N] = {
	{"tcptrack_tcp_packets_total", "tcptrack_server_tcp_packets_total",
	 "TCP segments counted into connections, by direction."},
	{"tcptrack_ip_bytes_total", "tcptrack_server_ip_bytes_total",
	 "IP bytes (IPv4 total length, IPv6 40 + payload length) of the TCP segments, by direction."},
	{"tcptrack_payload_bytes_total", "tcptrack_server_payload_bytes_total",
	 "TCP payload bytes, by direction."},
	{"tcptrack_retransmitted_segments_total", "tcptrack_server_retransmitted_segments_total",
	 "TCP segments seen as retransmitted or out of order, by direction (with [core] tcp_health)."},
	{"tcptrack_retransmitted_bytes_total", "tcptrack_server_retransmitted_bytes_total",
	 "TCP payload bytes of those segments, by direction (with [core] tcp_health)."},
};

static uint64_t tval(const struct pm_dir *d, int k)
{
	switch (k) {
	case T_PACKETS: return d->packets;
	case T_BYTES: return d->bytes;
	case T_PAYLOAD: return d->payload;
	case T_RETRANS: return d->retrans;
	default: return d->retrans_bytes;
	}
}

/* One family of the server series: every selected server's sample, then
 * the overflow's; k: a traffic figure (T_*, by direction), or T_N + 0 for
 * the open connections, T_N + 1 for those opened. */
static void server_family(struct strbuf *b, const struct pm_figs *f, const char *name,
                          const char *type, const char *help, int k)
{
	char lab[128], l2[160];
	family(b, name, type, help);
	for (size_t i = 0; i <= f->nservers; i++) {
		const struct pm_server *s = i < f->nservers ? &f->servers[i] : &f->overflow;
		server_labels(lab, sizeof lab, s, i == f->nservers);
		if (k >= T_N) {
			sample(b, name, lab, k == T_N ? s->open : s->opened);
			continue;
		}
		for (int d = 0; d < 2; d++) {
			snprintf(l2, sizeof l2, "%s,direction=\"%s\"", lab, dirs[d]);
			sample(b, name, l2, tval(&s->traffic.d[d], k));
		}
	}
}

static void servers(struct strbuf *b, const struct pm_figs *f)
{
	server_family(b, f, "tcptrack_server_connections", "gauge",
	              "Connections shown now, per selected server (address=\"other\": the overflow series).",
	              T_N);
	server_family(b, f, "tcptrack_server_connections_opened_total", "counter",
	              "Connections opened, per selected server.", T_N + 1);
	for (int k = 0; k < T_N; k++)
		server_family(b, f, tfam[k].server_name, "counter", tfam[k].help, k);
	one(b, "tcptrack_server_overflow_total", "counter",
	    "Connections summed into the overflow series because max_servers servers had a series.",
	    f->overflow_conns);
}

size_t pm_expo_size(const struct pm_figs *f)
{
	return 16384 + (f->cap + 1) * 2048;
}

void pm_expo(struct strbuf *b, const struct pm_figs *f, const struct pm_names *nm)
{
	const struct tt_stats *s = &f->stats;
	char lab[96], v[32];
	one(b, "tcptrack_packets_read_total", "counter", "Packets read from the capture.", s->packets);
	family(b, "tcptrack_packets_dropped_total", "counter",
	       "Packets dropped before tcptrack saw them (pcap_stats: kernel ps_drop, interface ps_ifdrop).");
	sample(b, "tcptrack_packets_dropped_total", "where=\"kernel\"", s->kernel_drops);
	sample(b, "tcptrack_packets_dropped_total", "where=\"interface\"", s->if_drops);
	family(b, "tcptrack_packets_skipped_total", "counter",
	       "Packets read but not counted into a connection, by reason.");
	static const char *const skip[] = {"non_tcp", "fragment", "truncated", "invalid", "unsupported", "untracked"};
	const uint64_t skipv[] = {s->non_tcp, s->fragments, s->truncated, s->invalid, s->unsupported, s->untracked};
	for (unsigned i = 0; i < 6; i++) {
		snprintf(lab, sizeof lab, "reason=\"%s\"", skip[i]);
		sample(b, "tcptrack_packets_skipped_total", lab, skipv[i]);
	}

	family(b, "tcptrack_connections", "gauge", "Connections shown now, by state (not the tuples held after them for time_wait).");
	for (unsigned i = 0; i < PM_NSTATES; i++) {
		if (i < TT_NSTATES)
			label_name(v, sizeof v, nm->state[i]);
		else if (!f->states[i])
			continue;
		else
			snprintf(v, sizeof v, "other");
		snprintf(lab, sizeof lab, "state=\"%s\"", v);
		sample(b, "tcptrack_connections", lab, f->states[i]);
	}
	one(b, "tcptrack_connections_opened_total", "counter", "Connections opened.", s->connections);
	family(b, "tcptrack_connections_closed_total", "counter",
	       "Connections that left the table, by end reason (exit: tcptrack stopped).");
	for (unsigned i = 1; i < PM_NREASONS; i++) {
		snprintf(lab, sizeof lab, "reason=\"%s\"", nm->reason[i]);
		sample(b, "tcptrack_connections_closed_total", lab, f->closed[i]);
	}
	if (f->closed[TT_RM_NONE])
		sample(b, "tcptrack_connections_closed_total", "reason=\"other\"", f->closed[TT_RM_NONE]);

	for (int k = 0; k < T_N; k++) {
		family(b, tfam[k].name, "counter", tfam[k].help);
		for (int d = 0; d < 2; d++) {
			snprintf(lab, sizeof lab, "direction=\"%s\"", dirs[d]);
			sample(b, tfam[k].name, lab, tval(&f->traffic.d[d], k));
		}
	}
	hist(b, "tcptrack_handshake_rtt_seconds",
	     "Handshake round trip (SYN to the handshake's last ACK) of connections, as their handshake ends.",
	     &f->handshake);
	hist(b, "tcptrack_connection_rtt_seconds",
	     "Smoothed end-to-end round trip of connections as they leave the table (those that have one).",
	     &f->rtt);
	if (f->selected)
		servers(b, f);
	family(b, "tcptrack_exporter_collect_seconds", "gauge",
	       "Time the event loop spent on the latest collection of these figures.");
	strbuf_str(b, "tcptrack_exporter_collect_seconds ");
	seconds(b, f->collect_us);
	strbuf_str(b, "\n");
	family(b, "tcptrack_exporter_collect_max_seconds", "gauge",
	       "The longest time the event loop spent on one collection.");
	strbuf_str(b, "tcptrack_exporter_collect_max_seconds ");
	seconds(b, f->collect_max_us);
	strbuf_str(b, "\n");
	one(b, "tcptrack_exporter_collections_total", "counter",
	    "Collections of the figures made by the event loop.", f->seq);
}
