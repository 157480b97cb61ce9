/* A tenant's reconcile simulated to the end (state/simulate.c) and its actions
 * rendered attribute by attribute (state/plan_render.c), against worlds built with
 * the fixtures' simulated AWS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "move.h"
#include "observed_apply.h"
#include "plan_render.h"
#include "simulate.h"
#include "xalloc.h"

#define HAIKU "anthropic.claude-3-5-haiku-20241022-v1:0"
#define NOVA  "amazon.nova-lite-v1:0"
#define ROLE  "claims-app"

static struct tenant *full_tenant(const char *model, const char *hash, const char *limit)
{
	struct tenant *t = fix_tenant("acme");

	fix_tag(&t->tags, "CostCenter", "claims");
	fix_profile(t, "chat", model, hash);
	fix_budget(t, limit, BUDGET_MONTHLY);
	fix_alert(t, 80, ALERT_ACTUAL, "admin@example.com", NULL, NULL);
	fix_role(t, ROLE);
	return t;
}

/* acme's reconcile in the world s; granted[0..n): profiles of an old place of the same
 * account its policies grant too (a move's). */
static void run_granting(struct sim *s, const struct tenant *t, const struct observed_profile *const *granted, size_t n,
			 struct simulation *ret)
{
	struct simulate_input in = {
		.tenant_id = "acme",
		.desired = t,
		.deletion_policy = DELETION_DELETE,
		.record = s->record,
		.observed = &s->store,
		.region = FIX_REGION,
		.deletions_held = s->held,
		.now = s->now,
		.also_granted = granted,
		.n_also_granted = n,
	};

	assert_int_equal(simulate_tenant(&s->settings, &in, ret), 0);
}

static void run(struct sim *s, const struct tenant *t, struct simulation *ret)
{
	run_granting(s, t, NULL, 0, ret);
}

/* Answers every read from the simulated world, as `plan` answers them from AWS. */
static void answer_reads(struct sim *s, const struct simulation *sim)
{
	for (size_t i = 0; i < sim->n_reads; i++) {
		const struct action *a = &sim->reads[i];
		struct observed_policy *p;
		assert_int_equal(a->kind, ACT_POLICY_READ);
		p = xcalloc(1, sizeof(*p));
		p->role = xstrdup(a->role);
		p->name = xstrdup(a->name);
		p->document = xstrdup_or_null(sim_policy(s, a->role, a->name));
		p->others_known = true; /* the role has no other policy here */
		observed_apply_read(&s->store, a, NULL, NULL, NULL, p, false);
	}
}

static const struct sim_step *find_step(const struct simulation *sim, enum action_kind kind)
{
	for (size_t i = 0; i < sim->n_steps; i++)
		if (sim->steps[i].action.kind == kind)
			return &sim->steps[i];
	return NULL;
}

/* step_of: the first step of kind; the test fails without one. */
static const struct sim_step *step_of(const struct simulation *sim, enum action_kind kind)
{
	const struct sim_step *st = find_step(sim, kind);

	if (!st) {
		fail_msg("no %s step", action_kind_name(kind));
		abort();
	}
	return st;
}

static size_t count_steps(const struct simulation *sim, enum action_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < sim->n_steps; i++)
		n += sim->steps[i].action.kind == kind;
	return n;
}

/* The last step of kind; the test fails without one. */
static const struct sim_step *last_step_of(const struct simulation *sim, enum action_kind kind)
{
	for (size_t i = sim->n_steps; i-- > 0;)
		if (sim->steps[i].action.kind == kind)
			return &sim->steps[i];
	fail_msg("no %s step", action_kind_name(kind));
	abort();
}

/* The step's changes, one formatted line each, joined by newlines. */
static char *lines(const struct sim_step *st)
{
	struct strbuf out;

	strbuf_init(&out, STRBUF_NO_CAP);
	for (size_t i = 0; i < st->changes.n; i++) {
		change_format(&st->changes.v[i], &out);
		strbuf_addch(&out, '\n');
	}
	return strbuf_detach(&out, NULL);
}

