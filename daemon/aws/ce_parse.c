#include "ce_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

static char *dup_or_empty(const cJSON *obj, const char *name)
{
	const char *s = aws_json_str(obj, name);

	return xstrdup(s ? s : "");
}

static int tag_from(const cJSON *obj, void *item)
{
	struct ce_cost_tag *t = item;

	memset(t, 0, sizeof(*t));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "TagKey") || !aws_json_str(obj, "Status"))
		return -EBADMSG;
	t->key = aws_json_dup(obj, "TagKey");
	t->type = dup_or_empty(obj, "Type");
	t->status = aws_json_dup(obj, "Status");
	return 0;
}

int ce_parse_cost_tags_page(const char *body, size_t len, struct ce_cost_tag_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "CostAllocationTags", "NextToken", (void **)&list->items, &list->n,
				   &list->alloc, sizeof(*list->items), tag_from, ret_next);
}

const struct ce_cost_tag *ce_cost_tag_list_find(const struct ce_cost_tag_list *list, const char *key)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->items[i].key, key))
			return &list->items[i];
	return NULL;
}

static int error_from(const cJSON *obj, void *item)
{
	struct ce_tag_error *e = item;

	memset(e, 0, sizeof(*e));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "TagKey"))
		return -EBADMSG;
	e->key = aws_json_dup(obj, "TagKey");
	e->code = dup_or_empty(obj, "Code");
	e->message = dup_or_empty(obj, "Message");
	return 0;
}

int ce_parse_update_errors(const char *body, size_t len, struct ce_tag_error_list *ret)
{
	char *next = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = aws_json_parse_page(body, len, "Errors", "NextToken", (void **)&ret->items, &ret->n, &ret->alloc,
				sizeof(*ret->items), error_from, &next);
	free(next);
	if (r < 0)
		ce_tag_error_list_release(ret);
	return r;
}

void ce_cost_tag_list_release(struct ce_cost_tag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].type);
		free(l->items[i].status);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void ce_tag_error_list_release(struct ce_tag_error_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].code);
		free(l->items[i].message);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* One group: {"Keys": ["key$value"], "Metrics": {metric: {"Amount": "1.5", ...}}}. */
static int group_from(const cJSON *g, const char *day, struct ce_cost_groups *l)
{
	const cJSON *keys = aws_json_arr(g, "Keys"), *m = aws_json_obj(aws_json_obj(g, "Metrics"), CE_COST_METRIC);
	const char *k = keys && cJSON_GetArraySize(keys) == 1 ? cJSON_GetStringValue(cJSON_GetArrayItem(keys, 0))
							      : NULL;
	const char *amount = m ? aws_json_str(m, "Amount") : NULL;
	const char *dollar = k ? strchr(k, '$') : NULL;
	struct ce_cost_group *e;
	char *end;
	double v;

	if (!dollar)
		return -EBADMSG;
	if (!amount) /* a group without this metric has none of it */
		return 0;
	v = strtod(amount, &end);
	if (end == amount || *end)
		return -EBADMSG;
	if (l->n == CE_COST_MAX_GROUPS)
		return -E2BIG;
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->items = xreallocarray(l->items, l->alloc, sizeof(*l->items));
	}
	e = &l->items[l->n++];
	e->value = xstrdup(dollar + 1);
	snprintf(e->day, sizeof(e->day), "%s", day);
	e->amount = v;
	return 0;
}

int ce_parse_cost_page(const char *body, size_t len, struct ce_cost_groups *list, char **ret_next)
{
	const cJSON *results, *r, *g;
	cJSON *doc;
	int rc;

	*ret_next = NULL;
	if ((rc = aws_json_parse(body, len, &doc)) < 0)
		return rc;
	results = aws_json_arr(doc, "ResultsByTime");
	cJSON_ArrayForEach(r, results)
	{
		const char *day = aws_json_str(aws_json_obj(r, "TimePeriod"), "Start");
		const cJSON *groups = aws_json_arr(r, "Groups");
		if (!day || strlen(day) != 10) {
			rc = -EBADMSG;
			goto out;
		}
		cJSON_ArrayForEach(g, groups)
		{
			if ((rc = group_from(g, day, list)) < 0)
				goto out;
		}
	}
	*ret_next = aws_json_dup(doc, "NextPageToken");
out:
	cJSON_Delete(doc);
	return rc;
}

void ce_cost_groups_release(struct ce_cost_groups *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].value);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
