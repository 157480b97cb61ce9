/* A tenant's history: the last ENGINE_HISTORY lines of what happened to it, shown by
 * the control socket. Written by every file of the engine, so kept apart from them. */
#include "engine_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

void engine__history(struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	struct history_event *h = &t->history[t->history_next % ENGINE_HISTORY];
	va_list ap;

	free(h->text);
	h->at = now;
	va_start(ap, fmt);
	if (vasprintf(&h->text, fmt, ap) < 0)
		h->text = xstrdup("");
	va_end(ap);
	t->history_next++;
}
