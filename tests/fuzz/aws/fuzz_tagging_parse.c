/* The GetResources page parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tagging_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tagging_resource_list l = { 0 };
	char *next = NULL;

	tagging_parse_resources_page((const char *)data, size, &l, &next);
	if (next && !*next)
		abort(); /* an empty token must read as the end */
	free(next);
	tagging_resource_list_release(&l);
	return 0;
}
