/* The units of `bedrock-tenantd plan`: each tenant in the place it is planned in, and a
 * move's old places after it, each simulated to the end (state/simulate.h); the reads
 * those simulations ask for, made in AWS, and the simulations run again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "move.h"
#include "observed_apply.h"
#include "ownership.h"
#include "plan_impl.h"
#include "record.h"
#include "setup.h"
#include "strbuf.h"
#include "xalloc.h"

#define READS_IN_FLIGHT 32 /* reads handed to the AWS client at once */

/* ---- units: every desired tenant in its place, every tenant without a manifest in
 * each place where it owns something ---- */

static struct plan_unit *add_unit(struct planner *p, const char *id, const struct tenant *t, struct plan_place *pp)
{
	struct plan_unit *u = xcalloc(1, sizeof(*u));

	u->id = xstrdup(id);
	u->desired = t;
	u->pp = pp;
	XGROW(p->units, p->n_units + 1, p->alloc_units);
	p->units[p->n_units++] = u;
	if (!hashmap_get(&p->unit_of, u->id))
		hashmap_put(&p->unit_of, u->id, u);
	return u;
}

/* A move (docs/operations.md "Moves"): the place recorded, if another, and the old
 * places of a move in progress; NULL when none. prefix (owned, may be NULL) comes first. */
static char *moving_note(struct planner *p, const struct tenant *t, const struct plan_place *pp, char *prefix)
{
	const struct tenant_record *rec = hashmap_get(&p->records, t->id);
	const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL, *old;
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	if (prefix)
		strbuf_adds(&sb, prefix);
	if (fact && strcmp(fact, pp->place.key))
		strbuf_addf(&sb, "%smoves from %s: its set there drains and is deleted once this one is Ready",
			    sb.len ? "; " : "", fact);
	for (size_t i = 0; (old = record_moving_from(rec, i)); i++)
		if (strcmp(old, pp->place.key) && (!fact || strcmp(old, fact)))
			strbuf_addf(&sb, "%sa move from %s in progress", sb.len ? "; " : "", old);
	free(prefix);
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/* ---- a move's old places ---- */

/* The k-th place a tenant's record keeps it in besides its current one, as far as a
 * move is concerned: its recorded place (which a changed manifest or pool leaves
 * behind), then the old places of a move in progress. NULL past the last. */
const char *plan__old_place_key(const struct tenant_record *rec, size_t k)
{
	const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;

	if (fact && k-- == 0)
		return fact;
	return rec ? record_moving_from(rec, k) : NULL;
}

/* The configuration still names the account of place key: the daemon reaches it. */
bool plan__old_place_reachable(struct planner *p, const char *key)
{
	char *alias = place_key_alias(key);
	bool known = strchr(key, '/') && setup_account_known(alias, p->cfg);

	free(alias);
	return known;
}

/* Every planned tenant's old places, each a unit of its own after its current one:
 * there its set serves until the switch, then drains and goes (engine/moves.c). A key
 * naming the current place (under another alias too) is no move. */
static void move_units(struct planner *p)
{
	size_t n = p->n_units;

	for (size_t i = 0; i < n; i++) {
		struct plan_unit *u = p->units[i];
		const struct tenant_record *rec = NULL;
		const char *key;
		u->serves_waiting = u->desired && !u->pp && u->waiting && plan__pool_tenant(p, u->desired);
		if (u->desired && (u->pp || u->serves_waiting))
			rec = hashmap_get(&p->records, u->id);
		for (size_t k = 0; (key = plan__old_place_key(rec, k)); k++) {
			struct plan_place *old;
			struct plan_unit *m;
			bool seen = false;
			if ((u->pp && !strcmp(key, u->pp->place.key)) || !plan__old_place_reachable(p, key))
				continue;
			old = hashmap_get(&p->places, key);
			if (!old || (u->pp && place_same_place(&old->place, &u->pp->place)))
				continue;
			for (m = u->old_places; m && !seen; m = m->next_old)
				seen = m->pp == old;
			if (seen)
				continue;
			m = add_unit(p, u->id, u->desired, old);
			m->moving_to = u;
			m->next_old = u->old_places;
			u->old_places = m;
			if (u->desired->suspended)
				m->placement = xasprintf("moves to %s once resumed: suspended, its set here is left "
							 "as it is",
							 u->pp ? u->pp->place.key : "a place");
			else if (u->pp)
				m->placement = xasprintf(
					"moves to %s: its set here serves until the one there is Ready, then drains "
					"and goes%s",
					u->pp->place.key,
					place_same_account(&old->place, &u->pp->place) && u->desired->n_roles
						? " (the role policies grant both sets until it is gone)"
						: "");
			else
				m->placement = xstrdup("waits for a place: its set here serves meanwhile");
		}
	}
}

/* Pool tenants: those with a place first (they reserve what they still need), then the
 * others in id order, each placed as the daemon would place it now, or waiting. */
static void pool_units(struct planner *p)
{
	const struct tenant **rest = xcalloc(p->desired.n + 1, sizeof(*rest));
	size_t n_rest = 0;

	plan__count_capacity(p);
	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		struct plan_place *pp;
		char *how = NULL;
		if (!plan__pool_tenant(p, t))
			continue;
		if ((pp = plan__placed(p, t, &how))) {
			add_unit(p, t->id, t, pp)->placement = moving_note(p, t, pp, how);
			plan__reserve(p, t, pp);
		} else if (how) { /* placed where it cannot be reached */
			add_unit(p, t->id, t, NULL)->waiting = how;
		} else {
			rest[n_rest++] = t;
		}
	}
	for (size_t i = 0; i < n_rest; i++) { /* the desired store keeps ids in order */
		const struct tenant *t = rest[i];
		struct plan_pool *pool = plan__pool_named(p, t->pool);
		const char *region = t->region_set ? t->region : NULL;
		struct placement_need need;
		size_t k;
		placement_need_of(t, &need);
		if (!pool) {
			add_unit(p, t->id, t, NULL)->waiting = xasprintf("pool %s is not configured", t->pool);
		} else if (placement_choose(pool->cap, pool->n, &need, region, &k) < 0) {
			char *why = placement_reason(pool->cfg->name, pool->cap, pool->n, &need, region);
			add_unit(p, t->id, t, NULL)->waiting = xasprintf("no capacity: %s", why);
			free(why);
		} else {
			placement_reserve(pool->cap, pool->n, k, &need);
			char *how = xasprintf("chosen now in pool %s (%llu profile(s) free there before it)", t->pool,
					      (unsigned long long)(placement_free(&pool->cap[k], PLACEMENT_PROFILES) +
								   need.n[PLACEMENT_PROFILES]));
			add_unit(p, t->id, t, pool->places[k])->placement = moving_note(p, t, pool->places[k], how);
		}
	}
	free(rest);
}

