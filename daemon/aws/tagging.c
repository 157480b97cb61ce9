#include "tagging.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_json.h"
#include "aws_op.h"

static void free_input(void *p)
{
	cJSON_Delete(p);
}

static void build_page(const void *p, const char *token, struct aws_request *r)
{
	cJSON *body = cJSON_Duplicate(p, 1);

	if (!body)
		abort();
	if (token)
		aws_json_add_str(body, "PaginationToken", token);
	aws_request_init_json(r, AWS_TAGGING, "GetResources", body);
	cJSON_Delete(body);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return tagging_parse_resources_page(b, n, r, next);
}

static void release_list(void *r)
{
	tagging_resource_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((tagging_resources_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec pager = {
	sizeof(struct tagging_resource_list), build_page, parse_page, release_list, deliver_list, free_input, NULL,
};

int tagging_get_resources(struct aws_client *c, const struct aws_target *t,
			  const struct tagging_get_resources_input *in, tagging_resources_cb cb, void *arg)
{
	cJSON *body = aws_json_new_object(), *filters;

	if (in && in->n_filters) {
		filters = cJSON_AddArrayToObject(body, "TagFilters");
		for (size_t i = 0; i < in->n_filters; i++) {
			cJSON *f = aws_json_new_object();

			if (!in->filters[i].key) {
				cJSON_Delete(f);
				cJSON_Delete(body);
				return -EINVAL;
			}
			aws_json_add_str(f, "Key", in->filters[i].key);
			if (in->filters[i].n_values)
				aws_json_add_strs(f, "Values", in->filters[i].values, in->filters[i].n_values);
			cJSON_AddItemToArray(filters, f);
		}
	}
	aws_json_add_num(body, "ResourcesPerPage", TAGGING_PAGE_SIZE);
	if (in && in->n_types)
		aws_json_add_strs(body, "ResourceTypeFilters", in->resource_types, in->n_types);
	return aws_pager_start(c, t, &pager, body, (aws_any_cb)cb, arg);
}
