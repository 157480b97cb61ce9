/* Reading a whole manifest directory into a desired scan (state/desired.h).
 *
 * Every `*.yaml` and `*.yml` file below the root is a manifest; names starting with a
 * dot (hidden files, `.git/`) are skipped, other files ignored. Symbolic links are
 * followed, with loops reported, but only within the root: the root's real path is
 * resolved once per reading (the root itself may be a link, as in the GitOps swap
 * root -> checkouts/rev-N), and a link whose real path lies outside it is refused
 * unread, its name only in the problem (a directory so refused keeps the tenants
 * below it, as an unreadable one does). Each file is read within MANIFEST_MAX_BYTES and
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
#include "manifest.h"

#define MANIFEST_DIR_MAX_DEPTH 32
#define MANIFEST_DIR_MAX_FILES 1000000

/* manifest_dir_read: fill *scan (initialised here; release with desired_scan_release).
 * Returns 0 when the directory was read (files may still have failed: see diags), or
 * -errno when it could not be seen at all (missing, unreadable, not a directory, no
 * manifest in it: -ENODATA when nothing failed to be read, too many files); the scan
 * is then DESIRED_SCAN_UNAVAILABLE. */
int manifest_dir_read(const struct daemon_config *cfg, const char *root, struct desired_scan *scan,
		      struct diag_list *diags);

/* manifest_dir_root: the real path of root (realpath(3)), owned by the caller; -errno. */
int manifest_dir_root(const char *root, char **ret_real);
/* manifest_dir_read_file: read and parse one manifest file below root_real (a file
 * named by a change, outside a full reading): refused unread, with a diagnostic, when
 * its real path lies outside root_real. -ENOENT without a diagnostic when it is gone;
 * a symbolic link to nothing is -ENOLINK and one in a loop -ELOOP, with the words a
 * full reading gives them; else like manifest_parse. */
int manifest_dir_read_file(const struct daemon_config *cfg, const char *root_real, const char *path,
			   struct tenant **ret, struct manifest_id *ret_id, struct diag_list *diags);

/* manifest_dir_is_manifest: the file name ends in .yaml or .yml and is not hidden. */
bool manifest_dir_is_manifest(const char *name);

#endif
