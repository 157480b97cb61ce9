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

/* A cold start makes every tenant urgent (a new tenant, a first reconcile): a change
 * of a known tenant goes before them all, and one that comes while it is in flight
 * keeps its lane. */
static void test_change_before_a_cold_start(void **state)
{
	struct workqueue q;
	char key[16];

	workqueue_init(&q);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "t%d", i);
		workqueue_add(&q, key, WQ_URGENT);
	}
	workqueue_add(&q, "t0", WQ_NORMAL); /* a listing: no lower */
	workqueue_add(&q, "t500", WQ_CHANGE);
	assert_string_equal(workqueue_pop(&q, 0), "t500");
	workqueue_add(&q, "t500", WQ_CHANGE); /* edited again while in flight */
	assert_string_equal(workqueue_pop(&q, 0), "t0");
	workqueue_done(&q, "t500", WQ_OK, 0, 0.5);
	assert_string_equal(workqueue_pop(&q, 0), "t500");
	assert_string_equal(workqueue_pop(&q, 0), "t1");
	workqueue_release(&q);
}

/* The lane a key in flight was popped from (a tenant that waits for a slot of its
 * place goes back to it). */
static void test_lane_of_a_popped_key(void **state)
{
	struct workqueue q;

	workqueue_init(&q);
	workqueue_add(&q, "n", WQ_NORMAL);
	workqueue_add(&q, "u", WQ_URGENT);
	workqueue_add(&q, "c", WQ_CHANGE);
	workqueue_add_at(&q, "d", 10);
	assert_string_equal(workqueue_pop(&q, 100), "c");
	assert_int_equal(workqueue_lane(&q, "c"), WQ_CHANGE);
	assert_string_equal(workqueue_pop(&q, 100), "u");
	assert_int_equal(workqueue_lane(&q, "u"), WQ_URGENT);
	assert_string_equal(workqueue_pop(&q, 100), "n");
	assert_int_equal(workqueue_lane(&q, "n"), WQ_NORMAL);
	assert_string_equal(workqueue_pop(&q, 100), "d"); /* a delayed key joins the normal lane */
	assert_int_equal(workqueue_lane(&q, "d"), WQ_NORMAL);
	assert_int_equal(workqueue_lane(&q, "unknown"), WQ_NORMAL);
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

/* A key done with nothing left to remember is not held (100,000 converged tenants
 * held an item and two copies of their ids each); one backing off, stalled, due
 * again or added while in flight is. */
static void test_idle_keys_are_dropped(void **state)
{
	struct workqueue q;

	workqueue_init(&q);
	workqueue_add(&q, "a", WQ_NORMAL);
	workqueue_add(&q, "b", WQ_NORMAL);
	workqueue_add(&q, "c", WQ_NORMAL);
	workqueue_add(&q, "d", WQ_NORMAL);
	assert_int_equal(q.items.n, 4);
	assert_string_equal(workqueue_pop(&q, 0), "a");
	workqueue_done(&q, "a", WQ_OK, 0, 0.5);
	assert_int_equal(q.items.n, 3);
	assert_string_equal(workqueue_pop(&q, 0), "b");
	workqueue_done(&q, "b", WQ_RETRY, 0, 0.5); /* backing off: kept */
	assert_int_equal(workqueue_attempts(&q, "b"), 1);
	assert_string_equal(workqueue_pop(&q, 0), "c");
	workqueue_done(&q, "c", WQ_TERMINAL, 0, 0.5); /* stalled: kept */
	assert_string_equal(workqueue_pop(&q, 0), "d");
	workqueue_add_at(&q, "d", 50); /* a timer asked for in flight: kept */
	workqueue_done(&q, "d", WQ_OK, 0, 0.5);
	assert_int_equal(q.items.n, 3);
	assert_string_equal(workqueue_pop(&q, 50), "d");
	workqueue_done(&q, "d", WQ_OK, 50, 0.5);
	assert_int_equal(q.items.n, 2);
	/* dropped, then added again as new */
	workqueue_add(&q, "a", WQ_NORMAL);
	assert_string_equal(workqueue_pop(&q, 60), "a");
	workqueue_done(&q, "a", WQ_OK, 60, 0.5);
	assert_int_equal(workqueue_attempts(&q, "b"), 1);
	assert_string_equal(workqueue_pop(&q, 100000), "b");
	workqueue_done(&q, "b", WQ_OK, 100000, 0.5);
	assert_int_equal(q.items.n, 1); /* c, stalled */
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

/* When the pump runs again: never at 0 ms, nothing while every slot is taken. */
static void test_pump_delay(void **state)
{
	struct workqueue q;

	workqueue_init(&q);
	assert_int_equal(workqueue_pump_delay(&q, 100, 4), 0); /* nothing waits */
	workqueue_add_at(&q, "later", 600);
	assert_int_equal(workqueue_pump_delay(&q, 100, 4), 500);
	assert_int_equal(workqueue_pump_delay(&q, 100, 0), 0); /* a reconcile's end pumps */
	/* due now (or overdue) with a free slot: the next turn, not this one */
	assert_int_equal(workqueue_pump_delay(&q, 600, 1), 1);
	assert_int_equal(workqueue_pump_delay(&q, 900, 1), 1);
	assert_int_equal(workqueue_pump_delay(&q, 900, 0), 0);
	/* ready work left over by the turn's budget */
	workqueue_add(&q, "now", WQ_NORMAL);
	assert_int_equal(workqueue_pump_delay(&q, 100, 2), 1);
	assert_int_equal(workqueue_pump_delay(&q, 100, 0), 0);
	workqueue_release(&q);
}

/* The engine's pump on a simulated loop with a fake clock: one slot, held by a slow
 * reconcile until t=3000 while another key's backoff comes due at t=500. The pump
 * must not re-arm itself for the due key while no slot is free (at 0 ms from its own
 * callback that never lets the loop poll), and the due key runs once the slot frees. */
struct sim {
	struct workqueue q;
	size_t slots;	     /* free */
	unsigned budget;     /* starts per turn */
	wq_time pump_at;     /* 0: not armed */
	const char *running; /* the one slot's key */
};

static void sim_pump(struct sim *s, wq_time now)
{
	const char *k;
	unsigned n = 0;
	wq_time delay;

	s->pump_at = 0;
	while (s->slots && n < s->budget && (k = workqueue_pop(&s->q, now))) {
		s->running = k;
		s->slots--;
		n++;
	}
	delay = workqueue_pump_delay(&s->q, now, s->slots);
	if (delay)
		s->pump_at = now + delay;
}

static void test_pump_does_not_spin_while_slots_are_full(void **state)
{
	struct sim s = { .slots = 1, .budget = 4 };
	wq_time now = 0, wake;

	workqueue_init(&s.q);
	s.q.backoff_base = 1000;
	/* "retry" failed once: back in 0.5 * 1000 ms */
	workqueue_add(&s.q, "retry", WQ_NORMAL);
	assert_string_equal(workqueue_pop(&s.q, 0), "retry");
	wake = workqueue_done(&s.q, "retry", WQ_RETRY, 0, 0.5);
	assert_int_equal(wake, 500);
	/* "slow" takes the only slot until t=3000: nothing is armed, though "retry" is
	 * due at 500 */
	workqueue_add(&s.q, "slow", WQ_URGENT);
	sim_pump(&s, now);
	assert_string_equal(s.running, "slow");
	assert_int_equal(s.pump_at, 0);
	/* the pump runs for another reason (a listing marked tenants) at 500 and at 700,
	 * after "retry" came due: each time it arms nothing, so the loop goes on to poll */
	for (now = 500; now <= 700; now += 200) {
		sim_pump(&s, now);
		assert_string_equal(s.running, "slow");
		assert_int_equal(s.pump_at, 0);
	}
	now = 3000;
	/* the slow reconcile ends: its end pumps, and the due key runs */
	workqueue_done(&s.q, "slow", WQ_OK, now, 0.5);
	s.slots++;
	sim_pump(&s, now);
	assert_string_equal(s.running, "retry");
	workqueue_done(&s.q, "retry", WQ_OK, now, 0.5);
	workqueue_release(&s.q);
}

/* A turn's budget leaves the rest for the next turn, 1 ms later, never 0. */
static void test_pump_budget_continues_next_turn(void **state)
{
	struct sim s = { .slots = 32, .budget = 4 };
	char key[16];
	wq_time now = 0;
	unsigned turns = 0;

	workqueue_init(&s.q);
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "t%d", i);
		workqueue_add(&s.q, key, WQ_URGENT);
	}
	s.pump_at = 1;
	while (s.pump_at) {
		assert_true(s.pump_at > now);
		now = s.pump_at;
		sim_pump(&s, now);
		turns++;
	}
	assert_int_equal(turns, 3); /* 4 + 4 + 2 */
	assert_int_equal(now, 3);
	assert_int_equal(s.slots, 22);
	workqueue_release(&s.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_and_never_twice_at_once),
		cmocka_unit_test(test_urgent_before_normal),
		cmocka_unit_test(test_change_before_a_cold_start),
		cmocka_unit_test(test_lane_of_a_popped_key),
		cmocka_unit_test(test_delays),
		cmocka_unit_test(test_backoff_full_jitter),
		cmocka_unit_test(test_terminal_stalls_until_a_change),
		cmocka_unit_test(test_idle_keys_are_dropped),
		cmocka_unit_test(test_timer_requested_in_flight),
		cmocka_unit_test(test_many_keys_heap_order),
		cmocka_unit_test(test_pump_delay),
		cmocka_unit_test(test_pump_does_not_spin_while_slots_are_full),
		cmocka_unit_test(test_pump_budget_continues_next_turn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
