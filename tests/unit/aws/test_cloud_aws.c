/* The engine's cloud on the AWS layer (daemon/cloud_aws*.c) against the scripted
 * server: what AWS answers becomes the engine's results (a read's resource, "gone" for
 * the not-found codes of each service, errors with their code and class), and which
 * call each action makes. */
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
#include "cloud_aws.h"
#include "xalloc.h"

#define PROFILE_ARN "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234"
#define MODEL_ARN   "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
#define PARAM	    "/bedrock-tenants/acme/chat/profile-arn"

struct script {
	struct test_response answers[4];
	unsigned n;
};

static void scripted(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	struct script *s = arg;

	(void)req;
	*resp = s->answers[index < s->n ? index : s->n - 1];
}

struct outcome {
	int calls;
	int status;
	bool has_err;
	struct cloud_error err;
	struct cloud_result res;
	char account_id[32];
};

static bool done(void *arg)
{
	return ((struct outcome *)arg)->calls > 0;
}

static struct outcome *answered(void *data, int status, const struct cloud_error *err)
{
	struct outcome *o = data;

	o->calls++;
	o->status = status;
	o->has_err = err != NULL;
	if (err)
		o->err = *err;
	return o;
}

static void on_applied(int status, const struct cloud_error *err, struct cloud_result *res, void *data)
{
	struct outcome *o = answered(data, status, err);

	o->res = *res; /* taken */
	memset(res, 0, sizeof(*res));
}

static void on_account(int status, const struct cloud_error *err, const char *account_id, void *data)
{
	struct outcome *o = answered(data, status, err);

	snprintf(o->account_id, sizeof(o->account_id), "%s", account_id ? account_id : "");
}

static void outcome_release(struct outcome *o)
{
	observed_profile_free(o->res.profile);
	observed_parameter_free(o->res.parameter);
	observed_budget_free(o->res.budget);
	observed_policy_free(o->res.policy);
}

static struct place place = {
	.key = (char *)"-/us-east-1",
	.account_id = (char *)"123456789012",
	.region = (char *)"us-east-1",
	.ssm_tier = "Standard",
};

/* One action against the script; the answer is in o. Returns the server's requests. */
/* cloud_aws's read_back_first_ms in run(); 0: its own */
static uint64_t read_back_first_ms;

static unsigned run(struct script *s, const struct action *a, struct outcome *o)
{
	struct fixture f;
	struct cloud_aws c;
	unsigned n;

	memset(&c, 0, sizeof(c));
	memset(o, 0, sizeof(*o));
	fx_init(&f, scripted, s);
	assert_int_equal(fx_client(&f), 0);
	cloud_aws_init(&c, f.client, "bedrock-tenantd");
	if (read_back_first_ms)
		c.read_back_first_ms = read_back_first_ms;
	assert_int_equal(cloud_aws_ops.apply(&c, &place, a, false, 0, on_applied, o), 0);
	fx_run_until(&f, done, o);
	assert_int_equal(o->calls, 1);
	n = test_server_requests(f.server);
	cloud_aws_release(&c);
	assert_int_equal(fx_finish(&f), 0);
	return n;
}

static struct test_response ok(const char *body)
{
	return (struct test_response){ TEST_RESPOND, 200, NULL, body };
}

static void test_profile_read_found(void **state)
{
	struct script s = { { ok("{\"inferenceProfileName\":\"acme-chat-9960ca\",\"inferenceProfileArn\":\"" PROFILE_ARN
				 "\","
				 "\"inferenceProfileId\":\"abcd1234\",\"status\":\"ACTIVE\",\"type\":\"APPLICATION\","
				 "\"models\":[{\"modelArn\":\"" MODEL_ARN "\"}]}"),
			      ok("{\"tags\":[{\"key\":\"Team\",\"value\":\"claims\"}]}") },
			    2 };
	struct action a = { .kind = ACT_PROFILE_READ_TAGS, .resource = (char *)PROFILE_ARN };
	struct outcome o;

	assert_int_equal(run(&s, &a, &o), 2); /* Get, then its tags */
	assert_int_equal(o.status, 0);
	assert_false(o.has_err);
	assert_non_null(o.res.profile);
	assert_string_equal(o.res.profile->arn, PROFILE_ARN);
	assert_string_equal(o.res.profile->name, "acme-chat-9960ca");
	assert_int_equal(o.res.profile->n_model_arns, 1);
	assert_string_equal(o.res.profile->model_arns[0], MODEL_ARN);
	assert_true(o.res.profile->tags_known);
	assert_string_equal(tag_set_get(&o.res.profile->tags, "Team"), "claims");
	assert_false(o.res.gone);
	outcome_release(&o);
}

