/*
 * config: INI parsing with inih.  The system inih's handler gets no line
 * number, so the reader counts the lines it hands over; every message names
 * the file and line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "parse.h"
#include "util.h"

enum ktype { K_STR, K_BOOL, K_DUR, K_SIZE, K_DOUBLE, K_TUNNELS, K_AUTO };

struct core_key {
	const char *name;
	enum ktype type;
	size_t off;
	int64_t min; /* for durations and sizes */
};

#define O(f) offsetof(struct config, f)
static const struct core_key core_keys[] = {
	{"interface", K_STR, O(interface), 0},
	{"filter", K_STR, O(filter), 0},
	{"user", K_STR, O(user), 0},
	{"chroot", K_STR, O(chroot_dir), 0},
	{"plugin_dir", K_STR, O(plugin_dir), 0},
	{"promiscuous", K_BOOL, O(promiscuous), 0},
	{"detect_existing", K_BOOL, O(detect_existing), 0},
	{"fast_average", K_BOOL, O(fast_average), 0},
	{"immediate", K_BOOL, O(immediate), 0},
	{"refresh", K_DUR, O(refresh_us), 10000},
	{"fast_interval", K_DUR, O(fast_interval_us), 10000},
	{"average_window", K_DUR, O(average_us), 10000},
	{"closed_linger", K_DUR, O(closed_linger_us), 0},
	{"time_wait", K_DUR, O(time_wait_us), 0},
	{"time_wait_acked", K_DUR, O(time_wait_acked_us), 0},
	{"syn_timeout", K_DUR, O(syn_timeout_us), 1000},
	{"fin_timeout", K_DUR, O(fin_timeout_us), 1000},
	{"idle_timeout", K_DUR, O(idle_timeout_us), 0},
	{"read_timeout", K_DUR, O(read_timeout_us), 0},
	{"max_connections", K_SIZE, O(max_connections), 16},
	{"snaplen", K_SIZE, O(snaplen), 68},
	{"buffer_size", K_SIZE, O(buffer_size), 0},
	{"replay_speed", K_DOUBLE, O(replay_speed), 0},
	{"read_ahead", K_BOOL, O(read_ahead), 0},
	{"tcp_health", K_BOOL, O(tcp_health), 0},
	{"udp_tunnels", K_TUNNELS, O(udp_tunnels), 0},
	{"names_dns", K_BOOL, O(names_dns), 0},
	{"names_ptr", K_AUTO, O(names_ptr), 0},
	{"names_cache", K_SIZE, O(names_cache), 16},
	{"names_ptr_rate", K_SIZE, O(names_ptr_rate), 1},
	{"names_ptr_inflight", K_SIZE, O(names_ptr_inflight), 1},
	{"names_ptr_timeout", K_DUR, O(names_ptr_timeout_us), 100000},
	{"names_negative_ttl", K_DUR, O(names_negative_ttl_us), 1000000},
	{"resolver", K_STR, O(resolver), 0},
	{"processes", K_AUTO, O(processes), 0},
};
#undef O

/* The most that works, for the keys that have one: a longer read_timeout
 * holds a light capture in the kernel that long (the view, the rates and
 * the alerts lag, a short run sees nothing); libpcap takes no larger
 * snaplen. */
static const struct {
	const char *name;
	uint64_t max;
	const char *why;
} core_max[] = {
	{"read_timeout", 1000000, "more than 1s (at most 1s)"},
	{"snaplen", 262144, "more than libpcap takes (at most 262144)"},
	{"max_connections", 4294967294u, "more than the table holds (at most 4294967294)"},
	{"names_cache", 10000000, "more than 10M (at most 10M, about 3 GB)"},
	{"names_ptr_rate", 100000, "more than 100k lookups a second (at most 100k)"},
	{"names_ptr_inflight", 65536, "more than 65536 lookups in flight (at most 65536)"},
	{"names_ptr_timeout", 3600000000u, "more than 1h (at most 1h)"},
	{"names_negative_ttl", 7 * 86400000000ull, "more than 7d (at most 7d)"},
};

