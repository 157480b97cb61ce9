#include "ce_parse.h"

#include <errno.h>
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
