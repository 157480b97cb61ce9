/* Skipping settled tenants (state/diff_stamp.h): whatever changes, a tenant whose
 * stamp is the one of its last settled plan must get an empty plan from the full
 * diff too. A world of several tenants in one place is changed at random, thousands
 * of times, in every way the engine's inputs change (its own writes, hand edits and
 * deletions a listing shows, a listing replacing the store, records, manifests, the
 * clock, settings, the prune gate, policies, a settled tenant's own policy); after each change every tenant is
 * diffed in full and compared with what the skipping pass would have done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diff_stamp.h"
#include "observed_carry.h"
#include "fixtures.h"
#include "xalloc.h"

#define HAIKU	 "anthropic.claude-3-5-haiku-20241022-v1:0"
#define NOVA	 "amazon.nova-lite-v1:0"
#define TENANTS	 6
#define STEPS	 4000
#define OTHER_ID "other-instance"

struct world {
	struct sim sim;
	struct tenant *desired[TENANTS];
	struct tenant_record *records[TENANTS];
	struct diff_settled settled[TENANTS];
	enum deletion_policy policy[TENANTS];
	uint64_t context;
	uint64_t rng;
	unsigned skips, full_settled;
	size_t relists, carried; /* listings carried over, and their groups that kept their generation */
	size_t store_carried;
};

static unsigned rnd(struct world *w, unsigned n)
{
	w->rng = w->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(w->rng >> 33) % n;
}

/* The key of r's n-th fact (one the record holds; the caller frees). */
static char *nth_fact_key(const struct tenant_record *r, unsigned n)
{
	struct record_fact f;

	for (size_t at = 0; record_fact_next(r, &at, &f) && n--;)
		;
	return record_fact_key(&f);
}

static const char *tenant_id(unsigned i)
{
	static const char *const ids[TENANTS] = { "t0", "t1", "t2", "t3", "t4", "t5" };

	return ids[i];
}

/* A definition of tenant i; `variant` changes a tag, a profile's generation, the
 * number of profiles, a role, a budget or suspends it. */
static struct tenant *make_tenant(unsigned i, unsigned variant)
{
	struct tenant *t = fix_tenant(tenant_id(i));
	char value[16], spec[8];

	snprintf(value, sizeof(value), "cc%u", variant % 3);
	fix_tag(&t->tags, "CostCenter", value);
	snprintf(spec, sizeof(spec), "a%05u", variant % 2);
	fix_profile(t, "chat", HAIKU, spec);
	if (variant % 4 != 1)
		fix_profile(t, "batch", NOVA, "bbbbbb");
	if (i % 2 == 0 || variant % 5 == 2) {
		char role[16];
		snprintf(role, sizeof(role), "role-%s", tenant_id(i));
		fix_role(t, role);
	}
	if (i % 3 == 0) {
		fix_budget(t, variant % 2 ? "200" : "100", BUDGET_MONTHLY);
		fix_alert(t, 80, ALERT_ACTUAL, "ops@example.com", NULL, NULL);
	}
	t->suspended = variant % 7 == 6;
	return t;
}

static void use_tenant(struct world *w, unsigned i)
{
	w->sim.record = w->records[i];
}

static void full_diff(struct world *w, unsigned i, struct plan *ret)
{
	use_tenant(w, i);
	sim_diff(&w->sim, w->desired[i], w->policy[i], ret);
}

/* One round of tenant i's plan carried out (AWS actions and records); false when
 * there was nothing to do. */
static bool one_round(struct world *w, unsigned i)
{
	struct plan p;
	bool acted;

	full_diff(w, i, &p);
	acted = p.n_actions != 0;
	sim_apply(&w->sim, &p);
	plan_release(&p);
	return acted;
}

/* Rounds until nothing is left to do (hand edits may leave a parameter naming a
 * deleted profile, which sim_converge would refuse). */
static void converge(struct world *w, unsigned i, int64_t step)
{
	for (unsigned round = 0; round < 8 && one_round(w, i); round++)
		w->sim.now += step;
}

/* The n-th value of a map, or NULL. */
static void *nth(const struct hashmap *m, size_t n)
{
	size_t pos = 0, k = 0;
	void *v;

	while (hashmap_next(m, &pos, NULL, &v))
		if (k++ == n)
			return v;
	return NULL;
}

static void *any(struct world *w, const struct hashmap *m)
{
	return m->n ? nth(m, rnd(w, (unsigned)m->n)) : NULL;
}

