/* aws_client and its call state machine, against a scripted server: signatures the
 * server verifies, retries of each error class, attempt limits, the retry quota,
 * throttling and the rate buckets (priority calls first), events, counters, and a
 * close with calls in every state. Backoff jitter is a fake random source returning
 * 0. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aws_client_impl.h"
#include "aws_fixture.h"
#include "bedrock.h"
#include "iam.h"
#include "sigv4.h"
#include "ssm.h"
#include "xalloc.h"

/* What the server answers, in order; the last entry repeats. */
struct script {
	struct test_response answers[16];
	unsigned n;
	unsigned verified; /* requests whose signature checked out */
};

static void verify_signature(struct script *s, const struct test_request *req)
{
	struct sigv4_header h[TEST_MAX_HEADERS];
	struct sigv4_authorization auth;
	struct sigv4_request v;
	char hash[SIGV4_HEX_LEN + 1], *path = xstrdup(req->target), *query = strchr(path, '?');
	const char *authz = test_request_header(req, "Authorization");
	size_t n = 0;

	if (query)
		*query++ = '\0';
	for (size_t i = 0; i < req->n_headers; i++)
		h[n++] = (struct sigv4_header){ req->names[i], req->values[i] };
	sigv4_hash_hex(req->body, req->body_len, hash);
	v = (struct sigv4_request){ req->method, path, query, h, n, hash, true };
	if (authz && sigv4_parse_authorization(authz, &auth) == 0) {
		if (sigv4_verify(&v, &auth, FIXTURE_SECRET, test_request_header(req, "X-Amz-Date")) == 0)
			s->verified++;
		sigv4_authorization_release(&auth);
	}
	free(path);
}

static void scripted(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	struct script *s = arg;

	verify_signature(s, req);
	*resp = s->answers[index < s->n ? index : s->n - 1];
}

static struct test_response answer(int status, const char *headers, const char *body)
{
	return (struct test_response){ TEST_RESPOND, status, headers, body };
}

#define PROFILE_JSON                                                                                                   \
	"{\"inferenceProfileName\":\"acme-chat-1a2b3c\",\"inferenceProfileArn\":\"arn:aws:bedrock:us-east-1:"          \
	"123456789012:application-inference-profile/abcd1234efgh\",\"inferenceProfileId\":\"abcd1234efgh\","           \
	"\"status\":\"ACTIVE\",\"type\":\"APPLICATION\",\"models\":[{\"modelArn\":\"arn:aws:bedrock:us-east-1::"       \
	"foundation-model/anthropic.claude-3-haiku-20240307-v1:0\"}],\"createdAt\":\"2024-09-10T12:00:00.123Z\"}"

struct outcome {
	int calls;
	int status;
	char code[64];
	enum aws_error_class cls;
	char name[64];
	char request_id[64];
};

static void on_profile(void *arg, int status, const struct aws_error *err, const struct bedrock_profile *p)
{
	struct outcome *o = arg;

	o->calls++;
	o->status = status;
	if (status == 0) {
		assert_null(err);
		snprintf(o->name, sizeof(o->name), "%s", p->name);
	} else {
		assert_non_null(err);
		assert_null(p);
		snprintf(o->code, sizeof(o->code), "%s", err->code);
		snprintf(o->request_id, sizeof(o->request_id), "%s", err->request_id);
		o->cls = err->class;
		assert_string_equal(err->operation, "GetInferenceProfile");
	}
}

static bool done(void *arg)
{
	return ((struct outcome *)arg)->calls > 0;
}

static int get_profile(struct fixture *f, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	return bedrock_get_inference_profile(
		f->client, NULL, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh",
		on_profile, o);
}

static void test_success_and_signature(void **state)
{
	struct script s = { .answers = { answer(200, NULL, PROFILE_JSON) }, .n = 1 };
	struct fixture f;
	struct outcome o;
	struct aws_stats st;
	const struct test_request *req;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	assert_int_equal(o.calls, 0); /* never from inside the call */
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.name, "acme-chat-1a2b3c");
	req = test_server_request(f.server, 0);
	assert_string_equal(req->method, "GET");
	assert_string_equal(req->target,
			    "/inference-profiles/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-"
			    "inference-profile%2Fabcd1234efgh");
	assert_int_equal(s.verified, 1);
	assert_non_null(strstr(test_request_header(req, "User-Agent"), "bedrock-tenantd/"));
	aws_client_stats(f.client, &st);
	assert_int_equal(st.service[AWS_BEDROCK].calls, 1);
	assert_int_equal(st.service[AWS_BEDROCK].requests, 1);
	assert_int_equal(st.service[AWS_BEDROCK].succeeded, 1);
	assert_int_equal(st.n_buckets, 1);
	assert_string_equal(st.buckets[0].account, "default");
	assert_string_equal(st.buckets[0].region, "us-east-1");
	assert_string_equal(aws_client_credentials_origin(f.client), "options");
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

