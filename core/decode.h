/*
 * decode: bytes of one captured frame in, the TCP facts tcptrack needs out.
 * Pure: no allocation, no globals, no logging; every read is bounds-checked.
 * The UDP ports of the tunnels looked into are the caller's (the [core]
 * key udp_tunnels), handed in with each frame.
 */
#ifndef TT_DECODE_H
#define TT_DECODE_H

#include <stdint.h>

/* decode() results; also the indexes of the statistics classes */
enum decode_result {
	DECODE_TCP = 0,      /* a TCP segment: pkt is filled */
	DECODE_NON_TCP,      /* IP, but no TCP in it (UDP, ICMP, TCP quoted in ICMP...) */
	DECODE_FRAGMENT,     /* a non-first IP fragment: never parsed as TCP */
	DECODE_TRUNCATED,    /* the capture ends before the TCP flags */
	DECODE_INVALID,      /* a header that cannot be right */
	DECODE_UNSUPPORTED,  /* a link type or protocol that carries no IP we know */
	DECODE_NRESULTS
};

/* TCP flags (RFC 9293 section 3.1) */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

struct pkt {
	uint8_t family;      /* 4 or 6 */
	uint8_t flags;       /* TCP flags */
	uint16_t sport;      /* host byte order */
	uint16_t dport;
	uint16_t win;        /* window field as sent (not scaled); 0 when not whole */
	uint32_t ip_bytes;   /* IPv4 total length, IPv6 40 + payload length */
	uint32_t payload;    /* TCP payload bytes */
	uint32_t seq;        /* sequence number */
	uint32_t ack;        /* acknowledgment field (also without ACK) */
	uint8_t saddr[16];   /* network order; IPv4 in the first 4 bytes, rest 0 */
	uint8_t daddr[16];
	uint8_t whole;       /* the header was captured up to the window
	                      * (else win is 0) */
	uint8_t want_l4;     /* decode_l4's, in what was padding: decode() clears it */
	int64_t ts;          /* the frame's capture time (us): set by the caller,
	                      * decode() leaves it alone */
};

/* The UDP tunnels decode() looks into, by port: up to DECODE_TUNNEL_PORTS
 * (port, kind) pairs. */
#define DECODE_TUNNEL_PORTS 32
enum decode_tunnel {
	DECODE_TUN_NONE, DECODE_TUN_VXLAN, DECODE_TUN_GENEVE, DECODE_TUN_GTPU,
	DECODE_TUN_GRE, DECODE_TUN_TEREDO, DECODE_TUN_AYIYA, DECODE_TUN_CAPWAP,
	DECODE_TUN_L2TP, DECODE_TUN_VXLAN_GPE,
	DECODE_TUN_KINDS
};
struct decode_tunnels {
	uint8_t n;
	uint8_t kind[DECODE_TUNNEL_PORTS];
	uint16_t port[DECODE_TUNNEL_PORTS];
};

/*
 * Set t from spec, words "KIND:PORT,PORT..." (KIND one of vxlan, geneve,
 * gtpu, gre, teredo, ayiya, capwap, l2tp, vxlan-gpe): a kind named takes
 * exactly the ports given (none: "KIND:"), the others keep their
 * registered port.  "" gives
 * the registered ports.  Returns 0, or -1 with *why set (t unchanged).
 */
int decode_tunnels_parse(struct decode_tunnels *t, const char *spec, const char **why);

/*
 * Decode a frame of link type dlt (a DLT_ value as pcap_datalink() gives
 * it).  caplen bytes are at p; wirelen is the frame's length on the wire
 * (used when an IPv4 total length of 0 says segmentation offload).  tun:
 * the UDP tunnels to look into (NULL: those on their registered ports).
 */
enum decode_result decode(const struct decode_tunnels *tun, int dlt, const uint8_t *p,
                          uint32_t caplen, uint32_t wirelen, struct pkt *out);

/* Where a frame's transport header lies (decode_l4): the rest of the
 * frame from it, and what decode() said of the frame. */
struct l4 {
	struct pkt p;        /* first: the walk fills it as decode() does */
	const uint8_t *data; /* the transport header (NULL: none found) */
	uint32_t len;        /* bytes captured from it, within the IP datagram */
	uint8_t proto;       /* IP protocol number (6 TCP, 17 UDP) */
};

/* decode() without its fast path, also telling where the innermost
 * transport header is (for the few frames whose payload is read: DNS). */
enum decode_result decode_l4(const struct decode_tunnels *tun, int dlt, const uint8_t *p,
                             uint32_t caplen, uint32_t wirelen, struct l4 *out);

/* Whether what decode() said of a frame is TCP or UDP on port 53 (for UDP,
 * decode() fills only the ports of pkt). */
static inline int decode_is_dns(enum decode_result r, const struct pkt *p)
{
	return (r == DECODE_TCP || r == DECODE_NON_TCP) && (p->sport == 53 || p->dport == 53);
}

/* Whether decode() knows link type dlt. */
int decode_dlt_supported(int dlt);

#endif
