/* Internals of `bedrock-tenantd plan`, shared by daemon/cmd_plan.c (inputs, output,
 * the cost-allocation tags, main), daemon/plan_places.c (where each tenant is planned,
 * the pools' capacity) and daemon/plan_units.c (units, moves, the simulations and
 * their reads). Not for other modules. */
#ifndef BTD_PLAN_IMPL_H
#define BTD_PLAN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cloud_aws.h"
#include "desired.h"
#include "placement.h"
#include "plan_print.h"
#include "simulate.h"

#define READ_PASSES 4 /* simulate, read what it needs, simulate again */

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

/* ---- plan_places.c: the places, each listed once, and where each tenant is planned ---- */

/* plan__own_place: the default account's place in region: made (and listed) in the
 * first look, only found after it (NULL when it was not made then). Owned by p. */
struct plan_place *plan__own_place(struct planner *p, const char *region);
/* plan__place_of: the place of a tenant without a pool, made and listed when new (owned
 * by p); NULL, *ret_how set (owned by the caller), when its record keeps it under an
 * alias the configuration no longer names. *ret_how is NULL otherwise. */
struct plan_place *plan__place_of(struct planner *p, const struct tenant *t, char **ret_how);
/* plan__place_of_key: the place of key "alias/region" ("-": the default account), made
 * and listed when new (owned by p); NULL for a key without a '/'. */
struct plan_place *plan__place_of_key(struct planner *p, const char *key);
/* plan__pool_tenant: t is placed by a pool (it names one and no account, and the
 * configuration has pools). */
bool plan__pool_tenant(const struct planner *p, const struct tenant *t);
/* plan__pools_start: p->pools (owned by p) from the configuration, every pool place
 * made and listed, its profile quota asked for. */
void plan__pools_start(struct planner *p);
/* plan__pool_named: the pool of that name (owned by p); NULL when none or name is NULL. */
struct plan_pool *plan__pool_named(struct planner *p, const char *name);
/* plan__placed: the place pool tenant t has already, recorded or shown by its resources'
 * tags, *ret_how (owned by the caller) saying how; NULL when it has none, *ret_how then
 * set only when its recorded place cannot be reached (as plan__place_of). */
struct plan_place *plan__placed(struct planner *p, const struct tenant *t, char **ret_how);
/* plan__count_capacity: every pool place's capacity (pool->cap) from its quotas and its
 * listing, before any tenant reserves. */
void plan__count_capacity(struct planner *p);
/* plan__reserve: t, planned in pp, reserves what it does not have there yet, in every
 * pool that holds pp. */
void plan__reserve(struct planner *p, const struct tenant *t, const struct plan_place *pp);

/* ---- plan_units.c: units, moves, the simulations and their reads ---- */

/* plan__old_place_key: the k-th place rec keeps its tenant in besides its current one,
 * as far as a move is concerned (borrowed from rec; rec may be NULL); NULL past the last. */
const char *plan__old_place_key(const struct tenant_record *rec, size_t k);
/* plan__old_place_reachable: the configuration still names the account of place key. */
bool plan__old_place_reachable(struct planner *p, const char *key);
/* plan__make_units: p->units (owned by p) from the places listed: every desired tenant
 * in its place (or waiting), a move's old places, every tenant without a manifest where
 * it owns something; sorted by tenant id, its current place first. */
void plan__make_units(struct planner *p);
/* plan__hold_moved_accounts: a unit whose place, or the place its tenant moves out of,
 * names another account id than the one its resources were made in waits instead, as
 * in the daemon (u->waiting set, owned by the unit; u->pp NULL). */
void plan__hold_moved_accounts(struct planner *p);
/* plan__simulated: u has a place and, a move's old place, its tenant has one or waits. */
bool plan__simulated(const struct plan_unit *u);
/* plan__settle: every unit simulated, their reads made, again, at most READ_PASSES
 * times; runs p->loop. Returns the number of units still waiting for a read. */
size_t plan__settle(struct planner *p);

#endif
