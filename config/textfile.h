/* Reading a text file with bounds, and the checks every YAML input passes before it
 * reaches the parser: not empty, not binary (no NUL byte), valid UTF-8 (a leading
 * UTF-8 byte order mark is allowed; a UTF-16 or UTF-32 one is named as such), and
 * within the size limit. Problems are diagnostics on the file. */
#ifndef BTD_TEXTFILE_H
#define BTD_TEXTFILE_H

#include <stddef.h>

#include "diag.h"

/* textfile_read: read a regular file of at most max bytes into a NUL-terminated heap
 * buffer (owned by the caller). Returns 0, or -errno with a diagnostic: missing,
 * unreadable, not a regular file, too large, a symbolic link loop. */
int textfile_read(const char *path, size_t max, char **ret_text, size_t *ret_len, struct diag_list *diags);
/* textfile_read_nofollow: textfile_read of a path whose last component must not be
 * a symbolic link (O_NOFOLLOW): a path checked before it is read cannot be swapped
 * for a link meanwhile. shown is the name diagnostics use (NULL: path). */
int textfile_read_nofollow(const char *path, const char *shown, size_t max, char **ret_text, size_t *ret_len,
			   struct diag_list *diags);
/* textfile_strerror: strerror(3) that is safe in any thread. */
const char *textfile_strerror(int err);
/* textfile_check: 0, or -EINVAL with a diagnostic for an empty, binary, non-UTF-8 or
 * oversized text. what names the kind of file in messages ("manifest"). */
int textfile_check(const char *file, const char *text, size_t len, size_t max, const char *what,
		   struct diag_list *diags);

#endif
