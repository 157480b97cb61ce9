/* Counters of the AWS client: what each attempt records (latency, error codes), a
 * snapshot (aws_client_stats) and its JSON (aws_stats_json) and Prometheus
 * (aws_stats_prometheus) forms. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_client_impl.h"
#include "aws_json.h"
#include "xalloc.h"

/* Upper bounds in seconds: a healthy call takes tens of milliseconds, a throttled or
 * stuck one up to the 30 s attempt timeout. */
static const double latency_bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

/* A name fit to be a label value as it is: short, and of the characters AWS's
 * operation names and error codes are made of. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	return n && n < AWS_STATS_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == n;
}

/* The label a new name gets in a table of n entries: itself while it is plain and
 * fewer than max are used, else "other". */
static const char *label(const char *name, size_t n, size_t max)
{
	return plain_name(name) && n < max ? name : AWS_STATS_OTHER;
}

static struct aws_op_stats *op_find(struct aws_client *c, enum aws_service s, const char *name)
{
	for (size_t i = 0; i < c->n_ops; i++)
		if (c->ops[i].service == s && strcmp(c->ops[i].operation, name) == 0)
			return &c->ops[i];
	return NULL;
}

static struct aws_code_stats *code_find(struct aws_client *c, enum aws_service s, const char *name)
{
	for (size_t i = 0; i < c->n_codes; i++)
		if (c->codes[i].service == s && strcmp(c->codes[i].code, name) == 0)
			return &c->codes[i];
	return NULL;
}

void aws_stats__latency(struct aws_client *c, enum aws_service s, const char *operation, double seconds)
{
	const char *name = operation ? operation : "";
	struct aws_op_stats *o = op_find(c, s, name);

	if (!o) {
		name = label(name, c->n_ops, AWS_STATS_MAX_OPS);
		o = op_find(c, s, name);
	}
	if (!o) { /* room: AWS_STATS_MAX_OPS named ones, then one "other" per service */
		o = &c->ops[c->n_ops++];
		o->service = s;
		snprintf(o->operation, sizeof(o->operation), "%s", name);
		histogram_init(&o->latency, latency_bounds, sizeof(latency_bounds) / sizeof(latency_bounds[0]));
	}
	histogram_observe(&o->latency, seconds);
}

void aws_stats__error(struct aws_client *c, enum aws_service s, const struct aws_error *err)
{
	char made[32];
	const char *name = err->code && err->code[0] ? err->code : made;
	struct aws_code_stats *k;

	if (name == made && err->http_status)
		snprintf(made, sizeof(made), "http_%d", err->http_status);
	else if (name == made)
		snprintf(made, sizeof(made), "%s", err->status == -ETIMEDOUT ? "timeout" : "transport");
	k = code_find(c, s, name);
	if (!k) {
		name = label(name, c->n_codes, AWS_STATS_MAX_CODES);
		k = code_find(c, s, name);
	}
	if (!k) { /* room: AWS_STATS_MAX_CODES named ones, then one "other" per service */
		k = &c->codes[c->n_codes++];
		k->service = s;
		snprintf(k->code, sizeof(k->code), "%s", name);
	}
	k->n++;
}

static void creds_stats(struct aws_stats *st, const struct creds_source *s)
{
	struct aws_creds_stats *cs;

	st->creds = xreallocarray(st->creds, st->n_creds + 1, sizeof(*st->creds));
	cs = &st->creds[st->n_creds++];
	cs->name = xstrdup(s->name);
	cs->origin = xstrdup(s->provider ? s->provider->kind : "static");
	cs->refreshes = s->refreshes;
	cs->failures = s->failures;
	cs->expiration_ms = s->have ? s->creds.expiration_ms : 0;
}

/* The counters of a snapshot, full or brief. */
static void counters(const struct aws_client *c, struct aws_stats *ret)
{
	struct http_client_stats hs = { 0 };

	memset(ret, 0, sizeof(*ret));
	memcpy(ret->service, c->service_stats, sizeof(ret->service));
	if (c->http)
		http_client_stats(c->http, &hs);
	ret->in_flight = hs.in_flight;
	ret->queued = hs.queued;
	ret->connects = hs.connects;
	ret->clock_offset_ms = c->clock_offset_ms;
	ret->waiting_creds = c->n_state[CALL_WAIT_CREDS];
	ret->waiting_rate = c->n_state[CALL_WAIT_RATE];
	ret->backing_off = c->n_state[CALL_BACKOFF];
	ret->retry_quota = c->quota.tokens;
	ret->retry_quota_max = c->quota.max;
	ret->retry_quota_exhausted = c->quota.exhausted;
}

