#include "usage_reader.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_client.h"
#include "bedrock_logging.h"
#include "log.h"
#include "s3.h"
#include "sts.h"
#include "usage_ce.h"
#include "xalloc.h"

#define RETRY_MS 5000
#define WAIT_MS	 1000 /* while the engine does not know the place's profiles yet */
#define DAY_S	 86400

/* One place's cycle, through one transition function (set_state) and one name table. */
enum place_state {
	PS_IDLE,     /* waiting for the next poll */
	PS_IDENTITY, /* learning the account id (STS) */
	PS_LOGGING,  /* reading (and in manage mode putting) Bedrock's logging configuration */
	PS_LISTING,  /* ListObjectsV2 after the cursor */
	PS_FETCHING, /* GetObject of the next key */
	PS_PARSING,  /* inflating and parsing in the thread pool */
	PS__COUNT,
};

static const char *const state_names[PS__COUNT] = { "idle", "identity", "logging", "listing", "fetching", "parsing" };

struct log_place {
	struct usage_reader *u;
	char *alias;  /* the account's alias in the configuration; NULL: the daemon's own account */
	char *target; /* the AWS client's account: alias when it has a role_arn; NULL: the daemon's own credentials */
	char *region;
	char *bucket;
	char *prefix; /* the logging configuration's keyPrefix */
	char *account_id;
	char *list_prefix; /* {prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/ */
	char *key;	   /* the cursor's name in the store */
	char *cursor;	   /* the last key counted; NULL: none yet */
	enum place_state state;
	uv_timer_t timer;
	struct s3_listing page;
	size_t next; /* in page */
	uv_work_t work;
	char *obj_key;
	char *obj_data;
	size_t obj_len;
	int parse_rc;
	struct usage_batch batch;
	char *problem;	    /* the logging configuration's mismatch, or the last failure */
	bool store_problem; /* problem is the usage store's: only a commit solves it */
	char *waiting;	    /* why no object is read yet (engine_profiles_pending); NULL: none */
	uint64_t objects, records, malformed;
	uint64_t passed_over; /* objects over max_object_bytes, not read (pass_over) */
	/* An object refused (AccessDenied) is passed over when the refusal is its own:
	 * the next object can be read (REFUSAL_PROBING while it is) and the refused one is
	 * refused again after that (REFUSAL_AGAIN while it is asked again). */
	enum { REFUSAL_NONE, REFUSAL_PROBING, REFUSAL_AGAIN } refusal;
	char *refusal_why; /* the first refusal's error */
	uint64_t refused;  /* objects refused alone: passed over unread */
	int64_t last_read; /* wall clock of the last object counted */
};

struct usage_reader {
	uv_loop_t *loop;
	struct aws_client *aws;
	struct engine *e;
	struct usage_store *store;
	struct usage_queries *queries; /* the control socket's, off the loop */
	struct log_place *places;
	size_t n_places;
	enum cfg_invocation_logging logging;
	char *metadata_key;
	uint64_t poll_ms;
	unsigned retention_days;
	bool path_style;
	uint64_t max_object_bytes; /* usage.max_object_size */
	unsigned metrics_tenants;
	struct hashmap prices; /* model id -> struct usage_price * */
	struct usage_ce *ce;   /* NULL: usage.cost_explorer is off */
	int32_t pruned_day;
	struct usage_today today; /* the metrics' sums */
	bool today_dirty;	  /* an object was counted since they were summed */
	uint64_t today_summed_ms; /* the loop's clock then */
	bool closing;
	atomic_bool stop_parsing; /* closing: a parse in the thread pool ends early */
	unsigned busy;		  /* calls and parses in flight, timers open */
	void (*done)(void *);
	void *done_data;
};

static void poll_place(struct log_place *p);
static int64_t wall_now(void);

static void set_state(struct log_place *p, enum place_state s)
{
	log_debug("usage %s: %s -> %s", p->key, state_names[p->state], state_names[s]);
	p->state = s;
}

static void set_problem(struct log_place *p, char *problem)
{
	if (problem && (!p->problem || strcmp(problem, p->problem) != 0))
		log_warning("usage %s/%s: %s", p->alias ? p->alias : "default", p->region, problem);
	else if (!problem && p->problem)
		log_notice("usage %s/%s: solved: %s", p->alias ? p->alias : "default", p->region, p->problem);
	free(p->problem);
	p->problem = problem;
	p->store_problem = false;
}

