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

/* A borrowing map keeps the caller's key pointers: a key inside its value; a put
 * that replaces an entry takes the new value's key (the old one may be freed). */
struct named {
	char *name;
	int n;
};

static void free_named(void *p)
{
	struct named *x = p;

	free(x->name);
	free(x);
}

static struct named *named(const char *name, int n)
{
	struct named *x = malloc(sizeof(*x));

	x->name = strdup(name);
	x->n = n;
	return x;
}

static void test_borrowed_keys(void **state)
{
	struct hashmap m;
	struct named *a = named("arn:1", 1), *b = named("arn:2", 2), *a2 = named("arn:1", 3);
	const char *k;
	size_t pos = 0;

	hashmap_init_borrowed(&m);
	assert_null(hashmap_put(&m, a->name, a));
	assert_null(hashmap_put(&m, b->name, b));
	assert_true(hashmap_next(&m, &pos, &k, NULL));
	assert_true(k == a->name || k == b->name); /* not a copy */
	assert_ptr_equal(hashmap_put(&m, a2->name, a2), a);
	free_named(a); /* its name was the key: the entry holds a2's now */
	assert_ptr_equal(hashmap_get(&m, "arn:1"), a2);
	assert_ptr_equal(hashmap_remove(&m, "arn:2"), b);
	free_named(b);
	assert_int_equal(m.n, 1);
	hashmap_release(&m, free_named);
	assert_true(m.borrowed); /* still a borrowing map */
	a = named("arn:3", 4);
	hashmap_put(&m, a->name, a);
	hashmap_release(&m, free_named);
}

static const char *name_of(const void *v)
{
	return ((const struct named *)v)->name;
}

/* A keyed map holds no key at all (16-byte slots): each value names its own; put,
 * replace, remove, iterate and release as any map, through churn and growth. */
static void test_keyed(void **state)
{
	struct hashmap m;
	struct named *a = named("arn:1", 1), *a2 = named("arn:1", 2);
	const char *k;
	void *v;
	size_t pos = 0, seen = 0;
	char key[32];

	(void)state;
	assert_int_equal(sizeof(struct hashmap_kentry), 16);
	hashmap_init_keyed(&m, name_of);
	assert_null(hashmap_get(&m, "arn:1"));
	assert_null(hashmap_remove(&m, "arn:1"));
	assert_null(hashmap_put(&m, a->name, a));
	assert_ptr_equal(hashmap_put(&m, a2->name, a2), a);
	free_named(a);
	assert_ptr_equal(hashmap_get(&m, "arn:1"), a2);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_null(hashmap_put(&m, key, named(key, i)));
		if (i % 3 == 0) { /* churn: tombstones among live slots */
			snprintf(key, sizeof(key), "k%d", i / 2);
			free_named(hashmap_remove(&m, key));
		}
	}
	for (int i = 0; i < 5000; i++) {
		struct named *x;
		snprintf(key, sizeof(key), "k%d", i);
		x = hashmap_get(&m, key);
		if (x) {
			assert_string_equal(x->name, key);
			assert_int_equal(x->n, i);
		}
	}
	while (hashmap_next(&m, &pos, &k, &v)) {
		assert_ptr_equal(k, ((struct named *)v)->name);
		seen++;
	}
	assert_int_equal(seen, m.n);
	assert_ptr_equal(hashmap_remove(&m, "arn:1"), a2);
	free_named(a2);
	hashmap_release(&m, free_named);
	assert_ptr_equal(m.key_of, name_of); /* still keyed */
	assert_true(m.borrowed);
	a = named("arn:3", 4);
	hashmap_put(&m, a->name, a);
	assert_ptr_equal(hashmap_get(&m, "arn:3"), a);
	hashmap_release(&m, free_named);
}

/* A keyed map's table is at most seven eighths full: 7,000 entries in 8,192 slots
 * (three quarters would have doubled it to 16,384 at 6,145), 7,169 in 16,384. */
static void test_keyed_fuller_table(void **state)
{
	struct hashmap m;
	char key[32];

	(void)state;
	hashmap_init_keyed(&m, name_of);
	for (int i = 0; i < 7000; i++) {
		snprintf(key, sizeof(key), "arn:%d", i);
		assert_null(hashmap_put(&m, key, named(key, i)));
	}
	assert_int_equal(m.cap, 8192);
	for (int i = 0; i < 7000; i++) {
		struct named *x;
		snprintf(key, sizeof(key), "arn:%d", i);
		x = hashmap_get(&m, key);
		assert_non_null(x);
		assert_int_equal(x->n, i);
	}
	snprintf(key, sizeof(key), "arn:%d", 7000);
	assert_null(hashmap_get(&m, key)); /* a miss ends at an empty slot */
	for (int i = 7000; i < 7169; i++) {
		snprintf(key, sizeof(key), "arn:%d", i);
		assert_null(hashmap_put(&m, key, named(key, i)));
	}
	assert_int_equal(m.cap, 16384);
	hashmap_release(&m, free_named);
}

/* A large table whose entries are all removed is freed; a small one is kept. */
static void test_emptied_table_given_back(void **state)
{
	struct hashmap m, k;
	char key[32];

	(void)state;
	hashmap_init(&m);
	hashmap_init_keyed(&k, name_of);
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "tenant-%d", i);
		hashmap_put(&m, key, (void *)1);
		assert_null(hashmap_put(&k, key, named(key, i)));
	}
	assert_true(m.cap >= HASHMAP_KEEP_EMPTY_MAX && k.cap >= HASHMAP_KEEP_EMPTY_MAX);
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "tenant-%d", i);
		assert_non_null(hashmap_remove(&m, key));
		free_named(hashmap_remove(&k, key));
		assert_int_equal(m.cap == 0, i == 1999);
		assert_int_equal(k.cap == 0, i == 1999);
	}
	assert_null(m.entries);
	assert_null(k.kentries);
	assert_null(hashmap_get(&m, "tenant-1"));
	assert_null(hashmap_put(&m, "again", (void *)2)); /* usable again, in its mode */
	assert_ptr_equal(hashmap_get(&m, "again"), (void *)2);
	assert_null(hashmap_put(&k, "again", named("again", 7)));
	assert_int_equal(((struct named *)hashmap_get(&k, "again"))->n, 7);
	hashmap_release(&k, free_named);
	/* a small table stays: maps that empty and fill again allocate nothing */
	assert_ptr_equal(hashmap_remove(&m, "again"), (void *)2);
	assert_true(m.cap > 0 && m.cap < HASHMAP_KEEP_EMPTY_MAX);
	hashmap_release(&m, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_remove),	   cmocka_unit_test(test_many_with_churn),
		cmocka_unit_test(test_borrowed_keys),	   cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_keyed_fuller_table), cmocka_unit_test(test_emptied_table_given_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
