/* The status, tenants and resolve views; the tenant view is in ctl_render_tenant.c. */
#include "ctl_render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *render_str(const cJSON *j, const char *key, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : fallback;
}

/* The length of the well-formed UTF-8 sequence at p (2 to 4), 0 when there is none. */
static size_t utf8_sequence(const unsigned char *p)
{
	size_t n = *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3 : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* The bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069) at p, a well-formed sequence of n bytes: shown as they are, they
 * reorder what follows on the line (a tenant's name or a file's displayed reversed). */
static bool bidi_control(const unsigned char *p, size_t n)
{
	if (n == 2)
		return p[0] == 0xd8 && p[1] == 0x9c;
	if (n != 3 || p[0] != 0xe2)
		return false;
	return (p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae))) ||
	       (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);
}

/* Controls as '?': C0 and DEL, C1 as UTF-8 (U+0080..U+009F), the bidirectional
 * formatting characters (a '?' a byte), and any byte that is not part of well-formed
 * UTF-8 (a lone 0x9b is CSI to a terminal in 8-bit mode). */
void render_text_safe(char *s)
{
	for (unsigned char *p = (unsigned char *)s; p && *p; p++) {
		size_t n;
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				*p = '?';
		} else if (!(n = utf8_sequence(p))) {
			*p = '?';
		} else if ((*p == 0xc2 && p[1] <= 0x9f) || bidi_control(p, n)) { /* U+0080..U+009F */
			memset(p, '?', n);
			p += n - 1;
		} else {
			p += n - 1;
		}
	}
}

void render_tree_safe(cJSON *j)
{
	for (; j; j = j->next) {
		render_text_safe(j->string);
		if (cJSON_IsString(j))
			render_text_safe(j->valuestring);
		render_tree_safe(j->child);
	}
}

double render_num(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static bool is_problem_state(const char *state)
{
	return !strcmp(state, "Error") || !strcmp(state, "Stalled") || !strcmp(state, "Held");
}

/* A problem: not ready, tenants in trouble, a manifest problem, configuration keys
 * that wait for a restart, a state store whose writes fail, or a place whose last
 * listing failed (what the daemon shows of it is as old as its last good listing). */
static int status_exit(const cJSON *j)
{
	const cJSON *by = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tenants"), "by_state");
	const cJSON *m = cJSON_GetObjectItem(j, "manifests");
	const cJSON *store = cJSON_GetObjectItem(j, "state_store");

	if (!cJSON_IsTrue(cJSON_GetObjectItem(j, "ready")))
		return 1;
	if (store && !cJSON_IsTrue(cJSON_GetObjectItem(store, "ok")))
		return 1;
	if (render_num(j, "places_failing") > 0)
		return 1;
	if (!strcmp(render_str(cJSON_GetObjectItem(j, "claim"), "state", ""), "standby"))
		return 1;
	if (cJSON_GetArraySize(cJSON_GetObjectItem(m, "problems")) > 0 ||
	    cJSON_GetArraySize(cJSON_GetObjectItem(j, "restart_required")) > 0 ||
	    cJSON_GetArraySize(cJSON_GetObjectItem(j, "config_errors")) > 0)
		return 1;
	return render_num(by, "Error") + render_num(by, "Stalled") + render_num(by, "Held") > 0 ? 1 : 0;
}

bool render_manifest_fails(const cJSON *t)
{
	return render_str(t, "problem", NULL) != NULL;
}

static int tenants_exit(const cJSON *j)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tenants"))
	{
		if (is_problem_state(render_str(t, "state", "")) || render_manifest_fails(t))
			return 1;
	}
	return 0;
}

/* Only when something is wrong with it: failing writes, or a damaged store moved aside. */
static void render_state_store(FILE *out, const cJSON *st)
{
	if (st && !cJSON_IsTrue(cJSON_GetObjectItem(st, "ok")))
		fprintf(out, "%-12s failing since %s: %s (%.0f write(s) to make good; creates wait)\n", "state store",
			render_str(st, "failing_since", "?"), render_str(st, "error", "?"),
			render_num(st, "failed_writes"));
	if (st && render_str(st, "moved_aside", NULL))
		fprintf(out, "%-12s was damaged at start: moved aside to %s, rebuilt from the AWS listings\n",
			"state store", render_str(st, "moved_aside", "?"));
}

/* bedrock-tenantd-git-sync's record: the revision synced, and whether the remote has
 * moved on since (as of its last fetch). */
static void render_git_sync(FILE *out, const cJSON *g)
{
	if (!cJSON_IsObject(g))
		return;
	fprintf(out, "%-12s %s at %.12s, synced %s", "git sync", render_str(g, "branch", "?"),
		render_str(g, "revision", "-"), render_str(g, "synced_at", "never"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(g, "behind")))
		fprintf(out, "; behind: the remote is at %.12s (fetched %s)", render_str(g, "remote_revision", "?"),
			render_str(g, "checked_at", "?"));
	else
		fprintf(out, "; up to date with the remote (fetched %s)", render_str(g, "checked_at", "never"));
	fprintf(out, "\n");
	if (render_str(g, "error", NULL))
		fprintf(out, "%-12s %s\n", "git sync", render_str(g, "error", "?"));
}

