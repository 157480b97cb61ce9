/* One tenant's reconcile: rounds of diff -> apply, until the plan has nothing left
 * for AWS, an action fails, or the round limit is reached. */
#include "engine_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "diff.h"
#include "log.h"
#include "observed_apply.h"
#include "policy_doc.h"
#include "xalloc.h"

struct pending_action {
	struct reconcile *r;
	size_t index;
};

static void run_round(struct reconcile *r);
static void apply_budget_result(struct reconcile *r, const struct action *a, struct cloud_result *res);
static void apply_policy_result(struct reconcile *r, const struct action *a, struct cloud_result *res);
static void forget_alerts(struct place_state *ps, const char *budget);

static void persist_applied(struct engine *e, struct tenant_entry *t, const char *resource)
{
	const struct applied_tags *a = record_applied(t->record, resource);

	if (store_put_applied(e->store, t->id, resource, a ? a->keys : NULL, a ? a->n_keys : 0) < 0)
		engine_store_failed(e);
}

static void forget_resource(struct engine *e, struct tenant_entry *t, const char *resource)
{
	record_forget_resource(t->record, resource);
	if (store_clear_timer(e->store, t->id, resource) < 0 ||
	    store_put_applied(e->store, t->id, resource, NULL, 0) < 0)
		engine_store_failed(e);
}

/* The record's fact that names the manifest revision last brought to Ready, so that
 * a restart still tells a repair of drift from the rollout of a new revision. */
#define FACT_RECONCILED_REVISION "reconciled-revision"

/* The tenant was brought to Ready at its current revision (in this run, or before a
 * restart): whatever differs now was changed outside the daemon, and setting it back
 * is a repair of drift. */
static bool at_reconciled_revision(const struct tenant_entry *t)
{
	const char *done = t->reconciled_revision;

	if (!done && t->record)
		done = record_fact(t->record, FACT_RECONCILED_REVISION);
	return t->desired && !t->removed && done && strcmp(done, t->desired->revision ? t->desired->revision : "") == 0;
}

/* note_change: one line of the tenant's history for a change made; a repair of drift
 * is also logged (one line per repair). */
static void note_change(struct engine *e, struct tenant_entry *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note_change(struct engine *e, struct tenant_entry *t, const char *fmt, ...)
{
	bool drift = at_reconciled_revision(t);
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!text)
		return;
	engine_history(t, engine_wall(e), "%s%s", drift ? "drift repaired: " : "", text);
	e->n_drift_repairs += drift;
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

static void set_fact(struct engine *e, struct tenant_entry *t, const char *key, const char *value);

static void finish(struct reconcile *r, enum error_class cls, const char *msg)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	uint64_t now_ms = uv_now(e->loop);
	int64_t wall = engine_wall(e);
	bool left_for_aws = plan_aws_actions(&r->plan) > 0 || r->plan.incomplete;
	bool gone, quiet = r->store_wait;
	const char *done;
	enum wq_result result = cls == ERROR_NONE ? WQ_OK : cls == ERROR_RETRYABLE ? WQ_RETRY : WQ_TERMINAL;

	t->active = NULL;
	t->in_progress = false;
	e->reconciles_in_flight--;
	histogram_observe(&e->reconcile_seconds, (double)(now_ms - r->started_ms) / 1000);
	t->reconciled = true;
	t->error = cls;
	free(t->last_error);
	t->last_error = xstrdup_or_null(msg);
	t->pending_changes = left_for_aws;
	t->wake_at = cls == ERROR_NONE ? r->plan.wake_at : 0;
	t->next_attempt_ms = workqueue_done(&e->queue, t->id, result, now_ms, (double)random() / RAND_MAX);
	if (cls == ERROR_NONE && r->plan.wake_at) {
		int64_t in_s = r->plan.wake_at > wall ? r->plan.wake_at - wall : 0;
		workqueue_add_at(&e->queue, t->id, now_ms + (uint64_t)in_s * 1000 + 1);
	}
	if (cls == ERROR_NONE && left_for_aws && !(e->paused || e->set.report_only))
		workqueue_add(&e->queue, t->id, WQ_NORMAL); /* the round limit: more next time */
	if (cls == ERROR_NONE && !left_for_aws && !t->n_conflicts && !t->removed && t->desired) {
		if (!t->reconciled_revision ||
		    strcmp(t->reconciled_revision, t->desired->revision ? t->desired->revision : "")) {
			free(t->reconciled_revision);
			t->reconciled_revision = xstrdup(t->desired->revision ? t->desired->revision : "");
			engine_history(t, wall, "reconciled");
		}
		done = t->record ? record_fact(t->record, FACT_RECONCILED_REVISION) : NULL;
		if (t->record && (!done || strcmp(done, t->reconciled_revision)))
			set_fact(e, t, FACT_RECONCILED_REVISION, t->reconciled_revision);
		t->last_reconciled = wall;
	}
	gone = t->removed && cls == ERROR_NONE && !r->plan.deleting && !r->plan.n_actions && !t->held &&
	       !t->n_conflicts && !r->plan.wake_at;
	plan_release(&r->plan);
	free(r->error);
	free(r->intent_error);
	free(r);
	if (gone) {
		engine_forget_entry(e, t);
	} else {
		if (cls != ERROR_NONE && !quiet)
			log_tenant(cls == ERROR_TERMINAL ? LOG_LVL_ERROR : LOG_LVL_WARNING, t->id, "%s%s",
				   t->last_error, cls == ERROR_RETRYABLE ? " (will retry)" : "");
		engine_update_state(e, t);
	}
	engine_schedule_pump(e);
	engine_maybe_ready(e);
}

