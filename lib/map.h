/*
 * map: the hash table of the plugins.  Open addressing with linear probing
 * and backward-shift deletion; each entry is a key and a value of fixed
 * sizes, stored in the table itself.  A map is keyed either by a connection
 * id (a non-zero uint64_t: the *_id functions) or by a key of key_size
 * bytes compared as bytes (zero a struct key fully, padding too, before
 * filling it).
 *
 * Keys that the traffic chooses (addresses, ports) are hashed with a seed
 * (map_seed()) so that a flood of chosen keys cannot pile up in one run of
 * the table.  A map of seed 0 is hashed the same way in every run: its
 * order (map_next) is then the same for the same keys, for output that
 * must not change from one run to the next.
 *
 * Values move when the table grows, shrinks or loses an entry: a pointer
 * from map_get, map_put or map_next is valid until the next map_put,
 * map_del, map_sweep or map_free.  The table is allocated at the first
 * map_put: a map that stays empty costs nothing.
 */
#ifndef TT_MAP_H
#define TT_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map {
	unsigned char *slots; /* mask + 1 slots of `stride` bytes: tag, key, value */
	size_t stride;
	size_t key_size;      /* 0: keyed by id */
	size_t val_off;       /* where the value begins in a slot */
	size_t val_size;
	size_t mask;          /* capacity - 1; 0 before the first put */
	size_t count;         /* entries */
	uint64_t seed;
};

/* A map of key_size-byte keys (0: keyed by id) and val_size-byte values.
 * Returns 0, or -EINVAL for a size that cannot be. */
int map_init(struct map *m, size_t key_size, size_t val_size, uint64_t seed);
void map_free(struct map *m);
/* A random seed for map_init (from getrandom(2), else the clock). */
uint64_t map_seed(void);

/* Keyed by bytes: the value of key, or NULL. */
void *map_get(const struct map *m, const void *key);
/* The value of key, added zeroed when absent (*added then 1, when added is
 * not NULL); NULL when out of memory. */
void *map_put(struct map *m, const void *key, int *added);
void map_del(struct map *m, const void *key);
/* The key of a value of the map. */
const void *map_key(const struct map *m, const void *val);

/* Keyed by id (never 0): the same. */
void *map_get_id(const struct map *m, uint64_t id);
void *map_put_id(struct map *m, uint64_t id);
void map_del_id(struct map *m, uint64_t id);
uint64_t map_id(const struct map *m, const void *val);

/* The values in table order: start with prev NULL; NULL after the last.
 * No map_put or map_del during the walk (map_sweep removes while it walks). */
void *map_next(const struct map *m, const void *prev);
/* Remove every entry, keeping the table's size (for a map filled again
 * each round). */
void map_clear(struct map *m);
/* Remove the entries for which drop(arg, value) is non-zero (asked once
 * for each entry), then make the table smaller when it is much larger than
 * the rest needs. */
void map_sweep(struct map *m, int (*drop)(void *arg, void *val), void *arg);

#endif
