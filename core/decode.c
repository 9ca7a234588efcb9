/*
 * decode: link layer -> IPv4/IPv6 (with tunnels and extension headers) ->
 * TCP.  The readable window narrows as we go: from the captured bytes to the
 * IP datagram's own length, then to the TCP header.
 */
#include "decode.h"

#include <string.h>

/* Link types, by value: the pcap header values and the DLT_ values libpcap
 * maps them to on the platforms we know. */
#define LT_NULL        0
#define LT_EN10MB      1
#define LT_PPP         9
#define LT_FDDI        10
#define LT_ATM_RFC1483 11
#define LT_RAW12       12  /* DLT_RAW on most systems, DLT_LOOP on OpenBSD */
#define LT_RAW14       14  /* DLT_RAW on old BSDs */
#define LT_PPP_SERIAL  50
#define LT_PPP_ETHER   51
#define LT_RAW         101 /* LINKTYPE_RAW */
#define LT_C_HDLC      104
#define LT_FRELAY      107
#define LT_IEEE802_11  105
#define LT_LOOP        108
#define LT_LINUX_SLL   113
#define LT_PFLOG       117
#define LT_PRISM       119
#define LT_RADIOTAP    127
#define LT_ARCNET_LINUX 129
#define LT_JUNIPER_ETHER 178
#define LT_PKTAP_DARWIN 149 /* PKTAP as Apple's libpcap writes it (DLT_USER2) */
#define LT_IEEE802_11_AVS 163
#define LT_PPI         192
#define LT_PPP_WITH_DIR 204
#define LT_C_HDLC_WITH_DIR 205
#define LT_IPNET       226 /* Solaris */
#define LT_IPV4        228
#define LT_IPV6        229
#define LT_ERF         197 /* Endace's Extensible Record Format */
#define LT_NFLOG       239
#define LT_IPOIB       242
#define LT_PKTAP       258 /* Apple's per-packet metadata */
#define LT_LINUX_SLL2  276

#define ETH_IPV4   0x0800
#define ETH_IPV6   0x86dd
#define ETH_VLAN   0x8100
#define ETH_QINQ   0x88a8
#define ETH_QINQ1  0x9100
#define ETH_QINQ2  0x9200
#define ETH_MPLS   0x8847
#define ETH_MPLSM  0x8848
#define ETH_PPPOES 0x8864
#define ETH_TEB    0x6558  /* Transparent Ethernet Bridging */
#define ETH_ERSPAN 0x88be  /* ERSPAN types I and II */
#define ETH_ERSPAN3 0x22eb
#define ETH_WCCP   0x883e
#define ETH_PBB    0x88e7  /* 802.1ah I-TAG */
#define ETH_FABRICPATH 0x8903
#define ETH_ETAG   0x893f  /* 802.1BR */
#define ETH_VNTAG  0x8926