static int cmp_unit(const void *a, const void *b)
{
	const struct plan_unit *x = *(struct plan_unit *const *)a, *y = *(struct plan_unit *const *)b;
	int c = strcmp(x->id, y->id);

	if (!c) /* a tenant's current place first, then a move's old places */
		c = (x->moving_to != NULL) - (y->moving_to != NULL);
	return c ? c : strcmp(x->pp ? x->pp->place.key : "", y->pp ? y->pp->place.key : "");
}

/* Two aliases of one account list the same resources: a tenant without a manifest
 * is planned in the first place (by key) of each (account id, region). Returns true
 * when (id, place) is new; `seen` remembers it. */
static bool first_sight(struct hashmap *seen, const char *id, const struct plan_place *pp)
{
	char *key = xasprintf("%s\n%s\n%s", id, pp->place.account_id ? pp->place.account_id : pp->place.key,
			      pp->place.region ? pp->place.region : "");
	bool first = !hashmap_get(seen, key);

	if (first)
		hashmap_put(seen, key, (void *)1);
	free(key);
	return first;
}

static int cmp_place(const void *a, const void *b)
{
	return strcmp((*(struct plan_place *const *)a)->place.key, (*(struct plan_place *const *)b)->place.key);
}

void plan__make_units(struct planner *p)
{
	struct plan_place **places;
	struct hashmap seen;
	size_t pos = 0, n = 0;
	void *v;

	hashmap_init(&seen);
	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		if (!plan__pool_tenant(p, t)) {
			char *how;
			struct plan_place *pp = plan__place_of(p, t, &how);
			if (pp)
				add_unit(p, t->id, t, pp)->placement = moving_note(p, t, pp, NULL);
			else
				add_unit(p, t->id, t, NULL)->waiting = how;
		}
	}
	pool_units(p);
	move_units(p);
	places = xcalloc(p->places.n + 1, sizeof(*places));
	while (hashmap_next(&p->places, &pos, NULL, &v))
		places[n++] = v;
	qsort(places, n, sizeof(*places), cmp_place);
	for (size_t i = 0; i < n; i++) {
		struct plan_place *pp = places[i];
		size_t gpos = 0;
		const char *tenant;
		void *g;
		while (hashmap_next(&pp->store.groups, &gpos, &tenant, &g))
			if (!p->ids_unknown && !desired_store_get(&p->desired, tenant) &&
			    !hashmap_get(&p->failing, tenant) && observed_group_owns(&pp->store, g, p->cfg->instance) &&
			    first_sight(&seen, tenant, pp))
				add_unit(p, tenant, NULL, pp);
	}
	free(places);
	hashmap_release(&seen, NULL);
	if (p->n_units > 1) /* no units: p->units is NULL, which qsort must not get */
		qsort(p->units, p->n_units, sizeof(*p->units), cmp_unit);
}

