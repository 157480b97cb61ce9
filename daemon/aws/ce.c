#include "ce.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

/* ---- ListCostAllocationTags, every page ---- */

struct list_input {
	char **keys;
	size_t n;
};

static void build_page(const void *input, const char *token, struct aws_request *r)
{
	const struct list_input *in = input;
	cJSON *body = aws_json_new_object();

	aws_json_add_strs(body, "TagKeys", (const char *const *)in->keys, in->n);
	aws_json_add_num(body, "MaxResults", CE_LIST_PAGE_SIZE);
	if (token)
		aws_json_add_str(body, "NextToken", token);
	aws_request_init_json(r, AWS_CE, "ListCostAllocationTags", body);
	cJSON_Delete(body);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return ce_parse_cost_tags_page(b, n, r, next);
}

static void release_list(void *r)
{
	ce_cost_tag_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ce_tags_cb)cb)(arg, status, r, err);
}

static void free_input(void *input)
{
	struct list_input *in = input;

	for (size_t i = 0; i < in->n; i++)
		free(in->keys[i]);
	free(in->keys);
	free(in);
}

static const struct aws_pager_spec pager = {
	sizeof(struct ce_cost_tag_list), build_page, parse_page, release_list, deliver_list, free_input, NULL,
};

static bool keys_ok(const char *const *keys, size_t n, size_t max)
{
	if (!keys || n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!keys[i] || !*keys[i])
			return false;
	return true;
}

int ce_list_cost_allocation_tags(struct aws_client *c, const struct aws_target *t, const char *const *keys,
				 size_t n_keys, ce_tags_cb cb, void *arg)
{
	struct list_input *in;

	if (!keys_ok(keys, n_keys, CE_LIST_MAX_KEYS))
		return -EINVAL;
	in = xcalloc(1, sizeof(*in));
	in->keys = xcalloc(n_keys, sizeof(*in->keys));
	for (; in->n < n_keys; in->n++)
		in->keys[in->n] = xstrdup(keys[in->n]);
	return aws_pager_start(c, t, &pager, in, (aws_any_cb)cb, arg);
}

/* ---- UpdateCostAllocationTagsStatus ---- */

static int parse_update(const char *b, size_t n, void *r)
{
	return ce_parse_update_errors(b, n, r);
}

static void release_update(void *r)
{
	ce_tag_error_list_release(r);
}

static void deliver_update(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ce_update_cb)cb)(arg, status, r, err);
}

static const struct aws_op_spec update_spec = { sizeof(struct ce_tag_error_list), parse_update, release_update,
						deliver_update };

int ce_update_cost_allocation_tags_status(struct aws_client *c, const struct aws_target *t, const char *const *keys,
					  size_t n_keys, const char *status, ce_update_cb cb, void *arg)
{
	cJSON *body, *list;

	if (!keys_ok(keys, n_keys, CE_UPDATE_MAX_KEYS) || !status ||
	    (strcmp(status, CE_STATUS_ACTIVE) != 0 && strcmp(status, CE_STATUS_INACTIVE) != 0))
		return -EINVAL;
	body = aws_json_new_object();
	list = cJSON_AddArrayToObject(body, "CostAllocationTagsStatus");
	if (!list)
		abort();
	for (size_t i = 0; i < n_keys; i++) {
		cJSON *e = aws_json_new_object();
		aws_json_add_str(e, "TagKey", keys[i]);
		aws_json_add_str(e, "Status", status);
		cJSON_AddItemToArray(list, e);
	}
	return aws_op_call_json(c, t, AWS_CE, "UpdateCostAllocationTagsStatus", body, &update_spec, (aws_any_cb)cb,
				arg);
}

/* ---- GetCostAndUsage grouped by one tag, every page ---- */

struct cost_input {
	char start[11], end[11];
	char *tag_key;
};

static void build_cost_page(const void *input, const char *token, struct aws_request *r)
{
	const struct cost_input *in = input;
	cJSON *body = aws_json_new_object(), *period, *group, *groups;
	const char *metrics[] = { CE_COST_METRIC };

	period = cJSON_AddObjectToObject(body, "TimePeriod");
	groups = cJSON_AddArrayToObject(body, "GroupBy");
	if (!period || !groups)
		abort();
	aws_json_add_str(period, "Start", in->start);
	aws_json_add_str(period, "End", in->end);
	aws_json_add_str(body, "Granularity", "DAILY");
	aws_json_add_strs(body, "Metrics", metrics, 1);
	group = aws_json_new_object();
	aws_json_add_str(group, "Type", "TAG");
	aws_json_add_str(group, "Key", in->tag_key);
	cJSON_AddItemToArray(groups, group);
	if (token)
		aws_json_add_str(body, "NextPageToken", token);
	aws_request_init_json(r, AWS_CE, "GetCostAndUsage", body);
	cJSON_Delete(body);
}

static int parse_cost_page(const char *b, size_t n, void *r, char **next)
{
	return ce_parse_cost_page(b, n, r, next);
}

static void release_cost(void *r)
{
	ce_cost_groups_release(r);
}

static void deliver_cost(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ce_cost_cb)cb)(arg, status, r, err);
}

static void free_cost_input(void *input)
{
	struct cost_input *in = input;

	free(in->tag_key);
	free(in);
}

static const struct aws_pager_spec cost_pager = {
	sizeof(struct ce_cost_groups),
	build_cost_page,
	parse_cost_page,
	release_cost,
	deliver_cost,
	free_cost_input,
	NULL,
};

static bool is_day(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

int ce_get_cost_by_tag(struct aws_client *c, const struct aws_target *t, const char *start, const char *end,
		       const char *tag_key, ce_cost_cb cb, void *arg)
{
	struct cost_input *in;

	if (!is_day(start) || !is_day(end) || strcmp(start, end) >= 0 || !tag_key || !*tag_key || strchr(tag_key, '$'))
		return -EINVAL;
	in = xcalloc(1, sizeof(*in));
	memcpy(in->start, start, 11);
	memcpy(in->end, end, 11);
	in->tag_key = xstrdup(tag_key);
	return aws_pager_start(c, t, &cost_pager, in, (aws_any_cb)cb, arg);
}
