/* The observed budgets (observed.h): their alerts and amounts, their copies, and their
 * place in the store and in its tenant index (observed_impl.h). */
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "generation.h"
#include "intern.h"
#include "observed_impl.h"
#include "xalloc.h"

void observed_alert_release(struct observed_alert *a)
{
	free(a->type);
	free(a->comparison);
	free(a->threshold_type);
	for (size_t i = 0; i < a->n_subscribers; i++)
		free(a->subscribers[i]);
	free(a->subscribers);
	memset(a, 0, sizeof(*a));
}

/* Alerts in a store's arena (observed_budget_set_alerts): only the interned constants
 * are released; the rest goes with the arena. */
static void release_arena_alerts(struct observed_alert *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		intern_unref(v[i].type);
		intern_unref(v[i].comparison);
		intern_unref(v[i].threshold_type);
	}
}

static void release_alerts(struct observed_budget *b)
{
	if (b->alerts_in_arena) {
		release_arena_alerts(b->alerts, b->n_alerts);
		return;
	}
	for (size_t i = 0; i < b->n_alerts; i++)
		observed_alert_release(&b->alerts[i]);
	free(b->alerts);
}

void observed_budget_free(struct observed_budget *b)
{
	if (!b)
		return;
	release_alerts(b);
	for (size_t i = 0; i < b->n_actions; i++)
		observed_budget_action_release(&b->actions[i]);
	free(b->actions);
	if (b->in_arena) { /* its memory goes with its store's arena; the constants are interned */
		intern_unref(b->limit_unit);
		intern_unref(b->time_unit);
		intern_unref(b->budget_type);
		intern_unref(b->metric);
		if (b->filter_is_tenant)
			intern_unref(b->filter_tenant);
		tag_set_release(&b->tags); /* packed: its values stay in the arena */
		return;
	}
	if (b->filter_is_tenant)
		intern_unref(b->filter_tenant);
	else
		free(b->filter_expression);
	free(b->name);
	free(b->limit_unit);
	free(b->time_unit);
	free(b->budget_type);
	free(b->metric);
	free(b->amounts);
	tag_set_release(&b->tags);
	free(b);
}

/* The i-th of b's amounts (0 limit, 1 actual, 2 forecasted): b->amounts holds all three. */
static const char *amount(const struct observed_budget *b, int i, bool has)
{
	const char *p = b->amounts;

	if (!has)
		return NULL;
	while (i-- > 0)
		p += strlen(p) + 1;
	return p;
}

const char *observed_budget_limit_amount(const struct observed_budget *b)
{
	return amount(b, 0, b->has_limit_amount);
}

const char *observed_budget_actual_spend(const struct observed_budget *b)
{
	return amount(b, 1, b->has_actual_spend);
}

const char *observed_budget_forecasted_spend(const struct observed_budget *b)
{
	return amount(b, 2, b->has_forecasted_spend);
}

/* The bytes "limit\0actual\0forecasted\0" take, an absent one ""; 0 when all are. */
static size_t amounts_size(const char *const v[3])
{
	size_t n = 0;

	if (!v[0] && !v[1] && !v[2])
		return 0;
	for (int i = 0; i < 3; i++)
		n += strlen(v[i] ? v[i] : "") + 1;
	return n;
}

/* b's amounts: v[0..3) written to dst (amounts_size bytes), or NULL. */
static void amounts_pack(struct observed_budget *b, char *dst, const char *const v[3])
{
	char *p = dst;

	for (int i = 0; dst && i < 3; i++) {
		size_t n = strlen(v[i] ? v[i] : "") + 1;
		memcpy(p, v[i] ? v[i] : "", n);
		p += n;
	}
	b->amounts = dst;
	b->has_limit_amount = v[0] != NULL;
	b->has_actual_spend = v[1] != NULL;
	b->has_forecasted_spend = v[2] != NULL;
}

void observed_budget_put_amounts(struct observed_budget *b, const char *limit, const char *actual,
				 const char *forecasted)
{
	const char *const v[3] = { limit, actual, forecasted };
	size_t n = amounts_size(v);
	char *old = b->amounts; /* the new ones may point into it */

	amounts_pack(b, n ? xmalloc(n) : NULL, v);
	free(old);
}

char *observed_budget_filter(const struct observed_budget *b)
{
	return b->filter_is_tenant ? budget_filter_expression(b->filter_tenant) : xstrdup_or_null(b->filter_expression);
}

void observed_budget_put_filter(struct observed_budget *b, const char *json)
{
	const char *tenant = budget_filter_tenant(json);

	if (b->filter_is_tenant)
		intern_unref(b->filter_tenant);
	else
		free(b->filter_expression);
	b->filter_is_tenant = tenant != NULL;
	if (tenant)
		b->filter_tenant = tenant;
	else
		b->filter_expression = xstrdup_or_null(json);
}

struct observed_budget *observed_store_new_budget(struct observed_store *s, const char *name)
{
	struct arena *a = observed__store_arena(s);
	struct observed_budget *b = arena_alloc(a, sizeof(*b));

	b->in_arena = true;
	b->name = arena_strdup(a, name);
	tag_set_init(&b->tags);
	return b;
}