/* ---- results ---- */

static void retag_profile(struct place_state *ps, const struct action *a, char **ret_changes)
{
	struct observed_profile *p = observed_store_profile(&ps->store, a->resource);

	*ret_changes = tag_changes(p ? &p->tags : NULL, a);
	if (!p)
		return;
	p = observed_profile_dup(p); /* keeps `listed` */
	for (size_t i = 0; i < a->tags.n; i++)
		tag_set_put(&p->tags, a->tags.items[i].key, a->tags.items[i].value);
	for (size_t i = 0; i < a->n_keys; i++)
		tag_set_remove(&p->tags, a->keys[i]);
	observed_store_put_profile(&ps->store, p);
	place_journal(ps, JOURNAL_PROFILE_PUT, p, NULL, NULL);
}

static void retag_parameter(struct place_state *ps, const struct action *a, const char *new_value, char **ret_changes)
{
	struct observed_parameter *q = observed_store_parameter(&ps->store, a->resource);

	if (ret_changes)
		*ret_changes = tag_changes(q ? &q->tags : NULL, a);
	if (!q)
		return;
	q = observed_parameter_dup(q);
	for (size_t i = 0; i < a->tags.n; i++)
		tag_set_put(&q->tags, a->tags.items[i].key, a->tags.items[i].value);
	for (size_t i = 0; i < a->n_keys; i++)
		tag_set_remove(&q->tags, a->keys[i]);
	if (new_value) {
		free(q->value);
		q->value = xstrdup(new_value);
		q->version++;
	}
	observed_store_put_parameter(&ps->store, q);
	place_journal(ps, JOURNAL_PARAMETER_PUT, NULL, q, NULL);
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
		observed_store_put_profile(&ps->store, p);
		place_journal(ps, JOURNAL_PROFILE_PUT, p, NULL, NULL);
		return NULL;
	}
	if (!res || !res->gone)
		return NULL;
	judged = -ENOENT;
	if (a->profile_key && !had)
		judged = record_mark_intent_dead(t->record, a->profile_key, a->resource, engine_wall(e));
	if (judged == 0) {
		/* the create was answered, and neither a later listing nor a Get finds the
		 * profile: it was deleted outside the daemon, and its token is spent */
		engine_history(t, engine_wall(e), "profile %s is gone: it was deleted outside the daemon", a->resource);
		return NULL;
	}
	if (judged == -EAGAIN) {
		place_list(ps); /* a listing may show it before a Get does */
		return xasprintf("profile %s is not found yet: no read has shown it since its create "
				 "(read-after-write lag)",
				 a->resource);
	}
	if (had && had->models_unknown && !had->listed) {
		/* lagging, or gone: a listing from now on settles it either way */
		place_list(ps);
		return xasprintf("profile %s cannot be read yet (read-after-write lag): its models are unknown",
				 a->resource);
	}
	if (had) {
		observed_store_remove_profile(&ps->store, a->resource);
		place_journal(ps, JOURNAL_PROFILE_DELETE, NULL, NULL, a->resource);
	}
	return NULL;
}

