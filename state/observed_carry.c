/* Carrying generations over a listing (observed_carry.h). Equality errs on the side
 * of "changed": every public field of an entry counts, whether the diff reads it
 * today or not, so a field the diff starts to read later is covered already.
 * Profiles, parameters, policies and roles are compared by their content digests
 * (state/observed_digest.h: a group's, the store's policies' and roles' sums, one
 * comparison each), budgets and deny policies (few, and a listing completes its
 * budgets in place) by value. A carry that is too generous would hide a change from
 * a settled tenant; tests/unit/state/test_diff_stamp.c replaces the store by
 * listings (equal, and with hand changes) among its random steps to catch that. */
#include "observed_carry.h"

#include <string.h>

#include "model.h"
#include "strv.h"

/* Groups up to this size are matched entry by entry; larger ones through the maps. */
#define SMALL_GROUP 8

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool tags_same(const struct tag_set *a, const struct tag_set *b)
{
	if (a->n != b->n)
		return false;
	/* interned keys and values: equal strings are mostly the same pointer */
	for (size_t i = 0; i < a->n; i++)
		if (!str_same(tag_set_key(a, i), tag_set_key(b, i)) ||
		    !str_same(tag_set_value(a, i), tag_set_value(b, i)))
			return false;
	return true;
}

static bool strs_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_same(a[i], b[i]))
			return false;
	return true;
}

static bool alert_same(const struct observed_alert *a, const struct observed_alert *b)
{
	return a->threshold == b->threshold && str_same(a->type, b->type) && str_same(a->comparison, b->comparison) &&
	       str_same(a->threshold_type, b->threshold_type) &&
	       strs_same(a->subscribers, a->n_subscribers, b->subscribers, b->n_subscribers);
}

static bool action_same(const struct observed_budget_action *a, const struct observed_budget_action *b)
{
	return a->threshold == b->threshold && str_same(a->id, b->id) && str_same(a->status, b->status) &&
	       str_same(a->action_type, b->action_type) && str_same(a->notification_type, b->notification_type) &&
	       str_same(a->approval_model, b->approval_model) && str_same(a->threshold_type, b->threshold_type) &&
	       str_same(a->policy_arn, b->policy_arn) && str_same(a->execution_role_arn, b->execution_role_arn) &&
	       strs_same(a->roles, a->n_roles, b->roles, b->n_roles);
}

static bool budget_same(const struct observed_budget *a, const struct observed_budget *b)
{
	if (a->cost_filters != b->cost_filters || a->tags_known != b->tags_known || a->listed != b->listed ||
	    a->alerts_known != b->alerts_known || a->alerts_audit != b->alerts_audit || a->n_alerts != b->n_alerts ||
	    a->n_actions != b->n_actions)
		return false;
	if (!str_same(a->name, b->name) ||
	    !str_same(observed_budget_limit_amount(a), observed_budget_limit_amount(b)) ||
	    !str_same(a->limit_unit, b->limit_unit) || !str_same(a->time_unit, b->time_unit) ||
	    !str_same(a->budget_type, b->budget_type) || a->filter_is_tenant != b->filter_is_tenant ||
	    !str_same(a->filter_expression, b->filter_expression) || !str_same(a->metric, b->metric) ||
	    !str_same(observed_budget_actual_spend(a), observed_budget_actual_spend(b)) ||
	    !str_same(observed_budget_forecasted_spend(a), observed_budget_forecasted_spend(b)) ||
	    !tags_same(&a->tags, &b->tags))
		return false;
	for (size_t i = 0; i < a->n_alerts; i++)
		if (!alert_same(&a->alerts[i], &b->alerts[i]))
			return false;
	for (size_t i = 0; i < a->n_actions; i++)
		if (!action_same(&a->actions[i], &b->actions[i]))
			return false;
	return true;
}

static bool deny_same(const struct observed_deny_policy *a, const struct observed_deny_policy *b)
{
	if (a->roles_known != b->roles_known ||
	    (a->roles_known && !strv_equal(a->roles, a->n_roles, b->roles, b->n_roles)))
		return false;
	return a->attachments == b->attachments && str_same(a->name, b->name) && str_same(a->arn, b->arn) &&
	       str_same(a->default_version, b->default_version);
}

/* ---- the groups ---- */

