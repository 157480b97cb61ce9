#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intern.h"
#include "model.h"

static size_t pool_strings(void)
{
	size_t n, bytes;

	intern_stats(&n, &bytes);
	return n;
}

static void test_one_copy_per_string(void **state)
{
	char buf[32];
	const char *a, *b, *c;
	size_t base = pool_strings();

	snprintf(buf, sizeof(buf), "%s", "bedrock-tenantd:tenant");
	a = intern("bedrock-tenantd:tenant");
	b = intern(buf);
	c = intern("bedrock-tenantd:profile");
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, buf);
	assert_ptr_not_equal(a, c);
	assert_string_equal(a, "bedrock-tenantd:tenant");
	assert_int_equal(pool_strings(), base + 2);
	assert_ptr_equal(intern_ref(a), a);
	intern_unref(a);
	intern_unref(b);
	assert_int_equal(pool_strings(), base + 2); /* one reference left */
	intern_unref(a);
	assert_int_equal(pool_strings(), base + 1);
	intern_unref(c);
	assert_int_equal(pool_strings(), base);
	assert_null(intern(NULL));
	assert_null(intern_ref(NULL));
	intern_unref(NULL);
	a = intern("");
	assert_ptr_equal(intern(""), a);
	intern_unref(a);
	intern_unref(a);
	assert_int_equal(pool_strings(), base);
}

/* Removal shifts entries back in their probe runs: whatever the order of removals,
 * every string left is found again, once. */
static void test_churn_keeps_every_string(void **state)
{
	enum { N = 20000 };
	const char **v = calloc(N, sizeof(*v));
	char key[32];
	size_t base = pool_strings();

	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "value-%d", i);
		v[i] = intern(key);
	}
	assert_int_equal(pool_strings(), base + N);
	for (int i = 0; i < N; i += 3) { /* every third goes */
		intern_unref(v[i]);
		v[i] = NULL;
	}
	for (int i = 0; i < N; i++) {
		const char *again;
		snprintf(key, sizeof(key), "value-%d", i);
		again = intern(key);
		if (v[i]) {
			assert_ptr_equal(again, v[i]);
			intern_unref(again);
		} else {
			v[i] = again; /* back in, with one reference */
		}
	}
	assert_int_equal(pool_strings(), base + N);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "value-%d", i);
		assert_string_equal(v[i], key);
		intern_unref(v[i]);
	}
	assert_int_equal(pool_strings(), base);
	free(v);
}

/* Tag sets share their keys and values: two resources' tags, one copy each. */
static void test_tag_sets_share_strings(void **state)
{
	struct tag_set a, b, c;
	size_t base = pool_strings();

	tag_set_init(&a);
	tag_set_init(&b);
	tag_set_put(&a, TAG_MANAGED_BY, "bedrock-tenantd");
	tag_set_put(&a, "CostCenter", "research");
	tag_set_put(&b, "CostCenter", "research");
	tag_set_put(&b, TAG_MANAGED_BY, "bedrock-tenantd");
	assert_ptr_equal(a.items[0].key, b.items[0].key);
	assert_ptr_equal(a.items[0].value, b.items[0].value);
	assert_ptr_equal(a.items[1].value, b.items[1].value);
	tag_set_copy(&c, &a);
	assert_ptr_equal(c.items[1].key, a.items[1].key);
	assert_int_equal(pool_strings(), base + 4);
	tag_set_put(&b, "CostCenter", "research"); /* the same value again */
	tag_set_put(&c, "CostCenter", "finance");
	assert_string_equal(tag_set_get(&a, "CostCenter"), "research");
	assert_string_equal(tag_set_get(&c, "CostCenter"), "finance");
	assert_true(tag_set_remove(&b, TAG_MANAGED_BY));
	tag_set_release(&a);
	tag_set_release(&b);
	tag_set_release(&c);
	assert_int_equal(pool_strings(), base);
}

#define THREADS 4
#define PER	5000

static void *worker(void *arg)
{
	const char **out = arg;
	char key[32];

	for (int i = 0; i < PER; i++) {
		snprintf(key, sizeof(key), "shared-%d", i % 500);
		out[i] = intern(key);
	}
	return NULL;
}

/* Threads interning the same strings at once get the same copies. */
static void test_threads_agree(void **state)
{
	pthread_t th[THREADS];
	const char **got = calloc(THREADS * PER, sizeof(*got));
	size_t base = pool_strings();

	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, worker, &got[t * PER]), 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(pool_strings(), base + 500);
	for (int t = 1; t < THREADS; t++)
		for (int i = 0; i < PER; i++)
			assert_ptr_equal(got[t * PER + i], got[i]);
	for (int i = 0; i < THREADS * PER; i++)
		intern_unref(got[i]);
	assert_int_equal(pool_strings(), base);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_copy_per_string),
		cmocka_unit_test(test_churn_keeps_every_string),
		cmocka_unit_test(test_tag_sets_share_strings),
		cmocka_unit_test(test_threads_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
