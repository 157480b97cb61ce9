/* The credential providers on the loop, against a scripted server playing IMDS, the
 * container endpoint and STS: the IMDSv2 token flow and its v1 fallback, container
 * credentials with an authorization token, AssumeRole for an account alias,
 * AssumeRoleWithWebIdentity, a refresh after ExpiredToken, and a refresh before
 * expiry on a fake clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_fixture.h"
#include "ssm.h"
#include "sts.h"
#include "xalloc.h"

struct world {
	unsigned creds_served; /* credential documents handed out */
	unsigned expired_once; /* answer ExpiredTokenException to the first SSM call */
	unsigned rejected;     /* answer UnrecognizedClientException to the next N SSM calls */
	unsigned ssm_calls;
	int token_status;	  /* IMDS token PUT answer (200 or 405) */
	char last_ssm_akid[64];	  /* the access key that signed the last SSM call */
	char last_imds_token[64]; /* X-aws-ec2-metadata-token of the last metadata GET */
	char last_auth[64];	  /* Authorization of the last container request */
	char last_sts_body[512];
	char last_sts_akid[64];
	const char *expiration; /* of the credentials handed out */
	/* the answers' Date header ("Date: ...\r\n"), AWS's clock; NULL: the test server's
	 * (the host's clock), as when the test does not fake the client's */
	const char *date;
};

static void akid_of(const struct test_request *req, char *out, size_t size)
{
	const char *a = test_request_header(req, "Authorization"), *p;

	snprintf(out, size, "%s", "");
	if (a && (p = strstr(a, "Credential=")))
		snprintf(out, size, "%.*s", (int)strcspn(p + 11, "/"), p + 11);
}

static char served[8][2048];

static const char *creds_doc(struct world *w)
{
	char *doc = served[w->creds_served % 8];

	w->creds_served++;
	snprintf(doc, sizeof(served[0]),
		 "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIA%u\",\"SecretAccessKey\":\"s%u\",\"Token\":\"t%u\","
		 "\"Expiration\":\"%s\"}",
		 w->creds_served, w->creds_served, w->creds_served, w->expiration);
	return doc;
}

static const char *sts_doc(struct world *w, const char *op)
{
	char *doc = served[w->creds_served % 8];

	w->creds_served++;
	snprintf(doc, sizeof(served[0]),
		 "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><%sResult><Credentials>"
		 "<AccessKeyId>ASIASTS%u</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
		 "<SessionToken>tok</SessionToken><Expiration>%s</Expiration></Credentials>"
		 "<AssumedRoleUser><Arn>arn:aws:sts::444455556666:assumed-role/x/bedrock-tenantd</Arn>"
		 "<AssumedRoleId>AROA:bedrock-tenantd</AssumedRoleId></AssumedRoleUser></%sResult>"
		 "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%sResponse>",
		 op, op, w->creds_served, w->expiration, op, op);
	return doc;
}

