#include "ssm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static int parse_put(const char *b, size_t n, void *r)
{
	return ssm_parse_put(b, n, r);
}

static void release_put(void *r)
{
	ssm_put_result_release(r);
}

static void deliver_put(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ssm_put_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec put_spec = { sizeof(struct ssm_put_result), parse_put, release_put, deliver_put };

static int parse_parameter(const char *b, size_t n, void *r)
{
	return ssm_parse_parameter(b, n, r);
}

static void release_parameter(void *r)
{
	ssm_parameter_release(r);
}

static void deliver_parameter(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ssm_parameter_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec parameter_spec = {
	sizeof(struct ssm_parameter),
	parse_parameter,
	release_parameter,
	deliver_parameter,
};

static int parse_get_many(const char *b, size_t n, void *r)
{
	return ssm_parse_get_parameters(b, n, r);
}

static void release_get_many(void *r)
{
	ssm_get_parameters_result_release(r);
}

static void deliver_get_many(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ssm_get_parameters_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec get_many_spec = {
	sizeof(struct ssm_get_parameters_result),
	parse_get_many,
	release_get_many,
	deliver_get_many,
};

static int parse_delete_many(const char *b, size_t n, void *r)
{
	return ssm_parse_delete_parameters(b, n, r);
}

static void release_delete_many(void *r)
{
	ssm_delete_parameters_result_release(r);
}

static void deliver_delete_many(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ssm_delete_parameters_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec delete_many_spec = {
	sizeof(struct ssm_delete_parameters_result),
	parse_delete_many,
	release_delete_many,
	deliver_delete_many,
};

static int parse_tags(const char *b, size_t n, void *r)
{
	return ssm_parse_tags(b, n, r);
}

static const struct aws_op_spec tags_spec = {
	sizeof(struct aws_tags),
	parse_tags,
	aws_op_release_tags,
	aws_op_deliver_tags,
};

static cJSON *by_name(const char *field, const char *name)
{
	cJSON *body = aws_json_new_object();

	aws_json_add_str(body, field, name);
	return body;
}

int ssm_put_parameter(struct aws_client *c, const struct aws_target *t, const struct ssm_put_input *in, ssm_put_cb cb,
		      void *arg)
{
	cJSON *body;

	if (!in->name || !in->value || (in->overwrite && in->n_tags))
		return -EINVAL;
	body = by_name("Name", in->name);
	aws_json_add_str(body, "Value", in->value);
	aws_json_add_str(body, "Type", in->type ? in->type : "String");
	aws_json_add_str_opt(body, "Description", in->description);
	aws_json_add_str_opt(body, "Tier", in->tier);
	if (in->overwrite)
		aws_json_add_bool(body, "Overwrite", true);
	if (in->n_tags)
		aws_json_add_tags(body, "Tags", in->tags, in->n_tags, "Key", "Value");
	return aws_op_call_json(c, t, AWS_SSM, "PutParameter", body, &put_spec, (aws_any_cb)cb, arg);
}

int ssm_get_parameter(struct aws_client *c, const struct aws_target *t, const char *name, ssm_parameter_cb cb,
		      void *arg)
{
	if (!name)
		return -EINVAL;
	return aws_op_call_json(c, t, AWS_SSM, "GetParameter", by_name("Name", name), &parameter_spec, (aws_any_cb)cb,
				arg);
}

int ssm_get_parameters(struct aws_client *c, const struct aws_target *t, const char *const *names, size_t n,
		       ssm_get_parameters_cb cb, void *arg)
{
	cJSON *body;

	if (n == 0 || n > SSM_BATCH_MAX)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_strs(body, "Names", names, n);
	return aws_op_call_json(c, t, AWS_SSM, "GetParameters", body, &get_many_spec, (aws_any_cb)cb, arg);
}

int ssm_delete_parameter(struct aws_client *c, const struct aws_target *t, const char *name, aws_done_cb cb, void *arg)
{
	if (!name)
		return -EINVAL;
	return aws_op_call_json(c, t, AWS_SSM, "DeleteParameter", by_name("Name", name), &done_spec, (aws_any_cb)cb,
				arg);
}

int ssm_delete_parameters(struct aws_client *c, const struct aws_target *t, const char *const *names, size_t n,
			  ssm_delete_parameters_cb cb, void *arg)
{
	cJSON *body;

	if (n == 0 || n > SSM_BATCH_MAX)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_strs(body, "Names", names, n);
	return aws_op_call_json(c, t, AWS_SSM, "DeleteParameters", body, &delete_many_spec, (aws_any_cb)cb, arg);
}

static cJSON *resource(const char *name)
{
	cJSON *body = aws_json_new_object();

	aws_json_add_str(body, "ResourceType", "Parameter");
	aws_json_add_str(body, "ResourceId", name);
	return body;
}

int ssm_add_tags_to_resource(struct aws_client *c, const struct aws_target *t, const char *name,
			     const struct aws_tag *tags, size_t n_tags, aws_done_cb cb, void *arg)
{
	cJSON *body;

	if (!name)
		return -EINVAL;
	body = resource(name);
	aws_json_add_tags(body, "Tags", tags, n_tags, "Key", "Value");
	return aws_op_call_json(c, t, AWS_SSM, "AddTagsToResource", body, &done_spec, (aws_any_cb)cb, arg);
}

int ssm_remove_tags_from_resource(struct aws_client *c, const struct aws_target *t, const char *name,
				  const char *const *keys, size_t n_keys, aws_done_cb cb, void *arg)
{
	cJSON *body;

	if (!name)
		return -EINVAL;
	body = resource(name);
	aws_json_add_strs(body, "TagKeys", keys, n_keys);
	return aws_op_call_json(c, t, AWS_SSM, "RemoveTagsFromResource", body, &done_spec, (aws_any_cb)cb, arg);
}

int ssm_list_tags_for_resource(struct aws_client *c, const struct aws_target *t, const char *name, aws_tags_cb cb,
			       void *arg)
{
	if (!name)
		return -EINVAL;
	return aws_op_call_json(c, t, AWS_SSM, "ListTagsForResource", resource(name), &tags_spec, (aws_any_cb)cb, arg);
}

/* ---- GetParametersByPath, every page ---- */

struct path_input {
	char *path;
	bool recursive;
};

static void free_path_input(void *p)
{
	struct path_input *in = p;

	free(in->path);
	free(in);
}

static void build_path_page(const void *p, const char *token, struct aws_request *r)
{
	const struct path_input *in = p;
	cJSON *body = by_name("Path", in->path);

	aws_json_add_bool(body, "Recursive", in->recursive);
	aws_json_add_num(body, "MaxResults", SSM_PATH_PAGE_SIZE);
	if (token)
		aws_json_add_str(body, "NextToken", token);
	aws_request_init_json(r, AWS_SSM, "GetParametersByPath", body);
	cJSON_Delete(body);
}

static int parse_path_page(const char *b, size_t n, void *r, char **next)
{
	return ssm_parse_parameters_page(b, n, r, next);
}

static void release_list(void *r)
{
	ssm_parameter_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((ssm_parameters_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec path_pager = {
	sizeof(struct ssm_parameter_list),
	build_path_page,
	parse_path_page,
	release_list,
	deliver_list,
	free_path_input,
	NULL,
};

int ssm_get_parameters_by_path(struct aws_client *c, const struct aws_target *t, const char *path, bool recursive,
			       ssm_parameters_cb cb, void *arg)
{
	struct path_input *in;

	if (!path || path[0] != '/')
		return -EINVAL;
	in = xcalloc(1, sizeof(*in));
	in->path = xstrdup(path);
	in->recursive = recursive;
	return aws_pager_start(c, t, &path_pager, in, (aws_any_cb)cb, arg);
}
