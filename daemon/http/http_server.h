/* A small HTTP/1.1 server on a libuv loop, for awsim and the daemon's control socket.
 *
 * The server owns its listeners (TCP on a loopback address and/or UNIX-domain
 * sockets), its connections and, per request, one struct http_request handed to the
 * handler. Connections keep alive; a connection handles one request at a time (a
 * pipelined request waits until the previous answer is written). Every limit is
 * enforced here: head size (431), body size (413), connection count, idle time, and
 * the time a request takes to arrive (408).
 *
 * Bounds: a connection holds at most one request (head and body within the limits),
 * one answer and a 16 KiB read buffer. Connections are taken from the listen backlog
 * at once (a full backlog would refuse every client), at most 64 in one turn of the
 * loop; at max_connections a new one evicts the reading connection that has waited
 * longest for a request (idle or slow), or is closed at once when every connection is
 * busy with a request. Timers never restart on arriving bytes: a connection
 * with no request under way closes after idle_timeout_ms; once the first byte of a
 * request arrives, the whole request (head and body) must be in within
 * request_timeout_ms, or the answer is 408 and the connection closes; a peer that
 * does not read its answer is dropped after idle_timeout_ms.
 *
 * Request handles: the handler receives each request and must, now or later, call
 * exactly one of http_respond() or http_abort(); that call releases the handle. The
 * handle stays valid until then even if the peer goes away (the answer is then
 * dropped), so a handler may answer from a timer. */
#ifndef BTD_HTTP_SERVER_H
#define BTD_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/un.h>
#include <uv.h>

#include "http_parser.h"

/* The longest path a UNIX-domain socket address holds (107 bytes on Linux). */
#define HTTP_UNIX_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

struct http_server;
struct http_request;

/* The handler owns req until it answers it. http_request_error(req) tells whether
 * the server already found the request unacceptable (413 etc.). */
typedef void (*http_handler_fn)(struct http_request *req, void *data);

struct http_server_config {
	struct http_limits limits;   /* zero fields: http_limits_default() */
	size_t max_connections;	     /* default 1024; see above for what happens beyond */
	uint64_t idle_timeout_ms;    /* default 60000: close a connection idle this long */
	uint64_t request_timeout_ms; /* default 10000: a started request must be in by then */
	http_handler_fn handler;
	void *data;		/* passed to handler */
	bool errors_to_handler; /* pass body-limit errors (413) to the handler */
};

/* http_server_new: *ret is owned by the caller until http_server_close(). */
int http_server_new(uv_loop_t *loop, const struct http_server_config *cfg, struct http_server **ret);

/* http_server_listen_tcp: host is a numeric IPv4 or IPv6 address; port 0 picks a free
 * port, reported in *ret_port (may be NULL). -errno on failure. */
int http_server_listen_tcp(struct http_server *s, const char *host, int port, int *ret_port);
/* http_server_listen_unix: binds path (a stale socket file there is replaced; any
 * other file is an error, -EEXIST), then chmods it to mode before listening. The
 * file is removed again by http_server_close(), if it is still there (another file
 * put at the path since is left alone). -ENAMETOOLONG when path is longer
 * than HTTP_UNIX_PATH_MAX bytes; -ENOENT or -ENOTDIR when its directory is missing
 * or is not one. */
int http_server_listen_unix(struct http_server *s, const char *path, unsigned mode);

/* http_server_drop_lost_unix: closes every UNIX listener whose path no longer names
 * the socket it bound (removed by hand, or replaced by another file), leaving the
 * path alone; returns how many. No client can reach such a listener: its owner may
 * listen on the path again. */
size_t http_server_drop_lost_unix(struct http_server *s);

/* http_server_close: stops listening and closes every connection; a connection whose
 * request is with the handler is cut as well (the handle stays valid until
 * answered). done(data) runs once every handle of the server is closed, after which
 * s is freed. done may be NULL. */
void http_server_close(struct http_server *s, void (*done)(void *data), void *data);

/* http_server_connections: open connections right now (for status and tests). */
size_t http_server_connections(const struct http_server *s);

/* ---- one request ---- */

/* The parsed request; owned by req. */
const struct http_message *http_request_message(const struct http_request *req);
/* http_request_error: 0, or the status the server would answer (413) when
 * errors_to_handler passed a request it could not accept; the connection closes
 * after the answer. */
int http_request_error(const struct http_request *req);
/* http_request_is_local: the peer is a loopback address or a UNIX-domain socket. */
bool http_request_is_local(const struct http_request *req);
/* http_request_peer_gone: the connection is already closed (answers are dropped). */
bool http_request_peer_gone(const struct http_request *req);
/* http_request_connection: which connection carried req: 1, 2, ... in the order the
 * server accepted its connections (tests tell kept-alive connections by it). */
uint64_t http_request_connection(const struct http_request *req);

/* http_respond: writes status, the headers given (borrowed), Content-Length, Date
 * (unless given) and body (borrowed; copied before return), then releases req. A
 * "Connection: close" header among headers closes the connection after writing.
 * HEAD requests get no body. Returns 0, or -EPIPE when the peer was gone (req is
 * released all the same). */
int http_respond(struct http_request *req, int status, const struct http_header *headers, size_t n_headers,
		 const void *body, size_t body_len);
/* ---- a streamed answer (server-sent events) ----
 *
 * http_stream_start answers req with status and headers but no length: the body is
 * whatever http_stream_write() sends until the stream ends, and the connection closes
 * then. It releases req. While streaming, input from the peer is read and dropped
 * (so its close is seen) and no timer runs. Unwritten data is bounded by max_buffered
 * bytes: a write beyond it fails with -ENOBUFS and the caller ends the stream.
 * on_gone(data) runs once if the connection goes away first (the peer closed, an
 * error, the server closing), from the loop, never from inside a call of this API;
 * the caller must then call http_stream_end() (its text is dropped). */
struct http_stream;

int http_stream_start(struct http_request *req, int status, const struct http_header *headers, size_t n_headers,
		      size_t max_buffered, void (*on_gone)(void *data), void *data, struct http_stream **ret);
/* http_stream_write: 0, -ENOBUFS (over max_buffered: nothing queued), -EPIPE (gone). */
int http_stream_write(struct http_stream *st, const void *buf, size_t len);
/* http_stream_end: queues last (may be NULL; beyond max_buffered too), closes the
 * connection once it is written (or after the idle timeout if the peer does not
 * read it) and frees st. on_gone never runs after this. */
void http_stream_end(struct http_stream *st, const char *last);
/* http_stream_buffered: bytes not yet written. */
size_t http_stream_buffered(const struct http_stream *st);

/* http_abort: closes the connection without answering and releases req. With reset,
 * a TCP connection is reset (RST) instead of closed. */
void http_abort(struct http_request *req, bool reset);

#endif
