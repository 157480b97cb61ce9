#include "intern.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "xalloc.h"

/* What both kinds of entry begin with: the table reads only this. */
struct ihead {
	uint32_t refs;
	uint32_t hash;
};

/* One allocation per distinct string: the count and hash before the text, so a
 * reference finds its count from the pointer alone. */
struct istr {
	struct ihead h;
	char s[];
};

/* One allocation per distinct list: its count, hash and length before the pointers. */
struct ilist {
	struct ihead h;
	size_t n;
	const char *v[];
};

/* Open addressing with linear probing over pointers, for the strings and for the
 * lists alike; removal shifts the following entries back (no tombstones), so a table
 * that churns never degrades. At most three quarters full: a slot is 8 bytes,
 * a probe compares the entry's hash first. */
struct table {
	struct ihead **slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

static struct {
	pthread_mutex_t lock;
	struct table strs;  /* struct istr * */
	struct table lists; /* struct ilist * */
	size_t bytes;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct istr *istr_of(const char *s)
{
	return (struct istr *)(void *)(s - offsetof(struct istr, s));
}

/* Room for one more entry. */
static void reserve(struct table *t)
{
	size_t cap;
	struct ihead **slots;

	if ((t->n + 1) * 4 <= t->cap * 3)
		return;
	cap = t->cap ? t->cap * 2 : 1024;
	slots = xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < t->cap; i++) {
		struct ihead *e = t->slots[i];
		size_t j;
		if (!e)
			continue;
		for (j = e->hash & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = e;
	}
	free(t->slots);
	pool.bytes += (cap - t->cap) * sizeof(*slots);
	t->slots = slots;
	t->cap = cap;
}

/* Remove e, shifting back each following entry of the run that would no longer be
 * reachable from its home slot. */
static void table_remove(struct table *t, const struct ihead *e)
{
	size_t mask = t->cap - 1, i, j;

	for (i = e->hash & mask; t->slots[i] != e; i = (i + 1) & mask)
		;
	for (j = i;;) {
		size_t home;
		j = (j + 1) & mask;
		if (!t->slots[j])
			break;
		home = t->slots[j]->hash & mask;
		/* the entry at j stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i] = NULL;
	t->n--;
}

const char *intern(const char *s)
{
	uint32_t h;
	size_t i, len;
	struct istr *e;
	struct table *t = &pool.strs;

	if (!s)
		return NULL;
	h = (uint32_t)hashmap_hash(s);
	pthread_mutex_lock(&pool.lock);
	reserve(t);
	for (i = h & (t->cap - 1); t->slots[i]; i = (i + 1) & (t->cap - 1)) {
		e = (struct istr *)(void *)t->slots[i];
		if (e->h.hash == h && strcmp(e->s, s) == 0) {
			e->h.refs++;
			pthread_mutex_unlock(&pool.lock);
			return e->s;
		}
	}
	len = strlen(s);
	e = xmalloc(sizeof(*e) + len + 1);
	e->h.refs = 1;
	e->h.hash = h;
	memcpy(e->s, s, len + 1);
	t->slots[i] = &e->h;
	t->n++;
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
	istr_of(s)->h.refs++;
	pthread_mutex_unlock(&pool.lock);
	return s;
}

void intern_unref(const char *s)
{
	struct istr *e;

	if (!s)
		return;
	e = istr_of(s);
	pthread_mutex_lock(&pool.lock);
	if (--e->h.refs) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	table_remove(&pool.strs, &e->h);
	pool.bytes -= sizeof(*e) + strlen(e->s) + 1;
	pthread_mutex_unlock(&pool.lock);
	free(e);
}

static struct ilist *ilist_of(const char *const *list)
{
	return (struct ilist *)(void *)((const char *)list - offsetof(struct ilist, v));
}

/* Interned strings are equal exactly when their addresses are: a list's identity is
 * its addresses, in order (hashed as FNV-1a over them). */
static uint32_t list_hash(const char *const *v, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint64_t)(uintptr_t)v[i];
		h *= 1099511628211ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

const char *const *intern_list(const char *const *v, size_t n)
{
	uint32_t h;
	size_t i;
	struct ilist *l;
	struct table *t = &pool.lists;

	if (!n)
		return NULL;
	h = list_hash(v, n);
	pthread_mutex_lock(&pool.lock);
	reserve(t);
	for (i = h & (t->cap - 1); t->slots[i]; i = (i + 1) & (t->cap - 1)) {
		l = (struct ilist *)(void *)t->slots[i];
		if (l->h.hash == h && l->n == n && memcmp(l->v, v, n * sizeof(v[0])) == 0) {
			l->h.refs++;
			pthread_mutex_unlock(&pool.lock);
			return l->v;
		}
	}
	l = xmalloc(sizeof(*l) + n * sizeof(l->v[0]));
	l->h.refs = 1;
	l->h.hash = h;
	l->n = n;
	for (size_t k = 0; k < n; k++) {
		istr_of(v[k])->h.refs++; /* intern_ref, under the lock held */
		l->v[k] = v[k];
	}
	t->slots[i] = &l->h;
	t->n++;
	pool.bytes += sizeof(*l) + n * sizeof(l->v[0]);
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
	if (--l->h.refs) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	table_remove(&pool.lists, &l->h);
	pool.bytes -= sizeof(*l) + l->n * sizeof(l->v[0]);
	pthread_mutex_unlock(&pool.lock);
	for (size_t i = 0; i < l->n; i++)
		intern_unref(l->v[i]);
	free(l);
}

void intern_stats(size_t *ret_strings, size_t *ret_bytes)
{
	pthread_mutex_lock(&pool.lock);
	*ret_strings = pool.strs.n;
	*ret_bytes = pool.bytes;
	pthread_mutex_unlock(&pool.lock);
}
