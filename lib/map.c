/*
 * map: open addressing, linear probing, backward-shift deletion (see map.h).
 *
 * A slot is a tag word, then the key (keyed by bytes), then the value.  The
 * tag is 0 in an empty slot; keyed by id it is the id, keyed by bytes the
 * key's hash (never 0), compared before the key itself.
 */
#include "map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MIN_SLOTS 256

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

int map_init(struct map *m, size_t key_size, size_t val_size, uint64_t seed)
{
	memset(m, 0, sizeof *m);
	if (key_size > 4096 || val_size > 65536)
		return -EINVAL;
	m->key_size = key_size;
	m->val_size = val_size;
	m->val_off = 8 + round8(key_size);
	m->stride = m->val_off + round8(val_size);
	m->seed = seed;
	return 0;
}

void map_free(struct map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

uint64_t map_seed(void)
{
	uint64_t s;
	if (getrandom(&s, sizeof s, GRND_NONBLOCK) != sizeof s)
		s = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&s;
	return s | 1;
}

static uint64_t fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* FNV-1a from a seeded basis, mixed once more when seeded; unseeded, the
 * plain FNV-1a hash, whose order the csv rollups have always had. */
static uint64_t hash_key(const struct map *m, const void *key)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ull ^ m->seed;
	for (size_t i = 0; i < m->key_size; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	if (m->seed) {
		h = fmix(h);
		h *= 0xc4ceb9fe1a85ec53ull;
		h ^= h >> 33;
	}
	return h ? h : 1;
}

static unsigned char *slot(const struct map *m, size_t i)
{
	return m->slots + i * m->stride;
}

static uint64_t tag_of(const unsigned char *s)
{
	uint64_t t;
	memcpy(&t, s, 8);
	return t;
}

/* The slot a tag hashes to. */
static size_t home(const struct map *m, uint64_t tag, size_t mask)
{
	return (size_t)(m->key_size ? tag : fmix(tag)) & mask;
}

/* The slot of (tag, key), or -1. */
static ptrdiff_t find(const struct map *m, uint64_t tag, const void *key)
{
	if (!m->slots)
		return -1;
	for (size_t i = home(m, tag, m->mask);; i = (i + 1) & m->mask) {
		const unsigned char *s = slot(m, i);
		uint64_t t = tag_of(s);
		if (!t)
			return -1;
		if (t == tag && (!m->key_size || !memcmp(s + 8, key, m->key_size)))
			return (ptrdiff_t)i;
	}
}

/* Move every entry into a table of nslots slots, in the order of the old
 * one. */
static int resize(struct map *m, size_t nslots)
{
	unsigned char *ns = calloc(nslots, m->stride);
	if (!ns)
		return -ENOMEM;
	size_t nmask = nslots - 1;
	for (size_t i = 0; m->slots && i <= m->mask; i++) {
		const unsigned char *s = slot(m, i);
		uint64_t t = tag_of(s);
		if (!t)
			continue;
		size_t j = home(m, t, nmask);
		while (tag_of(ns + j * m->stride))
			j = (j + 1) & nmask;
		memcpy(ns + j * m->stride, s, m->stride);
	}
	free(m->slots);
	m->slots = ns;
	m->mask = nmask;
	return 0;
}

static void *put(struct map *m, uint64_t tag, const void *key, int *added)
{
	if (added)
		*added = 0;
	/* at most half full, so that probes stay short; checked before the
	 * lookup, so that the table's size (and order) depends only on how
	 * many keys it held, not on which calls found theirs */
	if (!m->slots || (m->count + 1) * 2 > m->mask + 1) {
		if (resize(m, m->slots ? (m->mask + 1) * 2 : MIN_SLOTS) < 0)
			return NULL;
	}
	size_t i = home(m, tag, m->mask);
	for (;; i = (i + 1) & m->mask) {
		unsigned char *s = slot(m, i);
		uint64_t t = tag_of(s);
		if (!t)
			break;
		if (t == tag && (!m->key_size || !memcmp(s + 8, key, m->key_size)))
			return s + m->val_off;
	}
	if (added)
		*added = 1;
	unsigned char *s = slot(m, i);
	memset(s, 0, m->stride);
	memcpy(s, &tag, 8);
	if (m->key_size)
		memcpy(s + 8, key, m->key_size);
	m->count++;
	return s + m->val_off;
}

/* Empty slot i, pulling back the entries behind it that hash at or before
 * it, so that no probe run is broken. */
static void remove_at(struct map *m, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & m->mask;
		uint64_t t = tag_of(slot(m, j));
		if (!t)
			break;
		size_t h = home(m, t, m->mask);
		int stay = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stay) {
			memcpy(slot(m, i), slot(m, j), m->stride);
			i = j;
		}
	}
	memset(slot(m, i), 0, 8);
	m->count--;
}

void *map_get(const struct map *m, const void *key)
{
	ptrdiff_t f = find(m, hash_key(m, key), key);
	return f < 0 ? NULL : slot(m, (size_t)f) + m->val_off;
}

void *map_put(struct map *m, const void *key, int *added)
{
	return put(m, hash_key(m, key), key, added);
}

void map_del(struct map *m, const void *key)
{
	ptrdiff_t f = find(m, hash_key(m, key), key);
	if (f >= 0)
		remove_at(m, (size_t)f);
}

const void *map_key(const struct map *m, const void *val)
{
	return (const unsigned char *)val - m->val_off + 8;
}

void *map_get_id(const struct map *m, uint64_t id)
{
	ptrdiff_t f = id ? find(m, id, NULL) : -1;
	return f < 0 ? NULL : slot(m, (size_t)f) + m->val_off;
}

void *map_put_id(struct map *m, uint64_t id)
{
	return id ? put(m, id, NULL, NULL) : NULL;
}

void map_del_id(struct map *m, uint64_t id)
{
	ptrdiff_t f = id ? find(m, id, NULL) : -1;
	if (f >= 0)
		remove_at(m, (size_t)f);
}

uint64_t map_id(const struct map *m, const void *val)
{
	return tag_of((const unsigned char *)val - m->val_off);
}

void *map_next(const struct map *m, const void *prev)
{
	if (!m->slots)
		return NULL;
	size_t i = prev ? (size_t)((const unsigned char *)prev - m->val_off - m->slots) / m->stride + 1 : 0;
	for (; i <= m->mask; i++)
		if (tag_of(slot(m, i)))
			return slot(m, i) + m->val_off;
	return NULL;
}

void map_clear(struct map *m)
{
	if (m->slots)
		memset(m->slots, 0, (m->mask + 1) * m->stride);
	m->count = 0;
}

void map_sweep(struct map *m, int (*drop)(void *arg, void *val), void *arg)
{
	if (!m->slots)
		return;
	/* Walk once around from just after an empty slot: a removal pulls
	 * entries back from ahead only (the run that would wrap into the
	 * start ends at that empty slot), so every entry is asked once. */
	size_t start = 0;
	while (tag_of(slot(m, start)))
		start++;
	size_t left = m->mask + 1, i = (start + 1) & m->mask;
	while (left) {
		unsigned char *s = slot(m, i);
		if (tag_of(s) && drop(arg, s + m->val_off)) {
			remove_at(m, i);
			if (tag_of(s))
				continue; /* an entry from ahead took its place */
		}
		i = (i + 1) & m->mask;
		left--;
	}
	/* a table sized for a storm that is over would make every walk long */
	size_t want = MIN_SLOTS;
	while (want < m->count * 2)
		want *= 2;
	if (want < m->mask + 1)
		resize(m, want); /* failing, the larger table stays */
}
