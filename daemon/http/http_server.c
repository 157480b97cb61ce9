#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

#define READ_BUF_SIZE	  16384
#define LINGER_MS	  1000
#define RESPONSE_HEAD_CAP (64 * 1024)

union stream_handle {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
};

struct http_listener {
	union stream_handle h;
	struct http_server *srv;
	char *unix_path;
	dev_t dev; /* unix_path's socket file as bound: only that file is ours to remove */
	ino_t ino;
	bool waiting; /* a connection waits in libuv for a free slot (not accepted) */
	struct http_listener *next;
};

/* Connection states, changed only through set_state(). */
enum conn_state {
	CONN_READING,	/* waiting for (more of) a request */
	CONN_HANDLING,	/* a request is with the handler; reading paused */
	CONN_WRITING,	/* the answer is being written */
	CONN_LINGER,	/* answered with close: write side shut, draining input */
	CONN_STREAMING, /* a streamed answer (http_stream_start) until it ends */
	CONN_CLOSING,	/* handles are closing */
};

struct http_conn {
	union stream_handle h;
	uv_timer_t timer; /* idle timeout, request deadline, write or linger timeout */
	uv_write_t wreq;
	uv_write_t continue_req;
	uv_shutdown_t shutdown_req;
	struct http_server *srv;
	struct http_parser parser;
	struct http_request *req;   /* with the handler; NULL otherwise */
	struct strbuf pending;	    /* input received after the request being handled */
	struct strbuf out;	    /* the answer being written */
	struct strbuf queued;	    /* streaming: what waits for the write in flight */
	struct http_stream *stream; /* streaming and not ended; NULL otherwise */
	bool writing;		    /* streaming: a write is in flight */
	enum conn_state state;
	bool is_tcp, local, close_after_write;
	bool in_request;	/* bytes of a request arrived: its deadline runs */
	uint64_t reading_since; /* loop time it last began to wait for a request */
	unsigned requests;	/* handed to the handler so far */
	uint64_t id;		/* 1, 2, ... in the order the server accepted connections */
	int open_handles;
	struct http_conn *prev, *next;
	char rbuf[READ_BUF_SIZE];
};

struct http_request {
	struct http_conn *conn; /* NULL once the connection is gone */
	struct http_message *msg;
	int error;
	bool local;
	uint64_t connection; /* the id of the connection that carried it */
};

struct http_stream {
	struct http_conn *conn; /* NULL once the connection is gone */
	size_t max_buffered;
	void (*on_gone)(void *data);
	void *data;
};

struct http_server {
	uv_loop_t *loop;
	struct http_server_config cfg;
	struct http_listener *listeners;
	size_t open_listeners;
	struct http_conn *conns;
	size_t n_conns;	   /* allocated, closing ones included */
	size_t n_open;	   /* not closing: what max_connections counts */
	uv_timer_t resume; /* takes waiting connections on a later turn */
	bool resume_open;
	uint64_t accept_turn; /* loop time of the turn accepts are counted for */
	uint64_t accepted;    /* connections accepted so far: the last connection id */
	unsigned accepts_in_turn;
	bool closing;
	void (*done)(void *data);
	void *done_data;
	time_t date_at;
	char date[64];
};

static void conn_close(struct http_conn *c, bool reset);
static void conn_process(struct http_conn *c, const char *data, size_t len);
static void start_reading(struct http_conn *c);
static void on_timer(uv_timer_t *t);
static void accept_waiting(struct http_server *s);
static bool is_idle(const struct http_conn *c);
static void on_resume(uv_timer_t *t);

static void set_state(struct http_conn *c, enum conn_state s)
{
	if (s == CONN_READING)
		c->reading_since = uv_now(c->srv->loop);
	if (s == CONN_CLOSING)
		c->srv->n_open--;
	c->state = s;
}

int http_server_new(uv_loop_t *loop, const struct http_server_config *cfg, struct http_server **ret)
{
	struct http_server *s;

	if (!cfg->handler)
		return -EINVAL;
	s = xcalloc(1, sizeof(*s));
	s->loop = loop;
	s->cfg = *cfg;
	if (!s->cfg.max_connections)
		s->cfg.max_connections = 1024;
	if (!s->cfg.idle_timeout_ms)
		s->cfg.idle_timeout_ms = 60000;
	if (!s->cfg.request_timeout_ms)
		s->cfg.request_timeout_ms = 10000;
	uv_timer_init(loop, &s->resume);
	s->resume.data = s;
	s->resume_open = true;
	*ret = s;
	return 0;
}

