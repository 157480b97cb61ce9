#include "budgets_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

/* ---- budgets ---- */

static int cost_filters_from(const cJSON *map, struct budgets_budget *b)
{
	const cJSON *entry;

	if (!map)
		return 0;
	if (!cJSON_IsObject(map))
		return -EBADMSG;
	cJSON_ArrayForEach(entry, map)
	{
		struct budgets_cost_filter *f;

		if (!cJSON_IsArray(entry))
			return -EBADMSG;
		b->cost_filters = xreallocarray(b->cost_filters, b->n_cost_filters + 1, sizeof(*b->cost_filters));
		f = &b->cost_filters[b->n_cost_filters++];
		f->key = xstrdup(entry->string);
		aws_strv_init(&f->values);
		if (aws_json_strv(entry, &f->values) < 0)
			return -EBADMSG;
	}
	return 0;
}

static char *spend_amount(const cJSON *spend)
{
	return spend ? aws_json_dup(spend, "Amount") : NULL;
}

static int budget_from(const cJSON *obj, struct budgets_budget *b)
{
	const cJSON *limit, *period, *calc, *expr, *metrics;
	int r;

	memset(b, 0, sizeof(*b));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "BudgetName"))
		return -EBADMSG;
	b->name = aws_json_dup(obj, "BudgetName");
	limit = aws_json_obj(obj, "BudgetLimit");
	if (limit) {
		b->limit_amount = aws_json_dup(limit, "Amount");
		b->limit_unit = aws_json_dup(limit, "Unit");
	}
	b->time_unit = aws_json_dup(obj, "TimeUnit");
	b->budget_type = aws_json_dup(obj, "BudgetType");
	r = cost_filters_from(cJSON_GetObjectItemCaseSensitive(obj, "CostFilters"), b);
	if (r < 0)
		goto fail;
	expr = aws_json_obj(obj, "FilterExpression");
	if (expr) {
		char *text = cJSON_PrintUnformatted(expr);

		if (!text)
			abort();
		b->filter_expression = xstrdup(text);
		cJSON_free(text);
	}
	metrics = aws_json_arr(obj, "Metrics");
	if (aws_json_strv(metrics, &b->metrics) < 0)
		goto fail;
	period = aws_json_obj(obj, "TimePeriod");
	if (period &&
	    (aws_json_time_ms(period, "Start", &b->start_ms) < 0 || aws_json_time_ms(period, "End", &b->end_ms) < 0))
		goto fail;
	if (aws_json_time_ms(obj, "LastUpdatedTime", &b->last_updated_ms) < 0)
		goto fail;
	calc = aws_json_obj(obj, "CalculatedSpend");
	if (calc) {
		b->actual_spend = spend_amount(aws_json_obj(calc, "ActualSpend"));
		b->forecasted_spend = spend_amount(aws_json_obj(calc, "ForecastedSpend"));
	}
	return 0;
fail:
	budgets_budget_release(b);
	return -EBADMSG;
}

int budgets_parse_budget(const char *body, size_t len, struct budgets_budget *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	r = budget_from(aws_json_obj(doc, "Budget"), ret);
	cJSON_Delete(doc);
	return r;
}

static int budget_item(const cJSON *obj, void *item)
{
	return budget_from(obj, item);
}

int budgets_parse_budgets_page(const char *body, size_t len, struct budgets_budget_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "Budgets", "NextToken", (void **)&list->items, &list->n, &list->alloc,
				   sizeof(*list->items), budget_item, ret_next);
}

/* ---- notifications and subscribers ---- */

static int notification_from(const cJSON *obj, void *item)
{
	struct budgets_notification *n = item;
	const cJSON *threshold = cJSON_GetObjectItemCaseSensitive(obj, "Threshold");

	memset(n, 0, sizeof(*n));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "NotificationType") ||
	    !aws_json_str(obj, "ComparisonOperator") || !cJSON_IsNumber(threshold) || !isfinite(threshold->valuedouble))
		return -EBADMSG;
	n->type = aws_json_dup(obj, "NotificationType");
	n->comparison = aws_json_dup(obj, "ComparisonOperator");
	n->threshold = threshold->valuedouble;
	n->threshold_type = aws_json_dup(obj, "ThresholdType");
	n->state = aws_json_dup(obj, "NotificationState");
	return 0;
}

static int subscriber_from(const cJSON *obj, void *item)
{
	struct budgets_subscriber *s = item;
	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "SubscriptionType") || !aws_json_str(obj, "Address"))
		return -EBADMSG;
	s->type = aws_json_dup(obj, "SubscriptionType");
	s->address = aws_json_dup(obj, "Address");
	return 0;
}

int budgets_parse_notifications_page(const char *body, size_t len, struct budgets_notification_list *list,
				     char **ret_next)
{
	return aws_json_parse_page(body, len, "Notifications", "NextToken", (void **)&list->items, &list->n,
				   &list->alloc, sizeof(*list->items), notification_from, ret_next);
}

int budgets_parse_subscribers_page(const char *body, size_t len, struct budgets_subscriber_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "Subscribers", "NextToken", (void **)&list->items, &list->n, &list->alloc,
				   sizeof(*list->items), subscriber_from, ret_next);
}

