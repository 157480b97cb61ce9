/* The durable store: everything written survives a close and reopen. */
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

#include "store.h"
#include "xalloc.h"

static char dir[] = "/tmp/btd-store-XXXXXX";

static char *db_path(void)
{
	return xasprintf("%s/state.db", dir);
}

static void free_record(void *r)
{
	tenant_record_free(r);
}

static void test_round_trip(void **state)
{
	char *path = db_path();
	struct store *s;
	struct hashmap records, held;
	struct tenant_record *r;
	struct create_intent in = { .profile_key = "chat",
				    .name = "acme-chat-aaaaaa",
				    .token = "0123456789abcdef0123456789abcdef",
				    .since = 1700000000 };
	struct resource_timer t = { TIMER_DRAIN, "arn:aws:bedrock:us-east-1:1:application-inference-profile/x", 42 };
	char *keys[] = { "Team", "CostCenter" };
	char *meta;

	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(store_put_tenant(s, "acme", DELETION_RETAIN), 0);
	assert_int_equal(store_put_intent(s, "acme", &in), 0);
	assert_int_equal(store_put_timer(s, "acme", &t), 0);
	assert_int_equal(store_put_applied(s, "acme", t.resource, keys, 2), 0);
	assert_int_equal(store_put_applied(s, "globex", "/p", keys, 1), 0);
	assert_int_equal(store_set_held(s, "globex", 7), 0);
	assert_int_equal(store_put_meta(s, "account:default", "111122223333"), 0);
	store_close(s);

	assert_int_equal(store_open(path, &s, NULL), 0);
	hashmap_init(&records);
	assert_int_equal(store_load(s, &records), 0);
	assert_int_equal(records.n, 2);
	r = hashmap_get(&records, "acme");
	assert_true(r->known);
	assert_int_equal(r->deletion_policy, DELETION_RETAIN);
	assert_string_equal(record_intent(r, "chat")->token, in.token);
	assert_int_equal(record_intent(r, "chat")->since, 1700000000);
	assert_int_equal(record_timer(r, t.resource)->kind, TIMER_DRAIN);
	assert_int_equal(record_timer(r, t.resource)->since, 42);
	assert_int_equal(record_applied(r, t.resource)->n_keys, 2);
	r = hashmap_get(&records, "globex");
	assert_false(r->known);
	assert_true(record_applied_has(r, "/p", "Team"));
	hashmap_init(&held);
	assert_int_equal(store_load_held(s, &held), 0);
	assert_non_null(hashmap_get(&held, "globex"));
	assert_int_equal(store_get_meta(s, "account:default", &meta), 0);
	assert_string_equal(meta, "111122223333");
	free(meta);
	assert_int_equal(store_get_meta(s, "nope", &meta), 0);
	assert_null(meta);

	/* Clearing and forgetting */
	assert_int_equal(store_clear_intent(s, "acme", "chat"), 0);
	assert_int_equal(store_clear_timer(s, "acme", t.resource), 0);
	assert_int_equal(store_put_applied(s, "acme", t.resource, NULL, 0), 0);
	assert_int_equal(store_forget_tenant(s, "globex"), 0);
	hashmap_release(&records, free_record);
	hashmap_init(&records);
	assert_int_equal(store_load(s, &records), 0);
	assert_int_equal(records.n, 1);
	assert_true(record_is_empty(hashmap_get(&records, "acme")));
	hashmap_release(&records, free_record);
	hashmap_release(&held, NULL);
	store_close(s);
	free(path);
}

static void test_unopenable_path_reports(void **state)
{
	struct store *s = NULL;
	char *err = NULL;

	assert_int_equal(store_open("/nonexistent-dir/x/state.db", &s, &err), -EIO);
	assert_null(s);
	assert_non_null(err);
	assert_non_null(strstr(err, "/nonexistent-dir/x/state.db"));
	free(err);
	store_close(NULL);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int r = system(cmd);

	free(cmd);
	return r;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unopenable_path_reports),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
