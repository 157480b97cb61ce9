#include "control_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget_spec.h"
#include "enforce_spec.h"
#include "git_sync_status.h"
#include "observed.h"
#include "ownership.h"
#include "policy_memo.h"
#include "xalloc.h"

static cJSON *string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *tags_json(const struct tag_set *tags)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < tags->n; i++)
		cJSON_AddStringToObject(o, tag_set_key(tags, i), tag_set_value(tags, i));
	return o;
}

static cJSON *strv_json(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

cJSON *control_json_desired(const struct tenant *t)
{
	cJSON *o = cJSON_CreateObject(), *profiles = cJSON_AddArrayToObject(o, "profiles");

	cJSON_AddItemToObject(o, "department", string_or_null(t->department));
	cJSON_AddItemToObject(o, "project", string_or_null(t->project));
	cJSON_AddItemToObject(o, "region", string_or_null(t->region));
	cJSON_AddItemToObject(o, "account", string_or_null(t->account));
	cJSON_AddItemToObject(o, "tags", tags_json(&t->tags));
	for (size_t i = 0; i < t->n_profiles; i++) {
		const struct profile *p = &t->profiles[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "key", p->key);
		cJSON_AddStringToObject(j, "model", p->model);
		cJSON_AddItemToObject(j, "description", string_or_null(p->description));
		cJSON_AddItemToObject(j, "name", string_or_null(p->name));
		cJSON_AddItemToObject(j, "parameter", string_or_null(p->parameter));
		cJSON_AddStringToObject(j, "spec_hash", p->spec_hash);
		cJSON_AddItemToObject(j, "tags", tags_json(&p->tags));
		cJSON_AddItemToArray(profiles, j);
	}
	if (t->budget) {
		cJSON *b = cJSON_AddObjectToObject(o, "budget"), *alerts = NULL;
		cJSON_AddItemToObject(b, "name", string_or_null(t->budget_name));
		cJSON_AddStringToObject(b, "limit_usd", t->budget->limit_usd);
		cJSON_AddStringToObject(b, "period", budget_period_name(t->budget->period));
		alerts = cJSON_AddArrayToObject(b, "alerts");
		for (size_t i = 0; i < t->budget->n_alerts; i++) {
			const struct alert *a = &t->budget->alerts[i];
			cJSON *j = cJSON_CreateObject();
			cJSON_AddNumberToObject(j, "threshold_percent", a->threshold_percent);
			cJSON_AddStringToObject(j, "type", alert_type_name(a->type));
			cJSON_AddItemToObject(j, "emails", strv_json(a->emails, a->n_emails));
			cJSON_AddItemToObject(j, "sns_topic", string_or_null(a->sns_topic));
			cJSON_AddItemToArray(alerts, j);
		}
		if (t->budget->enforce)
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(b, "enforce"), "at_percent",
						t->budget->enforce_at_percent);
	} else {
		cJSON_AddNullToObject(o, "budget");
	}
	cJSON_AddItemToObject(o, "roles", strv_json(t->roles, t->n_roles));
	cJSON_AddItemToObject(o, "policy_name", string_or_null(t->policy_name));
	cJSON_AddStringToObject(o, "deletion_policy", deletion_policy_name(t->deletion_policy));
	cJSON_AddBoolToObject(o, "suspended", t->suspended);
	cJSON_AddItemToObject(o, "file", string_or_null(t->file));
	return o;
}

static cJSON *tenant_summary(const struct engine *e, const struct tenant_entry *t)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t now = engine_now_ms(e);

	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "state", tenant_state_name(t->state));
	cJSON_AddItemToObject(o, "revision", string_or_null(t->desired ? t->desired->revision : NULL));
	cJSON_AddItemToObject(o, "reconciled_revision", string_or_null(engine_reconciled_revision(t)));
	cJSON_AddItemToObject(o, "last_error", string_or_null(tenant_entry_last_error(t)));
	cJSON_AddItemToObject(o, "waiting", string_or_null(t->removed ? NULL : tenant_entry_waiting(t)));
	cJSON_AddItemToObject(o, "problem", string_or_null(tenant_entry_problem(t)));
	cJSON_AddBoolToObject(o, "held", t->held);
	cJSON_AddBoolToObject(o, "removed", t->removed);
	cJSON_AddItemToObject(o, "last_reconciled", engine_json_time(t->last_reconciled));
	if (t->next_attempt_ms && t->next_attempt_ms > now && t->error != ERROR_NONE)
		cJSON_AddNumberToObject(o, "next_attempt_in_ms", (double)(t->next_attempt_ms - now));
	else
		cJSON_AddNullToObject(o, "next_attempt_in_ms");
	cJSON_AddItemToObject(o, "next_timer", engine_json_time(tenant_entry_wake_at(t)));
	cJSON_AddNumberToObject(o, "conflicts", (double)tenant_entry_n_conflicts(t));
	return o;
}

