/* One tenant's reconcile: rounds of diff -> apply, until the plan has nothing left
 * for AWS, an action fails, or the round limit is reached. What it came to is
 * reported once, through the callback the engine gave (struct engine__outcome); the
 * engine decides what follows. */
#include "engine_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "diff.h"
#include "diff_stamp.h"
#include "enforce_spec.h"
#include "intern.h"
#include "log.h"
#include "observed_apply.h"
#include "placement.h"
#include "xalloc.h"

struct pending_action {
	struct reconcile *r;
	size_t index;	    /* in r->plan, unless own */
	struct action *own; /* a call sent between rounds (publish_now): freed with its answer */
};

static void run_round(struct reconcile *r);
static void dispatch(struct reconcile *r);
static void publish_now(struct reconcile *r, const char *profile_key);
static void apply_budget_result(struct reconcile *r, const struct action *a, struct cloud_result *res);
static void apply_policy_result(struct reconcile *r, const struct action *a, struct cloud_result *res);
static void apply_enforce_result(struct reconcile *r, const struct action *a, struct cloud_result *res);
static void forget_alerts(struct place_state *ps, const char *budget);

/* The record changes with the observed model (observed_apply_action); these mirror
 * what changed into the state store. */

static void persist_applied(struct engine *e, struct tenant_entry *t, const char *resource)
{
	const struct applied_tags *a = record_applied(t->record, resource);

	if (store_put_applied(e->store, t->id, resource, a ? a->keys : NULL, a ? applied_tags_n_keys(a) : 0) < 0)
		engine__store_failed(e);
}

static void unstore_resource(struct engine *e, struct tenant_entry *t, const char *resource)
{
	if (store_clear_timer(e->store, t->id, resource) < 0 ||
	    store_put_applied(e->store, t->id, resource, NULL, 0) < 0)
		engine__store_failed(e);
}

/* The tenant was brought to Ready at its current revision (in this run, or before a
 * restart): whatever differs now was changed outside the daemon, and setting it back
 * is a repair of drift. */
static bool at_reconciled_revision(const struct tenant_entry *t)
{
	/* in this run or before a restart: the record's fact */
	const char *done = record_fact(t->record, ENGINE__FACT_RECONCILED_REVISION);
	return t->desired && !t->removed && done && strcmp(done, t->desired->revision ? t->desired->revision : "") == 0;
}

/* repairs_drift: the action sets back a change made outside the daemon: the tenant was
 * Ready at its revision, and the action is the diff's own, not one that finishes the
 * daemon's own work (a drained replacement or move, a policy written again for its
 * profiles, the new set of a move not yet switched to: a move the configuration asked
 * for leaves the revision as it was) nor a deletion (never a repair: a resource no
 * longer desired). */
static bool repairs_drift(const struct tenant_entry *t, const struct action *a)
{
	if (a->origin != ORIGIN_DIFF || a->destructive)
		return false;
	if (engine__moving(t) && !t->move_switched)
		return false;
	return at_reconciled_revision(t);
}

/* note_change: one line of the tenant's history for a change made by a; a repair of
 * drift is also logged (one line per repair). */
