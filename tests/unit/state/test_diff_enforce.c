/* The diff of budget enforcement (spec.budget.enforce): the deny policy and the
 * Budgets action, their repair, OverBudget, the reversal, and their removal, through
 * the simulated world. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforce_spec.h"
#include "fixtures.h"
#include "observed_apply.h"
#include "xalloc.h"

#define HAIKU	   "anthropic.claude-3-5-haiku-20241022-v1:0"
#define BUDGET	   "bedrock-tenant-acme"
#define POLICY	   "bedrock-tenantd-acme-deny"
#define POLICY_ARN "arn:aws:iam::" FIX_ACCOUNT ":policy/bedrock-tenants/" POLICY

static struct tenant *enforced(const char *limit, double at)
{
	struct tenant *t = fix_tenant("acme");

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	fix_budget(t, limit, BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "admin@example.com", NULL, NULL);
	t->budget->enforce = true;
	t->budget->enforce_at_percent = at;
	fix_role(t, "acme-app");
	return t;
}

static const struct observed_budget *live_budget(struct sim *s)
{
	return observed_store_budget(&s->store, BUDGET);
}

static const struct observed_budget_action *live_action(struct sim *s)
{
	const struct observed_budget *b = live_budget(s);

	if (!b || !b->n_actions) {
		fail_msg("the budget has no action");
		abort();
	}
	return &b->actions[0];
}

/* The deny policy as a listing shows it, attached to n entities. */
static void set_attachments(struct sim *s, int64_t n)
{
	struct observed_deny_policy *p = observed_deny_policy_dup(observed_store_deny_policy(&s->store, POLICY));

	p->attachments = n;
	observed_store_put_deny_policy(&s->store, p);
}

/* What AWS does meanwhile: the spend (as a listing shows it), the action's status;
 * an executed action has attached the deny policy to its roles, a reversed one has
 * detached it. */
static void set_spend(struct sim *s, const char *actual, const char *status)
{
	struct observed_budget *b = observed_budget_dup(live_budget(s));

	observed_budget_put_amounts(b, observed_budget_limit_amount(b), actual, observed_budget_forecasted_spend(b));
	if (status && b->n_actions) {
		free(b->actions[0].status);
		b->actions[0].status = xstrdup(status);
		set_attachments(s, strcmp(status, "EXECUTION_SUCCESS") == 0 ? (int64_t)b->actions[0].n_roles : 0);
	}
	observed_store_put_budget(&s->store, b);
}

/* The budget's one action deleted by hand, as a listing shows it. */
static void delete_action_by_hand(struct sim *s)
{
	struct observed_budget *b = observed_budget_dup(live_budget(s));

	observed_budget_action_release(&b->actions[0]);
	b->n_actions = 0;
	observed_store_put_budget(&s->store, b);
}

static unsigned converge(struct sim *s, const struct tenant *t)
{
	return sim_converge(s, t, DELETION_DELETE, 1, 20);
}

static bool over_budget(struct sim *s, const struct tenant *t)
{
	struct plan p;
	bool over;

	sim_diff(s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_aws_actions(&p), 0);
	over = p.over_budget;
	plan_release(&p);
	return over;
}

