/* The diff of IAM role policies, through the simulated world. */
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
#include "policy_doc.h"
#include "policy_memo.h"
#include "strbuf.h"
#include "xalloc.h"

#define HAIKU  "anthropic.claude-3-5-haiku-20241022-v1:0"
#define NOVA   "amazon.nova-lite-v1:0"
#define POLICY "bedrock-tenantd-acme"

static struct tenant *tenant_with_role(const char *model, const char *hash, const char *role)
{
	struct tenant *t = fix_tenant("acme");

	fix_profile(t, "chat", model, hash);
	fix_role(t, role);
	return t;
}

static const char *arn_of(struct sim *s, const char *name)
{
	return observed_store_profile_by_name(&s->store, name)->arn;
}

static void test_put_once_then_steady(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	const char *doc;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	doc = sim_policy(&s, "claims-app", POLICY);
	assert_non_null(doc);
	assert_non_null(strstr(doc, arn_of(&s, "acme-chat-aaaaaa")));
	assert_non_null(strstr(doc, "foundation-model/" HAIKU));
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	/* steady: the recorded hash matches, nothing is read back */
	s.aws_calls = 0;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 60, 5), 0);
	assert_int_equal(s.aws_calls, 0);
	tenant_free(t);
	sim_release(&s);
}

/* A profile whose models[] are unknown (the read-back after its create lagged) holds
 * the role policy back: never written from a guess, written once models are known. */
static void test_unknown_models_hold_the_policy(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role("us.anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa", "claims-app");
	struct observed_profile *p;
	struct plan pl;
	const char *fm[] = { "arn:aws:bedrock:us-east-1::foundation-model/" HAIKU,
			     "arn:aws:bedrock:us-east-2::foundation-model/" HAIKU,
			     "arn:aws:bedrock:us-west-2::foundation-model/" HAIKU };

	sim_init(&s, "acme");
	sim_diff(&s, t, DELETION_DELETE, &pl);
	sim_apply(&s, &pl); /* the create */
	plan_release(&pl);
	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	for (size_t i = 0; i < p->n_model_arns; i++)
		intern_unref(p->model_arns[i]);
	free(p->model_arns);
	p->model_arns = NULL;
	p->n_model_arns = 0;
	p->models_unknown = true;
	observed_store_put_profile(&s.store, p);

	sim_diff(&s, t, DELETION_DELETE, &pl);
	assert_int_equal(plan_count(&pl, ACT_POLICY_PUT) + plan_count(&pl, ACT_POLICY_READ), 0);
	assert_int_equal(plan_count(&pl, ACT_PROFILE_READ_TAGS), 1);
	plan_release(&pl);

	/* the read (or a listing) fills the models: the policy grants every Region */
	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	p->model_arns = xcalloc(3, sizeof(char *));
	for (size_t i = 0; i < 3; i++)
		p->model_arns[i] = intern(fm[i]);
	p->n_model_arns = 3;
	p->models_unknown = false;
	observed_store_put_profile(&s.store, p);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_non_null(sim_policy(&s, "claims-app", POLICY));
	for (size_t i = 0; i < 3; i++)
		assert_non_null(strstr(sim_policy(&s, "claims-app", POLICY), fm[i]));
	tenant_free(t);
	sim_release(&s);
}

static void test_equal_live_policy_is_not_rewritten(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	char *key = record_key_policy_fact("claims-app", POLICY);

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	/* the state store was lost: the policy is read, found equal, and recorded */
	record_clear_fact(s.record, key);
	observed_store_remove_policy(&s.store, "claims-app", POLICY);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_POLICY_READ], 2);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	assert_non_null(record_fact(s.record, key));
	free(key);
	tenant_free(t);
	sim_release(&s);
}

static void test_replacement_grants_new_before_deleting_old(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	char *old;
	bool deleted = false;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	old = xstrdup(arn_of(&s, "acme-chat-aaaaaa"));
	tenant_free(t);
	t = tenant_with_role(NOVA, "bbbbbb", "claims-app");
	for (int round = 0; round < 20 && !deleted; round++) {
		struct plan p;
		sim_diff(&s, t, DELETION_DELETE, &p);
		for (size_t i = 0; i < p.n_actions; i++) {
			/* the policy is the one last applied: written again for its profiles,
			 * no repair of drift */
			if (p.actions[i].kind == ACT_POLICY_PUT)
				assert_int_equal(p.actions[i].origin, ORIGIN_OWN_POLICY);
			if (p.actions[i].kind != ACT_PROFILE_DELETE)
				continue;
			assert_int_equal(p.actions[i].origin, ORIGIN_REPLACEMENT);
			/* at the moment the old profile goes, the role already has the new one */
			assert_non_null(strstr(sim_policy(&s, "claims-app", POLICY), arn_of(&s, "acme-chat-bbbbbb")));
			deleted = true;
		}
		sim_apply(&s, &p);
		plan_release(&p);
		s.now += FIX_DRAIN / 2;
	}
	assert_true(deleted);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_null(strstr(sim_policy(&s, "claims-app", POLICY), old)); /* and drops the old one after */
	assert_non_null(strstr(sim_policy(&s, "claims-app", POLICY), "foundation-model/" NOVA));
	free(old);
	tenant_free(t);
	sim_release(&s);
}

