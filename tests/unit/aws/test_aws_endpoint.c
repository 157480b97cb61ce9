/* aws_endpoint: standard endpoints, global services signed for their home region,
 * and the precedence of configuration over AWS_ENDPOINT_URL_<SERVICE> over
 * AWS_ENDPOINT_URL. The environment is a fake. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws_endpoint.h"

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	for (const char *const *e = fake_env; e && *e; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

static void check(const struct aws_endpoint_config *c, enum aws_service s, const char *region, const char *scheme,
		  const char *host, const char *path, const char *signing)
{
	struct aws_endpoint e;

	assert_int_equal(aws_endpoint_resolve(c, s, region, &e), 0);
	assert_string_equal(e.scheme, scheme);
	assert_string_equal(e.host, host);
	assert_string_equal(e.base_path, path);
	assert_string_equal(e.signing_region, signing);
	aws_endpoint_release(&e);
}

static void test_standard(void **state)
{
	struct aws_endpoint_config c;

	aws_endpoint_config_init(&c);
	check(&c, AWS_BEDROCK, "us-east-1", "https", "bedrock.us-east-1.amazonaws.com", "", "us-east-1");
	check(&c, AWS_BEDROCK, "eu-west-3", "https", "bedrock.eu-west-3.amazonaws.com", "", "eu-west-3");
	check(&c, AWS_SSM, "ap-southeast-2", "https", "ssm.ap-southeast-2.amazonaws.com", "", "ap-southeast-2");
	check(&c, AWS_TAGGING, "us-west-2", "https", "tagging.us-west-2.amazonaws.com", "", "us-west-2");
	check(&c, AWS_STS, "eu-central-1", "https", "sts.eu-central-1.amazonaws.com", "", "eu-central-1");
	check(&c, AWS_SERVICEQUOTAS, "us-west-2", "https", "servicequotas.us-west-2.amazonaws.com", "", "us-west-2");
	check(&c, AWS_BUDGETS, "eu-west-1", "https", "budgets.amazonaws.com", "", "us-east-1");
	check(&c, AWS_CE, "eu-west-1", "https", "ce.us-east-1.amazonaws.com", "", "us-east-1");
	check(&c, AWS_CE, "cn-north-1", "https", "ce.cn-northwest-1.amazonaws.com.cn", "", "cn-northwest-1");
	check(&c, AWS_IAM, "ap-northeast-1", "https", "iam.amazonaws.com", "", "us-east-1");
	check(&c, AWS_BEDROCK, "cn-north-1", "https", "bedrock.cn-north-1.amazonaws.com.cn", "", "cn-north-1");
	check(&c, AWS_IAM, "cn-northwest-1", "https", "iam.cn-north-1.amazonaws.com.cn", "", "cn-north-1");
	check(&c, AWS_IAM, "us-gov-east-1", "https", "iam.us-gov.amazonaws.com", "", "us-gov-west-1");
	aws_endpoint_config_release(&c);
}

static void test_precedence(void **state)
{
	static const char *const env[] = {
		"AWS_ENDPOINT_URL",
		"http://127.0.0.1:4566",
		"AWS_ENDPOINT_URL_SSM",
		"http://localhost:9000/ssm/",
		"AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API",
		"https://tagging.example:8443",
		"AWS_ENDPOINT_URL_SERVICE_QUOTAS",
		"http://127.0.0.1:4567",
		NULL,
	};
	struct aws_endpoint_config c;

	fake_env = env;
	aws_endpoint_config_init(&c);
	aws_endpoint_config_load_env(&c, fake_getenv);
	check(&c, AWS_BEDROCK, "us-east-1", "http", "127.0.0.1:4566", "", "us-east-1");
	check(&c, AWS_SSM, "eu-west-1", "http", "localhost:9000", "/ssm", "eu-west-1");
	check(&c, AWS_TAGGING, "eu-west-1", "https", "tagging.example:8443", "", "eu-west-1");
	check(&c, AWS_SERVICEQUOTAS, "eu-west-1", "http", "127.0.0.1:4567", "", "eu-west-1");
	/* a global service keeps its signing region behind an override */
	check(&c, AWS_IAM, "eu-west-1", "http", "127.0.0.1:4566", "", "us-east-1");
	assert_int_equal(aws_endpoint_config_set(&c, AWS_SSM, "https://ssm.internal:443/"), 0);
	check(&c, AWS_SSM, "eu-west-1", "https", "ssm.internal", "", "eu-west-1");
	assert_int_equal(aws_endpoint_config_set(&c, AWS_SSM, "ftp://x"), -EINVAL);
	assert_int_equal(aws_endpoint_config_set(&c, AWS_SSM, NULL), 0);
	check(&c, AWS_SSM, "eu-west-1", "http", "localhost:9000", "/ssm", "eu-west-1");
	aws_endpoint_config_release(&c);
}

