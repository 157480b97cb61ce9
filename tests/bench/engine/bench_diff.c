/* bench_diff: the CPU time of one full diff pass over N converged tenants.
 *
 * Builds N desired tenants directly (state/model.h) in the shape of the manifests of
 * tests/bench/config (1-3 profiles, 2-3 tenant tags, a tag per profile, five models
 * among which a cross-Region system profile), an observed store holding exactly what
 * the daemon would have created for them (profiles with their ownership tags and
 * models, parameters naming them) and each tenant's record of applied tag keys, then
 * times what a resync costs the engine per tenant: observed_tenant_collect followed by
 * diff_tenant, for every tenant. A converged world must give empty plans; any action
 * is reported and the run fails. --drift P makes P % of the tenants differ by one
 * profile tag, so their plans carry a tag action each. --roles gives each tenant the
 * manifests' 1-2 IAM roles (app-role-I, and batch-role-I for every fourth), with the
 * digest of the policy last applied to each in the record with the key of its
 * profiles, as after a convergence: the pass takes each document's digest from there
 * (state/policy_memo.h), as a start's first pass does, and writes no document.
 *
 * --skip makes every pass after the first a skipping pass (state/diff_stamp.h): a
 * tenant whose stamp is the one of its last settled plan is not collected nor diffed,
 * as the engine does; --touch P puts a copy of one profile of P % of the tenants
 * before each pass (an own write or a listing's change: their generation moves), so
 * those are diffed in full. The first pass is always full (nothing is settled yet).
 *
 * --relist replaces the store before each pass by a new snapshot with the same content,
 * as a listing does, and carries the generations of what did not change over
 * (state/observed_carry.h), as the engine's on_listed does; --touch P then makes P %
 * of the tenants differ in the snapshot (a parameter put again by hand with the same
 * value: a new version, nothing to do), so those are diffed in full; --touch-policy P
 * makes P % of the tenants' policy show in the snapshot with its document where it
 * had none, or without it where it had one (the same policy, another digest: the
 * tenant's own policy changed, nothing to do). With --roles
 * the store holds the roles and policies too, built as the bulk IAM read builds them
 * (observed_store_new_policy: digest and size, no document), their heap reported. The snapshot
 * is built untimed (a worker thread's work in the daemon); the carry's CPU time and
 * the pass's are reported apart and together, with the tenants diffed; the old store
 * is released after the pass (the daemon's reaper, later) and its CPU time reported
 * apart.
 *
 * Reported: CPU time (CLOCK_PROCESS_CPUTIME_ID) and wall time of each pass, their
 * median, the heap the desired model, the observed store and the records take
 * (mallinfo2), and the interned strings (state/intern.h) among them; with --roles, the
 * policy memo's table at the end (state/policy_memo.h). */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_tenants.h"
#include "diff.h"
#include "diff_stamp.h"
#include "intern.h"
#include "observed.h"
#include "observed_carry.h"
#include "plan.h"
#include "policy_doc.h"
#include "policy_memo.h"
#include "record.h"
#include "xalloc.h"

#define INSTANCE   "bedrock-tenantd"
#define ACCOUNT_ID "111122223333"
#define REGION	   "us-east-1"
#define MAX_RUNS   100

/* Where the system profile routes (awsim's catalogue lists these three). */
static const char *const us_regions[] = { "us-east-1", "us-east-2", "us-west-2" };

