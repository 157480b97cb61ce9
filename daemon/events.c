#include "events.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_server.h"
#include "strbuf.h"
#include "xalloc.h"

struct client {
	struct events *ev;
	struct http_stream *stream;
	struct client *prev, *next;
};

struct events {
	uv_timer_t keepalive;
	struct client *clients;
	size_t n_clients;
	unsigned long dropped;
	bool closing;
};

static void client_unlink(struct events *ev, struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		ev->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ev->n_clients--;
	if (!ev->n_clients && !ev->closing)
		uv_timer_stop(&ev->keepalive);
}

/* The connection went away (the peer closed, the server is closing). */
static void on_gone(void *data)
{
	struct client *c = data;

	client_unlink(c->ev, c);
	http_stream_end(c->stream, NULL);
	free(c);
}

static void client_end(struct events *ev, struct client *c, const char *last)
{
	client_unlink(ev, c);
	http_stream_end(c->stream, last);
	free(c);
}

/* One write to every client; a client that cannot take it is ended. */
static void broadcast(struct events *ev, const char *text, size_t len)
{
	struct client *c = ev->clients, *next;

	for (; c; c = next) {
		int r = http_stream_write(c->stream, text, len);
		next = c->next;
		if (r == -ENOBUFS) {
			ev->dropped++;
			client_end(ev, c, ": dropped: the client did not read its events fast enough\n\n");
		} else if (r < 0) {
			client_end(ev, c, NULL);
		}
	}
}

static void on_keepalive(uv_timer_t *t)
{
	struct events *ev = t->data;
	static const char line[] = ": keep-alive\n\n";

	broadcast(ev, line, sizeof(line) - 1);
}

void events_new(uv_loop_t *loop, struct events **ret)
{
	struct events *ev = xcalloc(1, sizeof(*ev));

	uv_timer_init(loop, &ev->keepalive);
	ev->keepalive.data = ev;
	*ret = ev;
}

static void on_timer_closed(uv_handle_t *h)
{
	free(h->data);
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	ev->closing = true;
	while (ev->clients)
		client_end(ev, ev->clients, ": the daemon is stopping\n\n");
	uv_close((uv_handle_t *)&ev->keepalive, on_timer_closed);
}

void events_attach(struct events *ev, struct http_request *req)
{
	static const struct http_header headers[] = { { "Content-Type", "text/event-stream" },
						      { "Cache-Control", "no-cache" } };
	static const char hello[] = ": bedrock-tenantd events\n\n";
	struct client *c;

	if (ev->closing || ev->n_clients >= EVENTS_MAX_CLIENTS) {
		static const struct http_header h[] = { { "Content-Type", "application/json" },
							{ "Retry-After", "5" } };
		static const char body[] = "{\"error\":\"too many event streams open\"}";
		http_respond(req, 503, h, 2, body, sizeof(body) - 1);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->ev = ev;
	if (http_stream_start(req, 200, headers, 2, EVENTS_CLIENT_BUFFER, on_gone, c, &c->stream) < 0) {
		free(c);
		return;
	}
	c->next = ev->clients;
	if (ev->clients)
		ev->clients->prev = c;
	ev->clients = c;
	if (!ev->n_clients++)
		uv_timer_start(&ev->keepalive, on_keepalive, EVENTS_KEEPALIVE_MS, EVENTS_KEEPALIVE_MS);
	if (http_stream_write(c->stream, hello, sizeof(hello) - 1) < 0)
		client_end(ev, c, NULL);
}

void events_publish(struct events *ev, const char *type, const char *json)
{
	struct strbuf sb;

	if (!ev || !ev->clients)
		return;
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "event: %s\ndata: %s\n\n", type, json);
	broadcast(ev, sb.buf, sb.len);
	strbuf_release(&sb);
}

size_t events_clients(const struct events *ev)
{
	return ev ? ev->n_clients : 0;
}

unsigned long events_dropped(const struct events *ev)
{
	return ev ? ev->dropped : 0;
}
