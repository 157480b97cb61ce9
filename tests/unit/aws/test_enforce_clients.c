/* The wire forms of budget enforcement's calls (IAM customer-managed policies and
 * Budgets actions), against the scripted server: operation, target and body as AWS
 * expects them, every page of the listings, arguments refused before sending. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_fixture.h"
#include "budgets_actions.h"
#include "iam_managed.h"
#include "xalloc.h"

static void on_done(void *arg, int status, const struct aws_error *err)
{
	(void)err;
	fx_answered(arg, status);
}

static void on_policy(void *arg, int status, const struct aws_error *err, const struct iam_policy *p)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (p)
		snprintf(o->first, sizeof(o->first), "%s", p->arn);
}

static void on_version(void *arg, int status, const struct aws_error *err, const struct iam_policy_version *v)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (v)
		snprintf(o->first, sizeof(o->first), "%s", v->version_id);
}

static void on_attached(void *arg, int status, const struct aws_error *err, const struct iam_attached_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[l->n - 1].arn : "");
	}
}

static bool body_has(const struct test_request *req, const char *part)
{
	return strstr(req->body, part) != NULL;
}

static void test_iam_managed_wire(void **state)
{
	struct fx_script s = {
		.answers = { "<CreatePolicyResponse><CreatePolicyResult><Policy><PolicyName>acme-deny</PolicyName><Arn>"
			     "arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny</Arn></Policy></"
			     "CreatePolicyResult>"
			     "</CreatePolicyResponse>",
			     "<CreatePolicyVersionResponse><CreatePolicyVersionResult><PolicyVersion><VersionId>v2</"
			     "VersionId>"
			     "</PolicyVersion></CreatePolicyVersionResult></CreatePolicyVersionResponse>",
			     "<DeletePolicyResponse/>",
			     "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult><AttachedPolicies><"
			     "member>"
			     "<PolicyName>a</PolicyName><PolicyArn>arn:a</PolicyArn></member></"
			     "AttachedPolicies><IsTruncated>true"
			     "</IsTruncated><Marker>m2</Marker></ListAttachedRolePoliciesResult></"
			     "ListAttachedRolePoliciesResponse>",
			     "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult><AttachedPolicies><"
			     "member>"
			     "<PolicyName>b</PolicyName><PolicyArn>arn:b</PolicyArn></member></AttachedPolicies>"
			     "</ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>",
			     "<DetachRolePolicyResponse/>" },
		.n = 6
	};
	const char *arn = "arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny";
	struct fixture f;
	struct fx_outcome c = { 0 }, v = { 0 }, d = { 0 }, l = { 0 }, x = { 0 };
	const struct test_request *req;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(iam_create_policy(f.client, NULL, "acme-deny", "bedrock-tenants", "{}", NULL, on_policy, &c),
			 -EINVAL);
	assert_int_equal(iam_create_policy(f.client, NULL, "acme-deny", "/bedrock-tenants/", "{\"Statement\":[]}",
					   "deny", on_policy, &c),
			 0);
	fx_run_until(&f, fx_done, &c);
	assert_int_equal(c.status, 0);
	assert_string_equal(c.first, arn);
	req = test_server_request(f.server, 0);
	assert_true(body_has(req, "Action=CreatePolicy&"));
	assert_true(body_has(req, "PolicyName=acme-deny"));
	assert_true(body_has(req, "Path=%2Fbedrock-tenants%2F"));
	assert_true(body_has(req, "Description=deny"));
	assert_non_null(strstr(test_request_header(req, "Authorization"), "/us-east-1/iam/aws4_request"));

	assert_int_equal(iam_create_policy_version(f.client, NULL, arn, "{}", true, on_version, &v), 0);
	fx_run_until(&f, fx_done, &v);
	assert_string_equal(v.first, "v2");
	assert_true(body_has(test_server_request(f.server, 1), "SetAsDefault=true"));

	assert_int_equal(iam_delete_policy(f.client, NULL, NULL, on_done, &d), -EINVAL);
	assert_int_equal(iam_delete_policy(f.client, NULL, arn, on_done, &d), 0);
	fx_run_until(&f, fx_done, &d);
	assert_int_equal(d.status, 0);
	assert_true(body_has(test_server_request(f.server, 2), "Action=DeletePolicy&"));

	assert_int_equal(iam_list_attached_role_policies(f.client, NULL, "acme-app", on_attached, &l), 0);
	fx_run_until(&f, fx_done, &l);
	assert_int_equal(l.status, 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.first, "arn:b");
	assert_true(body_has(test_server_request(f.server, 3), "MaxItems=1000"));
	assert_true(body_has(test_server_request(f.server, 4), "Marker=m2"));

	assert_int_equal(iam_detach_role_policy(f.client, NULL, "acme-app", arn, on_done, &x), 0);
	fx_run_until(&f, fx_done, &x);
	assert_true(body_has(test_server_request(f.server, 5), "Action=DetachRolePolicy&"));
	assert_int_equal(fx_finish(&f), 0);
}

static void on_id(void *arg, int status, const struct aws_error *err, const char *id)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (id)
		snprintf(o->first, sizeof(o->first), "%s", id);
}

static void on_actions(void *arg, int status, const struct aws_error *err, const struct budgets_action_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].status : "");
	}
}

#define ACTION(id, status)                                                                                             \
	"{\"ActionId\":\"" id "\",\"ActionType\":\"APPLY_IAM_POLICY\",\"Status\":\"" status "\","                      \
	"\"ActionThreshold\":{\"ActionThresholdValue\":100,\"ActionThresholdType\":\"PERCENTAGE\"}}"

static void test_budgets_actions_wire(void **state)
{
	struct fx_script s = { .answers = { "{\"AccountId\":\"111122223333\",\"BudgetName\":\"b\",\"ActionId\":\"a1\"}",
					    "{\"Actions\":[" ACTION("a1",
								    "EXECUTION_SUCCESS") "],\"NextToken\":\"t2\"}",
					    "{\"Actions\":[" ACTION("a2", "STANDBY") "]}", "{}", "{}", "{}" },
			       .n = 6 };
	const char *roles[] = { "acme-app" };
	struct budgets_subscriber sub = { "EMAIL", "ops@example.com" };
	struct budgets_action_spec spec = { "ACTUAL",
					    100,
					    "PERCENTAGE",
					    "arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny",
					    roles,
					    1,
					    "arn:aws:iam::111122223333:role/budgets-exec",
					    "AUTOMATIC",
					    &sub,
					    1 };
	struct budgets_action_spec bad = spec;
	struct fixture f;
	struct fx_outcome c = { 0 }, l = { 0 }, u = { 0 }, e = { 0 }, d = { 0 };
	const struct test_request *req;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	bad.n_roles = 0;
	assert_int_equal(budgets_create_action(f.client, NULL, "111122223333", "b", &bad, on_id, &c), -EINVAL);
	bad = spec;
	bad.execution_role_arn = NULL;
	assert_int_equal(budgets_create_action(f.client, NULL, "111122223333", "b", &bad, on_id, &c), -EINVAL);
	assert_int_equal(budgets_execute_action(f.client, NULL, "111122223333", "b", "a1", "UNDO", on_done, &e),
			 -EINVAL);
	assert_int_equal(budgets_create_action(f.client, NULL, "111122223333", "b", &spec, on_id, &c), 0);
	fx_run_until(&f, fx_done, &c);
	assert_int_equal(c.status, 0);
	assert_string_equal(c.first, "a1");
	req = test_server_request(f.server, 0);
	assert_string_equal(test_request_header(req, "X-Amz-Target"), "AWSBudgetServiceGateway.CreateBudgetAction");
	assert_string_equal(
		req->body,
		"{\"AccountId\":\"111122223333\",\"BudgetName\":\"b\",\"NotificationType\":\"ACTUAL\",\"ActionType\":"
		"\"APPLY_IAM_POLICY\",\"ActionThreshold\":{\"ActionThresholdValue\":100,\"ActionThresholdType\":"
		"\"PERCENTAGE\"},\"Definition\":{\"IamActionDefinition\":{\"PolicyArn\":\"arn:aws:iam::111122223333:"
		"policy/bedrock-tenants/acme-deny\",\"Roles\":[\"acme-app\"]}},\"ExecutionRoleArn\":\"arn:aws:iam::"
		"111122223333:role/"
		"budgets-exec\",\"ApprovalModel\":\"AUTOMATIC\",\"Subscribers\":[{\"SubscriptionType\":"
		"\"EMAIL\",\"Address\":\"ops@example.com\"}]}");

	assert_int_equal(budgets_describe_actions(f.client, NULL, "111122223333", "b", on_actions, &l), 0);
	fx_run_until(&f, fx_done, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.first, "EXECUTION_SUCCESS");
	assert_string_equal(test_server_request(f.server, 1)->body,
			    "{\"AccountId\":\"111122223333\",\"BudgetName\":\"b\",\"MaxResults\":100}");
	assert_string_equal(test_server_request(f.server, 2)->body,
			    "{\"AccountId\":\"111122223333\",\"BudgetName\":\"b\",\"MaxResults\":100,"
			    "\"NextToken\":\"t2\"}");

	spec.threshold = 80;
	assert_int_equal(budgets_update_action(f.client, NULL, "111122223333", "b", "a1", &spec, on_done, &u), 0);
	fx_run_until(&f, fx_done, &u);
	req = test_server_request(f.server, 3);
	assert_string_equal(test_request_header(req, "X-Amz-Target"), "AWSBudgetServiceGateway.UpdateBudgetAction");
	assert_non_null(strstr(req->body, "\"ActionId\":\"a1\""));
	assert_non_null(strstr(req->body, "\"ActionThresholdValue\":80"));

	assert_int_equal(
		budgets_execute_action(f.client, NULL, "111122223333", "b", "a1", "REVERSE_BUDGET_ACTION", on_done, &e),
		0);
	fx_run_until(&f, fx_done, &e);
	assert_string_equal(test_server_request(f.server, 4)->body,
			    "{\"AccountId\":\"111122223333\",\"BudgetName\":\"b\",\"ActionId\":\"a1\","
			    "\"ExecutionType\":\"REVERSE_BUDGET_ACTION\"}");

	assert_int_equal(budgets_delete_action(f.client, NULL, "111122223333", "b", "a1", on_done, &d), 0);
	fx_run_until(&f, fx_done, &d);
	assert_string_equal(test_request_header(test_server_request(f.server, 5), "X-Amz-Target"),
			    "AWSBudgetServiceGateway.DeleteBudgetAction");
	assert_int_equal(fx_finish(&f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iam_managed_wire),
		cmocka_unit_test(test_budgets_actions_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
