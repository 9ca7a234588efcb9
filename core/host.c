/*
 * host: the plugin host.  Each [output NAME] is an instance of a plugin; the
 * instance is what plugins know as struct tt_ctx.
 */
#include "host.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "names.h"
#include "parse.h"
#include "procs.h"
#include "util.h"

#define MAX_FAILURES 10 /* consecutive failed calls before an output is disabled */
#define MAX_FDS 16

struct tt_ctx {
	struct host *host;
	const struct output_cfg *cfg;
	const struct tt_plugin *pl;
	void *dl;
	void *state;
	int created;
	int started;
	int disabled;
	int failures;
	int64_t period;       /* snapshot period, 0 = none */
	unsigned pflags;
	int64_t next;         /* next snapshot deadline */
	int64_t prev;         /* time of the previous snapshot */
	uint64_t prev_drops[2]; /* kernel and interface drops at that snapshot */
	int asked;            /* host->snapshot was called */
	struct { int fd; short events; } fds[MAX_FDS];
	int nfds;
	uint32_t events;      /* TT_EV_* it receives: tt_plugin.events, or set_events' */
	uint32_t caps;        /* TT_CAP_*: tt_plugin.caps, or set_caps' */
	int fixed;            /* start returned: events and caps are final */
};

struct host {
	struct host_env env;
	const struct conntab *tab;
	struct names *names;  /* NULL: no names */
	int names_on_open;    /* ask for a connection's names when it opens */
	struct procs *procs;  /* NULL: no processes */
	struct tt_ctx *insts;
	size_t ninsts;
	uint64_t errors;      /* errors of the outputs: logged as such, a start
	                       * that failed, an output disabled */
};

struct host *host_new(const struct host_env *env)
{
	struct host *h = xcalloc(1, sizeof *h);
	h->env = *env;
	return h;
}

/* ---- the host API given to plugins ---- */

static void api_log(struct tt_ctx *ctx, int level, const char *fmt, ...)
{
	char prefix[160];
	snprintf(prefix, sizeof prefix, "%s%s: ", level <= TT_LOG_ERR ? "error: " : "",
	         ctx ? ctx->cfg->name : "plugin");
	if (level <= TT_LOG_ERR && ctx)
		ctx->host->errors++;
	va_list ap;
	va_start(ap, fmt);
	vmsg(prefix, fmt, ap);
	va_end(ap);
}

static void api_request_quit(struct tt_ctx *ctx)
{
	ctx->host->env.quit(ctx->host->env.arg);
}

static int64_t next_deadline(int64_t now, int64_t period, unsigned flags)
{
	if (flags & TT_INTERVAL_ALIGNED)
		return (now / period + 1) * period;
	return now + period;
}

static int api_set_interval(struct tt_ctx *ctx, int64_t period_us, unsigned flags)
{
	if (period_us < 0)
		return -EINVAL;
	ctx->period = period_us;
	ctx->pflags = flags;
	if (period_us > 0) {
		const struct host_env *env = &ctx->host->env;
		int64_t now = env->now(env->arg);
		if (!now && env->settings->live)
			now = now_realtime_us();
		ctx->next = now ? next_deadline(now, period_us, flags) : 0; /* 0: set at the first packet */
	}
	return 0;
}

static void api_snapshot(struct tt_ctx *ctx)
{
	ctx->asked = 1;
}

static int api_watch_fd(struct tt_ctx *ctx, int fd, short events)
{
	for (int i = 0; i < ctx->nfds; i++) {
		if (ctx->fds[i].fd == fd) {
			if (events)
				ctx->fds[i].events = events;
			else
				ctx->fds[i] = ctx->fds[--ctx->nfds];
			return 0;
		}
	}
	if (!events)
		return 0;
	if (ctx->nfds >= MAX_FDS)
		return -ENOSPC;
	ctx->fds[ctx->nfds].fd = fd;
	ctx->fds[ctx->nfds].events = events;
	ctx->nfds++;
	return 0;
}

static int64_t api_now(struct tt_ctx *ctx)
{
	return ctx->host->env.now(ctx->host->env.arg);
}

