/* The control socket over a real UNIX socket: an engine on the in-memory cloud, a
 * client thread making requests while the loop serves them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <uv.h>

#include "control.h"
#include "control_json.h"
#include "ctl_http.h"
#include "engine.h"
#include "fake_cloud.h"
#include "fixtures.h"
#include "log.h"
#include "xalloc.h"

struct exchange {
	const char *method;
	const char *path;
	long status;
	char *body;
};

struct env {
	uv_loop_t loop;
	uv_async_t done;
	struct fake_cloud cloud;
	struct store *store;
	struct engine *e;
	struct control *control;
	char dir[64];
	char socket[128];
	struct exchange *x;
	size_t n_x;
	bool client_done;
};

static const struct control_info info = { .version = "test", .manifests = "/srv/manifests", .mode = "enforce" };

/* A request sent as it is (method NULL, path the whole request); the whole answer,
 * head included, in body. */
static void raw_request(const char *socket_path, struct exchange *x)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct strbuf in;
	char buf[4096];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path);
	x->status = -1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, x->path, strlen(x->path)) != (ssize_t)strlen(x->path)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	strbuf_init(&in, STRBUF_NO_CAP);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&in, buf, (size_t)n);
	close(fd);
	if (in.len > 12 && strncmp(in.buf, "HTTP/1.1 ", 9) == 0)
		x->status = strtol(in.buf + 9, NULL, 10);
	x->body = strbuf_detach(&in, NULL);
}

static void client_thread(void *arg)
{
	struct env *env = arg;

	for (size_t i = 0; i < env->n_x; i++) {
		struct ctl_answer a = { 0 };
		char err[256];
		if (!env->x[i].method) {
			raw_request(env->socket, &env->x[i]);
			continue;
		}
		if (ctl_request(env->socket, env->x[i].method, env->x[i].path, &a, err, sizeof(err)) == 0) {
			env->x[i].status = a.status;
			env->x[i].body = a.body;
		} else {
			env->x[i].status = -1;
		}
	}
	uv_async_send(&env->done);
}

static void on_done(uv_async_t *a)
{
	((struct env *)a->data)->client_done = true;
	uv_stop(a->loop);
}

/* Run exchanges from a thread while the loop serves them. */
static void exchange(struct env *env, struct exchange *x, size_t n)
{
	uv_thread_t th;

	env->x = x;
	env->n_x = n;
	env->client_done = false;
	assert_int_equal(uv_thread_create(&th, client_thread, env), 0);
	while (!env->client_done)
		uv_run(&env->loop, UV_RUN_DEFAULT);
	uv_thread_join(&th);
}

static bool settled(struct env *env)
{
	struct engine_counts c;

	engine_counts(env->e, &c);
	return engine_ready(env->e) && c.reconciles_in_flight == 0 && env->cloud.pending == 0;
}

