/* Budget enforcement on AWS: the deny policy (IAM customer-managed policies, global;
 * deleted once detached from every role ListEntitiesForPolicy names and the roles the
 * action names; versions made by hand are pruned, oldest first, when IAM refuses a new
 * version or the deletion) and the Budgets action on the tenant's budget (Budgets, us-east-1), as
 * actions and as the listing's part (ListPolicies under ENFORCE_POLICY_PATH and
 * DescribeBudgetActionsForAccount, then ListEntitiesForPolicy for the policy of each
 * executed action). A listing that cannot read them does not fail
 * the place: the store says why (enforce_error), and only enforcing tenants wait. */
#include "cloud_aws_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enforce_spec.h"
#include "xalloc.h"

#define BUDGETS_REGION "us-east-1"

/* ---- the listing's part ---- */

static void enforce_failed(struct cloud_aws__enforce_listing *el, const char *what, int status,
			   const struct aws_error *err)
{
	if (el->error)
		return;
	el->error = xasprintf("%s: %s", what,
			      err && err->code && err->code[0] ? err->code : strerror(status < 0 ? -status : EIO));
}

void cloud_aws__enforce_listing_release(struct cloud_aws__enforce_listing *el)
{
	iam_policy_list_release(&el->policies);
	budgets_action_list_release(&el->actions);
	free(el->error);
	for (size_t i = 0; i < el->n_policy_roles; i++) {
		free(el->policy_roles[i].arn);
		aws_strv_release(&el->policy_roles[i].roles);
	}
	free(el->policy_roles);
}

static bool listed_policy(const struct cloud_aws__enforce_listing *el, const char *arn)
{
	for (size_t i = 0; i < el->policies.n; i++)
		if (el->policies.items[i].arn && !strcmp(el->policies.items[i].arn, arn))
			return true;
	return false;
}

static bool roles_asked(const struct cloud_aws__enforce_listing *el, const char *arn)
{
	for (size_t i = 0; i < el->n_policy_roles; i++)
		if (!strcmp(el->policy_roles[i].arn, arn))
			return true;
	return false;
}

static void on_attached_roles(void *arg, int status, const struct aws_error *err, const struct aws_strv *roles)
{
	struct cloud_aws__policy_roles *pr = arg;

	/* refused (no iam:ListEntitiesForPolicy) or gone meanwhile: the count stands */
	(void)err;
	if (status == 0) {
		pr->roles = *roles;
		memset((void *)roles, 0, sizeof(*roles));
		pr->read = true;
	}
	pr->el->done(pr->el->arg);
}

/* Both listings in: the roles each executed action's policy is attached to. AWS's
 * AttachmentCount counts every entity (users and groups, other roles), so it cannot
 * tell that a role of the action lost the policy when it was attached elsewhere by
 * hand; one read per over-budget tenant's policy can. So for a failed execution's
 * (EXECUTION_FAILURE): Budgets may have attached it to some of the roles before it
 * failed, which are detached before the action is reset (diff_enforce.c). */
static void read_attached_roles(struct cloud_aws__enforce_listing *el)
{
	if (el->error || !el->c)
		return;
	el->policy_roles = xcalloc(el->actions.n ? el->actions.n : 1, sizeof(*el->policy_roles));
	for (size_t i = 0; i < el->actions.n; i++) {
		const struct budgets_action *a = &el->actions.items[i];
		struct cloud_aws__policy_roles *pr = &el->policy_roles[el->n_policy_roles];

		if (!a->status ||
		    (strcmp(a->status, "EXECUTION_SUCCESS") != 0 && strcmp(a->status, "EXECUTION_FAILURE") != 0) ||
		    !a->policy_arn || !listed_policy(el, a->policy_arn) || roles_asked(el, a->policy_arn))
			continue;
		pr->el = el;
		pr->arn = xstrdup(a->policy_arn);
		el->n_policy_roles++;
		if (iam_list_policy_roles(el->c->client, el->iam, pr->arn, on_attached_roles, pr) == 0)
			(*el->pending)++;
	}
}

