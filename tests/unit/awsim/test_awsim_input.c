/* awsim's input handling: form decoding, opaque tokens, the model patterns, and
 * malformed or mistyped bodies answered with each protocol's error. */
#include "form.h"
#include "sim_fixture.h"

static void test_form(void **state)
{
	struct form f;

	(void)state;
	form_init(&f);
	assert_int_equal(form_parse(&f, "a=1&b=x+y%2Bz&&c&a=2&Tags.member.1.Key=k", 40), 0);
	assert_int_equal(f.n, 5);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_string_equal(form_get(&f, "b"), "x y+z");
	assert_string_equal(form_get(&f, "c"), "");
	assert_string_equal(form_get(&f, "Tags.member.1.Key"), "k");
	assert_null(form_get(&f, "d"));
	assert_int_equal(form_parse(&f, "bad=%zz", 7), -EINVAL);
	assert_int_equal(form_parse(&f, "nul=%00", 7), -EINVAL);
	form_release(&f);
}

static void test_tokens(void **state)
{
	const char *plains[] = { "a", "ab", "abc", "awsim1|APPLICATION|xyz0123456789", "\xff\x01" };
	const char *bad[] = { "", "a", "not a token", "ab+c" };

	(void)state;
	for (size_t i = 0; i < sizeof(plains) / sizeof(plains[0]); i++) {
		struct strbuf tok, back;
		strbuf_init(&tok, STRBUF_NO_CAP);
		strbuf_init(&back, STRBUF_NO_CAP);
		ids_token_encode(plains[i], &tok);
		assert_null(strpbrk(tok.buf, "+/="));
		assert_int_equal(ids_token_decode(tok.buf, &back), 0);
		assert_string_equal(back.buf, plains[i]);
		strbuf_release(&tok);
		strbuf_release(&back);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strbuf back;
		strbuf_init(&back, STRBUF_NO_CAP);
		assert_int_equal(ids_token_decode(bad[i], &back), -EINVAL);
		strbuf_release(&back);
	}
}

static void test_ids(void **state)
{
	struct prng a, b;
	char id1[13], id2[13], uuid[37], ts[32];

	(void)state;
	prng_seed(&a, 9);
	prng_seed(&b, 9);
	ids_random(&a, IDS_LOWER_ALNUM, 12, id1);
	ids_random(&b, IDS_LOWER_ALNUM, 12, id2);
	assert_string_equal(id1, id2);
	assert_int_equal(strspn(id1, IDS_LOWER_ALNUM), 12);
	ids_uuid(&a, uuid);
	assert_int_equal(strlen(uuid), 36);
	assert_int_equal(uuid[14], '4');
	ids_iso8601(1725148800123LL, 1, ts);
	assert_string_equal(ts, "2024-09-01T00:00:00.123Z");
	ids_iso8601(1725148800123LL, 0, ts);
	assert_string_equal(ts, "2024-09-01T00:00:00Z");
}

