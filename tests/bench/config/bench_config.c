/* bench_config: how long parsing and validating a large manifest directory takes, and
 * how much memory the resulting model holds.
 *
 *   bench_config [N]                 generate N tenants (default 100000) in a temporary
 *                                    directory, measure, remove it
 *   bench_config generate DIR N      only write DIR/config.yaml and DIR/tenants/
 *   bench_config parse DIR           only measure (e.g. after dropping the page cache)
 *
 * The measured step is what the daemon does at startup: read the configuration, read
 * and check every manifest (manifest_dir_read), keep the scan in the manifest cache,
 * and apply it to an empty desired store. Reported: wall time of each step, CPU time,
 * the peak resident set size of the process (getrusage), which includes the whole
 * model of N tenants, and the heap (mallinfo2) a tenant takes in the desired model
 * with the store's entries (the interned strings it made among them) and in the
 * manifest cache. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon_config.h"
#include "desired.h"
#include "bench_tenants.h"
#include "diag.h"
#include "intern.h"
#include "manifest_cache.h"
#include "manifest_dir.h"
#include "xalloc.h"

#define PER_DIR 1000

static const char config_text[] =
	"manifests: tenants\n"
	"region: us-east-1\n"
	"accounts:\n"
	"  prod: {id: \"111122223333\"}\n"
	"  research: {id: \"444455556666\", role_arn: \"arn:aws:iam::444455556666:role/bedrock-tenantd\"}\n"
	"policy:\n"
	"  allowed_models: [\"anthropic.*\", \"us.anthropic.*\", \"amazon.nova-*\", \"meta.llama3-1-*\"]\n"
	"  departments: [claims, engineering, marketing, research]\n"
	"  required_tags: [CostCenter]\n"
	"  max_budget_usd: 50000\n";

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void generate(const char *dir, size_t n)
{
	struct strbuf sb;
	char *path;
	size_t bytes = 0;

	mkdir(dir, 0755);
	path = xasprintf("%s/config.yaml", dir);
	write_file(path, config_text, sizeof(config_text) - 1);
	free(path);
	path = xasprintf("%s/tenants", dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	free(path);
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < n; i++) {
		if (i % PER_DIR == 0) {
			path = xasprintf("%s/tenants/group-%03zu", dir, i / PER_DIR);
			mkdir(path, 0755);
			free(path);
		}
		strbuf_reset(&sb);
		bench_tenant_manifest(&sb, i, i % 5 ? "prod" : "research", false);
		bytes += sb.len;
		path = xasprintf("%s/tenants/group-%03zu/tenant-%06zu.yaml", dir, i / PER_DIR, i);
		write_file(path, sb.buf, sb.len);
		free(path);
	}
	strbuf_release(&sb);
	printf("generated %zu tenants (%.1f MB of manifests) in %s\n", n, (double)bytes / 1e6, dir);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static int parse(const char *dir)
{
	struct daemon_config *cfg;
	struct desired_scan scan;
	struct desired_store store;
	struct desired_delta delta;
	struct manifest_cache cache;
	struct diag_list diags;
	struct rusage ru;
	char *path = xasprintf("%s/config.yaml", dir);
	double t0, t1, t2, c0;
	size_t files, tenants, h0, h1, h2, h3, s0, b0, s1, b1;

	diag_list_init(&diags);
	desired_store_init(&store);
	c0 = cpu_seconds();
	t0 = bench_clock(CLOCK_MONOTONIC);
	if (daemon_config_load(path, &cfg, &diags) < 0) {
		fprintf(stderr, "%s: bad configuration\n", path);
		return 1;
	}
	intern_stats(&s0, &b0);
	h0 = heap_in_use();
	manifest_dir_read(cfg, cfg->manifests, &scan, &diags);
	files = scan.n_files;
	tenants = desired_scan_tenants(&scan);
	t1 = bench_clock(CLOCK_MONOTONIC);
	h1 = heap_in_use();
	manifest_cache_init(&cache); /* as the daemon keeps a full scan, before applying it */
	manifest_cache_take_full(&cache, &scan, &diags);
	h2 = heap_in_use();
	desired_store_apply(&store, &scan, &delta);
	t2 = bench_clock(CLOCK_MONOTONIC);
	desired_delta_release(&delta);
	h3 = heap_in_use();
	intern_stats(&s1, &b1);
	getrusage(RUSAGE_SELF, &ru);
	printf("manifests: %zu, tenants: %zu, problems: %zu\n", files, tenants, diags.n);
	printf("parse+validate: %.3f s wall; store apply: %.3f s; total: %.3f s wall, %.3f s CPU\n", t1 - t0, t2 - t1,
	       t2 - t0, cpu_seconds() - c0);
	{
		struct mallinfo2 mi = mallinfo2();
		printf("heap in use: %.1f MB, heap total: %.1f MB, mmap: %.1f MB\n", (double)mi.uordblks / 1e6,
		       (double)mi.arena / 1e6, (double)mi.hblkhd / 1e6);
	}
	printf("peak RSS: %.1f MB (model of %zu tenants held)\n", (double)ru.ru_maxrss / 1024.0, store.n);
	if (tenants)
		printf("heap a tenant: desired model and store %zu B (interned strings %zu B), manifest cache %zu B\n",
		       (h3 - h0 - (h2 - h1)) / tenants, (b1 - b0) / tenants, (h2 - h1) / tenants);
	for (size_t i = 0; i < diags.n && i < 5; i++)
		printf("  %s:%u:%u: %s\n", diags.items[i].file, diags.items[i].line, diags.items[i].col,
		       diags.items[i].message);
	manifest_cache_release(&cache);
	desired_store_release(&store);
	diag_list_release(&diags);
	daemon_config_free(cfg);
	free(path);
	return tenants == files && files ? 0 : 1;
}

static int remove_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int r = system(cmd);

	free(cmd);
	return r;
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/bench-config-XXXXXX";
	size_t n = 100000;
	int r;

	if (argc == 4 && !strcmp(argv[1], "generate")) {
		generate(argv[2], strtoul(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "parse"))
		return parse(argv[2]);
	if (argc == 2)
		n = strtoul(argv[1], NULL, 10);
	else if (argc > 2) {
		fprintf(stderr, "usage: bench_config [N] | generate DIR N | parse DIR\n");
		return 2;
	}
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	}
	generate(tmpl, n);
	r = parse(tmpl);
	remove_tree(tmpl);
	return r;
}
