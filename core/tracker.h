/*
 * tracker: one running tcptrack: its inputs, the connection table, the
 * capture clock and its timers, the statistics, the settings the outputs
 * read, and the plugin host that drives the outputs; and the loops that
 * read the inputs into the table.
 *
 * In order: tracker_new, tracker_load (the outputs are made), then, unless
 * only the configuration is checked, tracker_add_input, tracker_open (the
 * outputs open their files), tracker_start (once privileges are dropped: the
 * outputs start, the table is made), tracker_run, tracker_finish,
 * tracker_free.
 */
#ifndef TT_TRACKER_H
#define TT_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "input.h"
#include "tcptrack/plugin.h"

struct tracker;

/* A tracker for cfg (which must outlive it), reading file ("-": stdin), or
 * capturing live when file is NULL. */
struct tracker *tracker_new(const struct config *cfg, const char *file);
/* Load, create, configure and check every output of the configuration.
 * Returns 0, or an exit status with one line in err. */
int tracker_load(struct tracker *tr, char *err, size_t errlen);
/* Whether a terminal output runs (a file is then replayed paced). */
int tracker_interactive(const struct tracker *tr);
/* Read packets from in too; the tracker closes it.  At most
 * TRACKER_MAX_INPUTS. */
#define TRACKER_MAX_INPUTS 8
void tracker_add_input(struct tracker *tr, struct input *in);
/* The settings are final: the outputs open their files.  Returns 0, or a
 * negative value with one line in err (an output's own error code when it
 * was its open that failed: -EINTR, a signal ended a wait). */
int tracker_open(struct tracker *tr, char *err, size_t errlen);
/* Privileges are dropped: signals are caught, the outputs start, and the
 * table is made as the outputs want it (rates, events). */
void tracker_start(struct tracker *tr);
/* Read the inputs to their end or until asked to stop; a file shown in a
 * terminal view is then kept on screen until the view quits. */
void tracker_run(struct tracker *tr);
/* The end: every connection's last word, the final snapshot, flush and
 * stop the outputs, the summary on stderr.  Returns the exit status. */
int tracker_finish(struct tracker *tr);
void tracker_free(struct tracker *tr);
/* Catch SIGINT, SIGTERM and SIGHUP (flags the loops act on) and ignore
 * SIGPIPE: first thing in main, so that a signal in the first
 * milliseconds does not kill tcptrack; tracker_start does it too. */
void tracker_catch_signals(void);
/* Whether SIGINT or SIGTERM came: a stop asked for (at the start too,
 * while an output waited to open). */
int tracker_stop_asked(void);
/* Restore what a terminal output changed (on a fatal error). */
void tracker_emergency_stop(struct tracker *tr);

/* The statistics now (also between packets). */
const struct tt_stats *tracker_stats(struct tracker *tr);
/* Whether the table samples each connection's rate (0 before start). */
int tracker_samples_rates(const struct tracker *tr);

#endif