size_t http_server_connections(const struct http_server *s)
{
	return s->n_conns;
}

static void maybe_finished(struct http_server *s)
{
	if (!s->closing || s->open_listeners || s->n_conns || s->resume_open)
		return;
	if (s->done)
		s->done(s->done_data);
	free(s);
}

/* ---- request handles ---- */

const struct http_message *http_request_message(const struct http_request *req)
{
	return req->msg;
}

int http_request_error(const struct http_request *req)
{
	return req->error;
}

bool http_request_is_local(const struct http_request *req)
{
	return req->local;
}

bool http_request_peer_gone(const struct http_request *req)
{
	return !req->conn;
}

uint64_t http_request_connection(const struct http_request *req)
{
	return req->connection;
}

static void request_free(struct http_request *req)
{
	if (req->conn)
		req->conn->req = NULL;
	http_message_free(req->msg);
	free(req);
}

static const char *http_date(struct http_server *s)
{
	time_t now = time(NULL);

	if (now != s->date_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(s->date, sizeof(s->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		s->date_at = now;
	}
	return s->date;
}

static void stream_written(struct http_conn *c);

static void on_write(uv_write_t *w, int status)
{
	struct http_conn *c = w->data;
	struct strbuf leftover;

	if (c->state == CONN_CLOSING)
		return;
	if (status < 0) {
		conn_close(c, false);
		return;
	}
	if (c->state == CONN_STREAMING) {
		stream_written(c);
		return;
	}
	if (c->close_after_write || c->srv->closing) {
		/* Lingering close: shut the write side and drain what the peer still sends,
		 * so the kernel does not answer unread bytes with a reset that could
		 * destroy the answer before the peer reads it. */
		set_state(c, CONN_LINGER);
		if (uv_shutdown(&c->shutdown_req, &c->h.stream, NULL) < 0)
			conn_close(c, false);
		else
			start_reading(c);
		return;
	}
	/* an idle kept-alive connection holds no answer buffer */
	strbuf_release(&c->out);
	strbuf_init(&c->out, STRBUF_NO_CAP);
	set_state(c, CONN_READING);
	start_reading(c);
	/* a pipelined request that came with the previous one: dispatched now, or its
	 * deadline starts (reading stops again while a request is with the handler) */
	leftover = c->pending;
	strbuf_init(&c->pending, STRBUF_NO_CAP);
	if (leftover.len && c->state == CONN_READING)
		conn_process(c, leftover.buf, leftover.len);
	strbuf_release(&leftover);
	/* idle now: a connection that waits for a slot since every one was busy takes
	 * this one's at once, not when its idle timeout closes it */
	if (is_idle(c))
		accept_waiting(c->srv);
}

int http_respond(struct http_request *req, int status, const struct http_header *headers, size_t n_headers,
		 const void *body, size_t body_len)
{
	struct http_conn *c = req->conn;
	bool have_date = false, head = strcmp(req->msg->method, "HEAD") == 0;
	uv_buf_t buf;

	if (!c) {
		request_free(req);
		return -EPIPE;
	}
	if (!req->msg->keep_alive || req->error)
		c->close_after_write = true;
	strbuf_reset(&c->out);
	strbuf_addf(&c->out, "HTTP/1.1 %d %s\r\n", status, http_status_reason(status));
	for (size_t i = 0; i < n_headers; i++) {
		if (strcasecmp(headers[i].name, "date") == 0)
			have_date = true;
		if (strcasecmp(headers[i].name, "connection") == 0 && strcasecmp(headers[i].value, "close") == 0) {
			c->close_after_write = true;
			continue;
		}
		strbuf_addf(&c->out, "%s: %s\r\n", headers[i].name, headers[i].value);
	}
	if (!have_date)
		strbuf_addf(&c->out, "Date: %s\r\n", http_date(c->srv));
	if (c->close_after_write || c->srv->closing)
		strbuf_adds(&c->out, "Connection: close\r\n");
	else if (req->msg->version_minor == 0) /* an HTTP/1.0 client keeps it only if told */
		strbuf_adds(&c->out, "Connection: keep-alive\r\n");
	strbuf_addf(&c->out, "Content-Length: %zu\r\n\r\n", body_len);
	if (!head && body_len)
		strbuf_add(&c->out, body, body_len);
	request_free(req);
	set_state(c, CONN_WRITING);
	buf = uv_buf_init(c->out.buf, (unsigned)c->out.len);
	if (uv_write(&c->wreq, &c->h.stream, &buf, 1, on_write) < 0) {
		conn_close(c, false);
		return -EPIPE;
	}
	/* a peer that stops reading is dropped after the idle timeout too */
	uv_timer_start(&c->timer, on_timer, c->srv->cfg.idle_timeout_ms, 0);
	return 0;
}

void http_abort(struct http_request *req, bool reset)
{
	struct http_conn *c = req->conn;

	request_free(req);
	if (c)
		conn_close(c, reset);
}

/* ---- connections ---- */

static void on_handle_closed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	struct http_server *s = c->srv;

	if (--c->open_handles)
		return;
	http_parser_release(&c->parser);
	strbuf_release(&c->pending);
	strbuf_release(&c->out);
	strbuf_release(&c->queued);
	free(c);
	s->n_conns--;
	accept_waiting(s);
	maybe_finished(s);
}

static void conn_close(struct http_conn *c, bool reset)
{
	struct http_server *s = c->srv;

	if (c->state == CONN_CLOSING)
		return;
	set_state(c, CONN_CLOSING);
	if (c->req) {
		c->req->conn = NULL;
		c->req = NULL;
	}
	if (c->stream) {
		struct http_stream *st = c->stream;
		c->stream = NULL;
		st->conn = NULL;
		st->on_gone(st->data);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
	if (reset && c->is_tcp && uv_tcp_close_reset(&c->h.tcp, on_handle_closed) == 0)
		return;
	uv_close(&c->h.handle, on_handle_closed);
}

static void reject(struct http_conn *c, int status, const char *reason);

static void on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;

	if (c->state == CONN_READING && c->in_request) {
		reject(c, 408, "the request did not arrive in time");
		return;
	}
	conn_close(c, false);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct http_conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = stream->data;

	if (nread < 0) {
		conn_close(c, false);
		return;
	}
	if (c->state == CONN_LINGER || nread == 0)
		return;
	conn_process(c, buf->base, (size_t)nread);
}

/* Reading starts in CONN_READING between requests (the idle timeout runs until the
 * first byte of the next request) and in CONN_LINGER (a short drain). Arriving bytes
 * never extend either timer. */
static void start_reading(struct http_conn *c)
{
	uint64_t ms = c->state == CONN_LINGER ? LINGER_MS : c->srv->cfg.idle_timeout_ms;

	c->in_request = false;
	uv_timer_start(&c->timer, on_timer, ms, 0);
	if (uv_read_start(&c->h.stream, on_alloc, on_read) < 0)
		conn_close(c, false);
}

static void dispatch(struct http_conn *c, struct http_message *msg, int error)
{
	struct http_request *req = xcalloc(1, sizeof(*req));

	req->conn = c;
	req->msg = msg;
	req->error = error;
	req->local = c->local;
	req->connection = c->id;
	c->req = req;
	c->in_request = false;
	c->requests++;
	set_state(c, CONN_HANDLING);
	uv_read_stop(&c->h.stream);
	uv_timer_stop(&c->timer);
	c->srv->cfg.handler(req, c->srv->cfg.data);
}

/* Answer a request the parser rejected, in plain text, then close. */
static void reject(struct http_conn *c, int status, const char *reason)
{
	struct http_request *req = xcalloc(1, sizeof(*req));
	struct http_header h = { "Content-Type", "text/plain" };
	char body[128];
	int n = snprintf(body, sizeof(body), "%s\n", reason);

	c->in_request = false;
	req->conn = c;
	req->msg = xcalloc(1, sizeof(*req->msg));
	req->msg->method = "GET";
	req->error = status;
	c->req = req;
	uv_read_stop(&c->h.stream);
	http_respond(req, status, &h, 1, body, (size_t)n);
}

static void send_continue(struct http_conn *c)
{
	static char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
	uv_buf_t buf = uv_buf_init(line, sizeof(line) - 1);

	uv_write(&c->continue_req, &c->h.stream, &buf, 1, NULL);
}

static void conn_process(struct http_conn *c, const char *data, size_t len)
{
	if (c->state == CONN_READING && len && !c->in_request) {
		/* the first byte of a request: the whole request must follow in time */
		c->in_request = true;
		uv_timer_start(&c->timer, on_timer, c->srv->cfg.request_timeout_ms, 0);
	}
	while (c->state == CONN_READING) {
		size_t used = 0;
		enum http_parse_result r = http_parser_feed(&c->parser, data, len, &used);

		data += used;
		len -= used;
		switch (r) {
		case HTTP_PARSE_MORE:
			return;
		case HTTP_PARSE_HEAD:
			if (c->parser.msg->expect_continue && !len)
				send_continue(c);
			continue;
		case HTTP_PARSE_DONE:
			strbuf_add(&c->pending, data, len);
			dispatch(c, http_parser_detach(&c->parser), 0);
			return;
		case HTTP_PARSE_ERROR:
			if (c->parser.status == 413 && c->parser.msg && c->srv->cfg.errors_to_handler) {
				c->close_after_write = true;
				dispatch(c, http_parser_detach(&c->parser), 413);
			} else {
				reject(c, c->parser.status, c->parser.reason);
			}
			return;
		}
	}
}

static bool peer_is_loopback(uv_tcp_t *tcp)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		const uint8_t *a = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return false;
}

