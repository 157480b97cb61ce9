#include "plan_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "simulate.h"
#include "xalloc.h"

void change_list_add(struct change_list *l, char op, const char *key, const char *old_value, const char *new_value)
{
	struct change *c;

	XGROW(l->v, l->n + 1, l->alloc);
	c = &l->v[l->n++];
	c->op = op;
	c->key = xstrdup(key);
	c->old_value = xstrdup_or_null(simulate_display(old_value));
	c->new_value = xstrdup_or_null(simulate_display(new_value));
}

void change_list_release(struct change_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].old_value);
		free(l->v[i].new_value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void add_value(struct strbuf *out, const char *v)
{
	if (strcmp(v, SIMULATE_KNOWN_AFTER_CREATE) == 0) {
		strbuf_adds(out, v);
		return;
	}
	strbuf_addch(out, '"');
	for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
		if (*c == '"' || *c == '\\')
			strbuf_addf(out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			strbuf_addf(out, "\\x%02x", *c);
		else
			strbuf_addch(out, (char)*c);
	}
	strbuf_addch(out, '"');
}

void change_format(const struct change *c, struct strbuf *out)
{
	strbuf_addf(out, "%c %s", c->op, c->key);
	if (c->op == '+' && c->new_value) {
		strbuf_adds(out, ": ");
		add_value(out, c->new_value);
	} else if (c->op == '-' && c->old_value) {
		strbuf_adds(out, ": ");
		add_value(out, c->old_value);
	} else if (c->op == '~') {
		strbuf_adds(out, ": ");
		add_value(out, c->old_value ? c->old_value : "");
		strbuf_adds(out, " -> ");
		add_value(out, c->new_value ? c->new_value : "");
	}
}

char plan_render_symbol(const struct action *a)
{
	switch (a->kind) {
	case ACT_PROFILE_CREATE:
	case ACT_PARAM_CREATE:
	case ACT_BUDGET_CREATE:
	case ACT_NOTIFICATION_CREATE:
	case ACT_SUBSCRIBER_CREATE:
	case ACT_DENY_POLICY_CREATE:
	case ACT_BUDGET_ACTION_CREATE:
		return '+';
	case ACT_PROFILE_DELETE:
	case ACT_PARAM_DELETE:
	case ACT_BUDGET_DELETE:
	case ACT_NOTIFICATION_DELETE:
	case ACT_SUBSCRIBER_DELETE:
	case ACT_POLICY_DELETE:
	case ACT_DENY_POLICY_DELETE:
	case ACT_BUDGET_ACTION_DELETE:
		return '-';
	default:
		if (!action_calls_aws(a->kind) || a->kind == ACT_PROFILE_READ_TAGS || a->kind == ACT_PARAM_READ_TAGS ||
		    a->kind == ACT_BUDGET_READ_TAGS || a->kind == ACT_BUDGET_READ_ALERTS || a->kind == ACT_POLICY_READ)
			return '.';
		return a->destructive ? '-' : '~';
	}
}

char *plan_render_alert(const struct observed_alert *a, bool with_subscribers)
{
	struct strbuf out;
	const char *cmp = strcmp(a->comparison, "GREATER_THAN") == 0 ? ">"
			  : strcmp(a->comparison, "LESS_THAN") == 0  ? "<"
								     : "=";
	bool pct = !a->threshold_type || strcmp(a->threshold_type, "PERCENTAGE") == 0;

	strbuf_init(&out, STRBUF_NO_CAP);
	strbuf_addf(&out, "%s %s %g%s", a->type, cmp, a->threshold, pct ? "%" : " USD");
	if (with_subscribers && a->n_subscribers) {
		strbuf_adds(&out, " (");
		for (size_t i = 0; i < a->n_subscribers; i++)
			strbuf_addf(&out, "%s%s", i ? ", " : "", a->subscribers[i]);
		strbuf_addch(&out, ')');
	}
	return strbuf_detach(&out, NULL);
}

static const struct observed_profile *profile_at(const struct observed_store *s, const char *arn)
{
	return arn ? observed_store_profile(s, arn) : NULL;
}

char *plan_render_subject(const struct action *a, const struct observed_store *before)
{
	const struct observed_profile *p;
	const char *k;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		return xstrdup(a->name ? a->name : "");
	case ACT_POLICY_READ:
	case ACT_POLICY_PUT:
	case ACT_POLICY_DELETE:
		return xasprintf("%s/%s", a->role ? a->role : "", a->name ? a->name : "");
	case ACT_INTENT_CLEAR:
		return xstrdup(a->profile_key ? a->profile_key : "");
	case ACT_DENY_POLICY_CREATE:
	case ACT_DENY_POLICY_UPDATE:
	case ACT_DENY_POLICY_DELETE:
	case ACT_DENY_POLICY_ATTACH:
	case ACT_DENY_POLICY_DETACH:
		return xstrdup(a->name ? a->name : "");
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
	case ACT_BUDGET_ACTION_DELETE:
	case ACT_BUDGET_ACTION_EXECUTE:
		return xasprintf("%s/action", a->budget ? a->budget : "");
	case ACT_FACT_SET:
	case ACT_FACT_CLEAR: {
		/* "alerts\nBUDGET" or "policy\nROLE\nPOLICY" */
		const char *nl = a->resource ? strchr(a->resource, '\n') : NULL;
		char *s = xstrdup(nl ? nl + 1 : a->resource ? a->resource : ""), *c;
		while ((c = strchr(s, '\n')))
			*c = '/';
		return s;
	}
	default:
		break;
	}
	if (a->budget)
		return xstrdup(a->budget);
	if ((p = profile_at(before, a->resource)) && p->name)
		return xstrdup(p->name);
	k = simulate_display(a->resource);
	return xstrdup(k ? k : a->name ? a->name : "");
}

