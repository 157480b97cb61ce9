/* Skipping a settled tenant: a pass over every tenant need not diff one whose inputs
 * did not change since its last settled plan.
 *
 * A plan is settled (diff_plan_settled) when it is empty and says nothing about time:
 * no action, conflict or error, no wake (no grace, drain or wait running), no held or
 * pending deletion; nor is the tenant over budget (a skip ends with an empty plan,
 * and the tenant's OverBudget comes from its plan: an over-budget tenant, one of a
 * few, is diffed each time). Every use of `now` in the diff either adds an action or a wake, so
 * diff_tenant given the same inputs returns the same settled plan at any later time
 * (and `nonce` only enters a create's token).
 *
 * The inputs are named by a diff_stamp: the observed store and the generations of the
 * tenant's slice of it, of its policies and roles and of the rest of it
 * (observed_store_tenant_gen, observed_store_policies_gen, observed_store_gen), the
 * tenant's own policies (below), the record and its generation, the desired tenant (by address:
 * never changed in place; a caller that replaces it clears the tenant's settled
 * stamp, since a new definition may be allocated where the old one was), the account
 * id, grace and drain, the deletion policy and the prune gate's hold. `context` is the
 * caller's: it must change whenever anything else a diff reads changes (the engine: a
 * new configuration, which may change the instance name). A tenant settled in view of its own
 * slice only: with a settled plan every desired name is held by an entry tagged with
 * the tenant (a foreign or unknown entry at such a name is not looked at), so entries
 * tagged with other tenants cannot change its plan; entries without a tenant tag
 * change observed_store_gen, which every stamp holds. Of the policies and roles a
 * settled plan read only the tenant's own policies (its policy name on each of its
 * roles: with each current, nothing else is looked at): when the store's policies
 * generation moved (a policy written or edited by hand, of any tenant), the tenant's
 * stamp still holds if the digest of its own policies is the one it was settled
 * with, so that one tenant's policy does not make the whole place diffed again. A
 * listing's new store takes the old generations of what it shows unchanged
 * (observed_carry.h).
 *
 * A tenant keeps no copy of those inputs (struct diff_settled, one per tenant): a
 * 128-bit digest of the ones compared for equality, and the policies generation with
 * the digest of its own policies.
 *
 * tests/unit/state/test_diff_stamp.c compares a skipping pass with the full pass over
 * random changes of every input. */
#ifndef BTD_DIFF_STAMP_H
#define BTD_DIFF_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"

/* An account id of this many characters or more (an AWS one has 12 digits) settles
 * nothing: such a tenant is always diffed. */
#define DIFF_STAMP_ACCOUNT_MAX 24

/* The stamp of one pass's inputs (diff_stamp_take), on the caller's stack: what a
 * tenant keeps of it is a struct diff_settled. */
struct diff_stamp {
	/* a 128-bit digest of every input compared for equality (all but the store's
	 * policies generation); never all zeros */
	struct content_digest inputs;
	uint64_t policies_gen;
	/* to digest the tenant's own policies (diff_stamp_same, diff_stamp_note) */
	const struct observed_store *store;
	const struct tenant *desired;
	bool account_fits; /* false: the account id is too long to settle (above) */
};

/* What a tenant keeps of its last settled plan's stamp, one per tenant (40 bytes):
 * the inputs' digest, and the policies generation it was settled (or last found
 * unchanged) under with the digest of its own policies then. Zeroed
 * (diff_stamp_clear): nothing settled, never equal to a stamp taken. */
struct diff_settled {
	struct content_digest inputs; /* all zeros: nothing settled */
	struct content_digest policies;
	uint64_t policies_gen;
};

/* diff_stamp_take: the stamp of in's inputs, in->observed collected (or to be
 * collected) from `store`. */
void diff_stamp_take(const struct diff_settings *s, const struct diff_input *in, const struct observed_store *store,
		     uint64_t context, struct diff_stamp *ret);
/* diff_stamp_same: true when `now` names the very inputs `settled` was noted with
 * (and `settled` is set): the tenant's plan would be empty again. When only the
 * store's policies generation moved and the tenant's own policies are as they were,
 * settled takes the new generation (the next call compares no policy). Two stamps of
 * different inputs share a digest with a chance of about 2^-128 (the inputs are the
 * daemon's own: a fast well-mixed hash, not a cryptographic one). */
bool diff_stamp_same(struct diff_settled *settled, const struct diff_stamp *now);
bool diff_plan_settled(const struct plan *p);
/* diff_stamp_note: after a full diff with the inputs of `now`, what the tenant keeps
 * (`now` if p is settled, else nothing). */
void diff_stamp_note(struct diff_settled *settled, const struct diff_stamp *now, const struct plan *p);
/* diff_stamp_clear: nothing settled (a new definition, a move). */
void diff_stamp_clear(struct diff_settled *settled);

#endif
