/*
 * tcptrack: the command line, the configuration, and the run of one
 * tracker (tracker.c) over one input.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "input.h"
#include "tracker.h"
#include "util.h"
#include "wfile.h"

/* What the command line says. */
struct cmdline {
	const char *cfgfile, *file, *iface, *user, *linger;
	const char **specs;  /* -o, in order */
	int nspecs;
	int opt_d, opt_f, opt_n, opt_p, opt_q, check_only;
	char *filter;        /* the words after the options, joined; NULL: none */
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tcptrack [-dfhnpqv] [-r seconds] [-c config] [-o output] [-Z user]\n"
	        "                [-T file | -i interface] [filter expression]\n"
	        "  -i IF      capture live on IF (also 'any'); default: the config's, else the first usable\n"
	        "  -T FILE    read a pcap or pcapng file ('-' for stdin)\n"
	        "  -d         track only connections that start (SYN) after tcptrack started\n"
	        "  -f         fast average recalculation (several times a second)\n"
	        "  -n         no names: no reverse lookups, none from DNS answers (as tcpdump -n)\n"
	        "  -p         do not put the interface into promiscuous mode\n"
	        "  -q         quiet: no line on stderr at a headless live start\n"
	        "  -r SECS    how long a closed connection stays shown (default 2)\n"
	        "  -c FILE    configuration file (default %s/tcptrack.conf when it exists:\n"
	        "             its settings and views; its other outputs only when named with -c)\n"
	        "  -o SPEC    add an output: plugin:key=value,... (e.g. csv:mode=connections,file=out.csv)\n"
	        "  -Z USER    drop privileges to USER once the capture and outputs are open\n"
	        "  --check-config  check the configuration and outputs, then exit\n"
	        "  -h, --help     this help\n"
	        "  -v, --version  version\n"
	        "The filter is a pcap filter expression (tcpdump syntax); only TCP is tracked.\n",
	        SYSCONFDIR);
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

