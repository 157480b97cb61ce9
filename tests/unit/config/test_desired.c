/* The desired store (state/desired): revisions per tenant, and the prune safety rules
 * it carries: a failing, unreadable or unseen manifest never reads as a deleted
 * tenant; only a file that is certainly gone (or certainly declares something else)
 * removes its tenant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "desired.h"
#include "intern.h"
#include "strbuf.h"
#include "xalloc.h"

static struct tenant *tenant(const char *id, const char *file, const char *department)
{
	struct tenant *t = xcalloc(1, sizeof(*t));

	t->id = intern(id);
	t->file = xstrdup(file);
	t->department = intern(department);
	t->region = intern("us-east-1");
	t->revision = intern(department ? department : "-");
	return t;
}

/* Scans are written as a list of files: "path=id" (parsed), "path!id" (failed with a
 * known id), "path!" (failed, id unknown), "dir/" (a subtree that could not be read). */
static void scan_of(struct desired_scan *scan, const char *const *files, size_t n, const char *dept)
{
	desired_scan_init(scan);
	for (size_t i = 0; i < n; i++) {
		const char *s = files[i], *eq = strchr(s, '='), *bang = strchr(s, '!');
		size_t l = strlen(s);
		if (s[l - 1] == '/') {
			char *d = xstrndup(s, l - 1);
			desired_scan_add_failed_dir(scan, d, "dir: cannot read directory");
			free(d);
		} else if (eq) {
			char *path = xstrndup(s, (size_t)(eq - s));
			desired_scan_add(scan, path, tenant(eq + 1, path, dept), NULL, NULL);
			free(path);
		} else {
			char *path = xstrndup(s, (size_t)(bang - s)), *problem = xasprintf("%s:1:1: broken", path);
			desired_scan_add(scan, path, NULL, bang[1] ? bang + 1 : NULL, problem);
			free(problem);
			free(path);
		}
	}
}

#define APPLY(store, delta, dept, ...)                                                                                 \
	do {                                                                                                           \
		const char *const files_[] = { __VA_ARGS__ };                                                          \
		struct desired_scan scan_;                                                                             \
		scan_of(&scan_, files_, sizeof(files_) / sizeof(files_[0]), dept);                                     \
		desired_store_apply(store, &scan_, delta);                                                             \
		assert_int_equal(scan_.n_files, 0); /* consumed */                                                     \
	} while (0)

/* "a,b" from a list of ids. */
static char *join(char **v, size_t n)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", v[i]);
	return strbuf_detach(&sb, NULL);
}

static void expect_list(char **v, size_t n, const char *want)
{
	char *got = join(v, n);

	assert_string_equal(got, want);
	free(got);
}

static void expect_removed(const struct desired_delta *d, const char *want)
{
	char *ids[64];

	assert_true(d->n_removed < 64);
	for (size_t i = 0; i < d->n_removed; i++)
		ids[i] = (char *)d->removed[i]->id; /* read only */
	expect_list(ids, d->n_removed, want);
}

static void expect_delta(const struct desired_delta *d, const char *added, const char *changed, const char *removed,
			 const char *stale, const char *rejected)
{
	expect_list(d->added, d->n_added, added);
	expect_list(d->changed, d->n_changed, changed);
	expect_removed(d, removed);
	expect_list(d->stale, d->n_stale, stale);
	expect_list(d->rejected, d->n_rejected, rejected);
}

static enum desired_stale stale_of(const struct desired_store *s, const char *id)
{
	const struct desired_entry *e = desired_store_find(s, id);

	assert_non_null(e);
	return e->stale;
}

static void test_first_revision_and_no_change(void **state)
{
	struct desired_store s;
	struct desired_delta d;

	desired_store_init(&s);
	APPLY(&s, &d, "claims", "m/b.yaml=b", "m/a.yaml=a", "m/c.yaml=c");
	assert_int_equal(d.revision, 1);
	assert_false(d.unavailable);
	assert_int_equal(d.before, 0);
	expect_delta(&d, "a,b,c", "", "", "", "");
	assert_true(s.loaded);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.entries[0].tenant->id, "a");
	assert_string_equal(desired_store_get(&s, "b")->file, "m/b.yaml");
	assert_null(desired_store_get(&s, "zz"));
	desired_delta_release(&d);
	APPLY(&s, &d, "claims", "m/a.yaml=a", "m/b.yaml=b", "m/c.yaml=c");
	expect_delta(&d, "", "", "", "", "");
	assert_int_equal(d.before, 3);
	assert_int_equal(desired_store_find(&s, "a")->changed_revision, 1);
	desired_delta_release(&d);
	desired_store_release(&s);
}