static void put_tenant(struct env *env)
{
	struct tenant *t = fix_tenant("acme");

	t->revision = intern("rev1");
	fix_profile(t, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	engine_revision_begin(env->e, "c0ffee", true);
	engine_put_tenant(env->e, t);
	engine_revision_end(env->e);
	tenant_free(t);
}

static void setup_env(struct env *env)
{
	struct engine_settings set = { .instance = FIX_INSTANCE,
				       .default_region = FIX_REGION,
				       .grace_s = FIX_GRACE,
				       .drain_s = FIX_DRAIN,
				       .prune = PRUNE_LIMITS_DEFAULT };
	char *db;

	memset(env, 0, sizeof(*env));
	snprintf(env->dir, sizeof(env->dir), "/tmp/btd-control-XXXXXX");
	assert_non_null(mkdtemp(env->dir));
	snprintf(env->socket, sizeof(env->socket), "%s/control.sock", env->dir);
	uv_loop_init(&env->loop);
	uv_async_init(&env->loop, &env->done, on_done);
	env->done.data = env;
	fake_cloud_init(&env->cloud, &env->loop);
	db = xasprintf("%s/state.db", env->dir);
	assert_int_equal(store_open(db, &env->store, NULL), 0);
	free(db);
	assert_int_equal(engine_new(&env->loop, &set, &fake_cloud_ops, &env->cloud, env->store, &env->e), 0);
	assert_int_equal(engine_start(env->e), 0);
	assert_int_equal(control_open(&env->loop, env->e, &info, env->socket, 0660, NULL, &env->control, NULL), 0);
}

static void closed(void *data)
{
	*(int *)data += 1;
}

static void teardown_env(struct env *env)
{
	int n = 0;
	char *cmd;

	control_close(env->control, closed, &n);
	engine_drain(env->e, 1000, NULL, NULL);
	engine_free(env->e, closed, &n);
	uv_close((uv_handle_t *)&env->done, NULL);
	uv_run(&env->loop, UV_RUN_DEFAULT);
	assert_int_equal(n, 2);
	assert_int_equal(uv_loop_close(&env->loop), 0);
	store_close(env->store);
	fake_cloud_release(&env->cloud);
	cmd = xasprintf("rm -rf '%s'", env->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static cJSON *parse(const struct exchange *x)
{
	cJSON *j = cJSON_Parse(x->body);

	assert_non_null(j);
	return j;
}

static void test_api(void **state)
{
	struct env env;
	struct exchange before[] = { { "GET", "/v1/health", 0, NULL }, { "GET", "/v1/ready", 0, NULL } };
	struct exchange x[] = {
		{ "GET", "/v1/ready", 0, NULL },
		{ "GET", "/v1/status", 0, NULL },
		{ "GET", "/v1/tenants", 0, NULL },
		{ "GET", "/v1/tenants/acme", 0, NULL },
		{ "GET", "/v1/tenants/nobody", 0, NULL },
		{ "GET", "/v1/resolve?tenant=acme&profile=chat", 0, NULL },
		{ "GET", "/v1/resolve?tenant=acme&profile=nope", 0, NULL },
		{ "GET", "/v1/resolve?tenant=acme", 0, NULL },
		{ "POST", "/v1/tenants/acme/reconcile", 0, NULL },
		{ "POST", "/v1/reconcile", 0, NULL },
		{ "POST", "/v1/pause", 0, NULL },
		{ "POST", "/v1/resume", 0, NULL },
		{ "POST", "/v1/prune/approve", 0, NULL },
		{ "GET", "/metrics", 0, NULL },
		{ "GET", "/v1/nothing", 0, NULL },
		{ "POST", "/v1/status", 0, NULL },
	};
	struct stat st;
	cJSON *j;

	setup_env(&env);
	assert_int_equal(stat(env.socket, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);

	exchange(&env, before, 2);
	assert_int_equal(before[0].status, 200);
	assert_int_equal(before[1].status, 503); /* no manifest revision yet */
	put_tenant(&env);
	while (!settled(&env))
		uv_run(&env.loop, UV_RUN_ONCE);

	exchange(&env, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(x[0].status, 200);
	assert_int_equal(x[1].status, 200);
	j = parse(&x[1]);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tenants"), "total")->valueint, 1);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tenants"), "by_state"), "Ready")
			->valueint,
		1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "manifests"), "revision")->valuestring,
			    "c0ffee");
	cJSON_Delete(j);
	j = parse(&x[2]);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tenants"), 0)->child->valuestring, "acme");
	cJSON_Delete(j);
	j = parse(&x[3]);
	assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "Ready");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "observed"), "profiles")), 1);
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(j, "history")) > 0);
	cJSON_Delete(j);
	assert_int_equal(x[4].status, 404);
	assert_int_equal(x[5].status, 200);
	j = parse(&x[5]);
	assert_non_null(strstr(cJSON_GetObjectItem(j, "arn")->valuestring, ":application-inference-profile/"));
	assert_string_equal(cJSON_GetObjectItem(j, "parameter")->valuestring, "/bedrock-tenants/acme/chat/profile-arn");
	cJSON_Delete(j);
	assert_int_equal(x[6].status, 404);
	assert_int_equal(x[7].status, 400);
	assert_int_equal(x[8].status, 202);
	assert_int_equal(x[9].status, 202);
	assert_int_equal(x[10].status, 200);
	assert_int_equal(x[11].status, 200);
	assert_int_equal(x[12].status, 200);
	assert_int_equal(x[13].status, 200);
	assert_non_null(strstr(x[13].body, "bedrock_tenantd_tenants{state=\"Ready\"} 1"));
	assert_int_equal(x[14].status, 404);
	assert_int_equal(x[15].status, 405);
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		free(x[i].body);
	for (size_t i = 0; i < 2; i++)
		free(before[i].body);
	teardown_env(&env);
}