static void assert_has_line(const struct sim_step *st, const char *want)
{
	char *all = lines(st);

	if (!strstr(all, want))
		fail_msg("'%s' not in:\n%s", want, all);
	free(all);
}

/* A new tenant: every resource, not only what is safe in the first round. */
static void test_new_tenant_whole_change_set(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000");
	struct simulation sim;
	const struct sim_step *st;

	sim_init(&s, "acme");
	run(&s, t, &sim);
	/* the policy document exists once the profile does: its live version is read */
	assert_int_equal(sim.n_steps, 0);
	assert_int_equal(sim.n_reads, 1);
	answer_reads(&s, &sim);
	simulation_release(&sim);
	run(&s, t, &sim);
	assert_int_equal(sim.n_reads, 0);
	assert_null(sim.error);
	assert_false(sim.truncated);
	assert_true(simulation_pending(&sim));

	st = step_of(&sim, ACT_PROFILE_CREATE);
	assert_string_equal(st->subject, "acme-chat-aaaaaa");
	assert_has_line(st, "+ arn: (known after create)\n");
	assert_has_line(st, "+ tags.CostCenter: \"claims\"\n");
	st = step_of(&sim, ACT_BUDGET_CREATE);
	assert_string_equal(st->subject, "bedrock-tenant-acme");
	assert_has_line(st, "+ limit: \"1000 USD\"\n");
	assert_has_line(st, "+ alert: \"ACTUAL > 80% (EMAIL:admin@example.com)\"\n");
	st = step_of(&sim, ACT_PARAM_CREATE);
	assert_int_equal(st->round, 1);
	assert_has_line(st, "+ value: (known after create)\n");
	st = step_of(&sim, ACT_POLICY_PUT);
	assert_string_equal(st->subject, ROLE "/bedrock-tenantd-acme");
	assert_has_line(st, "+ statement InvokeTenantProfiles: (known after create)\n");
	for (size_t i = 0; i < sim.n_steps; i++)
		assert_int_equal(sim.steps[i].at, 0);

	/* the world itself did not change */
	assert_int_equal(s.aws_calls, 0);
	assert_null(observed_store_budget(&s.store, "bedrock-tenant-acme"));
	simulation_release(&sim);
	tenant_free(t);
	sim_release(&s);
}

static void converge(struct sim *s, const struct tenant *t)
{
	sim_converge(s, t, DELETION_DELETE, 1, 20);
}

/* Converged: nothing at all; a hand-made tag edit: one attribute-level diff. */
static void test_converged_then_tag_edit(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000");
	struct simulation sim;
	const struct sim_step *st;
	struct observed_profile *p;

	sim_init(&s, "acme");
	converge(&s, t);
	run(&s, t, &sim);
	assert_int_equal(sim.n_reads, 0);
	assert_int_equal(sim.n_steps, 0);
	assert_false(simulation_pending(&sim));
	simulation_release(&sim);

	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	tag_set_put(&p->tags, "CostCenter", "hacked");
	tag_set_put(&p->tags, "Owner", "someone"); /* never applied by us: left alone */
	observed_store_put_profile(&s.store, p);
	run(&s, t, &sim);
	assert_true(simulation_pending(&sim));
	assert_int_equal(sim.n_steps, 1);
	st = &sim.steps[0];
	assert_int_equal(st->action.kind, ACT_PROFILE_TAG);
	assert_string_equal(st->subject, "acme-chat-aaaaaa");
	assert_int_equal(st->changes.n, 1);
	assert_has_line(st, "~ CostCenter: \"hacked\" -> \"claims\"\n");
	assert_int_equal(plan_render_symbol(&st->action), '~');
	simulation_release(&sim);
	tenant_free(t);
	sim_release(&s);
}

