/*
 * top: the ncurses view, tcptrack's default output on a terminal.
 *
 * The screen is redrawn when a snapshot arrives (every refresh, or every
 * fast_interval with -f) or when a key changed something; between them
 * nothing runs.  Keys reach the view through the core's poll (on_fd) and map
 * to actions through one table.  A resize reaches it through a self-pipe
 * written by the SIGWINCH handler, and is handled in one place (resized()).
 * The rows, their order and their text come from top_model.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "parse.h"
#include "top_model.h"

#define KCTRL(c) ((c) & 0x1f) /* the key Ctrl-c */
#define KEY_ESC 27

struct top {
	const struct tt_host *host;
	struct tt_ctx *ctx;

	/* configuration */
	enum top_sort sort;
	int reverse;
	int bits;
	int hide_closed;
	struct top_filter filter;

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

	/* state of the view */
	int paused, help, editing, quitting;
	char edit_saved[TOP_FILTER_MAX];
	int dirty;

	/* what the footer tells */
	int live;
	int eof;
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

/* for the SIGWINCH handler: there is one terminal output at most */
static int winch_fd = -1;

static const char *const keys[] = {"sort", "reverse", "units", "show_closed", "filter", NULL};

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- lifecycle: configuration ---- */

static int top_create(const struct tt_host *host, struct tt_ctx *ctx, const char *instance, void **state)
{
	(void)instance;
	struct top *t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->host = host;
	t->ctx = ctx;
	t->pipe[0] = t->pipe[1] = -1;
	t->input_fd = -1;
	t->input_size = -1;
	*state = t;
	return 0;
}

static int top_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct top *t = state;
	if (!strcmp(key, "sort")) {
		int s = top_sort_parse(value);
		if (s < 0) {
			snprintf(err, errlen, "'%s': use none, rate, bytes, idle, client, server, state, "
			         "c2s, s2c or packets", value);
			return -EINVAL;
		}
		t->sort = (enum top_sort)s;
	} else if (!strcmp(key, "units")) {
		if (!strcmp(value, "bits"))
			t->bits = 1;
		else if (!strcmp(value, "bytes"))
			t->bits = 0;
		else {
			snprintf(err, errlen, "'%s': use bytes or bits", value);
			return -EINVAL;
		}
	} else if (!strcmp(key, "reverse") || !strcmp(key, "show_closed")) {
		int b;
		const char *why;
		if (parse_bool(value, &b, &why) < 0) {
			snprintf(err, errlen, "'%s': use yes or no", value);
			return -EINVAL;
		}
		if (!strcmp(key, "reverse"))
			t->reverse = b;
		else
			t->hide_closed = !b;
	} else if (!strcmp(key, "filter")) {
		if (strlen(value) >= TOP_FILTER_MAX) {
			snprintf(err, errlen, "longer than %d characters", TOP_FILTER_MAX - 1);
			return -EINVAL;
		}
		top_filter_set(&t->filter, value);
	}
	return 0;
}

/* ---- input progress ---- */

/* The descriptor the capture file was opened on: how far it is read tells
 * the progress while the core's own counter stays at zero (it counts only
 * for its progress line on stderr). */
static int find_input_fd(const char *input)
{
	char want[PATH_MAX], link[PATH_MAX];
	if (!input || !strcmp(input, "-") || !realpath(input, want))
		return -1;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int found = -1;
	struct dirent *e;
	while (found < 0 && (e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, want))
			found = atoi(e->d_name);
	}
	closedir(d);
	return found;
}

/* The terminal must be there before tracking starts, not found missing
 * after: checked here, entered in start(). */
