/*
 * top_model: the row model of the top view, without ncurses (top_model.c:
 * rows, sort orders, filter, selection; top_format.c: units, layout, lines).
 *
 * A snapshot is copied into compact rows once per refresh; selecting the
 * rows to show filters them, then sorts only the visible window (a
 * quickselect of (key, id) pairs, so 100,000 connections cost one linear
 * pass); formatting turns the visible rows into fixed-width text lines that
 * never exceed the terminal's width.  Everything here is unit-tested.
 */
#ifndef TT_TOP_MODEL_H
#define TT_TOP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "tcptrack/plugin.h"

/* The host's names and processes, asked when a row is copied (the view's
 * owner sets them; NULL functions: none). */
struct top_lookup {
	void *arg;
	size_t (*name_of)(void *arg, int family, const uint8_t *addr, char *buf, size_t len);
	const char *(*service_of)(void *arg, uint16_t port);
	/* the owner's command name into comm, its pid; 0 when none */
	int (*process_of)(void *arg, const struct tt_conn *c, int32_t *pid, char *comm, size_t len);
	int names;             /* ask for names (the view shows them or filters) */
	int procs;             /* ask for processes */
};

/* One connection as the view keeps it between snapshots. */
struct top_row {
	uint64_t id;
	int64_t first_us, last_us;
	uint64_t c2s_payload, s2c_payload;
	uint64_t packets;      /* both directions */
	uint64_t retrans;      /* of them, retransmitted (tt_conn health) */
	int64_t rtt_us;        /* end-to-end round trip, -1: none (or not measured) */
	double c2s_rate, s2c_rate; /* payload bytes/s */
	uint16_t cport, sport;
	uint8_t family, state;
	uint8_t flags;
	uint8_t client[16], server[16];
	const char *state_text; /* as the host names it */
	/* names and the process: offsets into *pool (0: none) */
	const char *const *pool;
	uint32_t cname, sname, csvc, ssvc, proc;
	int32_t pid;
};

/* A text of a row (cname, sname, csvc, ssvc, proc), or NULL. */
static inline const char *top_row_text(const struct top_row *r, uint32_t off)
{
	return off ? *r->pool + off : NULL;
}

/* The rows of one snapshot. */
struct top_rows {
	struct top_row *v;
	size_t n, cap;
	int64_t time_us;       /* the snapshot's capture clock */
	int valid;             /* filled by at least one snapshot */
	/* the names of the states (tt_host.state_name), set by the owner;
	 * NULL: "?" for all */
	const char *(*state_name)(unsigned state);
	const struct top_lookup *lk; /* NULL: no names, no processes */
	char *pool;            /* the rows' texts, NUL-separated */
	size_t pool_len, pool_cap;
};

void top_rows_clear(struct top_rows *r, int64_t time_us);
/* Copy a connection; -ENOMEM when the array cannot grow. */
int top_rows_add(struct top_rows *r, const struct tt_conn *c);
void top_rows_free(struct top_rows *r);

/* Sort orders; the columns of the same name sort by them. */
enum top_sort {
	TOP_SORT_NONE = 0,     /* order of arrival (connection id) */
	TOP_SORT_CLIENT,
	TOP_SORT_SERVER,
	TOP_SORT_STATE,
	TOP_SORT_IDLE,         /* least idle first */
	TOP_SORT_RATE,         /* fastest first */
	TOP_SORT_C2S,
	TOP_SORT_S2C,
	TOP_SORT_BYTES,        /* most payload first */
	TOP_SORT_PACKETS,
	TOP_SORT_RTT,          /* slowest first; rows without a round trip last,
	                        * reversed or not */
	TOP_SORT_RETRANS,      /* the largest share of retransmissions first */
	TOP_SORT_PROCESS,      /* by command name; rows without a process last */
	TOP_NSORTS
};

/* "rate", "bytes"... as the config key `sort` takes them. */
const char *top_sort_key(enum top_sort s);
/* "Unsorted", "Sorted by rate"... as the footer says it. */
const char *top_sort_label(enum top_sort s);
/* Parse a config value (also "none", "unsorted"); -1 when unknown. */
int top_sort_parse(const char *s);
/* `s` key: unsorted, rate, bytes, idle, (with health: rtt, retrans,)
 * unsorted...: RTT and Retr only when their columns are on the screen.
 * `shown` has bit 1 << TOP_COL_* set for each column on it
 * (top_layout_cols); 0 when no screen was laid out yet, then `health`
 * (TOP_SHOW_*) says which. */