static void test_retryable_then_success(void **state)
{
	struct script s = { .answers = { answer(500, "x-amzn-ErrorType: InternalServerException\r\n", "{}"),
					 answer(503, NULL, "<html>unavailable</html>"),
					 answer(200, NULL, PROFILE_JSON) },
			    .n = 3 };
	struct fixture f;
	struct outcome o;
	struct aws_stats st;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(s.verified, 3); /* each attempt signed anew */
	aws_client_stats(f.client, &st);
	assert_int_equal(st.service[AWS_BEDROCK].requests, 3);
	assert_int_equal(st.service[AWS_BEDROCK].retries, 2);
	assert_int_equal(st.retry_quota, st.retry_quota_max); /* given back on success */
	/* every attempt timed under its operation; each error answer counted by code */
	assert_int_equal(st.n_ops, 1);
	assert_int_equal(st.ops[0].service, AWS_BEDROCK);
	assert_string_equal(st.ops[0].operation, "GetInferenceProfile");
	assert_int_equal(st.ops[0].latency.count, 3);
	assert_int_equal(st.n_codes, 2);
	assert_string_equal(st.codes[0].code, "InternalServerException");
	assert_int_equal(st.codes[0].n, 1);
	assert_string_equal(st.codes[1].code, "http_503");
	assert_int_equal(st.codes[1].n, 1);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

/* However many distinct codes and operations AWS (or a broken endpoint) produces, the
 * label sets stay bounded: past the cap, and for names that are not plain, counts go
 * to "other". The exposition shows each family once. */
static void test_label_sets_are_bounded(void **state)
{
	struct fixture f;
	struct aws_stats st;
	struct aws_error err;
	struct strbuf sb;
	char name[32];
	uint64_t other = 0;

	fx_init(&f, NULL, NULL);
	assert_int_equal(fx_client(&f), 0);
	aws_error_init(&err);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "Code%d", i);
		aws_error_set_local(&err, -EIO, name, "x");
		aws_stats__error(f.client, AWS_SSM, &err);
		snprintf(name, sizeof(name), "Op%d", i);
		aws_stats__latency(f.client, AWS_SSM, name, 0.01);
	}
	aws_error_set_local(&err, -EIO, "Bad\"Code\nx", "x");
	aws_stats__error(f.client, AWS_IAM, &err);
	aws_error_release(&err);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.n_codes, AWS_STATS_MAX_CODES + 2);
	assert_int_equal(st.n_ops, AWS_STATS_MAX_OPS + 1);
	for (size_t i = 0; i < st.n_codes; i++)
		if (strcmp(st.codes[i].code, AWS_STATS_OTHER) == 0 && st.codes[i].service == AWS_SSM)
			other = st.codes[i].n;
	assert_int_equal(other, 200 - AWS_STATS_MAX_CODES);
	assert_string_equal(st.codes[st.n_codes - 1].code, AWS_STATS_OTHER);
	assert_int_equal(st.codes[st.n_codes - 1].service, AWS_IAM);
	assert_string_equal(st.ops[st.n_ops - 1].operation, AWS_STATS_OTHER);
	assert_int_equal(st.ops[st.n_ops - 1].latency.count, 200 - AWS_STATS_MAX_OPS);
	strbuf_init(&sb, STRBUF_NO_CAP);
	aws_stats_prometheus(&st, &sb);
	assert_non_null(strstr(sb.buf, "bedrock_tenantd_aws_errors_total{service=\"ssm\",code=\"other\"} 168\n"));
	assert_non_null(strstr(sb.buf, "bedrock_tenantd_aws_request_duration_seconds_bucket{service=\"ssm\","
				       "operation=\"Op0\",le=\"0.01\"} 1\n"));
	assert_null(strstr(sb.buf, "Bad"));
	strbuf_release(&sb);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

static void test_terminal_is_not_retried(void **state)
{
	struct script s = { .answers = { answer(
				    400,
				    "x-amzn-ErrorType: ValidationException:http://internal.amazon.com/coral/"
				    "com.amazon.bedrock/\r\n",
				    "{\"message\":\"1 validation error detected\"}") },
			    .n = 1 };
	struct fixture f;
	struct outcome o;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, -EINVAL);
	assert_string_equal(o.code, "ValidationException");
	assert_int_equal(o.cls, AWS_ERROR_TERMINAL);
	assert_true(strncmp(o.request_id, "req-", 4) == 0);
	assert_int_equal(test_server_requests(f.server), 1);
	assert_int_equal(fx_finish(&f), 0);
}

/* AWS's clock an hour ahead of the host's (the wall_ms hook): the first request,
 * signed with the host's, is refused as expired; the answer's Date corrects the offset
 * and the call is sent again at once, signed with AWS's time, and so is the next call.
 * The event says so once; a Date within 5 minutes moves nothing. */
static int64_t host_clock_ms = 1733400000000; /* Thu, 05 Dec 2024 12:00:00 GMT */

static int64_t host_clock(void *arg)
{
	(void)arg;
	return host_clock_ms;
}

static void count_clock_events(void *arg, const struct aws_event *ev)
{
	if (ev->type == AWS_EVENT_CLOCK_SKEW)
		(*(int *)arg)++;
}

