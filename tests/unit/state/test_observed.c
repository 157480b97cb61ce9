#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "budget_spec.h"
#include "fixtures.h"
#include "intern.h"
#include "observed_apply.h"
#include "ownership.h"
#include "policy_doc.h"
#include "xalloc.h"

/* p's hash as text, in a buffer of the expression's own (two in one assertion) */
#define hash_of(p) observed_policy_hash((p), (char[POLICY_HASH_TEXT]){ 0 })
/* p's role as written, likewise */
#define role_of(p) observed_policy_role((p), (char[POLICY_ROLE_TEXT]){ 0 })

static void test_indexes_follow_tags(void **state)
{
	struct sim s;
	struct observed_profile *p, *moved;
	const struct observed_group *g;

	sim_init(&s, "acme");
	p = sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	sim_add_profile(&s, "acme-batch-bbbbbb", "acme", "batch", FIX_INSTANCE);
	sim_add_profile(&s, "globex-chat-aaaaaa", "globex", "chat", FIX_INSTANCE);
	g = observed_store_group(&s.store, "acme");
	assert_non_null(g);
	assert_int_equal(g->n_profiles, 2);
	assert_ptr_equal(observed_store_profile(&s.store, p->arn), p);
	assert_ptr_equal(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"), p);

	/* Re-tagging a profile to another tenant moves it between groups. */
	moved = observed_profile_dup(p);
	tag_set_put(&moved->tags, TAG_TENANT, "globex");
	observed_store_put_profile(&s.store, moved);
	assert_int_equal(observed_store_group(&s.store, "acme")->n_profiles, 1);
	assert_int_equal(observed_store_group(&s.store, "globex")->n_profiles, 2);
	assert_ptr_equal(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"), moved);

	assert_true(observed_store_remove_profile(&s.store, moved->arn));
	assert_null(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa"));
	assert_false(observed_store_remove_profile(&s.store, "arn:nope"));
	sim_release(&s);
}

/* A store released a few resources at a time ends as released at once (ASan: nothing
 * leaks, nothing is freed twice), over several steps. */
static void test_release_in_steps(void **state)
{
	struct sim s;
	struct observed_policy *pol = xcalloc(1, sizeof(*pol));
	unsigned steps = 0;

	sim_init(&s, "acme");
	for (int i = 0; i < 7; i++) {
		char *name = xasprintf("t%d-chat-aaaaaa", i), *tenant = xasprintf("t%d", i);
		char *param = xasprintf("/bedrock-tenantd/%s/chat", tenant);
		sim_add_profile(&s, name, tenant, "chat", FIX_INSTANCE);
		sim_add_parameter(&s, param, "arn", tenant, FIX_INSTANCE);
		free(name);
		free(tenant);
		free(param);
	}
	pol->role = xstrdup("role");
	pol->name = xstrdup("policy");
	pol->document = xstrdup("{}");
	observed_store_put_policy(&s.store, pol);
	while (!observed_store_release_step(&s.store, 3))
		steps++;
	assert_true(steps >= 4); /* 15 resources, 3 a step */
	observed_store_init(&s.store);
	sim_release(&s);
}

/* A listing's entries live in the store's arena: they are found, indexed, replaced
 * (by a write's own entry), removed and copied like any other; released at once or
 * in steps, nothing leaks and nothing is freed twice (ASan), and the arena's memory
 * is one allocation per many entries. */
static void fill_listing(struct observed_store *st, int n)
{
	for (int i = 0; i < n; i++) {
		char *arn = xasprintf("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p%d", i);
		char *name = xasprintf("t%d-chat-aaaaaa", i), *tenant = xasprintf("t%d", i);
		char *param = xasprintf("/bedrock-tenantd/%s/chat", tenant);
		struct observed_profile *p = observed_store_new_profile(st, arn, name, 1);
		struct observed_parameter *q = observed_store_new_parameter(st, param, arn);
		p->model_arns[0] = intern("arn:aws:bedrock:us-east-1::foundation-model/m");
		tag_set_put(&p->tags, TAG_TENANT, tenant);
		tag_set_put(&p->tags, TAG_MANAGED_BY, FIX_INSTANCE);
		p->tags_known = p->listed = true;
		observed_store_put_profile(st, p);
		tag_set_put(&q->tags, TAG_TENANT, tenant);
		tag_set_put(&q->tags, TAG_MANAGED_BY, FIX_INSTANCE);
		q->tags_known = true;
		q->version = 1;
		observed_store_put_parameter(st, q);
		free(arn);
		free(name);
		free(tenant);
		free(param);
	}
}

/* A listing's profiles of the same models share one interned list of their ARNs, in
 * Bedrock's order; one of other models has its own; an entry freed before its put, a
 * copy, and a profile without models keep theirs; the pool is as it was once the store
 * is gone (no reference kept, none dropped twice). */
static void test_listing_models_shared(void **state)
{
	static const char *const m[] = { "arn:aws:bedrock:us-east-1::foundation-model/z",
					 "arn:aws:bedrock:us-west-2::foundation-model/z",
					 "arn:aws:bedrock:us-east-2::foundation-model/a" };
	struct observed_store st;
	struct observed_profile *p[4], *c;
	size_t base, bytes, now;

	(void)state;
	intern_stats(&base, &bytes);
	observed_store_init(&st);
	for (int i = 0; i < 4; i++) {
		char arn[64], name[32];
		size_t n = i == 3 ? 1 : 3;
		snprintf(arn, sizeof(arn), "arn:aws:bedrock:us-east-1:1:application-inference-profile/p%d", i);
		snprintf(name, sizeof(name), "t%d-chat", i);
		p[i] = observed_store_new_profile(&st, arn, name, n);
		for (size_t k = 0; k < n; k++)
			p[i]->model_arns[k] = intern(m[i == 3 ? 2 : k]);
		tag_set_put(&p[i]->tags, TAG_TENANT, "t");
		p[i]->tags_known = true;
		if (i == 2) { /* a listing's entry dropped before its put */
			observed_profile_free(p[i]);
			continue;
		}
		observed_store_put_profile(&st, p[i]);
		assert_true(p[i]->models_in_list);
	}
	assert_ptr_equal(p[0]->model_arns, p[1]->model_arns);
	assert_int_equal(p[0]->n_model_arns, 3);
	for (size_t k = 0; k < 3; k++)
		assert_string_equal(p[1]->model_arns[k], m[k]);
	assert_int_equal(p[3]->n_model_arns, 1);
	assert_string_equal(p[3]->model_arns[0], m[2]);
	assert_ptr_equal(p[3]->model_arns[0], p[0]->model_arns[2]);
	c = observed_profile_dup(p[0]); /* its own array */
	assert_false(c->models_in_list);
	assert_ptr_not_equal(c->model_arns, p[0]->model_arns);
	assert_string_equal(c->model_arns[1], m[1]);
	observed_store_put_profile(&st, c); /* replaces p[0] */
	assert_ptr_equal(observed_store_profile(&st, p[1]->arn)->model_arns, p[1]->model_arns);
	c = observed_store_new_profile(&st, "arn:aws:bedrock:us-east-1:1:application-inference-profile/none", "t9-chat",
				       0);
	observed_store_put_profile(&st, c);
	assert_null(c->model_arns);
	assert_false(c->models_in_list);
	observed_store_release(&st);
	intern_stats(&now, &bytes);
	assert_int_equal(now, base);
}

/* A listing's profile and the parameter naming it hold one copy of the ARN (interned,
 * the profile's id its tail), and the parameter's name is interned too: the desired
 * model and the records repeat both, 100,000 tenants' worth. Copies own theirs. */
static void test_listing_entries_share_strings(void **state)
{
	static const char arn[] = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123def456";
	struct observed_store st;
	struct observed_profile *p, *c;
	struct observed_parameter *q;
	const char *name;

	(void)state;
	observed_store_init(&st);
	p = observed_store_new_profile(&st, arn, "t1-chat-aaaaaa", 0);
	tag_set_put(&p->tags, TAG_TENANT, "t1");
	tag_set_put(&p->tags, "Team", "x");
	p->tags_known = true;
	assert_false(p->tags_in_arena);
	observed_store_put_profile(&st, p);
	/* stored, its tags packed into the arena (no chunk of their own; the keys one
	 * list shared with every entry of the same tag keys) */
	assert_true(p->tags_in_arena);
	assert_non_null(p->tags.keys);
	assert_string_equal(tag_set_get(&p->tags, "Team"), "x");
	assert_ptr_equal(observed_store_group(&st, "t1")->profiles[0], p);
	q = observed_store_new_parameter(&st, "/bedrock-tenants/t1/chat/profile-arn", arn);
	observed_store_put_parameter(&st, q);
	assert_ptr_equal(q->value, p->arn);
	name = intern(arn); /* the pool's copy */
	assert_ptr_equal(p->arn, name);
	intern_unref(name);
	assert_string_equal(observed_profile_id(p), "abc123def456");
	assert_ptr_equal(observed_profile_id(p), p->arn + strlen(p->arn) - strlen("abc123def456"));
	name = intern("/bedrock-tenants/t1/chat/profile-arn");
	assert_ptr_equal(q->name, name);
	intern_unref(name);
	/* the id is the ARN's tail after its last '/', the whole ARN when it has none */
	c = observed_store_new_profile(&st, "arn:x/one/two", "t2-chat-aaaaaa", 0);
	assert_string_equal(observed_profile_id(c), "two");
	observed_store_put_profile(&st, c);
	c = observed_store_new_profile(&st, "arn-without-slash", "t3-chat-aaaaaa", 0);
	assert_string_equal(observed_profile_id(c), "arn-without-slash");
	observed_store_put_profile(&st, c);
	/* a copy owns plain strings and tags, and outlives the store */
	c = observed_profile_dup(p);
	assert_false(c->tags_in_arena);
	q = observed_parameter_dup(q);
	observed_store_release(&st);
	assert_string_equal(c->arn, arn);
	assert_string_equal(observed_profile_id(c), "abc123def456");
	assert_string_equal(tag_set_get(&c->tags, "Team"), "x");
	assert_string_equal(q->value, arn);
	observed_profile_free(c);
	observed_parameter_free(q);
}

/* Listed entries with the same tag keys share one key list, each its own values: one
 * of two such profiles edited (a copy changed and put, as every change is) leaves the
 * other's tags as they were. */
static void test_listing_tags_packed_one_edited(void **state)
{
	struct observed_store st;
	struct observed_profile *a, *b, *c;
	const struct observed_profile *now;

	(void)state;
	observed_store_init(&st);
	a = observed_store_new_profile(&st, "arn:x/a", "t1-chat-aaaaaa", 0);
	b = observed_store_new_profile(&st, "arn:x/b", "t2-chat-aaaaaa", 0);
	tag_set_put(&a->tags, TAG_TENANT, "t1");
	tag_set_put(&a->tags, "Team", "x");
	tag_set_put(&b->tags, TAG_TENANT, "t2");
	tag_set_put(&b->tags, "Team", "x");
	a->tags_known = b->tags_known = true;
	observed_store_put_profile(&st, a);
	observed_store_put_profile(&st, b);
	assert_non_null(a->tags.keys);
	assert_ptr_equal(a->tags.keys, b->tags.keys);
	assert_ptr_not_equal(a->tags.values, b->tags.values);

	c = observed_profile_dup(a);
	tag_set_put(&c->tags, "Team", "y");
	tag_set_put(&c->tags, "Owner", "o");
	observed_store_put_profile(&st, c); /* replaces a */
	now = observed_store_profile(&st, "arn:x/a");
	assert_string_equal(tag_set_get(&now->tags, "Team"), "y");
	assert_string_equal(tag_set_get(&now->tags, "Owner"), "o");
	now = observed_store_profile(&st, "arn:x/b");
	assert_int_equal(now->tags.n, 2);
	assert_string_equal(tag_set_get(&now->tags, "Team"), "x");
	assert_string_equal(tag_set_get(&now->tags, TAG_TENANT), "t2");
	assert_null(tag_set_get(&now->tags, "Owner"));
	assert_ptr_equal(observed_store_group(&st, "t2")->profiles[0], now);
	observed_store_release(&st);
	/* a group per tenant, 100,000 of them: 32-bit counts (80 bytes, not 104) */
	assert_true(sizeof(struct observed_group) <= 80);
}

/* 200,000 profiles at 100,000 tenants: the models' count and the flags in one word
 * and the creation time beside it (72 bytes); the flags still read and copied one by
 * one. */
static void test_profile_packed(void **state)
{
	struct observed_store st;
	struct observed_profile *p, *c;

	(void)state;
	assert_true(sizeof(struct observed_profile) <= 72);
	observed_store_init(&st);
	p = observed_store_new_profile(&st, "arn:x/a", "n", 2);
	p->model_arns[0] = intern("m1");
	p->model_arns[1] = intern("m2");
	p->listed = true;
	p->models_unknown = true;
	tag_set_put(&p->tags, TAG_TENANT, "t1");
	observed_store_put_profile(&st, p);
	assert_true(p->in_arena && p->tags_in_arena && p->listed && p->models_unknown);
	assert_false(p->tags_known);
	assert_int_equal(p->n_model_arns, 2);
	c = observed_profile_dup(p);
	assert_true(c->listed && c->models_unknown);
	assert_false(c->in_arena || c->tags_in_arena || c->tags_known);
	assert_int_equal(c->n_model_arns, 2);
	assert_ptr_equal(c->model_arns[1], p->model_arns[1]);
	observed_profile_free(c);
	observed_store_release(&st);
}

/* The narrowed fields give back what was put, at their limits: a profile's creation
 * time (seconds, 32 bits), its models' count beside its flags, a parameter's version
 * (48 bits) beside its flags and its date (an own write's below 0); a listed entry and
 * an own write (its copy) alike. */
static void test_entries_round_trip(void **state)
{
	static const int64_t versions[] = { 0, 1, 2, 65536, ((int64_t)1 << 32) + 1, OBSERVED_PARAMETER_MAX_VERSION };
	struct observed_store st;
	struct observed_profile *p, *c;
	struct observed_parameter *q, *d;

	(void)state;
	assert_int_equal(observed_profile_created_at(-5), 0);
	assert_int_equal(observed_profile_created_at(0), 0);
	assert_int_equal(observed_profile_created_at(1700000000), 1700000000);
	assert_int_equal(observed_profile_created_at(UINT32_MAX), UINT32_MAX);
	assert_int_equal(observed_profile_created_at((int64_t)UINT32_MAX + 1), UINT32_MAX);
	assert_int_equal(observed_parameter_version(-1), 0);
	assert_int_equal(observed_parameter_version(INT64_MAX), OBSERVED_PARAMETER_MAX_VERSION);
	observed_store_init(&st);
	/* a listed profile, its models not known (created, not read back yet) */
	p = observed_store_new_profile(&st, "arn:aws:bedrock:us-east-1:1:application-inference-profile/x", "n", 0);
	p->models_unknown = p->listed = p->tags_known = true;
	p->created_at = UINT32_MAX;
	observed_store_put_profile(&st, p);
	assert_true(p->models_unknown && p->listed && p->tags_known && p->in_arena);
	assert_int_equal(p->n_model_arns, 0);
	assert_int_equal(p->created_at, UINT32_MAX);
	assert_string_equal(observed_profile_id(p), "x");
	c = observed_profile_dup(p); /* an own write's copy */
	assert_true(c->models_unknown && c->listed && c->tags_known);
	assert_false(c->in_arena || c->models_in_list);
	assert_int_equal(c->created_at, UINT32_MAX);
	assert_string_equal(observed_profile_id(c), "x");
	c->listed = false;
	c->models_unknown = false;
	c->n_model_arns = OBSERVED_PROFILE_MAX_MODELS; /* the count's widest, flags apart */
	assert_int_equal(c->n_model_arns, OBSERVED_PROFILE_MAX_MODELS);
	assert_true(c->tags_known && !c->listed && !c->models_unknown && !c->in_arena);
	c->n_model_arns = 0;
	observed_profile_free(c);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "/t%zu/p", i);
		q = observed_store_new_parameter(&st, name, "");
		q->version = versions[i];
		q->modified_ms = i % 2 ? -1765000000123 : 1765000000123; /* an own write's, a listing's */
		q->tags_known = i % 2;
		observed_store_put_parameter(&st, q);
		assert_int_equal(q->version, versions[i]);
		assert_true(q->in_arena);
		assert_int_equal(q->tags_known, i % 2);
		d = observed_parameter_dup(q);
		assert_int_equal(d->version, versions[i]);
		assert_int_equal(d->modified_ms, q->modified_ms);
		assert_int_equal(d->tags_known, i % 2);
		assert_false(d->in_arena || d->tags_in_arena);
		assert_string_equal(d->value, "");
		observed_parameter_free(d);
	}
	observed_store_release(&st);
}

static void test_listing_entries_in_an_arena(void **state)
{
	struct observed_store st;
	struct observed_profile *p, *c;
	struct observed_parameter *q;
	unsigned steps = 0;

	(void)state;
	observed_store_init(&st);
	fill_listing(&st, 500);
	assert_non_null(st.arena);
	/* 1,000 entries with their strings: a few blocks, not thousands of chunks */
	assert_true(arena_bytes(st.arena) < 500 * 1024);
	p = observed_store_profile_by_name(&st, "t7-chat-aaaaaa");
	assert_non_null(p);
	assert_true(p->in_arena);
	assert_int_equal(observed_store_group(&st, "t7")->n_profiles, 1);
	assert_int_equal(observed_store_group(&st, "t7")->n_parameters, 1);

	/* a write replaces an arena entry with one of its own, a copy is its own */
	c = observed_profile_dup(p);
	assert_false(c->in_arena);
	tag_set_put(&c->tags, "Team", "x");
	observed_store_put_profile(&st, c);
	assert_ptr_equal(observed_store_profile_by_name(&st, "t7-chat-aaaaaa"), c);
	q = observed_parameter_dup(observed_store_parameter(&st, "/bedrock-tenantd/t8/chat"));
	free(q->value);
	q->value = xstrdup("changed");
	observed_store_put_parameter(&st, q);
	assert_true(observed_store_remove_profile(&st, observed_store_profile_by_name(&st, "t9-chat-aaaaaa")->arn));
	assert_true(observed_store_remove_parameter(&st, "/bedrock-tenantd/t9/chat"));
	observed_store_release(&st);
	assert_null(st.arena);

	/* in steps, as the engine frees a replaced store */
	observed_store_init(&st);
	fill_listing(&st, 50);
	while (!observed_store_release_step(&st, 7))
		steps++;
	assert_true(steps >= 10);
	assert_null(st.arena);
}

/* A listing's tenant groups live in the store's arena (128 bytes, not a 144-byte
 * malloc chunk), a write's own in a chunk of their own: each indexes, grows past its
 * inline slots, empties, opens again and moves its generation on as before; released
 * at once or in steps, nothing leaks and nothing is freed twice (ASan). */
static void test_listing_groups_in_the_arena(void **state)
{
	struct observed_store st;
	const struct observed_group *g;
	struct observed_profile *c;
	uint64_t gen;
	unsigned steps = 0;

	(void)state;
	observed_store_init(&st);
	fill_listing(&st, 20);
	g = observed_store_group(&st, "t3");
	assert_non_null(g);
	assert_true(g->in_arena);
	assert_int_equal(g->n_profiles, 1);
	assert_int_equal(g->n_parameters, 1);
	gen = observed_store_tenant_gen(&st, "t3");
	assert_true(gen > 0);
	assert_int_equal(g->gen, gen);

	/* an arena group grows past its inline slots: its arrays move out, it stays */
	for (int i = 0; i < 8; i++) {
		char *name = xasprintf("/bedrock-tenantd/t3/extra-%d", i);
		struct observed_parameter *q = observed_store_new_parameter(&st, name, "v");
		tag_set_put(&q->tags, TAG_TENANT, "t3");
		q->tags_known = true;
		observed_store_put_parameter(&st, q);
		free(name);
	}
	assert_ptr_equal(observed_store_group(&st, "t3"), g);
	assert_int_equal(g->n_parameters, 9);
	assert_string_equal(g->parameters[8]->name, "/bedrock-tenantd/t3/extra-7");
	assert_true(observed_store_tenant_gen(&st, "t3") > gen);

	/* emptied, an arena group leaves the index; a write's entry opens one anew,
	 * outside the arena, with a later generation */
	c = observed_profile_dup(observed_store_profile_by_name(&st, "t9-chat-aaaaaa"));
	gen = observed_store_tenant_gen(&st, "t9");
	assert_true(observed_store_remove_profile(&st, c->arn));
	assert_true(observed_store_remove_parameter(&st, "/bedrock-tenantd/t9/chat"));
	assert_null(observed_store_group(&st, "t9"));
	assert_int_equal(observed_store_tenant_gen(&st, "t9"), 0);
	observed_store_put_profile(&st, c);
	g = observed_store_group(&st, "t9");
	assert_non_null(g);
	assert_false(g->in_arena);
	assert_ptr_equal(g->profiles[0], c);
	assert_true(observed_store_tenant_gen(&st, "t9") > gen);
	/* a listing's entry joins a write's group, and the other way round */
	assert_true(observed_store_group(&st, "t4")->in_arena);
	c = observed_profile_dup(observed_store_profile_by_name(&st, "t4-chat-aaaaaa"));
	free(c->arn);
	c->arn = xstrdup("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/own");
	free(c->name);
	c->name = xstrdup("t4-own-aaaaaa");
	observed_store_put_profile(&st, c);
	assert_int_equal(observed_store_group(&st, "t4")->n_profiles, 2);
	observed_store_release(&st);
	assert_null(st.arena);

	/* in steps, with groups of both kinds */
	observed_store_init(&st);
	fill_listing(&st, 30);
	c = observed_profile_dup(observed_store_profile_by_name(&st, "t5-chat-aaaaaa"));
	tag_set_put(&c->tags, TAG_TENANT, "own");
	observed_store_put_profile(&st, c);
	assert_false(observed_store_group(&st, "own")->in_arena);
	assert_int_equal(observed_store_group(&st, "t5")->n_profiles, 0); /* its parameter stays */
	assert_int_equal(observed_store_group(&st, "t5")->n_parameters, 1);
	while (!observed_store_release_step(&st, 7))
		steps++;
	assert_true(steps >= 5);
	assert_null(st.arena);
}

/* A listing's budgets live in the store's arena, their constant strings interned (the
 * same unit, time unit, type and metric in every budget): found, indexed by tenant,
 * their actions added in place after the put (as the enforcement listing does),
 * replaced by a write's own entry, copied and released, nothing leaked nor freed
 * twice (ASan). */
static struct observed_budget *listing_budget(struct observed_store *st, const char *tenant)
{
	char *name = xasprintf("%s-budget", tenant);
	char *filter = xasprintf("{\"Tags\":{\"Key\":\"tenant\",\"Values\":[\"%s\"]}}", tenant);
	struct observed_budget *b = observed_store_new_budget(st, name);

	observed_budget_set(st, b, "100.0", "USD", "MONTHLY", "COST", filter, "UnblendedCost", "1.5", NULL);
	tag_set_put(&b->tags, TAG_TENANT, tenant);
	tag_set_put(&b->tags, TAG_MANAGED_BY, FIX_INSTANCE);
	b->tags_known = b->listed = true;
	free(name);
	free(filter);
	return b;
}

/* A tenant's group holds its arrays in its own allocation while they fit (two
 * profiles, their parameters and a budget: OBSERVED_GROUP_INLINE slots), then in one
 * region of their own; every entry found in order through both, removals and a
 * release (ASan: nothing freed twice, nothing leaked). */
static void test_group_arrays_inline(void **state)
{
	struct observed_store st;
	const struct observed_group *g;
	const char *lo, *hi;
	char arn[32], name[32];

	(void)state;
	observed_store_init(&st);
	for (int i = 0; i < 2; i++) {
		struct observed_profile *p;
		struct observed_parameter *q;
		snprintf(arn, sizeof(arn), "arn:x/%d", i);
		snprintf(name, sizeof(name), "/p/%d", i);
		p = observed_store_new_profile(&st, arn, arn + 4, 0);
		tag_set_put(&p->tags, TAG_TENANT, "t1");
		p->tags_known = true;
		observed_store_put_profile(&st, p);
		q = observed_store_new_parameter(&st, name, arn);
		tag_set_put(&q->tags, TAG_TENANT, "t1");
		q->tags_known = true;
		observed_store_put_parameter(&st, q);
	}
	observed_store_put_budget(&st, listing_budget(&st, "t1"));
	g = observed_store_group(&st, "t1");
	assert_int_equal(g->n_profiles + g->n_parameters + g->n_budgets, OBSERVED_GROUP_INLINE - 1);
	lo = (const char *)g;
	hi = lo + sizeof(*g) + OBSERVED_GROUP_INLINE * sizeof(void *);
	assert_true((const char *)g->profiles >= lo && (const char *)(g->budgets + g->n_budgets) <= hi);
	assert_string_equal(g->profiles[1]->arn, "arn:x/1");
	assert_string_equal(g->parameters[0]->name, "/p/0");
	assert_string_equal(g->budgets[0]->name, "t1-budget");
	for (int i = 2; i < 5; i++) { /* past the inline slots */
		struct observed_parameter *q;
		snprintf(name, sizeof(name), "/p/%d", i);
		q = observed_store_new_parameter(&st, name, "v");
		tag_set_put(&q->tags, TAG_TENANT, "t1");
		q->tags_known = true;
		observed_store_put_parameter(&st, q);
	}
	g = observed_store_group(&st, "t1");
	assert_int_equal(g->n_parameters, 5);
	assert_false((const char *)g->parameters >= (const char *)g &&
		     (const char *)g->parameters <
			     (const char *)g + sizeof(*g) + OBSERVED_GROUP_INLINE * sizeof(void *));
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "/p/%d", i);
		assert_string_equal(g->parameters[i]->name, name);
	}
	assert_string_equal(g->profiles[0]->arn, "arn:x/0");
	assert_string_equal(g->profiles[1]->arn, "arn:x/1");
	assert_string_equal(g->budgets[0]->name, "t1-budget");
	assert_true(observed_store_remove_parameter(&st, "/p/3"));
	assert_true(observed_store_remove_profile(&st, "arn:x/0"));
	g = observed_store_group(&st, "t1");
	assert_int_equal(g->n_parameters, 4);
	assert_int_equal(g->n_profiles, 1);
	assert_string_equal(g->profiles[0]->arn, "arn:x/1");
	observed_store_release(&st);
}

