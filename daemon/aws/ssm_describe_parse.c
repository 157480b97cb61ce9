#include "ssm_describe_parse.h"

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

static int meta_from(const cJSON *obj, void *item)
{
	struct ssm_parameter_meta *m = item;

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "Name"))
		return -EBADMSG;
	m->name = aws_json_dup(obj, "Name");
	m->type = dup_or_empty(obj, "Type");
	m->arn = dup_or_empty(obj, "ARN");
	m->tier = dup_or_empty(obj, "Tier");
	m->data_type = dup_or_empty(obj, "DataType");
	m->key_id = aws_json_dup(obj, "KeyId");
	if (aws_json_int(obj, "Version", &m->version) < 0 ||
	    aws_json_time_ms(obj, "LastModifiedDate", &m->last_modified_ms) < 0) {
		ssm_parameter_meta_release(m);
		return -EBADMSG;
	}
	return 0;
}

int ssm_parse_describe_page(const char *body, size_t len, struct ssm_parameter_meta_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "Parameters", "NextToken", (void **)&list->items, &list->n, &list->alloc,
				   sizeof(*list->items), meta_from, ret_next);
}

void ssm_parameter_meta_release(struct ssm_parameter_meta *m)
{
	free(m->name);
	free(m->type);
	free(m->arn);
	free(m->tier);
	free(m->data_type);
	free(m->key_id);
	memset(m, 0, sizeof(*m));
}

void ssm_parameter_meta_list_release(struct ssm_parameter_meta_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ssm_parameter_meta_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
