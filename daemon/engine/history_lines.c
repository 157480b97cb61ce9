/* A tenant's last lines of history in one buffer (history_lines.h). */
#include "history_lines.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define AT_BYTES sizeof(int64_t)
/* The buffer's head: the lines' bytes (uint16_t, unaligned) and their count (a byte),
 * then a byte unused; the lines follow. In the buffer, not in the entry: an entry
 * holds a pointer, 8 bytes, not 16 (nearly every entry holds no line at all). */
#define HEAD 4

static size_t lines_len(const struct history_lines *h)
{
	uint16_t len = 0;

	if (h->buf)
		memcpy(&len, h->buf, sizeof(len));
	return len;
}

size_t history_lines_count(const struct history_lines *h)
{
	return h->buf ? (unsigned char)h->buf[2] : 0;
}

size_t history_lines_bytes(const struct history_lines *h)
{
	return lines_len(h);
}

static void set_head(struct history_lines *h, size_t len, size_t n)
{
	uint16_t l = (uint16_t)len;

	memcpy(h->buf, &l, sizeof(l));
	h->buf[2] = (char)(unsigned char)n;
	h->buf[3] = 0;
}

/* The bytes the line at pos takes (its time, its text, the NUL). */
static size_t line_size(const struct history_lines *h, size_t pos)
{
	return AT_BYTES + strlen(h->buf + HEAD + pos + AT_BYTES) + 1;
}

/* The oldest line goes. */
static void drop_oldest(struct history_lines *h)
{
	size_t size = line_size(h, 0), len = lines_len(h);

	memmove(h->buf + HEAD, h->buf + HEAD + size, len - size);
	set_head(h, len - size, history_lines_count(h) - 1);
}

void history_lines_add(struct history_lines *h, int64_t at, const char *text)
{
	static const char cut[] = "...";
	size_t n = strlen(text), keep = n, size, len, count;
	char *line;

	if (n > HISTORY_LINE_MAX)
		keep = HISTORY_LINE_MAX - (sizeof(cut) - 1);
	size = AT_BYTES + keep + (n > keep ? sizeof(cut) - 1 : 0) + 1;
	while (history_lines_count(h) &&
	       (history_lines_count(h) >= HISTORY_LINES || lines_len(h) + size > HISTORY_BYTES))
		drop_oldest(h);
	len = lines_len(h);
	count = history_lines_count(h);
	h->buf = xrealloc(h->buf, HEAD + len + size);
	line = h->buf + HEAD + len;
	memcpy(line, &at, AT_BYTES);
	memcpy(line + AT_BYTES, text, keep);
	if (n > keep)
		memcpy(line + AT_BYTES + keep, cut, sizeof(cut) - 1);
	line[size - 1] = '\0';
	set_head(h, len + size, count + 1);
}

bool history_lines_next(const struct history_lines *h, size_t *pos, int64_t *at, const char **text)
{
	if (*pos >= lines_len(h))
		return false;
	memcpy(at, h->buf + HEAD + *pos, AT_BYTES);
	*text = h->buf + HEAD + *pos + AT_BYTES;
	*pos += line_size(h, *pos);
	return true;
}

void history_lines_merge(struct history_lines *into, const struct history_lines *a, const struct history_lines *b)
{
	static const struct history_lines none;
	size_t pa = 0, pb = 0;
	const char *ta = NULL, *tb = NULL;
	int64_t at_a = 0, at_b = 0;
	bool has_a, has_b;

	a = a ? a : &none;
	b = b ? b : &none;
	has_a = history_lines_next(a, &pa, &at_a, &ta);
	has_b = history_lines_next(b, &pb, &at_b, &tb);
	while (has_a || has_b) {
		if (has_a && (!has_b || at_a <= at_b)) {
			history_lines_add(into, at_a, ta);
			has_a = history_lines_next(a, &pa, &at_a, &ta);
		} else {
			history_lines_add(into, at_b, tb);
			has_b = history_lines_next(b, &pb, &at_b, &tb);
		}
	}
}

void history_lines_release(struct history_lines *h)
{
	free(h->buf);
	h->buf = NULL;
}
