/* Reading a whole manifest directory into a desired scan (state/desired.h).
 *
 * Every `*.yaml` and `*.yml` file below the root is a manifest; names starting with a
 * dot (hidden files, `.git/`) are skipped, other files ignored. Symbolic links are
 * followed, with loops reported. Each file is read within MANIFEST_MAX_BYTES and
 * parsed; a tenant id declared by two files is an error naming both, and neither file
 * defines it. Every problem goes to diags; the scan records, per file, the tenant or
 * the failure (with the tenant id when it could be read) and the subtrees that could
 * not be read, so the desired store never mistakes an unreadable file for a deleted
 * tenant. */
#ifndef BTD_MANIFEST_DIR_H
#define BTD_MANIFEST_DIR_H

#include "daemon_config.h"
#include "desired.h"
#include "diag.h"

#define MANIFEST_DIR_MAX_DEPTH 32
#define MANIFEST_DIR_MAX_FILES 1000000

/* manifest_dir_read: fill *scan (initialised here; release with desired_scan_release).
 * Returns 0 when the directory was read (files may still have failed: see diags), or
 * -errno when it could not be seen at all (missing, unreadable, not a directory, no
 * manifest in it, too many files); the scan is then DESIRED_SCAN_UNAVAILABLE. */
int manifest_dir_read(const struct daemon_config *cfg, const char *root, struct desired_scan *scan,
		      struct diag_list *diags);

/* manifest_dir_is_manifest: the file name ends in .yaml or .yml and is not hidden. */
bool manifest_dir_is_manifest(const char *name);

#endif