/* store_problem: the usage store cannot record (problem owned). It stays until a
 * commit succeeds (store_ok()): the checks that pass in the meantime (the logging
 * configuration's) say nothing of the store. */
static void store_problem(struct log_place *p, char *problem)
{
	set_problem(p, problem);
	p->store_problem = true;
}

/* checked: the place's account and logging configuration check out: any problem is
 * solved but the usage store's. */
static void checked(struct log_place *p)
{
	if (!p->store_problem)
		set_problem(p, NULL);
}

/* store_ok: the usage store answered (an object recorded, a cursor read): its problem,
 * if any, is solved. */
static void store_ok(struct log_place *p)
{
	if (p->store_problem)
		set_problem(p, NULL);
}

static void maybe_free(struct usage_reader *u)
{
	if (!u->closing || u->busy)
		return;
	for (size_t i = 0; i < u->n_places; i++) {
		struct log_place *p = &u->places[i];
		free(p->alias);
		free(p->target);
		free(p->region);
		free(p->bucket);
		free(p->prefix);
		free(p->account_id);
		free(p->list_prefix);
		free(p->key);
		free(p->cursor);
		s3_listing_release(&p->page);
		free(p->obj_key);
		free(p->obj_data);
		usage_batch_release(&p->batch);
		free(p->problem);
		free(p->waiting);
		free(p->refusal_why);
	}
	free(u->places);
	hashmap_release(&u->prices, free);
	free(u->metadata_key);
	usage_sums_release(&u->today.top);
	usage_store_close(u->store);
	if (u->done)
		u->done(u->done_data);
	free(u);
}

static void on_timer(uv_timer_t *t)
{
	poll_place(t->data);
}

/* The metrics' sums of today, from the store, replacing the last ones. A failure
 * keeps them (logged; the next ingestion tries again). */
static void sum_today(struct usage_reader *u)
{
	struct usage_today t = { .day = (int32_t)(wall_now() / DAY_S) };

	if (usage_store_ranking(u->store, t.day, t.day, u->metrics_tenants, &t.top, &t.total, &t.unattributed,
				&t.n_tenants) < 0) {
		log_warning("usage store: today's sums for the metrics: %s", usage_store_error(u->store));
		return;
	}
	usage_sums_release(&u->today.top);
	u->today = t;
	u->today_dirty = false;
	u->today_summed_ms = uv_now(u->loop);
}

/* The end of a cycle: idle until the next poll (after a failure RETRY_MS, so that a
 * passing one does not wait a whole interval). */
static void rest(struct log_place *p, uint64_t ms)
{
	p->refusal = REFUSAL_NONE; /* a refusal not settled is asked about again at the next poll */
	free(p->refusal_why);
	p->refusal_why = NULL;
	if (p->u->today_dirty && !p->u->closing)
		sum_today(p->u);
	set_state(p, PS_IDLE);
	if (!p->u->closing)
		uv_timer_start(&p->timer, on_timer, ms, 0);
	maybe_free(p->u);
}

/* error_text: "Code: message" of an AWS error, or the errno's text (owned). */
static char *error_text(int status, const struct aws_error *err)
{
	return xasprintf("%s%s%s", err && err->code && *err->code ? err->code : strerror(-status),
			 err && err->message && *err->message ? ": " : "", err && err->message ? err->message : "");
}

static void fail(struct log_place *p, const char *what, int status, const struct aws_error *err)
{
	char *why = error_text(status, err), *msg = xasprintf("%s: %s", what, why);

	free(why);

	if (status != -ECANCELED)
		set_problem(p, msg);
	else
		free(msg);
	rest(p, RETRY_MS);
}

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

/* Retention: aggregates of days before today - retention_days go, once a day. */
static void prune(struct usage_reader *u)
{
	int32_t today = (int32_t)(wall_now() / DAY_S);

	if (today == u->pruned_day)
		return;
	if (usage_store_prune(u->store, today - (int32_t)u->retention_days) < 0)
		log_warning("usage store: pruning: %s", usage_store_error(u->store));
	else
		u->pruned_day = today;
}

/* ---- attribution (on the loop: the engine answers) ---- */

static bool resolve_profile(void *ctx, const char *arn, const char **tenant, const char **profile, const char **model)
{
	struct usage_reader *u = ctx;

	if (!engine_profile_owner(u->e, arn, tenant, profile, model))
		return false;
	*model = usage_model_of_arn(*model);
	return true;
}

