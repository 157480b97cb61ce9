/* The manifest cache: problems reported once when they appear and once when
 * they go, duplicate ids found between full scans and ended by a change, files
 * read on their own held to the manifest directory like a full scan, and reads that
 * failed for want of file descriptors asking to be made again. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon_config.h"
#include "desired.h"
#include "manifest_dir.h"
#include "manifest_cache.h"
#include "strbuf.h"
#include "xalloc.h"

#define TENANT_FMT                                                                                                     \
	"apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n  region: us-east-1\n"            \
	"  tags: {CostCenter: c}\n  profiles: [{name: p, model: amazon.nova-lite-v1:0}]\n"

struct fixture {
	char dir[64], out[64];
	struct daemon_config *cfg;
	struct manifest_cache cache;
	char added[8][512], gone[8][512];
	size_t n_added, n_gone;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void put_tenant(const char *dir, const char *name, const char *id)
{
	char *text = xasprintf(TENANT_FMT, id);

	write_file(dir, name, text);
	free(text);
}

static char *path_of(const struct fixture *fx, const char *name)
{
	return xasprintf("%s/%s", fx->dir, name);
}

/* Re-read the named files as a change would. */
static bool change(struct fixture *fx, const char *a, const char *b)
{
	char *paths[2] = { path_of(fx, a), b ? path_of(fx, b) : NULL };
	bool r = manifest_cache_update(&fx->cache, fx->cfg, fx->dir, (const char *const *)paths, b ? 2 : 1);

	free(paths[0]);
	free(paths[1]);
	return r;
}

/* A full scan of the directory, taken by the cache as the daemon takes one. */
static void take_full_scan(struct fixture *fx)
{
	struct desired_scan scan;
	struct diag_list diags;

	diag_list_init(&diags);
	assert_int_equal(manifest_dir_read(fx->cfg, fx->dir, &scan, &diags), 0);
	manifest_cache_take_full(&fx->cache, &scan, &diags);
	desired_scan_release(&scan);
	diag_list_release(&diags);
}

static void on_report(const char *problem, bool added, void *data)
{
	struct fixture *fx = data;

	if (added) {
		assert_true(fx->n_added < 8);
		snprintf(fx->added[fx->n_added++], 512, "%s", problem);
	} else {
		assert_true(fx->n_gone < 8);
		snprintf(fx->gone[fx->n_gone++], 512, "%s", problem);
	}
}

static void report(struct fixture *fx)
{
	fx->n_added = fx->n_gone = 0;
	manifest_cache_report(&fx->cache, SIZE_MAX, on_report, fx, NULL);
}

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/btd-manifests-XXXXXX");
	strcpy(fx->out, "/tmp/btd-outside-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_non_null(mkdtemp(fx->out));
	fx->cfg = daemon_config_defaults();
	manifest_cache_init(&fx->cache);
	put_tenant(fx->dir, "a.yaml", "a");
	assert_true(change(fx, "a.yaml", NULL));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char *cmd = xasprintf("rm -rf '%s' '%s'", fx->dir, fx->out);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	manifest_cache_release(&fx->cache);
	daemon_config_free(fx->cfg);
	free(fx);
	return 0;
}

static void test_problem_reported_once(void **state)
{
	struct fixture *fx = *state;
	char *text = xasprintf(TENANT_FMT "  colour: blue\n", "b");

	report(fx);
	assert_int_equal(fx->n_added + fx->n_gone, 0);
	write_file(fx->dir, "b.yaml", text);
	free(text);
	assert_true(change(fx, "b.yaml", NULL));
	report(fx);
	assert_int_equal(fx->n_added, 1);
	assert_non_null(strstr(fx->added[0], "/b.yaml:9:3: spec: unknown key 'colour'"));
	/* read again, unchanged: nothing new */
	assert_true(change(fx, "b.yaml", "a.yaml"));
	report(fx);
	assert_int_equal(fx->n_added + fx->n_gone, 0);
	put_tenant(fx->dir, "b.yaml", "b");
	assert_true(change(fx, "b.yaml", NULL));
	report(fx);
	assert_int_equal(fx->n_added, 0);
	assert_int_equal(fx->n_gone, 1);
	assert_non_null(strstr(fx->gone[0], "/b.yaml:9:3:"));
	assert_int_equal(fx->cache.n_problems, 0);
}