/* A budget's flags share a word (bit-fields): each one set alone stays alone, in the
 * entry and in a copy; the counts go with them. */
static void test_budget_flags_apart(void **state)
{
	(void)state;
	for (unsigned f = 0; f < 5; f++) {
		struct observed_budget *b = xcalloc(1, sizeof(*b)), *c;
		b->name = xstrdup("t1-budget");
		b->cost_filters = f == 0;
		b->tags_known = f == 1;
		b->listed = f == 2;
		b->alerts_known = f == 3;
		b->alerts_audit = f == 4;
		b->n_actions = 0;
		b->n_alerts = 0;
		for (unsigned k = 0; k < 2; k++) {
			c = k ? observed_budget_dup(b) : b;
			assert_int_equal(c->cost_filters, f == 0);
			assert_int_equal(c->tags_known, f == 1);
			assert_int_equal(c->listed, f == 2);
			assert_int_equal(c->alerts_known, f == 3);
			assert_int_equal(c->alerts_audit, f == 4);
			assert_false(c->filter_is_tenant || c->in_arena || c->tags_in_arena || c->alerts_in_arena);
			assert_int_equal(c->n_alerts, 0);
			assert_int_equal(c->n_actions, 0);
			if (k)
				observed_budget_free(c);
		}
		observed_budget_free(b);
	}
}

