/*
 * floor: the libpcap floor for the benchmark.
 *
 * Reads a capture file with pcap_dispatch and an empty callback, the least
 * work any libpcap-based tracker must do on the same file.  The benchmark
 * divides tcptrack's time by this one.
 *
 * usage: floor FILE
 * prints: "<packets> <seconds>" on stdout (seconds of wall time spent from
 * pcap_open_offline to the end of the file, monotonic clock)
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <time.h>

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	(void)user;
	(void)hdr;
	(void)data;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	if (argc != 2) {
		fprintf(stderr, "usage: floor FILE\n");
		return 64;
	}
	double t0 = now();
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "floor: pcap_open_offline(%s): %s\n", argv[1], err);
		return 66;
	}
	unsigned long long total = 0;
	for (;;) {
		/* the same batch size an event loop would ask for; -1 would read
		 * the whole file in one call, which no tracker does */
		int n = pcap_dispatch(p, 64, on_packet, NULL);
		if (n < 0) {
			fprintf(stderr, "floor: pcap_dispatch(%s): %s\n", argv[1], pcap_geterr(p));
			pcap_close(p);
			return 65;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
	}
	pcap_close(p);
	printf("%llu %.6f\n", total, now() - t0);
	return 0;
}
