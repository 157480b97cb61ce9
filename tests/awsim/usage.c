/* The usage world of awsim (usage.h): its lifetime, the price table, and what one
 * invocation counts: tokens and cost per (day, region, invoked resource), the tag
 * keys it makes known to Cost Explorer, its invocation-log record and the Budgets
 * actions it may trigger. Budgets' actual spend, Cost Explorer and the logs all
 * read the same counts, so they agree. */
#include "usage.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

static void usage_day_free(void *v);

static void usage_acct_free(void *v)
{
	struct usage_acct *ua = v;

	if (!ua)
		return;
	free(ua->id);
	omap_clear(&ua->policies, managed_policy_free);
	omap_clear(&ua->tag_status, free);
	omap_clear(&ua->days, usage_day_free);
	omap_clear(&ua->logging, (void (*)(void *))cJSON_Delete);
	omap_clear(&ua->actions, budget_action_free);
	free(ua);
}

static void usage_day_free(void *v)
{
	struct usage_day *u = v;

	if (!u)
		return;
	free(u->region);
	free(u->resource);
	free(u->model);
	tagset_release(&u->tags);
	free(u);
}

int usage_parse_prices(const char *text, struct price **ret, size_t *n)
{
	struct price *v = NULL;
	size_t count = 0, alloc = 0;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, ";");
		char *item = xstrndup(p, len), *eq = strchr(item, '='), *end1, *end2;
		double in = 0, out = 0;
		if (eq) {
			in = strtod(eq + 1, &end1);
			out = *end1 == ',' ? strtod(end1 + 1, &end2) : -1;
		}
		if (!eq || eq == item || *end1 != ',' || *end2 || in < 0 || out < 0 || !isfinite(in) ||
		    !isfinite(out) || count == 1000) {
			free(item);
			for (size_t i = 0; i < count; i++)
				free(v[i].model);
			free(v);
			return -EINVAL;
		}
		*eq = '\0';
		XGROW(v, count + 1, alloc);
		v[count++] = (struct price){ item, in, out };
		p += len;
		if (*p)
			p++;
	}
	*ret = v;
	*n = count;
	return 0;
}

struct usage_world *usage_world(struct awsim *sim)
{
	struct usage_world *w = sim->usage;

	if (w)
		return w;
	w = sim->usage = xcalloc(1, sizeof(*w));
	omap_init(&w->accounts);
	omap_init(&w->buckets);
	omap_init(&w->batches);
	if (sim->cfg.prices && usage_parse_prices(sim->cfg.prices, &w->prices, &w->n_prices) < 0)
		w->n_prices = 0; /* main.c checked the text already */
	return w;
}

struct usage_acct *usage_acct(struct awsim *sim, const char *account)
{
	struct usage_world *w = usage_world(sim);
	struct usage_acct *ua = omap_get(&w->accounts, account);

	if (ua)
		return ua;
	ua = xcalloc(1, sizeof(*ua));
	ua->id = xstrdup(account);
	omap_init(&ua->policies);
	omap_init(&ua->tag_status);
	omap_init(&ua->days);
	omap_init(&ua->logging);
	omap_init(&ua->actions);
	omap_put(&w->accounts, account, ua);
	return ua;
}

static void world_clear(struct usage_world *w)
{
	omap_clear(&w->accounts, usage_acct_free);
	omap_clear(&w->buckets, bucket_free);
	omap_clear(&w->batches, log_batch_free);
	w->s3_bytes = w->s3_objects = 0;
}

void usage_reset(struct awsim *sim)
{
	if (sim->usage)
		world_clear(sim->usage);
}

void usage_free(struct awsim *sim)
{
	struct usage_world *w = sim->usage;

	if (!w)
		return;
	world_clear(w);
	for (size_t i = 0; i < w->n_prices; i++)
		free(w->prices[i].model);
	free(w->prices);
	free(w);
	sim->usage = NULL;
}

double usage_price(struct awsim *sim, const char *model, uint64_t input, uint64_t output)
{
	struct usage_world *w = usage_world(sim);
	double in = USAGE_DEFAULT_INPUT, out = USAGE_DEFAULT_OUTPUT;
	bool exact = false;

	for (size_t i = 0; i < w->n_prices && !exact; i++) {
		exact = strcmp(w->prices[i].model, model) == 0;
		if (exact || strcmp(w->prices[i].model, "*") == 0)
			in = w->prices[i].input, out = w->prices[i].output;
	}
	return (double)input / 1000.0 * in + (double)output / 1000.0 * out;
}