static bool resolve_tenant(void *ctx, const char *id)
{
	struct usage_reader *u = ctx;

	return engine_tenant(u->e, id) != NULL;
}

/* The configured price of model; a cross-Region profile's id ("us.anthropic...")
 * falls back to the model's own ("anthropic..."). */
static const struct usage_price *resolve_price(void *ctx, const char *model)
{
	struct usage_reader *u = ctx;
	const struct usage_price *p = hashmap_get(&u->prices, model);
	const char *dot = strchr(model, '.');

	if (!p && dot && dot - model <= 6)
		p = hashmap_get(&u->prices, dot + 1);
	return p;
}

/* ---- reading one object ---- */

static void fetch_next(struct log_place *p);

static void parse_work(uv_work_t *w)
{
	struct log_place *p = w->data;

	p->parse_rc = usage_parse_object(p->obj_data, p->obj_len, p->u->metadata_key, &p->batch);
}

static void parse_done(uv_work_t *w, int status)
{
	struct log_place *p = w->data;
	struct usage_reader *u = p->u;
	struct usage_resolver r = { resolve_profile, resolve_tenant, resolve_price, u };
	struct usage_agg agg;
	int rc;

	u->busy--;
	free(p->obj_data);
	p->obj_data = NULL;
	if (status < 0 || u->closing) {
		usage_batch_release(&p->batch);
		rest(p, RETRY_MS);
		return;
	}
	if (p->parse_rc < 0)
		/* A corrupt object is counted as far as it could be read and passed over:
		 * it would fail the same way again and stop the place for good. */
		log_warning("usage %s: s3://%s/%s: %s; %llu records before that are counted", p->key, p->bucket,
			    p->obj_key, p->parse_rc == -E2BIG ? "over the bounds of one object" : "corrupt gzip",
			    (unsigned long long)(p->batch.records - p->batch.malformed));
	if (p->batch.malformed)
		log_warning("usage %s: s3://%s/%s: %llu of %llu records skipped as malformed (first: line %llu, %s)",
			    p->key, p->bucket, p->obj_key, (unsigned long long)p->batch.malformed,
			    (unsigned long long)p->batch.records, (unsigned long long)p->batch.first_bad_line,
			    p->batch.first_bad_why);
	usage_agg_init(&agg);
	usage_attribute(&p->batch, &r, &agg);
	rc = usage_store_commit(u->store, p->key, p->obj_key, &agg, p->batch.records - p->batch.malformed,
				p->batch.malformed);
	usage_agg_release(&agg);
	if (rc < 0) {
		char *msg = xasprintf("the usage store cannot record s3://%s/%s: %s", p->bucket, p->obj_key,
				      usage_store_error(u->store));
		usage_batch_release(&p->batch);
		store_problem(p, msg);
		rest(p, RETRY_MS);
		return;
	}
	store_ok(p);
	p->objects++;
	p->records += p->batch.records - p->batch.malformed;
	p->malformed += p->batch.malformed;
	p->last_read = wall_now();
	u->today_dirty = true;
	if (uv_now(u->loop) - u->today_summed_ms >= USAGE_TODAY_MIN_MS) /* catching up: now and then */
		sum_today(u);
	usage_batch_release(&p->batch);
	free(p->cursor);
	p->cursor = p->obj_key;
	p->obj_key = NULL;
	p->next++;
	fetch_next(p);
}

/* pass_over: the object at obj_key cannot be read, and would fail the same way at every
 * poll, so that the objects after it would never be read: logged with why (owned),
 * and passed, the cursor moved past it as past an object read. */
static void pass_over(struct log_place *p, char *why)
{
	struct usage_reader *u = p->u;
	struct usage_agg none;
	int rc;

	log_warning("usage %s: s3://%s/%s: %s: passed over unread", p->key, p->bucket, p->obj_key, why);
	free(why);
	usage_agg_init(&none);
	rc = usage_store_commit(u->store, p->key, p->obj_key, &none, 0, 0);
	usage_agg_release(&none);
	if (rc < 0) {
		store_problem(p, xasprintf("the usage store cannot record s3://%s/%s: %s", p->bucket, p->obj_key,
					   usage_store_error(u->store)));
		rest(p, RETRY_MS);
		return;
	}
	store_ok(p);
	if (p->refusal == REFUSAL_AGAIN)
		p->refused++;
	else
		p->passed_over++;
	p->refusal = REFUSAL_NONE;
	free(p->refusal_why);
	p->refusal_why = NULL;
	free(p->cursor);
	p->cursor = p->obj_key;
	p->obj_key = NULL;
	p->next++;
	fetch_next(p);
}