/* The entries are exactly as many as the tenants after a full apply, and an entry's
 * revision (56 bits) and stale reason (the byte above it) do not spill into each
 * other: the largest revision an entry holds beside every reason. */
static void test_entries_exact_and_packed(void **state)
{
	const uint64_t top = ((uint64_t)1 << 56) - 1;
	struct desired_store s;
	struct desired_delta d;

	(void)state;
	desired_store_init(&s);
	APPLY(&s, &d, "claims", "a.yaml=a", "b.yaml=b", "c.yaml=c", "d.yaml=d");
	assert_int_equal(s.alloc, 4);
	desired_delta_release(&d);
	s.revision = top - 1; /* the next apply is revision top */
	APPLY(&s, &d, "research", "a.yaml=a", "b.yaml!b", "c.yaml!", "x/", "x/d.yaml=d");
	desired_delta_release(&d);
	assert_int_equal(s.alloc, 4);
	assert_true(desired_store_find(&s, "a")->changed_revision == top);
	assert_int_equal(desired_store_find(&s, "a")->stale, DESIRED_FRESH);
	assert_true(desired_store_find(&s, "b")->changed_revision == 1);
	assert_int_equal(desired_store_find(&s, "b")->stale, DESIRED_STALE_FAILED);
	assert_int_equal(desired_store_find(&s, "c")->stale, DESIRED_STALE_UNREADABLE);
	assert_true(desired_store_find(&s, "d")->changed_revision == top);
	APPLY(&s, &d, "research", "a.yaml=a", "b.yaml!b", "x/"); /* c is gone */
	desired_delta_release(&d);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.alloc, 3);
	assert_int_equal(desired_store_find(&s, "b")->stale, DESIRED_STALE_FAILED);
	assert_int_equal(desired_store_find(&s, "d")->stale, DESIRED_STALE_DIRECTORY);
	assert_true(desired_store_find(&s, "d")->changed_revision == top);
	desired_store_release(&s);
}

static void test_changed_and_removed(void **state)
{
	struct desired_store s;
	struct desired_delta d;

	desired_store_init(&s);
	APPLY(&s, &d, "claims", "a.yaml=a", "b.yaml=b", "c.yaml=c");
	desired_delta_release(&d);
	/* b changes (another department), c's file is gone: c is removed with certainty. */
	{
		const char *const files[] = { "a.yaml=a", "b.yaml=b" };
		struct desired_scan scan;
		scan_of(&scan, files, 2, "claims");
		intern_unref(scan.files[1].tenant->department);
		scan.files[1].tenant->department = intern("research");
		desired_store_apply(&s, &scan, &d);
	}
	expect_delta(&d, "", "b", "c", "", "");
	assert_string_equal(d.removed[0]->file, "c.yaml"); /* the last definition, handed over */
	assert_int_equal(desired_store_find(&s, "b")->changed_revision, 2);
	assert_int_equal(desired_store_find(&s, "a")->changed_revision, 1);
	assert_null(desired_store_get(&s, "c"));
	desired_delta_release(&d);
	desired_store_release(&s);
}

static void test_failing_file_keeps_its_tenant(void **state)
{
	struct desired_store s;
	struct desired_delta d;
	const struct desired_entry *e;

	desired_store_init(&s);
	APPLY(&s, &d, "claims", "a.yaml=a", "b.yaml=b", "c.yaml=c");
	desired_delta_release(&d);
	/* a fails with its id known, b fails so badly its id is unknown: both kept. */
	APPLY(&s, &d, "research", "a.yaml!a", "b.yaml!", "c.yaml=c");
	expect_delta(&d, "", "c", "", "a,b", "");
	assert_int_equal(stale_of(&s, "a"), DESIRED_STALE_FAILED);
	assert_int_equal(stale_of(&s, "b"), DESIRED_STALE_UNREADABLE);
	assert_int_equal(stale_of(&s, "c"), DESIRED_FRESH);
	e = desired_store_find(&s, "a");
	assert_string_equal(e->tenant->department, "claims"); /* the previous good definition */
	assert_string_equal(e->problem, "a.yaml:1:1: broken");
	assert_null(desired_store_find(&s, "c")->problem);
	desired_delta_release(&d);
	/* Still failing: still kept. Then fixed: fresh again, and changed if it did. */
	APPLY(&s, &d, "research", "a.yaml!a", "b.yaml!", "c.yaml=c");
	expect_delta(&d, "", "", "", "a,b", "");
	desired_delta_release(&d);
	APPLY(&s, &d, "claims", "a.yaml=a", "b.yaml=b", "c.yaml=c");
	expect_delta(&d, "", "c", "", "", "");
	assert_int_equal(stale_of(&s, "a"), DESIRED_FRESH);
	assert_null(desired_store_find(&s, "a")->problem);
	desired_delta_release(&d);
	/* A failing file that is then deleted: now the tenant is gone. */
	APPLY(&s, &d, "claims", "a.yaml!", "b.yaml=b", "c.yaml=c");
	expect_delta(&d, "", "", "", "a", "");
	desired_delta_release(&d);
	APPLY(&s, &d, "claims", "b.yaml=b", "c.yaml=c");
	expect_delta(&d, "", "", "a", "", "");
	desired_delta_release(&d);
	desired_store_release(&s);
}

