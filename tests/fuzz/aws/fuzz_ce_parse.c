/* Every Cost Explorer answer parser on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ce_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct ce_cost_tag_list l = { 0 };
	struct ce_tag_error_list e;
	char *next = NULL;

	ce_parse_cost_tags_page(body, size, &l, &next);
	free(next);
	ce_cost_tag_list_find(&l, "bedrock-tenantd:tenant");
	ce_cost_tag_list_release(&l);
	if (ce_parse_update_errors(body, size, &e) == 0)
		ce_tag_error_list_release(&e);
	return 0;
}
