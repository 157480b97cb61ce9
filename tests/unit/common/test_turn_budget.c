/* The loop turn's one budget, on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "turn_budget.h"

#define US 1000ull

static uint64_t fake_now(void *data)
{
	return *(uint64_t *)data;
}

/* One part's share of a turn, as the loop's parts take it: one unit whatever the
 * budget, more while it says so; units of unit_ns each, at most `waiting`. Returns
 * the units done. */
static unsigned run_part(struct turn_budget *t, uint64_t *clock, uint64_t unit_ns, unsigned waiting)
{
	unsigned done = 0;

	turn_budget_begin(t);
	for (bool first = true; done < waiting && (first || turn_budget_more(t)); first = false) {
		*clock += unit_ns;
		done++;
	}
	return done;
}

/* The answers and the starts share one clock: what the answers took is not the
 * starts' any more; the turn's end opens a fresh one, the idle time between turns
 * (the poll) not counted. */
static void test_parts_share_one_clock(void **state)
{
	uint64_t clock = 5000 * US;
	struct turn_budget t;

	(void)state;
	turn_budget_init(&t, 1000 * US, fake_now, &clock);
	/* the answers: 100 us each, plenty waiting: ten fit */
	assert_int_equal(run_part(&t, &clock, 100 * US, 1000), 10);
	/* the starts find the budget spent: their one unit only */
	assert_int_equal(run_part(&t, &clock, 100 * US, 1000), 1);
	turn_budget_end(&t, 0);
	clock += 50000 * US; /* the poll waited: not the next turn's */
	assert_int_equal(run_part(&t, &clock, 100 * US, 3), 3);
	assert_int_equal(run_part(&t, &clock, 100 * US, 1000), 7);
	turn_budget_end(&t, 0);
}

/* The commit's cost, known after it ran, is taken off the next turns' budgets,
 * smoothed, never more than the whole budget; the parts then still do their one unit. */
static void test_commit_reserved_from_next_turns(void **state)
{
	uint64_t clock = 0;
	struct turn_budget t;
	unsigned before, after;

	(void)state;
	turn_budget_init(&t, 1000 * US, fake_now, &clock);
	before = run_part(&t, &clock, 50 * US, 1000);
	assert_int_equal(before, 20);
	turn_budget_end(&t, 400 * US);
	after = run_part(&t, &clock, 50 * US, 1000);
	assert_true(after < before);
	assert_true(after > 1);
	turn_budget_end(&t, 400 * US);
	/* commits as long as the budget: only the first units */
	for (int i = 0; i < 40; i++) {
		(void)run_part(&t, &clock, 50 * US, 1000);
		turn_budget_end(&t, 50000 * US);
	}
	assert_true(t.reserve_ns <= t.budget_ns);
	assert_int_equal(run_part(&t, &clock, 50 * US, 1000), 1);
	assert_int_equal(run_part(&t, &clock, 50 * US, 1000), 1);
	turn_budget_end(&t, 0);
	/* cheap commits again: the reserve melts away */
	for (int i = 0; i < 40; i++) {
		(void)run_part(&t, &clock, 50 * US, 1000);
		turn_budget_end(&t, 0);
	}
	assert_int_equal(run_part(&t, &clock, 50 * US, 1000), 20);
}

/* A turn of three parts (answers, starts, then the commit) stays within the budget
 * plus one unit of each, whatever is waiting. */
static void test_turn_bounded(void **state)
{
	uint64_t clock = 0;
	struct turn_budget t;

	(void)state;
	turn_budget_init(&t, 1000 * US, fake_now, &clock);
	for (int turn = 0; turn < 100; turn++) {
		uint64_t start = clock, unit = (uint64_t)(37 + turn * 13 % 300) * US, commit = (turn % 7) * 100 * US;
		(void)run_part(&t, &clock, unit, 100000);
		(void)run_part(&t, &clock, unit, 100000);
		clock += commit;
		turn_budget_end(&t, commit);
		assert_true(clock - start <= t.budget_ns + 2 * unit + commit);
		clock += 10 * US;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_share_one_clock),
		cmocka_unit_test(test_commit_reserved_from_next_turns),
		cmocka_unit_test(test_turn_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
