/* bench_store: the CPU time of the state store's writes in the shape of the loop's
 * turns while converging (docs/PERFORMANCE.md, "The loop's turns while converging"):
 * each turn 8 tenants' reconciles answered, each writing a history entry and its
 * profile's applied tags (3 keys at the first write of a tenant, one more at the
 * second), every other one a fact; the turn's writes grouped into one commit; the
 * write-ahead log checkpointed on the side every 1,000 pages, as the daemon does.
 *
 *     bench_store [--turns N] [--dir DIR]
 *
 * Prints the process's CPU time (user + system) per turn and the log's pages written
 * per commit.
 *
 *     bench_store --load N [--dir DIR]
 *
 * The start's load instead (store_load, docs/operations.md "A store edited by hand"):
 * a store of N converged tenants, 5 facts each (place, account, revision, two policy
 * facts) and 4 resources with 4 applied keys each, each table's rows written by kind
 * (a tenant's rows scattered through it, as months of writes leave them), loaded five
 * times: the wall-clock and CPU time of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>
#include <time.h>

#include "hashmap.h"
#include "record.h"
#include "store.h"
#include "xalloc.h"

#define TENANTS 20000

struct wal_tally {
	const char *path;
	unsigned long long pages, commits;
	unsigned last;
};

static void on_wal(void *data, unsigned frames)
{
	struct wal_tally *w = data;

	w->pages += frames >= w->last ? frames - w->last : frames;
	w->last = frames;
	w->commits++;
	if (frames > 1000)
		(void)store_checkpoint_file(w->path, false);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void free_record(void *r)
{
	tenant_record_free(r);
}

static const char load_shape[] =
	"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %ld - 1),"
	" k(j) AS (VALUES (0), (1), (2), (3), (4))"
	" INSERT INTO facts SELECT printf('tenant-%%06d', i),"
	" CASE j WHEN 0 THEN 'place' WHEN 1 THEN 'account' WHEN 2 THEN 'reconciled-revision'"
	" ELSE 'policy' || char(10) || 'role-' || i || '-' || j || char(10) || 'bedrock-tenantd-tenant-' || i END,"
	" CASE j WHEN 0 THEN 'prod-' || (i %% 63) || '/us-east-1' WHEN 1 THEN '1111222233' || (i %% 63)"
	" WHEN 2 THEN 'abcdef0123456789' ELSE printf('%%032x %%032x', i * 7 + j, i) END"
	" FROM k, n ORDER BY j, i;"
	"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %ld - 1),"
	" r(j) AS (VALUES (0), (1), (2), (3)),"
	" t(key) AS (VALUES ('CostCenter'), ('Project'), ('app'), ('Department'))"
	" INSERT INTO applied_tags SELECT printf('tenant-%%06d', i),"
	" 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/' || printf('%%012x', i * 4 + j), key"
	" FROM r, n, t ORDER BY j, i;"
	"INSERT INTO tenants SELECT DISTINCT tenant, 'delete' FROM facts;";

/* bench_store --load N: the store of N tenants made at path, then loaded five times. */
static int bench_load(const char *path, long tenants)
{
	struct store *s;
	sqlite3 *db;
	char *sql = xasprintf(load_shape, tenants, tenants);

	if (sqlite3_open(path, &db) != SQLITE_OK || store_open(path, &s, NULL) < 0 ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_store: cannot make %s: %s\n", path, sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_close(db);
	free(sql);
	for (int run = 0; run < 5; run++) {
		struct hashmap records;
		double w0 = wall_seconds(), c0 = cpu_seconds();
		hashmap_init(&records);
		if (store_load(s, &records) < 0) {
			fprintf(stderr, "bench_store: the load failed\n");
			return 1;
		}
		printf("load of %ld tenants: %.3f s (%.3f s of CPU), %zu records\n", tenants, wall_seconds() - w0,
		       cpu_seconds() - c0, records.n);
		hashmap_release(&records, free_record);
	}
	store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	char *keys[] = { "CostCenter", "Project", "app", "bedrock-tenantd:managed-by" };
	char tmpl[] = "/tmp/bench-store-XXXXXX";
	const char *dir = NULL;
	struct wal_tally w = { 0 };
	struct store *s;
	char *path, *cmd;
	long turns = 5000, load = 0;
	double t0, spent;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--turns") == 0 && i + 1 < argc)
			turns = atol(argv[++i]);
		else if (strcmp(argv[i], "--load") == 0 && i + 1 < argc)
			load = atol(argv[++i]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_store [--turns N | --load N] [--dir DIR]\n");
			return 2;
		}
	}
	if (!dir && !(dir = mkdtemp(tmpl))) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/state.db", dir);
	if (load > 0) {
		int r = bench_load(path, load);
		cmd = xasprintf("rm -rf '%s'", dir);
		if (dir == tmpl && system(cmd) != 0)
			fprintf(stderr, "bench_store: %s left behind\n", dir);
		free(cmd);
		free(path);
		return r;
	}
	if (store_open(path, &s, NULL) < 0) {
		fprintf(stderr, "bench_store: cannot open %s\n", path);
		return 1;
	}
	w.path = path;
	store_defer_checkpoints(s, on_wal, &w);
	store_group_writes(s, true);
	t0 = cpu_seconds();
	for (long t = 0; t < turns; t++) {
		for (long j = 0; j < 8; j++) {
			long n = t * 8 + j, i = n % TENANTS;
			char tenant[32], res[128];
			snprintf(tenant, sizeof(tenant), "tenant-%06ld", i);
			snprintf(res, sizeof(res),
				 "arn:aws:bedrock:us-east-1:500000000001:application-inference-profile/%06ld", i);
			(void)store_add_history(s, tenant, t, "action", "create-parameter /bedrock-tenants/x: + value",
						"{\"request_id\":\"x\"}");
			if (j % 2 == 0)
				(void)store_put_fact(s, tenant, "revision", "0123456789abcdef");
			(void)store_put_applied(s, tenant, res, keys, 3 + (size_t)(n / TENANTS % 2));
		}
		(void)store_commit(s);
	}
	spent = cpu_seconds() - t0;
	printf("%ld turns: %.1f us of CPU a turn (%.3f s), %.1f pages of the log a commit\n", turns,
	       spent / (double)turns * 1e6, spent, w.commits ? (double)w.pages / (double)w.commits : 0.0);
	store_close(s);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (dir == tmpl && system(cmd) != 0)
		fprintf(stderr, "bench_store: %s left behind\n", dir);
	free(cmd);
	free(path);
	return 0;
}