static void note_change(struct engine *e, struct tenant_entry *t, const struct action *a, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void note_change(struct engine *e, struct tenant_entry *t, const struct action *a, const char *fmt, ...)
{
	bool drift = repairs_drift(t, a);
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	engine__history(e, t, engine__wall(e), "%s%s", drift ? "drift repaired: " : "", text);
	e->tally.drift_repairs += drift;
	if (drift)
		log_tenant(LOG_LVL_NOTICE, t->id, "drift repaired: %s", text);
	if (drift && e->set.on_event)
		e->set.on_event(ENGINE_EVENT_DRIFT_REPAIRED, t->id, text, e->set.data);
	free(text);
}

#define CHANGE_TEXT_MAX 2048

/* "tag CostCenter: hacked -> claims, tag Team: (none) -> x, tag Old: y -> (removed)":
 * what a tag or untag action changes on a resource that had `before`. */
static char *tag_changes(const struct tag_set *before, const struct action *a)
{
	struct strbuf sb;

	strbuf_init(&sb, CHANGE_TEXT_MAX);
	for (size_t i = 0; i < a->tags.n; i++) {
		const char *old = before ? tag_set_get(before, a->tags.items[i].key) : NULL;
		strbuf_addf(&sb, "%stag %s: %s -> %s", sb.len ? ", " : "", a->tags.items[i].key, old ? old : "(none)",
			    a->tags.items[i].value);
	}
	for (size_t i = 0; i < a->n_keys; i++) {
		const char *old = before ? tag_set_get(before, a->keys[i]) : NULL;
		strbuf_addf(&sb, "%stag %s: %s -> (removed)", sb.len ? ", " : "", a->keys[i], old ? old : "(none)");
	}
	return strbuf_detach(&sb, NULL);
}

/* The reconcile ends: its outcome goes up once, then it is freed. */
static void finish(struct reconcile *r, enum error_class cls, const char *msg)
{
	struct engine__outcome o = {
		.cls = cls,
		.error = msg,
		.quiet = r->store_wait,
		.left_for_aws = plan_aws_actions(&r->plan) > 0 || r->plan.incomplete,
		.deleting = r->plan.deleting,
		.had_actions = r->plan.n_actions > 0,
		.over_budget = r->plan.over_budget,
		.wake_at = r->plan.wake_at,
		.started_ms = r->started_ms,
		.quota_kind = r->quota_kind,
	};

	r->t->active = NULL;
	if (r->ended)
		*r->ended = true;
	r->done(r->e, r->t, &o); /* may forget the tenant */
	plan_release(&r->plan);
	free(r->error);
	free(r->intent_error);
	free(r);
}

/* ---- results ---- */

static void store_fact(struct engine *e, struct tenant_entry *t, const char *key)
{
	if (store_put_fact(e->store, t->id, key, record_fact(t->record, key)) < 0)
		engine__store_failed(e);
}

static void journal_profile(struct place_state *ps, const char *arn)
{
	const struct observed_profile *p = observed_store_profile(&ps->store, arn);

	if (p)
		engine__place_journal(ps, JOURNAL_PROFILE_PUT, p, NULL, NULL);
}

static void journal_parameter(struct place_state *ps, const char *name)
{
	const struct observed_parameter *q = observed_store_parameter(&ps->store, name);

	if (q)
		engine__place_journal(ps, JOURNAL_PARAMETER_PUT, NULL, q, NULL);
}

/* In a move's round in an old place, the record's keys of parameters, budgets and role
 * policies (named alike in both places) belong to the tenant's place: such an answer
 * changes the old place's model only (state/move.h). */
static bool shared_key(const struct reconcile *r, const struct action *a)
{
	return r->moving_out && a->kind != ACT_PROFILE_DELETE && a->kind != ACT_PROFILE_UNTAG;
}

/* A profile read answered (found or gone). Returns an error message (owned by the
 * caller) when the answer settles nothing yet. */
static char *apply_profile_read(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps = r->ps;
	const struct observed_profile *had = observed_store_profile(&ps->store, a->resource);
	struct observed_profile *p;
	int judged;

	if (res && res->profile) {
		p = res->profile;
		res->profile = NULL;
		p->listed = had && had->listed;
		if (a->profile_key)
			record_confirm_intent(t->record, a->profile_key, p->arn);
		observed_apply_read(&ps->store, a, p, NULL, NULL, NULL, false);
		engine__place_journal(ps, JOURNAL_PROFILE_PUT, p, NULL, NULL);
		return NULL;
	}
	if (!res || !res->gone)
		return NULL;
	judged = -ENOENT;
	if (a->profile_key && !had)
		judged = record_mark_intent_dead(t->record, a->profile_key, a->resource, engine__wall(e));
	if (judged == 0) {
		/* the create was answered, and neither a later listing nor a Get finds the
		 * profile: it was deleted outside the daemon, and its token is spent */
		engine__note(e, t, engine__wall(e), "profile %s is gone: it was deleted outside the daemon",
			     a->resource);
		return NULL;
	}
	if (judged == -EAGAIN) {
		engine__place_list(ps); /* a listing may show it before a Get does */
		return xasprintf("profile %s is not found yet: no read has shown it since its create "
				 "(read-after-write lag)",
				 a->resource);
	}
	if (had && had->models_unknown && !had->listed) {
		/* lagging, or gone: a listing from now on settles it either way */
		engine__place_list(ps);
		return xasprintf("profile %s cannot be read yet (read-after-write lag): its models are unknown",
				 a->resource);
	}
	if (observed_apply_read(&ps->store, a, NULL, NULL, NULL, NULL, true))
		engine__place_journal(ps, JOURNAL_PROFILE_DELETE, NULL, NULL, a->resource);
	return NULL;
}

/* in_store_arena: the profile a create's answer made (p, freed here), as an entry of
 * s's arena like a listing's: its ARN interned (the record's and its parameter's
 * value), its strings in the arena, its tags moved there as it
 * is put; freed with s at the place's next listing, instead of a dozen allocations
 * of its own that outlive the listing's arena until then. */
static struct observed_profile *in_store_arena(struct observed_store *s, struct observed_profile *p,
					       const struct action *a)
{
	struct observed_profile *c = observed_store_new_profile(s, p->arn, p->name ? p->name : a->name,
								p->n_model_arns);

	for (size_t i = 0; i < p->n_model_arns; i++)
		c->model_arns[i] = intern_ref(p->model_arns[i]);
	c->tags = p->tags; /* moved: malloc'd until the put */
	tag_set_init(&p->tags);
	c->tags_known = p->tags_known;
	c->listed = p->listed;
	c->models_unknown = p->models_unknown;
	c->created_at = p->created_at;
	observed_profile_free(p);
	return c;
}

/* apply_result: fold a successful answer (or a "gone" answer to a delete or a read)
 * into the observed model and the record (observed_apply_action, the one world-model
 * update), the state store, the write journal and the tenant's history. Returns an
 * error message (owned by the caller) when the answer leaves the tenant unsettled. */
static char *apply_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps = r->ps;
	struct observed_profile *p;
	const struct observed_profile *hp;
	const struct observed_parameter *hq;
	struct observed_parameter *q;
	char *changes = NULL, *err = NULL;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		p = res ? res->profile : NULL;
		if (!p)
			break;
		res->profile = NULL;
		p = in_store_arena(&ps->store, p, a);
		observed_apply_action(&ps->store, t->record, a, p, NULL); /* p is the store's now */
		persist_applied(e, t, p->arn);
		record_note_intent_answer(t->record, a->profile_key, a->token, p->arn, !p->models_unknown,
					  engine__wall(e));
		if (repairs_drift(t, a))
			note_change(e, t, a, "profile %s missing: re-created (%s)", p->name, p->arn);
		else
			engine__history(e, t, engine__wall(e), "created profile %s (%s)", p->name, p->arn);
		if (p->models_unknown)
			engine__history(e, t, engine__wall(e),
					"profile %s cannot be read back yet: its models are unknown", p->name);
		engine__place_journal(ps, JOURNAL_PROFILE_PUT, p, NULL, NULL);
		break;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
		hp = observed_store_profile(&ps->store, a->resource);
		changes = tag_changes(hp ? &hp->tags : NULL, a);
		observed_apply_action(&ps->store, t->record, a, NULL, NULL);
		journal_profile(ps, a->resource);
		persist_applied(e, t, a->resource);
		if (a->destructive)
			engine__history(e, t, engine__wall(e), "released profile %s", a->resource);
		else
			note_change(e, t, a, "profile %s: %s", a->resource, changes);
		break;
	case ACT_PROFILE_DELETE:
	case ACT_PARAM_DELETE:
		/* a move's old parameter has the name of the new one: its record is the new one's */
		observed_apply_action(&ps->store, shared_key(r, a) ? NULL : t->record, a, NULL, NULL);
		engine__place_journal(ps,
				      a->kind == ACT_PROFILE_DELETE ? JOURNAL_PROFILE_DELETE : JOURNAL_PARAMETER_DELETE,
				      NULL, NULL, a->resource);
		if (!shared_key(r, a))
			unstore_resource(e, t, a->resource);
		engine__history(e, t, engine__wall(e), "deleted %s %s",
				a->kind == ACT_PROFILE_DELETE ? "profile" : "parameter", a->resource);
		break;
	case ACT_PROFILE_READ_TAGS:
		err = apply_profile_read(r, a, res);
		break;
	case ACT_PARAM_CREATE:
		observed_apply_action_at(&ps->store, t->record, a, NULL, NULL, res ? res->answered_ms : 0);
		persist_applied(e, t, a->resource);
		journal_parameter(ps, a->resource);
		if (repairs_drift(t, a))
			note_change(e, t, a, "parameter %s missing: published again (%s)", a->resource, a->value);
		else
			engine__history(e, t, engine__wall(e), "published %s", a->resource);
		break;
	case ACT_PARAM_UPDATE: {
		char *old;
		hq = observed_store_parameter(&ps->store, a->resource);
		old = xstrdup_or_null(hq ? hq->value : NULL);
		observed_apply_action_at(&ps->store, t->record, a, NULL, NULL, res ? res->answered_ms : 0);
		journal_parameter(ps, a->resource);
		note_change(e, t, a, "parameter %s: value %s -> %s", a->resource, old ? old : "(none)", a->value);
		free(old);
		break;
	}
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
		hq = observed_store_parameter(&ps->store, a->resource);
		changes = tag_changes(hq ? &hq->tags : NULL, a);
		observed_apply_action(&ps->store, t->record, a, NULL, NULL);
		journal_parameter(ps, a->resource);
		persist_applied(e, t, a->resource);
		if (!a->destructive)
			note_change(e, t, a, "parameter %s: %s", a->resource, changes);
		break;
	case ACT_PARAM_READ_TAGS:
		q = res ? res->parameter : NULL;
		if (res)
			res->parameter = NULL;
		if (observed_apply_read(&ps->store, a, NULL, q, NULL, NULL, res && res->gone))
			engine__place_journal(ps, q ? JOURNAL_PARAMETER_PUT : JOURNAL_PARAMETER_DELETE, NULL, q,
					      q ? NULL : a->resource);
		break;
	case ACT_BUDGET_CREATE:
	case ACT_BUDGET_UPDATE:
	case ACT_BUDGET_DELETE:
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
	case ACT_NOTIFICATION_CREATE:
	case ACT_NOTIFICATION_UPDATE:
	case ACT_NOTIFICATION_DELETE:
	case ACT_SUBSCRIBER_CREATE:
	case ACT_SUBSCRIBER_DELETE:
		apply_budget_result(r, a, res);
		break;
	case ACT_POLICY_READ:
	case ACT_POLICY_PUT:
	case ACT_POLICY_DELETE:
		apply_policy_result(r, a, res);
		break;
	case ACT_DENY_POLICY_CREATE:
	case ACT_DENY_POLICY_UPDATE:
	case ACT_DENY_POLICY_DELETE:
	case ACT_DENY_POLICY_ATTACH:
	case ACT_DENY_POLICY_DETACH:
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
	case ACT_BUDGET_ACTION_DELETE:
	case ACT_BUDGET_ACTION_EXECUTE:
		apply_enforce_result(r, a, res);
		break;
	case ACT_TIMER_START:
	case ACT_TIMER_CLEAR:
	case ACT_INTENT_CLEAR:
	case ACT_FACT_SET:
	case ACT_FACT_CLEAR:
	case ACT__COUNT:
		break;
	}
	free(changes);
	return err;
}

