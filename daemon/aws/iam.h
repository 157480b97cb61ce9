/* IAM (awsQuery, global endpoint signed for us-east-1): the inline role policies
 * that let tenants' roles invoke their profiles, and role look-ups.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_IAM_H
#define BTD_IAM_H

#include "aws_client.h"
#include "iam_parse.h"

#define IAM_LIST_PAGE_SIZE 1000 /* MaxItems' largest value */

typedef void (*iam_role_policy_cb)(void *arg, int status, const struct aws_error *err,
				   const struct iam_role_policy *policy);
typedef void (*iam_role_cb)(void *arg, int status, const struct aws_error *err, const struct iam_role *role);

/* iam_put_role_policy: creates or replaces; document is the policy JSON text. */
int iam_put_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *name,
			const char *document, aws_done_cb cb, void *arg);
/* iam_get_role_policy: the document comes back decoded (IAM sends it URL-encoded). */
int iam_get_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *name,
			iam_role_policy_cb cb, void *arg);
int iam_delete_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *name,
			   aws_done_cb cb, void *arg);
/* iam_list_role_policies: every page at MaxItems 1000. */
int iam_list_role_policies(struct aws_client *c, const struct aws_target *t, const char *role, aws_strv_cb cb,
			   void *arg);
int iam_get_role(struct aws_client *c, const struct aws_target *t, const char *role, iam_role_cb cb, void *arg);

#endif
