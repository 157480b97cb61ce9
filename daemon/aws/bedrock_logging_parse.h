/* Pure parser for Bedrock's GetModelInvocationLoggingConfiguration answer: where
 * invocation logs are delivered in S3 (the only delivery the usage reader needs).
 * Results own their strings; bedrock_logging_release accepts a zeroed struct. */
#ifndef BTD_BEDROCK_LOGGING_PARSE_H
#define BTD_BEDROCK_LOGGING_PARSE_H

#include <stdbool.h>
#include <stddef.h>

struct bedrock_logging {
	bool configured;		    /* a loggingConfig is present */
	char *s3_bucket;		    /* NULL: no S3 delivery */
	char *s3_prefix;		    /* "" when none */
	bool text, image, embedding, video; /* the data delivery flags */
	char *cloudwatch_log_group;	    /* NULL when none (kept as it was on a Put) */
	char *cloudwatch_role_arn;
};

int bedrock_parse_logging(const char *body, size_t len, struct bedrock_logging *ret);
void bedrock_logging_release(struct bedrock_logging *l);

#endif