struct world {
	struct tenant **tenants;
	struct tenant_record **records;
	size_t n;
	struct observed_store store;
	struct diff_settings settings;
	size_t profiles, parameters;
	bool roles;
	struct diff_settled *settled; /* --skip: per tenant */
	bool policies;		      /* --relist --roles: the store holds the roles' policies */
	size_t policy_bytes;	      /* the heap the roles and policies take in the store */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_diff [--tenants N] [--runs R] [--drift PERCENT] [--roles] [--skip | --relist]\n"
		   "                  [--touch PERCENT]\n"
		   "                  [--touch-policy PERCENT] [--memo-filled]\n"
		   "\n"
		   "Times one full diff pass (observed_tenant_collect + diff_tenant for every tenant)\n"
		   "over N converged tenants, R times, and prints each pass and the median.\n"
		   "\n"
		   "  --tenants N      tenants (default 100000)\n"
		   "  --runs R         passes (default 7, at most 100)\n"
		   "  --drift PERCENT  tenants whose observed profile lacks one desired tag (default 0)\n"
		   "  --roles          1-2 IAM roles a tenant, their policies applied (default: none)\n"
		   "  --skip           passes after the first skip tenants settled with the same inputs\n"
		   "  --relist         before each pass a new snapshot replaces the store, generations carried\n"
		   "  --touch PERCENT  with --skip: tenants whose profile is put again before each pass;\n"
		   "                   with --relist: tenants whose parameter differs in the snapshot\n"
		   "  --touch-policy PERCENT\n"
		   "                   with --relist --roles: tenants whose policy shows with its document or\n"
		   "                   without it in the snapshot (its digest differs, the same policy)\n"
		   "  --memo-filled    with --roles: the policy memo holds every tenant's document, as a\n"
		   "                   cold convergence that wrote them leaves it (its table printed before\n"
		   "                   the passes and after)\n"
		   "  --help           this text\n");
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void add_profile(struct tenant *t, size_t i, size_t k)
{
	struct profile *p = &t->profiles[k];
	const char *model = bench_models[(i + k) % BENCH_MODELS];
	bool system = strncmp(model, "us.", 3) == 0;

	memset(p, 0, sizeof(*p));
	p->key = intern_take(xasprintf("p%zu", k));
	p->model = intern(model);
	p->model_kind = system ? MODEL_SYSTEM_PROFILE_ID : MODEL_FOUNDATION_ID;
	p->description = xasprintf("Workload %zu of tenant %zu", k, i);
	tag_set_init(&p->tags);
	tag_set_reserve(&p->tags, 1); /* exact, as the manifest parser sizes tag sets */
	tag_set_put(&p->tags, "app", p->key);
	tag_set_share(&p->tags);
	/* any six hex digits do: the diff compares names and the spec tag, it does not hash */
	snprintf(p->spec_hash, sizeof(p->spec_hash), "%06zx", (i * 7 + k * 131) & 0xffffff);
	p->name = xasprintf("%s-%s-%s", t->id, p->key, p->spec_hash);
	p->parameter = intern_take(xasprintf("/bedrock-tenants/%s/%s/profile-arn", t->id, p->key));
}

static struct tenant *make_tenant(size_t i, bool roles)
{
	struct tenant *t = xcalloc(1, sizeof(*t));
	const char *dept = bench_departments[i % BENCH_DEPARTMENTS];
	char project[32];

	t->id = intern_take(xasprintf("tenant-%06zu", i));
	t->department = intern(dept);
	snprintf(project, sizeof(project), "project_%zu", i % 500);
	t->project = intern(project);
	t->region = intern(REGION);
	t->account = intern("prod");
	tag_set_init(&t->tags);
	tag_set_reserve(&t->tags, i % 2 ? 3 : 2);
	tag_set_put(&t->tags, "CostCenter", dept);
	tag_set_put(&t->tags, "Project", project);
	if (i % 2) {
		char owner[48];
		snprintf(owner, sizeof(owner), "team-%zu@example.com", i % 97);
		tag_set_put(&t->tags, "Owner", owner);
	}
	tag_set_share(&t->tags); /* as the manifest parser leaves it */
	t->n_profiles = 1 + i % 3;
	t->profiles = xcalloc(t->n_profiles, sizeof(*t->profiles));
	for (size_t k = 0; k < t->n_profiles; k++)
		add_profile(t, i, k);
	t->policy_name = xasprintf("bedrock-tenantd-%s", t->id);
	if (roles) { /* sorted: app- before batch- */
		t->n_roles = i % 4 ? 1 : 2;
		t->roles = xcalloc(t->n_roles, sizeof(char *));
		t->roles[0] = xasprintf("app-role-%zu", i);
		if (t->n_roles == 2)
			t->roles[1] = xasprintf("batch-role-%zu", i);
	}
	t->file = xasprintf("tenants/group-%03zu/%s.yaml", i / 1000, t->id);
	t->revision = intern_take(xasprintf("%064zx", i));
	return tenant_compact(t); /* as the manifest parser leaves it */
}

