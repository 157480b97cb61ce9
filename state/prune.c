#include "prune.h"

size_t prune_threshold(const struct prune_limits *l, size_t known_before)
{
	/* percent of the known tenants, rounded down: removing 5 % of 1000 (50) passes,
	 * 51 is held */
	size_t share = (size_t)((double)known_before * l->percent / 100.0);

	return share > l->min_tenants ? share : l->min_tenants;
}

bool prune_must_hold(const struct prune_limits *l, size_t removed, size_t known_before)
{
	return removed > prune_threshold(l, known_before);
}