/* A budget's limit and two spend figures, held in one string: each given back as set,
 * in an arena or not, any absent, empty or long, through copies and replacements (the
 * budget's own figures among the new ones). */
static void assert_amounts(const struct observed_budget *b, const char *const want[3])
{
	const char *got[3] = { observed_budget_limit_amount(b), observed_budget_actual_spend(b),
			       observed_budget_forecasted_spend(b) };

	for (int k = 0; k < 3; k++) {
		if (want[k])
			assert_string_equal(got[k], want[k]);
		else
			assert_null(got[k]);
	}
}

static void test_budget_amounts(void **state)
{
	const char *cases[][3] = {
		{ "100.0", "12.34", "56.78" },
		{ NULL, NULL, NULL },
		{ "100", NULL, NULL },
		{ NULL, "0", NULL },
		{ NULL, NULL, "7.5" },
		{ "", "", "" },
		{ "1", "", NULL },
		{ "", NULL, "" },
		{ "99999999999999999999.999999", "123456789012.1234567890", "1e-7" },
	};
	struct observed_store st;

	(void)state;
	observed_store_init(&st);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *want = cases[i];
		const char *changed[3];
		char name[32];
		struct observed_budget *b, *c;
		snprintf(name, sizeof(name), "b%zu", i);
		b = observed_store_new_budget(&st, name);
		observed_budget_set(&st, b, want[0], "USD", "MONTHLY", "COST", NULL, NULL, want[1], want[2]);
		observed_store_put_budget(&st, b);
		c = observed_budget_dup(b);
		assert_amounts(b, want);
		assert_amounts(c, want);
		assert_true(b->amounts == NULL || b->amounts != c->amounts);
		/* one replaced, the others kept from the budget's own string */
		for (int k = 0; k < 3; k++) {
			memcpy(changed, want, sizeof(changed));
			changed[k] = "42.5";
			observed_budget_put_amounts(c, k == 0 ? "42.5" : observed_budget_limit_amount(c),
						    k == 1 ? "42.5" : observed_budget_actual_spend(c),
						    k == 2 ? "42.5" : observed_budget_forecasted_spend(c));
			assert_amounts(c, changed);
			observed_budget_put_amounts(c, want[0], want[1], want[2]);
			assert_amounts(c, want);
		}
		observed_budget_put_amounts(c, NULL, NULL, NULL);
		assert_null(c->amounts);
		assert_amounts(c, (const char *const[3]){ NULL, NULL, NULL });
		observed_budget_free(c);
	}
	observed_store_release(&st);
}

