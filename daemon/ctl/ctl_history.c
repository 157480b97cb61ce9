#include "ctl_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control_api.h"
#include "ctl_http.h"
#include "strbuf.h"
#include "uri.h"
#include "xalloc.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void render(const cJSON *j, bool all)
{
	const cJSON *h, *list = cJSON_GetObjectItem(j, "history");

	if (!cJSON_GetArraySize(list)) {
		printf("no history\n");
		return;
	}
	printf("%-24s %s%-6s %s\n", "TIME", all ? "TENANT                                   " : "", "KIND", "WHAT");
	cJSON_ArrayForEach(h, list)
	{
		const cJSON *d = cJSON_GetObjectItem(h, "detail");
		const char *rid = str(d, "request_id");
		printf("%-24s ", str(h, "time"));
		if (all)
			printf("%-40s ", str(h, "tenant"));
		printf("%-6s %s", str(h, "kind"), str(h, "text"));
		if (*rid)
			printf(" [request %s]", rid);
		printf("\n");
	}
}

int ctl_history(const char *socket, bool json, const char *tenant)
{
	struct ctl_answer a = { 0 };
	char err[512], *path;
	int rc = 0;
	cJSON *j;

	if (tenant) {
		const char *pattern = control_routes[CONTROL_TENANT_HISTORY].pattern, *hole = strstr(pattern, "{id}");
		struct strbuf enc;
		strbuf_init(&enc, 4096);
		uri_encode_str(&enc, tenant, false);
		path = xasprintf("%.*s%s%s", (int)(hole - pattern), pattern, enc.buf, hole + 4);
		strbuf_release(&enc);
	} else {
		path = xstrdup(control_routes[CONTROL_HISTORY].pattern);
	}
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
	} else if (a.status != 200) {
		const cJSON *e = cJSON_GetObjectItem(j, "error");
		fprintf(stderr, "bedrock-tenantctl: %s\n", cJSON_IsString(e) ? e->valuestring : "request failed");
		rc = a.status == 400 ? 2 : 1;
	} else if (json) {
		char *text = cJSON_Print(j);
		printf("%s\n", text);
		free(text);
	} else {
		render(j, !tenant);
	}
	cJSON_Delete(j);
	ctl_answer_release(&a);
	return rc;
}
