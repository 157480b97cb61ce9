#include "bedrock_logging.h"

#include <errno.h>

#include "aws_json.h"
#include "aws_op.h"

#define LOGGING_PATH "/logging/modelinvocations"

static int parse_logging(const char *b, size_t n, void *r)
{
	return bedrock_parse_logging(b, n, r);
}

static void release_logging(void *r)
{
	bedrock_logging_release(r);
}

static void deliver_logging(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((bedrock_logging_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec get_spec = { sizeof(struct bedrock_logging), parse_logging, release_logging,
					     deliver_logging };
static const struct aws_op_spec put_spec = { 0, NULL, NULL, aws_op_deliver_done };

int bedrock_get_logging(struct aws_client *c, const struct aws_target *t, bedrock_logging_cb cb, void *arg)
{
	struct aws_request req;

	aws_request_init(&req, AWS_BEDROCK, "GetModelInvocationLoggingConfiguration", "GET", LOGGING_PATH);
	return aws_op_call(c, t, &req, &get_spec, (aws_any_cb)cb, arg);
}

int bedrock_put_logging(struct aws_client *c, const struct aws_target *t, const struct bedrock_logging *want,
			aws_done_cb cb, void *arg)
{
	struct aws_request req;
	cJSON *body, *cfg, *s3;

	if (!want || !want->s3_bucket)
		return -EINVAL;
	body = aws_json_new_object();
	cfg = cJSON_AddObjectToObject(body, "loggingConfig");
	s3 = cJSON_AddObjectToObject(cfg, "s3Config");
	aws_json_add_str(s3, "bucketName", want->s3_bucket);
	if (want->s3_prefix && *want->s3_prefix)
		aws_json_add_str(s3, "keyPrefix", want->s3_prefix);
	if (want->cloudwatch_log_group) {
		cJSON *cw = cJSON_AddObjectToObject(cfg, "cloudWatchConfig");
		aws_json_add_str(cw, "logGroupName", want->cloudwatch_log_group);
		if (want->cloudwatch_role_arn)
			aws_json_add_str(cw, "roleArn", want->cloudwatch_role_arn);
	}
	cJSON_AddBoolToObject(cfg, "textDataDeliveryEnabled", want->text);
	cJSON_AddBoolToObject(cfg, "imageDataDeliveryEnabled", want->image);
	cJSON_AddBoolToObject(cfg, "embeddingDataDeliveryEnabled", want->embedding);
	cJSON_AddBoolToObject(cfg, "videoDataDeliveryEnabled", want->video);
	aws_request_init(&req, AWS_BEDROCK, "PutModelInvocationLoggingConfiguration", "PUT", LOGGING_PATH);
	aws_request_set_json(&req, body);
	cJSON_Delete(body);
	return aws_op_call(c, t, &req, &put_spec, (aws_any_cb)cb, arg);
}
