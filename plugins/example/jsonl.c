/*
 * jsonl: an example output plugin for tcptrack.  It is built outside
 * tcptrack's tree, against the installed header alone (see the Makefile
 * beside it), and writes one JSON object per line for every connection that
 * leaves the table (and for every connection still open when tcptrack
 * stops), for log shippers that read JSON lines.
 *
 *   [output flows]
 *   plugin = jsonl                          ; or the absolute path of jsonl.so
 *   file = /var/log/tcptrack/flows.jsonl    ; default "-": standard output
 *
 * or: tcptrack -i eth0 -o jsonl:file=flows.jsonl
 *
 * One line (wrapped here):
 *   {"output":"flows","input":"eth0","id":7,"family":4,
 *    "first_seen":1700000000.000017,"last_seen":1700000003.250000,
 *    "client":"10.0.0.1","client_port":51000,"server":"10.0.0.2",
 *    "server_port":443,"state":"CLOSED","end":"closed","midstream":false,
 *    "c2s_packets":12,"c2s_bytes":1500,"c2s_payload":980,
 *    "s2c_packets":10,"s2c_bytes":9000,"s2c_payload":8480}
 *
 * The names and values are those of the csv plugin's connection log
 * (tcptrack.conf(5)).  tcptrack's own json output (plugins/json) is the
 * supported form of this: both CSV modes, events, sockets; this one stays
 * small, to teach the ABI.  The file is opened for appending; SIGHUP reopens it
 * by name (log rotation); lines are flushed every second of the capture
 * clock and at the end.  Writing to a regular file is taken not to block;
 * a plugin that writes to a network peer would use host->watch_fd instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tcptrack/plugin.h>

struct jsonl {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	char *instance;     /* create()'s string is the core's: a copy */
	char *file;         /* "-" for standard output */
	FILE *f;
	int failing;        /* a write failed; said once */
	unsigned long long lost;
};

static const char *const keys[] = {"file", NULL};

/* ---- JSON strings (RFC 8259 section 7) ---- */

/* Length of the valid UTF-8 sequence at s (RFC 3629 section 4), 0 if
 * there is none: overlong forms, surrogates and values past U+10FFFF are
 * invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A quoted JSON string.  Names from the system (an interface, a file name)
 * are bytes, not text: a byte that is not part of valid UTF-8 becomes
 * U+FFFD, so that every line stays valid JSON. */
static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	putc('"', f);
	while (*s) {
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\b': fputs("\\b", f); break;
			case '\f': fputs("\\f", f); break;
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			default: fprintf(f, "\\u%04x", c); break;
			}
			s++;
		} else if (c < 0x80) {
			putc(c, f);
			s++;
		} else {
			size_t n = utf8_len(s);
			if (n) {
				fwrite(s, 1, n, f);
				s += n;
			} else {
				fputs("\\ufffd", f);
				s++;
			}
		}
	}
	putc('"', f);
}

/* Microseconds since the epoch as seconds with six decimals. */
static void put_time(FILE *f, int64_t us)
{
	if (us < 0) {
		putc('-', f);
		us = -us;
	}
	fprintf(f, "%lld.%06lld", (long long)(us / 1000000), (long long)(us % 1000000));
}

static void put_counts(FILE *f, const char *dir, const struct tt_counts *c)
{
	fprintf(f, ",\"%s_packets\":%llu,\"%s_bytes\":%llu,\"%s_payload\":%llu", dir,
	        (unsigned long long)c->packets, dir, (unsigned long long)c->bytes, dir,
	        (unsigned long long)c->payload);
}

/* ---- the file ---- */

static int open_file(struct jsonl *j)
{
	if (!strcmp(j->file, "-")) {
		j->f = stdout;
		return 0;
	}
	int fd = open(j->file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	j->f = fdopen(fd, "a");
	if (!j->f) {
		int e = errno;
		close(fd);
		return -e;
	}
	setvbuf(j->f, NULL, _IOFBF, 64 * 1024);
	return 0;
}

/* Write out what stdio holds; a failure is said once, then counted. */
static int flush_file(struct jsonl *j)
{
	if (!j->f)
		return 0;
	errno = 0;
	if (fflush(j->f) == 0 && !ferror(j->f)) {
		if (j->failing)
			j->host->log(j->ctx, TT_LOG_WARN, "%s: writing again", j->file);
		j->failing = 0;
		return 0;
	}
	int e = errno ? errno : EIO;
	clearerr(j->f);
	if (!j->failing)
		j->host->log(j->ctx, TT_LOG_ERR, "write %s: %s: lines are being lost", j->file,
		             strerror(e));
	j->failing = 1;
	/* not an error of the call: the other outputs and tracking go on */
	return 0;
}

static void close_file(struct jsonl *j)
{
	if (!j->f)
		return;
	flush_file(j);
	if (j->f != stdout)
		fclose(j->f);
	j->f = NULL;
}

/* ---- the plugin ---- */

static int jl_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance,
                     void **state)
{
	struct jsonl *j = calloc(1, sizeof *j);
	if (!j)
		return -ENOMEM;
	j->host = host;
	j->ctx = ctx;
	j->instance = strdup(instance);
	j->file = strdup("-");
	if (!j->instance || !j->file) {
		free(j->instance);
		free(j->file);
		free(j);
		return -ENOMEM;
	}
	*state = j;
	return 0;
}

