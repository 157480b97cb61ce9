/* S3's ListObjectsV2 answer and Bedrock's logging configuration parsers on the same
 * input. */
#include <stddef.h>
#include <stdint.h>

#include "bedrock_logging_parse.h"
#include "s3_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct s3_listing l;
	struct bedrock_logging b;

	if (s3_parse_listing(body, size, &l) == 0)
		s3_listing_release(&l);
	if (bedrock_parse_logging(body, size, &b) == 0)
		bedrock_logging_release(&b);
	return 0;
}