static void test_unreadable_directory_keeps_its_tenants(void **state)
{
	struct desired_store s;
	struct desired_delta d;

	desired_store_init(&s);
	APPLY(&s, &d, "claims", "m/team-a/a.yaml=a", "m/team-a/deep/b.yaml=b", "m/team-ab/c.yaml=c", "m/d.yaml=d");
	desired_delta_release(&d);
	/* m/team-a cannot be read: a and b are kept; m/team-ab is another directory. */
	APPLY(&s, &d, "claims", "m/team-a/", "m/d.yaml=d");
	expect_delta(&d, "", "", "c", "a,b", "");
	assert_int_equal(stale_of(&s, "a"), DESIRED_STALE_DIRECTORY);
	assert_string_equal(desired_store_find(&s, "b")->problem, "dir: cannot read directory");
	desired_delta_release(&d);
	desired_store_release(&s);
}

/* Whether some tenant may be declared where nobody can tell: only a file failing
 * without a readable id, or a directory that could not be read, says so. */
static bool ids_unknown_of(const char *const *files, size_t n)
{
	struct desired_scan scan;
	bool unknown;

	scan_of(&scan, files, n, "claims");
	unknown = desired_scan_ids_unknown(&scan);
	desired_scan_release(&scan);
	return unknown;
}

static void test_scan_ids_unknown(void **state)
{
	const char *const fine[] = { "a.yaml=a", "b.yaml!b" };
	const char *const no_id[] = { "a.yaml=a", "b.yaml!" };
	const char *const dir[] = { "a.yaml=a", "m/team-a/" };

	assert_false(ids_unknown_of(fine, 2));
	assert_true(ids_unknown_of(no_id, 2));
	assert_true(ids_unknown_of(dir, 2));
	assert_false(ids_unknown_of(NULL, 0));
}

static void test_unavailable_directory_deletes_nothing(void **state)
{
	struct desired_store s;
	struct desired_delta d;
	struct desired_scan scan;

	desired_store_init(&s);
	/* Unavailable before anything was ever read: nothing, and not loaded. */
	desired_scan_init(&scan);
	desired_scan_unavailable(&scan, "m: no manifests");
	desired_store_apply(&s, &scan, &d);
	assert_true(d.unavailable);
	assert_false(s.loaded);
	expect_delta(&d, "", "", "", "", "");
	desired_delta_release(&d);
	APPLY(&s, &d, "claims", "m/a.yaml=a", "m/b.yaml=b");
	desired_delta_release(&d);
	/* Missing, unreadable or emptied: every tenant stays. Files in such a scan are not
	 * trusted either. */
	desired_scan_init(&scan);
	desired_scan_add(&scan, "m/z.yaml", tenant("z", "m/z.yaml", "claims"), NULL, NULL);
	desired_scan_unavailable(&scan, "m: cannot read the manifest directory");
	desired_store_apply(&s, &scan, &d);
	assert_true(d.unavailable);
	expect_delta(&d, "", "", "", "a,b", "");
	assert_int_equal(s.n, 2);
	assert_int_equal(stale_of(&s, "a"), DESIRED_STALE_UNAVAILABLE);
	assert_string_equal(desired_store_find(&s, "a")->problem, "m: cannot read the manifest directory");
	assert_null(desired_store_get(&s, "z"));
	assert_true(s.loaded);
	desired_delta_release(&d);
	desired_store_release(&s);
}

