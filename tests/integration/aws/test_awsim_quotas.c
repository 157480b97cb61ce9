/* The capacity and bulk reads against awsim: Service Quotas answers the values
 * awsim enforces (from --quota and the admin API), IAM GetAccountSummary counts
 * roles against RolesQuota, GetAccountAuthorizationDetails returns every role with
 * its inline policies, and DescribeParameters walks 50 a page with versions and
 * tiers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_op.h"
#include "awsim_harness.h"
#include "iam.h"
#include "iam_account.h"
#include "servicequotas.h"
#include "ssm.h"
#include "ssm_describe.h"

static struct harness h;

#define TRUST "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}"

static int group_setup(void **state)
{
	static const char *const args[] = { "--region",	    "us-east-1", "--region",	 "us-west-2", "--quota",
					    "L-40EC9882=7", "--quota",	 "L-FE177D64=9", NULL };

	(void)state;
	harness_init(&h, args);
	h.opts.max_rate[AWS_SSM] = 200;
	h.opts.burst[AWS_SSM] = 200;
	h.opts.max_rate[AWS_IAM] = 100;
	return harness_client(&h);
}

static int group_teardown(void **state)
{
	(void)state;
	return harness_finish(&h);
}

struct quota_out {
	struct done d;
	double value;
	bool global;
	size_t n;
};

static void on_quota(void *arg, int status, const struct aws_error *err, const struct sq_quota *q)
{
	struct quota_out *o = arg;

	done_record(&o->d, status, err);
	if (q) {
		o->value = q->value;
		o->global = q->global;
	}
}

static void on_quotas(void *arg, int status, const struct aws_error *err, const struct sq_quota_list *l)
{
	struct quota_out *o = arg;
	const struct sq_quota *q = l ? sq_quota_list_find(l, "L-40EC9882") : NULL;

	done_record(&o->d, status, err);
	if (l)
		o->n = l->n;
	if (q)
		o->value = q->value;
}

static void test_service_quotas(void **state)
{
	struct aws_target west = { .account = NULL, .region = "us-west-2" };
	struct quota_out o = { 0 };

	(void)state;
	assert_int_equal(sq_get_service_quota(h.client, NULL, "bedrock", "L-40EC9882", on_quota, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_true(o.value == 7);
	assert_false(o.global);

	memset(&o, 0, sizeof(o));
	assert_int_equal(sq_get_service_quota(h.client, NULL, "iam", "L-FE177D64", on_quota, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_true(o.value == 9);
	assert_true(o.global);

	/* an override for one account and region */
	assert_int_equal(awsim_admin(&h.sim, "PUT", "quotas",
				     "{\"account\":\"" HARNESS_ACCOUNT "\",\"region\":\"us-east-1\","
				     "\"quotas\":{\"L-40EC9882\":2000}}",
				     NULL),
			 200);
	memset(&o, 0, sizeof(o));
	assert_int_equal(sq_list_service_quotas(h.client, NULL, "bedrock", on_quotas, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 1);
	assert_true(o.value == 2000);

	memset(&o, 0, sizeof(o));
	assert_int_equal(sq_get_service_quota(h.client, &west, "bedrock", "L-40EC9882", on_quota, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_true(o.value == 7);

	memset(&o, 0, sizeof(o));
	assert_int_equal(sq_get_service_quota(h.client, NULL, "bedrock", "L-00000000", on_quota, &o), 0);
	assert_int_not_equal(harness_wait(&h, &o.d), 0);
	assert_string_equal(o.d.code, "NoSuchResourceException");
}

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static int create_role(const char *name)
{
	struct aws_request req;
	struct done d = { 0 };

	aws_request_init_query(&req, AWS_IAM, "CreateRole");
	aws_request_add_form(&req, "RoleName", name);
	aws_request_add_form(&req, "AssumeRolePolicyDocument", TRUST);
	assert_int_equal(aws_op_call(h.client, NULL, &req, &done_spec, (aws_any_cb)done_cb, &d), 0);
	return harness_wait(&h, &d);
}

struct summary_out {
	struct done d;
	int64_t roles, quota;
};

static void on_summary(void *arg, int status, const struct aws_error *err, const struct iam_account_summary *s)
{
	struct summary_out *o = arg;

	done_record(&o->d, status, err);
	if (s) {
		assert_int_equal(iam_account_summary_get(s, "Roles", &o->roles), 0);
		assert_int_equal(iam_account_summary_get(s, "RolesQuota", &o->quota), 0);
	}
}

struct details_out {
	struct done d;
	size_t n, policies, chars;
	char first[64];
};

static void on_details(void *arg, int status, const struct aws_error *err, const struct iam_role_detail_list *l)
{
	struct details_out *o = arg;

	done_record(&o->d, status, err);
	for (size_t i = 0; l && i < l->n; i++) {
		o->policies += l->items[i].n_policies;
		o->chars += iam_role_detail_policy_chars(&l->items[i]);
	}
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].name : "");
	}
}

