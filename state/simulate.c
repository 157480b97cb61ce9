#include "simulate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce_spec.h"
#include "move.h"
#include "record.h"
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
	struct record_fact f;

	if (!src)
		return r;
	r->known = src->known;
	r->deletion_policy = src->deletion_policy;
	for (size_t i = 0; i < src->n_intents; i++) {
		char token[CREATE_INTENT_TOKEN_BUF];

		record_set_intent(r, create_intent_key(&src->intents[i]), create_intent_name(&src->intents[i]),
				  create_intent_token(&src->intents[i], token), src->intents[i].since);
	}
	for (size_t i = 0; i < src->n_timers; i++)
		record_start_timer(r, src->timers[i].kind, src->timers[i].resource, src->timers[i].since);
	for (size_t i = 0; i < src->n_applied; i++)
		record_set_applied(r, src->applied[i].resource, src->applied[i].keys,
				   applied_tags_n_keys(&src->applied[i]));
	for (size_t at = 0; record_fact_next(src, &at, &f);) {
		char *key = record_fact_key(&f);
		record_set_fact(r, key, f.value);
		free(key);
	}
	return r;
}

/* The role, when the bulk IAM read saw it, then its policy name (when live). */
static void copy_policy(struct observed_store *dst, const struct observed_store *src, const char *role,
			const char *name)
{
	const struct observed_policy *p = observed_store_policy(src, role, name);

	if (observed_store_role(src, role) && !observed_store_role(dst, role))
		observed_store_put_role(dst, role);
	if (p)
		observed_store_put_policy(dst, observed_policy_dup(p));
}

/* Each role of the slice counts the characters of its inline policies the slice does
 * not hold, as the model does (what IAM's limit over a role leaves), and the slice
 * says whether IAM was read in bulk: a policy edited or deleted by hand is then seen
 * as the daemon sees it. */
static void copy_roles(struct observed_store *dst, const struct observed_store *src)
{
	const char *name;
	void *v;

	dst->policies_listed = src->policies_listed;
	for (size_t pos = 0; hashmap_next(&dst->roles, &pos, &name, &v);) {
		const struct observed_role *r = v, *from = observed_store_role(src, name);
		if (from && from->policy_chars > r->policy_chars)
			observed_store_count_policy_elsewhere(dst, name, from->policy_chars - r->policy_chars);
	}
}

/* The tenant's deny policy and whether enforcement was listed. */
static void copy_enforce(struct observed_store *dst, const struct observed_store *src, const char *tenant)
{
	char *name = enforce_policy_name(tenant);
	const struct observed_deny_policy *p = observed_store_deny_policy(src, name);

	if (p)
		observed_store_put_deny_policy(dst, observed_deny_policy_dup(p));
	dst->enforce_listed = src->enforce_listed;
	dst->enforce_error = xstrdup_or_null(src->enforce_error);
	free(name);
}

/* The tenant's slice of the place's model: everything the diff of this tenant looks
 * at (its resources, those holding its names, its roles' policies), copied, so the
 * simulation costs the tenant's size and never the place's. */