static void test_ignore_configured(void **state)
{
	static const char *const env[] = {
		"AWS_ENDPOINT_URL", "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", NULL,
	};
	struct aws_endpoint_config c;

	fake_env = env;
	aws_endpoint_config_init(&c);
	aws_endpoint_config_load_env(&c, fake_getenv);
	check(&c, AWS_BEDROCK, "us-east-1", "https", "bedrock.us-east-1.amazonaws.com", "", "us-east-1");
	aws_endpoint_config_release(&c);
}

static void test_bad_input(void **state)
{
	struct aws_endpoint_config c;
	struct aws_endpoint e;

	aws_endpoint_config_init(&c);
	assert_int_equal(aws_endpoint_resolve(&c, AWS_BEDROCK, "us-east-1.evil.com/", &e), -EINVAL);
	assert_int_equal(aws_endpoint_resolve(&c, AWS_BEDROCK, "", &e), -EINVAL);
	assert_int_equal(aws_endpoint_resolve(&c, AWS_BEDROCK, NULL, &e), -EINVAL);
	assert_int_equal(aws_endpoint_resolve(&c, AWS_BEDROCK, "US-EAST-1", &e), -EINVAL);
	assert_int_equal(aws_endpoint_parse_url("http://", &e), -EINVAL);
	assert_int_equal(aws_endpoint_parse_url("http://a b", &e), -EINVAL);
	assert_int_equal(aws_endpoint_parse_url("http://user@host", &e), -EINVAL);
	assert_int_equal(aws_endpoint_parse_url("http://h/?q", &e), -EINVAL);
	assert_int_equal(aws_endpoint_parse_url("http://[::1]:8080/x", &e), 0);
	assert_string_equal(e.host, "[::1]:8080");
	assert_string_equal(e.base_path, "/x");
	aws_endpoint_release(&e);
	assert_true(aws_region_valid("us-gov-west-1"));
	assert_false(aws_region_valid("-us"));
	aws_endpoint_config_release(&c);
}

static void test_service_table(void **state)
{
	enum aws_service s;

	assert_int_equal(aws_service_from_name("tagging", &s), 0);
	assert_int_equal(s, AWS_TAGGING);
	assert_int_equal(aws_service_from_name("sqs", &s), -EINVAL);
	assert_string_equal(aws_service_info(AWS_BUDGETS)->target_prefix, "AWSBudgetServiceGateway");
	assert_string_equal(aws_service_info(AWS_SSM)->target_prefix, "AmazonSSM");
	assert_string_equal(aws_service_info(AWS_TAGGING)->target_prefix, "ResourceGroupsTaggingAPI_20170126");
	assert_string_equal(aws_service_info(AWS_IAM)->api_version, "2010-05-08");
	assert_string_equal(aws_service_info(AWS_STS)->api_version, "2011-06-15");
	assert_int_equal(aws_service_from_name("servicequotas", &s), 0);
	assert_int_equal(s, AWS_SERVICEQUOTAS);
	assert_string_equal(aws_service_info(AWS_SERVICEQUOTAS)->target_prefix, "ServiceQuotasV20190624");
	assert_string_equal(aws_service_info(AWS_SERVICEQUOTAS)->signing_name, "servicequotas");
	assert_string_equal(aws_service_info(AWS_SERVICEQUOTAS)->env_suffix, "SERVICE_QUOTAS");
	assert_int_equal(aws_service_from_name("ce", &s), 0);
	assert_int_equal(s, AWS_CE);
	assert_string_equal(aws_service_info(AWS_CE)->target_prefix, "AWSInsightsIndexService");
	assert_string_equal(aws_service_info(AWS_CE)->env_suffix, "COST_EXPLORER");
	assert_string_equal(aws_service_name(AWS_SERVICE_COUNT), "?");
	assert_string_equal(aws_protocol_name(AWS_PROTO_QUERY), "awsQuery");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard),	  cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_ignore_configured), cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_service_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