/* Only when something is wrong: tag keys budgets filter on that are not Active, or a
 * check that failed. */
static void render_cost_tags(FILE *out, const cJSON *c)
{
	if (render_str(c, "problem", NULL))
		fprintf(out, "%-12s %s (cost_allocation_tags: %s)\n", "cost tags", render_str(c, "problem", "?"),
			render_str(c, "mode", "?"));
	if (render_str(c, "error", NULL))
		fprintf(out, "%-12s %s\n", "cost tags", render_str(c, "error", "?"));
}

/* Only when Cost Explorer's last refresh failed (usage.cost_explorer). */
static void render_usage_ce(FILE *out, const cJSON *c)
{
	if (render_str(c, "problem", NULL))
		fprintf(out, "%-12s %s (the figure of %s stays)\n", "cost explorer", render_str(c, "problem", "?"),
			render_str(c, "fetched_at", "no refresh"));
}

/* The instance's claim, when it is not this daemon's as it should be. */
static void render_claim(FILE *out, const cJSON *c)
{
	const char *state = render_str(c, "state", "off");
	const cJSON *h = cJSON_GetObjectItem(c, "holder");

	if (!strcmp(state, "standby")) {
		if (cJSON_IsObject(h))
			fprintf(out,
				"%-12s STANDBY: %s names another daemon (host %s, pid %.0f, state directory %s, "
				"started %s)\n",
				"claim", render_str(c, "parameter", "?"), render_str(h, "host", "?"),
				render_num(h, "pid"), render_str(h, "state_dir", "?"), render_str(h, "started", "?"));
		else
			fprintf(out, "%-12s STANDBY: %s names another daemon: %s\n", "claim",
				render_str(c, "parameter", "?"), cJSON_IsString(h) ? h->valuestring : "?");
		fprintf(out,
			"%-12s no mutating call until `bedrock-tenantctl resume` (which claims it back), a "
			"restart, or that daemon stops\n",
			"");
	}
	if (render_str(c, "error", NULL))
		fprintf(out, "%-12s %s cannot be read or written (%s): acting without it\n", "claim",
			render_str(c, "parameter", "?"), render_str(c, "error", "?"));
}

static int render_status(FILE *out, const cJSON *j, bool wide)
{
	const cJSON *m = cJSON_GetObjectItem(j, "manifests"), *t = cJSON_GetObjectItem(j, "tenants");
	const cJSON *by = cJSON_GetObjectItem(t, "by_state"), *q = cJSON_GetObjectItem(j, "queue"), *s, *p;
	const cJSON *held = cJSON_GetObjectItem(j, "held_deletions"), *problems = cJSON_GetObjectItem(m, "problems");
	const cJSON *counters = cJSON_GetObjectItem(j, "counters");
	const char *rev = render_str(m, "revision", NULL);
	bool first = true;

	fprintf(out, "bedrock-tenantd %s, instance %s: %s%s, mode %s\n", render_str(j, "version", "?"),
		render_str(j, "instance", "?"),
		cJSON_IsTrue(cJSON_GetObjectItem(j, "ready")) ? "ready" : "first sync in progress",
		cJSON_IsTrue(cJSON_GetObjectItem(j, "paused")) ? ", paused" : "", render_str(j, "mode", "?"));
	fprintf(out, "%-12s %s%s%.*s\n", "manifests", render_str(m, "directory", "?"), rev ? " at " : "",
		wide ? 40 : 12, rev ? rev : "");
	render_git_sync(out, cJSON_GetObjectItem(m, "git_sync"));
	fprintf(out, "%-12s %.0f:", "tenants", render_num(t, "total"));
	cJSON_ArrayForEach(s, by)
	{
		if (s->valuedouble <= 0)
			continue;
		fprintf(out, "%s %.0f %s", first ? "" : ",", s->valuedouble, s->string);
		first = false;
	}
	fprintf(out, "%s\n", first ? " none" : "");
	fprintf(out, "%-12s %.0f waiting, %.0f reconciling, %.0f AWS calls in flight\n", "queue",
		render_num(q, "depth"), render_num(q, "reconciles_in_flight"), render_num(q, "aws_calls_in_flight"));
	fprintf(out, "%-12s %s\n", "last resync", render_str(j, "last_resync", "never"));
	render_claim(out, cJSON_GetObjectItem(j, "claim"));
	if (render_num(j, "places_failing") > 0)
		fprintf(out, "%-12s %.0f of %.0f place(s) failing: shown as last listed (bedrock-tenantctl places)\n",
			"listings", render_num(j, "places_failing"), render_num(j, "places"));
	fprintf(out, "%-12s", "held");
	if (!cJSON_GetArraySize(held))
		fprintf(out, " none\n");
	else {
		cJSON_ArrayForEach(s, held) fprintf(out, " %s", s->valuestring);
		fprintf(out, "  (bedrock-tenantctl approve-prune)\n");
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(j, "restart_required")) > 0) {
		fprintf(out, "%-12s", "restart");
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "restart_required")) fprintf(out, " %s", s->valuestring);
		fprintf(out, "  (changed in the configuration file; the running values stay until a restart)\n");
	}
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "config_errors"))
		fprintf(out, "%-12s %s\n", "config", s->valuestring);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(j, "config_errors")) > 0)
		fprintf(out,
			"%-12s the last reload was refused; the running configuration stays (a restart would fail)\n",
			"");
	cJSON_ArrayForEach(p, problems) fprintf(out, "%-12s %s\n", "problem", p->valuestring);
	render_cost_tags(out, cJSON_GetObjectItem(j, "cost_allocation_tags"));
	render_usage_ce(out, cJSON_GetObjectItem(j, "usage_cost_explorer"));
	render_state_store(out, cJSON_GetObjectItem(j, "state_store"));
	if (wide) {
		fprintf(out, "%-12s %.0f\n", "places", render_num(j, "places"));
		fprintf(out, "%-12s %.0f reconciles, %.0f AWS actions, %.0f failed\n", "since start",
			render_num(counters, "reconciles"), render_num(counters, "actions"),
			render_num(counters, "action_failures"));
	}
	return status_exit(j);
}

