/*
 * test_dns: DNS responses built byte by byte, through dns_response(): the
 * question's name for the addresses a CNAME chain leads to, PTR names,
 * negative answers with their SOA, and messages that must name nothing
 * (queries, loops of compression pointers, records cut short).  Each
 * message is handed over in a heap buffer of exactly its length, so that a
 * read past it is caught under ASan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "tap.h"

struct msg {
	uint8_t b[1024];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}
static void put16(struct msg *m, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(m, b, 2);
}
static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}
/* a name in labels: "www.example.com" */
static void name(struct msg *m, const char *s)
{
	while (*s) {
		size_t l = strcspn(s, ".");
		uint8_t b = (uint8_t)l;
		put(m, &b, 1);
		put(m, s, l);
		s += l + (s[l] == '.');
	}
	uint8_t z = 0;
	put(m, &z, 1);
}
static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an, unsigned ns)
{
	m->n = 0;
	put16(m, 7);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, 0);
}
static void rr(struct msg *m, const char *owner, unsigned type, uint32_t ttl, const void *rd, size_t rdlen)
{
	name(m, owner);
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	put16(m, (unsigned)rdlen);
	put(m, rd, rdlen);
}

struct got {
	int n;
	int family[8];
	uint8_t addr[8][16];
	char name[8][DNS_NAME_MAX];
	uint32_t ttl[8];
	enum dns_kind kind[8];
};

static void on_bind(void *arg, int family, const uint8_t *addr, const char *nm, uint32_t ttl,
                    enum dns_kind kind)
{
	struct got *g = arg;
	if (g->n == 8)
		return;
	g->family[g->n] = family;
	memcpy(g->addr[g->n], addr, 16);
	strcpy(g->name[g->n], nm);
	g->ttl[g->n] = ttl;
	g->kind[g->n] = kind;
	g->n++;
}

static int parse(const struct msg *m, struct got *g, struct dns_result *r)
{
	uint8_t *copy = malloc(m->n);
	memcpy(copy, m->b, m->n);
	memset(g, 0, sizeof *g);
	int x = dns_response(copy, m->n, on_bind, g, r);
	free(copy);
	return x;
}

