/* The pure reconcile core: diff(desired, observed, record, now) -> plan, for one
 * tenant in one (account, region). No I/O, no clock: time is a parameter.
 *
 * Safety rules encoded here (DESIGN.md "Reconcile semantics"): only resources tagged
 * managed-by == instance are touched; a same-named resource owned by someone else is a
 * conflict, left alone; replacement is create-before-delete with a drain; every other
 * deletion waits a grace period and obeys the prune gate (deletions_held) and the
 * deletion policy (retain releases instead of deleting); a parameter never names a
 * profile that is not live; tags whose keys start with "aws:" and keys the daemon never
 * applied are left alone. */
#ifndef BTD_DIFF_H
#define BTD_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "observed.h"
#include "plan.h"
#include "record.h"

struct diff_settings {
	const char *instance;	/* the managed-by tag value */
	const char *account_id; /* 12 digits, for system-profile copyFrom ARNs; NULL: unknown */
	int64_t grace;		/* seconds an undesired resource lives on before deletion */
	int64_t drain;		/* seconds a replaced profile lives on after the switch */
	/* budget_actions.execution_role: the role name Budgets assumes for enforcement;
	 * NULL: not configured (the manifests refuse enforce then). */
	const char *execution_role;
	/* The place's Region, where model ARNs (copyFrom) point; NULL: the tenant's
	 * spec.region (or the configuration's). A pool places a tenant without
	 * spec.region in any Region of the pool. */
	const char *region;
};

struct diff_input {
	const char *tenant_id;
	/* The tenant's desired definition in this (account, region); NULL when the
	 * tenant (or its presence here) is gone with certainty. */
	const struct tenant *desired;
	/* What to do with resources that are no longer desired. */
	enum deletion_policy deletion_policy;
	const struct tenant_record *record; /* NULL: nothing remembered */
	const struct observed_tenant *observed;
	bool deletions_held; /* the prune gate holds this tenant's deletions */
	int64_t now;
	uint64_t nonce; /* random: part of a new create intent's token */
	/* The tenant's profiles still live in a place of the same account it is moving
	 * from (state/move.h): its role policies grant them too until they are gone. */
	const struct observed_profile *const *also_granted;
	size_t n_also_granted;
	/* A look ahead: a diff whose policy writes are not carried out as planned (the
	 * engine's parameter published as its profile's create is answered, the rest left
	 * to the round it anticipates; a plan's simulation, state/simulate.h, whose
	 * created profiles are made up). Its policy documents' digests are not remembered in the
	 * policy memo (state/policy_memo.h): drawn from part of the tenant's profiles or
	 * from made-up ones, their keys would name documents that no record ever holds, so
	 * that no pass would forget them (the engine's: an entry a tenant with two or three
	 * profiles, kept for the process's life). */
	bool lookahead;
};

/* diff_tenant: fills *ret (initialised here; release with plan_release). Returns 0;
 * problems with the desired state itself go to ret->error, conflicts to
 * ret->conflicts. */
int diff_tenant(const struct diff_settings *s, const struct diff_input *in, struct plan *ret);

/* The tags a profile / its parameter must carry: tenant tags, then the profile's own
 * (which win), then the reserved ownership tags. */
void diff_profile_tags(const struct diff_settings *s, const struct tenant *t, const struct profile *p,
		       const char *model_arn, struct tag_set *ret);
void diff_parameter_tags(const struct diff_settings *s, const struct tenant *t, const struct profile *p,
			 struct tag_set *ret);

/* diff_model_arn: the copyFrom ARN of p in `region` (NULL: the tenant's region); NULL
 * when it needs an account id that is unknown. Owned by the caller. */
char *diff_model_arn(const struct tenant *t, const struct profile *p, const char *region, const char *account_id);
/* diff_client_token: the clientRequestToken of one create intent. It is made durable
 * with the intent before the create is sent and reused by every retry of that intent
 * (a crash included); `nonce` keeps a new intent's token apart from every earlier one
 * of the same name (whose token AWS would answer with the earlier, perhaps dead,
 * profile). */
char *diff_client_token(const char *instance, const char *tenant_id, const char *name, int64_t since, uint64_t nonce);
/* The AWS partition of a region ("aws", "aws-cn", "aws-us-gov"). */
const char *region_partition(const char *region);

#endif
