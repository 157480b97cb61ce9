/* The diagnostics list: formatting, stable sorting, splicing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "diag.h"
#include "helpers.h"

static void test_format(void **state)
{
	struct diag_list l;
	char *t;

	diag_list_init(&l);
	diag_error(&l, "a.yaml", 3, 5, "expected %s", "x");
	diag_error(&l, "dir", 0, 7, "cannot read directory");
	diag_add(&l, DIAG_WARNING, "b.yaml", 1, 1, "odd");
	assert_int_equal(l.n_errors, 2);
	assert_int_equal(l.n_warnings, 1);
	t = test_diags_text(&l);
	assert_string_equal(t, "a.yaml:3:5: expected x\ndir: cannot read directory\nb.yaml:1:1: warning: odd\n");
	free(t);
	diag_list_release(&l);
	diag_list_release(&l); /* released twice is harmless */
}

static void test_sort_and_splice(void **state)
{
	struct diag_list a, b;
	char *t;

	diag_list_init(&a);
	diag_list_init(&b);
	diag_error(&a, "b.yaml", 2, 1, "b2");
	diag_error(&a, "a.yaml", 9, 1, "a9");
	diag_error(&b, "a.yaml", 2, 4, "a2-second");
	diag_error(&b, "a.yaml", 2, 4, "a2-third");
	diag_error(&b, "a.yaml", 2, 1, "a2");
	diag_list_splice(&a, &b);
	assert_int_equal(b.n, 0);
	assert_int_equal(a.n_errors, 5);
	diag_list_sort(&a);
	t = test_diags_text(&a);
	assert_string_equal(t, "a.yaml:2:1: a2\na.yaml:2:4: a2-second\na.yaml:2:4: a2-third\na.yaml:9:1: a9\n"
			       "b.yaml:2:1: b2\n");
	free(t);
	diag_list_release(&a);
}

static void test_messages_stay_one_line_of_utf8(void **state)
{
	struct diag_list l;

	diag_list_init(&l);
	diag_error(&l, "a.yaml", 1, 1, "'%s'", "a\tb\nc\x01");
	diag_error(&l, "a.yaml", 1, 1, "'%.2s'", "\xc3\xa9\xc3\xa9"); /* whole characters */
	diag_error(&l, "a.yaml", 1, 1, "'%.3s'", "\xc3\xa9\xc3\xa9"); /* a character cut in two */
	assert_string_equal(l.items[0].message, "'a\\tb\\nc\\x01'");
	assert_string_equal(l.items[1].message, "'\xc3\xa9'");
	assert_string_equal(l.items[2].message, "'\xc3\xa9\\xc3'");
	diag_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_sort_and_splice),
		cmocka_unit_test(test_messages_stay_one_line_of_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
