/* Allocation that never returns NULL.
 *
 * Out of memory is not an error the daemon can handle: these wrappers print one
 * line and abort, and systemd restarts the service. Callers never test the result
 * for NULL. Everything returned is owned by the caller and released with free(). */
#ifndef BTD_XALLOC_H
#define BTD_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xreallocarray: like reallocarray(3), aborting on overflow or exhaustion. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* xstrdup_or_null: NULL in, NULL out. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* xconcat: the strings up to a NULL, joined: what xasprintf("%s%s", ...) gives,
 * without the cost of formatting (hot paths: keys and ARNs made per tenant and pass). */
char *xconcat(const char *s, ...) __attribute__((sentinel));

/* Grow an array to hold at least `need` elements, doubling from `first` slots;
 * updates alloc. XGROW starts at eight. */
#define XGROW_FROM(ptr, need, alloc, first)                                                                            \
	do {                                                                                                           \
		if ((need) > (alloc)) {                                                                                \
			size_t grow_ = (alloc) ? (alloc)*2 : (first);                                                  \
			if (grow_ < (need))                                                                            \
				grow_ = (need);                                                                        \
			(ptr) = xreallocarray((ptr), grow_, sizeof(*(ptr)));                                           \
			(alloc) = grow_;                                                                               \
		}                                                                                                      \
	} while (0)
#define XGROW(ptr, need, alloc) XGROW_FROM(ptr, need, alloc, 8)

#endif
