/*
 * syslog: threshold alerts.  Each [output NAME] with plugin = syslog is one
 * rule; the rule engine is alert.c, this file reads the rule, computes its
 * metric on the capture clock and delivers the messages.
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
 *   direction   above (default) or below
 *   warning, critical  the levels; at least one
 *   clear       the level that ends an alarm (default: warning, else critical);
 *               critical falls back to warning at the same distance inside it
 *   for         how long the value must stay beyond a level (default 0)
 *   every       evaluation period on the capture clock (default 1s)
 *   repeat      per-key suppression window of repeated alarms (default 0: off)
 *   max_rate    messages per second of this rule (default 10; 0: no limit)
 *   burst       messages at once under max_rate (default 2 x max_rate)
 *   server_port ports and ranges: 80,443,8000-8100 (lists: commas or spaces)
 *   server, client  addresses or prefixes: 10.0.0.0/8,2001:db8::/32
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
 * event metric level value threshold client client_port server server_port
 * was duration suppressed ...] with values in the metric's base unit; MSG
 * the same facts in words.  A storm under max_rate is reported when a round
 * passes without drops, and at least every minute while it lasts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "fmt.h"
#include "map.h"
#include "parse.h"
#include "tcptrack/plugin.h"

/* SD-ID with the documentation enterprise number (RFC 5612), RFC 5424 7.2.2 */
#define SD_ID "tcptrack@32473"
#define MSG_MAX 2048
#define BACKOFF_MIN_US 100000
#define BACKOFF_MAX_US 30000000
#define STORM_REPORT_US 60000000

enum scope { SC_CONN, SC_GLOBAL, SC_SERVER };
enum unit { U_RATE, U_BYTES, U_SECONDS, U_COUNT, U_PER_SECOND };

enum metric {
	M_CONN_RATE, M_CONN_RATE_C2S, M_CONN_RATE_S2C, M_CONN_BYTES, M_CONN_BYTES_C2S,
	M_CONN_BYTES_S2C, M_CONN_DURATION, M_CONN_SYN_TIME, M_TOTAL_RATE, M_CONNECTIONS,
	M_NEW_CONNECTIONS, M_RESETS, M_HALF_OPEN, M_SERVER_CONNECTIONS, M_SERVER_RATE,
	M_NONE
};

static const struct metric_def {
	const char *name;
	enum scope scope;
	enum unit unit;
} metrics[] = {
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
};
#define NMETRICS (sizeof metrics / sizeof metrics[0])

static const struct {
	const char *name;
	int code;
} facilities[] = {
	{"kern", 0}, {"user", 1}, {"mail", 2}, {"daemon", 3}, {"auth", 4}, {"syslog", 5},
	{"lpr", 6}, {"news", 7}, {"uucp", 8}, {"cron", 9}, {"authpriv", 10}, {"ftp", 11},
	{"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19}, {"local4", 20},
	{"local5", 21}, {"local6", 22}, {"local7", 23},
};

/* RFC 5424 6.2.1 */
#define SEV_CRIT 2
#define SEV_WARN 4
#define SEV_NOTICE 5

enum lvkind { LV_PLAIN, LV_SIZE, LV_DUR };

struct level {
	int set;
	double v;
	enum lvkind kind;
	char text[48];
};

#define MAX_LIST 16

struct prefix {
	int family;
	uint8_t addr[16];
	int bits;
};

enum tkind { T_SYSLOG, T_UNIX, T_UDP, T_TCP };

struct qmsg {
	char *buf;      /* the RFC 5424 message */
	size_t len;
	size_t text;    /* offset of its MSG part (for syslog(3)) */
	int sev;
};

/* A server's sums of one evaluation (the value of sl.srvs). */
struct srv {
	uint64_t conns;
	double rate;
};

struct sl {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	char *name;
	/* the rule */
	enum metric metric;
	int below;
	struct level warning, critical, clear;
	int64_t hold_us, every_us, repeat_us, drain_us;
	double max_rate, burst;
	int burst_set;
	size_t max_keys;
	struct { uint16_t lo, hi; } ports[MAX_LIST];
	int nports;
	struct prefix servers[MAX_LIST], clients[MAX_LIST];
	int nservers, nclients;
	struct bpf_program bpf;
	int has_bpf;
	char *filter_text;
	/* delivery */
	enum tkind tkind;
	char *target;               /* as given */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int facility;
	char ident[49];
	char hostname[256];
	int pid;
	size_t queue_max;
	struct qmsg *q;
	size_t qcap, qhead, qcount;
	int fd;
	int stream;                 /* a stream socket: framed (RFC 6587) */
	int connecting;
	short watched;
	size_t off;                 /* bytes of the head message already sent */
	int down;                   /* an outage is going on */
	int64_t down_since, retry_at, backoff;
	uint64_t delayed;           /* messages queued during this outage */
	int full_said;
	uint64_t lost, lost_reported, delivered;
	/* evaluation */
	struct alert_engine *eng;
	int64_t last_eval;
	uint64_t events;            /* opened or reset connections since then */
	struct map srvs;            /* alert_key -> srv, per evaluation */
	int walk_needed;
	int keys_said;
};

static const char *const keys[] = {
	"metric", "direction", "warning", "critical", "clear", "for", "every", "repeat",
	"max_rate", "burst", "server_port", "server", "client", "filter", "target",
	"facility", "ident", "queue", "max_keys", "drain", NULL,
};

/* ---- numbers, without the locale ---- */

/* A decimal number: digits, optionally a point and digits. */
static int parse_num(const char *s, double *v, const char **end)
{
	const char *p = s;
	double x = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9') {
		x = x * 10 + (*p++ - '0');
		digits++;
	}
	if (*p == '.') {
		double f = 0.1;
		p++;
		while (*p >= '0' && *p <= '9') {
			x += f * (*p++ - '0');
			f /= 10;
			digits++;
		}
	}
	if (!digits || !isfinite(x) || x > 1e18)
		return -1;
	*v = x;
	*end = p;
	return 0;
}

