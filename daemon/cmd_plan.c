/* bedrock-tenantd plan [--config FILE] [--json] [DIR]: what the daemon would change,
 * from one listing of every place, without changing anything (the state store is
 * opened read-only; the only AWS calls are listings and reads).
 *
 * Every tenant's reconcile is simulated to the end (state/simulate.h), so the whole
 * change set shows, each tenant once. A simulation that needs a read (ownership tags,
 * a budget's alerts, a role's policy) gets it from AWS and runs again.
 * A tenant placed by a pool is planned in its recorded place, else in the pool place
 * its resources' tags show, else in the place the daemon would choose now
 * (state/placement.c over every pool place's quotas and listed use, tenants taken in
 * id order, each reserving its whole set); with no room anywhere it "waits" with the
 * reason the daemon would give. A tenant that moves (its recorded place not the one
 * it gets now, or a move in progress) is planned in each old place too, after its
 * current one: the end of the move there (simulate_move).
 * Under `mode: report`, or while the state store keeps a pause, the daemon makes no write
 * at its start: the plan is shown all the same (the differences it reports, Drifted),
 * said to be held, and exits 3 where it would exit 2. A claim naming another daemon
 * holds nothing at a start (the last started wins): it is not read.
 * Exit status: 0 nothing to do (timers already running are not changes), 2 changes
 * pending (a waiting tenant included), 3 changes pending that the daemon will not
 * write (mode report, paused), 1 any error (usage, configuration, manifests, state
 * store, AWS). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "budget_spec.h"
#include "ce.h"
#include "cloud_aws.h"
#include "commands.h"
#include "desired.h"
#include "manifest_dir.h"
#include "move.h"
#include "observed_apply.h"
#include "ownership.h"
#include "param_prefix.h"
#include "placement.h"
#include "plan_print.h"
#include "setup.h"
#include "simulate.h"
#include "strbuf.h"
#include "store.h"
#include "xalloc.h"

#define EXIT_PENDING	2
#define EXIT_HELD	3  /* changes pending, none of them written: mode report, paused */
#define READ_PASSES	4  /* simulate, read what it needs, simulate again */
#define READS_IN_FLIGHT 32 /* reads handed to the AWS client at once */
#define USAGE		"usage: bedrock-tenantd plan [--config FILE] [--json] [DIR]\n"

struct plan_place {
	struct place place;
	struct observed_store store;
	struct planner *p;
	uint64_t quota_profiles; /* Service Quotas' value, when quota_read (else the configuration's) */
	bool quota_read;
};

/* A pool of the configuration: its places (accounts, then Regions, as written) and
 * their capacity, reserved by the tenants planned there. */
struct plan_pool {
	const struct cfg_pool *cfg;
	struct plan_place **places;
	struct placement_place *cap;
	size_t n;
};

/* One tenant in one place, and what its simulation found. */
struct plan_unit {
	char *id;
	const struct tenant *desired; /* NULL: no manifest (its resources are undesired) */
	struct plan_place *pp;
	struct simulation sim;
	bool settled;	 /* the simulation needed no read */
	char *placement; /* a pool tenant's: how its place was found or chosen */
	char *waiting;	 /* a tenant planned in no place (no room in its pool, its account not configured or
			    another than its resources'): why (pp is NULL) */
	/* A move's old place (pp): the end of the move there (simulate_move); the unit of
	 * the tenant's current place, which is simulated first. NULL: not a move's. */
	struct plan_unit *moving_to;
	/* Its old places' units, a list through next_old (a move's unit: the next one). */
	struct plan_unit *old_places, *next_old;
	/* A pool tenant waiting for a place (waiting, no pp): meanwhile its old set serves
	 * where it lives, and its move units there show what may not stay as it is. */
	bool serves_waiting;
	/* the reads the daemon makes that its simulations asked for, each in its round
	 * (simulate_input.done_reads) */
	struct action *done_reads;
	unsigned *done_rounds;
	size_t n_done_reads, alloc_done_reads, alloc_done_rounds;
};

struct read_call {
	struct plan_unit *u;
	size_t index; /* in u->sim.reads */
};