static const char *api_format_addr(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *api_state_name(unsigned s)
{
	static const char *names[TT_NSTATES] = {
		"SYN_SENT", "SYN|ACK-ACK", "ESTABLISHED", "CLOSING", "CLOSED", "RESET",
	};
	return s < TT_NSTATES ? names[s] : "?";
}

static const struct tt_settings *api_settings(struct tt_ctx *ctx)
{
	return ctx->host->env.settings;
}

static const struct tt_stats *api_stats(struct tt_ctx *ctx)
{
	return ctx->host->env.stats(ctx->host->env.arg);
}

/* ---- ABI 1.1 ---- */

static int api_set_events(struct tt_ctx *ctx, uint32_t events)
{
	if (ctx->fixed)
		return -EBUSY;
	ctx->events = events;
	return 0;
}

#define KNOWN_CAPS (TT_CAP_TERMINAL | TT_CAP_NO_RATES | TT_CAP_STDOUT)

static int api_set_caps(struct tt_ctx *ctx, uint32_t caps)
{
	if (ctx->fixed)
		return -EBUSY;
	/* the terminal is the descriptor's: how a file is read and whether
	 * messages are held are chosen from it before open */
	if ((caps & ~KNOWN_CAPS) || ((caps ^ ctx->pl->caps) & TT_CAP_TERMINAL))
		return -EINVAL;
	ctx->caps = caps;
	return 0;
}

static const char *api_reason_name(unsigned reason)
{
	/* the words of the csv plugin's end column */
	static const char *const names[] = {
		"", "closed", "syn_timeout", "fin_timeout", "idle", "evicted", "reused", "exit",
	};
	_Static_assert(sizeof names / sizeof names[0] == TT_RM_EXIT + 1, "a reason without a name");
	return reason < sizeof names / sizeof names[0] ? names[reason] : "";
}

/* ---- ABI 1.2 ---- */

static size_t api_name_of(struct tt_ctx *ctx, int family, const uint8_t *addr, char *buf, size_t len)
{
	if (family != 4 && family != 6)
		return 0;
	return names_get(ctx->host->names, family, addr, buf, len);
}

static const char *api_service_of(struct tt_ctx *ctx, uint16_t port)
{
	return names_service(ctx->host->names, port);
}

static int api_process_of(struct tt_ctx *ctx, const struct tt_conn *conn, struct tt_process *out)
{
	struct procs_info pi;
	if (!out || out->size < offsetof(struct tt_process, comm) ||
	    !procs_get(ctx->host->procs, conn->id, &pi))
		return 0;
	/* a plugin of before ABI 1.4 is told of a process, never of its owner alone */
	if (!pi.pid && out->size < offsetof(struct tt_process, known) + sizeof out->known)
		return 0;
	struct tt_process full = {.size = out->size, .pid = pi.pid, .uid = pi.uid,
	                          .known = TT_PROC_OWNER | (pi.pid ? TT_PROC_PROCESS : 0)};
	memcpy(full.comm, pi.comm, sizeof full.comm);
	memcpy(full.user, pi.user, sizeof full.user);
	size_t n = out->size < sizeof full ? out->size : sizeof full;
	memcpy(out, &full, n);
	return 1;
}

static const struct tt_host host_api = {
	.size = sizeof(struct tt_host),
	.abi_major = TT_ABI_MAJOR,
	.abi_minor = TT_ABI_MINOR,
	.log = api_log,
	.request_quit = api_request_quit,
	.set_interval = api_set_interval,
	.snapshot = api_snapshot,
	.watch_fd = api_watch_fd,
	.now = api_now,
	.format_addr = api_format_addr,
	.state_name = api_state_name,
	.settings = api_settings,
	.stats = api_stats,
	.set_events = api_set_events,
	.set_caps = api_set_caps,
	.parse_duration = parse_duration,
	.parse_size = parse_size,
	.parse_bool = parse_bool,
	.parse_double = parse_double,
	.reason_name = api_reason_name,
	.name_of = api_name_of,
	.service_of = api_service_of,
	.process_of = api_process_of,
};

/* ---- calling plugins ---- */

/* Count a failed call; a plugin that keeps failing is disabled. */
static void result(struct tt_ctx *ctx, int r, const char *what)
{
	if (r >= 0) {
		ctx->failures = 0;
		return;
	}
	if (++ctx->failures >= MAX_FAILURES && !ctx->disabled) {
		ctx->disabled = 1;
		ctx->host->errors++;
		msg("output %s: %s failed %d times in a row (%s): output disabled, the others go on",
		    ctx->cfg->name, what, ctx->failures, strerror(-r));
	}
}

#define CALL(ctx, fn, ...) \
	((ctx)->pl->fn && !(ctx)->disabled ? (ctx)->pl->fn((ctx)->state __VA_OPT__(,) __VA_ARGS__) : 0)

/* ---- loading ---- */

static int where(const struct output_cfg *o, int line, char *buf, size_t len)
{
	if (!strcmp(o->file, "-o"))
		return snprintf(buf, len, "-o %s", o->name);
	if (!strcmp(o->file, OUTPUT_DEFAULT))
		return snprintf(buf, len, "the default output (%s: no -o and no [output] given)", o->name);
	return snprintf(buf, len, "%s:%d", o->file, line);
}

static int refuse(char *err, size_t errlen, const struct output_cfg *o, int line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int refuse(char *err, size_t errlen, const struct output_cfg *o, int line,
                  const char *fmt, ...)
{
	int n = where(o, line, err, errlen);
	if (n >= 0 && (size_t)n < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return EXIT_CONFIG;
}

/* The directory of plugins named without a path, and what named it. */
static const char *plugin_dir(const struct config *cfg, const char **from)
{
	*from = "[core] plugin_dir";
	if (cfg->plugin_dir)
		return cfg->plugin_dir;
	const char *env = getenv("TCPTRACK_PLUGIN_DIR");
	*from = "TCPTRACK_PLUGIN_DIR";
	if (env && *env)
		return env;
	*from = "the built-in plugin directory";
	return PLUGINDIR;
}

static int valid_plugin_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* The line a check's reason is about: that of the key it starts with
 * ("file /x: ...", "interval needs ..."), else the section's. */
static int key_line(const struct output_cfg *o, const char *why)
{
	size_t n = strspn(why, "abcdefghijklmnopqrstuvwxyz_");
	for (size_t i = 0; n && i < o->nkv; i++)
		if (strlen(o->kv[i].key) == n && !strncmp(o->kv[i].key, why, n) && o->kv[i].line)
			return o->kv[i].line;
	return o->line;
}

/* A shared object cut short (a copy or an install that did not finish):
 * dlopen maps its segments past the file's end, and the first touch of them
 * is a SIGBUS.  The size it needs at least when that is more than SIZE, else
 * 0 (a file that is no ELF object of this class is left to dlopen). */
static unsigned long long elf_cut_short(const char *path, off_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ElfW(Ehdr) eh;
	unsigned long long end = 0;
	if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) &&
	    eh.e_phentsize == sizeof(ElfW(Phdr))) {
		end = (unsigned long long)eh.e_phoff + (unsigned long long)eh.e_phnum * sizeof(ElfW(Phdr));
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			ElfW(Phdr) ph;
			if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) != (ssize_t)sizeof ph)
				break;
			if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > end)
				end = ph.p_offset + ph.p_filesz;
		}
	}
	close(fd);
	return end > (unsigned long long)size ? end : 0;
}

