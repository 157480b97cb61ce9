#include "alerts_limit.h"

static void refill(struct alerts_limit *l, uint64_t now_ms)
{
	if (now_ms > l->last_ms) {
		l->tokens += (double)(now_ms - l->last_ms) * l->per_minute / 60000.0;
		if (l->tokens > l->per_minute)
			l->tokens = l->per_minute;
	}
	l->last_ms = now_ms;
}

void alerts_limit_init(struct alerts_limit *l, unsigned per_minute, uint64_t now_ms)
{
	l->per_minute = per_minute ? per_minute : 1;
	l->tokens = l->per_minute;
	l->last_ms = now_ms;
	l->suppressed = 0;
}

bool alerts_limit_take(struct alerts_limit *l, uint64_t now_ms, unsigned *ret_suppressed)
{
	refill(l, now_ms);
	if (l->tokens < 1) {
		l->suppressed++;
		return false;
	}
	l->tokens -= 1;
	*ret_suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}

unsigned alerts_limit_flush(struct alerts_limit *l, uint64_t now_ms)
{
	unsigned n = l->suppressed;

	refill(l, now_ms);
	if (!n || l->tokens < 1)
		return 0;
	l->tokens -= 1;
	l->suppressed = 0;
	return n;
}

uint64_t alerts_limit_wait_ms(const struct alerts_limit *l, uint64_t now_ms)
{
	double tokens = l->tokens;

	if (now_ms > l->last_ms)
		tokens += (double)(now_ms - l->last_ms) * l->per_minute / 60000.0;
	if (tokens >= 1)
		return 0;
	return (uint64_t)((1 - tokens) * 60000.0 / l->per_minute) + 1;
}
