#include "iam_managed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_op.h"
#include "xalloc.h"

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

/* ---- a policy ---- */

static int parse_created(const char *b, size_t n, void *r)
{
	return iam_parse_policy(b, n, "CreatePolicy", r);
}

static int parse_got(const char *b, size_t n, void *r)
{
	return iam_parse_policy(b, n, "GetPolicy", r);
}

static void release_policy(void *r)
{
	iam_policy_release(r);
}

static void deliver_policy(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_policy_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec create_spec = { sizeof(struct iam_policy), parse_created, release_policy,
						deliver_policy };
static const struct aws_op_spec get_spec = { sizeof(struct iam_policy), parse_got, release_policy, deliver_policy };

int iam_create_policy(struct aws_client *c, const struct aws_target *t, const char *name, const char *path,
		      const char *document, const char *description, iam_policy_cb cb, void *arg)
{
	struct aws_request req;
	size_t plen = path ? strlen(path) : 0;

	if (!name || !document || !plen || path[0] != '/' || path[plen - 1] != '/')
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, "CreatePolicy");
	aws_request_add_form(&req, "PolicyName", name);
	aws_request_add_form(&req, "Path", path);
	aws_request_add_form(&req, "PolicyDocument", document);
	if (description)
		aws_request_add_form(&req, "Description", description);
	return aws_op_call(c, t, &req, &create_spec, (aws_any_cb)cb, arg);
}

int iam_get_policy(struct aws_client *c, const struct aws_target *t, const char *arn, iam_policy_cb cb, void *arg)
{
	struct aws_request req;

	if (!arn)
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, "GetPolicy");
	aws_request_add_form(&req, "PolicyArn", arn);
	return aws_op_call(c, t, &req, &get_spec, (aws_any_cb)cb, arg);
}

int iam_delete_policy(struct aws_client *c, const struct aws_target *t, const char *arn, aws_done_cb cb, void *arg)
{
	struct aws_request req;

	if (!arn)
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, "DeletePolicy");
	aws_request_add_form(&req, "PolicyArn", arn);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

/* ---- versions ---- */

static int parse_version_created(const char *b, size_t n, void *r)
{
	return iam_parse_policy_version(b, n, "CreatePolicyVersion", r);
}

static int parse_version_got(const char *b, size_t n, void *r)
{
	return iam_parse_policy_version(b, n, "GetPolicyVersion", r);
}

static void release_version(void *r)
{
	iam_policy_version_release(r);
}

static void deliver_version(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_policy_version_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec version_create_spec = { sizeof(struct iam_policy_version), parse_version_created,
							release_version, deliver_version };
static const struct aws_op_spec version_get_spec = { sizeof(struct iam_policy_version), parse_version_got,
						     release_version, deliver_version };

int iam_create_policy_version(struct aws_client *c, const struct aws_target *t, const char *arn, const char *document,
			      bool set_default, iam_policy_version_cb cb, void *arg)
{
	struct aws_request req;

	if (!arn || !document)
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, "CreatePolicyVersion");
	aws_request_add_form(&req, "PolicyArn", arn);
	aws_request_add_form(&req, "PolicyDocument", document);
	aws_request_add_form(&req, "SetAsDefault", set_default ? "true" : "false");
	return aws_op_call(c, t, &req, &version_create_spec, (aws_any_cb)cb, arg);
}

int iam_get_policy_version(struct aws_client *c, const struct aws_target *t, const char *arn, const char *version,
			   iam_policy_version_cb cb, void *arg)
{
	struct aws_request req;

	if (!arn || !version)
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, "GetPolicyVersion");
	aws_request_add_form(&req, "PolicyArn", arn);
	aws_request_add_form(&req, "VersionId", version);
	return aws_op_call(c, t, &req, &version_get_spec, (aws_any_cb)cb, arg);
}

int iam_delete_policy_version(struct aws_client *c, const struct aws_target *t, const char *arn, const char *version,
			      aws_done_cb cb, void *arg)
{
	struct aws_request req;

	if (!arn || !version)
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, "DeletePolicyVersion");
	aws_request_add_form(&req, "PolicyArn", arn);
	aws_request_add_form(&req, "VersionId", version);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

/* ---- attachments ---- */

/* Attach/DetachRolePolicy: the one request both make. */
static int role_policy_call(struct aws_client *c, const struct aws_target *t, const char *op, const char *role,
			    const char *arn, aws_done_cb cb, void *arg)
{
	struct aws_request req;

	if (!role || !arn)
		return -EINVAL;
	aws_request_init_query(&req, AWS_IAM, op);
	aws_request_add_form(&req, "RoleName", role);
	aws_request_add_form(&req, "PolicyArn", arn);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

int iam_attach_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *arn,
			   aws_done_cb cb, void *arg)
{
	return role_policy_call(c, t, "AttachRolePolicy", role, arn, cb, arg);
}

