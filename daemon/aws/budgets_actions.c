#include "budgets_actions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static cJSON *named(const char *account_id, const char *budget)
{
	cJSON *body = aws_json_new_object();

	aws_json_add_str(body, "AccountId", account_id);
	aws_json_add_str(body, "BudgetName", budget);
	return body;
}

static cJSON *child(cJSON *parent, const char *name)
{
	cJSON *o = cJSON_AddObjectToObject(parent, name);

	if (!o)
		abort(); /* cJSON only fails on allocation */
	return o;
}

static bool spec_ok(const struct budgets_action_spec *s)
{
	if (!s || !s->threshold_type || !s->policy_arn || !s->execution_role_arn || !s->approval_model || !s->n_roles ||
	    s->n_roles > 100 || !s->n_subscribers || s->n_subscribers > 11)
		return false;
	for (size_t i = 0; i < s->n_roles; i++)
		if (!s->roles[i])
			return false;
	for (size_t i = 0; i < s->n_subscribers; i++)
		if (!s->subscribers[i].type || !s->subscribers[i].address)
			return false;
	return true;
}

/* The members Create and Update share. */
static void add_spec(cJSON *body, const struct budgets_action_spec *s)
{
	cJSON *th = child(body, "ActionThreshold"), *iam, *subs;

	aws_json_add_num(th, "ActionThresholdValue", s->threshold);
	aws_json_add_str(th, "ActionThresholdType", s->threshold_type);
	iam = child(child(body, "Definition"), "IamActionDefinition");
	aws_json_add_str(iam, "PolicyArn", s->policy_arn);
	aws_json_add_strs(iam, "Roles", s->roles, s->n_roles);
	aws_json_add_str(body, "ExecutionRoleArn", s->execution_role_arn);
	aws_json_add_str(body, "ApprovalModel", s->approval_model);
	subs = cJSON_AddArrayToObject(body, "Subscribers");
	if (!subs)
		abort();
	for (size_t i = 0; i < s->n_subscribers; i++) {
		cJSON *o = aws_json_new_object();
		aws_json_add_str(o, "SubscriptionType", s->subscribers[i].type);
		aws_json_add_str(o, "Address", s->subscribers[i].address);
		cJSON_AddItemToArray(subs, o);
	}
}

/* ---- CreateBudgetAction ---- */

static int parse_id(const char *b, size_t n, void *r)
{
	return budgets_parse_action_id(b, n, r);
}

static void release_id(void *r)
{
	free(*(char **)r);
	*(char **)r = NULL;
}

static void deliver_id(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((budgets_action_id_cb)cb)(arg, status, err, r ? *(char *const *)r : NULL);
}

static const struct aws_op_spec id_spec = { sizeof(char *), parse_id, release_id, deliver_id };

int budgets_create_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			  const struct budgets_action_spec *spec, budgets_action_id_cb cb, void *arg)
{
	cJSON *body;

	if (!account_id || !budget || !spec_ok(spec) || !spec->notification_type)
		return -EINVAL;
	body = named(account_id, budget);
	aws_json_add_str(body, "NotificationType", spec->notification_type);
	aws_json_add_str(body, "ActionType", "APPLY_IAM_POLICY");
	add_spec(body, spec);
	return aws_op_call_json(c, t, AWS_BUDGETS, "CreateBudgetAction", body, &id_spec, (aws_any_cb)cb, arg);
}

int budgets_update_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			  const char *action_id, const struct budgets_action_spec *spec, aws_done_cb cb, void *arg)
{
	cJSON *body;

	if (!account_id || !budget || !action_id || !spec_ok(spec))
		return -EINVAL;
	body = named(account_id, budget);
	aws_json_add_str(body, "ActionId", action_id);
	if (spec->notification_type)
		aws_json_add_str(body, "NotificationType", spec->notification_type);
	add_spec(body, spec);
	return aws_op_call_json(c, t, AWS_BUDGETS, "UpdateBudgetAction", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_delete_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			  const char *action_id, aws_done_cb cb, void *arg)
{
	cJSON *body;

	if (!account_id || !budget || !action_id)
		return -EINVAL;
	body = named(account_id, budget);
	aws_json_add_str(body, "ActionId", action_id);
	return aws_op_call_json(c, t, AWS_BUDGETS, "DeleteBudgetAction", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_execute_action(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *budget,
			   const char *action_id, const char *type, aws_done_cb cb, void *arg)
{
	static const char *const types[] = { "APPROVE_BUDGET_ACTION", "RETRY_BUDGET_ACTION", "REVERSE_BUDGET_ACTION",
					     "RESET_BUDGET_ACTION" };
	bool known = false;
	cJSON *body;

	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		known |= !strcmp(type, types[i]);
	if (!account_id || !budget || !action_id || !known)
		return -EINVAL;
	body = named(account_id, budget);
	aws_json_add_str(body, "ActionId", action_id);
	aws_json_add_str(body, "ExecutionType", type);
	return aws_op_call_json(c, t, AWS_BUDGETS, "ExecuteBudgetAction", body, &done_spec, (aws_any_cb)cb, arg);
}

/* ---- DescribeBudgetActionsForBudget, every page ---- */

struct list_input {
	char *account_id;
	char *budget;
};

static void build_page(const void *input, const char *token, struct aws_request *r)
{
	const struct list_input *in = input;
	cJSON *body = in->budget ? named(in->account_id, in->budget) : aws_json_new_object();

	if (!in->budget) /* the account's actions, every budget's */
		aws_json_add_str(body, "AccountId", in->account_id);
	aws_json_add_num(body, "MaxResults", BUDGETS_ACTIONS_PAGE_SIZE);
	if (token)
		aws_json_add_str(body, "NextToken", token);
	aws_request_init_json(r, AWS_BUDGETS,
			      in->budget ? "DescribeBudgetActionsForBudget" : "DescribeBudgetActionsForAccount", body);
	cJSON_Delete(body);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return budgets_parse_actions_page(b, n, r, next);
}

static void release_list(void *r)
{
	budgets_action_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((budgets_actions_cb)cb)(arg, status, err, r);
}

static void free_input(void *input)
{
	struct list_input *in = input;

	free(in->account_id);
	free(in->budget);
	free(in);
}

static const struct aws_pager_spec pager = {
	sizeof(struct budgets_action_list), build_page, parse_page, release_list, deliver_list, free_input, NULL,
};

int budgets_describe_actions(struct aws_client *c, const struct aws_target *t, const char *account_id,
			     const char *budget, budgets_actions_cb cb, void *arg)
{
	struct list_input *in;

	if (!account_id || !budget)
		return -EINVAL;
	in = xcalloc(1, sizeof(*in));
	in->account_id = xstrdup(account_id);
	in->budget = xstrdup(budget);
	return aws_pager_start(c, t, &pager, in, (aws_any_cb)cb, arg);
}

int budgets_describe_account_actions(struct aws_client *c, const struct aws_target *t, const char *account_id,
				     budgets_actions_cb cb, void *arg)
{
	struct list_input *in;

	if (!account_id)
		return -EINVAL;
	in = xcalloc(1, sizeof(*in));
	in->account_id = xstrdup(account_id);
	return aws_pager_start(c, t, &pager, in, (aws_any_cb)cb, arg);
}
