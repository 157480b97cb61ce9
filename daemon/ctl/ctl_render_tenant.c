/* The tenant view: one tenant in full, desired beside observed, with the deletion
 * timers running on its resources and its history. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl_render.h"

static int tenant_exit(const cJSON *j)
{
	return strcmp(render_str(j, "state", ""), "Ready") || render_manifest_fails(j) ? 1 : 0;
}

/* When a resource goes: a replaced profile drains, one no longer desired waits out
 * its grace; both are deleted (or, with deletion_policy retain, released) then. */
static void deletion_text(const cJSON *tenant, const cJSON *resource, char *buf, size_t len)
{
	const cJSON *d = cJSON_GetObjectItem(resource, "deletion");
	const char *timer = render_str(d, "timer", NULL);

	if (!cJSON_IsObject(d) || !timer)
		snprintf(buf, len, "-");
	else if (!strcmp(timer, "drain"))
		snprintf(buf, len, "draining: deleted after %s", render_str(d, "at", "?"));
	else
		snprintf(buf, len, "no longer desired: goes after %s%s", render_str(d, "at", "?"),
			 cJSON_IsTrue(cJSON_GetObjectItem(tenant, "held")) ? " once approved" : "");
}

/* A spend AWS has not reported is said so, with the reason, never as "?". */
static void spend_text(const cJSON *b, char *buf, size_t len)
{
	const char *actual = render_str(b, "actual_spend_usd", NULL), *fc = render_str(b, "forecasted_spend_usd", NULL);

	if (!actual && !cJSON_IsFalse(cJSON_GetObjectItem(b, "listed")))
		snprintf(buf, len,
			 "spend not yet reported (AWS has not calculated this budget's spend yet; it does "
			 "within hours of its creation)");
	else if (!actual)
		snprintf(buf, len,
			 "spend not yet reported (the budget was written since the daemon's last listing, "
			 "which alone reads spend: the next one shows it)");
	else if (!fc)
		snprintf(buf, len, "spend %s actual, no forecast yet (AWS forecasts once it has enough history)",
			 actual);
	else
		snprintf(buf, len, "spend %s actual / %s forecasted", actual, fc);
}

static void render_observed(FILE *out, const cJSON *j, const cJSON *o, bool wide)
{
	const cJSON *p, *m;
	char when[160];

	fprintf(out, "\n%-90s %-8s %s\n", "LIVE PROFILE ARN", "MANAGED", wide ? "DELETION / MODELS" : "DELETION");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "profiles"))
	{
		deletion_text(j, p, when, sizeof(when));
		fprintf(out, "%-90s %-8s %s", render_str(p, "arn", "?"),
			cJSON_IsTrue(cJSON_GetObjectItem(p, "managed")) ? "yes" : "no", when);
		if (wide)
			cJSON_ArrayForEach(m, cJSON_GetObjectItem(p, "models")) fprintf(out, " %s", m->valuestring);
		fprintf(out, "\n");
	}
	fprintf(out, "\n%-50s %-90s %s\n", "PARAMETER", "VALUE", "DELETION");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "parameters"))
	{
		deletion_text(j, p, when, sizeof(when));
		fprintf(out, "%-50s %-90s %s\n", render_str(p, "name", "?"), render_str(p, "value", "-"), when);
	}
}

/* The draining and departing profiles, first, where an operator looks. */
static void render_deletions(FILE *out, const cJSON *j, const cJSON *o)
{
	const cJSON *p;
	char when[160];

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "profiles"))
	{
		if (!cJSON_IsObject(cJSON_GetObjectItem(p, "deletion")))
			continue;
		deletion_text(j, p, when, sizeof(when));
		fprintf(out, "%-14s %s (%s): %s\n", "old profile", render_str(p, "name", "?"),
			render_str(p, "arn", "?"), when);
	}
}

/* spec.budget.enforce: the threshold, the deny policy, and what the action did. */
/* The first of the action's roles that is not among the roles the listing read the
 * deny policy attached to (NULL: all are, or those were not read). */
