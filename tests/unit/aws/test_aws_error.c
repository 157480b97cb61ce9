/* aws_error: every error shape of the protocols the daemon speaks, sanitized codes,
 * classes, errno mapping, message hygiene. Answers are shaped like aws-wire.md's
 * captures. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws_error.h"
#include "strbuf.h"

static void parse(enum aws_protocol proto, int status, const char *header, const char *body, struct aws_error *e)
{
	struct aws_error_answer a = {
		.protocol = proto,
		.http_status = status,
		.error_type_header = header,
		.request_id_header = NULL,
		.body = body,
		.body_len = body ? strlen(body) : 0,
	};

	aws_error_init(e);
	aws_error_parse(&a, e);
}

static void test_rest_json_header_with_coral_suffix(void **state)
{
	struct aws_error e;

	parse(AWS_PROTO_REST_JSON, 404,
	      "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.bedrock/",
	      "{\"message\":\"Inference profile abc not found\"}", &e);
	assert_string_equal(e.code, "ResourceNotFoundException");
	assert_string_equal(e.message, "Inference profile abc not found");
	assert_int_equal(e.http_status, 404);
	assert_int_equal(e.status, -ENOENT);
	assert_int_equal(e.class, AWS_ERROR_TERMINAL);
	aws_error_release(&e);
}

static void test_rest_json_body_type_with_namespace(void **state)
{
	struct aws_error e;

	parse(AWS_PROTO_REST_JSON, 400, NULL,
	      "{\"__type\":\"com.amazonaws.bedrock#ConflictException\",\"Message\":\"x\"}", &e);
	assert_string_equal(e.code, "ConflictException");
	assert_string_equal(e.message, "x");
	assert_int_equal(e.class, AWS_ERROR_RETRYABLE);
	assert_int_equal(e.status, -EEXIST);
	aws_error_release(&e);
	/* restJson1 reads "code" before "__type" */
	parse(AWS_PROTO_REST_JSON, 400, NULL, "{\"code\":\"ValidationException\",\"__type\":\"Other\"}", &e);
	assert_string_equal(e.code, "ValidationException");
	assert_int_equal(e.status, -EINVAL);
	aws_error_release(&e);
	/* and the header before both */
	parse(AWS_PROTO_REST_JSON, 429, "ThrottlingException", "{\"code\":\"Other\"}", &e);
	assert_string_equal(e.code, "ThrottlingException");
	assert_int_equal(e.class, AWS_ERROR_THROTTLING);
	assert_int_equal(e.status, -EAGAIN);
	aws_error_release(&e);
}

static void test_aws_json(void **state)
{
	struct aws_error e;

	parse(AWS_PROTO_JSON_1_1, 400, NULL, "{\"__type\":\"NotFoundException\",\"Message\":\"budget missing\"}", &e);
	assert_string_equal(e.code, "NotFoundException");
	assert_string_equal(e.message, "budget missing");
	assert_int_equal(e.status, -ENOENT);
	aws_error_release(&e);
	/* awsJson reads __type before the header */
	parse(AWS_PROTO_JSON_1_1, 400, "Other", "{\"__type\":\"ParameterAlreadyExists\",\"message\":\"exists\"}", &e);
	assert_string_equal(e.code, "ParameterAlreadyExists");
	assert_int_equal(e.status, -EEXIST);
	aws_error_release(&e);
	parse(AWS_PROTO_JSON_1_1, 400, NULL, "{\"__type\":\"TooManyUpdates\"}", &e);
	assert_int_equal(e.class, AWS_ERROR_RETRYABLE);
	aws_error_release(&e);
	parse(AWS_PROTO_JSON_1_1, 400, NULL, "{\"__type\":\"ThrottledException\",\"Message\":\"Rate exceeded\"}",
	      &e); /* Tagging */
	assert_int_equal(e.class, AWS_ERROR_THROTTLING);
	aws_error_release(&e);
	parse(AWS_PROTO_JSON_1_1, 500, NULL, "{\"__type\":\"InternalErrorException\"}", &e);
	assert_int_equal(e.class, AWS_ERROR_RETRYABLE);
	assert_int_equal(e.status, -EIO);
	aws_error_release(&e);
	/* no body at all: the header still names it */
	parse(AWS_PROTO_JSON_1_1, 400, "AccessDeniedException:http://x", "", &e);
	assert_string_equal(e.code, "AccessDeniedException");
	assert_int_equal(e.status, -EACCES);
	aws_error_release(&e);
}

