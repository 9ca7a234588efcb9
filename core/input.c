/*
 * input: the kinds of packet sources, each a table of operations.
 */
#include "input.h"

#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "decode.h"
#include "util.h"

struct source {
	struct input in;       /* first: a struct input * is a struct source * */
	pcap_t *pc;
	struct pcapfile *pf;   /* the block reader, when it reads the file */
	struct bpf_program user; /* in.user_filter's program */
	char *expr;            /* the filter with port 53 added: the block reader
	                        * compiles it again for each interface it meets */
};

static struct source *src(struct input *in) { return (struct source *)in; }

/* ---- libpcap: a live capture or a file it reads ---- */

static int pcap_in_dispatch(struct input *in, int max, const struct input_sink *sink)
{
	return pcap_dispatch(src(in)->pc, max, sink->raw, sink->user);
}

static void pcap_in_stats(struct input *in)
{
	capture_drops(src(in)->pc, &in->kernel_drops, &in->if_drops);
}

static int64_t pcap_in_pos(struct input *in)
{
	FILE *f = pcap_file(src(in)->pc);
	return f && in->size > 0 ? ftell(f) : 0;
}

static const char *pcap_in_error(struct input *in)
{
	return pcap_geterr(src(in)->pc);
}

static void source_close(struct input *in)
{
	struct source *s = src(in);
	if (in->user_filter)
		pcap_freecode(&s->user);
	pcapfile_close(s->pf);
	pcap_close(s->pc);
	free(in->name);
	free(s->expr);
	free(s);
}

static const struct input_ops live_ops = {
	.dispatch = pcap_in_dispatch,
	.stats = pcap_in_stats,
	.pos = pcap_in_pos,
	.error = pcap_in_error,
	.close = source_close,
};

/* libpcap reads a pipe through stdio: what its buffer still holds is
 * read without waiting */
static int pcap_in_idle_fd(struct input *in)
{
	FILE *f = pcap_file(src(in)->pc);
#ifdef __GLIBC__
	if (f && f->_IO_read_ptr >= f->_IO_read_end)
		return fileno(f);
#endif
	(void)f;
	return -1;
}

static const struct input_ops pcap_file_ops = {
	.dispatch = pcap_in_dispatch,
	.idle_fd = pcap_in_idle_fd,
	.pos = pcap_in_pos,
	.error = pcap_in_error,
	.close = source_close,
};

/* ---- the block reader ---- */

static int blocks_dispatch(struct input *in, int max, const struct input_sink *sink)
{
	int r = pcapfile_dispatch(src(in)->pf, max, sink->raw, sink->user);
	if (r < 0)
		in->bad_filter = pcapfile_bad_filter(src(in)->pf);
	return r;
}

static int ahead_dispatch(struct input *in, int max, const struct input_sink *sink)
{
	int r = pcapfile_dispatch_decoded(src(in)->pf, max, sink->decoded, sink->user);
	if (r < 0)
		in->bad_filter = pcapfile_bad_filter(src(in)->pf);
	return r;
}

static int64_t blocks_pos(struct input *in)
{
	return pcapfile_pos(src(in)->pf);
}

static const char *blocks_error(struct input *in)
{
	return pcapfile_error(src(in)->pf);
}

static const struct input_ops blocks_ops = {
	.dispatch = blocks_dispatch,
	.pos = blocks_pos,
	.error = blocks_error,
	.close = source_close,
};

static const struct input_ops ahead_ops = {
	.dispatch = ahead_dispatch,
	.pos = blocks_pos,
	.error = blocks_error,
	.close = source_close,
};

/* ---- opening ---- */

/*
 * The filter compiled for the capture: the user's, and port 53 too when
 * names are learned from DNS answers (whatever the user tracks, the
 * answers that name it pass).  The user's own program is then kept, for
 * the tracker to count only what it takes.  Returns 0, or -1 with err.
 */
static int set_filter(struct source *s, const struct config *cfg, char *err, size_t errlen)
{
	const char *expr = cfg->filter;
	char *both = NULL;
	if (expr && cfg->names_dns) {
		size_t n = strlen(expr) + 32;
		both = xcalloc(1, n);
		snprintf(both, n, "(%s) or port 53", expr);
		if (pcap_compile(s->pc, &s->user, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(s->pc));
			free(both);
			return -1;
		}
		s->in.user_filter = &s->user;
		expr = both;
	}
	int r = capture_set_filter(s->pc, expr, err, errlen);
	if (r == 0 && s->pf)
		r = pcapfile_set_filter(s->pf, s->pc, expr, cfg->filter, err, errlen);
	if (r == 0 && s->pf && cfg->names_dns && pcapfile_tap_dns(s->pf) < 0) {
		snprintf(err, errlen, "%s: out of memory", s->in.name);
		r = -1;
	}
	s->expr = both;
	return r;
}

static struct source *source_new(pcap_t *pc, const char *name, int live)
{
	struct source *s = xcalloc(1, sizeof *s);
	s->pc = pc;
	s->in.name = xstrdup(name);
	s->in.live = live;
	s->in.fd = -1;
	s->in.dlt = pcap_datalink(pc);
	if (!decode_dlt_supported(s->in.dlt))
		msg("%s: link type %s (%d) carries no IP that tcptrack knows: nothing will be counted",
		    name, pcap_datalink_val_to_name(s->in.dlt) ? pcap_datalink_val_to_name(s->in.dlt) : "?",
		    s->in.dlt);
	return s;
}

int input_open_file(struct input **in, const char *path, const struct config *cfg,
                    enum input_reader reader, char *err, size_t errlen)
{
	pcap_t *pc = capture_open_file(path, err, errlen);
	if (!pc)
		return EXIT_NOINPUT;
	struct source *s = source_new(pc, path, 0);
	s->in.tun = &cfg->udp_tunnels;
	s->in.ops = &pcap_file_ops;
	struct stat sb;
	s->in.size = -1;
	if (strcmp(path, "-") && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		s->in.size = sb.st_size;
	*in = &s->in;
	/* read as fast as it goes: by blocks, unless the file is not one for
	 * pcapfile */
	if (reader != INPUT_LIBPCAP)
		s->pf = pcapfile_open(path, pc, cfg->read_ahead, &cfg->udp_tunnels);
	if (s->pf)
		s->in.ops = pcapfile_ahead(s->pf) ? &ahead_ops : &blocks_ops;
	if (set_filter(s, cfg, err, errlen) < 0)
		return EXIT_USAGE;
	if (!s->pf && reader == INPUT_BLOCKS_ONLY) {
		snprintf(err, errlen, "%s: not a file for the block reader (TCPTRACK_READER=pcapfile)", path);
		return EXIT_NOINPUT;
	}
	return 0;
}

int input_open_live(struct input **in, const char *ifname, const struct config *cfg,
                    char *err, size_t errlen)
{
	char *name = ifname ? xstrdup(ifname) : capture_default_interface(err, errlen);
	if (!name)
		return EXIT_UNAVAILABLE;
	int code;
	pcap_t *pc = capture_open_live(name, cfg, err, errlen, &code);
	if (!pc) {
		free(name);
		return code;
	}
	struct source *s = source_new(pc, name, 1);
	s->in.tun = &cfg->udp_tunnels;
	free(name);
	s->in.ops = &live_ops;
	s->in.fd = pcap_get_selectable_fd(pc);
	*in = &s->in;
	if (set_filter(s, cfg, err, errlen) < 0)
		return EXIT_USAGE;
	return 0;
}
