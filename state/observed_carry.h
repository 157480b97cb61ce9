/* Carrying generations over a listing: a new listing's snapshot replaces a place's
 * observed store, and every generation of the new store is new (state/generation.h),
 * so without a carry every tenant of the place would be diffed in full after each
 * listing. observed_carry compares the two stores by content (every public field of
 * every entry, the name index, policies, roles, deny policies and the listing
 * flags; profiles, parameters, policies and roles through their digests and the
 * sums kept of them, state/observed_digest.h) and gives the new store the old
 * generations of what did not change: a tenant whose group is equal keeps its group
 * generation, the store keeps its own when everything outside the groups but
 * policies and roles is equal, and its policies' generation when those are. Anything that differs keeps the new, never
 * handed out, generation, so a settled stamp (state/diff_stamp.h) matches again only for inputs equal to the ones it
 * was taken with. Pure: no I/O, no clock. */
#ifndef BTD_OBSERVED_CARRY_H
#define BTD_OBSERVED_CARRY_H

#include <stdbool.h>
#include <stddef.h>

#include "observed.h"

struct observed_carry_stats {
	size_t groups;	       /* groups of next */
	size_t carried;	       /* of which kept prev's generation */
	bool store_carried;    /* next kept prev's store generation */
	bool policies_carried; /* and its policies' (policies and roles) */
	/* values compared: digests (a group's sum, the policies' sum, an untagged entry's), budgets */
	size_t entries;
};

/* observed_carry: `next` (complete, with the daemon's writes since the listing
 * started replayed over it) is to replace `prev`. When next->policies_listed is
 * false, prev's policies move into next first (observed_store_take_policies: read one
 * by one, they outlive listings) and count as unchanged. Then next takes prev's
 * generations wherever their content is equal. prev keeps its entries (and loses its
 * policies as above): the caller releases it. *ret (may be NULL) says what was
 * carried. */
void observed_carry(struct observed_store *prev, struct observed_store *next, struct observed_carry_stats *ret);

#endif
