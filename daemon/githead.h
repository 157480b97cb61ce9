/* The git commit a manifest checkout reflects, read from .git without running git:
 * HEAD, a loose ref, or packed-refs; a .git file (worktree, submodule) is followed.
 * Walks up from the manifest directory to find the repository. */
#ifndef BTD_GITHEAD_H
#define BTD_GITHEAD_H

/* git_head_commit: 0 with *ret (40 hex, owned by the caller) or -ENOENT when dir is
 * not inside a git checkout, -EINVAL when the repository cannot be read. */
int git_head_commit(const char *dir, char **ret);

#endif