static void test_listing_budgets_in_an_arena(void **state)
{
	struct observed_store st;
	struct observed_budget *a, *b, *c;
	size_t before;
	unsigned steps = 0;

	(void)state;
	observed_store_init(&st);
	a = listing_budget(&st, "t1");
	b = listing_budget(&st, "t2");
	assert_true(a->in_arena);
	assert_ptr_equal(a->limit_unit, b->limit_unit);
	assert_ptr_equal(a->time_unit, b->time_unit);
	assert_ptr_equal(a->budget_type, b->budget_type);
	assert_ptr_equal(a->metric, b->metric);
	assert_string_equal(observed_budget_actual_spend(a), "1.5");
	assert_null(observed_budget_forecasted_spend(a));
	assert_false(a->filter_is_tenant); /* not the daemon's own filter: kept as its text */
	assert_string_equal(a->filter_expression, "{\"Tags\":{\"Key\":\"tenant\",\"Values\":[\"t1\"]}}");
	observed_store_put_budget(&st, a);
	observed_store_put_budget(&st, b);
	assert_true(a->tags_in_arena);
	assert_ptr_equal(observed_store_budget(&st, "t1-budget"), a);
	assert_ptr_equal(observed_store_group(&st, "t2")->budgets[0], b);
	/* the enforcement listing completes a stored budget in place */
	a->actions = xcalloc(1, sizeof(*a->actions));
	a->n_actions = 1;
	a->actions[0].id = xstrdup("action-1");
	a->actions[0].policy_arn = xstrdup("");
	/* a budget per tenant, a few blocks for them all */
	before = arena_bytes(st.arena);
	for (int i = 3; i < 503; i++) {
		char *t = xasprintf("t%d", i);
		observed_store_put_budget(&st, listing_budget(&st, t));
		free(t);
	}
	/* each opened its tenant's group in the arena too: counted apart, exactly */
	assert_true(arena_bytes(st.arena) - before -
			    500 * (sizeof(struct observed_group) + OBSERVED_GROUP_INLINE * sizeof(void *)) <
		    500 * 400);

	/* a write's own copy replaces it; a copy outlives the store */
	c = observed_budget_dup(a);
	assert_false(c->in_arena);
	assert_int_equal(c->n_actions, 1);
	observed_budget_put_amounts(c, "200.0", observed_budget_actual_spend(c), observed_budget_forecasted_spend(c));
	observed_store_put_budget(&st, c);
	c = observed_budget_dup(b);
	assert_true(observed_store_remove_budget(&st, "t3-budget"));
	observed_store_release(&st);
	assert_null(st.arena);
	assert_string_equal(c->metric, "UnblendedCost");
	assert_string_equal(tag_set_get(&c->tags, TAG_TENANT), "t2");
	observed_budget_free(c);

	/* in steps, as the engine frees a replaced store */
	observed_store_init(&st);
	for (int i = 0; i < 50; i++) {
		char *t = xasprintf("t%d", i);
		observed_store_put_budget(&st, listing_budget(&st, t));
		free(t);
	}
	while (!observed_store_release_step(&st, 7))
		steps++;
	assert_true(steps >= 7);
	assert_null(st.arena);
}

/* A bulk read's policies live in the store's policies arena (key, name and role
 * one string there), and go with it to the next listing that has no bulk read of its own:
 * the store they came from released, they are whole (ASan), whether the next listing
 * had none (the map changes hands) or some of its own (merged). */
static void fill_policies(struct observed_store *st, int from, int to)
{
	for (int i = from; i < to; i++) {
		char *role = xasprintf("tenant-t%d", i), *hash = xasprintf("hash%d", i);
		observed_store_put_role(st, role);
		observed_store_put_policy(st, observed_store_new_policy(st, role, "bedrock-tenant", hash, 100));
		free(role);
		free(hash);
	}
	st->policies_listed = true;
}

static void test_listing_policies_go_with_their_arena(void **state)
{
	struct observed_store prev, next, third;
	const struct observed_policy *p, *q;
	struct observed_policy *own;
	size_t others;

	(void)state;
	observed_store_init(&prev);
	fill_policies(&prev, 0, 300);
	p = observed_store_policy(&prev, "tenant-t1", "bedrock-tenant");
	q = observed_store_policy(&prev, "tenant-t2", "bedrock-tenant");
	assert_true(p->in_arena);
	assert_string_equal(p->name, "bedrock-tenant");
	assert_string_equal(q->name, "bedrock-tenant");
	assert_string_equal(p->key, "tenant-t1\nbedrock-tenant");
	assert_ptr_equal(p->name, p->key + strlen("tenant-t1\n")); /* the key's tail */
	assert_string_equal(hash_of(p), "hash1");
	assert_true(observed_store_role_other_policy_chars(&prev, "tenant-t1", "other", &others));
	assert_int_equal(others, 100);
	observed_store_policy_digest_only(&prev, "tenant-t1", "bedrock-tenant");

	/* the map changes hands */
	observed_store_init(&next);
	observed_store_take_policies(&next, &prev);
	observed_store_release(&prev);
	p = observed_store_policy(&next, "tenant-t299", "bedrock-tenant");
	assert_non_null(p);
	assert_string_equal(role_of(p), "tenant-t299");
	assert_string_equal(hash_of(p), "hash299");

	/* merged into a listing holding a write's own policy and another bulk read's */
	observed_store_init(&third);
	fill_policies(&third, 1000, 1010);
	own = xcalloc(1, sizeof(*own));
	own->role = xstrdup("tenant-t5");
	own->name = xstrdup("bedrock-tenant");
	own->document = xstrdup("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	observed_store_put_policy(&third, own);
	observed_store_take_policies(&third, &next);
	observed_store_release(&next);
	assert_null(next.policies_arena);
	assert_string_equal(hash_of(observed_store_policy(&third, "tenant-t7", "bedrock-tenant")), "hash7");
	assert_string_equal(hash_of(observed_store_policy(&third, "tenant-t1005", "bedrock-tenant")), "hash1005");
	observed_store_remove_policy(&third, "tenant-t8", "bedrock-tenant");
	assert_null(observed_store_policy(&third, "tenant-t8", "bedrock-tenant"));
	observed_store_release(&third);
	assert_null(third.policies_arena);
}

/* A policy's hash is kept as policy_hash's 16 bytes when it has that form (32
 * lower-case hex digits: every digest the daemon computes), as text otherwise (upper
 * case, another length, another character: a test's "h1"); either reads back as it
 * was given, from a bulk read's entry (observed_store_new_policy), a policy of its
 * own (observed_policy_set_hash) and their copies, and gives the same digest of the
 * policy (the carry compares a listing's entries with a write's). 80 bytes on a
 * 64-bit build: the hash within, not a pointer to its 33 bytes of text. */
static void test_policy_hash_packed(void **state)
{
	static const char *const texts[] = {
		"0123456789abcdef0123456789abcdef",  /* packed */
		"0123456789ABCDEF0123456789ABCDEF",  /* upper case: as text */
		"0123456789abcdef0123456789abcde",   /* 31 digits */
		"0123456789abcdef0123456789abcdef0", /* 33 */
		"0123456789abcdeg0123456789abcdef",  /* not hex */
		"h1",
		"",
	};
	struct observed_store st;
	char doc_hash[POLICY_HASH_TEXT];

	(void)state;
	if (sizeof(void *) == 8)
		assert_int_equal(sizeof(struct observed_policy), 80);
	observed_store_init(&st);
	observed_store_put_role(&st, "App-Role");
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char name[16];
		struct observed_policy *own = xcalloc(1, sizeof(*own)), *copy;
		const struct observed_policy *bulk;
		snprintf(name, sizeof(name), "p%zu", i);
		observed_store_put_policy(&st, observed_store_new_policy(&st, "App-Role", name, texts[i], 7));
		bulk = observed_store_policy(&st, "app-role", name);
		assert_int_equal(bulk->hash_packed, i == 0);
		assert_true(observed_policy_exists(bulk));
		assert_string_equal(hash_of(bulk), texts[i]);
		assert_true(observed_policy_hash_is(bulk, texts[i]));
		assert_false(observed_policy_hash_is(bulk, "0123456789abcdef0123456789abcdee"));
		for (size_t j = 0; j < sizeof(texts) / sizeof(texts[0]); j++) /* a prefix, upper case: not it */
			assert_int_equal(observed_policy_hash_is(bulk, texts[j]), i == j);
		assert_string_equal(role_of(bulk), "App-Role");
		assert_string_equal(bulk->name, name);

		own->role = xstrdup("App-Role");
		own->name = xstrdup(name);
		own->chars = 7;
		observed_policy_set_hash(own, xstrdup("h0")); /* replaced: freed (ASan) */
		observed_policy_set_hash(own, xstrdup(texts[i]));
		assert_int_equal(own->hash_packed, i == 0);
		assert_string_equal(hash_of(own), texts[i]);
		assert_true(content_digest_equal(observed_policy_digest(own), observed_policy_digest(bulk)));
		copy = observed_policy_dup(bulk);
		assert_string_equal(hash_of(copy), texts[i]);
		assert_true(content_digest_equal(observed_policy_digest(copy), observed_policy_digest(bulk)));
		observed_policy_free(copy);
		copy = observed_policy_dup(own);
		assert_string_equal(hash_of(copy), texts[i]);
		observed_policy_free(copy);
		observed_policy_set_hash(own, NULL); /* no such policy */
		assert_false(observed_policy_exists(own));
		assert_null(hash_of(own));
		assert_false(observed_policy_hash_is(own, texts[i]));
		observed_policy_free(own);
	}
	/* a document put without a hash is given policy_hash's, packed */
	{
		struct observed_policy *own = xcalloc(1, sizeof(*own));
		char *h = policy_hash("{}");
		own->role = xstrdup("r");
		own->name = xstrdup("n");
		own->document = xstrdup("{}");
		observed_store_put_policy(&st, own);
		assert_true(own->hash_packed);
		assert_string_equal(observed_policy_hash(own, doc_hash), h);
		assert_true(observed_policy_same(own, "{}", h));
		free(h);
	}
	assert_null(hash_of(NULL));
	observed_store_release(&st);
}

/* A bulk read's entry keeps its role apart only when the key's head is not it: a role
 * written in lower case (most) is read back from the key, one of another case, with a
 * new line, or longer than a role key is kept as written; each reads back, copies
 * and digests as a policy of its own with that role. */
