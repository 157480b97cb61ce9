/* The lexical rules, by AWS's patterns and the manifest schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"

#define OK(rule, s)  assert_null(rule(s))
#define BAD(rule, s) assert_non_null(rule(s))

static char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_tenant_id_and_profile_key(void **state)
{
	char buf[128];

	OK(rule_tenant_id, "acme-claims");
	OK(rule_tenant_id, "a");
	OK(rule_tenant_id, "0");
	OK(rule_tenant_id, repeat(buf, 'a', 40));
	BAD(rule_tenant_id, repeat(buf, 'a', 41));
	BAD(rule_tenant_id, "");
	BAD(rule_tenant_id, "Acme");
	BAD(rule_tenant_id, "-acme");
	BAD(rule_tenant_id, "acme-");
	BAD(rule_tenant_id, "acme_claims");
	BAD(rule_tenant_id, "acme.claims");
	OK(rule_profile_key, "chat");
	OK(rule_profile_key, "eval_nova-2");
	OK(rule_profile_key, repeat(buf, 'p', 16));
	BAD(rule_profile_key, repeat(buf, 'p', 17));
	BAD(rule_profile_key, "_chat");
	BAD(rule_profile_key, "chat-");
	BAD(rule_profile_key, "Chat");
}

static void test_tags(void **state)
{
	char buf[300];

	OK(rule_tag_key, "CostCenter");
	OK(rule_tag_key, "team/owner:email=x+y@z.-_ ");
	OK(rule_tag_key, repeat(buf, 'k', 128));
	BAD(rule_tag_key, repeat(buf, 'k', 129));
	BAD(rule_tag_key, "");
	BAD(rule_tag_key, "aws:createdBy");
	BAD(rule_tag_key, "AWS:x");
	BAD(rule_tag_key, "bedrock-tenantd:tenant");
	BAD(rule_tag_key, "Bedrock-TenantD:x");
	BAD(rule_tag_key, "a\tb");
	BAD(rule_tag_key, "caf\xc3\xa9");
	BAD(rule_tag_key, "a#b");
	OK(rule_tag_value, "");
	OK(rule_tag_value, "claims chatbot");
	OK(rule_tag_value, repeat(buf, 'v', 256));
	BAD(rule_tag_value, repeat(buf, 'v', 257));
	BAD(rule_tag_value, "a\nb");
	BAD(rule_tag_value, "a,b");
}

static void test_aws_ids(void **state)
{
	OK(rule_account_id, "111122223333");
	BAD(rule_account_id, "11112222333");
	BAD(rule_account_id, "1111222233334");
	BAD(rule_account_id, "11112222333a");
	OK(rule_region, "us-east-1");
	OK(rule_region, "us-gov-west-1");
	OK(rule_region, "ap-southeast-2");
	OK(rule_region, "eu-central-1");
	BAD(rule_region, "useast1");
	BAD(rule_region, "us-east");
	BAD(rule_region, "US-EAST-1");
	BAD(rule_region, "mars-1");
	BAD(rule_region, "us-east-1a");
	BAD(rule_region, "");
	OK(rule_account_alias, "prod");
	BAD(rule_account_alias, "Prod");
	OK(rule_department, "claims");
	OK(rule_department, "Claims_Ops.2");
	BAD(rule_department, "claims ops");
	BAD(rule_department, "-claims");
}

static void test_email(void **state)
{
	char buf[300];

	OK(rule_email, "claims-admin@example.com");
	OK(rule_email, "first.last+tag@mail.example.co.uk");
	OK(rule_email, "x@bcher.xn--p1ai");
	BAD(rule_email, "claims-admin");
	BAD(rule_email, "@example.com");
	BAD(rule_email, "a@");
	BAD(rule_email, "a@localhost");
	BAD(rule_email, "a@example");
	BAD(rule_email, "a..b@example.com");
	BAD(rule_email, ".a@example.com");
	BAD(rule_email, "a.@example.com");
	BAD(rule_email, "a@-example.com");
	BAD(rule_email, "a@example-.com");
	BAD(rule_email, "a@example..com");
	BAD(rule_email, "a@example.com.");
	BAD(rule_email, "a b@example.com");
	BAD(rule_email, "a@exa mple.com");
	BAD(rule_email, "a@example.c0m1");
	repeat(buf, 'a', 65);
	strcat(buf, "@example.com");
	BAD(rule_email, buf);
}

static void test_arns(void **state)
{
	const char *acct = NULL;

	OK(rule_sns_topic_arn, "arn:aws:sns:us-east-1:111122223333:budget-alerts");
	OK(rule_sns_topic_arn, "arn:aws-us-gov:sns:us-gov-west-1:111122223333:t_1");
	BAD(rule_sns_topic_arn, "arn:aws:sns:us-east-1:1111:budget-alerts");
	BAD(rule_sns_topic_arn, "arn:aws:sqs:us-east-1:111122223333:q");
	BAD(rule_sns_topic_arn, "arn:aws:sns::111122223333:t");
	BAD(rule_sns_topic_arn, "arn:aws:sns:us-east-1:111122223333:");
	BAD(rule_sns_topic_arn, "arn:aws:sns:us-east-1:111122223333:bad.name");
	BAD(rule_sns_topic_arn, "arn:foo:sns:us-east-1:111122223333:t");
	BAD(rule_sns_topic_arn, "budget-alerts");
	assert_null(rule_iam_role_arn("arn:aws:iam::444455556666:role/bedrock-tenantd", &acct));
	assert_memory_equal(acct, "444455556666", 12);
	assert_null(rule_iam_role_arn("arn:aws:iam::444455556666:role/service/ops/x", &acct));
	assert_non_null(rule_iam_role_arn("arn:aws:iam:us-east-1:444455556666:role/x", &acct));
	assert_non_null(rule_iam_role_arn("arn:aws:iam::444455556666:user/x", &acct));
	assert_non_null(rule_iam_role_arn("arn:aws:iam::444455556666:role/", &acct));
	assert_non_null(rule_iam_role_arn("arn:aws:iam::4444:role/x", &acct));
}

static void test_iam_names(void **state)
{
	char buf[200];

	OK(rule_iam_role_name, "claims-chatbot-app");
	OK(rule_iam_role_name, "a+b=c,d.e@f_g-h");
	OK(rule_iam_role_name, repeat(buf, 'r', 64));
	BAD(rule_iam_role_name, repeat(buf, 'r', 65));
	BAD(rule_iam_role_name, "");
	BAD(rule_iam_role_name, "bad role");
	BAD(rule_iam_role_name, "a/b");
	assert_true(strstr(rule_iam_role_name("arn:aws:iam::111122223333:role/x"), "not an ARN") != NULL);
	OK(rule_iam_policy_name, repeat(buf, 'p', 128));
	BAD(rule_iam_policy_name, repeat(buf, 'p', 129));
	OK(rule_external_id, "bedrock-tenantd:research/1");
	BAD(rule_external_id, "x");
	BAD(rule_external_id, "bad id");
}

static void test_bedrock_names(void **state)
{
	char buf[300];

	OK(rule_profile_name, "acme-claims-chat-784833");
	OK(rule_profile_name, "a b_c-d");
	OK(rule_profile_name, "trailing-");
	OK(rule_profile_name, repeat(buf, 'n', 64));
	BAD(rule_profile_name, repeat(buf, 'n', 65));
	BAD(rule_profile_name, "");
	BAD(rule_profile_name, "acme--claims");
	BAD(rule_profile_name, "a_-b");
	BAD(rule_profile_name, "-a");
	BAD(rule_profile_name, "a.b");
	OK(rule_profile_description, "Claims chatbot v1.2: prod");
	OK(rule_profile_description, repeat(buf, 'd', 200));
	BAD(rule_profile_description, repeat(buf, 'd', 201));
	BAD(rule_profile_description, "Claims, chatbot");
	BAD(rule_profile_description, "two  spaces");
	BAD(rule_profile_description, "it's");
	BAD(rule_profile_description, "");
}

static void test_other_names(void **state)
{
	char buf[1100];

	OK(rule_ssm_parameter, "/bedrock-tenants/acme/chat/profile-arn");
	BAD(rule_ssm_parameter, "bedrock-tenants/acme");
	BAD(rule_ssm_parameter, "/a//b");
	BAD(rule_ssm_parameter, "/a/b/");
	BAD(rule_ssm_parameter, "/aws/x");
	BAD(rule_ssm_parameter, "/SSM-x/y");
	BAD(rule_ssm_parameter, "/a b");
	BAD(rule_ssm_parameter, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16");
	OK(rule_ssm_parameter, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15");
	buf[0] = '/';
	repeat(buf + 1, 'p', 1011);
	BAD(rule_ssm_parameter, buf);
	OK(rule_budget_name, "bedrock-tenant-acme");
	OK(rule_budget_name, "Tenant acme / claims");
	BAD(rule_budget_name, "a:b");
	BAD(rule_budget_name, "a\\b");
	BAD(rule_budget_name, "x/action/y");
	BAD(rule_budget_name, "<script>x</script>");
	BAD(rule_budget_name, repeat(buf, 'b', 101));
	OK(rule_instance, "bedrock-tenantd");
	BAD(rule_instance, "bedrock tenantd");
	BAD(rule_instance, "-x");
	OK(rule_url, "http://127.0.0.1:4566");
	OK(rule_url, "https://bedrock.us-east-1.amazonaws.com/");
	BAD(rule_url, "ftp://x");
	BAD(rule_url, "http://");
	BAD(rule_url, "http://a b");
	BAD(rule_url, "https://x?y=1");
	OK(rule_model_pattern, "anthropic.*");
	OK(rule_model_pattern, "us.amazon.nova-[lm]*");
	BAD(rule_model_pattern, "a b");
	OK(rule_unix_group, "bedrock-ops");
	BAD(rule_unix_group, "Ops");
}

/* Endpoint URLs are checked whole: scheme, host (a DNS name, IPv4, or IPv6 in
 * brackets), port and nothing else. */
