/* The S3 client (ListObjectsV2, GetObject) and Bedrock's logging configuration on the
 * scripted server: the wire form, S3's SigV4 rules (x-amz-content-sha256, the path
 * signed encoded once and not normalized), path-style and virtual-hosted addressing,
 * S3's XML errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aws_fixture.h"
#include "bedrock_logging.h"
#include "s3.h"
#include "sigv4.h"
#include "xalloc.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void on_list(void *arg, int status, const struct aws_error *err, const struct s3_listing *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (err && err->code)
		snprintf(o->code, sizeof(o->code), "%s", err->code);
	if (l) {
		o->n = l->n;
		o->truncated = l->truncated;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].key : "");
		snprintf(o->token, sizeof(o->token), "%s", l->next_token ? l->next_token : "");
	}
}

static void on_object(void *arg, int status, const struct aws_error *err, const char *data, size_t len)
{
	struct fx_outcome *o = fx_answered(arg, status);

	if (err && err->code)
		snprintf(o->code, sizeof(o->code), "%s", err->code);
	if (data) {
		o->n = len;
		snprintf(o->first, sizeof(o->first), "%.*s", (int)len, data);
	}
}

/* Checks the request's signature the way S3 does: the canonical URI is the path as
 * sent, decoded once and encoded once; the double encoding every other service
 * uses must not match. */
static void assert_s3_signature(const struct test_request *req, const char *decoded_path, const char *query)
{
	const char *auth = test_request_header(req, "Authorization");
	struct sigv4_header h[8];
	struct sigv4_authorization a;
	struct sigv4_request sr;
	size_t n = 0;

	assert_non_null(auth);
	assert_int_equal(sigv4_parse_authorization(auth, &a), 0);
	assert_string_equal(a.service, "s3");
	for (size_t i = 0; i < req->n_headers && n < 8; i++)
		if (strcasecmp(req->names[i], "User-Agent") && strcasecmp(req->names[i], "Authorization") &&
		    strcasecmp(req->names[i], "Accept") && strcasecmp(req->names[i], "Content-Length"))
			h[n++] = (struct sigv4_header){ req->names[i], req->values[i] };
	sr = (struct sigv4_request){ .method = req->method,
				     .path = decoded_path,
				     .query = query,
				     .headers = h,
				     .n_headers = n,
				     .payload_hash = EMPTY_SHA256,
				     .normalize_path = false };
	assert_int_equal(sigv4_verify(&sr, &a, FIXTURE_SECRET, test_request_header(req, "X-Amz-Date")), 0);
	/* as sent (already encoded) and encoded again: not what S3 signs */
	{
		const char *target = req->target;
		char path[512];
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(target, "?"), target);
		sr.path = path;
		if (strcmp(path, decoded_path) != 0)
			assert_int_equal(sigv4_verify(&sr, &a, FIXTURE_SECRET, test_request_header(req, "X-Amz-Date")),
					 -EPERM);
	}
	sigv4_authorization_release(&a);
}

