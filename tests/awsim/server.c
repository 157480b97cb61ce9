/* Serving one AWS request: route, check the signature, decide the faults, wait
 * out the latency, run the operation and answer (or cut the connection). The
 * synchronous part is awsim_process(), which tests and the fuzz target call
 * directly; awsim_on_request() adds the event-loop parts (latency timers, resets,
 * lost answers) around it. */
#include "awsim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"
#include "xalloc.h"

#define CORAL_SUFFIX ":http://internal.amazon.com/coral/com.amazon.bedrock/"

struct pending_call {
	uv_timer_t timer;
	struct awsim *sim;
	struct http_request *req;
	struct call call;
	struct fault_decision d;
	bool ready; /* prepare() passed: the outcome in d applies */
	uint64_t started_ms;
	struct pending_call *prev, *next;
};

static int unknown_operation(struct call *c)
{
	switch (c->proto) {
	case PROTO_QUERY:
		return call_error(c, 400, "InvalidAction", "Could not find operation %s for version %s", c->op_name,
				  service_def(c->svc)->version);
	case PROTO_JSON:
		return call_error(c, 400, "UnknownOperationException", "Unknown operation %s", c->op_name);
	case PROTO_REST_XML:
		return call_error(c, 501, "NotImplemented",
				  "A header you provided implies functionality that is not implemented (%s).",
				  c->op_name);
	default:
		return call_error(c, 404, "UnknownOperationException", "Unknown operation %s", c->op_name);
	}
}

/* Route, signature, operation and body: everything decided before the faults. */
static int prepare(struct call *c)
{
	if (route_request(c) < 0 || auth_check(c) < 0)
		return -1;
	if (!c->op)
		return unknown_operation(c);
	if (c->proto == PROTO_QUERY || c->proto == PROTO_REST_XML)
		return 0;
	if (c->svc == SVC_BEDROCK_RUNTIME && strcmp(c->op->name, "InvokeModel") == 0)
		return 0; /* the body is the model's, bytes */
	if (!c->msg->body.len) {
		c->json = cJSON_CreateObject();
		return 0;
	}
	c->json = cJSON_ParseWithLength(c->msg->body.buf, c->msg->body.len);
	if (!cJSON_IsObject(c->json))
		return call_error(c, 400, "SerializationException", "The request body is not a JSON object.");
	return 0;
}

/* repeat_entries: a JSON answer's lists (its top-level arrays) each give their first
 * entry once more at their end, as a paged listing of AWS may repeat an entry that
 * changed while it was read. Errors and other protocols' answers are left alone. */
