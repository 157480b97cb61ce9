/* What `bedrock-tenantd plan` prints: each tenant once, with every place it has
 * resources in, every step of its simulated reconcile with the attribute-level diff,
 * as text (for people, a CI log) or as one JSON document. Owns the JSON tree it
 * builds; prints to stdout. */
#ifndef BTD_PLAN_PRINT_H
#define BTD_PLAN_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "ce.h"
#include "simulate.h"

/* One place of a tenant and what its simulation found there. */
struct plan_section {
	const char *place; /* "alias/region" */
	const struct simulation *sim;
	const char *placement; /* how a pool tenant's place was found or chosen; NULL: not a pool's */
	/* one of a move's old places (after the current one): its steps are the end of the
	 * move there; placement says so */
	bool moving_out;
};

/* Cost-allocation tags (cost_allocation_tags, mode manage): the keys the desired
 * budgets filter on and their status in the payer account's Cost Explorer; the daemon
 * activates the Inactive ones at its start (daemon/cost_tags.c). */
struct plan_cost_tags {
	const char *mode;		      /* cfg_cost_tags_mode_name */
	const char *payer;		      /* the payer alias, or "the default account" */
	const char *keys[CE_LIST_MAX_KEYS];   /* sorted; borrowed from the manifests */
	const char *status[CE_LIST_MAX_KEYS]; /* "Active", "Inactive", "NotSeen" (static) */
	size_t n;
	bool read; /* the statuses were read (manage mode, keys to read) */
};

struct plan_print {
	bool json;
	cJSON *root;
	size_t n_pending, n_calls, n_deferred_calls, n_held_calls, n_conflicts, n_errors;
	const char *writes_held; /* plan_print_writes_held's short reason; NULL: the daemon writes */
};

void plan_print_init(struct plan_print *o, bool json);
/* plan_print_writes_held: the daemon will make none of the writes shown, for `what`
 * (static: "mode report", "paused", the JSON's `writes` after "none: "), `why` said in
 * full on the first line of the text; before the tenants. */
void plan_print_writes_held(struct plan_print *o, const char *what, const char *why);
/* plan_print_tenant: the tenant's sections (one or more places), printed once; a
 * tenant with nothing to show is silent. Returns true when changes are pending. */
bool plan_print_tenant(struct plan_print *o, const char *id, const struct plan_section *s, size_t n);
/* plan_print_waiting: a pool tenant that waits (Pending with the reason in the daemon:
 * no place of its pool has room, "no capacity: ...", or its place's account has left
 * the configuration), nothing created; counted as pending. s[0..n): the places its old
 * set serves from meanwhile (moving_out), with what it may not keep there. */
void plan_print_waiting(struct plan_print *o, const char *id, const char *reason, const struct plan_section *s,
			size_t n);
/* plan_print_finish: the summary (text) or the whole document (JSON). */
/* plan_print_cost_tags: the activations the daemon would make (aws calls due now)
 * and the keys it cannot activate; returns true when one is due. */
bool plan_print_cost_tags(struct plan_print *o, const struct plan_cost_tags *ct);
void plan_print_finish(struct plan_print *o, size_t n_tenants);
void plan_print_release(struct plan_print *o);

#endif
