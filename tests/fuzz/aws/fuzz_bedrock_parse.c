/* Every Bedrock answer parser on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bedrock_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct bedrock_profile p;
	struct bedrock_profile_list l = { 0 };
	struct bedrock_create_result c;
	struct aws_tags t = { 0 };
	char *next = NULL;

	if (bedrock_parse_profile(body, size, &p) == 0)
		bedrock_profile_release(&p);
	bedrock_parse_profiles_page(body, size, &l, &next);
	bedrock_profile_list_release(&l);
	free(next);
	if (bedrock_parse_create(body, size, &c) == 0)
		bedrock_create_result_release(&c);
	if (bedrock_parse_tags(body, size, &t) == 0)
		aws_tags_release(&t);
	return 0;
}