static int top_open(void *state, char *err, size_t errlen)
{
	struct top *t = state;
	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "standard output is not a terminal (use the csv output instead)");
		return -ENOTTY;
	}
	if (isatty(STDIN_FILENO)) {
		t->in = stdin;
	} else {
		/* -T - : stdin is the capture, keys come from the terminal */
		t->in = fopen("/dev/tty", "r");
		if (!t->in) {
			snprintf(err, errlen, "no terminal to read keys from: /dev/tty: %s", strerror(errno));
			return -ENOTTY;
		}
		t->own_in = 1;
	}
	int e = 0;
	if (setupterm(NULL, STDOUT_FILENO, &e) != OK) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "terminal type '%s' unknown", term ? term : "");
		return -ENOTTY;
	}
	char cup[] = "cup";
	char *c = tigetstr(cup);
	int can_move = c && c != (char *)-1;
	del_curterm(cur_term);
	if (!can_move) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "terminal type '%s' cannot move the cursor", term ? term : "");
		return -ENOTTY;
	}
	/* while privileged: after -Z, /proc/self/fd may no longer be readable */
	const struct tt_settings *s = t->host->settings(t->ctx);
	if (!s->live)
		t->input_fd = find_input_fd(s->input);
	return 0;
}

/* ---- drawing ---- */

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
	} else if (t->eof) {
		snprintf(n[0], 160, "%s: end of file reached", t->input_base);
		snprintf(n[1], 160, "end of file");
	} else if (t->input_size > 0 && t->input_pos >= 0) {
		int64_t pct = t->input_pos * 100 / t->input_size;
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

struct help_line {
	const char *keys, *what;
};

static void draw_help(int H, int W);

static void draw_edit(struct top *t, int y, int W)
{
	char buf[TOP_FILTER_MAX + 16], hint[96];
	snprintf(buf, sizeof buf, " Filter: %s", t->filter.text);
	snprintf(hint, sizeof hint, "%zu of %zu match; Enter keeps, Esc cancels", t->sel.matched,
	         t->rows[t->cur].n);
	move(y, 0);
	clrtoeol();
	mvaddnstr(y, 0, buf, W - 1);
	int cx = (int)strlen(buf);
	if (cx + 3 + (int)strlen(hint) < W) {
		attron(A_DIM);
		mvaddstr(y, cx + 3, hint);
		attroff(A_DIM);
	}
	move(y, cx < W - 1 ? cx : W - 1);
}

static void draw(struct top *t)
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
		int a = (int)top_fmt_endpoint(ep, r->family, r->client, r->cport);
		int b = (int)top_fmt_endpoint(ep, r->family, r->server, r->sport);
		nc = a > nc ? a : nc;
		ns = b > ns ? b : ns;
	}
	struct top_layout lay;
	top_layout_make(&lay, W, nc, ns);
	struct top_fmt_opts fo = {.bits = t->bits, .now_us = rows->time_us, .active_us = t->active_us};

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
		.evicted = t->evicted,
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
		draw_help(H, W);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- actions ---- */

static size_t page(void)
{
	return LINES > 4 ? (size_t)(LINES - 4) : 1;
}

static void act_quit(struct top *t)
{
	t->quitting = 1;
	t->host->request_quit(t->ctx);
}

static void act_pause(struct top *t)
{
	t->paused = !t->paused;
	if (!t->paused && t->fresh) {
		/* tracking went on: show where it is now */
		t->cur = !t->cur;
		t->fresh = 0;
	}
}

static void act_sort_cycle(struct top *t)
{
	t->sort = top_sort_cycle(t->sort);
	t->offset = 0;
}

/* < and >: the sort column moves left or right, as in htop */
static void act_sort_prev(struct top *t)
{
	t->sort = t->sort == TOP_SORT_NONE ? TOP_NSORTS - 1 : t->sort - 1;
	t->offset = 0;
}

static void act_sort_next(struct top *t)
{
	t->sort = t->sort == TOP_NSORTS - 1 ? TOP_SORT_NONE : t->sort + 1;
	t->offset = 0;
}

static void act_reverse(struct top *t)
{
	t->reverse = !t->reverse;
	t->offset = 0;
}

static void act_up(struct top *t)
{
	if (t->offset)
		t->offset--;
}

static void act_down(struct top *t)
{
	t->offset++; /* clamped by the selection */
}

static void act_pgup(struct top *t)
{
	t->offset = t->offset > page() ? t->offset - page() : 0;
}

