/* `bedrock-tenantctl usage [TENANT] [--since 7d] [--until DAY] [--limit N]`: the
 * request and the rendering of its answer (the usage routes of control_api.h); and
 * `profile-map`, the daemon's CSV (or JSON) as it is. Exit status: 0, 1 a problem
 * answered, 2 wrong arguments, 3 the daemon cannot be reached, 4 no such tenant (or
 * usage not configured). */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "ctl_http.h"
#include "ctl_render.h"
#include "strbuf.h"
#include "uri.h"
#include "xalloc.h"

static char *usage_path(const struct ctl *c, const char *tenant)
{
	char *path = ctl_route_path(tenant ? CONTROL_TENANT_USAGE : CONTROL_USAGE, tenant);
	const char *names[] = { "since", "until", "limit" }, *values[] = { c->since, c->until, c->limit };
	struct strbuf p;
	char sep = '?';

	strbuf_init(&p, 8192);
	strbuf_adds(&p, path);
	free(path);
	for (int k = 0; k < 3; k++) {
		if (!values[k])
			continue;
		strbuf_addf(&p, "%c%s=", sep, names[k]);
		uri_encode_str(&p, values[k], false);
		sep = '&';
	}
	return strbuf_detach(&p, NULL);
}

static double num(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *j, const char *key, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : fallback;
}

static void row(FILE *out, const char *a, const char *b, const cJSON *c)
{
	fprintf(out, "%-24s %-44s %10.0f %12.0f %12.0f %12.0f %12.4f\n", a, b, num(c, "requests"),
		num(c, "input_tokens"), num(c, "output_tokens"),
		num(c, "cache_read_tokens") + num(c, "cache_write_tokens"), num(c, "estimated_cost_usd"));
}

static void header(FILE *out, const char *a, const char *b)
{
	fprintf(out, "%-24s %-44s %10s %12s %12s %12s %12s\n", a, b, "REQUESTS", "INPUT", "OUTPUT", "CACHE", "EST_USD");
}

static void budget_line(FILE *out, const cJSON *b)
{
	if (!cJSON_IsObject(b)) {
		fprintf(out, "budget: none\n");
		return;
	}
	fprintf(out, "budget %s: actual spend %s USD of %s USD (%s), as AWS Budgets reports it\n", str(b, "name", "?"),
		str(b, "actual_spend_usd", "(not reported yet)"), str(b, "limit_usd", "?"), str(b, "time_unit", "?"));
}

/* Cost Explorer's figure for the tenant's tag (or every tenant's), beside the budget. */
static void ce_line(FILE *out, const cJSON *c, const char *tenant)
{
	const cJSON *usd = cJSON_GetObjectItem(c, tenant ? "usd" : "tenants_usd");

	if (!cJSON_IsObject(c)) {
		fprintf(out, "cost explorer: off (usage.cost_explorer.mode)\n");
		return;
	}
	if (cJSON_IsNumber(usd))
		fprintf(out, "cost explorer: %.4f USD for tag %s=%s, fetched %s from %s\n", usd->valuedouble,
			str(c, "tag", "?"), tenant ? tenant : "*", str(c, "fetched_at", "?"),
			str(c, "payer_account", "the default account"));
	else
		fprintf(out, "cost explorer: no figure yet\n");
	if (!tenant && cJSON_IsNumber(cJSON_GetObjectItem(c, "untagged_usd")))
		fprintf(out, "cost explorer: %.4f USD without the tag\n", num(c, "untagged_usd"));
	if (cJSON_IsString(cJSON_GetObjectItem(c, "note")))
		fprintf(out, "  note: %s\n", str(c, "note", ""));
	if (cJSON_IsString(cJSON_GetObjectItem(c, "problem")))
		fprintf(out, "  problem: %s\n", str(c, "problem", ""));
}

/* A number, or "-" for null. */
static void money(FILE *out, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		fprintf(out, " %12.4f", v->valuedouble);
	else if (cJSON_IsString(v))
		fprintf(out, " %12.4f", strtod(v->valuestring, NULL));
	else
		fprintf(out, " %12s", "-");
}

