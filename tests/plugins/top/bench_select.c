/*
 * bench_select: what one refresh of the top view costs with N connections
 * (default 100,000): copying the snapshot into rows, selecting and sorting
 * the visible window, formatting it.  A benchmark, not a test: it prints
 * figures.  Build and run: make tests/plugins/top/bench_select && tests/plugins/top/bench_select [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "top_model.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	const size_t lines = 37; /* a 40-line terminal */
	struct tt_conn *conns = calloc(n, sizeof *conns);
	srand(1);
	for (size_t i = 0; i < n; i++) {
		struct tt_conn *c = &conns[i];
		c->size = sizeof *c;
		c->id = i + 1;
		c->family = i % 4 ? 4 : 6;
		for (int k = 0; k < (c->family == 4 ? 4 : 16); k++) {
			c->client[k] = (uint8_t)rand();
			c->server[k] = (uint8_t)rand();
		}
		c->client_port = (uint16_t)(1024 + rand() % 60000);
		c->server_port = (uint16_t)(rand() % 3 ? 443 : 80);
		c->state = (uint8_t)(rand() % TT_NSTATES);
		c->c2s_rate = rand() % 3 ? 0 : rand() % 100000;
		c->s2c_rate = rand() % 2 ? 0 : rand() % 1000000;
		c->c2s.payload = (uint64_t)rand() * 10;
		c->s2c.payload = (uint64_t)rand() * 100;
		c->c2s.packets = (uint64_t)(rand() % 1000);
		c->last_seen_us = 1700000000000000LL + rand() % 10000000;
	}
	struct top_rows rows = {0};
	struct top_select sel = {0};
	const struct top_row *out[64];
	struct top_layout lay;
	top_layout_make(&lay, 120, 47, 47, 1);
	struct top_fmt_opts fo = {.bits = 0, .now_us = 1700000010000000LL, .active_us = 1000000};
	char line[200];
	struct top_filter f;
	top_filter_set(&f, "");

	const int reps = 20;
	double t0 = now_s();
	for (int r = 0; r < reps; r++) {
		top_rows_clear(&rows, fo.now_us);
		for (size_t i = 0; i < n; i++)
			top_rows_add(&rows, &conns[i]);
	}
	double copy = (now_s() - t0) / reps;
	printf("%zu connections, %zu lines\n", n, lines);
	printf("  copy of a snapshot into rows: %8.2f ms\n", copy * 1e3);

	static const enum top_sort sorts[] = {TOP_SORT_NONE, TOP_SORT_RATE, TOP_SORT_BYTES, TOP_SORT_IDLE,
	                                      TOP_SORT_CLIENT};
	for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
		const size_t offs[] = {0, n / 2};
		for (size_t k = 0; k < 2; k++) {
			struct top_view_opts vo = {.sort = sorts[s], .filter = &f, .now_us = fo.now_us};
			t0 = now_s();
			for (int r = 0; r < reps; r++) {
				size_t off = offs[k];
				top_select(&sel, &rows, &vo, &off, lines, out);
				for (size_t i = 0; i < sel.shown; i++)
					top_format_row(&lay, out[i], &fo, line);
			}
			double t = (now_s() - t0) / reps;
			printf("  select+format, %-16s at row %6zu: %8.2f ms\n", top_sort_label(sorts[s]), offs[k], t * 1e3);
		}
	}
	top_filter_set(&f, "db8 443");
	struct top_view_opts vo = {.sort = TOP_SORT_RATE, .filter = &f, .now_us = fo.now_us};
	t0 = now_s();
	for (int r = 0; r < reps; r++) {
		size_t off = 0;
		top_select(&sel, &rows, &vo, &off, lines, out);
	}
	printf("  select with a text filter, by rate:      %8.2f ms\n", (now_s() - t0) / reps * 1e3);
	top_select_free(&sel);
	top_rows_free(&rows);
	free(conns);
	return 0;
}