static void test_created_and_steady(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 90);
	const struct observed_budget_action *a;
	const struct observed_deny_policy *d;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_CREATE], 1);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_CREATE], 1);
	d = observed_store_deny_policy(&s.store, POLICY);
	assert_non_null(d);
	assert_string_equal(d->arn, POLICY_ARN);
	a = live_action(&s);
	assert_string_equal(a->status, "STANDBY");
	assert_string_equal(a->policy_arn, POLICY_ARN);
	assert_true(a->threshold == 90);
	assert_string_equal(a->threshold_type, "PERCENTAGE");
	assert_string_equal(a->approval_model, "AUTOMATIC");
	assert_string_equal(a->notification_type, "ACTUAL");
	assert_string_equal(a->execution_role_arn, "arn:aws:iam::" FIX_ACCOUNT ":role/" FIX_EXEC_ROLE);
	assert_int_equal(a->n_roles, 1);
	assert_string_equal(a->roles[0], "acme-app");
	assert_non_null(record_fact(s.record, "enforce\n" POLICY));
	/* steady: nothing more, not over budget */
	s.aws_calls = 0;
	assert_int_equal(converge(&s, t), 0);
	assert_int_equal(s.aws_calls, 0);
	assert_false(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* s: t converged, then its spend over the limit and the action executed. */
static void converged_over_budget(struct sim *s, const struct tenant *t)
{
	sim_init(s, "acme");
	converge(s, t);
	set_spend(s, "52.5", "EXECUTION_SUCCESS");
}

/* The action executed: OverBudget, and nothing to do while the spend is over. */
static void test_over_budget_then_limit_raised(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);

	(void)state;
	converged_over_budget(&s, t);
	assert_true(over_budget(&s, t));
	/* the limit raised above the spend: the budget is updated, the action reversed,
	 * then reset so that it can act again */
	free(t->budget->limit_usd);
	t->budget->limit_usd = xstrdup("100");
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_UPDATE], 1);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_EXECUTE], 2);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	/* the reversal detached the policy: so the model says until a listing counts */
	assert_int_equal(observed_store_deny_policy(&s.store, POLICY)->attachments, 0);
	assert_false(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* The deny policy detached by hand after the action executed: Budgets still says
 * EXECUTION_SUCCESS, the roles may invoke. The tenant is not OverBudget: the policy
 * is attached to the action's roles again, and then it is. */
static void test_deny_policy_detached_by_hand(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	converged_over_budget(&s, t);
	assert_true(over_budget(&s, t));
	set_attachments(&s, 0);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_false(p.over_budget);
	assert_int_equal(plan_aws_actions(&p), 1);
	assert_int_equal(p.actions[0].kind, ACT_DENY_POLICY_ATTACH);
	assert_string_equal(p.actions[0].resource, POLICY_ARN);
	assert_int_equal(p.actions[0].n_roles, 1);
	assert_string_equal(p.actions[0].roles[0], "acme-app");
	plan_release(&p);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_ATTACH], 1);
	assert_int_equal(observed_store_deny_policy(&s.store, POLICY)->attachments, 1);
	assert_true(over_budget(&s, t));
	/* not known (a listing that could not count them): taken as attached */
	set_attachments(&s, -1);
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* The deny policy as a listing shows it with the roles it read it attached to. */
static void set_attached_roles(struct sim *s, const char *const *roles, size_t n)
{
	struct observed_deny_policy *p = observed_deny_policy_dup(observed_store_deny_policy(&s->store, POLICY));

	for (size_t i = 0; i < p->n_roles; i++)
		free(p->roles[i]);
	free(p->roles);
	p->roles = NULL;
	p->n_roles = 0;
	p->roles_known = true;
	p->attachments = (int64_t)n;
	for (size_t i = 0; i < n; i++)
		observed_deny_policy_attach(p, roles[i]);
	observed_store_put_deny_policy(&s->store, p);
}

/* Detached by hand from the tenant's role and attached by hand to another: as many
 * attachments as the action has roles, but the tenant's role may invoke. With the
 * roles read, the tenant is not OverBudget: the policy is attached to its role again
 * (the other is left as it is), and then it is. A role named in another case is the
 * same role (IAM's names ignore case). */
