/*
 * tracker: the one event loop, the capture clock and the connection table.
 *
 * Packets are handled in batches: the input's per-packet callback decodes a
 * packet, hashes its key and prefetches its index slot; then the batch
 * prefetches the entries; only then are the entries updated.  A batch
 * therefore waits for its memory once, not once per packet.
 */
#include "tracker.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "conntab.h"
#include "decode.h"
#include "dns.h"
#include "host.h"
#include "mono.h"
#include "names.h"
#include "procs.h"
#include "util.h"

#define BATCH 64
#define BATCH_DNS_BYTES 32768 /* the DNS answers a batch holds (a bigger one: learned at once) */

struct tracker {
	const struct config *cfg;
	struct host *host;
	struct conntab *tab;         /* made by tracker_start */
	struct tt_settings settings;
	struct tt_stats stats;       /* refreshed by sync_stats() */
	uint64_t decode_counts[DECODE_NRESULTS];
	struct input *inputs[TRACKER_MAX_INPUTS];
	int ninputs;
	int live;
	int rates;                   /* the table samples each connection's rate */
	struct names *names;         /* NULL: no names (made by tracker_open) */
	struct procs *procs;         /* NULL: no processes */
	int tap_dns;                 /* read the DNS answers of the capture */
	int64_t longest_turn;        /* live: the most time a turn of the loop
	                              * worked between two polls (us) */
	int64_t longest_turn_cpu;    /* of it, on the CPU (a loaded machine's
	                              * preemption left out) */
	volatile int quit;
	int exit_code;               /* the status after a clean stop (0, or why it stopped) */
	int damaged;                 /* the file was read up to damage */

	/* the capture clock and its timers */
	int64_t now_us;
	int64_t start_us;            /* at the first packet, 0 before */
	int64_t tick_us;             /* the table's rate sampling period */
	int64_t next_tick;
	int64_t deadline;            /* earliest of next_tick and the outputs' */

	/* reading a file */
	int64_t input_pos, input_size;
	int show_progress;
	int progress_shown;
	int64_t progress_last;
};

/* The deadline when an output asked for a snapshot: every time is at or
 * past it, so it goes at the next packet or turn of a loop. */
#define DUE_NOW INT64_MIN

struct batch {
	struct tracker *tr;
	struct conntab *tab;
	int dlt;             /* of the input being read */
	const struct decode_tunnels *tun; /* its UDP tunnels */
	const struct input *in; /* that input */
	int n;
	int64_t ts[BATCH];
	uint64_t h[BATCH];
	uint8_t tcp[BATCH];  /* 0: not TCP, only its time counts */
	struct pkt p[BATCH];
	/* the DNS answers of a file's batch, learned in packet order: after
	 * the timers due before them ran (a row written then has the name of
	 * its time, as live) */
	struct batch_dns {
		int i;           /* learned before packet i is taken */
		int64_t ts;
		uint32_t off, len;
	} dns[BATCH];
	int ndns;
	uint32_t dns_used;
	uint8_t dns_buf[BATCH_DNS_BYTES];
};

/* ---- statistics ---- */

/* Copy the table's, the decoder's and the inputs' counters into stats. */
static void sync_stats(struct tracker *tr)
{
	struct tt_stats *s = &tr->stats;
	s->size = sizeof *s;
	s->non_tcp = tr->decode_counts[DECODE_NON_TCP];
	s->fragments = tr->decode_counts[DECODE_FRAGMENT];
	s->truncated = tr->decode_counts[DECODE_TRUNCATED];
	s->invalid = tr->decode_counts[DECODE_INVALID];
	s->unsupported = tr->decode_counts[DECODE_UNSUPPORTED];
	s->start_us = tr->start_us;
	s->kernel_drops = s->if_drops = 0;
	for (int i = 0; i < tr->ninputs; i++) {
		s->kernel_drops += tr->inputs[i]->kernel_drops;
		s->if_drops += tr->inputs[i]->if_drops;
	}
	if (!tr->tab)
		return; /* outputs asking before the table is made */
	const struct conntab_stats *t = conntab_stats(tr->tab);
	s->tcp_packets = t->pk[0] + t->pk[1];
	s->untracked = t->untracked;
	s->connections = t->opened;
	s->evicted = t->evicted;
	s->resets = t->resets;
	s->total.packets = t->pk[0] + t->pk[1];
	s->total.bytes = t->by[0] + t->by[1];
	s->total.payload = t->pl[0] + t->pl[1];
	struct tt_counts *d[2] = {&s->c2s, &s->s2c};
	for (int i = 0; i < 2; i++) {
		d[i]->packets = t->pk[i];
		d[i]->bytes = t->by[i];
		d[i]->payload = t->pl[i];
	}
	s->c2s_retrans = t->re[0];
	s->c2s_retrans_bytes = t->rb[0];
	s->s2c_retrans = t->re[1];
	s->s2c_retrans_bytes = t->rb[1];
	memcpy(s->in_state, t->per_state, sizeof s->in_state);
	s->held = t->held;
}