/* The diff's settings in place pp. */
static struct diff_settings settings_of(const struct planner *p, const struct plan_place *pp)
{
	return (struct diff_settings){ p->cfg->instance,
				       pp->place.account_id,
				       (int64_t)(p->cfg->safety.prune_grace_ms / 1000),
				       (int64_t)(p->cfg->safety.replacement_drain_ms / 1000),
				       p->cfg->budget_actions.execution_role,
				       pp->place.region };
}

/* When the old place of u's move (u a move's unit) drains out: its drain timer's start
 * (the record's) when it runs, else after every running one (it starts at the switch). */
static int64_t drain_start(struct planner *p, const struct plan_unit *u)
{
	char *key = record_key_move_timer(u->pp->place.key);
	const struct resource_timer *timer = record_timer(hashmap_get(&p->records, u->id), key);

	free(key);
	return timer ? timer->since : INT64_MAX;
}

/* Another old place o of the tenant, in u's account, still holds profiles of it when
 * u's are gone, so that the account's budget, enforcement and role policies stay
 * there (state/move.h, keep_account): o holds some and drains out after u (its drain
 * started later; the same time: the later key), so that the last one to drain out
 * deletes them, as in the daemon. */
static bool keeps_account(struct planner *p, const struct plan_unit *o, const struct plan_unit *u)
{
	int64_t from_o, from_u;

	if (!place_same_account(&o->pp->place, &u->pp->place) ||
	    !move_holds_profiles(&o->pp->store, observed_store_group(&o->pp->store, u->id), p->cfg->instance, u->id))
		return false;
	from_o = drain_start(p, o);
	from_u = drain_start(p, u);
	return from_o != from_u ? from_o > from_u : strcmp(o->pp->place.key, u->pp->place.key) > 0;
}

/* The prune gate holds the tenant's deletions: it is held in the state store and has
 * no manifest. A manifest that comes back ends its standing at the gate when the daemon
 * starts (engine.c), so what that manifest no longer names goes unheld, after its grace. */
static bool deletions_held(const struct planner *p, const struct plan_unit *u)
{
	return !u->desired && hashmap_get(&p->held, u->id) != NULL;
}

/* The end of the move in u's place, an old place of its tenant: the new set counts as
 * Ready (the switch made) when its own simulation has nothing left to do. A suspended
 * tenant's old set is left as it is, as the daemon leaves it (engine/moves.c): nothing
 * live is touched until it is resumed. */
