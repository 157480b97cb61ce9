/* The durable state store: an SQLite database under the state directory holding every
 * tenant_record (create intents, timers, applied tag keys, last known deletion
 * policy), the tenants whose deletions are held by the prune gate, and small facts.
 *
 * Every write is its own transaction (journal_mode=WAL), committed with
 * synchronous=NORMAL: the commit appends to the write-ahead log and does not wait for
 * the disk, so a crash of the daemon loses none of them and a crash of the machine may
 * lose the last ones. With store_group_writes on, the writes share one transaction
 * until store_commit (a crash of the daemon then loses those not committed yet, and
 * never a later write without the earlier ones). Each of those is then only forgotten on the safe side (a grace
 * period or a hold starts again, a policy is read again, a tag this instance applied
 * is no longer known as its own and stays) except a create intent, which must be on
 * disk before its create is sent: the caller makes it durable by syncing the file
 * store_wal_path() names (fdatasync, off the loop that answers the control socket) and
 * sends the create only once a sync that started after the commit succeeded. Such a
 * sync carries every commit made before it started (see store_wal_path). The pause
 * and the prune gate's marks (held, approved) live here too.
 *
 * A write that fails leaves the store incomplete (store_failed_writes() counts them)
 * until store_rewrite() replaces its whole content with what the caller remembers;
 * no failure leaves a transaction open. A store owns its sqlite handle; store_close()
 * accepts NULL. Functions return 0 or -errno with the message in store_error():
 * -ENOSPC a full disk, -EUCLEAN a damaged file (or not a database at all), -EBUSY,
 * -EROFS, -EACCES, -EPROTONOSUPPORT a store from a newer schema, -EIO the rest.
 *
 * The schema's version is kept in PRAGMA user_version (STORE_SCHEMA_VERSION); a store
 * from before it was kept (version 0) is opened as it is and gains what is missing
 * (1 added approvals, 2 the history table). */
#ifndef BTD_STORE_H
#define BTD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "prune.h"
#include "record.h"

#define STORE_SCHEMA_VERSION 2

struct store;

/* store_open: opens (creating when absent) the database at path. On failure
 * *ret_error (when not NULL) receives a message owned by the caller. */
int store_open(const char *path, struct store **ret, char **ret_error);
/* store_open_readonly: for inspection (plan): nothing is created or written; -ENOENT
 * when there is no database at path. */
int store_open_readonly(const char *path, struct store **ret, char **ret_error);
void store_close(struct store *s);
/* The state directory's mode when the daemon makes it (at start, daemon/setup.c, and
 * again when it was removed whole, store_reopen). */
#define STORE_DIR_MODE 0750
/* store_files_lost: the files at the store's path are not those it has open (the
 * database removed or replaced, or its write-ahead log removed: a cleanup of the state
 * directory by hand). SQLite then goes on writing to files no start would find. */
bool store_files_lost(const struct store *s);
/* store_reopen: opens the database at the store's path again, in place (every holder
 * of s keeps it), made anew when its files are gone. What the old files held is not
 * copied: the store counts as incomplete (store_failed_writes) until the caller
 * rewrites it from memory (store_rewrite); an open group is lost with the old files.
 * On failure s is left as it was, with the reason in store_error. */
int store_reopen(struct store *s);
/* store_check: SQLite's quick integrity check; -EUCLEAN with what it found. */
int store_check(struct store *s);
const char *store_error(const struct store *s);

/* store_load: fills `records` (tenant id -> struct tenant_record *, owned by the map's
 * caller: free with tenant_record_free) with everything remembered. */
int store_load(struct store *s, struct hashmap *records);
/* store_rows_not_loaded: how many rows the last store_load left out, a record
 * refusing them: past what one record holds (RECORD_ITEMS_MAX of its intents, timers
 * or resources with applied tags, RECORD_FACTS_MAX facts) or an applied tag with a
 * reserved key. Only a store edited by hand holds such rows; they stay in the file
 * and nothing is done for them. *ret_tenant (when not NULL): the first one's tenant,
 * borrowed until the next store_load, NULL when none. */
unsigned long store_rows_not_loaded(const struct store *s, const char **ret_tenant);