static void test_parameter_read_found(void **state)
{
	struct script s = { { ok("{\"Parameter\":{\"Name\":\"" PARAM "\",\"Type\":\"String\",\"Value\":\"" PROFILE_ARN
				 "\",\"Version\":3}}"),
			      ok("{\"TagList\":[{\"Key\":\"bedrock-tenantd:tenant\",\"Value\":\"acme\"}]}") },
			    2 };
	struct action a = { .kind = ACT_PARAM_READ_TAGS, .resource = (char *)PARAM };
	struct outcome o;

	assert_int_equal(run(&s, &a, &o), 2);
	assert_int_equal(o.status, 0);
	assert_non_null(o.res.parameter);
	assert_string_equal(o.res.parameter->value, PROFILE_ARN);
	assert_int_equal(o.res.parameter->version, 3);
	assert_string_equal(tag_set_get(&o.res.parameter->tags, "bedrock-tenantd:tenant"), "acme");
	outcome_release(&o);
}

static struct test_response xml(const char *body)
{
	return (struct test_response){ TEST_RESPOND, 200, "Content-Type: text/xml\r\n", body };
}

#define GET_ROLE_POLICY(name, doc)                                                                                     \
	"<GetRolePolicyResponse><GetRolePolicyResult><RoleName>app</RoleName><PolicyName>" name                        \
	"</PolicyName><PolicyDocument>" doc "</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>"

/* A policy read also reads the role's other inline policies: their sizes count in
 * IAM's limit with ours (the policy's own name in the listing is skipped). */
static void test_policy_read_counts_other_policies(void **state)
{
	struct script s = {
		{ xml(GET_ROLE_POLICY("bedrock-tenantd-acme", "%7B%22a%22%3A1%7D")),
		  xml("<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames>"
		      "<member>bedrock-tenantd-acme</member><member>other-team</member></PolicyNames>"
		      "<IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>"),
		  xml(GET_ROLE_POLICY("other-team", "%7B%22bb%22%3A%20%5B1%2C%202%5D%7D")) },
		3
	};
	struct action a = { .kind = ACT_POLICY_READ, .role = (char *)"app", .name = (char *)"bedrock-tenantd-acme" };
	struct outcome o;

	(void)state;
	assert_int_equal(run(&s, &a, &o), 3); /* ours, the listing, the other one */
	assert_int_equal(o.status, 0);
	assert_non_null(o.res.policy);
	assert_string_equal(o.res.policy->document, "{\"a\":1}");
	assert_true(o.res.policy->others_known);
	assert_int_equal(observed_policy_n_others(o.res.policy), 1);
	assert_int_equal(observed_policy_other_sizes(o.res.policy)[0],
			 strlen("{\"bb\":[1,2]}")); /* whitespace not counted */
	outcome_release(&o);
}

/* A parameter create sends the place's tier. */
static char *put_body;

static void record_put(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	free(put_body);
	put_body = req->body ? xstrndup(req->body, req->body_len) : NULL;
	scripted(arg, req, index, resp);
}