static void test_query_xml(void **state)
{
	struct aws_error e;

	parse(AWS_PROTO_QUERY, 404, NULL,
	      "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
	      "<Code>NoSuchEntity</Code><Message>The role with name r cannot be found.</Message></Error>"
	      "<RequestId>4a2c-11</RequestId></ErrorResponse>",
	      &e);
	assert_string_equal(e.code, "NoSuchEntity");
	assert_string_equal(e.message, "The role with name r cannot be found.");
	assert_string_equal(e.request_id, "4a2c-11");
	assert_int_equal(e.status, -ENOENT);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 409, NULL,
	      "<ErrorResponse><Error><Code>LimitExceeded</Code><Message>Maximum policy size of 10240 bytes "
	      "exceeded</Message></Error></ErrorResponse>",
	      &e);
	assert_int_equal(e.class, AWS_ERROR_TERMINAL);
	assert_int_equal(e.status, -EDQUOT);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 409, NULL,
	      "<ErrorResponse><Error><Code>ConcurrentModification</Code></Error></ErrorResponse>", &e);
	assert_int_equal(e.class, AWS_ERROR_RETRYABLE);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 400, NULL, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>", &e);
	assert_int_equal(e.class, AWS_ERROR_THROTTLING);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 403, NULL,
	      "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token included in the request "
	      "is expired</Message></Error></ErrorResponse>",
	      &e);
	assert_int_equal(e.status, -EPERM);
	aws_error_release(&e);
}

static void test_ec2_and_rest_xml(void **state)
{
	struct aws_error e;

	parse(AWS_PROTO_QUERY, 503, NULL,
	      "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow</Message></Error></Errors>"
	      "<RequestID>r-1</RequestID></Response>",
	      &e);
	assert_string_equal(e.code, "RequestLimitExceeded");
	assert_string_equal(e.request_id, "r-1");
	assert_int_equal(e.class, AWS_ERROR_THROTTLING);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 503, NULL, "<Error><Code>SlowDown</Code><RequestId>x</RequestId></Error>", &e);
	assert_string_equal(e.code, "SlowDown");
	assert_string_equal(e.request_id, "x");
	aws_error_release(&e);
}

static void test_unreadable_bodies_follow_status(void **state)
{
	struct aws_error e;

	parse(AWS_PROTO_REST_JSON, 502, NULL, "<html><body>Bad Gateway</body></html>", &e);
	assert_string_equal(e.code, "");
	assert_int_equal(e.class, AWS_ERROR_RETRYABLE);
	assert_int_equal(e.status, -EIO);
	assert_string_equal(e.message, "HTTP 502");
	aws_error_release(&e);
	parse(AWS_PROTO_JSON_1_1, 429, NULL, "{not json", &e);
	assert_int_equal(e.class, AWS_ERROR_THROTTLING);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 403, NULL, NULL, &e);
	assert_int_equal(e.class, AWS_ERROR_TERMINAL);
	assert_int_equal(e.status, -EACCES);
	aws_error_release(&e);
	parse(AWS_PROTO_QUERY, 400, NULL,
	      "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><ErrorResponse><Error><Code>&a;</Code></Error></ErrorResponse>", &e);
	assert_string_equal(e.code, ""); /* DTDs are refused */
	aws_error_release(&e);
}

static void test_headers_request_id_and_retry_after(void **state)
{
	struct aws_error e;
	struct aws_error_answer a = {
		.protocol = AWS_PROTO_REST_JSON,
		.http_status = 429,
		.error_type_header = "ThrottlingException",
		.request_id_header = "b7f3-c0de",
		.retry_after = "3",
		.body = "{}",
		.body_len = 2,
	};

	aws_error_init(&e);
	aws_error_parse(&a, &e);
	assert_string_equal(e.request_id, "b7f3-c0de");
	assert_int_equal(e.retry_after_ms, 3000);
	a.amz_retry_after = "1500";
	aws_error_parse(&a, &e);
	assert_int_equal(e.retry_after_ms, 1500);
	a.amz_retry_after = "soon";
	a.retry_after = "Wed, 21 Oct 2015 07:28:00 GMT";
	aws_error_parse(&a, &e);
	assert_int_equal(e.retry_after_ms, 0);
	aws_error_release(&e);
}

static void test_message_hygiene(void **state)
{
	struct aws_error e;
	char big[2000];

	/* Signature errors go on with the canonical request, session token included. */
	parse(AWS_PROTO_QUERY, 403, NULL,
	      "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
	      "does not match.\n\nThe Canonical String for this request should have been\n'POST\n/\n\n"
	      "x-amz-security-token:SECRETTOKEN'</Message></Error></ErrorResponse>",
	      &e);
	assert_string_equal(e.message, "The request signature we calculated does not match.");
	assert_null(strstr(e.message, "SECRETTOKEN"));
	assert_int_equal(e.status, -EPERM);
	aws_error_release(&e);

	memset(big, 'a', sizeof(big));
	memcpy(big, "{\"message\":\"", 12);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	parse(AWS_PROTO_REST_JSON, 400, "ValidationException", big, &e);
	assert_true(strlen(e.message) <= AWS_ERROR_MESSAGE_MAX);
	aws_error_release(&e);

	parse(AWS_PROTO_REST_JSON, 400, "ValidationException", "{\"message\":\"tab\\there \\u0001 and \\u00e9\"}", &e);
	assert_string_equal(e.message, "tab here   and \xc3\xa9");
	aws_error_redact(&e, "here");
	assert_string_equal(e.message, "tab ***   and \xc3\xa9");
	aws_error_release(&e);
}

/* A session token that straddles the point where the message is cut: masked first,
 * so not one fragment of it survives the cut (JSON and XML answers alike). */
