/* http_client: libcurl multi on the libuv loop against a scripted local server:
 * answers of every status, keep-alive reuse, body caps, timeouts, dropped and
 * refused connections, answers that are not HTTP, the in-flight cap with queueing
 * (priority requests first),
 * and a clean close with transfers pending (uv_loop_close() returns 0). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "http_client.h"
#include "test_server.h"
#include "turn_budget.h"
#include "xalloc.h"

struct result {
	int calls;
	int status;
	int http_status;
	char body[256];
	char request_id[64];
	int order; /* test_priority_before_queued: when its callback ran (1-based) */
};

static void on_done(void *arg, int status, const struct http_response *resp)
{
	struct result *r = arg;
	const char *id;

	r->calls++;
	r->status = status;
	if (status == 0) {
		r->http_status = resp->status;
		snprintf(r->body, sizeof(r->body), "%s", resp->body.buf);
		id = http_response_header(resp, "X-AMZN-REQUESTID");
		snprintf(r->request_id, sizeof(r->request_id), "%s", id ? id : "");
	}
}

static const char *big_body;

static void handler(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	if (strcmp(req->target, "/hold") == 0) {
		resp->action = TEST_HOLD;
	} else if (strcmp(req->target, "/drop") == 0) {
		resp->action = TEST_CLOSE;
	} else if (strcmp(req->target, "/big") == 0) {
		resp->body = big_body;
	} else if (strcmp(req->target, "/missing") == 0) {
		resp->status = 404;
		resp->body = "{\"message\":\"nope\"}";
	} else if (strcmp(req->method, "POST") == 0) {
		resp->status = 201;
		resp->headers = "Content-Type: application/json\r\n";
		resp->body = req->body;
	} else {
		resp->body = "hello";
	}
}

static void run_until(uv_loop_t *loop, bool (*done)(void *), void *arg)
{
	for (int i = 0; i < 100000 && !done(arg); i++)
		if (uv_run(loop, UV_RUN_ONCE) == 0 && !done(arg))
			break;
	assert_true(done(arg));
}

static bool called(void *arg)
{
	return ((struct result *)arg)->calls > 0;
}

struct many {
	struct result *r;
	int n;
};

static bool all_called(void *arg)
{
	struct many *m = arg;

	for (int i = 0; i < m->n; i++)
		if (!m->r[i].calls)
			return false;
	return true;
}

static bool closed_flag;

static void on_closed(void *arg)
{
	closed_flag = true;
}

static bool is_closed(void *arg)
{
	return closed_flag;
}

static void finish(uv_loop_t *loop, struct http_client *c, struct test_server *s)
{
	closed_flag = false;
	http_client_close(c, on_closed, NULL);
	test_server_stop(s);
	run_until(loop, is_closed, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(loop), 0);
}

static char *url(struct test_server *s, const char *path)
{
	return xasprintf("%s%s", test_server_url(s), path);
}

static void test_answers_and_keep_alive(void **state)
{
	uv_loop_t loop;
	struct test_server *s;
	struct http_client *c;
	struct http_client_stats st;
	struct http_header h[] = { { "Content-Type", "application/json" }, { "X-Test", "1" } };
	struct result r;
	char *u;

	uv_loop_init(&loop);
	s = test_server_start(&loop, handler, NULL);
	assert_int_equal(http_client_new(&loop, NULL, &c), 0);
	for (int i = 0; i < 5; i++) {
		memset(&r, 0, sizeof(r));
		u = url(s, "/get");
		assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u }, on_done, &r),
				 0);
		free(u);
		run_until(&loop, called, &r);
		assert_int_equal(r.calls, 1);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.http_status, 200);
		assert_string_equal(r.body, "hello");
		assert_true(strncmp(r.request_id, "req-", 4) == 0);
	}
	assert_int_equal(test_server_connections(s), 1); /* kept alive */
	http_client_stats(c, &st);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.completed, 5);

	memset(&r, 0, sizeof(r));
	u = url(s, "/post");
	assert_int_equal(http_client_send(c,
					  &(struct http_request){ .method = "POST",
								  .url = u,
								  .headers = h,
								  .n_headers = 2,
								  .body = "{\"a\":1}",
								  .body_len = 7 },
					  on_done, &r),
			 0);
	free(u);
	run_until(&loop, called, &r);
	assert_int_equal(r.http_status, 201);
	assert_string_equal(r.body, "{\"a\":1}");
	assert_string_equal(test_request_header(test_server_request(s, 5), "X-Test"), "1");
	assert_string_equal(test_request_header(test_server_request(s, 5), "Content-Type"), "application/json");
	assert_null(test_request_header(test_server_request(s, 5), "Expect"));

	/* other methods, and an error status is still an answer */
	memset(&r, 0, sizeof(r));
	u = url(s, "/missing");
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "DELETE", .url = u }, on_done, &r), 0);
	free(u);
	run_until(&loop, called, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.http_status, 404);
	assert_string_equal(test_server_request(s, 6)->method, "DELETE");
	memset(&r, 0, sizeof(r));
	u = url(s, "/put");
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "PUT", .url = u }, on_done, &r), 0);
	free(u);
	run_until(&loop, called, &r);
	assert_string_equal(test_server_request(s, 7)->method, "PUT");
	finish(&loop, c, s);
}

