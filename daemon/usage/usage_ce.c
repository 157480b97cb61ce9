#include "usage_ce.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_client.h"
#include "ce.h"
#include "hashmap.h"
#include "log.h"
#include "usage.h"
#include "xalloc.h"

#define FIRST_MS     2000
#define RETRY_MAX_MS (5 * 60 * 1000)
#define DAY_S	     86400

/* One tenant's fetched days with spend, in the order Cost Explorer answered, and
 * their sum (the metrics' figure, summed once per refresh). */
struct spend {
	double total;
	size_t n, alloc;
	struct {
		int32_t day;
		double usd;
	} * d;
};

/* The result of one refresh. */
struct cache {
	struct hashmap tenants; /* tag value -> struct spend * */
	struct spend untagged;	/* spend without the tag (or of an inactive key) */
	double tenants_total;	/* every tenant's spend over the days fetched */
	int32_t since, until;	/* the days fetched */
	int64_t fetched_at;	/* wall clock; 0: never */
};

struct usage_ce {
	uv_loop_t *loop;
	struct aws_client *aws;
	struct usage_ce_settings s; /* its strings point to the copies below */
	char *target, *payer, *tag_key;
	uv_timer_t timer;
	struct cache cache;
	char *problem; /* the last refresh's failure; NULL when it went well */
	int32_t asked_since, asked_until;
	bool in_flight, closing, timer_closed;
	void (*done)(void *);
	void *done_data;
};

static void refresh(struct usage_ce *ce);

static void free_spend(void *p)
{
	struct spend *s = p;

	free(s->d);
	free(s);
}

static void cache_release(struct cache *c)
{
	hashmap_release(&c->tenants, free_spend);
	free(c->untagged.d);
	memset(c, 0, sizeof(*c));
}

static void spend_add(struct spend *s, int32_t day, double usd)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 4;
		s->d = xreallocarray(s->d, s->alloc, sizeof(*s->d));
	}
	s->d[s->n].day = day;
	s->d[s->n].usd = usd;
	s->n++;
	s->total += usd;
}

/* The sum of s over [since, until]. */
static double spend_sum(const struct spend *s, int32_t since, int32_t until)
{
	double t = 0;

	for (size_t i = 0; s && i < s->n; i++)
		if (s->d[i].day >= since && s->d[i].day <= until)
			t += s->d[i].usd;
	return t;
}

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

static void maybe_free(struct usage_ce *ce)
{
	void (*done)(void *) = ce->done;
	void *data = ce->done_data;

	if (!ce->closing || ce->in_flight || !ce->timer_closed)
		return;
	cache_release(&ce->cache);
	free(ce->problem);
	free(ce->target);
	free(ce->payer);
	free(ce->tag_key);
	free(ce);
	if (done)
		done(data);
}

static void on_timer(uv_timer_t *t)
{
	refresh(t->data);
}

static void schedule(struct usage_ce *ce, uint64_t ms)
{
	if (!ce->closing)
		uv_timer_start(&ce->timer, on_timer, ms, 0);
}

static const char *payer(const struct usage_ce *ce)
{
	return ce->s.payer ? ce->s.payer : "the default account";
}

static void set_problem(struct usage_ce *ce, char *problem)
{
	if (problem && (!ce->problem || strcmp(problem, ce->problem) != 0))
		log_warning("usage: Cost Explorer: %s (the last figures stay)", problem);
	else if (!problem && ce->problem)
		log_notice("usage: Cost Explorer answers again in %s", payer(ce));
	free(ce->problem);
	ce->problem = problem;
}

