/* The typed clients' wire forms (compared with the official SDK's captures in
 * aws-wire.md) and the pagers, against the scripted server. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aws_fixture.h"
#include "bedrock.h"
#include "budgets.h"
#include "iam.h"
#include "ssm.h"
#include "sts.h"
#include "tagging.h"
#include "xalloc.h"

static void on_profiles(void *arg, int status, const struct aws_error *err, const struct bedrock_profile_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].id : "");
	} else {
		snprintf(o->code, sizeof(o->code), "%s", err->code);
	}
}

#define SUMMARY(id)                                                                                                    \
	"{\"inferenceProfileName\":\"" id "\",\"inferenceProfileArn\":\"arn:aws:bedrock:us-east-1:123456789012:"       \
	"application-inference-profile/" id "\",\"inferenceProfileId\":\"" id "\"}"

static void test_bedrock_listing(void **state)
{
	struct fx_script s = { .answers = { "{\"inferenceProfileSummaries\":[" SUMMARY("aaaa") "," SUMMARY(
						    "bbbb") "],"
							    "\"nextToken\":\"ab+c/d==\"}",
					    "{\"inferenceProfileSummaries\":[],\"nextToken\":\"t3\"}",
					    "{\"inferenceProfileSummaries\":[" SUMMARY("cccc") "]}" },
			       .n = 3 };
	struct fixture f;
	struct fx_outcome o = { 0 };

	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(bedrock_list_inference_profiles(f.client, NULL, "APPLICATION", on_profiles, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 3);
	assert_string_equal(o.first, "aaaa");
	assert_string_equal(test_server_request(f.server, 0)->target,
			    "/inference-profiles?maxResults=1000&type=APPLICATION");
	assert_string_equal(test_server_request(f.server, 1)->target,
			    "/inference-profiles?maxResults=1000&nextToken=ab%2Bc%2Fd%3D%3D&type=APPLICATION");
	assert_string_equal(test_server_request(f.server, 2)->target,
			    "/inference-profiles?maxResults=1000&nextToken=t3&type=APPLICATION");
	assert_int_equal(fx_finish(&f), 0);
}

static void test_pager_refuses_a_stuck_token(void **state)
{
	struct fx_script s = { .answers = { "{\"inferenceProfileSummaries\":[],\"nextToken\":\"same\"}" }, .n = 1 };
	struct fixture f;
	struct fx_outcome o = { 0 };

	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(bedrock_list_inference_profiles(f.client, NULL, "SYSTEM_DEFINED", on_profiles, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, -ELOOP);
	assert_string_equal(o.code, "InvalidResponse");
	assert_int_equal(test_server_requests(f.server), 2);
	assert_non_null(strstr(test_server_request(f.server, 0)->target, "type=SYSTEM_DEFINED"));
	assert_int_equal(fx_finish(&f), 0);
}

static void on_create(void *arg, int status, const struct aws_error *err, const struct bedrock_create_result *r)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (r)
		snprintf(o->first, sizeof(o->first), "%s", r->arn);
}

static void test_bedrock_wire(void **state)
{
	struct fx_script s = {
		.answers = { "{\"inferenceProfileArn\":\"arn:aws:bedrock:us-east-1:123456789012:application-"
			     "inference-profile/abcd1234efgh\",\"status\":\"ACTIVE\"}" },
		.n = 1
	};
	struct aws_tag tags[] = { { (char *)"dept", (char *)"a" } };
	struct bedrock_create_input in = {
		.name = "dept-a_proj 1",
		.description = "Tenant dept-a",
		.copy_from = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
		.client_request_token = "15acfd04",
		.tags = tags,
		.n_tags = 1,
	};
	const struct test_request *req;
	struct fixture f;
	struct fx_outcome o = { 0 };

	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(bedrock_create_inference_profile(f.client, NULL, &in, on_create, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.first,
			    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh");
	req = test_server_request(f.server, 0);
	assert_string_equal(req->method, "POST");
	assert_string_equal(req->target, "/inference-profiles");
	assert_string_equal(test_request_header(req, "Content-Type"), "application/json");
	/* the captured body, field for field */
	assert_string_equal(req->body,
			    "{\"inferenceProfileName\":\"dept-a_proj 1\",\"modelSource\":{\"copyFrom\":"
			    "\"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-"
			    "v1:0\"},\"description\":\"Tenant dept-a\",\"clientRequestToken\":\"15acfd04\","
			    "\"tags\":[{\"key\":\"dept\",\"value\":\"a\"}]}");
	assert_int_equal(fx_finish(&f), 0);
	assert_int_equal(
		bedrock_create_inference_profile(NULL, NULL, &(struct bedrock_create_input){ 0 }, on_create, &o),
		-EINVAL);
}

