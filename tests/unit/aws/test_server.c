/* The scripted server on the project's own HTTP/1.1 server (daemon/http/): requests
 * are recorded as the test handler sees them and answered, held or cut as it says. */
#include "test_server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_server.h"
#include "xalloc.h"

#define MAX_REQUESTS 4096

struct test_server {
	struct http_server *http;
	char url[64];
	test_handler handler;
	void *arg;
	struct test_request *reqs[MAX_REQUESTS];
	unsigned n_reqs;
	struct http_request *held[MAX_REQUESTS];
	unsigned n_held, max_held;
	unsigned connections; /* the highest connection id that carried a request */
};

static void request_free(struct test_request *r)
{
	for (size_t k = 0; k < r->n_headers; k++) {
		free(r->names[k]);
		free(r->values[k]);
	}
	free(r->method);
	free(r->target);
	free(r->body);
	free(r);
}

static struct test_request *record(const struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	struct test_request *r = xcalloc(1, sizeof(*r));

	r->method = xstrdup(m->method);
	r->target = xstrdup(m->target);
	for (size_t i = 0; i < m->n_headers && r->n_headers < TEST_MAX_HEADERS; i++) {
		r->names[r->n_headers] = xstrdup(m->headers[i].name);
		r->values[r->n_headers++] = xstrdup(m->headers[i].value);
	}
	r->body = xstrndup(m->body.buf ? m->body.buf : "", m->body.len);
	r->body_len = m->body.len;
	r->connection = (unsigned)http_request_connection(req);
	return r;
}

/* Answer req: the test's extra header lines ("Name: value\r\n" each), a request id,
 * and the body. */
static void answer(struct test_server *s, struct http_request *req, int status, const char *headers, const char *body)
{
	struct http_header h[TEST_MAX_HEADERS + 1];
	char *lines = xstrdup(headers ? headers : ""), *line, *save = NULL;
	char *id = xasprintf("req-%u", s->n_reqs);
	size_t n = 0;

	h[n++] = (struct http_header){ "x-amzn-RequestId", id };
	for (line = strtok_r(lines, "\r\n", &save); line && n < TEST_MAX_HEADERS + 1;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		h[n++] = (struct http_header){ line, colon };
	}
	body = body ? body : "";
	http_respond(req, status, h, n, body, strlen(body));
	free(lines);
	free(id);
}

static void on_request(struct http_request *req, void *data)
{
	struct test_server *s = data;
	struct test_request *r = record(req);
	struct test_response resp = { .action = TEST_RESPOND, .status = 200 };
	unsigned index = s->n_reqs;

	if (r->connection > s->connections)
		s->connections = r->connection;
	if (s->n_reqs < MAX_REQUESTS)
		s->reqs[s->n_reqs++] = r;
	s->handler(s->arg, r, index, &resp);
	if (index >= MAX_REQUESTS)
		request_free(r);
	switch (resp.action) {
	case TEST_RESPOND:
		answer(s, req, resp.status, resp.headers, resp.body);
		break;
	case TEST_HOLD:
		if (s->n_held >= MAX_REQUESTS) {
			http_abort(req, false);
			break;
		}
		s->held[s->n_held++] = req;
		if (s->n_held > s->max_held)
			s->max_held = s->n_held;
		break;
	case TEST_CLOSE:
		http_abort(req, false);
		break;
	}
}

struct test_server *test_server_start(uv_loop_t *loop, test_handler handler, void *arg)
{
	struct test_server *s = xcalloc(1, sizeof(*s));
	struct http_server_config cfg = { .handler = on_request, .data = s };
	int port = 0;

	s->handler = handler;
	s->arg = arg;
	if (http_server_new(loop, &cfg, &s->http) < 0 || http_server_listen_tcp(s->http, "127.0.0.1", 0, &port) < 0)
		abort();
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", port);
	return s;
}

const char *test_server_url(const struct test_server *s)
{
	return s->url;
}

unsigned test_server_requests(const struct test_server *s)
{
	return s->n_reqs;
}

unsigned test_server_connections(const struct test_server *s)
{
	return s->connections;
}

unsigned test_server_held(const struct test_server *s)
{
	return s->n_held;
}

unsigned test_server_max_held(const struct test_server *s)
{
	return s->max_held;
}

const struct test_request *test_server_request(const struct test_server *s, unsigned index)
{
	return index < s->n_reqs ? s->reqs[index] : NULL;
}

const char *test_request_header(const struct test_request *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

void test_server_release(struct test_server *s, int status, const char *body)
{
	unsigned n = s->n_held;

	s->n_held = 0;
	for (unsigned i = 0; i < n; i++)
		answer(s, s->held[i], status, NULL, body);
}

static void on_closed(void *data)
{
	struct test_server *s = data;

	for (unsigned i = 0; i < s->n_reqs; i++)
		request_free(s->reqs[i]);
	free(s);
}

void test_server_stop(struct test_server *s)
{
	for (unsigned i = 0; i < s->n_held; i++)
		http_abort(s->held[i], false);
	s->n_held = 0;
	http_server_close(s->http, on_closed, s);
}
