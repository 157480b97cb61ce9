/* Places: one observed model per (account, region), filled by full listings and by
 * the daemon's own writes. A place reports each listing and account-id answer to the
 * engine (its report callback), which decides what follows for the tenants. */
#include "engine_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "log.h"
#include "observed_carry.h"
#include "xalloc.h"

#define RELIST_MIN_MS 5000
#define RELIST_MAX_MS (5 * 60 * 1000)

static void resolve_account(struct place_state *ps);
static void account_id_heard_before(struct place_state *ps);

/* A place's store weighs a name against every tenant the engine knows (ownership by
 * name, owned_by_tenant), and a role's policy name against those placed in its
 * account (ctx: the place_state). */
static bool engine_knows_tenant(const void *ctx, const char *id, const struct tenant **ret_desired)
{
	const struct place_state *ps = ctx;
	const struct tenant_entry *t = hashmap_get(&ps->e->tenants, id);

	if (ret_desired)
		*ret_desired = t && !t->removed ? t->desired : NULL;
	return t != NULL;
}

/* The tenant is placed in the place's account (the same alias; NULL: the daemon's own). */
static bool engine_tenant_in_account(const void *ctx, const char *id)
{
	const struct place_state *ps = ctx;
	const struct tenant_entry *t = hashmap_get(&ps->e->tenants, id);
	const char *a = t && t->place ? t->place->account : NULL, *b = ps->place.account;

	return t && t->place && (a == b || (a && b && strcmp(a, b) == 0));
}

static void knows_engine_tenants(struct place_state *ps)
{
	ps->store.knows_tenant = engine_knows_tenant;
	ps->store.in_account = engine_tenant_in_account;
	ps->store.knows_ctx = ps;
}

static char *place_key(const char *account, const char *region)
{
	return xasprintf("%s/%s", account ? account : "-", region ? region : "-");
}

static char *meta_key(const char *account)
{
	return xasprintf("account-id:%s", account ? account : "-");
}

/* The members map's key: the tenant entry's own id. */
static const char *member_key(const void *entry)
{
	return ((const struct tenant_entry *)entry)->id;
}

static void list_failed(struct place_state *ps, char *why);

struct place_state *engine__place_for(struct engine *e, const char *account, const char *region,
				      engine__place_report_fn *report)
{
	char *key = place_key(account, region);
	struct place_state *ps = hashmap_get(&e->places, key);

	if (ps) {
		free(key);
		return ps;
	}
	ps = xcalloc(1, sizeof(*ps));
	ps->e = e;
	ps->report = report;
	ps->place.key = key;
	ps->place.account = xstrdup_or_null(account);
	ps->place.region = xstrdup_or_null(region);
	ps->place.ssm_tier = e->set.ssm_tier ? e->set.ssm_tier : "Standard";
	ps->place.list_enforcement = e->set.execution_role != NULL;
	ps->tags_phase = (unsigned)(e->places.n % ENGINE_TAGS_EVERY); /* spread evenly */
	observed_store_init(&ps->store);
	knows_engine_tenants(ps);
	hashmap_init_keyed(&ps->members, member_key);
	hashmap_init(&ps->listing_elsewhere);
	ps->place.seen = &ps->store;
	hashmap_put(&e->places, key, ps);

	if (account && e->set.account_known && !e->set.account_known(account, e->set.account_data)) {
		/* placed here before the account left the configuration: with the default
		 * credentials its calls would reach another account; nothing here is
		 * listed nor written to, so nothing of it moves nor goes, until a restart
		 * with the account configured again */
		ps->unknown_account = true;
		list_failed(ps, xasprintf("the configuration names no account %s: its tenants are left as they are "
					  "until it does again (a restart applies accounts:)",
					  account));
		log_error("place %s: %s", key, ps->list_error);
		return ps;
	}
	/* the account id: from the configuration, or from STS, asked at every start (the
	 * daemon's own credentials may be another account's than at an earlier run: its
	 * tenants made in the first then wait, place_account_moved); what an earlier run
	 * heard serves only while STS cannot be asked. Budgets need the id: when STS must
	 * tell it, the place is listed once it has. */
	engine__places_ids_changed(e);
	if (e->set.account_id_of)
		ps->place.account_id = xstrdup_or_null(e->set.account_id_of(account, e->set.account_data));
	if (!ps->place.account_id)
		resolve_account(ps);
	if (!ps->place.account_id && !ps->resolving)
		account_id_heard_before(ps);
	if (!ps->resolving)
		engine__place_list(ps);
	return ps;
}

