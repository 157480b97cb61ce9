/* The one SQLite open of the state store and the usage store (state/sqlite_open.c):
 * the settings each database gets, and the same -errno and message from both stores
 * for a file that is not a database or a directory that is missing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sqlite_open.h"
#include "store.h"
#include "usage_store.h"
#include "xalloc.h"

static char dir[] = "/tmp/btd-sqlite-XXXXXX";

static int pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_settings(void **state)
{
	char *path = xasprintf("%s/a.db", dir), *err = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	(void)state;
	assert_int_equal(sqlite_open_store(path, &db, &err), 0);
	assert_null(err);
	assert_int_equal(pragma_int(db, "PRAGMA busy_timeout"), SQLITE_OPEN_BUSY_MS);
	assert_int_equal(pragma_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
}

/* Both stores fail alike through the one open. */
static void test_errors(void **state)
{
	char *garbage = xasprintf("%s/garbage.db", dir), *missing = xasprintf("%s/no/such/dir/x.db", dir);
	char *err = NULL, *err2 = NULL, *text = xcalloc(1, 4096);
	struct store *s = NULL;
	struct usage_store *u = NULL;
	sqlite3 *db = NULL;
	FILE *f;

	(void)state;
	memset(text, 'x', 4095);
	f = fopen(garbage, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(sqlite_open_store(garbage, &db, &err), -EUCLEAN);
	assert_null(db);
	assert_string_equal(err, "open: file is not a database");
	free(err);
	assert_int_equal(store_open(garbage, &s, &err), -EUCLEAN);
	assert_int_equal(usage_store_open(garbage, &u, &err2), -EUCLEAN);
	assert_non_null(strstr(err, "garbage.db: open: file is not a database"));
	assert_string_equal(err, err2);
	free(err);
	free(err2);

	assert_int_equal(sqlite_open_store(missing, &db, &err), -EIO); /* SQLITE_CANTOPEN */
	assert_non_null(strstr(err, "open: unable to open database file"));
	free(err);
	assert_int_equal(store_open(missing, &s, &err), -EIO);
	assert_int_equal(usage_store_open(missing, &u, &err2), -EIO);
	assert_string_equal(err, err2);
	free(err);
	free(err2);
	unlink(garbage);
	free(garbage);
	free(missing);
	free(text);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	int r;

	(void)state;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
