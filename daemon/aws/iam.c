#include "iam.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_op.h"
#include "xalloc.h"

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static int parse_policy(const char *b, size_t n, void *r)
{
	return iam_parse_role_policy(b, n, r);
}

static void release_policy(void *r)
{
	iam_role_policy_release(r);
}

static void deliver_policy(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_role_policy_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec policy_spec = {
	sizeof(struct iam_role_policy),
	parse_policy,
	release_policy,
	deliver_policy,
};

static int parse_role(const char *b, size_t n, void *r)
{
	return iam_parse_role(b, n, r);
}

static void release_role(void *r)
{
	iam_role_release(r);
}

static void deliver_role(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_role_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec role_spec = { sizeof(struct iam_role), parse_role, release_role, deliver_role };

static void role_request(struct aws_request *r, const char *op, const char *role, const char *policy)
{
	aws_request_init_query(r, AWS_IAM, op);
	aws_request_add_form(r, "RoleName", role);
	if (policy)
		aws_request_add_form(r, "PolicyName", policy);
}

int iam_put_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *name,
			const char *document, aws_done_cb cb, void *arg)
{
	struct aws_request req;

	if (!role || !name || !document)
		return -EINVAL;
	role_request(&req, "PutRolePolicy", role, name);
	aws_request_add_form(&req, "PolicyDocument", document);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

int iam_get_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *name,
			iam_role_policy_cb cb, void *arg)
{
	struct aws_request req;

	if (!role || !name)
		return -EINVAL;
	role_request(&req, "GetRolePolicy", role, name);
	return aws_op_call(c, t, &req, &policy_spec, (aws_any_cb)cb, arg);
}

int iam_delete_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *name,
			   aws_done_cb cb, void *arg)
{
	struct aws_request req;

	if (!role || !name)
		return -EINVAL;
	role_request(&req, "DeleteRolePolicy", role, name);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

int iam_get_role(struct aws_client *c, const struct aws_target *t, const char *role, iam_role_cb cb, void *arg)
{
	struct aws_request req;

	if (!role)
		return -EINVAL;
	role_request(&req, "GetRole", role, NULL);
	return aws_op_call(c, t, &req, &role_spec, (aws_any_cb)cb, arg);
}

/* ---- ListRolePolicies, every page ---- */

static void build_page(const void *role, const char *marker, struct aws_request *r)
{
	role_request(r, "ListRolePolicies", role, NULL);
	aws_request_add_formf(r, "MaxItems", "%d", IAM_LIST_PAGE_SIZE);
	if (marker)
		aws_request_add_form(r, "Marker", marker);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return iam_parse_role_policies_page(b, n, r, next);
}

static const struct aws_pager_spec pager = {
	sizeof(struct aws_strv), build_page, parse_page, aws_op_release_strv, aws_op_deliver_strv, free, NULL,
};

int iam_list_role_policies(struct aws_client *c, const struct aws_target *t, const char *role, aws_strv_cb cb,
			   void *arg)
{
	if (!role)
		return -EINVAL;
	return aws_pager_start(c, t, &pager, xstrdup(role), (aws_any_cb)cb, arg);
}
