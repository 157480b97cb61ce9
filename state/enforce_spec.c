#include "enforce_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xalloc.h"

#define NAME_FMT "bedrock-tenantd-%s-deny"

char *enforce_policy_name(const char *tenant)
{
	return xasprintf(NAME_FMT, tenant);
}

bool enforce_policy_name_in(const char *tenant, char *buf, size_t size)
{
	int n = snprintf(buf, size, NAME_FMT, tenant);

	return n >= 0 && (size_t)n < size;
}

char *enforce_policy_arn(const char *partition, const char *account_id, const char *tenant)
{
	char *name = enforce_policy_name(tenant);
	char *arn = xasprintf("arn:%s:iam::%s:policy%s%s", partition, account_id, ENFORCE_POLICY_PATH, name);

	free(name);
	return arn;
}

bool enforce_action_attaches(const struct observed_budget_action *a, const char *policy_name)
{
	static const char suffix_path[] = ":policy" ENFORCE_POLICY_PATH;
	const char *p = a->policy_arn ? strstr(a->policy_arn, suffix_path) : NULL;

	return p && strcmp(p + strlen(suffix_path), policy_name) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cJSON *checked(cJSON *item)
{
	if (!item)
		abort(); /* cJSON only fails on allocation */
	return item;
}

static cJSON *statement(const char *sid, const char *const *resources, size_t n, const char *const *arns, size_t n_arns)
{
	static const char *const actions[] = { "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream" };
	cJSON *st = checked(cJSON_CreateObject());

	cJSON_AddStringToObject(st, "Sid", sid);
	cJSON_AddStringToObject(st, "Effect", "Deny");
	cJSON_AddItemToObject(st, "Action", checked(cJSON_CreateStringArray(actions, 2)));
	cJSON_AddItemToObject(st, "Resource", checked(cJSON_CreateStringArray(resources, (int)n)));
	if (arns) {
		cJSON *cond = checked(cJSON_AddObjectToObject(st, "Condition"));
		cJSON *eq = checked(cJSON_AddObjectToObject(cond, "StringEquals"));
		cJSON_AddItemToObject(eq, "bedrock:InferenceProfileArn",
				      checked(cJSON_CreateStringArray(arns, (int)n_arns)));
	}
	return st;
}

char *enforce_deny_document(const struct observed_profile *const *profiles, size_t n)
{
	const char **arns, *any[1] = { "*" };
	cJSON *doc, *sts;
	size_t m = 0;
	char *text;

	if (!n)
		return NULL;
	arns = xcalloc(n, sizeof(*arns));
	for (size_t i = 0; i < n; i++)
		arns[i] = profiles[i]->arn;
	qsort(arns, n, sizeof(*arns), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (!m || strcmp(arns[m - 1], arns[i]) != 0)
			arns[m++] = arns[i];
	doc = checked(cJSON_CreateObject());
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	sts = checked(cJSON_AddArrayToObject(doc, "Statement"));
	cJSON_AddItemToArray(sts, statement("DenyProfilesOverBudget", arns, m, NULL, 0));
	cJSON_AddItemToArray(sts, statement("DenyModelsThroughProfilesOverBudget", any, 1, arns, m));
	text = cJSON_PrintUnformatted(doc);
	if (!text)
		abort();
	cJSON_Delete(doc);
	free(arns);
	return text;
}
