/*
 * rules: the rule of a syslog output, from its keys.  Each [output NAME]
 * with plugin = syslog is one rule (the parts of the plugin: sl.h).
 *
 * Keys (durations take us/ms/s/m/h/d, rates and sizes k/M/G (and Ki/Mi/Gi),
 * optionally followed by B, /s or B/s):
 *   metric      what is watched (required)
 *                 per connection: conn_rate, conn_rate_c2s, conn_rate_s2c
 *                   (payload bytes/s), conn_bytes, conn_bytes_c2s,
 *                   conn_bytes_s2c (payload bytes), conn_duration (s),
 *                   conn_syn_time (s spent in SYN_SENT)
 *                 all traffic: total_rate (bytes/s), connections (open),
 *                   new_connections (/s), resets (/s), half_open
 *                 per server address and port: server_connections (open),
 *                   server_rate (bytes/s)
 *                 TCP health ([core] tcp_health; refused without it):
 *                   conn_rtt (s: the smoothed round trip client to server
 *                   and back, once both sides have one), conn_retrans_rate
 *                   (% of its segments retransmitted since it began),
 *                   server_rtt (s: the mean of its connections' conn_rtt),
 *                   server_retrans_rate and total_retrans_rate (% of the
 *                   segments of the period retransmitted)
 *   direction   above (default) or below
 *   warning, critical  the levels; at least one
 *   clear       the level that ends an alarm (default: warning, else critical);
 *               critical falls back to warning at the same distance inside it
 *   for         how long the value must stay beyond a level (default 0)
 *   every       evaluation period on the capture clock (default 1s)
 *   repeat      per-key suppression window of repeated alarms (default 0: off)
 *   max_rate    messages per second of this rule (default 10; 0: no limit)
 *   burst       messages at once under max_rate (default 2 x max_rate)
 *   server_port ports and ranges: 80,443,8000-8100 (lists: commas, blanks or +)
 *   server, client  addresses or prefixes: 10.0.0.0/8,2001:db8::/32
 *   process     the command name of the process owning the connection's
 *               local end (live, [core] processes): nginx
 *   names       yes: the structured data names the ends (client_name,
 *               server_name) where the core knows their names (default no)
 *   filter      pcap expression, matched against a packet from the client
 *               to the server of each connection (dst port 80 = server port)
 *   target      syslog (default, syslog(3)), unix:/PATH, udp:HOST:PORT or
 *               tcp:HOST:PORT (RFC 5424; on TCP RFC 6587 octet counting; a
 *               unix socket is a datagram one, else a stream one with LF)
 *   facility    kern, user, mail, daemon (default), auth, syslog, lpr, news,
 *               uucp, cron, authpriv, ftp, local0 .. local7
 *   ident       APP-NAME (default tcptrack)
 *   queue       messages kept while the target is unreachable (default 1000)
 *   max_keys    keys tracked at most (default 100000)
 *   drain       how long to keep trying an unreachable target at exit (2s;
 *               all rules wait together, at most the longest drain)
 * Messages (RFC 5424): MSGID warning, critical, recovery, repeats, ratelimit
 * or lost; severity critical 2, warning 4, recovery and repeats 5, reports
 * of rate-limited or lost messages 4; STRUCTURED-DATA [tcptrack@32473 rule
 * event metric level value threshold client client_port client_name server
 * server_port server_name was duration suppressed ...] with values in the metric's base unit; MSG
 * the same facts in words.  A storm under max_rate is reported when a round
 * passes without drops, and at least every minute while it lasts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sl.h"

const char *const rules_keys[] = {
	"metric", "direction", "warning", "critical", "clear", "for", "every", "repeat",
	"max_rate", "burst", "server_port", "server", "client", "filter", "target",
	"facility", "ident", "queue", "max_keys", "drain", "process", "names", NULL,
};

const struct metric_def rules_metrics[] = {
	[M_CONN_RATE] = {"conn_rate", SC_CONN, U_RATE},
	[M_CONN_RATE_C2S] = {"conn_rate_c2s", SC_CONN, U_RATE},
	[M_CONN_RATE_S2C] = {"conn_rate_s2c", SC_CONN, U_RATE},
	[M_CONN_BYTES] = {"conn_bytes", SC_CONN, U_BYTES},
	[M_CONN_BYTES_C2S] = {"conn_bytes_c2s", SC_CONN, U_BYTES},
	[M_CONN_BYTES_S2C] = {"conn_bytes_s2c", SC_CONN, U_BYTES},
	[M_CONN_DURATION] = {"conn_duration", SC_CONN, U_SECONDS},
	[M_CONN_SYN_TIME] = {"conn_syn_time", SC_CONN, U_SECONDS},
	[M_TOTAL_RATE] = {"total_rate", SC_GLOBAL, U_RATE},
	[M_CONNECTIONS] = {"connections", SC_GLOBAL, U_COUNT},
	[M_NEW_CONNECTIONS] = {"new_connections", SC_GLOBAL, U_PER_SECOND},
	[M_RESETS] = {"resets", SC_GLOBAL, U_PER_SECOND},
	[M_HALF_OPEN] = {"half_open", SC_GLOBAL, U_COUNT},
	[M_SERVER_CONNECTIONS] = {"server_connections", SC_SERVER, U_COUNT},
	[M_SERVER_RATE] = {"server_rate", SC_SERVER, U_RATE},
	[M_CONN_RTT] = {"conn_rtt", SC_CONN, U_DELAY, 1},
	[M_CONN_RETRANS_RATE] = {"conn_retrans_rate", SC_CONN, U_PERCENT, 1},
	[M_SERVER_RTT] = {"server_rtt", SC_SERVER, U_DELAY, 1},
	[M_SERVER_RETRANS_RATE] = {"server_retrans_rate", SC_SERVER, U_PERCENT, 1},
	[M_TOTAL_RETRANS_RATE] = {"total_retrans_rate", SC_GLOBAL, U_PERCENT, 1},
};
#define NMETRICS M_NONE

static const struct {
	const char *name;
	int code;
} facilities[] = {
	{"kern", 0}, {"user", 1}, {"mail", 2}, {"daemon", 3}, {"auth", 4}, {"syslog", 5},
	{"lpr", 6}, {"news", 7}, {"uucp", 8}, {"cron", 9}, {"authpriv", 10}, {"ftp", 11},
	{"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20},
	{"local5", 21}, {"local6", 22}, {"local7", 23},
};

/* ---- values ---- */