static int rest_is(const char *e, const char *const *ok)
{
	for (; *ok; ok++)
		if (!strcmp(e, *ok))
			return 1;
	return 0;
}

/* A level: a count or rate (k/M/G, then B, /s or B/s) or a duration: the
 * one value of tcptrack's configuration that may be any of these, so it has
 * a parser of its own (durations and counts use the shared ones). */
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
	if (parse_num(s, &v, &e) < 0)
		return -1;
	while (*e == ' ')
		e++;
	if (rest_is(e, plain_rest)) {
		l->kind = LV_PLAIN;
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

/* ---- a string builder ---- */

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->len + n >= b->cap)
		n = b->len + 1 < b->cap ? b->cap - 1 - b->len : 0;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_u64(struct sb *b, uint64_t v)
{
	char t[24];
	sb_put(b, t, fmt_u64(t, v));
}

/* v with dec decimals (trailing zeros cut when trim), never in the
 * locale's notation: the messages are read by programs. */
static void sb_fixed(struct sb *b, double v, int dec, int trim)
{
	static const double p10[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
	if (!isfinite(v))
		v = 0;
	if (v < 0) {
		sb_str(b, "-");
		v = -v;
	}
	if (v > 1e18)
		v = 1e18;
	uint64_t x = (uint64_t)llround(v * p10[dec]);
	uint64_t ip = x / (uint64_t)p10[dec], fp = x % (uint64_t)p10[dec];
	sb_u64(b, ip);
	if (!dec)
		return;
	char f[8];
	for (int i = dec - 1; i >= 0; i--) {
		f[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	int n = dec;
	if (trim)
		while (n > 0 && f[n - 1] == '0')
			n--;
	if (n) {
		sb_str(b, ".");
		sb_put(b, f, (size_t)n);
	}
}

static void sb_human(struct sb *b, enum unit u, double v)
{
	if (u == U_RATE || u == U_BYTES) {
		const char *sfx[] = {" B", " kB", " MB", " GB"};
		int i = v >= 1e9 ? 3 : v >= 1e6 ? 2 : v >= 1e3 ? 1 : 0;
		static const double div[] = {1, 1e3, 1e6, 1e9};
		sb_fixed(b, v / div[i], i == 0 ? 0 : i == 1 ? 1 : 2, 0);
		sb_str(b, sfx[i]);
		if (u == U_RATE)
			sb_str(b, "/s");
	} else if (u == U_SECONDS) {
		sb_fixed(b, v, 3, 1);
		sb_str(b, "s");
	} else if (u == U_PER_SECOND) {
		sb_fixed(b, v, 2, 1);
		sb_str(b, "/s");
	} else {
		sb_fixed(b, v, 0, 0);
	}
}

/* The plain number of a value, in the metric's base unit. */
static void sb_raw(struct sb *b, enum unit u, double v)
{
	sb_fixed(b, v, u == U_SECONDS ? 3 : u == U_PER_SECOND ? 2 : 0, 1);
}

static void sb_dur(struct sb *b, int64_t us)
{
	sb_human(b, U_SECONDS, (double)us / 1e6);
}

/* RFC 5424 6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE. */
static void sb_param(struct sb *b, const char *name, const char *value)
{
	sb_str(b, " ");
	sb_str(b, name);
	sb_str(b, "=\"");
	for (const char *s = value; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			sb_put(b, "\\", 1);
		sb_put(b, s, 1);
	}
	sb_str(b, "\"");
}

static void sb_param_num(struct sb *b, const char *name, enum unit u, double v)
{
	char t[64];
	struct sb x = {t, 0, sizeof t};
	t[0] = 0;
	sb_raw(&x, u, v);
	sb_param(b, name, t);
}

/* RFC 3339 in UTC with microseconds, as RFC 5424 6.2.3 allows. */
static void sb_time(struct sb *b, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char buf[64];
	if (us < 0 || !gmtime_r(&t, &tm)) {
		sb_str(b, "-");
		return;
	}
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
	sb_str(b, buf);
}

static void endpoint(char *buf, size_t len, int family, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN + 1];
	fmt_addr(a, family, addr);
	snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* ---- configuration ---- */

static int sl_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	struct sl *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->host = host;
	s->ctx = ctx;
	s->name = strdup(instance);
	s->target = strdup("syslog");
	if (!s->name || !s->target) {
		free(s->name);
		free(s->target);
		free(s);
		return -ENOMEM;
	}
	s->metric = M_NONE;
	s->every_us = 1000000;
	s->drain_us = 2000000;
	s->max_rate = 10;
	s->max_keys = 100000;
	s->queue_max = 1000;
	s->facility = 3;
	snprintf(s->ident, sizeof s->ident, "tcptrack");
	s->fd = -1;
	/* seeded: the servers are the traffic's addresses */
	map_init(&s->srvs, sizeof(struct alert_key), sizeof(struct srv), map_seed());
	*state = s;
	return 0;
}

static int parse_prefixes(const char *v, struct prefix *out, int *n, char *err, size_t errlen)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", v);
	*n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (*n >= MAX_LIST) {
			snprintf(err, errlen, "at most %d prefixes", MAX_LIST);
			return -EINVAL;
		}
		struct prefix *p = &out[*n];
		memset(p, 0, sizeof *p);
		char *slash = strchr(tok, '/');
		if (slash)
			*slash = 0;
		if (inet_pton(AF_INET, tok, p->addr) == 1)
			p->family = 4, p->bits = 32;
		else if (inet_pton(AF_INET6, tok, p->addr) == 1)
			p->family = 6, p->bits = 128;
		else {
			snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address", tok);
			return -EINVAL;
		}
		if (slash) {
			double b;
			const char *e;
			if (parse_num(slash + 1, &b, &e) < 0 || *e || b != floor(b) || b > p->bits) {
				snprintf(err, errlen, "'%s/%s': bad prefix length", tok, slash + 1);
				return -EINVAL;
			}
			p->bits = (int)b;
		}
		(*n)++;
	}
	if (!*n) {
		snprintf(err, errlen, "empty");
		return -EINVAL;
	}
	return 0;
}

