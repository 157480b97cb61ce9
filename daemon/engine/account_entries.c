/* The account's budgets and inline role policies, held once.
 *
 * Budgets and IAM are the account's, not a Region's: each listing of the account's
 * places reads them all, and each place's model held every budget and inline policy,
 * twice over for an account in two Regions. A listing now leaves out the budgets and
 * role policies of the tenants placed in the account's other places (each holds its
 * own tenants'), unless the tenant is moving (its old place reports it until its new
 * set is Ready) or one of the place's own tenants derives the same name. */
#include "engine_impl.h"

#include <stdlib.h>

void engine__account_left_elsewhere(struct engine *e, const struct place_state *ps, struct hashmap *budgets,
				    struct hashmap *policies)
{
	size_t pos = 0, at;
	void *v, *m;
	char *key;

	hashmap_init_borrowed(budgets);
	hashmap_init(policies);
	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		const struct place_state *other = v;
		if (other == ps || !place_same_account(&other->place, &ps->place))
			continue;
		for (at = 0; hashmap_next(&other->members, &at, NULL, &m);) {
			const struct tenant_entry *t = m;
			if (!t->desired || t->removed || engine__moving(t))
				continue;
			if (t->desired->budget_name)
				hashmap_put(budgets, t->desired->budget_name, (void *)t->id);
			for (size_t r = 0; r < t->desired->n_roles; r++) {
				key = observed_policy_key(t->desired->roles[r], t->desired->policy_name);
				hashmap_put(policies, key, (void *)t->id);
				free(key);
			}
		}
	}
	for (at = 0; (budgets->n || policies->n) && hashmap_next(&ps->members, &at, NULL, &m);) {
		const struct tenant_entry *t = m;
		if (!t->desired)
			continue;
		if (t->desired->budget_name)
			hashmap_remove(budgets, t->desired->budget_name);
		for (size_t r = 0; r < t->desired->n_roles; r++) {
			key = observed_policy_key(t->desired->roles[r], t->desired->policy_name);
			hashmap_remove(policies, key);
			free(key);
		}
	}
}

/* The store of another place of to's account that holds what found() looks for. */
static const struct observed_store *held_elsewhere(struct engine *e, const struct place_state *to,
						   const void *(*found)(const struct observed_store *s,
									const void *what),
						   const void *what, const void **ret)
{
	size_t pos = 0;
	void *v;

	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		const struct place_state *from = v;
		if (from != to && place_same_account(&from->place, &to->place) && (*ret = found(&from->store, what)))
			return &from->store;
	}
	return NULL;
}

static const void *find_budget(const struct observed_store *s, const void *name)
{
	return observed_store_budget(s, name);
}

struct policy_ref {
	const char *role, *name;
};

static const void *find_policy(const struct observed_store *s, const void *what)
{
	const struct policy_ref *p = what;

	return observed_store_policy(s, p->role, p->name);
}

void engine__account_bring(struct engine *e, const struct tenant_entry *t, struct place_state *to)
{
	const struct tenant *d = t->desired;
	const void *found;

	if (!d)
		return;
	if (d->budget_name && to->store.budgets_elsewhere && !observed_store_budget(&to->store, d->budget_name) &&
	    held_elsewhere(e, to, find_budget, d->budget_name, &found)) {
		observed_store_put_budget(&to->store, observed_budget_dup(found));
		to->store.budgets_elsewhere--;
	}
	for (size_t r = 0; to->store.policies_listed && r < d->n_roles; r++) {
		struct policy_ref ref = { d->roles[r], d->policy_name };
		if (!observed_store_policy(&to->store, ref.role, ref.name) &&
		    held_elsewhere(e, to, find_policy, &ref, &found))
			observed_store_bring_policy(&to->store, found);
	}
}

void engine__account_bring_left_out(struct engine *e, struct place_state *ps)
{
	const char *id;
	size_t pos = 0;

	while (hashmap_next(&ps->listing_elsewhere, &pos, &id, NULL)) {
		const struct tenant_entry *t = engine__entry(e, id);
		if (t && t->place == &ps->place)
			engine__account_bring(e, t, ps);
	}
	hashmap_release(&ps->listing_elsewhere, NULL);
}
