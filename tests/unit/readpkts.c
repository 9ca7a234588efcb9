/*
 * readpkts: the packets of a capture file as libpcap reads them, or as
 * tcptrack's block reader (core/pcapfile.c) does, one line each: time,
 * captured and wire lengths, link type, a hash of the bytes; then how the
 * read ended.  tests/cmd/pcapng.sh compares the two.
 * usage: readpkts libpcap|pcapfile FILE
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "pcapfile.h"

struct out {
	int dlt;
	struct pcapfile *f;
	unsigned long n;
};

static void line(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct out *o = (struct out *)user;
	uint64_t x = 1469598103934665603ULL; /* FNV-1a */
	for (uint32_t i = 0; i < h->caplen; i++)
		x = (x ^ data[i]) * 1099511628211ULL;
	printf("%ld.%06ld %u %u %d %016llx\n", (long)h->ts.tv_sec, (long)h->ts.tv_usec, h->caplen, h->len,
	       o->f ? pcapfile_dlt(o->f) : o->dlt, (unsigned long long)x);
	o->n++;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(argv[2], err);
	if (!pc) {
		printf("open: %s\n", err);
		return 1;
	}
	struct out o = {.dlt = pcap_datalink(pc)};
	int r;
	if (!strcmp(argv[1], "pcapfile")) {
		o.f = pcapfile_open(argv[2], pc, 0, NULL);
		if (!o.f) {
			printf("left to libpcap\n");
			pcap_close(pc);
			return 3;
		}
		while ((r = pcapfile_dispatch(o.f, 1000, line, (u_char *)&o)) > 0)
			;
		printf("end %d %s\n", r, r < 0 ? pcapfile_error(o.f) : "");
		pcapfile_close(o.f);
	} else {
		while ((r = pcap_dispatch(pc, 1000, line, (u_char *)&o)) > 0)
			;
		printf("end %d %s\n", r, r < 0 ? pcap_geterr(pc) : "");
	}
	pcap_close(pc);
	return 0;
}