int main(void)
{
	struct msg m;
	struct got g;
	struct dns_result r;
	static const uint8_t a1[4] = {192, 0, 2, 10}, a2[4] = {192, 0, 2, 11};

	/* www -> CNAME cdn -> A: the question's name, in lower case */
	header(&m, 0x8180, 1, 3, 0);
	name(&m, "WWW.Example.com");
	put16(&m, 1);
	put16(&m, 1);
	struct msg t = {.n = 0};
	name(&t, "cdn.example.net");
	rr(&m, "www.example.com", 5, 60, t.b, t.n);
	rr(&m, "cdn.example.net", 1, 30, a1, 4);
	rr(&m, "other.example.org", 1, 30, a2, 4); /* not on the chain */
	CHECK(parse(&m, &g, &r) == 0 && g.n == 1, "a CNAME chain: one binding (%d)", g.n);
	CHECK(g.family[0] == 4 && !memcmp(g.addr[0], a1, 4) && !strcmp(g.name[0], "www.example.com") &&
	      g.ttl[0] == 30 && g.kind[0] == DNS_FORWARD, "the address named by the question's name: %s", g.name[0]);

	/* the address before the CNAME that leads to it (the order is the
	 * server's): named all the same */
	header(&m, 0x8180, 1, 2, 0);
	name(&m, "www.example.com");
	put16(&m, 1);
	put16(&m, 1);
	rr(&m, "cdn.example.net", 1, 30, a1, 4);
	rr(&m, "www.example.com", 5, 60, t.b, t.n);
	CHECK(parse(&m, &g, &r) == 0 && g.n == 1 && !strcmp(g.name[0], "www.example.com"),
	      "an A record before its CNAME: %d bindings", g.n);

	/* a chain of 12 CNAMEs, listed last to first */
	header(&m, 0x8180, 1, 13, 0);
	name(&m, "c0.example.com");
	put16(&m, 1);
	put16(&m, 1);
	rr(&m, "c12.example.com", 1, 30, a2, 4);
	for (int i = 11; i >= 0; i--) {
		char own[32], to[32];
		snprintf(own, sizeof own, "c%d.example.com", i);
		snprintf(to, sizeof to, "c%d.example.com", i + 1);
		struct msg tt = {.n = 0};
		name(&tt, to);
		rr(&m, own, 5, 60, tt.b, tt.n);
	}
	CHECK(parse(&m, &g, &r) == 0 && g.n == 1 && !strcmp(g.name[0], "c0.example.com") &&
	      !memcmp(g.addr[0], a2, 4), "12 CNAMEs, last first: %d bindings", g.n);

	/* the same as a query: nothing */
	m.b[2] = 0x01;
	CHECK(parse(&m, &g, &r) < 0 && g.n == 0, "a query names nothing");

	/* a compression pointer to itself, and one forward: refused, no loop */
	header(&m, 0x8180, 1, 0, 0);
	uint8_t self[2] = {0xc0, 12};
	put(&m, self, 2);
	put16(&m, 1);
	put16(&m, 1);
	CHECK(parse(&m, &g, &r) < 0, "a name pointing at itself is malformed");
	header(&m, 0x8180, 1, 0, 0);
	uint8_t fwd[2] = {0xc0, 40};
	put(&m, fwd, 2);
	CHECK(parse(&m, &g, &r) < 0, "a pointer forward is malformed");

	/* a record cut short */
	header(&m, 0x8180, 1, 1, 0);
	name(&m, "a.example.com");
	put16(&m, 1);
	put16(&m, 1);
	rr(&m, "a.example.com", 1, 60, a1, 4);
	m.n -= 2;
	CHECK(parse(&m, &g, &r) < 0 && g.n == 0, "a record cut short names nothing");

	/* PTR, with the owner compressed against the question */
	header(&m, 0x8180, 1, 1, 0);
	name(&m, "10.2.0.192.in-addr.arpa");
	put16(&m, 12);
	put16(&m, 1);
	uint8_t ptr[2] = {0xc0, 12};
	put(&m, ptr, 2);
	put16(&m, 12);
	put16(&m, 1);
	put32(&m, 3600);
	t.n = 0;
	name(&t, "host.example.net");
	put16(&m, (unsigned)t.n);
	put(&m, t.b, t.n);
	CHECK(parse(&m, &g, &r) == 0 && g.n == 1 && g.family[0] == 4 && !memcmp(g.addr[0], a1, 4) &&
	      !strcmp(g.name[0], "host.example.net") && g.ttl[0] == 3600 && g.kind[0] == DNS_REVERSE,
	      "PTR: %d %s", g.n, g.name[0]);

	/* RFC 2317's classless delegation: the question's name leads by a
	 * CNAME to a PTR record whose owner spells no address */
	header(&m, 0x8180, 1, 2, 0);
	name(&m, "10.2.0.192.in-addr.arpa");
	put16(&m, 12);
	put16(&m, 1);
	struct msg c2317 = {.n = 0};
	name(&c2317, "10.0-25.2.0.192.in-addr.arpa");
	rr(&m, "10.2.0.192.in-addr.arpa", 5, 60, c2317.b, c2317.n);
	rr(&m, "10.0-25.2.0.192.in-addr.arpa", 12, 60, t.b, t.n);
	CHECK(parse(&m, &g, &r) == 0 && g.n == 1 && g.family[0] == 4 && !memcmp(g.addr[0], a1, 4) &&
	      !strcmp(g.name[0], "host.example.net"), "RFC 2317: %d bindings", g.n);

	/* IPv6 reverse names, both ways */
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0x01};
	char rev[80];
	dns_reverse_name(6, v6, rev, sizeof rev);
	CHECK(!strcmp(rev, "1.0.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"), "%s", rev);
	header(&m, 0x8180, 1, 1, 0);
	name(&m, rev);
	put16(&m, 12);
	put16(&m, 1);
	rr(&m, rev, 12, 60, t.b, t.n);
	CHECK(parse(&m, &g, &r) == 0 && g.n == 1 && g.family[0] == 6 && !memcmp(g.addr[0], v6, 16),
	      "an ip6.arpa PTR names its address");

	/* NXDOMAIN with an SOA: the negative TTL is the smaller of its TTL and minimum */
	header(&m, 0x8183, 1, 0, 1);
	name(&m, "11.2.0.192.in-addr.arpa");
	put16(&m, 12);
	put16(&m, 1);
	t.n = 0;
	name(&t, "ns.example.net");
	name(&t, "admin.example.net");
	put32(&t, 1);
	put32(&t, 2);
	put32(&t, 3);
	put32(&t, 4);
	put32(&t, 900);
	rr(&m, "2.0.192.in-addr.arpa", 6, 600, t.b, t.n);
	CHECK(parse(&m, &g, &r) == 0 && r.rcode == 3 && r.neg_ttl == 600 && g.n == 0,
	      "NXDOMAIN: rcode %d, negative TTL %u", r.rcode, r.neg_ttl);
	DONE();
}
