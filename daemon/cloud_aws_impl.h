/* Internals of the AWS-backed cloud (cloud_aws.c, cloud_aws_budget.c,
 * cloud_aws_iam.c): one action in progress and the helpers its steps share. */
#ifndef BTD_CLOUD_AWS_IMPL_H
#define BTD_CLOUD_AWS_IMPL_H

#include <stdbool.h>

#include "budgets_actions.h"
#include "cloud_aws.h"
#include "iam_account.h"
#include "iam_managed.h"

struct applying {
	struct cloud_aws *c;
	struct aws_target target;
	char *region, *account;
	const char *tier;	  /* the place's ssm_tier (static) */
	struct action a;	  /* copies of what the steps need */
	const struct action *act; /* the action itself, valid until the callback ran */
	char *account_id;	  /* Budgets calls */
	struct cloud_result res;
	struct cloud_error err;
	struct tag_set tags; /* PARAM_READ / PROFILE_READ */
	cloud_apply_cb cb;
	void *data;
	int step;
	struct aws_strv names; /* POLICY_READ: the role's inline policies (zeroed = empty) */
};

/* The account label of a call: the alias when it has a role, else NULL (default). */
char *cloud_aws__target_account(const struct cloud_aws *c, const char *alias);
bool cloud_aws__code_is(const struct aws_error *err, const char *code);
void cloud_aws__tags_from_aws(struct tag_set *dst, const struct aws_tags *src);
/* cloud_aws__aws_tags: the tags as the AWS layer's array (strings borrowed from set). */
struct aws_tag *cloud_aws__aws_tags(const struct tag_set *set);
void cloud_aws__applying_free(struct applying *x);
/* cloud_aws__finish: the action's callback with status, then x is freed. */
void cloud_aws__finish(struct applying *x, int status, const struct aws_error *err);
/* cloud_aws__gone: the resource did not exist (a delete is then done). */
void cloud_aws__gone(struct applying *x);
/* cloud_aws__read_failed: a read's error: "gone" when AWS said so with not_found (or
 * also_not_found, when not NULL), else the error. x is freed either way. */
void cloud_aws__read_failed(struct applying *x, int status, const struct aws_error *err, const char *not_found,
			    const char *also_not_found);
/* cloud_aws__stamp_request_id: the answer being delivered names the action's AWS
 * request (x->res.request_id) for the audit trail: a mutating step followed by reads
 * calls it; otherwise the last answer's id is taken when the action ends. */
void cloud_aws__stamp_request_id(struct applying *x);
/* cloud_aws__on_done: an aws_done_cb that finishes x (a 404 on a delete is "gone"). */
void cloud_aws__on_done(void *arg, int status, const struct aws_error *err);

/* The budget and IAM actions: 0 or -errno as the typed clients' calls return. */
int cloud_aws__apply_budget(struct applying *x);
/* cloud_aws_quota.c: cloud_ops.quota */
int cloud_aws__quota(void *ctx, const struct place *p, const char *service, const char *code, cloud_quota_cb cb,
		     void *data);
int cloud_aws__apply_policy(struct applying *x);
/* cloud_aws_claim.c: cloud_ops.claim */
int cloud_aws__claim(void *ctx, const struct place *p, const char *name, const char *value, cloud_claim_cb cb,
		     void *data);

/* The roles a deny policy is attached to (ListEntitiesForPolicy), read by a listing
 * for the policy of each executed action; read false: refused or not answered. */
struct cloud_aws__policy_roles {
	struct cloud_aws__enforce_listing *el;
	char *arn;
	struct aws_strv roles;
	bool read;
};

/* cloud_aws_enforce.c: the deny policy and the Budgets action (actions), and the
 * listing's part: ListPolicies under the enforcement path and the account's Budgets
 * actions, read into el, then the roles of the policies of executed actions (the
 * over-budget tenants'); each answer calls el->done(el->arg). */
struct cloud_aws__enforce_listing {
	struct iam_policy_list policies;
	struct budgets_action_list actions;
	bool policies_read, actions_read;
	char *error; /* the first failure, for the store's enforce_error */
	void (*done)(void *arg);
	void *arg;
	/* set by cloud_aws__list_enforce: the follow-up reads are counted in *pending */
	struct cloud_aws *c;
	const struct aws_target *iam;
	unsigned *pending;
	struct cloud_aws__policy_roles *policy_roles; /* allocated once, never moved */
	size_t n_policy_roles;
};
void cloud_aws__enforce_listing_release(struct cloud_aws__enforce_listing *el);
int cloud_aws__apply_enforce(struct applying *x);
/* cloud_aws__list_enforce: sends both listings, counting each sent in *pending. */
int cloud_aws__list_enforce(struct cloud_aws *c, const struct aws_target *iam, const struct aws_target *budgets,
			    const char *account_id, struct cloud_aws__enforce_listing *el, unsigned *pending);
/* cloud_aws__build_enforce: into s (its budgets built already); el is only read (the
 * places of one account build from one reading), released with it. */
void cloud_aws__build_enforce(struct observed_store *s, const struct cloud_aws__enforce_listing *el);

/* cloud_aws_account.c: the account's part of a listing (roles, budgets and their tags,
 * enforcement), read once for the places of one account listed together. Written only
 * on the loop until complete, then only read (snapshots are built from it in the
 * thread pool) until the last reference goes. */
struct cloud_aws__account_waiter {
	void (*done)(void *arg);
	void *arg;
};
struct cloud_aws__account_read {
	struct cloud_aws *c;
	char *account;	  /* the calls' account label (NULL: the default credentials) */
	char *account_id; /* NULL: not known yet, so no budgets */
	char *region;	  /* the IAM calls' Region: the first place's */
	bool enforcement, with_budgets;
	bool budget_tags_read; /* GetResources of the budgets sent (struct place.keep_budget_tags) */
	uint64_t epoch;	       /* struct place.account_epoch of the listing that started it */
	struct aws_target iam_target, budgets_target;
	unsigned refs, pending;
	int status; /* no call could be sent: every listing holding it fails */
	struct cloud_error err;
	/* a Budgets read failed ("Code: Operation: message"): the listings holding it are
	 * built without the budgets (observed_store.budgets_error), the rest stands */
	char *budgets_error;
	struct budgets_budget_list budgets;
	struct tagging_resource_list budget_tags; /* GetResources in us-east-1 */
	struct iam_role_detail_list roles;
	bool roles_read;
	bool roles_failed; /* the bulk read failed, and not for want of permission */
	struct cloud_aws__enforce_listing enforce;
	struct cloud_aws__account_waiter *waiters;
	size_t n_waiters, alloc_waiters;
	bool joinable;				     /* in cloud_aws.reading: answers still awaited */
	struct cloud_aws__account_read *prev, *next; /* in cloud_aws.reading */
};
/* cloud_aws__account_join: a reference to the reading of p's account that a listing of
 * the same account_epoch started, or to a new one; done(arg) runs once (later, from the
 * loop) when its last answer is in. -errno when no call could be sent (done never runs). */
int cloud_aws__account_join(struct cloud_aws *c, const struct place *p, void (*done)(void *arg), void *arg,
			    struct cloud_aws__account_read **ret);
/* cloud_aws__account_unref: drops a reference (NULL is fine); the last frees it. */
void cloud_aws__account_unref(struct cloud_aws__account_read *a);

#endif