const struct tt_stats *tracker_stats(struct tracker *tr)
{
	sync_stats(tr);
	return &tr->stats;
}

int tracker_samples_rates(const struct tracker *tr)
{
	return tr->rates;
}

/* ---- what the host asks of the tracker ---- */

static int64_t env_now(void *arg)
{
	return ((struct tracker *)arg)->now_us;
}

static void env_quit(void *arg)
{
	((struct tracker *)arg)->quit = 1;
}

static const struct tt_stats *env_stats(void *arg)
{
	return tracker_stats(arg);
}

static void input_stats(struct tracker *tr)
{
	for (int i = 0; i < tr->ninputs; i++)
		if (tr->inputs[i]->ops->stats)
			tr->inputs[i]->ops->stats(tr->inputs[i]);
}

static void env_fill_snapshot(void *arg, struct tt_snapshot *s)
{
	struct tracker *tr = arg;
	if (tr->live)
		input_stats(tr); /* the drops of the period that ends, to the moment */
	sync_stats(tr);
	s->start_us = tr->start_us;
	s->stats = &tr->stats;
	s->input_pos = tr->input_pos;
	s->input_size = tr->input_size;
	if (!tr->tab)
		return;
	const struct conntab_stats *ts = conntab_stats(tr->tab);
	s->nconns = ts->active - ts->held;
	s->half_open = ts->per_state[TT_SYN_SENT] + ts->per_state[TT_SYN_ACK_ACK];
	s->c2s_rate = ts->rate[0];
	s->s2c_rate = ts->rate[1];
}

/* ---- making it ---- */

struct tracker *tracker_new(const struct config *cfg, const char *file)
{
	struct tracker *tr = xcalloc(1, sizeof *tr);
	tr->cfg = cfg;
	tr->live = !file;
	/* the settings plugins may read from create() on */
	struct tt_settings *st = &tr->settings;
	st->size = sizeof *st;
	st->fast_average = cfg->fast_average;
	st->live = tr->live;
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
	st->user = cfg->user;
	st->chroot_dir = cfg->user ? cfg->chroot_dir : NULL;
	struct host_env env = {
		.arg = tr,
		.settings = st,
		.now = env_now,
		.quit = env_quit,
		.stats = env_stats,
		.fill_snapshot = env_fill_snapshot,
	};
	tr->host = host_new(&env);
	return tr;
}

int tracker_load(struct tracker *tr, char *err, size_t errlen)
{
	return host_load(tr->host, tr->cfg, err, errlen);
}

int tracker_interactive(const struct tracker *tr)
{
	return host_interactive(tr->host);
}

void tracker_add_input(struct tracker *tr, struct input *in)
{
	if (tr->ninputs == TRACKER_MAX_INPUTS)
		fatal(EXIT_SOFTWARE, "more than %d inputs", TRACKER_MAX_INPUTS);
	tr->inputs[tr->ninputs++] = in;
	tr->input_size = tr->ninputs == 1 ? in->size : -1;
}

/* Names and processes, as the configuration and the input allow: before
 * privileges are dropped (the resolver reads resolv.conf, the services
 * file stays open through a chroot). */
static int open_sources(struct tracker *tr, char *err, size_t errlen)
{
	const struct config *cfg = tr->cfg;
	int ptr = cfg->names_ptr < 0 ? tr->live : cfg->names_ptr;
	struct names_config nc = {
		.dns = cfg->names_dns,
		.ptr = ptr,
		.server = cfg->resolver,
		.cache_max = cfg->names_cache,
		.ptr_rate = cfg->names_ptr_rate,
		.ptr_inflight = cfg->names_ptr_inflight,
		.ptr_timeout_us = cfg->names_ptr_timeout_us,
		.neg_ttl_us = cfg->names_negative_ttl_us,
	};
	/* the services database serves the view's names of ports in any case */
	tr->names = names_new(&nc, err, errlen);
	if (!tr->names)
		return -1;
	tr->tap_dns = cfg->names_dns;
	int procs = cfg->processes < 0 ? tr->live : cfg->processes;
	if (procs && !tr->live) {
		msg("processes: reading a file: the processes that owned its connections are not known");
		procs = 0;
	}
	if (procs) {
		char why[256];
		tr->procs = procs_new(cfg->max_connections, why, sizeof why);
		if (!tr->procs)
			msg("%s: shown without processes", why);
	}
	host_set_sources(tr->host, tr->names, ptr, tr->procs);
	tr->settings.processes = tr->procs != NULL;
	return 0;
}

int tracker_open(struct tracker *tr, char *err, size_t errlen)
{
	struct tt_settings *st = &tr->settings;
	st->live = tr->live;
	st->interactive = host_interactive(tr->host);
	if (tr->ninputs)
		st->input = tr->inputs[0]->name;
	if (open_sources(tr, err, errlen) < 0)
		return -1;
	return host_open(tr->host, err, errlen);
}