static int over_max(const char *key, uint64_t v, const char **why)
{
	for (size_t i = 0; i < sizeof core_max / sizeof core_max[0]; i++)
		if (!strcmp(core_max[i].name, key) && v > core_max[i].max) {
			*why = core_max[i].why;
			return 1;
		}
	return 0;
}

const char *const config_core_keys[] = {
	"interface", "filter", "user", "chroot", "plugin_dir", "promiscuous",
	"detect_existing", "fast_average", "immediate", "refresh", "fast_interval",
	"average_window", "closed_linger", "time_wait", "time_wait_acked", "syn_timeout", "fin_timeout",
	"idle_timeout", "read_timeout", "max_connections", "snaplen", "buffer_size",
	"replay_speed", "read_ahead", "tcp_health", "udp_tunnels", "names_dns", "names_ptr",
	"names_cache", "names_ptr_rate", "names_ptr_inflight",
	"names_ptr_timeout", "names_negative_ttl", "resolver", "processes", NULL,
};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->promiscuous = 1;
	c->detect_existing = 1;
	c->refresh_us = 1000000;        /* defs.h: 1 s screen refresh */
	c->fast_interval_us = 100000;   /* defs.h: 100 ms fast average */
	c->average_us = 1000000;
	c->closed_linger_us = 2000000;  /* defs.h: 2 s, -r */
	/* Linux's TIME_WAIT (TCP_TIMEWAIT_LEN): 60 s */
	c->time_wait_us = 60000000;
	/* a close seen complete: only its last FIN sent again (the final ACK
	 * lost beyond the capture point) can follow, one retransmission
	 * timeout after it (srtt + 4 rttvar: Linux 200 ms at least, RFC 6298
	 * 1 s); 3 s covers a round trip of about a second */
	c->time_wait_acked_us = 3000000;
	/* Linux (tcp_syn_retries = 6) sends its last SYN 63 s after the
	 * first and gives up 64 s after that: no SYN of an attempt comes
	 * more than 64 s after the previous one */
	c->syn_timeout_us = 64000000;
	c->fin_timeout_us = 60000000;   /* Linux's tcp_fin_timeout (FIN_WAIT_2): 60 s */
	c->idle_timeout_us = 3600000000LL;
	c->read_timeout_us = 10000;     /* defs.h: 10 ms */
	c->max_connections = 1000000;
	c->snaplen = 192;
	c->buffer_size = 32000000;
	c->replay_speed = 1.0;
	c->read_ahead = 1;
	c->tcp_health = 1;
	const char *why;
	decode_tunnels_parse(&c->udp_tunnels, "", &why);
	c->names_dns = 1;
	c->names_ptr = -1;              /* live only: a replay asks nothing about old traffic */
	c->names_cache = 10000;
	c->names_ptr_rate = 20;
	c->names_ptr_inflight = 16;
	c->names_ptr_timeout_us = 2000000;
	c->names_negative_ttl_us = 300000000;
	c->processes = -1;              /* live only */
}

/* Whether v is a list of DNS servers as the resolver key takes them, and
 * c-ares after it (ares_set_servers_ports_csv): ADDR[:PORT],... with IPv6
 * as [ADDR]:PORT or a bare ADDR, not [ADDR] (found now, not when the
 * lookups start). */
static int resolver_ok(const char *v)
{
	for (;;) {
		size_t n = strcspn(v, ",");
		char addr[64];
		unsigned char bin[16];
		long port;
		const char *why;
		if (parse_hostport(v, n, addr, sizeof addr, &port, &why) < 0 || port == 0 ||
		    (v[0] == '[' && port < 0) || inet_pton(strchr(addr, ':') ? AF_INET6 : AF_INET, addr, bin) != 1)
			return 0;
		if (!v[n])
			return 1;
		v += n + 1;
	}
}