static void test_policy_role_as_key_head(void **state)
{
	char role64[65], role129[130];
	const char *roles[] = { "app-role", "App-Role", "app\nrole", role64, role129, "" };
	bool apart[] = { false, true, true, false, true, false };
	struct observed_store st;

	(void)state;
	memset(role64, 'r', 64);
	role64[64] = '\0';
	memset(role129, 'r', 129);
	role129[129] = '\0';
	observed_store_init(&st);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		const struct observed_policy *bulk;
		struct observed_policy *own = xcalloc(1, sizeof(*own)), *copy;
		observed_store_put_role(&st, roles[i]);
		observed_store_put_policy(&st, observed_store_new_policy(&st, roles[i], "pol", "h1", 3));
		bulk = observed_store_policy(&st, roles[i], "pol");
		assert_non_null(bulk);
		assert_int_equal(bulk->role != NULL, apart[i]);
		assert_string_equal(role_of(bulk), roles[i]);
		assert_string_equal(hash_of(bulk), "h1");
		assert_int_equal(observed_store_role(&st, roles[i])->policy_chars, 3);
		own->role = xstrdup(roles[i]);
		own->name = xstrdup("pol");
		own->chars = 3;
		observed_policy_set_hash(own, xstrdup("h1"));
		assert_true(content_digest_equal(observed_policy_digest(own), observed_policy_digest(bulk)));
		copy = observed_policy_dup(bulk);
		assert_string_equal(copy->role, roles[i]);
		observed_policy_free(copy);
		observed_policy_free(own);
	}
	observed_store_release(&st);
}

/* A bulk read's entry holds its key, name and role in one string of the arena (a
 * hash such as "h1" after them): the role as IAM wrote it (the key in lower case, so any spelling finds it), IAM's
 * longest names, odd characters, an empty name, no hash (no such policy); each found
 * by role and name, replaced and removed as any policy, and carried to the next
 * listing whole (ASan). */
static void test_listing_policy_one_string(void **state)
{
	struct observed_store st, next;
	const struct observed_policy *p;
	char role64[65], name128[129], key[256];
	size_t others;

	(void)state;
	memset(role64, 'R', 64);
	role64[64] = '\0';
	memset(name128, 'n', 128);
	name128[127] = '+';
	name128[128] = '\0';
	observed_store_init(&st);
	observed_store_put_role(&st, "App-Role");
	observed_store_put_role(&st, role64);
	observed_store_put_policy(&st, observed_store_new_policy(&st, "App-Role", "Pol_1.=,@-", "h1", 10));
	observed_store_put_policy(&st, observed_store_new_policy(&st, "App-Role", "", "h2", 20));
	observed_store_put_policy(&st, observed_store_new_policy(&st, role64, name128, "h3", 30));
	observed_store_put_policy(&st, observed_store_new_policy(&st, "app-role", "gone", NULL, 0));
	st.policies_listed = true;
	p = observed_store_new_policy(&st, "app-role", "huge", "h5", SIZE_MAX); /* not put */
	assert_int_equal(p->chars, UINT32_MAX);					/* the size in 32 bits saturates */
	observed_policy_free((struct observed_policy *)p);

	p = observed_store_policy(&st, "aPP-rOLE", "Pol_1.=,@-");
	assert_non_null(p);
	assert_string_equal(role_of(p), "App-Role"); /* as written */
	assert_string_equal(p->name, "Pol_1.=,@-");
	assert_string_equal(p->key, "app-role\nPol_1.=,@-");
	assert_string_equal(hash_of(p), "h1");
	assert_int_equal(p->chars, 10);
	assert_null(observed_store_policy(&st, "App-Role", "pol_1.=,@-")); /* a policy's name is exact */
	p = observed_store_policy(&st, "app-role", "");
	assert_non_null(p);
	assert_string_equal(p->name, "");
	assert_string_equal(hash_of(p), "h2");
	p = observed_store_policy(&st, role64, name128);
	assert_non_null(p);
	assert_string_equal(role_of(p), role64);
	assert_string_equal(p->name, name128);
	for (int i = 0; i < 64; i++)
		key[i] = 'r';
	snprintf(key + 64, sizeof(key) - 64, "\n%s", name128);
	assert_string_equal(p->key, key);
	assert_string_equal(hash_of(p), "h3");
	assert_memory_equal(observed_store_role(&st, role64)->name, key, 64); /* in lower case, within */
	assert_int_equal(strlen(observed_store_role(&st, role64)->name), 64);
	assert_int_equal(observed_store_role(&st, role64)->policy_chars, 30);
	p = observed_store_policy(&st, "App-Role", "gone");
	assert_non_null(p);
	assert_false(observed_policy_exists(p));
	assert_int_equal(p->chars, 0);
	assert_true(observed_store_role_other_policy_chars(&st, "APP-ROLE", "", &others));
	assert_int_equal(others, 10);

	/* replaced by a policy of its own (another spelling of the role), then removed */
	observed_store_put_policy(&st, observed_store_new_policy(&st, "APP-ROLE", "Pol_1.=,@-", "h4", 15));
	p = observed_store_policy(&st, "app-role", "Pol_1.=,@-");
	assert_string_equal(role_of(p), "APP-ROLE");
	assert_string_equal(hash_of(p), "h4");
	assert_int_equal(st.policies.n, 4);
	assert_true(observed_store_role_other_policy_chars(&st, "App-Role", "", &others));
	assert_int_equal(others, 15);
	observed_store_remove_policy(&st, "App-role", "");
	assert_null(observed_store_policy(&st, "App-Role", ""));
	assert_int_equal(st.policies.n, 3);

	observed_store_init(&next);
	observed_store_take_policies(&next, &st);
	observed_store_release(&st);
	assert_string_equal(hash_of(observed_store_policy(&next, role64, name128)), "h3");
	assert_string_equal(hash_of(observed_store_policy(&next, "app-role", "Pol_1.=,@-")), "h4");
	observed_store_release(&next);
}

/* An alert as the diff's create carries it (every string malloc'd). */
static void make_alert(struct observed_alert *al, const char *type, double threshold, const char *subscriber)
{
	memset(al, 0, sizeof(*al));
	al->type = xstrdup(type);
	al->comparison = xstrdup("GREATER_THAN");
	al->threshold = threshold;
	al->threshold_type = xstrdup("PERCENTAGE");
	al->subscribers = xcalloc(1, sizeof(char *));
	al->subscribers[0] = xstrdup(subscriber);
	al->n_subscribers = 1;
}

/* A budget the daemon created keeps its alerts in the store's arena: the constant
 * strings one interned copy for every budget, the subscribers copied; a change of the
 * alerts goes to a copy of its own (malloc'd), and the entry stays whole until the
 * store goes (ASan: nothing of the arena freed alone, no interned reference lost).
 * A budget 144 bytes, 100,000 of them (the flags in one word). */
static void test_own_budget_alerts_in_the_arena(void **state)
{
	struct sim s;
	struct action a;
	struct observed_alert alerts[2];
	const struct observed_budget *b1, *b2, *b;
	struct observed_budget *c;
	const char *actual;

	(void)state;
	assert_true(sizeof(struct observed_budget) <= 144);
	sim_init(&s, "acme");
	memset(&a, 0, sizeof(a));
	tag_set_init(&a.tags);
	tag_set_put(&a.tags, TAG_TENANT, "acme");
	make_alert(&alerts[0], "ACTUAL", 80, "EMAIL:owner@example.com");
	make_alert(&alerts[1], "FORECASTED", 100, "SNS:arn:aws:sns:us-east-1:1:alerts");
	a.kind = ACT_BUDGET_CREATE;
	a.limit = "100";
	a.time_unit = "MONTHLY";
	a.filter = "{}";
	a.value = "digest";
	a.alerts = alerts;
	a.n_alerts = 2;
	a.budget = "acme";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme"), 0);
	a.budget = "acme-2";
	a.n_alerts = 1;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme-2"), 0);
	b1 = observed_store_budget(&s.store, "acme");
	b2 = observed_store_budget(&s.store, "acme-2");
	assert_true(b1->alerts_in_arena && b2->alerts_in_arena && b1->alerts_known);
	assert_int_equal(b1->n_alerts, 2);
	assert_int_equal(b2->n_alerts, 1);
	actual = intern("ACTUAL");
	assert_ptr_equal(b1->alerts[0].type, actual);
	assert_ptr_equal(b2->alerts[0].type, actual);
	intern_unref(actual);
	assert_ptr_equal(b1->alerts[0].comparison, b2->alerts[0].comparison);
	assert_ptr_equal(b1->alerts[1].threshold_type, b2->alerts[0].threshold_type);
	assert_string_equal(b1->alerts[1].type, "FORECASTED");
	assert_true(b1->alerts[1].threshold == 100);
	assert_int_equal(b1->alerts[1].n_subscribers, 1);
	assert_string_equal(b1->alerts[1].subscribers[0], "SNS:arn:aws:sns:us-east-1:1:alerts");
	assert_ptr_not_equal(b1->alerts[0].subscribers[0], alerts[0].subscribers[0]); /* a copy */
	for (size_t i = 0; i < 2; i++)
		observed_alert_release(&alerts[i]);

	/* a copy is the write's own: every string malloc'd */
	c = observed_budget_dup(b1);
	assert_false(c->alerts_in_arena || c->in_arena);
	assert_int_equal(c->n_alerts, 2);
	assert_string_equal(c->alerts[0].subscribers[0], "EMAIL:owner@example.com");
	observed_budget_free(c);

	/* the alerts changed: the budget is replaced by a changed copy */
	tag_set_release(&a.tags);
	memset(&a, 0, sizeof(a));
	make_alert(&alerts[0], "ACTUAL", 80, "EMAIL:owner@example.com");
	a.kind = ACT_SUBSCRIBER_CREATE;
	a.budget = "acme";
	a.alerts = alerts;
	a.n_alerts = 1;
	a.subscriber = "EMAIL:finance@example.com";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme"), 0);
	b = observed_store_budget(&s.store, "acme");
	assert_false(b->alerts_in_arena);
	assert_int_equal(b->alerts[0].n_subscribers, 2);
	assert_string_equal(b->alerts[0].subscribers[0], "EMAIL:finance@example.com");
	assert_string_equal(b->alerts[1].type, "FORECASTED");
	a.kind = ACT_NOTIFICATION_DELETE;
	a.budget = "acme-2";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme-2"), 0);
	assert_int_equal(observed_store_budget(&s.store, "acme-2")->n_alerts, 0);
	observed_alert_release(&alerts[0]);
	sim_release(&s);
}

