/* creds_process_parse: credential_process command lines (split as botocore's
 * shlex.split does, never by a shell), the Version 1 JSON a process prints, the SSO
 * token cache file and its name, and the SSO portal's answer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "creds_process_parse.h"
#include "xalloc.h"

static void expect_split(const char *line, const char *const *want)
{
	const char *why = NULL;
	char **argv = NULL;
	size_t i;

	assert_int_equal(creds_cmdline_split(line, &argv, &why), 0);
	for (i = 0; want[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	creds_argv_free(argv);
}

static void expect_bad(const char *line, const char *why_part)
{
	const char *why = NULL;
	char **argv = NULL;

	assert_int_equal(creds_cmdline_split(line, &argv, &why), -EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
	assert_null(argv);
}

static void test_split(void **state)
{
	(void)state;
	expect_split("/usr/bin/get-creds --profile prod",
		     (const char *const[]){ "/usr/bin/get-creds", "--profile", "prod", NULL });
	expect_split("  tool\t a  b ", (const char *const[]){ "tool", "a", "b", NULL });
	expect_split("'/opt/my tools/creds' \"two words\"",
		     (const char *const[]){ "/opt/my tools/creds", "two words", NULL });
	/* nothing a shell would expand or interpret */
	expect_split("tool $HOME `id` $(id) ; rm -rf / | cat && x > y",
		     (const char *const[]){ "tool", "$HOME", "`id`", "$(id)", ";", "rm", "-rf", "/", "|", "cat", "&&",
					    "x", ">", "y", NULL });
	expect_split("a\\ b 'c\\d' \"e\\\"f\\g\" \"\" ''",
		     (const char *const[]){ "a b", "c\\d", "e\"f\\g", "", "", NULL });
	expect_split("pre'fix'\"ed\"", (const char *const[]){ "prefixed", NULL });
}

static void test_split_errors(void **state)
{
	char *many = xmalloc(2 * (CREDS_CMDLINE_MAX_ARGS + 1) + 1);

	(void)state;
	expect_bad("", "empty");
	expect_bad("   \t ", "empty");
	expect_bad("tool 'open", "single quote");
	expect_bad("tool \"open", "double quote");
	expect_bad("tool \\", "backslash");
	for (int i = 0; i <= CREDS_CMDLINE_MAX_ARGS; i++)
		memcpy(many + 2 * i, "a ", 2);
	many[2 * (CREDS_CMDLINE_MAX_ARGS + 1)] = '\0';
	expect_bad(many, "too many");
	many[2 * CREDS_CMDLINE_MAX_ARGS - 1] = '\0'; /* exactly the limit */
	{
		const char *why;
		char **argv;

		assert_int_equal(creds_cmdline_split(many, &argv, &why), 0);
		creds_argv_free(argv);
	}
	free(many);
}

static void test_process_json(void **state)
{
	static const char doc[] = "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"s3cr3t\","
				  " \"SessionToken\": \"tok\", \"Expiration\": \"2030-01-02T03:04:05Z\","
				  " \"AccountId\": \"111122223333\"}";
	static const char no_exp[] = "{\"Version\":1,\"AccessKeyId\":\"AKIAPROC\",\"SecretAccessKey\":\"s\"}";
	struct aws_credentials c;
	const char *why = NULL;

	(void)state;
	assert_int_equal(creds_process_parse_json(doc, sizeof(doc) - 1, &c, &why), 0);
	assert_string_equal(c.access_key_id, "ASIAPROC");
	assert_string_equal(c.secret_access_key, "s3cr3t");
	assert_string_equal(c.session_token, "tok");
	assert_string_equal(c.account_id, "111122223333");
	assert_true(c.expiration_ms == 1893553445000LL);
	aws_credentials_release(&c);
	assert_int_equal(creds_process_parse_json(no_exp, sizeof(no_exp) - 1, &c, &why), 0);
	assert_null(c.session_token);
	assert_true(c.expiration_ms == 0);
	aws_credentials_release(&c);
}

