/*
 * test_decode: frames built byte by byte, through decode().  Every frame is
 * handed over in a heap buffer of exactly caplen bytes, so that a read past
 * the capture is caught under ASan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "tap.h"

/* link types, by number */
enum {
	DLT_NULL_ = 0, DLT_EN10MB_ = 1, DLT_RAW12_ = 12, DLT_RAW14_ = 14, DLT_RAW_ = 101,
	DLT_LOOP_ = 108, DLT_SLL_ = 113, DLT_IPV4_ = 228, DLT_IPV6_ = 229, DLT_SLL2_ = 276,
};

static const uint8_t A4[4] = {10, 0, 0, 1}, B4[4] = {10, 0, 0, 2};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t OUT_A4[4] = {192, 0, 2, 1}, OUT_B4[4] = {192, 0, 2, 2};

/* ---- building frames ---- */

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put8(struct buf *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void put16(struct buf *b, unsigned v) { put8(b, v >> 8 & 0xff); put8(b, v & 0xff); }
static void put32(struct buf *b, uint32_t v) { put16(b, v >> 16); put16(b, v & 0xffff); }
static void putn(struct buf *b, const void *p, size_t n) { memcpy(b->b + b->n, p, n); b->n += n; }
static void fill(struct buf *b, unsigned v, size_t n) { while (n--) put8(b, v); }

/* Put header h (n bytes) in front of b. */
static void prepend(struct buf *b, const struct buf *h)
{
	memmove(b->b + h->n, b->b, b->n);
	memcpy(b->b, h->b, h->n);
	b->n += h->n;
}

/* A TCP segment: a 20-byte header whose data offset field says doff words
 * (filled with NOP options up to doff words when doff > 5), then payload
 * bytes. */
static void tcp_seg(struct buf *b, unsigned sport, unsigned dport, unsigned flags, unsigned doff,
                    size_t payload)
{
	b->n = 0;
	put16(b, sport);
	put16(b, dport);
	put32(b, 0x11223344); /* seq */
	put32(b, 0x55667788); /* ack */
	put8(b, doff << 4);
	put8(b, flags);
	put16(b, 65535);      /* window */
	put16(b, 0);          /* checksum */
	put16(b, 0);          /* urgent */
	if (doff > 5)
		fill(b, 0x01, (doff - 5) * 4);
	fill(b, 'x', payload);
}

/* Wrap b in an IPv4 header with opt_words words of options; frag is the
 * flags and fragment offset field; tot overrides the total length when >= 0. */
static void ip4_wrap(struct buf *b, unsigned proto, const uint8_t *src, const uint8_t *dst,
                     unsigned opt_words, unsigned frag, long tot)
{
	struct buf h = {.n = 0};
	unsigned ihl = 5 + opt_words;
	put8(&h, 0x40 | ihl);
	put8(&h, 0);
	put16(&h, tot >= 0 ? (unsigned)tot : (unsigned)(ihl * 4 + b->n));
	put16(&h, 0x1234);
	put16(&h, frag);
	put8(&h, 64);
	put8(&h, proto);
	put16(&h, 0);
	putn(&h, src, 4);
	putn(&h, dst, 4);
	if (opt_words) {
		fill(&h, 0x01, opt_words * 4 - 1); /* NOPs */
		put8(&h, 0x00);                    /* end of options */
	}
	prepend(b, &h);
}

/* Wrap b in an IPv6 header; plen overrides the payload length when >= 0. */
static void ip6_wrap(struct buf *b, unsigned nh, const uint8_t *src, const uint8_t *dst, long plen)
{
	struct buf h = {.n = 0};
	put32(&h, 0x60000000);
	put16(&h, plen >= 0 ? (unsigned)plen : (unsigned)b->n);
	put8(&h, nh);
	put8(&h, 64);
	putn(&h, src, 16);
	putn(&h, dst, 16);
	prepend(b, &h);
}

/* An IPv6 extension header of len bytes (a multiple of 8) whose next header
 * is nh: hop-by-hop and destination options (PadN), routing (type 4,
 * segments left 0). */
static void ext6_wrap(struct buf *b, unsigned nh, unsigned kind, size_t len)
{
	struct buf h = {.n = 0};
	put8(&h, nh);
	put8(&h, (unsigned)(len / 8 - 1));
	if (kind == 43) {
		put8(&h, 4); /* routing type */
		put8(&h, 0); /* segments left */
		fill(&h, 0, len - 4);
	} else {
		put8(&h, 1); /* PadN */
		put8(&h, (unsigned)(len - 4));
		fill(&h, 0, len - 4);
	}
	prepend(b, &h);
}

/* An IPv6 fragment header: offset in 8-byte units, more fragments flag. */
static void frag6_wrap(struct buf *b, unsigned nh, unsigned offset, int more)
{
	struct buf h = {.n = 0};
	put8(&h, nh);
	put8(&h, 0);
	put16(&h, offset << 3 | (more ? 1 : 0));
	put32(&h, 0xabcdef01);
	prepend(b, &h);
}

static void eth_wrap(struct buf *b, unsigned ethertype)
{
	struct buf h = {.n = 0};
	static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 2}, smac[6] = {0x02, 0, 0, 0, 0, 1};
	putn(&h, dmac, 6);
	putn(&h, smac, 6);
	put16(&h, ethertype);
	prepend(b, &h);
}

