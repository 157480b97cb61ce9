#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tenant_state.h"

static enum tenant_state decide(struct tenant_facts f)
{
	return tenant_state_decide(&f);
}

static void test_precedence(void **state)
{
	assert_int_equal(decide((struct tenant_facts){ 0 }), TENANT_PENDING);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true }), TENANT_READY);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .in_progress = true }), TENANT_RECONCILING);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .error = ERROR_RETRYABLE }), TENANT_ERROR);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .error = ERROR_TERMINAL }), TENANT_STALLED);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .conflict = true }), TENANT_STALLED);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .removed = true }), TENANT_DELETING);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .removed = true, .held = true }),
			 TENANT_HELD);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .pending_changes = true, .paused = true }),
			 TENANT_DRIFTED);
	assert_int_equal(decide((struct tenant_facts){ .suspended = true, .error = ERROR_TERMINAL }), TENANT_SUSPENDED);
	/* waiting for capacity is Pending, even after a quota error on a create */
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .waiting = true, .error = ERROR_RETRYABLE }),
			 TENANT_PENDING);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .waiting = true, .pending_changes = true }),
			 TENANT_PENDING);
	/* OverBudget rests where Ready would: anything else to say or do comes first */
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .over_budget = true }), TENANT_OVER_BUDGET);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .over_budget = true, .in_progress = true }),
			 TENANT_RECONCILING);
	assert_int_equal(
		decide((struct tenant_facts){ .reconciled = true, .over_budget = true, .error = ERROR_TERMINAL }),
		TENANT_STALLED);
	assert_int_equal(decide((struct tenant_facts){ .reconciled = true, .over_budget = true, .removed = true }),
			 TENANT_DELETING);
	assert_int_equal(decide((struct tenant_facts){ .over_budget = true, .suspended = true }), TENANT_SUSPENDED);
}

static void test_names_round_trip(void **state)
{
	for (int s = 0; s < TENANT__STATE_COUNT; s++)
		assert_int_equal(tenant_state_parse(tenant_state_name(s)), s);
	assert_int_equal(tenant_state_parse("Bogus"), -1);
	assert_string_equal(tenant_state_name(TENANT_HELD), "Held");
	assert_string_equal(tenant_state_name(TENANT_OVER_BUDGET), "OverBudget");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
