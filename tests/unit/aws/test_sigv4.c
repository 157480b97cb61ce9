/* SigV4: every case of AWS's own test suite (header form), plus the non-S3 double
 * encoding of an ARN in the path and the verifier's answers. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "sigv4.h"
#include "xalloc.h"

#define EXPECTED_CASES 38

static char *read_file(const char *dir, const char *name, size_t *ret_len)
{
	char *path = xasprintf("%s/%s/%s", SIGV4_SUITE_DIR, dir, name);
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	free(path);
	if (ret_len)
		*ret_len = (size_t)len;
	return buf;
}

struct parsed_request {
	char *text; /* owns every string below */
	char *method, *path, *query, *body;
	struct sigv4_header headers[32];
	size_t n_headers;
	size_t body_len;
};

/* Parse request.txt: request line, headers (continuation lines fold into the value),
 * blank line, body. */
static void parse_request(char *text, size_t len, struct parsed_request *r)
{
	char *line, *next, *sp;

	memset(r, 0, sizeof(*r));
	r->text = text;
	next = strchr(text, '\n');
	assert_non_null(next);
	*next++ = '\0';
	r->method = text;
	sp = strchr(text, ' ');
	*sp = '\0';
	r->path = sp + 1;
	sp = strrchr(r->path, ' ');
	*sp = '\0';
	r->query = strchr(r->path, '?');
	if (r->query)
		*r->query++ = '\0';

	while (next && *next && *next != '\n') {
		line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((*line == ' ' || *line == '\t') && r->n_headers) {
			/* continuation: the value spans lines; whitespace folds when canonicalized */
			line[-1] = ' ';
			continue;
		}
		sp = strchr(line, ':');
		assert_non_null(sp);
		*sp = '\0';
		r->headers[r->n_headers].name = line;
		r->headers[r->n_headers].value = sp + 1;
		r->n_headers++;
	}
	r->body = next && *next == '\n' ? next + 1 : (char *)"";
	r->body_len = strlen(r->body);
	(void)len;
}

