#include "heap.h"

#include <stdlib.h>

#ifdef BTD_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

#ifdef BTD_HAVE_JEMALLOC
/* jemalloc reads its settings from this symbol of the program, then MALLOC_CONF (which
 * wins). One arena, not four a CPU: a listing's snapshot is built in a worker thread
 * and lives on in the loop's, and every arena kept its own partly used pages of what a
 * resync freed; with one, the peak through two steady resyncs of 100,000 tenants is
 * 596 MB, not 645, and what stays is the same (docs/PERFORMANCE.md, "One arena"). The
 * loop does nearly all the allocating: one arena's lock costs it nothing measurable. */
const char *malloc_conf = "narenas:1";
#endif

void heap_setup(void)
{
#if !defined(BTD_HAVE_JEMALLOC) && defined(__GLIBC__)
	/* each arena keeps what was freed in it: a resync's snapshots built in four arenas
	 * kept four old stores' worth (docs/operations.md, "Memory") */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
#endif
}

void heap_give_back(void)
{
#ifdef BTD_HAVE_JEMALLOC
	/* its only failure is an unknown name; nothing to give back then */
	(void)mallctl("arena." STRINGIFY(MALLCTL_ARENAS_ALL) ".purge", NULL, NULL, NULL, 0);
#elif defined(__GLIBC__)
	malloc_trim(0);
#endif
}

const char *heap_allocator(void)
{
#ifdef BTD_HAVE_JEMALLOC
	return "jemalloc";
#elif defined(__GLIBC__)
	return "glibc";
#else
	return "system";
#endif
}
