/* Repeated log lines: one per key per interval, with the count left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "loglimit.h"

static void test_one_line_per_key_per_interval(void **state)
{
	struct loglimit l;
	unsigned long left_out = 99;

	loglimit_init(&l, 60000);
	assert_true(loglimit_allow(&l, "write: database or disk is full", 1000, &left_out));
	assert_int_equal(left_out, 0);
	for (int i = 0; i < 300; i++)
		assert_false(
			loglimit_allow(&l, "write: database or disk is full", 1000 + (uint64_t)i * 100, &left_out));
	/* another error is its own line */
	assert_true(loglimit_allow(&l, "commit: disk I/O error", 2000, &left_out));
	assert_int_equal(loglimit_suppressed(&l), 300);
	assert_true(loglimit_allow(&l, "write: database or disk is full", 61000, &left_out));
	assert_int_equal(left_out, 300);
	assert_false(loglimit_allow(&l, "write: database or disk is full", 61001, &left_out));
	loglimit_reset(&l);
	assert_true(loglimit_allow(&l, "write: database or disk is full", 61002, &left_out));
	loglimit_release(&l);
}

static void test_keys_are_bounded(void **state)
{
	struct loglimit l;
	unsigned long left_out;
	char key[32];

	loglimit_init(&l, 60000);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "error %d", i);
		assert_true(loglimit_allow(&l, key, (uint64_t)i, &left_out));
	}
	assert_int_equal(l.n, LOGLIMIT_KEYS);
	/* the most recent keys are still known */
	assert_false(loglimit_allow(&l, "error 999", 1000, &left_out));
	loglimit_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line_per_key_per_interval),
		cmocka_unit_test(test_keys_are_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
