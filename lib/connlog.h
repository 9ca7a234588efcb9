/*
 * connlog: the model of the connection and interval logs, shared by the
 * outputs that write them (csv, json), so that both give the same rows
 * under the same names from the same keys.
 *
 * mode = connections: one row when a connection leaves the table (and for
 *   every connection still open at exit).
 * mode = intervals: every `interval` (aligned on the capture clock), one row
 *   per connection active in it with that interval's counts; group_by sums
 *   the rows per server, server address, server port or client.  Each row
 *   also says how many connections it covers (active), how many of them
 *   opened in the interval, the interval's real length (the first one starts
 *   at the first packet) and the packets the capture lost in it.
 * Summed over a run, the rows of a connection equal its totals.
 *
 * A row is an array of cells, one per column (connlog_conn_cols or
 * connlog_int_cols), handed to the output's row function, which writes
 * them in its own syntax (connlog_put_cell: CSV or JSON).  The log's file
 * (time-named, appended or not, reopened on SIGHUP, losses counted and said
 * once) is here too, for the outputs that write one.
 */
#ifndef TT_CONNLOG_H
#define TT_CONNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"
#include "tcptrack/plugin.h"
#include "wfile.h"

enum connlog_mode { CONNLOG_CONNECTIONS, CONNLOG_INTERVALS };
enum connlog_group { CONNLOG_G_CONNECTION, CONNLOG_G_SERVER, CONNLOG_G_SERVER_ADDR, CONNLOG_G_SERVER_PORT,
	CONNLOG_G_CLIENT };

/* The columns of each log, in order, NULL-terminated. */
#define CONNLOG_CONN_NCOLS 23
#define CONNLOG_INT_NCOLS 21
extern const char *const connlog_conn_cols[CONNLOG_CONN_NCOLS + 1];
extern const char *const connlog_int_cols[CONNLOG_INT_NCOLS + 1];

/* A value of a row.  An empty cell (CONNLOG_NONE) is a field of no value:
 * empty in CSV, null in JSON. */
enum connlog_kind {
	CONNLOG_NONE,
	CONNLOG_U64,     /* u */
	CONNLOG_TIME,    /* t: microseconds since the epoch, as seconds */
	CONNLOG_SECONDS, /* t: a duration in microseconds, as whole seconds when it is */
	CONNLOG_STR,     /* s, len bytes */
	CONNLOG_ADDR,    /* addr of family */
	CONNLOG_TEXT,    /* s, len bytes of outside text (a name, a command):
	                  * in CSV a comma, quote, blank or non-ASCII byte is
	                  * written as '_' */
};

/* The optional columns (key `columns`), after the others in the order
 * given: who a connection's ends are, asked of the host (ABI 1.2) as the
 * row is made. */
#define CONNLOG_MAX_EXTRA 8
enum connlog_extra { CONNLOG_X_CLIENT_NAME, CONNLOG_X_SERVER_NAME, CONNLOG_X_PID, CONNLOG_X_PROCESS,
	CONNLOG_X_USER, CONNLOG_X_N };

struct connlog_cell {
	uint8_t kind;
	uint8_t family;
	uint16_t len;
	union {
		uint64_t u;
		int64_t t;
		const char *s;
		const uint8_t *addr;
	} v;
};

/* The cells' text: at most CONNLOG_CELL_MAX bytes for a cell (JSON may
 * escape a string to six bytes a byte: strings longer than 64 are cut). */
#define CONNLOG_CELL_MAX 400
size_t connlog_put_cell(char *p, const struct connlog_cell *c, int json);

/* A row: which log, its cells and their column names. */
struct connlog_row {
	enum connlog_mode mode;
	const struct tt_conn *conn; /* the row's connection; NULL for a rollup */
	const char *const *cols;    /* the name of each cell */
	size_t n;
	struct connlog_cell cell[CONNLOG_CONN_NCOLS + CONNLOG_MAX_EXTRA];
	char text[CONNLOG_MAX_EXTRA][256]; /* the optional columns' text */
};

/* What an output does with a row (during the call the cells' pointers are
 * valid). */
typedef void (*connlog_row_fn)(void *arg, const struct connlog_row *r);

