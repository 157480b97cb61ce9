#include "servicequotas.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

static int parse_quota(const char *b, size_t n, void *r)
{
	return sq_parse_quota(b, n, r);
}

static void release_quota(void *r)
{
	sq_quota_release(r);
}

static void deliver_quota(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((sq_quota_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec quota_spec = { sizeof(struct sq_quota), parse_quota, release_quota, deliver_quota };

int sq_get_service_quota(struct aws_client *c, const struct aws_target *t, const char *service_code,
			 const char *quota_code, sq_quota_cb cb, void *arg)
{
	cJSON *body;

	if (!service_code || !quota_code)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "ServiceCode", service_code);
	aws_json_add_str(body, "QuotaCode", quota_code);
	return aws_op_call_json(c, t, AWS_SERVICEQUOTAS, "GetServiceQuota", body, &quota_spec, (aws_any_cb)cb, arg);
}

/* ---- ListServiceQuotas, every page ---- */

static void build_page(const void *service_code, const char *token, struct aws_request *r)
{
	cJSON *body = aws_json_new_object();

	aws_json_add_str(body, "ServiceCode", service_code);
	aws_json_add_num(body, "MaxResults", SQ_LIST_PAGE_SIZE);
	if (token)
		aws_json_add_str(body, "NextToken", token);
	aws_request_init_json(r, AWS_SERVICEQUOTAS, "ListServiceQuotas", body);
	cJSON_Delete(body);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return sq_parse_quotas_page(b, n, r, next);
}

static void release_list(void *r)
{
	sq_quota_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((sq_quotas_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec pager = {
	sizeof(struct sq_quota_list), build_page, parse_page, release_list, deliver_list, free, NULL,
};

int sq_list_service_quotas(struct aws_client *c, const struct aws_target *t, const char *service_code, sq_quotas_cb cb,
			   void *arg)
{
	if (!service_code)
		return -EINVAL;
	return aws_pager_start(c, t, &pager, xstrdup(service_code), (aws_any_cb)cb, arg);
}