cJSON *control_json_tenants(const struct engine *e, unsigned states)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "tenants");
	size_t n;
	const struct tenant_entry **all = engine_tenants(e, &n);

	for (size_t i = 0; i < n; i++)
		if (!states || states & (1u << all[i]->state))
			cJSON_AddItemToArray(a, tenant_summary(e, all[i]));
	free(all);
	return o;
}

/* The deletion timer running on a resource (a replaced profile draining, or one no
 * longer desired in its grace), or null: its kind, start and when it runs out (a
 * drained profile goes once the roles' policies name its successor; a held tenant's
 * deletions wait for approval beyond that). */
static cJSON *deletion_json(const struct engine *e, const struct tenant_entry *t, const char *resource)
{
	const struct resource_timer *r = t->record ? record_timer(t->record, resource) : NULL;
	cJSON *o;

	if (!r)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "timer", timer_kind_name(r->kind));
	cJSON_AddItemToObject(o, "since", engine_json_time(r->since));
	cJSON_AddItemToObject(o, "at", engine_json_time(engine_timer_expiry(e, r->kind, r->since)));
	return o;
}

/* A budget's Budgets actions: id, status, threshold, the policy they attach. */
static cJSON *budget_actions_json(const struct observed_budget *b)
{
	cJSON *list = cJSON_CreateArray();

	for (size_t i = 0; i < b->n_actions; i++) {
		const struct observed_budget_action *a = &b->actions[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "id", string_or_null(a->id));
		cJSON_AddItemToObject(j, "status", string_or_null(a->status));
		cJSON_AddNumberToObject(j, "threshold", a->threshold);
		cJSON_AddItemToObject(j, "threshold_type", string_or_null(a->threshold_type));
		cJSON_AddItemToObject(j, "policy_arn", string_or_null(a->policy_arn));
		cJSON_AddItemToObject(j, "roles", strv_json(a->roles, a->n_roles));
		cJSON_AddItemToArray(list, j);
	}
	return list;
}

/* The tenant's deny policy (budget enforcement), null when none or not listed. */
static cJSON *deny_policy_json(const struct observed_store *s, const char *tenant)
{
	char *name = enforce_policy_name(tenant);
	const struct observed_deny_policy *p = s->enforce_listed ? observed_store_deny_policy(s, name) : NULL;
	cJSON *j = p ? cJSON_CreateObject() : cJSON_CreateNull();

	if (p) {
		cJSON_AddStringToObject(j, "name", p->name);
		cJSON_AddItemToObject(j, "arn", string_or_null(p->arn));
		cJSON_AddItemToObject(j, "default_version", string_or_null(p->default_version));
		if (p->attachments >= 0) /* the entities it is attached to, as listed */
			cJSON_AddNumberToObject(j, "attachments", (double)p->attachments);
		else
			cJSON_AddNullToObject(j, "attachments");
		if (p->roles_known) /* read for an executed action's policy only */
			cJSON_AddItemToObject(j, "attached_roles",
					      cJSON_CreateStringArray((const char *const *)p->roles, (int)p->n_roles));
	}
	free(name);
	return j;
}

/* What AWS holds of a tenant's role policy, not what was once written: applied when
 * the record's fact (the digest last applied) is set and the live policy has that
 * digest. With a bulk IAM read (policies_listed) the live policy and the role are
 * known; without one a policy is read only when its document changes, so the fact
 * stands unless a read of the policy said otherwise. */
static bool policy_applied(const struct observed_store *s, const struct observed_policy *p, const char *fact)
{
	char buf[POLICY_HASH_TEXT];

	if (!fact)
		return false;
	if (!p)
		return !s->policies_listed;
	return observed_policy_exists(p) && policy_memo_fact_is(fact, observed_policy_hash(p, buf));
}

static bool role_exists(const struct observed_store *s, const char *role, const struct observed_policy *p)
{
	if (s->policies_listed)
		return observed_store_role(s, role) != NULL;
	return !(p && p->role_missing);
}

/* b's ARN: a listing keeps none, the account's and the name's */
static cJSON *budget_arn_json(const struct engine *e, const struct tenant_entry *t, const struct observed_budget *b)
{
	const struct place *p = engine_serving_place(e, t);
	char *arn;
	cJSON *j;

	if (!p || !p->account_id)
		return cJSON_CreateNull();
	arn = budget_arn_in(b->name, p->region, p->account_id);
	j = cJSON_CreateString(arn);
	free(arn);
	return j;
}