/* ---- tags ---- */

static void tag_changes(const struct action *a, const struct tag_set *have, struct change_list *ret)
{
	for (size_t i = 0; i < a->tags.n; i++) {
		const char *old = have ? tag_set_get(have, tag_set_key(&a->tags, i)) : NULL;
		if (old && strcmp(old, tag_set_value(&a->tags, i)) == 0)
			continue;
		change_list_add(ret, old ? '~' : '+', tag_set_key(&a->tags, i), old, tag_set_value(&a->tags, i));
	}
	for (size_t i = 0; i < a->n_keys; i++)
		change_list_add(ret, '-', a->keys[i], have ? tag_set_get(have, a->keys[i]) : NULL, NULL);
}

static void new_tags(const struct tag_set *tags, struct change_list *ret)
{
	for (size_t i = 0; i < tags->n; i++) {
		char *key = xasprintf("tags.%s", tag_set_key(tags, i));
		change_list_add(ret, '+', key, NULL, tag_set_value(tags, i));
		free(key);
	}
}

/* ---- budgets ---- */

static char *limit_text(const char *amount, const char *unit)
{
	return xasprintf("%s %s", amount ? amount : "?", unit ? unit : "USD");
}

static void budget_update_changes(const struct action *a, const struct observed_budget *b, struct change_list *ret)
{
	char *want = limit_text(a->limit, "USD"),
	     *have = b ? limit_text(observed_budget_limit_amount(b), b->limit_unit) : NULL;
	char *filter;

	if (!b || !observed_budget_limit_amount(b) || !a->limit ||
	    strtod(observed_budget_limit_amount(b), NULL) != strtod(a->limit, NULL) || !b->limit_unit ||
	    strcmp(b->limit_unit, "USD") != 0)
		change_list_add(ret, b ? '~' : '+', "limit", have, want);
	if (!b || !b->time_unit || strcmp(b->time_unit, a->time_unit) != 0)
		change_list_add(ret, b && b->time_unit ? '~' : '+', "period", b ? b->time_unit : NULL, a->time_unit);
	if (b && b->cost_filters)
		change_list_add(ret, '-', "cost_filters", "(legacy CostFilters)", NULL);
	filter = b ? observed_budget_filter(b) : NULL;
	if (!filter || strcmp(filter, a->filter) != 0)
		change_list_add(ret, filter ? '~' : '+', "filter", filter, a->filter);
	free(filter);
	free(want);
	free(have);
}

static void alert_change(struct change_list *ret, char op, const char *key, const struct observed_alert *old,
			 const struct observed_alert *new, bool subscribers)
{
	char *o = old ? plan_render_alert(old, subscribers) : NULL,
	     *n = new ? plan_render_alert(new, subscribers) : NULL;

	change_list_add(ret, op, key, o, n);
	free(o);
	free(n);
}

