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
#include "slab.h"
#include "xalloc.h"

static void test_tag_set_sorted_unique(void **state)
{
	struct tag_set a, b;

	tag_set_init(&a);
	tag_set_put(&a, "b", "2");
	tag_set_put(&a, "a", "1");
	tag_set_put(&a, "c", "3");
	tag_set_put(&a, "b", "two");
	assert_int_equal(a.n, 3);
	assert_string_equal(a.items[0].key, "a");
	assert_string_equal(a.items[1].value, "two");
	assert_string_equal(tag_set_get(&a, "c"), "3");
	assert_null(tag_set_get(&a, "d"));
	tag_set_copy(&b, &a);
	assert_true(tag_set_equal(&a, &b));
	assert_true(tag_set_remove(&b, "a"));
	assert_false(tag_set_remove(&b, "a"));
	assert_false(tag_set_equal(&a, &b));
	tag_set_release(&a);
	tag_set_release(&b);
}

/* A view borrows its strings, keeps the order of an owned set, and a copy of it owns. */
/* A set filled from a list of known length holds exactly that many slots. */
static void test_tag_set_reserve_exact(void **state)
{
	struct tag_set s;

	tag_set_init(&s);
	tag_set_reserve(&s, 0);
	assert_null(s.items);
	tag_set_reserve(&s, 9);
	assert_int_equal(s.alloc, 9);
	for (int i = 0; i < 9; i++) {
		char k[8];
		snprintf(k, sizeof(k), "k%d", i);
		tag_set_put(&s, k, "v");
	}
	assert_int_equal(s.n, 9);
	assert_int_equal(s.alloc, 9);
	tag_set_reserve(&s, 3); /* never shrinks */
	assert_int_equal(s.alloc, 9);
	assert_string_equal(tag_set_get(&s, "k4"), "v");
	tag_set_release(&s);
}

static void test_tag_view_borrows(void **state)
{
	struct tag_set owned, view, copy;
	char later[] = "v2";

	tag_set_init(&owned);
	tag_set_put(&owned, "b", "1");
	tag_set_put(&owned, "d", "1");
	tag_set_init(&view);
	tag_view_add_all(&view, &owned);
	tag_view_put(&view, "c", "x");
	tag_view_put(&view, "a", "x");
	tag_view_put(&view, "d", later); /* replaces */
	tag_view_add_all(&view, &owned); /* adds to a non-empty view: "d" is "1" again */
	assert_int_equal(view.n, 4);
	for (size_t i = 0; i + 1 < view.n; i++)
		assert_true(strcmp(view.items[i].key, view.items[i + 1].key) < 0);
	assert_ptr_equal(tag_set_get(&view, "b"), tag_set_get(&owned, "b")); /* borrowed */
	assert_string_equal(tag_set_get(&view, "d"), "1");
	tag_set_copy(&copy, &view);
	tag_view_release(&view);
	tag_set_release(&owned);
	assert_int_equal(copy.n, 4);
	assert_string_equal(tag_set_get(&copy, "a"), "x");
	assert_string_equal(tag_set_get(&copy, "b"), "1");
	tag_set_release(&copy);
}

/* Packed sets (an observed listing's entries): sets with the same keys share one key
 * list, each keeps its own values; a write to one unpacks it and leaves the others
 * as they were. Two resources with one tag set, one edited. */
