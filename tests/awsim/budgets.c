/* AWS Budgets (awsJson1.1): budgets and their tags. A budget is stored as the
 * Budget shape DescribeBudget answers, checked field by field on the way in.
 * Notifications and subscribers are in budgets_notify.c. Wire facts: aws-wire.md
 * section 3. */
#include "awsim.h"
#include "usage.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "xalloc.h"

#define DEFAULT_END	 3706473600.0 /* 2087-06-15T00:00:00Z, AWS's open end */
#define EXPRESSION_DEPTH 8
#define DESCRIBE_DEFAULT 100

static const char *const budget_types[] = {
	"USAGE", "COST", "RI_UTILIZATION", "RI_COVERAGE", "SAVINGS_PLANS_UTILIZATION", "SAVINGS_PLANS_COVERAGE", NULL
};
static const char *const time_units[] = { "DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY", "CUSTOM", NULL };
static const char *const metrics[] = { "BlendedCost",
				       "UnblendedCost",
				       "AmortizedCost",
				       "NetUnblendedCost",
				       "NetAmortizedCost",
				       "UsageQuantity",
				       "NormalizedUsageAmount",
				       "Hours",
				       NULL };
static const char *const match_options[] = { "EQUALS",	       "ABSENT",	   "STARTS_WITH",
					     "ENDS_WITH",      "CONTAINS",	   "GREATER_THAN_OR_EQUAL",
					     "CASE_SENSITIVE", "CASE_INSENSITIVE", NULL };

static int __attribute__((format(printf, 2, 3))) invalid(struct call *c, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return call_error(c, 400, "InvalidParameterException", "%s", message);
}

static bool in_set(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

int budgets_account(struct call *c)
{
	static const struct strspec spec = { true, 12, 12, PAT_BUDGET_ACCOUNT };
	const char *id;

	if (in_str(c, c->json, "AccountId", &spec, &id) < 0)
		return -1;
	if (strcmp(id, c->acct->id) != 0)
		return call_error(c, 400, "AccessDeniedException",
				  "Account %s is not authorized to manage the budgets of account %s.", c->acct->id, id);
	return 0;
}

int budgets_find(struct call *c, const char *name, struct budget **ret)
{
	*ret = omap_get(&c->acct->budgets, name);
	if (!*ret)
		return call_error(c, 400, "NotFoundException",
				  "Unable to get budget: %.100s - the budget doesn't exist.", name);
	return 0;
}

static int check_name(struct call *c, const cJSON *obj, const char *field, const char **ret)
{
	static const struct strspec spec = { true, 1, 100, PAT_NONE };
	const char *s;

	if (in_str(c, obj, field, &spec, ret) < 0)
		return -1;
	s = *ret;
	if (strpbrk(s, ":\\") || strstr(s, "/action/") || strcasestr(s, "<script>"))
		return call_invalid(c, field, s,
				    "Member must satisfy regular expression pattern: "
				    "^(?![^:\\\\]*/action/|(?i).*<script>.*</script>.*)[^:\\\\]+$");
	return 0;
}

static int check_spend(struct call *c, const cJSON *spend, const char *field)
{
	static const struct strspec amount = { true, 1, 0, PAT_BUDGET_NUMERIC };
	static const struct strspec unit = { true, 1, 0, PAT_NONE };
	const char *a, *u;

	(void)field;
	if (!cJSON_IsObject(spend))
		return call_error(c, 400, "SerializationException", "Spend must be a structure.");
	if (in_str(c, spend, "Amount", &amount, &a) < 0 || in_str(c, spend, "Unit", &unit, &u) < 0)
		return -1;
	return 0;
}

static int check_strings(struct call *c, const cJSON *arr, const char *field, bool nonempty)
{
	const cJSON *v;

	if (!cJSON_IsArray(arr) || (nonempty && !cJSON_GetArraySize(arr)))
		return invalid(c, "%s must be a non-empty list of strings.", field);
	cJSON_ArrayForEach(v, arr) if (!cJSON_IsString(v)) return invalid(c, "%s must be a list of strings.", field);
	return 0;
}

static int check_match_options(struct call *c, const cJSON *node)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(node, "MatchOptions"), *o;

	if (!opts)
		return 0;
	if (!cJSON_IsArray(opts))
		return invalid(c, "%s must be a list.", "MatchOptions");
	cJSON_ArrayForEach(o, opts) if (!cJSON_IsString(o) || !in_set(o->valuestring, match_options)) return invalid(
		c, "%s holds an unknown match option.", "MatchOptions");
	return 0;
}

