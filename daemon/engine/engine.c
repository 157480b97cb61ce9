#include "engine_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intern.h"
#include "log.h"
#include "ownership.h"
#include "placement.h"
#include "turn_budget.h"
#include "xalloc.h"

static void prune_gate(struct engine *e, const char *what);
static void start_reconcile(struct engine *e, struct tenant_entry *t, bool change);
static void on_place_report(struct engine *e, struct place_state *ps, const struct engine__place_outcome *o);

/* ---- tenant entries ---- */

struct tenant_entry *engine__entry(const struct engine *e, const char *id)
{
	return hashmap_get(&e->tenants, id);
}

/* The tenants map's key: the entry's own id (one copy of it, not two). */
static const char *entry_key(const void *entry)
{
	return ((const struct tenant_entry *)entry)->id;
}

static struct tenant_entry *entry_new(struct engine *e, const char *id)
{
	struct tenant_entry *t = xcalloc(1, sizeof(*t));

	t->id = intern(id); /* the record's and the model's string, not a copy */
	t->state = TENANT_PENDING;
	/* what the store remembered about this tenant from earlier runs */
	t->record = hashmap_remove(&e->records_at_start, id);
	if (!t->record)
		t->record = tenant_record_new(id);
	t->approved = hashmap_remove(&e->approved_at_start, id) != NULL;
	t->held = hashmap_remove(&e->held_at_start, id) != NULL && !t->approved;
	hashmap_put(&e->tenants, t->id, t);
	e->by_state[t->state]++;
	e->n_held += t->held;
	e->ready_scan_pos = 0;
	return t;
}

static void free_conflicts(struct conflict *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].resource);
		free(c[i].message);
	}
	free(c);
}

static struct tenant_entry_rare *rare_of(struct tenant_entry *t)
{
	if (!t->rare)
		t->rare = xcalloc(1, sizeof(*t->rare));
	return t->rare;
}

/* The last of the rare fields cleared: none is held (a converged tenant's entry). */
static void rare_tidy(struct tenant_entry *t)
{
	const struct tenant_entry_rare *r = t->rare;

	if (r && !r->problem && !r->last_error && !r->waiting && !r->n_conflicts && !r->wake_at) {
		free(t->rare);
		t->rare = NULL;
	}
}

/* The text field at `offset` of t's rare fields replaced by text (owned; NULL: unset). */
static void set_rare_text(struct tenant_entry *t, size_t offset, char *text)
{
	char **field;

	if (!text && !t->rare)
		return;
	field = (char **)(void *)((char *)rare_of(t) + offset);
	free(*field);
	*field = text;
	rare_tidy(t);
}

void engine__set_problem(struct tenant_entry *t, char *problem)
{
	set_rare_text(t, offsetof(struct tenant_entry_rare, problem), problem);
}

void engine__set_last_error(struct tenant_entry *t, char *last_error)
{
	set_rare_text(t, offsetof(struct tenant_entry_rare, last_error), last_error);
}

void engine__set_waiting(struct tenant_entry *t, char *waiting)
{
	set_rare_text(t, offsetof(struct tenant_entry_rare, waiting), waiting);
}

void engine__set_conflicts(struct tenant_entry *t, struct conflict *conflicts, size_t n)
{
	if (!n) { /* an empty array (a plan's, allocated once) is no conflict to keep */
		free(conflicts);
		conflicts = NULL;
	}
	if (!n && !t->rare)
		return;
	free_conflicts(rare_of(t)->conflicts, t->rare->n_conflicts);
	t->rare->conflicts = conflicts;
	t->rare->n_conflicts = (uint32_t)n; /* a plan's conflicts: far fewer */
	rare_tidy(t);
}

void engine__set_wake_at(struct tenant_entry *t, int64_t wake_at)
{
	if (!wake_at && !t->rare)
		return;
	rare_of(t)->wake_at = wake_at;
	rare_tidy(t);
}

static void free_entry(void *p)
{
	struct tenant_entry *t = p;

	tenant_free(t->desired);
	tenant_record_free(t->record);
	if (t->rare) {
		free(t->rare->problem);
		free(t->rare->last_error);
		free(t->rare->waiting);
		free_conflicts(t->rare->conflicts, t->rare->n_conflicts);
		free(t->rare);
	}
	history_lines_release(&t->history);
	intern_unref(t->id);
	free(t);
}

const char *engine_reconciled_revision(const struct tenant_entry *t)
{
	return t->revision_reached ? record_fact(t->record, ENGINE__FACT_RECONCILED_REVISION) : NULL;
}

/* A removed tenant with nothing left: forget it everywhere. */
static void forget_entry(struct engine *e, struct tenant_entry *t)
{
	if (store_forget_tenant(e->store, t->id) < 0)
		engine__store_failed(e);
	log_tenant(LOG_LVL_INFO, t->id, "tenant removed: nothing of it is left");
	workqueue_forget(&e->queue, t->id);
	engine__pools_forgot(e, t);
	engine__set_place(e, t, NULL);
	hashmap_remove(&e->tenants, t->id);
	e->by_state[t->state]--;
	e->n_held -= t->held;
	e->n_failing -= tenant_entry_problem(t) != NULL;
	e->ready_scan_pos = 0;
	free_entry(t);
}

static void update_state(struct engine *e, struct tenant_entry *t)
{
	struct tenant_facts f = {
		.reconciled = t->reconciled,
		.in_progress = t->in_progress,
		.suspended = t->desired && t->desired->suspended && !t->removed,
		.removed = t->removed,
		.held = t->held,
		.paused = engine__holds_calls(e),
		.pending_changes = t->pending_changes,
		.over_budget = t->over_budget,
		.conflict = tenant_entry_n_conflicts(t) > 0,
		.error = t->error,
		.waiting = tenant_entry_waiting(t) != NULL && !t->removed,
	};
	enum tenant_state s = tenant_state_decide(&f), from = t->state;
	const char *last_error = tenant_entry_last_error(t);
	char *line = NULL;
	int kept = -1;

	if (s == t->state)
		return;
	if (!t->in_progress && s != TENANT_RECONCILING)
		line = xasprintf("%s -> %s%s%s", tenant_state_name(t->state), tenant_state_name(s),
				 last_error && s >= TENANT_ERROR ? ": " : "",
				 last_error && s >= TENANT_ERROR ? last_error : "");
	if (s == TENANT_STALLED)
		log_msg(LOG_LVL_WARNING, &(struct log_fields){ .tenant = t->id, .message_id = MSGID_TENANT_STALLED },
			"tenant stalled: %s", last_error ? last_error : "a conflict with a resource it does not own");
	if (s == TENANT_STALLED && e->set.on_event)
		e->set.on_event(ENGINE_EVENT_TENANT_STALLED, t->id,
				last_error ? last_error : "a conflict with a resource it does not own", e->set.data);
	e->by_state[t->state]--;
	e->by_state[s]++;
	t->state = s;
	if (e->set.on_state)
		kept = e->set.on_state(t, from, e->set.data);
	if (line)
		engine__history_kept(e, t, engine__wall(e), line, kept);
	free(line);
	if (e->set.on_progress)
		e->set.on_progress(e, e->set.data);
}

/* ---- scheduling ---- */

static double random01(void)
{
	return (double)random() / ((double)RAND_MAX + 1.0);
}

/* One turn of the pump is bounded, so that the loop polls for I/O (the control
 * socket, AWS answers) between batches: at most max_starts_per_turn reconciles start,
 * and no new one once PUMP_TURN_NS have gone by (a start diffs the tenant and signs
 * its first calls). A reconcile that ends at once (nothing to do) counts
 * too; keys popped only to be put back (a place not listed yet) are cheap and counted
 * apart. Half a millisecond, like the answers' share (http_client.c): a turn's
 * writes to the state store are committed at its end, on top of both
 * (docs/PERFORMANCE.md, "The loop's turns while converging"). With the loop turn's
 * budget (engine_settings.turn), the share is what the turn has left after the
 * answers. */
#define PUMP_TURN_NS   (500 * 1000)
#define PUMP_TURN_POPS 256

