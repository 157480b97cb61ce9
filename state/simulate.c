#include "simulate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "observed_apply.h"
#include "policy_doc.h"
#include "xalloc.h"

const char *simulate_display(const char *v)
{
	if (v && strncmp(v, SIMULATE_ARN_PREFIX, strlen(SIMULATE_ARN_PREFIX)) == 0)
		return SIMULATE_KNOWN_AFTER_CREATE;
	return v;
}

/* ---- private copies ---- */

/* The record, rebuilt through its own mutators. */
static struct tenant_record *record_copy(const struct tenant_record *src, const char *tenant)
{
	struct tenant_record *r = tenant_record_new(src ? src->tenant : tenant);

	if (!src)
		return r;
	r->known = src->known;
	r->deletion_policy = src->deletion_policy;
	for (size_t i = 0; i < src->n_intents; i++)
		record_set_intent(r, src->intents[i].profile_key, src->intents[i].name, src->intents[i].token,
				  src->intents[i].since);
	for (size_t i = 0; i < src->n_timers; i++)
		record_start_timer(r, src->timers[i].kind, src->timers[i].resource, src->timers[i].since);
	for (size_t i = 0; i < src->n_applied; i++)
		record_set_applied(r, src->applied[i].resource, src->applied[i].keys, src->applied[i].n_keys);
	for (size_t i = 0; i < src->n_facts; i++)
		record_set_fact(r, src->facts[i].key, src->facts[i].value);
	return r;
}

static void copy_policy(struct observed_store *dst, const struct observed_store *src, const char *role,
			const char *name)
{
	const struct observed_policy *p = observed_store_policy(src, role, name);
	struct observed_policy *c;

	if (!p)
		return;
	c = xcalloc(1, sizeof(*c));
	c->role = xstrdup(p->role);
	c->name = xstrdup(p->name);
	c->document = xstrdup_or_null(p->document);
	c->role_missing = p->role_missing;
	observed_store_put_policy(dst, c);
}

/* The tenant's slice of the place's model: everything the diff of this tenant looks
 * at (its resources, those holding its names, its roles' policies), copied, so the
 * simulation costs the tenant's size and never the place's. */
static void slice(const struct diff_settings *s, const struct simulate_input *in, struct observed_store *ret)
{
	struct observed_tenant o;
	const struct tenant *t = in->desired;
	const struct tenant_record *r = in->record;

	observed_store_init(ret);
	observed_tenant_collect(in->observed, s->instance, in->tenant_id, t, &o);
	for (size_t i = 0; i < o.n_owned; i++)
		observed_store_put_profile(ret, observed_profile_dup(o.owned[i]));
	for (size_t i = 0; i < o.n_foreign; i++)
		observed_store_put_profile(ret, observed_profile_dup(o.foreign[i]));
	for (size_t i = 0; i < o.n_unknown; i++)
		observed_store_put_profile(ret, observed_profile_dup(o.unknown[i]));
	for (size_t i = 0; i < o.n_parameters; i++)
		observed_store_put_parameter(ret, observed_parameter_dup(o.parameters[i]));
	for (size_t i = 0; i < o.n_budgets; i++)
		observed_store_put_budget(ret, observed_budget_dup(o.budgets[i]));
	observed_tenant_release(&o);
	for (size_t i = 0; t && t->policy_name && i < t->n_roles; i++)
		copy_policy(ret, in->observed, t->roles[i], t->policy_name);
	for (size_t i = 0; r && i < r->n_facts; i++) {
		const char *key = r->facts[i].key, *role, *nl;
		char *name;
		if (strncmp(key, "policy\n", 7) != 0 || !(nl = strchr(role = key + 7, '\n')))
			continue;
		name = xstrndup(role, (size_t)(nl - role));
		copy_policy(ret, in->observed, name, nl + 1);
		free(name);
	}
	ret->budgets_listed = in->observed->budgets_listed;
	ret->listed_at = in->observed->listed_at;
}

/* ---- one action, as if it succeeded ---- */