static const char *loose_role(const cJSON *action_roles, const cJSON *attached_roles)
{
	const cJSON *r, *q;

	if (!cJSON_IsArray(attached_roles))
		return NULL;
	cJSON_ArrayForEach(r, action_roles)
	{
		bool on = false;
		if (!cJSON_IsString(r))
			continue;
		cJSON_ArrayForEach(q, attached_roles)
		{
			if (cJSON_IsString(q) && !strcasecmp(r->valuestring, q->valuestring))
				on = true;
		}
		if (!on) /* IAM role names ignore case */
			return r->valuestring;
	}
	return NULL;
}

/* The first of the action's roles the deny policy is attached to, as the listing read
 * its roles (those of a failed execution's policy are read too); NULL: none, or not
 * read. */
static const char *held_role(const cJSON *action_roles, const cJSON *attached_roles)
{
	const cJSON *r, *q;

	if (!cJSON_IsArray(attached_roles))
		return NULL;
	cJSON_ArrayForEach(r, action_roles)
	{
		if (!cJSON_IsString(r))
			continue;
		cJSON_ArrayForEach(q, attached_roles)
		{
			if (cJSON_IsString(q) && !strcasecmp(r->valuestring, q->valuestring))
				return r->valuestring;
		}
	}
	return NULL;
}

/* The budget's actual spend (as the last listing read it) is under the action's
 * threshold, as the daemon judges it (state/diff_enforce.c): the executed action is
 * due to be reversed, the tenant no longer over budget. */
static bool under_threshold(const cJSON *budget, const cJSON *action)
{
	const char *spend = render_str(budget, "actual_spend_usd", NULL),
		   *limit = render_str(budget, "limit_usd", NULL);
	const cJSON *at = cJSON_GetObjectItem(action, "threshold");
	double l = limit ? strtod(limit, NULL) : 0;

	if (!spend || !cJSON_IsNumber(at) || l <= 0)
		return false;
	return strtod(spend, NULL) < l * cJSON_GetNumberValue(at) / 100.0;
}