static void test_tag_set_packed_shares_keys_only(void **state)
{
	struct tag_set a, b, c, v;
	uint32_t mem_a[3], mem_b[3];

	(void)state;
	tag_set_init(&a);
	tag_set_put(&a, "bedrock-tenantd:tenant", "t1");
	tag_set_put(&a, "Team", "x");
	tag_set_put(&a, "app", "chat");
	tag_set_copy(&b, &a);
	tag_set_put(&b, "bedrock-tenantd:tenant", "t2");
	tag_set_pack(&a, mem_a);
	tag_set_pack(&b, mem_b);
	assert_non_null(a.keys);
	assert_ptr_equal(a.keys, b.keys); /* one key list for the shape */
	assert_ptr_equal(a.values, mem_a);
	assert_int_equal(a.n, 3);
	assert_string_equal(tag_set_key(&a, 0), "Team");
	assert_string_equal(tag_set_get(&a, "bedrock-tenantd:tenant"), "t1");
	assert_string_equal(tag_set_get(&b, "bedrock-tenantd:tenant"), "t2");
	assert_null(tag_set_get(&a, "zzz"));
	assert_false(tag_set_equal(&a, &b));
	{ /* by an interned key (ownership, compared by pointer) */
		const char *k = intern("bedrock-tenantd:tenant");
		assert_string_equal(tag_set_get_interned(&a, k), "t1");
		assert_string_equal(tag_set_get_interned(&b, k), "t2");
		intern_unref(k);
	}

	/* edit b: a keeps its values, b its other tags */
	tag_set_put(&b, "app", "batch");
	assert_null(b.keys);
	assert_string_equal(tag_set_get(&b, "app"), "batch");
	assert_string_equal(tag_set_get(&b, "Team"), "x");
	assert_string_equal(tag_set_get(&a, "app"), "chat");
	assert_string_equal(intern_handle_str(mem_a[1]), "chat");
	assert_string_equal(tag_set_get(&a, "bedrock-tenantd:tenant"), "t1");
	assert_true(tag_set_remove(&b, "Team"));
	assert_string_equal(tag_set_get(&a, "Team"), "x");
	assert_int_equal(a.n, 3);

	/* a copy of a packed set is a built one, equal to it; so is a view of it */
	tag_set_copy(&c, &a);
	assert_null(c.keys);
	assert_true(tag_set_equal(&a, &c));
	assert_true(tag_set_equal(&c, &a));
	tag_set_init(&v);
	tag_view_add_all(&v, &a);
	assert_true(tag_set_equal(&v, &a));
	tag_view_put(&v, "zzz", "1");
	tag_view_add_all(&v, &a);
	assert_int_equal(v.n, 4);
	tag_view_release(&v);

	/* a removal from a packed set unpacks it too; a miss leaves it packed */
	assert_false(tag_set_remove(&a, "nope"));
	assert_non_null(a.keys);
	assert_true(tag_set_remove(&a, "app"));
	assert_null(a.keys);
	assert_int_equal(a.n, 2);
	assert_string_equal(tag_set_get(&c, "app"), "chat");
	tag_set_release(&a);
	tag_set_release(&b);
	tag_set_release(&c);
}

/* Shared sets (a manifest's): equal sets are one copy of their pairs, a set with
 * other pairs its own; a write to one makes it a built set of its own and leaves the
 * others as they were. Two tenants with one tag set, one edited. */
