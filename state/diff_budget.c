/* The diff of a tenant's budget: the budget itself (created with its notifications
 * and tags, updated when its limit, period or filter differ), its tags, its alerts
 * (notifications reconciled by value: created, updated with old/new pairs, deleted;
 * subscribers added and removed one by one), and its removal. Notifications are read
 * only when the desired alerts differ from those last applied (a fact in the record). */
#include "diff_impl.h"

#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "xalloc.h"

/* The budget's desired tags, a view (see diff_impl.h). */
static void budget_tag_view(const struct diff_ctx *c, const struct tenant *t, struct tag_set *v)
{
	tag_set_init(v);
	tag_view_add_all(v, &t->tags);
	tag_view_put(v, TAG_MANAGED_BY, c->s->instance);
	tag_view_put(v, TAG_TENANT, t->id);
}

static char *arn_of(const struct diff_ctx *c, const struct observed_budget *b)
{
	const struct tenant *t = c->in->desired;
	/* the place's partition: a removed tenant's budget has no desired region */
	const char *region = c->s->region ? c->s->region : t ? t->region : NULL;

	return budget_arn_in(b->name, region, c->s->account_id);
}

static struct observed_alert alert_copy(const struct observed_alert *a)
{
	struct observed_alert d = { 0 };

	d.type = xstrdup(a->type);
	d.comparison = xstrdup(a->comparison);
	d.threshold = a->threshold;
	d.threshold_type = xstrdup_or_null(a->threshold_type);
	d.n_subscribers = a->n_subscribers;
	d.subscribers = a->n_subscribers ? xcalloc(a->n_subscribers, sizeof(char *)) : NULL;
	for (size_t i = 0; i < a->n_subscribers; i++)
		d.subscribers[i] = xstrdup(a->subscribers[i]);
	return d;
}

static struct action *budget_action(struct diff_ctx *c, enum action_kind k, const char *name, const char *why,
				    const struct observed_alert *alert)
{
	struct action *a = plan_add(c->plan, k, "%s", why);

	a->budget = xstrdup(name);
	if (alert) {
		a->alerts = xcalloc(1, sizeof(*a->alerts));
		a->alerts[0] = alert_copy(alert);
		a->n_alerts = 1;
	}
	return a;
}

static bool has_subscriber(const struct observed_alert *a, const char *s)
{
	for (size_t i = 0; i < a->n_subscribers; i++)
		if (strcmp(a->subscribers[i], s) == 0)
			return true;
	return false;
}

/* Subscribers of one notification, one by one: the new ones first, those no longer
 * wanted in a later round. A round's calls go out together, and Budgets refuses to
 * leave a notification without a subscriber: a sole subscriber replaced ("ops@" ->
 * "cfo@") would be deleted first as often as not. */
static size_t diff_subscribers(struct diff_ctx *c, const char *name, const struct observed_alert *want,
			       const struct observed_alert *have)
{
	size_t n = 0;

	for (size_t i = 0; i < want->n_subscribers; i++) {
		struct action *a;
		if (has_subscriber(have, want->subscribers[i]))
			continue;
		a = budget_action(c, ACT_SUBSCRIBER_CREATE, name, "a new subscriber", have);
		a->subscriber = xstrdup(want->subscribers[i]);
		n++;
	}
	if (n)
		return n;
	for (size_t i = 0; i < have->n_subscribers; i++) {
		struct action *a;
		if (has_subscriber(want, have->subscribers[i]))
			continue;
		a = budget_action(c, ACT_SUBSCRIBER_DELETE, name, "a subscriber no longer in the manifest", have);
		a->subscriber = xstrdup(have->subscribers[i]);
		n++;
	}
	return n;
}