static void test_clock_skew_is_corrected(void **state)
{
	const char *ahead = "Date: Thu, 05 Dec 2024 13:00:02 GMT\r\n",
		   *near = "Date: Thu, 05 Dec 2024 13:04:00 GMT\r\n";
	struct script s = {
		.answers = { answer(403,
				    "Date: Thu, 05 Dec 2024 13:00:01 GMT\r\nx-amzn-ErrorType: "
				    "InvalidSignatureException:http://internal.amazon.com/coral/"
				    "com.amazon.coral.service/\r\n",
				    "{\"message\":\"Signature expired: 20241205T120000Z is now earlier than "
				    "20241205T125501Z (20241205T130001Z - 5 min.)\"}"),
			     answer(200, ahead, PROFILE_JSON), answer(200, near, PROFILE_JSON) },
		.n = 3
	};
	struct fixture f;
	struct outcome o;
	struct aws_stats st;
	int events = 0;
	int64_t ms;

	(void)state;
	fx_init(&f, scripted, &s);
	f.opts.wall_ms = host_clock;
	f.opts.event_cb = count_clock_events;
	f.opts.event_arg = &events;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(test_server_requests(f.server), 2);
	assert_string_equal(test_request_header(test_server_request(f.server, 0), "X-Amz-Date"), "20241205T120000Z");
	assert_string_equal(test_request_header(test_server_request(f.server, 1), "X-Amz-Date"), "20241205T130001Z");
	assert_int_equal(events, 1);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.clock_offset_ms, 3601000);
	assert_int_equal(st.service[AWS_BEDROCK].retries, 1);
	aws_stats_release(&st);
	/* the next call is signed with AWS's time at once; its Date (4 minutes off the
	 * corrected clock) changes nothing */
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(test_request_header(test_server_request(f.server, 2), "X-Amz-Date"), "20241205T130001Z");
	assert_int_equal(events, 1);
	assert_int_equal(fx_finish(&f), 0);
	/* the parser, and the malformed dates it refuses */
	assert_int_equal(aws_time_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &ms), 0);
	assert_int_equal(ms, 784111777000);
	assert_int_equal(aws_time_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &ms), -EINVAL);
	assert_int_equal(aws_time_parse_http_date("Sun, 06 Nox 1994 08:49:37 GMT", &ms), -EINVAL);
	assert_int_equal(aws_time_parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC", &ms), -EINVAL);
	assert_int_equal(aws_time_parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT", &ms), -EINVAL);
	assert_int_equal(aws_time_parse_http_date("", &ms), -EINVAL);
}

static void test_attempt_limits(void **state)
{
	struct script s = { .answers = { answer(503, NULL, "") }, .n = 1 };
	struct script conflict = {
		.answers = { answer(400, NULL, "{\"__type\":\"ConflictException\",\"message\":\"busy\"}") }, .n = 1
	};
	struct fixture f;
	struct outcome o;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, -EIO);
	assert_int_equal(o.cls, AWS_ERROR_RETRYABLE);
	assert_int_equal(test_server_requests(f.server), 5);
	assert_int_equal(fx_finish(&f), 0);

	fx_init(&f, scripted, &conflict);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, -EEXIST);
	assert_string_equal(o.code, "ConflictException");
	assert_int_equal(test_server_requests(f.server), 3);
	assert_int_equal(fx_finish(&f), 0);
}

static void test_dropped_connection_is_retried(void **state)
{
	struct script s = { .answers = { { TEST_CLOSE, 0, NULL, NULL }, answer(200, NULL, PROFILE_JSON) }, .n = 2 };
	struct fixture f;
	struct outcome o;
	struct aws_stats st;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.service[AWS_BEDROCK].transport_errors, 1);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

static void test_retry_quota(void **state)
{
	struct script s = { .answers = { answer(500, NULL, "") }, .n = 1 };
	struct retry_policy p;
	struct fixture f;
	struct outcome o;
	struct aws_stats st;

	retry_policy_default(&p);
	p.quota = 25; /* two transient retries */
	fx_init(&f, scripted, &s);
	f.opts.retry = &p;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, -EIO);
	assert_int_equal(test_server_requests(f.server), 3);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.retry_quota, 5);
	assert_int_equal(st.retry_quota_exhausted, 1);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

struct events {
	int retries, throttled;
	double last_rate;
};

static void on_event(void *arg, const struct aws_event *ev)
{
	struct events *e = arg;

	if (ev->type == AWS_EVENT_RETRY) {
		e->retries++;
		assert_non_null(ev->error);
		assert_string_equal(ev->operation, "GetInferenceProfile");
	} else if (ev->type == AWS_EVENT_THROTTLED) {
		e->throttled++;
		e->last_rate = ev->rate;
		assert_int_equal(ev->service, AWS_BEDROCK);
	}
}

