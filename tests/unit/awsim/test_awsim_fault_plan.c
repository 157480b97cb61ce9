/* Fault plans (tests/awsim/faults.c, faults_yaml.c): parsing both spellings,
 * refusing bad plans, and deciding deterministically with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "awsim.h"

static void load(struct faults *f, const char *json)
{
	char *err = NULL;

	if (faults_load_json(f, json, strlen(json), &err) < 0)
		fail_msg("plan refused: %s", err);
}

/* decide_as: faults_decide for a request of account in region. */
static void decide_as(struct faults *f, const char *account, const char *service, const char *op, const char *region,
		      uint64_t now_ms, struct fault_decision *d)
{
	struct fault_request q = { service, op, region, account, NULL };

	faults_decide(f, &q, now_ms, d);
}

static void decide(struct faults *f, const char *service, const char *op, const char *region, uint64_t now_ms,
		   struct fault_decision *d)
{
	decide_as(f, AWSIM_DEFAULT_ACCOUNT, service, op, region, now_ms, d);
}

static void test_token_bucket(void **state)
{
	struct faults f;
	struct fault_decision d;

	(void)state;
	faults_init(&f, 1);
	load(&f, "{\"rules\":[{\"service\":\"bedrock\",\"rate\":2,\"burst\":3}]}");
	for (int i = 0; i < 3; i++) {
		decide(&f, "bedrock", "CreateInferenceProfile", "us-east-1", 1000, &d);
		assert_int_equal(d.kind, FAULT_NONE);
	}
	decide(&f, "bedrock", "CreateInferenceProfile", "us-east-1", 1000, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);
	/* another operation has its own bucket */
	decide(&f, "bedrock", "ListInferenceProfiles", "us-east-1", 1000, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	/* 500 ms at 2/s refill one token */
	decide(&f, "bedrock", "CreateInferenceProfile", "us-east-1", 1500, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	decide(&f, "bedrock", "CreateInferenceProfile", "us-east-1", 1500, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);
	/* other services are not matched */
	decide(&f, "ssm", "GetParameter", "us-east-1", 1500, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	faults_release(&f);
}

/* expect_ok_then_throttled: n requests pass, the next one is throttled. */
static void expect_ok_then_throttled(struct faults *f, const char *account, const char *service, const char *op,
				     const char *region, int n)
{
	struct fault_decision d;

	for (int i = 0; i < n; i++) {
		decide_as(f, account, service, op, region, 1000, &d);
		assert_int_equal(d.kind, FAULT_NONE);
	}
	decide_as(f, account, service, op, region, 1000, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);
}

static void test_bucket_per_account_region(void **state)
{
	struct faults f;
	struct fault_decision d;
	cJSON *doc;

	(void)state;
	faults_init(&f, 1);
	/* the default: one bucket for every account and Region */
	load(&f, "{\"rules\":[{\"rate\":1,\"burst\":2}]}");
	expect_ok_then_throttled(&f, "111111111111", "ssm", "PutParameter", "us-east-1", 2);
	decide_as(&f, "222222222222", "ssm", "PutParameter", "us-west-2", 1000, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);
	doc = faults_to_json(&f);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "rules"), 0), "per")->valuestring,
		"all");
	cJSON_Delete(doc);

	/* per account and Region: each place its own bucket, per operation as before */
	load(&f, "{\"rules\":[{\"rate\":1,\"burst\":2,\"per\":\"account-region\"}]}");
	expect_ok_then_throttled(&f, "111111111111", "ssm", "PutParameter", "us-east-1", 2);
	expect_ok_then_throttled(&f, "111111111111", "ssm", "PutParameter", "us-west-2", 2);
	expect_ok_then_throttled(&f, "222222222222", "ssm", "PutParameter", "us-east-1", 2);
	expect_ok_then_throttled(&f, "111111111111", "ssm", "GetParameter", "us-east-1", 2);
	/* a global service's bucket is the account's: its Regions share it */
	expect_ok_then_throttled(&f, "111111111111", "budgets", "CreateBudget", "us-east-1", 2);
	decide_as(&f, "111111111111", "budgets", "CreateBudget", "us-west-2", 1000, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);
	decide_as(&f, "222222222222", "budgets", "CreateBudget", "us-east-1", 1000, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	/* refills per bucket: one second later each has one token again */
	decide_as(&f, "111111111111", "ssm", "PutParameter", "us-east-1", 2000, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	decide_as(&f, "111111111111", "ssm", "PutParameter", "us-east-1", 2000, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);

	/* per account, shared over operations: the account's Regions share it */
	load(&f, "{\"rules\":[{\"service\":\"bedrock\",\"rate\":1,\"burst\":2,\"per\":\"account\","
		 "\"shared_bucket\":true}]}");
	expect_ok_then_throttled(&f, "111111111111", "bedrock", "CreateInferenceProfile", "us-east-1", 2);
	decide_as(&f, "111111111111", "bedrock", "GetInferenceProfile", "us-west-2", 1000, &d);
	assert_int_equal(d.kind, FAULT_THROTTLE);
	expect_ok_then_throttled(&f, "222222222222", "bedrock", "GetInferenceProfile", "us-west-2", 2);
	faults_release(&f);
}

static void test_times_latency_and_order(void **state)
{
	struct faults f;
	struct fault_decision d;
	cJSON *doc;

	(void)state;
	faults_init(&f, 1);
	load(&f,
	     "{\"rules\":[{\"operation\":\"PutParameter\",\"latency_ms\":100},"
	     "{\"service\":\"ssm\",\"lost_percent\":100,\"times\":1},"
	     "{\"service\":\"ssm\",\"error_percent\":100,\"error\":{\"status\":400,\"code\":\"TooManyUpdates\"}}]}");
	decide(&f, "ssm", "PutParameter", "us-east-1", 0, &d);
	assert_int_equal(d.kind, FAULT_LOST);
	assert_int_equal(d.latency_ms, 100);
	decide(&f, "ssm", "PutParameter", "us-east-1", 0, &d);
	assert_int_equal(d.kind, FAULT_ERROR);
	assert_int_equal(d.status, 400);
	assert_string_equal(d.code, "TooManyUpdates");
	assert_int_equal(d.latency_ms, 100);
	decide(&f, "ssm", "GetParameter", "us-east-1", 0, &d);
	assert_int_equal(d.latency_ms, 0);
	doc = faults_to_json(&f);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "rules")), 3);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "rules"), 1), "times")->valueint, 0);
	cJSON_Delete(doc);
	faults_release(&f);
}

