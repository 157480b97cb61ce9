/* store_checkpoint: the state store's checkpoints off the loop. SQLite copies its
 * write-ahead log back into the database every SQLITE_OPEN_WAL_PAGES pages, inside the
 * commit that crosses the mark, with two or three disk syncs: on the loop's
 * connection that made turns of 10-400 ms while converging (a history entry, a fact,
 * an intent: every write is a commit). Here the loop's connection only reports the
 * log's size (store_defer_checkpoints), and a passive checkpoint runs in libuv's thread
 * pool on a connection of its own once the log has grown by SQLITE_OPEN_WAL_PAGES
 * pages; one at a time. The next commit after a complete checkpoint starts the log
 * over, as before, but no longer cuts the log's file back (at 100,000 tenants the log
 * grew to 100-200 MB between two starts while converging, and dropping that from the
 * page cache took the commit 100-400 ms): the file keeps the size the log reached
 * until store_checkpoint_cut, which the engine calls once its work is done, cuts it
 * back here, off the loop.
 *
 * A store_checkpoint borrows the store (which must outlive it) and owns a copy of its
 * path; it is used on its loop's thread only. */
#ifndef BTD_STORE_CHECKPOINT_H
#define BTD_STORE_CHECKPOINT_H

#include <uv.h>

#include "store.h"

struct store_checkpoint;

/* store_checkpoint_new: NULL when the store has no file (nothing to do then). */
struct store_checkpoint *store_checkpoint_new(uv_loop_t *loop, struct store *store);
/* store_checkpoint_cut: a checkpoint now (or after the one running) that then cuts
 * the log's file back to nothing if it copied the whole log and no one is in it. */
void store_checkpoint_cut(struct store_checkpoint *c);
/* store_checkpoint_count: checkpoints run so far (and failed, and cuts asked, among
 * them). */
unsigned long store_checkpoint_count(const struct store_checkpoint *c, unsigned long *ret_failed,
				     unsigned long *ret_cuts);
/* store_checkpoint_free: the store checkpoints itself again; a checkpoint in flight
 * ends in the thread pool and then frees what it used. Accepts NULL. */
void store_checkpoint_free(struct store_checkpoint *c);

#endif
