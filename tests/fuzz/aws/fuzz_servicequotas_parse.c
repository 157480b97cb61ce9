/* Every Service Quotas answer parser on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "servicequotas_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct sq_quota q;
	struct sq_quota_list l = { 0 };
	char *next = NULL;

	if (sq_parse_quota(body, size, &q) == 0)
		sq_quota_release(&q);
	sq_parse_quotas_page(body, size, &l, &next);
	free(next);
	sq_quota_list_find(&l, "L-40EC9882");
	sq_quota_list_release(&l);
	return 0;
}