const char *engine__place_account_id(const struct place_state *ps)
{
	return ps->place.account_id;
}

static void release_journal_entry(struct journal_entry *j)
{
	observed_profile_free(j->profile);
	observed_parameter_free(j->parameter);
	observed_budget_free(j->budget);
	observed_deny_policy_free(j->deny);
	free(j->key);
}

/* ---- what a listing replaced: freed over several turns ---- */

/* Resources (or journal entries) freed per turn: about 2 ms of free() at 10,000
 * tenants, where a listing's old store alone was 110-160 ms in one turn. */
#define REAP_PER_TURN 1000
#define REAP_DELAY_MS 1

/* Once the queue is empty, what it freed goes back to the system: glibc keeps freed
 * memory in the arena that held it (a snapshot is built on a worker thread, in that
 * thread's arena), so without a trim every resync leaves an old store's worth of
 * pages resident per arena. At most once every REAP_TRIM_MS: a trim walks the free
 * chunks of every arena. A trim after the work is done (engine__places_idle) also
 * has the state store's log file cut back, off the loop (store_checkpoint.h). */
#define REAP_TRIM_MS 10000

static void on_reap(uv_timer_t *timer);

static void trim_heap(struct engine *e)
{
	uint64_t now = uv_now(e->loop);

	if (!e->trim_owed || e->closing)
		return;
	if (e->trimmed_at_ms && now - e->trimmed_at_ms < REAP_TRIM_MS) {
		uv_timer_start(&e->reap, on_reap, REAP_TRIM_MS - (now - e->trimmed_at_ms), 0);
		return;
	}
	heap_give_back();
	if (e->log_cut_owed)
		store_checkpoint_cut(e->checkpoint);
	e->log_cut_owed = false;
	e->trimmed_at_ms = now;
	e->trimmed_reconciles = e->n_reconciles;
	e->heap_trims++;
	e->trim_owed = false;
}

static void on_reap(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	size_t budget = REAP_PER_TURN;

	e->trim_owed = e->trim_owed || e->n_dead_journal || e->n_dead_stores;

	while (budget && e->dead_journal_pos < e->n_dead_journal) {
		release_journal_entry(&e->dead_journal[e->dead_journal_pos++]);
		budget--;
	}
	if (e->dead_journal_pos == e->n_dead_journal)
		e->n_dead_journal = e->dead_journal_pos = 0;
	while (budget && e->n_dead_stores) {
		struct observed_store *s = e->dead_stores[0];
		if (!observed_store_release_step(s, budget))
			break;
		free(s);
		memmove(e->dead_stores, e->dead_stores + 1, --e->n_dead_stores * sizeof(*e->dead_stores));
		break; /* one store a turn at most */
	}
	/* never re-armed at 0 ms: the loop polls between two steps */
	if ((e->n_dead_journal || e->n_dead_stores) && !e->closing)
		uv_timer_start(&e->reap, on_reap, REAP_DELAY_MS, 0);
	else
		trim_heap(e);
}

static void reap_later(struct engine *e)
{
	/* not armed, or armed only for a trim later: freeing starts now */
	if (!e->closing && (!uv_is_active((uv_handle_t *)&e->reap) || uv_timer_get_due_in(&e->reap) > REAP_DELAY_MS))
		uv_timer_start(&e->reap, on_reap, REAP_DELAY_MS, 0);
}

void engine__places_idle(struct engine *e)
{
	if (e->closing || e->n_reconciles - e->trimmed_reconciles < ENGINE__TRIM_RECONCILES)
		return;
	e->trim_owed = true;
	e->log_cut_owed = true;
	reap_later(e);
}

static void reap_store_later(struct engine *e, const struct observed_store *s)
{
	XGROW(e->dead_stores, e->n_dead_stores + 1, e->alloc_dead_stores);
	e->dead_stores[e->n_dead_stores] = xmalloc(sizeof(**e->dead_stores));
	*e->dead_stores[e->n_dead_stores++] = *s;
	reap_later(e);
}

