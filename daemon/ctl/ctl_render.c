#include "ctl_render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "control_api.h"

static const char *str(const cJSON *j, const char *key, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : fallback;
}

static double num(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool is_problem_state(const char *state)
{
	return !strcmp(state, "Error") || !strcmp(state, "Stalled") || !strcmp(state, "Held");
}

/* A problem: not ready, tenants in trouble, a manifest problem, configuration keys
 * that wait for a restart, or a state store whose writes fail. */
static int status_exit(const cJSON *j)
{
	const cJSON *by = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tenants"), "by_state");
	const cJSON *m = cJSON_GetObjectItem(j, "manifests");
	const cJSON *store = cJSON_GetObjectItem(j, "state_store");

	if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "ready")))
		return 1;
	if (store && !cJSON_IsTrue(cJSON_GetObjectItem(store, "ok")))
		return 1;
	if (cJSON_GetArraySize(cJSON_GetObjectItem(m, "problems")) > 0 ||
	    cJSON_GetArraySize(cJSON_GetObjectItem(j, "restart_required")) > 0)
		return 1;
	return num(by, "Error") + num(by, "Stalled") + num(by, "Held") > 0 ? 1 : 0;
}

/* A tenant whose manifest fails keeps its last good definition: never plain Ready. */
static bool manifest_fails(const cJSON *t)
{
	return str(t, "problem", NULL) != NULL;
}

static int tenants_exit(const cJSON *j)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tenants")) if (is_problem_state(str(t, "state", "")) ||
								     manifest_fails(t)) return 1;
	return 0;
}

static int tenant_exit(const cJSON *j)
{
	return strcmp(str(j, "state", ""), "Ready") || manifest_fails(j) ? 1 : 0;
}

int render_exit_of(const char *path, const cJSON *j)
{
	const char *tenants = control_routes[CONTROL_TENANTS].pattern;

	if (!strcmp(path, control_routes[CONTROL_STATUS].pattern))
		return status_exit(j);
	if (!strcmp(path, tenants))
		return tenants_exit(j);
	if (!strncmp(path, tenants, strlen(tenants)) && path[strlen(tenants)] == '/')
		return tenant_exit(j);
	return 0;
}

/* Only when something is wrong with it: failing writes, or a damaged store moved aside. */
static void render_state_store(const cJSON *st)
{
	if (st && !cJSON_IsTrue(cJSON_GetObjectItem(st, "ok")))
		printf("%-12s failing since %s: %s (%.0f write(s) to make good; creates wait)\n", "state store",
		       str(st, "failing_since", "?"), str(st, "error", "?"), num(st, "failed_writes"));
	if (st && str(st, "moved_aside", NULL))
		printf("%-12s was damaged at start: moved aside to %s, rebuilt from the AWS listings\n", "state store",
		       str(st, "moved_aside", "?"));
}

/* bedrock-tenantd-git-sync's record: the revision synced, and whether the remote has
 * moved on since (as of its last fetch). */
static void render_git_sync(const cJSON *g)
{
	if (!cJSON_IsObject(g))
		return;
	printf("%-12s %s at %.12s, synced %s", "git sync", str(g, "branch", "?"), str(g, "revision", "-"),
	       str(g, "synced_at", "never"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(g, "behind")))
		printf("; behind: the remote is at %.12s (fetched %s)", str(g, "remote_revision", "?"),
		       str(g, "checked_at", "?"));
	else
		printf("; up to date with the remote (fetched %s)", str(g, "checked_at", "never"));
	printf("\n");
	if (str(g, "error", NULL))
		printf("%-12s %s\n", "git sync", str(g, "error", "?"));
}

int render_status(const cJSON *j)
{
	const cJSON *m = cJSON_GetObjectItem(j, "manifests"), *t = cJSON_GetObjectItem(j, "tenants");
	const cJSON *by = cJSON_GetObjectItem(t, "by_state"), *q = cJSON_GetObjectItem(j, "queue"), *s, *p;
	const cJSON *held = cJSON_GetObjectItem(j, "held_deletions"), *problems = cJSON_GetObjectItem(m, "problems");
	const char *rev = str(m, "revision", NULL);
	bool first = true;

	printf("bedrock-tenantd %s, instance %s: %s%s, mode %s\n", str(j, "version", "?"), str(j, "instance", "?"),
	       cJSON_IsTrue(cJSON_GetObjectItem(j, "ready")) ? "ready" : "first sync in progress",
	       cJSON_IsTrue(cJSON_GetObjectItem(j, "paused")) ? ", paused" : "", str(j, "mode", "?"));
	printf("%-12s %s%s%.12s\n", "manifests", str(m, "directory", "?"), rev ? " at " : "", rev ? rev : "");
	render_git_sync(cJSON_GetObjectItem(m, "git_sync"));
	printf("%-12s %.0f:", "tenants", num(t, "total"));
	cJSON_ArrayForEach(s, by)
	{
		if (s->valuedouble <= 0)
			continue;
		printf("%s %.0f %s", first ? "" : ",", s->valuedouble, s->string);
		first = false;
	}
	printf("%s\n", first ? " none" : "");
	printf("%-12s %.0f waiting, %.0f reconciling, %.0f AWS calls in flight\n", "queue", num(q, "depth"),
	       num(q, "reconciles_in_flight"), num(q, "aws_calls_in_flight"));
	printf("%-12s %s\n", "last resync", str(j, "last_resync", "never"));
	printf("%-12s", "held");
	if (!cJSON_GetArraySize(held))
		printf(" none\n");
	else {
		cJSON_ArrayForEach(s, held) printf(" %s", s->valuestring);
		printf("  (bedrock-tenantctl approve-prune)\n");
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(j, "restart_required")) > 0) {
		printf("%-12s", "restart");
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "restart_required")) printf(" %s", s->valuestring);
		printf("  (changed in the configuration file; the running values stay until a restart)\n");
	}
	cJSON_ArrayForEach(p, problems) printf("%-12s %s\n", "problem", p->valuestring);
	render_state_store(cJSON_GetObjectItem(j, "state_store"));
	return status_exit(j);
}