static char *refusing_url(int *ret_fd)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	*ret_fd = fd;
	return xasprintf("http://127.0.0.1:%d/", ntohs(addr.sin_port));
}

static void test_limits_and_failures(void **state)
{
	int refuser;
	uv_loop_t loop;
	struct test_server *s;
	struct http_client *c;
	struct http_client_options o = { .max_response_bytes = 1000 };
	struct result r;
	char *u, *big = xmalloc(5001);

	memset(big, 'x', 5000);
	big[5000] = '\0';
	big_body = big;
	uv_loop_init(&loop);
	s = test_server_start(&loop, handler, NULL);
	assert_int_equal(http_client_new(&loop, &o, &c), 0);

	memset(&r, 0, sizeof(r));
	u = url(s, "/big");
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u }, on_done, &r), 0);
	run_until(&loop, called, &r);
	assert_int_equal(r.status, -EMSGSIZE);
	/* a larger cap for one request */
	memset(&r, 0, sizeof(r));
	assert_int_equal(
		http_client_send(c, &(struct http_request){ .method = "GET", .url = u, .max_response_bytes = 6000 },
				 on_done, &r),
		0);
	free(u);
	run_until(&loop, called, &r);
	assert_int_equal(r.status, 0);

	memset(&r, 0, sizeof(r));
	u = url(s, "/hold");
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u, .timeout_ms = 100 },
					  on_done, &r),
			 0);
	free(u);
	run_until(&loop, called, &r);
	assert_int_equal(r.status, -ETIMEDOUT);

	memset(&r, 0, sizeof(r));
	u = url(s, "/drop");
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u }, on_done, &r), 0);
	free(u);
	run_until(&loop, called, &r);
	assert_int_equal(r.status, -ECONNRESET);

	/* a port that is bound but not listening refuses connections */
	memset(&r, 0, sizeof(r));
	u = refusing_url(&refuser);
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u }, on_done, &r), 0);
	free(u);
	run_until(&loop, called, &r);
	close(refuser);
	assert_int_equal(r.status, -ECONNREFUSED);

	memset(&r, 0, sizeof(r));
	assert_int_equal(
		http_client_send(c, &(struct http_request){ .method = "GET", .url = "gopher://x/" }, on_done, &r), 0);
	run_until(&loop, called, &r);
	assert_int_equal(r.status, -EINVAL);

	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET" }, on_done, &r), -EINVAL);
	finish(&loop, c, s);
	free(big);
}

/* A peer that reads one request per connection and answers each with the next of
 * its answers, bytes that are not HTTP (a proxy or a broken middle-box). */
struct raw_peer {
	int fd;
	const char *const *answers;
	size_t n;
};

static void *raw_peer_run(void *arg)
{
	struct raw_peer *p = arg;
	char buf[4096];

	for (size_t i = 0; i < p->n; i++) {
		int c = accept(p->fd, NULL, NULL);
		if (c < 0)
			break;
		(void)!read(c, buf, sizeof(buf));
		(void)!write(c, p->answers[i], strlen(p->answers[i]));
		close(c);
	}
	return NULL;
}

