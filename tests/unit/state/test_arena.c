#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"

/* A store's arena holds a place's listing, 100-400 tenants of about 800 bytes: what it
 * takes from malloc beyond what was asked for stays within 16 KB (the last block's
 * unused tail) and a little (each block's header, and the tail too short for the next
 * object), whatever the total. */
static void test_waste_bounded(void **state)
{
	(void)state;
	for (size_t total = 4 * 1024; total <= 400 * 1024; total += 7 * 1024 + 40) {
		struct arena *a = arena_new();
		size_t asked = 0;

		while (asked < total) {
			arena_alloc(a, 104); /* a profile entry */
			asked += 104;
		}
		size_t held = arena_bytes(a);

		arena_free(a);
		if (held > asked + 16 * 1024 + asked / 64 + 1024) {
			fprintf(stderr, "%zu bytes asked for, %zu held\n", asked, held);
			fail();
		}
	}
}

/* Every object keeps what was written into it, zeroed at first and aligned to 8,
 * small and large (a block of its own) mixed; strings of every length, "" and NULL. */
static void test_objects_kept(void **state)
{
	struct arena *a = arena_new();
	static const size_t sizes[] = { 1, 7, 8, 9, 24, 104, 144, 1000, 4096, 4097, 5000, 16384, 70000 };
	enum { N = 3000 };
	unsigned char *obj[N];
	size_t len[N];
	char *str[64], want[64 + 1];

	(void)state;
	for (size_t i = 0; i < N; i++) {
		len[i] = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		obj[i] = arena_alloc(a, len[i]);
		assert_int_equal((uintptr_t)obj[i] % 8, 0);
		for (size_t k = 0; k < len[i]; k++)
			assert_int_equal(obj[i][k], 0);
		memset(obj[i], (int)(i & 0xff), len[i]);
	}
	for (size_t i = 0; i < 64; i++) {
		memset(want, 'a' + (int)(i % 26), i);
		want[i] = '\0';
		str[i] = arena_strdup(a, want);
	}
	assert_null(arena_strdup(a, NULL));
	for (size_t i = 0; i < N; i++)
		for (size_t k = 0; k < len[i]; k++)
			assert_int_equal(obj[i][k], i & 0xff);
	for (size_t i = 0; i < 64; i++) {
		assert_int_equal(strlen(str[i]), i);
		for (size_t k = 0; k < i; k++)
			assert_int_equal(str[i][k], 'a' + (int)(i % 26));
	}
	arena_free(a);
}

/* An adopted arena's objects live on in the adopter, which goes on filling its block. */
static void test_adopt(void **state)
{
	struct arena *a = arena_new(), *b = arena_new();
	char *x = arena_strdup(a, "kept"), *y = arena_strdup(b, "moved"), *z;
	size_t held = arena_bytes(a) + arena_bytes(b);

	(void)state;
	arena_adopt(a, b);
	arena_adopt(a, NULL);
	z = arena_strdup(a, "after");
	assert_string_equal(x, "kept");
	assert_string_equal(y, "moved");
	assert_string_equal(z, "after");
	assert_true(arena_bytes(a) <= held);
	arena_free(a);
	arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waste_bounded),
		cmocka_unit_test(test_objects_kept),
		cmocka_unit_test(test_adopt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
