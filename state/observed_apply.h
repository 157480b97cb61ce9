/* What a successful action does to the observed model and to the record: the one
 * world-model update. The engine applies it after AWS answered (reconcile.c), plan's
 * simulation (simulate_apply.c), the tests' simulated worlds (tests/unit/state) and the
 * fake cloud (tests/unit/daemon) instead of AWS. Pure. */
#ifndef BTD_OBSERVED_APPLY_H
#define BTD_OBSERVED_APPLY_H

#include "observed.h"
#include "plan.h"
#include "record.h"

/* observed_apply_action: a succeeded; s and r (NULL: the model only, as a simulated
 * AWS keeps it) change as the engine notes it: the resource created, changed or gone,
 * the tag keys applied, the facts of alerts and policies applied, a gone resource's
 * timers and tag keys forgotten; a store-only action changes r only.
 *   created: for ACT_PROFILE_CREATE, the profile AWS answered (taken; the action's tags
 *     and name fill what it does not say); NULL for other kinds.
 *   budget_arn: the ARN of the action's budget (budget actions); for the enforcement
 *     actions, what AWS answered: the ActionId of ACT_BUDGET_ACTION_CREATE, the default
 *     version of ACT_DENY_POLICY_CREATE / _UPDATE (NULL: made up, as a simulation does).
 * Create intents are not set here: the engine makes them durable before it sends the
 * create (record_set_intent). Returns 0; -ENOENT when the resource the action changes
 * is not in s (a delete still forgets it in r); -EAGAIN for a read (its answer is
 * folded by observed_apply_read); -EINVAL for a create without `created`. */
int observed_apply_action(struct observed_store *s, struct tenant_record *r, const struct action *a,
			  struct observed_profile *created, const char *budget_arn);
/* observed_apply_action_at: as observed_apply_action, AWS's answer having come at
 * answered_ms (epoch ms by AWS's clock; 0: not known): a parameter the action writes
 * keeps it as the date of the write (observed_parameter.modified_ms). */
int observed_apply_action_at(struct observed_store *s, struct tenant_record *r, const struct action *a,
			     struct observed_profile *created, const char *budget_arn, int64_t answered_ms);

/* observed_apply_read: the answer of a read action into the model, as the engine folds
 * it: takes whichever of profile, parameter, budget and policy is not NULL (budget:
 * only its tags or alerts are merged into the live one, then it is freed); gone: the
 * resource does not exist. Returns true when s changed. */
bool observed_apply_read(struct observed_store *s, const struct action *a, struct observed_profile *profile,
			 struct observed_parameter *parameter, struct observed_budget *budget,
			 struct observed_policy *policy, bool gone);

/* observed_apply_budget: a->kind is one of the budget, notification or subscriber
 * actions (reads excluded). A created budget is an entry of s's arena
 * (observed_store_new_budget). Returns -ENOENT when the budget or notification
 * the action changes is not in the store. */
int observed_apply_budget(struct observed_store *s, const struct action *a);
/* observed_apply_parameter_create: the parameter an ACT_PARAM_CREATE publishes, as
 * PutParameter leaves it (version 1, the action's tags, known, written at answered_ms
 * as observed_apply_action_at says); an entry of s's arena (observed_store_new_parameter),
 * owned by s. */
const struct observed_parameter *observed_apply_parameter_create(struct observed_store *s, const struct action *a,
								 int64_t answered_ms);

#endif
