/* Moves across places (docs/operations.md "Moves"): a tenant whose place changes (its
 * manifest's spec.account or spec.region, a pool tenant given a Region or an account)
 * is built in full in the new place first; its old place stays serving until the new
 * set is Ready, then drains and is emptied (state/move.h decides what goes).
 *
 * Durable: the record's fact "place" names the current place, and one fact
 * "moving-from\nPLACE" per old place is written before anything is created in the new
 * one (the create's intent sync carries it to disk). With a lost state store, a listed
 * place that holds resources of a tenant placed elsewhere becomes an old place again
 * (engine__move_found), so nothing is left behind there for good. The new place is
 * never an old place: noting a place clears its moving-from fact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "log.h"
#include "move.h"
#include "xalloc.h"

/* The place `key` stops being an old place of t (it is its place again). */
static void unmove(struct engine *e, struct tenant_entry *t, const char *key)
{
	char *fact = record_key_moving_from(key), *timer = record_key_move_timer(key);

	if (record_fact(t->record, fact)) {
		engine__put_fact(e, t, fact, NULL);
		if (record_clear_timer(t->record, timer) && store_clear_timer(e->store, t->id, timer) < 0)
			engine__store_failed(e);
		engine__note(e, t, engine__wall(e), "back in %s: its resources there are kept", key);
	}
	free(fact);
	free(timer);
}

static struct place_state *old_place(struct engine *e, const char *key);

/* old becomes an old place of t. place_changed: t's place changed (its new set is to
 * be built, and serves only once Ready); else its resources were found in old while
 * its place stayed, and the set that serves stays the one that did. */
static void add_old_place(struct engine *e, struct tenant_entry *t, const char *old, const char *to, const char *why,
			  bool place_changed)
{
	char *fact = record_key_moving_from(old), since[32];

	if (!record_fact(t->record, fact)) {
		snprintf(since, sizeof(since), "%lld", (long long)engine__wall(e));
		engine__put_fact(e, t, fact, since);
		engine__note(e, t, engine__wall(e),
			     "moving from %s to %s (%s): the new set first, then the old one "
			     "drains and goes",
			     old, t->place ? t->place->key : "?", why);
		log_tenant(LOG_LVL_NOTICE, t->id, "moving from %s (%s)", old, why);
		if (place_changed)
			t->move_switched = false;
	}
	free(fact);
	old_place(e, old); /* listed (after a restart too): it serves until the switch */
}

bool engine__place_renamed(struct engine *e, struct tenant_entry *t, const struct place *q)
{
	const char *fact = record_fact(t->record, ENGINE__FACT_PLACE);
	const char *id = record_fact(t->record, ENGINE__FACT_ACCOUNT);
	const struct place_state *was = fact ? hashmap_get(&e->places, fact) : NULL;
	const char *r1 = fact ? strchr(fact, '/') : NULL, *r2 = strchr(q->key, '/');

	if (!r1 || !r2 || strcmp(r1, r2) != 0 || !strcmp(fact, q->key))
		return false;
	if (!(was && place_same_place(&was->place, q)) && !(id && q->account_id && !strcmp(id, q->account_id)))
		return false;
	/* one place in AWS: nothing moves, only its name in the record */
	engine__note(e, t, engine__wall(e), "its place %s is named %s now (the same account and Region)", fact, q->key);
	engine__put_fact(e, t, ENGINE__FACT_PLACE, q->key);
	return true;
}

struct place_state *engine__move_stays(struct engine *e, const struct tenant_entry *t, const char *key)
{
	const char *fact = record_fact(t->record, ENGINE__FACT_PLACE);
	const struct place_state *to = hashmap_get(&e->places, key);
	struct place_state *old;

	if (!fact || !record_fact(t->record, ENGINE__FACT_ACCOUNT) || !strcmp(fact, key) || !t->desired || t->removed)
		return NULL;
	old = engine__place_for_key(e, fact, e->place_report);
	return old && place_move_waits(t->record, &old->place, key, to ? to->place.account_id : NULL) ? old : NULL;
}

