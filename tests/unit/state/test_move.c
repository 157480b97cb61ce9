/* The end of a move in the old place (state/move.c), on the simulated world of
 * fixtures.c standing for the old place, with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "move.h"
#include "policy_doc.h"
#include "xalloc.h"

#define HAIKU "anthropic.claude-3-5-haiku-20241022-v1:0"
#define FROM  "-/us-east-1"
#define TO    "other/us-west-2"

/* One move-out diff of acme in the old world s. */
static int move_diff(struct sim *s, const struct tenant *t, bool same_account, enum deletion_policy policy,
		     struct plan *ret)
{
	struct observed_tenant o;
	struct move_input in = {
		.tenant_id = "acme",
		.from = FROM,
		.to = TO,
		.desired = t,
		.deletion_policy = policy,
		.record = s->record,
		.observed = &o,
		.same_account = same_account,
		.deletions_held = s->held,
		.now = s->now,
	};
	int r;

	observed_tenant_collect(&s->store, FIX_INSTANCE, "acme", t, &o);
	r = move_out_diff(&s->settings, &in, ret);
	observed_tenant_release(&o);
	return r;
}

/* acme with one profile (and a budget) converged in the old place, its move noted. */
static struct tenant *old_world(struct sim *s, bool budget)
{
	struct tenant *t = fix_tenant("acme");
	char *fact = record_key_moving_from(FROM);

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	if (budget)
		fix_budget(t, "100", BUDGET_MONTHLY);
	sim_init(s, "acme");
	sim_converge(s, t, DELETION_DELETE, 1, 10);
	record_set_fact(s->record, fact, "1700000000");
	free(fact);
	return t;
}

static void test_drain_then_parameters_then_profiles(void **state)
{
	struct sim s;
	struct tenant *t = old_world(&s, true);
	struct plan p;
	int64_t switched;

	(void)state;
	/* the new set is Ready: the drain starts, nothing is deleted yet */
	switched = s.now;
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
	assert_int_equal(p.n_actions, 1);
	assert_int_equal(p.actions[0].kind, ACT_TIMER_START);
	assert_int_equal(p.actions[0].timer, TIMER_DRAIN);
	assert_string_equal(p.actions[0].resource, "move:" FROM);
	assert_int_equal(p.wake_at, switched + FIX_DRAIN);
	sim_apply(&s, &p);
	plan_release(&p);

	s.now = switched + FIX_DRAIN - 1; /* draining: the old set serves */
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
	assert_int_equal(p.n_actions, 0);
	assert_int_equal(p.wake_at, switched + FIX_DRAIN);
	plan_release(&p);

	/* drained: the parameter (which names the profile) and, in another account, the budget */
	s.now = switched + FIX_DRAIN;
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
	assert_int_equal(plan_count(&p, ACT_PARAM_DELETE), 1);
	assert_int_equal(plan_count(&p, ACT_BUDGET_DELETE), 1);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 0);
	for (size_t i = 0; i < p.n_actions; i++) /* the move's, never a prune or a repair */
		assert_int_equal(p.actions[i].origin, ORIGIN_MOVE);
	sim_apply(&s, &p);
	plan_release(&p);

	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
	assert_int_equal(p.n_actions, 1);
	assert_int_equal(p.actions[0].kind, ACT_PROFILE_DELETE);
	assert_int_equal(p.actions[0].origin, ORIGIN_MOVE);
	sim_apply(&s, &p);
	plan_release(&p);

	/* nothing left: the move is over, its fact and timer go */
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 1);
	assert_int_equal(plan_count(&p, ACT_FACT_CLEAR), 1);
	assert_int_equal(plan_count(&p, ACT_TIMER_CLEAR), 1);
	assert_int_equal(plan_aws_actions(&p), 0);
	sim_apply(&s, &p);
	plan_release(&p);
	assert_null(record_moving_from(s.record, 0));
	assert_null(record_timer(s.record, "move:" FROM));
	tenant_free(t);
	sim_release(&s);
}

static void test_same_account_keeps_the_budget(void **state)
{
	struct sim s;
	struct tenant *t = old_world(&s, true);
	struct plan p;
	int r = 0;

	(void)state;
	for (int i = 0; i < 6 && !r; i++) {
		r = move_diff(&s, t, true, DELETION_DELETE, &p);
		assert_int_equal(plan_count(&p, ACT_BUDGET_DELETE), 0);
		sim_apply(&s, &p);
		plan_release(&p);
		s.now += FIX_DRAIN;
	}
	assert_int_equal(r, 1);
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 0);
	assert_int_equal(s.store.budgets.n, 1);
	tenant_free(t);
	sim_release(&s);
}