static void reap_journal_later(struct engine *e, const struct journal_entry *j, size_t n)
{
	if (!n)
		return;
	XGROW(e->dead_journal, e->n_dead_journal + n, e->alloc_dead_journal);
	memcpy(e->dead_journal + e->n_dead_journal, j, n * sizeof(*j));
	e->n_dead_journal += n;
	reap_later(e);
}

void engine__places_reap_release(struct engine *e)
{
	for (size_t i = e->dead_journal_pos; i < e->n_dead_journal; i++)
		release_journal_entry(&e->dead_journal[i]);
	free(e->dead_journal);
	for (size_t i = 0; i < e->n_dead_stores; i++) {
		while (!observed_store_release_step(e->dead_stores[i], SIZE_MAX))
			;
		free(e->dead_stores[i]);
	}
	free(e->dead_stores);
}

size_t engine__places_calls(const struct engine *e)
{
	size_t pos = 0, n = 0;
	void *v;

	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		const struct place_state *ps = v;
		n += ps->listing + ps->resolving;
	}
	return n;
}

void engine__place_free(void *p)
{
	struct place_state *ps = p;

	for (size_t i = 0; i < ps->n_journal; i++)
		release_journal_entry(&ps->journal[i]);
	free(ps->journal);
	free(ps->list_error);
	engine__slots_release(ps);
	observed_store_release(&ps->store);
	hashmap_release(&ps->members, NULL);
	hashmap_release(&ps->listing_elsewhere, NULL);
	free(ps->place.key);
	free(ps->place.account);
	free(ps->place.account_id);
	free(ps->place.region);
	free(ps);
}

struct place_state *engine__place_for_key(struct engine *e, const char *key, engine__place_report_fn *report)
{
	const char *slash = strchr(key, '/');
	struct place_state *ps = slash ? hashmap_get(&e->places, key) : NULL;
	char *account;

	if (ps || !slash)
		return ps;
	account = place_key_alias(key);
	ps = engine__place_for(e, account, slash + 1, report);
	free(account);
	return ps;
}

/* engine__set_place: t's place is ps from now (NULL: none), in t->place and in the
 * places' members. */
void engine__set_place(struct engine *e, struct tenant_entry *t, struct place_state *ps)
{
	struct place_state *was = t->place ? hashmap_get(&e->places, t->place->key) : NULL;

	if (was == ps)
		return;
	if (was)
		hashmap_remove(&was->members, t->id);
	t->place = ps ? &ps->place : NULL;
	if (ps)
		hashmap_put(&ps->members, t->id, t);
	if (was && ps)
		engine__account_bring(e, t, ps);
	engine__pools_placed(e, t, was, ps);
}

/* ---- the account id ---- */

/* The account id an earlier run heard from STS for ps's account, if any. */
static void account_id_heard_before(struct place_state *ps)
{
	char *mk = meta_key(ps->place.account), *v = NULL;

	if (store_get_meta(ps->e->store, mk, &v) == 0)
		ps->place.account_id = v;
	free(mk);
}

static void on_account(int status, const struct cloud_error *err, const char *account_id, void *data)
{
	struct place_state *ps = data;
	struct engine *e = ps->e;

	ps->resolving = false;
	if (e->closing)
		goto report;
	if (status < 0) {
		if (!ps->place.account_id)
			account_id_heard_before(ps);
		if (ps->place.account_id)
			log_warning("place %s: STS cannot tell the account id (%s: %s); %s, as an earlier run heard it",
				    ps->place.key, err ? err->code : "error", err ? err->message : strerror(-status),
				    ps->place.account_id);
		else
			log_warning("place %s: the account id is unknown (%s: %s); retrying with the next listing",
				    ps->place.key, err ? err->code : "error", err ? err->message : strerror(-status));
		if (!ps->listed && !ps->listing)
			engine__place_list(ps); /* profiles and parameters need no account id */
		goto report;
	}
	free(ps->place.account_id);
	ps->place.account_id = xstrdup(account_id);
	engine__places_ids_changed(e);
	{
		char *mk = meta_key(ps->place.account);
		if (store_put_meta(e->store, mk, account_id) < 0)
			engine__store_failed(e);
		free(mk);
	}
	log_info("place %s: account %s", ps->place.key, account_id);
	if (!ps->listing && (!ps->listed || !ps->store.budgets_listed))
		engine__place_list(ps); /* the first listing, or one with the budgets */
report:
	ps->report(e, ps, &(struct engine__place_outcome){ .listed = false });
}