static void test_role_removed_loses_the_policy(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");

	fix_role(t, "claims-batch");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_non_null(sim_policy(&s, "claims-batch", POLICY));
	tenant_free(t);
	t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_non_null(sim_policy(&s, "claims-batch", POLICY)); /* within the grace period */
	s.now += FIX_GRACE;
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_null(sim_policy(&s, "claims-batch", POLICY));
	assert_non_null(sim_policy(&s, "claims-app", POLICY));
	assert_int_equal(s.calls[ACT_POLICY_DELETE], 1);

	/* retain: the policy stays on the role when the tenant goes */
	t->deletion_policy = DELETION_RETAIN;
	sim_converge(&s, NULL, DELETION_RETAIN, 1, 10);
	s.now += FIX_GRACE;
	sim_converge(&s, NULL, DELETION_RETAIN, 1, 10);
	assert_non_null(sim_policy(&s, "claims-app", POLICY));
	tenant_free(t);
	sim_release(&s);
}

/* policy.naming.policy_name changed: the role is still desired (under the new name),
 * and the policy of the old name goes once its grace has passed, however many
 * reconciles come meanwhile: the role's grace timer is not cleared by the desired name
 * and started again by the old one at each reconcile. */
static void test_policy_renamed_on_the_same_role_goes_after_its_grace(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_non_null(sim_policy(&s, "claims-app", POLICY));
	free(t->policy_name);
	t->policy_name = xstrdup("btd-acme");
	for (int i = 0; i < 6; i++) { /* a reconcile every third of the grace */
		sim_converge(&s, t, DELETION_DELETE, 1, 10);
		assert_non_null(sim_policy(&s, "claims-app", "btd-acme"));
		s.now += FIX_GRACE / 3;
	}
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_null(sim_policy(&s, "claims-app", POLICY));
	assert_non_null(sim_policy(&s, "claims-app", "btd-acme"));
	assert_int_equal(s.calls[ACT_POLICY_DELETE], 1);
	tenant_free(t);
	sim_release(&s);
}