static void test_iam_account(void **state)
{
	static const char doc[] = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", "
				  "\"Action\": \"bedrock:InvokeModel\", \"Resource\": \"*\"}]}";
	struct summary_out s = { 0 };
	struct details_out d = { 0 };
	char name[32];

	(void)state;
	for (int i = 0; i < 9; i++) {
		snprintf(name, sizeof(name), "tenant-role-%d", i);
		assert_int_equal(create_role(name), 0);
	}
	assert_int_not_equal(create_role("one-too-many"), 0);
	for (int i = 0; i < 2; i++) {
		struct done p = { 0 };
		assert_int_equal(iam_put_role_policy(h.client, NULL, "tenant-role-0", i ? "b" : "a", doc, done_cb, &p),
				 0);
		assert_int_equal(harness_wait(&h, &p), 0);
	}

	assert_int_equal(iam_get_account_summary(h.client, NULL, on_summary, &s), 0);
	assert_int_equal(harness_wait(&h, &s.d), 0);
	assert_int_equal(s.roles, 9);
	assert_int_equal(s.quota, 9);

	assert_int_equal(iam_get_role_details(h.client, NULL, NULL, 0, on_details, &d), 0);
	assert_int_equal(harness_wait(&h, &d.d), 0);
	assert_int_equal(d.n, 9);
	assert_string_equal(d.first, "tenant-role-0");
	assert_int_equal(d.policies, 2);
	assert_int_equal(d.chars, 2 * 103); /* whitespace not counted */
}

struct metas_out {
	struct done d;
	size_t n, advanced, version2;
};

static void on_metas(void *arg, int status, const struct aws_error *err, const struct ssm_parameter_meta_list *l)
{
	struct metas_out *o = arg;

	done_record(&o->d, status, err);
	for (size_t i = 0; l && i < l->n; i++) {
		o->advanced += strcmp(l->items[i].tier, "Advanced") == 0;
		o->version2 += l->items[i].version == 2;
	}
	if (l)
		o->n = l->n;
}

static void on_put(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *r)
{
	(void)r;
	done_record(arg, status, err);
}

static void test_describe_parameters(void **state)
{
	struct metas_out m = { 0 };
	char name[64];

	(void)state;
	for (int i = 0; i < 120; i++) {
		struct ssm_put_input in = { .name = name, .value = "v", .overwrite = i >= 117 };
		struct done p = { 0 };

		snprintf(name, sizeof(name), "/it/t%03d/arn", i % 117);
		assert_int_equal(ssm_put_parameter(h.client, NULL, &in, on_put, &p), 0);
		assert_int_equal(harness_wait(&h, &p), 0);
	}
	assert_int_equal(ssm_describe_parameters(h.client, NULL, "/it", true, on_metas, &m), 0);
	assert_int_equal(harness_wait(&h, &m.d), 0);
	assert_int_equal(m.n, 117);
	assert_int_equal(m.advanced, 0);
	assert_int_equal(m.version2, 3);
	assert_int_equal(awsim_calls(&h.sim, "ssm:DescribeParameters", "ok"), 3); /* 50 a page */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_quotas),
		cmocka_unit_test(test_iam_account),
		cmocka_unit_test(test_describe_parameters),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
