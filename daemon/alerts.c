#include "alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alerts_limit.h"
#include "log.h"
#include "loglimit.h"
#include "sns.h"
#include "xalloc.h"

#define SECRET_MAX   4096
#define LOG_EVERY_MS 60000
#define RESPONSE_MAX (64u << 10)

enum sink_kind { SINK_WEBHOOK, SINK_SNS, SINK_COUNT };

static const char *const sink_names[SINK_COUNT] = { "webhook", "sns" };

struct sink {
	struct alerts *owner;
	enum sink_kind kind;
	bool enabled;
	bool busy;				     /* a message is on its way */
	char *q[ALERTS_QUEUE_MAX];		     /* JSON documents, a ring */
	enum cfg_notify_event qev[ALERTS_QUEUE_MAX]; /* each document's event */
	unsigned head, n;
	struct alerts_sink_stats st;
};

struct alerts {
	uv_loop_t *loop;
	struct aws_client *aws;
	struct http_client *http; /* the webhook's; NULL without one */
	char *url, *header, *secret, *topic_arn, *instance;
	unsigned events;
	struct alerts_limit limit[CFG_NOTIFY_EVENT_COUNT];
	char *last_text[CFG_NOTIFY_EVENT_COUNT]; /* of the latest event held back */
	char *last_tenant[CFG_NOTIFY_EVENT_COUNT];
	struct sink sinks[SINK_COUNT];
	uv_timer_t flush; /* sends the summaries of events held back */
	struct loglimit loglimit;
	uint64_t posted[CFG_NOTIFY_EVENT_COUNT], coalesced[CFG_NOTIFY_EVENT_COUNT];
	bool closing;
	bool sns_hold; /* closing waits for the Publish in flight */
	unsigned pending_closes;
	void (*close_cb)(void *arg);
	void *close_arg;
};

static void sink_pump(struct sink *s);
static void closed_one(struct alerts *a);

/* ---- the message ---- */

static const char *headline(enum cfg_notify_event ev)
{
	switch (ev) {
	case CFG_NOTIFY_DELETIONS_HELD:
		return "deletions held for approval";
	case CFG_NOTIFY_TENANT_STALLED:
		return "tenant stalled";
	case CFG_NOTIFY_DRIFT_REPAIRED:
		return "drift repaired";
	case CFG_NOTIFY_EVENT_COUNT:
		break;
	}
	return "event";
}

/* {"source", "instance", "event", "tenant", "message", "detail", "more", "time"}:
 * message is the one line a person reads; more counts the events of this kind held
 * back by the rate limit since the previous message. */