static void act_pgdn(struct top *t)
{
	t->offset += page();
}

static void act_home(struct top *t)
{
	t->offset = 0;
}

static void act_end(struct top *t)
{
	t->offset = t->sel.matched > t->nrows ? t->sel.matched - t->nrows : 0;
}

static void act_help(struct top *t)
{
	t->help = 1;
}

static void act_filter(struct top *t)
{
	t->editing = 1;
	snprintf(t->edit_saved, sizeof t->edit_saved, "%s", t->filter.text);
}

static void act_units(struct top *t)
{
	t->bits = !t->bits;
}

static void act_closed(struct top *t)
{
	t->hide_closed = !t->hide_closed;
}

static void act_redraw(struct top *t)
{
	(void)t;
	clearok(curscr, TRUE);
}

/* The key -> action table; the help screen is made from it. */
struct action {
	int keys[4];           /* 0-terminated when fewer */
	const char *label;
	const char *help;
	void (*fn)(struct top *);
};

static const struct action actions[] = {
	{{'q', 'Q'}, "q", "quit", act_quit},
	{{'p', 'P'}, "p", "pause the display (tracking goes on)", act_pause},
	{{'s'}, "s", "sort: unsorted, rate, bytes, idle", act_sort_cycle},
	{{'<', ','}, "< >", "sort by the column to the left / right", act_sort_prev},
	{{'>', '.'}, NULL, NULL, act_sort_next},
	{{'r', 'I'}, "r", "reverse the order", act_reverse},
	{{KEY_UP, 'k'}, "Up Down", "scroll a line (also k j)", act_up},
	{{KEY_DOWN, 'j'}, NULL, NULL, act_down},
	{{KEY_PPAGE, KCTRL('b')}, "PgUp PgDn", "scroll a page (also ^B space)", act_pgup},
	{{KEY_NPAGE, ' ', KCTRL('f')}, NULL, NULL, act_pgdn},
	{{KEY_HOME, 'g'}, "Home End", "first / last page (also g G)", act_home},
	{{KEY_END, 'G'}, NULL, NULL, act_end},
	{{'/', 'l', '\\'}, "/", "filter: address, prefix, port or state", act_filter},
	{{'b', 'B'}, "b", "rates in bytes or bits per second", act_units},
	{{'c', 'C'}, "c", "show or hide closed and reset connections", act_closed},
	{{KCTRL('l')}, "^L", "redraw the screen", act_redraw},
	{{'h', '?', KEY_F(1)}, "h ?", "this help", act_help},
};

static const struct help_line help_text[] = {
	{"Rate", "payload bytes per second over the averaging window"},
	{"C->S S->C", "the rate from client to server, server to client"},
	{"Bytes", "payload bytes so far, Packets: both directions"},
	{"A", "* when a packet came in the last second"},
	{"Idle", "time since the last packet"},
};

static void draw_help(int H, int W)
{
	size_t na = sizeof actions / sizeof actions[0], nh = sizeof help_text / sizeof help_text[0];
	int nlines = 0;
	for (size_t i = 0; i < na; i++)
		nlines += actions[i].label != NULL;
	int bh = nlines + (int)nh + 5, bw = 66;
	if (bw > W)
		bw = W;
	if (bh > H)
		bh = H;
	int y0 = (H - bh) / 2, x0 = (W - bw) / 2;
	char buf[160];
	for (int y = 0; y < bh; y++) {
		move(y0 + y, x0);
		for (int x = 0; x < bw; x++)
			addch(' ' | A_REVERSE);
	}
	int y = y0;
	attron(A_REVERSE | A_BOLD);
	snprintf(buf, sizeof buf, " tcptrack keys");
	mvaddnstr(y++, x0, buf, bw);
	attroff(A_BOLD);
	y++;
	for (size_t i = 0; i < na && y < y0 + bh; i++) {
		if (!actions[i].label)
			continue;
		snprintf(buf, sizeof buf, " %-10s %s", actions[i].label, actions[i].help);
		mvaddnstr(y++, x0, buf, bw);
	}
	y++;
	for (size_t i = 0; i < nh && y < y0 + bh; i++) {
		snprintf(buf, sizeof buf, " %-10s %s", help_text[i].keys, help_text[i].what);
		mvaddnstr(y++, x0, buf, bw);
	}
	if (y < y0 + bh)
		mvaddnstr(y0 + bh - 1, x0, " Any key closes this help.", bw);
	attroff(A_REVERSE);
}

