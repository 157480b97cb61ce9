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

/* Lists of interned strings: one copy per distinct list (the same strings in the same
 * order), holding its strings while it lives; gone with its last reference. */
static void test_one_copy_per_list(void **state)
{
	size_t base = pool_strings(), n, bytes, base_bytes;
	const char *k[3], *other[2];
	const char *const *l1, *const *l2, *const *l3;

	(void)state;
	/* the lists' table, like the strings', stays once made: make it first */
	k[0] = intern("warm");
	intern_list_unref(intern_list(k, 1));
	intern_unref(k[0]);
	intern_stats(&n, &base_bytes);
	k[0] = intern("CostCenter");
	k[1] = intern("Team");
	k[2] = intern("app");
	l1 = intern_list(k, 3);
	l2 = intern_list(k, 3);
	assert_ptr_equal(l1, l2);
	assert_ptr_not_equal(l1, k);
	assert_ptr_equal(l1[1], k[1]);
	assert_int_equal(intern_list_len(l1), 3);
	assert_int_equal(intern_list_len(NULL), 0);
	other[0] = k[1];
	other[1] = k[0];
	l3 = intern_list(other, 2); /* another order, another list */
	assert_ptr_not_equal(l3, l1);
	assert_ptr_equal(l3[0], k[1]);
	assert_int_equal(intern_list_len(l3), 2);
	assert_null(intern_list(k, 0));
	/* the lists keep their strings */
	for (int i = 0; i < 3; i++)
		intern_unref(k[i]);
	assert_int_equal(pool_strings(), base + 3);
	assert_string_equal(l1[2], "app");
	intern_list_unref(l1);
	intern_list_unref(l3);
	assert_int_equal(pool_strings(), base + 3); /* l2 holds them */
	assert_ptr_equal(intern_list(l2, 3), l2);
	intern_list_unref(l2);
	intern_list_unref(l2);
	intern_list_unref(NULL);
	assert_int_equal(pool_strings(), base);
	intern_stats(&n, &bytes);
	assert_int_equal(bytes, base_bytes);
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

/* Entries live in slots of the pool's blocks, their size rounded up to 8 (no malloc
 * chunk each): strings of 100 characters one after the other, 112 bytes apart (8 of
 * count and hash, 101 of text); a freed slot is the next one of its size. */
static void test_strings_packed_in_slots(void **state)
{
	enum { N = 64 };
	const char *v[N];
	char key[128];
	size_t adjacent = 0;
	const char *again;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "%0100d", i);
		v[i] = intern(key);
		assert_int_equal(strlen(v[i]), 100);
	}
	for (int i = 1; i < N; i++)
		adjacent += v[i] - v[i - 1] == 112;
	assert_true(adjacent >= N - 2); /* a new block may start once or twice */
	intern_unref(v[7]);
	snprintf(key, sizeof(key), "%0100d", N);
	again = intern(key);
	assert_ptr_equal(again, v[7]); /* the freed slot, its memory reused */
	assert_string_equal(again, key);
	v[7] = again;
	{ /* handles: a slotted string's, back to the string itself; none past 263 characters */
		uint32_t h[3];
		char longer[300];
		const char *w[3] = { v[0], v[1], NULL };
		assert_true(intern_handles(w, 2, h));
		assert_ptr_equal(intern_handle_str(h[0]), v[0]);
		assert_ptr_equal(intern_handle_str(h[1]), v[1]);
		assert_int_equal(intern_handle(v[1]), h[1]);
		memset(longer, 'x', sizeof(longer) - 1);
		longer[sizeof(longer) - 1] = '\0';
		w[2] = intern(longer);
		assert_int_equal(intern_handle(w[2]), 0);
		assert_false(intern_handles(w, 3, h));
		intern_unref(w[2]);
	}
	for (int i = 0; i < N; i++)
		intern_unref(v[i]);
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
		cmocka_unit_test(test_one_copy_per_list),
		cmocka_unit_test(test_churn_keeps_every_string),
		cmocka_unit_test(test_tag_sets_share_strings),
		cmocka_unit_test(test_threads_agree),
		cmocka_unit_test(test_strings_packed_in_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