/* apply_result: fold a successful answer (or a "gone" answer to a delete or a read)
 * into the observed model and the record. Returns an error message (owned by the
 * caller) when the answer leaves the tenant unsettled. */
static char *apply_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps = r->ps;
	struct observed_profile *p;
	char *changes = NULL, *err = NULL;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		p = res ? res->profile : NULL;
		if (!p)
			break;
		res->profile = NULL;
		if (!p->tags_known) {
			tag_set_release(&p->tags);
			tag_set_copy(&p->tags, &a->tags);
			p->tags_known = true;
		}
		if (!p->name)
			p->name = xstrdup(a->name);
		record_note_tagged(t->record, p->arn, &a->tags);
		persist_applied(e, t, p->arn);
		record_note_intent_answer(t->record, a->profile_key, a->token, p->arn, !p->models_unknown,
					  engine_wall(e));
		if (at_reconciled_revision(t))
			note_change(e, t, "profile %s missing: re-created (%s)", p->name, p->arn);
		else
			engine_history(t, engine_wall(e), "created profile %s (%s)", p->name, p->arn);
		if (p->models_unknown)
			engine_history(t, engine_wall(e), "profile %s cannot be read back yet: its models are unknown",
				       p->name);
		observed_store_put_profile(&ps->store, p);
		place_journal(ps, JOURNAL_PROFILE_PUT, p, NULL, NULL);
		break;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
		retag_profile(ps, a, &changes);
		if (a->kind == ACT_PROFILE_TAG)
			record_note_tagged(t->record, a->resource, &a->tags);
		else
			record_note_untagged(t->record, a->resource, a->keys, a->n_keys);
		persist_applied(e, t, a->resource);
		if (a->destructive)
			engine_history(t, engine_wall(e), "released profile %s", a->resource);
		else
			note_change(e, t, "profile %s: %s", a->resource, changes);
		break;
	case ACT_PROFILE_DELETE:
		observed_store_remove_profile(&ps->store, a->resource);
		place_journal(ps, JOURNAL_PROFILE_DELETE, NULL, NULL, a->resource);
		forget_resource(e, t, a->resource);
		engine_history(t, engine_wall(e), "deleted profile %s", a->resource);
		break;
	case ACT_PROFILE_READ_TAGS:
		err = apply_profile_read(r, a, res);
		break;
	case ACT_PARAM_CREATE:
		record_note_tagged(t->record, a->resource, &a->tags);
		persist_applied(e, t, a->resource);
		place_journal(ps, JOURNAL_PARAMETER_PUT, NULL, observed_apply_parameter_create(&ps->store, a), NULL);
		if (at_reconciled_revision(t))
			note_change(e, t, "parameter %s missing: published again (%s)", a->resource, a->value);
		else
			engine_history(t, engine_wall(e), "published %s", a->resource);
		break;
	case ACT_PARAM_UPDATE: {
		const struct observed_parameter *had = observed_store_parameter(&ps->store, a->resource);
		char *old = xstrdup_or_null(had ? had->value : NULL);
		retag_parameter(ps, a, a->value, NULL);
		note_change(e, t, "parameter %s: value %s -> %s", a->resource, old ? old : "(none)", a->value);
		free(old);
		break;
	}
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
		retag_parameter(ps, a, NULL, &changes);
		if (a->kind == ACT_PARAM_TAG)
			record_note_tagged(t->record, a->resource, &a->tags);
		else
			record_note_untagged(t->record, a->resource, a->keys, a->n_keys);
		persist_applied(e, t, a->resource);
		if (!a->destructive)
			note_change(e, t, "parameter %s: %s", a->resource, changes);
		break;
	case ACT_PARAM_DELETE:
		observed_store_remove_parameter(&ps->store, a->resource);
		place_journal(ps, JOURNAL_PARAMETER_DELETE, NULL, NULL, a->resource);
		forget_resource(e, t, a->resource);
		engine_history(t, engine_wall(e), "deleted parameter %s", a->resource);
		break;
	case ACT_PARAM_READ_TAGS:
		if (res && res->parameter) {
			observed_store_put_parameter(&ps->store, res->parameter);
			place_journal(ps, JOURNAL_PARAMETER_PUT, NULL, res->parameter, NULL);
			res->parameter = NULL;
		} else if (res && res->gone && observed_store_remove_parameter(&ps->store, a->resource)) {
			place_journal(ps, JOURNAL_PARAMETER_DELETE, NULL, NULL, a->resource);
		}
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