static void test_held_and_retain(void **state)
{
	struct sim s;
	struct tenant *t = old_world(&s, false);
	struct plan p;

	(void)state;
	move_diff(&s, t, false, DELETION_DELETE, &p);
	sim_apply(&s, &p);
	plan_release(&p);
	s.now += FIX_DRAIN;
	s.held = true; /* the prune gate holds the tenant's deletions */
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
	assert_true(p.held);
	assert_int_equal(plan_aws_actions(&p), 0);
	plan_release(&p);
	s.held = false;
	/* retain: released (the managed-by tag removed), never deleted */
	assert_int_equal(move_diff(&s, t, false, DELETION_RETAIN, &p), 0);
	assert_int_equal(plan_count(&p, ACT_PARAM_UNTAG), 1);
	assert_int_equal(plan_count(&p, ACT_PROFILE_UNTAG), 1);
	assert_int_equal(plan_count(&p, ACT_PARAM_DELETE) + plan_count(&p, ACT_PROFILE_DELETE), 0);
	assert_true(move_holds_profiles(&s.store, observed_store_group(&s.store, "acme"), FIX_INSTANCE, "acme"));
	sim_apply(&s, &p);
	plan_release(&p);
	assert_int_equal(move_diff(&s, t, false, DELETION_RETAIN, &p), 1);
	plan_release(&p);
	/* the released profile is still tagged with the tenant, but no longer its: this
	 * place keeps nothing of the account's for its own end */
	assert_int_equal(observed_store_group(&s.store, "acme")->n_profiles, 1);
	assert_false(move_holds_profiles(&s.store, observed_store_group(&s.store, "acme"), FIX_INSTANCE, "acme"));
	tenant_free(t);
	sim_release(&s);
}

static void put_policy(struct sim *s, const char *role, const char *name, const char *doc)
{
	struct observed_policy *q = xcalloc(1, sizeof(*q));

	q->role = xstrdup(role);
	q->name = xstrdup(name);
	q->document = xstrdup(doc);
	observed_store_put_policy(&s->store, q);
}