static void test_throttling_shrinks_the_bucket(void **state)
{
	struct script s = { .answers = { answer(429, "x-amzn-ErrorType: ThrottlingException\r\n",
						"{\"message\":\"Too many requests\"}"),
					 answer(200, NULL, PROFILE_JSON) },
			    .n = 2 };
	struct events ev = { 0 };
	struct fixture f;
	struct outcome o;
	struct aws_stats st;

	fx_init(&f, scripted, &s);
	f.opts.max_rate[AWS_BEDROCK] = 40;
	f.opts.event_cb = on_event;
	f.opts.event_arg = &ev;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(ev.throttled, 1);
	assert_int_equal(ev.retries, 1);
	assert_true(ev.last_rate == 20.0);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.service[AWS_BEDROCK].throttles, 1);
	assert_int_equal(st.buckets[0].throttles, 1);
	assert_true(st.buckets[0].rate > 20.0 && st.buckets[0].rate < 40.0); /* one success grew it a little */
	assert_true(st.buckets[0].max_rate == 40.0);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

struct many {
	struct outcome o[8];
	int n;
};

static void on_done(void *arg, int status, const struct aws_error *err)
{
	struct outcome *o = arg;

	o->calls++;
	o->status = status;
	if (err)
		snprintf(o->code, sizeof(o->code), "%s", err->code);
}

static bool all_done(void *arg)
{
	struct many *m = arg;

	for (int i = 0; i < m->n; i++)
		if (!m->o[i].calls)
			return false;
	return true;
}

static void test_rate_bucket_queues_calls(void **state)
{
	struct script s = { .answers = { answer(200, NULL, "{}") }, .n = 1 };
	struct many m = { .n = 6 };
	struct fixture f;
	struct aws_stats st;

	memset(m.o, 0, sizeof(m.o));
	fx_init(&f, scripted, &s);
	f.opts.max_rate[AWS_IAM] = 2; /* a burst of 2, then 2 per second */
	f.opts.burst[AWS_IAM] = 2;
	assert_int_equal(fx_client(&f), 0);
	for (int i = 0; i < m.n; i++)
		assert_int_equal(iam_delete_role_policy(f.client, NULL, "role", "policy", on_done, &m.o[i]), 0);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.waiting_rate, 4);
	assert_int_equal(st.n_buckets, 1);
	assert_int_equal(st.buckets[0].service, AWS_IAM);
	assert_int_equal(st.buckets[0].waiting, 4);
	aws_stats_release(&st);
	fx_run_until(&f, all_done, &m);
	for (int i = 0; i < m.n; i++)
		assert_int_equal(m.o[i].status, 0);
	/* in the order they were sent */
	assert_int_equal(test_server_requests(f.server), 6);
	assert_int_equal(s.verified, 6);
	assert_int_equal(fx_finish(&f), 0);
}

/* The policy names in the order the server received them ("o1 o2 p ..."). */
struct arrivals {
	char seen[128];
};

static void record_arrival(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	struct arrivals *a = arg;
	const char *name = strstr(req->body, "PolicyName=");
	size_t len = strlen(a->seen);

	if (name)
		snprintf(a->seen + len, sizeof(a->seen) - len, "%s%.*s", len ? " " : "",
			 (int)strcspn(name + strlen("PolicyName="), "&"), name + strlen("PolicyName="));
	*resp = answer(200, NULL, "{}");
}

/* A priority call takes the bucket's next token before the ordinary calls waiting
 * there, which keep their order. One request at a time on the wire, so the server
 * sees them in the order they were sent. */
static void test_priority_call_goes_first(void **state)
{
	struct aws_target urgent = { .priority = true };
	const char *names[] = { "o1", "o2", "o3", "o4", "o5", "o6", "p" };
	struct arrivals a = { "" };
	struct many m = { .n = 7 };
	struct fixture f;
	struct aws_stats st;

	memset(m.o, 0, sizeof(m.o));
	fx_init(&f, record_arrival, &a);
	f.opts.max_rate[AWS_IAM] = 20; /* a burst of 2, then one every 50 ms */
	f.opts.burst[AWS_IAM] = 2;
	f.opts.max_in_flight = 1;
	assert_int_equal(fx_client(&f), 0);
	for (int i = 0; i < m.n; i++)
		assert_int_equal(
			iam_delete_role_policy(f.client, i == 6 ? &urgent : NULL, "role", names[i], on_done, &m.o[i]),
			0);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.waiting_rate, 5); /* o3-o6 and p */
	aws_stats_release(&st);
	fx_run_until(&f, all_done, &m);
	for (int i = 0; i < m.n; i++)
		assert_int_equal(m.o[i].status, 0);
	assert_string_equal(a.seen, "o1 o2 p o3 o4 o5 o6");
	assert_int_equal(fx_finish(&f), 0);
}

/* Waiters of a lane take the bucket's tokens by their work's rank (aws_target.order,
 * the reconcile's start), then first come, first served: a2 of the older work goes
 * before b1 and b2 queued earlier, so a piece of work's calls end together; a call
 * without an order (c) is overtaken by none queued after it; a priority call still
 * goes first. One request at a time on the wire, so the server sees them in the
 * order they took their tokens. Before, the lane was first come, first served
 * only: "a1 p b1 b2 a2 c b3 a3". */
