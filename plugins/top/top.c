/*
 * top: the ncurses view, tcptrack's default output on a terminal.
 *
 * The screen is redrawn when a snapshot arrives (every refresh, or every
 * fast_interval with -f) or when a key changed something; between them
 * nothing runs.  Keys reach the view through the core's poll (on_fd) and map
 * to actions through one table (top_keys.c).  A resize reaches it through a
 * self-pipe written by the SIGWINCH handler, and is handled in one place
 * (resized()).  The rows, their order and their text come from top_model.c;
 * the parts of the view: top.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "mono.h"
#include "parse.h"
#include "top.h"

/* for the SIGWINCH handler: there is one terminal output at most */
static int winch_fd = -1;

static const char *const keys[] = {"sort", "reverse", "units", "show_closed", "filter", "names", NULL};

/* ---- names and processes, through the host (ABI 1.2) ---- */

static size_t lk_name(void *arg, int family, const uint8_t *addr, char *buf, size_t len)
{
	struct top *t = arg;
	return t->host->name_of(t->ctx, family, addr, buf, len);
}

static const char *lk_service(void *arg, uint16_t port)
{
	struct top *t = arg;
	return t->host->service_of(t->ctx, port);
}

static int lk_process(void *arg, const struct tt_conn *c, int32_t *pid, char *comm, size_t len)
{
	struct top *t = arg;
	struct tt_process p = {.size = sizeof p};
	if (!t->host->process_of(t->ctx, c, &p) || !p.pid)
		return 0; /* none, or only its owner: the column shows processes */
	*pid = p.pid;
	snprintf(comm, len, "%s", p.comm);
	/* any process may name itself (prctl): on the terminal, printable
	 * ASCII only, a column each, as the core shows names from the wire */
	for (char *s = comm; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
	return 1;
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
	t->rows[0].state_name = t->rows[1].state_name = host->state_name;
	t->pipe[0] = t->pipe[1] = -1;
	t->input_fd = -1;
	/* the settings are filled before create; a core of ABI 1.0 has no health */
	const struct tt_settings *st = host->settings(ctx);
	t->health = TT_HAS(tt_settings, st, tcp_health) && st->tcp_health;
	t->input_size = -1;
	t->names = -1;
	if (TT_HOST_HAS(host, process_of)) {
		t->lk = (struct top_lookup){
			.arg = t, .name_of = lk_name, .service_of = lk_service, .process_of = lk_process,
			.names = 1,
		};
		t->rows[0].lk = t->rows[1].lk = &t->lk;
	}
	*state = t;
	return 0;
}

static int top_configure(void *state, const char *key, const char *value, char *err, size_t errlen)
{
	struct top *t = state;
	if (!strcmp(key, "sort")) {
		int s = top_sort_parse(value);
		if (s < 0) {
			snprintf(err, errlen, "'%s': use none (or unsorted), rate, bytes, idle, client, server, "
			         "state, c2s, s2c, packets, rtt, retrans or process", value);
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
	} else if (!strcmp(key, "names") && !strcasecmp(value, "auto")) {
		t->names = -1;
	} else if (!strcmp(key, "reverse") || !strcmp(key, "show_closed") || !strcmp(key, "names")) {
		int b;
		const char *why;
		if (parse_bool(value, &b, &why) < 0) {
			snprintf(err, errlen, "'%s': use %syes or no", value, strcmp(key, "names") ? "" : "auto, ");
			return -EINVAL;
		}
		if (!strcmp(key, "reverse"))
			t->reverse = b;
		else if (!strcmp(key, "names"))
			t->names = b;
		else
			t->hide_closed = !b;
	} else if (!strcmp(key, "filter")) {
		if (strlen(value) >= TOP_FILTER_MAX) {
			snprintf(err, errlen, "longer than %d characters", TOP_FILTER_MAX - 1);
			return -EINVAL;
		}
		size_t terms = 0;
		for (const char *w = value; *(w += strspn(w, " \t")); w += strcspn(w, " \t"))
			terms++;
		if (terms > TOP_FILTER_TERMS) {
			snprintf(err, errlen, "%zu terms: at most %d", terms, TOP_FILTER_TERMS);
			return -EINVAL;
		}
		top_filter_set(&t->filter, value);
	}
	return 0;
}

static int top_check(void *state, char *err, size_t errlen)
{
	struct top *t = state;
	if (top_sort_is_health(t->sort) && !t->health) {
		snprintf(err, errlen, "sort = %s needs the TCP health measurement ([core] tcp_health = yes)",
		         top_sort_key(t->sort));
		return -EINVAL;
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
		if (!term || !*term)
			snprintf(err, errlen, "TERM is not set: no terminal type to draw with");
		else
			snprintf(err, errlen, "terminal type '%s' unknown", term);
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

/* ---- a crash gives the terminal back ---- */

/* A fatal signal (a fault, abort(3), ^\) would leave the terminal on the
 * view's screen, its cursor hidden, its keys raw.  The handler writes what
 * leaves the screen (prepared at start: endwin() may not be called from a
 * handler), puts back the modes the view found, then lets the signal do
 * what it did before. */
static const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};
#define NCRASH (sizeof crash_sigs / sizeof crash_sigs[0])
static struct sigaction crash_old[NCRASH];
static int crash_set, crash_have_tios;
static struct termios crash_tios;
static char crash_out[128];
static size_t crash_len;

static void on_crash(int sig)
{
	if (write(STDOUT_FILENO, crash_out, crash_len) < 0) {
		/* the terminal is gone: nothing to give back */
	}
	if (crash_have_tios)
		tcsetattr(STDOUT_FILENO, TCSANOW, &crash_tios);
	for (size_t i = 0; i < NCRASH; i++)
		if (crash_sigs[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
	raise(sig); /* (blocked here: delivered on return, as it was before) */
}

static void crash_add(char *cap)
{
	const char *s = tigetstr(cap);
	size_t n = s && s != (char *)-1 ? strlen(s) : 0;
	if (n && crash_len + n <= sizeof crash_out) {
		memcpy(crash_out + crash_len, s, n);
		crash_len += n;
	}
}

/* With the view's terminal current; the modes as they were before it. */
static void crash_arm(const struct termios *before)
{
	char sgr0[] = "sgr0", cnorm[] = "cnorm", rmkx[] = "rmkx", rmcup[] = "rmcup";
	crash_len = 0;
	crash_add(sgr0);
	crash_add(cnorm);
	crash_add(rmkx);
	crash_add(rmcup);
	crash_have_tios = before != NULL;
	if (before)
		crash_tios = *before;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	/* (a signal ignored, as SIGQUIT in a background job of sh, stays so) */
	for (size_t i = 0; i < NCRASH; i++)
		if (sigaction(crash_sigs[i], NULL, &crash_old[i]) == 0 && crash_old[i].sa_handler != SIG_IGN)
			sigaction(crash_sigs[i], &sa, NULL);
	crash_set = 1;
}

static void crash_disarm(void)
{
	if (!crash_set)
		return;
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_sigs[i], &crash_old[i], NULL);
	crash_set = 0;
}

static void end_curses(struct top *t)
{
	crash_disarm();
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
	t->procs = TT_HAS(tt_settings, s, processes) && s->processes && TT_HOST_HAS(t->host, process_of);
	t->lk.procs = t->procs;
	/* no processes (a file, [core] processes = no): the order of arrival,
	 * not a "Sorted by process" with no such column */
	if (!t->procs && t->sort == TOP_SORT_PROCESS)
		t->sort = TOP_SORT_NONE;
	if (t->names < 0)
		t->names = t->live;
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

	struct termios before;
	int have_before = tcgetattr(STDOUT_FILENO, &before) == 0;
	t->scr = newterm(NULL, stdout, t->in);
	if (!t->scr) {
		end_curses(t);
		return -ENOTTY;
	}
	set_term(t->scr);
	t->curses = 1;
	crash_arm(have_before ? &before : NULL);
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
	top_draw(t);
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
		t->eof = s->flags & TT_SNAP_DAMAGED ? 2 : 1;
	/* a file read faster than real time brings many snapshots a second: one
	 * per refresh of wall time is shown */
	int64_t now = mono_now_us();
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
	/* at the end of a file the capture clock stops, and with it the
	 * rates' decay: a closed connection carries nothing more, its rate
	 * is 0, not the last one before it closed (those still open keep
	 * theirs: the rate they had when the capture ended) */
	for (size_t i = 0; t->eof && i < rows->n; i++)
		if (rows->v[i].state == TT_CLOSED || rows->v[i].state == TT_RESET)
			rows->v[i].c2s_rate = rows->v[i].s2c_rate = 0;
	if (t->paused) {
		t->fresh = 1;
	} else {
		/* the total line's note goes with the rows it sums */
		t->shown_eof = t->eof;
		t->shown_pos = t->input_pos;
	}
	top_draw(t);
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
		top_take_size();
	} else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* the terminal went away: nobody is watching */
		t->host->watch_fd(t->ctx, fd, 0);
		top_act_quit(t);
		return 0;
	}
	top_read_keys(t);
	if (t->dirty && !t->quitting)
		top_draw(t);
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
	.check = top_check,
	.open = top_open,
	.start = top_start,
	.on_snapshot = top_on_snapshot,
	.on_fd = top_on_fd,
	.stop = top_stop,
	.destroy = top_destroy,
};