struct planner {
	uv_loop_t loop;
	struct daemon_config *cfg;
	struct desired_store desired;
	struct hashmap failing; /* ids declared by failing manifests: never judged undesired */
	/* a file fails before its tenant id can be read, or a directory cannot be read: the
	 * daemon takes no tenant without a manifest for removed then, and neither does plan */
	bool ids_unknown;
	bool looked;		/* every place of the first look is listed: the units are made from them */
	struct hashmap records; /* tenant -> struct tenant_record * */
	struct hashmap held;
	bool paused; /* the state store keeps a pause: the daemon starts paused */
	struct aws_client *aws;
	struct cloud_aws cloud;
	struct hashmap places; /* key -> struct plan_place * */
	struct plan_pool *pools;
	size_t n_pools;
	struct plan_unit **units;
	size_t n_units, alloc_units;
	struct hashmap unit_of; /* tenant id -> its (first) struct plan_unit *, keys borrowed */
	struct read_call *reads;
	size_t n_reads, alloc_reads, next_read;
	unsigned pending;
	int failures;
	bool json;
	char *prefix;
	int64_t now;
	struct plan_cost_tags cost_tags; /* read in manage mode only: the daemon writes then */
};

/* ---- listings ---- */

/* A plan knows the tenants of the manifests and of the records (ownership by name,
 * owned_by_tenant). ctx: the store's struct plan_place. */
static bool plan_knows_tenant(const void *ctx, const char *id, const struct tenant **ret_desired)
{
	const struct planner *p = ((const struct plan_place *)ctx)->p;
	const struct tenant *t = desired_store_get(&p->desired, id);

	if (ret_desired)
		*ret_desired = t;
	return t || hashmap_get(&p->records, id);
}

/* The tenant is planned in the store's account (the same alias; NULL: the daemon's
 * own), as the daemon's places tell (daemon/engine/places.c): an inline policy name
 * two tenants of two accounts derive is two policies. */
static bool plan_tenant_in_account(const void *ctx, const char *id)
{
	const struct plan_place *pp = ctx;
	const struct plan_unit *u = hashmap_get(&pp->p->unit_of, id);
	const char *a = u && u->pp ? u->pp->place.account : NULL, *b = pp->place.account;

	return u && u->pp && (a == b || (a && b && strcmp(a, b) == 0));
}

static void knows_plan_tenants(struct plan_place *pp)
{
	pp->store.knows_tenant = plan_knows_tenant;
	pp->store.in_account = plan_tenant_in_account;
	pp->store.knows_ctx = pp;
}

static void on_listed(int status, const struct cloud_error *err, struct observed_store *snapshot, void *data)
{
	struct plan_place *pp = data;

	if (status < 0) {
		fprintf(stderr, "bedrock-tenantd: listing %s failed: %s: %s\n", pp->place.key,
			err && err->code[0] ? err->code : "error", err ? err->message : strerror(-status));
		pp->p->failures++;
	} else {
		observed_store_release(&pp->store);
		pp->store = *snapshot;
		knows_plan_tenants(pp);
		observed_store_init(snapshot);
		if (pp->store.policies_failed) { /* said above, as the daemon logs it */
			fprintf(stderr,
				"bedrock-tenantd: listing %s: the IAM roles could not be read in bulk: a role "
				"policy edited by hand cannot be seen\n",
				pp->place.key);
			pp->p->failures++;
		}
	}
	pp->p->pending--;
}

static void list_place(struct plan_place *pp)
{
	struct planner *p = pp->p;
	int r = cloud_aws_ops.list(&p->cloud, &pp->place, p->prefix, p->cfg->instance, on_listed, pp);

	if (r == 0) {
		p->pending++;
	} else {
		fprintf(stderr, "bedrock-tenantd: listing %s could not start: %s\n", pp->place.key, strerror(-r));
		p->failures++;
	}
}

/* The account id first: budgets are listed only in a place whose account is known. */
static void on_account(int status, const struct cloud_error *err, const char *account_id, void *data)
{
	struct plan_place *pp = data;

	pp->p->pending--;
	if (status < 0) {
		fprintf(stderr, "bedrock-tenantd: the account id of %s is unknown: %s: %s\n", pp->place.key,
			err && err->code[0] ? err->code : "error", err ? err->message : strerror(-status));
		pp->p->failures++;
		return;
	}
	pp->place.account_id = xstrdup(account_id);
	list_place(pp);
}

static struct plan_place *place_for(struct planner *p, const char *account, const char *region)
{
	char *key = xasprintf("%s/%s", account ? account : "-", region ? region : "-");
	struct plan_place *pp = hashmap_get(&p->places, key);
	int r;

	if (pp) {
		free(key);
		return pp;
	}
	pp = xcalloc(1, sizeof(*pp));
	pp->p = p;
	pp->place.key = key;
	pp->place.account = xstrdup_or_null(account);
	pp->place.region = xstrdup_or_null(region);
	pp->place.list_enforcement = p->cfg->budget_actions.execution_role != NULL;
	pp->place.account_id = xstrdup_or_null(setup_account_id(account, p->cfg));
	observed_store_init(&pp->store);
	knows_plan_tenants(pp);
	hashmap_put(&p->places, key, pp);
	if (pp->place.account_id) {
		list_place(pp);
	} else if ((r = cloud_aws_ops.account_id(&p->cloud, &pp->place, on_account, pp)) == 0) {
		p->pending++;
	} else {
		fprintf(stderr, "bedrock-tenantd: the account id of %s cannot be asked: %s\n", key, strerror(-r));
		p->failures++;
	}
	return pp;
}

