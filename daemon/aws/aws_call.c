/* One AWS call, from aws_client_call() to its callback: a state machine with one
 * transition function (transition) and one table of state names.
 *
 *   WAIT_CREDS -> WAIT_RATE -> IN_FLIGHT -> DONE
 *        ^                         |
 *        +------- BACKOFF <--------+   (retryable answer, attempts and quota left)
 *
 * Entering a state performs its action, which may move on at once (credentials and a
 * token available). A call that fails before it first waits is reported to the
 * caller of aws_client_call() instead of through the callback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client_impl.h"
#include "xalloc.h"

static const char *const call_state_names[] = {
	[CALL_WAIT_CREDS] = "wait-credentials",
	[CALL_WAIT_RATE] = "wait-rate",
	[CALL_IN_FLIGHT] = "in-flight",
	[CALL_BACKOFF] = "backoff",
	[CALL_DONE] = "done",
};

/* A backoff timer lives apart from its call so the call can be freed at once while
 * the handle closes. */
struct call_timer {
	uv_timer_t timer;
	struct aws_client *client;
	struct aws_call *call; /* NULL once the call is gone */
};

struct aws_call {
	struct aws_client *client;
	struct list_node link; /* client->calls; client->zombies once canceled in flight */
	enum call_state state;
	bool started; /* aws_call_start() has returned 0 */
	bool canceled;
	bool priority;	/* before the ordinary calls in the bucket's and the HTTP queues */
	uint64_t order; /* its rank among the waiters of its lane (struct aws_target) */
	struct aws_request req;
	struct aws_endpoint ep;
	char *account;
	char *region;
	struct creds_source *creds; /* NULL: unsigned */
	struct bucket *bucket;
	struct op_bucket *op;	    /* the bucket of this operation in `bucket`, or NULL */
	struct list_node wait_link; /* bucket->waiters */
	struct creds_waiter waiter;
	struct call_timer *timer;
	unsigned attempt; /* attempts sent */
	uint64_t sent_ns; /* uv_hrtime() when the attempt went to the HTTP client */
	unsigned quota_taken;
	bool refreshed; /* retried once already after expired credentials */
	bool reclocked; /* retried once already after the clock offset changed */
	uint64_t delay_ms;
	aws_call_cb cb;
	void *arg;
	/* The outcome, read when entering DONE. */
	int status;
	struct aws_error err;
	const struct http_response *resp;
};

static void transition(struct aws_call *call, enum call_state to);

static struct aws_service_stats *svc_stats(struct aws_call *call)
{
	return &call->client->service_stats[call->req.service];
}

static void on_timer_closed(uv_handle_t *h)
{
	struct call_timer *t = h->data;
	struct aws_client *c = t->client;

	free(t);
	aws_client_handle_closed(c);
}

static void call_free(struct aws_call *call)
{
	struct aws_client *c = call->client;

	if (call->timer) {
		call->timer->call = NULL;
		c->pending_closes++;
		uv_close((uv_handle_t *)&call->timer->timer, on_timer_closed);
	}
	aws_request_release(&call->req);
	aws_endpoint_release(&call->ep);
	aws_error_release(&call->err);
	free(call->account);
	free(call->region);
	free(call);
}

static void finish(struct aws_call *call, int status, const struct http_response *resp)
{
	call->status = status;
	call->resp = resp;
	transition(call, CALL_DONE);
}

static void fail_local(struct aws_call *call, int status, const char *code, const char *what)
{
	aws_error_set_local(&call->err, status, code, "%s", what);
	aws_error_set_operation(&call->err, call->req.operation);
	finish(call, status, NULL);
}

/* ---- WAIT_CREDS ---- */

static void on_creds(struct creds_waiter *w, int status, const struct aws_error *err)
{
	struct aws_call *call = list_entry(w, struct aws_call, waiter);
	char what[160];

	if (creds_source_peek(call->creds)) {
		transition(call, CALL_WAIT_RATE);
		return;
	}
	if (status == 0 || !err) {
		snprintf(what, sizeof(what), "credentials for %s expired on arrival", call->creds->name);
		fail_local(call, -ENOKEY, "CredentialsError", what);
		return;
	}
	aws_error_release(&call->err);
	aws_error_copy(&call->err, err);
	call->err.status = status;
	aws_error_set_operation(&call->err, call->req.operation);
	finish(call, status, NULL);
}

