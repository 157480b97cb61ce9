/* Budget, notification and subscriber actions on the Budgets client. Every call
 * names the place's account id; Budgets is global and signs for us-east-1. */
#include "cloud_aws_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "diff.h"
#include "xalloc.h"

#define BUDGETS_REGION "us-east-1"

/* The action's budget, in the AWS layer's shape (strings borrowed from a). */
static void budget_of(const struct action *a, struct budgets_budget *b, char **metric)
{
	memset(b, 0, sizeof(*b));
	b->name = a->budget;
	b->limit_amount = a->limit;
	b->limit_unit = (char *)BUDGET_UNIT;
	b->time_unit = a->time_unit;
	b->budget_type = (char *)BUDGET_TYPE;
	b->filter_expression = a->filter;
	*metric = (char *)BUDGET_METRIC;
	b->metrics.items = metric;
	b->metrics.n = 1;
}

static void notification_of(const struct observed_alert *al, struct budgets_notification *n)
{
	memset(n, 0, sizeof(*n));
	n->type = al->type;
	n->comparison = al->comparison;
	n->threshold = al->threshold;
	n->threshold_type = al->threshold_type;
}

/* "EMAIL:address" / "SNS:arn" -> the AWS layer's subscriber (borrows into spec). */
static void subscriber_of(char *spec, struct budgets_subscriber *s)
{
	char *colon = strchr(spec, ':');

	*colon = '\0';
	s->type = spec;
	s->address = colon + 1;
}

/* ---- a create whose first answer was lost comes back as DuplicateRecord: the
 * budget exists; it counts as created only when it is ours ---- */

static void on_existing_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct applying *x = arg;
	const char *owner = status == 0 ? aws_tags_get(tags, TAG_MANAGED_BY) : NULL;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	if (!owner || strcmp(owner, x->c->instance) != 0) {
		cloud_error_set(&x->err, 400, ERROR_TERMINAL, "DuplicateRecordException",
				"a budget named %s exists and is not managed by %s", x->act->budget, x->c->instance);
		x->cb(-EEXIST, &x->err, &x->res, x->data);
		cloud_aws__applying_free(x);
		return;
	}
	cloud_aws__tags_from_aws(&x->res.budget->tags, tags);
	x->res.budget->tags_known = true;
	cloud_aws__finish(x, 0, NULL);
}

