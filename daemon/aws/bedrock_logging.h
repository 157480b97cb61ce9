/* Bedrock's model invocation logging configuration (restJson1, per account and
 * Region): GET and PUT /logging/modelinvocations. Same conventions as bedrock.h. */
#ifndef BTD_BEDROCK_LOGGING_H
#define BTD_BEDROCK_LOGGING_H

#include "aws_client.h"
#include "bedrock_logging_parse.h"

typedef void (*bedrock_logging_cb)(void *arg, int status, const struct aws_error *err, const struct bedrock_logging *l);

int bedrock_get_logging(struct aws_client *c, const struct aws_target *t, bedrock_logging_cb cb, void *arg);
/* bedrock_put_logging: sets the whole configuration to want (its S3 bucket must be
 * set; a CloudWatch delivery in want is kept). */
int bedrock_put_logging(struct aws_client *c, const struct aws_target *t, const struct bedrock_logging *want,
			aws_done_cb cb, void *arg);

#endif