static void on_policies(void *arg, int status, const struct aws_error *err, const struct iam_policy_list *l)
{
	struct cloud_aws__enforce_listing *el = arg;

	if (status < 0) {
		enforce_failed(el, "ListPolicies", status, err);
	} else {
		el->policies = *l; /* moved: the pager releases a zeroed list */
		memset((void *)l, 0, sizeof(*l));
		el->policies_read = true;
		if (el->actions_read)
			read_attached_roles(el);
	}
	el->done(el->arg);
}

static void on_actions(void *arg, int status, const struct aws_error *err, const struct budgets_action_list *l)
{
	struct cloud_aws__enforce_listing *el = arg;

	if (status < 0) {
		enforce_failed(el, "DescribeBudgetActionsForAccount", status, err);
	} else {
		el->actions = *l;
		memset((void *)l, 0, sizeof(*l));
		el->actions_read = true;
		if (el->policies_read)
			read_attached_roles(el);
	}
	el->done(el->arg);
}

int cloud_aws__list_enforce(struct cloud_aws *c, const struct aws_target *iam, const struct aws_target *budgets,
			    const char *account_id, struct cloud_aws__enforce_listing *el, unsigned *pending)
{
	int r = iam_list_policies(c->client, iam, ENFORCE_POLICY_PATH, on_policies, el);

	el->c = c;
	el->iam = iam;
	el->pending = pending;
	if (r == 0)
		(*pending)++;
	if (r == 0 && (r = budgets_describe_account_actions(c->client, budgets, account_id, on_actions, el)) == 0)
		(*pending)++;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void take_action(struct observed_budget *b, const struct budgets_action *src)
{
	struct observed_budget_action *a;

	/* given twice by the listing's pages: one action (a second would be deleted as
	 * extra, and the deletion takes the one action there is) */
	for (size_t i = 0; i < b->n_actions; i++)
		if (!strcmp(b->actions[i].id, src->action_id))
			return;
	b->actions = xreallocarray(b->actions, b->n_actions + 1, sizeof(*b->actions));
	a = &b->actions[b->n_actions++];
	memset(a, 0, sizeof(*a));
	a->id = xstrdup(src->action_id);
	a->status = xstrdup(src->status);
	a->action_type = xstrdup_or_null(src->action_type);
	a->notification_type = xstrdup_or_null(src->notification_type);
	a->approval_model = xstrdup_or_null(src->approval_model);
	a->threshold_type = xstrdup_or_null(src->threshold_type);
	a->threshold = src->threshold;
	a->policy_arn = xstrdup(src->policy_arn ? src->policy_arn : "");
	a->execution_role_arn = xstrdup(src->execution_role_arn ? src->execution_role_arn : "");
	a->n_roles = src->roles.n;
	a->roles = xcalloc(src->roles.n ? src->roles.n : 1, sizeof(char *));
	for (size_t i = 0; i < src->roles.n; i++)
		a->roles[i] = xstrdup(src->roles.items[i]);
	qsort(a->roles, a->n_roles, sizeof(char *), cmp_str);
	a->n_subscribers = src->subscribers.n;
	a->subscribers = xcalloc(src->subscribers.n ? src->subscribers.n : 1, sizeof(char *));
	for (size_t i = 0; i < src->subscribers.n; i++)
		a->subscribers[i] = xstrdup(src->subscribers.items[i]);
	qsort(a->subscribers, a->n_subscribers, sizeof(char *), cmp_str);
}

static void attached_roles(struct observed_deny_policy *d, const struct cloud_aws__enforce_listing *el)
{
	for (size_t i = 0; i < el->n_policy_roles; i++) {
		const struct cloud_aws__policy_roles *pr = &el->policy_roles[i];
		if (!pr->read || !d->arn || strcmp(pr->arn, d->arn) != 0)
			continue;
		d->roles_known = true;
		for (size_t j = 0; j < pr->roles.n; j++)
			observed_deny_policy_attach(d, pr->roles.items[j]);
		return;
	}
}

void cloud_aws__build_enforce(struct observed_store *s, const struct cloud_aws__enforce_listing *el)
{
	if (el->policies_read && el->actions_read && !el->error) {
		for (size_t i = 0; i < el->policies.n; i++) {
			const struct iam_policy *p = &el->policies.items[i];
			struct observed_deny_policy *d = xcalloc(1, sizeof(*d));
			d->name = xstrdup(p->name);
			d->arn = xstrdup(p->arn);
			d->default_version = xstrdup_or_null(p->default_version);
			d->attachments = p->attachments;
			attached_roles(d, el);
			observed_store_put_deny_policy(s, d);
		}
		for (size_t i = 0; i < el->actions.n; i++) {
			struct observed_budget *b = observed_store_budget(s, el->actions.items[i].budget_name);
			if (b) /* the store owns b: actions are added in place while it is built */
				take_action(b, &el->actions.items[i]);
		}
		s->enforce_listed = true;
	} else {
		s->enforce_error = xstrdup(el->error ? el->error : "not listed");
	}
}

/* ---- actions ---- */

/* A refusal that heals by itself: the tenant is retried with backoff, not Stalled. */
static void finish_retryable(struct applying *x, int status, const struct aws_error *err)
{
	cloud_error_from_aws(&x->err, status, err);
	x->err.cls = ERROR_RETRYABLE;
	if (!x->res.request_id[0])
		cloud_aws__stamp_request_id(x);
	x->cb(status, &x->err, &x->res, x->data);
	cloud_aws__applying_free(x);
}

/* Budgets' refusals that a later listing settles (the action executed or was
 * deleted meanwhile) are retried rather than stalling the tenant. */
static void finish(struct applying *x, int status, const struct aws_error *err)
{
	if (status < 0 &&
	    (cloud_aws__code_is(err, "ResourceLockedException") || cloud_aws__code_is(err, "NotFoundException"))) {
		finish_retryable(x, status, err);
		return;
	}
	cloud_aws__finish(x, status, err);
}

static void on_done(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	if (status < 0 && x->a.kind == ACT_BUDGET_ACTION_DELETE && cloud_aws__code_is(err, "NotFoundException")) {
		cloud_aws__gone(x);
		return;
	}
	finish(x, status, err);
}

static void on_retried_status(void *arg, int status, const struct aws_error *err, const struct budgets_action_list *l);

/* A read-back that finds the action in progress is read again after 1 s, 2 s, 4 s,
 * 8 s and 16 s (31 s in all: read_back_first_ms, doubling); one still in progress
 * then is answered as it stands. */
#define READ_BACK_WAITS 5

static void on_read_again(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;
	int r;

	if (status < 0) { /* the client is closing */
		finish(x, status, err);
		return;
	}
	r = budgets_describe_actions(x->c->client, &x->target, x->account_id, x->act->budget, on_retried_status, x);
	if (r < 0)
		finish(x, r, NULL);
}

static bool in_progress(const char *st)
{
	size_t n = strlen(st), k = strlen("_IN_PROGRESS");

	return n > k && !strcmp(st + n - k, "_IN_PROGRESS");
}

/* What a retry or a reversal did, read back (ExecuteBudgetAction answers before
 * Budgets has carried it out): while the status is EXECUTION_IN_PROGRESS or
 * REVERSE_IN_PROGRESS it is read again (READ_BACK_WAITS, on a timer of the loop);
 * one still in progress after that is a success whose answer is that status (the
 * engine records it and waits for the next listing, which shows how it ended). Else
 * the status it left, a success answered to the engine; a
 * failure (a role missing, the execution role not usable) is the tenant's error,
 * retried with backoff, never a tight loop. A reversal that failed answers its status
 * with the error (res.answer "REVERSE_FAILURE": the engine records it, so that the next
 * attempt retries the reversal rather than taking the roles for free). */
static void on_retried_status(void *arg, int status, const struct aws_error *err, const struct budgets_action_list *l)
{
	struct applying *x = arg;
	const char *st = NULL, *budget = x->act->budget;
	bool reversed = !strcmp(x->act->value, "REVERSE_BUDGET_ACTION");

	if (status < 0) {
		finish_retryable(x, status, err);
		return;
	}
	for (size_t i = 0; l && i < l->n; i++)
		if (l->items[i].action_id && !strcmp(l->items[i].action_id, x->act->action_id))
			st = l->items[i].status;
	if (st && in_progress(st) && x->step < READ_BACK_WAITS) {
		int r = aws_client_wait(x->c->client, x->c->read_back_first_ms << x->step, on_read_again, x);
		x->step++;
		if (r < 0)
			finish(x, r, NULL);
		return;
	}
	if (st && in_progress(st)) {
		snprintf(x->res.answer, sizeof(x->res.answer), "%s", st);
		finish(x, 0, NULL);
		return;
	}
	if (st && (reversed ? !strcmp(st, "REVERSE_SUCCESS")
			    : !strcmp(st, "EXECUTION_SUCCESS") || !strcmp(st, "REVERSE_SUCCESS"))) {
		snprintf(x->res.answer, sizeof(x->res.answer), "%s", st);
		finish(x, 0, NULL);
		return;
	}
	if (!st)
		cloud_error_set(&x->err, 200, ERROR_RETRYABLE, "NotFoundException",
				"the enforcement action of budget %s is gone since it was %s", budget,
				reversed ? "reversed" : "retried");
	else if (reversed && !strcmp(st, "REVERSE_FAILURE")) {
		snprintf(x->res.answer, sizeof(x->res.answer), "%s", st);
		cloud_error_set(&x->err, 200, ERROR_RETRYABLE, st,
				"the enforcement action of budget %s failed to reverse: the roles are still denied; "
				"check that the tenant's roles exist and that Budgets can assume the execution role "
				"and detach the policy",
				budget);
	} else if (reversed)
		cloud_error_set(&x->err, 200, ERROR_RETRYABLE, st,
				"the enforcement action of budget %s was reversed and is in status %s", budget, st);
	else if (!strcmp(st, "EXECUTION_FAILURE") || !strcmp(st, "REVERSE_FAILURE"))
		cloud_error_set(&x->err, 200, ERROR_RETRYABLE, st,
				"the enforcement action of budget %s failed to %s again: check that the tenant's "
				"roles exist and that Budgets can assume the execution role and %s the policy",
				budget, !strcmp(st, "EXECUTION_FAILURE") ? "execute" : "reverse",
				!strcmp(st, "EXECUTION_FAILURE") ? "attach" : "detach");
	else
		cloud_error_set(&x->err, 200, ERROR_RETRYABLE, st,
				"the enforcement action of budget %s was retried and is in status %s", budget, st);
	if (!x->res.request_id[0])
		cloud_aws__stamp_request_id(x);
	x->cb(-EAGAIN, &x->err, &x->res, x->data); /* answered (200), the status a failure */
	cloud_aws__applying_free(x);
}

static void on_executed(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;
	int r;

	if (status < 0 || (strcmp(x->act->value, "RETRY_BUDGET_ACTION") != 0 &&
			   strcmp(x->act->value, "REVERSE_BUDGET_ACTION") != 0)) {
		finish(x, status, err);
		return;
	}
	r = budgets_describe_actions(x->c->client, &x->target, x->account_id, x->act->budget, on_retried_status, x);
	if (r < 0)
		finish(x, r, NULL);
}

static void on_action_id(void *arg, int status, const struct aws_error *err, const char *id)
{
	struct applying *x = arg;

	if (status == 0)
		snprintf(x->res.answer, sizeof(x->res.answer), "%s", id);
	finish(x, status, err);
}

/* The action's spec (strings borrowed from a; subscribers split into subs). */
static void spec_of(const struct applying *x, struct budgets_action_spec *spec, struct budgets_subscriber *subs,
		    char **copies)
{
	const struct action *a = x->act;

	memset(spec, 0, sizeof(*spec));
	spec->notification_type = ENFORCE_NOTIFY;
	spec->threshold = a->threshold;
	spec->threshold_type = ENFORCE_THRESHOLD;
	spec->policy_arn = a->resource;
	spec->roles = (const char *const *)a->roles;
	spec->n_roles = a->n_roles;
	spec->execution_role_arn = a->execution_role;
	spec->approval_model = ENFORCE_APPROVAL;
	for (size_t i = 0; i < a->n_subscribers; i++) {
		char *colon;
		copies[i] = xstrdup(a->subscribers[i]);
		colon = strchr(copies[i], ':');
		if (!colon)
			continue;
		*colon = '\0';
		subs[spec->n_subscribers].type = copies[i];
		subs[spec->n_subscribers++].address = colon + 1;
	}
	spec->subscribers = subs;
}

static int budget_action_call(struct applying *x)
{
	const struct action *a = x->act;
	struct budgets_action_spec spec;
	struct budgets_subscriber subs[11];
	char *copies[11] = { 0 };
	int r;

	if (!x->account_id)
		return -ENOKEY;
	free(x->region);
	x->region = xstrdup(BUDGETS_REGION);
	x->target.region = x->region;
	switch (a->kind) {
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
		if (a->n_subscribers > 11)
			return -EINVAL;
		spec_of(x, &spec, subs, copies);
		if (a->kind == ACT_BUDGET_ACTION_CREATE)
			r = budgets_create_action(x->c->client, &x->target, x->account_id, a->budget, &spec,
						  on_action_id, x);
		else
			r = budgets_update_action(x->c->client, &x->target, x->account_id, a->budget, a->action_id,
						  &spec, on_done, x);
		for (size_t i = 0; i < 11; i++)
			free(copies[i]);
		return r;
	case ACT_BUDGET_ACTION_DELETE:
		return budgets_delete_action(x->c->client, &x->target, x->account_id, a->budget, a->action_id, on_done,
					     x);
	default: /* ACT_BUDGET_ACTION_EXECUTE */
		return budgets_execute_action(x->c->client, &x->target, x->account_id, a->budget, a->action_id,
					      a->value, on_executed, x);
	}
}

/* Versions made by hand in the way (IAM keeps at most 5 versions of a policy, and
 * deletes a policy only with its default version alone): as AWS advises, the oldest
 * version that is not the default is deleted, then `again` makes the refused call once
 * more. With no such version (or when the versions cannot be listed) the call is made
 * again all the same, with x->step at -1, so that its refusal is final and is what the
 * tenant shows. */
#define PRUNES_MAX 4 /* five versions, one of them the default */

typedef void prune_again_fn(struct applying *x);

struct pruning {
	struct applying *x;
	prune_again_fn *again;
};

static void on_pruned(void *arg, int status, const struct aws_error *err)
{
	struct pruning *p = arg;
	struct applying *x = p->x;
	prune_again_fn *again = p->again;

	free(p);
	if (status < 0 && !cloud_aws__code_is(err, "NoSuchEntity")) { /* gone already: fine */
		finish(x, status, err);
		return;
	}
	again(x);
}

static void on_versions(void *arg, int status, const struct aws_error *err, const struct iam_policy_version_list *l)
{
	struct pruning *p = arg;
	struct applying *x = p->x;
	prune_again_fn *again = p->again;
	const char *oldest = status == 0 ? iam_versions_oldest(l) : NULL;
	int r;

	(void)err;
	if (!oldest) { /* none, or not readable (no iam:ListPolicyVersions): IAM's refusal stands */
		free(p);
		x->step = -1;
		again(x);
		return;
	}
	r = iam_delete_policy_version(x->c->client, &x->target, x->act->resource, oldest, on_pruned, p);
	if (r < 0) {
		free(p);
		finish(x, r, NULL);
	}
}

static void prune_then(struct applying *x, prune_again_fn *again)
{
	struct pruning *p = xcalloc(1, sizeof(*p));
	int r;

	p->x = x;
	p->again = again;
	r = iam_list_policy_versions(x->c->client, &x->target, x->act->resource, on_versions, p);
	if (r < 0) {
		free(p);
		finish(x, r, NULL);
	}
}

/* The deny policy: a new default version, then the one it replaced goes (IAM keeps at
 * most 5 versions; the daemon keeps one). x->step counts the roles detached. */
static void on_old_version_deleted(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	if (status < 0 && cloud_aws__code_is(err, "NoSuchEntity"))
		status = 0; /* gone already */
	finish(x, status, err);
}

static void version_again(struct applying *x);

static void on_version(void *arg, int status, const struct aws_error *err, const struct iam_policy_version *v)
{
	struct applying *x = arg;
	const char *old = x->a.name; /* the version replaced (set by the caller) */
	int r;

	if (status < 0 && cloud_aws__code_is(err, "LimitExceeded") && x->step == 0) {
		x->step = 1; /* five versions: the oldest non-default one goes, once */
		prune_then(x, version_again);
		return;
	}
	if (status < 0) {
		finish(x, status, err);
		return;
	}
	snprintf(x->res.answer, sizeof(x->res.answer), "%s", v->version_id);
	cloud_aws__stamp_request_id(x);
	if (!old || !*old || !strcmp(old, v->version_id)) {
		finish(x, 0, NULL);
		return;
	}
	r = iam_delete_policy_version(x->c->client, &x->target, x->act->resource, old, on_old_version_deleted, x);
	if (r < 0)
		finish(x, r, NULL);
}

static int new_version(struct applying *x, const char *replaced)
{
	free(x->a.name);
	x->a.name = xstrdup_or_null(replaced);
	return iam_create_policy_version(x->c->client, &x->target, x->act->resource, x->act->value, true, on_version,
					 x);
}

static void version_again(struct applying *x)
{
	int r = iam_create_policy_version(x->c->client, &x->target, x->act->resource, x->act->value, true, on_version,
					  x);

	if (r < 0)
		finish(x, r, NULL);
}

/* A create whose name exists (a lost answer, a listing that lagged): the document is
 * made the default version as an update would. */
static void on_existing_policy(void *arg, int status, const struct aws_error *err, const struct iam_policy *p)
{
	struct applying *x = arg;
	int r;

	if (status < 0) {
		finish(x, status, err);
		return;
	}
	r = new_version(x, p->default_version);
	if (r < 0)
		finish(x, r, NULL);
}

static void on_policy_created(void *arg, int status, const struct aws_error *err, const struct iam_policy *p)
{
	struct applying *x = arg;
	int r;

	if (status < 0 && cloud_aws__code_is(err, "EntityAlreadyExists")) {
		r = iam_get_policy(x->c->client, &x->target, x->act->resource, on_existing_policy, x);
		if (r < 0)
			finish(x, r, NULL);
		return;
	}
	if (status == 0)
		snprintf(x->res.answer, sizeof(x->res.answer), "%s", p->default_version);
	finish(x, status, err);
}

static void detach_next(struct applying *x);

static void delete_again(struct applying *x);

/* DeleteConflict with every role detached: versions made by hand may be what holds
 * the policy (x->step counts them past the roles). */
static void on_policy_deleted(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	if (status < 0 && cloud_aws__code_is(err, "NoSuchEntity")) {
		cloud_aws__gone(x);
		return;
	}
	if (status < 0 && cloud_aws__code_is(err, "DeleteConflict") && x->step >= 0 &&
	    (size_t)x->step < x->names.n + PRUNES_MAX) {
		x->step++;
		prune_then(x, delete_again);
		return;
	}
	finish(x, status, err);
}

static void delete_again(struct applying *x)
{
	int r = iam_delete_policy(x->c->client, &x->target, x->act->resource, on_policy_deleted, x);

	if (r < 0)
		finish(x, r, NULL);
}

static void on_detached(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	if (status < 0 && !cloud_aws__code_is(err, "NoSuchEntity")) { /* not attached: fine */
		finish(x, status, err);
		return;
	}
	x->step++;
	detach_next(x);
}

/* The next role to detach from (x->names), or once none is left the deletion
 * (ACT_DENY_POLICY_DELETE) or the end (ACT_DENY_POLICY_DETACH). */
static int detach_call(struct applying *x)
{
	const struct action *a = x->act;

	if ((size_t)x->step < x->names.n)
		return iam_detach_role_policy(x->c->client, &x->target, x->names.items[x->step], a->resource,
					      on_detached, x);
	if (a->kind == ACT_DENY_POLICY_DETACH) {
		finish(x, 0, NULL);
		return 0;
	}
	return iam_delete_policy(x->c->client, &x->target, a->resource, on_policy_deleted, x);
}

static void detach_next(struct applying *x)
{
	int r = detach_call(x);

	if (r < 0)
		finish(x, r, NULL);
}

static bool has_name(const struct aws_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcasecmp(v->items[i], s)) /* IAM role names ignore case */
			return true;
	return false;
}

