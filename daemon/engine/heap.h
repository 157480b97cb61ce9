/* The daemon's heap: how its allocator is set up at start and how the memory freed
 * after a convergence or a resync is given back to the system. The daemon links
 * jemalloc when built with BTD_JEMALLOC (the default, not with the sanitizers): at
 * 100,000 tenants it held 711 MB once a warm start converged where glibc's malloc
 * held 908 MB (its chunk headers and the fragmentation a resync leaves,
 * docs/PERFORMANCE.md "The allocator"). With glibc's malloc the daemon keeps two
 * arenas and trims them. No state: a thin seam over the allocator's own calls. */
#ifndef BTD_HEAP_H
#define BTD_HEAP_H

/* heap_setup: once at start, before any thread: glibc's malloc gets two arenas (the
 * loop's and one for every worker thread) unless MALLOC_ARENA_MAX says otherwise;
 * jemalloc's are set before main (one arena: malloc_conf in heap.c), MALLOC_CONF
 * overriding them. */
void heap_setup(void);
/* heap_give_back: freed memory returned to the system now (malloc_trim, or jemalloc's
 * purge of every arena). It walks the allocator's free memory: call it once a batch of
 * frees is done, not after each. */
void heap_give_back(void);
/* heap_allocator: "jemalloc" or "glibc" (or "system"), for the logs. */
const char *heap_allocator(void);

#endif
