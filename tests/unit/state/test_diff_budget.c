/* The diff of budgets, notifications and subscribers, through the simulated world. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budget_spec.h"
#include "fixtures.h"
#include "xalloc.h"

#define HAIKU "anthropic.claude-3-5-haiku-20241022-v1:0"

static struct tenant *tenant_with_budget(const char *limit)
{
	struct tenant *t = fix_tenant("acme");

	fix_tag(&t->tags, "CostCenter", "claims");
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	fix_budget(t, limit, BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "admin@example.com", NULL, "arn:aws:sns:us-east-1:111122223333:alerts");
	fix_alert(t, 100, ALERT_FORECASTED, "admin@example.com", "cfo@example.com", NULL);
	return t;
}

static const struct observed_budget *live(struct sim *s)
{
	return observed_store_budget(&s->store, "bedrock-tenant-acme");
}

/* As a fresh listing leaves it: DescribeBudgets does not say the notifications. */
static void forget_alerts(struct sim *s)
{
	struct observed_budget *b = observed_budget_dup(live(s));

	b->alerts_known = false;
	observed_store_put_budget(&s->store, b);
}

static void test_create_and_steady(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");
	const struct observed_budget *b;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_BUDGET_CREATE], 1);
	b = live(&s);
	assert_non_null(b);
	assert_string_equal(observed_budget_limit_amount(b), "1000");
	assert_string_equal(b->time_unit, "MONTHLY");
	assert_true(budget_matches(t, b));
	assert_string_equal(tag_set_get(&b->tags, TAG_TENANT), "acme");
	assert_string_equal(tag_set_get(&b->tags, TAG_MANAGED_BY), FIX_INSTANCE);
	assert_string_equal(tag_set_get(&b->tags, "CostCenter"), "claims");
	assert_int_equal(b->n_alerts, 2);

	/* steady, even after a listing forgot the notifications: nothing is read */
	forget_alerts(&s);
	s.aws_calls = 0;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 60, 5), 0);
	assert_int_equal(s.aws_calls, 0);
	tenant_free(t);
	sim_release(&s);
}

static void test_limit_and_period_change(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	forget_alerts(&s);
	free(t->budget->limit_usd);
	t->budget->limit_usd = xstrdup("2500.5");
	t->budget->period = BUDGET_QUARTERLY;
	s.aws_calls = 0;
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_BUDGET_UPDATE], 1);
	assert_int_equal(s.calls[ACT_BUDGET_READ_ALERTS], 0); /* the alerts did not change */
	assert_int_equal(s.aws_calls, 1);
	assert_string_equal(observed_budget_limit_amount(live(&s)), "2500.5");
	assert_string_equal(live(&s)->time_unit, "QUARTERLY");
	tenant_free(t);
	sim_release(&s);
}

static void test_alerts_by_value(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");
	const struct observed_budget *b;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	forget_alerts(&s);

	/* the actual-spend alert moves to 90 % and gains an e-mail; the forecast alert
	 * loses one; a new 50 % alert appears */
	t->budget->alerts[0].threshold_percent = 90;
	intern_unref(t->budget->alerts[0].emails[0]);
	t->budget->alerts[0].emails[0] = (char *)intern("ops@example.com");
	intern_unref(t->budget->alerts[1].emails[1]);
	t->budget->alerts[1].n_emails = 1;
	fix_alert(t, 50, ALERT_ACTUAL, "team@example.com", NULL, NULL);
	s.aws_calls = 0;
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_BUDGET_READ_ALERTS], 1); /* read only because they differ */
	assert_int_equal(s.calls[ACT_NOTIFICATION_UPDATE], 1);
	assert_int_equal(s.calls[ACT_NOTIFICATION_CREATE], 1);
	assert_int_equal(s.calls[ACT_NOTIFICATION_DELETE], 0);
	assert_int_equal(s.calls[ACT_SUBSCRIBER_CREATE], 1);
	assert_int_equal(s.calls[ACT_SUBSCRIBER_DELETE], 2); /* admin@ from the 90 % alert, cfo@ */
	assert_int_equal(s.calls[ACT_BUDGET_CREATE] + s.calls[ACT_BUDGET_DELETE], 1); /* the first create only */
	b = live(&s);
	assert_int_equal(b->n_alerts, 3);

	/* an alert leaves the manifest */
	forget_alerts(&s);
	t->budget->n_alerts--;
	alert_release(&t->budget->alerts[t->budget->n_alerts]);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_NOTIFICATION_DELETE], 1);
	assert_int_equal(live(&s)->n_alerts, 2);
	tenant_free(t);
	sim_release(&s);
}

