/* Diagnostics: every problem found in a manifest or in the daemon configuration.
 *
 * A diag_list collects problems (not only the first) as `file:line:col: message`.
 * The list owns every diag and every string in it; diag_list_release() frees them.
 * Line and column are 1-based; line 0 means the problem concerns the whole file (an
 * unreadable file, a directory) and is printed as `file: message`. config/ never
 * prints: callers format and report the list. */
#ifndef BTD_DIAG_H
#define BTD_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	char *file;
	unsigned line, col;
	enum diag_severity severity;
	char *message;
};

struct diag_list {
	struct diag *items;
	size_t n;
	size_t alloc;
	size_t n_errors;
	size_t n_warnings;
	/* A problem came from a want of what the system may give back (file descriptors,
	 * memory: diag_note_errno): reading again later may succeed. */
	bool transient;
};

void diag_list_init(struct diag_list *l);
void diag_list_release(struct diag_list *l);

/* diag_add: append a problem; file is copied (NULL is stored as ""). */
void diag_add(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line, unsigned col,
	      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void diag_vadd(struct diag_list *l, enum diag_severity sev, const char *file, unsigned line, unsigned col,
	       const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
/* diag_error: diag_add with DIAG_ERROR. */
void diag_error(struct diag_list *l, const char *file, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* diag_errno_transient: err is a want of what the system may give back (too many open
 * files in the process or the system, out of memory or buffers, interrupted or busy),
 * not a problem of the file: the same read may succeed later. diag_note_errno: mark l
 * transient when err is such an error (called where an errno becomes a problem). */
bool diag_errno_transient(int err);
void diag_note_errno(struct diag_list *l, int err);

/* diag_list_splice: move every diag of src to the end of dst (and its transient mark);
 * src is left empty. */
void diag_list_splice(struct diag_list *dst, struct diag_list *src);
/* diag_list_sort: by file, line, column; problems at the same place keep their order. */
void diag_list_sort(struct diag_list *l);

const char *diag_severity_name(enum diag_severity sev);
/* diag_format: append `file:line:col: message` (warnings: `file:line:col: warning: message`). */
int diag_format(const struct diag *d, struct strbuf *out);

#endif
