/*
 * The file writer on a pipe that takes only part of a write: rows reach the
 * reader whole (the rest of a cut row goes first once the pipe has room),
 * the rows that reached it count as written, the others as lost; a header
 * that could not be written waits; an empty flush changes nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "wfile.h"

#define ROW 100

static void put_row(struct wfile *w, int i)
{
	char *p = wfile_reserve(w, ROW);
	int n = snprintf(p, ROW, "row %04d,", i);
	memset(p + n, 'x', (size_t)(ROW - 1 - n));
	p[ROW - 1] = '\n';
	wfile_commit(w, ROW);
}

/* Read what the pipe holds into buf (at most cap); its length. */
static size_t drain(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k <= 0)
			return n;
		n += (size_t)k;
	}
}

/* Every line whole, numbered from first on; how many. */
static int whole_rows(const char *buf, size_t len, int first)
{
	int k = 0;
	for (size_t off = 0; off + ROW <= len; off += ROW, k++) {
		char want[16];
		snprintf(want, sizeof want, "row %04d,", first + k);
		if (strncmp(buf + off, want, strlen(want)) || buf[off + ROW - 1] != '\n')
			return -1;
	}
	return len % ROW ? -1 : k;
}

static void test_pipe(void)
{
	int p[2];
	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe");
	int cap = fcntl(p[1], F_SETPIPE_SZ, 4096);
	CHECK(cap == 4096, "pipe of 4096 bytes: %d", cap);
	struct wfile w;
	CHECK(wfile_init(&w, 64 * 1024) == 0, "wfile_init");
	w.fd = p[1];
	for (int i = 0; i < 100; i++)
		put_row(&w, i);
	/* 4096 bytes go: 40 rows and 96 bytes of the 41st */
	int r = wfile_flush(&w);
	CHECK(r == -EAGAIN && w.failing, "a full pipe fails the flush: %d", r);
	CHECK(w.rows_written == 40 && w.rows_lost == 59 && w.rows_buffered == 1,
	      "40 written, 59 lost, 1 cut and kept: %llu %llu %llu", (unsigned long long)w.rows_written,
	      (unsigned long long)w.rows_lost, (unsigned long long)w.rows_buffered);
	CHECK(w.carry == 4 && w.len == 4, "the cut row's last 4 bytes wait: carry %zu len %zu", w.carry, w.len);
	CHECK(wfile_flush(&w) == -EAGAIN && w.rows_written == 40, "still full");
	static char buf[64 * 1024];
	size_t n = drain(p[0], buf, sizeof buf);
	CHECK(n == 4096, "the reader got %zu bytes", n);
	/* room again: the rest of the row first, then new rows */
	put_row(&w, 41);
	r = wfile_flush(&w);
	CHECK(r == 0 && !w.failing, "writing again: %d", r);
	CHECK(w.rows_written == 42 && w.rows_lost == 59, "42 written, 59 lost: %llu %llu",
	      (unsigned long long)w.rows_written, (unsigned long long)w.rows_lost);
	n += drain(p[0], buf + n, sizeof buf - n);
	int k = whole_rows(buf, 41 * ROW, 0);
	CHECK(n == 42 * ROW && k == 41 && whole_rows(buf + 41 * ROW, ROW, 41) == 1,
	      "the reader has 42 whole rows, 0 to 40 and 41: %zu bytes, %d", n, k);
	close(p[0]);
	wfile_free(&w);
	close(p[1]);
}

static void test_header(void)
{
	struct wfile w;
	int fresh;
	CHECK(wfile_init(&w, 4096) == 0, "wfile_init");
	CHECK(wfile_open(&w, "/dev/full", 0, &fresh) == 0, "open /dev/full");
	char *p = wfile_reserve(&w, 7);
	memcpy(p, "a,b,c\n", 6);
	wfile_commit_header(&w, 6);
	put_row(&w, 0);
	CHECK(wfile_flush(&w) < 0 && w.rows_lost == 1, "the row is lost");
	CHECK(w.len == 6 && w.hdr == 6 && !memcmp(w.buf, "a,b,c\n", 6), "the header waits: %zu", w.len);
	w.failing = 1;
	CHECK(wfile_flush(&w) < 0 && w.failing, "still failing");
	wfile_close(&w);
	CHECK(w.len == 0 && w.rows_lost == 1, "closing drops the header, no row: %llu",
	      (unsigned long long)w.rows_lost);
	/* nothing to write: the failing state stays */
	w.failing = 1;
	CHECK(wfile_flush(&w) == 0 && w.failing, "an empty flush says nothing of the disk");
	wfile_free(&w);
}

int main(void)
{
	test_pipe();
	test_header();
	DONE();
}