static void enter_wait_creds(struct aws_call *call)
{
	char what[160];
	int r;

	if (!call->creds || creds_source_peek(call->creds)) {
		transition(call, CALL_WAIT_RATE);
		return;
	}
	call->waiter.cb = on_creds;
	r = creds_source_wait(call->creds, &call->waiter);
	if (r < 0) {
		snprintf(what, sizeof(what), "no credentials for %s", call->creds->name);
		fail_local(call, r, "CredentialsError", what);
	}
}

/* ---- WAIT_RATE ---- */

/* op_ready: the call's operation bucket (if any) has a token now; else *wait is set. */
static bool op_ready(const struct aws_call *call, uint64_t now, uint64_t *wait)
{
	return !call->op || ratelimit_peek(&call->op->rl, now, wait) == 0;
}

/* take: a token from the service's bucket and from the operation's, or from neither. */
static int take(struct aws_call *call, uint64_t now, uint64_t *wait)
{
	uint64_t unused;

	if (!op_ready(call, now, wait) || ratelimit_take(&call->bucket->rl, now, wait) < 0)
		return -EAGAIN;
	if (call->op)
		ratelimit_take(&call->op->rl, now, &unused);
	return 0;
}

/* first_ready: the first waiter in lane order before `end` (the lane's head: all of
 * them) whose operation's bucket has a token (the service's token is the one they all
 * wait for), NULL when none; *next is lowered to the soonest an operation's token is
 * due. */
static struct aws_call *first_ready(const struct list_node *lane, const struct list_node *end, uint64_t now,
				    uint64_t *next)
{
	for (const struct list_node *n = lane->next; n != end; n = n->next) {
		struct aws_call *w = list_entry(n, struct aws_call, wait_link);
		uint64_t wait = 0;

		if (op_ready(w, now, &wait))
			return w;
		if (wait < *next)
			*next = wait;
	}
	return NULL;
}

/* rank_pos: where call joins lane: before the first of the waiters at the lane's end
 * whose order is greater than its own (the lane's head: at the end). A waiter
 * without an order is never overtaken, nor is anybody by a call without one. Few
 * walk far: a call queued later mostly belongs to later work. */
static struct list_node *rank_pos(struct list_node *lane, const struct aws_call *call)
{
	struct list_node *pos = lane;

	if (!call->order)
		return pos;
	while (pos->prev != lane) {
		const struct aws_call *w = list_entry(pos->prev, struct aws_call, wait_link);

		if (!w->order || w->order <= call->order)
			break;
		pos = pos->prev;
	}
	return pos;
}

static void unqueue(struct aws_call *call)
{
	list_del(&call->wait_link);
	call->bucket->n_waiting--;
	if (call->op)
		call->op->n_waiting--;
	aws_bucket_note(call->bucket);
}

static void enter_wait_rate(struct aws_call *call)
{
	struct bucket *b = call->bucket;
	struct list_node *lane = call->priority ? &b->waiters.priority : &b->waiters.ordinary;
	struct list_node *pos = rank_pos(lane, call);
	uint64_t now = aws_client_now_ms(call->client), wait = 0, next = UINT64_MAX;
	bool ahead;

	/* In each lane by rank, then first come, first served: nobody overtakes a call
	 * that ranks before it in its lane or waits in a lane before it (a priority call
	 * may take the token the first ordinary waiter would have had next), unless that
	 * call waits for its operation's bucket, which the others do not need. */
	ahead = (!call->priority && first_ready(&b->waiters.priority, &b->waiters.priority, now, &next)) ||
		first_ready(lane, pos, now, &next);
	if (!ahead && take(call, now, &wait) == 0) {
		transition(call, CALL_IN_FLIGHT);
		return;
	}
	list_insert_before(pos, &call->wait_link);
	b->n_waiting++;
	if (call->op)
		call->op->n_waiting++;
	aws_bucket_note(b);
	aws_bucket_arm(b, wait ? wait : 1);
}