/* The default account's place in region: made (and listed) in the first look, at
 * the planner's start, only found in the second (the units are made from the places
 * listed: one made then would be neither listed nor counted). */
static struct plan_place *own_place(struct planner *p, const char *region)
{
	char *key;
	struct plan_place *pp;

	if (!p->looked)
		return place_for(p, NULL, region);
	key = xasprintf("-/%s", region ? region : "-");
	pp = hashmap_get(&p->places, key);
	free(key);
	return pp;
}

/* The place (alias, region) a tenant's record keeps it in (`fact`, its recorded place;
 * made_in, the recorded account id, may be NULL). NULL, *ret_how set (owned), when the
 * configuration no longer names the alias: as the daemon, it is never listed with the
 * default credentials, unless the tenant was made in the daemon's own account: the
 * default place under a name taken out of accounts: (engine.c, own_account_renamed;
 * its account id known once STS answered, for the second look). */
static struct plan_place *recorded_place(struct planner *p, const char *alias, const char *region, const char *fact,
					 const char *made_in, char **ret_how)
{
	if (!setup_account_known(alias, p->cfg)) {
		struct plan_place *own = made_in ? own_place(p, region) : NULL;
		if (own && own->place.account_id && !strcmp(own->place.account_id, made_in))
			return own;
		*ret_how = xasprintf("placed in %s, whose account the configuration no longer names: left as it is "
				     "until it does again",
				     fact);
		return NULL;
	}
	return place_for(p, alias, region);
}

/* The place of a tenant without a pool: fixed by its account and Region, or the one its
 * recorded place keeps it in (engine/cloud.h, place_kept_alias); NULL, *ret_how set,
 * as recorded_place. */
static struct plan_place *place_of(struct planner *p, const struct tenant *t, char **ret_how)
{
	const struct tenant_record *rec = hashmap_get(&p->records, t->id);
	const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;
	const char *region = t->region ? t->region : p->cfg->region;
	char *kept = place_kept_alias(t, fact, &region);
	struct plan_place *pp;

	*ret_how = NULL;
	if (!kept)
		return place_for(p, t->account, region);
	pp = recorded_place(p, kept, region, fact, record_fact(rec, RECORD_FACT_ACCOUNT), ret_how);
	free(kept);
	return pp;
}

/* ---- pool tenants ---- */

static bool pool_tenant(const struct planner *p, const struct tenant *t)
{
	return t->pool && !t->account && p->cfg->n_pools;
}

/* The place key "alias/region" ("-": the default account). */
static struct plan_place *place_of_key(struct planner *p, const char *key)
{
	const char *slash = strchr(key, '/');
	char *account;
	struct plan_place *pp;

	if (!slash)
		return NULL;
	account = place_key_alias(key);
	pp = place_for(p, account, slash + 1);
	free(account);
	return pp;
}

static bool in_region(const char *key, const char *region)
{
	const char *slash = strchr(key, '/');

	return !region || (slash && !strcmp(slash + 1, region));
}

static void on_quota(int status, const struct cloud_error *err, uint64_t value, void *data)
{
	struct plan_place *pp = data;

	(void)err;
	pp->p->pending--;
	if (status == 0) { /* else the configuration's capacity, as the daemon assumes */
		pp->quota_profiles = value;
		pp->quota_read = true;
	}
}

/* Every pool's places, listed, their profile quota read. */
static void pools_start(struct planner *p)
{
	p->n_pools = p->cfg->n_pools;
	p->pools = xcalloc(p->n_pools + 1, sizeof(*p->pools));
	for (size_t i = 0; i < p->n_pools; i++) {
		struct plan_pool *pool = &p->pools[i];
		pool->cfg = &p->cfg->pools[i];
		pool->n = pool->cfg->n_accounts * pool->cfg->n_regions;
		pool->places = xcalloc(pool->n + 1, sizeof(*pool->places));
		pool->cap = xcalloc(pool->n + 1, sizeof(*pool->cap));
		for (size_t a = 0, k = 0; a < pool->cfg->n_accounts; a++)
			for (size_t r = 0; r < pool->cfg->n_regions; r++, k++) {
				struct plan_place *pp = place_for(p, pool->cfg->accounts[a], pool->cfg->regions[r]);
				pool->places[k] = pp;
				if (cloud_aws_ops.quota && cloud_aws_ops.quota(&p->cloud, &pp->place, "bedrock",
									       "L-40EC9882", on_quota, pp) == 0)
					p->pending++;
			}
	}
}

