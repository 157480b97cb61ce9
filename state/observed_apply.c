#include "observed_apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "xalloc.h"

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static struct observed_alert copy_alert(const struct observed_alert *a)
{
	struct observed_alert d = *a;

	d.type = xstrdup(a->type);
	d.comparison = xstrdup(a->comparison);
	d.threshold_type = xstrdup_or_null(a->threshold_type);
	d.subscribers = xcalloc(a->n_subscribers + 1, sizeof(char *));
	for (size_t i = 0; i < a->n_subscribers; i++)
		d.subscribers[i] = xstrdup(a->subscribers[i]);
	return d;
}

static struct observed_alert *find_alert(struct observed_budget *b, const struct observed_alert *a)
{
	for (size_t i = 0; i < b->n_alerts; i++)
		if (alert_same_notification(&b->alerts[i], a))
			return &b->alerts[i];
	return NULL;
}

static struct observed_budget *created(const struct action *a, const char *arn)
{
	struct observed_budget *b = xcalloc(1, sizeof(*b));

	b->name = xstrdup(a->budget);
	b->arn = xstrdup_or_null(arn);
	b->limit_amount = xstrdup(a->limit);
	b->limit_unit = xstrdup(BUDGET_UNIT);
	b->time_unit = xstrdup(a->time_unit);
	b->budget_type = xstrdup(BUDGET_TYPE);
	b->filter_expression = xstrdup(a->filter);
	b->metric = xstrdup(BUDGET_METRIC);
	tag_set_copy(&b->tags, &a->tags);
	b->tags_known = b->alerts_known = true;
	b->alerts = xcalloc(a->n_alerts + 1, sizeof(*b->alerts));
	for (size_t i = 0; i < a->n_alerts; i++)
		b->alerts[b->n_alerts++] = copy_alert(&a->alerts[i]);
	return b;
}

/* Change a copy of the live budget b as the action says. */
static int change(struct observed_budget *b, const struct action *a)
{
	struct observed_alert *al = a->n_alerts ? find_alert(b, a->kind == ACT_NOTIFICATION_UPDATE ? &a->old_alert
												   : &a->alerts[0])
						: NULL;

	switch (a->kind) {
	case ACT_BUDGET_UPDATE:
		free(b->limit_amount);
		b->limit_amount = xstrdup(a->limit);
		free(b->time_unit);
		b->time_unit = xstrdup(a->time_unit);
		free(b->filter_expression);
		b->filter_expression = xstrdup(a->filter);
		free(b->metric);
		b->metric = xstrdup(BUDGET_METRIC);
		free(b->budget_type);
		b->budget_type = xstrdup(BUDGET_TYPE);
		free(b->limit_unit);
		b->limit_unit = xstrdup(BUDGET_UNIT);
		b->cost_filters = false;
		return 0;
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
		for (size_t i = 0; i < a->tags.n; i++)
			tag_set_put(&b->tags, a->tags.items[i].key, a->tags.items[i].value);
		for (size_t i = 0; i < a->n_keys; i++)
			tag_set_remove(&b->tags, a->keys[i]);
		return 0;
	case ACT_NOTIFICATION_CREATE:
		b->alerts = xreallocarray(b->alerts, b->n_alerts + 1, sizeof(*b->alerts));
		b->alerts[b->n_alerts++] = copy_alert(&a->alerts[0]);
		return 0;
	case ACT_NOTIFICATION_UPDATE: /* the value changes, the subscribers stay */
		if (!al)
			return -ENOENT;
		al->threshold = a->alerts[0].threshold;
		free(al->comparison);
		al->comparison = xstrdup(a->alerts[0].comparison);
		free(al->threshold_type);
		al->threshold_type = xstrdup_or_null(a->alerts[0].threshold_type);
		return 0;
	case ACT_NOTIFICATION_DELETE:
		if (!al)
			return -ENOENT;
		observed_alert_release(al);
		*al = b->alerts[--b->n_alerts];
		return 0;
	case ACT_SUBSCRIBER_CREATE:
		if (!al)
			return -ENOENT;
		al->subscribers = xreallocarray(al->subscribers, al->n_subscribers + 1, sizeof(char *));
		al->subscribers[al->n_subscribers++] = xstrdup(a->subscriber);
		qsort(al->subscribers, al->n_subscribers, sizeof(char *), cmp_str);
		return 0;
	case ACT_SUBSCRIBER_DELETE:
		if (!al)
			return -ENOENT;
		for (size_t i = 0; i < al->n_subscribers; i++) {
			if (strcmp(al->subscribers[i], a->subscriber) == 0) {
				free(al->subscribers[i]);
				al->subscribers[i] = al->subscribers[--al->n_subscribers];
				break;
			}
		}
		qsort(al->subscribers, al->n_subscribers, sizeof(char *), cmp_str);
		return 0;
	default:
		return -EINVAL;
	}
}

int observed_apply_budget(struct observed_store *s, const struct action *a, const char *arn)
{
	struct observed_budget *live = observed_store_budget(s, a->budget), *b;
	int r;

	if (a->kind == ACT_BUDGET_CREATE) {
		observed_store_put_budget(s, created(a, arn));
		return 0;
	}
	if (!live)
		return -ENOENT;
	if (a->kind == ACT_BUDGET_DELETE) {
		observed_store_remove_budget(s, a->budget);
		return 0;
	}
	b = observed_budget_dup(live);
	r = change(b, a);
	if (r < 0) {
		observed_budget_free(b);
		return r;
	}
	observed_store_put_budget(s, b);
	return 0;
}

const struct observed_parameter *observed_apply_parameter_create(struct observed_store *s, const struct action *a)
{
	struct observed_parameter *q = xcalloc(1, sizeof(*q));

	q->name = xstrdup(a->resource);
	q->value = xstrdup(a->value);
	q->version = 1;
	tag_set_copy(&q->tags, &a->tags);
	q->tags_known = true;
	observed_store_put_parameter(s, q);
	return q;
}