static void on_cost(void *arg, int status, const struct ce_cost_groups *l, const struct aws_error *err)
{
	struct usage_ce *ce = arg;
	uint64_t retry = ce->s.refresh_ms < RETRY_MAX_MS ? ce->s.refresh_ms : RETRY_MAX_MS;
	struct cache next = { 0 };
	size_t skipped = 0;

	ce->in_flight = false;
	if (ce->closing) {
		maybe_free(ce);
		return;
	}
	if (status < 0) {
		set_problem(ce, xasprintf("GetCostAndUsage in %s: %s%s%s", payer(ce),
					  status == -E2BIG ? "more than 2,000,000 (tenant, day) figures: fewer "
							     "usage.cost_explorer.days"
					  : err && err->code && *err->code ? err->code
									   : strerror(-status),
					  err && err->message && *err->message ? ": " : "",
					  err && err->message ? err->message : ""));
		schedule(ce, retry);
		return;
	}
	hashmap_init(&next.tenants);
	for (size_t i = 0; i < l->n; i++) {
		const struct ce_cost_group *g = &l->items[i];
		struct spend *s;
		int32_t day;
		if (usage_day(g->day, 10, &day) < 0 || !isfinite(g->amount)) {
			skipped++;
			continue;
		}
		if (!*g->value) {
			spend_add(&next.untagged, day, g->amount);
			continue;
		}
		if (!(s = hashmap_get(&next.tenants, g->value))) {
			s = xcalloc(1, sizeof(*s));
			hashmap_put(&next.tenants, g->value, s);
		}
		spend_add(s, day, g->amount);
		next.tenants_total += g->amount;
	}
	if (skipped)
		log_warning("usage: Cost Explorer: %zu groups without a valid day or amount skipped", skipped);
	next.since = ce->asked_since;
	next.until = ce->asked_until;
	next.fetched_at = wall_now();
	log_info("usage: Cost Explorer in %s: %zu tenant tag values, %zu figures over %u days", payer(ce),
		 next.tenants.n, l->n, ce->s.days);
	cache_release(&ce->cache);
	ce->cache = next;
	set_problem(ce, NULL);
	schedule(ce, ce->s.refresh_ms);
}

static void refresh(struct usage_ce *ce)
{
	struct aws_target t = { .account = ce->s.target, .region = "us-east-1" };
	int32_t today = (int32_t)(wall_now() / DAY_S);
	char start[11], end[11];
	int r;

	if (ce->closing || ce->in_flight)
		return;
	ce->asked_since = today - (int32_t)ce->s.days + 1;
	ce->asked_until = today;
	usage_day_format(ce->asked_since, start);
	usage_day_format(today + 1, end); /* End is exclusive */
	r = ce_get_cost_by_tag(ce->aws, &t, start, end, ce->s.tag_key, on_cost, ce);
	if (r < 0) {
		set_problem(ce, xasprintf("GetCostAndUsage in %s: %s", payer(ce), strerror(-r)));
		schedule(ce, ce->s.refresh_ms < RETRY_MAX_MS ? ce->s.refresh_ms : RETRY_MAX_MS);
		return;
	}
	ce->in_flight = true;
}

void usage_ce_new(uv_loop_t *loop, struct aws_client *aws, const struct usage_ce_settings *s, struct usage_ce **ret)
{
	struct usage_ce *ce = xcalloc(1, sizeof(*ce));

	ce->loop = loop;
	ce->aws = aws;
	ce->s = *s;
	ce->s.target = ce->target = xstrdup_or_null(s->target);
	ce->s.payer = ce->payer = xstrdup_or_null(s->payer);
	ce->s.tag_key = ce->tag_key = xstrdup(s->tag_key);
	hashmap_init(&ce->cache.tenants);
	uv_timer_init(loop, &ce->timer);
	ce->timer.data = ce;
	schedule(ce, FIRST_MS);
	*ret = ce;
}

static void timer_closed(uv_handle_t *h)
{
	struct usage_ce *ce = h->data;

	ce->timer_closed = true;
	maybe_free(ce);
}

void usage_ce_close(struct usage_ce *ce, void (*done)(void *data), void *data)
{
	if (!ce) {
		if (done)
			done(data);
		return;
	}
	ce->closing = true;
	ce->done = done;
	ce->done_data = data;
	uv_close((uv_handle_t *)&ce->timer, timer_closed);
}

/* ---- answers ---- */

bool usage_ce_usd(const struct usage_ce *ce, const char *tenant, int32_t since, int32_t until, double *ret_usd,
		  bool *ret_partial)
{
	if (!ce->cache.fetched_at)
		return false;
	*ret_usd = spend_sum(hashmap_get(&ce->cache.tenants, tenant), since, until);
	*ret_partial = since < ce->cache.since || until > ce->cache.until;
	return true;
}

bool usage_ce_fetched(const struct usage_ce *ce, struct usage_ce_fetched *ret)
{
	if (!ce->cache.fetched_at)
		return false;
	*ret = (struct usage_ce_fetched){ ce->cache.fetched_at, ce->cache.since, ce->cache.until,
					  ce->cache.tenants_total, ce->cache.untagged.total };
	return true;
}