static void forget_alerts(struct place_state *ps, const char *budget)
{
	struct observed_budget *b = observed_store_budget(&ps->store, budget);

	if (!b)
		return;
	b = observed_budget_dup(b);
	b->alerts_known = false;
	observed_store_put_budget(&ps->store, b);
}

static char *budget_arn_of(struct reconcile *r, const char *name)
{
	return budget_arn_in(name, r->ps->place.region, r->ps->place.account_id);
}

/* Budgets: the observed model and the record change as the action says
 * (observed_apply_action); the store keeps the tag keys applied and the alerts last
 * applied. */
static void apply_budget_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps = r->ps;
	char *arn = budget_arn_of(r, a->budget), *fact = record_key_alerts_fact(a->budget), *changes = NULL;
	const struct observed_budget *b;

	switch (a->kind) {
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS: {
		/* a read answers tags or alerts only: merged into the live budget */
		struct observed_budget *answer = res ? res->budget : NULL;
		bool gone = res && res->gone;
		if (res)
			res->budget = NULL;
		if (observed_apply_read(&ps->store, a, NULL, NULL, gone ? NULL : answer, NULL, gone) && gone)
			engine__place_journal_budget(ps, NULL, a->budget);
		if (gone)
			observed_budget_free(answer);
		goto out;
	}
	default:
		break;
	}
	if (a->kind == ACT_BUDGET_CREATE && res && res->budget) {
		/* it existed already (a lost answer): take it as it is; alerts are read next */
		observed_store_put_budget(&ps->store, res->budget);
		res->budget = NULL;
		record_note_tagged(t->record, arn, &a->tags);
		persist_applied(e, t, arn);
		b = observed_store_budget(&ps->store, a->budget);
		engine__place_journal_budget(ps, b, NULL);
		goto out;
	}
	if ((a->kind == ACT_BUDGET_TAG || a->kind == ACT_BUDGET_UNTAG) && !a->destructive) {
		b = observed_store_budget(&ps->store, a->budget);
		changes = tag_changes(b ? &b->tags : NULL, a);
	} else if (a->kind == ACT_BUDGET_UPDATE) {
		b = observed_store_budget(&ps->store, a->budget);
		changes = xasprintf("limit %s -> %s USD, period %s -> %s",
				    b && observed_budget_limit_amount(b) ? observed_budget_limit_amount(b) : "(none)",
				    a->limit, b && b->time_unit ? b->time_unit : "(none)", a->time_unit);
	}
	if (observed_apply_action(&ps->store, shared_key(r, a) ? NULL : t->record, a, NULL, arn) < 0) {
		/* the model lags behind AWS: read the alerts again next round */
		forget_alerts(ps, a->budget);
	}
	b = observed_store_budget(&ps->store, a->budget);
	switch (a->kind) {
	case ACT_BUDGET_CREATE:
		persist_applied(e, t, arn);
		store_fact(e, t, fact);
		if (repairs_drift(t, a))
			note_change(e, t, a, "budget %s missing: re-created (%s USD %s)", a->budget, a->limit,
				    a->time_unit);
		else
			engine__history(e, t, engine__wall(e), "created budget %s (%s USD %s)", a->budget, a->limit,
					a->time_unit);
		break;
	case ACT_BUDGET_UPDATE:
		note_change(e, t, a, "budget %s: %s", a->budget, changes);
		break;
	case ACT_BUDGET_DELETE: {
		char *timer = record_key_budget_timer(a->budget);
		unstore_resource(e, t, arn);
		store_fact(e, t, fact);
		if (!shared_key(r, a))
			unstore_resource(e, t, timer);
		free(timer);
		engine__place_journal_budget(ps, NULL, a->budget);
		engine__history(e, t, engine__wall(e), "deleted budget %s", a->budget);
		goto out;
	}
	case ACT_BUDGET_TAG:
		persist_applied(e, t, a->resource);
		note_change(e, t, a, "budget %s: %s", a->budget, changes);
		break;
	case ACT_BUDGET_UNTAG:
		persist_applied(e, t, a->resource);
		if (a->destructive)
			engine__history(e, t, engine__wall(e), "released budget %s", a->budget);
		else
			note_change(e, t, a, "budget %s: %s", a->budget, changes);
		break;
	default:
		break;
	}
	if (b)
		engine__place_journal_budget(ps, b, NULL);