static void hand_tag(struct world *w)
{
	static const char *const keys[] = { "CostCenter", "Owner", TAG_TENANT, TAG_MANAGED_BY, TAG_PROFILE, "aws:x" };
	const char *key = keys[rnd(w, 6)], *value = rnd(w, 2) ? "hacked" : tenant_id(rnd(w, TENANTS));

	if (rnd(w, 2)) {
		struct observed_profile *p = any(w, &w->sim.store.profiles);
		if (!p)
			return;
		p = observed_profile_dup(p);
		if (rnd(w, 3))
			tag_set_put(&p->tags, key, value);
		else
			tag_set_remove(&p->tags, key);
		if (rnd(w, 8) == 0)
			p->tags_known = false;
		if (rnd(w, 8) == 0)
			p->models_unknown = true;
		observed_store_put_profile(&w->sim.store, p);
	} else {
		struct observed_parameter *q = any(w, &w->sim.store.parameters);
		if (!q)
			return;
		q = observed_parameter_dup(q);
		if (rnd(w, 3) == 0) {
			free(q->value);
			q->value = xstrdup("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/x");
		} else if (rnd(w, 2)) {
			tag_set_put(&q->tags, key, value);
		} else {
			tag_set_remove(&q->tags, key);
		}
		observed_store_put_parameter(&w->sim.store, q);
	}
}

static void hand_delete(struct world *w)
{
	switch (rnd(w, 3)) {
	case 0: {
		const struct observed_profile *p = any(w, &w->sim.store.profiles);
		if (p)
			observed_store_remove_profile(&w->sim.store, p->arn);
		break;
	}
	case 1: {
		const struct observed_parameter *q = any(w, &w->sim.store.parameters);
		if (q)
			observed_store_remove_parameter(&w->sim.store, q->name);
		break;
	}
	default: {
		const struct observed_budget *b = any(w, &w->sim.store.budgets);
		if (b)
			observed_store_remove_budget(&w->sim.store, b->name);
		break;
	}
	}
}

/* Someone else's resource (or one whose tags are unknown) at a tenant's name. */
static void squatter(struct world *w)
{
	unsigned i = rnd(w, TENANTS);
	char *name = xasprintf("%s-chat-a%05u", tenant_id(i), rnd(w, 2));
	struct observed_profile *p = sim_add_profile(&w->sim, name, rnd(w, 2) ? tenant_id(i) : NULL, "chat", OTHER_ID);

	if (rnd(w, 2)) { /* tags unknown: the store indexes it by name only */
		p = observed_profile_dup(p);
		p->tags_known = false;
		observed_store_put_profile(&w->sim.store, p);
	}
	free(name);
}

static struct observed_policy *policy_dup(const struct observed_policy *p)
{
	struct observed_policy *c = xcalloc(1, sizeof(*c));
	char hash_buf[POLICY_HASH_TEXT], role_buf[POLICY_ROLE_TEXT];

	c->role = xstrdup(observed_policy_role(p, role_buf));
	c->name = xstrdup(p->name);
	c->document = xstrdup_or_null(p->document);
	c->role_missing = p->role_missing;
	observed_policy_set_hash(c, xstrdup_or_null(observed_policy_hash(p, hash_buf)));
	c->chars = p->chars; /* a bulk read's policy has no document to size it from */
	observed_policy_copy_others(c, p);
	return c;
}

static void hand_policy(struct world *w);

/* A hand change to one of tenant i's own resources, of a kind its diff repairs: a tag
 * value, a parameter's value, a profile's tags. */
static void hand_edit_group(struct world *w)
{
	const struct observed_group *g = observed_store_group(&w->sim.store, tenant_id(rnd(w, TENANTS)));

	if (!g)
		return;
	if (g->n_parameters && rnd(w, 3) == 0) {
		struct observed_parameter *q = observed_parameter_dup(g->parameters[rnd(w, (unsigned)g->n_parameters)]);
		free(q->value);
		q->value = xstrdup("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/y");
		observed_store_put_parameter(&w->sim.store, q);
	} else if (g->n_profiles) {
		struct observed_profile *p = observed_profile_dup(g->profiles[rnd(w, (unsigned)g->n_profiles)]);
		if (rnd(w, 2))
			tag_set_put(&p->tags, "CostCenter", "hacked");
		else
			tag_set_remove(&p->tags, "CostCenter");
		observed_store_put_profile(&w->sim.store, p);
	}
}

/* A store with src's content (dst initialised here); reverse: profiles put in the
 * other order. Policies are copied only as a bulk read would show them. */
