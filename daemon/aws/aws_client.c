#include "aws_client_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"

/* Default bucket per (account, region, service), the configuration's defaults
 * (docs/configuration.md "Rate limits"): AWS publishes no rates for most of these
 * control-plane APIs, so they are deliberately low. */
#define DEFAULT_MAX_RATE 5.0
#define DEFAULT_BURST	 10.0

uint64_t aws_client_now_ms(struct aws_client *c)
{
	return uv_now(c->loop);
}

int64_t aws_client_wall_ms(struct aws_client *c)
{
	struct timespec ts;

	if (c->wall_ms)
		return c->wall_ms(c->hooks_arg);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double aws_client_random(struct aws_client *c)
{
	uint64_t x;

	if (c->random)
		return c->random(c->hooks_arg);
	/* xorshift64*: jitter needs spread, not secrecy. */
	x = c->prng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->prng = x;
	return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

void aws_client_emit(struct aws_client *c, const struct aws_event *ev)
{
	if (c->event_cb && !c->closing)
		c->event_cb(c->event_arg, ev);
}

static void on_creds_event(void *arg, const struct creds_source *s, int status, const struct aws_error *err)
{
	struct aws_event ev = {
		.type = status == 0 ? AWS_EVENT_CREDS_REFRESHED : AWS_EVENT_CREDS_FAILED,
		.account = s->name,
		.expiration_ms = status == 0 ? s->creds.expiration_ms : 0,
		.error = status == 0 ? NULL : err,
	};

	aws_client_emit(arg, &ev);
}

/* Credentials expire by AWS's clock (an STS Expiration): with this host's clock off
 * AWS's, by AWS's time as the answers' Date headers showed it (aws_call.c). */
static int64_t source_clock(void *arg)
{
	return aws_client_aws_time_ms(arg);
}

int64_t aws_client_aws_time_ms(struct aws_client *c)
{
	return aws_client_wall_ms(c) + c->clock_offset_ms;
}

static struct creds_source *source_new(struct aws_client *c, const char *name, struct creds_provider *p,
				       const struct aws_credentials *fixed)
{
	struct creds_source *s = creds_source_new(name, p, fixed, source_clock, c);

	s->refresh_margin_ms = c->refresh_margin_ms;
	s->event_cb = on_creds_event;
	s->event_arg = c;
	return s;
}

static struct creds_source *build_source(struct aws_client *c, const char *name, const struct creds_plan *plan)
{
	struct creds_source *base;

	switch (plan->kind) {
	case CREDS_STATIC:
		return source_new(c, name, NULL, &plan->creds);
	case CREDS_CONTAINER:
		return source_new(c, name, creds_container_new(c->http, plan), NULL);
	case CREDS_IMDS:
		return source_new(c, name, creds_imds_new(c->http, plan), NULL);
	case CREDS_WEB_IDENTITY:
		return source_new(c, name, creds_web_identity_new(c, plan), NULL);
	case CREDS_PROCESS:
		return source_new(c, name, creds_process_new(c, plan), NULL);
	case CREDS_SSO:
		return source_new(c, name, creds_sso_new(c, plan), NULL);
	case CREDS_ASSUME_ROLE:
		base = build_source(c, name, plan->base);
		return source_new(c, name,
				  creds_assume_role_new(c, name, base, true, plan->role_arn, plan->session_name,
							plan->external_id, plan->duration_s),
				  NULL);
	}
	return NULL;
}

static const char *opt_env(struct aws_client *c, const struct aws_client_options *o, const char *name)
{
	const char *v = o->getenv ? o->getenv(name) : getenv(name);

	(void)c;
	return v && *v ? v : NULL;
}

static void seed(struct aws_client *c)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	c->prng = s ? s : 0x9E3779B97F4A7C15ull;
}

static const char *bucket_key_of(const void *value)
{
	return ((const struct bucket *)value)->key;
}

static void client_free(struct aws_client *c)
{
	aws_endpoint_config_release(&c->endpoints);
	free(c->region);
	free(c->user_agent);
	free(c->creds_origin);
	for (size_t i = 0; i < c->n_op_limits; i++)
		free((char *)c->op_limits[i].operation);
	free(c->op_limits);
	hashmap_release(&c->bucket_map, NULL);
	free(c);
}

int aws_client_new(uv_loop_t *loop, const struct aws_client_options *opts, struct aws_client **ret,
		   struct aws_error *err)
{
	static const struct aws_client_options none;
	const struct aws_client_options *o = opts ? opts : &none;
	struct http_client_options ho = { 0 };
	struct aws_error local;
	struct creds_plan *plan = NULL;
	char *profile_region = NULL;
	const char *region;
	struct aws_client *c;
	int r;

	aws_error_init(&local);
	if (!err)
		err = &local;
	c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	list_init(&c->accounts);
	list_init(&c->buckets);
	hashmap_init_keyed(&c->bucket_map, bucket_key_of);
	list_init(&c->noted);
	list_init(&c->calls);
	list_init(&c->zombies);
	list_init(&c->waits);
	c->wall_ms = o->wall_ms;
	c->random = o->random;
	c->hooks_arg = o->hooks_arg;
	c->event_cb = o->event_cb;
	c->event_arg = o->event_arg;
	seed(c);
	if (o->retry)
		c->retry = *o->retry;
	else
		retry_policy_default(&c->retry);
	retry_quota_init(&c->quota, c->retry.quota);
	if (o->ratelimit)
		c->ratelimit = *o->ratelimit;
	else
		ratelimit_config_default(&c->ratelimit, 10);
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		c->max_rate[i] = o->max_rate[i] > 0 ? o->max_rate[i] : DEFAULT_MAX_RATE;
		c->burst[i] = o->burst[i] >= 1 ? o->burst[i] : DEFAULT_BURST;
	}
	c->n_op_limits = o->n_op_limits < AWS_MAX_OP_LIMITS ? o->n_op_limits : AWS_MAX_OP_LIMITS;
	c->op_limits = xcalloc(c->n_op_limits ? c->n_op_limits : 1, sizeof(*c->op_limits));
	for (size_t i = 0; i < c->n_op_limits; i++) {
		c->op_limits[i] = o->op_limits[i];
		c->op_limits[i].operation = xstrdup(o->op_limits[i].operation);
		if (c->op_limits[i].max_rate <= 0)
			c->op_limits[i].max_rate = DEFAULT_MAX_RATE;
		if (c->op_limits[i].burst < 1)
			c->op_limits[i].burst = 1;
	}
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
	c->refresh_margin_ms = (int64_t)(o->refresh_margin_s ? o->refresh_margin_s : 300) * 1000;
	c->user_agent = xstrdup("bedrock-tenantd/" BTD_VERSION);

	aws_endpoint_config_init(&c->endpoints);
	aws_endpoint_config_load_env(&c->endpoints, o->getenv);
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		r = aws_endpoint_config_set(&c->endpoints, (enum aws_service)i, o->endpoints[i]);
		if (r < 0) {
			aws_error_set_local(err, r, "InvalidEndpoint", "endpoint for %s is not an http(s) URL: %s",
					    aws_service_name((enum aws_service)i), o->endpoints[i]);
			goto fail;
		}
	}

	if (!o->credentials) {
		r = creds_chain_resolve(o->getenv, &plan, &profile_region, err);
		if (r < 0)
			goto fail;
	}
	region = o->region;
	if (!region)
		region = opt_env(c, o, "AWS_REGION");
	if (!region)
		region = opt_env(c, o, "AWS_DEFAULT_REGION");
	if (!region)
		region = profile_region;
	if (!aws_region_valid(region)) {
		r = -EINVAL;
		aws_error_set_local(err, r, "InvalidRegion", "no valid default region (%s)",
				    region ? region : "set AWS_REGION or the configuration's region");
		goto fail;
	}
	c->region = xstrdup(region);

	ho.max_in_flight = o->max_in_flight;
	ho.max_queue = o->max_queue;
	ho.max_response_bytes = o->max_response_bytes;
	ho.timeout_ms = c->timeout_ms;
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.ca_file = o->ca_file;
	r = http_client_new(loop, &ho, &c->http);
	if (r < 0) {
		aws_error_set_local(err, r, "", "%s", "libcurl cannot start");
		goto fail;
	}
	if (o->credentials) {
		c->default_creds = source_new(c, "default", NULL, o->credentials);
		c->creds_origin = xstrdup("options");
	} else {
		c->default_creds = build_source(c, "default", plan);
		c->creds_origin = xstrdup(plan->origin);
	}
	creds_plan_free(plan);
	free(profile_region);
	aws_error_release(&local);
	*ret = c;
	return 0;
