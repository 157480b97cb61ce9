/* awsim's state document (persist.c) round-trips through JSON and through a file;
 * a bad document changes nothing. Resources are made with real requests. */
#include <unistd.h>

#include "sim_fixture.h"

static void make_resources(struct awsim *sim)
{
	struct req_spec s = { 0 };

	s.service = "bedrock";
	s.path = "/inference-profiles";
	s.content_type = "application/json";
	s.body = "{\"inferenceProfileName\":\"p1\",\"clientRequestToken\":\"tok-1\",\"modelSource\":{\"copyFrom\":"
		 "\"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0\"},\"tags\":[{\"key\":\"k\","
		 "\"value\":\"v\"}]}";
	sim_expect(sim, &s, 201, "");
	s = ssm_call("PutParameter", "{\"Name\":\"/a/b\",\"Value\":\"v\",\"Type\":\"String\",\"Tags\":[{\"Key\":"
				     "\"t\",\"Value\":\"1\"}]}");
	sim_expect(sim, &s, 200, "");
	s = (struct req_spec){ 0 };
	s.service = "budgets";
	s.target = "AWSBudgetServiceGateway.CreateBudget";
	s.content_type = "application/x-amz-json-1.1";
	s.body = "{\"AccountId\":\"123456789012\",\"Budget\":{\"BudgetName\":\"b\",\"TimeUnit\":\"MONTHLY\","
		 "\"BudgetType\":\"COST\",\"BudgetLimit\":{\"Amount\":\"5\",\"Unit\":\"USD\"}},"
		 "\"NotificationsWithSubscribers\":[{\"Notification\":{\"NotificationType\":\"ACTUAL\","
		 "\"ComparisonOperator\":\"GREATER_THAN\",\"Threshold\":80},\"Subscribers\":[{\"SubscriptionType\":"
		 "\"EMAIL\",\"Address\":\"a@example.com\"}]}]}";
	sim_expect(sim, &s, 200, "");
	s = query_call("iam", "Action=CreateRole&Version=2010-05-08&RoleName=R&AssumeRolePolicyDocument=%7B%22"
			      "Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%7D%5D%7D");
	sim_expect(sim, &s, 200, "");
	s = query_call("iam", "Action=PutRolePolicy&Version=2010-05-08&RoleName=r&PolicyName=p&PolicyDocument=%7B%22"
			      "Statement%22%3A%7B%22Effect%22%3A%22Deny%22%7D%7D");
	sim_expect(sim, &s, 200, "");
	auth_issue(sim, "210987654321", "arn:aws:sts::210987654321:assumed-role/x/y", "AROAX:y", 900, "AssumeRole");
}

static char *dump(struct awsim *sim)
{
	cJSON *doc = persist_to_json(sim);
	char *text = cJSON_PrintUnformatted(doc);

	cJSON_Delete(doc);
	return text;
}

static void test_round_trip(void **state)
{
	struct awsim a, b;
	char *ta, *tb, *err = NULL;
	cJSON *doc;

	(void)state;
	sim_setup(&a, NULL, 0);
	make_resources(&a);
	ta = dump(&a);
	sim_setup(&b, NULL, 0);
	doc = cJSON_Parse(ta);
	assert_int_equal(persist_from_json(&b, doc, &err), 0);
	cJSON_Delete(doc);
	tb = dump(&b);
	assert_string_equal(ta, tb);
	/* the loaded state serves: the token replays, the role is found in any case */
	{
		struct req_spec s = query_call("iam",
					       "Action=GetRolePolicy&Version=2010-05-08&RoleName=R&PolicyName=p");
		sim_expect(&b, &s, 200, "");
	}
	cJSON_free(ta);
	cJSON_free(tb);
	awsim_release(&a);
	awsim_release(&b);
}

static void test_file_and_bad_documents(void **state)
{
	struct awsim a;
	char dir[] = "/tmp/awsim-state-XXXXXX", path[128], *err = NULL, *before, *after;
	const char *bad[] = {
		"[]",
		"{\"format\":\"other\"}",
		"{\"format\":\"awsim-state/1\",\"accounts\":[{\"regions\":[]}]}",
		("{\"format\":\"awsim-state/1\",\"accounts\":[{\"id\":\"123456789012\",\"regions\":[{\"name\":"
		 "\"us-east-1\",\"profiles\":[{\"id\":\"x\"}]}]}]}"),
		"{\"format\":\"awsim-state/1\",\"accounts\":[{\"id\":\"1\",\"budgets\":[{\"name\":\"b\"}]}]}",
	};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	sim_setup(&a, NULL, 0);
	make_resources(&a);
	assert_int_equal(persist_save(&a, path), 0);
	before = dump(&a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *doc = cJSON_Parse(bad[i]);
		err = NULL;
		assert_int_equal(persist_from_json(&a, doc, &err), -EINVAL);
		assert_non_null(err);
		free(err);
		cJSON_Delete(doc);
	}
	after = dump(&a);
	assert_string_equal(before, after); /* nothing changed */
	state_reset(&a);
	assert_int_equal(persist_load(&a, path, &err), 0);
	cJSON_free(after);
	after = dump(&a);
	assert_string_equal(before, after);
	assert_int_equal(persist_load(&a, "/nonexistent/state.json", &err), -ENOENT);
	cJSON_free(before);
	cJSON_free(after);
	awsim_release(&a);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_file_and_bad_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
