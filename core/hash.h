/*
 * hash: a keyed 64-bit hash of a connection's two endpoints, the same for
 * both directions.  The key is random per run: a network monitor must not
 * let the traffic choose its hash collisions.
 */
#ifndef TT_HASH_H
#define TT_HASH_H

#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t hash_load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* One endpoint, keyed.  The port goes in after the keyed product: mixed
 * into an address word, sender-chosen pairs would collide whatever the key. */
static inline uint64_t hash_endpoint(const uint64_t key[4], const uint8_t *a, uint16_t pa)
{
	return hash_mum(hash_load64(a) ^ key[0], hash_load64(a + 8) ^ key[1]) ^ pa;
}

/* Endpoints (a, pa) and (b, pb) of family fam; key[4] random.  Symmetric
 * by construction (f(x, y) + f(y, x)), so no branch on which endpoint
 * sorts first: that branch is a coin flip per packet. */
static inline uint64_t hash_endpoints(const uint64_t key[4], int fam,
                                      const uint8_t *a, uint16_t pa,
                                      const uint8_t *b, uint16_t pb)
{
	uint64_t x = hash_endpoint(key, a, pa), y = hash_endpoint(key, b, pb);
	uint64_t h = hash_mum(x ^ key[2], y ^ key[3]) + hash_mum(y ^ key[2], x ^ key[3]);
	return hash_mum(h ^ (uint64_t)fam, key[0] ^ 0x9e3779b97f4a7c15ull);
}

#endif