/* store_group_writes: on, the writes that follow share one open transaction until
 * store_commit, instead of a commit each; a write that must be committed before it
 * returns (an intent without WAL mode, the pause, an approval or its clearing) and
 * store_rewrite commit the group first (an approval: with it). A failure
 * inside a group that SQLite answers by rolling the transaction back, or a commit that
 * fails, loses the group's writes: counted in store_failed_writes when any was not
 * history. Off: commits the open group, then each write is committed at once again. */
void store_group_writes(struct store *s, bool on);
/* store_commit: commits the open group, if any. 0 or -errno. */
int store_commit(struct store *s);
/* store_uncommitted: writes in the open group (0: none open). */
unsigned long store_uncommitted(const struct store *s);
/* store_groups_lost: how many groups ended without their commit (a commit that
 * failed, or a transaction SQLite rolled back by itself behind a failed write). A
 * group is committed by whoever commits first (store_commit, a write committed at
 * once, store_rewrite, store_reclaim_wal), and a later group may be committed although
 * an earlier one was lost: one who waits for a write's commit compares this count
 * from the write to the commit it waited for. */
unsigned long store_groups_lost(const struct store *s);

/* store_put_intent: committed (with the group when grouping: the caller commits it
 * with store_commit before it starts the sync), not yet durable (above); when the
 * store could not be put in WAL mode (store_wal_path() is NULL) it is committed and
 * synced before this returns, with the group before it. */
int store_put_intent(struct store *s, const char *tenant, const char *profile_key, const char *name, const char *token,
		     int64_t since);
/* store_defer_checkpoints: this connection stops copying its write-ahead log back
 * into the database itself (SQLite's automatic checkpoint, every SQLITE_OPEN_WAL_PAGES
 * pages, syncs the disk two or three times inside a commit), and stops cutting the
 * log's file back to SQLITE_OPEN_WAL_BYTES when the log starts over (the commit that
 * starts it over truncated the file: a log of 100-200 MB dropped from the page cache
 * took that commit 100-400 ms); on_wal(data, frames) runs after each commit with the
 * log's size in pages, for the caller to run store_checkpoint_file elsewhere, which
 * cuts the file back when asked to. on_wal NULL: automatic checkpoints and cuts again. */
void store_defer_checkpoints(struct store *s, void (*on_wal)(void *data, unsigned frames), void *data);
/* store_path: the database's path, NULL for a temporary one. */
const char *store_path(const struct store *s);
/* store_checkpoint_file: a passive checkpoint of the database at path on a connection
 * of its own, for another thread than the store's: it copies what it can without
 * waiting for anyone. cut: then, if that copied the whole log, the log's file is
 * truncated to nothing, again without waiting (the log's writer is held off while the
 * file is cut; a writer or reader in the log at that moment leaves the file as it
 * is). 0 or -errno. */
int store_checkpoint_file(const char *path, bool cut);
/* store_wal_path: the write-ahead log's path, or NULL when the store is not in WAL mode.
 * Every commit made before an fdatasync of this file starts is durable once it
 * returns 0: a frame still in the log is synced by it, and a frame that a checkpoint
 * already copied into the database was synced there by the checkpoint (with
 * synchronous=NORMAL SQLite syncs the log before each checkpoint and the database
 * after it, and reuses the log from its start only after a complete checkpoint). The
 * log is never deleted while the store is open. */
const char *store_wal_path(const struct store *s);
int store_clear_intent(struct store *s, const char *tenant, const char *profile_key);
int store_put_timer(struct store *s, const char *tenant, const struct resource_timer *t);
int store_clear_timer(struct store *s, const char *tenant, const char *resource);
/* store_put_applied: the applied keys of resource (none: forgets them). */
int store_put_applied(struct store *s, const char *tenant, const char *resource, char *const *keys, size_t n);
int store_put_tenant(struct store *s, const char *tenant, enum deletion_policy policy);
/* store_put_tenants: n tenants and their policies in one transaction. */
int store_put_tenants(struct store *s, const char *const *tenants, const enum deletion_policy *policies, size_t n);
/* store_put_fact: value NULL clears the fact. */
int store_put_fact(struct store *s, const char *tenant, const char *key, const char *value);
/* store_forget_tenant: drops everything remembered about tenant. */
int store_forget_tenant(struct store *s, const char *tenant);