/* What the daemon's creates leave behind for profile k of tenant i: the profile with
 * its tags and models, the parameter naming it, the applied tag keys. */
static void observe_profile(struct world *w, size_t i, size_t k, bool drift)
{
	const struct tenant *t = w->tenants[i];
	const struct profile *dp = &t->profiles[k];
	char *model_arn = diff_model_arn(t, dp, NULL, ACCOUNT_ID);
	char *id = xasprintf("%012zx", w->profiles + 1);
	char *arn = xasprintf("arn:aws:bedrock:%s:%s:application-inference-profile/%s", REGION, ACCOUNT_ID, id);
	bool system = dp->model_kind == MODEL_SYSTEM_PROFILE_ID;
	/* as a listing builds them: in the store's arena */
	struct observed_profile *p = observed_store_new_profile(&w->store, arn, dp->name, system ? 3 : 1);
	struct observed_parameter *q = observed_store_new_parameter(&w->store, dp->parameter, arn);

	free(id);
	free(arn);
	if (system) {
		const char *base = profile_model_id(dp) + 3;
		for (size_t r = 0; r < 3; r++)
			p->model_arns[r] = intern_take(
				xasprintf("arn:aws:bedrock:%s::foundation-model/%s", us_regions[r], base));
	} else {
		p->model_arns[0] = intern(model_arn);
	}
	diff_profile_tags(&w->settings, t, dp, model_arn, &p->tags);
	if (drift)
		tag_set_remove(&p->tags, "app");
	p->tags_known = true;
	p->listed = true;
	p->created_at = 1700000000;

	q->version = 1;
	diff_parameter_tags(&w->settings, t, dp, &q->tags);
	q->tags_known = true;

	observed_store_put_profile(&w->store, p);
	observed_store_put_parameter(&w->store, q);
	w->profiles++;
	w->parameters++;
	free(model_arn);
}

/* The tag keys the daemon applied to each resource of tenant i: everything it set at
 * creation. */
static void remember_applied(struct world *w, size_t i)
{
	const struct tenant *t = w->tenants[i];

	const struct observed_profile **owned = xcalloc(t->n_profiles, sizeof(*owned));
	struct content_digest doc_key;
	char *doc, *hash, *fact;

	w->records[i] = tenant_record_new(t->id);
	w->records[i]->known = true;
	for (size_t k = 0; k < t->n_profiles; k++) {
		struct tag_set tags;
		const struct profile *dp = &t->profiles[k];
		const struct observed_profile *p = observed_store_profile_by_name(&w->store, dp->name);
		char *model_arn = diff_model_arn(t, dp, NULL, ACCOUNT_ID);

		diff_profile_tags(&w->settings, t, dp, model_arn, &tags);
		record_note_tagged(w->records[i], p->arn, &tags);
		tag_set_release(&tags);
		diff_parameter_tags(&w->settings, t, dp, &tags);
		record_note_tagged(w->records[i], dp->parameter, &tags);
		tag_set_release(&tags);
		free(model_arn);
		owned[k] = p;
	}
	/* the policy the daemon put on each role, and the digest it noted with the key
	 * of its profiles (state/policy_memo.h) */
	doc = policy_document(owned, t->n_profiles);
	hash = policy_hash(doc);
	if (policy_memo_key(owned, t->n_profiles, &doc_key))
		fact = policy_memo_fact(hash, &doc_key);
	else
		fact = xstrdup(hash);
	for (size_t r = 0; r < t->n_roles; r++) {
		char *key = record_key_policy_fact(t->roles[r], t->policy_name);
		record_set_fact(w->records[i], key, fact);
		free(key);
		if (w->policies) { /* as the bulk IAM read builds it (daemon/cloud_aws.c build_roles) */
			size_t h = heap_in_use();
			observed_store_put_role(&w->store, t->roles[r]);
			observed_store_put_policy(&w->store,
						  observed_store_new_policy(&w->store, t->roles[r], t->policy_name,
									    hash, policy_size(doc)));
			w->policy_bytes += heap_in_use() - h;
		}
	}
	free(doc);
	free(hash);
	free(fact);
	free(owned);
}

