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

/* Endpoints (a, pa) and (b, pb) of family fam; key[4] random. */
static inline uint64_t hash_endpoints(const uint64_t key[4], int fam,
                                      const uint8_t *a, uint16_t pa,
                                      const uint8_t *b, uint16_t pb)
{
	uint64_t a0 = hash_load64(a), a1 = hash_load64(a + 8);
	uint64_t b0 = hash_load64(b), b1 = hash_load64(b + 8);
	/* order the endpoints so that both directions hash alike */
	if (a0 > b0 || (a0 == b0 && (a1 > b1 || (a1 == b1 && pa > pb)))) {
		uint64_t t;
		t = a0, a0 = b0, b0 = t;
		t = a1, a1 = b1, b1 = t;
		uint16_t tp = pa;
		pa = pb, pb = tp;
	}
	uint64_t h = hash_mum(a0 ^ key[0], a1 ^ key[1]);
	h ^= hash_mum(b0 ^ key[2], b1 ^ key[3]);
	uint64_t ports = (uint64_t)pa << 32 | (uint64_t)pb << 16 | (uint64_t)fam;
	return hash_mum(h ^ key[1], ports ^ key[0] ^ 0x9e3779b97f4a7c15ull);
}

#endif
