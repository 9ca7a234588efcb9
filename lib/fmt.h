/*
 * fmt: fast number, time and address formatting for the output plugins (a
 * log of a million rows is mostly numbers and addresses).
 */
#ifndef TT_FMT_H
#define TT_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Decimal of v at p (no NUL); returns the length. */
size_t fmt_u64(char *p, uint64_t v);
/* "1700000000.000017": microseconds since the epoch as seconds. */
size_t fmt_time_us(char *p, int64_t us);
/* Canonical text of an address (family 4 or 6), NUL-terminated; returns length. */
size_t fmt_addr(char *p, int family, const uint8_t *addr);
/* Escape a CSV field when needed (quotes, commas); returns length. */
size_t fmt_csv_field(char *p, const char *s);

#endif
