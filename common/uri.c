#include "uri.h"

#include <errno.h>

bool uri_is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

int uri_encode(struct strbuf *out, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int r;

		if (uri_is_unreserved(c) || (keep_slash && c == '/')) {
			r = strbuf_addch(out, (char)c);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = strbuf_add(out, esc, 3);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int uri_encode_str(struct strbuf *out, const char *s, bool keep_slash)
{
	size_t len = 0;

	while (s[len])
		len++;
	return uri_encode(out, s, len, keep_slash);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int uri_decode(struct strbuf *out, const char *s, size_t len, bool plus_is_space)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int r;

		if (c == '%') {
			int hi, lo;
			if (len - i < 3)
				return -EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		r = strbuf_addch(out, c);
		if (r < 0)
			return r;
	}
	return 0;
}