static void test_policy_goes_after_the_profiles(void **state)
{
	struct sim s;
	struct tenant *t = old_world(&s, false);
	struct plan p;
	int r = 0;
	bool profiles_gone_first = true;

	(void)state;
	fix_role(t, "app");
	s.store.policies_listed = true;
	put_policy(&s, "app", "bedrock-tenantd-acme", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	for (int i = 0; i < 8 && !r; i++) {
		r = move_diff(&s, t, false, DELETION_DELETE, &p);
		if (plan_count(&p, ACT_POLICY_DELETE))
			profiles_gone_first &= sim_count_owned_profiles(&s, "acme") == 0;
		sim_apply(&s, &p);
		for (size_t k = 0; k < p.n_actions; k++)
			if (p.actions[k].kind == ACT_POLICY_DELETE)
				observed_store_remove_policy(&s.store, "app", "bedrock-tenantd-acme");
		plan_release(&p);
		s.now += FIX_DRAIN;
	}
	assert_int_equal(r, 1);
	assert_true(profiles_gone_first);
	assert_null(observed_store_policy(&s.store, "app", "bedrock-tenantd-acme"));
	tenant_free(t);
	sim_release(&s);
}

/* acme enforcing (spec.budget.enforce) in the old place, converged there. */
static struct tenant *enforcing_world(struct sim *s)
{
	struct tenant *t = fix_tenant("acme");
	char *fact = record_key_moving_from(FROM);

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	fix_budget(t, "100", BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "ops@example.com", NULL, NULL);
	t->budget->enforce = true;
	t->budget->enforce_at_percent = 100;
	fix_role(t, "app");
	sim_init(s, "acme");
	sim_converge(s, t, DELETION_DELETE, 1, 20);
	s->store.policies_listed = true; /* the bulk read saw the role's policy */
	record_set_fact(s->record, fact, "1700000000");
	free(fact);
	assert_non_null(observed_store_deny_policy(&s->store, "bedrock-tenantd-acme-deny"));
	assert_int_equal(observed_store_budget(&s->store, "bedrock-tenant-acme")->n_actions, 1);
	return t;
}

/* Out of the account: the action goes a round before its budget, the deny policy once
 * no old profile and no action is left (detached from the tenant's roles), and only
 * then is the move over. Retain deletes them too. */
static void check_enforcement_leaves(enum deletion_policy policy)
{
	struct sim s;
	struct tenant *t = enforcing_world(&s);
	const char *name = "bedrock-tenantd-acme-deny";
	bool action_before_budget = true, policy_last = true;
	struct plan p;
	int r = 0;

	for (int i = 0; i < 10 && !r; i++) {
		r = move_diff(&s, t, false, policy, &p);
		if (plan_count(&p, ACT_BUDGET_DELETE) || plan_count(&p, ACT_BUDGET_UNTAG))
			action_before_budget &= observed_store_budget(&s.store, "bedrock-tenant-acme")->n_actions == 0;
		for (size_t k = 0; k < p.n_actions; k++) {
			if (p.actions[k].kind != ACT_DENY_POLICY_DELETE)
				continue;
			policy_last &= sim_count_owned_profiles(&s, "acme") == 0;
			assert_string_equal(p.actions[k].name, name);
			assert_int_equal(p.actions[k].n_roles, 1);
			assert_string_equal(p.actions[k].roles[0], "app");
			assert_true(p.actions[k].destructive);
		}
		sim_apply(&s, &p);
		plan_release(&p);
		s.now += FIX_DRAIN;
	}
	assert_int_equal(r, 1);
	assert_int_equal(s.calls[ACT_BUDGET_ACTION_DELETE], 1);
	assert_int_equal(s.calls[ACT_DENY_POLICY_DELETE], 1);
	assert_true(action_before_budget);
	assert_true(policy_last);
	assert_null(observed_store_deny_policy(&s.store, name));
	tenant_free(t);
	sim_release(&s);
}

static void test_enforcement_leaves_the_account(void **state)
{
	(void)state;
	check_enforcement_leaves(DELETION_DELETE);
	check_enforcement_leaves(DELETION_RETAIN);
}

/* Within the account the deny policy and the action are the current place's. */
static void test_same_account_keeps_the_enforcement(void **state)
{
	struct sim s;
	struct tenant *t = enforcing_world(&s);
	struct plan p;
	int r = 0;

	(void)state;
	for (int i = 0; i < 6 && !r; i++) {
		r = move_diff(&s, t, true, DELETION_DELETE, &p);
		assert_int_equal(plan_count(&p, ACT_DENY_POLICY_DELETE) + plan_count(&p, ACT_BUDGET_ACTION_DELETE), 0);
		sim_apply(&s, &p);
		plan_release(&p);
		s.now += FIX_DRAIN;
	}
	assert_int_equal(r, 1);
	assert_non_null(observed_store_deny_policy(&s.store, "bedrock-tenantd-acme-deny"));
	tenant_free(t);
	sim_release(&s);
}

/* The old account's enforcement not listed (the listing could not read it): an
 * enforcing tenant's move is not over, since its policy may be left there. */
static void test_enforcement_unlisted_keeps_the_move(void **state)
{
	struct sim s;
	struct tenant *t = enforcing_world(&s);
	struct plan p;
	bool policy_next = false;

	(void)state;
	for (int i = 0; i < 8 && !policy_next; i++) {
		assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
		policy_next = plan_count(&p, ACT_DENY_POLICY_DELETE) == 1;
		sim_apply(&s, &p);
		plan_release(&p);
		s.now += FIX_DRAIN;
	}
	assert_true(policy_next); /* the deny policy went last */
	assert_null(observed_store_deny_policy(&s.store, "bedrock-tenantd-acme-deny"));
	s.store.enforce_listed = false;
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 0);
	assert_int_equal(plan_aws_actions(&p), 0);
	plan_release(&p);
	s.store.enforce_listed = true;
	assert_int_equal(move_diff(&s, t, false, DELETION_DELETE, &p), 1);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* A move within the account: the deny policy denies the old place's profiles too
 * (the account's roles serve both sets until the drain ends). */
static void test_deny_policy_denies_the_old_place_too(void **state)
{
	struct sim s, old;
	struct tenant *t = fix_tenant("acme");
	struct observed_tenant o, oo;
	const struct observed_profile *also[1];
	struct diff_input in;
	struct plan p;
	const struct action *upd = NULL;

	(void)state;
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&old, "acme");
	old.next_id = 100; /* other ARNs than the new place's */
	sim_converge(&old, t, DELETION_DELETE, 1, 10);
	observed_tenant_collect(&old.store, FIX_INSTANCE, "acme", t, &oo);
	also[0] = oo.owned[0];
	fix_budget(t, "100", BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "ops@example.com", NULL, NULL);
	t->budget->enforce = true;
	t->budget->enforce_at_percent = 100;
	fix_role(t, "app");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 20);
	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
	in = (struct diff_input){ .tenant_id = "acme",
				  .desired = t,
				  .deletion_policy = DELETION_DELETE,
				  .record = s.record,
				  .observed = &o,
				  .now = s.now,
				  .also_granted = also,
				  .n_also_granted = 1 };
	diff_tenant(&s.settings, &in, &p);
	for (size_t i = 0; i < p.n_actions; i++)
		if (p.actions[i].kind == ACT_DENY_POLICY_UPDATE)
			upd = &p.actions[i];
	if (!upd)
		fail_msg("no deny policy update");
	assert_non_null(strstr(upd->value, also[0]->arn));
	assert_non_null(strstr(upd->value, o.owned[0]->arn));
	plan_release(&p);
	observed_tenant_release(&o);
	observed_tenant_release(&oo);
	tenant_free(t);
	sim_release(&s);
	sim_release(&old);
}

