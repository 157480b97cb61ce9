/* The prune gate: one manifest revision may remove at most max(min_tenants,
 * percent % of the tenants known before it) tenants without an operator's approval;
 * beyond that every deletion of that revision is held (DESIGN.md "Prune safety"). */
#ifndef BTD_PRUNE_H
#define BTD_PRUNE_H

#include <stdbool.h>
#include <stddef.h>

struct prune_limits {
	size_t min_tenants; /* default 10 */
	double percent;	    /* default 5 (may be fractional) */
};

#define PRUNE_LIMITS_DEFAULT ((struct prune_limits){ 10, 5 })

/* prune_threshold: the most tenant removals one revision may make unapproved. */
size_t prune_threshold(const struct prune_limits *l, size_t known_before);
/* prune_must_hold: true when `removed` removals out of `known_before` need approval. */
bool prune_must_hold(const struct prune_limits *l, size_t removed, size_t known_before);

#endif