/* A rule with a path matches only requests whose path holds it (one S3 object). */
static void test_path(void **state)
{
	struct faults f;
	struct fault_decision d;
	struct fault_request one = { "s3", "GetObject", "us-east-1", AWSIM_DEFAULT_ACCOUNT, "/logs/a/b-01.json.gz" };
	struct fault_request other = { "s3", "GetObject", "us-east-1", AWSIM_DEFAULT_ACCOUNT, "/logs/a/b-02.json.gz" };
	struct fault_request none = { "s3", "GetObject", "us-east-1", AWSIM_DEFAULT_ACCOUNT, NULL };
	cJSON *doc;

	(void)state;
	faults_init(&f, 1);
	load(&f, "{\"rules\":[{\"service\":\"s3\",\"path\":\"b-01\",\"error_percent\":100,"
		 "\"error\":{\"status\":403,\"code\":\"AccessDenied\"}}]}");
	faults_decide(&f, &one, 0, &d);
	assert_int_equal(d.kind, FAULT_ERROR);
	assert_string_equal(d.code, "AccessDenied");
	faults_decide(&f, &other, 0, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	faults_decide(&f, &none, 0, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	doc = faults_to_json(&f);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "rules"), 0), "path")->valuestring,
		"b-01");
	cJSON_Delete(doc);
	faults_release(&f);
}

/* A rule with an account matches only requests signed in that account (one account of
 * several losing its access). */
static void test_account(void **state)
{
	struct faults f;
	struct fault_decision d;
	cJSON *doc;

	(void)state;
	faults_init(&f, 1);
	load(&f, "{\"rules\":[{\"account\":\"111100000001\",\"error_percent\":100,"
		 "\"error\":{\"status\":403,\"code\":\"UnrecognizedClientException\"}}]}");
	decide_as(&f, "111100000001", "bedrock", "ListInferenceProfiles", "us-east-1", 0, &d);
	assert_int_equal(d.kind, FAULT_ERROR);
	assert_string_equal(d.code, "UnrecognizedClientException");
	decide_as(&f, "111100000001", "ssm", "GetParametersByPath", "us-west-2", 0, &d);
	assert_int_equal(d.kind, FAULT_ERROR);
	decide_as(&f, "111100000002", "bedrock", "ListInferenceProfiles", "us-east-1", 0, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	decide_as(&f, NULL, "sts", "AssumeRoleWithWebIdentity", "us-east-1", 0, &d);
	assert_int_equal(d.kind, FAULT_NONE);
	doc = faults_to_json(&f);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "rules"), 0), "account")->valuestring,
		"111100000001");
	cJSON_Delete(doc);
	faults_release(&f);
}