static void on_pump(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	uint64_t t0 = uv_hrtime(), first = e->n_reconciles, delay;
	unsigned popped = 0;
	enum wq_lane lane;
	const char *key;

	e->pump_scheduled = false;
	e->pumping = true;
	if (e->set.turn)
		turn_budget_begin(e->set.turn);
	while (!e->closing && e->n_reconciles - first < e->set.max_starts_per_turn && popped < PUMP_TURN_POPS &&
	       e->reconciles_in_flight < engine__slots(e) &&
	       (e->n_reconciles == first ||
		(e->set.turn ? turn_budget_more(e->set.turn) : uv_hrtime() - t0 < PUMP_TURN_NS)) &&
	       (key = workqueue_pop_lane(&e->queue, uv_now(e->loop), &lane))) {
		struct tenant_entry *t = engine__entry(e, key);
		popped++;
		if (!t) {
			workqueue_done(&e->queue, key, WQ_OK, uv_now(e->loop), 0);
			continue;
		}
		start_reconcile(e, t, lane == WQ_CHANGE);
	}
	e->pumping = false;
	if (e->closing)
		return;
	/* Never 0 ms from here: work left over waits for the next turn (1 ms), and with
	 * every slot taken nothing is armed, since the end of a reconcile pumps again. */
	delay = workqueue_pump_delay(&e->queue, uv_now(e->loop), engine__slots(e) - e->reconciles_in_flight);
	if (delay) {
		e->pump_scheduled = delay == 1;
		uv_timer_start(&e->pump, on_pump, delay, 0);
	}
}

/* Run the pump from the loop: never recursively from a reconcile's end, and never
 * re-armed at 0 ms from inside the pump itself (which decides its own next run when
 * it is done). */
static void schedule_pump(struct engine *e)
{
	if (e->closing || e->pumping || e->pump_scheduled)
		return;
	e->pump_scheduled = true;
	uv_timer_start(&e->pump, on_pump, 0, 0);
}

static void mark(struct engine *e, const char *id, enum wq_lane lane)
{
	workqueue_add(&e->queue, id, lane);
	schedule_pump(e);
}

void engine__wake(struct engine *e, const char *id)
{
	mark(e, id, WQ_NORMAL);
}

/* ---- readiness ---- */

static void maybe_ready(struct engine *e)
{
	size_t pos = 0;
	void *v;

	/* closing: the reconciles a stop interrupts end, and are no sync */
	if (e->ready || e->closing || !e->started || e->revision_open || !e->trusted)
		return;
	while (hashmap_next(&e->places, &pos, NULL, &v))
		if (!((struct place_state *)v)->listed && !((struct place_state *)v)->unknown_account &&
		    !((struct place_state *)v)->unreachable)
			return; /* a place never listed for want of its account, or whose listings
				 * fail (its credentials refused): its tenants wait */
	for (pos = e->ready_scan_pos; hashmap_next(&e->tenants, &pos, NULL, &v); e->ready_scan_pos = pos) {
		const struct tenant_entry *t = v;
		if (!t->reconciled && !tenant_entry_waiting(t) && !(t->desired && t->desired->suspended))
			return; /* the next check starts at this tenant */
	}
	e->ready = true;
	log_msg(LOG_LVL_NOTICE, &(struct log_fields){ .message_id = MSGID_READY }, "first full sync done: %zu tenants",
		e->tenants.n);
	if (e->set.on_ready)
		e->set.on_ready(e, e->set.data);
}

/* ---- what places and reconciles report ---- */

static void check_drained(struct engine *e);

/* AWS refused a create of t with a quota error: the place has no room of that kind
 * until its next listing. A pool tenant with nothing there yet is placed again (it
 * moves nothing: nothing of it exists), unless it was reconciled there (its resources
 * were deleted by hand since: a tenant never moves silently) and is not moving;
 * otherwise it waits, Pending with the reason, until the next listing of its place
 * (each resync, where the quotas are read again) marks it again. */
static void quota_refused(struct engine *e, struct tenant_entry *t, const struct engine__outcome *o)
{
	struct place_state *ps = t->place ? hashmap_get(&e->places, t->place->key) : NULL;

	if (!ps)
		return;
	engine__pools_quota_full(e, ps, o->quota_kind);
	engine__set_waiting(t, xasprintf("account-region %s: quota of %s reached (%s)", ps->place.key,
					 placement_kind_name((enum placement_kind)o->quota_kind),
					 o->error ? o->error : ""));
	engine__note(e, t, engine__wall(e), "waits: %s", tenant_entry_waiting(t));
	if (t->desired && t->desired->pool && !t->desired->account && !hashmap_get(&ps->store.groups, t->id) &&
	    record_fact(t->record, ENGINE__FACT_PLACE) &&
	    (!record_fact(t->record, ENGINE__FACT_RECONCILED_REVISION) || engine__moving(t))) {
		engine__set_place_fact(e, t, NULL);
		engine__set_place(e, t, NULL);
		workqueue_add(&e->queue, t->id, WQ_NORMAL);
	}
}

/* The queue's verdict on a reconcile that ended with cls. */
static enum wq_result queue_result(enum error_class cls)
{
	return cls == ERROR_NONE ? WQ_OK : cls == ERROR_RETRYABLE ? WQ_RETRY : WQ_TERMINAL;
}

/* A reconcile begins (its slot taken): counted. */
static void reconcile_begun(struct engine *e, struct tenant_entry *t)
{
	t->in_progress = true;
	e->reconciles_in_flight++;
	e->n_reconciles++;
}

/* A reconcile ended: its slot and its count given back. */
static void reconcile_ended(struct engine *e, struct tenant_entry *t)
{
	t->in_progress = false;
	e->reconciles_in_flight--;
	engine__slot_give(e, t);
}

/* A reconcile stopped with calls left (the round limit): more next time, unless the
 * calls are held or wait for the claim's answer (which marks it again). */
static void queue_more(struct engine *e, struct tenant_entry *t, const struct engine__outcome *o)
{
	if (o->cls == ERROR_NONE && o->left_for_aws && !engine__holds_calls(e) && !engine__claim_waiting(e, t->id))
		workqueue_add(&e->queue, t->id, WQ_NORMAL);
}

/* A reconcile ended: the engine decides what follows (the queue, the tenant's state,
 * the revision brought to Ready, forgetting a removed tenant with nothing left). */
static void on_reconcile_done(struct engine *e, struct tenant_entry *t, const struct engine__outcome *o)
{
	uint64_t now_ms = uv_now(e->loop);
	int64_t wall = engine__wall(e);
	bool gone;
	const char *done;
	enum wq_result result = queue_result(o->cls);

	if (o->quota_kind >= 0) {
		quota_refused(e, t, o);
		result = WQ_OK; /* no retries: capacity appearing marks it again */
	}
	reconcile_ended(e, t);
	histogram_observe(&e->reconcile_seconds, (double)(now_ms - o->started_ms) / 1000);
	/* a round given back to wait for the instance's claim (claim.c) is no reconcile:
	 * readiness waits for the real one */
	if (!(o->cls == ERROR_NONE && o->left_for_aws && engine__claim_waiting(e, t->id)))
		t->reconciled = true;
	t->error = o->cls;
	engine__set_last_error(t, xstrdup_or_null(o->error));
	t->pending_changes = o->left_for_aws;
	t->over_budget = o->over_budget;
	engine__set_wake_at(t, o->cls == ERROR_NONE ? o->wake_at : 0);
	t->next_attempt_ms = workqueue_done(&e->queue, t->id, result, now_ms, (double)random() / RAND_MAX);
	if (o->cls == ERROR_NONE && o->wake_at) {
		int64_t in_s = o->wake_at > wall ? o->wake_at - wall : 0;
		workqueue_add_at(&e->queue, t->id, now_ms + (uint64_t)in_s * 1000 + 1);
	}
	queue_more(e, t, o);
	if (o->cls == ERROR_NONE && !o->left_for_aws && !tenant_entry_n_conflicts(t) && !t->removed && t->desired) {
		const char *revision = t->desired->revision ? t->desired->revision : "";
		/* the record's fact is the revision reached (engine_reconciled_revision):
		 * written before the note, which may show it */
		done = record_fact(t->record, ENGINE__FACT_RECONCILED_REVISION);
		if (!t->revision_reached || !done || strcmp(done, revision)) {
			bool known = done && !strcmp(done, revision); /* reached before a restart */
			t->revision_reached = true;
			if (!known)
				engine__put_fact(e, t, ENGINE__FACT_RECONCILED_REVISION, revision);
			if (!known)
				engine__note(e, t, wall, "reconciled");
			else if (!e->set.on_note) /* else the durable history has it */
				engine__history_kept(e, t, wall, "reconciled", -1);
		}
		t->last_reconciled = wall;
	}
	gone = t->removed && o->cls == ERROR_NONE && !o->deleting && !o->had_actions && !t->held &&
	       !tenant_entry_n_conflicts(t) && !o->wake_at;
	if (gone) {
		forget_entry(e, t);
	} else {
		if (o->quota_kind >= 0)
			log_tenant(LOG_LVL_NOTICE, t->id, "waits for capacity: %s", tenant_entry_waiting(t));
		else if (o->cls != ERROR_NONE && !o->quiet)
			log_tenant(o->cls == ERROR_TERMINAL ? LOG_LVL_ERROR : LOG_LVL_WARNING, t->id, "%s%s",
				   tenant_entry_last_error(t), o->cls == ERROR_RETRYABLE ? " (will retry)" : "");
		update_state(e, t);
	}
	schedule_pump(e);
	maybe_ready(e);
	if (!e->reconciles_in_flight && !e->queue.ready)
		engine__places_idle(e); /* a convergence's garbage back to the system */
	check_drained(e);
}