/* A policy the daemon wrote into a store that read the policies in bulk is an entry
 * of its policies arena, as the read's (key, name and role in the arena);
 * into one without a bulk read (whose policies outlive listings) it is allocated on
 * its own. The same digest, chars and document either way; the document dropped, a
 * rewrite, a removal and the arena's move to the next listing leave it whole (ASan).
 * A policy 80 bytes (the flags and chars in one word, the others apart, the hash packed). */
static void test_own_policy_writes_in_the_policies_arena(void **state)
{
	const char *doc = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	struct observed_store listed, alone, next;
	const struct observed_policy *p, *q;
	struct content_digest d;
	struct action a;
	size_t others;
	char *hash;

	(void)state;
	assert_true(sizeof(struct observed_policy) <= 80);
	observed_store_init(&listed);
	observed_store_init(&alone);
	fill_policies(&listed, 0, 3);
	memset(&a, 0, sizeof(a));
	a.kind = ACT_POLICY_PUT;
	a.role = "tenant-t1";
	a.name = "bedrock-tenant";
	a.value = (char *)doc;
	assert_int_equal(observed_apply_action(&listed, NULL, &a, NULL, NULL), 0);
	assert_int_equal(observed_apply_action(&alone, NULL, &a, NULL, NULL), 0);
	p = observed_store_policy(&listed, "tenant-t1", "bedrock-tenant");
	q = observed_store_policy(&alone, "tenant-t1", "bedrock-tenant");
	assert_true(p->in_arena);
	assert_false(q->in_arena);
	assert_string_equal(p->name, "bedrock-tenant");
	assert_string_equal(p->key, "tenant-t1\nbedrock-tenant");
	assert_string_equal(q->key, "tenant-t1\nbedrock-tenant");
	assert_string_equal(role_of(p), "tenant-t1");
	assert_string_equal(hash_of(p), hash_of(q));
	hash = xstrdup(hash_of(q));
	assert_string_equal(p->document, doc);
	assert_int_equal(p->chars, q->chars);
	assert_true(content_digest_equal(p->digest, q->digest));
	assert_true(observed_store_role_other_policy_chars(&listed, "tenant-t1", "other", &others));
	assert_int_equal(others, p->chars);

	/* the engine keeps the digest only; a rewrite replaces the entry */
	d = p->digest;
	observed_store_policy_digest_only(&listed, "tenant-t1", "bedrock-tenant");
	observed_store_policy_digest_only(&alone, "tenant-t1", "bedrock-tenant");
	p = observed_store_policy(&listed, "tenant-t1", "bedrock-tenant");
	assert_null(p->document);
	assert_false(content_digest_equal(p->digest, d));
	assert_true(
		content_digest_equal(p->digest, observed_store_policy(&alone, "tenant-t1", "bedrock-tenant")->digest));
	assert_int_equal(observed_apply_action(&listed, NULL, &a, NULL, NULL), 0);
	assert_int_equal(observed_apply_action(&alone, NULL, &a, NULL, NULL), 0);
	a.kind = ACT_POLICY_DELETE;
	a.role = "tenant-t2";
	assert_int_equal(observed_apply_action(&listed, NULL, &a, NULL, NULL), 0);
	assert_null(observed_store_policy(&listed, "tenant-t2", "bedrock-tenant"));

	/* the written entries go with the arena to a listing without a bulk read */
	observed_store_init(&next);
	observed_store_take_policies(&next, &listed);
	observed_store_release(&listed);
	assert_false(next.policies_listed);
	a.kind = ACT_POLICY_PUT;
	a.role = "tenant-t0";
	assert_int_equal(observed_apply_action(&next, NULL, &a, NULL, NULL), 0);
	assert_false(observed_store_policy(&next, "tenant-t0", "bedrock-tenant")->in_arena);
	assert_string_equal(hash_of(observed_store_policy(&next, "tenant-t1", "bedrock-tenant")), hash);
	observed_store_release(&next);
	observed_store_release(&alone);
	free(hash);
}

/* A bulk read's roles (one per tenant and role) are entries of the store's arena, not
 * two allocations each; released with it (here in steps, as the engine releases a
 * replaced store), and left in place by the policies' move to the next listing (their
 * arena is another). */
static void test_roles_in_the_arena(void **state)
{
	struct observed_store st, next;
	const struct observed_role *r;
	size_t before, chars;

	(void)state;
	observed_store_init(&st);
	observed_store_put_role(&st, "tenant-t0");
	before = arena_bytes(st.arena);
	fill_policies(&st, 0, 500);
	assert_true(arena_bytes(st.arena) - before < 500 * 64);
	r = observed_store_role(&st, "tenant-t7");
	assert_string_equal(r->name, "tenant-t7");
	assert_int_equal(r->policy_chars, 100);
	observed_store_put_role(&st, "tenant-t7"); /* known: nothing changes */
	assert_ptr_equal(observed_store_role(&st, "tenant-t7"), r);
	observed_store_init(&next);
	observed_store_take_policies(&next, &st);
	assert_ptr_equal(observed_store_role(&st, "tenant-t7"), r);
	assert_true(observed_store_role_other_policy_chars(&st, "tenant-t7", "bedrock-tenant", &chars));
	observed_store_release(&next);
	while (!observed_store_release_step(&st, 50))
		;
	assert_null(st.arena);
}

static void test_arena(void **state)
{
	struct arena *a = arena_new();
	char *big, *s1, *s2;
	uint64_t *n;

	(void)state;
	s1 = arena_strdup(a, "abc");
	n = arena_alloc(a, sizeof(*n));
	assert_int_equal((uintptr_t)n % 8, 0);
	assert_int_equal(*n, 0);
	*n = 42;
	big = arena_alloc(a, 100 * 1024); /* a block of its own */
	memset(big, 'x', 100 * 1024);
	s2 = arena_strdup(a, "def");
	assert_string_equal(s1, "abc");
	assert_string_equal(s2, "def");
	assert_int_equal(*n, 42);
	assert_null(arena_strdup(a, NULL));
	for (int i = 0; i < 10000; i++) /* many blocks */
		assert_non_null(arena_strdup(a, "a string of some length, as ARNs are"));
	assert_true(arena_bytes(a) > 100 * 1024 + 10000 * 40);
	arena_free(a);
	arena_free(NULL);
}

/* An arena holding little holds a small block, not 64 KB: a store of a few tenants'
 * entries (a small place, its policies apart) keeps what it needs; larger ones fill
 * blocks that grow up to 64 KB. */
static void test_arena_small_first(void **state)
{
	struct arena *a = arena_new();
	size_t bytes;

	(void)state;
	assert_string_equal(arena_strdup(a, "one policy's role"), "one policy's role");
	assert_true(arena_bytes(a) < 4096);
	for (int i = 0; i < 20000; i++)
		assert_non_null(arena_alloc(a, 100));
	bytes = arena_bytes(a);
	assert_true(bytes >= 20000 * 100);
	assert_true(bytes < 20000 * 100 + 200 * 1024); /* the blocks' tails and growth, not more */
	assert_non_null(arena_alloc(a, 10000));	       /* under a quarter of the largest block */
	arena_free(a);
}

/* Each block is one allocation of a power of two, its header among it: an allocator's
 * size class (64 KB of data and a header would take jemalloc's 80 KB one). */
static void test_arena_blocks_powers_of_two(void **state)
{
	struct arena *a = arena_new();
	size_t before = arena_bytes(a), blocks = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t now;
		assert_non_null(arena_alloc(a, 40));
		now = arena_bytes(a);
		if (now != before) {
			size_t block = now - before;
			assert_int_equal(block & (block - 1), 0);
			assert_true(block >= 2048 && block <= 64 * 1024);
			blocks++;
		}
		before = now;
	}
	assert_true(blocks > 10); /* the growth, then many of the largest */
	arena_free(a);
}

/* One arena's blocks join another's: what was allocated in either lives until the
 * second is freed (ASan: no leak, no use after free). */
static void test_arena_adopt(void **state)
{
	struct arena *a = arena_new(), *b = arena_new(), *empty = arena_new();
	char *sa = arena_strdup(a, "in a"), *sb = arena_strdup(b, "in b"), *big = arena_alloc(b, 100 * 1024);
	size_t bytes = arena_bytes(a) + arena_bytes(b);

	(void)state;
	memset(big, 'x', 100 * 1024);
	arena_adopt(a, b);
	arena_adopt(a, NULL);
	assert_true(arena_bytes(a) >= bytes - 64);
	assert_string_equal(arena_strdup(a, "after"), "after");
	assert_string_equal(sa, "in a");
	assert_string_equal(sb, "in b");
	assert_int_equal(big[100 * 1024 - 1], 'x');
	arena_adopt(empty, a); /* into an arena with no block yet */
	assert_string_equal(sb, "in b");
	arena_free(empty);
}

static void test_collect_separates_owned_foreign_unknown(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_tenant o;
	struct observed_profile *unknown;

	fix_profile(t, "chat", "m", "aaaaaa");
	fix_profile(t, "batch", "m", "bbbbbb");
	fix_profile(t, "eval", "m", "cccccc");
	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	sim_add_profile(&s, "acme-old-zzzzzz", "acme", "old", FIX_INSTANCE);
	sim_add_profile(&s, "acme-batch-bbbbbb", "acme", "batch", "someone-else");
	unknown = observed_profile_dup(sim_add_profile(&s, "acme-eval-cccccc", NULL, NULL, NULL));
	unknown->tags_known = false;
	observed_store_put_profile(&s.store, unknown);
	sim_add_parameter(&s, "/bedrock-tenants/acme/chat/profile-arn", "x", "acme", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/acme/gone/profile-arn", "y", "acme", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/acme/batch/profile-arn", "z", NULL, NULL);
	sim_add_parameter(&s, "/elsewhere", "w", "acme", "someone-else");

	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
	assert_int_equal(o.n_owned, 2);
	assert_int_equal(o.n_foreign, 1);
	assert_string_equal(o.foreign[0]->name, "acme-batch-bbbbbb");
	assert_int_equal(o.n_unknown, 1);
	assert_int_equal(o.n_parameters, 3); /* two owned, one at a desired name */
	observed_tenant_release(&o);
	tenant_free(t);
	sim_release(&s);
}