/* --memo-filled: the memo as a cold convergence leaves it, each tenant's document
 * digested and remembered by its key (the pass that wrote it, state/diff_policy.c)
 * while its record's fact, written after, holds the same. */
static void memo_fill(const struct world *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct tenant *t = w->tenants[i];
		const struct observed_profile **owned;
		struct content_digest key;
		char *fact_key;
		const char *fact;

		if (!t->n_roles || !t->n_profiles)
			continue;
		owned = xcalloc(t->n_profiles, sizeof(*owned));
		for (size_t k = 0; k < t->n_profiles; k++)
			owned[k] = observed_store_profile_by_name(&w->store, t->profiles[k].name);
		fact_key = record_key_policy_fact(t->roles[0], t->policy_name);
		fact = record_fact(w->records[i], fact_key);
		if (fact && policy_memo_key(owned, t->n_profiles, &key)) {
			char hash[DIGEST_HEX_SHORT + 1];
			snprintf(hash, sizeof(hash), "%s", fact);
			policy_memo_put(key, hash);
		}
		free(fact_key);
		free(owned);
	}
}

static void world_build(struct world *w, size_t n, unsigned drift_percent, bool roles, bool policies,
			size_t *ret_desired_bytes, size_t *ret_observed_bytes, size_t *ret_record_bytes)
{
	size_t h0 = heap_in_use(), h1, h2;

	memset(w, 0, sizeof(*w));
	w->policies = policies;
	w->settings = (struct diff_settings){
		.instance = INSTANCE, .account_id = ACCOUNT_ID, .grace = 600, .drain = 900
	};
	w->n = n;
	w->roles = roles;
	w->tenants = xcalloc(n, sizeof(*w->tenants));
	w->records = xcalloc(n, sizeof(*w->records));
	for (size_t i = 0; i < n; i++)
		w->tenants[i] = make_tenant(i, roles);
	h1 = heap_in_use();
	observed_store_init(&w->store);
	w->store.policies_listed = policies;
	for (size_t i = 0; i < n; i++) {
		/* spread the drifting tenants evenly */
		bool drift = drift_percent && (i * drift_percent) / 100 != ((i + 1) * drift_percent) / 100;
		for (size_t k = 0; k < w->tenants[i]->n_profiles; k++)
			observe_profile(w, i, k, drift && k == 0);
	}
	h2 = heap_in_use();
	for (size_t i = 0; i < n; i++)
		remember_applied(w, i);
	*ret_desired_bytes = h1 - h0;
	/* the roles and policies join the store as the records are written: theirs */
	*ret_observed_bytes = h2 - h1 + w->policy_bytes;
	*ret_record_bytes = heap_in_use() - h2 - w->policy_bytes;
}

static void world_release(struct world *w)
{
	for (size_t i = 0; i < w->n; i++) {
		tenant_free(w->tenants[i]);
		tenant_record_free(w->records[i]);
	}
	free(w->tenants);
	free(w->records);
	free(w->settled);
	observed_store_release(&w->store);
}