static void budget_changes(const struct action *a, const struct observed_budget *b, struct change_list *ret)
{
	char *s;

	switch (a->kind) {
	case ACT_BUDGET_CREATE:
		budget_update_changes(a, NULL, ret);
		new_tags(&a->tags, ret);
		for (size_t i = 0; i < a->n_alerts; i++)
			alert_change(ret, '+', "alert", NULL, &a->alerts[i], true);
		break;
	case ACT_BUDGET_UPDATE:
		budget_update_changes(a, b, ret);
		break;
	case ACT_BUDGET_DELETE:
		s = b ? limit_text(observed_budget_limit_amount(b), b->limit_unit) : NULL;
		change_list_add(ret, '-', "limit", s, NULL);
		free(s);
		break;
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
		tag_changes(a, b ? &b->tags : NULL, ret);
		break;
	case ACT_NOTIFICATION_CREATE:
		alert_change(ret, '+', "alert", NULL, &a->alerts[0], true);
		break;
	case ACT_NOTIFICATION_UPDATE:
		alert_change(ret, '~', "alert", &a->old_alert, &a->alerts[0], false);
		break;
	case ACT_NOTIFICATION_DELETE:
		alert_change(ret, '-', "alert", &a->alerts[0], NULL, true);
		break;
	case ACT_SUBSCRIBER_CREATE:
	case ACT_SUBSCRIBER_DELETE: {
		char *al = plan_render_alert(&a->alerts[0], false), *key = xasprintf("subscriber of %s", al);
		if (a->kind == ACT_SUBSCRIBER_CREATE)
			change_list_add(ret, '+', key, NULL, a->subscriber);
		else
			change_list_add(ret, '-', key, a->subscriber, NULL);
		free(al);
		free(key);
		break;
	}
	default:
		break;
	}
}

/* ---- policies, statement by statement (Sid) ---- */

static cJSON *statements(cJSON *doc)
{
	cJSON *st = doc ? cJSON_GetObjectItemCaseSensitive(doc, "Statement") : NULL;

	return cJSON_IsArray(st) ? st : NULL;
}

static const cJSON *by_sid(const cJSON *list, const char *sid)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, list)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "Sid");
		if (cJSON_IsString(id) && strcmp(id->valuestring, sid) == 0)
			return s;
	}
	return NULL;
}

static bool has_resource(const cJSON *st, const char *arn)
{
	const cJSON *r = st ? cJSON_GetObjectItemCaseSensitive(st, "Resource") : NULL, *x;

	if (!r)
		return false;
	if (cJSON_IsString(r))
		return strcmp(r->valuestring, arn) == 0;
	cJSON_ArrayForEach(x, r)
	{
		if (cJSON_IsString(x) && strcmp(x->valuestring, arn) == 0)
			return true;
	}
	return false;
}

/* Resources of `from` that `other` lacks, as changes op. Returns how many. */
static size_t resource_changes(const cJSON *from, const cJSON *other, char op, const char *key, struct change_list *ret)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(from, "Resource"), *x;
	size_t n = 0;

	if (!r)
		return 0;
	if (cJSON_IsString(r)) {
		if (!has_resource(other, r->valuestring)) {
			change_list_add(ret, op, key, op == '-' ? r->valuestring : NULL,
					op == '+' ? r->valuestring : NULL);
			n++;
		}
		return n;
	}
	cJSON_ArrayForEach(x, r)
	{
		if (!cJSON_IsString(x) || has_resource(other, x->valuestring))
			continue;
		change_list_add(ret, op, key, op == '-' ? x->valuestring : NULL, op == '+' ? x->valuestring : NULL);
		n++;
	}
	return n;
}

static const char *sid_of(const cJSON *st)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(st, "Sid");

	return cJSON_IsString(id) ? id->valuestring : "(no Sid)";
}

/* Every string under a statement's Condition, for a set comparison. */
static void condition_values(const cJSON *node, cJSON *into)
{
	const cJSON *c;

	if (cJSON_IsString(node)) {
		cJSON_AddItemToArray(into, cJSON_CreateString(node->valuestring));
		return;
	}
	cJSON_ArrayForEach(c, node) condition_values(c, into);
}

static cJSON *conditions_as_statement(const cJSON *st)
{
	cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "Resource");

	if (st)
		condition_values(cJSON_GetObjectItemCaseSensitive(st, "Condition"), list);
	return o;
}

/* A statement that stays: its resources, its condition values, and its actions or
 * effect, each as it changes. */
static void statement_changes(const cJSON *want, const cJSON *have, const char *key, struct change_list *ret)
{
	cJSON *cw = conditions_as_statement(want), *ch = conditions_as_statement(have);
	char *ckey = xasprintf("%s condition", key);
	static const char *const fields[] = { "Effect", "Action", "NotAction", "NotResource" };

	resource_changes(want, have, '+', key, ret);
	resource_changes(have, want, '-', key, ret);
	resource_changes(cw, ch, '+', ckey, ret);
	resource_changes(ch, cw, '-', ckey, ret);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, fields[i]);
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(have, fields[i]);
		char *ws, *hs, *fkey;
		if (cJSON_Compare(w, h, true) || (!w && !h))
			continue;
		ws = w ? cJSON_PrintUnformatted(w) : NULL;
		hs = h ? cJSON_PrintUnformatted(h) : NULL;
		fkey = xasprintf("%s %s", key, fields[i]);
		change_list_add(ret, w && h ? '~' : w ? '+' : '-', fkey, hs, ws);
		free(ws);
		free(hs);
		free(fkey);
	}
	cJSON_Delete(cw);
	cJSON_Delete(ch);
	free(ckey);
}

