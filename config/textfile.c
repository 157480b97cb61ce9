#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

const char *textfile_strerror(int err)
{
	const char *s = strerrordesc_np(err);

	return s ? s : "unknown error";
}

static int io_error(struct diag_list *diags, const char *path, int err)
{
	diag_note_errno(diags, err);
	if (err == ELOOP)
		diag_error(diags, path, 0, 0, "cannot open: symbolic link loop");
	else
		diag_error(diags, path, 0, 0, "cannot read: %s", textfile_strerror(err));
	return -err;
}

static int read_file(const char *path, const char *shown, int flags, size_t max, char **ret_text, size_t *ret_len,
		     struct diag_list *diags)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, r;

	/* O_NONBLOCK: a FIFO named *.yaml must not block the reader; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | flags);
	if (fd < 0 && errno == ELOOP && (flags & O_NOFOLLOW)) {
		diag_error(diags, shown, 0, 0, "cannot read: it became a symbolic link while being read");
		return -ELOOP;
	}
	if (fd < 0)
		return io_error(diags, shown, errno);
	if (fstat(fd, &st) < 0) {
		r = io_error(diags, shown, errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(diags, shown, 0, 0, "not a regular file");
		r = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		diag_error(diags, shown, 0, 0, "the file is %lld bytes; the limit is %zu bytes", (long long)st.st_size,
			   max);
		r = -EFBIG;
		goto out;
	}
	/* Read up to one byte more than fstat said (and than the limit): the file may
	 * have grown meanwhile, which the loop notices. */
	cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = io_error(diags, shown, errno);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			diag_error(diags, shown, 0, 0, "the file is larger than the limit of %zu bytes", max);
			r = -EFBIG;
			goto out;
		}
		if (len == cap) {
			cap = cap * 2 < max + 1 ? cap * 2 : max + 1;
			buf = xrealloc(buf, cap + 1);
		}
	}
	buf[len] = '\0';
	*ret_text = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

int textfile_read(const char *path, size_t max, char **ret_text, size_t *ret_len, struct diag_list *diags)
{
	return read_file(path, path, 0, max, ret_text, ret_len, diags);
}

int textfile_read_nofollow(const char *path, const char *shown, size_t max, char **ret_text, size_t *ret_len,
			   struct diag_list *diags)
{
	return read_file(path, shown ? shown : path, O_NOFOLLOW, max, ret_text, ret_len, diags);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not valid: overlong
 * forms, surrogates and code points above U+10FFFF are refused. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static bool only_blank_or_comments(const char *text, size_t len)
{
	bool comment = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n')
			comment = false;
		else if (c == '#')
			comment = true;
		else if (!comment && c != ' ' && c != '\t' && c != '\r')
			return false;
	}
	return true;
}

int textfile_check(const char *file, const char *text, size_t len, size_t max, const char *what,
		   struct diag_list *diags)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned line = 1, col = 1;
	size_t bom = 0;
	const char *nul;

	if (len > max) {
		diag_error(diags, file, 0, 0, "the %s is %zu bytes; the limit is %zu bytes", what, len, max);
		return -EINVAL;
	}
	if ((len >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) ||
	    (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)) {
		diag_error(diags, file, 0, 0, "the %s is UTF-16 or UTF-32 text; it must be UTF-8", what);
		return -EINVAL;
	}
	/* A UTF-8 byte order mark is allowed (ydoc skips it) and takes no column. */
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		s += 3;
		text += 3;
		len -= 3;
		bom = 3;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		diag_error(diags, file, 0, 0, "binary file (a NUL byte at offset %zu); a %s is UTF-8 text",
			   (size_t)(nul - text) + bom, what);
		return -EINVAL;
	}
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(s + i, len - i);
		if (!n) {
			diag_error(diags, file, line, col, "invalid UTF-8 (byte 0x%02x); a %s must be UTF-8 text", s[i],
				   what);
			return -EINVAL;
		}
		if (s[i] == '\n')
			line++, col = 1;
		else
			col++;
		i += n;
	}
	if (only_blank_or_comments(text, len)) {
		diag_error(diags, file, 0, 0, "empty %s (no YAML content)", what);
		return -EINVAL;
	}
	return 0;
}