/* Fill cl from argv.  Returns -1 to go on, else the exit status. */
static int parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
	static const struct option longopts[] = {
		{"check-config", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	cl->specs = xcalloc((size_t)argc + 1, sizeof *cl->specs);
	opterr = 0;
	/* options may come after the filter's words too (tcptrack -i eth0
	 * port 80 -d), as tcptrack 1.x and tcpdump take them; -- ends them */
	int o;
	while ((o = getopt_long(argc, argv, ":dfhnpqvr:c:o:Z:T:i:", longopts, NULL)) != -1) {
		switch (o) {
		case 'd': cl->opt_d = 1; break;
		case 'f': cl->opt_f = 1; break;
		case 'n': cl->opt_n = 1; break;
		case 'p': cl->opt_p = 1; break;
		case 'q': cl->opt_q = 1; break;
		case 'r': cl->linger = optarg; break;
		case 'c': cl->cfgfile = optarg; break;
		case 'o': cl->specs[cl->nspecs++] = optarg; break;
		case 'Z': cl->user = optarg; break;
		case 'T': cl->file = optarg; break;
		case 'i': cl->iface = optarg; break;
		case 'C': cl->check_only = 1; break;
		case 'h': usage(stdout); return 0;
		case 'v':
			printf("tcptrack %s (plugin ABI %d.%d, %s)\n", PACKAGE_VERSION, TT_ABI_MAJOR,
			       TT_ABI_MINOR, pcap_lib_version());
			return 0;
		case ':':
			msg("option -%c needs a value (tcptrack -h for help)", optopt);
			return EXIT_USAGE;
		default:
			/* a long option given a value it does not take: its
			 * optopt is its short form's */
			if (optind > 0 && !strncmp(argv[optind - 1], "--", 2) && strchr(argv[optind - 1], '=')) {
				const char *a = argv[optind - 1];
				msg("option %.*s takes no value (tcptrack -h for help)", (int)(strchr(a, '=') - a), a);
			} else if (optopt)
				msg("unknown option -%c (tcptrack -h for help)", optopt);
			else
				msg("unknown option %s (tcptrack -h for help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (cl->file && cl->iface) {
		msg("-T and -i cannot be used together");
		return EXIT_USAGE;
	}
	/* an empty value (tcptrack -i "$IF" with IF unset) is no value: not
	 * the default interface, nor keeping root for -Z */
	const struct {
		char flag;
		const char *v;
	} vals[] = {{'i', cl->iface}, {'Z', cl->user}, {'T', cl->file}, {'c', cl->cfgfile}};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		if (vals[i].v && !vals[i].v[0]) {
			msg("option -%c needs a value, not an empty one (tcptrack -h for help)", vals[i].flag);
			return EXIT_USAGE;
		}
	for (int i = 0; i < cl->nspecs; i++)
		if (!cl->specs[i][0]) {
			msg("option -o needs a value, not an empty one (tcptrack -h for help)");
			return EXIT_USAGE;
		}
	if (optind < argc) {
		cl->filter = join_args(argc - optind, argv + optind);
		if (!cl->filter[strspn(cl->filter, " \t\n")])
			cl->filter[0] = 0; /* blanks only: no filter, as an empty one */
	}
	return -1;
}

/* The default configuration file read without -c: its [core] settings
 * apply, and its views (top), but its other outputs are the service's (the
 * unit names the file with -c): `tcptrack -i eth0' typed at a terminal
 * shows the view, as tcptrack 1.x, and neither truncates the service's
 * logs nor sends its alerts again.  Said on stderr, before any view. */
static void service_outputs_off(struct config *cfg, int quiet)
{
	char names[512] = "";
	size_t kept = 0, off = 0, len = 0;
	for (size_t i = 0; i < cfg->noutputs; i++) {
		struct output_cfg *o = &cfg->outputs[i];
		if (!strcmp(o->plugin, "top")) {
			cfg->outputs[kept++] = *o;
			continue;
		}
		if (len < sizeof names)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", off ? ", " : "", o->name);
		off++;
		config_output_free(o);
	}
	cfg->noutputs = kept;
	if (off && !quiet)
		msg("not starting the %zu output%s of %s (%s): without -c, that file gives the "
		    "settings; its outputs run with -c %s",
		    off, off == 1 ? "" : "s", cfg->path, names, cfg->path);
}

/* The configuration file, then the command line over it, then the default
 * output.  Returns 0 or the exit status. */
static int configure(struct cmdline *cl, struct config *cfg)
{
	char err[1024];
	config_defaults(cfg);
	int implicit = 0;
	if (!cl->cfgfile) {
		static const char def[] = SYSCONFDIR "/tcptrack.conf";
		if (access(def, F_OK) == 0)
			cl->cfgfile = def;
		implicit = cl->cfgfile != NULL;
	}
	if (cl->cfgfile) {
		/* config_load refuses, as sshd's StrictModes, a file that others
		 * may change: it names the code tcptrack loads */
		if (config_load(cfg, cl->cfgfile, err, sizeof err) < 0) {
			msg("%s", err);
			return EXIT_CONFIG;
		}
	}
	if (implicit && !cl->check_only)
		service_outputs_off(cfg, cl->opt_q);
	/* the command line overrides the file */
	const char *why;
	if (cl->opt_d)
		cfg->detect_existing = 0;
	if (cl->opt_f)
		cfg->fast_average = 1;
	if (cl->opt_p)
		cfg->promiscuous = 0;
	if (cl->opt_n)
		cfg->names_ptr = cfg->names_dns = 0;
	if (cl->linger && config_set_core(cfg, "closed_linger", cl->linger, &why) < 0) {
		msg("-r %s: %s", cl->linger, why);
		return EXIT_USAGE;
	}
	if (cl->user)
		config_set_core(cfg, "user", cl->user, &why);
	if (cl->iface)
		config_set_core(cfg, "interface", cl->iface, &why);
	if (cl->filter) {
		config_set_core(cfg, "filter", cl->filter, &why);
		cfg->filter_cmdline = 1;
	}
	for (int i = 0; i < cl->nspecs; i++)
		if (config_add_spec(cfg, cl->specs[i], err, sizeof err) < 0) {
			msg("%s", err);
			return EXIT_CONFIG;
		}
	if (cfg->noutputs == 0) {
		/* the top view on a terminal, else a connection log on stdout */
		config_add_spec(cfg, isatty(STDOUT_FILENO) ? "top" : "csv:mode=connections,file=-",
		                err, sizeof err);
		cfg->outputs[0].file = OUTPUT_DEFAULT; /* no -o to name in a message */
	}
	return 0;
}

/* Where a core key came from, for a message: "-Z: ", or "FILE: key 'K': ". */
static void origin(char *buf, size_t len, const struct cmdline *cl, int on_cmdline, const char *opt,
                   const char *key, int line)
{
	if (on_cmdline)
		snprintf(buf, len, "%s%s", opt ? opt : "", opt ? ": " : "");
	else if (line)
		snprintf(buf, len, "%s:%d: key '%s': ", cl->cfgfile ? cl->cfgfile : "configuration", line, key);
	else
		snprintf(buf, len, "%s: key '%s': ", cl->cfgfile ? cl->cfgfile : "configuration", key);
}

/* Whether the live interface named exists (or is one of libpcap's own
 * devices, as "any"); without a name, tcptrack picks one at start. */
static int interface_exists(const char *name)
{
	if (if_nametoindex(name))
		return 1;
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_if_t *all = NULL;
	int found = 0;
	if (pcap_findalldevs(&all, ebuf) < 0)
		return 1; /* cannot tell: the start will */
	for (pcap_if_t *d = all; d && !found; d = d->next)
		found = !strcmp(d->name, name);
	pcap_freealldevs(all);
	return found;
}

/* The file an output's file key names, as something to compare: the file
 * itself when it exists (another name of it too), else its directory's
 * real path and its name, else the name as given (patterns of the clock).
 * Returns 0 for a device (/dev/null: any number may write it). */
static int file_identity(const char *path, char *id, size_t len)
{
	struct stat st;
	char buf[2][PATH_MAX];
	/* a symbolic link to a file not made yet: the name it leads to (as
	 * many links as the kernel follows) */
	for (int i = 0; i < 40 && stat(path, &st) < 0 && lstat(path, &st) == 0 && S_ISLNK(st.st_mode); i++) {
		char to[PATH_MAX];
		ssize_t n = readlink(path, to, sizeof to - 1);
		if (n <= 0)
			break;
		to[n] = 0;
		char tmp[4096];
		int d = to[0] == '/' ? 0 : (int)wfile_dir(path, tmp, sizeof tmp);
		if ((size_t)d + (size_t)n >= sizeof buf[0])
			break;
		memcpy(buf[i & 1], path, (size_t)d);
		memcpy(buf[i & 1] + d, to, (size_t)n + 1);
		path = buf[i & 1];
	}
	if (stat(path, &st) == 0) {
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			return 0;
		snprintf(id, len, "@%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
		return 1;
	}
	char dir[4096], real[PATH_MAX];
	size_t n = wfile_dir(path, dir, sizeof dir);
	if (realpath(dir, real))
		snprintf(id, len, "%s/%s", real, path + n);
	else
		snprintf(id, len, "%s", path);
	return 1;
}

/* "file VALUE, -o" or "file VALUE, FILE line N": where an output's key
 * was given */
static void where_kv(char *buf, size_t len, const struct output_cfg *o, const struct output_kv *kv)
{
	if (!o->file || !strcmp(o->file, "-o") || !strcmp(o->file, OUTPUT_DEFAULT) || !kv->line)
		snprintf(buf, len, "%s %s, -o", kv->key, kv->value);
	else
		snprintf(buf, len, "%s %s, %s line %d", kv->key, kv->value, o->file, kv->line);
}

/* Two outputs that write one file would mix their rows in it, headers
 * and all, and an output that writes the capture file being read or the
 * configuration file would destroy it: configuration mistakes (78).
 * Standard output ("-") is the host's (TT_CAP_STDOUT), devices anyone's. */
static int same_files(const struct cmdline *cl, const struct config *cfg)
{
	char a[PATH_MAX + 64], b[PATH_MAX + 64];
	for (size_t i = 0; i < cfg->noutputs; i++)
		for (size_t j = 0; j < cfg->outputs[i].nkv; j++) {
			const struct output_kv *x = &cfg->outputs[i].kv[j];
			char wa[600], wb[600];
			if (strcmp(x->key, "file") || !strcmp(x->value, "-") || !file_identity(x->value, a, sizeof a))
				continue;
			const char *ins[2] = {cl->file && strcmp(cl->file, "-") ? cl->file : NULL, cl->cfgfile};
			for (int k = 0; k < 2; k++)
				if (ins[k] && file_identity(ins[k], b, sizeof b) && !strcmp(a, b)) {
					where_kv(wa, sizeof wa, &cfg->outputs[i], x);
					msg("output %s (%s) would write over the %s it reads: give it a file of its own",
					    cfg->outputs[i].name, wa, k ? "configuration file" : "capture file");
					return EXIT_CONFIG;
				}
			for (size_t k = i + 1; k < cfg->noutputs; k++)
				for (size_t m = 0; m < cfg->outputs[k].nkv; m++) {
					const struct output_kv *y = &cfg->outputs[k].kv[m];
					if (strcmp(y->key, "file") || !strcmp(y->value, "-") ||
					    !file_identity(y->value, b, sizeof b) || strcmp(a, b))
						continue;
					where_kv(wa, sizeof wa, &cfg->outputs[i], x);
					where_kv(wb, sizeof wb, &cfg->outputs[k], y);
					msg("outputs %s (%s) and %s (%s) write the same file: give each a "
					    "file of its own", cfg->outputs[i].name, wa, cfg->outputs[k].name, wb);
					return EXIT_CONFIG;
				}
		}
	return 0;
}

/* What can be checked before any capture starts and any output opens, is,
 * without side effects: the filter compiles, the user exists, the chroot
 * is a directory and comes with a user, the interface exists.  A mistake
 * of the command line is a usage error (64), one of the file a
 * configuration error (78) (tcptrack(8), EXIT STATUS).  Returns 0 or the
 * exit status. */
static int check_config(const struct cmdline *cl, const struct config *cfg)
{
	char where[512];
	int r;
	if (cfg->filter) {
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
		struct bpf_program prog;
		if (dead && pcap_compile(dead, &prog, cfg->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			origin(where, sizeof where, cl, cl->filter != NULL, NULL, "filter", cfg->filter_line);
			msg("%sfilter '%s': %s", where, cfg->filter, pcap_geterr(dead));
			pcap_close(dead);
			return cl->filter ? EXIT_USAGE : EXIT_CONFIG;
		}
		if (dead) {
			pcap_freecode(&prog);
			pcap_close(dead);
		}
	}
	if (cfg->user && !getpwnam(cfg->user)) {
		origin(where, sizeof where, cl, cl->user != NULL, "-Z", "user", cfg->user_line);
		msg("%suser '%s': no such user", where, cfg->user);
		return cl->user ? EXIT_USAGE : EXIT_CONFIG;
	}
	if (cfg->chroot_dir) {
		struct stat st;
		origin(where, sizeof where, cl, 0, NULL, "chroot", cfg->chroot_line);
		if (cfg->chroot_dir[0] != '/') {
			msg("%s'%s': not an absolute path", where, cfg->chroot_dir);
			return EXIT_CONFIG;
		}
		int sr = stat(cfg->chroot_dir, &st);
		if (sr < 0 || !S_ISDIR(st.st_mode)) {
			msg("%s'%s': %s", where, cfg->chroot_dir, sr < 0 ? strerror(errno) : "not a directory");
			return EXIT_CONFIG;
		}
		/* root inside a chroot can leave it: it is only a confinement
		 * together with a user to become */
		if (!cfg->user) {
			msg("%s'%s': a chroot needs a user to drop privileges to (user, or -Z)", where,
			    cfg->chroot_dir);
			return EXIT_CONFIG;
		}
	}
	if ((r = same_files(cl, cfg)))
		return r;
	if (!cl->file && cfg->interface && !interface_exists(cfg->interface)) {
		origin(where, sizeof where, cl, cl->iface != NULL, "-i", "interface", cfg->interface_line);
		msg("%s'%s': no such interface", where, cfg->interface);
		return EXIT_UNAVAILABLE;
	}
	return 0;
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

/* The file or the interface.  A file is read by blocks where the block
 * reader takes it (a regular file), unless TCPTRACK_READER says libpcap
 * ("pcapfile": the block reader or nothing, for tests). */
static int open_input(const struct cmdline *cl, const struct config *cfg, struct input **in, char *err,
                      size_t errlen)
{
	if (!cl->file)
		return input_open_live(in, cfg->interface, cfg, err, errlen);
	const char *reader = getenv("TCPTRACK_READER");
	enum input_reader how = INPUT_BLOCKS;
	if (reader && !strcmp(reader, "libpcap"))
		how = INPUT_LIBPCAP;
	else if (reader && !strcmp(reader, "pcapfile"))
		how = INPUT_BLOCKS_ONLY;
	return input_open_file(in, cl->file, cfg, how, err, errlen);
}

/* A headless live start says once what it captures and where the outputs
 * go, as tcpdump's "listening on": a service otherwise says nothing until
 * it stops.  -q: not a word. */
static void say_listening(const struct input *in, const struct config *cfg)
{
	char line[1024];
	size_t n = 0;
	n += (size_t)snprintf(line, sizeof line, "capturing on %s", in->name);
	if (cfg->filter && n < sizeof line)
		n += (size_t)snprintf(line + n, sizeof line - n, ", filter '%s'", cfg->filter);
	for (size_t i = 0; i < cfg->noutputs && n < sizeof line; i++) {
		const struct output_cfg *o = &cfg->outputs[i];
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%s (%s", i ? ", " : "; outputs: ",
		                      o->name, o->plugin);
		for (size_t j = 0; j < o->nkv && n < sizeof line; j++)
			if (!strcmp(o->kv[j].key, "file") || !strcmp(o->kv[j].key, "target"))
				n += (size_t)snprintf(line + n, sizeof line - n, ", %s %s", o->kv[j].key,
				                      o->kv[j].value);
		if (n < sizeof line)
			n += (size_t)snprintf(line + n, sizeof line - n, ")");
	}
	msg("%s", line);
}

static struct tracker *running; /* whose terminal a fatal error restores */

static void emergency_stop(void)
{
	tracker_emergency_stop(running);
}

/* Load the outputs, open the input, track to the end.  Returns the exit
 * status. */
static int run(const struct cmdline *cl, const struct config *cfg)
{
	char err[1024];
	struct tracker *tr = tracker_new(cfg, cl->file);
	running = tr;
	int r = tracker_load(tr, err, sizeof err);
	if (r) {
		msg("%s", err);
		return r;
	}
	if ((r = check_config(cl, cfg)))
		return r;
	if (cl->check_only) {
		printf("%s: configuration OK (%zu output%s)\n", cl->cfgfile ? cl->cfgfile : "command line",
		       cfg->noutputs, cfg->noutputs == 1 ? "" : "s");
		return 0;
	}
	struct input *in = NULL;
	if ((r = open_input(cl, cfg, &in, err, sizeof err))) {
		if (r == EXIT_USAGE && !cl->filter) {
			/* the file's filter, valid, but not for the capture's link
			 * type (check_config compiles it for Ethernet) */
			char where[512];
			origin(where, sizeof where, cl, 0, NULL, "filter", cfg->filter_line);
			msg("%s%s", where, err);
			r = EXIT_CONFIG;
		} else {
			msg("%s", err);
		}
		if (in) /* opened, then refused (its filter, or the reader asked for) */
			in->ops->close(in);
		return r;
	}
	tracker_add_input(tr, in);
	if ((r = tracker_open(tr, err, sizeof err)) < 0) {
		if (r == -EINTR && tracker_stop_asked())
			return 0; /* stopped while an output waited (a FIFO's reader): nothing was counted */
		msg("%s", err);
		return EXIT_CANTCREAT;
	}
	drop_privileges(cfg->user, cfg->chroot_dir);
	tracker_start(tr);
	if (!cl->opt_q && !cl->file && !tracker_interactive(tr))
		say_listening(in, cfg);
	tracker_run(tr);
	r = tracker_finish(tr);
	running = NULL;
	tracker_free(tr);
	return r;
}

int main(int argc, char **argv)
{
	/* static: they live as long as the process, early exits included */
	static struct cmdline cl;
	static struct config cfg;
	tracker_catch_signals();
	util_atfatal = emergency_stop;
	int r = parse_cmdline(argc, argv, &cl);
	if (r >= 0)
		return r;
	if ((r = configure(&cl, &cfg)))
		return r;
	free(cl.specs);
	cl.specs = NULL;
	r = run(&cl, &cfg);
	config_free(&cfg);
	free(cl.filter);
	return r;
}
