/* Skipping a settled tenant: a pass over every tenant need not diff one whose inputs
 * did not change since its last settled plan.
 *
 * A plan is settled (diff_plan_settled) when it is empty and says nothing about time:
 * no action, conflict or error, no wake (no grace, drain or wait running), no held or
 * pending deletion. Every use of `now` in the diff either adds an action or a wake, so
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
 * tests/unit/state/test_diff_stamp.c compares a skipping pass with the full pass over
 * random changes of every input. */
#ifndef BTD_DIFF_STAMP_H
#define BTD_DIFF_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"

struct diff_stamp {
	bool set; /* false: nothing settled (never equal to a stamp taken) */
	const struct observed_store *store;
	uint64_t store_gen, tenant_gen, policies_gen;
	/* the digest of the tenant's own policies (set by diff_stamp_note) */
	struct content_digest policies;
	bool budgets_listed, policies_listed;
	const struct tenant_record *record;
	uint64_t record_gen;
	const struct tenant *desired;
	uint64_t context;
	char account_id[24]; /* a copy; "" when unknown */
	bool account_known, account_fits;
	int64_t grace, drain;
	enum deletion_policy deletion_policy;
	bool deletions_held;
};

/* diff_stamp_take: the stamp of in's inputs, in->observed collected (or to be
 * collected) from `store`. */
void diff_stamp_take(const struct diff_settings *s, const struct diff_input *in, const struct observed_store *store,
		     uint64_t context, struct diff_stamp *ret);
/* diff_stamp_same: true when `now` names the very inputs `settled` did (and
 * `settled` is set): the tenant's plan would be empty again. When only the store's
 * policies generation moved and the tenant's own policies are as they were, settled
 * takes the new generation (the next call compares no policy). */
bool diff_stamp_same(struct diff_stamp *settled, const struct diff_stamp *now);
bool diff_plan_settled(const struct plan *p);
/* diff_stamp_note: after a full diff with the inputs of `now`, what the tenant keeps
 * (`now` if p is settled, else nothing). */
void diff_stamp_note(struct diff_stamp *settled, const struct diff_stamp *now, const struct plan *p);

#endif