static cJSON *observed_json(const struct engine *e, const struct tenant_entry *t)
{
	const struct observed_store *s = engine_observed(e, t);
	const struct observed_group *g = s ? observed_store_group(s, t->id) : NULL;
	cJSON *o = cJSON_CreateObject(), *profiles, *params;

	if (!s) {
		cJSON_Delete(o);
		return cJSON_CreateNull();
	}
	profiles = cJSON_AddArrayToObject(o, "profiles");
	params = cJSON_AddArrayToObject(o, "parameters");
	for (size_t i = 0; g && i < g->n_profiles; i++) {
		const struct observed_profile *p = g->profiles[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "arn", p->arn);
		cJSON_AddItemToObject(j, "name", string_or_null(p->name));
		cJSON_AddItemToObject(j, "models", strv_json((char *const *)p->model_arns, p->n_model_arns));
		cJSON_AddBoolToObject(j, "managed", tags_owned_by(&p->tags, engine_instance(e)));
		cJSON_AddItemToObject(j, "tags", tags_json(&p->tags));
		cJSON_AddItemToObject(j, "deletion", deletion_json(e, t, p->arn));
		cJSON_AddItemToArray(profiles, j);
	}
	for (size_t i = 0; g && i < g->n_parameters; i++) {
		const struct observed_parameter *q = g->parameters[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", q->name);
		cJSON_AddItemToObject(j, "value", string_or_null(q->value));
		cJSON_AddBoolToObject(j, "managed", tags_owned_by(&q->tags, engine_instance(e)));
		cJSON_AddItemToObject(j, "deletion", deletion_json(e, t, q->name));
		cJSON_AddItemToArray(params, j);
	}
	{
		cJSON *budgets = cJSON_AddArrayToObject(o, "budgets");
		for (size_t i = 0; g && i < g->n_budgets; i++) {
			const struct observed_budget *b = g->budgets[i];
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "name", b->name);
			cJSON_AddItemToObject(j, "arn", budget_arn_json(e, t, b));
			cJSON_AddItemToObject(j, "limit_usd", string_or_null(observed_budget_limit_amount(b)));
			cJSON_AddItemToObject(j, "time_unit", string_or_null(b->time_unit));
			cJSON_AddItemToObject(j, "actual_spend_usd", string_or_null(observed_budget_actual_spend(b)));
			cJSON_AddItemToObject(j, "forecasted_spend_usd",
					      string_or_null(observed_budget_forecasted_spend(b)));
			/* false: written since the last listing, which alone reports spend */
			cJSON_AddBoolToObject(j, "listed", b->listed);
			cJSON_AddBoolToObject(j, "managed", tags_owned_by(&b->tags, engine_instance(e)));
			if (b->alerts_known)
				cJSON_AddNumberToObject(j, "alerts", (double)b->n_alerts);
			if (s->enforce_listed)
				cJSON_AddItemToObject(j, "actions", budget_actions_json(b));
			cJSON_AddItemToArray(budgets, j);
		}
	}
	cJSON_AddItemToObject(o, "deny_policy", deny_policy_json(s, t->id));
	{
		cJSON *policies = cJSON_AddArrayToObject(o, "role_policies");
		const struct tenant *d = t->desired;
		for (size_t i = 0; d && d->policy_name && i < d->n_roles; i++) {
			const struct observed_policy *p = observed_store_policy(s, d->roles[i], d->policy_name);
			char *key = record_key_policy_fact(d->roles[i], d->policy_name);
			cJSON *j = cJSON_CreateObject();
			cJSON_AddStringToObject(j, "role", d->roles[i]);
			cJSON_AddStringToObject(j, "policy", d->policy_name);
			cJSON_AddBoolToObject(j, "applied", policy_applied(s, p, record_fact(t->record, key)));
			cJSON_AddBoolToObject(j, "role_exists", role_exists(s, d->roles[i], p));
			cJSON_AddItemToArray(policies, j);
			free(key);
		}
	}
	cJSON_AddItemToObject(o, "listed_at", engine_json_time(s->listed_at));
	return o;
}

/* A move in progress: each old place with what is left of the tenant there and the
 * drain timer that ends it (null until the new set is Ready). */