/* An 802.1Q/802.1ad tag: tpid, then the TCI and the inner type follow. */
static void vlan_wrap(struct buf *b, unsigned vid, unsigned inner_type)
{
	struct buf h = {.n = 0};
	put16(&h, vid);
	put16(&h, inner_type);
	prepend(b, &h);
}

static void sll_wrap(struct buf *b, unsigned proto)
{
	struct buf h = {.n = 0};
	put16(&h, 0);      /* packet type: to us */
	put16(&h, 1);      /* ARPHRD_ETHER */
	put16(&h, 6);      /* address length */
	fill(&h, 0x02, 8); /* address, padded to 8 */
	put16(&h, proto);
	prepend(b, &h);
}

static void sll2_wrap(struct buf *b, unsigned proto)
{
	struct buf h = {.n = 0};
	put16(&h, proto);
	put16(&h, 0);      /* reserved */
	put32(&h, 3);      /* interface index */
	put16(&h, 1);      /* ARPHRD_ETHER */
	put8(&h, 0);       /* packet type */
	put8(&h, 6);       /* address length */
	fill(&h, 0x02, 8);
	prepend(b, &h);
}

/* DLT_NULL / DLT_LOOP: a 4-byte family, big (be = 1) or little endian. */
static void null_wrap(struct buf *b, uint32_t af, int be)
{
	struct buf h = {.n = 0};
	if (be) {
		put32(&h, af);
	} else {
		put8(&h, af & 0xff);
		put8(&h, af >> 8 & 0xff);
		put8(&h, af >> 16 & 0xff);
		put8(&h, af >> 24 & 0xff);
	}
	prepend(b, &h);
}

/* ---- decoding ---- */

/* decode() over the first caplen bytes of b, copied into a heap buffer of
 * exactly that size; out starts filled with garbage. */
static enum decode_result dec(int dlt, const struct buf *b, size_t caplen, size_t wirelen,
                              struct pkt *out)
{
	uint8_t *p = malloc(caplen);
	if (!p && caplen) {
		perror("malloc");
		exit(99);
	}
	if (caplen)
		memcpy(p, b->b, caplen);
	memset(out, 0xa5, sizeof *out);
	enum decode_result r = decode(NULL, dlt, p, (uint32_t)caplen, (uint32_t)wirelen, out);
	free(p);
	return r;
}

static const char *rname(enum decode_result r)
{
	static const char *n[] = {"TCP", "NON_TCP", "FRAGMENT", "TRUNCATED", "INVALID", "UNSUPPORTED"};
	return (unsigned)r < DECODE_NRESULTS ? n[r] : "?";
}

struct want {
	int family;
	const uint8_t *src, *dst;
	unsigned sport, dport, flags;
	uint32_t ip_bytes, payload;
};

/* Whether p holds what w says; a reason into why otherwise. */
static int pkt_is(const struct pkt *p, const struct want *w, char *why, size_t len)
{
	uint8_t s[16] = {0}, d[16] = {0};
	size_t alen = w->family == 4 ? 4 : 16;
	memcpy(s, w->src, alen);
	memcpy(d, w->dst, alen);
	if (p->family != w->family)
		return snprintf(why, len, "family %u, want %d", p->family, w->family), 0;
	if (memcmp(p->saddr, s, 16) || memcmp(p->daddr, d, 16))
		return snprintf(why, len, "addresses differ (IPv4: rest must be zero)"), 0;
	if (p->sport != w->sport || p->dport != w->dport)
		return snprintf(why, len, "ports %u->%u, want %u->%u", p->sport, p->dport, w->sport,
		                w->dport), 0;
	if (p->flags != w->flags)
		return snprintf(why, len, "flags 0x%02x, want 0x%02x", p->flags, w->flags), 0;
	if (p->ip_bytes != w->ip_bytes)
		return snprintf(why, len, "ip_bytes %u, want %u", p->ip_bytes, w->ip_bytes), 0;
	if (p->payload != w->payload)
		return snprintf(why, len, "payload %u, want %u", p->payload, w->payload), 0;
	/* what tcp_seg() writes; the window only when captured */
	if (p->seq != 0x11223344 || p->ack != 0x55667788)
		return snprintf(why, len, "seq %08x ack %08x, want 11223344 55667788", p->seq, p->ack), 0;
	if (p->whole > 1 || p->win != (p->whole ? 65535 : 0))
		return snprintf(why, len, "whole %u win %u", p->whole, p->win), 0;
	return 1;
}

/* The whole frame decodes to w. */
static void expect_tcp(const char *name, int dlt, const struct buf *b, const struct want *w)
{
	struct pkt p;
	char why[200] = "";
	enum decode_result r = dec(dlt, b, b->n, b->n, &p);
	CHECK(r == DECODE_TCP && pkt_is(&p, w, why, sizeof why) && p.whole, "%s: %s %s", name, rname(r), why);
}

static void expect_result(const char *name, int dlt, const struct buf *b, size_t wirelen,
                          enum decode_result want)
{
	struct pkt p;
	enum decode_result r = dec(dlt, b, b->n, wirelen, &p);
	CHECK(r == want, "%s: %s, want %s", name, rname(r), rname(want));
	/* no prefix reads past its end (ASan), and cutting a frame that is
	 * not TCP never makes it TCP */
	size_t bad = SIZE_MAX;
	for (size_t k = 0; k < b->n && bad == SIZE_MAX; k++) {
		enum decode_result rk = dec(dlt, b, k, wirelen, &p);
		if ((unsigned)rk >= DECODE_NRESULTS || (want != DECODE_TCP && rk == DECODE_TCP))
			bad = k;
	}
	CHECK(bad == SIZE_MAX, "%s: caplen %zu gives TCP or no result", name, bad);
}

