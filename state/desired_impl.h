/* Private to state/desired.c and state/desired_changes.c: how one tenant id is decided
 * from the files that claim it, shared by the full apply and the apply of changes. */
#ifndef BTD_DESIRED_IMPL_H
#define BTD_DESIRED_IMPL_H

#include "desired.h"

/* A file's claim on a tenant id. */
struct desired__claim {
	const char *id;
	const struct desired_file *file;
};

/* Where a tenant no file claims may still be held: a failed file at its path, a
 * directory above it that could not be read, or a directory not seen at all. */
struct desired__where {
	/* failed_file: the file at path when it failed, else NULL */
	const struct desired_file *(*failed_file)(const struct desired__where *w, const char *path);
	struct desired_file **files; /* full apply: the failed files, sorted by path */
	size_t n;
	const struct desired_view *view; /* apply of changes */
	const struct desired_failed_dir *dirs;
	size_t n_dirs;
	bool unavailable;
	const char *problem; /* unavailable: why */
};

/* desired__decide: the previous entry e (NULL when none; its tenant is consumed, its
 * problem is not) against the n claims of its id, sorted by path. Returns true with
 * *out the entry of the id in this revision (its problem owned), false when the id
 * has none; what happened is added to d. */
bool desired__decide(struct desired_entry *e, const struct desired__claim *claims, size_t n,
		     const struct desired__where *w, uint64_t rev, struct desired_entry *out, struct desired_delta *d);
/* desired__position: where id is in the store's sorted entries (*ret_found), or
 * where it would be inserted. */
size_t desired__position(const struct desired_store *store, const char *id, bool *ret_found);
/* desired__push_id: append a copy of id to a list of the delta. */
void desired__push_id(char ***list, size_t *n, const char *id);
/* desired__stale_index: the store's set of stale ids, built again from its entries. */
void desired__stale_index(struct desired_store *store);

#endif
