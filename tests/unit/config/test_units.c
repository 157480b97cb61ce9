/* Decimal amounts and durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "units.h"

static void expect_decimal(const char *in, const char *canon)
{
	char *out = NULL;

	assert_null(units_decimal(in, 2, &out));
	assert_string_equal(out, canon);
	free(out);
}

static void expect_bad_decimal(const char *in, unsigned frac)
{
	char *out = NULL;

	assert_non_null(units_decimal(in, frac, &out));
	assert_null(out);
}

static void test_decimal(void **state)
{
	expect_decimal("1000", "1000");
	expect_decimal("0012.50", "12.5");
	expect_decimal("12.00", "12");
	expect_decimal("0", "0");
	expect_decimal("0.01", "0.01");
	expect_decimal("999999999999999", "999999999999999");
	expect_bad_decimal("1e3", 2);
	expect_bad_decimal("-5", 2);
	expect_bad_decimal("+5", 2);
	expect_bad_decimal("1.", 2);
	expect_bad_decimal(".5", 2);
	expect_bad_decimal("1.234", 2);
	expect_bad_decimal("0x10", 2);
	expect_bad_decimal("", 2);
	expect_bad_decimal("1 000", 2);
	expect_bad_decimal("1000000000000000", 2); /* 16 digits */
	assert_true(units_decimal_is_zero("0"));
}

static void test_decimal_cmp(void **state)
{
	assert_int_equal(units_decimal_cmp("100", "100"), 0);
	assert_true(units_decimal_cmp("99.99", "100") < 0);
	assert_true(units_decimal_cmp("100.01", "100") > 0);
	assert_true(units_decimal_cmp("100.1", "100.09") > 0);
	assert_true(units_decimal_cmp("9", "10") < 0);
	assert_int_equal(units_decimal_cmp("5.5", "5.50"), 0);
}

static void expect_duration(const char *in, uint64_t ms, const char *canon)
{
	uint64_t got = 0;
	struct strbuf sb;

	assert_null(units_duration(in, &got));
	assert_int_equal(got, ms);
	strbuf_init(&sb, 64);
	assert_int_equal(units_format_duration(ms, &sb), 0);
	assert_string_equal(sb.buf, canon);
	strbuf_release(&sb);
}

static void test_duration(void **state)
{
	uint64_t ms;

	expect_duration("30s", 30000, "30s");
	expect_duration("10m", 600000, "10m");
	expect_duration("1h30m", 5400000, "1h30m");
	expect_duration("90s", 90000, "1m30s");
	expect_duration("200ms", 200, "200ms");
	expect_duration("1d", 86400000, "1d");
	expect_duration("0s", 0, "0s");
	expect_duration("1m500ms", 60500, "1m500ms");
	assert_non_null(units_duration("10", &ms));
	assert_non_null(units_duration("", &ms));
	assert_non_null(units_duration("10x", &ms));
	assert_non_null(units_duration("30m1h", &ms));
	assert_non_null(units_duration("1h1h", &ms));
	assert_non_null(units_duration("-1s", &ms));
	assert_non_null(units_duration("1.5h", &ms));
	assert_non_null(units_duration("99999999999999999999d", &ms));
	assert_non_null(units_duration("9999999999999999d", &ms));
}

static void test_size(void **state)
{
	uint64_t n = 7;

	(void)state;
	assert_null(units_size("512B", &n));
	assert_int_equal(n, 512);
	assert_null(units_size("64KiB", &n));
	assert_int_equal(n, 64 << 10);
	assert_null(units_size("32MiB", &n));
	assert_int_equal(n, 32ull << 20);
	assert_null(units_size("2GiB", &n));
	assert_int_equal(n, 2ull << 30);
	assert_null(units_size("0B", &n));
	assert_int_equal(n, 0);
	n = 7;
	assert_non_null(units_size("32", &n)); /* a size needs its unit */
	assert_non_null(units_size("", &n));
	assert_non_null(units_size("32MB", &n)); /* binary units only: MB would be read as MiB */
	assert_non_null(units_size("32mib", &n));
	assert_non_null(units_size("1.5GiB", &n));
	assert_non_null(units_size("-1KiB", &n));
	assert_non_null(units_size("32MiB ", &n));
	assert_non_null(units_size("99999999999999999999B", &n));
	assert_non_null(units_size("17179869184GiB", &n)); /* 2^64 bytes */
	assert_int_equal(n, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_decimal_cmp),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