static void test_secret_past_the_cut(void **state)
{
	static const char *const open[] = { "{\"message\":\"",
					    "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>" };
	static const char *const close[] = { " tail\"}", " tail</Message></Error></ErrorResponse>" };
	char token[701];
	const char *secrets[] = { "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token, NULL };
	struct aws_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(token) - 1; i++)
		token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"[(i * 7 + i / 38) % 38];
	token[sizeof(token) - 1] = '\0';
	for (size_t f = 0; f < 2; f++) {
		struct strbuf body;
		struct aws_error_answer a = { .protocol = f ? AWS_PROTO_QUERY : AWS_PROTO_REST_JSON,
					      .http_status = 403,
					      .secrets = secrets };
		/* 420 bytes of text, then the token: a cut at 512 would keep 92 bytes of it */
		strbuf_init(&body, STRBUF_NO_CAP);
		strbuf_adds(&body, open[f]);
		for (int i = 0; i < 420; i++)
			strbuf_addch(&body, '.');
		strbuf_adds(&body, token);
		strbuf_adds(&body, close[f]);
		a.body = body.buf;
		a.body_len = body.len;
		aws_error_init(&e);
		aws_error_parse(&a, &e);
		aws_error_redact(&e, token); /* as the AWS client does after parsing */
		assert_true(strlen(e.message) <= AWS_ERROR_MESSAGE_MAX);
		assert_non_null(strstr(e.message, "...***"));
		for (size_t i = 0; i + 6 <= strlen(token); i++) {
			char frag[7];
			memcpy(frag, token + i, 6);
			frag[6] = '\0';
			assert_null(strstr(e.message, frag));
		}
		aws_error_release(&e);
		strbuf_release(&body);
	}
}

static void test_sanitize(void **state)
{
	char out[64];

	aws_error_sanitize_code("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/", out,
				sizeof(out));
	assert_string_equal(out, "FooError");
	aws_error_sanitize_code("FooError", out, sizeof(out));
	assert_string_equal(out, "FooError");
	aws_error_sanitize_code(" FooError :x#y", out, sizeof(out));
	assert_string_equal(out, "FooError");
	aws_error_sanitize_code("", out, sizeof(out));
	assert_string_equal(out, "");
	aws_error_sanitize_code("VeryLongCodeName", out, 5);
	assert_string_equal(out, "Very");
}

static void test_local_errors(void **state)
{
	struct aws_error e, copy;

	aws_error_init(&e);
	aws_error_set_local(&e, -ETIMEDOUT, "", "POST %s: timed out", "ssm.us-east-1.amazonaws.com");
	aws_error_set_operation(&e, "PutParameter");
	assert_int_equal(e.class, AWS_ERROR_RETRYABLE);
	assert_int_equal(e.http_status, 0);
	aws_error_copy(&copy, &e);
	assert_string_equal(copy.operation, "PutParameter");
	assert_string_equal(copy.message, "POST ssm.us-east-1.amazonaws.com: timed out");
	aws_error_release(&copy);
	aws_error_set_local(&e, -EPROTO, "", "TLS");
	assert_int_equal(e.class, AWS_ERROR_TERMINAL);
	aws_error_release(&e);
	assert_string_equal(aws_error_class_name(AWS_ERROR_THROTTLING), "throttling");
}

static void test_errno_mapping(void **state)
{
	assert_int_equal(aws_error_errno(400, "ServiceQuotaExceededException"), -EDQUOT);
	assert_int_equal(aws_error_errno(400, "TooManyTagsException"), -EDQUOT);
	assert_int_equal(aws_error_errno(400, "ParameterNotFound"), -ENOENT);
	assert_int_equal(aws_error_errno(400, "DuplicateRecordException"), -EEXIST);
	assert_int_equal(aws_error_errno(409, "EntityAlreadyExists"), -EEXIST);
	assert_int_equal(aws_error_errno(400, "MalformedPolicyDocument"), -EINVAL);
	assert_int_equal(aws_error_errno(400, "InvalidNextTokenException"), -EINVAL);
	assert_int_equal(aws_error_errno(403, "UnrecognizedClientException"), -EPERM);
	assert_int_equal(aws_error_errno(400, "LimitExceededException"), -EAGAIN);
	assert_int_equal(aws_error_errno(409, "DeleteConflict"), -EREMOTEIO);
	assert_int_equal(aws_error_errno(503, ""), -EIO);
	assert_int_equal(aws_error_errno(418, NULL), -EREMOTEIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rest_json_header_with_coral_suffix),
		cmocka_unit_test(test_rest_json_body_type_with_namespace),
		cmocka_unit_test(test_aws_json),
		cmocka_unit_test(test_query_xml),
		cmocka_unit_test(test_ec2_and_rest_xml),
		cmocka_unit_test(test_unreadable_bodies_follow_status),
		cmocka_unit_test(test_headers_request_id_and_retry_after),
		cmocka_unit_test(test_message_hygiene),
		cmocka_unit_test(test_secret_past_the_cut),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_local_errors),
		cmocka_unit_test(test_errno_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
