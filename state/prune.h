/* The prune gate (DESIGN.md "Prune safety"). Its window holds every tenant removal not
 * yet carried out: a tenant whose manifest is gone and that still has resources in AWS,
 * whether its grace period runs, its deletions are held, approved and waiting, or being
 * made. A tenant leaves the window once nothing of it is left. When the window holds
 * more than max(min_tenants, percent % of the known tenants), every removal in it that
 * an operator has not approved is held, whatever batches the removals came in; a held
 * removal stays held until it is approved or its manifest comes back. An approval
 * releases exactly the removals held at that moment: a later removal is judged like
 * any other, and the approved ones still count until they are carried out. */
#ifndef BTD_PRUNE_H
#define BTD_PRUNE_H

#include <stdbool.h>
#include <stddef.h>

struct prune_limits {
	size_t min_tenants; /* default 10 */
	double percent;	    /* default 5 (may be fractional) */
};

#define PRUNE_LIMITS_DEFAULT ((struct prune_limits){ 10, 5 })

/* A removal's standing at the gate. */
enum prune_mark {
	PRUNE_OPEN,	/* not held: its deletions go when its grace period ends */
	PRUNE_HELD,	/* waits for an operator */
	PRUNE_APPROVED, /* an operator released it: never held again */
};

/* One removal in the window; `tenant` is borrowed. */
struct prune_entry {
	const char *tenant;
	enum prune_mark mark;
};

/* prune_threshold: the most removals the window may hold without approval. */
size_t prune_threshold(const struct prune_limits *l, size_t known);
/* prune_must_hold: true when `pending` removals among `known` tenants need approval. */
bool prune_must_hold(const struct prune_limits *l, size_t pending, size_t known);
/* prune_judge: judges the whole window v[0..n) (every removal not yet carried out)
 * among `known` tenants (removed ones included): when it holds too many, every open
 * entry becomes PRUNE_HELD. Returns how many entries were newly held. */
size_t prune_judge(const struct prune_limits *l, struct prune_entry *v, size_t n, size_t known);
/* prune_approve: every held entry of v[0..n) becomes PRUNE_APPROVED; returns how many. */
size_t prune_approve(struct prune_entry *v, size_t n);
/* prune_mark_name: "open", "held", "approved". */
const char *prune_mark_name(enum prune_mark m);

#endif