out:
	free(arn);
	free(fact);
	free(changes);
}

static void apply_policy_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	char *fact = record_key_policy_fact(a->role, a->name), *timer = record_key_policy_timer(a->role);

	switch (a->kind) {
	case ACT_POLICY_READ:
		if (res) {
			observed_apply_read(&r->ps->store, a, NULL, NULL, NULL, res->policy, false);
			res->policy = NULL;
		}
		break;
	case ACT_POLICY_PUT:
		observed_apply_action(&r->ps->store, t->record, a, NULL, NULL);
		observed_store_policy_digest_only(&r->ps->store, a->role, a->name); /* as a bulk read keeps it */
		store_fact(e, t, fact);
		note_change(e, t, a, "wrote policy %s on role %s", a->name, a->role);
		break;
	case ACT_POLICY_DELETE:
		observed_apply_action(&r->ps->store, shared_key(r, a) ? NULL : t->record, a, NULL, NULL);
		store_fact(e, t, fact);
		if (!shared_key(r, a))
			unstore_resource(e, t, timer);
		engine__history(e, t, engine__wall(e), "removed policy %s from role %s", a->name, a->role);
		break;
	default:
		break;
	}
	free(fact);
	free(timer);
}

/* The deny policy `name` as the place's model holds it now, kept for the listings under
 * way (an own write outvotes a listing that started before it); returned. */
static const struct observed_deny_policy *journal_deny(struct place_state *ps, const char *name)
{
	const struct observed_deny_policy *p = observed_store_deny_policy(&ps->store, name);

	if (p)
		engine__place_journal_deny(ps, p, NULL);
	return p;
}

/* Budget enforcement: the deny policy and the Budgets action (observed_apply_action),
 * the policy's fact in the store, the journal, the history. */
