/* The credential chain against awsim's endpoints: an account alias's role assumed
 * through STS, refreshed when awsim expires it and ahead of its expiry; IMDSv2 and
 * the container endpoint as the default credentials; web identity; and a clean
 * close with calls waiting for credentials. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sts.h"
#include "awsim_harness.h"
#include "xalloc.h"

struct who {
	struct done d;
	char arn[256];
	char account[32];
};

static void on_identity(void *arg, int status, const struct aws_error *err, const struct sts_caller_identity *id)
{
	struct who *w = arg;

	done_record(&w->d, status, err);
	if (id) {
		snprintf(w->arn, sizeof(w->arn), "%s", id->arn);
		snprintf(w->account, sizeof(w->account), "%s", id->account);
	}
}

static int whoami(struct harness *h, const struct aws_target *t, struct who *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(sts_get_caller_identity(h->client, t, on_identity, w), 0);
	return harness_wait(h, &w->d);
}

static const struct aws_creds_stats *creds_named(const struct aws_stats *st, const char *name)
{
	for (size_t i = 0; i < st->n_creds; i++)
		if (strcmp(st->creds[i].name, name) == 0)
			return &st->creds[i];
	fail_msg("no credential source %s", name);
	abort(); /* not reached: fail_msg ends the test */
}

static int64_t skew_ms;

static int64_t skewed_clock(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + skew_ms;
}

static bool prod_refreshed_thrice(void *client)
{
	struct aws_stats st;
	bool yes;

	aws_client_stats(client, &st);
	yes = creds_named(&st, "prod")->refreshes == 3;
	aws_stats_release(&st);
	return yes;
}

static void test_alias_role_expires_and_refreshes(void **state)
{
	struct aws_target prod = { .account = "prod" };
	struct harness h;
	struct who w;
	struct aws_stats st;

	harness_init(&h, NULL);
	/* refresh 3500 s before expiry: a one-hour role is due for refresh 100 s after
	 * it was issued; the test moves the client's clock 2 minutes ahead (inside
	 * awsim's 5-minute skew window) instead of waiting */
	h.opts.refresh_margin_s = 3500;
	h.opts.wall_ms = skewed_clock;
	skew_ms = 0;
	assert_int_equal(harness_client(&h), 0);
	assert_int_equal(
		aws_client_add_account(h.client, "prod", "arn:aws:iam::444455556666:role/bedrock-tenantd", "ext-id-1"),
		0);
	assert_int_equal(whoami(&h, &prod, &w), 0);
	assert_string_equal(w.account, "444455556666");
	assert_non_null(strstr(w.arn, ":assumed-role/bedrock-tenantd/bedrock-tenantd"));
	assert_int_equal(whoami(&h, NULL, &w), 0); /* the default credentials are untouched */
	assert_string_equal(w.account, HARNESS_ACCOUNT);

	/* awsim expires every temporary credential: the next call is answered
	 * ExpiredToken, the client assumes the role again and retries once */
	assert_int_equal(awsim_admin(&h.sim, "PUT", "credentials/expire", "{}", NULL), 200);
	assert_int_equal(whoami(&h, &prod, &w), 0);
	assert_string_equal(w.account, "444455556666");
	aws_client_stats(h.client, &st);
	assert_int_equal(creds_named(&st, "prod")->refreshes, 2);
	assert_int_equal(creds_named(&st, "prod")->failures, 0);
	assert_int_equal(st.service[AWS_STS].retries, 1);
	aws_stats_release(&st);
	assert_int_equal(awsim_calls(&h.sim, "sts:AssumeRole", "ok"), 2);

	/* ahead of expiry: the call goes out with the current keys while new ones are
	 * fetched in the background */
	skew_ms = 120 * 1000;
	assert_int_equal(whoami(&h, &prod, &w), 0);
	harness_run_until(&h, prod_refreshed_thrice, h.client);
	assert_int_equal(awsim_calls(&h.sim, "sts:AssumeRole", "ok"), 3);
	assert_int_equal(whoami(&h, &prod, &w), 0);
	assert_int_equal(harness_finish(&h), 0);
}

static void test_imds(void **state)
{
	struct harness h;
	struct who w;
	const char *env[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL, NULL };
	struct aws_stats st;

	harness_init(&h, NULL);
	env[1] = h.sim.url;
	h.env = env;
	h.opts.credentials = NULL;
	assert_int_equal(harness_client(&h), 0);
	assert_string_equal(aws_client_credentials_origin(h.client), "imds");
	assert_int_equal(whoami(&h, NULL, &w), 0);
	assert_non_null(strstr(w.arn, ":assumed-role/awsim-instance-role/"));
	assert_int_equal(awsim_admin(&h.sim, "PUT", "credentials/expire", "{}", NULL), 200);
	assert_int_equal(whoami(&h, NULL, &w), 0);
	aws_client_stats(h.client, &st);
	assert_int_equal(creds_named(&st, "default")->refreshes, 2);
	assert_string_equal(creds_named(&st, "default")->origin, "imds");
	aws_stats_release(&st);
	assert_int_equal(harness_finish(&h), 0);
}

