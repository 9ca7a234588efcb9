/*
 * top_draw: the screen of the view: the header, the rows shown, the total
 * and the status line (or the filter being typed), the help over them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

static int grow_line(struct top *t, size_t n)
{
	if (n + 1 <= t->linecap)
		return 0;
	char *l = realloc(t->line, n + 1);
	if (!l)
		return -ENOMEM;
	t->line = l;
	t->linecap = n + 1;
	return 0;
}

/* What the input is doing, longest wording first. */
static void input_notes(struct top *t, char (*n)[160], const char **notes)
{
	if (t->live) {
		snprintf(n[0], 160, "Live on %s", t->input_base);
		snprintf(n[1], 160, "Live");
	} else if (t->shown_eof == 2) {
		/* the core says where at exit, on stderr */
		snprintf(n[0], 160, "%s: damaged, read up to the damage", t->input_base);
		snprintf(n[1], 160, "damaged file");
	} else if (t->shown_eof) {
		snprintf(n[0], 160, "%s: end of file reached", t->input_base);
		snprintf(n[1], 160, "end of file");
	} else if (t->input_size > 0 && t->shown_pos >= 0) {
		int64_t pct = t->shown_pos * 100 / t->input_size;
		if (pct > 99)
			pct = 99; /* the end is said when it is reached */
		snprintf(n[0], 160, "Reading %s: %d%%", t->input_base, (int)pct);
		snprintf(n[1], 160, "%d%%", (int)pct);
	} else {
		snprintf(n[0], 160, "Reading %s", t->input_base);
		snprintf(n[1], 160, "Reading");
	}
	notes[0] = n[0];
	notes[1] = n[1];
	notes[2] = NULL;
}

static void draw_edit(struct top *t, int y, int W)
{
	char buf[TOP_FILTER_MAX + 16], hint[96];
	snprintf(buf, sizeof buf, " Filter: %s", t->filter.text);
	if (t->filter.dropped)
		snprintf(hint, sizeof hint, "at most %d terms: the rest are left out", TOP_FILTER_TERMS);
	else
		snprintf(hint, sizeof hint, "%zu of %zu match; Enter keeps, Esc cancels", t->sel.matched,
		         t->rows[t->cur].n);
	/* longer than the line: its end shows, where the typing is */
	int len = (int)strlen(buf), from = len > W - 2 ? len - (W - 2) : 0;
	if (from > len)
		from = len;
	move(y, 0);
	clrtoeol();
	mvaddnstr(y, 0, buf + from, W - 1);
	int cx = len - from;
	if (cx + 3 + (int)strlen(hint) < W) {
		attron(A_DIM);
		mvaddstr(y, cx + 3, hint);
		attroff(A_DIM);
	}
	move(y, cx < W - 1 ? cx : W - 1);
}

void top_draw(struct top *t)
{
	int H = LINES, W = COLS;
	t->dirty = 0;
	if (H <= 0 || W <= 0 || grow_line(t, (size_t)W) < 0)
		return;
	/* header, rows, total, status; a tiny terminal keeps the status first */
	int has_header = H >= 3, has_total = H >= 3;
	size_t h = H > 3 ? (size_t)(H - 3) : 0;
	if (h > t->viscap) {
		const struct top_row **v = realloc(t->vis, h * sizeof *v);
		if (!v)
			return;
		t->vis = v;
		t->viscap = h;
	}
	const struct top_rows *rows = &t->rows[t->cur];
	struct top_view_opts vo = {
		.sort = t->sort, .reverse = t->reverse, .hide_closed = t->hide_closed,
		.filter = &t->filter, .now_us = rows->time_us,
	};
	t->nrows = h;
	if (top_select(&t->sel, rows, &vo, &t->offset, h, t->vis) < 0)
		t->nomem = 1;

	int nc = 0, ns = 0;
	char ep[TOP_ENDPOINT_MAX];
	for (size_t i = 0; i < t->sel.shown; i++) {
		const struct top_row *r = t->vis[i];
		int a = (int)top_fmt_row_endpoint(ep, r, 0, t->names);
		int b = (int)top_fmt_row_endpoint(ep, r, 1, t->names);
		nc = a > nc ? a : nc;
		ns = b > ns ? b : ns;
	}
	/* widths only grow, until the terminal's width or the names change */
	if (W != t->need_w || t->names != t->need_names) {
		t->need_c = t->need_s = 0;
		t->need_w = W;
		t->need_names = t->names;
	}
	nc = t->need_c = nc > t->need_c ? nc : t->need_c;
	ns = t->need_s = ns > t->need_s ? ns : t->need_s;
	struct top_layout lay;
	top_layout_make(&lay, W, nc, ns, t->health | (t->procs ? TOP_SHOW_PROCS : 0));
	t->shown_cols = top_layout_cols(&lay);
	struct top_fmt_opts fo = {.bits = t->bits, .names = t->names, .now_us = rows->time_us,
	                          .active_us = t->active_us};

	erase();
	if (has_header) {
		top_format_header(&lay, t->line);
		attron(A_REVERSE);
		mvaddnstr(0, 0, t->line, W);
		attroff(A_REVERSE);
	}
	for (size_t i = 0; i < t->sel.shown; i++) {
		const struct top_row *r = t->vis[i];
		top_format_row(&lay, r, &fo, t->line);
		int dim = r->state == TT_CLOSED || r->state == TT_RESET;
		if (dim)
			attron(A_DIM);
		mvaddnstr(1 + (int)i, 0, t->line, W);
		if (dim)
			attroff(A_DIM);
	}
	if (has_total) {
		char n[2][160];
		const char *notes[3];
		input_notes(t, n, notes);
		top_format_total(&lay, &t->sel, &fo, notes, t->line);
		attron(A_BOLD);
		mvaddnstr(H - 2, 0, t->line, W);
		attroff(A_BOLD);
	}
	struct top_status st = {
		.offset = t->sel.offset, .shown = t->sel.shown, .matched = t->sel.matched,
		.in_table = rows->n, .paused = t->paused, .sort = t->sort, .reverse = t->reverse,
		.filter = t->filter.text, .hide_closed = t->hide_closed, .drops = t->drops,
		.evicted = t->evicted, .hint = t->hint,
	};
	if (t->editing) {
		draw_edit(t, H - 1, W);
		curs_set(1);
	} else {
		/* the bottom-right cell cannot be written without scrolling */
		top_format_status(&st, W - 1, t->line);
		mvaddnstr(H - 1, 0, t->line, W - 1);
		curs_set(0);
	}
	if (t->help)
		top_draw_help(t, H, W);
	wnoutrefresh(stdscr);
	doupdate();
}
