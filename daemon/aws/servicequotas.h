/* Service Quotas (awsJson1.1, regional): the quota values applied to an account
 * and region, e.g. bedrock L-40EC9882 (application inference profiles) or iam
 * L-FE177D64 (roles; a global quota, asked in us-east-1).
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_SERVICEQUOTAS_H
#define BTD_SERVICEQUOTAS_H

#include "aws_client.h"
#include "servicequotas_parse.h"

#define SQ_LIST_PAGE_SIZE 100 /* ListServiceQuotas' largest MaxResults */

typedef void (*sq_quota_cb)(void *arg, int status, const struct aws_error *err, const struct sq_quota *q);
typedef void (*sq_quotas_cb)(void *arg, int status, const struct aws_error *err, const struct sq_quota_list *l);

/* sq_get_service_quota: the applied value (NoSuchResourceException for an unknown
 * service or quota code). */
int sq_get_service_quota(struct aws_client *c, const struct aws_target *t, const char *service_code,
			 const char *quota_code, sq_quota_cb cb, void *arg);
/* sq_list_service_quotas: every page of service_code's quotas. */
int sq_list_service_quotas(struct aws_client *c, const struct aws_target *t, const char *service_code, sq_quotas_cb cb,
			   void *arg);

#endif
