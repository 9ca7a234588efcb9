/*
 * pcapfile: classic pcap files read in blocks and decoded, ahead, by a
 * thread.
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
#define HEAD (MAX_CAPLEN + REC_HDR) /* room before a block for a record it ends */
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

	int dlt;                      /* for decode() */
	int ahead;                    /* decoded ahead: pcapfile_dispatch_decoded */
	struct chunk chunks[NCHUNK];
	uint64_t filled, freed;       /* chunks decoded so far; given back so far */
	int holding, at;              /* the loop works on chunk number freed, at packet at */
	int64_t cpos;                 /* file offset after the chunks the loop took */
	int tap_dns;                  /* keep DNS frames whole */
	int synced, started, threaded, stop;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	char err[PCAP_ERRBUF_SIZE];
};

static uint32_t get32(const struct pcapfile *f, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return f->swapped ? __builtin_bswap32(v) : v;
}

struct pcapfile *pcapfile_open(const char *path, pcap_t *pc, int ahead)
{
	errno = 0;
	if (!strcmp(path, "-") || !decode_dlt_supported(pcap_datalink(pc)))
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
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xd4c3b2a1: tmp.swapped = 1; break;
	case 0xa1b23c4d: tmp.nsec = 1; break;
	case 0x4d3cb2a1: tmp.swapped = tmp.nsec = 1; break;
	default: goto libpcap; /* pcapng, or a variant libpcap knows better */
	}
	uint16_t major, minor;
	memcpy(&major, h + 4, 2);
	memcpy(&minor, h + 6, 2);
	if (tmp.swapped)
		major = __builtin_bswap16(major), minor = __builtin_bswap16(minor);
	int snap = pcap_snapshot(pc);
	if (major != 2 || minor != 4 || snap <= 0 || (uint32_t)snap > MAX_CAPLEN)
		goto libpcap; /* old versions swapped caplen and len: libpcap knows */
	struct pcapfile *f = calloc(1, sizeof *f);
	if (!f)
		goto libpcap;
	*f = tmp;
	f->snapshot = (uint32_t)snap;
	f->dlt = pcap_datalink(pc);
	f->ahead = ahead;
	for (int i = 0; i < NBLK; i++) {
		f->blks[i].mem = malloc(HEAD + BLOCK);
		if (!f->blks[i].mem) {
			pcapfile_close(f);
			errno = 0;
			return NULL;
		}
	}
	for (int i = 0; ahead && i < NCHUNK; i++) {
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
	f->pos = f->rpos = f->cpos = FILE_HDR;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return f;
libpcap:
	close(fd);
	errno = 0;
	return NULL;
}

int pcapfile_set_filter(struct pcapfile *f, pcap_t *pc, const char *expr, char *err, size_t errlen)
{
	if (!expr || !*expr)
		return 0;
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

int pcapfile_dispatch(struct pcapfile *f, int cnt, pcap_handler cb, u_char *user)
{
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
	d->ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	d->result = decode(f->dlt, data, h->caplen, h->len, &d->p);
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
		f->threaded = pthread_create(&f->th, NULL, decode_ahead, f) == 0;
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
		f->cpos = f->chunks[f->freed % NCHUNK].pos;
	}
	return n;
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
	return f->ahead ? f->cpos : f->pos;
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