static void render_enforcement(FILE *out, const cJSON *b, const cJSON *o)
{
	const cJSON *e = cJSON_GetObjectItem(b, "enforce"), *d = cJSON_GetObjectItem(o, "deny_policy"), *bu, *a;
	const cJSON *attached = cJSON_GetObjectItem(d, "attachments");
	const char *status = NULL, *loose = NULL, *held = NULL;
	char effect[200] = "";
	int roles = 0;
	bool under = false;

	if (!cJSON_IsObject(e))
		return;
	cJSON_ArrayForEach(bu, cJSON_GetObjectItem(o, "budgets"))
		cJSON_ArrayForEach(a, cJSON_GetObjectItem(bu, "actions"))
	{
		const char *arn = render_str(a, "policy_arn", ""), *name = render_str(d, "arn", NULL);
		if (name && !strcmp(arn, name)) {
			status = render_str(a, "status", NULL);
			roles = cJSON_GetArraySize(cJSON_GetObjectItem(a, "roles"));
			under = under_threshold(bu, a);
			if (!strcmp(status ? status : "", "EXECUTION_SUCCESS"))
				loose = loose_role(cJSON_GetObjectItem(a, "roles"),
						   cJSON_GetObjectItem(d, "attached_roles"));
			else if (!strcmp(status ? status : "", "EXECUTION_FAILURE"))
				held = held_role(cJSON_GetObjectItem(a, "roles"),
						 cJSON_GetObjectItem(d, "attached_roles"));
		}
	}
	/* what the roles are now: Budgets' status says what it did, the listing whether the
	 * policy is still attached (it may have been detached by hand since) */
	if (loose)
		snprintf(effect, sizeof(effect),
			 " (over budget, but the deny policy is not attached to role %.80s: it is not denied)", loose);
	else if (status && !strcmp(status, "EXECUTION_SUCCESS") &&
		 !cJSON_IsArray(cJSON_GetObjectItem(d, "attached_roles")) && cJSON_IsNumber(attached) &&
		 cJSON_GetNumberValue(attached) < roles)
		snprintf(effect, sizeof(effect),
			 " (over budget, but the deny policy is attached to %g of its %d roles: "
			 "they are not denied)",
			 cJSON_GetNumberValue(attached), roles);
	else if (status && !strcmp(status, "EXECUTION_SUCCESS") && under)
		snprintf(effect, sizeof(effect),
			 " (under the threshold again, but not reversed yet: the roles are denied)");
	else if (status && !strcmp(status, "EXECUTION_SUCCESS"))
		snprintf(effect, sizeof(effect), " (over budget: the roles are denied)");
	else if (held && !under)
		snprintf(effect, sizeof(effect),
			 " (over budget, but the action failed to execute part way: role %.60s is denied, not "
			 "every role; retried)",
			 held);
	else if (held)
		snprintf(effect, sizeof(effect),
			 " (under the threshold, but the failed action left the deny policy on role %.60s: "
			 "detached, then the action is reset)",
			 held);
	else if (status && !strcmp(status, "EXECUTION_FAILURE") && !under)
		snprintf(effect, sizeof(effect),
			 " (over budget, but the action failed to execute: the roles are not denied; retried)");
	else if (status && !strcmp(status, "REVERSE_FAILURE") && under)
		snprintf(effect, sizeof(effect),
			 " (under the threshold again, but the reversal failed: the roles are denied; retried)");
	else if (status && !strcmp(status, "EXECUTION_IN_PROGRESS"))
		snprintf(effect, sizeof(effect), " (Budgets is executing it: the roles are denied once it is done)");
	else if (status && !strcmp(status, "REVERSE_IN_PROGRESS"))
		snprintf(effect, sizeof(effect), " (Budgets is reversing it: the roles are denied until it is done)");
	else if (status && !strcmp(status, "RESET_IN_PROGRESS"))
		snprintf(effect, sizeof(effect), " (Budgets is resetting it, ready to act again once it is done)");
	else if (cJSON_IsNumber(attached) && cJSON_GetNumberValue(attached) > 0)
		snprintf(effect, sizeof(effect),
			 " (not over budget, but the deny policy is attached to %g: denied there)",
			 cJSON_GetNumberValue(attached));
	fprintf(out, "%-14s at %g%% of the limit: deny policy %s, action %s%s\n", "enforcement",
		cJSON_GetNumberValue(cJSON_GetObjectItem(e, "at_percent")), render_str(d, "name", "(none yet)"),
		status ? status : "(none yet)", effect);
}