static void resolve_account(struct place_state *ps)
{
	struct engine *e = ps->e;

	if (ps->resolving || !e->cloud->account_id)
		return;
	ps->resolving = true;
	if (e->cloud->account_id(e->cloud_ctx, &ps->place, on_account, ps) < 0)
		ps->resolving = false;
}

/* ---- the journal of own writes ---- */

/* Only while a listing of the place is under way: a listing that starts later sees the
 * write itself (and drops every entry answered before it started), so an entry made
 * between listings would never be replayed. The write counter counts every answer. */
void engine__places_ids_changed(struct engine *e)
{
	e->twins_known = false;
}

/* Whether two places of e are one (worked out again only after a change of places). */
static bool any_twins(struct engine *e)
{
	size_t i = 0, j;
	void *a, *b;

	if (e->twins_known)
		return e->has_twins;
	e->twins_known = true;
	e->has_twins = false;
	while (!e->has_twins && hashmap_next(&e->places, &i, NULL, &a))
		for (j = i; !e->has_twins && hashmap_next(&e->places, &j, NULL, &b);)
			e->has_twins = place_same_place(&((struct place_state *)a)->place,
							&((struct place_state *)b)->place);
	return e->has_twins;
}

/* The profile arn, or the parameter name, as ps's model now has it, into twin's. */
static void mirror_profile(struct place_state *twin, const struct place_state *ps, const char *arn)
{
	const struct observed_profile *p = observed_store_profile(&ps->store, arn);

	if (p) {
		observed_store_put_profile(&twin->store, observed_profile_dup(p));
		engine__place_journal(twin, JOURNAL_PROFILE_PUT, p, NULL, NULL);
	} else if (observed_store_remove_profile(&twin->store, arn)) {
		engine__place_journal(twin, JOURNAL_PROFILE_DELETE, NULL, NULL, arn);
	}
}

static void mirror_parameter(struct place_state *twin, const struct place_state *ps, const char *name)
{
	const struct observed_parameter *q = observed_store_parameter(&ps->store, name);

	if (q) {
		observed_store_put_parameter(&twin->store, observed_parameter_dup(q));
		engine__place_journal(twin, JOURNAL_PARAMETER_PUT, NULL, q, NULL);
	} else if (observed_store_remove_parameter(&twin->store, name)) {
		engine__place_journal(twin, JOURNAL_PARAMETER_DELETE, NULL, NULL, name);
	}
}

void engine__places_mirror(struct engine *e, struct place_state *ps, const struct action *a)
{
	const struct observed_profile *created = NULL;
	const char *arn = NULL, *name = NULL;
	size_t pos = 0;
	void *v;

	if (!any_twins(e))
		return;
	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		created = a->name ? observed_store_profile_by_name(&ps->store, a->name) : NULL;
		arn = created ? created->arn : NULL;
		break;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
	case ACT_PROFILE_DELETE:
	case ACT_PROFILE_READ_TAGS:
		arn = a->resource;
		break;
	case ACT_PARAM_CREATE:
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
	case ACT_PARAM_DELETE:
	case ACT_PARAM_READ_TAGS:
		name = a->resource;
		break;
	default:
		return; /* budgets and IAM are the account's: each place keeps its tenants' */
	}
	while ((arn || name) && hashmap_next(&e->places, &pos, NULL, &v)) {
		struct place_state *twin = v;
		if (twin == ps || !twin->listed || !place_same_place(&twin->place, &ps->place))
			continue;
		if (arn)
			mirror_profile(twin, ps, arn);
		else
			mirror_parameter(twin, ps, name);
	}
}