void tracker_emergency_stop(struct tracker *tr)
{
	if (tr)
		host_emergency_stop(tr->host);
}

void tracker_free(struct tracker *tr)
{
	if (!tr)
		return;
	host_free(tr->host);
	names_free(tr->names);
	procs_free(tr->procs);
	conntab_free(tr->tab);
	for (int i = 0; i < tr->ninputs; i++)
		tr->inputs[i]->ops->close(tr->inputs[i]);
	free(tr);
}

/* ---- timers ---- */

static void update_deadline(struct tracker *tr)
{
	if (host_snapshot_pending(tr->host)) {
		tr->deadline = DUE_NOW;
		return;
	}
	int64_t h = host_next_deadline(tr->host);
	tr->deadline = tr->next_tick < h ? tr->next_tick : h;
}

static void start_clock(struct tracker *tr, int64_t t)
{
	tr->start_us = t;
	tr->now_us = t;
	tr->next_tick = (t / tr->tick_us + 1) * tr->tick_us;
	host_run_timers(tr->host, t); /* plugins' first deadlines count from here */
	update_deadline(tr);
}

/* Run everything due at or before t on the capture clock. */
static void run_timers(struct tracker *tr, int64_t t)
{
	while (tr->next_tick <= t) {
		int64_t tick = tr->next_tick;
		/* an output's period that ended before this tick sees the table
		 * as it was then, not aged by a jump of the clock past it */
		host_run_timers(tr->host, tick - 1);
		tr->now_us = tick > tr->now_us ? tick : tr->now_us;
		conntab_tick(tr->tab, tick);
		tr->next_tick += tr->tick_us;
		if (tr->next_tick <= t && t - tr->next_tick > 10 * tr->tick_us) {
			/* a jump in the capture clock: one more tick ages everything,
			 * there is no need to walk through every one in between */
			tr->next_tick = (t / tr->tick_us) * tr->tick_us;
		}
		if (tr->live)
			input_stats(tr);
	}
	host_run_timers(tr->host, t);
	update_deadline(tr);
}

/* An output asked for a snapshot: send it now. */
static void run_asked(struct tracker *tr)
{
	if (tr->deadline == DUE_NOW)
		run_timers(tr, tr->now_us);
}

/* ---- packets ---- */

/* The input's callback: decode, hash, and start loading the index slot.
 * Every packet keeps its place in the batch, so time advances in packet
 * order. */
static void add_packet(struct batch *b, int i, int64_t ts, enum decode_result r)
{
	b->ts[i] = ts;
	b->p[i].ts = ts; /* its own time, for round trips, where ts[i] may be held back */
	b->tcp[i] = r == DECODE_TCP;
	if (r != DECODE_TCP) {
		b->tr->decode_counts[r]++;
		return;
	}
	b->h[i] = conntab_hash(b->tab, &b->p[i]);
	conntab_prefetch_slot(b->tab, b->h[i]);
}

/* A DNS message at time ts, of the frame at place `at` of the batch:
 * learned now (live: the timers run on the system's clock, between
 * batches), else at that place. */
static void learn_dns(struct batch *b, int at, const uint8_t *m, uint32_t len, int64_t ts)
{
	if (!b->tr->live && b->ndns < BATCH && len <= BATCH_DNS_BYTES - b->dns_used) {
		struct batch_dns *d = &b->dns[b->ndns++];
		d->i = at;
		d->ts = ts;
		d->off = b->dns_used;
		d->len = len;
		memcpy(b->dns_buf + b->dns_used, m, len);
		b->dns_used += len;
		return;
	}
	names_dns_message(b->tr->names, m, len);
}

/*
 * A frame to or from port 53: its DNS answer names addresses.  Returns 1
 * when the frame is to be left uncounted: the capture's filter took port 53
 * only for the names, and the user's own filter refuses the frame.
 */
