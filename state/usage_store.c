#include "usage_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlite_open.h"
#include "xalloc.h"

#define USAGE_SCHEMA_VERSION 1

struct usage_store {
	sqlite3 *db;
	char *error;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS usage (day INTEGER NOT NULL, tenant TEXT NOT NULL, profile TEXT NOT NULL,"
	" model TEXT NOT NULL, requests INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,"
	" cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, cost REAL NOT NULL,"
	" PRIMARY KEY (day, tenant, profile, model));"
	"CREATE INDEX IF NOT EXISTS usage_tenant ON usage (tenant, day);"
	"CREATE TABLE IF NOT EXISTS cursors (place TEXT PRIMARY KEY, last_key TEXT NOT NULL,"
	" objects INTEGER NOT NULL, records INTEGER NOT NULL, malformed INTEGER NOT NULL);";

static int fail(struct usage_store *s, const char *what)
{
	free(s->error);
	s->error = xasprintf("%s: %s", what, sqlite3_errmsg(s->db));
	return sqlite_errno(s->db, sqlite3_extended_errcode(s->db));
}

const char *usage_store_error(const struct usage_store *s)
{
	return s && s->error ? s->error : "no error";
}

static int migrate(struct usage_store *s)
{
	sqlite3_stmt *st = NULL;
	int version = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return fail(s, "schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > USAGE_SCHEMA_VERSION) {
		free(s->error);
		s->error = xasprintf("usage schema version %d was written by a newer bedrock-tenantd", version);
		return -EPROTONOSUPPORT;
	}
	if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "schema");
	if (sqlite3_exec(s->db, "PRAGMA user_version = 1", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "schema version");
	return 0;
}

int usage_store_open(const char *path, struct usage_store **ret, char **ret_error)
{
	struct usage_store *s = xcalloc(1, sizeof(*s));
	int r;

	r = sqlite_open_store(path, &s->db, &s->error);
	if (r < 0)
		goto fail;
	r = migrate(s);
	if (r < 0)
		goto fail;
	/* opened at the start, before the loop runs, with SQLITE_OPEN_BUSY_MS; from here
	 * on, on the loop, a lock held elsewhere is waited for only a moment */
	sqlite3_busy_timeout(s->db, USAGE_STORE_BUSY_MS);
	*ret = s;
	return 0;
fail:
	if (ret_error)
		*ret_error = xasprintf("%s: %s", path, s->error ? s->error : "cannot open");
	usage_store_close(s);
	return r;
}

int usage_store_open_reader(const char *path, struct usage_store **ret, char **ret_error)
{
	struct usage_store *s = xcalloc(1, sizeof(*s));
	int r;

	r = sqlite_open_reader(path, &s->db, &s->error);
	if (r < 0) {
		if (ret_error)
			*ret_error = xasprintf("%s: %s", path, s->error ? s->error : "cannot open");
		usage_store_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

void usage_store_interrupt(struct usage_store *s)
{
	sqlite3_interrupt(s->db);
}

void usage_store_close(struct usage_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s->error);
	free(s);
}

int usage_store_cursor(struct usage_store *s, const char *place, char **ret)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*ret = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT last_key FROM cursors WHERE place = ?", -1, &st, NULL) != SQLITE_OK)
		return fail(s, "cursor");
	sqlite3_bind_text(st, 1, place, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "cursor");
	return 0;
}

/* the cursors under an earlier name of ?1's location: ending in ?2, no space before it */
#define OLD_NAMES                                                                                                      \
	"place <> ?1 AND length(place) > length(?2) AND substr(place, -length(?2)) = ?2"                               \
	" AND instr(substr(place, 1, length(place) - length(?2)), ' ') = 0"

static int take_over(struct usage_store *s, const char *place, const char *old_suffix)
{
	static const char *const sql[] = {
		"INSERT INTO cursors SELECT ?1, MAX(last_key), SUM(objects), SUM(records), SUM(malformed) FROM cursors"
		" WHERE " OLD_NAMES " HAVING COUNT(*) > 0",
		"DELETE FROM cursors WHERE " OLD_NAMES,
	};
	int r = 0;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "cursor");
	for (size_t i = 0; i < 2 && r == 0; i++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK) {
			r = fail(s, "cursor");
			break;
		}
		sqlite3_bind_text(st, 1, place, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, old_suffix, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = fail(s, "cursor");
		sqlite3_finalize(st);
	}
	if (r == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = fail(s, "cursor");
	if (r < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int usage_store_cursor_take(struct usage_store *s, const char *place, const char *old_suffix, char **ret)
{
	int r = usage_store_cursor(s, place, ret);

	if (r < 0 || *ret)
		return r;
	r = take_over(s, place, old_suffix);
	if (r < 0)
		return r;
	return usage_store_cursor(s, place, ret);
}

/* A row's count plus the new one, stopping at USAGE_COUNT_MAX as the aggregates do
 * (each below it, their sum does not overflow). */
#define ADD(col)   #col " = MIN(" #col " + excluded." #col ", 9007199254740992), "
#define ADD_COUNTS ADD(requests) ADD(input) ADD(output) ADD(cache_read) ADD(cache_write)

static int add_rows(struct usage_store *s, const struct usage_agg *a)
{
	static const char sql[] =
		"INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, tenant, profile, model) DO "
		"UPDATE SET " ADD_COUNTS "cost = cost + excluded.cost";
	sqlite3_stmt *st = NULL;
	size_t pos = 0;
	const char *key;
	void *v;
	int r = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "usage");
	while (hashmap_next(&a->map, &pos, &key, &v)) {
		const struct usage_row *row = v;
		sqlite3_bind_int(st, 1, row->day);
		sqlite3_bind_text(st, 2, row->tenant, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, row->profile, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, row->model, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)row->c.requests);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)row->c.input);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)row->c.output);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)row->c.cache_read);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)row->c.cache_write);
		sqlite3_bind_double(st, 10, row->c.cost);
		if (sqlite3_step(st) != SQLITE_DONE) {
			r = fail(s, "usage");
			break;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r;
}