/* An Expression: exactly one of Or, And, Not, Dimensions, Tags, CostCategories. */
static int check_expression(struct call *c, const cJSON *e, int depth)
{
	const cJSON *m, *sub;
	int members = 0;

	if (!cJSON_IsObject(e))
		return call_error(c, 400, "SerializationException", "An Expression must be a structure.");
	if (depth > EXPRESSION_DEPTH)
		return invalid(c, "%s is nested too deeply.", "FilterExpression");
	cJSON_ArrayForEach(m, e)
	{
		members++;
		if (!strcmp(m->string, "Or") || !strcmp(m->string, "And")) {
			if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) < 2)
				return invalid(c, "%s needs a list of at least two expressions.", m->string);
			cJSON_ArrayForEach(sub, m) if (check_expression(c, sub, depth + 1) < 0) return -1;
		} else if (!strcmp(m->string, "Not")) {
			if (check_expression(c, m, depth + 1) < 0)
				return -1;
		} else if (!strcmp(m->string, "Dimensions") || !strcmp(m->string, "Tags") ||
			   !strcmp(m->string, "CostCategories")) {
			const cJSON *key = cJSON_GetObjectItemCaseSensitive(m, "Key");
			const cJSON *values = cJSON_GetObjectItemCaseSensitive(m, "Values");
			if (!cJSON_IsObject(m) || !cJSON_IsString(key))
				return invalid(c, "%s needs a Key.", m->string);
			if (values && check_strings(c, values, "Values", true) < 0)
				return -1;
			if (!strcmp(m->string, "Dimensions") && !values)
				return invalid(c, "%s needs Values.", m->string);
			if (check_match_options(c, m) < 0)
				return -1;
		} else {
			return invalid(c, "Unknown Expression member %s.", m->string);
		}
	}
	if (members != 1)
		return invalid(c, "%s must have exactly one member.", "An Expression");
	return 0;
}

static double period_start(const char *unit)
{
	time_t now = (time_t)(ids_now_ms() / 1000);
	struct tm tm;

	gmtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (!strcmp(unit, "MONTHLY") || !strcmp(unit, "QUARTERLY") || !strcmp(unit, "ANNUALLY"))
		tm.tm_mday = 1;
	if (!strcmp(unit, "QUARTERLY"))
		tm.tm_mon -= tm.tm_mon % 3;
	if (!strcmp(unit, "ANNUALLY"))
		tm.tm_mon = 0;
	return (double)timegm(&tm);
}

static double number_or(const cJSON *obj, const char *name, double dflt)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static cJSON *spend_json(const char *amount, const char *unit)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "Amount", amount);
	cJSON_AddStringToObject(s, "Unit", unit);
	return s;
}

static int check_time_period(struct call *c, const cJSON *tp, const char *unit, cJSON *out, const cJSON *old)
{
	const cJSON *start = tp ? cJSON_GetObjectItemCaseSensitive(tp, "Start") : NULL;
	const cJSON *end = tp ? cJSON_GetObjectItemCaseSensitive(tp, "End") : NULL;
	const cJSON *old_tp = old ? cJSON_GetObjectItemCaseSensitive(old, "TimePeriod") : NULL;
	double s, e;
	cJSON *o;

	if (tp && !cJSON_IsObject(tp))
		return call_error(c, 400, "SerializationException", "TimePeriod must be a structure.");
	if ((start && !cJSON_IsNumber(start)) || (end && !cJSON_IsNumber(end)))
		return call_error(c, 400, "SerializationException", "TimePeriod times must be epoch seconds.");
	if (!strcmp(unit, "CUSTOM") && (!start || !end))
		return invalid(c, "%s budgets need a TimePeriod with Start and End.", unit);
	s = start ? start->valuedouble : number_or(old_tp, "Start", period_start(unit));
	e = end ? end->valuedouble : number_or(old_tp, "End", DEFAULT_END);
	if (e <= s)
		return invalid(c, "%s: the end must come after the start.", "TimePeriod");
	o = cJSON_AddObjectToObject(out, "TimePeriod");
	cJSON_AddNumberToObject(o, "Start", s);
	cJSON_AddNumberToObject(o, "End", e);
	return 0;
}