static int tap_dns(struct batch *b, int at, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                   int64_t ts)
{
	struct l4 l;
	enum decode_result r = decode_l4(b->tun, b->dlt, data, caplen, wirelen, &l);
	if ((r == DECODE_TCP || r == DECODE_NON_TCP) && l.data) {
		const uint8_t *m = NULL;
		uint32_t len = 0;
		if (l.proto == 17 && l.len >= 8) {
			m = l.data + 8;
			len = l.len - 8;
			/* an answer longer than what was captured of it */
			uint32_t ulen = (uint32_t)l.data[4] << 8 | l.data[5];
			if (ulen > l.len && len >= 3 && (m[2] & 0x80))
				names_dns_cut(b->tr->names);
		} else if (l.proto == 6 && l.len >= 20) {
			/* one whole message after its two length bytes (RFC 7766);
			 * a message split over segments is not put together */
			uint32_t doff = (uint32_t)(l.data[12] >> 4) * 4;
			if (doff >= 20 && l.len >= doff + 2) {
				uint32_t mlen = (uint32_t)l.data[doff] << 8 | l.data[doff + 1];
				if (mlen && mlen <= l.len - doff - 2) {
					m = l.data + doff + 2;
					len = mlen;
				}
			}
		}
		if (m)
			learn_dns(b, at, m, len, ts);
	}
	const struct bpf_program *user = b->in ? b->in->user_filter : NULL;
	if (!user)
		return 0;
	struct pcap_pkthdr h = {.caplen = caplen, .len = wirelen};
	return !pcap_offline_filter(user, &h, data);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct batch *b = (struct batch *)user;
	int i = b->n++;
	enum decode_result r = decode(b->tun, b->dlt, data, hdr->caplen, hdr->len, &b->p[i]);
	int64_t ts = pcap_time_us(&hdr->ts);
	if (b->tr->tap_dns && decode_is_dns(r, &b->p[i]) && tap_dns(b, i, data, hdr->caplen, hdr->len, ts)) {
		b->n--; /* read for its names only */
		return;
	}
	add_packet(b, i, ts, r);
}

/* The same for a packet the file reader decoded ahead. */
static void on_decoded(void *user, const struct pcapfile_pkt *d, const uint8_t *raw)
{
	struct batch *b = user;
	if (raw && b->tr->tap_dns) {
		uint32_t lens[2];
		memcpy(lens, raw, sizeof lens);
		if (tap_dns(b, b->n, raw + 8, lens[0], lens[1], d->ts))
			return;
	}
	int i = b->n++;
	b->p[i] = d->p;
	add_packet(b, i, d->ts, d->result);
}

static void batch_init(struct batch *b, struct tracker *tr, struct input_sink *sink)
{
	b->tr = tr;
	b->tab = tr->tab;
	b->dlt = tr->ninputs ? tr->inputs[0]->dlt : 0;
	b->tun = tr->ninputs ? tr->inputs[0]->tun : NULL;
	b->in = tr->ninputs ? tr->inputs[0] : NULL;
	b->n = 0;
	b->ndns = 0;
	b->dns_used = 0;
	sink->raw = on_packet;
	sink->decoded = on_decoded;
	sink->user = b;
}

/* Up to max packets of input in into the batch. */
static int dispatch(struct input *in, int max, struct batch *b, const struct input_sink *sink)
{
	b->dlt = in->dlt;
	b->tun = in->tun;
	b->in = in;
	return in->ops->dispatch(in, max, sink);
}

/* How many packets ahead an entry is prefetched: enough to cover a memory
 * miss, few enough that the prefetches fit the core's fill buffers. */
#define PREFETCH_AHEAD 16

/* The capture clock to a packet's time ts, the timers due before it run
 * first.  Returns the time the packet is taken at. */
static inline int64_t clock_to(struct tracker *tr, int64_t ts)
{
	if (tr->live) {
		/* live: timers run on the system clock in the loop; a packet
		 * keeps its own time */
	} else if (!tr->start_us) {
		start_clock(tr, ts);
	} else if (ts > tr->now_us) {
		if (ts >= tr->deadline)
			run_timers(tr, ts);
		tr->now_us = ts;
	} else {
		ts = tr->now_us; /* time never runs backwards */
	}
	return ts;
}

/* The DNS answers of the batch due before packet i, each at its time. */
static int learn_batch_dns(struct tracker *tr, struct batch *b, int d, int i)
{
	for (; d < b->ndns && b->dns[d].i <= i; d++) {
		clock_to(tr, b->dns[d].ts);
		names_dns_message(tr->names, b->dns_buf + b->dns[d].off, b->dns[d].len);
	}
	return d;
}

static void process_batch(struct tracker *tr, struct batch *b)
{
	struct conntab *tab = tr->tab;
	tr->stats.packets += (uint64_t)b->n; /* read: all of them, as decoded */
	for (int i = 0; i < b->n && i < PREFETCH_AHEAD; i++)
		if (b->tcp[i])
			conntab_prefetch_entry(tab, b->h[i]);
	int d = 0, next_dns = b->ndns ? b->dns[0].i : BATCH + 1;
	for (int i = 0; i < b->n; i++) {
		int j = i + PREFETCH_AHEAD;
		if (j < b->n && b->tcp[j])
			conntab_prefetch_entry(tab, b->h[j]);
		if (__builtin_expect(i == next_dns, 0)) {
			d = learn_batch_dns(tr, b, d, i);
			next_dns = d < b->ndns ? b->dns[d].i : BATCH + 1;
		}
		int64_t ts = clock_to(tr, b->ts[i]);
		if (b->tcp[i])
			conntab_packet(tab, &b->p[i], b->h[i], ts);
	}
	/* (an answer after the last packet: read for its names only) */
	learn_batch_dns(tr, b, d, BATCH + 1);
	b->n = 0;
	b->ndns = 0;
	b->dns_used = 0;
}