static int set_cursor(struct usage_store *s, const char *place, const char *key, uint64_t records, uint64_t malformed)
{
	static const char sql[] = "INSERT INTO cursors VALUES (?, ?, 1, ?, ?) ON CONFLICT (place) DO UPDATE SET"
				  " last_key = excluded.last_key, objects = objects + 1,"
				  " records = records + excluded.records, malformed = malformed + excluded.malformed";
	sqlite3_stmt *st = NULL;
	int r = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "cursor");
	sqlite3_bind_text(st, 1, place, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)records);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)malformed);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = fail(s, "cursor");
	sqlite3_finalize(st);
	return r;
}

int usage_store_commit(struct usage_store *s, const char *place, const char *key, const struct usage_agg *a,
		       uint64_t records, uint64_t malformed)
{
	int r;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "begin");
	r = add_rows(s, a);
	if (r == 0)
		r = set_cursor(s, place, key, records, malformed);
	if (r == 0 && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		r = fail(s, "commit");
	if (r < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

int usage_store_prune(struct usage_store *s, int32_t before)
{
	sqlite3_stmt *st = NULL;
	int r = 0;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM usage WHERE day < ?", -1, &st, NULL) != SQLITE_OK)
		return fail(s, "prune");
	sqlite3_bind_int(st, 1, before);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = fail(s, "prune");
	sqlite3_finalize(st);
	return r;
}

void usage_sums_release(struct usage_sums *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].tenant);
		free(s->items[i].profile);
		free(s->items[i].model);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}

/* TOTAL, not SUM: SQLite's SUM of integers fails the whole query past 2^63, TOTAL
 * adds as doubles (exact below 2^53, where every count stops) */
#define SUMS "TOTAL(requests), TOTAL(input), TOTAL(output), TOTAL(cache_read), TOTAL(cache_write), TOTAL(cost)"

static uint64_t count_at(sqlite3_stmt *st, int i)
{
	double d = sqlite3_column_double(st, i);

	return d > 0 ? d < (double)USAGE_COUNT_MAX ? (uint64_t)d : USAGE_COUNT_MAX : 0;
}

static void read_counts(sqlite3_stmt *st, int first, struct usage_counts *c)
{
	c->requests = count_at(st, first);
	c->input = count_at(st, first + 1);
	c->output = count_at(st, first + 2);
	c->cache_read = count_at(st, first + 3);
	c->cache_write = count_at(st, first + 4);
	c->cost = sqlite3_column_double(st, first + 5);
}

