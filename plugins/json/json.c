/*
 * json: the connection and interval logs of the csv output as JSON lines
 * (RFC 8259, one object a line), for log shippers (Vector, Fluent Bit,
 * Filebeat), and on request the connections' events as they happen.
 *
 * The rows are lib/connlog's: the same modes, keys, fields and names as
 * the CSV columns, an empty CSV cell being null here.  Each line starts
 * with "type": "connection" or "interval" for a row, "opened", "state" or
 * "removed" for an event (with "time", and "old_state" for a state change);
 * the rows of one connection and its events carry its "id"; "lost" for the number of lines a socket target lost while it
 * was away (told once it is back).
 *
 * Lines go to a file (time-named, appended or not, reopened on SIGHUP:
 * connlog's) or, with `target`, to a unix or TCP socket (or UDP, a line a
 * datagram) through lib/target: a bounded queue, never blocking the loop,
 * reconnection with backoff, losses counted and said.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connlog.h"
#include "fmt.h"
#include "parse.h"
#include "target.h"
#include "tcptrack/plugin.h"
#include "wfile.h"

/* a line: 26 names, 3 strings of at most 64 bytes escaped, numbers */
#define LINE_MAX 16384 /* the optional columns: 8 texts of 255 bytes, escaped */

struct json {
	struct connlog log;
	const struct tt_host *host;
	struct tt_ctx *ctx;
	uint32_t events;       /* TT_EV_* written as lines */
	int file_set;          /* file or append was given */
	int to_target;
	struct target target;
	size_t queue_max;
	size_t pump_at;        /* lines queued that make a send */
	int64_t drain_us;
	char line[LINE_MAX];   /* a line for the target */
};

static const char *const keys[] = {"mode", "file", "interval", "group_by", "flush", "append", "columns", "events", "target",
	"queue", "drain", NULL};

static const char *const ev_names[] = {"opened", "state", "removed"};
static const uint32_t ev_bits[] = {TT_EV_OPENED, TT_EV_STATE, TT_EV_REMOVED};

static size_t put_lit(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return n;
}

/* "id" of a row's connection (to join it with its events), then
 * "name":value for each cell of r, each after a comma */
static size_t put_cells(char *p, const struct connlog_row *r)
{
	const char *const *cols = r->cols;
	size_t n = 0;
	if (r->conn) {
		struct connlog_cell c = {.kind = CONNLOG_U64, .v.u = r->conn->id};
		n += put_lit(p + n, ",\"id\":");
		n += connlog_put_cell(p + n, &c, 1);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct connlog_cell *c = &r->cell[i];
		p[n++] = ',';
		p[n++] = '"';
		n += put_lit(p + n, cols[i]);
		p[n++] = '"';
		p[n++] = ':';
		/* most cells are counts: no call through the general case */
		n += c->kind == CONNLOG_U64 ? fmt_u64(p + n, c->v.u) : connlog_put_cell(p + n, c, 1);
	}
	return n;
}

/* Where a line of at most LINE_MAX bytes is written: the file's buffer, or
 * the line for the target; NULL when there is nowhere. */
static char *line_begin(struct json *j)
{
	if (j->to_target)
		return j->line;
	struct wfile *w = connlog_wfile(&j->log);
	return w ? wfile_reserve(w, LINE_MAX) : NULL;
}

static void line_end(struct json *j, size_t n)
{
	if (j->to_target) {
		/* the target frames it: a LF on a stream, a datagram alone */
		struct target_msg m = {j->line, n, 0, 0};
		target_push(&j->target, &m, 0);
		/* between snapshots (a file is read fast: they may be far
		 * apart), send in batches, so that a burst larger than the queue
		 * is not lost while the receiver keeps up */
		if (j->target.qcount >= j->pump_at)
			target_pump(&j->target);
		return;
	}
	struct wfile *w = connlog_wfile(&j->log);
	w->buf[w->len + n++] = '\n';
	wfile_commit(w, n);
}

static void json_row(void *arg, const struct connlog_row *r)
{
	struct json *j = arg;
	char *p = line_begin(j);
	if (!p)
		return;
	size_t n = put_lit(p, r->mode == CONNLOG_CONNECTIONS ? "{\"type\":\"connection\"" : "{\"type\":\"interval\"");
	n += put_cells(p + n, r);
	p[n++] = '}';
	line_end(j, n);
}

