/* The pure reconcile core, with a fake clock and a simulated world (fixtures.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "intern.h"
#include "xalloc.h"

#define HAIKU "anthropic.claude-3-5-haiku-20241022-v1:0"
#define NOVA  "amazon.nova-lite-v1:0"

static const struct observed_parameter *param(struct sim *s, const char *tenant, const char *key)
{
	char *name = xasprintf("/bedrock-tenants/%s/%s/profile-arn", tenant, key);
	const struct observed_parameter *p = observed_store_parameter(&s->store, name);

	free(name);
	return p;
}

/* The tenant's parameter of key made to name value, as a write of it would. */
static void put_param_value(struct sim *s, const char *tenant, const char *key, const char *value)
{
	struct observed_parameter *q = observed_parameter_dup(param(s, tenant, key));

	free(q->value);
	q->value = xstrdup(value);
	observed_store_put_parameter(&s->store, q);
}

static const struct action *find_action(const struct plan *p, enum action_kind kind, const char *profile_key)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].kind == kind && p->actions[i].profile_key &&
		    strcmp(p->actions[i].profile_key, profile_key) == 0)
			return &p->actions[i];
	fail_msg("no %s action for %s", action_kind_name(kind), profile_key);
	abort(); /* not reached: fail_msg does not return */
}

static void test_create_from_scratch(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	const struct observed_profile *chat;
	const struct action *create;

	fix_tag(&t->tags, "CostCenter", "eng");
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	fix_profile(t, "batch", NOVA, "bbbbbb");
	sim_init(&s, "acme");

	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_PROFILE_CREATE), 2);
	assert_int_equal(plan_count(&p, ACT_PARAM_CREATE), 0); /* nothing to publish yet */
	create = find_action(&p, ACT_PROFILE_CREATE, "chat");
	assert_string_equal(create->name, "acme-chat-aaaaaa");
	assert_string_equal(create->model_arn,
			    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0");
	assert_string_equal(tag_set_get(&create->tags, TAG_MANAGED_BY), FIX_INSTANCE);
	assert_string_equal(tag_set_get(&create->tags, TAG_TENANT), "acme");
	assert_string_equal(tag_set_get(&create->tags, TAG_PROFILE), "chat");
	assert_string_equal(tag_set_get(&create->tags, TAG_SPEC), "aaaaaa");
	assert_string_equal(tag_set_get(&create->tags, TAG_MODEL), create->model_arn);
	assert_string_equal(tag_set_get(&create->tags, "CostCenter"), "eng");
	assert_int_equal(strlen(create->token), 32);
	plan_release(&p);

	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 1, 10), 2);
	assert_int_equal(s.calls[ACT_PROFILE_CREATE], 2);
	assert_int_equal(s.calls[ACT_PARAM_CREATE], 2);
	assert_int_equal(s.calls[ACT_PROFILE_DELETE] + s.calls[ACT_PARAM_DELETE], 0);
	chat = observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa");
	assert_non_null(chat);
	assert_string_equal(param(&s, "acme", "chat")->value, chat->arn);
	assert_string_equal(tag_set_get(&param(&s, "acme", "chat")->tags, TAG_PROFILE), "chat");
	assert_int_equal(s.record->n_intents, 0); /* intents cleared once the profiles are seen */

	/* steady state: nothing to do, no call */
	s.aws_calls = 0;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 3600, 5), 0);
	assert_int_equal(s.aws_calls, 0);
	tenant_free(t);
	sim_release(&s);
}