static cJSON *moving_json(const struct engine *e, const struct tenant_entry *t)
{
	cJSON *a = cJSON_CreateArray();
	const struct observed_store *s;
	const char *key;

	for (size_t i = 0; (key = engine_moving_from(e, t, i, &s)); i++) {
		const struct observed_group *g = s ? observed_store_group(s, t->id) : NULL;
		char *fact = record_key_moving_from(key), *timer = record_key_move_timer(key);
		const char *since = record_fact(t->record, fact);
		cJSON *j = cJSON_CreateObject(), *profiles, *params;
		cJSON_AddStringToObject(j, "place", key);
		cJSON_AddItemToObject(j, "since", engine_json_time(since ? strtoll(since, NULL, 10) : 0));
		cJSON_AddBoolToObject(j, "switched", t->move_switched);
		cJSON_AddItemToObject(j, "deletion", deletion_json(e, t, timer));
		profiles = cJSON_AddArrayToObject(j, "profiles");
		params = cJSON_AddArrayToObject(j, "parameters");
		for (size_t k = 0; g && k < g->n_profiles; k++) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "arn", g->profiles[k]->arn);
			cJSON_AddItemToObject(p, "name", string_or_null(g->profiles[k]->name));
			cJSON_AddItemToArray(profiles, p);
		}
		for (size_t k = 0; g && k < g->n_parameters; k++) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", g->parameters[k]->name);
			cJSON_AddItemToObject(p, "value", string_or_null(g->parameters[k]->value));
			cJSON_AddItemToArray(params, p);
		}
		cJSON_AddItemToArray(a, j);
		free(fact);
		free(timer);
	}
	return a;
}

cJSON *control_json_tenant(const struct engine *e, const struct tenant_entry *t, const struct history_lines *kept,
			   const char *history_error)
{
	cJSON *o = tenant_summary(e, t), *conflicts, *history;
	struct history_lines lines = { 0 };
	const char *text;
	int64_t at;

	if (t->place) {
		cJSON *p = cJSON_AddObjectToObject(o, "place");
		cJSON_AddItemToObject(p, "account", string_or_null(t->place->account));
		cJSON_AddItemToObject(p, "account_id", string_or_null(t->place->account_id));
		cJSON_AddItemToObject(p, "region", string_or_null(t->place->region));
	}
	cJSON_AddItemToObject(o, "moving_from", moving_json(e, t));
	cJSON_AddItemToObject(o, "desired", t->desired ? control_json_desired(t->desired) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "observed", observed_json(e, t));
	conflicts = cJSON_AddArrayToObject(o, "conflict_details");
	for (size_t i = 0; i < tenant_entry_n_conflicts(t); i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "resource", tenant_entry_conflicts(t)[i].resource);
		cJSON_AddStringToObject(j, "message", tenant_entry_conflicts(t)[i].message);
		cJSON_AddItemToArray(conflicts, j);
	}
	history_lines_merge(&lines, kept, &t->history);
	history = cJSON_AddArrayToObject(o, "history");
	for (size_t pos = 0; history_lines_next(&lines, &pos, &at, &text);) {
		/* oldest first */
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "at", engine_json_time(at));
		cJSON_AddStringToObject(j, "event", text);
		cJSON_AddItemToArray(history, j);
	}
	history_lines_release(&lines);
	if (history_error)
		cJSON_AddStringToObject(o, "history_error", history_error);
	return o;
}

/* The profile applications use for p: the one its SSM parameter names (during a
 * replacement, the old one until the parameter is switched to the new), when this
 * tenant's as the diff judges it (its tag, and its name: the tenant's definition's, a
 * profile's under a former spec, or one holding its id); else the profile of this
 * instance at p's derived name when tagged with this tenant, or when its parameter
 * names it (its tenant tag written by hand: the tenant reports the conflict) and it is
 * not another tenant's by that tenant's definition. A profile tagged as another
 * tenant's that only shares the name (two tenants deriving one name) is never
 * answered. NULL: none. */
static const struct observed_profile *serving_profile(const struct engine *e, const struct observed_store *s,
						      const struct tenant *t, const struct profile *p)
{
	const struct observed_parameter *q = p->parameter ? observed_store_parameter(s, p->parameter) : NULL;
	const struct observed_profile *named = q && q->value ? observed_store_profile(s, q->value) : NULL;
	const char *tagged = named ? tag_set_get(&named->tags, TAG_TENANT) : NULL;
	const struct observed_profile *live;

	if (tagged && strcmp(tagged, t->id) == 0 &&
	    owned_by_defined_tenant(s, &named->tags, named->name, engine_instance(e), t->id, t))
		return named;
	live = observed_store_profile_by_name(s, p->name);
	if (!live || !tags_owned_by(&live->tags, engine_instance(e)))
		return NULL;
	tagged = tag_set_get(&live->tags, TAG_TENANT);
	if (tagged && strcmp(tagged, t->id) == 0)
		return live;
	return live == named && !known_tenant_derives(s, tagged, live->name) ? live : NULL;
}

/* After a move's switch, the new place without the profile (deleted by hand, and not
 * made again yet) while an old place's set, kept for that, still serves there: that
 * one, with the old place's Region in *ret_region. NULL: none. */
