/*
 * prometheus: the parts of the exporter.
 *
 *   acct.c    the figures: counters kept from events, the table's open
 *             connections added at each collection (pure; unit-tested)
 *   expo.c    the figures as the Prometheus text exposition format (pure)
 *   http.c    the HTTP server (libmicrohttpd, its own thread), TLS, basic
 *             authentication, and the hand-over of figures between the
 *             event loop and that thread
 *   prometheus.c  the plugin: keys, lifecycle, events, snapshots
 */
#ifndef TT_PROM_H
#define TT_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "map.h"
#include "strbuf.h"
#include "tcptrack/plugin.h"

#define PM_NREASONS 8  /* enum tt_reason: TT_RM_NONE .. TT_RM_EXIT */
#define PM_NSTATES (TT_NSTATES + 1) /* the last: a state this build does not know */
#define PM_NBUCKETS 16 /* histogram bounds, +Inf apart */

/* the bounds of both round-trip histograms, in microseconds */
extern const int64_t pm_bounds_us[PM_NBUCKETS];

/* One direction's traffic (c2s or s2c). */
struct pm_dir {
	uint64_t packets, bytes, payload, retrans, retrans_bytes;
};

struct pm_traffic {
	struct pm_dir d[2]; /* c2s, s2c */
};

struct pm_hist {
	uint64_t n[PM_NBUCKETS + 1]; /* per bucket, not cumulative; the last: +Inf */
	uint64_t count;
	int64_t sum_us;
};

struct pm_server_key {
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t addr[16];
};

/* One server's series: a selected server, or the overflow series. */
struct pm_server {
	struct pm_server_key key;
	uint64_t opened;          /* connections opened to it */
	uint64_t open;            /* in the table now (at the collection) */
	struct pm_traffic gone;   /* of its connections that left the table */
	struct pm_traffic traffic;/* gone + those in the table: what is shown */
};

/* Everything a scrape shows, as one collection left it. */
struct pm_figs {
	uint64_t seq;              /* collections made: 0 = none yet */
	int final;                 /* tcptrack has stopped: these stay */
	struct tt_stats stats;
	uint64_t states[PM_NSTATES];
	uint64_t closed[PM_NREASONS];
	struct pm_traffic traffic; /* every connection, gone and open */
	struct pm_hist handshake, rtt;
	uint64_t overflow_conns;   /* connections summed into the overflow series
	                            * because max_servers was reached */
	int64_t collect_us, collect_max_us; /* the loop's time for a collection */
	int selected;              /* servers are selected: the server series are
	                            * shown (with max_servers = 0, the overflow
	                            * series alone) */
	size_t nservers;           /* of servers[] in use, the overflow apart */
	size_t cap;                /* of servers[] */
	struct pm_server *servers; /* cap entries */
	struct pm_server overflow;
};

/* The accounting, on the event loop's thread. */
struct pm_acct {
	const struct filter *sel;  /* which servers get series (NULL: none) */
	size_t max_servers;
	struct map slots;          /* pm_server_key -> uint32_t index in figs.servers */
	struct pm_traffic gone;    /* connections that left the table */
	uint64_t closed[PM_NREASONS];
	struct pm_hist handshake, rtt;
	uint64_t overflow_conns;
	struct pm_figs figs;       /* the one being made; servers[] holds the
	                            * gone sums between collections */
};

int pm_figs_alloc(struct pm_figs *f, size_t cap);
void pm_figs_free(struct pm_figs *f);
/* dst = src (dst's servers[] must be as large: same cap) */
void pm_figs_copy(struct pm_figs *dst, const struct pm_figs *src);

int pm_acct_init(struct pm_acct *a, const struct filter *sel, size_t max_servers);
void pm_acct_free(struct pm_acct *a);
/* TT_EV_OPENED, TT_EV_STATE, TT_EV_REMOVED */
void pm_acct_event(struct pm_acct *a, const struct tt_event *ev);
/* A collection: begin, every connection of the table, end. */
void pm_acct_begin(struct pm_acct *a);
void pm_acct_conn(struct pm_acct *a, const struct tt_conn *c);
void pm_acct_end(struct pm_acct *a, const struct tt_stats *st);

void pm_hist_add(struct pm_hist *h, int64_t us);

/* The exposition text of f into b; state and reason names from the host's
 * (state_name(i), reason_name(i)). */
struct pm_names {
	const char *state[TT_NSTATES];
	const char *reason[PM_NREASONS];
};
void pm_expo(struct strbuf *b, const struct pm_figs *f, const struct pm_names *n);
/* An upper bound of the text's length for f */
size_t pm_expo_size(const struct pm_figs *f);

/* ---- the HTTP side (http.c) ---- */
struct pm_http;
struct pm_http_conf {
	uint8_t family;            /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	const char *tls_cert, *tls_key; /* files, or NULL */
	const char *users;         /* user:crypt-hash lines file, or NULL */
	int64_t wait_us;           /* how long a scrape waits for the loop */
	size_t cap;                /* max_servers, for the figures' copies */
	struct pm_names names;
};
/* Read and check the files as pm_http_open will (no socket, no thread).
 * 0, or a negative errno with the reason, starting with the key, in err. */
int pm_http_check(const struct pm_http_conf *c, char *err, size_t errlen);
/* Bind the socket, read the files (as root, before privileges drop).
 * 0, or a negative errno with the reason in err. */
int pm_http_open(struct pm_http **hp, const struct pm_http_conf *c, char *err, size_t errlen);
/* The server's thread; and the fd the loop watches for a scrape's request */
int pm_http_start(struct pm_http *h, char *err, size_t errlen);
int pm_http_fd(const struct pm_http *h);
/* The port the socket is bound to (the kernel's choice for port 0) */
int pm_http_port(const struct pm_http *h);
/* The fd was readable: 1 when a scrape waits for fresh figures. */
int pm_http_asked(struct pm_http *h);
/* Hand fresh figures to the server (copied). */
void pm_http_publish(struct pm_http *h, const struct pm_figs *f);
/* Up to linger_us, until a scrape has fetched the final figures. */
void pm_http_linger(struct pm_http *h, int64_t linger_us);
void pm_http_close(struct pm_http *h);

#endif