static void test_oversized_policy_is_refused_before_the_call(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct plan p;
	char key[16], hash[8];

	fix_role(t, "claims-app");
	sim_init(&s, "acme");
	for (int i = 0; i < 60; i++) {
		snprintf(key, sizeof(key), "p%02d", i);
		snprintf(hash, sizeof(hash), "%06d", i);
		fix_profile(t, key, HAIKU, hash);
		sim_add_profile(&s, t->profiles[0].name, "acme", key, FIX_INSTANCE); /* live profiles to grant */
	}
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_non_null(p.error);
	assert_non_null(strstr(p.error, "over IAM's limit of 10240"));
	for (size_t i = 0; i < p.n_actions; i++)
		assert_int_not_equal(p.actions[i].kind, ACT_POLICY_PUT);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* IAM's limit is over every inline policy of the role: another policy already on a
 * shared role counts, and the tenant that would overflow it fails with the sizes;
 * the role and its other policies are untouched. */
static void test_shared_role_overflow_fails_that_tenant(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	struct plan p;
	struct strbuf big;
	const char *other;

	(void)state;
	strbuf_init(&big, STRBUF_NO_CAP);
	strbuf_adds(&big,
		    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
		    "\"Resource\":[");
	for (int i = 0; policy_size(big.buf) < 9800; i++)
		strbuf_addf(&big, "%s\"arn:aws:s3:::bucket-of-team-%03d/*\"", i ? "," : "", i);
	strbuf_adds(&big, "]}]}");
	assert_true(policy_size(big.buf) > 9000 && policy_size(big.buf) < IAM_INLINE_POLICY_MAX);
	sim_init(&s, "acme");
	sim_set_policy(&s, "claims-app", "other-team", big.buf);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_non_null(p.error);
	assert_non_null(strstr(p.error, "role claims-app"));
	assert_non_null(strstr(p.error, "1 other inline policies"));
	assert_non_null(strstr(p.error, "over IAM's limit of 10240"));
	plan_release(&p);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 0);
	assert_null(sim_policy(&s, "claims-app", POLICY));
	other = sim_policy(&s, "claims-app", "other-team");
	assert_non_null(other);
	assert_string_equal(other, big.buf);

	/* the other policy is cleaned up: once its sizes are old, the role is read again
	 * and the tenant's policy goes in */
	sim_set_policy(&s, "claims-app", "other-team", "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	s.now += 120;
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	assert_non_null(sim_policy(&s, "claims-app", POLICY));
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	strbuf_release(&big);
	tenant_free(t);
	sim_release(&s);
}

/* A bulk IAM read (every role with its inline policies) makes hand-made drift of an
 * applied policy visible although the desired document did not change: an edited
 * document is rewritten, a deleted one put back, and an untouched one costs nothing. */
static void bulk_read(struct sim *s, const char *role, const char *doc)
{
	struct observed_policy *p;

	s->store.policies_listed = true;
	observed_store_put_role(&s->store, role);
	observed_store_remove_policy(&s->store, role, POLICY);
	if (!doc)
		return;
	p = xcalloc(1, sizeof(*p));
	p->role = xstrdup(role);
	p->name = xstrdup(POLICY);
	p->document = xstrdup(doc);
	observed_policy_set_hash(p, policy_hash(doc));
	observed_store_put_policy(&s->store, p);
}

/* The origin of the one policy put the next diff of t plans. */
static enum action_origin policy_put_origin(struct sim *s, const struct tenant *t)
{
	enum action_origin origin = ORIGIN_MOVE; /* never a policy put's */
	struct plan p;

	sim_diff(s, t, DELETION_DELETE, &p);
	assert_int_equal(plan_count(&p, ACT_POLICY_PUT), 1);
	for (size_t i = 0; i < p.n_actions; i++)
		if (p.actions[i].kind == ACT_POLICY_PUT)
			origin = p.actions[i].origin;
	plan_release(&p);
	return origin;
}

static void test_bulk_read_repairs_hand_edits(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	const char *edited = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	char *good;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	good = xstrdup(sim_policy(&s, "claims-app", POLICY));

	/* untouched: no call at all */
	bulk_read(&s, "claims-app", good);
	s.aws_calls = 0;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 60, 5), 0);
	assert_int_equal(s.aws_calls, 0);

	/* edited by hand: rewritten without a read, a repair of drift */
	sim_set_policy(&s, "claims-app", POLICY, edited);
	bulk_read(&s, "claims-app", edited);
	assert_int_equal(policy_put_origin(&s, t), ORIGIN_DIFF);
	memset(s.calls, 0, sizeof(s.calls));
	sim_converge(&s, t, DELETION_DELETE, 61, 10);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	assert_int_equal(s.calls[ACT_POLICY_READ], 0);
	assert_string_equal(sim_policy(&s, "claims-app", POLICY), good);

	/* deleted by hand: put back */
	sim_set_policy(&s, "claims-app", POLICY, NULL);
	bulk_read(&s, "claims-app", NULL);
	assert_int_equal(policy_put_origin(&s, t), ORIGIN_DIFF);
	memset(s.calls, 0, sizeof(s.calls));
	sim_converge(&s, t, DELETION_DELETE, 62, 10);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	assert_string_equal(sim_policy(&s, "claims-app", POLICY), good);
	free(good);
	tenant_free(t);
	sim_release(&s);
}

/* The bulk read as the listing builds it: each policy's digest and size, no document
 * (cloud_aws.c build_roles). The diff works from the digests alone: an untouched
 * policy costs nothing, an edited one is rewritten and a deleted one put back, each
 * without a read; the daemon's own write keeps no document either, and the role's
 * size counts the digest-only policies. */
static void bulk_read_digest(struct sim *s, const char *role, const char *name, const char *doc)
{
	struct observed_policy *p;

	s->store.policies_listed = true;
	observed_store_put_role(&s->store, role);
	observed_store_remove_policy(&s->store, role, name);
	if (!doc)
		return;
	p = xcalloc(1, sizeof(*p));
	p->role = xstrdup(role);
	p->name = xstrdup(name);
	observed_policy_set_hash(p, policy_hash(doc));
	p->chars = policy_size(doc);
	observed_store_put_policy(&s->store, p);
}

static void test_bulk_read_of_digests_only(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	const char *edited = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	const struct observed_policy *live;
	char *good;
	size_t n = 0;

	(void)state;
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	good = xstrdup(sim_policy(&s, "claims-app", POLICY));
	/* the engine keeps its own write as the digest alone */
	observed_store_policy_digest_only(&s.store, "claims-app", POLICY);
	live = observed_store_policy(&s.store, "claims-app", POLICY);
	assert_true(observed_policy_exists(live));
	assert_null(live->document);
	s.aws_calls = 0;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 59, 5), 0);
	assert_int_equal(s.aws_calls, 0);

	/* untouched: no call at all */
	bulk_read_digest(&s, "claims-app", POLICY, good);
	bulk_read_digest(&s, "claims-app", "other-team", edited);
	assert_true(observed_store_role_other_policy_chars(&s.store, "claims-app", POLICY, &n));
	assert_int_equal(n, policy_size(edited));
	s.aws_calls = 0;
	assert_int_equal(sim_converge(&s, t, DELETION_DELETE, 60, 5), 0);
	assert_int_equal(s.aws_calls, 0);
	bulk_read_digest(&s, "claims-app", "other-team", NULL);

	/* edited by hand: rewritten without a read */
	sim_set_policy(&s, "claims-app", POLICY, edited);
	bulk_read_digest(&s, "claims-app", POLICY, edited);
	memset(s.calls, 0, sizeof(s.calls));
	sim_converge(&s, t, DELETION_DELETE, 61, 10);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	assert_int_equal(s.calls[ACT_POLICY_READ], 0);
	assert_string_equal(sim_policy(&s, "claims-app", POLICY), good);
	live = observed_store_policy(&s.store, "claims-app", POLICY);
	assert_int_equal(live->chars, policy_size(good));

	/* deleted by hand: put back */
	sim_set_policy(&s, "claims-app", POLICY, NULL);
	bulk_read_digest(&s, "claims-app", POLICY, NULL);
	memset(s.calls, 0, sizeof(s.calls));
	sim_converge(&s, t, DELETION_DELETE, 62, 10);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	assert_string_equal(sim_policy(&s, "claims-app", POLICY), good);
	free(good);
	tenant_free(t);
	sim_release(&s);
}

