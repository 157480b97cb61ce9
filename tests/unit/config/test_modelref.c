/* Model references: the four forms, their normal form, and what is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model_region.h"
#include "modelref.h"

static void expect(const char *s, enum model_ref_kind kind, const char *id, const char *region, const char *account)
{
	struct modelref ref;
	const char *why = modelref_parse(s, &ref);

	if (why)
		fail_msg("%s: %s", s, why);
	assert_int_equal(ref.kind, kind);
	assert_string_equal(ref.id, id);
	assert_string_equal(ref.region, region);
	assert_string_equal(ref.account, account);
}

static void expect_bad(const char *s, const char *fragment)
{
	struct modelref ref;
	const char *why = modelref_parse(s, &ref);

	assert_non_null(why);
	if (!strstr(why, fragment))
		fail_msg("%s: '%s' lacks '%s'", s, why, fragment);
}

static void test_forms(void **state)
{
	expect("anthropic.claude-3-5-haiku-20241022-v1:0", MODEL_FOUNDATION_ID,
	       "anthropic.claude-3-5-haiku-20241022-v1:0", "", "");
	expect("amazon.nova-lite-v1:0", MODEL_FOUNDATION_ID, "amazon.nova-lite-v1:0", "", "");
	expect("meta.llama3-1-8b-instruct-v1:0", MODEL_FOUNDATION_ID, "meta.llama3-1-8b-instruct-v1:0", "", "");
	expect("anthropic.claude-3-haiku-20240307-v1:0:200k", MODEL_FOUNDATION_ID,
	       "anthropic.claude-3-haiku-20240307-v1:0:200k", "", "");
	expect("us.anthropic.claude-3-5-haiku-20241022-v1:0", MODEL_SYSTEM_PROFILE_ID,
	       "us.anthropic.claude-3-5-haiku-20241022-v1:0", "", "");
	expect("global.anthropic.claude-sonnet-4-20250514-v1:0", MODEL_SYSTEM_PROFILE_ID,
	       "global.anthropic.claude-sonnet-4-20250514-v1:0", "", "");
	expect("us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", MODEL_SYSTEM_PROFILE_ID,
	       "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", "", "");
	expect("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
	       MODEL_FOUNDATION_ARN, "anthropic.claude-3-5-haiku-20241022-v1:0", "us-east-1", "");
	expect("arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-lite-v1:0",
	       MODEL_SYSTEM_PROFILE_ARN, "us.amazon.nova-lite-v1:0", "us-east-1", "111122223333");
	expect("arn:aws-cn:bedrock:cn-north-1::foundation-model/amazon.nova-lite-v1:0", MODEL_FOUNDATION_ARN,
	       "amazon.nova-lite-v1:0", "cn-north-1", "");
}

static void test_refused(void **state)
{
	expect_bad("claude", "expected a foundation-model id");
	expect_bad("Anthropic.Claude-v2", "expected a foundation-model id");
	expect_bad("anthropic..claude", "expected a foundation-model id");
	expect_bad("anthropic.claude:0:1:2", "expected a foundation-model id");
	expect_bad("a.b.c.d.e", "expected a foundation-model id");
	expect_bad("us.claude", "expected a foundation-model id");
	expect_bad("arn:aws:bedrock", "expected a Bedrock model ARN");
	expect_bad("arn:aws:s3:us-east-1::foundation-model/amazon.nova-lite-v1:0", "Bedrock ARN");
	expect_bad("arn:aws:bedrock:::foundation-model/amazon.nova-lite-v1:0", "needs a Region");
	expect_bad("arn:aws:bedrock:us-east-1:111122223333:foundation-model/amazon.nova-lite-v1:0",
		   "empty account field");
	expect_bad("arn:aws:bedrock:us-east-1::foundation-model/us.amazon.nova-lite-v1:0", "system inference profile");
	expect_bad("arn:aws:bedrock:us-east-1::inference-profile/us.amazon.nova-lite-v1:0", "12-digit account");
	expect_bad("arn:aws:bedrock:us-east-1:111122223333:inference-profile/amazon.nova-lite-v1:0",
		   "not a system profile id");
	expect_bad("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abcd1234efgh",
		   "application inference profile cannot be copied");
	expect_bad("arn:aws:bedrock:us-east-1:111122223333:custom-model/x", "foundation-model/ or inference-profile/");
	expect_bad("arn:aws-xx:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", "partition");
}

static void test_geo(void **state)
{
	assert_null(model_geo_check("us.amazon.nova-lite-v1:0", "us-east-1"));
	assert_null(model_geo_check("global.anthropic.claude-sonnet-4-20250514-v1:0", "eu-west-1"));
	assert_null(model_geo_check("eu.amazon.nova-lite-v1:0", "eu-central-1"));
	assert_null(model_geo_check("apac.amazon.nova-lite-v1:0", "ap-northeast-1"));
	assert_null(model_geo_check("jp.amazon.nova-lite-v1:0", "ap-northeast-1"));
	assert_null(model_geo_check("us-gov.amazon.nova-lite-v1:0", "us-gov-west-1"));
	assert_non_null(model_geo_check("eu.amazon.nova-lite-v1:0", "us-east-1"));
	assert_non_null(model_geo_check("us.amazon.nova-lite-v1:0", "us-gov-west-1"));
	assert_non_null(model_geo_check("jp.amazon.nova-lite-v1:0", "ap-southeast-2"));
	assert_non_null(model_geo_check("au.amazon.nova-lite-v1:0", "ap-northeast-1"));
}

static void test_source_arn(void **state)
{
	struct strbuf sb;

	strbuf_init(&sb, 512);
	assert_int_equal(modelref_source_arn(MODEL_FOUNDATION_ID, "amazon.nova-lite-v1:0", "us-east-1", NULL, &sb), 0);
	assert_string_equal(sb.buf, "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0");
	strbuf_reset(&sb);
	assert_int_equal(modelref_source_arn(MODEL_SYSTEM_PROFILE_ID, "us.amazon.nova-lite-v1:0", "us-west-2",
					     "111122223333", &sb),
			 0);
	assert_string_equal(sb.buf,
			    "arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.amazon.nova-lite-v1:0");
	assert_int_equal(modelref_source_arn(MODEL_SYSTEM_PROFILE_ID, "us.x.y", "us-west-2", NULL, &sb), -EINVAL);
	strbuf_reset(&sb);
	modelref_source_arn(MODEL_FOUNDATION_ID, "amazon.nova-lite-v1:0", "cn-north-1", NULL, &sb);
	assert_string_equal(sb.buf, "arn:aws-cn:bedrock:cn-north-1::foundation-model/amazon.nova-lite-v1:0");
	assert_string_equal(modelref_partition("us-gov-east-1"), "aws-us-gov");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_geo),
		cmocka_unit_test(test_source_arn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