struct journal_entry *engine__place_journal(struct place_state *ps, enum journal_kind kind,
					    const struct observed_profile *profile,
					    const struct observed_parameter *parameter, const char *key)
{
	struct journal_entry *j;
	uint64_t now = uv_now(ps->e->loop), horizon = ps->e->set.journal_ms;
	size_t keep = 0;

	ps->write_seq++;
	if (kind == JOURNAL_PARAMETER_PUT || kind == JOURNAL_PARAMETER_DELETE)
		ps->params_seq = ps->write_seq;
	if (!ps->listing)
		return NULL;
	/* drop what is older than the horizon first (entries are in time order) */
	while (keep < ps->n_journal && ps->journal[keep].at_ms + horizon < now)
		release_journal_entry(&ps->journal[keep++]);
	if (keep) {
		memmove(ps->journal, ps->journal + keep, (ps->n_journal - keep) * sizeof(*ps->journal));
		ps->n_journal -= keep;
	}
	XGROW(ps->journal, ps->n_journal + 1, ps->alloc_journal);
	j = &ps->journal[ps->n_journal++];
	memset(j, 0, sizeof(*j));
	j->seq = ps->write_seq;
	j->at_ms = now;
	j->kind = kind;
	j->profile = profile ? observed_profile_dup(profile) : NULL;
	j->parameter = parameter ? observed_parameter_dup(parameter) : NULL;
	j->key = xstrdup_or_null(key);
	return j;
}

/* place_journal_budget: b (a copy is kept) was written; deleted names a budget gone. */
void engine__place_journal_budget(struct place_state *ps, const struct observed_budget *b, const char *deleted)
{
	struct journal_entry *j = engine__place_journal(ps, b ? JOURNAL_BUDGET_PUT : JOURNAL_BUDGET_DELETE, NULL, NULL,
							deleted);

	if (j && b)
		j->budget = observed_budget_dup(b);
}

void engine__place_journal_deny(struct place_state *ps, const struct observed_deny_policy *p, const char *deleted)
{
	struct journal_entry *j = engine__place_journal(ps, p ? JOURNAL_DENY_POLICY_PUT : JOURNAL_DENY_POLICY_DELETE,
							NULL, NULL, deleted);

	if (j && p)
		j->deny = observed_deny_policy_dup(p);
}

/* A listing that started after an answer came is authoritative over it: such entries
 * go (they are in order), and so do entries past the horizon. */
static void drop_superseded(struct place_state *ps, uint64_t listing_start_seq)
{
	uint64_t now = uv_now(ps->e->loop), horizon = ps->e->set.journal_ms;
	size_t drop = 0;

	while (drop < ps->n_journal &&
	       (ps->journal[drop].seq <= listing_start_seq || ps->journal[drop].at_ms + horizon < now))
		drop++;
	reap_journal_later(ps->e, ps->journal, drop); /* freed over the next turns */
	if (drop) {
		memmove(ps->journal, ps->journal + drop, (ps->n_journal - drop) * sizeof(*ps->journal));
		ps->n_journal -= drop;
	}
}

/* What the daemon wrote while the listing was under way goes over the listing. */
static void replay_journal(struct place_state *ps, struct observed_store *snapshot)
{
	drop_superseded(ps, ps->listing_start_seq); /* none since only a listing journals; kept for safety */
	for (size_t i = 0; i < ps->n_journal; i++) {
		const struct journal_entry *j = &ps->journal[i];
		switch (j->kind) {
		case JOURNAL_PROFILE_PUT: {
			const struct observed_profile *seen = observed_store_profile(snapshot, j->profile->arn);
			struct observed_profile *p = observed_profile_dup(j->profile);
			p->listed = seen && seen->listed;
			observed_store_put_profile(snapshot, p);
			break;
		}
		case JOURNAL_PROFILE_DELETE:
			observed_store_remove_profile(snapshot, j->key);
			break;
		case JOURNAL_PARAMETER_PUT:
			observed_store_put_parameter(snapshot, observed_parameter_dup(j->parameter));
			break;
		case JOURNAL_PARAMETER_DELETE:
			observed_store_remove_parameter(snapshot, j->key);
			break;
		case JOURNAL_BUDGET_PUT:
			if (snapshot->budgets_listed) {
				struct observed_budget *b = observed_budget_dup(j->budget);
				const struct observed_budget *seen = observed_store_budget(snapshot, b->name);
				/* the listing's spend figures are newer than the write's */
				if (seen)
					observed_budget_put_amounts(b, observed_budget_limit_amount(b),
								    observed_budget_actual_spend(seen),
								    observed_budget_forecasted_spend(seen));
				observed_store_put_budget(snapshot, b);
			}
			break;
		case JOURNAL_BUDGET_DELETE:
			observed_store_remove_budget(snapshot, j->key);
			break;
		case JOURNAL_DENY_POLICY_PUT:
			if (snapshot->enforce_listed)
				observed_store_put_deny_policy(snapshot, observed_deny_policy_dup(j->deny));
			break;
		case JOURNAL_DENY_POLICY_DELETE:
			observed_store_remove_deny_policy(snapshot, j->key);
			break;
		}
	}
}

