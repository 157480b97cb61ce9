#include "githead.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

/* packed-refs is read at most this far (a million refs or so) */
#define PACKED_REFS_MAX (64L * 1024 * 1024)

/* A regular file of the repository, open for reading; NULL for anything else. The
 * revision is read on the daemon's event loop: a FIFO put there (whose open() waits
 * for a writer) or a link to /dev/zero (which never ends) would hold the loop for
 * good, so neither is opened for reading, nor waited on. */
static FILE *open_regular(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	return f;
}

/* First line of a small file, without the newline; NULL when unreadable or not a
 * regular file. */
static char *first_line(const char *path)
{
	char buf[1024];
	FILE *f = open_regular(path);
	char *line = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		line = xstrdup(buf);
	}
	fclose(f);
	return line;
}

static bool is_sha(const char *s)
{
	size_t n = strlen(s);

	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The git directory for a worktree root: .git itself, or where a .git file points.
 * 0 with *ret (owned), -ENOENT when top has no .git, -EINVAL when it has one that
 * cannot be used (a .git file without "gitdir: ", a link loop, one that cannot be
 * read): top is still a checkout of its own, not part of a repository above it. */
static int git_dir_of(const char *top, char **ret)
{
	char *dotgit = xasprintf("%s/.git", top), *line;
	struct stat st;

	if (stat(dotgit, &st) < 0) {
		int e = errno;
		bool absent = (e == ENOENT || e == ENOTDIR) && lstat(dotgit, &st) < 0;
		free(dotgit);
		return absent ? -ENOENT : -EINVAL;
	}
	if (S_ISDIR(st.st_mode)) {
		*ret = dotgit;
		return 0;
	}
	line = first_line(dotgit);
	free(dotgit);
	if (!line || strncmp(line, "gitdir: ", 8) != 0) {
		free(line);
		return -EINVAL;
	}
	*ret = line[8] == '/' ? xstrdup(line + 8) : xasprintf("%s/%s", top, line + 8);
	free(line);
	return 0;
}

static char *packed_ref(const char *git_dir, const char *ref)
{
	char *path = xasprintf("%s/packed-refs", git_dir);
	FILE *f = open_regular(path);
	char buf[1024], *found = NULL;

	free(path);
	if (!f)
		return NULL;
	/* bounded: a file that grows as it is read (or is huge) does not hold the loop */
	while (!found && ftell(f) < PACKED_REFS_MAX && fgets(buf, sizeof(buf), f)) {
		char *sp = strchr(buf, ' ');
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '#' || buf[0] == '^' || !sp)
			continue;
		*sp = '\0';
		if (strcmp(sp + 1, ref) == 0 && is_sha(buf))
			found = xstrdup(buf);
	}
	fclose(f);
	return found;
}

/* Resolve HEAD (detached or symbolic) in git_dir; commondir for worktrees. */
static char *resolve_head(const char *git_dir)
{
	char *head_path = xasprintf("%s/HEAD", git_dir), *head = first_line(head_path), *sha = NULL;
	char *common_file = xasprintf("%s/commondir", git_dir), *common = first_line(common_file);
	char *refs_dir = common ? (common[0] == '/' ? xstrdup(common) : xasprintf("%s/%s", git_dir, common))
				: xstrdup(git_dir);

	free(head_path);
	free(common_file);
	free(common);
	if (head && is_sha(head)) {
		sha = xstrdup(head);
	} else if (head && strncmp(head, "ref: ", 5) == 0) {
		char *loose = xasprintf("%s/%s", refs_dir, head + 5), *v = first_line(loose);
		if (!v) {
			free(loose);
			loose = xasprintf("%s/%s", git_dir, head + 5);
			v = first_line(loose);
		}
		sha = v && is_sha(v) ? xstrdup(v) : packed_ref(refs_dir, head + 5);
		free(v);
		free(loose);
	}
	free(head);
	free(refs_dir);
	return sha;
}

int git_head_commit(const char *dir, char **ret)
{
	char path[PATH_MAX];
	char *git_dir = NULL, *sha;

	if (!realpath(dir, path))
		return -ENOENT;
	for (;;) {
		char *slash;
		int r = git_dir_of(path, &git_dir);
		if (r != -ENOENT) {
			if (r < 0)
				return r;
			break;
		}
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return -ENOENT;
		*slash = '\0';
	}
	sha = resolve_head(git_dir);
	free(git_dir);
	if (!sha)
		return -EINVAL;
	*ret = sha;
	return 0;
}
