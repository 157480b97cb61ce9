/* Pure parsers for Budgets actions (awsJson1.1): CreateBudgetAction's answer and pages
 * of DescribeBudgetActionsForBudget. Results own their strings; each _release frees
 * them and accepts a zeroed struct. */
#ifndef BTD_BUDGETS_ACTIONS_PARSE_H
#define BTD_BUDGETS_ACTIONS_PARSE_H

#include <stddef.h>

#include "aws_types.h"

struct budgets_action {
	char *action_id;
	char *budget_name;
	char *notification_type;  /* "ACTUAL" | "FORECASTED" */
	char *action_type;	  /* "APPLY_IAM_POLICY", ... */
	char *status;		  /* "STANDBY", "EXECUTION_SUCCESS", "REVERSE_SUCCESS", ... */
	char *approval_model;	  /* "AUTOMATIC" | "MANUAL" */
	char *execution_role_arn; /* "" when absent */
	double threshold;	  /* ActionThreshold.ActionThresholdValue */
	char *threshold_type;	  /* "PERCENTAGE" | "ABSOLUTE_VALUE" */
	char *policy_arn;	  /* Definition.IamActionDefinition.PolicyArn; "" for other types */
	struct aws_strv roles;	  /* Definition.IamActionDefinition.Roles */
	/* Subscribers, each "SubscriptionType:Address" ("EMAIL:ops@example.com"), as listed */
	struct aws_strv subscribers;
};

struct budgets_action_list {
	struct budgets_action *items;
	size_t n;
	size_t alloc;
};

/* budgets_parse_action_id: CreateBudgetAction's {"ActionId": ...} (a new string). */
int budgets_parse_action_id(const char *body, size_t len, char **ret);
/* budgets_parse_actions_page: appends a DescribeBudgetActionsForBudget page; -EBADMSG
 * when an action lacks its id, status, type or a numeric threshold, or has a
 * subscriber without its type or address. */
int budgets_parse_actions_page(const char *body, size_t len, struct budgets_action_list *list, char **ret_next);
void budgets_action_release(struct budgets_action *a);
void budgets_action_list_release(struct budgets_action_list *l);

#endif
