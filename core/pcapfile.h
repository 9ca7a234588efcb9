/*
 * pcapfile: a reader for classic pcap and pcapng files, for reading big
 * files fast, and pcapng files whose interfaces differ in link type or
 * snapshot length (which libpcap 1.10 stops at).
 *
 * libpcap reads a file with two stdio reads and a copy per packet, which
 * costs as much as tcptrack's own work on a packet.  This reader takes the
 * file in 256 KiB blocks with pread(2) and hands out packets where they lie in
 * the block.  It is used for regular files in the classic format, version
 * 2.4, microsecond or nanosecond, either byte order, of a link type that
 * tcptrack decodes, and for pcapng (every interface's link type, snapshot
 * length, time resolution and offset; enhanced, simple and obsolete packet
 * blocks; sections of either byte order); anything else (a pipe, an old
 * version) is left to libpcap.  Where the two could differ, it does what libpcap does: the
 * same filter (compiled by libpcap), the same packet lengths, the same
 * damage stops the read with the same words.
 */
#ifndef TT_PCAPFILE_H
#define TT_PCAPFILE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct pcapfile;

/* A packet's time in microseconds, within +-2^61 (73,000 years either side
 * of 1970): a damaged or absurd stamp (a pcapng one of 2^63 us, a time
 * resolution of seconds with 64 bits) stays a time the capture clock's
 * arithmetic (ticks, timeouts added) cannot overflow. */
#define PCAP_TIME_LIMIT ((int64_t)1 << 61)
static inline int64_t pcap_time_us(const struct timeval *tv)
{
	int64_t s = (int64_t)tv->tv_sec;
	if (s >= PCAP_TIME_LIMIT / 1000000)
		return PCAP_TIME_LIMIT;
	if (s <= -PCAP_TIME_LIMIT / 1000000)
		return -PCAP_TIME_LIMIT;
	return s * 1000000 + (int64_t)tv->tv_usec;
}

/* Open path for fast reading if it is a file this reader takes; pc is
 * libpcap's handle on the same file (link type, snapshot length); ahead:
 * read and decode ahead in a thread of the reader's own; tun: the UDP
 * tunnels decode() looks into.
 * Returns NULL (errno 0) when libpcap should read it, or on an error. */
struct pcapfile *pcapfile_open(const char *path, pcap_t *pc, int ahead,
                              const struct decode_tunnels *tun);
/* Match packets against expr (NULL: all), compiled on pc; shown: the
 * filter in the user's words, for messages (NULL: expr). */
int pcapfile_set_filter(struct pcapfile *f, pcap_t *pc, const char *expr, const char *shown, char *err,
                        size_t errlen);
/* Whether the read stopped at a pcapng interface whose link type the filter
 * does not compile for (pcapfile_error says which): no damage. */
int pcapfile_bad_filter(const struct pcapfile *f);
/* A packet decoded ahead: its time (us), decode()'s result and its facts. */
struct pcapfile_pkt {
	int64_t ts;
	enum decode_result result;
	uint32_t raw;      /* the chunk's copy of the frame + 1 (0: none) */
	struct pkt p;
};
/* raw: for a frame kept whole (pcapfile_tap_dns), its captured and wire
 * lengths (two uint32_t) then its bytes; else NULL. */
typedef void (*pcapfile_cb)(void *user, const struct pcapfile_pkt *d, const uint8_t *raw);
/* Opened with ahead: keep the frames of DNS (decode_is_dns) whole too, for
 * the loop to read their answers.  Before the first dispatch.  Returns 0,
 * or -1 out of memory. */
int pcapfile_tap_dns(struct pcapfile *f);

/* Opened with ahead: as pcapfile_dispatch, with packets read, filtered and
 * decoded by a thread of the reader's own (started at the first call). */
int pcapfile_dispatch_decoded(struct pcapfile *f, int cnt, pcapfile_cb cb, void *user);
/* Whether f was opened with ahead. */
int pcapfile_ahead(const struct pcapfile *f);

/* Opened without ahead.  As pcap_dispatch(): up to cnt packets matching the filter to cb (reading
 * on past those filtered out).  Returns how many went to cb, 0 at the end
 * of the file, -1 on damage (pcapfile_error). */
int pcapfile_dispatch(struct pcapfile *f, int cnt, pcap_handler cb, u_char *user);
/* The link type of the packet last handed to cb (pcapng: its interface's). */
int pcapfile_dlt(const struct pcapfile *f);
/* Bytes of the file consumed so far. */
int64_t pcapfile_pos(const struct pcapfile *f);
const char *pcapfile_error(const struct pcapfile *f);
void pcapfile_close(struct pcapfile *f);

#endif