/* A budget and alert change: named, with old and new values. */
static void test_budget_diffs(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000"), *t2 = full_tenant(HAIKU, "aaaaaa", "2500");
	struct simulation sim;
	const struct sim_step *st;

	sim_init(&s, "acme");
	converge(&s, t);
	t2->budget->alerts[0].threshold_percent = 90;
	run(&s, t2, &sim);
	st = step_of(&sim, ACT_BUDGET_UPDATE);
	assert_string_equal(st->subject, "bedrock-tenant-acme");
	assert_has_line(st, "~ limit: \"1000 USD\" -> \"2500 USD\"\n");
	assert_int_equal(st->changes.n, 1); /* period and filter unchanged */
	st = step_of(&sim, ACT_NOTIFICATION_UPDATE);
	assert_has_line(st, "~ alert: \"ACTUAL > 80%\" -> \"ACTUAL > 90%\"\n");
	simulation_release(&sim);
	tenant_free(t);
	tenant_free(t2);
	sim_release(&s);
}

/* A replacement: create the new profile, switch the parameter, rewrite the policy,
 * start the drain, then (deferred) delete the old one. Once the daemon has started
 * the drain, the running timer is not a change. */
static void test_replacement_and_running_drain(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000"), *t2 = full_tenant(NOVA, "bbbbbb", "1000");
	struct simulation sim;
	const struct sim_step *st, *del;
	int64_t start;

	sim_init(&s, "acme");
	converge(&s, t);
	start = s.now;
	run(&s, t2, &sim);
	assert_int_equal(sim.n_reads, 0);
	assert_true(simulation_pending(&sim));
	st = step_of(&sim, ACT_PROFILE_CREATE);
	assert_string_equal(st->subject, "acme-chat-bbbbbb");
	st = step_of(&sim, ACT_PARAM_UPDATE);
	assert_has_line(st, " -> (known after create)\n");
	st = step_of(&sim, ACT_POLICY_PUT);
	assert_has_line(st, "+ statement InvokeTenantProfiles: (known after create)\n");
	step_of(&sim, ACT_TIMER_START);
	del = step_of(&sim, ACT_PROFILE_DELETE);
	assert_string_equal(del->subject, "acme-chat-aaaaaa");
	assert_int_equal(del->at, start + FIX_DRAIN);
	assert_int_equal(plan_render_symbol(&del->action), '-');
	simulation_release(&sim);

	/* the daemon runs it up to the drain */
	sim_converge(&s, t2, DELETION_DELETE, 1, 20);
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 2);
	run(&s, t2, &sim);
	assert_false(simulation_pending(&sim));
	del = step_of(&sim, ACT_PROFILE_DELETE);
	assert_true(del->at > s.now);
	st = step_of(&sim, ACT_POLICY_PUT); /* the old profile leaves the policy */
	assert_true(st->at > 0);
	assert_has_line(st, "- statement InvokeTenantProfiles: \"arn:aws:bedrock:");
	simulation_release(&sim);
	tenant_free(t);
	tenant_free(t2);
	sim_release(&s);
}

/* The bulk IAM read keeps a policy's digest, not its document: a plan that rewrites
 * the policy reads it first, and then shows the statements it takes away. */
