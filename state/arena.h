/* An arena: many small objects allocated one after the other in large blocks and
 * freed all at once. The observed store keeps the entries of one listing in one (a
 * listing builds hundreds of thousands of entries that live exactly as long as its
 * store): no allocation per string, no malloc overhead per object, and a released
 * store gives back whole blocks, not chunks scattered among the next store's.
 *
 * An arena owns its blocks; what is allocated in it is never freed alone. Not
 * thread-safe: one owner at a time (a listing's worker thread, then the loop). */
#ifndef BTD_ARENA_H
#define BTD_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
/* arena_free: every block, and a; NULL-safe. */
void arena_free(struct arena *a);
/* arena_alloc: size zeroed bytes, aligned to 8 (pointers, 64-bit integers; not long
 * double); never NULL (aborts when out of memory, like xalloc.h). */
void *arena_alloc(struct arena *a, size_t size);
/* arena_strdup: a copy of s in a; NULL in, NULL out. */
char *arena_strdup(struct arena *a, const char *s);
/* arena_adopt: src's blocks join dst's (what src holds now lives as long as dst),
 * and src is freed; NULL src: nothing. */
void arena_adopt(struct arena *dst, struct arena *src);
/* arena_bytes: what a holds from malloc, blocks and bookkeeping (tests, benchmarks). */
size_t arena_bytes(const struct arena *a);

#endif
