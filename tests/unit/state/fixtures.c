#include "fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budget_spec.h"
#include "intern.h"
#include "observed_apply.h"
#include "policy_doc.h"
#include "xalloc.h"

struct tenant *fix_tenant(const char *id)
{
	struct tenant *t = xcalloc(1, sizeof(*t));

	t->id = intern(id);
	t->region = intern(FIX_REGION);
	t->policy_name = xasprintf("bedrock-tenantd-%s", id);
	t->file = xasprintf("%s.yaml", id);
	tag_set_init(&t->tags);
	return t;
}

struct profile *fix_profile(struct tenant *t, const char *key, const char *model, const char *spec_hash)
{
	struct profile *p;

	size_t at = 0;

	/* struct tenant keeps profiles sorted by key */
	while (at < t->n_profiles && strcmp(t->profiles[at].key, key) < 0)
		at++;
	t->profiles = xreallocarray(t->profiles, t->n_profiles + 1, sizeof(*t->profiles));
	memmove(&t->profiles[at + 1], &t->profiles[at], (t->n_profiles - at) * sizeof(*t->profiles));
	t->n_profiles++;
	p = &t->profiles[at];
	memset(p, 0, sizeof(*p));
	p->key = intern(key);
	p->model = intern(model);
	p->model_kind = strncmp(model, "us.", 3) == 0 ? MODEL_SYSTEM_PROFILE_ID : MODEL_FOUNDATION_ID;
	tag_set_init(&p->tags);
	snprintf(p->spec_hash, sizeof(p->spec_hash), "%s", spec_hash);
	p->name = xasprintf("%s-%s-%s", t->id, key, spec_hash);
	p->parameter = intern_take(xasprintf("/bedrock-tenants/%s/%s/profile-arn", t->id, key));
	return p;
}

void fix_tag(struct tag_set *set, const char *key, const char *value)
{
	tag_set_put(set, key, value);
}

void fix_budget(struct tenant *t, const char *limit, enum budget_period period)
{
	budget_free(t->budget);
	t->budget = xcalloc(1, sizeof(*t->budget));
	t->budget->limit_usd = xstrdup(limit);
	t->budget->period = period;
	free(t->budget_name);
	t->budget_name = xasprintf("bedrock-tenant-%s", t->id);
}

void fix_alert(struct tenant *t, double threshold, enum alert_type type, const char *email1, const char *email2,
	       const char *sns)
{
	struct budget *b = t->budget;
	struct alert *a;

	b->alerts = xreallocarray(b->alerts, b->n_alerts + 1, sizeof(*b->alerts));
	a = &b->alerts[b->n_alerts++];
	memset(a, 0, sizeof(*a));
	a->threshold_percent = threshold;
	a->type = type;
	a->emails = xcalloc(2, sizeof(char *));
	if (email1)
		a->emails[a->n_emails++] = (char *)intern(email1);
	if (email2)
		a->emails[a->n_emails++] = (char *)intern(email2);
	a->sns_topic = intern(sns);
}

void fix_role(struct tenant *t, const char *role)
{
	size_t at = 0;

	while (at < t->n_roles && strcmp(t->roles[at], role) < 0)
		at++;
	t->roles = xreallocarray(t->roles, t->n_roles + 1, sizeof(char *));
	memmove(&t->roles[at + 1], &t->roles[at], (t->n_roles - at) * sizeof(char *));
	t->roles[at] = xstrdup(role);
	t->n_roles++;
}

void sim_init(struct sim *s, const char *tenant_id)
{
	memset(s, 0, sizeof(*s));
	observed_store_init(&s->store);
	s->record = tenant_record_new(tenant_id);
	s->settings = (struct diff_settings){ FIX_INSTANCE, FIX_ACCOUNT, FIX_GRACE, FIX_DRAIN, FIX_EXEC_ROLE, NULL };
	s->now = 1700000000;
	s->store.budgets_listed = true;
	s->store.enforce_listed = true;
	hashmap_init(&s->policies);
}

static char *policy_key_of(const char *role, const char *name)
{
	return xasprintf("%s\n%s", role, name);
}

const char *sim_policy(const struct sim *s, const char *role, const char *name)
{
	char *key = policy_key_of(role, name);
	const char *doc = hashmap_get(&s->policies, key);

	free(key);
	return doc;
}

