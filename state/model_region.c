/* Where a tenant's models can be used from: see model_region.h. */
#include "model_region.h"

#include <string.h>

const char *model_geo_check(const char *id, const char *region)
{
	static const struct {
		const char *geo, *prefix, *why;
	} serve[] = {
		{ "us-gov.", "us-gov-", "us-gov.* profiles serve the us-gov-* Regions" },
		{ "us.", "us-", "us.* profiles serve the US Regions (us-*)" },
		{ "eu.", "eu-", "eu.* profiles serve the European Regions (eu-*)" },
		{ "apac.", "ap-", "apac.* profiles serve the Asia Pacific Regions (ap-*)" },
		{ "jp.", "ap-northeast-", "jp.* profiles serve the Japan Regions (ap-northeast-*)" },
		{ "au.", "ap-southeast-", "au.* profiles serve the Australia Regions (ap-southeast-*)" },
		{ "ca.", "ca-", "ca.* profiles serve the Canada Regions (ca-*)" },
	};

	if (!strncmp(id, "global.", 7))
		return NULL;
	for (size_t i = 0; i < sizeof(serve) / sizeof(serve[0]); i++) {
		if (strncmp(id, serve[i].geo, strlen(serve[i].geo)))
			continue;
		if (strncmp(region, serve[i].prefix, strlen(serve[i].prefix)))
			return serve[i].why;
		/* us. must not serve us-gov-*. */
		if (!strcmp(serve[i].geo, "us.") && !strncmp(region, "us-gov-", 7))
			return serve[i].why;
		return NULL;
	}
	return NULL;
}

/* The Region field of an ARN ("arn:PARTITION:SERVICE:REGION:..."), compared with region. */
static bool arn_in_region(const char *arn, const char *region)
{
	const char *f = arn;

	for (int colons = 0; colons < 3; colons++) {
		f = strchr(f, ':');
		if (!f)
			return false;
		f++;
	}
	return !strncmp(f, region, strlen(region)) && f[strlen(region)] == ':';
}

const char *profile_region_check(const struct profile *p, const char *region)
{
	switch (p->model_kind) {
	case MODEL_SYSTEM_PROFILE_ID:
		return profile_model_id(p) ? model_geo_check(profile_model_id(p), region) : NULL;
	case MODEL_SYSTEM_PROFILE_ARN:
		if (p->model && !arn_in_region(p->model, region))
			return "the model ARN names another Region";
		return profile_model_id(p) ? model_geo_check(profile_model_id(p), region) : NULL;
	case MODEL_FOUNDATION_ARN:
		return p->model && !arn_in_region(p->model, region) ? "the model ARN names another Region" : NULL;
	case MODEL_FOUNDATION_ID:
	default:
		return NULL;
	}
}

const char *tenant_region_check(const struct tenant *t, const char *region)
{
	for (size_t i = 0; i < t->n_profiles; i++) {
		const char *why = profile_region_check(&t->profiles[i], region);
		if (why)
			return why;
	}
	return NULL;
}
