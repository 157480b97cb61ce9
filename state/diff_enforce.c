/* The diff of a tenant's budget enforcement (spec.budget.enforce): the customer-managed
 * deny policy (state/enforce_spec.c: deterministic name under ENFORCE_POLICY_PATH,
 * denying the tenant's live profiles) and one Budgets action on the tenant's budget
 * (APPLY_IAM_POLICY, AUTOMATIC, ACTUAL, PERCENTAGE at enforce.at_percent) that attaches
 * it to the tenant's roles, notifying the alerts' subscribers; every one of these is
 * compared with the live action. The policy's document is compared through the record's
 * fact ("DIGEST VERSION": what was applied and the default version it became), so a
 * new default version made by hand is repaired without reading documents. Once the
 * action has executed and the spend is back under its threshold (the limit raised,
 * a new period), it is reversed, then reset to STANDBY so that it can fire again. An
 * execution that failed is retried over the threshold (reset under it), a reversal that
 * failed is retried under it (RETRY_BUDGET_ACTION).
 * Removing enforce deletes the action and the policy (detached from the roles first);
 * a gone tenant's go after the grace period. Only the daemon's own names are touched:
 * the policy by its name and path, actions by that policy's ARN. */
#include "diff_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget_spec.h"
#include "enforce_spec.h"
#include "policy_doc.h"
#include "strv.h"
#include "xalloc.h"

#define SUBSCRIBERS_MAX 11 /* CreateBudgetAction's limit */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An action of ours: its policy is the tenant's deny policy (by path and name). */
static bool ours(const struct observed_budget_action *a, const char *name)
{
	return enforce_action_attaches(a, name);
}

/* The subscribers of the budget's alerts, sorted, unique, the first SUBSCRIBERS_MAX,
 * into a (its subscribers and n_subscribers). */
static void subscribers(const struct budget *b, struct action *a)
{
	struct observed_alert *al;
	size_t n_al, n = 0, alloc = 0;
	char **v = NULL;

	budget_alert_specs(b, &al, &n_al);
	for (size_t i = 0; i < n_al; i++)
		for (size_t k = 0; k < al[i].n_subscribers; k++) {
			XGROW(v, n + 1, alloc);
			v[n++] = xstrdup(al[i].subscribers[k]);
		}
	budget_alert_specs_free(al, n_al);
	if (n)
		qsort(v, n, sizeof(char *), cmp_str);
	a->subscribers = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		if (a->n_subscribers < SUBSCRIBERS_MAX &&
		    (!a->n_subscribers || strcmp(a->subscribers[a->n_subscribers - 1], v[i]) != 0))
			a->subscribers[a->n_subscribers++] = v[i];
		else
			free(v[i]);
	}
	free(v);
}

static void subscribers_free(struct action *a)
{
	for (size_t i = 0; i < a->n_subscribers; i++)
		free(a->subscribers[i]);
	free(a->subscribers);
	a->subscribers = NULL;
	a->n_subscribers = 0;
}

/* The live action notifies exactly the alerts' subscribers (both lists sorted). */
static bool subscribers_equal(const struct observed_budget_action *live, const struct budget *b)
{
	struct action want = { 0 };
	bool eq;

	subscribers(b, &want);
	eq = strv_equal(live->subscribers, live->n_subscribers, want.subscribers, want.n_subscribers);
	subscribers_free(&want);
	return eq;
}

/* This diff already plans an action of kind (what enforcement waits for). */
static bool planned(const struct diff_ctx *c, enum action_kind kind)
{
	for (size_t i = 0; i < c->plan->n_actions; i++)
		if (c->plan->actions[i].kind == kind)
			return true;
	return false;
}

static char *execution_role_arn(const struct diff_ctx *c)
{
	return xasprintf("arn:%s:iam::%s:role/%s", region_partition(c->in->desired->region), c->s->account_id,
			 c->s->execution_role);
}

static bool action_matches(const struct observed_budget_action *a, const struct tenant *t, const char *policy_arn,
			   const char *role_arn)
{
	return a->action_type && !strcmp(a->action_type, ENFORCE_ACTION_TYPE) && a->notification_type &&
	       !strcmp(a->notification_type, ENFORCE_NOTIFY) && a->approval_model &&
	       !strcmp(a->approval_model, ENFORCE_APPROVAL) && a->threshold_type &&
	       !strcmp(a->threshold_type, ENFORCE_THRESHOLD) && a->threshold == t->budget->enforce_at_percent &&
	       !strcmp(a->policy_arn, policy_arn) && a->execution_role_arn &&
	       !strcmp(a->execution_role_arn, role_arn) && strv_equal(a->roles, a->n_roles, t->roles, t->n_roles) &&
	       subscribers_equal(a, t->budget);
}

