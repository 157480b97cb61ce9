#include "bedrock_logging_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

int bedrock_parse_logging(const char *body, size_t len, struct bedrock_logging *ret)
{
	struct bedrock_logging l = { 0 };
	const cJSON *cfg, *s3, *cw;
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	cfg = aws_json_obj(doc, "loggingConfig");
	if (cfg) {
		l.configured = true;
		s3 = aws_json_obj(cfg, "s3Config");
		if (s3 && aws_json_str(s3, "bucketName")) {
			l.s3_bucket = aws_json_dup(s3, "bucketName");
			l.s3_prefix = xstrdup(aws_json_str(s3, "keyPrefix") ? aws_json_str(s3, "keyPrefix") : "");
		}
		cw = aws_json_obj(cfg, "cloudWatchConfig");
		if (cw) {
			l.cloudwatch_log_group = aws_json_dup(cw, "logGroupName");
			l.cloudwatch_role_arn = aws_json_dup(cw, "roleArn");
		}
		l.text = aws_json_bool(cfg, "textDataDeliveryEnabled");
		l.image = aws_json_bool(cfg, "imageDataDeliveryEnabled");
		l.embedding = aws_json_bool(cfg, "embeddingDataDeliveryEnabled");
		l.video = aws_json_bool(cfg, "videoDataDeliveryEnabled");
	}
	cJSON_Delete(doc);
	*ret = l;
	return 0;
}

void bedrock_logging_release(struct bedrock_logging *l)
{
	free(l->s3_bucket);
	free(l->s3_prefix);
	free(l->cloudwatch_log_group);
	free(l->cloudwatch_role_arn);
	memset(l, 0, sizeof(*l));
}