#define MAX_VLAN   4  /* tags followed before giving up */
#define MAX_MPLS   8  /* labels */
#define MAX_TUNNEL 4  /* nested IP-in-IP / GRE / UDP tunnels */
#define MAX_SHIM   8  /* layer-2 shims and link headers inside one another */
#define MAX_EXTHDR 8  /* IPv6 extension headers, IPv4 AH headers */

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint16_t get16le(const uint8_t *p) { return (uint16_t)(p[1] << 8 | p[0]); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* n bytes off the wire length: what is left on the wire after a header */
static inline uint32_t less(uint32_t wirelen, uint32_t n) { return wirelen > n ? wirelen - n : 0; }

/* The IPv4 addresses of header ip into out, zero-padded to 16 bytes, in
 * whole 8-byte words: the hash reads them so, and a word loaded from two
 * narrower stores cannot be forwarded from the store buffer (a stall of
 * tens of cycles a packet). */
static inline void set_v4(struct pkt *out, const uint8_t *ip)
{
	uint64_t a = 0, b = 0, z = 0;
	memcpy(&a, ip + 12, 4);
	memcpy(&b, ip + 16, 4);
	memcpy(out->saddr, &a, 8);
	memcpy(out->saddr + 8, &z, 8);
	memcpy(out->daddr, &b, 8);
	memcpy(out->daddr + 8, &z, 8);
}

/* What the general path carries down: the tunnels to look into, the
 * result. */
struct dc {
	const struct decode_tunnels *tun;
	struct pkt *out;
};

static enum decode_result ip_any(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                 int depth, struct dc *d);
static enum decode_result ipv6(const uint8_t *p, uint32_t len, uint32_t wirelen,
                               int depth, struct dc *d);
static enum decode_result ethernet(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                   int depth, struct dc *d);
static enum decode_result ethertype(uint16_t et, const uint8_t *p, uint32_t len,
                                    uint32_t wirelen, int depth, struct dc *d);
static enum decode_result link_layer(int dlt, const uint8_t *p, uint32_t caplen,
                               uint32_t wirelen, int depth, struct dc *d);
static enum decode_result ppp(const uint8_t *p, uint32_t len, uint32_t wirelen,
                              int depth, struct dc *d);

/* For decode_l4: the transport header of this datagram (an inner one,
 * tunnelled, overwrites it). */
static void note_l4(struct pkt *out, uint8_t proto, const uint8_t *p, uint32_t len)
{
	struct l4 *x = (struct l4 *)out; /* want_l4 is set only in a struct l4 */
	x->proto = proto;
	x->data = p;
	x->len = len;
}

/* TCP header at p; len captured bytes of it; seglen its length by the IP
 * header (header + payload); frag: the datagram is a first fragment, whose
 * data may end inside the TCP header. */
static enum decode_result tcp(const uint8_t *p, uint32_t len, uint32_t seglen, int frag,
                              struct pkt *out)
{
	/* ports, sequence numbers, data offset and flags: 14 bytes; the
	 * window (2 more) when captured */
	if (seglen < (frag ? 14u : 20u))
		return DECODE_INVALID;
	if (len < 14)
		return DECODE_TRUNCATED;
	uint32_t doff = (uint32_t)(p[12] >> 4) * 4;
	if (doff < 20 || (doff > seglen && !frag))
		return DECODE_INVALID;
	out->sport = get16(p);
	out->dport = get16(p + 2);
	out->flags = p[13];
	/* a first fragment cut inside the header carries no payload yet */
	out->payload = doff < seglen ? seglen - doff : 0;
	out->seq = get32(p + 4);
	out->ack = get32(p + 8);
	/* a header cut between the flags and the window still counts, but
	 * the health measurement leaves it out */
	out->whole = len >= 16 && seglen >= 16;
	out->win = out->whole ? get16(p + 14) : 0;
	return DECODE_TCP;
}

/* MPLS (RFC 3032): labels until the bottom of the stack, then IP told by
 * its nibble. */
static enum decode_result mpls(const uint8_t *p, uint32_t len, uint32_t wirelen, int depth,
                               struct dc *d)
{
	for (int i = 0; i < MAX_MPLS; i++) {
		if (len < 4)
			return DECODE_TRUNCATED;
		int bos = p[2] & 1;
		p += 4, len -= 4, wirelen = less(wirelen, 4);
		if (bos)
			return ip_any(p, len, wirelen, depth, d);
	}
	return DECODE_UNSUPPORTED;
}

/* The payload of a tunnel (GRE, a UDP tunnel) by the Ethernet type that
 * names it: IP, a whole Ethernet frame, or one of the headers a mirror or
 * a cache puts before it. */
static enum decode_result tunnelled(uint16_t et, int gre_seq, const uint8_t *p, uint32_t len,
                                    uint32_t wirelen, int depth, struct dc *d)
{
	uint32_t skip;
	switch (et) {
	case ETH_IPV4:
	case ETH_IPV6:
		return ip_any(p, len, wirelen, depth, d);
	case ETH_TEB:
		return ethernet(p, len, wirelen, depth, d);
	case ETH_ERSPAN:
		/* type I has no GRE sequence number and no header of its own;
		 * type II an 8-byte header (version 1) */
		skip = gre_seq ? 8 : 0;
		break;
	case ETH_ERSPAN3:
		/* 12 bytes, 8 more with the platform subheader (the O bit);
		 * frame type 0 is Ethernet, 2 IP */
		if (len < 12)
			return DECODE_TRUNCATED;
		skip = 12 + ((p[11] & 1) ? 8 : 0);
		if (len < skip)
			return DECODE_TRUNCATED;
		if ((p[10] >> 2 & 0x1f) == 2)
			return ip_any(p + skip, len - skip, less(wirelen, skip), depth, d);
		if ((p[10] >> 2 & 0x1f) != 0)
			return DECODE_UNSUPPORTED;
		break;
	case ETH_WCCP:
		/* WCCP v2 puts a 4-byte redirect header before the IPv4
		 * datagram, v1 none: an IPv4 header is told by its first byte */
		if (len < 1)
			return DECODE_TRUNCATED;
		skip = (p[0] >> 4) == 4 && (p[0] & 0x0f) >= 5 ? 0 : 4;
		if (len < skip)
			return DECODE_TRUNCATED;
		return ip_any(p + skip, len - skip, less(wirelen, skip), depth, d);
	default:
		return ethertype(et, p, len, wirelen, depth, d);
	}
	if (len < skip)
		return DECODE_TRUNCATED;
	return ethernet(p + skip, len - skip, less(wirelen, skip), depth, d);
}

/* PPTP's enhanced GRE (RFC 2637 4.1), version 1: the key field holds the
 * payload's length and the call, then a sequence number (S) and an
 * acknowledgement number (A, the high bit of the second byte) when flagged;
 * the payload is PPP, most often encrypted (MPPE). */
static enum decode_result gre_pptp(const uint8_t *g, uint32_t len, uint32_t wirelen, int depth,
                                   struct dc *d)
{
	if (get16(g + 2) != 0x880b || !(g[0] & 0x20))
		return DECODE_UNSUPPORTED;
	uint32_t off = 8 + ((g[0] & 0x10) ? 4 : 0) + ((g[1] & 0x80) ? 4 : 0);
	if (wirelen < off)
		return DECODE_INVALID;
	if (len < off)
		return DECODE_TRUNCATED;
	if (get16(g + 4) == 0)
		return DECODE_NON_TCP; /* an acknowledgement alone */
	return ppp(g + off, len - off, wirelen - off, depth, d);
}

/* GRE (RFC 2784, 2890): flags and version, protocol, optional fields.  len
 * captured, wirelen in the datagram. */
static enum decode_result gre(const uint8_t *g, uint32_t len, uint32_t wirelen, int depth,
                              struct dc *d)
{
	if (wirelen < 4)
		return DECODE_INVALID;
	if (len < 4)
		return DECODE_TRUNCATED;
	if ((g[1] & 0x07) == 1)
		return gre_pptp(g, len, wirelen, depth, d);
	if ((g[1] & 0x07) != 0)
		return DECODE_UNSUPPORTED;
	/* checksum and offset (with C or RFC 1701's R), key, sequence number */
	uint32_t off = 4 + ((g[0] & 0xc0) ? 4 : 0) + ((g[0] & 0x20) ? 4 : 0) + ((g[0] & 0x10) ? 4 : 0);
	/* RFC 1701 source routing: entries (family, offset, length, the
	 * route) up to one of length 0 */
	for (int i = 0, more = g[0] & 0x40; more; i++) {
		if (i >= MAX_EXTHDR)
			return DECODE_UNSUPPORTED;
		if (wirelen < off + 4)
			return DECODE_INVALID;
		if (len < off + 4)
			return DECODE_TRUNCATED;
		more = g[off + 3];
		off += 4 + g[off + 3];
	}
	if (wirelen < off)
		return DECODE_INVALID;
	if (len < off)
		return DECODE_TRUNCATED;
	uint16_t et = get16(g + 2);
	if (et != ETH_IPV4 && et != ETH_IPV6 && et != ETH_TEB && et != ETH_ERSPAN &&
	    et != ETH_ERSPAN3 && et != ETH_WCCP && et != ETH_MPLS && et != ETH_MPLSM)
		return DECODE_NON_TCP;
	return tunnelled(et, g[0] & 0x10, g + off, len - off, wirelen - off, depth, d);
}

/* The registered ports (IANA) of the UDP tunnels. */
static const struct decode_tunnels registered = {
	.n = 9,
	.kind = {DECODE_TUN_VXLAN, DECODE_TUN_GENEVE, DECODE_TUN_GTPU, DECODE_TUN_GRE,
	         DECODE_TUN_TEREDO, DECODE_TUN_AYIYA, DECODE_TUN_CAPWAP, DECODE_TUN_L2TP,
	         DECODE_TUN_VXLAN_GPE},
	.port = {4789, 6081, 2152, 4754, 3544, 5072, 5247, 1701, 4790},
};

static int tunnel_at(const struct decode_tunnels *t, uint16_t port)
{
	for (int i = 0; i < t->n; i++)
		if (t->port[i] == port)
			return t->kind[i];
	return DECODE_TUN_NONE;
}

#define W80211_SWAP 1 /* the two bytes of the frame control field are swapped */
#define W80211_PAD  2 /* the header is padded to 4 bytes (radiotap's data pad flag) */

/* An IEEE 802.11 frame (802.11-2020 9.2): data frames carry LLC/SNAP and
 * an Ethernet type; protected ones are encrypted.  how: W80211_ bits. */
static enum decode_result ieee80211(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                    int how, int depth, struct dc *d)
{
	if (len < 2)
		return DECODE_TRUNCATED;
	int swap = how & W80211_SWAP;
	uint8_t fc0 = p[swap != 0], fc1 = p[swap == 0];
	if ((fc0 & 0x0c) != 0x08 || (fc0 & 0x40))
		return DECODE_UNSUPPORTED; /* not data, or a null-data subtype */
	if (fc1 & 0x40)
		return DECODE_UNSUPPORTED; /* protected */
	uint32_t off = 24 + ((fc1 & 3) == 3 ? 6 : 0);
	int amsdu = 0;
	if (fc0 & 0x80) { /* QoS data: a QoS control field, and HT control with the order bit */
		if (len < off + 1)
			return DECODE_TRUNCATED;
		amsdu = p[off] & 0x80;
		off += 2 + ((fc1 & 0x80) ? 4 : 0);
	}
	if (how & W80211_PAD)
		off = (off + 3) & ~3u;
	/* an A-MSDU: its first subframe's destination, source and length
	 * (one segment a frame: the others are not read) */
	if (amsdu)
		off += 14;
	if (len < off + 8)
		return DECODE_TRUNCATED;
	const uint8_t *l = p + off;
	if (l[0] != 0xaa || l[1] != 0xaa || l[2] != 0x03)
		return DECODE_UNSUPPORTED;
	off += 8;
	return ethertype(get16(l + 6), p + off, len - off, less(wirelen, off), depth, d);
}

/* The payload of a UDP tunnel of kind k: len captured, wirelen by the UDP
 * length. */
static enum decode_result udp_tunnel(int k, const uint8_t *p, uint32_t len, uint32_t wirelen,
                                     int depth, struct dc *d)
{
	uint32_t off;
	switch (k) {
	case DECODE_TUN_VXLAN: /* RFC 7348: 8 bytes, then Ethernet */
		if (len < 8)
			return DECODE_TRUNCATED;
		return ethernet(p + 8, len - 8, less(wirelen, 8), depth, d);
	case DECODE_TUN_GENEVE: /* RFC 8926: 8 bytes and options, protocol type */
		if (len < 8)
			return DECODE_TRUNCATED;
		off = 8 + (uint32_t)(p[0] & 0x3f) * 4;
		if (len < off)
			return DECODE_TRUNCATED;
		return tunnelled(get16(p + 2), 0, p + off, len - off, less(wirelen, off), depth, d);
	case DECODE_TUN_GTPU: /* 3GPP TS 29.281: version 1, T-PDU */
		if (len < 8)
			return DECODE_TRUNCATED;
		if ((p[0] >> 5) != 1 || !(p[0] & 0x10) || p[1] != 0xff)
			return DECODE_NON_TCP;
		off = 8;
		if (p[0] & 0x07) {
			/* sequence number, N-PDU number, next extension type,
			 * then extensions (length in 4-byte units, next type last) */
			off = 12;
			if (len < off)
				return DECODE_TRUNCATED;
			for (int i = 0; p[off - 1] && (p[0] & 0x04); i++) {
				if (i >= MAX_EXTHDR)
					return DECODE_UNSUPPORTED;
				if (len < off + 1)
					return DECODE_TRUNCATED;
				if (!p[off])
					return DECODE_INVALID;
				off += (uint32_t)p[off] * 4;
				if (len < off)
					return DECODE_TRUNCATED;
			}
		}
		return ip_any(p + off, len - off, less(wirelen, off), depth, d);
	case DECODE_TUN_GRE: /* RFC 8086 */
		return gre(p, len, wirelen, depth, d);
	case DECODE_TUN_TEREDO: /* RFC 4380 5.1.1: authentication, origin, then IPv6 */
		off = 0;
		if (len >= 2 && p[0] == 0 && p[1] == 1) {
			if (len < 4)
				return DECODE_TRUNCATED;
			off = 4 + p[2] + p[3] + 9;
		}
		if (len >= off + 2 && p[off] == 0 && p[off + 1] == 0)
			off += 8;
		if (len < off + 1)
			return DECODE_TRUNCATED;
		if ((p[off] >> 4) != 6)
			return DECODE_NON_TCP;
		return ip_any(p + off, len - off, less(wirelen, off), depth, d);
	case DECODE_TUN_AYIYA: /* draft-massar-v6ops-ayiya: identity, signature, forward */
		if (len < 8)
			return DECODE_TRUNCATED;
		if ((p[2] & 0x0f) != 1)
			return DECODE_NON_TCP;
		off = 8 + (1u << (p[0] >> 4)) + (uint32_t)(p[1] >> 4) * 4;
		if (len < off)
			return DECODE_TRUNCATED;
		if (p[3] != 4 && p[3] != 41)
			return DECODE_NON_TCP;
		return ip_any(p + off, len - off, less(wirelen, off), depth, d);
	case DECODE_TUN_CAPWAP: { /* RFC 5415 4.3, data channel */
		if (len < 8)
			return DECODE_TRUNCATED;
		if (p[0] != 0)
			return DECODE_NON_TCP; /* a DTLS record: encrypted */
		uint32_t v = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		off = (v >> 19) * 4;
		if ((v & 0x80) && (get16(p + 6) >> 3) != 0)
			return DECODE_FRAGMENT; /* not the first fragment */
		if (off < 8)
			return DECODE_INVALID;
		if (len < off)
			return DECODE_TRUNCATED;
		if (!(v & 0x100))
			return ethernet(p + off, len - off, less(wirelen, off), depth, d);
		if (((v >> 9) & 0x1f) == 1) {
			/* Cisco's access points swap the bytes of the frame
			 * control field (and tshark reads it so by default):
			 * told by where the data frame's type is */
			int swap = len >= off + 2 && (p[off] & 0x0c) != 0x08 && (p[off + 1] & 0x0c) == 0x08;
			return ieee80211(p + off, len - off, less(wirelen, off), swap ? W80211_SWAP : 0,
			                 depth, d);
		}
		return DECODE_UNSUPPORTED;
	}
	case DECODE_TUN_L2TP: { /* RFC 2661 3.1: version 2 data messages carry PPP */
		if (len < 6)
			return DECODE_TRUNCATED;
		uint16_t f = get16(p);
		if ((f & 0x8000) || (f & 0x000f) != 2)
			return DECODE_NON_TCP; /* a control message, or L2TPv3 */
		/* length, tunnel and session, Ns and Nr, offset size */
		off = 6 + ((f & 0x4000) ? 2 : 0) + ((f & 0x0800) ? 4 : 0);
		if (f & 0x0200) {
			if (len < off + 2)
				return DECODE_TRUNCATED;
			off += 2 + get16(p + off);
		}
		if (len < off)
			return DECODE_TRUNCATED;
		return ppp(p + off, len - off, less(wirelen, off), depth, d);
	}
	case DECODE_TUN_VXLAN_GPE: /* draft-ietf-nvo3-vxlan-gpe: 8 bytes, next protocol */
		if (len < 8)
			return DECODE_TRUNCATED;
		switch (p[3]) {
		case 1: /* IPv4 */
		case 2: /* IPv6 */
			return ip_any(p + 8, len - 8, less(wirelen, 8), depth, d);
		case 3:
			return ethernet(p + 8, len - 8, less(wirelen, 8), depth, d);
		case 5:
			return mpls(p + 8, len - 8, less(wirelen, 8), depth, d);
		default:
			return DECODE_NON_TCP;
		}
	default:
		return DECODE_NON_TCP;
	}
}

/* A tunnel's inner datagram when the outer one is a first fragment: it is
 * read as far as the fragment goes (as tshark reads it), and what the
 * fragment cuts short is a fragment's, not a short capture or a bad
 * header. */
static enum decode_result in_fragment(enum decode_result r)
{
	return r == DECODE_TRUNCATED || r == DECODE_INVALID ? DECODE_FRAGMENT : r;
}

/* IP in IP (4, 41) or GRE (47), the payload of an IPv4 or IPv6 datagram:
 * len captured, seglen in the datagram; frag: it is a first fragment. */
static enum decode_result ip_tunnel(int proto, const uint8_t *p, uint32_t len, uint32_t seglen,
                                    int frag, int depth, struct dc *d)
{
	if (depth >= MAX_TUNNEL)
		return DECODE_UNSUPPORTED;
	enum decode_result r = proto == 47 ? gre(p, len, seglen, depth + 1, d)
	                                   : ip_any(p, len, seglen, depth + 1, d);
	return frag ? in_fragment(r) : r;
}

/* UDP (RFC 768): a tunnel on one of its ports, else no TCP.  len captured,
 * seglen in the datagram; frag: it is a first fragment. */
static enum decode_result udp(const uint8_t *p, uint32_t len, uint32_t seglen, int frag,
                              int depth, struct dc *d)
{
	if (len >= 4) {
		/* its ports, for decode_is_dns (an inner datagram's replace them) */
		d->out->sport = get16(p);
		d->out->dport = get16(p + 2);
	}
	if (len < 8 || seglen < 8)
		return DECODE_NON_TCP;
	const struct decode_tunnels *t = d->tun ? d->tun : &registered;
	/* the lower port first, as tshark tries them */
	uint16_t a = get16(p), b = get16(p + 2);
	if (a > b) {
		uint16_t x = a;
		a = b, b = x;
	}
	int k = tunnel_at(t, a);
	if (!k)
		k = tunnel_at(t, b);
	if (!k)
		return DECODE_NON_TCP;
	if (depth >= MAX_TUNNEL)
		return DECODE_UNSUPPORTED;
	uint32_t ulen = get16(p + 4);
	if (ulen < 8 || ulen > seglen)
		ulen = seglen;
	enum decode_result r = udp_tunnel(k, p + 8, len - 8, ulen - 8, depth + 1, d);
	if (frag)
		r = in_fragment(r);
	/* a datagram on a tunnel's port that is no tunnel we can read is
	 * still a UDP datagram */
	return r == DECODE_INVALID || r == DECODE_UNSUPPORTED ? DECODE_NON_TCP : r;
}

/*
 * IPv4 (RFC 791).  len: bytes captured from the IP header on; wirelen:
 * bytes on the wire from the IP header on (for segmentation offload).
 */
static enum decode_result ipv4(const uint8_t *p, uint32_t len, uint32_t wirelen,
                               int depth, struct dc *d)
{
	struct pkt *out = d->out;
	if (wirelen < 20)
		return DECODE_INVALID; /* the datagram itself is shorter than a header */
	if (len < 20)
		return DECODE_TRUNCATED;
	uint32_t ihl = (uint32_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20) {
		/* an IPv6 datagram where IPv4 was announced: tshark's IPv4
		 * dissector reads it as IPv6, and so does this one */
		if ((p[0] >> 4) == 6)
			return ipv6(p, len, wirelen, depth, d);
		return DECODE_INVALID;
	}
	if (len < ihl)
		return DECODE_TRUNCATED;
	uint32_t tot = get16(p + 2);
	if (tot == 0) {
		/* Total length 0: a segment captured on the sending host before
		 * TCP segmentation offload filled it in; the frame's length is
		 * the datagram's. */
		tot = wirelen;
	}
	if (tot < ihl)
		return DECODE_INVALID;
	uint16_t frag = get16(p + 6);
	if (frag & 0x1fff)
		return DECODE_FRAGMENT; /* non-first fragment: no transport header */
	int more = (frag & 0x2000) != 0;
	uint8_t proto = p[9];
	uint32_t avail = len < tot ? len : tot;
	if (out->want_l4)
		note_l4(out, proto, p + ihl, avail - ihl);
	/* A total length beyond what the frame carried on the wire: the
	 * datagram was cut short; its payload is what arrived (the IP bytes
	 * stay what the header claims, as tshark counts them). */
	uint32_t end = wirelen >= ihl && wirelen < tot ? wirelen : tot;
	uint32_t off = ihl;
	/* AH (RFC 4302): authenticated, not encrypted, so the TCP behind it
	 * is read as behind IPv6's */
	for (int i = 0; proto == 51; i++) {
		if (i >= MAX_EXTHDR)
			return DECODE_UNSUPPORTED;
		if (off + 8 > end)
			return DECODE_INVALID;
		if (off + 8 > avail)
			return DECODE_TRUNCATED;
		proto = p[off];
		off += ((uint32_t)p[off + 1] + 2) * 4;
		if (off > end)
			return DECODE_INVALID;
	}
	uint32_t rest = off < avail ? avail - off : 0;
	uint32_t seg = end - off;
	switch (proto) {
	case 6: {
		enum decode_result r = tcp(p + off, rest, seg, more, out);
		if (r != DECODE_TCP)
			return r;
		out->family = 4;
		set_v4(out, p);
		out->ip_bytes = tot;
		return DECODE_TCP;
	}
	case 17:
		return udp(p + off, rest, seg, more, depth, d);
	case 4:  /* IPv4 in IPv4 (RFC 2003) */
	case 41: /* IPv6 in IPv4 (RFC 4213) */
	case 47: /* GRE */
		return ip_tunnel(proto, p + off, rest, tot - off, more, depth, d);
	case 50: /* ESP: encrypted, as in IPv6 */
		return DECODE_UNSUPPORTED;
	default:
		return DECODE_NON_TCP;
	}
}

/* Whether an IPv6 next-header value is an extension header we can walk. */
static int ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 ||
	       nh == 135 || nh == 139 || nh == 140;
}