static struct place_state *place_of_tenant(struct engine *e, struct tenant_entry *t);

/* t waits in ps, nothing of it looked at nor touched, for `why` (taken): Pending with
 * the reason, noted and logged when it changes. */
static void wait_untouched(struct engine *e, struct tenant_entry *t, const struct place_state *ps, char *why)
{
	if (tenant_entry_waiting(t) && !strcmp(tenant_entry_waiting(t), why)) {
		free(why);
		return;
	}
	engine__set_waiting(t, why);
	engine__note(e, t, engine__wall(e), "waits: %s", why);
	log_tenant(LOG_LVL_WARNING, t->id, "placed in %s: %s", ps->place.key, why);
	update_state(e, t);
}

/* The alias of t's place names another account than the one t's resources were made
 * in (docs/configuration.md, "Accounts"), or the daemon's own credentials are another
 * account's than when they were made: t waits until the alias names its account again
 * or the manifest moves it. True when it waits. */
static bool account_moved(struct engine *e, struct tenant_entry *t, struct place_state *ps)
{
	const char *made_in = place_account_moved(t->record, &ps->place);

	if (!made_in)
		return false;
	wait_untouched(e, t, ps, place_account_moved_why(&ps->place, made_in));
	workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
	maybe_ready(e); /* it waits: the daemon is ready without it */
	return true;
}

/* A round in the old place of a tenant that waits for room to move ended. */
static void on_serving_done(struct engine *e, struct tenant_entry *t, const struct engine__outcome *o)
{
	reconcile_ended(e, t);
	t->next_attempt_ms = workqueue_done(&e->queue, t->id, queue_result(o->cls), uv_now(e->loop),
					    (double)random() / RAND_MAX);
	queue_more(e, t, o);
	if (o->cls != ERROR_NONE && !o->quiet)
		log_tenant(o->cls == ERROR_TERMINAL ? LOG_LVL_ERROR : LOG_LVL_WARNING, t->id, "in its old place: %s%s",
			   o->error ? o->error : "", o->cls == ERROR_RETRYABLE ? " (will retry)" : "");
	update_state(e, t);
	schedule_pump(e);
	maybe_ready(e);
	check_drained(e);
}

/* t has no place (it waits for room to move): its old set, where it still serves, gets
 * a round of its own (engine__serving_round). True when that round started or waits
 * for a slot there (the queue is told either way). */
static bool serve_waiting(struct engine *e, struct tenant_entry *t, bool change)
{
	size_t at = 0;
	struct place_state *old = engine__serving_old(e, t, &at);

	if (!old)
		return false;
	if (!engine__slot_take(old, t)) { /* its old place is busy: it waits for a slot there */
		workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
		update_state(e, t);
		maybe_ready(e);
		return true;
	}
	reconcile_begun(e, t);
	if (engine__serving_start(e, t, old, change, on_serving_done))
		update_state(e, t);
	return true;
}

/* ps names an alias the configuration no longer has (unknown_account). When t's
 * recorded account is the daemon's own (the one its default credentials reach: the
 * default place of the Region), ps is that place under a name taken out of accounts:
 * and out of t's manifest: t is the default place's, nothing moves. Until STS has told
 * the default place's account id, t waits; that place's listing looks at it again
 * (unknown_places_marked). */
static struct place_state *own_account_renamed(struct engine *e, struct tenant_entry *t, struct place_state *ps)
{
	struct place_state *own;

	if (!ps->place.region || !record_fact(t->record, ENGINE__FACT_ACCOUNT))
		return ps;
	own = engine__place_for(e, NULL, ps->place.region, on_place_report);
	if (!own->place.account_id || !engine__place_renamed(e, t, &own->place))
		return ps;
	engine__set_place(e, t, own);
	return own;
}

/* The pump's start of one tenant's reconcile, once its place is listed. change: it
 * came from the change lane (an edit, an operator's command), and its AWS calls go
 * before the ordinary ones queued in the AWS layer. */
static void start_reconcile(struct engine *e, struct tenant_entry *t, bool change)
{
	struct place_state *ps = t->place ? hashmap_get(&e->places, t->place->key) : NULL, *stays;

	if (t->unparsed) { /* no definition to reconcile, and it is not removed */
		workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
		maybe_ready(e);
		return;
	}
	if (!ps && t->desired && !t->removed) {
		ps = place_of_tenant(e, t);
		engine__set_place(e, t, ps);
		if (!ps) { /* waits for capacity, Pending with the reason */
			if (serve_waiting(e, t, change))
				return;
			workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
			update_state(e, t);
			maybe_ready(e);
			return;
		}
	}
	if (!ps && t->removed && t->desired && t->desired->pool && !t->desired->account) {
		/* never placed, so nothing of it exists (resources found later are adopted
		 * as orphans by the listings) */
		workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
		forget_entry(e, t);
		return;
	}
	if (ps && ps->unknown_account)
		ps = own_account_renamed(e, t, ps);
	if (ps && (stays = engine__move_stays(e, t, ps->place.key))) { /* it waits where it is */
		engine__set_place(e, t, stays);
		ps = stays;
	}
	if (ps && account_moved(e, t, ps))
		return;
	if (ps && ps->listed && tenant_entry_waiting(t)) /* looked at again: the create tells */
		engine__set_waiting(t, NULL);
	if (ps && ps->unknown_account)
		wait_untouched(e, t, ps, xstrdup(ps->list_error));
	else if (ps && !ps->listed && ps->unreachable) /* never seen: what it has there is not known */
		wait_untouched(e, t, ps,
			       xasprintf("its place %s cannot be listed (%s): it is left as it is until it can",
					 ps->place.key, ps->list_error ? ps->list_error : "?"));
	if (!ps || !ps->listed) {
		/* nothing to compare with yet: the place's listing marks it again */
		workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
		if (ps && (ps->unknown_account || ps->unreachable))
			maybe_ready(e); /* its tenants wait: the daemon is ready without them */
		return;
	}
	if (!engine__slot_take(ps, t)) { /* its place is busy: it waits for a slot there */
		workqueue_done(&e->queue, t->id, WQ_OK, uv_now(e->loop), 0);
		return;
	}
	if (t->desired && !t->removed) { /* durable before any create there (a move if it changed) */
		engine__move_note(e, t, ps->place.key);
		engine__account_note(e, t, ps);
	}
	reconcile_begun(e, t);
	if (engine__reconcile_start(e, t, ps, change, on_reconcile_done))
		update_state(e, t); /* Reconciling while its calls are in flight */
}