bool engine__move_note(struct engine *e, struct tenant_entry *t, const char *key)
{
	const char *fact = record_fact(t->record, ENGINE__FACT_PLACE);
	const struct place_state *now = hashmap_get(&e->places, key);

	if (fact && !strcmp(fact, key) && !engine__moving(t))
		return true; /* every reconcile asks: nothing to write */
	if (now && !engine__moving(t) && engine__place_renamed(e, t, &now->place))
		return true;
	if (engine__move_stays(e, t, key))
		return false;
	unmove(e, t, key);
	fact = record_fact(t->record, ENGINE__FACT_PLACE); /* unmove may have rewritten the facts */
	if (fact && !strcmp(fact, key))
		return true;
	if (fact) {
		char *old = xstrdup(fact);
		engine__set_place_fact(e, t, key);
		add_old_place(e, t, old, key, "its place changed", true);
		free(old);
	} else {
		engine__set_place_fact(e, t, key);
	}
	return true;
}

void engine__set_place_fact(struct engine *e, struct tenant_entry *t, const char *key)
{
	engine__put_fact(e, t, ENGINE__FACT_PLACE, key);
	/* the account id is the new place's, noted once known (engine__account_note) */
	if (record_fact(t->record, ENGINE__FACT_ACCOUNT))
		engine__put_fact(e, t, ENGINE__FACT_ACCOUNT, NULL);
}

void engine__account_note(struct engine *e, struct tenant_entry *t, const struct place_state *ps)
{
	const char *id = engine__place_account_id(ps);
	const char *fact = record_fact(t->record, ENGINE__FACT_ACCOUNT);

	if (id && (!fact || strcmp(fact, id)))
		engine__put_fact(e, t, ENGINE__FACT_ACCOUNT, id);
}

/* The place of key is in a's account (as far as the places known tell). */
static bool account_of_key_is(struct engine *e, const char *key, const struct place *a)
{
	struct place_state *ps = hashmap_get(&e->places, key);
	char *alias;
	bool same;

	if (ps)
		return place_same_account(&ps->place, a);
	alias = place_key_alias(key); /* not created yet: by its alias */
	same = !strcmp(alias ? alias : "-", a->account ? a->account : "-");
	free(alias);
	return same;
}

/* Another place of ps's account is already t's old one (a move's, or the place it is
 * recorded in and leaves): the account's budget, which the listing of each of its
 * Regions shows, is that place's to delete, and makes no old place of ps. */
static bool account_known_old(struct engine *e, const struct tenant_entry *t, const struct place_state *ps)
{
	const char *fact = record_fact(t->record, ENGINE__FACT_PLACE), *key;

	if (fact && strcmp(fact, t->place->key) && strcmp(fact, ps->place.key) &&
	    account_of_key_is(e, fact, &ps->place))
		return true;
	for (size_t i = 0; (key = record_moving_from(t->record, i)); i++)
		if (strcmp(key, ps->place.key) && account_of_key_is(e, key, &ps->place))
			return true;
	return false;
}

/* The place of key is ps under another alias of its account. */
static bool same_place_as(struct engine *e, const char *key, const struct place_state *ps)
{
	const struct place_state *other = strcmp(key, ps->place.key) ? hashmap_get(&e->places, key) : NULL;

	return other && place_same_place(&other->place, &ps->place);
}

/* ps is, under another alias of its account, one of t's old places already (or the
 * place t's record names): one place, listed twice. */
static bool same_as_an_old_place(struct engine *e, const struct tenant_entry *t, const struct place_state *ps)
{
	const char *fact = record_fact(t->record, ENGINE__FACT_PLACE), *key;

	if (fact && same_place_as(e, fact, ps))
		return true;
	for (size_t i = 0; (key = record_moving_from(t->record, i)); i++)
		if (same_place_as(e, key, ps))
			return true;
	return false;
}

void engine__move_found(struct engine *e, struct tenant_entry *t, struct place_state *ps)
{
	struct observed_tenant o;
	bool left;

	if (!t->place || t->place == &ps->place || place_account_cmp(&ps->place, t->place) < 0 ||
	    place_same_place(&ps->place, t->place))
		return;
	if (same_as_an_old_place(e, t, ps))
		return; /* that place's end takes them */
	observed_tenant_collect(&ps->store, e->set.instance, t->id, NULL, &o);
	left = move_left_in(&o, e->set.instance,
			    !place_same_account(&ps->place, t->place) && !account_known_old(e, t, ps));
	observed_tenant_release(&o);
	if (left)
		add_old_place(e, t, ps->place.key, t->place->key, "its resources were found there by their tags",
			      false);
}