static void test_second_daemon_refused_stale_socket_replaced(void **state)
{
	struct env env;
	struct control *other = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *stale;
	int fd;
	struct engine *e2 = NULL;

	setup_env(&env);
	put_tenant(&env);
	/* a live socket: refused */
	assert_int_equal(control_open(&env.loop, env.e, &info, env.socket, 0660, NULL, &other, NULL), -EADDRINUSE);
	assert_true(control_socket_live(env.socket));

	/* a stale socket file (its daemon died): replaced */
	stale = xasprintf("%s/stale.sock", env.dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* bound, never listening: nobody answers */
	assert_false(control_socket_live(stale));
	assert_int_equal(control_open(&env.loop, env.e, &info, stale, 0660, NULL, &other, NULL), 0);
	assert_true(control_socket_live(stale));
	control_close(other, NULL, NULL);
	free(stale);
	(void)e2;
	teardown_env(&env);
}

/* One route table: a known path asked with another method is 405 with Allow; ids are
 * decoded and checked, so an escaped NUL cannot cut one short into another tenant's;
 * a query value too long to be one says why. */
static void test_routes_and_ids(void **state)
{
	struct env env;
	char *long_tenant = xasprintf("/v1/resolve?tenant=%02000d&profile=chat", 0);
	struct exchange x[] = {
		{ NULL, "GET /v1/resync HTTP/1.1\r\nConnection: close\r\n\r\n", 0, NULL },
		{ NULL, "DELETE /v1/tenants/acme HTTP/1.1\r\nConnection: close\r\n\r\n", 0, NULL },
		{ NULL, "GET /v1/tenants/acme/reconcile HTTP/1.1\r\nConnection: close\r\n\r\n", 0, NULL },
		{ NULL, "HEAD /v1/status HTTP/1.1\r\nConnection: close\r\n\r\n", 0, NULL },
		{ "GET", "/v1/tenants/acme%00evil", 0, NULL },
		{ "GET", "/v1/tenants/acme%00", 0, NULL },
		{ "GET", "/v1/resolve?tenant=acme%00x&profile=chat", 0, NULL },
		{ "GET", "/v1/resolve?tenant=acme&profile=chat%00x", 0, NULL },
		{ "GET", "/v1/tenants/ACME", 0, NULL },
		{ "GET", "/v1/tenants/a%2Fb", 0, NULL },
		{ "GET", "/v1/resolve?tenant=acme%2", 0, NULL },
		{ "POST", "/v1/tenants/acme%00/reconcile", 0, NULL },
		{ "GET", "/v1/tenants/acme/other", 0, NULL },
		{ "GET", "/v1/tenants/", 0, NULL },
		{ "GET", "/v1/tenants/acme", 0, NULL },
		{ "GET", "/v1/tenants/ac%6De", 0, NULL },
		{ "POST", "/v1/resync", 0, NULL },
		{ "GET", long_tenant, 0, NULL },
	};
	static const long want[] = { 405, 405, 405, 200, 400, 400, 400, 400, 400,
				     400, 400, 400, 404, 404, 200, 200, 202, 400 };
	int bad = 0;

	(void)state;
	setup_env(&env);
	put_tenant(&env);
	while (!settled(&env))
		uv_run(&env.loop, UV_RUN_ONCE);
	exchange(&env, x, sizeof(x) / sizeof(x[0]));
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		if (x[i].status == want[i])
			continue;
		print_message("%s %.*s: %ld, want %ld\n", x[i].method ? x[i].method : "raw",
			      (int)strcspn(x[i].path, "\r"), x[i].path, x[i].status, want[i]);
		bad++;
	}
	assert_int_equal(bad, 0);
	assert_non_null(strstr(x[0].body, "\r\nAllow: POST\r\n"));
	assert_non_null(strstr(x[1].body, "\r\nAllow: GET, HEAD\r\n"));
	assert_non_null(strstr(x[2].body, "\r\nAllow: POST\r\n"));
	assert_non_null(strstr(x[3].body, "\r\n\r\n"));
	assert_string_equal(strstr(x[3].body, "\r\n\r\n"), "\r\n\r\n"); /* HEAD: no body */
	assert_non_null(strstr(x[17].body, "at most 1024 bytes"));
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		free(x[i].body);
	free(long_tenant);
	teardown_env(&env);
}