static void test_waiters_by_rank(void **state)
{
	const char *names[] = { "a1", "b1", "b2", "a2", "c", "b3", "a3", "p" };
	const uint64_t orders[] = { 1, 2, 2, 1, 0, 2, 1, 9 };
	struct aws_target t[8];
	struct arrivals a = { "" };
	struct many m = { .n = 8 };
	struct fixture f;
	struct aws_stats st;

	memset(m.o, 0, sizeof(m.o));
	fx_init(&f, record_arrival, &a);
	f.opts.max_rate[AWS_IAM] = 20; /* a burst of 1, then one every 50 ms */
	f.opts.burst[AWS_IAM] = 1;
	f.opts.max_in_flight = 1;
	assert_int_equal(fx_client(&f), 0);
	for (int i = 0; i < m.n; i++) {
		t[i] = (struct aws_target){ .priority = names[i][0] == 'p', .order = orders[i] };
		assert_int_equal(iam_delete_role_policy(f.client, &t[i], "role", names[i], on_done, &m.o[i]), 0);
	}
	aws_client_stats(f.client, &st);
	assert_int_equal(st.waiting_rate, 7); /* all but a1 */
	aws_stats_release(&st);
	fx_run_until(&f, all_done, &m);
	for (int i = 0; i < m.n; i++)
		assert_int_equal(m.o[i].status, 0);
	assert_string_equal(a.seen, "a1 p a2 b1 b2 c a3 b3");
	assert_int_equal(fx_finish(&f), 0);
}

/* An operation with a limit of its own waits for its bucket without holding up the
 * service's other operations; the calls of each keep their order. One request at a
 * time on the wire, so the server sees them in the order they were sent. */
static void test_operation_bucket(void **state)
{
	static const struct aws_op_limit del = { AWS_IAM, "DeleteRolePolicy", 20, 1 };
	const char *names[] = { "d1", "d2", "p1", "d3", "p2" };
	struct arrivals a = { "" };
	struct many m = { .n = 5 };
	struct fixture f;
	struct aws_stats st;

	memset(m.o, 0, sizeof(m.o));
	fx_init(&f, record_arrival, &a);
	f.opts.max_rate[AWS_IAM] = 1000;
	f.opts.burst[AWS_IAM] = 100;
	f.opts.op_limits = &del; /* a burst of 1, then one every 50 ms */
	f.opts.n_op_limits = 1;
	f.opts.max_in_flight = 1;
	assert_int_equal(fx_client(&f), 0);
	for (int i = 0; i < m.n; i++) {
		if (names[i][0] == 'd')
			assert_int_equal(iam_delete_role_policy(f.client, NULL, "role", names[i], on_done, &m.o[i]), 0);
		else
			assert_int_equal(iam_put_role_policy(f.client, NULL, "role", names[i], "{}", on_done, &m.o[i]),
					 0);
	}
	aws_client_stats(f.client, &st);
	assert_int_equal(st.waiting_rate, 2); /* d2 and d3; the puts went */
	assert_int_equal(st.n_buckets, 2);
	assert_null(st.buckets[0].operation);
	assert_int_equal(st.buckets[0].waiting, 2);
	assert_string_equal(st.buckets[1].operation, "DeleteRolePolicy");
	assert_true(st.buckets[1].max_rate == 20.0);
	assert_int_equal(st.buckets[1].waiting, 2);
	aws_stats_release(&st);
	fx_run_until(&f, all_done, &m);
	for (int i = 0; i < m.n; i++)
		assert_int_equal(m.o[i].status, 0);
	assert_string_equal(a.seen, "d1 p1 p2 d2 d3");
	assert_int_equal(fx_finish(&f), 0);
}

/* A throttled call of an operation with a limit: that operation's bucket takes off a
 * tenth (not half), the service's is untouched, and the retries, paced by the
 * bucket, take no retry quota and outlast the ordinary attempt limit. Without a
 * limit of its operation the same call gives up after 5 attempts. */
static void test_operation_throttle(void **state)
{
	static const struct aws_op_limit get = { AWS_BEDROCK, "GetInferenceProfile", 40, 1 };
	struct script s = { .n = 8 };
	struct events ev = { 0 };
	struct retry_policy p;
	struct fixture f;
	struct outcome o;
	struct aws_stats st;

	for (int i = 0; i < 7; i++)
		s.answers[i] = answer(429, "x-amzn-ErrorType: ThrottlingException\r\n",
				      "{\"message\":\"Rate exceeded\"}");
	s.answers[7] = answer(200, NULL, PROFILE_JSON);
	retry_policy_default(&p);
	p.quota = 5; /* one throttled retry, for a call that takes quota */

	fx_init(&f, scripted, &s);
	f.opts.retry = &p;
	f.opts.max_rate[AWS_BEDROCK] = 40;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, -EAGAIN);
	assert_int_equal(o.cls, AWS_ERROR_THROTTLING);
	assert_int_equal(test_server_requests(f.server), 2); /* the quota ran out */
	assert_int_equal(fx_finish(&f), 0);

	fx_init(&f, scripted, &s);
	f.opts.retry = &p;
	f.opts.max_rate[AWS_BEDROCK] = 40;
	f.opts.op_limits = &get;
	f.opts.n_op_limits = 1;
	f.opts.event_cb = on_event;
	f.opts.event_arg = &ev;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(get_profile(&f, &o), 0);
	fx_run_until(&f, done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(test_server_requests(f.server), 8);
	assert_int_equal(ev.throttled, 7);
	assert_true(ev.last_rate >= 40 * 0.9 * 0.9 * 0.9 * 0.9 - 1e-9 && ev.last_rate <= 36.0 + 1e-9);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.n_buckets, 2);
	assert_int_equal(st.buckets[0].throttles, 0);
	assert_true(st.buckets[0].rate == 40.0);
	assert_int_equal(st.buckets[1].throttles, 7);
	assert_int_equal(st.retry_quota, 5);
	assert_int_equal(st.retry_quota_exhausted, 0);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