static void test_url(void **state)
{
	(void)state;
	OK(rule_url, "http://localhost");
	OK(rule_url, "http://localhost:1");
	OK(rule_url, "http://127.0.0.1:65535/");
	OK(rule_url, "http://[::1]:4566");
	OK(rule_url, "http://[::1]");
	OK(rule_url, "https://[2001:db8::1]/prefix/");
	OK(rule_url, "https://bedrock-runtime.us-east-1.amazonaws.com");
	assert_string_equal(rule_url("http://[::1"), "the IPv6 address has no closing ']'");
	BAD(rule_url, "http://[::1:4566");
	BAD(rule_url, "http://[::g]:1");
	BAD(rule_url, "http://[]:1");
	BAD(rule_url, "http://[::1]x");
	BAD(rule_url, "http://[::1]:");
	BAD(rule_url, "http://::1");
	BAD(rule_url, "http://host:0");
	BAD(rule_url, "http://host:65536");
	BAD(rule_url, "http://host:99999999999999999999");
	BAD(rule_url, "http://host:80x");
	BAD(rule_url, "http://host:");
	BAD(rule_url, "http://:80");
	BAD(rule_url, "http://user:pw@host");
	BAD(rule_url, "http://ho_st");
	BAD(rule_url, "http://host..x");
	BAD(rule_url, "http://-host");
	BAD(rule_url, "http://host-.x");
	BAD(rule_url, "http://.host");
	BAD(rule_url, "http://host#x");
	BAD(rule_url, "HTTP://host");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_id_and_profile_key),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_aws_ids),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_arns),
		cmocka_unit_test(test_iam_names),
		cmocka_unit_test(test_bedrock_names),
		cmocka_unit_test(test_other_names),
		cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