static void test_answers_not_http(void **state)
{
	static const char *const answers[] = {
		"HTTP/1.1 2x0 Whatever\r\nContent-Length: 2\r\n\r\n{}",
		"NOT HTTP AT ALL\r\n\r\n",
	};
	struct raw_peer peer = { .answers = answers, .n = 2 };
	uv_loop_t loop;
	struct http_client *c;
	struct http_client_options o = { 0 };
	pthread_t th;
	char *u;

	(void)state;
	u = refusing_url(&peer.fd);
	assert_int_equal(listen(peer.fd, 4), 0);
	assert_int_equal(pthread_create(&th, NULL, raw_peer_run, &peer), 0);
	uv_loop_init(&loop);
	assert_int_equal(http_client_new(&loop, &o, &c), 0);
	for (size_t i = 0; i < peer.n; i++) {
		struct result r = { 0 };
		assert_int_equal(
			http_client_send(
				c, &(struct http_request){ .method = "POST", .url = u, .body = "{}", .body_len = 2 },
				on_done, &r),
			0);
		run_until(&loop, called, &r);
		/* the request went out and what came back cannot be read: not a refusal of
		 * the request (retry.c retries it, as an answer lost) */
		assert_int_equal(r.status, -EBADMSG);
	}
	pthread_join(th, NULL);
	close(peer.fd);
	free(u);
	closed_flag = false;
	http_client_close(c, on_closed, NULL);
	run_until(&loop, is_closed, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_in_flight_cap(void **state)
{
	uv_loop_t loop;
	struct test_server *s;
	struct http_client *c;
	struct http_client_options o = { .max_in_flight = 3, .max_queue = 8 };
	struct http_client_stats st;
	struct result r[12];
	struct many m = { r, 11 };
	char *u;

	memset(r, 0, sizeof(r));
	uv_loop_init(&loop);
	s = test_server_start(&loop, handler, NULL);
	assert_int_equal(http_client_new(&loop, &o, &c), 0);
	u = url(s, "/hold");
	for (int i = 0; i < 11; i++)
		assert_int_equal(
			http_client_send(c, &(struct http_request){ .method = "GET", .url = u }, on_done, &r[i]), 0);
	/* 3 in flight + 8 queued: the queue is full */
	assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u }, on_done, &r[11]),
			 -ENOBUFS);
	http_client_stats(c, &st);
	assert_int_equal(st.in_flight, 3);
	assert_int_equal(st.queued, 8);
	while (!all_called(&m)) {
		uv_run(&loop, UV_RUN_ONCE);
		if (test_server_held(s) == 3 || (test_server_held(s) && test_server_requests(s) == 11))
			test_server_release(s, 200, "ok");
	}
	assert_int_equal(test_server_max_held(s), 3);
	for (int i = 0; i < 11; i++)
		assert_int_equal(r[i].status, 0);
	assert_true(test_server_connections(s) <= 3);
	free(u);
	finish(&loop, c, s);
}

/* The order in which the callbacks ran, for test_priority_before_queued. */
static int answer_seq;

static void on_done_in_order(void *arg, int status, const struct http_response *resp)
{
	on_done(arg, status, resp);
	((struct result *)arg)->order = ++answer_seq;
}

/* One transfer at a time: a priority request waiting for the slot goes before the
 * ordinary ones queued earlier, which keep their order. */
