/*
 * The plugins' hash table (lib/map): keyed by connection id or by bytes, it
 * keeps every entry through growth, deletion, sweeping and clearing; a walk
 * sees each entry once; an unseeded map keeps the order of FNV-1a hashes
 * (the csv rollups' row order).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "tap.h"

struct key {
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t addr[16];
};

struct val {
	uint64_t n;
	double sum;
};

static struct key mkkey(uint32_t i)
{
	struct key k;
	memset(&k, 0, sizeof k);
	k.family = 4;
	k.port = (uint16_t)(i * 7);
	memcpy(k.addr, &i, sizeof i);
	return k;
}

static void test_ids(void)
{
	struct map m;
	CHECK(map_init(&m, 0, sizeof(uint64_t), 0) == 0, "map_init");
	CHECK(map_get_id(&m, 5) == NULL && m.slots == NULL, "empty: nothing allocated");
	enum { N = 100000 };
	int bad = 0;
	for (uint64_t id = 1; id <= N; id++) {
		uint64_t *v = map_put_id(&m, id * 7919);
		if (!v || *v != 0) {
			bad++;
			continue;
		}
		*v = id;
	}
	CHECK(bad == 0, "%d puts gave no zeroed value", bad);
	CHECK(m.count == N && m.mask + 1 >= 2 * N, "grown: %zu entries in %zu slots", m.count, m.mask + 1);
	CHECK(*(uint64_t *)map_put_id(&m, 7919) == 1, "put of a present id keeps its value");
	for (uint64_t id = 1; id <= N; id += 2)
		map_del_id(&m, id * 7919);
	map_del_id(&m, 3); /* absent */
	bad = 0;
	for (uint64_t id = 1; id <= N; id++) {
		uint64_t *r = map_get_id(&m, id * 7919);
		if ((id % 2) ? r != NULL : (!r || *r != id || map_id(&m, r) != id * 7919))
			bad++;
	}
	CHECK(bad == 0 && m.count == N / 2, "after deletion: %d wrong, %zu kept", bad, m.count);
	CHECK(map_put_id(&m, 0) == NULL && map_get_id(&m, 0) == NULL, "id 0 is no key");
	/* deleted slots are reused with a zeroed value */
	uint64_t *v = map_put_id(&m, 7919);
	CHECK(v && *v == 0, "a key put again after deletion starts from zero");
	map_free(&m);
}

static void test_bytes(int seeded)
{
	struct map m;
	map_init(&m, sizeof(struct key), sizeof(struct val), seeded ? map_seed() : 0);
	enum { N = 20000 };
	int bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct key k = mkkey(i);
		int added = -1;
		struct val *v = map_put(&m, &k, &added);
		if (!v || added != 1 || v->n != 0) {
			bad++;
			continue;
		}
		v->n = i + 1;
		v->sum = i * 0.5;
	}
	CHECK(bad == 0, "seeded %d: %d puts did not add a zeroed value", seeded, bad);
	bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct key k = mkkey(i);
		int added = -1;
		struct val *v = map_put(&m, &k, &added);
		struct val *g = map_get(&m, &k);
		if (!v || added != 0 || v != g || v->n != i + 1 || memcmp(map_key(&m, v), &k, sizeof k))
			bad++;
	}
	CHECK(bad == 0, "seeded %d: %d keys not found again", seeded, bad);
	struct key absent = mkkey(N + 5);
	CHECK(map_get(&m, &absent) == NULL, "an absent key is not found");

	/* a walk sees every entry once */
	char *seen = calloc(N, 1);
	size_t walked = 0;
	bad = 0;
	for (struct val *v = map_next(&m, NULL); v; v = map_next(&m, v)) {
		walked++;
		if (v->n < 1 || v->n > N || seen[v->n - 1]++)
			bad++;
	}
	CHECK(walked == N && bad == 0, "walk: %zu entries, %d seen twice or unknown", walked, bad);
	free(seen);

	/* delete a third, in an order unlike the insertion's */
	for (uint32_t i = N; i-- > 0;)
		if (i % 3 == 0) {
			struct key k = mkkey(i);
			map_del(&m, &k);
		}
	bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct key k = mkkey(i);
		struct val *v = map_get(&m, &k);
		if (i % 3 == 0 ? v != NULL : (!v || v->n != i + 1))
			bad++;
	}
	CHECK(bad == 0 && m.count == N - (N + 2) / 3, "after deletion: %d wrong, %zu left", bad, m.count);

	/* cleared: empty, the same size, and filled again */
	size_t slots = m.mask + 1;
	map_clear(&m);
	CHECK(m.count == 0 && m.mask + 1 == slots && map_next(&m, NULL) == NULL, "cleared");
	struct key k = mkkey(1);
	CHECK(map_get(&m, &k) == NULL, "nothing found after clear");
	struct val *v = map_put(&m, &k, NULL);
	CHECK(v && v->n == 0 && m.count == 1, "filled again after clear");
	map_free(&m);
}

static int asked;

static int drop_odd(void *arg, void *val)
{
	(void)arg;
	asked++;
	return ((struct val *)val)->n % 2 == 1;
}

static int drop_all(void *arg, void *val)
{
	(void)arg;
	(void)val;
	return 1;
}

static void test_sweep(void)
{
	struct map m;
	map_init(&m, sizeof(struct key), sizeof(struct val), map_seed());
	enum { N = 30000 };
	for (uint32_t i = 0; i < N; i++) {
		struct key k = mkkey(i);
		((struct val *)map_put(&m, &k, NULL))->n = i;
	}
	size_t big = m.mask + 1;
	asked = 0;
	map_sweep(&m, drop_odd, NULL);
	int bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		struct key k = mkkey(i);
		struct val *v = map_get(&m, &k);
		if (i % 2 ? v != NULL : (!v || v->n != i))
			bad++;
	}
	CHECK(asked == N, "sweep asked %d times about %d entries", asked, N);
	CHECK(bad == 0 && m.count == N / 2, "sweep kept the right ones: %d wrong, %zu kept", bad, m.count);
	map_sweep(&m, drop_all, NULL);
	CHECK(m.count == 0 && map_next(&m, NULL) == NULL, "swept clean");
	CHECK(m.mask + 1 < big && m.mask + 1 == 256, "a swept table shrinks: %zu slots, was %zu", m.mask + 1, big);
	map_free(&m);
}

static uint64_t fnv(const void *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ull;
	return h;
}

/* An unseeded map walks in the order of the keys' FNV-1a hashes: the csv
 * rollups write their rows in that order, the same in every run. */
static void test_order(void)
{
	struct map m;
	map_init(&m, sizeof(struct key), sizeof(struct val), 0);
	uint8_t used[256] = {0};
	int n = 0;
	for (uint32_t i = 0; n < 100; i++) {
		struct key k = mkkey(i);
		size_t home = fnv(&k, sizeof k) & 255;
		if (used[home])
			continue; /* one key per slot: no probing to reason about */
		used[home] = 1;
		((struct val *)map_put(&m, &k, NULL))->n = home;
		n++;
	}
	int ordered = 1;
	uint64_t last = 0;
	for (struct val *v = map_next(&m, NULL); v; v = map_next(&m, v)) {
		if (v != map_next(&m, NULL) && v->n <= last)
			ordered = 0;
		last = v->n;
	}
	CHECK(ordered && m.mask + 1 == 256, "unseeded walk in FNV-1a order");
	map_free(&m);
}

int main(void)
{
	test_ids();
	test_bytes(0);
	test_bytes(1);
	test_sweep();
	test_order();
	DONE();
}