/* A connection's event: its type, when, which, and the connection row of
 * the moment (the counts so far; `end` only once it was removed). */
static void event_line(struct json *j, const struct tt_event *ev)
{
	char *p = line_begin(j);
	if (!p)
		return;
	size_t n = put_lit(p, "{\"type\":\"");
	n += put_lit(p + n, ev->type == TT_EV_OPENED ? "opened" : ev->type == TT_EV_STATE ? "state" : "removed");
	n += put_lit(p + n, "\",\"time\":");
	struct connlog_cell c = {.kind = CONNLOG_TIME, .v.t = ev->time_us};
	n += connlog_put_cell(p + n, &c, 1);
	if (ev->type == TT_EV_STATE) {
		n += put_lit(p + n, ",\"old_state\":");
		c.kind = CONNLOG_STR;
		c.v.s = ev->old_state < TT_NSTATES ? j->log.state_names[ev->old_state] : "?";
		c.len = (uint16_t)(ev->old_state < TT_NSTATES ? j->log.state_len[ev->old_state] : 1);
		n += connlog_put_cell(p + n, &c, 1);
	}
	struct connlog_row r;
	connlog_conn_cells(&j->log, ev->conn, ev->type == TT_EV_REMOVED ? ev->reason : TT_RM_NONE, &r);
	n += put_cells(p + n, &r);
	p[n++] = '}';
	line_end(j, n);
}

/* The queue emptied after the target lost lines: say how many, in line. */
static void on_lost(void *arg, uint64_t lost)
{
	struct json *j = arg;
	char *p = j->line;
	size_t n = put_lit(p, "{\"type\":\"lost\",\"time\":");
	struct connlog_cell c = {.kind = CONNLOG_TIME, .v.t = j->host->now(j->ctx)};
	n += connlog_put_cell(p + n, &c, 1);
	n += put_lit(p + n, ",\"lost\":");
	c.kind = CONNLOG_U64;
	c.v.u = lost;
	n += connlog_put_cell(p + n, &c, 1);
	p[n++] = '}';
	struct target_msg m = {p, n, 0, 0};
	target_push(&j->target, &m, 1);
}

static int json_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct json *j = calloc(1, sizeof *j);
	if (!j)
		return -ENOMEM;
	j->host = host;
	j->ctx = ctx;
	j->queue_max = 10000;
	j->drain_us = 2000000;
	target_init(&j->target, host, ctx);
	if (connlog_init(&j->log, host, ctx, json_row, j) < 0) {
		connlog_free(&j->log);
		free(j);
		return -ENOMEM;
	}
	*state = j;
	return 0;
}

/* events = yes | no | a list of opened, state, removed */
static int set_events(struct json *j, const char *value, char *err, size_t errlen)
{
	int on;
	const char *why;
	if (parse_bool(value, &on, &why) == 0) {
		j->events = on ? TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED : 0;
		return 0;
	}
	uint32_t ev = 0;
	const char *s = value;
	for (;;) {
		s += strspn(s, " \t,+");
		if (!*s)
			break;
		size_t len = strcspn(s, " \t,+");
		size_t i;
		for (i = 0; i < 3; i++)
			if (strlen(ev_names[i]) == len && !strncmp(s, ev_names[i], len))
				break;
		if (i == 3) {
			snprintf(err, errlen, "'%s': use yes, no or a list of opened, state, removed", value);
			return -EINVAL;
		}
		ev |= ev_bits[i];
		s += len;
	}
	if (!ev) {
		snprintf(err, errlen, "empty (use yes, no or a list of opened, state, removed)");
		return -EINVAL;
	}
	j->events = ev;
	return 0;
}