/* Another old place of the account still holds profiles of the tenant: this one's end
 * deletes its parameters and profiles and is over, and leaves the account's budget and
 * the role's policy to that one (they serve its set while it drains). */
static void test_another_old_place_keeps_the_account(void **state)
{
	struct sim s;
	struct tenant *t = old_world(&s, true);
	struct plan p;
	struct observed_tenant o;
	struct move_input in;
	int r = 0;

	(void)state;
	fix_role(t, "app");
	s.store.policies_listed = true;
	put_policy(&s, "app", "bedrock-tenantd-acme", "{}");
	for (int i = 0; i < 6 && !r; i++) {
		observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
		in = (struct move_input){
			"acme", FROM, TO, t, DELETION_DELETE, s.record, &o, false, true, false, s.now
		};
		r = move_out_diff(&s.settings, &in, &p);
		observed_tenant_release(&o);
		assert_int_equal(plan_count(&p, ACT_POLICY_DELETE), 0);
		assert_int_equal(plan_count(&p, ACT_BUDGET_DELETE), 0);
		sim_apply(&s, &p);
		plan_release(&p);
		s.now += FIX_DRAIN;
	}
	assert_int_equal(r, 1);
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 0);
	assert_int_equal(s.store.budgets.n, 1);
	assert_non_null(observed_store_policy(&s.store, "app", "bedrock-tenantd-acme"));
	tenant_free(t);
	sim_release(&s);
}

/* The current place's diff leaves a move's drain timer alone (it is no resource there). */
static void test_current_diff_keeps_move_timers(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	(void)state;
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	record_start_timer(s.record, TIMER_DRAIN, "move:" FROM, s.now);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_TIMER_CLEAR), 0);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* Within one account, the roles grant the old place's profiles too during the drain. */
static void test_policy_grants_the_old_place_too(void **state)
{
	struct sim s, old;
	struct tenant *t = fix_tenant("acme");
	struct observed_tenant o, oo;
	const struct observed_profile *also[1];
	struct diff_input in;
	struct plan p;
	const struct action *put = NULL;

	(void)state;
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&old, "acme");
	old.next_id = 100; /* other ARNs than the new place's */
	sim_converge(&old, t, DELETION_DELETE, 1, 10);
	observed_tenant_collect(&old.store, FIX_INSTANCE, "acme", t, &oo);
	assert_int_equal(oo.n_owned, 1);
	also[0] = oo.owned[0];
	fix_role(t, "app");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	s.store.policies_listed = true; /* the bulk read saw the role's policy */
	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
	in = (struct diff_input){ .tenant_id = "acme",
				  .desired = t,
				  .deletion_policy = DELETION_DELETE,
				  .record = s.record,
				  .observed = &o,
				  .now = s.now,
				  .also_granted = also,
				  .n_also_granted = 1 };
	diff_tenant(&s.settings, &in, &p);
	for (size_t i = 0; i < p.n_actions; i++)
		if (p.actions[i].kind == ACT_POLICY_PUT || p.actions[i].kind == ACT_POLICY_READ)
			put = &p.actions[i];
	if (!put)
		fail_msg("no policy action");
	assert_int_equal(put->kind, ACT_POLICY_PUT);
	assert_non_null(strstr(put->value, also[0]->arn));
	assert_non_null(strstr(put->value, o.owned[0]->arn));
	plan_release(&p);
	observed_tenant_release(&o);
	observed_tenant_release(&oo);
	tenant_free(t);
	sim_release(&s);
	sim_release(&old);
}

/* One serving diff of acme in the old world s (before the switch). */
static void serving_diff(struct sim *s, const struct tenant *t, const char *to, struct plan *ret)
{
	struct observed_tenant o;
	struct move_input in = {
		.tenant_id = "acme",
		.from = FROM,
		.to = to,
		.desired = t,
		.record = s->record,
		.observed = &o,
		.now = s->now,
	};

	observed_tenant_collect(&s->store, FIX_INSTANCE, "acme", t, &o);
	move_serving_diff(&s->settings, &in, ret);
	observed_tenant_release(&o);
}

