#include "intern.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "poison.h"
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

/* Entries of up to SLOT_MAX bytes (every tag key and value AWS allows, ids, ARNs,
 * names, a manifest's tag pairs) live in slots of the pool's own blocks, a slot the
 * entry's size rounded up to 8, one free list per size: no malloc header and no
 * rounding to malloc's 16 (a spec hash takes 16 bytes, not a 32-byte chunk; a
 * profile's ARN 96, not 112). A freed slot waits for the next entry of its size;
 * blocks are never given back (the pool, like its table, keeps its peak). Larger
 * entries are malloc'd. Under AddressSanitizer a slot is poisoned while free and
 * beyond the entry's own bytes.
 *
 * Blocks are 4 KB at first, each twice the last up to 64 KB, numbered in
 * intern__blocks[] (written once each, under the lock, before any handle into the
 * block exists; never moved): a slotted string's handle is its block's number and
 * its offset in 8-byte units (13 bits: 64 KB). */
#define SLOT_MAX      272 /* 8 of count and hash, 256 characters and the NUL */
#define SLOT_CLASSES  (SLOT_MAX / 8)
#define BLOCK_FIRST   4096
#define BLOCK_LARGEST 65536
#define BLOCKS_MAX    (UINT32_MAX >> 13)

const char *intern__blocks[BLOCKS_MAX + 1];

static struct {
	pthread_mutex_t lock;
	struct table strs;  /* struct istr * */
	struct table lists; /* struct ilist * */
	size_t bytes;
	uint32_t n_blocks;
	uint32_t *by_address;	  /* block numbers, sorted by their memory's address (intern_handle) */
	size_t used;		  /* of the newest block */
	void *free[SLOT_CLASSES]; /* per slot size (8, 16, ... SLOT_MAX): a free slot's first word links the next */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t block_size(uint32_t i)
{
	return i >= 4 ? BLOCK_LARGEST : (size_t)BLOCK_FIRST << i;
}

static size_t slot_size(size_t size)
{
	return (size + 7) & ~(size_t)7;
}

/* A new block, numbered and found by address; false when every number is taken. */
static bool block_new(void)
{
	uint32_t i = pool.n_blocks, at;
	char *mem;

	if (i > BLOCKS_MAX)
		return false;
	mem = xmalloc(block_size(i));
	POISON(mem, block_size(i));
	if ((i & (i - 1)) == 0) /* 0, 1, 2, 4, ...: room for the next doubling */
		pool.by_address = xreallocarray(pool.by_address, i ? 2 * (size_t)i : 1, sizeof(uint32_t));
	for (at = i; at > 0 && (uintptr_t)intern__blocks[pool.by_address[at - 1]] > (uintptr_t)mem; at--)
		pool.by_address[at] = pool.by_address[at - 1];
	pool.by_address[at] = i;
	intern__blocks[i] = mem;
	pool.n_blocks = i + 1;
	pool.used = 0;
	return true;
}

/* slot_alloc: size bytes (not zeroed) for an entry, under the lock. */
static void *slot_alloc(size_t size)
{
	size_t slot = slot_size(size);
	void **head;
	void *p;

	if (slot > SLOT_MAX)
		return xmalloc(size);
	head = &pool.free[slot / 8 - 1];
	if (*head) {
		p = *head;
		UNPOISON(p, sizeof(void *));
		*head = *(void **)p;
		UNPOISON(p, size);
		return p;
	}
	if ((!pool.n_blocks || pool.used + slot > block_size(pool.n_blocks - 1)) && !block_new())
		return xmalloc(size);
	p = (char *)intern__blocks[pool.n_blocks - 1] + pool.used;
	pool.used += slot;
	UNPOISON(p, size);
	return p;
}

/* The block holding p, or -1 (malloc'd). */
static int64_t block_of(const void *p)
{
	uint32_t lo = 0, hi = pool.n_blocks;
	uintptr_t a = (uintptr_t)p;

	while (lo < hi) { /* the last block whose memory starts at or before p */
		uint32_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)intern__blocks[pool.by_address[mid]] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	lo = pool.by_address[lo - 1];
	return a - (uintptr_t)intern__blocks[lo] < block_size(lo) ? (int64_t)lo : -1;
}

/* slot_free: gives back what slot_alloc(size) returned, under the lock. */
static void slot_free(void *p, size_t size)
{
	size_t slot = slot_size(size);
	void **head;

	if (slot > SLOT_MAX || block_of(p) < 0) {
		free(p);
		return;
	}
	head = &pool.free[slot / 8 - 1];
	POISON(p, slot);
	UNPOISON(p, sizeof(void *));
	*(void **)p = *head;
	POISON(p, sizeof(void *));
	*head = p;
}

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
	e = slot_alloc(sizeof(*e) + len + 1);
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
	size_t len;

	if (!s)
		return;
	e = istr_of(s);
	pthread_mutex_lock(&pool.lock);
	if (--e->h.refs) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	table_remove(&pool.strs, &e->h);
	len = sizeof(*e) + strlen(e->s) + 1;
	pool.bytes -= len;
	slot_free(e, len);
	pthread_mutex_unlock(&pool.lock);
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
	l = slot_alloc(sizeof(*l) + n * sizeof(l->v[0]));
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

size_t intern_list_len(const char *const *list)
{
	return list ? ilist_of(list)->n : 0; /* immutable: no lock */
}

void intern_list_unref(const char *const *list)
{
	struct ilist *l;
	size_t size;

	if (!list)
		return;
	l = ilist_of(list);
	pthread_mutex_lock(&pool.lock);
	if (--l->h.refs) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	table_remove(&pool.lists, &l->h);
	size = sizeof(*l) + l->n * sizeof(l->v[0]);
	pool.bytes -= size;
	pthread_mutex_unlock(&pool.lock);
	for (size_t i = 0; i < l->n; i++) /* out of the table: no one else reads l */
		intern_unref(l->v[i]);
	pthread_mutex_lock(&pool.lock);
	slot_free(l, size);
	pthread_mutex_unlock(&pool.lock);
}

void intern_stats(size_t *ret_strings, size_t *ret_bytes)
{
	pthread_mutex_lock(&pool.lock);
	*ret_strings = pool.strs.n;
	*ret_bytes = pool.bytes;
	pthread_mutex_unlock(&pool.lock);
}

static uint32_t handle_locked(const char *s)
{
	int64_t b = s ? block_of(s) : -1;

	return b < 0 ? 0 : (uint32_t)b << 13 | (uint32_t)((uintptr_t)s - (uintptr_t)intern__blocks[b]) / 8;
}

uint32_t intern_handle(const char *s)
{
	uint32_t h;

	pthread_mutex_lock(&pool.lock);
	h = handle_locked(s);
	pthread_mutex_unlock(&pool.lock);
	return h;
}

bool intern_handles(const char *const *v, size_t n, uint32_t *ret)
{
	bool all = true;

	pthread_mutex_lock(&pool.lock);
	for (size_t i = 0; all && i < n; i++)
		all = (ret[i] = handle_locked(v[i])) != 0;
	pthread_mutex_unlock(&pool.lock);
	return all;
}
