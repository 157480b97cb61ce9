#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hashmap.h"
#include "xalloc.h"

static void test_put_get_remove(void **state)
{
	struct hashmap m;
	int a = 1, b = 2;

	hashmap_init(&m);
	assert_null(hashmap_get(&m, "x"));
	assert_null(hashmap_put(&m, "x", &a));
	assert_ptr_equal(hashmap_get(&m, "x"), &a);
	assert_ptr_equal(hashmap_put(&m, "x", &b), &a);
	assert_ptr_equal(hashmap_get(&m, "x"), &b);
	assert_int_equal(m.n, 1);
	assert_ptr_equal(hashmap_remove(&m, "x"), &b);
	assert_null(hashmap_get(&m, "x"));
	assert_null(hashmap_remove(&m, "x"));
	assert_int_equal(m.n, 0);
	hashmap_release(&m, NULL);
}

static void test_many_with_churn(void **state)
{
	struct hashmap m;
	char key[32];
	size_t pos = 0, seen = 0;
	const char *k;
	void *v;

	hashmap_init(&m);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			snprintf(key, sizeof(key), "tenant-%d", i);
			free(hashmap_put(&m, key, xstrdup(key)));
		}
		for (int i = 0; i < 20000; i += 2) {
			snprintf(key, sizeof(key), "tenant-%d", i);
			free(hashmap_remove(&m, key));
		}
	}
	assert_int_equal(m.n, 10000);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "tenant-%d", i);
		v = hashmap_get(&m, key);
		if (i % 2)
			assert_string_equal(v, key);
		else
			assert_null(v);
	}
	while (hashmap_next(&m, &pos, &k, &v)) {
		assert_string_equal(k, v);
		seen++;
	}
	assert_int_equal(seen, 10000);
	/* tombstones do not grow the table without bound */
	assert_true(m.cap <= 65536);
	hashmap_release(&m, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_remove),
		cmocka_unit_test(test_many_with_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
