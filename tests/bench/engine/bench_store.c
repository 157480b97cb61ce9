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
 * per commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
	char *keys[] = { "CostCenter", "Project", "app", "bedrock-tenantd:managed-by" };
	char tmpl[] = "/tmp/bench-store-XXXXXX";
	const char *dir = NULL;
	struct wal_tally w = { 0 };
	struct store *s;
	char *path, *cmd;
	long turns = 5000;
	double t0, spent;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--turns") == 0 && i + 1 < argc)
			turns = atol(argv[++i]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_store [--turns N] [--dir DIR]\n");
			return 2;
		}
	}
	if (!dir && !(dir = mkdtemp(tmpl))) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/state.db", dir);
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
