/* Pure parsers for Cost Explorer answers (awsJson1.1): pages of cost-allocation tags
 * (ListCostAllocationTags), the per-key errors of UpdateCostAllocationTagsStatus and
 * pages of GetCostAndUsage grouped by one tag.
 * Results own their strings; each _release frees them and accepts a zeroed struct. */
#ifndef BTD_CE_PARSE_H
#define BTD_CE_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct ce_cost_tag {
	char *key;    /* TagKey */
	char *type;   /* "UserDefined" or "AWSGenerated" ("" when absent) */
	char *status; /* "Active" or "Inactive" */
};

struct ce_cost_tag_list {
	struct ce_cost_tag *items;
	size_t n;
	size_t alloc;
};

/* One entry of UpdateCostAllocationTagsStatus' Errors: a key that was not set. */
struct ce_tag_error {
	char *key;
	char *code;    /* "TagKeysNotFoundException", ... ("" when absent) */
	char *message; /* "" when absent */
};

struct ce_tag_error_list {
	struct ce_tag_error *items;
	size_t n;
	size_t alloc;
};

/* ce_parse_cost_tags_page: appends a ListCostAllocationTags page; *ret_next gets
 * NextToken or NULL. -EBADMSG when malformed or an entry has no TagKey or Status. */
int ce_parse_cost_tags_page(const char *body, size_t len, struct ce_cost_tag_list *list, char **ret_next);
/* ce_cost_tag_list_find: the entry of key, or NULL. Borrowed. */
const struct ce_cost_tag *ce_cost_tag_list_find(const struct ce_cost_tag_list *list, const char *key);
/* ce_parse_update_errors: an UpdateCostAllocationTagsStatus answer {"Errors":[...]}
 * (absent Errors: none). -EBADMSG when malformed or an entry has no TagKey. */
int ce_parse_update_errors(const char *body, size_t len, struct ce_tag_error_list *ret);

/* One group of one day of GetCostAndUsage grouped by a tag: the tag's value ("" for
 * spend without it, or with an inactive key) and the amount of the metric. */
struct ce_cost_group {
	char *value;
	char day[11]; /* TimePeriod.Start, YYYY-MM-DD */
	double amount;
};

struct ce_cost_groups {
	struct ce_cost_group *items;
	size_t n;
	size_t alloc;
};

#define CE_COST_MAX_GROUPS 2000000 /* (value, day) pairs across every page of one call */

#define CE_COST_METRIC "UnblendedCost" /* what a COST budget counts */

/* ce_parse_cost_page: appends the groups of a GetCostAndUsage page whose GroupBy is
 * one tag (group keys "key$value"; a tag key has no '$') and whose metric is
 * CE_COST_METRIC; *ret_next gets NextPageToken or NULL. -EBADMSG when malformed (a
 * group key without '$', an amount that is not a number), -E2BIG past
 * CE_COST_MAX_GROUPS. */
int ce_parse_cost_page(const char *body, size_t len, struct ce_cost_groups *list, char **ret_next);
void ce_cost_groups_release(struct ce_cost_groups *l);

void ce_cost_tag_list_release(struct ce_cost_tag_list *l);
void ce_tag_error_list_release(struct ce_tag_error_list *l);

#endif