/* ---- listings ----
 *
 * At most max_listings places are listed at once; the others wait in line (list_queue,
 * first come first served) and start as listings end. A listing holds the snapshot it
 * builds beside the store it will replace: a resync or a start that listed every
 * place at once held all of them (at 100,000 tenants over 250 places, twice the
 * observed model: about 1.1 GB resident instead of 520 MB). The AWS calls are bounded
 * anyway (the HTTP client's max_in_flight, which max_listings follows), so the bound
 * costs no throughput. The places of one account still start together, beyond the
 * bound: a place starts at once while another of its account lists, started at the
 * current account_epoch, and joins that reading of the account (cloud.h) instead of
 * reading the account again later. A resync asks for the places in the order of
 * their keys, so the bound is passed by an account's other places at most. */

static const char *account_key(const struct place_state *ps)
{
	return ps->place.account ? ps->place.account : "-";
}

/* A resync's listing keeps the tags of the place's parameters and of the account's
 * budgets (one reading for the account's places, so the account decides) unless it is
 * their turn; any other listing reads them (the first, a retry, one asked for by a
 * reconcile), and so does the first one after the daemon wrote a parameter here. */
static void keep_tags(struct place_state *ps, bool resync)
{
	const struct engine *e = ps->e;
	unsigned account_phase = (unsigned)(hashmap_hash(account_key(ps)) % ENGINE_TAGS_EVERY);
	bool paced = resync && ps->listed;

	ps->place.keep_param_tags = paced && (e->resyncs + ps->tags_phase) % ENGINE_TAGS_EVERY != 0 &&
				    ps->params_seq <= ps->tags_seq;
	ps->place.keep_budget_tags = paced && (e->resyncs + account_phase) % ENGINE_TAGS_EVERY != 0;
}

static void relist_later(struct place_state *ps);
static void on_relist(uv_timer_t *timer);
static void on_listed(int status, const struct cloud_error *err, struct observed_store *snapshot, void *data);

/* ps's last listing failed: why (taken); since when is its first failure in a row. */
static void list_failed(struct place_state *ps, char *why)
{
	free(ps->list_error);
	ps->list_error = why;
	if (!ps->list_failing_since)
		ps->list_failing_since = engine__wall(ps->e);
}

/* ps's listing starts (+1) or ends (-1): counted for its account when started at the
 * account's latest epoch. */
static void account_listing(struct place_state *ps, int delta)
{
	struct engine *e = ps->e;
	struct engine__account_listings *a = hashmap_get(&e->account_listed, account_key(ps));

	if (!a) {
		a = xcalloc(1, sizeof(*a));
		hashmap_put(&e->account_listed, account_key(ps), a);
	}
	if (delta > 0 && a->epoch != ps->place.account_epoch) {
		a->epoch = ps->place.account_epoch;
		a->listing = 0;
	}
	if (a->epoch == ps->place.account_epoch && (delta > 0 || a->listing))
		a->listing += (unsigned)delta;
}

static void start_listing(struct place_state *ps, bool resync)
{
	struct engine *e = ps->e;
	struct hashmap budgets, policies;
	void *id;
	int r;

	ps->listing = true;
	e->listings++;
	ps->listing_without_account = !ps->place.account_id;
	ps->listing_start_seq = ps->write_seq;
	keep_tags(ps, resync);
	/* places listed between two answers (a resync lists them all in one turn) share
	 * their account's reads: none of them has journaled a write the reading missed */
	ps->place.account_epoch = e->tally.actions;
	account_listing(ps, +1);
	engine__account_left_elsewhere(e, ps, &budgets, &policies);
	ps->place.budgets_elsewhere = budgets.n ? &budgets : NULL;
	ps->place.policies_elsewhere = policies.n ? &policies : NULL;
	if (!e->list_prefix)
		engine__list_prefix_update(e);
	r = e->cloud->list(e->cloud_ctx, &ps->place, e->list_prefix, e->set.instance, on_listed, ps);
	ps->place.budgets_elsewhere = ps->place.policies_elsewhere = NULL;
	hashmap_release(&ps->listing_elsewhere, NULL);
	for (size_t pos = 0; r == 0 && hashmap_next(&budgets, &pos, NULL, &id);)
		hashmap_put(&ps->listing_elsewhere, id, NULL);
	for (size_t pos = 0; r == 0 && hashmap_next(&policies, &pos, NULL, &id);)
		hashmap_put(&ps->listing_elsewhere, id, NULL);
	hashmap_release(&budgets, NULL);
	hashmap_release(&policies, NULL);
	if (r < 0) {
		ps->listing = false;
		e->listings--;
		account_listing(ps, -1);
		log_warning("listing %s could not start: %s", ps->place.key, strerror(-r));
		list_failed(ps, xasprintf("could not start: %s", strerror(-r)));
		relist_later(ps);
	}
}

