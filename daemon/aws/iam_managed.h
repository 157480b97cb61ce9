/* IAM customer-managed policies (awsQuery, global endpoint signed for us-east-1): the
 * deny policy a Budgets action attaches to a tenant's roles, its versions, and the
 * policies attached to a role.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_IAM_MANAGED_H
#define BTD_IAM_MANAGED_H

#include <stdbool.h>

#include "aws_client.h"
#include "iam_managed_parse.h"

#define IAM_MANAGED_PAGE_SIZE 1000 /* ListAttachedRolePolicies' MaxItems */

typedef void (*iam_policy_cb)(void *arg, int status, const struct aws_error *err, const struct iam_policy *p);
typedef void (*iam_policy_version_cb)(void *arg, int status, const struct aws_error *err,
				      const struct iam_policy_version *v);
typedef void (*iam_policies_cb)(void *arg, int status, const struct aws_error *err, const struct iam_policy_list *l);
typedef void (*iam_roles_cb)(void *arg, int status, const struct aws_error *err, const struct aws_strv *roles);
typedef void (*iam_versions_cb)(void *arg, int status, const struct aws_error *err,
				const struct iam_policy_version_list *l);
typedef void (*iam_attached_cb)(void *arg, int status, const struct aws_error *err, const struct iam_attached_list *l);

/* iam_create_policy: path like "/bedrock-tenants/" (begins and ends with '/');
 * description may be NULL. EntityAlreadyExists when path+name exists. */
int iam_create_policy(struct aws_client *c, const struct aws_target *t, const char *name, const char *path,
		      const char *document, const char *description, iam_policy_cb cb, void *arg);
int iam_get_policy(struct aws_client *c, const struct aws_target *t, const char *arn, iam_policy_cb cb, void *arg);
/* iam_delete_policy: DeleteConflict while attached or with non-default versions. */
int iam_delete_policy(struct aws_client *c, const struct aws_target *t, const char *arn, aws_done_cb cb, void *arg);
/* iam_create_policy_version: set_default makes it the policy's default version. */
int iam_create_policy_version(struct aws_client *c, const struct aws_target *t, const char *arn, const char *document,
			      bool set_default, iam_policy_version_cb cb, void *arg);
/* iam_get_policy_version: the document comes back decoded. */
int iam_get_policy_version(struct aws_client *c, const struct aws_target *t, const char *arn, const char *version,
			   iam_policy_version_cb cb, void *arg);
int iam_delete_policy_version(struct aws_client *c, const struct aws_target *t, const char *arn, const char *version,
			      aws_done_cb cb, void *arg);
/* iam_list_policy_versions: every version of the policy (without documents), every
 * page at MaxItems 1000. */
int iam_list_policy_versions(struct aws_client *c, const struct aws_target *t, const char *arn, iam_versions_cb cb,
			     void *arg);
/* iam_attach_role_policy: attaching an attached policy changes nothing (no error). */
int iam_attach_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *arn,
			   aws_done_cb cb, void *arg);
/* iam_detach_role_policy: NoSuchEntity when it is not attached. */
int iam_detach_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *arn,
			   aws_done_cb cb, void *arg);
/* iam_list_attached_role_policies: every page at MaxItems 1000. */
int iam_list_attached_role_policies(struct aws_client *c, const struct aws_target *t, const char *role,
				    iam_attached_cb cb, void *arg);

/* iam_list_policy_roles: the roles a managed policy is attached to
 * (ListEntitiesForPolicy EntityFilter=Role), every page at MaxItems 1000. */
int iam_list_policy_roles(struct aws_client *c, const struct aws_target *t, const char *arn, iam_roles_cb cb,
			  void *arg);
/* iam_list_policies: the account's customer-managed policies under path_prefix
 * (ListPolicies Scope=Local), every page at MaxItems 1000. */
int iam_list_policies(struct aws_client *c, const struct aws_target *t, const char *path_prefix, iam_policies_cb cb,
		      void *arg);

#endif