static void test_tag_set_shared_one_edited(void **state)
{
	struct tag_set a, b, c, d;

	(void)state;
	tag_set_init(&a);
	tag_set_put(&a, "CostCenter", "research");
	tag_set_put(&a, "Project", "p1");
	tag_set_copy(&b, &a);
	tag_set_copy(&c, &a);
	tag_set_put(&c, "Project", "p2");
	tag_set_share(&a);
	tag_set_share(&b);
	tag_set_share(&c);
	assert_int_equal(a.alloc, TAG_SET_SHARED);
	assert_ptr_equal(a.items, b.items); /* one copy */
	assert_ptr_not_equal(a.items, c.items);
	assert_true(tag_set_equal(&a, &b));
	assert_false(tag_set_equal(&a, &c));
	assert_string_equal(tag_set_get(&c, "Project"), "p2");
	assert_string_equal(tag_set_key(&a, 1), "Project");

	/* edit b: a keeps its pairs */
	tag_set_put(&b, "Project", "p3");
	assert_int_not_equal(b.alloc, TAG_SET_SHARED);
	assert_string_equal(tag_set_get(&b, "Project"), "p3");
	assert_string_equal(tag_set_get(&b, "CostCenter"), "research");
	assert_string_equal(tag_set_get(&a, "Project"), "p1");
	tag_set_share(&b);
	assert_ptr_not_equal(a.items, b.items);
	assert_true(tag_set_remove(&b, "CostCenter"));
	assert_int_equal(b.n, 1);
	assert_int_equal(a.n, 2);
	assert_string_equal(tag_set_get(&a, "CostCenter"), "research");
	tag_set_reserve(&c, 4);
	assert_int_equal(c.alloc, 4);
	assert_string_equal(tag_set_get(&c, "Project"), "p2");

	/* a copy, a view and a packed set of a shared set */
	tag_set_copy(&d, &a);
	assert_int_equal(d.alloc, 2);
	assert_true(tag_set_equal(&d, &a));
	tag_set_release(&d);
	tag_set_init(&d);
	tag_view_add_all(&d, &a);
	assert_true(tag_set_equal(&d, &a));
	tag_view_release(&d);
	tag_set_copy(&d, &a);
	tag_set_share(&d);
	assert_ptr_equal(d.items, a.items);
	{
		uint32_t mem[2];
		tag_set_pack(&d, mem);
		assert_non_null(d.keys);
		assert_string_equal(tag_set_get(&d, "Project"), "p1");
		assert_string_equal(tag_set_get(&a, "Project"), "p1");
		tag_set_release(&d);
	}
	tag_set_release(&a);
	tag_set_release(&b);
	tag_set_release(&c);
}

/* 100,000 tenants: the struct's counts, flags and enums packed together (152 bytes, a
 * 160-byte chunk; 168 and 176 before). */
static void test_tenant_packed(void **state)
{
	(void)state;
	assert_true(sizeof(struct tenant) <= 152);
	/* a profile's model kind in the byte after its spec hash: 88 bytes, not 96 */
	assert_true(sizeof(struct profile) <= 88);
}

/* A packed set's values are handles of 4 bytes (state/intern.h), not pointers: read
 * back as the interned strings themselves; a value as long as AWS allows (256
 * characters) has one, a longer one none, and its set stays built. */
static void test_tag_set_packed_values_handles(void **state)
{
	struct tag_set a, b;
	uint32_t mem[2];
	char long_value[301];
	const char *v;

	(void)state;
	assert_int_equal(sizeof(a.values[0]), 4);
	assert_int_equal(intern_handle(NULL), 0);
	memset(long_value, 'v', 256);
	long_value[256] = '\0';
	tag_set_init(&a);
	tag_set_put(&a, "Team", "x");
	tag_set_put(&a, "Long", long_value);
	assert_true(tag_set_pack(&a, mem));
	v = tag_set_get(&a, "Long");
	assert_string_equal(v, long_value);
	assert_ptr_equal(intern_handle_str(intern_handle(v)), v);
	assert_ptr_equal(tag_set_get(&a, "Team"), intern_handle_str(mem[1]));
	memset(long_value, 'w', 300);
	long_value[300] = '\0';
	tag_set_copy(&b, &a);
	tag_set_put(&b, "Long", long_value);
	assert_false(tag_set_pack(&b, mem)); /* no handle: built still, mem untouched */
	assert_ptr_equal(tag_set_get(&a, "Team"), intern_handle_str(mem[1]));
	assert_null(b.keys);
	assert_string_equal(tag_set_get(&b, "Long"), long_value);
	tag_set_release(&a);
	tag_set_release(&b);
}

/* tenant_compact: the block begins with the tenant, then its profiles, or the roles'
 * array when there is no profile, or the names when there is neither, its file last;
 * each freed once (ASan), the fields read as before, nothing done without a revision
 * or a second time; a compact tenant's file replaced (tenant_set_file) is a string of
 * its own, freed with it. */
