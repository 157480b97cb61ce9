#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "strbuf.h"
#include "sqlite_open.h"
#include "xalloc.h"
#include "store_impl.h"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_FACT_PUT] = "INSERT OR REPLACE INTO facts VALUES (?, ?, ?)",
	[ST_FACT_CLEAR] = "DELETE FROM facts WHERE tenant = ? AND key = ?",
	[ST_INTENT_PUT] = "INSERT OR REPLACE INTO intents VALUES (?, ?, ?, ?, ?)",
	[ST_INTENT_CLEAR] = "DELETE FROM intents WHERE tenant = ? AND profile_key = ?",
	[ST_TIMER_PUT] = "INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?)",
	[ST_TIMER_CLEAR] = "DELETE FROM timers WHERE tenant = ? AND resource = ?",
	[ST_APPLIED_KEYS] = "SELECT key FROM applied_tags WHERE tenant = ? AND resource = ?",
	[ST_APPLIED_PUT] = "INSERT OR IGNORE INTO applied_tags VALUES (?, ?, ?)",
	[ST_APPLIED_CLEAR_KEY] = "DELETE FROM applied_tags WHERE tenant = ? AND resource = ? AND key = ?",
	[ST_APPLIED_CLEAR] = "DELETE FROM applied_tags WHERE tenant = ? AND resource = ?",
	[ST_TENANT_PUT] = "INSERT OR REPLACE INTO tenants VALUES (?, ?)",
	[ST_FORGET_TENANTS] = "DELETE FROM tenants WHERE tenant = ?",
	[ST_FORGET_INTENTS] = "DELETE FROM intents WHERE tenant = ?",
	[ST_FORGET_TIMERS] = "DELETE FROM timers WHERE tenant = ?",
	[ST_FORGET_APPLIED] = "DELETE FROM applied_tags WHERE tenant = ?",
	[ST_FORGET_HELD] = "DELETE FROM held WHERE tenant = ?",
	[ST_FORGET_APPROVED] = "DELETE FROM approved WHERE tenant = ?",
	[ST_FORGET_FACTS] = "DELETE FROM facts WHERE tenant = ?",
	[ST_HELD_PUT] = "INSERT OR IGNORE INTO held VALUES (?, ?)",
	[ST_APPROVED_PUT] = "INSERT OR REPLACE INTO approved VALUES (?, ?)",
	[ST_PAUSED_PUT] = "INSERT OR REPLACE INTO meta VALUES ('paused', '1')",
	[ST_PAUSED_CLEAR] = "DELETE FROM meta WHERE key = 'paused'",
	[ST_META_PUT] = "INSERT OR REPLACE INTO meta VALUES (?, ?)",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?",
	[ST_HISTORY_ADD] = "INSERT INTO history (tenant, at, kind, text, detail) VALUES (?, ?, ?, ?, ?)",
	/* the tenant's oldest beyond its share, through the (tenant, id) index */
	[ST_HISTORY_TRIM_TENANT] = "DELETE FROM history WHERE tenant = ?1 AND id <= (SELECT id FROM history WHERE"
				   " tenant = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
	/* ids only grow (AUTOINCREMENT): what lies STORE_HISTORY_TOTAL writes back goes */
	[ST_HISTORY_TRIM_TOTAL] = "DELETE FROM history WHERE id <= last_insert_rowid() - ?",
	[ST_HISTORY_OF_TENANT] = "SELECT id, tenant, at, kind, text, detail FROM history WHERE tenant = ?"
				 " ORDER BY id DESC LIMIT ?",
	[ST_HISTORY_ALL] = "SELECT id, tenant, at, kind, text, detail FROM history ORDER BY id DESC LIMIT ?",
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS tenants (tenant TEXT PRIMARY KEY, deletion_policy TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS intents (tenant TEXT NOT NULL, profile_key TEXT NOT NULL, name TEXT NOT NULL,"
	" token TEXT NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (tenant, profile_key));"
	"CREATE TABLE IF NOT EXISTS timers (tenant TEXT NOT NULL, resource TEXT NOT NULL, kind TEXT NOT NULL,"
	" since INTEGER NOT NULL, PRIMARY KEY (tenant, resource));"
	"CREATE TABLE IF NOT EXISTS applied_tags (tenant TEXT NOT NULL, resource TEXT NOT NULL, key TEXT NOT NULL,"
	" PRIMARY KEY (tenant, resource, key));"
	"CREATE TABLE IF NOT EXISTS held (tenant TEXT PRIMARY KEY, since INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS facts (tenant TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	" PRIMARY KEY (tenant, key));"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	/* schema 1: approved prune-gate removals */
	"CREATE TABLE IF NOT EXISTS approved (tenant TEXT PRIMARY KEY, since INTEGER NOT NULL);"
	/* schema 2: the tenants' history */
	"CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL,"
	" at INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, detail TEXT);"
	"CREATE INDEX IF NOT EXISTS history_by_tenant ON history (tenant, id);";

/* The kept statement id, prepared at its first use; NULL when it cannot be (the
 * connection's error tells why). */
static sqlite3_stmt *statement(struct store *s, enum stmt_id id)
{
	if (!s->stmts[id]) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id], NULL) !=
		    SQLITE_OK) {
			sqlite3_finalize(s->stmts[id]);
			s->stmts[id] = NULL;
			return NULL;
		}
		s->prepared++;
	}
	return s->stmts[id];
}