static int load_one(const struct config *cfg, const struct output_cfg *o, struct tt_ctx *ctx,
                    char *err, size_t errlen)
{
	char path[4096];
	int pl = o->plugin_line ? o->plugin_line : o->line;
	if (strchr(o->plugin, '/')) {
		if (o->plugin[0] != '/')
			return refuse(err, errlen, o, pl, ": key 'plugin': '%s': a plugin path must be absolute",
			              o->plugin);
		snprintf(path, sizeof path, "%s", o->plugin);
	} else {
		if (!valid_plugin_name(o->plugin))
			return refuse(err, errlen, o, pl, ": key 'plugin': '%s': not a plugin name", o->plugin);
		const char *from, *dir = plugin_dir(cfg, &from);
		/* a relative directory would be the working directory's: code
		 * loaded from wherever tcptrack happened to be started */
		if (dir[0] != '/')
			return refuse(err, errlen, o, pl, ": key 'plugin': %s '%s' must be an absolute path",
			              from, dir);
		int n = snprintf(path, sizeof path, "%s/%s.so", dir, o->plugin);
		if (n < 0 || (size_t)n >= sizeof path)
			return refuse(err, errlen, o, pl, ": key 'plugin': path too long");
	}
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT && !strchr(o->plugin, '/'))
			return refuse(err, errlen, o, pl, ": key 'plugin': unknown plugin '%s' (no %s)",
			              o->plugin, path);
		return refuse(err, errlen, o, pl, ": key 'plugin': %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return refuse(err, errlen, o, pl, ": key 'plugin': %s: not a regular file", path);
	/* as sshd's StrictModes: code others can change is not loaded */
	char why[512];
	if (util_untrusted(path, &st, why, sizeof why))
		return refuse(err, errlen, o, pl, ": key 'plugin': %s: refusing a plugin %s", path, why);
	unsigned long long end = elf_cut_short(path, st.st_size);
	if (end)
		return refuse(err, errlen, o, pl, ": key 'plugin': %s: cut short (%lld bytes, %llu at least)",
		              path, (long long)st.st_size, end);
	ctx->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!ctx->dl)
		return refuse(err, errlen, o, pl, ": key 'plugin': cannot load %s: %s", path, dlerror());
	const struct tt_plugin *p = dlsym(ctx->dl, TT_PLUGIN_SYMBOL);
	if (!p)
		return refuse(err, errlen, o, pl, ": key 'plugin': %s is not a tcptrack plugin (no symbol %s)",
		              path, TT_PLUGIN_SYMBOL);
	if (p->abi_major != TT_ABI_MAJOR)
		return refuse(err, errlen, o, pl, ": key 'plugin': %s speaks plugin ABI %u.%u, this tcptrack ABI %d.%d",
		              path, p->abi_major, p->abi_minor, TT_ABI_MAJOR, TT_ABI_MINOR);
	if (p->size < offsetof(struct tt_plugin, destroy) + sizeof p->destroy)
		return refuse(err, errlen, o, pl, ": key 'plugin': %s: plugin descriptor too short (%u bytes, need %zu)",
		              path, p->size, offsetof(struct tt_plugin, destroy) + sizeof p->destroy);
	if (!p->create || !p->name)
		return refuse(err, errlen, o, pl, ": key 'plugin': %s: plugin has no name or create()", path);
	ctx->pl = p;
	ctx->cfg = o;
	ctx->events = p->events;
	ctx->caps = p->caps;

	/* every key must be one the plugin declared */
	for (size_t i = 0; i < o->nkv; i++) {
		int known = 0;
		for (const char *const *k = p->keys; k && *k && !known; k++)
			known = !strcmp(*k, o->kv[i].key);
		if (known)
			continue;
		/* a [core] key in an output's section: say where it goes */
		if (config_core_index(o->kv[i].key) >= 0)
			return refuse(err, errlen, o, o->kv[i].line,
			              ": key '%s': unknown key for plugin %s (a [core] key: it goes in the [core] section)",
			              o->kv[i].key, p->name);
		const char *near = util_nearest(o->kv[i].key, p->keys);
		return refuse(err, errlen, o, o->kv[i].line, ": key '%s': unknown key for plugin %s%s%s%s",
		              o->kv[i].key, p->name, near ? " (did you mean '" : "", near ? near : "",
		              near ? "'?)" : "");
	}
	int r = p->create(&host_api, ctx, o->name, &ctx->state);
	if (r < 0)
		return refuse(err, errlen, o, o->line, ": output %s: cannot create: %s", o->name, strerror(-r));
	ctx->created = 1;
	for (size_t i = 0; i < o->nkv; i++) {
		why[0] = 0;
		if (p->configure && p->configure(ctx->state, o->kv[i].key, o->kv[i].value, why, sizeof why) < 0)
			return refuse(err, errlen, o, o->kv[i].line, ": key '%s': %s", o->kv[i].key,
			              why[0] ? why : "bad value");
	}
	why[0] = 0;
	if (p->check && p->check(ctx->state, why, sizeof why) < 0) {
		/* "FILE:LINE: output NAME: ...", "-o NAME: ..." (which names it) */
		int in_file = strcmp(o->file, "-o") && strcmp(o->file, OUTPUT_DEFAULT);
		return refuse(err, errlen, o, key_line(o, why), ": %s%s%s%s", in_file ? "output " : "",
		              in_file ? o->name : "", in_file ? ": " : "", why[0] ? why : "bad configuration");
	}
	return 0;
}

