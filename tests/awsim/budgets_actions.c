/* AWS Budgets actions (awsJson1.1): CreateBudgetAction, DescribeBudgetAction,
 * DescribeBudgetActionsForBudget, UpdateBudgetAction, DeleteBudgetAction and
 * ExecuteBudgetAction, and their execution. An action waits in STANDBY until its
 * budget's spend (ACTUAL or FORECASTED) reaches the threshold; then an AUTOMATIC
 * action executes at once and a MANUAL one waits in PENDING for
 * APPROVE_BUDGET_ACTION. Executing APPLY_IAM_POLICY attaches the managed policy
 * to the action's roles (iam_managed.c), which the IAM evaluator then honours;
 * REVERSE_BUDGET_ACTION detaches it; RESET_BUDGET_ACTION returns to STANDBY;
 * RETRY_BUDGET_ACTION redoes what failed (EXECUTION_FAILURE: the execution,
 * REVERSE_FAILURE: the reversal).
 * Other action types are stored but fail when executed. Thresholds are checked
 * whenever spend may have changed: after each invocation, when an action is
 * created or updated, and when the admin API sets a budget's spend.
 * With the fault plan's budget_action_ms, an execution, reversal or reset takes that
 * long, as AWS's do: the action shows EXECUTION_IN_PROGRESS, REVERSE_IN_PROGRESS or
 * RESET_IN_PROGRESS meanwhile (ExecuteBudgetAction on it: ResourceLockedException),
 * and its effect lands when the time is up (budget_actions_land, before every
 * request). */
#include "usage.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "xalloc.h"

static const struct strspec name_spec = { true, 1, 100, PAT_NONE };
static const struct strspec id_spec = { true, 36, 36, PAT_NONE };
static const struct strspec policy_arn_spec = { true, 25, 684, PAT_NONE };

void budget_action_free(void *v)
{
	struct budget_action *a = v;

	if (!a)
		return;
	free(a->budget);
	free(a->id);
	cJSON_Delete(a->doc);
	free(a);
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void set_status(struct budget_action *a, const char *status)
{
	cJSON_DeleteItemFromObjectCaseSensitive(a->doc, "Status");
	cJSON_AddStringToObject(a->doc, "Status", status);
}

/* Executes (attach) or reverses (detach) an IAM action; the new status. */
static const char *carry_out(struct awsim *sim, const char *account, struct budget_action *a, bool attach)
{
	const cJSON *iam = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a->doc, "Definition"),
							    "IamActionDefinition");
	const cJSON *roles = cJSON_GetObjectItemCaseSensitive(iam, "Roles"), *r;
	bool ok = iam && strcmp(str_of(a->doc, "ActionType"), "APPLY_IAM_POLICY") == 0;

	cJSON_ArrayForEach(r, roles) if (ok && iam_attach(sim, account, r->valuestring, str_of(iam, "PolicyArn"),
							  attach) < 0) ok = false;
	if (attach)
		return ok ? "EXECUTION_SUCCESS" : "EXECUTION_FAILURE";
	return ok ? "REVERSE_SUCCESS" : "REVERSE_FAILURE";
}

/* The action's execution (LAND_ATTACH), reversal (LAND_DETACH) or reset: at once, or,
 * with the plan's budget_action_ms, in progress until that time is up. */
static void start(struct awsim *sim, const char *account, struct budget_action *a, enum action_landing landing)
{
	static const char *const progress[] = { [LAND_ATTACH] = "EXECUTION_IN_PROGRESS",
						[LAND_DETACH] = "REVERSE_IN_PROGRESS",
						[LAND_RESET] = "RESET_IN_PROGRESS" };

	if (sim->faults.budget_action_ms > 0) {
		a->landing = landing;
		a->due_ms = ids_now_ms() + sim->faults.budget_action_ms;
		usage_world(sim)->actions_landing = true;
		set_status(a, progress[landing]);
		return;
	}
	a->landing = LAND_NONE;
	set_status(a, landing == LAND_RESET ? "STANDBY" : carry_out(sim, account, a, landing == LAND_ATTACH));
}

void budget_actions_land(struct awsim *sim)
{
	struct usage_world *w = usage_world(sim);
	const struct omap_node *an, *n;
	int64_t now;
	bool more = false;

	if (!w->actions_landing)
		return;
	now = ids_now_ms();
	for (an = omap_next(&w->accounts, NULL); an; an = omap_next(&w->accounts, an->key)) {
		struct usage_acct *ua = an->value;
		for (n = omap_next(&ua->actions, NULL); n; n = omap_next(&ua->actions, n->key)) {
			struct budget_action *a = n->value;
			enum action_landing landing = a->landing;
			if (landing == LAND_NONE)
				continue;
			if (now < a->due_ms) {
				more = true;
				continue;
			}
			a->landing = LAND_NONE;
			set_status(a, landing == LAND_RESET ? "STANDBY"
							    : carry_out(sim, ua->id, a, landing == LAND_ATTACH));
		}
	}
	w->actions_landing = more;
}

