/* Every error class against awsim's fault plans: terminal answers are not retried,
 * retryable ones (5xx, dropped connections, lost answers, SSM TooManyUpdates, IAM
 * ConcurrentModification) are, throttling shrinks the client's rate until a burst of
 * calls all get through within their retry budget. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bedrock.h"
#include "budgets.h"
#include "iam.h"
#include "ssm.h"
#include "sts.h"
#include "tagging.h"
#include "awsim_harness.h"

static struct harness h;

#define FM_ARN "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"

static int group_setup(void **state)
{
	harness_init(&h, NULL);
	h.opts.max_rate[AWS_SSM] = 20;
	h.opts.burst[AWS_SSM] = 20;
	return harness_client(&h);
}

static int group_teardown(void **state)
{
	return harness_finish(&h);
}

static void plan(const char *json)
{
	assert_int_equal(awsim_admin(&h.sim, "PUT", "faults", json, NULL), 200);
	assert_int_equal(awsim_admin(&h.sim, "DELETE", "calls", NULL, NULL), 200);
}

struct created {
	struct done d;
	char arn[256];
	size_t n;
};

static void on_create(void *arg, int status, const struct aws_error *err, const struct bedrock_create_result *r)
{
	struct created *c = arg;

	done_record(&c->d, status, err);
	if (r)
		snprintf(c->arn, sizeof(c->arn), "%s", r->arn);
}

static void on_profiles(void *arg, int status, const struct aws_error *err, const struct bedrock_profile_list *l)
{
	struct created *c = arg;

	done_record(&c->d, status, err);
	if (l)
		c->n = l->n;
}

static void test_terminal(void **state)
{
	struct bedrock_create_input in = { .name = "not a valid name!", .copy_from = FM_ARN };
	struct created c = { 0 };

	plan("{\"rules\":[]}");
	assert_int_equal(bedrock_create_inference_profile(h.client, NULL, &in, on_create, &c), 0);
	assert_int_equal(harness_wait(&h, &c.d), -EINVAL);
	assert_string_equal(c.d.code, "ValidationException");
	assert_int_equal(c.d.cls, AWS_ERROR_TERMINAL);
	assert_int_equal(c.d.http_status, 400);
	assert_int_equal(awsim_calls(&h.sim, "bedrock:CreateInferenceProfile", "failed"), 1); /* not retried */
}

static void on_put(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *r)
{
	done_record(arg, status, err);
}

static void on_raw(void *arg, int status, const struct aws_error *err, const struct http_response *resp)
{
	done_record(arg, status, err);
}

static void on_names(void *arg, int status, const struct aws_error *err, const struct aws_strv *v)
{
	done_record(arg, status, err);
}

