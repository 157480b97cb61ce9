/* The quotas awsim enforces, their values and where those come from.
 *
 * Each quota has a code: the Service Quotas code where AWS has one (L-...), else
 * one of awsim's own (X-...; see docs/awsim.md "Quotas"). A quota's value for an
 * account (and region, for regional quotas) is, first found: an admin override for
 * that account and region, an admin override for the account, the value given with
 * --quota (or the admin API without an account), the AWS default. */
#include "awsim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define QUOTA_MAX 1e9

static const struct quota_def defs[Q_COUNT] = {
	[Q_PROFILES] = { "bedrock", "Amazon Bedrock", "L-40EC9882", "Inference profiles per account",
			 "The maximum number of inference profiles in an account.", 1000, true, true, true },
	[Q_SSM_STANDARD] = { "ssm", "AWS Systems Manager", "X-SSM-STANDARD-PARAMETERS", "Standard parameters",
			     "Standard-tier parameters per account and region.", 10000, true, false, false },
	[Q_SSM_ADVANCED] = { "ssm", "AWS Systems Manager", "X-SSM-ADVANCED-PARAMETERS", "Advanced parameters",
			     "Advanced-tier parameters per account and region.", 100000, true, false, false },
	[Q_BUDGETS] = { "budgets", "AWS Budgets", "X-BUDGETS", "Budgets per account", "Budgets per account.", 20000,
			false, false, false },
	[Q_ROLES] = { "iam", "AWS Identity and Access Management (IAM)", "L-FE177D64", "Roles per account",
		      "The maximum number of IAM roles in an account.", 1000, false, true, true },
	[Q_ROLE_POLICY_CHARS] = { "iam", "AWS Identity and Access Management (IAM)", "X-IAM-ROLE-POLICY-SIZE",
				  "Role inline policy size",
				  "Characters of all inline policies of one role, whitespace not counted.", 10240,
				  false, false, false },
	[Q_TAGS] = { "tagging", "Tags", "X-TAGS-PER-RESOURCE", "Tags per resource",
		     "Tags on one resource, in every service.", 50, true, false, false },
};

const struct quota_def *quota_def(enum quota_id q)
{
	return &defs[q < Q_COUNT ? q : 0];
}

int quota_by_code(const char *code)
{
	for (int i = 0; i < Q_COUNT; i++)
		if (!strcmp(defs[i].code, code))
			return i;
	return -1;
}

void quotas_defaults(double ret[Q_COUNT])
{
	for (int i = 0; i < Q_COUNT; i++)
		ret[i] = defs[i].dflt;
}

