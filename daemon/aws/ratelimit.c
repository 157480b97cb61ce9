#include "ratelimit.h"

#include <errno.h>
#include <math.h>

void ratelimit_config_default(struct ratelimit_config *c, double max_rate)
{
	c->max_rate = max_rate > 0 ? max_rate : 10;
	c->min_rate = 0.2;
	if (c->min_rate > c->max_rate)
		c->min_rate = c->max_rate;
	c->burst = 0;
	c->burst_s = 1.0;
	c->decrease = 0.5;
	c->increase = 0.02;
	c->cooldown_ms = 1000;
	c->max_hold_ms = 60000;
	c->guard = 0;
	c->give_back = false;
}

static double capacity(const struct ratelimit *b)
{
	double cap = b->cfg.burst > 0 ? b->cfg.burst : b->rate * b->cfg.burst_s;

	return cap < 1 ? 1 : cap;
}

/* The refill rate: the current rate less the guard. */
static double pace(const struct ratelimit *b)
{
	return b->rate * (1 - b->cfg.guard);
}

static void refill(struct ratelimit *b, uint64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) / 1000.0 * pace(b);
		if (b->tokens > capacity(b))
			b->tokens = capacity(b);
	}
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
}

void ratelimit_init(struct ratelimit *b, const struct ratelimit_config *c, uint64_t now_ms)
{
	b->cfg = *c;
	if (b->cfg.guard < 0 || b->cfg.guard >= 0.5)
		b->cfg.guard = 0;
	if (b->cfg.min_rate <= 0)
		b->cfg.min_rate = 0.01;
	if (b->cfg.max_rate < b->cfg.min_rate)
		b->cfg.max_rate = b->cfg.min_rate;
	b->rate = b->cfg.max_rate;
	b->tokens = capacity(b);
	b->last_ms = now_ms;
	b->hold_until_ms = 0;
	b->last_decrease_ms = 0;
	b->throttles = 0;
	b->decreased = 0;
}

int ratelimit_peek(struct ratelimit *b, uint64_t now_ms, uint64_t *ret_wait_ms)
{
	double wait;

	if (now_ms < b->hold_until_ms) {
		*ret_wait_ms = b->hold_until_ms - now_ms;
		return -EAGAIN;
	}
	refill(b, now_ms);
	if (b->tokens >= 1.0)
		return 0;
	wait = ceil((1.0 - b->tokens) / pace(b) * 1000.0);
	*ret_wait_ms = wait < 1 ? 1 : (uint64_t)wait;
	return -EAGAIN;
}

int ratelimit_take(struct ratelimit *b, uint64_t now_ms, uint64_t *ret_wait_ms)
{
	int r = ratelimit_peek(b, now_ms, ret_wait_ms);

	if (r == 0)
		b->tokens -= 1.0;
	return r;
}

static void hold(struct ratelimit *b, uint64_t now_ms, uint64_t ms)
{
	if (ms > b->cfg.max_hold_ms)
		ms = b->cfg.max_hold_ms;
	if (now_ms + ms > b->hold_until_ms)
		b->hold_until_ms = now_ms + ms;
}

void ratelimit_throttled(struct ratelimit *b, uint64_t now_ms, uint64_t retry_after_ms)
{
	/* Answers to calls sent before the last decrease say nothing about the new rate. */
	bool cooling = b->decreased && now_ms - b->last_decrease_ms < b->cfg.cooldown_ms;

	refill(b, now_ms);
	b->throttles++;
	if (b->cfg.give_back && !cooling) { /* the call's token back, a moment later */
		b->tokens += 1.0;
		if (b->tokens > capacity(b))
			b->tokens = capacity(b);
		hold(b, now_ms, (uint64_t)ceil(RATELIMIT_GIVE_BACK_HOLD * 1000.0 / pace(b)));
	} else {
		b->tokens = 0; /* no burst right after a throttle */
	}
	if (retry_after_ms)
		hold(b, now_ms, retry_after_ms);
	if (cooling)
		return;
	b->rate *= b->cfg.decrease;
	if (b->rate < b->cfg.min_rate)
		b->rate = b->cfg.min_rate;
	b->last_decrease_ms = now_ms;
	b->decreased = 1;
}

void ratelimit_succeeded(struct ratelimit *b, uint64_t now_ms)
{
	refill(b, now_ms);
	b->rate += b->cfg.increase * b->cfg.max_rate;
	if (b->rate > b->cfg.max_rate * (1 - 1e-9))
		b->rate = b->cfg.max_rate;
}