static void apply_enforce_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps = r->ps;
	const char *answer = res && res->answer[0] ? res->answer : NULL;
	char *fact, *timer;

	/* a move's old account: the policy's fact and timer are the current place's */
	observed_apply_action(&ps->store, shared_key(r, a) ? NULL : t->record, a, NULL, answer);
	switch (a->kind) {
	case ACT_DENY_POLICY_ATTACH:
		journal_deny(ps, a->name);
		note_change(e, t, a, "attached deny policy %s to its roles again (detached by hand)", a->name);
		break;
	case ACT_DENY_POLICY_DETACH:
		journal_deny(ps, a->name);
		note_change(e, t, a, "detached deny policy %s %s", a->name, a->value ? a->value : "from its roles");
		break;
	case ACT_DENY_POLICY_CREATE:
	case ACT_DENY_POLICY_UPDATE:
	case ACT_DENY_POLICY_DELETE:
		fact = record_key_enforce_fact(a->name);
		timer = record_key_enforce_timer(a->name);
		if (!shared_key(r, a))
			store_fact(e, t, fact);
		if (a->kind == ACT_DENY_POLICY_DELETE) {
			if (!shared_key(r, a))
				unstore_resource(e, t, timer);
			engine__place_journal_deny(ps, NULL, a->name);
			engine__history(e, t, engine__wall(e), "deleted deny policy %s", a->name);
		} else {
			const struct observed_deny_policy *p = journal_deny(ps, a->name);
			note_change(e, t, a, "%s deny policy %s (%s)",
				    a->kind == ACT_DENY_POLICY_CREATE ? "created" : "updated", a->name,
				    p && p->default_version ? p->default_version : "");
		}
		free(fact);
		free(timer);
		break;
	default: {
		const struct observed_budget *b = observed_store_budget(&ps->store, a->budget);
		if (b)
			engine__place_journal_budget(ps, b, NULL);
		if (a->kind == ACT_BUDGET_ACTION_CREATE)
			note_change(e, t, a, "budget %s: created its enforcement action at %g%%", a->budget,
				    a->threshold);
		else if (a->kind == ACT_BUDGET_ACTION_UPDATE)
			note_change(e, t, a, "budget %s: updated its enforcement action (%g%%)", a->budget,
				    a->threshold);
		else if (a->kind == ACT_BUDGET_ACTION_DELETE)
			engine__history(e, t, engine__wall(e), "budget %s: deleted its enforcement action", a->budget);
		else
			engine__history(e, t, engine__wall(e), "budget %s: %s (%s)", a->budget, a->reason, a->value);
		if (a->kind == ACT_BUDGET_ACTION_EXECUTE && a->value &&
		    (!strcmp(a->value, "REVERSE_BUDGET_ACTION") || !strcmp(a->value, "RETRY_BUDGET_ACTION"))) {
			char *name = enforce_policy_name(t->id);
			journal_deny(ps, name); /* detached from (attached to) the roles by the reversal (execution) */
			free(name);
		}
		break;
	}
	}
}

/* A reversal whose status read back is REVERSE_FAILURE (the call's answer, though a
 * failure): the model takes the status, the history says so. */
static void apply_failed_reversal(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	const struct observed_budget *b;

	observed_apply_action(&r->ps->store, shared_key(r, a) ? NULL : r->t->record, a, NULL, res->answer);
	b = observed_store_budget(&r->ps->store, a->budget);
	if (b)
		engine__place_journal_budget(r->ps, b, NULL);
	engine__places_mirror(r->e, r->ps, a);
	engine__history(r->e, r->t, engine__wall(r->e),
			"budget %s: the reversal of its enforcement action failed (REVERSE_FAILURE): the roles are "
			"still denied",
			a->budget);
}

static bool is_delete(enum action_kind k)
{
	return k == ACT_PROFILE_DELETE || k == ACT_PARAM_DELETE || k == ACT_BUDGET_DELETE || k == ACT_POLICY_DELETE ||
	       k == ACT_DENY_POLICY_DELETE || k == ACT_BUDGET_ACTION_DELETE;
}

/* A read that finds nothing is an answer too: the resource is gone. */
static bool is_read(enum action_kind k)
{
	return k == ACT_PROFILE_READ_TAGS || k == ACT_PARAM_READ_TAGS || k == ACT_BUDGET_READ_TAGS ||
	       k == ACT_BUDGET_READ_ALERTS;
}

static void note_failure(struct reconcile *r, enum error_class cls, char *msg)
{
	r->e->tally.action_failures++;
	if (cls > r->worst) {
		r->worst = cls;
		free(r->error);
		r->error = msg;
	} else {
		free(msg);
	}
}

/* The lines of the tenant's history an answer makes are told with its record: the
 * audit trail keeps the record until on_action_done gives them. */
static bool lines_follow(const struct engine *e)
{
	return e->set.on_action && e->set.on_action_done;
}

/* The audit trail's view of one outcome, before the answer changes the model. */
static void report_action(struct reconcile *r, const struct action *a, int status, const struct cloud_error *err,
			  const struct cloud_result *res)
{
	const struct tenant_entry *t = r->t;
	struct engine_action_report rep = {
		.tenant = t->id,
		.action = a,
		.before = &r->ps->store,
		.revision = t->desired ? t->desired->revision : NULL,
		.drift = repairs_drift(t, a),
		.removed = t->removed,
		.orphan = t->removed && !t->desired,
		.status = status,
		.err = err,
		.res = res,
		.lines_follow = lines_follow(r->e),
	};

	if (r->e->set.on_action)
		r->e->set.on_action(&rep, r->e->set.data);
}