static double fx_random_half(void *arg)
{
	return 0.5;
}

static void held_or_throttled(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	if (strstr(req->body, "RoleName=slow"))
		*resp = (struct test_response){ TEST_HOLD, 0, NULL, NULL };
	else
		*resp = answer(400, NULL, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>");
}

/* aws_client_wait: its callback from the loop once the time is up, never from inside
 * the call; one still waiting when the client closes ends with -ECANCELED inside
 * aws_client_close(), and its timer closes with the client. */
static void test_wait(void **state)
{
	struct fixture f;
	struct outcome fired, canceled;

	(void)state;
	memset(&fired, 0, sizeof(fired));
	memset(&canceled, 0, sizeof(canceled));
	fx_init(&f, held_or_throttled, NULL);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(aws_client_wait(f.client, 1, on_done, &fired), 0);
	assert_int_equal(fired.calls, 0);
	fx_run_until(&f, done, &fired);
	assert_int_equal(fired.calls, 1);
	assert_int_equal(fired.status, 0);
	assert_int_equal(aws_client_wait(f.client, 3600 * 1000, on_done, &canceled), 0);
	aws_client_close(f.client, fx_on_closed, &f);
	assert_int_equal(canceled.calls, 1);
	assert_int_equal(canceled.status, -ECANCELED);
	assert_int_equal(aws_client_wait(f.client, 1, on_done, &fired), -ECANCELED);
	f.client = NULL;
	assert_int_equal(fx_finish(&f), 0);
	assert_true(f.closed);
	assert_int_equal(fired.calls, 1);
}

static bool backing_off(void *arg)
{
	struct fixture *f = arg;
	struct aws_stats st;
	bool yes;

	aws_client_stats(f->client, &st);
	yes = st.backing_off == 1 && st.waiting_rate == 2 && test_server_held(f->server) == 1;
	aws_stats_release(&st);
	return yes;
}

static void test_close_with_calls_in_every_state(void **state)
{
	struct many m = { .n = 4 };
	struct fixture f;

	memset(m.o, 0, sizeof(m.o));
	fx_init(&f, held_or_throttled, NULL);
	f.opts.random = fx_random_half; /* a throttled call backs off 500 ms */
	f.opts.max_rate[AWS_IAM] = 2;
	f.opts.burst[AWS_IAM] = 2;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(iam_delete_role_policy(f.client, NULL, "slow", "p", on_done, &m.o[0]), 0);
	assert_int_equal(iam_delete_role_policy(f.client, NULL, "throttled", "p", on_done, &m.o[1]), 0);
	assert_int_equal(iam_delete_role_policy(f.client, NULL, "queued", "p", on_done, &m.o[2]), 0);
	assert_int_equal(iam_delete_role_policy(f.client, NULL, "queued", "p", on_done, &m.o[3]), 0);
	fx_run_until(&f, backing_off, &f);
	assert_true(backing_off(&f));
	aws_client_close(f.client, fx_on_closed, &f);
	for (int i = 0; i < m.n; i++) {
		assert_int_equal(m.o[i].calls, 1);
		assert_int_equal(m.o[i].status, -ECANCELED);
	}
	/* nothing new once closing */
	assert_int_equal(iam_delete_role_policy(f.client, NULL, "late", "p", on_done, &m.o[4]), -ECANCELED);
	f.client = NULL;
	assert_false(f.closed);
	assert_int_equal(fx_finish(&f), 0);
	assert_true(f.closed);
}

static void test_synchronous_errors(void **state)
{
	struct script s = { .answers = { answer(200, NULL, "{}") }, .n = 1 };
	struct aws_target alias = { .account = "nobody" }, bad = { .region = "Not A Region" };
	struct fixture f;
	struct outcome o;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(ssm_delete_parameter(f.client, &alias, "/p", on_done, &o), -ENOENT);
	assert_int_equal(ssm_delete_parameter(f.client, &bad, "/p", on_done, &o), -EINVAL);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, NULL, on_done, &o), -EINVAL);
	assert_int_equal(aws_client_add_account(f.client, "prod", "not-an-arn", NULL), -EINVAL);
	assert_int_equal(aws_client_add_account(f.client, "prod", "arn:aws:iam::1:role/x", NULL), 0);
	assert_int_equal(aws_client_add_account(f.client, "prod", "arn:aws:iam::1:role/x", NULL), -EEXIST);
	assert_int_equal(test_server_requests(f.server), 0);
	assert_int_equal(fx_finish(&f), 0);
}

