/*
 * fmt: fast number, time and address formatting for the output plugins (a
 * log of a million rows is mostly numbers and addresses), and a map from
 * connection id to a small record.
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

/* id -> record of rec_size bytes; open addressing. */
struct idmap {
	uint64_t *keys;      /* 0 = empty */
	unsigned char *recs;
	size_t rec_size;
	size_t mask;
	size_t count;
};

int idmap_init(struct idmap *m, size_t rec_size);
/* The record of id, or NULL. */
void *idmap_get(const struct idmap *m, uint64_t id);
/* The record of id, created zeroed when absent; NULL when out of memory. */
void *idmap_put(struct idmap *m, uint64_t id);
void idmap_del(struct idmap *m, uint64_t id);
void idmap_free(struct idmap *m);

#endif