static void test_deny_policy_moved_by_hand(void **state)
{
	static const char *const other[] = { "other-app" }, *const upper[] = { "ACME-APP" };
	struct sim s;
	struct tenant *t = enforced("50", 100);
	const struct observed_deny_policy *d;
	struct plan p;

	(void)state;
	converged_over_budget(&s, t);
	set_attached_roles(&s, other, 1);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_false(p.over_budget);
	assert_int_equal(plan_aws_actions(&p), 1);
	assert_int_equal(p.actions[0].kind, ACT_DENY_POLICY_ATTACH);
	assert_non_null(strstr(p.actions[0].reason, "not attached to role acme-app"));
	plan_release(&p);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_ATTACH], 1);
	d = observed_store_deny_policy(&s.store, POLICY);
	assert_true(d->roles_known);
	assert_int_equal(d->n_roles, 2);
	assert_string_equal(d->roles[0], "acme-app");
	assert_string_equal(d->roles[1], "other-app");
	assert_true(over_budget(&s, t));
	set_attached_roles(&s, upper, 1);
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* A new period: the spend is under the threshold again. */
static void test_new_period_reverses(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 80);
	struct plan p;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	set_spend(&s, "40", "EXECUTION_SUCCESS"); /* 80 % of 50 */
	assert_true(over_budget(&s, t));
	set_spend(&s, "0", NULL);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 1);
	assert_string_equal(p.actions[0].value, "REVERSE_BUDGET_ACTION");
	assert_false(p.over_budget);
	plan_release(&p);
	converge(&s, t);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	/* reversed by hand while still over: left alone (not reset, not OverBudget) */
	set_spend(&s, "45", "REVERSE_SUCCESS");
	assert_false(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* Budgets carrying out an execution, a reversal or a reset (AWS answers
 * ExecuteBudgetAction before it is done): nothing is planned until a listing shows how
 * it ended, over the threshold or under it, never a conflict; the roles are denied
 * (OverBudget) while the policy is on them. */
static void test_in_progress_waits(void **state)
{
	static const char *const statuses[] = { "EXECUTION_IN_PROGRESS", "REVERSE_IN_PROGRESS", "RESET_IN_PROGRESS" };
	struct tenant *t = enforced("50", 100);

	(void)state;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		for (int over = 0; over < 2; over++) {
			for (int attached = 0; attached < 2; attached++) {
				struct sim s;
				struct plan p;

				sim_init(&s, "acme");
				converge(&s, t);
				set_spend(&s, over ? "52.5" : "10", statuses[i]);
				set_attachments(&s, attached);
				sim_diff(&s, t, DELETION_DELETE, &p);
				assert_int_equal(plan_aws_actions(&p), 0);
				assert_int_equal(p.n_conflicts, 0);
				assert_null(p.error);
				assert_int_equal(p.over_budget, attached);
				plan_release(&p);
				sim_release(&s);
			}
		}
	}
	tenant_free(t);
}

/* A reversal still in progress when the cloud stopped reading its status back: the
 * model takes the status answered, the policy stays on the roles, and the action is
 * not reset (nor reversed again) until a listing shows REVERSE_SUCCESS. */
static void test_reversal_answered_in_progress(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	converged_over_budget(&s, t);
	set_spend(&s, "10", NULL);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_aws_actions(&p), 1);
	assert_string_equal(p.actions[0].value, "REVERSE_BUDGET_ACTION");
	assert_int_equal(observed_apply_action(&s.store, s.record, &p.actions[0], NULL, "REVERSE_IN_PROGRESS"), 0);
	plan_release(&p);
	assert_string_equal(live_action(&s)->status, "REVERSE_IN_PROGRESS");
	assert_int_equal(observed_store_deny_policy(&s.store, POLICY)->attachments, 1);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_aws_actions(&p), 0);
	assert_int_equal(p.n_conflicts, 0);
	plan_release(&p);
	/* the listing shows it done: reset, ready to act again */
	set_spend(&s, "10", "REVERSE_SUCCESS");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 1);
	assert_string_equal(p.actions[0].value, "RESET_BUDGET_ACTION");
	plan_release(&p);
	converge(&s, t);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	tenant_free(t);
	sim_release(&s);
}

/* The action failed to execute (a role missing when the spend crossed): over the
 * threshold the execution is retried (RETRY_BUDGET_ACTION), never a conflict; once
 * it has executed the tenant is OverBudget. Under the threshold it is reset. */
