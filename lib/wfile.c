/*
 * wfile: a file written in large blocks that survives a full disk.
 */
#include "wfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int wfile_init(struct wfile *w, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->cap = cap;
	w->buf = malloc(cap);
	return w->buf ? 0 : -ENOMEM;
}

int wfile_open(struct wfile *w, const char *path, int truncate, int *fresh)
{
	int fd;
	if (!strcmp(path, "-")) {
		fd = dup(STDOUT_FILENO);
		*fresh = 1;
	} else {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
		struct stat st;
		*fresh = fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0;
	}
	if (fd < 0)
		return -errno;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	if (w->path != path) {
		free(w->path);
		w->path = strdup(path);
	}
	return 0;
}

void wfile_close(struct wfile *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int wfile_flush(struct wfile *w)
{
	size_t off = 0;
	int r = 0;
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
		/* a cut row would corrupt the file: end it, if the disk lets us */
		if (off > 0 && w->buf[off - 1] != '\n' && w->fd >= 0)
			if (write(w->fd, "\n", 1) < 0) {
				/* nothing more can be done now */
			}
		w->rows_lost += w->rows_buffered;
		w->failing = 1;
		w->err = -r;
	} else {
		w->rows_written += w->rows_buffered;
		w->failing = 0;
	}
	w->len = 0;
	w->rows_buffered = 0;
	return r;
}

char *wfile_reserve(struct wfile *w, size_t n)
{
	if (w->len + n > w->cap) {
		wfile_flush(w);
		if (n > w->cap) {
			char *nb = realloc(w->buf, n);
			if (!nb)
				return NULL;
			w->buf = nb;
			w->cap = n;
		}
	}
	return w->buf + w->len;
}

void wfile_commit(struct wfile *w, size_t n)
{
	w->len += n;
	w->rows_buffered++;
}

void wfile_free(struct wfile *w)
{
	wfile_close(w);
	free(w->buf);
	free(w->path);
	memset(w, 0, sizeof *w);
	w->fd = -1;
}
