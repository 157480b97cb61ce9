/* What bedrock-tenantd-git-sync last recorded about the manifest directory: the file
 * .git-sync-status beside the configured manifest path (in the directory holding the
 * `current` link), `key=value` lines: revision (synced), remote_revision (the
 * branch's tip at the last fetch), branch, synced_at and checked_at (seconds since the
 * epoch) and error (the last refusal or failure, empty when the last run went well).
 * Unknown keys are ignored; every value is bounded. */
#ifndef BTD_GIT_SYNC_STATUS_H
#define BTD_GIT_SYNC_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GIT_SYNC_STATUS_NAME ".git-sync-status"
#define GIT_SYNC_STATUS_MAX  4096 /* bytes read at most */

struct git_sync_status {
	char revision[65];	  /* "" before the first sync */
	char remote_revision[65]; /* "" before the first fetch */
	char branch[256];
	char error[512];
	int64_t synced_at, checked_at; /* 0: never */
};

/* git_sync_status_parse: the file's text (len bytes, not NUL-terminated) into *st. A
 * revision that is not 40 or 64 hex digits, or a time that is not a number, is
 * ignored (left empty / 0). Pure. */
void git_sync_status_parse(const char *text, size_t len, struct git_sync_status *st);

/* git_sync_status_behind: the remote had a revision the directory is not at. */
bool git_sync_status_behind(const struct git_sync_status *st);

/* git_sync_status_read: the status file of the manifest directory `manifests` (as
 * configured: the file sits in its parent directory). 0 with *st filled, -ENOENT when
 * there is none (the directory is not kept by git-sync), another -errno when unreadable. */
int git_sync_status_read(const char *manifests, struct git_sync_status *st);

#endif