static int parse_ports(struct sl *s, const char *v, char *err, size_t errlen)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", v);
	s->nports = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		double lo, hi;
		const char *e;
		if (s->nports >= MAX_LIST) {
			snprintf(err, errlen, "at most %d ports or ranges", MAX_LIST);
			return -EINVAL;
		}
		if (parse_num(tok, &lo, &e) < 0 || lo != floor(lo))
			goto bad;
		hi = lo;
		if (*e == '-' && (parse_num(e + 1, &hi, &e) < 0 || hi != floor(hi)))
			goto bad;
		if (*e || lo < 1 || hi > 65535 || hi < lo)
			goto bad;
		s->ports[s->nports].lo = (uint16_t)lo;
		s->ports[s->nports].hi = (uint16_t)hi;
		s->nports++;
		continue;
	bad:
		snprintf(err, errlen, "'%s': not a port (1-65535) or a range (8000-8100)", tok);
		return -EINVAL;
	}
	if (!s->nports) {
		snprintf(err, errlen, "empty");
		return -EINVAL;
	}
	return 0;
}

static int parse_target(struct sl *s, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "syslog")) {
		s->tkind = T_SYSLOG;
		return 0;
	}
	if (!strncmp(v, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&s->addr;
		const char *path = v + 5;
		if (path[0] != '/') {
			snprintf(err, errlen, "'%s': a unix socket path must be absolute", v);
			return -EINVAL;
		}
		if (strlen(path) >= sizeof un->sun_path) {
			snprintf(err, errlen, "'%s': path too long for a unix socket", v);
			return -EINVAL;
		}
		memset(&s->addr, 0, sizeof s->addr);
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, path);
		s->addrlen = sizeof *un;
		s->tkind = T_UNIX;
		return 0;
	}
	int tcp = !strncmp(v, "tcp:", 4);
	if (!tcp && strncmp(v, "udp:", 4)) {
		snprintf(err, errlen, "'%s': use syslog, unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT", v);
		return -EINVAL;
	}
	char host[256];
	const char *hp = v + 4, *port;
	if (*hp == '[') {
		const char *close = strchr(hp, ']');
		if (!close || close[1] != ':' || (size_t)(close - hp - 1) >= sizeof host)
			goto bad;
		memcpy(host, hp + 1, (size_t)(close - hp - 1));
		host[close - hp - 1] = 0;
		port = close + 2;
	} else {
		const char *colon = strrchr(hp, ':');
		if (!colon || colon == hp || strchr(hp, ':') != colon || (size_t)(colon - hp) >= sizeof host)
			goto bad;
		memcpy(host, hp, (size_t)(colon - hp));
		host[colon - hp] = 0;
		port = colon + 1;
	}
	double pn;
	const char *e;
	if (parse_num(port, &pn, &e) < 0 || *e || pn < 1 || pn > 65535 || pn != floor(pn)) {
		snprintf(err, errlen, "'%s': bad port '%s' (1-65535)", v, port);
		return -EINVAL;
	}
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	int r = getaddrinfo(host, port, &hints, &ai);
	if (r || !ai) {
		snprintf(err, errlen, "'%s': host '%s': %s", v, host, r ? gai_strerror(r) : "no address");
		if (ai)
			freeaddrinfo(ai);
		return -EINVAL;
	}
	memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
	s->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	s->tkind = tcp ? T_TCP : T_UDP;
	return 0;
bad:
	snprintf(err, errlen, "'%s': use %s:HOST:PORT (an IPv6 address in brackets)", v, tcp ? "tcp" : "udp");
	return -EINVAL;
}

static int sl_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct sl *s = state;
	if (!strcmp(key, "metric")) {
		for (size_t i = 0; i < NMETRICS; i++)
			if (!strcmp(value, metrics[i].name)) {
				s->metric = (enum metric)i;
				return 0;
			}
		char list[512];
		struct sb b = {list, 0, sizeof list};
		list[0] = 0;
		for (size_t i = 0; i < NMETRICS; i++) {
			sb_str(&b, i ? ", " : "");
			sb_str(&b, metrics[i].name);
		}
		snprintf(err, errlen, "unknown metric '%s' (one of %s)", value, list);
		return -EINVAL;
	}
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
			snprintf(err, errlen, "'%s': not a level (examples: 100, 1.5M, 10M/s, 500k, 30s)", value);
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
		if (parse_level(value, &l) < 0 || l.kind == LV_DUR) {
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
		return parse_ports(s, value, err, errlen);
	if (!strcmp(key, "server"))
		return parse_prefixes(value, s->servers, &s->nservers, err, errlen);
	if (!strcmp(key, "client"))
		return parse_prefixes(value, s->clients, &s->nclients, err, errlen);
	if (!strcmp(key, "filter")) {
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
		free(s->filter_text);
		s->filter_text = strdup(value);
		return s->filter_text ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "target")) {
		int r = parse_target(s, value, err, errlen);
		if (r < 0)
			return r;
		free(s->target);
		s->target = strdup(value);
		return s->target ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "facility")) {
		for (size_t i = 0; i < sizeof facilities / sizeof facilities[0]; i++)
			if (!strcmp(value, facilities[i].name)) {
				s->facility = facilities[i].code;
				return 0;
			}
		snprintf(err, errlen, "'%s': not a facility (daemon, user, local0 .. local7, ...)", value);
		return -EINVAL;
	}
	if (!strcmp(key, "ident")) {
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
	return 0;
}