/* Start-up errors name their cause: a missing directory, a path too long for a
 * socket address, a group that does not exist. */
static void test_socket_errors(void **state)
{
	struct env env;
	struct control *other = NULL;
	char *path, *err = NULL;
	char longpath[200];

	(void)state;
	setup_env(&env);
	path = xasprintf("%s/missing/control.sock", env.dir);
	assert_int_equal(control_open(&env.loop, env.e, &info, path, 0660, NULL, &other, &err), -ENOENT);
	assert_non_null(strstr(err, "/missing does not exist"));
	free(err);
	free(path);

	snprintf(longpath, sizeof(longpath), "%s/%0*d.sock", env.dir, 120, 0);
	assert_int_equal(control_open(&env.loop, env.e, &info, longpath, 0660, NULL, &other, &err), -ENAMETOOLONG);
	assert_non_null(strstr(err, "a UNIX socket path holds at most 107"));
	free(err);
	assert_int_equal(access(longpath, F_OK), -1);

	path = xasprintf("%s/other.sock", env.dir);
	assert_int_equal(control_open(&env.loop, env.e, &info, path, 0660, "btd-no-such-group", &other, &err), -ENOENT);
	assert_string_equal(err, "group 'btd-no-such-group' (socket.group) does not exist");
	free(err);
	assert_int_equal(access(path, F_OK), -1); /* not left behind */
	free(path);
	teardown_env(&env);
}

/* GET /v1/tenants?state= lists the tenants in those states (names in any case,
 * several comma-separated); an unknown state is a 400 naming it and the states. */
static void test_tenants_by_state(void **state)
{
	struct env env;
	struct exchange x[] = {
		{ "GET", "/v1/tenants?state=Ready", 0, NULL },
		{ "GET", "/v1/tenants?state=Stalled", 0, NULL },
		{ "GET", "/v1/tenants?state=stalled,ready", 0, NULL },
		{ "GET", "/v1/tenants?state=Ready,Bogus", 0, NULL },
		{ "GET", "/v1/tenants?state=", 0, NULL },
		{ "GET", "/v1/tenants?state=Ready%00", 0, NULL },
		{ "GET", "/v1/health", 0, NULL },
	};
	cJSON *j;

	(void)state;
	setup_env(&env);
	put_tenant(&env);
	while (!settled(&env))
		uv_run(&env.loop, UV_RUN_ONCE);
	exchange(&env, x, sizeof(x) / sizeof(x[0]));
	assert_int_equal(x[0].status, 200);
	j = parse(&x[0]);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tenants")), 1);
	cJSON_Delete(j);
	assert_int_equal(x[1].status, 200);
	j = parse(&x[1]);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tenants")), 0);
	cJSON_Delete(j);
	assert_int_equal(x[2].status, 200);
	j = parse(&x[2]);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "tenants")), 1);
	cJSON_Delete(j);
	assert_int_equal(x[3].status, 400);
	j = parse(&x[3]);
	assert_non_null(strstr(cJSON_GetObjectItem(j, "error")->valuestring, "unknown tenant state 'Bogus'"));
	assert_non_null(strstr(cJSON_GetObjectItem(j, "error")->valuestring, "Stalled"));
	cJSON_Delete(j);
	assert_int_equal(x[4].status, 400);
	assert_int_equal(x[5].status, 400);
	j = parse(&x[6]);
	assert_string_equal(cJSON_GetObjectItem(j, "version")->valuestring, "test");
	cJSON_Delete(j);
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		free(x[i].body);
	teardown_env(&env);
}

