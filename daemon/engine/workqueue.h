/* The work queue of tenant keys: level-triggered, deduplicating, never handing out a
 * key that is already being worked on.
 *
 * A key is idle, waiting (ready now, in the urgent or the normal lane, or delayed
 * until a time), or in flight. Adding a key that is in flight marks it to run again
 * when done; adding a waiting key only raises its urgency or brings its time
 * forward. Changes (an edited manifest, an operator's command for a tenant) are served
 * first, then urgent work (a new tenant, a first reconcile), then normal work
 * (periodic resync, timers). Failures back off per key with full jitter
 * (1 s doubling to 15 min by default); success or a manifest change resets the
 * backoff. Time and randomness are parameters: nothing here reads a clock.
 * The queue owns copies of its keys, and holds a key only while it is waiting, in
 * flight, backing off or stalled: an idle key with nothing to remember is dropped. */
#ifndef BTD_WORKQUEUE_H
#define BTD_WORKQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

/* Times are milliseconds on a monotonic clock. */
typedef uint64_t wq_time;

enum wq_lane {
	WQ_NORMAL,
	WQ_URGENT,
	/* before every other: a change of a tenant already known (an edited manifest, an
	 * operator's command for it), so that it does not wait behind the first
	 * reconciles of a cold start, all urgent */
	WQ_CHANGE, /* the last: lanes[] of struct workqueue has one per lane */
};

enum wq_result {
	WQ_OK,	     /* converged or progressed: backoff resets */
	WQ_RETRY,    /* a retryable failure: back off */
	WQ_TERMINAL, /* a terminal failure: wait for a change (an urgent add) */
};

struct wq_item;

struct workqueue {
	struct hashmap items;	     /* key -> struct wq_item * */
	struct wq_item *lanes[3][2]; /* [lane][head, tail] of ready FIFOs */
	struct wq_item **heap;	     /* delayed items, min-heap on `at` */
	size_t n_heap, alloc_heap;
	size_t ready, in_flight;
	wq_time backoff_base, backoff_cap;
};

void workqueue_init(struct workqueue *q);
void workqueue_release(struct workqueue *q);

/* workqueue_add: mark key dirty now. An urgent add also clears the key's backoff
 * (a manifest change or an operator asked). */
void workqueue_add(struct workqueue *q, const char *key, enum wq_lane lane);
/* workqueue_add_at: wake key at `at` (a timer or a retry); an earlier pending wake
 * or readiness wins. */
void workqueue_add_at(struct workqueue *q, const char *key, wq_time at);
/* workqueue_pop: the next key ready at `now`, moved in flight; NULL when none is
 * ready. The returned string is borrowed until workqueue_done(). */
const char *workqueue_pop(struct workqueue *q, wq_time now);
/* workqueue_pop_lane: workqueue_pop, and the lane the key came from in *lane. */
const char *workqueue_pop_lane(struct workqueue *q, wq_time now, enum wq_lane *lane);
/* workqueue_done: key's work finished with result. random01 is a uniform number in
 * [0, 1) for the jitter. Returns the time of the retry it scheduled, or 0. */
wq_time workqueue_done(struct workqueue *q, const char *key, enum wq_result result, wq_time now, double random01);
/* workqueue_next_wake: the earliest delayed time, or 0 when nothing is delayed. */
wq_time workqueue_next_wake(const struct workqueue *q);
/* workqueue_forget: drop an idle or waiting key (a tenant that is gone). */
void workqueue_forget(struct workqueue *q, const char *key);

/* workqueue_pump_delay: when the pump should run again after a turn at `now` that
 * left `slots` reconciles free to start. 0: no timer (nothing waits; or no slot is
 * free, and the end of a reconcile pumps again). Otherwise at least 1 ms: work that is
 * ready now but did not fit in the turn's budget continues on the next turn of the
 * loop, after the loop has polled for I/O; a timer re-armed at 0 ms from its own
 * callback would run again in the same timer phase (libuv before 1.45), forever. */
wq_time workqueue_pump_delay(const struct workqueue *q, wq_time now, size_t slots);

size_t workqueue_depth(const struct workqueue *q); /* ready + delayed */
size_t workqueue_in_flight(const struct workqueue *q);
/* workqueue_attempts: consecutive failures of key (0 when unknown). */
unsigned workqueue_attempts(const struct workqueue *q, const char *key);
/* workqueue_lane: the lane key was last ready in (for a key in flight: the one it was
 * popped from); WQ_NORMAL when unknown. */
enum wq_lane workqueue_lane(const struct workqueue *q, const char *key);
/* workqueue_wake_at: when a delayed key will be ready, 0 when not delayed. */
wq_time workqueue_wake_at(const struct workqueue *q, const char *key);

/* workqueue_backoff: the full-jitter delay of the attempt-th retry:
 * random01 * min(cap, base * 2^(attempt-1)). */
wq_time workqueue_backoff(const struct workqueue *q, unsigned attempt, double random01);

#endif
