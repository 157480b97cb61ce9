#include "tagging_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

static int resource_from(const cJSON *obj, void *item)
{
	struct tagging_resource *r = item;
	const cJSON *tags;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "ResourceARN"))
		return -EBADMSG;
	tags = cJSON_GetObjectItemCaseSensitive(obj, "Tags");
	if (tags && !cJSON_IsArray(tags) && !cJSON_IsNull(tags))
		return -EBADMSG;
	r->arn = aws_json_dup(obj, "ResourceARN");
	if (aws_json_tags(tags, "Key", "Value", &r->tags) < 0) {
		free(r->arn);
		aws_tags_release(&r->tags);
		return -EBADMSG;
	}
	return 0;
}

int tagging_parse_resources_page(const char *body, size_t len, struct tagging_resource_list *list, char **ret_next)
{
	int r = aws_json_parse_page(body, len, "ResourceTagMappingList", "PaginationToken", (void **)&list->items,
				    &list->n, &list->alloc, sizeof(*list->items), resource_from, ret_next);

	if (r == 0 && *ret_next && !**ret_next) {
		free(*ret_next);
		*ret_next = NULL;
	}
	return r;
}

void tagging_resource_list_release(struct tagging_resource_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].arn);
		aws_tags_release(&l->items[i].tags);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
