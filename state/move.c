/* The end of a move in the old place: see move.h for the rules. */
#include "move.h"

#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "enforce_spec.h"
#include "ownership.h"
#include "xalloc.h"

static bool owned_param(const struct observed_parameter *q, const char *instance)
{
	return q->tags_known && tags_owned_by(&q->tags, instance);
}

static bool owned_budget(const struct observed_budget *b, const char *instance)
{
	return b->tags_known && tags_owned_by(&b->tags, instance);
}

void move_granted_add(const struct observed_store *s, const struct observed_group *g, const char *instance,
		      const char *tenant, const struct observed_profile ***v, size_t *n, size_t *alloc)
{
	for (size_t k = 0; g && k < g->n_profiles; k++) {
		const struct observed_profile *p = g->profiles[k];
		if (p->models_unknown || !owned_by_tenant(s, &p->tags, p->name, instance, tenant))
			continue;
		XGROW(*v, *n + 1, *alloc);
		(*v)[(*n)++] = p;
	}
}

bool move_holds_profiles(const struct observed_store *s, const struct observed_group *g, const char *instance,
			 const char *tenant)
{
	for (size_t k = 0; g && k < g->n_profiles; k++)
		if (owned_by_tenant(s, &g->profiles[k]->tags, g->profiles[k]->name, instance, tenant))
			return true;
	return false;
}

bool move_left_in(const struct observed_tenant *o, const char *instance, bool other_account)
{
	for (size_t i = 0; i < o->n_parameters; i++)
		if (owned_param(o->parameters[i], instance))
			return true;
	for (size_t i = 0; other_account && i < o->n_budgets; i++)
		if (owned_budget(o->budgets[i], instance))
			return true;
	return o->n_owned > 0;
}

/* An owned parameter of the old place still names arn: the parameter goes first. */
static bool named_by_parameter(const struct observed_tenant *o, const char *instance, const char *arn)
{
	for (size_t i = 0; i < o->n_parameters; i++)
		if (owned_param(o->parameters[i], instance) && o->parameters[i]->value &&
		    !strcmp(o->parameters[i]->value, arn))
			return true;
	return false;
}

/* A create of the record answered arn and no read has shown it since: a listing
 * without it may lag behind. */
static bool answered_unseen(const struct tenant_record *r, const char *arn)
{
	for (size_t i = 0; r && i < r->n_intents; i++)
		if (r->intents[i].arn && !r->intents[i].confirmed && !strcmp(r->intents[i].arn, arn))
			return true;
	return false;
}

void move_serving_diff(const struct diff_settings *s, const struct move_input *in, struct plan *ret)
{
	const struct observed_tenant *o = in->observed;

	plan_init(ret);
	for (size_t i = 0; i < o->n_parameters; i++) {
		const struct observed_parameter *q = o->parameters[i];
		const char *tenant = q->tags_known ? tag_set_get(&q->tags, TAG_TENANT) : NULL;
		struct action *a;

		if (!owned_param(q, s->instance) || !tenant || strcmp(tenant, in->tenant_id) || !q->value ||
		    observed_store_profile(o->store, q->value) || answered_unseen(in->record, q->value))
			continue;
		a = plan_add(ret, ACT_PARAM_DELETE,
			     "parameter %s in %s names %s, which is gone (the old set serves "
			     "until the move to %s is Ready, and is not made again)",
			     q->name, in->from, q->value, in->to ? in->to : "another place");
		a->resource = xstrdup(q->name);
		a->profile_key = xstrdup_or_null(tag_set_get(&q->tags, TAG_PROFILE));
		a->origin = ORIGIN_MOVE;
	}
}

static struct action *release(struct plan *p, enum action_kind kind, const char *resource, const char *from)
{
	struct action *a = plan_add(p, kind, "%s released in %s, left by a move (deletion_policy: retain)", resource,
				    from);

	a->resource = xstrdup(resource);
	a->keys = xcalloc(1, sizeof(char *));
	a->keys[0] = xstrdup(TAG_MANAGED_BY);
	a->n_keys = 1;
	a->destructive = true;
	a->origin = ORIGIN_MOVE;
	return a;
}

/* The roles whose inline policy (the tenant's policy name) the tenant may have in
 * the old account: its roles, and those of the policies it applied. */
static bool policy_role(const struct move_input *in, const char *role)
{
	for (size_t i = 0; i < in->desired->n_roles; i++)
		if (!strcmp(in->desired->roles[i], role))
			return true;
	return false;
}

/* The tenant's inline policies on the old account's roles: deleted once its old
 * profiles are gone. Returns how many may still be there. */