int config_set_core(struct config *c, const char *key, const char *value, const char **why)
{
	for (size_t i = 0; i < sizeof core_keys / sizeof core_keys[0]; i++) {
		const struct core_key *k = &core_keys[i];
		if (strcmp(k->name, key))
			continue;
		void *f = (char *)c + k->off;
		switch (k->type) {
		case K_STR:
			if (!strcmp(key, "plugin_dir") && *value && value[0] != '/') {
				/* else the working directory's: see host.c */
				*why = "must be an absolute path";
				return -1;
			}
			if (!strcmp(key, "resolver") && *value && !resolver_ok(value)) {
				*why = "not a list of ADDR[:PORT] (e.g. 127.0.0.1:5353,[::1]:53)";
				return -1;
			}
			free(*(char **)f);
			*(char **)f = *value ? xstrdup(value) : NULL;
			return 0;
		case K_BOOL:
			return parse_bool(value, f, why);
		case K_DUR: {
			int64_t v;
			if (parse_duration(value, &v, why) < 0)
				return -1;
			if (v < k->min) {
				/* the least it takes, in the unit that shows it whole */
				static char least[64];
				long long m = (long long)k->min;
				if (m % 1000000 == 0)
					snprintf(least, sizeof least, "duration too short (at least %llds)", m / 1000000);
				else if (m % 1000 == 0)
					snprintf(least, sizeof least, "duration too short (at least %lldms)", m / 1000);
				else
					snprintf(least, sizeof least, "duration too short (at least %lldus)", m);
				*why = least;
				return -1;
			}
			if (over_max(key, (uint64_t)v, why))
				return -1;
			*(int64_t *)f = v;
			return 0;
		}
		case K_SIZE: {
			uint64_t v;
			if (parse_size(value, &v, why) < 0)
				return -1;
			if (v < (uint64_t)k->min) {
				static char least[64];
				snprintf(least, sizeof least, "value too small (at least %lld)", (long long)k->min);
				*why = least;
				return -1;
			}
			if (over_max(key, v, why))
				return -1;
			*(uint64_t *)f = v;
			return 0;
		}
		case K_DOUBLE:
			return parse_double(value, f, why);
		case K_TUNNELS:
			return decode_tunnels_parse(f, value, why);
		case K_AUTO:
			if (!strcasecmp(value, "auto")) {
				*(int *)f = -1;
				return 0;
			}
			if (parse_bool(value, f, why) < 0) {
				*why = "use auto, yes or no";
				return -1;
			}
			return 0;
		}
	}
	*why = "unknown key";
	return -1;
}

/* ---- the file ---- */

struct parse_state {
	struct config *c;
	const char *path;
	FILE *f;
	int line;
	char *err;
	size_t errlen;
	int failed;
	int in_section;           /* a section header has been read */
	struct output_cfg *cur;   /* the [output] section being read, or NULL in [core] */
	unsigned char core_seen[sizeof core_keys / sizeof core_keys[0]];
	char *long_value;         /* see reader() */
	char *buf;                /* the line being read: CONFIG_LINE_MAX + 1 */
	size_t size;              /* bytes read so far */
};

static int fail(struct parse_state *ps, const char *key, const char *why)
{
	if (!ps->failed) {
		if (key)
			snprintf(ps->err, ps->errlen, "%s:%d: key '%s': %s", ps->path, ps->line, key, why);
		else
			snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->path, ps->line, why);
	}
	ps->failed = 1;
	return 0;
}

static struct output_cfg *new_output(struct config *c, const char *name)
{
	c->outputs = xrealloc(c->outputs, (c->noutputs + 1) * sizeof *c->outputs);
	struct output_cfg *o = &c->outputs[c->noutputs++];
	memset(o, 0, sizeof *o);
	o->name = xstrdup(name);
	return o;
}

