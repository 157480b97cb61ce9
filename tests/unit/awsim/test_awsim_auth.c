/* The SigV4 checks of awsim (tests/awsim/auth.c) and the error each protocol
 * answers, with requests signed by daemon/aws/sigv4. */
#include "sim_fixture.h"

static const char *const regions[] = { "us-east-1", "eu-west-1" };

static int setup(void **state)
{
	struct awsim *sim = malloc(sizeof(*sim));

	sim_setup(sim, regions, 2);
	*state = sim;
	return 0;
}

static int teardown(void **state)
{
	awsim_release(*state);
	free(*state);
	return 0;
}

#define GET_PARAM  ssm_call("GetParameter", "{\"Name\":\"/x\"}")
#define LIST_ROLES query_call("iam", "Action=ListRoles&Version=2010-05-08")

static void test_valid_requests(void **state)
{
	struct req_spec s = GET_PARAM, b = { 0 };

	sim_expect(*state, &s, 400, "ParameterNotFound");
	s = LIST_ROLES;
	sim_expect(*state, &s, 200, "");
	s.region = "eu-west-1"; /* IAM is global: us-east-1 only */
	sim_expect(*state, &s, 403, "SignatureDoesNotMatch");
	/* an ARN in the path, double-encoded in the canonical request */
	b.service = "bedrock";
	b.method = "GET";
	b.path = "/inference-profiles/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-"
		 "profile%2Fabcd1234efgh";
	sim_expect(*state, &b, 404, "ResourceNotFoundException");
	b.path = "/inference-profiles";
	b.query = "type=APPLICATION&maxResults=2&nextToken=ab%2Bc%2Fd%3D%3D";
	sim_expect(*state, &b, 400, "ValidationException"); /* a token awsim never made */
}

static void test_missing_and_unknown(void **state)
{
	struct req_spec s = GET_PARAM;

	s.no_auth = true;
	sim_expect(*state, &s, 403, "MissingAuthenticationTokenException");
	s = LIST_ROLES;
	s.no_auth = true;
	sim_expect(*state, &s, 403, "MissingAuthenticationToken");
	s = GET_PARAM;
	s.akid = "AKIDUNKNOWN000000000";
	sim_expect(*state, &s, 403, "UnrecognizedClientException");
	s = LIST_ROLES;
	s.akid = "AKIDUNKNOWN000000000";
	sim_expect(*state, &s, 403, "InvalidClientTokenId");
}

static void test_wrong_secret(void **state)
{
	struct req_spec s = GET_PARAM;

	s.secret = "not-the-secret";
	sim_expect(*state, &s, 403, "InvalidSignatureException");
	s = LIST_ROLES;
	s.secret = "not-the-secret";
	sim_expect(*state, &s, 403, "SignatureDoesNotMatch");
}

static void test_required_headers(void **state)
{
	struct req_spec s = GET_PARAM;

	s.unsigned_header = "x-amz-target";
	sim_expect(*state, &s, 400, "IncompleteSignatureException");
	s = GET_PARAM;
	s.unsigned_header = "host";
	sim_expect(*state, &s, 400, "IncompleteSignatureException");
	s = LIST_ROLES;
	s.unsigned_header = "x-amz-date";
	sim_expect(*state, &s, 400, "IncompleteSignature");
	s = GET_PARAM;
	s.no_date = true;
	sim_expect(*state, &s, 400, "IncompleteSignatureException");
}

static void test_scope(void **state)
{
	struct req_spec s = GET_PARAM;

	s.region = "ap-south-1";
	sim_expect(*state, &s, 403, "InvalidSignatureException");
	s.region = "eu-west-1";
	sim_expect(*state, &s, 400, "ParameterNotFound");
	s = GET_PARAM;
	s.service = "budgets";
	sim_expect(*state, &s, 403, "InvalidSignatureException");
	s = LIST_ROLES;
	s.service = "sts"; /* the Action is IAM's */
	sim_expect(*state, &s, 403, "SignatureDoesNotMatch");
	s = query_call("sts", "Action=GetCallerIdentity&Version=2011-06-15");
	s.region = "eu-west-1"; /* STS answers in every configured region */
	sim_expect(*state, &s, 200, "");
}

static void test_clock_skew(void **state)
{
	struct req_spec s = GET_PARAM;

	s.when = time(NULL) - 310;
	sim_expect(*state, &s, 403, "InvalidSignatureException");
	s.when = time(NULL) + 310;
	sim_expect(*state, &s, 403, "InvalidSignatureException");
	s.when = time(NULL) - 250;
	sim_expect(*state, &s, 400, "ParameterNotFound");
	s = LIST_ROLES;
	s.when = time(NULL) - 3600;
	sim_expect(*state, &s, 403, "SignatureDoesNotMatch");
}

static void test_body_hash(void **state)
{
	struct req_spec s = GET_PARAM;

	s.content_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; /* of "" */
	sim_expect(*state, &s, 403, "InvalidSignatureException");
}

static void test_temporary_credentials(void **state)
{
	struct awsim *sim = *state;
	const struct credential *cr = auth_issue(sim, AWSIM_DEFAULT_ACCOUNT,
						 "arn:aws:sts::123456789012:assumed-role/r/s", "AROAX:s", 900, "test");
	char akid[32], secret[64], token[512];
	struct req_spec s = GET_PARAM;

	snprintf(akid, sizeof(akid), "%s", cr->akid);
	snprintf(secret, sizeof(secret), "%s", cr->secret);
	snprintf(token, sizeof(token), "%s", cr->token);
	s.akid = akid;
	s.secret = secret;
	s.token = token;
	sim_expect(sim, &s, 400, "ParameterNotFound");
	s.unsigned_header = "x-amz-security-token";
	sim_expect(sim, &s, 400, "IncompleteSignatureException");
	s.unsigned_header = NULL;
	s.token = NULL;
	sim_expect(sim, &s, 403, "UnrecognizedClientException");
	s.token = "wrong";
	sim_expect(sim, &s, 403, "UnrecognizedClientException");
	s.token = token;
	((struct credential *)omap_get(&sim->credentials, akid))->expires_ms = ids_now_ms() - 1;
	sim_expect(sim, &s, 403, "ExpiredTokenException");
	s = LIST_ROLES;
	s.akid = akid;
	s.secret = secret;
	s.token = token;
	sim_expect(sim, &s, 403, "ExpiredToken");
	s.token = NULL;
	s.akid = TEST_AKID; /* a static key must come without a session token */
	s.secret = TEST_SECRET;
	s.token = "unexpected";
	sim_expect(sim, &s, 403, "InvalidClientTokenId");
}

static void test_unsigned_web_identity(void **state)
{
	struct req_spec s = query_call("sts", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3A"
					      "iam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=web&WebIdentityToken="
					      "e30.eyJzdWIiOiJtZSJ9.c2ln");

	s.no_auth = true;
	sim_expect(*state, &s, 200, "");
	s.body = "Action=GetCallerIdentity&Version=2011-06-15";
	sim_expect(*state, &s, 403, "MissingAuthenticationToken");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_required_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temporary_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_web_identity, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