static struct plan_pool *pool_named(struct planner *p, const char *name)
{
	for (size_t i = 0; name && i < p->n_pools; i++)
		if (!strcmp(p->pools[i].cfg->name, name))
			return &p->pools[i];
	return NULL;
}

/* pool holds the place of key. */
static bool pool_holds(const struct plan_pool *pool, const char *key)
{
	for (size_t k = 0; pool && k < pool->n; k++)
		if (!strcmp(pool->places[k]->place.key, key))
			return true;
	return false;
}

/* The place of pool in the Region of `fact` (a recorded place under an alias the
 * configuration names no more) and in the account made_in: the same place renamed, as
 * the daemon follows it (engine/pools.c, follow_renamed_alias). NULL when none. */
static struct plan_place *pool_place_renamed(const struct plan_pool *pool, const char *fact, const char *made_in)
{
	const char *region = strchr(fact, '/') + 1;

	for (size_t k = 0; pool && made_in && k < pool->n; k++) {
		const struct place *q = &pool->places[k]->place;
		if (q->account_id && !strcmp(q->account_id, made_in) && q->region && !strcmp(q->region, region))
			return pool->places[k];
	}
	return NULL;
}

/* The place of pool tenant t when it has one already: recorded (unless its manifest
 * names another Region now, or another pool than the one that placed it, which does not
 * hold the place: a move), or shown by its resources' tags. */
static struct plan_place *placed(struct planner *p, const struct tenant *t, char **ret_how)
{
	const struct tenant_record *rec = hashmap_get(&p->records, t->id);
	const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;
	const char *was = rec ? record_fact(rec, RECORD_FACT_POOL) : NULL;
	const char *region = t->region_set ? t->region : NULL;
	struct plan_pool *pool = pool_named(p, t->pool);

	if (fact && in_region(fact, region) && !(pool && was && strcmp(was, t->pool) && !pool_holds(pool, fact))) {
		char *alias = place_key_alias(fact);
		const char *made_in = record_fact(rec, RECORD_FACT_ACCOUNT);
		struct plan_place *pp = NULL;
		if (!setup_account_known(alias, p->cfg) && (pp = pool_place_renamed(pool, fact, made_in)))
			*ret_how = xasprintf("recorded in the state store (pool %s), its place %s named %s now",
					     t->pool, fact, pp->place.key);
		if (!pp && (pp = recorded_place(p, alias, strchr(fact, '/') + 1, fact, made_in, ret_how)))
			*ret_how = xasprintf("recorded in the state store (pool %s)", t->pool);
		free(alias);
		return pp;
	}
	for (size_t k = 0; pool && !fact && k < pool->n; k++) {
		const struct observed_group *g = observed_store_group(&pool->places[k]->store, t->id);
		if (g && (g->n_profiles || g->n_parameters) && in_region(pool->places[k]->place.key, region)) {
			*ret_how = xasprintf("found by its resources' tags (pool %s)", t->pool);
			return pool->places[k];
		}
	}
	return NULL;
}

/* Each pool place's capacity: quotas, what the listings show, and the part of each
 * planned tenant's set it does not have there yet. */
static void count_capacity(struct planner *p)
{
	for (size_t i = 0; i < p->n_pools; i++) {
		struct plan_pool *pool = &p->pools[i];
		for (size_t k = 0; k < pool->n; k++) {
			struct plan_place *pp = pool->places[k];
			struct placement_place *c = &pool->cap[k];
			c->account = pp->place.account;
			c->region = pp->place.region;
			c->usable = true;
			c->quota[PLACEMENT_PROFILES] = pp->quota_read ? pp->quota_profiles : p->cfg->capacity.profiles;
			c->quota[PLACEMENT_PARAMETERS] = p->cfg->capacity.parameters;
			c->quota[PLACEMENT_BUDGETS] = p->cfg->capacity.budgets;
			c->used[PLACEMENT_PROFILES] = pp->store.profiles.n;
			c->used[PLACEMENT_PARAMETERS] = pp->store.parameters.n;
			c->used[PLACEMENT_BUDGETS] = pp->store.budgets.n;
		}
	}
}