static void test_policy_of_a_bulk_read_is_read_to_be_shown(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000"), *t2 = full_tenant(NOVA, "bbbbbb", "1000");
	struct simulation sim;
	const struct sim_step *st;
	struct change_list changes = { 0 };
	struct strbuf out;

	(void)state;
	strbuf_init(&out, STRBUF_NO_CAP);
	sim_init(&s, "acme");
	converge(&s, t);
	observed_store_policy_digest_only(&s.store, ROLE, t->policy_name);
	run(&s, t2, &sim);
	assert_int_equal(sim.n_reads, 1);
	assert_int_equal(sim.reads[0].kind, ACT_POLICY_READ);
	assert_string_equal(sim.reads[0].role, ROLE);
	assert_int_equal(sim.n_steps, 0);
	answer_reads(&s, &sim);
	simulation_release(&sim);

	run(&s, t2, &sim);
	assert_int_equal(sim.n_reads, 0);
	st = step_of(&sim, ACT_POLICY_PUT);
	assert_has_line(st, "+ statement InvokeTenantProfiles: (known after create)\n");
	simulation_release(&sim);

	/* the plan run by the daemon up to the drain: the old profile leaves the policy */
	sim_converge(&s, t2, DELETION_DELETE, 1, 20);
	observed_store_policy_digest_only(&s.store, ROLE, t->policy_name);
	run(&s, t2, &sim);
	assert_int_equal(sim.n_reads, 1);
	answer_reads(&s, &sim);
	simulation_release(&sim);
	run(&s, t2, &sim);
	st = step_of(&sim, ACT_POLICY_PUT);
	assert_has_line(st, "- statement InvokeTenantProfiles: \"arn:aws:bedrock:");

	/* the audit renders against the engine's model as it is: it says so */
	observed_store_policy_digest_only(&s.store, ROLE, t->policy_name);
	plan_render_changes(&st->action, &s.store, &changes);
	assert_true(changes.n >= 1);
	change_format(&changes.v[0], &out);
	assert_string_equal(out.buf, "- document: \"(not kept: only its digest)\"");
	strbuf_release(&out);
	change_list_release(&changes);
	simulation_release(&sim);
	tenant_free(t);
	tenant_free(t2);
	sim_release(&s);
}

/* A tenant removed: the grace starts (a change), the deletions are deferred; held by
 * the prune gate, nothing is deleted and the tenant is pending: what an approval would
 * delete follows, each step after_approval, in the order of the deletions unheld. */
static void test_removed_grace_and_held(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct simulation sim;
	const struct sim_step *st;
	struct simulate_input in;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	converge(&s, t);
	in = (struct simulate_input){ .tenant_id = "acme",
				      .deletion_policy = DELETION_DELETE,
				      .record = s.record,
				      .observed = &s.store,
				      .region = FIX_REGION,
				      .now = s.now };
	simulate_tenant(&s.settings, &in, &sim);
	assert_true(simulation_pending(&sim));
	st = step_of(&sim, ACT_TIMER_START);
	assert_int_equal(st->at, 0);
	st = step_of(&sim, ACT_PARAM_DELETE);
	assert_int_equal(st->at, s.now + FIX_GRACE);
	st = step_of(&sim, ACT_PROFILE_DELETE);
	assert_int_equal(st->at, s.now + FIX_GRACE);
	simulation_release(&sim);

	in.deletions_held = true;
	simulate_tenant(&s.settings, &in, &sim);
	assert_true(sim.held);
	assert_true(simulation_pending(&sim));
	for (size_t i = 0; i < sim.n_steps; i++) /* nothing deleted before the approval */
		if (sim.steps[i].action.destructive)
			assert_true(sim.steps[i].after_approval);
	st = step_of(&sim, ACT_PARAM_DELETE);
	assert_true(st->after_approval);
	assert_int_equal(st->at, s.now + FIX_GRACE);
	st = step_of(&sim, ACT_PROFILE_DELETE);
	assert_true(st->after_approval);
	assert_true(st->round > step_of(&sim, ACT_PARAM_DELETE)->round);
	assert_false(step_of(&sim, ACT_TIMER_START)->after_approval); /* the grace starts now */
	simulation_release(&sim);
	tenant_free(t);
	sim_release(&s);
}

static void test_change_format(void **state)
{
	struct change_list l = { 0 };
	struct strbuf out;

	change_list_add(&l, '+', "Team", NULL, "a \"b\"\n");
	change_list_add(&l, '-', "Old", "x", NULL);
	change_list_add(&l, '~', "value", "arn:1", SIMULATE_ARN_PREFIX "acme-chat-aaaaaa");
	strbuf_init(&out, STRBUF_NO_CAP);
	for (size_t i = 0; i < l.n; i++) {
		change_format(&l.v[i], &out);
		strbuf_addch(&out, '|');
	}
	assert_string_equal(out.buf,
			    "+ Team: \"a \\\"b\\\"\\x0a\"|- Old: \"x\"|~ value: \"arn:1\" -> (known after create)|");
	strbuf_release(&out);
	change_list_release(&l);
}

