/* Where `bedrock-tenantd plan` plans each tenant: the places, each listed once (its
 * account id asked first when the configuration does not give it), a tenant's place by
 * its manifest or its record, and a pool tenant's: recorded, shown by its resources'
 * tags, or chosen over the pools' capacity (plan_units.c, pool_units). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_impl.h"
#include "record.h"
#include "setup.h"
#include "xalloc.h"

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
struct plan_place *plan__own_place(struct planner *p, const char *region)
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
		struct plan_place *own = made_in ? plan__own_place(p, region) : NULL;
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
struct plan_place *plan__place_of(struct planner *p, const struct tenant *t, char **ret_how)
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

bool plan__pool_tenant(const struct planner *p, const struct tenant *t)
{
	return t->pool && !t->account && p->cfg->n_pools;
}

/* The place key "alias/region" ("-": the default account). */
struct plan_place *plan__place_of_key(struct planner *p, const char *key)
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
void plan__pools_start(struct planner *p)
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

struct plan_pool *plan__pool_named(struct planner *p, const char *name)
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
struct plan_place *plan__placed(struct planner *p, const struct tenant *t, char **ret_how)
{
	const struct tenant_record *rec = hashmap_get(&p->records, t->id);
	const char *fact = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;
	const char *was = rec ? record_fact(rec, RECORD_FACT_POOL) : NULL;
	const char *region = t->region_set ? t->region : NULL;
	struct plan_pool *pool = plan__pool_named(p, t->pool);

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
void plan__count_capacity(struct planner *p)
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
void plan__reserve(struct planner *p, const struct tenant *t, const struct plan_place *pp)
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
