#include "ssm_parse.h"

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

static int parameter_from(const cJSON *obj, void *item)
{
	struct ssm_parameter *p = item;

	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "Name") || !aws_json_str(obj, "Value"))
		return -EBADMSG;
	p->name = aws_json_dup(obj, "Name");
	p->value = aws_json_dup(obj, "Value");
	p->type = dup_or_empty(obj, "Type");
	p->arn = dup_or_empty(obj, "ARN");
	p->data_type = dup_or_empty(obj, "DataType");
	if (aws_json_int(obj, "Version", &p->version) < 0 ||
	    aws_json_time_ms(obj, "LastModifiedDate", &p->last_modified_ms) < 0) {
		ssm_parameter_release(p);
		return -EBADMSG;
	}
	return 0;
}

static int parameters_from(const cJSON *arr, struct ssm_parameter_list *list)
{
	const cJSON *item;
	int r;

	if (arr && !cJSON_IsArray(arr) && !cJSON_IsNull(arr))
		return -EBADMSG;
	cJSON_ArrayForEach(item, arr)
	{
		XGROW(list->items, list->n + 1, list->alloc);
		r = parameter_from(item, &list->items[list->n]);
		if (r < 0)
			return r;
		list->n++;
	}
	return 0;
}

static int strv_from(const cJSON *doc, const char *name, struct aws_strv *v)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, name);

	if (arr && !cJSON_IsArray(arr) && !cJSON_IsNull(arr))
		return -EBADMSG;
	return aws_json_strv(arr, v);
}

int ssm_parse_put(const char *body, size_t len, struct ssm_put_result *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = aws_json_int(doc, "Version", &ret->version);
	if (r == 0)
		ret->tier = dup_or_empty(doc, "Tier");
	cJSON_Delete(doc);
	return r;
}

int ssm_parse_parameter(const char *body, size_t len, struct ssm_parameter *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	r = parameter_from(aws_json_obj(doc, "Parameter"), ret);
	cJSON_Delete(doc);
	return r;
}

int ssm_parse_get_parameters(const char *body, size_t len, struct ssm_get_parameters_result *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = parameters_from(cJSON_GetObjectItemCaseSensitive(doc, "Parameters"), &ret->parameters);
	if (r == 0)
		r = strv_from(doc, "InvalidParameters", &ret->invalid);
	if (r < 0)
		ssm_get_parameters_result_release(ret);
	cJSON_Delete(doc);
	return r;
}

int ssm_parse_parameters_page(const char *body, size_t len, struct ssm_parameter_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "Parameters", "NextToken", (void **)&list->items, &list->n, &list->alloc,
				   sizeof(*list->items), parameter_from, ret_next);
}

int ssm_parse_delete_parameters(const char *body, size_t len, struct ssm_delete_parameters_result *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = strv_from(doc, "DeletedParameters", &ret->deleted);
	if (r == 0)
		r = strv_from(doc, "InvalidParameters", &ret->invalid);
	if (r < 0)
		ssm_delete_parameters_result_release(ret);
	cJSON_Delete(doc);
	return r;
}

int ssm_parse_tags(const char *body, size_t len, struct aws_tags *ret)
{
	return aws_json_parse_tags(body, len, "TagList", "Key", "Value", ret);
}

void ssm_parameter_release(struct ssm_parameter *p)
{
	free(p->name);
	free(p->type);
	free(p->value);
	free(p->arn);
	free(p->data_type);
	memset(p, 0, sizeof(*p));
}

void ssm_parameter_list_release(struct ssm_parameter_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ssm_parameter_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void ssm_put_result_release(struct ssm_put_result *r)
{
	free(r->tier);
	memset(r, 0, sizeof(*r));
}

void ssm_get_parameters_result_release(struct ssm_get_parameters_result *r)
{
	ssm_parameter_list_release(&r->parameters);
	aws_strv_release(&r->invalid);
}

void ssm_delete_parameters_result_release(struct ssm_delete_parameters_result *r)
{
	aws_strv_release(&r->deleted);
	aws_strv_release(&r->invalid);
}