/* Tenants that own resources here but have no manifest: removed while the daemon was
 * away (or their state was lost). They go through the same grace and prune gate. */
static void adopt_orphans(struct place_state *ps)
{
	struct engine *e = ps->e;
	size_t pos = 0, adopted = 0;
	const char *tenant;
	void *v;

	ps->adopt_later = !e->trusted || e->revision_open || e->ids_unknown;
	if (ps->adopt_later)
		return;
	while (hashmap_next(&ps->store.groups, &pos, &tenant, &v)) {
		const struct observed_group *g = v;
		struct tenant_entry *t = engine__entry(e, tenant);
		bool elsewhere = t && t->place && t->place != &ps->place;
		/* a tenant with a manifest and no place waits to be placed (perhaps to move
		 * away from here): its manifest, not its resources, says where it goes */
		bool known_here = t && (t->place || (t->desired && !t->removed) || t->unparsed);
		bool owned;

		if (known_here && !elsewhere)
			continue; /* nothing to learn: ownership by name is not cheap */
		owned = observed_group_owns(&ps->store, g, e->set.instance);
		if (owned && elsewhere)
			engine__move_found(e, t, ps); /* left by a move: goes once its set is Ready */
		if (!owned || known_here)
			continue;
		if (!t) {
			const char *fact;
			t = entry_new(e, tenant);
			t->removed = true;
			engine__note(e, t, engine__wall(e), "resources found without a manifest");
			log_tenant(LOG_LVL_NOTICE, tenant, "owns resources in %s but has no manifest", ps->place.key);
			/* where its state store says it lives, when it says: this place may be a
			 * move's old one, listed first; made its place, the recorded one would
			 * never be looked at, its set there left once the tenant is forgotten */
			if ((fact = record_fact(t->record, ENGINE__FACT_PLACE)) && strcmp(fact, ps->place.key)) {
				engine__set_place(e, t, engine__place_for_key(e, fact, ps->report));
				if (t->place)
					engine__move_found(e, t, ps); /* goes with it */
			}
		}
		if (!t->place)
			engine__set_place(e, t, ps);
		adopted++;
	}
	if (adopted)
		prune_gate(e, "tenants without a manifest");
}

/* The tenants whose old set serves in ps but who are not its members (a move not
 * switched yet, a tenant waiting for room to move) are looked at too: what the
 * listing shows gone there is theirs to mend (engine__serving_round). */
static void mark_served(struct engine *e, struct place_state *ps)
{
	size_t pos = 0;
	const char *tenant;

	while (hashmap_next(&ps->store.groups, &pos, &tenant, NULL)) {
		struct tenant_entry *t = engine__entry(e, tenant);
		if (t && t->desired && !t->removed && (!t->place || (t->place != &ps->place && engine__moving(t))))
			workqueue_add(&e->queue, t->id, WQ_NORMAL);
	}
}

/* Every tenant of ps compared with its view again; urgent: those never reconciled too. */
static void mark_members(struct engine *e, struct place_state *ps, bool urgent)
{
	size_t pos = 0;
	void *v;

	while (hashmap_next(&ps->members, &pos, NULL, &v)) {
		struct tenant_entry *t = v;
		workqueue_add(&e->queue, t->id, t->reconciled && !urgent ? WQ_NORMAL : WQ_URGENT);
	}
}

/* The default place of region (ps) was listed: the tenants of places whose alias the
 * configuration no longer has are looked at again (own_account_renamed). */
static void unknown_places_marked(struct engine *e, const struct place_state *ps)
{
	size_t pos = 0;
	void *v;

	if (ps->place.account || !ps->place.region)
		return;
	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		struct place_state *q = v;
		if (q->unknown_account && q->place.region && !strcmp(q->place.region, ps->place.region))
			mark_members(e, q, false);
	}
}

/* A place's call ended; after a successful listing every tenant of the place is
 * compared with the new view (level-triggered). */
static void on_place_report(struct engine *e, struct place_state *ps, const struct engine__place_outcome *o)
{
	if (!e->closing && o->listed) {
		e->last_resync = engine__wall(e);
		adopt_orphans(ps);
		engine__pools_listed(e, ps);
		mark_members(e, ps, o->budgets_back || o->back);
		mark_served(e, ps);
		unknown_places_marked(e, ps);
		schedule_pump(e);
		maybe_ready(e);
	} else if (!e->closing && ps->unreachable) {
		engine__pools_unreachable(e, ps);
		if (!ps->listed) { /* its tenants wait, saying why; the daemon is ready without them */
			mark_members(e, ps, false);
			schedule_pump(e);
			maybe_ready(e);
		}
	}
	check_drained(e);
}

/* Capacity changed in a pool: its waiting tenants are looked at again. */
static void on_pool_report(struct engine *e, struct engine__pool *p)
{
	size_t pos = 0;
	const char *id;

	if (!e->closing) {
		while (hashmap_next(&p->waiting, &pos, &id, NULL))
			workqueue_add(&e->queue, id, WQ_NORMAL);
		schedule_pump(e);
	}
	check_drained(e);
}

/* The claim answered (claim.c): the rounds that waited for it are looked at again
 * (they go on, or, the claim lost, hold back as paused ones do); lost, every tenant
 * is, so that their states show the stand-by. */
static void on_claim_report(struct engine *e, bool lost)
{
	size_t n;
	char **ids = engine__claim_take_waiting(e, &n);

	for (size_t i = 0; i < n; i++) {
		if (!e->closing && engine__entry(e, ids[i]))
			workqueue_add(&e->queue, ids[i], WQ_URGENT);
		free(ids[i]);
	}
	free(ids);
	if (lost && !e->closing)
		engine_force_all(e);
	else if (n && !e->closing)
		schedule_pump(e);
	check_drained(e);
}

/* The place of t: fixed by its account and Region, or, for a pool tenant, the one it
 * was placed in (NULL while it waits for capacity: tenant_entry_waiting says why). */
static struct place_state *place_of_tenant(struct engine *e, struct tenant_entry *t)
{
	const char *region = t->desired && t->desired->region ? t->desired->region : e->set.default_region;
	struct place_state *ps;
	char *kept;

	if (t->desired && t->desired->pool && !t->desired->account && e->n_pools)
		return engine__pool_place(e, t, on_place_report);
	if (t->desired && (kept = place_kept_alias(t->desired, record_fact(t->record, ENGINE__FACT_PLACE), &region))) {
		/* kept in its account (engine/cloud.h): a pool's tenant whose pool is gone */
		ps = engine__place_for(e, kept, region, on_place_report);
		free(kept);
		return ps;
	}
	return engine__place_for(e, t->desired ? t->desired->account : NULL, region, on_place_report);
}

/* ---- lifecycle ---- */

/* Upper bounds in seconds of reconcile_seconds: a tenant in sync takes milliseconds, a
 * create waits for AWS, a throttled one for minutes. */
static const double reconcile_bounds[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };

