/* RFC 3986 percent-encoding as AWS SigV4 and the AWS protocols use it.
 *
 * The unreserved set is ALPHA / DIGIT / "-" / "." / "_" / "~"; every other byte is
 * written as %XX with uppercase hex. Results are appended to a caller-owned strbuf
 * and return its -ENOBUFS when the cap is reached. */
#ifndef BTD_URI_H
#define BTD_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* uri_encode: percent-encode len bytes of s; '/' is kept when keep_slash. */
int uri_encode(struct strbuf *out, const char *s, size_t len, bool keep_slash);
int uri_encode_str(struct strbuf *out, const char *s, bool keep_slash);
/* uri_decode: decode %XX escapes (and '+' as space when plus_is_space, as in HTML
 * forms). A malformed escape returns -EINVAL and appends nothing further. */
int uri_decode(struct strbuf *out, const char *s, size_t len, bool plus_is_space);
bool uri_is_unreserved(unsigned char c);

#endif
