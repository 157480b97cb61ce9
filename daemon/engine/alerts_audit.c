/* The paced audit of budget notifications. Budgets has no bulk read of notifications
 * and subscribers (two calls per budget at least), so a listing cannot see a hand
 * change of an alert. Instead, every budget of a tenant is audited once per
 * engine_settings.alerts_audit_ms, spread evenly over that interval: each tick marks
 * the next few budgets in the place's model (observed_budget.alerts_audit) and queues
 * their tenants; the diff then reads the alerts and repairs them if they differ. */
#include "engine_impl.h"

#include <math.h>

#define AUDIT_TICK_MS 1000
/* A tick looks at this many tenants at most, counting and auditing each: a turn of the
 * loop bounded whatever the number of tenants (a walk of 100,000 every second was). */
#define AUDIT_WALK_MAX 2000

static bool audit_one(struct engine *e, struct tenant_entry *t)
{
	struct place_state *ps;
	struct observed_budget *b;

	if (!t->desired || !t->desired->budget_name || !t->place || t->removed)
		return false;
	ps = hashmap_get(&e->places, t->place->key);
	/* budgets kept from an earlier listing because the last could not read them
	 * (budgets_error): their notifications could not be read either */
	if (!ps || !ps->listed || !ps->store.budgets_listed || ps->store.budgets_error)
		return false;
	b = observed_store_budget(&ps->store, t->desired->budget_name);
	if (!b)
		return false;
	/* what an earlier read left is stale now: read again, then compare */
	b = observed_budget_dup(b);
	b->alerts_known = false;
	b->alerts_audit = true; /* until the next listing replaces the budget */
	observed_store_put_budget(&ps->store, b);
	engine__wake(e, t->id);
	return true;
}

static void on_audit(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	size_t budgets, want, visited = 0;
	void *v;

	/* the budgets to audit, counted over several ticks; until a first walk ends, what
	 * it has counted so far */
	for (size_t i = 0; i < AUDIT_WALK_MAX; i++) {
		const struct tenant_entry *t;
		if (!hashmap_next(&e->tenants, &e->audit_count_pos, NULL, &v)) {
			e->audit_budgets = e->audit_counted;
			e->audit_counted = 0;
			e->audit_count_pos = 0;
			break;
		}
		t = v;
		e->audit_counted += t->desired && t->desired->budget_name && t->place;
	}
	budgets = e->audit_budgets > e->audit_counted ? e->audit_budgets : e->audit_counted;
	/* the share of this tick, with the fractions carried over */
	e->audit_credit += (double)budgets * AUDIT_TICK_MS / (double)e->set.alerts_audit_ms;
	want = (size_t)floor(e->audit_credit);
	e->audit_credit -= (double)want;
	if (e->audit_credit > 1)
		e->audit_credit = 1;
	while (want && visited < e->tenants.n && visited < AUDIT_WALK_MAX) {
		struct tenant_entry *t;
		if (!hashmap_next(&e->tenants, &e->audit_pos, NULL, &v)) {
			/* round again from the start (a table that grew or shrank meanwhile
			 * makes one round skip or repeat a few: the pace is what matters) */
			e->audit_pos = 0;
			if (!hashmap_next(&e->tenants, &e->audit_pos, NULL, &v))
				break;
		}
		t = v;
		visited++;
		if (audit_one(e, t))
			want--;
	}
}

void engine__alerts_audit_start(struct engine *e)
{
	uv_timer_stop(&e->audit);
	e->audit_credit = 0;
	if (e->set.alerts_audit_ms)
		uv_timer_start(&e->audit, on_audit, AUDIT_TICK_MS, AUDIT_TICK_MS);
}