static void print_plan(const char *tenant, const struct plan *p)
{
	fprintf(stderr, "bench_diff: %s is not converged: %zu action(s)%s%s\n", tenant, p->n_actions,
		p->error ? ", error: " : "", p->error ? p->error : "");
	for (size_t i = 0; i < p->n_actions; i++)
		fprintf(stderr, "  %s %s (%s)\n", action_kind_name(p->actions[i].kind),
			p->actions[i].resource ? p->actions[i].resource : "", p->actions[i].reason);
}

/* --touch: a copy of the first profile of `percent` % of the tenants (spread evenly,
 * another share each time) put over it, as an own write or a listing would. */
static void touch(struct world *w, size_t percent, size_t round)
{
	for (size_t i = 0; i < w->n; i++) {
		size_t k = i + round * 7;
		const struct observed_profile *p;
		if ((k * percent) / 100 == ((k + 1) * percent) / 100)
			continue;
		p = observed_store_profile_by_name(&w->store, w->tenants[i]->profiles[0].name);
		observed_store_put_profile(&w->store, observed_profile_dup(p));
	}
}

static struct observed_policy *policy_dup(const struct observed_policy *p)
{
	struct observed_policy *c = xcalloc(1, sizeof(*c));
	char hash_buf[POLICY_HASH_TEXT], role_buf[POLICY_ROLE_TEXT];

	c->role = xstrdup(observed_policy_role(p, role_buf));
	c->name = xstrdup(p->name);
	c->document = xstrdup_or_null(p->document);
	observed_policy_set_hash(c, xstrdup_or_null(observed_policy_hash(p, hash_buf)));
	c->role_missing = p->role_missing;
	c->chars = p->chars; /* a bulk read's policy has no document to size it from */
	observed_policy_copy_others(c, p);
	return c;
}

/* A listing's copy of p in s: in s's arena, as a listing builds its entries. */
static struct observed_profile *listed_profile(struct observed_store *s, const struct observed_profile *p)
{
	struct observed_profile *c = observed_store_new_profile(s, p->arn, p->name, p->n_model_arns);

	for (size_t i = 0; i < p->n_model_arns; i++)
		c->model_arns[i] = intern_ref(p->model_arns[i]);
	tag_set_copy(&c->tags, &p->tags);
	c->tags_known = p->tags_known;
	c->listed = p->listed;
	c->models_unknown = p->models_unknown;
	c->created_at = p->created_at;
	return c;
}

static struct observed_parameter *listed_parameter(struct observed_store *s, const struct observed_parameter *p)
{
	struct observed_parameter *c = observed_store_new_parameter(s, p->name, p->value);

	c->version = p->version;
	c->modified_ms = p->modified_ms;
	tag_set_copy(&c->tags, &p->tags);
	c->tags_known = p->tags_known;
	return c;
}

/* --relist: a new snapshot with the store's content (built untimed, as a listing
 * builds it: profiles and parameters in its arena), `percent` % of the tenants' first
 * parameter at a new version (another share each time), then the carry (timed:
 * *ret_cpu). The old store goes to *ret_old: the caller releases it after the pass,
 * as the daemon's reaper does over the turns after a listing (on the listing
 * thread's malloc arena, not the loop's). Released before the pass, its millions of
 * freed chunks would be sorted by glibc inside the first larger allocations of the
 * pass (the policy documents of the changed tenants), which is the release's cost,
 * not the diff's. */
static void relist(struct world *w, size_t percent, size_t policy_percent, size_t round, double *ret_cpu,
		   struct observed_carry_stats *st, struct observed_store *ret_old)
{
	struct observed_store next;
	size_t pos = 0;
	const char *key;
	void *v;
	double c0;

