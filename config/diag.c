#include "diag.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void diag_list_init(struct diag_list *l)
{
	memset(l, 0, sizeof(*l));
}

void diag_list_release(struct diag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].file);
		free(l->items[i].message);
	}
	free(l->items);
	diag_list_init(l);
}

/* Length of a valid UTF-8 sequence at s (2-4 bytes), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A message quotes what the file holds: keep it one line of valid UTF-8, whatever the
 * file held (a tab, a line break, a sequence cut by a length limit). */
static void sanitize(struct strbuf *sb)
{
	const unsigned char *p = (const unsigned char *)sb->buf;
	struct strbuf out;
	bool clean = true;

	for (size_t i = 0; i < sb->len && clean; i++)
		clean = p[i] >= 0x20 && p[i] < 0x7f;
	if (clean)
		return;
	strbuf_init(&out, STRBUF_NO_CAP);
	for (size_t i = 0; i < sb->len;) {
		size_t n = p[i] >= 0x80 ? utf8_len(p + i) : 1;
		if (p[i] >= 0x80 && n) {
			strbuf_add(&out, p + i, n);
			i += n;
			continue;
		}
		if (p[i] == '\n')
			strbuf_adds(&out, "\\n");
		else if (p[i] == '\t')
			strbuf_adds(&out, "\\t");
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			strbuf_addf(&out, "\\x%02x", p[i]);
		else
			strbuf_addch(&out, (char)p[i]);
		i++;
	}
	strbuf_release(sb);
	*sb = out;
}

/* A heap copy of sb's text, sanitized; sb is left empty. */
static char *detach_clean(struct strbuf *sb)
{
	sanitize(sb);
	return strbuf_detach(sb, NULL);
}

void diag_vadd(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line, unsigned col,
	       const char *fmt, va_list ap)
{
	struct diag *d;
	struct strbuf msg, name;

	strbuf_init(&msg, STRBUF_NO_CAP);
	strbuf_vaddf(&msg, fmt, ap);
	strbuf_init(&name, STRBUF_NO_CAP);
	strbuf_adds(&name, file ? file : "");
	XGROW(l->items, l->n + 1, l->alloc);
	d = &l->items[l->n++];
	d->file = detach_clean(&name);
	d->line = line;
	d->col = line ? col : 0;
	d->severity = sev;
	d->message = detach_clean(&msg);
	if (sev == DIAG_ERROR)
		l->n_errors++;
	else
		l->n_warnings++;
}

void diag_add(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line, unsigned col,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(l, sev, file, line, col, fmt, ap);
	va_end(ap);
}

void diag_error(struct diag_list *l, const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(l, DIAG_ERROR, file, line, col, fmt, ap);
	va_end(ap);
}

bool diag_errno_transient(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS || err == EAGAIN || err == EINTR;
}

void diag_note_errno(struct diag_list *l, int err)
{
	if (diag_errno_transient(err))
		l->transient = true;
}

void diag_list_splice(struct diag_list *dst, struct diag_list *src)
{
	dst->transient |= src->transient;
	if (!src->n) {
		src->transient = false;
		return;
	}
	XGROW(dst->items, dst->n + src->n, dst->alloc);
	memcpy(&dst->items[dst->n], src->items, src->n * sizeof(src->items[0]));
	dst->n += src->n;
	dst->n_errors += src->n_errors;
	dst->n_warnings += src->n_warnings;
	free(src->items);
	diag_list_init(src);
}

/* qsort is not stable: sort an index array and break ties by the original index. */
struct sort_ref {
	const struct diag *d;
	size_t index;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct sort_ref *x = a, *y = b;
	int c = strcmp(x->d->file, y->d->file);

	if (c)
		return c;
	if (x->d->line != y->d->line)
		return x->d->line < y->d->line ? -1 : 1;
	if (x->d->col != y->d->col)
		return x->d->col < y->d->col ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void diag_list_sort(struct diag_list *l)
{
	struct sort_ref *refs;
	struct diag *sorted;

	if (l->n < 2)
		return;
	refs = xcalloc(l->n, sizeof(*refs));
	for (size_t i = 0; i < l->n; i++) {
		refs[i].d = &l->items[i];
		refs[i].index = i;
	}
	qsort(refs, l->n, sizeof(*refs), ref_cmp);
	sorted = xcalloc(l->n, sizeof(*sorted));
	for (size_t i = 0; i < l->n; i++)
		sorted[i] = *refs[i].d;
	free(refs);
	free(l->items);
	l->items = sorted;
	l->alloc = l->n;
}

const char *diag_severity_name(enum diag_severity sev)
{
	return sev == DIAG_WARNING ? "warning" : "error";
}

int diag_format(const struct diag *d, struct strbuf *out)
{
	int r;

	if (d->line)
		r = strbuf_addf(out, "%s:%u:%u: ", d->file, d->line, d->col);
	else
		r = strbuf_addf(out, "%s: ", d->file);
	if (r < 0)
		return r;
	if (d->severity == DIAG_WARNING && (r = strbuf_adds(out, "warning: ")) < 0)
		return r;
	return strbuf_adds(out, d->message);
}