static const struct observed_profile *serving_before_move(const struct engine *e, const struct tenant_entry *t,
							  const struct profile *p, char *ret_region, size_t size)
{
	const struct observed_store *old;
	const char *key, *slash;

	for (size_t i = 0; (key = engine_moving_from(e, t, i, &old)); i++) {
		const struct observed_profile *live = old ? serving_profile(e, old, t->desired, p) : NULL;
		if (live && (slash = strchr(key, '/'))) {
			snprintf(ret_region, size, "%s", slash + 1);
			return live;
		}
	}
	return NULL;
}

cJSON *control_json_resolve(const struct engine *e, const char *tenant, const char *profile, int *ret_status,
			    const char **ret_error)
{
	const struct tenant_entry *t = engine_tenant(e, tenant);
	const struct profile *p = t && t->desired && !t->removed ? tenant_profile(t->desired, profile) : NULL;
	const struct observed_store *s = t ? engine_observed(e, t) : NULL;
	const struct observed_profile *live = p && s ? serving_profile(e, s, t->desired, p) : NULL;
	const struct place *serving = t ? engine_serving_place(e, t) : NULL;
	char old_region[64] = "";
	bool desired_one;
	cJSON *o;

	if (!p && t && t->unparsed && !t->removed && tenant_entry_waiting(t)) { /* held: its profiles are not known */
		*ret_status = 503;
		*ret_error = tenant_entry_waiting(t);
		return NULL;
	}
	if (!p) {
		*ret_status = 404;
		*ret_error = t ? "no such profile in this tenant" : "no such tenant";
		return NULL;
	}
	if (!strcmp(engine_claim_state(e), "standby")) {
		/* its view follows its own checkout, which another daemon's work may contradict */
		*ret_status = 503;
		*ret_error = "this daemon stands by: the instance's claim names another daemon, which answers for "
			     "the instance (bedrock-tenantctl status)";
		return NULL;
	}
	if (!live && t->move_switched)
		live = serving_before_move(e, t, p, old_region, sizeof(old_region));
	if (!live && engine_untouched(e, t)) { /* its account is not reached: not looked at */
		*ret_status = 503;
		*ret_error = engine_untouched(e, t);
		return NULL;
	}
	if (!live) {
		*ret_status = 503;
		*ret_error = tenant_entry_waiting(t) ? "the profile does not exist yet: the tenant waits for capacity "
						       "(bedrock-tenantctl tenant says why)"
						     : "the profile does not exist yet";
		return NULL;
	}
	desired_one = strcmp(live->name, p->name) == 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "tenant", tenant);
	cJSON_AddStringToObject(o, "profile", profile);
	cJSON_AddStringToObject(o, "arn", live->arn);
	cJSON_AddStringToObject(o, "id", observed_profile_id(live));
	cJSON_AddStringToObject(o, "name", live->name);
	/* a replaced profile still serving has the model it was made with */
	cJSON_AddItemToObject(o, "model", string_or_null(desired_one ? p->model : tag_set_get(&live->tags, TAG_MODEL)));
	cJSON_AddItemToObject(o, "model_arn", string_or_null(tag_set_get(&live->tags, TAG_MODEL)));
	cJSON_AddItemToObject(o, "parameter", string_or_null(p->parameter));
	/* the Region of the place answering (during a move, the old one until the switch,
	 * and after it while the new place lacks the profile and the old one serves) */
	cJSON_AddStringToObject(o, "region",
				old_region[0]		     ? old_region
				: serving && serving->region ? serving->region
				: t->desired->region	     ? t->desired->region
							     : "");
	*ret_status = 200;
	return o;
}

/* The state store's health: "ok" false while writes fail (creates wait meanwhile). */
/* The instance's claim: its parameter (null: no claim), "state" (engine_claim_state),
 * "holder": the other daemon's text as it is there (a JSON object when it is one)
 * while standing by, else null, the last call's "error" (else null), and when a
 * reading or writing last named this daemon, "confirmed_at" (null: never). */
static void add_claim(cJSON *o, const struct engine *e)
{
	cJSON *c = cJSON_AddObjectToObject(o, "claim");
	const char *other = engine_claim_other(e);
	cJSON *holder = other ? cJSON_Parse(other) : NULL;

	cJSON_AddItemToObject(c, "parameter", string_or_null(engine_claim_parameter(e)));
	cJSON_AddStringToObject(c, "state", engine_claim_state(e));
	if (other && (!holder || !cJSON_IsObject(holder))) {
		cJSON_Delete(holder);
		holder = cJSON_CreateString(other);
	}
	cJSON_AddItemToObject(c, "holder", holder ? holder : cJSON_CreateNull());
	cJSON_AddItemToObject(c, "error", string_or_null(engine_claim_error(e)));
	cJSON_AddItemToObject(c, "confirmed_at", engine_json_time(engine_claim_confirmed_at(e)));
}