/* A notification's sole subscriber replaced: the new one is created in one round and
 * the old one deleted in a later one, never both in one round (its calls go out
 * together, and Budgets refuses a notification without a subscriber). */
static void test_sole_subscriber_replaced_new_first(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	size_t creates = 0, deletes = 0;

	(void)state;
	fix_tag(&t->tags, "CostCenter", "claims");
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	fix_budget(t, "10", BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "ops@example.com", NULL, NULL);
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	intern_unref(t->budget->alerts[0].emails[0]);
	t->budget->alerts[0].emails[0] = (char *)intern("cfo@example.com");
	for (int round = 0; round < 10; round++) {
		struct plan p;
		size_t c, d;
		sim_diff(&s, t, DELETION_DELETE, &p);
		c = plan_count(&p, ACT_SUBSCRIBER_CREATE);
		d = plan_count(&p, ACT_SUBSCRIBER_DELETE);
		assert_false(c && d);
		assert_true(creates || !d); /* the new one before the old one goes */
		creates += c;
		deletes += d;
		sim_apply(&s, &p);
		plan_release(&p);
	}
	assert_int_equal(creates, 1);
	assert_int_equal(deletes, 1);
	assert_int_equal(live(&s)->alerts[0].n_subscribers, 1);
	assert_string_equal(live(&s)->alerts[0].subscribers[0], "EMAIL:cfo@example.com");
	tenant_free(t);
	sim_release(&s);
}

static void test_foreign_budget_is_a_conflict(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");
	struct observed_budget *b = xcalloc(1, sizeof(*b));
	struct plan p;

	sim_init(&s, "acme");
	b->name = xstrdup("bedrock-tenant-acme");
	tag_set_init(&b->tags);
	tag_set_put(&b->tags, "owner", "finance");
	b->tags_known = true;
	observed_store_put_budget(&s.store, b);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 1);
	assert_non_null(strstr(p.conflicts[0].message, "budget named bedrock-tenant-acme"));
	for (size_t i = 0; i < p.n_actions; i++)
		assert_null(p.actions[i].budget);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_removal_after_grace_and_retain(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	/* the budget block leaves the manifest: grace, then gone */
	budget_free(t->budget);
	t->budget = NULL;
	sim_converge(&s, t, DELETION_DELETE, 1, 3);
	assert_non_null(live(&s));
	s.now += FIX_GRACE;
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_null(live(&s));
	assert_int_equal(s.calls[ACT_BUDGET_DELETE], 1);
	tenant_free(t);
	sim_release(&s);

	/* retain: released, not deleted */
	t = tenant_with_budget("1000");
	t->deletion_policy = DELETION_RETAIN;
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_RETAIN, 1, 10);
	sim_converge(&s, NULL, DELETION_RETAIN, 1, 10);
	s.now += FIX_GRACE;
	sim_converge(&s, NULL, DELETION_RETAIN, 1, 10);
	assert_non_null(live(&s));
	assert_null(tag_set_get(&live(&s)->tags, TAG_MANAGED_BY));
	assert_int_equal(s.calls[ACT_BUDGET_DELETE], 0);
	tenant_free(t);
	sim_release(&s);
}

/* An observed budget keeps no ARN: a removed tenant's (no desired Region) is named
 * in its place's partition, not the commercial one. */
