/*
 * pcapfile: classic pcap and pcapng files read in blocks and decoded, ahead,
 * by a thread.
 */
#include "pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"

#define BLOCK (256u << 10)       /* one pread(2): the block and the packets in it stay in L2 */
#define MAX_CAPLEN 262144u        /* libpcap's largest for the link types decoded */
#define FILE_HDR 24
#define REC_HDR 16
#define NG_HDR 28                 /* the longest fixed part of a pcapng packet block */
#define HEAD (MAX_CAPLEN + NG_HDR + 4) /* room before a block for a record it ends */
#define NBLK 2                    /* blocks in turn */
#define NCHUNK 4                  /* decoded chunks in the ring */
#define CHUNK 4096                /* packets in a chunk */
#define RAW (256u << 10)          /* bytes of frames kept whole per chunk */

/*
 * Blocks: the file is read BLOCK bytes at a time into one of NBLK blocks,
 * each with HEAD bytes of room before its data, where a record that the
 * previous block began is made whole by copying its beginning.
 *
 * Reading ahead: a thread of the reader's own reads and decodes the file
 * into a ring of NCHUNK chunks of decoded packets while the event loop
 * tracks those of another, so that the kernel's copy of the file, the
 * filter and the decoding run on a second core.  The thread calls only
 * pread, the filter and decode() (no signal reaches it, it touches nothing
 * else of tcptrack's); where it cannot be started the event loop decodes.
 */
struct chunk {
	struct pcapfile_pkt *p;       /* CHUNK decoded packets */
	int n;                        /* of them filled */
	uint8_t *raw;                 /* frames kept whole for the tap (RAW bytes) */
	size_t rawlen;
	int end;                      /* after these: 0 more, 1 the end, -1 damage */
	int64_t start;                /* file offset before them */
	int64_t pos;                  /* file offset after them */
};

struct blk {
	uint8_t *mem;                 /* HEAD + BLOCK bytes */
	size_t n;                     /* bytes of data read (0: the end) */
	int err;                      /* errno of a failed read, else 0 */
};

struct pcapfile {
	int fd;
	int swapped;                  /* the file's byte order is not ours */
	int nsec;                     /* timestamps in nanoseconds */
	uint32_t snapshot;            /* libpcap's snapshot length for the file */
	int filtered;
	struct bpf_program prog;
	const uint8_t *buf;           /* the current block's memory */
	size_t len, off;              /* bytes in buf, bytes of them consumed */
	int eof;
	int ioerr;                    /* the read that ended the file failed so */
	int64_t pos;                  /* file offset of buf[off] */
	int64_t rpos;                 /* file offset of the next block to read */

	struct blk blks[NBLK];
	uint64_t nblk;                /* blocks read so far */

	int ng;                       /* pcapng */
	struct ngif *ifs;             /* pcapng: the section's interfaces */
	uint32_t nifs;
	const char *filter;           /* pcapng: compiled for each interface's link type */
	const char *shown;            /* the filter in the user's words, for messages */
	int bad_filter;               /* the read stopped at an interface the filter
	                               * does not compile for */
	int use_thread;               /* decode ahead in a thread (else in the loop) */
	int dlt;                      /* for decode() */
	const struct decode_tunnels *tun;
	int ahead;                    /* decoded ahead: pcapfile_dispatch_decoded */
	struct chunk chunks[NCHUNK];
	uint64_t filled, freed;       /* chunks decoded so far; given back so far */
	int holding, at;              /* the loop works on chunk number freed, at packet at */
	int64_t cpos;                 /* file offset until the loop takes a chunk */
	int tap_dns;                  /* keep DNS frames whole */
	int synced, started, threaded, stop;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	char err[PCAP_ERRBUF_SIZE];
};

/* A pcapng interface (Interface Description Block). */
struct ngif {
	int dlt;
	uint32_t snap;                /* captured bytes kept, as libpcap adjusts it */
	uint64_t res;                 /* timestamp units a second (if_tsresol) */
	int bin;                      /* res is a power of 2 */
	int64_t offset;               /* seconds added (if_tsoffset) */
	int filtered;
	struct bpf_program prog;
};

static uint32_t get32(const struct pcapfile *f, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return f->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const struct pcapfile *f, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return f->swapped ? __builtin_bswap16(v) : v;
}