/* A desired name that an owned profile of the tenant's group holds is not looked up by
 * name, unless two profiles share the name: then the one the name index holds (here
 * another owner's, stored last) is the tenant's conflict and must be seen. */
static void test_collect_shared_name_is_looked_up(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_tenant o;

	fix_profile(t, "chat", "m", "aaaaaa");
	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/acme/chat/profile-arn", "x", "acme", FIX_INSTANCE);
	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
	assert_int_equal(o.n_owned, 1);
	assert_int_equal(o.n_foreign, 0);
	assert_int_equal(o.n_parameters, 1);
	observed_tenant_release(&o);

	sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", "someone-else");
	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
	assert_int_equal(o.n_owned, 1);
	assert_int_equal(o.n_foreign, 1);
	assert_string_equal(o.foreign[0]->name, "acme-chat-aaaaaa");
	assert_true(o.foreign[0] != o.owned[0]);
	assert_int_equal(o.n_parameters, 1);
	observed_tenant_release(&o);
	tenant_free(t);
	sim_release(&s);
}

static bool knows_only(const void *ctx, const char *id, const struct tenant **ret_desired)
{
	if (ret_desired)
		*ret_desired = NULL;
	return strcmp(ctx, id) == 0;
}

/* A tenant's id is held by a name whole: not inside a longer word, nor inside a longer
 * tenant id known to the store (a group's, or its owner's) at the same place. */
static void test_name_holds_tenant_whole(void **state)
{
	struct sim s;

	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	assert_true(name_holds_tenant(&s.store, "acme-prod-p1-8e5ce6", "acme"));
	assert_true(name_holds_tenant(&s.store, "/bedrock-tenants/acme-prod/p1/profile-arn", "acme"));
	assert_false(name_holds_tenant(&s.store, "acmex-p1-8e5ce6", "acme"));
	assert_false(name_holds_tenant(&s.store, "xacme-p1-8e5ce6", "acme"));
	assert_false(name_holds_tenant(&s.store, "globex-p1-8e5ce6", "acme"));
	assert_false(name_holds_tenant(&s.store, NULL, "acme"));

	/* acme-prod known by its resources here */
	sim_add_profile(&s, "acme-prod-p2-bbbbbb", "acme-prod", "p2", FIX_INSTANCE);
	assert_false(name_holds_tenant(&s.store, "acme-prod-p1-8e5ce6", "acme"));
	assert_false(name_holds_tenant(&s.store, "/bedrock-tenants/acme-prod/p1/profile-arn", "acme"));
	assert_false(name_holds_tenant(&s.store, "bedrock-tenant-acme-prod", "acme"));
	assert_true(name_holds_tenant(&s.store, "bedrock-tenant-acme-prod", "acme-prod"));
	assert_true(name_holds_tenant(&s.store, "acme-prod-p1-8e5ce6", "acme-prod"));
	assert_true(name_holds_tenant(&s.store, "acme-p1-8e5ce6", "acme"));
	assert_true(name_holds_tenant(&s.store, "bedrock-tenant-acme", "acme"));
	/* a later occurrence may hold it whole */
	assert_true(name_holds_tenant(&s.store, "acme-prod/acme/p1", "acme"));

	/* known to the store's owner only (none of its resources here): the same */
	s.store.knows_tenant = knows_only;
	s.store.knows_ctx = "prod-eu";
	assert_true(name_holds_tenant(&s.store, "/t/prod/x", "prod"));
	assert_false(name_holds_tenant(&s.store, "/t/prod-eu/x", "prod"));
	assert_false(name_holds_tenant(&s.store, "bedrock-prod-eu-chat-aaaaaa", "prod"));
	assert_true(name_holds_tenant(&s.store, "bedrock-prod-eu-chat-aaaaaa", "prod-eu"));
	sim_release(&s);
}

static void add_with_spec(struct sim *s, const char *name, const char *tenant, const char *key, const char *spec)
{
	struct observed_profile *p = observed_profile_dup(sim_add_profile(s, name, tenant, key, FIX_INSTANCE));

	tag_set_put(&p->tags, TAG_SPEC, spec);
	observed_store_put_profile(&s->store, p);
}

/* A profile of acme-prod's, retagged by hand as acme's (its tenant and its profile key),
 * is not acme's while acme-prod is known: acme would delete it as a replaced profile of
 * its own. A name of acme's own definition is acme's whatever other tenant's id it holds
 * (acme's profile "prod" while acme-prod exists), and so is that profile's name before
 * its spec changed. */
static void test_collect_longer_id_is_not_ours(void **state)
{
	struct sim s;
	struct tenant *t = fix_tenant("acme");
	struct observed_tenant o;

	fix_profile(t, "p1", "m", "aaaaaa");
	fix_profile(t, "prod", "m", "cccccc");
	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-p1-aaaaaa", "acme", "p1", FIX_INSTANCE);
	sim_add_profile(&s, "acme-prod-p2-bbbbbb", "acme", "p1", FIX_INSTANCE); /* acme-prod's */
	sim_add_profile(&s, "acme-prod-cccccc", "acme", "prod", FIX_INSTANCE);	/* acme's own */
	/* acme's "prod" before its model changed (spec zzzzzz): acme's to drain */
	add_with_spec(&s, "acme-prod-zzzzzz", "acme", "prod", "zzzzzz");
	/* that name with another spec tag: never a name of acme's */
	add_with_spec(&s, "acme-prod-yyyyyy", "acme", "prod", "xxxxxx");
	sim_add_parameter(&s, "/bedrock-tenants/acme-prod/p2/profile-arn", "x", "acme", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/acme-prod/p3/profile-arn", "y", "acme-prod", FIX_INSTANCE);

	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", t, &o);
	assert_int_equal(o.n_owned, 3);
	assert_string_equal(o.owned[0]->name, "acme-p1-aaaaaa");
	assert_string_equal(o.owned[1]->name, "acme-prod-cccccc");
	assert_string_equal(o.owned[2]->name, "acme-prod-zzzzzz");
	assert_int_equal(o.n_parameters, 0);
	observed_tenant_release(&o);
	tenant_free(t);
	sim_release(&s);
}

static bool knows_acme(const void *ctx, const char *id, const struct tenant **ret_desired)
{
	const struct tenant *acme = ctx;

	if (ret_desired)
		*ret_desired = strcmp(id, acme->id) == 0 ? acme : NULL;
	return strcmp(id, acme->id) == 0;
}

/* A name another tenant's definition derives is that tenant's: acme's profile p2 and its
 * parameter retagged as a tenant "acme-p2" (no manifest; its id whole in the names) are
 * not acme-p2's to adopt and prune; acme-p2's own names are. */
static void test_name_derived_by_another_tenant(void **state)
{
	struct sim s;
	struct tenant *acme = fix_tenant("acme");
	struct observed_tenant o;

	fix_profile(acme, "p2", "m", "8e5ce6");
	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-p2-8e5ce6", "acme-p2", "x", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/acme/p2/profile-arn", "x", "acme-p2", FIX_INSTANCE);
	sim_add_profile(&s, "acme-p2-chat-aaaaaa", "acme-p2", "chat", FIX_INSTANCE);
	/* without the owner's tenants, the names hold acme-p2 whole */
	assert_true(name_holds_tenant(&s.store, "acme-p2-8e5ce6", "acme-p2"));
	s.store.knows_tenant = knows_acme;
	s.store.knows_ctx = acme;
	assert_false(name_holds_tenant(&s.store, "acme-p2-8e5ce6", "acme-p2"));
	assert_true(name_holds_tenant(&s.store, "acme-p2-chat-aaaaaa", "acme-p2"));
	/* ids that are words of a template's literal text: the name is acme's all the same */
	assert_false(name_holds_tenant(&s.store, "/bedrock-tenants/acme/p2/profile-arn", "bedrock-tenants"));
	assert_false(name_holds_tenant(&s.store, "/bedrock-tenants/acme/p2/profile-arn", "profile-arn"));
	assert_true(observed_group_owns(&s.store, observed_store_group(&s.store, "acme-p2"), FIX_INSTANCE));
	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme-p2", NULL, &o);
	assert_int_equal(o.n_owned, 1);
	assert_string_equal(o.owned[0]->name, "acme-p2-chat-aaaaaa");
	assert_int_equal(o.n_parameters, 0);
	observed_tenant_release(&o);
	/* acme sees the profile at its name, tagged as another tenant's: its conflict */
	observed_tenant_collect(&s.store, FIX_INSTANCE, "acme", acme, &o);
	assert_int_equal(o.n_owned, 0);
	assert_int_equal(o.n_foreign, 1);
	assert_string_equal(o.foreign[0]->name, "acme-p2-8e5ce6");
	observed_tenant_release(&o);
	tenant_free(acme);
	sim_release(&s);
}

/* observed_apply_action: every kind changes the model and the record as the engine
 * notes it; a read is not an action to apply; a resource the model lacks is -ENOENT. */
