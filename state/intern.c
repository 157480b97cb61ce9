#include "intern.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "xalloc.h"

/* One allocation per distinct string: the count and hash before the text, so a
 * reference finds its count from the pointer alone. */
struct istr {
	uint32_t refs;
	uint32_t hash;
	char s[];
};

/* One allocation per distinct list: its count and map key before the pointers. */
struct ilist {
	uint32_t refs;
	size_t n;
	char *key; /* the strings' addresses in hex: the lists map's key (borrowed by it) */
	const char *v[];
};

/* Open addressing with linear probing over pointers; removal shifts the following
 * entries back (no tombstones), so a table that churns never degrades. Lists are few
 * (one per shape of manifest): a plain map. */
static struct {
	pthread_mutex_t lock;
	struct istr **slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
	size_t bytes;
	struct hashmap lists; /* key -> struct ilist *; initialised on first use */
	bool lists_ready;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct istr *istr_of(const char *s)
{
	return (struct istr *)(void *)(s - offsetof(struct istr, s));
}

static void grow(void)
{
	size_t cap = pool.cap ? pool.cap * 2 : 1024;
	struct istr **slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < pool.cap; i++) {
		struct istr *e = pool.slots[i];
		size_t j;
		if (!e)
			continue;
		for (j = e->hash & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = e;
	}
	free(pool.slots);
	pool.bytes += (cap - pool.cap) * sizeof(*slots);
	pool.slots = slots;
	pool.cap = cap;
}

const char *intern(const char *s)
{
	uint32_t h;
	size_t i, len;
	struct istr *e;

	if (!s)
		return NULL;
	h = (uint32_t)hashmap_hash(s);
	pthread_mutex_lock(&pool.lock);
	if ((pool.n + 1) * 2 > pool.cap) /* at most half full: short probes */
		grow();
	for (i = h & (pool.cap - 1); (e = pool.slots[i]); i = (i + 1) & (pool.cap - 1)) {
		if (e->hash == h && strcmp(e->s, s) == 0) {
			e->refs++;
			pthread_mutex_unlock(&pool.lock);
			return e->s;
		}
	}
	len = strlen(s);
	e = xmalloc(sizeof(*e) + len + 1);
	e->refs = 1;
	e->hash = h;
	memcpy(e->s, s, len + 1);
	pool.slots[i] = e;
	pool.n++;
	pool.bytes += sizeof(*e) + len + 1;
	pthread_mutex_unlock(&pool.lock);
	return e->s;
}

const char *intern_take(char *s)
{
	const char *r = intern(s);

	free(s);
	return r;
}

const char *intern_ref(const char *s)
{
	if (!s)
		return NULL;
	pthread_mutex_lock(&pool.lock);
	istr_of(s)->refs++;
	pthread_mutex_unlock(&pool.lock);
	return s;
}

/* Remove the entry at slot i, shifting back each following entry of the run that
 * would no longer be reachable from its home slot. */
static void remove_at(size_t i)
{
	size_t mask = pool.cap - 1, j = i;

	for (;;) {
		size_t home;
		j = (j + 1) & mask;
		if (!pool.slots[j])
			break;
		home = pool.slots[j]->hash & mask;
		/* the entry at j stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		pool.slots[i] = pool.slots[j];
		i = j;
	}
	pool.slots[i] = NULL;
}

void intern_unref(const char *s)
{
	struct istr *e;
	size_t i;

	if (!s)
		return;
	e = istr_of(s);
	pthread_mutex_lock(&pool.lock);
	if (--e->refs) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	for (i = e->hash & (pool.cap - 1); pool.slots[i] != e; i = (i + 1) & (pool.cap - 1))
		;
	remove_at(i);
	pool.n--;
	pool.bytes -= sizeof(*e) + strlen(e->s) + 1;
	pthread_mutex_unlock(&pool.lock);
	free(e);
}

static struct ilist *ilist_of(const char *const *list)
{
	return (struct ilist *)(void *)((const char *)list - offsetof(struct ilist, v));
}

/* Interned strings are equal exactly when their addresses are: the list's identity is
 * its addresses, in order. */
static char *list_key(const char *const *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *key = xmalloc(n * 17 + 1), *p = key;

	/* by hand, not sprintf: a listing packs the tags of every entry it stores */
	for (size_t i = 0; i < n; i++) {
		uintptr_t a = (uintptr_t)v[i];
		char digits[16];
		int k = 0;
		do {
			digits[k++] = hex[a & 15];
			a >>= 4;
		} while (a);
		while (k)
			*p++ = digits[--k];
		*p++ = '.';
	}
	*p = '\0';
	return key;
}

const char *const *intern_list(const char *const *v, size_t n)
{
	char *key;
	struct ilist *l;

	if (!n)
		return NULL;
	key = list_key(v, n);
	pthread_mutex_lock(&pool.lock);
	if (!pool.lists_ready) {
		hashmap_init_borrowed(&pool.lists);
		pool.lists_ready = true;
	}
	if ((l = hashmap_get(&pool.lists, key))) {
		l->refs++;
		pthread_mutex_unlock(&pool.lock);
		free(key);
		return l->v;
	}
	l = xmalloc(sizeof(*l) + n * sizeof(l->v[0]));
	l->refs = 1;
	l->n = n;
	l->key = key;
	for (size_t i = 0; i < n; i++) {
		istr_of(v[i])->refs++; /* intern_ref, under the lock held */
		l->v[i] = v[i];
	}
	hashmap_put(&pool.lists, l->key, l);
	pool.bytes += sizeof(*l) + n * sizeof(l->v[0]) + strlen(key) + 1;
	pthread_mutex_unlock(&pool.lock);
	return l->v;
}

void intern_list_unref(const char *const *list)
{
	struct ilist *l;

	if (!list)
		return;
	l = ilist_of(list);
	pthread_mutex_lock(&pool.lock);
	if (--l->refs) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	hashmap_remove(&pool.lists, l->key);
	pool.bytes -= sizeof(*l) + l->n * sizeof(l->v[0]) + strlen(l->key) + 1;
	pthread_mutex_unlock(&pool.lock);
	for (size_t i = 0; i < l->n; i++)
		intern_unref(l->v[i]);
	free(l->key);
	free(l);
}

void intern_stats(size_t *ret_strings, size_t *ret_bytes)
{
	pthread_mutex_lock(&pool.lock);
	*ret_strings = pool.n;
	*ret_bytes = pool.bytes;
	pthread_mutex_unlock(&pool.lock);
}