static void test_tenant_compact_forms(void **state)
{
	struct tenant *a = fix_tenant("acme"), *b = fix_tenant("beta"), *c = fix_tenant("gamma");
	struct tenant *d = fix_tenant("delta");
	const char *revision, *r1;

	(void)state;
	fix_profile(a, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	fix_role(a, "app");
	fix_role(b, "zeta");
	fix_role(b, "alpha");
	a->revision = intern("r1");
	b->revision = intern("r2");
	c->revision = intern("r3");
	c->budget_name = xstrdup("budget-gamma");
	a = tenant_compact(a);
	b = tenant_compact(b);
	c = tenant_compact(c);
	assert_ptr_equal(tenant_compact(d), d); /* no revision: left as it is */
	assert_true(a->compact && b->compact && c->compact);
	assert_false(d->compact);
	revision = a->revision;
	assert_ptr_equal(tenant_compact(a), a); /* again: nothing */
	assert_ptr_equal(a->revision, revision);
	r1 = intern("r1"); /* the revision stays interned, out of the block */
	assert_ptr_equal(a->revision, r1);
	intern_unref(r1);
	assert_string_equal(tenant_profile(a, "chat")->name, "acme-chat-aaaaaa");
	assert_ptr_equal((const char *)a->profiles, (const char *)(a + 1));
	assert_ptr_equal((const char *)a->roles, (const char *)(a->profiles + 1));
	assert_ptr_equal((const char *)c->policy_name, (const char *)(c + 1));
	assert_ptr_equal(c->budget_name, c->policy_name + strlen(c->policy_name) + 1);
	assert_ptr_equal(c->file, c->budget_name + strlen(c->budget_name) + 1);
	assert_true(c->file_in_block);
	assert_string_equal(c->file, "gamma.yaml");
	tenant_set_file(c, "teams/gamma.yaml");
	assert_false(c->file_in_block);
	assert_string_equal(c->file, "teams/gamma.yaml");
	tenant_set_file(c, "gamma.yml");
	assert_string_equal(c->file, "gamma.yml");
	tenant_set_file(d, "delta.yml"); /* not compact: its own file replaced */
	assert_string_equal(d->file, "delta.yml");
	assert_string_equal(a->roles[0], "app");
	assert_ptr_equal((const char *)b->roles[0], (const char *)(b->roles + 2)); /* after the array */
	assert_string_equal(b->roles[0], "alpha");
	assert_string_equal(b->roles[1], "zeta");
	assert_string_equal(c->revision, "r3");
	assert_string_equal(c->budget_name, "budget-gamma");
	assert_string_equal(c->policy_name, "bedrock-tenantd-gamma");
	tenant_free(a);
	tenant_free(b);
	tenant_free(c);
	tenant_free(d);
}

/* tenant_compact moves the budget into the block too, at its end and aligned: every
 * field reads as before (alerts with two addresses, with none, a topic only, the
 * longest limit and an odd address), the block is its only allocation (ASan: each
 * part freed once), a copy of it is its equal and not compact; a tenant whose block
 * holds nothing but its budget begins its block with it. */
static void test_tenant_compact_budget(void **state)
{
	struct tenant *a, *b, *before, *c;
	char topic[1100], email[300];
	const char *end;
	size_t strings0, strings1, bytes;

	(void)state;
	intern_stats(&strings0, &bytes);
	a = fix_tenant("acme");
	b = fix_tenant("beta");
	memset(topic, 't', sizeof(topic) - 1);
	topic[sizeof(topic) - 1] = '\0';
	snprintf(email, sizeof(email), "o'brien+%s@example.com", "x");
	fix_profile(a, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	fix_role(a, "app");
	fix_budget(a, "99999999999.99", BUDGET_QUARTERLY);
	fix_alert(a, 50, ALERT_ACTUAL, "z@example.com", email, NULL);
	fix_alert(a, 80.5, ALERT_ACTUAL, NULL, NULL, topic);
	fix_alert(a, 100, ALERT_FORECASTED, "", NULL, "");
	a->budget->enforce = true;
	a->budget->enforce_at_percent = 120;
	before = tenant_dup(a);
	a->revision = intern("r1");
	a = tenant_compact(a);
	assert_true(a->compact);
	assert_true(tenant_equal(a, before));
	/* after the names, at the next multiple of 8, and its parts after it */
	end = a->budget_name + strlen(a->budget_name) + 1;
	assert_ptr_equal((const char *)a->budget, (const char *)(((uintptr_t)end + 7) & ~(uintptr_t)7));
	assert_ptr_equal((const char *)a->budget->alerts, (const char *)(a->budget + 1));
	assert_ptr_equal((const char *)a->budget->alerts[0].emails, (const char *)(a->budget->alerts + 3));
	assert_string_equal(a->budget->limit_usd, "99999999999.99");
	assert_int_equal(a->budget->period, BUDGET_QUARTERLY);
	assert_true(a->budget->enforce);
	assert_true(a->budget->enforce_at_percent == 120);
	assert_int_equal(a->budget->n_alerts, 3);
	assert_int_equal(a->budget->alerts[0].n_emails, 2);
	assert_string_equal(a->budget->alerts[0].emails[1], email);
	assert_null(a->budget->alerts[0].sns_topic);
	assert_int_equal(a->budget->alerts[1].n_emails, 0);
	assert_null(a->budget->alerts[1].emails);
	assert_string_equal(a->budget->alerts[1].sns_topic, topic);
	assert_true(a->budget->alerts[1].threshold_percent == 80.5);
	assert_int_equal(a->budget->alerts[2].type, ALERT_FORECASTED);
	assert_string_equal(a->budget->alerts[2].emails[0], "");
	assert_string_equal(a->budget->alerts[2].sns_topic, "");
	c = tenant_dup(a);
	assert_false(c->compact);
	assert_true(tenant_equal(c, a));
	/* the addresses and topics are interned: the copy holds the same strings */
	assert_ptr_equal(c->budget->alerts[0].emails[1], a->budget->alerts[0].emails[1]);
	assert_ptr_equal(c->budget->alerts[1].sns_topic, a->budget->alerts[1].sns_topic);
	tenant_free(a);
	assert_string_equal(c->budget->alerts[1].sns_topic, topic);
	tenant_free(c);
	tenant_free(before);

	/* nothing but a budget without alerts: it follows the tenant, its file after it */
	b->revision = intern("r2");
	fix_budget(b, "1", BUDGET_MONTHLY);
	free(b->budget_name);
	b->budget_name = NULL;
	free(b->policy_name);
	b->policy_name = NULL;
	b = tenant_compact(b);
	assert_true(b->compact);
	assert_null(b->budget->alerts);
	assert_ptr_equal((const char *)b->budget, (const char *)(b + 1));
	assert_ptr_equal((const char *)b->budget->limit_usd, (const char *)(b->budget + 1));
	assert_string_equal(b->budget->limit_usd, "1");
	assert_ptr_equal(b->file, b->budget->limit_usd + 2);
	assert_string_equal(b->file, "beta.yaml");
	tenant_free(b);
	/* every reference the tenants took is dropped, the compact ones' too */
	intern_stats(&strings1, &bytes);
	assert_int_equal(strings1, strings0);
}

/* A compact tenant's block comes from the slabs, its size rounded to 8 and no more
 * (not to malloc's class: jemalloc's are 128 bytes apart there), and goes back to
 * them when the tenant is freed; the next block of that size takes its place. A
 * block larger than the slabs take is malloc'd (ASan: each freed once, by the right
 * function). */
static void test_tenant_block_from_slabs(void **state)
{
	struct tenant *a = fix_tenant("acme"), *big = fix_tenant("big");
	size_t before = slab_in_use(), held;
	const void *first;
	char *desc;

	(void)state;
	fix_profile(a, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	a->revision = intern("r1");
	a = tenant_compact(a);
	assert_true(a->slab_units > 0);
	held = slab_in_use() - before;
	assert_int_equal(held, (size_t)a->slab_units * 8);
	assert_true(held >= sizeof(struct tenant) + sizeof(struct profile) && held < 1024);
	first = a;
	tenant_free(a);
	assert_int_equal(slab_in_use(), before);
	/* the same tenant again: the same size, the block just freed */
	a = fix_tenant("acme");
	fix_profile(a, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	a->revision = intern("r1");
	a = tenant_compact(a);
	assert_ptr_equal(a, first);
	assert_string_equal(tenant_profile(a, "chat")->name, "acme-chat-aaaaaa");

	/* past SLAB_MAX: malloc'd, the slabs untouched */
	fix_profile(big, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "bbbbbb");
	desc = xmalloc(SLAB_MAX + 1);
	memset(desc, 'd', SLAB_MAX);
	desc[SLAB_MAX] = '\0';
	big->profiles[0].description = desc;
	big->revision = intern("r2");
	held = slab_in_use();
	big = tenant_compact(big);
	assert_true(big->compact);
	assert_int_equal(big->slab_units, 0);
	assert_int_equal(slab_in_use(), held);
	assert_int_equal(strlen(big->profiles[0].description), SLAB_MAX);
	tenant_free(big);
	tenant_free(a);
	assert_int_equal(slab_in_use(), before);
}

/* The slabs' chunks stay reachable whatever their blocks do: blocks of several chunks
 * freed in an order that links their free list across chunks (LeakSanitizer, at the
 * process's end, reports a chunk only a free block's poisoned link pointed to). */
static void test_slab_chunks_reachable(void **state)
{
	enum { N = 300 }; /* 700 bytes each: more than three chunks of 64 KB */
	void *v[N];
	size_t before = slab_in_use();

	(void)state;
	for (size_t i = 0; i < N; i++) {
		v[i] = slab_alloc(700);
		memset(v[i], (int)i, 700);
	}
	assert_int_equal(slab_in_use() - before, N * 704);
	for (size_t i = 0; i < N; i++) /* the newest chunk's blocks last: the list's head */
		slab_free(v[i], 700);
	assert_int_equal(slab_in_use(), before);
	for (size_t i = 0; i < N; i++) /* taken again from the free list, newest first */
		v[i] = slab_alloc(700);
	for (size_t i = N; i-- > 0;)
		slab_free(v[i], 700);
	assert_int_equal(slab_in_use(), before);
}

/* profile_model_id: the bare id of each form of model, derived from the model as
 * written (config/modelref.c's normal form), NULL without a model. */
static void test_profile_model_id(void **state)
{
	static const struct {
		enum model_ref_kind kind;
		const char *model, *id;
	} forms[] = {
		{ MODEL_FOUNDATION_ID, "anthropic.claude-3-5-haiku-20241022-v1:0",
		  "anthropic.claude-3-5-haiku-20241022-v1:0" },
		{ MODEL_FOUNDATION_ARN, "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0",
		  "amazon.nova-lite-v1:0" },
		{ MODEL_SYSTEM_PROFILE_ID, "us.amazon.nova-lite-v1:0", "us.amazon.nova-lite-v1:0" },
		{ MODEL_SYSTEM_PROFILE_ARN,
		  "arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:inference-profile/us-gov.amazon.nova-lite-v1:0",
		  "us-gov.amazon.nova-lite-v1:0" },
	};
	struct profile p = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		p.model = forms[i].model;
		p.model_kind = forms[i].kind;
		assert_string_equal(profile_model_id(&p), forms[i].id);
	}
	p.model = NULL;
	assert_null(profile_model_id(&p));
	assert_int_equal(sizeof(struct profile), 80);
}

static void test_tenant_dup_is_deep(void **state)
{
	struct tenant *t = fix_tenant("acme");
	struct tenant *c;

	fix_tag(&t->tags, "CostCenter", "eng");
	fix_profile(t, "chat", "anthropic.claude-3-5-haiku-20241022-v1:0", "aaaaaa");
	fix_profile(t, "batch", "amazon.nova-lite-v1:0", "bbbbbb");
	c = tenant_dup(t);
	tenant_free(t);
	assert_string_equal(c->id, "acme");
	assert_int_equal(c->n_profiles, 2);
	assert_string_equal(tenant_profile(c, "chat")->name, "acme-chat-aaaaaa");
	assert_string_equal(tenant_profile(c, "batch")->spec_hash, "bbbbbb");
	assert_null(tenant_profile(c, "nope"));
	assert_string_equal(tag_set_get(&c->tags, "CostCenter"), "eng");
	tenant_free(c);
	tenant_free(NULL);
}

/* tenant_dup of a compact tenant: the copy's file is a string of its own, not the
 * block's, and outlives the block (ASan); a file replaced on the copy leaves the
 * original's as it was. */
static void test_tenant_dup_of_compact_owns_file(void **state)
{
	struct tenant *t = fix_tenant("acme");
	struct tenant *c;
	const char *in_block;

	(void)state;
	t->revision = intern("r1");
	t = tenant_compact(t);
	in_block = t->file;
	assert_true(t->file_in_block);
	c = tenant_dup(t);
	assert_false(c->compact);
	assert_false(c->file_in_block);
	assert_ptr_not_equal(c->file, in_block);
	assert_string_equal(c->file, in_block);
	tenant_set_file(c, "teams/acme.yaml");
	assert_string_equal(t->file, "acme.yaml");
	assert_ptr_equal(t->file, in_block);
	tenant_free(t);
	assert_string_equal(c->file, "teams/acme.yaml");
	tenant_free(c);
}

static void test_names(void **state)
{
	assert_string_equal(deletion_policy_name(DELETION_RETAIN), "retain");
	assert_string_equal(budget_period_name(BUDGET_QUARTERLY), "quarterly");
	assert_string_equal(alert_type_name(ALERT_FORECASTED), "forecasted");
}

/* tag_set_get_interned: by pointer in an interned set, by value in a view; the
 * reserved keys are the interned ones. */
static void test_get_interned(void **state)
{
	struct tag_set set, view;
	char key[] = TAG_MANAGED_BY;

	tag_set_init(&set);
	tag_set_put(&set, "app", "x");
	tag_set_put(&set, TAG_MANAGED_BY, "me");
	assert_ptr_equal(tag_key_managed_by(), intern_ref(tag_key_managed_by()));
	intern_unref(tag_key_managed_by());
	assert_string_equal(tag_key_managed_by(), TAG_MANAGED_BY);
	assert_string_equal(tag_key_tenant(), TAG_TENANT);
	assert_string_equal(tag_key_profile(), TAG_PROFILE);
	assert_string_equal(tag_key_model(), TAG_MODEL);
	assert_string_equal(tag_key_spec(), TAG_SPEC);
	assert_string_equal(tag_set_get_interned(&set, tag_key_managed_by()), "me");
	assert_null(tag_set_get_interned(&set, tag_key_tenant()));
	tag_set_init(&view);
	tag_view_put(&view, key, "view"); /* not interned */
	assert_string_equal(tag_set_get_interned(&view, tag_key_managed_by()), "view");
	tag_view_release(&view);
	tag_set_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_set_sorted_unique),
		cmocka_unit_test(test_get_interned),
		cmocka_unit_test(test_tag_set_reserve_exact),
		cmocka_unit_test(test_tag_view_borrows),
		cmocka_unit_test(test_tag_set_packed_shares_keys_only),
		cmocka_unit_test(test_tag_set_shared_one_edited),
		cmocka_unit_test(test_tenant_packed),
		cmocka_unit_test(test_tag_set_packed_values_handles),
		cmocka_unit_test(test_tenant_compact_forms),
		cmocka_unit_test(test_tenant_compact_budget),
		cmocka_unit_test(test_tenant_block_from_slabs),
		cmocka_unit_test(test_slab_chunks_reachable),
		cmocka_unit_test(test_profile_model_id),
		cmocka_unit_test(test_tenant_dup_is_deep),
		cmocka_unit_test(test_tenant_dup_of_compact_owns_file),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
