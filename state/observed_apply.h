/* What a successful budget action does to the observed model: the engine applies it
 * after AWS answered, the tests' simulated world instead of AWS. Pure. */
#ifndef BTD_OBSERVED_APPLY_H
#define BTD_OBSERVED_APPLY_H

#include "observed.h"
#include "plan.h"

/* observed_apply_budget: a->kind is one of the budget, notification or subscriber
 * actions (reads excluded). arn names a created budget. Returns -ENOENT when the
 * budget or notification the action changes is not in the store. */
int observed_apply_budget(struct observed_store *s, const struct action *a, const char *arn);

#endif
