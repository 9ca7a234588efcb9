/*
 * A libFuzzer target over the block reader (core/pcapfile.c): the input is
 * a whole capture file, written to a memory file and read to its end or its
 * damage, every packet decoded as tcptrack would.  The link type and the
 * snapshot length are those of the file's header, as libpcap would report
 * them (the reader only takes the classic format's magic numbers).
 */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode.h"
#include "pcapfile.h"

static uint64_t sink;

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	int dlt = *(int *)user;
	struct pkt p;
	/* the reader must hand out caplen readable bytes, caplen no more
	 * than the snapshot length */
	if (decode(NULL, dlt, data, h->caplen, h->len, &p) == DECODE_TCP)
		sink += p.payload + p.sport;
	sink += h->ts.tv_sec + h->ts.tv_usec + h->caplen;
}

static void on_decoded(void *user, const struct pcapfile_pkt *d, const uint8_t *raw)
{
	(void)user;
	(void)raw;
	sink += (uint64_t)d->ts + d->result + (d->result == DECODE_TCP ? d->p.payload : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 24)
		return 0;
	uint32_t magic, snap, link;
	memcpy(&magic, data, 4);
	memcpy(&snap, data + 16, 4);
	memcpy(&link, data + 20, 4);
	if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		snap = __builtin_bswap32(snap), link = __builtin_bswap32(link);
	static const int dlts[] = {1, 113, 276, 12, 101, 228, 229, 0, 108, 9};
	int dlt = dlts[link % (sizeof dlts / sizeof dlts[0])];
	if (snap == 0 || snap > 262144)
		snap = 262144;
	pcap_t *pc = pcap_open_dead(dlt, (int)snap);
	int fd = memfd_create("capture", 0);
	if (!pc || fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (pc)
			pcap_close(pc);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	/* read and decoded ahead by a thread, or not, as the input's size is odd or even */
	struct pcapfile *f = pcapfile_open(path, pc, size & 1, NULL);
	if (f) {
		int r;
		do
			r = size & 1 ? pcapfile_dispatch_decoded(f, 64, on_decoded, NULL)
			             : pcapfile_dispatch(f, 64, on_packet, (u_char *)&dlt);
		while (r > 0);
		if (r < 0)
			sink += strlen(pcapfile_error(f));
		pcapfile_close(f);
	}
	close(fd);
	pcap_close(pc);
	return 0;
}
