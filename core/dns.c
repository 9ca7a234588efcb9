/*
 * dns: names out of DNS messages (answers seen on the wire, and the answers
 * to the reverse lookups the core sends).
 */
#include "dns.h"

#include <stdio.h>
#include <string.h>

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define T_A     1
#define T_CNAME 5
#define T_SOA   6
#define T_PTR   12
#define T_AAAA  28
#define MAX_CHAIN 16 /* names followed from the question's, itself included */

/*
 * The name at offset *off of message m (len bytes) into out, in lower case
 * and dotted, without the final dot ("" for the root).  Compression
 * pointers (RFC 1035 4.1.4) are followed only backwards, so that a loop
 * cannot be made.  *off moves past the name as it stands in the record.
 * Returns 0, or -1 when malformed or too long.
 */
static int read_name(const uint8_t *m, size_t len, size_t *off, char *out)
{
	size_t pos = *off, o = 0;
	int jumped = 0;
	size_t limit = pos; /* a pointer must point before the name it continues */
	for (;;) {
		if (pos >= len)
			return -1;
		uint8_t l = m[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -1;
			size_t to = (size_t)(l & 0x3f) << 8 | m[pos + 1];
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			if (to >= limit)
				return -1;
			limit = to;
			pos = to;
			continue;
		}
		if (l & 0xc0)
			return -1; /* the extended label types were never deployed */
		if (l == 0) {
			if (!jumped)
				*off = pos + 1;
			out[o] = 0;
			return 0;
		}
		if (pos + 1 + l > len || o + l + 1 >= DNS_NAME_MAX)
			return -1;
		if (o)
			out[o++] = '.';
		for (size_t i = 0; i < l; i++) {
			char c = (char)m[pos + 1 + i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			else if (c == '.' || (unsigned char)c < 0x21 || (unsigned char)c > 0x7e)
				c = '?'; /* shown on a terminal and in logs: printable only */
			out[o++] = c;
		}
		pos += 1 + (size_t)l;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The address an in-addr.arpa or ip6.arpa name spells, or 0. */
static int reverse_addr(const char *name, uint8_t *addr)
{
	size_t n = strlen(name);
	memset(addr, 0, 16);
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	if (n > sizeof v4 - 1 && !strcmp(name + n - (sizeof v4 - 1), v4)) {
		const char *p = name;
		for (int i = 3; i >= 0; i--) {
			unsigned v = 0;
			int digits = 0;
			while (*p >= '0' && *p <= '9' && digits < 3)
				v = v * 10 + (unsigned)(*p++ - '0'), digits++;
			if (!digits || v > 255 || *p != '.')
				return 0;
			p++;
			addr[i] = (uint8_t)v;
		}
		return p == name + n - (sizeof v4 - 1) + 1 ? 4 : 0;
	}
	if (n == 63 + sizeof v6 - 1 && !strcmp(name + 63, v6)) {
		for (int i = 0; i < 32; i++) {
			int v = hexval(name[2 * i]);
			if (v < 0 || name[2 * i + 1] != '.')
				return 0;
			int byte = 15 - i / 2;
			addr[byte] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
		return 6;
	}
	return 0;
}

void dns_reverse_name(int family, const uint8_t *a, char *out, size_t outlen)
{
	if (family == 4) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return;
	}
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 15; i >= 0 && o + 4 < outlen; i--) {
		out[o++] = hex[a[i] & 15];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, outlen - o, "ip6.arpa");
}

static int in_chain(char (*chain)[DNS_NAME_MAX], int n, const char *name)
{
	for (int k = 0; k < n; k++)
		if (!strcmp(chain[k], name))
			return 1;
	return 0;
}

int dns_response(const uint8_t *m, size_t len, dns_bind_fn fn, void *arg,
                 struct dns_result *res)
{
	memset(res, 0, sizeof *res);
	if (len < 12 || !(m[2] & 0x80))
		return -1; /* not a response */
	if ((m[2] >> 3 & 0x0f) != 0)
		return -1; /* not a standard query's answer */
	res->rcode = m[3] & 0x0f;
	unsigned qd = get16(m + 4), an = get16(m + 6), ns = get16(m + 8);
	size_t off = 12;
	char qname[DNS_NAME_MAX], name[DNS_NAME_MAX], target[DNS_NAME_MAX];
	char chain[MAX_CHAIN][DNS_NAME_MAX];
	int nchain = 0;
	qname[0] = 0;
	for (unsigned i = 0; i < qd; i++) {
		if (read_name(m, len, &off, i ? name : qname) < 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	if (qd && nchain < MAX_CHAIN)
		memcpy(chain[nchain++], qname, sizeof qname);
	/* the CNAMEs from the question's name first, in whatever order the
	 * answer lists them (a server may put an address before the CNAME
	 * that leads to it): passes over the answer until one adds none */
	size_t answers = off;
	for (int grew = 1; grew && nchain > 0 && nchain < MAX_CHAIN;) {
		grew = 0;
		off = answers;
		for (unsigned i = 0; i < an; i++) {
			if (read_name(m, len, &off, name) < 0 || off + 10 > len)
				return -1;
			uint16_t type = get16(m + off), cls = get16(m + off + 2);
			size_t rdlen = get16(m + off + 8), p = off + 10;
			off = p + rdlen;
			if (off > len)
				return -1;
			if (type != T_CNAME || cls != 1 || !in_chain(chain, nchain, name) ||
			    read_name(m, len, &p, target) < 0 || in_chain(chain, nchain, target))
				continue;
			memcpy(chain[nchain++], target, sizeof target);
			grew = 1;
			if (nchain == MAX_CHAIN)
				break;
		}
	}
	off = answers;
	for (unsigned i = 0; i < an + ns; i++) {
		if (read_name(m, len, &off, name) < 0 || off + 10 > len)
			return -1;
		uint16_t type = get16(m + off), cls = get16(m + off + 2);
		uint32_t ttl = get32(m + off + 4);
		size_t rdlen = get16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			return -1;
		size_t rd = off;
		off += rdlen;
		if (cls != 1)
			continue;
		if (ttl > 0x7fffffff)
			ttl = 0; /* RFC 2181 8: a TTL with the top bit set is zero */
		if (i >= an) {
			if (type == T_SOA) {
				/* the negative answer's time to live (RFC 2308 5): the
				 * smaller of the SOA's own TTL and its minimum */
				size_t p = rd;
				if (read_name(m, len, &p, target) < 0 || read_name(m, len, &p, target) < 0 ||
				    p + 20 > rd + rdlen)
					continue;
				uint32_t min = get32(m + p + 16);
				res->neg_ttl = min < ttl ? min : ttl;
			}
			continue;
		}
		int chained = in_chain(chain, nchain, name);
		switch (type) {
		case T_A:
		case T_AAAA: {
			size_t alen = type == T_A ? 4 : 16;
			if (!chained || rdlen != alen || !qname[0])
				break;
			uint8_t addr[16] = {0};
			memcpy(addr, m + rd, alen);
			fn(arg, type == T_A ? 4 : 6, addr, qname, ttl, DNS_FORWARD);
			res->binds++;
			break;
		}
		case T_PTR: {
			uint8_t addr[16];
			/* the owner's address; reached by a CNAME from the question
			 * (RFC 2317's classless delegation: 4.0-25.2.0.192...), the
			 * question's */
			int fam = reverse_addr(name, addr);
			if (!fam && chained)
				fam = reverse_addr(qname, addr);
			size_t p = rd;
			if (!fam || read_name(m, len, &p, target) < 0 || !target[0])
				break;
			fn(arg, fam, addr, target, ttl, DNS_REVERSE);
			res->binds++;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}