/* t (planned in pp) reserves what it does not have there yet, in every pool of pp. */
static void reserve(struct planner *p, const struct tenant *t, const struct plan_place *pp)
{
	const struct observed_group *g = observed_store_group(&pp->store, t->id);
	struct placement_need need;

	placement_need_of(t, &need);
	if (g) {
		need.n[PLACEMENT_PROFILES] -= need.n[PLACEMENT_PROFILES] > g->n_profiles ? g->n_profiles
											 : need.n[PLACEMENT_PROFILES];
		need.n[PLACEMENT_PARAMETERS] -= need.n[PLACEMENT_PARAMETERS] > g->n_parameters
							? g->n_parameters
							: need.n[PLACEMENT_PARAMETERS];
		need.n[PLACEMENT_BUDGETS] -= need.n[PLACEMENT_BUDGETS] > g->n_budgets ? g->n_budgets
										      : need.n[PLACEMENT_BUDGETS];
	}
	for (size_t i = 0; i < p->n_pools; i++)
		for (size_t k = 0; k < p->pools[i].n; k++)
			if (p->pools[i].places[k] == pp)
				placement_reserve(p->pools[i].cap, p->pools[i].n, k, &need);
}

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
static const char *old_place_key(const struct tenant_record *rec, size_t k)
{
	const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;

	if (fact && k-- == 0)
		return fact;
	return rec ? record_moving_from(rec, k) : NULL;
}

