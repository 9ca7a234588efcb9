/*
 * test_host: the plugin host and the tracker in-process, with the test
 * plugins of the build tree (knobs: ABI 1.1; probe10: probe built against
 * the frozen header of ABI 1.0).  Pins: each instance's set_events and
 * set_caps take effect (an instance that drops TT_EV_STATE receives none;
 * the union of the instances' events is what the table makes; the table
 * samples no rate when every instance says TT_CAP_NO_RATES, and does when
 * one does not); TT_CAP_TERMINAL and unknown caps are refused, and both
 * calls are refused after start; host_snapshot_pending says a snapshot was
 * asked for until it is sent; the parsers and reason_name of the host
 * table; a 1.0 plugin loads and gets every event of its descriptor.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conntab.h"
#include "host.h"
#include "input.h"
#include "parse.h"
#include "tap.h"
#include "tracker.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)

static char dir[64];

static char *path_of(const char *name)
{
	static char buf[8][256];
	static int n;
	char *p = buf[n++ % 8];
	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	return s;
}

/* How many lines of text start with prefix. */
static int lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t l = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += !strncmp(p, prefix, l);
	return n;
}

static int has(const char *text, const char *line)
{
	char want[256];
	snprintf(want, sizeof want, "%s\n", line);
	return !strncmp(text, want, strlen(want)) ||
	       (strstr(text, want) && strstr(text, want)[-1] == '\n');
}

static void add(struct config *cfg, const char *spec)
{
	char err[512];
	int r = config_add_spec(cfg, spec, err, sizeof err);
	CHECK(r == 0, "%s: %s", spec, err);
}

/* A knobs output: file NAME.out in dir, then the keys. */
static void knobs(struct config *cfg, const char *name, const char *keys)
{
	char spec[1024];
	snprintf(spec, sizeof spec, "%s/.libs/knobs.so:file=%s%s%s", TESTS_BUILDDIR, path_of(name),
	         *keys ? "," : "", keys);
	add(cfg, spec);
}

/* ---- packets ---- */

static struct pkt packet(int s2c, uint8_t flags, uint32_t payload)
{
	static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.family = 4;
	p.flags = flags;
	memcpy(p.saddr, s2c ? srv : cli, 4);
	memcpy(p.daddr, s2c ? cli : srv, 4);
	p.sport = s2c ? 80 : 40000;
	p.dport = s2c ? 40000 : 80;
	p.payload = payload;
	p.ip_bytes = 40 + payload;
	return p;
}

/* One connection's life: handshake, n segments of 1000 bytes 100 ms
 * apart, both FINs.  Returns how many packets it wrote to out. */
static int connection(struct pcapfile_pkt *out, int n)
{
	int k = 0;
	int64_t t = T0;
	const struct { int dir; uint8_t fl; } hs[] = {
		{0, TCPF_SYN}, {1, TCPF_SYN | TCPF_ACK}, {0, TCPF_ACK},
	};
	for (int i = 0; i < 3; i++, t += 1000)
		out[k++] = (struct pcapfile_pkt){t, DECODE_TCP, 0, packet(hs[i].dir, hs[i].fl, 0)};
	for (int i = 0; i < n; i++, t += SEC / 10)
		out[k++] = (struct pcapfile_pkt){t, DECODE_TCP, 0, packet(0, TCPF_ACK, 1000)};
	out[k++] = (struct pcapfile_pkt){t, DECODE_TCP, 0, packet(0, TCPF_FIN | TCPF_ACK, 0)};
	out[k++] = (struct pcapfile_pkt){t + 1000, DECODE_TCP, 0, packet(1, TCPF_FIN | TCPF_ACK, 0)};
	out[k++] = (struct pcapfile_pkt){t + 2000, DECODE_TCP, 0, packet(0, TCPF_ACK, 0)};
	return k;
}

/* ---- the host alone, with a table of the test's own ---- */

static int64_t clock_now;
static int quit_asked;
static struct tt_stats stats;
static struct tt_settings settings = {.size = sizeof settings};
static struct conntab *tab;

static int64_t env_now(void *arg) { (void)arg; return clock_now; }
static void env_quit(void *arg) { (void)arg; quit_asked = 1; }
static const struct tt_stats *env_stats(void *arg)
{
	(void)arg;
	stats.size = sizeof stats;
	return &stats;
}
static void env_fill(void *arg, struct tt_snapshot *s)
{
	s->stats = env_stats(arg);
	s->start_us = T0;
	s->nconns = conntab_stats(tab)->active;
}