static void test_priority_before_queued(void **state)
{
	uv_loop_t loop;
	struct test_server *s;
	struct http_client *c;
	struct http_client_options o = { .max_in_flight = 1 };
	struct result r[5];
	struct many m = { r, 5 };
	char *hold, *plain;

	memset(r, 0, sizeof(r));
	answer_seq = 0;
	uv_loop_init(&loop);
	s = test_server_start(&loop, handler, NULL);
	assert_int_equal(http_client_new(&loop, &o, &c), 0);
	hold = url(s, "/hold");
	plain = url(s, "/plain");
	/* r[0] holds the slot; r[1..3] ordinary, then r[4] priority */
	for (int i = 0; i < 5; i++)
		assert_int_equal(
			http_client_send(
				c,
				&(struct http_request){ .method = "GET", .url = i ? plain : hold, .priority = i == 4 },
				on_done_in_order, &r[i]),
			0);
	while (!all_called(&m)) {
		uv_run(&loop, UV_RUN_ONCE);
		if (test_server_held(s))
			test_server_release(s, 200, "ok");
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(r[i].status, 0);
	/* the order of the answers: the held one, the priority one, then the rest */
	assert_int_equal(r[0].order, 1);
	assert_int_equal(r[4].order, 2);
	assert_int_equal(r[1].order, 3);
	assert_int_equal(r[2].order, 4);
	assert_int_equal(r[3].order, 5);
	free(hold);
	free(plain);
	finish(&loop, c, s);
}

/* The loop turn's budget on a fake clock that a callback's time spends whole; the
 * turn ends at a prepare handle, as the engine's commit ends it in the daemon. */
struct budget_turns {
	struct turn_budget budget;
	uint64_t now;
	int calls, calls_at_turn_start, most_in_turn, turns_with_calls;
};

static uint64_t budget_clock(void *data)
{
	struct budget_turns *bt = data;

	return bt->now;
}

static struct budget_turns *budget_turns;

static void on_done_spending(void *arg, int status, const struct http_response *resp)
{
	on_done(arg, status, resp);
	budget_turns->calls++;
	budget_turns->now += 2 * budget_turns->budget.budget_ns;
}

static void on_budget_turn_end(uv_prepare_t *p)
{
	struct budget_turns *bt = p->data;
	int n = bt->calls - bt->calls_at_turn_start;

	if (n > bt->most_in_turn)
		bt->most_in_turn = n;
	bt->turns_with_calls += n > 0;
	bt->calls_at_turn_start = bt->calls;
	turn_budget_end(&bt->budget, 0);
}

/* Answers that come together: with the loop turn's budget spent by a callback, the
 * next waits for the next turn (one a turn); each still runs. */
static void test_answers_take_the_turn_budget(void **state)
{
	uv_loop_t loop;
	struct test_server *s;
	struct http_client *c;
	struct http_client_options o = { .max_in_flight = 6 };
	struct budget_turns bt = { 0 };
	struct result r[6];
	struct many m = { r, 6 };
	uv_prepare_t end;
	char *u;

	memset(r, 0, sizeof(r));
	budget_turns = &bt;
	turn_budget_init(&bt.budget, 1000 * 1000, budget_clock, &bt);
	uv_loop_init(&loop);
	s = test_server_start(&loop, handler, NULL);
	assert_int_equal(http_client_new(&loop, &o, &c), 0);
	http_client_set_turn_budget(c, &bt.budget);
	uv_prepare_init(&loop, &end);
	end.data = &bt;
	uv_prepare_start(&end, on_budget_turn_end);
	u = url(s, "/hold");
	for (int i = 0; i < 6; i++)
		assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u },
						  on_done_spending, &r[i]),
				 0);
	while (test_server_held(s) < 6)
		uv_run(&loop, UV_RUN_ONCE);
	test_server_release(s, 200, "ok");
	while (!all_called(&m))
		uv_run(&loop, UV_RUN_ONCE);
	on_budget_turn_end(&end); /* the last turn's */
	uv_close((uv_handle_t *)&end, NULL);
	print_message("most callbacks in one turn: %d, turns with any: %d\n", bt.most_in_turn, bt.turns_with_calls);
	for (int i = 0; i < 6; i++)
		assert_int_equal(r[i].status, 0);
	assert_int_equal(bt.most_in_turn, 1);
	assert_int_equal(bt.turns_with_calls, 6);
	free(u);
	finish(&loop, c, s);
}

static int reentrant_calls;
static struct http_client *reentrant_client;

static void on_cancel_resend(void *arg, int status, const struct http_response *resp)
{
	struct result *r = arg;

	r->calls++;
	r->status = status;
	reentrant_calls++;
	/* a callback running during close cannot start anything new */
	assert_int_equal(http_client_send(reentrant_client,
					  &(struct http_request){ .method = "GET", .url = "http://127.0.0.1:9/" },
					  on_done, r),
			 -ECANCELED);
}

static void test_close_with_pending(void **state)
{
	uv_loop_t loop;
	struct test_server *s;
	struct http_client *c;
	struct http_client_options o = { .max_in_flight = 2 };
	struct result r[5];
	char *u;

	memset(r, 0, sizeof(r));
	uv_loop_init(&loop);
	s = test_server_start(&loop, handler, NULL);
	assert_int_equal(http_client_new(&loop, &o, &c), 0);
	reentrant_client = c;
	u = url(s, "/hold");
	for (int i = 0; i < 5; i++)
		assert_int_equal(http_client_send(c, &(struct http_request){ .method = "GET", .url = u },
						  on_cancel_resend, &r[i]),
				 0);
	free(u);
	while (test_server_held(s) < 2)
		uv_run(&loop, UV_RUN_ONCE);
	closed_flag = false;
	http_client_close(c, on_closed, NULL);
	assert_int_equal(reentrant_calls, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(r[i].status, -ECANCELED);
	assert_false(closed_flag); /* the close callback comes from the loop */
	test_server_stop(s);
	run_until(&loop, is_closed, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_and_keep_alive),
		cmocka_unit_test(test_limits_and_failures),
		cmocka_unit_test(test_answers_not_http),
		cmocka_unit_test(test_in_flight_cap),
		cmocka_unit_test(test_priority_before_queued),
		cmocka_unit_test(test_close_with_pending),
		cmocka_unit_test(test_answers_take_the_turn_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