/* Standard output is one output's: two would mix their lines, and a
 * terminal output draws there (its rows would be drawn over, then wiped
 * with the screen at exit). */
static int stdout_shared(const struct host *h, char *err, size_t errlen)
{
	const struct tt_ctx *out = NULL, *term = NULL;
	for (size_t i = 0; i < h->ninsts; i++) {
		const struct tt_ctx *c = &h->insts[i];
		if (c->caps & TT_CAP_TERMINAL)
			term = c;
		if (!(c->caps & TT_CAP_STDOUT))
			continue;
		if (out)
			return refuse(err, errlen, c->cfg, c->cfg->line,
			              ": outputs %s and %s both write standard output: give one a file",
			              out->cfg->name, c->cfg->name);
		out = c;
	}
	if (out && term)
		return refuse(err, errlen, out->cfg, out->cfg->line,
		              ": output %s writes standard output, where the view (output %s) draws: give it "
		              "a file", out->cfg->name, term->cfg->name);
	return 0;
}

int host_load(struct host *h, const struct config *cfg, char *err, size_t errlen)
{
	h->insts = xcalloc(cfg->noutputs, sizeof *h->insts);
	h->ninsts = cfg->noutputs;
	int terminals = 0;
	for (size_t i = 0; i < cfg->noutputs; i++) {
		h->insts[i].host = h;
		h->insts[i].cfg = &cfg->outputs[i];
		int r = load_one(cfg, &cfg->outputs[i], &h->insts[i], err, errlen);
		if (r)
			return r;
		if (h->insts[i].pl->caps & TT_CAP_TERMINAL)
			terminals++;
		if (terminals > 1)
			return refuse(err, errlen, &cfg->outputs[i], cfg->outputs[i].line,
			              ": output %s: only one terminal output can run", cfg->outputs[i].name);
	}
	return stdout_shared(h, err, errlen);
}

