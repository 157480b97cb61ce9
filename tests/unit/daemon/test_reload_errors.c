/* The errors of a refused reload: kept until a reload succeeds, logged in full when
 * they are new or a minute old, and bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reload_errors.h"

static void two_errors(struct diag_list *l, const char *second)
{
	diag_list_init(l);
	diag_error(l, "config.yaml", 20, 1, "duplicate key 'resync_interval'");
	diag_error(l, "config.yaml", 21, 1, "%s", second);
}

static void test_same_errors_logged_once_a_minute(void **state)
{
	struct reload_errors r;
	struct diag_list a, b;

	(void)state;
	reload_errors_init(&r);
	two_errors(&a, "unknown key 'bogus'");
	two_errors(&b, "unknown key 'other'");
	assert_true(reload_errors_refused(&r, &a, 1000));
	assert_int_equal(r.n, 2);
	assert_string_equal(r.lines[0], "config.yaml:20:1: duplicate key 'resync_interval'");
	for (int i = 0; i < 100; i++)
		assert_false(reload_errors_refused(&r, &a, 1000 + (uint64_t)i * 10));
	/* other errors are logged at once and kept instead */
	assert_true(reload_errors_refused(&r, &b, 2000));
	assert_string_equal(r.lines[1], "config.yaml:21:1: unknown key 'other'");
	assert_false(reload_errors_refused(&r, &b, 61999));
	assert_true(reload_errors_refused(&r, &b, 62000));
	/* a good reload forgets them: the same errors later are news */
	reload_errors_clear(&r);
	assert_int_equal(r.n, 0);
	assert_true(reload_errors_refused(&r, &b, 62001));
	reload_errors_release(&r);
	diag_list_release(&a);
	diag_list_release(&b);
}

static void test_lines_are_bounded(void **state)
{
	struct reload_errors r;
	struct diag_list l;

	(void)state;
	reload_errors_init(&r);
	diag_list_init(&l);
	for (int i = 0; i < 100; i++)
		diag_error(&l, "config.yaml", (unsigned)i + 1, 1, "unknown key 'k%d'", i);
	assert_true(reload_errors_refused(&r, &l, 0));
	assert_int_equal(r.n, RELOAD_ERRORS_MAX + 1);
	assert_string_equal(r.lines[RELOAD_ERRORS_MAX], "... and 80 more");
	assert_null(r.lines[RELOAD_ERRORS_MAX + 1]);
	reload_errors_release(&r);
	diag_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_errors_logged_once_a_minute),
		cmocka_unit_test(test_lines_are_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
