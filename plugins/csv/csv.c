/*
 * csv: connection and interval logs for scripts and capacity planning.
 *
 * The rows, their columns and the file are lib/connlog's (shared with the
 * json output); this plugin writes them as CSV lines under a header.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "connlog.h"
#include "fmt.h"
#include "tcptrack/plugin.h"
#include "wfile.h"

struct csv {
	struct connlog log;
	char conn_header[1024];
	char int_header[1024];
};

static const char *const keys[] = {"mode", "file", "interval", "group_by", "flush", "append", "columns", NULL};

/* "a,b,c\n" of the column names */
static void make_header(char *h, size_t cap, const char *const *cols)
{
	size_t n = 0;
	for (size_t i = 0; cols[i]; i++) {
		size_t k = strlen(cols[i]);
		if (n + k + 2 > cap)
			break;
		if (i)
			h[n++] = ',';
		memcpy(h + n, cols[i], k);
		n += k;
	}
	h[n++] = '\n';
	h[n] = 0;
}

#define ROW_MAX (768 + CONNLOG_MAX_EXTRA * 256)

static void csv_row(void *arg, const struct connlog_row *r)
{
	struct csv *c = arg;
	char *p = wfile_reserve(connlog_wfile(&c->log), ROW_MAX);
	if (!p)
		return;
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct connlog_cell *cl = &r->cell[i];
		if (i)
			p[n++] = ',';
		/* most cells are counts, many of them one digit (a count of 0):
		 * no call for those, nor through the general case for any */
		if (cl->kind != CONNLOG_U64)
			n += connlog_put_cell(p + n, cl, 0);
		else if (cl->v.u < 10)
			p[n++] = (char)('0' + cl->v.u);
		else
			n += fmt_u64(p + n, cl->v.u);
	}
	p[n++] = '\n';
	wfile_commit(&c->log.w, n);
}

static int csv_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct csv *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	if (connlog_init(&c->log, host, ctx, csv_row, c) < 0) {
		connlog_free(&c->log);
		free(c);
		return -ENOMEM;
	}
	*state = c;
	return 0;
}

static int csv_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct csv *c = state;
	int r = connlog_configure(&c->log, key, value, err, errlen);
	return r > 0 ? 0 : r;
}

static int csv_check(void *state, char *err, size_t errlen)
{
	struct csv *c = state;
	/* the optional columns are known now */
	make_header(c->conn_header, sizeof c->conn_header, c->log.conn_cols);
	make_header(c->int_header, sizeof c->int_header, c->log.int_cols);
	c->log.header = c->log.mode == CONNLOG_CONNECTIONS ? c->conn_header : c->int_header;
	return connlog_check(&c->log, err, errlen);
}

static int csv_open(void *state, char *err, size_t errlen)
{
	struct csv *c = state;
	return connlog_open(&c->log, err, errlen);
}

static int csv_start(void *state)
{
	struct csv *c = state;
	return connlog_start(&c->log);
}

static int csv_on_snapshot(void *state, const struct tt_snapshot *s)
{
	struct csv *c = state;
	connlog_snapshot(&c->log, s);
	/* a loss of rows is not an error of the call: tracking must go on */
	return 0;
}

static int csv_on_event(void *state, const struct tt_event *ev)
{
	struct csv *c = state;
	if (ev->type == TT_EV_REMOVED)
		connlog_removed(&c->log, ev);
	return 0;
}

static int csv_flush(void *state)
{
	struct csv *c = state;
	connlog_flush(&c->log);
	return 0;
}

static int csv_reopen(void *state)
{
	struct csv *c = state;
	return connlog_reopen(&c->log);
}

static void csv_stop(void *state)
{
	struct csv *c = state;
	connlog_stop(&c->log);
}

static void csv_destroy(void *state)
{
	struct csv *c = state;
	connlog_free(&c->log);
	free(c);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_NO_RATES,
	.events = TT_EV_REMOVED,
	.name = "csv",
	.description = "CSV connection log or interval log for capacity planning",
	.keys = keys,
	.create = csv_create,
	.configure = csv_configure,
	.check = csv_check,
	.open = csv_open,
	.start = csv_start,
	.on_event = csv_on_event,
	.on_snapshot = csv_on_snapshot,
	.reopen = csv_reopen,
	.flush = csv_flush,
	.stop = csv_stop,
	.destroy = csv_destroy,
};
