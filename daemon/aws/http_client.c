#include "http_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "aws_list.h"
#include "turn_budget.h"
#include "xalloc.h"

#define MAX_RESPONSE_HEADERS	  64
#define MAX_RESPONSE_HEADER_BYTES (64u << 10)

struct http_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct http_client_options opts;
	struct lane_queue queue; /* struct transfer, waiting for a slot (priority ones first) */
	struct list_node active; /* struct transfer, added to the multi handle */
	struct list_node polls;	 /* struct poll_ctx */
	struct lane_queue done;	 /* struct transfer, answered, its callback not run yet */
	uv_check_t check;	 /* runs the callbacks of done, a bounded share per turn */
	uv_idle_t idle;		 /* keeps the loop from blocking while done is not empty */
	unsigned n_active, n_queued;
	unsigned pending_closes; /* uv handles whose close callback is outstanding */
	bool closing;
	void (*close_cb)(void *arg);
	void *close_arg;
	struct http_client_stats stats;
	/* borrowed: the loop turn's budget (http_client_set_turn_budget), or NULL */
	struct turn_budget *turn;
};

struct poll_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct http_client *client;
	struct list_node link;
	bool closing;
};

struct transfer {
	struct http_client *client;
	struct list_node link;
	CURL *easy;
	struct curl_slist *headers;
	char *method, *url, *body;
	size_t body_len;
	bool priority; /* first in the queue and in done */
	unsigned timeout_ms;
	size_t header_bytes;
	bool too_big;
	struct http_response resp;
	http_done_cb cb;
	void *arg;
	int status; /* in done: what finish() reports */
	char errbuf[CURL_ERROR_SIZE];
};

static void check_multi_info(struct http_client *c);
static void start_queued(struct http_client *c);

/* ---- response accumulation ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb;

	if (strbuf_add(&t->resp.body, data, n) < 0) {
		t->too_big = true;
		return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

static void clear_headers(struct http_response *r)
{
	for (size_t i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->n_headers = 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb, len = n;
	const char *colon;
	struct http_response_header *h;

	t->header_bytes += n;
	if (t->header_bytes > MAX_RESPONSE_HEADER_BYTES) {
		t->too_big = true;
		return 0;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		clear_headers(&t->resp); /* a new answer (after 100 Continue): start over */
		return n;
	}
	colon = memchr(data, ':', len);
	if (!colon || colon == data || t->resp.n_headers >= MAX_RESPONSE_HEADERS)
		return n;
	t->resp.headers = xreallocarray(t->resp.headers, t->resp.n_headers + 1, sizeof(*t->resp.headers));
	h = &t->resp.headers[t->resp.n_headers++];
	h->name = xstrndup(data, (size_t)(colon - data));
	colon++;
	while (colon < data + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	h->value = xstrndup(colon, (size_t)(data + len - colon));
	for (size_t l = strlen(h->value); l && isspace((unsigned char)h->value[l - 1]); l--)
		h->value[l - 1] = '\0';
	return n;
}

const char *http_response_header(const struct http_response *r, const char *name)
{
	for (size_t i = r->n_headers; i-- > 0;)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* ---- transfers ---- */

static void transfer_free(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	free(t->method);
	free(t->url);
	free(t->body);
	strbuf_release(&t->resp.body);
	clear_headers(&t->resp);
	free(t);
}

static bool request_sent(const struct transfer *t)
{
	long sent = 0;

	return curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0;
}

static int map_curl_error(const struct transfer *t, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_WRITE_ERROR:
		return t->too_big ? -EMSGSIZE : -EIO;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
		return -EBADMSG; /* the request went out; what came back was not HTTP */
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* the endpoints are http(s) URLs (aws_client.c): once a request went out,
		 * this is an answer curl cannot read ("Unsupported response code") */
		return request_sent(t) ? -EBADMSG : -EINVAL;
	case CURLE_URL_MALFORMAT:
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	default:
		/* TLS failures (certificate, handshake) and malformed answers. */
		return -EPROTO;
	}
}