/* larger than an object may be (usage.max_object_size; size bytes as listed, 0: grown
 * past it since) */
static void pass_over_large(struct log_place *p, uint64_t size)
{
	uint64_t max = p->u->max_object_bytes;

	pass_over(p, xasprintf("%s%llu bytes, over usage.max_object_size (%llu)", size ? "" : "over ",
			       (unsigned long long)(size ? size : max), (unsigned long long)max));
}

static void on_object(void *arg, int status, const struct aws_error *err, const char *data, size_t len);

/* The next object of the page could be read (or was there, too large to read): the
 * refused one is asked again. */
static void on_probe(void *arg, int status, const struct aws_error *err, const char *data, size_t len)
{
	struct log_place *p = arg;
	struct usage_reader *u = p->u;
	struct aws_target t = { .account = p->target, .region = p->region };
	int r;

	(void)data, (void)len;
	u->busy--;
	if ((status < 0 && status != -EMSGSIZE) || u->closing) { /* refused too: the place's problem */
		fail(p, "GetObject", status, err);
		return;
	}
	p->refusal = REFUSAL_AGAIN;
	r = s3_get_object(u->aws, &t, p->bucket, p->obj_key, u->path_style, (size_t)u->max_object_bytes, on_object, p);
	if (r < 0) {
		fail(p, "GetObject", r, NULL);
		return;
	}
	u->busy++;
}

/* probe_refusal: the object at obj_key was refused (AccessDenied). A permission the
 * daemon lacks refuses every object, and passing them over would lose the place's
 * usage: the next object of the page is read first (its data dropped), and only if it
 * can be, the refused one is asked again; refused again, the refusal is its own (an
 * object of another KMS key, its own ACL) and it is passed over (pass_over). False when
 * the page holds no next object: the refusal stands, as the place's problem, until
 * one comes. */
static bool probe_refusal(struct log_place *p, int status, const struct aws_error *err)
{
	struct usage_reader *u = p->u;
	struct aws_target t = { .account = p->target, .region = p->region };
	int r;

	if (p->next + 1 >= p->page.n)
		return false;
	r = s3_get_object(u->aws, &t, p->bucket, p->page.items[p->next + 1].key, u->path_style,
			  (size_t)u->max_object_bytes, on_probe, p);
	if (r < 0)
		return false;
	u->busy++;
	p->refusal = REFUSAL_PROBING;
	free(p->refusal_why);
	p->refusal_why = error_text(status, err);
	return true;
}

static void on_object(void *arg, int status, const struct aws_error *err, const char *data, size_t len)
{
	struct log_place *p = arg;
	struct usage_reader *u = p->u;
	int r;

	u->busy--;
	if (status == -EMSGSIZE && !u->closing) { /* grown past the bound since it was listed */
		pass_over_large(p, 0);
		return;
	}
	if (status == -EACCES && !u->closing && p->refusal == REFUSAL_AGAIN) {
		pass_over(p, xasprintf("refused (%s) while the object after it can be read", p->refusal_why));
		return;
	}
	if (status == -EACCES && !u->closing && p->refusal == REFUSAL_NONE && probe_refusal(p, status, err))
		return;
	p->refusal = REFUSAL_NONE;
	if (status < 0 || u->closing) {
		fail(p, "GetObject", status, err);
		return;
	}
	if (len != p->page.items[p->next].size) {
		/* not the object listed (a proxy's page, an answer cut short): parsed, its
		 * lines would count as malformed and the cursor pass the object for good. A
		 * failed read: the next poll lists again, and an object really replaced
		 * since is read at its new size. */
		set_problem(p, xasprintf("GetObject s3://%s/%s: an answer of %zu bytes, the listing gave %llu: not "
					 "read (tried again)",
					 p->bucket, p->obj_key, len, (unsigned long long)p->page.items[p->next].size));
		rest(p, RETRY_MS);
		return;
	}
	p->obj_data = xmalloc(len ? len : 1);
	memcpy(p->obj_data, data, len);
	p->obj_len = len;
	usage_batch_init(&p->batch);
	p->batch.stop = &u->stop_parsing;
	p->batch.latest = wall_now() + DAY_S; /* Bedrock dates a record when it is made */
	p->work.data = p;
	set_state(p, PS_PARSING);
	r = uv_queue_work(u->loop, &p->work, parse_work, parse_done);
	if (r < 0) {
		free(p->obj_data);
		p->obj_data = NULL;
		usage_batch_release(&p->batch);
		fail(p, "thread pool", r, NULL);
		return;
	}
	u->busy++;
}