static void apply_tags(struct tag_set *dst, const struct action *a)
{
	for (size_t i = 0; i < a->tags.n; i++)
		tag_set_put(dst, a->tags.items[i].key, a->tags.items[i].value);
	for (size_t i = 0; i < a->n_keys; i++)
		tag_set_remove(dst, a->keys[i]);
}

static void note_tags(struct tenant_record *r, const struct action *a, const char *resource)
{
	if (a->tags.n)
		record_note_tagged(r, resource, &a->tags);
	if (a->n_keys)
		record_note_untagged(r, resource, a->keys, a->n_keys);
}

static struct observed_profile *created_profile(const struct action *a, int64_t now)
{
	struct observed_profile *p = xcalloc(1, sizeof(*p));

	p->arn = xasprintf(SIMULATE_ARN_PREFIX "%s", a->name);
	p->name = xstrdup(a->name);
	p->description = xstrdup_or_null(a->description);
	/* what Bedrock lists for a copy of a foundation model; a system-defined
	 * profile's Regions are known only after the create */
	p->model_arns = xcalloc(1, sizeof(char *));
	p->model_arns[0] = xstrdup(a->model_arn);
	p->n_model_arns = 1;
	tag_set_copy(&p->tags, &a->tags);
	p->tags_known = true;
	p->created_at = now;
	return p;
}

static int apply_profile(struct observed_store *s, struct tenant_record *r, const struct action *a, int64_t now)
{
	struct observed_profile *p;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		record_set_intent(r, a->profile_key, a->name, a->token, a->since);
		p = created_profile(a, now);
		record_note_tagged(r, p->arn, &a->tags);
		observed_store_put_profile(s, p);
		return 0;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
		if (!(p = observed_store_profile(s, a->resource)))
			return -ENOENT;
		p = observed_profile_dup(p);
		apply_tags(&p->tags, a);
		observed_store_put_profile(s, p);
		note_tags(r, a, a->resource);
		return 0;
	default: /* ACT_PROFILE_DELETE */
		if (!observed_store_remove_profile(s, a->resource))
			return -ENOENT;
		record_forget_resource(r, a->resource);
		return 0;
	}
}

static int apply_parameter(struct observed_store *s, struct tenant_record *r, const struct action *a)
{
	struct observed_parameter *q;

	switch (a->kind) {
	case ACT_PARAM_CREATE:
		q = xcalloc(1, sizeof(*q));
		q->name = xstrdup(a->resource);
		q->value = xstrdup(a->value);
		q->version = 1;
		tag_set_copy(&q->tags, &a->tags);
		q->tags_known = true;
		record_note_tagged(r, q->name, &a->tags);
		observed_store_put_parameter(s, q);
		return 0;
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
		if (!(q = observed_store_parameter(s, a->resource)))
			return -ENOENT;
		q = observed_parameter_dup(q);
		apply_tags(&q->tags, a);
		if (a->kind == ACT_PARAM_UPDATE) {
			free(q->value);
			q->value = xstrdup(a->value);
			q->version++;
		}
		observed_store_put_parameter(s, q);
		note_tags(r, a, a->resource);
		return 0;
	default: /* ACT_PARAM_DELETE */
		if (!observed_store_remove_parameter(s, a->resource))
			return -ENOENT;
		record_forget_resource(r, a->resource);
		return 0;
	}
}

static int apply_budget(struct observed_store *s, struct tenant_record *r, const struct action *a, const char *region,
			const char *account_id)
{
	const struct observed_budget *live = observed_store_budget(s, a->budget);
	char *arn = live && live->arn ? xstrdup(live->arn)
				      : budget_arn(region_partition(region), account_id, a->budget);
	char *fact = xasprintf("alerts\n%s", a->budget), *timer = xasprintf("budget:%s", a->budget);
	int rc = observed_apply_budget(s, a, arn);

	if (rc == 0) {
		switch (a->kind) {
		case ACT_BUDGET_CREATE:
			record_note_tagged(r, arn, &a->tags);
			record_set_fact(r, fact, a->value);
			break;
		case ACT_BUDGET_TAG:
		case ACT_BUDGET_UNTAG:
			note_tags(r, a, a->resource);
			break;
		case ACT_BUDGET_DELETE:
			record_forget_resource(r, arn);
			record_clear_fact(r, fact);
			record_forget_resource(r, timer);
			break;
		default:
			break;
		}
	}
	free(arn);
	free(fact);
	free(timer);
	return rc;
}

