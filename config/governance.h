/* Governance: the rules of the configuration's `policy` that a tenant must follow.
 *
 * Each check returns NULL when the tenant complies, or a heap message (owned by the
 * caller) that names the rule broken and where it is written, e.g. "model 'x' is not
 * allowed by policy.allowed_models (config.yaml:12)". */
#ifndef BTD_GOVERNANCE_H
#define BTD_GOVERNANCE_H

#include "daemon_config.h"
#include "model.h"

/* governance_model: model_id (bare) or model (as written) matches policy.allowed_models. */
char *governance_model(const struct daemon_config *cfg, const char *model_id, const char *model);
char *governance_region(const struct daemon_config *cfg, const char *region);
/* governance_department: department may be NULL (absent). */
char *governance_department(const struct daemon_config *cfg, const char *department);
/* governance_required_tags: every key of policy.required_tags is in tags. */
char *governance_required_tags(const struct daemon_config *cfg, const struct tag_set *tags);
/* governance_budget_required: a budget block is required and missing. */
char *governance_budget_required(const struct daemon_config *cfg, const struct budget *budget);
/* governance_budget_limit: limit_usd (canonical decimal) is within policy.max_budget_usd. */
char *governance_budget_limit(const struct daemon_config *cfg, const char *limit_usd);

#endif