static void day_of(int64_t ms, char out[11])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void usage_record(struct awsim *sim, const struct invocation *inv)
{
	struct usage_acct *ua = usage_acct(sim, inv->account);
	struct usage_day *u;
	char day[11], *key;

	day_of(inv->when_ms, day);
	key = xasprintf("%s\t%s\t%s", day, inv->region, inv->model_id);
	u = omap_get(&ua->days, key);
	if (!u && ua->days.n < USAGE_MAX_DAYS) {
		u = xcalloc(1, sizeof(*u));
		memcpy(u->day, day, sizeof(u->day));
		u->region = xstrdup(inv->region);
		u->resource = xstrdup(inv->model_id);
		u->model = xstrdup(inv->model);
		for (size_t i = 0; inv->tags && i < inv->tags->n; i++)
			tagset_set(&u->tags, inv->tags->v[i].key, inv->tags->v[i].value);
		omap_put(&ua->days, key, u);
	}
	free(key);
	if (u) {
		u->requests++;
		u->input += inv->input;
		u->output += inv->output;
		u->cost += usage_price(sim, inv->model, inv->input, inv->output);
	}
	for (size_t i = 0; inv->tags && i < inv->tags->n; i++)
		if (!omap_get(&ua->tag_status, inv->tags->v[i].key) && ua->tag_status.n < 10000)
			omap_put(&ua->tag_status, inv->tags->v[i].key, xstrdup("Inactive"));
	invlog_queue(sim, ua, inv);
	budget_actions_run(sim, inv->account);
}

/* ---- budgets' view ---- */

const char *usage_plain_key(const char *key)
{
	return strncmp(key, "user:", 5) == 0 ? key + 5 : key;
}

static bool tag_active(const struct usage_acct *ua, const char *key)
{
	const char *s = omap_get(&ua->tag_status, usage_plain_key(key));

	return s && strcmp(s, "Active") == 0;
}

static bool in_list(const cJSON *list, const char *s)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, list) if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0) return true;
	return false;
}

/* A Budgets/Cost Explorer Expression; dimensions and cost categories match all. */
bool usage_expression_matches(const struct usage_acct *ua, const struct usage_day *u, const cJSON *e, int depth)
{
	const cJSON *part, *tags;

	if (!cJSON_IsObject(e) || depth > 8)
		return false;
	if ((part = cJSON_GetObjectItemCaseSensitive(e, "And"))) {
		cJSON_ArrayForEach(e, part) if (!usage_expression_matches(ua, u, e, depth + 1)) return false;
		return true;
	}
	if ((part = cJSON_GetObjectItemCaseSensitive(e, "Or"))) {
		cJSON_ArrayForEach(e, part) if (usage_expression_matches(ua, u, e, depth + 1)) return true;
		return false;
	}
	if ((part = cJSON_GetObjectItemCaseSensitive(e, "Not")))
		return !usage_expression_matches(ua, u, part, depth + 1);
	tags = cJSON_GetObjectItemCaseSensitive(e, "Tags");
	if (tags) {
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(tags, "Key");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(tags, "Values");
		const cJSON *match = cJSON_GetObjectItemCaseSensitive(tags, "MatchOptions");
		const char *have;
		if (!cJSON_IsString(key) || !tag_active(ua, key->valuestring))
			return false; /* an inactive cost-allocation tag sees nothing */
		have = tagset_get(&u->tags, usage_plain_key(key->valuestring));
		if (in_list(match, "ABSENT"))
			return !have;
		return have && (!cJSON_GetArraySize(values) || in_list(values, have));
	}
	return true;
}