static void test_parameter_create_sends_the_tier(void **state)
{
	struct script s = { { ok("{\"Version\":1,\"Tier\":\"Advanced\"}") }, 1 };
	struct action a = { .kind = ACT_PARAM_CREATE, .resource = (char *)PARAM, .value = (char *)PROFILE_ARN };
	struct place adv = place;
	struct fixture f;
	struct cloud_aws c;
	struct outcome o;

	(void)state;
	adv.ssm_tier = "Advanced";
	tag_set_init(&a.tags);
	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	fx_init(&f, record_put, &s);
	assert_int_equal(fx_client(&f), 0);
	cloud_aws_init(&c, f.client, "bedrock-tenantd");
	assert_int_equal(cloud_aws_ops.apply(&c, &adv, &a, false, 0, on_applied, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_non_null(put_body);
	assert_non_null(strstr(put_body, "\"Tier\":\"Advanced\""));
	cloud_aws_release(&c);
	assert_int_equal(fx_finish(&f), 0);
	outcome_release(&o);
	free(put_body);
	put_body = NULL;
}

/* Each service's not-found code on a read or a removal is "gone": -ENOENT, no error,
 * res.gone; the engine counts a removal done and a read's resource absent. */
static void test_not_found_is_gone(void **state)
{
	struct {
		struct action a;
		struct test_response answer;
	} cases[] = {
		{ { .kind = ACT_PROFILE_READ_TAGS, .resource = (char *)PROFILE_ARN },
		  { TEST_RESPOND, 404, "X-Amzn-ErrorType: ResourceNotFoundException\r\n",
		    "{\"message\":\"no such\"}" } },
		{ { .kind = ACT_PROFILE_DELETE, .resource = (char *)PROFILE_ARN },
		  { TEST_RESPOND, 404, "X-Amzn-ErrorType: ResourceNotFoundException\r\n",
		    "{\"message\":\"no such\"}" } },
		{ { .kind = ACT_PARAM_READ_TAGS, .resource = (char *)PARAM },
		  { TEST_RESPOND, 400, NULL, "{\"__type\":\"ParameterNotFound\",\"message\":\"\"}" } },
		{ { .kind = ACT_PARAM_DELETE, .resource = (char *)PARAM },
		  { TEST_RESPOND, 400, NULL, "{\"__type\":\"ParameterNotFound\",\"message\":\"\"}" } },
		{ { .kind = ACT_BUDGET_DELETE, .budget = (char *)"acme" },
		  { TEST_RESPOND, 400, NULL, "{\"__type\":\"NotFoundException\",\"Message\":\"gone\"}" } },
		{ { .kind = ACT_POLICY_DELETE, .role = (char *)"app", .name = (char *)"bedrock-tenant" },
		  { TEST_RESPOND, 404, "Content-Type: text/xml\r\n",
		    "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>none</Message></Error>"
		    "<RequestId>r1</RequestId></ErrorResponse>" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct script s = { { cases[i].answer }, 1 };
		struct outcome o;

		tag_set_init(&cases[i].a.tags);
		assert_int_equal(run(&s, &cases[i].a, &o), 1);
		if (o.status != -ENOENT || !o.res.gone || o.has_err)
			fail_msg("%s: status %d, gone %d, error %s", action_kind_name(cases[i].a.kind), o.status,
				 o.res.gone, o.has_err ? o.err.code : "none");
		outcome_release(&o);
	}
}

/* Other answers are errors with AWS's code, message and class; a not-found code on
 * a change that is not a removal is an error too, never "gone". */
static void test_errors_keep_code_and_class(void **state)
{
	struct tag_set tags;
	struct action tag = { .kind = ACT_PROFILE_TAG, .resource = (char *)PROFILE_ARN };
	struct action param_tag = { .kind = ACT_PARAM_TAG, .resource = (char *)PARAM };
	struct script denied = { { { TEST_RESPOND, 403, "X-Amzn-ErrorType: AccessDeniedException\r\n",
				     "{\"message\":\"not allowed\"}" } },
				 1 };
	struct script missing = {
		{ { TEST_RESPOND, 400, NULL, "{\"__type\":\"InvalidResourceId\",\"message\":\"no parameter\"}" } }, 1
	};
	struct outcome o;

	tag_set_init(&tags);
	tag_set_put(&tags, "Team", "claims");
	tag.tags = tags;
	param_tag.tags = tags;
	assert_int_equal(run(&denied, &tag, &o), 1);
	assert_true(o.status < 0);
	assert_true(o.has_err);
	assert_false(o.res.gone);
	assert_string_equal(o.err.code, "AccessDeniedException");
	assert_string_equal(o.err.message, "not allowed");
	assert_int_equal(o.err.status, 403);
	assert_int_equal(o.err.cls, ERROR_TERMINAL);
	outcome_release(&o);

	assert_int_equal(run(&missing, &param_tag, &o), 1);
	assert_true(o.status < 0);
	assert_true(o.has_err);
	assert_false(o.res.gone);
	assert_string_equal(o.err.code, "InvalidResourceId");
	outcome_release(&o);
	tag_set_release(&tags);
}

#define ACTION_PAGE(status)                                                                                            \
	"{\"Actions\":[{\"ActionId\":\"a1\",\"BudgetName\":\"b\",\"ActionType\":\"APPLY_IAM_POLICY\",\"Status\":"      \
	"\"" status "\",\"ActionThreshold\":{\"ActionThresholdValue\":100,\"ActionThresholdType\":\"PERCENTAGE\"}}]}"

/* A reversal read back in progress (AWS answers ExecuteBudgetAction before it is
 * done) is read again after a pause of the loop, not answered as an error: the
 * engine hears the final status. */
static void test_reversal_read_again_while_in_progress(void **state)
{
	struct action a = { .kind = ACT_BUDGET_ACTION_EXECUTE,
			    .budget = (char *)"b",
			    .action_id = (char *)"a1",
			    .value = (char *)"REVERSE_BUDGET_ACTION" };
	struct script s = { { ok("{\"AccountId\":\"123456789012\",\"BudgetName\":\"b\",\"ActionId\":\"a1\"}"),
			      ok(ACTION_PAGE("REVERSE_IN_PROGRESS")), ok(ACTION_PAGE("REVERSE_SUCCESS")) },
			    3 };
	struct outcome o;

	(void)state;
	assert_int_equal(run(&s, &a, &o), 3);
	assert_int_equal(o.status, 0);
	assert_false(o.has_err);
	assert_string_equal(o.res.answer, "REVERSE_SUCCESS");
	outcome_release(&o);
}

/* Still in progress after READ_BACK_WAITS reads again (5: 1, 2, 4, 8 and 16 s, here
 * 1 ms doubling): the reversal is answered as it stands, a success whose answer is that
 * status, no error; six reads in all, then none. */
static void test_reversal_answered_in_progress(void **state)
{
	struct action a = { .kind = ACT_BUDGET_ACTION_EXECUTE,
			    .budget = (char *)"b",
			    .action_id = (char *)"a1",
			    .value = (char *)"REVERSE_BUDGET_ACTION" };
	struct script s = { { ok("{\"AccountId\":\"123456789012\",\"BudgetName\":\"b\",\"ActionId\":\"a1\"}"),
			      ok(ACTION_PAGE("REVERSE_IN_PROGRESS")) },
			    2 };
	struct outcome o;

	(void)state;
	read_back_first_ms = 1;
	assert_int_equal(run(&s, &a, &o), 1 + 6);
	read_back_first_ms = 0;
	assert_int_equal(o.status, 0);
	assert_false(o.has_err);
	assert_string_equal(o.res.answer, "REVERSE_IN_PROGRESS");
	outcome_release(&o);
}

static void test_account_id(void **state)
{
	struct script s = { { ok("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::210987654321:"
				 "user/x</Arn><UserId>AIDA</UserId><Account>210987654321</Account>"
				 "</GetCallerIdentityResult></GetCallerIdentityResponse>") },
			    1 };
	struct fixture f;
	struct cloud_aws c;
	struct outcome o;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	cloud_aws_init(&c, f.client, "bedrock-tenantd");
	assert_int_equal(cloud_aws_ops.account_id(&c, &place, on_account, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.account_id, "210987654321");
	assert_non_null(strstr(test_server_request(f.server, 0)->body, "Action=GetCallerIdentity"));
	cloud_aws_release(&c);
	assert_int_equal(fx_finish(&f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_read_found),
		cmocka_unit_test(test_parameter_read_found),
		cmocka_unit_test(test_policy_read_counts_other_policies),
		cmocka_unit_test(test_parameter_create_sends_the_tier),
		cmocka_unit_test(test_not_found_is_gone),
		cmocka_unit_test(test_errors_keep_code_and_class),
		cmocka_unit_test(test_account_id),
		cmocka_unit_test(test_reversal_read_again_while_in_progress),
		cmocka_unit_test(test_reversal_answered_in_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