static int level_fits(const struct level *l, enum unit u, const char *key, char *err, size_t errlen)
{
	if (!l->set)
		return 0;
	if (u == U_SECONDS && l->kind == LV_SIZE) {
		snprintf(err, errlen, "%s '%s' is not a duration, and the metric is in seconds", key, l->text);
		return -EINVAL;
	}
	if (u != U_SECONDS && l->kind == LV_DUR) {
		snprintf(err, errlen, "%s '%s' is a duration, and the metric is not", key, l->text);
		return -EINVAL;
	}
	return 0;
}

static void human_level(char *buf, size_t len, enum unit u, double v)
{
	struct sb b = {buf, 0, len};
	buf[0] = 0;
	sb_human(&b, u, v);
}

static void on_alert(void *arg, const struct alert_event *ev);

static int sl_check(void *state, char *err, size_t errlen)
{
	struct sl *s = state;
	if (s->metric == M_NONE) {
		snprintf(err, errlen, "key 'metric' is missing (what the rule watches, e.g. conn_rate)");
		return -EINVAL;
	}
	const struct metric_def *d = &metrics[s->metric];
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
	r.absent = d->scope == SC_SERVER ? ALERT_ABSENT_ZERO : ALERT_ABSENT_GONE;
	r.keep_keys = d->scope == SC_SERVER && s->below; /* "had connections, has none" */
	r.max_keys = s->max_keys;
	const char *why = alert_rule_check(&r);
	if (why) {
		snprintf(err, errlen, "%s", why);
		return -EINVAL;
	}
	alert_free(s->eng);
	s->eng = alert_new(&r, on_alert, s);
	if (!s->eng)
		return -ENOMEM;
	s->walk_needed = d->scope != SC_GLOBAL || s->metric == M_CONNECTIONS ||
	                 ((s->metric == M_TOTAL_RATE || s->metric == M_HALF_OPEN) &&
	                  (s->nports || s->nservers || s->nclients || s->has_bpf));
	return 0;
}

/* ---- which connections the rule looks at ---- */

static int in_prefix(const struct prefix *p, int family, const uint8_t *a)
{
	if (p->family != family)
		return 0;
	int full = p->bits / 8, rest = p->bits % 8;
	if (memcmp(p->addr, a, (size_t)full))
		return 0;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));
		if ((p->addr[full] & m) != (a[full] & m))
			return 0;
	}
	return 1;
}

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

static int match(const struct sl *s, const struct tt_conn *c)
{
	if (s->nports) {
		int ok = 0;
		for (int i = 0; i < s->nports && !ok; i++)
			ok = c->server_port >= s->ports[i].lo && c->server_port <= s->ports[i].hi;
		if (!ok)
			return 0;
	}
	if (s->nservers) {
		int ok = 0;
		for (int i = 0; i < s->nservers && !ok; i++)
			ok = in_prefix(&s->servers[i], c->family, c->server);
		if (!ok)
			return 0;
	}
	if (s->nclients) {
		int ok = 0;
		for (int i = 0; i < s->nclients && !ok; i++)
			ok = in_prefix(&s->clients[i], c->family, c->client);
		if (!ok)
			return 0;
	}
	return !s->has_bpf || bpf_match(s, c);
}

/* ---- the queue ---- */

static void q_pop(struct sl *s)
{
	free(s->q[s->qhead].buf);
	s->q[s->qhead].buf = NULL;
	s->qhead = (s->qhead + 1) % s->qcap;
	s->qcount--;
}

/* Queue a message; when full, the oldest waiting one is lost (the newest
 * tell the state now).  A notice may take the one spare slot. */
static void q_push(struct sl *s, struct qmsg *m, int notice)
{
	if (s->qcount >= s->queue_max + (notice ? 1 : 0)) {
		if (s->off && s->qcount > 1) {
			/* the head is half sent: keep it, lose the one behind it */
			size_t second = (s->qhead + 1) % s->qcap;
			free(s->q[second].buf);
			s->q[second] = s->q[s->qhead];
			s->q[s->qhead].buf = NULL;
			s->qhead = second;
			s->qcount--;
		} else {
			s->off = 0;
			q_pop(s);
		}
		s->lost++;
		if (!s->full_said) {
			s->full_said = 1;
			s->host->log(s->ctx, TT_LOG_WARN, "target %s: queue full (%zu messages): the oldest are lost",
			             s->target, s->queue_max);
		}
	}
	s->q[(s->qhead + s->qcount) % s->qcap] = *m;
	s->qcount++;
	if (s->down)
		s->delayed++;
}

/* ---- messages ---- */

static const char *level_word(enum alert_level l)
{
	return l == ALERT_CRITICAL ? "critical" : l == ALERT_WARNING ? "warning" : "ok";
}

enum { K_LOST = 100 };

/* The subject of a key: which connection or server. */
static void subject(const struct alert_key *k, char *cli, size_t clen, char *srv, size_t slen)
{
	cli[0] = srv[0] = 0;
	if (!k || !k->family)
		return;
	endpoint(srv, slen, k->family, k->server, k->server_port);
	if (k->has_client)
		endpoint(cli, clen, k->family, k->client, k->client_port);
}

/* Build one message: the RFC 5424 header, STRUCTURED-DATA with the facts,
 * and the same facts in plain words as MSG (RFC 5424 6). */
