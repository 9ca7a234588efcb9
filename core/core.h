/*
 * core: the state of the one running tracker, shared by main.c (capture and
 * the event loop) and host.c (the plugins).
 */
#ifndef TT_CORE_H
#define TT_CORE_H

#include <stdint.h>

#include "config.h"
#include "conntab.h"
#include "tcptrack/plugin.h"

struct core {
	struct config cfg;
	struct conntab *tab;
	struct tt_stats stats;       /* refreshed by core_sync_stats() */
	struct tt_settings settings;
	int64_t now_us;              /* capture clock */
	int64_t start_us;            /* capture clock at the first packet, 0 before */
	int live;
	int eof;
	volatile int quit;
	int64_t input_pos, input_size;
	uint64_t decode_counts[8];   /* by enum decode_result */
	uint64_t kernel_drops, if_drops;
};

extern struct core core;

/* Copy the table's and the decoder's counters into core.stats. */
void core_sync_stats(void);

#endif