/* Every prefix of the frame shorter than need bytes (the end of the TCP
 * flags) is TRUNCATED; every longer one decodes to w (the counts come from
 * the headers, not from the capture length), with the window (and whole
 * set) from 2 bytes more on. */
static void sweep(const char *name, int dlt, const struct buf *b, size_t need, const struct want *w)
{
	char why[200] = "";
	size_t bad = SIZE_MAX;
	enum decode_result badr = DECODE_TCP;
	for (size_t k = 0; k <= b->n && bad == SIZE_MAX; k++) {
		struct pkt p;
		enum decode_result r = dec(dlt, b, k, b->n, &p);
		if (k < need ? r != DECODE_TRUNCATED : (r != DECODE_TCP || !pkt_is(&p, w, why, sizeof why)))
			bad = k, badr = r;
		else if (k >= need && p.whole != (k >= need + 2))
			bad = k, badr = r, snprintf(why, sizeof why, "whole %u", p.whole);
	}
	CHECK(bad == SIZE_MAX, "%s: caplen %zu of %zu (flags end at %zu): %s %s", name, bad, b->n, need,
	      rname(badr), why);
}

/* Frame b ends with a TCP segment of seglen bytes: where its flags end. */
static size_t flags_end(const struct buf *b, size_t seglen) { return b->n - seglen + 14; }

/* ---- the cases ---- */

