/* The budget a tenant asks for, in AWS Budgets' terms, and how it compares with a
 * live budget: a COST budget with the manifest's limit (USD) and period, filtered
 * with FilterExpression + Metrics (the CostFilters form is deprecated since
 * 2025-04-18) on the cost-allocation tag bedrock-tenantd:tenant = tenant id.
 * Alerts become notifications (GREATER_THAN, PERCENTAGE) with e-mail and SNS
 * subscribers, spelled "EMAIL:address" / "SNS:arn". Pure; results are owned by the
 * caller. */
#ifndef BTD_BUDGET_SPEC_H
#define BTD_BUDGET_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "observed.h"

#define BUDGET_METRIC "UnblendedCost"
#define BUDGET_UNIT   "USD"
#define BUDGET_TYPE   "COST"

const char *budget_time_unit(enum budget_period p);
/* budget_filter_expression: {"Tags":{"Key":TAG_TENANT,"Values":[tenant],"MatchOptions":["EQUALS"]}} */
char *budget_filter_expression(const char *tenant);
/* budget_filter_tenant: the tenant whose budget_filter_expression `json` is (the same
 * JSON value, whatever its spelling), interned (state/intern.h: the caller's reference);
 * NULL for any other filter, or none. */
const char *budget_filter_tenant(const char *json);
/* budget_filter_tag_keys: the cost-allocation tag keys the tenant's budget filters on
 * (none without a budget), at most max of them into ret (static strings); returns how
 * many. These keys must be Active in the payer account or the budget sees no spend. */
size_t budget_filter_tag_keys(const struct tenant *t, const char **ret, size_t max);
/* budget_matches: limit (as a number), unit, period, type, filter and metric agree,
 * and no legacy CostFilters are set. */
bool budget_matches(const struct tenant *t, const struct observed_budget *b);
/* budget_alert_specs: the desired notifications, in the observed form. */
void budget_alert_specs(const struct budget *b, struct observed_alert **ret, size_t *ret_n);
void budget_alert_specs_free(struct observed_alert *v, size_t n);
/* alert_same_notification: type, comparison, threshold and threshold type agree. */
bool alert_same_notification(const struct observed_alert *a, const struct observed_alert *b);
bool alert_same_subscribers(const struct observed_alert *a, const struct observed_alert *b);
/* budget_alerts_hash: a hash of the desired alerts (32 hex). */
char *budget_alerts_hash(const struct budget *b);
char *budget_arn(const char *partition, const char *account_id, const char *name);
/* budget_arn_in: the ARN of the budget `name` of account_id in region's partition (an
 * observed budget keeps none: this is every budget's). */
char *budget_arn_in(const char *name, const char *region, const char *account_id);

#endif
