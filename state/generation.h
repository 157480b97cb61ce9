/* Generations: one process-wide counter whose values name versions of what a diff
 * reads (the observed store, a tenant's slice of it, a tenant's record). Each change
 * takes a fresh value, never handed out before, so a generation equal to one noted
 * earlier means "not changed since" even across objects freed and allocated again at
 * the same address. Atomic: listings build observed stores in libuv's thread pool. */
#ifndef BTD_GENERATION_H
#define BTD_GENERATION_H

#include <stdint.h>

/* generation_next: a value greater than every value returned before (never 0). */
uint64_t generation_next(void);

#endif