enum top_sort top_sort_cycle(enum top_sort s, int health, unsigned shown);
/* `<` and `>`: the order of the column to the left (dir -1) or to the
 * right (+1) of those on the screen, wrapping through unsorted. */
enum top_sort top_sort_step(enum top_sort s, int dir, int health, unsigned shown);
/* Whether an order is one of the health columns'. */
int top_sort_is_health(enum top_sort s);

/* The display filter: space-separated terms, all of which must match. */
#define TOP_FILTER_MAX 128
#define TOP_FILTER_TERMS 8
struct top_term {
	int kind;              /* TOP_TERM_* */
	uint16_t port;
	struct filter_prefix prefix;
	char text[TOP_FILTER_MAX]; /* lower case, for substrings */
};
struct top_filter {
	char text[TOP_FILTER_MAX]; /* as typed */
	int nterms;
	int dropped;           /* the text has more terms than are kept */
	struct top_term terms[TOP_FILTER_TERMS];
};

/* Parse text into f (an empty text matches everything). */
void top_filter_set(struct top_filter *f, const char *text);
/* Whether a row matches: a number is a port (":443" too), an address or
 * prefix (10.0.0.0/8, 2001:db8::/32) matches either endpoint, other text is
 * a case-insensitive substring of an endpoint ("10.77.", "db8") or a state
 * name ("estab", "reset"). */
int top_filter_match(const struct top_filter *f, const struct top_row *r);

/* What to select and how. */
struct top_view_opts {
	enum top_sort sort;
	int reverse;
	int hide_closed;       /* hide CLOSED and RESET */
	const struct top_filter *filter;
	int64_t now_us;        /* for idle times */
};

/* A (key, id) pair: only these are sorted. */
struct top_sel {
	uint64_t key;
	uint64_t id;
	const struct top_row *row;
};

struct top_select {
	struct top_sel *v;
	size_t cap;
	size_t matched;        /* rows that pass the filter */
	size_t offset;         /* first shown, clamped */
	size_t shown;          /* rows in out[] */
	/* sums over the matched rows */
	double c2s_rate, s2c_rate;
	uint64_t payload, packets, retrans;
};

/*
 * Select the rows at positions [*offset, *offset + count) of the sorted,
 * filtered list into out[] (count entries at most).  *offset is clamped so
 * that the last page is full.  Returns 0 or -ENOMEM.
 */
int top_select(struct top_select *s, const struct top_rows *rows, const struct top_view_opts *o,
               size_t *offset, size_t count, const struct top_row **out);
void top_select_free(struct top_select *s);

/* ---- formatting ---- */

/* Units of rates: bytes (B/s, KB/s... powers of 1024, as tcptrack 1.x) or
 * bits (b/s, kb/s, Mb/s... powers of 1000, as network links are sold). */
#define TOP_RATE_W 9   /* "999 kB/s", then "1.00 MB/s"; "9.99 Mb/s" */
#define TOP_SIZE_W 7   /* "9.99 GB", powers of 1000 */
#define TOP_COUNT_W 7
#define TOP_IDLE_W 4
#define TOP_STATE_W 11 /* "SYN|ACK-ACK", "ESTABLISHED" */
#define TOP_RTT_W 5    /* "812us", "1.2ms", "40ms", "1.20s" */
#define TOP_RETR_W 4   /* "0.4%", "12%", "100%" */
#define TOP_PROC_W 23  /* "4194304 " and a command name of 15 */

/* The `health` argument of the layout and the sort steps is these flags
 * (1, the health columns, as before) */
#define TOP_SHOW_HEALTH 1
#define TOP_SHOW_PROCS 2
#define TOP_ADDR_MAX 48      /* in numbers: "[" 39 "]:" 5 digits, and a NUL */
#define TOP_ENDPOINT_MAX 272 /* with names: a host name of up to 253, ":", a
                              * service of up to 15, and a NUL */

