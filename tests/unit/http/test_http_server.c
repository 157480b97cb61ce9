/* Unit tests of the HTTP/1.1 server on libuv (daemon/http/http_server): keep-alive,
 * answers from a timer, aborts with a reset, limits, UNIX-domain sockets, and a close
 * after which uv_loop_close() returns 0. The client side is libuv too, on the same
 * loop. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "http_server.h"
#include "xalloc.h"

/* ---- a tiny client ---- */

struct client {
	union {
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	uv_connect_t connect;
	uv_write_t write;
	uv_buf_t out;
	char rbuf[65536];
	struct strbuf in;
	bool eof, closed;
	int read_error;
};

static void client_alloc(uv_handle_t *h, size_t n, uv_buf_t *buf)
{
	struct client *c = h->data;

	(void)n;
	*buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct client *c = s->data;

	if (n > 0)
		strbuf_add(&c->in, buf->base, (size_t)n);
	if (n < 0) {
		c->eof = true;
		c->read_error = n == UV_EOF ? 0 : (int)n;
		uv_read_stop(s);
	}
}

static void client_connected(uv_connect_t *req, int status)
{
	struct client *c = req->data;

	assert_int_equal(status, 0);
	uv_read_start(&c->h.stream, client_alloc, client_read);
}

static void client_closed(uv_handle_t *h)
{
	((struct client *)h->data)->closed = true;
}

static void client_tcp(uv_loop_t *loop, struct client *c, int port)
{
	struct sockaddr_in sa;

	memset(c, 0, sizeof(*c));
	strbuf_init(&c->in, STRBUF_NO_CAP);
	uv_tcp_init(loop, &c->h.tcp);
	c->h.stream.data = c;
	c->connect.data = c;
	uv_ip4_addr("127.0.0.1", port, &sa);
	assert_int_equal(uv_tcp_connect(&c->connect, &c->h.tcp, (struct sockaddr *)&sa, client_connected), 0);
}

static void client_send(struct client *c, const char *text)
{
	c->out = uv_buf_init((char *)text, (unsigned)strlen(text));
	assert_int_equal(uv_write(&c->write, &c->h.stream, &c->out, 1, NULL), 0);
}

static void client_close(struct client *c)
{
	uv_close((uv_handle_t *)&c->h, client_closed);
}

/* Run the loop until cond(arg) holds; fails after many rounds (no timers used). */
static void run_until(uv_loop_t *loop, bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 100000 && !cond(arg); i++)
		uv_run(loop, UV_RUN_ONCE);
	assert_true(cond(arg));
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

struct wait_for {
	struct client *c;
	size_t responses;
};

static bool got_responses(void *arg)
{
	struct wait_for *w = arg;

	return count_of(w->c->in.buf, "HTTP/1.1 ") >= w->responses || w->c->eof;
}

static bool got_eof(void *arg)
{
	return ((struct client *)arg)->eof;
}

static bool is_closed(void *arg)
{
	return ((struct client *)arg)->closed;
}

/* ---- the server under test ---- */

struct fixture {
	uv_loop_t loop;
	struct http_server *srv;
	int port;
	struct http_request *held; /* a request the handler keeps for later */
	uv_timer_t timer;
	int mode; /* what the handler does */
	int seen;
	uint64_t connection[8]; /* of the first requests seen */
	bool server_closed;
	struct http_stream *stream; /* STREAM */
	bool stream_gone;
};

enum { ANSWER, HOLD, ABORT_RESET, ANSWER_LATER, STREAM };

#define STREAM_MAX 4096

static void on_stream_gone(void *data)
{
	struct fixture *f = data;

	f->stream_gone = true;
	http_stream_end(f->stream, "ignored");
	f->stream = NULL;
}

static void answer(struct http_request *req, const char *body)
{
	struct http_header h = { "Content-Type", "text/plain" };

	assert_int_equal(http_respond(req, 200, &h, 1, body, strlen(body)), 0);
}

static void on_later(uv_timer_t *t)
{
	struct fixture *f = t->data;

	answer(f->held, "later");
	f->held = NULL;
}

static void handler(struct http_request *req, void *data)
{
	struct fixture *f = data;
	const struct http_message *m = http_request_message(req);
	char body[128];

	if (f->seen < 8)
		f->connection[f->seen] = http_request_connection(req);
	f->seen++;
	if (http_request_error(req)) {
		struct http_header h = { "Content-Type", "application/json" };
		assert_int_equal(http_request_error(req), 413);
		http_respond(req, 413, &h, 1, "{\"too\":\"large\"}", 15);
		return;
	}
	switch (f->mode) {
	case HOLD:
		f->held = req;
		return;
	case ABORT_RESET:
		http_abort(req, true);
		return;
	case ANSWER_LATER:
		f->held = req;
		uv_timer_start(&f->timer, on_later, 1, 0);
		return;
	case STREAM: {
		struct http_header h = { "Content-Type", "text/event-stream" };
		assert_int_equal(http_stream_start(req, 200, &h, 1, STREAM_MAX, on_stream_gone, f, &f->stream), 0);
		assert_int_equal(http_stream_write(f->stream, "hello\n", 6), 0);
		return;
	}
	default:
		snprintf(body, sizeof(body), "%s %s %zu", m->method, m->path, m->body.len);
		answer(req, body);
	}
}

static void setup_server(struct fixture *f, const struct http_server_config *extra)
{
	struct http_server_config cfg = { 0 };

	memset(f, 0, sizeof(*f));
	uv_loop_init(&f->loop);
	uv_timer_init(&f->loop, &f->timer);
	f->timer.data = f;
	if (extra)
		cfg = *extra;
	cfg.handler = handler;
	cfg.data = f;
	assert_int_equal(http_server_new(&f->loop, &cfg, &f->srv), 0);
	assert_int_equal(http_server_listen_tcp(f->srv, "127.0.0.1", 0, &f->port), 0);
	assert_true(f->port > 0);
}

static void on_server_closed(void *data)
{
	((struct fixture *)data)->server_closed = true;
}

static void teardown_server(struct fixture *f)
{
	http_server_close(f->srv, on_server_closed, f);
	uv_close((uv_handle_t *)&f->timer, NULL);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(f->server_closed);
	if (f->held) { /* answered after the close: dropped, still released */
		assert_true(http_request_peer_gone(f->held));
		assert_int_equal(http_respond(f->held, 200, NULL, 0, "x", 1), -EPIPE);
	}
	assert_int_equal(uv_loop_close(&f->loop), 0);
}

static void test_keep_alive_and_pipelining(void **state)
{
	struct fixture f;
	struct client c;
	struct wait_for w = { &c, 3 };

	(void)state;
	setup_server(&f, NULL);
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
			"POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
			"PUT /three HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n");
	run_until(&f.loop, got_responses, &w);
	assert_int_equal(f.seen, 3);
	assert_non_null(strstr(c.in.buf, "GET /one 0"));
	assert_non_null(strstr(c.in.buf, "POST /two 3"));
	assert_non_null(strstr(c.in.buf, "PUT /three 2"));
	assert_non_null(strstr(c.in.buf, "Content-Length: 11\r\n"));
	assert_non_null(strstr(c.in.buf, "Date: "));
	assert_false(c.eof); /* still open: keep-alive */
	assert_int_equal(http_server_connections(f.srv), 1);
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

/* An HTTP/1.0 client asking to keep the connection learns from the answer that it is
 * kept (Connection: keep-alive): without it such a client takes the connection for
 * closed after the answer and waits for the server to close it. One that does not
 * ask has it closed. */
static void test_http10_keep_alive(void **state)
{
	struct fixture f;
	struct client c;
	struct wait_for w = { &c, 1 };

	(void)state;
	setup_server(&f, NULL);
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	run_until(&f.loop, got_responses, &w);
	assert_non_null(strstr(c.in.buf, "GET /old 0"));
	assert_non_null(strstr(c.in.buf, "\r\nConnection: keep-alive\r\n"));
	assert_false(c.eof);
	assert_int_equal(http_server_connections(f.srv), 1);
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);

	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /old HTTP/1.0\r\n\r\n");
	run_until(&f.loop, got_responses, &w);
	assert_non_null(strstr(c.in.buf, "\r\nConnection: close\r\n"));
	assert_null(strstr(c.in.buf, "keep-alive"));
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

/* Each request names the connection that carried it, numbered in accept order. */
static void test_connection_ids(void **state)
{
	struct fixture f;
	struct client a, b;
	struct wait_for wa = { &a, 2 }, wb = { &b, 1 };

	(void)state;
	setup_server(&f, NULL);
	client_tcp(&f.loop, &a, f.port);
	client_send(&a, "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(&f.loop, got_responses, &wa);
	client_tcp(&f.loop, &b, f.port);
	client_send(&b, "GET /three HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(&f.loop, got_responses, &wb);
	assert_int_equal(f.seen, 3);
	assert_int_equal(f.connection[0], 1);
	assert_int_equal(f.connection[1], 1); /* kept alive */
	assert_int_equal(f.connection[2], 2);
	client_close(&a);
	client_close(&b);
	run_until(&f.loop, is_closed, &a);
	run_until(&f.loop, is_closed, &b);
	strbuf_release(&a.in);
	strbuf_release(&b.in);
	teardown_server(&f);
}

static void test_answer_from_a_timer(void **state)
{
	struct fixture f;
	struct client c;
	struct wait_for w = { &c, 1 };

	(void)state;
	setup_server(&f, NULL);
	f.mode = ANSWER_LATER;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /slow HTTP/1.1\r\nConnection: close\r\n\r\n");
	run_until(&f.loop, got_responses, &w);
	run_until(&f.loop, got_eof, &c);
	assert_non_null(strstr(c.in.buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(c.in.buf, "Connection: close\r\n"));
	assert_non_null(strstr(c.in.buf, "\r\n\r\nlater"));
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

static void test_abort_resets(void **state)
{
	struct fixture f;
	struct client c;

	(void)state;
	setup_server(&f, NULL);
	f.mode = ABORT_RESET;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /cut HTTP/1.1\r\n\r\n");
	run_until(&f.loop, got_eof, &c);
	assert_int_equal(c.in.len, 0);
	assert_int_equal(c.read_error, UV_ECONNRESET);
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

static void test_limits(void **state)
{
	struct http_server_config cfg = { .limits = { .max_body_bytes = 16 }, .errors_to_handler = true };
	struct fixture f;
	struct client a, b;

	(void)state;
	setup_server(&f, &cfg);
	/* a body over the limit reaches the handler as a 413, then the connection closes */
	client_tcp(&f.loop, &a, f.port);
	client_send(&a, "POST /big HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789");
	run_until(&f.loop, got_eof, &a);
	assert_non_null(strstr(a.in.buf, "HTTP/1.1 413 Content Too Large\r\n"));
	assert_non_null(strstr(a.in.buf, "{\"too\":\"large\"}"));
	/* a malformed request gets a plain 400 from the server itself */
	client_tcp(&f.loop, &b, f.port);
	client_send(&b, "NOT HTTP\r\n\r\n");
	run_until(&f.loop, got_eof, &b);
	assert_non_null(strstr(b.in.buf, "HTTP/1.1 400 Bad Request\r\n"));
	assert_int_equal(f.seen, 1);
	client_close(&a);
	client_close(&b);
	run_until(&f.loop, is_closed, &a);
	run_until(&f.loop, is_closed, &b);
	strbuf_release(&a.in);
	strbuf_release(&b.in);
	teardown_server(&f);
}

static void test_max_connections_and_idle_timeout(void **state)
{
	struct http_server_config cfg = { .max_connections = 1, .idle_timeout_ms = 20 };
	struct fixture f;
	struct client a, b;

	(void)state;
	setup_server(&f, &cfg);
	client_tcp(&f.loop, &a, f.port);
	client_tcp(&f.loop, &b, f.port);
	/* one waits until the other is closed when idle, then is closed when idle too */
	run_until(&f.loop, got_eof, &a);
	run_until(&f.loop, got_eof, &b);
	assert_int_equal(a.in.len + b.in.len, 0);
	client_close(&a);
	client_close(&b);
	run_until(&f.loop, is_closed, &a);
	run_until(&f.loop, is_closed, &b);
	strbuf_release(&a.in);
	strbuf_release(&b.in);
	teardown_server(&f);
}

/* At the cap a new connection evicts the reading connection that has waited longest
 * (an idle or slow one) once it has waited half a second; while every connection is
 * busy with a request, or readers are fresh, the new one waits (in libuv and the
 * kernel's backlog, costing the server nothing) and is served in turn. The server
 * never holds more than max_connections open. */
static void test_excess_connections(void **state)
{
	struct http_server_config cfg = { .max_connections = 1 };
	struct fixture f;
	struct client a, b, c;
	struct wait_for wa = { &a, 1 }, wb = { &b, 1 }, wc = { &c, 1 };

	(void)state;
	setup_server(&f, &cfg);
	client_tcp(&f.loop, &a, f.port);
	client_send(&a, "GET /first HTTP/1.1\r\n\r\n");
	run_until(&f.loop, got_responses, &wa);
	/* a is idle (kept alive): b takes its place and is answered */
	client_tcp(&f.loop, &b, f.port);
	client_send(&b, "GET /second HTTP/1.1\r\n\r\n");
	run_until(&f.loop, got_eof, &a);
	assert_non_null(strstr(a.in.buf, "GET /first 0")); /* a had its answer */
	run_until(&f.loop, got_responses, &wb);
	assert_non_null(strstr(b.in.buf, "GET /second 0"));
	assert_false(b.eof);
	assert_int_equal(http_server_connections(f.srv), 1);
	/* b's next request is held by the handler: c waits, not turned away */
	f.mode = HOLD;
	client_send(&b, "GET /third HTTP/1.1\r\n\r\n");
	while (!f.held)
		uv_run(&f.loop, UV_RUN_ONCE);
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /fourth HTTP/1.1\r\n\r\n");
	for (int i = 0; i < 200; i++)
		uv_run(&f.loop, UV_RUN_NOWAIT);
	assert_false(c.eof);
	assert_int_equal(c.in.len, 0);
	assert_int_equal(f.seen, 3);
	assert_int_equal(http_server_connections(f.srv), 1);
	/* b is answered, then idle: c takes its place at once, not once b's idle timeout
	 * (60 s) closes it: turns that do not wait for a timer are enough */
	f.mode = ANSWER;
	answer(f.held, "held");
	f.held = NULL;
	wb.responses = 2;
	for (int i = 0; i < 200 && !(got_responses(&wb) && got_responses(&wc) && b.eof); i++)
		uv_run(&f.loop, UV_RUN_NOWAIT);
	assert_true(got_responses(&wb));
	assert_non_null(strstr(b.in.buf, "held"));
	assert_true(got_responses(&wc));
	assert_non_null(strstr(c.in.buf, "GET /fourth 0"));
	assert_true(b.eof);
	client_close(&a);
	client_close(&b);
	client_close(&c);
	run_until(&f.loop, is_closed, &a);
	run_until(&f.loop, is_closed, &b);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&a.in);
	strbuf_release(&b.in);
	strbuf_release(&c.in);
	teardown_server(&f);
}

/* A client sending a request head one byte at a time. */
struct trickler {
	struct client c;
	uv_timer_t timer;
	uv_write_t w[4096];
	size_t sent;
};

static void trickle(uv_timer_t *t)
{
	static char head[] = "GET /slow HTTP/1.1\r\nX-Slow: ";
	static char pad[] = "a";
	struct trickler *k = t->data;
	uv_buf_t buf;

	if (k->c.eof || k->sent == sizeof(k->w) / sizeof(k->w[0])) {
		uv_timer_stop(t);
		return;
	}
	buf = uv_buf_init(k->sent < sizeof(head) - 1 ? head + k->sent : pad, 1);
	if (uv_write(&k->w[k->sent], &k->c.h.stream, &buf, 1, NULL) == 0)
		k->sent++;
}

static bool trickle_over(void *arg)
{
	struct trickler *k = arg;

	return k->c.eof || k->sent == sizeof(k->w) / sizeof(k->w[0]);
}

/* Bytes arriving do not extend the time a request may take: a head sent one byte at
 * a time is cut at the request deadline (408), however long the idle timeout, and a
 * connection that never sends anything is closed when idle. */
static void test_request_deadline(void **state)
{
	struct http_server_config cfg = { .idle_timeout_ms = 60000, .request_timeout_ms = 40 };
	struct fixture f;
	struct trickler *k = xcalloc(1, sizeof(*k));
	struct client c;

	(void)state;
	setup_server(&f, &cfg);
	client_tcp(&f.loop, &k->c, f.port);
	uv_timer_init(&f.loop, &k->timer);
	k->timer.data = k;
	uv_timer_start(&k->timer, trickle, 2, 2);
	run_until(&f.loop, trickle_over, k);
	/* with a margin of a hundred deadlines, however slow the machine */
	assert_true(k->c.eof);
	assert_true(k->sent < sizeof(k->w) / sizeof(k->w[0]));
	assert_non_null(strstr(k->c.in.buf, "HTTP/1.1 408 Request Timeout\r\n"));
	assert_int_equal(f.seen, 0);
	uv_close((uv_handle_t *)&k->timer, NULL);
	client_close(&k->c);
	run_until(&f.loop, is_closed, &k->c);
	strbuf_release(&k->c.in);
	free(k);
	teardown_server(&f);

	cfg.idle_timeout_ms = 40;
	cfg.request_timeout_ms = 60000;
	setup_server(&f, &cfg);
	client_tcp(&f.loop, &c, f.port);
	run_until(&f.loop, got_eof, &c);
	assert_int_equal(c.in.len, 0);
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

static void test_close_with_a_request_held(void **state)
{
	struct fixture f;
	struct client c;

	(void)state;
	setup_server(&f, NULL);
	f.mode = HOLD;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /held HTTP/1.1\r\n\r\n");
	while (!f.held)
		uv_run(&f.loop, UV_RUN_ONCE);
	assert_false(http_request_peer_gone(f.held));
	assert_true(http_request_is_local(f.held));
	client_close(&c);
	teardown_server(&f); /* answers the held request after the close */
	strbuf_release(&c.in);
}

static bool stream_open(void *arg)
{
	return ((struct fixture *)arg)->stream != NULL;
}

static bool stream_gone(void *arg)
{
	return ((struct fixture *)arg)->stream_gone;
}

static bool got_hello(void *arg)
{
	return strstr(((struct client *)arg)->in.buf, "hello\n") != NULL;
}

/* A streamed answer: head without length, data as written, the last text, then the
 * connection closes. */
static void test_stream(void **state)
{
	struct fixture f;
	struct client c;

	(void)state;
	setup_server(&f, NULL);
	f.mode = STREAM;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /events HTTP/1.1\r\n\r\n");
	run_until(&f.loop, got_hello, &c);
	assert_non_null(strstr(c.in.buf, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"));
	assert_null(strstr(c.in.buf, "Content-Length"));
	assert_int_equal(http_stream_write(f.stream, "more\n", 5), 0);
	http_stream_end(f.stream, "bye\n");
	f.stream = NULL;
	run_until(&f.loop, got_eof, &c);
	assert_non_null(strstr(c.in.buf, "\r\n\r\nhello\nmore\nbye\n"));
	assert_false(f.stream_gone);
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

/* A peer that stops reading: unwritten data never passes the bound (writes fail with
 * -ENOBUFS instead); the end's last text still goes out once the peer reads. */
static void test_stream_bounded(void **state)
{
	struct fixture f;
	struct client c;
	char chunk[1000];
	int r = 0;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	setup_server(&f, NULL);
	f.mode = STREAM;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /events HTTP/1.1\r\n\r\n");
	run_until(&f.loop, got_hello, &c);
	uv_read_stop(&c.h.stream);
	for (int i = 0; i < 1000000 && r == 0; i++) {
		r = http_stream_write(f.stream, chunk, sizeof(chunk));
		assert_true(http_stream_buffered(f.stream) <= STREAM_MAX);
		uv_run(&f.loop, UV_RUN_NOWAIT);
	}
	assert_int_equal(r, -ENOBUFS);
	http_stream_end(f.stream, "dropped\n");
	f.stream = NULL;
	uv_read_start(&c.h.stream, client_alloc, client_read);
	run_until(&f.loop, got_eof, &c);
	assert_int_equal(strcmp(c.in.buf + c.in.len - 8, "dropped\n"), 0);
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
}

/* The peer closes: on_gone runs (from the loop) and the owner ends the stream; a server
 * closing does the same. */
static void test_stream_peer_gone(void **state)
{
	struct fixture f;
	struct client c;

	(void)state;
	setup_server(&f, NULL);
	f.mode = STREAM;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /events HTTP/1.1\r\n\r\n");
	run_until(&f.loop, got_hello, &c);
	client_close(&c);
	run_until(&f.loop, stream_gone, &f);
	assert_null(f.stream);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);

	f.stream_gone = false;
	client_tcp(&f.loop, &c, f.port);
	client_send(&c, "GET /events HTTP/1.1\r\n\r\n");
	run_until(&f.loop, stream_open, &f);
	http_server_close(f.srv, on_server_closed, &f); /* on_gone ends it */
	assert_true(f.stream_gone);
	run_until(&f.loop, got_eof, &c);
	client_close(&c);
	uv_close((uv_handle_t *)&f.timer, NULL);
	uv_run(&f.loop, UV_RUN_DEFAULT);
	assert_true(f.server_closed);
	assert_int_equal(uv_loop_close(&f.loop), 0);
	strbuf_release(&c.in);
}

/* A request sent with the connection (as bedrock-tenantctl sends one) is read as the
 * connection is accepted: answered in that turn of the loop, not the next. */
static void test_request_read_at_accept(void **state)
{
	static const char req[] = "GET /v1/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	struct fixture f;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char in[4096];
	ssize_t n;
	int fd;

	(void)state;
	setup_server(&f, NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_port = htons((uint16_t)f.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0); /* in the backlog */
	assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)(sizeof(req) - 1));
	uv_run(&f.loop, UV_RUN_ONCE); /* one turn: the accept */
	n = recv(fd, in, sizeof(in) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	in[n] = 0;
	assert_non_null(strstr(in, "HTTP/1.1 200"));
	assert_non_null(strstr(in, "GET /v1/status 0"));
	assert_int_equal(f.seen, 1);
	close(fd);
	/* two such connections waiting at once: the turn's first is answered in that turn,
	 * the second at the next (a client reconnecting at once is not served again and
	 * again while the loop sees nothing else) */
	{
		int fd2 = socket(AF_INET, SOCK_STREAM, 0);
		usleep(2000); /* a turn of its own: the loop's time (ms) moves on */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)(sizeof(req) - 1));
		assert_int_equal(connect(fd2, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(write(fd2, req, sizeof(req) - 1), (ssize_t)(sizeof(req) - 1));
		uv_run(&f.loop, UV_RUN_ONCE);
		assert_true(recv(fd, in, sizeof(in) - 1, MSG_DONTWAIT) > 0);
		assert_int_equal(recv(fd2, in, sizeof(in) - 1, MSG_DONTWAIT), -1);
		assert_int_equal(f.seen, 2);
		for (int i = 0; i < 50 && f.seen < 3; i++)
			uv_run(&f.loop, UV_RUN_NOWAIT);
		assert_int_equal(f.seen, 3);
		assert_true(recv(fd2, in, sizeof(in) - 1, MSG_DONTWAIT) > 0);
		close(fd);
		close(fd2);
	}
	/* a client that connects and closes without a word: its connection is closed */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	uv_run(&f.loop, UV_RUN_ONCE);
	uv_run(&f.loop, UV_RUN_NOWAIT);
	assert_int_equal(http_server_connections(f.srv), 0);
	assert_int_equal(f.seen, 3);
	teardown_server(&f);
}

static void test_unix_socket(void **state)
{
	struct fixture f;
	struct http_server_config cfg = { 0 };
	struct client c;
	struct wait_for w = { &c, 1 };
	char dir[] = "/tmp/btd-http-XXXXXX", path[128];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	memset(&f, 0, sizeof(f));
	uv_loop_init(&f.loop);
	uv_timer_init(&f.loop, &f.timer);
	cfg.handler = handler;
	cfg.data = &f;
	assert_int_equal(http_server_new(&f.loop, &cfg, &f.srv), 0);
	assert_int_equal(http_server_listen_unix(f.srv, path, 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	memset(&c, 0, sizeof(c));
	strbuf_init(&c.in, STRBUF_NO_CAP);
	uv_pipe_init(&f.loop, &c.h.pipe, 0);
	c.h.stream.data = c.connect.data = &c;
	uv_pipe_connect(&c.connect, &c.h.pipe, path, client_connected);
	client_send(&c, "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
	run_until(&f.loop, got_responses, &w);
	assert_non_null(strstr(c.in.buf, "GET /v1/health 0"));
	client_close(&c);
	run_until(&f.loop, is_closed, &c);
	strbuf_release(&c.in);
	teardown_server(&f);
	assert_int_equal(stat(path, &st), -1); /* removed on close */
	/* the socket file removed by hand and a regular file put in its place: the
	 * listener is dropped, and neither it nor the server's close removes that file */
	{
		uv_loop_t loop;
		struct http_server *s;
		FILE *fp;

		uv_loop_init(&loop);
		assert_int_equal(http_server_new(&loop, &cfg, &s), 0);
		assert_int_equal(http_server_listen_unix(s, path, 0600), 0);
		assert_int_equal(http_server_drop_lost_unix(s), 0); /* intact */
		assert_int_equal(unlink(path), 0);
		fp = fopen(path, "w");
		fclose(fp);
		assert_int_equal(http_server_drop_lost_unix(s), 1);
		assert_int_equal(http_server_drop_lost_unix(s), 0);
		uv_run(&loop, UV_RUN_NOWAIT);
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(unlink(path), 0);
		assert_int_equal(http_server_listen_unix(s, path, 0600), 0); /* listening again */
		http_server_close(s, NULL, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(stat(path, &st), -1); /* its own socket is removed on close */
		assert_int_equal(uv_loop_close(&loop), 0);
	}
	/* a regular file in the way is not replaced */
	{
		FILE *fp = fopen(path, "w");
		uv_loop_t loop;
		struct http_server *s;

		fclose(fp);
		uv_loop_init(&loop);
		assert_int_equal(http_server_new(&loop, &cfg, &s), 0);
		assert_int_equal(http_server_listen_unix(s, path, 0600), -EEXIST);
		http_server_close(s, NULL, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&loop), 0);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_alive_and_pipelining),
		cmocka_unit_test(test_http10_keep_alive),
		cmocka_unit_test(test_connection_ids),
		cmocka_unit_test(test_answer_from_a_timer),
		cmocka_unit_test(test_abort_resets),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_max_connections_and_idle_timeout),
		cmocka_unit_test(test_excess_connections),
		cmocka_unit_test(test_request_deadline),
		cmocka_unit_test(test_close_with_a_request_held),
		cmocka_unit_test(test_request_read_at_accept),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_bounded),
		cmocka_unit_test(test_stream_peer_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