/* ---- signals ---- */

/* A signal is the process's, not a tracker's: the handler only sets these. */
static volatile sig_atomic_t got_hup, got_stop;
/* the outputs are being stopped, every file written out, and no terminal
 * is to be restored: a stop asked again need not wait for them (a
 * Prometheus linger, a receiver's drain) */
static volatile sig_atomic_t stopping_outputs;
/* when the first stop came (CLOCK_MONOTONIC, s): one again within a
 * second is the same stop (timeout(1) signals the child, then its whole
 * group) */
static volatile sig_atomic_t stop_sec;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		got_hup = 1;
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!got_stop) {
		stop_sec = (sig_atomic_t)ts.tv_sec;
		got_stop = 1;
	} else if (stopping_outputs && ts.tv_sec - stop_sec >= 2) {
		static const char m[] = "tcptrack: stopped again: exiting without waiting for the outputs\n";
		ssize_t r = write(STDERR_FILENO, m, sizeof m - 1);
		(void)r;
		_exit(128 + sig);
	}
}

void tracker_catch_signals(void)
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

int tracker_stop_asked(void)
{
	return got_stop;
}

static int check_signals(struct tracker *tr)
{
	if (got_hup) {
		got_hup = 0;
		/* for a view, a hangup is its terminal going away: stop; for a
		 * service, the signal to reopen its files (logrotate) */
		if (host_interactive(tr->host))
			got_stop = 1;
		else
			host_reopen(tr->host);
	}
	if (got_stop)
		tr->quit = 1;
	return tr->quit;
}

/* ---- starting ---- */

void tracker_start(struct tracker *tr)
{
	const struct config *cfg = tr->cfg;
	tracker_catch_signals();
	host_start(tr->host);
	/* the table, now that the outputs have said what they want of it.
	 * Rates are sampled every tick and averaged over the window: with -f
	 * the tick is the fast interval, else the refresh interval (never more
	 * than the window), so the window slides as the view refreshes. */
	tr->tick_us = cfg->fast_average ? cfg->fast_interval_us : cfg->refresh_us;
	if (tr->tick_us > cfg->average_us)
		tr->tick_us = cfg->average_us;
	struct conntab_config tc = {
		.max_connections = cfg->max_connections,
		.tick_us = tr->tick_us,
		.window_ticks = (uint32_t)((cfg->average_us + tr->tick_us / 2) / tr->tick_us),
		.syn_timeout_us = cfg->syn_timeout_us,
		.fin_timeout_us = cfg->fin_timeout_us,
		.linger_us = cfg->closed_linger_us,
		.time_wait_us = cfg->time_wait_us,
		.time_wait_acked_us = cfg->time_wait_acked_us,
		.idle_timeout_us = cfg->idle_timeout_us,
		.detect_existing = cfg->detect_existing,
		.no_rates = !host_needs_rates(tr->host),
		.health = cfg->tcp_health,
	};
	tr->rates = !tc.no_rates;
	uint64_t key[4];
	if (getrandom(key, sizeof key, 0) != sizeof key)
		fatal(EXIT_OSERR, "getrandom: %s", strerror(errno));
	tr->tab = conntab_new(&tc, key, host_conn_event, tr->host,
	                      host_event_mask(tr->host) | host_source_events(tr->host));
	if (!tr->tab)
		fatal(EXIT_OSERR, "connection table: out of memory (max_connections = %llu)",
		      (unsigned long long)cfg->max_connections);
	host_set_table(tr->host, tr->tab);
	update_deadline(tr);
	tr->show_progress = !tr->live && !host_interactive(tr->host) && isatty(STDERR_FILENO) &&
	                    tr->input_size > 4000000;
}

/* ---- progress on stderr for a long file ---- */

static void progress(struct tracker *tr, int done)
{
	int64_t t = mono_now_us();
	if (!done && t - tr->progress_last < 250000)
		return;
	tr->progress_last = t;
	if (tr->ninputs == 1)
		tr->input_pos = tr->inputs[0]->ops->pos(tr->inputs[0]); /* also for the snapshots */
	if (!tr->show_progress)
		return;
	if (done) {
		if (tr->progress_shown)
			fprintf(stderr, "\r\033[K");
		return;
	}
	if (tr->input_size > 0) {
		fprintf(stderr, "\rtcptrack: reading %s: %3d%% (%llu packets)\033[K", tr->inputs[0]->name,
		        (int)(100.0 * (double)tr->input_pos / (double)tr->input_size),
		        (unsigned long long)tr->stats.packets);
		tr->progress_shown = 1;
	}
}

/* ---- the loops ---- */

/* Serve the outputs' descriptors (and the names'), waiting up to
 * timeout_ms; with in_fd >= 0, that too: returns 1 when it is readable (or
 * at its end). */
