/* Golden files. Good manifests (docs/examples/ and golden/good/) must parse cleanly,
 * print as their golden canonical form, and parse back from it into an equal tenant.
 * Every bad manifest of golden/bad/ (and configuration of golden/bad-config/) must give
 * exactly the problems of its .expected file.
 *
 * BTD_GOLDEN_UPDATE=1 rewrites the golden files from the current output instead of
 * comparing (review the diff before committing it). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "desired.h"
#include "helpers.h"
#include "manifest.h"
#include "manifest_dir.h"
#include "manifest_print.h"
#include "strbuf.h"
#include "xalloc.h"

#define MIN_BAD_MANIFESTS 40

static bool updating(void)
{
	const char *u = getenv("BTD_GOLDEN_UPDATE");

	return u && *u && strcmp(u, "0");
}

/* Compare text with the golden file, or rewrite it when updating. */
static void golden(const char *path, const char *text)
{
	char *want;

	if (updating()) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	want = test_read(path, NULL);
	if (!want)
		fail_msg("missing golden file %s (run with BTD_GOLDEN_UPDATE=1)", path);
	if (strcmp(want, text))
		fail_msg("%s differs.\n--- expected\n%s--- got\n%s", path, want, text);
	free(want);
}

/* The names in dir ending with suffix, sorted. */
static char **list(const char *dir, const char *suffix, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), s = strlen(suffix);
		if (l > s && !strcmp(de->d_name + l - s, suffix)) {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*ret_n = n;
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *print(const struct tenant *t)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	assert_int_equal(manifest_print(t, &sb), 0);
	return strbuf_detach(&sb, NULL);
}

/* The canonical form parses back into an equal tenant and prints the same. */
static void check_round_trip(const struct daemon_config *cfg, const struct tenant *t, const char *canonical)
{
	struct diag_list diags;
	struct tenant *again = NULL;
	char *text;

	diag_list_init(&diags);
	if (manifest_parse(cfg, t->file, canonical, strlen(canonical), &again, NULL, &diags) < 0) {
		char *d = test_diags_text(&diags);
		fail_msg("canonical form of %s does not parse:\n%s", t->file, d);
	}
	assert_true(tenant_equal(t, again));
	text = print(again);
	assert_string_equal(text, canonical);
	free(text);
	tenant_free(again);
	diag_list_release(&diags);
}

/* Every manifest below dir parses cleanly and matches golden/<out>/<name>.canonical. */
static size_t check_good_dir(const char *config, const char *dir, const char *out)
{
	struct daemon_config *cfg = NULL;
	struct diag_list diags;
	struct desired_scan scan;
	size_t n;
	char *d;

	diag_list_init(&diags);
	assert_int_equal(daemon_config_load(config, &cfg, &diags), 0);
	assert_int_equal(manifest_dir_read(cfg, dir, &scan, &diags), 0);
	d = test_diags_text(&diags);
	assert_string_equal(d, "");
	free(d);
	for (size_t i = 0; i < scan.n_files; i++) {
		const struct tenant *t = scan.files[i].tenant;
		const char *base = strrchr(scan.files[i].path, '/') + 1;
		char *text = print(t), *path = xasprintf("%s/%s/%.*s.canonical", GOLDEN_DIR, out,
							 (int)(strlen(base) - strlen(".yaml")), base);
		golden(path, text);
		check_round_trip(cfg, t, text);
		free(path);
		free(text);
	}
	n = scan.n_files;
	desired_scan_release(&scan);
	diag_list_release(&diags);
	daemon_config_free(cfg);
	return n;
}

static void test_examples(void **state)
{
	size_t n = check_good_dir(EXAMPLES_DIR "/config.yaml", EXAMPLES_DIR "/tenants", "examples");

	assert_true(n >= 6);
}

static void test_good(void **state)
{
	assert_int_equal(check_good_dir(GOLDEN_DIR "/config.yaml", GOLDEN_DIR "/good", "good"), 5);
}

