/* Naming templates, derived names and the spec hash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "naming.h"

static void expect_template(enum naming_kind kind, const char *tmpl, const char *why_fragment)
{
	struct strbuf why;
	int r;

	strbuf_init(&why, 512);
	r = naming_template_check(kind, tmpl, &why);
	if (!why_fragment) {
		if (r)
			fail_msg("%s: %s", tmpl, why.buf);
	} else {
		assert_int_equal(r, -EINVAL);
		if (!strstr(why.buf, why_fragment))
			fail_msg("%s: '%s' lacks '%s'", tmpl, why.buf, why_fragment);
	}
	strbuf_release(&why);
}

static void test_templates(void **state)
{
	for (int k = 0; k < NAMING_COUNT; k++)
		expect_template(k, naming_default(k), NULL);
	expect_template(NAMING_PROFILE_NAME, "{instance}-{department}-{tenant}-{profile}-{hash6}", NULL);
	expect_template(NAMING_PROFILE_NAME, "{tenant}-{profile}", "must contain {hash6}");
	expect_template(NAMING_PROFILE_NAME, "{tenant}-{hash6}", "must contain {profile}");
	expect_template(NAMING_PARAMETER, "/x/{tenant}/{profile}/{hash6}", "{hash6} cannot be used in parameter");
	expect_template(NAMING_BUDGET_NAME, "budget-{tenant}-{profile}", "{profile} cannot be used");
	expect_template(NAMING_POLICY_NAME, "policy", "must contain {tenant}");
	expect_template(NAMING_POLICY_NAME, "p-{tenant}-{team}", "unknown placeholder '{team}'");
	expect_template(NAMING_POLICY_NAME, "p-{tenant", "unknown placeholder");
	expect_template(NAMING_POLICY_NAME, "p-}{tenant}", "unmatched '}'");
	/* the id must be found whole in a derived name (owned_by_tenant) */
	expect_template(NAMING_BUDGET_NAME, "budget{tenant}", "{tenant} must not touch a lowercase letter");
	expect_template(NAMING_BUDGET_NAME, "budget-{tenant}2", "{tenant} must not touch a lowercase letter");
	expect_template(NAMING_PROFILE_NAME, "{department}{tenant}-{profile}-{hash6}", "must not touch");
	expect_template(NAMING_PROFILE_NAME, "{tenant}{profile}-{hash6}", "must not touch");
	expect_template(NAMING_PROFILE_NAME, "{tenant}_{profile}_{hash6}", NULL);
	expect_template(NAMING_PARAMETER, "/T/{tenant}.{profile}", NULL);
	expect_template(NAMING_BUDGET_NAME, "Budget-X{tenant}", NULL);
}

static void test_expand(void **state)
{
	struct naming_vars v = { "acme", "chat", "784833", "claims", NULL, "bedrock-tenantd" };
	struct strbuf sb;

	strbuf_init(&sb, 512);
	naming_expand(naming_default(NAMING_PROFILE_NAME), &v, &sb);
	assert_string_equal(sb.buf, "acme-chat-784833");
	strbuf_reset(&sb);
	naming_expand(naming_default(NAMING_PARAMETER), &v, &sb);
	assert_string_equal(sb.buf, "/bedrock-tenants/acme/chat/profile-arn");
	strbuf_reset(&sb);
	naming_expand(naming_default(NAMING_BUDGET_NAME), &v, &sb);
	assert_string_equal(sb.buf, "bedrock-tenant-acme");
	strbuf_reset(&sb);
	naming_expand(naming_default(NAMING_POLICY_NAME), &v, &sb);
	assert_string_equal(sb.buf, "bedrock-tenantd-acme");
	strbuf_reset(&sb);
	naming_expand("{department}/{project}/{instance}", &v, &sb);
	assert_string_equal(sb.buf, "claims//bedrock-tenantd");
	strbuf_release(&sb);
	assert_null(naming_check(NAMING_PROFILE_NAME, "acme-chat-784833"));
	assert_non_null(naming_check(NAMING_PROFILE_NAME, "acme--chat-784833"));
	assert_non_null(naming_check(NAMING_PARAMETER, "/aws/x"));
	assert_non_null(naming_check(NAMING_BUDGET_NAME, "a:b"));
	assert_non_null(naming_check(NAMING_POLICY_NAME, "a b"));
}

static void test_spec_hash(void **state)
{
	char a[SPEC_HASH_LEN + 1], b[SPEC_HASH_LEN + 1], c[SPEC_HASH_LEN + 1];

	/* Pinned: profile names depend on these values; they must never change. */
	naming_spec_hash(MODEL_FOUNDATION_ID, "anthropic.claude-3-5-haiku-20241022-v1:0", "Claims chatbot", a);
	assert_string_equal(a, "784833");
	naming_spec_hash(MODEL_FOUNDATION_ID, "anthropic.claude-3-5-haiku-20241022-v1:0", NULL, a);
	assert_string_equal(a, "8e5ce6");
	naming_spec_hash(MODEL_SYSTEM_PROFILE_ID, "us.anthropic.claude-3-5-haiku-20241022-v1:0", NULL, a);
	assert_string_equal(a, "9f4799");
	/* The id and the ARN of the same model hash the same. */
	naming_spec_hash(MODEL_FOUNDATION_ARN, "anthropic.claude-3-5-haiku-20241022-v1:0", "Claims chatbot", b);
	assert_string_equal(b, "784833");
	naming_spec_hash(MODEL_SYSTEM_PROFILE_ARN, "us.anthropic.claude-3-5-haiku-20241022-v1:0", NULL, c);
	assert_string_equal(c, "9f4799");
	/* The description is part of the immutable spec. */
	naming_spec_hash(MODEL_FOUNDATION_ID, "anthropic.claude-3-5-haiku-20241022-v1:0", "Claims chatbot 2", b);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_spec_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