static void world(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	struct world *w = arg;
	const char *target = test_request_header(req, "X-Amz-Target"), *tok;

	*resp = (struct test_response){ TEST_RESPOND, 200, w->date, "{}" };
	if (strcmp(req->target, "/latest/api/token") == 0) {
		assert_string_equal(req->method, "PUT");
		assert_string_equal(test_request_header(req, "X-aws-ec2-metadata-token-ttl-seconds"), "21600");
		resp->status = w->token_status;
		resp->body = w->token_status == 200 ? "imds-token" : "";
	} else if (strncmp(req->target, "/latest/meta-data/iam/security-credentials/", 43) == 0) {
		tok = test_request_header(req, "X-aws-ec2-metadata-token");
		snprintf(w->last_imds_token, sizeof(w->last_imds_token), "%s", tok ? tok : "(none)");
		resp->body = req->target[43] ? creds_doc(w) : "instance-role\n";
	} else if (strcmp(req->target, "/creds") == 0) {
		tok = test_request_header(req, "Authorization");
		snprintf(w->last_auth, sizeof(w->last_auth), "%s", tok ? tok : "(none)");
		resp->body = creds_doc(w);
	} else if (strstr(req->body, "Action=AssumeRoleWithWebIdentity")) {
		snprintf(w->last_sts_body, sizeof(w->last_sts_body), "%s", req->body);
		akid_of(req, w->last_sts_akid, sizeof(w->last_sts_akid));
		resp->body = sts_doc(w, "AssumeRoleWithWebIdentity");
	} else if (strstr(req->body, "Action=AssumeRole")) {
		snprintf(w->last_sts_body, sizeof(w->last_sts_body), "%s", req->body);
		akid_of(req, w->last_sts_akid, sizeof(w->last_sts_akid));
		resp->body = sts_doc(w, "AssumeRole");
	} else if (target && strncmp(target, "AmazonSSM.", 10) == 0) {
		akid_of(req, w->last_ssm_akid, sizeof(w->last_ssm_akid));
		w->ssm_calls++;
		if (w->rejected) {
			w->rejected--;
			*resp = (struct test_response){ TEST_RESPOND, 400, NULL,
							"{\"__type\":\"UnrecognizedClientException\",\"message\":"
							"\"The security token included in the request is invalid.\"}" };
		} else if (w->expired_once) {
			w->expired_once = 0;
			*resp = (struct test_response){ TEST_RESPOND, 400, NULL,
							"{\"__type\":\"ExpiredTokenException\",\"message\":"
							"\"The security token included in the request is expired\"}" };
		}
	} else {
		resp->status = 404;
	}
}

struct outcome {
	int calls;
	int status;
	char code[64];
	char message[256];
};

static void on_done(void *arg, int status, const struct aws_error *err)
{
	struct outcome *o = arg;

	o->calls++;
	o->status = status;
	if (err) {
		snprintf(o->code, sizeof(o->code), "%s", err->code);
		snprintf(o->message, sizeof(o->message), "%s", err->message);
	}
}

static bool done(void *arg)
{
	return ((struct outcome *)arg)->calls > 0;
}

static void ssm_call(struct fixture *f, const struct aws_target *t, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(ssm_delete_parameter(f->client, t, "/p", on_done, o), 0);
	fx_run_until(f, done, o);
}

static char *url_of(struct fixture *f, const char *path)
{
	return xasprintf("%s%s", test_server_url(f->server), path);
}

/* start: the world's server, no static credentials, and the variable var set to the
 * server's URL with path; returns that URL (the caller frees it after fx_finish). More
 * of f->env and f->opts may be set before fx_client(). */
static char *start(struct fixture *f, struct world *w, const char *var, const char *path)
{
	char *url;

	fx_init(f, world, w);
	url = url_of(f, path);
	f->opts.credentials = NULL;
	f->env[0] = var;
	f->env[1] = url;
	return url;
}

static void test_imds_v2_and_v1(void **state)
{
	struct world w = { .token_status = 200, .expiration = "2099-01-01T00:00:00Z" };
	struct fixture f;
	struct outcome o;
	char *endpoint;

	endpoint = start(&f, &w, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "");
	assert_int_equal(fx_client(&f), 0);
	assert_string_equal(aws_client_credentials_origin(f.client), "imds");
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(w.last_imds_token, "imds-token");
	assert_string_equal(w.last_ssm_akid, "ASIA1");
	ssm_call(&f, NULL, &o); /* cached */
	assert_int_equal(w.creds_served, 1);
	assert_int_equal(fx_finish(&f), 0);

	free(endpoint);

	/* a token PUT refused with 405: IMDSv1 */
	w = (struct world){ .token_status = 405, .expiration = "2099-01-01T00:00:00Z" };
	endpoint = start(&f, &w, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "");
	assert_int_equal(fx_client(&f), 0);
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(w.last_imds_token, "(none)");
	assert_int_equal(fx_finish(&f), 0);

	free(endpoint);

	/* ... unless v1 is disabled */
	w = (struct world){ .token_status = 405, .expiration = "2099-01-01T00:00:00Z" };
	endpoint = start(&f, &w, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "");
	f.env[2] = "AWS_EC2_METADATA_V1_DISABLED";
	f.env[3] = "true";
	assert_int_equal(fx_client(&f), 0);
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, -ENOKEY);
	assert_string_equal(o.code, "CredentialsError");
	assert_non_null(strstr(o.message, "instance metadata"));
	assert_int_equal(fx_finish(&f), 0);
	free(endpoint);
}

