/* Which tenant owns a profile, for usage attribution: the smallest question the
 * invocation logs need answered from the engine's observed model. */
#include <string.h>

#include "engine_impl.h"
#include "xalloc.h"

bool engine_profile_owner(const struct engine *e, const char *arn, const char **ret_tenant, const char **ret_profile,
			  const char **ret_model)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hashmap_next(&e->places, &pos, &key, &v)) {
		const struct place_state *ps = v;
		const struct observed_profile *p = observed_store_profile(&ps->store, arn);
		const char *owner, *tenant, *profile;

		if (!p)
			continue;
		owner = tag_set_get(&p->tags, TAG_MANAGED_BY);
		tenant = tag_set_get(&p->tags, TAG_TENANT);
		profile = tag_set_get(&p->tags, TAG_PROFILE);
		if (!owner || strcmp(owner, e->set.instance) != 0 || !tenant || !profile)
			return false;
		*ret_tenant = tenant;
		*ret_profile = profile;
		*ret_model = p->n_model_arns ? p->model_arns[0] : tag_set_get(&p->tags, TAG_MODEL);
		if (!*ret_model)
			*ret_model = "";
		return true;
	}
	return false;
}

void engine_profile_each(const struct engine *e,
			 void (*fn)(void *arg, const char *arn, const char *tenant, const char *profile,
				    const char *model, const char *place),
			 void *arg)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hashmap_next(&e->places, &pos, &key, &v)) {
		const struct place_state *ps = v;
		size_t ppos = 0;
		void *pv;
		while (hashmap_next(&ps->store.profiles, &ppos, NULL, &pv)) {
			const struct observed_profile *p = pv;
			const char *owner = tag_set_get(&p->tags, TAG_MANAGED_BY);
			const char *tenant = tag_set_get(&p->tags, TAG_TENANT);
			const char *profile = tag_set_get(&p->tags, TAG_PROFILE);
			const char *model = p->n_model_arns ? p->model_arns[0] : tag_set_get(&p->tags, TAG_MODEL);
			if (owner && !strcmp(owner, e->set.instance) && tenant && profile)
				fn(arg, p->arn, tenant, profile, model ? model : "", key);
		}
	}
}

char *engine_profiles_pending(const struct engine *e, const char *account_id, const char *region)
{
	size_t pos = 0, unplaced = 0;
	const char *first = NULL;
	void *v;

	if (!e->started || !e->revision_ended)
		return xstrdup("the manifests are not read yet");
	/* a tenant is given its place by its first reconcile, turns after the revision
	 * (or waits for capacity, with no profile of its own) */
	while (hashmap_next(&e->tenants, &pos, NULL, &v)) {
		const struct tenant_entry *t = v;
		if (!t->place && !tenant_entry_waiting(t) && !t->unparsed && !t->removed && t->desired) {
			if (!unplaced++)
				first = t->id;
		}
	}
	if (unplaced)
		return xasprintf("%zu tenants not placed yet (%s%s)", unplaced, first, unplaced > 1 ? ", ..." : "");
	for (pos = 0; hashmap_next(&e->places, &pos, NULL, &v);) {
		const struct place_state *ps = v;
		if (ps->listed || ps->unknown_account || !ps->place.region || strcmp(ps->place.region, region) ||
		    (ps->place.account_id && account_id && strcmp(ps->place.account_id, account_id)))
			continue;
		return xasprintf("the profiles of place %s are not listed yet%s%s", ps->place.key,
				 ps->list_error ? ": " : "", ps->list_error ? ps->list_error : "");
	}
	return NULL;
}