static struct action *action_on(struct diff_ctx *c, enum action_kind k, const char *budget,
				const struct observed_budget_action *live, const char *why)
{
	struct action *a = plan_add(c->plan, k, "%s", why);

	a->budget = xstrdup(budget);
	a->action_id = live ? xstrdup(live->id) : NULL;
	return a;
}

static void write_action(struct diff_ctx *c, const struct observed_budget *b, const struct observed_budget_action *live,
			 const char *policy_arn, const char *role_arn)
{
	const struct tenant *t = c->in->desired;
	struct action *a = action_on(c, live ? ACT_BUDGET_ACTION_UPDATE : ACT_BUDGET_ACTION_CREATE, b->name, live,
				     live ? "the enforcement threshold, roles, execution role or subscribers differ"
					  : "the budget has no enforcement action");

	a->resource = xstrdup(policy_arn);
	a->threshold = t->budget->enforce_at_percent;
	a->execution_role = xstrdup(role_arn);
	a->roles = strv_dup(t->roles, t->n_roles);
	a->n_roles = t->n_roles;
	subscribers(t->budget, a);
}

/* The spend has crossed the action's threshold (as the listing last saw it). */
static bool over_threshold(const struct observed_budget *b, double percent)
{
	const char *actual = observed_budget_actual_spend(b);
	double spend = actual ? strtod(actual, NULL) : 0;
	const char *limit_amount = observed_budget_limit_amount(b);
	double limit = limit_amount ? strtod(limit_amount, NULL) : 0;

	return limit > 0 && spend >= limit * percent / 100.0;
}

/* The first role of the executed action the deny policy is not attached to: detached
 * by hand since the action executed, which Budgets does not see (its status stays
 * EXECUTION_SUCCESS, and the role may invoke: the tenant is not OverBudget until it is
 * denied). From the roles the listing read the policy on (ListEntitiesForPolicy);
 * without them from ListPolicies' AttachmentCount (below 0: not known), fewer
 * entities than the action's roles, "" standing for a role not named. NULL: none. */
static const char *detached_role(const struct observed_deny_policy *live, const struct observed_budget_action *a)
{
	if (!live || !live->arn)
		return NULL;
	if (live->roles_known) {
		for (size_t i = 0; i < a->n_roles; i++)
			if (!observed_deny_policy_on_role(live, a->roles[i]))
				return a->roles[i];
		return NULL;
	}
	return live->attachments >= 0 && (size_t)live->attachments < a->n_roles ? "" : NULL;
}

static bool names_role(const struct tenant *t, const char *role)
{
	for (size_t i = 0; i < t->n_roles; i++)
		if (!strcasecmp(t->roles[i], role)) /* IAM's names ignore case */
			return true;
	return false;
}

/* A detach of the policy live from roles, with room for n of them (none yet), for
 * budget's reason why; its value is what the history says of the roles ("from ..."). */
static struct action *plan_detach(struct diff_ctx *c, const struct observed_deny_policy *live, size_t n,
				  const char *budget, const char *why, const char *from)
{
	struct action *x = plan_add(c->plan, ACT_DENY_POLICY_DETACH, "budget %s: %s", budget, why);

	x->value = xstrdup(from);
	x->name = xstrdup(live->name);
	x->resource = xstrdup(live->arn);
	x->roles = xcalloc(n ? n : 1, sizeof(char *));
	return x;
}

/* The executed action's roles that the manifest no longer names: Budgets attached the
 * policy to them, and an update of the action's roles detaches nothing (nor would the
 * reversal, which detaches the action's roles of then), so the policy is detached from
 * them here (from those it is on, when the listing read its roles; else from each).
 * True when that is planned with the roles known: the action is updated once it is
 * done, so that a stop in between leaves the dropped roles named by the action. */
