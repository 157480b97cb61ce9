/* Service Quotas (awsJson1.1, target prefix ServiceQuotasV20190624): GetServiceQuota
 * and ListServiceQuotas for the quotas awsim enforces that have a real Service
 * Quotas code (quotas.c). The value answered is the one awsim enforces for the
 * caller's account and region, overrides included. awsim's own codes (X-...) are
 * not answered, as AWS would not know them. */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define LIST_MAX 100

static const struct strspec code_spec = { true, 1, 128, PAT_NONE };
static const struct strspec service_spec = { true, 1, 63, PAT_NONE };
static const struct strspec token_spec = { false, 0, 2048, PAT_NONE };

static bool code_chars(const char *s)
{
	return ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == strlen(s);
}

static bool known_service(const char *service)
{
	for (int i = 0; i < Q_COUNT; i++)
		if (quota_def((enum quota_id)i)->listed && !strcmp(quota_def((enum quota_id)i)->service, service))
			return true;
	return false;
}

static cJSON *quota_json(const struct call *c, enum quota_id q)
{
	const struct quota_def *d = quota_def(q);
	cJSON *o = cJSON_CreateObject();
	char *arn = xasprintf("arn:aws:servicequotas:%s:%s:%s/%s", c->region, c->account, d->service, d->code);

	cJSON_AddStringToObject(o, "ServiceCode", d->service);
	cJSON_AddStringToObject(o, "ServiceName", d->service_name);
	cJSON_AddStringToObject(o, "QuotaArn", arn);
	cJSON_AddStringToObject(o, "QuotaCode", d->code);
	cJSON_AddStringToObject(o, "QuotaName", d->name);
	cJSON_AddNumberToObject(o, "Value", (double)call_quota(c, q));
	cJSON_AddStringToObject(o, "Unit", "None");
	cJSON_AddBoolToObject(o, "Adjustable", d->adjustable);
	cJSON_AddBoolToObject(o, "GlobalQuota", !d->regional);
	cJSON_AddStringToObject(o, "QuotaAppliedAtLevel", "ACCOUNT");
	cJSON_AddStringToObject(o, "Description", d->description);
	free(arn);
	return o;
}

static int read_service(struct call *c, const char **ret)
{
	if (in_str(c, c->json, "ServiceCode", &service_spec, ret) < 0)
		return -1;
	if (!code_chars(*ret))
		return call_invalid(c, "serviceCode", *ret,
				    "Member must satisfy regular expression pattern: "
				    "[a-zA-Z][a-zA-Z0-9-]{1,63}");
	return 0;
}

static int op_get(struct call *c)
{
	const char *service, *code, *context;
	int q;
	cJSON *out;

	if (read_service(c, &service) < 0 || in_str(c, c->json, "QuotaCode", &code_spec, &code) < 0 ||
	    in_str(c, c->json, "ContextId", &token_spec, &context) < 0)
		return -1;
	if (!code_chars(code))
		return call_invalid(c, "quotaCode", code,
				    "Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9-]{1,128}");
	q = quota_by_code(code);
	if (q < 0 || !quota_def((enum quota_id)q)->listed || strcmp(quota_def((enum quota_id)q)->service, service))
		return call_error(c, 400, "NoSuchResourceException",
				  "The request failed because the specified "
				  "service or quota doesn't exist.");
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Quota", quota_json(c, (enum quota_id)q));
	return call_json(c, out);
}

static int op_list(struct call *c)
{
	static const char *const levels[] = { "ACCOUNT", "RESOURCE", "ALL", NULL };
	const char *service, *token, *code, *level;
	long long max = LIST_MAX;
	bool present;
	struct strbuf last, kind;
	cJSON *out = NULL, *list;
	size_t count = 0;

	if (read_service(c, &service) < 0 || in_str(c, c->json, "NextToken", &token_spec, &token) < 0 ||
	    in_int(c, c->json, "MaxResults", 1, LIST_MAX, &max, &present) < 0 ||
	    in_str(c, c->json, "QuotaCode", &(struct strspec){ false, 1, 128, PAT_NONE }, &code) < 0 ||
	    in_enum(c, c->json, "QuotaAppliedAtLevel", false, levels, &level) < 0)
		return -1;
	if (!present)
		max = LIST_MAX;
	if (!known_service(service))
		return call_error(c, 400, "NoSuchResourceException",
				  "The request failed because the specified service doesn't exist.");
	strbuf_init(&last, 256);
	strbuf_init(&kind, STRBUF_NO_CAP);
	strbuf_addf(&kind, "quotas:%s", service);
	if (token && *token && page_token_decode(c, token, kind.buf, &last) < 0)
		goto out;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "Quotas");
	/* in code order, as the table of quotas.c is not */
	for (;;) {
		int next = -1;
		for (int i = 0; i < Q_COUNT; i++) {
			const struct quota_def *d = quota_def((enum quota_id)i);
			if (!d->listed || strcmp(d->service, service) || (code && strcmp(d->code, code)) ||
			    (level && !strcmp(level, "RESOURCE")) || (last.len && strcmp(d->code, last.buf) <= 0))
				continue;
			if (next < 0 || strcmp(d->code, quota_def((enum quota_id)next)->code) < 0)
				next = i;
		}
		if (next < 0)
			break;
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode(kind.buf, last.buf, &tok);
			cJSON_AddStringToObject(out, "NextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		cJSON_AddItemToArray(list, quota_json(c, (enum quota_id)next));
		strbuf_reset(&last);
		strbuf_adds(&last, quota_def((enum quota_id)next)->code);
		count++;
	}
out:
	strbuf_release(&last);
	strbuf_release(&kind);
	return out ? call_json(c, out) : -1;
}

const struct op servicequotas_ops[] = {
	{ "GetServiceQuota", op_get, false, NULL, NULL, 0, false },
	{ "ListServiceQuotas", op_list, false, NULL, NULL, 0, false },
};
const size_t servicequotas_n_ops = sizeof(servicequotas_ops) / sizeof(servicequotas_ops[0]);
