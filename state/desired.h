/* The desired store: the tenants the manifests ask for, revision after revision.
 *
 * A scan is one whole reading of the manifest directory: every manifest file with its
 * parsed tenant or its failure, and the subtrees that could not be read. Applying a
 * scan builds the next model from it, per tenant and never all-or-nothing:
 *
 *  - a tenant whose file parsed (and whose id no other file declares) takes its new
 *    definition;
 *  - a tenant whose file now fails, whose id two files declare, whose file could not
 *    be read, or whose file lies below an unreadable directory keeps its previous good
 *    definition and is marked stale;
 *  - a tenant disappears only when its previous file is certainly gone or certainly
 *    declares something else;
 *  - a scan that could not see the directory at all (missing, unreadable, no manifest
 *    in it) removes nothing.
 *
 * The store owns its tenants. The delta of an apply says which tenants appeared,
 * changed (tenant_equal), disappeared with certainty (their last definitions handed
 * to the caller), and which were kept stale or rejected. Whether a revision's removals
 * must wait for approval is the prune gate's question (prune.h), asked with
 * delta.n_removed and delta.before.
 *
 * A change of a few files need not be a whole scan: desired_store_apply_changes reads
 * the manifests through a view (the manifest cache's, in the daemon) and looks only at
 * the tenants the changed files can concern, with the same rules; its result is the
 * store a complete scan of the view would give (test_incremental_apply_like_full in
 * tests/unit/config/test_manifest_cache.c). */
#ifndef BTD_DESIRED_H
#define BTD_DESIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "model.h"

/* One manifest file of a scan. */
struct desired_file {
	char *path;
	struct tenant *tenant; /* owned; NULL when the file failed */
	char *failed_id;       /* failed: the tenant id the file declares, NULL when unknown */
	char *problem;	       /* failed: the first problem, "file:line:col: message" */
};

struct desired_failed_dir {
	char *path;
	char *problem;
};

enum desired_scan_status {
	DESIRED_SCAN_COMPLETE,	  /* the directory was read: files[] is the revision */
	DESIRED_SCAN_UNAVAILABLE, /* missing, unreadable or without manifests: nothing is gone */
};

struct desired_scan {
	enum desired_scan_status status;
	char *problem; /* DESIRED_SCAN_UNAVAILABLE: why */
	struct desired_file *files;
	size_t n_files, alloc_files;
	struct desired_failed_dir *failed_dirs; /* subtrees that could not be read completely */
	size_t n_failed_dirs, alloc_failed_dirs;
};

void desired_scan_init(struct desired_scan *scan);
void desired_scan_release(struct desired_scan *scan);
/* desired_scan_add: a file that parsed (tenant, taken over) or failed (tenant NULL;
 * failed_id when known, and the problem). Strings are copied. */
void desired_scan_add(struct desired_scan *scan, const char *path, struct tenant *tenant, const char *failed_id,
		      const char *problem);
/* desired_scan_add_failed_dir: files below path (path itself included) may exist unseen. */
void desired_scan_add_failed_dir(struct desired_scan *scan, const char *path, const char *problem);
/* desired_scan_unavailable: the directory could not be seen at all. */
void desired_scan_unavailable(struct desired_scan *scan, const char *problem);
/* desired_scan_tenants: files of the scan that parsed. */
size_t desired_scan_tenants(const struct desired_scan *scan);
/* desired_scan_ids_unknown: a file fails before its tenant id can be read, or a
 * directory could not be read: a tenant without a manifest may be declared where
 * nobody can tell (config/manifest_cache.h keeps the same as files come and go). */
bool desired_scan_ids_unknown(const struct desired_scan *scan);