	observed_store_init(&next);
	while (hashmap_next(&w->store.roles, &pos, &key, NULL))
		observed_store_put_role(&next, key);
	for (pos = 0; hashmap_next(&w->store.policies, &pos, NULL, &v);) {
		const struct observed_policy *p = v;
		char hash_buf[POLICY_HASH_TEXT], role_buf[POLICY_ROLE_TEXT];
		/* a bulk read's entry as the bulk read builds it; a policy read alone as it was */
		observed_store_put_policy(
			&next, p->document || !observed_policy_exists(p)
				       ? policy_dup(p)
				       : observed_store_new_policy(&next, observed_policy_role(p, role_buf), p->name,
								   observed_policy_hash(p, hash_buf), p->chars));
	}
	for (pos = 0; hashmap_next(&w->store.profiles, &pos, NULL, &v);)
		observed_store_put_profile(&next, listed_profile(&next, v));
	for (pos = 0; hashmap_next(&w->store.parameters, &pos, NULL, &v);)
		observed_store_put_parameter(&next, listed_parameter(&next, v));
	next.budgets_listed = w->store.budgets_listed;
	next.policies_listed = w->store.policies_listed;
	for (size_t i = 0; percent && i < w->n; i++) {
		size_t k = i + round * 7;
		struct observed_parameter *q;
		if ((k * percent) / 100 == ((k + 1) * percent) / 100)
			continue;
		q = listed_parameter(&next, observed_store_parameter(&next, w->tenants[i]->profiles[0].parameter));
		q->version++;
		observed_store_put_parameter(&next, q);
	}
	for (size_t i = 0; policy_percent && w->policies && i < w->n; i++) {
		size_t k = i + round * 7;
		const struct tenant *t = w->tenants[i];
		struct observed_policy *c;
		if ((k * policy_percent) / 100 == ((k + 1) * policy_percent) / 100)
			continue;
		c = policy_dup(observed_store_policy(&next, t->roles[0], t->policy_name));
		if (c->document) { /* as a bulk read shows it: digest and size only */
			free(c->document);
			c->document = NULL;
		} else { /* as a read of the one policy shows it */
			struct observed_profile const **owned = xcalloc(t->n_profiles, sizeof(*owned));
			for (size_t j = 0; j < t->n_profiles; j++)
				owned[j] = observed_store_profile_by_name(&next, t->profiles[j].name);
			c->document = policy_document(owned, t->n_profiles);
			free(owned);
		}
		observed_store_put_policy(&next, c);
	}
	c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
	observed_carry(&w->store, &next, st);
	*ret_cpu = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
	*ret_old = w->store;
	w->store = next;
}

/* One pass: every tenant's view collected and diffed, as a resync does (with
 * w->settled, a settled tenant whose inputs did not change is skipped). Returns the
 * number of actions planned; *ret_first names a tenant whose plan was not empty;
 * *ret_skipped counts the tenants skipped. */
