/* The credential_process and IAM Identity Center (SSO) profiles against awsim: a
 * real child process run without a shell, its failures worded for the operator
 * (exit status with the first line of standard error, bad JSON, a timeout that
 * kills it), a refresh before the credentials expire, a close while it runs; and
 * the SSO portal's GetRoleCredentials with a cached token, an expired one and a
 * revoked one. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sts.h"
#include "aws_types.h"
#include "awsim_harness.h"
#include "creds_process_parse.h"
#include "xalloc.h"

struct who {
	struct done d;
	char arn[256];
};

static void on_identity(void *arg, int status, const struct aws_error *err, const struct sts_caller_identity *id)
{
	struct who *w = arg;

	done_record(&w->d, status, err);
	if (id)
		snprintf(w->arn, sizeof(w->arn), "%s", id->arn);
}

static int whoami(struct harness *h, struct who *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(sts_get_caller_identity(h->client, NULL, on_identity, w), 0);
	return harness_wait(h, &w->d);
}

static char dir[64];
static char *config_path;
static const char *env[10]; /* name, value pairs, NULL-terminated */

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	char *p;

	(void)state;
	strcpy(dir, "/tmp/btd-creds-prof-XXXXXX");
	assert_non_null(mkdtemp(dir));
	p = xasprintf("%s/.aws", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/.aws/sso", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/.aws/sso/cache", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	config_path = xasprintf("%s/.aws/config", dir);
	memset(env, 0, sizeof(env));
	env[0] = "HOME";
	env[1] = dir;
	env[2] = "AWS_CONFIG_FILE";
	env[3] = config_path;
	env[4] = "AWS_PROFILE";
	env[5] = "t";
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Not system("rm -rf"): after a failed test the loop that owns libuv's SIGCHLD
 * watcher is gone, and a child's exit would reach it. */
static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(config_path);
	return 0;
}

static void start(struct harness *h)
{
	harness_init(h, NULL);
	h->env = env;
	h->opts.credentials = NULL;
	assert_int_equal(harness_client(h), 0);
}

/* A credential_process script: prints the harness's keys expiring in `ttl` seconds
 * and counts its runs in DIR/runs. */
static void write_good_script(const char *name, long ttl)
{
	char exp[21], *path = xasprintf("%s/%s", dir, name), *text;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	aws_time_format_iso8601(((int64_t)ts.tv_sec + ttl) * 1000, exp);
	text = xasprintf("#!/bin/sh\necho run >> '%s/runs'\n"
			 "printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\", "
			 "\"SessionToken\": \"\", \"Expiration\": \"%s\"}'\n",
			 dir, HARNESS_AKID, HARNESS_SECRET, exp);
	write_text(path, text, 0700);
	free(text);
	free(path);
}