/* Every file of dir, parsed by `parse`, gives exactly its .expected problems. */
static size_t check_bad_dir(const char *dir,
			    int (*parse)(const char *name, const char *text, size_t len, struct diag_list *diags))
{
	size_t n;
	char **names = list(dir, ".yaml", &n);

	for (size_t i = 0; i < n; i++) {
		struct diag_list diags;
		char *path = xasprintf("%s/%s", dir, names[i]), *text, *got, *expected;
		size_t len;
		diag_list_init(&diags);
		text = test_read(path, &len);
		assert_true(parse(names[i], text, len, &diags) < 0);
		diag_list_sort(&diags);
		got = test_diags_text(&diags);
		if (!diags.n_errors)
			fail_msg("%s: no problem found", names[i]);
		expected = xasprintf("%s/%.*s.expected", dir, (int)(strlen(names[i]) - 5), names[i]);
		golden(expected, got);
		free(expected);
		free(got);
		free(text);
		free(path);
		diag_list_release(&diags);
	}
	free_list(names, n);
	return n;
}

static struct daemon_config *golden_cfg;

static int parse_manifest(const char *name, const char *text, size_t len, struct diag_list *diags)
{
	struct tenant *t = NULL;
	int r = manifest_parse(golden_cfg, name, text, len, &t, NULL, diags);

	tenant_free(t);
	return r;
}

static int parse_config(const char *name, const char *text, size_t len, struct diag_list *diags)
{
	struct daemon_config *cfg = NULL;
	int r = daemon_config_parse(name, text, len, &cfg, diags);

	daemon_config_free(cfg);
	return r;
}

static void test_bad_manifests(void **state)
{
	struct diag_list diags;

	diag_list_init(&diags);
	/* Messages name the configuration file as it was given: keep it relative. */
	assert_int_equal(chdir(GOLDEN_DIR), 0);
	assert_int_equal(daemon_config_load("config.yaml", &golden_cfg, &diags), 0);
	assert_true(check_bad_dir(GOLDEN_DIR "/bad", parse_manifest) >= MIN_BAD_MANIFESTS);
	daemon_config_free(golden_cfg);
	diag_list_release(&diags);
}

static void test_bad_configs(void **state)
{
	assert_true(check_bad_dir(GOLDEN_DIR "/bad-config", parse_config) >= 10);
}

/* The ```yaml blocks of a document, in order. */
static char **yaml_blocks(const char *doc, size_t *ret_n)
{
	char *text = test_read(doc, NULL), **v = NULL;
	const char *p = text;
	size_t n = 0;

	assert_non_null(text);
	while ((p = strstr(p, "```yaml\n"))) {
		const char *end = strstr(p + 8, "```");
		assert_non_null(end);
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrndup(p + 8, (size_t)(end - p - 8));
		p = end + 3;
	}
	free(text);
	*ret_n = n;
	return v;
}

/* The examples in the documentation are valid, so the parser and the docs agree. */
static void test_docs_examples(void **state)
{
	struct daemon_config *cfg = test_config("region: us-east-1\naccounts: {prod: \"111122223333\"}\n");
	size_t n, manifests = 0;
	char **blocks = yaml_blocks(DOCS_DIR "/manifest.md", &n);

	for (size_t i = 0; i < n; i++) {
		char *d;
		struct tenant *t;
		if (strncmp(blocks[i], "apiVersion:", 11))
			continue;
		t = test_manifest(cfg, blocks[i], &d);
		if (!t)
			fail_msg("docs/manifest.md example %zu:\n%s", i, d);
		tenant_free(t);
		free(d);
		manifests++;
	}
	assert_true(manifests >= 2);
	free_list(blocks, n);
	blocks = yaml_blocks(DOCS_DIR "/configuration.md", &n);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		struct daemon_config *c = NULL;
		struct diag_list diags;
		diag_list_init(&diags);
		if (daemon_config_parse("doc.yaml", blocks[i], strlen(blocks[i]), &c, &diags) < 0)
			fail_msg("docs/configuration.md example %zu:\n%s", i, test_diags_text(&diags));
		daemon_config_free(c);
		diag_list_release(&diags);
	}
	free_list(blocks, n);
	daemon_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),      cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad_manifests), cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_docs_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