static void test_ethernet(void)
{
	struct buf b;
	tcp_seg(&b, 12345, 80, TCPF_PSH | TCPF_ACK, 5, 100);
	ip4_wrap(&b, 6, A4, B4, 0, 0x4000 /* DF */, -1);
	eth_wrap(&b, 0x0800);
	struct want w = {4, A4, B4, 12345, 80, TCPF_PSH | TCPF_ACK, 140, 100};
	expect_tcp("Ethernet II IPv4", DLT_EN10MB_, &b, &w);
	sweep("Ethernet II IPv4 truncated", DLT_EN10MB_, &b, flags_end(&b, 120), &w);

	tcp_seg(&b, 443, 51000, TCPF_SYN | TCPF_ACK, 5, 0);
	ip6_wrap(&b, 6, B6, A6, -1);
	eth_wrap(&b, 0x86dd);
	struct want w6 = {6, B6, A6, 443, 51000, TCPF_SYN | TCPF_ACK, 60, 0};
	expect_tcp("Ethernet II IPv6", DLT_EN10MB_, &b, &w6);
	sweep("Ethernet II IPv6 truncated", DLT_EN10MB_, &b, flags_end(&b, 20), &w6);

	/* a 40-byte datagram padded to the 60-byte Ethernet minimum: the IP
	 * bytes are the total length, never the frame length */
	tcp_seg(&b, 1025, 22, TCPF_ACK, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	eth_wrap(&b, 0x0800);
	fill(&b, 0, 60 - b.n);
	struct want wp = {4, A4, B4, 1025, 22, TCPF_ACK, 40, 0};
	expect_tcp("Ethernet padding not counted", DLT_EN10MB_, &b, &wp);

	/* the capture cut by the snap length after the TCP header: counts from
	 * the headers */
	tcp_seg(&b, 5000, 6000, TCPF_ACK, 5, 1400);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	eth_wrap(&b, 0x0800);
	{
		struct pkt p;
		char why[200] = "";
		struct want wc = {4, A4, B4, 5000, 6000, TCPF_ACK, 1440, 1400};
		enum decode_result r = dec(DLT_EN10MB_, &b, 68, b.n, &p);
		CHECK(r == DECODE_TCP && pkt_is(&p, &wc, why, sizeof why), "snaplen 68: %s %s", rname(r), why);
	}

	/* an Ethernet type that carries no IP */
	tcp_seg(&b, 1, 2, TCPF_SYN, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	eth_wrap(&b, 0x0806);
	expect_result("ARP ethertype unsupported", DLT_EN10MB_, &b, b.n, DECODE_UNSUPPORTED);
	tcp_seg(&b, 1, 2, TCPF_SYN, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	eth_wrap(&b, 0x1234);
	expect_result("unknown ethertype unsupported", DLT_EN10MB_, &b, b.n, DECODE_UNSUPPORTED);
}

static void test_vlan(void)
{
	struct buf b;
	tcp_seg(&b, 40000, 443, TCPF_ACK, 5, 10);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	vlan_wrap(&b, 100, 0x0800);
	eth_wrap(&b, 0x8100);
	struct want w = {4, A4, B4, 40000, 443, TCPF_ACK, 50, 10};
	expect_tcp("802.1Q", DLT_EN10MB_, &b, &w);
	sweep("802.1Q truncated", DLT_EN10MB_, &b, flags_end(&b, 30), &w);

	/* QinQ: an 802.1ad service tag, then an 802.1Q customer tag */
	tcp_seg(&b, 40000, 443, TCPF_FIN | TCPF_ACK, 5, 0);
	ip6_wrap(&b, 6, A6, B6, -1);
	vlan_wrap(&b, 20, 0x86dd);
	vlan_wrap(&b, 10, 0x8100);
	eth_wrap(&b, 0x88a8);
	struct want w6 = {6, A6, B6, 40000, 443, TCPF_FIN | TCPF_ACK, 60, 0};
	expect_tcp("QinQ 0x88a8 + 0x8100", DLT_EN10MB_, &b, &w6);
	sweep("QinQ truncated", DLT_EN10MB_, &b, flags_end(&b, 20), &w6);

	/* 802.3 with an LLC/SNAP header carrying an Ethernet type (RFC 1042) */
	tcp_seg(&b, 1234, 80, TCPF_SYN, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	{
		struct buf h = {.n = 0};
		put8(&h, 0xaa), put8(&h, 0xaa), put8(&h, 0x03);
		put8(&h, 0), put8(&h, 0), put8(&h, 0);
		put16(&h, 0x0800);
		prepend(&b, &h);
	}
	eth_wrap(&b, (unsigned)b.n); /* the 802.3 length field */
	struct want ws = {4, A4, B4, 1234, 80, TCPF_SYN, 40, 0};
	expect_tcp("802.3 LLC/SNAP", DLT_EN10MB_, &b, &ws);
	sweep("802.3 LLC/SNAP truncated", DLT_EN10MB_, &b, flags_end(&b, 20), &ws);

	/* 802.3 with a plain LLC header (spanning tree): no IP */
	b.n = 0;
	put8(&b, 0x42), put8(&b, 0x42), put8(&b, 0x03);
	fill(&b, 0, 35);
	eth_wrap(&b, (unsigned)b.n);
	expect_result("802.3 LLC without SNAP unsupported", DLT_EN10MB_, &b, b.n, DECODE_UNSUPPORTED);
}

static void test_cooked(void)
{
	struct buf b;
	tcp_seg(&b, 33000, 3306, TCPF_ACK | TCPF_PSH, 5, 7);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	sll_wrap(&b, 0x0800);
	struct want w = {4, A4, B4, 33000, 3306, TCPF_ACK | TCPF_PSH, 47, 7};
	expect_tcp("Linux SLL IPv4", DLT_SLL_, &b, &w);
	sweep("Linux SLL truncated", DLT_SLL_, &b, flags_end(&b, 27), &w);

	tcp_seg(&b, 33000, 3306, TCPF_ACK, 5, 7);
	ip6_wrap(&b, 6, A6, B6, -1);
	sll2_wrap(&b, 0x86dd);
	struct want w6 = {6, A6, B6, 33000, 3306, TCPF_ACK, 67, 7};
	expect_tcp("Linux SLL2 IPv6", DLT_SLL2_, &b, &w6);
	sweep("Linux SLL2 truncated", DLT_SLL2_, &b, flags_end(&b, 27), &w6);

	tcp_seg(&b, 33000, 3306, TCPF_ACK, 5, 7);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	sll2_wrap(&b, 0x0800);
	struct want w4 = {4, A4, B4, 33000, 3306, TCPF_ACK, 47, 7};
	expect_tcp("Linux SLL2 IPv4", DLT_SLL2_, &b, &w4);

	tcp_seg(&b, 1, 2, TCPF_ACK, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	sll_wrap(&b, 0x0806);
	expect_result("Linux SLL ARP unsupported", DLT_SLL_, &b, b.n, DECODE_UNSUPPORTED);
}

static void test_raw(void)
{
	static const int v4dlts[] = {DLT_RAW12_, DLT_RAW14_, DLT_RAW_, DLT_IPV4_};
	static const int v6dlts[] = {DLT_RAW12_, DLT_RAW14_, DLT_RAW_, DLT_IPV6_};
	char name[64];
	struct buf b;
	tcp_seg(&b, 2000, 25, TCPF_SYN, 6, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	struct want w = {4, A4, B4, 2000, 25, TCPF_SYN, 44, 0};
	for (size_t i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "raw IP link type %d, IPv4", v4dlts[i]);
		expect_tcp(name, v4dlts[i], &b, &w);
		CHECK(decode_dlt_supported(v4dlts[i]), "link type %d supported", v4dlts[i]);
	}
	sweep("raw IPv4 truncated", DLT_RAW_, &b, 34, &w);

	tcp_seg(&b, 2000, 25, TCPF_SYN, 5, 3);
	ip6_wrap(&b, 6, A6, B6, -1);
	struct want w6 = {6, A6, B6, 2000, 25, TCPF_SYN, 63, 3};
	for (size_t i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "raw IP link type %d, IPv6", v6dlts[i]);
		expect_tcp(name, v6dlts[i], &b, &w6);
		CHECK(decode_dlt_supported(v6dlts[i]), "link type %d supported", v6dlts[i]);
	}
	sweep("raw IPv6 truncated", DLT_IPV6_, &b, 54, &w6);

	/* a version nibble the link type does not announce: IPv6 where IPv4
	 * was is read as IPv6 (as tshark's IPv4 dissector does), IPv4 where
	 * IPv6 was is invalid */
	expect_tcp("IPv6 on link type 228", DLT_IPV4_, &b, &w6);

	CHECK(!decode_dlt_supported(147), "link type 147 (user) not supported");
	tcp_seg(&b, 2000, 25, TCPF_SYN, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	expect_result("IPv4 on link type 229 invalid", DLT_IPV6_, &b, b.n, DECODE_INVALID);
	expect_result("unknown link type unsupported", 147, &b, b.n, DECODE_UNSUPPORTED);
}

static void test_null_loop(void)
{
	char name[80];
	struct buf b;
	for (int be = 0; be < 2; be++) {
		tcp_seg(&b, 8080, 50123, TCPF_ACK, 5, 5);
		ip4_wrap(&b, 6, B4, A4, 0, 0, -1);
		null_wrap(&b, 2, be);
		struct want w = {4, B4, A4, 8080, 50123, TCPF_ACK, 45, 5};
		snprintf(name, sizeof name, "DLT_NULL AF_INET %s endian", be ? "big" : "little");
		expect_tcp(name, DLT_NULL_, &b, &w);
		sweep(name, DLT_NULL_, &b, flags_end(&b, 25), &w);
	}
	static const uint32_t af6[] = {24, 28, 30};
	for (size_t i = 0; i < 3; i++) {
		for (int be = 0; be < 2; be++) {
			tcp_seg(&b, 8080, 50123, TCPF_ACK, 5, 5);
			ip6_wrap(&b, 6, B6, A6, -1);
			null_wrap(&b, af6[i], be);
			struct want w = {6, B6, A6, 8080, 50123, TCPF_ACK, 65, 5};
			snprintf(name, sizeof name, "DLT_NULL AF_INET6 = %u %s endian", af6[i],
			         be ? "big" : "little");
			expect_tcp(name, DLT_NULL_, &b, &w);
		}
		/* DLT_LOOP: the family in network order */
		tcp_seg(&b, 8080, 50123, TCPF_ACK, 5, 5);
		ip6_wrap(&b, 6, B6, A6, -1);
		null_wrap(&b, af6[i], 1);
		struct want w = {6, B6, A6, 8080, 50123, TCPF_ACK, 65, 5};
		snprintf(name, sizeof name, "DLT_LOOP AF_INET6 = %u", af6[i]);
		expect_tcp(name, DLT_LOOP_, &b, &w);
	}
	tcp_seg(&b, 8080, 50123, TCPF_RST, 5, 0);
	ip4_wrap(&b, 6, B4, A4, 0, 0, -1);
	null_wrap(&b, 2, 1);
	struct want w = {4, B4, A4, 8080, 50123, TCPF_RST, 40, 0};
	expect_tcp("DLT_LOOP AF_INET", DLT_LOOP_, &b, &w);
	sweep("DLT_LOOP truncated", DLT_LOOP_, &b, flags_end(&b, 20), &w);

	tcp_seg(&b, 8080, 50123, TCPF_RST, 5, 0);
	ip4_wrap(&b, 6, B4, A4, 0, 0, -1);
	null_wrap(&b, 7, 0);
	expect_result("DLT_NULL unknown family unsupported", DLT_NULL_, &b, b.n, DECODE_UNSUPPORTED);
}

static void test_ipv4(void)
{
	struct buf b;
	/* options: IHL 6 and 15 (the largest) */
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 9);
	ip4_wrap(&b, 6, A4, B4, 1, 0, -1);
	struct want w = {4, A4, B4, 3000, 4000, TCPF_ACK, 24 + 20 + 9, 9};
	expect_tcp("IPv4 options IHL 6", DLT_RAW_, &b, &w);
	sweep("IPv4 options IHL 6 truncated", DLT_RAW_, &b, 24 + 14, &w);
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 8, 9);
	ip4_wrap(&b, 6, A4, B4, 10, 0, -1);
	struct want w15 = {4, A4, B4, 3000, 4000, TCPF_ACK, 60 + 32 + 9, 9};
	expect_tcp("IPv4 options IHL 15, TCP options", DLT_RAW_, &b, &w15);
	sweep("IPv4 options IHL 15 truncated", DLT_RAW_, &b, 60 + 14, &w15);

	/* IHL below 5 */
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	b.b[0] = 0x44;
	expect_result("IPv4 IHL 4 invalid", DLT_RAW_, &b, b.n, DECODE_INVALID);

	/* a non-first fragment whose first bytes look like a TCP header with RST */
	tcp_seg(&b, 3000, 4000, TCPF_RST, 5, 32);
	ip4_wrap(&b, 6, A4, B4, 0, 185, -1);
	expect_result("IPv4 non-first fragment (RST look-alike)", DLT_RAW_, &b, b.n, DECODE_FRAGMENT);
	tcp_seg(&b, 3000, 4000, TCPF_RST, 5, 32);
	ip4_wrap(&b, 6, A4, B4, 0, 0x2000 | 185, -1);
	expect_result("IPv4 middle fragment (MF, offset 185)", DLT_RAW_, &b, b.n, DECODE_FRAGMENT);
	tcp_seg(&b, 3000, 4000, TCPF_RST, 5, 32);
	ip4_wrap(&b, 6, A4, B4, 0, 185, -1);
	eth_wrap(&b, 0x0800);
	expect_result("IPv4 non-first fragment over Ethernet", DLT_EN10MB_, &b, b.n, DECODE_FRAGMENT);
	/* the first fragment carries the TCP header */
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 32);
	ip4_wrap(&b, 6, A4, B4, 0, 0x2000, -1);
	struct want wf = {4, A4, B4, 3000, 4000, TCPF_ACK, 72, 32};
	expect_tcp("IPv4 first fragment (MF, offset 0) is TCP", DLT_RAW_, &b, &wf);

	/* total length 0: segmentation offload on the sending host; the IP
	 * bytes are the frame's, less the link header */
	tcp_seg(&b, 3000, 4000, TCPF_ACK | TCPF_PSH, 5, 3000);
	ip4_wrap(&b, 6, A4, B4, 0, 0x4000, 0);
	eth_wrap(&b, 0x0800);
	struct want wt = {4, A4, B4, 3000, 4000, TCPF_ACK | TCPF_PSH, 3040, 3000};
	expect_tcp("IPv4 total length 0 (offload) over Ethernet", DLT_EN10MB_, &b, &wt);
	{
		/* snapped: the frame's wire length still tells */
		struct pkt p;
		char why[200] = "";
		enum decode_result r = dec(DLT_EN10MB_, &b, 96, b.n, &p);
		CHECK(r == DECODE_TCP && pkt_is(&p, &wt, why, sizeof why), "offload, caplen 96: %s %s",
		      rname(r), why);
	}
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 100);
	ip4_wrap(&b, 6, A4, B4, 0, 0, 0);
	struct want wr = {4, A4, B4, 3000, 4000, TCPF_ACK, 140, 100};
	expect_tcp("IPv4 total length 0 (offload), raw", DLT_RAW_, &b, &wr);

	/* a total length that ends inside the TCP header, all of it captured */
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, 30);
	expect_result("IPv4 total length inside the TCP header invalid", DLT_RAW_, &b, b.n, DECODE_INVALID);
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, 12);
	expect_result("IPv4 total length below the header invalid", DLT_RAW_, &b, b.n, DECODE_INVALID);
}