/* After each use, whatever its outcome: ready to run again, its arguments (borrowed,
 * SQLITE_STATIC) let go. */
static void statement_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* A statement without arguments or rows (BEGIN, COMMIT): true when it ran. */
static bool step_plain(struct store *s, enum stmt_id id)
{
	sqlite3_stmt *st = statement(s, id);
	int rc;

	if (!st)
		return false;
	rc = sqlite3_step(st);
	statement_done(st);
	return rc == SQLITE_DONE;
}

unsigned long store_statements_prepared(const struct store *s)
{
	return s->prepared;
}

int store__fail(struct store *s, const char *what)
{
	free(s->error);
	s->error = xasprintf("%s: %s", what, sqlite3_errmsg(s->db));
	return sqlite_errno(s->db, sqlite3_extended_errcode(s->db));
}

/* A write that did not happen: the store is no longer complete until store_rewrite. */
static int fail_write(struct store *s, const char *what)
{
	s->failed_writes++;
	return store__fail(s, what);
}

/* End a transaction begun with BEGIN IMMEDIATE: commit when r is 0, else (and when the
 * commit fails) roll back, so that no transaction stays open behind a failure (SQLite
 * keeps some open after a failed statement, and a later BEGIN would then fail for
 * ever). */
static int end_transaction(struct store *s, int r)
{
	if (r == 0 && !step_plain(s, ST_COMMIT))
		r = fail_write(s, "commit");
	if (r < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int begin(struct store *s)
{
	if (!step_plain(s, ST_BEGIN))
		return fail_write(s, "begin");
	return 0;
}

/* ---- grouped writes (store_group_writes) ---- */

/* SQLite rolls a transaction back by itself behind some failures (a full disk, an I/O
 * error, no memory): the group's earlier writes are gone, and when any of them was a
 * record the store is incomplete. Called after every failure inside a group. */
static void group_check(struct store *s)
{
	if (!s->group_open || !sqlite3_get_autocommit(s->db))
		return;
	if (s->group_records)
		s->failed_writes++;
	s->groups_lost++;
	s->group_open = false;
	s->group_writes = s->group_records = 0;
}

/* Opens the group's transaction when grouping and none is open. */
static int group_open(struct store *s, bool record)
{
	if (!s->grouping)
		return 0;
	group_check(s);
	if (!s->group_open) {
		if (!step_plain(s, ST_BEGIN))
			return record ? fail_write(s, "begin") : store__fail(s, "begin");
		s->group_open = true;
	}
	return 0;
}

/* Before a write statement: into the group, when grouping. */
static int group_enter(struct store *s, bool record)
{
	int r = group_open(s, record);

	if (r == 0 && s->grouping) {
		s->group_writes++;
		s->group_records += record;
	}
	return r;
}

int store_commit(struct store *s)
{
	int r = 0;

	group_check(s);
	if (!s->group_open)
		return 0;
	if (!step_plain(s, ST_COMMIT)) {
		r = store__fail(s, "commit");
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		if (s->group_records)
			s->failed_writes++;
		s->groups_lost++;
	}
	s->group_open = false;
	s->group_writes = s->group_records = 0;
	return r;
}

unsigned long store_uncommitted(const struct store *s)
{
	return s->group_open ? s->group_writes : 0;
}

unsigned long store_groups_lost(const struct store *s)
{
	return s->groups_lost;
}

void store_group_writes(struct store *s, bool on)
{
	if (!on)
		(void)store_commit(s); /* a failure counts in store_failed_writes */
	s->grouping = on;
}

/* A write that is committed before it returns, grouping or not: the group's
 * transaction, with the writes before it, is committed with it. */
static int commit_now(struct store *s, int r)
{
	if (r < 0 || !s->group_open)
		return r;
	return store_commit(s);
}

/* The writes of several statements: in a transaction of their own, or in the group. */
static int write_begin(struct store *s)
{
	/* grouping, counted as one write (with its statements): one that changed nothing
	 * still leaves a group to commit, never a transaction open unseen */
	return s->grouping ? group_enter(s, true) : begin(s);
}

static int write_end(struct store *s, int r)
{
	if (!s->grouping)
		return end_transaction(s, r);
	if (r < 0)
		group_check(s);
	return r;
}

const char *store_error(const struct store *s)
{
	return s && s->error ? s->error : "no error";
}

/* The schema's version in PRAGMA user_version: 0 for stores from before it was kept
 * (readable as they are: every table is created when missing), 1 since approvals, 2
 * since the history (a store of 1 gains the table and its index here). */
static int migrate(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int version = 0, rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return store__fail(s, "schema version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store__fail(s, "schema version");
	if (version > STORE_SCHEMA_VERSION) {
		free(s->error);
		s->error = xasprintf(
			"schema version %d was written by a newer bedrock-tenantd (this one knows up to %d)", version,
			STORE_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return store__fail(s, "schema");
	if (version < STORE_SCHEMA_VERSION) {
		char *sql = xasprintf("PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		free(sql);
		if (rc != SQLITE_OK)
			return store__fail(s, "schema version");
	}
	return 0;
}

/* The write-ahead log's path when the store is in WAL mode (a file system without
 * shared memory support refuses it: the store then syncs each intent at commit). */
static int find_wal(struct store *s)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;
	const char *db;

	if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
		return store__fail(s, "journal mode");
	if (sqlite3_step(st) == SQLITE_ROW)
		wal = strcmp(store__col(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	db = sqlite3_db_filename(s->db, "main");
	if (wal && db && *db)
		s->wal_path = xstrdup(sqlite3_filename_wal(db));
	return 0;
}

const char *store_wal_path(const struct store *s)
{
	return s->wal_path;
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	(void)db;
	(void)name;
	if (s->on_wal)
		s->on_wal(s->on_wal_data, frames > 0 ? (unsigned)frames : 0);
	return SQLITE_OK;
}

void store_defer_checkpoints(struct store *s, void (*on_wal)(void *data, unsigned frames), void *data)
{
	char sql[64];

	s->on_wal = on_wal;
	s->on_wal_data = data;
	if (on_wal)
		sqlite3_wal_hook(s->db, wal_hook, s); /* replaces the automatic checkpoints */
	else
		sqlite3_wal_autocheckpoint(s->db, SQLITE_OPEN_WAL_PAGES);
	/* a pragma's only failure here is memory; the limit then stays as it was */
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%d", on_wal ? -1 : SQLITE_OPEN_WAL_BYTES);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

const char *store_path(const struct store *s)
{
	const char *db = sqlite3_db_filename(s->db, "main");

	return db && *db ? db : NULL;
}

/* A checkpoint statement's row: busy, the log's frames, the frames copied. */
static int wal_checkpoint(sqlite3 *db, const char *sql, bool *ret_whole)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	*ret_whole = false;
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*ret_whole = sqlite3_column_int(st, 0) == 0 && sqlite3_column_int(st, 1) >= 0 &&
			     sqlite3_column_int(st, 1) == sqlite3_column_int(st, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_checkpoint_file(const char *path, bool cut)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL), r = 0;
	bool whole = false;

	/* a statement, not sqlite3_wal_checkpoint_v2: a connection that has read nothing
	 * does not know yet that the database is in WAL mode. No busy handler: a
	 * TRUNCATE that finds the writer or a reader busy gives up at once. */
	if (rc == SQLITE_OK)
		rc = wal_checkpoint(db, "PRAGMA wal_checkpoint(PASSIVE)", &whole);
	if (rc == SQLITE_OK && cut && whole)
		rc = wal_checkpoint(db, "PRAGMA wal_checkpoint(TRUNCATE)", &whole);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) /* busy: another checkpoint runs, no harm */
		r = sqlite_errno(db, rc);
	sqlite3_close(db);
	return r;
}

static void note_file(struct store *s)
{
	struct stat st;

	s->ino = 0;
	if (s->path && stat(s->path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
}

bool store_files_lost(const struct store *s)
{
	struct stat st;

	if (!s->path || !s->ino)
		return false;
	if (stat(s->path, &st) < 0)
		return errno == ENOENT;
	if (st.st_dev != s->dev || st.st_ino != s->ino)
		return true;
	return s->wal_path && stat(s->wal_path, &st) < 0 && errno == ENOENT;
}

/* The old connection let go without touching what is at its path now: its log is kept
 * on close (persistent WAL; closing deletes the file at the log's path, which may be
 * the new connection's), an open group lost with it. */
static void let_go(struct store *s)
{
	int persist = 1;

	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(s->stmts[i]); /* NULL: a no-op */
		s->stmts[i] = NULL;
	}
	sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	sqlite3_close_v2(s->db);
	s->db = NULL;
	if (s->group_open) {
		s->group_open = false;
		s->groups_lost++;
	}
	s->group_writes = s->group_records = 0;
}

/* While no database opens at the path: one in memory, with the schema, so that the
 * store's functions keep working; what is written to it is written again from memory
 * once the path opens (store_failed_writes stays above 0 until then). */
static void stand_in(struct store *s)
{
	if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK)
		sqlite3_exec(s->db, schema, NULL, NULL, NULL);
	s->ino = 0;
	s->failed_writes++;
}

/* The directory of path made again when it is gone (removed whole by hand), one level
 * and with the mode a start gives it (STORE_DIR_MODE): what is in memory then has a
 * place on disk at once, not only once an operator makes it. */
static void make_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash || slash == path)
		return;
	dir = xstrndup(path, (size_t)(slash - path));
	(void)mkdir(dir, STORE_DIR_MODE); /* EEXIST: it is there; another failure shows in the open */
	free(dir);
}

int store_reopen(struct store *s)
{
	struct store *fresh = NULL;
	char *why = NULL;
	struct stat st;
	int r;

	if (!s->path)
		return -EINVAL;
	if (stat(s->path, &st) < 0) {
		/* nothing at the path: the new database first; the old one stays if it fails */
		if (errno == ENOENT)
			make_dir_of(s->path);
		r = store_open(s->path, &fresh, &why);
		if (r < 0)
			goto fail;
		let_go(s);
	} else {
		/* a file at the path (the database, its log removed, or another file): a new
		 * connection to it would share the old one's locks and log index: the old
		 * one goes first */
		let_go(s);
		r = store_open(s->path, &fresh, &why);
		if (r < 0) {
			stand_in(s);
			goto fail;
		}
	}
	s->db = fresh->db;
	fresh->db = NULL;
	free(s->wal_path);
	s->wal_path = fresh->wal_path;
	fresh->wal_path = NULL;
	s->dev = fresh->dev;
	s->ino = fresh->ino;
	store_close(fresh);
	s->failed_writes++; /* the old files' content: written again from memory */
	if (s->on_wal)
		store_defer_checkpoints(s, s->on_wal, s->on_wal_data);
	return 0;
fail:
	free(s->error);
	s->error = why;
	return r;
}

int store_open(const char *path, struct store **ret, char **ret_error)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int r;

	store_set_history_limits(s, STORE_HISTORY_PER_TENANT, STORE_HISTORY_TOTAL);

	s->path = xstrdup(path);
	r = sqlite_open_store(path, &s->db, &s->error);
	if (r < 0)
		goto fail;
	r = migrate(s);
	if (r < 0)
		goto fail;
	r = find_wal(s);
	if (r < 0)
		goto fail;
	note_file(s);
	*ret = s;
	return 0;
fail:
	if (ret_error)
		*ret_error = xasprintf("%s: %s", path, s->error ? s->error : "cannot open");
	store_close(s);
	return r;
}

int store_check(struct store *s)
{
	sqlite3_stmt *st = NULL;
	struct strbuf sb;
	int rc, lines = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(5)", -1, &st, NULL) != SQLITE_OK)
		return store__fail(s, "check");
	strbuf_init(&sb, 1024);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (t && strcmp((const char *)t, "ok") != 0)
			strbuf_addf(&sb, "%s%s", lines++ ? "; " : "", (const char *)t);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		strbuf_release(&sb);
		return store__fail(s, "check");
	}
	if (lines) {
		free(s->error);
		s->error = xasprintf("check: %s", sb.buf);
		strbuf_release(&sb);
		return -EUCLEAN;
	}
	strbuf_release(&sb);
	return 0;
}

int store_open_readonly(const char *path, struct store **ret, char **ret_error)
{
	struct store *s = xcalloc(1, sizeof(*s));

	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (ret_error)
			*ret_error = xasprintf("%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return access(path, F_OK) < 0 ? -ENOENT : -EIO;
	}
	sqlite3_busy_timeout(s->db, SQLITE_OPEN_BUSY_MS);
	*ret = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	(void)store_commit(s);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmts[i]); /* NULL: a no-op */
	sqlite3_close(s->db);
	free(s->error);
	free(s->wal_path);
	free(s->path);
	free(s->first_not_loaded);
	free(s);
}

/* Binds text/int64 arguments given as a format: 't' text (borrowed until
 * statement_done), 'i' int64. */
static void bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types[i]; i++) {
		if (types[i] == 't')
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
	}
}

