#include "usage_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "observed.h"
#include "usage_ce.h"
#include "xalloc.h"

#define DAY_S 86400

static int parse_when(const char *s, int32_t today, int32_t *ret)
{
	size_t n = strlen(s);
	char *end = NULL;

	if (n >= 2 && s[n - 1] == 'd') {
		unsigned long days = strtoul(s, &end, 10);
		if (end != s + n - 1 || s[0] < '0' || s[0] > '9' || days < 1 || days > USAGE_MAX_DAYS)
			return -EINVAL;
		*ret = today - (int32_t)days + 1;
		return 0;
	}
	if (n != 10 || usage_day(s, n, ret) < 0)
		return -EINVAL;
	return 0;
}

int usage_range_parse(const char *since, const char *until, int64_t now, int32_t *ret_since, int32_t *ret_until,
		      const char **ret_error)
{
	int32_t today = (int32_t)(now / DAY_S), a = today - 6, b = today;

	if (since && parse_when(since, today, &a) < 0) {
		*ret_error = "since= is neither Nd (1 to 3660 days, today included) nor YYYY-MM-DD";
		return -EINVAL;
	}
	if (until && parse_when(until, today, &b) < 0) {
		*ret_error = "until= is neither Nd nor YYYY-MM-DD";
		return -EINVAL;
	}
	if (a > b) {
		*ret_error = "since= is after until=";
		return -EINVAL;
	}
	if (b - a >= USAGE_MAX_DAYS) {
		*ret_error = "at most 3660 days at once";
		return -EINVAL;
	}
	*ret_since = a;
	*ret_until = b;
	return 0;
}

static void add_counts(cJSON *o, const struct usage_counts *c)
{
	cJSON_AddNumberToObject(o, "requests", (double)c->requests);
	cJSON_AddNumberToObject(o, "input_tokens", (double)c->input);
	cJSON_AddNumberToObject(o, "output_tokens", (double)c->output);
	cJSON_AddNumberToObject(o, "cache_read_tokens", (double)c->cache_read);
	cJSON_AddNumberToObject(o, "cache_write_tokens", (double)c->cache_write);
	cJSON_AddNumberToObject(o, "estimated_cost_usd", usage_usd_rounded(c->cost));
}

static void add_range(cJSON *o, int32_t since, int32_t until)
{
	char d[11];

	usage_day_format(since, d);
	cJSON_AddStringToObject(o, "since", d);
	usage_day_format(until, d);
	cJSON_AddStringToObject(o, "until", d);
}

/* The bill beside the estimate: the tenant's budget as last read from AWS. */
static cJSON *budget_json(const struct engine *e, const struct tenant_entry *t)
{
	const struct observed_store *s = engine_observed(e, t);
	const struct tenant *d = t->desired;
	const struct observed_budget *b;
	const char *actual, *forecasted;
	cJSON *o;

	if (!d || !d->budget_name || !s || !(b = observed_store_budget(s, d->budget_name)))
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", b->name);
	cJSON_AddItemToObject(o, "limit_usd",
			      observed_budget_limit_amount(b) ? cJSON_CreateString(observed_budget_limit_amount(b))
							      : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "time_unit", b->time_unit ? cJSON_CreateString(b->time_unit) : cJSON_CreateNull());
	actual = observed_budget_actual_spend(b);
	forecasted = observed_budget_forecasted_spend(b);
	cJSON_AddItemToObject(o, "actual_spend_usd", actual ? cJSON_CreateString(actual) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "forecasted_spend_usd",
			      forecasted ? cJSON_CreateString(forecasted) : cJSON_CreateNull());
	return o;
}

/* Cost Explorer's figure for the tenant's tag, or null (off, or not fetched yet). */
static cJSON *ce_usd(struct usage_reader *u, const char *tenant, int32_t since, int32_t until)
{
	bool partial;
	double usd;

	if (!usage_reader_ce(u) || !usage_ce_usd(usage_reader_ce(u), tenant, since, until, &usd, &partial))
		return cJSON_CreateNull();
	return cJSON_CreateNumber(usage_usd_rounded(usd));
}

/* A usage request under way: what its answer is built from, and whom to give it. */
struct answer {
	struct usage_reader *u;
	const struct engine *e;
	usage_json_fn done;
	void *data;
};