static void test_execution_failure_retried(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	set_spend(&s, "52.5", "EXECUTION_FAILURE");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	assert_null(p.error);
	assert_int_equal(plan_aws_actions(&p), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 1);
	assert_string_equal(p.actions[0].value, "RETRY_BUDGET_ACTION");
	assert_false(p.over_budget);
	plan_release(&p);
	converge(&s, t);
	assert_string_equal(live_action(&s)->status, "EXECUTION_SUCCESS");
	assert_true(over_budget(&s, t));
	/* a new period while it has failed: back to STANDBY, ready to act again */
	set_spend(&s, "52.5", "EXECUTION_FAILURE");
	set_spend(&s, "0", NULL);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 1);
	assert_string_equal(p.actions[0].value, "RESET_BUDGET_ACTION");
	plan_release(&p);
	converge(&s, t);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	assert_false(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* The reversal failed: under the threshold it is retried (RETRY_BUDGET_ACTION), then
 * the action is reset; over the threshold (the roles still denied) it is a conflict. */
static void test_reverse_failure_retried(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	set_spend(&s, "52.5", "EXECUTION_SUCCESS");
	assert_true(over_budget(&s, t));
	set_spend(&s, "0", "REVERSE_FAILURE");
	set_attachments(&s, 1); /* still attached: the reversal failed */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	assert_int_equal(plan_aws_actions(&p), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 1);
	assert_string_equal(p.actions[0].value, "RETRY_BUDGET_ACTION");
	plan_release(&p);
	converge(&s, t);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	assert_int_equal(observed_store_deny_policy(&s.store, POLICY)->attachments, 0);
	assert_false(over_budget(&s, t));
	/* over the threshold again after a failed reversal: not retried (that would
	 * reverse), a conflict that names the status */
	set_spend(&s, "52.5", "REVERSE_FAILURE");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 0);
	assert_int_equal(p.n_conflicts, 1);
	plan_release(&p);
	/* a reset that failed: a conflict that says what is true (the action will not
	 * act again) and what to do, not a word of attaching the policy */
	set_spend(&s, "0", "RESET_FAILURE");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 0);
	assert_int_equal(p.n_conflicts, 1);
	assert_non_null(strstr(p.conflicts[0].message, "failed to reset (RESET_FAILURE): it will not act"));
	assert_non_null(strstr(p.conflicts[0].message, "RESET_BUDGET_ACTION"));
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* The execution failed part way (Budgets attached the policy to acme-app, then found
 * acme-ops missing) and the spend is under the threshold again: the policy is detached
 * from the action's roles it is on before the action is reset (the reset in a round of
 * its own), so the tenant is not left denied on acme-app with a reset action that would
 * take the attachment for an operator's block. An attachment to a role the action does
 * not name is left as it is. */