static void test_tags_added_changed_removed(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	struct observed_profile *prof;
	const struct action *tag = NULL, *untag = NULL;

	fix_tag(&t->tags, "CostCenter", "eng");
	fix_tag(&t->tags, "Team", "a");
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);

	/* Someone else adds tags of their own; AWS adds an aws: tag. */
	prof = observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa");
	prof = observed_profile_dup(prof);
	tag_set_put(&prof->tags, "Owner", "finops");
	tag_set_put(&prof->tags, "aws:cloudformation:stack-name", "x");
	observed_store_put_profile(&s.store, prof);

	tag_set_put(&t->tags, "CostCenter", "finance");
	tag_set_remove(&t->tags, "Team");
	tag_set_put(&t->tags, "Env", "prod");
	sim_diff(&s, t, DELETION_DELETE, &p);
	for (size_t i = 0; i < p.n_actions; i++) {
		if (p.actions[i].kind == ACT_PROFILE_TAG)
			tag = &p.actions[i];
		if (p.actions[i].kind == ACT_PROFILE_UNTAG)
			untag = &p.actions[i];
	}
	if (!tag || !untag)
		fail_msg("no tag or untag action");
	if (!tag || !untag)
		abort(); /* not reached */
	assert_int_equal(tag->tags.n, 2);
	assert_string_equal(tag_set_get(&tag->tags, "CostCenter"), "finance");
	assert_string_equal(tag_set_get(&tag->tags, "Env"), "prod");
	assert_int_equal(untag->n_keys, 1); /* not Owner, not aws: */
	assert_string_equal(untag->keys[0], "Team");
	/* the parameter follows the same rule */
	assert_int_equal(plan_count(&p, ACT_PARAM_TAG), 1);
	assert_int_equal(plan_count(&p, ACT_PARAM_UNTAG), 1);
	assert_int_equal(plan_count(&p, ACT_PROFILE_CREATE) + plan_count(&p, ACT_PROFILE_DELETE), 0);
	plan_release(&p);

	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	prof = observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa");
	assert_string_equal(tag_set_get(&prof->tags, "Owner"), "finops");
	assert_non_null(tag_set_get(&prof->tags, "aws:cloudformation:stack-name"));
	assert_null(tag_set_get(&prof->tags, "Team"));
	assert_string_equal(tag_set_get(&prof->tags, "CostCenter"), "finance");
	tenant_free(t);
	sim_release(&s);
}

/* A profile deleted outside the daemon: the create is planned, and the parameter that
 * names the gone profile is deleted with it (SSM names nothing while the create
 * waits); the next pass publishes the new ARN. */
static void test_parameter_of_a_gone_profile_goes_with_the_create(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	char *old_arn;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	old_arn = xstrdup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->arn);
	assert_true(observed_store_remove_profile(&s.store, old_arn));

	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 2);
	assert_int_equal(p.actions[0].kind, ACT_PROFILE_CREATE);
	assert_int_equal(p.actions[1].kind, ACT_PARAM_DELETE);
	assert_string_equal(p.actions[1].resource, param(&s, "acme", "chat")->name);
	assert_false(p.actions[1].destructive); /* not a prune: the parameter is still desired */
	sim_apply(&s, &p);
	plan_release(&p);
	assert_null(param(&s, "acme", "chat"));

	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_string_equal(param(&s, "acme", "chat")->value,
			    observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->arn);
	assert_string_not_equal(param(&s, "acme", "chat")->value, old_arn);
	free(old_arn);
	tenant_free(t);
	sim_release(&s);
}

/* A replacement whose parameter name changes too (naming templates changed, or a
 * template naming spec.project): the new profile gets a new parameter, and the old
 * parameter, no longer desired, goes after the grace. With a drain shorter than the
 * grace the old profile is not deleted while the old parameter still names it: a
 * parameter never names a profile that is not live. */
static void test_replaced_profile_outlives_the_parameter_naming_it(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct profile *dp;
	struct plan p;
	char *old_arn;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	s.settings.grace = 3600;
	s.settings.drain = 60;
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	old_arn = xstrdup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->arn);

	tenant_free(t);
	t = fix_tenant("acme");
	dp = fix_profile(t, "chat", NOVA, "cccccc");
	intern_unref(dp->parameter);
	dp->parameter = intern("/bt2/acme/chat/arn");
	sim_converge(&s, t, DELETION_DELETE, 1, 20); /* the drain starts */
	s.now += 120;				     /* and passes */
	sim_converge(&s, t, DELETION_DELETE, 1, 20);
	assert_non_null(observed_store_parameter(&s.store, "/bt2/acme/chat/arn"));
	assert_non_null(observed_store_parameter(&s.store, "/bedrock-tenants/acme/chat/profile-arn"));
	assert_non_null(observed_store_profile(&s.store, old_arn)); /* named still: kept */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 0);
	plan_release(&p);

	s.now += 3600; /* the grace passes: the parameter goes, then the profile */
	sim_converge(&s, t, DELETION_DELETE, 1, 20);
	assert_null(observed_store_parameter(&s.store, "/bedrock-tenants/acme/chat/profile-arn"));
	assert_null(observed_store_profile(&s.store, old_arn));
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 1);
	free(old_arn);
	tenant_free(t);
	sim_release(&s);
}