fail:
	creds_plan_free(plan);
	free(profile_region);
	aws_error_release(&local);
	client_free(c);
	return r;
}

static struct account *find_account(struct aws_client *c, const char *alias)
{
	for (struct list_node *n = c->accounts.next; n != &c->accounts; n = n->next) {
		struct account *a = list_entry(n, struct account, link);

		if (strcmp(a->alias, alias) == 0)
			return a;
	}
	return NULL;
}

int aws_client_add_account(struct aws_client *c, const char *alias, const char *role_arn, const char *external_id)
{
	struct account *a;

	if (!alias || !*alias || strcmp(alias, "default") == 0 || !role_arn || strncmp(role_arn, "arn:", 4) != 0)
		return -EINVAL;
	if (find_account(c, alias))
		return -EEXIST;
	a = xcalloc(1, sizeof(*a));
	a->alias = xstrdup(alias);
	a->creds = source_new(c, alias,
			      creds_assume_role_new(c, "default", c->default_creds, false, role_arn,
						    CREDS_DEFAULT_SESSION_NAME, external_id, 3600),
			      NULL);
	list_add_tail(&c->accounts, &a->link);
	return 0;
}

void aws_client_set_turn_budget(struct aws_client *c, struct turn_budget *turn)
{
	http_client_set_turn_budget(c->http, turn);
}

