/* Pools: the places a pool tenant may live in, their capacity (quotas from Service
 * Quotas or the configuration, use from the listings plus what placed tenants still
 * need), and the placement of a tenant, made durable as the fact "place" in its
 * record before its first create. The choice itself is state/placement.c's.
 *
 * A placement is kept for good: found again in the record, or, with an empty state
 * store, from the resources that carry the tenant's tag in one of the pool's places.
 * A tenant for which no place has room waits (Pending, with the reason) and is looked
 * at again whenever a place of its pool was listed or its quotas were read (each
 * resync), or a tenant of the pool was forgotten. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "log.h"
#include "placement.h"
#include "xalloc.h"

#define QUOTA_PROFILES "L-40EC9882" /* bedrock: application inference profiles */
#define QUOTA_ROLES    "L-FE177D64" /* iam: roles per account */
/* How long a pool's first placements wait for a listed place's quota answer: past it
 * the configuration's value stands in until the answer comes (a slow or hanging
 * Service Quotas would hold them for its timeout and retries, minutes). */
#define QUOTA_WAIT_MS 10000

struct quota_call {
	struct engine *e;
	size_t pool, place;
	bool roles;
};

static void pool_place_free(struct engine__pool *p)
{
	free(p->name);
	free(p->places);
	free(p->cap);
	free(p->quota_profiles);
	free(p->quota_roles);
	free(p->quota_read);
	free(p->quota_asked_ms);
	free(p->quota_failing);
	free(p->full);
	for (size_t i = 0; i < p->n_places; i++) {
		free(p->place_accounts[i]);
		free(p->place_regions[i]);
	}
	free(p->place_accounts);
	free(p->place_regions);
	hashmap_release(&p->index, NULL);
	hashmap_release(&p->waiting, NULL);
}

void engine__pools_init(struct engine *e, const struct engine_settings *set)
{
	e->n_pools = set->n_pools;
	e->pools = e->n_pools ? xcalloc(e->n_pools, sizeof(*e->pools)) : NULL;
	for (size_t i = 0; i < e->n_pools; i++) {
		const struct engine_pool *c = &set->pools[i];
		struct engine__pool *p = &e->pools[i];
		size_t n = c->n_accounts * c->n_regions;
		p->name = xstrdup(c->name);
		p->n_places = n;
		p->places = xcalloc(n ? n : 1, sizeof(*p->places));
		p->cap = xcalloc(n ? n : 1, sizeof(*p->cap));
		p->quota_profiles = xcalloc(n ? n : 1, sizeof(*p->quota_profiles));
		p->quota_roles = xcalloc(n ? n : 1, sizeof(*p->quota_roles));
		p->quota_read = xcalloc(n ? n : 1, sizeof(*p->quota_read));
		p->quota_asked_ms = xcalloc(n ? n : 1, sizeof(*p->quota_asked_ms));
		p->quota_failing = xcalloc(n ? n : 1, sizeof(*p->quota_failing));
		for (size_t k = 0; k < n; k++)
			p->quota_profiles[k] = p->quota_roles[k] = ENGINE__QUOTA_UNREAD;
		p->full = xcalloc(n ? n : 1, sizeof(*p->full));
		p->place_accounts = xcalloc(n ? n : 1, sizeof(char *));
		p->place_regions = xcalloc(n ? n : 1, sizeof(char *));
		for (size_t a = 0, k = 0; a < c->n_accounts; a++)
			for (size_t r = 0; r < c->n_regions; r++, k++) {
				p->place_accounts[k] = xstrdup(c->accounts[a]);
				p->place_regions[k] = xstrdup(c->regions[r]);
			}
		hashmap_init(&p->index);
		hashmap_init(&p->waiting);
		p->dirty = true;
	}
}

void engine__pools_release(struct engine *e)
{
	for (size_t i = 0; i < e->n_pools; i++)
		pool_place_free(&e->pools[i]);
	free(e->pools);
}

/* Each pool's places (accounts as written, then Regions as written), created and
 * listed. Called once the engine has started. */
void engine__pools_start(struct engine *e, engine__place_report_fn *report)
{
	for (size_t i = 0; i < e->n_pools; i++) {
		struct engine__pool *p = &e->pools[i];
		for (size_t k = 0; k < p->n_places; k++) {
			p->places[k] = engine__place_for(e, p->place_accounts[k], p->place_regions[k], report);
			hashmap_put(&p->index, p->places[k]->place.key, (void *)(k + 1));
		}
	}
}