/* Notifications by value. Returns the number of actions. */
static size_t diff_alerts(struct diff_ctx *c, const struct tenant *t, const struct observed_budget *b)
{
	struct observed_alert *want;
	size_t n_want, n = 0;
	bool *used = xcalloc(b->n_alerts + 1, sizeof(bool)), *done = NULL;

	budget_alert_specs(t->budget, &want, &n_want);
	done = xcalloc(n_want + 1, sizeof(bool));
	for (size_t i = 0; i < n_want; i++) {
		for (size_t k = 0; k < b->n_alerts; k++) {
			if (used[k] || !alert_same_notification(&want[i], &b->alerts[k]))
				continue;
			used[k] = done[i] = true;
			n += diff_subscribers(c, b->name, &want[i], &b->alerts[k]);
			break;
		}
	}
	for (size_t i = 0; i < n_want; i++) {
		struct action *a = NULL;
		if (done[i])
			continue;
		/* a changed threshold: update the live notification of the same type
		 * (its subscribers follow in the next round, once it has its new value) */
		for (size_t k = 0; k < b->n_alerts && !a; k++) {
			if (used[k] || strcmp(b->alerts[k].type, want[i].type) != 0)
				continue;
			used[k] = true;
			a = budget_action(c, ACT_NOTIFICATION_UPDATE, b->name, "an alert changed", &want[i]);
			a->old_alert = alert_copy(&b->alerts[k]);
		}
		if (!a)
			budget_action(c, ACT_NOTIFICATION_CREATE, b->name, "a new alert", &want[i]);
		n++;
	}
	for (size_t k = 0; k < b->n_alerts; k++) {
		if (used[k])
			continue;
		budget_action(c, ACT_NOTIFICATION_DELETE, b->name, "an alert no longer in the manifest", &b->alerts[k]);
		n++;
	}
	budget_alert_specs_free(want, n_want);
	free(used);
	free(done);
	return n;
}

static void diff_live_budget(struct diff_ctx *c, const struct tenant *t, const struct observed_budget *b)
{
	const char *fact_key = diff__key(c, record_key_alerts_fact(b->name));
	char *hash = budget_alerts_hash(t->budget), *arn = arn_of(c, b);
	const char *applied = record_fact(c->in->record, fact_key);
	struct tag_set want;
	struct action *a;
	size_t first;

	if (!budget_matches(t, b)) {
		a = budget_action(c, ACT_BUDGET_UPDATE, b->name, "the limit, period or filter differ", NULL);
		a->limit = xstrdup(t->budget->limit_usd);
		a->time_unit = xstrdup(budget_time_unit(t->budget->period));
		a->filter = budget_filter_expression(t->id);
	}
	budget_tag_view(c, t, &want);
	first = c->plan->n_actions;
	diff__tags(c, ACT_BUDGET_TAG, ACT_BUDGET_UNTAG, arn, NULL, &want, &b->tags);
	for (size_t i = first; i < c->plan->n_actions; i++)
		c->plan->actions[i].budget = xstrdup(b->name);
	tag_view_release(&want);
	diff__clear_timer(c, diff__key(c, record_key_budget_timer(b->name)));

	if (!applied || strcmp(applied, hash) != 0) {
		if (!b->alerts_known) {
			budget_action(c, ACT_BUDGET_READ_ALERTS, b->name, "the alerts may differ", NULL);
		} else if (diff_alerts(c, t, b) == 0) {
			a = plan_add(c->plan, ACT_FACT_SET, "the alerts of %s are applied", b->name);
			a->resource = xstrdup(fact_key);
			a->value = xstrdup(hash);
		}
	} else if (b->alerts_audit) {
		/* applied, but an audit is due: a hand change shows only by reading */
		if (!b->alerts_known)
			budget_action(c, ACT_BUDGET_READ_ALERTS, b->name, "auditing the alerts", NULL);
		else
			diff_alerts(c, t, b);
	}
	free(hash);
	free(arn);
}

