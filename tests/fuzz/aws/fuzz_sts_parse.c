/* The STS answer parsers (XML). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sts_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_assume_role_result r;
	struct sts_caller_identity id;

	if (sts_parse_assume_role((const char *)data, size, &r) == 0)
		sts_assume_role_result_release(&r);
	if (sts_parse_caller_identity((const char *)data, size, &id) == 0)
		sts_caller_identity_release(&id);
	return 0;
}