struct engine__pool *engine__pool(const struct engine *e, const char *name)
{
	for (size_t i = 0; name && i < e->n_pools; i++)
		if (!strcmp(e->pools[i].name, name))
			return &e->pools[i];
	return NULL;
}

/* -1 when ps is not a place of p. */
static long place_index(const struct engine__pool *p, const struct place_state *ps)
{
	return (long)(uintptr_t)hashmap_get(&p->index, ps->place.key) - 1;
}

static bool quota_known(const struct engine *e, const struct engine__pool *p, size_t i)
{
	return !e->cloud->quota || p->quota_read[i];
}

/* The quota of place i was asked for QUOTA_WAIT_MS ago and has not been answered:
 * counted as read from now on (the configuration's value, until the answer), once. */
static bool quota_overdue(struct engine *e, struct engine__pool *p, size_t i)
{
	if (quota_known(e, p, i) || !p->quota_asked_ms[i] || uv_now(e->loop) + 1 < p->quota_asked_ms[i] + QUOTA_WAIT_MS)
		return false;
	p->quota_read[i] = true;
	p->dirty = true;
	log_warning("%s: quota %s not answered within %d s: assuming capacity.profiles for placement until it is",
		    p->places[i]->place.key, QUOTA_PROFILES, QUOTA_WAIT_MS / 1000);
	return true;
}

/* What t already has in ps (its tag): that much of its need is in the listing. */
static void own_use(const struct place_state *ps, const char *id, struct placement_need *ret)
{
	const struct observed_group *g = hashmap_get(&ps->store.groups, id);

	memset(ret, 0, sizeof(*ret));
	if (!g)
		return;
	ret->n[PLACEMENT_PROFILES] = g->n_profiles;
	ret->n[PLACEMENT_PARAMETERS] = g->n_parameters;
	ret->n[PLACEMENT_BUDGETS] = g->n_budgets;
}

/* The still missing part of t's need in its place. */
static void missing(const struct tenant_entry *t, const struct place_state *ps, struct placement_need *ret)
{
	struct placement_need own;

	placement_need_of(t->desired, ret);
	own_use(ps, t->id, &own);
	for (int k = 0; k < PLACEMENT__KINDS; k++)
		ret->n[k] = ret->n[k] > own.n[k] ? ret->n[k] - own.n[k] : 0;
}

/* The capacity of every place of p, counted afresh: the listings, then what each
 * tenant placed there still needs (a walk over the tenants: done only when something
 * changed since, never per decision). */
static void recount(struct engine *e, struct engine__pool *p)
{
	size_t pos = 0;
	void *v;

	for (size_t i = 0; i < p->n_places; i++) {
		const struct place_state *ps = p->places[i];
		struct placement_place *c = &p->cap[i];
		c->account = ps->place.account;
		c->region = ps->place.region;
		/* a place whose last listing failed (its credentials refused, its role not to
		 * be assumed) takes no new tenant: its creates would fail the same way */
		c->usable = ps->listed && !ps->unreachable && quota_known(e, p, i);
		c->quota[PLACEMENT_PROFILES] = p->quota_profiles[i] != ENGINE__QUOTA_UNREAD ? p->quota_profiles[i]
											    : e->set.capacity.profiles;
		c->quota[PLACEMENT_PARAMETERS] = e->set.capacity.parameters;
		c->quota[PLACEMENT_BUDGETS] = e->set.capacity.budgets;
		c->used[PLACEMENT_PROFILES] = ps->store.profiles.n;
		c->used[PLACEMENT_PARAMETERS] = ps->store.parameters.n;
		c->used[PLACEMENT_BUDGETS] = ps->store.budgets.n + ps->store.budgets_elsewhere;
		for (int k = 0; k < PLACEMENT__KINDS; k++)
			if ((p->full[i] & (1u << k)) && c->used[k] < c->quota[k])
				c->used[k] = c->quota[k];
		/* the account's budgets cannot be read (Budgets denied there): no room for a
		 * budget, so a new tenant with one goes where its budget can be made */
		if (ps->store.budgets_error && c->used[PLACEMENT_BUDGETS] < c->quota[PLACEMENT_BUDGETS])
			c->used[PLACEMENT_BUDGETS] = c->quota[PLACEMENT_BUDGETS];
	}
	while (hashmap_next(&e->tenants, &pos, NULL, &v)) {
		const struct tenant_entry *t = v;
		struct placement_need need;
		long i;
		if (!t->place || t->removed || !t->desired)
			continue;
		i = (long)(uintptr_t)hashmap_get(&p->index, t->place->key) - 1;
		if (i < 0)
			continue;
		missing(t, p->places[i], &need);
		placement_reserve(p->cap, p->n_places, (size_t)i, &need);
	}
	p->dirty = false;
}

