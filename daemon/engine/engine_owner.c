/* Which tenant owns a profile, for usage attribution: the smallest question the
 * invocation logs need answered from the engine's observed model. */
#include <string.h>

#include "engine_impl.h"

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