static void test_partial_execution_detached_before_reset(void **state)
{
	static const char *const partly[] = { "acme-app", "other-app" };
	struct sim s;
	struct tenant *t = enforced("50", 100);
	const struct observed_deny_policy *d;
	struct plan p;

	(void)state;
	fix_role(t, "acme-ops");
	sim_init(&s, "acme");
	converge(&s, t);
	assert_int_equal(live_action(&s)->n_roles, 2);
	set_spend(&s, "52.5", "EXECUTION_FAILURE");
	set_spend(&s, "0", NULL);
	set_attached_roles(&s, partly, 2);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	assert_int_equal(plan_aws_actions(&p), 1);
	assert_int_equal(p.actions[0].kind, ACT_DENY_POLICY_DETACH);
	assert_int_equal(p.actions[0].n_roles, 1);
	assert_string_equal(p.actions[0].roles[0], "acme-app");
	assert_non_null(strstr(p.actions[0].reason, "failed to execute"));
	plan_release(&p);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_DETACH], 1);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_EXECUTE], 1);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	d = observed_store_deny_policy(&s.store, POLICY);
	assert_int_equal(d->n_roles, 1);
	assert_string_equal(d->roles[0], "other-app");
	assert_false(over_budget(&s, t));
	/* the roles not read (no iam:ListEntitiesForPolicy), some attachment: the
	 * action's roles are detached as it is reset */
	set_spend(&s, "52.5", "EXECUTION_FAILURE");
	set_spend(&s, "0", NULL);
	set_attachments(&s, 1);
	{
		struct observed_deny_policy *u = observed_deny_policy_dup(observed_store_deny_policy(&s.store, POLICY));
		u->roles_known = false;
		observed_store_put_deny_policy(&s.store, u);
	}
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DETACH), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 1);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* The profiles change: a new default version, the old one deleted with it. */
static void test_profiles_change_the_document(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;
	const char *before;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	before = observed_store_deny_policy(&s.store, POLICY)->default_version;
	assert_string_equal(before, "v1");
	fix_profile(t, "batch", HAIKU, "bbbbbb");
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_UPDATE], 1);
	assert_int_equal(s.calls[ACT_DENY_POLICY_CREATE], 1); /* the first only */
	assert_string_equal(observed_store_deny_policy(&s.store, POLICY)->default_version, "v2");
	/* a version made default by hand is repaired */
	{
		struct observed_deny_policy *d = observed_deny_policy_dup(observed_store_deny_policy(&s.store, POLICY));
		free(d->default_version);
		d->default_version = xstrdup("v3");
		observed_store_put_deny_policy(&s.store, d);
	}
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_UPDATE), 1);
	assert_string_equal(p.actions[0].version, "v3");
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* The deny policy deleted by hand while over budget (Budgets still says
 * EXECUTION_SUCCESS): made again and attached to the action's roles, and then the
 * tenant is OverBudget again. */
static void test_deleted_by_hand_over_budget(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);

	(void)state;
	converged_over_budget(&s, t);
	assert_true(over_budget(&s, t));
	observed_store_remove_deny_policy(&s.store, POLICY);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_CREATE], 2);
	assert_int_equal(s.calls[ACT_DENY_POLICY_ATTACH], 1);
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* The executed action's threshold or roles, or the budget's limit, changed by hand
 * while the tenant is over budget: set back first, and the status judged on what the
 * manifest gives, not on the hand-made values: no reversal on a raised threshold or
 * limit, no deny policy attached to a role named by hand. */
static void test_hand_edits_over_budget(void **state)
{
	static const char *const mine[] = { "acme-app" };
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct observed_budget *b;
	struct plan p;

	(void)state;
	converged_over_budget(&s, t); /* 52.5 of 50 */
	b = observed_budget_dup(live_budget(&s));
	b->actions[0].threshold = 200;
	observed_store_put_budget(&s.store, b);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_UPDATE), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 0);
	plan_release(&p);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_EXECUTE], 0);
	assert_string_equal(live_action(&s)->status, "EXECUTION_SUCCESS");
	assert_true(over_budget(&s, t));

	b = observed_budget_dup(live_budget(&s));
	observed_budget_put_amounts(b, "500", observed_budget_actual_spend(b), observed_budget_forecasted_spend(b));
	observed_store_put_budget(&s.store, b);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_UPDATE), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_EXECUTE), 0);
	plan_release(&p);
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_EXECUTE], 0);
	assert_true(over_budget(&s, t));

	set_attached_roles(&s, mine, 1); /* as a listing reads them for an executed action */
	b = observed_budget_dup(live_budget(&s));
	free(b->actions[0].roles[0]);
	b->actions[0].roles[0] = xstrdup("other-app");
	observed_store_put_budget(&s.store, b);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_UPDATE), 1);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_ATTACH), 0);
	plan_release(&p);
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_ATTACH], 0);
	assert_string_equal(live_action(&s)->roles[0], "acme-app");
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* A role dropped from the manifest while the action has executed: Budgets attached
 * the policy to it, and neither the action's update nor its reversal detaches it, so
 * the diff does, before the update when the roles are known; with the roles unknown
 * (no ListEntitiesForPolicy) in the same round. */