static int poll_plugins_in(struct tracker *tr, int timeout_ms, int in_fd)
{
	struct pollfd fds[49];
	int n = host_pollfds(tr->host, fds, 32);
	int nn = names_pollfds(tr->names, fds + n, 16);
	int64_t nw = names_wait_us(tr->names);
	if (nw >= 0 && nw / 1000 < timeout_ms)
		timeout_ms = (int)(nw / 1000);
	if (procs_busy(tr->procs) && timeout_ms > 10)
		timeout_ms = 10;
	int ni = 0;
	if (in_fd >= 0) {
		fds[n + nn] = (struct pollfd){.fd = in_fd, .events = POLLIN};
		ni = 1;
	}
	int r = n + nn + ni ? poll(fds, (nfds_t)(n + nn + ni), timeout_ms)
	                    : (timeout_ms > 0 ? poll(NULL, 0, timeout_ms) : 0);
	names_run(tr->names, r > 0 ? fds + n : NULL, r > 0 ? nn : 0);
	procs_run(tr->procs);
	if (r > 0 && n) {
		host_fd_ready(tr->host, fds, n);
		update_deadline(tr); /* a plugin may have asked for a snapshot */
	}
	return ni && r > 0 && fds[n + nn].revents;
}

static void poll_plugins(struct tracker *tr, int timeout_ms)
{
	poll_plugins_in(tr, timeout_ms, -1);
}

/* A pipe with nothing to give yet: the outputs are served while it is
 * silent (a scrape gets the figures of what was read), until it has
 * something or a signal comes. */
static void wait_pipe(struct tracker *tr, struct input *in)
{
	int fd;
	while (in->ops->idle_fd && (fd = in->ops->idle_fd(in)) >= 0 && !check_signals(tr) && !tr->quit) {
		if (poll_plugins_in(tr, 200, fd))
			return;
		run_asked(tr);
	}
}

/* A read said -1: a damaged file is read up to the damage. */
static void read_error(struct tracker *tr, struct input *in)
{
	if (got_stop)
		return; /* a signal interrupted the read: not damage */
	if (in->bad_filter) {
		/* the filter's mistake, not the file's: a usage or a
		 * configuration error, all before it counted */
		msg("%s: %s: read up to there (%llu packets)", in->name, in->ops->error(in),
		    (unsigned long long)tr->stats.packets);
		tr->exit_code = tr->cfg->filter_cmdline ? EXIT_USAGE : EXIT_CONFIG;
		return;
	}
	msg("%s: %s: read up to the damage (%llu packets)", in->name, in->ops->error(in),
	    (unsigned long long)tr->stats.packets);
	tr->damaged = 1;
}

/* A file as fast as possible (headless, or replay_speed 0). */
static void loop_file_fast(struct tracker *tr, struct input *in)
{
	struct batch b;
	struct input_sink sink;
	batch_init(&b, tr, &sink);
	int interactive = host_interactive(tr->host);
	/* a pipe (-T -) may deliver slowly: take packets as they come, and
	 * serve the plugins between them, rather than wait for a full batch */
	int stream = in->size < 0;
	int batch = stream ? 1 : BATCH;
	int serve = interactive || host_has_fds(tr->host);
	for (unsigned iter = 0; !check_signals(tr); iter++) {
		if (stream && serve)
			wait_pipe(tr, in);
		int r = dispatch(in, batch, &b, &sink);
		process_batch(tr, &b);
		if (r == 0 || r == PCAP_ERROR_BREAK)
			break;
		if (r < 0) {
			read_error(tr, in);
			break;
		}
		if (stream || (iter & 63) == 0) {
			progress(tr, 0);
			if (interactive || host_has_fds(tr->host)) {
				poll_plugins(tr, 0);
				run_asked(tr);
			}
		}
	}
	progress(tr, 1);
}

/* A file replayed on the packet clock at replay_speed times real time, by
 * whichever reader reads it fast (the block reader's pcapng of several
 * link types too): one packet at a time into the batch, decoded, and
 * counted once the clock reaches its time. */