static void test_container_and_expired_token(void **state)
{
	struct world w = { .expiration = "2099-01-01T00:00:00Z", .expired_once = 1 };
	struct fixture f;
	struct outcome o;
	struct aws_stats st;
	char *uri;

	uri = start(&f, &w, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "/creds");
	f.env[2] = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
	f.env[3] = "Basic c2VjcmV0";
	assert_int_equal(fx_client(&f), 0);
	assert_string_equal(aws_client_credentials_origin(f.client), "container");
	ssm_call(&f, NULL, &o);
	/* the first answer said the token expired: new credentials, one more attempt */
	assert_int_equal(o.status, 0);
	assert_int_equal(w.creds_served, 2);
	assert_string_equal(w.last_ssm_akid, "ASIA2");
	assert_string_equal(w.last_auth, "Basic c2VjcmV0");
	aws_client_stats(f.client, &st);
	assert_int_equal(st.service[AWS_SSM].retries, 1);
	assert_int_equal(st.creds[0].refreshes, 2);
	assert_string_equal(st.creds[0].origin, "container");
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
	free(uri);
}

static int64_t fake_now;
static char fake_date[64];

static int64_t fake_clock(void *arg)
{
	return fake_now;
}

/* AWS's clock agrees with the fake one: the answers say fake_now in their Date. */
static void fake_clock_moved(struct world *w)
{
	time_t t = (time_t)(fake_now / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(fake_date, sizeof(fake_date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
	w->date = fake_date;
}

static void test_refresh_before_expiry(void **state)
{
	struct world w = { .expiration = "2030-01-01T01:00:00Z" };
	struct fixture f;
	struct outcome o;
	char *uri;

	fake_now = 1893456000000LL; /* 2030-01-01T00:00:00Z */
	fake_clock_moved(&w);
	uri = start(&f, &w, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "/creds");
	f.opts.wall_ms = fake_clock;
	assert_int_equal(fx_client(&f), 0);
	ssm_call(&f, NULL, &o);
	assert_int_equal(w.creds_served, 1);
	/* 56 minutes later: inside the 5-minute margin, still valid: the call goes out
	 * with the old keys while new ones are fetched */
	fake_now += 56 * 60 * 1000;
	fake_clock_moved(&w);
	w.expiration = "2030-01-01T02:00:00Z";
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(w.last_ssm_akid, "ASIA1");
	ssm_call(&f, NULL, &o);
	assert_int_equal(w.creds_served, 2);
	assert_string_equal(w.last_ssm_akid, "ASIA2");
	/* past the expiry of the new ones: calls wait for a fetch */
	fake_now += 2 * 3600 * 1000;
	fake_clock_moved(&w);
	w.expiration = "2030-01-01T04:00:00Z";
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(w.creds_served, 3);
	assert_string_equal(w.last_ssm_akid, "ASIA3");
	assert_int_equal(fx_finish(&f), 0);
	free(uri);
}

static void test_assume_role_for_alias(void **state)
{
	struct world w = { .expiration = "2099-01-01T00:00:00Z" };
	struct aws_target prod = { .account = "prod", .region = "eu-west-1" };
	struct fixture f;
	struct outcome o;

	fx_init(&f, world, &w);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(aws_client_add_account(f.client, "prod", "arn:aws:iam::444455556666:role/tenantd", "ext-9"),
			 0);
	ssm_call(&f, &prod, &o);
	assert_int_equal(o.status, 0);
	/* STS was called with the default credentials, the SSM call with the role's */
	assert_string_equal(w.last_sts_akid, FIXTURE_AKID);
	assert_non_null(strstr(w.last_sts_body, "RoleArn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2Ftenantd"));
	assert_non_null(strstr(w.last_sts_body, "ExternalId=ext-9"));
	assert_non_null(strstr(w.last_sts_body, "RoleSessionName=bedrock-tenantd"));
	assert_string_equal(w.last_ssm_akid, "ASIASTS1");
	ssm_call(&f, NULL, &o); /* the default account is untouched */
	assert_string_equal(w.last_ssm_akid, FIXTURE_AKID);
	ssm_call(&f, &prod, &o); /* cached */
	assert_int_equal(w.creds_served, 1);
	assert_int_equal(fx_finish(&f), 0);
}

/* A session token the service does not recognize (the session revoked, or the service
 * restarted without it): the role is assumed again and the call tried once more; a
 * second refusal stands. Static keys refused alike are not tried again (no provider
 * to ask for others). */
static void test_unrecognized_session_assumes_again(void **state)
{
	struct world w = { .expiration = "2099-01-01T00:00:00Z" };
	struct aws_target prod = { .account = "prod", .region = "eu-west-1" };
	struct fixture f;
	struct outcome o;
	unsigned calls;

	fx_init(&f, world, &w);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(aws_client_add_account(f.client, "prod", "arn:aws:iam::444455556666:role/tenantd", NULL), 0);
	ssm_call(&f, &prod, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(w.creds_served, 1);

	w.rejected = 1;
	ssm_call(&f, &prod, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(w.creds_served, 2); /* the role assumed again */
	assert_string_equal(w.last_ssm_akid, "ASIASTS2");

	w.rejected = 2;
	calls = w.ssm_calls;
	ssm_call(&f, &prod, &o);
	assert_int_equal(o.status, -EPERM);
	assert_string_equal(o.code, "UnrecognizedClientException");
	assert_int_equal(w.ssm_calls, calls + 2);
	assert_int_equal(w.creds_served, 3);

	w.rejected = 1;
	calls = w.ssm_calls;
	ssm_call(&f, NULL, &o); /* the default account's static keys */
	assert_int_equal(o.status, -EPERM);
	assert_int_equal(w.ssm_calls, calls + 1);
	assert_int_equal(w.creds_served, 3);
	assert_int_equal(fx_finish(&f), 0);
}

static void sts_refuses(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	*resp = (struct test_response){ TEST_RESPOND, 403, NULL,
					"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>"
					"not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>" };
}

static void test_assume_role_refused(void **state)
{
	struct aws_target prod = { .account = "prod" };
	struct fixture f;
	struct outcome o;

	fx_init(&f, sts_refuses, NULL);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(aws_client_add_account(f.client, "prod", "arn:aws:iam::444455556666:role/tenantd", NULL), 0);
	ssm_call(&f, &prod, &o);
	assert_int_equal(o.status, -EACCES);
	assert_string_equal(o.code, "AccessDenied");
	assert_non_null(strstr(o.message, "arn:aws:iam::444455556666:role/tenantd"));
	assert_int_equal(fx_finish(&f), 0);
}

static void test_web_identity(void **state)
{
	struct world w = { .expiration = "2099-01-01T00:00:00Z" };
	char path[] = "/tmp/btd-token-XXXXXX";
	int fd = mkstemp(path);
	struct fixture f;
	struct outcome o;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "eyJhbGciOi.token\n", 17), 17);
	close(fd);
	fx_init(&f, world, &w);
	f.opts.credentials = NULL;
	f.env[0] = "AWS_WEB_IDENTITY_TOKEN_FILE";
	f.env[1] = path;
	f.env[2] = "AWS_ROLE_ARN";
	f.env[3] = "arn:aws:iam::1:role/irsa";
	assert_int_equal(fx_client(&f), 0);
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(w.last_sts_akid, ""); /* unsigned */
	/* the token file's newline is not part of the token */
	assert_non_null(strstr(w.last_sts_body, "&WebIdentityToken=eyJhbGciOi.token"));
	assert_null(strstr(w.last_sts_body, "%0A"));
	assert_non_null(strstr(w.last_sts_body, "RoleSessionName=bedrock-tenantd"));
	assert_string_equal(w.last_ssm_akid, "ASIASTS1");
	assert_int_equal(fx_finish(&f), 0);
	unlink(path);
}

static void test_profile_role(void **state)
{
	struct world w = { .expiration = "2099-01-01T00:00:00Z" };
	char dir[] = "/tmp/btd-profile-XXXXXX";
	struct fixture f;
	struct outcome o;
	char *file;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	file = xasprintf("%s/config", dir);
	fp = fopen(file, "w");
	fputs("[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = base\nregion = eu-north-1\n"
	      "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
	      fp);
	fclose(fp);
	fx_init(&f, world, &w);
	f.opts.credentials = NULL;
	f.opts.region = NULL;
	f.env[0] = "AWS_CONFIG_FILE";
	f.env[1] = file;
	f.env[2] = "AWS_PROFILE";
	f.env[3] = "ops";
	assert_int_equal(fx_client(&f), 0);
	assert_string_equal(aws_client_region(f.client), "eu-north-1");
	assert_string_equal(aws_client_credentials_origin(f.client), "profile ops");
	ssm_call(&f, NULL, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(w.last_sts_akid, "AKIDBASE");
	assert_string_equal(w.last_ssm_akid, "ASIASTS1");
	assert_int_equal(fx_finish(&f), 0);
	unlink(file);
	rmdir(dir);
	free(file);
}

static void test_no_credentials(void **state)
{
	struct world w = { 0 };
	struct fixture f;
	struct aws_error err;

	fx_init(&f, world, &w);
	f.opts.credentials = NULL;
	f.env[0] = "AWS_EC2_METADATA_DISABLED";
	f.env[1] = "true";
	aws_error_init(&err);
	assert_int_equal(aws_client_new(&f.loop, &f.opts, &f.client, &err), -ENOKEY);
	assert_non_null(strstr(err.message, "no AWS credentials"));
	aws_error_release(&err);
	f.client = NULL;
	f.opts.credentials = &fx_creds;
	f.opts.region = NULL;
	aws_error_init(&err);
	assert_int_equal(aws_client_new(&f.loop, &f.opts, &f.client, &err), -EINVAL);
	assert_string_equal(err.code, "InvalidRegion");
	aws_error_release(&err);
	f.client = NULL;
	assert_int_equal(fx_finish(&f), 0);
}

struct closer {
	struct fixture *f;
	int refreshed;
};

static void close_on_refresh(void *arg, const struct aws_event *ev)
{
	struct closer *c = arg;

	if (ev->type != AWS_EVENT_CREDS_REFRESHED)
		return;
	c->refreshed++;
	aws_client_close(c->f->client, fx_on_closed, c->f);
}

static void test_close_from_the_credentials_event(void **state)
{
	struct world w = { .expiration = "2099-01-01T00:00:00Z" };
	struct fixture f;
	struct closer c = { .f = &f };
	struct outcome a = { 0 }, b = { 0 };
	char *uri;

	uri = start(&f, &w, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "/creds");
	f.opts.event_cb = close_on_refresh;
	f.opts.event_arg = &c;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, "/a", on_done, &a), 0);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, "/b", on_done, &b), 0);
	fx_run_until(&f, fx_is_closed, &f);
	assert_int_equal(c.refreshed, 1);
	assert_int_equal(a.status, -ECANCELED);
	assert_int_equal(b.status, -ECANCELED);
	f.client = NULL;
	assert_int_equal(fx_finish(&f), 0);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imds_v2_and_v1),
		cmocka_unit_test(test_container_and_expired_token),
		cmocka_unit_test(test_refresh_before_expiry),
		cmocka_unit_test(test_assume_role_for_alias),
		cmocka_unit_test(test_unrecognized_session_assumes_again),
		cmocka_unit_test(test_assume_role_refused),
		cmocka_unit_test(test_web_identity),
		cmocka_unit_test(test_profile_role),
		cmocka_unit_test(test_no_credentials),
		cmocka_unit_test(test_close_from_the_credentials_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
