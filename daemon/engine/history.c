/* A tenant's history: the last ENGINE_HISTORY lines of what happened to it, shown by
 * the control socket; the notes among them also go to on_note (the durable history).
 * Written by every file of the engine, so kept apart from them. */
#include "engine_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

static struct history_event *add_line(struct tenant_entry *t, int64_t now, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static struct history_event *add_line(struct tenant_entry *t, int64_t now, const char *fmt, va_list ap)
{
	struct history_event *h = &t->history[t->history_next % ENGINE_HISTORY];

	free(h->text);
	h->at = now;
	if (vasprintf(&h->text, fmt, ap) < 0)
		h->text = xstrdup("");
	t->history_next++;
	return h;
}

void engine__history(struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(t, now, fmt, ap);
	va_end(ap);
}

void engine__note(struct engine *e, struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	const struct history_event *h;
	va_list ap;

	va_start(ap, fmt);
	h = add_line(t, now, fmt, ap);
	va_end(ap);
	if (e->set.on_note)
		e->set.on_note(t->id, now, h->text, e->set.data);
}