static int render_tenants(FILE *out, const cJSON *j, bool wide)
{
	const cJSON *t;
	bool failing = false;

	if (wide)
		fprintf(out, "%-40s %-12s %-10s %-10s %-20s %-20s %-5s %-9s %s\n", "TENANT", "STATE", "REVISION",
			"RECONCILED", "LAST RECONCILED", "NEXT TIMER", "HELD", "CONFLICTS", "LAST ERROR");
	else
		fprintf(out, "%-40s %-12s %-10s %s\n", "TENANT", "STATE", "REVISION", "LAST ERROR");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tenants"))
	{
		const char *err = render_str(t, "problem", render_str(t, "last_error", "-"));
		char state[32];
		snprintf(state, sizeof(state), "%s%s", render_str(t, "state", "?"),
			 render_manifest_fails(t) ? "*" : "");
		failing |= render_manifest_fails(t);
		if (wide)
			fprintf(out, "%-40s %-12s %-10.8s %-10.8s %-20s %-20s %-5s %-9.0f %s\n",
				render_str(t, "id", "?"), state, render_str(t, "revision", "-"),
				render_str(t, "reconciled_revision", "-"), render_str(t, "last_reconciled", "-"),
				render_str(t, "next_timer", "-"),
				cJSON_IsTrue(cJSON_GetObjectItem(t, "held")) ? "yes" : "no", render_num(t, "conflicts"),
				err);
		else
			fprintf(out, "%-40s %-12s %-10.8s %s\n", render_str(t, "id", "?"), state,
				render_str(t, "revision", "-"), err);
	}
	if (failing)
		fprintf(out, "* the manifest fails: the tenant keeps its last good definition\n");
	return tenants_exit(j);
}

static void name_tenants(FILE *out, const cJSON *j)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "tenants")) fprintf(out, "%s\n", render_str(t, "id", "?"));
}

/* An answer without an ARN (a proxy's {}, an arn of another type) is a problem: it
 * printed an empty line and exited 0, which a script takes for an ARN. */
static int resolve_exit(const cJSON *j)
{
	return render_str(j, "arn", NULL) ? 0 : EXIT_PROBLEM;
}

static int render_resolve(FILE *out, const cJSON *j, bool wide)
{
	if (resolve_exit(j)) {
		fprintf(stderr, "bedrock-tenantctl: the daemon's answer names no ARN\n");
		return EXIT_PROBLEM;
	}
	if (wide)
		fprintf(out, "%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n%-12s %s\n", "arn",
			render_str(j, "arn", ""), "tenant", render_str(j, "tenant", "-"), "profile",
			render_str(j, "profile", "-"), "model", render_str(j, "model", "-"), "parameter",
			render_str(j, "parameter", "-"), "region", render_str(j, "region", "-"));
	else
		fprintf(out, "%s\n", render_str(j, "arn", ""));
	return 0;
}

int ctl_zero_exit(const cJSON *j)
{
	(void)j;
	return 0;
}

const struct ctl_view view_status = { render_status, status_exit, NULL, false };
const struct ctl_view view_tenants = { render_tenants, tenants_exit, name_tenants, false };
const struct ctl_view view_resolve = { render_resolve, resolve_exit, NULL, true }; /* 503: no ARN to print */