/* A replacement's new profile deleted by hand while the old one drains: the parameter,
 * which names the gone profile, names the old one again (live, and the tenant's until
 * the new one is made: applications keep a working profile) rather than nothing; the
 * old one is not deleted meanwhile, and once the new profile is made again the
 * parameter switches to it and the old one drains anew. */
static void test_new_profile_gone_in_drain_old_serves_again(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	const struct action *a;
	char *old_arn, *new_arn;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	old_arn = xstrdup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->arn);
	tenant_free(t);
	t = fix_tenant("acme");
	fix_profile(t, "chat", NOVA, "cccccc");
	sim_converge(&s, t, DELETION_DELETE, 1, 20); /* made, switched, draining */
	new_arn = xstrdup(observed_store_profile_by_name(&s.store, "acme-chat-cccccc")->arn);
	assert_string_equal(param(&s, "acme", "chat")->value, new_arn);
	assert_non_null(observed_store_profile(&s.store, old_arn));

	assert_true(observed_store_remove_profile(&s.store, new_arn)); /* by hand */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_PROFILE_CREATE), 1);
	assert_int_equal(plan_count(&p, ACT_PARAM_DELETE), 0);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 0);
	a = find_action(&p, ACT_PARAM_UPDATE, "chat");
	assert_string_equal(a->value, old_arn);
	plan_release(&p);

	/* the create waits (a quota): the old profile serves, past its drain too */
	s.now += 10 * FIX_DRAIN;
	put_param_value(&s, "acme", "chat", old_arn); /* the update applied, the create refused */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_PROFILE_CREATE), 1);
	assert_int_equal(plan_count(&p, ACT_PARAM_UPDATE) + plan_count(&p, ACT_PARAM_DELETE), 0);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 0);
	plan_release(&p);

	/* the create goes through: switched to the new profile, the old one drains again */
	sim_converge(&s, t, DELETION_DELETE, 1, 20);
	assert_string_equal(param(&s, "acme", "chat")->value,
			    observed_store_profile_by_name(&s.store, "acme-chat-cccccc")->arn);
	assert_non_null(observed_store_profile(&s.store, old_arn));
	s.now += FIX_DRAIN + 1;
	sim_converge(&s, t, DELETION_DELETE, 1, 20);
	assert_null(observed_store_profile(&s.store, old_arn));
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 1);
	free(old_arn);
	free(new_arn);
	tenant_free(t);
	sim_release(&s);
}

static void test_replacement_is_create_before_delete_with_drain(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	char *old_arn, *new_arn;
	int64_t switched_at;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	old_arn = xstrdup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->arn);

	/* The model changes: a new generation. */
	tenant_free(t);
	t = fix_tenant("acme");
	fix_profile(t, "chat", NOVA, "cccccc");

	sim_diff(&s, t, DELETION_DELETE, &p); /* 1: create the new one, touch nothing else */
	assert_int_equal(p.n_actions, 1);
	assert_int_equal(p.actions[0].kind, ACT_PROFILE_CREATE);
	sim_apply(&s, &p);
	plan_release(&p);
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 2);
	assert_string_equal(param(&s, "acme", "chat")->value, old_arn);

	s.now += 5;
	sim_diff(&s, t, DELETION_DELETE, &p); /* 2: switch the parameter */
	assert_int_equal(plan_count(&p, ACT_PARAM_UPDATE), 1);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 0);
	sim_apply(&s, &p);
	plan_release(&p);
	new_arn = xstrdup(observed_store_profile_by_name(&s.store, "acme-chat-cccccc")->arn);
	assert_string_equal(param(&s, "acme", "chat")->value, new_arn);

	s.now += 5;
	switched_at = s.now;
	sim_diff(&s, t, DELETION_DELETE, &p); /* 3: the drain starts */
	assert_int_equal(plan_count(&p, ACT_TIMER_START), 1);
	assert_int_equal(p.wake_at, switched_at + FIX_DRAIN);
	sim_apply(&s, &p);
	plan_release(&p);

	s.now = switched_at + FIX_DRAIN - 1; /* still draining: the old profile lives */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_aws_actions(&p), 0);
	assert_int_equal(p.wake_at, switched_at + FIX_DRAIN);
	plan_release(&p);

	s.now = switched_at + FIX_DRAIN;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 1);
	assert_int_equal(p.actions[0].kind, ACT_PROFILE_DELETE);
	assert_string_equal(p.actions[0].resource, old_arn);
	sim_apply(&s, &p);
	plan_release(&p);

	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 1, 5), 0);
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 1);
	assert_int_equal(s.record->n_timers, 0);
	free(old_arn);
	free(new_arn);
	tenant_free(t);
	sim_release(&s);
}