static void set_fact(struct engine *e, struct tenant_entry *t, const char *key, const char *value)
{
	if (value)
		record_set_fact(t->record, key, value);
	else
		record_clear_fact(t->record, key);
	if (store_put_fact(e->store, t->id, key, value) < 0)
		engine_store_failed(e);
}

static char *budget_arn_of(struct reconcile *r, const char *name)
{
	const struct observed_budget *b = observed_store_budget(&r->ps->store, name);

	if (b && b->arn)
		return xstrdup(b->arn);
	return budget_arn(region_partition(r->ps->place.region), r->ps->place.account_id, name);
}

/* Budgets: the observed model changes as the action says (observed_apply.c); the
 * record keeps the tag keys applied and the alerts last applied. */
static void apply_budget_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps = r->ps;
	char *arn = budget_arn_of(r, a->budget), *fact = xasprintf("alerts\n%s", a->budget), *changes = NULL;
	const struct observed_budget *b;

	switch (a->kind) {
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
		/* a read answers tags or alerts only: merge them into the live budget */
		b = observed_store_budget(&ps->store, a->budget);
		if (res && res->gone) {
			if (observed_store_remove_budget(&ps->store, a->budget))
				place_journal_budget(ps, NULL, a->budget);
		} else if (res && res->budget && b) {
			struct observed_budget *c = observed_budget_dup(b);
			if (a->kind == ACT_BUDGET_READ_TAGS) {
				tag_set_release(&c->tags);
				tag_set_copy(&c->tags, &res->budget->tags);
				c->tags_known = true;
			} else {
				for (size_t i = 0; i < c->n_alerts; i++)
					observed_alert_release(&c->alerts[i]);
				free(c->alerts);
				c->alerts = res->budget->alerts;
				c->n_alerts = res->budget->n_alerts;
				res->budget->alerts = NULL;
				res->budget->n_alerts = 0;
				c->alerts_known = true;
			}
			observed_store_put_budget(&ps->store, c);
		}
		goto out;
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
		place_journal_budget(ps, b, NULL);
		goto out;
	}
	if ((a->kind == ACT_BUDGET_TAG || a->kind == ACT_BUDGET_UNTAG) && !a->destructive) {
		b = observed_store_budget(&ps->store, a->budget);
		changes = tag_changes(b ? &b->tags : NULL, a);
	} else if (a->kind == ACT_BUDGET_UPDATE) {
		b = observed_store_budget(&ps->store, a->budget);
		changes = xasprintf("limit %s -> %s USD, period %s -> %s",
				    b && b->limit_amount ? b->limit_amount : "(none)", a->limit,
				    b && b->time_unit ? b->time_unit : "(none)", a->time_unit);
	}
	if (observed_apply_budget(&ps->store, a, arn) < 0) {
		/* the model lags behind AWS: read the alerts again next round */
		struct observed_budget *stale = observed_store_budget(&ps->store, a->budget);
		if (stale) {
			stale = observed_budget_dup(stale);
			stale->alerts_known = false;
			observed_store_put_budget(&ps->store, stale);
		}
	}
	b = observed_store_budget(&ps->store, a->budget);
	switch (a->kind) {
	case ACT_BUDGET_CREATE:
		record_note_tagged(t->record, arn, &a->tags);
		persist_applied(e, t, arn);
		set_fact(e, t, fact, a->value);
		if (at_reconciled_revision(t))
			note_change(e, t, "budget %s missing: re-created (%s USD %s)", a->budget, a->limit,
				    a->time_unit);
		else
			engine_history(t, engine_wall(e), "created budget %s (%s USD %s)", a->budget, a->limit,
				       a->time_unit);
		break;
	case ACT_BUDGET_UPDATE:
		note_change(e, t, "budget %s: %s", a->budget, changes);
		break;
	case ACT_BUDGET_DELETE:
		forget_resource(e, t, arn);
		set_fact(e, t, fact, NULL);
		{
			char *timer = xasprintf("budget:%s", a->budget);
			forget_resource(e, t, timer);
			free(timer);
		}
		place_journal_budget(ps, NULL, a->budget);
		engine_history(t, engine_wall(e), "deleted budget %s", a->budget);
		goto out;
	case ACT_BUDGET_TAG:
		record_note_tagged(t->record, a->resource, &a->tags);
		persist_applied(e, t, a->resource);
		note_change(e, t, "budget %s: %s", a->budget, changes);
		break;
	case ACT_BUDGET_UNTAG:
		record_note_untagged(t->record, a->resource, a->keys, a->n_keys);
		persist_applied(e, t, a->resource);
		if (a->destructive)
			engine_history(t, engine_wall(e), "released budget %s", a->budget);
		else
			note_change(e, t, "budget %s: %s", a->budget, changes);
		break;
	default:
		break;
	}
	if (b)
		place_journal_budget(ps, b, NULL);
