#include "modelref.h"

#include <errno.h>
#include <string.h>

/* Geography prefixes of system-defined (cross-Region) inference profiles. */
static const char *const geos[] = { "us", "us-gov", "eu", "apac", "global", "jp", "au", "ca" };

static bool seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Bedrock's FoundationModelArn id: 2-4 segments of [a-z0-9-]{1,63} separated by '.',
 * then 0-2 suffixes ':[a-z0-9-]{1,63}'. */
static bool foundation_id(const char *s)
{
	int dots = 0, colons = 0;
	size_t seg = 0;

	for (const char *p = s;; p++) {
		if (seg_char(*p)) {
			if (++seg > 63)
				return false;
			continue;
		}
		if (!seg)
			return false;
		if (!*p)
			break;
		if (*p == '.' && !colons)
			dots++;
		else if (*p == ':')
			colons++;
		else
			return false;
		seg = 0;
	}
	return dots >= 1 && dots <= 3 && colons <= 2 && strlen(s) <= MODELREF_ID_MAX;
}

/* The length of a geography prefix of s ("us." -> 3), or 0. */
static size_t geo_prefix(const char *s)
{
	for (size_t i = 0; i < sizeof(geos) / sizeof(geos[0]); i++) {
		size_t l = strlen(geos[i]);
		if (!strncmp(s, geos[i], l) && s[l] == '.')
			return l + 1;
	}
	return 0;
}

static bool system_profile_id(const char *s)
{
	size_t g = geo_prefix(s);

	return g && foundation_id(s + g) && strlen(s) <= MODELREF_ID_MAX;
}

static const char *const expected_model =
	"expected a foundation-model id such as anthropic.claude-3-5-haiku-20241022-v1:0, a system inference "
	"profile id such as us.anthropic.claude-3-5-haiku-20241022-v1:0, or the ARN of either";

static void copy_field(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static const char *parse_arn(const char *s, struct modelref *ret)
{
	const char *f[5], *res;
	size_t len[5];
	const char *p = s;
	char region[RULE_REGION_MAX + 1];

	for (int i = 0; i < 5; i++) {
		const char *c = strchr(p, ':');
		if (!c)
			return "expected a Bedrock model ARN: arn:aws:bedrock:REGION::foundation-model/ID or "
			       "arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID";
		f[i] = p;
		len[i] = (size_t)(c - p);
		p = c + 1;
	}
	res = p;
	if (rule_partition(f[1], len[1]))
		return rule_partition(f[1], len[1]);
	if (len[2] != 7 || strncmp(f[2], "bedrock", 7))
		return "the model ARN must be a Bedrock ARN (arn:aws:bedrock:...)";
	copy_field(region, sizeof(region), f[3], len[3]);
	if (!len[3] || len[3] > RULE_REGION_MAX || rule_region(region))
		return "the model ARN needs a Region, such as arn:aws:bedrock:us-east-1::foundation-model/ID";
	copy_field(ret->partition, sizeof(ret->partition), f[1], len[1]);
	memcpy(ret->region, region, sizeof(region));
	if (!strncmp(res, "foundation-model/", 17)) {
		ret->id = res + 17;
		if (len[4])
			return "a foundation-model ARN has an empty account field (REGION::foundation-model/ID)";
		if (system_profile_id(ret->id))
			return "that id is a system inference profile; its ARN is "
			       "arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID";
		if (!foundation_id(ret->id))
			return "the foundation-model id in the ARN is not valid (e.g. "
			       "anthropic.claude-3-5-haiku-20241022-v1:0)";
		ret->kind = MODEL_FOUNDATION_ARN;
		return NULL;
	}
	if (!strncmp(res, "inference-profile/", 18)) {
		ret->id = res + 18;
		if (len[4] != 12 || strspn(f[4], "0123456789") < 12)
			return "a system inference profile ARN needs the 12-digit account id";
		copy_field(ret->account, sizeof(ret->account), f[4], 12);
		if (!system_profile_id(ret->id))
			return "the inference profile id in the ARN is not a system profile id (e.g. "
			       "us.anthropic.claude-3-5-haiku-20241022-v1:0)";
		ret->kind = MODEL_SYSTEM_PROFILE_ARN;
		return NULL;
	}
	if (!strncmp(res, "application-inference-profile/", 30))
		return "an application inference profile cannot be copied; name a foundation model or a system "
		       "inference profile";
	return "expected a foundation-model/ or inference-profile/ resource in the model ARN";
}

const char *modelref_parse(const char *s, struct modelref *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!strncmp(s, "arn:", 4))
		return parse_arn(s, ret);
	ret->id = s;
	if (system_profile_id(s)) {
		ret->kind = MODEL_SYSTEM_PROFILE_ID;
		return NULL;
	}
	if (!geo_prefix(s) && foundation_id(s)) {
		ret->kind = MODEL_FOUNDATION_ID;
		return NULL;
	}
	return expected_model;
}

const char *modelref_resource(enum model_ref_kind kind)
{
	return modelref_is_system_profile(kind) ? "inference-profile" : "foundation-model";
}

bool modelref_is_system_profile(enum model_ref_kind kind)
{
	return kind == MODEL_SYSTEM_PROFILE_ID || kind == MODEL_SYSTEM_PROFILE_ARN;
}

const char *modelref_partition(const char *region)
{
	if (!strncmp(region, "cn-", 3))
		return "aws-cn";
	if (!strncmp(region, "us-gov-", 7))
		return "aws-us-gov";
	if (!strncmp(region, "us-isob-", 8))
		return "aws-iso-b";
	if (!strncmp(region, "us-iso-", 7))
		return "aws-iso";
	return "aws";
}

int modelref_source_arn(enum model_ref_kind kind, const char *id, const char *region, const char *account_id,
			struct strbuf *out)
{
	if (modelref_is_system_profile(kind)) {
		if (!account_id)
			return -EINVAL;
		return strbuf_addf(out, "arn:%s:bedrock:%s:%s:inference-profile/%s", modelref_partition(region), region,
				   account_id, id);
	}
	return strbuf_addf(out, "arn:%s:bedrock:%s::foundation-model/%s", modelref_partition(region), region, id);
}
