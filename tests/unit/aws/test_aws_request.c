/* aws_request: the wire form of each protocol (as the official SDK sends it, from
 * aws-wire.md's captures) and a signature that sigv4_verify accepts, including the
 * double-encoded ARN in a Bedrock path and the session token. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "aws_json.h"
#include "aws_request.h"
#include "xalloc.h"

#define NOW 1725969600 /* 2024-09-10T12:00:00Z */

static const struct sigv4_credentials creds = {
	.access_key_id = "AKIDEXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	.session_token = "FQoGZXIvYXdzEXAMPLETOKEN",
};

/* Re-verify the signature the way awsim does: from the URL's raw path and query. */
static void verify(const struct aws_request *r, const struct aws_signed_request *s)
{
	struct sigv4_authorization auth;
	struct sigv4_header h[16];
	struct sigv4_request v;
	char hash[SIGV4_HEX_LEN + 1];
	const char *p = strstr(s->url, "://") + 3, *q;
	char *path, *query = NULL;
	size_t n = 0;

	p = strchr(p, '/');
	q = strchr(p, '?');
	path = q ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
	if (q)
		query = xstrdup(q + 1);
	for (size_t i = 0; i < s->n_headers; i++)
		if (strcasecmp(s->headers[i].name, "Authorization") != 0)
			h[n++] = (struct sigv4_header){ s->headers[i].name, s->headers[i].value };
	sigv4_hash_hex(r->body.buf, r->body.len, hash);
	v = (struct sigv4_request){ r->method, path, query, h, n, hash, true };
	assert_int_equal(sigv4_parse_authorization(aws_signed_request_header(s, "Authorization"), &auth), 0);
	assert_int_equal(sigv4_verify(&v, &auth, creds.secret_access_key, aws_signed_request_header(s, "X-Amz-Date")),
			 0);
	assert_string_equal(auth.access_key_id, "AKIDEXAMPLE");
	/* a different secret fails */
	assert_int_equal(sigv4_verify(&v, &auth, "other", aws_signed_request_header(s, "X-Amz-Date")), -EPERM);
	sigv4_authorization_release(&auth);
	free(path);
	free(query);
}

static struct aws_endpoint endpoint(const char *url, const char *region)
{
	struct aws_endpoint e;

	assert_int_equal(aws_endpoint_parse_url(url, &e), 0);
	e.signing_region = xstrdup(region);
	return e;
}

