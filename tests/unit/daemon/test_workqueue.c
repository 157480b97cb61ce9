/* The work queue with a fake clock: dedup, lanes, delays, backoff, stalls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "workqueue.h"

static void test_dedup_and_never_twice_at_once(void **state)
{
	struct workqueue q;
	const char *k;

	workqueue_init(&q);
	workqueue_add(&q, "a", WQ_NORMAL);
	workqueue_add(&q, "a", WQ_NORMAL);
	workqueue_add(&q, "b", WQ_NORMAL);
	assert_int_equal(workqueue_depth(&q), 2);
	k = workqueue_pop(&q, 0);
	assert_string_equal(k, "a");
	/* added again while in flight: not handed out a second time */
	workqueue_add(&q, "a", WQ_NORMAL);
	assert_string_equal(workqueue_pop(&q, 0), "b");
	assert_null(workqueue_pop(&q, 0));
	assert_int_equal(workqueue_in_flight(&q), 2);
	workqueue_done(&q, "a", WQ_OK, 0, 0.5);
	/* ... but runs once more after it is done */
	assert_string_equal(workqueue_pop(&q, 0), "a");
	workqueue_done(&q, "a", WQ_OK, 0, 0.5);
	workqueue_done(&q, "b", WQ_OK, 0, 0.5);
	assert_null(workqueue_pop(&q, 0));
	assert_int_equal(workqueue_in_flight(&q), 0);
	workqueue_release(&q);
}

static void test_urgent_before_normal(void **state)
{
	struct workqueue q;
	char key[16];

	workqueue_init(&q);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "t%d", i);
		workqueue_add(&q, key, WQ_NORMAL);
	}
	workqueue_add(&q, "t77", WQ_URGENT); /* a changed manifest jumps the periodic work */
	workqueue_add(&q, "new", WQ_URGENT);
	assert_string_equal(workqueue_pop(&q, 0), "t77");
	assert_string_equal(workqueue_pop(&q, 0), "new");
	assert_string_equal(workqueue_pop(&q, 0), "t0");
	assert_int_equal(workqueue_depth(&q), 98);
	workqueue_release(&q);
}

static void test_delays(void **state)
{
	struct workqueue q;

	workqueue_init(&q);
	workqueue_add_at(&q, "late", 5000);
	workqueue_add_at(&q, "early", 1000);
	workqueue_add_at(&q, "late", 3000); /* an earlier wake wins */
	assert_int_equal(workqueue_next_wake(&q), 1000);
	assert_null(workqueue_pop(&q, 999));
	assert_string_equal(workqueue_pop(&q, 1000), "early");
	assert_null(workqueue_pop(&q, 2999));
	assert_string_equal(workqueue_pop(&q, 3000), "late");
	assert_int_equal(workqueue_next_wake(&q), 0);
	workqueue_release(&q);
}

static void test_backoff_full_jitter(void **state)
{
	struct workqueue q;
	wq_time at;

	workqueue_init(&q);
	assert_int_equal(workqueue_backoff(&q, 1, 0.999999), 999);
	assert_int_equal(workqueue_backoff(&q, 2, 0.5), 1000);
	assert_int_equal(workqueue_backoff(&q, 3, 0.5), 2000);
	assert_int_equal(workqueue_backoff(&q, 30, 0.5), 450000); /* capped at 15 min */
	assert_int_equal(workqueue_backoff(&q, 4, 0.0), 0);

	workqueue_add(&q, "a", WQ_NORMAL);
	workqueue_pop(&q, 0);
	at = workqueue_done(&q, "a", WQ_RETRY, 10000, 0.5);
	assert_int_equal(at, 10500);
	assert_int_equal(workqueue_attempts(&q, "a"), 1);
	/* periodic work does not cut a backoff short */
	workqueue_add(&q, "a", WQ_NORMAL);
	assert_null(workqueue_pop(&q, 10000));
	assert_string_equal(workqueue_pop(&q, 10500), "a");
	at = workqueue_done(&q, "a", WQ_RETRY, 10500, 0.5);
	assert_int_equal(at, 11500);
	/* a manifest change does, and resets the attempts */
	workqueue_add(&q, "a", WQ_URGENT);
	assert_int_equal(workqueue_attempts(&q, "a"), 0);
	assert_string_equal(workqueue_pop(&q, 10600), "a");
	workqueue_done(&q, "a", WQ_OK, 10600, 0.5);
	assert_int_equal(workqueue_attempts(&q, "a"), 0);
	workqueue_release(&q);
}

