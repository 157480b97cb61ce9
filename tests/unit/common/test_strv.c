#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "strv.h"

/* Equal means the same length and the same strings in the same order, compared by
 * content, not by pointer. */
static void test_equal_by_content_and_order(void **state)
{
	char a0[] = "alpha", a1[] = "beta", b0[] = "alpha", b1[] = "beta";
	char *a[] = { a0, a1 }, *b[] = { b0, b1 }, *swapped[] = { b1, b0 };

	(void)state;
	assert_true(strv_equal(a, 2, b, 2));
	assert_true(strv_equal(a, 0, b, 0));
	assert_true(strv_equal(NULL, 0, NULL, 0));
	assert_false(strv_equal(a, 2, swapped, 2));
	assert_false(strv_equal(a, 2, b, 1));
	assert_false(strv_equal(a, 1, b, 2));
}

/* A copy owns new strings with the same content; an empty array copies to NULL. */
static void test_dup_owns_its_strings(void **state)
{
	char a0[] = "alpha", a1[] = "beta";
	char *a[] = { a0, a1 };
	char **c = strv_dup(a, 2);

	(void)state;
	assert_true(strv_equal(a, 2, c, 2));
	assert_ptr_not_equal(c[0], a0);
	assert_ptr_not_equal(c[1], a1);
	a0[0] = 'A';
	assert_string_equal(c[0], "alpha");
	assert_null(strv_dup(a, 0));
	free(c[0]);
	free(c[1]);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_by_content_and_order),
		cmocka_unit_test(test_dup_owns_its_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