static void copy_store(const struct observed_store *src, struct observed_store *dst, bool reverse)
{
	size_t pos = 0;
	const char *key;
	void *v;

	observed_store_init(dst);
	while (hashmap_next(&src->roles, &pos, &key, NULL))
		observed_store_put_role(dst, key);
	if (src->policies_listed)
		for (pos = 0; hashmap_next(&src->policies, &pos, NULL, &v);)
			observed_store_put_policy(dst, policy_dup(v));
	if (!reverse) {
		for (pos = 0; hashmap_next(&src->profiles, &pos, NULL, &v);)
			observed_store_put_profile(dst, observed_profile_dup(v));
	} else {
		for (size_t k = src->profiles.n; k; k--)
			observed_store_put_profile(dst, observed_profile_dup(nth(&src->profiles, k - 1)));
	}
	for (pos = 0; hashmap_next(&src->parameters, &pos, NULL, &v);)
		observed_store_put_parameter(dst, observed_parameter_dup(v));
	for (pos = 0; hashmap_next(&src->budgets, &pos, NULL, &v);)
		observed_store_put_budget(dst, observed_budget_dup(v));
	for (pos = 0; hashmap_next(&src->deny_policies, &pos, NULL, &v);)
		observed_store_put_deny_policy(dst, observed_deny_policy_dup(v));
	dst->budgets_listed = src->budgets_listed;
	dst->policies_listed = src->policies_listed;
	dst->enforce_listed = src->enforce_listed;
	dst->enforce_error = xstrdup_or_null(src->enforce_error);
}

/* A listing: a new store with the same content as AWS shows it (a bulk IAM read shows
 * the policies again; without one they move over), in another order, so that a name
 * two profiles share may change hands, sometimes with hand changes made meanwhile.
 * Mostly the engine's way: generations of what is unchanged carried over
 * (state/observed_carry.h); else a store wholly new. */
static void relist(struct world *w)
{
	struct observed_store old = w->sim.store, *fresh = &w->sim.store;
	bool carry = rnd(w, 4) != 0;

	copy_store(&old, fresh, rnd(w, 2));
	/* what changed by hand since the last listing shows in this one */
	for (unsigned k = rnd(w, 4) ? 1 + rnd(w, 3) : 0; k; k--) {
		switch (rnd(w, 5)) {
		case 0:
			hand_edit_group(w);
			break;
		case 1:
			hand_tag(w);
			break;
		case 2:
			hand_delete(w);
			break;
		case 3:
			squatter(w);
			break;
		default:
			hand_policy(w);
			break;
		}
	}
	if (carry) {
		struct observed_carry_stats st;
		observed_carry(&old, fresh, &st);
		w->carried += st.carried;
		w->relists++;
		w->store_carried += st.store_carried;
	} else if (!fresh->policies_listed) {
		observed_store_take_policies(fresh, &old);
	}
	observed_store_release(&old);
}

