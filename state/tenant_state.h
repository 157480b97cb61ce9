/* Tenant states, as status output shows them, and the one function that decides a
 * tenant's state from the facts of its last reconcile. */
#ifndef BTD_TENANT_STATE_H
#define BTD_TENANT_STATE_H

#include <stdbool.h>

enum tenant_state {
	TENANT_PENDING,	    /* known, not reconciled yet */
	TENANT_RECONCILING, /* actions in flight */
	TENANT_READY,	    /* live equals desired (timers such as a drain may still run) */
	TENANT_DRIFTED,	    /* differences found, mutations paused (report mode) */
	TENANT_ERROR,	    /* a retryable failure: retrying with backoff */
	TENANT_STALLED,	    /* a terminal failure or a conflict: waiting for a change */
	TENANT_DELETING,    /* the manifest is gone: resources wait for grace, then go */
	TENANT_HELD,	    /* deletions wait for an operator's approval */
	TENANT_SUSPENDED,   /* suspended: true in the manifest */
	TENANT_OVER_BUDGET, /* live equals desired, and its Budgets action denies its roles */
	TENANT__STATE_COUNT
};

enum error_class {
	ERROR_NONE,
	ERROR_RETRYABLE,
	ERROR_TERMINAL,
};

struct tenant_facts {
	bool reconciled;  /* at least one reconcile finished */
	bool in_progress; /* actions are being applied now */
	bool suspended;
	bool removed;	      /* the manifest is gone */
	bool held;	      /* the prune gate holds its deletions */
	bool paused;	      /* mutations are paused */
	bool pending_changes; /* the last diff had AWS actions left */
	bool conflict;
	bool waiting;	  /* no place has room for it (or AWS refused a create for a quota) */
	bool over_budget; /* its Budgets action has attached the deny policy to its roles */
	enum error_class error;
};

enum tenant_state tenant_state_decide(const struct tenant_facts *f);
const char *tenant_state_name(enum tenant_state s);
/* tenant_state_parse: -1 when name is not a state name. */
int tenant_state_parse(const char *name);

#endif