static const struct host_env env = {
	.settings = &settings, .now = env_now, .quit = env_quit, .stats = env_stats,
	.fill_snapshot = env_fill,
};

static struct host *host_up(const struct config *cfg)
{
	char err[512] = "";
	struct host *h = host_new(&env);
	int r = host_load(h, cfg, err, sizeof err);
	CHECK(r == 0, "host_load: %s", err);
	if (r)
		exit(1);
	CHECK(host_open(h, err, sizeof err) == 0, "host_open: %s", err);
	return h;
}

static void feed(const struct pcapfile_pkt *p)
{
	clock_now = p->ts;
	conntab_packet(tab, &p->p, conntab_hash(tab, &p->p), p->ts);
}

static void test_host_events(void)
{
	struct config cfg;
	config_defaults(&cfg);
	/* a: OPENED and REMOVED only, set in configure; asks for a snapshot
	 * at its first event; parses values through the host table */
	knobs(&cfg, "a.out", "events=5,ask=1,duration=5m,size=10M,bool=yes,double=0.5");
	/* b: the descriptor's events (all); no rates, set in start; bad values */
	knobs(&cfg, "b.out", "caps=2,at=start,duration=5x,size=10X,bool=maybe,double=1e3");
	/* c: the terminal is the descriptor's; d: a cap the core does not know */
	knobs(&cfg, "c.out", "caps=1,at=check");
	knobs(&cfg, "d.out", "caps=18,at=open");
	struct host *h = host_up(&cfg);
	CHECK(host_snapshot_pending(h) == 0, "nothing asked before start");
	host_start(h);
	CHECK(host_event_mask(h) == (TT_EV_OPENED | TT_EV_STATE | TT_EV_REMOVED), "mask %#x",
	      host_event_mask(h));
	CHECK(host_needs_rates(h) == 1, "c and d keep the descriptor's caps: rates read");
	CHECK(host_interactive(h) == 0, "no terminal output");

	struct conntab_config tc = {.max_connections = 64, .tick_us = SEC, .window_ticks = 1,
	                            .syn_timeout_us = 30 * SEC, .fin_timeout_us = 60 * SEC,
	                            .linger_us = 2 * SEC, .detect_existing = 1};
	uint64_t key[4] = {1, 2, 3, 4};
	tab = conntab_new(&tc, key, host_conn_event, h, host_event_mask(h));
	host_set_table(h, tab);
	struct pcapfile_pkt p[64];
	int n = connection(p, 5);
	feed(&p[0]);
	CHECK(host_snapshot_pending(h) == 1, "a asked at its first event");
	CHECK(host_next_deadline(h) == INT64_MAX, "no periodic snapshot");
	host_run_timers(h, clock_now);
	CHECK(host_snapshot_pending(h) == 0, "the asked snapshot went");
	for (int i = 1; i < n; i++)
		feed(&p[i]);
	CHECK(host_snapshot_pending(h) == 0, "nothing asked since");
	conntab_drain(tab, clock_now);
	host_snapshot_all(h, clock_now, TT_SNAP_FINAL);
	host_flush(h);
	host_stop(h);
	host_free(h);
	conntab_free(tab);
	config_free(&cfg);

	char *a = slurp(path_of("a.out")), *b = slurp(path_of("b.out"));
	char *c = slurp(path_of("c.out")), *d = slurp(path_of("d.out"));
	CHECK(has(a, "SET configure events 5 0"), "a: set_events in configure: %s", a);
	CHECK(lines(a, "EV OPENED") == 1 && lines(a, "EV REMOVED") == 1, "a: opened and removed: %s", a);
	CHECK(lines(a, "EV STATE") == 0, "a dropped TT_EV_STATE and receives none: %s", a);
	CHECK(has(a, "EV REMOVED 1 CLOSED exit"), "a: reason_name of TT_RM_EXIT: %s", a);
	CHECK(lines(b, "EV STATE") == 4, "b keeps the descriptor's events: 4 state changes: %s", b);
	CHECK(has(a, "SNAP 1700000000000000 4 1"), "a: the asked snapshot (TT_SNAP_ASKED): %s", a);
	char want[256];
	snprintf(want, sizeof want, "SNAP %lld %d 0", (long long)p[n - 1].ts, TT_SNAP_FINAL);
	CHECK(lines(b, "SNAP") == 1 && has(b, want), "b: only the final snapshot (%s): %s", want, b);
	CHECK(has(a, "LATE events -16 caps -16"), "a: set_* after start: -EBUSY: %s", a);
	CHECK(has(b, "SET start caps 2 0"), "b: set_caps in start: %s", b);
	CHECK(has(c, "SET check caps 1 -22"), "c: TT_CAP_TERMINAL refused: %s", c);
	CHECK(has(d, "SET open caps 18 -22"), "d: an unknown cap refused: %s", d);

	/* the parsers through the table: parse.c's, the same spellings */
	int64_t dur;
	uint64_t size;
	int yes;
	double half;
	const char *why = NULL;
	CHECK(parse_duration("5m", &dur, &why) == 0 && dur == 300 * SEC, "parse.c 5m");
	CHECK(parse_size("10M", &size, &why) == 0 && size == 10000000, "parse.c 10M");
	CHECK(parse_bool("yes", &yes, &why) == 0 && yes == 1 && parse_double("0.5", &half, &why) == 0,
	      "parse.c yes, 0.5");
	CHECK(has(a, "PARSE duration 5m 0 300000000"), "duration: %s", a);
	CHECK(has(a, "PARSE size 10M 0 10000000"), "size: %s", a);
	CHECK(has(a, "PARSE bool yes 0 1"), "bool: %s", a);
	CHECK(has(a, "PARSE double 0.5 0 0.500000"), "double: %s", a);
	parse_duration("5x", &dur, &why);
	snprintf(want, sizeof want, "PARSE duration 5x -1 %s", why);
	CHECK(has(b, want), "bad duration, parse.c's reason (%s): %s", want, b);
	parse_size("10X", &size, &why);
	snprintf(want, sizeof want, "PARSE size 10X -1 %s", why);
	CHECK(has(b, want), "bad size (%s): %s", want, b);
	parse_bool("maybe", &yes, &why);
	snprintf(want, sizeof want, "PARSE bool maybe -1 %s", why);
	CHECK(has(b, want), "bad bool (%s): %s", want, b);
	CHECK(lines(b, "PARSE double 1e3 -1 ") == 1, "no exponent: %s", b);

	/* reason_name: the csv plugin's words */
	static const char *const words[] = {
		"", "closed", "syn_timeout", "fin_timeout", "idle", "evicted", "reused", "exit", "",
	};
	for (int i = 0; i <= 8; i++) {
		snprintf(want, sizeof want, "REASON %d %s", i, words[i]);
		CHECK(has(a, want), "%s: %s", want, a);
	}
	free(a), free(b), free(c), free(d);
}