static void hand_policy(struct world *w)
{
	unsigned i = rnd(w, TENANTS);
	char *role = xasprintf("role-%s", tenant_id(i)), *name = xasprintf("bedrock-tenantd-%s", tenant_id(i));
	struct observed_policy *p;

	switch (rnd(w, 4)) {
	case 0:
		observed_store_remove_policy(&w->sim.store, role, name);
		sim_set_policy(&w->sim, role, name, NULL);
		break;
	case 1:
		observed_store_put_role(&w->sim.store, role);
		break;
	case 2:
		w->sim.store.policies_listed = !w->sim.store.policies_listed;
		break;
	default:
		p = xcalloc(1, sizeof(*p));
		p->role = xstrdup(role);
		p->name = xstrdup(name);
		p->document = xstrdup("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
		sim_set_policy(&w->sim, role, name, p->document);
		observed_store_put_policy(&w->sim.store, p);
		break;
	}
	free(role);
	free(name);
}

static void record_change(struct world *w)
{
	unsigned i = rnd(w, TENANTS);
	struct tenant_record *r = w->records[i];
	char *role = xasprintf("role-%s", tenant_id(i)), *name = xasprintf("bedrock-tenantd-%s", tenant_id(i));
	char *fact = record_key_policy_fact(role, name);
	const struct observed_profile *p = any(w, &w->sim.store.profiles);
	const char *resource = p ? p->arn : "/bedrock-tenants/x";
	const char *keys[] = { "CostCenter" };

	switch (rnd(w, 5)) {
	case 0:
		record_start_timer(r, rnd(w, 2) ? TIMER_GRACE : TIMER_DRAIN, resource, w->sim.now - rnd(w, 2000));
		break;
	case 1:
		record_set_fact(r, fact, rnd(w, 2) ? "0000" : "1111");
		break;
	case 2:
		if (r->n_facts) {
			char *key = nth_fact_key(r, rnd(w, (unsigned)r->n_facts));
			record_clear_fact(r, key);
			free(key);
		}
		break;
	case 3:
		record_note_untagged(r, resource, (char *const *)keys, 1);
		break;
	default:
		record_set_intent(r, "chat", "x-chat-000000", "token", w->sim.now);
		break;
	}
	free(fact);
	free(role);
	free(name);
}

static void change_manifest(struct world *w)
{
	unsigned i = rnd(w, TENANTS);

	tenant_free(w->desired[i]);
	w->desired[i] = rnd(w, 6) == 0 ? NULL : make_tenant(i, rnd(w, 40));
	diff_stamp_clear(&w->settled[i]); /* as the engine does on a new definition */
}

static void change_settings(struct world *w)
{
	switch (rnd(w, 4)) {
	case 0:
		w->sim.settings.grace = w->sim.settings.grace == FIX_GRACE ? 60 : FIX_GRACE;
		break;
	case 1:
		w->sim.settings.drain = w->sim.settings.drain == FIX_DRAIN ? 30 : FIX_DRAIN;
		break;
	case 2: {
		/* none, ours, another one, or one too long to settle (DIFF_STAMP_ACCOUNT_MAX) */
		static const char *const ids[] = { NULL, FIX_ACCOUNT, FIX_ACCOUNT, "444455556666",
						   "123456789012345678901234" };
		w->sim.settings.account_id = ids[rnd(w, 5)];
		break;
	}
	default: /* a new configuration may name another instance: the caller's context */
		w->sim.settings.instance = strcmp(w->sim.settings.instance, FIX_INSTANCE) == 0 ? OTHER_ID
											       : FIX_INSTANCE;
		w->context++;
		break;
	}
}

/* A policy of tenant i's role edited by hand (the bulk read shows it), in the store
 * and in the world. */
static void edit_policy(struct world *w, unsigned i)
{
	char *role = xasprintf("role-%s", tenant_id(i)), *name = xasprintf("bedrock-tenantd-%s", tenant_id(i));
	struct observed_policy *p = xcalloc(1, sizeof(*p));

	p->role = xstrdup(role);
	p->name = xstrdup(name);
	p->document = xstrdup("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	sim_set_policy(&w->sim, role, name, p->document);
	observed_store_put_policy(&w->sim.store, p);
	free(role);
	free(name);
}

static void mutate(struct world *w)
{
	unsigned i = rnd(w, TENANTS);

	switch (rnd(w, 18)) {
	case 0:
	case 1:
		converge(w, i, rnd(w, 2) ? 1 : 3600);
		break;
	case 2:
		one_round(w, i);
		break;
	case 3:
		hand_tag(w);
		break;
	case 4:
		hand_delete(w);
		break;
	case 5:
		squatter(w);
		break;
	case 6:
	case 14:
	case 15:
	case 16:
		relist(w);
		break;
	case 7:
		hand_policy(w);
		break;
	case 8:
		record_change(w);
		break;
	case 9:
		change_manifest(w);
		break;
	case 10:
		w->sim.now += rnd(w, 2000);
		break;
	case 11:
		change_settings(w);
		break;
	case 12:
		w->sim.held = !w->sim.held;
		break;
	case 13:
		if (rnd(w, 2))
			w->policy[i] = w->policy[i] == DELETION_DELETE ? DELETION_RETAIN : DELETION_DELETE;
		else
			w->sim.store.budgets_listed = !w->sim.store.budgets_listed;
		break;
	case 17: /* the own policy of a tenant with a role (t0, t2, t4), often settled */
		edit_policy(w, 2 * rnd(w, 3));
		break;
	}
}

/* Every tenant: the full diff, and what the skipping pass would have answered. */
static void check_all(struct world *w, unsigned step)
{
	for (unsigned i = 0; i < TENANTS; i++) {
		struct diff_stamp now;
		struct diff_input in = {
			.tenant_id = tenant_id(i),
			.desired = w->desired[i],
			.deletion_policy = w->policy[i],
			.record = w->records[i],
			.deletions_held = w->sim.held,
			.now = w->sim.now,
		};
		struct plan p;

		diff_stamp_take(&w->sim.settings, &in, &w->sim.store, w->context, &now);
		full_diff(w, i, &p);
		if (diff_stamp_same(&w->settled[i], &now)) {
			w->skips++;
			if (!diff_plan_settled(&p))
				fail_msg("step %u: tenant %s skipped, but the full diff plans %zu action(s)%s%s", step,
					 tenant_id(i), p.n_actions, p.error ? ", error: " : "", p.error ? p.error : "");
		}
		w->full_settled += diff_plan_settled(&p);
		diff_stamp_note(&w->settled[i], &now, &p);
		plan_release(&p);
	}
}

static void run(uint64_t seed)
{
	struct world w;

	memset(&w, 0, sizeof(w));
	w.rng = seed;
	sim_init(&w.sim, tenant_id(0));
	tenant_record_free(w.sim.record);
	w.sim.store.policies_listed = seed % 2; /* half the seeds with a bulk IAM read */
	for (unsigned i = 0; i < TENANTS; i++) {
		w.desired[i] = make_tenant(i, 0);
		w.records[i] = tenant_record_new(tenant_id(i));
		w.policy[i] = DELETION_DELETE;
		converge(&w, i, 1);
	}
	for (unsigned step = 0; step < STEPS; step++) {
		/* mostly quiet steps, so that settled tenants are seen again unchanged */
		if (rnd(&w, 3) == 0)
			mutate(&w);
		check_all(&w, step);
	}
	/* the skip was exercised, and a good share of the passes were settled */
	print_message("seed %llu: %u skips, %u settled plans, %zu listings carried over (%zu groups unchanged, "
		      "the rest %zu times)\n",
		      (unsigned long long)seed, w.skips, w.full_settled, w.relists, w.carried, w.store_carried);
	assert_true(w.skips > STEPS / 2);
	assert_true(w.carried > w.relists); /* listings kept generations */
	for (unsigned i = 0; i < TENANTS; i++) {
		tenant_free(w.desired[i]);
		if (i)
			tenant_record_free(w.records[i]);
	}
	w.sim.record = w.records[0];
	sim_release(&w.sim);
}

static void test_skip_never_hides_a_change(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++)
		run(seed);
}

/* The generations themselves: a tenant's changes with entries in and out of the
 * index; another tenant's do not touch it; a new store is new. */
static void test_generations(void **state)
{
	struct sim s;
	uint64_t a, b, store;
	struct observed_profile *p;

	(void)state;
	sim_init(&s, "acme");
	assert_int_equal(observed_store_tenant_gen(&s.store, "acme"), 0);
	p = sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	a = observed_store_tenant_gen(&s.store, "acme");
	store = observed_store_gen(&s.store);
	assert_int_not_equal(a, 0);
	sim_add_profile(&s, "zeta-chat-aaaaaa", "zeta", "chat", FIX_INSTANCE);
	assert_int_equal(observed_store_tenant_gen(&s.store, "acme"), a);
	assert_int_equal(observed_store_gen(&s.store), store);
	/* a copy put over it: a change, even with the same content */
	observed_store_put_profile(&s.store, observed_profile_dup(p));
	b = observed_store_tenant_gen(&s.store, "acme");
	assert_true(b > a);
	/* an untagged entry: the store's generation */
	sim_add_parameter(&s, "/loose", "x", NULL, NULL);
	assert_true(observed_store_gen(&s.store) > store);
	assert_int_equal(observed_store_tenant_gen(&s.store, "acme"), b);
	/* a record's generation moves with each change */
	a = s.record->gen;
	record_set_fact(s.record, "k", "v");
	assert_true(s.record->gen > a);
	sim_release(&s);
}

/* The carry itself: an equal listing keeps every generation; a changed entry costs
 * its tenant's only; an untagged one the store's. */
static void test_carry(void **state)
{
	struct sim s;
	struct observed_store old;
	struct observed_carry_stats st;
	const struct observed_profile *own;
	struct observed_profile *p;
	struct observed_policy *p_live;
	uint64_t acme, zeta, store, policies;

	(void)state;
	sim_init(&s, "acme");
	sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	sim_add_parameter(&s, "/bedrock-tenants/acme/chat/profile-arn", "x", "acme", FIX_INSTANCE);
	sim_add_profile(&s, "zeta-chat-aaaaaa", "zeta", "chat", FIX_INSTANCE);
	acme = observed_store_tenant_gen(&s.store, "acme");
	zeta = observed_store_tenant_gen(&s.store, "zeta");
	store = observed_store_gen(&s.store);

	/* equal, in another order */
	old = s.store;
	copy_store(&old, &s.store, true);
	assert_int_not_equal(observed_store_tenant_gen(&s.store, "acme"), acme);
	observed_carry(&old, &s.store, &st);
	observed_store_release(&old);
	assert_int_equal(st.groups, 2);
	assert_int_equal(st.carried, 2);
	assert_true(st.store_carried);
	assert_int_equal(observed_store_tenant_gen(&s.store, "acme"), acme);
	assert_int_equal(observed_store_tenant_gen(&s.store, "zeta"), zeta);
	assert_int_equal(observed_store_gen(&s.store), store);

	/* zeta's profile tagged by hand */
	old = s.store;
	copy_store(&old, &s.store, false);
	p = observed_profile_dup(observed_store_profile_by_name(&s.store, "zeta-chat-aaaaaa"));
	tag_set_put(&p->tags, "Owner", "someone");
	observed_store_put_profile(&s.store, p);
	observed_carry(&old, &s.store, &st);
	observed_store_release(&old);
	assert_int_equal(st.carried, 1);
	assert_true(st.store_carried);
	assert_int_equal(observed_store_tenant_gen(&s.store, "acme"), acme);
	assert_int_not_equal(observed_store_tenant_gen(&s.store, "zeta"), zeta);
	zeta = observed_store_tenant_gen(&s.store, "zeta");

	/* an untagged parameter appears: the store's generation, not the tenants' */
	old = s.store;
	copy_store(&old, &s.store, false);
	sim_add_parameter(&s, "/loose", "x", NULL, NULL);
	observed_carry(&old, &s.store, &st);
	observed_store_release(&old);
	assert_int_equal(st.carried, 2);
	assert_false(st.store_carried);
	assert_int_not_equal(observed_store_gen(&s.store), store);
	assert_int_equal(observed_store_tenant_gen(&s.store, "zeta"), zeta);

	/* a profile of acme's group by another owner, at acme's profile's name: the one
	 * put last holds the name (the diff sees it there), and a listing may put them
	 * the other way round */
	own = observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa");
	p = sim_add_profile(&s, "acme-chat-aaaaaa", "acme", "chat", OTHER_ID);
	observed_store_put_profile(&s.store, observed_profile_dup(own)); /* own holds it again */
	own = observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa");
	assert_string_not_equal(own->arn, p->arn);
	acme = observed_store_tenant_gen(&s.store, "acme");
	old = s.store;
	copy_store(&old, &s.store, false);
	observed_store_put_profile(&s.store, observed_profile_dup(observed_store_profile(&s.store, p->arn)));
	assert_string_equal(observed_store_profile_by_name(&s.store, "acme-chat-aaaaaa")->arn, p->arn);
	observed_carry(&old, &s.store, &st);
	observed_store_release(&old);
	assert_int_not_equal(observed_store_tenant_gen(&s.store, "acme"), acme);

	/* after a bulk IAM read: a policy edited by hand is a change of the store's
	 * policies, not of the rest of it */
	s.store.policies_listed = true;
	observed_store_put_role(&s.store, "role-acme");
	p_live = xcalloc(1, sizeof(*p_live));
	p_live->role = xstrdup("role-acme");
	p_live->name = xstrdup("bedrock-tenantd-acme");
	p_live->document = xstrdup("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	observed_store_put_policy(&s.store, p_live);
	old = s.store;
	copy_store(&old, &s.store, false);
	observed_carry(&old, &s.store, &st);
	observed_store_release(&old);
	assert_true(st.store_carried);
	assert_true(st.policies_carried);
	store = observed_store_gen(&s.store);
	policies = observed_store_policies_gen(&s.store);
	old = s.store;
	copy_store(&old, &s.store, false);
	p_live = policy_dup(observed_store_policy(&s.store, "role-acme", "bedrock-tenantd-acme"));
	free(p_live->document);
	p_live->document = xstrdup("{\"Version\":\"2008-10-17\",\"Statement\":[]}"); /* as long */
	observed_policy_set_hash(p_live, NULL); /* put digests the new document (a listing reads the new text) */
	observed_store_put_policy(&s.store, p_live);
	observed_carry(&old, &s.store, &st);
	observed_store_release(&old);
	assert_false(st.policies_carried);
	assert_int_not_equal(observed_store_policies_gen(&s.store), policies);
	assert_true(st.store_carried);
	assert_int_equal(observed_store_gen(&s.store), store);
	sim_release(&s);
}

/* Tenants diffed in full by a pass after the last change (check_all: the others are
 * skipped). */
static unsigned diffed(struct world *w)
{
	unsigned skips = w->skips;

	check_all(w, 0);
	return TENANTS - (w->skips - skips);
}

/* After a listing in which k tenants changed, a pass diffs those k, not the place:
 * a policy edited by hand (after a bulk IAM read) is its own tenant's change, as a
 * tagged entry is, and the others stay settled. */
static void test_relist_diffs_the_changed(void **state)
{
	struct world w;
	struct observed_store old;

	(void)state;
	memset(&w, 0, sizeof(w));
	sim_init(&w.sim, tenant_id(0));
	tenant_record_free(w.sim.record);
	w.sim.store.policies_listed = true;
	for (unsigned i = 0; i < TENANTS; i++) {
		w.desired[i] = make_tenant(i, 0);
		w.records[i] = tenant_record_new(tenant_id(i));
		w.policy[i] = DELETION_DELETE;
		converge(&w, i, 1);
	}
	diffed(&w); /* settles every tenant */
	assert_int_equal(diffed(&w), 0);

	/* a listing that shows nothing new */
	old = w.sim.store;
	copy_store(&old, &w.sim.store, true);
	observed_carry(&old, &w.sim.store, NULL);
	observed_store_release(&old);
	assert_int_equal(diffed(&w), 0);

	/* one tenant's policy edited by hand (t2 has a role): that tenant alone */
	old = w.sim.store;
	copy_store(&old, &w.sim.store, false);
	edit_policy(&w, 2);
	observed_carry(&old, &w.sim.store, NULL);
	observed_store_release(&old);
	assert_int_equal(diffed(&w), 1);
	converge(&w, 2, 1);
	diffed(&w);
	assert_int_equal(diffed(&w), 0);

	/* two: a policy (t4) and a tagged profile (t1) */
	old = w.sim.store;
	copy_store(&old, &w.sim.store, false);
	edit_policy(&w, 4);
	{
		const struct observed_group *g = observed_store_group(&w.sim.store, tenant_id(1));
		struct observed_profile *p = observed_profile_dup(g->profiles[0]);
		tag_set_put(&p->tags, "CostCenter", "hacked");
		observed_store_put_profile(&w.sim.store, p);
	}
	observed_carry(&old, &w.sim.store, NULL);
	observed_store_release(&old);
	assert_int_equal(diffed(&w), 2);

	for (unsigned i = 0; i < TENANTS; i++) {
		tenant_free(w.desired[i]);
		if (i)
			tenant_record_free(w.records[i]);
	}
	w.sim.record = w.records[0];
	sim_release(&w.sim);
}

struct stamp_case {
	struct sim sim;
	struct tenant *desired;
	struct diff_input in;
	uint64_t context;
};

static void stamp_case_init(struct stamp_case *c)
{
	memset(c, 0, sizeof(*c));
	sim_init(&c->sim, "acme");
	sim_add_profile(&c->sim, "acme-chat-aaaaaa", "acme", "chat", FIX_INSTANCE);
	c->desired = fix_tenant("acme");
	fix_role(c->desired, "role-acme");
	c->in = (struct diff_input){
		.tenant_id = "acme",
		.desired = c->desired,
		.deletion_policy = DELETION_DELETE,
		.record = c->sim.record,
		.now = c->sim.now,
	};
}

static void stamp_case_release(struct stamp_case *c)
{
	tenant_free(c->desired);
	sim_release(&c->sim);
}

static void take(const struct stamp_case *c, struct diff_stamp *ret)
{
	diff_stamp_take(&c->sim.settings, &c->in, &c->sim.store, c->context, ret);
}

/* settled noted with c's inputs as they are now (an empty plan settles) */
static void settle(const struct stamp_case *c, struct diff_settled *settled)
{
	struct diff_stamp now;
	struct plan p;

	plan_init(&p);
	take(c, &now);
	diff_stamp_note(settled, &now, &p);
	plan_release(&p);
}

static bool same_now(const struct stamp_case *c, struct diff_settled *settled)
{
	struct diff_stamp now;

	take(c, &now);
	return diff_stamp_same(settled, &now);
}

/* The compact form a tenant keeps: every input compared still tells, the account id
 * included (another one, none, "", one that does not fit); unset or not settled is
 * never equal; a policy of another tenant moves the generation and settled follows. */
static void test_settled_digest(void **state)
{
	struct stamp_case c;
	struct diff_settled settled;
	char fits[DIFF_STAMP_ACCOUNT_MAX], too_long[DIFF_STAMP_ACCOUNT_MAX + 1];
	struct diff_stamp now;
	struct plan p;
	uint64_t gen;

	(void)state;
	assert_int_equal(sizeof(struct diff_settled), 40);
	stamp_case_init(&c);
	diff_stamp_clear(&settled);
	assert_false(same_now(&c, &settled)); /* nothing settled */
	settle(&c, &settled);
	assert_true(same_now(&c, &settled));

	/* the account id: another, none, "", then one of the longest that fit */
	c.sim.settings.account_id = "444455556666";
	assert_false(same_now(&c, &settled));
	c.sim.settings.account_id = NULL;
	assert_false(same_now(&c, &settled));
	settle(&c, &settled);
	c.sim.settings.account_id = "";
	assert_false(same_now(&c, &settled));
	c.sim.settings.account_id = NULL;
	assert_true(same_now(&c, &settled));
	memset(fits, '7', sizeof(fits) - 1);
	fits[sizeof(fits) - 1] = '\0';
	c.sim.settings.account_id = fits;
	settle(&c, &settled);
	assert_true(same_now(&c, &settled));
	fits[sizeof(fits) - 2] = '8';
	assert_false(same_now(&c, &settled));

	/* one that does not fit never settles, nor matches one that did */
	memset(too_long, '7', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	c.sim.settings.account_id = too_long;
	assert_false(same_now(&c, &settled));
	settle(&c, &settled);
	assert_false(same_now(&c, &settled));
	c.sim.settings.account_id = FIX_ACCOUNT;
	settle(&c, &settled);

	/* each other input */
	c.sim.settings.grace++;
	assert_false(same_now(&c, &settled));
	c.sim.settings.grace--;
	c.sim.settings.drain++;
	assert_false(same_now(&c, &settled));
	c.sim.settings.drain--;
	c.context++;
	assert_false(same_now(&c, &settled));
	c.context--;
	c.in.deletion_policy = DELETION_RETAIN;
	assert_false(same_now(&c, &settled));
	c.in.deletion_policy = DELETION_DELETE;
	c.in.deletions_held = true;
	assert_false(same_now(&c, &settled));
	c.in.deletions_held = false;
	c.sim.store.budgets_listed = !c.sim.store.budgets_listed;
	assert_false(same_now(&c, &settled));
	c.sim.store.budgets_listed = !c.sim.store.budgets_listed;
	c.sim.store.policies_listed = !c.sim.store.policies_listed;
	assert_false(same_now(&c, &settled));
	c.sim.store.policies_listed = !c.sim.store.policies_listed;
	c.in.desired = NULL;
	assert_false(same_now(&c, &settled));
	c.in.desired = c.desired;
	c.in.record = NULL;
	assert_false(same_now(&c, &settled));
	{ /* another record at the same generation */
		struct tenant_record *r = tenant_record_new("acme");
		r->gen = c.sim.record->gen;
		c.in.record = r;
		assert_false(same_now(&c, &settled));
		tenant_record_free(r);
	}
	c.in.record = c.sim.record;
	assert_true(same_now(&c, &settled));

	/* another tenant's policy: the generation moves, settled takes it */
	gen = observed_store_policies_gen(&c.sim.store);
	observed_store_put_role(&c.sim.store, "role-zeta");
	assert_int_not_equal(observed_store_policies_gen(&c.sim.store), gen);
	assert_true(same_now(&c, &settled));
	assert_int_equal(settled.policies_gen, observed_store_policies_gen(&c.sim.store));

	/* the tenant's own policy appears: not the same */
	{
		struct observed_policy *own = xcalloc(1, sizeof(*own));
		own->role = xstrdup("role-acme");
		own->name = xstrdup(c.desired->policy_name);
		own->document = xstrdup("{\"Version\":\"2012-10-17\",\"Statement\":[]}");
		observed_store_put_policy(&c.sim.store, own);
	}
	assert_false(same_now(&c, &settled));
	settle(&c, &settled);
	assert_true(same_now(&c, &settled));

	/* the tenant's slice, the rest of the store, another store and the record */
	sim_add_profile(&c.sim, "acme-batch-aaaaaa", "acme", "batch", FIX_INSTANCE);
	assert_false(same_now(&c, &settled));
	settle(&c, &settled);
	sim_add_parameter(&c.sim, "/loose", "x", NULL, NULL);
	assert_false(same_now(&c, &settled));
	settle(&c, &settled);
	{
		struct observed_store other;
		observed_store_init(&other);
		diff_stamp_take(&c.sim.settings, &c.in, &other, c.context, &now);
		assert_false(diff_stamp_same(&settled, &now));
		observed_store_release(&other);
	}
	record_set_fact(c.sim.record, "k", "v");
	assert_false(same_now(&c, &settled));
	settle(&c, &settled);

	/* a plan that is not settled keeps nothing */
	plan_init(&p);
	p.wake_at = 1;
	take(&c, &now);
	diff_stamp_note(&settled, &now, &p);
	assert_false(diff_stamp_same(&settled, &now));
	plan_release(&p);
	/* nor does an over-budget tenant's empty plan: a skip would end it with a plan that
	 * does not say so (the tenant Ready while its roles are denied) */
	settle(&c, &settled);
	plan_init(&p);
	p.over_budget = true;
	assert_false(diff_plan_settled(&p));
	take(&c, &now);
	diff_stamp_note(&settled, &now, &p);
	assert_false(diff_stamp_same(&settled, &now));
	plan_release(&p);
	stamp_case_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_carry),
		cmocka_unit_test(test_skip_never_hides_a_change),
		cmocka_unit_test(test_relist_diffs_the_changed),
		cmocka_unit_test(test_settled_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