int host_open(struct host *h, char *err, size_t errlen)
{
	for (size_t i = 0; i < h->ninsts; i++) {
		struct tt_ctx *c = &h->insts[i];
		char why[512] = "";
		int r = c->pl->open ? c->pl->open(c->state, why, sizeof why) : 0;
		if (r < 0) {
			snprintf(err, errlen, "output %s: %s", c->cfg->name, why[0] ? why : "cannot open");
			return r;
		}
	}
	return 0;
}

void host_start(struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++) {
		struct tt_ctx *c = &h->insts[i];
		int r = c->pl->start ? c->pl->start(c->state) : 0;
		c->fixed = 1;
		if (r < 0) {
			msg("output %s: cannot start: %s; output disabled", c->cfg->name, strerror(-r));
			c->disabled = 1;
			h->errors++;
		} else {
			c->started = 1;
			/* the terminal is the view's now: messages wait until it is restored */
			if (c->caps & TT_CAP_TERMINAL)
				util_hold_messages = 1;
		}
	}
}

/* The union over the outputs that run: one whose start failed wants
 * nothing any more. */
uint32_t host_event_mask(const struct host *h)
{
	uint32_t mask = 0;
	for (size_t i = 0; i < h->ninsts; i++)
		if (!h->insts[i].disabled)
			mask |= h->insts[i].events;
	return mask;
}