/* IPv6 (RFC 8200) with a bounded walk over extension headers. */
static enum decode_result ipv6(const uint8_t *p, uint32_t len, uint32_t wirelen,
                               int depth, struct dc *d)
{
	struct pkt *out = d->out;
	if (wirelen < 40)
		return DECODE_INVALID;
	if (len < 40)
		return DECODE_TRUNCATED;
	if ((p[0] >> 4) != 6)
		return DECODE_INVALID;
	uint32_t plen = get16(p + 4);
	if (plen == 0) {
		/* a jumbogram (RFC 2675) or an offloaded segment: take the frame */
		plen = wirelen > 40 ? wirelen - 40 : 0;
	}
	uint32_t tot = 40 + plen;
	uint32_t avail = len < tot ? len : tot;
	uint8_t nh = p[6];
	uint32_t off = 40;
	int more = 0;
	for (int i = 0; ipv6_ext(nh); i++) {
		if (i >= MAX_EXTHDR)
			return DECODE_UNSUPPORTED;
		if (off + 8 > tot)
			return DECODE_INVALID;
		if (off + 8 > avail)
			return DECODE_TRUNCATED;
		const uint8_t *e = p + off;
		uint32_t elen;
		if (nh == 44) { /* fragment header: always 8 bytes */
			if (get16(e + 2) & 0xfff8)
				return DECODE_FRAGMENT;
			more = e[3] & 1;
			elen = 8;
		} else if (nh == 51) { /* AH: length in 4-byte units, minus 2 */
			elen = ((uint32_t)e[1] + 2) * 4;
		} else {
			elen = ((uint32_t)e[1] + 1) * 8;
		}
		nh = e[0];
		off += elen;
		if (off > tot)
			return DECODE_INVALID;
	}
	uint32_t rest = off < avail ? avail - off : 0; /* captured after the headers */
	if (out->want_l4)
		note_l4(out, nh, p + off, rest);
	uint32_t seg = (wirelen >= off && wirelen < tot ? wirelen : tot) - off; /* as IPv4 */
	switch (nh) {
	case 6: {
		enum decode_result r = tcp(p + off, rest, seg, more, out);
		if (r != DECODE_TCP)
			return r;
		out->family = 6;
		memcpy(out->saddr, p + 8, 16);
		memcpy(out->daddr, p + 24, 16);
		out->ip_bytes = tot;
		return DECODE_TCP;
	}
	case 17:
		return udp(p + off, rest, seg, more, depth, d);
	case 4:
	case 41:
	case 47:
		return ip_tunnel(nh, p + off, rest, tot - off, more, depth, d);
	case 50: /* ESP: encrypted */
		return DECODE_UNSUPPORTED;
	default:
		return DECODE_NON_TCP;
	}
}