bool engine__moving(const struct tenant_entry *t)
{
	return record_moving_from(t->record, 0) != NULL;
}

/* The place of key "alias/region" ("-": the default account), created (and listed)
 * the first time. */
static struct place_state *old_place(struct engine *e, const char *key)
{
	struct place_state *ps = engine__place_for_key(e, key, e->place_report);

	if (ps)
		ps->moves_from = true;
	return ps;
}

struct place_state *engine__serving(const struct engine *e, const struct tenant_entry *t)
{
	struct place_state *home = t->place ? hashmap_get(&e->places, t->place->key) : NULL;
	const char *key;

	if (!home && !t->removed) { /* waiting for room to move: the recorded place serves */
		const char *fact = record_fact(t->record, ENGINE__FACT_PLACE);
		home = fact ? hashmap_get(&e->places, fact) : NULL;
	}
	for (size_t i = 0; !t->move_switched && (key = record_moving_from(t->record, i)); i++) {
		struct place_state *ps = hashmap_get(&e->places, key);
		const struct observed_group *g = ps && ps->listed ? observed_store_group(&ps->store, t->id) : NULL;
		if (g && g->n_profiles)
			return ps;
	}
	return home && home->listed ? home : NULL;
}

const struct observed_profile **engine__move_granted(struct engine *e, const struct tenant_entry *t,
						     const struct place_state *home, size_t *ret_n)
{
	const struct observed_profile **v = NULL;
	size_t n = 0, alloc = 0;
	const char *key;

	for (size_t i = 0; (key = record_moving_from(t->record, i)); i++) {
		struct place_state *ps = hashmap_get(&e->places, key);
		const struct observed_group *g = ps && ps->listed ? observed_store_group(&ps->store, t->id) : NULL;
		if (g && place_same_account(&ps->place, &home->place))
			move_granted_add(&ps->store, g, e->set.instance, t->id, &v, &n, &alloc);
	}
	*ret_n = n;
	return v;
}

/* Actions of src appended to dst (src keeps none). */
static void take_actions(struct plan *dst, struct plan *src)
{
	if (src->n_actions) { /* dst->actions may be NULL, and src's: no memcpy of NULL */
		XGROW(dst->actions, dst->n_actions + src->n_actions, dst->alloc_actions);
		memcpy(dst->actions + dst->n_actions, src->actions, src->n_actions * sizeof(*src->actions));
		dst->n_actions += src->n_actions;
	}
	src->n_actions = 0;
	if (src->wake_at)
		plan_wake(dst, src->wake_at);
	dst->held |= src->held;
}

/* Another old place of t in ps's account still holds profiles of t (or is not listed
 * yet): the account's budget, enforcement and role policies stay for its end. */
static bool account_needed_elsewhere(struct engine *e, const struct tenant_entry *t, const struct place_state *ps)
{
	const char *key;

	for (size_t i = 0; (key = record_moving_from(t->record, i)); i++) {
		struct place_state *other = hashmap_get(&e->places, key);
		if (!other || other == ps || !place_same_account(&other->place, &ps->place))
			continue;
		if (!other->listed || move_holds_profiles(&other->store, observed_store_group(&other->store, t->id),
							  e->set.instance, t->id))
			return true;
	}
	return false;
}