const char *aws_client_region(const struct aws_client *c)
{
	return c->region;
}

const char *aws_client_credentials_origin(const struct aws_client *c)
{
	return c->creds_origin;
}

const char *aws_client_account_id(const struct aws_client *c)
{
	return c->default_creds->have ? c->default_creds->creds.account_id : NULL;
}

const char *aws_client_request_id(const struct aws_client *c)
{
	return c->request_id;
}

/* ---- buckets ---- */

static void on_bucket_timer(uv_timer_t *t)
{
	aws_bucket_pump(t->data);
}

void aws_bucket_arm(struct bucket *b, uint64_t wait_ms)
{
	uint64_t due = aws_client_now_ms(b->client) + wait_ms;

	/* a waiter whose operation's token comes sooner moves the wake-up earlier */
	if (uv_is_active((uv_handle_t *)&b->timer) && b->due_ms <= due)
		return;
	b->due_ms = due;
	uv_timer_start(&b->timer, on_bucket_timer, wait_ms, 0);
}

/* bucket_key: a bucket's key, "<region> <service> <account>" in buf when it fits (n
 * bytes), else allocated (*ret_owned is then set, to be freed). The Region is valid
 * (aws_region_valid: no space in it) and the service a number, so the account may be
 * any text and two different triples never share a key. */
static char *bucket_key(char *buf, size_t n, const char *account, const char *region, enum aws_service s,
			char **ret_owned)
{
	int len = snprintf(buf, n, "%s %d %s", region, (int)s, account);

	*ret_owned = NULL;
	if (len >= 0 && (size_t)len < n)
		return buf;
	*ret_owned = xasprintf("%s %d %s", region, (int)s, account);
	return *ret_owned;
}

