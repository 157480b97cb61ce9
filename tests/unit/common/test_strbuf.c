#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"

static void test_append_and_detach(void **state)
{
	struct strbuf sb;
	char *s;
	size_t len;

	strbuf_init(&sb, STRBUF_NO_CAP);
	assert_string_equal(sb.buf, "");
	assert_int_equal(strbuf_adds(&sb, "abc"), 0);
	assert_int_equal(strbuf_addch(&sb, '-'), 0);
	assert_int_equal(strbuf_addf(&sb, "%d/%s", 42, "x"), 0);
	assert_string_equal(sb.buf, "abc-42/x");
	assert_int_equal(sb.len, 8);
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "abc-42/x");
	assert_int_equal(len, 8);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(s);
	strbuf_release(&sb);
}

static void test_cap_is_enforced(void **state)
{
	struct strbuf sb;

	strbuf_init(&sb, 5);
	assert_int_equal(strbuf_adds(&sb, "12345"), 0);
	assert_int_equal(strbuf_addch(&sb, '6'), -ENOBUFS);
	assert_int_equal(strbuf_addf(&sb, "%s", "x"), -ENOBUFS);
	assert_string_equal(sb.buf, "12345");
	strbuf_reset(&sb);
	assert_int_equal(strbuf_addf(&sb, "%s", "123456"), -ENOBUFS);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void test_growth_and_hex(void **state)
{
	struct strbuf sb;
	unsigned char bytes[] = { 0x00, 0xab, 0xff };

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(strbuf_addch(&sb, (char)('a' + i % 26)), 0);
	assert_int_equal(sb.len, 10000);
	assert_int_equal(sb.buf[10000], '\0');
	strbuf_reset(&sb);
	assert_int_equal(strbuf_add_hex(&sb, bytes, 3), 0);
	assert_string_equal(sb.buf, "00abff");
	strbuf_release(&sb);
}

static void test_detach_of_empty_is_heap(void **state)
{
	struct strbuf sb;
	char *s;

	strbuf_init(&sb, 10);
	s = strbuf_detach(&sb, NULL);
	assert_string_equal(s, "");
	free(s); /* must be a heap string even when nothing was appended */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_detach),
		cmocka_unit_test(test_cap_is_enforced),
		cmocka_unit_test(test_growth_and_hex),
		cmocka_unit_test(test_detach_of_empty_is_heap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
