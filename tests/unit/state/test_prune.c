#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prune.h"

static void test_small_fleets_use_the_floor(void **state)
{
	struct prune_limits l = PRUNE_LIMITS_DEFAULT;

	assert_int_equal(prune_threshold(&l, 0), 10);
	assert_int_equal(prune_threshold(&l, 6), 10);
	assert_false(prune_must_hold(&l, 6, 6)); /* every tenant of a tiny fleet: within the floor */
	assert_false(prune_must_hold(&l, 10, 100));
	assert_true(prune_must_hold(&l, 11, 100));
}

static void test_large_fleets_use_the_percentage(void **state)
{
	struct prune_limits l = PRUNE_LIMITS_DEFAULT;

	assert_int_equal(prune_threshold(&l, 1000), 50);
	assert_false(prune_must_hold(&l, 50, 1000));
	assert_true(prune_must_hold(&l, 51, 1000));
	assert_true(prune_must_hold(&l, 100000, 100000)); /* "every file deleted" */
}

static void test_limits_are_configurable(void **state)
{
	struct prune_limits l = { 0, 0 };

	assert_true(prune_must_hold(&l, 1, 100)); /* approve every deletion */
	l = (struct prune_limits){ 0, 2.5 };	  /* fractional: 2.5 % of 1000 is 25 */
	assert_false(prune_must_hold(&l, 25, 1000));
	assert_true(prune_must_hold(&l, 26, 1000));
	l = (struct prune_limits){ 3, 50 };
	assert_false(prune_must_hold(&l, 50, 100));
	assert_true(prune_must_hold(&l, 51, 100));
}

/* A fleet on a fake clock (milliseconds), driven as the engine drives the gate: every
 * removal is judged with the whole window; a removal that is not held is carried out
 * once its grace period has passed, and then leaves the window. */
#define FLEET 64

struct fleet {
	struct prune_limits limits;
	size_t known;
	int64_t now, grace;
	bool removed[FLEET], deleted[FLEET];
	int64_t removed_at[FLEET];
	enum prune_mark mark[FLEET];
	size_t n_deleted;
};

static void fleet_init(struct fleet *f, size_t known, int64_t grace)
{
	memset(f, 0, sizeof(*f));
	f->limits = PRUNE_LIMITS_DEFAULT;
	f->known = known;
	f->grace = grace;
}

/* The window as the engine builds it: removed and not yet carried out. */
static size_t fleet_window(struct fleet *f, struct prune_entry *v, int *idx)
{
	size_t n = 0;

	for (int i = 0; i < FLEET; i++) {
		if (!f->removed[i] || f->deleted[i])
			continue;
		v[n] = (struct prune_entry){ "t", f->mark[i] };
		idx[n++] = i;
	}
	return n;
}

static size_t fleet_judge(struct fleet *f)
{
	struct prune_entry v[FLEET];
	int idx[FLEET];
	size_t n = fleet_window(f, v, idx), held = prune_judge(&f->limits, v, n, f->known);

	for (size_t i = 0; i < n; i++)
		f->mark[idx[i]] = v[i].mark;
	return held;
}

static size_t fleet_approve(struct fleet *f)
{
	struct prune_entry v[FLEET];
	int idx[FLEET];
	size_t n = fleet_window(f, v, idx), approved = prune_approve(v, n);

	for (size_t i = 0; i < n; i++)
		f->mark[idx[i]] = v[i].mark;
	return approved;
}

static void fleet_remove(struct fleet *f, int i)
{
	f->removed[i] = true;
	f->removed_at[i] = f->now;
	f->mark[i] = PRUNE_OPEN;
	fleet_judge(f);
}

static void fleet_advance(struct fleet *f, int64_t ms)
{
	f->now += ms;
	for (int i = 0; i < FLEET; i++) {
		if (!f->removed[i] || f->deleted[i] || f->mark[i] == PRUNE_HELD || f->now < f->removed_at[i] + f->grace)
			continue;
		f->deleted[i] = true;
		f->n_deleted++;
		f->known--;
	}
}

static size_t fleet_count(const struct fleet *f, enum prune_mark m)
{
	size_t n = 0;

	for (int i = 0; i < FLEET; i++)
		n += f->removed[i] && !f->deleted[i] && f->mark[i] == m;
	return n;
}

/* 30 of 40 tenants in three batches one second apart: all 30 held, none deleted. */
static void test_batches_are_judged_together(void **state)
{
	struct fleet f;

	fleet_init(&f, 40, 600000);
	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < 10; i++)
			fleet_remove(&f, b * 10 + i);
		fleet_advance(&f, 1000);
	}
	assert_int_equal(fleet_count(&f, PRUNE_HELD), 30);
	fleet_advance(&f, 3600000);
	assert_int_equal(f.n_deleted, 0);
}

/* 30 of 40 one at a time, 0.4 s apart: the 11th holds the first ten; the rest join. */
static void test_removals_one_at_a_time_are_held_together(void **state)
{
	struct fleet f;

	fleet_init(&f, 40, 600000);
	for (int i = 0; i < 30; i++) {
		fleet_remove(&f, i);
		assert_int_equal(fleet_count(&f, PRUNE_HELD), i < 10 ? 0 : (size_t)i + 1);
		fleet_advance(&f, 400);
	}
	fleet_advance(&f, 3600000);
	assert_int_equal(f.n_deleted, 0);
}

/* An approval releases the removals held then, and only them; until those are carried
 * out they still count, so the next removal is held again, and it stays held. */
static void test_approval_covers_the_set_it_released(void **state)
{
	struct fleet f;

	fleet_init(&f, 41, 600000);
	for (int i = 0; i < 30; i++)
		fleet_remove(&f, i);
	assert_int_equal(fleet_approve(&f), 30);
	assert_int_equal(fleet_approve(&f), 0);
	fleet_advance(&f, 1000);
	fleet_remove(&f, 30);
	assert_int_equal(fleet_count(&f, PRUNE_HELD), 1);
	assert_int_equal(fleet_count(&f, PRUNE_APPROVED), 30);
	fleet_advance(&f, 600000); /* the approved ones are carried out, the new one waits */
	assert_int_equal(f.n_deleted, 30);
	assert_int_equal(fleet_count(&f, PRUNE_HELD), 1);
	fleet_judge(&f); /* a window under the threshold releases nothing by itself */
	assert_int_equal(fleet_count(&f, PRUNE_HELD), 1);
	fleet_advance(&f, 3600000);
	assert_int_equal(f.n_deleted, 30);
}

/* The window lasts as long as the grace period: removals spread wider than that are
 * judged apart (the gate bounds deletions per grace period). */
static void test_the_window_is_the_grace_period(void **state)
{
	struct fleet f;

	fleet_init(&f, 60, 10000);
	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < 10; i++)
			fleet_remove(&f, b * 10 + i);
		fleet_advance(&f, 10000);
	}
	assert_int_equal(f.n_deleted, 30);
	assert_int_equal(fleet_count(&f, PRUNE_HELD), 0);
	/* within one grace period, 10 + 1 is too many */
	for (int i = 30; i < 41; i++)
		fleet_remove(&f, i);
	assert_int_equal(fleet_count(&f, PRUNE_HELD), 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_fleets_use_the_floor),
		cmocka_unit_test(test_large_fleets_use_the_percentage),
		cmocka_unit_test(test_limits_are_configurable),
		cmocka_unit_test(test_batches_are_judged_together),
		cmocka_unit_test(test_removals_one_at_a_time_are_held_together),
		cmocka_unit_test(test_approval_covers_the_set_it_released),
		cmocka_unit_test(test_the_window_is_the_grace_period),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
