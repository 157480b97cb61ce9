/* alerts_limit: the token bucket per event kind and the coalescing of what it holds
 * back ("and N more"), with the time passed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alerts_limit.h"

static void test_burst_then_held_back(void **state)
{
	struct alerts_limit l;
	unsigned more = 99;

	(void)state;
	alerts_limit_init(&l, 3, 1000);
	for (int i = 0; i < 3; i++) {
		assert_true(alerts_limit_take(&l, 1000, &more));
		assert_int_equal(more, 0);
	}
	/* the fourth to fortieth in the same minute are counted, not sent */
	for (int i = 0; i < 37; i++)
		assert_false(alerts_limit_take(&l, 1000 + (uint64_t)i, &more));
	assert_int_equal(l.suppressed, 37);
	/* a token is back after 20 s: the next message carries the count */
	assert_true(alerts_limit_wait_ms(&l, 1000) > 19000);
	assert_true(alerts_limit_wait_ms(&l, 1000) <= 20001);
	assert_false(alerts_limit_take(&l, 20000, &more));
	assert_true(alerts_limit_take(&l, 21001, &more));
	assert_int_equal(more, 38);
	assert_int_equal(l.suppressed, 0);
}

static void test_flush_sends_a_summary(void **state)
{
	struct alerts_limit l;
	unsigned more;

	(void)state;
	alerts_limit_init(&l, 1, 0);
	assert_true(alerts_limit_take(&l, 0, &more));
	assert_int_equal(alerts_limit_flush(&l, 0), 0); /* nothing held back */
	assert_false(alerts_limit_take(&l, 10, &more));
	assert_false(alerts_limit_take(&l, 20, &more));
	assert_int_equal(alerts_limit_flush(&l, 30000), 0); /* no token yet */
	assert_int_equal(alerts_limit_wait_ms(&l, 30000), 30001);
	assert_int_equal(alerts_limit_flush(&l, 60000), 2);
	assert_int_equal(l.suppressed, 0);
	/* the summary used the token */
	assert_false(alerts_limit_take(&l, 60000, &more));
	assert_int_equal(l.suppressed, 1);
}

static void test_refill_is_capped(void **state)
{
	struct alerts_limit l;
	unsigned more;

	(void)state;
	alerts_limit_init(&l, 2, 0);
	/* an hour of quiet gives back the burst, not 120 */
	for (int i = 0; i < 2; i++)
		assert_true(alerts_limit_take(&l, 3600000, &more));
	assert_false(alerts_limit_take(&l, 3600000, &more));
	/* a clock that goes back takes nothing and gives nothing */
	assert_false(alerts_limit_take(&l, 1000, &more));
	assert_int_equal(l.suppressed, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_held_back),
		cmocka_unit_test(test_flush_sends_a_summary),
		cmocka_unit_test(test_refill_is_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