/* Every instance that sets TT_EV_REMOVED alone: the table makes nothing
 * else; every instance without rates: none needed. */
static void test_host_union(void)
{
	struct config cfg;
	config_defaults(&cfg);
	knobs(&cfg, "u1.out", "events=4,caps=2");
	knobs(&cfg, "u2.out", "at=open,events=4,caps=2");
	struct host *h = host_up(&cfg);
	host_start(h);
	CHECK(host_event_mask(h) == TT_EV_REMOVED, "mask %#x", host_event_mask(h));
	CHECK(host_needs_rates(h) == 0, "no instance reads rates");
	host_stop(h);
	host_free(h);
	config_free(&cfg);
}

/* ---- the tracker, with an input of the test's own ---- */

struct mem_input {
	struct input in;
	const struct pcapfile_pkt *p;
	int n, i;
};

static int mem_dispatch(struct input *in, int max, const struct input_sink *sink)
{
	struct mem_input *m = (struct mem_input *)in;
	int k = 0;
	for (; k < max && m->i < m->n; k++)
		sink->decoded(sink->user, &m->p[m->i++], NULL);
	return k;
}

static int64_t mem_pos(struct input *in) { return ((struct mem_input *)in)->i; }
static const char *mem_error(struct input *in) { (void)in; return "no error"; }
static void mem_close(struct input *in) { (void)in; }

static const struct input_ops mem_ops = {
	.dispatch = mem_dispatch, .pos = mem_pos, .error = mem_error, .close = mem_close,
};

/* Track p[0..n) with the outputs of cfg; returns whether the table
 * sampled rates. */