/* Every profile of s with a name holds it in the name index (no two share one). */
static bool names_whole(const struct observed_store *s)
{
	return s->n_named == s->profile_names.n;
}

static bool holds_name(const struct observed_store *s, const struct observed_profile *p)
{
	return !p->name || hashmap_get(&s->profile_names, p->name) == p;
}

/* Profile b of next as prev's group a has it (by ARN: unique in a store), or NULL. */
static const struct observed_profile *prev_profile(const struct observed_store *prev, const struct observed_group *a,
						   const struct observed_profile *b)
{
	if (a->n_profiles > SMALL_GROUP)
		return observed_store_profile(prev, b->arn); /* in a when equal: the same tenant tag */
	for (size_t i = 0; i < a->n_profiles; i++)
		if (str_same(a->profiles[i]->arn, b->arn))
			return a->profiles[i];
	return NULL;
}

static const struct observed_budget *prev_budget(const struct observed_store *prev, const struct observed_group *a,
						 const struct observed_budget *b)
{
	if (a->n_budgets > SMALL_GROUP)
		return observed_store_budget(prev, b->name);
	for (size_t i = 0; i < a->n_budgets; i++)
		if (str_same(a->budgets[i]->name, b->name))
			return a->budgets[i];
	return NULL;
}

/* Group a of prev and b of next hold equal entries (the profiles and parameters by
 * their digests' sum: each entry's digest covers its key, unique in a store; budgets: a match
 * per budget of b and equal counts make the sets equal), each profile holding its
 * name in both or in neither. */
static bool group_same(const struct observed_store *prev, const struct observed_group *a,
		       const struct observed_store *next, const struct observed_group *b, bool names_held,
		       size_t *entries)
{
	if (a->n_profiles != b->n_profiles || a->n_parameters != b->n_parameters || a->n_budgets != b->n_budgets)
		return false;
	++*entries;
	if (!content_digest_equal(a->digest, b->digest))
		return false;
	for (size_t i = 0; !names_held && i < b->n_profiles; i++) {
		const struct observed_profile *p = prev_profile(prev, a, b->profiles[i]);
		if (!p || holds_name(prev, p) != holds_name(next, b->profiles[i]))
			return false;
	}
	for (size_t i = 0; i < b->n_budgets; i++) {
		const struct observed_budget *p = prev_budget(prev, a, b->budgets[i]);
		++*entries;
		if (!p || !budget_same(p, b->budgets[i]))
			return false;
	}
	return true;
}

/* ---- everything outside the groups ---- */

struct counts {
	size_t profiles, parameters, budgets;
};

static void count_group(struct counts *c, const struct observed_group *g)
{
	c->profiles += g->n_profiles;
	c->parameters += g->n_parameters;
	c->budgets += g->n_budgets;
}

static bool untagged(const struct tag_set *tags, bool known)
{
	return !known || !tag_set_get(tags, TAG_TENANT);
}

/* The entries outside every group (untagged, or tags unknown): as many in both, and
 * each of next's equal to prev's of the same key. */
static bool untagged_same(const struct observed_store *prev, const struct counts *in_prev,
			  const struct observed_store *next, const struct counts *in_next, size_t *entries)
{
	size_t pos;
	void *v;

	if (prev->profiles.n - in_prev->profiles != next->profiles.n - in_next->profiles ||
	    prev->parameters.n - in_prev->parameters != next->parameters.n - in_next->parameters ||
	    prev->budgets.n - in_prev->budgets != next->budgets.n - in_next->budgets)
		return false;
	if (next->profiles.n > in_next->profiles) {
		for (pos = 0; hashmap_next(&next->profiles, &pos, NULL, &v);) {
			const struct observed_profile *b = v, *a;
			if (!untagged(&b->tags, b->tags_known))
				continue;
			++*entries;
			a = observed_store_profile(prev, b->arn);
			if (!a || !content_digest_equal(observed_profile_digest(a), observed_profile_digest(b)))
				return false;
		}
	}
	if (next->parameters.n > in_next->parameters) {
		for (pos = 0; hashmap_next(&next->parameters, &pos, NULL, &v);) {
			const struct observed_parameter *b = v, *a;
			if (!untagged(&b->tags, b->tags_known))
				continue;
			++*entries;
			a = observed_store_parameter(prev, b->name);
			if (!a || !content_digest_equal(observed_parameter_digest(a), observed_parameter_digest(b)))
				return false;
		}
	}
	if (next->budgets.n > in_next->budgets) {
		for (pos = 0; hashmap_next(&next->budgets, &pos, NULL, &v);) {
			const struct observed_budget *b = v, *a;
			if (!untagged(&b->tags, b->tags_known))
				continue;
			++*entries;
			a = observed_store_budget(prev, b->name);
			if (!a || !budget_same(a, b))
				return false;
		}
	}
	return true;
}