static void test_tcp_header(void)
{
	struct buf b;
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 4, 10);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	expect_result("TCP data offset 4 invalid", DLT_RAW_, &b, b.n, DECODE_INVALID);
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 0, 10);
	ip6_wrap(&b, 6, A6, B6, -1);
	expect_result("TCP data offset 0 invalid (IPv6)", DLT_RAW_, &b, b.n, DECODE_INVALID);
	/* data offset 15 (60 bytes) in a 30-byte segment */
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 10);
	b.b[12] = 0xf0;
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	expect_result("TCP data offset beyond the segment invalid", DLT_RAW_, &b, b.n, DECODE_INVALID);
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 5, 0);
	b.b[12] = 0x60;
	ip6_wrap(&b, 6, A6, B6, -1);
	expect_result("TCP data offset 6 in a 20-byte segment invalid (IPv6)", DLT_RAW_, &b, b.n,
	              DECODE_INVALID);
	/* data offset exactly the segment: no payload */
	tcp_seg(&b, 3000, 4000, TCPF_ACK, 15, 0);
	ip4_wrap(&b, 6, A4, B4, 0, 0, -1);
	struct want w = {4, A4, B4, 3000, 4000, TCPF_ACK, 80, 0};
	expect_tcp("TCP data offset 15, no payload", DLT_RAW_, &b, &w);
	sweep("TCP data offset 15 truncated", DLT_RAW_, &b, 34, &w);
}

