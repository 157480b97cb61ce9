/* A string-keyed hash map (open addressing, linear probing, FNV-1a).
 *
 * The map owns copies of its keys (or, made with hashmap_init_borrowed, borrows them);
 * values are borrowed pointers whose lifetime the caller manages (hashmap_release can
 * free them through a callback). Iteration order
 * is unspecified; any put or remove invalidates an iteration in progress. */
#ifndef BTD_HASHMAP_H
#define BTD_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap_entry {
	char *key; /* NULL: empty; HASHMAP_TOMBSTONE: removed */
	void *value;
	uint64_t hash;
};

/* A keyed map's slot (hashmap_init_keyed): the key is key_of(value). */
struct hashmap_kentry {
	void *value; /* NULL: empty; HASHMAP_TOMBSTONE: removed */
	uint64_t hash;
};

struct hashmap {
	union {
		struct hashmap_entry *entries;	 /* every map but a keyed one */
		struct hashmap_kentry *kentries; /* a keyed map's */
	};
	size_t cap;    /* a power of two, or 0 */
	size_t n;      /* live entries */
	size_t used;   /* live entries plus tombstones */
	bool borrowed; /* keys are the caller's (hashmap_init_borrowed, hashmap_init_keyed) */
	const char *(*key_of)(const void *value); /* a keyed map's; NULL for the others */
};

void hashmap_init(struct hashmap *m);
/* hashmap_init_borrowed: a map that does not copy its keys, for keys that live inside
 * their values (a resource indexed by its own name): each key must stay valid, and
 * unchanged, while its entry is in the map; a put that replaces an entry takes the
 * new key. One allocation less per entry. hashmap_release keeps the mode. */
void hashmap_init_borrowed(struct hashmap *m);
/* hashmap_init_keyed: a borrowing map whose slots do not hold the key at all (16
 * bytes a slot, not 24: the maps of 100,000 tenants' resources): each value's key is
 * key_of(value), which must stay valid and unchanged while the value is in the map.
 * Values are never NULL; hashmap_put's key must be key_of(value). Its table is kept
 * at most seven eighths full (a map of keys: three quarters): a probe compares the
 * slot's hash before it reads a key. Otherwise used as any map; hashmap_release keeps
 * the mode. */
void hashmap_init_keyed(struct hashmap *m, const char *(*key_of)(const void *value));
/* hashmap_release: frees the keys, and each value through free_value when not NULL. */
void hashmap_release(struct hashmap *m, void (*free_value)(void *));
void *hashmap_get(const struct hashmap *m, const char *key);
/* hashmap_put: inserts or replaces; returns the previous value or NULL. */
void *hashmap_put(struct hashmap *m, const char *key, void *value);
/* hashmap_remove: returns the removed value, or NULL when absent. The last entry's
 * removal frees a table of HASHMAP_KEEP_EMPTY_MAX slots or more (cap 0 again). */
#define HASHMAP_KEEP_EMPTY_MAX 1024
void *hashmap_remove(struct hashmap *m, const char *key);
/* hashmap_next: iteration. Start with *pos = 0; returns 0 at the end, else 1 with
 * *ret_key and *ret_value set (either may be NULL). */
int hashmap_next(const struct hashmap *m, size_t *pos, const char **ret_key, void **ret_value);
uint64_t hashmap_hash(const char *s);

#endif