static void repeat_entries(struct call *c)
{
	cJSON *doc, *m;
	char *text;

	if (c->status != 200 || c->proto == PROTO_QUERY || c->proto == PROTO_REST_XML)
		return;
	doc = cJSON_ParseWithLength(c->body.buf, c->body.len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return;
	}
	cJSON_ArrayForEach(m, doc)
	{
		if (cJSON_IsArray(m) && cJSON_GetArraySize(m) > 0)
			cJSON_AddItemToArray(m, cJSON_Duplicate(cJSON_GetArrayItem(m, 0), true));
	}
	text = cJSON_PrintUnformatted(doc);
	strbuf_reset(&c->body);
	strbuf_add(&c->body, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(doc);
}

/* garble: the answer, whatever it was, becomes a proxy's page (200, HTML): the
 * operation ran, and its answer cannot be read. */
static void garble(struct call *c)
{
	static const char page[] = "<html><body><h1>Proxy</h1><p>The request was forwarded.</p></body></html>";

	c->status = 200;
	c->error_code[0] = '\0';
	c->content_type = "text/html";
	strbuf_reset(&c->body);
	strbuf_add(&c->body, page, sizeof(page) - 1);
}

/* Carry out the decided outcome: an injected error, or the operation itself. */
static void execute(struct call *c, const struct fault_decision *d)
{
	const struct service_def *def = service_def(c->svc);

	switch (d->kind) {
	case FAULT_THROTTLE:
		call_throttle(c);
		break;
	case FAULT_500:
		call_error(c, 500, def->internal, "We encountered an internal error. Please try again.");
		break;
	case FAULT_503:
		call_error(c, 503, c->proto == PROTO_QUERY ? "ServiceUnavailable" : "ServiceUnavailableException",
			   "Service is unavailable. Please try again.");
		break;
	case FAULT_ERROR:
		call_error(c, d->status, d->code, "%s", d->message);
		break;
	case FAULT_RESET:
		break;
	case FAULT_NONE:
	case FAULT_LOST:
	case FAULT_REPEAT:
	case FAULT_GARBLE:
		if (auth_bind(c) == 0) {
			budget_actions_land(c->sim); /* what an action in progress did by now */
			c->op->run(c);
		}
		if (d->kind == FAULT_REPEAT)
			repeat_entries(c);
		if (d->kind == FAULT_GARBLE)
			garble(c);
		break;
	}
}

static uint64_t mono_ms(struct awsim *sim)
{
	return sim->loop ? uv_now(sim->loop) : (uint64_t)ids_now_ms();
}

static void decide(struct call *c, struct fault_decision *d)
{
	struct fault_request q = { service_def(c->svc)->name, c->op->name, c->region, c->account, c->msg->path };

	faults_decide(&c->sim->faults, &q, mono_ms(c->sim), d);
}

void awsim_process(struct call *c, struct fault_decision *d)
{
	memset(d, 0, sizeof(*d));
	if (prepare(c) < 0)
		return;
	decide(c, d);
	execute(c, d);
}

static void count(struct call *c, const struct fault_decision *d)
{
	enum stat_kind kind = STAT_OK;

	if (d->kind == FAULT_RESET || d->kind == FAULT_LOST)
		kind = STAT_DROPPED;
	else if (c->throttled)
		kind = STAT_THROTTLED;
	else if (c->error_code[0])
		kind = STAT_FAILED;
	/* unknown operations share one counter: the outside must not grow the table */
	stats_count(c->sim, service_def(c->svc)->name, c->op ? c->op->name : "UnknownOperation",
		    c->op && c->op->mutating, kind);
	if (c->op && c->op->mutating && kind != STAT_DROPPED)
		requests_note(c->sim, service_def(c->svc)->name, c->op->name, c->request_id, c->status, c->error_code);
}

void awsim_respond(struct call *c, struct http_request *req)
{
	struct http_header h[4 + 8];
	char type[160], date[32];
	size_t n = 0;

	ids_http_date(ids_now_ms(), date);
	h[n++] = (struct http_header){ "Date", date };
	h[n++] = (struct http_header){ "Content-Type", c->content_type ? c->content_type : "application/json" };
	h[n++] = (struct http_header){ "x-amzn-RequestId", c->request_id };
	if (c->error_code[0] && c->proto == PROTO_REST_JSON) {
		snprintf(type, sizeof(type), "%s%s", c->error_code, CORAL_SUFFIX);
		h[n++] = (struct http_header){ "x-amzn-ErrorType", type };
	}
	for (size_t i = 0; i < c->n_hdr; i++)
		h[n++] = (struct http_header){ c->hdr_name[i], c->hdr_value[i] };
	http_respond(req, c->status, h, n, c->body.buf, c->body.len);
}

void awsim_reply(struct awsim *sim, struct http_request *req, int status, const char *content_type, const char *body,
		 size_t len)
{
	char id[37], date[32];
	struct http_header h[3] = { { "Date", date }, { "Content-Type", content_type }, { "x-amzn-RequestId", id } };

	ids_uuid(&sim->rng, id);
	ids_http_date(ids_now_ms(), date);
	http_respond(req, status, h, 3, body, len);
}

void awsim_reply_json(struct awsim *sim, struct http_request *req, int status, cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);

	awsim_reply(sim, req, status, "application/json", text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(doc);
}

static void log_call(struct pending_call *p)
{
	struct call *c = &p->call;
	const char *what = p->d.kind == FAULT_RESET ? " (reset)" : p->d.kind == FAULT_LOST ? " (lost)" : "";

	awsim_log(p->sim, "%s %s:%s %s %d %s%s (%llu ms)", c->msg->method, service_def(c->svc)->name, c->op_name,
		  c->region, c->status, c->error_code[0] ? c->error_code : "", what,
		  (unsigned long long)(mono_ms(p->sim) - p->started_ms));
}

static void pending_free(uv_handle_t *h)
{
	struct pending_call *p = h->data;

	call_release(&p->call);
	free(p);
}

static void unlink_pending(struct pending_call *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else if (p->sim->pending == p)
		p->sim->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

/* Run the operation and answer; the pending call is freed afterwards. */
static void finish(struct pending_call *p, bool timed)
{
	struct call *c = &p->call;

	if (p->ready)
		execute(c, &p->d);
	count(c, &p->d);
	if (!p->sim->cfg.quiet)
		log_call(p);
	if (p->d.kind == FAULT_RESET || p->d.kind == FAULT_LOST)
		http_abort(p->req, true);
	else
		awsim_respond(c, p->req);
	p->req = NULL;
	if (timed) {
		unlink_pending(p);
		uv_close((uv_handle_t *)&p->timer, pending_free);
	} else {
		pending_free((uv_handle_t *)&p->timer);
	}
}

static void on_latency(uv_timer_t *t)
{
	finish(t->data, true);
}

static void answer_too_large(struct pending_call *p)
{
	struct call *c = &p->call;

	route_request(c);
	call_error(c, 413, "RequestEntityTooLarge", "The request body is larger than %d bytes.",
		   route_is_s3(c->msg) ? AWSIM_MAX_OBJECT : AWSIM_MAX_BODY);
	count(c, &p->d);
	awsim_respond(c, p->req);
	call_release(c);
	free(p);
}

void awsim_on_request(struct http_request *req, void *data)
{
	struct awsim *sim = data;
	const struct http_message *m = http_request_message(req);
	struct pending_call *p;

	if (sso_handle(sim, req) || sns_admin_handle(sim, req))
		return;
	if (!strncmp(m->path, "/_awsim/", 8) && strcmp(m->path, "/_awsim/container-credentials") != 0) {
		admin_handle(sim, req);
		return;
	}
	if (metadata_handle(sim, req))
		return;
	p = xcalloc(1, sizeof(*p));
	p->sim = sim;
	p->req = req;
	p->timer.data = p;
	p->started_ms = mono_ms(sim);
	call_init(&p->call, sim, m, http_request_is_local(req));
	if (http_request_error(req) || (m->body.len > AWSIM_MAX_BODY && !route_is_s3(m))) {
		answer_too_large(p);
		return;
	}
	if (prepare(&p->call) < 0) {
		finish(p, false);
		return;
	}
	p->ready = true;
	decide(&p->call, &p->d);
	if (!p->d.latency_ms) {
		finish(p, false);
		return;
	}
	uv_timer_init(sim->loop, &p->timer);
	uv_timer_start(&p->timer, on_latency, p->d.latency_ms, 0);
	p->next = sim->pending;
	if (sim->pending)
		sim->pending->prev = p;
	sim->pending = p;
}

void awsim_cancel_pending(struct awsim *sim)
{
	while (sim->pending) {
		struct pending_call *p = sim->pending;
		unlink_pending(p);
		http_abort(p->req, false);
		p->req = NULL;
		uv_close((uv_handle_t *)&p->timer, pending_free);
	}
}