/* A client that connects and sends its request at once (bedrock-tenantctl, a health
 * check: a new connection for each request) has it in the socket by the time the
 * connection is accepted. Reading it then, not at the loop's next poll, answers it in
 * the turn that accepted it: one turn of the loop less to wait, which while the daemon
 * converges is half of what such a request waits (docs/PERFORMANCE.md, "A request
 * read as its connection is accepted"). What this read does not take (nothing sent
 * yet, a longer request) is read as any later input. Only the turn's first accepted
 * connection is read so (a turn: the loop's time, in milliseconds, as for
 * ACCEPTS_PER_TURN): libuv accepts until the backlog is empty, and a client that
 * reconnects as soon as it has its answer would otherwise be answered again and again
 * within one turn, while the loop sees nothing else (not even the closes of the
 * connections it just answered: event streams piled up to their cap so). */
static void read_at_accept(struct http_conn *c)
{
	uv_os_fd_t fd;
	ssize_t n;

	if (uv_fileno(&c->h.handle, &fd) < 0)
		return;
	do
		n = recv(fd, c->rbuf, sizeof(c->rbuf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		conn_process(c, c->rbuf, (size_t)n);
	else if (n == 0) /* closed before it sent anything, as on_read's end of input */
		conn_close(c, false);
}

/* Takes the connection libuv holds for l into a new struct http_conn; read_now: its
 * request is read at once (read_at_accept). */
static void conn_accept(struct http_listener *l, bool read_now)
{
	struct http_server *s = l->srv;
	struct http_conn *c = xcalloc(1, sizeof(*c));

	c->srv = s;
	c->id = ++s->accepted;
	c->is_tcp = l->h.handle.type == UV_TCP;
	if (c->is_tcp)
		uv_tcp_init(s->loop, &c->h.tcp);
	else
		uv_pipe_init(s->loop, &c->h.pipe, 0);
	uv_timer_init(s->loop, &c->timer);
	c->h.handle.data = c;
	c->timer.data = c;
	c->wreq.data = c;
	c->open_handles = 2;
	http_parser_init(&c->parser, &s->cfg.limits);
	strbuf_init(&c->pending, STRBUF_NO_CAP);
	strbuf_init(&c->out, STRBUF_NO_CAP);
	strbuf_init(&c->queued, STRBUF_NO_CAP);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	s->n_open++;
	set_state(c, CONN_READING);
	if (uv_accept(&l->h.stream, &c->h.stream) < 0) {
		conn_close(c, false);
		return;
	}
	if (c->is_tcp) {
		uv_tcp_nodelay(&c->h.tcp, 1);
		c->local = peer_is_loopback(&c->h.tcp);
	} else {
		c->local = true;
	}
	start_reading(c);
	if (read_now)
		read_at_accept(c);
}

/* A kept-alive connection between requests: it has had its answers. */
static bool is_idle(const struct http_conn *c)
{
	return c->state == CONN_READING && !c->in_request && c->requests > 0;
}

/* The connection to give way to a new one: an idle kept-alive one first, else the
 * reading connection that has waited longest for (the rest of) its request. NULL when
 * every connection is busy with a request. */
static struct http_conn *eviction_candidate(struct http_server *s)
{
	struct http_conn *best = NULL;

	for (struct http_conn *c = s->conns; c; c = c->next) {
		if (c->state != CONN_READING)
			continue;
		if (!best || (is_idle(c) && !is_idle(best)) ||
		    (is_idle(c) == is_idle(best) && c->reading_since < best->reading_since))
			best = c;
	}
	return best;
}

/* Connections are taken from the listen backlog at most ACCEPTS_PER_TURN in one turn
 * of the loop, so a flood of reconnecting clients cannot keep the loop in its accept
 * loop. At max_connections a new connection evicts an idle kept-alive connection, or
 * else the reading connection that has waited longest once it has waited
 * EVICT_AFTER_MS (a slow client gives way; a fresh one keeps its chance to send its
 * request); otherwise it waits, held by
 * libuv (which stops watching the listener meanwhile), the rest in the kernel's
 * backlog, until a slot frees or a reader becomes old enough. Memory stays bounded:
 * at most max_connections open plus the turn's closing ones. */
#define ACCEPTS_PER_TURN 64
#define EVICT_AFTER_MS	 500
/* The kernel's queue of connections not yet accepted. A client that finds it full
 * does not wait: its non-blocking connect() (curl's, bedrock-tenantctl's) fails at
 * once with EAGAIN. Thousands of connections opened at once must leave room for a
 * health check, which then waits its turn; the kernel caps the queue at
 * net.core.somaxconn (4096 by default since Linux 5.4). */
#define LISTEN_BACKLOG 4096

static void wait_for_slot(struct http_listener *l, uint64_t delay_ms)
{
	l->waiting = true;
	if (delay_ms)
		uv_timer_start(&l->srv->resume, on_resume, delay_ms, 0);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct http_listener *l = server->data;
	struct http_server *s = l->srv;
	uint64_t now = uv_now(s->loop);

	if (status < 0 || s->closing)
		return;
	if (now != s->accept_turn) {
		s->accept_turn = now;
		s->accepts_in_turn = 0;
	}
	if (s->accepts_in_turn >= ACCEPTS_PER_TURN) {
		wait_for_slot(l, 1);
		return;
	}
	if (s->n_open >= s->cfg.max_connections) {
		struct http_conn *victim = eviction_candidate(s);
		if (!victim) {
			wait_for_slot(l, 0); /* a slot frees when an answer is done */
			return;
		}
		if (!is_idle(victim) && now - victim->reading_since < EVICT_AFTER_MS) {
			wait_for_slot(l, victim->reading_since + EVICT_AFTER_MS - now);
			return;
		}
		conn_close(victim, false);
	}
	s->accepts_in_turn++;
	conn_accept(l, s->accepts_in_turn == 1);
}

static void accept_waiting(struct http_server *s)
{
	for (struct http_listener *l = s->listeners; l && !s->closing; l = l->next) {
		if (!l->waiting)
			continue;
		l->waiting = false;
		on_connection(&l->h.stream, 0);
	}
}

static void on_resume(uv_timer_t *t)
{
	accept_waiting(t->data);
}

/* ---- listeners ---- */

static struct http_listener *listener_new(struct http_server *s)
{
	struct http_listener *l = xcalloc(1, sizeof(*l));

	l->srv = s;
	l->h.handle.data = l;
	l->next = s->listeners;
	s->listeners = l;
	s->open_listeners++;
	return l;
}

/* Whether l's path still names the socket file it bound (not removed, nor replaced
 * by another file, maybe another process's socket). */
static bool names_its_socket(const struct http_listener *l)
{
	struct stat st;

	return l->unix_path && lstat(l->unix_path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino;
}

static void on_listener_closed(uv_handle_t *h)
{
	struct http_listener *l = h->data;
	struct http_server *s = l->srv;

	free(l->unix_path);
	free(l);
	s->open_listeners--;
	maybe_finished(s);
}

/* Closes l, off the server's list already; its socket file goes first when the path
 * still names it (before its descriptor, so that a socket another process makes at
 * the path meanwhile is not the one removed). */
static void listener_close(struct http_listener *l)
{
	if (names_its_socket(l))
		unlink(l->unix_path);
	uv_close(&l->h.handle, on_listener_closed);
}

static void listener_drop(struct http_server *s, struct http_listener *l)
{
	s->listeners = l->next;
	free(l->unix_path);
	l->unix_path = NULL; /* nothing of ours to unlink */
	listener_close(l);
}

int http_server_listen_tcp(struct http_server *s, const char *host, int port, int *ret_port)
{
	struct sockaddr_storage ss;
	struct http_listener *l;
	int len = sizeof(ss), r;

	if (port < 0 || port > 65535)
		return -EINVAL;
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) < 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) < 0)
		return -EINVAL;
	l = listener_new(s);
	uv_tcp_init(s->loop, &l->h.tcp);
	r = uv_tcp_bind(&l->h.tcp, (const struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_listen(&l->h.stream, LISTEN_BACKLOG, on_connection);
	if (r == 0)
		r = uv_tcp_getsockname(&l->h.tcp, (struct sockaddr *)&ss, &len);
	if (r < 0) {
		listener_drop(s, l);
		return r;
	}
	if (ret_port)
		*ret_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* The directory path names a socket in must exist: libuv reports a missing one as
 * EACCES (for Windows' sake), which would send an operator looking at permissions. */
static int check_socket_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	struct stat st;
	int r = 0;

	if (!slash)
		return 0; /* the working directory */
	dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (stat(dir, &st) < 0)
		r = -errno;
	else if (!S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	free(dir);
	return r;
}

/* A socket bound at path, not yet listening; -errno. Bound here rather than with
 * uv_pipe_bind: libuv unlinks a pipe's bound path when it closes the handle, whatever
 * file is there by then, maybe another process's socket put at the path since. */
static int bind_unix(const char *path, unsigned mode, struct stat *ret_st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r = 0;

	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (lstat(path, ret_st) < 0 || chmod(path, mode) < 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		close(fd);
		return r;
	}
	return fd;
}

int http_server_listen_unix(struct http_server *s, const char *path, unsigned mode)
{
	struct http_listener *l;
	struct stat st;
	int r, fd;

	/* a longer path would not fit sockaddr_un (libuv would shorten it silently) */
	if (strlen(path) > HTTP_UNIX_PATH_MAX)
		return -ENAMETOOLONG;
	r = check_socket_dir(path);
	if (r < 0)
		return r;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0)
			return -errno;
	}
	fd = bind_unix(path, mode, &st);
	if (fd < 0)
		return fd;
	l = listener_new(s);
	uv_pipe_init(s->loop, &l->h.pipe, 0);
	l->unix_path = xstrdup(path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	r = uv_pipe_open(&l->h.pipe, fd);
	if (r == 0)
		r = uv_listen(&l->h.stream, LISTEN_BACKLOG, on_connection);
	if (r < 0) {
		unlink(path);
		if (uv_fileno(&l->h.handle, &(uv_os_fd_t){ 0 }) < 0)
			close(fd); /* not the pipe's yet */
		listener_drop(s, l);
		return r;
	}
	return 0;
}

size_t http_server_drop_lost_unix(struct http_server *s)
{
	struct http_listener **at = &s->listeners;
	size_t n = 0;

	while (*at) {
		struct http_listener *l = *at;
		if (!l->unix_path || names_its_socket(l)) {
			at = &l->next;
			continue;
		}
		*at = l->next;
		free(l->unix_path);
		l->unix_path = NULL; /* whatever is at the path now is not ours */
		listener_close(l);
		n++;
	}
	return n;
}

static void on_resume_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;

	s->resume_open = false;
	maybe_finished(s);
}

void http_server_close(struct http_server *s, void (*done)(void *data), void *data)
{
	s->closing = true;
	s->done = done;
	s->done_data = data;
	while (s->listeners) {
		struct http_listener *l = s->listeners;
		s->listeners = l->next;
		listener_close(l);
	}
	while (s->conns)
		conn_close(s->conns, false);
	uv_close((uv_handle_t *)&s->resume, on_resume_closed);
	maybe_finished(s);
}

/* ---- streamed answers ---- */

/* The write side is shut once the last byte is out, then input drains (as on_write
 * does for an answer with Connection: close). */
static void stream_linger(struct http_conn *c)
{
	uv_read_stop(&c->h.stream);
	set_state(c, CONN_LINGER);
	if (uv_shutdown(&c->shutdown_req, &c->h.stream, NULL) < 0)
		conn_close(c, false);
	else
		start_reading(c);
}

/* Hands what is queued to libuv when no write is in flight; -EPIPE when it refuses. */
static int stream_flush(struct http_conn *c)
{
	struct strbuf t;
	uv_buf_t buf;

	if (c->writing || !c->queued.len)
		return 0;
	t = c->out;
	c->out = c->queued;
	c->queued = t;
	strbuf_reset(&c->queued);
	buf = uv_buf_init(c->out.buf, (unsigned)c->out.len);
	if (uv_write(&c->wreq, &c->h.stream, &buf, 1, on_write) < 0)
		return -EPIPE;
	c->writing = true;
	return 0;
}

/* A failure inside a call of the API: the owner learns it from the return value, so
 * the connection closes without on_gone. */
static void stream_broken(struct http_conn *c)
{
	if (c->stream) {
		c->stream->conn = NULL;
		c->stream = NULL;
	}
	conn_close(c, false);
}

static void stream_written(struct http_conn *c)
{
	c->writing = false;
	strbuf_reset(&c->out);
	if (c->queued.len) {
		if (stream_flush(c) < 0)
			conn_close(c, false);
		return;
	}
	if (!c->stream)
		stream_linger(c); /* ended, everything written */
}

int http_stream_start(struct http_request *req, int status, const struct http_header *headers, size_t n_headers,
		      size_t max_buffered, void (*on_gone)(void *data), void *data, struct http_stream **ret)
{
	struct http_conn *c = req->conn;
	struct http_stream *st;

	if (!c) {
		request_free(req);
		return -EPIPE;
	}
	st = xcalloc(1, sizeof(*st));
	st->conn = c;
	st->max_buffered = max_buffered;
	st->on_gone = on_gone;
	st->data = data;
	strbuf_reset(&c->queued);
	strbuf_addf(&c->queued, "HTTP/1.1 %d %s\r\n", status, http_status_reason(status));
	for (size_t i = 0; i < n_headers; i++)
		strbuf_addf(&c->queued, "%s: %s\r\n", headers[i].name, headers[i].value);
	strbuf_addf(&c->queued, "Date: %s\r\nConnection: close\r\n\r\n", http_date(c->srv));
	request_free(req);
	c->stream = st;
	c->close_after_write = true;
	set_state(c, CONN_STREAMING);
	uv_timer_stop(&c->timer);
	*ret = st;
	/* reading again: the peer's close is how a stream usually ends */
	if (uv_read_start(&c->h.stream, on_alloc, on_read) < 0 || stream_flush(c) < 0)
		stream_broken(c);
	return 0;
}

int http_stream_write(struct http_stream *st, const void *buf, size_t len)
{
	struct http_conn *c = st->conn;

	if (!c)
		return -EPIPE;
	if (http_stream_buffered(st) + len > st->max_buffered)
		return -ENOBUFS;
	strbuf_add(&c->queued, buf, len);
	if (stream_flush(c) < 0) {
		stream_broken(c);
		return -EPIPE;
	}
	return 0;
}

size_t http_stream_buffered(const struct http_stream *st)
{
	const struct http_conn *c = st->conn;

	return c ? c->queued.len + (c->writing ? c->out.len : 0) : 0;
}

void http_stream_end(struct http_stream *st, const char *last)
{
	struct http_conn *c = st->conn;

	free(st);
	if (!c)
		return;
	c->stream = NULL;
	if (last)
		strbuf_adds(&c->queued, last);
	/* a peer that does not read the rest is dropped after the idle timeout */
	uv_timer_start(&c->timer, on_timer, c->srv->cfg.idle_timeout_ms, 0);
	if (c->writing)
		return;
	if (!c->queued.len)
		stream_linger(c);
	else if (stream_flush(c) < 0)
		conn_close(c, false);
}