/* With the bulk read, a role that holds other inline policies is read before the
 * tenant's policy is written (the listing's sizes may be a resync old), and a tenant
 * whose policy would overflow the shared role fails without a write. */
static void test_bulk_read_counts_the_role_s_other_policies(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	struct observed_policy *other;
	struct strbuf big;
	struct plan p;

	(void)state;
	strbuf_init(&big, STRBUF_NO_CAP);
	strbuf_adds(&big,
		    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\","
		    "\"Resource\":[");
	for (int i = 0; policy_size(big.buf) < 10100; i++)
		strbuf_addf(&big, "%s\"arn:aws:s3:::bucket-of-team-%03d/*\"", i ? "," : "", i);
	strbuf_adds(&big, "]}]}");
	sim_init(&s, "acme");
	sim_set_policy(&s, "claims-app", "other-team", big.buf);
	bulk_read(&s, "claims-app", NULL);
	other = xcalloc(1, sizeof(*other));
	other->role = xstrdup("claims-app");
	other->name = xstrdup("other-team");
	other->document = xstrdup(big.buf);
	observed_store_put_policy(&s.store, other);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_non_null(p.error);
	assert_non_null(strstr(p.error, "role claims-app"));
	assert_non_null(strstr(p.error, "other inline policies hold"));
	plan_release(&p);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 0);
	assert_true(s.calls[ACT_POLICY_READ] >= 1);
	strbuf_release(&big);
	tenant_free(t);
	sim_release(&s);
}