static void build(struct sl *s, int kind, const struct alert_event *ev, uint64_t lost, int64_t t)
{
	const struct metric_def *d = &metrics[s->metric];
	char buf[MSG_MAX];
	struct sb b = {buf, 0, sizeof buf};
	buf[0] = 0;
	int sev;
	const char *msgid, *event;
	switch (kind) {
	case ALERT_FIRE: event = "fire"; break;
	case ALERT_ESCALATE: event = "escalate"; break;
	case ALERT_DOWNGRADE: event = "downgrade"; break;
	case ALERT_STILL: event = "still"; break;
	case ALERT_RECOVER: event = "recover"; break;
	case ALERT_GONE: event = "gone"; break;
	case ALERT_REPEATS: event = "repeats"; break;
	case ALERT_RATELIMIT: event = "ratelimit"; break;
	default: event = "lost"; break;
	}
	if (kind == ALERT_FIRE || kind == ALERT_ESCALATE || kind == ALERT_STILL || kind == ALERT_DOWNGRADE) {
		sev = ev->level == ALERT_CRITICAL ? SEV_CRIT : SEV_WARN;
		msgid = level_word(ev->level);
	} else if (kind == ALERT_RECOVER || kind == ALERT_GONE) {
		sev = SEV_NOTICE;
		msgid = "recovery";
	} else if (kind == ALERT_REPEATS) {
		sev = SEV_NOTICE;
		msgid = "repeats";
	} else {
		sev = SEV_WARN;
		msgid = kind == ALERT_RATELIMIT ? "ratelimit" : "lost";
	}
	/* HEADER: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
	char head[64];
	snprintf(head, sizeof head, "<%d>1 ", s->facility * 8 + sev);
	sb_str(&b, head);
	sb_time(&b, t);
	sb_str(&b, " ");
	sb_str(&b, s->hostname[0] ? s->hostname : "-");
	sb_str(&b, " ");
	sb_str(&b, s->ident);
	sb_str(&b, " ");
	sb_u64(&b, (uint64_t)s->pid);
	sb_str(&b, " ");
	sb_str(&b, msgid);

	char cli[64], srv[64];
	const struct alert_key *key = ev ? ev->key : NULL;
	subject(key, cli, sizeof cli, srv, sizeof srv);
	char a[INET6_ADDRSTRLEN + 1];
	sb_str(&b, " [" SD_ID);
	sb_param(&b, "rule", s->name);
	sb_param(&b, "event", event);
	if (kind < ALERT_RATELIMIT) {
		sb_param(&b, "metric", d->name);
		sb_param(&b, "level", level_word(ev->level));
		sb_param_num(&b, "value", d->unit, ev->value);
		if (kind != ALERT_REPEATS)
			sb_param_num(&b, "threshold", d->unit, ev->threshold);
		/* addresses and ports apart: no brackets to escape (6.3.3) */
		if (cli[0]) {
			fmt_addr(a, key->family, key->client);
			sb_param(&b, "client", a);
			sb_param_num(&b, "client_port", U_COUNT, key->client_port);
		}
		if (srv[0]) {
			fmt_addr(a, key->family, key->server);
			sb_param(&b, "server", a);
			sb_param_num(&b, "server_port", U_COUNT, key->server_port);
		}
		if (kind == ALERT_RECOVER || kind == ALERT_GONE) {
			sb_param(&b, "was", level_word(ev->prev));
			sb_param_num(&b, "duration", U_SECONDS, (double)(ev->time_us - ev->since_us) / 1e6);
		}
		if (ev->suppressed)
			sb_param_num(&b, "suppressed", U_COUNT, (double)ev->suppressed);
	} else if (kind == ALERT_RATELIMIT) {
		sb_param_num(&b, "dropped", U_COUNT, (double)ev->suppressed);
		sb_param_num(&b, "alarms", U_COUNT, (double)ev->dropped_alarms);
		sb_param_num(&b, "recoveries", U_COUNT, (double)ev->dropped_recoveries);
		sb_param_num(&b, "max_rate", U_PER_SECOND, s->max_rate);
	} else {
		sb_param_num(&b, "lost", U_COUNT, (double)lost);
		sb_param(&b, "target", s->target);
	}
	sb_str(&b, "] ");
	size_t text = b.len;

	/* MSG: the same facts in words */
	const char *dir = s->below ? "below" : "above";
	const char *back = s->below ? "at or over" : "at or under";
	sb_str(&b, s->name);
	sb_str(&b, ": ");
	switch (kind) {
	case ALERT_FIRE:
	case ALERT_ESCALATE:
		sb_str(&b, ev->level == ALERT_CRITICAL ? "CRITICAL: " : "WARNING: ");
		sb_str(&b, d->name);
		sb_str(&b, " ");
		sb_human(&b, d->unit, ev->value);
		sb_str(&b, " is ");
		sb_str(&b, dir);
		sb_str(&b, " the ");
		sb_str(&b, level_word(ev->level));
		sb_str(&b, " level ");
		sb_human(&b, d->unit, ev->threshold);
		if (ev->time_us > ev->since_us) {
			sb_str(&b, " for ");
			sb_dur(&b, ev->time_us - ev->since_us);
		}
		break;
	case ALERT_STILL:
		sb_str(&b, ev->level == ALERT_CRITICAL ? "CRITICAL: " : "WARNING: ");
		sb_str(&b, "the alarm still holds after ");
		sb_dur(&b, ev->time_us - ev->since_us);
		sb_str(&b, ": ");
		sb_str(&b, d->name);
		sb_str(&b, " ");
		sb_human(&b, d->unit, ev->value);
		sb_str(&b, ", ");
		sb_str(&b, level_word(ev->level));
		sb_str(&b, " level ");
		sb_human(&b, d->unit, ev->threshold);
		break;
	case ALERT_DOWNGRADE:
		sb_str(&b, "WARNING: ");
		sb_str(&b, d->name);
		sb_str(&b, " ");
		sb_human(&b, d->unit, ev->value);
		sb_str(&b, " is back ");
		sb_str(&b, back);
		sb_str(&b, " the critical level ");
		sb_human(&b, d->unit, ev->threshold);
		sb_str(&b, ", the alarm holds until the clear level ");
		sb_human(&b, d->unit, s->clear.v);
		break;
	case ALERT_RECOVER:
		sb_str(&b, "RECOVERY: ");
		sb_str(&b, d->name);
		sb_str(&b, " ");
		sb_human(&b, d->unit, ev->value);
		sb_str(&b, " is back ");
		sb_str(&b, back);
		sb_str(&b, " the clear level ");
		sb_human(&b, d->unit, ev->threshold);
		sb_str(&b, " after ");
		sb_dur(&b, ev->time_us - ev->since_us);
		sb_str(&b, " in alarm (was ");
		sb_str(&b, level_word(ev->prev));
		sb_str(&b, ")");
		break;
	case ALERT_GONE:
		sb_str(&b, "RECOVERY: the connection ended after ");
		sb_dur(&b, ev->time_us - ev->since_us);
		sb_str(&b, " in alarm (was ");
		sb_str(&b, level_word(ev->prev));
		sb_str(&b, ", ");
		sb_str(&b, d->name);
		sb_str(&b, " last ");
		sb_human(&b, d->unit, ev->value);
		sb_str(&b, ")");
		break;
	case ALERT_REPEATS:
		sb_str(&b, "NOTICE: ");
		sb_u64(&b, ev->suppressed);
		sb_str(&b, ev->suppressed == 1 ? " repeated alarm" : " repeated alarms");
		sb_str(&b, " of ");
		sb_str(&b, d->name);
		sb_str(&b, " suppressed (repeat ");
		sb_dur(&b, s->repeat_us);
		sb_str(&b, "), now ");
		sb_str(&b, level_word(ev->level));
		sb_str(&b, " at ");
		sb_human(&b, d->unit, ev->value);
		break;
	case ALERT_RATELIMIT:
		sb_str(&b, "NOTICE: rate limit ");
		sb_human(&b, U_PER_SECOND, s->max_rate);
		sb_str(&b, ": ");
		sb_u64(&b, ev->suppressed);
		sb_str(&b, ev->suppressed == 1 ? " message" : " messages");
		sb_str(&b, " not sent (");
		sb_u64(&b, ev->dropped_alarms);
		sb_str(&b, " alarms, ");
		sb_u64(&b, ev->dropped_recoveries);
		sb_str(&b, " recoveries) in the last ");
		sb_dur(&b, ev->time_us - ev->since_us);
		break;
	default:
		sb_str(&b, "NOTICE: ");
		sb_u64(&b, lost);
		sb_str(&b, lost == 1 ? " message" : " messages");
		sb_str(&b, " lost: the queue (");
		sb_u64(&b, s->queue_max);
		sb_str(&b, ") was full while ");
		sb_str(&b, s->target);
		sb_str(&b, " was unreachable");
		break;
	}
	if (kind < ALERT_RATELIMIT) {
		if (cli[0]) {
			sb_str(&b, "; client ");
			sb_str(&b, cli);
		}
		if (srv[0]) {
			sb_str(&b, cli[0] ? ", server " : "; server ");
			sb_str(&b, srv);
		}
		if (ev->suppressed && kind != ALERT_REPEATS) {
			sb_str(&b, " (");
			sb_u64(&b, ev->suppressed);
			sb_str(&b, ev->suppressed == 1 ? " repeat suppressed)" : " repeats suppressed)");
		}
	}
	struct qmsg m = {.len = b.len, .text = text, .sev = sev};
	m.buf = malloc(b.len + 1);
	if (!m.buf) {
		s->lost++;
		return;
	}
	memcpy(m.buf, buf, b.len + 1);
	q_push(s, &m, kind == K_LOST);
}