/* Calls the user's callback once and frees the transfer. */
static void finish(struct transfer *t, int status)
{
	struct http_client *c = t->client;

	if (status == 0) {
		c->stats.completed++;
	} else {
		c->stats.failed++;
	}
	t->cb(t->arg, status, status == 0 ? &t->resp : NULL);
	transfer_free(t);
}

static int setup_easy(struct http_client *c, struct transfer *t)
{
	CURL *e = curl_easy_init();

	if (!e)
		return -ENOMEM;
	t->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, t->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->opts.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* Send the path exactly as signed: no dot-segment squashing. */
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Never off, whatever the caller: TLS peers are always verified. */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->opts.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->opts.ca_file);
	if (strcmp(t->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (t->body_len || strcmp(t->method, "POST") == 0 || strcmp(t->method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body ? t->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body_len);
		if (strcmp(t->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->method);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->method);
	}
	return 0;
}

static void start_transfer(struct http_client *c, struct transfer *t)
{
	int r = setup_easy(c, t);

	if (r == 0 && curl_multi_add_handle(c->multi, t->easy) != CURLM_OK)
		r = -ENOMEM;
	if (r < 0) {
		/* Report it from the loop like any other failure: the caller was promised a
		 * later callback. A zero-delay failure through the queue would loop, so fail
		 * directly; this only happens when libcurl is out of memory. */
		finish(t, r);
		return;
	}
	list_add_tail(&c->active, &t->link);
	c->n_active++;
	c->stats.started++;
}

static void start_queued(struct http_client *c)
{
	while (!c->closing && c->n_active < c->opts.max_in_flight && !lane_queue_empty(&c->queue)) {
		struct transfer *t = list_entry(lane_queue_first(&c->queue), struct transfer, link);

		list_del(&t->link);
		c->n_queued--;
		start_transfer(c, t);
	}
}

int http_client_send(struct http_client *c, const struct http_request *req, http_done_cb cb, void *arg)
{
	struct transfer *t;
	struct strbuf line;

	if (c->closing)
		return -ECANCELED;
	if (!req->method || !req->url || !cb || (req->body_len && !req->body))
		return -EINVAL;
	if (c->n_queued >= c->opts.max_queue)
		return -ENOBUFS;
	t = xcalloc(1, sizeof(*t));
	t->client = c;
	list_init(&t->link);
	t->method = xstrdup(req->method);
	t->url = xstrdup(req->url);
	t->body = req->body_len ? xmemdup(req->body, req->body_len) : NULL;
	t->body_len = req->body_len;
	t->timeout_ms = req->timeout_ms ? req->timeout_ms : c->opts.timeout_ms;
	strbuf_init(&t->resp.body, req->max_response_bytes ? req->max_response_bytes : c->opts.max_response_bytes);
	t->cb = cb;
	t->arg = arg;
	strbuf_init(&line, STRBUF_NO_CAP);
	for (size_t i = 0; i < req->n_headers; i++) {
		strbuf_reset(&line);
		strbuf_addf(&line, "%s: %s", req->headers[i].name, req->headers[i].value);
		t->headers = curl_slist_append(t->headers, line.buf);
	}
	/* No "Expect: 100-continue" round trip; no header we did not sign matters. */
	t->headers = curl_slist_append(t->headers, "Expect:");
	strbuf_release(&line);
	if (!t->headers) {
		transfer_free(t);
		return -ENOMEM;
	}
	t->priority = req->priority;
	lane_queue_add(&c->queue, &t->link, t->priority);
	c->n_queued++;
	start_queued(c);
	return 0;
}

/* ---- libcurl <-> libuv glue ---- */

/* One uv handle finished closing; the last one completes http_client_close(). */
static void handle_closed(struct http_client *c)
{
	void (*cb)(void *);
	void *arg;

	if (--c->pending_closes > 0 || !c->closing || c->multi)
		return;
	cb = c->close_cb;
	arg = c->close_arg;
	free(c);
	curl_global_cleanup();
	if (cb)
		cb(arg);
}

static void on_poll_closed(uv_handle_t *h)
{
	struct poll_ctx *p = h->data;
	struct http_client *c = p->client;

	free(p);
	handle_closed(c);
}

static void poll_close(struct poll_ctx *p)
{
	if (p->closing)
		return;
	p->closing = true;
	list_del(&p->link);
	uv_poll_stop(&p->poll);
	p->client->pending_closes++;
	uv_close((uv_handle_t *)&p->poll, on_poll_closed);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct poll_ctx *p = h->data;
	struct http_client *c = p->client;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, p->fd, flags, &running);
	check_multi_info(c);
}