/* Check a Budget shape; *ret is the stored form (old: the budget it replaces). */
static int check_budget(struct call *c, const cJSON *in, const char *field, const cJSON *old, cJSON **ret)
{
	static const char *const adjust_types[] = { "HISTORICAL", "FORECAST", NULL };
	const char *name, *type, *unit, *adjust_type;
	const cJSON *limit, *planned, *filters, *types, *expr, *mets, *tp, *adjust, *view, *m;
	const cJSON *old_spend = old ? cJSON_GetObjectItemCaseSensitive(old, "CalculatedSpend") : NULL;
	cJSON *out, *hs;
	const char *spend_unit = "USD";

	*ret = NULL;
	if (!in)
		return call_invalid(c, field, NULL, "Member must not be null");
	if (check_name(c, in, "BudgetName", &name) < 0 || in_enum(c, in, "BudgetType", true, budget_types, &type) < 0 ||
	    in_enum(c, in, "TimeUnit", true, time_units, &unit) < 0 ||
	    in_object(c, in, "BudgetLimit", false, &limit) < 0 ||
	    in_object(c, in, "PlannedBudgetLimits", false, &planned) < 0 ||
	    in_object(c, in, "CostFilters", false, &filters) < 0 || in_object(c, in, "CostTypes", false, &types) < 0 ||
	    in_object(c, in, "FilterExpression", false, &expr) < 0 ||
	    in_array(c, in, "Metrics", false, 0, 1, &mets) < 0 || in_object(c, in, "TimePeriod", false, &tp) < 0 ||
	    in_object(c, in, "AutoAdjustData", false, &adjust) < 0)
		return -1;
	if (limit && check_spend(c, limit, "BudgetLimit") < 0)
		return -1;
	if (limit && planned)
		return invalid(c, "%s: BudgetLimit and PlannedBudgetLimits cannot be used together.", name);
	if (!limit && !planned && !adjust && (!strcmp(type, "COST") || !strcmp(type, "USAGE")))
		return invalid(c, "%s: a COST or USAGE budget needs a BudgetLimit.", name);
	if (planned) {
		cJSON_ArrayForEach(m, planned) if (check_spend(c, m, "PlannedBudgetLimits") < 0) return -1;
	}
	if (filters) {
		cJSON_ArrayForEach(m, filters) if (check_strings(c, m, "CostFilters", false) < 0) return -1;
	}
	if (types) {
		cJSON_ArrayForEach(m, types) if (!cJSON_IsBool(m)) return invalid(c, "%s members must be booleans.",
										  "CostTypes");
	}
	if ((expr || mets) && (filters || types))
		return invalid(c, "%s: FilterExpression and Metrics cannot be combined with CostFilters and CostTypes.",
			       name);
	if (expr && check_expression(c, expr, 0) < 0)
		return -1;
	if (mets) {
		cJSON_ArrayForEach(m, mets) if (!cJSON_IsString(m) || !in_set(m->valuestring, metrics)) return invalid(
			c, "%s holds an unknown metric.", "Metrics");
	}
	if (adjust && in_enum(c, adjust, "AutoAdjustType", true, adjust_types, &adjust_type) < 0)
		return -1;
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "BudgetName", name);
	if (limit) {
		cJSON_AddItemToObject(out, "BudgetLimit", cJSON_Duplicate(limit, 1));
		spend_unit = cJSON_GetObjectItemCaseSensitive(limit, "Unit")->valuestring;
	}
	if (planned)
		cJSON_AddItemToObject(out, "PlannedBudgetLimits", cJSON_Duplicate(planned, 1));
	if (filters)
		cJSON_AddItemToObject(out, "CostFilters", cJSON_Duplicate(filters, 1));
	if (types)
		cJSON_AddItemToObject(out, "CostTypes", cJSON_Duplicate(types, 1));
	cJSON_AddStringToObject(out, "TimeUnit", unit);
	if (check_time_period(c, tp, unit, out, old) < 0) {
		cJSON_Delete(out);
		return -1;
	}
	if (old_spend) {
		cJSON_AddItemToObject(out, "CalculatedSpend", cJSON_Duplicate(old_spend, 1));
	} else {
		cJSON *cs = cJSON_AddObjectToObject(out, "CalculatedSpend");
		cJSON_AddItemToObject(cs, "ActualSpend", spend_json("0", spend_unit));
		cJSON_AddItemToObject(cs, "ForecastedSpend", spend_json("0", spend_unit));
	}
	cJSON_AddStringToObject(out, "BudgetType", type);
	cJSON_AddNumberToObject(out, "LastUpdatedTime", (double)(ids_now_ms() / 1000));
	if (adjust)
		cJSON_AddItemToObject(out, "AutoAdjustData", cJSON_Duplicate(adjust, 1));
	if (expr)
		cJSON_AddItemToObject(out, "FilterExpression", cJSON_Duplicate(expr, 1));
	if (mets)
		cJSON_AddItemToObject(out, "Metrics", cJSON_Duplicate(mets, 1));
	view = cJSON_GetObjectItemCaseSensitive(in, "BillingViewArn");
	if (cJSON_IsString(view))
		cJSON_AddStringToObject(out, "BillingViewArn", view->valuestring);
	hs = cJSON_AddObjectToObject(out, "HealthStatus");
	cJSON_AddStringToObject(hs, "Status", "HEALTHY");
	*ret = out;
	return 0;
}