static void list_next(struct log_place *p);

static void fetch_next(struct log_place *p)
{
	struct usage_reader *u = p->u;
	struct aws_target t = { .account = p->target, .region = p->region };
	int r;

	if (u->closing) {
		rest(p, 0);
		return;
	}
	if (p->next == p->page.n) {
		bool more = p->page.truncated;
		s3_listing_release(&p->page);
		p->next = 0;
		if (more)
			list_next(p);
		else
			rest(p, u->poll_ms);
		return;
	}
	free(p->obj_key);
	p->obj_key = xstrdup(p->page.items[p->next].key);
	if (p->page.items[p->next].size > u->max_object_bytes) {
		pass_over_large(p, p->page.items[p->next].size);
		return;
	}
	set_state(p, PS_FETCHING);
	r = s3_get_object(u->aws, &t, p->bucket, p->obj_key, u->path_style, (size_t)u->max_object_bytes, on_object, p);
	if (r < 0) {
		fail(p, "GetObject", r, NULL);
		return;
	}
	u->busy++;
}

static void on_listing(void *arg, int status, const struct aws_error *err, const struct s3_listing *l)
{
	struct log_place *p = arg;
	struct usage_reader *u = p->u;

	u->busy--;
	if (status < 0 || u->closing) {
		fail(p, "ListObjectsV2", status, err);
		return;
	}
	s3_listing_release(&p->page);
	p->page.items = xcalloc(l->n ? l->n : 1, sizeof(*p->page.items));
	for (size_t i = 0; i < l->n; i++) {
		/* A key at or before the cursor is never counted again (S3 answers after
		 * start-after; this guards against anything that does not). */
		if (p->cursor && strcmp(l->items[i].key, p->cursor) <= 0)
			continue;
		p->page.items[p->page.n].key = xstrdup(l->items[i].key);
		p->page.items[p->page.n].size = l->items[i].size;
		p->page.n++;
	}
	/* truncated, yet nothing after the cursor: a listing that does not move on ends
	 * the cycle rather than asking the same page again */
	p->page.truncated = l->truncated && p->page.n > 0;
	p->next = 0;
	fetch_next(p);
}

static void list_next(struct log_place *p)
{
	struct usage_reader *u = p->u;
	struct aws_target t = { .account = p->target, .region = p->region };
	struct s3_list_input in = {
		.bucket = p->bucket,
		.prefix = p->list_prefix,
		.start_after = p->cursor,
		.path_style = u->path_style,
	};
	int r;

	set_state(p, PS_LISTING);
	r = s3_list_objects(u->aws, &t, &in, on_listing, p);
	if (r < 0) {
		fail(p, "ListObjectsV2", r, NULL);
		return;
	}
	u->busy++;
}

/* ---- the profiles the engine knows ---- */

/* waits: whether the engine may not know every profile it manages in the place's
 * account and Region yet (at a start, before the manifests are taken and the places
 * there listed): an ARN it does not know then would be counted unattributed for good,
 * the cursor moved past it. The place then reads nothing, p->waiting saying why. */
static bool waits(struct log_place *p)
{
	char *why = engine_profiles_pending(p->u->e, p->account_id, p->region);

	if (why && !p->waiting)
		log_info("usage %s: waiting: %s", p->key, why);
	else if (!why && p->waiting)
		log_info("usage %s: the engine knows its profiles: reading", p->key);
	free(p->waiting);
	p->waiting = why;
	return why != NULL;
}

/* start_reading: the cycle's first listing, once the engine knows the profiles. */
static void start_reading(struct log_place *p)
{
	if (waits(p)) {
		rest(p, WAIT_MS);
		return;
	}
	list_next(p);
}

/* ---- Bedrock's logging configuration ---- */