/* Two tenants share a role: each one's size check counts the other's policy. */
static void test_shared_role_counts_the_other_tenants(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	const char *const sizes_doc = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	struct plan p;
	const struct observed_policy *live;

	(void)state;
	sim_init(&s, "acme");
	sim_set_policy(&s, "claims-app", "bedrock-tenantd-beta", sizes_doc);
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	live = observed_store_policy(&s.store, "claims-app", POLICY);
	assert_non_null(live);
	assert_true(live->others_known);
	assert_int_equal(observed_policy_n_others(live), 1);
	assert_int_equal(observed_policy_other_sizes(live)[0], policy_size(sizes_doc));
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_null(p.error);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

static void test_role_total_arithmetic(void **state)
{
	size_t others[] = { 100, 200, 300 }, huge[] = { SIZE_MAX - 1, 5 };

	(void)state;
	assert_int_equal(policy_role_total("{ \"a\" : 1 }", NULL, 0), 7);
	assert_int_equal(policy_role_total("{\"a\":1}", others, 3), 607);
	assert_int_equal(policy_role_total("", others, 2), 300);
	assert_true(policy_role_total("{}", huge, 2) == SIZE_MAX);
}

/* The size IAM counts for a role's other inline policies follows the bulk read and the
 * daemon's own writes. */
static void test_other_policy_chars(void **state)
{
	struct observed_store st;
	struct observed_policy *p;
	size_t n = 99;

	observed_store_init(&st);
	assert_false(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	observed_store_put_role(&st, "app");
	p = xcalloc(1, sizeof(*p));
	p->role = xstrdup("app");
	p->name = xstrdup("someone-else");
	p->document = xstrdup("{ \"a\": \"b c\" }"); /* 11 characters without the spaces outside strings */
	observed_store_put_policy(&st, p);
	assert_true(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	assert_int_equal(n, policy_size("{ \"a\": \"b c\" }"));
	p = xcalloc(1, sizeof(*p));
	p->role = xstrdup("app");
	p->name = xstrdup(POLICY);
	p->document = xstrdup("{\"x\":1}");
	observed_store_put_policy(&st, p);
	assert_true(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	assert_int_equal(n, policy_size("{ \"a\": \"b c\" }"));
	assert_true(observed_store_role_other_policy_chars(&st, "app", "someone-else", &n));
	assert_int_equal(n, policy_size("{\"x\":1}"));
	observed_store_remove_policy(&st, "app", "someone-else");
	assert_true(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	assert_int_equal(n, 0);
	observed_store_release(&st);
}

/* A policy a listing left to its tenant's place (another Region of the account)
 * still counts in its role's size; brought in later (the tenant came here), it takes
 * the place of that count rather than adding to it. */
static void test_policy_left_elsewhere_counts(void **state)
{
	struct observed_store st, other;
	struct observed_policy *p;
	size_t n = 99, size = policy_size("{ \"a\": \"b c\" }");

	observed_store_init(&st);
	observed_store_init(&other);
	observed_store_put_role(&st, "app");
	observed_store_put_role(&other, "app");
	observed_store_count_policy_elsewhere(&st, "App", size);
	assert_null(observed_store_policy(&st, "app", "someone-else"));
	assert_true(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	assert_int_equal(n, size);
	p = xcalloc(1, sizeof(*p));
	p->role = xstrdup("app");
	p->name = xstrdup("someone-else");
	p->document = xstrdup("{ \"a\": \"b c\" }");
	observed_store_put_policy(&other, p);
	observed_store_bring_policy(&st, observed_store_policy(&other, "app", "someone-else"));
	assert_non_null(observed_store_policy(&st, "app", "someone-else"));
	assert_true(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	assert_int_equal(n, size);
	/* brought where no count stood for it (made since that listing): added */
	observed_store_remove_policy(&st, "app", "someone-else");
	observed_store_bring_policy(&st, observed_store_policy(&other, "app", "someone-else"));
	assert_true(observed_store_role_other_policy_chars(&st, "app", POLICY, &n));
	assert_int_equal(n, size);
	observed_store_release(&st);
	observed_store_release(&other);
	(void)state;
}

static size_t count_kind(const struct plan *p, enum action_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_actions; i++)
		n += p->actions[i].kind == k;
	return n;
}

/* The document's digest is remembered by its profiles (state/policy_memo.h): a
 * profile changed in what the document is made of (its models[], the system profile
 * it copies) must give another digest, never the remembered one. After each change the
 * diff wants the policy written, with the change in it. */
static void test_changed_profile_is_never_hidden_by_the_memo(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	static const char *const copies[] = { NULL, "arn:aws:bedrock:us-east-1::inference-profile/us." NOVA };
	struct observed_profile *c;
	struct plan p;
	const char *model = "arn:aws:bedrock:us-west-2::foundation-model/" NOVA;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	for (size_t round = 0; round < 2; round++) {
		char *good = xstrdup(sim_policy(&s, "claims-app", POLICY));

		/* settled: the recorded digest is the live one, nothing to do (the memo now
		 * holds the digest of these profiles) */
		bulk_read(&s, "claims-app", good);
		sim_diff(&s, t, DELETION_DELETE, &p);
		assert_int_equal(count_kind(&p, ACT_POLICY_PUT), 0);
		plan_release(&p);
		sim_diff(&s, t, DELETION_DELETE, &p);
		assert_int_equal(count_kind(&p, ACT_POLICY_PUT), 0);
		plan_release(&p);

		/* the same profile, another model in its models[] (round 0) or a system
		 * profile as its copy source (round 1): stored as a listing would */
		c = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
		if (round == 0) {
			c->model_arns = xreallocarray(c->model_arns, c->n_model_arns + 1, sizeof(char *));
			c->model_arns[c->n_model_arns++] = intern(model);
		} else {
			tag_set_put(&c->tags, TAG_MODEL, copies[1]);
		}
		observed_store_put_profile(&s.store, c);
		sim_diff(&s, t, DELETION_DELETE, &p);
		assert_int_equal(count_kind(&p, ACT_POLICY_PUT), 1);
		for (size_t i = 0; i < p.n_actions; i++)
			if (p.actions[i].kind == ACT_POLICY_PUT)
				assert_non_null(strstr(p.actions[i].value, round == 0 ? model : copies[1]));
		/* written: the next round starts settled on the new document */
		sim_apply(&s, &p);
		plan_release(&p);
		free(good);
		if (round == 0)
			assert_non_null(strstr(sim_policy(&s, "claims-app", POLICY), model));
	}
	tenant_free(t);
	sim_release(&s);
}

static const char *policy_fact(struct sim *s, const char *role)
{
	char *key = record_key_policy_fact(role, POLICY);
	const char *v = record_fact(s->record, key);

	free(key);
	return v;
}

/* The key of the document of the tenant's profiles now (its one profile). */
static struct content_digest key_now(struct sim *s)
{
	const struct observed_profile *p = observed_store_profile_by_name(&s->store, "acme-chat-aaaaaa");
	struct content_digest key;

	assert_true(policy_memo_key(&p, 1, &key));
	return key;
}

/* A start (the memo empty): a policy fact that holds the key of the profiles as they
 * are gives the document's digest, no document is written (nothing reaches the memo);
 * a profile changed in what the document is made of has another key, so the document
 * is written and put again, with the change. */
static void test_start_takes_the_digest_from_the_record(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	const char *model = "arn:aws:bedrock:us-west-2::foundation-model/" NOVA;
	struct observed_profile *c;
	struct plan p;
	char buf[POLICY_HASH_TEXT];

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	bulk_read(&s, "claims-app", sim_policy(&s, "claims-app", POLICY));
	/* the put noted the digest with the key of the profiles it was written from */
	assert_true(
		policy_memo_fact_is(policy_fact(&s, "claims-app"),
				    observed_policy_hash(observed_store_policy(&s.store, "claims-app", POLICY), buf)));
	assert_true(policy_memo_fact_keyed(policy_fact(&s, "claims-app"), key_now(&s)));

	policy_memo_clear(); /* a start */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	assert_int_equal(policy_memo_slots(), 0); /* no document written and digested */
	plan_release(&p);

	/* what the document does not read changed (a tag edited by hand, the listing's
	 * flag): the same key, still nothing written; only the tag is repaired */
	c = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	tag_set_put(&c->tags, TAG_SPEC, "hacked");
	c->listed = !c->listed;
	observed_store_put_profile(&s.store, c);
	policy_memo_clear();
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(count_kind(&p, ACT_PROFILE_TAG), 1);
	assert_int_equal(count_kind(&p, ACT_POLICY_PUT) + count_kind(&p, ACT_FACT_SET), 0);
	assert_int_equal(policy_memo_slots(), 0);
	plan_release(&p);

	/* a profile's models[] changed (stored as a listing would), then a start */
	c = observed_profile_dup(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	c->model_arns = xreallocarray(c->model_arns, c->n_model_arns + 1, sizeof(char *));
	c->model_arns[c->n_model_arns++] = intern(model);
	observed_store_put_profile(&s.store, c);
	policy_memo_clear();
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(count_kind(&p, ACT_POLICY_PUT), 1);
	for (size_t i = 0; i < p.n_actions; i++)
		if (p.actions[i].kind == ACT_POLICY_PUT)
			assert_non_null(strstr(p.actions[i].value, model));
	sim_apply(&s, &p);
	plan_release(&p);
	assert_true(policy_memo_fact_keyed(policy_fact(&s, "claims-app"), key_now(&s)));
	tenant_free(t);
	sim_release(&s);
}

/* The memo holds a document's digest until the tenant's record does: a pass that
 * finds the key in the record's fact forgets the memo's entry (the record answers,
 * across starts too), and the table goes back to its least. */
static void test_memo_forgets_what_the_record_holds(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	char hash[DIGEST_HEX_SHORT + 1];
	struct plan p;

	sim_init(&s, "acme");
	policy_memo_clear();
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	bulk_read(&s, "claims-app", sim_policy(&s, "claims-app", POLICY));
	assert_true(policy_memo_fact_keyed(policy_fact(&s, "claims-app"), key_now(&s)));
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	assert_false(policy_memo_get(key_now(&s), hash)); /* the record holds it */
	assert_int_equal(policy_memo_slots(), 1024);
	/* and the pass after, the memo empty, is the same pass */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* A look ahead (the engine's parameter published as its profile's create is answered,
 * the tenant's other creates still out) remembers no document's digest: its key is of
 * part of the profiles, which no record will hold, so no pass would forget it (one
 * entry a tenant with two or three profiles, kept as long as the process). Its plan is
 * the same; the round's own diff remembers the digest until the record holds it, which
 * the policy's write makes so (the memo then forgets it at once). */
static void test_lookahead_leaves_the_memo_alone(void **state)
{
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	char hash[DIGEST_HEX_SHORT + 1];
	struct plan p, q;

	(void)state;
	sim_init(&s, "acme");
	bulk_read(&s, "claims-app", NULL);
	policy_memo_clear();
	/* the profile created, its role's policy not written yet */
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(count_kind(&p, ACT_PROFILE_CREATE), 1);
	assert_int_equal(count_kind(&p, ACT_POLICY_PUT), 0);
	sim_apply(&s, &p);
	plan_release(&p);

	s.lookahead = true;
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(count_kind(&p, ACT_POLICY_PUT), 1);
	assert_false(policy_memo_get(key_now(&s), hash));
	assert_int_equal(policy_memo_slots(), 0);

	s.lookahead = false;
	sim_diff(&s, t, DELETION_DELETE, &q);
	assert_int_equal(q.n_actions, p.n_actions);
	for (size_t i = 0; i < p.n_actions; i++) {
		assert_int_equal(q.actions[i].kind, p.actions[i].kind);
		if (p.actions[i].kind == ACT_POLICY_PUT)
			assert_string_equal(q.actions[i].value, p.actions[i].value);
	}
	assert_true(policy_memo_get(key_now(&s), hash));
	plan_release(&p);
	/* written: the record holds the key, the memo forgets it at once */
	sim_apply(&s, &q);
	plan_release(&q);
	assert_true(policy_memo_fact_keyed(policy_fact(&s, "claims-app"), key_now(&s)));
	assert_false(policy_memo_get(key_now(&s), hash));
	assert_int_equal(policy_memo_slots(), 1024);
	sim_diff(&s, t, DELETION_DELETE, &p);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
}

/* A fact from an older store (the digest alone), or holding another key or another
 * format's, does not answer: the document is written and digested (it reaches the
 * memo), and, the policy being current, the fact is given the key of the profiles,
 * so that the start after it writes nothing. */
static void test_fact_without_the_key_is_rebuilt(void **state)
{
	static const char *const tails[] = { "", " k1:00000000000000000000000000000001",
					     " k0:" /* the key now in format 0, below */ };
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	char *key = record_key_policy_fact("claims-app", POLICY);
	struct plan p;

	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	bulk_read(&s, "claims-app", sim_policy(&s, "claims-app", POLICY));
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char hash[DIGEST_HEX_SHORT + 1], *old;

		snprintf(hash, sizeof(hash), "%s", policy_fact(&s, "claims-app"));
		if (i == 2) {
			old = xstrdup(policy_fact(&s, "claims-app"));
			old[DIGEST_HEX_SHORT + 2] = '0';
		} else {
			old = xasprintf("%s%s", hash, tails[i]);
		}
		record_set_fact(s.record, key, old);
		free(old);
		policy_memo_clear(); /* a start */
		sim_diff(&s, t, DELETION_DELETE, &p);
		assert_true(policy_memo_slots() > 0); /* the document was written */
		assert_int_equal(p.n_actions, 1);
		assert_int_equal(p.actions[0].kind, ACT_FACT_SET);
		assert_string_equal(p.actions[0].resource, key);
		assert_true(policy_memo_fact_is(p.actions[0].value, hash));
		assert_true(policy_memo_fact_keyed(p.actions[0].value, key_now(&s)));
		sim_apply(&s, &p);
		plan_release(&p);

		policy_memo_clear(); /* the next start */
		sim_diff(&s, t, DELETION_DELETE, &p);
		assert_int_equal(p.n_actions, 0);
		assert_int_equal(policy_memo_slots(), 0);
		plan_release(&p);
	}
	free(key);
	tenant_free(t);
	sim_release(&s);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCATIONS 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCATIONS 1
#endif

#ifdef COUNT_ALLOCATIONS
#include <sanitizer/allocator_interface.h>

static volatile bool counting;
static volatile size_t allocations;

static void on_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	if (counting)
		allocations++;
}

static void on_free(const volatile void *ptr)
{
	(void)ptr;
}
#endif

/* A converged tenant with two profiles, tenant tags and two roles, diffed as a full
 * pass does (its document's digest taken from its record, as after a start): the diff
 * allocates nothing (the desired tags, the model ARN, the policy facts' keys). Counted
 * with the sanitizer's allocation hooks: skipped in a build without them. */
static void test_converged_diff_allocates_nothing(void **state)
{
#ifdef COUNT_ALLOCATIONS
	struct sim s;
	struct tenant *t = tenant_with_role(HAIKU, "aaaaaa", "claims-app");
	struct observed_tenant o;
	struct plan p;

	fix_profile(t, "batch", NOVA, "bbbbbb");
	fix_role(t, "batch-app");
	fix_tag(&t->tags, "CostCenter", "claims");
	sim_init(&s, "acme");
	sim_converge(&s, t, DELETION_DELETE, 1, 10);
	bulk_read(&s, "claims-app", sim_policy(&s, "claims-app", POLICY));
	bulk_read(&s, "batch-app", sim_policy(&s, "batch-app", POLICY));
	policy_memo_clear();		      /* a start */
	sim_diff(&s, t, DELETION_DELETE, &p); /* settled, and the process's first uses done */
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);

	assert_int_equal(__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free), 1);
	{
		struct diff_input in = { .tenant_id = s.record->tenant,
					 .desired = t,
					 .deletion_policy = DELETION_DELETE,
					 .record = s.record,
					 .observed = &o,
					 .now = s.now };
		observed_tenant_collect(&s.store, FIX_INSTANCE, s.record->tenant, t, &o);
		allocations = 0;
		counting = true;
		assert_int_equal(diff_tenant(&s.settings, &in, &p), 0);
		counting = false;
		observed_tenant_release(&o);
	}
	assert_int_equal(p.n_actions, 0);
	assert_int_equal(allocations, 0);
	plan_release(&p);
	tenant_free(t);
	sim_release(&s);
#else
	skip();
#endif
}

/* The other tenant deriving the policy name: "a", its definition the context, placed
 * in the store's account while in_account_too. */
static bool in_account_too;

static bool knows_a(const void *ctx, const char *id, const struct tenant **ret_desired)
{
	const struct tenant *a = ctx;

	if (ret_desired)
		*ret_desired = strcmp(id, a->id) == 0 ? a : NULL;
	return strcmp(id, a->id) == 0;
}

static bool a_in_account(const void *ctx, const char *id)
{
	(void)ctx;
	(void)id;
	return in_account_too;
}

static struct tenant *tenant_with_policy_name(const char *id, const char *hash, const char *role, const char *name)
{
	struct tenant *t = fix_tenant(id);

	fix_profile(t, "chat", HAIKU, hash);
	fix_role(t, role);
	free(t->policy_name);
	t->policy_name = xstrdup(name);
	return t;
}

/* Tenants "a" and "a-b" sharing a role, whose naming.policy_name ("bt-{tenant}-{project}",
 * projects "b-c" and "c") derives one name for both: the one that applied the policy
 * keeps it; the other is in conflict and never writes over it, nor deletes it when it
 * goes (the other tenant's applications use it). In another account, no conflict. */
static void test_two_tenants_deriving_one_policy_name(void **state)
{
	struct sim s;
	struct tenant *a = tenant_with_policy_name("a", "aaaaaa", "App", "bt-a-b-c");
	struct tenant *ab = tenant_with_policy_name("a-b", "bbbbbb", "app", "bt-a-b-c");
	const char *a_doc = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	struct plan p;

	/* a-b applied it first: it keeps it, steady, once a is known too */
	sim_init(&s, "a-b");
	sim_converge(&s, ab, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	s.store.knows_tenant = knows_a;
	s.store.in_account = a_in_account;
	s.store.knows_ctx = a;
	in_account_too = true;
	plan_init(&p);
	sim_diff(&s, ab, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	assert_int_equal(p.n_actions, 0);
	plan_release(&p);

	/* a's document on the role (a applied it): a-b is in conflict, writes nothing */
	sim_set_policy(&s, "app", "bt-a-b-c", a_doc);
	bulk_read_digest(&s, "app", "bt-a-b-c", a_doc);
	plan_init(&p);
	sim_diff(&s, ab, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 1);
	assert_non_null(strstr(p.conflicts[0].message, "the IAM policy bt-a-b-c of role app is tenant a's too"));
	assert_int_equal(plan_count(&p, ACT_POLICY_PUT), 0);
	plan_release(&p);

	/* a-b goes: the policy stays, a-b's fact of it goes at once */
	s.calls[ACT_POLICY_DELETE] = 0;
	sim_converge(&s, NULL, DELETION_DELETE, 1, 10);
	s.now += FIX_GRACE;
	sim_converge(&s, NULL, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_POLICY_DELETE], 0);
	assert_string_equal(sim_policy(&s, "app", "bt-a-b-c"), a_doc);
	assert_null(record_policy_fact(s.record, "app", "bt-a-b-c"));

	/* a in another account: its roles are not these; a-b writes its own */
	in_account_too = false;
	s.calls[ACT_POLICY_PUT] = 0;
	sim_converge(&s, ab, DELETION_DELETE, 1, 10);
	assert_int_equal(s.calls[ACT_POLICY_PUT], 1);
	assert_string_not_equal(sim_policy(&s, "app", "bt-a-b-c"), a_doc);
	plan_init(&p);
	sim_diff(&s, ab, DELETION_DELETE, &p);
	assert_int_equal(p.n_conflicts, 0);
	plan_release(&p);
	tenant_free(a);
	tenant_free(ab);
	sim_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_once_then_steady),
		cmocka_unit_test(test_changed_profile_is_never_hidden_by_the_memo),
		cmocka_unit_test(test_start_takes_the_digest_from_the_record),
		cmocka_unit_test(test_fact_without_the_key_is_rebuilt),
		cmocka_unit_test(test_converged_diff_allocates_nothing),
		cmocka_unit_test(test_bulk_read_repairs_hand_edits),
		cmocka_unit_test(test_bulk_read_of_digests_only),
		cmocka_unit_test(test_other_policy_chars),
		cmocka_unit_test(test_unknown_models_hold_the_policy),
		cmocka_unit_test(test_equal_live_policy_is_not_rewritten),
		cmocka_unit_test(test_replacement_grants_new_before_deleting_old),
		cmocka_unit_test(test_role_removed_loses_the_policy),
		cmocka_unit_test(test_policy_renamed_on_the_same_role_goes_after_its_grace),
		cmocka_unit_test(test_oversized_policy_is_refused_before_the_call),
		cmocka_unit_test(test_shared_role_overflow_fails_that_tenant),
		cmocka_unit_test(test_bulk_read_counts_the_role_s_other_policies),
		cmocka_unit_test(test_shared_role_counts_the_other_tenants),
		cmocka_unit_test(test_role_total_arithmetic),
		cmocka_unit_test(test_two_tenants_deriving_one_policy_name),
		cmocka_unit_test(test_policy_left_elsewhere_counts),
		cmocka_unit_test(test_memo_forgets_what_the_record_holds),
		cmocka_unit_test(test_lookahead_leaves_the_memo_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