/* The Budget as answered: FilterExpression only when asked for. */
static cJSON *budget_out(struct call *c, const struct budget *b, bool show_filter)
{
	cJSON *o = cJSON_Duplicate(b->doc, 1);

	usage_add_actual(c->sim, c->acct, b, o);
	cJSON_DeleteItemFromObjectCaseSensitive(o, USAGE_OFFSET_FIELD);
	cJSON_DeleteItemFromObjectCaseSensitive(o, USAGE_OFFSET_PERIOD_FIELD);
	if (!show_filter)
		cJSON_DeleteItemFromObjectCaseSensitive(o, "FilterExpression");
	return o;
}

/* Resource tags of CreateBudget and TagResource. */
static int read_resource_tags(struct call *c, const cJSON *list, const struct budget *b, const char *arn)
{
	static const struct strspec kspec = { true, 1, 128, PAT_NONE }, vspec = { true, 0, 256, PAT_NONE };
	const char **keys = xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(char *));
	const cJSON *t;
	size_t n = 0;
	int r = -1;

	cJSON_ArrayForEach(t, list)
	{
		const char *v;
		if (in_str(c, t, "Key", &kspec, &keys[n]) < 0 || in_str(c, t, "Value", &vspec, &v) < 0)
			goto out;
		n++;
	}
	r = tags_check_new(c, &b->tags, keys, n, arn, 400, "ServiceQuotaExceededException");
out:
	free(keys);
	return r;
}

static void apply_resource_tags(struct budget *b, const cJSON *list)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, list)
	{
		tagset_set(&b->tags, cJSON_GetObjectItemCaseSensitive(t, "Key")->valuestring,
			   cJSON_GetObjectItemCaseSensitive(t, "Value")->valuestring);
	}
}

static int op_create(struct call *c)
{
	const cJSON *in, *notes, *tags, *n;
	cJSON *doc = NULL;
	struct budget *b;
	const char *name;

	if (budgets_account(c) < 0 || in_object(c, c->json, "Budget", true, &in) < 0 ||
	    in_array(c, c->json, "NotificationsWithSubscribers", false, 0, AWSIM_MAX_NOTIFICATIONS, &notes) < 0 ||
	    in_array(c, c->json, "ResourceTags", false, 0, 200, &tags) < 0 ||
	    check_budget(c, in, "Budget", NULL, &doc) < 0)
		return -1;
	name = cJSON_GetObjectItemCaseSensitive(doc, "BudgetName")->valuestring;
	b = xcalloc(1, sizeof(*b));
	b->name = xstrdup(name);
	budget_set_arn(b, c->acct->id);
	b->doc = doc;
	cJSON_ArrayForEach(n, notes)
	{
		const cJSON *note, *subs;
		if (in_object(c, n, "Notification", true, &note) < 0 ||
		    in_array(c, n, "Subscribers", true, 1, 11, &subs) < 0 ||
		    budgets_check_notification(c, note, "Notification") < 0 ||
		    budgets_check_subscribers(c, subs, "Subscribers") < 0 ||
		    budgets_add_notification(c, b, note, subs) < 0)
			goto fail;
	}
	if (tags && read_resource_tags(c, tags, b, b->arn) < 0)
		goto fail;
	if (omap_get(&c->acct->budgets, name)) {
		call_error(c, 400, "DuplicateRecordException",
			   "Error creating budget: %.100s - the budget already exists.", name);
		goto fail;
	}
	if (c->acct->budgets.n >= call_quota(c, Q_BUDGETS)) {
		call_error(c, 400, "CreationLimitExceededException", "You have reached the limit of %zu budgets.",
			   call_quota(c, Q_BUDGETS));
		goto fail;
	}
	if (tags)
		apply_resource_tags(b, tags);
	omap_put(&c->acct->budgets, name, b);
	return call_json(c, cJSON_CreateObject());
fail:
	budget_free(b);
	return -1;
}

