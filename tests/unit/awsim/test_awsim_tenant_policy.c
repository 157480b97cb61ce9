/* awsim's IAM evaluator (tests/awsim/iam_eval.c) on the very role policy that
 * bedrock-tenantd writes (state/policy_doc.c): a tenant's role invokes its own
 * profiles, and their models only through them, and nothing else. If either side
 * changes so that they disagree, this test says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "iam_eval.h"
#include "policy_doc.h"

#define ACCT	  "123456789012"
#define PROFILE_A "arn:aws:bedrock:us-east-1:" ACCT ":application-inference-profile/aaaa1234efgh"
#define PROFILE_B "arn:aws:bedrock:us-east-1:" ACCT ":application-inference-profile/bbbb1234efgh"
#define FM_E1	  "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
#define FM_E2	  "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
#define FM_OTHER  "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"

static const char *const keys[] = { "bedrock:InferenceProfileArn" };

static enum iam_decision invoke(const char *doc, const char *action, const char *resource, const char *profile)
{
	const char *values[1] = { profile };
	struct iam_request rq = { action, resource, keys, values, profile ? 1 : 0 };

	return iam_evaluate(&doc, 1, &rq);
}

static void test_tenant_policy(void **state)
{
	const char *models[] = { FM_E1, FM_E2 };
	struct observed_profile a = { 0 };
	const struct observed_profile *mine[] = { &a };
	char *doc;

	(void)state;
	a.arn = PROFILE_A;
	a.model_arns = models;
	a.n_model_arns = 2;
	doc = policy_document(mine, 1);
	assert_non_null(doc);
	/* its own profile, and the models behind it in each Region */
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", PROFILE_A, PROFILE_A), IAM_ALLOW);
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", FM_E1, PROFILE_A), IAM_ALLOW);
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", FM_E2, PROFILE_A), IAM_ALLOW);
	assert_int_equal(invoke(doc, "bedrock:InvokeModelWithResponseStream", PROFILE_A, PROFILE_A), IAM_ALLOW);
	assert_int_equal(invoke(doc, "bedrock:GetInferenceProfile", PROFILE_A, NULL), IAM_ALLOW);
	/* everything else */
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", PROFILE_B, PROFILE_B), IAM_IMPLICIT_DENY);
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", FM_E1, PROFILE_B), IAM_IMPLICIT_DENY);
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", FM_E1, NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(invoke(doc, "bedrock:InvokeModel", FM_OTHER, PROFILE_A), IAM_IMPLICIT_DENY);
	assert_int_equal(invoke(doc, "bedrock:DeleteInferenceProfile", PROFILE_A, NULL), IAM_IMPLICIT_DENY);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