static void test_stats_json(void **state)
{
	struct script s = { .answers = { answer(200, NULL, "{}") }, .n = 1 };
	struct fixture f;
	struct outcome o = { 0 };
	struct aws_stats st;
	char *json;
	cJSON *doc;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, "/p", on_done, &o), 0);
	fx_run_until(&f, done, &o);
	aws_client_stats(f.client, &st);
	json = aws_stats_json(&st);
	doc = cJSON_Parse(json);
	assert_non_null(doc);
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "services"), "ssm"), "succeeded")
			->valueint,
		1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "rate_limiters")), 1);
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "calls_waiting"), "wait-rate"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "credentials")), 1);
	cJSON_Delete(doc);
	free(json);
	aws_stats_release(&st);
	assert_int_equal(fx_finish(&f), 0);
}

/* Buckets are found by their (account, Region, service): each triple its own, the
 * same triple the same bucket, over a thousand of them and with accounts that hold
 * spaces or run long; every bucket is in the client's map and its list. */
static void test_buckets_by_key(void **state)
{
	static const char *regions[] = { "us-east-1", "us-west-2", "eu-west-1", "ap-south-1" };
	enum { ACCOUNTS = 130, SERVICES = 2 };
	struct bucket *made[ACCOUNTS][4][SERVICES];
	struct script s = { .answers = { answer(200, NULL, "{}") }, .n = 1 };
	char account[300], *long_account;
	struct fixture f;
	size_t listed = 0;

	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	for (int a = 0; a < ACCOUNTS; a++)
		for (int r = 0; r < 4; r++)
			for (int v = 0; v < SERVICES; v++) {
				snprintf(account, sizeof(account), "acct %d", a);
				made[a][r][v] = aws_client_bucket(f.client, account, regions[r], (enum aws_service)v);
				assert_string_equal(made[a][r][v]->account, account);
				assert_string_equal(made[a][r][v]->region, regions[r]);
				assert_int_equal(made[a][r][v]->service, v);
			}
	for (int a = 0; a < ACCOUNTS; a++)
		for (int r = 0; r < 4; r++)
			for (int v = 0; v < SERVICES; v++) {
				snprintf(account, sizeof(account), "acct %d", a);
				assert_ptr_equal(aws_client_bucket(f.client, account, regions[r], (enum aws_service)v),
						 made[a][r][v]);
			}
	/* an account the key's separator could confuse: "1 acct 2" in us-east-1 is not
	 * "acct 2" of service 1 */
	assert_ptr_not_equal(aws_client_bucket(f.client, "1 acct 2", "us-east-1", (enum aws_service)0), made[2][0][1]);
	/* a key longer than the lookup's buffer */
	memset(account, 'x', sizeof(account) - 1);
	account[sizeof(account) - 1] = '\0';
	long_account = xstrdup(account);
	assert_ptr_equal(aws_client_bucket(f.client, account, "us-east-1", AWS_IAM),
			 aws_client_bucket(f.client, long_account, "us-east-1", AWS_IAM));
	account[sizeof(account) - 2] = 'y';
	assert_ptr_not_equal(aws_client_bucket(f.client, account, "us-east-1", AWS_IAM),
			     aws_client_bucket(f.client, long_account, "us-east-1", AWS_IAM));
	free(long_account);
	for (const struct list_node *p = f.client->buckets.next; p != &f.client->buckets; p = p->next)
		listed++;
	assert_int_equal(listed, ACCOUNTS * 4 * SERVICES + 3);
	assert_int_equal(f.client->bucket_map.n, listed);
	assert_int_equal(fx_finish(&f), 0);
}

/* The status's snapshot: of a thousand limiters it copies only those of note
 * (waiting, throttled or below their ceiling), at most what was asked, and counts
 * them all; the full snapshot keeps every one. */
