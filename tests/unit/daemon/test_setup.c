/* The daemon configuration reaches the AWS client: every rate_limits key (an
 * operation's too) changes how the client's token buckets behave (setup_aws_client is what the daemon and `plan`
 * call). The buckets are driven on a clock passed in, so nothing here depends on
 * timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "aws_client_impl.h"
#include "daemon_config.h"
#include "ratelimit.h"
#include "setup.h"
#include "xalloc.h"

static const struct {
	enum aws_service service;
	const char *key;
} services[] = {
	{ AWS_BEDROCK, "bedrock" }, { AWS_BUDGETS, "budgets" }, { AWS_IAM, "iam" },
	{ AWS_SSM, "ssm" },	    { AWS_TAGGING, "tagging" }, { AWS_STS, "sts" },
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

static struct daemon_config *parse(const char *text)
{
	struct daemon_config *cfg = NULL;
	struct diag_list diags;

	diag_list_init(&diags);
	assert_int_equal(daemon_config_parse("config.yaml", text, strlen(text), &cfg, &diags), 0);
	diag_list_release(&diags);
	return cfg;
}

static void on_closed(void *arg)
{
	*(bool *)arg = true;
}

/* Tokens a fresh bucket hands out at once, and the wait for the next one. */
static unsigned drain(struct bucket *b, uint64_t *ret_wait_ms)
{
	uint64_t now = b->rl.last_ms;
	unsigned n = 0;

	while (ratelimit_take(&b->rl, now, ret_wait_ms) == 0)
		n++;
	return n;
}

struct want {
	unsigned burst;
	uint64_t wait_ms; /* after the burst: 1000 / requests_per_second */
};

static void check_buckets(const char *yaml, const struct want *want)
{
	struct daemon_config *cfg = parse(yaml);
	struct aws_client *c = NULL;
	char *err_text = NULL;
	bool closed = false;
	uv_loop_t loop;

	uv_loop_init(&loop);
	assert_int_equal(setup_aws_client(&loop, cfg, &c, &err_text), 0);
	for (size_t i = 0; i < N_SERVICES; i++) {
		struct bucket *b = aws_client_bucket(c, "default", "us-east-1", services[i].service);
		uint64_t wait = 0;
		unsigned n = drain(b, &wait);

		print_message("%s: burst %u, then %llu ms\n", services[i].key, n, (unsigned long long)wait);
		assert_int_equal(n, want[i].burst);
		assert_int_equal(wait, want[i].wait_ms);
	}
	aws_client_close(c, on_closed, &closed);
	while (!closed && uv_run(&loop, UV_RUN_ONCE))
		;
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(closed);
	assert_int_equal(uv_loop_close(&loop), 0);
	free(err_text);
	daemon_config_free(cfg);
}

static int setup_env(void **state)
{
	(void)state;
	/* fixed credentials; no shared files, no instance metadata */
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	return 0;
}

/* Each service's own burst and rate, all different, reach its bucket. */
static void test_each_key_reaches_its_bucket(void **state)
{
	static const struct want want[N_SERVICES] = {
		{ 31, 100 }, { 32, 200 }, { 33, 250 }, { 34, 500 }, { 35, 1000 }, { 36, 2000 },
	};
	(void)state;
	check_buckets("region: us-east-1\n"
		      "endpoints: {default: 'http://127.0.0.1:9'}\n"
		      "rate_limits:\n"
		      "  bedrock: {requests_per_second: 10, burst: 31}\n"
		      "  budgets: {requests_per_second: 5, burst: 32}\n"
		      "  iam: {requests_per_second: 4, burst: 33}\n"
		      "  ssm: {requests_per_second: 2, burst: 34}\n"
		      "  tagging: {requests_per_second: 1, burst: 35}\n"
		      "  sts: {requests_per_second: 0.5, burst: 36}\n",
		      want);
}

/* A burst of 1 is one call, then the rate; a large burst is taken in full. */
static void test_burst_extremes(void **state)
{
	static const struct want want[N_SERVICES] = {
		{ 1, 1 }, { 500, 1 }, { 10, 200 }, { 10, 200 }, { 10, 200 }, { 10, 200 },
	};
	(void)state;
	check_buckets("region: us-east-1\n"
		      "endpoints: {default: 'http://127.0.0.1:9'}\n"
		      "rate_limits:\n"
		      "  bedrock: {requests_per_second: 1000, burst: 1}\n"
		      "  budgets: {requests_per_second: 1000, burst: 500}\n",
		      want);
}

/* Without rate_limits: the documented defaults, 5 requests/s and a burst of 10. */
static void test_defaults(void **state)
{
	static const struct want want[N_SERVICES] = {
		{ 10, 200 }, { 10, 200 }, { 10, 200 }, { 10, 200 }, { 10, 200 }, { 10, 200 },
	};
	(void)state;
	check_buckets("region: us-east-1\nendpoints: {default: 'http://127.0.0.1:9'}\n", want);
}

/* rate_limits.<service>.operations reach the client: each (account, Region) bucket of
 * the service has one per operation, with its rate and burst, in the configuration's
 * order of names; other services have none. */