static void test_deletion_after_grace(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	int64_t removed_at;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);

	removed_at = s.now;
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_true(p.deleting);
	assert_int_equal(plan_count(&p, ACT_TIMER_START), 2);
	assert_int_equal(plan_aws_actions(&p), 0);
	assert_int_equal(p.wake_at, removed_at + FIX_GRACE);
	sim_apply(&s, &p);
	plan_release(&p);

	s.now = removed_at + FIX_GRACE - 1;
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);

	/* Grace over: the parameter goes first, the profile after it. */
	s.now = removed_at + FIX_GRACE;
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_PARAM_DELETE), 1);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 0);
	sim_apply(&s, &p);
	plan_release(&p);
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_PROFILE_DELETE), 1);
	sim_apply(&s, &p);
	plan_release(&p);

	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	assert_false(p.deleting);
	plan_release(&p);
	assert_int_equal(sim_count_owned_profiles(&s, "acme"), 0);
	assert_true(record_is_empty(s.record));
	tenant_free(t);
	sim_release(&s);
}

static void test_retain_releases_instead_of_deleting(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	const struct observed_profile *prof;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	t->deletion_policy = DELETION_RETAIN;
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_RETAIN, 1, 10);

	sim_converge(&s, NULL, DELETION_RETAIN, FIX_GRACE, 10);
	assert_int_equal(s.calls[ACT_PROFILE_DELETE] + s.calls[ACT_PARAM_DELETE], 0);
	prof = observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa");
	assert_non_null(prof);
	assert_null(tag_set_get(&prof->tags, TAG_MANAGED_BY));		   /* released */
	assert_string_equal(tag_set_get(&prof->tags, TAG_TENANT), "acme"); /* still attributed */
	assert_non_null(param(&s, "acme", "chat"));
	assert_null(tag_set_get(&param(&s, "acme", "chat")->tags, TAG_MANAGED_BY));
	assert_int_equal(s.record->n_timers, 0);
	tenant_free(t);
	sim_release(&s);
}

static void test_suspended_touches_nothing(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	/* Suspended with a changed model and a removed tag: still nothing. */
	tenant_free(t);
	t = fix_tenant("acme");
	fix_profile(t, "other", NOVA, "dddddd");
	t->suspended = true;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	assert_int_equal(p.n_conflicts, 0);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_foreign_same_name_is_a_conflict(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", "someone-else");
	sim_add_parameter(&s, "/bedrock-tenants/acme/chat/profile-arn", "x", NULL, NULL);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 2);
	assert_non_null(strstr(p.conflicts[0].message, "not managed by bedrock-tenantd"));
	assert_int_equal(plan_aws_actions(&p), 0);
	plan_release(&p);

	/* Foreign resources never count as ours, even when the tenant goes away. */
	s.now += 10 * FIX_GRACE;
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	assert_false(p.deleting);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_unknown_ownership_is_read_first(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_profile *prof;
	struct plan p;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	prof = sim_add_profile(&s, "acme-chat-aaaaaa", NULL, NULL, NULL);
	prof = observed_profile_dup(prof);
	prof->tags_known = false;
	observed_store_put_profile(&s.store, prof);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 1);
	assert_int_equal(p.actions[0].kind, ACT_PROFILE_READ_TAGS);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_held_deletions_wait_for_approval(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	s.held = true;
	sim_converge(&s, NULL, DELETION_DELETE, FIX_GRACE, 10);
	s.now += 100 * FIX_GRACE;
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	assert_true(p.held);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	assert_int_equal(s.calls[ACT_PROFILE_DELETE] + s.calls[ACT_PARAM_DELETE], 0);

	s.held = false; /* approved */
	sim_converge(&s, NULL, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_PROFILE_DELETE], 1);
	assert_int_equal(s.calls[ACT_PARAM_DELETE], 1);
	tenant_free(t);
	sim_release(&s);
}

