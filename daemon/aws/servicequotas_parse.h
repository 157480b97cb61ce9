/* Pure parsers for Service Quotas answers (awsJson1.1): one quota (GetServiceQuota)
 * and pages of quotas (ListServiceQuotas). Results own their strings; each _release
 * frees them and accepts a zeroed struct. */
#ifndef BTD_SERVICEQUOTAS_PARSE_H
#define BTD_SERVICEQUOTAS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

struct sq_quota {
	char *service_code; /* "bedrock" */
	char *quota_code;   /* "L-40EC9882" */
	char *quota_name;   /* "" when absent */
	char *arn;	    /* "" when absent */
	double value;	    /* the applied value */
	bool adjustable;
	bool global; /* GlobalQuota: one value for the account, not per region */
};

struct sq_quota_list {
	struct sq_quota *items;
	size_t n;
	size_t alloc;
};

/* sq_parse_quota: a GetServiceQuota answer {"Quota": {...}}. -EBADMSG when it is
 * malformed, or the quota has no codes or no numeric Value. */
int sq_parse_quota(const char *body, size_t len, struct sq_quota *ret);
/* sq_parse_quotas_page: appends a ListServiceQuotas page; *ret_next gets NextToken
 * or NULL. */
int sq_parse_quotas_page(const char *body, size_t len, struct sq_quota_list *list, char **ret_next);
/* sq_quota_list_find: the quota with this code in list, or NULL. Borrowed. */
const struct sq_quota *sq_quota_list_find(const struct sq_quota_list *list, const char *quota_code);

void sq_quota_release(struct sq_quota *q);
void sq_quota_list_release(struct sq_quota_list *l);

#endif