static void on_done(void *arg, int status, const struct aws_error *err)
{
	(void)err;
	fx_answered(arg, status);
}

static void test_budgets_wire(void **state)
{
	struct fx_script s = { .answers = { "{}" }, .n = 1 };
	struct aws_strv values = { 0 };
	struct budgets_cost_filter filter = { (char *)"TagKeyValue", { 0 } };
	struct budgets_budget b = {
		.name = (char *)"bedrock-dept-a",
		.limit_amount = (char *)"100",
		.limit_unit = (char *)"USD",
		.time_unit = (char *)"MONTHLY",
		.budget_type = (char *)"COST",
		.cost_filters = &filter,
		.n_cost_filters = 1,
	};
	struct budgets_subscriber sub = { (char *)"EMAIL", (char *)"a@example.com" };
	struct budgets_notification_with_subscribers nws = {
		{ (char *)"ACTUAL", (char *)"GREATER_THAN", 80, (char *)"PERCENTAGE", NULL }, &sub, 1
	};
	struct budgets_create_input in = { "123456789012", &b, &nws, 1, NULL, 0 };
	const struct test_request *req;
	struct fixture f;
	struct fx_outcome o = { 0 };

	aws_strv_add(&values, "user:dept$a");
	filter.values = values;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(budgets_create_budget(f.client, NULL, &in, on_done, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	req = test_server_request(f.server, 0);
	assert_string_equal(test_request_header(req, "X-Amz-Target"), "AWSBudgetServiceGateway.CreateBudget");
	assert_string_equal(test_request_header(req, "Content-Type"), "application/x-amz-json-1.1");
	assert_string_equal(
		req->body,
		"{\"AccountId\":\"123456789012\",\"Budget\":{\"BudgetName\":\"bedrock-dept-a\",\"BudgetLimit\":"
		"{\"Amount\":\"100\",\"Unit\":\"USD\"},\"TimeUnit\":\"MONTHLY\",\"BudgetType\":\"COST\","
		"\"CostFilters\":{\"TagKeyValue\":[\"user:dept$a\"]}},\"NotificationsWithSubscribers\":[{"
		"\"Notification\":{\"NotificationType\":\"ACTUAL\",\"ComparisonOperator\":\"GREATER_THAN\","
		"\"Threshold\":80,\"ThresholdType\":\"PERCENTAGE\"},\"Subscribers\":[{\"SubscriptionType\":"
		"\"EMAIL\",\"Address\":\"a@example.com\"}]}]}");
	assert_int_equal(fx_finish(&f), 0);
	aws_strv_release(&values);
}

static void on_params(void *arg, int status, const struct aws_error *err, const struct ssm_parameter_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (l)
		o->n = l->n;
}

static void test_ssm_wire(void **state)
{
	struct fx_script s = {
		.answers = { "{\"Parameters\":[{\"Name\":\"/a/1\",\"Value\":\"x\"}],\"NextToken\":\"n2\"}",
			     "{\"Parameters\":[],\"NextToken\":\"n3\"}",
			     "{\"Parameters\":[{\"Name\":\"/a/2\",\"Value\":\"y\"}]}" },
		.n = 3
	};
	struct aws_tag tag = { (char *)"k", (char *)"v" };
	struct ssm_put_input bad = { .name = "/p", .value = "v", .overwrite = true, .tags = &tag, .n_tags = 1 };
	struct fixture f;
	struct fx_outcome o = { 0 };

	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(ssm_put_parameter(f.client, NULL, &bad, NULL, NULL), -EINVAL);
	assert_int_equal(ssm_get_parameters_by_path(f.client, NULL, "/a", true, on_params, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 2);
	assert_string_equal(test_request_header(test_server_request(f.server, 0), "X-Amz-Target"),
			    "AmazonSSM.GetParametersByPath");
	assert_string_equal(test_server_request(f.server, 0)->body,
			    "{\"Path\":\"/a\",\"Recursive\":true,\"MaxResults\":10}");
	assert_string_equal(test_server_request(f.server, 2)->body,
			    "{\"Path\":\"/a\",\"Recursive\":true,\"MaxResults\":10,\"NextToken\":\"n3\"}");
	assert_int_equal(ssm_get_parameters_by_path(f.client, NULL, "relative", true, on_params, &o), -EINVAL);
	assert_int_equal(ssm_get_parameters(f.client, NULL, NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(fx_finish(&f), 0);
}

static void on_resources(void *arg, int status, const struct aws_error *err, const struct tagging_resource_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (l)
		o->n = l->n;
}

static void test_tagging_wire(void **state)
{
	struct fx_script s = {
		.answers = { "{\"PaginationToken\":\"p2\",\"ResourceTagMappingList\":[{\"ResourceARN\":\"arn:1\","
			     "\"Tags\":[]}]}",
			     "{\"PaginationToken\":\"\",\"ResourceTagMappingList\":[{\"ResourceARN\":\"arn:2\"}]}" },
		.n = 2
	};
	const char *values[] = { "a" };
	const char *types[] = { TAGGING_PROFILE_TYPE };
	struct tagging_filter filter = { "dept", values, 1 };
	struct tagging_get_resources_input in = { &filter, 1, types, 1 };
	struct fixture f;
	struct fx_outcome o = { 0 };

	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(tagging_get_resources(f.client, NULL, &in, on_resources, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 2);
	/* the captured body */
	assert_string_equal(test_server_request(f.server, 0)->body,
			    "{\"TagFilters\":[{\"Key\":\"dept\",\"Values\":[\"a\"]}],\"ResourcesPerPage\":100,"
			    "\"ResourceTypeFilters\":[\"bedrock:application-inference-profile\"]}");
	assert_non_null(strstr(test_server_request(f.server, 1)->body, "\"PaginationToken\":\"p2\""));
	assert_string_equal(test_request_header(test_server_request(f.server, 0), "X-Amz-Target"),
			    "ResourceGroupsTaggingAPI_20170126.GetResources");
	assert_int_equal(fx_finish(&f), 0);
}

static void on_names(void *arg, int status, const struct aws_error *err, const struct aws_strv *v)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (v)
		o->n = v->n;
}

static void test_iam_wire(void **state)
{
	struct fx_script s = {
		.answers = { "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames><member>a</member>"
			     "</PolicyNames><IsTruncated>true</IsTruncated><Marker>m+2</Marker>"
			     "</ListRolePoliciesResult></ListRolePoliciesResponse>",
			     "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames><member>b</member>"
			     "</PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult>"
			     "</ListRolePoliciesResponse>" },
		.n = 2
	};
	struct fixture f;
	struct fx_outcome o = { 0 };

	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(iam_list_role_policies(f.client, NULL, "app", on_names, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 2);
	assert_string_equal(test_server_request(f.server, 0)->body,
			    "Action=ListRolePolicies&Version=2010-05-08&RoleName=app&MaxItems=1000");
	assert_string_equal(test_server_request(f.server, 1)->body,
			    "Action=ListRolePolicies&Version=2010-05-08&RoleName=app&MaxItems=1000&Marker=m%2B2");
	assert_string_equal(test_request_header(test_server_request(f.server, 0), "Content-Type"),
			    "application/x-www-form-urlencoded");
	assert_int_equal(fx_finish(&f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bedrock_listing), cmocka_unit_test(test_pager_refuses_a_stuck_token),
		cmocka_unit_test(test_bedrock_wire),	cmocka_unit_test(test_budgets_wire),
		cmocka_unit_test(test_ssm_wire),	cmocka_unit_test(test_tagging_wire),
		cmocka_unit_test(test_iam_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
