#include "test_server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "xalloc.h"

#define MAX_REQUESTS 4096
#define MAX_CONNS    256

struct conn {
	uv_tcp_t tcp;
	struct test_server *server;
	unsigned id;
	struct strbuf in;
	bool closing;
	unsigned held;
};

struct held {
	struct conn *conn;
};

struct test_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	char url[64];
	test_handler handler;
	void *arg;
	struct test_request *reqs[MAX_REQUESTS];
	unsigned n_reqs;
	struct conn *conns[MAX_CONNS];
	unsigned n_conns;
	struct held held[MAX_REQUESTS];
	unsigned n_held, max_held;
	bool stopping;
	unsigned open_handles;
};

static void server_free(struct test_server *s)
{
	for (unsigned i = 0; i < s->n_reqs; i++) {
		struct test_request *r = s->reqs[i];

		for (size_t k = 0; k < r->n_headers; k++) {
			free(r->names[k]);
			free(r->values[k]);
		}
		free(r->method);
		free(r->target);
		free(r->body);
		free(r);
	}
	free(s);
}

/* Handles close in any order: the last one frees the server once it is stopping. */
static void handle_gone(struct test_server *s)
{
	if (--s->open_handles == 0 && s->stopping)
		server_free(s);
}

static void on_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct test_server *s = c->server;

	s->conns[c->id - 1] = NULL;
	for (unsigned i = 0; i < s->n_held; i++)
		if (s->held[i].conn == c)
			s->held[i].conn = NULL;
	strbuf_release(&c->in);
	free(c);
	handle_gone(s);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_written(uv_write_t *w, int status)
{
	free(w->data);
	free(w);
}

static void send_answer(struct conn *c, int status, const char *headers, const char *body)
{
	uv_write_t *w;
	uv_buf_t buf;
	char *text;

	if (!c || c->closing)
		return;
	body = body ? body : "";
	text = xasprintf("HTTP/1.1 %d X\r\nContent-Length: %zu\r\nx-amzn-RequestId: req-%u\r\n%s\r\n%s", status,
			 strlen(body), c->server->n_reqs, headers ? headers : "", body);
	w = xcalloc(1, sizeof(*w));
	w->data = text;
	buf = uv_buf_init(text, (unsigned)strlen(text));
	if (uv_write(w, (uv_stream_t *)&c->tcp, &buf, 1, on_written) < 0) {
		free(text);
		free(w);
	}
}

/* Parse one whole request from c->in, if there is one; returns its length. */
static size_t parse(struct conn *c, struct test_request **ret)
{
	char *end = strstr(c->in.buf, "\r\n\r\n"), *line, *save = NULL, *head;
	struct test_request *r;
	size_t head_len, body_len = 0;
	const char *cl;

	if (!end)
		return 0;
	head_len = (size_t)(end - c->in.buf) + 4;
	head = xstrndup(c->in.buf, head_len - 4);
	r = xcalloc(1, sizeof(*r));
	line = strtok_r(head, "\r\n", &save);
	r->method = xstrndup(line, strcspn(line, " "));
	line += strlen(r->method) + 1;
	r->target = xstrndup(line, strcspn(line, " "));
	while ((line = strtok_r(NULL, "\r\n", &save)) && r->n_headers < TEST_MAX_HEADERS) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		r->names[r->n_headers] = xstrndup(line, (size_t)(colon - line));
		colon++;
		while (*colon == ' ')
			colon++;
		r->values[r->n_headers++] = xstrdup(colon);
	}
	free(head);
	cl = test_request_header(r, "Content-Length");
	if (cl)
		body_len = (size_t)atol(cl);
	if (c->in.len < head_len + body_len) {
		for (size_t i = 0; i < r->n_headers; i++) {
			free(r->names[i]);
			free(r->values[i]);
		}
		free(r->method);
		free(r->target);
		free(r);
		return 0;
	}
	r->body = xstrndup(c->in.buf + head_len, body_len);
	r->body_len = body_len;
	r->connection = c->id;
	*ret = r;
	return head_len + body_len;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = xmalloc(65536);
	buf->len = 65536;
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = stream->data;
	struct test_server *s = c->server;
	struct test_request *r;
	size_t used;

	if (n < 0) {
		free(buf->base);
		conn_close(c);
		return;
	}
	strbuf_add(&c->in, buf->base, (size_t)n);
	free(buf->base);
	while (!c->closing && (used = parse(c, &r)) > 0) {
		struct test_response resp = { .action = TEST_RESPOND, .status = 200 };
		unsigned index = s->n_reqs;

		memmove(c->in.buf, c->in.buf + used, c->in.len - used + 1);
		c->in.len -= used;
		if (s->n_reqs < MAX_REQUESTS)
			s->reqs[s->n_reqs++] = r;
		s->handler(s->arg, r, index, &resp);
		switch (resp.action) {
		case TEST_RESPOND:
			send_answer(c, resp.status, resp.headers, resp.body);
			break;
		case TEST_HOLD:
			s->held[s->n_held++].conn = c;
			if (s->n_held > s->max_held)
				s->max_held = s->n_held;
			break;
		case TEST_CLOSE:
			conn_close(c);
			break;
		}
	}
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct test_server *s = listener->data;
	struct conn *c;

	if (status < 0 || s->n_conns >= MAX_CONNS)
		return;
	c = xcalloc(1, sizeof(*c));
	c->server = s;
	c->id = s->n_conns + 1;
	strbuf_init(&c->in, 1u << 20);
	uv_tcp_init(s->loop, &c->tcp);
	c->tcp.data = c;
	s->conns[s->n_conns++] = c;
	s->open_handles++;
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) == 0)
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	else
		conn_close(c);
}

struct test_server *test_server_start(uv_loop_t *loop, test_handler handler, void *arg)
{
	struct test_server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_in addr;
	struct sockaddr_storage bound;
	int len = sizeof(bound);

	s->loop = loop;
	s->handler = handler;
	s->arg = arg;
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	s->open_handles = 1;
	uv_ip4_addr("127.0.0.1", 0, &addr);
	if (uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0) < 0 ||
	    uv_listen((uv_stream_t *)&s->listener, 128, on_connection) < 0)
		abort();
	uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", ntohs(((struct sockaddr_in *)&bound)->sin_port));
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
	return s->n_conns;
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
		send_answer(s->held[i].conn, status, NULL, body);
}

static void on_listener_closed(uv_handle_t *h)
{
	handle_gone(h->data);
}

void test_server_stop(struct test_server *s)
{
	s->stopping = true;
	for (unsigned i = 0; i < s->n_conns; i++)
		if (s->conns[i])
			conn_close(s->conns[i]);
	uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}
