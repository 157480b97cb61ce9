/* Reading a manifest directory: what is read and skipped, duplicates across files,
 * symbolic links, special and unreadable files, and the directories that must never
 * read as "every tenant deleted". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "desired.h"
#include "helpers.h"
#include "manifest.h"
#include "manifest_dir.h"
#include "strbuf.h"
#include "xalloc.h"

#define TENANT_FMT                                                                                                     \
	"apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n  department: claims\n"           \
	"  tags: {CostCenter: c}\n  profiles: [{name: p, model: amazon.nova-lite-v1:0}]\n"

static void put_tenant(const char *dir, const char *name, const char *id)
{
	char *text = xasprintf(TENANT_FMT, id);

	test_write(dir, name, text);
	free(text);
}

static void mkdirs(const char *dir, const char *sub)
{
	char *p = xasprintf("%s/%s", dir, sub);

	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

struct result {
	struct daemon_config *cfg;
	struct desired_scan scan;
	struct diag_list diags;
	char *text; /* the diagnostics with the directory prefix replaced by "D" */
	int r;
};

static void read_dir(const char *dir, struct result *res)
{
	struct strbuf sb;
	char *raw;
	size_t dl = strlen(dir);

	res->cfg = test_default_config();
	diag_list_init(&res->diags);
	res->r = manifest_dir_read(res->cfg, dir, &res->scan, &res->diags);
	diag_list_sort(&res->diags);
	raw = test_diags_text(&res->diags);
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (const char *p = raw; *p;) {
		if (!strncmp(p, dir, dl)) {
			strbuf_addch(&sb, 'D');
			p += dl;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	res->text = strbuf_detach(&sb, NULL);
	free(raw);
}

static void release(struct result *res)
{
	desired_scan_release(&res->scan);
	diag_list_release(&res->diags);
	daemon_config_free(res->cfg);
	free(res->text);
}

/* find_file: the scanned file whose path ends in `suffix`, or NULL. */
static const struct desired_file *find_file(const struct desired_scan *scan, const char *suffix)
{
	for (size_t i = 0; i < scan->n_files; i++) {
		size_t l = strlen(scan->files[i].path), s = strlen(suffix);
		if (l >= s && !strcmp(scan->files[i].path + l - s, suffix))
			return &scan->files[i];
	}
	return NULL;
}

/* file_named: as find_file, failing the test when there is none. */
static const struct desired_file *file_named(const struct desired_scan *scan, const char *suffix)
{
	const struct desired_file *f = find_file(scan, suffix);

	if (f)
		return f;
	fail_msg("no file ending in %s", suffix);
	abort(); /* not reached: fail_msg ends the test */
}

static void test_what_is_read(void **state)
{
	char *dir = test_tmpdir();
	struct result res;

	mkdirs(dir, "team-a");
	mkdirs(dir, "team-a/nested");
	mkdirs(dir, ".git");
	put_tenant(dir, "one.yaml", "one");
	put_tenant(dir, "team-a/two.yml", "two");
	put_tenant(dir, "team-a/nested/three.yaml", "three");
	test_write(dir, ".git/config.yaml", "not: [a manifest\n");
	test_write(dir, ".hidden.yaml", "not: [a manifest\n");
	test_write(dir, "README.md", "# tenants\n");
	test_write(dir, "team-a/notes.txt", "x");
	test_write(dir, "one.yaml.orig", "x");
	read_dir(dir, &res);
	assert_string_equal(res.text, "");
	assert_int_equal(res.r, 0);
	assert_int_equal(res.scan.status, DESIRED_SCAN_COMPLETE);
	assert_int_equal(res.scan.n_files, 3);
	assert_int_equal(desired_scan_tenants(&res.scan), 3);
	/* Depth first in name order. */
	assert_string_equal(res.scan.files[0].tenant->id, "one");
	assert_string_equal(res.scan.files[1].tenant->id, "three");
	assert_string_equal(res.scan.files[2].tenant->id, "two");
	assert_non_null(strstr(res.scan.files[1].tenant->file, "/team-a/nested/three.yaml"));
	release(&res);
	/* A trailing slash and a symbolic link to the root (as git-sync swaps) work alike. */
	{
		char *with_slash = xasprintf("%s/", dir), *link = xasprintf("%s-link", dir);
		assert_int_equal(symlink(dir, link), 0);
		read_dir(with_slash, &res);
		assert_int_equal(desired_scan_tenants(&res.scan), 3);
		release(&res);
		read_dir(link, &res);
		assert_int_equal(desired_scan_tenants(&res.scan), 3);
		release(&res);
		unlink(link);
		free(link);
		free(with_slash);
	}
	test_rmtree(dir);
	free(dir);
}

static void test_duplicate_ids_name_both_files(void **state)
{
	char *dir = test_tmpdir();
	struct result res;
	const struct desired_file *a, *b;

	mkdirs(dir, "x");
	put_tenant(dir, "a.yaml", "acme");
	put_tenant(dir, "x/b.yaml", "acme");
	put_tenant(dir, "c.yaml", "other");
	read_dir(dir, &res);
	assert_string_equal(res.text,
			    "D/a.yaml:4:9: tenant id 'acme' is also declared in D/x/b.yaml:4; each tenant has "
			    "one manifest\n"
			    "D/x/b.yaml:4:9: tenant id 'acme' is also declared in D/a.yaml:4; each tenant "
			    "has one manifest\n");
	assert_int_equal(res.r, 0);
	assert_int_equal(desired_scan_tenants(&res.scan), 1);
	a = file_named(&res.scan, "/a.yaml");
	b = file_named(&res.scan, "/x/b.yaml");
	assert_null(a->tenant);
	assert_null(b->tenant);
	assert_string_equal(a->failed_id, "acme");
	assert_string_equal(b->failed_id, "acme");
	assert_non_null(strstr(a->problem, "is also declared in"));
	release(&res);
	test_rmtree(dir);
	free(dir);
}

static void test_failures_keep_what_they_know(void **state)
{
	char *dir = test_tmpdir();
	struct result res;
	const struct desired_file *f;

	put_tenant(dir, "good.yaml", "good");
	test_write(dir, "bad-value.yaml",
		   "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata: {name: known}\n"
		   "spec: {department: nope, profiles: []}\n");
	test_write(dir, "bad-syntax.yaml", "metadata: {name: [\n");
	read_dir(dir, &res);
	assert_int_equal(res.r, 0);
	f = file_named(&res.scan, "/bad-value.yaml");
	assert_null(f->tenant);
	assert_string_equal(f->failed_id, "known"); /* its previous definition can be kept */
	assert_non_null(strstr(f->problem, "bad-value.yaml:4:"));
	f = file_named(&res.scan, "/bad-syntax.yaml");
	assert_null(f->failed_id); /* unknown id: tracked by path */
	assert_non_null(strstr(f->problem, "invalid YAML"));
	release(&res);
	test_rmtree(dir);
	free(dir);
}

static void test_symbolic_links(void **state)
{
	char *dir = test_tmpdir(), *p;
	struct result res;

	mkdirs(dir, "sub");
	put_tenant(dir, "sub/t.yaml", "t");
	p = xasprintf("%s/sub/loop", dir);
	assert_int_equal(symlink("..", p), 0); /* a directory that contains itself */
	free(p);
	p = xasprintf("%s/self.yaml", dir);
	assert_int_equal(symlink("self.yaml", p), 0);
	free(p);
	p = xasprintf("%s/gone.yaml", dir);
	assert_int_equal(symlink("nowhere.yaml", p), 0);
	free(p);
	p = xasprintf("%s/gone-dir", dir);
	assert_int_equal(symlink("nowhere", p), 0);
	free(p);
	p = xasprintf("%s/alias.yaml", dir);
	assert_int_equal(symlink("sub/t.yaml", p), 0); /* a link to a file: read, and a duplicate */
	free(p);
	read_dir(dir, &res);
	assert_string_equal(res.text,
			    "D/alias.yaml:4:9: tenant id 't' is also declared in D/sub/t.yaml:4; each tenant has one "
			    "manifest\n"
			    "D/gone-dir: broken symbolic link\n"
			    "D/gone.yaml: broken symbolic link\n"
			    "D/self.yaml: symbolic link loop\n"
			    "D/sub/loop: symbolic link loop: this directory contains itself\n"
			    "D/sub/t.yaml:4:9: tenant id 't' is also declared in D/alias.yaml:4; each tenant has one "
			    "manifest\n");
	assert_int_equal(res.r, 0);
	/* The broken link without a manifest name may have been a directory of them. */
	assert_int_equal(res.scan.n_failed_dirs, 1);
	assert_non_null(strstr(res.scan.failed_dirs[0].path, "/gone-dir"));
	assert_non_null(find_file(&res.scan, "/self.yaml"));
	assert_non_null(find_file(&res.scan, "/gone.yaml"));
	release(&res);
	test_rmtree(dir);
	free(dir);
}

static void link_to(const char *target, const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static bool has_tenant(const struct desired_scan *scan, const char *id)
{
	for (size_t i = 0; i < scan->n_files; i++)
		if (scan->files[i].tenant && !strcmp(scan->files[i].tenant->id, id))
			return true;
	return false;
}

/* Nothing of the scan or its problems mentions the secret. */
static void assert_no_secret(const struct result *res)
{
	assert_null(strstr(res->text, "hunter2"));
	for (size_t i = 0; i < res->scan.n_files; i++)
		assert_true(!res->scan.files[i].problem || !strstr(res->scan.files[i].problem, "hunter2"));
}

/* Links are followed only within the root's real path: a file or a directory whose
 * real path lies outside is refused unread (naming only the link), one inside is
 * read; a file that does not say it is a manifest quotes nothing of its content. */
static void test_links_out_of_the_root(void **state)
{
	char *out = test_tmpdir(), *dir = test_tmpdir(), *p;
	struct result res;

	test_write(out, "secret.yaml", "password: hunter2\n");
	mkdirs(out, "elsewhere");
	put_tenant(out, "elsewhere/x.yaml", "x");
	put_tenant(dir, "a.yaml", "a");
	mkdirs(dir, "sub");
	put_tenant(dir, "sub/b.yaml", "b");
	put_tenant(dir, "sub/c.txt", "c");
	mkdirs(dir, ".store");
	put_tenant(dir, ".store/d.yaml", "d");
	test_write(dir, "notes.yaml", "password: hunter2\nuser: [root]\n");
	p = xasprintf("%s/secret.yaml", out);
	link_to(p, dir, "leak.yaml");
	free(p);
	link_to("../../../../../../../../../../../../../../..", dir, "up");
	p = xasprintf("%s/elsewhere", out);
	link_to(p, dir, "elsewhere");
	free(p);
	link_to("sub/c.txt", dir, "c.yaml"); /* inside: read */
	link_to(".store", dir, "stored");    /* inside: read */
	read_dir(dir, &res);
	assert_string_equal(
		res.text, "D/elsewhere: refused: a symbolic link to a directory outside the manifest directory "
			  "(not read)\n"
			  "D/leak.yaml: refused: a symbolic link to a file outside the manifest directory (not read)\n"
			  "D/notes.yaml:1:1: not a manifest: the file has no line 'apiVersion: bedrock-tenantd/v1' "
			  "(nothing of its content is shown)\n"
			  "D/up: refused: a symbolic link to a directory outside the manifest directory (not read)\n");
	assert_int_equal(res.r, 0);
	assert_no_secret(&res);
	assert_true(has_tenant(&res.scan, "a") && has_tenant(&res.scan, "b") && has_tenant(&res.scan, "c") &&
		    has_tenant(&res.scan, "d"));
	assert_false(has_tenant(&res.scan, "x"));
	/* a refused directory keeps what was below it, as an unreadable one */
	assert_int_equal(res.scan.n_failed_dirs, 2);
	assert_null(file_named(&res.scan, "/leak.yaml")->tenant);
	release(&res);
	test_rmtree(dir);
	test_rmtree(out);
	free(dir);
	free(out);
}

/* The root may itself be a link, swapped to another checkout (root -> rev-N): each
 * reading resolves it once; a link from the new checkout into the old one is then
 * outside and refused. */
static void test_swapped_root(void **state)
{
	char *base = test_tmpdir(), *root = xasprintf("%s/current", base), *p;
	struct result res;
	struct tenant *t = NULL;
	struct diag_list diags;
	struct daemon_config *cfg;
	char *real = NULL;

	mkdirs(base, "rev-1");
	mkdirs(base, "rev-2");
	p = xasprintf("%s/rev-1", base);
	put_tenant(p, "a.yaml", "a");
	free(p);
	p = xasprintf("%s/rev-2", base);
	put_tenant(p, "b.yaml", "b");
	link_to("../rev-1/a.yaml", p, "old.yaml");
	free(p);
	link_to("rev-1", base, "current");
	read_dir(root, &res);
	assert_string_equal(res.text, "");
	assert_true(has_tenant(&res.scan, "a"));
	release(&res);

	p = xasprintf("%s/current", base);
	assert_int_equal(unlink(p), 0);
	free(p);
	link_to("rev-2", base, "current");
	read_dir(root, &res);
	assert_string_equal(
		res.text, "D/old.yaml: refused: a symbolic link to a file outside the manifest directory (not read)\n");
	assert_true(has_tenant(&res.scan, "b"));
	assert_false(has_tenant(&res.scan, "a"));
	release(&res);

	/* one file read on its own (a change the watcher saw) is held to the same rule */
	cfg = test_default_config();
	assert_int_equal(manifest_dir_root(root, &real), 0);
	diag_list_init(&diags);
	p = xasprintf("%s/old.yaml", root);
	assert_int_equal(manifest_dir_read_file(cfg, real, p, &t, NULL, &diags), -EXDEV);
	assert_null(t);
	assert_int_equal(diags.n, 1);
	assert_non_null(strstr(diags.items[0].message, "refused"));
	free(p);
	p = xasprintf("%s/b.yaml", root);
	assert_int_equal(manifest_dir_read_file(cfg, real, p, &t, NULL, &diags), 0);
	assert_string_equal(t->id, "b");
	tenant_free(t);
	free(p);
	p = xasprintf("%s/gone.yaml", root);
	assert_int_equal(manifest_dir_read_file(cfg, real, p, &t, NULL, &diags), -ENOENT);
	free(p);
	assert_int_equal(diags.n, 1);
	diag_list_release(&diags);
	daemon_config_free(cfg);
	free(real);
	test_rmtree(base);
	free(base);
	free(root);
}

static void test_special_and_large_files(void **state)
{
	char *dir = test_tmpdir(), *p, *big;
	struct result res;

	p = xasprintf("%s/fifo.yaml", dir);
	assert_int_equal(mkfifo(p, 0644), 0);
	free(p);
	big = xmalloc(MANIFEST_MAX_BYTES + 2);
	memset(big, '#', MANIFEST_MAX_BYTES + 1);
	big[MANIFEST_MAX_BYTES + 1] = '\0';
	test_write(dir, "big.yaml", big);
	free(big);
	test_write(dir, "empty.yaml", "");
	read_dir(dir, &res);
	assert_string_equal(res.text, "D/big.yaml: the file is 262145 bytes; the limit is 262144 bytes\n"
				      "D/empty.yaml: empty manifest (no YAML content)\n"
				      "D/fifo.yaml: not a regular file\n");
	assert_int_equal(res.r, 0);
	assert_int_equal(res.scan.n_files, 3);
	assert_int_equal(desired_scan_tenants(&res.scan), 0);
	release(&res);
	test_rmtree(dir);
	free(dir);
}

/* Root reads anything; drop the capabilities that let it (in this process only). */
static bool drop_dac_override(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	data[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
	return syscall(SYS_capset, &hdr, data) == 0;
}

/* In a child process (the capabilities stay dropped there): 0 when an unreadable file
 * and an unreadable directory are both reported and recorded as failures. */
static int check_unreadable(const char *dir)
{
	struct result res;
	int ok;

	if (geteuid() == 0 && !drop_dac_override())
		return 2;
	read_dir(dir, &res);
	ok = strstr(res.text, "D/locked: cannot read directory: Permission denied") &&
	     strstr(res.text, "D/secret.yaml: cannot read: Permission denied") && res.scan.n_failed_dirs == 1 &&
	     desired_scan_tenants(&res.scan) == 1 && find_file(&res.scan, "/secret.yaml") &&
	     !find_file(&res.scan, "/secret.yaml")->tenant;
	if (!ok)
		fprintf(stderr, "unexpected result:\n%s", res.text);
	release(&res);
	return ok ? 0 : 1;
}

static void test_unreadable(void **state)
{
	char *dir = test_tmpdir(), *p;
	int status;
	pid_t pid;

	mkdirs(dir, "locked");
	put_tenant(dir, "locked/t.yaml", "t");
	put_tenant(dir, "secret.yaml", "s");
	put_tenant(dir, "ok.yaml", "ok");
	p = xasprintf("%s/secret.yaml", dir);
	chmod(p, 0);
	free(p);
	p = xasprintf("%s/locked", dir);
	chmod(p, 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(check_unreadable(dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(p, 0755);
	free(p);
	test_rmtree(dir);
	free(dir);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2)
		skip(); /* no capability to drop */
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_unavailable_directories(void **state)
{
	char *dir = test_tmpdir(), *p;
	struct result res;

	read_dir(dir, &res); /* empty */
	assert_int_equal(res.r, -ENODATA);
	assert_int_equal(res.scan.status, DESIRED_SCAN_UNAVAILABLE);
	assert_string_equal(res.text, "D: no manifests (*.yaml or *.yml files) below the manifest directory\n");
	assert_non_null(strstr(res.scan.problem, "no manifests"));
	release(&res);
	test_write(dir, "README.md", "only docs\n");
	read_dir(dir, &res); /* no manifest in it */
	assert_int_equal(res.r, -ENODATA);
	release(&res);
	p = xasprintf("%s/missing", dir);
	read_dir(p, &res);
	assert_int_equal(res.r, -ENOENT);
	assert_int_equal(res.scan.status, DESIRED_SCAN_UNAVAILABLE);
	assert_true(test_contains(res.text, "cannot read the manifest directory: No such file or directory"));
	release(&res);
	free(p);
	p = xasprintf("%s/README.md", dir);
	read_dir(p, &res);
	assert_int_equal(res.r, -ENOTDIR);
	assert_int_equal(res.scan.status, DESIRED_SCAN_UNAVAILABLE);
	release(&res);
	free(p);
	test_rmtree(dir);
	free(dir);
}

static void test_depth_limit(void **state)
{
	char *dir = test_tmpdir();
	struct strbuf sb;
	struct result res;

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_adds(&sb, dir);
	for (int i = 0; i < MANIFEST_DIR_MAX_DEPTH + 1; i++) {
		strbuf_adds(&sb, "/d");
		assert_int_equal(mkdir(sb.buf, 0755), 0);
	}
	put_tenant(dir, "top.yaml", "top");
	read_dir(dir, &res);
	assert_true(test_contains(res.text, "directories nested deeper than 32 levels"));
	assert_int_equal(res.scan.n_failed_dirs, 1);
	release(&res);
	strbuf_release(&sb);
	test_rmtree(dir);
	free(dir);
}

/* Above the parallel threshold: the same results, in the same order, every time. */
static void test_many_files_deterministic(void **state)
{
	char *dir = test_tmpdir(), *first = NULL;
	struct result res;

	for (int i = 0; i < 400; i++) {
		char name[64], id[32];
		snprintf(name, sizeof(name), "t%03d.yaml", i);
		snprintf(id, sizeof(id), "t%03d", i % 397); /* three duplicated ids */
		put_tenant(dir, name, id);
	}
	test_write(dir, "t999.yaml", "metadata: {name: [\n");
	for (int run = 0; run < 3; run++) {
		struct strbuf sb;
		read_dir(dir, &res);
		assert_int_equal(res.scan.n_files, 401);
		assert_int_equal(desired_scan_tenants(&res.scan), 394);
		assert_int_equal(res.diags.n_errors, 7);
		strbuf_init(&sb, STRBUF_NO_CAP);
		strbuf_adds(&sb, res.text);
		for (size_t i = 0; i < res.scan.n_files; i++)
			strbuf_addf(&sb, "%s %s\n", res.scan.files[i].path,
				    res.scan.files[i].tenant ? res.scan.files[i].tenant->id : "-");
		if (!first)
			first = strbuf_detach(&sb, NULL);
		else
			assert_string_equal(first, sb.buf);
		strbuf_release(&sb);
		release(&res);
	}
	free(first);
	test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_what_is_read),
		cmocka_unit_test(test_duplicate_ids_name_both_files),
		cmocka_unit_test(test_failures_keep_what_they_know),
		cmocka_unit_test(test_symbolic_links),
		cmocka_unit_test(test_links_out_of_the_root),
		cmocka_unit_test(test_swapped_root),
		cmocka_unit_test(test_special_and_large_files),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_unavailable_directories),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_many_files_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