double usage_ce_fetched_usd(const struct usage_ce *ce, const char *tenant)
{
	const struct spend *s = hashmap_get(&ce->cache.tenants, tenant);

	return s ? s->total : 0;
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *usd_json(double v)
{
	return cJSON_CreateNumber(usage_usd_rounded(v));
}

static cJSON *day_or_null(const struct usage_ce *ce, int32_t day)
{
	char d[11];

	if (!ce->cache.fetched_at)
		return cJSON_CreateNull();
	usage_day_format(day, d);
	return cJSON_CreateString(d);
}

static cJSON *time_or_null(int64_t at)
{
	struct tm tm;
	time_t t = (time_t)at;
	char buf[32];

	if (!at || !gmtime_r(&t, &tm))
		return cJSON_CreateNull();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return cJSON_CreateString(buf);
}

/* Why the figure may say less than the bill, or NULL. Owned by the caller. */
static char *note(const struct usage_ce *ce, const char *status, int32_t since, int32_t until)
{
	char a[11], b[11];

	if (!ce->cache.fetched_at)
		return xasprintf("not fetched yet (the first refresh runs a few seconds after start)");
	if (status && strcmp(status, "Active") != 0)
		return xasprintf("the tag key %s is %s as a cost-allocation tag in %s: Cost Explorer counts its spend "
				 "as untagged, so this figure is 0 until it is Active (cost_allocation_tags: manage "
				 "activates it)",
				 ce->s.tag_key, status, payer(ce));
	if (since < ce->cache.since || until > ce->cache.until) {
		usage_day_format(ce->cache.since, a);
		usage_day_format(ce->cache.until, b);
		return xasprintf("covers only %s .. %s, the days fetched (usage.cost_explorer.days)", a, b);
	}
	return NULL;
}

static cJSON *common_json(const struct usage_ce *ce, int32_t since, int32_t until)
{
	const char *status = ce->s.tag_status ? ce->s.tag_status(ce->s.data, ce->s.tag_key) : NULL;
	cJSON *o = cJSON_CreateObject();
	char *why = note(ce, status, since, until);

	cJSON_AddStringToObject(o, "tag", ce->s.tag_key);
	cJSON_AddItemToObject(o, "tag_status", str_or_null(status));
	cJSON_AddItemToObject(o, "payer_account", str_or_null(ce->s.payer));
	cJSON_AddItemToObject(o, "fetched_at", time_or_null(ce->cache.fetched_at));
	cJSON_AddItemToObject(o, "fetched_since", day_or_null(ce, ce->cache.since));
	cJSON_AddItemToObject(o, "fetched_until", day_or_null(ce, ce->cache.until));
	cJSON_AddItemToObject(o, "note", str_or_null(why));
	cJSON_AddItemToObject(o, "problem", str_or_null(ce->problem));
	free(why);
	return o;
}

cJSON *usage_ce_tenant_json(const struct usage_ce *ce, const char *tenant, int32_t since, int32_t until)
{
	cJSON *o = common_json(ce, since, until);
	bool partial;
	double usd;

	if (usage_ce_usd(ce, tenant, since, until, &usd, &partial))
		cJSON_AddItemToObject(o, "usd", usd_json(usd));
	else
		cJSON_AddNullToObject(o, "usd");
	return o;
}

cJSON *usage_ce_status_json(const struct usage_ce *ce)
{
	return common_json(ce, ce->cache.since, ce->cache.until);
}

cJSON *usage_ce_summary_json(const struct usage_ce *ce, int32_t since, int32_t until)
{
	cJSON *o = common_json(ce, since, until);
	size_t pos = 0;
	void *v;
	double t = 0;

	if (!ce->cache.fetched_at) {
		cJSON_AddNullToObject(o, "tenants_usd");
		cJSON_AddNullToObject(o, "untagged_usd");
		return o;
	}
	while (hashmap_next(&ce->cache.tenants, &pos, NULL, &v))
		t += spend_sum(v, since, until);
	cJSON_AddItemToObject(o, "tenants_usd", usd_json(t));
	cJSON_AddItemToObject(o, "untagged_usd", usd_json(spend_sum(&ce->cache.untagged, since, until)));
	return o;
}
