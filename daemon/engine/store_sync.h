/* store_sync: makes the state store's commits durable off the loop. A sync is an
 * fdatasync of the store's write-ahead log (state/store.h, store_wal_path) run in
 * libuv's thread pool; every commit made before a sync starts is durable once it
 * succeeds. One sync is in flight at a time: callers that ask while one runs wait for
 * the next, which then serves all of them at once (a group commit), so the disk sees
 * at most one sync per sync's duration however many creates wait.
 *
 * A store_sync owns a copy of the paths it syncs and the list of its waiters; it is
 * used on its loop's thread only. */
#ifndef BTD_STORE_SYNC_H
#define BTD_STORE_SYNC_H

#include <uv.h>

struct store_sync;

/* done: status 0 when every commit made before the store_sync_wait call is on disk,
 * -errno when the sync failed (nothing is known about those commits then). */
typedef void (*store_sync_cb)(void *arg, int status);

/* store_sync_new: syncs wal_path; the directory holding it is synced once too (the
 * log's name is then durable with its content). */
struct store_sync *store_sync_new(uv_loop_t *loop, const char *wal_path);
/* store_sync_wait: done(arg, status) runs on the loop after a sync that starts after
 * this call; never before this call returns. */
void store_sync_wait(struct store_sync *s, store_sync_cb done, void *arg);
/* store_sync_free: waiters not yet called are dropped without a call; a sync in flight
 * ends in the thread pool and then frees what it used. Accepts NULL. */
void store_sync_free(struct store_sync *s);

#endif