/* Run one kept statement with its arguments. Returns true when it ran (SQLITE_DONE or
 * SQLITE_ROW); *ret_prepared tells whether it got as far as being prepared. */
static bool run_statement(struct store *s, enum stmt_id id, const char *types, va_list ap, bool *ret_prepared)
{
	sqlite3_stmt *st = statement(s, id);
	int rc;

	*ret_prepared = st != NULL;
	if (!st)
		return false;
	bind_args(st, types, ap);
	rc = sqlite3_step(st);
	statement_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

static int exec(struct store *s, enum stmt_id id, const char *types, ...)
{
	va_list ap;
	bool prepared, ok;
	int r = group_enter(s, true);

	if (r < 0)
		return r;
	va_start(ap, types);
	ok = run_statement(s, id, types, ap, &prepared);
	va_end(ap);
	if (!ok) {
		r = fail_write(s, prepared ? "write" : "prepare");
		group_check(s);
	}
	return r;
}

/* A statement of the rewrite's, run once: not kept. */
static int exec_once(struct store *s, const char *sql)
{
	int r = group_enter(s, true);

	if (r == 0 && sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		r = fail_write(s, "write");
		group_check(s);
	}
	return r;
}

int store_put_fact(struct store *s, const char *tenant, const char *key, const char *value)
{
	if (!value)
		return exec(s, ST_FACT_CLEAR, "tt", tenant, key);
	return exec(s, ST_FACT_PUT, "ttt", tenant, key, value);
}

/* The one write that must be on disk before the call it precedes: in WAL mode the
 * caller syncs the log (store_wal_path), off its loop; otherwise it is committed with
 * synchronous=FULL here. */
int store_put_intent(struct store *s, const char *tenant, const char *profile_key, const char *name, const char *token,
		     int64_t since)
{
	int r;

	if (s->wal_path) /* grouping: committed with the group, before the caller's sync */
		return exec(s, ST_INTENT_PUT, "tttti", tenant, profile_key, name, token, since);
	/* the pragma is refused inside a transaction: the group goes first */
	r = store_commit(s);
	if (r < 0)
		return r;
	if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
		return fail_write(s, "write");
	r = commit_now(s, exec(s, ST_INTENT_PUT, "tttti", tenant, profile_key, name, token, since));
	if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK && r == 0)
		r = fail_write(s, "write");
	return r;
}

