/* Arrays of strings with their length (char **v, size_t n), as the model, the
 * configuration's diagnostics and the daemon's key lists hold them. The arrays and
 * their strings belong to the caller. */
#ifndef BTD_STRV_H
#define BTD_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* strv_equal: the same strings in the same order (none is NULL). */
bool strv_equal(char *const *a, size_t na, char *const *b, size_t nb);

/* strv_dup: a copy of the n strings of v, the caller's to free with each string; NULL
 * for an empty array. */
char **strv_dup(char *const *v, size_t n);

#endif
