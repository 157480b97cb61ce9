/* The ordered map under every awsim collection (tests/awsim/omap.c), against a
 * sorted reference array, with AVL balance checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ids.h"
#include "omap.h"

#define N 4000

static int check(const struct omap_node *n, const char *lo, const char *hi)
{
	int l, r;

	if (!n)
		return 0;
	assert_true(!lo || strcmp(n->key, lo) > 0);
	assert_true(!hi || strcmp(n->key, hi) < 0);
	l = check(n->left, lo, n->key);
	r = check(n->right, n->key, hi);
	assert_true(l - r <= 1 && r - l <= 1);
	assert_int_equal(n->height, 1 + (l > r ? l : r));
	return n->height;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int count_cb(const char *key, void *value, void *ctx)
{
	(void)key;
	(void)value;
	(*(size_t *)ctx)++;
	return 0;
}

static void test_against_reference(void **state)
{
	struct omap m;
	struct prng rng;
	char *keys[N];
	size_t live = 0, walked = 0;
	const struct omap_node *n;

	(void)state;
	omap_init(&m);
	prng_seed(&rng, 1);
	for (int i = 0; i < N; i++) {
		keys[i] = malloc(16);
		snprintf(keys[i], 16, "k%08llu", (unsigned long long)(prng_next(&rng) % 1000000));
		if (omap_put(&m, keys[i], keys[i]) == NULL)
			live++;
	}
	assert_int_equal(m.n, live);
	check(m.root, NULL, NULL);
	/* delete every other distinct key */
	qsort(keys, N, sizeof(keys[0]), cmp);
	for (int i = 0; i < N; i += 2) {
		void *v = omap_del(&m, keys[i]);
		if (v)
			live--;
	}
	assert_int_equal(m.n, live);
	check(m.root, NULL, NULL);
	/* iteration in order, with lookups agreeing */
	{
		const char *prev = NULL;
		size_t seen = 0;
		for (n = omap_next(&m, NULL); n; n = omap_next(&m, n->key)) {
			assert_true(!prev || strcmp(prev, n->key) < 0);
			assert_ptr_equal(omap_get(&m, n->key), n->value);
			prev = n->key;
			seen++;
		}
		assert_int_equal(seen, live);
	}
	omap_walk(&m, count_cb, &walked);
	assert_int_equal(walked, live);
	assert_null(omap_get(&m, "absent"));
	assert_null(omap_del(&m, "absent"));
	omap_clear(&m, NULL);
	assert_int_equal(m.n, 0);
	for (int i = 0; i < N; i++)
		free(keys[i]);
}

static void test_next_after_missing_key(void **state)
{
	struct omap m;
	int v = 1;

	(void)state;
	omap_init(&m);
	omap_put(&m, "b", &v);
	omap_put(&m, "d", &v);
	assert_string_equal(omap_next(&m, "a")->key, "b");
	assert_string_equal(omap_next(&m, "b")->key, "d");
	assert_string_equal(omap_next(&m, "c")->key, "d");
	assert_null(omap_next(&m, "d"));
	assert_ptr_equal(omap_put(&m, "b", NULL), &v);
	omap_clear(&m, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_next_after_missing_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
