/* git_sync_status: the parser of bedrock-tenantd-git-sync's status file (every key,
 * unknown keys, bad revisions and times, CRLF, control characters, overlong values) and
 * the reader (the file beside the configured manifest path, a missing file, a FIFO). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "git_sync_status.h"
#include "xalloc.h"

#define REV1 "0123456789abcdef0123456789abcdef01234567"
#define REV2 "89abcdef0123456789abcdef0123456789abcdef"

static void parse(const char *text, struct git_sync_status *st)
{
	git_sync_status_parse(text, strlen(text), st);
}

static void test_every_key(void **state)
{
	struct git_sync_status st;

	parse("revision=" REV1 "\nremote_revision=" REV2 "\nbranch=main\nsynced_at=1700000000\n"
	      "checked_at=1700000060\nerror=fetching main failed\nfuture_key=1\n",
	      &st);
	assert_string_equal(st.revision, REV1);
	assert_string_equal(st.remote_revision, REV2);
	assert_string_equal(st.branch, "main");
	assert_int_equal(st.synced_at, 1700000000);
	assert_int_equal(st.checked_at, 1700000060);
	assert_string_equal(st.error, "fetching main failed");
	assert_true(git_sync_status_behind(&st));
}

static void test_not_behind(void **state)
{
	struct git_sync_status st;

	parse("revision=" REV1 "\r\nremote_revision=" REV1 "\r\nerror=\r\n", &st);
	assert_string_equal(st.revision, REV1);
	assert_false(git_sync_status_behind(&st));
	assert_string_equal(st.error, "");
	/* nothing fetched yet: not behind */
	parse("revision=\nremote_revision=\n", &st);
	assert_false(git_sync_status_behind(&st));
	/* fetched, never synced: behind */
	parse("remote_revision=" REV2 "\n", &st);
	assert_true(git_sync_status_behind(&st));
}

static void test_bad_values(void **state)
{
	struct git_sync_status st;
	char long_error[2048];

	parse("revision=../../etc\nremote_revision=" REV1 "x\nsynced_at=-5\nchecked_at=12ab\n", &st);
	assert_string_equal(st.revision, "");
	assert_string_equal(st.remote_revision, "");
	assert_int_equal(st.synced_at, 0);
	assert_int_equal(st.checked_at, 0);
	parse("error=a\tb\x1b[31mc\n", &st);
	assert_string_equal(st.error, "a b [31mc");
	memset(long_error, 'e', sizeof(long_error));
	memcpy(long_error, "error=", 6);
	git_sync_status_parse(long_error, sizeof(long_error), &st);
	assert_int_equal(strlen(st.error), sizeof(st.error) - 1);
	parse("no equals sign\n=\n", &st);
	assert_string_equal(st.branch, "");
}

static void test_read(void **state)
{
	char dir[] = "/tmp/btd-gss-XXXXXX", *path, *manifests;
	struct git_sync_status st;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	manifests = xasprintf("%s/current", dir);
	assert_int_equal(git_sync_status_read(manifests, &st), -ENOENT);
	path = xasprintf("%s/.git-sync-status", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "revision=%s\nremote_revision=%s\n", REV1, REV2);
	fclose(f);
	assert_int_equal(git_sync_status_read(manifests, &st), 0);
	assert_string_equal(st.revision, REV1);
	assert_true(git_sync_status_behind(&st));
	/* a trailing slash names the same directory */
	free(manifests);
	manifests = xasprintf("%s/current//", dir);
	assert_int_equal(git_sync_status_read(manifests, &st), 0);
	assert_string_equal(st.remote_revision, REV2);
	/* a FIFO in its place is refused, not waited on */
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(git_sync_status_read(manifests, &st), -EINVAL);
	unlink(path);
	free(path);
	free(manifests);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_not_behind),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