/* ctl against a daemon that does not answer (stopped: the kernel queues the
 * connection, nobody reads it): a message saying so, not "cannot reach". */
static void test_ctl_no_answer(void **state)
{
	char dir[] = "/tmp/btd-ctl-XXXXXX", path[64], err[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_answer a = { 0 };
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(ctl_request_bounded(path, "GET", "/v1/status", 300, NULL, &a, err, sizeof(err)), -ETIMEDOUT);
	assert_non_null(strstr(err, "did not answer within 1 s"));
	close(fd);
	unlink(path);
	rmdir(dir);
}

/* 5,000 problems (50 files at the cap of 100 each): status holds the first
 * STATUS_MAX_PROBLEMS and a line counting the rest; the metric counts them all. */
#define MANY_PROBLEMS 5000

static const char *const *many_problems(void *data, size_t *ret_n)
{
	*ret_n = MANY_PROBLEMS;
	return data;
}

static void test_status_problems_capped(void **state)
{
	struct env env;
	char **lines = xcalloc(MANY_PROBLEMS, sizeof(*lines));
	struct control_info many = info;
	struct strbuf metrics;
	const cJSON *problems;
	cJSON *j;

	(void)state;
	for (size_t i = 0; i < MANY_PROBLEMS; i++)
		lines[i] = xasprintf("/srv/manifests/t%zu.yaml:1:1: invalid YAML", i);
	many.problems = many_problems;
	many.data = lines;
	setup_env(&env);
	j = control_json_status(env.e, &many);
	problems = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "manifests"), "problems");
	assert_int_equal(cJSON_GetArraySize(problems), STATUS_MAX_PROBLEMS + 1);
	assert_string_equal(cJSON_GetArrayItem(problems, 0)->valuestring, lines[0]);
	assert_string_equal(cJSON_GetArrayItem(problems, STATUS_MAX_PROBLEMS - 1)->valuestring,
			    lines[STATUS_MAX_PROBLEMS - 1]);
	assert_non_null(
		strstr(cJSON_GetArrayItem(problems, STATUS_MAX_PROBLEMS)->valuestring, "... and 4000 more problems"));
	cJSON_Delete(j);
	strbuf_init(&metrics, STRBUF_NO_CAP);
	control_metrics(env.e, &many, &metrics);
	assert_non_null(strstr(metrics.buf, "\nbedrock_tenantd_manifest_problems 5000\n"));
	strbuf_release(&metrics);
	teardown_env(&env);
	for (size_t i = 0; i < MANY_PROBLEMS; i++)
		free(lines[i]);
	free(lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_second_daemon_refused_stale_socket_replaced),
		cmocka_unit_test(test_routes_and_ids),
		cmocka_unit_test(test_socket_errors),
		cmocka_unit_test(test_tenants_by_state),
		cmocka_unit_test(test_ctl_no_answer),
		cmocka_unit_test(test_status_problems_capped),
	};

	log_setup(LOG_LVL_ERROR, true);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
