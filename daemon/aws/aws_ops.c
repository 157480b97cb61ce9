/* The real struct aws_ops: one forwarding function per entry, turning the opaque
 * context back into the client. */
#include "aws_ops.h"

static int op_bedrock_create_profile(void *ctx, const struct aws_target *t, const struct bedrock_create_input *in,
				     bedrock_create_cb cb, void *arg)
{
	return bedrock_create_inference_profile(ctx, t, in, cb, arg);
}

static int op_bedrock_get_profile(void *ctx, const struct aws_target *t, const char *identifier, bedrock_profile_cb cb,
				  void *arg)
{
	return bedrock_get_inference_profile(ctx, t, identifier, cb, arg);
}

static int op_bedrock_list_profiles(void *ctx, const struct aws_target *t, bedrock_profiles_cb cb, void *arg)
{
	return bedrock_list_inference_profiles(ctx, t, "APPLICATION", cb, arg);
}

static int op_bedrock_delete_profile(void *ctx, const struct aws_target *t, const char *identifier, aws_done_cb cb,
				     void *arg)
{
	return bedrock_delete_inference_profile(ctx, t, identifier, cb, arg);
}

static int op_bedrock_tag(void *ctx, const struct aws_target *t, const char *arn, const struct aws_tag *tags, size_t n,
			  aws_done_cb cb, void *arg)
{
	return bedrock_tag_resource(ctx, t, arn, tags, n, cb, arg);
}

static int op_bedrock_untag(void *ctx, const struct aws_target *t, const char *arn, const char *const *keys, size_t n,
			    aws_done_cb cb, void *arg)
{
	return bedrock_untag_resource(ctx, t, arn, keys, n, cb, arg);
}

static int op_bedrock_list_tags(void *ctx, const struct aws_target *t, const char *arn, aws_tags_cb cb, void *arg)
{
	return bedrock_list_tags_for_resource(ctx, t, arn, cb, arg);
}

static int op_budgets_create(void *ctx, const struct aws_target *t, const struct budgets_create_input *in,
			     aws_done_cb cb, void *arg)
{
	return budgets_create_budget(ctx, t, in, cb, arg);
}

static int op_budgets_describe(void *ctx, const struct aws_target *t, const char *account_id, const char *name,
			       budgets_budget_cb cb, void *arg)
{
	return budgets_describe_budget(ctx, t, account_id, name, cb, arg);
}

static int op_budgets_describe_all(void *ctx, const struct aws_target *t, const char *account_id, budgets_budgets_cb cb,
				   void *arg)
{
	return budgets_describe_budgets(ctx, t, account_id, cb, arg);
}

static int op_budgets_update(void *ctx, const struct aws_target *t, const char *account_id,
			     const struct budgets_budget *budget, aws_done_cb cb, void *arg)
{
	return budgets_update_budget(ctx, t, account_id, budget, cb, arg);
}

static int op_budgets_delete(void *ctx, const struct aws_target *t, const char *account_id, const char *name,
			     aws_done_cb cb, void *arg)
{
	return budgets_delete_budget(ctx, t, account_id, name, cb, arg);
}

static int op_budgets_create_notification(void *ctx, const struct aws_target *t, const char *account_id,
					  const char *budget, const struct budgets_notification *n,
					  const struct budgets_subscriber *subs, size_t n_subs, aws_done_cb cb,
					  void *arg)
{
	return budgets_create_notification(ctx, t, account_id, budget, n, subs, n_subs, cb, arg);
}

static int op_budgets_update_notification(void *ctx, const struct aws_target *t, const char *account_id,
					  const char *budget, const struct budgets_notification *old_n,
					  const struct budgets_notification *new_n, aws_done_cb cb, void *arg)
{
	return budgets_update_notification(ctx, t, account_id, budget, old_n, new_n, cb, arg);
}

static int op_budgets_delete_notification(void *ctx, const struct aws_target *t, const char *account_id,
					  const char *budget, const struct budgets_notification *n, aws_done_cb cb,
					  void *arg)
{
	return budgets_delete_notification(ctx, t, account_id, budget, n, cb, arg);
}