void aws_bucket_pump(struct bucket *b)
{
	uint64_t next = UINT64_MAX;

	while (!lane_queue_empty(&b->waiters)) {
		uint64_t now = aws_client_now_ms(b->client), wait = 0;
		struct aws_call *call = first_ready(&b->waiters.priority, &b->waiters.priority, now, &next);

		if (!call)
			call = first_ready(&b->waiters.ordinary, &b->waiters.ordinary, now, &next);
		if (!call)
			break;
		if (take(call, now, &wait) < 0) {
			if (wait < next)
				next = wait;
			break;
		}
		unqueue(call);
		transition(call, CALL_IN_FLIGHT);
	}
	if (!lane_queue_empty(&b->waiters))
		aws_bucket_arm(b, next != UINT64_MAX && next ? next : 1);
}

/* ---- IN_FLIGHT ---- */

static void on_answer(void *arg, int status, const struct http_response *resp);

static void enter_in_flight(struct aws_call *call)
{
	struct aws_client *c = call->client;
	const struct aws_credentials *creds = call->creds ? creds_source_peek(call->creds) : NULL;
	struct sigv4_credentials sc = { 0 };
	struct aws_signed_request sreq;
	struct http_header headers[16];
	struct http_request hreq;
	int r;

	if (call->creds && !creds) { /* expired while waiting for a token */
		transition(call, CALL_WAIT_CREDS);
		return;
	}
	if (creds) {
		sc.access_key_id = creds->access_key_id;
		sc.secret_access_key = creds->secret_access_key;
		sc.session_token = creds->session_token;
	}
	r = aws_request_sign(&call->req, &call->ep, creds ? &sc : NULL,
			     (time_t)((aws_client_wall_ms(c) + c->clock_offset_ms) / 1000), c->user_agent, &sreq);
	if (r < 0) {
		fail_local(call, r, "", "the request cannot be signed");
		return;
	}
	for (size_t i = 0; i < sreq.n_headers && i < 16; i++) {
		headers[i].name = sreq.headers[i].name;
		headers[i].value = sreq.headers[i].value;
	}
	hreq = (struct http_request){
		.method = call->req.method,
		.url = sreq.url,
		.headers = headers,
		.n_headers = sreq.n_headers < 16 ? sreq.n_headers : 16,
		.body = call->req.body.buf,
		.body_len = call->req.body.len,
		.timeout_ms = c->timeout_ms,
		.max_response_bytes = call->req.max_response_bytes,
		.priority = call->priority,
	};
	r = http_client_send(c->http, &hreq, on_answer, call);
	aws_signed_request_release(&sreq);
	if (r < 0) {
		fail_local(call, r, "", "the request cannot be queued");
		return;
	}
	call->attempt++;
	call->sent_ns = uv_hrtime();
	svc_stats(call)->requests++;
}

/* Reports an event. The daemon may close the client from its event callback, which
 * cancels this call (its callback has then run): returns true when the call is gone. */
static bool emit_gone(struct aws_call *call, enum aws_event_type type)
{
	struct aws_event ev = {
		.type = type,
		.service = call->req.service,
		.account = call->account,
		.region = call->region,
		.operation = call->req.operation,
		.attempt = call->attempt,
		.delay_ms = call->delay_ms,
		.rate = call->op ? call->op->rl.rate : call->bucket->rl.rate,
		.error = &call->err,
	};

	aws_client_emit(call->client, &ev);
	if (!call->canceled)
		return false;
	list_del(&call->link);
	call_free(call);
	return true;
}