static void on_put_logging(void *arg, int status, const struct aws_error *err)
{
	struct log_place *p = arg;

	p->u->busy--;
	if (status < 0) {
		fail(p, "PutModelInvocationLoggingConfiguration", status, err);
		return;
	}
	log_notice("usage %s/%s: Bedrock invocation logging now delivers to s3://%s/%s",
		   p->alias ? p->alias : "default", p->region, p->bucket, p->prefix);
	checked(p);
	start_reading(p);
}

static void on_logging(void *arg, int status, const struct aws_error *err, const struct bedrock_logging *l)
{
	struct log_place *p = arg;
	struct usage_reader *u = p->u;
	struct aws_target t = { .account = p->target, .region = p->region };
	struct bedrock_logging want;
	const char *held;
	bool right;
	int r;

	u->busy--;
	if (status < 0 || u->closing) {
		fail(p, "GetModelInvocationLoggingConfiguration", status, err);
		return;
	}
	right = l->s3_bucket && !strcmp(l->s3_bucket, p->bucket) && !strcmp(l->s3_prefix, p->prefix);
	if (right) {
		checked(p);
		start_reading(p);
		return;
	}
	held = u->logging == CFG_INVLOG_MANAGE ? engine_calls_held(u->e) : NULL;
	if (u->logging == CFG_INVLOG_OBSERVE || held) {
		set_problem(p, l->s3_bucket
				       ? xasprintf("Bedrock invocation logging delivers to s3://%s/%s, not to "
						   "s3://%s/%s: usage from here on is not seen%s%s%s",
						   l->s3_bucket, l->s3_prefix, p->bucket, p->prefix,
						   held ? " (not put back: " : "", held ? held : "", held ? ")" : "")
				       : xasprintf("Bedrock invocation logging to S3 is off: usage from here "
						   "on is not seen (%s%s)",
						   held ? "not put back: " : "invocation_logging: observe",
						   held ? held : ""));
		start_reading(p); /* what was delivered before is still read */
		return;
	}
	want = *l;
	want.s3_bucket = p->bucket;
	want.s3_prefix = p->prefix;
	r = bedrock_put_logging(u->aws, &t, &want, on_put_logging, p);
	if (r < 0) {
		fail(p, "PutModelInvocationLoggingConfiguration", r, NULL);
		return;
	}
	u->busy++;
}

static void check_logging(struct log_place *p)
{
	struct aws_target t = { .account = p->target, .region = p->region };
	int r;

	set_state(p, PS_LOGGING);
	r = bedrock_get_logging(p->u->aws, &t, on_logging, p);
	if (r < 0) {
		fail(p, "GetModelInvocationLoggingConfiguration", r, NULL);
		return;
	}
	p->u->busy++;
}

/* ---- the cycle ---- */

/* twin: whether an earlier place of usage.places is this one's account and Region
 * (the daemon's own account and an alias of the same id, say): both would read the same
 * objects under cursors of their own and count every request twice, so only the first
 * reads; this one says so as its problem. While an earlier place of the Region does not
 * know its account id yet, this one waits. */
static bool twin(struct log_place *p)
{
	struct usage_reader *u = p->u;

	for (struct log_place *q = u->places; q < p; q++) {
		if (strcmp(q->region, p->region) != 0)
			continue;
		if (!q->account_id) {
			free(p->waiting);
			p->waiting = xasprintf("the account id of usage place %s/%s is not known yet",
					       q->alias ? q->alias : "default", q->region);
			return true;
		}
		if (!strcmp(q->account_id, p->account_id)) {
			free(p->waiting);
			p->waiting = NULL;
			set_problem(p, xasprintf("the same account (%s) and Region as usage place %s/%s, which reads "
						 "them: not read",
						 p->account_id, q->alias ? q->alias : "default", q->region));
			return true;
		}
	}
	return false;
}

/* begin: the cycle, once the place's account id and cursor are known. */
static void begin(struct log_place *p)
{
	if (twin(p)) {
		rest(p, p->waiting ? WAIT_MS : p->u->poll_ms);
		return;
	}
	check_logging(p);
}

/* open_cursor: the place's cursor, named by the log location (account id, Region,
 * bucket and prefix), so that the place's account written another way (an alias
 * renamed, or given to the daemon's own account) reads on where it was. A cursor of
 * an earlier version, named by the alias ("alias/region s3://..."), is taken over.
 * p->key is set only once the cursor is read: a failure is tried again. */