int iam_detach_role_policy(struct aws_client *c, const struct aws_target *t, const char *role, const char *arn,
			   aws_done_cb cb, void *arg)
{
	return role_policy_call(c, t, "DetachRolePolicy", role, arn, cb, arg);
}

static void build_page(const void *role, const char *marker, struct aws_request *r)
{
	aws_request_init_query(r, AWS_IAM, "ListAttachedRolePolicies");
	aws_request_add_form(r, "RoleName", role);
	aws_request_add_formf(r, "MaxItems", "%d", IAM_MANAGED_PAGE_SIZE);
	if (marker)
		aws_request_add_form(r, "Marker", marker);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return iam_parse_attached_page(b, n, r, next);
}

static void release_list(void *r)
{
	iam_attached_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_attached_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec pager = {
	sizeof(struct iam_attached_list), build_page, parse_page, release_list, deliver_list, free, NULL,
};

int iam_list_attached_role_policies(struct aws_client *c, const struct aws_target *t, const char *role,
				    iam_attached_cb cb, void *arg)
{
	if (!role)
		return -EINVAL;
	return aws_pager_start(c, t, &pager, xstrdup(role), (aws_any_cb)cb, arg);
}

/* ---- ListPolicies (Scope=Local, PathPrefix), every page ---- */

static void build_policies_page(const void *path, const char *marker, struct aws_request *r)
{
	aws_request_init_query(r, AWS_IAM, "ListPolicies");
	aws_request_add_form(r, "Scope", "Local");
	aws_request_add_form(r, "PathPrefix", path);
	aws_request_add_formf(r, "MaxItems", "%d", IAM_MANAGED_PAGE_SIZE);
	if (marker)
		aws_request_add_form(r, "Marker", marker);
}

static int parse_policies_page(const char *b, size_t n, void *r, char **next)
{
	return iam_parse_policies_page(b, n, r, next);
}

static void release_policies(void *r)
{
	iam_policy_list_release(r);
}

static void deliver_policies(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_policies_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec policies_pager = {
	sizeof(struct iam_policy_list),
	build_policies_page,
	parse_policies_page,
	release_policies,
	deliver_policies,
	free,
	NULL,
};

int iam_list_policies(struct aws_client *c, const struct aws_target *t, const char *path_prefix, iam_policies_cb cb,
		      void *arg)
{
	if (!path_prefix)
		return -EINVAL;
	return aws_pager_start(c, t, &policies_pager, xstrdup(path_prefix), (aws_any_cb)cb, arg);
}

/* ---- ListPolicyVersions, every page ---- */

static void build_versions_page(const void *arn, const char *marker, struct aws_request *r)
{
	aws_request_init_query(r, AWS_IAM, "ListPolicyVersions");
	aws_request_add_form(r, "PolicyArn", arn);
	aws_request_add_formf(r, "MaxItems", "%d", IAM_MANAGED_PAGE_SIZE);
	if (marker)
		aws_request_add_form(r, "Marker", marker);
}

static int parse_versions_page(const char *b, size_t n, void *r, char **next)
{
	return iam_parse_versions_page(b, n, r, next);
}

static void release_versions(void *r)
{
	iam_policy_version_list_release(r);
}

static void deliver_versions(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_versions_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec versions_pager = {
	sizeof(struct iam_policy_version_list),
	build_versions_page,
	parse_versions_page,
	release_versions,
	deliver_versions,
	free,
	NULL,
};

int iam_list_policy_versions(struct aws_client *c, const struct aws_target *t, const char *arn, iam_versions_cb cb,
			     void *arg)
{
	if (!arn)
		return -EINVAL;
	return aws_pager_start(c, t, &versions_pager, xstrdup(arn), (aws_any_cb)cb, arg);
}

/* ---- ListEntitiesForPolicy (EntityFilter=Role), every page ---- */

static void build_entities_page(const void *arn, const char *marker, struct aws_request *r)
{
	aws_request_init_query(r, AWS_IAM, "ListEntitiesForPolicy");
	aws_request_add_form(r, "PolicyArn", arn);
	aws_request_add_form(r, "EntityFilter", "Role");
	aws_request_add_formf(r, "MaxItems", "%d", IAM_MANAGED_PAGE_SIZE);
	if (marker)
		aws_request_add_form(r, "Marker", marker);
}

static int parse_entities_page(const char *b, size_t n, void *r, char **next)
{
	return iam_parse_entities_page(b, n, r, next);
}

static void release_entities(void *r)
{
	aws_strv_release(r);
}

static void deliver_entities(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_roles_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec entities_pager = {
	sizeof(struct aws_strv),
	build_entities_page,
	parse_entities_page,
	release_entities,
	deliver_entities,
	free,
	NULL,
};

int iam_list_policy_roles(struct aws_client *c, const struct aws_target *t, const char *arn, iam_roles_cb cb, void *arg)
{
	if (!arn)
		return -EINVAL;
	return aws_pager_start(c, t, &entities_pager, xstrdup(arn), (aws_any_cb)cb, arg);
}