static void add_state_store(cJSON *o, const struct engine *e)
{
	struct engine_store_health h;
	cJSON *st = cJSON_AddObjectToObject(o, "state_store");

	engine_store_health(e, &h);
	cJSON_AddBoolToObject(st, "ok", !h.last_error && !h.failed_writes);
	cJSON_AddItemToObject(st, "error", string_or_null(h.last_error));
	cJSON_AddItemToObject(st, "failing_since", engine_json_time(h.failing_since));
	cJSON_AddNumberToObject(st, "failed_writes", (double)h.failed_writes);
	cJSON_AddItemToObject(st, "moved_aside", string_or_null(h.moved_aside));
}

/* What bedrock-tenantd-git-sync recorded beside the manifest directory; null when the
 * directory is not kept by it. */
static cJSON *git_sync_json(const char *manifests)
{
	struct git_sync_status st;
	cJSON *g;

	if (!manifests || git_sync_status_read(manifests, &st) < 0)
		return cJSON_CreateNull();
	g = cJSON_CreateObject();
	cJSON_AddItemToObject(g, "revision", string_or_null(st.revision[0] ? st.revision : NULL));
	cJSON_AddItemToObject(g, "remote_revision", string_or_null(st.remote_revision[0] ? st.remote_revision : NULL));
	cJSON_AddBoolToObject(g, "behind", git_sync_status_behind(&st));
	cJSON_AddItemToObject(g, "branch", string_or_null(st.branch[0] ? st.branch : NULL));
	cJSON_AddItemToObject(g, "synced_at", engine_json_time(st.synced_at));
	cJSON_AddItemToObject(g, "checked_at", engine_json_time(st.checked_at));
	cJSON_AddItemToObject(g, "error", string_or_null(st.error[0] ? st.error : NULL));
	return g;
}

cJSON *control_json_status(const struct engine *e, const struct control_info *info)
{
	struct engine_counts c;
	cJSON *o = cJSON_CreateObject(), *m, *ts, *by, *q, *held, *counters, *problems, *restart;
	void *ctx;
	const struct cloud_ops *cloud = engine_cloud(e, &ctx);
	char *aws = cloud->status_json ? cloud->status_json(ctx) : NULL;
	const char **held_ids;
	size_t n_held, n_problems = 0;
	const char *const *lines = info->problems ? info->problems(info->data, &n_problems) : NULL;

	engine_counts(e, &c);
	cJSON_AddStringToObject(o, "version", info->version);
	cJSON_AddStringToObject(o, "instance", engine_instance(e));
	cJSON_AddBoolToObject(o, "ready", engine_ready(e));
	cJSON_AddBoolToObject(o, "paused", engine_paused(e));
	add_claim(o, e);
	cJSON_AddStringToObject(o, "mode", info->mode);
	restart = cJSON_AddArrayToObject(o, "restart_required");
	for (size_t i = 0; i < info->n_restart_required; i++)
		cJSON_AddItemToArray(restart, cJSON_CreateString(info->restart_required[i]));
	restart = cJSON_AddArrayToObject(o, "config_errors");
	for (size_t i = 0; i < info->n_config_errors; i++)
		cJSON_AddItemToArray(restart, cJSON_CreateString(info->config_errors[i]));
	m = cJSON_AddObjectToObject(o, "manifests");
	cJSON_AddStringToObject(m, "directory", info->manifests);
	cJSON_AddItemToObject(m, "revision", string_or_null(engine_revision(e)));
	problems = cJSON_AddArrayToObject(m, "problems");
	for (size_t i = 0; i < n_problems && i < STATUS_MAX_PROBLEMS; i++)
		cJSON_AddItemToArray(problems, cJSON_CreateString(lines[i]));
	if (n_problems > STATUS_MAX_PROBLEMS) {
		char *rest = xasprintf("... and %zu more problems (bedrock_tenantd_manifest_problems counts them all; "
				       "`bedrock-tenantd validate` lists them)",
				       n_problems - STATUS_MAX_PROBLEMS);
		cJSON_AddItemToArray(problems, cJSON_CreateString(rest));
		free(rest);
	}
	cJSON_AddNumberToObject(m, "tenants_failing", (double)engine_tenants_failing(e));
	cJSON_AddItemToObject(m, "git_sync", git_sync_json(info->manifests));
	ts = cJSON_AddObjectToObject(o, "tenants");
	cJSON_AddNumberToObject(ts, "total", (double)c.tenants);
	by = cJSON_AddObjectToObject(ts, "by_state");
	for (int s = 0; s < TENANT__STATE_COUNT; s++)
		cJSON_AddNumberToObject(by, tenant_state_name(s), (double)c.by_state[s]);
	q = cJSON_AddObjectToObject(o, "queue");
	cJSON_AddNumberToObject(q, "depth", (double)c.queue_depth);
	cJSON_AddNumberToObject(q, "reconciles_in_flight", (double)c.reconciles_in_flight);
	cJSON_AddNumberToObject(q, "aws_calls_in_flight", cloud->in_flight ? (double)cloud->in_flight(ctx) : 0);
	cJSON_AddItemToObject(o, "aws", aws ? cJSON_Parse(aws) : cJSON_CreateNull());
	free(aws);
	cJSON_AddItemToObject(o, "last_resync", engine_json_time(c.last_resync));
	cJSON_AddNumberToObject(o, "places", (double)c.places);
	cJSON_AddNumberToObject(o, "places_failing", (double)c.places_failing);
	held_ids = engine_held_tenants(e, &n_held);
	held = cJSON_AddArrayToObject(o, "held_deletions");
	for (size_t i = 0; i < n_held; i++)
		cJSON_AddItemToArray(held, cJSON_CreateString(held_ids[i]));
	free(held_ids);
	add_state_store(o, e);
	counters = cJSON_AddObjectToObject(o, "counters");
	cJSON_AddNumberToObject(counters, "reconciles", (double)c.reconciles);
	cJSON_AddNumberToObject(counters, "actions", (double)c.actions);
	cJSON_AddNumberToObject(counters, "action_failures", (double)c.action_failures);
	if (info->events) {
		cJSON *ev = cJSON_AddObjectToObject(o, "event_streams");
		cJSON_AddNumberToObject(ev, "open", (double)events_clients(info->events));
		cJSON_AddNumberToObject(ev, "dropped", (double)events_dropped(info->events));
	}
	if (info->notifications_json) {
		char *n = info->notifications_json(info->data);

		cJSON_AddItemToObject(o, "notifications", n ? cJSON_Parse(n) : cJSON_CreateNull());
		free(n);
	}
	if (info->cost_tags_json) {
		char *n = info->cost_tags_json(info->data);

		cJSON_AddItemToObject(o, "cost_allocation_tags", n ? cJSON_Parse(n) : cJSON_CreateNull());
		free(n);
	}
	return o;
}

