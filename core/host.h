/*
 * host: loads output plugins (dlopen), checks their ABI, and drives them:
 * events, periodic snapshots, file descriptors, reopen, flush, stop.  A
 * host runs the outputs of one tracker, which it knows only through the
 * struct host_env it is given.
 */
#ifndef TT_HOST_H
#define TT_HOST_H

#include <poll.h>
#include <stdint.h>

#include "config.h"
#include "conntab.h"
#include "tcptrack/plugin.h"

/* What the host asks of the tracker that runs it; arg is given back to
 * every function. */
struct host_env {
	void *arg;
	/* The settings the outputs read (host->settings), the tracker's. */
	const struct tt_settings *settings;
	/* The capture clock now (0 before it starts). */
	int64_t (*now)(void *arg);
	/* Stop at the next turn of the loop (host->request_quit). */
	void (*quit)(void *arg);
	/* The statistics, brought up to date. */
	const struct tt_stats *(*stats)(void *arg);
	/* The tracker's part of a snapshot: start_us, nconns, half_open, the
	 * two rates, stats, input_pos and input_size. */
	void (*fill_snapshot)(void *arg, struct tt_snapshot *s);
};

struct host;

struct host *host_new(const struct host_env *env);
/* Load, create, configure and check every output of cfg (which must
 * outlive the host).  On failure err holds one line and the return value
 * is an exit status (78). */
int host_load(struct host *h, const struct config *cfg, char *err, size_t errlen);
/* Open files (privileged), then start (after privileges are dropped).
 * Once every output has started, each one's events and capabilities are
 * final. */
int host_open(struct host *h, char *err, size_t errlen); /* 0, or the failed open's return */
void host_start(struct host *h);
/* The union of the TT_EV_* bits the running outputs want. */
uint32_t host_event_mask(const struct host *h);
/* Whether some running output reads the connections' rates (lacks
 * TT_CAP_NO_RATES). */
int host_needs_rates(const struct host *h);
/* Whether a terminal output runs (the file is then replayed paced). */
int host_interactive(const struct host *h);
/* The table whose connections events and snapshots show. */
void host_set_table(struct host *h, const struct conntab *tab);
struct names;
struct procs;
/* Where host->name_of, service_of and process_of look (NULL: none); with
 * names_on_open, a connection's names are asked for when it opens. */
void host_set_sources(struct host *h, struct names *names, int names_on_open, struct procs *procs);
/* The TT_EV_* events the sources need from the table, whatever the outputs
 * want. */
uint32_t host_source_events(const struct host *h);
/* conntab's event callback; arg is the host. */
void host_conn_event(void *arg, uint32_t type, const struct conn *c,
                     uint32_t old_state, uint32_t reason, int64_t now);
/* Earliest periodic snapshot deadline on the capture clock (INT64_MAX if
 * none). */
int64_t host_next_deadline(const struct host *h);
/* Whether an output asked for a snapshot (host->snapshot) not sent yet:
 * it is due at once. */
int host_snapshot_pending(const struct host *h);
/* Send the snapshots due at or before now, and those asked for. */
void host_run_timers(struct host *h, int64_t now);
/* Send a snapshot at now with flags to every output (end of file, final). */
void host_snapshot_all(struct host *h, int64_t now, uint32_t flags);
/* File descriptors to poll: fills up to max, returns how many. */
int host_pollfds(const struct host *h, struct pollfd *fds, int max);
void host_fd_ready(struct host *h, const struct pollfd *fds, int n);
int host_has_fds(const struct host *h);
void host_reopen(struct host *h);
void host_flush(struct host *h);
void host_stop(struct host *h);
/* Errors of the outputs so far: each message an output logged as an
 * error, a start that failed, an output disabled for failing.  A run that
 * had any ends with exit status 74 (what it was to write is incomplete). */
uint64_t host_errors(const struct host *h);
/* Destroy every output and free the host. */
void host_free(struct host *h);
/* Restore what a terminal output changed, on a fatal error. */
void host_emergency_stop(struct host *h);

#endif