struct pcapfile *pcapfile_open(const char *path, pcap_t *pc, int ahead,
                              const struct decode_tunnels *tun)
{
	errno = 0;
	if (!strcmp(path, "-"))
		return NULL;
	/* the file libpcap opened (not the path again, which may name
	 * another file by now), read with pread(2) so that its offset is
	 * left alone */
	FILE *lf = pcap_file(pc);
	int fd = lf ? fcntl(fileno(lf), F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat sb;
	uint8_t h[FILE_HDR];
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
		goto libpcap;
	uint32_t magic;
	memcpy(&magic, h, 4);
	struct pcapfile tmp = {.fd = fd};
	int snap = pcap_snapshot(pc);
	if (magic == 0x0a0d0d0a) {
		/* pcapng: every interface has its link type and snapshot
		 * length; decoded ahead always (by the loop without
		 * read_ahead), so that each packet is decoded as its own */
		tmp.ng = 1;
		goto take;
	}
	if (!decode_dlt_supported(pcap_datalink(pc)))
		goto libpcap;
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xd4c3b2a1: tmp.swapped = 1; break;
	case 0xa1b23c4d: tmp.nsec = 1; break;
	case 0x4d3cb2a1: tmp.swapped = tmp.nsec = 1; break;
	default: goto libpcap; /* a variant libpcap knows better */
	}
	uint16_t major, minor;
	memcpy(&major, h + 4, 2);
	memcpy(&minor, h + 6, 2);
	if (tmp.swapped)
		major = __builtin_bswap16(major), minor = __builtin_bswap16(minor);
	if (major != 2 || minor != 4 || snap <= 0 || (uint32_t)snap > MAX_CAPLEN)
		goto libpcap; /* old versions swapped caplen and len: libpcap knows */
take:;
	struct pcapfile *f = calloc(1, sizeof *f);
	if (!f)
		goto libpcap;
	*f = tmp;
	f->snapshot = (uint32_t)snap;
	f->dlt = pcap_datalink(pc);
	f->tun = tun;
	f->ahead = ahead || f->ng;
	f->use_thread = ahead;
	for (int i = 0; i < NBLK; i++) {
		f->blks[i].mem = malloc(HEAD + BLOCK);
		if (!f->blks[i].mem) {
			pcapfile_close(f);
			errno = 0;
			return NULL;
		}
	}
	for (int i = 0; f->ahead && i < NCHUNK; i++) {
		f->chunks[i].p = malloc(CHUNK * sizeof *f->chunks[i].p);
		if (!f->chunks[i].p) {
			pcapfile_close(f);
			errno = 0;
			return NULL;
		}
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->more, NULL);
	pthread_cond_init(&f->room, NULL);
	f->synced = 1;
	f->pos = f->rpos = f->cpos = f->ng ? 0 : FILE_HDR;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return f;
libpcap:
	close(fd);
	errno = 0;
	return NULL;
}

int pcapfile_set_filter(struct pcapfile *f, pcap_t *pc, const char *expr, const char *shown, char *err,
                        size_t errlen)
{
	if (!expr || !*expr)
		return 0;
	if (f->ng) {
		/* compiled for each interface as it is described; here for
		 * the first, so that a bad filter is said at once */
		f->filter = expr;
		f->shown = shown ? shown : expr;
		pcap_t *dead = pcap_open_dead(pcap_datalink(pc), MAX_CAPLEN);
		int bad = !dead || pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0;
		if (bad)
			snprintf(err, errlen, "filter '%s': %s", expr, dead ? pcap_geterr(dead) : "no memory");
		else
			pcap_freecode(&f->prog);
		if (dead)
			pcap_close(dead);
		return bad ? -1 : 0;
	}
	if (pcap_compile(pc, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(pc));
		return -1;
	}
	f->filtered = 1;
	return 0;
}

/* Read the next block of the file into b. */
static void read_block(struct pcapfile *f, struct blk *b)
{
	ssize_t n;
	do
		n = pread(f->fd, b->mem + HEAD, BLOCK, f->rpos);
	while (n < 0 && errno == EINTR);
	/* an I/O error ends the file (said as libpcap says it) */
	b->n = n > 0 ? (size_t)n : 0;
	b->err = n < 0 ? errno : 0;
	f->rpos += n > 0 ? n : 0;
}

/* Make at least want bytes available at buf + off, unless the file ends
 * first; returns the bytes available (up to want). */