static void on_applied(int status, const struct cloud_error *err, struct cloud_result *res, void *data)
{
	struct pending_action *pa = data;
	struct reconcile *r = pa->r;
	struct engine *e = r->e;
	struct action *own = pa->own;
	const struct action *a = own ? own : &r->plan.actions[pa->index];
	/* shutting down: the answer is dropped; the next run lists afresh */
	bool applied = !e->closing && (status == 0 || (res && res->gone && (is_delete(a->kind) || is_read(a->kind))));
	char *msg;

	free(pa);
	e->tally.actions++;
	e->tally.calls_in_flight--;
	report_action(r, a, status, err, res);
	/* the lines of the tenant's history the answer makes go with its record */
	engine__history_answer_begin(e, r->t);
	msg = applied ? apply_result(r, a, res) : NULL;
	if (applied)
		engine__places_mirror(e, r->ps, a);
	/* a reversal answered, its status read back a failure: recorded, so that the next
	 * attempt retries it (RETRY_BUDGET_ACTION) and the tenant's view says the roles are
	 * still denied, without waiting for a listing */
	else if (!e->closing && a->kind == ACT_BUDGET_ACTION_EXECUTE && err && err->status == 200 && res &&
		 !strcmp(res->answer, "REVERSE_FAILURE"))
		apply_failed_reversal(r, a, res);
	engine__history_answer_end(e, r->t, lines_follow(e));
	if (applied) {
		if (msg)
			note_failure(r, ERROR_RETRYABLE, msg);
		else if (status == 0 && a->kind == ACT_PROFILE_CREATE)
			publish_now(r, a->profile_key);
	} else if (!e->closing) {
		enum error_class cls = err ? err->cls : ERROR_RETRYABLE;
		int quota = placement_quota_kind(err ? err->code : NULL,
						 a->kind == ACT_PROFILE_CREATE	? PLACEMENT_PROFILES
						 : a->kind == ACT_PARAM_CREATE	? PLACEMENT_PARAMETERS
						 : a->kind == ACT_BUDGET_CREATE ? PLACEMENT_BUDGETS
										: -1);

		/* a Budgets action's calls name its budget (they have no resource of their own) */
		msg = xasprintf("%s %s: %s%s%s", action_kind_name(a->kind),
				a->resource ? a->resource
				: a->name   ? a->name
				: a->budget ? a->budget
					    : "",
				err && err->code[0] ? err->code : strerror(-status), err && err->message[0] ? ": " : "",
				err ? err->message : "");
		/* a quota: the tenant waits for capacity (engine.c), never Stalled */
		if (quota >= 0) {
			r->quota_kind = quota;
			cls = ERROR_RETRYABLE;
		}
		note_failure(r, cls, msg);
		/* a name taken although the listing did not show it: list again soon */
		if (a->kind == ACT_PROFILE_CREATE && err && strcmp(err->code, "ConflictException") == 0)
			engine__place_list(r->ps);
		/* an enforcement action's status moved on (it executed meanwhile): list again;
		 * not when the call was answered and the status read back is the failure (a
		 * retry that failed again: the tenant's backoff paces the next one) */
		if ((a->kind == ACT_BUDGET_ACTION_EXECUTE || a->kind == ACT_BUDGET_ACTION_UPDATE) &&
		    !(err && err->status == 200))
			engine__place_list(r->ps);

		/* the model of a budget's alerts may be stale (a lost answer): read them again */
		if (a->budget && a->kind >= ACT_NOTIFICATION_CREATE && a->kind <= ACT_SUBSCRIBER_DELETE)
			forget_alerts(r->ps, a->budget);
	}
	if (own) {
		action_release(own);
		free(own);
	}
	if (--r->outstanding)
		return;
	if (e->closing) {
		finish(r, ERROR_RETRYABLE, "interrupted by shutdown");
		return;
	}
	if (r->worst != ERROR_NONE && r->serving_round && !r->serving_only) {
		/* the old set's failure does not hold the new set back: the next
		 * reconcile tries it again */
		log_tenant(LOG_LVL_WARNING, r->t->id, "in its old place %s: %s (will retry)", r->ps->place.key,
			   r->error ? r->error : "");
		r->worst = ERROR_NONE;
		free(r->error);
		r->error = NULL;
	}
	if (r->worst != ERROR_NONE) {
		finish(r, r->worst, r->error);
		return;
	}
	plan_release(&r->plan);
	r->round++;
	run_round(r);
}

/* ---- store-only actions ---- */

static int apply_record_action(struct engine *e, struct tenant_entry *t, const struct action *a)
{
	int rc = 0;

	observed_apply_action(NULL, t->record, a, NULL, NULL);
	switch (a->kind) {
	case ACT_TIMER_START:
		rc = store_put_timer(e->store, t->id, record_timer(t->record, a->resource));
		engine__note(e, t, a->since, "%s", a->reason);
		break;
	case ACT_TIMER_CLEAR:
		rc = store_clear_timer(e->store, t->id, a->resource);
		break;
	case ACT_INTENT_CLEAR:
		rc = store_clear_intent(e->store, t->id, a->profile_key);
		break;
	case ACT_FACT_SET:
	case ACT_FACT_CLEAR:
		rc = store_put_fact(e->store, t->id, a->resource, record_fact(t->record, a->resource));
		break;
	default:
		break;
	}
	if (rc < 0)
		engine__store_failed(e);
	return rc;
}

/* A create's intent is on disk before the create is sent, so that after a crash the
 * same name and token are used again. Every intent of the round is written here,
 * committed with the loop turn's other writes; the creates wait for a sync of the
 * store that starts after that commit (engine__store_sync_wait), run off the loop. The tenant's own row goes first if
 * it is still waiting for its batch (engine__store_tenant): the sync then carries it too. */
