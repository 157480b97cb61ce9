/* Counters of the AWS client: a snapshot (aws_client_stats) and its JSON form for
 * the control socket (aws_stats_json). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_client_impl.h"
#include "aws_json.h"
#include "xalloc.h"

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

void aws_client_stats(const struct aws_client *c, struct aws_stats *ret)
{
	struct http_client_stats hs = { 0 };
	size_t n = 0;

	memset(ret, 0, sizeof(*ret));
	memcpy(ret->service, c->service_stats, sizeof(ret->service));
	if (c->http)
		http_client_stats(c->http, &hs);
	ret->in_flight = hs.in_flight;
	ret->queued = hs.queued;
	ret->connects = hs.connects;
	ret->waiting_creds = c->n_state[CALL_WAIT_CREDS];
	ret->waiting_rate = c->n_state[CALL_WAIT_RATE];
	ret->backing_off = c->n_state[CALL_BACKOFF];
	ret->retry_quota = c->quota.tokens;
	ret->retry_quota_max = c->quota.max;
	ret->retry_quota_exhausted = c->quota.exhausted;
	ret->n_buckets = list_count(&c->buckets);
	ret->buckets = xcalloc(ret->n_buckets ? ret->n_buckets : 1, sizeof(*ret->buckets));
	for (const struct list_node *p = c->buckets.next; p != &c->buckets; p = p->next) {
		const struct bucket *b = list_entry(p, struct bucket, link);
		struct aws_bucket_stats *bs = &ret->buckets[n++];

		bs->account = xstrdup(b->account);
		bs->region = xstrdup(b->region);
		bs->service = b->service;
		bs->rate = b->rl.rate;
		bs->max_rate = b->rl.cfg.max_rate;
		bs->throttles = b->rl.throttles;
		bs->waiting = b->n_waiting;
	}
	if (c->default_creds)
		creds_stats(ret, c->default_creds);
	for (const struct list_node *p = c->accounts.next; p != &c->accounts; p = p->next)
		creds_stats(ret, list_entry(p, struct account, link)->creds);
}

void aws_stats_release(struct aws_stats *s)
{
	for (size_t i = 0; i < s->n_buckets; i++) {
		free(s->buckets[i].account);
		free(s->buckets[i].region);
	}
	for (size_t i = 0; i < s->n_creds; i++) {
		free(s->creds[i].name);
		free(s->creds[i].origin);
	}
	free(s->buckets);
	free(s->creds);
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
