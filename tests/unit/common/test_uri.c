#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uri.h"

static void check_encode(const char *in, bool keep_slash, const char *want)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	assert_int_equal(uri_encode_str(&sb, in, keep_slash), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_encode(void **state)
{
	check_encode("AZaz09-._~", false, "AZaz09-._~");
	check_encode("a b+c/d:e", false, "a%20b%2Bc%2Fd%3Ae");
	check_encode("/a b/", true, "/a%20b/");
	check_encode("\xe1\x88\xb4", false, "%E1%88%B4");
	check_encode("100%", false, "100%25");
}

static void test_decode(void **state)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	assert_int_equal(uri_decode(&sb, "a%2Fb%2bc+d", 11, false), 0);
	assert_string_equal(sb.buf, "a/b+c+d");
	strbuf_reset(&sb);
	assert_int_equal(uri_decode(&sb, "a+b", 3, true), 0);
	assert_string_equal(sb.buf, "a b");
	strbuf_reset(&sb);
	assert_int_equal(uri_decode(&sb, "bad%2", 5, false), -EINVAL);
	strbuf_reset(&sb);
	assert_int_equal(uri_decode(&sb, "bad%", 4, false), -EINVAL);
	strbuf_reset(&sb);
	assert_int_equal(uri_decode(&sb, "bad%zz", 6, false), -EINVAL);
	strbuf_release(&sb);
}

static void test_encode_respects_cap(void **state)
{
	struct strbuf sb;

	strbuf_init(&sb, 4);
	assert_int_equal(uri_encode_str(&sb, "a:b", false), -ENOBUFS);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode_respects_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