/* Fill call->err from an answer that is not a success. */
static void read_error(struct aws_call *call, int status, const struct http_response *resp)
{
	const struct aws_credentials *creds = call->creds ? creds_source_peek(call->creds) : NULL;
	/* "" (skipped) where a secret is absent: NULL ends the list */
	const char *secrets[] = { creds && creds->secret_access_key ? creds->secret_access_key : "",
				  creds && creds->session_token ? creds->session_token : "", NULL };

	if (status == 0) {
		struct aws_error_answer a = {
			.protocol = aws_service_info(call->req.service)->protocol,
			.http_status = resp->status,
			.error_type_header = http_response_header(resp, "x-amzn-ErrorType"),
			.request_id_header = http_response_header(resp, "x-amzn-RequestId"),
			.retry_after = http_response_header(resp, "Retry-After"),
			.amz_retry_after = http_response_header(resp, "x-amz-retry-after"),
			.body = resp->body.buf,
			.body_len = resp->body.len,
			.secrets = secrets,
		};

		if (!a.request_id_header)
			a.request_id_header = http_response_header(resp, "x-amz-request-id");
		aws_error_parse(&a, &call->err);
	} else {
		aws_error_set_local(&call->err, status, "", "%s %s: %s", call->req.method, call->ep.host,
				    status == -EBADMSG ? "the answer is not HTTP" : strerror(-status));
		svc_stats(call)->transport_errors++;
		if (status == -ETIMEDOUT)
			svc_stats(call)->timeouts++;
	}
	aws_error_set_operation(&call->err, call->req.operation);
	if (creds) {
		aws_error_redact(&call->err, creds->secret_access_key);
		aws_error_redact(&call->err, creds->session_token);
	}
}

/* AWS's clock, from an answer's Date header: when the host's clock (plus the offset in
 * use) is AWS_CLOCK_SKEW_MS or more off it (AWS refuses signatures 5 minutes off), the
 * requests that follow are signed with AWS's time, as AWS's SDKs do; a host clock put
 * right brings the offset back to 0 the same way. True when the offset changed. */
static bool note_clock(struct aws_client *c, const struct http_response *resp)
{
	const char *date = http_response_header(resp, "Date");
	int64_t aws_ms, host_ms = aws_client_wall_ms(c), off;
	struct aws_event ev = { .type = AWS_EVENT_CLOCK_SKEW };

	if (!date || aws_time_parse_http_date(date, &aws_ms) < 0)
		return false;
	off = aws_ms - (host_ms + c->clock_offset_ms);
	if (off > -AWS_CLOCK_SKEW_MS && off < AWS_CLOCK_SKEW_MS)
		return false;
	c->clock_offset_ms = aws_ms - host_ms;
	ev.clock_offset_ms = c->clock_offset_ms;
	aws_client_emit(c, &ev);
	return true;
}

