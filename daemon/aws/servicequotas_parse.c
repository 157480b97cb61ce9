#include "servicequotas_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

static char *dup_or_empty(const cJSON *obj, const char *name)
{
	const char *s = aws_json_str(obj, name);

	return xstrdup(s ? s : "");
}

static int quota_from(const cJSON *obj, void *item)
{
	struct sq_quota *q = item;
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(obj, "Value");

	memset(q, 0, sizeof(*q));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "ServiceCode") || !aws_json_str(obj, "QuotaCode") ||
	    !cJSON_IsNumber(value) || !isfinite(value->valuedouble) || value->valuedouble < 0)
		return -EBADMSG;
	q->service_code = aws_json_dup(obj, "ServiceCode");
	q->quota_code = aws_json_dup(obj, "QuotaCode");
	q->quota_name = dup_or_empty(obj, "QuotaName");
	q->arn = dup_or_empty(obj, "QuotaArn");
	q->value = value->valuedouble;
	q->adjustable = aws_json_bool(obj, "Adjustable");
	q->global = aws_json_bool(obj, "GlobalQuota");
	return 0;
}

int sq_parse_quota(const char *body, size_t len, struct sq_quota *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	r = quota_from(aws_json_obj(doc, "Quota"), ret);
	cJSON_Delete(doc);
	return r;
}

int sq_parse_quotas_page(const char *body, size_t len, struct sq_quota_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "Quotas", "NextToken", (void **)&list->items, &list->n, &list->alloc,
				   sizeof(*list->items), quota_from, ret_next);
}

const struct sq_quota *sq_quota_list_find(const struct sq_quota_list *list, const char *quota_code)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->items[i].quota_code, quota_code))
			return &list->items[i];
	return NULL;
}

void sq_quota_release(struct sq_quota *q)
{
	free(q->service_code);
	free(q->quota_code);
	free(q->quota_name);
	free(q->arn);
	memset(q, 0, sizeof(*q));
}

void sq_quota_list_release(struct sq_quota_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		sq_quota_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