static void on_existing(void *arg, int status, const struct aws_error *err, const struct budgets_budget *bb)
{
	struct applying *x = arg;
	struct observed_budget *b;
	char *arn;
	int r;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	b = x->res.budget = xcalloc(1, sizeof(*b));
	b->name = xstrdup(bb->name);
	observed_budget_put_amounts(b, bb->limit_amount, NULL, NULL); /* spend: the listing's */
	b->limit_unit = xstrdup_or_null(bb->limit_unit);
	b->time_unit = xstrdup_or_null(bb->time_unit);
	b->budget_type = xstrdup_or_null(bb->budget_type);
	observed_budget_put_filter(b, bb->filter_expression);
	b->metric = bb->metrics.n ? xstrdup(bb->metrics.items[0]) : NULL;
	b->cost_filters = bb->n_cost_filters > 0;
	tag_set_init(&b->tags); /* alerts unknown: read next round */
	arn = budget_arn(region_partition(x->region), x->account_id, bb->name);
	r = budgets_list_tags_for_resource(x->c->client, &x->target, arn, on_existing_tags, x);
	free(arn);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

static void on_created_budget(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;
	int r;

	if (status < 0 && cloud_aws__code_is(err, "DuplicateRecordException")) {
		cloud_aws__stamp_request_id(x); /* the create's, not the reads' */
		r = budgets_describe_budget(x->c->client, &x->target, x->account_id, x->act->budget, on_existing, x);
		if (r < 0)
			cloud_aws__finish(x, r, NULL);
		return;
	}
	cloud_aws__finish(x, status, err);
}

/* A notification or subscriber that already exists was created by the lost answer. */
static void on_created_entry(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	if (status < 0 && cloud_aws__code_is(err, "DuplicateRecordException"))
		status = 0;
	cloud_aws__finish(x, status, status < 0 ? err : NULL);
}

static int create_budget(struct applying *x)
{
	const struct action *a = x->act;
	struct budgets_budget b;
	struct budgets_notification_with_subscribers *nws = xcalloc(a->n_alerts + 1, sizeof(*nws));
	char **specs = NULL, *metric;
	size_t n_specs = 0;
	struct aws_tag *tags = cloud_aws__aws_tags(&a->tags);
	struct budgets_create_input in;
	int r;

	budget_of(a, &b, &metric);
	for (size_t i = 0; i < a->n_alerts; i++) {
		const struct observed_alert *al = &a->alerts[i];
		notification_of(al, &nws[i].notification);
		nws[i].subscribers = xcalloc(al->n_subscribers + 1, sizeof(*nws[i].subscribers));
		for (size_t k = 0; k < al->n_subscribers; k++) {
			specs = xreallocarray(specs, n_specs + 1, sizeof(char *));
			specs[n_specs] = xstrdup(al->subscribers[k]);
			subscriber_of(specs[n_specs++], &nws[i].subscribers[k]);
		}
		nws[i].n_subscribers = al->n_subscribers;
	}
	in = (struct budgets_create_input){ x->account_id, &b, nws, a->n_alerts, tags, a->tags.n };
	r = budgets_create_budget(x->c->client, &x->target, &in, on_created_budget, x);
	for (size_t i = 0; i < a->n_alerts; i++)
		free(nws[i].subscribers);
	free(nws);
	for (size_t i = 0; i < n_specs; i++)
		free(specs[i]);
	free(specs);
	free(tags);
	return r;
}

/* ---- reads: tags, or the notifications with their subscribers ---- */

static void on_budget_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct applying *x = arg;

	if (status < 0) {
		cloud_aws__read_failed(x, status, err, "NotFoundException", NULL);
		return;
	}
	x->res.budget = xcalloc(1, sizeof(*x->res.budget));
	x->res.budget->name = xstrdup(x->act->budget);
	cloud_aws__tags_from_aws(&x->res.budget->tags, tags);
	x->res.budget->tags_known = true;
	cloud_aws__finish(x, 0, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_next_subscribers(struct applying *x);

static void on_subscribers(void *arg, int status, const struct aws_error *err,
			   const struct budgets_subscriber_list *list)
{
	struct applying *x = arg;
	struct observed_alert *al;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	al = &x->res.budget->alerts[x->step];
	al->subscribers = xcalloc(list->n + 1, sizeof(char *));
	for (size_t i = 0; i < list->n; i++)
		al->subscribers[i] = xasprintf("%s:%s", list->items[i].type, list->items[i].address);
	qsort(al->subscribers, list->n, sizeof(char *), cmp_str);
	/* one subscriber given twice by the pages is one (not one to take away) */
	for (size_t i = 0; i < list->n; i++) {
		if (al->n_subscribers && !strcmp(al->subscribers[al->n_subscribers - 1], al->subscribers[i]))
			free(al->subscribers[i]);
		else
			al->subscribers[al->n_subscribers++] = al->subscribers[i];
	}
	x->step++;
	read_next_subscribers(x);
}

static void read_next_subscribers(struct applying *x)
{
	struct budgets_notification n;
	int r;

	if ((size_t)x->step >= x->res.budget->n_alerts) {
		x->res.budget->alerts_known = true;
		cloud_aws__finish(x, 0, NULL);
		return;
	}
	notification_of(&x->res.budget->alerts[x->step], &n);
	r = budgets_describe_subscribers(x->c->client, &x->target, x->account_id, x->act->budget, &n, on_subscribers,
					 x);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

/* listed_before: a notification the same as one b has already (the listing's pages gave
 * it twice): Budgets keeps one notification of a kind, threshold and threshold type. */
static bool listed_before(const struct observed_budget *b, const struct budgets_notification *n,
			  const char *threshold_type)
{
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct observed_alert *a = &b->alerts[i];
		if (!strcmp(a->type, n->type) && !strcmp(a->comparison, n->comparison) &&
		    a->threshold == n->threshold && !strcmp(a->threshold_type, threshold_type))
			return true;
	}
	return false;
}

static void on_notifications(void *arg, int status, const struct aws_error *err,
			     const struct budgets_notification_list *list)
{
	struct applying *x = arg;
	struct observed_budget *b;

	if (status < 0) {
		cloud_aws__read_failed(x, status, err, "NotFoundException", NULL);
		return;
	}
	b = x->res.budget = xcalloc(1, sizeof(*x->res.budget));
	b->name = xstrdup(x->act->budget);
	tag_set_init(&b->tags);
	b->alerts = xcalloc(list->n + 1, sizeof(*b->alerts));
	for (size_t i = 0; i < list->n; i++) {
		const struct budgets_notification *n = &list->items[i];
		const char *threshold_type = n->threshold_type ? n->threshold_type : "PERCENTAGE";
		if (listed_before(b, n, threshold_type))
			continue;
		b->alerts[b->n_alerts].type = xstrdup(n->type);
		b->alerts[b->n_alerts].comparison = xstrdup(n->comparison);
		b->alerts[b->n_alerts].threshold = n->threshold;
		b->alerts[b->n_alerts].threshold_type = xstrdup(threshold_type);
		b->n_alerts++;
	}
	x->step = 0;
	read_next_subscribers(x);
}

/* ---- the rest: one call each ---- */

static int notification_call(struct applying *x)
{
	const struct action *a = x->act;
	struct budgets_notification n, old;
	struct budgets_subscriber sub = { 0 };
	char *spec = a->subscriber ? xstrdup(a->subscriber) : NULL;
	int r = -EINVAL;

	notification_of(&a->alerts[0], &n);
	if (spec)
		subscriber_of(spec, &sub);
	switch (a->kind) {
	case ACT_NOTIFICATION_CREATE: {
		struct budgets_subscriber *subs = xcalloc(a->alerts[0].n_subscribers + 1, sizeof(*subs));
		char **specs = xcalloc(a->alerts[0].n_subscribers + 1, sizeof(char *));
		for (size_t i = 0; i < a->alerts[0].n_subscribers; i++) {
			specs[i] = xstrdup(a->alerts[0].subscribers[i]);
			subscriber_of(specs[i], &subs[i]);
		}
		r = budgets_create_notification(x->c->client, &x->target, x->account_id, a->budget, &n, subs,
						a->alerts[0].n_subscribers, on_created_entry, x);
		for (size_t i = 0; i < a->alerts[0].n_subscribers; i++)
			free(specs[i]);
		free(specs);
		free(subs);
		break;
	}
	case ACT_NOTIFICATION_UPDATE:
		notification_of(&a->old_alert, &old);
		r = budgets_update_notification(x->c->client, &x->target, x->account_id, a->budget, &old, &n,
						cloud_aws__on_done, x);
		break;
	case ACT_NOTIFICATION_DELETE:
		r = budgets_delete_notification(x->c->client, &x->target, x->account_id, a->budget, &n,
						cloud_aws__on_done, x);
		break;
	case ACT_SUBSCRIBER_CREATE:
		r = budgets_create_subscriber(x->c->client, &x->target, x->account_id, a->budget, &n, &sub,
					      on_created_entry, x);
		break;
	case ACT_SUBSCRIBER_DELETE:
		r = budgets_delete_subscriber(x->c->client, &x->target, x->account_id, a->budget, &n, &sub,
					      cloud_aws__on_done, x);
		break;
	default:
		break;
	}
	free(spec);
	return r;
}

int cloud_aws__apply_budget(struct applying *x)
{
	const struct action *a = x->act;
	struct aws_tag *tags;
	struct budgets_budget b;
	char *metric;
	int r;

	if (!x->account_id)
		return -ENOKEY; /* Budgets calls need the account id */
	free(x->region);
	x->region = xstrdup(BUDGETS_REGION);
	x->target.region = x->region;
	switch (a->kind) {
	case ACT_BUDGET_CREATE:
		return create_budget(x);
	case ACT_BUDGET_UPDATE:
		budget_of(a, &b, &metric);
		return budgets_update_budget(x->c->client, &x->target, x->account_id, &b, cloud_aws__on_done, x);
	case ACT_BUDGET_DELETE:
		return budgets_delete_budget(x->c->client, &x->target, x->account_id, a->budget, cloud_aws__on_done, x);
	case ACT_BUDGET_TAG:
		tags = cloud_aws__aws_tags(&a->tags);
		r = budgets_tag_resource(x->c->client, &x->target, a->resource, tags, a->tags.n, cloud_aws__on_done, x);
		free(tags);
		return r;
	case ACT_BUDGET_UNTAG:
		return budgets_untag_resource(x->c->client, &x->target, a->resource, (const char *const *)a->keys,
					      a->n_keys, cloud_aws__on_done, x);
	case ACT_BUDGET_READ_TAGS:
		return budgets_list_tags_for_resource(x->c->client, &x->target, a->resource, on_budget_tags, x);
	case ACT_BUDGET_READ_ALERTS:
		return budgets_describe_notifications(x->c->client, &x->target, x->account_id, a->budget,
						      on_notifications, x);
	case ACT_NOTIFICATION_CREATE:
	case ACT_NOTIFICATION_UPDATE:
	case ACT_NOTIFICATION_DELETE:
	case ACT_SUBSCRIBER_CREATE:
	case ACT_SUBSCRIBER_DELETE:
		return notification_call(x);
	default:
		return -EINVAL;
	}
}