/* Why a tenant keeps its previous definition. */
enum desired_stale {
	DESIRED_FRESH,		   /* defined by this revision */
	DESIRED_STALE_FAILED,	   /* its manifest failed to parse or validate */
	DESIRED_STALE_CONFLICT,	   /* two or more files declare its id */
	DESIRED_STALE_UNREADABLE,  /* its file could not be read (id unknown) */
	DESIRED_STALE_DIRECTORY,   /* its file lies below a directory that could not be read */
	DESIRED_STALE_UNAVAILABLE, /* the manifest directory could not be seen */
};

/* 24 bytes, not 32 (one a tenant): the revision in 56 bits (2^56 applies are never
 * reached), the reason in the byte above it. */
struct desired_entry {
	struct tenant *tenant;		/* owned by the store */
	char *problem;			/* stale: why, as "file:line:col: message" when known */
	uint64_t changed_revision : 56; /* store revision that last added or changed it */
	enum desired_stale stale : 8;
};

struct desired_store {
	/* sorted by tenant id; exactly sized by a full apply, an eighth spare after an
	 * apply of changes grew it (doubling would leave 100,000 slots unused) */
	struct desired_entry *entries;
	size_t n, alloc;
	uint64_t revision;    /* scans and changes applied */
	bool loaded;	      /* a complete scan has been applied */
	struct hashmap stale; /* ids of the stale entries (value 1) */
};

/* What one apply did. Ids are copies owned by the delta. */
struct desired_delta {
	uint64_t revision;
	bool unavailable; /* the scan could not see the directory: nothing was removed */
	char **added;
	size_t n_added;
	char **changed;
	struct tenant **was; /* the previous definitions of the changed, in the same order, owned */
	size_t n_changed;
	struct tenant **removed; /* last definitions of the tenants gone, owned by the delta */
	size_t n_removed;
	char **stale; /* kept with their previous definition (see desired_entry.stale) */
	size_t n_stale;
	char **rejected; /* declared by a failing file, never defined: not in the model */
	size_t n_rejected;
	size_t before; /* tenants before the apply */
	/* desired_store_apply_changes: every id it looked at, sorted; a tenant not among
	 * them is as it was. A full apply looks at all (partial false, no list). */
	bool partial;
	char **looked;
	size_t n_looked;
};

void desired_store_init(struct desired_store *store);
void desired_store_release(struct desired_store *store);
/* desired_store_apply: build the next revision from scan (emptied: its tenants move into
 * the store or are freed) and describe it in *ret (release with desired_delta_release). */
void desired_store_apply(struct desired_store *store, struct desired_scan *scan, struct desired_delta *ret);
void desired_delta_release(struct desired_delta *delta);

/* The manifests as they are now, as an incremental apply reads them (borrowed; the
 * tenants of the files are shared with the store through tenant_ref). */
struct desired_view {
	/* claims: the files declaring id (parsed, or failed with that id known), at most
	 * max of them into ret; returns how many there are. */
	size_t (*claims)(void *data, const char *id, const struct desired_file **ret, size_t max);
	/* file: the file at path, NULL when there is none. */
	const struct desired_file *(*file)(void *data, const char *path);
	const struct desired_failed_dir *failed_dirs; /* of the last complete scan */
	size_t n_failed_dirs;
	void *data;
};

/* desired_store_apply_changes: the next revision after a change of the files paths,
 * which declared the tenant ids ids before or declare them now (both borrowed). It
 * looks at those ids and at the stale tenants whose file is among paths, and at
 * nothing else: its cost is that of the change, not of the store. The delta's lists
 * name only the tenants looked at (delta.looked). The store must have been loaded
 * by desired_store_apply of an available scan, and the view must be the manifests
 * that scan read, changed by these files only. */
void desired_store_apply_changes(struct desired_store *store, const struct desired_view *view, const char *const *paths,
				 size_t n_paths, const char *const *ids, size_t n_ids, struct desired_delta *ret);

/* Lookups; borrowed, valid until the next apply. */
const struct desired_entry *desired_store_find(const struct desired_store *store, const char *id);
const struct tenant *desired_store_get(const struct desired_store *store, const char *id);

const char *desired_stale_name(enum desired_stale stale);

#endif