static size_t fill(struct pcapfile *f, size_t want)
{
	size_t have = f->len - f->off;
	while (have < want && !f->eof) {
		/* the next block, with what is left of this one before it */
		struct blk *b = &f->blks[f->nblk++ % NBLK];
		read_block(f, b);
		if (have)
			memcpy(b->mem + HEAD - have, f->buf + f->off, have);
		f->buf = b->mem;
		f->off = HEAD - have;
		f->len = HEAD + b->n;
		f->eof = !b->n;
		f->ioerr = b->err;
		have = f->len - f->off;
	}
	return have < want ? have : want;
}

/* A read of the file failed before what the record needs: in libpcap's words. */
static int read_failed(struct pcapfile *f)
{
	snprintf(f->err, sizeof f->err, "error reading dump file: %s", strerror(f->ioerr));
	return -1;
}

/* ---- pcapng ---- */

/* Skip n bytes of the file from buf + off, across blocks; 0, or -1 when
 * the file ends first. */
static int skip(struct pcapfile *f, uint64_t n)
{
	while (n) {
		size_t have = f->len - f->off;
		if (!have && !(have = fill(f, 1)))
			return -1;
		size_t k = have < n ? have : (size_t)n;
		f->off += k;
		f->pos += (int64_t)k;
		n -= k;
	}
	return 0;
}

static void ng_forget(struct pcapfile *f)
{
	for (uint32_t i = 0; i < f->nifs; i++)
		if (f->ifs[i].filtered)
			pcap_freecode(&f->ifs[i].prog);
	free(f->ifs);
	f->ifs = NULL;
	f->nifs = 0;
}

static int ng_fail(struct pcapfile *f, const char *what)
{
	snprintf(f->err, sizeof f->err, "%s", what);
	return -1;
}

static uint64_t get64(const struct pcapfile *f, const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return f->swapped ? __builtin_bswap64(v) : v;
}

/* The DLT_ value libpcap gives for a LINKTYPE_ value of a file, where
 * they differ for a link type decode() knows. */
static int ng_dlt(int linktype)
{
	switch (linktype) {
	case 100:
		return DLT_ATM_RFC1483;
	case 101:
		return DLT_RAW;
	default:
		return linktype;
	}
}

/* An Interface Description Block (b, len bytes whole): link type,
 * snapshot length, options if_tsresol (9) and if_tsoffset (14). */
