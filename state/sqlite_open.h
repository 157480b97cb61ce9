/* The one way the daemon's SQLite databases (the state store, store.c, and the usage
 * store, usage_store.c) are opened, and SQLite's results told as -errno, so that both
 * stores behave alike: read-write, created when missing, for one thread at a time;
 * write-ahead log (checkpointed every SQLITE_OPEN_WAL_PAGES pages, cut back to
 * SQLITE_OPEN_WAL_BYTES), synchronous NORMAL, a busy timeout of SQLITE_OPEN_BUSY_MS. Pure
 * of the event loop, like the rest of state/. */
#ifndef BTD_SQLITE_OPEN_H
#define BTD_SQLITE_OPEN_H

#include <sqlite3.h>

#define SQLITE_OPEN_BUSY_MS   5000
#define SQLITE_OPEN_WAL_PAGES 200
#define SQLITE_OPEN_WAL_BYTES 1048576

/* sqlite_open_store: *ret_db on success. -errno on failure, with *ret_error
 * ("open: SQLite's message", owned by the caller; NULL when SQLite could not even
 * allocate a handle, -ENOMEM) and nothing left open. */
int sqlite_open_store(const char *path, sqlite3 **ret_db, char **ret_error);
/* sqlite_open_reader: the same database read-only, beside a store's connection (WAL
 * lets it read while that one writes), with the same busy timeout. The database must
 * exist, in WAL mode. Results as sqlite_open_store. */
int sqlite_open_reader(const char *path, sqlite3 **ret_db, char **ret_error);

/* sqlite_errno: an SQLite result code as -errno: a full disk -ENOSPC, a damaged file
 * -EUCLEAN, a busy database -EBUSY, a read-only one -EROFS, a refusal -EACCES, no
 * memory -ENOMEM, the rest -EIO. db (may be NULL) tells an I/O error of a full disk. */
int sqlite_errno(sqlite3 *db, int rc);

#endif