static void test_returning_manifest_cancels_grace(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	sim_diff(&s, NULL, DELETION_DELETE, &p); /* the file disappears: grace starts */
	sim_apply(&s, &p);
	plan_release(&p);
	assert_int_equal(s.record->n_timers, 2);

	s.now += FIX_GRACE - 1; /* ... and comes back (a git revert) */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_TIMER_CLEAR), 2);
	assert_int_equal(plan_aws_actions(&p), 0);
	sim_apply(&s, &p);
	plan_release(&p);
	s.now += 10 * FIX_GRACE;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 1, 5), 0);
	assert_int_equal(s.calls[ACT_PROFILE_DELETE] + s.calls[ACT_PARAM_DELETE], 0);
	tenant_free(t);
	sim_release(&s);
}

static void test_lost_create_replays_same_token(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p, again;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.actions[0].kind, ACT_PROFILE_CREATE);
	/* The intent became durable, then the daemon died before the create landed. */
	record_set_intent(s.record, "chat", p.actions[0].name, p.actions[0].token, p.actions[0].since);
	s.now += 3600;
	sim_diff(&s, t, DELETION_DELETE, &again);
	assert_int_equal(again.actions[0].kind, ACT_PROFILE_CREATE);
	assert_string_equal(again.actions[0].token, p.actions[0].token);
	assert_int_equal(again.actions[0].since, p.actions[0].since);
	plan_release(&p);
	plan_release(&again);
	tenant_free(t);
	sim_release(&s);
}

/* A profile known only from the daemon's own write keeps its intent: a restart whose
 * listing lags must replay the same token rather than start a second create. */
static void test_intent_kept_until_listed(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_profile *p;
	struct plan pl;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	record_set_intent(s.record, "chat", "acme-chat-aaaaaa", "tok", s.now);
	p = observed_profile_dup(sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE));
	p->listed = false;
	observed_store_put_profile(&s.store, p);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_INTENT_CLEAR), 0);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_CREATE), 0);
	plan_release(&pl);
	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	p->listed = true;
	observed_store_put_profile(&s.store, p);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_INTENT_CLEAR), 1);
	plan_release(&pl);
	tenant_free(t);
	sim_release(&s);
}

/* A create was answered, then a listing that started after the answer did not show
 * the profile: a Get decides, never a second create with the same token. */
static void test_answered_intent_missing_is_read_not_recreated(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan pl;
	const struct action *read;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	record_set_intent(s.record, "chat", "acme-chat-aaaaaa", "tok", s.now);
	record_note_intent_answer(s.record, "chat", "tok",
				  "arn:aws:bedrock:us-east-1:1:application-inference-profile/x", true, s.now);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_CREATE), 0);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_READ_TAGS), 1);
	read = find_action(&pl, ACT_PROFILE_READ_TAGS, "chat");
	assert_string_equal(read->resource, "arn:aws:bedrock:us-east-1:1:application-inference-profile/x");
	plan_release(&pl);
	/* an answer for another token (an older intent) changes nothing */
	record_note_intent_answer(s.record, "chat", "other",
				  "arn:aws:bedrock:us-east-1:1:application-inference-profile/y", true, s.now);
	assert_string_equal(record_intent(s.record, "chat")->arn,
			    "arn:aws:bedrock:us-east-1:1:application-inference-profile/x");
	tenant_free(t);
	sim_release(&s);
}

/* The Get did not find it either: the profile was deleted by hand, and its token would
 * only replay the dead ARN. The next create uses a fresh token and a later `since`. */
static void test_dead_intent_gets_a_fresh_token(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan pl;
	const struct action *create;
	const char *arn = "arn:aws:bedrock:us-east-1:1:application-inference-profile/x";

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	record_set_intent(s.record, "chat", "acme-chat-aaaaaa", "tok", s.now);
	/* no answer yet: nothing to judge */
	assert_int_equal(record_mark_intent_dead(s.record, "chat", arn, s.now), -ENOENT);
	/* answered, but the read-back lagged: a Get that finds nothing may lag too */
	record_note_intent_answer(s.record, "chat", "tok", arn, false, s.now);
	assert_int_equal(record_mark_intent_dead(s.record, "chat", "arn:other", s.now), -ENOENT);
	assert_int_equal(record_mark_intent_dead(s.record, "chat", arn, s.now + 1), -EAGAIN);
	assert_false(record_intent(s.record, "chat")->dead);
	/* ... until a read has shown it once, or the grace has passed */
	record_confirm_intent(s.record, "chat", arn);
	assert_int_equal(record_mark_intent_dead(s.record, "chat", arn, s.now + 1), 0);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_READ_TAGS), 0);
	create = find_action(&pl, ACT_PROFILE_CREATE, "chat");
	assert_string_not_equal(create->token, "tok");
	assert_true(create->since > s.now - 1 && create->since > record_intent(s.record, "chat")->since);
	assert_string_equal(create->name, "acme-chat-aaaaaa");
	/* the new intent replaces the dead one, and is judged afresh */
	record_set_intent(s.record, "chat", create->name, create->token, create->since);
	assert_false(record_intent(s.record, "chat")->dead);
	assert_null(record_intent(s.record, "chat")->arn);
	plan_release(&pl);
	tenant_free(t);
	sim_release(&s);
}

