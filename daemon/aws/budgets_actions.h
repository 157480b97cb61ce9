/* AWS Budgets actions (awsJson1.1, global endpoint signed for us-east-1): the action
 * that attaches a tenant's deny policy to its roles when actual spend crosses a
 * threshold (APPLY_IAM_POLICY), and its reversal.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_BUDGETS_ACTIONS_H
#define BTD_BUDGETS_ACTIONS_H

#include "aws_client.h"
#include "budgets_actions_parse.h"
#include "budgets_parse.h"

#define BUDGETS_ACTIONS_PAGE_SIZE 100 /* DescribeBudgetActionsForBudget's MaxResults */

/* An APPLY_IAM_POLICY action, as created or updated. */
struct budgets_action_spec {
	const char *notification_type; /* "ACTUAL" */
	double threshold;
	const char *threshold_type; /* "PERCENTAGE" */
	const char *policy_arn;
	const char *const *roles; /* 1..100 role names */
	size_t n_roles;
	const char *execution_role_arn;
	const char *approval_model;		      /* "AUTOMATIC" */
	const struct budgets_subscriber *subscribers; /* 1..11 */
	size_t n_subscribers;
};

typedef void (*budgets_action_id_cb)(void *arg, int status, const struct aws_error *err, const char *action_id);
typedef void (*budgets_actions_cb)(void *arg, int status, const struct aws_error *err,
				   const struct budgets_action_list *list);

int budgets_create_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			  const struct budgets_action_spec *spec, budgets_action_id_cb cb, void *arg);
/* budgets_describe_actions: every action of the budget, every page. */
int budgets_describe_actions(struct aws_client *c, const struct aws_target *t, const char *account_id,
			     const char *budget, budgets_actions_cb cb, void *arg);
/* budgets_describe_account_actions: every action of every budget of the account
 * (DescribeBudgetActionsForAccount), every page; each names its budget. */
int budgets_describe_account_actions(struct aws_client *c, const struct aws_target *t, const char *account_id,
				     budgets_actions_cb cb, void *arg);
/* budgets_update_action: the threshold, definition, execution role, approval model and
 * subscribers of spec (the type cannot change). */
int budgets_update_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			  const char *action_id, const struct budgets_action_spec *spec, aws_done_cb cb, void *arg);
/* budgets_delete_action: an executed action stays executed (reverse it first). */
int budgets_delete_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			  const char *action_id, aws_done_cb cb, void *arg);
/* budgets_execute_action: type "APPROVE_BUDGET_ACTION", "RETRY_BUDGET_ACTION",
 * "REVERSE_BUDGET_ACTION" or "RESET_BUDGET_ACTION". */
int budgets_execute_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			   const char *action_id, const char *type, aws_done_cb cb, void *arg);

#endif
