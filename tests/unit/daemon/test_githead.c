/* git_head_commit against real repositories made with git in a temporary directory:
 * a branch (loose ref), packed refs, a detached HEAD, a subdirectory, and a
 * directory outside any repository; then repositories broken on purpose: HEAD and
 * packed-refs a FIFO or /dev/zero, link loops, a ref naming itself. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "githead.h"
#include "xalloc.h"

static char base[] = "/tmp/btd-git-XXXXXX";

static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *run(const char *fmt, ...)
{
	char cmd[2048], out[256] = "";
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	assert_int_equal(pclose(p), 0);
	out[strcspn(out, "\n")] = '\0';
	return xstrdup(out);
}

static void test_heads(void **state)
{
	char *sha, *want, *sub, *outside;

	free(run("cd %s && git init -q -b main repo && cd repo && mkdir -p tenants && echo a > tenants/a.yaml && "
		 "git add . && git -c user.name=t -c user.email=t@example.com commit -qm one",
		 base));
	want = run("cd %s/repo && git rev-parse HEAD", base);
	sub = xasprintf("%s/repo/tenants", base);
	assert_int_equal(git_head_commit(sub, &sha), 0);
	assert_string_equal(sha, want);
	free(sha);

	free(run("cd %s/repo && git pack-refs --all", base)); /* the ref moves to packed-refs */
	assert_int_equal(git_head_commit(sub, &sha), 0);
	assert_string_equal(sha, want);
	free(sha);

	free(run("cd %s/repo && echo b > tenants/b.yaml && git add . && "
		 "git -c user.name=t -c user.email=t@example.com commit -qm two && git checkout -q --detach HEAD~1",
		 base));
	assert_int_equal(git_head_commit(sub, &sha), 0);
	assert_string_equal(sha, want); /* detached at the first commit */
	free(sha);

	outside = xasprintf("%s/plain", base);
	free(run("mkdir -p %s", outside));
	assert_int_equal(git_head_commit(outside, &sha), -ENOENT);
	assert_int_equal(git_head_commit("/nonexistent/dir", &sha), -ENOENT);
	free(outside);
	free(want);
	free(sub);
}

/* A repository at base/NAME with one commit on main; its manifest directory (owned). */
static char *repo(const char *name, char **ret_sha)
{
	free(run("cd %s && git init -q -b main %s && cd %s && mkdir -p tenants && echo a > tenants/a.yaml && "
		 "git add . && git -c user.name=t -c user.email=t@example.com commit -qm one",
		 base, name, name));
	*ret_sha = run("cd %s/%s && git rev-parse HEAD", base, name);
	return xasprintf("%s/%s/tenants", base, name);
}

/* Files in .git that are not files: each is "cannot be read" (-EINVAL), at once. The
 * daemon reads the revision on its event loop, where a FIFO's open() waited for a
 * writer and /dev/zero as packed-refs was read without end. alarm() ends the test
 * should a read block (the failure of the code before). */
static void test_hostile_git_files(void **state)
{
	char *sha, *want, *dir = repo("hostile", &want), *git = xasprintf("%s/hostile/.git", base);

	alarm(60);
	free(run("cd %s && rm HEAD && mkfifo HEAD", git)); /* nobody ever writes it */
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);
	free(run("cd %s && rm HEAD && ln -s /dev/zero HEAD", git));
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);
	free(run("cd %s && rm HEAD && ln -s HEAD HEAD", git)); /* a link loop */
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);

	/* the branch only in packed-refs, and packed-refs endless, a FIFO, or a ref that
	 * names itself */
	free(run("cd %s && rm HEAD && echo 'ref: refs/heads/main' > HEAD && git --git-dir=. pack-refs --all", git));
	assert_int_equal(git_head_commit(dir, &sha), 0);
	assert_string_equal(sha, want);
	free(sha);
	free(run("cd %s && mv packed-refs packed && ln -s /dev/zero packed-refs", git));
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);
	free(run("cd %s && rm packed-refs && mkfifo packed-refs", git));
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);
	free(run("cd %s && rm packed-refs && echo 'ref: refs/heads/main' > refs/heads/main", git));
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);

	/* a HEAD of a megabyte on one line is not a commit; a good one after it is */
	free(run("cd %s && head -c 1048576 /dev/zero | tr '\\0' a > HEAD", git));
	assert_int_equal(git_head_commit(dir, &sha), -EINVAL);
	free(run("cd %s && echo %s > HEAD", git, want));
	assert_int_equal(git_head_commit(dir, &sha), 0);
	assert_string_equal(sha, want);
	free(sha);
	alarm(0);
	free(want);
	free(git);
	free(dir);
}

/* A checkout inside another repository, its own .git unusable: a .git file without
 * "gitdir: ", a link loop, a dangling link, a .git file naming itself. The revision
 * cannot be read (-EINVAL); the enclosing repository's commit was answered. */
static void test_unusable_dotgit_in_a_repository(void **state)
{
	char *sha, *outer, *inner_sha, *dir = xasprintf("%s/outer/inner/tenants", base);
	const char *breaks[] = {
		"echo 'not a gitdir line' > .git",
		"ln -s .git .git",
		"ln -s /nonexistent/.git .git",
		"echo 'gitdir: .git' > .git",
	};

	free(repo("outer", &outer));
	free(repo("outer/inner", &inner_sha));
	assert_int_equal(git_head_commit(dir, &sha), 0);
	assert_string_equal(sha, inner_sha);
	free(sha);
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		free(run("cd %s/outer/inner && rm -rf .git && %s", base, breaks[i]));
		sha = NULL;
		assert_int_equal(git_head_commit(dir, &sha), -EINVAL);
		assert_null(sha);
	}
	free(outer);
	free(inner_sha);
	free(dir);
}

static int setup(void **state)
{
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", base);
	int r = system(cmd);

	free(cmd);
	return r;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_hostile_git_files),
		cmocka_unit_test(test_unusable_dotgit_in_a_repository),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