struct connlog {
	const struct tt_host *host;
	struct tt_ctx *ctx;
	enum connlog_mode mode;
	enum connlog_group group;
	int64_t interval_us;
	int interval_given;  /* the interval key was given */
	int64_t flush_us;
	int health;            /* the core measures TCP health (ABI 1.1) */
	connlog_row_fn row;
	void *arg;
	const char *state_names[TT_NSTATES];
	size_t state_len[TT_NSTATES];
	/* intervals */
	struct map bases;      /* id -> base */
	struct map groups;     /* with group_by: key -> sum; unseeded, so that
	                        * an interval's rows come in the same order in
	                        * every run */
	int64_t open_interval; /* start of the interval being filled */
	uint64_t drops_base[2]; /* kernel and interface drops when it began */
	/* the file, for an output that writes one (file not NULL) */
	char *file;
	const char *header;    /* the first line of a new file, or NULL */
	int timed_name;        /* file has strftime patterns */
	int append;            /* keep what an existing file holds */
	int opened_once;       /* later opens (reopen, new names) always append */
	int64_t name_second;   /* capture second the current name was made for */
	int name_tried;        /* name_second holds a second tried (0: none yet) */
	char cur_name[4096];
	char failed_name[4096]; /* the last name that could not be opened (told once) */
	int dirfd;             /* the file's directory, opened before privileges
	                        * are dropped (-1: names from the working one) */
	size_t dir_len;        /* the length of file's directory part, with '/' */
	struct wfile w;
	uint64_t reported_lost;
	int reader_gone;       /* stdout's reader closed it (EPIPE) */
	/* optional columns (enum connlog_extra), and each log's names with them */
	uint8_t extra[CONNLOG_MAX_EXTRA];
	int nextra;
	const char *conn_cols[CONNLOG_CONN_NCOLS + CONNLOG_MAX_EXTRA + 1];
	const char *int_cols[CONNLOG_INT_NCOLS + CONNLOG_MAX_EXTRA + 1];
};

/* Defaults (connections, interval 60s, flush 1s, file "-"); row(arg, r)
 * gets the rows.  0 or -ENOMEM. */
int connlog_init(struct connlog *l, const struct tt_host *host, struct tt_ctx *ctx, connlog_row_fn row,
                 void *arg);
/* The keys of the model and of the file: mode, file, interval, group_by,
 * flush, append, columns.  0, -EINVAL (reason in err), -ENOMEM, or 1 for a key that
 * is not one of them. */
int connlog_configure(struct connlog *l, const char *key, const char *value, char *err, size_t errlen);
/* After the keys: 0 or -EINVAL (reason in err). */
int connlog_check(struct connlog *l, char *err, size_t errlen);
/* The output writes no file (its rows go elsewhere). */
void connlog_no_file(struct connlog *l);
/* Open the file (a time-named one opens at its first row). */
int connlog_open(struct connlog *l, char *err, size_t errlen);
/* Ask the host for the snapshots the mode needs; 0 or -errno. */
int connlog_start(struct connlog *l);
/* A connection left the table: its row (connections) or its last share
 * (intervals). */
void connlog_removed(struct connlog *l, const struct tt_event *ev);
/* A periodic snapshot: an interval ended (intervals); flushes the file. */
void connlog_snapshot(struct connlog *l, const struct tt_snapshot *s);
/* At the end: the groups still summed, and the file written out. */
void connlog_flush(struct connlog *l);
/* SIGHUP: the file written out and reopened by name.  0 or -errno. */
int connlog_reopen(struct connlog *l);
/* The end of the run: the file written out, losses said, closed. */
void connlog_stop(struct connlog *l);
void connlog_free(struct connlog *l);

/* The cells of a connection row of v (reason: how it ended, or
 * TT_RM_NONE for one still open: an empty `end`). */
void connlog_conn_cells(const struct connlog *l, const struct tt_conn *v, uint32_t reason,
                        struct connlog_row *r);
/* A time-named file follows the capture clock: the file of time now_us
 * (before a row the output writes of its own). */
void connlog_follow(struct connlog *l, int64_t now_us);
/* The file's writer, for the output's row function (NULL when the output
 * writes no file).  A row written while the file cannot be opened is
 * counted lost at the next flush. */
struct wfile *connlog_wfile(struct connlog *l);

#endif