static bool detach_dropped_roles(struct diff_ctx *c, const struct observed_budget *b,
				 const struct observed_deny_policy *live, const struct observed_budget_action *a)
{
	struct action *x = NULL;

	if (!live || !live->arn || !a->status || strcmp(a->status, "EXECUTION_SUCCESS") != 0)
		return false;
	for (size_t i = 0; i < a->n_roles; i++) {
		if (names_role(c->in->desired, a->roles[i]) ||
		    (live->roles_known && !observed_deny_policy_on_role(live, a->roles[i])))
			continue;
		if (!x)
			x = plan_detach(c, live, a->n_roles, b->name,
					"its executed action names roles the manifest no longer names",
					"from roles the manifest no longer names");
		x->roles[x->n_roles++] = xstrdup(a->roles[i]);
	}
	return x && live->roles_known;
}

/* The deny policy is on the tenant's roles as far as the listing tells: on one of
 * them when it read the policy's roles (an executed action's), else attached to
 * anything at all. */
static bool denies_tenant(const struct tenant *t, const struct observed_deny_policy *live)
{
	if (!live || !live->arn)
		return false;
	if (!live->roles_known)
		return live->attachments > 0;
	for (size_t i = 0; i < t->n_roles; i++)
		if (observed_deny_policy_on_role(live, t->roles[i]))
			return true;
	return false;
}

/* No action of ours on the budget (deleted by hand, perhaps once it had executed:
 * Budgets does not reverse an action it deletes), yet the policy is on the tenant's
 * roles. Over the threshold the roles are denied and stay so (the action made again
 * runs and keeps it): OverBudget. Under it that attachment outlived the action that
 * made it, and the action made again would never take it off, so it is detached from
 * the tenant's roles (those it is on, when the listing read them; else each of them,
 * while it is attached anywhere). */
static void without_action(struct diff_ctx *c, const struct observed_budget *b, const struct observed_deny_policy *live)
{
	const struct tenant *t = c->in->desired;
	struct action *x = NULL;

	if (!denies_tenant(t, live))
		return;
	if (over_threshold(b, t->budget->enforce_at_percent)) {
		c->plan->over_budget = true;
		return;
	}
	for (size_t i = 0; i < t->n_roles; i++) {
		if (live->roles_known && !observed_deny_policy_on_role(live, t->roles[i]))
			continue;
		if (!x)
			x = plan_detach(c, live, t->n_roles, b->name,
					"no enforcement action, and the deny policy is still attached under the "
					"threshold",
					"from its roles: no action of its budget");
		x->roles[x->n_roles++] = xstrdup(t->roles[i]);
	}
}

/* An execution that failed under the threshold: Budgets attaches the policy role by
 * role and stops at the one it cannot attach it to (a role missing), so the roles of
 * the action before it are denied. Those attachments are the action's doing, and no
 * reversal takes them off once the action is reset (a reset action in STANDBY with the
 * policy on a role reads as an operator's block): they are detached first, from each
 * role of the action the policy is on (the listing reads the roles of a failed
 * action's policy), an attachment made by hand to a role of the action while it was
 * failed included, since nothing recorded tells the two apart; an attachment to a role
 * the action does not name is left as it is. True when the detach is planned: the
 * reset waits for the next round, so that a detach refused leaves the action failed
 * and the attachment still taken for its doing. Without the policy's roles (no
 * iam:ListEntitiesForPolicy) and some attachment, the action's roles are detached in
 * the round that resets it (a role it is not on is fine). */
static bool partly_executed(struct diff_ctx *c, const struct observed_budget *b, const struct observed_budget_action *a,
			    const struct observed_deny_policy *live)
{
	struct action *x = NULL;

	if (!live || !live->arn || (!live->roles_known && live->attachments <= 0))
		return false;
	for (size_t i = 0; i < a->n_roles; i++) {
		if (live->roles_known && !observed_deny_policy_on_role(live, a->roles[i]))
			continue;
		if (!x)
			x = plan_detach(c, live, a->n_roles, b->name,
					"its enforcement action failed to execute, and the deny policy it attached to "
					"some of its roles is still on them under the threshold",
					"from the roles its failed action attached it to");
		x->roles[x->n_roles++] = xstrdup(a->roles[i]);
	}
	return x && live->roles_known;
}