/* An answer no read ever confirmed is judged gone only after the grace. */
static void test_unconfirmed_answer_waits_for_the_grace(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");

	record_set_intent(r, "chat", "acme-chat-aaaaaa", "tok", 100);
	record_note_intent_answer(r, "chat", "tok", "arn:x", false, 1000);
	record_note_intent_answer(r, "chat", "tok", "arn:x", false, 1030); /* a replay: the first answer counts */
	assert_int_equal(record_mark_intent_dead(r, "chat", "arn:x", 1000 + RECORD_UNCONFIRMED_GRACE - 1), -EAGAIN);
	assert_int_equal(record_mark_intent_dead(r, "chat", "arn:x", 1000 + RECORD_UNCONFIRMED_GRACE), 0);
	assert_true(record_intent(r, "chat")->dead);
	tenant_record_free(r);
}

/* Two new intents of one name never share a token, whatever the clock says. */
static void test_fresh_tokens_differ_by_nonce(void **state)
{
	char *a = diff_client_token(FIX_INSTANCE, "acme", "acme-chat-aaaaaa", 1700000000, 1);
	char *b = diff_client_token(FIX_INSTANCE, "acme", "acme-chat-aaaaaa", 1700000000, 2);
	char *c = diff_client_token(FIX_INSTANCE, "acme", "acme-chat-aaaaaa", 1700000000, 1);

	assert_string_not_equal(a, b);
	assert_string_equal(a, c);
	assert_int_equal(strlen(a), 32);
	free(a);
	free(b);
	free(c);
}

/* A profile whose models[] are unknown (its read-back lagged) is read again. */
static void test_unknown_models_are_read(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_profile *p;
	struct plan pl;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	p->models_unknown = true;
	observed_store_put_profile(&s.store, p);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_READ_TAGS), 1);
	assert_string_equal(find_action(&pl, ACT_PROFILE_READ_TAGS, "chat")->resource, p->arn);
	plan_release(&pl);
	tenant_free(t);
	sim_release(&s);
}

/* A profile no read has shown since its create (models unknown: its read-back found
 * nothing) is not published: a create replayed with an old token answers the ARN of a
 * profile deleted since. The read that shows it publishes it. */
static void test_unread_profile_is_not_published(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_profile *p;
	struct plan pl;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_true(observed_store_remove_parameter(&s.store, param(&s, "acme", "chat")->name));
	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	p->models_unknown = true;
	observed_store_put_profile(&s.store, p);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_PARAM_CREATE) + plan_count(&pl, ACT_PARAM_UPDATE), 0);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_READ_TAGS), 1);
	plan_release(&pl);

	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	p->models_unknown = false; /* the read showed it */
	observed_store_put_profile(&s.store, p);
	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_string_equal(find_action(&pl, ACT_PARAM_CREATE, "chat")->value, p->arn);
	plan_release(&pl);
	tenant_free(t);
	sim_release(&s);
}

