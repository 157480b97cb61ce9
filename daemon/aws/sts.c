#include "sts.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_op.h"
#include "creds_chain.h"

static int parse_assume(const char *body, size_t len, void *res)
{
	return sts_parse_assume_role(body, len, res);
}

static void release_assume(void *res)
{
	sts_assume_role_result_release(res);
}

static void deliver_assume(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *res)
{
	((sts_assume_role_cb)cb)(arg, status, err, res);
}

static const struct aws_op_spec assume_spec = {
	sizeof(struct sts_assume_role_result),
	parse_assume,
	release_assume,
	deliver_assume,
};

static int parse_identity(const char *body, size_t len, void *res)
{
	return sts_parse_caller_identity(body, len, res);
}

static void release_identity(void *res)
{
	sts_caller_identity_release(res);
}

static void deliver_identity(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *res)
{
	((sts_caller_identity_cb)cb)(arg, status, err, res);
}

static const struct aws_op_spec identity_spec = {
	sizeof(struct sts_caller_identity),
	parse_identity,
	release_identity,
	deliver_identity,
};

int sts_get_caller_identity(struct aws_client *c, const struct aws_target *t, sts_caller_identity_cb cb, void *arg)
{
	struct aws_request req;

	aws_request_init_query(&req, AWS_STS, "GetCallerIdentity");
	return aws_op_call(c, t, &req, &identity_spec, (aws_any_cb)cb, arg);
}

static int build_assume(const struct sts_assume_role_input *in, struct aws_request *req)
{
	if (!in->role_arn || !*in->role_arn)
		return -EINVAL;
	aws_request_init_query(req, AWS_STS, "AssumeRole");
	aws_request_add_form(req, "RoleArn", in->role_arn);
	aws_request_add_form(req, "RoleSessionName", in->session_name ? in->session_name : CREDS_DEFAULT_SESSION_NAME);
	if (in->external_id)
		aws_request_add_form(req, "ExternalId", in->external_id);
	if (in->duration_s > 0)
		aws_request_add_formf(req, "DurationSeconds", "%d", in->duration_s);
	return 0;
}

int sts_assume_role(struct aws_client *c, const struct aws_target *t, const struct sts_assume_role_input *in,
		    sts_assume_role_cb cb, void *arg)
{
	struct aws_request req;
	int r = build_assume(in, &req);

	if (r < 0)
		return r;
	return aws_op_call(c, t, &req, &assume_spec, (aws_any_cb)cb, arg);
}

int sts_assume_role_creds(struct aws_client *c, const char *account, struct creds_source *base,
			  const struct sts_assume_role_input *in, sts_assume_role_cb cb, void *arg)
{
	struct aws_request req;
	int r = build_assume(in, &req);

	if (r < 0)
		return r;
	return aws_op_call_creds(c, account, NULL, base, &req, &assume_spec, (aws_any_cb)cb, arg);
}

int sts_assume_role_with_web_identity(struct aws_client *c, const struct sts_web_identity_input *in,
				      sts_assume_role_cb cb, void *arg)
{
	struct aws_request req;

	if (!in->role_arn || !*in->role_arn || !in->token || !*in->token)
		return -EINVAL;
	aws_request_init_query(&req, AWS_STS, "AssumeRoleWithWebIdentity");
	req.unsigned_request = true;
	aws_request_add_form(&req, "RoleArn", in->role_arn);
	aws_request_add_form(&req, "RoleSessionName", in->session_name ? in->session_name : CREDS_DEFAULT_SESSION_NAME);
	aws_request_add_form(&req, "WebIdentityToken", in->token);
	if (in->duration_s > 0)
		aws_request_add_formf(&req, "DurationSeconds", "%d", in->duration_s);
	return aws_op_call_creds(c, "default", NULL, NULL, &req, &assume_spec, (aws_any_cb)cb, arg);
}