static void diff_status(struct diff_ctx *c, const struct observed_budget *b, const struct observed_budget_action *a,
			const struct observed_deny_policy *live)
{
	bool over = over_threshold(b, a->threshold);
	struct action *x;

	if (!a->status)
		return;
	if (!strcmp(a->status, "STANDBY")) {
		/* made again while the spend is over and the policy stayed on the roles (the
		 * executed action deleted by hand): denied until Budgets runs it. Under the
		 * threshold an attachment is left as it is (an operator's block) */
		if (over && denies_tenant(c->in->desired, live))
			c->plan->over_budget = true;
	} else if (!strcmp(a->status, "EXECUTION_SUCCESS")) {
		const char *role = over ? detached_role(live, a) : NULL;
		if (role) {
			/* Budgets keeps its status: the roles are attached again here (a role
			 * that holds it already is left as it is by IAM) */
			if (*role)
				x = plan_add(c->plan, ACT_DENY_POLICY_ATTACH,
					     "the deny policy %s is not attached to role %s of the executed action of "
					     "budget %s (detached by hand)",
					     live->name, role, b->name);
			else
				x = plan_add(c->plan, ACT_DENY_POLICY_ATTACH,
					     "the deny policy %s is attached to %lld of the %zu roles of the executed "
					     "action of budget %s (detached by hand)",
					     live->name, (long long)live->attachments, a->n_roles, b->name);
			x->name = xstrdup(live->name);
			x->resource = xstrdup(live->arn);
			x->roles = strv_dup(a->roles, a->n_roles);
			x->n_roles = a->n_roles;
			return;
		}
		if (over) {
			c->plan->over_budget = true;
			return;
		}
		x = action_on(c, ACT_BUDGET_ACTION_EXECUTE, b->name, a,
			      "the spend is under the threshold again: the deny policy is detached");
		x->value = xstrdup("REVERSE_BUDGET_ACTION");
	} else if (!strcmp(a->status, "REVERSE_SUCCESS") && !over) {
		x = action_on(c, ACT_BUDGET_ACTION_EXECUTE, b->name, a, "reversed: ready to act again");
		x->value = xstrdup("RESET_BUDGET_ACTION");
	} else if (!strcmp(a->status, "EXECUTION_FAILURE")) {
		/* a role missing when the spend crossed, the execution role not usable: over
		 * the threshold the execution is retried (the cloud reads the status back: a
		 * failure that persists is the tenant's error, retried with backoff); under
		 * it the action is reset, ready to act again, once the policy the failed
		 * execution left on the action's roles is off them (partly_executed) */
		if (!over && partly_executed(c, b, a, live))
			return;
		if (over)
			x = action_on(c, ACT_BUDGET_ACTION_EXECUTE, b->name, a,
				      "the enforcement action failed to execute while the spend is over the "
				      "threshold: retried");
		else
			x = action_on(c, ACT_BUDGET_ACTION_EXECUTE, b->name, a,
				      "the enforcement action failed to execute, and the spend is under the threshold: "
				      "ready to act again");
		x->value = xstrdup(over ? "RETRY_BUDGET_ACTION" : "RESET_BUDGET_ACTION");
	} else if (!strcmp(a->status, "REVERSE_FAILURE") && !over) {
		x = action_on(c, ACT_BUDGET_ACTION_EXECUTE, b->name, a,
			      "the reversal failed while the spend is under the threshold: retried");
		x->value = xstrdup("RETRY_BUDGET_ACTION");
	} else if (!strcmp(a->status, "RESET_FAILURE")) {
		/* not in STANDBY: the action will not act when the spend crosses again, and
		 * what it left attached is as the tenant's view reads it */
		plan_conflict(c->plan, b->name,
			      "the enforcement action of budget %s failed to reset (RESET_FAILURE): it will not "
			      "act when the spend crosses the threshold; reset it (aws budgets "
			      "execute-budget-action --execution-type RESET_BUDGET_ACTION) or delete it (the daemon "
			      "makes it again)",
			      b->name);
	} else if (!strcmp(a->status, "EXECUTION_IN_PROGRESS") || !strcmp(a->status, "REVERSE_IN_PROGRESS") ||
		   !strcmp(a->status, "RESET_IN_PROGRESS")) {
		/* Budgets is carrying out an execution, a reversal or a reset (AWS answers
		 * ExecuteBudgetAction before it is done, and refuses another meanwhile):
		 * nothing to do until a listing shows how it ended; the roles are denied
		 * while the policy is on them */
		if (denies_tenant(c->in->desired, live))
			c->plan->over_budget = true;
	} else if (!strcmp(a->status, "REVERSE_FAILURE")) {
		plan_conflict(c->plan, b->name,
			      "the enforcement action of budget %s is in status %s: check that Budgets can assume the "
			      "execution role and attach the policy",
			      b->name, a->status);
	}
}

/* The tenant's live profiles, as enforce_deny_document takes them, with those of a
 * move's old place in this account (its roles serve both sets until the drain ends:
 * over budget, neither may be invoked). */