static int apply_policy(struct observed_store *s, struct tenant_record *r, const struct action *a)
{
	char *fact = xasprintf("policy\n%s\n%s", a->role, a->name), *timer = xasprintf("policy:%s", a->role);

	if (a->kind == ACT_POLICY_PUT) {
		struct observed_policy *p = xcalloc(1, sizeof(*p));
		char *hash = policy_hash(a->value);
		p->role = xstrdup(a->role);
		p->name = xstrdup(a->name);
		p->document = xstrdup(a->value);
		observed_store_put_policy(s, p);
		record_set_fact(r, fact, hash);
		free(hash);
	} else { /* ACT_POLICY_DELETE */
		observed_store_remove_policy(s, a->role, a->name);
		record_clear_fact(r, fact);
		record_forget_resource(r, timer);
	}
	free(fact);
	free(timer);
	return 0;
}

int simulate_apply(struct observed_store *s, struct tenant_record *r, const struct action *a, const char *region,
		   const char *account_id, int64_t now)
{
	switch (a->kind) {
	case ACT_PROFILE_CREATE:
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
	case ACT_PROFILE_DELETE:
		return apply_profile(s, r, a, now);
	case ACT_PARAM_CREATE:
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
	case ACT_PARAM_DELETE:
		return apply_parameter(s, r, a);
	case ACT_BUDGET_CREATE:
	case ACT_BUDGET_UPDATE:
	case ACT_BUDGET_DELETE:
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
	case ACT_NOTIFICATION_CREATE:
	case ACT_NOTIFICATION_UPDATE:
	case ACT_NOTIFICATION_DELETE:
	case ACT_SUBSCRIBER_CREATE:
	case ACT_SUBSCRIBER_DELETE:
		return apply_budget(s, r, a, region, account_id);
	case ACT_POLICY_PUT:
	case ACT_POLICY_DELETE:
		return apply_policy(s, r, a);
	case ACT_TIMER_START:
		record_start_timer(r, a->timer, a->resource, a->since);
		return 0;
	case ACT_TIMER_CLEAR:
		record_clear_timer(r, a->resource);
		return 0;
	case ACT_INTENT_CLEAR:
		record_clear_intent(r, a->profile_key);
		return 0;
	case ACT_FACT_SET:
		record_set_fact(r, a->resource, a->value);
		return 0;
	case ACT_FACT_CLEAR:
		record_clear_fact(r, a->resource);
		return 0;
	case ACT_PROFILE_READ_TAGS:
	case ACT_PARAM_READ_TAGS:
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
	case ACT_POLICY_READ:
		return -EAGAIN;
	case ACT__COUNT:
		break;
	}
	return -EINVAL;
}

/* ---- reads, folded as the engine folds them ---- */

static void fold_budget(struct observed_store *s, const struct action *a, struct observed_budget *answer)
{
	const struct observed_budget *live = observed_store_budget(s, a->budget);
	struct observed_budget *c;

	if (!live || !answer)
		goto out;
	c = observed_budget_dup(live);
	if (a->kind == ACT_BUDGET_READ_TAGS) {
		tag_set_release(&c->tags);
		tag_set_copy(&c->tags, &answer->tags);
		c->tags_known = true;
	} else {
		for (size_t i = 0; i < c->n_alerts; i++)
			observed_alert_release(&c->alerts[i]);
		free(c->alerts);
		c->alerts = answer->alerts;
		c->n_alerts = answer->n_alerts;
		answer->alerts = NULL;
		answer->n_alerts = 0;
		c->alerts_known = true;
	}
	observed_store_put_budget(s, c);
out:
	observed_budget_free(answer);
}