static void add_kv(struct output_cfg *o, const char *k, const char *v, int line)
{
	o->kv = xrealloc(o->kv, (o->nkv + 1) * sizeof *o->kv);
	o->kv[o->nkv].key = xstrdup(k);
	o->kv[o->nkv].value = xstrdup(v);
	o->kv[o->nkv].line = line;
	o->nkv++;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

/* A section header, seen by the reader on its own line: the system inih
 * calls the handler only for keys, so an empty or misnamed section would
 * otherwise go unnoticed, or be reported at its first key's line. */
static void section(struct parse_state *ps, const char *line)
{
	struct config *c = ps->c;
	const char *close = strchr(line, ']');
	if (!close) {
		fail(ps, NULL, "a section header without ']'");
		return;
	}
	/* nothing after it but blanks and a comment */
	const char *t = close + 1;
	t += strspn(t, " \t\r\n");
	if (*t && *t != ';' && *t != '#') {
		fail(ps, NULL, "text after the section header's ']'");
		return;
	}
	char name[256];
	size_t n = (size_t)(close - line - 1);
	if (n >= sizeof name) {
		fail(ps, NULL, "section name too long");
		return;
	}
	memcpy(name, line + 1, n);
	name[n] = 0;
	char *b = name, *e = name + n;
	while (*b == ' ' || *b == '\t')
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	ps->in_section = 1;
	ps->cur = NULL;
	if (!strcmp(b, "core"))
		return;
	if (strncmp(b, "output", 6) || (b[6] != ' ' && b[6] != '\t')) {
		fail(ps, NULL, "unknown section (use [core] or [output NAME])");
		return;
	}
	const char *o = b + 7;
	while (*o == ' ' || *o == '\t')
		o++;
	if (!valid_name(o)) {
		fail(ps, NULL, "section [output NAME]: NAME must be letters, digits, '-', '_' or '.'");
		return;
	}
	for (size_t i = 0; i < c->noutputs; i++)
		if (!strcmp(c->outputs[i].name, o)) {
			fail(ps, NULL, "duplicate output name");
			return;
		}
	ps->cur = new_output(c, o);
	ps->cur->file = ps->path;
	ps->cur->line = ps->line;
}

/* The value of a line too long for inih's line buffer (Debian's is 200
 * bytes, fixed at build time): the reader hands inih "key = LONG_MARK"
 * and the handler takes the real value from here. */
#define LONG_MARK "\x01"

/* Bounds of what is read: a configuration is a few kilobytes; a device or
 * a runaway pipe given as one must not grow memory without end. */
#define CONFIG_LINE_MAX 4096
#define CONFIG_SIZE_MAX (1 << 20)

/* One line into ps->buf (NUL-terminated, newline kept); its length, 0 at
 * the end of the file, -1 when it breaks a bound. */
static ssize_t read_line(struct parse_state *ps)
{
	size_t n = 0;
	int ch = 0;
	while (n < CONFIG_LINE_MAX && (ch = getc(ps->f)) != EOF) {
		ps->buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	ps->buf[n] = 0;
	ps->size += n;
	if (n == CONFIG_LINE_MAX && ch != '\n') {
		ps->line++;
		fail(ps, NULL, "line too long (a line has at most 4096 bytes)");
		return -1;
	}
	if (ps->size > CONFIG_SIZE_MAX) {
		fail(ps, NULL, "file too large (a configuration has at most 1 MiB)");
		return -1;
	}
	return (ssize_t)n;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	ssize_t len = read_line(ps);
	if (len <= 0)
		return NULL;
	char *line = ps->buf;
	ps->line++;
	if (memchr(line, 0, (size_t)len)) {
		fail(ps, NULL, "a NUL byte in the line");
		return NULL;
	}
	/* a byte order mark, as some editors write: not part of the text */
	if (ps->line == 1 && !strncmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	/* leading blanks go: inih would take an indented line for the
	 * continuation of the value before it (blanks around keys are
	 * ignored, tcptrack.conf(5)) */
	while (*line == ' ' || *line == '\t') {
		line++;
		len--;
	}
	const char *l = line;
	if (*l == '[' && !ps->failed)
		section(ps, l);
	free(ps->long_value);
	ps->long_value = NULL;
	if (len + 1 < num) {
		memcpy(str, line, (size_t)len + 1);
		return str;
	}
	if (*l == ';' || *l == '#') {
		snprintf(str, (size_t)num, ";\n"); /* a long comment stays one */
		return str;
	}
	if (*l == '[') {
		snprintf(str, (size_t)num, "[s]\n"); /* section() took it: its name is ours */
		return str;
	}
	/* key = value, with inih's rules: the key ends at '=' or ':', the
	 * value loses its inline comment (" ;") and surrounding blanks */
	char *eq = strpbrk(line, "=:");
	size_t klen = eq ? (size_t)(eq - line) : 0;
	if (!eq || klen + sizeof LONG_MARK + 4 > (size_t)num) {
		fail(ps, NULL, "line too long");
		return NULL;
	}
	char *v = eq + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (char *c = v; *c; c++)
		if (*c == ';' && (c[-1] == ' ' || c[-1] == '\t')) {
			*c = 0;
			break;
		}
	size_t vl = strlen(v);
	while (vl && (v[vl - 1] == '\n' || v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		v[--vl] = 0;
	ps->long_value = xstrdup(v);
	snprintf(str, (size_t)num, "%.*s= " LONG_MARK "\n", (int)klen, line);
	return str;
}

int config_core_index(const char *key)
{
	for (size_t i = 0; i < sizeof core_keys / sizeof core_keys[0]; i++)
		if (!strcmp(core_keys[i].name, key))
			return (int)i;
	return -1;
}

static int handler(void *user, const char *section_name, const char *name, const char *value)
{
	struct parse_state *ps = user;
	(void)section_name;
	if (ps->failed || !name)
		return 1;
	if (ps->long_value && !strcmp(value, LONG_MARK))
		value = ps->long_value;
	if (!ps->in_section)
		return fail(ps, name, "outside any section (put it under [core] or [output NAME])");
	if (ps->cur) {
		if (!strcmp(name, "plugin")) {
			if (ps->cur->plugin)
				return fail(ps, name, "given twice");
			if (!*value)
				return fail(ps, name, "empty");
			ps->cur->plugin = xstrdup(value);
			ps->cur->plugin_line = ps->line;
			return 1;
		}
		for (size_t i = 0; i < ps->cur->nkv; i++)
			if (!strcmp(ps->cur->kv[i].key, name))
				return fail(ps, name, "given twice");
		add_kv(ps->cur, name, value, ps->line);
		return 1;
	}
	int k = config_core_index(name);
	if (k >= 0 && ps->core_seen[k]++)
		return fail(ps, name, "given twice");
	const char *why;
	int *line = !strcmp(name, "filter") ? &ps->c->filter_line : !strcmp(name, "user") ? &ps->c->user_line :
	            !strcmp(name, "chroot") ? &ps->c->chroot_line : !strcmp(name, "interface") ? &ps->c->interface_line :
	            NULL;
	if (line)
		*line = ps->line;
	if (config_set_core(ps->c, name, value, &why) < 0) {
		const char *near = k < 0 ? util_nearest(name, config_core_keys) : NULL;
		char hint[128];
		if (near) {
			snprintf(hint, sizeof hint, "unknown key (did you mean '%s'?)", near);
			why = hint;
		} else if (k < 0 && !strcmp(name, "plugin")) {
			why = "unknown key in [core] (an output's plugin goes in an [output NAME] section)";
		}
		return fail(ps, name, why);
	}
	return 1;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct parse_state ps = {.c = c, .path = path, .err = err, .errlen = errlen};
	ps.f = fopen(path, "r");
	if (!ps.f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	/* what was opened, not what the name said a moment before: a file,
	 * or a pipe (-c <(...)); a pipe others may write is refused as a
	 * file would be */
	struct stat st;
	char why[512];
	const char *bad = NULL;
	if (fstat(fileno(ps.f), &st) < 0)
		bad = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		bad = "is a directory, not a configuration file";
	else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		bad = "not a regular file or a pipe";
	else if (S_ISREG(st.st_mode) && st.st_size > CONFIG_SIZE_MAX)
		bad = "file too large (a configuration has at most 1 MiB)";
	else if (util_untrusted(path, &st, why, sizeof why))
		bad = why;
	if (bad) {
		fclose(ps.f);
		/* what to do about it: as root, only a file (and directories) that
		 * root alone may change names the code tcptrack loads */
		snprintf(err, errlen, "%s: refusing the configuration: %s%s", path, bad,
		         bad == why ? " (read a copy no one else may change: sudo install -m 644 FILE "
		                      SYSCONFDIR "/)" : "");
		return -1;
	}
	ps.buf = xmalloc(CONFIG_LINE_MAX + 1);
	size_t before = c->noutputs;
	int r = ini_parse_stream(reader, &ps, handler, &ps);
	int rerr = ferror(ps.f) ? errno : 0;
	fclose(ps.f);
	free(ps.long_value);
	free(ps.buf);
	if (!ps.failed && rerr) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(rerr));
		return -1;
	}
	if (!ps.failed && r > 0) {
		ps.line = r;
		fail(&ps, NULL, "syntax error (expected [section] or key = value)");
	} else if (!ps.failed && r < 0) {
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	if (ps.failed)
		return -1;
	for (size_t i = before; i < c->noutputs; i++) {
		if (!c->outputs[i].plugin) {
			snprintf(err, errlen, "%s:%d: [output %s]: key 'plugin': missing", path,
			         c->outputs[i].line, c->outputs[i].name);
			return -1;
		}
	}
	c->path = path;
	return 0;
}

int config_add_spec(struct config *c, const char *spec, char *err, size_t errlen)
{
	char *s = xstrdup(spec);
	char *colon = strchr(s, ':');
	if (colon)
		*colon = 0;
	if (!*s) {
		snprintf(err, errlen, "-o %s: no plugin named (use -o plugin:key=value,...)", spec);
		free(s);
		return -1;
	}
	/* the name of an -o output is its plugin's, numbered when repeated */
	char base[128], name[160];
	snprintf(base, sizeof base, "%.100s", strrchr(s, '/') ? strrchr(s, '/') + 1 : s);
	size_t bl = strlen(base);
	if (bl > 3 && !strcmp(base + bl - 3, ".so"))
		base[bl - 3] = 0;
	snprintf(name, sizeof name, "%s", base);
	for (int n = 2;; n++) {
		int clash = 0;
		for (size_t i = 0; i < c->noutputs; i++)
			clash |= !strcmp(c->outputs[i].name, name);
		if (!clash)
			break;
		snprintf(name, sizeof name, "%s-%d", base, n);
	}
	struct output_cfg *o = new_output(c, name);
	o->plugin = xstrdup(s);
	o->file = "-o";
	if (colon) {
		char *save = NULL;
		for (char *kv = strtok_r(colon + 1, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			if (!eq) {
				snprintf(err, errlen, "-o %s: '%s' is not key=value", spec, kv);
				free(s);
				return -1;
			}
			*eq = 0;
			for (size_t i = 0; i < o->nkv; i++)
				if (!strcmp(o->kv[i].key, kv)) {
					snprintf(err, errlen, "-o %s: key '%s': given twice", spec, kv);
					free(s);
					return -1;
				}
			add_kv(o, kv, eq + 1, 0);
		}
	}
	free(s);
	return 0;
}

void config_output_free(struct output_cfg *o)
{
	free(o->name);
	free(o->plugin);
	for (size_t j = 0; j < o->nkv; j++) {
		free(o->kv[j].key);
		free(o->kv[j].value);
	}
	free(o->kv);
}

void config_free(struct config *c)
{
	free(c->interface);
	free(c->filter);
	free(c->user);
	free(c->chroot_dir);
	free(c->plugin_dir);
	free(c->resolver);
	for (size_t i = 0; i < c->noutputs; i++)
		config_output_free(&c->outputs[i]);
	free(c->outputs);
	memset(c, 0, sizeof *c);
}