static double amount(const cJSON *doc, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, a), b);

	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItemCaseSensitive(v, "Amount");
	return cJSON_IsString(v) ? strtod(v->valuestring, NULL) : 0;
}

/* Whether the budget's spend has reached the action's threshold. */
static bool crossed(struct awsim *sim, struct account *acct, const struct budget *b, const struct budget_action *a)
{
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(a->doc, "ActionThreshold");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(th, "ActionThresholdValue");
	bool forecast = strcmp(str_of(a->doc, "NotificationType"), "FORECASTED") == 0;
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(b->doc, "CalculatedSpend");
	double spend = amount(cs, forecast ? "ForecastedSpend" : "ActualSpend", "Amount") +
		       usage_budget_actual(sim, acct, b);
	double limit = amount(b->doc, "BudgetLimit", "Amount");

	if (!cJSON_IsNumber(value))
		return false;
	if (strcmp(str_of(th, "ActionThresholdType"), "ABSOLUTE_VALUE") == 0)
		return spend >= value->valuedouble;
	return limit > 0 && spend >= limit * value->valuedouble / 100.0;
}

void budget_actions_drop(struct awsim *sim, const char *account, const char *budget)
{
	struct usage_acct *ua = usage_acct(sim, account);
	const struct omap_node *n = omap_next(&ua->actions, NULL);

	while (n) {
		const struct budget_action *a = n->value;
		char *key = xstrdup(n->key);
		n = omap_next(&ua->actions, key);
		if (strcmp(a->budget, budget) == 0)
			budget_action_free(omap_del(&ua->actions, key));
		free(key);
	}
}

void budget_actions_run(struct awsim *sim, const char *account)
{
	struct account *acct = omap_get(&sim->accounts, account);
	struct usage_acct *ua = usage_acct(sim, account);
	const struct omap_node *n;

	if (!acct)
		return;
	for (n = omap_next(&ua->actions, NULL); n; n = omap_next(&ua->actions, n->key)) {
		struct budget_action *a = n->value;
		const struct budget *b = omap_get(&acct->budgets, a->budget);
		if (!b || strcmp(str_of(a->doc, "Status"), "STANDBY") != 0 || !crossed(sim, acct, b, a))
			continue;
		if (strcmp(str_of(a->doc, "ApprovalModel"), "AUTOMATIC") == 0)
			start(sim, account, a, LAND_ATTACH);
		else
			set_status(a, "PENDING");
	}
}

/* ---- the operations ---- */

static int begin(struct call *c, const char **name, struct budget **b)
{
	return budgets_account(c) < 0 || in_str(c, c->json, "BudgetName", &name_spec, name) < 0 ||
			       budgets_find(c, *name, b) < 0
		       ? -1
		       : 0;
}

static char *action_key(const char *budget, const char *id)
{
	return xasprintf("%s\t%s", budget, id);
}

static int find_action(struct call *c, const char *budget, struct budget_action **ret)
{
	const char *id;
	char *key;

	if (in_str(c, c->json, "ActionId", &id_spec, &id) < 0)
		return -1;
	key = action_key(budget, id);
	*ret = omap_get(&usage_acct(c->sim, c->acct->id)->actions, key);
	free(key);
	if (!*ret)
		return call_error(c, 400, "NotFoundException", "Unable to find the action %s of budget %s.", id,
				  budget);
	return 0;
}

