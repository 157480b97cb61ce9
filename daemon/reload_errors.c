#include "reload_errors.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "strv.h"
#include "xalloc.h"

void reload_errors_init(struct reload_errors *r)
{
	memset(r, 0, sizeof(*r));
}

void reload_errors_clear(struct reload_errors *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	reload_errors_init(r);
}

void reload_errors_release(struct reload_errors *r)
{
	reload_errors_clear(r);
}

/* The lines diags gives: each formatted, at most RELOAD_ERRORS_MAX and one that
 * counts the rest. */
static size_t format_lines(const struct diag_list *diags, char **lines)
{
	size_t n = 0;

	for (size_t i = 0; i < diags->n && n < RELOAD_ERRORS_MAX; i++) {
		struct strbuf sb;

		strbuf_init(&sb, STRBUF_NO_CAP);
		diag_format(&diags->items[i], &sb);
		lines[n++] = strbuf_detach(&sb, NULL);
	}
	if (diags->n > RELOAD_ERRORS_MAX)
		lines[n++] = xasprintf("... and %zu more", diags->n - RELOAD_ERRORS_MAX);
	return n;
}

bool reload_errors_refused(struct reload_errors *r, const struct diag_list *diags, uint64_t now_ms)
{
	char *lines[RELOAD_ERRORS_MAX + 2] = { 0 };
	size_t n = format_lines(diags, lines);
	bool same = r->n && strv_equal(lines, n, r->lines, r->n);

	if (same) {
		for (size_t i = 0; i < n; i++)
			free(lines[i]);
		if (now_ms - r->logged_ms < RELOAD_ERRORS_LOG_EVERY_MS)
			return false;
	} else {
		reload_errors_clear(r);
		memcpy(r->lines, lines, sizeof(lines));
		r->n = n;
	}
	r->logged_ms = now_ms;
	return true;
}