static void test_role_dropped_over_budget(void **state)
{
	static const char *const both[] = { "acme-app", "acme-batch" };
	struct sim s;
	struct tenant *t = enforced("50", 100);
	const struct observed_deny_policy *d;
	struct plan p;

	(void)state;
	fix_role(t, "acme-batch");
	converged_over_budget(&s, t);
	set_attached_roles(&s, both, 2);
	assert_true(over_budget(&s, t));
	free(t->roles[1]); /* acme-batch */
	t->n_roles = 1;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DETACH), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_UPDATE), 0);
	for (size_t i = 0; i < p.n_actions; i++) {
		if (p.actions[i].kind != ACT_DENY_POLICY_DETACH)
			continue;
		assert_int_equal(p.actions[i].n_roles, 1);
		assert_string_equal(p.actions[i].roles[0], "acme-batch");
	}
	plan_release(&p);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_DETACH], 1);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_UPDATE], 1);
	d = observed_store_deny_policy(&s.store, POLICY);
	assert_int_equal(d->n_roles, 1);
	assert_string_equal(d->roles[0], "acme-app");
	assert_int_equal(live_action(&s)->n_roles, 1);
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);

	/* the roles not known: detached and updated in one round */
	t = enforced("50", 100);
	fix_role(t, "acme-batch");
	converged_over_budget(&s, t);
	free(t->roles[1]);
	t->n_roles = 1;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DETACH), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_UPDATE), 1);
	plan_release(&p);
	converge(&s, t);
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* s: t converged over budget, the action executed (the policy on the tenant's role,
 * its roles read), then the action deleted by hand. */
static void executed_then_deleted(struct sim *s, const struct tenant *t)
{
	static const char *const mine[] = { "acme-app" };

	converged_over_budget(s, t);
	set_attached_roles(s, mine, 1);
	delete_action_by_hand(s);
}

/* The executed action deleted by hand (Budgets does not reverse it: the policy stays
 * on the role): made again, and, under the threshold, the policy is detached from the
 * tenant's roles; over it, kept for the new action to hold. */
static void test_executed_action_deleted_by_hand(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	executed_then_deleted(&s, t);
	sim_diff(&s, t, DELETION_DELETE, &p); /* still over: the new action keeps it */
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_CREATE), 1);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DETACH), 0);
	plan_release(&p);
	set_spend(&s, "10", NULL);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_CREATE), 1);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DETACH), 1);
	plan_release(&p);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_DETACH], 1);
	assert_int_equal(observed_store_deny_policy(&s.store, POLICY)->n_roles, 0);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	assert_false(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* The executed action deleted by hand while the spend is still over: the policy stays
 * on the tenant's role (Budgets does not reverse an action it deletes) and the action
 * made again waits in STANDBY until Budgets runs it. The role is denied all along, so
 * the tenant is OverBudget all along: while the action is made, and in STANDBY, with
 * the policy's roles read or only its attachments counted (a listing reads the roles
 * of an executed action's policy only). */
static void test_deleted_action_over_stays_over_budget(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	executed_then_deleted(&s, t);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_CREATE), 1);
	assert_true(p.over_budget);
	plan_release(&p);
	converge(&s, t);
	assert_string_equal(live_action(&s)->status, "STANDBY");
	assert_true(over_budget(&s, t));
	set_attachments(&s, 1); /* the next listing: the count only */
	assert_true(over_budget(&s, t));
	tenant_free(t);
	sim_release(&s);
}

/* Deleted by hand: created again; the threshold or roles changed: updated; a second
 * action of ours goes; someone else's action stays. */