/* Held deletions (the prune gate). */
int store_set_held(struct store *s, const char *tenant, int64_t since);
int store_clear_held(struct store *s, const char *tenant);
/* store_load_held: fills `held` (tenant id -> (void *)1). */
int store_load_held(struct store *s, struct hashmap *held);
/* store_set_approved: the tenant's held deletions were approved (one transaction). */
int store_set_approved(struct store *s, const char *tenant, int64_t at);
int store_clear_approved(struct store *s, const char *tenant);
/* store_load_approved: fills `approved` (tenant id -> (void *)1). */
int store_load_approved(struct store *s, struct hashmap *approved);

/* The pause of every mutating call; store_put_paused waits for the disk. */
int store_put_paused(struct store *s, bool paused);
int store_get_paused(struct store *s, bool *ret);

/* store_statements_prepared: how many statements this store prepared. Its writes' and
 * its history's statements are prepared once, at their first use, and kept until
 * store_close (SQLite prepares one again by itself when the schema changed under it):
 * the count stops growing once each was used. */
unsigned long store_statements_prepared(const struct store *s);

/* store_failed_writes: writes that failed since the store was last complete. */
unsigned long store_failed_writes(const struct store *s);

/* Everything the daemon remembers, borrowed for store_rewrite. */
struct store_snapshot {
	const struct tenant_record *const *records;
	size_t n_records;
	const struct prune_entry *gate; /* held and approved removals (open ones are skipped) */
	size_t n_gate;
	bool paused;
	int64_t now; /* the time recorded for the gate's marks */
};

/* store_rewrite: replaces every record, gate mark and the pause with snap's in one
 * transaction; on success the store is complete again (store_failed_writes is 0). */
int store_rewrite(struct store *s, const struct store_snapshot *snap);

/* store_reclaim_wal: checkpoints the write-ahead log into the database and truncates
 * it to nothing. On a full disk the log is space that can be given back: writes that
 * keep coming while the disk is full (history, intents) can grow it to fill the disk,
 * and a rewrite that needs room would then fail for ever. -errno when the checkpoint
 * could not finish (a reader holds the log). */
int store_reclaim_wal(struct store *s);

/* The tenants' history (the audit trail and state changes), kept apart from the
 * records: store_rewrite and store_forget_tenant leave it alone, so it outlives a
 * tenant's removal. Bounded: a tenant keeps its newest STORE_HISTORY_PER_TENANT
 * entries, the store its newest STORE_HISTORY_TOTAL (older ones are dropped as new
 * ones come). A write that fails is reported but does not make the store incomplete
 * (store_rewrite could not bring it back). */
#define STORE_HISTORY_PER_TENANT 500
#define STORE_HISTORY_TOTAL	 200000

struct store_history_entry {
	int64_t id; /* increasing in the order of writes */
	char *tenant;
	int64_t at;   /* wall clock, milliseconds */
	char *kind;   /* e.g. "change", "state" */
	char *text;   /* one line for people */
	char *detail; /* the caller's (JSON text), or NULL */
};

/* store_set_history_limits: other bounds (both at least 1), e.g. for tests. */
void store_set_history_limits(struct store *s, size_t per_tenant, size_t total);
/* store_add_history: one entry (in its own transaction, or the group's, with the
 * retention). */
int store_add_history(struct store *s, const char *tenant, int64_t at, const char *kind, const char *text,
		      const char *detail);
/* store_load_history: the newest entries, at most limit, newest first; of tenant, or
 * of every tenant when NULL. *ret (NULL when none) is freed with
 * store_history_free. */
int store_load_history(struct store *s, const char *tenant, size_t limit, struct store_history_entry **ret,
		       size_t *ret_n);
void store_history_free(struct store_history_entry *v, size_t n);

/* Small facts (e.g. the account id learned from STS); *ret owned by the caller, NULL
 * when absent. */
int store_put_meta(struct store *s, const char *key, const char *value);
int store_get_meta(struct store *s, const char *key, char **ret);

#endif