static void test_released_budget_arn_in_place_partition(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");
	struct plan p;
	const struct action *untag = NULL;

	t->deletion_policy = DELETION_RETAIN;
	sim_init(&s, "acme");
	s.settings.region = "cn-north-1";
	sim_converge(&s, t, DELETION_RETAIN, 1, 10);
	forget_alerts(&s); /* as a later listing leaves it */
	sim_converge(&s, NULL, DELETION_RETAIN, 1, 3);
	s.now += FIX_GRACE;
	sim_diff(&s, NULL, DELETION_RETAIN, &p);
	for (size_t i = 0; i < p.n_actions; i++)
		if (p.actions[i].kind == ACT_BUDGET_UNTAG)
			untag = &p.actions[i];
	assert_string_equal(untag ? untag->resource : "(no untag)",
			    "arn:aws-cn:budgets::" FIX_ACCOUNT ":budget/bedrock-tenant-acme");
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_unlisted_budgets_are_left_alone(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");
	struct plan p;

	sim_init(&s, "acme");
	s.store.budgets_listed = false; /* the account id, hence the budgets, are unknown yet */
	sim_diff(&s, t, DELETION_DELETE, &p);
	for (size_t i = 0; i < p.n_actions; i++)
		assert_null(p.actions[i].budget);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* The listing could not read the account's budgets (not allowed): the tenant with a
 * budget gets an error that says why, not a plan of budget actions; a tenant without
 * one is not held by it. */
static void test_unreadable_budgets_are_an_error(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000"), *plain = fix_tenant("acme");
	struct plan p;

	fix_tag(&plain->tags, "CostCenter", "claims");
	fix_profile(plain, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	s.store.budgets_listed = false;
	s.store.budgets_error = xstrdup("AccessDeniedException: DescribeBudgets: not authorized");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_non_null(p.error);
	assert_string_equal(p.error, "the account's budgets cannot be listed: AccessDeniedException: "
				     "DescribeBudgets: not authorized");
	for (size_t i = 0; i < p.n_actions; i++)
		assert_null(p.actions[i].budget);
	plan_release(&p);
	sim_diff(&s, plain, DELETION_DELETE, &p);
	assert_null(p.error);
	assert_false(p.incomplete);
	plan_release(&p);
	tenant_free(plain);
	tenant_free(t);
	sim_release(&s);
}

/* knows_other: the engine's tenants for ownership by name: "other" only, its
 * definition the context. */
static bool knows_other(const void *ctx, const char *id, const struct tenant **ret_desired)
{
	const struct tenant *other = ctx;

	if (ret_desired)
		*ret_desired = strcmp(id, other->id) == 0 ? other : NULL;
	return strcmp(id, other->id) == 0;
}

/* The budget at acme's name tagged as another tenant's: when that tenant's definition
 * derives the name too (two tenants deriving one name, a template with {project} or
 * {department}), a conflict: never set back as acme's, never changed. Retagged by hand
 * as a tenant that does not derive it, it is acme's, its tag set back. */
static void test_budget_of_a_tenant_deriving_the_name(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_budget("1000");
	struct tenant *other = fix_tenant("other");
	struct observed_budget *b;
	struct plan p;

	other->budget_name = xstrdup("bedrock-tenant-acme");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	b = observed_budget_dup(live(&s));
	tag_set_put(&b->tags, TAG_TENANT, "other");
	observed_store_put_budget(&s.store, b);
	s.store.knows_tenant = knows_other;
	s.store.knows_ctx = other;

	plan_init(&p);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 1);
	assert_non_null(strstr(p.conflicts[0].message, "a budget named bedrock-tenant-acme exists: tenant other's"));
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);

	free(other->budget_name);
	other->budget_name = xstrdup("bedrock-tenant-other");
	plan_init(&p);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	assert_int_equal(plan_count(&p, ACT_BUDGET_TAG), 1);
	plan_release(&p);
	tenant_free(other);
	tenant_free(t);
	sim_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_steady),
		cmocka_unit_test(test_limit_and_period_change),
		cmocka_unit_test(test_alerts_by_value),
		cmocka_unit_test(test_sole_subscriber_replaced_new_first),
		cmocka_unit_test(test_foreign_budget_is_a_conflict),
		cmocka_unit_test(test_removal_after_grace_and_retain),
		cmocka_unit_test(test_released_budget_arn_in_place_partition),
		cmocka_unit_test(test_unlisted_budgets_are_left_alone),
		cmocka_unit_test(test_unreadable_budgets_are_an_error),
		cmocka_unit_test(test_budget_of_a_tenant_deriving_the_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