static void decide_many(struct faults *f, enum fault_kind *out, int n)
{
	for (int i = 0; i < n; i++) {
		struct fault_decision d;
		decide(f, "iam", "ListRoles", "us-east-1", 0, &d);
		out[i] = d.kind;
	}
}

static void test_seeded_dice(void **state)
{
	struct faults f;
	enum fault_kind a[64], b[64];
	int throttled = 0, failed = 0;
	const char *plan = "{\"seed\":7,\"rules\":[{\"throttle_percent\":30,\"error_503_percent\":30}]}";

	(void)state;
	faults_init(&f, 1);
	load(&f, plan);
	decide_many(&f, a, 64);
	load(&f, plan);
	decide_many(&f, b, 64);
	assert_memory_equal(a, b, sizeof(a));
	for (int i = 0; i < 64; i++) {
		throttled += a[i] == FAULT_THROTTLE;
		failed += a[i] == FAULT_503;
	}
	assert_true(throttled > 5 && failed > 5 && throttled + failed < 64);
	faults_release(&f);
}

static void test_yaml_equals_json(void **state)
{
	const char *yaml =
		"# a plan\nseed: 3\neventual_consistency_ms: 1500\nrules:\n"
		"  - service: bedrock\n    operation: \"*\"\n    rate: 5\n    burst: 10\n"
		"  - service: iam\n    error_percent: 10\n    error: {status: 409, code: ConcurrentModification}\n";
	const char *json =
		"{\"seed\":3,\"eventual_consistency_ms\":1500,\"rules\":[{\"service\":\"bedrock\",\"operation\":"
		"\"*\",\"rate\":5,\"burst\":10},{\"service\":\"iam\",\"error_percent\":10,\"error\":{"
		"\"status\":409,\"code\":\"ConcurrentModification\"}}]}";
	struct faults a, b;
	char *err = NULL, *ja, *jb;
	cJSON *da, *db;

	(void)state;
	faults_init(&a, 1);
	faults_init(&b, 1);
	if (faults_load_yaml(&a, yaml, strlen(yaml), &err) < 0)
		fail_msg("%s", err);
	load(&b, json);
	da = faults_to_json(&a);
	db = faults_to_json(&b);
	ja = cJSON_PrintUnformatted(da);
	jb = cJSON_PrintUnformatted(db);
	assert_string_equal(ja, jb);
	assert_int_equal(a.consistency_ms, 1500);
	cJSON_free(ja);
	cJSON_free(jb);
	cJSON_Delete(da);
	cJSON_Delete(db);
	faults_release(&a);
	faults_release(&b);
}

static void test_bad_plans(void **state)
{
	const char *bad_json[] = {
		"[]",
		"{\"rulez\":[]}",
		"{\"rules\":{}}",
		"{\"rules\":[{\"service\":\"ec2\"}]}",
		"{\"rules\":[{\"throttle_percent\":101}]}",
		"{\"rules\":[{\"error_percent\":5}]}",
		"{\"rules\":[{\"latency\":5}]}",
		"{\"rules\":[5]}",
		"{\"rules\":[{\"service\":5}]}",
		"{\"rules\":[{\"rate\":1,\"per\":\"region\"}]}",
		"{\"rules\":[{\"rate\":1,\"per\":true}]}",
	};
	const char *bad_yaml[] = {
		"rules: [ {service: ssm, throttle_percent: 200} ]",
		"a: &x [1]\nb: *x\n",
		"rules:\n  - service: [unterminated\n",
		"? [a, b]\n: c\n",
	};
	struct faults f;
	char *err;

	(void)state;
	faults_init(&f, 1);
	load(&f, "{\"rules\":[{\"service\":\"sts\",\"throttle_percent\":100}]}");
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		err = NULL;
		assert_int_equal(faults_load_json(&f, bad_json[i], strlen(bad_json[i]), &err), -EINVAL);
		assert_non_null(err);
		free(err);
	}
	for (size_t i = 0; i < sizeof(bad_yaml) / sizeof(bad_yaml[0]); i++) {
		err = NULL;
		assert_int_equal(faults_load_yaml(&f, bad_yaml[i], strlen(bad_yaml[i]), &err), -EINVAL);
		assert_non_null(err);
		free(err);
	}
	assert_int_equal(f.n, 1); /* the old plan stays */
	faults_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_bucket_per_account_region),
		cmocka_unit_test(test_times_latency_and_order),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_seeded_dice),
		cmocka_unit_test(test_yaml_equals_json),
		cmocka_unit_test(test_bad_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