struct bucket *aws_client_bucket(struct aws_client *c, const char *account, const char *region, enum aws_service s)
{
	struct ratelimit_config cfg = c->ratelimit;
	char buf[128], *owned;
	const char *key = bucket_key(buf, sizeof(buf), account, region, s, &owned);
	struct bucket *b = hashmap_get(&c->bucket_map, key);

	if (b) {
		free(owned);
		return b;
	}
	b = xcalloc(1, sizeof(*b));
	b->client = c;
	b->key = owned ? owned : xstrdup(key);
	b->account = xstrdup(account);
	b->region = xstrdup(region);
	b->service = s;
	cfg.max_rate = c->max_rate[s];
	cfg.burst = c->burst[s];
	if (cfg.min_rate > cfg.max_rate)
		cfg.min_rate = cfg.max_rate;
	ratelimit_init(&b->rl, &cfg, aws_client_now_ms(c));
	for (size_t i = 0; i < c->n_op_limits; i++)
		b->n_ops += c->op_limits[i].service == s;
	b->ops = xcalloc(b->n_ops ? b->n_ops : 1, sizeof(*b->ops));
	for (size_t i = 0, k = 0; i < c->n_op_limits; i++) {
		if (c->op_limits[i].service != s)
			continue;
		cfg = c->ratelimit;
		cfg.max_rate = c->op_limits[i].max_rate;
		cfg.burst = c->op_limits[i].burst;
		cfg.decrease = RATELIMIT_CONFIGURED_DECREASE;
		cfg.guard = RATELIMIT_CONFIGURED_GUARD;
		cfg.give_back = true;
		if (cfg.min_rate > cfg.max_rate)
			cfg.min_rate = cfg.max_rate;
		b->ops[k].operation = c->op_limits[i].operation;
		ratelimit_init(&b->ops[k++].rl, &cfg, aws_client_now_ms(c));
	}
	lane_queue_init(&b->waiters);
	uv_timer_init(c->loop, &b->timer);
	b->timer.data = b;
	list_add_tail(&c->buckets, &b->link);
	hashmap_put(&c->bucket_map, b->key, b);
	c->n_limiters += 1 + b->n_ops;
	return b;
}

void aws_bucket_note(struct bucket *b)
{
	bool of_note = b->n_waiting || b->throttled;

	if (of_note == b->noted)
		return;
	b->noted = of_note;
	if (of_note)
		list_add_tail(&b->client->noted, &b->note_link);
	else
		list_del(&b->note_link);
}

struct op_bucket *aws_bucket_op(struct bucket *b, const char *operation)
{
	for (size_t i = 0; i < b->n_ops; i++)
		if (strcmp(b->ops[i].operation, operation) == 0)
			return &b->ops[i];
	return NULL;
}

/* ---- calls ---- */

int aws_client_call(struct aws_client *c, const struct aws_target *t, struct aws_request *req, aws_call_cb cb,
		    void *arg)
{
	const char *alias = t && t->account ? t->account : NULL;
	const char *region = t && t->region ? t->region : c->region;
	struct creds_source *creds = c->default_creds;
	struct account *a;

	if (alias) {
		a = find_account(c, alias);
		if (!a) {
			aws_request_release(req);
			return -ENOENT;
		}
		creds = a->creds;
	}
	if (!aws_region_valid(region)) {
		aws_request_release(req);
		return -EINVAL;
	}
	return aws_call_start(c, alias ? alias : "default", region, req->unsigned_request ? NULL : creds,
			      t && t->priority, t ? t->order : 0, req, cb, arg);
}

int aws_client_call_creds(struct aws_client *c, const char *account, const char *region, struct creds_source *creds,
			  struct aws_request *req, aws_call_cb cb, void *arg)
{
	if (!region)
		region = c->region;
	if (!aws_region_valid(region)) {
		aws_request_release(req);
		return -EINVAL;
	}
	return aws_call_start(c, account ? account : "default", region, creds, false, 0, req, cb, arg);
}

/* ---- close ---- */

