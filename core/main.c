/*
 * tcptrack: command line, start-up, and the one event loop.
 *
 * Packets are handled in batches: the pcap callback decodes a packet,
 * hashes its key and prefetches its index slot; then the batch prefetches
 * the entries; only then are the entries updated.  A batch therefore waits
 * for its memory once, not once per packet.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "conntab.h"
#include "core.h"
#include "decode.h"
#include "host.h"
#include "pcapfile.h"
#include "util.h"

#define BATCH 64

struct core core;

static pcap_t *pc;
static struct pcapfile *pf;  /* the fast reader of a file, when it takes it */
static int dlt;
static const char *input_name;
static volatile sig_atomic_t got_hup, got_stop;
static int64_t next_tick, tick_us;
static int64_t deadline;   /* earliest of next_tick and the plugins' */
static int show_progress;
static int exit_code;      /* the status after a clean stop (0, or why it stopped) */

struct batch {
	int n;
	int64_t ts[BATCH];
	uint64_t h[BATCH];
	uint8_t tcp[BATCH];  /* 0: not TCP, only its time counts */
	struct pkt p[BATCH];
};

void core_sync_stats(void)
{
	const struct conntab_stats *t = conntab_stats(core.tab);
	struct tt_stats *s = &core.stats;
	s->size = sizeof *s;
	s->non_tcp = core.decode_counts[DECODE_NON_TCP];
	s->fragments = core.decode_counts[DECODE_FRAGMENT];
	s->truncated = core.decode_counts[DECODE_TRUNCATED];
	s->invalid = core.decode_counts[DECODE_INVALID];
	s->unsupported = core.decode_counts[DECODE_UNSUPPORTED];
	s->tcp_packets = t->pk[0] + t->pk[1];
	s->untracked = t->untracked;
	s->connections = t->opened;
	s->evicted = t->evicted;
	s->resets = t->resets;
	s->kernel_drops = core.kernel_drops;
	s->if_drops = core.if_drops;
	s->total.packets = t->pk[0] + t->pk[1];
	s->total.bytes = t->by[0] + t->by[1];
	s->total.payload = t->pl[0] + t->pl[1];
}

/* ---- timers ---- */

static void update_deadline(void)
{
	int64_t h = host_next_deadline();
	deadline = next_tick < h ? next_tick : h;
}

static void start_clock(int64_t t)
{
	core.start_us = t;
	core.now_us = t;
	next_tick = (t / tick_us + 1) * tick_us;
	host_run_timers(t); /* plugins' first deadlines count from here */
	update_deadline();
}

/* Run everything due at or before t on the capture clock. */
static void run_timers(int64_t t)
{
	while (next_tick <= t) {
		int64_t tick = next_tick;
		core.now_us = tick > core.now_us ? tick : core.now_us;
		conntab_tick(core.tab, tick);
		next_tick += tick_us;
		if (next_tick <= t && t - next_tick > 10 * tick_us) {
			/* a jump in the capture clock: one more tick ages everything,
			 * there is no need to walk through every one in between */
			next_tick = (t / tick_us) * tick_us;
		}
		if (core.live && pc)
			capture_drops(pc, &core.kernel_drops, &core.if_drops);
	}
	host_run_timers(t);
	update_deadline();
}

/* ---- packets ---- */

/* The pcap callback: decode, hash, and start loading the index slot. Every
 * packet keeps its place in the batch, so time advances in packet order. */