bool aws_bucket_of_note(const struct aws_bucket_stats *b)
{
	return b->waiting || b->throttles || b->rate < b->max_rate;
}

/* The limiter b (op NULL) or its operation's op, as a snapshot's entry (names not
 * yet copied). */
static struct aws_bucket_stats limiter(const struct bucket *b, const struct op_bucket *op)
{
	const struct ratelimit *rl = op ? &op->rl : &b->rl;

	return (struct aws_bucket_stats){
		.service = b->service,
		.rate = rl->rate,
		.max_rate = rl->cfg.max_rate,
		.throttles = rl->throttles,
		.waiting = op ? op->n_waiting : b->n_waiting,
	};
}

/* Appends limiter v of bucket b to ret when there is room (ret->buckets holds max),
 * and, brief, when it is of note. */
static void limiter_add(struct aws_stats *ret, size_t max, bool brief, const struct bucket *b,
			const struct op_bucket *op)
{
	struct aws_bucket_stats v = limiter(b, op);

	if (ret->n_buckets >= max || (brief && !aws_bucket_of_note(&v)))
		return;
	v.account = xstrdup(b->account);
	v.region = xstrdup(b->region);
	v.operation = op ? xstrdup(op->operation) : NULL;
	ret->buckets[ret->n_buckets++] = v;
}

/* The limiters, every one (brief false), or those of note of the buckets of note
 * (aws_client.noted), at most max. */
static void limiters(const struct aws_client *c, struct aws_stats *ret, size_t max, bool brief)
{
	const struct list_node *list = brief ? &c->noted : &c->buckets;

	ret->n_buckets_total = c->n_limiters;
	ret->buckets = xcalloc(max ? max : 1, sizeof(*ret->buckets));
	for (const struct list_node *p = list->next; p != list && ret->n_buckets < max; p = p->next) {
		const struct bucket *b = brief ? list_entry(p, struct bucket, note_link)
					       : list_entry(p, struct bucket, link);

		limiter_add(ret, max, brief, b, NULL);
		for (size_t i = 0; i < b->n_ops; i++)
			limiter_add(ret, max, brief, b, &b->ops[i]);
	}
}

void aws_client_stats(const struct aws_client *c, struct aws_stats *ret)
{
	counters(c, ret);
	ret->n_ops = c->n_ops;
	ret->ops = xcalloc(c->n_ops ? c->n_ops : 1, sizeof(*ret->ops));
	memcpy(ret->ops, c->ops, c->n_ops * sizeof(*ret->ops));
	ret->n_codes = c->n_codes;
	ret->codes = xcalloc(c->n_codes ? c->n_codes : 1, sizeof(*ret->codes));
	memcpy(ret->codes, c->codes, c->n_codes * sizeof(*ret->codes));
	limiters(c, ret, c->n_limiters, false);
	if (c->default_creds)
		creds_stats(ret, c->default_creds);
	for (const struct list_node *p = c->accounts.next; p != &c->accounts; p = p->next)
		creds_stats(ret, list_entry(p, struct account, link)->creds);
}

void aws_client_stats_brief(const struct aws_client *c, size_t max, struct aws_stats *ret)
{
	counters(c, ret);
	limiters(c, ret, max, true);
}

unsigned aws_client_in_flight(const struct aws_client *c)
{
	struct http_client_stats hs = { 0 };

	if (c->http)
		http_client_stats(c->http, &hs);
	return hs.in_flight;
}

void aws_stats_release(struct aws_stats *s)
{
	for (size_t i = 0; i < s->n_buckets; i++) {
		free(s->buckets[i].account);
		free(s->buckets[i].region);
		free(s->buckets[i].operation);
	}
	for (size_t i = 0; i < s->n_creds; i++) {
		free(s->creds[i].name);
		free(s->creds[i].origin);
	}
	free(s->buckets);
	free(s->creds);
	free(s->ops);
	free(s->codes);
	memset(s, 0, sizeof(*s));
}

static void add_u64(cJSON *obj, const char *name, uint64_t v)
{
	aws_json_add_num(obj, name, (double)v);
}

