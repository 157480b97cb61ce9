#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "intern.h"

static void test_tag_set_sorted_unique(void **state)
{
	struct tag_set a, b;

	tag_set_init(&a);
	tag_set_put(&a, "b", "2");
	tag_set_put(&a, "a", "1");
	tag_set_put(&a, "c", "3");
	tag_set_put(&a, "b", "two");
	assert_int_equal(a.n, 3);
	assert_string_equal(a.items[0].key, "a");
	assert_string_equal(a.items[1].value, "two");
	assert_string_equal(tag_set_get(&a, "c"), "3");
	assert_null(tag_set_get(&a, "d"));
	tag_set_copy(&b, &a);
	assert_true(tag_set_equal(&a, &b));
	assert_true(tag_set_remove(&b, "a"));
	assert_false(tag_set_remove(&b, "a"));
	assert_false(tag_set_equal(&a, &b));
	tag_set_release(&a);
	tag_set_release(&b);
}

/* A view borrows its strings, keeps the order of an owned set, and a copy of it owns. */
/* A set filled from a list of known length holds exactly that many slots. */
static void test_tag_set_reserve_exact(void **state)
{
	struct tag_set s;

	tag_set_init(&s);
	tag_set_reserve(&s, 0);
	assert_null(s.items);
	tag_set_reserve(&s, 9);
	assert_int_equal(s.alloc, 9);
	for (int i = 0; i < 9; i++) {
		char k[8];
		snprintf(k, sizeof(k), "k%d", i);
		tag_set_put(&s, k, "v");
	}
	assert_int_equal(s.n, 9);
	assert_int_equal(s.alloc, 9);
	tag_set_reserve(&s, 3); /* never shrinks */
	assert_int_equal(s.alloc, 9);
	assert_string_equal(tag_set_get(&s, "k4"), "v");
	tag_set_release(&s);
}

static void test_tag_view_borrows(void **state)
{
	struct tag_set owned, view, copy;
	char later[] = "v2";

	tag_set_init(&owned);
	tag_set_put(&owned, "b", "1");
	tag_set_put(&owned, "d", "1");
	tag_set_init(&view);
	tag_view_add_all(&view, &owned);
	tag_view_put(&view, "c", "x");
	tag_view_put(&view, "a", "x");
	tag_view_put(&view, "d", later); /* replaces */
	tag_view_add_all(&view, &owned); /* adds to a non-empty view: "d" is "1" again */
	assert_int_equal(view.n, 4);
	for (size_t i = 0; i + 1 < view.n; i++)
		assert_true(strcmp(view.items[i].key, view.items[i + 1].key) < 0);
	assert_ptr_equal(tag_set_get(&view, "b"), tag_set_get(&owned, "b")); /* borrowed */
	assert_string_equal(tag_set_get(&view, "d"), "1");
	tag_set_copy(&copy, &view);
	tag_view_release(&view);
	tag_set_release(&owned);
	assert_int_equal(copy.n, 4);
	assert_string_equal(tag_set_get(&copy, "a"), "x");
	assert_string_equal(tag_set_get(&copy, "b"), "1");
	tag_set_release(&copy);
}

static void test_tenant_dup_is_deep(void **state)
{
	struct tenant *t = fix_tenant("acme");
	struct tenant *c;

	fix_tag(&t->tags, "CostCenter", "eng");
	fix_profile(t, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	fix_profile(t, "batch", "amazon.nova-lite-v1:0", "bbbbbb");
	c = tenant_dup(t);
	tenant_free(t);
	assert_string_equal(c->id, "acme");
	assert_int_equal(c->n_profiles, 2);
	assert_string_equal(tenant_profile(c, "chat")->name, "acme-chat-aaaaaa");
	assert_string_equal(tenant_profile(c, "batch")->spec_hash, "bbbbbb");
	assert_null(tenant_profile(c, "nope"));
	assert_string_equal(tag_set_get(&c->tags, "CostCenter"), "eng");
	tenant_free(c);
	tenant_free(NULL);
}

static void test_names(void **state)
{
	assert_string_equal(deletion_policy_name(DELETION_RETAIN), "retain");
	assert_string_equal(budget_period_name(BUDGET_QUARTERLY), "quarterly");
	assert_string_equal(alert_type_name(ALERT_FORECASTED), "forecasted");
}

/* tag_set_get_interned: by pointer in an interned set, by value in a view; the
 * reserved keys are the interned ones. */
static void test_get_interned(void **state)
{
	struct tag_set set, view;
	char key[] = TAG_MANAGED_BY;

	tag_set_init(&set);
	tag_set_put(&set, "app", "x");
	tag_set_put(&set, TAG_MANAGED_BY, "me");
	assert_ptr_equal(tag_key_managed_by(), intern_ref(tag_key_managed_by()));
	intern_unref(tag_key_managed_by());
	assert_string_equal(tag_key_managed_by(), TAG_MANAGED_BY);
	assert_string_equal(tag_key_tenant(), TAG_TENANT);
	assert_string_equal(tag_key_profile(), TAG_PROFILE);
	assert_string_equal(tag_key_model(), TAG_MODEL);
	assert_string_equal(tag_key_spec(), TAG_SPEC);
	assert_string_equal(tag_set_get_interned(&set, tag_key_managed_by()), "me");
	assert_null(tag_set_get_interned(&set, tag_key_tenant()));
	tag_set_init(&view);
	tag_view_put(&view, key, "view"); /* not interned */
	assert_string_equal(tag_set_get_interned(&view, tag_key_managed_by()), "view");
	tag_view_release(&view);
	tag_set_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_set_sorted_unique), cmocka_unit_test(test_get_interned),
		cmocka_unit_test(test_tag_set_reserve_exact), cmocka_unit_test(test_tag_view_borrows),
		cmocka_unit_test(test_tenant_dup_is_deep),    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
