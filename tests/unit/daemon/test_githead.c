/* git_head_commit against real repositories made with git in a temporary directory:
 * a branch (loose ref), packed refs, a detached HEAD, a subdirectory, and a
 * directory outside any repository. */
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
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
