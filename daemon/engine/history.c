/* A tenant's history: the last lines of what happened to it (history_lines.h), shown
 * by the control socket; the notes among them also go to on_note (the durable history).
 * Written by every file of the engine, so kept apart from them. */
#include "engine_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

/* add_line: the formatted line, kept in t's history; returned (owned by the caller)
 * whole, as it may be longer than the history keeps. */
static char *add_line(struct tenant_entry *t, int64_t now, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static char *add_line(struct tenant_entry *t, int64_t now, const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		text = xstrdup("");
	history_lines_add(&t->history, now, text);
	return text;
}

void engine__history(struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(add_line(t, now, fmt, ap));
	va_end(ap);
}

void engine__note(struct engine *e, struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = add_line(t, now, fmt, ap);
	va_end(ap);
	if (e->set.on_note)
		e->set.on_note(t->id, now, text, e->set.data);
	free(text);
}