int store_clear_intent(struct store *s, const char *tenant, const char *profile_key)
{
	return exec(s, ST_INTENT_CLEAR, "tt", tenant, profile_key);
}

int store_put_timer(struct store *s, const char *tenant, const struct resource_timer *t)
{
	return exec(s, ST_TIMER_PUT, "ttti", tenant, t->resource, timer_kind_name(t->kind), (int64_t)t->since);
}

int store_clear_timer(struct store *s, const char *tenant, const char *resource)
{
	return exec(s, ST_TIMER_CLEAR, "tt", tenant, resource);
}

static bool has_key(char *const *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

/* The keys stored for (tenant, resource): as many as were put (a resource's tags,
 * bounded by AWS). */
static int applied_keys(struct store *s, const char *tenant, const char *resource, char ***ret, size_t *ret_n)
{
	sqlite3_stmt *st = statement(s, ST_APPLIED_KEYS);
	size_t n = 0, alloc = 0;
	char **v = NULL;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	if (!st)
		return fail_write(s, "prepare");
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, resource, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		XGROW(v, n + 1, alloc);
		v[n++] = xstrdup(store__col(st, 0));
	}
	if (rc != SQLITE_DONE) {
		rc = fail_write(s, "read");
		statement_done(st);
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	statement_done(st);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Only the keys that changed are written: a set put again as it was, or with one key
 * more, leaves the other rows' pages alone (deleting and inserting the whole set made
 * every commit write them again). */
static int put_applied(struct store *s, const char *tenant, const char *resource, char *const *keys, size_t n)
{
	char **old;
	size_t n_old;
	int r;

	if (!n)
		return exec(s, ST_APPLIED_CLEAR, "tt", tenant, resource);
	r = applied_keys(s, tenant, resource, &old, &n_old);
	for (size_t i = 0; r == 0 && i < n_old; i++)
		if (!has_key(keys, n, old[i]))
			r = exec(s, ST_APPLIED_CLEAR_KEY, "ttt", tenant, resource, old[i]);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (!has_key(old, n_old, keys[i]))
			r = exec(s, ST_APPLIED_PUT, "ttt", tenant, resource, keys[i]);
	for (size_t i = 0; i < n_old; i++)
		free(old[i]);
	free(old);
	return r;
}

int store_put_applied(struct store *s, const char *tenant, const char *resource, char *const *keys, size_t n)
{
	int r = write_begin(s);

	if (r < 0)
		return r;
	return write_end(s, put_applied(s, tenant, resource, keys, n));
}

int store_put_tenant(struct store *s, const char *tenant, enum deletion_policy policy)
{
	return exec(s, ST_TENANT_PUT, "tt", tenant, deletion_policy_name(policy));
}

int store_put_tenants(struct store *s, const char *const *tenants, const enum deletion_policy *policies, size_t n)
{
	int r = write_begin(s);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = store_put_tenant(s, tenants[i], policies[i]);
	return write_end(s, r);
}

static int forget_tenant(struct store *s, const char *tenant)
{
	int r = 0;

	for (int id = ST_FORGET_TENANTS; r == 0 && id <= ST_FORGET_FACTS; id++)
		r = exec(s, (enum stmt_id)id, "t", tenant);
	return r;
}

int store_forget_tenant(struct store *s, const char *tenant)
{
	int r = write_begin(s);

	if (r < 0)
		return r;
	return write_end(s, forget_tenant(s, tenant));
}

int store_set_held(struct store *s, const char *tenant, int64_t since)
{
	return exec(s, ST_HELD_PUT, "ti", tenant, since);
}

int store_clear_held(struct store *s, const char *tenant)
{
	return exec(s, ST_FORGET_HELD, "t", tenant);
}

/* An operator's approval is committed before the control socket answers it. */
int store_set_approved(struct store *s, const char *tenant, int64_t at)
{
	int r = write_begin(s);

	if (r == 0)
		r = exec(s, ST_FORGET_HELD, "t", tenant);
	if (r == 0)
		r = exec(s, ST_APPROVED_PUT, "ti", tenant, at);
	return commit_now(s, write_end(s, r));
}

int store_clear_approved(struct store *s, const char *tenant)
{
	return commit_now(s, exec(s, ST_FORGET_APPROVED, "t", tenant));
}

static int load_ids(struct store *s, const char *sql, struct hashmap *ids)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store__fail(s, "load");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		hashmap_put(ids, store__col(st, 0), (void *)1);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store__fail(s, "load");
}