static void test_ipv6(void)
{
	struct buf b;
	/* hop-by-hop (8) -> destination options (16) -> routing (24) -> TCP */
	tcp_seg(&b, 5555, 443, TCPF_ACK, 5, 11);
	ext6_wrap(&b, 6, 43, 24);
	ext6_wrap(&b, 43, 60, 16);
	ext6_wrap(&b, 60, 0, 8);
	ip6_wrap(&b, 0, A6, B6, -1);
	struct want w = {6, A6, B6, 5555, 443, TCPF_ACK, 40 + 48 + 31, 11};
	expect_tcp("IPv6 hop-by-hop + dstopts + routing", DLT_RAW_, &b, &w);
	sweep("IPv6 extension headers truncated", DLT_RAW_, &b, 40 + 48 + 14, &w);
	eth_wrap(&b, 0x86dd);
	expect_tcp("IPv6 extension headers over Ethernet", DLT_EN10MB_, &b, &w);

	/* fragment header, offset != 0: a fragment, whatever its bytes */
	tcp_seg(&b, 5555, 443, TCPF_RST, 5, 16);
	frag6_wrap(&b, 6, 100, 1);
	ip6_wrap(&b, 44, A6, B6, -1);
	expect_result("IPv6 fragment offset 100", DLT_RAW_, &b, b.n, DECODE_FRAGMENT);
	tcp_seg(&b, 5555, 443, TCPF_RST, 5, 16);
	frag6_wrap(&b, 6, 1, 0);
	ext6_wrap(&b, 44, 0, 8);
	ip6_wrap(&b, 0, A6, B6, -1);
	expect_result("IPv6 last fragment after hop-by-hop", DLT_RAW_, &b, b.n, DECODE_FRAGMENT);
	/* offset 0 (the first fragment): the TCP header is there */
	tcp_seg(&b, 5555, 443, TCPF_ACK, 5, 16);
	frag6_wrap(&b, 6, 0, 1);
	ip6_wrap(&b, 44, A6, B6, -1);
	struct want wf = {6, A6, B6, 5555, 443, TCPF_ACK, 40 + 8 + 36, 16};
	expect_tcp("IPv6 fragment offset 0 is TCP", DLT_RAW_, &b, &wf);
	sweep("IPv6 fragment offset 0 truncated", DLT_RAW_, &b, 40 + 8 + 14, &wf);

	/* an extension header running past the payload length */
	tcp_seg(&b, 5555, 443, TCPF_ACK, 5, 0);
	ext6_wrap(&b, 6, 60, 8);
	ip6_wrap(&b, 60, A6, B6, 4);
	expect_result("IPv6 extension header beyond the payload length invalid", DLT_RAW_, &b, b.n,
	              DECODE_INVALID);

	/* payload length 0 (offload or jumbogram): from the frame */
	tcp_seg(&b, 5555, 443, TCPF_ACK, 5, 500);
	ip6_wrap(&b, 6, A6, B6, 0);
	struct want wz = {6, A6, B6, 5555, 443, TCPF_ACK, 560, 500};
	expect_tcp("IPv6 payload length 0 from the frame", DLT_RAW_, &b, &wz);
}

