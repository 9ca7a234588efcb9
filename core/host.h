/*
 * host: loads output plugins (dlopen), checks their ABI, and drives them:
 * events, periodic snapshots, file descriptors, reopen, flush, stop.
 */
#ifndef TT_HOST_H
#define TT_HOST_H

#include <poll.h>
#include <stdint.h>

#include "conntab.h"
#include "config.h"

/* Load and configure every output of cfg. On failure err holds one line and
 * the return value is an exit status (78). */
int host_load(const struct config *cfg, char *err, size_t errlen);
/* Open files (privileged), then start (after privileges are dropped). */
int host_open(char *err, size_t errlen);
void host_start(void);
/* The union of the TT_EV_* bits the outputs want. */
uint32_t host_event_mask(void);
/* conntab's event callback. */
void host_conn_event(void *arg, uint32_t type, const struct conn *c,
                     uint32_t old_state, uint32_t reason, int64_t now);
/* Earliest snapshot deadline on the capture clock (INT64_MAX if none). */
int64_t host_next_deadline(void);
/* Send the snapshots due at or before now. */
void host_run_timers(int64_t now);
/* Send a snapshot with extra flags to every output (end of file, final). */
void host_snapshot_all(uint32_t flags);
/* File descriptors to poll: fills up to max, returns how many. */
int host_pollfds(struct pollfd *fds, int max);
void host_fd_ready(const struct pollfd *fds, int n);
int host_has_fds(void);
/* Whether a terminal output runs (the file is then replayed paced). */
int host_interactive(void);
/* Whether some output reads the connections' rates (no TT_CAP_NO_RATES). */
int host_needs_rates(void);
void host_reopen(void);
void host_flush(void);
void host_stop(void);
void host_destroy(void);
/* Restore what a terminal output changed, on a fatal error. */
void host_emergency_stop(void);

#endif