static void test_apply_action_every_kind(void **state)
{
	struct sim s;
	struct action a;
	struct observed_profile *p = xcalloc(1, sizeof(*p));
	const char *arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p1";
	const char *budget_arn = "arn:aws:budgets::111122223333:budget/acme";
	char *key;

	sim_init(&s, "acme");
	memset(&a, 0, sizeof(a));
	tag_set_init(&a.tags);
	tag_set_put(&a.tags, "Team", "claims");

	/* a profile: created (the answer's gaps filled from the action), tagged, deleted */
	p->arn = xstrdup(arn);
	a.kind = ACT_PROFILE_CREATE;
	a.name = "acme-chat-aaaaaa";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, p, NULL), 0);
	assert_string_equal(observed_store_profile(&s.store, arn)->name, "acme-chat-aaaaaa");
	assert_string_equal(tag_set_get(&observed_store_profile(&s.store, arn)->tags, "Team"), "claims");
	assert_true(record_applied_has(s.record, arn, "Team"));
	a.kind = ACT_PROFILE_UNTAG;
	a.resource = (char *)arn;
	a.keys = (char *[]){ "Team" };
	a.n_keys = 1;
	tag_set_release(&a.tags);
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_null(tag_set_get(&observed_store_profile(&s.store, arn)->tags, "Team"));
	assert_false(record_applied_has(s.record, arn, "Team"));
	a.n_keys = 0;
	a.keys = NULL;
	a.kind = ACT_PROFILE_DELETE;
	record_start_timer(s.record, TIMER_GRACE, arn, 1);
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_null(observed_store_profile(&s.store, arn));
	assert_null(record_timer(s.record, arn));
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), -ENOENT);

	/* a parameter: published, updated (a new version), deleted */
	a.kind = ACT_PARAM_CREATE;
	a.resource = "/bedrock-tenants/acme/chat/profile-arn";
	a.value = "v1";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	a.kind = ACT_PARAM_UPDATE;
	a.value = "v2";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_string_equal(observed_store_parameter(&s.store, a.resource)->value, "v2");
	assert_int_equal(observed_store_parameter(&s.store, a.resource)->version, 2);
	a.kind = ACT_PARAM_DELETE;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_null(observed_store_parameter(&s.store, a.resource));

	/* a budget: its alerts' fact set at create, cleared with its timer at delete */
	memset(&a, 0, sizeof(a));
	a.kind = ACT_BUDGET_CREATE;
	a.budget = "acme";
	a.limit = "100";
	a.time_unit = "MONTHLY";
	a.filter = "{}";
	a.value = "digest";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, budget_arn), 0);
	assert_non_null(observed_store_budget(&s.store, "acme"));
	/* no ARN kept: the one every budget of the account has, in its Region's partition */
	{
		char *kept = budget_arn_in("acme", "us-east-1", "111122223333");
		assert_string_equal(kept, budget_arn);
		free(kept);
	}
	key = record_key_alerts_fact("acme");
	assert_string_equal(record_fact(s.record, key), "digest");
	a.kind = ACT_BUDGET_DELETE;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, budget_arn), 0);
	assert_null(observed_store_budget(&s.store, "acme"));
	assert_null(record_fact(s.record, key));
	free(key);

	/* a role policy: the digest of the document applied is the record's fact */
	memset(&a, 0, sizeof(a));
	a.kind = ACT_POLICY_PUT;
	a.role = "app";
	a.name = "bedrock-tenant";
	a.value = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_non_null(observed_store_policy(&s.store, "app", "bedrock-tenant"));
	key = record_key_policy_fact("app", "bedrock-tenant");
	assert_non_null(record_fact(s.record, key));
	a.kind = ACT_POLICY_DELETE;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	/* gone; without a bulk read (where absence only says "not read") known gone */
	assert_false(s.store.policies_listed);
	assert_non_null(observed_store_policy(&s.store, "app", "bedrock-tenant"));
	assert_false(observed_policy_exists(observed_store_policy(&s.store, "app", "bedrock-tenant")));
	assert_null(record_fact(s.record, key));
	a.kind = ACT_POLICY_PUT; /* with a bulk read, absence says it: no entry */
	s.store.policies_listed = true;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	a.kind = ACT_POLICY_DELETE;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_null(observed_store_policy(&s.store, "app", "bedrock-tenant"));
	assert_null(record_fact(s.record, key));
	s.store.policies_listed = false;
	free(key);

	/* store-only actions change the record; reads are answers, not actions to apply */
	memset(&a, 0, sizeof(a));
	a.kind = ACT_FACT_SET;
	a.resource = "k";
	a.value = "v";
	assert_int_equal(observed_apply_action(NULL, s.record, &a, NULL, NULL), 0);
	assert_string_equal(record_fact(s.record, "k"), "v");
	a.kind = ACT_PROFILE_READ_TAGS;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), -EAGAIN);
	sim_release(&s);
}

/* A parameter and a budget the daemon created are entries of the store's arena, as a
 * listing's: the parameter's name and value interned, the budget's constant strings
 * one copy for every budget; updated and deleted as any entry (ASan: nothing freed
 * alone). */
static void test_own_creates_in_the_arena(void **state)
{
	struct sim s;
	struct action a;
	const struct observed_parameter *q;
	const struct observed_budget *b1, *b2;
	const char *name;

	(void)state;
	sim_init(&s, "acme");
	memset(&a, 0, sizeof(a));
	tag_set_init(&a.tags);
	tag_set_put(&a.tags, TAG_TENANT, "acme");
	a.kind = ACT_PARAM_CREATE;
	a.resource = "/bedrock-tenants/acme/chat/profile-arn";
	a.value = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p1";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	q = observed_store_parameter(&s.store, a.resource);
	assert_true(q->in_arena);
	assert_true(q->tags_in_arena);
	name = intern(a.resource); /* the pool's copies */
	assert_ptr_equal(q->name, name);
	intern_unref(name);
	name = intern(a.value);
	assert_ptr_equal(q->value, name);
	intern_unref(name);
	a.kind = ACT_PARAM_UPDATE;
	a.value = "v2";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_string_equal(observed_store_parameter(&s.store, a.resource)->value, "v2");

	a.kind = ACT_BUDGET_CREATE;
	a.limit = "100";
	a.time_unit = "MONTHLY";
	a.filter = "{}";
	a.value = "digest";
	a.budget = "acme";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme"), 0);
	a.budget = "acme-2";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme-2"), 0);
	b1 = observed_store_budget(&s.store, "acme");
	b2 = observed_store_budget(&s.store, "acme-2");
	assert_true(b1->in_arena && b2->in_arena);
	assert_true(b1->tags_in_arena);
	assert_string_equal(b1->limit_unit, "USD");
	assert_ptr_equal(b1->limit_unit, b2->limit_unit);
	assert_ptr_equal(b1->time_unit, b2->time_unit);
	a.kind = ACT_BUDGET_UPDATE;
	a.limit = "200";
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, NULL), 0);
	assert_string_equal(observed_budget_limit_amount(observed_store_budget(&s.store, "acme-2")), "200");
	a.kind = ACT_BUDGET_DELETE;
	assert_int_equal(observed_apply_action(&s.store, s.record, &a, NULL, "arn:aws:budgets::1:budget/acme-2"), 0);
	assert_null(observed_store_budget(&s.store, "acme-2"));
	tag_set_release(&a.tags);
	sim_release(&s);
}

/* A listing that could not read the budgets keeps copies of those the store it
 * replaces last listed (indexed by tenant, with the enforcement listing and its deny
 * policies), and says why; a store that never listed budgets gives none, and a
 * listing that read its own keeps them. Released apart from the old store (ASan). */
static void test_keep_budgets(void **state)
{
	struct observed_store old, next, none, own;
	struct observed_deny_policy *d = xcalloc(1, sizeof(*d));
	const struct observed_group *g;

	(void)state;
	observed_store_init(&old);
	old.budgets_listed = old.enforce_listed = true;
	observed_store_put_budget(&old, listing_budget(&old, "t1"));
	d->name = xstrdup("deny-t1");
	d->arn = xstrdup("arn:aws:iam::111122223333:policy/deny-t1");
	observed_store_put_deny_policy(&old, d);

	observed_store_init(&next);
	next.budgets_error = xstrdup("AccessDeniedException: DescribeBudgets: not authorized");
	observed_store_keep_budgets(&next, &old);
	observed_store_release(&old);
	assert_true(next.budgets_listed && next.enforce_listed);
	assert_string_equal(next.budgets_error, "AccessDeniedException: DescribeBudgets: not authorized");
	assert_string_equal(observed_budget_limit_amount(observed_store_budget(&next, "t1-budget")), "100.0");
	g = observed_store_group(&next, "t1");
	assert_non_null(g);
	assert_int_equal(g->n_budgets, 1);
	assert_non_null(observed_store_deny_policy(&next, "deny-t1"));

	observed_store_init(&old); /* a store that never listed budgets */
	observed_store_init(&none);
	observed_store_keep_budgets(&none, &old);
	observed_store_release(&old);
	assert_false(none.budgets_listed);
	assert_int_equal(none.budgets.n, 0);

	observed_store_init(&own);
	own.budgets_listed = true;
	observed_store_keep_budgets(&own, &next);
	assert_int_equal(own.budgets.n, 0);
	observed_store_release(&own);
	observed_store_release(&none);
	observed_store_release(&next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_action_every_kind),
		cmocka_unit_test(test_budget_amounts),
		cmocka_unit_test(test_own_creates_in_the_arena),
		cmocka_unit_test(test_indexes_follow_tags),
		cmocka_unit_test(test_collect_separates_owned_foreign_unknown),
		cmocka_unit_test(test_collect_shared_name_is_looked_up),
		cmocka_unit_test(test_name_holds_tenant_whole),
		cmocka_unit_test(test_collect_longer_id_is_not_ours),
		cmocka_unit_test(test_name_derived_by_another_tenant),
		cmocka_unit_test(test_release_in_steps),
		cmocka_unit_test(test_profile_packed),
		cmocka_unit_test(test_entries_round_trip),
		cmocka_unit_test(test_listing_entries_in_an_arena),
		cmocka_unit_test(test_listing_models_shared),
		cmocka_unit_test(test_group_arrays_inline),
		cmocka_unit_test(test_listing_groups_in_the_arena),
		cmocka_unit_test(test_listing_entries_share_strings),
		cmocka_unit_test(test_listing_tags_packed_one_edited),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_arena_adopt),
		cmocka_unit_test(test_arena_small_first),
		cmocka_unit_test(test_arena_blocks_powers_of_two),
		cmocka_unit_test(test_listing_budgets_in_an_arena),
		cmocka_unit_test(test_budget_flags_apart),
		cmocka_unit_test(test_listing_policies_go_with_their_arena),
		cmocka_unit_test(test_listing_policy_one_string),
		cmocka_unit_test(test_policy_hash_packed),
		cmocka_unit_test(test_policy_role_as_key_head),
		cmocka_unit_test(test_own_budget_alerts_in_the_arena),
		cmocka_unit_test(test_own_policy_writes_in_the_policies_arena),
		cmocka_unit_test(test_roles_in_the_arena),
		cmocka_unit_test(test_keep_budgets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