static char *build(struct alerts *a, enum cfg_notify_event ev, const char *tenant, const char *text, unsigned more,
		   bool summary)
{
	cJSON *o = cJSON_CreateObject();
	char line[ALERTS_TEXT_MAX + 256], ts[32], *out;
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (summary)
		snprintf(line, sizeof(line), "%s: and %u more (rate limited); the latest%s%s: %s", headline(ev), more,
			 tenant ? " for tenant " : "", tenant ? tenant : "", text ? text : "");
	else if (more)
		snprintf(line, sizeof(line), "%s%s%s: %s (and %u more)", headline(ev), tenant ? ": tenant " : "",
			 tenant ? tenant : "", text ? text : "", more);
	else
		snprintf(line, sizeof(line), "%s%s%s: %s", headline(ev), tenant ? ": tenant " : "",
			 tenant ? tenant : "", text ? text : "");
	cJSON_AddStringToObject(o, "source", "bedrock-tenantd");
	cJSON_AddStringToObject(o, "instance", a->instance);
	cJSON_AddStringToObject(o, "event", cfg_notify_event_name(ev));
	if (tenant)
		cJSON_AddStringToObject(o, "tenant", tenant);
	else
		cJSON_AddNullToObject(o, "tenant");
	cJSON_AddStringToObject(o, "message", line);
	cJSON_AddStringToObject(o, "detail", text ? text : "");
	cJSON_AddNumberToObject(o, "more", more);
	cJSON_AddBoolToObject(o, "summary", summary);
	cJSON_AddStringToObject(o, "time", ts);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* ---- destinations ---- */

/* The oldest message waiting goes: the newest says the most about now. The one on its
 * way (the head while busy) stays: sink_done() takes it off when it is answered. */
static void sink_drop_oldest(struct sink *s)
{
	unsigned skip = s->busy ? 1 : 0, at = (s->head + skip) % ALERTS_QUEUE_MAX;

	s->st.dropped++;
	s->st.by_event[s->qev[at]].dropped++;
	free(s->q[at]);
	for (unsigned i = skip; i + 1 < s->n; i++) {
		unsigned to = (s->head + i) % ALERTS_QUEUE_MAX, from = (s->head + i + 1) % ALERTS_QUEUE_MAX;

		s->q[to] = s->q[from];
		s->qev[to] = s->qev[from];
	}
	s->q[(s->head + s->n - 1) % ALERTS_QUEUE_MAX] = NULL;
	s->n--;
}

static void sink_push(struct sink *s, enum cfg_notify_event ev, const char *doc)
{
	if (!s->enabled)
		return;
	if (s->n == ALERTS_QUEUE_MAX)
		sink_drop_oldest(s);
	s->q[(s->head + s->n) % ALERTS_QUEUE_MAX] = xstrdup(doc);
	s->qev[(s->head + s->n) % ALERTS_QUEUE_MAX] = ev;
	s->n++;
	sink_pump(s);
}

static void sink_done(struct sink *s, int status, const char *why)
{
	struct alerts *a = s->owner;
	enum cfg_notify_event ev;
	unsigned long skipped = 0;

	s->busy = false;
	ev = s->qev[s->head];
	free(s->q[s->head]);
	s->q[s->head] = NULL;
	s->head = (s->head + 1) % ALERTS_QUEUE_MAX;
	s->n--;
	if (status == 0) {
		s->st.sent++;
		s->st.by_event[ev].sent++;
	} else {
		s->st.failed++;
		s->st.by_event[ev].failed++;
		if (!a->closing && loglimit_allow(&a->loglimit, sink_names[s->kind], uv_now(a->loop), &skipped))
			log_warning("notification by %s failed: %s%s", sink_names[s->kind], why,
				    skipped ? " (and earlier failures not logged)" : "");
	}
	if (!a->closing) {
		sink_pump(s);
	} else if (s->kind == SINK_SNS && a->sns_hold) {
		a->sns_hold = false;
		closed_one(a); /* may free a: nothing after this */
	}
}

static void on_webhook(void *arg, int status, const struct http_response *resp)
{
	struct sink *s = arg;
	char why[64];

	if (status < 0) {
		sink_done(s, status, strerror(-status));
		return;
	}
	if (resp->status < 200 || resp->status > 299) {
		snprintf(why, sizeof(why), "HTTP %d", resp->status);
		sink_done(s, -EPROTO, why);
		return;
	}
	sink_done(s, 0, NULL);
}

static void on_published(void *arg, int status, const struct aws_error *err, const char *message_id)
{
	struct sink *s = arg;
	char why[600];

	(void)message_id;
	if (status < 0)
		snprintf(why, sizeof(why), "%s%s%s", err && err->code && *err->code ? err->code : strerror(-status),
			 err && err->message && *err->message ? ": " : "", err && err->message ? err->message : "");
	sink_done(s, status, status < 0 ? why : NULL);
}

static char *subject_of(struct alerts *a, const char *doc)
{
	cJSON *o = cJSON_Parse(doc);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "event");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "tenant");
	char *s = xasprintf("bedrock-tenantd %s: %s%s%s", a->instance, cJSON_IsString(ev) ? ev->valuestring : "",
			    cJSON_IsString(t) ? " " : "", cJSON_IsString(t) ? t->valuestring : "");

	cJSON_Delete(o);
	/* SNS: printable ASCII, no newline, at most 100 characters */
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	if (strlen(s) > SNS_SUBJECT_MAX)
		s[SNS_SUBJECT_MAX] = '\0';
	return s;
}

static void sink_pump(struct sink *s)
{
	struct alerts *a = s->owner;
	const char *doc;
	int r;

	while (!s->busy && s->n && !a->closing) {
		doc = s->q[s->head];
		s->busy = true;
		if (s->kind == SINK_WEBHOOK) {
			struct http_header h[3] = { { "Content-Type", "application/json" },
						    { "User-Agent", "bedrock-tenantd/" BTD_VERSION },
						    { a->header, a->secret } };
			struct http_request req = {
				.method = "POST",
				.url = a->url,
				.headers = h,
				.n_headers = a->header ? 3 : 2,
				.body = doc,
				.body_len = strlen(doc),
				.timeout_ms = ALERTS_TIMEOUT_MS,
				.max_response_bytes = RESPONSE_MAX,
			};
			r = http_client_send(a->http, &req, on_webhook, s);
		} else {
			char *subject = subject_of(a, doc);

			r = sns_publish(a->aws, a->topic_arn, subject, doc, on_published, s);
			free(subject);
		}
		if (r < 0)
			sink_done(s, r, strerror(-r)); /* the callback never runs: the next one */
	}
}