static int on_socket(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct poll_ctx *p = socketp;
	int events = 0;

	if (c->closing)
		return 0;
	switch (action) {
	case CURL_POLL_IN:
	case CURL_POLL_OUT:
	case CURL_POLL_INOUT:
		if (!p) {
			p = xcalloc(1, sizeof(*p));
			p->fd = s;
			p->client = c;
			list_init(&p->link);
			if (uv_poll_init_socket(c->loop, &p->poll, s) < 0) {
				free(p);
				return -1;
			}
			p->poll.data = p;
			list_add_tail(&c->polls, &p->link);
			curl_multi_assign(c->multi, s, p);
		}
		if (action != CURL_POLL_OUT)
			events |= UV_READABLE;
		if (action != CURL_POLL_IN)
			events |= UV_WRITABLE;
		uv_poll_start(&p->poll, events, on_poll);
		break;
	case CURL_POLL_REMOVE:
		/* Close the handle now, before curl closes the descriptor, so that libuv
		 * forgets it before the number can be reused. */
		if (p) {
			poll_close(p);
			curl_multi_assign(c->multi, s, NULL);
		}
		break;
	default:
		break;
	}
	return 0;
}

static void on_timer(uv_timer_t *h)
{
	struct http_client *c = h->data;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi_info(c);
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;

	if (c->closing)
		return 0;
	if (timeout_ms < 0)
		uv_timer_stop(&c->timer);
	else /* 0 means "now"; a 1 ms timer avoids re-entering libcurl from here */
		uv_timer_start(&c->timer, on_timer, timeout_ms ? (uint64_t)timeout_ms : 1, 0);
	return 0;
}

/* The callbacks of answered transfers run after the loop has polled (uv_check), at
 * most DONE_TURN_NS of them per turn (at least one): each may parse an answer, diff a
 * tenant and sign the next requests, and a poll can bring every transfer's answer at
 * once. What is left waits for the next turn (priority transfers' first), and the
 * idle handle keeps that turn's poll from blocking; the control socket is polled in
 * between. Half a millisecond: with the engine's starts (as much) and the state store's
 * commit of the turn, a turn stays within a few milliseconds. With a turn budget
 * (http_client_set_turn_budget), the share is what the turn's budget has left. */
#define DONE_TURN_NS (500 * 1000)

void http_client_set_turn_budget(struct http_client *c, struct turn_budget *turn)
{
	c->turn = turn;
}

static bool more_this_turn(struct http_client *c, uint64_t t0)
{
	return c->turn ? turn_budget_more(c->turn) : uv_hrtime() - t0 < DONE_TURN_NS;
}

static void on_idle(uv_idle_t *h)
{
	(void)h; /* only there so that the next poll does not block */
}

static void on_check(uv_check_t *h)
{
	struct http_client *c = h->data;
	uint64_t t0 = uv_hrtime();
	bool first = true;

	if (c->turn)
		turn_budget_begin(c->turn);
	while (!c->closing && !lane_queue_empty(&c->done) && (first || more_this_turn(c, t0))) {
		struct transfer *t = list_entry(lane_queue_first(&c->done), struct transfer, link);

		list_del(&t->link);
		finish(t, t->status);
		first = false;
	}
	if (lane_queue_empty(&c->done)) {
		uv_check_stop(&c->check);
		uv_idle_stop(&c->idle);
	}
}

