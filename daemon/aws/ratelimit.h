/* A client-side token bucket for one (account, region, service), or for one
 * operation of it: it caps the call rate, shrinks multiplicatively when AWS throttles
 * (at most once per cooldown, so a burst of throttled answers counts once), empties
 * (AWS's bucket is empty too), pauses for a Retry-After hint, and grows back
 * additively with each success up to its ceiling. A service's bucket halves its rate
 * (its ceiling is a guess for a mix of operations); an operation's, whose ceiling is
 * the operator's copy of AWS's published rate, takes off a tenth
 * (RATELIMIT_CONFIGURED_DECREASE) and gets the throttled call's token back instead of
 * emptying (give_back): its throttles come from jitter between the daemon's clock and
 * AWS's, not from a wrong rate. Pure arithmetic on a clock passed in
 * (milliseconds, monotonic); the client owns the waiting and the timers. */
#ifndef BTD_RATELIMIT_H
#define BTD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit_config {
	double max_rate;      /* tokens per second: the ceiling and the starting rate */
	double min_rate;      /* the floor (0.2) */
	double burst;	      /* bucket capacity in tokens; 0: burst_s seconds of the current rate */
	double burst_s;	      /* used when burst is 0, at least 1 token (1.0) */
	double decrease;      /* rate factor on a throttled answer (0.5) */
	double increase;      /* rate added per success, as a fraction of max_rate (0.02) */
	uint64_t cooldown_ms; /* at most one decrease per cooldown (1000) */
	uint64_t max_hold_ms; /* longest Retry-After pause honoured (60000) */
	double guard;	      /* refill at rate x (1 - guard): a margin for jitter (0) */
	bool give_back;	      /* a throttle gives the call's token back (false): below */
};

/* The decrease of a bucket whose ceiling is AWS's configured rate, and its guard:
 * calls taken exactly 1/rate apart reach AWS some milliseconds closer or further
 * apart (the daemon's loop, the network, AWS's own clock), and with AWS's bucket
 * as empty as the daemon's any call that arrives early is throttled; refilling a
 * little slower than AWS leaves that margin (40 ms at 0.5/s, 10 ms at 2/s). */
#define RATELIMIT_CONFIGURED_DECREASE 0.9
#define RATELIMIT_CONFIGURED_GUARD    0.02
/* give_back, for the same buckets: AWS did not count the throttled call, and its
 * bucket, short by the jitter only, holds a token again within a moment; emptying
 * ours would leave AWS's rate unused for a whole interval (2 s at 0.5/s) on each
 * throttle. The bucket gets the call's token back instead, held for a tenth of an
 * interval (RATELIMIT_GIVE_BACK_HOLD), once a cooldown at most (a throttle after
 * that empties it, as any other): a rate that AWS really does not allow still
 * shrinks, and costs at most one extra call a cooldown. */
#define RATELIMIT_GIVE_BACK_HOLD 0.1

struct ratelimit {
	struct ratelimit_config cfg;
	double rate;   /* current tokens per second */
	double tokens; /* available now (fractional) */
	uint64_t last_ms;
	uint64_t hold_until_ms; /* no token before this (Retry-After) */
	uint64_t last_decrease_ms;
	uint64_t throttles; /* throttled answers seen */
	int decreased;	    /* whether last_decrease_ms is meaningful */
};

void ratelimit_config_default(struct ratelimit_config *c, double max_rate);
void ratelimit_init(struct ratelimit *b, const struct ratelimit_config *c, uint64_t now_ms);
/* ratelimit_take: 0 when a token was taken; -EAGAIN with *ret_wait_ms (>= 1) set to
 * the time until one may be available. */
int ratelimit_take(struct ratelimit *b, uint64_t now_ms, uint64_t *ret_wait_ms);
/* ratelimit_peek: as ratelimit_take, but leaves the token (a call that must pass two
 * buckets takes from both or from neither). */
int ratelimit_peek(struct ratelimit *b, uint64_t now_ms, uint64_t *ret_wait_ms);
/* ratelimit_throttled: AWS throttled a call; retry_after_ms is its hint or 0. */
void ratelimit_throttled(struct ratelimit *b, uint64_t now_ms, uint64_t retry_after_ms);
void ratelimit_succeeded(struct ratelimit *b, uint64_t now_ms);

#endif