/* The fact "pool" says p (when it says another or nothing). */
static void note_pool(struct engine *e, const struct engine__pool *p, struct tenant_entry *t)
{
	const char *was = record_fact(t->record, ENGINE__FACT_POOL);

	if (p && (!was || strcmp(was, p->name)))
		engine__put_fact(e, t, ENGINE__FACT_POOL, p->name);
}

/* The fact "place", through moves.c (a place recorded before becomes a move's old
 * place), and the fact "pool": p placed t there. */
static bool set_place_fact(struct engine *e, struct engine__pool *p, struct tenant_entry *t, const char *key)
{
	if (!engine__move_note(e, t, key))
		return false;
	note_pool(e, p, t);
	return true;
}

/* t's manifest names pool p, not the one that placed it in `place` (the fact "pool"),
 * and place is none of p's: it moves to a place of p. A pool that lost the place from
 * its configuration keeps it (a change of the configuration moves nobody). */
static bool pool_changed(const struct engine__pool *p, const struct tenant_entry *t, const char *place)
{
	const char *was = record_fact(t->record, ENGINE__FACT_POOL);

	return p && was && strcmp(was, p->name) && !hashmap_get(&p->index, place);
}

/* The place's Region is the one region (NULL: any) asks for. */
static bool region_is(const char *place_key, const char *region)
{
	const char *slash = strchr(place_key, '/');

	return !region || (slash && !strcmp(slash + 1, region));
}

/* t was placed in `place` under an alias the configuration names no more: a place of
 * p in the same account and Region is the same place renamed (engine__place_renamed),
 * whose key the record holds from now on. */
static void follow_renamed_alias(struct engine *e, const struct engine__pool *p, struct tenant_entry *t,
				 const char *place)
{
	char *alias = place_key_alias(place);
	bool gone = alias && e->set.account_known && !e->set.account_known(alias, e->set.account_data);

	free(alias);
	for (size_t i = 0; gone && p && i < p->n_places; i++)
		if (engine__place_renamed(e, t, &p->places[i]->place))
			return;
}

/* ps holds what a move left of t: not where t is placed. */
static bool left_by_move(const struct tenant_entry *t, const struct place_state *ps)
{
	char *key = record_key_moving_from(ps->place.key);
	bool left = record_fact(t->record, key) != NULL;

	free(key);
	return left;
}

static void wait_for(struct engine *e, struct engine__pool *p, struct tenant_entry *t, char *reason)
{
	if (!tenant_entry_waiting(t) || strcmp(tenant_entry_waiting(t), reason))
		engine__note(e, t, engine__wall(e), "waits: %s", reason);
	engine__set_waiting(t, reason);
	if (!hashmap_get(&p->waiting, t->id))
		hashmap_put(&p->waiting, t->id, (void *)1);
}

static void stop_waiting(struct engine__pool *p, struct tenant_entry *t)
{
	engine__set_waiting(t, NULL);
	if (p)
		hashmap_remove(&p->waiting, t->id);
}

struct place_state *engine__pool_place(struct engine *e, struct tenant_entry *t, engine__place_report_fn *report)
{
	struct engine__pool *p = engine__pool(e, t->desired->pool);
	const char *fact = record_fact(t->record, ENGINE__FACT_PLACE);
	const char *region = t->desired->region_set ? t->desired->region : NULL;
	struct placement_need need;
	size_t i;

