/*
 * input: a source of packets that the tracker's loop drives, whatever reads
 * it: a live capture, a capture file read by libpcap, or a classic pcap file
 * read in blocks (pcapfile), decoded ahead or not.  The loop only sees the
 * operations below, one call per batch; several inputs are an array of them.
 */
#ifndef TT_INPUT_H
#define TT_INPUT_H

#include <pcap/pcap.h>
#include <stdint.h>

#include "config.h"
#include "pcapfile.h"

struct input;

/* Where dispatched packets go, one call per packet in capture order: raw
 * gets a packet as libpcap hands it (to decode with the input's dlt),
 * decoded one that the reader decoded ahead. */
struct input_sink {
	pcap_handler raw;
	pcapfile_cb decoded;
	void *user;
};

struct input_ops {
	/* Up to max packets to the sink.  Returns how many, 0 at the end of a
	 * file (live: none waiting), PCAP_ERROR_BREAK, or another negative
	 * value on an error (ops->error says which). */
	int (*dispatch)(struct input *in, int max, const struct input_sink *sink);
	/* Refresh kernel_drops and if_drops (NULL: none to count). */
	void (*stats)(struct input *in);
	/* Bytes of the file read so far (0 for a pipe or a live capture). */
	int64_t (*pos)(struct input *in);
	/* The words of the last error. */
	const char *(*error)(struct input *in);
	/* A pipe: the descriptor a dispatch would wait on, when nothing read
	 * is left to give (-1: something is, or it cannot tell; NULL: not a
	 * pipe's reader), so that the loop can serve the outputs meanwhile. */
	int (*idle_fd)(struct input *in);
	void (*close)(struct input *in);
};

struct input {
	const struct input_ops *ops;
	char *name;            /* the file ("-": stdin) or the interface */
	int live;
	int fd;                /* to poll for packets; -1: a file, always ready */
	int dlt;               /* the link type, for decode() */
	const struct decode_tunnels *tun; /* the UDP tunnels, for decode() */
	int64_t size;          /* the file's size; -1 unknown (a pipe), 0 live */
	const struct bpf_program *user_filter; /* the user's filter, when the
	                       * capture's takes port 53 too (names): a DNS
	                       * frame it refuses is read, never counted */
	int bad_filter;        /* the read stopped where the filter does not
	                        * compile (a pcapng interface's link type) */
	uint64_t kernel_drops; /* pcap_stats ps_drop, ps_ifdrop (live) */
	uint64_t if_drops;
};

/* How a file is read: by libpcap, by the block reader where it takes the
 * file (else libpcap), or by the block reader or not at all (tests). */
enum input_reader { INPUT_LIBPCAP, INPUT_BLOCKS, INPUT_BLOCKS_ONLY };

/* Open a capture file ("-": stdin) with cfg's filter (and cfg->read_ahead
 * for the block reader).  Returns 0, or an exit status with one line in
 * err. */
int input_open_file(struct input **in, const char *path, const struct config *cfg,
                    enum input_reader reader, char *err, size_t errlen);
/* Open interface ifname (NULL: cfg's, else the first usable one) as cfg
 * says.  Returns 0, or an exit status with one line in err. */
int input_open_live(struct input **in, const char *ifname, const struct config *cfg,
                    char *err, size_t errlen);

#endif