static int open_cursor(struct log_place *p)
{
	struct usage_reader *u = p->u;
	const char *slash = *p->prefix && p->prefix[strlen(p->prefix) - 1] != '/' ? "/" : "";
	char *key, *old_suffix;
	int r;

	free(p->list_prefix);
	p->list_prefix = xasprintf("%s%sAWSLogs/%s/BedrockModelInvocationLogs/%s/", p->prefix, slash, p->account_id,
				   p->region);
	key = xasprintf("%s/%s s3://%s/%s", p->account_id, p->region, p->bucket, p->list_prefix);
	old_suffix = xasprintf("/%s s3://%s/%s", p->region, p->bucket, p->list_prefix);
	free(p->cursor);
	p->cursor = NULL;
	r = usage_store_cursor_take(u->store, key, old_suffix, &p->cursor);
	free(old_suffix);
	if (r < 0) {
		free(key);
		store_problem(p, xasprintf("the usage store: %s", usage_store_error(u->store)));
		return -EIO;
	}
	free(p->key);
	p->key = key;
	store_ok(p);
	return 0;
}

static void on_identity(void *arg, int status, const struct aws_error *err, const struct sts_caller_identity *id)
{
	struct log_place *p = arg;

	p->u->busy--;
	if (status < 0 || p->u->closing) {
		fail(p, "GetCallerIdentity", status, err);
		return;
	}
	p->account_id = xstrdup(id->account);
	if (open_cursor(p) < 0) {
		rest(p, RETRY_MS);
		return;
	}
	begin(p);
}

static void poll_place(struct log_place *p)
{
	struct usage_reader *u = p->u;
	struct aws_target t = { .account = p->target, .region = p->region };
	int r;

	if (u->closing || p->state != PS_IDLE)
		return;
	prune(u);
	if (p->waiting && p->key && (twin(p) || waits(p))) { /* waiting: no call until that changes */
		rest(p, p->waiting ? WAIT_MS : u->poll_ms);
		return;
	}
	if (p->account_id && p->key) {
		begin(p);
		return;
	}
	if (p->account_id) {
		if (open_cursor(p) < 0)
			rest(p, RETRY_MS);
		else
			begin(p);
		return;
	}
	set_state(p, PS_IDENTITY);
	r = sts_get_caller_identity(u->aws, &t, on_identity, p);
	if (r < 0) {
		fail(p, "GetCallerIdentity", r, NULL);
		return;
	}
	u->busy++;
}

/* ---- life ---- */

int usage_reader_new(uv_loop_t *loop, struct aws_client *aws, struct engine *e, const struct daemon_config *cfg,
		     struct usage_reader **ret, char **ret_error)
{
	struct usage_reader *u = xcalloc(1, sizeof(*u));
	char *path = xasprintf("%s/%s", cfg->state_dir, USAGE_READER_DB);
	int r = usage_store_open(path, &u->store, ret_error);

	if (r == 0) {
		/* after the store: it made the schema the queries read */
		r = usage_queries_new(loop, path, &u->queries, ret_error);
		if (r < 0)
			usage_store_close(u->store);
	}
	free(path);
	if (r < 0) {
		free(u);
		return r;
	}
	u->loop = loop;
	u->aws = aws;
	u->e = e;
	u->logging = cfg->usage.invocation_logging;
	u->metadata_key = xstrdup(cfg->usage.metadata_key);
	u->poll_ms = cfg->usage.poll_interval_ms;
	u->retention_days = cfg->usage.retention_days;
	u->path_style = cfg->usage.path_style;
	u->max_object_bytes = cfg->usage.max_object_bytes;
	u->metrics_tenants = cfg->usage.metrics_tenants;
	u->pruned_day = -1;
	u->today.day = -1;
	sum_today(u);
	hashmap_init(&u->prices);
	for (size_t i = 0; i < cfg->n_prices; i++) {
		struct usage_price *p = xcalloc(1, sizeof(*p));
		*p = (struct usage_price){ cfg->prices[i].input, cfg->prices[i].output, cfg->prices[i].cache_read,
					   cfg->prices[i].cache_write };
		free(hashmap_put(&u->prices, cfg->prices[i].model, p));
	}
	u->n_places = cfg->usage.n_places;
	u->places = xcalloc(u->n_places ? u->n_places : 1, sizeof(*u->places));
	for (size_t i = 0; i < u->n_places; i++) {
		const struct cfg_usage_place *c = &cfg->usage.places[i];
		const struct cfg_account *a = c->account ? daemon_config_account(cfg, c->account) : NULL;
		struct log_place *p = &u->places[i];
		p->u = u;
		p->alias = c->account ? xstrdup(c->account) : NULL;
		/* an alias without a role is reached with the daemon's own credentials, as
		 * the engine reaches it (cloud_aws__target_account): the AWS client knows
		 * only the aliases with a role */
		p->target = a && a->role_arn ? xstrdup(c->account) : NULL;
		p->region = xstrdup(c->region);
		p->bucket = xstrdup(c->bucket);
		p->prefix = xstrdup(c->prefix ? c->prefix : "");
		p->account_id = a && a->id ? xstrdup(a->id) : NULL;
		uv_timer_init(loop, &p->timer);
		p->timer.data = p;
		u->busy++; /* the timer, until closed */
		/* spread the first polls a little so that places do not start together */
		uv_timer_start(&p->timer, on_timer, 100 + 250 * i, 0);
	}
	*ret = u;
	return 0;
}