static int jl_configure(void *state, const char *key, const char *value, char *err,
                        size_t errlen)
{
	struct jsonl *j = state;
	if (!strcmp(key, "file")) {
		if (!*value) {
			snprintf(err, errlen, "empty (use a path, or - for standard output)");
			return -EINVAL;
		}
		char *v = strdup(value);
		if (!v)
			return -ENOMEM;
		free(j->file);
		j->file = v;
	}
	return 0;
}

/* While tcptrack may still be root: a log directory may be root's. */
/* Standard output is one output's: an instance that writes there says
 * so, and a core of ABI 1.3 or later refuses a second one, or the view
 * beside it (an older one would refuse the bit). */
static int jl_check(void *state, char *err, size_t errlen)
{
	struct jsonl *j = state;
	(void)err;
	(void)errlen;
	if (!strcmp(j->file, "-") && TT_HOST_HAS(j->host, set_caps) && j->host->abi_minor >= 3)
		j->host->set_caps(j->ctx, TT_CAP_NO_RATES | TT_CAP_STDOUT);
	return 0;
}

static int jl_open(void *state, char *err, size_t errlen)
{
	struct jsonl *j = state;
	int r = open_file(j);
	if (r < 0)
		snprintf(err, errlen, "open %s: %s", j->file, strerror(-r));
	return r;
}

static int jl_start(void *state)
{
	struct jsonl *j = state;
	/* a snapshot every second of the capture clock: the time to flush */
	return j->host->set_interval(j->ctx, 1000000, 0);
}

static int jl_on_event(void *state, const struct tt_event *ev)
{
	struct jsonl *j = state;
	const struct tt_conn *c = ev->conn;
	if (ev->type != TT_EV_REMOVED)
		return 0;
	if (!j->f) {
		j->lost++;
		return 0;
	}
	char client[64], server[64];
	j->host->format_addr(c->family, c->client, client, sizeof client);
	j->host->format_addr(c->family, c->server, server, sizeof server);
	/* the words of the csv plugin's `end` column; host->reason_name came
	 * with ABI 1.1, so an older tcptrack leaves the field empty */
	const char *end = TT_HOST_HAS(j->host, reason_name) ? j->host->reason_name(ev->reason) : "";
	const struct tt_settings *s = j->host->settings(j->ctx);
	FILE *f = j->f;

	fputs("{\"output\":", f);
	put_string(f, j->instance);
	fputs(",\"input\":", f);
	put_string(f, s->size ? s->input : NULL);
	fprintf(f, ",\"id\":%llu,\"family\":%u,\"first_seen\":", (unsigned long long)c->id,
	        (unsigned)c->family);
	put_time(f, c->first_seen_us);
	fputs(",\"last_seen\":", f);
	put_time(f, c->last_seen_us);
	fputs(",\"client\":", f);
	put_string(f, client);
	fprintf(f, ",\"client_port\":%u,\"server\":", (unsigned)c->client_port);
	put_string(f, server);
	fprintf(f, ",\"server_port\":%u,\"state\":", (unsigned)c->server_port);
	put_string(f, j->host->state_name(c->state));
	fputs(",\"end\":", f);
	put_string(f, end);
	fprintf(f, ",\"midstream\":%s", (c->flags & TT_CONN_MIDSTREAM) ? "true" : "false");
	put_counts(f, "c2s", &c->c2s);
	put_counts(f, "s2c", &c->s2c);
	fputs("}\n", f);
	return 0;
}

static int jl_on_snapshot(void *state, const struct tt_snapshot *snap)
{
	(void)snap;
	return flush_file(state);
}

/* SIGHUP: the file may have been renamed by logrotate; start a new one. */
static int jl_reopen(void *state)
{
	struct jsonl *j = state;
	if (!strcmp(j->file, "-"))
		return flush_file(j);
	close_file(j);
	int r = open_file(j);
	if (r < 0)
		j->host->log(j->ctx, TT_LOG_ERR, "reopen %s: %s", j->file, strerror(-r));
	return r;
}

static int jl_flush(void *state)
{
	return flush_file(state);
}

static void jl_stop(void *state)
{
	struct jsonl *j = state;
	close_file(j);
	if (j->lost)
		j->host->log(j->ctx, TT_LOG_ERR, "%llu connections not written: %s was not open",
		             j->lost, j->file);
}

static void jl_destroy(void *state)
{
	struct jsonl *j = state;
	close_file(j);
	free(j->instance);
	free(j->file);
	free(j);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_NO_RATES,
	.events = TT_EV_REMOVED,
	.name = "jsonl",
	.description = "one JSON object per line for every connection that ends",
	.keys = keys,
	.create = jl_create,
	.configure = jl_configure,
	.check = jl_check,
	.open = jl_open,
	.start = jl_start,
	.on_event = jl_on_event,
	.on_snapshot = jl_on_snapshot,
	.reopen = jl_reopen,
	.flush = jl_flush,
	.stop = jl_stop,
	.destroy = jl_destroy,
};
