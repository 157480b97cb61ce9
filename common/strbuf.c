#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

char strbuf_empty_[1];

void strbuf_init(struct strbuf *sb, size_t cap)
{
	sb->buf = strbuf_empty_;
	sb->len = 0;
	sb->alloc = 0;
	sb->cap = cap;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, sb->cap);
}

char *strbuf_detach(struct strbuf *sb, size_t *ret_len)
{
	char *s = sb->alloc ? sb->buf : xstrdup("");

	if (ret_len)
		*ret_len = sb->len;
	strbuf_init(sb, sb->cap);
	return s;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

/* Make room for `extra` more bytes plus the terminator, within the cap. */
static int grow(struct strbuf *sb, size_t extra)
{
	size_t need;

	if (extra > sb->cap - sb->len)
		return -ENOBUFS;
	need = sb->len + extra + 1;
	if (need > sb->alloc) {
		size_t alloc = sb->alloc ? sb->alloc : 64;
		while (alloc < need)
			alloc *= 2;
		sb->buf = sb->alloc ? xrealloc(sb->buf, alloc) : xmalloc(alloc);
		if (!sb->alloc)
			sb->buf[0] = '\0';
		sb->alloc = alloc;
	}
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	int r = grow(sb, len);

	if (r < 0)
		return r;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_adds(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list copy;
	int n, r;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return -EINVAL;
	r = grow(sb, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

int strbuf_add_hex(struct strbuf *sb, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	int r = grow(sb, len * 2);

	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		sb->buf[sb->len++] = digits[data[i] >> 4];
		sb->buf[sb->len++] = digits[data[i] & 15];
	}
	sb->buf[sb->len] = '\0';
	return 0;
}