int engine_new(uv_loop_t *loop, const struct engine_settings *set, const struct cloud_ops *cloud, void *cloud_ctx,
	       struct store *store, struct engine **ret)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->loop = loop;
	e->set = *set;
	histogram_init(&e->reconcile_seconds, reconcile_bounds, sizeof(reconcile_bounds) / sizeof(reconcile_bounds[0]));
	e->set.instance = xstrdup(set->instance);
	e->set.default_region = xstrdup_or_null(set->default_region);
	e->set.execution_role = xstrdup_or_null(set->execution_role);
	e->set.param_prefix = xstrdup(set->param_prefix ? set->param_prefix : "/bedrock-tenants");
	e->set.claim_parameter = xstrdup_or_null(set->claim_parameter);
	e->set.claim_value = xstrdup_or_null(set->claim_value);
	if (!e->set.max_tenants_in_flight)
		e->set.max_tenants_in_flight = 32;
	if (!e->set.max_listings)
		e->set.max_listings = 32;
	if (!e->set.max_starts_per_turn)
		e->set.max_starts_per_turn = 16;
	if (!e->set.max_rounds)
		e->set.max_rounds = 8;
	if (!e->set.journal_ms)
		e->set.journal_ms = 15 * 60 * 1000;
	e->cloud = cloud;
	e->cloud_ctx = cloud_ctx;
	e->store = store;
	hashmap_init_keyed(&e->tenants, entry_key);
	hashmap_init_keyed(&e->held_by_manifests, entry_key);
	hashmap_init(&e->places);
	hashmap_init(&e->account_listed);
	hashmap_init(&e->records_at_start);
	hashmap_init(&e->held_at_start);
	hashmap_init(&e->approved_at_start);
	engine__store_init(e);
	engine__pools_init(e, set);
	e->set.pools = NULL; /* copied into e->pools */
	e->set.n_pools = 0;
	e->pool_report = on_pool_report;
	e->claim_report = on_claim_report;
	engine__claim_init(e);
	e->place_report = on_place_report;
	workqueue_init(&e->queue);
	if (set->backoff_base_ms)
		e->queue.backoff_base = set->backoff_base_ms;
	if (set->backoff_cap_ms)
		e->queue.backoff_cap = set->backoff_cap_ms;
	uv_timer_init(loop, &e->pump);
	e->pump.data = e;
	uv_timer_init(loop, &e->resync);
	e->resync.data = e;
	uv_timer_init(loop, &e->close_timer);
	e->close_timer.data = e;
	uv_timer_init(loop, &e->relist);
	e->relist.data = e;
	uv_timer_init(loop, &e->reap);
	e->reap.data = e;
	uv_timer_init(loop, &e->audit);
	e->audit.data = e;
	*ret = e;
	return 0;
}

static void on_resync(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	/* +-10 % jitter so that many daemons (or places) do not list in lockstep */
	uint64_t base = e->set.resync_interval_ms;
	uint64_t next = base - base / 10 + (uint64_t)(random01() * (double)(base / 5 + 1));

	engine_resync(e);
	if (next) /* a reload to no interval stops it; never re-armed at 0 ms from here */
		uv_timer_start(&e->resync, on_resync, next, 0);
}

int engine_start(struct engine *e)
{
	int r = store_load(e->store, &e->records_at_start);
	unsigned long not_loaded;
	const char *first;
	bool paused = false;

	if (r == 0)
		r = store_load_held(e->store, &e->held_at_start);
	if (r == 0)
		r = store_load_approved(e->store, &e->approved_at_start);
	if (r == 0)
		r = store_get_paused(e->store, &paused);
	if (r < 0) {
		log_error("state store: %s", store_error(e->store));
		return r;
	}
	if ((not_loaded = store_rows_not_loaded(e->store, &first)) > 0)
		log_warning("state store %s: %lu row%s past what a tenant's record holds not loaded (the first "
			    "of tenant %s): edited by hand? They stay in the file; nothing is done for them",
			    store_path(e->store) ? store_path(e->store) : "(temporary)", not_loaded,
			    not_loaded == 1 ? "" : "s", first);
	if (paused) {
		e->paused = true;
		log_notice("mutating calls paused (since before this start) until `bedrock-tenantctl resume`");
	}
	engine__list_prefix_update(e); /* the records are loaded */
	engine__clock_start(e);
	e->started = true;
	engine__pools_start(e, on_place_report);
	e->resync_ms = uv_now(e->loop);
	if (e->set.resync_interval_ms)
		uv_timer_start(&e->resync, on_resync, e->set.resync_interval_ms, 0);
	engine__alerts_audit_start(e);
	return 0;
}

static void closed_one(uv_handle_t *h)
{
	struct engine *e = h->data;
	size_t pos = 0;
	void *v;

	if (--e->closing_handles)
		return;
	hashmap_release(&e->held_by_manifests, NULL); /* entries of tenants */
	hashmap_release(&e->tenants, free_entry);
	hashmap_release(&e->places, engine__place_free);
	hashmap_release(&e->account_listed, free);
	free(e->list_queue);
	engine__places_reap_release(e);
	engine__pools_release(e);
	while (hashmap_next(&e->records_at_start, &pos, NULL, &v))
		tenant_record_free(v);
	hashmap_release(&e->records_at_start, NULL);
	hashmap_release(&e->held_at_start, NULL);
	hashmap_release(&e->approved_at_start, NULL);
	engine__store_release(e);
	workqueue_release(&e->queue);
	engine__history_release(e);
	free((char *)e->set.instance);
	free((char *)e->set.execution_role);
	free((char *)e->set.default_region);
	free((char *)e->set.param_prefix);
	free(e->list_prefix);
	free((char *)e->set.claim_parameter);
	free((char *)e->set.claim_value);
	engine__claim_release(e);
	free(e->revision);
	if (e->close_done)
		e->close_done(e->close_data);
	free(e);
}

/* Calls in flight: the places' listings and account ids, the reconciles' AWS calls
 * and store syncs. */
static size_t calls_in_flight(const struct engine *e)
{
	return engine__places_calls(e) + e->tally.calls_in_flight + e->pool_calls + e->claim.in_flight;
}

static void drained(struct engine *e)
{
	void (*cb)(void *) = e->drained_cb;

	uv_timer_stop(&e->close_timer);
	e->drained_cb = NULL;
	if (cb)
		cb(e->drained_data);
}

static void on_drain_timeout(uv_timer_t *timer)
{
	struct engine *e = timer->data;

	log_warning("shutdown: %zu call(s) still in flight after the drain bound", calls_in_flight(e));
	drained(e);
}

/* A report came up from a place or a reconcile: while draining, the last call in
 * flight ends the drain. */
static void check_drained(struct engine *e)
{
	if (e->closing && calls_in_flight(e) == 0 && e->drained_cb)
		drained(e);
}

void engine_drain(struct engine *e, uint64_t timeout_ms, void (*done)(void *data), void *data)
{
	e->closing = true;
	e->drained_cb = done;
	e->drained_data = data;
	uv_timer_stop(&e->pump);
	uv_timer_stop(&e->resync);
	uv_timer_stop(&e->relist);
	uv_timer_stop(&e->audit);
	engine__store_flush(e);
	engine__claim_stop(e);
	if (calls_in_flight(e) == 0) {
		drained(e);
		return;
	}
	log_info("shutdown: waiting for %zu call(s) in flight", calls_in_flight(e));
	uv_timer_start(&e->close_timer, on_drain_timeout, timeout_ms, 0);
}

void engine_free(struct engine *e, void (*done)(void *data), void *data)
{
	e->closing = true;
	e->close_done = done;
	e->close_data = data;
	e->closing_handles = 13;
	uv_close((uv_handle_t *)&e->claim.slow, closed_one);
	uv_close((uv_handle_t *)&e->claim.watch, closed_one);
	uv_close((uv_handle_t *)&e->claim.rest, closed_one);
	uv_close((uv_handle_t *)&e->store_retry, closed_one);
	uv_close((uv_handle_t *)&e->store_watch, closed_one);
	uv_close((uv_handle_t *)&e->reap, closed_one);
	uv_close((uv_handle_t *)&e->store_batch, closed_one);
	uv_close((uv_handle_t *)&e->store_commit, closed_one);
	uv_close((uv_handle_t *)&e->relist, closed_one);
	uv_close((uv_handle_t *)&e->pump, closed_one);
	uv_close((uv_handle_t *)&e->resync, closed_one);
	uv_close((uv_handle_t *)&e->close_timer, closed_one);
	uv_close((uv_handle_t *)&e->audit, closed_one);
}

/* ---- desired state ---- */

void engine_revision_begin(struct engine *e, const char *revision, unsigned flags)
{
	size_t pos = 0;
	void *v;

	e->revision_open = true;
	e->trusted = flags & REVISION_TRUSTED;
	e->revision_full = flags & REVISION_FULL;
	e->ids_unknown = !e->trusted || (flags & REVISION_IDS_UNKNOWN);
	free(e->revision);
	e->revision = xstrdup_or_null(revision);
	e->removed_in_revision = 0;
	while (e->revision_full && hashmap_next(&e->held_by_manifests, &pos, NULL, &v))
		((struct tenant_entry *)v)->unparsed_named = false;
	if (!e->trusted)
		log_warning("the manifest directory could not be read completely: no tenant will be deleted");
}