#define MAX_REPLAY_GAP 2e6 /* us of real time */
static void loop_file_paced(struct tracker *tr, struct input *in, double speed)
{
	struct batch b;
	struct input_sink sink;
	batch_init(&b, tr, &sink);
	int64_t wall0 = 0, cap0 = 0;
	while (!check_signals(tr)) {
		int r = dispatch(in, 1, &b, &sink);
		if (r == 0 || r == PCAP_ERROR_BREAK)
			break;
		if (r < 0) {
			read_error(tr, in);
			break;
		}
		if (!b.n)
			continue; /* a frame read for its names only */
		int64_t ts = b.ts[0];
		if (!wall0) {
			wall0 = mono_now_us();
			cap0 = ts;
		}
		/* a silence longer than MAX_REPLAY_GAP (a capture with years
		 * between its packets) is shortened to that */
		int64_t cap_at = cap0 + (int64_t)((double)(mono_now_us() - wall0) * speed);
		if ((double)(ts - cap_at) / speed > MAX_REPLAY_GAP)
			cap0 += ts - cap_at - (int64_t)(MAX_REPLAY_GAP * speed);
		progress(tr, 0);
		/* wait for the packet's time, keeping the view and timers going */
		for (;;) {
			int64_t cap_now = cap0 + (int64_t)((double)(mono_now_us() - wall0) * speed);
			if (cap_now >= ts || check_signals(tr))
				break;
			if (tr->start_us && cap_now > tr->now_us) {
				if (cap_now >= tr->deadline)
					run_timers(tr, cap_now);
				tr->now_us = cap_now;
			}
			int64_t wait = (int64_t)((double)(ts - cap_now) / speed);
			if (tr->deadline > tr->now_us && tr->deadline < ts) {
				int64_t w2 = (int64_t)((double)(tr->deadline - tr->now_us) / speed);
				if (w2 < wait)
					wait = w2;
			}
			int ms = (int)((wait + 999) / 1000);
			poll_plugins(tr, ms > 200 ? 200 : ms);
			run_asked(tr);
		}
		if (tr->quit)
			break;
		process_batch(tr, &b);
		run_asked(tr);
	}
}

/* An input's descriptor says error: the interface vanished.  Say so and
 * stop cleanly, with every output flushed, rather than spin on the error. */
static void input_gone(struct tracker *tr, struct input *in, struct batch *b,
                       const struct input_sink *sink)
{
	int got = dispatch(in, 1, b, sink);
	process_batch(tr, b);
	msg("capture: %s: %s", in->name, got < 0 ? in->ops->error(in) : "the interface went down or away");
	tr->exit_code = EXIT_UNAVAILABLE;
	tr->quit = 1;
}

static int64_t thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Live capture: poll the inputs and the plugins' descriptors. */
static void loop_live(struct tracker *tr)
{
	struct batch b;
	struct input_sink sink;
	batch_init(&b, tr, &sink);
	int ni = tr->ninputs;
	int64_t turn_at = 0, turn_cpu = 0; /* when the current turn began working */
	while (!check_signals(tr)) {
		struct pollfd fds[TRACKER_MAX_INPUTS + 32 + 16];
		for (int k = 0; k < ni; k++) {
			fds[k].fd = tr->inputs[k]->fd;
			fds[k].events = POLLIN;
			fds[k].revents = 0;
		}
		int n = ni + host_pollfds(tr->host, fds + ni, 32);
		/* the resolver's sockets after the outputs' */
		int nn = names_pollfds(tr->names, fds + n, 16);
		int64_t now = now_realtime_us();
		int64_t wait = tr->deadline > now ? tr->deadline - now : 0; /* DUE_NOW: at once */
		int64_t nw = names_wait_us(tr->names);
		if (nw >= 0 && nw < wait)
			wait = nw;
		if (procs_busy(tr->procs) && wait > 10000)
			wait = 10000;
		int ms = (int)((wait + 999) / 1000);
		if (ms > 1000)
			ms = 1000;
		if (turn_at) {
			int64_t worked = mono_now_us() - turn_at, cpu = thread_cpu_us() - turn_cpu;
			if (worked > tr->longest_turn)
				tr->longest_turn = worked;
			if (cpu > tr->longest_turn_cpu)
				tr->longest_turn_cpu = cpu;
		}
		int r = poll(fds, (nfds_t)(n + nn), ms);
		turn_at = mono_now_us();
		turn_cpu = thread_cpu_us();
		if (r < 0 && errno != EINTR)
			fatal(EXIT_OSERR, "poll: %s", strerror(errno));
		for (int k = 0; r > 0 && k < ni && !tr->quit; k++)
			if (fds[k].revents & (POLLERR | POLLNVAL))
				input_gone(tr, tr->inputs[k], &b, &sink);
		if (tr->quit)
			break;
		/* drain what the kernel has, a bounded number of batches at a time */
		for (int k = 0; k < ni && !tr->quit; k++) {
			struct input *in = tr->inputs[k];
			for (int i = 0; i < 256; i++) {
				int got = dispatch(in, BATCH, &b, &sink);
				process_batch(tr, &b);
				if (got == PCAP_ERROR) {
					msg("capture: %s: %s", in->name, in->ops->error(in));
					tr->exit_code = EXIT_UNAVAILABLE;
					tr->quit = 1;
					break;
				}
				if (got <= 0)
					break;
			}
		}
		now = now_realtime_us();
		if (now > tr->now_us)
			tr->now_us = now;
		if (!tr->start_us)
			start_clock(tr, now);
		if (now >= tr->deadline)
			run_timers(tr, now);
		names_run(tr->names, r > 0 ? fds + n : NULL, r > 0 ? nn : 0);
		procs_run(tr->procs);
		if (r > 0 && n > ni) {
			host_fd_ready(tr->host, fds + ni, n - ni);
			update_deadline(tr); /* a plugin may have asked for a snapshot */
		}
		run_asked(tr);
	}
}