static char *text_or_null(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

/* Runs sql (bound: ?1 text, ?2 since, ?3 until, ?4 limit) and collects rows whose
 * columns are: tenant, profile, model, day, then the sums. */
static int query(struct usage_store *s, const char *sql, const char *text, int32_t since, int32_t until, int64_t limit,
		 struct usage_sums *ret)
{
	struct usage_sums out = { 0 };
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "query");
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, since);
	sqlite3_bind_int(st, 3, until);
	sqlite3_bind_int64(st, 4, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct usage_sum *u;
		if (out.n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			out.items = xreallocarray(out.items, alloc, sizeof(*out.items));
		}
		u = &out.items[out.n++];
		memset(u, 0, sizeof(*u));
		u->tenant = text_or_null(st, 0);
		u->profile = text_or_null(st, 1);
		u->model = text_or_null(st, 2);
		u->day = sqlite3_column_int(st, 3);
		read_counts(st, 4, &u->c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		usage_sums_release(&out);
		return fail(s, "query");
	}
	*ret = out;
	return 0;
}

int usage_store_tenant(struct usage_store *s, const char *tenant, int32_t since, int32_t until,
		       struct usage_sums *ret_by_profile, struct usage_sums *ret_by_day)
{
	struct usage_sums a = { 0 }, b = { 0 };
	int r;

	r = query(s,
		  "SELECT tenant, profile, model, 0, " SUMS " FROM usage WHERE tenant = ?1 AND day BETWEEN ?2 AND ?3"
		  " AND ?4 = ?4 GROUP BY profile, model ORDER BY TOTAL(cost) DESC, profile, model",
		  tenant, since, until, 0, &a);
	if (r == 0)
		r = query(s,
			  "SELECT tenant, NULL, NULL, day, " SUMS " FROM usage WHERE tenant = ?1 AND day BETWEEN ?2"
			  " AND ?3 AND ?4 = ?4 GROUP BY day ORDER BY day",
			  tenant, since, until, 0, &b);
	if (r < 0) {
		usage_sums_release(&a);
		usage_sums_release(&b);
		return r;
	}
	*ret_by_profile = a;
	*ret_by_day = b;
	return 0;
}

int usage_store_ranking(struct usage_store *s, int32_t since, int32_t until, size_t limit, struct usage_sums *ret,
			struct usage_counts *ret_total, struct usage_counts *ret_unattributed, size_t *ret_tenants)
{
	struct usage_sums top = { 0 }, tot = { 0 };
	int r;

	r = query(s,
		  "SELECT tenant, NULL, NULL, 0, " SUMS " FROM usage WHERE tenant <> '' AND ?1 IS NULL AND day BETWEEN"
		  " ?2 AND ?3 GROUP BY tenant ORDER BY TOTAL(cost) DESC, TOTAL(input) + TOTAL(output) DESC, tenant "
		  "LIMIT ?4",
		  NULL, since, until, (int64_t)limit, &top);
	if (r == 0)
		r = query(s,
			  "SELECT tenant = '', COUNT(DISTINCT tenant), NULL, 0, " SUMS " FROM usage WHERE ?1 IS NULL"
			  " AND day BETWEEN ?2 AND ?3 AND ?4 = ?4 GROUP BY tenant = ''",
			  NULL, since, until, 0, &tot);
	if (r < 0) {
		usage_sums_release(&top);
		return r;
	}
	memset(ret_total, 0, sizeof(*ret_total));
	memset(ret_unattributed, 0, sizeof(*ret_unattributed));
	*ret_tenants = 0;
	for (size_t i = 0; i < tot.n; i++) {
		const struct usage_counts *c = &tot.items[i].c;
		bool unattributed = tot.items[i].tenant && !strcmp(tot.items[i].tenant, "1");
		if (unattributed)
			*ret_unattributed = *c;
		else
			*ret_tenants = tot.items[i].profile ? strtoull(tot.items[i].profile, NULL, 10) : 0;
		usage_counts_add(ret_total, c);
	}
	usage_sums_release(&tot);
	*ret = top;
	return 0;
}

int usage_store_places(struct usage_store *s, struct usage_place_stats **ret, size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	struct usage_place_stats *v = NULL;
	size_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT place, last_key, objects, records, malformed FROM cursors ORDER BY place",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "places");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].place = text_or_null(st, 0);
		v[n].cursor = text_or_null(st, 1);
		v[n].objects = (uint64_t)sqlite3_column_int64(st, 2);
		v[n].records = (uint64_t)sqlite3_column_int64(st, 3);
		v[n].malformed = (uint64_t)sqlite3_column_int64(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		usage_place_stats_free(v, n);
		return fail(s, "places");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void usage_place_stats_free(struct usage_place_stats *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].place);
		free(p[i].cursor);
	}
	free(p);
}
