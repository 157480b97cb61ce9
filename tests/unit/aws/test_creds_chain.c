/* creds_chain: the SDKs' provider order and the shared-file profiles, with a fake
 * environment and files in a temporary HOME. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "creds_chain.h"
#include "xalloc.h"

#define MAX_VARS 16

static const char *vars[MAX_VARS * 2];
static char home[64];

static const char *fake_getenv(const char *name)
{
	for (int i = 0; i < MAX_VARS * 2 && vars[i]; i += 2)
		if (strcmp(vars[i], name) == 0)
			return vars[i + 1];
	return NULL;
}

static void set_env(const char *name, const char *value)
{
	int i = 0;

	while (vars[i] && strcmp(vars[i], name) != 0)
		i += 2;
	vars[i] = name;
	vars[i + 1] = value;
}

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/.aws/%s", home, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static int setup(void **state)
{
	char *dir;

	strcpy(home, "/tmp/btd-creds-XXXXXX");
	assert_non_null(mkdtemp(home));
	dir = xasprintf("%s/.aws", home);
	assert_int_equal(mkdir(dir, 0700), 0);
	free(dir);
	memset(vars, 0, sizeof(vars));
	set_env("HOME", home);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", home);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static int resolve(struct creds_plan **plan, char **region, struct aws_error *err)
{
	aws_error_init(err);
	return creds_chain_resolve(fake_getenv, plan, region, err);
}

static void test_environment_first(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("credentials", "[default]\naws_access_key_id=FILE\naws_secret_access_key=s\n");
	set_env("AWS_ACCESS_KEY_ID", "AKIDENV");
	set_env("AWS_SECRET_ACCESS_KEY", "secret");
	set_env("AWS_SESSION_TOKEN", "token");
	set_env("AWS_ACCOUNT_ID", "111122223333");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_STATIC);
	assert_string_equal(p->origin, "environment");
	assert_string_equal(p->creds.access_key_id, "AKIDENV");
	assert_string_equal(p->creds.session_token, "token");
	assert_string_equal(p->creds.account_id, "111122223333");
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_SECRET_ACCESS_KEY", "");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
	assert_null(strstr(err.message, "AKIDENV"));
	aws_error_release(&err);
}

static void test_default_profile_and_region(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
	write_file("config", "[default]\nregion = eu-west-3\n");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_STATIC);
	assert_string_equal(p->origin, "profile default");
	assert_string_equal(p->creds.access_key_id, "AKIDFILE");
	assert_null(p->creds.session_token);
	assert_string_equal(region, "eu-west-3");
	free(region);
	creds_plan_free(p);
	aws_error_release(&err);
}

static void test_role_chain(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
	write_file("config",
		   "[profile prod]\nrole_arn = arn:aws:iam::111122223333:role/deployer\n"
		   "source_profile = middle\nexternal_id = ext-1\nduration_seconds = 1800\n"
		   "role_session_name = btd\nregion = us-west-2\n"
		   "[profile middle]\nrole_arn = arn:aws:iam::444455556666:role/hop\nsource_profile = base\n");
	set_env("AWS_PROFILE", "prod");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_ASSUME_ROLE);
	assert_string_equal(p->role_arn, "arn:aws:iam::111122223333:role/deployer");
	assert_string_equal(p->external_id, "ext-1");
	assert_string_equal(p->session_name, "btd");
	assert_int_equal(p->duration_s, 1800);
	assert_string_equal(region, "us-west-2");
	assert_int_equal(p->base->kind, CREDS_ASSUME_ROLE);
	assert_string_equal(p->base->role_arn, "arn:aws:iam::444455556666:role/hop");
	assert_string_equal(p->base->session_name, CREDS_DEFAULT_SESSION_NAME);
	assert_int_equal(p->base->base->kind, CREDS_STATIC);
	assert_string_equal(p->base->base->creds.access_key_id, "AKIDBASE");
	free(region);
	creds_plan_free(p);
	aws_error_release(&err);

	/* a cycle */
	write_file("config", "[profile prod]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = other\n"
			     "[profile other]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = prod\n");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "circular"));
	aws_error_release(&err);

	/* its own source profile with keys */
	write_file("config", "[profile prod]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = prod\n"
			     "aws_access_key_id = SELF\naws_secret_access_key = s\n");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->base->kind, CREDS_STATIC);
	assert_string_equal(p->base->creds.access_key_id, "SELF");
	creds_plan_free(p);
	aws_error_release(&err);
}

