/* The credential documents of IMDS and the container endpoint, and the INI syntax of
 * the shared credentials and config files. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "creds_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_credentials c;
	struct creds_ini ini;

	if (creds_parse_json((const char *)data, size, &c) == 0)
		aws_credentials_release(&c);
	if (creds_ini_parse((const char *)data, size, &ini) == 0) {
		creds_ini_get(&ini, "default", "aws_access_key_id");
		creds_ini_has_section(&ini, "profile x");
		creds_ini_release(&ini);
	}
	return 0;
}