static int op_budgets_describe_notifications(void *ctx, const struct aws_target *t, const char *account_id,
					     const char *budget, budgets_notifications_cb cb, void *arg)
{
	return budgets_describe_notifications(ctx, t, account_id, budget, cb, arg);
}

static int op_budgets_create_subscriber(void *ctx, const struct aws_target *t, const char *account_id,
					const char *budget, const struct budgets_notification *n,
					const struct budgets_subscriber *s, aws_done_cb cb, void *arg)
{
	return budgets_create_subscriber(ctx, t, account_id, budget, n, s, cb, arg);
}

static int op_budgets_delete_subscriber(void *ctx, const struct aws_target *t, const char *account_id,
					const char *budget, const struct budgets_notification *n,
					const struct budgets_subscriber *s, aws_done_cb cb, void *arg)
{
	return budgets_delete_subscriber(ctx, t, account_id, budget, n, s, cb, arg);
}

static int op_budgets_describe_subscribers(void *ctx, const struct aws_target *t, const char *account_id,
					   const char *budget, const struct budgets_notification *n,
					   budgets_subscribers_cb cb, void *arg)
{
	return budgets_describe_subscribers(ctx, t, account_id, budget, n, cb, arg);
}

static int op_budgets_tag(void *ctx, const struct aws_target *t, const char *arn, const struct aws_tag *tags, size_t n,
			  aws_done_cb cb, void *arg)
{
	return budgets_tag_resource(ctx, t, arn, tags, n, cb, arg);
}

static int op_budgets_untag(void *ctx, const struct aws_target *t, const char *arn, const char *const *keys, size_t n,
			    aws_done_cb cb, void *arg)
{
	return budgets_untag_resource(ctx, t, arn, keys, n, cb, arg);
}

static int op_budgets_list_tags(void *ctx, const struct aws_target *t, const char *arn, aws_tags_cb cb, void *arg)
{
	return budgets_list_tags_for_resource(ctx, t, arn, cb, arg);
}

static int op_ssm_put(void *ctx, const struct aws_target *t, const struct ssm_put_input *in, ssm_put_cb cb, void *arg)
{
	return ssm_put_parameter(ctx, t, in, cb, arg);
}

static int op_ssm_get(void *ctx, const struct aws_target *t, const char *name, ssm_parameter_cb cb, void *arg)
{
	return ssm_get_parameter(ctx, t, name, cb, arg);
}

static int op_ssm_get_many(void *ctx, const struct aws_target *t, const char *const *names, size_t n,
			   ssm_get_parameters_cb cb, void *arg)
{
	return ssm_get_parameters(ctx, t, names, n, cb, arg);
}

static int op_ssm_get_by_path(void *ctx, const struct aws_target *t, const char *path, bool recursive,
			      ssm_parameters_cb cb, void *arg)
{
	return ssm_get_parameters_by_path(ctx, t, path, recursive, cb, arg);
}

static int op_ssm_delete(void *ctx, const struct aws_target *t, const char *name, aws_done_cb cb, void *arg)
{
	return ssm_delete_parameter(ctx, t, name, cb, arg);
}

static int op_ssm_delete_many(void *ctx, const struct aws_target *t, const char *const *names, size_t n,
			      ssm_delete_parameters_cb cb, void *arg)
{
	return ssm_delete_parameters(ctx, t, names, n, cb, arg);
}

static int op_ssm_add_tags(void *ctx, const struct aws_target *t, const char *name, const struct aws_tag *tags,
			   size_t n, aws_done_cb cb, void *arg)
{
	return ssm_add_tags_to_resource(ctx, t, name, tags, n, cb, arg);
}

static int op_ssm_remove_tags(void *ctx, const struct aws_target *t, const char *name, const char *const *keys,
			      size_t n, aws_done_cb cb, void *arg)
{
	return ssm_remove_tags_from_resource(ctx, t, name, keys, n, cb, arg);
}

