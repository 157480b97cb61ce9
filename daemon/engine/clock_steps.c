/* The wall clock's steps. Deletion timers (a removed resource's grace, a replaced
 * profile's drain, a move's drain) survive restarts, so they are kept in wall-clock
 * seconds; a step of the host's clock (NTP correcting a clock that was wrong at boot,
 * an operator's `date -s`) would end each early or late by the step: a grace period
 * gone at once, a replaced profile deleted while applications still use it. Before
 * each round's diff the engine compares the wall clock's advance with the boot-time
 * clock's (CLOCK_BOOTTIME, which only moves forward, suspended time included); a step
 * of more than CLOCK_STEP_TOLERANCE_S moves every timer with it, so that each ends
 * after the real time it was set for. A step while the daemon was down cannot be
 * seen; a timer then found to start in the future (the clock was ahead at the last
 * run) starts now: a period may be longer than set, never shorter. */
#include "engine_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

/* the wall clock is read in whole seconds, and a turn may lie between the two reads */
#define CLOCK_STEP_TOLERANCE_S 5

static bool watching(const struct engine *e)
{
	return e->set.steady_clock_ms || !e->set.wall_clock;
}

/* CLOCK_BOOTTIME: a host suspended (or a virtual machine paused) is no step */
static uint64_t steady_ms(const struct engine *e)
{
	struct timespec ts;

	if (e->set.steady_clock_ms)
		return e->set.steady_clock_ms(e->set.clock_data);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* rec's timers moved (by != 0) or those after `latest` brought back to it, in the
 * record and the store. Returns how many moved. */
static size_t move_timers(struct engine *e, const char *id, struct tenant_record *rec, int64_t by, int64_t latest)
{
	size_t n = 0;

	for (uint32_t i = 0; i < rec->n_timers; i++) {
		const struct resource_timer *t = &rec->timers[i];
		int64_t since = by ? t->since + by : t->since > latest ? latest : t->since;

		if (since == t->since)
			continue;
		record_start_timer(rec, t->kind, t->resource, since); /* the same entry, in place */
		if (store_put_timer(e->store, id, t) < 0)
			engine__store_failed(e);
		n++;
	}
	return n;
}

/* by != 0: every timer moves by `by` (and the entries' next timer shown); else those
 * after `latest` start at `latest`. */
static size_t move_all(struct engine *e, int64_t by, int64_t latest)
{
	size_t pos = 0, n = 0;
	const char *id;
	void *v;

	while (hashmap_next(&e->tenants, &pos, NULL, &v)) {
		struct tenant_entry *t = v;

		n += move_timers(e, t->id, t->record, by, latest);
		if (by && tenant_entry_wake_at(t))
			engine__set_wake_at(t, tenant_entry_wake_at(t) + by);
	}
	for (pos = 0; hashmap_next(&e->records_at_start, &pos, &id, &v);)
		n += move_timers(e, id, v, by, latest);
	return n;
}

void engine__clock_start(struct engine *e)
{
	int64_t now = engine__wall(e);
	size_t n;

	if (!watching(e))
		return;
	e->clock_watched = true;
	e->clock_wall = now;
	e->clock_steady_ms = steady_ms(e);
	n = move_all(e, 0, now);
	if (n)
		log_warning("%zu deletion timer(s) started after this host's clock reads now (it was ahead at an "
			    "earlier run): they start now, their periods in full",
			    n);
}

void engine__clock_check(struct engine *e)
{
	int64_t now, step;
	uint64_t steady;
	size_t n;

	if (!e->clock_watched)
		return;
	now = engine__wall(e);
	steady = steady_ms(e);
	step = now - (e->clock_wall + (int64_t)((steady - e->clock_steady_ms) / 1000));
	if (llabs(step) <= CLOCK_STEP_TOLERANCE_S)
		return; /* the baseline stays: slow drift adds up to a step */
	e->clock_wall = now;
	e->clock_steady_ms = steady;
	n = move_all(e, step, 0);
	log_warning("this host's clock stepped %+" PRId64 " s (against the boot-time clock): %zu deletion timer(s) "
		    "moved with it, so that grace and drain periods last as long as they were set for",
		    step, n);
}