/* SIGWINCH (through the pipe): tell curses the new size; it answers with
 * KEY_RESIZE, handled in read_keys() like any key. */
static void take_size(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

/* The one place a resize is handled: everything is laid out again and
 * nothing of the old screen may stay behind. */
static void resized(struct top *t)
{
	clearok(curscr, TRUE);
	t->dirty = 1;
}

static void dispatch(struct top *t, int key)
{
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		for (int k = 0; k < 4 && actions[i].keys[k]; k++)
			if (actions[i].keys[k] == key) {
				actions[i].fn(t);
				return;
			}
}

/* Typing a filter: it applies as it is typed. */
static void edit_key(struct top *t, int c)
{
	size_t n = strlen(t->filter.text);
	char text[TOP_FILTER_MAX];
	snprintf(text, sizeof text, "%s", t->filter.text);
	if (c == '\n' || c == '\r' || c == KEY_ENTER) {
		t->editing = 0;
		return;
	}
	if (c == KEY_ESC) {
		t->editing = 0;
		top_filter_set(&t->filter, t->edit_saved);
		return;
	}
	if (c == KEY_BACKSPACE || c == 127 || c == KCTRL('h')) {
		if (n)
			text[n - 1] = 0;
	} else if (c == KCTRL('u')) {
		text[0] = 0;
	} else if (c >= 32 && c < 127 && n + 1 < sizeof text) {
		text[n] = (char)c;
		text[n + 1] = 0;
	} else {
		return;
	}
	top_filter_set(&t->filter, text);
	t->offset = 0;
}

static void read_keys(struct top *t)
{
	int c;
	while (!t->quitting && (c = wgetch(stdscr)) != ERR) {
		t->dirty = 1;
		if (c == KEY_RESIZE)
			resized(t);
		else if (t->help)
			t->help = 0; /* any key closes the help */
		else if (t->editing)
			edit_key(t, c);
		else
			dispatch(t, c);
	}
}

/* ---- lifecycle: running ---- */

static void on_winch(int sig)
{
	(void)sig;
	int e = errno;
	if (winch_fd >= 0 && write(winch_fd, "", 1) < 0) {
		/* the pipe is full: a resize is already pending */
	}
	errno = e;
}

static void end_curses(struct top *t)
{
	if (t->curses) {
		curs_set(1);
		endwin();
		t->curses = 0;
	}
	if (t->scr) {
		delscreen(t->scr);
		t->scr = NULL;
	}
	if (t->winch_set) {
		sigaction(SIGWINCH, &t->old_winch, NULL);
		t->winch_set = 0;
	}
	winch_fd = -1;
	for (int i = 0; i < 2; i++)
		if (t->pipe[i] >= 0) {
			close(t->pipe[i]);
			t->pipe[i] = -1;
		}
}

static int top_start(void *state)
{
	struct top *t = state;
	const struct tt_settings *s = t->host->settings(t->ctx);
	t->live = s->live;
	t->period_us = s->refresh_us > 0 ? s->refresh_us : 1000000;
	if (s->fast_average && s->fast_interval_us > 0 && s->fast_interval_us < t->period_us)
		t->period_us = s->fast_interval_us;
	/* the mark shows for a whole frame, and for a second at least */
	t->active_us = t->period_us > 1000000 ? t->period_us : 1000000;
	const char *in = s->input ? s->input : "";
	const char *slash = strrchr(in, '/');
	t->input_base = !t->live && !strcmp(in, "-") ? "stdin" : slash ? slash + 1 : in;

	if (pipe(t->pipe) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		fcntl(t->pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(t->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	/* ours, set before newterm, so that ncurses leaves SIGWINCH to us */
	winch_fd = t->pipe[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGWINCH, &sa, &t->old_winch) == 0)
		t->winch_set = 1;

	t->scr = newterm(NULL, stdout, t->in);
	if (!t->scr) {
		end_curses(t);
		return -ENOTTY;
	}
	set_term(t->scr);
	t->curses = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	int r = t->host->watch_fd(t->ctx, fileno(t->in), POLLIN);
	if (r == 0)
		r = t->host->watch_fd(t->ctx, t->pipe[0], POLLIN);
	if (r == 0)
		r = t->host->set_interval(t->ctx, t->period_us, 0);
	if (r < 0) {
		end_curses(t);
		return r;
	}
	draw(t);
	return 0;
}

static int add_row(void *arg, const struct tt_conn *c)
{
	struct top_rows *r = arg;
	return top_rows_add(r, c) < 0 ? -ENOMEM : 0;
}

static int top_on_snapshot(void *state, const struct tt_snapshot *s)
{
	struct top *t = state;
	if (!t->curses || t->quitting || (s->flags & TT_SNAP_FINAL))
		return 0;
	if (s->stats) {
		t->drops = s->stats->kernel_drops + s->stats->if_drops;
		t->evicted = s->stats->evicted;
	}
	t->input_size = s->input_size;
	if (s->input_pos > 0)
		t->input_pos = s->input_pos;
	else if (t->input_fd >= 0)
		t->input_pos = lseek(t->input_fd, 0, SEEK_CUR);
	if (s->flags & TT_SNAP_EOF)
		t->eof = 1;
	/* a file read faster than real time brings many snapshots a second: one
	 * per refresh of wall time is shown */
	int64_t now = wall_us();
	if (!s->flags && !t->live && t->last_snap_wall && now - t->last_snap_wall < t->period_us * 9 / 10)
		return 0;
	t->last_snap_wall = now;

	/* paused: the newest rows wait aside, the shown ones stay */
	struct top_rows *rows = &t->rows[t->paused ? !t->cur : t->cur];
	top_rows_clear(rows, s->time_us);
	int r = s->foreach(s, add_row, rows);
	if (r == -ENOMEM && !t->nomem) {
		t->nomem = 1;
		t->host->log(t->ctx, TT_LOG_ERR, "out of memory: %zu of %llu connections shown",
		             rows->n, (unsigned long long)s->nconns);
	}
	if (t->paused)
		t->fresh = 1;
	draw(t);
	return 0;
}

static int top_on_fd(void *state, int fd, short revents)
{
	struct top *t = state;
	if (!t->curses)
		return 0;
	if (fd == t->pipe[0]) {
		char buf[64];
		while (read(fd, buf, sizeof buf) > 0)
			;
		take_size();
	} else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* the terminal went away: nobody is watching */
		t->host->watch_fd(t->ctx, fd, 0);
		act_quit(t);
		return 0;
	}
	read_keys(t);
	if (t->dirty && !t->quitting)
		draw(t);
	return 0;
}

static void top_stop(void *state)
{
	struct top *t = state;
	end_curses(t);
}

static void top_destroy(void *state)
{
	struct top *t = state;
	end_curses(t);
	if (t->own_in && t->in)
		fclose(t->in);
	top_rows_free(&t->rows[0]);
	top_rows_free(&t->rows[1]);
	top_select_free(&t->sel);
	free(t->vis);
	free(t->line);
	free(t);
}

TT_PLUGIN_EXPORT const struct tt_plugin tcptrack_plugin = {
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.size = sizeof(struct tt_plugin),
	.caps = TT_CAP_TERMINAL,
	.events = 0,
	.name = "top",
	.description = "top-like view of the connections on a terminal",
	.keys = keys,
	.create = top_create,
	.configure = top_configure,
	.open = top_open,
	.start = top_start,
	.on_snapshot = top_on_snapshot,
	.on_fd = top_on_fd,
	.stop = top_stop,
	.destroy = top_destroy,
};
