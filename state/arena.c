#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Blocks of 2 KB first, each twice the last, up to 16 KB: a store holding little (a
 * place of a few tenants, its policies apart) does not keep a large block for it, and
 * the last block's unused tail, the waste, is at most 16 KB a store. A place's listing
 * is a few hundred KB (about 800 bytes a tenant, 100-400 tenants a place): with 64 KB
 * blocks that tail was 32 KB on average, 80-330 bytes a tenant; with 16 KB, 8 KB (a
 * block more to allocate every 16 KB costs nothing measurable). An object larger than
 * a quarter of the largest block gets a block of its own. The sizes are of the whole
 * allocation, the block's header included: a power of two is a size class of the
 * allocator, while 16 KB of data and a header would take jemalloc's next class, 20 KB. */
#define ARENA_BLOCK	  (16 * 1024)
#define ARENA_FIRST_BLOCK (2 * 1024)

/* Objects are aligned for pointers and 64-bit integers (what the store's entries
 * hold), not more: strings waste at most 7 bytes each. */
#define ARENA_ALIGN 8

struct block {
	struct block *next;
	size_t size, used; /* bytes of data[] */
	uint64_t data[];
};

struct arena {
	struct block *head; /* the block being filled; the others follow */
	size_t bytes;
	size_t next_block; /* the size of the next block to fill, its header among it */
};

struct arena *arena_new(void)
{
	struct arena *a = xcalloc(1, sizeof(*a));

	a->bytes = sizeof(*a);
	a->next_block = ARENA_FIRST_BLOCK;
	return a;
}

void arena_free(struct arena *a)
{
	struct block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* A block of `total` bytes in all, its header among them. */
static struct block *block_new(struct arena *a, size_t total)
{
	struct block *b = xcalloc(1, total);

	b->size = total - sizeof(*b);
	a->bytes += total;
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct block *b;
	void *p;

	size = size ? (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1) : ARENA_ALIGN;
	if (size > ARENA_BLOCK / 4) { /* a block of its own, behind the one being filled */
		b = block_new(a, sizeof(*b) + size);
		b->used = size;
		if (a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			a->head = b;
		}
		return b->data;
	}
	if (!a->head || a->head->size - a->head->used < size) {
		while (a->next_block - sizeof(*b) < size)
			a->next_block *= 2;
		b = block_new(a, a->next_block);
		if (a->next_block < ARENA_BLOCK)
			a->next_block *= 2;
		b->next = a->head;
		a->head = b;
	}
	p = (unsigned char *)a->head->data + a->head->used;
	a->head->used += size;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n;
	char *c;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	c = arena_alloc(a, n);
	memcpy(c, s, n);
	return c;
}

void arena_adopt(struct arena *dst, struct arena *src)
{
	struct block *last;

	if (!src)
		return;
	if (src->head) { /* behind the block dst is filling, which stays first */
		for (last = src->head; last->next; last = last->next)
			;
		if (dst->head) {
			last->next = dst->head->next;
			dst->head->next = src->head;
		} else {
			dst->head = src->head;
		}
	}
	dst->bytes += src->bytes - sizeof(*src);
	free(src);
}

size_t arena_bytes(const struct arena *a)
{
	return a ? a->bytes : 0;
}
