/*
 * capture: opening a capture file or an interface with libpcap, the filter,
 * and the kernel's drop counters.
 */
#ifndef TT_CAPTURE_H
#define TT_CAPTURE_H

#include <pcap/pcap.h>
#include <stdint.h>

#include "config.h"

/* Open file ("-" = stdin). On failure err holds one line; returns NULL. */
pcap_t *capture_open_file(const char *file, char *err, size_t errlen);
/* Open interface ifname (NULL: the first usable one, as tcpdump picks).
 * *code gets the exit status on failure. */
pcap_t *capture_open_live(const char *ifname, const struct config *cfg, char *err,
                          size_t errlen, int *code);
/* The first usable interface's name, or NULL. */
char *capture_default_interface(char *err, size_t errlen);
/* Compile and set the filter expression (NULL: none). */
int capture_set_filter(pcap_t *p, const char *expr, char *err, size_t errlen);
/* Kernel drop counters (live). */
int capture_drops(pcap_t *p, uint64_t *drops, uint64_t *ifdrops);

#endif
