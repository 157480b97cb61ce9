#include "bedrock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "aws_op.h"
#include "xalloc.h"

/* ---- specs: how each answer is parsed and delivered ---- */

static int parse_create(const char *b, size_t n, void *r)
{
	return bedrock_parse_create(b, n, r);
}

static void release_create(void *r)
{
	bedrock_create_result_release(r);
}

static void deliver_create(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((bedrock_create_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec create_spec = {
	sizeof(struct bedrock_create_result),
	parse_create,
	release_create,
	deliver_create,
};

static int parse_profile(const char *b, size_t n, void *r)
{
	return bedrock_parse_profile(b, n, r);
}

static void release_profile(void *r)
{
	bedrock_profile_release(r);
}

static void deliver_profile(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((bedrock_profile_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec profile_spec = {
	sizeof(struct bedrock_profile),
	parse_profile,
	release_profile,
	deliver_profile,
};

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static int parse_tags(const char *b, size_t n, void *r)
{
	return bedrock_parse_tags(b, n, r);
}

static const struct aws_op_spec tags_spec = {
	sizeof(struct aws_tags),
	parse_tags,
	aws_op_release_tags,
	aws_op_deliver_tags,
};

/* ---- requests ---- */

static void profile_path(struct aws_request *r, const char *op, const char *method, const char *identifier)
{
	struct strbuf path;

	strbuf_init(&path, STRBUF_NO_CAP);
	strbuf_adds(&path, "/inference-profiles/");
	aws_path_label(&path, identifier);
	aws_request_init(r, AWS_BEDROCK, op, method, path.buf);
	strbuf_release(&path);
}

static void json_request(struct aws_request *r, const char *op, const char *path, cJSON *body)
{
	aws_request_init(r, AWS_BEDROCK, op, "POST", path);
	aws_request_set_json(r, body);
	cJSON_Delete(body);
}

int bedrock_create_inference_profile(struct aws_client *c, const struct aws_target *t,
				     const struct bedrock_create_input *in, bedrock_create_cb cb, void *arg)
{
	struct aws_request req;
	cJSON *body, *source;

	if (!in->name || !in->copy_from)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "inferenceProfileName", in->name);
	source = aws_json_new_object();
	aws_json_add_str(source, "copyFrom", in->copy_from);
	cJSON_AddItemToObject(body, "modelSource", source);
	aws_json_add_str_opt(body, "description", in->description);
	aws_json_add_str_opt(body, "clientRequestToken", in->client_request_token);
	if (in->n_tags)
		aws_json_add_tags(body, "tags", in->tags, in->n_tags, "key", "value");
	json_request(&req, "CreateInferenceProfile", "/inference-profiles", body);
	return aws_op_call(c, t, &req, &create_spec, (aws_any_cb)cb, arg);
}

int bedrock_get_inference_profile(struct aws_client *c, const struct aws_target *t, const char *identifier,
				  bedrock_profile_cb cb, void *arg)
{
	struct aws_request req;

	if (!identifier || !*identifier)
		return -EINVAL;
	profile_path(&req, "GetInferenceProfile", "GET", identifier);
	return aws_op_call(c, t, &req, &profile_spec, (aws_any_cb)cb, arg);
}

int bedrock_delete_inference_profile(struct aws_client *c, const struct aws_target *t, const char *identifier,
				     aws_done_cb cb, void *arg)
{
	struct aws_request req;

	if (!identifier || !*identifier)
		return -EINVAL;
	profile_path(&req, "DeleteInferenceProfile", "DELETE", identifier);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

int bedrock_tag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const struct aws_tag *tags,
			 size_t n_tags, aws_done_cb cb, void *arg)
{
	struct aws_request req;
	cJSON *body;

	if (!arn)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "resourceARN", arn);
	aws_json_add_tags(body, "tags", tags, n_tags, "key", "value");
	json_request(&req, "TagResource", "/tagResource", body);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

int bedrock_untag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const char *const *keys,
			   size_t n_keys, aws_done_cb cb, void *arg)
{
	struct aws_request req;
	cJSON *body;

	if (!arn)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "resourceARN", arn);
	aws_json_add_strs(body, "tagKeys", keys, n_keys);
	json_request(&req, "UntagResource", "/untagResource", body);
	return aws_op_call(c, t, &req, &done_spec, (aws_any_cb)cb, arg);
}

int bedrock_list_tags_for_resource(struct aws_client *c, const struct aws_target *t, const char *arn, aws_tags_cb cb,
				   void *arg)
{
	struct aws_request req;
	cJSON *body;

	if (!arn)
		return -EINVAL;
	body = aws_json_new_object();
	aws_json_add_str(body, "resourceARN", arn);
	json_request(&req, "ListTagsForResource", "/listTagsForResource", body);
	return aws_op_call(c, t, &req, &tags_spec, (aws_any_cb)cb, arg);
}

/* ---- the listing, every page ---- */

static void build_list(const void *input, const char *token, struct aws_request *r)
{
	aws_request_init(r, AWS_BEDROCK, "ListInferenceProfiles", "GET", "/inference-profiles");
	aws_request_add_query(r, "maxResults", "1000");
	if (token)
		aws_request_add_query(r, "nextToken", token);
	aws_request_add_query(r, "type", input);
}

static int parse_list_page(const char *b, size_t n, void *r, char **next)
{
	return bedrock_parse_profiles_page(b, n, r, next);
}

static void release_list(void *r)
{
	bedrock_profile_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((bedrock_profiles_cb)cb)(arg, status, err, r);
}

static const struct aws_pager_spec list_spec = {
	sizeof(struct bedrock_profile_list), build_list, parse_list_page, release_list, deliver_list, free, NULL,
};

int bedrock_list_inference_profiles(struct aws_client *c, const struct aws_target *t, const char *type,
				    bedrock_profiles_cb cb, void *arg)
{
	return aws_pager_start(c, t, &list_spec, xstrdup(type ? type : "APPLICATION"), (aws_any_cb)cb, arg);
}
