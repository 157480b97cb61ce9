#include "metrics_http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control_json.h"
#include "http_server.h"
#include "xalloc.h"

/* A scraper sends a small GET once every few seconds; a handful of connections is
 * room for Prometheus, a second one and a person with curl. */
#define METRICS_MAX_HEAD   8192
#define METRICS_MAX_BODY   1024
#define METRICS_REQUEST_MS 5000
#define METRICS_IDLE_MS	   30000

struct metrics_http {
	struct http_server *server;
	struct engine *e;
	const struct control_info *info;
	void (*done)(void *);
	void *done_data;
};

static void respond_text(struct http_request *req, int status, const char *allow, const char *body)
{
	struct http_header h[] = { { "Content-Type", "text/plain; charset=utf-8" }, { "Allow", allow } };

	http_respond(req, status, h, allow ? 2 : 1, body, strlen(body));
}

static void on_request(struct http_request *req, void *data)
{
	static const struct http_header headers[] = { { "Content-Type", "text/plain; version=0.0.4; charset=utf-8" } };
	struct metrics_http *m = data;
	const struct http_message *msg = http_request_message(req);
	struct strbuf out;

	if (http_request_error(req)) {
		respond_text(req, http_request_error(req), NULL, "request too large\n");
		return;
	}
	if (strcmp(msg->path, "/metrics") != 0) {
		respond_text(req, 404, NULL, "not found: only /metrics is served here\n");
		return;
	}
	if (strcmp(msg->method, "GET") != 0 && strcmp(msg->method, "HEAD") != 0) {
		respond_text(req, 405, "GET, HEAD", "method not allowed\n");
		return;
	}
	strbuf_init(&out, STRBUF_NO_CAP);
	control_metrics(m->e, m->info, &out);
	http_respond(req, 200, headers, 1, out.buf, out.len);
	strbuf_release(&out);
}

static void set_error(char **ret_error, const char *host, int port, int r)
{
	const char *why;

	if (!ret_error)
		return;
	switch (r) {
	case -EADDRINUSE:
		why = "the address is in use (another process listens on it)";
		break;
	case -EADDRNOTAVAIL:
		why = "the address is not one of this host's";
		break;
	case -EACCES:
		why = "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
		break;
	case -EINVAL:
		why = "not a numeric IP address and port";
		break;
	default:
		why = strerror(-r);
	}
	*ret_error = xasprintf("metrics.listen %s%s%s:%d: %s", strchr(host, ':') ? "[" : "", host,
			       strchr(host, ':') ? "]" : "", port, why);
}

int metrics_http_open(uv_loop_t *loop, struct engine *e, const struct control_info *info, const char *host, int port,
		      struct metrics_http **ret, int *ret_port, char **ret_error)
{
	struct metrics_http *m = xcalloc(1, sizeof(*m));
	struct http_server_config cfg = {
		.limits = { .max_header_bytes = METRICS_MAX_HEAD,
			    .max_headers = 32,
			    .max_body_bytes = METRICS_MAX_BODY },
		.max_connections = METRICS_MAX_CONNECTIONS,
		.idle_timeout_ms = METRICS_IDLE_MS,
		.request_timeout_ms = METRICS_REQUEST_MS,
		.handler = on_request,
		.data = m,
		.errors_to_handler = true,
	};
	int r;

	m->e = e;
	m->info = info;
	r = http_server_new(loop, &cfg, &m->server);
	if (r < 0) {
		free(m);
		set_error(ret_error, host, port, r);
		return r;
	}
	r = http_server_listen_tcp(m->server, host, port, ret_port);
	if (r < 0) {
		set_error(ret_error, host, port, r);
		http_server_close(m->server, free, m);
		return r;
	}
	*ret = m;
	return 0;
}

static void server_closed(void *data)
{
	struct metrics_http *m = data;

	if (m->done)
		m->done(m->done_data);
	free(m);
}

void metrics_http_close(struct metrics_http *m, void (*done)(void *data), void *data)
{
	m->done = done;
	m->done_data = data;
	http_server_close(m->server, server_closed, m);
}
