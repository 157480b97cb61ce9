/* Internals shared by state/store.c and state/store_load.c (the start's load of the
 * tables into records): the store itself. */
#ifndef BTD_STORE_IMPL_H
#define BTD_STORE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "store.h"

/* The statements the store runs again and again, prepared at their first use and kept
 * until store_close (SQLITE_PREPARE_PERSISTENT): parsing each anew cost as much as
 * running it. SQLite prepares a kept statement again by itself when the schema
 * changed under it (another connection, a migration). */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_FACT_PUT,
	ST_FACT_CLEAR,
	ST_INTENT_PUT,
	ST_INTENT_CLEAR,
	ST_TIMER_PUT,
	ST_TIMER_CLEAR,
	ST_APPLIED_KEYS,
	ST_APPLIED_PUT,
	ST_APPLIED_CLEAR_KEY,
	ST_APPLIED_CLEAR,
	ST_TENANT_PUT,
	ST_FORGET_TENANTS,
	ST_FORGET_INTENTS,
	ST_FORGET_TIMERS,
	ST_FORGET_APPLIED,
	ST_FORGET_HELD,
	ST_FORGET_APPROVED,
	ST_FORGET_FACTS,
	ST_HELD_PUT,
	ST_APPROVED_PUT,
	ST_PAUSED_PUT,
	ST_PAUSED_CLEAR,
	ST_META_PUT,
	ST_META_GET,
	ST_HISTORY_ADD,
	ST_HISTORY_TRIM_TENANT,
	ST_HISTORY_TRIM_TOTAL,
	ST_HISTORY_OF_TENANT,
	ST_HISTORY_ALL,
	ST_COUNT
};

struct store {
	sqlite3 *db;
	char *error;
	unsigned long failed_writes; /* since the store was last complete */
	char *wal_path;		     /* NULL: not in WAL mode (every intent is synced at commit) */
	int64_t history_per_tenant, history_total;
	void (*on_wal)(void *data, unsigned frames); /* store_defer_checkpoints */
	void *on_wal_data;
	/* store_group_writes: the writes since the last store_commit share one open
	 * transaction (group_open); group_records counts those that are not history */
	bool grouping, group_open;
	unsigned long group_writes, group_records;
	unsigned long groups_lost; /* store_groups_lost */
	/* store_rows_not_loaded: the rows the last store_load could not give a record */
	unsigned long rows_not_loaded;
	char *first_not_loaded; /* the first one's tenant */
	/* the statements of the writes and of the history, prepared once (statement()) */
	sqlite3_stmt *stmts[ST_COUNT];
	unsigned long prepared;
	char *path; /* as opened (store_reopen); NULL for a read-only store */
	dev_t dev;  /* the database file it opened (store_files_lost); ino 0: unknown */
	ino_t ino;
};

/* store__col: column i of st's row as text ("" for NULL). */
static inline const char *store__col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* store__fail: s->error set to what failed and SQLite's message; returns its -errno. */
int store__fail(struct store *s, const char *what);

#endif
