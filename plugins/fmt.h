/*
 * fmt: helpers shared by the output plugins (linked into each, never into
 * the core): fast number, time and address formatting, a buffered file
 * writer that survives a full disk, and a map from connection id to a
 * small record.
 */
#ifndef TT_PLUGIN_FMT_H
#define TT_PLUGIN_FMT_H

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

/* A file written in large blocks.  A failed write (a full disk) loses the
 * buffered rows, counts them, and writing resumes when space returns. */
struct wfile {
	char *path;          /* as given; "-" = stdout */
	int fd;
	char *buf;
	size_t len, cap;
	uint64_t rows_buffered;
	uint64_t rows_lost;
	uint64_t rows_written;
	int failing;         /* the last write failed */
	int err;             /* its errno */
};

int wfile_init(struct wfile *w, size_t cap);
/* Open path, emptied first when truncate is set, else appending; *fresh
 * says whether it is new or empty. */
int wfile_open(struct wfile *w, const char *path, int truncate, int *fresh);
void wfile_close(struct wfile *w);
/* Room for n more bytes (flushes first when needed); returns where to write. */
char *wfile_reserve(struct wfile *w, size_t n);
/* n bytes written at the reserved place make one row. */
void wfile_commit(struct wfile *w, size_t n);
/* Write what is buffered. Returns 0, or -errno (the rows are then lost). */
int wfile_flush(struct wfile *w);
void wfile_free(struct wfile *w);

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