static void test_credential_source(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("config",
		   "[profile ecs]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = EcsContainer\n"
		   "[profile ec2]\nrole_arn = arn:aws:iam::1:role/b\ncredential_source = Ec2InstanceMetadata\n"
		   "[profile bad]\nrole_arn = arn:aws:iam::1:role/c\ncredential_source = Elsewhere\n"
		   "[profile env]\nrole_arn = arn:aws:iam::1:role/d\ncredential_source = Environment\n");
	set_env("AWS_PROFILE", "ecs");
	set_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->base->kind, CREDS_CONTAINER);
	assert_string_equal(p->base->url, "http://169.254.170.2/v2/credentials/abc");
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "ec2");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->base->kind, CREDS_IMDS);
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "bad");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "env"); /* no keys in the environment */
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	aws_error_release(&err);
}

static void test_explicit_profile_problems(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("config", "[profile sso]\nsso_session = corp\n[profile empty]\n"
			     "[profile half]\naws_access_key_id = A\n");
	set_env("AWS_PROFILE", "missing");
	assert_int_equal(resolve(&p, &region, &err), -ENOENT);
	aws_error_release(&err);
	set_env("AWS_PROFILE", "sso"); /* its [sso-session corp] section is missing */
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "sso-session corp"));
	aws_error_release(&err);
	set_env("AWS_PROFILE", "empty");
	assert_int_equal(resolve(&p, &region, &err), -ENOKEY);
	aws_error_release(&err);
	set_env("AWS_PROFILE", "half");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	aws_error_release(&err);
}

static void test_web_identity(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("config", "[profile wi]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /t\n");
	set_env("AWS_PROFILE", "wi");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_WEB_IDENTITY);
	assert_string_equal(p->token_file, "/t");
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "");
	set_env("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token");
	set_env("AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa");
	set_env("AWS_ROLE_SESSION_NAME", "pod");
	set_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x"); /* later in the chain */
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_WEB_IDENTITY);
	assert_string_equal(p->role_arn, "arn:aws:iam::1:role/irsa");
	assert_string_equal(p->session_name, "pod");
	creds_plan_free(p);
	aws_error_release(&err);
}

static void test_container(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/_awsim/container-credentials");
	set_env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_CONTAINER);
	assert_string_equal(p->url, "http://127.0.0.1:8080/_awsim/container-credentials");
	assert_string_equal(p->auth_token, "Bearer abc");
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_null(p->auth_token);
	assert_string_equal(p->auth_token_file, "/var/run/token");
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://metadata.example.com/creds");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	aws_error_release(&err);

	assert_true(creds_container_url_allowed("https://anything.example/x"));
	assert_true(creds_container_url_allowed("http://localhost:9/x"));
	assert_true(creds_container_url_allowed("http://169.254.170.23/v1/credentials"));
	assert_true(creds_container_url_allowed("http://[fd00:ec2::23]/x"));
	assert_true(creds_container_url_allowed("http://[::1]:80/x"));
	assert_false(creds_container_url_allowed("http://10.0.0.1/x"));
	assert_false(creds_container_url_allowed("file:///etc/passwd"));
}

static void test_imds(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_IMDS);
	assert_string_equal(p->url, CREDS_IMDS_ENDPOINT);
	assert_int_equal(p->timeout_ms, 1000);
	assert_false(p->imds_v1_disabled);
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1234/");
	set_env("AWS_METADATA_SERVICE_TIMEOUT", "3");
	set_env("AWS_EC2_METADATA_V1_DISABLED", "true");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_string_equal(p->url, "http://127.0.0.1:1234");
	assert_int_equal(p->timeout_ms, 3000);
	assert_true(p->imds_v1_disabled);
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "");
	set_env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_string_equal(p->url, CREDS_IMDS_ENDPOINT_V6);
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_EC2_METADATA_DISABLED", "true");
	assert_int_equal(resolve(&p, &region, &err), -ENOKEY);
	assert_non_null(strstr(err.message, "no AWS credentials"));
	aws_error_release(&err);
	assert_string_equal(creds_kind_name(CREDS_WEB_IDENTITY), "web-identity");
}

static void test_explicit_files(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region, *path = xasprintf("%s/elsewhere", home);
	FILE *f = fopen(path, "w");

	fputs("[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = s\n", f);
	fclose(f);
	set_env("AWS_SHARED_CREDENTIALS_FILE", path);
	set_env("AWS_CONFIG_FILE", "~/.aws/nothing-here");
	set_env("AWS_DEFAULT_PROFILE", "ops");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_string_equal(p->creds.access_key_id, "AKIDOPS");
	assert_null(region);
	creds_plan_free(p);
	aws_error_release(&err);
	free(path);
}