static int count_runs(void)
{
	char *path = xasprintf("%s/runs", dir), line[16];
	FILE *f = fopen(path, "r");
	int n = 0;

	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static void test_process_and_refresh(void **state)
{
	struct harness h;
	struct who w;
	char *cfg;

	(void)state;
	/* a directory with a space, quoted as the SDKs expect; the ';' is an argument */
	cfg = xasprintf("[profile t]\ncredential_process = \"%s/good creds\" --ignored ';' $(touch %s/pwned)\n", dir,
			dir);
	write_text(config_path, cfg, 0600);
	free(cfg);
	write_good_script("good creds", 3600);
	harness_init(&h, NULL);
	h.env = env;
	h.opts.credentials = NULL;
	/* credentials valid an hour enter the refresh margin 5 s after they were fetched */
	h.opts.refresh_margin_s = 3595;
	assert_int_equal(harness_client(&h), 0);
	assert_string_equal(aws_client_credentials_origin(h.client), "profile t");
	assert_int_equal(whoami(&h, &w), 0);
	assert_int_equal(count_runs(), 1);
	assert_int_equal(whoami(&h, &w), 0);
	assert_int_equal(count_runs(), 1); /* cached until near the expiry */
	/* within the refresh margin: still used, and run again in the background */
	sleep(6);
	assert_int_equal(whoami(&h, &w), 0);
	for (int i = 0; i < 200 && count_runs() < 2; i++)
		uv_run(&h.loop, UV_RUN_ONCE);
	assert_int_equal(count_runs(), 2);
	assert_int_equal(harness_finish(&h), 0);
	{
		char *pwned = xasprintf("%s/pwned", dir);

		assert_int_equal(access(pwned, F_OK), -1); /* no shell ever ran the line */
		free(pwned);
	}
}

static void expect_failure(const char *script, const char *extra_config, int want_status, const char *want_part)
{
	struct harness h;
	struct who w;
	char *path = xasprintf("%s/bad", dir), *cfg;

	write_text(path, script, 0700);
	cfg = xasprintf("[profile t]\ncredential_process = %s\n%s", path, extra_config);
	write_text(config_path, cfg, 0600);
	start(&h);
	assert_int_equal(whoami(&h, &w), want_status);
	assert_string_equal(w.d.code, "CredentialsError");
	if (!strstr(w.d.message, want_part))
		fail_msg("message \"%s\" lacks \"%s\"", w.d.message, want_part);
	assert_int_equal(harness_finish(&h), 0);
	free(cfg);
	free(path);
}

static void test_process_failures(void **state)
{
	(void)state;
	expect_failure("#!/bin/sh\necho 'token expired for ops' >&2\necho second line >&2\nexit 3\n", "", -ECHILD,
		       "exited with status 3: token expired for ops");
	expect_failure("#!/bin/sh\necho 'Traceback (most recent call last):'\n", "", -EBADMSG, "not a JSON object");
	expect_failure("#!/bin/sh\necho '{\"Version\": 2}'\n", "", -EBADMSG, "\"Version\" must be 1");
	expect_failure("#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' x\n", "", -EMSGSIZE, "bytes of output");
	{
		struct harness h;
		struct who w;
		char *cfg = xasprintf("[profile t]\ncredential_process = %s/does-not-exist\n", dir);

		write_text(config_path, cfg, 0600);
		start(&h);
		assert_int_equal(whoami(&h, &w), -ENOEXEC);
		assert_non_null(strstr(w.d.message, "cannot run"));
		assert_int_equal(harness_finish(&h), 0);
		free(cfg);
	}
}

static bool pid_gone(const char *pidfile)
{
	FILE *f = fopen(pidfile, "r");
	int pid = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

static void test_process_timeout_kills(void **state)
{
	char *script, *pidfile = xasprintf("%s/pid", dir);

	(void)state;
	/* exec: the shell becomes sleep, so the pid written is the one to be killed */
	script = xasprintf("#!/bin/sh\necho $$ > '%s'\nexec sleep 60\n", pidfile);
	expect_failure(script, "credential_process_timeout = 1\n", -ETIMEDOUT, "the command was killed");
	for (int i = 0; i < 100 && !pid_gone(pidfile); i++)
		usleep(50 * 1000);
	assert_true(pid_gone(pidfile)); /* killed and reaped, not left a zombie */
	free(script);
	free(pidfile);
}

static void test_process_close_while_running(void **state)
{
	struct harness h;
	struct who w = { 0 };
	char *path = xasprintf("%s/slow", dir), *cfg, *pidfile = xasprintf("%s/pid", dir), *script;

	(void)state;
	script = xasprintf("#!/bin/sh\necho $$ > '%s'\nexec sleep 60\n", pidfile);
	write_text(path, script, 0700);
	cfg = xasprintf("[profile t]\ncredential_process = %s\n", path);
	write_text(config_path, cfg, 0600);
	start(&h);
	assert_int_equal(sts_get_caller_identity(h.client, NULL, on_identity, &w), 0);
	for (int i = 0; i < 200 && access(pidfile, F_OK) < 0; i++) {
		uv_run(&h.loop, UV_RUN_NOWAIT);
		usleep(10 * 1000);
	}
	aws_client_close(h.client, NULL, NULL);
	h.client = NULL;
	assert_int_equal(w.d.status, -ECANCELED);
	assert_int_equal(harness_finish(&h), 0); /* every handle closed: the loop closes */
	assert_true(pid_gone(pidfile));
	free(script);
	free(cfg);
	free(path);
	free(pidfile);
}

/* ---- SSO ---- */

/* The token `aws sso login` would have cached for key (session name or start URL). */
static void login(struct harness *h, const char *key, int expires_in)
{
	char *body = xasprintf("{\"expires_in\": %d}", expires_in), *answer = NULL, *path, hash[41];

	assert_int_equal(awsim_admin(&h->sim, "POST", "sso/token", body, &answer), 200);
	creds_sso_cache_key(key, hash);
	path = xasprintf("%s/.aws/sso/cache/%s.json", dir, hash);
	write_text(path, answer, 0600);
	free(path);
	free(answer);
	free(body);
}

static void sso_start(struct harness *h, const char *config)
{
	harness_init(h, NULL);
	env[6] = "AWS_ENDPOINT_URL_SSO";
	env[7] = h->sim.url;
	write_text(config_path, config, 0600);
	h->env = env;
	h->opts.credentials = NULL;
	assert_int_equal(harness_client(h), 0);
}

static const char sso_config[] = "[profile t]\nsso_session = corp\nsso_account_id = 123456789012\n"
				 "sso_role_name = TenantAdmin\n"
				 "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\n"
				 "sso_region = us-east-1\n";

static void test_sso(void **state)
{
	struct harness h;
	struct who w;

	(void)state;
	sso_start(&h, sso_config);
	assert_string_equal(aws_client_credentials_origin(h.client), "profile t");
	login(&h, "corp", 3600);
	assert_int_equal(whoami(&h, &w), 0);
	assert_non_null(strstr(w.arn, ":assumed-role/AWSReservedSSO_TenantAdmin_"));
	assert_int_equal(awsim_calls(&h.sim, "sso:GetRoleCredentials", "ok"), 1);
	assert_int_equal(harness_finish(&h), 0);

	/* the legacy form: the start URL names the cache file */
	sso_start(&h, "[profile t]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = us-east-1\n"
		      "sso_account_id = 123456789012\nsso_role_name = Legacy\n");
	login(&h, "https://d-abc123.awsapps.com/start", 3600);
	assert_int_equal(whoami(&h, &w), 0);
	assert_non_null(strstr(w.arn, ":assumed-role/AWSReservedSSO_Legacy_"));
	assert_int_equal(harness_finish(&h), 0);
}

static void test_sso_expired_and_revoked(void **state)
{
	struct harness h;
	struct who w;

	(void)state;
	sso_start(&h, sso_config);
	login(&h, "corp", -60);
	assert_int_equal(whoami(&h, &w), -EKEYEXPIRED);
	assert_non_null(strstr(w.d.message, "expired"));
	assert_non_null(strstr(w.d.message, "run `aws sso login --profile t`"));
	assert_int_equal(awsim_calls(&h.sim, "sso:GetRoleCredentials", "ok"), 0);
	assert_int_equal(harness_finish(&h), 0);

	sso_start(&h, sso_config);
	login(&h, "corp", 3600);
	assert_int_equal(awsim_admin(&h.sim, "DELETE", "sso/token", NULL, NULL), 200);
	assert_int_equal(whoami(&h, &w), -EACCES);
	assert_non_null(strstr(w.d.message, "HTTP 401"));
	assert_non_null(strstr(w.d.message, "aws sso login --profile t"));
	assert_int_equal(harness_finish(&h), 0);

	/* no login at all */
	sso_start(&h, "[profile t]\nsso_session = other\nsso_account_id = 123456789012\nsso_role_name = R\n"
		      "[sso-session other]\nsso_start_url = https://x/start\nsso_region = us-east-1\n");
	assert_int_equal(whoami(&h, &w), -ENOKEY);
	assert_non_null(strstr(w.d.message, "no cached token"));
	assert_int_equal(harness_finish(&h), 0);
	env[6] = env[7] = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_process_and_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_timeout_kills, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_close_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sso, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sso_expired_and_revoked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