static void run_case(const char *name)
{
	size_t len;
	char *ctx_text = read_file(name, "context.json", NULL);
	char *req_text = read_file(name, "request.txt", &len);
	char *want_creq = read_file(name, "header-canonical-request.txt", NULL);
	char *want_sts = read_file(name, "header-string-to-sign.txt", NULL);
	char *want_sig = read_file(name, "header-signature.txt", NULL);
	char *signed_req = read_file(name, "header-signed-request.txt", NULL);
	cJSON *ctx = cJSON_Parse(ctx_text);
	cJSON *creds = cJSON_GetObjectItem(ctx, "credentials");
	const char *akid = cJSON_GetObjectItem(creds, "access_key_id")->valuestring;
	const char *secret = cJSON_GetObjectItem(creds, "secret_access_key")->valuestring;
	cJSON *token = cJSON_GetObjectItem(creds, "token");
	const char *region = cJSON_GetObjectItem(ctx, "region")->valuestring;
	const char *service = cJSON_GetObjectItem(ctx, "service")->valuestring;
	bool normalize = cJSON_IsTrue(cJSON_GetObjectItem(ctx, "normalize"));
	bool sign_body = cJSON_IsTrue(cJSON_GetObjectItem(ctx, "sign_body"));
	bool omit_token = cJSON_IsTrue(cJSON_GetObjectItem(ctx, "omit_session_token"));
	struct parsed_request pr;
	struct sigv4_request req;
	struct sigv4_credentials c = { akid, secret, NULL };
	struct sigv4_authorization auth;
	struct strbuf creq, sts, authz;
	char amz_date[SIGV4_AMZ_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1], sig[SIGV4_HEX_LEN + 1];
	time_t when;
	char *want_authz;

	print_message("case %s\n", name);
	assert_non_null(ctx);
	assert_int_equal(sigv4_parse_date("20150830T123600Z", &when), 0);
	sigv4_format_date(when, amz_date);
	assert_string_equal(amz_date, "20150830T123600Z");

	parse_request(req_text, len, &pr);
	sigv4_hash_hex(pr.body, pr.body_len, hash);
	pr.headers[pr.n_headers++] = (struct sigv4_header){ "X-Amz-Date", amz_date };
	if (token && !omit_token) {
		c.session_token = token->valuestring;
		pr.headers[pr.n_headers++] = (struct sigv4_header){ "X-Amz-Security-Token", token->valuestring };
	}
	if (sign_body)
		pr.headers[pr.n_headers++] = (struct sigv4_header){ "X-Amz-Content-Sha256", hash };
	req = (struct sigv4_request){ .method = pr.method,
				      .path = pr.path,
				      .query = pr.query,
				      .headers = pr.headers,
				      .n_headers = pr.n_headers,
				      .payload_hash = hash,
				      .normalize_path = normalize };

	strbuf_init(&creq, STRBUF_NO_CAP);
	strbuf_init(&sts, STRBUF_NO_CAP);
	strbuf_init(&authz, STRBUF_NO_CAP);
	assert_int_equal(sigv4_canonical_request(&req, NULL, &creq), 0);
	assert_string_equal(creq.buf, want_creq);
	assert_int_equal(sigv4_string_to_sign(amz_date, region, service, creq.buf, &sts), 0);
	assert_string_equal(sts.buf, want_sts);
	sigv4_signature(secret, amz_date, region, service, sts.buf, sig);
	assert_string_equal(sig, want_sig);
	assert_int_equal(sigv4_authorization(&req, &c, region, service, amz_date, &authz), 0);
	want_authz = strstr(signed_req, "Authorization:");
	assert_non_null(want_authz);
	want_authz += strlen("Authorization:");
	want_authz[strcspn(want_authz, "\n")] = '\0';
	assert_string_equal(authz.buf, want_authz);

	/* The verifier accepts exactly this signature, and only with the right secret. */
	assert_int_equal(sigv4_parse_authorization(authz.buf, &auth), 0);
	assert_string_equal(auth.access_key_id, akid);
	assert_string_equal(auth.region, region);
	assert_string_equal(auth.service, service);
	assert_int_equal(sigv4_verify(&req, &auth, secret, amz_date), 0);
	assert_int_equal(sigv4_verify(&req, &auth, "wrong-secret", amz_date), -EPERM);
	sigv4_authorization_release(&auth);

	strbuf_release(&creq);
	strbuf_release(&sts);
	strbuf_release(&authz);
	cJSON_Delete(ctx);
	free(ctx_text);
	free(req_text);
	free(want_creq);
	free(want_sts);
	free(want_sig);
	free(signed_req);
}

static void test_suite_case(void **state)
{
	run_case(*state);
}

/* Bedrock and every other non-S3 REST service: an ARN label, encoded once on the
 * wire, is encoded again in the canonical URI (aws-wire.md 1.6, captured from the
 * official SDK). */
