/* The applied value of one quota of a place, from Service Quotas (GetServiceQuota):
 * bedrock L-40EC9882 (application inference profiles, per account and Region) and iam
 * L-FE177D64 (roles, one value per account, asked in us-east-1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cloud_aws_impl.h"
#include "servicequotas.h"
#include "xalloc.h"

struct quota_asking {
	cloud_quota_cb cb;
	void *data;
	char *region, *account;
};

static void on_quota(void *arg, int status, const struct aws_error *err, const struct sq_quota *q)
{
	struct quota_asking *k = arg;
	struct cloud_error ce;

	if (status < 0)
		cloud_error_from_aws(&ce, status, err);
	/* the parser gives a finite value >= 0 (0 is a quota, as new accounts have for some) */
	k->cb(status, status < 0 ? &ce : NULL, status == 0 ? (uint64_t)fmin(q->value, 1e18) : 0, k->data);
	free(k->region);
	free(k->account);
	free(k);
}

int cloud_aws__quota(void *ctx, const struct place *p, const char *service, const char *code, cloud_quota_cb cb,
		     void *data)
{
	struct cloud_aws *c = ctx;
	struct quota_asking *k = xcalloc(1, sizeof(*k));
	struct aws_target t;
	int r;

	k->cb = cb;
	k->data = data;
	k->region = xstrdup(strcmp(service, "iam") ? p->region : "us-east-1");
	k->account = cloud_aws__target_account(c, p->account);
	t = (struct aws_target){ .account = k->account, .region = k->region };
	r = sq_get_service_quota(c->client, &t, service, code, on_quota, k);
	if (r < 0) {
		free(k->region);
		free(k->account);
		free(k);
	}
	return r;
}