/* ---- events and the rate limit ---- */

static void keep_last(struct alerts *a, enum cfg_notify_event ev, const char *tenant, const char *text)
{
	free(a->last_text[ev]);
	free(a->last_tenant[ev]);
	a->last_text[ev] = text ? xstrndup(text, ALERTS_TEXT_MAX) : NULL;
	a->last_tenant[ev] = xstrdup_or_null(tenant);
}

static void send_all(struct alerts *a, enum cfg_notify_event ev, const char *doc)
{
	for (int k = 0; k < SINK_COUNT; k++)
		sink_push(&a->sinks[k], ev, doc);
}

static void on_flush(uv_timer_t *t);

static void arm_flush(struct alerts *a)
{
	uint64_t now = uv_now(a->loop), wait = UINT64_MAX;

	for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++) {
		uint64_t w;

		if (!a->limit[ev].suppressed)
			continue;
		w = alerts_limit_wait_ms(&a->limit[ev], now);
		if (w < wait)
			wait = w;
	}
	if (wait != UINT64_MAX && !a->closing)
		uv_timer_start(&a->flush, on_flush, wait ? wait : 1, 0);
}

static void on_flush(uv_timer_t *t)
{
	struct alerts *a = t->data;
	uint64_t now = uv_now(a->loop);

	for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++) {
		unsigned n = alerts_limit_flush(&a->limit[ev], now);
		char *doc;

		if (!n)
			continue;
		doc = build(a, (enum cfg_notify_event)ev, a->last_tenant[ev], a->last_text[ev], n, true);
		send_all(a, (enum cfg_notify_event)ev, doc);
		cJSON_free(doc);
	}
	arm_flush(a);
}

void alerts_post(struct alerts *a, enum cfg_notify_event ev, const char *tenant, const char *text)
{
	unsigned more = 0;
	char *doc, *cut;

	if (!a || a->closing || (unsigned)ev >= CFG_NOTIFY_EVENT_COUNT || !(a->events & (1u << ev)))
		return;
	a->posted[ev]++;
	if (!alerts_limit_take(&a->limit[ev], uv_now(a->loop), &more)) {
		a->coalesced[ev]++;
		keep_last(a, ev, tenant, text);
		arm_flush(a);
		return;
	}
	cut = text ? xstrndup(text, ALERTS_TEXT_MAX) : NULL;
	doc = build(a, ev, tenant, cut, more, false);
	free(cut);
	send_all(a, ev, doc);
	cJSON_free(doc);
}

/* ---- life ---- */

static int read_secret(const char *path, char **ret, char **ret_error)
{
	char buf[SECRET_MAX + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*ret_error = xasprintf("notifications: webhook secret_file %s: %s", path, strerror(errno));
		return -errno;
	}
	n = read(fd, buf, SECRET_MAX);
	close(fd);
	if (n < 0) {
		*ret_error = xasprintf("notifications: webhook secret_file %s: %s", path, strerror(errno));
		return -EIO;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		*ret_error = xasprintf("notifications: webhook secret_file %s is empty", path);
		return -EINVAL;
	}
	*ret = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static void alerts_free(struct alerts *a)
{
	for (int k = 0; k < SINK_COUNT; k++)
		for (unsigned i = 0; i < a->sinks[k].n; i++)
			free(a->sinks[k].q[(a->sinks[k].head + i) % ALERTS_QUEUE_MAX]);
	for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++) {
		free(a->last_text[ev]);
		free(a->last_tenant[ev]);
	}
	loglimit_release(&a->loglimit);
	free(a->url);
	free(a->header);
	if (a->secret) {
		explicit_bzero(a->secret, strlen(a->secret));
		free(a->secret);
	}
	free(a->topic_arn);
	free(a->instance);
	free(a);
}

int alerts_new(uv_loop_t *loop, const struct cfg_notifications *cfg, const char *instance, struct aws_client *aws,
	       struct alerts **ret, char **ret_error)
{
	struct http_client_options ho = { .max_in_flight = 1, .max_queue = ALERTS_QUEUE_MAX };
	struct alerts *a;
	int r;