static void test_conflicts(void **state)
{
	struct desired_store s;
	struct desired_delta d;

	desired_store_init(&s);
	APPLY(&s, &d, "claims", "a.yaml=a");
	desired_delta_release(&d);
	/* Two files declare a: neither wins; the previous a stays. x is new and also
	 * contested: it is not created. */
	APPLY(&s, &d, "research", "a.yaml=a", "a2.yaml=a", "x1.yaml=x", "x2.yaml!x");
	expect_delta(&d, "", "", "", "a", "x");
	assert_int_equal(stale_of(&s, "a"), DESIRED_STALE_CONFLICT);
	assert_string_equal(desired_store_get(&s, "a")->department, "claims");
	/* Without a problem from the reader, the store names the files itself. */
	assert_string_equal(desired_store_find(&s, "a")->problem,
			    "tenant id 'a' is declared by 2 files: a.yaml a2.yaml");
	desired_delta_release(&d);
	/* A new tenant whose only file fails is rejected, not created. */
	APPLY(&s, &d, "claims", "a.yaml=a", "n.yaml!n");
	expect_delta(&d, "", "", "", "", "n");
	assert_null(desired_store_get(&s, "n"));
	desired_delta_release(&d);
	desired_store_release(&s);
}

static void test_moves_and_renames(void **state)
{
	struct desired_store s;
	struct desired_delta d;

	desired_store_init(&s);
	APPLY(&s, &d, "claims", "a.yaml=a", "b.yaml=b");
	desired_delta_release(&d);
	/* a moves to another file: the same tenant, now read from there. */
	APPLY(&s, &d, "claims", "team/a.yaml=a", "b.yaml=b");
	expect_delta(&d, "", "", "", "", "");
	assert_string_equal(desired_store_get(&s, "a")->file, "team/a.yaml");
	desired_delta_release(&d);
	/* b.yaml now declares c: b is gone with certainty, c appears. */
	APPLY(&s, &d, "claims", "team/a.yaml=a", "b.yaml=c");
	expect_delta(&d, "c", "", "b", "", "");
	desired_delta_release(&d);
	/* c.yaml... c's file now fails while declaring another id: c is kept, d rejected. */
	APPLY(&s, &d, "claims", "team/a.yaml=a", "b.yaml!d");
	expect_delta(&d, "", "", "", "c", "d");
	assert_int_equal(stale_of(&s, "c"), DESIRED_STALE_FAILED);
	desired_delta_release(&d);
	desired_store_release(&s);
}

/* A larger model: every lookup works after several revisions. */
static void test_many(void **state)
{
	struct desired_store s;
	struct desired_delta d;
	struct desired_scan scan;
	char id[32], path[64];

	desired_store_init(&s);
	for (int rev = 0; rev < 3; rev++) {
		desired_scan_init(&scan);
		for (int i = 0; i < 2000; i++) {
			int k = (i * 7919) % 2000; /* not in order */
			if (rev == 2 && k % 10 == 0)
				continue; /* 200 removed */
			snprintf(id, sizeof(id), "t%05d", k);
			snprintf(path, sizeof(path), "m/%s.yaml", id);
			if (rev == 1 && k % 100 == 0)
				desired_scan_add(&scan, path, NULL, id, "broken");
			else
				desired_scan_add(&scan, path, tenant(id, path, rev == 1 && k % 3 ? "b" : "a"), NULL,
						 NULL);
		}
		desired_store_apply(&s, &scan, &d);
		if (rev == 0)
			assert_int_equal(d.n_added, 2000);
		if (rev == 1) {
			assert_int_equal(d.n_stale, 20);
			assert_int_equal(d.n_changed, 1320); /* k % 3 != 0 and not failing */
		}
		if (rev == 2) {
			assert_int_equal(d.n_removed, 200);
			assert_int_equal(d.before, 2000);
		}
		desired_delta_release(&d);
	}
	assert_int_equal(s.n, 1800);
	for (size_t i = 1; i < s.n; i++)
		assert_true(strcmp(s.entries[i - 1].tenant->id, s.entries[i].tenant->id) < 0);
	for (int k = 0; k < 2000; k++) {
		snprintf(id, sizeof(id), "t%05d", k);
		if (k % 10)
			assert_non_null(desired_store_get(&s, id));
		else
			assert_null(desired_store_get(&s, id));
	}
	assert_string_equal(desired_stale_name(DESIRED_STALE_CONFLICT), "id-conflict");
	desired_store_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_revision_and_no_change),
		cmocka_unit_test(test_changed_and_removed),
		cmocka_unit_test(test_entries_exact_and_packed),
		cmocka_unit_test(test_failing_file_keeps_its_tenant),
		cmocka_unit_test(test_unreadable_directory_keeps_its_tenants),
		cmocka_unit_test(test_scan_ids_unknown),
		cmocka_unit_test(test_unavailable_directory_deletes_nothing),
		cmocka_unit_test(test_conflicts),
		cmocka_unit_test(test_moves_and_renames),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