void simulate_fold_read(struct observed_store *s, const struct action *a, struct observed_profile *profile,
			struct observed_parameter *parameter, struct observed_budget *budget,
			struct observed_policy *policy, bool gone)
{
	switch (a->kind) {
	case ACT_PROFILE_READ_TAGS:
		if (profile)
			observed_store_put_profile(s, profile), profile = NULL;
		else if (gone)
			observed_store_remove_profile(s, a->resource);
		break;
	case ACT_PARAM_READ_TAGS:
		if (parameter)
			observed_store_put_parameter(s, parameter), parameter = NULL;
		else if (gone)
			observed_store_remove_parameter(s, a->resource);
		break;
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
		if (gone)
			observed_store_remove_budget(s, a->budget);
		else
			fold_budget(s, a, budget), budget = NULL;
		break;
	case ACT_POLICY_READ:
		if (policy)
			observed_store_put_policy(s, policy), policy = NULL;
		break;
	default:
		break;
	}
	observed_profile_free(profile);
	observed_parameter_free(parameter);
	observed_budget_free(budget);
	observed_policy_free(policy);
}

/* ---- rounds ---- */

static bool is_read(enum action_kind k)
{
	return k == ACT_PROFILE_READ_TAGS || k == ACT_PARAM_READ_TAGS || k == ACT_BUDGET_READ_TAGS ||
	       k == ACT_BUDGET_READ_ALERTS || k == ACT_POLICY_READ;
}

static void take_conflicts(struct simulation *sim, struct plan *p)
{
	for (size_t i = 0; i < p->n_conflicts; i++) {
		struct conflict *c = &p->conflicts[i];
		bool seen = false;
		for (size_t k = 0; k < sim->n_conflicts && !seen; k++)
			seen = strcmp(sim->conflicts[k].message, c->message) == 0;
		if (seen)
			continue;
		XGROW(sim->conflicts, sim->n_conflicts + 1, sim->alloc_conflicts);
		sim->conflicts[sim->n_conflicts++] = *c;
		c->resource = c->message = NULL;
	}
}

/* Moves the reads of p out (zeroed in p). */
static void take_reads(struct simulation *sim, struct plan *p)
{
	for (size_t i = 0; i < p->n_actions; i++) {
		if (!is_read(p->actions[i].kind))
			continue;
		XGROW(sim->reads, sim->n_reads + 1, sim->alloc_reads);
		sim->reads[sim->n_reads++] = p->actions[i];
		memset(&p->actions[i], 0, sizeof(p->actions[i]));
	}
}

/* One round's actions: rendered against the model before any of them (they are
 * independent by construction), then applied. */
static int take_round(struct simulation *sim, struct plan *p, struct observed_store *store, struct tenant_record *rec,
		      const struct diff_settings *s, const char *region, unsigned round, int64_t at, int64_t now)
{
	size_t first = sim->n_steps;
	int rc = 0;

	for (size_t i = 0; i < p->n_actions; i++) {
		struct sim_step *st;
		XGROW(sim->steps, sim->n_steps + 1, sim->alloc_steps);
		st = &sim->steps[sim->n_steps++];
		memset(st, 0, sizeof(*st));
		st->action = p->actions[i];
		memset(&p->actions[i], 0, sizeof(p->actions[i]));
		st->round = round;
		st->at = at;
		st->subject = plan_render_subject(&st->action, store);
		plan_render_changes(&st->action, store, &st->changes);
	}
	for (size_t i = first; i < sim->n_steps && rc == 0; i++) {
		rc = simulate_apply(store, rec, &sim->steps[i].action, region, s->account_id, now);
		if (rc < 0)
			sim->error = xasprintf("%s %s cannot be simulated: the resource is not in the listing",
					       action_kind_name(sim->steps[i].action.kind), sim->steps[i].subject);
	}
	return rc;
}