static void manifest_metrics(const struct engine *e, const struct control_info *info, struct strbuf *out)
{
	size_t n_problems = 0;

	if (info->problems)
		info->problems(info->data, &n_problems);
	strbuf_addf(out,
		    "# HELP bedrock_tenantd_manifest_problems Problems in the manifest directory now (files that "
		    "fail, unreadable directories).\n"
		    "# TYPE bedrock_tenantd_manifest_problems gauge\nbedrock_tenantd_manifest_problems %zu\n"
		    "# HELP bedrock_tenantd_tenants_manifest_failing Tenants kept at their last good definition "
		    "because their manifest fails.\n"
		    "# TYPE bedrock_tenantd_tenants_manifest_failing gauge\n"
		    "bedrock_tenantd_tenants_manifest_failing %zu\n"
		    "# HELP bedrock_tenantd_restart_required Configuration keys changed in the file that wait for a "
		    "restart.\n"
		    "# TYPE bedrock_tenantd_restart_required gauge\nbedrock_tenantd_restart_required %zu\n"
		    "# HELP bedrock_tenantd_config_errors Errors of the configuration file that made the last "
		    "reload fail (0 once a reload succeeds).\n"
		    "# TYPE bedrock_tenantd_config_errors gauge\nbedrock_tenantd_config_errors %zu\n",
		    n_problems, engine_tenants_failing(e), info->n_restart_required, info->n_config_errors);
}

/* How the daemon runs and what it repaired (docs/metrics.md). */
static void operation_metrics(const struct engine *e, const struct control_info *info, const struct engine_counts *c,
			      struct strbuf *out)
{
	static const char *const modes[] = { "enforce", "report" };

