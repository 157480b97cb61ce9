/* Placement: which place (account, Region) of a pool a tenant's whole resource set
 * goes to, given each place's quotas and use. Pure arithmetic on arrays the caller
 * owns (the engine builds them from Service Quotas and its listings); no clock, no
 * I/O. The policy (docs/operations.md, "Placement in pools"): among the places of the
 * tenant's Region (any Region of the pool when it wrote none) where every resource it
 * needs fits under the quota, the one with the most free profiles after it, then the
 * most free parameters, then the first in the pool's order (accounts as written, then
 * Regions as written), so that the choice is stable. */
#ifndef BTD_PLACEMENT_H
#define BTD_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum placement_kind {
	PLACEMENT_PROFILES,   /* per account and Region */
	PLACEMENT_PARAMETERS, /* per account and Region */
	PLACEMENT_BUDGETS,    /* per account: every place of the account shares one count */
	PLACEMENT__KINDS,
};

struct placement_place {
	const char *account; /* alias: places of one account share the budgets */
	const char *region;
	bool usable; /* listed, its quotas known (read or assumed) */
	uint64_t quota[PLACEMENT__KINDS];
	uint64_t used[PLACEMENT__KINDS]; /* listed, plus what placed tenants still need */
};

struct placement_need {
	uint64_t n[PLACEMENT__KINDS];
	/* its models decide which places' Regions can serve it (state/model_region.h);
	 * NULL: any (borrowed) */
	const struct tenant *models;
};

/* placement_need_of: one profile and one parameter per profile, one budget when it
 * has one, in a Region that serves its models. */
void placement_need_of(const struct tenant *t, struct placement_need *ret);
/* placement_free: how many of kind are left in p (0 when over). */
uint64_t placement_free(const struct placement_place *p, enum placement_kind kind);
/* placement_choose: the index of the place chosen for need among v[0..n) (region NULL:
 * any) whose Region serves its models, or -ENOSPC when it fits nowhere. */
int placement_choose(const struct placement_place *v, size_t n, const struct placement_need *need, const char *region,
		     size_t *ret);
/* placement_reserve: need is counted as used in v[i] (and its budgets in every place
 * of the same account). placement_unreserve undoes it (never below 0). */
void placement_reserve(struct placement_place *v, size_t n, size_t i, const struct placement_need *need);
void placement_unreserve(struct placement_place *v, size_t n, size_t i, const struct placement_need *need);
/* placement_reason: why need fits nowhere, e.g. "pool default: no account-region with
 * 2 free profiles" (the first kind short everywhere), or "pool default: none of its
 * Regions serves the tenant's models: eu.* profiles serve ..."; caller frees. */
char *placement_reason(const char *pool, const struct placement_place *v, size_t n, const struct placement_need *need,
		       const char *region);
/* placement_quota_kind: the kind an AWS quota error on a create of action kind means
 * (ServiceQuotaExceededException, ParameterLimitExceeded, CreationLimitExceededException,
 * LimitExceededException), or -1 when code is not a quota error. create: 0 profile,
 * 1 parameter, 2 budget. */
int placement_quota_kind(const char *code, int create);
const char *placement_kind_name(enum placement_kind kind);

#endif