static size_t diff_old_policies(const struct diff_settings *s, const struct move_input *in, struct plan *ret,
				bool may_delete)
{
	const struct observed_store *st = in->observed->store;
	const char *name = in->desired ? in->desired->policy_name : NULL;
	const struct tenant_record *r = in->record;
	const char *key_role, *policy;
	size_t role_len;
	size_t left = 0, n_roles = 0;
	char **roles;

	(void)s;
	if (!name || !st)
		return 0;
	roles = xcalloc(in->desired->n_roles + (r ? r->n_facts : 0) + 1, sizeof(char *));
	for (size_t i = 0; i < in->desired->n_roles; i++)
		roles[n_roles++] = xstrdup(in->desired->roles[i]);
	for (size_t at = 0; record_policy_fact_next(r, &at, &key_role, &role_len, &policy, NULL);) {
		char *role = xstrndup(key_role, role_len);
		if (strcmp(policy, name) != 0 || policy_role(in, role))
			free(role);
		else
			roles[n_roles++] = role;
	}
	for (size_t i = 0; i < n_roles; i++) {
		const struct observed_policy *live = observed_store_policy(st, roles[i], name);
		struct action *a = NULL;
		if (observed_policy_exists(live)) {
			left++;
			if (may_delete)
				a = plan_add(ret, ACT_POLICY_DELETE,
					     "%s: its grants for the profiles in %s go with them", roles[i], in->from);
			if (a) {
				a->destructive = true;
				a->origin = ORIGIN_MOVE;
			}
		} else if (!live && !st->policies_listed) {
			left++;
			if (may_delete)
				(a = plan_add(ret, ACT_POLICY_READ, "%s: the tenant's policy in %s may be left",
					      roles[i], in->from))
					->since = in->now;
		}
		if (a) {
			a->role = xstrdup(roles[i]);
			a->name = xstrdup(name);
		}
		free(roles[i]);
	}
	free(roles);
	return left;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* b holds an enforcement action of the tenant (as far as the listing read them). */
static bool has_enforcement(const struct diff_settings *s, const struct move_input *in, const struct observed_budget *b)
{
	char *name;
	bool any = false;

	if (!s->execution_role || !in->observed->store || !in->observed->store->enforce_listed)
		return false;
	name = enforce_policy_name(in->tenant_id);
	for (size_t k = 0; k < b->n_actions && !any; k++)
		any = enforce_action_attaches(&b->actions[k], name);
	free(name);
	return any;
}

/* The tenant's deny policy, detached first from its roles (and from every role
 * ListEntitiesForPolicy names, which the call itself reads). */
static void delete_deny_policy(struct plan *ret, const struct move_input *in, const char *name,
			       const struct observed_deny_policy *live)
{
	const struct tenant *t = in->desired;
	struct action *a = plan_add(ret, ACT_DENY_POLICY_DELETE, "%s: the tenant's enforcement left %s", name,
				    in->from);
	size_t n = t ? t->n_roles : 0;

	a->name = xstrdup(name);
	a->resource = xstrdup(live->arn);
	a->destructive = true;
	a->origin = ORIGIN_MOVE;
	a->roles = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		a->roles[a->n_roles++] = xstrdup(t->roles[i]);
	if (a->n_roles)
		qsort(a->roles, a->n_roles, sizeof(char *), cmp_str);
}

/* The tenant's budget enforcement in the old account (docs/manifest.md "Enforcement"),
 * when the account's own go from this place: its Budgets actions go with the drain (a
 * round before their budget), then its deny policy, once no old profile it denies and
 * no action that attaches it is left. Retain deletes them too: nobody would manage a
 * deny policy left behind. Returns how much of it may still be there: with the
 * enforcement not listed there (the listing could not read it) a tenant that
 * enforces, or did, may have some. */
static size_t diff_old_enforcement(const struct diff_settings *s, const struct move_input *in, struct plan *ret,
				   bool may_delete)
{
	const struct observed_tenant *o = in->observed;
	const struct observed_store *st = o->store;
	const struct tenant *t = in->desired;
	const struct observed_deny_policy *live;
	size_t left = 0, actions = 0;
	char *name, *fact;

	if (!s->execution_role || !st)
		return 0; /* nothing of enforcement is read or made without it */
	name = enforce_policy_name(in->tenant_id);
	if (!st->enforce_listed) {
		fact = record_key_enforce_fact(name);
		left = (t && t->budget && t->budget->enforce) || record_fact(in->record, fact);
		free(fact);
		free(name);
		return left;
	}
	for (size_t i = 0; i < o->n_budgets; i++) {
		const struct observed_budget *b = o->budgets[i];
		if (!owned_budget(b, s->instance))
			continue;
		for (size_t k = 0; k < b->n_actions; k++) {
			struct action *a;
			if (!enforce_action_attaches(&b->actions[k], name))
				continue;
			actions++;
			if (!may_delete)
				continue;
			a = plan_add(ret, ACT_BUDGET_ACTION_DELETE, "budget %s: its enforcement action left %s",
				     b->name, in->from);
			a->budget = xstrdup(b->name);
			a->action_id = xstrdup(b->actions[k].id);
			a->destructive = true;
			a->origin = ORIGIN_MOVE;
		}
	}
	left = actions;
	live = observed_store_deny_policy(st, name);
	if (live) {
		left++;
		if (may_delete && !actions && !o->n_owned)
			delete_deny_policy(ret, in, name, live);
	}
	free(name);
	return left;
}

int move_out_diff(const struct diff_settings *s, const struct move_input *in, struct plan *ret)
{
	const struct observed_tenant *o = in->observed;
	const char *inst = s->instance;
	bool retain = in->deletion_policy == DELETION_RETAIN, reads = false, account_goes;
	char *timer_key = record_key_move_timer(in->from);
	const struct resource_timer *timer = record_timer(in->record, timer_key);
	struct action *a;

	plan_init(ret);
	/* ownership not known yet at the tenant's names: read before judging */
	for (size_t i = 0; i < o->n_unknown; i++) {
		a = plan_add(ret, ACT_PROFILE_READ_TAGS, "ownership of %s unknown", o->unknown[i]->arn);
		a->resource = xstrdup(o->unknown[i]->arn);
		reads = true;
	}
	for (size_t i = 0; i < o->n_parameters; i++) {
		if (o->parameters[i]->tags_known)
			continue;
		a = plan_add(ret, ACT_PARAM_READ_TAGS, "ownership of %s unknown", o->parameters[i]->name);
		a->resource = xstrdup(o->parameters[i]->name);
		reads = true;
	}
	/* the account's own (its budget, its enforcement, the role policies) go from here:
	 * the tenant left the account, and no other old place there holds profiles that
	 * they still serve (that one's end takes them) */
	account_goes = !in->same_account && !in->keep_account;
	if (!reads && !move_left_in(o, inst, account_goes) &&
	    (!account_goes || retain || diff_old_policies(s, in, ret, false) == 0) &&
	    (!account_goes || diff_old_enforcement(s, in, ret, false) == 0) && (!account_goes || o->budgets_listed)) {
		/* nothing of the tenant is left there: the move is over */
		if (timer) {
			a = plan_add(ret, ACT_TIMER_CLEAR, "the move from %s is over", in->from);
			a->resource = xstrdup(timer_key);
		}
		a = plan_add(ret, ACT_FACT_CLEAR, "nothing of the tenant is left in %s", in->from);
		a->resource = record_key_moving_from(in->from);
		free(timer_key);
		return 1;
	}
	if (reads)
		goto out;
	if (!timer || timer->kind != TIMER_DRAIN) {
		a = plan_add(ret, ACT_TIMER_START, "moved to %s, its set Ready: the resources in %s drain", in->to,
			     in->from);
		a->resource = xstrdup(timer_key);
		a->timer = TIMER_DRAIN;
		a->since = in->now;
		plan_wake(ret, in->now + s->drain);
		goto out;
	}
	if (in->now < timer->since + s->drain) {
		plan_wake(ret, timer->since + s->drain);
		goto out;
	}
	if (in->deletions_held) {
		ret->held = true;
		goto out;
	}
	/* drained: parameters first, then the profiles they no longer name */
	for (size_t i = 0; i < o->n_parameters; i++) {
		const struct observed_parameter *q = o->parameters[i];
		if (!owned_param(q, inst))
			continue;
		if (retain) {
			release(ret, ACT_PARAM_UNTAG, q->name, in->from);
			continue;
		}
		a = plan_add(ret, ACT_PARAM_DELETE, "%s was left in %s by a move, drained", q->name, in->from);
		a->resource = xstrdup(q->name);
		a->destructive = true;
		a->origin = ORIGIN_MOVE;
	}
	for (size_t i = 0; i < o->n_owned; i++) {
		const struct observed_profile *p = o->owned[i];
		if (retain) {
			release(ret, ACT_PROFILE_UNTAG, p->arn, in->from);
			continue;
		}
		if (named_by_parameter(o, inst, p->arn))
			continue;
		a = plan_add(ret, ACT_PROFILE_DELETE, "profile %s was left in %s by a move, drained",
			     p->name ? p->name : p->arn, in->from);
		a->resource = xstrdup(p->arn);
		a->profile_key = xstrdup_or_null(tag_set_get(&p->tags, TAG_PROFILE));
		a->destructive = true;
		a->origin = ORIGIN_MOVE;
	}
	if (!account_goes)
		goto out;
	/* the enforcement actions first, then their budgets (one round later) */
	diff_old_enforcement(s, in, ret, true);
	for (size_t i = 0; i < o->n_budgets; i++) {
		const struct observed_budget *b = o->budgets[i];
		if (!owned_budget(b, inst) || has_enforcement(s, in, b))
			continue;
		if (retain) {
			char *arn = budget_arn_in(b->name, s->region, s->account_id);
			release(ret, ACT_BUDGET_UNTAG, arn, in->from)->budget = xstrdup(b->name);
			free(arn);
			continue;
		}
		a = plan_add(ret, ACT_BUDGET_DELETE, "budget %s was left in %s by a move, drained", b->name, in->from);
		a->budget = xstrdup(b->name);
		a->destructive = true;
		a->origin = ORIGIN_MOVE;
	}
	/* the grants go last, once no old profile is left to use them */
	if (!retain && !o->n_owned)
		diff_old_policies(s, in, ret, true);
out:
	free(timer_key);
	return 0;
}
