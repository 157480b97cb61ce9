#include "ctl_usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_api.h"
#include "ctl.h"
#include "ctl_http.h"
#include "strbuf.h"
#include "uri.h"
#include "xalloc.h"

static char *usage_path(const char *tenant, const char *since, const char *until, const char *limit)
{
	struct strbuf p;
	char sep = '?';

	strbuf_init(&p, 8192);
	if (tenant) {
		const char *pattern = control_routes[CONTROL_TENANT_USAGE].pattern, *hole = strstr(pattern, "{id}");
		strbuf_add(&p, pattern, (size_t)(hole - pattern));
		uri_encode_str(&p, tenant, false);
		strbuf_adds(&p, hole + 4);
	} else {
		strbuf_adds(&p, control_routes[CONTROL_USAGE].pattern);
	}
	const char *names[] = { "since", "until", "limit" }, *values[] = { since, until, limit };
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

static void row(const char *a, const char *b, const cJSON *c)
{
	printf("%-24s %-44s %10.0f %12.0f %12.0f %12.0f %12.4f\n", a, b, num(c, "requests"), num(c, "input_tokens"),
	       num(c, "output_tokens"), num(c, "cache_read_tokens") + num(c, "cache_write_tokens"),
	       num(c, "estimated_cost_usd"));
}

static void header(const char *a, const char *b)
{
	printf("%-24s %-44s %10s %12s %12s %12s %12s\n", a, b, "REQUESTS", "INPUT", "OUTPUT", "CACHE", "EST_USD");
}

static void budget_line(const cJSON *b)
{
	if (!cJSON_IsObject(b)) {
		printf("budget: none\n");
		return;
	}
	printf("budget %s: actual spend %s USD of %s USD (%s), as AWS Budgets reports it\n", str(b, "name", "?"),
	       str(b, "actual_spend_usd", "(not reported yet)"), str(b, "limit_usd", "?"), str(b, "time_unit", "?"));
}

/* Cost Explorer's figure for the tenant's tag (or every tenant's), beside the budget. */
static void ce_line(const cJSON *c, const char *tenant)
{
	const cJSON *usd = cJSON_GetObjectItem(c, tenant ? "usd" : "tenants_usd");

	if (!cJSON_IsObject(c)) {
		printf("cost explorer: off (usage.cost_explorer.mode)\n");
		return;
	}
	if (cJSON_IsNumber(usd))
		printf("cost explorer: %.4f USD for tag %s=%s, fetched %s from %s\n", usd->valuedouble,
		       str(c, "tag", "?"), tenant ? tenant : "*", str(c, "fetched_at", "?"),
		       str(c, "payer_account", "the default account"));
	else
		printf("cost explorer: no figure yet\n");
	if (!tenant && cJSON_IsNumber(cJSON_GetObjectItem(c, "untagged_usd")))
		printf("cost explorer: %.4f USD without the tag\n", num(c, "untagged_usd"));
	if (cJSON_IsString(cJSON_GetObjectItem(c, "note")))
		printf("  note: %s\n", str(c, "note", ""));
	if (cJSON_IsString(cJSON_GetObjectItem(c, "problem")))
		printf("  problem: %s\n", str(c, "problem", ""));
}

/* A number, or "-" for null. */
static void money(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		printf(" %12.4f", v->valuedouble);
	else if (cJSON_IsString(v))
		printf(" %12.4f", strtod(v->valuestring, NULL));
	else
		printf(" %12s", "-");
}

static void render_usage(const cJSON *j)
{
	const cJSON *rows, *r;

	printf("usage %s .. %s (UTC days), estimated from invocation logs\n", str(j, "since", "?"),
	       str(j, "until", "?"));
	if (cJSON_GetObjectItem(j, "by_profile")) {
		header("PROFILE", "MODEL");
		rows = cJSON_GetObjectItem(j, "by_profile");
		cJSON_ArrayForEach(r, rows)
		{
			row(str(r, "profile", "(requestMetadata)"), str(r, "model", "?"), r);
		}
		row("total", "", cJSON_GetObjectItem(j, "total"));
		budget_line(cJSON_GetObjectItem(j, "budget"));
		ce_line(cJSON_GetObjectItem(j, "cost_explorer"), str(j, "tenant", "?"));
		return;
	}
	/* the estimate, then the bill: the budget's actual spend and Cost Explorer's figure */
	printf("%-24s %-44s %10s %12s %12s %12s %12s %12s %12s\n", "TENANT", "", "REQUESTS", "INPUT", "OUTPUT", "CACHE",
	       "EST_USD", "BUDGET_USD", "CE_USD");
	rows = cJSON_GetObjectItem(j, "tenants");
	cJSON_ArrayForEach(r, rows)
	{
		const cJSON *b = cJSON_GetObjectItem(r, "budget");
		printf("%-24s %-44s %10.0f %12.0f %12.0f %12.0f %12.4f", str(r, "tenant", "?"), "", num(r, "requests"),
		       num(r, "input_tokens"), num(r, "output_tokens"),
		       num(r, "cache_read_tokens") + num(r, "cache_write_tokens"), num(r, "estimated_cost_usd"));
		money(cJSON_IsObject(b) ? cJSON_GetObjectItem(b, "actual_spend_usd") : NULL);
		money(cJSON_GetObjectItem(r, "cost_explorer_usd"));
		printf("\n");
	}
	row("(unattributed)", "", cJSON_GetObjectItem(j, "unattributed"));
	row("total", "", cJSON_GetObjectItem(j, "total"));
	ce_line(cJSON_GetObjectItem(j, "cost_explorer"), NULL);
	printf("%.0f tenant(s) with usage; the %.0f highest estimated costs shown\n", num(j, "tenants_with_usage"),
	       num(j, "limit"));
}

int ctl_usage(const char *socket, bool json, const char *tenant, const char *since, const char *until,
	      const char *limit)
{
	char *path = usage_path(tenant, since, until, limit), err[512];
	struct ctl_answer a = { 0 };
	const cJSON *e;
	cJSON *j;
	int rc = 0;

	if (ctl_request(socket, "GET", path, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "bedrock-tenantctl: %s\n", err);
		free(path);
		return 3;
	}
	free(path);
	j = cJSON_Parse(a.body);
	if (!j) {
		fprintf(stderr, "bedrock-tenantctl: the daemon answered %ld with a body that is not JSON\n", a.status);
		rc = 1;
	} else if (a.status >= 400) {
		e = cJSON_GetObjectItem(j, "error");
		fprintf(stderr, "bedrock-tenantctl: %s\n", cJSON_IsString(e) ? e->valuestring : "request failed");
		rc = a.status == 404 ? 4 : a.status == 400 ? 2 : 1;
	} else if (json) {
		char *text = cJSON_Print(j);
		printf("%s\n", text);
		free(text);
	} else {
		render_usage(j);
	}
	cJSON_Delete(j);
	ctl_answer_release(&a);
	return rc;
}

/* The profile-to-tenant map, printed as the daemon answers it (CSV, or JSON). */
int cmd_profile_map(struct ctl *c, char **argv, int argc)
{
	bool json = c->output == CTL_OUT_JSON;
	char *path = xasprintf("%s?format=%s", control_routes[CONTROL_PROFILE_MAP].pattern, json ? "json" : "csv");
	struct ctl_answer a = { 0 };
	char err[512];
	int rc = 0;

	(void)argv, (void)argc;
	if (ctl_request(c->socket, "GET", path, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "bedrock-tenantctl: %s\n", err);
		free(path);
		return 3;
	}
	free(path);
	if (a.status != 200) {
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
	return ctl_usage(c->socket, c->output == CTL_OUT_JSON, argc ? argv[0] : NULL, c->since, c->until, c->limit);
}