static void test_removed_profile_entry(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct tenant *smaller = fix_tenant("acme");

	fix_profile(t, "batch", NOVA, "bbbbbb");
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	fix_profile(smaller, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	sim_converge(&s, smaller, DELETION_DELETE, FIX_GRACE, 10);
	assert_int_equal(s.calls[ACT_PROFILE_DELETE], 1);
	assert_int_equal(s.calls[ACT_PARAM_DELETE], 1);
	assert_null(observed_store_profile_by_name(&s.store, "acme-batch-bbbbbb"));
	assert_non_null(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	assert_null(param(&s, "acme", "batch"));
	tenant_free(t);
	tenant_free(smaller);
	sim_release(&s);
}

static void test_other_tenants_are_not_touched(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	struct observed_profile *other = sim_add_profile(&s, "globex-chat-aaaaaa", "globex", "chat", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/globex/chat/profile-arn", other->arn, "globex", FIX_INSTANCE);
	sim_converge(&s, t, DELETION_DELETE, FIX_GRACE, 10);
	sim_diff(&s, NULL, DELETION_DELETE, &p);
	for (size_t i = 0; i < p.n_actions; i++)
		assert_null(strstr(p.actions[i].resource ? p.actions[i].resource : "", "globex"));
	plan_release(&p);
	assert_non_null(observed_store_profile_by_name(&s.store, "globex-chat-aaaaaa"));
	tenant_free(t);
	sim_release(&s);
}

static void test_system_profile_needs_account_id(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	fix_profile(t, "chat", "us.anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	sim_init(&s, "acme");
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_string_equal(p.actions[0].model_arn, "arn:aws:bedrock:us-east-1:111122223333:inference-profile/"
						    "us.anthropic.claude-3-5-haiku-20241022-v1:0");
	plan_release(&p);
	s.settings.account_id = NULL;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	assert_non_null(p.error);
	assert_non_null(strstr(p.error, "account id"));
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* A pool places a tenant without spec.region in any Region of the pool: its model
 * ARNs point into the place's Region, not the configuration's. */
static void test_model_arn_in_the_place_region(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	const struct action *create;

	(void)state;
	fix_profile(t, "chat", HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	s.settings.region = "us-west-2";
	sim_diff(&s, t, DELETION_DELETE, &p);
	create = find_action(&p, ACT_PROFILE_CREATE, "chat");
	assert_non_null(create);
	assert_string_equal(create->model_arn, "arn:aws:bedrock:us-west-2::foundation-model/" HAIKU);
	assert_string_equal(tag_set_get(&create->tags, TAG_MODEL), create->model_arn);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* A place whose Region cannot serve the model (a us.* profile in eu-west-1: the
 * tenant's model changed after it was placed there): no create that would fail, an
 * error saying why. */
static void test_model_not_served_in_the_place_region(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;

	(void)state;
	fix_profile(t, "chat", "us." HAIKU, "aaaaaa");
	sim_init(&s, "acme");
	s.settings.region = "eu-west-1";
	sim_diff(&s, t, DELETION_DELETE, &p);
	for (size_t i = 0; i < p.n_actions; i++)
		assert_int_not_equal(p.actions[i].kind, ACT_PROFILE_CREATE);
	assert_non_null(p.error);
	assert_string_equal(p.error, "profile chat: the model us." HAIKU " cannot be used in eu-west-1, where the "
				     "tenant is: us.* profiles serve the US Regions (us-*)");
	plan_release(&p);
	s.settings.region = "us-west-2";
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_null(p.error);
	assert_non_null(find_action(&p, ACT_PROFILE_CREATE, "chat"));
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_model_arn_forms(void **state)
{
	struct tenant *t = fix_tenant("acme");
	struct profile *p = fix_profile(t, "chat", HAIKU, "aaaaaa");
	char *arn;

	intern_unref(t->region);
	t->region = intern("cn-north-1");
	arn = diff_model_arn(t, p, NULL, "111122223333");
	assert_string_equal(arn, "arn:aws-cn:bedrock:cn-north-1::foundation-model/" HAIKU);
	free(arn);
	p->model_kind = MODEL_FOUNDATION_ARN;
	intern_unref(p->model);
	p->model = intern("arn:aws:bedrock:us-west-2::foundation-model/" HAIKU);
	arn = diff_model_arn(t, p, NULL, NULL);
	assert_string_equal(arn, p->model);
	free(arn);
	assert_string_equal(region_partition("us-gov-west-1"), "aws-us-gov");
	assert_string_equal(region_partition("eu-west-1"), "aws");
	tenant_free(t);
}

/* The desired tags as the views were built before (one put at a time: the tenant's,
 * the profile's over them, the ownership tags over both), owned. */
static void reference_tags(const struct diff_settings *st, const struct tenant *t, const struct profile *p,
			   const char *model_arn, struct tag_set *ret)
{
	struct tag_set v;

	tag_set_init(&v);
	tag_view_add_all(&v, &t->tags);
	tag_view_add_all(&v, &p->tags);
	tag_view_put(&v, TAG_MANAGED_BY, st->instance);
	tag_view_put(&v, TAG_TENANT, t->id);
	tag_view_put(&v, TAG_PROFILE, p->key);
	if (model_arn) {
		tag_view_put(&v, TAG_MODEL, model_arn);
		tag_view_put(&v, TAG_SPEC, p->spec_hash);
	}
	tag_set_copy(ret, &v);
	tag_view_release(&v);
}

/* The desired tags, merged in a buffer: the same set as one put at a time, for
 * tenant and profile tags that share keys, that hold a reserved key (the ownership tag
 * wins), and that do not fit the buffer (up to 50 a side). */
static void test_desired_tags_merged(void **state)
{
	static const char *const keys[] = { "a", "app", "b", "CostCenter", "team", "zz", TAG_SPEC, TAG_MANAGED_BY };
	struct sim s;
	uint64_t seed = 42;

	sim_init(&s, "acme");
	for (int round = 0; round < 400; round++) {
		struct tenant *t = fix_tenant("acme");
		struct profile *p = fix_profile(t, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
		size_t nt, np;
		struct tag_set got, want;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		nt = (seed >> 33) % (round % 4 == 3 ? 50 : 6);
		np = (seed >> 13) % (round % 4 == 3 ? 50 : 6);
		for (size_t i = 0; i < nt + np; i++) {
			char key[32], value[32];
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			if (round % 4 == 3)
				snprintf(key, sizeof(key), "k%zu", (size_t)(seed >> 40) % 80);
			else
				snprintf(key, sizeof(key), "%s", keys[(seed >> 40) % (sizeof(keys) / sizeof(keys[0]))]);
			snprintf(value, sizeof(value), "v%zu", i);
			fix_tag(i < nt ? &t->tags : &p->tags, key, value);
		}
		for (int kind = 0; kind < 2; kind++) {
			if (kind == 0)
				diff_profile_tags(&s.settings, t, p, "arn:model", &got);
			else
				diff_parameter_tags(&s.settings, t, p, &got);
			reference_tags(&s.settings, t, p, kind == 0 ? "arn:model" : NULL, &want);
			assert_true(tag_set_equal(&got, &want));
			tag_set_release(&got);
			tag_set_release(&want);
		}
		tenant_free(t);
	}
	sim_release(&s);
}

/* A model ARN too long for the diff's buffer is still the one compared. */
static void test_long_model_arn(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	char model[700];
	struct plan p;

	memset(model, 'm', sizeof(model) - 1);
	model[sizeof(model) - 1] = '\0';
	fix_profile(t, "chat", model, "aaaaaa");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_non_null(strstr(
		tag_set_get(&observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->tags, TAG_MODEL), model));
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desired_tags_merged),
		cmocka_unit_test(test_long_model_arn),
		cmocka_unit_test(test_create_from_scratch),
		cmocka_unit_test(test_tags_added_changed_removed),
		cmocka_unit_test(test_parameter_of_a_gone_profile_goes_with_the_create),
		cmocka_unit_test(test_replacement_is_create_before_delete_with_drain),
		cmocka_unit_test(test_new_profile_gone_in_drain_old_serves_again),
		cmocka_unit_test(test_replaced_profile_outlives_the_parameter_naming_it),
		cmocka_unit_test(test_deletion_after_grace),
		cmocka_unit_test(test_retain_releases_instead_of_deleting),
		cmocka_unit_test(test_suspended_touches_nothing),
		cmocka_unit_test(test_foreign_same_name_is_a_conflict),
		cmocka_unit_test(test_unknown_ownership_is_read_first),
		cmocka_unit_test(test_held_deletions_wait_for_approval),
		cmocka_unit_test(test_returning_manifest_cancels_grace),
		cmocka_unit_test(test_lost_create_replays_same_token),
		cmocka_unit_test(test_intent_kept_until_listed),
		cmocka_unit_test(test_answered_intent_missing_is_read_not_recreated),
		cmocka_unit_test(test_dead_intent_gets_a_fresh_token),
		cmocka_unit_test(test_fresh_tokens_differ_by_nonce),
		cmocka_unit_test(test_unconfirmed_answer_waits_for_the_grace),
		cmocka_unit_test(test_unknown_models_are_read),
		cmocka_unit_test(test_unread_profile_is_not_published),
		cmocka_unit_test(test_removed_profile_entry),
		cmocka_unit_test(test_other_tenants_are_not_touched),
		cmocka_unit_test(test_system_profile_needs_account_id),
		cmocka_unit_test(test_model_arn_forms),
		cmocka_unit_test(test_model_arn_in_the_place_region),
		cmocka_unit_test(test_model_not_served_in_the_place_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