/* Room for ps's listing: under the bound, or another place of its account listing,
 * started at this epoch. */
static bool may_list(const struct engine *e, const struct place_state *ps)
{
	const struct engine__account_listings *a = hashmap_get(&e->account_listed, account_key(ps));

	return e->listings < e->set.max_listings || (a && a->epoch == e->tally.actions && a->listing);
}

/* The waiting places that have room now start, in their order. A listing that ends
 * from within a start (a cloud that answers at once) makes another pass. */
static void start_waiting(struct engine *e)
{
	if (e->starting_listings) {
		e->start_again = true;
		return;
	}
	e->starting_listings = true;
	do {
		size_t kept = 0;

		e->start_again = false;
		/* the queue may grow meanwhile (a listing asked for again): read at each step */
		for (size_t i = 0; i < e->n_list_queue; i++) {
			struct place_state *ps = e->list_queue[i];

			if (!e->closing && may_list(e, ps)) {
				ps->waiting = false;
				start_listing(ps, ps->waiting_resync);
			} else {
				e->list_queue[kept++] = ps;
			}
		}
		e->n_list_queue = kept;
	} while (e->start_again);
	e->starting_listings = false;
	if (e->closing) {
		for (size_t i = 0; i < e->n_list_queue; i++)
			e->list_queue[i]->waiting = false;
		e->n_list_queue = 0;
	}
}

static int by_key(const void *a, const void *b)
{
	return strcmp((*(struct place_state *const *)a)->place.key, (*(struct place_state *const *)b)->place.key);
}

/* In the order of their keys (account/region): an account's places one after the
 * other, so that those beyond the bound wait together and start together. */
void engine__places_resync(struct engine *e)
{
	struct place_state **all = xcalloc(e->places.n + 1, sizeof(*all));
	size_t pos = 0, n = 0;
	void *v;

	while (hashmap_next(&e->places, &pos, NULL, &v))
		all[n++] = v;
	qsort(all, n, sizeof(*all), by_key);
	engine__list_prefix_update(e);
	e->resyncs++;
	e->resyncing = true;
	for (size_t i = 0; i < n; i++)
		engine__place_list(all[i]);
	e->resyncing = false;
	free(all);
}

/* The relist timer: one for the engine, armed for the failed place due first. */
static void arm_relist(struct engine *e)
{
	uint64_t now = uv_now(e->loop), at = UINT64_MAX;
	size_t pos = 0;
	void *v;

	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		const struct place_state *ps = v;
		if (ps->failed && !ps->listing && !ps->waiting && ps->relist_at_ms < at)
			at = ps->relist_at_ms;
	}
	if (at == UINT64_MAX)
		uv_timer_stop(&e->relist);
	else
		uv_timer_start(&e->relist, on_relist, at > now ? at - now : 0, 0);
}

static void on_relist(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	uint64_t now = uv_now(e->loop);
	size_t pos = 0;
	void *v;

	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		struct place_state *ps = v;
		if (!ps->listing && ps->failed && ps->relist_at_ms <= now)
			engine__place_list(ps);
	}
	arm_relist(e);
}

/* ps is listed again after a delay of its own that doubles with each failure in a row,
 * from RELIST_MIN_MS up to RELIST_MAX_MS (a place whose budgets may not be read is not
 * listed again every few seconds because others succeed). */
static void relist_later(struct place_state *ps)
{
	ps->failed = true;
	ps->relist_delay_ms = ps->relist_delay_ms ? ps->relist_delay_ms * 2 : RELIST_MIN_MS;
	if (ps->relist_delay_ms > RELIST_MAX_MS)
		ps->relist_delay_ms = RELIST_MAX_MS;
	ps->relist_at_ms = uv_now(ps->e->loop) + ps->relist_delay_ms;
	arm_relist(ps->e);
}

