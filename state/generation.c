#include "generation.h"

#include <stdatomic.h>

static atomic_uint_fast64_t clock_value;

uint64_t generation_next(void)
{
	return (uint64_t)atomic_fetch_add_explicit(&clock_value, 1, memory_order_relaxed) + 1;
}
