/* credential_process: the command line (split without a shell) and the JSON the
 * process prints; SSO: the token cache file and the portal's answer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_types.h"
#include "creds_process_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_credentials c;
	const char *why;
	char *line, **argv, *token;
	int64_t exp;

	if (creds_process_parse_json((const char *)data, size, &c, &why) == 0)
		aws_credentials_release(&c);
	if (creds_sso_parse_role_credentials((const char *)data, size, &c) == 0)
		aws_credentials_release(&c);
	if (creds_sso_parse_token((const char *)data, size, &token, &exp, &why) == 0)
		aws_secure_free(token);
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (creds_cmdline_split(line, &argv, &why) == 0)
		creds_argv_free(argv);
	free(line);
	return 0;
}
