/*
 * wfile: the buffered file writer of the plugins' logs (csv).
 */
#ifndef TT_WFILE_H
#define TT_WFILE_H

#include <stddef.h>
#include <stdint.h>

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

#endif