static void add_packet(struct batch *b, int i, int64_t ts, enum decode_result r)
{
	core.stats.packets++;
	b->ts[i] = ts;
	b->p[i].ts = ts; /* its own time, for round trips, where ts[i] may be held back */
	b->tcp[i] = r == DECODE_TCP;
	if (r != DECODE_TCP) {
		core.decode_counts[r]++;
		return;
	}
	b->h[i] = conntab_hash(core.tab, &b->p[i]);
	conntab_prefetch_slot(core.tab, b->h[i]);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct batch *b = (struct batch *)user;
	int i = b->n++;
	enum decode_result r = decode(dlt, data, hdr->caplen, hdr->len, &b->p[i]);
	add_packet(b, i, (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec, r);
}

/* The same for a packet the file reader decoded ahead. */
static void on_decoded(void *user, const struct pcapfile_pkt *d)
{
	struct batch *b = user;
	int i = b->n++;
	b->p[i] = d->p;
	add_packet(b, i, d->ts, d->result);
}

/* How many packets ahead an entry is prefetched: enough to cover a memory
 * miss, few enough that the prefetches fit the core's fill buffers. */
#define PREFETCH_AHEAD 16

static void process_batch(struct batch *b)
{
	for (int i = 0; i < b->n && i < PREFETCH_AHEAD; i++)
		if (b->tcp[i])
			conntab_prefetch_entry(core.tab, b->h[i]);
	for (int i = 0; i < b->n; i++) {
		int j = i + PREFETCH_AHEAD;
		if (j < b->n && b->tcp[j])
			conntab_prefetch_entry(core.tab, b->h[j]);
		int64_t ts = b->ts[i];
		if (core.live) {
			/* live: timers run on the system clock in the loop; a packet
			 * keeps its own time */
		} else if (!core.start_us) {
			start_clock(ts);
		} else if (ts > core.now_us) {
			if (ts >= deadline)
				run_timers(ts);
			core.now_us = ts;
		} else {
			ts = core.now_us; /* time never runs backwards */
		}
		if (b->tcp[i])
			conntab_packet(core.tab, &b->p[i], b->h[i], ts);
	}
	b->n = 0;
}

/* ---- signals ---- */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static void signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* a stop interrupts a blocking read of a pipe (-T -); a reopen must
	 * not, or libpcap would take the interrupted read for a damaged file */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int check_signals(void)
{
	if (got_hup) {
		got_hup = 0;
		/* for a view, a hangup is its terminal going away: stop; for a
		 * service, the signal to reopen its files (logrotate) */
		if (host_interactive())
			got_stop = 1;
		else
			host_reopen();
	}
	if (got_stop)
		core.quit = 1;
	return core.quit;
}

/* ---- progress on stderr for a long file ---- */

static void progress(int done)
{
	static int64_t last;
	static int shown;
	int64_t t = now_monotonic_us();
	if (!done && t - last < 250000)
		return;
	last = t;
	FILE *f = pcap_file(pc);
	if (pf)
		core.input_pos = pcapfile_pos(pf); /* also for the plugins' snapshots */
	else if (f && core.input_size > 0)
		core.input_pos = ftell(f);
	if (!show_progress)
		return;
	if (done) {
		if (shown)
			fprintf(stderr, "\r\033[K");
		return;
	}
	if (core.input_size > 0) {
		fprintf(stderr, "\rtcptrack: reading %s: %3d%% (%llu packets)\033[K", input_name,
		        (int)(100.0 * (double)core.input_pos / (double)core.input_size),
		        (unsigned long long)core.stats.packets);
		shown = 1;
	}
}

/* ---- the loops ---- */

static void poll_plugins(int timeout_ms)
{
	struct pollfd fds[32];
	int n = host_pollfds(fds, 32);
	if (!n) {
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return;
	}
	if (poll(fds, (nfds_t)n, timeout_ms) > 0) {
		host_fd_ready(fds, n);
		update_deadline(); /* a plugin may have asked for a snapshot */
	}
}

/* pcap_dispatch() said -1: a damaged file is read up to the damage. */
static void read_error(void)
{
	if (got_stop)
		return; /* a signal interrupted the read: not damage */
	msg("%s: %s: read up to the damage (%llu packets)", input_name,
	    pf ? pcapfile_error(pf) : pcap_geterr(pc),
	    (unsigned long long)core.stats.packets);
}

/* A file as fast as possible (headless, or replay_speed 0). */
static void loop_file_fast(void)
{
	struct batch b;
	b.n = 0;
	int interactive = host_interactive();
	/* a pipe (-T -) may deliver slowly: take packets as they come, and
	 * serve the plugins between them, rather than wait for a full batch */
	int stream = core.input_size < 0;
	int batch = stream ? 1 : BATCH;
	for (unsigned iter = 0; !check_signals(); iter++) {
		int r = pf && pcapfile_ahead(pf) ? pcapfile_dispatch_decoded(pf, batch, on_decoded, &b)
		        : pf ? pcapfile_dispatch(pf, batch, on_packet, (u_char *)&b)
		             : pcap_dispatch(pc, batch, on_packet, (u_char *)&b);
		process_batch(&b);
		if (r == 0 || r == PCAP_ERROR_BREAK)
			break;
		if (r < 0) {
			read_error();
			break;
		}
		if (stream || (iter & 63) == 0) {
			progress(0);
			if (interactive || host_has_fds()) {
				poll_plugins(0);
				if (deadline == INT64_MIN)
					run_timers(core.now_us);
			}
		}
	}
	progress(1);
}

/* A file replayed on the packet clock at replay_speed times real time. */
#define MAX_REPLAY_GAP 2e6 /* us of real time */
static void loop_file_paced(double speed)
{
	struct batch b;
	b.n = 0;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int64_t wall0 = 0, cap0 = 0;
	while (!check_signals()) {
		int r = pcap_next_ex(pc, &hdr, &data);
		if (r == PCAP_ERROR_BREAK)
			break;
		if (r < 0) {
			read_error();
			break;
		}
		int64_t ts = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
		if (!wall0) {
			wall0 = now_monotonic_us();
			cap0 = ts;
		}
		/* a silence longer than MAX_REPLAY_GAP (a capture with years
		 * between its packets) is shortened to that */
		int64_t cap_at = cap0 + (int64_t)((double)(now_monotonic_us() - wall0) * speed);
		if ((double)(ts - cap_at) / speed > MAX_REPLAY_GAP)
			cap0 += ts - cap_at - (int64_t)(MAX_REPLAY_GAP * speed);
		progress(0);
		/* wait for the packet's time, keeping the view and timers going */
		for (;;) {
			int64_t cap_now = cap0 + (int64_t)((double)(now_monotonic_us() - wall0) * speed);
			if (cap_now >= ts || check_signals())
				break;
			if (core.start_us && cap_now > core.now_us) {
				if (cap_now >= deadline)
					run_timers(cap_now);
				core.now_us = cap_now;
			}
			int64_t wait = (int64_t)((double)(ts - cap_now) / speed);
			if (deadline > core.now_us && deadline < ts) {
				int64_t w2 = (int64_t)((double)(deadline - core.now_us) / speed);
				if (w2 < wait)
					wait = w2;
			}
			int ms = (int)((wait + 999) / 1000);
			poll_plugins(ms > 200 ? 200 : ms);
			if (deadline == INT64_MIN)
				run_timers(core.now_us);
		}
		if (core.quit)
			break;
		on_packet((u_char *)&b, hdr, data);
		process_batch(&b);
		if (deadline == INT64_MIN)
			run_timers(core.now_us);
	}
}

/* Live capture: poll the capture and the plugins' descriptors. */
static void loop_live(void)
{
	struct batch b;
	b.n = 0;
	int pfd = pcap_get_selectable_fd(pc);
	while (!check_signals()) {
		struct pollfd fds[33];
		fds[0].fd = pfd;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		int n = 1 + host_pollfds(fds + 1, 32);
		int64_t now = now_realtime_us();
		int64_t wait = deadline > now ? deadline - now : 0; /* INT64_MIN: at once */
		int ms = (int)((wait + 999) / 1000);
		if (ms > 1000)
			ms = 1000;
		int r = poll(fds, (nfds_t)n, ms);
		if (r < 0 && errno != EINTR)
			fatal(EXIT_OSERR, "poll: %s", strerror(errno));
		if (r > 0 && (fds[0].revents & (POLLERR | POLLNVAL))) {
			/* a vanished interface: say so and stop cleanly, with
			 * every output flushed, rather than spin on the error */
			int got = pcap_dispatch(pc, 1, on_packet, (u_char *)&b);
			process_batch(&b);
			msg("capture: %s: %s", input_name,
			    got < 0 ? pcap_geterr(pc) : "the interface went down or away");
			exit_code = EXIT_UNAVAILABLE;
			break;
		}
		/* drain what the kernel has, a bounded number of batches at a time */
		for (int i = 0; i < 256; i++) {
			int got = pcap_dispatch(pc, BATCH, on_packet, (u_char *)&b);
			process_batch(&b);
			if (got == PCAP_ERROR) {
				msg("capture: %s: %s", input_name, pcap_geterr(pc));
				exit_code = EXIT_UNAVAILABLE;
				core.quit = 1;
				break;
			}
			if (got <= 0)
				break;
		}
		now = now_realtime_us();
		if (now > core.now_us)
			core.now_us = now;
		if (!core.start_us)
			start_clock(now);
		if (now >= deadline)
			run_timers(now);
		if (r > 0 && n > 1) {
			host_fd_ready(fds + 1, n - 1);
			update_deadline(); /* a plugin may have asked for a snapshot */
		}
		if (deadline == INT64_MIN)
			run_timers(core.now_us);
	}
}

/* After the end of a file with a terminal view: keep it until q. */
static void hold_view(void)
{
	while (!check_signals()) {
		poll_plugins(200);
		if (deadline == INT64_MIN)
			run_timers(core.now_us);
	}
}

/* ---- start-up ---- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tcptrack [-dfhpv] [-r seconds] [-c config] [-o output] [-Z user]\n"
	        "                [-T file | -i interface] [filter expression]\n"
	        "  -i IF      capture live on IF (also 'any'); default: the config's, else the first usable\n"
	        "  -T FILE    read a pcap or pcapng file ('-' for stdin)\n"
	        "  -d         track only connections that start (SYN) after tcptrack started\n"
	        "  -f         fast average recalculation (several times a second)\n"
	        "  -p         do not put the interface into promiscuous mode\n"
	        "  -r SECS    how long a closed connection stays shown (default 2)\n"
	        "  -c FILE    configuration file (default %s/tcptrack.conf when it exists)\n"
	        "  -o SPEC    add an output: plugin:key=value,... (e.g. csv:mode=connections,file=out.csv)\n"
	        "  -Z USER    drop privileges to USER once the capture and outputs are open\n"
	        "  --check-config  check the configuration and outputs, then exit\n"
	        "  -h         this help\n"
	        "  -v         version\n"
	        "The filter is a pcap filter expression (tcpdump syntax); only TCP is tracked.\n",
	        SYSCONFDIR);
}

static void drop_privileges(const char *user, const char *dir)
{
	if (!user)
		return;
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw)
		fatal(EXIT_CONFIG, "-Z %s: %s", user, errno ? strerror(errno) : "no such user");
	if (dir && (chroot(dir) < 0 || chdir("/") < 0))
		fatal(EXIT_OSERR, "chroot(%s): %s", dir, strerror(errno));
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		fatal(EXIT_NOPERM, "cannot become %s: %s", user, strerror(errno));
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0))
		fatal(EXIT_SOFTWARE, "dropping privileges to %s did not stick", user);
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = xmalloc(len);
	s[0] = 0;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static void summary(void)
{
	core_sync_stats();
	const struct tt_stats *s = &core.stats;
	char extra[256] = "";
	int n = 0;
	if (core.live)
		n = snprintf(extra, sizeof extra, ", %llu dropped by the kernel",
		             (unsigned long long)s->kernel_drops);
	if (s->evicted && n >= 0 && (size_t)n < sizeof extra)
		snprintf(extra + n, sizeof extra - (size_t)n, ", %llu evicted (max_connections %llu)",
		         (unsigned long long)s->evicted, (unsigned long long)core.cfg.max_connections);
	fprintf(stderr,
	        "tcptrack: %llu packets read, %llu TCP, %llu connections%s; not counted: %llu non-TCP, "
	        "%llu fragments, %llu truncated, %llu invalid, %llu unsupported, %llu untracked\n",
	        (unsigned long long)s->packets, (unsigned long long)s->tcp_packets,
	        (unsigned long long)s->connections, extra,
	        (unsigned long long)s->non_tcp, (unsigned long long)s->fragments,
	        (unsigned long long)s->truncated, (unsigned long long)s->invalid,
	        (unsigned long long)s->unsupported, (unsigned long long)s->untracked);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"check-config", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	struct config *cfg = &core.cfg;
	const char *cfgfile = NULL, *file = NULL, *iface = NULL, *user = NULL;
	const char *linger = NULL;
	/* static: it lives as long as the process, early exits included */
	static const char **specs;
	specs = xcalloc((size_t)argc + 1, sizeof *specs);
	int nspecs = 0, opt_d = 0, opt_f = 0, opt_p = 0, check_only = 0;
	char err[1024];

	util_atfatal = host_emergency_stop;
	opterr = 0;
	int o;
	while ((o = getopt_long(argc, argv, "+:dfhpvr:c:o:Z:T:i:", longopts, NULL)) != -1) {
		switch (o) {
		case 'd': opt_d = 1; break;
		case 'f': opt_f = 1; break;
		case 'p': opt_p = 1; break;
		case 'r': linger = optarg; break;
		case 'c': cfgfile = optarg; break;
		case 'o': specs[nspecs++] = optarg; break;
		case 'Z': user = optarg; break;
		case 'T': file = optarg; break;
		case 'i': iface = optarg; break;
		case 'C': check_only = 1; break;
		case 'h': usage(stdout); return 0;
		case 'v':
			printf("tcptrack %s (plugin ABI %d.%d, %s)\n", PACKAGE_VERSION, TT_ABI_MAJOR,
			       TT_ABI_MINOR, pcap_lib_version());
			return 0;
		case ':':
			msg("option -%c needs a value (tcptrack -h for help)", optopt);
			return EXIT_USAGE;
		default:
			if (optopt)
				msg("unknown option -%c (tcptrack -h for help)", optopt);
			else
				msg("unknown option %s (tcptrack -h for help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (file && iface) {
		msg("-T and -i cannot be used together");
		return EXIT_USAGE;
	}

	config_defaults(cfg);
	if (!cfgfile) {
		static const char def[] = SYSCONFDIR "/tcptrack.conf";
		if (access(def, F_OK) == 0)
			cfgfile = def;
	}
	if (cfgfile) {
		struct stat st;
		/* as sshd's StrictModes: a file that names the code tcptrack
		 * loads must not be writable by others */
		if (stat(cfgfile, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) && S_ISREG(st.st_mode)) {
			msg("%s: refusing a configuration file writable by %s", cfgfile,
			    (st.st_mode & S_IWOTH) ? "everyone" : "its group");
			return EXIT_CONFIG;
		}
		if (config_load(cfg, cfgfile, err, sizeof err) < 0) {
			msg("%s", err);
			return EXIT_CONFIG;
		}
	}
	/* the command line overrides the file */
	const char *why;
	if (opt_d)
		cfg->detect_existing = 0;
	if (opt_f)
		cfg->fast_average = 1;
	if (opt_p)
		cfg->promiscuous = 0;
	if (linger && config_set_core(cfg, "closed_linger", linger, &why) < 0) {
		msg("-r %s: %s", linger, why);
		return EXIT_USAGE;
	}
	if (user)
		config_set_core(cfg, "user", user, &why);
	if (iface)
		config_set_core(cfg, "interface", iface, &why);
	int filter_from_cli = optind < argc;
	if (filter_from_cli) {
		char *f = join_args(argc - optind, argv + optind);
		config_set_core(cfg, "filter", f, &why);
		free(f);
	}
	for (int i = 0; i < nspecs; i++)
		if (config_add_spec(cfg, specs[i], err, sizeof err) < 0) {
			msg("%s", err);
			return EXIT_CONFIG;
		}
	free(specs);
	specs = NULL;
	if (cfg->noutputs == 0) {
		/* the top view on a terminal, else a connection log on stdout */
		config_add_spec(cfg, isatty(STDOUT_FILENO) ? "top" : "csv:mode=connections,file=-",
		                err, sizeof err);
	}
	/* the settings plugins may read from create() on */
	struct tt_settings *st = &core.settings;
	st->size = sizeof *st;
	st->fast_average = cfg->fast_average;
	st->live = !file;
	st->refresh_us = cfg->refresh_us;
	st->fast_interval_us = cfg->fast_interval_us;
	st->average_us = cfg->average_us;
	st->closed_linger_us = cfg->closed_linger_us;
	st->syn_timeout_us = cfg->syn_timeout_us;
	st->fin_timeout_us = cfg->fin_timeout_us;
	st->idle_timeout_us = cfg->idle_timeout_us;
	st->max_connections = cfg->max_connections;
	st->replay_speed = cfg->replay_speed;
	st->input = file ? file : cfg->interface;
	st->filter = cfg->filter;
	st->tcp_health = cfg->tcp_health;

	int r = host_load(cfg, err, sizeof err);
	if (r) {
		msg("%s", err);
		return r;
	}
	/* what can be checked before any capture starts, is */
	if (cfg->filter) {
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
		struct bpf_program prog;
		if (dead && pcap_compile(dead, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			msg("%s%sfilter '%s': %s", filter_from_cli ? "" : cfgfile,
			    filter_from_cli ? "" : ": key 'filter': ", cfg->filter, pcap_geterr(dead));
			pcap_close(dead);
			return filter_from_cli ? EXIT_USAGE : EXIT_CONFIG;
		}
		if (dead) {
			pcap_freecode(&prog);
			pcap_close(dead);
		}
	}
	if (cfg->user && !getpwnam(cfg->user)) {
		msg("%s%suser '%s': no such user", user ? "-Z: " : cfgfile, user ? "" : ": key 'user': ", cfg->user);
		return user ? EXIT_USAGE : EXIT_CONFIG;
	}
	if (check_only) {
		printf("%s: configuration OK (%zu output%s)\n", cfgfile ? cfgfile : "command line",
		       cfg->noutputs, cfg->noutputs == 1 ? "" : "s");
		return 0;
	}

	/* the capture */
	char *ifname = NULL;
	if (file) {
		input_name = file;
		pc = capture_open_file(file, err, sizeof err);
		if (!pc) {
			msg("%s", err);
			return EXIT_NOINPUT;
		}
		struct stat sb;
		core.input_size = -1;
		if (strcmp(file, "-") && stat(file, &sb) == 0 && S_ISREG(sb.st_mode))
			core.input_size = sb.st_size;
	} else {
		core.live = 1;
		ifname = cfg->interface ? xstrdup(cfg->interface) : capture_default_interface(err, sizeof err);
		if (!ifname) {
			msg("%s", err);
			return EXIT_UNAVAILABLE;
		}
		input_name = ifname;
		int code;
		pc = capture_open_live(ifname, cfg, err, sizeof err, &code);
		if (!pc) {
			msg("%s", err);
			return code;
		}
	}
	dlt = pcap_datalink(pc);
	if (!decode_dlt_supported(dlt))
		msg("%s: link type %s (%d) carries no IP that tcptrack knows: nothing will be counted",
		    input_name, pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?", dlt);
	if (capture_set_filter(pc, cfg->filter, err, sizeof err) < 0) {
		msg("%s", err);
		return EXIT_USAGE;
	}
	/* a file read as fast as it goes: by blocks, unless the file is not
	 * one for pcapfile or TCPTRACK_READER says libpcap ("pcapfile": the
	 * block reader or nothing, for tests) */
	const char *reader = getenv("TCPTRACK_READER");
	if (file && !(host_interactive() && cfg->replay_speed > 0) && !(reader && !strcmp(reader, "libpcap"))) {
		pf = pcapfile_open(file, pc, cfg->read_ahead);
		if (pf && pcapfile_set_filter(pf, pc, cfg->filter, err, sizeof err) < 0) {
			msg("%s", err);
			return EXIT_USAGE;
		}
		if (!pf && reader && !strcmp(reader, "pcapfile")) {
			msg("%s: not a file for the block reader (TCPTRACK_READER=pcapfile)", file);
			return EXIT_NOINPUT;
		}
	}

	/* the table */
	/* Rates are sampled every tick and averaged over the window: with -f
	 * the tick is the fast interval, else the refresh interval (never more
	 * than the window), so the window slides as the view refreshes. */
	tick_us = cfg->fast_average ? cfg->fast_interval_us : cfg->refresh_us;
	if (tick_us > cfg->average_us)
		tick_us = cfg->average_us;
	struct conntab_config tc = {
		.max_connections = cfg->max_connections,
		.tick_us = tick_us,
		.window_ticks = (uint32_t)((cfg->average_us + tick_us / 2) / tick_us),
		.syn_timeout_us = cfg->syn_timeout_us,
		.fin_timeout_us = cfg->fin_timeout_us,
		.linger_us = cfg->closed_linger_us,
		.idle_timeout_us = cfg->idle_timeout_us,
		.detect_existing = cfg->detect_existing,
		.no_rates = !host_needs_rates(),
		.health = cfg->tcp_health,
	};
	uint64_t key[4];
	if (getrandom(key, sizeof key, 0) != sizeof key)
		fatal(EXIT_OSERR, "getrandom: %s", strerror(errno));
	core.tab = conntab_new(&tc, key, host_conn_event, NULL, host_event_mask());
	if (!core.tab)
		fatal(EXIT_OSERR, "connection table: out of memory (max_connections = %llu)",
		      (unsigned long long)cfg->max_connections);
	st->live = core.live;
	st->interactive = host_interactive();
	st->input = input_name;

	if (host_open(err, sizeof err) < 0) {
		msg("%s", err);
		return EXIT_CANTCREAT;
	}
	drop_privileges(cfg->user, cfg->chroot_dir);
	signals();
	host_start();
	update_deadline();
	show_progress = file && !host_interactive() && isatty(STDERR_FILENO) && core.input_size > 4000000;

	if (core.live)
		loop_live();
	else if (host_interactive() && cfg->replay_speed > 0)
		loop_file_paced(cfg->replay_speed);
	else
		loop_file_fast();

	if (!core.live && !got_stop) {
		core.eof = 1;
		if (core.start_us)
			run_timers(core.now_us);
		host_snapshot_all(TT_SNAP_EOF);
		if (host_interactive() && !core.quit)
			hold_view();
	}
	if (core.live)
		capture_drops(pc, &core.kernel_drops, &core.if_drops);
	/* everything still open gets its final word: nothing counted is lost */
	conntab_drain(core.tab, core.now_us);
	host_snapshot_all(TT_SNAP_FINAL);
	host_flush();
	host_stop();
	util_flush_messages();
	summary();
	host_destroy();
	conntab_free(core.tab);
	pcapfile_close(pf);
	pcap_close(pc);
	free(ifname);
	config_free(cfg);
	return exit_code;
}