/* A moving tenant's profiles in an old place of the same account are granted too
 * (also_granted), as the daemon grants them until they are gone: the plan adds the new
 * statements without taking the old ones away. */
static void test_also_granted_kept_in_the_policy(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000");
	const struct observed_group *g;
	struct observed_profile *old;
	const struct observed_profile *granted[1];
	struct simulation sim;
	const struct sim_step *st;
	char want[256], *all;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	g = observed_store_group(&s.store, "acme");
	old = observed_profile_dup(g->profiles[0]);
	free(old->arn);
	old->arn = xstrdup("arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/0ldpr0f1le00");
	granted[0] = old;
	run(&s, t, &sim); /* converged: nothing */
	assert_null(find_step(&sim, ACT_POLICY_PUT));
	simulation_release(&sim);
	run_granting(&s, t, granted, 1, &sim);
	answer_reads(&s, &sim);
	if (sim.n_reads) { /* the bulk read keeps digests: the policy is read to be shown */
		simulation_release(&sim);
		run_granting(&s, t, granted, 1, &sim);
	}
	st = step_of(&sim, ACT_POLICY_PUT);
	assert_false(st->after_move);
	snprintf(want, sizeof(want), "+ statement InvokeTenantProfiles: \"%s\"\n", old->arn);
	assert_has_line(st, want);
	all = lines(st);
	assert_null(strstr(all, "- statement InvokeTenantProfiles")); /* the live one stays */
	free(all);
	/* once the old set is gone, the policy is written again without it, not due now */
	assert_int_equal(count_steps(&sim, ACT_POLICY_PUT), 2);
	st = last_step_of(&sim, ACT_POLICY_PUT);
	assert_true(st->after_move);
	snprintf(want, sizeof(want), "- statement InvokeTenantProfiles: \"%s\"\n", old->arn);
	assert_has_line(st, want);
	all = lines(st);
	assert_null(strstr(all, "+ statement InvokeTenantProfiles"));
	free(all);
	simulation_release(&sim);
	observed_profile_free(old);
	tenant_free(t);
	sim_release(&s);
}

/* One of a move's old places: the world s stands for it, acme converged there. */
static void run_move(struct sim *s, const struct tenant *t, bool same_account, bool switched, struct simulation *ret)
{
	struct simulate_move_input in = {
		.tenant_id = "acme",
		.from = "-/" FIX_REGION,
		.to = "other/us-west-2",
		.desired = t,
		.deletion_policy = DELETION_DELETE,
		.record = s->record,
		.observed = &s->store,
		.region = FIX_REGION,
		.same_account = same_account,
		.deletions_held = s->held,
		.switched = switched,
		.now = s->now,
	};

	assert_int_equal(simulate_move(&s->settings, &in, ret), 0);
}

/* Before the switch the old set serves: nothing now but a parameter naming a profile
 * deleted by hand; the drain and the deletions come once the new set is Ready. After
 * it, the drain runs from the record's timer and the deletions follow it. */