static int rest_is(const char *e, const char *const *ok)
{
	for (; *ok; ok++)
		if (!strcmp(e, *ok))
			return 1;
	return 0;
}

/* A level: a count or rate (k/M/G, then B, /s or B/s), a duration or a
 * percentage: the one value of tcptrack's configuration that may be any of
 * these, so its units are its own; its number is the shared parsers'. */
static int parse_level(const char *s, struct level *l)
{
	static const char *const plain_rest[] = {"", "B", "/s", "B/s", NULL};
	static const char *const none[] = {"", NULL};
	static const struct {
		const char *sfx;
		double mul;
		enum lvkind kind;
	} units[] = {
		{"us", 1e-6, LV_DUR}, {"ms", 1e-3, LV_DUR}, {"s", 1, LV_DUR}, {"m", 60, LV_DUR},
		{"h", 3600, LV_DUR}, {"d", 86400, LV_DUR}, {"Ki", 1024.0, LV_SIZE},
		{"Mi", 1048576.0, LV_SIZE}, {"Gi", 1073741824.0, LV_SIZE}, {"k", 1e3, LV_SIZE},
		{"M", 1e6, LV_SIZE}, {"G", 1e9, LV_SIZE},
	};
	double v;
	const char *e;
	while (*s == ' ')
		s++;
	if (parse_number(s, &v, &e) < 0 || v > 1e18)
		return -1;
	while (*e == ' ')
		e++;
	if (rest_is(e, plain_rest)) {
		l->kind = LV_PLAIN;
		l->v = v;
	} else if (!strcmp(e, "%")) {
		l->kind = LV_PERCENT;
		l->v = v;
	} else {
		size_t i;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].sfx);
			if (strncmp(e, units[i].sfx, n))
				continue;
			if (rest_is(e + n, units[i].kind == LV_DUR ? none : plain_rest))
				break;
		}
		if (i == sizeof units / sizeof units[0])
			return -1;
		l->kind = units[i].kind;
		l->v = v * units[i].mul;
	}
	l->set = 1;
	snprintf(l->text, sizeof l->text, "%s", s);
	return 0;
}