static void test_container(void **state)
{
	const char *args[] = { "--container-auth-token", "Bearer awsim-task-token", NULL };
	const char *env[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL, "AWS_CONTAINER_AUTHORIZATION_TOKEN",
			      "Bearer awsim-task-token", NULL };
	struct harness h;
	struct who w;
	char *uri;

	harness_init(&h, args);
	uri = xasprintf("%s/_awsim/container-credentials", h.sim.url);
	env[1] = uri;
	h.env = env;
	h.opts.credentials = NULL;
	assert_int_equal(harness_client(&h), 0);
	assert_string_equal(aws_client_credentials_origin(h.client), "container");
	assert_int_equal(whoami(&h, NULL, &w), 0);
	assert_string_equal(w.account, HARNESS_ACCOUNT);
	assert_string_equal(aws_client_account_id(h.client), HARNESS_ACCOUNT);
	assert_int_equal(harness_finish(&h), 0);

	/* a wrong token: the call fails with the endpoint's refusal */
	harness_init(&h, args);
	free(uri);
	uri = xasprintf("%s/_awsim/container-credentials", h.sim.url);
	env[1] = uri;
	env[3] = "Bearer wrong";
	h.env = env;
	h.opts.credentials = NULL;
	assert_int_equal(harness_client(&h), 0);
	assert_int_equal(whoami(&h, NULL, &w), -EACCES);
	assert_string_equal(w.d.code, "CredentialsError");
	assert_null(strstr(w.d.message, "wrong")); /* the token never appears */
	assert_int_equal(harness_finish(&h), 0);
	free(uri);
}

#define JWT                                                                                                            \
	"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6b3BzOnRlbmFudGQiLCJhdWQiOiJzdHMuYW1hem9uYXdz"    \
	"LmNvbSIsImlzcyI6Imh0dHBzOi8vb2lkYy5leGFtcGxlIn0.c2lnbmF0dXJl"

static void test_web_identity(void **state)
{
	char path[] = "/tmp/btd-web-identity-XXXXXX";
	const char *env[] = { "AWS_WEB_IDENTITY_TOKEN_FILE",
			      path,
			      "AWS_ROLE_ARN",
			      "arn:aws:iam::123456789012:role/tenantd-irsa",
			      "AWS_ROLE_SESSION_NAME",
			      "pod-1",
			      NULL };
	struct harness h;
	struct who w;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, JWT "\n", strlen(JWT) + 1), (ssize_t)strlen(JWT) + 1);
	close(fd);
	harness_init(&h, NULL);
	h.env = env;
	h.opts.credentials = NULL;
	assert_int_equal(harness_client(&h), 0);
	assert_int_equal(whoami(&h, NULL, &w), 0);
	assert_non_null(strstr(w.arn, ":assumed-role/tenantd-irsa/pod-1"));
	assert_int_equal(awsim_calls(&h.sim, "sts:AssumeRoleWithWebIdentity", "ok"), 1);
	assert_int_equal(harness_finish(&h), 0);
	unlink(path);
}

static void test_close_while_waiting_for_credentials(void **state)
{
	const char *env[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT", NULL, NULL };
	struct aws_target prod = { .account = "prod" };
	struct harness h;
	struct who a = { 0 }, b = { 0 };

	harness_init(&h, NULL);
	env[1] = h.sim.url;
	h.env = env;
	h.opts.credentials = NULL;
	assert_int_equal(harness_client(&h), 0);
	assert_int_equal(aws_client_add_account(h.client, "prod", "arn:aws:iam::1:role/x", NULL), 0);
	/* both wait: one for IMDS, one for an AssumeRole that waits for IMDS */
	assert_int_equal(sts_get_caller_identity(h.client, NULL, on_identity, &a), 0);
	assert_int_equal(sts_get_caller_identity(h.client, &prod, on_identity, &b), 0);
	uv_run(&h.loop, UV_RUN_NOWAIT);
	aws_client_close(h.client, NULL, NULL);
	h.client = NULL;
	assert_int_equal(a.d.status, -ECANCELED);
	assert_int_equal(b.d.status, -ECANCELED);
	assert_int_equal(harness_finish(&h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias_role_expires_and_refreshes),
		cmocka_unit_test(test_imds),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_web_identity),
		cmocka_unit_test(test_close_while_waiting_for_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