static int json_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct json *j = state;
	if (!strcmp(key, "events"))
		return set_events(j, value, err, errlen);
	if (!strcmp(key, "target")) {
		if (!*value) { /* the default: a file */
			j->to_target = 0;
			return 0;
		}
		int r = target_parse(&j->target, value, err, errlen);
		if (r == -EPROTONOSUPPORT)
			r = -EINVAL;
		j->to_target = r == 0;
		return r;
	}
	if (!strcmp(key, "queue")) {
		uint64_t n;
		const char *why;
		if (parse_size(value, &n, &why) < 0 || n < 1 || n > 10000000) {
			snprintf(err, errlen, "'%s': not a number from 1 to 10M", value);
			return -EINVAL;
		}
		j->queue_max = (size_t)n;
		return 0;
	}
	if (!strcmp(key, "drain")) {
		const char *why;
		if (parse_duration(value, &j->drain_us, &why) < 0) {
			snprintf(err, errlen, "'%s': not a duration (e.g. 2s, 500ms)", value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "file") || !strcmp(key, "append"))
		j->file_set = 1;
	int r = connlog_configure(&j->log, key, value, err, errlen);
	return r > 0 ? 0 : r;
}

static int json_check(void *state, char *err, size_t errlen)
{
	struct json *j = state;
	if (j->to_target && j->file_set) {
		snprintf(err, errlen, "target and file (or append) exclude each other");
		return -EINVAL;
	}
	if (j->to_target) {
		connlog_no_file(&j->log);
		j->target.lf_frames = 1;
	}
	return connlog_check(&j->log, err, errlen);
}

static int json_open(void *state, char *err, size_t errlen)
{
	struct json *j = state;
	if (!j->to_target)
		return connlog_open(&j->log, err, errlen);
	target_on_lost(&j->target, on_lost, j);
	j->pump_at = j->queue_max / 2 < 64 ? j->queue_max / 2 : 64;
	if (!j->pump_at)
		j->pump_at = 1;
	return target_open(&j->target, j->queue_max);
}

static int json_start(void *state)
{
	struct json *j = state;
	if (j->to_target)
		target_start(&j->target);
	/* ABI 1.1: the events asked for, beside the removals that end rows;
	 * an older core sends only the descriptor's */
	if (j->events && TT_HOST_HAS(j->host, set_events))
		j->host->set_events(j->ctx, TT_EV_REMOVED | j->events);
	return connlog_start(&j->log);
}

static int json_on_event(void *state, const struct tt_event *ev)
{
	struct json *j = state;
	if (ev->type & j->events) {
		connlog_follow(&j->log, ev->time_us);
		event_line(j, ev);
	}
	if (ev->type == TT_EV_REMOVED)
		connlog_removed(&j->log, ev);
	return 0;
}

static int json_on_snapshot(void *state, const struct tt_snapshot *s)
{
	struct json *j = state;
	connlog_snapshot(&j->log, s);
	if (j->to_target)
		target_pump(&j->target);
	/* a loss of lines is not an error of the call: tracking must go on */
	return 0;
}

static int json_on_fd(void *state, int fd, short revents)
{
	struct json *j = state;
	(void)fd;
	(void)revents;
	target_pump(&j->target);
	return 0;
}

static int json_flush(void *state)
{
	struct json *j = state;
	connlog_flush(&j->log);
	/* sent as far as it goes now; stop() waits for the rest (drain),
	 * once every output has written its files */
	if (j->to_target)
		target_pump(&j->target);
	return 0;
}

static int json_reopen(void *state)
{
	struct json *j = state;
	if (j->to_target) {
		target_reopen(&j->target);
		return 0;
	}
	return connlog_reopen(&j->log);
}

static void json_stop(void *state)
{
	struct json *j = state;
	connlog_stop(&j->log);
	if (j->to_target) {
		target_drain(&j->target, j->drain_us);
		target_stop(&j->target);
	}
}

static void json_destroy(void *state)
{
	struct json *j = state;
	target_free(&j->target);
	connlog_free(&j->log);
	free(j);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_NO_RATES,
	.events = TT_EV_REMOVED,
	.name = "json",
	.description = "JSON lines: the connection or interval log, and connection events, to a file or a socket",
	.keys = keys,
	.create = json_create,
	.configure = json_configure,
	.check = json_check,
	.open = json_open,
	.start = json_start,
	.on_event = json_on_event,
	.on_snapshot = json_on_snapshot,
	.on_fd = json_on_fd,
	.reopen = json_reopen,
	.flush = json_flush,
	.stop = json_stop,
	.destroy = json_destroy,
};
