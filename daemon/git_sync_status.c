#include "git_sync_status.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

static bool is_revision(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* copy a value of n bytes into dst (size cap), dropping control characters */
static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++)
		dst[o++] = iscntrl((unsigned char)v[i]) ? ' ' : v[i];
	dst[o] = '\0';
}

static int64_t parse_time(const char *v, size_t n)
{
	int64_t t = 0;

	if (n == 0 || n > 18)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return 0;
		t = t * 10 + (v[i] - '0');
	}
	return t;
}

static void set_field(struct git_sync_status *st, const char *key, size_t klen, const char *v, size_t n)
{
#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY_IS("revision") && is_revision(v, n))
		copy_value(st->revision, sizeof(st->revision), v, n);
	else if (KEY_IS("remote_revision") && is_revision(v, n))
		copy_value(st->remote_revision, sizeof(st->remote_revision), v, n);
	else if (KEY_IS("branch"))
		copy_value(st->branch, sizeof(st->branch), v, n);
	else if (KEY_IS("error"))
		copy_value(st->error, sizeof(st->error), v, n);
	else if (KEY_IS("synced_at"))
		st->synced_at = parse_time(v, n);
	else if (KEY_IS("checked_at"))
		st->checked_at = parse_time(v, n);
#undef KEY_IS
}

void git_sync_status_parse(const char *text, size_t len, struct git_sync_status *st)
{
	const char *p = text, *end = text + len;

	memset(st, 0, sizeof(*st));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *line_end = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(line_end - p));
		size_t vlen;

		if (eq) {
			vlen = (size_t)(line_end - eq - 1);
			if (vlen && eq[vlen] == '\r')
				vlen--;
			set_field(st, p, (size_t)(eq - p), eq + 1, vlen);
		}
		p = nl ? nl + 1 : end;
	}
}

bool git_sync_status_behind(const struct git_sync_status *st)
{
	return st->remote_revision[0] && strcmp(st->remote_revision, st->revision) != 0;
}

int git_sync_status_read(const char *manifests, struct git_sync_status *st)
{
	char *dir = xstrdup(manifests), *slash, *path, buf[GIT_SYNC_STATUS_MAX];
	size_t len;
	ssize_t n = 0;
	struct stat sb;
	int fd, rc = 0;

	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		path = xstrdup(GIT_SYNC_STATUS_NAME);
	else if (slash == dir)
		path = xstrdup("/" GIT_SYNC_STATUS_NAME);
	else {
		*slash = '\0';
		path = xasprintf("%s/%s", dir, GIT_SYNC_STATUS_NAME);
	}
	free(dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	len = 0;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		rc = -errno;
	close(fd);
	if (rc == 0)
		git_sync_status_parse(buf, len, st);
	return rc;
}