static void timer_closed(uv_handle_t *h)
{
	struct log_place *p = h->data;
	struct usage_reader *u = p->u;

	u->busy--;
	maybe_free(u);
}

static void queries_closed(void *data)
{
	struct usage_reader *u = data;

	u->busy--;
	maybe_free(u);
}

static void ce_closed(void *data)
{
	struct usage_reader *u = data;

	u->busy--;
	maybe_free(u);
}

void usage_reader_close_queries(struct usage_reader *u)
{
	if (!u || !u->queries)
		return;
	u->busy++;
	usage_queries_close(u->queries, queries_closed, u);
	u->queries = NULL;
}

void usage_reader_close(struct usage_reader *u, void (*done)(void *data), void *data)
{
	if (!u) {
		if (done)
			done(data);
		return;
	}
	u->closing = true;
	atomic_store(&u->stop_parsing, true); /* what it read is not counted: read again at the next start */
	u->done = done;
	u->done_data = data;
	u->busy++; /* u lives until this returns, whatever closes at once */
	usage_reader_close_queries(u);
	if (u->ce) {
		struct usage_ce *ce = u->ce;
		u->ce = NULL;
		u->busy++;
		usage_ce_close(ce, ce_closed, u);
	}
	for (size_t i = 0; i < u->n_places; i++)
		uv_close((uv_handle_t *)&u->places[i].timer, timer_closed);
	u->busy--;
	maybe_free(u);
}

struct usage_queries *usage_reader_queries(struct usage_reader *u)
{
	return u->queries;
}

void usage_reader_set_ce(struct usage_reader *u, struct usage_ce *ce)
{
	u->ce = ce;
}

const struct usage_ce *usage_reader_ce(const struct usage_reader *u)
{
	return u->ce;
}

const struct usage_today *usage_reader_today(const struct usage_reader *u)
{
	return &u->today;
}

unsigned usage_reader_metrics_tenants(const struct usage_reader *u)
{
	return u->metrics_tenants;
}

cJSON *usage_reader_status_json(const struct usage_reader *u)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < u->n_places; i++) {
		const struct log_place *p = &u->places[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "account", p->alias ? p->alias : "default");
		cJSON_AddStringToObject(o, "region", p->region);
		cJSON_AddStringToObject(o, "bucket", p->bucket);
		cJSON_AddStringToObject(o, "prefix", p->list_prefix ? p->list_prefix : p->prefix);
		cJSON_AddStringToObject(o, "state", state_names[p->state]);
		if (p->cursor)
			cJSON_AddStringToObject(o, "cursor", p->cursor);
		else
			cJSON_AddNullToObject(o, "cursor");
		cJSON_AddNumberToObject(o, "objects_read", (double)p->objects);
		cJSON_AddNumberToObject(o, "records", (double)p->records);
		cJSON_AddNumberToObject(o, "malformed", (double)p->malformed);
		cJSON_AddNumberToObject(o, "passed_over", (double)p->passed_over);
		cJSON_AddNumberToObject(o, "refused", (double)p->refused);
		if (p->problem)
			cJSON_AddStringToObject(o, "problem", p->problem);
		else
			cJSON_AddNullToObject(o, "problem");
		if (p->waiting)
			cJSON_AddStringToObject(o, "waiting", p->waiting);
		else
			cJSON_AddNullToObject(o, "waiting");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