static void expect_bad_json(const char *doc, const char *why_part)
{
	struct aws_credentials c;
	const char *why = NULL;

	assert_int_equal(creds_process_parse_json(doc, strlen(doc), &c, &why), -EBADMSG);
	assert_non_null(why);
	assert_non_null(strstr(why, why_part));
}

static void test_process_json_errors(void **state)
{
	(void)state;
	expect_bad_json("", "not a JSON object");
	expect_bad_json("Traceback (most recent call last):", "not a JSON object");
	expect_bad_json("[1]", "not a JSON object");
	expect_bad_json("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}", "Version");
	expect_bad_json("{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}", "Version");
	expect_bad_json("{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}", "Version");
	expect_bad_json("{\"Version\":1,\"SecretAccessKey\":\"s\"}", "AccessKeyId");
	expect_bad_json("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"\"}", "SecretAccessKey");
	expect_bad_json("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"soon\"}",
			"Expiration");
	expect_bad_json("{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":5}",
			"Expiration");
}

static void test_sso_cache_key(void **state)
{
	char key[41];

	(void)state;
	/* hex SHA-1 of the text, as sha1sum(1) prints it */
	creds_sso_cache_key("https://d-abc123.awsapps.com/start", key);
	assert_string_equal(key, "40a89917e3175433e361b710a9d43528d7f1890a");
	creds_sso_cache_key("my-sso", key);
	assert_string_equal(key, "0ad374308c5a4e22f723adf10145eafad7c4031c");
}

static void test_sso_token(void **state)
{
	static const char doc[] = "{\"startUrl\":\"https://x/start\",\"region\":\"us-east-1\","
				  "\"accessToken\":\"eyJtoken\",\"expiresAt\":\"2030-01-02T03:04:05Z\"}";
	static const char v1[] = "{\"accessToken\":\"t\",\"expiresAt\":\"2030-01-02T03:04:05UTC\"}";
	const char *why = NULL;
	char *token;
	int64_t exp;

	(void)state;
	assert_int_equal(creds_sso_parse_token(doc, sizeof(doc) - 1, &token, &exp, &why), 0);
	assert_string_equal(token, "eyJtoken");
	assert_true(exp == 1893553445000LL);
	free(token);
	assert_int_equal(creds_sso_parse_token(v1, sizeof(v1) - 1, &token, &exp, &why), 0);
	assert_true(exp == 1893553445000LL);
	free(token);
	assert_int_equal(creds_sso_parse_token("{}", 2, &token, &exp, &why), -EBADMSG);
	assert_non_null(strstr(why, "accessToken"));
	assert_int_equal(creds_sso_parse_token("{\"accessToken\":\"t\"}", 19, &token, &exp, &why), -EBADMSG);
	assert_non_null(strstr(why, "expiresAt"));
	assert_int_equal(creds_sso_parse_token("nope", 4, &token, &exp, &why), -EBADMSG);
}

static void test_sso_role_credentials(void **state)
{
	static const char doc[] = "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"s\","
				  "\"sessionToken\":\"t\",\"expiration\":1893553445000}}";
	struct aws_credentials c;

	(void)state;
	assert_int_equal(creds_sso_parse_role_credentials(doc, sizeof(doc) - 1, &c), 0);
	assert_string_equal(c.access_key_id, "ASIASSO");
	assert_string_equal(c.session_token, "t");
	assert_true(c.expiration_ms == 1893553445000LL);
	aws_credentials_release(&c);
	assert_int_equal(creds_sso_parse_role_credentials("{}", 2, &c), -EBADMSG);
	assert_int_equal(creds_sso_parse_role_credentials("{\"roleCredentials\":{\"accessKeyId\":\"A\"}}", 39, &c),
			 -EBADMSG);
	assert_int_equal(creds_sso_parse_role_credentials(
				 "{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\","
				 "\"expiration\":\"x\"}}",
				 strlen("{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\","
					"\"expiration\":\"x\"}}"),
				 &c),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_process_json),
		cmocka_unit_test(test_process_json_errors),
		cmocka_unit_test(test_sso_cache_key),
		cmocka_unit_test(test_sso_token),
		cmocka_unit_test(test_sso_role_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