static char *deny_document(const struct diff_ctx *c)
{
	const struct observed_tenant *o = c->in->observed;
	const struct observed_profile **all;
	size_t n = o->n_owned + c->in->n_also_granted;
	char *doc;

	if (!c->in->n_also_granted)
		return enforce_deny_document(o->owned, o->n_owned);
	all = xcalloc(n, sizeof(*all));
	if (o->n_owned)
		memcpy(all, o->owned, o->n_owned * sizeof(*all));
	memcpy(all + o->n_owned, c->in->also_granted, c->in->n_also_granted * sizeof(*all));
	doc = enforce_deny_document(all, n);
	free(all);
	return doc;
}

static void write_policy(struct diff_ctx *c, const char *name, const char *arn, const struct observed_deny_policy *live,
			 const char *doc)
{
	const char *fact = record_fact(c->in->record, diff__key(c, record_key_enforce_fact(name)));
	char *hash = policy_hash(doc), *want;
	struct action *a;

	want = xasprintf("%s %s", hash, live && live->default_version ? live->default_version : "");
	if (!live) {
		a = plan_add(c->plan, ACT_DENY_POLICY_CREATE, "the deny policy %s does not exist", name);
	} else if (!fact || strcmp(fact, want) != 0) {
		a = plan_add(c->plan, ACT_DENY_POLICY_UPDATE, "the deny policy %s differs from the profiles", name);
		a->version = xstrdup_or_null(live->default_version);
	} else {
		a = NULL;
	}
	if (a) {
		a->name = xstrdup(name);
		a->resource = xstrdup(arn);
		a->value = xstrdup(doc);
	}
	free(want);
	free(hash);
}

static void diff_wanted(struct diff_ctx *c, const char *name, const struct observed_deny_policy *live,
			const struct observed_budget *b)
{
	const struct tenant *t = c->in->desired;
	const struct observed_budget_action *mine = NULL;
	char *arn, *role_arn, *doc;

	if (!c->s->account_id || !c->s->execution_role) {
		c->plan->incomplete = true; /* the ARNs need the account id */
		plan_wake(c->plan, c->in->now + 5);
		return;
	}
	doc = deny_document(c);
	if (!doc) { /* no live profile yet: it is created first (else something holds it up) */
		c->plan->incomplete |= !planned(c, ACT_PROFILE_CREATE);
		return;
	}
	/* the ARN IAM gave it, else the one it will have */
	arn = live && live->arn ? xstrdup(live->arn)
				: enforce_policy_arn(region_partition(t->region), c->s->account_id, t->id);
	role_arn = execution_role_arn(c);
	write_policy(c, name, arn, live, doc);
	/* the action, once the policy and the budget it lives on exist */
	if (live && b && b->tags_known && tags_owned_by(&b->tags, c->s->instance)) {
		for (size_t i = 0; i < b->n_actions; i++) {
			const struct observed_budget_action *a = &b->actions[i];
			if (!ours(a, name))
				continue;
			if (!mine) {
				mine = a;
				continue;
			}
			action_on(c, ACT_BUDGET_ACTION_DELETE, b->name, a, "a second enforcement action");
		}
		/* the action's status is judged only on the threshold, roles and limit the
		 * manifest gives: values changed by hand are set back first (on a threshold
		 * or limit raised by hand a due enforcement would be reversed, and the
		 * policy attached again to a role named by hand) */
		if (!mine || !action_matches(mine, t, arn, role_arn)) {
			if (!mine)
				without_action(c, b, live);
			if (!mine || !detach_dropped_roles(c, b, live, mine))
				write_action(c, b, mine, arn, role_arn);
		} else if (!planned(c, ACT_BUDGET_UPDATE))
			diff_status(c, b, mine, live);
	} else if (live) {
		c->plan->incomplete |= !planned(c, ACT_BUDGET_CREATE); /* the budget is created first */
	}
	free(doc);
	free(arn);
	free(role_arn);
}

/* Enforcement nobody wants: the actions go, and the policy, detached from every role
 * it may be attached to (the tenant's and its actions'). */
