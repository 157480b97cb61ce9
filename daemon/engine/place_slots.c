/* Reconcile slots per place. AWS limits calls per account and Region, so a place's
 * reconciles wait on that place's rates, and every place must keep its own tenants
 * moving: each place may always run ENGINE__PLACE_SLOTS reconciles at once (its
 * own slots); beyond those, max_tenants_in_flight reconciles in all may run (shared
 * slots, first come, at most max_tenants_in_flight in one place), so one place alone
 * reconciles as many at once as before. Before, max_tenants_in_flight was the only
 * bound: with more places than slots most places sat idle, and a queue that reached
 * one place's tenants first filled every slot with them while the other places'
 * rates went unused.
 * A tenant popped while it may not start waits in its place's FIFO (each tenant at
 * most once; an edit ahead of the rest) and goes back to the queue, in the lane it
 * came from, when one of its place's reconciles ends (as many as the place's own
 * slots allow then): a tenant waits only while its place has at least
 * ENGINE__PLACE_SLOTS in flight. */
#include "engine_impl.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct place_waiter {
	struct place_waiter *next;
	enum wq_lane lane; /* the lane it was popped from, and goes back to */
	char id[];
};

size_t engine__slots(const struct engine *e)
{
	size_t n = e->set.max_tenants_in_flight + e->places.n * ENGINE__PLACE_SLOTS;

	return n < ENGINE__MAX_SLOTS ? n : ENGINE__MAX_SLOTS;
}

/* may_start: a slot of ps's own, or a shared one. */
static bool may_start(const struct place_state *ps)
{
	const struct engine *e = ps->e;
	unsigned shared = e->set.max_tenants_in_flight;

	return ps->in_flight < ENGINE__PLACE_SLOTS || (ps->in_flight < shared && e->reconciles_in_flight < shared);
}

/* A change goes ahead of the tenants waiting here, anything else behind them. */
static void push(struct place_state *ps, struct place_waiter *w)
{
	if (w->lane == WQ_CHANGE) {
		w->next = ps->waiters;
		ps->waiters = w;
		if (!ps->waiters_tail)
			ps->waiters_tail = w;
		return;
	}
	w->next = NULL;
	if (ps->waiters_tail)
		ps->waiters_tail->next = w;
	else
		ps->waiters = w;
	ps->waiters_tail = w;
}

/* take_out: the waiter of id taken out of ps's FIFO, or NULL (it waits elsewhere). */
static struct place_waiter *take_out(struct place_state *ps, const char *id)
{
	struct place_waiter *prev = NULL;

	for (struct place_waiter *w = ps->waiters; w; prev = w, w = w->next) {
		if (strcmp(w->id, id))
			continue;
		if (prev)
			prev->next = w->next;
		else
			ps->waiters = w->next;
		if (ps->waiters_tail == w)
			ps->waiters_tail = prev;
		return w;
	}
	return NULL;
}

bool engine__slot_take(struct place_state *ps, struct tenant_entry *t)
{
	struct place_waiter *w;
	enum wq_lane lane;
	size_t len;

	if (may_start(ps)) {
		ps->in_flight++;
		t->slot = &ps->place;
		if (t->slot_waiting) { /* queued by something else meanwhile: it waits no more */
			t->slot_waiting = false;
			if ((w = take_out(ps, t->id))) {
				ps->e->slot_waiters--;
				free(w);
			} /* else it waited in another place (it moved): skipped there */
		}
		return true;
	}
	lane = workqueue_lane(&ps->e->queue, t->id);
	if (t->slot_waiting) {
		/* edited while it waits here: ahead of the others now (a walk of this
		 * place's waiters, for an edit only) */
		if (lane == WQ_CHANGE && (w = take_out(ps, t->id))) {
			w->lane = WQ_CHANGE;
			push(ps, w);
		}
		return false;
	}
	len = strlen(t->id) + 1;
	w = xmalloc(sizeof(*w) + len);
	memcpy(w->id, t->id, len);
	w->lane = lane;
	push(ps, w);
	t->slot_waiting = true;
	ps->e->slot_waiters++;
	return false;
}

void engine__slot_give(struct engine *e, struct tenant_entry *t)
{
	struct place_state *ps;
	unsigned woken = 0;

	if (!t->slot)
		return;
	ps = (struct place_state *)((char *)t->slot - offsetof(struct place_state, place));
	t->slot = NULL;
	ps->in_flight--;
	/* One waiter for the slot given back; as many as the place's own slots left free
	 * when fewer are in flight (a tenant queued again may start elsewhere, or not at
	 * all: the place must not be left with waiters and nothing in flight). */
	while (ps->waiters && (woken == 0 || ps->in_flight + woken < ENGINE__PLACE_SLOTS)) {
		struct place_waiter *w = ps->waiters;
		struct tenant_entry *next = engine__entry(e, w->id);

		ps->waiters = w->next;
		if (!ps->waiters)
			ps->waiters_tail = NULL;
		e->slot_waiters--;
		if (next && next->slot_waiting) { /* not forgotten, nor started, meanwhile */
			next->slot_waiting = false;
			workqueue_add(&e->queue, w->id, w->lane);
			engine__wake(e, w->id); /* schedules the pump (a lane above normal stays) */
			woken++;
		}
		free(w);
	}
}

void engine__slots_release(struct place_state *ps)
{
	while (ps->waiters) {
		struct place_waiter *w = ps->waiters;

		ps->waiters = w->next;
		ps->e->slot_waiters--;
		free(w);
	}
	ps->waiters_tail = NULL;
}
