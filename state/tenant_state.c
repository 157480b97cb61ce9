#include "tenant_state.h"

#include <string.h>

static const char *const names[TENANT__STATE_COUNT] = {
	[TENANT_PENDING] = "Pending",	  [TENANT_RECONCILING] = "Reconciling",
	[TENANT_READY] = "Ready",	  [TENANT_DRIFTED] = "Drifted",
	[TENANT_ERROR] = "Error",	  [TENANT_STALLED] = "Stalled",
	[TENANT_DELETING] = "Deleting",	  [TENANT_HELD] = "Held",
	[TENANT_SUSPENDED] = "Suspended", [TENANT_OVER_BUDGET] = "OverBudget",
};

const char *tenant_state_name(enum tenant_state s)
{
	return s < TENANT__STATE_COUNT ? names[s] : "Unknown";
}

int tenant_state_parse(const char *name)
{
	for (int i = 0; i < TENANT__STATE_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* Precedence, highest first: what an operator must act on, then what the daemon is
 * doing, then the resting states. */
enum tenant_state tenant_state_decide(const struct tenant_facts *f)
{
	if (f->suspended)
		return TENANT_SUSPENDED;
	if (f->held)
		return TENANT_HELD;
	if (f->waiting)
		return TENANT_PENDING; /* with the reason; placed once capacity appears */
	if (f->error == ERROR_TERMINAL || f->conflict)
		return TENANT_STALLED;
	if (f->in_progress)
		return TENANT_RECONCILING;
	if (f->error == ERROR_RETRYABLE)
		return TENANT_ERROR;
	if (!f->reconciled)
		return TENANT_PENDING;
	if (f->removed)
		return TENANT_DELETING;
	if (f->pending_changes)
		return f->paused ? TENANT_DRIFTED : TENANT_RECONCILING;
	if (f->over_budget)
		return TENANT_OVER_BUDGET;
	return TENANT_READY;
}
