/* Growable, always NUL-terminated byte buffer with a hard size cap.
 *
 * Invariants: buf is never NULL after strbuf_init (it points at a static empty
 * string until the first append); buf[len] == '\0'; len <= cap. An append that would
 * grow past cap appends nothing and returns -ENOBUFS, so every buffer the outside
 * can fill (HTTP bodies, socket requests) is bounded. The buffer owns its memory:
 * strbuf_release() frees it, strbuf_detach() hands it to the caller. */
#ifndef BTD_STRBUF_H
#define BTD_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t cap;
};

#define STRBUF_NO_CAP ((size_t)-1 / 2)
extern char strbuf_empty_[];

void strbuf_init(struct strbuf *sb, size_t cap);
void strbuf_release(struct strbuf *sb);
/* strbuf_detach: returns the heap string (never NULL); sb is re-initialised empty. */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
void strbuf_reset(struct strbuf *sb);

int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* strbuf_add_hex: lowercase hex of len bytes. */
int strbuf_add_hex(struct strbuf *sb, const unsigned char *data, size_t len);

#endif
