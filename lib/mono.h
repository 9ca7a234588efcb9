/*
 * mono: the monotonic clock, for what must not follow the wall clock's
 * steps (retry delays, the view's refresh).  The capture clock is the
 * host's (tt_host.now).
 */
#ifndef TT_MONO_H
#define TT_MONO_H

#include <stdint.h>

/* Microseconds of CLOCK_MONOTONIC. */
int64_t mono_now_us(void);

#endif