/* The fields an action may set; required ones on create (update: all optional). */
static int check_fields(struct call *c, bool create)
{
	static const char *const ntypes[] = { "ACTUAL", "FORECASTED", NULL };
	static const char *const atypes[] = { "APPLY_IAM_POLICY", "APPLY_SCP_POLICY", "RUN_SSM_DOCUMENTS", NULL };
	static const char *const ttypes[] = { "PERCENTAGE", "ABSOLUTE_VALUE", NULL };
	static const char *const approvals[] = { "AUTOMATIC", "MANUAL", NULL };
	const cJSON *th = NULL, *def = NULL, *iam = NULL, *subs, *roles, *r;
	const struct strspec role_spec = { create, 32, 618, PAT_NONE };
	const char *s;

	if (in_enum(c, c->json, "NotificationType", create, ntypes, &s) < 0 ||
	    (create && in_enum(c, c->json, "ActionType", true, atypes, &s) < 0) ||
	    in_object(c, c->json, "ActionThreshold", create, &th) < 0 ||
	    (th && in_enum(c, th, "ActionThresholdType", true, ttypes, &s) < 0) ||
	    in_object(c, c->json, "Definition", create, &def) < 0 ||
	    in_str(c, c->json, "ExecutionRoleArn", &role_spec, &s) < 0 ||
	    in_enum(c, c->json, "ApprovalModel", create, approvals, &s) < 0 ||
	    in_array(c, c->json, "Subscribers", create, 1, 11, &subs) < 0)
		return -1;
	if (th && !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(th, "ActionThresholdValue")))
		return call_error(c, 400, "InvalidParameterException", "ActionThresholdValue must be a number.");
	if (def && in_object(c, def, "IamActionDefinition", false, &iam) < 0)
		return -1;
	if (iam && (in_str(c, iam, "PolicyArn", &policy_arn_spec, &s) < 0 ||
		    in_array(c, iam, "Roles", false, 1, 100, &roles) < 0))
		return -1;
	if (iam) {
		cJSON_ArrayForEach(r, roles) if (!cJSON_IsString(r)) return call_error(
			c, 400, "InvalidParameterException", "Roles must be role names.");
	}
	if (create && !strcmp(str_of(c->json, "ActionType"), "APPLY_IAM_POLICY") && !iam)
		return call_error(c, 400, "InvalidParameterException",
				  "An APPLY_IAM_POLICY action needs an IamActionDefinition.");
	return subs ? budgets_check_subscribers(c, subs, "Subscribers") : 0;
}

static void copy_fields(cJSON *doc, const cJSON *in)
{
	static const char *const fields[] = { "NotificationType", "ActionType",	   "ActionThreshold", "Definition",
					      "ExecutionRoleArn", "ApprovalModel", "Subscribers" };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, fields[i]);
		if (!v)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(doc, fields[i]);
		cJSON_AddItemToObject(doc, fields[i], cJSON_Duplicate(v, 1));
	}
}

static cJSON *answer(struct call *c, const char *budget)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "AccountId", c->acct->id);
	cJSON_AddStringToObject(o, "BudgetName", budget);
	return o;
}

int op_budgets_create_action(struct call *c)
{
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	const char *name;
	struct budget *b;
	struct budget_action *a;
	const struct omap_node *n;
	size_t count = 0;
	char id[37], *key;
	cJSON *o;

	if (begin(c, &name, &b) < 0 || check_fields(c, true) < 0)
		return -1;
	for (n = omap_next(&ua->actions, NULL); n; n = omap_next(&ua->actions, n->key))
		count += strcmp(((struct budget_action *)n->value)->budget, name) == 0;
	if (count >= USAGE_MAX_ACTIONS)
		return call_error(c, 400, "ServiceQuotaExceededException",
				  "You've reached the limit of %d actions per budget.", USAGE_MAX_ACTIONS);
	ids_uuid(&c->sim->rng, id);
	a = xcalloc(1, sizeof(*a));
	a->budget = xstrdup(name);
	a->id = xstrdup(id);
	a->doc = cJSON_CreateObject();
	cJSON_AddStringToObject(a->doc, "ActionId", id);
	cJSON_AddStringToObject(a->doc, "BudgetName", name);
	copy_fields(a->doc, c->json);
	cJSON_AddStringToObject(a->doc, "Status", "STANDBY");
	key = action_key(name, id);
	omap_put(&ua->actions, key, a);
	free(key);
	budget_actions_run(c->sim, c->acct->id);
	o = answer(c, name);
	cJSON_AddStringToObject(o, "ActionId", id);
	return call_json(c, o);
}

int op_budgets_describe_action(struct call *c)
{
	const char *name;
	struct budget *b;
	struct budget_action *a;
	cJSON *o;

	if (begin(c, &name, &b) < 0 || find_action(c, name, &a) < 0)
		return -1;
	o = answer(c, name);
	cJSON_AddItemToObject(o, "Action", cJSON_Duplicate(a->doc, 1));
	return call_json(c, o);
}

/* All of a budget's actions in one page (at most USAGE_MAX_ACTIONS exist). */
int op_budgets_describe_actions_for_budget(struct call *c)
{
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	const char *name;
	struct budget *b;
	const struct omap_node *n;
	long long max;
	bool present;
	cJSON *o, *list;

	if (begin(c, &name, &b) < 0 || in_int(c, c->json, "MaxResults", 1, 100, &max, &present) < 0)
		return -1;
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "Actions");
	for (n = omap_next(&ua->actions, NULL); n; n = omap_next(&ua->actions, n->key)) {
		const struct budget_action *a = n->value;
		if (strcmp(a->budget, name) == 0)
			cJSON_AddItemToArray(list, cJSON_Duplicate(a->doc, 1));
	}
	return call_json(c, o);
}

