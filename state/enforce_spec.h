/* Budget enforcement's names and documents (issue 12, "Enforcement"): the
 * customer-managed policy that a tenant's Budgets action attaches to the tenant's
 * roles once actual spend crosses the threshold. It denies invoking the tenant's
 * profiles, which is all the tenant's roles are granted (policy_doc.h), and an explicit
 * Deny wins over that Allow. Deterministic name and path, so that the policy is found
 * again after a crash or a lost state store. Pure; results are owned by the caller.
 * Not yet used by the engine. */
#ifndef BTD_ENFORCE_SPEC_H
#define BTD_ENFORCE_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "observed.h"

#define ENFORCE_POLICY_PATH "/bedrock-tenants/"
#define ENFORCE_ACTION_TYPE "APPLY_IAM_POLICY"
#define ENFORCE_APPROVAL    "AUTOMATIC"
#define ENFORCE_NOTIFY	    "ACTUAL"
#define ENFORCE_THRESHOLD   "PERCENTAGE"

/* enforce_policy_name: "bedrock-tenantd-{tenant}-deny" (IAM allows 128 characters;
 * a tenant id has at most 63). */
char *enforce_policy_name(const char *tenant);
/* enforce_policy_name_in: the same into buf (size bytes); false when it does not fit
 * (ENFORCE_POLICY_NAME_MAX + 1 bytes hold any valid tenant's). */
#define ENFORCE_POLICY_NAME_MAX 128
bool enforce_policy_name_in(const char *tenant, char *buf, size_t size);
/* enforce_policy_arn: arn:PARTITION:iam::ACCOUNT:policy/bedrock-tenants/NAME. */
char *enforce_policy_arn(const char *partition, const char *account_id, const char *tenant);
/* enforce_action_attaches: the Budgets action attaches the deny policy named
 * policy_name (by its path and name in the action's policy ARN): one of the daemon's. */
bool enforce_action_attaches(const struct observed_budget_action *a, const char *policy_name);
/* enforce_deny_document: Deny bedrock:InvokeModel and
 * bedrock:InvokeModelWithResponseStream on the profiles (sorted, unique), and on any
 * model reached through one of them (bedrock:InferenceProfileArn); NULL when there
 * is no profile. The same profiles give the same text. */
char *enforce_deny_document(const struct observed_profile *const *profiles, size_t n);

#endif