int simulate_tenant(const struct diff_settings *s, const struct simulate_input *in, struct simulation *ret)
{
	struct observed_store store;
	struct tenant_record *rec = record_copy(in->record, in->tenant_id);
	int64_t now = in->now, at = 0;
	unsigned round;

	memset(ret, 0, sizeof(*ret));
	slice(s, in, &store);
	for (round = 0; round < SIMULATE_MAX_ROUNDS; round++) {
		struct observed_tenant o;
		struct diff_input din = { in->tenant_id,      in->desired, in->deletion_policy, rec, &o,
					  in->deletions_held, now };
		struct plan p;
		bool reads = false;

		observed_tenant_collect(&store, s->instance, in->tenant_id, in->desired, &o);
		diff_tenant(s, &din, &p);
		observed_tenant_release(&o);
		take_conflicts(ret, &p);
		ret->held |= p.held;
		ret->incomplete |= p.incomplete;
		if (p.error) {
			ret->error = p.error;
			p.error = NULL;
		}
		for (size_t i = 0; i < p.n_actions && !reads; i++)
			reads = is_read(p.actions[i].kind);
		if (reads) {
			take_reads(ret, &p);
			plan_release(&p);
			break; /* the caller reads, then simulates again */
		}
		if (ret->error || (!p.n_actions && (!p.wake_at || p.incomplete))) {
			plan_release(&p);
			break;
		}
		if (!p.n_actions) {
			/* only timers are left: they expire in the future of this plan */
			ret->wake_at = ret->wake_at ? ret->wake_at : p.wake_at;
			now = at = p.wake_at > now ? p.wake_at : now + 1;
			plan_release(&p);
			continue;
		}
		take_round(ret, &p, &store, rec, s, in->region, round, at, now);
		plan_release(&p); /* its actions were moved out (zeroed) */
		if (ret->error)
			break;
	}
	ret->truncated = round == SIMULATE_MAX_ROUNDS;
	if (ret->n_reads) { /* the steps so far rest on a model the reads may change */
		for (size_t i = 0; i < ret->n_steps; i++) {
			action_release(&ret->steps[i].action);
			free(ret->steps[i].subject);
			change_list_release(&ret->steps[i].changes);
		}
		ret->n_steps = 0;
		ret->truncated = false;
	}
	for (size_t i = 0; i < ret->n_steps && ret->wake_at; i++)
		if (ret->steps[i].at == ret->wake_at)
			ret->wake_at = 0; /* the timer is shown by the steps that wait for it */
	observed_store_release(&store);
	tenant_record_free(rec);
	return 0;
}

bool sim_step_counts(const struct sim_step *st)
{
	const struct action *a = &st->action;

	if (a->kind == ACT_TIMER_START)
		return true;
	if (a->kind == ACT_TIMER_CLEAR) /* a revert cancels a deletion; not "gone or settled" */
		return strstr(a->reason, "desired again") != NULL;
	return action_calls_aws(a->kind) && !is_read(a->kind);
}

bool simulation_pending(const struct simulation *sim)
{
	if (sim->held || sim->n_conflicts)
		return true;
	for (size_t i = 0; i < sim->n_steps; i++) {
		const struct action *a = &sim->steps[i].action;
		if (sim->steps[i].at)
			continue;
		if (a->kind == ACT_TIMER_START || (action_calls_aws(a->kind) && !is_read(a->kind)))
			return true;
	}
	return false;
}

void simulation_release(struct simulation *sim)
{
	for (size_t i = 0; i < sim->n_steps; i++) {
		action_release(&sim->steps[i].action);
		free(sim->steps[i].subject);
		change_list_release(&sim->steps[i].changes);
	}
	free(sim->steps);
	for (size_t i = 0; i < sim->n_conflicts; i++) {
		free(sim->conflicts[i].resource);
		free(sim->conflicts[i].message);
	}
	free(sim->conflicts);
	for (size_t i = 0; i < sim->n_reads; i++)
		action_release(&sim->reads[i]);
	free(sim->reads);
	free(sim->error);
	memset(sim, 0, sizeof(*sim));
}
