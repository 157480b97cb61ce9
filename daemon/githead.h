/* The git commit a manifest checkout reflects, read from .git without running git:
 * HEAD, a loose ref, or packed-refs; a .git file (worktree, submodule) is followed.
 * Walks up from the manifest directory to find the repository. Only regular files are
 * read (packed-refs at most 64 MiB of it): the daemon calls this on its event loop,
 * where a FIFO or a device in .git must not hold it. */
#ifndef BTD_GITHEAD_H
#define BTD_GITHEAD_H

/* git_head_commit: 0 with *ret (40 hex, owned by the caller) or -ENOENT when dir is
 * not inside a git checkout, -EINVAL when the repository cannot be read (HEAD or the
 * ref it names missing, not a regular file, or not a commit id). */
int git_head_commit(const char *dir, char **ret);

#endif
