/* Placement arithmetic: see placement.h for the policy. */
#include <errno.h>
#include <string.h>

#include "model_region.h"
#include "placement.h"
#include "xalloc.h"

static const char *const kind_names[PLACEMENT__KINDS] = { "profiles", "parameters", "budgets" };

const char *placement_kind_name(enum placement_kind kind)
{
	return (unsigned)kind < PLACEMENT__KINDS ? kind_names[kind] : "?";
}

void placement_need_of(const struct tenant *t, struct placement_need *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->n[PLACEMENT_PROFILES] = t->n_profiles;
	ret->n[PLACEMENT_PARAMETERS] = t->n_profiles;
	ret->n[PLACEMENT_BUDGETS] = t->budget ? 1 : 0;
	ret->models = t;
}

uint64_t placement_free(const struct placement_place *p, enum placement_kind kind)
{
	return p->used[kind] < p->quota[kind] ? p->quota[kind] - p->used[kind] : 0;
}

static bool in_region(const struct placement_place *p, const char *region)
{
	return !region || (p->region && !strcmp(p->region, region));
}

/* Whether p's Region can serve need's models (a system profile's geography, a model
 * ARN's Region): asked once per Region of a call, not once per place (a pool is many
 * accounts over a few Regions, and a start places every tenant). */
struct serve_memo {
	const char *region[8];
	bool ok[8];
	unsigned n;
};

static bool serves(const struct placement_place *p, const struct placement_need *need, struct serve_memo *m)
{
	bool ok;

	if (!need->models || !p->region)
		return true;
	for (unsigned i = 0; i < m->n; i++)
		if (m->region[i] == p->region || !strcmp(m->region[i], p->region))
			return m->ok[i];
	ok = !tenant_region_check(need->models, p->region);
	if (m->n < sizeof(m->region) / sizeof(m->region[0])) {
		m->region[m->n] = p->region;
		m->ok[m->n++] = ok;
	}
	return ok;
}

static bool fits(const struct placement_place *p, const struct placement_need *need, int kind)
{
	if (!p->usable)
		return false;
	for (int k = 0; k < PLACEMENT__KINDS; k++)
		if ((kind < 0 || k == kind) && placement_free(p, (enum placement_kind)k) < need->n[k])
			return false;
	return true;
}

int placement_choose(const struct placement_place *v, size_t n, const struct placement_need *need, const char *region,
		     size_t *ret)
{
	size_t best = n;
	struct serve_memo memo = { .n = 0 };

	for (size_t i = 0; i < n; i++) {
		if (!in_region(&v[i], region) || !serves(&v[i], need, &memo) || !fits(&v[i], need, -1))
			continue;
		if (best == n ||
		    placement_free(&v[i], PLACEMENT_PROFILES) > placement_free(&v[best], PLACEMENT_PROFILES) ||
		    (placement_free(&v[i], PLACEMENT_PROFILES) == placement_free(&v[best], PLACEMENT_PROFILES) &&
		     placement_free(&v[i], PLACEMENT_PARAMETERS) > placement_free(&v[best], PLACEMENT_PARAMETERS)))
			best = i;
	}
	if (best == n)
		return -ENOSPC;
	*ret = best;
	return 0;
}

static bool same_account(const struct placement_place *a, const struct placement_place *b)
{
	return a == b || (a->account && b->account && !strcmp(a->account, b->account));
}

void placement_reserve(struct placement_place *v, size_t n, size_t i, const struct placement_need *need)
{
	v[i].used[PLACEMENT_PROFILES] += need->n[PLACEMENT_PROFILES];
	v[i].used[PLACEMENT_PARAMETERS] += need->n[PLACEMENT_PARAMETERS];
	for (size_t j = 0; j < n; j++)
		if (same_account(&v[i], &v[j]))
			v[j].used[PLACEMENT_BUDGETS] += need->n[PLACEMENT_BUDGETS];
}

static void sub(uint64_t *x, uint64_t d)
{
	*x = *x > d ? *x - d : 0;
}

void placement_unreserve(struct placement_place *v, size_t n, size_t i, const struct placement_need *need)
{
	sub(&v[i].used[PLACEMENT_PROFILES], need->n[PLACEMENT_PROFILES]);
	sub(&v[i].used[PLACEMENT_PARAMETERS], need->n[PLACEMENT_PARAMETERS]);
	for (size_t j = 0; j < n; j++)
		if (same_account(&v[i], &v[j]))
			sub(&v[j].used[PLACEMENT_BUDGETS], need->n[PLACEMENT_BUDGETS]);
}

char *placement_reason(const char *pool, const struct placement_place *v, size_t n, const struct placement_need *need,
		       const char *region)
{
	bool any = false, served = false, known = false;
	const char *why = NULL;
	struct serve_memo memo = { .n = 0 };

	for (size_t i = 0; i < n; i++) {
		any |= in_region(&v[i], region);
		if (in_region(&v[i], region) && !serves(&v[i], need, &memo) && !why)
			why = tenant_region_check(need->models, v[i].region);
		served |= in_region(&v[i], region) && serves(&v[i], need, &memo);
		known |= in_region(&v[i], region) && serves(&v[i], need, &memo) && v[i].usable;
	}
	if (!any)
		return xasprintf("pool %s: no account-region in %s", pool, region ? region : "any Region");
	if (!served)
		return xasprintf("pool %s: none of its Regions%s%s serves the tenant's models: %s", pool,
				 region ? " in " : "", region ? region : "", why ? why : "?");
	if (!known)
		return xasprintf("pool %s: the capacity of its account-regions is not known yet", pool);
	for (int k = 0; k < PLACEMENT__KINDS; k++) {
		bool somewhere = false;
		for (size_t i = 0; i < n && !somewhere; i++)
			somewhere = in_region(&v[i], region) && serves(&v[i], need, &memo) && fits(&v[i], need, k);
		if (!somewhere)
			return xasprintf("pool %s: no account-region%s%s with %llu free %s", pool, region ? " in " : "",
					 region ? region : "", (unsigned long long)need->n[k],
					 need->n[k] == 1 ? (k == PLACEMENT_PROFILES	? "profile"
							    : k == PLACEMENT_PARAMETERS ? "parameter"
											: "budget")
							 : kind_names[k]);
	}
	return xasprintf(
		"pool %s: no account-region%s%s with room for %llu profiles, %llu parameters and %llu "
		"budgets together",
		pool, region ? " in " : "", region ? region : "", (unsigned long long)need->n[PLACEMENT_PROFILES],
		(unsigned long long)need->n[PLACEMENT_PARAMETERS], (unsigned long long)need->n[PLACEMENT_BUDGETS]);
}

int placement_quota_kind(const char *code, int create)
{
	static const char *const codes[] = { "ServiceQuotaExceededException", "ParameterLimitExceeded",
					     "CreationLimitExceededException", "LimitExceededException" };
	bool quota = false;

	if (!code || create < 0 || create >= PLACEMENT__KINDS)
		return -1;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		quota |= !strcmp(code, codes[i]);
	return quota ? create : -1;
}