static void test_repairs(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct observed_budget *b;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	observed_store_remove_deny_policy(&s.store, POLICY);
	delete_action_by_hand(&s);
	s.aws_calls = 0;
	converge(&s, t);
	assert_int_equal(s.calls[ACT_DENY_POLICY_CREATE], 2);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_CREATE], 2);

	t->budget->enforce_at_percent = 120;
	fix_role(t, "acme-batch");
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_UPDATE], 1);
	assert_true(live_action(&s)->threshold == 120);
	assert_int_equal(live_action(&s)->n_roles, 2);

	/* a duplicate of ours, and a foreign one */
	b = observed_budget_dup(live_budget(&s));
	b->actions = xreallocarray(b->actions, 3, sizeof(*b->actions));
	memset(&b->actions[1], 0, 2 * sizeof(*b->actions));
	observed_budget_action_copy(&b->actions[1], &b->actions[0]);
	free(b->actions[1].id);
	b->actions[1].id = xstrdup("dup");
	observed_budget_action_copy(&b->actions[2], &b->actions[0]);
	free(b->actions[2].id);
	b->actions[2].id = xstrdup("foreign");
	free(b->actions[2].policy_arn);
	b->actions[2].policy_arn = xstrdup("arn:aws:iam::" FIX_ACCOUNT ":policy/ops/freeze");
	b->n_actions = 3;
	observed_store_put_budget(&s.store, b);
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_DELETE], 1);
	assert_int_equal(live_budget(&s)->n_actions, 2);
	tenant_free(t);
	sim_release(&s);
}

/* The action notifies the alerts' subscribers: a subscriber added to the alerts, or
 * one removed from the action by hand, updates it. */
static void test_subscribers_change(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct observed_budget *b;
	const struct observed_budget_action *a;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	a = live_action(&s);
	assert_int_equal(a->n_subscribers, 1);
	assert_string_equal(a->subscribers[0], "EMAIL:admin@example.com");
	fix_alert(t, 90, ALERT_ACTUAL, "cfo@example.com", NULL, NULL);
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_UPDATE], 1);
	a = live_action(&s);
	assert_int_equal(a->n_subscribers, 2);
	assert_string_equal(a->subscribers[0], "EMAIL:admin@example.com");
	assert_string_equal(a->subscribers[1], "EMAIL:cfo@example.com");
	/* steady */
	assert_int_equal(converge(&s, t), 0);
	/* one removed from the action by hand: repaired */
	b = observed_budget_dup(live_budget(&s));
	free(b->actions[0].subscribers[1]);
	b->actions[0].n_subscribers = 1;
	observed_store_put_budget(&s.store, b);
	converge(&s, t);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_UPDATE], 2);
	assert_int_equal(live_action(&s)->n_subscribers, 2);
	tenant_free(t);
	sim_release(&s);
}

/* enforce removed: the action and the policy go at once (detached from the roles). */
static void test_enforce_removed(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	set_spend(&s, "60", "EXECUTION_SUCCESS");
	t->budget->enforce = false;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_DELETE), 1);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DELETE), 1);
	for (size_t i = 0; i < p.n_actions; i++)
		if (p.actions[i].kind == ACT_DENY_POLICY_DELETE) {
			assert_int_equal(p.actions[i].n_roles, 1);
			assert_string_equal(p.actions[i].roles[0], "acme-app");
			assert_string_equal(p.actions[i].resource, POLICY_ARN);
		}
	assert_false(p.over_budget);
	plan_release(&p);
	converge(&s, t);
	assert_null(observed_store_deny_policy(&s.store, POLICY));
	assert_int_equal(live_budget(&s)->n_actions, 0);
	assert_null(record_fact(s.record, "enforce\n" POLICY));
	s.aws_calls = 0;
	assert_int_equal(converge(&s, t), 0);
	tenant_free(t);
	sim_release(&s);
}