static void simulate_move_unit(struct planner *p, struct plan_unit *u)
{
	const struct plan_unit *to = u->moving_to;
	struct diff_settings ds = settings_of(p, u->pp);
	struct simulate_move_input in = {
		.tenant_id = u->id,
		.from = u->pp->place.key,
		.to = to->pp ? to->pp->place.key : NULL,
		.desired = u->desired,
		.deletion_policy = u->desired->deletion_policy,
		.record = hashmap_get(&p->records, u->id),
		.observed = &u->pp->store,
		.region = u->pp->place.region,
		.same_account = to->pp && place_same_account(&u->pp->place, &to->pp->place),
		.deletions_held = deletions_held(p, u),
		.switched = to->pp && !simulation_pending(&to->sim) && !to->sim.error && !to->sim.n_reads,
		.now = p->now,
	};

	for (const struct plan_unit *o = to->old_places; o && !in.keep_account; o = o->next_old)
		in.keep_account = o != u && keeps_account(p, o, u);
	simulation_release(&u->sim);
	if (u->desired->suspended) {
		memset(&u->sim, 0, sizeof(u->sim));
		u->settled = true;
		return;
	}
	simulate_move(&ds, &in, &u->sim);
	u->settled = u->sim.n_reads == 0;
}

/* A moving tenant's profiles in its old places of u's account: its role policies
 * grant them too until they are gone (engine/moves.c, engine__move_granted). Owned by
 * the caller (the profiles borrowed); NULL when none. */
static const struct observed_profile **also_granted(struct planner *p, const struct plan_unit *u, size_t *ret_n)
{
	const struct observed_profile **v = NULL;
	size_t n = 0, alloc = 0;

	for (const struct plan_unit *o = u->old_places; o; o = o->next_old)
		if (place_same_account(&o->pp->place, &u->pp->place))
			move_granted_add(&o->pp->store, observed_store_group(&o->pp->store, u->id), p->cfg->instance,
					 u->id, &v, &n, &alloc);
	*ret_n = n;
	return v;
}

static void simulate_unit(struct planner *p, struct plan_unit *u)
{
	const struct tenant_record *rec = hashmap_get(&p->records, u->id);
	struct diff_settings ds = settings_of(p, u->pp);
	size_t n_granted;
	const struct observed_profile **granted = also_granted(p, u, &n_granted);
	struct simulate_input in = {
		.tenant_id = u->id,
		.desired = u->desired,
		.deletion_policy = u->desired	       ? u->desired->deletion_policy
				   : rec && rec->known ? rec->deletion_policy
						       : DELETION_DELETE,
		.record = rec,
		.observed = &u->pp->store,
		.region = u->pp->place.region,
		.deletions_held = deletions_held(p, u),
		.now = p->now,
		.also_granted = granted,
		.n_also_granted = n_granted,
		.done_reads = u->done_reads,
		.done_rounds = u->done_rounds,
		.n_done_reads = u->n_done_reads,
	};

	simulation_release(&u->sim);
	simulate_tenant(&ds, &in, &u->sim);
	free(granted);
	u->settled = u->sim.n_reads == 0;
}

/* ---- reads ---- */

/* The reads u's simulation asks for that the daemon makes too (not those that only
 * show a policy's text), noted with their round: the daemon spends that round on them. */
static void note_daemon_reads(struct plan_unit *u)
{
	if (u->moving_to || u->sim.reads_shown_only)
		return;
	for (size_t k = 0; k < u->sim.n_reads; k++) {
		const struct action *r = &u->sim.reads[k];
		struct action *a;
		XGROW(u->done_reads, u->n_done_reads + 1, u->alloc_done_reads);
		XGROW(u->done_rounds, u->n_done_reads + 1, u->alloc_done_rounds);
		a = &u->done_reads[u->n_done_reads];
		memset(a, 0, sizeof(*a));
		a->kind = r->kind;
		a->resource = xstrdup_or_null(r->resource);
		a->role = xstrdup_or_null(r->role);
		a->name = xstrdup_or_null(r->name);
		a->budget = xstrdup_or_null(r->budget);
		u->done_rounds[u->n_done_reads++] = u->sim.reads_round;
	}
}

static void pump_reads(struct planner *p);

