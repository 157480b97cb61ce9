/* AWS Cost Explorer (awsJson1.1, AWSInsightsIndexService): ListCostAllocationTags,
 * UpdateCostAllocationTagsStatus and GetCostAndUsage (DAILY or MONTHLY, grouped by
 * TAG or the SERVICE dimension, filtered by an Expression). Costs are those of
 * awsim's own invocations (usage.c), so they agree with Budgets' actual spend and
 * the invocation logs. A tag key becomes known when an invocation goes through a
 * profile carrying it, starts Inactive, and groups or filters spend only once
 * Active, as in AWS. */
#include "usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

static const struct strspec key_spec = { true, 1, 1024, PAT_NONE };

static int op_list_tags(struct call *c)
{
	static const char *const statuses[] = { "Active", "Inactive", NULL };
	static const char *const types[] = { "AWSGenerated", "UserDefined", NULL };
	static const struct strspec token_spec = { false, 1, 8192, PAT_NONE };
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	const char *status, *type, *token;
	const cJSON *keys;
	long long max = 1000;
	bool present;
	struct strbuf last;
	const struct omap_node *n;
	cJSON *out, *list;
	size_t count = 0;

	if (in_enum(c, c->json, "Status", false, statuses, &status) < 0 ||
	    in_enum(c, c->json, "Type", false, types, &type) < 0 ||
	    in_array(c, c->json, "TagKeys", false, 1, 100, &keys) < 0 ||
	    in_str(c, c->json, "NextToken", &token_spec, &token) < 0 ||
	    in_int(c, c->json, "MaxResults", 1, 1000, &max, &present) < 0)
		return -1;
	strbuf_init(&last, 4096);
	if (token && page_token_decode(c, token, "costtags", &last) < 0) {
		strbuf_release(&last);
		return -1;
	}
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "CostAllocationTags");
	for (n = omap_next(&ua->tag_status, token ? last.buf : NULL); n; n = omap_next(&ua->tag_status, n->key)) {
		const cJSON *k;
		bool wanted = !keys;
		cJSON *t;
		cJSON_ArrayForEach(k, keys) wanted = wanted || (cJSON_IsString(k) && !strcmp(k->valuestring, n->key));
		if (!wanted || (status && strcmp(status, n->value) != 0) || (type && strcmp(type, "UserDefined") != 0))
			continue;
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode("costtags", last.buf, &tok);
			cJSON_AddStringToObject(out, "NextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "TagKey", n->key);
		cJSON_AddStringToObject(t, "Type", "UserDefined");
		cJSON_AddStringToObject(t, "Status", n->value);
		cJSON_AddItemToArray(list, t);
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
	strbuf_release(&last);
	return call_json(c, out);
}

static int op_update_tags(struct call *c)
{
	static const char *const statuses[] = { "Active", "Inactive", NULL };
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	const cJSON *list, *e;
	cJSON *out, *errors;

	if (in_array(c, c->json, "CostAllocationTagsStatus", true, 1, 20, &list) < 0)
		return -1;
	cJSON_ArrayForEach(e, list)
	{
		const char *key, *status;
		if (in_str(c, e, "TagKey", &key_spec, &key) < 0 || in_enum(c, e, "Status", true, statuses, &status) < 0)
			return -1;
	}
	out = cJSON_CreateObject();
	errors = cJSON_AddArrayToObject(out, "Errors");
	cJSON_ArrayForEach(e, list)
	{
		const char *key = cJSON_GetObjectItemCaseSensitive(e, "TagKey")->valuestring;
		const char *status = cJSON_GetObjectItemCaseSensitive(e, "Status")->valuestring;
		if (!omap_get(&ua->tag_status, key)) {
			cJSON *err = cJSON_CreateObject();
			cJSON_AddStringToObject(err, "TagKey", key);
			cJSON_AddStringToObject(err, "Code", "TagKeysNotFoundException");
			cJSON_AddStringToObject(err, "Message",
						"The tag key was not found in the cost allocation tags.");
			cJSON_AddItemToArray(errors, err);
			continue;
		}
		free(omap_put(&ua->tag_status, key, xstrdup(status)));
	}
	return call_json(c, out);
}

/* ---- GetCostAndUsage ---- */

static bool valid_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%d", &tm);

	return end && !*end && strlen(s) == 10;
}