static int set_metric(struct sl *s, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < NMETRICS; i++)
		if (!strcmp(value, rules_metrics[i].name)) {
			s->metric = (enum metric)i;
			return 0;
		}
	char list[512];
	struct strbuf b;
	strbuf_init(&b, list, sizeof list);
	for (size_t i = 0; i < NMETRICS; i++) {
		strbuf_str(&b, i ? ", " : "");
		strbuf_str(&b, rules_metrics[i].name);
	}
	snprintf(err, errlen, "unknown metric '%s' (one of %s)", value, list);
	return -EINVAL;
}

static int set_filter(struct sl *s, const char *value, char *err, size_t errlen)
{
	if (s->has_bpf)
		pcap_freecode(&s->bpf);
	s->has_bpf = 0;
	pcap_t *p = pcap_open_dead(DLT_RAW, 128);
	if (!p)
		return -ENOMEM;
	if (pcap_compile(p, &s->bpf, value, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "'%s': %s", value, pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	s->has_bpf = 1;
	return 0;
}

static int set_target(struct sl *s, const char *value, char *err, size_t errlen)
{
	if (!strcmp(value, "syslog")) {
		s->to_syslog = 1; /* the target is set at open */
		return 0;
	}
	int r = target_parse(&s->target, value, err, errlen);
	if (r == -EPROTONOSUPPORT) {
		snprintf(err, errlen, "'%s': use syslog, unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT", value);
		return -EINVAL;
	}
	if (r == 0)
		s->to_syslog = 0;
	return r;
}

static int set_facility(struct sl *s, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
		if (!strcmp(value, facilities[i].name)) {
			s->facility = facilities[i].code;
			return 0;
		}
	snprintf(err, errlen, "'%s': not a facility (daemon, user, local0 .. local7, ...)", value);
	return -EINVAL;
}

static int set_ident(struct sl *s, const char *value, char *err, size_t errlen)
{
	/* RFC 5424 6.2.5: APP-NAME is 1 to 48 printable US-ASCII characters */
	size_t n = strlen(value);
	int ok = n >= 1 && n <= 48;
	for (size_t i = 0; ok && i < n; i++)
		ok = value[i] >= 33 && value[i] <= 126;
	if (!ok) {
		snprintf(err, errlen, "'%s': 1 to 48 printable characters, no spaces", value);
		return -EINVAL;
	}
	snprintf(s->ident, sizeof s->ident, "%s", value);
	return 0;
}

/* ---- configure ---- */

int rules_configure(struct sl *s, const char *key, const char *value, char *err, size_t errlen)
{
	if (!strcmp(key, "metric"))
		return set_metric(s, value, err, errlen);
	if (!strcmp(key, "direction")) {
		if (!strcmp(value, "above") || !strcmp(value, "below")) {
			s->below = !strcmp(value, "below");
			return 0;
		}
		snprintf(err, errlen, "'%s': use above or below", value);
		return -EINVAL;
	}
	if (!strcmp(key, "warning") || !strcmp(key, "critical") || !strcmp(key, "clear")) {
		struct level *l = key[0] == 'w' ? &s->warning : key[1] == 'r' ? &s->critical : &s->clear;
		if (parse_level(value, l) < 0) {
			snprintf(err, errlen, "'%s': not a level (examples: 100, 1.5M, 10M/s, 500k, 30s, 2%%)", value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "for") || !strcmp(key, "every") || !strcmp(key, "repeat") || !strcmp(key, "drain")) {
		int64_t us;
		const char *why;
		if (parse_duration(value, &us, &why) < 0) {
			snprintf(err, errlen, "'%s': not a duration (examples: 500ms, 10s, 5m, 1h)", value);
			return -EINVAL;
		}
		if (!strcmp(key, "every") && us < 1000) {
			snprintf(err, errlen, "'%s': the period is at least 1ms", value);
			return -EINVAL;
		}
		*(key[0] == 'f' ? &s->hold_us : key[0] == 'e' ? &s->every_us : key[0] == 'r' ? &s->repeat_us
		                                                                             : &s->drain_us) = us;
		return 0;
	}
	if (!strcmp(key, "max_rate") || !strcmp(key, "burst")) {
		struct level l;
		if (parse_level(value, &l) < 0 || l.kind == LV_DUR || l.kind == LV_PERCENT) {
			snprintf(err, errlen, "'%s': not a number of messages (per second)", value);
			return -EINVAL;
		}
		if (key[0] == 'm') {
			s->max_rate = l.v;
		} else {
			if (l.v < 1) {
				snprintf(err, errlen, "'%s': a burst is at least 1 message", value);
				return -EINVAL;
			}
			s->burst = l.v;
			s->burst_set = 1;
		}
		return 0;
	}
	if (!strcmp(key, "queue") || !strcmp(key, "max_keys")) {
		uint64_t n;
		const char *why;
		if (parse_size(value, &n, &why) < 0 || n < 1 || n > 10000000) {
			snprintf(err, errlen, "'%s': not a number from 1 to 10M", value);
			return -EINVAL;
		}
		*(key[0] == 'q' ? &s->queue_max : &s->max_keys) = (size_t)n;
		return 0;
	}
	if (!strcmp(key, "server_port"))
		return filter_set_ports(&s->filter, value, err, errlen);
	if (!strcmp(key, "server"))
		return filter_set_servers(&s->filter, value, err, errlen);
	if (!strcmp(key, "client"))
		return filter_set_clients(&s->filter, value, err, errlen);
	if (!strcmp(key, "filter"))
		return set_filter(s, value, err, errlen);
	if (!strcmp(key, "names")) {
		const char *why;
		if (parse_bool(value, &s->names, &why) < 0) {
			snprintf(err, errlen, "'%s': use yes or no", value);
			return -EINVAL;
		}
		if (s->names && !TT_HOST_HAS(s->host, name_of)) {
			snprintf(err, errlen, "this tcptrack has no names for plugins (ABI 1.2)");
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "process")) {
		if (!TT_HOST_HAS(s->host, process_of)) {
			snprintf(err, errlen, "this tcptrack finds no processes for plugins (ABI 1.2)");
			return -EINVAL;
		}
		if (strlen(value) >= sizeof s->process) {
			snprintf(err, errlen, "'%s': a command name of at most 15 characters", value);
			return -EINVAL;
		}
		snprintf(s->process, sizeof s->process, "%s", value);
		return 0;
	}
	if (!strcmp(key, "target"))
		return set_target(s, value, err, errlen);
	if (!strcmp(key, "facility"))
		return set_facility(s, value, err, errlen);
	if (!strcmp(key, "ident"))
		return set_ident(s, value, err, errlen);
	return 0;
}

/* ---- check ---- */

static int level_fits(const struct level *l, enum unit u, const char *key, char *err, size_t errlen)
{
	int dur = u == U_SECONDS || u == U_DELAY;
	if (!l->set)
		return 0;
	if (dur && (l->kind == LV_SIZE || l->kind == LV_PERCENT)) {
		snprintf(err, errlen, "%s '%s' is not a duration, and the metric is in seconds", key, l->text);
		return -EINVAL;
	}
	if (!dur && l->kind == LV_DUR) {
		snprintf(err, errlen, "%s '%s' is a duration, and the metric is not", key, l->text);
		return -EINVAL;
	}
	if (u != U_PERCENT && l->kind == LV_PERCENT) {
		snprintf(err, errlen, "%s '%s' is a percentage, and the metric is not", key, l->text);
		return -EINVAL;
	}
	if (u == U_PERCENT && l->kind == LV_SIZE) {
		snprintf(err, errlen, "%s '%s' is not a percentage, and the metric is one (examples: 2, 2.5%%)",
		         key, l->text);
		return -EINVAL;
	}
	if (u == U_PERCENT && l->v > 100) {
		snprintf(err, errlen, "%s '%s' is above 100%%, and the metric is a share of segments", key, l->text);
		return -EINVAL;
	}
	return 0;
}

/* Whether the core measures TCP health (a core of ABI 1.0 does not). */
static int core_health(const struct sl *s)
{
	const struct tt_settings *st = s->host->settings(s->ctx);
	return st && TT_HAS(tt_settings, st, tcp_health) && st->tcp_health;
}

static void human_level(char *buf, size_t len, enum unit u, double v)
{
	struct strbuf b;
	strbuf_init(&b, buf, len);
	message_human(&b, u, v);
}

/* The levels agree with each other and with the metric's unit; clear
 * defaults to the lowest alarm level. */
static int check_levels(struct sl *s, char *err, size_t errlen)
{
	const struct metric_def *d = &rules_metrics[s->metric];
	if (!s->warning.set && !s->critical.set) {
		snprintf(err, errlen, "give a warning level, a critical level or both");
		return -EINVAL;
	}
	if (level_fits(&s->warning, d->unit, "warning", err, errlen) < 0 ||
	    level_fits(&s->critical, d->unit, "critical", err, errlen) < 0 ||
	    level_fits(&s->clear, d->unit, "clear", err, errlen) < 0)
		return -EINVAL;
	char a[48], b[48];
	if (s->warning.set && s->critical.set &&
	    (s->below ? s->critical.v > s->warning.v : s->critical.v < s->warning.v)) {
		human_level(a, sizeof a, d->unit, s->critical.v);
		human_level(b, sizeof b, d->unit, s->warning.v);
		snprintf(err, errlen, "critical (%s) is %s warning (%s): a rule of direction %s needs critical %s warning",
		         a, s->below ? "above" : "below", b, s->below ? "below" : "above",
		         s->below ? "at or below" : "at or above");
		return -EINVAL;
	}
	const struct level *lo = s->warning.set ? &s->warning : &s->critical;
	if (!s->clear.set) {
		s->clear.v = lo->v;
	} else if (s->below ? s->clear.v < lo->v : s->clear.v > lo->v) {
		human_level(a, sizeof a, d->unit, s->clear.v);
		human_level(b, sizeof b, d->unit, lo->v);
		snprintf(err, errlen, "clear (%s) is %s the %s level (%s): the alarm would never end",
		         a, s->below ? "below" : "above", s->warning.set ? "warning" : "critical", b);
		return -EINVAL;
	}
	return 0;
}

int rules_check(struct sl *s, char *err, size_t errlen)
{
	if (s->metric == M_NONE) {
		snprintf(err, errlen, "key 'metric' is missing (what the rule watches, e.g. conn_rate)");
		return -EINVAL;
	}
	const struct metric_def *d = &rules_metrics[s->metric];
	/* without the measurement the values are never there: the rule
	 * would never fire, which is refused rather than left silent */
	if (d->health && !core_health(s)) {
		snprintf(err, errlen, "metric %s needs the TCP health measurement ([core] tcp_health = yes)",
		         d->name);
		return -EINVAL;
	}
	if (check_levels(s, err, errlen) < 0)
		return -EINVAL;
	if (!s->burst_set)
		s->burst = s->max_rate * 2 < 1 ? 1 : s->max_rate * 2;
	struct alert_rule r;
	memset(&r, 0, sizeof r);
	r.below = s->below;
	r.has_warning = s->warning.set;
	r.has_critical = s->critical.set;
	r.warning = s->warning.v;
	r.critical = s->critical.v;
	r.clear = s->clear.v;
	r.hold_us = s->hold_us;
	r.repeat_us = s->repeat_us;
	r.max_rate = s->max_rate;
	r.burst = s->burst;
	r.storm_report_us = STORM_REPORT_US;
	/* a server with no connection counts 0 of them and 0 B/s, and none of
	 * its segments retransmitted; it has no round trip, though */
	r.absent = d->scope == SC_SERVER && s->metric != M_SERVER_RTT ? ALERT_ABSENT_ZERO : ALERT_ABSENT_GONE;
	r.keep_keys = r.absent == ALERT_ABSENT_ZERO && s->below; /* "had connections, has none" */
	r.max_keys = s->max_keys;
	const char *why = alert_rule_check(&r);
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	alert_free(s->eng);
	s->eng = alert_new(&r, sl_emit, s);
	if (!s->eng)
		return -ENOMEM;
	s->walk_needed = d->scope != SC_GLOBAL || s->metric == M_CONNECTIONS || s->metric == M_TOTAL_RETRANS_RATE ||
	                 ((s->metric == M_TOTAL_RATE || s->metric == M_HALF_OPEN) &&
	                  (filter_active(&s->filter) || s->has_bpf));
	return 0;
}