static int op_ssm_list_tags(void *ctx, const struct aws_target *t, const char *name, aws_tags_cb cb, void *arg)
{
	return ssm_list_tags_for_resource(ctx, t, name, cb, arg);
}

static int op_tagging_get_resources(void *ctx, const struct aws_target *t, const struct tagging_get_resources_input *in,
				    tagging_resources_cb cb, void *arg)
{
	return tagging_get_resources(ctx, t, in, cb, arg);
}

static int op_iam_put_role_policy(void *ctx, const struct aws_target *t, const char *role, const char *name,
				  const char *document, aws_done_cb cb, void *arg)
{
	return iam_put_role_policy(ctx, t, role, name, document, cb, arg);
}

static int op_iam_get_role_policy(void *ctx, const struct aws_target *t, const char *role, const char *name,
				  iam_role_policy_cb cb, void *arg)
{
	return iam_get_role_policy(ctx, t, role, name, cb, arg);
}

static int op_iam_delete_role_policy(void *ctx, const struct aws_target *t, const char *role, const char *name,
				     aws_done_cb cb, void *arg)
{
	return iam_delete_role_policy(ctx, t, role, name, cb, arg);
}

static int op_iam_list_role_policies(void *ctx, const struct aws_target *t, const char *role, aws_strv_cb cb, void *arg)
{
	return iam_list_role_policies(ctx, t, role, cb, arg);
}

static int op_iam_get_role(void *ctx, const struct aws_target *t, const char *role, iam_role_cb cb, void *arg)
{
	return iam_get_role(ctx, t, role, cb, arg);
}

static int op_sts_get_caller_identity(void *ctx, const struct aws_target *t, sts_caller_identity_cb cb, void *arg)
{
	return sts_get_caller_identity(ctx, t, cb, arg);
}

const struct aws_ops aws_ops_client = {
	.bedrock_create_profile = op_bedrock_create_profile,
	.bedrock_get_profile = op_bedrock_get_profile,
	.bedrock_list_profiles = op_bedrock_list_profiles,
	.bedrock_delete_profile = op_bedrock_delete_profile,
	.bedrock_tag = op_bedrock_tag,
	.bedrock_untag = op_bedrock_untag,
	.bedrock_list_tags = op_bedrock_list_tags,
	.budgets_create = op_budgets_create,
	.budgets_describe = op_budgets_describe,
	.budgets_describe_all = op_budgets_describe_all,
	.budgets_update = op_budgets_update,
	.budgets_delete = op_budgets_delete,
	.budgets_create_notification = op_budgets_create_notification,
	.budgets_update_notification = op_budgets_update_notification,
	.budgets_delete_notification = op_budgets_delete_notification,
	.budgets_describe_notifications = op_budgets_describe_notifications,
	.budgets_create_subscriber = op_budgets_create_subscriber,
	.budgets_delete_subscriber = op_budgets_delete_subscriber,
	.budgets_describe_subscribers = op_budgets_describe_subscribers,
	.budgets_tag = op_budgets_tag,
	.budgets_untag = op_budgets_untag,
	.budgets_list_tags = op_budgets_list_tags,
	.ssm_put = op_ssm_put,
	.ssm_get = op_ssm_get,
	.ssm_get_many = op_ssm_get_many,
	.ssm_get_by_path = op_ssm_get_by_path,
	.ssm_delete = op_ssm_delete,
	.ssm_delete_many = op_ssm_delete_many,
	.ssm_add_tags = op_ssm_add_tags,
	.ssm_remove_tags = op_ssm_remove_tags,
	.ssm_list_tags = op_ssm_list_tags,
	.tagging_get_resources = op_tagging_get_resources,
	.iam_put_role_policy = op_iam_put_role_policy,
	.iam_get_role_policy = op_iam_get_role_policy,
	.iam_delete_role_policy = op_iam_delete_role_policy,
	.iam_list_role_policies = op_iam_list_role_policies,
	.iam_get_role = op_iam_get_role,
	.sts_get_caller_identity = op_sts_get_caller_identity,
};