static void diff_unwanted(struct diff_ctx *c, const char *name, const struct observed_deny_policy *live)
{
	const struct tenant *t = c->in->desired;
	const struct observed_tenant *o = c->in->observed;
	char **roles = NULL;
	size_t n_roles = 0, alloc = 0, n_actions = 0;

	for (size_t i = 0; i < o->n_budgets; i++)
		for (size_t k = 0; k < o->budgets[i]->n_actions; k++)
			n_actions += ours(&o->budgets[i]->actions[k], name);
	if (!live && !n_actions) {
		if (record_enforce_fact(c->in->record, name)) {
			struct action *a = plan_add(c->plan, ACT_FACT_CLEAR, "the deny policy %s is gone", name);
			a->resource = record_key_enforce_fact(name);
		}
		return;
	}
	/* a tenant whose manifest is gone keeps its enforcement through the grace period */
	if (!t && !diff__grace(c, diff__key(c, record_key_enforce_timer(name))))
		return;
	for (size_t i = 0; i < o->n_budgets; i++) {
		const struct observed_budget *b = o->budgets[i];
		if (!b->tags_known || !tags_owned_by(&b->tags, c->s->instance))
			continue;
		for (size_t k = 0; k < b->n_actions; k++) {
			const struct observed_budget_action *a = &b->actions[k];
			struct action *x;
			if (!ours(a, name))
				continue;
			/* a gone tenant's budget is deleted with its actions (at the same grace);
			 * one released (retain) loses them here */
			if (t || diff__retain(c)) {
				x = action_on(c, ACT_BUDGET_ACTION_DELETE, b->name, a,
					      "enforcement is no longer in the manifest");
				x->destructive = true;
			}
			for (size_t r = 0; r < a->n_roles; r++) {
				XGROW(roles, n_roles + 1, alloc);
				roles[n_roles++] = xstrdup(a->roles[r]);
			}
		}
	}
	if (live) {
		struct action *a = plan_add(c->plan, ACT_DENY_POLICY_DELETE,
					    "enforcement is no longer in the manifest");
		for (size_t i = 0; t && i < t->n_roles; i++) {
			XGROW(roles, n_roles + 1, alloc);
			roles[n_roles++] = xstrdup(t->roles[i]);
		}
		a->name = xstrdup(name);
		a->resource = xstrdup(live->arn);
		a->destructive = true;
		if (n_roles)
			qsort(roles, n_roles, sizeof(char *), cmp_str);
		a->roles = xcalloc(n_roles ? n_roles : 1, sizeof(char *));
		for (size_t i = 0; i < n_roles; i++) {
			if (a->n_roles && !strcmp(a->roles[a->n_roles - 1], roles[i]))
				free(roles[i]);
			else
				a->roles[a->n_roles++] = roles[i];
		}
		n_roles = 0;
	}
	for (size_t i = 0; i < n_roles; i++)
		free(roles[i]);
	free(roles);
	c->plan->deleting |= !t;
}

void diff_enforce(struct diff_ctx *c)
{
	const struct tenant *t = c->in->desired;
	const struct observed_tenant *o = c->in->observed;
	const struct observed_store *s = o->store;
	const struct observed_budget *at_name = NULL;
	bool want = t && t->budget && t->budget->enforce;
	char buf[ENFORCE_POLICY_NAME_MAX + 1], *heap = NULL;
	const char *name;
	const struct observed_deny_policy *live;

	/* on the stack: a pass diffs every tenant */
	name = enforce_policy_name_in(c->in->tenant_id, buf, sizeof(buf))
		       ? buf
		       : (heap = enforce_policy_name(c->in->tenant_id));
	if (!o->budgets_listed || !s || !s->enforce_listed) {
		/* enforcement made and not seen gone (the record's fact) is waited for as
		 * wanted enforcement is (as a move's old place does): removed from the
		 * manifest, or the tenant gone, its policy may still deny the roles and its
		 * action still stand, so the tenant is not settled before a listing reads it */
		bool made = want || (c->s->execution_role && record_enforce_fact(c->in->record, name));
		if (made && o->budgets_listed && s && s->enforce_error) {
			free(c->plan->error);
			c->plan->error = xasprintf("budget enforcement cannot be observed: %s", s->enforce_error);
		} else if (made) {
			c->plan->incomplete = true;
			plan_wake(c->plan, c->in->now + 5);
		}
		free(heap);
		return;
	}
	live = observed_store_deny_policy(s, name);
	for (size_t i = 0; t && t->budget_name && i < o->n_budgets; i++)
		if (strcmp(o->budgets[i]->name, t->budget_name) == 0)
			at_name = o->budgets[i];
	if (want)
		diff_wanted(c, name, live, at_name);
	else
		diff_unwanted(c, name, live);
	free(heap);
}