static void check_multi_info(struct http_client *c)
{
	CURLMsg *msg;
	int left;

	while (!c->closing && (msg = curl_multi_info_read(c->multi, &left))) {
		struct transfer *t = NULL;
		long code = 0, connects = 0;
		int status;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		status = map_curl_error(t, msg->data.result);
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
		c->stats.connects += (uint64_t)connects;
		if (status == 0 && code == 0)
			status = -EPROTO;
		t->resp.status = (int)code;
		curl_multi_remove_handle(c->multi, t->easy);
		list_del(&t->link);
		c->n_active--;
		t->status = status;
		lane_queue_add(&c->done, &t->link, t->priority);
		uv_check_start(&c->check, on_check);
		uv_idle_start(&c->idle, on_idle);
		start_queued(c);
	}
}

/* ---- lifecycle ---- */

int http_client_new(uv_loop_t *loop, const struct http_client_options *opts, struct http_client **ret)
{
	struct http_client *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	if (opts)
		c->opts = *opts;
	if (!c->opts.max_in_flight)
		c->opts.max_in_flight = 16;
	if (!c->opts.max_queue)
		c->opts.max_queue = 100000;
	if (!c->opts.max_response_bytes)
		c->opts.max_response_bytes = 8u << 20;
	if (!c->opts.timeout_ms)
		c->opts.timeout_ms = 30000;
	if (!c->opts.connect_timeout_ms)
		c->opts.connect_timeout_ms = 5000;
	lane_queue_init(&c->queue);
	list_init(&c->active);
	list_init(&c->polls);
	lane_queue_init(&c->done);
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		curl_global_cleanup();
		return -ENOMEM;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->opts.max_in_flight);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->opts.max_in_flight);
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	uv_check_init(loop, &c->check);
	c->check.data = c;
	uv_idle_init(loop, &c->idle);
	c->idle.data = c;
	*ret = c;
	return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
	handle_closed(h->data);
}

static void on_check_closed(uv_handle_t *h)
{
	handle_closed(h->data);
}

void http_client_close(struct http_client *c, void (*close_cb)(void *arg), void *arg)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_cb = close_cb;
	c->close_arg = arg;
	while (!lane_queue_empty(&c->queue)) {
		struct transfer *t = list_entry(lane_queue_first(&c->queue), struct transfer, link);

		list_del(&t->link);
		c->n_queued--;
		finish(t, -ECANCELED);
	}
	while (!list_empty(&c->active)) {
		struct transfer *t = list_entry(list_first(&c->active), struct transfer, link);

		curl_multi_remove_handle(c->multi, t->easy);
		list_del(&t->link);
		c->n_active--;
		finish(t, -ECANCELED);
	}
	while (!lane_queue_empty(&c->done)) { /* answered, but too late: the caller is closing */
		struct transfer *t = list_entry(lane_queue_first(&c->done), struct transfer, link);

		list_del(&t->link);
		finish(t, -ECANCELED);
	}
	/* Forget the descriptors before libcurl closes its cached connections. */
	while (!list_empty(&c->polls))
		poll_close(list_entry(list_first(&c->polls), struct poll_ctx, link));
	curl_multi_cleanup(c->multi);
	c->multi = NULL;
	c->pending_closes += 3;
	uv_close((uv_handle_t *)&c->timer, on_timer_closed);
	uv_close((uv_handle_t *)&c->check, on_check_closed);
	uv_close((uv_handle_t *)&c->idle, on_check_closed);
}

void http_client_stats(const struct http_client *c, struct http_client_stats *ret)
{
	*ret = c->stats;
	ret->in_flight = c->n_active;
	ret->queued = c->n_queued;
}