/* Every resource of every statement of list, added or removed. */
static void whole_statements(const cJSON *list, char op, struct change_list *ret)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, list)
	{
		char *key = xasprintf("statement %s", sid_of(s));
		if (!resource_changes(s, NULL, op, key, ret))
			change_list_add(ret, op, key, NULL, NULL);
		free(key);
	}
}

static void policy_changes(const char *old_doc, const char *new_doc, struct change_list *ret)
{
	cJSON *o = old_doc ? cJSON_Parse(old_doc) : NULL, *n = new_doc ? cJSON_Parse(new_doc) : NULL;
	const cJSON *os = statements(o), *ns = statements(n), *s;

	if (!os || !ns) {
		if (os)
			whole_statements(os, '-', ret);
		if (ns)
			whole_statements(ns, '+', ret);
		if (old_doc && !os)
			change_list_add(ret, '-', "document", "(not readable as a policy)", NULL);
		goto out;
	}
	cJSON_ArrayForEach(s, ns)
	{
		const cJSON *was = by_sid(os, sid_of(s));
		char *key = xasprintf("statement %s", sid_of(s));
		if (!was) {
			if (!resource_changes(s, NULL, '+', key, ret))
				change_list_add(ret, '+', key, NULL, NULL);
		} else {
			statement_changes(s, was, key, ret);
		}
		free(key);
	}
	cJSON_ArrayForEach(s, os)
	{
		if (!by_sid(ns, sid_of(s))) {
			char *key = xasprintf("statement %s", sid_of(s));
			if (!resource_changes(s, NULL, '-', key, ret))
				change_list_add(ret, '-', key, NULL, NULL);
			free(key);
		}
	}
out:
	cJSON_Delete(o);
	cJSON_Delete(n);
}

/* ---- budget enforcement ---- */

static char *join(char *const *v, size_t n)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
	return strbuf_detach(&sb, NULL);
}

static const struct observed_budget_action *budget_action_at(const struct observed_store *s, const struct action *a)
{
	const struct observed_budget *b = a->budget ? observed_store_budget(s, a->budget) : NULL;

	for (size_t i = 0; b && a->action_id && i < b->n_actions; i++)
		if (b->actions[i].id && strcmp(b->actions[i].id, a->action_id) == 0)
			return &b->actions[i];
	return NULL;
}

static void enforce_changes(const struct action *a, const struct observed_store *before, struct change_list *ret)
{
	const struct observed_budget_action *live = budget_action_at(before, a);
	char *want, *have;

	switch (a->kind) {
	case ACT_DENY_POLICY_CREATE:
		change_list_add(ret, '+', "arn", NULL, a->resource);
		policy_changes(NULL, a->value, ret);
		break;
	case ACT_DENY_POLICY_UPDATE:
		change_list_add(ret, '~', "default_version", a->version, "(new)");
		break;
	case ACT_DENY_POLICY_DELETE:
		change_list_add(ret, '-', "arn", a->resource, NULL);
		for (size_t i = 0; i < a->n_roles; i++) {
			char *key = xasprintf("detached from %s", a->roles[i]);
			change_list_add(ret, '-', key, NULL, NULL);
			free(key);
		}
		break;
	case ACT_DENY_POLICY_ATTACH:
		for (size_t i = 0; i < a->n_roles; i++) {
			char *key = xasprintf("attached to %s", a->roles[i]);
			change_list_add(ret, '+', key, NULL, NULL);
			free(key);
		}
		break;
	case ACT_DENY_POLICY_DETACH:
		for (size_t i = 0; i < a->n_roles; i++) {
			char *key = xasprintf("detached from %s", a->roles[i]);
			change_list_add(ret, '-', key, NULL, NULL);
			free(key);
		}
		break;
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
		want = xasprintf("%g%%", a->threshold);
		have = live ? xasprintf("%g%%", live->threshold) : NULL;
		if (!have || strcmp(have, want) != 0)
			change_list_add(ret, have ? '~' : '+', "threshold", have, want);
		free(want);
		free(have);
		want = join(a->roles, a->n_roles);
		have = live ? join(live->roles, live->n_roles) : NULL;
		if (!have || strcmp(have, want) != 0)
			change_list_add(ret, have ? '~' : '+', "roles", have, want);
		free(want);
		free(have);
		if (!live || !live->execution_role_arn || strcmp(live->execution_role_arn, a->execution_role) != 0)
			change_list_add(ret, live ? '~' : '+', "execution_role", live ? live->execution_role_arn : NULL,
					a->execution_role);
		want = join(a->subscribers, a->n_subscribers);
		have = live ? join(live->subscribers, live->n_subscribers) : NULL;
		if (have && strcmp(have, want) != 0)
			change_list_add(ret, '~', "subscribers", have, want);
		free(want);
		free(have);
		if (!live)
			change_list_add(ret, '+', "policy", NULL, a->resource);
		break;
	case ACT_BUDGET_ACTION_DELETE:
		change_list_add(ret, '-', "action", a->action_id, NULL);
		break;
	default: /* ACT_BUDGET_ACTION_EXECUTE */
		change_list_add(ret, '~', "status", live ? live->status : NULL,
				strcmp(a->value, "REVERSE_BUDGET_ACTION") == 0 ? "REVERSE_SUCCESS"
				: strcmp(a->value, "RETRY_BUDGET_ACTION") != 0 ? "STANDBY"
				: live && live->status && !strcmp(live->status, "REVERSE_FAILURE")
					? "REVERSE_SUCCESS"
					: "EXECUTION_SUCCESS");
		break;
	}
}