static void on_listed(int status, const struct cloud_error *err, struct observed_store *snapshot, void *data)
{
	struct place_state *ps = data;
	struct engine *e = ps->e;
	struct observed_carry_stats carry;
	bool budgets_back, back;

	ps->listing = false;
	e->listings--;
	account_listing(ps, -1);
	start_waiting(e);
	if (e->closing) {
		ps->report(e, ps, &(struct engine__place_outcome){ .listed = false });
		return;
	}
	if (status < 0) {
		log_warning("listing %s failed: %s: %s", ps->place.key, err ? err->code : "error",
			    err ? err->message : strerror(-status));
		list_failed(ps, xasprintf("%s: %s", err ? err->code : "error", err ? err->message : strerror(-status)));
		ps->unreachable = true;
		relist_later(ps);
		drop_superseded(ps, ps->write_seq); /* the next listing starts after all of it */
		ps->report(e, ps, &(struct engine__place_outcome){ .listed = false });
		return;
	}
	/* so do the enforcement's listings: the tenants stalled for "budget enforcement
	 * cannot be observed" are looked at again once they are read */
	budgets_back = (ps->store.budgets_error && !snapshot->budgets_error && snapshot->budgets_listed) ||
		       (ps->store.enforce_error && !snapshot->enforce_error && snapshot->enforce_listed);
	if (snapshot->budgets_error) {
		/* the rest of the listing stands; the budgets stay as last listed */
		log_warning("listing %s: the account's budgets could not be listed: %s", ps->place.key,
			    snapshot->budgets_error);
		list_failed(ps, xasprintf("budgets not listed: %s", snapshot->budgets_error));
		relist_later(ps);
		observed_store_keep_budgets(snapshot, &ps->store);
	} else {
		ps->failed = false;
		free(ps->list_error);
		ps->list_error = NULL;
		ps->list_failing_since = 0;
		ps->relist_delay_ms = 0;
	}
	back = ps->unreachable;
	ps->unreachable = false;
	if (!ps->place.keep_param_tags)
		ps->tags_seq = ps->listing_start_seq;
	replay_journal(ps, snapshot);
	drop_superseded(ps, ps->write_seq); /* replayed: the next listing starts after all of it */
	/* Without a bulk IAM read, policies are read one by one: they outlive listings
	 * (the carry moves them). What the listing shows unchanged keeps its generations,
	 * so a settled tenant whose resources did not change is not diffed again. */
	observed_carry(&ps->store, snapshot, &carry);
	log_debug("listing %s: %zu of %zu tenant groups unchanged%s", ps->place.key, carry.carried, carry.groups,
		  carry.store_carried ? ", the rest unchanged" : "");
	reap_store_later(e, &ps->store); /* freed over the next turns */
	ps->store = *snapshot;
	knows_engine_tenants(ps);
	observed_store_init(snapshot);
	engine__account_bring_left_out(e, ps);
	ps->store.listed_at = engine__wall(e);
	ps->listed = true;
	ps->listed_at_ms = uv_now(e->loop);
	if (!ps->place.account_id)
		resolve_account(ps);
	else if (ps->listing_without_account)
		ps->relist = true; /* the account id came during the listing: list the budgets now */
	if (ps->relist) {
		ps->relist = false;
		engine__place_list(ps);
	}
	ps->report(e, ps,
		   &(struct engine__place_outcome){ .listed = true, .budgets_back = budgets_back, .back = back });
}

void engine__place_list(struct place_state *ps)
{
	struct engine *e = ps->e;

	if (e->closing || ps->unknown_account)
		return;
	if (ps->listing) {
		ps->relist = true;
		return;
	}
	if (ps->waiting) {
		ps->waiting_resync &= e->resyncing; /* any other listing reads every tag */
		return;
	}
	if (!may_list(e, ps)) {
		ps->waiting = true;
		ps->waiting_resync = e->resyncing;
		XGROW(e->list_queue, e->n_list_queue + 1, e->alloc_list_queue);
		e->list_queue[e->n_list_queue++] = ps;
		return;
	}
	start_listing(ps, e->resyncing);
}
