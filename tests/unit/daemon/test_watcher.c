/* The watcher on a real loop over a temporary tree. Each step waits for the next
 * batch (a guard timer fails the test instead of hanging); nothing is timed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "watcher.h"
#include "xalloc.h"

struct ctx {
	uv_loop_t loop;
	uv_timer_t guard;
	struct watcher *w;
	int batches;
	bool full;
	char reason[32];
	char paths[8][512];
	size_t n_paths;
	bool timed_out;
};

static char base[] = "/tmp/btd-watch-XXXXXX";

static void on_batch(struct watcher *w, const struct watcher_batch *b, void *data)
{
	struct ctx *c = data;

	c->batches++;
	c->full = b->full_rescan;
	snprintf(c->reason, sizeof(c->reason), "%s", b->reason ? b->reason : "");
	c->n_paths = 0;
	for (size_t i = 0; i < b->n_paths && i < 8; i++)
		snprintf(c->paths[c->n_paths++], sizeof(c->paths[0]), "%s", b->paths[i]);
	uv_stop(&c->loop);
}

static void on_guard(uv_timer_t *t)
{
	struct ctx *c = t->data;

	c->timed_out = true;
	uv_stop(&c->loop);
}

/* Run the loop until the next batch. */
static void next_batch(struct ctx *c)
{
	int before = c->batches;

	uv_timer_start(&c->guard, on_guard, 10000, 0);
	while (c->batches == before && !c->timed_out)
		uv_run(&c->loop, UV_RUN_ONCE);
	uv_timer_stop(&c->guard);
	assert_false(c->timed_out);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void closed(void *data)
{
	*(int *)data = 1;
}

static void test_events(void **state)
{
	struct ctx c = { 0 };
	char *root = xasprintf("%s/repo", base), *a = xasprintf("%s/a.yaml", root);
	char *sub = xasprintf("%s/team", root), *b = xasprintf("%s/b.yml", sub);
	char *tmp = xasprintf("%s/.a.yaml.swp", root);
	struct watcher_config cfg = { .root = root, .settle_ms = 20, .on_batch = on_batch, .data = &c };
	int done = 0;

	assert_int_equal(mkdir(root, 0755), 0);
	write_file(a, "x: 1\n");
	assert_int_equal(uv_loop_init(&c.loop), 0);
	uv_timer_init(&c.loop, &c.guard);
	c.guard.data = &c;
	assert_int_equal(watcher_start(&c.loop, &cfg, &c.w), 0);

	next_batch(&c); /* the first batch is a full scan */
	assert_true(c.full);
	assert_string_equal(c.reason, "start");
	assert_int_equal(watcher_watches(c.w), 1);

	write_file(a, "x: 2\n"); /* an edit */
	write_file(tmp, "ignored\n");
	next_batch(&c);
	assert_false(c.full);
	assert_int_equal(c.n_paths, 1);
	assert_string_equal(c.paths[0], a);

	assert_int_equal(unlink(a), 0); /* git writes by unlink + create */
	write_file(a, "x: 3\n");
	next_batch(&c);
	assert_int_equal(c.n_paths, 1);
	assert_string_equal(c.paths[0], a);

	assert_int_equal(mkdir(sub, 0755), 0); /* a new directory: rescan and watch it */
	next_batch(&c);
	assert_true(c.full);
	assert_string_equal(c.reason, "directory");
	assert_int_equal(watcher_watches(c.w), 2);
	write_file(b, "y: 1\n");
	next_batch(&c);
	assert_int_equal(c.n_paths, 1);
	assert_string_equal(c.paths[0], b);

	assert_int_equal(unlink(b), 0); /* a removed file is reported too */
	next_batch(&c);
	assert_string_equal(c.paths[0], b);

	watcher_inject(c.w, IN_Q_OVERFLOW); /* the kernel queue overflowed */
	next_batch(&c);
	assert_true(c.full);
	assert_string_equal(c.reason, "overflow");

	watcher_close(c.w, closed, &done);
	uv_close((uv_handle_t *)&c.guard, NULL);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	assert_int_equal(done, 1);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	free(root);
	free(a);
	free(sub);
	free(b);
	free(tmp);
}

/* git-sync style: the root is a symlink that is atomically replaced. */
static void test_symlink_swap(void **state)
{
	struct ctx c = { 0 };
	char *v1 = xasprintf("%s/rev1", base), *v2 = xasprintf("%s/rev2", base);
	char *link = xasprintf("%s/current", base), *tmp = xasprintf("%s/current.tmp", base);
	char *f1 = xasprintf("%s/t.yaml", v1), *f2 = xasprintf("%s/t.yaml", v2);
	char *via_link = xasprintf("%s/t.yaml", link);
	struct watcher_config cfg = { .root = link, .settle_ms = 20, .on_batch = on_batch, .data = &c };
	int done = 0;

	assert_int_equal(mkdir(v1, 0755), 0);
	assert_int_equal(mkdir(v2, 0755), 0);
	write_file(f1, "a: 1\n");
	write_file(f2, "a: 2\n");
	assert_int_equal(symlink("rev1", link), 0);
	assert_int_equal(uv_loop_init(&c.loop), 0);
	uv_timer_init(&c.loop, &c.guard);
	c.guard.data = &c;
	assert_int_equal(watcher_start(&c.loop, &cfg, &c.w), 0);
	next_batch(&c);
	assert_true(c.full);

	assert_int_equal(symlink("rev2", tmp), 0);
	assert_int_equal(rename(tmp, link), 0);
	next_batch(&c);
	assert_true(c.full);
	assert_string_equal(c.reason, "root");

	/* after the swap the new tree is the one watched */
	write_file(f2, "a: 3\n");
	next_batch(&c);
	assert_false(c.full);
	assert_string_equal(c.paths[0], via_link);

	watcher_close(c.w, closed, &done);
	uv_close((uv_handle_t *)&c.guard, NULL);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	free(v1);
	free(v2);
	free(link);
	free(tmp);
	free(f1);
	free(f2);
	free(via_link);
}

/* Files that could not be read for want of descriptors: the directory is read again
 * by itself, 1 s later, then twice as long each time it is wanted again; once no
 * reading wants it, the next wait is 1 s again. */
static void test_reread(void **state)
{
	struct ctx c = { 0 };
	char *root = xasprintf("%s/reread", base);
	struct watcher_config cfg = { .root = root, .settle_ms = 20, .on_batch = on_batch, .data = &c };
	int done = 0;

	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(uv_loop_init(&c.loop), 0);
	uv_timer_init(&c.loop, &c.guard);
	c.guard.data = &c;
	assert_int_equal(watcher_start(&c.loop, &cfg, &c.w), 0);
	next_batch(&c);
	assert_string_equal(c.reason, "start");

	assert_int_equal(watcher_reread(c.w, true), WATCHER_REREAD_FIRST_MS);
	assert_int_equal(watcher_reread(c.w, true), 0); /* one is pending */
	next_batch(&c);
	assert_true(c.full);
	assert_string_equal(c.reason, "reread");
	assert_int_equal(watcher_reread(c.w, true), 2 * WATCHER_REREAD_FIRST_MS);
	assert_int_equal(watcher_reread(c.w, false), 0);
	assert_int_equal(watcher_reread(c.w, true), WATCHER_REREAD_FIRST_MS);
	assert_int_equal(watcher_reread(c.w, false), 0);

	/* the waits while readings keep wanting it: 1, 2, 4 ... 32 s, then a minute each */
	{
		static const uint64_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
		uint64_t ms = 0;
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			assert_int_equal(ms = watcher_reread_delay(ms), want[i]);
	}

	watcher_close(c.w, closed, &done);
	uv_close((uv_handle_t *)&c.guard, NULL);
	uv_run(&c.loop, UV_RUN_DEFAULT); /* no batch comes after the last "not wanted" */
	assert_int_equal(done, 1);
	assert_int_equal(c.batches, 2);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	free(root);
}

static void test_manifest_names(void **state)
{
	assert_true(watcher_is_manifest_name("a.yaml"));
	assert_true(watcher_is_manifest_name("a.yml"));
	assert_false(watcher_is_manifest_name(".a.yaml"));
	assert_false(watcher_is_manifest_name("a.yaml~"));
	assert_false(watcher_is_manifest_name("yaml"));
	assert_false(watcher_is_manifest_name(".yaml"));
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
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_symlink_swap),
		cmocka_unit_test(test_reread),
		cmocka_unit_test(test_manifest_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
