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
#define LT_RAW12       12  /* DLT_RAW on most systems, DLT_LOOP on OpenBSD */
#define LT_RAW14       14  /* DLT_RAW on old BSDs */
#define LT_PPP_SERIAL  50
#define LT_PPP_ETHER   51
#define LT_RAW         101 /* LINKTYPE_RAW */
#define LT_LOOP        108
#define LT_LINUX_SLL   113
#define LT_IPV4        228
#define LT_IPV6        229
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

#define MAX_VLAN   4  /* tags followed before giving up */
#define MAX_MPLS   8  /* labels */
#define MAX_TUNNEL 4  /* nested IP-in-IP / GRE */
#define MAX_EXTHDR 8  /* IPv6 extension headers */

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

static enum decode_result ip_any(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                 int depth, struct pkt *out);

/* A datagram that is not TCP: a UDP one's ports (for decode_is_dns); the
 * general path zeroed them. */
static void udp_ports(struct pkt *out, uint8_t proto, const uint8_t *p, uint32_t len)
{
	if (proto == 17 && len >= 4) {
		out->sport = get16(p);
		out->dport = get16(p + 2);
	}
}

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
 * header (header + payload). */
static enum decode_result tcp(const uint8_t *p, uint32_t len, uint32_t seglen,
                              struct pkt *out)
{
	/* ports, sequence numbers, data offset and flags: 14 bytes; the
	 * window (2 more) when captured */
	if (seglen < 20)
		return DECODE_INVALID;
	if (len < 14)
		return DECODE_TRUNCATED;
	uint32_t doff = (uint32_t)(p[12] >> 4) * 4;
	if (doff < 20 || doff > seglen)
		return DECODE_INVALID;
	out->sport = get16(p);
	out->dport = get16(p + 2);
	out->flags = p[13];
	out->payload = seglen - doff;
	out->seq = get32(p + 4);
	out->ack = get32(p + 8);
	/* a header cut between the flags and the window still counts, but
	 * the health measurement leaves it out */
	out->whole = len >= 16;
	out->win = out->whole ? get16(p + 14) : 0;
	return DECODE_TCP;
}

/*
 * IPv4 (RFC 791).  len: bytes captured from the IP header on; wirelen:
 * bytes on the wire from the IP header on (for segmentation offload).
 */
static enum decode_result ipv4(const uint8_t *p, uint32_t len, uint32_t wirelen,
                               int depth, struct pkt *out)
{
	if (wirelen < 20)
		return DECODE_INVALID; /* the datagram itself is shorter than a header */
	if (len < 20)
		return DECODE_TRUNCATED;
	uint32_t ihl = (uint32_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20)
		return DECODE_INVALID;
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
	uint8_t proto = p[9];
	uint32_t avail = len < tot ? len : tot;
	if (out->want_l4)
		note_l4(out, proto, p + ihl, avail - ihl);
	/* A total length beyond what the frame carried on the wire: the
	 * datagram was cut short; its payload is what arrived (the IP bytes
	 * stay what the header claims, as tshark counts them). */
	uint32_t seg = (wirelen >= ihl && wirelen < tot ? wirelen : tot) - ihl;
	switch (proto) {
	case 6: {
		enum decode_result r = tcp(p + ihl, avail - ihl, seg, out);
		if (r != DECODE_TCP)
			return r;
		out->family = 4;
		set_v4(out, p);
		out->ip_bytes = tot;
		return DECODE_TCP;
	}
	case 4:  /* IPv4 in IPv4 (RFC 2003) */
	case 41: /* IPv6 in IPv4 (RFC 4213) */
	case 47: /* GRE */
		if (depth >= MAX_TUNNEL)
			return DECODE_UNSUPPORTED;
		if (proto == 47)
			break;
		if (frag & 0x2000)
			return DECODE_FRAGMENT; /* the inner datagram is incomplete */
		return ip_any(p + ihl, avail - ihl, tot - ihl, depth + 1, out);
	default:
		udp_ports(out, proto, p + ihl, avail - ihl);
		return DECODE_NON_TCP;
	}
	/* GRE (RFC 2784, 2890): flags and version, protocol, optional fields */
	if (frag & 0x2000)
		return DECODE_FRAGMENT;
	const uint8_t *g = p + ihl;
	uint32_t glen = avail - ihl;
	if (tot - ihl < 4)
		return DECODE_INVALID;
	if (glen < 4)
		return DECODE_TRUNCATED;
	if ((g[1] & 0x07) != 0)
		return DECODE_UNSUPPORTED; /* version 1 (PPTP) carries PPP */
	uint32_t off = 4 + ((g[0] & 0x80) ? 4 : 0) + ((g[0] & 0x20) ? 4 : 0) + ((g[0] & 0x10) ? 4 : 0);
	if (tot - ihl < off)
		return DECODE_INVALID;
	if (glen < off)
		return DECODE_TRUNCATED;
	uint16_t et = get16(g + 2);
	if (et != ETH_IPV4 && et != ETH_IPV6)
		return DECODE_NON_TCP;
	return ip_any(g + off, glen - off, tot - ihl - off, depth + 1, out);
}

