/* Role policy actions on the IAM client. A read tells three cases apart: the policy
 * (its document), no such policy, no such role. Writing to a role that does not
 * exist is a retryable error on the tenant: the role may be created later. */
#include "cloud_aws_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static struct observed_policy *policy_of(const struct applying *x)
{
	struct observed_policy *p = xcalloc(1, sizeof(*p));

	p->role = xstrdup(x->act->role);
	p->name = xstrdup(x->act->name);
	return p;
}

static void on_role(void *arg, int status, const struct aws_error *err, const struct iam_role *role)
{
	struct applying *x = arg;

	if (status < 0 && !cloud_aws__code_is(err, "NoSuchEntity")) {
		cloud_aws__finish(x, status, err);
		return;
	}
	x->res.policy = policy_of(x);
	x->res.policy->role_missing = status < 0;
	cloud_aws__finish(x, 0, NULL);
}

static void on_policy(void *arg, int status, const struct aws_error *err, const struct iam_role_policy *p)
{
	struct applying *x = arg;

	if (status == 0) {
		x->res.policy = policy_of(x);
		x->res.policy->document = xstrdup_or_null(p->document);
		cloud_aws__finish(x, 0, NULL);
	} else if (cloud_aws__code_is(err, "NoSuchEntity")) {
		/* no policy, or no role at all? */
		int r = iam_get_role(x->c->client, &x->target, x->act->role, on_role, x);
		if (r < 0)
			cloud_aws__finish(x, r, NULL);
	} else {
		cloud_aws__finish(x, status, err);
	}
}

static void on_put(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	if (status < 0 && cloud_aws__code_is(err, "NoSuchEntity")) {
		cloud_error_set(&x->err, 404, ERROR_RETRYABLE, "NoSuchEntity", "the IAM role %s does not exist",
				x->act->role);
		x->cb(status, &x->err, &x->res, x->data);
		cloud_aws__applying_free(x);
		return;
	}
	cloud_aws__finish(x, status, err);
}

int cloud_aws__apply_policy(struct applying *x)
{
	const struct action *a = x->act;

	switch (a->kind) {
	case ACT_POLICY_READ:
		return iam_get_role_policy(x->c->client, &x->target, a->role, a->name, on_policy, x);
	case ACT_POLICY_PUT:
		return iam_put_role_policy(x->c->client, &x->target, a->role, a->name, a->value, on_put, x);
	case ACT_POLICY_DELETE:
		return iam_delete_role_policy(x->c->client, &x->target, a->role, a->name, cloud_aws__on_done, x);
	default:
		return -EINVAL;
	}
}
