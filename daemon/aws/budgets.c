#include "budgets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static int parse_budget(const char *b, size_t n, void *r)
{
	return budgets_parse_budget(b, n, r);
}

static void release_budget(void *r)
{
	budgets_budget_release(r);
}

static void deliver_budget(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((budgets_budget_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec budget_spec = {
	sizeof(struct budgets_budget),
	parse_budget,
	release_budget,
	deliver_budget,
};

static int parse_tags(const char *b, size_t n, void *r)
{
	return budgets_parse_tags(b, n, r);
}

static const struct aws_op_spec tags_spec = {
	sizeof(struct aws_tags),
	parse_tags,
	aws_op_release_tags,
	aws_op_deliver_tags,
};

/* {"AccountId": ..., "BudgetName": ...}, the start of most requests. */
static cJSON *named(const char *account_id, const char *budget)
{
	cJSON *body = aws_json_new_object();

	aws_json_add_str(body, "AccountId", account_id);
	if (budget)
		aws_json_add_str(body, "BudgetName", budget);
	return body;
}

static int add_notification(cJSON *body, const char *field, const struct budgets_notification *n)
{
	cJSON *obj;
	int r = budgets_notification_to_json(n, &obj);

	if (r == 0)
		cJSON_AddItemToObject(body, field, obj);
	return r;
}

static int add_subscriber(cJSON *arr_or_obj, const char *field, const struct budgets_subscriber *s)
{
	cJSON *obj;
	int r = budgets_subscriber_to_json(s, &obj);

	if (r < 0)
		return r;
	if (field)
		cJSON_AddItemToObject(arr_or_obj, field, obj);
	else
		cJSON_AddItemToArray(arr_or_obj, obj);
	return 0;
}

int budgets_create_budget(struct aws_client *c, const struct aws_target *t, const struct budgets_create_input *in,
			  aws_done_cb cb, void *arg)
{
	cJSON *body, *budget, *list = NULL, *nws, *subs;
	int r;

	if (!in->account_id || !in->budget)
		return -EINVAL;
	r = budgets_budget_to_json(in->budget, &budget);
	if (r < 0)
		return r;
	body = named(in->account_id, NULL);
	cJSON_AddItemToObject(body, "Budget", budget);
	if (in->n_notifications) {
		list = cJSON_AddArrayToObject(body, "NotificationsWithSubscribers");
		for (size_t i = 0; i < in->n_notifications && r == 0; i++) {
			nws = aws_json_new_object();
			cJSON_AddItemToArray(list, nws);
			r = add_notification(nws, "Notification", &in->notifications[i].notification);
			subs = cJSON_AddArrayToObject(nws, "Subscribers");
			for (size_t k = 0; k < in->notifications[i].n_subscribers && r == 0; k++)
				r = add_subscriber(subs, NULL, &in->notifications[i].subscribers[k]);
		}
	}
	if (in->n_tags)
		aws_json_add_tags(body, "ResourceTags", in->tags, in->n_tags, "Key", "Value");
	if (r < 0) {
		cJSON_Delete(body);
		return r;
	}
	return aws_op_call_json(c, t, AWS_BUDGETS, "CreateBudget", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_describe_budget(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *name,
			    budgets_budget_cb cb, void *arg)
{
	cJSON *body;

	if (!account_id || !name)
		return -EINVAL;
	body = named(account_id, name);
	/* Without it AWS leaves FilterExpression out of the answer. */
	aws_json_add_bool(body, "ShowFilterExpression", true);
	return aws_op_call_json(c, t, AWS_BUDGETS, "DescribeBudget", body, &budget_spec, (aws_any_cb)cb, arg);
}

int budgets_update_budget(struct aws_client *c, const struct aws_target *t, const char *account_id,
			  const struct budgets_budget *budget, aws_done_cb cb, void *arg)
{
	cJSON *body, *obj;
	int r;

	if (!account_id || !budget)
		return -EINVAL;
	r = budgets_budget_to_json(budget, &obj);
	if (r < 0)
		return r;
	body = named(account_id, NULL);
	cJSON_AddItemToObject(body, "NewBudget", obj);
	return aws_op_call_json(c, t, AWS_BUDGETS, "UpdateBudget", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_delete_budget(struct aws_client *c, const struct aws_target *t, const char *account_id, const char *name,
			  aws_done_cb cb, void *arg)
{
	if (!account_id || !name)
		return -EINVAL;
	return aws_op_call_json(c, t, AWS_BUDGETS, "DeleteBudget", named(account_id, name), &done_spec, (aws_any_cb)cb,
				arg);
}

int budgets_create_notification(struct aws_client *c, const struct aws_target *t, const char *account_id,
				const char *budget, const struct budgets_notification *n,
				const struct budgets_subscriber *subscribers, size_t n_subscribers, aws_done_cb cb,
				void *arg)
{
	cJSON *body, *subs;
	int r;

	if (!account_id || !budget || !n)
		return -EINVAL;
	body = named(account_id, budget);
	r = add_notification(body, "Notification", n);
	subs = cJSON_AddArrayToObject(body, "Subscribers");
	for (size_t i = 0; i < n_subscribers && r == 0; i++)
		r = add_subscriber(subs, NULL, &subscribers[i]);
	if (r < 0) {
		cJSON_Delete(body);
		return r;
	}
	return aws_op_call_json(c, t, AWS_BUDGETS, "CreateNotification", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_update_notification(struct aws_client *c, const struct aws_target *t, const char *account_id,
				const char *budget, const struct budgets_notification *old_n,
				const struct budgets_notification *new_n, aws_done_cb cb, void *arg)
{
	cJSON *body;
	int r;

	if (!account_id || !budget || !old_n || !new_n)
		return -EINVAL;
	body = named(account_id, budget);
	r = add_notification(body, "OldNotification", old_n);
	if (r == 0)
		r = add_notification(body, "NewNotification", new_n);
	if (r < 0) {
		cJSON_Delete(body);
		return r;
	}
	return aws_op_call_json(c, t, AWS_BUDGETS, "UpdateNotification", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_delete_notification(struct aws_client *c, const struct aws_target *t, const char *account_id,
				const char *budget, const struct budgets_notification *n, aws_done_cb cb, void *arg)
{
	cJSON *body;
	int r;

	if (!account_id || !budget || !n)
		return -EINVAL;
	body = named(account_id, budget);
	r = add_notification(body, "Notification", n);
	if (r < 0) {
		cJSON_Delete(body);
		return r;
	}
	return aws_op_call_json(c, t, AWS_BUDGETS, "DeleteNotification", body, &done_spec, (aws_any_cb)cb, arg);
}

static int subscriber_call(struct aws_client *c, const struct aws_target *t, const char *op, const char *account_id,
			   const char *budget, const struct budgets_notification *n, const struct budgets_subscriber *s,
			   aws_done_cb cb, void *arg)
{
	cJSON *body;
	int r;

	if (!account_id || !budget || !n || !s)
		return -EINVAL;
	body = named(account_id, budget);
	r = add_notification(body, "Notification", n);
	if (r == 0)
		r = add_subscriber(body, "Subscriber", s);
	if (r < 0) {
		cJSON_Delete(body);
		return r;
	}
	return aws_op_call_json(c, t, AWS_BUDGETS, op, body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_create_subscriber(struct aws_client *c, const struct aws_target *t, const char *account_id,
			      const char *budget, const struct budgets_notification *n,
			      const struct budgets_subscriber *s, aws_done_cb cb, void *arg)
{
	return subscriber_call(c, t, "CreateSubscriber", account_id, budget, n, s, cb, arg);
}

int budgets_delete_subscriber(struct aws_client *c, const struct aws_target *t, const char *account_id,
			      const char *budget, const struct budgets_notification *n,
			      const struct budgets_subscriber *s, aws_done_cb cb, void *arg)
{
	return subscriber_call(c, t, "DeleteSubscriber", account_id, budget, n, s, cb, arg);
}

/* ---- tags ---- */

int budgets_tag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const struct aws_tag *tags,
			 size_t n_tags, aws_done_cb cb, void *arg)
{
	cJSON *body;

	if (!arn)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "ResourceARN", arn);
	aws_json_add_tags(body, "ResourceTags", tags, n_tags, "Key", "Value");
	return aws_op_call_json(c, t, AWS_BUDGETS, "TagResource", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_untag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const char *const *keys,
			   size_t n_keys, aws_done_cb cb, void *arg)
{
	cJSON *body;

	if (!arn)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "ResourceARN", arn);
	aws_json_add_strs(body, "ResourceTagKeys", keys, n_keys);
	return aws_op_call_json(c, t, AWS_BUDGETS, "UntagResource", body, &done_spec, (aws_any_cb)cb, arg);
}

int budgets_list_tags_for_resource(struct aws_client *c, const struct aws_target *t, const char *arn, aws_tags_cb cb,
				   void *arg)
{
	cJSON *body;

	if (!arn)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "ResourceARN", arn);
	return aws_op_call_json(c, t, AWS_BUDGETS, "ListTagsForResource", body, &tags_spec, (aws_any_cb)cb, arg);
}

/* ---- listings, every page ---- */

/* What a listing needs on every page: the request body without its NextToken. */
struct list_input {
	char *op;
	cJSON *body;
};

static void free_input(void *p)
{
	struct list_input *in = p;

	free(in->op);
	cJSON_Delete(in->body);
	free(in);
}

static void build_page(const void *p, const char *token, struct aws_request *r)
{
	const struct list_input *in = p;
	cJSON *body = cJSON_Duplicate(in->body, 1);

	if (!body)
		abort();
	if (token)
		aws_json_add_str(body, "NextToken", token);
	aws_request_init_json(r, AWS_BUDGETS, in->op, body);
	cJSON_Delete(body);
}

static int parse_budgets_page(const char *b, size_t n, void *r, char **next)
{
	return budgets_parse_budgets_page(b, n, r, next);
}

static void release_budgets(void *r)
{
	budgets_budget_list_release(r);
}

static void deliver_budgets(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((budgets_budgets_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec budgets_pager = {
	sizeof(struct budgets_budget_list),
	build_page,
	parse_budgets_page,
	release_budgets,
	deliver_budgets,
	free_input,
	NULL,
};

static int parse_notifications_page(const char *b, size_t n, void *r, char **next)
{
	return budgets_parse_notifications_page(b, n, r, next);
}

static void release_notifications(void *r)
{
	budgets_notification_list_release(r);
}

static void deliver_notifications(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((budgets_notifications_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec notifications_pager = {
	sizeof(struct budgets_notification_list),
	build_page,
	parse_notifications_page,
	release_notifications,
	deliver_notifications,
	free_input,
	NULL,
};

static int parse_subscribers_page(const char *b, size_t n, void *r, char **next)
{
	return budgets_parse_subscribers_page(b, n, r, next);
}

static void release_subscribers(void *r)
{
	budgets_subscriber_list_release(r);
}

static void deliver_subscribers(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((budgets_subscribers_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec subscribers_pager = {
	sizeof(struct budgets_subscriber_list),
	build_page,
	parse_subscribers_page,
	release_subscribers,
	deliver_subscribers,
	free_input,
	NULL,
};

static struct list_input *list_input(const char *op, cJSON *body, int page_size)
{
	struct list_input *in = xcalloc(1, sizeof(*in));

	in->op = xstrdup(op);
	in->body = body;
	aws_json_add_num(body, "MaxResults", page_size);
	return in;
}

int budgets_describe_budgets(struct aws_client *c, const struct aws_target *t, const char *account_id,
			     budgets_budgets_cb cb, void *arg)
{
	cJSON *body;

	if (!account_id)
		return -EINVAL;
	body = named(account_id, NULL);
	aws_json_add_bool(body, "ShowFilterExpression", true);
	return aws_pager_start(c, t, &budgets_pager, list_input("DescribeBudgets", body, BUDGETS_LIST_PAGE_SIZE),
			       (aws_any_cb)cb, arg);
}

int budgets_describe_notifications(struct aws_client *c, const struct aws_target *t, const char *account_id,
				   const char *budget, budgets_notifications_cb cb, void *arg)
{
	if (!account_id || !budget)
		return -EINVAL;
	return aws_pager_start(
		c, t, &notifications_pager,
		list_input("DescribeNotificationsForBudget", named(account_id, budget), BUDGETS_NOTIFICATION_PAGE_SIZE),
		(aws_any_cb)cb, arg);
}

int budgets_describe_subscribers(struct aws_client *c, const struct aws_target *t, const char *account_id,
				 const char *budget, const struct budgets_notification *n, budgets_subscribers_cb cb,
				 void *arg)
{
	cJSON *body;

	if (!account_id || !budget || !n)
		return -EINVAL;
	body = named(account_id, budget);
	if (add_notification(body, "Notification", n) < 0) {
		cJSON_Delete(body);
		return -EINVAL;
	}
	return aws_pager_start(c, t, &subscribers_pager,
			       list_input("DescribeSubscribersForNotification", body, BUDGETS_NOTIFICATION_PAGE_SIZE),
			       (aws_any_cb)cb, arg);
}