/* A file whose spec holds n unknown keys: n problems. */
static void put_failing(const char *dir, const char *name, const char *id, int n)
{
	struct strbuf sb;
	char *text = xasprintf(TENANT_FMT, id);

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "%s", text);
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb, "  colour%d: blue\n", i);
	write_file(dir, name, sb.buf);
	strbuf_release(&sb);
	free(text);
}

/* Each problem is held once: the list for status and the set of problems reported
 * borrow the file's own strings, and a file's strings leave with the file once told
 * gone. */
static void test_problems_held_once(void **state)
{
	struct fixture *fx = *state;
	const char *first;
	size_t same = 0;

	put_failing(fx->dir, "b.yaml", "b", 5);
	assert_true(change(fx, "b.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 5);
	first = manifest_cache_id_problem(&fx->cache, "b");
	assert_non_null(first);
	for (size_t i = 0; i < fx->cache.n_problems; i++)
		same += fx->cache.problems[i] == first;
	assert_int_equal(same, 1);
	report(fx);
	assert_int_equal(fx->n_added, 5);
	assert_ptr_equal(hashmap_get(&fx->cache.reported, first), first);
	/* the file gone: its problems wait for the report that tells them gone */
	{
		char *p = path_of(fx, "b.yaml");
		assert_int_equal(unlink(p), 0);
		free(p);
	}
	assert_true(change(fx, "b.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 0);
	assert_int_equal(fx->cache.n_retired, 5);
	report(fx);
	assert_int_equal(fx->n_gone, 5);
	assert_int_equal(fx->cache.n_retired, 0);
	assert_int_equal(fx->cache.reported.n, 0);
	/* a problem mended before it was reported is freed at once */
	put_failing(fx->dir, "c.yaml", "c", 3);
	assert_true(change(fx, "c.yaml", NULL));
	put_tenant(fx->dir, "c.yaml", "c");
	assert_true(change(fx, "c.yaml", NULL));
	assert_int_equal(fx->cache.n_retired, 0);
	report(fx);
	assert_int_equal(fx->n_added + fx->n_gone, 0);
}

static size_t n_told[2];

static void count_report(const char *problem, bool added, void *data)
{
	(void)data;
	assert_non_null(strstr(problem, ": spec: unknown key 'colour"));
	n_told[added]++;
}

/* A report hands at most max problems new and max gone, and counts them all. */
static void test_report_capped(void **state)
{
	struct fixture *fx = *state;
	struct manifest_report r;
	char *paths[3];

	for (int i = 0; i < 3; i++) {
		char name[16], id[4] = { 'b', (char)('0' + i), 0 };
		snprintf(name, sizeof(name), "b%d.yaml", i);
		put_failing(fx->dir, name, id, 50);
		paths[i] = path_of(fx, name);
	}
	assert_true(manifest_cache_update(&fx->cache, fx->cfg, fx->dir, (const char *const *)paths, 3));
	assert_int_equal(fx->cache.n_problems, 150);
	n_told[0] = n_told[1] = 0;
	manifest_cache_report(&fx->cache, 100, count_report, NULL, &r);
	assert_int_equal(n_told[true], 100);
	assert_int_equal(n_told[false], 0);
	assert_int_equal(r.added, 150);
	assert_int_equal(r.gone, 0);
	/* the 50 untold are not told later: they were counted */
	put_failing(fx->dir, "b0.yaml", "b0", 50);
	assert_true(change(fx, "b0.yaml", NULL));
	manifest_cache_report(&fx->cache, 100, count_report, NULL, &r);
	assert_int_equal(r.added + r.gone, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(unlink(paths[i]), 0);
		free(paths[i]);
	}
	assert_true(change(fx, "b0.yaml", "b1.yaml"));
	assert_true(change(fx, "b2.yaml", NULL));
	n_told[0] = n_told[1] = 0;
	manifest_cache_report(&fx->cache, 100, count_report, NULL, &r);
	assert_int_equal(n_told[false], 100);
	assert_int_equal(n_told[true], 0);
	assert_int_equal(r.gone, 150);
	assert_int_equal(r.added, 0);
	assert_int_equal(fx->cache.n_retired, 0);
}

static void test_duplicate_between_full_scans(void **state)
{
	struct fixture *fx = *state;
	struct desired_scan scan;
	char *p;

	put_tenant(fx->dir, "a2.yaml", "a");
	assert_true(change(fx, "a2.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 2); /* both files */
	for (size_t i = 0; i < 2; i++)
		assert_non_null(strstr(fx->cache.problems[i], "tenant id 'a' is also declared in"));
	p = path_of(fx, "a2.yaml");
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_true(change(fx, "a2.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 0);

	/* a full scan fails both files; removing one ends the problem of the other */
	put_tenant(fx->dir, "a2.yaml", "a");
	take_full_scan(fx);
	assert_int_equal(fx->cache.n_problems, 2);
	p = path_of(fx, "a2.yaml");
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_true(change(fx, "a2.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 0);
	manifest_cache_scan(&fx->cache, &scan);
	assert_int_equal(scan.n_files, 1);
	assert_non_null(scan.files[0].tenant);
	desired_scan_release(&scan);
}

static void test_links_out_refused(void **state)
{
	struct fixture *fx = *state;
	char *target, *link;

	write_file(fx->out, "secret.yaml", "hunter2: yes\n");
	target = xasprintf("%s/secret.yaml", fx->out);
	link = path_of(fx, "leak.yaml");
	assert_int_equal(symlink(target, link), 0);
	assert_true(change(fx, "leak.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 1);
	assert_non_null(strstr(fx->cache.problems[0], "/leak.yaml: refused: a symbolic link to a file outside"));
	assert_null(strstr(fx->cache.problems[0], "hunter2"));
	free(target);
	free(link);
	/* a link inside is read */
	link = path_of(fx, "again.yml");
	assert_int_equal(symlink("a.yaml", link), 0);
	free(link);
	assert_true(change(fx, "again.yml", NULL));
	assert_int_equal(fx->cache.n_problems, 3); /* the refused link, and a declared twice */
}

/* The problems of directories, which only a full scan reads (a link to a directory
 * outside, a directory link in a loop), stay until the next full scan: a change of a
 * file used to drop them from the list, and report them gone while they were not.
 * A change that touches no problem does not gather the list again. */
static void test_directory_problems_kept(void **state)
{
	struct fixture *fx = *state;
	char *link = path_of(fx, "outside");
	char *loop = path_of(fx, "loop");

	assert_int_equal(symlink(fx->out, link), 0);
	assert_int_equal(symlink(".", loop), 0);
	take_full_scan(fx);
	assert_int_equal(fx->cache.n_problems, 2);
	report(fx);
	assert_int_equal(fx->n_added, 2);
	put_tenant(fx->dir, "a.yaml", "a");
	assert_true(change(fx, "a.yaml", NULL));
	assert_false(fx->cache.problems_changed);
	report(fx);
	assert_int_equal(fx->n_added + fx->n_gone, 0);
	assert_int_equal(fx->cache.n_problems, 2);
	put_tenant(fx->dir, "b.yaml", "b");
	assert_true(change(fx, "b.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 2);
	for (size_t i = 0; i < fx->cache.n_problems; i++)
		assert_true(
			strstr(fx->cache.problems[i], "/outside: refused: a symbolic link to a directory outside") ||
			strstr(fx->cache.problems[i], "/loop: symbolic link loop"));
	/* a file's problem comes and goes beside them */
	write_file(fx->dir, "c.yaml", "x: [\n");
	assert_true(change(fx, "c.yaml", NULL));
	report(fx);
	assert_int_equal(fx->n_added, 1);
	assert_int_equal(fx->n_gone, 0);
	assert_int_equal(fx->cache.n_problems, 3);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(loop), 0);
	take_full_scan(fx);
	report(fx);
	assert_int_equal(fx->n_gone, 2);
	assert_int_equal(fx->cache.n_problems, 1);
	free(link);
	free(loop);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The cache's problems, sorted, each cut after the id of a duplicate (the list of the
 * other files follows the map's order). */
static char **problems_sorted(const struct manifest_cache *c)
{
	char **v = xcalloc(c->n_problems + 1, sizeof(char *));

	for (size_t i = 0; i < c->n_problems; i++) {
		char *cut = strstr(c->problems[i], " is also declared in");
		v[i] = cut ? xstrndup(c->problems[i], (size_t)(cut - c->problems[i])) : xstrdup(c->problems[i]);
	}
	qsort(v, c->n_problems, sizeof(char *), cmp_strp);
	return v;
}

/* The cache keeps what it needs to find duplicates and problems as files come and go
 * (a change costs its files, not a walk of all): after many random changes, one file
 * at a time, its problems are those of a cache that read every file at once. */
static void test_incremental_like_reading_all(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "f0.yaml", "f1.yaml", "f2.yaml", "f3.yaml", "f4.yaml", "f5.yaml" };
	static const char *const ids[] = { "a", "b", "c" };
	uint64_t rng = 42;

	for (unsigned step = 0; step < 300; step++) {
		struct manifest_cache fresh;
		char *paths[7];
		char **want, **got;
		size_t n = 0;
		const char *name;
		unsigned r;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (unsigned)(rng >> 33);
		name = names[r % 6];
		switch ((r / 6) % 4) {
		case 0: {
			char *p = path_of(fx, name);
			unlink(p);
			free(p);
			break;
		}
		case 1: {
			char *text = xasprintf(TENANT_FMT "  colour: blue\n", ids[(r / 24) % 3]);
			write_file(fx->dir, name, text);
			free(text);
			break;
		}
		default:
			put_tenant(fx->dir, name, ids[(r / 24) % 3]);
			break;
		}
		assert_true(change(fx, name, NULL));

		manifest_cache_init(&fresh);
		paths[n++] = path_of(fx, "a.yaml");
		for (size_t i = 0; i < 6; i++) {
			char *p = path_of(fx, names[i]);
			if (access(p, F_OK) == 0)
				paths[n++] = p;
			else
				free(p);
		}
		assert_true(manifest_cache_update(&fresh, fx->cfg, fx->dir, (const char *const *)paths, n));
		assert_int_equal(fx->cache.n_problems, fresh.n_problems);
		want = problems_sorted(&fresh);
		got = problems_sorted(&fx->cache);
		for (size_t i = 0; i < fresh.n_problems; i++) {
			assert_string_equal(got[i], want[i]);
			free(got[i]);
			free(want[i]);
		}
		free(got);
		free(want);
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
		manifest_cache_release(&fresh);
	}
}

/* Two stores alike: the same entries, stale for the same reasons, changed at the same
 * revisions, with equal definitions from the same files. */
static void assert_stores_alike(const struct desired_store *a, const struct desired_store *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct desired_entry *x = &a->entries[i], *y = &b->entries[i];
		assert_string_equal(x->tenant->id, y->tenant->id);
		assert_int_equal(x->stale, y->stale);
		if (x->problem || y->problem) {
			assert_non_null(x->problem);
			assert_non_null(y->problem);
			assert_string_equal(x->problem, y->problem);
		}
		assert_int_equal(x->changed_revision, y->changed_revision);
		assert_true(tenant_equal(x->tenant, y->tenant));
		assert_string_equal(x->tenant->file, y->tenant->file);
	}
}

static void assert_ids_alike(char **a, size_t na, char **b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/* Every id of a (sorted) is in b (sorted). */
static void assert_ids_among(char **a, size_t na, char **b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		assert_non_null(bsearch(&a[i], b, nb, sizeof(char *), cmp_strp));
}

/* One random change of the file at name: gone, failing with its id known, not even
 * YAML (id unknown), or a tenant (one of a few ids, one of two definitions). */
static void random_change(struct fixture *fx, const char *name, unsigned r)
{
	static const char *const ids[] = { "a", "b", "c", "d" };
	const char *id = ids[(r / 6) % 4];
	char *text = NULL;

	switch (r % 6) {
	case 0: {
		char *p = path_of(fx, name);
		unlink(p);
		free(p);
		return;
	}
	case 1:
		text = xasprintf(TENANT_FMT "  colour: blue\n", id);
		break;
	case 2:
		text = xstrdup("metadata: [not: a manifest\n");
		break;
	case 3:
		text = xasprintf(TENANT_FMT "  project: p%u\n", id, (r / 24) % 2);
		break;
	default:
		text = xasprintf(TENANT_FMT, id);
		break;
	}
	write_file(fx->dir, name, text);
	free(text);
}

/* An apply of the changes only (what the daemon does at an edit) leaves the desired
 * store as a full apply of the whole cache would, with the same tenants added,
 * changed and removed, over hundreds of random changes of one or two files, some
 * of them below a directory the last full scan could not read. */
static void test_incremental_apply_like_full(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "f0.yaml", "f1.yaml",     "f2.yaml",    "f3.yaml",
					     "f4.yaml", "sub/f5.yaml", "sub/f6.yaml" };
	struct desired_store inc, full;
	struct desired_scan scan;
	struct diag_list diags;
	struct desired_delta d;
	uint64_t rng = 7;
	char *sub = path_of(fx, "sub");

	assert_int_equal(mkdir(sub, 0755), 0);
	put_tenant(fx->dir, "sub/f5.yaml", "b");
	put_tenant(fx->dir, "f0.yaml", "c");
	diag_list_init(&diags);
	assert_int_equal(manifest_dir_read(fx->cfg, fx->dir, &scan, &diags), 0);
	desired_scan_add_failed_dir(&scan, sub, "sub: cannot be read completely");
	manifest_cache_take_full(&fx->cache, &scan, &diags);
	desired_store_init(&inc);
	desired_store_init(&full);
	desired_store_apply(&inc, &scan, &d);
	desired_delta_release(&d);
	diag_list_release(&diags);
	manifest_cache_scan(&fx->cache, &scan);
	desired_store_apply(&full, &scan, &d);
	desired_delta_release(&d);
	assert_stores_alike(&inc, &full);

	for (unsigned step = 0; step < 600; step++) {
		struct desired_view view;
		struct desired_delta di, df;
		char *paths[2];
		size_t n = 1;
		unsigned r;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (unsigned)(rng >> 33);
		paths[0] = path_of(fx, names[r % 7]);
		random_change(fx, names[r % 7], r / 7);
		if ((r / 7 / 48) % 3 == 0 && (r / 7 / 144) % 7 != r % 7) { /* two files at once */
			random_change(fx, names[(r / 7 / 144) % 7], r / 7 / 1008);
			paths[n++] = path_of(fx, names[(r / 7 / 144) % 7]);
		}
		assert_true(manifest_cache_update(&fx->cache, fx->cfg, fx->dir, (const char *const *)paths, n));

		manifest_cache_view(&fx->cache, &view);
		desired_store_apply_changes(&inc, &view, (const char *const *)fx->cache.changed_paths,
					    fx->cache.n_changed_paths, (const char *const *)fx->cache.changed_ids,
					    fx->cache.n_changed_ids, &di);
		manifest_cache_scan(&fx->cache, &scan);
		desired_store_apply(&full, &scan, &df);

		assert_stores_alike(&inc, &full);
		assert_true(di.partial);
		assert_ids_alike(di.added, di.n_added, df.added, df.n_added);
		assert_ids_alike(di.changed, di.n_changed, df.changed, df.n_changed);
		assert_int_equal(di.n_removed, df.n_removed);
		for (size_t i = 0; i < di.n_removed; i++)
			assert_string_equal(di.removed[i]->id, df.removed[i]->id);
		for (size_t i = 0; i < di.n_changed; i++)
			assert_string_equal(di.was[i]->id, di.changed[i]);
		/* what it did not look at, a full apply reports as before */
		assert_ids_among(di.stale, di.n_stale, df.stale, df.n_stale);
		assert_ids_among(di.rejected, di.n_rejected, df.rejected, df.n_rejected);
		desired_delta_release(&di);
		desired_delta_release(&df);
		free(paths[0]);
		if (n > 1)
			free(paths[1]);
	}
	desired_store_release(&inc);
	desired_store_release(&full);
	free(sub);
}

/* A cached file's path is its tenant's own copy (one copy of each of 100,000 paths),
 * whether the file was read alone or by a full scan; a file that fails keeps a copy
 * of its own, and both outlive the scan that read them. */
static void test_path_shared_with_tenant(void **state)
{
	struct fixture *fx = *state;
	struct desired_view view;
	const struct desired_file *df;
	char *a = path_of(fx, "a.yaml"), *bad = path_of(fx, "bad.yaml");

	manifest_cache_view(&fx->cache, &view);
	df = view.file(view.data, a);
	assert_non_null(df);
	assert_non_null(df->tenant);
	assert_ptr_equal(df->path, df->tenant->file);

	write_file(fx->dir, "bad.yaml", "apiVersion: [\n");
	take_full_scan(fx);
	manifest_cache_view(&fx->cache, &view);
	df = view.file(view.data, a);
	assert_non_null(df);
	assert_non_null(df->tenant);
	assert_ptr_equal(df->path, df->tenant->file);
	assert_string_equal(df->path, a);
	df = view.file(view.data, bad);
	assert_non_null(df);
	assert_null(df->tenant);
	assert_string_equal(df->path, bad);
	free(a);
	free(bad);
}

/* One copy of a path for the cache, the store and whoever holds the tenant (the
 * engine): a renamed file's tenant carries its new path, shared again; a tenant held
 * after its file is gone, and after a full reload, keeps its path (ASan: freed with
 * the tenant only, never with the cache's entry). */
static void test_path_outlives_cache_entry(void **state)
{
	struct fixture *fx = *state;
	struct desired_store store;
	struct desired_scan scan;
	struct desired_view view;
	struct desired_delta d;
	struct tenant *held;
	const struct desired_file *df;
	char *a = path_of(fx, "a.yaml"), *b = path_of(fx, "b.yaml");

	put_tenant(fx->dir, "c.yaml", "c"); /* the cache never left empty */
	assert_true(change(fx, "c.yaml", NULL));
	desired_store_init(&store);
	manifest_cache_scan(&fx->cache, &scan);
	desired_store_apply(&store, &scan, &d);
	desired_delta_release(&d);
	manifest_cache_view(&fx->cache, &view);
	df = view.file(view.data, a);
	assert_ptr_equal(desired_store_find(&store, "a")->tenant->file, df->path);
	held = tenant_ref(desired_store_find(&store, "a")->tenant); /* as the engine holds it */

	assert_int_equal(rename(a, b), 0); /* renamed: the same tenant at its new path */
	assert_true(change(fx, "a.yaml", "b.yaml"));
	manifest_cache_view(&fx->cache, &view);
	desired_store_apply_changes(&store, &view, (const char *const *)fx->cache.changed_paths,
				    fx->cache.n_changed_paths, (const char *const *)fx->cache.changed_ids,
				    fx->cache.n_changed_ids, &d);
	desired_delta_release(&d);
	assert_null(view.file(view.data, a));
	df = view.file(view.data, b);
	assert_non_null(df);
	assert_string_equal(df->path, b);
	assert_ptr_equal(desired_store_find(&store, "a")->tenant->file, df->path);
	assert_string_equal(held->file, a); /* the old definition's path, its own */

	take_full_scan(fx); /* a reload: shared again, the store's tenant still good */
	manifest_cache_view(&fx->cache, &view);
	df = view.file(view.data, b);
	assert_ptr_equal(df->path, df->tenant->file);
	assert_string_equal(desired_store_find(&store, "a")->tenant->file, b);

	assert_int_equal(unlink(b), 0); /* gone: the cache drops it, the store hands it over */
	assert_true(change(fx, "b.yaml", NULL));
	manifest_cache_view(&fx->cache, &view);
	assert_null(view.file(view.data, b));
	desired_store_apply_changes(&store, &view, (const char *const *)fx->cache.changed_paths,
				    fx->cache.n_changed_paths, (const char *const *)fx->cache.changed_ids,
				    fx->cache.n_changed_ids, &d);
	assert_int_equal(d.n_removed, 1);
	assert_string_equal(d.removed[0]->file, b);
	desired_delta_release(&d);
	assert_null(desired_store_find(&store, "a"));
	assert_string_equal(held->file, a);
	tenant_free(held);
	desired_store_release(&store);
	free(a);
	free(b);
}

/* The soft open-file limit set to the lowest free descriptor: no file can be opened
 * until it is put back (the old limit into *old). */
static void no_descriptor_left(struct rlimit *old)
{
	int lowest = dup(0);
	struct rlimit rl;

	assert_true(lowest > 0);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, old), 0);
	rl = *old;
	rl.rlim_cur = (rlim_t)lowest;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static void test_read_again_for_want_of_descriptors(void **state)
{
	struct fixture *fx = *state;
	struct desired_scan scan;
	struct diag_list diags;
	struct rlimit old;

	put_tenant(fx->dir, "b.yaml", "b");
	assert_false(manifest_cache_wants_reread(&fx->cache));
	/* a file read alone */
	no_descriptor_left(&old);
	assert_true(change(fx, "b.yaml", NULL));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(fx->cache.n_problems, 1);
	assert_non_null(strstr(fx->cache.problems[0], "/b.yaml: cannot read: Too many open files"));
	assert_true(manifest_cache_wants_reread(&fx->cache));
	assert_true(change(fx, "b.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 0);
	assert_false(manifest_cache_wants_reread(&fx->cache));
	/* a problem of the file itself is no reason to read it again */
	write_file(fx->dir, "b.yaml", "apiVersion: [\n");
	assert_true(change(fx, "b.yaml", NULL));
	assert_int_equal(fx->cache.n_problems, 1);
	assert_false(manifest_cache_wants_reread(&fx->cache));
	/* a full scan that cannot open the directory */
	diag_list_init(&diags);
	no_descriptor_left(&old);
	assert_true(manifest_dir_read(fx->cfg, fx->dir, &scan, &diags) < 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(diags.transient);
	manifest_cache_take_full(&fx->cache, &scan, &diags);
	desired_scan_release(&scan);
	diag_list_release(&diags);
	assert_true(manifest_cache_wants_reread(&fx->cache));
	take_full_scan(fx);
	assert_false(manifest_cache_wants_reread(&fx->cache));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_problem_reported_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_problems_held_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_between_full_scans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_out_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_problems_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_like_reading_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_apply_like_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_shared_with_tenant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_outlives_cache_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_again_for_want_of_descriptors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