int store_load_held(struct store *s, struct hashmap *held)
{
	return load_ids(s, "SELECT tenant FROM held", held);
}

int store_load_approved(struct store *s, struct hashmap *approved)
{
	return load_ids(s, "SELECT tenant FROM approved", approved);
}

/* Committed with synchronous=FULL, like an intent: a pause lost to a power cut would
 * let the daemon resume what an operator stopped. */
int store_put_paused(struct store *s, bool paused)
{
	int r = store_commit(s); /* the pragma is refused inside a transaction */

	if (r < 0)
		return r;
	if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK)
		return fail_write(s, "write");
	r = commit_now(s, paused ? exec(s, ST_PAUSED_PUT, "") : exec(s, ST_PAUSED_CLEAR, ""));
	if (sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK && r == 0)
		r = fail_write(s, "write");
	return r;
}

int store_get_paused(struct store *s, bool *ret)
{
	char *v = NULL;
	int r = store_get_meta(s, "paused", &v);

	if (r == 0)
		*ret = v != NULL;
	free(v);
	return r;
}

unsigned long store_failed_writes(const struct store *s)
{
	return s->failed_writes;
}

static int put_record(struct store *s, const struct tenant_record *rec)
{
	struct record_fact f;
	int r = 0;

	if (rec->known)
		r = exec(s, ST_TENANT_PUT, "tt", rec->tenant, deletion_policy_name(rec->deletion_policy));
	for (size_t i = 0; r == 0 && i < rec->n_intents; i++) {
		const struct create_intent *in = &rec->intents[i];
		char token[CREATE_INTENT_TOKEN_BUF];

		r = exec(s, ST_INTENT_PUT, "tttti", rec->tenant, create_intent_key(in), create_intent_name(in),
			 create_intent_token(in, token), (int64_t)in->since);
	}
	for (size_t i = 0; r == 0 && i < rec->n_timers; i++)
		r = store_put_timer(s, rec->tenant, &rec->timers[i]);
	for (size_t i = 0; r == 0 && i < rec->n_applied; i++)
		r = put_applied(s, rec->tenant, rec->applied[i].resource, rec->applied[i].keys,
				applied_tags_n_keys(&rec->applied[i]));
	for (size_t at = 0; r == 0 && record_fact_next(rec, &at, &f);) {
		char *key = record_fact_key(&f); /* the row's key is the whole text, as ever */
		r = store_put_fact(s, rec->tenant, key, f.value);
		free(key);
	}
	return r;
}