/* t, unparsed, becomes a tenant like any other (a definition came) or removed. */
static void end_unparsed(struct engine *e, struct tenant_entry *t)
{
	hashmap_remove(&e->held_by_manifests, t->id);
	if (t->unparsed)
		engine__set_waiting(t, NULL);
	if (t->kept_gone && tenant_entry_problem(t)) { /* its manifest came back, or it is gone for good */
		e->n_failing--;
		engine__set_problem(t, NULL);
	}
	t->unparsed = t->kept_gone = t->unparsed_named = false;
}

/* t is removed, known only from the state store (its manifest gone while the daemon
 * was down, or it never parsed since): it goes through the grace and the prune gate
 * in the place its record names; without one it is forgotten at once, and a listing
 * that shows resources of it adopts them (adopt_orphans). */
static void removed_from_store(struct engine *e, struct tenant_entry *t)
{
	const char *fact;

	t->removed = true;
	e->removed_in_revision++; /* it joins the prune gate's window all the same */
	/* its recorded place, as for a tenant with a manifest (a move's old places are in
	 * its record too). Else the first listing to show its resources (a move's old
	 * place, say) would become its place, and the recorded one, never looked at,
	 * kept its set once the tenant was forgotten. */
	if (!t->place && (fact = record_fact(t->record, ENGINE__FACT_PLACE)))
		engine__set_place(e, t, engine__place_for_key(e, fact, on_place_report));
	if (!t->place) { /* nothing made where the record knows: a listing finds what is */
		forget_entry(e, t);
		return;
	}
	update_state(e, t);
	mark(e, t->id, WQ_URGENT);
}

void engine_put_tenant(struct engine *e, struct tenant *t)
{
	struct tenant_entry *entry = engine__entry(e, t->id);
	bool changed, known;

	if (!entry)
		entry = entry_new(e, t->id);
	if (entry->unparsed || entry->kept_gone)
		end_unparsed(e, entry);
	/* the same text may derive other names (a reload of policy.naming): a change */
	changed = !entry->desired || entry->removed || !entry->desired->revision || !t->revision ||
		  strcmp(entry->desired->revision, t->revision) != 0 ||
		  (t != entry->desired && !tenant_equal(entry->desired, t));
	e->n_failing -= tenant_entry_problem(entry) != NULL;
	engine__set_problem(entry, NULL);
	if (!changed) {
		/* the same text at another path (a rename): the definition that names it, so
		 * that what the tenant shows is where its manifest is now */
		if (t != entry->desired && t->file &&
		    (!entry->desired->file || strcmp(t->file, entry->desired->file))) {
			tenant_free(entry->desired);
			entry->desired = tenant_ref(t);
			diff_stamp_clear(&entry->settled); /* the stamp names the definition by address */
		}
		return;
	}
	known = entry->desired != NULL; /* a change, not a new tenant: before the cold start's */
	if (entry->removed)
		engine__note(e, entry, engine__wall(e), "manifest back");
	else if (entry->desired)
		engine__note(e, entry, engine__wall(e), "manifest changed");
	tenant_free(entry->desired);
	entry->desired = tenant_ref(t); /* shared with the desired store, never changed */
	entry->removed = false;
	engine__pools_need_changed(e, entry);
	e->ready_scan_pos = 0; /* it may have stopped being suspended */
	/* not settled: the new definition may sit where the old one was */
	diff_stamp_clear(&entry->settled);
	/* a manifest that comes back ends the tenant's standing at the prune gate: a
	 * later removal is judged afresh, never pre-approved */
	if (entry->held && store_clear_held(e->store, entry->id) < 0)
		engine__store_failed(e);
	if (entry->approved && store_clear_approved(e->store, entry->id) < 0)
		engine__store_failed(e);
	e->n_held -= entry->held;
	entry->held = false;
	entry->approved = false;
	if (!entry->record->known || entry->record->deletion_policy != t->deletion_policy) {
		entry->record->known = true;
		entry->record->deletion_policy = t->deletion_policy;
		engine__store_tenant(e, entry);
	}
	/* a pool tenant keeps its place, unless its manifest now names another Region or
	 * another pool (pools.c decides whether that moves it) */
	const char *pool_was = record_fact(entry->record, ENGINE__FACT_POOL);
	if (!(entry->place && t->pool && !t->account &&
	      (!t->region_set || !t->region || !strcmp(entry->place->region ? entry->place->region : "", t->region)) &&
	      (!pool_was || !strcmp(pool_was, t->pool)))) {
		struct place_state *ps = place_of_tenant(e, entry);
		const char *was = record_fact(entry->record, ENGINE__FACT_PLACE);
		engine__set_place(e, entry, ps);
		/* a move: known, its old place serving, from now; or it stays, waiting */
		if (ps && was && strcmp(was, ps->place.key) && !engine__move_note(e, entry, ps->place.key))
			engine__set_place(e, entry, engine__move_stays(e, entry, ps->place.key));
	}
	mark(e, t->id, known ? WQ_CHANGE : WQ_URGENT);
}

static void tenant_gone(struct engine *e, struct tenant_entry *t);

void engine_remove_tenant(struct engine *e, const char *id)
{
	struct tenant_entry *t = engine__entry(e, id);

	if (!e->trusted || (t && t->removed))
		return;
	if (!t || t->unparsed) { /* known only from the store, or its manifest never parsed */
		if (!t)
			t = entry_new(e, id);
		else
			end_unparsed(e, t);
		removed_from_store(e, t);
		return;
	}
	if (e->ids_unknown) { /* its manifest may be the file whose id cannot be read */
		if (!t->kept_gone) {
			t->kept_gone = true;
			hashmap_put(&e->held_by_manifests, t->id, t);
			/* shown as a failing manifest's problem (status exits 1): it needs a look */
			e->n_failing += tenant_entry_problem(t) == NULL;
			engine__set_problem(t, xstrdup("its manifest is gone while a file fails before its tenant id "
						       "can be read: its last good definition is kept until every id "
						       "can be read"));
			engine__note(e, t, engine__wall(e), "%s", tenant_entry_problem(t));
			log_tenant(LOG_LVL_WARNING, id, "%s", tenant_entry_problem(t));
		}
		t->unparsed_named = false;
		return;
	}
	tenant_gone(e, t);
}

/* t's manifest is gone with certainty: its resources go after the grace period. */
static void tenant_gone(struct engine *e, struct tenant_entry *t)
{
	const char *id = t->id;

	t->removed = true;
	diff_stamp_clear(&t->settled);
	engine__note(e, t, engine__wall(e), "manifest removed");
	log_tenant(LOG_LVL_NOTICE, id, "manifest removed: its resources go after the grace period");
	e->removed_in_revision++;
	mark(e, id, WQ_URGENT);
}

void engine_tenant_problem(struct engine *e, const char *id, const char *message)
{
	struct tenant_entry *t = engine__entry(e, id);

	if (!t) {
		/* no good definition since the daemon started: whatever the state store and
		 * the listings know of it stays as it is (it is not removed: a file names it) */
		t = entry_new(e, id);
		t->unparsed = true;
		engine__set_waiting(t, xstrdup("its manifest fails and no good definition of it is known since the "
					       "daemon started: nothing of it is touched until the manifest parses"));
		hashmap_put(&e->held_by_manifests, t->id, t);
		update_state(e, t);
	}
	t->unparsed_named = t->unparsed || t->kept_gone;
	if (tenant_entry_problem(t) && strcmp(tenant_entry_problem(t), message) == 0)
		return;
	e->n_failing += tenant_entry_problem(t) == NULL;
	engine__set_problem(t, xstrdup(message));
	if (t->unparsed) {
		engine__note(e, t, engine__wall(e), "manifest fails, no good definition known: nothing is touched: %s",
			     message);
		log_tenant(LOG_LVL_WARNING, id,
			   "manifest fails and no good definition of it is known: nothing of it "
			   "is touched: %s",
			   message);
		return;
	}
	engine__note(e, t, engine__wall(e), "manifest fails, last good definition kept: %s", message);
	log_tenant(LOG_LVL_WARNING, id, "manifest fails, keeping the last good definition: %s", message);
}