	*ret = NULL;
	if (!cfg->webhook_url && !cfg->sns_topic_arn)
		return 0;
	a = xcalloc(1, sizeof(*a));
	a->loop = loop;
	a->aws = aws;
	a->url = xstrdup_or_null(cfg->webhook_url);
	a->header = xstrdup_or_null(cfg->webhook_header);
	a->topic_arn = xstrdup_or_null(cfg->sns_topic_arn);
	a->instance = xstrdup(instance ? instance : "bedrock-tenantd");
	a->events = cfg->events;
	loglimit_init(&a->loglimit, LOG_EVERY_MS);
	for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++)
		alerts_limit_init(&a->limit[ev], cfg->max_per_minute, uv_now(loop));
	for (int k = 0; k < SINK_COUNT; k++) {
		a->sinks[k].owner = a;
		a->sinks[k].kind = (enum sink_kind)k;
	}
	a->sinks[SINK_WEBHOOK].enabled = a->url != NULL;
	a->sinks[SINK_SNS].enabled = a->topic_arn != NULL && aws != NULL;
	if (cfg->webhook_secret_file) {
		r = read_secret(cfg->webhook_secret_file, &a->secret, ret_error);
		if (r < 0)
			goto fail;
	}
	if (a->url) {
		ho.timeout_ms = ALERTS_TIMEOUT_MS;
		r = http_client_new(loop, &ho, &a->http);
		if (r < 0) {
			*ret_error = xasprintf("notifications: the HTTP client cannot start");
			goto fail;
		}
	}
	uv_timer_init(loop, &a->flush);
	a->flush.data = a;
	*ret = a;
	return 0;
fail:
	alerts_free(a);
	return r;
}

static void closed_one(struct alerts *a)
{
	void (*cb)(void *) = a->close_cb;
	void *arg = a->close_arg;

	if (--a->pending_closes)
		return;
	alerts_free(a);
	if (cb)
		cb(arg);
}

static void on_http_closed(void *arg)
{
	closed_one(arg);
}

static void on_timer_closed(uv_handle_t *h)
{
	closed_one(h->data);
}

void alerts_close(struct alerts *a, void (*cb)(void *arg), void *arg)
{
	if (!a) {
		if (cb)
			cb(arg);
		return;
	}
	if (a->closing)
		return;
	a->closing = true;
	a->close_cb = cb;
	a->close_arg = arg;
	a->pending_closes = 1;
	if (a->http) {
		a->pending_closes++;
		/* a request in flight ends here with -ECANCELED */
		http_client_close(a->http, on_http_closed, a);
		a->http = NULL;
	}
	if (a->sinks[SINK_SNS].busy) {
		/* the AWS client ends it (-ECANCELED when it closes) */
		a->sns_hold = true;
		a->pending_closes++;
	}
	uv_close((uv_handle_t *)&a->flush, on_timer_closed);
}

void alerts_stats(const struct alerts *a, struct alerts_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!a)
		return;
	ret->webhook = a->sinks[SINK_WEBHOOK].st;
	ret->webhook.queued = a->sinks[SINK_WEBHOOK].n;
	ret->sns = a->sinks[SINK_SNS].st;
	ret->sns.queued = a->sinks[SINK_SNS].n;
	for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++) {
		ret->posted[ev] = a->posted[ev];
		ret->coalesced[ev] = a->coalesced[ev];
		ret->events += a->posted[ev];
		ret->suppressed += a->coalesced[ev];
	}
}

char *alerts_status_json(const struct alerts *a)
{
	struct alerts_stats st;
	cJSON *o = cJSON_CreateObject();
	char *out;

	alerts_stats(a, &st);
	cJSON_AddNumberToObject(o, "events", (double)st.events);
	cJSON_AddNumberToObject(o, "suppressed", (double)st.suppressed);
	for (int k = 0; k < SINK_COUNT; k++) {
		const struct alerts_sink_stats *s = k == SINK_WEBHOOK ? &st.webhook : &st.sns;
		cJSON *d;

		if (!a || !a->sinks[k].enabled)
			continue;
		d = cJSON_AddObjectToObject(o, sink_names[k]);
		cJSON_AddNumberToObject(d, "sent", (double)s->sent);
		cJSON_AddNumberToObject(d, "failed", (double)s->failed);
		cJSON_AddNumberToObject(d, "dropped", (double)s->dropped);
		cJSON_AddNumberToObject(d, "queued", s->queued);
	}
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}