static void test_tunnels(void)
{
	struct buf b;
	static const uint8_t I4[4] = {172, 16, 0, 1}, J4[4] = {172, 16, 0, 2};
	/* IPv4 in IPv4: the inner connection is reported */
	tcp_seg(&b, 1111, 22, TCPF_SYN, 5, 0);
	ip4_wrap(&b, 6, I4, J4, 0, 0, -1);
	ip4_wrap(&b, 4, OUT_A4, OUT_B4, 0, 0, -1);
	eth_wrap(&b, 0x0800);
	struct want w = {4, I4, J4, 1111, 22, TCPF_SYN, 40, 0};
	expect_tcp("IPv4 in IPv4 (4)", DLT_EN10MB_, &b, &w);
	sweep("IPv4 in IPv4 truncated", DLT_EN10MB_, &b, flags_end(&b, 20), &w);

	/* IPv6 in IPv4 (41) */
	tcp_seg(&b, 1111, 22, TCPF_SYN | TCPF_ACK, 5, 2);
	ip6_wrap(&b, 6, A6, B6, -1);
	ip4_wrap(&b, 41, OUT_A4, OUT_B4, 0, 0, -1);
	struct want w6 = {6, A6, B6, 1111, 22, TCPF_SYN | TCPF_ACK, 62, 2};
	expect_tcp("IPv6 in IPv4 (41)", DLT_RAW_, &b, &w6);
	sweep("IPv6 in IPv4 truncated", DLT_RAW_, &b, flags_end(&b, 22), &w6);

	/* IPv4 in IPv6 (next header 4) and IPv6 in IPv6 (41) */
	tcp_seg(&b, 1111, 22, TCPF_ACK, 5, 2);
	ip4_wrap(&b, 6, I4, J4, 0, 0, -1);
	ip6_wrap(&b, 4, B6, A6, -1);
	struct want w46 = {4, I4, J4, 1111, 22, TCPF_ACK, 42, 2};
	expect_tcp("IPv4 in IPv6 (4)", DLT_RAW_, &b, &w46);
	tcp_seg(&b, 1111, 22, TCPF_ACK, 5, 2);
	ip6_wrap(&b, 6, A6, B6, -1);
	ip6_wrap(&b, 41, B6, A6, -1);
	struct want w66 = {6, A6, B6, 1111, 22, TCPF_ACK, 62, 2};
	expect_tcp("IPv6 in IPv6 (41)", DLT_RAW_, &b, &w66);

	/* an outer datagram that is itself a first fragment: the inner one is
	 * read as far as the fragment goes (as tshark reads it); one that
	 * ends inside the inner TCP header is a fragment */
	tcp_seg(&b, 1111, 22, TCPF_ACK, 5, 100);
	ip4_wrap(&b, 6, I4, J4, 0, 0, -1);
	ip4_wrap(&b, 4, OUT_A4, OUT_B4, 0, 0x2000, -1);
	struct want wf = {4, I4, J4, 1111, 22, TCPF_ACK, 140, 100};
	expect_tcp("IPv4 in IPv4, outer first fragment", DLT_RAW_, &b, &wf);
	tcp_seg(&b, 1111, 22, TCPF_ACK, 5, 100);
	ip4_wrap(&b, 6, I4, J4, 0, 0, -1);
	ip4_wrap(&b, 4, OUT_A4, OUT_B4, 0, 0x2000, 20 + 20 + 10);
	expect_result("IPv4 in IPv4, outer first fragment ending in the TCP header", DLT_RAW_, &b, b.n,
	              DECODE_FRAGMENT);

	/* GRE (RFC 2784) carrying IPv4 */
	tcp_seg(&b, 2222, 80, TCPF_ACK, 5, 20);
	ip4_wrap(&b, 6, I4, J4, 0, 0, -1);
	{
		struct buf h = {.n = 0};
		put16(&h, 0x0000);
		put16(&h, 0x0800);
		prepend(&b, &h);
	}
	ip4_wrap(&b, 47, OUT_A4, OUT_B4, 0, 0, -1);
	eth_wrap(&b, 0x0800);
	struct want wg = {4, I4, J4, 2222, 80, TCPF_ACK, 60, 20};
	expect_tcp("GRE carrying IPv4", DLT_EN10MB_, &b, &wg);
	sweep("GRE truncated", DLT_EN10MB_, &b, flags_end(&b, 40), &wg);

	/* GRE with a key (RFC 2890): an 8-byte header */
	tcp_seg(&b, 2222, 80, TCPF_ACK, 5, 20);
	ip4_wrap(&b, 6, I4, J4, 0, 0, -1);
	{
		struct buf h = {.n = 0};
		put16(&h, 0x2000);
		put16(&h, 0x0800);
		put32(&h, 42);
		prepend(&b, &h);
	}
	ip4_wrap(&b, 47, OUT_A4, OUT_B4, 0, 0, -1);
	expect_tcp("GRE with key carrying IPv4", DLT_RAW_, &b, &wg);
	sweep("GRE with key truncated", DLT_RAW_, &b, flags_end(&b, 40), &wg);

	/* GRE carrying something else */
	b.n = 0;
	put16(&b, 0x0000);
	put16(&b, 0x0806); /* ARP */
	fill(&b, 0, 40);
	ip4_wrap(&b, 47, OUT_A4, OUT_B4, 0, 0, -1);
	expect_result("GRE carrying no IP", DLT_RAW_, &b, b.n, DECODE_NON_TCP);

	/* A datagram whose own length ends inside the header it carries, all of
	 * it captured: the header cannot be right (invalid), the capture did
	 * not end early (not truncated). */
	b.n = 0;
	put16(&b, 0x2000); /* key present: 8 bytes of GRE header */
	put16(&b, 0x0800);
	ip4_wrap(&b, 47, OUT_A4, OUT_B4, 0, 0, -1);
	expect_result("GRE header beyond the IP total length invalid", DLT_RAW_, &b, b.n, DECODE_INVALID);
	b.n = 0;
	fill(&b, 0x45, 1);
	fill(&b, 0, 9);
	ip4_wrap(&b, 4, OUT_A4, OUT_B4, 0, 0, -1);
	expect_result("IPv4 in IPv4, inner header beyond the outer total length invalid", DLT_RAW_, &b,
	              b.n, DECODE_INVALID);
}