/* The prune gate's window is every removal not yet carried out (state/prune.h): the
 * removed tenants the engine still knows, since a tenant is forgotten once nothing of
 * it is left. Held and approved removals count with the open ones, so a bad commit
 * whose removals reach the watcher in several batches, or one file at a time, is
 * held all the same. */
static void prune_gate(struct engine *e, const char *what)
{
	struct prune_entry *v = NULL;
	struct tenant_entry **who = NULL;
	size_t n = 0, alloc_v = 0, alloc_who = 0, pos = 0, held_before = 0, approved = 0, newly;
	void *p;

	while (hashmap_next(&e->tenants, &pos, NULL, &p)) {
		struct tenant_entry *t = p;
		if (!t->removed)
			continue;
		XGROW(v, n + 1, alloc_v);
		XGROW(who, n + 1, alloc_who);
		v[n] = (struct prune_entry){ t->id, t->approved ? PRUNE_APPROVED : t->held ? PRUNE_HELD : PRUNE_OPEN };
		held_before += t->held;
		approved += t->approved;
		who[n++] = t;
	}
	newly = prune_judge(&e->set.prune, v, n, e->tenants.n);
	if (newly)
		log_msg(LOG_LVL_WARNING, &(struct log_fields){ .message_id = MSGID_DELETIONS_HELD },
			"%s: %zu of %zu tenants are waiting to be deleted (%zu held before, %zu approved), more "
			"than %zu: %zu more held until approved (bedrock-tenantctl approve-prune)",
			what, n, e->tenants.n, held_before, approved, prune_threshold(&e->set.prune, e->tenants.n),
			newly);
	if (newly && e->set.on_event) {
		char text[256];

		snprintf(text, sizeof(text),
			 "%zu of %zu tenants are waiting to be deleted, more than %zu: %zu more held until approved "
			 "(bedrock-tenantctl approve-prune)",
			 n, e->tenants.n, prune_threshold(&e->set.prune, e->tenants.n), newly);
		e->set.on_event(ENGINE_EVENT_DELETIONS_HELD, NULL, text, e->set.data);
	}
	for (size_t i = 0; newly && i < n; i++) {
		struct tenant_entry *t = who[i];
		if (v[i].mark != PRUNE_HELD || t->held)
			continue;
		t->held = true;
		e->n_held++;
		if (store_set_held(e->store, t->id, engine__wall(e)) < 0)
			engine__store_failed(e);
		engine__note(e, t, engine__wall(e), "deletions held for approval");
		workqueue_add(&e->queue, t->id, WQ_URGENT);
	}
	free(v);
	free(who);
	if (newly)
		schedule_pump(e);
}

/* A full revision that names every tenant: the unparsed ones no failing file names
 * any more, and the tenants the state store knows that no manifest names (removed
 * while the daemon was down; those with resources in a place listed meanwhile are
 * known already, adopt_orphans), are removed. */
static void removed_while_away(struct engine *e)
{
	struct tenant_entry **gone = NULL;
	char **ids = NULL;
	size_t n = 0, alloc = 0, n_ids = 0, alloc_ids = 0, pos = 0;
	const char *id;
	void *v;

	while (hashmap_next(&e->held_by_manifests, &pos, NULL, &v))
		if (!((struct tenant_entry *)v)->unparsed_named) {
			XGROW(gone, n + 1, alloc);
			gone[n++] = v;
		}
	for (size_t i = 0; i < n; i++) {
		bool had_definition = gone[i]->kept_gone;
		engine__note(e, gone[i], engine__wall(e), "no manifest names it any more");
		end_unparsed(e, gone[i]);
		if (had_definition)
			tenant_gone(e, gone[i]);
		else
			removed_from_store(e, gone[i]);
	}
	free(gone);
	/* a record without a place made nothing in AWS (the place is noted first) */
	for (pos = 0; hashmap_next(&e->records_at_start, &pos, &id, &v);)
		if (record_fact(v, ENGINE__FACT_PLACE)) {
			XGROW(ids, n_ids + 1, alloc_ids);
			ids[n_ids++] = xstrdup(id);
		}
	for (size_t i = 0; i < n_ids; i++) {
		struct tenant_entry *t = entry_new(e, ids[i]);
		engine__note(e, t, engine__wall(e), "no manifest names it (removed while the daemon was down)");
		log_tenant(LOG_LVL_NOTICE, t->id, "known to the state store, no manifest names it: removed");
		removed_from_store(e, t);
		free(ids[i]);
	}
	free(ids);
}

void engine_revision_end(struct engine *e)
{
	struct place_state **later = NULL;
	size_t pos = 0, n = 0, alloc = 0;
	void *v;

	e->revision_open = false;
	e->revision_ended = true;
	/* the places listed meanwhile (at a start, before the first scan): their tenants
	 * without a manifest now, not at their next listing. Gathered first: adopting
	 * may make places (a recorded one), which would upset the walk. */
	while (e->trusted && !e->closing && hashmap_next(&e->places, &pos, NULL, &v))
		if (((struct place_state *)v)->adopt_later && ((struct place_state *)v)->listed) {
			XGROW(later, n + 1, alloc);
			later[n++] = v;
		}
	for (size_t i = 0; i < n; i++) {
		adopt_orphans(later[i]);
		mark_members(e, later[i], false);
	}
	if (n)
		schedule_pump(e);
	free(later);
	if (e->trusted && e->revision_full && !e->ids_unknown && !e->closing)
		removed_while_away(e);
	if (e->removed_in_revision)
		prune_gate(e, "this revision");
	maybe_ready(e);
}

/* A new resync_interval: the next resync comes that long after the last one, or at
 * once when that is past (the timer armed with the old interval may be a day away). */
static void rearm_resync(struct engine *e)
{
	uint64_t since = uv_now(e->loop) - e->resync_ms, every = e->set.resync_interval_ms;

	if (!e->started || e->closing)
		return;
	if (!every)
		uv_timer_stop(&e->resync);
	else
		uv_timer_start(&e->resync, on_resync, since >= every ? 0 : every - since, 0);
}

void engine_reconfigure(struct engine *e, const struct engine_settings *set)
{
	size_t pos;
	void *v;

	e->diff_context++; /* whatever changed, no tenant is settled under the new settings */
	e->set.grace_s = set->grace_s;
	e->set.drain_s = set->drain_s;
	if (e->set.prune.min_tenants != set->prune.min_tenants || e->set.prune.percent != set->prune.percent) {
		/* the removals already in their grace period are judged under the new limits:
		 * an operator tightens the gate to hold what is waiting (loosened, nothing
		 * held is released: that takes an approval) */
		e->set.prune = set->prune;
		prune_gate(e, "the reloaded safety limits");
	}
	if (e->set.resync_interval_ms != set->resync_interval_ms) {
		e->set.resync_interval_ms = set->resync_interval_ms;
		rearm_resync(e);
	}
	if (e->set.alerts_audit_ms != set->alerts_audit_ms) {
		e->set.alerts_audit_ms = set->alerts_audit_ms;
		if (e->started && !e->closing)
			engine__alerts_audit_start(e);
	}
	e->set.report_only = set->report_only;
	e->set.account_id_of = set->account_id_of;
	e->set.account_known = set->account_known;
	e->set.account_data = set->account_data;
	e->set.ssm_tier = set->ssm_tier;
	if (set->param_prefix && strcmp(set->param_prefix, e->set.param_prefix) != 0) {
		free((char *)e->set.param_prefix);
		e->set.param_prefix = xstrdup(set->param_prefix);
		engine__list_prefix_update(e); /* the next listings read there */
	}
	pos = 0;
	while (hashmap_next(&e->places, &pos, NULL, &v))
		((struct place_state *)v)->place.ssm_tier = set->ssm_tier ? set->ssm_tier : "Standard";
	if (set->backoff_base_ms)
		e->queue.backoff_base = set->backoff_base_ms;
	if (set->backoff_cap_ms)
		e->queue.backoff_cap = set->backoff_cap_ms;
}