static void test_stats_brief(void **state)
{
	static const struct aws_op_limit del = { AWS_IAM, "DeleteRolePolicy", 20, 1 };
	struct script s = { .answers = { answer(200, NULL, "{}") }, .n = 1 };
	struct fixture f;
	struct aws_stats st;
	struct bucket *b;
	char account[32];

	fx_init(&f, scripted, &s);
	f.opts.op_limits = &del;
	f.opts.n_op_limits = 1;
	assert_int_equal(fx_client(&f), 0);
	for (int a = 0; a < 500; a++) {
		snprintf(account, sizeof(account), "acct-%d", a);
		b = aws_client_bucket(f.client, account, "us-east-1", AWS_IAM); /* and its operation's */
		/* as aws_call.c does: a throttle lowers the rate */
		if (a == 10)
			b->n_waiting = 3;
		if (a == 20)
			b->rl.throttles = 1;
		if (a == 30) {
			b->ops[0].rl.throttles = 1;
			b->ops[0].rl.rate = b->ops[0].rl.cfg.max_rate / 2;
		}
		if (a == 40)
			b->ops[0].n_waiting = b->n_waiting = 1;
		b->throttled = b->rl.throttles || b->ops[0].rl.throttles;
		aws_bucket_note(b);
		aws_client_bucket(f.client, account, "eu-west-1", AWS_SSM);
	}
	assert_int_equal(f.client->n_ops, 0);
	aws_client_stats_brief(f.client, 32, &st);
	assert_int_equal(st.n_buckets_total, 1500);
	assert_int_equal(st.n_buckets, 5);
	assert_string_equal(st.buckets[0].account, "acct-10");
	assert_null(st.buckets[0].operation);
	assert_int_equal(st.buckets[0].waiting, 3);
	assert_string_equal(st.buckets[1].account, "acct-20");
	assert_int_equal(st.buckets[1].throttles, 1);
	assert_string_equal(st.buckets[2].account, "acct-30");
	assert_string_equal(st.buckets[2].operation, "DeleteRolePolicy");
	assert_string_equal(st.buckets[3].account, "acct-40");
	assert_null(st.buckets[3].operation);
	assert_string_equal(st.buckets[4].account, "acct-40");
	assert_string_equal(st.buckets[4].region, "us-east-1");
	assert_string_equal(st.buckets[4].operation, "DeleteRolePolicy");
	assert_int_equal(st.buckets[4].waiting, 1);
	assert_int_equal(st.n_ops + st.n_codes + st.n_creds, 0);
	aws_stats_release(&st);
	aws_client_stats_brief(f.client, 2, &st); /* at most what was asked */
	assert_int_equal(st.n_buckets_total, 1500);
	assert_int_equal(st.n_buckets, 2);
	assert_string_equal(st.buckets[1].account, "acct-20");
	aws_stats_release(&st);
	aws_client_stats(f.client, &st);
	assert_int_equal(st.n_buckets, 1500);
	assert_int_equal(st.n_buckets_total, 1500);
	assert_int_equal(st.n_creds, 1);
	aws_stats_release(&st);
	/* the waiters of acct-10 gone, it is of no note any more */
	b = aws_client_bucket(f.client, "acct-10", "us-east-1", AWS_IAM);
	b->n_waiting = 0;
	aws_bucket_note(b);
	aws_client_stats_brief(f.client, 32, &st);
	assert_int_equal(st.n_buckets, 4);
	assert_string_equal(st.buckets[0].account, "acct-20");
	aws_stats_release(&st);
	assert_int_equal(aws_client_in_flight(f.client), 0);
	assert_int_equal(fx_finish(&f), 0);
}

/* The daemon may close the client from any callback. */
struct closer {
	struct fixture *f;
	struct outcome o;
	int events;
};

static void close_on_event(void *arg, const struct aws_event *ev)
{
	struct closer *c = arg;

	if (ev->type != AWS_EVENT_RETRY)
		return;
	c->events++;
	aws_client_close(c->f->client, fx_on_closed, c->f);
}

static void close_in_callback(void *arg, int status, const struct aws_error *err)
{
	struct closer *c = arg;

	on_done(&c->o, status, err);
	aws_client_close(c->f->client, fx_on_closed, c->f);
}

static void test_close_from_callbacks(void **state)
{
	struct script s = { .answers = { answer(500, NULL, ""), answer(200, NULL, "{}") }, .n = 2 };
	struct fixture f;
	struct closer c = { .f = &f };

	fx_init(&f, scripted, &s);
	f.opts.event_cb = close_on_event;
	f.opts.event_arg = &c;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, "/p", on_done, &c.o), 0);
	fx_run_until(&f, fx_is_closed, &f);
	assert_int_equal(c.events, 1);
	assert_int_equal(c.o.calls, 1);
	assert_int_equal(c.o.status, -ECANCELED);
	f.client = NULL;
	assert_int_equal(fx_finish(&f), 0);

	memset(&c, 0, sizeof(c));
	c.f = &f;
	s.n = 1;
	s.answers[0] = answer(200, NULL, "{}");
	fx_init(&f, scripted, &s);
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, "/p", close_in_callback, &c), 0);
	assert_int_equal(ssm_delete_parameter(f.client, NULL, "/q", on_done, &c.o), 0);
	fx_run_until(&f, fx_is_closed, &f);
	assert_int_equal(c.o.calls, 2); /* the first succeeded, the second was canceled */
	f.client = NULL;
	assert_int_equal(fx_finish(&f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success_and_signature),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_retryable_then_success),
		cmocka_unit_test(test_label_sets_are_bounded),
		cmocka_unit_test(test_terminal_is_not_retried),
		cmocka_unit_test(test_attempt_limits),
		cmocka_unit_test(test_dropped_connection_is_retried),
		cmocka_unit_test(test_retry_quota),
		cmocka_unit_test(test_throttling_shrinks_the_bucket),
		cmocka_unit_test(test_rate_bucket_queues_calls),
		cmocka_unit_test(test_operation_bucket),
		cmocka_unit_test(test_operation_throttle),
		cmocka_unit_test(test_priority_call_goes_first),
		cmocka_unit_test(test_waiters_by_rank),
		cmocka_unit_test(test_close_with_calls_in_every_state),
		cmocka_unit_test(test_synchronous_errors),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_buckets_by_key),
		cmocka_unit_test(test_stats_brief),
		cmocka_unit_test(test_close_from_callbacks),
		cmocka_unit_test(test_clock_skew_is_corrected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