static int render_usage(FILE *out, const cJSON *j, bool wide)
{
	const cJSON *rows, *r;

	(void)wide;
	fprintf(out, "usage %s .. %s (UTC days), estimated from invocation logs\n", str(j, "since", "?"),
		str(j, "until", "?"));
	if (cJSON_GetObjectItem(j, "by_profile")) {
		header(out, "PROFILE", "MODEL");
		rows = cJSON_GetObjectItem(j, "by_profile");
		cJSON_ArrayForEach(r, rows)
		{
			row(out, str(r, "profile", "(requestMetadata)"), str(r, "model", "?"), r);
		}
		row(out, "total", "", cJSON_GetObjectItem(j, "total"));
		budget_line(out, cJSON_GetObjectItem(j, "budget"));
		ce_line(out, cJSON_GetObjectItem(j, "cost_explorer"), str(j, "tenant", "?"));
		return 0;
	}
	/* the estimate, then the bill: the budget's actual spend and Cost Explorer's figure */
	fprintf(out, "%-24s %-44s %10s %12s %12s %12s %12s %12s %12s\n", "TENANT", "", "REQUESTS", "INPUT", "OUTPUT",
		"CACHE", "EST_USD", "BUDGET_USD", "CE_USD");
	rows = cJSON_GetObjectItem(j, "tenants");
	cJSON_ArrayForEach(r, rows)
	{
		const cJSON *b = cJSON_GetObjectItem(r, "budget");
		fprintf(out, "%-24s %-44s %10.0f %12.0f %12.0f %12.0f %12.4f", str(r, "tenant", "?"), "",
			num(r, "requests"), num(r, "input_tokens"), num(r, "output_tokens"),
			num(r, "cache_read_tokens") + num(r, "cache_write_tokens"), num(r, "estimated_cost_usd"));
		money(out, cJSON_IsObject(b) ? cJSON_GetObjectItem(b, "actual_spend_usd") : NULL);
		money(out, cJSON_GetObjectItem(r, "cost_explorer_usd"));
		fprintf(out, "\n");
	}
	row(out, "(unattributed)", "", cJSON_GetObjectItem(j, "unattributed"));
	row(out, "total", "", cJSON_GetObjectItem(j, "total"));
	ce_line(out, cJSON_GetObjectItem(j, "cost_explorer"), NULL);
	fprintf(out, "%.0f tenant(s) with usage; the %.0f highest estimated costs shown\n",
		num(j, "tenants_with_usage"), num(j, "limit"));
	return 0;
}

/* a 503: the usage store fails */
const struct ctl_view view_usage = { render_usage, ctl_zero_exit, NULL, true };

/* The profile-to-tenant map, printed as the daemon answers it (CSV, or JSON). */
int cmd_profile_map(struct ctl *c, char **argv, int argc)
{
	bool json = c->output == CTL_OUT_JSON;
	char *path = xasprintf("%s?format=%s", control_routes[CONTROL_PROFILE_MAP].pattern, json ? "json" : "csv");
	struct ctl_answer a = { 0 };
	int rc = ctl_call(c, "GET", path, &a);

	(void)argv, (void)argc;
	free(path);
	if (rc)
		return rc;
	if (a.status != 200) {
		/* the body on a terminal: its control characters as '?' (a proxy's page, or
		 * another program on the socket, may hold escape sequences) */
		render_text_safe(a.body);
		fprintf(stderr, "bedrock-tenantctl: the daemon answered %ld: %s\n", a.status, a.body ? a.body : "");
		rc = 1;
	} else {
		fwrite(a.body, 1, a.len, stdout);
		if (json)
			printf("\n");
	}
	ctl_answer_release(&a);
	return rc;
}

int cmd_usage(struct ctl *c, char **argv, int argc)
{
	return ctl_get_show(c, usage_path(c, argc ? argv[0] : NULL), &view_usage);
}
