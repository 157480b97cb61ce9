/* The IAM policy evaluator of awsim (tests/awsim/iam_eval.c): wildcards, explicit
 * Deny over Allow, Not elements and the condition operators on
 * bedrock:InferenceProfileArn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iam_eval.h"

#define PROFILE "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh"
#define OTHER	"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/zzzz1234efgh"
#define FM	"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"

static const char *const keys[] = { "bedrock:InferenceProfileArn" };

static enum iam_decision eval(const char *doc, const char *action, const char *resource, const char *profile)
{
	const char *values[1] = { profile };
	struct iam_request rq = { action, resource, keys, values, profile ? 1 : 0 };

	return iam_evaluate(&doc, 1, &rq);
}

static void test_wildcards(void **state)
{
	(void)state;
	assert_true(iam_wildcard("*", "", false));
	assert_true(iam_wildcard("bedrock:Invoke*", "bedrock:InvokeModel", false));
	assert_true(iam_wildcard("bedrock:invoke*", "bedrock:InvokeModel", true));
	assert_false(iam_wildcard("bedrock:invoke*", "bedrock:InvokeModel", false));
	assert_true(iam_wildcard("a?c", "abc", false));
	assert_false(iam_wildcard("a?c", "ac", false));
	assert_true(iam_wildcard("*:foundation-model/*haiku*", FM, false));
	assert_false(iam_wildcard("*:foundation-model/*sonnet*", FM, false));
	assert_true(iam_wildcard("a*b*c", "aXbYbZc", false));
	assert_false(iam_wildcard("a*b*c", "aXbYbZ", false));
}

static void test_allow_needed_and_deny_wins(void **state)
{
	const char *allow =
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"bedrock:InvokeModel\",\"Resource\":\"" PROFILE
		"\"}]}";
	const char *both[2] = { allow,
				"{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"bedrock:*\",\"Resource\":\"*\"}}" };
	struct iam_request rq = { "bedrock:InvokeModel", PROFILE, NULL, NULL, 0 };

	(void)state;
	assert_int_equal(eval(allow, "bedrock:InvokeModel", PROFILE, NULL), IAM_ALLOW);
	assert_int_equal(eval(allow, "BEDROCK:invokemodel", PROFILE, NULL), IAM_ALLOW); /* actions: any case */
	assert_int_equal(eval(allow, "bedrock:InvokeModel", OTHER, NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(eval(allow, "bedrock:Converse", PROFILE, NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(iam_evaluate(both, 2, &rq), IAM_EXPLICIT_DENY);
	assert_int_equal(iam_evaluate(both, 1, &rq), IAM_ALLOW);
	assert_int_equal(iam_evaluate(NULL, 0, &rq), IAM_IMPLICIT_DENY);
	assert_int_equal(eval("not json", "bedrock:InvokeModel", PROFILE, NULL), IAM_IMPLICIT_DENY);
	assert_int_equal(eval("{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"NotResource\":\"" OTHER
			      "\"}]}",
			      "bedrock:InvokeModel", PROFILE, NULL),
			 IAM_ALLOW);
	assert_int_equal(eval("{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"bedrock:*\",\"Resource\":\"*\"}]}",
			      "bedrock:InvokeModel", PROFILE, NULL),
			 IAM_IMPLICIT_DENY);
}

#define COND(op, value)                                                                                                \
	"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"bedrock:InvokeModel\"],\"Resource\":[\"" FM               \
	"\"],\"Condition\":{\"" op "\":{\"bedrock:InferenceProfileArn\":" value "}}}]}"

static void test_conditions(void **state)
{
	(void)state;
	/* what bedrock-tenantd writes: StringEquals on the tenant's profile ARNs */
	assert_int_equal(eval(COND("StringEquals", "[\"" PROFILE "\"]"), "bedrock:InvokeModel", FM, PROFILE),
			 IAM_ALLOW);
	assert_int_equal(eval(COND("StringEquals", "[\"" PROFILE "\"]"), "bedrock:InvokeModel", FM, OTHER),
			 IAM_IMPLICIT_DENY);
	assert_int_equal(eval(COND("StringEquals", "[\"" PROFILE "\"]"), "bedrock:InvokeModel", FM, NULL),
			 IAM_IMPLICIT_DENY); /* a key absent from the context fails a positive operator */
	assert_int_equal(eval(COND("StringEquals", "\"arn:aws:bedrock:*\""), "bedrock:InvokeModel", FM, PROFILE),
			 IAM_IMPLICIT_DENY); /* no wildcards in StringEquals */
	assert_int_equal(eval(COND("StringLike", "\"arn:aws:bedrock:us-east-1:*:application-inference-profile/abcd*\""),
			      "bedrock:InvokeModel", FM, PROFILE),
			 IAM_ALLOW);
	assert_int_equal(eval(COND("ArnLike", "\"arn:aws:bedrock:*:123456789012:application-inference-profile/*\""),
			      "bedrock:InvokeModel", FM, OTHER),
			 IAM_ALLOW);
	assert_int_equal(eval(COND("ArnEquals", "\"" PROFILE "\""), "bedrock:InvokeModel", FM, PROFILE), IAM_ALLOW);
	assert_int_equal(eval(COND("StringNotEquals", "\"" PROFILE "\""), "bedrock:InvokeModel", FM, PROFILE),
			 IAM_IMPLICIT_DENY);
	assert_int_equal(eval(COND("StringNotEquals", "\"" PROFILE "\""), "bedrock:InvokeModel", FM, OTHER), IAM_ALLOW);
	assert_int_equal(eval(COND("StringEqualsIfExists", "\"" PROFILE "\""), "bedrock:InvokeModel", FM, NULL),
			 IAM_ALLOW);
	assert_int_equal(eval(COND("NumericLessThan", "\"3\""), "bedrock:InvokeModel", FM, PROFILE),
			 IAM_IMPLICIT_DENY); /* an operator awsim does not know never applies */
	/* a Deny with a condition applies only when the condition holds */
	assert_int_equal(eval("{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
			      "\"StringLike\":{\"bedrock:InferenceProfileArn\":\"*zzzz*\"}}}]}",
			      "bedrock:InvokeModel", FM, OTHER),
			 IAM_EXPLICIT_DENY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_allow_needed_and_deny_wins),
		cmocka_unit_test(test_conditions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