/* The tenant's manifest is gone: enforcement goes after the grace period. */
static void test_tenant_removed_after_grace(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DELETE), 0);
	assert_int_equal(plan_count(&p, ACT_BUDGET_ACTION_DELETE), 0);
	assert_true(p.deleting);
	plan_release(&p);
	sim_converge(&s, NULL, DELETION_DELETE, FIX_GRACE + 1, 20);
	assert_int_equal(s.calls[ACT_DENY_POLICY_DELETE], 1);
	assert_null(observed_store_deny_policy(&s.store, POLICY));
	assert_true(record_is_empty(s.record));
	tenant_free(t);
	sim_release(&s);
}

/* Budgets actions could not be listed: the enforcing tenant says why. */
static void test_not_observable(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100);
	struct plan p;

	(void)state;
	sim_init(&s, "acme");
	s.store.enforce_listed = false;
	s.store.enforce_error = xstrdup("ListPolicies: AccessDenied");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_non_null(p.error);
	assert_non_null(strstr(p.error, "budget enforcement cannot be observed: ListPolicies: AccessDenied"));
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* Enforcement made, then removed from the manifest (or the tenant gone) while it
 * cannot be listed: its policy may still deny the roles (over budget), and the
 * action still stand. The tenant is not settled: it says why, or waits for a
 * listing; one that never enforced is not held up. */
static void test_not_observable_after_removal(void **state)
{
	struct sim s;
	struct tenant *t = enforced("50", 100), *plain = enforced("50", 100);
	struct plan p;

	(void)state;
	converged_over_budget(&s, t);
	t->budget->enforce = false;
	s.store.enforce_listed = false;
	s.store.enforce_error = xstrdup("DescribeBudgetActionsForAccount: InternalErrorException");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_non_null(p.error);
	assert_non_null(strstr(p.error, "budget enforcement cannot be observed: DescribeBudgetActionsForAccount"));
	plan_release(&p);
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_non_null(p.error);
	plan_release(&p);
	/* not listed yet (no error): it waits */
	free(s.store.enforce_error);
	s.store.enforce_error = NULL;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_null(p.error);
	assert_true(p.incomplete);
	plan_release(&p);
	sim_release(&s);
	/* never enforced: nothing of it to wait for */
	plain->budget->enforce = false;
	sim_init(&s, "acme");
	converge(&s, plain);
	s.store.enforce_listed = false;
	s.store.enforce_error = xstrdup("DescribeBudgetActionsForAccount: InternalErrorException");
	sim_diff(&s, plain, DELETION_DELETE, &p);
	assert_null(p.error);
	assert_false(p.incomplete);
	plan_release(&p);
	tenant_free(t);
	tenant_free(plain);
	sim_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_and_steady),
		cmocka_unit_test(test_over_budget_then_limit_raised),
		cmocka_unit_test(test_deny_policy_detached_by_hand),
		cmocka_unit_test(test_deny_policy_moved_by_hand),
		cmocka_unit_test(test_deleted_by_hand_over_budget),
		cmocka_unit_test(test_new_period_reverses),
		cmocka_unit_test(test_in_progress_waits),
		cmocka_unit_test(test_reversal_answered_in_progress),
		cmocka_unit_test(test_execution_failure_retried),
		cmocka_unit_test(test_reverse_failure_retried),
		cmocka_unit_test(test_partial_execution_detached_before_reset),
		cmocka_unit_test(test_profiles_change_the_document),
		cmocka_unit_test(test_hand_edits_over_budget),
		cmocka_unit_test(test_role_dropped_over_budget),
		cmocka_unit_test(test_executed_action_deleted_by_hand),
		cmocka_unit_test(test_deleted_action_over_stays_over_budget),
		cmocka_unit_test(test_repairs),
		cmocka_unit_test(test_subscribers_change),
		cmocka_unit_test(test_enforce_removed),
		cmocka_unit_test(test_tenant_removed_after_grace),
		cmocka_unit_test(test_not_observable),
		cmocka_unit_test(test_not_observable_after_removal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
