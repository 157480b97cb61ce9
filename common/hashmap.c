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

void hashmap_release(struct hashmap *m, void (*free_value)(void *))
{
	bool borrowed = m->borrowed;

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
	struct hashmap_entry *e = find(m, key, hashmap_hash(key));

	return e ? e->value : NULL;
}

void *hashmap_put(struct hashmap *m, const char *key, void *value)
{
	uint64_t h = hashmap_hash(key);
	struct hashmap_entry *e = find(m, key, h);
	size_t i;

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

void *hashmap_remove(struct hashmap *m, const char *key)
{
	struct hashmap_entry *e = find(m, key, hashmap_hash(key));
	void *value;

	if (!e)
		return NULL;
	value = e->value;
	if (!m->borrowed)
		free(e->key);
	e->key = TOMBSTONE;
	e->value = NULL;
	m->n--;
	return value;
}

int hashmap_next(const struct hashmap *m, size_t *pos, const char **ret_key, void **ret_value)
{
	for (; *pos < m->cap; (*pos)++) {
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
