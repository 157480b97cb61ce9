/* A tenant's history: the last lines of what happened to it, shown by the control
 * socket. Each line goes to the callback that keeps it durably (engine_settings:
 * on_state, on_action_done, on_note; the daemon's audit trail in the state store), and
 * stays in the tenant's memory (history_lines.h) only when none kept it: no callback,
 * no store, a write that failed. Written by every file of the engine, so kept apart
 * from them. */
#include "engine_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

static char *format_line(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *format_line(const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		text = xstrdup("");
	return text;
}

void engine__history_kept(struct engine *e, struct tenant_entry *t, int64_t now, const char *text, int kept)
{
	struct engine__held_line *h;

	if (kept < 0) {
		/* a failed write may have rolled back the group the held lines are in */
		engine__history_committed(e, false);
		history_lines_add(&t->history, now, text);
		return;
	}
	if (!e->store || !store_uncommitted(e->store))
		return; /* committed with its entry */
	XGROW(e->held_lines, e->n_held_lines + 1, e->alloc_held_lines);
	h = &e->held_lines[e->n_held_lines++];
	h->tenant = xstrdup(t->id);
	h->text = xstrdup(text);
	h->at = now;
}

void engine__history_committed(struct engine *e, bool ok)
{
	for (size_t i = 0; i < e->n_held_lines; i++) {
		struct engine__held_line *h = &e->held_lines[i];
		struct tenant_entry *t = ok ? NULL : engine__entry(e, h->tenant);
		if (t)
			history_lines_add(&t->history, h->at, h->text);
		free(h->tenant);
		free(h->text);
	}
	e->n_held_lines = 0;
}

void engine__history(struct engine *e, struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	struct engine__lines *c = &e->answer_lines;
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = format_line(fmt, ap);
	va_end(ap);
	if (c->t == t) {
		XGROW(c->v, c->n + 1, c->alloc);
		c->v[c->n++] = text; /* told with the answer's record (engine__history_answer_end) */
		return;
	}
	engine__history_kept(e, t, now, text, -1); /* no record tells it */
	free(text);
}

void engine__note(struct engine *e, struct tenant_entry *t, int64_t now, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = format_line(fmt, ap);
	va_end(ap);
	engine__history_kept(e, t, now, text, e->set.on_note ? e->set.on_note(t->id, now, text, e->set.data) : -1);
	free(text);
}

void engine__history_answer_begin(struct engine *e, struct tenant_entry *t)
{
	e->answer_lines.t = t;
	e->answer_lines.n = 0;
}

void engine__history_answer_end(struct engine *e, struct tenant_entry *t, bool lines_follow)
{
	struct engine__lines *c = &e->answer_lines;
	int64_t now = engine__wall(e);
	int kept = -1;

	c->t = NULL;
	if (lines_follow)
		kept = e->set.on_action_done(t->id, now, (const char *const *)c->v, c->n, e->set.data);
	for (size_t i = 0; i < c->n; i++) {
		engine__history_kept(e, t, now, c->v[i], kept);
		free(c->v[i]);
	}
	c->n = 0;
}

void engine__history_release(struct engine *e)
{
	engine__history_committed(e, true);
	free(e->held_lines);
	free(e->answer_lines.v);
	e->answer_lines.v = NULL;
	e->answer_lines.n = e->answer_lines.alloc = 0;
}