/* An IP datagram of either version, told by its first nibble. */
static enum decode_result ip_any(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                 int depth, struct dc *d)
{
	if (len < 1)
		return DECODE_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
		return ipv4(p, len, wirelen, depth, d);
	case 6:
		return ipv6(p, len, wirelen, depth, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* A PPP protocol field (RFC 1661 section 2: one byte when compressed, as
 * its low bit then says), then IPv4, IPv6 or MPLS (RFC 3032 4.3). */
static enum decode_result ppp_proto(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                    int depth, struct dc *d)
{
	if (len < 1)
		return DECODE_TRUNCATED;
	uint32_t n = (p[0] & 1) ? 1 : 2;
	if (len < n)
		return DECODE_TRUNCATED;
	uint16_t proto = n == 1 ? p[0] : get16(p);
	p += n, len -= n, wirelen = less(wirelen, n);
	switch (proto) {
	case 0x0021:
		return ipv4(p, len, wirelen, depth, d);
	case 0x0057:
		return ipv6(p, len, wirelen, depth, d);
	case 0x0281:
	case 0x0283:
		return mpls(p, len, wirelen, depth, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* Dispatch on an Ethernet type (also used by SLL, SLL2, SNAP, PPPoE, Cisco
 * HDLC and the tunnels); the layer-2 shims nest through depth. */
static enum decode_result ethertype(uint16_t et, const uint8_t *p, uint32_t len,
                                    uint32_t wirelen, int depth, struct dc *d)
{
	uint32_t n;
	switch (et) {
	case ETH_IPV4:
		return ipv4(p, len, wirelen, depth, d);
	case ETH_IPV6:
		return ipv6(p, len, wirelen, depth, d);
	case ETH_MPLS:
	case ETH_MPLSM:
		return mpls(p, len, wirelen, depth, d);
	case ETH_PPPOES:
		/* RFC 2516 session header (6 bytes), then PPP without framing */
		if (len < 6)
			return DECODE_TRUNCATED;
		return ppp_proto(p + 6, len - 6, less(wirelen, 6), depth, d);
	case ETH_PBB:        /* 802.1ah: I-TAG, then the customer's addresses */
	case ETH_FABRICPATH: /* FTag and TTL, then the original frame */
		n = et == ETH_PBB ? 4 : 2;
		if (depth >= MAX_SHIM)
			return DECODE_UNSUPPORTED;
		if (len < n)
			return DECODE_TRUNCATED;
		return ethernet(p + n, len - n, less(wirelen, n), depth + 1, d);
	case ETH_ETAG:  /* 802.1BR: a 6-byte tag, then a type */
	case ETH_VNTAG: /* a 4-byte tag, then a type */
		n = et == ETH_ETAG ? 6 : 4;
		if (depth >= MAX_SHIM)
			return DECODE_UNSUPPORTED;
		if (len < n + 2)
			return DECODE_TRUNCATED;
		return ethertype(get16(p + n), p + n + 2, len - n - 2, less(wirelen, n + 2), depth + 1, d);
	case ETH_VLAN:
	case ETH_QINQ:
	case ETH_QINQ1:
	case ETH_QINQ2:
		/* a tag after a shim */
		if (depth >= MAX_SHIM)
			return DECODE_UNSUPPORTED;
		if (len < 4)
			return DECODE_TRUNCATED;
		return ethertype(get16(p + 2), p + 4, len - 4, less(wirelen, 4), depth + 1, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* An LLC header (IEEE 802.2) with SNAP carries an Ethernet type under OUI 0
 * (RFC 1042) and OUI 00-00-f8 (IEEE 802.1H bridge tunnelling). */
static enum decode_result llc_snap(const uint8_t *l, uint32_t len, uint32_t wirelen, int depth,
                                   struct dc *d)
{
	if (len < 8)
		return DECODE_TRUNCATED;
	if (l[0] != 0xaa || l[1] != 0xaa || l[2] != 0x03 || l[3] || l[4] || (l[5] && l[5] != 0xf8))
		return DECODE_UNSUPPORTED;
	return ethertype(get16(l + 6), l + 8, len - 8, less(wirelen, 8), depth, d);
}

static enum decode_result ethernet(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                   int depth, struct dc *d)
{
	if (len < 14)
		return DECODE_TRUNCATED;
	uint16_t et = get16(p + 12);
	uint32_t off = 14;
	/* 802.1Q tags and QinQ (802.1ad and the older 0x9100/0x9200) */
	for (int i = 0; et == ETH_VLAN || et == ETH_QINQ || et == ETH_QINQ1 || et == ETH_QINQ2; i++) {
		if (i >= MAX_VLAN)
			return DECODE_UNSUPPORTED;
		if (len < off + 4)
			return DECODE_TRUNCATED;
		et = get16(p + off + 2);
		off += 4;
	}
	if (et <= 1500)
		return llc_snap(p + off, len - off, less(wirelen, off), depth, d);
	return ethertype(et, p + off, len - off, less(wirelen, off), depth, d);
}

/* BSD null/loopback: a 4-byte address family, in the byte order of the
 * capturing host (DLT_NULL) or network order (DLT_LOOP).  IPv6 has a
 * different AF_INET6 value on every BSD: 24, 28 and 30. */
static enum decode_result null_loop(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                    struct dc *d)
{
	if (len < 4)
		return DECODE_TRUNCATED;
	uint32_t af = get32(p);
	if (af > 0xffff)
		af = get32le(p);
	p += 4, len -= 4, wirelen = less(wirelen, 4);
	switch (af) {
	case 2:
		return ipv4(p, len, wirelen, 0, d);
	case 10: /* Linux AF_INET6, seen in some captures */
	case 24:
	case 28:
	case 30:
		return ipv6(p, len, wirelen, 0, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* Cisco HDLC: address (unicast 0x0f, multicast 0x8f), control, then an
 * Ethernet type. */
static enum decode_result chdlc(const uint8_t *p, uint32_t len, uint32_t wirelen, int depth,
                                struct dc *d)
{
	if (len < 4)
		return DECODE_TRUNCATED;
	return ethertype(get16(p + 2), p + 4, len - 4, less(wirelen, 4), depth, d);
}

/* HDLC-like framing (RFC 1662), when present, then PPP; Cisco HDLC framing
 * where PPP was announced, told by its address byte as tcpdump does. */
static enum decode_result ppp(const uint8_t *p, uint32_t len, uint32_t wirelen,
                              int depth, struct dc *d)
{
	if (len >= 1 && (p[0] == 0x0f || p[0] == 0x8f))
		return chdlc(p, len, wirelen, depth, d);
	if (len >= 2 && p[0] == 0xff && p[1] == 0x03)
		p += 2, len -= 2, wirelen = less(wirelen, 2);
	return ppp_proto(p, len, wirelen, depth, d);
}

/* Frame Relay: a Q.922 address (2 to 4 bytes, the last with its EA bit),
 * then RFC 2427's UI control, an optional pad and an NLPID (IPv4, IPv6,
 * SNAP), or Cisco's encapsulation: an Ethernet type. */
static enum decode_result frelay(const uint8_t *p, uint32_t len, uint32_t wirelen, struct dc *d)
{
	uint32_t off = 0;
	do {
		if (off >= 4)
			return DECODE_INVALID;
		if (len < off + 1)
			return DECODE_TRUNCATED;
	} while (!(p[off++] & 1));
	if (off < 2)
		return DECODE_INVALID; /* Q.922 has no address of one byte */
	if (len < off + 2)
		return DECODE_TRUNCATED;
	if (p[off] != 0x03)
		return ethertype(get16(p + off), p + off + 2, len - off - 2, less(wirelen, off + 2), 0,
		                 d);
	off += p[off + 1] == 0 ? 2 : 1;
	if (len < off + 1)
		return DECODE_TRUNCATED;
	uint8_t nlpid = p[off++];
	switch (nlpid) {
	case 0xcc:
		return ipv4(p + off, len - off, less(wirelen, off), 0, d);
	case 0x8e:
		return ipv6(p + off, len - off, less(wirelen, off), 0, d);
	case 0x80: /* SNAP: an OUI and, under OUI 0, an Ethernet type */
		if (len < off + 5)
			return DECODE_TRUNCATED;
		if (p[off] || p[off + 1] || p[off + 2])
			return DECODE_UNSUPPORTED;
		off += 5;
		return ethertype(get16(p + off - 2), p + off, len - off, less(wirelen, off), 0, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* NFLOG (Linux nfnetlink_log): family, version, resource id, then
 * type-length-value attributes in the capturing host's byte order, each
 * padded to 4 bytes; the payload attribute (9) is the IP datagram. */
static enum decode_result nflog(const uint8_t *p, uint32_t len, struct dc *d)
{
	if (len < 4)
		return DECODE_TRUNCATED;
	uint8_t family = p[0];
	uint32_t off = 4;
	while (off + 4 <= len) {
		uint32_t tl = get16le(p + off), type = get16le(p + off + 2);
		if (tl < 4 || off + tl > len) {
			/* not little-endian: a big-endian host's */
			tl = get16(p + off);
			type = get16(p + off + 2);
		}
		if (tl < 4)
			return DECODE_INVALID;
		if ((type & 0x7fff) == 9) {
			uint32_t n = off + tl > len ? len - off - 4 : tl - 4;
			const uint8_t *ip = p + off + 4;
			if (family == 2)
				return ipv4(ip, n, tl - 4, 0, d);
			if (family == 10)
				return ipv6(ip, n, tl - 4, 0, d);
			return ip_any(ip, n, tl - 4, 0, d);
		}
		off += (tl + 3) & ~3u;
	}
	return DECODE_TRUNCATED;
}

/* Juniper's header (magic "MGC", flags, an extension's length when the
 * flags say so); then Ethernet, or with "no layer 2" a 4-byte family and
 * IP. */
static enum decode_result juniper_ether(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                        int depth, struct dc *d)
{
	if (len < 4)
		return DECODE_TRUNCATED;
	if (p[0] != 'M' || p[1] != 'G' || p[2] != 'C')
		return DECODE_INVALID;
	uint32_t off = 4;
	if (p[3] & 0x80) {
		if (len < 6)
			return DECODE_TRUNCATED;
		off = 6 + (uint32_t)get16(p + 4);
	}
	if (p[3] & 0x02) {
		off += 4;
		if (len < off)
			return DECODE_TRUNCATED;
		return ip_any(p + off, len - off, less(wirelen, off), depth, d);
	}
	if (len < off)
		return DECODE_TRUNCATED;
	return ethernet(p + off, len - off, less(wirelen, off), depth, d);
}

/* Linux ARCNET: source, destination, a 2-byte offset, the protocol; RFC
 * 1201 protocols then a split flag and a sequence number. */
static enum decode_result arcnet_linux(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                       struct dc *d)
{
	if (len < 5)
		return DECODE_TRUNCATED;
	uint8_t type = p[4];
	uint32_t off = type == 0xf0 || type == 0xf1 || type == 0x80 ? 5 : 8;
	if (len < off)
		return DECODE_TRUNCATED;
	switch (type) {
	case 0xf0: /* RFC 1051 IP */
	case 0xd4: /* RFC 1201 IP */
		return ipv4(p + off, len - off, less(wirelen, off), 0, d);
	case 0xc4: /* IPv6 (RFC 2497) */
		return ipv6(p + off, len - off, less(wirelen, off), 0, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* ERF (Endace): timestamp, type, flags, record length, loss counter, wire
 * length (16 bytes), extension headers (8 bytes each, while the high bit of
 * the type, then of each one's first byte, says another follows), then the
 * record of its type. */
static enum decode_result erf_record(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                     struct dc *d)
{
	if (len < 16)
		return DECODE_TRUNCATED;
	uint32_t off = 16;
	for (int i = 0, more = p[8] & 0x80; more; i++) {
		if (i >= MAX_SHIM)
			return DECODE_UNSUPPORTED;
		if (len < off + 8)
			return DECODE_TRUNCATED;
		more = p[off] & 0x80;
		off += 8;
	}
	switch (p[8] & 0x7f) {
	case 1:  /* HDLC over SONET: PPP or Cisco HDLC */
	case 5:  /* the same, coloured */
	case 18: /* the same, coloured by the DSM */
		return ppp(p + off, len - off, less(wirelen, off), 0, d);
	case 2:  /* Ethernet, after 2 bytes of offset and pad */
	case 16: /* coloured */
	case 19: /* coloured by the DSM */
		off += 2;
		if (len < off)
			return DECODE_TRUNCATED;
		return ethernet(p + off, len - off, less(wirelen, off), 0, d);
	case 22:
		return ipv4(p + off, len - off, less(wirelen, off), 0, d);
	case 23:
		return ipv6(p + off, len - off, less(wirelen, off), 0, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* The flags field of a radiotap header of n bytes (at least 8), 0 when
 * absent: the second field, after the presence words (each with bit 31 when
 * another follows) and the TSFT's 8 bytes, aligned to 8, when present. */
static uint8_t radiotap_flags(const uint8_t *p, uint32_t n)
{
	uint32_t present = get32le(p + 4), off = 4;
	while (get32le(p + off) & 0x80000000u) {
		off += 4;
		if (off + 4 > n)
			return 0;
	}
	off += 4;
	if (!(present & 2))
		return 0;
	if (present & 1)
		off = ((off + 7) & ~7u) + 8;
	return off < n ? p[off] : 0;
}

/* The protocol of a Linux cooked header: an Ethernet type, or below 0x0600
 * one of Linux's own; 4 (ETH_P_802_2) is an 802.2 LLC frame. */
static enum decode_result sll_proto(uint16_t proto, const uint8_t *p, uint32_t len,
                                    uint32_t wirelen, struct dc *d)
{
	if (proto == 4)
		return llc_snap(p, len, wirelen, 0, d);
	return ethertype(proto, p, len, wirelen, 0, d);
}

/* The link layers other than plain Ethernet; PPI and PKTAP wrap another,
 * one level deep. */
static enum decode_result link_layer(int dlt, const uint8_t *p, uint32_t caplen,
                               uint32_t wirelen, int depth, struct dc *d)
{
	uint32_t n;
	switch (dlt) {
	case LT_EN10MB:
		return ethernet(p, caplen, wirelen, 0, d);
	case LT_LINUX_SLL:
		/* 16 bytes: packet type, ARPHRD, address length, address, protocol */
		if (caplen < 16)
			return DECODE_TRUNCATED;
		return sll_proto(get16(p + 14), p + 16, caplen - 16, wirelen - 16, d);
	case LT_LINUX_SLL2:
		/* 20 bytes: protocol, reserved, ifindex, ARPHRD, type, address */
		if (caplen < 20)
			return DECODE_TRUNCATED;
		return sll_proto(get16(p), p + 20, caplen - 20, wirelen - 20, d);
	case LT_RAW12:
	case LT_RAW14:
	case LT_RAW:
		return ip_any(p, caplen, wirelen, 0, d);
	case LT_IPV4:
		return ipv4(p, caplen, wirelen, 0, d);
	case LT_IPV6:
		return ipv6(p, caplen, wirelen, 0, d);
	case LT_NULL:
	case LT_LOOP:
		return null_loop(p, caplen, wirelen, d);
	case LT_PPP:
	case LT_PPP_SERIAL:
		return ppp(p, caplen, wirelen, 0, d);
	case LT_PPP_ETHER:
		/* PPPoE session header without the Ethernet header */
		if (caplen < 6)
			return DECODE_TRUNCATED;
		return ppp(p + 6, caplen - 6, wirelen - 6, 0, d);
	case LT_PPP_WITH_DIR:     /* a direction byte first */
	case LT_C_HDLC_WITH_DIR:
		if (caplen < 1)
			return DECODE_TRUNCATED;
		if (dlt == LT_PPP_WITH_DIR)
			return ppp(p + 1, caplen - 1, wirelen - 1, 0, d);
		return chdlc(p + 1, caplen - 1, wirelen - 1, 0, d);
	case LT_C_HDLC:
		return chdlc(p, caplen, wirelen, 0, d);
	case LT_FRELAY:
		return frelay(p, caplen, wirelen, d);
	case LT_FDDI:
		/* frame control, destination, source (13 bytes), then LLC;
		 * frame control 0x50-0x57 is an LLC frame */
		if (caplen < 13)
			return DECODE_TRUNCATED;
		if ((p[0] & 0xf8) != 0x50)
			return DECODE_UNSUPPORTED;
		return llc_snap(p + 13, caplen - 13, wirelen - 13, 0, d);
	case LT_ATM_RFC1483:
		return llc_snap(p, caplen, wirelen, 0, d);
	case LT_IEEE802_11:
		return ieee80211(p, caplen, wirelen, 0, 0, d);
	case LT_RADIOTAP:
		/* version, pad, length (little-endian), then 802.11 */
		if (caplen < 4)
			return DECODE_TRUNCATED;
		n = get16le(p + 2);
		if (n < 8 || caplen < n)
			return n < 8 ? DECODE_INVALID : DECODE_TRUNCATED;
		return ieee80211(p + n, caplen - n, wirelen - n,
		                 (radiotap_flags(p, n) & 0x20) ? W80211_PAD : 0, 0, d);
	case LT_PRISM:
	case LT_IEEE802_11_AVS:
		/* the AVS header (version 0x8021100x, a big-endian length) or,
		 * where Prism was announced without it, Prism's (message code,
		 * little-endian length), then 802.11 */
		if (caplen < 8)
			return DECODE_TRUNCATED;
		n = (get32(p) & 0xfffffff0u) == 0x80211000u ? get32(p + 4) : get32le(p + 4);
		if (n < 8)
			return DECODE_INVALID;
		if (caplen < n)
			return DECODE_TRUNCATED;
		return ieee80211(p + n, caplen - n, wirelen - n, 0, 0, d);
	case LT_PPI:
		/* version, flags, length and the link type that follows (both
		 * little-endian), then fields up to the length */
		if (caplen < 8)
			return DECODE_TRUNCATED;
		n = get16le(p + 2);
		if (n < 8 || depth > 0)
			return DECODE_INVALID;
		if (caplen < n)
			return DECODE_TRUNCATED;
		return link_layer((int)get32le(p + 4), p + n, caplen - n, wirelen - n, depth + 1, d);
	case LT_PKTAP_DARWIN:
	case LT_PKTAP:
		/* the header's length, the record's type (1: a packet) and the
		 * link type that follows, little-endian, then interface and
		 * process fields up to the length */
		if (caplen < 12)
			return DECODE_TRUNCATED;
		n = get32le(p);
		if (n < 12 || depth > 0)
			return DECODE_INVALID;
		if (caplen < n)
			return DECODE_TRUNCATED;
		if (get32le(p + 4) != 1)
			return DECODE_UNSUPPORTED;
		return link_layer((int)get32le(p + 8), p + n, caplen - n, wirelen - n, depth + 1, d);
	case LT_PFLOG:
		/* the header's length (padded to 4), then the address family */
		if (caplen < 2)
			return DECODE_TRUNCATED;
		n = ((uint32_t)p[0] + 3) & ~3u;
		if (n < 4)
			return DECODE_INVALID;
		if (caplen < n)
			return DECODE_TRUNCATED;
		return ip_any(p + n, caplen - n, wirelen - n, 0, d);
	case LT_NFLOG:
		return nflog(p, caplen, d);
	case LT_IPNET:
		/* version, address family (Solaris's: 2, and 26 for IPv6),
		 * hook, length, interfaces and zones: 24 bytes */
		if (caplen < 24)
			return DECODE_TRUNCATED;
		if (p[1] == 2)
			return ipv4(p + 24, caplen - 24, wirelen - 24, 0, d);
		if (p[1] == 26)
			return ipv6(p + 24, caplen - 24, wirelen - 24, 0, d);
		return DECODE_UNSUPPORTED;
	case LT_IPOIB:
		/* as tcpdump reads it: 40 bytes of addresses, the Ethernet
		 * type, 2 reserved */
		if (caplen < 44)
			return DECODE_TRUNCATED;
		return ethertype(get16(p + 40), p + 44, caplen - 44, wirelen - 44, 0, d);
	case LT_JUNIPER_ETHER:
		return juniper_ether(p, caplen, wirelen, 0, d);
	case LT_ARCNET_LINUX:
		return arcnet_linux(p, caplen, wirelen, d);
	case LT_ERF:
		return erf_record(p, caplen, wirelen, d);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* The common case, Ethernet (one VLAN tag at most) carrying a plain IPv4
 * or IPv6 TCP segment wholly captured up to the TCP window: straight-line
 * code.  Anything else returns -1 and takes the general path, which gives
 * the same answer for these frames. */
static inline int fast_ethernet(const uint8_t *p, uint32_t caplen, uint32_t wirelen,
                                struct pkt *out)
{
	uint32_t off = 14;
	uint16_t et = get16(p + 12);
	if (et == ETH_VLAN) {
		et = get16(p + 16);
		off = 18;
	}
	const uint8_t *ip = p + off;
	uint32_t ipwire = wirelen - off;
	if (et == ETH_IPV4) {
		/* IHL 5, version 4; no fragment offset; protocol TCP */
		if (caplen < off + 20 + 16 || ip[0] != 0x45 || (get16(ip + 6) & 0x1fff) || ip[9] != 6)
			return -1;
		uint32_t tot = get16(ip + 2);
		if (tot < 40 || tot > ipwire)
			return -1;
		const uint8_t *t = ip + 20;
		uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
		if (doff < 20 || doff > tot - 20)
			return -1;
		out->family = 4;
		out->flags = t[13];
		out->sport = get16(t);
		out->dport = get16(t + 2);
		out->seq = get32(t + 4);
		out->ack = get32(t + 8);
		out->win = get16(t + 14);
		out->whole = 1;
		out->ip_bytes = tot;
		out->payload = tot - 20 - doff;
		set_v4(out, ip);
		return DECODE_TCP;
	}
	if (et == ETH_IPV6) {
		if (caplen < off + 40 + 16 || (ip[0] >> 4) != 6 || ip[6] != 6)
			return -1;
		uint32_t tot = 40 + (uint32_t)get16(ip + 4);
		if (tot < 60 || tot > ipwire)
			return -1;
		const uint8_t *t = ip + 40;
		uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
		if (doff < 20 || doff > tot - 40)
			return -1;
		out->family = 6;
		out->flags = t[13];
		out->sport = get16(t);
		out->dport = get16(t + 2);
		out->seq = get32(t + 4);
		out->ack = get32(t + 8);
		out->win = get16(t + 14);
		out->whole = 1;
		out->ip_bytes = tot;
		out->payload = tot - 40 - doff;
		memcpy(out->saddr, ip + 8, 16);
		memcpy(out->daddr, ip + 24, 16);
		return DECODE_TCP;
	}
	return -1;
}

/* Everything but the common case: out of line, so that the fast path
 * neither saves registers nor makes a frame for it. */
static __attribute__((noinline)) enum decode_result
general(const struct decode_tunnels *tun, int dlt, const uint8_t *p, uint32_t caplen,
        uint32_t wirelen, struct pkt *out)
{
	struct dc d = {.tun = tun, .out = out};
	out->sport = out->dport = 0; /* a result other than TCP leaves the rest */
	return link_layer(dlt, p, caplen, wirelen, 0, &d);
}

enum decode_result decode(const struct decode_tunnels *tun, int dlt, const uint8_t *p,
                          uint32_t caplen, uint32_t wirelen, struct pkt *out)
{
	if (wirelen < caplen)
		wirelen = caplen;
	out->want_l4 = 0;
	if (dlt == LT_EN10MB && caplen >= 18) {
		int r = fast_ethernet(p, caplen, wirelen, out);
		if (r >= 0)
			return (enum decode_result)r;
	}
	return general(tun, dlt, p, caplen, wirelen, out);
}

enum decode_result decode_l4(const struct decode_tunnels *tun, int dlt, const uint8_t *p,
                             uint32_t caplen, uint32_t wirelen, struct l4 *out)
{
	if (wirelen < caplen)
		wirelen = caplen;
	out->data = NULL;
	out->len = 0;
	out->proto = 0;
	out->p.want_l4 = 1;
	enum decode_result r = general(tun, dlt, p, caplen, wirelen, &out->p);
	out->p.want_l4 = 0;
	return r;
}

int decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case LT_EN10MB: case LT_LINUX_SLL: case LT_LINUX_SLL2: case LT_RAW12:
	case LT_RAW14: case LT_RAW: case LT_IPV4: case LT_IPV6: case LT_NULL:
	case LT_LOOP: case LT_PPP: case LT_PPP_SERIAL: case LT_PPP_ETHER:
	case LT_PPP_WITH_DIR: case LT_C_HDLC_WITH_DIR: case LT_C_HDLC: case LT_FDDI:
	case LT_ATM_RFC1483: case LT_IEEE802_11: case LT_RADIOTAP: case LT_PPI:
	case LT_PFLOG: case LT_NFLOG: case LT_IPOIB: case LT_JUNIPER_ETHER: case LT_ARCNET_LINUX:
	case LT_ERF: case LT_PKTAP_DARWIN: case LT_PKTAP: case LT_PRISM: case LT_IEEE802_11_AVS:
	case LT_IPNET: case LT_FRELAY:
		return 1;
	default:
		return 0;
	}
}

/* ---- the tunnels' ports ---- */

static const char *const tunnel_names[DECODE_TUN_KINDS] = {
	[DECODE_TUN_VXLAN] = "vxlan", [DECODE_TUN_GENEVE] = "geneve", [DECODE_TUN_GTPU] = "gtpu",
	[DECODE_TUN_GRE] = "gre", [DECODE_TUN_TEREDO] = "teredo", [DECODE_TUN_AYIYA] = "ayiya",
	[DECODE_TUN_CAPWAP] = "capwap", [DECODE_TUN_L2TP] = "l2tp", [DECODE_TUN_VXLAN_GPE] = "vxlan-gpe",
};

int decode_tunnels_parse(struct decode_tunnels *t, const char *spec, const char **why)
{
	uint16_t port[DECODE_TUN_KINDS][DECODE_TUNNEL_PORTS];
	int n[DECODE_TUN_KINDS] = {0};
	for (int i = 0; i < registered.n; i++)
		port[registered.kind[i]][n[registered.kind[i]]++] = registered.port[i];
	int named[DECODE_TUN_KINDS] = {0};
	const char *s = spec;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t w = strcspn(s, ":");
		int k = 0;
		for (int i = 1; i < DECODE_TUN_KINDS; i++)
			if (strlen(tunnel_names[i]) == w && !strncmp(s, tunnel_names[i], w))
				k = i;
		if (!k || s[w] != ':') {
			*why = "expected KIND:PORT,... with KIND one of vxlan, geneve, gtpu, gre, teredo, "
			       "ayiya, capwap, l2tp, vxlan-gpe";
			return -1;
		}
		if (named[k]++) {
			*why = "a tunnel named twice";
			return -1;
		}
		n[k] = 0;
		s += w + 1;
		while (*s >= '0' && *s <= '9') {
			unsigned long v = 0;
			while (*s >= '0' && *s <= '9' && v <= 65535)
				v = v * 10 + (unsigned long)(*s++ - '0');
			if (v == 0 || v > 65535) {
				*why = "a port from 1 to 65535";
				return -1;
			}
			if (n[k] >= DECODE_TUNNEL_PORTS) {
				*why = "too many ports";
				return -1;
			}
			port[k][n[k]++] = (uint16_t)v;
			if (*s == ',')
				s++;
		}
		if (*s && *s != ' ' && *s != '\t') {
			*why = "expected KIND:PORT,PORT... separated by spaces";
			return -1;
		}
	}
	struct decode_tunnels r = {0};
	for (int k = 1; k < DECODE_TUN_KINDS; k++) {
		for (int i = 0; i < n[k]; i++) {
			if (tunnel_at(&r, port[k][i])) {
				*why = "a port given to two tunnels";
				return -1;
			}
			if (r.n >= DECODE_TUNNEL_PORTS) {
				*why = "too many ports";
				return -1;
			}
			r.kind[r.n] = (uint8_t)k;
			r.port[r.n++] = port[k][i];
		}
	}
	*t = r;
	return 0;
}