int host_needs_rates(const struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if (!(h->insts[i].caps & TT_CAP_NO_RATES) && !h->insts[i].disabled)
			return 1;
	return 0;
}

int host_interactive(const struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if ((h->insts[i].caps & TT_CAP_TERMINAL) && !h->insts[i].disabled)
			return 1;
	return 0;
}

void host_set_table(struct host *h, const struct conntab *tab)
{
	h->tab = tab;
}

void host_set_sources(struct host *h, struct names *names, int names_on_open, struct procs *procs)
{
	h->names = names;
	h->names_on_open = names_on_open;
	h->procs = procs;
}

uint32_t host_source_events(const struct host *h)
{
	return (h->procs || h->names_on_open) ? TT_EV_OPENED | TT_EV_REMOVED : 0;
}

/* ---- events and snapshots ---- */

void host_conn_event(void *arg, uint32_t type, const struct conn *c,
                     uint32_t old_state, uint32_t reason, int64_t now)
{
	struct host *h = arg;
	struct tt_conn view;
	conntab_view(h->tab, c, &view);
	struct tt_event ev = {
		.size = sizeof ev, .type = type, .time_us = now, .conn = &view,
		.old_state = old_state, .reason = reason,
	};
	if (type == TT_EV_OPENED) {
		/* before the outputs see it: a lookup sent now has the most time */
		if (h->procs)
			procs_opened(h->procs, view.id, view.family, view.client, view.client_port,
			             view.server, view.server_port);
		if (h->names_on_open) {
			names_want(h->names, view.family, view.client);
			names_want(h->names, view.family, view.server);
		}
	}
	for (size_t i = 0; i < h->ninsts; i++) {
		struct tt_ctx *x = &h->insts[i];
		if (!(x->events & type) || !x->started)
			continue;
		result(x, CALL(x, on_event, &ev), "on_event");
	}
	if (type == TT_EV_REMOVED && h->procs)
		procs_removed(h->procs, view.id);
}

struct iter {
	const struct conntab *tab;
	tt_conn_cb cb;
	void *arg;
};

static int iter_one(void *arg, const struct conn *c)
{
	struct iter *it = arg;
	struct tt_conn view;
	conntab_view(it->tab, c, &view);
	return it->cb(it->arg, &view);
}

/* What a snapshot's foreach needs: the table, and which connections the
 * table only holds (no longer shown) it walks too. */
struct snap_priv {
	const struct host *h;
	int64_t held_since;
};

static int snap_foreach(const struct tt_snapshot *s, tt_conn_cb cb, void *arg)
{
	const struct snap_priv *sp = s->priv;
	struct iter it = {sp->h->tab, cb, arg};
	return conntab_foreach(sp->h->tab, sp->held_since, iter_one, &it);
}

static void send_snapshot(struct host *h, struct tt_ctx *x, int64_t t, uint32_t flags)
{
	/* an output that follows connections to their REMOVED event sees them
	 * until then (a periodic log gets the last counts of a closed one in
	 * the period they belong to); the others what the view shows */
	struct snap_priv sp = {h, (x->events & TT_EV_REMOVED) ? INT64_MIN : INT64_MAX};
	struct tt_snapshot s = {
		.size = sizeof s,
		.flags = flags,
		.time_us = t,
		.foreach = snap_foreach,
		.priv = &sp,
	};
	h->env.fill_snapshot(h->env.arg, &s);
	s.prev_us = x->prev ? x->prev : s.start_us;
	if (s.stats) {
		s.kernel_drops = s.stats->kernel_drops - x->prev_drops[0];
		s.if_drops = s.stats->if_drops - x->prev_drops[1];
	}
	if (!flags) {
		x->prev = t;
		if (s.stats) {
			x->prev_drops[0] = s.stats->kernel_drops;
			x->prev_drops[1] = s.stats->if_drops;
		}
	}
	result(x, CALL(x, on_snapshot, &s), "on_snapshot");
}