/* The day after (DAILY) or the first of the next month (MONTHLY) of day. */
static void period_end(const char *day, bool monthly, char out[11])
{
	struct tm tm = { 0 };
	time_t t;

	strptime(day, "%Y-%m-%d", &tm);
	if (monthly) {
		tm.tm_mday = 1;
		tm.tm_mon++;
	} else {
		tm.tm_mday++;
	}
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

struct group_def {
	const char *type, *key;
};

/* The group key of u for one definition: "key$value" for tags, as AWS answers. */
static char *group_key(const struct usage_acct *ua, const struct usage_day *u, const struct group_def *g)
{
	const char *status, *v;

	if (strcmp(g->type, "DIMENSION") == 0)
		return xstrdup("Amazon Bedrock");
	status = omap_get(&ua->tag_status, usage_plain_key(g->key));
	v = status && !strcmp(status, "Active") ? tagset_get(&u->tags, usage_plain_key(g->key)) : NULL;
	return xasprintf("%s$%s", usage_plain_key(g->key), v ? v : "");
}

static void add_metrics(cJSON *obj, const cJSON *metrics, double cost, uint64_t quantity)
{
	const cJSON *m;
	char num[64];

	cJSON_ArrayForEach(m, metrics)
	{
		cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, m->valuestring);
		bool usage = strcmp(m->valuestring, "UsageQuantity") == 0;
		double have = 0;
		if (!v) {
			v = cJSON_AddObjectToObject(obj, m->valuestring);
			cJSON_AddStringToObject(v, "Amount", "0");
			cJSON_AddStringToObject(v, "Unit", usage ? "N/A" : "USD");
		}
		have = strtod(cJSON_GetObjectItemCaseSensitive(v, "Amount")->valuestring, NULL);
		snprintf(num, sizeof(num), "%.10g", have + (usage ? (double)quantity : cost));
		cJSON_ReplaceItemInObjectCaseSensitive(v, "Amount", cJSON_CreateString(num));
	}
}

static cJSON *group_for(cJSON *groups, const char *k0, const char *k1)
{
	cJSON *g, *keys;

	cJSON_ArrayForEach(g, groups)
	{
		keys = cJSON_GetObjectItemCaseSensitive(g, "Keys");
		if (!strcmp(cJSON_GetArrayItem(keys, 0)->valuestring, k0) &&
		    (!k1 || !strcmp(cJSON_GetArrayItem(keys, 1)->valuestring, k1)))
			return g;
	}
	g = cJSON_CreateObject();
	keys = cJSON_AddArrayToObject(g, "Keys");
	cJSON_AddItemToArray(keys, cJSON_CreateString(k0));
	if (k1)
		cJSON_AddItemToArray(keys, cJSON_CreateString(k1));
	cJSON_AddObjectToObject(g, "Metrics");
	cJSON_AddItemToArray(groups, g);
	return g;
}