int render_tenants(const cJSON *j)
{
	const cJSON *t;
	bool failing = false;

	printf("%-40s %-12s %-10s %s\n", "TENANT", "STATE", "REVISION", "LAST ERROR");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tenants"))
	{
		const char *err = str(t, "problem", str(t, "last_error", "-"));
		char state[32];
		snprintf(state, sizeof(state), "%s%s", str(t, "state", "?"), manifest_fails(t) ? "*" : "");
		failing |= manifest_fails(t);
		printf("%-40s %-12s %-10.8s %s\n", str(t, "id", "?"), state, str(t, "revision", "-"), err);
	}
	if (failing)
		printf("* the manifest fails: the tenant keeps its last good definition\n");
	return tenants_exit(j);
}

int render_tenant(const cJSON *j)
{
	const cJSON *d = cJSON_GetObjectItem(j, "desired"), *o = cJSON_GetObjectItem(j, "observed"), *p, *h;
	const cJSON *b = cJSON_GetObjectItem(d, "budget");

	printf("%-14s %s\n", "tenant", str(j, "id", "?"));
	printf("%-14s %s%s%s\n", "state", str(j, "state", "?"),
	       cJSON_IsTrue(cJSON_GetObjectItem(j, "held")) ? " (deletions held for approval)" : "",
	       manifest_fails(j) ? " (the last good definition: the manifest fails)" : "");
	printf("%-14s %s\n", "file", str(d, "file", "-"));
	printf("%-14s %.12s (reconciled %.12s)\n", "revision", str(j, "revision", "-"),
	       str(j, "reconciled_revision", "-"));
	printf("%-14s %s\n", "region", str(d, "region", "-"));
	if (str(j, "problem", NULL))
		printf("%-14s %s\n", "manifest", str(j, "problem", ""));
	if (str(j, "last_error", NULL))
		printf("%-14s %s\n", "last error", str(j, "last_error", ""));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "conflict_details"))
		printf("%-14s %s\n", "conflict", str(p, "message", ""));
	if (cJSON_IsObject(b))
		printf("%-14s %s USD %s, %d alert(s)\n", "budget", str(b, "limit_usd", "?"), str(b, "period", "?"),
		       cJSON_GetArraySize(cJSON_GetObjectItem(b, "alerts")));
	printf("\n%-12s %-40s %s\n", "PROFILE", "NAME", "MODEL");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(d, "profiles"))
		printf("%-12s %-40s %s\n", str(p, "key", "?"), str(p, "name", "?"), str(p, "model", "?"));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "budgets"))
		printf("%-14s %s: limit %s USD %s, spend %s actual / %s forecasted\n", "live budget",
		       str(p, "name", "?"), str(p, "limit_usd", "?"), str(p, "time_unit", ""),
		       str(p, "actual_spend_usd", "?"), str(p, "forecasted_spend_usd", "?"));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "role_policies"))
		printf("%-14s %s on role %s%s\n", "policy", str(p, "policy", "?"), str(p, "role", "?"),
		       !cJSON_IsTrue(cJSON_GetObjectItem(p, "role_exists")) ? " (the role does not exist)"
		       : cJSON_IsTrue(cJSON_GetObjectItem(p, "applied"))    ? " (applied)"
									    : " (pending)");
	if (cJSON_IsObject(o)) {
		printf("\n%-90s %s\n", "LIVE PROFILE ARN", "MANAGED");
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "profiles"))
			printf("%-90s %s\n", str(p, "arn", "?"),
			       cJSON_IsTrue(cJSON_GetObjectItem(p, "managed")) ? "yes" : "no");
		printf("\n%-50s %s\n", "PARAMETER", "VALUE");
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "parameters"))
			printf("%-50s %s\n", str(p, "name", "?"), str(p, "value", "-"));
	}
	printf("\nHISTORY\n");
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(j, "history"))
		printf("  %s  %s\n", str(h, "at", "?"), str(h, "event", ""));
	return tenant_exit(j);
}

int render_resolve(const cJSON *j)
{
	printf("%s\n", str(j, "arn", ""));
	return 0;
}
