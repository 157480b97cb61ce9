#include "budget_spec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "diff.h"
#include "digest.h"
#include "intern.h"
#include "strbuf.h"
#include "xalloc.h"

const char *budget_time_unit(enum budget_period p)
{
	switch (p) {
	case BUDGET_QUARTERLY:
		return "QUARTERLY";
	case BUDGET_ANNUALLY:
		return "ANNUALLY";
	case BUDGET_MONTHLY:
		break;
	}
	return "MONTHLY";
}

char *budget_filter_expression(const char *tenant)
{
	cJSON *o = cJSON_CreateObject(), *tags = cJSON_AddObjectToObject(o, "Tags");
	const char *values[1] = { tenant }, *match[1] = { "EQUALS" };
	char *text;

	cJSON_AddStringToObject(tags, "Key", TAG_TENANT);
	cJSON_AddItemToObject(tags, "Values", cJSON_CreateStringArray(values, 1));
	cJSON_AddItemToObject(tags, "MatchOptions", cJSON_CreateStringArray(match, 1));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* s is an array of exactly one string; that string. */
static const char *only_string(const cJSON *s)
{
	return cJSON_IsArray(s) && cJSON_GetArraySize(s) == 1 && cJSON_IsString(s->child) ? s->child->valuestring
											  : NULL;
}

const char *budget_filter_tenant(const char *json)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "Tags");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(tags, "Key");
	const char *tenant = only_string(cJSON_GetObjectItemCaseSensitive(tags, "Values"));
	const char *match = only_string(cJSON_GetObjectItemCaseSensitive(tags, "MatchOptions"));
	const char *ret = NULL;

	/* the value budget_filter_expression makes and nothing else (cJSON_Compare's
	 * equality: the same members, in any order) */
	if (cJSON_IsObject(o) && cJSON_GetArraySize(o) == 1 && cJSON_IsObject(tags) && cJSON_GetArraySize(tags) == 3 &&
	    cJSON_IsString(key) && !strcmp(key->valuestring, TAG_TENANT) && tenant && match && !strcmp(match, "EQUALS"))
		ret = intern(tenant);
	cJSON_Delete(o);
	return ret;
}

size_t budget_filter_tag_keys(const struct tenant *t, const char **ret, size_t max)
{
	if (!t->budget || max == 0)
		return 0;
	ret[0] = TAG_TENANT; /* budget_filter_expression's only key */
	return 1;
}

static bool same_number(const char *a, const char *b)
{
	return a && b && fabs(strtod(a, NULL) - strtod(b, NULL)) < 1e-6;
}

static bool same_text(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* b filters on tenant's cost-allocation tag: as budget_filter_expression spells it
 * (a listed budget's own filter is kept as its tenant's id: observed.h) */
static bool same_filter(const char *tenant, const struct observed_budget *b)
{
	const char *have;
	bool same;

	if (b->filter_is_tenant)
		return strcmp(b->filter_tenant, tenant) == 0;
	have = budget_filter_tenant(b->filter_expression);
	same = have && strcmp(have, tenant) == 0;
	intern_unref(have);
	return same;
}

bool budget_matches(const struct tenant *t, const struct observed_budget *b)
{
	if (!t->budget)
		return false;
	return same_number(t->budget->limit_usd, observed_budget_limit_amount(b)) &&
	       same_text(BUDGET_UNIT, b->limit_unit) && same_text(budget_time_unit(t->budget->period), b->time_unit) &&
	       same_text(BUDGET_TYPE, b->budget_type) && same_text(BUDGET_METRIC, b->metric) && !b->cost_filters &&
	       same_filter(t->id, b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void budget_alert_specs(const struct budget *b, struct observed_alert **ret, size_t *ret_n)
{
	struct observed_alert *v = b->n_alerts ? xcalloc(b->n_alerts, sizeof(*v)) : NULL;

	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct alert *a = &b->alerts[i];
		struct observed_alert *s = &v[i];
		size_t n = 0;
		s->type = xstrdup(a->type == ALERT_FORECASTED ? "FORECASTED" : "ACTUAL");
		s->comparison = xstrdup("GREATER_THAN");
		s->threshold = a->threshold_percent;
		s->threshold_type = xstrdup("PERCENTAGE");
		s->subscribers = xcalloc(a->n_emails + 2, sizeof(char *));
		for (size_t k = 0; k < a->n_emails; k++)
			s->subscribers[n++] = xasprintf("EMAIL:%s", a->emails[k]);
		if (a->sns_topic)
			s->subscribers[n++] = xasprintf("SNS:%s", a->sns_topic);
		qsort(s->subscribers, n, sizeof(char *), cmp_str);
		s->n_subscribers = n;
	}
	*ret = v;
	*ret_n = b->n_alerts;
}

void budget_alert_specs_free(struct observed_alert *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		observed_alert_release(&v[i]);
	free(v);
}

bool alert_same_notification(const struct observed_alert *a, const struct observed_alert *b)
{
	return same_text(a->type, b->type) && same_text(a->comparison, b->comparison) &&
	       fabs(a->threshold - b->threshold) < 1e-9 &&
	       same_text(a->threshold_type ? a->threshold_type : "PERCENTAGE",
			 b->threshold_type ? b->threshold_type : "PERCENTAGE");
}

bool alert_same_subscribers(const struct observed_alert *a, const struct observed_alert *b)
{
	if (a->n_subscribers != b->n_subscribers)
		return false;
	for (size_t i = 0; i < a->n_subscribers; i++)
		if (strcmp(a->subscribers[i], b->subscribers[i]) != 0)
			return false;
	return true;
}

char *budget_alerts_hash(const struct budget *b)
{
	struct observed_alert *v;
	size_t n;
	struct strbuf text;
	char *out;

	strbuf_init(&text, STRBUF_NO_CAP);
	budget_alert_specs(b, &v, &n);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&text, "%s|%s|%.6f|%s", v[i].type, v[i].comparison, v[i].threshold, v[i].threshold_type);
		for (size_t k = 0; k < v[i].n_subscribers; k++)
			strbuf_addf(&text, "|%s", v[i].subscribers[k]);
		strbuf_addch(&text, '\n');
	}
	budget_alert_specs_free(v, n);
	out = digest_hex(text.buf, text.len, DIGEST_HEX_SHORT);
	strbuf_release(&text);
	return out;
}

char *budget_arn(const char *partition, const char *account_id, const char *name)
{
	return xasprintf("arn:%s:budgets::%s:budget/%s", partition, account_id ? account_id : "", name);
}

char *budget_arn_in(const char *name, const char *region, const char *account_id)
{
	return budget_arn(region_partition(region), account_id, name);
}