/* An error AWS gives a request signed too far from its clock. */
static bool clock_error(const char *code)
{
	static const char *const codes[] = { "RequestTimeTooSkewed",	  "RequestExpired",	   "RequestInTheFuture",
					     "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure" };

	for (size_t i = 0; code && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			return true;
	return false;
}

static void on_answer(void *arg, int status, const struct http_response *resp)
{
	struct aws_call *call = arg;
	struct aws_client *c = call->client;
	uint64_t now = aws_client_now_ms(c);
	unsigned max;
	bool paced, refresh, reclocked;
	int taken;

	if (call->canceled) {
		list_del(&call->link);
		call_free(call);
		return;
	}
	reclocked = status == 0 && note_clock(c, resp);
	aws_stats__latency(c, call->req.service, call->req.operation, (double)(uv_hrtime() - call->sent_ns) / 1e9);
	if (status == 0 && resp->status >= 200 && resp->status < 300) {
		ratelimit_succeeded(&call->bucket->rl, now);
		if (call->op)
			ratelimit_succeeded(&call->op->rl, now);
		retry_quota_success(&c->quota, call->quota_taken);
		finish(call, 0, resp);
		return;
	}
	read_error(call, status, resp);
	if (status == -EMSGSIZE && call->req.oversize_final)
		call->err.class = AWS_ERROR_TERMINAL;
	aws_stats__error(c, call->req.service, &call->err);
	if (call->err.class == AWS_ERROR_THROTTLING) {
		/* the narrowest bucket the call passed answers for it */
		struct ratelimit *rl = call->op ? &call->op->rl : &call->bucket->rl;
		uint64_t wait = 0;

		ratelimit_throttled(rl, now, call->err.retry_after_ms);
		/* a token given back (ratelimit.h): the waiters need not wait a whole interval */
		if (!lane_queue_empty(&call->bucket->waiters))
			aws_bucket_arm(call->bucket, ratelimit_peek(rl, now, &wait) < 0 ? wait : 1);
		call->bucket->throttled = true;
		aws_bucket_note(call->bucket);
		svc_stats(call)->throttles++;
		if (emit_gone(call, AWS_EVENT_THROTTLED))
			return;
	}
	/* A throttled call behind its operation's limit is paced by that bucket (emptied
	 * and slowed just now): its retries multiply no load, so they take no retry
	 * quota and get more attempts; giving up would fail a reconcile over jitter. */
	paced = call->err.class == AWS_ERROR_THROTTLING && call->op;
	max = retry_max_attempts(&c->retry, call->err.code);
	if (paced && c->retry.paced_max_attempts > max)
		max = c->retry.paced_max_attempts;
	refresh = retry_refreshes_credentials(call->err.code);
	/* refused for a clock this answer has just corrected: once more at once, signed anew */
	reclocked = reclocked && clock_error(call->err.code) && !call->reclocked;
	if (c->closing ||
	    (!reclocked && (call->attempt >= max || (call->err.class == AWS_ERROR_TERMINAL && !refresh)))) {
		finish(call, call->err.status, NULL);
		return;
	}
	if (reclocked) {
		call->reclocked = true;
		call->delay_ms = 0;
	} else if (refresh) {
		/* Stale or unrecognized session credentials: new ones from their provider
		 * and one more attempt at once, but only once. */
		if (call->refreshed || !call->creds || !call->creds->provider) {
			finish(call, call->err.status, NULL);
			return;
		}
		call->refreshed = true;
		creds_source_invalidate(call->creds);
		call->delay_ms = 0;
	} else {
		taken = paced ? 0 : retry_quota_take(&c->quota, &c->retry, call->err.class);
		if (taken < 0) {
			finish(call, call->err.status, NULL);
			return;
		}
		call->quota_taken += (unsigned)taken;
		call->delay_ms = retry_backoff_ms(&c->retry, call->attempt, call->err.class, call->err.retry_after_ms,
						  aws_client_random(c));
	}
	svc_stats(call)->retries++;
	if (emit_gone(call, AWS_EVENT_RETRY))
		return;
	transition(call, CALL_BACKOFF);
}

/* ---- BACKOFF ---- */

static void on_backoff(uv_timer_t *t)
{
	struct call_timer *ct = t->data;

	if (ct->call)
		transition(ct->call, CALL_WAIT_CREDS);
}

static void enter_backoff(struct aws_call *call)
{
	if (!call->timer) {
		call->timer = xcalloc(1, sizeof(*call->timer));
		call->timer->client = call->client;
		call->timer->call = call;
		call->timer->timer.data = call->timer;
		uv_timer_init(call->client->loop, &call->timer->timer);
	}
	uv_timer_start(&call->timer->timer, on_backoff, call->delay_ms, 0);
}

/* ---- DONE ---- */

static void enter_done(struct aws_call *call)
{
	struct aws_service_stats *st = svc_stats(call);
	char outer[sizeof(call->client->request_id)];

	list_del(&call->link);
	if (!call->started)
		return; /* aws_call_start() reports it and frees the call */
	if (call->status == 0)
		st->succeeded++;
	else
		st->failed++;
	/* the answer's request id, for whoever the callback reaches (a success's err
	 * is NULL): aws_client_request_id(); a call finished from inside another's
	 * callback (a cancel) puts the outer one's back */
	memcpy(outer, call->client->request_id, sizeof(outer));
	if (call->status == 0 && call->resp) {
		const char *id = http_response_header(call->resp, "x-amzn-RequestId");
		if (!id)
			id = http_response_header(call->resp, "x-amz-request-id");
		snprintf(call->client->request_id, sizeof(call->client->request_id), "%s", id ? id : "");
	} else {
		snprintf(call->client->request_id, sizeof(call->client->request_id), "%s",
			 call->err.request_id ? call->err.request_id : "");
	}
	call->cb(call->arg, call->status, call->status ? &call->err : NULL, call->resp);
	memcpy(call->client->request_id, outer, sizeof(outer));
	call_free(call);
}

/* ---- the transition function ---- */

static void transition(struct aws_call *call, enum call_state to)
{
	struct aws_client *c = call->client;

	if (c->closing && to != CALL_DONE) {
		call->status = -ECANCELED;
		aws_error_set_local(&call->err, -ECANCELED, "", "%s", "the AWS client is closing");
		aws_error_set_operation(&call->err, call->req.operation);
		call->resp = NULL;
		to = CALL_DONE;
	}
	c->n_state[call->state]--;
	call->state = to;
	c->n_state[to]++;
	switch (to) {
	case CALL_WAIT_CREDS:
		enter_wait_creds(call);
		break;
	case CALL_WAIT_RATE:
		enter_wait_rate(call);
		break;
	case CALL_IN_FLIGHT:
		enter_in_flight(call);
		break;
	case CALL_BACKOFF:
		enter_backoff(call);
		break;
	case CALL_DONE:
		c->n_state[CALL_DONE]--;
		enter_done(call);
		break;
	}
}

const char *aws_call_state_name(unsigned s)
{
	return s <= CALL_DONE ? call_state_names[s] : "?";
}

int aws_call_start(struct aws_client *c, const char *account, const char *region, struct creds_source *creds,
		   bool priority, uint64_t order, struct aws_request *req, aws_call_cb cb, void *arg)
{
	struct aws_call *call;
	int r;

	if (c->closing) {
		aws_request_release(req);
		return -ECANCELED;
	}
	call = xcalloc(1, sizeof(*call));
	call->client = c;
	call->req = *req;
	memset(req, 0, sizeof(*req));
	aws_error_init(&call->err);
	call->account = xstrdup(account);
	call->region = xstrdup(region);
	call->creds = creds;
	call->priority = priority;
	call->order = order;
	call->cb = cb;
	call->arg = arg;
	list_init(&call->wait_link);
	list_init(&call->waiter.link);
	r = aws_endpoint_resolve(&c->endpoints, call->req.service, region, &call->ep);
	if (r < 0) {
		call_free(call);
		return r;
	}
	call->bucket = aws_client_bucket(c, account, region, call->req.service);
	call->op = aws_bucket_op(call->bucket, call->req.operation);
	list_add_tail(&c->calls, &call->link);
	svc_stats(call)->calls++;
	call->state = CALL_WAIT_CREDS;
	c->n_state[CALL_WAIT_CREDS]++;
	enter_wait_creds(call);
	if (call->state == CALL_DONE) {
		r = call->status;
		svc_stats(call)->calls--;
		call_free(call);
		return r;
	}
	call->started = true;
	return 0;
}

/* Cancel one pending call: its callback runs now with -ECANCELED. A call on the wire
 * stays allocated (as a zombie) until the HTTP client hands back its transfer. */
static void cancel(struct aws_call *call)
{
	aws_error_set_local(&call->err, -ECANCELED, "", "%s", "the AWS client is closing");
	aws_error_set_operation(&call->err, call->req.operation);
	call->status = -ECANCELED;
	call->resp = NULL;
	switch (call->state) {
	case CALL_WAIT_CREDS:
		creds_waiter_cancel(&call->waiter);
		break;
	case CALL_WAIT_RATE:
		if (list_linked(&call->wait_link))
			unqueue(call);
		break;
	case CALL_BACKOFF:
		uv_timer_stop(&call->timer->timer);
		break;
	case CALL_IN_FLIGHT: {
		struct aws_client *c = call->client;

		call->cb(call->arg, -ECANCELED, &call->err, NULL);
		call->canceled = true;
		c->n_state[CALL_IN_FLIGHT]--;
		c->service_stats[call->req.service].failed++;
		list_del(&call->link);
		list_add_tail(&c->zombies, &call->link);
		return;
	}
	case CALL_DONE:
		return;
	}
	transition(call, CALL_DONE); /* closing: DONE with -ECANCELED */
}

void aws_call_cancel_all(struct aws_client *c)
{
	while (!list_empty(&c->calls)) {
		cancel(list_entry(list_first(&c->calls), struct aws_call, link));
	}
}
