#include "prune.h"

size_t prune_threshold(const struct prune_limits *l, size_t known)
{
	/* percent of the known tenants, rounded down: removing 5 % of 1000 (50) passes,
	 * 51 is held */
	size_t share = (size_t)((double)known * l->percent / 100.0);

	return share > l->min_tenants ? share : l->min_tenants;
}

bool prune_must_hold(const struct prune_limits *l, size_t pending, size_t known)
{
	return pending > prune_threshold(l, known);
}

/* Held and approved removals count like open ones: judging only the removals not yet
 * held would let a bad commit through ten at a time once its first batch is held. */
size_t prune_judge(const struct prune_limits *l, struct prune_entry *v, size_t n, size_t known)
{
	size_t held = 0;

	if (!prune_must_hold(l, n, known))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].mark != PRUNE_OPEN)
			continue;
		v[i].mark = PRUNE_HELD;
		held++;
	}
	return held;
}

size_t prune_approve(struct prune_entry *v, size_t n)
{
	size_t approved = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].mark != PRUNE_HELD)
			continue;
		v[i].mark = PRUNE_APPROVED;
		approved++;
	}
	return approved;
}

const char *prune_mark_name(enum prune_mark m)
{
	static const char *const names[] = { "open", "held", "approved" };

	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}