/* The configuration still names the account of place key: the daemon reaches it. */
static bool old_place_reachable(struct planner *p, const char *key)
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
		u->serves_waiting = u->desired && !u->pp && u->waiting && pool_tenant(p, u->desired);
		if (u->desired && (u->pp || u->serves_waiting))
			rec = hashmap_get(&p->records, u->id);
		for (size_t k = 0; (key = old_place_key(rec, k)); k++) {
			struct plan_place *old;
			struct plan_unit *m;
			bool seen = false;
			if ((u->pp && !strcmp(key, u->pp->place.key)) || !old_place_reachable(p, key))
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

	count_capacity(p);
	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		struct plan_place *pp;
		char *how = NULL;
		if (!pool_tenant(p, t))
			continue;
		if ((pp = placed(p, t, &how))) {
			add_unit(p, t->id, t, pp)->placement = moving_note(p, t, pp, how);
			reserve(p, t, pp);
		} else if (how) { /* placed where it cannot be reached */
			add_unit(p, t->id, t, NULL)->waiting = how;
		} else {
			rest[n_rest++] = t;
		}
	}
	for (size_t i = 0; i < n_rest; i++) { /* the desired store keeps ids in order */
		const struct tenant *t = rest[i];
		struct plan_pool *pool = pool_named(p, t->pool);
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

static void make_units(struct planner *p)
{
	struct plan_place **places;
	struct hashmap seen;
	size_t pos = 0, n = 0;
	void *v;

	hashmap_init(&seen);
	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		if (!pool_tenant(p, t)) {
			char *how;
			struct plan_place *pp = place_of(p, t, &how);
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
static void hold_moved_accounts(struct planner *p)
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
 * too or waits for one (not held: hold_moved_accounts). */
static bool simulated(const struct plan_unit *u)
{
	return u->pp && (!u->moving_to || u->moving_to->pp || u->moving_to->serves_waiting);
}

/* Simulate every unit; read what the simulations need; again, a bounded number of
 * times. Returns the number of units still waiting for a read. */
static size_t settle(struct planner *p)
{
	size_t unsettled = p->n_units;

	for (int pass = 0; pass < READ_PASSES && unsettled && !p->failures; pass++) {
		p->n_reads = p->next_read = 0;
		unsettled = 0;
		/* the current places first: a move's old place depends on its new set */
		for (size_t phase = 0; phase < 2; phase++)
			for (size_t i = 0; i < p->n_units; i++) {
				struct plan_unit *u = p->units[i];
				if ((u->settled && pass) || !simulated(u) || (u->moving_to != NULL) != phase)
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

/* ---- output: each tenant once, all its places ---- */

static struct plan_section section_of(const struct plan_unit *u)
{
	return (struct plan_section){ u->pp->place.key, &u->sim, u->placement, u->moving_to != NULL };
}

static bool print_all(struct planner *p, struct plan_print *out)
{
	struct plan_section *sec = xcalloc(p->n_units + 1, sizeof(*sec));
	bool pending = false;

	for (size_t i = 0; i < p->n_units;) {
		size_t n = 0, k = i;
		if (p->units[i]->moving_to && !simulated(p->units[i])) { /* its tenant is held */
			i++;
			continue;
		}
		if (p->units[i]->waiting) { /* then the old places it serves from, if any */
			for (k = i + 1; k < p->n_units && p->units[k]->moving_to == p->units[i]; k++)
				if (simulated(p->units[k]))
					sec[n++] = section_of(p->units[k]);
			plan_print_waiting(out, p->units[i]->id, p->units[i]->waiting, sec, n);
			pending = true;
			i = k;
			continue;
		}
		while (k < p->n_units && strcmp(p->units[k]->id, p->units[i]->id) == 0) {
			sec[n++] = section_of(p->units[k]);
			k++;
		}
		pending |= plan_print_tenant(out, p->units[i]->id, sec, n);
		i = k;
	}
	free(sec);
	return pending;
}

/* ---- inputs ---- */

static int read_manifests(struct planner *p, const char *dir)
{
	struct diag_list diags;
	struct desired_scan scan;
	struct desired_delta delta;
	int rc = 0;

	diag_list_init(&diags);
	manifest_dir_read(p->cfg, dir, &scan, &diags);
	p->ids_unknown = desired_scan_ids_unknown(&scan);
	desired_store_apply(&p->desired, &scan, &delta);
	if (diags.n_errors)
		setup_print_diags(&diags, stderr);
	if (delta.unavailable) {
		fprintf(stderr,
			"bedrock-tenantd: the manifest directory %s cannot be used (missing, unreadable or empty); "
			"the daemon deletes nothing then, and plan compares nothing\n",
			dir);
		rc = -ENOENT;
	} else if (diags.n_errors) {
		fprintf(stderr,
			"bedrock-tenantd: %zu problem(s) in the manifests; the daemon keeps the last good definition "
			"of their tenants, which plan cannot know: failing files are left out\n",
			diags.n_errors);
		if (p->ids_unknown)
			fprintf(stderr,
				"bedrock-tenantd: a file fails before its tenant id can be read: the daemon "
				"deletes no tenant without a manifest until it can, and plan leaves them out\n");
		rc = -EINVAL;
	}
	diag_list_release(&diags);
	for (size_t i = 0; i < delta.n_rejected; i++)
		hashmap_put(&p->failing, delta.rejected[i], (void *)1);
	for (size_t i = 0; i < delta.n_stale; i++)
		hashmap_put(&p->failing, delta.stale[i], (void *)1);
	desired_delta_release(&delta);
	desired_scan_release(&scan);
	return rc;
}

static int read_inputs(struct planner *p, const char *config, const char *dir)
{
	struct diag_list diags;
	struct store *s = NULL;
	char *path, *err = NULL;
	int rc, r;

	diag_list_init(&diags);
	if (daemon_config_load(config, &p->cfg, &diags) < 0) {
		/* a configuration with errors comes back anyway, its wrong parts at their
		 * defaults or half read: nothing may use it (cmd_plan runs nothing then) */
		setup_print_diags(&diags, stderr);
		diag_list_release(&diags);
		fprintf(stderr, "bedrock-tenantd: %s has errors; plan compares nothing\n", config);
		daemon_config_free(p->cfg);
		p->cfg = NULL;
		return -EINVAL;
	}
	diag_list_release(&diags);
	rc = read_manifests(p, dir ? dir : p->cfg->manifests);
	if (rc == -ENOENT)
		return rc;
	path = xasprintf("%s/state.db", p->cfg->state_dir);
	r = store_open_readonly(path, &s, &err);
	if (r == 0) {
		/* an open reads nothing: a file that is not a store fails at the first read */
		if ((r = store_load(s, &p->records)) < 0 || (r = store_load_held(s, &p->held)) < 0 ||
		    (r = store_get_paused(s, &p->paused)) < 0) {
			err = xstrdup(store_error(s));
			r = r == -ENOENT ? -EIO : r;
		}
		store_close(s);
	}
	if (r == -ENOENT) {
		fprintf(stderr,
			"bedrock-tenantd: no state store at %s: plan assumes the daemon remembers nothing "
			"(no timer running, no tag keys applied)\n",
			path);
	} else if (r < 0) {
		fprintf(stderr, "bedrock-tenantd: the state store %s cannot be read: %s\n", path,
			err ? err : strerror(-r));
		rc = rc ? rc : r;
	}
	free(err);
	free(path);
	return rc;
}

/* ---- main ---- */

static void free_place(void *v)
{
	struct plan_place *pp = v;

	observed_store_release(&pp->store);
	free(pp->place.key);
	free(pp->place.account);
	free(pp->place.account_id);
	free(pp->place.region);
	free(pp);
}

static void free_record(void *r)
{
	tenant_record_free(r);
}

static void planner_release(struct planner *p)
{
	for (size_t i = 0; i < p->n_pools; i++) {
		free(p->pools[i].places);
		free(p->pools[i].cap);
	}
	free(p->pools);
	for (size_t i = 0; i < p->n_units; i++) {
		simulation_release(&p->units[i]->sim);
		for (size_t k = 0; k < p->units[i]->n_done_reads; k++)
			action_release(&p->units[i]->done_reads[k]);
		free(p->units[i]->done_reads);
		free(p->units[i]->done_rounds);
		free(p->units[i]->placement);
		free(p->units[i]->waiting);
		free(p->units[i]->id);
		free(p->units[i]);
	}
	free(p->units);
	free(p->reads);
	hashmap_release(&p->unit_of, NULL);
	hashmap_release(&p->places, free_place);
	hashmap_release(&p->records, free_record);
	hashmap_release(&p->held, NULL);
	hashmap_release(&p->failing, NULL);
	desired_store_release(&p->desired);
	daemon_config_free(p->cfg);
	free(p->prefix);
}

/* Lists every place, settles every simulation, prints. Returns the exit status. */
/* The places the state store records for tenants no manifest names (removed while the
 * daemon was down), listed too: the daemon removes them from there (engine.c,
 * removed_while_away), even from a place no other tenant names. Not while a file
 * fails before its id can be read (one of them may be declared there). */
static void list_removed_places(struct planner *p)
{
	size_t pos = 0;
	const char *id;
	void *v;

	while (!p->ids_unknown && hashmap_next(&p->records, &pos, &id, &v)) {
		const char *fact = record_fact(v, RECORD_FACT_PLACE);
		if (fact && !desired_store_get(&p->desired, id) && !hashmap_get(&p->failing, id) &&
		    old_place_reachable(p, fact))
			place_of_key(p, fact);
	}
}

/* ---- cost-allocation tags (daemon/cost_tags.c) ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void on_cost_tags(void *arg, int status, const struct ce_cost_tag_list *l, const struct aws_error *err)
{
	struct planner *p = arg;
	struct plan_cost_tags *ct = &p->cost_tags;

	p->pending--;
	if (status < 0) {
		fprintf(stderr, "bedrock-tenantd: ListCostAllocationTags in %s failed: %s%s%s\n", ct->payer,
			err && err->code ? err->code : strerror(-status), err && err->message ? ": " : "",
			err && err->message ? err->message : "");
		p->failures++;
		return;
	}
	for (size_t i = 0; i < ct->n; i++) {
		const struct ce_cost_tag *tag = ce_cost_tag_list_find(l, ct->keys[i]);
		ct->status[i] = !tag ? "NotSeen" : !strcmp(tag->status, CE_STATUS_ACTIVE) ? "Active" : "Inactive";
	}
	ct->read = true;
}

/* In manage mode the daemon reads, at its start, the status of the tag keys the
 * desired budgets filter on in the payer account, and activates the inactive ones:
 * the same read, for plan to show that. */
static void read_cost_tags(struct planner *p)
{
	struct plan_cost_tags *ct = &p->cost_tags;
	const struct cfg_account *a = p->cfg->cost_tags.payer_account
					      ? daemon_config_account(p->cfg, p->cfg->cost_tags.payer_account)
					      : NULL;
	struct aws_target t = { .account = a && a->role_arn ? a->alias : NULL, .region = NULL };
	int r;

	ct->mode = cfg_cost_tags_mode_name(p->cfg->cost_tags.mode);
	ct->payer = p->cfg->cost_tags.payer_account ? p->cfg->cost_tags.payer_account : "the default account";
	if (p->cfg->cost_tags.mode != CFG_COST_TAGS_MANAGE)
		return;
	for (size_t i = 0; i < p->desired.n; i++) {
		const char *mine[4];
		size_t m = budget_filter_tag_keys(p->desired.entries[i].tenant, mine, 4);
		for (size_t j = 0; j < m; j++) {
			bool seen = false;
			for (size_t k = 0; k < ct->n && !seen; k++)
				seen = !strcmp(ct->keys[k], mine[j]);
			if (!seen && ct->n < CE_LIST_MAX_KEYS)
				ct->keys[ct->n++] = mine[j];
		}
	}
	if (!ct->n)
		return;
	qsort(ct->keys, ct->n, sizeof(*ct->keys), cmp_str);
	r = ce_list_cost_allocation_tags(p->aws, &t, ct->keys, ct->n, on_cost_tags, p);
	if (r < 0) {
		fprintf(stderr, "bedrock-tenantd: ListCostAllocationTags in %s could not start: %s\n", ct->payer,
			strerror(-r));
		p->failures++;
		return;
	}
	p->pending++;
}

static int run(struct planner *p)
{
	struct plan_print out;
	char *err = NULL;
	size_t unsettled;
	bool pending;
	int status;
	void *rec_v;

	if (setup_aws_client(&p->loop, p->cfg, &p->aws, &err) < 0) {
		fprintf(stderr, "bedrock-tenantd: %s\n", err);
		free(err);
		return EXIT_PROBLEMS;
	}
	p->prefix = setup_param_prefix(p->cfg);
	/* parameters made under an earlier naming.parameter are still listed (and pruned) */
	for (size_t pos = 0; hashmap_next(&p->records, &pos, NULL, &rec_v);)
		param_prefix_widen_record(&p->prefix, rec_v);
	setup_cloud(&p->cloud, p->aws, p->cfg);
	for (size_t i = 0; i < p->desired.n; i++) {
		const struct tenant *t = p->desired.entries[i].tenant;
		const struct tenant_record *rec = hashmap_get(&p->records, t->id);
		const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL, *old;
		char *how = NULL;
		if (!pool_tenant(p, t))
			place_of(p, t, &how);
		else if (fact && old_place_reachable(
					 p, fact)) /* its recorded place, listed too (a pool place, or no longer one) */
			place_of_key(p, fact);
		else if (fact && strchr(fact, '/') && record_fact(rec, RECORD_FACT_ACCOUNT))
			own_place(p, strchr(fact, '/') +
					     1); /* its alias configured no more: perhaps the daemon's own account */
		free(how);
		for (size_t k = 0; (old = old_place_key(rec, k)); k++) /* a move's old places */
			if (old_place_reachable(p, old))
				place_of_key(p, old);
	}
	list_removed_places(p);
	if (p->cfg->n_pools)
		pools_start(p);
	read_cost_tags(p);
	while (p->pending)
		uv_run(&p->loop, UV_RUN_ONCE);
	p->looked = true;
	if (!p->failures) {
		make_units(p);
		hold_moved_accounts(p);
		unsettled = settle(p);
		if (unsettled && !p->failures) {
			fprintf(stderr, "bedrock-tenantd: %zu tenant(s) still need reads after %d passes\n", unsettled,
				READ_PASSES);
			p->failures++;
		}
	}
	while (p->pending)
		uv_run(&p->loop, UV_RUN_ONCE);
	aws_client_close(p->aws, NULL, NULL);
	uv_run(&p->loop, UV_RUN_DEFAULT);
	cloud_aws_release(&p->cloud);
	if (p->failures)
		return EXIT_PROBLEMS;

	plan_print_init(&out, p->json);
	/* what holds every write of the daemon at its start (engine_calls_held): a
	 * stand-by does not, as a start writes its own claim before its first call */
	if (p->cfg->mode == CFG_MODE_REPORT)
		plan_print_writes_held(&out, "mode report", "the configuration's `mode: report`");
	else if (p->paused)
		plan_print_writes_held(&out, "paused",
				       "mutating calls paused (`bedrock-tenantctl pause`, kept in the state store) "
				       "until `bedrock-tenantctl resume`");
	pending = print_all(p, &out);
	pending |= plan_print_cost_tags(&out, &p->cost_tags);
	plan_print_finish(&out, p->desired.n);
	status = out.n_errors ? EXIT_PROBLEMS : pending && out.writes_held ? EXIT_HELD : pending ? EXIT_PENDING : 0;
	plan_print_release(&out);
	return status;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option options[] = { { "config", required_argument, NULL, 'c' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	struct planner p = { 0 };
	const char *config = DAEMON_CONFIG_PATH;
	int opt, rc, status;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'j':
			p.json = true;
			break;
		case 'h':
			printf(USAGE "\n"
				     "Lists what is live and prints what the daemon would change, changing nothing.\n"
				     "Exit status: 0 nothing to do, 2 changes pending, 3 changes pending that the\n"
				     "daemon will not write (mode report, paused), 1 an error.\n");
			return 0;
		default: /* getopt said what was wrong; 2 would read as "changes pending" */
			fprintf(stderr, USAGE);
			return EXIT_PROBLEMS;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "bedrock-tenantd: plan takes one manifest directory at most\n" USAGE);
		return EXIT_PROBLEMS;
	}
	hashmap_init(&p.records);
	hashmap_init(&p.held);
	hashmap_init(&p.places);
	hashmap_init_borrowed(&p.unit_of);
	hashmap_init(&p.failing);
	desired_store_init(&p.desired);
	uv_loop_init(&p.loop);
	p.now = (int64_t)time(NULL);
	rc = read_inputs(&p, config, optind < argc ? argv[optind] : NULL);
	status = !p.cfg || rc == -ENOENT ? EXIT_PROBLEMS : run(&p);
	if (rc < 0)
		status = EXIT_PROBLEMS; /* the plan is shown, but it rests on a partial reading */
	uv_loop_close(&p.loop);
	planner_release(&p);
	return status;
}
