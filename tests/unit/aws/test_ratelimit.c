/* ratelimit: the token bucket on a fake clock: pacing, burst, shrinking once per
 * cooldown on throttling, Retry-After holds, additive growth, bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ratelimit.h"

static void test_paces_at_rate(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait = 0, now = 1000;
	int sent = 0;

	ratelimit_config_default(&cfg, 10);
	ratelimit_init(&b, &cfg, now);
	/* the burst: one second's worth */
	while (ratelimit_take(&b, now, &wait) == 0)
		sent++;
	assert_int_equal(sent, 10);
	assert_int_equal(wait, 100);
	/* then 10 per second */
	sent = 0;
	for (now = 1000; now < 3000; now += 10)
		if (ratelimit_take(&b, now, &wait) == 0)
			sent++;
	assert_in_range(sent, 19, 20);
}

static void test_throttle_shrinks_once_per_cooldown(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait;

	ratelimit_config_default(&cfg, 8);
	ratelimit_init(&b, &cfg, 0);
	ratelimit_throttled(&b, 100, 0);
	assert_true(b.rate == 4.0);
	/* the rest of the burst's answers arrive within the cooldown: no further cut */
	ratelimit_throttled(&b, 150, 0);
	ratelimit_throttled(&b, 900, 0);
	assert_true(b.rate == 4.0);
	assert_int_equal(b.throttles, 3);
	/* tokens were drained: the next one comes at the new rate */
	assert_int_equal(ratelimit_take(&b, 900, &wait), -EAGAIN);
	assert_int_equal(wait, 250);
	ratelimit_throttled(&b, 1200, 0);
	assert_true(b.rate == 2.0);
	for (int i = 0; i < 20; i++)
		ratelimit_throttled(&b, 2300 + 1100 * (uint64_t)i, 0);
	assert_true(b.rate == cfg.min_rate);
}

static void test_retry_after_holds(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait;

	ratelimit_config_default(&cfg, 100);
	ratelimit_init(&b, &cfg, 0);
	ratelimit_throttled(&b, 0, 2000);
	assert_int_equal(ratelimit_take(&b, 500, &wait), -EAGAIN);
	assert_int_equal(wait, 1500);
	assert_int_equal(ratelimit_take(&b, 2000, &wait), 0);
	/* an absurd hint is capped */
	ratelimit_throttled(&b, 5000, 86400000);
	assert_int_equal(ratelimit_take(&b, 5001, &wait), -EAGAIN);
	assert_int_equal(wait, cfg.max_hold_ms - 1);
}

/* peek leaves the token; an operation's bucket (the operator's copy of AWS's rate)
 * takes off a tenth on a throttle, once per cooldown, empties, honours Retry-After,
 * and grows back with successes; its guard refills it a little slower. */