static void test_non_tcp(void)
{
	struct buf b;
	/* UDP */
	b.n = 0;
	put16(&b, 5353), put16(&b, 5353), put16(&b, 16), put16(&b, 0);
	fill(&b, 'u', 8);
	ip4_wrap(&b, 17, A4, B4, 0, 0, -1);
	eth_wrap(&b, 0x0800);
	expect_result("UDP non-TCP", DLT_EN10MB_, &b, b.n, DECODE_NON_TCP);
	b.n = 0;
	put16(&b, 5353), put16(&b, 5353), put16(&b, 16), put16(&b, 0);
	fill(&b, 'u', 8);
	ip6_wrap(&b, 17, A6, B6, -1);
	expect_result("UDP over IPv6 non-TCP", DLT_RAW_, &b, b.n, DECODE_NON_TCP);

	/* ICMP echo, and an ICMP error quoting an IPv4 + TCP header with RST */
	b.n = 0;
	put8(&b, 8), put8(&b, 0), put16(&b, 0), put32(&b, 1);
	ip4_wrap(&b, 1, A4, B4, 0, 0, -1);
	expect_result("ICMP echo non-TCP", DLT_RAW_, &b, b.n, DECODE_NON_TCP);
	tcp_seg(&b, 80, 1234, TCPF_RST, 5, 0);
	ip4_wrap(&b, 6, B4, A4, 0, 0, -1);
	{
		struct buf h = {.n = 0};
		put8(&h, 3), put8(&h, 3), put16(&h, 0), put32(&h, 0);
		prepend(&b, &h);
	}
	ip4_wrap(&b, 1, A4, B4, 0, 0, -1);
	expect_result("ICMP error quoting TCP non-TCP", DLT_RAW_, &b, b.n, DECODE_NON_TCP);
	/* ICMPv6 */
	b.n = 0;
	put8(&b, 128), put8(&b, 0), put16(&b, 0), put32(&b, 1);
	ip6_wrap(&b, 58, A6, B6, -1);
	expect_result("ICMPv6 non-TCP", DLT_RAW_, &b, b.n, DECODE_NON_TCP);
}

static void test_payload(void)
{
	struct buf b;
	/* payload = IP length - IP header - TCP header */
	tcp_seg(&b, 6000, 7000, TCPF_ACK, 10, 1000);
	ip4_wrap(&b, 6, A4, B4, 3, 0, -1);
	struct want w = {4, A4, B4, 6000, 7000, TCPF_ACK, 32 + 40 + 1000, 1000};
	expect_tcp("payload: IPv4 IHL 8, TCP offset 10", DLT_RAW_, &b, &w);
	/* the IP length rules, not the captured bytes (the frame carries 7
	 * bytes of trailer) */
	fill(&b, 0xee, 7);
	expect_tcp("payload: trailer after the datagram not counted", DLT_RAW_, &b, &w);

	tcp_seg(&b, 6000, 7000, TCPF_ACK, 8, 1000);
	ext6_wrap(&b, 6, 60, 16);
	ip6_wrap(&b, 60, A6, B6, -1);
	struct want w6 = {6, A6, B6, 6000, 7000, TCPF_ACK, 40 + 16 + 32 + 1000, 1000};
	expect_tcp("payload: IPv6 with dstopts, TCP offset 8", DLT_RAW_, &b, &w6);
}

int main(void)
{
	test_ethernet();
	test_vlan();
	test_cooked();
	test_raw();
	test_null_loop();
	test_ipv4();
	test_tcp_header();
	test_ipv6();
	test_tunnels();
	test_non_tcp();
	test_payload();
	DONE();
}
