#include "budgets_actions_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

static char *dup_or_empty(const cJSON *obj, const char *name)
{
	const char *s = aws_json_str(obj, name);

	return xstrdup(s ? s : "");
}

int budgets_parse_action_id(const char *body, size_t len, char **ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	*ret = aws_json_dup(doc, "ActionId");
	cJSON_Delete(doc);
	if (!*ret || !**ret) {
		free(*ret);
		*ret = NULL;
		return -EBADMSG;
	}
	return 0;
}

/* Subscribers [{SubscriptionType, Address}] as "TYPE:address" strings. */
static int subscribers_from(const cJSON *arr, struct aws_strv *ret)
{
	const cJSON *s;

	if (!arr)
		return 0;
	cJSON_ArrayForEach(s, arr)
	{
		const char *type = aws_json_str(s, "SubscriptionType"), *address = aws_json_str(s, "Address");
		if (!type || !address)
			return -EBADMSG;
		aws_strv_take(ret, xasprintf("%s:%s", type, address));
	}
	return 0;
}

static int action_from(const cJSON *obj, void *item)
{
	struct budgets_action *a = item;
	const cJSON *th = aws_json_obj(obj, "ActionThreshold");
	const cJSON *value = th ? cJSON_GetObjectItemCaseSensitive(th, "ActionThresholdValue") : NULL;
	const cJSON *iam = aws_json_obj(aws_json_obj(obj, "Definition"), "IamActionDefinition");
	const cJSON *roles = iam ? aws_json_arr(iam, "Roles") : NULL;

	memset(a, 0, sizeof(*a));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "ActionId") || !aws_json_str(obj, "Status") ||
	    !aws_json_str(obj, "ActionType") || !cJSON_IsNumber(value) || !isfinite(value->valuedouble))
		return -EBADMSG;
	aws_strv_init(&a->roles);
	aws_strv_init(&a->subscribers);
	if ((roles && aws_json_strv(roles, &a->roles) < 0) ||
	    subscribers_from(aws_json_arr(obj, "Subscribers"), &a->subscribers) < 0) {
		aws_strv_release(&a->roles);
		aws_strv_release(&a->subscribers);
		return -EBADMSG;
	}
	a->action_id = aws_json_dup(obj, "ActionId");
	a->budget_name = dup_or_empty(obj, "BudgetName");
	a->notification_type = dup_or_empty(obj, "NotificationType");
	a->action_type = aws_json_dup(obj, "ActionType");
	a->status = aws_json_dup(obj, "Status");
	a->approval_model = dup_or_empty(obj, "ApprovalModel");
	a->execution_role_arn = dup_or_empty(obj, "ExecutionRoleArn");
	a->threshold = value->valuedouble;
	a->threshold_type = dup_or_empty(th, "ActionThresholdType");
	a->policy_arn = iam ? dup_or_empty(iam, "PolicyArn") : xstrdup("");
	return 0;
}

int budgets_parse_actions_page(const char *body, size_t len, struct budgets_action_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "Actions", "NextToken", (void **)&list->items, &list->n, &list->alloc,
				   sizeof(*list->items), action_from, ret_next);
}

void budgets_action_release(struct budgets_action *a)
{
	free(a->action_id);
	free(a->budget_name);
	free(a->notification_type);
	free(a->action_type);
	free(a->status);
	free(a->approval_model);
	free(a->execution_role_arn);
	free(a->threshold_type);
	free(a->policy_arn);
	aws_strv_release(&a->roles);
	aws_strv_release(&a->subscribers);
	memset(a, 0, sizeof(*a));
}

void budgets_action_list_release(struct budgets_action_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		budgets_action_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
