/* The manifest directory as last read: the last result of every manifest file (its
 * tenant, or why it failed), so that a change to a few files re-reads only those
 * files; a full rescan (manifest_dir.h, which the daemon runs on the loop's thread
 * pool, since 10^5 files take seconds) replaces the cache. Each rescan or change
 * becomes one scan for the desired store (state/desired.h). Pure like the rest of
 * config/: it reads files through manifest_dir.h and textfile.h only, and knows no
 * loop. */
#ifndef BTD_MANIFEST_CACHE_H
#define BTD_MANIFEST_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon_config.h"
#include "desired.h"
#include "diag.h"
#include "hashmap.h"

struct manifest_cache {
	/* path -> struct cached_file *, keyed by its path (16-byte slots, at most seven
	 * eighths full: 100,000 files in 131,072 slots, not 262,144 of 24 bytes) */
	struct hashmap files;
	struct desired_failed_dir *failed_dirs; /* from the last full scan */
	size_t n_failed_dirs;
	bool unavailable; /* the last full scan could not see the directory */
	char *unavailable_problem;
	/* the last full scan met a want of file descriptors or memory (diag_note_errno) */
	bool reread_all;
	/* every problem of the files and directories, "file:line:col: message": borrowed
	 * from the files' lists, dup_problems and dir_problems (each problem held once:
	 * 2,000 failing files hold 200,000) */
	const char **problems;
	size_t n_problems;
	/* the tenant ids declared twice, as problems of each file declaring them */
	char **dup_problems;
	size_t n_dup_problems;
	/* the last full scan's problems of no file of the cache (a directory link refused
	 * or in a loop, directories nested too deep): kept until the next full scan, which
	 * alone reads directories */
	char **dir_problems;
	size_t n_dir_problems;
	/* problems already handed to manifest_cache_report: their own strings (borrowed
	 * keys, each its own value); one that leaves the cache before the next report
	 * waits in retired, which that report frees once it has told it gone */
	struct hashmap reported;
	char **retired;
	size_t n_retired;
	bool problems_changed; /* problems gathered again since manifest_cache_report */
	/* Kept as files come and go, so that a change of one file costs that file, not a
	 * walk of every file: the files declaring each tenant id, and how many ids are
	 * declared twice or more, files with problems, files failing for a duplicate. */
	struct hashmap ids;	      /* declared tenant id -> first struct cached_file of a list */
	struct hashmap dup_ids;	      /* ids declared by two files or more (value 1) */
	struct hashmap problem_files; /* path -> struct cached_file *, files with problems */
	size_t n_duplicated_ids, n_with_problems, n_failed_duplicates;
	size_t n_failed_without_id; /* files that fail before a tenant id can be read */
	/* What the last manifest_cache_update read: the files (given, and duplicates read
	 * again) and the tenant ids they declared before or declare now. */
	char **changed_paths, **changed_ids;
	size_t n_changed_paths, n_changed_ids;
};

void manifest_cache_init(struct manifest_cache *c);
void manifest_cache_release(struct manifest_cache *c);

/* manifest_cache_take_full: remember a complete scan (sharing its tenants; the scan is
 * left untouched for the desired store) and its diagnostics. */
void manifest_cache_take_full(struct manifest_cache *c, const struct desired_scan *scan, const struct diag_list *diags);
/* manifest_cache_update: re-read the given files below root (a file that is gone
 * leaves the cache; one whose real path lies outside root is refused unread).
 * Returns false when the change cannot be judged file by file and a full rescan is
 * needed (the cache would become empty, it never saw the directory, or root cannot
 * be resolved). */
bool manifest_cache_update(struct manifest_cache *c, const struct daemon_config *cfg, const char *root,
			   const char *const *paths, size_t n);
/* manifest_cache_ids_unknown: a file fails before its tenant id can be read, or a
 * directory of the last full scan could not be read: some tenant may be declared
 * where nobody can tell. */
bool manifest_cache_ids_unknown(const struct manifest_cache *c);
/* manifest_cache_id_problem: the first problem of a failing file that declares id;
 * NULL when none (borrowed, valid until the cache changes). */
const char *manifest_cache_id_problem(const struct manifest_cache *c, const char *id);
/* How many problems a manifest_cache_report found new, and gone. */
struct manifest_report {
	size_t added, gone;
};
/* manifest_cache_report: hand the problems that are new since the last call to
 * fn(added = true), and the ones that have gone since to fn(added = false), at most
 * max of each (the rest are counted, not handed: 2,000 failing files make 200,000);
 * an unchanged problem is reported once, however often the directory is read again.
 * ret (may be NULL) counts every problem new and gone, handed or not. */
void manifest_cache_report(struct manifest_cache *c, size_t max,
			   void (*fn)(const char *problem, bool added, void *data), void *data,
			   struct manifest_report *ret);
/* manifest_cache_wants_reread: a file or the directory could not be read for want of
 * what the system may give back (too many open files, out of memory: not a problem of
 * the manifests, and no change of theirs will be seen to read them again), in the
 * last full scan or since in a file read alone: the directory should be read again. */
bool manifest_cache_wants_reread(const struct manifest_cache *c);
/* manifest_cache_scan: a complete scan built from the cache (tenants shared, never copied). */
void manifest_cache_scan(const struct manifest_cache *c, struct desired_scan *ret);
/* manifest_cache_view: the cache as desired_store_apply_changes reads it (borrowed:
 * valid until the cache changes); with c->changed_paths and c->changed_ids, the
 * change of the last manifest_cache_update applies to the desired store at the cost
 * of the files changed. */
void manifest_cache_view(const struct manifest_cache *c, struct desired_view *ret);

#endif