static void create_budget(struct diff_ctx *c, const struct tenant *t)
{
	struct action *a = budget_action(c, ACT_BUDGET_CREATE, t->budget_name, "the budget does not exist", NULL);
	struct tag_set v;

	a->limit = xstrdup(t->budget->limit_usd);
	a->time_unit = xstrdup(budget_time_unit(t->budget->period));
	a->filter = budget_filter_expression(t->id);
	budget_tag_view(c, t, &v);
	tag_set_copy(&a->tags, &v);
	tag_view_release(&v);
	budget_alert_specs(t->budget, &a->alerts, &a->n_alerts);
	a->value = budget_alerts_hash(t->budget); /* recorded as applied once created */
}

/* An owned budget nothing desires: grace, then delete or release. */
static void diff_undesired_budget(struct diff_ctx *c, const struct observed_budget *b)
{
	struct action *a;

	if (!diff__grace(c, diff__key(c, record_key_budget_timer(b->name))))
		return;
	if (diff__retain(c)) {
		a = budget_action(c, ACT_BUDGET_UNTAG, b->name, "released (deletion_policy: retain)", NULL);
		a->resource = arn_of(c, b);
		a->keys = xcalloc(1, sizeof(char *));
		a->keys[0] = xstrdup(TAG_MANAGED_BY);
		a->n_keys = 1;
	} else {
		a = budget_action(c, ACT_BUDGET_DELETE, b->name, "no longer in the manifest, grace passed", NULL);
	}
	a->destructive = true;
}

void diff_budget(struct diff_ctx *c)
{
	const struct tenant *t = c->in->desired;
	const struct observed_tenant *o = c->in->observed;
	const struct observed_budget *at_name = NULL;

	if (!o->budgets_listed) {
		/* Budgets are listed once the account id is known: not Ready meanwhile. A
		 * listing that could not read them says why; the place's listings are
		 * retried until they can (the tenant is marked again then). A removed
		 * tenant's budget, unseen, is found by a later listing (its tenant tag:
		 * the engine adopts it again). */
		const char *why = o->store ? o->store->budgets_error : NULL;
		if (why && t && t->budget) {
			free(c->plan->error);
			c->plan->error = xasprintf("the account's budgets cannot be listed: %s", why);
		} else if (t && t->budget) {
			c->plan->incomplete = true;
			plan_wake(c->plan, c->in->now + 5);
		}
		return;
	}
	for (size_t i = 0; t && t->budget_name && i < o->n_budgets; i++)
		if (strcmp(o->budgets[i]->name, t->budget_name) == 0)
			at_name = o->budgets[i];
	if (t && t->budget) {
		if (at_name && at_name->tags_known && !tags_owned_by(&at_name->tags, c->s->instance)) {
			plan_conflict(c->plan, at_name->name, "a budget named %s exists and is not managed by %s",
				      at_name->name, c->s->instance);
		} else if (at_name && at_name->tags_known && diff__other_tenants(c, &at_name->tags, at_name->name)) {
			plan_conflict(c->plan, at_name->name,
				      "a budget named %s exists: tenant %s's, whose name this tenant derives too (two "
				      "tenants derive one name: change policy.naming.budget_name)",
				      at_name->name, tag_set_get(&at_name->tags, TAG_TENANT));
		} else if (at_name && !at_name->tags_known) {
			struct action *a = budget_action(c, ACT_BUDGET_READ_TAGS, at_name->name, "ownership unknown",
							 NULL);
			a->resource = arn_of(c, at_name);
		} else if (!at_name) {
			if (!c->s->account_id) {
				c->plan->incomplete = true; /* a budget needs its account id */
				plan_wake(c->plan, c->in->now + 5);
				return;
			}
			create_budget(c, t);
		} else {
			diff_live_budget(c, t, at_name);
		}
	}
	for (size_t i = 0; i < o->n_budgets; i++) {
		const struct observed_budget *b = o->budgets[i];
		if (!b->tags_known || !tags_owned_by(&b->tags, c->s->instance))
			continue;
		if (t && t->budget && strcmp(b->name, t->budget_name) == 0)
			continue;
		diff_undesired_budget(c, b);
	}
}
