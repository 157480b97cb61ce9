#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "histogram.h"

static const double bounds[] = { 0.1, 1, 2.5 };

/* A value on a bound falls in that bucket (le is "less or equal"); the buckets
 * printed are cumulative and end with +Inf equal to the count. */
static void test_buckets_are_cumulative(void **state)
{
	struct histogram h;
	struct strbuf sb;

	(void)state;
	histogram_init(&h, bounds, 3);
	histogram_observe(&h, 0.05);
	histogram_observe(&h, 0.1);
	histogram_observe(&h, 2);
	histogram_observe(&h, 99);
	histogram_observe(&h, -1);
	strbuf_init(&sb, STRBUF_NO_CAP);
	histogram_print(&h, "x_seconds", "", &sb);
	assert_string_equal(sb.buf, "x_seconds_bucket{le=\"0.1\"} 3\n"
				    "x_seconds_bucket{le=\"1\"} 3\n"
				    "x_seconds_bucket{le=\"2.5\"} 4\n"
				    "x_seconds_bucket{le=\"+Inf\"} 5\n"
				    "x_seconds_sum 101.150000\n"
				    "x_seconds_count 5\n");
	strbuf_release(&sb);
}

static void test_labels_come_first(void **state)
{
	struct histogram h;
	struct strbuf sb;

	(void)state;
	histogram_init(&h, bounds, 1);
	histogram_observe(&h, 0.5);
	strbuf_init(&sb, STRBUF_NO_CAP);
	histogram_print(&h, "y", "service=\"ssm\"", &sb);
	assert_string_equal(sb.buf, "y_bucket{service=\"ssm\",le=\"0.1\"} 0\n"
				    "y_bucket{service=\"ssm\",le=\"+Inf\"} 1\n"
				    "y_sum{service=\"ssm\"} 0.500000\n"
				    "y_count{service=\"ssm\"} 1\n");
	strbuf_release(&sb);
}

static void test_bounds_are_capped(void **state)
{
	static const double many[HISTOGRAM_MAX_BOUNDS + 4] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
							       11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	struct histogram h;

	(void)state;
	histogram_init(&h, many, HISTOGRAM_MAX_BOUNDS + 4);
	assert_int_equal(h.n_bounds, HISTOGRAM_MAX_BOUNDS);
	histogram_observe(&h, 1000);
	assert_int_equal(h.counts[HISTOGRAM_MAX_BOUNDS], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_are_cumulative),
		cmocka_unit_test(test_labels_come_first),
		cmocka_unit_test(test_bounds_are_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