static int commit_intents(struct reconcile *r)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	int n = 0;

	free(r->intent_error);
	r->intent_error = NULL;
	engine__store_tenant_now(e, t);
	for (size_t i = 0; i < r->plan.n_actions; i++) {
		const struct action *a = &r->plan.actions[i];

		if (a->kind != ACT_PROFILE_CREATE)
			continue;
		if (store_put_intent(e->store, t->id, a->profile_key, a->name, a->token, a->since) < 0) {
			free(r->intent_error);
			r->intent_error = xstrdup(store_error(e->store));
			engine__store_failed(e);
			return -EIO;
		}
		record_set_intent(t->record, a->profile_key, a->name, a->token, a->since);
		n++;
	}
	return n;
}

static void send_actions(struct reconcile *r);

static void on_intents_durable(void *arg, int status)
{
	struct reconcile *r = arg;
	struct engine *e = r->e;

	e->tally.calls_in_flight--;
	if (status < 0 && e->commit_failing) { /* not written: no sync ran */
		free(r->intent_error);
		r->intent_error = xstrdup(store_error(e->store));
	} else if (status < 0) {
		free(r->intent_error);
		r->intent_error = xasprintf("syncing it to disk: %s", strerror(-status));
		engine__store_sync_failed(e, status);
	} else {
		engine__store_synced(e);
	}
	if (e->closing)
		finish(r, ERROR_RETRYABLE, "interrupted by shutdown");
	else if (engine__holds_calls(e))
		finish(r, ERROR_NONE, NULL); /* paused meanwhile: nothing is sent */
	else
		send_actions(r);
}

static void save_conflicts(struct tenant_entry *t, struct plan *p)
{
	engine__set_conflicts(t, p->conflicts, p->n_conflicts);
	p->conflicts = NULL;
	p->n_conflicts = 0;
	p->alloc_conflicts = 0;
}

/* The diff of the tenant in r->ps, now: its settings and its input (observed: o). */
static struct diff_settings round_settings(const struct reconcile *r)
{
	const struct engine *e = r->e;

	return (struct diff_settings){ e->set.instance, engine__place_account_id(r->ps), e->set.grace_s,
				       e->set.drain_s,	e->set.execution_role,		 r->ps->place.region };
}

static struct diff_input round_input(const struct reconcile *r, struct observed_tenant *o)
{
	const struct tenant_entry *t = r->t;

	return (struct diff_input){
		.tenant_id = t->id,
		.desired = t->removed ? NULL : t->desired,
		.deletion_policy = t->desired	      ? t->desired->deletion_policy
				   : t->record->known ? t->record->deletion_policy
						      : DELETION_DELETE,
		.record = t->record,
		.observed = o,
		.deletions_held = t->held,
		.now = engine__wall(r->e),
		.nonce = ((uint64_t)random() << 32) ^ (uint64_t)random() ^ uv_hrtime(),
	};
}

static void run_round(struct reconcile *r)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct observed_tenant o;
	struct diff_stamp stamp;
	const struct tenant *here = t->removed ? NULL : t->desired;
	struct diff_settings ds;
	struct diff_input in;
	const struct observed_profile **granted = NULL;
	size_t first;

	engine__clock_check(e); /* before in.now: the timers in the clock's time */
	r->ps = r->home;	/* a move's old place only when this round's diff leads there */
	r->moving_out = false;
	r->serving_round = false;
	/* before the switch a move's old set serves: what it names that is gone goes
	 * first, in a round of its own (moves.c), once a reconcile */
	if (!r->served && engine__serving_round(r)) {
		r->served = r->serving_round = true;
		dispatch(r);
		return;
	}
	if (r->serving_only) {
		finish(r, ERROR_NONE, NULL);
		return;
	}
	in = round_input(r, &o);
	ds = round_settings(r);
	/* A tenant settled with these very inputs would plan nothing again
	 * (state/diff_stamp.h): marked again with nothing changed, it costs a stamp, not
	 * a diff (a listing makes a new store: its tenants are diffed again). A moving
	 * tenant's diff reads another place too (the grants of both sets): never skipped. */
	diff_stamp_take(&ds, &in, &r->ps->store, e->diff_context, &stamp);
	if (!engine__moving(t) && diff_stamp_same(&t->settled, &stamp)) {
		plan_init(&r->plan);
		finish(r, ERROR_NONE, NULL);
		return;
	}
	if (engine__moving(t))
		in.also_granted = granted = engine__move_granted(e, t, r->home, &in.n_also_granted);
	observed_tenant_collect(&r->ps->store, e->set.instance, t->id, here, &o);
	diff_tenant(&ds, &in, &r->plan);
	observed_tenant_release(&o);
	free(granted);
	if (engine__moving(t))
		diff_stamp_clear(&t->settled);
	else
		diff_stamp_note(&t->settled, &stamp, &r->plan);
	save_conflicts(t, &r->plan);
	if (r->plan.error) {
		finish(r, ERROR_TERMINAL, r->plan.error);
		return;
	}
	for (size_t i = 0; i < r->plan.n_actions; i++)
		if (!action_calls_aws(r->plan.actions[i].kind))
			apply_record_action(e, t, &r->plan.actions[i]);
	/* the set is complete in its place: a move's old places drain and go (moves.c) */
	first = r->plan.n_actions;
	if (!plan_aws_actions(&r->plan) && !r->plan.incomplete && !tenant_entry_n_conflicts(t) && engine__move_round(r))
		for (size_t i = first; i < r->plan.n_actions; i++)
			if (!action_calls_aws(r->plan.actions[i].kind))
				apply_record_action(e, t, &r->plan.actions[i]);
	dispatch(r);
}

/* The round's plan is made: its AWS calls go (its creates once their intents are on
 * disk), or the reconcile ends. */
