/*
 * test_config: the value parsers, the INI file (every [core] key, and each
 * error with its file and line), and the -o output specs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "tap.h"

static char dir[] = "/tmp/tcptrack-test-config.XXXXXX";
static int nfiles;
static char files[64][300];

/* Write text to a new file in the temporary directory; its path. */
static const char *conf(const char *text)
{
	char *path = files[nfiles];
	snprintf(path, sizeof files[0], "%s/c%02d.conf", dir, nfiles);
	nfiles++;
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
	return path;
}

static int starts(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

/* ---- value parsers ---- */

static void test_parsers(void)
{
	static const struct { const char *s; int64_t us; } dur[] = {
		{"100ms", 100000}, {"2s", 2000000}, {"1m", 60000000}, {"1h", 3600000000LL},
		{"5", 5000000}, {"1.5s", 1500000}, {"250us", 250}, {"0", 0}, {"0.25", 250000},
		{"1d", 86400000000LL}, {"10MS", 10000}, {" 3s", 3000000}, {"3s ", 3000000},
	};
	for (size_t i = 0; i < sizeof dur / sizeof dur[0]; i++) {
		int64_t v = -1;
		const char *why = NULL;
		int r = parse_duration(dur[i].s, &v, &why);
		CHECK(r == 0 && v == dur[i].us, "parse_duration(\"%s\") = %lld, want %lld (%s)", dur[i].s,
		      (long long)v, (long long)dur[i].us, why ? why : "");
	}
	static const char *baddur[] = {"", " ", "abc", "-1s", "1x", "1sec", "1.5.2s", "s", "1 2s",
	                               "nan", "inf", "1e300s", "2 s s", "+", "0x10s", "1M", " 5M "};
	for (size_t i = 0; i < sizeof baddur / sizeof baddur[0]; i++) {
		int64_t v = 12345;
		const char *why = NULL;
		int r = parse_duration(baddur[i], &v, &why);
		CHECK(r < 0 && why && *why && v == 12345, "parse_duration(\"%s\") refused with a reason",
		      baddur[i]);
	}

	static const struct { const char *s; uint64_t v; } size[] = {
		{"1000", 1000}, {"64k", 64000}, {"32M", 32000000}, {"1G", 1000000000}, {"1Ki", 1024},
		{"2Mi", 2097152}, {"1Gi", 1073741824}, {"1.5k", 1500}, {"0", 0}, {" 7 ", 7},
	};
	for (size_t i = 0; i < sizeof size / sizeof size[0]; i++) {
		uint64_t v = 1;
		const char *why = NULL;
		int r = parse_size(size[i].s, &v, &why);
		CHECK(r == 0 && v == size[i].v, "parse_size(\"%s\") = %llu, want %llu (%s)", size[i].s,
		      (unsigned long long)v, (unsigned long long)size[i].v, why ? why : "");
	}
	static const char *badsize[] = {"", "x", "-5", "1T", "1kb", "k", "12 k", "1e30", "3,000", "100.5",
	                                "1.0001k"};
	for (size_t i = 0; i < sizeof badsize / sizeof badsize[0]; i++) {
		uint64_t v = 12345;
		const char *why = NULL;
		int r = parse_size(badsize[i], &v, &why);
		CHECK(r < 0 && why && *why && v == 12345, "parse_size(\"%s\") refused with a reason", badsize[i]);
	}

	static const struct { const char *s; int v; } bools[] = {
		{"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0}, {"on", 1}, {"off", 0}, {"1", 1},
		{"0", 0}, {"YES", 1}, {"Off", 0},
	};
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		int v = -1;
		const char *why = NULL;
		int r = parse_bool(bools[i].s, &v, &why);
		CHECK(r == 0 && v == bools[i].v, "parse_bool(\"%s\") = %d", bools[i].s, v);
	}
	static const char *badbool[] = {"", "maybe", "2", "yes please", "y", "nope"};
	for (size_t i = 0; i < sizeof badbool / sizeof badbool[0]; i++) {
		int v = 7;
		const char *why = NULL;
		int r = parse_bool(badbool[i], &v, &why);
		CHECK(r < 0 && why && *why && v == 7, "parse_bool(\"%s\") refused with a reason", badbool[i]);
	}
}

/* ADDR[:PORT]: the one splitter of the resolver, listen and target keys */
static void test_hostport(void)
{
	static const struct { const char *s; const char *host; long port; } ok[] = {
		{"127.0.0.1:53", "127.0.0.1", 53}, {"10.0.0.1", "10.0.0.1", -1},
		{"[::1]:9100", "::1", 9100}, {"[::1]", "::1", -1}, {"::1", "::1", -1},
		/* one address, not ::1 and a port */
		{"::1:9100", "::1:9100", -1}, {"localhost:514", "localhost", 514},
		{"127.0.0.1:0", "127.0.0.1", 0}, {"h:65535", "h", 65535}, {"h:00080", "h", 80},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char host[64] = "";
		long port = 7;
		const char *why = NULL;
		int r = parse_hostport(ok[i].s, strlen(ok[i].s), host, sizeof host, &port, &why);
		CHECK(r == 0 && !strcmp(host, ok[i].host) && port == ok[i].port, "parse_hostport(\"%s\") = %s %ld (%s)",
		      ok[i].s, host, port, why ? why : "");
	}
	static const struct { const char *s; const char *why; } bad[] = {
		{"", "no address"}, {":53", "no address"}, {"[]:53", "no address"},
		{"[::1", "without its ']'"}, {"[::1]x", "only :PORT"}, {"[::1]53", "only :PORT"},
		{"[10.0.0.1]:53", "IPv6"}, {"h:", "port"}, {"h:65536", "port"}, {"h:123456", "port"},
		{"h:5x", "port"}, {"h:-1", "port"}, {"h: 80", "port"}, {"[::1]:", "port"},
		{"averyveryverylonghostnamethatdoesnotfit:1", "too long"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char host[32] = "unset";
		long port = 7;
		const char *why = NULL;
		int r = parse_hostport(bad[i].s, strlen(bad[i].s), host, sizeof host, &port, &why);
		CHECK(r < 0 && why && strstr(why, bad[i].why) && !strcmp(host, "unset"),
		      "parse_hostport(\"%s\") refused: %s", bad[i].s, why ? why : "(no reason)");
	}
	/* an item of a list: only its n bytes count */
	char host[64];
	long port;
	const char *why = NULL;
	CHECK(parse_hostport("10.0.0.1:53,[::1]:5", 11, host, sizeof host, &port, &why) == 0 &&
	      !strcmp(host, "10.0.0.1") && port == 53, "a list's first item");
	CHECK(parse_hostport("10.0.0.1:5353", 10, host, sizeof host, &port, &why) == 0 && port == 5,
	      "the port ends at n");
}

/* ---- the file ---- */

static void test_core_keys(void)
{
	struct config c;
	config_defaults(&c);
	/* what a Linux endpoint does: TIME_WAIT 60 s, the last SYN of an
	 * attempt 64 s before it gives up, FIN_WAIT_2 60 s */
	CHECK(c.time_wait_us == 60000000 && c.syn_timeout_us == 64000000 && c.fin_timeout_us == 60000000,
	      "default time_wait, syn_timeout and fin_timeout");
	char err[1024] = "";
	const char *p = conf("; every [core] key\n"
	                     "# both comment styles\n"
	                     "[core]\n"
	                     "interface = eth1\n"
	                     "filter = port 443 and host 192.0.2.1\n"
	                     "user = nobody\n"
	                     "chroot = /var/empty\n"
	                     "plugin_dir = /opt/tcptrack/plugins\n"
	                     "promiscuous = no\n"
	                     "detect_existing = no\n"
	                     "fast_average = yes\n"
	                     "immediate = yes\n"
	                     "refresh = 500ms\n"
	                     "fast_interval = 50ms\n"
	                     "average_window = 2s\n"
	                     "closed_linger = 5s ; an inline comment\n"
	                     "time_wait = 2m\n"
	                     "syn_timeout = 10s\n"
	                     "fin_timeout = 20s\n"
	                     "idle_timeout = 1h\n"
	                     "read_timeout = 20ms\n"
	                     "max_connections = 5000\n"
	                     "snaplen = 256\n"
	                     "buffer_size = 8M\n"
	                     "replay_speed = 2.5\n"
	                     "tcp_health = no\n");
	CHECK(c.tcp_health == 1, "tcp_health is on by default");
	int r = config_load(&c, p, err, sizeof err);
	CHECK(r == 0, "every [core] key loads: %s", err);
	CHECK(c.interface && !strcmp(c.interface, "eth1"), "interface");
	CHECK(c.filter && !strcmp(c.filter, "port 443 and host 192.0.2.1"), "filter");
	CHECK(c.user && !strcmp(c.user, "nobody"), "user");
	CHECK(c.chroot_dir && !strcmp(c.chroot_dir, "/var/empty"), "chroot");
	CHECK(c.plugin_dir && !strcmp(c.plugin_dir, "/opt/tcptrack/plugins"), "plugin_dir");
	CHECK(c.promiscuous == 0, "promiscuous");
	CHECK(c.detect_existing == 0, "detect_existing");
	CHECK(c.fast_average == 1, "fast_average");
	CHECK(c.immediate == 1, "immediate");
	CHECK(c.refresh_us == 500000, "refresh");
	CHECK(c.fast_interval_us == 50000, "fast_interval");
	CHECK(c.average_us == 2000000, "average_window");
	CHECK(c.closed_linger_us == 5000000, "closed_linger (with an inline comment)");
	CHECK(c.time_wait_us == 120000000, "time_wait");
	CHECK(c.syn_timeout_us == 10000000, "syn_timeout");
	CHECK(c.fin_timeout_us == 20000000, "fin_timeout");
	CHECK(c.idle_timeout_us == 3600000000LL, "idle_timeout");
	CHECK(c.read_timeout_us == 20000, "read_timeout");
	CHECK(c.max_connections == 5000, "max_connections");
	CHECK(c.snaplen == 256, "snaplen");
	CHECK(c.buffer_size == 8000000, "buffer_size");
	CHECK(c.replay_speed == 2.5, "replay_speed");
	CHECK(c.tcp_health == 0, "tcp_health");
	CHECK(c.noutputs == 0, "no outputs");
	CHECK(c.path == p, "path recorded");
	config_free(&c);

	/* every documented key is one config_set_core knows */
	config_defaults(&c);
	size_t n = 0;
	for (const char *const *k = config_core_keys; *k; k++, n++) {
		const char *why = NULL;
		int ok = config_set_core(&c, *k, "1", &why) == 0 || (why && strcmp(why, "unknown key"));
		CHECK(ok, "config_core_keys[%zu] '%s' is a known key", n, *k);
	}
	CHECK(n == 35, "35 [core] keys (got %zu)", n);
	config_free(&c);

	/* udp_tunnels: a kind named takes the ports given, the others keep
	 * their registered one */
	config_defaults(&c);
	CHECK(c.udp_tunnels.n == 9, "9 tunnel ports by default (got %u)", c.udp_tunnels.n);
	const char *why = NULL;
	CHECK(config_set_core(&c, "udp_tunnels", "vxlan:4789,8472 teredo:", &why) == 0, "udp_tunnels set: %s",
	      why ? why : "");
	int vx = 0, other = 0, teredo = 0;
	for (int i = 0; i < c.udp_tunnels.n; i++) {
		if (c.udp_tunnels.kind[i] == DECODE_TUN_VXLAN)
			vx += c.udp_tunnels.port[i] == 4789 || c.udp_tunnels.port[i] == 8472;
		else if (c.udp_tunnels.kind[i] == DECODE_TUN_TEREDO)
			teredo++;
		else
			other++;
	}
	CHECK(vx == 2 && teredo == 0 && other == 7 && c.udp_tunnels.n == 9,
	      "vxlan on 4789 and 8472, teredo off, the seven others kept");
	static const char *const bad[] = {"vxlan", "vxlan:0", "vxlan:65536", "vxlan:x", "ipsec:500",
	                                  "vxlan:1 vxlan:2", "vxlan:6081", "vxlan:4789;"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		CHECK(config_set_core(&c, "udp_tunnels", bad[i], &why) < 0 && why, "udp_tunnels '%s' refused: %s",
		      bad[i], why ? why : "");
	}
	CHECK(c.udp_tunnels.n == 9, "a refused value leaves the ports as they were");
	why = NULL;
	CHECK(config_set_core(&c, "colour", "red", &why) < 0 && why && !strcmp(why, "unknown key"),
	      "config_set_core refuses an unknown key");
	config_free(&c);

	/* outputs, with their keys and lines */
	config_defaults(&c);
	p = conf("[output view]\n"
	         "plugin = top\n"
	         "\n"
	         "[output minute-log]\n"
	         "plugin = csv\n"
	         "mode = intervals\n"
	         "interval = 60s\n"
	         "file = /var/log/tcptrack/%Y-%m-%d.csv\n"
	         "[core]\n"
	         "snaplen = 128\n");
	r = config_load(&c, p, err, sizeof err);
	CHECK(r == 0, "outputs load: %s", err);
	CHECK(c.noutputs == 2, "two outputs");
	if (c.noutputs == 2) {
		struct output_cfg *o = &c.outputs[1];
		CHECK(!strcmp(c.outputs[0].name, "view") && !strcmp(c.outputs[0].plugin, "top"), "output view");
		CHECK(!strcmp(o->name, "minute-log") && !strcmp(o->plugin, "csv") && o->plugin_line == 5,
		      "output minute-log, plugin on line 5");
		CHECK(o->file == p || (o->file && !strcmp(o->file, p)), "output file recorded");
		CHECK(c.outputs[0].line == 1 && o->line == 4, "section header lines 1 and 4 (got %d, %d)",
		      c.outputs[0].line, o->line);
		CHECK(o->nkv == 3 && !strcmp(o->kv[0].key, "mode") && !strcmp(o->kv[0].value, "intervals") &&
		          o->kv[0].line == 6 && !strcmp(o->kv[2].key, "file") &&
		          !strcmp(o->kv[2].value, "/var/log/tcptrack/%Y-%m-%d.csv") && o->kv[2].line == 8,
		      "output keys, values and lines");
	}
	CHECK(c.snaplen == 128, "[core] after the outputs");
	config_free(&c);

	/* a long filter expression is kept whole */
	config_defaults(&c);
	char text[1200], longf[900] = "";
	for (int i = 0; i < 40; i++)
		snprintf(longf + strlen(longf), sizeof longf - strlen(longf), "%sport %d", i ? " or " : "",
		         10000 + i);
	snprintf(text, sizeof text, "[core]\nfilter = %s\nsnaplen = 100\n", longf);
	p = conf(text);
	r = config_load(&c, p, err, sizeof err);
	CHECK(r == 0 && c.filter && !strcmp(c.filter, longf) && c.snaplen == 100,
	      "a filter of %zu characters is kept whole (%s)", strlen(longf), r ? err : "truncated");
	config_free(&c);
}

/* Load text; it must fail with message "PATH:LINE: " + rest (rest NULL:
 * only the prefix), and contain must be in it. */
static void bad(const char *what, const char *text, int line, const char *rest, const char *contain)
{
	struct config c;
	config_defaults(&c);
	char err[1024] = "", want[1024];
	const char *p = conf(text);
	int r = config_load(&c, p, err, sizeof err);
	snprintf(want, sizeof want, "%s:%d: %s", p, line, rest ? rest : "");
	int ok = r < 0 && starts(err, want) && strchr(err, '\n') == NULL;
	if (ok && contain)
		ok = strstr(err, contain) != NULL;
	CHECK(ok, "%s: got \"%s\" (%d), want \"%s...\"%s%s", what, err, r, want, contain ? " with " : "",
	      contain ? contain : "");
	config_free(&c);
}

static void test_errors(void)
{
	bad("unknown key in [core]", "[core]\nrefresh = 1s\ncolour = red\n", 3, "key 'colour': unknown key",
	    NULL);
	bad("bad duration", "[core]\n\n; the handshake\nsyn_timeout = soon\n", 4, "key 'syn_timeout': ",
	    "not a duration");
	bad("bad boolean", "[core]\npromiscuous = maybe\n", 2, "key 'promiscuous': ", "boolean");
	bad("duration below its minimum", "[core]\nrefresh = 1ms\n", 2, "key 'refresh': ", "short");
	bad("size below its minimum", "[core]\nmax_connections = 10\n", 2, "key 'max_connections': ", NULL);
	bad("bad size", "[core]\nbuffer_size = lots\n", 2, "key 'buffer_size': ", NULL);
	bad("the first error is the one reported", "[core]\nrefresh = x\nsyn_timeout = y\n", 2,
	    "key 'refresh': ", NULL);
	bad("key outside any section", "snaplen = 100\n", 1, NULL, "section");
	bad("syntax error", "[core]\nthis is not ini\n", 2, NULL, "syntax");
	bad("[core] key given twice", "[core]\nrefresh = 1s\nsnaplen = 100\nrefresh = 2s\n", 4,
	    "key 'refresh': ", "twice");
	bad("output key given twice", "[output a]\nplugin = csv\nmode = connections\nmode = intervals\n", 4,
	    "key 'mode': ", "twice");
	bad("output plugin given twice", "[output a]\nplugin = csv\nplugin = top\n", 3, "key 'plugin': ",
	    "twice");
	bad("unknown section", "[core]\nsnaplen = 100\n[bogus]\n; a comment first\nfoo = bar\n", 3, NULL,
	    "unknown section");
	bad("unknown section without keys", "[core]\nsnaplen = 100\n[bogus]\n", 3, NULL, "unknown section");
	bad("duplicate output name",
	    "[output log]\nplugin = csv\n\n[output log]\n; again\nplugin = csv\n", 4, NULL,
	    "duplicate output name");
	bad("duplicate output name, another section between",
	    "[output log]\nplugin = csv\n[core]\nsnaplen = 100\n[output log]\n\nplugin = csv\n", 5, NULL,
	    "duplicate output name");
	bad("output name with a bad character", "[output a/b]\nplugin = csv\n", 1, NULL, "NAME");
	bad("output without plugin", "[output a]\n; no plugin here\nmode = connections\n", 1, NULL,
	    "key 'plugin'");
	bad("output without any key", "[core]\nsnaplen = 100\n[output empty]\n", 3, NULL, "key 'plugin'");
	bad("empty plugin", "[output a]\nplugin =\n", 2, "key 'plugin': ", NULL);

	struct config c;
	config_defaults(&c);
	char err[1024] = "", want[400];
	snprintf(want, sizeof want, "%s/missing.conf", dir);
	int r = config_load(&c, want, err, sizeof err);
	CHECK(r < 0 && starts(err, want) && strstr(err, "No such file"), "missing file: \"%s\"", err);
	config_free(&c);
}

/* ---- -o specs ---- */

static void test_specs(void)
{
	struct config c;
	config_defaults(&c);
	char err[1024] = "";
	int r = config_add_spec(&c, "csv:mode=connections,file=x", err, sizeof err);
	CHECK(r == 0 && c.noutputs == 1, "csv:mode=connections,file=x parses: %s", err);
	if (c.noutputs == 1) {
		struct output_cfg *o = &c.outputs[0];
		CHECK(!strcmp(o->name, "csv") && !strcmp(o->plugin, "csv"), "named after its plugin");
		CHECK(o->file && !strcmp(o->file, "-o") && o->line == 0, "declared by -o, line 0");
		CHECK(o->nkv == 2 && !strcmp(o->kv[0].key, "mode") && !strcmp(o->kv[0].value, "connections") &&
		          !strcmp(o->kv[1].key, "file") && !strcmp(o->kv[1].value, "x"),
		      "its two keys in order");
	}
	r = config_add_spec(&c, "csv:mode=intervals", err, sizeof err);
	r |= config_add_spec(&c, "csv", err, sizeof err);
	r |= config_add_spec(&c, "top", err, sizeof err);
	r |= config_add_spec(&c, "csv:file=a=b", err, sizeof err);
	CHECK(r == 0 && c.noutputs == 5, "more specs parse: %s", err);
	if (c.noutputs == 5) {
		CHECK(!strcmp(c.outputs[1].name, "csv-2") && !strcmp(c.outputs[2].name, "csv-3") &&
		          !strcmp(c.outputs[3].name, "top") && !strcmp(c.outputs[4].name, "csv-4"),
		      "repeated names numbered: %s %s %s %s", c.outputs[1].name, c.outputs[2].name,
		      c.outputs[3].name, c.outputs[4].name);
		CHECK(c.outputs[2].nkv == 0, "a bare plugin name has no keys");
		CHECK(c.outputs[4].nkv == 1 && !strcmp(c.outputs[4].kv[0].value, "a=b"),
		      "a value may hold '='");
	}
	config_free(&c);

	/* a plugin given by path: named after the file */
	config_defaults(&c);
	r = config_add_spec(&c, "/usr/lib/tcptrack/csv.so:mode=connections", err, sizeof err);
	r |= config_add_spec(&c, "/usr/lib/tcptrack/csv.so", err, sizeof err);
	CHECK(r == 0 && c.noutputs == 2, "specs with a path parse: %s", err);
	if (c.noutputs == 2) {
		CHECK(!strcmp(c.outputs[0].plugin, "/usr/lib/tcptrack/csv.so"), "the path is the plugin");
		CHECK(!strcmp(c.outputs[0].name, "csv") && !strcmp(c.outputs[1].name, "csv-2"),
		      "path outputs named csv, csv-2 (got %s, %s)", c.outputs[0].name, c.outputs[1].name);
	}
	config_free(&c);

	/* an -o output whose name the file already used */
	config_defaults(&c);
	const char *p = conf("[output csv]\nplugin = csv\n");
	r = config_load(&c, p, err, sizeof err);
	r |= config_add_spec(&c, "csv:mode=connections", err, sizeof err);
	CHECK(r == 0 && c.noutputs == 2 && !strcmp(c.outputs[1].name, "csv-2"),
	      "-o after [output csv] is csv-2");
	config_free(&c);

	static const struct { const char *spec, *contain; } bads[] = {
		{":mode=connections", "no plugin"},
		{"", "no plugin"},
		{"csv:mode", "'mode' is not key=value"},
		{"csv:mode=connections,file", "'file' is not key=value"},
		{"csv:mode=connections,mode=intervals", "key 'mode': given twice"},
	};
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		config_defaults(&c);
		err[0] = 0;
		r = config_add_spec(&c, bads[i].spec, err, sizeof err);
		char want[200];
		snprintf(want, sizeof want, "-o %s: ", bads[i].spec);
		CHECK(r < 0 && starts(err, want) && strstr(err, bads[i].contain), "bad spec \"%s\": \"%s\"",
		      bads[i].spec, err);
		config_free(&c);
	}
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	test_parsers();
	test_hostport();
	test_core_keys();
	test_errors();
	test_specs();
	for (int i = 0; i < nfiles; i++)
		unlink(files[i]);
	rmdir(dir);
	DONE();
}