static void test_peek_and_configured_decrease(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait = 0;

	ratelimit_config_default(&cfg, 2);
	cfg.burst = 2;
	cfg.decrease = RATELIMIT_CONFIGURED_DECREASE;
	ratelimit_init(&b, &cfg, 0);
	assert_int_equal(ratelimit_peek(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_peek(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_peek(&b, 0, &wait), -EAGAIN);
	assert_int_equal(wait, 500);
	ratelimit_throttled(&b, 400, 0);
	assert_true(b.rate > 1.79 && b.rate < 1.81);
	ratelimit_throttled(&b, 900, 0); /* within the cooldown */
	assert_true(b.rate > 1.79 && b.rate < 1.81);
	/* emptied at 900: the next token after 1 / 1.8 s */
	assert_int_equal(ratelimit_take(&b, 900, &wait), -EAGAIN);
	assert_int_equal(wait, 556);
	ratelimit_throttled(&b, 1500, 1200);
	assert_true(b.rate > 1.61 && b.rate < 1.63);
	assert_int_equal(ratelimit_take(&b, 2000, &wait), -EAGAIN);
	assert_int_equal(wait, 700);
	for (int i = 0; i < 20; i++)
		ratelimit_succeeded(&b, 3000);
	assert_true(b.rate == 2.0);

	/* the guard: a refill 2 % slower than the rate, which stays the configured one */
	cfg.guard = RATELIMIT_CONFIGURED_GUARD;
	ratelimit_init(&b, &cfg, 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), -EAGAIN);
	assert_int_equal(wait, 511); /* 1 / (2 x 0.98) s */
	assert_int_equal(ratelimit_take(&b, 510, &wait), -EAGAIN);
	assert_int_equal(ratelimit_take(&b, 511, &wait), 0);
	assert_true(b.rate == 2.0);
}

/* An operation's bucket gives a throttled call's token back (AWS did not count the
 * call) after a tenth of an interval, instead of emptying for a whole one; once a
 * cooldown at most: a second throttle within it empties the bucket as before, and
 * takes nothing more off the rate. Before, every throttle emptied it: the next token
 * came 2,268 ms later. */
static void test_configured_gives_the_token_back(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait = 0;

	ratelimit_config_default(&cfg, 0.5);
	cfg.burst = 1;
	cfg.decrease = RATELIMIT_CONFIGURED_DECREASE;
	cfg.guard = RATELIMIT_CONFIGURED_GUARD;
	cfg.give_back = true;
	ratelimit_init(&b, &cfg, 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), 0);
	assert_int_equal(ratelimit_take(&b, 100, &wait), -EAGAIN);
	ratelimit_throttled(&b, 100, 0);
	assert_true(b.rate > 0.449 && b.rate < 0.451);
	/* held 205 ms (a tenth of 1 / 0.49 s), then the token is there */
	assert_int_equal(ratelimit_take(&b, 200, &wait), -EAGAIN);
	assert_int_equal(wait, 105);
	assert_int_equal(ratelimit_take(&b, 305, &wait), 0);
	/* within the cooldown: emptied, the rate unchanged */
	ratelimit_throttled(&b, 400, 0);
	assert_true(b.rate > 0.449 && b.rate < 0.451);
	assert_int_equal(ratelimit_take(&b, 400, &wait), -EAGAIN);
	assert_int_equal(wait, 2268); /* 1 / (0.45 x 0.98) s */
	/* after it: given back again (the bucket holds one token at most) */
	assert_int_equal(ratelimit_take(&b, 2668, &wait), 0);
	ratelimit_throttled(&b, 2700, 2000);
	assert_true(b.rate > 0.404 && b.rate < 0.406);
	/* a Retry-After hint longer than the hold still holds */
	assert_int_equal(ratelimit_take(&b, 3000, &wait), -EAGAIN);
	assert_int_equal(wait, 1700);
	assert_int_equal(ratelimit_take(&b, 4700, &wait), 0);
}

static void test_grows_back(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	int n = 0;

	ratelimit_config_default(&cfg, 10);
	ratelimit_init(&b, &cfg, 0);
	ratelimit_throttled(&b, 0, 0);
	assert_true(b.rate == 5.0);
	while (b.rate < 10.0 && n < 1000) {
		ratelimit_succeeded(&b, (uint64_t)n);
		n++;
	}
	assert_int_equal(n, 25); /* 0.2 per success */
	ratelimit_succeeded(&b, 2000);
	assert_true(b.rate == 10.0);
}

static void test_small_rates(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait;

	ratelimit_config_default(&cfg, 0.5);
	ratelimit_init(&b, &cfg, 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), 0); /* capacity is at least one token */
	assert_int_equal(ratelimit_take(&b, 0, &wait), -EAGAIN);
	assert_int_equal(wait, 2000);
	assert_int_equal(ratelimit_take(&b, 2000, &wait), 0);
	/* the clock going backwards does not mint tokens */
	assert_int_equal(ratelimit_take(&b, 100, &wait), -EAGAIN);
}

static void test_fixed_burst(void **state)
{
	struct ratelimit_config cfg;
	struct ratelimit b;
	uint64_t wait;
	int sent = 0;

	ratelimit_config_default(&cfg, 5);
	cfg.burst = 10;
	ratelimit_init(&b, &cfg, 0);
	while (ratelimit_take(&b, 0, &wait) == 0)
		sent++;
	assert_int_equal(sent, 10);
	assert_int_equal(wait, 200);
	/* a throttle halves the rate; the capacity stays, the tokens are gone */
	ratelimit_throttled(&b, 0, 0);
	assert_int_equal(ratelimit_take(&b, 0, &wait), -EAGAIN);
	assert_int_equal(wait, 400);
	sent = 0;
	while (ratelimit_take(&b, 60000, &wait) == 0)
		sent++;
	assert_int_equal(sent, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paces_at_rate),	  cmocka_unit_test(test_throttle_shrinks_once_per_cooldown),
		cmocka_unit_test(test_retry_after_holds), cmocka_unit_test(test_peek_and_configured_decrease),
		cmocka_unit_test(test_grows_back),	  cmocka_unit_test(test_small_rates),
		cmocka_unit_test(test_fixed_burst),	  cmocka_unit_test(test_configured_gives_the_token_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