out:
	free(arn);
	free(fact);
	free(changes);
}

static void apply_policy_result(struct reconcile *r, const struct action *a, struct cloud_result *res)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	char *fact = xasprintf("policy\n%s\n%s", a->role, a->name), *timer = xasprintf("policy:%s", a->role);
	struct observed_policy *p;

	switch (a->kind) {
	case ACT_POLICY_READ:
		if (res && res->policy) {
			observed_store_put_policy(&r->ps->store, res->policy);
			res->policy = NULL;
		}
		break;
	case ACT_POLICY_PUT: {
		char *hash = policy_hash(a->value);
		p = xcalloc(1, sizeof(*p));
		p->role = xstrdup(a->role);
		p->name = xstrdup(a->name);
		p->document = xstrdup(a->value);
		observed_store_put_policy(&r->ps->store, p);
		set_fact(e, t, fact, hash);
		note_change(e, t, "wrote policy %s on role %s", a->name, a->role);
		free(hash);
		break;
	}
	case ACT_POLICY_DELETE:
		observed_store_remove_policy(&r->ps->store, a->role, a->name);
		set_fact(e, t, fact, NULL);
		forget_resource(e, t, timer);
		engine_history(t, engine_wall(e), "removed policy %s from role %s", a->name, a->role);
		break;
	default:
		break;
	}
	free(fact);
	free(timer);
}

static bool is_delete(enum action_kind k)
{
	return k == ACT_PROFILE_DELETE || k == ACT_PARAM_DELETE || k == ACT_BUDGET_DELETE || k == ACT_POLICY_DELETE;
}

/* A read that finds nothing is an answer too: the resource is gone. */
static bool is_read(enum action_kind k)
{
	return k == ACT_PROFILE_READ_TAGS || k == ACT_PARAM_READ_TAGS || k == ACT_BUDGET_READ_TAGS ||
	       k == ACT_BUDGET_READ_ALERTS;
}

static void note_failure(struct reconcile *r, enum error_class cls, char *msg)
{
	r->e->n_action_failures++;
	if (cls > r->worst) {
		r->worst = cls;
		free(r->error);
		r->error = msg;
	} else {
		free(msg);
	}
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
		.drift = at_reconciled_revision(t),
		.removed = t->removed,
		.orphan = t->removed && !t->desired,
		.status = status,
		.err = err,
		.res = res,
	};

	if (r->e->set.on_action)
		r->e->set.on_action(&rep, r->e->set.data);
}

