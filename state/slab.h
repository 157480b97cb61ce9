/* Slabs: blocks of up to SLAB_MAX bytes that live and die one by one, taken in
 * 8-byte size classes from large chunks, with no header and no rounding but to 8.
 *
 * A parsed tenant is one block of 500-900 bytes (state/model.h, tenant_compact);
 * malloc's classes in that range are 128 bytes apart (jemalloc: 640, 768, 896), which
 * cost about 90 bytes a tenant, 9 MB at 100,000. Here a freed block waits on its
 * class's free list for the next block of the same size (tenants come back at the
 * sizes they had); chunks are never given back: the slabs keep their peak, as the
 * string pool does (state/intern.h). Larger blocks are malloc'd. Under
 * AddressSanitizer a free block is poisoned, so a use after free is still caught.
 *
 * Thread-safe (one lock): tenants are built in the scan's threads and freed on the
 * loop. */
#ifndef BTD_SLAB_H
#define BTD_SLAB_H

#include <stddef.h>

#define SLAB_MAX 4096

/* slab_alloc: size bytes, aligned to 8, not zeroed; never NULL (aborts when out of
 * memory, like xalloc.h). slab_free: p, from slab_alloc(size) with the same size;
 * NULL-safe. */
void *slab_alloc(size_t size);
void slab_free(void *p, size_t size);
/* slab_in_use: the bytes of the blocks handed out and not yet freed, their sizes
 * rounded to 8 (tests, benchmarks). */
size_t slab_in_use(void);

#endif