/* Whether an IPv6 next-header value is an extension header we can walk. */
static int ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 ||
	       nh == 135 || nh == 139 || nh == 140;
}

/* IPv6 (RFC 8200) with a bounded walk over extension headers. */
static enum decode_result ipv6(const uint8_t *p, uint32_t len, uint32_t wirelen,
                               int depth, struct pkt *out)
{
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
		enum decode_result r = tcp(p + off, rest, seg, out);
		if (r != DECODE_TCP)
			return r;
		out->family = 6;
		memcpy(out->saddr, p + 8, 16);
		memcpy(out->daddr, p + 24, 16);
		out->ip_bytes = tot;
		return DECODE_TCP;
	}
	case 4:
	case 41:
		if (depth >= MAX_TUNNEL)
			return DECODE_UNSUPPORTED;
		return ip_any(p + off, rest, tot - off, depth + 1, out);
	case 50: /* ESP: encrypted */
		return DECODE_UNSUPPORTED;
	default:
		udp_ports(out, nh, p + off, rest);
		return DECODE_NON_TCP;
	}
}

/* An IP datagram of either version, told by its first nibble. */
static enum decode_result ip_any(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                 int depth, struct pkt *out)
{
	if (len < 1)
		return DECODE_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
		return ipv4(p, len, wirelen, depth, out);
	case 6:
		return ipv6(p, len, wirelen, depth, out);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* A PPP protocol field (RFC 1661 section 2: one byte when compressed, as
 * its low bit then says), then IPv4 or IPv6. */
static enum decode_result ppp_proto(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                    struct pkt *out)
{
	if (len < 1)
		return DECODE_TRUNCATED;
	uint32_t n = (p[0] & 1) ? 1 : 2;
	if (len < n)
		return DECODE_TRUNCATED;
	uint16_t proto = n == 1 ? p[0] : get16(p);
	p += n, len -= n, wirelen = wirelen > n ? wirelen - n : 0;
	if (proto == 0x0021)
		return ipv4(p, len, wirelen, 0, out);
	if (proto == 0x0057)
		return ipv6(p, len, wirelen, 0, out);
	return DECODE_UNSUPPORTED;
}

/* Dispatch on an Ethernet type (also used by SLL, SLL2, SNAP, PPPoE). */
static enum decode_result ethertype(uint16_t et, const uint8_t *p, uint32_t len,
                                    uint32_t wirelen, struct pkt *out)
{
	switch (et) {
	case ETH_IPV4:
		return ipv4(p, len, wirelen, 0, out);
	case ETH_IPV6:
		return ipv6(p, len, wirelen, 0, out);
	case ETH_MPLS:
	case ETH_MPLSM:
		/* RFC 3032: labels until bottom of stack, then guess IP by nibble */
		for (int i = 0; i < MAX_MPLS; i++) {
			if (len < 4)
				return DECODE_TRUNCATED;
			int bos = p[2] & 1;
			p += 4, len -= 4, wirelen = wirelen > 4 ? wirelen - 4 : 0;
			if (bos)
				return ip_any(p, len, wirelen, 0, out);
		}
		return DECODE_UNSUPPORTED;
	case ETH_PPPOES:
		/* RFC 2516 session header (6 bytes), then PPP without framing */
		if (len < 6)
			return DECODE_TRUNCATED;
		return ppp_proto(p + 6, len - 6, wirelen > 6 ? wirelen - 6 : 0, out);
	default:
		return DECODE_UNSUPPORTED;
	}
}

static enum decode_result ethernet(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                   struct pkt *out)
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
	if (et <= 1500) {
		/* IEEE 802.3 length field: LLC, and SNAP with OUI 0 carries an
		 * Ethernet type (RFC 1042) */
		if (len < off + 8)
			return DECODE_TRUNCATED;
		const uint8_t *l = p + off;
		if (l[0] != 0xaa || l[1] != 0xaa || l[2] != 0x03 || l[3] || l[4] || l[5])
			return DECODE_UNSUPPORTED;
		et = get16(l + 6);
		off += 8;
	}
	return ethertype(et, p + off, len - off, wirelen > off ? wirelen - off : 0, out);
}