static void test_double_encoded_arn_path(void **state)
{
	struct sigv4_header headers[] = {
		{ "host", "bedrock.us-east-1.amazonaws.com" },
		{ "x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "x-amz-date", "20240910T120000Z" },
	};
	struct sigv4_request req = {
		.method = "GET",
		.path = "/inference-profiles/"
			"arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabcd1234efgh",
		.headers = headers,
		.n_headers = 3,
		.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		.normalize_path = true,
	};
	struct strbuf creq;

	strbuf_init(&creq, STRBUF_NO_CAP);
	assert_int_equal(sigv4_canonical_request(&req, NULL, &creq), 0);
	assert_string_equal(creq.buf,
			    "GET\n"
			    "/inference-profiles/"
			    "arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Aapplication-inference-profile%"
			    "252Fabcd1234efgh\n"
			    "\n"
			    "host:bedrock.us-east-1.amazonaws.com\n"
			    "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
			    "x-amz-date:20240910T120000Z\n"
			    "\n"
			    "host;x-amz-content-sha256;x-amz-date\n"
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	strbuf_release(&creq);
}

static void test_query_sorted_and_reencoded(void **state)
{
	struct sigv4_header headers[] = { { "host", "h" } };
	struct sigv4_request req = { .method = "GET",
				     .path = "/inference-profiles",
				     .query = "type=APPLICATION&nextToken=ab%2bc%2Fd%3D%3D&maxResults=100",
				     .headers = headers,
				     .n_headers = 1,
				     .payload_hash = "x",
				     .normalize_path = true };
	struct strbuf creq;

	strbuf_init(&creq, STRBUF_NO_CAP);
	assert_int_equal(sigv4_canonical_request(&req, NULL, &creq), 0);
	assert_non_null(strstr(creq.buf, "\nmaxResults=100&nextToken=ab%2Bc%2Fd%3D%3D&type=APPLICATION\n"));
	strbuf_release(&creq);

	req.query = "bad=%zz";
	strbuf_init(&creq, STRBUF_NO_CAP);
	assert_int_equal(sigv4_canonical_request(&req, NULL, &creq), -EINVAL);
	strbuf_release(&creq);
}

static void test_missing_signed_header(void **state)
{
	struct sigv4_header headers[] = { { "host", "h" }, { "x-amz-date", "20150830T123600Z" } };
	struct sigv4_request req = { .method = "GET",
				     .path = "/",
				     .headers = headers,
				     .n_headers = 2,
				     .payload_hash = "x",
				     .normalize_path = true };
	struct strbuf creq;

	strbuf_init(&creq, STRBUF_NO_CAP);
	assert_int_equal(sigv4_canonical_request(&req, "host;x-amz-date;x-amz-target", &creq), -ENOENT);
	strbuf_release(&creq);
}

static void test_parse_authorization(void **state)
{
	struct sigv4_authorization a;
	const char *sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
	char *good = xasprintf("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/bedrock/aws4_request,"
			       "SignedHeaders=host;x-amz-date,Signature=%s",
			       sig);

	assert_int_equal(sigv4_parse_authorization(good, &a), 0);
	assert_string_equal(a.access_key_id, "AKID");
	assert_string_equal(a.date, "20150830");
	assert_string_equal(a.service, "bedrock");
	assert_string_equal(a.signed_headers, "host;x-amz-date");
	assert_string_equal(a.signature, sig);
	sigv4_authorization_release(&a);
	free(good);

	assert_int_equal(sigv4_parse_authorization("Basic abc", &a), -EINVAL);
	assert_int_equal(sigv4_parse_authorization("AWS4-HMAC-SHA256 Credential=A/B/C/D/aws4_request, "
						   "SignedHeaders=host, Signature=00",
						   &a),
			 -EINVAL);
	assert_int_equal(sigv4_parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host", &a), -EINVAL);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	struct CMUnitTest tests[EXPECTED_CASES + 8];
	char *names[EXPECTED_CASES + 8];
	size_t n = 0, total;
	DIR *d = opendir(SIGV4_SUITE_DIR);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "cannot open %s: %s\n", SIGV4_SUITE_DIR, strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		if (n == EXPECTED_CASES + 1)
			break;
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n != EXPECTED_CASES) {
		fprintf(stderr, "expected %d test-suite cases, found %zu\n", EXPECTED_CASES, n);
		return 1;
	}
	qsort(names, n, sizeof(names[0]), cmp_name);
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ names[i], test_suite_case, NULL, NULL, names[i] };
	total = n;
	tests[total++] = (struct CMUnitTest)cmocka_unit_test(test_double_encoded_arn_path);
	tests[total++] = (struct CMUnitTest)cmocka_unit_test(test_query_sorted_and_reencoded);
	tests[total++] = (struct CMUnitTest)cmocka_unit_test(test_missing_signed_header);
	tests[total++] = (struct CMUnitTest)cmocka_unit_test(test_parse_authorization);
	int rc = _cmocka_run_group_tests("sigv4", tests, total, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}