static int parse_value(const char *s, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || !*s || *end || !isfinite(v) || v < 0 || v > QUOTA_MAX || v != floor(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int quota_parse_arg(const char *arg, double base[Q_COUNT])
{
	const char *eq = strchr(arg, '=');
	char code[64];
	double v;
	int q;

	if (!eq || (size_t)(eq - arg) >= sizeof(code))
		return -EINVAL;
	memcpy(code, arg, (size_t)(eq - arg));
	code[eq - arg] = '\0';
	q = quota_by_code(code);
	if (q < 0 || parse_value(eq + 1, &v) < 0)
		return -EINVAL;
	base[q] = v;
	return 0;
}

static void override_key(enum quota_id q, const char *account, const char *region, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/%s", account, defs[q].regional && region ? region : "", defs[q].code);
}

size_t quota_value(const struct awsim *sim, enum quota_id q, const char *account, const char *region)
{
	char key[128];
	const double *v = NULL;

	if (account && sim->quota_overrides.n) {
		if (defs[q].regional && region) {
			override_key(q, account, region, key, sizeof(key));
			v = omap_get(&sim->quota_overrides, key);
		}
		if (!v) {
			override_key(q, account, NULL, key, sizeof(key));
			v = omap_get(&sim->quota_overrides, key);
		}
	}
	return (size_t)(v ? *v : sim->quota_base[q]);
}

size_t call_quota(const struct call *c, enum quota_id q)
{
	return quota_value(c->sim, q, c->account[0] ? c->account : c->sim->cfg.account,
			   c->region[0] ? c->region : NULL);
}

void quotas_reset(struct awsim *sim)
{
	memcpy(sim->quota_base, sim->quota_cli, sizeof(sim->quota_base));
	omap_clear(&sim->quota_overrides, free);
}

/* One override, or its removal when v is NULL. */
static void quota_set(struct awsim *sim, enum quota_id q, const char *account, const char *region, const double *v)
{
	char key[128];

	if (!account) {
		sim->quota_base[q] = v ? *v : sim->quota_cli[q];
		return;
	}
	override_key(q, account, region, key, sizeof(key));
	if (v) {
		double *copy = xmalloc(sizeof(*copy));
		*copy = *v;
		free(omap_put(&sim->quota_overrides, key, copy));
	} else {
		free(omap_del(&sim->quota_overrides, key));
	}
}

int quotas_apply_json(struct awsim *sim, const cJSON *doc, char **ret_err)
{
	const cJSON *acct = cJSON_GetObjectItemCaseSensitive(doc, "account");
	const cJSON *region = cJSON_GetObjectItemCaseSensitive(doc, "region");
	const cJSON *set = cJSON_GetObjectItemCaseSensitive(doc, "quotas");
	const cJSON *legacy = cJSON_GetObjectItemCaseSensitive(doc, "application_inference_profiles");
	const cJSON *item;
	double v;

	if ((acct && (!cJSON_IsString(acct) || strlen(acct->valuestring) != 12 ||
		      strspn(acct->valuestring, "0123456789") != 12)) ||
	    (region && (!cJSON_IsString(region) || !*region->valuestring || strlen(region->valuestring) > 20)) ||
	    (region && !acct)) {
		*ret_err = xstrdup("account must be 12 digits and region a region name (region only with account)");
		return -EINVAL;
	}
	if ((set && !cJSON_IsObject(set)) || (!set && !legacy)) {
		*ret_err = xstrdup("quotas must be an object {\"CODE\": value or null, ...}");
		return -EINVAL;
	}
	if (legacy && (!cJSON_IsNumber(legacy) || legacy->valuedouble < 0 || legacy->valuedouble > QUOTA_MAX ||
		       legacy->valuedouble != floor(legacy->valuedouble))) {
		*ret_err = xstrdup("application_inference_profiles must be a whole number from 0 to 1000000000");
		return -EINVAL;
	}
	cJSON_ArrayForEach(item, set)
	{
		if (quota_by_code(item->string) < 0) {
			*ret_err = xasprintf("unknown quota code %.64s (see docs/awsim.md)", item->string);
			return -EINVAL;
		}
		if (!cJSON_IsNull(item) &&
		    (!cJSON_IsNumber(item) || item->valuedouble < 0 || item->valuedouble > QUOTA_MAX ||
		     item->valuedouble != floor(item->valuedouble))) {
			*ret_err = xasprintf("%.64s: the value must be a whole number from 0 to 1000000000, or null",
					     item->string);
			return -EINVAL;
		}
	}
	/* checked: now apply */
	if (legacy) {
		v = legacy->valuedouble;
		quota_set(sim, Q_PROFILES, acct ? acct->valuestring : NULL, region ? region->valuestring : NULL, &v);
	}
	cJSON_ArrayForEach(item, set)
	{
		v = item->valuedouble;
		quota_set(sim, (enum quota_id)quota_by_code(item->string), acct ? acct->valuestring : NULL,
			  region ? region->valuestring : NULL, cJSON_IsNull(item) ? NULL : &v);
	}
	return 0;
}

static int override_out(const char *key, void *v, void *ctx)
{
	const char *slash1 = strchr(key, '/'), *slash2 = slash1 ? strchr(slash1 + 1, '/') : NULL;
	cJSON *o = cJSON_CreateObject();
	char *account, *region;

	if (!slash2) {
		cJSON_Delete(o);
		return 0;
	}
	account = xstrndup(key, (size_t)(slash1 - key));
	region = xstrndup(slash1 + 1, (size_t)(slash2 - slash1 - 1));
	cJSON_AddStringToObject(o, "account", account);
	if (*region)
		cJSON_AddStringToObject(o, "region", region);
	cJSON_AddStringToObject(o, "code", slash2 + 1);
	cJSON_AddNumberToObject(o, "value", *(double *)v);
	cJSON_AddItemToArray(ctx, o);
	free(account);
	free(region);
	return 0;
}

cJSON *quotas_to_json(const struct awsim *sim)
{
	cJSON *doc = cJSON_CreateObject(), *base = cJSON_AddObjectToObject(doc, "quotas");

	cJSON_AddNumberToObject(doc, "application_inference_profiles", sim->quota_base[Q_PROFILES]);
	for (int i = 0; i < Q_COUNT; i++)
		cJSON_AddNumberToObject(base, defs[i].code, sim->quota_base[i]);
	omap_walk(&sim->quota_overrides, override_out, cJSON_AddArrayToObject(doc, "overrides"));
	return doc;
}

int quotas_from_json(struct awsim *sim, const cJSON *doc)
{
	const cJSON *base = cJSON_GetObjectItemCaseSensitive(doc, "quotas"), *item;
	char *err = NULL;

	if (cJSON_IsObject(base)) {
		cJSON *set = cJSON_CreateObject();
		cJSON_AddItemToObject(set, "quotas", cJSON_Duplicate(base, 1));
		if (quotas_apply_json(sim, set, &err) < 0) {
			cJSON_Delete(set);
			free(err);
			return -EINVAL;
		}
		cJSON_Delete(set);
	}
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "overrides"))
	{
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(item, "code");
		cJSON *set = cJSON_CreateObject(), *q = cJSON_AddObjectToObject(set, "quotas");
		int r;

		if (!cJSON_IsString(code)) {
			cJSON_Delete(set);
			return -EINVAL;
		}
		cJSON_AddItemToObject(q, code->valuestring,
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, "value"), 1));
		if (cJSON_GetObjectItemCaseSensitive(item, "account"))
			cJSON_AddItemToObject(set, "account",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, "account"), 1));
		if (cJSON_GetObjectItemCaseSensitive(item, "region"))
			cJSON_AddItemToObject(set, "region",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, "region"), 1));
		r = quotas_apply_json(sim, set, &err);
		cJSON_Delete(set);
		free(err);
		err = NULL;
		if (r < 0)
			return r;
	}
	return 0;
}