void engine_force_all(struct engine *e)
{
	size_t pos = 0;
	const char *id;

	while (hashmap_next(&e->tenants, &pos, &id, NULL))
		workqueue_add(&e->queue, id, WQ_URGENT);
	schedule_pump(e);
}

/* ---- commands ---- */

void engine_reconcile_all(struct engine *e)
{
	engine_force_all(e);
}

int engine_reconcile_tenant(struct engine *e, const char *id)
{
	if (!engine__entry(e, id))
		return -ENOENT;
	mark(e, id, WQ_CHANGE);
	return 0;
}

void engine_pause(struct engine *e)
{
	if (e->paused)
		return;
	e->paused = true;
	if (!engine__store_current(e) || store_put_paused(e->store, true) < 0) {
		if (!e->store_lost)
			engine__store_failed(e);
		log_warning("mutating calls paused, but not durably yet: a restart now would resume them");
		return;
	}
	log_notice("mutating calls paused");
}

void engine_resume(struct engine *e)
{
	bool stood_by = engine__claim_renew(e); /* written at once: this daemon acts */

	if (!e->paused && !stood_by)
		return;
	if (e->paused) {
		e->paused = false;
		if (!engine__store_current(e) || store_put_paused(e->store, false) < 0) {
			if (!e->store_lost)
				engine__store_failed(e);
			log_warning(
				"mutating calls resumed, but not durably yet: a restart now would pause them again");
		} else {
			log_notice("mutating calls resumed");
		}
	}
	engine__calls_released(e);
}

void engine__calls_released(struct engine *e)
{
	engine_force_all(e);
	if (e->set.on_calls_released && !engine__holds_calls(e))
		e->set.on_calls_released(e, e->set.data);
}

bool engine_paused(const struct engine *e)
{
	return e->paused;
}

const char *engine_calls_held(const struct engine *e)
{
	if (e->set.report_only)
		return "mode: report";
	if (e->paused)
		return "mutating calls paused";
	if (engine__standby(e))
		return "standing by: another daemon holds the claim";
	return NULL;
}

size_t engine_approve_prune(struct engine *e)
{
	size_t pos = 0, n = 0;
	void *v;

	(void)engine__store_current(e); /* the approvals on files a start finds */
	while (hashmap_next(&e->tenants, &pos, NULL, &v)) {
		struct tenant_entry *t = v;
		if (!t->held)
			continue;
		t->held = false;
		e->n_held--;
		t->approved = true;
		if (store_set_approved(e->store, t->id, engine__wall(e)) < 0)
			engine__store_failed(e);
		engine__note(e, t, engine__wall(e), "deletions approved");
		workqueue_add(&e->queue, t->id, WQ_URGENT);
		n++;
	}
	if (n)
		log_notice("held deletions approved for %zu tenant(s)", n);
	schedule_pump(e);
	return n;
}

void engine_resync(struct engine *e)
{
	e->resync_ms = uv_now(e->loop);
	engine__places_resync(e);
	engine__claim_check(e);
}

/* ---- queries ---- */

bool engine_ready(const struct engine *e)
{
	return e->ready;
}

/* ps's listing failed, or its account is configured no more while a tenant is there
 * or moves from there (a place the configuration names no more that nothing is in, its
 * tenants' alias taken out with their manifests', fails nothing: own_account_renamed). */
static bool place_failing(const struct place_state *ps)
{
	return ps->list_error && !(ps->unknown_account && !ps->members.n && !ps->moves_from);
}

void engine_counts(const struct engine *e, struct engine_counts *ret)
{
	unsigned long cuts;
	size_t pos = 0;
	void *v;

	/* kept as they change, not counted here: this runs at every change of state */
	memset(ret, 0, sizeof(*ret));
	ret->tenants = e->tenants.n;
	memcpy(ret->by_state, e->by_state, sizeof(ret->by_state));
	ret->held = e->n_held;
	ret->listings_in_flight = e->listings;
	ret->listings_waiting = e->n_list_queue;
	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		ret->places++;
		ret->places_listed += ((struct place_state *)v)->listed;
		ret->places_failing += place_failing(v);
		ret->journal_entries += ((struct place_state *)v)->n_journal;
	}
	ret->queue_depth = workqueue_depth(&e->queue) + e->slot_waiters;
	ret->reconciles_in_flight = e->reconciles_in_flight;
	ret->last_resync = e->last_resync;
	ret->reconciles = e->n_reconciles;
	ret->heap_trims = e->heap_trims;
	(void)store_checkpoint_count(e->checkpoint, NULL, &cuts);
	ret->store_log_cuts = cuts;
	ret->trimmed_reconciles = e->trimmed_reconciles;
	ret->actions = e->tally.actions;
	ret->action_failures = e->tally.action_failures;
	ret->drift_repairs = e->tally.drift_repairs;
	ret->reconcile_seconds = e->reconcile_seconds;
}

const char *engine_revision(const struct engine *e)
{
	return e->revision;
}

const struct tenant_entry *engine_tenant(const struct engine *e, const char *id)
{
	return engine__entry(e, id);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp((*(const struct tenant_entry *const *)a)->id, (*(const struct tenant_entry *const *)b)->id);
}

const struct tenant_entry **engine_tenants(const struct engine *e, size_t *ret_n)
{
	const struct tenant_entry **v = xcalloc(e->tenants.n + 1, sizeof(*v));
	size_t pos = 0, n = 0;
	void *p;

	while (hashmap_next(&e->tenants, &pos, NULL, &p))
		v[n++] = p;
	qsort(v, n, sizeof(*v), cmp_entry);
	*ret_n = n;
	return v;
}

size_t engine_tenants_failing(const struct engine *e)
{
	return e->n_failing; /* kept as problems come and go: the status asks often */
}

const char *engine_untouched(const struct engine *e, const struct tenant_entry *t)
{
	const struct place_state *ps = t->place ? hashmap_get(&e->places, t->place->key) : NULL;

	if (!ps || !tenant_entry_waiting(t))
		return NULL;
	return ps->unknown_account || (!ps->listed && ps->unreachable) || place_account_moved(t->record, &ps->place)
		       ? tenant_entry_waiting(t)
		       : NULL;
}

const struct observed_store *engine_observed(const struct engine *e, const struct tenant_entry *t)
{
	struct place_state *ps = engine__serving(e, t);

	return ps ? &ps->store : NULL;
}

const struct place *engine_serving_place(const struct engine *e, const struct tenant_entry *t)
{
	struct place_state *ps = engine__serving(e, t);

	return ps ? &ps->place : NULL;
}

uint64_t engine_now_ms(const struct engine *e)
{
	return uv_now(e->loop);
}

const char *engine_instance(const struct engine *e)
{
	return e->set.instance;
}

int64_t engine_timer_expiry(const struct engine *e, enum timer_kind kind, int64_t since)
{
	return since + (kind == TIMER_DRAIN ? e->set.drain_s : e->set.grace_s);
}

const struct cloud_ops *engine_cloud(const struct engine *e, void **ret_ctx)
{
	*ret_ctx = e->cloud_ctx;
	return e->cloud;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Only the held tenants are sorted: /v1/status asks for them on every request. */
const char **engine_held_tenants(const struct engine *e, size_t *ret_n)
{
	const char **ids = NULL;
	size_t n = 0, alloc = 0, pos = 0;
	void *v;

	/* n_held is kept as tenants are held and released: most of the time it is 0 and
	 * the status, asked for at any rate, walks nothing */
	while (n < e->n_held && hashmap_next(&e->tenants, &pos, NULL, &v)) {
		const struct tenant_entry *t = v;
		if (!t->held)
			continue;
		XGROW(ids, n + 2, alloc);
		ids[n++] = t->id;
	}
	if (!ids)
		ids = xcalloc(1, sizeof(*ids));
	else
		qsort(ids, n, sizeof(*ids), cmp_id);
	ids[n] = NULL;
	*ret_n = n;
	return ids;
}
