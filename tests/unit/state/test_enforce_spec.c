/* Budget enforcement's deny policy: deterministic name, path and ARN; a document that
 * denies the tenant's profiles and the models reached through them, the same text for
 * the same profiles in any order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "enforce_spec.h"
#include "xalloc.h"

static void test_names(void **state)
{
	char *name = enforce_policy_name("acme");
	char *arn = enforce_policy_arn("aws", "111122223333", "acme");

	(void)state;
	assert_string_equal(name, "bedrock-tenantd-acme-deny");
	assert_string_equal(arn, "arn:aws:iam::111122223333:policy/bedrock-tenants/bedrock-tenantd-acme-deny");
	free(name);
	free(arn);
}

static void test_document(void **state)
{
	struct observed_profile a = { .arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a" };
	struct observed_profile b = { .arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/b" };
	const struct observed_profile *ab[] = { &a, &b }, *ba[] = { &b, &a, &b };
	char *d1 = enforce_deny_document(ab, 2), *d2 = enforce_deny_document(ba, 3);
	cJSON *j = cJSON_Parse(d1), *sts = cJSON_GetObjectItem(j, "Statement"), *s0, *s1, *cond;

	(void)state;
	assert_null(enforce_deny_document(ab, 0));
	assert_string_equal(d1, d2); /* order and duplicates do not matter */
	assert_int_equal(cJSON_GetArraySize(sts), 2);
	s0 = cJSON_GetArrayItem(sts, 0);
	s1 = cJSON_GetArrayItem(sts, 1);
	assert_string_equal(cJSON_GetObjectItem(s0, "Effect")->valuestring, "Deny");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(s0, "Action"), 0)->valuestring,
			    "bedrock:InvokeModel");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s0, "Resource")), 2);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(s0, "Resource"), 0)->valuestring, a.arn);
	assert_null(cJSON_GetObjectItem(s0, "Condition"));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(s1, "Resource"), 0)->valuestring, "*");
	cond = cJSON_GetObjectItem(cJSON_GetObjectItem(s1, "Condition"), "StringEquals");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cond, "bedrock:InferenceProfileArn")), 2);
	cJSON_Delete(j);
	free(d1);
	free(d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
