/* What a successful action does to the observed model: the engine applies it after
 * AWS answered, plan's simulation and the tests' simulated world instead of AWS. Pure. */
#ifndef BTD_OBSERVED_APPLY_H
#define BTD_OBSERVED_APPLY_H

#include "observed.h"
#include "plan.h"

/* observed_apply_budget: a->kind is one of the budget, notification or subscriber
 * actions (reads excluded). arn names a created budget. Returns -ENOENT when the
 * budget or notification the action changes is not in the store. */
int observed_apply_budget(struct observed_store *s, const struct action *a, const char *arn);
/* observed_apply_parameter_create: the parameter an ACT_PARAM_CREATE publishes, as
 * PutParameter leaves it (version 1, the action's tags, known); owned by s. */
const struct observed_parameter *observed_apply_parameter_create(struct observed_store *s, const struct action *a);

#endif