/* Every role the policy is attached to (ListEntitiesForPolicy), with the roles the
 * action names; without that read (not permitted) the action's roles only. */
static void on_policy_roles(void *arg, int status, const struct aws_error *err, const struct aws_strv *roles)
{
	struct applying *x = arg;
	const struct action *a = x->act;

	if (status < 0 && cloud_aws__code_is(err, "NoSuchEntity")) {
		cloud_aws__gone(x);
		return;
	}
	for (size_t i = 0; status == 0 && i < roles->n; i++)
		if (!has_name(&x->names, roles->items[i]))
			aws_strv_add(&x->names, roles->items[i]);
	for (size_t i = 0; i < a->n_roles; i++)
		if (!has_name(&x->names, a->roles[i]))
			aws_strv_add(&x->names, a->roles[i]);
	x->step = 0;
	detach_next(x);
}

/* ACT_DENY_POLICY_DETACH: detach_call over the action's roles, without the deletion.
 * ACT_DENY_POLICY_ATTACH: the policy attached to each of the action's roles in turn
 * (x->step), one already attached included (IAM changes nothing then). */
static void attach_next(struct applying *x);

static void on_attached(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;

	/* the role deleted (IAM says which): retried, so that the tenant heals once the
	 * role exists again, as its inline policy does; or the policy deleted meanwhile,
	 * which the next listing makes again */
	if (status < 0 && cloud_aws__code_is(err, "NoSuchEntity")) {
		finish_retryable(x, status, err);
		return;
	}
	if (status < 0) {
		finish(x, status, err);
		return;
	}
	x->step++;
	attach_next(x);
}