static int op_describe(struct call *c)
{
	const char *name;
	struct budget *b;
	bool show;
	cJSON *out;

	if (budgets_account(c) < 0 || check_name(c, c->json, "BudgetName", &name) < 0 ||
	    in_bool(c, c->json, "ShowFilterExpression", &show) < 0 || budgets_find(c, name, &b) < 0)
		return -1;
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Budget", budget_out(c, b, show));
	return call_json(c, out);
}

static int op_describe_all(struct call *c)
{
	static const struct strspec tspec = { false, 0, 0, PAT_NONE };
	long long max = DESCRIBE_DEFAULT;
	bool present, show;
	const char *token;
	struct strbuf last;
	const struct omap_node *n;
	cJSON *out, *list;
	size_t count = 0;

	if (budgets_account(c) < 0 || in_int(c, c->json, "MaxResults", 1, 1000, &max, &present) < 0 ||
	    in_bool(c, c->json, "ShowFilterExpression", &show) < 0 ||
	    in_str(c, c->json, "NextToken", &tspec, &token) < 0)
		return -1;
	if (!present)
		max = DESCRIBE_DEFAULT;
	strbuf_init(&last, 4096);
	if (token && page_token_decode(c, token, "budgets", &last) < 0) {
		strbuf_release(&last);
		return -1;
	}
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "Budgets");
	for (n = omap_next(&c->acct->budgets, token ? last.buf : NULL); n; n = omap_next(&c->acct->budgets, n->key)) {
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode("budgets", last.buf, &tok);
			cJSON_AddStringToObject(out, "NextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		cJSON_AddItemToArray(list, budget_out(c, n->value, show));
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
	strbuf_release(&last);
	return call_json(c, out);
}

static int op_update(struct call *c)
{
	const cJSON *in, *name;
	struct budget *b;
	cJSON *doc;

	if (budgets_account(c) < 0 || in_object(c, c->json, "NewBudget", true, &in) < 0)
		return -1;
	name = cJSON_GetObjectItemCaseSensitive(in, "BudgetName");
	if (cJSON_IsString(name) && !omap_get(&c->acct->budgets, name->valuestring))
		return budgets_find(c, name->valuestring, &b);
	b = cJSON_IsString(name) ? omap_get(&c->acct->budgets, name->valuestring) : NULL;
	if (check_budget(c, in, "NewBudget", b ? b->doc : NULL, &doc) < 0)
		return -1;
	cJSON_Delete(b->doc);
	b->doc = doc;
	return call_json(c, cJSON_CreateObject());
}

static int op_delete(struct call *c)
{
	const char *name;
	struct budget *b;

	if (budgets_account(c) < 0 || check_name(c, c->json, "BudgetName", &name) < 0 || budgets_find(c, name, &b) < 0)
		return -1;
	budget_actions_drop(c->sim, c->acct->id, name);
	budget_free(omap_del(&c->acct->budgets, name));
	return call_json(c, cJSON_CreateObject());
}

/* ---- tags ---- */

static int tag_target(struct call *c, const char **arn, struct budget **ret)
{
	static const struct strspec spec = { true, 1, 1011, PAT_NONE };
	struct arn a;

	if (in_str(c, c->json, "ResourceARN", &spec, arn) < 0)
		return -1;
	if (arn_split(*arn, &a) < 0 || strcmp(a.service, "budgets") != 0 || strcmp(a.type, "budget") != 0)
		return invalid(c, "The ARN %.300s is not a valid budget ARN.", *arn);
	*ret = strcmp(a.account, c->acct->id) == 0 ? omap_get(&c->acct->budgets, a.id) : NULL;
	if (!*ret)
		return call_error(c, 400, "NotFoundException", "The resource %.300s was not found.", *arn);
	return 0;
}

static int op_tag(struct call *c)
{
	const char *arn;
	const cJSON *tags;
	struct budget *b;

	if (tag_target(c, &arn, &b) < 0 || in_array(c, c->json, "ResourceTags", true, 0, 200, &tags) < 0 ||
	    read_resource_tags(c, tags, b, arn) < 0)
		return -1;
	apply_resource_tags(b, tags);
	return call_json(c, cJSON_CreateObject());
}

static int op_untag(struct call *c)
{
	static const struct strspec kspec = { true, 1, 128, PAT_NONE };
	const char *arn;
	const cJSON *keys, *k;
	struct budget *b;

	if (tag_target(c, &arn, &b) < 0 || in_array(c, c->json, "ResourceTagKeys", true, 0, 200, &keys) < 0)
		return -1;
	cJSON_ArrayForEach(k, keys)
	{
		if (!cJSON_IsString(k))
			return call_error(c, 400, "SerializationException", "Each tag key must be a string.");
		if (check_value(c, "ResourceTagKeys.member", k->valuestring, &kspec) < 0)
			return -1;
	}
	cJSON_ArrayForEach(k, keys) tagset_remove(&b->tags, k->valuestring);
	return call_json(c, cJSON_CreateObject());
}

static int op_list_tags(struct call *c)
{
	const char *arn;
	struct budget *b;
	cJSON *out;

	if (tag_target(c, &arn, &b) < 0)
		return -1;
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "ResourceTags", tagset_to_json(&b->tags, "Key", "Value"));
	return call_json(c, out);
}