static int render_tenant(FILE *out, const cJSON *j, bool wide)
{
	const cJSON *d = cJSON_GetObjectItem(j, "desired"), *o = cJSON_GetObjectItem(j, "observed"), *p, *h;
	const cJSON *b = cJSON_GetObjectItem(d, "budget"), *pl = cJSON_GetObjectItem(j, "place");
	char spend[200];

	fprintf(out, "%-14s %s\n", "tenant", render_str(j, "id", "?"));
	fprintf(out, "%-14s %s%s%s\n", "state", render_str(j, "state", "?"),
		cJSON_IsTrue(cJSON_GetObjectItem(j, "held")) ? " (deletions held for approval)" : "",
		render_manifest_fails(j) ? " (the last good definition: the manifest fails)" : "");
	fprintf(out, "%-14s %s\n", "file", render_str(d, "file", "-"));
	fprintf(out, "%-14s %.*s (reconciled %.*s)\n", "revision", wide ? 40 : 12, render_str(j, "revision", "-"),
		wide ? 40 : 12, render_str(j, "reconciled_revision", "-"));
	/* where it is: its place (a pool tenant's Region is the one it was placed in, not
	 * the configuration's default that its definition carries) */
	if (cJSON_IsObject(pl)) {
		fprintf(out, "%-14s %s\n", "region", render_str(pl, "region", "-"));
		fprintf(out, "%-14s %s (%s)\n", "account", render_str(pl, "account", "(default)"),
			render_str(pl, "account_id", "id not known yet"));
	} else {
		fprintf(out, "%-14s %s\n", "region", render_str(d, "region", "-"));
	}
	if (wide)
		fprintf(out, "%-14s %s\n%-14s %s\n", "reconciled at", render_str(j, "last_reconciled", "never"),
			"next timer", render_str(j, "next_timer", "none"));
	if (render_str(j, "problem", NULL))
		fprintf(out, "%-14s %s\n", "manifest", render_str(j, "problem", ""));
	if (render_str(j, "last_error", NULL))
		fprintf(out, "%-14s %s\n", "last error", render_str(j, "last_error", ""));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "conflict_details"))
		fprintf(out, "%-14s %s\n", "conflict", render_str(p, "message", ""));
	if (cJSON_IsObject(b))
		fprintf(out, "%-14s %s USD %s, %d alert(s)\n", "budget", render_str(b, "limit_usd", "?"),
			render_str(b, "period", "?"), cJSON_GetArraySize(cJSON_GetObjectItem(b, "alerts")));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "budgets"))
	{
		spend_text(p, spend, sizeof(spend));
		fprintf(out, "%-14s %s: limit %s USD %s, %s\n", "live budget", render_str(p, "name", "?"),
			render_str(p, "limit_usd", "?"), render_str(p, "time_unit", ""), spend);
	}
	render_enforcement(out, b, o);
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "role_policies")) fprintf(
		out, "%-14s %s on role %s%s\n", "policy", render_str(p, "policy", "?"), render_str(p, "role", "?"),
		!cJSON_IsTrue(cJSON_GetObjectItem(p, "role_exists")) ? " (the role does not exist)"
		: cJSON_IsTrue(cJSON_GetObjectItem(p, "applied"))    ? " (applied)"
								     : " (pending)");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "moving_from"))
	{
		const cJSON *del = cJSON_GetObjectItem(p, "deletion");
		fprintf(out, "%-14s %s: %d profile(s) left there, %s\n", "moving from", render_str(p, "place", "?"),
			cJSON_GetArraySize(cJSON_GetObjectItem(p, "profiles")),
			cJSON_IsObject(del) ? "draining" : "serving until the new set is Ready");
		if (cJSON_IsObject(del))
			fprintf(out, "%-14s deleted after %s\n", "", render_str(del, "at", "?"));
	}
	render_deletions(out, j, o);
	if (wide)
		fprintf(out, "\n%-12s %-40s %-50s %s\n", "PROFILE", "NAME", "MODEL", "PARAMETER");
	else
		fprintf(out, "\n%-12s %-40s %s\n", "PROFILE", "NAME", "MODEL");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(d, "profiles"))
	{
		if (wide)
			fprintf(out, "%-12s %-40s %-50s %s\n", render_str(p, "key", "?"), render_str(p, "name", "?"),
				render_str(p, "model", "?"), render_str(p, "parameter", "-"));
		else
			fprintf(out, "%-12s %-40s %s\n", render_str(p, "key", "?"), render_str(p, "name", "?"),
				render_str(p, "model", "?"));
	}
	if (cJSON_IsObject(o))
		render_observed(out, j, o, wide);
	fprintf(out, "\nHISTORY\n");
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(j, "history"))
		fprintf(out, "  %s  %s\n", render_str(h, "at", "?"), render_str(h, "event", ""));
	if (cJSON_IsString(cJSON_GetObjectItem(j, "history_error")))
		fprintf(out, "  (%s)\n", render_str(j, "history_error", ""));
	return tenant_exit(j);
}

static void name_tenant(FILE *out, const cJSON *j)
{
	fprintf(out, "%s\n", render_str(j, "id", "?"));
}

const struct ctl_view view_tenant = { render_tenant, tenant_exit, name_tenant, false };