static void test_move_out_of_an_old_place(void **state)
{
	struct sim s;
	struct tenant *t = full_tenant(HAIKU, "aaaaaa", "1000");
	struct simulation sim;
	const struct sim_step *st;
	const struct observed_group *g;
	char *key = record_key_moving_from("-/" FIX_REGION);
	struct plan p;
	int64_t start;

	(void)state;
	sim_init(&s, "acme");
	converge(&s, t);
	start = s.now;
	/* the move not noted yet (a manifest just changed): as the daemon notes it */
	assert_null(record_fact(s.record, key));
	run_move(&s, t, false, false, &sim);
	/* no read: the policy the move deletes counts as known absent afterwards */
	assert_int_equal(sim.n_reads, 0);
	assert_null(sim.error);
	for (size_t i = 0; i < sim.n_steps; i++)
		assert_true(sim.steps[i].after_switch);
	st = step_of(&sim, ACT_TIMER_START);
	assert_int_equal(st->at, 0);
	st = step_of(&sim, ACT_PARAM_DELETE);
	assert_int_equal(st->at, start + FIX_DRAIN);
	st = step_of(&sim, ACT_PROFILE_DELETE);
	assert_int_equal(st->at, start + FIX_DRAIN);
	assert_true(st->round > step_of(&sim, ACT_PARAM_DELETE)->round); /* a parameter never names a gone profile */
	step_of(&sim, ACT_BUDGET_DELETE); /* another account: the budget and the policy go too */
	assert_true(step_of(&sim, ACT_POLICY_DELETE)->round > step_of(&sim, ACT_PROFILE_DELETE)->round);
	assert_int_equal(sim.wake_at, 0);
	simulation_release(&sim);
	assert_null(record_fact(s.record, key)); /* the record was copied, not changed */

	/* in the same account the budget stays */
	run_move(&s, t, true, false, &sim);
	assert_null(find_step(&sim, ACT_BUDGET_DELETE));
	assert_int_equal(count_steps(&sim, ACT_PROFILE_DELETE), 1);
	simulation_release(&sim);

	/* the profile deleted by hand while the old set serves: its parameter goes now */
	g = observed_store_group(&s.store, "acme");
	assert_true(observed_store_remove_profile(&s.store, g->profiles[0]->arn));
	run_move(&s, t, true, false, &sim);
	st = step_of(&sim, ACT_PARAM_DELETE);
	assert_false(st->after_switch);
	assert_int_equal(st->at, 0);
	assert_int_equal(count_steps(&sim, ACT_PARAM_DELETE), 1);
	assert_null(find_step(&sim, ACT_PROFILE_DELETE));
	assert_null(find_step(&sim, ACT_PROFILE_CREATE)); /* never made again in the old place */
	simulation_release(&sim);
	tenant_free(t);
	sim_release(&s);

	/* switched, the drain started an hour ago: the deletions come at its end */
	t = full_tenant(HAIKU, "aaaaaa", "1000");
	sim_init(&s, "acme");
	converge(&s, t);
	record_set_fact(s.record, key, "1");
	{
		struct observed_tenant o;
		struct move_input in = { .tenant_id = "acme",
					 .from = "-/" FIX_REGION,
					 .to = "other/us-west-2",
					 .desired = t,
					 .record = s.record,
					 .observed = &o,
					 .now = s.now };
		observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
		move_out_diff(&s.settings, &in, &p);
		observed_tenant_release(&o);
		sim_apply(&s, &p); /* the drain's timer */
		plan_release(&p);
	}
	start = s.now;
	s.now += 60;
	run_move(&s, t, false, true, &sim);
	assert_int_equal(count_steps(&sim, ACT_TIMER_START), 0);
	st = step_of(&sim, ACT_PROFILE_DELETE);
	assert_false(st->after_switch);
	assert_int_equal(st->at, start + FIX_DRAIN);
	assert_false(step_of(&sim, ACT_PARAM_DELETE)->after_switch);
	assert_int_equal(sim.wake_at, 0); /* shown by the steps that wait for it */
	simulation_release(&sim);
	/* the prune gate holds: nothing deleted, held said */
	s.held = true;
	run_move(&s, t, false, true, &sim);
	assert_true(sim.held);
	assert_null(find_step(&sim, ACT_PROFILE_DELETE));
	simulation_release(&sim);
	free(key);
	tenant_free(t);
	sim_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_tenant_whole_change_set),
		cmocka_unit_test(test_converged_then_tag_edit),
		cmocka_unit_test(test_budget_diffs),
		cmocka_unit_test(test_replacement_and_running_drain),
		cmocka_unit_test(test_removed_grace_and_held),
		cmocka_unit_test(test_policy_of_a_bulk_read_is_read_to_be_shown),
		cmocka_unit_test(test_change_format),
		cmocka_unit_test(test_also_granted_kept_in_the_policy),
		cmocka_unit_test(test_move_out_of_an_old_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
