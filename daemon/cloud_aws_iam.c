/* Role policy actions on the IAM client. A read tells three cases apart: the policy
 * (its document), no such policy, no such role; and, the role existing, it reads the
 * role's other inline policies (ListRolePolicies, then GetRolePolicy each) for their
 * sizes, which count in IAM's limit with ours. Writing to a role that does not exist
 * is a retryable error on the tenant: the role may be created later; a write the
 * limit refuses is a terminal one that says so. */
#include "cloud_aws_impl.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_doc.h"
#include "xalloc.h"

/* The most inline policies of one role read for their sizes: IAM's 10,240 characters
 * hold far fewer (each document has at least a few dozen). */
#define ROLE_POLICIES_MAX 1000
_Static_assert(ROLE_POLICIES_MAX <= UINT16_MAX, "struct observed_policy counts them in 16 bits");

static struct observed_policy *policy_of(const struct applying *x)
{
	struct observed_policy *p = xcalloc(1, sizeof(*p));

	p->role = xstrdup(x->act->role);
	p->name = xstrdup(x->act->name);
	return p;
}

static void read_next_other(struct applying *x);

static void on_other(void *arg, int status, const struct aws_error *err, const struct iam_role_policy *p)
{
	struct applying *x = arg;
	struct observed_policy *pol = x->res.policy;

	if (status < 0 && !cloud_aws__code_is(err, "NoSuchEntity")) { /* gone meanwhile: it holds nothing */
		cloud_aws__finish(x, status, err);
		return;
	}
	if (status == 0 && p->document) {
		observed_policy_add_other(pol, policy_size(p->document));
	}
	x->step++;
	read_next_other(x);
}

/* The role's other policies, one by one (x->step indexes x->names). */
static void read_next_other(struct applying *x)
{
	int r;

	while ((size_t)x->step < x->names.n && strcmp(x->names.items[x->step], x->act->name) == 0)
		x->step++;
	if ((size_t)x->step >= x->names.n) {
		x->res.policy->others_known = true;
		cloud_aws__finish(x, 0, NULL);
		return;
	}
	r = iam_get_role_policy(x->c->client, &x->target, x->act->role, x->names.items[x->step], on_other, x);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

static void on_names(void *arg, int status, const struct aws_error *err, const struct aws_strv *names)
{
	struct applying *x = arg;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	if (names->n > ROLE_POLICIES_MAX) {
		cloud_error_set(&x->err, 0, ERROR_TERMINAL, "TooManyPolicies",
				"the IAM role %s has %zu inline policies, more than the %d read for its size",
				x->act->role, names->n, ROLE_POLICIES_MAX);
		x->cb(-E2BIG, &x->err, &x->res, x->data);
		cloud_aws__applying_free(x);
		return;
	}
	for (size_t i = 0; i < names->n; i++)
		aws_strv_add(&x->names, names->items[i]);
	x->step = 0;
	read_next_other(x);
}

static void read_others(struct applying *x)
{
	int r = iam_list_role_policies(x->c->client, &x->target, x->act->role, on_names, x);

	if (r < 0)
		cloud_aws__finish(x, r, NULL);
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
	if (status < 0)
		cloud_aws__finish(x, 0, NULL);
	else
		read_others(x);
}

static void on_policy(void *arg, int status, const struct aws_error *err, const struct iam_role_policy *p)
{
	struct applying *x = arg;

	if (status == 0) {
		x->res.policy = policy_of(x);
		x->res.policy->document = xstrdup_or_null(p->document);
		read_others(x);
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
	if (status < 0 && cloud_aws__code_is(err, "LimitExceeded")) {
		/* the role's other policies grew since they were read (another writer) */
		cloud_error_set(&x->err, err->http_status, ERROR_TERMINAL, "LimitExceeded",
				"the IAM role %s has no room for the policy %s: all its inline policies together "
				"would be over IAM's limit of %d characters (%s)",
				x->act->role, x->act->name, IAM_INLINE_POLICY_MAX, err->message);
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