/* One transaction: everything the caller remembers replaces what the store holds, so
 * that the writes that failed meanwhile are made, in whatever order they failed. */
int store_rewrite(struct store *s, const struct store_snapshot *snap)
{
	static const char *const tables[] = { "tenants", "intents",  "timers", "applied_tags",
					      "held",	 "approved", "facts" };
	bool grouping = s->grouping;
	int r;

	/* its own transaction: what the group held is replaced anyway */
	(void)store_commit(s);
	s->grouping = false;
	r = begin(s);
	for (size_t i = 0; r == 0 && i < sizeof(tables) / sizeof(tables[0]); i++) {
		char *sql = xasprintf("DELETE FROM %s", tables[i]);
		r = exec_once(s, sql);
		free(sql);
	}
	for (size_t i = 0; r == 0 && i < snap->n_records; i++)
		r = put_record(s, snap->records[i]);
	for (size_t i = 0; r == 0 && i < snap->n_gate; i++)
		r = snap->gate[i].mark == PRUNE_HELD ? store_set_held(s, snap->gate[i].tenant, snap->now)
		    : snap->gate[i].mark == PRUNE_APPROVED
			    ? exec(s, ST_APPROVED_PUT, "ti", snap->gate[i].tenant, snap->now)
			    : 0;
	if (r == 0)
		r = snap->paused ? exec(s, ST_PAUSED_PUT, "") : exec(s, ST_PAUSED_CLEAR, "");
	r = end_transaction(s, r);
	s->grouping = grouping;
	if (r == 0)
		s->failed_writes = 0;
	return r;
}

