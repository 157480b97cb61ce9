/* Pure parsers and serializers for AWS Budgets (awsJson1.1): budgets, notifications,
 * subscribers, their listing pages, tag lists. Timestamps are epoch seconds on the
 * wire. A notification has no id: it is identified by its four values (type,
 * comparison, threshold, threshold type). Results own their strings; each _release
 * frees them and accepts a zeroed struct. The same structs describe what to create
 * or update (their fields are then only read). */
#ifndef BTD_BUDGETS_PARSE_H
#define BTD_BUDGETS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws_types.h"

struct budgets_notification {
	char *type;	      /* "ACTUAL" | "FORECASTED" */
	char *comparison;     /* "GREATER_THAN" | "LESS_THAN" | "EQUAL_TO" */
	double threshold;     /* percent or amount */
	char *threshold_type; /* "PERCENTAGE" | "ABSOLUTE_VALUE"; NULL: not sent */
	char *state;	      /* "OK" | "ALARM"; NULL when absent; never sent */
};

struct budgets_subscriber {
	char *type;    /* "EMAIL" | "SNS" */
	char *address; /* an e-mail address or an SNS topic ARN */
};

struct budgets_cost_filter {
	char *key; /* "TagKeyValue", "Service", ... */
	struct aws_strv values;
};

struct budgets_budget {
	char *name;
	char *limit_amount;			  /* "1000" (a decimal string); NULL when absent */
	char *limit_unit;			  /* "USD" */
	char *time_unit;			  /* "MONTHLY" | "QUARTERLY" | "ANNUALLY" | ... */
	char *budget_type;			  /* "COST" | ... */
	struct budgets_cost_filter *cost_filters; /* the legacy CostFilters map */
	size_t n_cost_filters;
	char *filter_expression; /* FilterExpression as compact JSON text; NULL when none */
	struct aws_strv metrics; /* at most one: "UnblendedCost", ... */
	int64_t start_ms;	 /* TimePeriod; 0 when absent (not sent) */
	int64_t end_ms;
	int64_t last_updated_ms;
	char *actual_spend; /* CalculatedSpend amounts; NULL when absent; never sent */
	char *forecasted_spend;
};

struct budgets_notification_with_subscribers {
	struct budgets_notification notification;
	struct budgets_subscriber *subscribers;
	size_t n_subscribers;
};

struct budgets_budget_list {
	struct budgets_budget *items;
	size_t n;
	size_t alloc;
};

struct budgets_notification_list {
	struct budgets_notification *items;
	size_t n;
	size_t alloc;
};

struct budgets_subscriber_list {
	struct budgets_subscriber *items;
	size_t n;
	size_t alloc;
};

/* budgets_parse_budget: a DescribeBudget answer {"Budget": {...}}. */
int budgets_parse_budget(const char *body, size_t len, struct budgets_budget *ret);
/* The listing pages append to their list; *ret_next gets NextToken or NULL. */
int budgets_parse_budgets_page(const char *body, size_t len, struct budgets_budget_list *list, char **ret_next);
int budgets_parse_notifications_page(const char *body, size_t len, struct budgets_notification_list *list,
				     char **ret_next);
int budgets_parse_subscribers_page(const char *body, size_t len, struct budgets_subscriber_list *list, char **ret_next);
/* budgets_parse_tags: a ListTagsForResource answer {"ResourceTags": [{Key, Value}]}. */
int budgets_parse_tags(const char *body, size_t len, struct aws_tags *ret);

/* Serializers for the request builders. -EINVAL when a required field is missing or
 * filter_expression is not a JSON object. */
int budgets_budget_to_json(const struct budgets_budget *b, cJSON **ret);
int budgets_notification_to_json(const struct budgets_notification *n, cJSON **ret);
int budgets_subscriber_to_json(const struct budgets_subscriber *s, cJSON **ret);

void budgets_budget_release(struct budgets_budget *b);
void budgets_notification_release(struct budgets_notification *n);
void budgets_subscriber_release(struct budgets_subscriber *s);
void budgets_budget_list_release(struct budgets_budget_list *l);
void budgets_notification_list_release(struct budgets_notification_list *l);
void budgets_subscriber_list_release(struct budgets_subscriber_list *l);

#endif