static int ng_interface(struct pcapfile *f, const uint8_t *b, uint32_t len)
{
	if (len < 20)
		return ng_fail(f, "pcapng: an Interface Description Block is too short");
	struct ngif ifc = {.dlt = ng_dlt(get16(f, b + 8)), .snap = get32(f, b + 12), .res = 1000000};
	if (ifc.snap == 0 || ifc.snap > MAX_CAPLEN)
		ifc.snap = MAX_CAPLEN; /* as libpcap adjusts it */
	for (uint32_t o = 16; o + 4 <= len - 4;) {
		uint16_t code = get16(f, b + o), olen = get16(f, b + o + 2);
		if (code == 0 || o + 4 + olen > len - 4)
			break;
		const uint8_t *v = b + o + 4;
		if (code == 9 && olen >= 1) {
			int e = v[0] & 0x7f;
			ifc.bin = v[0] >> 7;
			if ((ifc.bin && e > 63) || (!ifc.bin && e > 19))
				return ng_fail(f, "pcapng: an interface's time resolution is out of range");
			ifc.res = 1;
			for (int i = 0; i < e; i++)
				ifc.res *= ifc.bin ? 2 : 10;
		} else if (code == 14 && olen >= 8) {
			ifc.offset = (int64_t)get64(f, v);
		}
		o += 4 + ((olen + 3u) & ~3u);
	}
	if (f->filter) {
		pcap_t *dead = pcap_open_dead(ifc.dlt, (int)ifc.snap);
		if (!dead || pcap_compile(dead, &ifc.prog, f->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(f->err, sizeof f->err, "filter '%s' does not compile for the link type %d of interface id %u: %s",
			         f->shown, ifc.dlt, (unsigned)f->nifs, dead ? pcap_geterr(dead) : "no memory");
			f->bad_filter = 1;
			if (dead)
				pcap_close(dead);
			return -1;
		}
		pcap_close(dead);
		ifc.filtered = 1;
	}
	struct ngif *n = realloc(f->ifs, (f->nifs + 1) * sizeof *n);
	if (!n) {
		if (ifc.filtered)
			pcap_freecode(&ifc.prog);
		return ng_fail(f, "pcapng: no memory for an interface");
	}
	f->ifs = n;
	f->ifs[f->nifs++] = ifc;
	return 0;
}

/* A packet's time as libpcap gives it, in microseconds. */
static void ng_time(const struct ngif *ifc, uint32_t hi, uint32_t lo, struct timeval *tv)
{
	uint64_t t = (uint64_t)hi << 32 | lo;
	uint64_t sec = t / ifc->res, frac = t % ifc->res;
	if (ifc->bin)
		frac = frac * 1000000 / ifc->res;
	else if (ifc->res > 1000000)
		frac /= ifc->res / 1000000;
	else
		frac *= 1000000 / ifc->res;
	/* both within pcap_time_us's bound, so that their sum cannot
	 * overflow; it bounds the sum */
	const int64_t lim = PCAP_TIME_LIMIT / 1000000;
	int64_t s = sec > (uint64_t)lim ? lim : (int64_t)sec;
	int64_t off = ifc->offset > lim ? lim : ifc->offset < -lim ? -lim : ifc->offset;
	tv->tv_sec = (time_t)(s + off);
	tv->tv_usec = (suseconds_t)frac;
}

/* pcapfile_dispatch for pcapng: blocks of a type and a total length, the
 * sections' byte order from their Section Header Blocks. */
static int ng_dispatch(struct pcapfile *f, int cnt, pcap_handler cb, u_char *user)
{
	int n = 0;
	while (n < cnt) {
		size_t got = fill(f, 12);
		if (got < 12 && f->ioerr)
			return read_failed(f);
		if (got == 0)
			return n;
		if (got < 12)
			return ng_fail(f, "pcapng: the file ends inside a block header");
		const uint8_t *b = f->buf + f->off;
		uint32_t type;
		memcpy(&type, b, 4);
		if (type == 0x0a0d0d0a) {
			/* a section: its byte order, and no interfaces yet */
			uint32_t bom;
			memcpy(&bom, b + 8, 4);
			if (bom != 0x1a2b3c4d && bom != 0x4d3c2b1a)
				return ng_fail(f, "pcapng: a Section Header Block with an unknown byte order");
			f->swapped = bom == 0x4d3c2b1a;
			ng_forget(f);
		}
		type = get32(f, b);
		uint32_t tlen = get32(f, b + 4);
		if (tlen < 12 || tlen % 4)
			return ng_fail(f, "pcapng: a block with an impossible length");
		/* the part read here: a packet block's fixed fields, an
		 * interface's whole block */
		uint32_t want = type == 1 ? tlen : (type == 6 || type == 2) && tlen >= NG_HDR ? NG_HDR : 12;
		if (want > HEAD)
			return ng_fail(f, "pcapng: an Interface Description Block too long");
		if (fill(f, want) < want)
			return f->ioerr ? read_failed(f) : ng_fail(f, "pcapng: the file ends inside a block");
		b = f->buf + f->off;
		struct pcap_pkthdr hdr = {0};
		const struct ngif *ifc = NULL;
		uint32_t at = 0, caplen = 0;
		if (type == 1) {
			if (ng_interface(f, b, tlen) < 0)
				return -1;
		} else if (type == 6 || type == 2) { /* enhanced, obsolete packet */
			if (tlen < 32)
				return ng_fail(f, "pcapng: a packet block too short");
			uint32_t id = type == 6 ? get32(f, b + 8) : get16(f, b + 8);
			if (id >= f->nifs)
				return ng_fail(f, "pcapng: a packet on an interface not described");
			ifc = &f->ifs[id];
			ng_time(ifc, get32(f, b + 12), get32(f, b + 16), &hdr.ts);
			caplen = get32(f, b + 20);
			hdr.len = get32(f, b + 24);
			at = 28;
		} else if (type == 3) { /* simple packet: interface 0, no time */
			if (tlen < 16)
				return ng_fail(f, "pcapng: a packet block too short");
			if (f->nifs == 0)
				return ng_fail(f, "pcapng: a Simple Packet Block before any interface");
			ifc = &f->ifs[0];
			hdr.len = get32(f, b + 8);
			caplen = hdr.len < tlen - 16 ? hdr.len : tlen - 16;
			at = 12;
		}
		if (ifc) {
			if (caplen > MAX_CAPLEN || at + caplen > tlen - 4)
				return ng_fail(f, "pcapng: a packet longer than its block");
			if (fill(f, at + caplen) < at + caplen)
				return f->ioerr ? read_failed(f) : ng_fail(f, "pcapng: the file ends inside a packet");
			b = f->buf + f->off;
			hdr.caplen = caplen > ifc->snap ? ifc->snap : caplen;
			const u_char *data = b + at;
			if (!ifc->filtered || pcap_offline_filter(&ifc->prog, &hdr, data)) {
				f->dlt = ifc->dlt;
				cb(user, &hdr, data);
				n++;
			}
		}
		if (skip(f, tlen) < 0)
			return f->ioerr ? read_failed(f) : ng_fail(f, "pcapng: the file ends inside a block");
	}
	return n;
}

int pcapfile_dispatch(struct pcapfile *f, int cnt, pcap_handler cb, u_char *user)
{
	if (f->ng)
		return ng_dispatch(f, cnt, cb, user);
	int n = 0;
	while (n < cnt) {
		size_t got = f->len - f->off >= REC_HDR ? REC_HDR : fill(f, REC_HDR);
		if (got < REC_HDR && f->ioerr)
			return read_failed(f);
		if (got == 0)
			return n; /* the end, between two packets */
		if (got < REC_HDR) {
			snprintf(f->err, sizeof f->err,
			         "truncated dump file; tried to read %d header bytes, only got %zu", REC_HDR, got);
			return -1;
		}
		const uint8_t *r = f->buf + f->off;
		struct pcap_pkthdr hdr;
		/* as libpcap 1.10 takes them: signed in the file's byte order
		 * when it is ours, unsigned when swapped (its swap macro) */
		uint32_t sec = get32(f, r), frac = get32(f, r + 4);
		if (f->swapped) {
			hdr.ts.tv_sec = (time_t)sec;
			hdr.ts.tv_usec = (suseconds_t)(f->nsec ? frac / 1000 : frac);
		} else {
			hdr.ts.tv_sec = (int32_t)sec;
			hdr.ts.tv_usec = f->nsec ? (int32_t)frac / 1000 : (int32_t)frac;
		}
		uint32_t caplen = get32(f, r + 8);
		hdr.len = get32(f, r + 12);
		if (caplen > MAX_CAPLEN) {
			/* (libpcap's words, with the file's snapshot length) */
			snprintf(f->err, sizeof f->err,
			         "invalid packet capture length %u, bigger than snaplen of %u", caplen, f->snapshot);
			return -1;
		}
		if (f->len - f->off < REC_HDR + (size_t)caplen) {
			got = fill(f, REC_HDR + (size_t)caplen);
			if (got < REC_HDR + (size_t)caplen && f->ioerr)
				return read_failed(f);
			if (got < REC_HDR + (size_t)caplen) {
				/* libpcap reads up to the snapshot length first */
				size_t data = got - REC_HDR;
				snprintf(f->err, sizeof f->err,
				         "truncated dump file; tried to read %u captured bytes, only got %zu",
				         caplen > f->snapshot && data < f->snapshot ? f->snapshot : caplen, data);
				return -1;
			}
			r = f->buf + f->off;
		}
		/* more than the file's snapshot length: libpcap keeps the
		 * snapshot length and skips the rest */
		hdr.caplen = caplen > f->snapshot ? f->snapshot : caplen;
		const u_char *data = r + REC_HDR;
		f->off += REC_HDR + (size_t)caplen;
		f->pos += REC_HDR + (int64_t)caplen;
		if (f->filtered && !pcap_offline_filter(&f->prog, &hdr, data))
			continue;
		cb(user, &hdr, data);
		n++;
	}
	return n;
}

/* ---- decoded ahead ---- */

static void into_chunk(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct pcapfile *f = (struct pcapfile *)user;
	struct chunk *c = &f->chunks[f->filled % NCHUNK];
	struct pcapfile_pkt *d = &c->p[c->n++];
	d->ts = pcap_time_us(&h->ts);
	d->result = decode(f->tun, f->dlt, data, h->caplen, h->len, &d->p);
	d->raw = 0;
	if (f->tap_dns && decode_is_dns(d->result, &d->p) && c->rawlen + 8 + h->caplen <= RAW) {
		uint32_t lens[2] = {h->caplen, h->len};
		memcpy(c->raw + c->rawlen, lens, 8);
		memcpy(c->raw + c->rawlen + 8, data, h->caplen);
		d->raw = (uint32_t)c->rawlen + 1;
		c->rawlen += 8 + ((h->caplen + 7u) & ~7u);
	}
}

/* Read and decode the next chunk into chunk number f->filled. */
static void decode_chunk(struct pcapfile *f)
{
	struct chunk *c = &f->chunks[f->filled % NCHUNK];
	c->n = 0;
	c->rawlen = 0;
	c->start = f->pos;
	int r = pcapfile_dispatch(f, CHUNK, into_chunk, (u_char *)f);
	c->end = r < 0 ? -1 : r == 0;
	c->pos = f->pos;
}

static void *decode_ahead(void *arg)
{
	struct pcapfile *f = arg;
	for (;;) {
		pthread_mutex_lock(&f->mu);
		while (f->filled - f->freed >= NCHUNK && !f->stop)
			pthread_cond_wait(&f->room, &f->mu);
		int stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		decode_chunk(f);
		pthread_mutex_lock(&f->mu);
		int end = f->chunks[f->filled % NCHUNK].end;
		f->filled++;
		pthread_cond_signal(&f->more);
		pthread_mutex_unlock(&f->mu);
		if (end)
			break;
	}
	return NULL;
}

int pcapfile_dispatch_decoded(struct pcapfile *f, int cnt, pcapfile_cb cb, void *user)
{
	if (!f->started) {
		f->started = 1;
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		f->threaded = f->use_thread && pthread_create(&f->th, NULL, decode_ahead, f) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	int n = 0;
	while (n < cnt) {
		struct chunk *c = f->holding ? &f->chunks[f->freed % NCHUNK] : NULL;
		if (c && f->at < c->n) {
			const struct pcapfile_pkt *d = &c->p[f->at++];
			cb(user, d, d->raw ? c->raw + d->raw - 1 : NULL);
			n++;
			continue;
		}
		if (c && c->end)
			return n ? n : c->end < 0 ? -1 : 0; /* (and so again after) */
		/* the next chunk */
		if (c) {
			pthread_mutex_lock(&f->mu);
			f->freed++;
			pthread_cond_signal(&f->room);
			pthread_mutex_unlock(&f->mu);
		}
		if (f->threaded) {
			pthread_mutex_lock(&f->mu);
			while (f->filled <= f->freed)
				pthread_cond_wait(&f->more, &f->mu);
			pthread_mutex_unlock(&f->mu);
		} else {
			decode_chunk(f);
			f->filled++;
		}
		f->holding = 1;
		f->at = 0;
	}
	return n;
}

int pcapfile_bad_filter(const struct pcapfile *f)
{
	return f->bad_filter;
}

int pcapfile_dlt(const struct pcapfile *f)
{
	return f->dlt;
}

int pcapfile_tap_dns(struct pcapfile *f)
{
	if (!f->ahead)
		return 0;
	for (int i = 0; i < NCHUNK; i++)
		if (!f->chunks[i].raw && !(f->chunks[i].raw = malloc(RAW)))
			return -1;
	f->tap_dns = 1;
	return 0;
}

int pcapfile_ahead(const struct pcapfile *f)
{
	return f->ahead;
}

int64_t pcapfile_pos(const struct pcapfile *f)
{
	if (!f->ahead)
		return f->pos;
	if (!f->holding)
		return f->cpos;
	/* within the chunk, by its packets handed out: one chunk may hold a
	 * whole small file, which a paced replay takes a minute to show */
	const struct chunk *c = &f->chunks[f->freed % NCHUNK];
	return c->n ? c->start + (c->pos - c->start) * f->at / c->n : c->pos;
}

const char *pcapfile_error(const struct pcapfile *f)
{
	return f->err;
}

void pcapfile_close(struct pcapfile *f)
{
	if (!f)
		return;
	if (f->filtered)
		pcap_freecode(&f->prog);
	ng_forget(f);
	if (f->threaded) {
		pthread_mutex_lock(&f->mu);
		f->stop = 1;
		pthread_cond_signal(&f->room);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->th, NULL);
	}
	if (f->synced) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->more);
		pthread_cond_destroy(&f->room);
	}
	close(f->fd);
	for (int i = 0; i < NBLK; i++)
		free(f->blks[i].mem);
	for (int i = 0; i < NCHUNK; i++) {
		free(f->chunks[i].p);
		free(f->chunks[i].raw);
	}
	free(f);
}