	/* placed under an alias since renamed: the same place, under its new name */
	if (fact) {
		follow_renamed_alias(e, p, t, fact);
		fact = record_fact(t->record, ENGINE__FACT_PLACE);
	}
	/* placed before (a durable fact): it stays there, whatever the pool says now, unless
	 * its manifest names another Region or another pool now: a move, to a place of the
	 * pool (there) */
	if (fact && strchr(fact, '/') && region_is(fact, region) && !pool_changed(p, t, fact)) {
		struct place_state *ps = engine__place_for_key(e, fact, report);
		/* p holds the place (or nothing says which pool placed it): p placed it now */
		if (p && (hashmap_get(&p->index, fact) || !record_fact(t->record, ENGINE__FACT_POOL)))
			note_pool(e, p, t);
		stop_waiting(p, t);
		return ps;
	}
	if (!p) /* the configuration lost the pool: nothing to place with */
		return NULL;
	/* not every place is listed, or its quota read, yet: no reason to show while the
	 * first listings and reads run (it is Pending as any tenant not yet reconciled, and
	 * readiness waits for it); placed before, it would go wherever the first answers
	 * came from, not where the pool's order says. A place whose listings fail holds the
	 * pool's new tenants (with an empty state store one of them may own resources
	 * there: placed elsewhere it would be made twice), and that is said. Looked at again
	 * after the listing and after the read (a read that fails counts as read: the
	 * configuration's value stands in). */
	for (i = 0; i < p->n_places; i++) {
		const struct place_state *ps = p->places[i];
		if (ps->listed && (quota_known(e, p, i) || quota_overdue(e, p, i)))
			continue;
		if (!ps->listed && ps->list_error) {
			wait_for(e, p, t,
				 xasprintf("pool %s: %s cannot be listed (%s); a tenant is placed once every place of "
					   "its pool has been seen",
					   p->name, ps->place.key, ps->list_error));
			return NULL;
		}
		if (!hashmap_get(&p->waiting, t->id))
			hashmap_put(&p->waiting, t->id, (void *)1);
		if (ps->listed && p->quota_asked_ms[i]) /* looked at again when the wait is over */
			workqueue_add_at(&e->queue, t->id, p->quota_asked_ms[i] + QUOTA_WAIT_MS);
		return NULL;
	}
	/* an empty state store: the tenant's own resources tell where it was placed (its
	 * profiles or parameters: a budget shows in every Region of its account) */
	for (i = 0; i < p->n_places && !fact; i++) {
		const struct observed_group *g = hashmap_get(&p->places[i]->store.groups, t->id);
		if (g && (g->n_profiles || g->n_parameters) && region_is(p->places[i]->place.key, region) &&
		    !left_by_move(t, p->places[i])) {
			set_place_fact(e, p, t, p->places[i]->place.key);
			stop_waiting(p, t);
			log_tenant(LOG_LVL_INFO, t->id, "placed in %s (found by its resources' tags)",
				   p->places[i]->place.key);
			return p->places[i];
		}
	}
	if (p->dirty)
		recount(e, p);
	placement_need_of(t->desired, &need);
	if (placement_choose(p->cap, p->n_places, &need, region, &i) < 0) {
		char *why = placement_reason(p->name, p->cap, p->n_places, &need, region);
		for (i = 0; i < p->n_places; i++) /* the first place left out for its failing listing */
			if (p->places[i]->list_error && region_is(p->places[i]->place.key, region) &&
			    (p->places[i]->unreachable ||
			     (need.n[PLACEMENT_BUDGETS] && p->places[i]->store.budgets_error)))
				break;
		if (i < p->n_places) {
			char *more = xasprintf("%s; %s takes no new tenant%s while it cannot be listed (%s)", why,
					       p->places[i]->place.key,
					       p->places[i]->unreachable ? "" : " with a budget",
					       p->places[i]->list_error);
			free(why);
			why = more;
		}
		wait_for(e, p, t, why);
		return NULL;
	}
	/* reserved in p's count (and in every other pool holding the place) as t's place
	 * is set (engine__pools_placed) */
	if (!set_place_fact(e, p, t, p->places[i]->place.key)) { /* it may not leave its place yet */
		stop_waiting(p, t);
		return engine__move_stays(e, t, p->places[i]->place.key);
	}
	if (tenant_entry_waiting(t))
		log_tenant(LOG_LVL_NOTICE, t->id, "placed in %s (capacity appeared)", p->places[i]->place.key);
	engine__note(e, t, engine__wall(e), "placed in %s (pool %s)", p->places[i]->place.key, p->name);
	stop_waiting(p, t);
	return p->places[i];
}

/* Something changed in p's capacity: counted afresh when next asked, and its waiting
 * tenants are told (engine.c marks them). */
static void changed(struct engine *e, struct engine__pool *p)
{
	p->dirty = true;
	if (!e->closing && p->waiting.n)
		e->pool_report(e, p);
}

void engine__pools_placed(struct engine *e, const struct tenant_entry *t, const struct place_state *was,
			  const struct place_state *ps)
{
	for (size_t i = 0; i < e->n_pools; i++) {
		struct engine__pool *p = &e->pools[i];
		long k = ps ? place_index(p, ps) : -1;
		struct placement_need need;
		if (was && place_index(p, was) >= 0)
			p->dirty = true;
		if (k < 0 || p->dirty || t->removed || !t->desired)
			continue;
		missing(t, p->places[k], &need);
		placement_reserve(p->cap, p->n_places, (size_t)k, &need);
	}
}

