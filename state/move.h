/* The end of a move (docs/operations.md "Moves"): what is left of a tenant in the
 * place it moved away from, once its set in the new place is Ready (move_out_diff),
 * and, until then, what of that old set may not stay as it is (move_serving_diff).
 * Pure: the old place's observed model, the tenant's record and the time in, a plan
 * out.
 *
 * The old profiles drain for the usual drain time (a TIMER_DRAIN on each ARN, as a
 * replaced profile's); then the old parameters go, then the old profiles (a parameter
 * never names a profile that is not live). When the move left the account, the
 * account's own go too: the tenant's budget there, its budget enforcement (with
 * budget_actions.execution_role configured: the Budgets actions a round before their
 * budget, then the deny policy, detached from every role, once neither an old profile
 * nor an action is left; with retain too), and its inline policy on the roles there
 * once the old profiles are gone; all of them stay, for that place's end to take,
 * while another old place in that account still holds profiles of the tenant
 * (keep_account): they serve its set until it has drained. Within one account the
 * budget, the roles and the deny policy serve the new place as well and are left
 * alone. deletion_policy: retain releases (removes the managed-by tag) instead of
 * deleting; the prune gate's hold stops every deletion. Nothing of the tenant left
 * there: the moving-from fact is cleared.
 *
 * Record keys shared by both places (a parameter's name, a budget's alerts fact, a
 * role's policy fact) belong to the current place: the caller applies these deletes
 * to the old place's model without the record (only profile ARNs are the old
 * place's own). */
#ifndef BTD_MOVE_H
#define BTD_MOVE_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"
#include "observed.h"
#include "plan.h"
#include "record.h"

struct move_input {
	const char *tenant_id;
	const char *from; /* the old place's key ("alias/region"): its moving-from fact */
	const char *to;	  /* the current place's key, for the reasons */
	/* The tenant's definition (the last good one when removed), for the role and
	 * policy names; NULL: none known. */
	const struct tenant *desired;
	enum deletion_policy deletion_policy;
	const struct tenant_record *record;
	const struct observed_tenant *observed; /* the tenant in the old place */
	bool same_account;			/* the old place is in the current place's account */
	/* another old place of the same account still holds profiles of the tenant: the
	 * account's budget, enforcement and role policies are that place's to delete */
	bool keep_account;
	bool deletions_held;
	int64_t now;
};

/* move_out_diff: fills *ret (initialised here; release with plan_release). Returns 1
 * when nothing of the tenant is left in the old place (ret then clears its fact), 0
 * otherwise. s->drain is the drain time. */
int move_out_diff(const struct diff_settings *s, const struct move_input *in, struct plan *ret);

/* move_serving_diff: before the switch (the new set not Ready yet, or the tenant still
 * waiting for a place to move to) the old place serves, and it is not reconciled: its
 * profiles are not made again there (their creates would race the new place's), but
 * a parameter of the tenant there that names a profile that is gone from it (deleted
 * by hand) is deleted, so that SSM never names a profile that is not live. A profile
 * a create answered that no read has shown yet (read-after-write lag) is not judged
 * gone. Fills *ret (initialised here; release with plan_release); in->to may be NULL
 * (no place to move to yet), in->desired too. */
void move_serving_diff(const struct diff_settings *s, const struct move_input *in, struct plan *ret);

/* move_granted_add: the tenant's profiles in an old place of its current account (g,
 * its group in that place's model s) that its role policies grant until they are gone
 * (owned, their models known), appended to v[0..*n) (*alloc its room; borrowed). */
void move_granted_add(const struct observed_store *s, const struct observed_group *g, const char *instance,
		      const char *tenant, const struct observed_profile ***v, size_t *n, size_t *alloc);

/* move_holds_profiles: g (the tenant's group in the model s of one of its old places)
 * holds a profile the tenant owns: that place's end is still to come (a profile
 * released by retain, or another's, is not its). */
bool move_holds_profiles(const struct observed_store *s, const struct observed_group *g, const char *instance,
			 const char *tenant);

/* move_left_in: the tenant still has something in that place that a move would
 * delete there (an owned profile or parameter; an owned budget too when other_account). */
bool move_left_in(const struct observed_tenant *o, const char *instance, bool other_account);

#endif