/* The model keeps of a live policy its digest, not always its document (the bulk IAM
 * read, the engine's own writes): the audit of a write then says the statements it
 * replaces are not known (plan reads the policy first: simulate.c). */
static void policy_unread(const struct observed_policy *pol, struct change_list *ret)
{
	if (observed_policy_exists(pol) && !pol->document)
		change_list_add(ret, '-', "document", "(not kept: only its digest)", NULL);
}

/* ---- every kind ---- */

void plan_render_changes(const struct action *a, const struct observed_store *before, struct change_list *ret)
{
	const struct observed_profile *p = profile_at(before, a->resource);
	const struct observed_parameter *q = a->resource ? observed_store_parameter(before, a->resource) : NULL;
	const struct observed_policy *pol = a->role && a->name ? observed_store_policy(before, a->role, a->name) : NULL;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		change_list_add(ret, '+', "arn", NULL, SIMULATE_KNOWN_AFTER_CREATE);
		change_list_add(ret, '+', "copy_from", NULL, a->model_arn);
		if (a->description)
			change_list_add(ret, '+', "description", NULL, a->description);
		new_tags(&a->tags, ret);
		break;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
		tag_changes(a, p ? &p->tags : NULL, ret);
		break;
	case ACT_PROFILE_DELETE:
		change_list_add(ret, '-', "arn", a->resource, NULL);
		break;
	case ACT_PARAM_CREATE:
		change_list_add(ret, '+', "value", NULL, a->value);
		new_tags(&a->tags, ret);
		break;
	case ACT_PARAM_UPDATE:
		change_list_add(ret, '~', "value", q ? q->value : NULL, a->value);
		break;
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
		tag_changes(a, q ? &q->tags : NULL, ret);
		break;
	case ACT_PARAM_DELETE:
		change_list_add(ret, '-', "value", q ? q->value : NULL, NULL);
		break;
	case ACT_BUDGET_CREATE:
	case ACT_BUDGET_UPDATE:
	case ACT_BUDGET_DELETE:
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
	case ACT_NOTIFICATION_CREATE:
	case ACT_NOTIFICATION_UPDATE:
	case ACT_NOTIFICATION_DELETE:
	case ACT_SUBSCRIBER_CREATE:
	case ACT_SUBSCRIBER_DELETE:
		budget_changes(a, a->budget ? observed_store_budget(before, a->budget) : NULL, ret);
		break;
	case ACT_POLICY_PUT:
		policy_unread(pol, ret);
		policy_changes(pol ? pol->document : NULL, a->value, ret);
		break;
	case ACT_POLICY_DELETE:
		policy_unread(pol, ret);
		policy_changes(pol ? pol->document : NULL, NULL, ret);
		break;
	case ACT_DENY_POLICY_CREATE:
	case ACT_DENY_POLICY_UPDATE:
	case ACT_DENY_POLICY_DELETE:
	case ACT_DENY_POLICY_ATTACH:
	case ACT_DENY_POLICY_DETACH:
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
	case ACT_BUDGET_ACTION_DELETE:
	case ACT_BUDGET_ACTION_EXECUTE:
		enforce_changes(a, before, ret);
		break;
	default:
		break;
	}
}