static void test_retryable_then_ok(void **state)
{
	struct ssm_put_input in = { .name = "/faults/p", .value = "v" };
	struct done d = { 0 };
	struct aws_stats st;

	plan("{\"rules\":[{\"service\":\"ssm\",\"operation\":\"PutParameter\",\"error_500_percent\":100,\"times\":1},"
	     "{\"service\":\"ssm\",\"operation\":\"PutParameter\",\"error_503_percent\":100,\"times\":1},"
	     "{\"service\":\"ssm\",\"operation\":\"PutParameter\",\"reset_percent\":100,\"times\":1},"
	     "{\"service\":\"ssm\",\"operation\":\"PutParameter\",\"error_percent\":100,\"times\":1,"
	     "\"error\":{\"status\":400,\"code\":\"TooManyUpdates\",\"message\":\"concurrent update\"}}]}");
	assert_int_equal(ssm_delete_parameter(h.client, NULL, "/faults/none", done_cb, &d), 0);
	assert_int_equal(harness_wait(&h, &d), -ENOENT); /* rules for PutParameter only */
	memset(&d, 0, sizeof(d));
	assert_int_equal(ssm_put_parameter(h.client, NULL, &in, on_put, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	assert_int_equal(awsim_calls(&h.sim, "ssm:PutParameter", "ok"), 1);
	aws_client_stats(h.client, &st);
	/* a connection reset on a kept-alive connection may be retried inside libcurl
	 * (before any answer byte); the other three are the client's retries */
	assert_true(st.service[AWS_SSM].retries >= 3);
	assert_int_equal(awsim_calls(&h.sim, "ssm:PutParameter", "dropped"), 1);
	assert_int_equal(awsim_calls(&h.sim, "ssm:PutParameter", "failed"), 3);
	aws_stats_release(&st);
}

static void test_conflicts_are_retried(void **state)
{
	struct done d = { 0 };
	struct aws_request req;

	/* a role for the policy */
	aws_request_init_query(&req, AWS_IAM, "CreateRole");
	aws_request_add_form(&req, "RoleName", "faults-role");
	aws_request_add_form(&req, "AssumeRolePolicyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	assert_int_equal(aws_client_call(h.client, NULL, &req, on_raw, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);

	plan("{\"rules\":[{\"service\":\"iam\",\"operation\":\"PutRolePolicy\",\"error_percent\":100,\"times\":2,"
	     "\"error\":{\"status\":409,\"code\":\"ConcurrentModification\"}}]}");
	memset(&d, 0, sizeof(d));
	assert_int_equal(iam_put_role_policy(h.client, NULL, "faults-role", "p",
					     "{\"Version\":\"2012-10-17\",\"Statement\":[]}", done_cb, &d),
			 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	assert_int_equal(awsim_calls(&h.sim, "iam:PutRolePolicy", "failed"), 2);
	assert_int_equal(awsim_calls(&h.sim, "iam:PutRolePolicy", "ok"), 1);
}

static void test_attempts_run_out(void **state)
{
	struct done d = { 0 };

	plan("{\"rules\":[{\"service\":\"iam\",\"operation\":\"ListRolePolicies\",\"error_503_percent\":100}]}");
	assert_int_equal(iam_list_role_policies(h.client, NULL, "faults-role", on_names, &d), 0);
	assert_int_equal(harness_wait(&h, &d), -EIO);
	assert_int_equal(d.cls, AWS_ERROR_RETRYABLE);
	assert_int_equal(d.http_status, 503);
	assert_int_equal(awsim_calls(&h.sim, "iam:ListRolePolicies", "failed"), 5);
	plan("{\"rules\":[]}");
}

static void test_lost_answer_to_a_create(void **state)
{
	struct bedrock_create_input in = {
		.name = "lost-answer-1a2b3c",
		.copy_from = FM_ARN,
		.client_request_token = "lost-answer-1a2b3c",
	};
	struct created c = { 0 }, l = { 0 };

	/* the profile is created, then the connection is cut: the retry carries the same
	 * clientRequestToken and gets the same profile back */
	plan("{\"rules\":[{\"service\":\"bedrock\",\"operation\":\"CreateInferenceProfile\",\"lost_percent\":100,"
	     "\"times\":1}]}");
	assert_int_equal(bedrock_create_inference_profile(h.client, NULL, &in, on_create, &c), 0);
	assert_int_equal(harness_wait(&h, &c.d), 0);
	assert_non_null(strstr(c.arn, "application-inference-profile/"));
	assert_int_equal(bedrock_list_inference_profiles(h.client, NULL, "APPLICATION", on_profiles, &l), 0);
	assert_int_equal(harness_wait(&h, &l.d), 0);
	assert_int_equal(l.n, 1);
}

struct burst {
	struct done d[30];
	int n;
	int throttle_events;
};

static bool burst_done(void *arg)
{
	struct burst *b = arg;

	for (int i = 0; i < b->n; i++)
		if (!b->d[i].calls)
			return false;
	return true;
}

static void test_throttling_adapts(void **state)
{
	struct burst b = { .n = 30 };
	char names[30][64];
	struct aws_stats st;
	size_t i;

	/* awsim lets 4 PutParameter a second through (a burst of 4); the client starts at
	 * 20 per second with a burst of 20 and has to find the rate */
	plan("{\"rules\":[{\"service\":\"ssm\",\"operation\":\"PutParameter\",\"rate\":4,\"burst\":4}]}");
	for (int k = 0; k < b.n; k++) {
		struct ssm_put_input in = { .name = names[k], .value = "v" };

		snprintf(names[k], sizeof(names[k]), "/throttle/p%02d", k);
		assert_int_equal(ssm_put_parameter(h.client, NULL, &in, on_put, &b.d[k]), 0);
	}
	harness_run_until(&h, burst_done, &b);
	for (int k = 0; k < b.n; k++)
		assert_int_equal(b.d[k].status, 0);
	assert_int_equal(awsim_calls(&h.sim, "ssm:PutParameter", "ok"), 30);
	assert_true(awsim_calls(&h.sim, "ssm:PutParameter", "throttled") > 0);
	aws_client_stats(h.client, &st);
	assert_true(st.service[AWS_SSM].throttles > 0);
	assert_int_equal(st.retry_quota_exhausted, 0);
	for (i = 0; i < st.n_buckets; i++)
		if (st.buckets[i].service == AWS_SSM)
			break;
	assert_true(i < st.n_buckets);
	assert_true(st.buckets[i].rate < st.buckets[i].max_rate);
	assert_true(st.buckets[i].throttles > 0);
	aws_stats_release(&st);
	plan("{\"rules\":[]}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_retryable_then_ok),
		cmocka_unit_test(test_conflicts_are_retried),
		cmocka_unit_test(test_attempts_run_out),
		cmocka_unit_test(test_lost_answer_to_a_create),
		cmocka_unit_test(test_throttling_adapts),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
