/* bedrock-tenantctl places: each place with its tenants and its use against the
 * quotas, then the tenants waiting for capacity with the reason. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_render.h"

/* "used/quota" of kind, "used/-" when no quota is known (a place outside the pools). */
static const char *use(const cJSON *p, const char *kind, char *buf, size_t len)
{
	const cJSON *k = cJSON_GetObjectItem(p, kind), *q = cJSON_GetObjectItem(k, "quota");

	if (cJSON_IsNumber(q))
		snprintf(buf, len, "%.0f/%.0f", render_num(k, "used"), q->valuedouble);
	else
		snprintf(buf, len, "%.0f/-", render_num(k, "used"));
	return buf;
}

/* A problem: a tenant waiting for capacity, or a place whose last listing failed. */
static int places_exit(const cJSON *j)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "places"))
	{
		if (render_str(p, "list_error", NULL))
			return EXIT_PROBLEM;
	}
	return cJSON_GetArraySize(cJSON_GetObjectItem(j, "waiting")) > 0 ? EXIT_PROBLEM : 0;
}

static int render_places(FILE *out, const cJSON *j, bool wide)
{
	const cJSON *p, *w;
	char a[48], b[48], c[48], d[48];

	fprintf(out, "%-32s %-12s %-8s %-13s %-13s %-13s %-11s %s\n", "PLACE", "POOL", "TENANTS", "PROFILES",
		"PARAMETERS", "BUDGETS", "ROLES", "WAITING");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "places"))
	{
		bool waits = strcmp(render_str(p, "listing", ""), "waiting") == 0;

		fprintf(out, "%-32s %-12s %-8.0f %-13s %-13s %-13s %-11s %d%s%s\n", render_str(p, "place", "?"),
			render_str(p, "pool", "-"), render_num(p, "tenants"), use(p, "profiles", a, sizeof(a)),
			use(p, "parameters", b, sizeof(b)), use(p, "budgets", c, sizeof(c)),
			use(p, "roles", d, sizeof(d)), cJSON_GetArraySize(cJSON_GetObjectItem(p, "waiting")),
			cJSON_IsTrue(cJSON_GetObjectItem(p, "listed")) ? "" : " (not listed yet)",
			waits ? " (its listing waits its turn)" : "");
		if (render_str(p, "list_error", NULL))
			fprintf(out, "  listing failing since %s: %s\n", render_str(p, "list_failing_since", "?"),
				render_str(p, "list_error", "?"));
		if (wide)
			fprintf(out, "  account %s (%s), region %s\n", render_str(p, "account", "(default)"),
				render_str(p, "account_id", "?"), render_str(p, "region", "?"));
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(j, "waiting")))
		fprintf(out, "\n%-40s %-12s %s\n", "WAITING TENANT", "POOL", "REASON");
	cJSON_ArrayForEach(w, cJSON_GetObjectItem(j, "waiting"))
		fprintf(out, "%-40s %-12s %s\n", render_str(w, "tenant", "?"), render_str(w, "pool", "-"),
			render_str(w, "reason", "-"));
	return places_exit(j);
}

static void name_places(FILE *out, const cJSON *j)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "places")) fprintf(out, "%s\n", render_str(p, "place", "?"));
}

const struct ctl_view view_places = { render_places, places_exit, name_places, false };