static void attach_next(struct applying *x)
{
	const struct action *a = x->act;
	int r;

	if ((size_t)x->step >= a->n_roles) {
		finish(x, 0, NULL);
		return;
	}
	r = iam_attach_role_policy(x->c->client, &x->target, a->roles[x->step], a->resource, on_attached, x);
	if (r < 0)
		finish(x, r, NULL);
}

int cloud_aws__apply_enforce(struct applying *x)
{
	const struct action *a = x->act;
	char *description;
	int r;

	switch (a->kind) {
	case ACT_DENY_POLICY_CREATE:
		description = xasprintf("bedrock-tenantd: denies invoking the profiles of %.*s once over budget", 200,
					a->name);
		r = iam_create_policy(x->c->client, &x->target, a->name, ENFORCE_POLICY_PATH, a->value, description,
				      on_policy_created, x);
		free(description);
		return r;
	case ACT_DENY_POLICY_UPDATE:
		return new_version(x, a->version);
	case ACT_DENY_POLICY_DELETE:
		return iam_list_policy_roles(x->c->client, &x->target, a->resource, on_policy_roles, x);
	case ACT_DENY_POLICY_ATTACH:
		x->step = 0;
		if (!a->n_roles)
			return -EINVAL;
		return iam_attach_role_policy(x->c->client, &x->target, a->roles[0], a->resource, on_attached, x);
	case ACT_DENY_POLICY_DETACH: /* a role it is not attached to is fine (NoSuchEntity) */
		x->step = 0;
		if (!a->n_roles)
			return -EINVAL;
		for (size_t i = 0; i < a->n_roles; i++)
			aws_strv_add(&x->names, a->roles[i]);
		return detach_call(x);
	default:
		return budget_action_call(x);
	}
}