bool usage_matches_budget(const struct usage_acct *ua, const struct usage_day *u, const cJSON *doc)
{
	const cJSON *expr = cJSON_GetObjectItemCaseSensitive(doc, "FilterExpression");
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(doc, "CostFilters");
	const cJSON *tkv = cJSON_GetObjectItemCaseSensitive(filters, "TagKeyValue"), *e;
	bool any = false;

	if (expr && !usage_expression_matches(ua, u, expr, 0))
		return false;
	if (!cJSON_GetArraySize(tkv))
		return true;
	cJSON_ArrayForEach(e, tkv)
	{
		const char *dollar = cJSON_IsString(e) ? strchr(e->valuestring, '$') : NULL;
		char *key;
		const char *have;
		if (!dollar)
			continue;
		key = xstrndup(e->valuestring, (size_t)(dollar - e->valuestring));
		have = tag_active(ua, key) ? tagset_get(&u->tags, usage_plain_key(key)) : NULL;
		any = any || (have && strcmp(have, dollar + 1) == 0);
		free(key);
	}
	return any;
}

/* The first day of the budget's current period, "YYYY-MM-DD". */
static void period_start(const cJSON *doc, char out[11])
{
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(doc, "TimeUnit");
	const char *u = cJSON_IsString(unit) ? unit->valuestring : "MONTHLY";
	time_t t = (time_t)(ids_now_ms() / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strcmp(u, "DAILY") != 0)
		tm.tm_mday = 1;
	if (strcmp(u, "QUARTERLY") == 0)
		tm.tm_mon -= tm.tm_mon % 3;
	else if (strcmp(u, "ANNUALLY") == 0)
		tm.tm_mon = 0;
	strftime(out, 11, "%Y-%m-%d", &tm);
}

double usage_budget_actual(struct awsim *sim, const struct account *acct, const struct budget *b)
{
	struct usage_acct *ua = usage_acct(sim, acct->id);
	const struct omap_node *n;
	char start[11];
	double sum = 0;

	const cJSON *offset = cJSON_GetObjectItemCaseSensitive(b->doc, USAGE_OFFSET_FIELD);
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(b->doc, USAGE_OFFSET_PERIOD_FIELD);

	period_start(b->doc, start);
	for (n = omap_next(&ua->days, start); n; n = omap_next(&ua->days, n->key)) {
		const struct usage_day *u = n->value;
		if (usage_matches_budget(ua, u, b->doc))
			sum += u->cost;
	}
	/* a new period started by the admin API: what was counted before it is not spend
	 * of this period (until the calendar's period moves on) */
	if (cJSON_IsNumber(offset) && cJSON_IsString(since) && strcmp(since->valuestring, start) == 0)
		sum = sum > offset->valuedouble ? sum - offset->valuedouble : 0;
	return sum;
}

void usage_budget_new_period(struct awsim *sim, const struct account *acct, struct budget *b)
{
	double counted = usage_budget_actual(sim, acct, b);
	const cJSON *offset = cJSON_GetObjectItemCaseSensitive(b->doc, USAGE_OFFSET_FIELD);
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(b->doc, USAGE_OFFSET_PERIOD_FIELD);
	char start[11];

	period_start(b->doc, start);
	if (cJSON_IsNumber(offset) && cJSON_IsString(since) && strcmp(since->valuestring, start) == 0)
		counted += offset->valuedouble;
	cJSON_DeleteItemFromObjectCaseSensitive(b->doc, USAGE_OFFSET_FIELD);
	cJSON_DeleteItemFromObjectCaseSensitive(b->doc, USAGE_OFFSET_PERIOD_FIELD);
	cJSON_AddNumberToObject(b->doc, USAGE_OFFSET_FIELD, counted);
	cJSON_AddStringToObject(b->doc, USAGE_OFFSET_PERIOD_FIELD, start);
}

void usage_add_actual(struct awsim *sim, const struct account *acct, const struct budget *b, cJSON *out)
{
	cJSON *cs = cJSON_GetObjectItemCaseSensitive(out, "CalculatedSpend");
	cJSON *actual = cJSON_GetObjectItemCaseSensitive(cs, "ActualSpend");
	cJSON *amount = cJSON_GetObjectItemCaseSensitive(actual, "Amount");
	double sum = usage_budget_actual(sim, acct, b);
	char text[64];

	if (!cJSON_IsString(amount) || sum == 0)
		return;
	snprintf(text, sizeof(text), "%.10g", strtod(amount->valuestring, NULL) + sum);
	cJSON_ReplaceItemInObjectCaseSensitive(actual, "Amount", cJSON_CreateString(text));
}
