#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "prune.h"

static void test_small_fleets_use_the_floor(void **state)
{
	struct prune_limits l = PRUNE_LIMITS_DEFAULT;

	assert_int_equal(prune_threshold(&l, 0), 10);
	assert_int_equal(prune_threshold(&l, 6), 10);
	assert_false(prune_must_hold(&l, 6, 6)); /* every tenant of a tiny fleet: within the floor */
	assert_false(prune_must_hold(&l, 10, 100));
	assert_true(prune_must_hold(&l, 11, 100));
}

static void test_large_fleets_use_the_percentage(void **state)
{
	struct prune_limits l = PRUNE_LIMITS_DEFAULT;

	assert_int_equal(prune_threshold(&l, 1000), 50);
	assert_false(prune_must_hold(&l, 50, 1000));
	assert_true(prune_must_hold(&l, 51, 1000));
	assert_true(prune_must_hold(&l, 100000, 100000)); /* "every file deleted" */
}

static void test_limits_are_configurable(void **state)
{
	struct prune_limits l = { 0, 0 };

	assert_true(prune_must_hold(&l, 1, 100)); /* approve every deletion */
	l = (struct prune_limits){ 0, 2.5 };	  /* fractional: 2.5 % of 1000 is 25 */
	assert_false(prune_must_hold(&l, 25, 1000));
	assert_true(prune_must_hold(&l, 26, 1000));
	l = (struct prune_limits){ 3, 50 };
	assert_false(prune_must_hold(&l, 50, 100));
	assert_true(prune_must_hold(&l, 51, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_fleets_use_the_floor),
		cmocka_unit_test(test_large_fleets_use_the_percentage),
		cmocka_unit_test(test_limits_are_configurable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
