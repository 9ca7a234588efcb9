/*
 * wfile: a file written in large blocks of whole rows that survives a full
 * disk.
 */
#include "wfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t wfile_dir(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) + 1 : 0;
	snprintf(dir, size, "%.*s", n > 1 ? (int)n - 1 : 1, n ? path : ".");
	return n;
}

int wfile_init(struct wfile *w, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->cap = cap;
	w->buf = malloc(cap);
	return w->buf ? 0 : -ENOMEM;
}

/* Rows left in the buffer belong to the file they were meant for: lost. */
static void drop_pending(struct wfile *w)
{
	w->rows_lost += w->rows_buffered;
	w->rows_buffered = 0;
	w->len = w->hdr = w->carry = 0;
}

int wfile_open(struct wfile *w, const char *path, int how, int *fresh)
{
	return wfile_openat(w, AT_FDCWD, path, how, fresh);
}

/* path opened for appending (emptied first with WFILE_TRUNC); *fresh: new
 * or empty.  A FIFO that no one reads yet is waited for with WFILE_WAIT
 * (a signal ends the wait: EINTR), else EAGAIN.  The descriptor, or -1 with
 * errno. */
static int open_append(int dirfd, const char *path, int how, int *fresh)
{
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (how & WFILE_TRUNC ? O_TRUNC : 0);
	struct stat st;
	int fifo = fstatat(dirfd, path, &st, 0) == 0 && S_ISFIFO(st.st_mode);
	int fd = openat(dirfd, path, flags | (fifo && !(how & WFILE_WAIT) ? O_NONBLOCK : 0), 0644);
	if (fd < 0 && fifo && errno == ENXIO)
		errno = EAGAIN; /* (a socket's ENXIO stays) */
	if (fd >= 0 && fifo && !(how & WFILE_WAIT))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); /* the rows wait for their reader */
	*fresh = fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0;
	return fd;
}

int wfile_openat(struct wfile *w, int dirfd, const char *path, int how, int *fresh)
{
	int fd;
	if (!strcmp(path, "-")) {
		fd = dup(STDOUT_FILENO);
		*fresh = 1;
	} else {
		fd = open_append(dirfd, path, how, fresh);
	}
	if (fd < 0)
		return -errno;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	drop_pending(w);
	if (w->path != path) {
		free(w->path);
		w->path = strdup(path);
	}
	return 0;
}

int wfile_removed(const struct wfile *w)
{
	struct stat st;
	return w->fd >= 0 && fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0;
}

int wfile_reopen(struct wfile *w, int dirfd, const char *path, const char *header)
{
	int fresh;
	int fd = open_append(dirfd, path, 0, &fresh);
	if (fd < 0)
		return -errno;
	/* what the old file was still to get first (a row's rest, or its
	 * own header) is not the new one's */
	size_t skip = w->carry > w->hdr ? w->carry : w->hdr;
	size_t hl = fresh && header ? strlen(header) : 0, rows = w->len - skip;
	if (hl + rows > w->cap) {
		char *nb = realloc(w->buf, hl + rows);
		if (!nb) {
			close(fd);
			return -ENOMEM;
		}
		w->buf = nb;
		w->cap = hl + rows;
	}
	memmove(w->buf + hl, w->buf + skip, rows);
	memcpy(w->buf, header, hl);
	w->len = hl + rows;
	w->hdr = hl;
	w->carry = 0;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	return fresh;
}

void wfile_close(struct wfile *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	drop_pending(w);
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t k = 0;
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		k++;
	return k;
}

/* The end of the line that holds buf[at] (len when it has none). */
static size_t line_end(const struct wfile *w, size_t at)
{
	const char *nl = memchr(w->buf + at, '\n', w->len - at);
	return nl ? (size_t)(nl - w->buf) + 1 : w->len;
}

/* A write failed after off bytes of buf reached the file: count what was
 * written, cut a line the file holds in part off again (or keep its rest
 * to go first), keep a header not yet written, lose the other rows. */
static void after_failure(struct wfile *w, size_t off)
{
	size_t cut = off; /* the end of the last whole line written */
	while (cut > 0 && w->buf[cut - 1] != '\n')
		cut--;
	uint64_t done = cut > w->hdr ? count_lines(w->buf + w->hdr, cut - w->hdr) : 0;
	w->rows_written += done;
	w->rows_buffered -= done;
	size_t from = off;         /* where the unwritten part begins */
	int partial = off > cut || w->carry > off;
	if (off > cut && (cut > 0 || !w->carry)) {
		/* the line began in this write: take its head back off */
		struct stat st;
		if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    ftruncate(w->fd, st.st_size - (off_t)(off - cut)) == 0) {
			from = cut;
			partial = 0;
		}
	}
	size_t keep = from;
	if (partial)
		keep = line_end(w, off);
	if (keep < w->hdr)
		keep = w->hdr;
	uint64_t kept = keep > w->hdr && keep > from ? count_lines(w->buf + (from > w->hdr ? from : w->hdr),
	                                                           keep - (from > w->hdr ? from : w->hdr)) : 0;
	w->rows_lost += w->rows_buffered - kept;
	w->rows_buffered = kept;
	w->carry = partial ? line_end(w, off) - off : 0;
	w->hdr = w->hdr > from ? w->hdr - from : 0;
	memmove(w->buf, w->buf + from, keep - from);
	w->len = keep - from;
}

int wfile_flush(struct wfile *w)
{
	size_t off = 0;
	int r = 0;
	if (!w->len)
		return 0;
	while (off < w->len) {
		if (w->fd < 0) {
			r = -EBADF;
			break;
		}
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (r < 0) {
		if (w->fd >= 0)
			after_failure(w, off);
		else
			drop_pending(w);
		w->failing = 1;
		w->err = -r;
		return r;
	}
	w->rows_written += w->rows_buffered;
	w->failing = 0;
	w->len = w->hdr = w->carry = 0;
	w->rows_buffered = 0;
	return 0;
}

char *wfile_reserve(struct wfile *w, size_t n)
{
	if (w->len + n > w->cap) {
		wfile_flush(w);
		/* what a failed write kept (a header, a row's rest) stays first */
		if (w->len + n > w->cap) {
			char *nb = realloc(w->buf, w->len + n);
			if (!nb)
				return NULL;
			w->buf = nb;
			w->cap = w->len + n;
		}
	}
	return w->buf + w->len;
}

void wfile_commit(struct wfile *w, size_t n)
{
	w->len += n;
	w->rows_buffered++;
}

void wfile_commit_header(struct wfile *w, size_t n)
{
	w->len += n;
	w->hdr = w->len;
}

void wfile_free(struct wfile *w)
{
	wfile_close(w);
	free(w->buf);
	free(w->path);
	memset(w, 0, sizeof *w);
	w->fd = -1;
}