int budgets_parse_tags(const char *body, size_t len, struct aws_tags *ret)
{
	return aws_json_parse_tags(body, len, "ResourceTags", "Key", "Value", ret);
}

/* ---- serializers ---- */

int budgets_budget_to_json(const struct budgets_budget *b, cJSON **ret)
{
	cJSON *obj, *limit, *filters, *period, *expr;

	if (!b->name || !b->time_unit || !b->budget_type)
		return -EINVAL;
	obj = aws_json_new_object();
	aws_json_add_str(obj, "BudgetName", b->name);
	if (b->limit_amount) {
		limit = aws_json_new_object();
		aws_json_add_str(limit, "Amount", b->limit_amount);
		aws_json_add_str(limit, "Unit", b->limit_unit ? b->limit_unit : "USD");
		cJSON_AddItemToObject(obj, "BudgetLimit", limit);
	}
	aws_json_add_str(obj, "TimeUnit", b->time_unit);
	aws_json_add_str(obj, "BudgetType", b->budget_type);
	if (b->n_cost_filters) {
		filters = aws_json_new_object();
		for (size_t i = 0; i < b->n_cost_filters; i++)
			aws_json_add_strs(filters, b->cost_filters[i].key,
					  (const char *const *)b->cost_filters[i].values.items,
					  b->cost_filters[i].values.n);
		cJSON_AddItemToObject(obj, "CostFilters", filters);
	}
	if (b->filter_expression) {
		expr = cJSON_Parse(b->filter_expression);
		if (!cJSON_IsObject(expr)) {
			cJSON_Delete(expr);
			cJSON_Delete(obj);
			return -EINVAL;
		}
		cJSON_AddItemToObject(obj, "FilterExpression", expr);
	}
	if (b->metrics.n)
		aws_json_add_strs(obj, "Metrics", (const char *const *)b->metrics.items, b->metrics.n);
	if (b->start_ms || b->end_ms) {
		period = aws_json_new_object();
		if (b->start_ms)
			aws_json_add_num(period, "Start", (double)(b->start_ms / 1000));
		if (b->end_ms)
			aws_json_add_num(period, "End", (double)(b->end_ms / 1000));
		cJSON_AddItemToObject(obj, "TimePeriod", period);
	}
	*ret = obj;
	return 0;
}

int budgets_notification_to_json(const struct budgets_notification *n, cJSON **ret)
{
	cJSON *obj;

	if (!n->type || !n->comparison || !isfinite(n->threshold))
		return -EINVAL;
	obj = aws_json_new_object();
	aws_json_add_str(obj, "NotificationType", n->type);
	aws_json_add_str(obj, "ComparisonOperator", n->comparison);
	aws_json_add_num(obj, "Threshold", n->threshold);
	aws_json_add_str_opt(obj, "ThresholdType", n->threshold_type);
	*ret = obj;
	return 0;
}

int budgets_subscriber_to_json(const struct budgets_subscriber *s, cJSON **ret)
{
	cJSON *obj;

	if (!s->type || !s->address)
		return -EINVAL;
	obj = aws_json_new_object();
	aws_json_add_str(obj, "SubscriptionType", s->type);
	aws_json_add_str(obj, "Address", s->address);
	*ret = obj;
	return 0;
}

/* ---- release ---- */

void budgets_budget_release(struct budgets_budget *b)
{
	free(b->name);
	free(b->limit_amount);
	free(b->limit_unit);
	free(b->time_unit);
	free(b->budget_type);
	for (size_t i = 0; i < b->n_cost_filters; i++) {
		free(b->cost_filters[i].key);
		aws_strv_release(&b->cost_filters[i].values);
	}
	free(b->cost_filters);
	free(b->filter_expression);
	aws_strv_release(&b->metrics);
	free(b->actual_spend);
	free(b->forecasted_spend);
	memset(b, 0, sizeof(*b));
}

void budgets_notification_release(struct budgets_notification *n)
{
	free(n->type);
	free(n->comparison);
	free(n->threshold_type);
	free(n->state);
	memset(n, 0, sizeof(*n));
}

void budgets_subscriber_release(struct budgets_subscriber *s)
{
	free(s->type);
	free(s->address);
	memset(s, 0, sizeof(*s));
}

#define RELEASE_LIST(l, fn)                                                                                            \
	do {                                                                                                           \
		for (size_t i_ = 0; i_ < (l)->n; i_++)                                                                 \
			fn(&(l)->items[i_]);                                                                           \
		free((l)->items);                                                                                      \
		memset((l), 0, sizeof(*(l)));                                                                          \
	} while (0)

void budgets_budget_list_release(struct budgets_budget_list *l)
{
	RELEASE_LIST(l, budgets_budget_release);
}

void budgets_notification_list_release(struct budgets_notification_list *l)
{
	RELEASE_LIST(l, budgets_notification_release);
}

void budgets_subscriber_list_release(struct budgets_subscriber_list *l)
{
	RELEASE_LIST(l, budgets_subscriber_release);
}