void sim_set_policy(struct sim *s, const char *role, const char *name, const char *doc)
{
	char *key = policy_key_of(role, name);

	if (doc)
		free(hashmap_put(&s->policies, key, xstrdup(doc)));
	else
		free(hashmap_remove(&s->policies, key));
	free(key);
}

/* The sizes of the role's other policies, as a read of q's policy reports them. */
static void sim_other_policies(const struct sim *s, struct observed_policy *q)
{
	size_t pos = 0, len = strlen(q->role);
	const char *key;
	void *doc;

	while (hashmap_next(&s->policies, &pos, &key, &doc)) {
		if (strncmp(key, q->role, len) != 0 || key[len] != '\n' || strcmp(key + len + 1, q->name) == 0)
			continue;
		observed_policy_add_other(q, policy_size(doc));
	}
	q->others_known = true;
}

void sim_release(struct sim *s)
{
	hashmap_release(&s->policies, free);
	observed_store_release(&s->store);
	tenant_record_free(s->record);
}

void sim_diff(struct sim *s, const struct tenant *t, enum deletion_policy policy, struct plan *ret)
{
	struct observed_tenant o;
	struct diff_input in = {
		.tenant_id = s->record->tenant,
		.desired = t,
		.deletion_policy = policy,
		.record = s->record,
		.observed = &o,
		.deletions_held = s->held,
		.now = s->now,
		.lookahead = s->lookahead,
	};

	observed_tenant_collect(&s->store, FIX_INSTANCE, s->record->tenant, t, &o);
	assert_int_equal(diff_tenant(&s->settings, &in, ret), 0);
	observed_tenant_release(&o);
}

struct observed_profile *sim_add_profile(struct sim *s, const char *name, const char *tenant, const char *key,
					 const char *owner)
{
	struct observed_profile *p = xcalloc(1, sizeof(*p));

	p->arn = xasprintf("arn:aws:bedrock:%s:%s:application-inference-profile/p%011u", FIX_REGION, FIX_ACCOUNT,
			   ++s->next_id);
	p->name = xstrdup(name);
	tag_set_init(&p->tags);
	p->tags_known = true;
	p->listed = true; /* the simulated world is its own listing */
	if (tenant)
		tag_set_put(&p->tags, TAG_TENANT, tenant);
	if (key)
		tag_set_put(&p->tags, TAG_PROFILE, key);
	if (owner)
		tag_set_put(&p->tags, TAG_MANAGED_BY, owner);
	p->created_at = s->now;
	observed_store_put_profile(&s->store, p);
	return p;
}

struct observed_parameter *sim_add_parameter(struct sim *s, const char *name, const char *value, const char *tenant,
					     const char *owner)
{
	struct observed_parameter *p = xcalloc(1, sizeof(*p));

	p->name = xstrdup(name);
	p->value = xstrdup(value);
	p->version = 1;
	tag_set_init(&p->tags);
	p->tags_known = true;
	if (tenant)
		tag_set_put(&p->tags, TAG_TENANT, tenant);
	if (owner)
		tag_set_put(&p->tags, TAG_MANAGED_BY, owner);
	observed_store_put_parameter(&s->store, p);
	return p;
}

/* The simulated AWS: every action changes the model and the record through the one
 * world-model update (observed_apply_action), as the engine does after AWS answered;
 * what AWS would answer is made up here. */
static bool enforce_kind(enum action_kind k)
{
	return k == ACT_BUDGET_ACTION_CREATE || k == ACT_BUDGET_ACTION_UPDATE || k == ACT_BUDGET_ACTION_DELETE ||
	       k == ACT_BUDGET_ACTION_EXECUTE;
}

