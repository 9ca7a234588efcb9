/*
 * wfile: the buffered file writer of the plugins' logs (csv).
 */
#ifndef TT_WFILE_H
#define TT_WFILE_H

#include <stddef.h>
#include <stdint.h>

/* A file written in large blocks of whole rows (lines).  A failed write (a
 * full disk) loses the rows that did not reach the file, counts them
 * exactly, and writing resumes when space returns.  The file never holds a
 * cut row: a row the disk took only in part is cut off again (ftruncate),
 * or, where the file cannot be truncated (a pipe), its rest is kept and
 * written first when writing resumes.  A header (wfile_commit_header) is
 * not a row: it is kept until written. */
struct wfile {
	char *path;          /* as given; "-" = stdout */
	int fd;
	char *buf;
	size_t len, cap;
	size_t hdr;          /* bytes at the start of buf that are not rows */
	size_t carry;        /* bytes at the start of buf that end a line the
	                      * file holds the head of: they go first */
	uint64_t rows_buffered;
	uint64_t rows_lost;
	uint64_t rows_written;
	int failing;         /* the last write failed */
	int err;             /* its errno */
};

int wfile_init(struct wfile *w, size_t cap);
/* The directory of path into dir ("." when path names none); returns the
 * length of path's part up to and with its last slash (0: none). */
size_t wfile_dir(const char *path, char *dir, size_t size);
/* wfile_open's how */
#define WFILE_TRUNC 1 /* emptied first, else appended to */
#define WFILE_WAIT  2 /* a FIFO no one reads yet is waited for (a signal
                       * ends the wait: -EINTR), else -EAGAIN */
/* Open path as how says (WFILE_*); *fresh says whether it is new or
 * empty. */
int wfile_open(struct wfile *w, const char *path, int how, int *fresh);
/* The same, path relative to the directory dirfd (AT_FDCWD: the working
 * one), which may be outside the root or no longer reachable by name. */
int wfile_openat(struct wfile *w, int dirfd, const char *path, int how, int *fresh);
/* Whether the open file was removed (no name leads to it any more). */
int wfile_removed(const struct wfile *w);
/* Open path (relative to dirfd) in place of the file, keeping the rows not
 * written yet for it, after header (when not NULL) if it is new or empty.
 * Returns 1 when it was, 0 when not, or -errno (nothing changed). */
int wfile_reopen(struct wfile *w, int dirfd, const char *path, const char *header);
void wfile_close(struct wfile *w);
/* Room for n more bytes (flushes first when needed); returns where to write. */
char *wfile_reserve(struct wfile *w, size_t n);
/* n bytes written at the reserved place make one row. */
void wfile_commit(struct wfile *w, size_t n);
/* n bytes written at the reserved place, just after wfile_open, are the
 * file's header: whole lines, not counted as rows. */
void wfile_commit_header(struct wfile *w, size_t n);
/* Write what is buffered. Returns 0, or -errno: the rows that did not reach
 * the file are then lost (counted in rows_lost), but for the rest of a row
 * the file holds the head of.  failing is set by a failed write and cleared
 * by one that succeeds; a flush with nothing to write changes nothing. */
int wfile_flush(struct wfile *w);
void wfile_free(struct wfile *w);

#endif
