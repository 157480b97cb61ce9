/* A tenant's last lines of history, in memory, in one buffer of its own: at most
 * HISTORY_LINES lines and HISTORY_BYTES bytes of them (the oldest go first), a line
 * longer than HISTORY_LINE_MAX cut there (ending in "..."). One allocation a tenant,
 * sized to what it holds, instead of a string a line and a fixed array of slots.
 * Pure: no loop, no log. */
#ifndef BTD_HISTORY_LINES_H
#define BTD_HISTORY_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HISTORY_LINES	 16
#define HISTORY_BYTES	 2048 /* the lines' text with their times, per tenant */
#define HISTORY_LINE_MAX 400  /* the bytes of one line's text kept */

struct history_lines {
	/* NULL when empty; else a 4-byte head (the lines' bytes and count: history_lines.c)
	 * and the lines oldest first, each its time (8 bytes, unaligned) and its text
	 * ending in NUL. The entry of every tenant holds one: 8 bytes, not 16. */
	char *buf;
};

/* history_lines_count: the lines held; history_lines_bytes: their bytes (at most
 * HISTORY_BYTES). */
size_t history_lines_count(const struct history_lines *h);
size_t history_lines_bytes(const struct history_lines *h);
/* history_lines_add: at and text (copied, cut at HISTORY_LINE_MAX bytes) as the
 * newest line; the oldest lines go while there are more than HISTORY_LINES or the
 * bytes would pass HISTORY_BYTES. */
void history_lines_add(struct history_lines *h, int64_t at, const char *text);
/* history_lines_next: the line at *pos (0 to begin), oldest first: false after the
 * last. text is borrowed until the next add or release. */
bool history_lines_next(const struct history_lines *h, size_t *pos, int64_t *at, const char **text);
/* history_lines_merge: the lines of a and b (either may be NULL) added to into by
 * their times, oldest first (a's first at the same second), each set in its own order;
 * into's bounds keep the newest. */
void history_lines_merge(struct history_lines *into, const struct history_lines *a, const struct history_lines *b);
void history_lines_release(struct history_lines *h);

#endif
