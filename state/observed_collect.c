/* One tenant's view of the observed store (observed_tenant_collect): the entries of
 * its group that it owns, and those at its desired names (a profile there owned,
 * foreign or unknown). */
#include <stdlib.h>
#include <string.h>

#include "observed.h"
#include "ownership.h"
#include "xalloc.h"

struct ptr_list {
	const void **v;
	size_t n, alloc;
};

static bool ptr_list_has(const struct ptr_list *l, const void *p)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == p)
			return true;
	return false;
}

static void ptr_list_add(struct ptr_list *l, const void *p)
{
	if (ptr_list_has(l, p))
		return;
	XGROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = p;
}

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && strcmp(a, b) == 0);
}

static bool owned_has_name(const struct ptr_list *owned, const char *name)
{
	for (size_t i = 0; i < owned->n; i++)
		if (same_name(((const struct observed_profile *)owned->v[i])->name, name))
			return true;
	return false;
}

static bool params_have_name(const struct ptr_list *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++)
		if (same_name(((const struct observed_parameter *)params->v[i])->name, name))
			return true;
	return false;
}

/* A profile at one of the tenant's desired names (each derived from its id and the
 * profile's spec) that this instance made for that profile and spec (its tags say
 * so) is the tenant's, whatever tenant its tags name: that tag was edited by hand, and
 * the tenant's diff sets it back. One made by hand at the name is not: a conflict. */
static bool claimed_by_name(const struct observed_profile *p, const char *instance, const struct profile *dp)
{
	const char *key = p->tags_known ? tag_set_get(&p->tags, TAG_PROFILE) : NULL;
	const char *spec = p->tags_known ? tag_set_get(&p->tags, TAG_SPEC) : NULL;

	return tags_owned_by(&p->tags, instance) && key && spec && strcmp(key, dp->key) == 0 &&
	       strcmp(spec, dp->spec_hash) == 0;
}

void observed_tenant_collect(const struct observed_store *s, const char *instance, const char *tenant_id,
			     const struct tenant *desired, struct observed_tenant *ret)
{
	const struct observed_group *g = observed_store_group(s, tenant_id);
	struct ptr_list owned = { 0 }, foreign = { 0 }, unknown = { 0 }, params = { 0 }, budgets = { 0 };
	bool names_unique = s->n_named == s->profile_names.n;

	if (g) {
		for (size_t i = 0; i < g->n_profiles; i++)
			if (owned_by_defined_tenant(s, &g->profiles[i]->tags, g->profiles[i]->name, instance, tenant_id,
						    desired))
				ptr_list_add(&owned, g->profiles[i]);
		for (size_t i = 0; i < g->n_parameters; i++)
			if (owned_by_defined_tenant(s, &g->parameters[i]->tags, g->parameters[i]->name, instance,
						    tenant_id, desired))
				ptr_list_add(&params, g->parameters[i]);
		for (size_t i = 0; i < g->n_budgets; i++)
			if (owned_by_defined_tenant(s, &g->budgets[i]->tags, g->budgets[i]->name, instance, tenant_id,
						    desired))
				ptr_list_add(&budgets, g->budgets[i]);
	}
	if (desired && desired->budget_name) {
		const struct observed_budget *b = observed_store_budget(s, desired->budget_name);
		if (b)
			ptr_list_add(&budgets, b);
	}
	for (size_t i = 0; desired && i < desired->n_profiles; i++) {
		const struct profile *dp = &desired->profiles[i];
		const struct observed_profile *p = NULL;
		const struct observed_parameter *q = NULL;

		/* A name the group's owned entries hold needs no look-up: a parameter's name
		 * is its key, and a profile's names that none share map to the one holding it
		 * (when two share one, the index holds either: looked up). */
		if (dp->name && !(names_unique && owned_has_name(&owned, dp->name)))
			p = observed_store_profile_by_name(s, dp->name);
		if (dp->parameter && !params_have_name(&params, dp->parameter))
			q = observed_store_parameter(s, dp->parameter);

		if (p && !ptr_list_has(&owned, p))
			ptr_list_add(claimed_by_name(p, instance, dp) ? &owned
				     : p->tags_known		      ? &foreign
								      : &unknown,
				     p);
		if (q)
			ptr_list_add(&params, q);
	}
	ret->owned = (const struct observed_profile **)owned.v;
	ret->n_owned = owned.n;
	ret->foreign = (const struct observed_profile **)foreign.v;
	ret->n_foreign = foreign.n;
	ret->unknown = (const struct observed_profile **)unknown.v;
	ret->n_unknown = unknown.n;
	ret->parameters = (const struct observed_parameter **)params.v;
	ret->n_parameters = params.n;
	ret->budgets = (const struct observed_budget **)budgets.v;
	ret->n_budgets = budgets.n;
	ret->budgets_listed = s->budgets_listed;
	ret->store = s;
}

void observed_tenant_release(struct observed_tenant *t)
{
	free(t->owned);
	free(t->foreign);
	free(t->unknown);
	free(t->parameters);
	free(t->budgets);
	memset(t, 0, sizeof(*t));
}