int64_t host_next_deadline(const struct host *h)
{
	int64_t d = INT64_MAX;
	for (size_t i = 0; i < h->ninsts; i++) {
		const struct tt_ctx *x = &h->insts[i];
		if (!x->started || x->disabled)
			continue;
		if (x->period > 0 && x->next && x->next < d)
			d = x->next;
	}
	return d;
}

int host_snapshot_pending(const struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++) {
		const struct tt_ctx *x = &h->insts[i];
		if (x->started && !x->disabled && x->asked)
			return 1;
	}
	return 0;
}

void host_run_timers(struct host *h, int64_t now)
{
	for (size_t i = 0; i < h->ninsts; i++) {
		struct tt_ctx *x = &h->insts[i];
		if (!x->started || x->disabled)
			continue;
		if (x->period > 0 && !x->next)
			x->next = next_deadline(now, x->period, x->pflags);
		if (x->period > 0 && x->next <= now) {
			int64_t t = x->next;
			x->next = next_deadline(now, x->period, x->pflags);
			/* aligned periods report the boundary they close */
			send_snapshot(h, x, (x->pflags & TT_INTERVAL_ALIGNED) ? t : now, 0);
		}
		if (x->asked) {
			x->asked = 0;
			send_snapshot(h, x, now, TT_SNAP_ASKED);
		}
	}
}

void host_snapshot_all(struct host *h, int64_t now, uint32_t flags)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if (h->insts[i].started && !h->insts[i].disabled)
			send_snapshot(h, &h->insts[i], now, flags);
}

/* ---- file descriptors ---- */

int host_has_fds(const struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if (h->insts[i].nfds && h->insts[i].started && !h->insts[i].disabled)
			return 1;
	return 0;
}

int host_pollfds(const struct host *h, struct pollfd *fds, int max)
{
	int n = 0;
	for (size_t i = 0; i < h->ninsts; i++) {
		const struct tt_ctx *x = &h->insts[i];
		if (!x->started || x->disabled)
			continue;
		for (int j = 0; j < x->nfds && n < max; j++) {
			fds[n].fd = x->fds[j].fd;
			fds[n].events = x->fds[j].events;
			fds[n].revents = 0;
			n++;
		}
	}
	return n;
}

void host_fd_ready(struct host *h, const struct pollfd *fds, int n)
{
	for (int k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		for (size_t i = 0; i < h->ninsts; i++) {
			struct tt_ctx *x = &h->insts[i];
			if (!x->started || x->disabled)
				continue;
			for (int j = 0; j < x->nfds; j++)
				if (x->fds[j].fd == fds[k].fd) {
					result(x, CALL(x, on_fd, fds[k].fd, fds[k].revents), "on_fd");
					break;
				}
		}
	}
}

/* ---- the end ---- */

void host_reopen(struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if (h->insts[i].started)
			result(&h->insts[i], CALL(&h->insts[i], reopen), "reopen");
}

void host_flush(struct host *h)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if (h->insts[i].started)
			result(&h->insts[i], CALL(&h->insts[i], flush), "flush");
}

uint64_t host_errors(const struct host *h)
{
	return h->errors;
}

void host_stop(struct host *h)
{
	/* the terminal output last, so that the screen is restored after the
	 * others have written their messages */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < h->ninsts; i++) {
			struct tt_ctx *x = &h->insts[i];
			int term = (x->caps & TT_CAP_TERMINAL) != 0;
			if (x->started && term == pass && x->pl->stop)
				x->pl->stop(x->state);
			if (term == pass)
				x->started = 0;
		}
}

void host_emergency_stop(struct host *h)
{
	for (size_t i = 0; h && i < h->ninsts; i++) {
		struct tt_ctx *x = &h->insts[i];
		if (x->started && (x->caps & TT_CAP_TERMINAL) && x->pl->stop) {
			x->started = 0;
			x->pl->stop(x->state);
		}
	}
}

void host_free(struct host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ninsts; i++) {
		struct tt_ctx *x = &h->insts[i];
		if (x->created && x->pl->destroy)
			x->pl->destroy(x->state);
		/* plugins stay mapped: a destructor or atexit handler of theirs
		 * may still run */
	}
	free(h->insts);
	free(h);
}