static void tenant_json(struct answer *a, const struct usage_query *q)
{
	const struct tenant_entry *t = engine_tenant(a->e, q->tenant); /* NULL: removed since asked */
	struct usage_counts total = { 0 };
	cJSON *o, *arr;
	char d[11];

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "tenant", q->tenant);
	add_range(o, q->since, q->until);
	for (size_t i = 0; i < q->by_day.n; i++)
		usage_counts_add(&total, &q->by_day.items[i].c);
	add_counts(cJSON_AddObjectToObject(o, "total"), &total);
	arr = cJSON_AddArrayToObject(o, "by_profile");
	for (size_t i = 0; i < q->by_profile.n; i++) {
		const struct usage_sum *p = &q->by_profile.items[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "profile", *p->profile ? cJSON_CreateString(p->profile) : cJSON_CreateNull());
		cJSON_AddStringToObject(j, "model", p->model);
		add_counts(j, &p->c);
		cJSON_AddItemToArray(arr, j);
	}
	arr = cJSON_AddArrayToObject(o, "by_day");
	for (size_t i = 0; i < q->by_day.n; i++) {
		cJSON *j = cJSON_CreateObject();
		usage_day_format(q->by_day.items[i].day, d);
		cJSON_AddStringToObject(j, "day", d);
		add_counts(j, &q->by_day.items[i].c);
		cJSON_AddItemToArray(arr, j);
	}
	cJSON_AddItemToObject(o, "budget", t ? budget_json(a->e, t) : cJSON_CreateNull());
	if (usage_reader_ce(a->u))
		cJSON_AddItemToObject(o, "cost_explorer",
				      usage_ce_tenant_json(usage_reader_ce(a->u), q->tenant, q->since, q->until));
	else
		cJSON_AddNullToObject(o, "cost_explorer");
	a->done(a->data, 200, o, NULL);
}

static void ranking_json(struct answer *a, const struct usage_query *q)
{
	cJSON *o, *arr;

	o = cJSON_CreateObject();
	add_range(o, q->since, q->until);
	add_counts(cJSON_AddObjectToObject(o, "total"), &q->total);
	add_counts(cJSON_AddObjectToObject(o, "unattributed"), &q->unattributed);
	cJSON_AddNumberToObject(o, "tenants_with_usage", (double)q->n_tenants);
	cJSON_AddNumberToObject(o, "limit", (double)q->limit);
	arr = cJSON_AddArrayToObject(o, "tenants");
	for (size_t i = 0; i < q->top.n; i++) {
		const struct usage_sum *s = &q->top.items[i];
		const struct tenant_entry *t = engine_tenant(a->e, s->tenant);
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "tenant", s->tenant);
		add_counts(j, &s->c);
		cJSON_AddItemToObject(j, "budget", t ? budget_json(a->e, t) : cJSON_CreateNull());
		cJSON_AddItemToObject(j, "cost_explorer_usd", ce_usd(a->u, s->tenant, q->since, q->until));
		cJSON_AddItemToArray(arr, j);
	}
	if (usage_reader_ce(a->u))
		cJSON_AddItemToObject(o, "cost_explorer",
				      usage_ce_summary_json(usage_reader_ce(a->u), q->since, q->until));
	else
		cJSON_AddNullToObject(o, "cost_explorer");
	cJSON_AddItemToObject(o, "places", usage_reader_status_json(a->u));
	a->done(a->data, 200, o, NULL);
}

/* The query is over (usage_query.h): the answer is built here, on the loop, where the
 * engine's data may be read. */
static void answered(struct usage_query *q)
{
	struct answer *a = q->data;

	if (q->r < 0)
		a->done(a->data, 503, NULL, q->error);
	else if (q->kind == USAGE_QUERY_TENANT)
		tenant_json(a, q);
	else
		ranking_json(a, q);
	free(a);
	usage_query_free(q);
}

static int submit(struct usage_reader *u, const struct engine *e, struct usage_query *q, usage_json_fn done, void *data)
{
	struct answer *a = xcalloc(1, sizeof(*a));
	int r;

	*a = (struct answer){ u, e, done, data };
	q->done = answered;
	q->data = a;
	r = usage_queries_submit(usage_reader_queries(u), q);
	if (r < 0) {
		free(a);
		usage_query_free(q);
	}
	return r;
}

int usage_json_tenant(struct usage_reader *u, const struct engine *e, const char *tenant, int32_t since, int32_t until,
		      usage_json_fn done, void *data)
{
	struct usage_query *q = usage_query_new(USAGE_QUERY_TENANT, since, until);

	q->tenant = xstrdup(tenant);
	return submit(u, e, q, done, data);
}

int usage_json_ranking(struct usage_reader *u, const struct engine *e, int32_t since, int32_t until, size_t limit,
		       usage_json_fn done, void *data)
{
	struct usage_query *q = usage_query_new(USAGE_QUERY_RANKING, since, until);

	q->limit = limit;
	return submit(u, e, q, done, data);
}