bool engine__move_round(struct reconcile *r)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *to = r->home, *with_calls = NULL;
	const char *key;
	bool any = false;
	size_t i;

	if (!engine__moving(t) || (t->desired && t->desired->suspended && !t->removed))
		return false;
	t->move_switched = true; /* the new set is Ready: it is what the daemon reports now */
	for (i = 0; (key = record_moving_from(t->record, i)); i++) {
		struct place_state *ps = old_place(e, key);
		struct diff_settings ds = { e->set.instance,	   ps ? ps->place.account_id : NULL,
					    e->set.grace_s,	   e->set.drain_s,
					    e->set.execution_role, ps ? ps->place.region : NULL };
		struct observed_tenant o;
		struct move_input in;
		struct plan p;

		if (ps == to) /* cannot be: noting a place clears its fact */
			continue;
		if (!ps || !ps->listed || place_account_cmp(&ps->place, &to->place) < 0) {
			plan_wake(&r->plan, engine__wall(e) + 5); /* listed, its account known in a while */
			continue;
		}
		if (place_same_place(&ps->place, &to->place)) { /* another alias of the same account */
			struct action *a = plan_add(&r->plan, ACT_FACT_CLEAR, "%s is %s under another name: no move",
						    key, to->place.key);
			a->resource = record_key_moving_from(key);
			any = true;
			continue;
		}
		observed_tenant_collect(&ps->store, e->set.instance, t->id, t->desired, &o);
		in = (struct move_input){
			.tenant_id = t->id,
			.from = key,
			.to = to->place.key,
			.desired = t->desired,
			.deletion_policy = t->desired ? t->desired->deletion_policy : t->record->deletion_policy,
			.record = t->record,
			.observed = &o,
			.same_account = place_same_account(&ps->place, &to->place),
			.keep_account = account_needed_elsewhere(e, t, ps),
			.deletions_held = t->held,
			.now = engine__wall(e),
		};
		move_out_diff(&ds, &in, &p);
		observed_tenant_release(&o);
		if (plan_aws_actions(&p) && with_calls) { /* one place's calls per round */
			plan_wake(&r->plan, engine__wall(e));
			plan_release(&p);
			continue;
		}
		if (plan_aws_actions(&p))
			with_calls = ps;
		any |= p.n_actions || p.wake_at || p.held;
		take_actions(&r->plan, &p);
		plan_release(&p);
	}
	if (with_calls) {
		r->ps = with_calls;
		r->moving_out = true;
	}
	return any;
}

/* The i-th place where t's old set may still serve: its move's old places until the
 * switch, and, while it waits for a place to move to, the one it lives in (its place
 * fact). NULL past the last. */
static const char *serving_key(const struct tenant_entry *t, size_t i)
{
	const char *fact = t->place ? NULL : record_fact(t->record, ENGINE__FACT_PLACE);

	if (fact && i-- == 0)
		return fact;
	return t->move_switched ? NULL : record_moving_from(t->record, i);
}

struct place_state *engine__serving_old(const struct engine *e, const struct tenant_entry *t, size_t *cursor)
{
	const char *key;
	void *v;

	if (t->removed || !t->desired || t->desired->suspended) /* suspended: nothing live is touched */
		return NULL;
	if (!t->place && !record_fact(t->record, ENGINE__FACT_PLACE)) {
		/* no place, none recorded (a state store lost while it waits): every place
		 * whose listing shows resources tagged with it */
		while (hashmap_next(&e->places, cursor, NULL, &v)) {
			struct place_state *ps = v;
			if (ps->listed && observed_store_group(&ps->store, t->id))
				return ps;
		}
		return NULL;
	}
	while ((key = serving_key(t, (*cursor)++))) {
		struct place_state *ps = hashmap_get(&e->places, key);
		if (ps && (!t->place || strcmp(ps->place.key, t->place->key)) && ps->listed &&
		    (!t->place || place_account_cmp(&ps->place, t->place) >= 0) &&
		    observed_store_group(&ps->store, t->id))
			return ps;
	}
	return NULL;
}

bool engine__serving_round(struct reconcile *r)
{
	struct engine *e = r->e;
	struct tenant_entry *t = r->t;
	struct place_state *ps;
	size_t at = 0;

	while ((ps = engine__serving_old(e, t, &at))) {
		struct diff_settings ds = { e->set.instance, ps->place.account_id,  e->set.grace_s,
					    e->set.drain_s,  e->set.execution_role, ps->place.region };
		struct observed_tenant o;
		struct move_input in = {
			.tenant_id = t->id,
			.from = ps->place.key,
			.to = t->place ? t->place->key : NULL,
			.desired = t->desired,
			.record = t->record,
			.observed = &o,
			.now = engine__wall(e),
		};

		observed_tenant_collect(&ps->store, e->set.instance, t->id, t->desired, &o);
		move_serving_diff(&ds, &in, &r->plan);
		observed_tenant_release(&o);
		if (plan_aws_actions(&r->plan)) {
			r->ps = ps;
			r->moving_out = true;
			return true;
		}
		plan_release(&r->plan);
	}
	plan_init(&r->plan);
	return false;
}

const char *engine_moving_from(const struct engine *e, const struct tenant_entry *t, size_t i,
			       const struct observed_store **ret_store)
{
	const char *key = record_moving_from(t->record, i);
	struct place_state *ps = key ? hashmap_get(&e->places, key) : NULL;

	*ret_store = ps && ps->listed ? &ps->store : NULL;
	return key;
}