static void on_alert(void *arg, const struct alert_event *ev)
{
	struct sl *s = arg;
	build(s, (int)ev->kind, ev, 0, ev->time_us);
}

/* ---- delivery ---- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void set_watch(struct sl *s, short ev)
{
	if (s->fd < 0 || ev == s->watched)
		return;
	s->host->watch_fd(s->ctx, s->fd, ev);
	s->watched = ev;
}

static void close_fd(struct sl *s)
{
	if (s->fd < 0)
		return;
	if (s->watched)
		s->host->watch_fd(s->ctx, s->fd, 0);
	close(s->fd);
	s->fd = -1;
	s->watched = 0;
	s->connecting = 0;
	s->off = 0;
}

/* The target failed: close, and retry later; at once when a working
 * connection broke (the target may just have closed an idle one). */
static void target_down(struct sl *s, const char *what, int err, int was_up)
{
	was_up = was_up && !s->down;
	close_fd(s);
	int64_t now = mono_us();
	if (!s->down) {
		s->down = 1;
		s->down_since = now;
		s->delayed = s->qcount;
		s->host->log(s->ctx, TT_LOG_WARN, "target %s: %s%s%s; %zu message%s queued (at most %zu), retrying",
		             s->target, what, err ? ": " : "", err ? strerror(err) : "", s->qcount,
		             s->qcount == 1 ? "" : "s", s->queue_max);
	}
	if (was_up) {
		s->retry_at = now;
		return;
	}
	if (!s->backoff)
		s->backoff = BACKOFF_MIN_US;
	s->retry_at = now + s->backoff;
	s->backoff = s->backoff * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US : s->backoff * 2;
}

static void target_up(struct sl *s)
{
	if (!s->down)
		return;
	s->down = 0;
	s->host->log(s->ctx, TT_LOG_INFO, "target %s: reachable again after %.1fs; %llu message%s delayed, %llu lost",
	             s->target, (double)(mono_us() - s->down_since) / 1e6, (unsigned long long)s->delayed,
	             s->delayed == 1 ? "" : "s", (unsigned long long)(s->lost - s->lost_reported));
}

/* Once the queue is empty again, say how many messages were lost. */
static int report_lost(struct sl *s)
{
	if (s->lost <= s->lost_reported)
		return 0;
	uint64_t n = s->lost - s->lost_reported;
	s->lost_reported = s->lost;
	s->full_said = 0;
	build(s, K_LOST, NULL, n, s->host->now(s->ctx));
	return 1;
}

static int target_connect(struct sl *s)
{
	int type = s->tkind == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
	for (;;) {
		int fd = socket(s->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		s->fd = fd;
		s->stream = type == SOCK_STREAM;
		s->watched = 0;
		s->off = 0;
		if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) == 0) {
			s->connecting = 0;
			return 0;
		}
		int e = errno;
		if (e == EINPROGRESS) {
			s->connecting = 1;
			return 0;
		}
		close(fd);
		s->fd = -1;
		/* a unix socket may be a stream one, as glibc's syslog(3) allows */
		if (e == EPROTOTYPE && s->tkind == T_UNIX && type == SOCK_DGRAM) {
			type = SOCK_STREAM;
			continue;
		}
		return -e;
	}
}

