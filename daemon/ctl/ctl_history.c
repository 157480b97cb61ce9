/* bedrock-tenantctl history [TENANT]: the audit trail and state changes the daemon
 * keeps in its state store, newest first (GET /v1/history, /v1/tenants/{id}/history):
 * a table, or the JSON with -o json. */
#include <stdio.h>

#include "ctl.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int render(FILE *out, const cJSON *j, bool wide)
{
	const cJSON *h, *list = cJSON_GetObjectItem(j, "history");
	bool all = !cJSON_GetObjectItem(j, "tenant"); /* the answer names the tenant asked for */

	(void)wide;
	if (!cJSON_GetArraySize(list)) {
		fprintf(out, "no history\n");
		return 0;
	}
	fprintf(out, "%-24s %s%-6s %s\n", "TIME", all ? "TENANT                                   " : "", "KIND",
		"WHAT");
	cJSON_ArrayForEach(h, list)
	{
		const cJSON *d = cJSON_GetObjectItem(h, "detail");
		const char *rid = str(d, "request_id");
		fprintf(out, "%-24s ", str(h, "time"));
		if (all)
			fprintf(out, "%-40s ", str(h, "tenant"));
		fprintf(out, "%-6s %s", str(h, "kind"), str(h, "text"));
		if (*rid)
			fprintf(out, " [request %s]", rid);
		fprintf(out, "\n");
	}
	return 0;
}

/* a 503: no history is kept (no state store) */
const struct ctl_view view_history = { render, ctl_zero_exit, NULL, true };

int cmd_history(struct ctl *c, char **argv, int argc)
{
	const char *tenant = argc ? argv[0] : NULL;

	return ctl_get_show(c, ctl_route_path(tenant ? CONTROL_TENANT_HISTORY : CONTROL_HISTORY, tenant),
			    &view_history);
}