static void test_operation_limits_reach_the_buckets(void **state)
{
	struct daemon_config *cfg = parse("region: us-east-1\n"
					  "endpoints: {default: 'http://127.0.0.1:9'}\n"
					  "rate_limits:\n"
					  "  bedrock:\n"
					  "    operations:\n"
					  "      CreateInferenceProfile: {requests_per_second: 2, burst: 3}\n"
					  "      DeleteInferenceProfile: {requests_per_second: 0.5}\n"
					  "  ssm: {operations: {PutParameter: {requests_per_second: 4}}}\n");
	struct aws_client *c = NULL;
	char *err_text = NULL;
	bool closed = false;
	uv_loop_t loop;
	struct bucket *b;
	struct op_bucket *o;
	uint64_t wait = 0;
	unsigned n = 0;

	(void)state;
	uv_loop_init(&loop);
	assert_int_equal(setup_aws_client(&loop, cfg, &c, &err_text), 0);
	b = aws_client_bucket(c, "default", "us-west-2", AWS_BEDROCK);
	assert_int_equal(b->n_ops, 2);
	assert_null(aws_bucket_op(b, "GetInferenceProfile"));
	o = aws_bucket_op(b, "CreateInferenceProfile");
	assert_non_null(o);
	while (ratelimit_take(&o->rl, o->rl.last_ms, &wait) == 0)
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(wait, 511); /* 2/s less the guard */
	o = aws_bucket_op(b, "DeleteInferenceProfile");
	assert_non_null(o);
	assert_true(o->rl.cfg.max_rate == 0.5 && o->rl.cfg.burst == 1);
	b = aws_client_bucket(c, "default", "us-east-1", AWS_SSM);
	assert_int_equal(b->n_ops, 1);
	assert_true(aws_bucket_op(b, "PutParameter")->rl.cfg.max_rate == 4);
	assert_true(aws_bucket_op(b, "PutParameter")->rl.cfg.burst == 4);
	assert_int_equal(aws_client_bucket(c, "default", "us-east-1", AWS_IAM)->n_ops, 0);
	aws_client_close(c, on_closed, &closed);
	while (!closed && uv_run(&loop, UV_RUN_ONCE))
		;
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(closed);
	assert_int_equal(uv_loop_close(&loop), 0);
	free(err_text);
	daemon_config_free(cfg);
}

/* The open-file limit: what the daemon may hold follows the configuration, and a
 * soft limit below it is raised to it (not above: children inherit it). */
static void test_fd_limit(void **state)
{
	struct daemon_config *cfg = parse("region: us-east-1\nmax_in_flight: 50\n");
	struct daemon_config *with_metrics = parse("region: us-east-1\nmetrics: {listen: '127.0.0.1:0'}\n");
	struct rlimit old, low, now;
	unsigned long want;

	(void)state;
	assert_int_equal(setup_fd_need(cfg), SETUP_FD_BASE + 64 + 100);
	assert_int_equal(setup_fd_need(with_metrics), SETUP_FD_BASE + 64 + 16 + 2 * 32);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < setup_fd_need(cfg)) {
		daemon_config_free(cfg);
		daemon_config_free(with_metrics);
		skip(); /* nothing to raise to */
	}
	low = old;
	low.rlim_cur = 100;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	want = setup_fd_need(cfg);
	assert_int_equal(setup_fd_limit(cfg), want);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	assert_int_equal(now.rlim_cur, want);
	assert_int_equal(now.rlim_max, old.rlim_max);
	/* a limit above the need is left as it is */
	low.rlim_cur = want + 100;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(setup_fd_limit(cfg), want + 100);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	daemon_config_free(cfg);
	daemon_config_free(with_metrics);
}

/* The state directory's lock file removed by hand: locked again on a new file that names
 * the daemon; the same file still there: nothing changes. */
static void test_state_dir_relock(void **state)
{
	char dir[] = "/tmp/btd-setup-XXXXXX";
	struct state_dir sd;
	char *lock, pid[32], cmd[64];
	struct stat before, after;
	FILE *f;
	int fd;

	assert_non_null(mkdtemp(dir));
	lock = xasprintf("%s/lock", dir);
	assert_int_equal(setup_state_dir(dir, &sd), 0);
	fd = sd.lock_fd;
	assert_int_equal(setup_state_dir_relock(dir, &sd), 0);
	assert_int_equal(sd.lock_fd, fd);

	assert_int_equal(stat(lock, &before), 0);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(setup_state_dir_relock(dir, &sd), 0);
	assert_int_equal(stat(lock, &after), 0);
	assert_true(sd.lock_fd >= 0);
	f = fopen(lock, "r");
	assert_non_null(f);
	assert_non_null(fgets(pid, sizeof(pid), f));
	fclose(f);
	assert_int_equal(atol(pid), (long)getpid());
	assert_int_equal(setup_state_dir_relock(dir, &sd), 0);

	setup_state_dir_close(&sd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_key_reaches_its_bucket),
		cmocka_unit_test(test_burst_extremes),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_operation_limits_reach_the_buckets),
		cmocka_unit_test(test_fd_limit),
		cmocka_unit_test(test_state_dir_relock),
	};

	return cmocka_run_group_tests(tests, setup_env, NULL);
}
