#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budget_spec.h"
#include "fixtures.h"
#include "intern.h"
#include "xalloc.h"

static struct observed_budget *live_of(const struct tenant *t)
{
	struct observed_budget *b = xcalloc(1, sizeof(*b));

	b->name = xstrdup(t->budget_name);
	observed_budget_put_amounts(b, "1000.0", NULL, NULL);
	b->limit_unit = xstrdup("USD");
	b->time_unit = xstrdup("MONTHLY");
	b->budget_type = xstrdup("COST");
	b->metric = xstrdup("UnblendedCost");
	/* the same filter with its keys in another order */
	b->filter_expression = xstrdup("{\"Tags\":{\"MatchOptions\":[\"EQUALS\"],\"Values\":[\"acme\"],"
				       "\"Key\":\"bedrock-tenantd:tenant\"}}");
	tag_set_init(&b->tags);
	return b;
}

static void test_matches(void **state)
{
	struct tenant *t = fix_tenant("acme");
	struct observed_budget *b;

	fix_budget(t, "1000", BUDGET_MONTHLY);
	b = live_of(t);
	assert_true(budget_matches(t, b));
	observed_budget_put_amounts(b, "1500", NULL, NULL);
	assert_false(budget_matches(t, b));
	observed_budget_put_amounts(b, "1000", NULL, NULL);
	t->budget->period = BUDGET_QUARTERLY;
	assert_false(budget_matches(t, b));
	t->budget->period = BUDGET_MONTHLY;
	b->cost_filters = true; /* legacy filters must go */
	assert_false(budget_matches(t, b));
	b->cost_filters = false;
	free(b->filter_expression);
	b->filter_expression = budget_filter_expression("globex");
	assert_false(budget_matches(t, b));
	observed_budget_free(b);
	tenant_free(t);
}

/* The daemon's own filter, in whatever spelling, is kept as its tenant's interned id:
 * the same match as its text; any other filter stays text, and never matches. */
static void test_filter_kept_as_its_tenant(void **state)
{
	static const char *const others[] = {
		"{\"Tags\":{\"Key\":\"bedrock-tenantd:tenant\",\"Values\":[\"acme\",\"globex\"],\"MatchOptions\":["
		"\"EQUALS\"]}}",
		"{\"Tags\":{\"Key\":\"bedrock-tenantd:tenant\",\"Values\":[\"acme\"],\"MatchOptions\":[\"ABSENT\"]}}",
		"{\"Tags\":{\"Key\":\"CostCenter\",\"Values\":[\"acme\"],\"MatchOptions\":[\"EQUALS\"]}}",
		"{\"Tags\":{\"Key\":\"bedrock-tenantd:tenant\",\"Values\":[\"acme\"]}}",
		"{\"Tags\":{\"Key\":\"bedrock-tenantd:tenant\",\"Values\":[\"acme\"],\"MatchOptions\":[\"EQUALS\"]},"
		"\"Not\":{}}",
		"[not json",
	};
	struct tenant *t = fix_tenant("acme");
	struct observed_budget *b;
	const char *id;
	char *text, *want = budget_filter_expression("acme");

	(void)state;
	fix_budget(t, "1000", BUDGET_MONTHLY);
	b = live_of(t);
	text = b->filter_expression; /* its keys in another order */
	b->filter_expression = NULL;
	observed_budget_put_filter(b, text);
	free(text);
	assert_true(b->filter_is_tenant);
	id = intern("acme");
	assert_ptr_equal(b->filter_tenant, id); /* the pool's one copy */
	intern_unref(id);
	assert_true(budget_matches(t, b));
	text = observed_budget_filter(b);
	assert_string_equal(text, want);
	free(text);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		observed_budget_put_filter(b, others[i]);
		assert_false(b->filter_is_tenant);
		assert_string_equal(b->filter_expression, others[i]);
		assert_false(budget_matches(t, b));
	}
	observed_budget_put_filter(b, want);
	assert_true(budget_matches(t, b));
	observed_budget_put_filter(b, NULL);
	assert_false(b->filter_is_tenant);
	assert_null(observed_budget_filter(b));
	assert_false(budget_matches(t, b));
	free(want);
	observed_budget_free(b);
	tenant_free(t);
}

static void test_alert_specs_and_hash(void **state)
{
	struct tenant *t = fix_tenant("acme");
	struct observed_alert *v;
	size_t n;
	char *h1, *h2;

	fix_budget(t, "1000", BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "z@example.com", "a@example.com", "arn:aws:sns:us-east-1:111122223333:t");
	budget_alert_specs(t->budget, &v, &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].type, "ACTUAL");
	assert_string_equal(v[0].comparison, "GREATER_THAN");
	assert_string_equal(v[0].threshold_type, "PERCENTAGE");
	assert_int_equal(v[0].n_subscribers, 3);
	assert_string_equal(v[0].subscribers[0], "EMAIL:a@example.com"); /* sorted */
	assert_string_equal(v[0].subscribers[2], "SNS:arn:aws:sns:us-east-1:111122223333:t");
	budget_alert_specs_free(v, n);

	h1 = budget_alerts_hash(t->budget);
	t->budget->alerts[0].threshold_percent = 90;
	h2 = budget_alerts_hash(t->budget);
	assert_int_equal(strlen(h1), 32);
	assert_string_not_equal(h1, h2);
	free(h1);
	free(h2);
	tenant_free(t);
}

/* The cost-allocation tag keys a budget filters on: the tenant tag, none without a
 * budget (daemon/cost_tags.c checks they are Active). */
static void test_filter_tag_keys(void **state)
{
	struct budget b = { 0 };
	struct tenant t = { 0 };
	const char *keys[4];
	char *filter;

	(void)state;
	assert_int_equal(budget_filter_tag_keys(&t, keys, 4), 0);
	t.budget = &b;
	assert_int_equal(budget_filter_tag_keys(&t, keys, 0), 0);
	assert_int_equal(budget_filter_tag_keys(&t, keys, 4), 1);
	assert_string_equal(keys[0], TAG_TENANT);
	filter = budget_filter_expression("acme"); /* the key the filter names */
	assert_non_null(strstr(filter, "\"Key\":\"" TAG_TENANT "\""));
	free(filter);
}

static void test_arn(void **state)
{
	char *arn = budget_arn("aws", "111122223333", "bedrock-tenant-acme");

	assert_string_equal(arn, "arn:aws:budgets::111122223333:budget/bedrock-tenant-acme");
	free(arn);
	/* an observed budget keeps no ARN: every one is its place's partition's, its
	 * account's and its name's (the longest name AWS allows too) */
	arn = budget_arn_in("bedrock-tenant-acme", "cn-north-1", "111122223333");
	assert_string_equal(arn, "arn:aws-cn:budgets::111122223333:budget/bedrock-tenant-acme");
	free(arn);
	arn = budget_arn_in("b", "us-gov-west-1", "111122223333");
	assert_string_equal(arn, "arn:aws-us-gov:budgets::111122223333:budget/b");
	free(arn);
	arn = budget_arn_in("b", NULL, NULL); /* no Region: the commercial partition */
	assert_string_equal(arn, "arn:aws:budgets:::budget/b");
	free(arn);
	{
		char name[101];
		memset(name, 'n', 100);
		name[100] = '\0';
		arn = budget_arn_in(name, "eu-west-1", "111122223333");
		assert_string_equal(arn + strlen("arn:aws:budgets::111122223333:budget/"), name);
		free(arn);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_filter_kept_as_its_tenant),
		cmocka_unit_test(test_alert_specs_and_hash),
		cmocka_unit_test(test_arn),
		cmocka_unit_test(test_filter_tag_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