static void series(struct strbuf *out, const char *name, const char *labels, const struct usage_counts *c)
{
	strbuf_addf(out, "%s_requests%s %llu\n", name, labels, (unsigned long long)c->requests);
	strbuf_addf(out, "%s_input_tokens%s %llu\n", name, labels, (unsigned long long)c->input);
	strbuf_addf(out, "%s_output_tokens%s %llu\n", name, labels, (unsigned long long)c->output);
	strbuf_addf(out, "%s_cache_read_tokens%s %llu\n", name, labels, (unsigned long long)c->cache_read);
	strbuf_addf(out, "%s_cache_write_tokens%s %llu\n", name, labels, (unsigned long long)c->cache_write);
	strbuf_addf(out, "%s_estimated_cost_usd%s %.6f\n", name, labels, c->cost);
}

/* Cost Explorer's figures as the last refresh summed them: every tenant's tag and the
 * untagged spend over the days fetched, and for each tenant of the per-tenant series
 * its own (a lookup each). Nothing before the first refresh (unknown is not 0). */
static void ce_metrics(const struct usage_ce *ce, const struct usage_sums *top, size_t n_top, struct strbuf *out)
{
	struct usage_ce_fetched f;

	if (!ce || !usage_ce_fetched(ce, &f))
		return;
	strbuf_adds(out, "# HELP bedrock_tenantd_usage_cost_explorer_usd Cost Explorer's UnblendedCost of every "
			 "tenant's tag over the days fetched, as of the last refresh.\n"
			 "# TYPE bedrock_tenantd_usage_cost_explorer_usd gauge\n");
	strbuf_addf(out, "bedrock_tenantd_usage_cost_explorer_usd %.6f\n", f.tenants_usd);
	strbuf_adds(out, "# HELP bedrock_tenantd_usage_cost_explorer_untagged_usd Cost Explorer's UnblendedCost "
			 "without the tenant tag (or of an inactive tag key) over the days fetched.\n"
			 "# TYPE bedrock_tenantd_usage_cost_explorer_untagged_usd gauge\n");
	strbuf_addf(out, "bedrock_tenantd_usage_cost_explorer_untagged_usd %.6f\n", f.untagged_usd);
	strbuf_adds(out, "# HELP bedrock_tenantd_usage_cost_explorer_days The UTC days the last refresh fetched, "
			 "today included.\n"
			 "# TYPE bedrock_tenantd_usage_cost_explorer_days gauge\n");
	strbuf_addf(out, "bedrock_tenantd_usage_cost_explorer_days %ld\n", (long)(f.until - f.since + 1));
	strbuf_adds(out, "# HELP bedrock_tenantd_usage_cost_explorer_fetched_timestamp_seconds When the last "
			 "refresh was fetched.\n"
			 "# TYPE bedrock_tenantd_usage_cost_explorer_fetched_timestamp_seconds gauge\n");
	strbuf_addf(out, "bedrock_tenantd_usage_cost_explorer_fetched_timestamp_seconds %lld\n", (long long)f.at);
	if (!n_top)
		return;
	strbuf_adds(out, "# HELP bedrock_tenantd_usage_tenant_cost_explorer_usd Cost Explorer's UnblendedCost of the "
			 "tenant's tag over the days fetched, for the tenants of the per-tenant series.\n"
			 "# TYPE bedrock_tenantd_usage_tenant_cost_explorer_usd gauge\n");
	for (size_t i = 0; i < n_top; i++)
		strbuf_addf(out, "bedrock_tenantd_usage_tenant_cost_explorer_usd{tenant=\"%s\"} %.6f\n",
			    top->items[i].tenant, usage_ce_fetched_usd(ce, top->items[i].tenant));
}

void usage_metrics(struct usage_reader *u, int64_t now, struct strbuf *out)
{
	const struct usage_today *t = usage_reader_today(u);
	/* a new day with nothing ingested yet has nothing counted */
	bool same_day = t->day == (int32_t)(now / DAY_S);
	const struct usage_counts zero = { 0 }, *total = same_day ? &t->total : &zero,
				  *unattributed = same_day ? &t->unattributed : &zero;
	size_t n_tenants = same_day ? t->n_tenants : 0, n_top = same_day ? t->top.n : 0;

	if (t->day < 0) {
		ce_metrics(usage_reader_ce(u), NULL, 0, out);
		return;
	}
	strbuf_adds(out, "# HELP bedrock_tenantd_usage_today Usage counted from invocation logs today (UTC), "
			 "all tenants and unattributed.\n");
	series(out, "bedrock_tenantd_usage_today", "", total);
	series(out, "bedrock_tenantd_usage_unattributed_today", "", unattributed);
	strbuf_addf(out, "bedrock_tenantd_usage_tenants_today %zu\n", n_tenants);
	for (size_t i = 0; i < n_top; i++) {
		/* tenant ids are [a-z0-9-]: nothing to escape in a label value */
		char *labels = xasprintf("{tenant=\"%s\"}", t->top.items[i].tenant);
		series(out, "bedrock_tenantd_usage_tenant_today", labels, &t->top.items[i].c);
		free(labels);
	}
	ce_metrics(usage_reader_ce(u), &t->top, n_top, out);
}