	strbuf_addf(out,
		    "# HELP bedrock_tenantd_paused 1 while mutating calls are paused (bedrock-tenantctl pause).\n"
		    "# TYPE bedrock_tenantd_paused gauge\nbedrock_tenantd_paused %d\n"
		    "# HELP bedrock_tenantd_standby 1 while the instance's claim names another daemon (no mutating "
		    "call).\n"
		    "# TYPE bedrock_tenantd_standby gauge\nbedrock_tenantd_standby %d\n"
		    "# HELP bedrock_tenantd_mode The effective mode: 1 for the mode in force, 0 for the other.\n"
		    "# TYPE bedrock_tenantd_mode gauge\n",
		    engine_paused(e) ? 1 : 0, strcmp(engine_claim_state(e), "standby") ? 0 : 1);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		strbuf_addf(out, "bedrock_tenantd_mode{mode=\"%s\"} %d\n", modes[i],
			    info->mode && strcmp(info->mode, modes[i]) == 0);
	strbuf_addf(out,
		    "# HELP bedrock_tenantd_drift_repairs_total Changes that set back what was changed outside the "
		    "daemon.\n"
		    "# TYPE bedrock_tenantd_drift_repairs_total counter\nbedrock_tenantd_drift_repairs_total %llu\n"
		    "# HELP bedrock_tenantd_reconcile_duration_seconds Time a tenant's reconcile takes, from start to "
		    "its last answer.\n"
		    "# TYPE bedrock_tenantd_reconcile_duration_seconds histogram\n",
		    (unsigned long long)c->drift_repairs);
	histogram_print(&c->reconcile_seconds, "bedrock_tenantd_reconcile_duration_seconds", "", out);
}

void control_metrics(const struct engine *e, const struct control_info *info, struct strbuf *out)
{
	struct engine_counts c;
	void *ctx;
	const struct cloud_ops *cloud = engine_cloud(e, &ctx);

	engine_counts(e, &c);
	manifest_metrics(e, info, out);
	strbuf_adds(out, "# HELP bedrock_tenantd_ready 1 once the first full sync is done.\n"
			 "# TYPE bedrock_tenantd_ready gauge\n");
	strbuf_addf(out, "bedrock_tenantd_ready %d\n", engine_ready(e) ? 1 : 0);
	strbuf_adds(out, "# HELP bedrock_tenantd_tenants Tenants by state.\n# TYPE bedrock_tenantd_tenants gauge\n");
	for (int s = 0; s < TENANT__STATE_COUNT; s++)
		strbuf_addf(out, "bedrock_tenantd_tenants{state=\"%s\"} %zu\n", tenant_state_name(s), c.by_state[s]);
	strbuf_addf(out,
		    "# HELP bedrock_tenantd_queue_depth Tenants waiting for a reconcile.\n"
		    "# TYPE bedrock_tenantd_queue_depth gauge\nbedrock_tenantd_queue_depth %zu\n"
		    "# HELP bedrock_tenantd_reconciles_in_flight Reconciles running now.\n"
		    "# TYPE bedrock_tenantd_reconciles_in_flight gauge\nbedrock_tenantd_reconciles_in_flight %zu\n"
		    "# HELP bedrock_tenantd_held_deletions Tenants whose deletions wait for approval.\n"
		    "# TYPE bedrock_tenantd_held_deletions gauge\nbedrock_tenantd_held_deletions %zu\n"
		    "# HELP bedrock_tenantd_reconciles_total Reconciles started.\n"
		    "# TYPE bedrock_tenantd_reconciles_total counter\nbedrock_tenantd_reconciles_total %llu\n"
		    "# HELP bedrock_tenantd_actions_total AWS actions carried out.\n"
		    "# TYPE bedrock_tenantd_actions_total counter\nbedrock_tenantd_actions_total %llu\n"
		    "# HELP bedrock_tenantd_action_failures_total AWS actions that failed.\n"
		    "# TYPE bedrock_tenantd_action_failures_total counter\nbedrock_tenantd_action_failures_total %llu\n"
		    "# HELP bedrock_tenantd_last_resync_seconds Time of the last complete listing.\n"
		    "# TYPE bedrock_tenantd_last_resync_seconds gauge\nbedrock_tenantd_last_resync_seconds %lld\n"
		    "# HELP bedrock_tenantd_places Places (account and Region) the daemon knows.\n"
		    "# TYPE bedrock_tenantd_places gauge\nbedrock_tenantd_places %zu\n"
		    "# HELP bedrock_tenantd_places_failing Places whose last listing failed.\n"
		    "# TYPE bedrock_tenantd_places_failing gauge\nbedrock_tenantd_places_failing %zu\n"
		    "# HELP bedrock_tenantd_listings Listings of places in flight, and waiting their turn.\n"
		    "# TYPE bedrock_tenantd_listings gauge\nbedrock_tenantd_listings{state=\"in_flight\"} %zu\n"
		    "bedrock_tenantd_listings{state=\"waiting\"} %zu\n",
		    c.queue_depth, c.reconciles_in_flight, c.held, (unsigned long long)c.reconciles,
		    (unsigned long long)c.actions, (unsigned long long)c.action_failures, (long long)c.last_resync,
		    c.places, c.places_failing, c.listings_in_flight, c.listings_waiting);
	if (cloud->metrics)
		cloud->metrics(ctx, out);
	operation_metrics(e, info, &c, out);
	if (info->metrics)
		info->metrics(info->data, out);
}