static void dispatch(struct reconcile *r)
{
	struct engine *e = r->e;

	if (!plan_aws_actions(&r->plan) || engine__holds_calls(e) || r->round >= e->set.max_rounds ||
	    (plan_mutates(&r->plan) && engine__claim_wait(e, r->t->id))) {
		finish(r, ERROR_NONE, NULL);
		return;
	}
	if (commit_intents(r) > 0 && e->sync) {
		e->tally.calls_in_flight++; /* a drain waits for the sync */
		engine__store_sync_wait(e, on_intents_durable, r);
		return;
	}
	send_actions(r);
}

/* One AWS call of the reconcile: the round's action `index`, or `own` (taken over:
 * freed with its answer). Returns false when it could not be sent (noted as the
 * reconcile's error; own is freed). */
static bool send_one(struct reconcile *r, size_t index, struct action *own)
{
	struct engine *e = r->e;
	const struct action *a = own ? own : &r->plan.actions[index];
	struct pending_action *pa = xcalloc(1, sizeof(*pa));

	pa->r = r;
	pa->index = index;
	pa->own = own;
	r->outstanding++;
	e->tally.calls_in_flight++;
	if (e->cloud->apply(e->cloud_ctx, &r->ps->place, a, r->priority, r->order, on_applied, pa) == 0)
		return true;
	free(pa);
	r->outstanding--;
	e->tally.calls_in_flight--;
	r->worst = ERROR_RETRYABLE;
	free(r->error);
	r->error = xasprintf("%s could not be sent", action_kind_name(a->kind));
	if (own) {
		action_release(own);
		free(own);
	}
	return false;
}

/* The round's AWS actions; a create only when its intent is on disk. */
static void send_actions(struct reconcile *r)
{
	r->worst = ERROR_NONE;
	r->outstanding = 1; /* held until every action is sent */
	for (size_t i = 0; i < r->plan.n_actions; i++) {
		const struct action *a = &r->plan.actions[i];

		if (!action_calls_aws(a->kind))
			continue;
		if (a->kind == ACT_PROFILE_CREATE && r->intent_error) {
			r->worst = ERROR_RETRYABLE;
			free(r->error);
			r->error = xasprintf("the state store cannot record a create intent: %s", r->intent_error);
			r->store_wait = true; /* logged by engine_store.c, once a minute */
			continue;
		}
		send_one(r, i, NULL);
	}
	if (--r->outstanding == 0)
		finish(r, r->worst, r->error);
}

/* round_touches: one of the round's actions is on this resource (a parameter that
 * names a profile gone, deleted): its calls may still be out, so nothing else is sent
 * for it before the next round. */
static bool round_touches(const struct reconcile *r, const char *resource)
{
	for (size_t i = 0; i < r->plan.n_actions; i++)
		if (r->plan.actions[i].resource && !strcmp(r->plan.actions[i].resource, resource))
			return true;
	return false;
}

/* A profile's create was answered with its ARN while other calls of the round are
 * still out (another create may wait seconds for its place's rate limit): its
 * parameter need not wait for them. The tenant's diff, now, plans what the next round
 * would; of it, only the create or update of this profile's parameter is sent now
 * (it names the ARN just answered: what the next round would write), the rest waits
 * for the next round. Not in a move's rounds, which read other places too, nor for a
 * parameter the round acts on already (a delete of it may land after the write). */
static void publish_now(struct reconcile *r, const char *profile_key)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct observed_tenant o;
	struct diff_settings ds;
	struct diff_input in;
	struct plan p;

	if (!profile_key || r->outstanding < 2 || e->closing || engine__holds_calls(e) || t->removed || !t->desired ||
	    r->moving_out || engine__moving(t))
		return;
	ds = round_settings(r);
	in = round_input(r, &o);
	in.lookahead = true; /* the policy memo keeps nothing of a part of the profiles */
	observed_tenant_collect(&r->ps->store, e->set.instance, t->id, t->desired, &o);
	diff_tenant(&ds, &in, &p);
	observed_tenant_release(&o);
	for (size_t i = 0; !p.error && i < p.n_actions; i++) {
		struct action *a = &p.actions[i], *own;

		if ((a->kind != ACT_PARAM_CREATE && a->kind != ACT_PARAM_UPDATE) || !a->profile_key ||
		    strcmp(a->profile_key, profile_key) != 0 || round_touches(r, a->resource))
			continue;
		own = xmalloc(sizeof(*own));
		*own = *a;
		memset(a, 0, sizeof(*a));
		send_one(r, 0, own);
	}
	plan_release(&p);
}

static bool start(struct engine *e, struct tenant_entry *t, struct place_state *ps, bool priority,
		  engine__reconcile_done_fn *done, bool serving_only)
{
	struct reconcile *r = xcalloc(1, sizeof(*r));
	bool ended = false;

	r->e = e;
	r->done = done;
	r->t = t;
	r->ps = ps;
	r->home = ps;
	r->priority = priority;
	r->order = e->n_reconciles; /* counted by the pump, this one too: the oldest's calls first */
	r->quota_kind = -1;
	r->serving_only = serving_only;
	r->ended = &ended;
	t->active = r;
	r->started_ms = uv_now(e->loop);
	run_round(r);
	if (!ended)
		r->ended = NULL;
	return !ended;
}

bool engine__reconcile_start(struct engine *e, struct tenant_entry *t, struct place_state *ps, bool priority,
			     engine__reconcile_done_fn *done)
{
	return start(e, t, ps, priority, done, false);
}

bool engine__serving_start(struct engine *e, struct tenant_entry *t, struct place_state *ps, bool priority,
			   engine__reconcile_done_fn *done)
{
	return start(e, t, ps, priority, done, true);
}
