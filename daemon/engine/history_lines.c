/* A tenant's last lines of history in one buffer (history_lines.h). */
#include "history_lines.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define AT_BYTES sizeof(int64_t)

/* The bytes the line at pos takes (its time, its text, the NUL). */
static size_t line_size(const struct history_lines *h, size_t pos)
{
	return AT_BYTES + strlen(h->buf + pos + AT_BYTES) + 1;
}

/* The oldest line goes. */
static void drop_oldest(struct history_lines *h)
{
	size_t size = line_size(h, 0);

	memmove(h->buf, h->buf + size, h->len - size);
	h->len = (uint16_t)(h->len - size);
	h->n--;
}

void history_lines_add(struct history_lines *h, int64_t at, const char *text)
{
	static const char cut[] = "...";
	size_t n = strlen(text), keep = n, size;
	char *line;

	if (n > HISTORY_LINE_MAX)
		keep = HISTORY_LINE_MAX - (sizeof(cut) - 1);
	size = AT_BYTES + keep + (n > keep ? sizeof(cut) - 1 : 0) + 1;
	while (h->n && (h->n >= HISTORY_LINES || h->len + size > HISTORY_BYTES))
		drop_oldest(h);
	h->buf = xrealloc(h->buf, h->len + size);
	line = h->buf + h->len;
	memcpy(line, &at, AT_BYTES);
	memcpy(line + AT_BYTES, text, keep);
	if (n > keep)
		memcpy(line + AT_BYTES + keep, cut, sizeof(cut) - 1);
	line[size - 1] = '\0';
	h->len = (uint16_t)(h->len + size);
	h->n++;
}

bool history_lines_next(const struct history_lines *h, size_t *pos, int64_t *at, const char **text)
{
	if (*pos >= h->len)
		return false;
	memcpy(at, h->buf + *pos, AT_BYTES);
	*text = h->buf + *pos + AT_BYTES;
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
	memset(h, 0, sizeof(*h));
}
