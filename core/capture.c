/*
 * capture: libpcap setup.
 */
#include "capture.h"

#include <errno.h>
#include <string.h>

#include "util.h"

pcap_t *capture_open_file(const char *file, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	/* libpcap reads a file with two fread()s a packet; a large stdio
	 * buffer turns a quarter of a million read(2)s a gigabyte into a
	 * thousand */
	FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s: %s", file, ebuf);
		if (f != stdin)
			fclose(f);
	}
	return p;
}

char *capture_default_interface(char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, ebuf) < 0) {
		snprintf(err, errlen, "pcap_findalldevs: %s", ebuf);
		return NULL;
	}
	/* as tcpdump: the first device that is up and running and not a
	 * loopback; pcap_findalldevs already sorts the best first */
	char *name = NULL;
	for (pcap_if_t *d = all; d && !name; d = d->next)
		if (!(d->flags & PCAP_IF_LOOPBACK) && (d->flags & PCAP_IF_UP) && (d->flags & PCAP_IF_RUNNING) &&
		    strcmp(d->name, "any") && !strstr(d->name, "nflog") && !strstr(d->name, "nfqueue") &&
		    !strstr(d->name, "dbus") && !strstr(d->name, "bluetooth"))
			name = xstrdup(d->name);
	for (pcap_if_t *d = all; d && !name; d = d->next)
		if (!(d->flags & PCAP_IF_LOOPBACK) && strcmp(d->name, "any"))
			name = xstrdup(d->name);
	if (!name)
		snprintf(err, errlen, "no usable interface found (use -i)");
	pcap_freealldevs(all);
	return name;
}

pcap_t *capture_open_live(const char *ifname, const struct config *cfg, char *err,
                          size_t errlen, int *code)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	*code = EXIT_UNAVAILABLE;
	pcap_t *p = pcap_create(ifname, ebuf);
	if (!p) {
		snprintf(err, errlen, "capture: pcap_create(%s): %s", ifname, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, (int)(cfg->snaplen > 262144 ? 262144 : cfg->snaplen));
	pcap_set_promisc(p, cfg->promiscuous);
	if (cfg->buffer_size)
		pcap_set_buffer_size(p, (int)(cfg->buffer_size > 2000000000 ? 2000000000 : cfg->buffer_size));
	if (cfg->immediate)
		pcap_set_immediate_mode(p, 1);
	else
		pcap_set_timeout(p, (int)((cfg->read_timeout_us + 999) / 1000));
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	int r = pcap_activate(p);
	if (r < 0) {
		const char *why = pcap_geterr(p);
		if (r == PCAP_ERROR_PERM_DENIED) {
			*code = EXIT_NOPERM;
			snprintf(err, errlen, "capture: pcap_activate(%s): %s (run as root or with CAP_NET_RAW)", ifname, why);
		} else if (r == PCAP_ERROR_NO_SUCH_DEVICE) {
			snprintf(err, errlen, "capture: pcap_activate(%s): no such device", ifname);
		} else {
			snprintf(err, errlen, "capture: pcap_activate(%s): %s", ifname,
			         why && *why ? why : pcap_statustostr(r));
		}
		pcap_close(p);
		return NULL;
	}
	if (r > 0 && r != PCAP_WARNING_PROMISC_NOTSUP)
		msg("capture: %s: %s", ifname, pcap_statustostr(r));
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		snprintf(err, errlen, "capture: pcap_setnonblock(%s): %s", ifname, ebuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

int capture_set_filter(pcap_t *p, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	if (!expr || !*expr)
		return 0;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(p));
		return -1;
	}
	int r = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (r < 0) {
		snprintf(err, errlen, "filter '%s': %s", expr, pcap_geterr(p));
		return -1;
	}
	return 0;
}

int capture_drops(pcap_t *p, uint64_t *drops, uint64_t *ifdrops)
{
	struct pcap_stat st;
	if (pcap_stats(p, &st) < 0)
		return -1;
	*drops = st.ps_drop;
	*ifdrops = st.ps_ifdrop;
	return 0;
}