void engine__pools_need_changed(struct engine *e, const struct tenant_entry *t)
{
	for (size_t i = 0; t->place && i < e->n_pools; i++)
		if (hashmap_get(&e->pools[i].index, t->place->key))
			changed(e, &e->pools[i]);
}

void engine__pools_forgot(struct engine *e, const struct tenant_entry *t)
{
	for (size_t i = 0; i < e->n_pools; i++) {
		struct engine__pool *p = &e->pools[i];
		hashmap_remove(&p->waiting, t->id);
		if (t->place && hashmap_get(&p->index, t->place->key))
			changed(e, p);
	}
}

void engine__pools_quota_full(struct engine *e, const struct place_state *ps, int kind)
{
	for (size_t i = 0; i < e->n_pools; i++) {
		struct engine__pool *p = &e->pools[i];
		long k = place_index(p, ps);
		if (k < 0)
			continue;
		/* AWS says it is full although the count says otherwise (resources the
		 * listings do not show): no room of that kind there until its next listing */
		p->full[k] |= (uint8_t)(1u << kind);
		p->dirty = true;
	}
}

static void on_quota(int status, const struct cloud_error *err, uint64_t value, void *data)
{
	struct quota_call *q = data;
	struct engine *e = q->e;
	struct engine__pool *p = &e->pools[q->pool];

	e->pool_calls--;
	if (status == 0) {
		if (q->roles) {
			p->quota_roles[q->place] = value;
		} else {
			if (p->quota_failing[q->place])
				log_info("%s: quota %s read again: %llu", p->places[q->place]->place.key,
					 QUOTA_PROFILES, (unsigned long long)value);
			p->quota_profiles[q->place] = value;
			p->quota_failing[q->place] = false;
		}
	} else if (!q->roles && status != -ECANCELED && !p->quota_failing[q->place]) {
		/* once, not at every resync: a role without servicequotas:GetServiceQuota
		 * would say it for every place every time */
		p->quota_failing[q->place] = true;
		log_warning("%s: quota %s not read (%s%s%s): %s, until it is read", p->places[q->place]->place.key,
			    QUOTA_PROFILES, err ? err->code : strerror(-status), err && err->message[0] ? ": " : "",
			    err ? err->message : "",
			    p->quota_profiles[q->place] == ENGINE__QUOTA_UNREAD ? "assuming capacity.profiles"
										: "keeping the value last read");
	}
	if (!q->roles)
		p->quota_read[q->place] = true;
	free(q);
	p->dirty = true;
	e->pool_report(e, p); /* also ends a drain waiting for this call */
}

static void ask(struct engine *e, size_t pool, size_t place, bool roles)
{
	struct quota_call *q = xcalloc(1, sizeof(*q));
	struct engine__pool *p = &e->pools[pool];
	int r;

	q->e = e;
	q->pool = pool;
	q->place = place;
	q->roles = roles;
	if (!roles && !p->quota_asked_ms[place])
		p->quota_asked_ms[place] = uv_now(e->loop) + 1;
	r = e->cloud->quota(e->cloud_ctx, &p->places[place]->place, roles ? "iam" : "bedrock",
			    roles ? QUOTA_ROLES : QUOTA_PROFILES, on_quota, q);
	if (r < 0) {
		free(q);
		if (!roles)
			p->quota_read[place] = true; /* the configuration's value, until the next resync */
		return;
	}
	e->pool_calls++;
}

void engine__pools_listed(struct engine *e, struct place_state *ps)
{
	for (size_t i = 0; i < e->n_pools; i++) {
		struct engine__pool *p = &e->pools[i];
		long k = place_index(p, ps);
		if (k < 0)
			continue;
		p->full[k] = 0;
		/* the quotas are read again at each listing (each resync) */
		if (e->cloud->quota && !e->closing) {
			ask(e, i, (size_t)k, false);
			ask(e, i, (size_t)k, true);
		}
		changed(e, p);
	}
}

void engine__pools_unreachable(struct engine *e, struct place_state *ps)
{
	for (size_t i = 0; i < e->n_pools; i++)
		if (place_index(&e->pools[i], ps) >= 0)
			changed(e, &e->pools[i]);
}

const struct placement_place *engine__pool_capacity(struct engine *e, struct engine__pool *p)
{
	if (p->dirty)
		recount(e, p);
	return p->cap;
}