size_t top_fmt_rate(char *buf, size_t len, double bytes_per_s, int bits);
size_t top_fmt_size(char *buf, size_t len, uint64_t bytes);
size_t top_fmt_count(char *buf, size_t len, uint64_t n);
size_t top_fmt_idle(char *buf, size_t len, int64_t us);
/* A round trip in at most TOP_RTT_W characters, 2 or 3 significant digits:
 * "812us", "1.2ms", "40ms", "812ms", "1.20s", "12.3s"; "-" when us < 0. */
size_t top_fmt_rtt(char *buf, size_t len, int64_t us);
/* retrans of packets as a percentage in at most TOP_RETR_W characters:
 * "0%", "<.1%", "0.4%", "12%", "100%"; "" when packets is 0. */
size_t top_fmt_retrans(char *buf, size_t len, uint64_t retrans, uint64_t packets);
/* "10.0.0.1:80", "[2001:db8::1]:443" (compressed, RFC 5952). */
size_t top_fmt_endpoint(char *buf, int family, const uint8_t *addr, uint16_t port);
/* A row's client (server 0) or server endpoint; with names, as
 * "name:service" where they are known, the name whole (a column too narrow
 * for it shortens it in its middle: top_shorten). */
size_t top_fmt_row_endpoint(char *buf, const struct top_row *r, int server, int names);
/* Copy src into dst in at most width columns; when it is longer, the middle
 * of the address gives way to a '~' and the port stays whole.  Returns the
 * length written (NUL-terminated). */
size_t top_shorten(char *dst, const char *src, size_t width);

/* Columns, in the order they appear. */
enum top_col {
	TOP_COL_CLIENT, TOP_COL_SERVER, TOP_COL_STATE, TOP_COL_IDLE, TOP_COL_ACT,
	TOP_COL_RATE, TOP_COL_C2S, TOP_COL_S2C, TOP_COL_BYTES, TOP_COL_PACKETS,
	TOP_COL_RTT, TOP_COL_RETR, /* TCP health: only when the core measures it */
	TOP_COL_PROC,  /* the owning process: only when the core finds them */
	TOP_NCOLS
};

/* Which columns fit a width, where, and how wide. */
struct top_layout {
	int width;             /* of the terminal */
	int ncols;
	struct { enum top_col id; int x, w; } cols[TOP_NCOLS];
	int shortened;         /* addresses narrower than they need */
};

/* Lay out the columns for a terminal `width` wide, given the widths the
 * visible client and server endpoints need; the health columns (RTT,
 * Retr) only when `health`.  Columns are dropped by priority (Retr, RTT,
 * packets, bytes, the two directions, idle) before addresses are
 * shortened; a line never exceeds width. */
void top_layout_make(struct top_layout *l, int width, int need_client, int need_server, int health);
/* Whether the layout shows column c. */
int top_layout_has(const struct top_layout *l, enum top_col c);
/* The columns it shows, as bits 1 << TOP_COL_*. */
unsigned top_layout_cols(const struct top_layout *l);

/* Lines of exactly l->width characters plus a NUL (buf holds width + 1). */
void top_format_header(const struct top_layout *l, char *buf);
struct top_fmt_opts {
	int bits;
	int names;             /* endpoints as names where known */
	int64_t now_us;
	int64_t active_us;     /* a packet this recent shows the activity mark */
};
void top_format_row(const struct top_layout *l, const struct top_row *r,
                    const struct top_fmt_opts *o, char *buf);
/* " TOTAL", the sums in their columns, and a note (the input's progress)
 * where the addresses are: the first of notes[] (NULL-terminated, longest
 * first) that fits. */
void top_format_total(const struct top_layout *l, const struct top_select *s,
                      const struct top_fmt_opts *o, const char *const *notes, char *buf);

/* What the status line says. */
struct top_status {
	size_t offset, shown, matched, in_table;
	int paused;
	enum top_sort sort;
	int reverse;
	const char *filter;    /* NULL or "" for none */
	int hide_closed;
	uint64_t drops;        /* capture drops */
	uint64_t evicted;      /* connections the full table evicted */
	const char *hint;      /* why the last key did nothing, or NULL */
};
/* " Connections X-Y of N  Unpaused  Sorted by rate  ..." in width columns:
 * what does not fit is left out, least important first. */
void top_format_status(const struct top_status *st, int width, char *buf);

#endif
