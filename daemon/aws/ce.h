/* Cost Explorer (awsJson1.1, AWSInsightsIndexService; one endpoint,
 * ce.us-east-1.amazonaws.com, signed for `ce` in us-east-1): the status of
 * cost-allocation tags, read and set in the payer account, and the daily cost
 * grouped by one tag (GetCostAndUsage; each page is a billed request).
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing or out-of-range argument, or aws_client_call()'s; the callback never
 * runs). Results are borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_CE_H
#define BTD_CE_H

#include "aws_client.h"
#include "ce_parse.h"

#define CE_LIST_PAGE_SIZE  1000 /* ListCostAllocationTags' largest MaxResults */
#define CE_LIST_MAX_KEYS   100	/* its TagKeys filter */
#define CE_UPDATE_MAX_KEYS 20	/* UpdateCostAllocationTagsStatus' entries */
#define CE_STATUS_ACTIVE   "Active"
#define CE_STATUS_INACTIVE "Inactive"

typedef void (*ce_tags_cb)(void *arg, int status, const struct ce_cost_tag_list *l, const struct aws_error *err);
typedef void (*ce_cost_cb)(void *arg, int status, const struct ce_cost_groups *l, const struct aws_error *err);
typedef void (*ce_update_cb)(void *arg, int status, const struct ce_tag_error_list *l, const struct aws_error *err);

/* ce_list_cost_allocation_tags: every page of the cost-allocation tags among keys
 * (1..CE_LIST_MAX_KEYS; a key Cost Explorer has never seen is not listed). */
int ce_list_cost_allocation_tags(struct aws_client *c, const struct aws_target *t, const char *const *keys,
				 size_t n_keys, ce_tags_cb cb, void *arg);
/* ce_update_cost_allocation_tags_status: sets keys (1..CE_UPDATE_MAX_KEYS) to status
 * (CE_STATUS_ACTIVE or CE_STATUS_INACTIVE); the keys that were not set come back in
 * the error list (a success of the call). */
int ce_update_cost_allocation_tags_status(struct aws_client *c, const struct aws_target *t, const char *const *keys,
					  size_t n_keys, const char *status, ce_update_cb cb, void *arg);
/* ce_get_cost_by_tag: every page of GetCostAndUsage, DAILY, CE_COST_METRIC, grouped
 * by tag_key, from start (inclusive) to end (exclusive), both YYYY-MM-DD. */
int ce_get_cost_by_tag(struct aws_client *c, const struct aws_target *t, const char *start, const char *end,
		       const char *tag_key, ce_cost_cb cb, void *arg);

#endif