void observed_budget_set(struct observed_store *s, struct observed_budget *b, const char *limit_amount,
			 const char *limit_unit, const char *time_unit, const char *budget_type,
			 const char *filter_expression, const char *metric, const char *actual_spend,
			 const char *forecasted_spend)
{
	struct arena *a = observed__store_arena(s);
	const char *const v[3] = { limit_amount, actual_spend, forecasted_spend };
	size_t n;

	b->limit_unit = (char *)intern(limit_unit);
	b->time_unit = (char *)intern(time_unit);
	b->budget_type = (char *)intern(budget_type);
	b->filter_tenant = budget_filter_tenant(filter_expression);
	b->filter_is_tenant = b->filter_tenant != NULL;
	if (!b->filter_is_tenant)
		b->filter_expression = arena_strdup(a, filter_expression);
	b->metric = (char *)intern(metric);
	n = amounts_size(v);
	amounts_pack(b, n ? arena_alloc(a, n) : NULL, v);
}

/* A copy of a in arena `ar`, its constant strings interned, its subscribers' array
 * and strings in the arena. */
static void arena_alert(struct arena *ar, struct observed_alert *d, const struct observed_alert *a)
{
	d->type = (char *)intern(a->type);
	d->comparison = (char *)intern(a->comparison);
	d->threshold = a->threshold;
	d->threshold_type = (char *)intern(a->threshold_type);
	d->n_subscribers = a->n_subscribers;
	if (a->n_subscribers)
		d->subscribers = arena_alloc(ar, a->n_subscribers * sizeof(char *));
	for (size_t k = 0; k < a->n_subscribers; k++)
		d->subscribers[k] = arena_strdup(ar, a->subscribers[k]);
}

void observed_budget_set_alerts(struct observed_store *s, struct observed_budget *b, const struct observed_alert *v,
				size_t n)
{
	struct arena *ar = observed__store_arena(s);

	b->alerts_in_arena = true;
	b->alerts = n ? arena_alloc(ar, n * sizeof(*b->alerts)) : NULL;
	b->n_alerts = n;
	for (size_t i = 0; i < n; i++)
		arena_alert(ar, &b->alerts[i], &v[i]);
}

struct observed_budget *observed_budget_dup(const struct observed_budget *b)
{
	struct observed_budget *c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(b->name);
	c->limit_unit = xstrdup_or_null(b->limit_unit);
	c->time_unit = xstrdup_or_null(b->time_unit);
	c->budget_type = xstrdup_or_null(b->budget_type);
	c->filter_is_tenant = b->filter_is_tenant;
	if (b->filter_is_tenant)
		c->filter_tenant = intern_ref(b->filter_tenant);
	else
		c->filter_expression = xstrdup_or_null(b->filter_expression);
	c->metric = xstrdup_or_null(b->metric);
	c->cost_filters = b->cost_filters;
	observed_budget_put_amounts(c, observed_budget_limit_amount(b), observed_budget_actual_spend(b),
				    observed_budget_forecasted_spend(b));
	tag_set_copy(&c->tags, &b->tags);
	c->tags_known = b->tags_known;
	c->listed = b->listed;
	c->alerts_known = b->alerts_known;
	c->alerts_audit = b->alerts_audit;
	c->n_actions = b->n_actions;
	c->actions = b->n_actions ? xcalloc(b->n_actions, sizeof(*c->actions)) : NULL;
	for (size_t i = 0; i < b->n_actions; i++)
		observed_budget_action_copy(&c->actions[i], &b->actions[i]);
	c->n_alerts = b->n_alerts;
	c->alerts = b->n_alerts ? xcalloc(b->n_alerts, sizeof(*c->alerts)) : NULL;
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct observed_alert *a = &b->alerts[i];
		struct observed_alert *d = &c->alerts[i];
		d->type = xstrdup_or_null(a->type);
		d->comparison = xstrdup_or_null(a->comparison);
		d->threshold = a->threshold;
		d->threshold_type = xstrdup_or_null(a->threshold_type);
		d->n_subscribers = a->n_subscribers;
		d->subscribers = a->n_subscribers ? xcalloc(a->n_subscribers, sizeof(char *)) : NULL;
		for (size_t k = 0; k < a->n_subscribers; k++)
			d->subscribers[k] = xstrdup(a->subscribers[k]);
	}
	return c;
}

static void unindex_budget(struct observed_store *s, struct observed_budget *b)
{
	const char *tenant = observed__tenant_of(&b->tags, b->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	observed__touch(s, &b->tags, b->tags_known);
	if (!g)
		return;
	for (size_t i = 0; i < g->n_budgets; i++) {
		if (g->budgets[i] == b) {
			g->budgets[i] = g->budgets[--g->n_budgets];
			break;
		}
	}
	observed__group_maybe_drop(s, tenant, g);
}

void observed_store_put_budget(struct observed_store *s, struct observed_budget *b)
{
	struct observed_budget *old = hashmap_put(&s->budgets, b->name, b);
	const char *tenant;

	if (old) {
		unindex_budget(s, old);
		observed_budget_free(old);
	}
	if (b->in_arena)
		b->tags_in_arena = observed__tags_to_arena(s, &b->tags, b->tags_in_arena);
	tenant = observed__tenant_of(&b->tags, b->tags_known);
	if (tenant) {
		struct observed_group *g = observed__group_for(s, tenant, b->in_arena);
		if (g->n_budgets == g->alloc_budgets)
			observed__group_grow(g, 2);
		g->budgets[g->n_budgets++] = b;
	} else {
		s->gen = generation_next();
	}
}

bool observed_store_remove_budget(struct observed_store *s, const char *name)
{
	struct observed_budget *b = hashmap_get(&s->budgets, name);

	if (!b)
		return false;
	unindex_budget(s, b);
	hashmap_remove(&s->budgets, name);
	observed_budget_free(b);
	return true;
}

struct observed_budget *observed_store_budget(const struct observed_store *s, const char *name)
{
	return hashmap_get(&s->budgets, name);
}
