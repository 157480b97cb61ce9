/* Fuzz target: the HTTP/1.1 request parser (daemon/http/http_parser.c). The first
 * byte picks the size of the pieces the rest is fed in, so that every split point
 * of the incremental parser is reached; parsed messages are detached and the parser
 * goes on with the bytes after them, as a keep-alive connection does. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_limits lim = { .max_header_bytes = 2048, .max_headers = 16, .max_body_bytes = 4096 };
	struct http_parser p;
	size_t step, off = 1;

	if (size < 1)
		return 0;
	step = data[0] % 17 + 1;
	http_parser_init(&p, &lim);
	while (off < size) {
		size_t n = size - off < step ? size - off : step, used = 0;
		enum http_parse_result r = http_parser_feed(&p, (const char *)data + off, n, &used);

		off += used;
		if (r == HTTP_PARSE_ERROR)
			break;
		if (r == HTTP_PARSE_DONE) {
			struct http_message *m = http_parser_detach(&p);
			(void)http_message_header(m, "content-type");
			http_message_free(m);
		} else if (used == 0 && r == HTTP_PARSE_MORE) {
			break; /* cannot happen: MORE consumes everything */
		}
	}
	http_parser_release(&p);
	return 0;
}