const struct op budgets_ops[] = {
	{ "CreateBudget", op_create, true, NULL, NULL, 0, false },
	{ "DescribeBudget", op_describe, false, NULL, NULL, 0, false },
	{ "DescribeBudgets", op_describe_all, false, NULL, NULL, 0, false },
	{ "UpdateBudget", op_update, true, NULL, NULL, 0, false },
	{ "DeleteBudget", op_delete, true, NULL, NULL, 0, false },
	{ "CreateNotification", op_budgets_create_notification, true, NULL, NULL, 0, false },
	{ "UpdateNotification", op_budgets_update_notification, true, NULL, NULL, 0, false },
	{ "DeleteNotification", op_budgets_delete_notification, true, NULL, NULL, 0, false },
	{ "DescribeNotificationsForBudget", op_budgets_describe_notifications, false, NULL, NULL, 0, false },
	{ "CreateSubscriber", op_budgets_create_subscriber, true, NULL, NULL, 0, false },
	{ "UpdateSubscriber", op_budgets_update_subscriber, true, NULL, NULL, 0, false },
	{ "DeleteSubscriber", op_budgets_delete_subscriber, true, NULL, NULL, 0, false },
	{ "DescribeSubscribersForNotification", op_budgets_describe_subscribers, false, NULL, NULL, 0, false },
	{ "TagResource", op_tag, true, NULL, NULL, 0, false },
	{ "UntagResource", op_untag, true, NULL, NULL, 0, false },
	{ "ListTagsForResource", op_list_tags, false, NULL, NULL, 0, false },
	{ "CreateBudgetAction", op_budgets_create_action, true, NULL, NULL, 0, false },
	{ "DescribeBudgetAction", op_budgets_describe_action, false, NULL, NULL, 0, false },
	{ "DescribeBudgetActionsForBudget", op_budgets_describe_actions_for_budget, false, NULL, NULL, 0, false },
	{ "DescribeBudgetActionsForAccount", op_budgets_describe_actions_for_account, false, NULL, NULL, 0, false },
	{ "UpdateBudgetAction", op_budgets_update_action, true, NULL, NULL, 0, false },
	{ "DeleteBudgetAction", op_budgets_delete_action, true, NULL, NULL, 0, false },
	{ "ExecuteBudgetAction", op_budgets_execute_action, true, NULL, NULL, 0, false },
};
const size_t budgets_n_ops = sizeof(budgets_ops) / sizeof(budgets_ops[0]);
