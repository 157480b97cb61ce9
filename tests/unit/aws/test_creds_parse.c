/* creds_parse: the IMDS / container credential document and the shared files' INI
 * syntax. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "creds_parse.h"
#include "xalloc.h"

static int parse_json(const char *s, struct aws_credentials *c)
{
	return creds_parse_json(s, strlen(s), c);
}

static void test_imds_document(void **state)
{
	/* The shape EC2 serves at /latest/meta-data/iam/security-credentials/<role>. */
	const char *doc = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2024-09-10T11:53:42Z\",\n"
			  "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n"
			  "  \"SecretAccessKey\" : \"wJalrXUtnFEMI/K7MDENG\",\n  \"Token\" : \"IQoJb3JpZ2luX2VjE\",\n"
			  "  \"Expiration\" : \"2024-09-10T18:17:39Z\"\n}";
	struct aws_credentials c;

	assert_int_equal(parse_json(doc, &c), 0);
	assert_string_equal(c.access_key_id, "ASIAEXAMPLE");
	assert_string_equal(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG");
	assert_string_equal(c.session_token, "IQoJb3JpZ2luX2VjE");
	assert_int_equal(c.expiration_ms, 1725992259000LL);
	assert_null(c.account_id);
	aws_credentials_release(&c);
}

static void test_container_document(void **state)
{
	const char *doc = "{\"RoleArn\":\"arn:aws:iam::111122223333:role/task\",\"AccessKeyId\":\"ASIA2\","
			  "\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2024-09-10T18:17:39.123+00:00\","
			  "\"AccountId\":\"111122223333\"}";
	struct aws_credentials c;

	assert_int_equal(parse_json(doc, &c), 0);
	assert_int_equal(c.expiration_ms, 1725992259123LL);
	assert_string_equal(c.account_id, "111122223333");
	aws_credentials_release(&c);
}

static void test_bad_documents(void **state)
{
	struct aws_credentials c;

	assert_int_equal(parse_json("{\"Code\":\"Failure\",\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"s\"}", &c),
			 -EACCES);
	assert_int_equal(parse_json("{\"AccessKeyId\":\"a\"}", &c), -EBADMSG);
	assert_int_equal(parse_json("{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"s\"}", &c), -EBADMSG);
	assert_int_equal(parse_json("{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"s\",\"Expiration\":\"soon\"}", &c),
			 -EBADMSG);
	assert_int_equal(parse_json("[]", &c), -EBADMSG);
	assert_int_equal(parse_json("", &c), -EBADMSG);
	/* no Expiration: long-lived keys */
	assert_int_equal(parse_json("{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"s\"}", &c), 0);
	assert_int_equal(c.expiration_ms, 0);
	assert_null(c.session_token);
	aws_credentials_release(&c);
}

static void test_ini(void **state)
{
	const char *text = "# comment\n"
			   "[default]\n"
			   "aws_access_key_id = AKIDDEFAULT\n"
			   "AWS_Secret_Access_Key=secret # not a comment\n"
			   "\n"
			   "[profile prod]\r\n"
			   "role_arn: arn:aws:iam::111122223333:role/x\r\n"
			   "source_profile = default\n"
			   "s3 =\n"
			   "  max_concurrent_requests = 20\n"
			   "; another comment\n"
			   "[ empty ]\n"
			   "orphan line\n"
			   "[default]\n"
			   "region = eu-west-1\n"
			   "aws_access_key_id = AKIDLATER\n";
	struct creds_ini ini;

	assert_int_equal(creds_ini_parse(text, strlen(text), &ini), 0);
	assert_string_equal(creds_ini_get(&ini, "default", "aws_access_key_id"), "AKIDLATER");
	assert_string_equal(creds_ini_get(&ini, "default", "aws_secret_access_key"), "secret # not a comment");
	assert_string_equal(creds_ini_get(&ini, "default", "region"), "eu-west-1");
	assert_string_equal(creds_ini_get(&ini, "profile prod", "role_arn"), "arn:aws:iam::111122223333:role/x");
	assert_string_equal(creds_ini_get(&ini, "profile prod", "s3"), "");
	assert_null(creds_ini_get(&ini, "profile prod", "max_concurrent_requests"));
	assert_true(creds_ini_has_section(&ini, "empty"));
	assert_false(creds_ini_has_section(&ini, "missing"));
	assert_null(creds_ini_get(&ini, "empty", "orphan line"));
	creds_ini_release(&ini);
}

static void test_ini_limits(void **state)
{
	struct creds_ini ini;
	char *big = xmalloc(CREDS_INI_MAX_BYTES + 2);

	memset(big, '\n', CREDS_INI_MAX_BYTES + 1);
	assert_int_equal(creds_ini_parse(big, CREDS_INI_MAX_BYTES + 1, &ini), -EFBIG);
	/* key lines before any section are ignored, not fatal */
	assert_int_equal(creds_ini_parse("k = v\n", 6, &ini), 0);
	assert_int_equal(ini.n, 0);
	creds_ini_release(&ini);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imds_document), cmocka_unit_test(test_container_document),
		cmocka_unit_test(test_bad_documents), cmocka_unit_test(test_ini),
		cmocka_unit_test(test_ini_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