int store_reclaim_wal(struct store *s)
{
	int rc;

	(void)store_commit(s); /* a failure counts in store_failed_writes */
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return rc == SQLITE_OK ? 0 : store__fail(s, "checkpoint");
}

int store_put_meta(struct store *s, const char *key, const char *value)
{
	return exec(s, ST_META_PUT, "tt", key, value);
}

int store_get_meta(struct store *s, const char *key, char **ret)
{
	sqlite3_stmt *st = statement(s, ST_META_GET);
	int rc;

	*ret = NULL;
	if (!st)
		return store__fail(s, "read meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = xstrdup(store__col(st, 0));
	statement_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store__fail(s, "read meta");
}

/* ---- history ---- */

void store_set_history_limits(struct store *s, size_t per_tenant, size_t total)
{
	s->history_per_tenant = per_tenant ? (int64_t)per_tenant : 1;
	s->history_total = total ? (int64_t)total : 1;
}

/* Not fail_write: a lost history entry does not make the records incomplete. */
static int history_exec(struct store *s, enum stmt_id id, const char *types, ...)
{
	va_list ap;
	bool prepared, ok;

	va_start(ap, types);
	ok = run_statement(s, id, types, ap, &prepared);
	va_end(ap);
	return ok ? 0 : store__fail(s, "history");
}

int store_add_history(struct store *s, const char *tenant, int64_t at, const char *kind, const char *text,
		      const char *detail)
{
	int r;

	if (s->grouping) {
		r = group_enter(s, false);
		if (r < 0)
			return r;
	} else if (!step_plain(s, ST_BEGIN)) {
		return store__fail(s, "history");
	}
	/* a NULL text binds NULL */
	r = history_exec(s, ST_HISTORY_ADD, "tittt", tenant, at, kind, text, detail);
	if (r == 0)
		r = history_exec(s, ST_HISTORY_TRIM_TENANT, "ti", tenant, s->history_per_tenant);
	if (r == 0)
		r = history_exec(s, ST_HISTORY_TRIM_TOTAL, "i", s->history_total);
	if (s->grouping) {
		if (r < 0)
			group_check(s);
		return r;
	}
	if (r == 0 && !step_plain(s, ST_COMMIT))
		r = store__fail(s, "history commit");
	if (r < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int store_load_history(struct store *s, const char *tenant, size_t limit, struct store_history_entry **ret,
		       size_t *ret_n)
{
	struct store_history_entry *v = NULL;
	sqlite3_stmt *st = statement(s, tenant ? ST_HISTORY_OF_TENANT : ST_HISTORY_ALL);
	size_t n = 0;
	int rc, i = 1;

	*ret = NULL;
	*ret_n = 0;
	if (!st)
		return store__fail(s, "load history");
	if (tenant)
		sqlite3_bind_text(st, i++, tenant, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, i, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_history_entry *h;
		if (n == limit)
			break;
		v = xreallocarray(v, n + 1, sizeof(*v));
		h = &v[n++];
		h->id = sqlite3_column_int64(st, 0);
		h->tenant = xstrdup(store__col(st, 1));
		h->at = sqlite3_column_int64(st, 2);
		h->kind = xstrdup(store__col(st, 3));
		h->text = xstrdup(store__col(st, 4));
		h->detail = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : xstrdup(store__col(st, 5));
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_history_free(v, n);
		rc = store__fail(s, "load history");
		statement_done(st);
		return rc;
	}
	statement_done(st);
	*ret = v;
	*ret_n = n;
	return 0;
}

void store_history_free(struct store_history_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].tenant);
		free(v[i].kind);
		free(v[i].text);
		free(v[i].detail);
	}
	free(v);
}
