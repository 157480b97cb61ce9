#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static char tombstone_[1];
#define TOMBSTONE tombstone_

uint64_t hashmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

void hashmap_init(struct hashmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hashmap_init_borrowed(struct hashmap *m)
{
	hashmap_init(m);
	m->borrowed = true;
}

void hashmap_init_keyed(struct hashmap *m, const char *(*key_of)(const void *value))
{
	hashmap_init_borrowed(m);
	m->key_of = key_of;
}

/* ---- keyed maps: slots of value and hash ---- */

static bool klive(const struct hashmap_kentry *e)
{
	return e->value && e->value != (void *)TOMBSTONE;
}

static struct hashmap_kentry *kfind(const struct hashmap *m, const char *key, uint64_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct hashmap_kentry *e = &m->kentries[i];
		if (!e->value)
			return NULL;
		if (e->value != (void *)TOMBSTONE && e->hash == h && strcmp(m->key_of(e->value), key) == 0)
			return e;
	}
}

static void krehash(struct hashmap *m, size_t cap)
{
	struct hashmap_kentry *old = m->kentries;
	size_t old_cap = m->cap;

	m->kentries = xcalloc(cap, sizeof(*m->kentries));
	m->cap = cap;
	m->used = m->n;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;
		if (!klive(&old[i]))
			continue;
		for (j = old[i].hash & (cap - 1); m->kentries[j].value; j = (j + 1) & (cap - 1))
			;
		m->kentries[j] = old[i];
	}
	free(old);
}

static void *kput(struct hashmap *m, const char *key, void *value)
{
	uint64_t h = hashmap_hash(key);
	struct hashmap_kentry *e = kfind(m, key, h);
	size_t i;

	if (e) {
		void *old = e->value;
		e->value = value;
		return old;
	}
	/* Up to seven eighths full (tombstones included), not three quarters as a map of
	 * keys: a keyed slot holds the hash, so a probe past another entry reads no key,
	 * and the store of 100,000 tenants' 200,000 profiles takes 262,144 slots, not
	 * 524,288 (4 MB a map). */
	if ((m->used + 1) * 8 > m->cap * 7)
		krehash(m, m->n * 4 >= m->cap ? (m->cap ? m->cap * 2 : 16) : m->cap);
	for (i = h & (m->cap - 1); klive(&m->kentries[i]); i = (i + 1) & (m->cap - 1))
		;
	if (!m->kentries[i].value)
		m->used++;
	m->kentries[i] = (struct hashmap_kentry){ value, h };
	m->n++;
	return NULL;
}

void hashmap_release(struct hashmap *m, void (*free_value)(void *))
{
	bool borrowed = m->borrowed;
	const char *(*key_of)(const void *) = m->key_of;

	if (key_of) {
		for (size_t i = 0; free_value && i < m->cap; i++)
			if (klive(&m->kentries[i]))
				free_value(m->kentries[i].value);
		free(m->kentries);
		hashmap_init_keyed(m, key_of);
		return;
	}
	for (size_t i = 0; i < m->cap; i++) {
		struct hashmap_entry *e = &m->entries[i];
		if (!e->key || e->key == TOMBSTONE)
			continue;
		if (free_value)
			free_value(e->value);
		if (!borrowed)
			free(e->key);
	}
	free(m->entries);
	hashmap_init(m);
	m->borrowed = borrowed;
}

/* Slot holding key, or NULL. */
static struct hashmap_entry *find(const struct hashmap *m, const char *key, uint64_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct hashmap_entry *e = &m->entries[i];
		if (!e->key)
			return NULL;
		if (e->key != TOMBSTONE && e->hash == h && strcmp(e->key, key) == 0)
			return e;
	}
}

static void rehash(struct hashmap *m, size_t cap)
{
	struct hashmap_entry *old = m->entries;
	size_t old_cap = m->cap;

	m->entries = xcalloc(cap, sizeof(*m->entries));
	m->cap = cap;
	m->used = m->n;
	for (size_t i = 0; i < old_cap; i++) {
		struct hashmap_entry *e = &old[i];
		size_t j;
		if (!e->key || e->key == TOMBSTONE)
			continue;
		for (j = e->hash & (cap - 1); m->entries[j].key; j = (j + 1) & (cap - 1))
			;
		m->entries[j] = *e;
	}
	free(old);
}

void *hashmap_get(const struct hashmap *m, const char *key)
{
	struct hashmap_entry *e;

	if (m->key_of) {
		struct hashmap_kentry *k = kfind(m, key, hashmap_hash(key));
		return k ? k->value : NULL;
	}
	e = find(m, key, hashmap_hash(key));

	return e ? e->value : NULL;
}

void *hashmap_put(struct hashmap *m, const char *key, void *value)
{
	uint64_t h;
	struct hashmap_entry *e;
	size_t i;

	if (m->key_of)
		return kput(m, key, value);
	h = hashmap_hash(key);
	e = find(m, key, h);
	if (e) {
		void *old = e->value;
		e->value = value;
		if (m->borrowed) /* the old key may go with the old value */
			e->key = (char *)key;
		return old;
	}
	/* Keep the load (tombstones included) under 3/4. */
	if ((m->used + 1) * 4 > m->cap * 3)
		rehash(m, m->n * 4 >= m->cap ? (m->cap ? m->cap * 2 : 16) : m->cap);
	for (i = h & (m->cap - 1); m->entries[i].key && m->entries[i].key != TOMBSTONE; i = (i + 1) & (m->cap - 1))
		;
	if (!m->entries[i].key)
		m->used++;
	m->entries[i] = (struct hashmap_entry){ m->borrowed ? (char *)key : xstrdup(key), value, h };
	m->n++;
	return NULL;
}

/* A table grown for many entries, all of them removed since (the records a start
 * loaded until every tenant claimed its own: 262,144 slots, 6 MB, at 100,000), is
 * given back; a small one is kept for the maps that empty and fill again. */
static void give_back_emptied(struct hashmap *m)
{
	if (!m->n && m->cap >= HASHMAP_KEEP_EMPTY_MAX)
		hashmap_release(m, NULL);
}

void *hashmap_remove(struct hashmap *m, const char *key)
{
	struct hashmap_entry *e;
	void *value;

	if (m->key_of) {
		struct hashmap_kentry *k = kfind(m, key, hashmap_hash(key));
		if (!k)
			return NULL;
		value = k->value;
		k->value = (void *)TOMBSTONE;
		m->n--;
		give_back_emptied(m);
		return value;
	}
	e = find(m, key, hashmap_hash(key));
	if (!e)
		return NULL;
	value = e->value;
	if (!m->borrowed)
		free(e->key);
	e->key = TOMBSTONE;
	e->value = NULL;
	m->n--;
	give_back_emptied(m);
	return value;
}

int hashmap_next(const struct hashmap *m, size_t *pos, const char **ret_key, void **ret_value)
{
	for (; m->key_of && *pos < m->cap; (*pos)++) {
		struct hashmap_kentry *e = &m->kentries[*pos];
		if (!klive(e))
			continue;
		if (ret_key)
			*ret_key = m->key_of(e->value);
		if (ret_value)
			*ret_value = e->value;
		(*pos)++;
		return 1;
	}
	for (; !m->key_of && *pos < m->cap; (*pos)++) {
		struct hashmap_entry *e = &m->entries[*pos];
		if (!e->key || e->key == TOMBSTONE)
			continue;
		if (ret_key)
			*ret_key = e->key;
		if (ret_value)
			*ret_value = e->value;
		(*pos)++;
		return 1;
	}
	return 0;
}
