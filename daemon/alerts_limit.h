/* The rate limit of notifications, one per event kind: a token bucket of `per_minute`
 * tokens that refills evenly over a minute, and coalescing: an event that finds the
 * bucket empty is not sent but counted, and the count goes out with the next message
 * of that kind ("and 37 more"), or in a summary of its own once a token is back. No
 * libuv: the time is passed in, so the unit tests need no clock. */
#ifndef BTD_ALERTS_LIMIT_H
#define BTD_ALERTS_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct alerts_limit {
	double tokens;
	unsigned per_minute;
	uint64_t last_ms;    /* when tokens were last brought up to date */
	unsigned suppressed; /* events not sent since the last message went out */
};

void alerts_limit_init(struct alerts_limit *l, unsigned per_minute, uint64_t now_ms);
/* alerts_limit_take: true when a message may go out now; *ret_suppressed is then how
 * many events were held back before it (and the count restarts). false: the event
 * is counted and waits for the next message. */
bool alerts_limit_take(struct alerts_limit *l, uint64_t now_ms, unsigned *ret_suppressed);
/* alerts_limit_flush: when events wait and a token is there, takes it and returns
 * how many (a summary message carries them); 0 otherwise. */
unsigned alerts_limit_flush(struct alerts_limit *l, uint64_t now_ms);
/* alerts_limit_wait_ms: how long until a token is back (0: now). */
uint64_t alerts_limit_wait_ms(const struct alerts_limit *l, uint64_t now_ms);

#endif
