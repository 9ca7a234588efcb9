/*
 * top_keys: the keys of the view.  Keys map to actions through one table,
 * from which the help screen is made too; a resize comes as a key
 * (KEY_RESIZE) and is handled in one place, resized().
 */
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "top.h"

#define KCTRL(c) ((c) & 0x1f) /* the key Ctrl-c */
#define KEY_ESC 27

static size_t page(void)
{
	return LINES > 4 ? (size_t)(LINES - 4) : 1;
}

void top_act_quit(struct top *t)
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
	if (!t->paused) {
		t->shown_eof = t->eof;
		t->shown_pos = t->input_pos;
	}
}

static void act_sort_cycle(struct top *t)
{
	t->sort = top_sort_cycle(t->sort, t->health, t->shown_cols);
	t->offset = 0;
}

/* < and >: the sort column moves left or right, as in htop */
static void act_sort_prev(struct top *t)
{
	t->sort = top_sort_step(t->sort, -1, t->health | (t->procs ? TOP_SHOW_PROCS : 0), t->shown_cols);
	t->offset = 0;
}

static void act_sort_next(struct top *t)
{
	t->sort = top_sort_step(t->sort, 1, t->health | (t->procs ? TOP_SHOW_PROCS : 0), t->shown_cols);
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
	t->help_top = 0;
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

/* n: names or numbers, as iftop's n; shown at the next snapshot for rows
 * not yet named */
static void act_names(struct top *t)
{
	t->names = !t->names;
}

/* o: sort by the owning process (p pauses); without processes the status
 * line says why the order stays */
static void act_sort_process(struct top *t)
{
	if (t->procs)
		t->sort = t->sort == TOP_SORT_PROCESS ? TOP_SORT_NONE : TOP_SORT_PROCESS;
	else
		t->hint = t->live ? "No processes ([core] processes): not sorted"
		                  : "No processes when reading a file: not sorted";
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
	{{'q', 'Q'}, "q", "quit", top_act_quit},
	{{'p', 'P'}, "p", "pause the display (tracking goes on)", act_pause},
	{{'s'}, "s", "sort: unsorted, rate, bytes, idle, RTT, Retr", act_sort_cycle},
	{{'<', ','}, "< >", "sort by the column to the left / right (also , .)", act_sort_prev},
	{{'>', '.'}, NULL, NULL, act_sort_next},
	{{'r', 'I'}, "r", "reverse the order (also I)", act_reverse},
	{{KEY_UP, 'k'}, "Up Down", "scroll a line (also k j)", act_up},
	{{KEY_DOWN, 'j'}, NULL, NULL, act_down},
	{{KEY_PPAGE, KCTRL('b')}, "PgUp PgDn", "scroll a page (also ^B, space ^F)", act_pgup},
	{{KEY_NPAGE, ' ', KCTRL('f')}, NULL, NULL, act_pgdn},
	{{KEY_HOME, 'g'}, "Home End", "first / last page (also g G)", act_home},
	{{KEY_END, 'G'}, NULL, NULL, act_end},
	{{'/', 'l', '\\'}, "/", "filter: address, port, name, state, process (also l \\)", act_filter},
	{{'b', 'B'}, "b", "rates in bytes or bits per second", act_units},
	{{'c', 'C'}, "c", "show or hide closed and reset connections", act_closed},
	{{'n', 'N'}, "n", "host and service names, or numbers", act_names},
	{{'o', 'O'}, "o", "sort by process (live, local connections)", act_sort_process},
	{{KCTRL('l')}, "^L", "redraw the screen", act_redraw},
	{{'h', '?', KEY_F(1)}, "h ? F1", "this help", act_help},
};

struct help_line {
	const char *keys, *what;
	int needs; /* TOP_SHOW_* the column needs, else 0 */
};

static const struct help_line help_text[] = {
	{"Rate", "payload bytes per second over the averaging window", 0},
	{"C->S S->C", "the rate from client to server, server to client", 0},
	{"Payload", "payload bytes so far, Packets: both directions", 0},
	{"A", "* when a packet came in the last second", 0},
	{"Idle", "time since the last packet", 0},
	{"RTT", "round trip, client to server and back", TOP_SHOW_HEALTH},
	{"Retr", "share of segments retransmitted, both directions", TOP_SHOW_HEALTH},
	{"Process", "PID and command owning the local end", TOP_SHOW_PROCS},
};

/* Line i of the help's body (key lines, a blank, the columns the view has:
 * show, TOP_SHOW_*) into buf; 0 past its end. */
static int help_line(int i, int show, unsigned shown, char *buf, size_t len)
{
	size_t na = sizeof actions / sizeof actions[0], nh = sizeof help_text / sizeof help_text[0];
	int health = show & TOP_SHOW_HEALTH;
	for (size_t k = 0; k < na; k++) {
		if (!actions[k].label)
			continue;
		if (i-- == 0) {
			const char *help = actions[k].help;
			char cycle[64];
			/* s goes on to RTT and Retr only where they are shown */
			if (actions[k].fn == act_sort_cycle) {
				int rtt = top_sort_cycle(TOP_SORT_IDLE, health, shown) == TOP_SORT_RTT;
				int retr = top_sort_cycle(TOP_SORT_RTT, health, shown) == TOP_SORT_RETRANS;
				snprintf(cycle, sizeof cycle, "sort: unsorted, rate, bytes, idle%s%s",
				         rtt ? ", RTT" : "", retr ? ", Retr" : "");
				help = cycle;
			}
			snprintf(buf, len, " %-10s %s", actions[k].label, help);
			return 1;
		}
	}
	if (i-- == 0) {
		buf[0] = 0;
		return 1;
	}
	for (size_t k = 0; k < nh; k++) {
		if ((help_text[k].needs & show) != help_text[k].needs)
			continue;
		if (i-- == 0) {
			snprintf(buf, len, " %-10s %s", help_text[k].keys, help_text[k].what);
			return 1;
		}
	}
	return 0;
}

void top_draw_help(struct top *t, int H, int W)
{
	char buf[160];
	int body = 0, show = t->health | (t->procs ? TOP_SHOW_PROCS : 0);
	while (help_line(body, show, t->shown_cols, buf, sizeof buf))
		body++;
	/* a title, a blank, the body, a blank, the last line; on a short
	 * terminal the blanks give their lines to the body */
	int pad = H >= 8;
	int bh = body + 2 + 2 * pad, bw = 66;
	if (bw > W)
		bw = W;
	if (bh > H)
		bh = H;
	int room = bh - 2 - 2 * pad > 0 ? bh - 2 - 2 * pad : 0;
	t->help_page = room < body ? (room > 0 ? room : 1) : 0;
	if (t->help_top > body - room)
		t->help_top = body - room > 0 ? body - room : 0;
	if (t->help_top < 0)
		t->help_top = 0;
	int y0 = (H - bh) / 2, x0 = (W - bw) / 2;
	for (int y = 0; y < bh; y++) {
		move(y0 + y, x0);
		for (int x = 0; x < bw; x++)
			addch(' ' | A_REVERSE);
	}
	attron(A_REVERSE | A_BOLD);
	if (t->help_page && room)
		snprintf(buf, sizeof buf, " tcptrack keys (%d-%d of %d)", t->help_top + 1, t->help_top + room, body);
	else
		snprintf(buf, sizeof buf, " tcptrack keys");
	mvaddnstr(y0, x0, buf, bw);
	attroff(A_BOLD);
	for (int i = 0; i < room; i++)
		if (help_line(t->help_top + i, show, t->shown_cols, buf, sizeof buf))
			mvaddnstr(y0 + 1 + pad + i, x0, buf, bw);
	if (bh >= 2)
		mvaddnstr(y0 + bh - 1, x0,
		          t->help_page ? " Up Down PgUp PgDn scroll; any other key closes this help."
		                       : " Any key closes this help.",
		          bw);
	attroff(A_REVERSE);
}

/* A key while the help is shown: it scrolls a help taller than the
 * screen; any other key closes it. */
static void help_key(struct top *t, int c)
{
	int page = t->help_page;
	if (page && (c == KEY_UP || c == 'k'))
		t->help_top--;
	else if (page && (c == KEY_DOWN || c == 'j'))
		t->help_top++;
	else if (page && (c == KEY_PPAGE || c == KCTRL('b')))
		t->help_top -= page;
	else if (page && (c == KEY_NPAGE || c == ' ' || c == KCTRL('f')))
		t->help_top += page;
	else
		t->help = 0; /* (top_draw_help keeps help_top in range) */
}

/* SIGWINCH (through the pipe): tell curses the new size; it answers with
 * KEY_RESIZE, handled in read_keys() like any key. */
void top_take_size(void)
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

void top_read_keys(struct top *t)
{
	int c;
	while (!t->quitting && (c = wgetch(stdscr)) != ERR) {
		t->dirty = 1;
		if (c == KEY_RESIZE) {
			resized(t);
			continue;
		}
		t->hint = NULL; /* told until the next key */
		if (t->help)
			help_key(t, c);
		else if (t->editing)
			edit_key(t, c);
		else
			dispatch(t, c);
	}
}