/* Every action of the account, MaxResults (1..100, default 100) a page, in the order of
 * (budget, id), with an opaque NextToken. */
int op_budgets_describe_actions_for_account(struct call *c)
{
	static const struct strspec tspec = { false, 0, 0, PAT_NONE };
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	long long max = 100;
	bool present;
	const char *token;
	struct strbuf last;
	const struct omap_node *n;
	cJSON *o, *list;
	size_t count = 0;

	if (budgets_account(c) < 0 || in_int(c, c->json, "MaxResults", 1, 100, &max, &present) < 0 ||
	    in_str(c, c->json, "NextToken", &tspec, &token) < 0)
		return -1;
	if (!present)
		max = 100;
	strbuf_init(&last, 4096);
	if (token && page_token_decode(c, token, "actions", &last) < 0) {
		strbuf_release(&last);
		return -1;
	}
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "Actions");
	for (n = omap_next(&ua->actions, token ? last.buf : NULL); n; n = omap_next(&ua->actions, n->key)) {
		const struct budget_action *a = n->value;
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode("actions", last.buf, &tok);
			cJSON_AddStringToObject(o, "NextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		cJSON_AddItemToArray(list, cJSON_Duplicate(a->doc, 1));
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
	strbuf_release(&last);
	return call_json(c, o);
}

int op_budgets_update_action(struct call *c)
{
	const char *name;
	struct budget *b;
	struct budget_action *a;
	cJSON *o;

	if (begin(c, &name, &b) < 0 || find_action(c, name, &a) < 0 || check_fields(c, false) < 0)
		return -1;
	o = answer(c, name);
	cJSON_AddItemToObject(o, "OldAction", cJSON_Duplicate(a->doc, 1));
	copy_fields(a->doc, c->json);
	budget_actions_run(c->sim, c->acct->id);
	cJSON_AddItemToObject(o, "NewAction", cJSON_Duplicate(a->doc, 1));
	return call_json(c, o);
}

int op_budgets_delete_action(struct call *c)
{
	const char *name;
	struct budget *b;
	struct budget_action *a;
	char *key;
	cJSON *o;

	if (begin(c, &name, &b) < 0 || find_action(c, name, &a) < 0)
		return -1;
	o = answer(c, name);
	cJSON_AddItemToObject(o, "Action", cJSON_Duplicate(a->doc, 1));
	key = action_key(name, a->id);
	budget_action_free(omap_del(&usage_acct(c->sim, c->acct->id)->actions, key));
	free(key);
	return call_json(c, o);
}

int op_budgets_execute_action(struct call *c)
{
	static const char *const types[] = { "APPROVE_BUDGET_ACTION", "RETRY_BUDGET_ACTION", "REVERSE_BUDGET_ACTION",
					     "RESET_BUDGET_ACTION", NULL };
	const char *name, *type, *status;
	struct budget *b;
	struct budget_action *a;
	cJSON *o;

	if (begin(c, &name, &b) < 0 || find_action(c, name, &a) < 0 ||
	    in_enum(c, c->json, "ExecutionType", true, types, &type) < 0)
		return -1;
	status = str_of(a->doc, "Status");
	if (a->landing != LAND_NONE) /* in progress: nothing applies to it until it ends */
		return call_error(c, 400, "ResourceLockedException",
				  "The action is in status %s; %s does not apply to it.", status, type);
	if (!strcmp(type, "APPROVE_BUDGET_ACTION") && !strcmp(status, "PENDING"))
		start(c->sim, c->acct->id, a, LAND_ATTACH);
	else if (!strcmp(type, "RETRY_BUDGET_ACTION") && !strcmp(status, "EXECUTION_FAILURE"))
		start(c->sim, c->acct->id, a, LAND_ATTACH);
	else if (!strcmp(type, "RETRY_BUDGET_ACTION") && !strcmp(status, "REVERSE_FAILURE"))
		start(c->sim, c->acct->id, a, LAND_DETACH);
	else if (!strcmp(type, "REVERSE_BUDGET_ACTION") && !strcmp(status, "EXECUTION_SUCCESS"))
		start(c->sim, c->acct->id, a, LAND_DETACH);
	else if (!strcmp(type, "RESET_BUDGET_ACTION") && strcmp(status, "STANDBY") != 0)
		start(c->sim, c->acct->id, a, LAND_RESET);
	else
		return call_error(c, 400, "ResourceLockedException",
				  "The action is in status %s; %s does not apply to it.", status, type);
	o = answer(c, name);
	cJSON_AddStringToObject(o, "ActionId", a->id);
	cJSON_AddStringToObject(o, "ExecutionType", type);
	return call_json(c, o);
}