static void on_read(int status, const struct cloud_error *err, struct cloud_result *res, void *data)
{
	struct read_call *rc = data;
	struct plan_unit *u = rc->u;
	const struct action *a = &u->sim.reads[rc->index];
	struct planner *p = u->pp->p;

	p->pending--;
	if (status == 0 && res) {
		observed_apply_read(&u->pp->store, a, res->profile, res->parameter, res->budget, res->policy,
				    res->gone);
		res->profile = NULL;
		res->parameter = NULL;
		res->budget = NULL;
		res->policy = NULL;
	} else if (status < 0) {
		fprintf(stderr, "bedrock-tenantd: %s %s (tenant %s) failed: %s: %s\n", action_kind_name(a->kind),
			u->sim.reads[rc->index].resource ? u->sim.reads[rc->index].resource
			: u->sim.reads[rc->index].budget ? u->sim.reads[rc->index].budget
							 : u->sim.reads[rc->index].role,
			u->id, err && err->code[0] ? err->code : "error", err ? err->message : strerror(-status));
		p->failures++;
	}
	pump_reads(p);
}

static void pump_reads(struct planner *p)
{
	while (p->next_read < p->n_reads && p->pending < READS_IN_FLIGHT && !p->failures) {
		struct read_call *rc = &p->reads[p->next_read++];
		int r = cloud_aws_ops.apply(&p->cloud, &rc->u->pp->place, &rc->u->sim.reads[rc->index], false, 0,
					    on_read, rc);
		if (r < 0) {
			fprintf(stderr, "bedrock-tenantd: a read for tenant %s could not start: %s\n", rc->u->id,
				strerror(-r));
			p->failures++;
		} else {
			p->pending++;
		}
	}
}

/* A tenant whose place names another account id than the one its resources were made
 * in waits, as in the daemon (engine/cloud.h, place_account_moved): nothing planned. */
void plan__hold_moved_accounts(struct planner *p)
{
	for (size_t i = 0; i < p->n_units; i++) {
		struct plan_unit *u = p->units[i];
		const struct tenant_record *rec = hashmap_get(&p->records, u->id);
		const char *made_in = u->pp && !u->moving_to ? place_account_moved(rec, &u->pp->place) : NULL;
		const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;
		const struct plan_place *from = fact ? hashmap_get(&p->places, fact) : NULL;
		if (made_in) {
			u->waiting = place_account_moved_why(&u->pp->place, made_in);
			u->pp = NULL;
		} else if (u->pp && !u->moving_to && u->desired && from &&
			   (made_in = place_move_waits(rec, &from->place, u->pp->place.key, u->pp->place.account_id))) {
			/* a move out of such a place: the tenant stays there, waiting */
			u->waiting = place_account_moved_why(&from->place, made_in);
			u->pp = NULL;
		}
	}
}

/* The unit is simulated: it has a place, and, a move's old place, its tenant has one
 * too or waits for one (not held: plan__hold_moved_accounts). */
bool plan__simulated(const struct plan_unit *u)
{
	return u->pp && (!u->moving_to || u->moving_to->pp || u->moving_to->serves_waiting);
}

/* Simulate every unit; read what the simulations need; again, a bounded number of
 * times. Returns the number of units still waiting for a read. */
size_t plan__settle(struct planner *p)
{
	size_t unsettled = p->n_units;

	for (int pass = 0; pass < READ_PASSES && unsettled && !p->failures; pass++) {
		p->n_reads = p->next_read = 0;
		unsettled = 0;
		/* the current places first: a move's old place depends on its new set */
		for (size_t phase = 0; phase < 2; phase++)
			for (size_t i = 0; i < p->n_units; i++) {
				struct plan_unit *u = p->units[i];
				if ((u->settled && pass) || !plan__simulated(u) || (u->moving_to != NULL) != phase)
					continue;
				if (u->moving_to)
					simulate_move_unit(p, u);
				else
					simulate_unit(p, u);
				note_daemon_reads(u);
				for (size_t k = 0; k < u->sim.n_reads; k++) {
					XGROW(p->reads, p->n_reads + 1, p->alloc_reads);
					p->reads[p->n_reads++] = (struct read_call){ u, k };
				}
				unsettled += !u->settled;
			}
		if (!unsettled || pass == READ_PASSES - 1)
			break;
		pump_reads(p);
		while (p->pending)
			uv_run(&p->loop, UV_RUN_ONCE);
	}
	return unsettled;
}