static void on_applied(int status, const struct cloud_error *err, struct cloud_result *res, void *data)
{
	struct pending_action *pa = data;
	struct reconcile *r = pa->r;
	struct engine *e = r->e;
	const struct action *a = &r->plan.actions[pa->index];

	free(pa);
	e->n_actions++;
	report_action(r, a, status, err, res);
	if (e->closing) {
		/* shutting down: the answer is dropped; the next run lists afresh */
	} else if (status == 0 || (res && res->gone && (is_delete(a->kind) || is_read(a->kind)))) {
		char *msg = apply_result(r, a, res);
		if (msg)
			note_failure(r, ERROR_RETRYABLE, msg);
	} else {
		enum error_class cls = err ? err->cls : ERROR_RETRYABLE;
		char *msg = xasprintf("%s %s: %s%s%s", action_kind_name(a->kind),
				      a->resource ? a->resource
				      : a->name	  ? a->name
						  : "",
				      err && err->code[0] ? err->code : strerror(-status),
				      err && err->message[0] ? ": " : "", err ? err->message : "");
		note_failure(r, cls, msg);
		/* a name taken although the listing did not show it: list again soon */
		if (a->kind == ACT_PROFILE_CREATE && err && strcmp(err->code, "ConflictException") == 0)
			place_list(r->ps);
		/* the model of a budget's alerts may be stale (a lost answer): read them again */
		if (a->budget && a->kind >= ACT_NOTIFICATION_CREATE && a->kind <= ACT_SUBSCRIBER_DELETE)
			forget_alerts(r->ps, a->budget);
	}
	engine_call_done(e);
	if (--r->outstanding)
		return;
	if (e->closing) {
		finish(r, ERROR_RETRYABLE, "interrupted by shutdown");
		return;
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

	switch (a->kind) {
	case ACT_TIMER_START:
		record_start_timer(t->record, a->timer, a->resource, a->since);
		rc = store_put_timer(e->store, t->id, record_timer(t->record, a->resource));
		engine_history(t, a->since, "%s", a->reason);
		break;
	case ACT_TIMER_CLEAR:
		record_clear_timer(t->record, a->resource);
		rc = store_clear_timer(e->store, t->id, a->resource);
		break;
	case ACT_INTENT_CLEAR:
		record_clear_intent(t->record, a->profile_key);
		rc = store_clear_intent(e->store, t->id, a->profile_key);
		break;
	case ACT_FACT_SET:
	case ACT_FACT_CLEAR:
		if (a->kind == ACT_FACT_SET)
			record_set_fact(t->record, a->resource, a->value);
		else
			record_clear_fact(t->record, a->resource);
		rc = store_put_fact(e->store, t->id, a->resource, a->kind == ACT_FACT_SET ? a->value : NULL);
		break;
	default:
		break;
	}
	if (rc < 0)
		engine_store_failed(e);
	return rc;
}

/* A create's intent is on disk before the create is sent, so that after a crash the
 * same name and token are used again. Every intent of the round is committed here;
 * the creates wait for a sync of the store that starts after these commits
 * (store_sync.h), run off the loop. The tenant's own row goes first if it is still
 * waiting for its batch (engine_store_tenant): the sync then carries it too. */
static int commit_intents(struct reconcile *r)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	int n = 0;

	free(r->intent_error);
	r->intent_error = NULL;
	engine_store_tenant_now(e, t);
	for (size_t i = 0; i < r->plan.n_actions; i++) {
		const struct action *a = &r->plan.actions[i];
		struct create_intent in = {
			.profile_key = a->profile_key, .name = a->name, .token = a->token, .since = a->since
		};

		if (a->kind != ACT_PROFILE_CREATE)
			continue;
		if (store_put_intent(e->store, t->id, &in) < 0) {
			free(r->intent_error);
			r->intent_error = xstrdup(store_error(e->store));
			engine_store_failed(e);
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

	if (status < 0) {
		free(r->intent_error);
		r->intent_error = xasprintf("syncing it to disk: %s", strerror(-status));
		engine_store_sync_failed(e, status);
	} else {
		engine_store_synced(e);
	}
	if (e->closing)
		finish(r, ERROR_RETRYABLE, "interrupted by shutdown");
	else if (e->paused || e->set.report_only)
		finish(r, ERROR_NONE, NULL); /* paused meanwhile: nothing is sent */
	else
		send_actions(r);
	engine_call_done(e); /* last: the drain may end here */
}

static void save_conflicts(struct tenant_entry *t, struct plan *p)
{
	for (size_t i = 0; i < t->n_conflicts; i++) {
		free(t->conflicts[i].resource);
		free(t->conflicts[i].message);
	}
	free(t->conflicts);
	t->conflicts = p->conflicts;
	t->n_conflicts = p->n_conflicts;
	p->conflicts = NULL;
	p->n_conflicts = 0;
	p->alloc_conflicts = 0;
}

static void run_round(struct reconcile *r)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct observed_tenant o;
	const struct tenant *here = t->removed ? NULL : t->desired;
	struct diff_settings ds = { e->set.instance, place_account_id(r->ps), e->set.grace_s, e->set.drain_s };
	struct diff_input in = {
		.tenant_id = t->id,
		.desired = here,
		.deletion_policy = t->desired	      ? t->desired->deletion_policy
				   : t->record->known ? t->record->deletion_policy
						      : DELETION_DELETE,
		.record = t->record,
		.observed = &o,
		.deletions_held = t->held,
		.now = engine_wall(e),
		.nonce = ((uint64_t)random() << 32) ^ (uint64_t)random() ^ uv_hrtime(),
	};

	observed_tenant_collect(&r->ps->store, e->set.instance, t->id, here, &o);
	diff_tenant(&ds, &in, &r->plan);
	observed_tenant_release(&o);
	save_conflicts(t, &r->plan);
	if (r->plan.error) {
		finish(r, ERROR_TERMINAL, r->plan.error);
		return;
	}
	for (size_t i = 0; i < r->plan.n_actions; i++)
		if (!action_calls_aws(r->plan.actions[i].kind))
			apply_record_action(e, t, &r->plan.actions[i]);
	if (!plan_aws_actions(&r->plan) || e->paused || e->set.report_only || r->round >= e->set.max_rounds) {
		finish(r, ERROR_NONE, NULL);
		return;
	}
	engine_update_state(e, t);
	if (commit_intents(r) > 0 && e->sync) {
		e->calls_in_flight++; /* a drain waits for the sync */
		store_sync_wait(e->sync, on_intents_durable, r);
		return;
	}
	send_actions(r);
}

/* The round's AWS actions; a create only when its intent is on disk. */
static void send_actions(struct reconcile *r)
{
	struct engine *e = r->e;

	r->worst = ERROR_NONE;
	r->outstanding = 1; /* held until every action is sent */
	for (size_t i = 0; i < r->plan.n_actions; i++) {
		const struct action *a = &r->plan.actions[i];
		struct pending_action *pa;

		if (!action_calls_aws(a->kind))
			continue;
		if (a->kind == ACT_PROFILE_CREATE && r->intent_error) {
			r->worst = ERROR_RETRYABLE;
			free(r->error);
			r->error = xasprintf("the state store cannot record a create intent: %s", r->intent_error);
			r->store_wait = true; /* logged by engine_store.c, once a minute */
			continue;
		}
		pa = xcalloc(1, sizeof(*pa));
		pa->r = r;
		pa->index = i;
		r->outstanding++;
		e->calls_in_flight++;
		if (e->cloud->apply(e->cloud_ctx, &r->ps->place, a, on_applied, pa) < 0) {
			free(pa);
			r->outstanding--;
			e->calls_in_flight--;
			r->worst = ERROR_RETRYABLE;
			free(r->error);
			r->error = xasprintf("%s could not be sent", action_kind_name(a->kind));
		}
	}
	if (--r->outstanding == 0)
		finish(r, r->worst, r->error);
}

void reconcile_start(struct engine *e, struct tenant_entry *t)
{
	struct place_state *ps = t->place ? hashmap_get(&e->places, t->place->key) : NULL;
	struct reconcile *r;

	if (!ps && t->desired && !t->removed) {
		ps = place_of_tenant(e, t);
		t->place = &ps->place;
	}
	if (!ps || !ps->listed) {
		/* nothing to compare with yet: the place's listing marks it again */
		workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->e = e;
	r->t = t;
	r->ps = ps;
	t->active = r;
	t->in_progress = true;
	e->reconciles_in_flight++;
	e->n_reconciles++;
	r->started_ms = uv_now(e->loop);
	run_round(r);
}
