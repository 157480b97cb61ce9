#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char *const action_names[ACT__COUNT] = {
	[ACT_PROFILE_CREATE] = "create-profile",
	[ACT_PROFILE_TAG] = "tag-profile",
	[ACT_PROFILE_UNTAG] = "untag-profile",
	[ACT_PROFILE_DELETE] = "delete-profile",
	[ACT_PROFILE_READ_TAGS] = "read-profile-tags",
	[ACT_PARAM_CREATE] = "create-parameter",
	[ACT_PARAM_UPDATE] = "update-parameter",
	[ACT_PARAM_TAG] = "tag-parameter",
	[ACT_PARAM_UNTAG] = "untag-parameter",
	[ACT_PARAM_DELETE] = "delete-parameter",
	[ACT_PARAM_READ_TAGS] = "read-parameter-tags",
	[ACT_BUDGET_CREATE] = "create-budget",
	[ACT_BUDGET_UPDATE] = "update-budget",
	[ACT_BUDGET_DELETE] = "delete-budget",
	[ACT_BUDGET_TAG] = "tag-budget",
	[ACT_BUDGET_UNTAG] = "untag-budget",
	[ACT_BUDGET_READ_TAGS] = "read-budget-tags",
	[ACT_BUDGET_READ_ALERTS] = "read-budget-alerts",
	[ACT_NOTIFICATION_CREATE] = "create-notification",
	[ACT_NOTIFICATION_UPDATE] = "update-notification",
	[ACT_NOTIFICATION_DELETE] = "delete-notification",
	[ACT_SUBSCRIBER_CREATE] = "create-subscriber",
	[ACT_SUBSCRIBER_DELETE] = "delete-subscriber",
	[ACT_POLICY_READ] = "read-role-policy",
	[ACT_POLICY_PUT] = "put-role-policy",
	[ACT_POLICY_DELETE] = "delete-role-policy",
	[ACT_FACT_SET] = "record-fact",
	[ACT_FACT_CLEAR] = "forget-fact",
	[ACT_TIMER_START] = "start-timer",
	[ACT_TIMER_CLEAR] = "clear-timer",
	[ACT_INTENT_CLEAR] = "clear-intent",
	[ACT_DENY_POLICY_CREATE] = "create-deny-policy",
	[ACT_DENY_POLICY_UPDATE] = "update-deny-policy",
	[ACT_DENY_POLICY_DELETE] = "delete-deny-policy",
	[ACT_DENY_POLICY_DETACH] = "detach-deny-policy",
	[ACT_DENY_POLICY_ATTACH] = "attach-deny-policy",
	[ACT_BUDGET_ACTION_CREATE] = "create-budget-action",
	[ACT_BUDGET_ACTION_UPDATE] = "update-budget-action",
	[ACT_BUDGET_ACTION_DELETE] = "delete-budget-action",
	[ACT_BUDGET_ACTION_EXECUTE] = "execute-budget-action",
};

const char *action_kind_name(enum action_kind kind)
{
	return kind < ACT__COUNT && action_names[kind] ? action_names[kind] : "unknown";
}

bool action_calls_aws(enum action_kind kind)
{
	return kind != ACT_TIMER_START && kind != ACT_TIMER_CLEAR && kind != ACT_INTENT_CLEAR && kind != ACT_FACT_SET &&
	       kind != ACT_FACT_CLEAR;
}

bool action_mutates(enum action_kind kind)
{
	return action_calls_aws(kind) && kind != ACT_PROFILE_READ_TAGS && kind != ACT_PARAM_READ_TAGS &&
	       kind != ACT_BUDGET_READ_TAGS && kind != ACT_BUDGET_READ_ALERTS && kind != ACT_POLICY_READ;
}

bool plan_mutates(const struct plan *p)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (action_mutates(p->actions[i].kind))
			return true;
	return false;
}

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void action_release(struct action *a)
{
	free(a->resource);
	free(a->profile_key);
	free(a->name);
	free(a->model_arn);
	free(a->description);
	free(a->token);
	free(a->value);
	free(a->budget);
	free(a->limit);
	free(a->time_unit);
	free(a->filter);
	for (size_t i = 0; i < a->n_alerts; i++)
		observed_alert_release(&a->alerts[i]);
	free(a->alerts);
	observed_alert_release(&a->old_alert);
	free(a->subscriber);
	free(a->role);
	free(a->action_id);
	free(a->version);
	free(a->execution_role);
	for (size_t i = 0; i < a->n_roles; i++)
		free(a->roles[i]);
	free(a->roles);
	for (size_t i = 0; i < a->n_subscribers; i++)
		free(a->subscribers[i]);
	free(a->subscribers);
	tag_set_release(&a->tags);
	for (size_t i = 0; i < a->n_keys; i++)
		free(a->keys[i]);
	free(a->keys);
	free(a->reason);
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n_actions; i++)
		action_release(&p->actions[i]);
	free(p->actions);
	for (size_t i = 0; i < p->n_conflicts; i++) {
		free(p->conflicts[i].resource);
		free(p->conflicts[i].message);
	}
	free(p->conflicts);
	free(p->error);
	plan_init(p);
}

struct action *plan_add(struct plan *p, enum action_kind kind, const char *reason_fmt, ...)
{
	struct action *a;
	va_list ap;

	XGROW(p->actions, p->n_actions + 1, p->alloc_actions);
	a = &p->actions[p->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	tag_set_init(&a->tags);
	va_start(ap, reason_fmt);
	a->reason = xvasprintf(reason_fmt, ap);
	va_end(ap);
	return a;
}

void plan_conflict(struct plan *p, const char *resource, const char *fmt, ...)
{
	struct conflict *c;
	va_list ap;

	XGROW(p->conflicts, p->n_conflicts + 1, p->alloc_conflicts);
	c = &p->conflicts[p->n_conflicts++];
	c->resource = xstrdup(resource);
	va_start(ap, fmt);
	c->message = xvasprintf(fmt, ap);
	va_end(ap);
}

void plan_wake(struct plan *p, int64_t at)
{
	if (!p->wake_at || at < p->wake_at)
		p->wake_at = at;
}

size_t plan_aws_actions(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_actions; i++)
		n += action_calls_aws(p->actions[i].kind);
	return n;
}
