#include "sqlite_open.h"

#include <errno.h>
#include <stddef.h>

#include "xalloc.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)
#define WAL_PAGES     STRINGIFY(SQLITE_OPEN_WAL_PAGES)
#define WAL_BYTES     STRINGIFY(SQLITE_OPEN_WAL_BYTES)

int sqlite_errno(sqlite3 *db, int rc)
{
	if ((rc & 0xff) == SQLITE_IOERR && db && sqlite3_system_errno(db) == ENOSPC)
		return -ENOSPC;
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EUCLEAN;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int sqlite_open_store(const char *path, sqlite3 **ret_db, char **ret_error)
{
	sqlite3 *db = NULL;
	int r;

	*ret_error = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(db, SQLITE_OPEN_BUSY_MS);
	/* WAL: readers go on while a write commits; NORMAL: the log is not synced at each
	 * commit (the state store syncs it itself before the writes that must last).
	 * The log is checkpointed every SQLITE_OPEN_WAL_PAGES pages and cut back to
	 * SQLITE_OPEN_WAL_BYTES after, so that it holds little of a small or full disk
	 * (SQLite's 1,000 pages are 4 MB) */
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=" WAL_PAGES
			 "; PRAGMA journal_size_limit=" WAL_BYTES ";",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	*ret_db = db;
	return 0;
fail:
	if (!db)
		return -ENOMEM;
	r = sqlite_errno(db, sqlite3_extended_errcode(db));
	*ret_error = xasprintf("open: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	return r;
}

int sqlite_open_reader(const char *path, sqlite3 **ret_db, char **ret_error)
{
	sqlite3 *db = NULL;
	int r;

	*ret_error = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, SQLITE_OPEN_BUSY_MS);
		*ret_db = db;
		return 0;
	}
	if (!db)
		return -ENOMEM;
	r = sqlite_errno(db, sqlite3_extended_errcode(db));
	*ret_error = xasprintf("open: %s", sqlite3_errmsg(db));
	sqlite3_close(db);
	return r;
}