static void test_list_objects(void **state)
{
	struct fx_script s = {
		.answers = { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			     "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
			     "<Name>logs</Name><Prefix>p/AWSLogs/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
			     "<IsTruncated>true</IsTruncated>"
			     "<Contents><Key>p/AWSLogs/a.json.gz</Key><Size>120</Size></Contents>"
			     "<Contents><Key>p/AWSLogs/b.json.gz</Key><Size>99</Size></Contents>"
			     "<NextContinuationToken>tok/2=</NextContinuationToken></ListBucketResult>" },
		.n = 1
	};
	struct s3_list_input in = {
		.bucket = "logs", .prefix = "p/AWSLogs/", .start_after = "p/AWSLogs/0 0:0.json.gz", .path_style = true
	};
	struct fx_outcome o = { 0 };
	const struct test_request *req;
	struct fixture f;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(s3_list_objects(f.client, NULL, &(struct s3_list_input){ 0 }, on_list, &o), -EINVAL);
	assert_int_equal(s3_list_objects(f.client, NULL, &in, on_list, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 2);
	assert_true(o.truncated);
	assert_string_equal(o.first, "p/AWSLogs/a.json.gz");
	assert_string_equal(o.token, "tok/2=");
	req = test_server_request(f.server, 0);
	assert_string_equal(req->method, "GET");
	assert_string_equal(
		req->target,
		"/logs?list-type=2&max-keys=1000&prefix=p%2FAWSLogs%2F&start-after=p%2FAWSLogs%2F0%200%3A0.json.gz");
	assert_string_equal(test_request_header(req, "X-Amz-Content-Sha256"), EMPTY_SHA256);
	assert_s3_signature(
		req, "/logs",
		"list-type=2&max-keys=1000&prefix=p%2FAWSLogs%2F&start-after=p%2FAWSLogs%2F0%200%3A0.json.gz");

	/* the next page by continuation token */
	memset(&o, 0, sizeof(o));
	in.start_after = NULL;
	in.continuation_token = "tok/2=";
	assert_int_equal(s3_list_objects(f.client, NULL, &in, on_list, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_string_equal(test_server_request(f.server, 1)->target,
			    "/logs?list-type=2&continuation-token=tok%2F2%3D&max-keys=1000&prefix=p%2FAWSLogs%2F");
	assert_int_equal(fx_finish(&f), 0);
}

static void test_get_object(void **state)
{
	struct fx_script s = {
		.answers = { "line one\nline two\n",
			     "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The "
			     "specified key does not exist.</Message><Key>k</Key><RequestId>1</RequestId></Error>" },
		.n = 2,
		.status = { 200, 404 }
	};
	struct fx_outcome o = { 0 };
	const struct test_request *req;
	struct fixture f;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	/* a key with characters S3 wants encoded once: ' ', ':' and a "./" segment kept */
	assert_int_equal(s3_get_object(f.client, NULL, "logs", "AWSLogs/./a b:c.json.gz", true, 0, on_object, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 18);
	req = test_server_request(f.server, 0);
	assert_string_equal(req->target, "/logs/AWSLogs/./a%20b%3Ac.json.gz");
	assert_s3_signature(req, "/logs/AWSLogs/./a b:c.json.gz", NULL);

	memset(&o, 0, sizeof(o));
	assert_int_equal(s3_get_object(f.client, NULL, "logs", "k", true, 0, on_object, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_true(o.status < 0);
	assert_string_equal(o.code, "NoSuchKey");
	assert_int_equal(s3_get_object(f.client, NULL, "logs", "", true, 0, on_object, &o), -EINVAL);

	/* a bound of its own (usage.max_object_size): the object is read within it; one
	 * larger fails with -EMSGSIZE at once, not asked again */
	s.answers[2] = "0123456789";
	s.status[2] = 200;
	s.n = 3;
	memset(&o, 0, sizeof(o));
	assert_int_equal(s3_get_object(f.client, NULL, "logs", "small", true, 10, on_object, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 10);
	memset(&o, 0, sizeof(o));
	assert_int_equal(s3_get_object(f.client, NULL, "logs", "large", true, 9, on_object, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, -EMSGSIZE);
	assert_int_equal(test_server_requests(f.server), 4);
	assert_int_equal(fx_finish(&f), 0);
}

/* Virtual-hosted addressing: the bucket in the Host, not in the path (pure). */
static void test_virtual_hosted(void **state)
{
	struct aws_endpoint ep = { (char *)"https", (char *)"s3.us-east-1.amazonaws.com", (char *)"",
				   (char *)"us-east-1" };
	struct sigv4_credentials creds = { FIXTURE_AKID, FIXTURE_SECRET, NULL };
	struct aws_signed_request sr;
	struct aws_request r;

	(void)state;
	aws_request_init(&r, AWS_S3, "GetObject", "GET", "/AWSLogs/x.json.gz");
	r.host_prefix = xstrdup("logs.");
	assert_int_equal(aws_request_sign(&r, &ep, &creds, 1700000000, NULL, &sr), 0);
	assert_string_equal(sr.url, "https://logs.s3.us-east-1.amazonaws.com/AWSLogs/x.json.gz");
	assert_string_equal(aws_signed_request_header(&sr, "Host"), "logs.s3.us-east-1.amazonaws.com");
	aws_signed_request_release(&sr);
	aws_request_release(&r);
}

static void on_logging(void *arg, int status, const struct aws_error *err, const struct bedrock_logging *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l)
		snprintf(o->first, sizeof(o->first), "%s|%s|%d", l->s3_bucket ? l->s3_bucket : "-",
			 l->s3_prefix ? l->s3_prefix : "-", l->text);
}

static void on_done(void *arg, int status, const struct aws_error *err)
{
	(void)err;
	fx_answered(arg, status);
}

static void test_bedrock_logging(void **state)
{
	struct fx_script s = {
		.answers = { "{\"loggingConfig\":{\"s3Config\":{\"bucketName\":\"logs\",\"keyPrefix\":\"bedrock\"},"
			     "\"textDataDeliveryEnabled\":true}}",
			     "{}", "{}" },
		.n = 3
	};
	struct bedrock_logging want = { .s3_bucket = (char *)"logs", .s3_prefix = (char *)"p" };
	struct fx_outcome o = { 0 };
	struct fixture f;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(bedrock_get_logging(f.client, NULL, on_logging, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.first, "logs|bedrock|1");
	assert_string_equal(test_server_request(f.server, 0)->target, "/logging/modelinvocations");

	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_get_logging(f.client, NULL, on_logging, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_string_equal(o.first, "-|-|0"); /* {}: logging is off */

	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_put_logging(f.client, NULL, &want, on_done, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(test_server_request(f.server, 2)->method, "PUT");
	assert_string_equal(test_server_request(f.server, 2)->body,
			    "{\"loggingConfig\":{\"s3Config\":{\"bucketName\":\"logs\",\"keyPrefix\":\"p\"},"
			    "\"textDataDeliveryEnabled\":false,\"imageDataDeliveryEnabled\":false,"
			    "\"embeddingDataDeliveryEnabled\":false,\"videoDataDeliveryEnabled\":false}}");
	want.s3_bucket = NULL;
	assert_int_equal(bedrock_put_logging(f.client, NULL, &want, on_done, &o), -EINVAL);
	assert_int_equal(fx_finish(&f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_objects),
		cmocka_unit_test(test_get_object),
		cmocka_unit_test(test_virtual_hosted),
		cmocka_unit_test(test_bedrock_logging),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