static void test_credential_process(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region;

	write_file("config", "[profile proc]\ncredential_process = '/opt/my tools/creds' --role \"a b\" $HOME;x\n"
			     "[profile keys-win]\naws_access_key_id = AKIDK\naws_secret_access_key = s\n"
			     "credential_process = /bin/false\n"
			     "[profile bad]\ncredential_process = tool 'unterminated\n"
			     "[profile via]\nrole_arn = arn:aws:iam::111122223333:role/r\nsource_profile = proc\n");
	set_env("AWS_PROFILE", "proc");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_PROCESS);
	assert_string_equal(p->argv[0], "/opt/my tools/creds");
	assert_string_equal(p->argv[1], "--role");
	assert_string_equal(p->argv[2], "a b");
	assert_string_equal(p->argv[3], "$HOME;x");
	assert_null(p->argv[4]);
	assert_int_equal(p->timeout_ms, CREDS_PROCESS_TIMEOUT_MS);
	assert_string_equal(creds_kind_name(p->kind), "process");
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "keys-win"); /* static keys come first, as in botocore */
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_STATIC);
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "bad");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "unterminated single quote"));
	aws_error_release(&err);

	set_env("AWS_PROFILE", "via"); /* a process as a role's source */
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_ASSUME_ROLE);
	assert_int_equal(p->base->kind, CREDS_PROCESS);
	creds_plan_free(p);
	aws_error_release(&err);
}

static void test_sso(void **state)
{
	struct creds_plan *p;
	struct aws_error err;
	char *region, *want;

	write_file("config", "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
			     "sso_role_name = Admin\nregion = eu-west-1\n"
			     "[sso-session corp]\nsso_start_url = https://d-abc123.awsapps.com/start\n"
			     "sso_region = eu-central-1\nsso_registration_scopes = sso:account:access\n"
			     "[profile legacy]\nsso_start_url = https://d-abc123.awsapps.com/start\n"
			     "sso_region = us-east-2\nsso_account_id = 111122223333\nsso_role_name = Ro\n"
			     "[profile norole]\nsso_session = corp\nsso_account_id = 111122223333\n"
			     "[profile nosess]\nsso_session = other\nsso_account_id = 1\nsso_role_name = R\n"
			     "[sso-session half]\nsso_start_url = https://x/start\n"
			     "[profile half]\nsso_session = half\nsso_account_id = 1\nsso_role_name = R\n");
	set_env("AWS_PROFILE", "dev");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_SSO);
	assert_string_equal(p->url, "https://portal.sso.eu-central-1.amazonaws.com");
	assert_string_equal(p->sso_account_id, "111122223333");
	assert_string_equal(p->sso_role_name, "Admin");
	want = xasprintf("%s/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json", home);
	/* the session name, not the URL, names the cache file */
	assert_string_not_equal(p->sso_cache_file, want);
	free(want);
	want = xasprintf("%s/.aws/sso/cache/", home);
	assert_memory_equal(p->sso_cache_file, want, strlen(want));
	free(want);
	assert_string_equal(p->sso_login_hint, "aws sso login --profile dev");
	assert_string_equal(region, "eu-west-1");
	creds_plan_free(p);
	free(region);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "legacy"); /* the start URL names the cache file */
	set_env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:4566/");
	assert_int_equal(resolve(&p, &region, &err), 0);
	assert_int_equal(p->kind, CREDS_SSO);
	assert_string_equal(p->url, "http://127.0.0.1:4566");
	want = xasprintf("%s/.aws/sso/cache/40a89917e3175433e361b710a9d43528d7f1890a.json", home);
	assert_string_equal(p->sso_cache_file, want);
	free(want);
	creds_plan_free(p);
	aws_error_release(&err);

	set_env("AWS_PROFILE", "norole");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "sso_role_name"));
	aws_error_release(&err);
	set_env("AWS_PROFILE", "nosess");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "[sso-session other]"));
	aws_error_release(&err);
	set_env("AWS_PROFILE", "half");
	assert_int_equal(resolve(&p, &region, &err), -EINVAL);
	assert_non_null(strstr(err.message, "sso_region"));
	aws_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_environment_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_profile_and_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_role_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_profile_problems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sso, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