static int check_metrics(struct call *c, const cJSON *metrics)
{
	static const char *const known[] = { "AmortizedCost",	     "BlendedCost",   "NetAmortizedCost",
					     "NetUnblendedCost",     "UnblendedCost", "UsageQuantity",
					     "NormalizedUsageAmount" };
	const cJSON *m;

	cJSON_ArrayForEach(m, metrics)
	{
		bool ok = false;
		for (size_t i = 0; cJSON_IsString(m) && i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || !strcmp(known[i], m->valuestring);
		if (!ok)
			return call_error(c, 400, "ValidationException", "Metrics must be among %s and the like.",
					  "UnblendedCost");
	}
	return 0;
}

static int read_groups(struct call *c, const cJSON *group_by, struct group_def *g, size_t *n)
{
	static const char *const types[] = { "DIMENSION", "TAG", "COST_CATEGORY", NULL };
	const cJSON *e;

	*n = 0;
	cJSON_ArrayForEach(e, group_by)
	{
		if (in_enum(c, e, "Type", true, types, &g[*n].type) < 0 ||
		    in_str(c, e, "Key", &key_spec, &g[*n].key) < 0)
			return -1;
		if (!strcmp(g[*n].type, "COST_CATEGORY") ||
		    (!strcmp(g[*n].type, "DIMENSION") && strcmp(g[*n].key, "SERVICE") != 0))
			return call_error(c, 400, "ValidationException",
					  "awsim groups by TAG and the SERVICE dimension only, not %s.", g[*n].key);
		(*n)++;
	}
	return 0;
}

static int op_cost_and_usage(struct call *c)
{
	static const char *const grans[] = { "DAILY", "MONTHLY", "HOURLY", NULL };
	static const struct strspec date_spec = { true, 10, 10, PAT_NONE };
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	const cJSON *tp, *metrics, *group_by, *filter = NULL;
	const char *gran, *start, *end;
	struct group_def g[2];
	size_t n_groups = 0;
	char from[11], to[11];
	cJSON *out, *results, *defs;

	if (in_object(c, c->json, "TimePeriod", true, &tp) < 0 || in_str(c, tp, "Start", &date_spec, &start) < 0 ||
	    in_str(c, tp, "End", &date_spec, &end) < 0 || in_enum(c, c->json, "Granularity", true, grans, &gran) < 0 ||
	    in_array(c, c->json, "Metrics", true, 1, 10, &metrics) < 0 || check_metrics(c, metrics) < 0 ||
	    in_array(c, c->json, "GroupBy", false, 0, 2, &group_by) < 0 ||
	    in_object(c, c->json, "Filter", false, &filter) < 0 || read_groups(c, group_by, g, &n_groups) < 0)
		return -1;
	if (!valid_date(start) || !valid_date(end) || strcmp(start, end) >= 0)
		return call_error(c, 400, "ValidationException", "Start date must be before end date.");
	if (!strcmp(gran, "HOURLY"))
		return call_error(c, 400, "ValidationException", "awsim answers DAILY and MONTHLY granularity only.");
	out = cJSON_CreateObject();
	defs = cJSON_AddArrayToObject(out, "GroupDefinitions");
	for (size_t i = 0; i < n_groups; i++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "Type", g[i].type);
		cJSON_AddStringToObject(d, "Key", g[i].key);
		cJSON_AddItemToArray(defs, d);
	}
	results = cJSON_AddArrayToObject(out, "ResultsByTime");
	snprintf(from, sizeof(from), "%s", start);
	for (int periods = 0; strcmp(from, end) < 0 && periods < 400; periods++) {
		cJSON *r = cJSON_CreateObject(), *p = cJSON_AddObjectToObject(r, "TimePeriod"), *total, *groups;
		const struct omap_node *node;
		period_end(from, !strcmp(gran, "MONTHLY"), to);
		if (strcmp(to, end) > 0)
			snprintf(to, sizeof(to), "%s", end);
		cJSON_AddStringToObject(p, "Start", from);
		cJSON_AddStringToObject(p, "End", to);
		total = cJSON_AddObjectToObject(r, "Total");
		groups = cJSON_AddArrayToObject(r, "Groups");
		for (node = omap_next(&ua->days, from); node && strncmp(node->key, to, 10) < 0;
		     node = omap_next(&ua->days, node->key)) {
			const struct usage_day *u = node->value;
			if (filter && !usage_expression_matches(ua, u, filter, 0))
				continue;
			if (n_groups) {
				char *k0 = group_key(ua, u, &g[0]), *k1 = n_groups > 1 ? group_key(ua, u, &g[1]) : NULL;
				add_metrics(cJSON_GetObjectItemCaseSensitive(group_for(groups, k0, k1), "Metrics"),
					    metrics, u->cost, u->input + u->output);
				free(k0);
				free(k1);
			} else {
				add_metrics(total, metrics, u->cost, u->input + u->output);
			}
		}
		if (!n_groups && !cJSON_GetArraySize(total))
			add_metrics(total, metrics, 0, 0);
		cJSON_AddBoolToObject(r, "Estimated", true);
		cJSON_AddItemToArray(results, r);
		snprintf(from, sizeof(from), "%s", to);
	}
	cJSON_AddArrayToObject(out, "DimensionValueAttributes");
	return call_json(c, out);
}

const struct op ce_ops[] = {
	{ "ListCostAllocationTags", op_list_tags, false, NULL, NULL, 0, false },
	{ "UpdateCostAllocationTagsStatus", op_update_tags, true, NULL, NULL, 0, false },
	{ "GetCostAndUsage", op_cost_and_usage, false, NULL, NULL, 0, false },
};
const size_t ce_n_ops = sizeof(ce_ops) / sizeof(ce_ops[0]);
