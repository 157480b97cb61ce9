/* The days a usage request asks for (since=, until=): Nd and YYYY-MM-DD, the
 * defaults, and what is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usage_json.h"

#define NOW   1796312400 /* 2026-12-03T15:40:00Z */
#define TODAY 20790

static void test_range(void **state)
{
	const char *error = NULL;
	int32_t a, b;

	(void)state;
	assert_int_equal(usage_range_parse(NULL, NULL, NOW, &a, &b, &error), 0);
	assert_int_equal(a, TODAY - 6); /* 7d: today and the 6 days before */
	assert_int_equal(b, TODAY);
	assert_int_equal(usage_range_parse("1d", NULL, NOW, &a, &b, &error), 0);
	assert_int_equal(a, TODAY);
	assert_int_equal(usage_range_parse("2026-12-01", "2026-12-02", NOW, &a, &b, &error), 0);
	assert_int_equal(a, TODAY - 2);
	assert_int_equal(b, TODAY - 1);
	assert_int_equal(usage_range_parse("30d", "2d", NOW, &a, &b, &error), 0);
	assert_int_equal(a, TODAY - 29);
	assert_int_equal(b, TODAY - 1);

	static const char *const bad[][2] = {
		{ "0d", NULL },		{ "3661d", NULL },     { "d", NULL },
		{ "-1d", NULL },	{ "7", NULL },	       { "yesterday", NULL },
		{ "2026-13-01", NULL }, { "2026-12-3", NULL }, { NULL, "2026-11-01" }, /* until before since (7d) */
		{ "2000-01-01", NULL },						       /* more than 3660 days */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		assert_int_equal(usage_range_parse(bad[i][0], bad[i][1], NOW, &a, &b, &error), -EINVAL);
		assert_non_null(error);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_range) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