/* Policies (by role and name, unique in a store) and roles (by name): their sums. */
static bool policies_same(const struct observed_store *prev, const struct observed_store *next, size_t *entries)
{
	++*entries;
	return prev->policies.n == next->policies.n &&
	       content_digest_equal(prev->policies_digest, next->policies_digest);
}

static bool roles_same(const struct observed_store *prev, const struct observed_store *next)
{
	return prev->roles.n == next->roles.n && content_digest_equal(prev->roles_digest, next->roles_digest);
}

static bool denies_same(const struct observed_store *prev, const struct observed_store *next)
{
	size_t pos = 0;
	void *v;

	if (prev->deny_policies.n != next->deny_policies.n)
		return false;
	while (hashmap_next(&next->deny_policies, &pos, NULL, &v)) {
		const struct observed_deny_policy *b = v, *a = observed_store_deny_policy(prev, b->name);
		if (!a || !deny_same(a, b))
			return false;
	}
	return true;
}

static bool rest_same(const struct observed_store *prev, const struct counts *in_prev,
		      const struct observed_store *next, const struct counts *in_next, size_t *entries)
{
	return prev->budgets_listed == next->budgets_listed && prev->enforce_listed == next->enforce_listed &&
	       prev->policies_listed == next->policies_listed && prev->policies_failed == next->policies_failed &&
	       str_same(prev->enforce_error, next->enforce_error) &&
	       str_same(prev->budgets_error, next->budgets_error) &&
	       untagged_same(prev, in_prev, next, in_next, entries) && denies_same(prev, next);
}

/* policies: whether next's policies are its own (a bulk read) and must be compared. */
static bool iam_same(const struct observed_store *prev, const struct observed_store *next, bool policies,
		     size_t *entries)
{
	return prev->policies_listed == next->policies_listed && (!policies || policies_same(prev, next, entries)) &&
	       roles_same(prev, next);
}

void observed_carry(struct observed_store *prev, struct observed_store *next, struct observed_carry_stats *ret)
{
	struct observed_carry_stats st = { 0 };
	struct counts in_prev = { 0 }, in_next = { 0 };
	uint64_t prev_gen = observed_store_gen(prev), prev_policies_gen = observed_store_policies_gen(prev);
	bool own_policies = next->policies_listed, names_held;
	/* a snapshot without a bulk read holds no policy of its own; if it does, its
	 * policies count as changed */
	bool moved_only = own_policies || next->policies.n == 0;
	size_t pos = 0, matched = 0;
	void *v;

	/* moved, not changed: the generations the move takes do not count */
	if (!own_policies)
		observed_store_take_policies(next, prev);
	names_held = names_whole(prev) && names_whole(next);
	while (hashmap_next(&next->groups, &pos, NULL, &v)) {
		struct observed_group *b = v;
		const struct observed_group *a = observed_store_group(prev, b->tenant);
		st.groups++;
		count_group(&in_next, b);
		if (!a)
			continue;
		matched++;
		count_group(&in_prev, a);
		if (group_same(prev, a, next, b, names_held, &st.entries)) {
			b->gen = a->gen;
			st.carried++;
		}
	}
	if (matched < prev->groups.n) { /* groups gone: their entries count too */
		memset(&in_prev, 0, sizeof(in_prev));
		for (pos = 0; hashmap_next(&prev->groups, &pos, NULL, &v);)
			count_group(&in_prev, v);
	}
	if (moved_only && rest_same(prev, &in_prev, next, &in_next, &st.entries)) {
		next->gen = prev_gen;
		st.store_carried = true;
	}
	if (moved_only && iam_same(prev, next, own_policies, &st.entries)) {
		next->policies_gen = prev_policies_gen;
		st.policies_carried = true;
	}
	if (ret)
		*ret = st;
}