static void test_rest_json_arn_label(void **state)
{
	struct aws_endpoint e = endpoint("https://bedrock.us-east-1.amazonaws.com", "us-east-1");
	struct aws_signed_request s;
	struct aws_request r;
	struct strbuf path;
	struct sigv4_authorization auth;

	strbuf_init(&path, STRBUF_NO_CAP);
	strbuf_adds(&path, "/inference-profiles/");
	aws_path_label(&path, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh");
	aws_request_init(&r, AWS_BEDROCK, "GetInferenceProfile", "GET", path.buf);
	assert_int_equal(aws_request_sign(&r, &e, &creds, NOW, "bedrock-tenantd/test", &s), 0);
	assert_string_equal(s.url, "https://bedrock.us-east-1.amazonaws.com/inference-profiles/"
				   "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%"
				   "2Fabcd1234efgh");
	assert_string_equal(aws_signed_request_header(&s, "Host"), "bedrock.us-east-1.amazonaws.com");
	assert_string_equal(aws_signed_request_header(&s, "X-Amz-Date"), "20240910T120000Z");
	assert_string_equal(aws_signed_request_header(&s, "X-Amz-Content-Sha256"),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_string_equal(aws_signed_request_header(&s, "X-Amz-Security-Token"), creds.session_token);
	assert_null(aws_signed_request_header(&s, "Content-Type"));
	assert_int_equal(sigv4_parse_authorization(aws_signed_request_header(&s, "Authorization"), &auth), 0);
	assert_string_equal(auth.signed_headers, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
	assert_string_equal(auth.region, "us-east-1");
	assert_string_equal(auth.service, "bedrock");
	assert_string_equal(auth.date, "20240910");
	sigv4_authorization_release(&auth);
	verify(&r, &s);
	aws_signed_request_release(&s);
	aws_request_release(&r);
	strbuf_release(&path);
	aws_endpoint_release(&e);
}

static void test_rest_json_query_and_body(void **state)
{
	struct aws_endpoint e = endpoint("http://127.0.0.1:4566/prefix", "eu-west-1");
	struct aws_signed_request s;
	struct aws_request r;
	cJSON *body = aws_json_new_object();

	aws_request_init(&r, AWS_BEDROCK, "ListInferenceProfiles", "GET", "/inference-profiles");
	aws_request_add_query(&r, "maxResults", "100");
	aws_request_add_query(&r, "nextToken", "ab+c/d==");
	aws_request_add_query(&r, "type", "APPLICATION");
	assert_int_equal(aws_request_sign(&r, &e, &creds, NOW, NULL, &s), 0);
	assert_string_equal(s.url,
			    "http://127.0.0.1:4566/prefix/inference-profiles?maxResults=100&nextToken=ab%2Bc%2Fd%"
			    "3D%3D&type=APPLICATION");
	assert_string_equal(aws_signed_request_header(&s, "Host"), "127.0.0.1:4566");
	verify(&r, &s);
	aws_signed_request_release(&s);
	aws_request_release(&r);

	aws_request_init(&r, AWS_BEDROCK, "TagResource", "POST", "/tagResource");
	aws_json_add_str(body, "resourceARN", "arn:x");
	aws_request_set_json(&r, body);
	assert_int_equal(aws_request_sign(&r, &e, &creds, NOW, NULL, &s), 0);
	assert_string_equal(r.body.buf, "{\"resourceARN\":\"arn:x\"}");
	assert_string_equal(aws_signed_request_header(&s, "Content-Type"), "application/json");
	verify(&r, &s);
	aws_signed_request_release(&s);
	aws_request_release(&r);
	cJSON_Delete(body);
	aws_endpoint_release(&e);
}

static void test_aws_json(void **state)
{
	struct aws_endpoint e = endpoint("https://budgets.amazonaws.com", "us-east-1");
	struct aws_signed_request s;
	struct aws_request r;
	struct sigv4_authorization auth;
	cJSON *body = aws_json_new_object();

	aws_json_add_str(body, "AccountId", "123456789012");
	aws_request_init_json(&r, AWS_BUDGETS, "DescribeBudgets", body);
	assert_int_equal(aws_request_sign(&r, &e, &creds, NOW, NULL, &s), 0);
	assert_string_equal(s.url, "https://budgets.amazonaws.com/");
	assert_string_equal(aws_signed_request_header(&s, "X-Amz-Target"), "AWSBudgetServiceGateway.DescribeBudgets");
	assert_string_equal(aws_signed_request_header(&s, "Content-Type"), "application/x-amz-json-1.1");
	assert_int_equal(sigv4_parse_authorization(aws_signed_request_header(&s, "Authorization"), &auth), 0);
	assert_string_equal(auth.signed_headers,
			    "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target");
	assert_string_equal(auth.service, "budgets");
	sigv4_authorization_release(&auth);
	verify(&r, &s);
	aws_signed_request_release(&s);
	aws_request_release(&r);
	cJSON_Delete(body);
	aws_endpoint_release(&e);
}

static void test_query_form(void **state)
{
	struct aws_endpoint e = endpoint("https://iam.amazonaws.com", "us-east-1");
	struct aws_signed_request s;
	struct aws_request r;
	struct sigv4_credentials no_token = { "AKIDEXAMPLE", creds.secret_access_key, NULL };

	aws_request_init_query(&r, AWS_IAM, "PutRolePolicy");
	aws_request_add_form(&r, "RoleName", "tenant-a");
	aws_request_add_form(&r, "PolicyName", "bedrock-invoke");
	aws_request_add_form(&r, "PolicyDocument", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	aws_request_add_formf(&r, "MaxItems", "%d", 1000);
	assert_string_equal(r.body.buf,
			    "Action=PutRolePolicy&Version=2010-05-08&RoleName=tenant-a&PolicyName=bedrock-"
			    "invoke&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%"
			    "5B%5D%7D&MaxItems=1000");
	assert_int_equal(aws_request_sign(&r, &e, &no_token, NOW, NULL, &s), 0);
	assert_null(aws_signed_request_header(&s, "X-Amz-Security-Token"));
	assert_string_equal(aws_signed_request_header(&s, "Content-Type"), "application/x-www-form-urlencoded");
	verify(&r, &s);
	aws_signed_request_release(&s);
	aws_request_release(&r);
	aws_endpoint_release(&e);
}

static void test_unsigned(void **state)
{
	struct aws_endpoint e = endpoint("https://sts.us-east-1.amazonaws.com", "us-east-1");
	struct aws_signed_request s;
	struct aws_request r;

	aws_request_init_query(&r, AWS_STS, "AssumeRoleWithWebIdentity");
	assert_int_equal(aws_request_sign(&r, &e, NULL, NOW, NULL, &s), -EINVAL);
	r.unsigned_request = true;
	assert_int_equal(aws_request_sign(&r, &e, NULL, NOW, "ua", &s), 0);
	assert_null(aws_signed_request_header(&s, "Authorization"));
	assert_null(aws_signed_request_header(&s, "X-Amz-Date"));
	assert_string_equal(aws_signed_request_header(&s, "user-agent"), "ua");
	aws_signed_request_release(&s);
	aws_request_release(&r);
	aws_endpoint_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rest_json_arn_label),
		cmocka_unit_test(test_rest_json_query_and_body),
		cmocka_unit_test(test_aws_json),
		cmocka_unit_test(test_query_form),
		cmocka_unit_test(test_unsigned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