static size_t pass(const struct world *w, double *ret_cpu, double *ret_wall, size_t *ret_first, size_t *ret_skipped)
{
	double c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID), w0 = bench_clock(CLOCK_MONOTONIC);
	size_t actions = 0;

	*ret_first = SIZE_MAX;
	*ret_skipped = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct tenant *t = w->tenants[i];
		struct observed_tenant o;
		struct plan p;
		struct diff_input in = {
			.tenant_id = t->id,
			.desired = t,
			.deletion_policy = t->deletion_policy,
			.record = w->records[i],
			.observed = &o,
			.now = 1700000600,
		};
		struct diff_stamp stamp;

		if (w->settled) {
			diff_stamp_take(&w->settings, &in, &w->store, 0, &stamp);
			if (diff_stamp_same(&w->settled[i], &stamp)) {
				(*ret_skipped)++;
				continue;
			}
		}
		observed_tenant_collect(&w->store, INSTANCE, t->id, t, &o);
		diff_tenant(&w->settings, &in, &p);
		if (w->settled)
			diff_stamp_note(&w->settled[i], &stamp, &p);
		if ((p.n_actions || p.error) && *ret_first == SIZE_MAX)
			*ret_first = i;
		actions += p.n_actions + (p.error != NULL);
		plan_release(&p);
		observed_tenant_release(&o);
	}
	*ret_cpu = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
	*ret_wall = bench_clock(CLOCK_MONOTONIC) - w0;
	return actions;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tenants", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "drift", required_argument, NULL, 'd' },
		{ "roles", no_argument, NULL, 'o' },
		{ "skip", no_argument, NULL, 's' },
		{ "touch", required_argument, NULL, 't' },
		{ "touch-policy", required_argument, NULL, 'p' },
		{ "relist", no_argument, NULL, 'l' },
		{ "memo-filled", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t n = 100000, runs = 7, drift = 0, touched = 0, policy_touched = 0, skipped, desired_bytes, observed_bytes,
	       record_bytes, expected, first;
	double cpu[MAX_RUNS], wall[MAX_RUNS], carry_cpu[MAX_RUNS], both[MAX_RUNS], t0;
	struct world w;
	int c, rc = 0;
	bool roles = false, skip = false, relisting = false, memo_filled = false;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (bench_parse_size("bench_diff", optarg, "--tenants", 1, 10000000, &n) < 0)
				return 2;
			break;
		case 'r':
			if (bench_parse_size("bench_diff", optarg, "--runs", 1, MAX_RUNS, &runs) < 0)
				return 2;
			break;
		case 'd':
			if (bench_parse_size("bench_diff", optarg, "--drift", 0, 100, &drift) < 0)
				return 2;
			break;
		case 'o':
			roles = true;
			break;
		case 's':
			skip = true;
			break;
		case 'l':
			relisting = skip = true;
			break;
		case 't':
			if (bench_parse_size("bench_diff", optarg, "--touch", 0, 100, &touched) < 0)
				return 2;
			break;
		case 'p':
			if (bench_parse_size("bench_diff", optarg, "--touch-policy", 0, 100, &policy_touched) < 0)
				return 2;
			break;
		case 'm':
			memo_filled = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	t0 = bench_clock(CLOCK_MONOTONIC);
	world_build(&w, n, (unsigned)drift, roles, relisting && roles, &desired_bytes, &observed_bytes, &record_bytes);
	printf("tenants: %zu, profiles: %zu, parameters: %zu, drifting tenants: %zu %%, roles: %s\n", w.n, w.profiles,
	       w.parameters, drift,
	       !roles	    ? "none"
	       : w.policies ? "1-2 a tenant, their policies in the store (bulk read)"
			    : "1-2 a tenant");
	printf("built in %.2f s; heap: desired model %.1f MB, observed store %.1f MB, records %.1f MB\n",
	       bench_clock(CLOCK_MONOTONIC) - t0, (double)desired_bytes / 1e6, (double)observed_bytes / 1e6,
	       (double)record_bytes / 1e6);
	{
		size_t strings, bytes;
		intern_stats(&strings, &bytes);
		printf("interned strings: %zu, %.1f MB with their table (each counted in the part that held it "
		       "first)\n",
		       strings, (double)bytes / 1e6);
		if (w.policies)
			printf("of the observed store: roles and policies %.1f MB, %zu policies\n",
			       (double)w.policy_bytes / 1e6, w.store.policies.n);
	}

	if (roles && memo_filled) {
		memo_fill(&w);
		printf("policy memo before the passes: %zu slots, %.1f MB\n", policy_memo_slots(),
		       (double)policy_memo_bytes() / 1e6);
	}
	if (skip)
		w.settled = xcalloc(n, sizeof(*w.settled));
	/* a drifting tenant plans one profile tag action */
	expected = drift ? (n * drift) / 100 : 0;
	if (skip) { /* the first pass settles the tenants; the skipping passes follow */
		size_t actions = pass(&w, &cpu[0], &wall[0], &first, &skipped);
		printf("pass 0 (full, settles): %.1f ms CPU, %.1f ms wall, %zu action(s)\n", cpu[0] * 1e3,
		       wall[0] * 1e3, actions);
	}
	for (size_t r = 0; r < runs; r++) {
		struct observed_carry_stats st;
		struct observed_store old;
		size_t actions;
		double release_cpu = 0;

		if (relisting)
			relist(&w, touched, policy_touched, r, &carry_cpu[r], &st, &old);
		else if (skip && touched)
			touch(&w, touched, r);
		actions = pass(&w, &cpu[r], &wall[r], &first, &skipped);
		both[r] = relisting ? carry_cpu[r] + cpu[r] : cpu[r];
		if (relisting) {
			double c0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
			observed_store_release(&old);
			release_cpu = bench_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
		}
		if (relisting)
			printf("pass %zu: carry %.1f ms CPU (%zu of %zu groups, store %s, policies %s, %zu values "
			       "compared), pass "
			       "%.1f "
			       "ms CPU, together %.1f ms; %zu action(s), %zu tenant(s) skipped, %zu diffed; the old "
			       "store released after: %.1f ms CPU\n",
			       r + 1, carry_cpu[r] * 1e3, st.carried, st.groups, st.store_carried ? "carried" : "new",
			       st.policies_carried ? "carried" : "new", st.entries, cpu[r] * 1e3, both[r] * 1e3,
			       actions, skipped, n - skipped, release_cpu * 1e3);
		else if (skip) /* a drifting tenant is never settled: it plans its action again */
			printf("pass %zu: %.1f ms CPU, %.1f ms wall, %zu action(s), %zu tenant(s) skipped\n", r + 1,
			       cpu[r] * 1e3, wall[r] * 1e3, actions, skipped);
		else
			printf("pass %zu: %.1f ms CPU, %.1f ms wall, %zu action(s)\n", r + 1, cpu[r] * 1e3,
			       wall[r] * 1e3, actions);
		if (actions != expected && (drift || first == SIZE_MAX)) {
			fprintf(stderr, "bench_diff: %zu action(s) planned, %zu expected\n", actions, expected);
			rc = 1;
			break;
		}
		if (actions != expected) {
			struct observed_tenant o;
			struct plan p;
			struct diff_input in = { .tenant_id = w.tenants[first]->id,
						 .desired = w.tenants[first],
						 .record = w.records[first],
						 .observed = &o,
						 .now = 1700000600 };
			fprintf(stderr, "bench_diff: %zu action(s) planned, none expected\n", actions);
			observed_tenant_collect(&w.store, INSTANCE, w.tenants[first]->id, w.tenants[first], &o);
			diff_tenant(&w.settings, &in, &p);
			print_plan(w.tenants[first]->id, &p);
			plan_release(&p);
			observed_tenant_release(&o);
			rc = 1;
			break;
		}
	}
	if (rc == 0) {
		qsort(cpu, runs, sizeof(double), cmp_double);
		qsort(wall, runs, sizeof(double), cmp_double);
		if (relisting) {
			qsort(carry_cpu, runs, sizeof(double), cmp_double);
			qsort(both, runs, sizeof(double), cmp_double);
			printf("median of %zu relistings: carry %.1f ms CPU, pass %.1f ms CPU, together %.1f ms CPU "
			       "(min %.1f, max %.1f)\n",
			       runs, carry_cpu[runs / 2] * 1e3, cpu[runs / 2] * 1e3, both[runs / 2] * 1e3,
			       both[0] * 1e3, both[runs - 1] * 1e3);
		}
		printf("median of %zu passes: %.1f ms CPU (%.0f ns per tenant), %.1f ms wall; min %.1f, max %.1f ms "
		       "CPU\n",
		       runs, cpu[runs / 2] * 1e3, cpu[runs / 2] * 1e9 / (double)n, wall[runs / 2] * 1e3, cpu[0] * 1e3,
		       cpu[runs - 1] * 1e3);
	}
	if (roles)
		printf("policy memo: %zu slots, %.1f MB\n", policy_memo_slots(), (double)policy_memo_bytes() / 1e6);
	world_release(&w);
	return rc;
}