/* BSD null/loopback: a 4-byte address family, in the byte order of the
 * capturing host (DLT_NULL) or network order (DLT_LOOP).  IPv6 has a
 * different AF_INET6 value on every BSD: 24, 28 and 30. */
static enum decode_result null_loop(const uint8_t *p, uint32_t len, uint32_t wirelen,
                                    struct pkt *out)
{
	if (len < 4)
		return DECODE_TRUNCATED;
	uint32_t af = get32(p);
	if (af > 0xffff)
		af = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	p += 4, len -= 4, wirelen = wirelen > 4 ? wirelen - 4 : 0;
	switch (af) {
	case 2:
		return ipv4(p, len, wirelen, 0, out);
	case 10: /* Linux AF_INET6, seen in some captures */
	case 24:
	case 28:
	case 30:
		return ipv6(p, len, wirelen, 0, out);
	default:
		return DECODE_UNSUPPORTED;
	}
}

/* HDLC-like framing (RFC 1662), when present, then PPP. */
static enum decode_result ppp(const uint8_t *p, uint32_t len, uint32_t wirelen,
                              struct pkt *out)
{
	if (len >= 2 && p[0] == 0xff && p[1] == 0x03)
		p += 2, len -= 2, wirelen = wirelen > 2 ? wirelen - 2 : 0;
	return ppp_proto(p, len, wirelen, out);
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

static enum decode_result walk(int dlt, const uint8_t *p, uint32_t caplen,
                               uint32_t wirelen, struct pkt *out);

enum decode_result decode(int dlt, const uint8_t *p, uint32_t caplen,
                          uint32_t wirelen, struct pkt *out)
{
	if (wirelen < caplen)
		wirelen = caplen;
	out->want_l4 = 0;
	if (dlt == LT_EN10MB && caplen >= 18) {
		int r = fast_ethernet(p, caplen, wirelen, out);
		if (r >= 0)
			return (enum decode_result)r;
	}
	return walk(dlt, p, caplen, wirelen, out);
}

enum decode_result decode_l4(int dlt, const uint8_t *p, uint32_t caplen,
                             uint32_t wirelen, struct l4 *out)
{
	if (wirelen < caplen)
		wirelen = caplen;
	out->data = NULL;
	out->len = 0;
	out->proto = 0;
	out->p.want_l4 = 1;
	enum decode_result r = walk(dlt, p, caplen, wirelen, &out->p);
	out->p.want_l4 = 0;
	return r;
}

/* The general path, by link type. */
static enum decode_result walk(int dlt, const uint8_t *p, uint32_t caplen,
                               uint32_t wirelen, struct pkt *out)
{
	out->sport = out->dport = 0; /* a result other than TCP leaves the rest */
	switch (dlt) {
	case LT_EN10MB:
		return ethernet(p, caplen, wirelen, out);
	case LT_LINUX_SLL:
		/* 16 bytes: packet type, ARPHRD, address length, address, protocol */
		if (caplen < 16)
			return DECODE_TRUNCATED;
		return ethertype(get16(p + 14), p + 16, caplen - 16, wirelen - 16, out);
	case LT_LINUX_SLL2:
		/* 20 bytes: protocol, reserved, ifindex, ARPHRD, type, address */
		if (caplen < 20)
			return DECODE_TRUNCATED;
		return ethertype(get16(p), p + 20, caplen - 20, wirelen - 20, out);
	case LT_RAW12:
	case LT_RAW14:
	case LT_RAW:
		return ip_any(p, caplen, wirelen, 0, out);
	case LT_IPV4:
		return ipv4(p, caplen, wirelen, 0, out);
	case LT_IPV6:
		return ipv6(p, caplen, wirelen, 0, out);
	case LT_NULL:
	case LT_LOOP:
		return null_loop(p, caplen, wirelen, out);
	case LT_PPP:
	case LT_PPP_SERIAL:
		return ppp(p, caplen, wirelen, out);
	case LT_PPP_ETHER:
		/* PPPoE session header without the Ethernet header */
		if (caplen < 6)
			return DECODE_TRUNCATED;
		return ppp(p + 6, caplen - 6, wirelen - 6, out);
	default:
		return DECODE_UNSUPPORTED;
	}
}

int decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case LT_EN10MB: case LT_LINUX_SLL: case LT_LINUX_SLL2: case LT_RAW12:
	case LT_RAW14: case LT_RAW: case LT_IPV4: case LT_IPV6: case LT_NULL:
	case LT_LOOP: case LT_PPP: case LT_PPP_SERIAL: case LT_PPP_ETHER:
		return 1;
	default:
		return 0;
	}
}