static void apply_one(struct sim *s, const struct action *a)
{
	const struct observed_budget *b = a->budget ? observed_store_budget(&s->store, a->budget) : NULL;
	char *arn = NULL;
	struct observed_profile *p = NULL;
	int rc;

	s->calls[a->kind]++;
	s->aws_calls += action_calls_aws(a->kind);
	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		/* durable intent first, as the engine does */
		record_set_intent(s->record, a->profile_key, a->name, a->token, a->since);
		p = xcalloc(1, sizeof(*p));
		p->arn = xasprintf("arn:aws:bedrock:%s:%s:application-inference-profile/p%011u", FIX_REGION,
				   FIX_ACCOUNT, ++s->next_id);
		p->name = xstrdup(a->name);
		p->model_arns = xcalloc(1, sizeof(char *)); /* Bedrock lists the model copied */
		p->model_arns[0] = intern(a->model_arn);
		p->n_model_arns = 1;
		tag_set_copy(&p->tags, &a->tags);
		p->tags_known = true;
		p->listed = true; /* the simulated world is its own listing */
		p->created_at = s->now;
		break;
	case ACT_PARAM_CREATE:
		assert_null(observed_store_parameter(&s->store, a->resource));
		break;
	case ACT_BUDGET_CREATE:
		assert_null(b);
		break;
	case ACT_PROFILE_READ_TAGS:
	case ACT_PARAM_READ_TAGS:
	case ACT_BUDGET_READ_TAGS:
		return;
	case ACT_BUDGET_READ_ALERTS: { /* the simulated budgets always carry their alerts */
		struct observed_budget *c = observed_budget_dup(b);
		c->alerts_known = true;
		observed_store_put_budget(&s->store, c);
		return;
	}
	case ACT_POLICY_READ: {
		struct observed_policy *q = xcalloc(1, sizeof(*q));
		q->role = xstrdup(a->role);
		q->name = xstrdup(a->name);
		q->document = xstrdup_or_null(sim_policy(s, a->role, a->name));
		sim_other_policies(s, q);
		observed_policy_set_others_read_at(q, a->since);
		observed_store_put_policy(&s->store, q);
		return;
	}
	case ACT_POLICY_PUT:
		sim_set_policy(s, a->role, a->name, a->value);
		break;
	case ACT_POLICY_DELETE:
		sim_set_policy(s, a->role, a->name, NULL);
		break;
	case ACT__COUNT:
		fail();
		return;
	default:
		break;
	}
	if (a->budget && !enforce_kind(a->kind))
		arn = budget_arn("aws", FIX_ACCOUNT, a->budget);
	else if (a->kind == ACT_BUDGET_ACTION_CREATE)
		arn = xasprintf("00000000-0000-4000-8000-%012u", ++s->next_id); /* the ActionId */
	rc = observed_apply_action(&s->store, s->record, a, p, arn);
	assert_int_equal(rc, 0);
	if (a->kind == ACT_BUDGET_CREATE)
		observed_store_budget(&s->store, a->budget)->listed = true;
	free(arn);
}

void sim_apply(struct sim *s, const struct plan *p)
{
	for (size_t i = 0; i < p->n_actions; i++)
		apply_one(s, &p->actions[i]);
}

/* Invariant: every parameter this instance owns names a live profile. */
static void check_parameters_name_live_profiles(const struct sim *s)
{
	size_t pos = 0;
	void *v;

	while (hashmap_next(&s->store.parameters, &pos, NULL, &v)) {
		const struct observed_parameter *q = v;
		if (!tags_owned_by(&q->tags, FIX_INSTANCE))
			continue;
		if (!observed_store_profile(&s->store, q->value))
			fail_msg("parameter %s names %s, which is not live", q->name, q->value);
	}
}

unsigned sim_converge(struct sim *s, const struct tenant *t, enum deletion_policy policy, int64_t step,
		      unsigned max_rounds)
{
	unsigned rounds = 0;

	for (unsigned i = 0; i < max_rounds; i++) {
		struct plan p;
		sim_diff(s, t, policy, &p);
		if (!p.n_actions) {
			plan_release(&p);
			return rounds;
		}
		if (getenv("SIM_TRACE"))
			for (size_t j = 0; j < p.n_actions; j++)
				print_message("round %u: %s %s (%s)\n", i, action_kind_name(p.actions[j].kind),
					      p.actions[j].resource ? p.actions[j].resource : "", p.actions[j].reason);
		sim_apply(s, &p);
		plan_release(&p);
		check_parameters_name_live_profiles(s);
		rounds++;
		s->now += step;
	}
	fail_msg("no convergence after %u rounds", max_rounds);
	return rounds;
}

size_t sim_count_owned_profiles(const struct sim *s, const char *tenant)
{
	const struct observed_group *g = observed_store_group(&s->store, tenant);
	size_t n = 0;

	for (size_t i = 0; g && i < g->n_profiles; i++)
		n += tags_owned_by(&g->profiles[i]->tags, FIX_INSTANCE);
	return n;
}

unsigned plan_count(const struct plan *p, enum action_kind kind)
{
	unsigned n = 0;

	for (size_t i = 0; i < p->n_actions; i++)
		n += p->actions[i].kind == kind;
	return n;
}
