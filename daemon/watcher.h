/* The manifest watcher: inotify on every directory below the manifest root, driven by
 * the loop through a uv_poll on the inotify descriptor.
 *
 * Events settle for a short window and are then reported in one batch: the manifest
 * files (*.yaml, *.yml; hidden names and .git/ ignored) that changed, were created or
 * were removed, or "rescan everything" when a change cannot be narrowed down: the
 * kernel queue overflowed, a directory (or a symbolic link to one within the root)
 * appeared, went or moved, or the root itself was swapped (a symlink replaced
 * git-sync style). Directories reached through such links are watched as the reader
 * reads them. A periodic full rescan is the
 * safety net. The watcher owns its handles and the strings it reports (valid during
 * the callback). */
#ifndef BTD_WATCHER_H
#define BTD_WATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct watcher;

struct watcher_batch {
	bool full_rescan;
	const char *reason;	  /* why a full rescan: "overflow", "directory", "link", "root", "periodic", "start",
				   * "reread" */
	const char *const *paths; /* changed manifest files, absolute, unique */
	size_t n_paths;
};

typedef void (*watcher_fn)(struct watcher *w, const struct watcher_batch *batch, void *data);

struct watcher_config {
	const char *root;	     /* the manifest directory as configured (may be a symlink) */
	uint64_t settle_ms;	     /* default 200 */
	uint64_t rescan_interval_ms; /* default 300000; 0 disables */
	watcher_fn on_batch;
	void *data;
};

/* watcher_start: begins watching; the first batch (a full rescan, reason "start")
 * is reported from the loop, not from inside this call. A root that does not exist
 * yet is not an error: its parent is watched and a rescan follows its creation. */
int watcher_start(uv_loop_t *loop, const struct watcher_config *cfg, struct watcher **ret);
/* watcher_close: stops and frees w once its handles are closed; done may be NULL. */
void watcher_close(struct watcher *w, void (*done)(void *data), void *data);
/* watcher_rescan: ask for a full rescan batch now (e.g. on SIGHUP). */
void watcher_rescan(struct watcher *w, const char *reason);
/* watcher_reread: after each reading of the manifests, whether it wants the directory
 * read again (files that could not be read for want of file descriptors or memory:
 * no change of theirs will come to say they can be read now). Wanted: a full rescan
 * batch (reason "reread") follows after WATCHER_REREAD_FIRST_MS, twice as long after
 * each reading that wants it again, at most WATCHER_REREAD_MAX_MS; returns that
 * delay, 0 when one is already pending. Not wanted: nothing pending, the delay back
 * to the first; returns 0. */
#define WATCHER_REREAD_FIRST_MS 1000
#define WATCHER_REREAD_MAX_MS	60000
uint64_t watcher_reread(struct watcher *w, bool wanted);
/* watcher_reread_delay: the wait after last_ms (0: the first), as watcher_reread
 * takes it. */
uint64_t watcher_reread_delay(uint64_t last_ms);
/* watcher_watches: number of directories watched (for status and tests). */
size_t watcher_watches(const struct watcher *w);
/* watcher_inject: handle `mask` as if the kernel had reported it for the root (tests
 * use it for IN_Q_OVERFLOW, which cannot be provoked without changing system limits). */
void watcher_inject(struct watcher *w, uint32_t mask);
/* watcher_is_manifest_name: *.yaml / *.yml and not hidden. */
bool watcher_is_manifest_name(const char *name);

#endif
