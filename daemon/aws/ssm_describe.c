#include "ssm_describe.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

struct describe_input {
	char *path; /* NULL: no filter */
	bool recursive;
};

static void free_input(void *p)
{
	struct describe_input *in = p;

	free(in->path);
	free(in);
}

static void build_page(const void *p, const char *token, struct aws_request *r)
{
	const struct describe_input *in = p;
	cJSON *body = aws_json_new_object();

	if (in->path) {
		cJSON *filters = cJSON_AddArrayToObject(body, "ParameterFilters"), *f = cJSON_CreateObject();

		if (!filters || !f)
			abort(); /* cJSON only fails on allocation */
		cJSON_AddItemToArray(filters, f);
		aws_json_add_str(f, "Key", "Path");
		aws_json_add_str(f, "Option", in->recursive ? "Recursive" : "OneLevel");
		aws_json_add_strs(f, "Values", (const char *const *)&in->path, 1);
	}
	aws_json_add_num(body, "MaxResults", SSM_DESCRIBE_PAGE_SIZE);
	if (token)
		aws_json_add_str(body, "NextToken", token);
	aws_request_init_json(r, AWS_SSM, "DescribeParameters", body);
	cJSON_Delete(body);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	return ssm_parse_describe_page(b, n, r, next);
}

static void release_list(void *r)
{
	ssm_parameter_meta_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ssm_parameter_metas_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec pager = {
	sizeof(struct ssm_parameter_meta_list), build_page, parse_page, release_list, deliver_list, free_input, NULL,
};

int ssm_describe_parameters(struct aws_client *c, const struct aws_target *t, const char *path, bool recursive,
			    ssm_parameter_metas_cb cb, void *arg)
{
	struct describe_input *in;

	if (path && path[0] != '/')
		return -EINVAL;
	in = xcalloc(1, sizeof(*in));
	in->path = xstrdup_or_null(path);
	in->recursive = recursive;
	return aws_pager_start(c, t, &pager, in, (aws_any_cb)cb, arg);
}
