/* The event stream of GET /v1/events: server-sent events (text/event-stream) for
 * tooling. It owns its clients (streamed answers of the control socket) and one
 * keep-alive timer. events_publish() sends one `event:`/`data:` pair to every
 * client; a client whose unwritten data would pass EVENTS_CLIENT_BUFFER is dropped
 * with a final comment line, so a slow reader never blocks the loop or grows
 * memory. At most EVENTS_MAX_CLIENTS streams at once (a further one is 503). */
#ifndef BTD_EVENTS_H
#define BTD_EVENTS_H

#include <stddef.h>

#include <uv.h>

struct http_request; /* http_server.h */

#define EVENTS_MAX_CLIENTS   8
#define EVENTS_CLIENT_BUFFER (256 * 1024)
#define EVENTS_KEEPALIVE_MS  15000

struct events;

/* events_new: *ret is the caller's until events_close(). */
void events_new(uv_loop_t *loop, struct events **ret);
/* events_close: ends every stream; ev is freed once its timer has closed. Accepts
 * NULL. */
void events_close(struct events *ev);
/* events_attach: answers req with the stream (200), or 503 when EVENTS_MAX_CLIENTS
 * streams are open. Takes req. */
void events_attach(struct events *ev, struct http_request *req);
/* events_publish: `event: type` and `data: json` (one line: JSON text has no raw
 * newline) to every client. */
void events_publish(struct events *ev, const char *type, const char *json);
size_t events_clients(const struct events *ev);
/* events_dropped: clients dropped because they did not read fast enough. */
unsigned long events_dropped(const struct events *ev);

#endif
