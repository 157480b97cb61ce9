/* aws_error_parse on arbitrary answers. The first byte picks the protocol and the
 * HTTP status; the rest is the body, also offered as the error-type header. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_error.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = { 400, 403, 404, 409, 429, 500, 503, 200 };
	struct aws_error e;
	struct aws_error_answer a = { 0 };
	char *text;

	if (size < 1)
		return 0;
	text = xstrndup((const char *)data + 1, size - 1);
	a.protocol = (enum aws_protocol)(data[0] % 3);
	a.http_status = statuses[(data[0] >> 2) % 8];
	a.body = (const char *)data + 1;
	a.body_len = size - 1;
	if (data[0] & 0x80) {
		a.error_type_header = text;
		a.retry_after = text;
		a.amz_retry_after = text;
		a.request_id_header = text;
	}
	aws_error_init(&e);
	aws_error_parse(&a, &e);
	if (strlen(e.message) > AWS_ERROR_MESSAGE_MAX || strchr(e.message, '\n'))
		abort();
	aws_error_redact(&e, "a");
	aws_error_release(&e);
	free(text);
	return 0;
}
