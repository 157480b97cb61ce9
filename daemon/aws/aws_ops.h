/* struct aws_ops: every AWS operation the reconcile engine uses, behind one small
 * table with a context pointer, so the engine's tests can swap in a recorder or an
 * in-memory world (STYLE.md habit 11). aws_ops_client is the real table: its
 * context is a struct aws_client * and each entry forwards to the typed client of the
 * same name (bedrock.h, budgets.h, ssm.h, tagging.h, iam.h, sts.h), whose headers
 * document arguments, results and errors. The conventions are those of the typed
 * clients: 0 and the callback runs exactly once, later; or -errno and it never runs.
 *
 * Left out on purpose: STS AssumeRole and AssumeRoleWithWebIdentity (the credential
 * chain calls them itself) and the single-page forms of the listings (the engine
 * always wants every page). */
#ifndef BTD_AWS_OPS_H
#define BTD_AWS_OPS_H

#include <stdbool.h>

#include "bedrock.h"
#include "budgets.h"
#include "iam.h"
#include "ssm.h"
#include "sts.h"
#include "tagging.h"

struct aws_ops {
	/* Bedrock: application inference profiles (list: type APPLICATION, every page). */
	int (*bedrock_create_profile)(void *ctx, const struct aws_target *t, const struct bedrock_create_input *in,
				      bedrock_create_cb cb, void *arg);
	int (*bedrock_get_profile)(void *ctx, const struct aws_target *t, const char *identifier, bedrock_profile_cb cb,
				   void *arg);
	int (*bedrock_list_profiles)(void *ctx, const struct aws_target *t, bedrock_profiles_cb cb, void *arg);
	int (*bedrock_delete_profile)(void *ctx, const struct aws_target *t, const char *identifier, aws_done_cb cb,
				      void *arg);
	int (*bedrock_tag)(void *ctx, const struct aws_target *t, const char *arn, const struct aws_tag *tags, size_t n,
			   aws_done_cb cb, void *arg);
	int (*bedrock_untag)(void *ctx, const struct aws_target *t, const char *arn, const char *const *keys, size_t n,
			     aws_done_cb cb, void *arg);
	int (*bedrock_list_tags)(void *ctx, const struct aws_target *t, const char *arn, aws_tags_cb cb, void *arg);

	/* Budgets. */
	int (*budgets_create)(void *ctx, const struct aws_target *t, const struct budgets_create_input *in,
			      aws_done_cb cb, void *arg);
	int (*budgets_describe)(void *ctx, const struct aws_target *t, const char *account_id, const char *name,
				budgets_budget_cb cb, void *arg);
	int (*budgets_describe_all)(void *ctx, const struct aws_target *t, const char *account_id,
				    budgets_budgets_cb cb, void *arg);
	int (*budgets_update)(void *ctx, const struct aws_target *t, const char *account_id,
			      const struct budgets_budget *budget, aws_done_cb cb, void *arg);
	int (*budgets_delete)(void *ctx, const struct aws_target *t, const char *account_id, const char *name,
			      aws_done_cb cb, void *arg);
	int (*budgets_create_notification)(void *ctx, const struct aws_target *t, const char *account_id,
					   const char *budget, const struct budgets_notification *n,
					   const struct budgets_subscriber *subs, size_t n_subs, aws_done_cb cb,
					   void *arg);
	int (*budgets_update_notification)(void *ctx, const struct aws_target *t, const char *account_id,
					   const char *budget, const struct budgets_notification *old_n,
					   const struct budgets_notification *new_n, aws_done_cb cb, void *arg);
	int (*budgets_delete_notification)(void *ctx, const struct aws_target *t, const char *account_id,
					   const char *budget, const struct budgets_notification *n, aws_done_cb cb,
					   void *arg);
	int (*budgets_describe_notifications)(void *ctx, const struct aws_target *t, const char *account_id,
					      const char *budget, budgets_notifications_cb cb, void *arg);
	int (*budgets_create_subscriber)(void *ctx, const struct aws_target *t, const char *account_id,
					 const char *budget, const struct budgets_notification *n,
					 const struct budgets_subscriber *s, aws_done_cb cb, void *arg);
	int (*budgets_delete_subscriber)(void *ctx, const struct aws_target *t, const char *account_id,
					 const char *budget, const struct budgets_notification *n,
					 const struct budgets_subscriber *s, aws_done_cb cb, void *arg);
	int (*budgets_describe_subscribers)(void *ctx, const struct aws_target *t, const char *account_id,
					    const char *budget, const struct budgets_notification *n,
					    budgets_subscribers_cb cb, void *arg);
	int (*budgets_tag)(void *ctx, const struct aws_target *t, const char *arn, const struct aws_tag *tags, size_t n,
			   aws_done_cb cb, void *arg);
	int (*budgets_untag)(void *ctx, const struct aws_target *t, const char *arn, const char *const *keys, size_t n,
			     aws_done_cb cb, void *arg);
	int (*budgets_list_tags)(void *ctx, const struct aws_target *t, const char *arn, aws_tags_cb cb, void *arg);