static void slice(const struct diff_settings *s, const struct simulate_input *in, struct observed_store *ret)
{
	struct observed_tenant o;
	const struct tenant *t = in->desired;
	const struct tenant_record *r = in->record;
	const char *role, *policy;
	size_t role_len;

	observed_store_init(ret);
	/* the tenants the place's model knows of: names another tenant derives are that
	 * tenant's in the slice as in the model (state/ownership.h) */
	ret->knows_tenant = in->observed->knows_tenant;
	ret->in_account = in->observed->in_account;
	ret->knows_ctx = in->observed->knows_ctx;
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
	for (size_t at = 0; record_policy_fact_next(r, &at, &role, &role_len, &policy, NULL);) {
		char *role_name = xstrndup(role, role_len);
		copy_policy(ret, in->observed, role_name, policy);
		free(role_name);
	}
	copy_roles(ret, in->observed);
	ret->budgets_listed = in->observed->budgets_listed;
	ret->budgets_error = xstrdup_or_null(in->observed->budgets_error);
	copy_enforce(ret, in->observed, in->tenant_id);
	ret->listed_at = in->observed->listed_at;
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

/* A policy p writes or deletes whose document the model does not keep (the bulk IAM
 * read keeps digests): read it, so that the step shows what it holds. Returns true
 * when it added a read to p. */
static bool read_unread_policies(struct plan *p, const struct observed_store *store, int64_t now)
{
	size_t n = p->n_actions;
	bool added = false;

	for (size_t i = 0; i < n; i++) {
		const struct observed_policy *pol;
		struct action *a;
		char *role, *name;
		if (p->actions[i].kind != ACT_POLICY_PUT && p->actions[i].kind != ACT_POLICY_DELETE)
			continue;
		pol = observed_store_policy(store, p->actions[i].role, p->actions[i].name);
		if (!observed_policy_exists(pol) || pol->document)
			continue;
		role = xstrdup(p->actions[i].role);
		name = xstrdup(p->actions[i].name);
		a = plan_add(p, ACT_POLICY_READ, "%s: what the policy holds", role); /* may move actions */
		a->role = role;
		a->name = name;
		a->since = now;
		added = true;
	}
	return added;
}

/* What a round's plan p says besides its actions (conflicts, held, incomplete, its
 * error), taken into sim. Returns true when p asks for a read. */
static bool take_outcome(struct simulation *sim, struct plan *p)
{
	bool reads = false;

	take_conflicts(sim, p);
	sim->held |= p->held;
	sim->incomplete |= p->incomplete;
	if (p->error) {
		sim->error = p->error;
		p->error = NULL;
	}
	for (size_t i = 0; i < p->n_actions && !reads; i++)
		reads = is_read(p->actions[i].kind);
	return reads;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The action a acts on what the read r reads. */
static bool concerns(const struct action *a, const struct action *r)
{
	switch (r->kind) {
	case ACT_POLICY_READ:
		return (a->kind == ACT_POLICY_PUT || a->kind == ACT_POLICY_DELETE) && same(a->role, r->role) &&
		       same(a->name, r->name);
	case ACT_PROFILE_READ_TAGS:
	case ACT_PARAM_READ_TAGS:
		return same(a->resource, r->resource);
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
		return same(a->budget, r->budget);
	default:
		return false;
	}
}

/* The daemon reads in `round` (in->done_reads) instead of acting on what it reads:
 * the actions of p the reads concern are dropped, the diff brings them back in the
 * next round. Returns true when it dropped one. */
static bool wait_for_reads(const struct simulate_input *in, struct plan *p, unsigned round)
{
	size_t kept = 0;
	bool dropped = false;

	for (size_t i = 0; i < p->n_actions; i++) {
		bool waits = false;
		for (size_t k = 0; k < in->n_done_reads && !waits; k++)
			waits = in->done_rounds[k] == round && concerns(&p->actions[i], &in->done_reads[k]);
		if (waits) {
			action_release(&p->actions[i]);
			dropped = true;
			continue;
		}
		if (kept != i)
			p->actions[kept] = p->actions[i];
		kept++;
	}
	p->n_actions = kept;
	return dropped;
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

/* The end of a simulation of `round` rounds: steps resting on reads still to come
 * are dropped, and a timer the steps wait for is shown by them. */
static void finish(struct simulation *ret, unsigned round)
{
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
}

/* Rounds of in's tenant from `round` on, its policies granting granted[0..n) besides
 * its own profiles, until one brings nothing new, one needs a read, or the simulation
 * fails. Returns the round it stopped at. */
static unsigned rounds(const struct diff_settings *s, const struct simulate_input *in,
		       const struct observed_profile *const *granted, size_t n_granted, struct observed_store *store,
		       struct tenant_record *rec, unsigned round, int64_t *now, int64_t *at, struct simulation *ret)
{
	for (; round < SIMULATE_MAX_ROUNDS; round++) {
		struct observed_tenant o;
		struct diff_input din = { in->tenant_id, in->desired, in->deletion_policy,
					  rec,		 &o,	      in->deletions_held,
					  *now,		 0,	      granted,
					  n_granted,	 true };
		struct plan p;
		bool reads, waited;

		observed_tenant_collect(store, s->instance, in->tenant_id, in->desired, &o);
		diff_tenant(s, &din, &p);
		observed_tenant_release(&o);
		reads = take_outcome(ret, &p);
		waited = !reads && wait_for_reads(in, &p, round);
		if (!reads && read_unread_policies(&p, store, *now))
			reads = ret->reads_shown_only = true;
		if (reads) {
			ret->reads_round = round;
			take_reads(ret, &p);
			plan_release(&p);
			break; /* the caller reads, then simulates again */
		}
		if (ret->error || (!p.n_actions && !waited && (!p.wake_at || p.incomplete))) {
			plan_release(&p);
			break;
		}
		if (!p.n_actions && !waited) {
			/* only timers are left: they expire in the future of this plan */
			ret->wake_at = ret->wake_at ? ret->wake_at : p.wake_at;
			*now = *at = p.wake_at > *now ? p.wake_at : *now + 1;
			plan_release(&p);
			continue;
		}
		take_round(ret, &p, store, rec, s, in->region, round, *at, *now);
		plan_release(&p); /* its actions were moved out (zeroed) */
		if (ret->error)
			break;
	}
	return round;
}

int simulate_tenant(const struct diff_settings *s, const struct simulate_input *in, struct simulation *ret)
{
	struct observed_store store;
	struct tenant_record *rec = record_copy(in->record, in->tenant_id);
	int64_t now = in->now, at = 0;
	unsigned round;

	memset(ret, 0, sizeof(*ret));
	slice(s, in, &store);
	round = rounds(s, in, in->also_granted, in->n_also_granted, &store, rec, 0, &now, &at, ret);
	if (in->n_also_granted && !ret->n_reads && !ret->error && round < SIMULATE_MAX_ROUNDS) {
		/* the old sets gone (a time the old places' simulations tell): the policies
		 * are written without their profiles, as the daemon does then */
		size_t first = ret->n_steps;
		round = rounds(s, in, NULL, 0, &store, rec, round, &now, &at, ret);
		for (size_t i = first; i < ret->n_steps; i++)
			ret->steps[i].after_move = true;
	}
	if (ret->held && !ret->n_reads && !ret->error && round < SIMULATE_MAX_ROUNDS) {
		/* what an approval releases: the rounds that follow it, from here on */
		struct simulate_input approved = *in;
		size_t first = ret->n_steps;
		approved.deletions_held = false;
		round = rounds(s, &approved, NULL, 0, &store, rec, round, &now, &at, ret);
		for (size_t i = first; i < ret->n_steps; i++)
			ret->steps[i].after_approval = true;
	}
	finish(ret, round);
	observed_store_release(&store);
	tenant_record_free(rec);
	return 0;
}

static struct move_input move_input_of(const struct simulate_move_input *in, const struct tenant_record *rec,
				       const struct observed_tenant *o, int64_t now)
{
	return (struct move_input){
		.tenant_id = in->tenant_id,
		.from = in->from,
		.to = in->to,
		.desired = in->desired,
		.deletion_policy = in->deletion_policy,
		.record = rec,
		.observed = o,
		.same_account = in->same_account,
		.keep_account = in->keep_account,
		.deletions_held = in->deletions_held,
		.now = now,
	};
}

int simulate_move(const struct diff_settings *s, const struct simulate_move_input *in, struct simulation *ret)
{
	struct simulate_input sin = { .tenant_id = in->tenant_id,
				      .desired = in->desired,
				      .deletion_policy = in->deletion_policy,
				      .record = in->record,
				      .observed = in->observed,
				      .region = in->region,
				      .deletions_held = in->deletions_held,
				      .now = in->now };
	struct observed_store store;
	struct tenant_record *rec = record_copy(in->record, in->tenant_id);
	char *fact = record_key_moving_from(in->from), since[32];
	int64_t now = in->now, at = 0;
	size_t first_after = 0;
	unsigned round = 0;

	memset(ret, 0, sizeof(*ret));
	slice(s, &sin, &store);
	if (!record_fact(rec, fact)) {
		snprintf(since, sizeof(since), "%lld", (long long)now);
		record_set_fact(rec, fact, since);
	}
	free(fact);
	if (!in->switched) {
		struct observed_tenant o;
		struct move_input min;
		struct plan p;
		observed_tenant_collect(&store, s->instance, in->tenant_id, in->desired, &o);
		min = move_input_of(in, rec, &o, now);
		move_serving_diff(s, &min, &p);
		observed_tenant_release(&o);
		if (p.n_actions)
			take_round(ret, &p, &store, rec, s, in->region, round++, 0, now);
		plan_release(&p);
		first_after = ret->n_steps;
	}
	for (; in->to && round < SIMULATE_MAX_ROUNDS && !ret->error; round++) {
		struct observed_tenant o;
		struct move_input min;
		struct plan p;
		int done;
		observed_tenant_collect(&store, s->instance, in->tenant_id, in->desired, &o);
		min = move_input_of(in, rec, &o, now);
		done = move_out_diff(s, &min, &p);
		observed_tenant_release(&o);
		if (take_outcome(ret, &p) || read_unread_policies(&p, &store, now)) {
			take_reads(ret, &p);
			plan_release(&p);
			break;
		}
		if (ret->error || (!p.n_actions && !p.wake_at)) {
			plan_release(&p);
			break;
		}
		if (!p.n_actions) { /* the drain runs: the clock jumps to its end */
			ret->wake_at = ret->wake_at ? ret->wake_at : p.wake_at;
			now = at = p.wake_at > now ? p.wake_at : now + 1;
			plan_release(&p);
			continue;
		}
		take_round(ret, &p, &store, rec, s, in->region, round, at, now);
		plan_release(&p);
		if (done)
			break;
	}
	for (size_t i = first_after; !in->switched && i < ret->n_steps; i++)
		ret->steps[i].after_switch = true;
	finish(ret, round);
	if (!in->switched)
		ret->wake_at = 0; /* no timer runs before the switch */
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
		if (sim->steps[i].at || sim->steps[i].after_move || sim->steps[i].after_approval)
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
