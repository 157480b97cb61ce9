/* A scripted HTTP/1.1 server on the libuv loop for the AWS layer's unit tests, built
 * on the project's HTTP server (daemon/http/http_server.h): it records each request
 * and answers what the test's handler says (an answer, no answer yet, or a dropped
 * connection). Keep-alive; a connection carries one request at a time. */
#ifndef BTD_TEST_SERVER_H
#define BTD_TEST_SERVER_H

#include <stddef.h>

#include <uv.h>

#define TEST_MAX_HEADERS 32

struct test_request {
	char *method;
	char *target; /* path and query as sent */
	char *names[TEST_MAX_HEADERS];
	char *values[TEST_MAX_HEADERS];
	size_t n_headers;
	char *body;
	size_t body_len;
	unsigned connection; /* which accepted connection (1-based, in accept order) carried it */
};

enum test_action {
	TEST_RESPOND,
	TEST_HOLD,  /* answer later with test_server_release() */
	TEST_CLOSE, /* drop the connection without answering */
};

struct test_response {
	enum test_action action;
	int status;
	const char *headers; /* extra header lines, each ending in \r\n, or NULL */
	const char *body;    /* NULL: empty */
};

struct test_server;
typedef void (*test_handler)(void *arg, const struct test_request *req, unsigned index, struct test_response *resp);

struct test_server *test_server_start(uv_loop_t *loop, test_handler handler, void *arg);
/* test_server_url: "http://127.0.0.1:PORT". Borrowed. */
const char *test_server_url(const struct test_server *s);
unsigned test_server_requests(const struct test_server *s);
/* test_server_connections: the connections that carried requests (the highest
 * connection id seen). */
unsigned test_server_connections(const struct test_server *s);
unsigned test_server_held(const struct test_server *s);
unsigned test_server_max_held(const struct test_server *s);
const struct test_request *test_server_request(const struct test_server *s, unsigned index);
const char *test_request_header(const struct test_request *r, const char *name);
/* test_server_release: answers every held request with status/body. */
void test_server_release(struct test_server *s, int status, const char *body);
/* test_server_stop: closes everything; the loop then has nothing of the server. */
void test_server_stop(struct test_server *s);

#endif