static void test_patterns(void **state)
{
	struct patterns p;

	(void)state;
	assert_int_equal(patterns_init(&p), 0);
	assert_true(pattern_match(&p, PAT_BR_NAME, "tenant-a chat_1"));
	assert_true(pattern_match(&p, PAT_BR_NAME, "trailing-"));
	assert_false(pattern_match(&p, PAT_BR_NAME, "-leading"));
	assert_false(pattern_match(&p, PAT_BR_NAME, "double--sep"));
	assert_false(pattern_match(&p, PAT_BR_NAME, "bad!"));
	assert_true(pattern_match(&p, PAT_BR_DESCRIPTION, "Claims v1.2: chat"));
	assert_true(pattern_match(&p, PAT_BR_TOKEN, "15acfd04-0d3e-4b8a-9e3a-2f8f6a6a1c11"));
	assert_false(pattern_match(&p, PAT_BR_TOKEN, "-x"));
	assert_true(
		pattern_match(&p, PAT_BR_COPY_FROM,
			      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"));
	assert_true(pattern_match(&p, PAT_BR_COPY_FROM,
				  "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0"));
	assert_false(pattern_match(&p, PAT_BR_COPY_FROM,
				   "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"));
	assert_true(pattern_match(&p, PAT_BR_PROFILE_IDENT, "abcd1234efgh"));
	assert_true(pattern_match(&p, PAT_BR_TAG, "bedrock-tenantd:tenant"));
	assert_false(pattern_match(&p, PAT_BR_TAG, "a,b"));
	assert_true(pattern_match(&p, PAT_SSM_TAG, "caf\xc3\xa9 d\xc3\xa9j\xc3\xa0"));
	assert_true(pattern_match(&p, PAT_IAM_PATH, "/"));
	assert_true(pattern_match(&p, PAT_IAM_PATH, "/apps/team/"));
	assert_false(pattern_match(&p, PAT_IAM_PATH, "/apps"));
	assert_true(pattern_match(&p, PAT_IAM_NAME, "tenant+app=1,x.y@z-w_v"));
	assert_false(pattern_match(&p, PAT_IAM_NAME, "a b"));
	assert_true(pattern_match(&p, PAT_BUDGET_NUMERIC, "100.25"));
	assert_false(pattern_match(&p, PAT_BUDGET_NUMERIC, "1e3"));
	patterns_release(&p);
}

static void test_bad_bodies(void **state)
{
	struct awsim sim;
	struct req_spec s;
	char deep[512];

	(void)state;
	sim_setup(&sim, NULL, 0);
	s = ssm_call("GetParameter", "{\"Name\":");
	sim_expect(&sim, &s, 400, "SerializationException");
	s = ssm_call("GetParameter", "[1,2]");
	sim_expect(&sim, &s, 400, "SerializationException");
	s = ssm_call("GetParameter", "{\"Name\":5}");
	sim_expect(&sim, &s, 400, "SerializationException");
	s = ssm_call("GetParameter", "{}");
	sim_expect(&sim, &s, 400, "ValidationException");
	s = ssm_call("GetParametersByPath", "{\"Path\":\"/a\",\"MaxResults\":1.5}");
	sim_expect(&sim, &s, 400, "SerializationException");
	s = ssm_call("Nope", "{}");
	sim_expect(&sim, &s, 400, "UnknownOperationException");
	s = query_call("iam", "Action=GetRole&Version=2010-05-08");
	sim_expect(&sim, &s, 400, "ValidationError");
	s = query_call("iam", "Action=ListRoles&MaxItems=abc");
	sim_expect(&sim, &s, 400, "ValidationError");
	s = query_call("iam", "Action=Nope");
	sim_expect(&sim, &s, 400, "InvalidAction");
	s = query_call("iam", "Action=ListRoles&x=%G0");
	sim_expect(&sim, &s, 400, "MalformedInput");
	/* a FilterExpression nested past the limit is refused, not recursed into */
	snprintf(deep, sizeof(deep),
		 "{\"AccountId\":\"123456789012\",\"Budget\":{\"BudgetName\":\"d\",\"TimeUnit\":"
		 "\"MONTHLY\",\"BudgetType\":\"COST\",\"BudgetLimit\":{\"Amount\":\"1\",\"Unit\":\"USD\"},"
		 "\"FilterExpression\":");
	for (int i = 0; i < 12; i++)
		strcat(deep, "{\"Not\":");
	strcat(deep, "{\"Tags\":{\"Key\":\"k\"}}");
	for (int i = 0; i < 12; i++)
		strcat(deep, "}");
	strcat(deep, "}}");
	s = (struct req_spec){ 0 };
	s.service = "budgets";
	s.target = "AWSBudgetServiceGateway.CreateBudget";
	s.content_type = "application/x-amz-json-1.1";
	s.body = deep;
	sim_expect(&sim, &s, 400, "InvalidParameterException");
	awsim_release(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),	 cmocka_unit_test(test_tokens),	    cmocka_unit_test(test_ids),
		cmocka_unit_test(test_patterns), cmocka_unit_test(test_bad_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