	/* SSM Parameter Store. */
	int (*ssm_put)(void *ctx, const struct aws_target *t, const struct ssm_put_input *in, ssm_put_cb cb, void *arg);
	int (*ssm_get)(void *ctx, const struct aws_target *t, const char *name, ssm_parameter_cb cb, void *arg);
	int (*ssm_get_many)(void *ctx, const struct aws_target *t, const char *const *names, size_t n,
			    ssm_get_parameters_cb cb, void *arg);
	int (*ssm_get_by_path)(void *ctx, const struct aws_target *t, const char *path, bool recursive,
			       ssm_parameters_cb cb, void *arg);
	int (*ssm_delete)(void *ctx, const struct aws_target *t, const char *name, aws_done_cb cb, void *arg);
	int (*ssm_delete_many)(void *ctx, const struct aws_target *t, const char *const *names, size_t n,
			       ssm_delete_parameters_cb cb, void *arg);
	int (*ssm_add_tags)(void *ctx, const struct aws_target *t, const char *name, const struct aws_tag *tags,
			    size_t n, aws_done_cb cb, void *arg);
	int (*ssm_remove_tags)(void *ctx, const struct aws_target *t, const char *name, const char *const *keys,
			       size_t n, aws_done_cb cb, void *arg);
	int (*ssm_list_tags)(void *ctx, const struct aws_target *t, const char *name, aws_tags_cb cb, void *arg);

	/* Resource Groups Tagging API (every page). */
	int (*tagging_get_resources)(void *ctx, const struct aws_target *t,
				     const struct tagging_get_resources_input *in, tagging_resources_cb cb, void *arg);

	/* IAM inline role policies and roles. */
	int (*iam_put_role_policy)(void *ctx, const struct aws_target *t, const char *role, const char *name,
				   const char *document, aws_done_cb cb, void *arg);
	int (*iam_get_role_policy)(void *ctx, const struct aws_target *t, const char *role, const char *name,
				   iam_role_policy_cb cb, void *arg);
	int (*iam_delete_role_policy)(void *ctx, const struct aws_target *t, const char *role, const char *name,
				      aws_done_cb cb, void *arg);
	int (*iam_list_role_policies)(void *ctx, const struct aws_target *t, const char *role, aws_strv_cb cb,
				      void *arg);
	int (*iam_get_role)(void *ctx, const struct aws_target *t, const char *role, iam_role_cb cb, void *arg);

	/* STS: which account the target's credentials belong to. */
	int (*sts_get_caller_identity)(void *ctx, const struct aws_target *t, sts_caller_identity_cb cb, void *arg);
};

/* The real table; ctx is the struct aws_client *. */
extern const struct aws_ops aws_ops_client;

#endif
