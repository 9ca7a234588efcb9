/*
 * top: the parts of the view (top.c: its lifecycle; top_draw.c: the
 * screen; top_keys.c: the keys, the actions and the help), around the
 * state they share.  The rows and their text are top_model's.
 */
#ifndef TT_TOP_H
#define TT_TOP_H

#include <signal.h>
#include <stdio.h>

#include <curses.h>

#include "top_model.h"

struct top {
	const struct tt_host *host;
	struct tt_ctx *ctx;

	/* configuration */
	enum top_sort sort;
	int reverse;
	int bits;
	int hide_closed;
	struct top_filter filter;
	int health;            /* the core measures TCP health: RTT and Retr shown */
	int names;             /* endpoints shown as names (key n); -1: auto,
	                        * names live, numbers for a file (until n) */
	int procs;             /* the core finds processes: the Process column */
	struct top_lookup lk;  /* names and processes for the rows */

	/* the terminal */
	SCREEN *scr;
	FILE *in;              /* the keyboard: stdin, or /dev/tty when stdin is the capture */
	int own_in;
	int curses;            /* curses mode is on */
	int pipe[2];           /* SIGWINCH -> on_fd */
	struct sigaction old_winch;
	int winch_set;

	/* rows: the shown ones, and while paused the newest ones */
	struct top_rows rows[2];
	int cur;
	int fresh;             /* rows[!cur] holds a snapshot newer than the shown one */
	struct top_select sel;
	const struct top_row **vis;
	size_t viscap;
	size_t offset;
	size_t nrows;          /* rows the screen had at the last draw */
	int need_c, need_s;    /* the widest endpoints shown since the terminal's
	                        * width or the names last changed: the columns
	                        * are laid out for them, so that they do not come
	                        * and go as rows of other widths scroll by */
	int need_w, need_names;
	unsigned shown_cols;   /* the columns of the last screen (1 << TOP_COL_*):
	                        * the sort keys offer only theirs */

	/* state of the view */
	int paused, help, editing, quitting;
	int help_top;          /* the help's first line shown (scrolled) */
	int help_page;         /* lines of it shown, when it does not fit; else 0 */
	char edit_saved[TOP_FILTER_MAX];
	const char *hint;      /* why a key did nothing, on the status line */
	int dirty;

	/* what the footer tells */
	int live;
	int eof;               /* the file was read: 1 to its end, 2 up to damage */
	int shown_eof;         /* eof and input_pos as of the rows shown (paused: */
	int64_t shown_pos;     /* as of the pause) */
	const char *input_base;
	int input_fd;          /* to know how far the file is read */
	int64_t input_pos, input_size;
	uint64_t drops, evicted;
	int nomem;

	int64_t period_us;
	int64_t active_us;
	int64_t last_snap_wall;
	char *line;
	size_t linecap;
};

/* top_draw.c: the whole screen, from the shown rows */
void top_draw(struct top *t);

/* top_keys.c */
/* The keys typed (and KEY_RESIZE): actions, the filter being typed. */
void top_read_keys(struct top *t);
/* The help over the screen, H lines of W columns (the health columns'
 * lines with health), from line t->help_top of its body when it does not
 * fit (t->help_page then says how many lines show). */
void top_draw_help(struct top *t, int H, int W);
/* SIGWINCH came: tell curses the new size. */
void top_take_size(void);
/* q, or the terminal went away. */
void top_act_quit(struct top *t);

#endif
