#include "slab.h"

#include <pthread.h>
#include <stdlib.h>

#include "poison.h"
#include "xalloc.h"

/* 64 KB a chunk: what a chunk's end leaves unused (less than the next block) is
 * under 1 % for blocks of the tenants' size. A chunk begins with a pointer to the
 * one made before it, never poisoned: every chunk stays reachable from `chunk` (a
 * free block's link is poisoned memory, which LeakSanitizer does not follow: a chunk
 * of free blocks only would look leaked). */
#define CHUNK	(64 * 1024)
#define LINK	sizeof(void *)
#define CLASSES (SLAB_MAX / 8)

static struct {
	pthread_mutex_t lock;
	char *chunk; /* the newest; each one's first word the one before, NULL for the first */
	size_t used; /* of chunk */
	size_t in_use;
	void *free[CLASSES]; /* per class (8, 16, ... SLAB_MAX): a free block's first word links the next */
} slabs = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t class_size(size_t size)
{
	return size ? (size + 7) & ~(size_t)7 : 8;
}

void *slab_alloc(size_t size)
{
	size_t slot = class_size(size);
	void **head, *p;

	if (slot > SLAB_MAX)
		return xmalloc(size);
	pthread_mutex_lock(&slabs.lock);
	head = &slabs.free[slot / 8 - 1];
	if (*head) {
		p = *head;
		UNPOISON(p, sizeof(void *));
		*head = *(void **)p;
	} else {
		if (!slabs.chunk || slabs.used + slot > CHUNK) {
			char *chunk = xmalloc(CHUNK);
			*(char **)(void *)chunk = slabs.chunk;
			POISON(chunk + LINK, CHUNK - LINK);
			slabs.chunk = chunk;
			slabs.used = LINK;
		}
		p = slabs.chunk + slabs.used;
		slabs.used += slot;
	}
	slabs.in_use += slot;
	pthread_mutex_unlock(&slabs.lock);
	UNPOISON(p, size);
	return p;
}

void slab_free(void *p, size_t size)
{
	size_t slot = class_size(size);
	void **head;

	if (!p)
		return;
	if (slot > SLAB_MAX) {
		free(p);
		return;
	}
	pthread_mutex_lock(&slabs.lock);
	head = &slabs.free[slot / 8 - 1];
	POISON(p, slot);
	UNPOISON(p, sizeof(void *));
	*(void **)p = *head;
	POISON(p, sizeof(void *));
	*head = p;
	slabs.in_use -= slot;
	pthread_mutex_unlock(&slabs.lock);
}

size_t slab_in_use(void)
{
	size_t n;

	pthread_mutex_lock(&slabs.lock);
	n = slabs.in_use;
	pthread_mutex_unlock(&slabs.lock);
	return n;
}