/* A stream target never writes to us: readable means closed. */
static int peer_closed(struct sl *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	char junk[512];
	ssize_t n = recv(s->fd, junk, sizeof junk, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* Send what the queue holds: 0 when it is empty, -EAGAIN when the socket
 * is full, another -errno when the target failed. */
static int send_queue(struct sl *s)
{
	while (s->qcount) {
		struct qmsg *m = &s->q[s->qhead];
		ssize_t n;
		if (!s->stream) {
			n = send(s->fd, m->buf, m->len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0) {
				int e = errno;
				if (e == EINTR)
					continue;
				if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
					return -EAGAIN;
				if (e == EMSGSIZE) {
					s->lost++;
					q_pop(s);
					continue;
				}
				return -e;
			}
			q_pop(s);
		} else {
			/* RFC 6587: octet counting over TCP (3.4.1, MSG-LEN SP
			 * SYSLOG-MSG); a trailing LF on a local stream socket
			 * (3.4.2), which is what its readers split on */
			char pre[24];
			size_t pl = 0;
			if (s->tkind == T_TCP) {
				pl = fmt_u64(pre, m->len);
				pre[pl++] = ' ';
			}
			static char lf[] = "\n";
			struct { char *p; size_t n; } part[3] = {
				{pre, pl}, {m->buf, m->len}, {lf, s->tkind == T_TCP ? 0 : 1},
			};
			struct iovec iov[3];
			size_t off = s->off, total = 0;
			int k = 0;
			for (int i = 0; i < 3; i++) {
				total += part[i].n;
				if (off >= part[i].n) {
					off -= part[i].n;
					continue;
				}
				iov[k].iov_base = part[i].p + off;
				iov[k++].iov_len = part[i].n - off;
				off = 0;
			}
			struct msghdr mh;
			memset(&mh, 0, sizeof mh);
			mh.msg_iov = iov;
			mh.msg_iovlen = (size_t)k;
			n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0) {
				int e = errno;
				if (e == EINTR)
					continue;
				if (e == EAGAIN || e == EWOULDBLOCK)
					return -EAGAIN;
				return -e;
			}
			s->off += (size_t)n;
			if (s->off < total)
				continue;
			s->off = 0;
			q_pop(s);
		}
		s->delivered++;
		s->backoff = 0;
	}
	return 0;
}

static void pump(struct sl *s)
{
	if (s->tkind == T_SYSLOG) {
		if (!s->qcount)
			return;
		/* openlog each time: another rule may have set its own ident */
		openlog(s->ident, LOG_PID, s->facility << 3);
		while (s->qcount) {
			struct qmsg *m = &s->q[s->qhead];
			syslog((s->facility << 3) | m->sev, "%s", m->buf + m->text);
			q_pop(s);
			s->delivered++;
		}
		return;
	}
	for (int round = 0; round < 4; round++) {
		if (s->fd < 0) {
			if (!s->qcount)
				return;
			if (mono_us() < s->retry_at)
				return;
			int r = target_connect(s);
			if (r < 0) {
				target_down(s, "connect", -r, 0);
				return;
			}
		}
		if (s->connecting) {
			struct pollfd p = {.fd = s->fd, .events = POLLOUT};
			if (poll(&p, 1, 0) <= 0 || !p.revents) {
				set_watch(s, POLLOUT);
				return;
			}
			int err = 0;
			socklen_t l = sizeof err;
			if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
				err = errno;
			if (err) {
				target_down(s, "connect", err, 0);
				return;
			}
			s->connecting = 0;
		}
		if (s->stream && peer_closed(s)) {
			target_down(s, "connection closed by the target", 0, 1);
			continue;
		}
		target_up(s);
		int r = send_queue(s);
		if (r == 0 && report_lost(s))
			r = send_queue(s);
		if (r == 0) {
			set_watch(s, s->stream ? POLLIN : 0);
			return;
		}
		if (r == -EAGAIN) {
			set_watch(s, (short)(POLLOUT | (s->stream ? POLLIN : 0)));
			return;
		}
		target_down(s, "send", -r, 1);
	}
}

/* When the first rule began to drain at exit: all rules of the process
 * (instances of this one shared object) wait together, at most the longest
 * drain from then, not one after the other. */
static int64_t drain_started;

/* At the end: keep trying for a while, then count what is left. */
static void drain(struct sl *s)
{
	if (!drain_started)
		drain_started = mono_us();
	int64_t end = drain_started + s->drain_us;
	for (;;) {
		pump(s);
		int64_t now = mono_us();
		if (!s->qcount || now >= end)
			break;
		int64_t wait = end - now;
		if (s->fd >= 0) {
			struct pollfd p = {.fd = s->fd, .events = POLLOUT};
			poll(&p, 1, (int)((wait + 999) / 1000));
		} else {
			if (s->retry_at - now < wait)
				wait = s->retry_at - now;
			if (wait > 0) {
				struct timespec ts = {(time_t)(wait / 1000000), (long)(wait % 1000000) * 1000};
				nanosleep(&ts, NULL);
			}
		}
	}
}

/* ---- evaluation ---- */

struct walk {
	struct sl *s;
	int64_t now;
	double rate;
	uint64_t count, half;
};

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

static int walk_one(void *arg, const struct tt_conn *c)
{
	struct walk *w = arg;
	struct sl *s = w->s;
	if (!match(s, c))
		return 0;
	const struct metric_def *d = &metrics[s->metric];
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

static void evaluate(struct sl *s, const struct tt_snapshot *snap)
{
	const struct metric_def *d = &metrics[s->metric];
	int64_t now = snap->time_us;
	int64_t span = s->last_eval && now > s->last_eval ? now - s->last_eval : s->every_us;
	s->last_eval = now;
	alert_begin(s->eng, now);
	struct walk w = {.s = s, .now = now};
	if (d->scope == SC_SERVER)
		map_clear(&s->srvs);
	if (s->walk_needed)
		snap->foreach(snap, walk_one, &w);
	int filtered = s->nports || s->nservers || s->nclients || s->has_bpf;
	struct alert_key k;
	memset(&k, 0, sizeof k);
	double v = 0;
	switch (s->metric) {
	case M_TOTAL_RATE:
		v = filtered ? w.rate : snap->c2s_rate + snap->s2c_rate;
		break;
	case M_CONNECTIONS:
		v = (double)w.count;
		break;
	case M_HALF_OPEN:
		v = filtered ? (double)w.half : (double)snap->half_open;
		break;
	case M_NEW_CONNECTIONS:
	case M_RESETS:
		v = (double)s->events * 1e6 / (double)span;
		s->events = 0;
		break;
	case M_SERVER_CONNECTIONS:
	case M_SERVER_RATE:
		for (struct srv *x = map_next(&s->srvs, NULL); x; x = map_next(&s->srvs, x))
			alert_sample(s->eng, map_key(&s->srvs, x),
			             s->metric == M_SERVER_RATE ? x->rate : (double)x->conns);
		break;
	default:
		break;
	}
	if (d->scope == SC_GLOBAL)
		alert_sample(s->eng, &k, v);
	alert_end(s->eng);
	if (alert_stats(s->eng)->untracked && !s->keys_said) {
		s->keys_said = 1;
		s->host->log(s->ctx, TT_LOG_WARN, "max_keys (%zu) reached: further keys are not watched",
		             s->max_keys);
	}
}

static int sl_on_event(void *state, const struct tt_event *ev)
{
	struct sl *s = state;
	if (s->metric == M_NEW_CONNECTIONS && ev->type == TT_EV_OPENED && match(s, ev->conn))
		s->events++;
	else if (s->metric == M_RESETS && ev->type == TT_EV_STATE && ev->conn->state == TT_RESET &&
	         match(s, ev->conn))
		s->events++;
	return 0;
}

static int sl_on_snapshot(void *state, const struct tt_snapshot *snap)
{
	struct sl *s = state;
	if (!snap->flags)
		evaluate(s, snap);
	pump(s);
	return 0;
}

static int sl_on_fd(void *state, int fd, short revents)
{
	struct sl *s = state;
	(void)fd;
	(void)revents;
	pump(s);
	return 0;
}

/* ---- life ---- */

static int sl_open(void *state, char *err, size_t errlen)
{
	struct sl *s = state;
	(void)err;
	(void)errlen;
	s->qcap = s->queue_max + 1;
	s->q = calloc(s->qcap, sizeof *s->q);
	if (!s->q)
		return -ENOMEM;
	/* RFC 5424 6.2.4: HOSTNAME is printable US-ASCII, at most 255 */
	if (gethostname(s->hostname, sizeof s->hostname - 1) < 0)
		s->hostname[0] = 0;
	for (char *p = s->hostname; *p; p++)
		if (*p < 33 || *p > 126) {
			s->hostname[0] = 0;
			break;
		}
	s->pid = (int)getpid();
	if (s->tkind != T_SYSLOG) {
		/* connect now, while a privileged socket can still be reached */
		int r = target_connect(s);
		if (r < 0)
			target_down(s, "connect", -r, 0);
	}
	return 0;
}

static int sl_start(void *state)
{
	struct sl *s = state;
	if (s->fd >= 0 && (s->connecting || s->stream))
		set_watch(s, s->connecting ? POLLOUT : POLLIN);
	return s->host->set_interval(s->ctx, s->every_us, TT_INTERVAL_ALIGNED);
}

static int sl_flush(void *state)
{
	struct sl *s = state;
	if (s->eng)
		alert_finish(s->eng, s->host->now(s->ctx));
	drain(s);
	return 0;
}

static int sl_reopen(void *state)
{
	struct sl *s = state;
	/* SIGHUP: a restarted daemon may have a new socket */
	if (s->tkind != T_SYSLOG) {
		close_fd(s);
		s->retry_at = 0;
		pump(s);
	}
	return 0;
}

static void sl_stop(void *state)
{
	struct sl *s = state;
	drain(s);
	if (s->qcount) {
		s->lost += s->qcount;
		s->host->log(s->ctx, TT_LOG_ERR, "target %s: %zu message%s could not be delivered before exit",
		             s->target, s->qcount, s->qcount == 1 ? "" : "s");
		while (s->qcount)
			q_pop(s);
	}
	if (s->lost)
		s->host->log(s->ctx, TT_LOG_WARN, "%llu message%s lost in all (%llu delivered)",
		             (unsigned long long)s->lost, s->lost == 1 ? "" : "s",
		             (unsigned long long)s->delivered);
	close_fd(s);
	if (s->tkind == T_SYSLOG)
		closelog();
}

static void sl_destroy(void *state)
{
	struct sl *s = state;
	close_fd(s);
	while (s->q && s->qcount)
		q_pop(s);
	free(s->q);
	alert_free(s->eng);
	if (s->has_bpf)
		pcap_freecode(&s->bpf);
	map_free(&s->srvs);
	free(s->filter_text);
	free(s->target);
	free(s->name);
	free(s);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.events = TT_EV_OPENED | TT_EV_STATE,
	.name = "syslog",
	.description = "threshold alerts to syslog (syslog(3), or RFC 5424 over unix, UDP or TCP)",
	.keys = keys,
	.create = sl_create,
	.configure = sl_configure,
	.check = sl_check,
	.open = sl_open,
	.start = sl_start,
	.on_event = sl_on_event,
	.on_snapshot = sl_on_snapshot,
	.on_fd = sl_on_fd,
	.reopen = sl_reopen,
	.flush = sl_flush,
	.stop = sl_stop,
	.destroy = sl_destroy,
};
