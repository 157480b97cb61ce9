/* Asynchronous HTTP(S) on the libuv loop: libcurl's multi interface driven by one
 * uv_poll_t per socket and one uv_timer_t, as in curl's docs/examples/multi-uv.c.
 *
 * The client keeps connections alive between transfers, always verifies TLS peers,
 * bounds every response body, gives each transfer a timeout, and runs at most
 * max_in_flight transfers at once (the rest wait in a bounded queue: priority
 * requests first, each kind first come, first served). It knows
 * nothing of AWS. Closing fails what is pending with -ECANCELED and, once every
 * handle is closed, calls the close callback: after that uv_loop_close() succeeds. */
#ifndef BTD_HTTP_CLIENT_H
#define BTD_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "strbuf.h"

struct http_client;

struct http_client_options {
	unsigned max_in_flight;	     /* transfers at once (16) */
	unsigned max_queue;	     /* transfers waiting beyond that (100000) */
	size_t max_response_bytes;   /* default body cap (8 MiB) */
	unsigned timeout_ms;	     /* default whole-transfer timeout (30000) */
	unsigned connect_timeout_ms; /* (5000) */
	const char *ca_file;	     /* CA bundle; NULL: the system's */
};

struct http_header {
	const char *name;
	const char *value;
};

/* A request; everything is copied by http_client_send(). */
struct http_request {
	const char *method; /* "GET", "POST", "PUT", "DELETE" */
	const char *url;
	const struct http_header *headers;
	size_t n_headers;
	const char *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	unsigned timeout_ms;	   /* 0: the client's default */
	size_t max_response_bytes; /* 0: the client's default */
	bool priority;		   /* waits for a slot, and its answer for its callback, before
				      every ordinary request */
};

struct http_response_header {
	char *name;
	char *value;
};

struct http_response {
	int status; /* HTTP status code */
	struct strbuf body;
	struct http_response_header *headers;
	size_t n_headers;
};

struct http_client_stats {
	unsigned in_flight;
	unsigned queued;
	uint64_t started;
	uint64_t completed; /* got an HTTP answer, whatever its status */
	uint64_t failed;    /* no HTTP answer */
	uint64_t connects;  /* new connections (the rest reused a kept-alive one) */
};

/* http_done_cb: status is 0 when an HTTP answer arrived (resp is then valid, whatever
 * its HTTP status, borrowed for the duration of the callback), or -errno:
 * -ETIMEDOUT, -ECONNREFUSED, -ECONNRESET (the connection dropped before a whole
 * answer), -EHOSTUNREACH (name resolution), -EPROTO (TLS or a malformed answer),
 * -EMSGSIZE (body over its cap), -ECANCELED (the client closed); resp is NULL. */
typedef void (*http_done_cb)(void *arg, int status, const struct http_response *resp);

/* http_client_new: -ENOMEM when libcurl cannot start. */
int http_client_new(uv_loop_t *loop, const struct http_client_options *opts, struct http_client **ret);
/* http_client_send: 0, and cb will be called exactly once, later, from the loop;
 * -ENOBUFS (queue full), -ECANCELED (closing), -EINVAL (bad request): cb is never
 * called. */
int http_client_send(struct http_client *c, const struct http_request *req, http_done_cb cb, void *arg);
/* http_client_close: fails every pending transfer with -ECANCELED (their callbacks
 * run inside this call), closes the handles and frees the client, then calls
 * close_cb (may be NULL) from the loop. The client must not be used afterwards. */
void http_client_close(struct http_client *c, void (*close_cb)(void *arg), void *arg);
void http_client_stats(const struct http_client *c, struct http_client_stats *ret);
/* http_client_set_turn_budget: the answers' callbacks take their share of each loop
 * turn from `turn` (borrowed, outlives the client; turn_budget.h) instead of a share
 * of their own (DONE_TURN_NS). NULL: their own again. */
struct turn_budget;
void http_client_set_turn_budget(struct http_client *c, struct turn_budget *turn);

/* http_response_header: the value of the last header named name (any case), or NULL. */
const char *http_response_header(const struct http_response *r, const char *name);

#endif