void aws_client_handle_closed(struct aws_client *c)
{
	void (*cb)(void *);
	void *arg;

	if (--c->pending_closes > 0 || !c->closing)
		return;
	cb = c->close_cb;
	arg = c->close_arg;
	client_free(c);
	if (cb)
		cb(arg);
}

static void on_http_closed(void *arg)
{
	aws_client_handle_closed(arg);
}

/* ---- waits ---- */

struct aws_wait {
	uv_timer_t timer;
	struct list_node link; /* client->waits until it ends */
	struct aws_client *client;
	aws_done_cb cb;
	void *arg;
};

static void on_wait_closed(uv_handle_t *h)
{
	struct aws_wait *w = h->data;
	struct aws_client *c = w->client;

	free(w);
	aws_client_handle_closed(c);
}

/* Unlinks w and closes its timer; the callback is the caller's to run. */
static void wait_end(struct aws_wait *w)
{
	list_del(&w->link);
	uv_timer_stop(&w->timer);
	w->client->pending_closes++;
	uv_close((uv_handle_t *)&w->timer, on_wait_closed);
}

static void on_wait_timer(uv_timer_t *t)
{
	struct aws_wait *w = t->data;
	aws_done_cb cb = w->cb;
	void *arg = w->arg;

	wait_end(w);
	cb(arg, 0, NULL);
}

int aws_client_wait(struct aws_client *c, uint64_t delay_ms, aws_done_cb cb, void *arg)
{
	struct aws_wait *w;

	if (c->closing)
		return -ECANCELED;
	w = xcalloc(1, sizeof(*w));
	w->client = c;
	w->cb = cb;
	w->arg = arg;
	w->timer.data = w;
	uv_timer_init(c->loop, &w->timer);
	list_add_tail(&c->waits, &w->link);
	uv_timer_start(&w->timer, on_wait_timer, delay_ms, 0);
	return 0;
}

static void cancel_waits(struct aws_client *c)
{
	struct aws_error err;

	aws_error_init(&err);
	aws_error_set_local(&err, -ECANCELED, "", "%s", "the AWS client is closing");
	while (!list_empty(&c->waits)) {
		struct aws_wait *w = list_entry(list_first(&c->waits), struct aws_wait, link);
		aws_done_cb cb = w->cb;
		void *arg = w->arg;

		wait_end(w);
		cb(arg, -ECANCELED, &err);
	}
	aws_error_release(&err);
}

static void on_bucket_closed(uv_handle_t *h)
{
	struct bucket *b = h->data;
	struct aws_client *c = b->client;

	free(b->key);
	free(b->account);
	free(b->region);
	free(b->ops);
	free(b);
	aws_client_handle_closed(c);
}

void aws_client_close(struct aws_client *c, void (*close_cb)(void *arg), void *arg)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_cb = close_cb;
	c->close_arg = arg;
	c->pending_closes++; /* held until the end of this function */
	aws_call_cancel_all(c);
	cancel_waits(c);
	c->pending_closes++;
	/* Cancels the transfers still on the wire: zombie calls and credential fetches
	 * get their answers (-ECANCELED) inside this call. */
	http_client_close(c->http, on_http_closed, c);
	c->http = NULL;
	while (!list_empty(&c->accounts)) {
		struct account *a = list_entry(list_first(&c->accounts), struct account, link);

		list_del(&a->link);
		creds_source_free(a->creds);
		free(a->alias);
		free(a);
	}
	creds_source_free(c->default_creds);
	c->default_creds = NULL;
	hashmap_release(&c->bucket_map, NULL); /* the list below frees the buckets */
	while (!list_empty(&c->buckets)) {
		struct bucket *b = list_entry(list_first(&c->buckets), struct bucket, link);

		list_del(&b->link);
		if (b->noted)
			list_del(&b->note_link);
		c->pending_closes++;
		uv_close((uv_handle_t *)&b->timer, on_bucket_closed);
	}
	aws_client_handle_closed(c);
}