char *aws_stats_json(const struct aws_stats *s)
{
	cJSON *root = aws_json_new_object(), *calls, *services, *buckets, *creds;
	char *text;

	add_u64(root, "in_flight", s->in_flight);
	add_u64(root, "queued", s->queued);
	/* Calls waiting, by the names of their states (aws_call.c). */
	calls = cJSON_AddObjectToObject(root, "calls_waiting");
	add_u64(calls, aws_call_state_name(CALL_WAIT_CREDS), s->waiting_creds);
	add_u64(calls, aws_call_state_name(CALL_WAIT_RATE), s->waiting_rate);
	add_u64(calls, aws_call_state_name(CALL_BACKOFF), s->backing_off);
	add_u64(root, "retry_quota", s->retry_quota);
	add_u64(root, "retry_quota_max", s->retry_quota_max);
	add_u64(root, "retry_quota_exhausted", s->retry_quota_exhausted);
	add_u64(root, "connects", s->connects);
	cJSON_AddNumberToObject(root, "clock_offset_ms", (double)s->clock_offset_ms);
	services = cJSON_AddObjectToObject(root, "services");
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		const struct aws_service_stats *st = &s->service[i];
		cJSON *o = cJSON_AddObjectToObject(services, aws_service_name((enum aws_service)i));

		add_u64(o, "calls", st->calls);
		add_u64(o, "requests", st->requests);
		add_u64(o, "succeeded", st->succeeded);
		add_u64(o, "failed", st->failed);
		add_u64(o, "retries", st->retries);
		add_u64(o, "throttles", st->throttles);
		add_u64(o, "timeouts", st->timeouts);
		add_u64(o, "transport_errors", st->transport_errors);
	}
	buckets = cJSON_AddArrayToObject(root, "rate_limiters");
	for (size_t i = 0; i < s->n_buckets; i++) {
		const struct aws_bucket_stats *b = &s->buckets[i];
		cJSON *o = aws_json_new_object();

		aws_json_add_str(o, "account", b->account);
		aws_json_add_str(o, "region", b->region);
		aws_json_add_str(o, "service", aws_service_name(b->service));
		if (b->operation)
			aws_json_add_str(o, "operation", b->operation);
		aws_json_add_num(o, "rate", b->rate);
		aws_json_add_num(o, "max_rate", b->max_rate);
		add_u64(o, "throttles", b->throttles);
		add_u64(o, "waiting", b->waiting);
		cJSON_AddItemToArray(buckets, o);
	}
	creds = cJSON_AddArrayToObject(root, "credentials");
	for (size_t i = 0; i < s->n_creds; i++) {
		const struct aws_creds_stats *c = &s->creds[i];
		cJSON *o = aws_json_new_object();
		char when[21];

		aws_json_add_str(o, "name", c->name);
		aws_json_add_str(o, "source", c->origin);
		add_u64(o, "refreshes", c->refreshes);
		add_u64(o, "failures", c->failures);
		if (c->expiration_ms) {
			aws_time_format_iso8601(c->expiration_ms, when);
			aws_json_add_str(o, "expires", when);
		}
		cJSON_AddItemToArray(creds, o);
	}
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!text)
		abort();
	return text;
}

void aws_stats_prometheus(const struct aws_stats *s, struct strbuf *out)
{
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_request_duration_seconds Time from sending an AWS request to "
			 "its answer, each attempt, by service and operation.\n"
			 "# TYPE bedrock_tenantd_aws_request_duration_seconds histogram\n");
	for (size_t i = 0; i < s->n_ops; i++) {
		char labels[2 * AWS_STATS_NAME_MAX + 32];
		snprintf(labels, sizeof(labels), "service=\"%s\",operation=\"%s\"", aws_service_name(s->ops[i].service),
			 s->ops[i].operation);
		histogram_print(&s->ops[i].latency, "bedrock_tenantd_aws_request_duration_seconds", labels, out);
	}
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_errors_total AWS error answers and failed requests, by service "
			 "and error code.\n"
			 "# TYPE bedrock_tenantd_aws_errors_total counter\n");
	for (size_t i = 0; i < s->n_codes; i++)
		strbuf_addf(out, "bedrock_tenantd_aws_errors_total{service=\"%s\",code=\"%s\"} %llu\n",
			    aws_service_name(s->codes[i].service), s->codes[i].code, (unsigned long long)s->codes[i].n);
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_credentials_expiry_seconds When the credentials in use expire "
			 "(seconds since the epoch), by account alias; absent for credentials that do not expire.\n"
			 "# TYPE bedrock_tenantd_aws_credentials_expiry_seconds gauge\n");
	for (size_t i = 0; i < s->n_creds; i++)
		if (s->creds[i].expiration_ms)
			strbuf_addf(out, "bedrock_tenantd_aws_credentials_expiry_seconds{account=\"%s\"} %lld\n",
				    plain_name(s->creds[i].name) ? s->creds[i].name : AWS_STATS_OTHER,
				    (long long)(s->creds[i].expiration_ms / 1000));
}
