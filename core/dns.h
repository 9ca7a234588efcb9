/*
 * dns: what a DNS response (RFC 1035) says about names.  Pure, like decode: bytes in, calls out; no
 * allocation, no globals, no logging; every read is bounds-checked.
 */
#ifndef TT_DNS_H
#define TT_DNS_H

#include <stddef.h>
#include <stdint.h>

/* Longest name in text, without the final dot (RFC 1035 2.3.4), plus NUL. */
#define DNS_NAME_MAX 254

/* Where a binding comes from: an address the name was looked up for (A,
 * AAAA), or a reverse answer (PTR) */
enum dns_kind { DNS_FORWARD, DNS_REVERSE };

/* A binding a response makes: family 4 or 6, the address in network order
 * (16 bytes, IPv4 in the first 4), its name in lower case, the record's
 * TTL in seconds, and its kind. */
typedef void (*dns_bind_fn)(void *arg, int family, const uint8_t *addr,
                            const char *name, uint32_t ttl, enum dns_kind kind);

/* The result of dns_response */
struct dns_result {
	int rcode;          /* the response code (3: NXDOMAIN) */
	int binds;          /* how many bindings went to fn */
	uint32_t neg_ttl;   /* the SOA's minimum in the authority section
	                     * (RFC 2308), 0 when none */
};

/*
 * Read the DNS message m of len bytes (a UDP payload; over TCP, without the
 * two length bytes).  When it is a response, calls fn for:
 *  - each A or AAAA record of the answer section whose owner is the
 *    question's name or a name a chain of CNAMEs of the answer leads to
 *    from it (in any order, up to 15): the name given is the question's,
 *    the one the client looked up;
 *  - each PTR record whose owner is an in-addr.arpa or ip6.arpa name: the
 *    address it spells (or, reached by CNAMEs from the question's name,
 *    the address the question's spells), named by the record's target.
 * Returns 0 (res filled), or -1 when m is not a response or is malformed.
 */
int dns_response(const uint8_t *m, size_t len, dns_bind_fn fn, void *arg,
                 struct dns_result *res);

/* The reverse name of an address: "4.3.2.1.in-addr.arpa" or the 32
 * nibbles of ip6.arpa.  out needs 74 bytes. */
void dns_reverse_name(int family, const uint8_t *addr, char *out, size_t outlen);

#endif
