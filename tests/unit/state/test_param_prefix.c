/* The path parameters are listed under: a template's, widened by earlier names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "param_prefix.h"
#include "xalloc.h"

static void expect_template(const char *tpl, const char *want)
{
	char *p = param_prefix_of_template(tpl);

	assert_string_equal(p, want);
	free(p);
}

static void expect_widened(const char *prefix, const char *name, const char *want)
{
	char *p = xstrdup(prefix);

	param_prefix_widen(&p, name);
	assert_string_equal(p, want);
	assert_true(param_prefix_covers(p, name));
	free(p);
}

static void test_template(void **state)
{
	(void)state;
	expect_template("/bedrock-tenants/{tenant}/{profile}/profile-arn", "/bedrock-tenants");
	expect_template("/bt2/{tenant}/{profile}/arn", "/bt2");
	expect_template("/a/b-{tenant}/arn", "/a");
	expect_template("/{tenant}/{profile}", "/");
	expect_template("/fixed/name", "/fixed");
}

static void test_covers(void **state)
{
	(void)state;
	assert_true(param_prefix_covers("/bedrock-tenants", "/bedrock-tenants/acme/chat/profile-arn"));
	assert_false(param_prefix_covers("/bedrock-tenants", "/bedrock-tenants-old/acme"));
	assert_false(param_prefix_covers("/bedrock-tenants", "/bedrock-tenants"));
	assert_false(param_prefix_covers("/bedrock-tenants", "/bt2/acme/chat/arn"));
	assert_true(param_prefix_covers("/", "/bt2/acme/chat/arn"));
}

static void test_widen(void **state)
{
	(void)state;
	expect_widened("/bedrock-tenants", "/bedrock-tenants/acme/chat/profile-arn", "/bedrock-tenants");
	expect_widened("/bedrock-tenants", "/bt2/acme/chat/arn", "/");
	expect_widened("/a/b", "/a/c/d", "/a");
	expect_widened("/a/b", "/a/bc/d", "/a");
	expect_widened("/a/b/c", "/a/b", "/a");
	expect_widened("/a/b/c", "/a/b/d/e", "/a/b");
	expect_widened("/", "/x/y", "/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_widen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