static void test_terminal_stalls_until_a_change(void **state)
{
	struct workqueue q;

	workqueue_init(&q);
	workqueue_add(&q, "a", WQ_NORMAL);
	workqueue_pop(&q, 0);
	assert_int_equal(workqueue_done(&q, "a", WQ_TERMINAL, 0, 0.5), 0);
	workqueue_add(&q, "a", WQ_NORMAL); /* periodic resync: ignored */
	workqueue_add_at(&q, "a", 10);	   /* timers: ignored */
	assert_null(workqueue_pop(&q, 100));
	workqueue_add(&q, "a", WQ_URGENT); /* the manifest changed */
	assert_string_equal(workqueue_pop(&q, 100), "a");
	/* a change arriving during a failing attempt gets its own attempt */
	workqueue_add(&q, "a", WQ_URGENT);
	workqueue_done(&q, "a", WQ_TERMINAL, 100, 0.5);
	assert_string_equal(workqueue_pop(&q, 100), "a");
	workqueue_done(&q, "a", WQ_OK, 100, 0.5);
	workqueue_release(&q);
}

static void test_timer_requested_in_flight(void **state)
{
	struct workqueue q;

	workqueue_init(&q);
	workqueue_add(&q, "a", WQ_NORMAL);
	workqueue_pop(&q, 0);
	workqueue_add_at(&q, "a", 900); /* the plan's wake time, set while working */
	workqueue_done(&q, "a", WQ_OK, 10, 0.5);
	assert_int_equal(workqueue_wake_at(&q, "a"), 900);
	assert_null(workqueue_pop(&q, 899));
	assert_string_equal(workqueue_pop(&q, 900), "a");
	workqueue_done(&q, "a", WQ_OK, 900, 0.5);
	workqueue_add(&q, "b", WQ_NORMAL);
	workqueue_forget(&q, "b");
	workqueue_forget(&q, "a");
	assert_int_equal(workqueue_depth(&q), 0);
	workqueue_release(&q);
}

static wq_time when_of(int i)
{
	return (wq_time)((i * 7919) % 5003) + 1;
}

static void test_many_keys_heap_order(void **state)
{
	struct workqueue q;
	char key[16];
	wq_time last = 0;
	const char *k;
	int popped = 0;

	workqueue_init(&q);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "t%d", i);
		workqueue_add_at(&q, key, when_of(i));
	}
	/* due items join the lane in heap order, so they come out in time order */
	while ((k = workqueue_pop(&q, 1000000))) {
		int j = -1;
		assert_int_equal(sscanf(k, "t%d", &j), 1);
		assert_true(when_of(j) >= last);
		last = when_of(j);
		workqueue_done(&q, k, WQ_OK, 1000000, 0.5);
		popped++;
	}
	assert_int_equal(popped, 5000);
	assert_int_equal(workqueue_depth(&q), 0);
	workqueue_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_and_never_twice_at_once),
		cmocka_unit_test(test_urgent_before_normal),
		cmocka_unit_test(test_delays),
		cmocka_unit_test(test_backoff_full_jitter),
		cmocka_unit_test(test_terminal_stalls_until_a_change),
		cmocka_unit_test(test_timer_requested_in_flight),
		cmocka_unit_test(test_many_keys_heap_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