/* After the end of a file with a terminal view: keep it until q. */
static void hold_view(struct tracker *tr)
{
	while (!check_signals(tr)) {
		poll_plugins(tr, 200);
		run_asked(tr);
	}
}

void tracker_run(struct tracker *tr)
{
	struct input *in = tr->inputs[0];
	int paced = host_interactive(tr->host) && tr->cfg->replay_speed > 0;
	if (tr->live)
		loop_live(tr);
	else if (paced)
		loop_file_paced(tr, in, tr->cfg->replay_speed);
	else
		loop_file_fast(tr, in);
	if (!tr->live && !got_stop) {
		if (tr->start_us)
			run_timers(tr, tr->now_us);
		host_snapshot_all(tr->host, tr->now_us, TT_SNAP_EOF | (tr->damaged ? TT_SNAP_DAMAGED : 0));
		if (host_interactive(tr->host) && !tr->quit)
			hold_view(tr);
	}
}

/* ---- the end ---- */

static void summary(struct tracker *tr)
{
	sync_stats(tr);
	const struct tt_stats *s = &tr->stats;
	char extra[256] = "";
	int n = 0;
	if (tr->live)
		n = snprintf(extra, sizeof extra, ", %llu dropped by the kernel",
		             (unsigned long long)s->kernel_drops);
	if (s->evicted && n >= 0 && (size_t)n < sizeof extra)
		snprintf(extra + n, sizeof extra - (size_t)n, ", %llu evicted (max_connections %llu)",
		         (unsigned long long)s->evicted, (unsigned long long)tr->cfg->max_connections);
	fprintf(stderr,
	        "tcptrack: %llu packets read, %llu TCP, %llu connections%s; not counted: %llu non-TCP, "
	        "%llu fragments, %llu truncated, %llu invalid, %llu unsupported, %llu untracked\n",
	        (unsigned long long)s->packets, (unsigned long long)s->tcp_packets,
	        (unsigned long long)s->connections, extra,
	        (unsigned long long)s->non_tcp, (unsigned long long)s->fragments,
	        (unsigned long long)s->truncated, (unsigned long long)s->invalid,
	        (unsigned long long)s->unsupported, (unsigned long long)s->untracked);
	struct names_stats ns;
	names_stats(tr->names, &ns);
	if (ns.cut)
		fprintf(stderr, "tcptrack: names: %llu DNS answers were cut short by the snap length%s: "
		        "what they held past the cut is not known%s\n", (unsigned long long)ns.cut,
		        tr->live ? "" : " of the capture", tr->live ? " (snaplen = 1500 keeps them)" : "");
	if (!tr->live)
		return;
	/* what names and processes did, and what they cost the loop */
	struct procs_stats ps = {0};
	if (tr->procs)
		procs_stats(tr->procs, &ps);
	fprintf(stderr,
	        "tcptrack: names: %llu learned from the wire, %llu looked up (%llu named, %llu "
	        "no name, %llu no answer), %llu cached of %llu (at most %llu), %llu evicted; "
	        "processes: %llu found, %llu queries, %llu walks of /proc; longest turn of the "
	        "loop %.3f ms (%.3f ms on the CPU)\n",
	        (unsigned long long)ns.learned, (unsigned long long)ns.lookups,
	        (unsigned long long)ns.answered, (unsigned long long)ns.negative,
	        (unsigned long long)ns.failed, (unsigned long long)ns.cached,
	        (unsigned long long)ns.cache_max, (unsigned long long)ns.cache_peak,
	        (unsigned long long)ns.evicted, (unsigned long long)ps.found,
	        (unsigned long long)ps.queries, (unsigned long long)ps.scans,
	        (double)tr->longest_turn / 1000.0, (double)tr->longest_turn_cpu / 1000.0);
}

int tracker_finish(struct tracker *tr)
{
	if (tr->live)
		input_stats(tr);
	/* everything still open gets its final word: nothing counted is lost */
	conntab_drain(tr->tab, tr->now_us);
	host_snapshot_all(tr->host, tr->now_us, TT_SNAP_FINAL);
	host_flush(tr->host);
	stopping_outputs = !host_interactive(tr->host);
	host_stop(tr->host);
	stopping_outputs = 0;
	util_flush_messages();
	summary(tr);
	/* an output that lost what it was to write (a full disk, a file it
	 * could not reopen) or stopped working: the run did not do all it
	 * was asked to, which a script or a service manager must be told */
	if (!tr->exit_code && host_errors(tr->host))
		tr->exit_code = EXIT_IOERR;
	/* a file cut short or damaged: all before it is counted and written,
	 * but a script must know the log covers less than the file (tcpdump
	 * and tshark do not exit 0 either) */
	if (!tr->exit_code && tr->damaged)
		tr->exit_code = EXIT_DATAERR;
	return tr->exit_code;
}