static int track(struct config *cfg, const struct pcapfile_pkt *p, int n)
{
	char err[512] = "";
	struct mem_input m = {
		.in = {.ops = &mem_ops, .name = "memory", .fd = -1, .dlt = 1, .size = n},
		.p = p, .n = n,
	};
	struct tracker *tr = tracker_new(cfg, "memory");
	CHECK(tracker_load(tr, err, sizeof err) == 0, "tracker_load: %s", err);
	tracker_add_input(tr, &m.in);
	CHECK(tracker_open(tr, err, sizeof err) == 0, "tracker_open: %s", err);
	tracker_start(tr);
	int rates = tracker_samples_rates(tr);
	tracker_run(tr);
	CHECK(tracker_finish(tr) == 0, "exit status");
	CHECK(tracker_stats(tr)->packets == (uint64_t)n, "%d packets read", n);
	tracker_free(tr);
	return rates;
}

/* The largest c2s_rate in the CONN lines of text. */
static double max_rate(const char *text)
{
	double m = -1;
	for (const char *s = strstr(text, "CONN "); s; s = strstr(s + 1, "\nCONN ")) {
		unsigned long long id;
		double c2s, s2c;
		if (sscanf(s + (*s == '\n'), "CONN %llu %lf %lf", &id, &c2s, &s2c) == 3 && c2s > m)
			m = c2s;
	}
	return m;
}

static void test_tracker_rates(void)
{
	static struct pcapfile_pkt p[128];
	int n = connection(p, 50);

	struct config cfg;
	config_defaults(&cfg);
	knobs(&cfg, "r1.out", "caps=2,at=start,interval=1000000");
	knobs(&cfg, "r2.out", "caps=2,at=configure");
	CHECK(track(&cfg, p, n) == 0, "every instance said TT_CAP_NO_RATES: the table has no_rates");
	config_free(&cfg);
	char *r1 = slurp(path_of("r1.out"));
	CHECK(lines(r1, "CONN") >= 4 && max_rate(r1) == 0, "no rates sampled: %s", r1);
	free(r1);

	config_defaults(&cfg);
	knobs(&cfg, "r3.out", "caps=2,at=start,interval=1000000");
	knobs(&cfg, "r4.out", "");
	CHECK(track(&cfg, p, n) == 1, "one instance reads rates: the table samples them");
	config_free(&cfg);
	char *r3 = slurp(path_of("r3.out"));
	CHECK(max_rate(r3) >= 9000 && max_rate(r3) <= 11000, "10 kB/s sampled: %.1f: %s", max_rate(r3), r3);
	free(r3);

	/* a plugin of ABI 1.0 beside one of 1.1: it loads, reads rates (no
	 * TT_CAP_NO_RATES), and gets every event of its descriptor */
	config_defaults(&cfg);
	knobs(&cfg, "r5.out", "caps=2,events=4");
	char spec[512];
	snprintf(spec, sizeof spec, "%s/.libs/probe10.so:file=%s,interval=1000000", TESTS_BUILDDIR,
	         path_of("p10.out"));
	add(&cfg, spec);
	CHECK(track(&cfg, p, n) == 1, "the 1.0 plugin reads rates");
	config_free(&cfg);
	char *p10 = slurp(path_of("p10.out"));
	CHECK(lines(p10, "EV ") == 6 && lines(p10, "EV 1700000000000000 OPENED 1 ") == 1 &&
	      strstr(p10, " REMOVED 1 10.0.0.1:40000 10.0.0.2:80 CLOSED 7\n"),
	      "1.0: every event, opened to removed: %s", p10);
	CHECK(lines(p10, "SNAP") >= 5 && max_rate(p10) > 0, "1.0: snapshots with rates: %s", p10);
	free(p10);
}

/* The 1.0 probe really is one: built against the frozen header. */
static void test_frozen(void)
{
	char so[512];
	snprintf(so, sizeof so, "%s/.libs/probe10.so", TESTS_BUILDDIR);
	void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	CHECK(dl != NULL, "dlopen %s: %s", so, dlerror());
	if (!dl)
		return;
	const struct tt_plugin *pl = dlsym(dl, TT_PLUGIN_SYMBOL);
	CHECK(pl && pl->abi_major == 1 && pl->abi_minor == 0, "probe10 speaks ABI 1.0");
	CHECK(TT_ABI_MINOR >= 1, "this core speaks 1.1 or later");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_host.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_frozen();
	test_host_events();
	test_host_union();
	test_tracker_rates();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (!tap_failures && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	DONE();
}