/* Before the switch the old set is not reconciled, but a parameter there naming a
 * profile gone (deleted by hand) goes: nothing else, and never another's. */
static void test_serving_parameter_of_a_gone_profile_goes(void **state)
{
	struct sim s;
	struct tenant *t = old_world(&s, true);
	const struct observed_group *g = observed_store_group(&s.store, "acme");
	char *arn, *param;
	struct plan p;

	(void)state;
	serving_diff(&s, t, TO, &p);
	assert_int_equal(p.n_actions, 0); /* converged: nothing */
	plan_release(&p);
	assert_non_null(g);
	assert_int_equal(g->n_profiles, 1);
	arn = xstrdup(g->profiles[0]->arn);
	param = xstrdup(g->parameters[0]->name);

	assert_true(observed_store_remove_profile(&s.store, arn)); /* deleted by hand, as a listing shows */
	serving_diff(&s, t, TO, &p);
	assert_int_equal(p.n_actions, 1);
	assert_int_equal(p.actions[0].kind, ACT_PARAM_DELETE);
	assert_string_equal(p.actions[0].resource, param);
	assert_string_equal(p.actions[0].profile_key, "chat");
	assert_int_equal(p.actions[0].origin, ORIGIN_MOVE);
	assert_false(p.actions[0].destructive); /* it names nothing: no prune gate */
	assert_non_null(strstr(p.actions[0].reason, TO));
	assert_int_equal(plan_count(&p, ACT_PROFILE_CREATE), 0); /* not made again there */
	plan_release(&p);
	serving_diff(&s, t, NULL, &p); /* no place to move to yet: the same */
	assert_int_equal(plan_count(&p, ACT_PARAM_DELETE), 1);
	assert_non_null(strstr(p.actions[0].reason, "another place"));
	plan_release(&p);

	/* a create answered that ARN and no read has shown it since: it may lag */
	record_set_intent(s.record, "chat", "acme-chat", "tok", s.now);
	record_note_intent_answer(s.record, "chat", "tok", arn, false, s.now);
	serving_diff(&s, t, TO, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	record_confirm_intent(s.record, "chat", arn); /* shown once: its absence now means gone */
	serving_diff(&s, t, TO, &p);
	assert_int_equal(plan_count(&p, ACT_PARAM_DELETE), 1);
	sim_apply(&s, &p);
	plan_release(&p);
	serving_diff(&s, t, TO, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	/* another tenant's parameter at acme's name, naming the same gone profile: not acme's */
	sim_add_parameter(&s, param, arn, "zeta", FIX_INSTANCE);
	serving_diff(&s, t, TO, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	free(arn);
	free(param);
	tenant_free(t);
	sim_release(&s);
}

static void test_record_keys(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");
	char *a = record_key_moving_from("-/us-east-1"), *b = record_key_moving_from("prod/us-west-2");
	char *timer = record_key_move_timer("-/us-east-1");

	(void)state;
	assert_string_equal(record_key_moving_from_parse(a), "-/us-east-1");
	assert_null(record_key_moving_from_parse("place"));
	assert_true(record_key_is_move_timer(timer));
	assert_false(record_key_is_move_timer("budget:x"));
	assert_null(record_moving_from(r, 0));
	record_set_fact(r, "place", "other/us-west-2");
	record_set_fact(r, a, "1");
	record_set_fact(r, b, "2");
	assert_string_equal(record_moving_from(r, 0), "-/us-east-1");
	assert_string_equal(record_moving_from(r, 1), "prod/us-west-2");
	assert_null(record_moving_from(r, 2));
	free(a);
	free(b);
	free(timer);
	tenant_record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_then_parameters_then_profiles),
		cmocka_unit_test(test_same_account_keeps_the_budget),
		cmocka_unit_test(test_held_and_retain),
		cmocka_unit_test(test_policy_goes_after_the_profiles),
		cmocka_unit_test(test_enforcement_leaves_the_account),
		cmocka_unit_test(test_same_account_keeps_the_enforcement),
		cmocka_unit_test(test_enforcement_unlisted_keeps_the_move),
		cmocka_unit_test(test_deny_policy_denies_the_old_place_too),
		cmocka_unit_test(test_another_old_place_keeps_the_account),
		cmocka_unit_test(test_current_diff_keeps_move_timers),
		cmocka_unit_test(test_policy_grants_the_old_place_too),
		cmocka_unit_test(test_serving_parameter_of_a_gone_profile_goes),
		cmocka_unit_test(test_record_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
