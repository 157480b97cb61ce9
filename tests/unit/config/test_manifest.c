/* Manifests: every field into struct tenant, derived names, defaults, limits, and the
 * problems a manifest can have (one file per case lives in golden/bad/). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "intern.h"
#include "daemon_config_reload.h"
#include "manifest.h"
#include "strbuf.h"
#include "xalloc.h"

static const char full[] = "apiVersion: bedrock-tenantd/v1\n"
			   "kind: Tenant\n"
			   "metadata:\n"
			   "  name: acme-claims\n"
			   "spec:\n"
			   "  department: claims\n"
			   "  project: claims_chatbot\n"
			   "  region: us-east-1\n"
			   "  account: prod\n"
			   "  tags:\n"
			   "    Project: claims_chatbot\n"
			   "    CostCenter: claims\n"
			   "  profiles:\n"
			   "    - name: summarize\n"
			   "      model: us.anthropic.claude-3-5-haiku-20241022-v1:0\n"
			   "    - name: chat\n"
			   "      model: anthropic.claude-3-5-haiku-20241022-v1:0\n"
			   "      description: Claims chatbot\n"
			   "      tags: {app: claims_chatbot, tier: \"1\"}\n"
			   "  budget:\n"
			   "    limit_usd: 1000.50\n"
			   "    period: quarterly\n"
			   "    alerts:\n"
			   "      - threshold_percent: 100\n"
			   "        type: forecasted\n"
			   "        sns_topic: arn:aws:sns:us-east-1:111122223333:budget-alerts\n"
			   "      - threshold_percent: 80.5\n"
			   "        emails: [z@example.com, a@example.com]\n"
			   "  access:\n"
			   "    roles: [zeta-app, alpha-app]\n"
			   "  deletion_policy: retain\n"
			   "  suspended: true\n";

static const char minimal[] = "apiVersion: bedrock-tenantd/v1\n"
			      "kind: Tenant\n"
			      "metadata: {name: m}\n"
			      "spec:\n"
			      "  department: claims\n"
			      "  tags: {CostCenter: claims}\n"
			      "  profiles: [{name: p, model: amazon.nova-lite-v1:0}]\n";

static void test_every_field(void **state)
{
	struct daemon_config *cfg = test_default_config();
	char *d;
	struct tenant *t = test_manifest(cfg, full, &d);
	const struct profile *p;

	assert_string_equal(d, "");
	assert_non_null(t);
	assert_string_equal(t->id, "acme-claims");
	assert_string_equal(t->department, "claims");
	assert_string_equal(t->project, "claims_chatbot");
	assert_string_equal(t->region, "us-east-1");
	assert_string_equal(t->account, "prod");
	assert_int_equal(t->tags.n, 2);
	assert_string_equal(t->tags.items[0].key, "CostCenter"); /* sorted */
	assert_int_equal(t->n_profiles, 2);
	p = &t->profiles[0]; /* sorted by key */
	assert_string_equal(p->key, "chat");
	assert_string_equal(p->model, "anthropic.claude-3-5-haiku-20241022-v1:0");
	assert_int_equal(p->model_kind, MODEL_FOUNDATION_ID);
	assert_string_equal(profile_model_id(p), "anthropic.claude-3-5-haiku-20241022-v1:0");
	assert_string_equal(p->description, "Claims chatbot");
	assert_string_equal(tag_set_get(&p->tags, "tier"), "1");
	assert_string_equal(p->spec_hash, "784833");
	assert_string_equal(p->name, "acme-claims-chat-784833");
	assert_string_equal(p->parameter, "/bedrock-tenants/acme-claims/chat/profile-arn");
	assert_int_equal(p->line, 16);
	assert_int_equal(p->col, 7);
	p = tenant_profile(t, "summarize");
	assert_int_equal(p->model_kind, MODEL_SYSTEM_PROFILE_ID);
	assert_null(p->description);
	assert_string_equal(p->name, "acme-claims-summarize-9f4799");
	assert_string_equal(t->budget->limit_usd, "1000.5");
	assert_int_equal(t->budget->period, BUDGET_QUARTERLY);
	assert_int_equal(t->budget->n_alerts, 2);
	assert_int_equal(t->budget->alerts[0].type, ALERT_ACTUAL); /* sorted by (type, threshold) */
	assert_true(t->budget->alerts[0].threshold_percent == 80.5);
	assert_string_equal(t->budget->alerts[0].emails[0], "a@example.com");
	assert_null(t->budget->alerts[0].sns_topic);
	assert_int_equal(t->budget->alerts[1].type, ALERT_FORECASTED);
	assert_int_equal(t->budget->alerts[1].n_emails, 0);
	assert_string_equal(t->budget->alerts[1].sns_topic, "arn:aws:sns:us-east-1:111122223333:budget-alerts");
	assert_int_equal(t->n_roles, 2);
	assert_string_equal(t->roles[0], "alpha-app");
	assert_true(tenant_has_role(t, "zeta-app"));
	assert_int_equal(t->deletion_policy, DELETION_RETAIN);
	assert_true(t->suspended);
	assert_string_equal(t->budget_name, "bedrock-tenant-acme-claims");
	assert_string_equal(t->policy_name, "bedrock-tenantd-acme-claims");
	assert_string_equal(t->file, "t.yaml");
	assert_int_equal(strlen(t->revision), 64);
	{ /* the same tags in another manifest: one copy of each set */
		char *d2;
		struct tenant *t2 = test_manifest(cfg, full, &d2);
		assert_int_equal(t->tags.alloc, TAG_SET_SHARED);
		assert_ptr_equal(t2->tags.items, t->tags.items);
		assert_ptr_equal(tenant_profile(t2, "chat")->tags.items, tenant_profile(t, "chat")->tags.items);
		free(d2);
		tenant_free(t2);
	}
	free(d);
	tenant_free(t);
	daemon_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct daemon_config *cfg = test_default_config();
	char *d;
	struct tenant *t = test_manifest(cfg, minimal, &d);

	assert_string_equal(d, "");
	assert_string_equal(t->region, "us-east-1"); /* the configuration's */
	assert_null(t->account);
	assert_null(t->project);
	assert_null(t->budget);
	assert_null(t->budget_name);
	assert_string_equal(t->policy_name, "bedrock-tenantd-m");
	assert_int_equal(t->n_roles, 0);
	assert_int_equal(t->deletion_policy, DELETION_DELETE);
	assert_false(t->suspended);
	free(d);
	tenant_free(t);
	daemon_config_free(cfg);
}

/* The tenant id, the profile keys and the parameter names are interned: the records
 * and the observed store hold the same strings (and tenants repeat profile keys), so
 * 100,000 tenants keep one copy of each. tenant_dup shares them. */
static void test_shared_names_interned(void **state)
{
	struct daemon_config *cfg = test_default_config();
	char *d;
	struct tenant *t = test_manifest(cfg, full, &d), *c;
	const char *id = intern("acme-claims"), *key = intern("chat"), *param;
	const struct profile *p;

	(void)state;
	assert_string_equal(d, "");
	assert_ptr_equal(t->id, id);
	p = tenant_profile(t, "chat");
	assert_ptr_equal(p->key, key);
	assert_string_equal(p->parameter, "/bedrock-tenants/acme-claims/chat/profile-arn");
	param = intern(p->parameter);
	assert_ptr_equal(p->parameter, param);
	intern_unref(param);
	c = tenant_dup(t);
	assert_ptr_equal(c->id, t->id);
	assert_ptr_equal(c->profiles[0].parameter, t->profiles[0].parameter);
	tenant_free(t);
	assert_string_equal(c->id, "acme-claims");
	tenant_free(c);
	intern_unref(id);
	intern_unref(key);
	free(d);
	daemon_config_free(cfg);
}

/* A parsed tenant is one allocation with what it owns apart (state/model.h,
 * tenant_compact): the tenant, its profiles, then its roles' array, each profile's
 * name and description, the roles, the policy and budget names, one after the other,
 * then its budget and its limit, its file last; read as before, freed at once, and a
 * copy of it is its equal. Its revision is interned (the engine's reconciled revision
 * is the same string), and so are its alerts' addresses and topic, a copy's too. */
static void test_tenant_in_one_block(void **state)
{
	struct daemon_config *cfg = test_default_config();
	char *d;
	struct tenant *t = test_manifest(cfg, full, &d), *c;
	const char *pos, *rev;

	(void)state;
	assert_string_equal(d, "");
	assert_ptr_equal((const char *)t->profiles, (const char *)(t + 1));
	assert_ptr_equal((const char *)t->roles, (const char *)(t->profiles + t->n_profiles));
	pos = (const char *)(t->roles + t->n_roles);
	for (size_t i = 0; i < t->n_profiles; i++) {
		assert_ptr_equal(t->profiles[i].name, pos);
		pos += strlen(pos) + 1;
		if (t->profiles[i].description) {
			assert_ptr_equal(t->profiles[i].description, pos);
			pos += strlen(pos) + 1;
		}
	}
	for (size_t i = 0; i < t->n_roles; i++) {
		assert_ptr_equal(t->roles[i], pos);
		pos += strlen(pos) + 1;
	}
	assert_ptr_equal(t->policy_name, pos);
	pos += strlen(pos) + 1;
	assert_ptr_equal(t->budget_name, pos);
	pos += strlen(pos) + 1;
	/* then the budget, at the next multiple of 8: its struct, alerts, e-mail arrays, strings */
	assert_ptr_equal((const char *)t->budget, (const char *)(((uintptr_t)pos + 7) & ~(uintptr_t)7));
	assert_ptr_equal((const char *)t->budget->alerts, (const char *)(t->budget + 1));
	assert_ptr_equal((const char *)t->budget->limit_usd,
			 (const char *)(t->budget->alerts + t->budget->n_alerts) + 2 * sizeof(char *));
	assert_string_equal(t->budget->limit_usd, "1000.5");
	assert_string_equal(t->budget->alerts[0].emails[0], "a@example.com");
	assert_string_equal(t->budget->alerts[0].emails[1], "z@example.com");
	assert_string_equal(t->budget->alerts[1].sns_topic, "arn:aws:sns:us-east-1:111122223333:budget-alerts");
	/* the addresses and the topic are interned, out of the block: the file follows the limit */
	rev = intern("z@example.com");
	assert_ptr_equal(t->budget->alerts[0].emails[1], rev);
	intern_unref(rev);
	rev = intern("arn:aws:sns:us-east-1:111122223333:budget-alerts");
	assert_ptr_equal(t->budget->alerts[1].sns_topic, rev);
	intern_unref(rev);
	assert_ptr_equal(t->file, t->budget->limit_usd + strlen(t->budget->limit_usd) + 1);
	assert_true(t->file_in_block);
	assert_string_equal(t->roles[1], "zeta-app");
	assert_string_equal(tenant_profile(t, "chat")->description, "Claims chatbot");
	c = tenant_dup(t);
	assert_true(tenant_equal(c, t));
	assert_ptr_equal(c->revision, t->revision);
	assert_ptr_equal(c->budget->alerts[0].emails[0], t->budget->alerts[0].emails[0]);
	assert_ptr_equal(c->budget->alerts[1].sns_topic, t->budget->alerts[1].sns_topic);
	rev = intern(t->revision);
	assert_ptr_equal(rev, t->revision);
	intern_unref(rev);
	tenant_free(t);
	assert_string_equal(c->budget_name, "bedrock-tenant-acme-claims");
	tenant_free(c);
	free(d);
	daemon_config_free(cfg);
}

/* The same model written as an id or as its ARN: the same spec hash and name. */
static void test_model_forms_same_name(void **state)
{
	struct daemon_config *cfg = test_default_config();
#define MODEL_FMT                                                                                                      \
	"apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata: {name: m}\nspec:\n"                                   \
	"  department: claims\n  account: prod\n  tags: {CostCenter: x}\n"                                             \
	"  profiles: [{name: p, model: \"%s\", description: Same}]\n"
	const char *forms[][2] = {
		{ "amazon.nova-lite-v1:0", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0" },
		{ "us.amazon.nova-lite-v1:0",
		  "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-lite-v1:0" },
	};

	for (size_t i = 0; i < 2; i++) {
		char *a_text = xasprintf(MODEL_FMT, forms[i][0]), *b_text = xasprintf(MODEL_FMT, forms[i][1]), *d;
		struct tenant *a = test_manifest(cfg, a_text, &d), *b;
		assert_string_equal(d, "");
		free(d);
		b = test_manifest(cfg, b_text, &d);
		assert_string_equal(d, "");
		free(d);
		assert_string_equal(a->profiles[0].spec_hash, b->profiles[0].spec_hash);
		assert_string_equal(a->profiles[0].name, b->profiles[0].name);
		assert_string_equal(profile_model_id(&a->profiles[0]), profile_model_id(&b->profiles[0]));
		assert_int_not_equal(a->profiles[0].model_kind, b->profiles[0].model_kind);
		tenant_free(a);
		tenant_free(b);
		free(a_text);
		free(b_text);
	}
	daemon_config_free(cfg);
}

static void expect_problem(const struct daemon_config *cfg, const char *text, const char *fragment)
{
	char *d;
	struct tenant *t = test_manifest(cfg, text, &d);

	assert_null(t);
	if (!test_contains(d, fragment))
		fail();
	free(d);
}

/* text is a valid manifest under cfg, with nothing to say about it. */
static void expect_valid(const struct daemon_config *cfg, const char *text)
{
	char *d;
	struct tenant *t = test_manifest(cfg, text, &d);

	assert_non_null(t);
	assert_string_equal(d, "");
	tenant_free(t);
	free(d);
}

/* A manifest from `minimal` with one line replaced. */
/* variant_of: base with its first `from` replaced by `to`; variant: of `minimal`. */
static char *variant_of(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	struct strbuf sb;

	assert_non_null(at);
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_add(&sb, base, (size_t)(at - base));
	strbuf_adds(&sb, to);
	strbuf_adds(&sb, at + strlen(from));
	return strbuf_detach(&sb, NULL);
}

static char *variant(const char *from, const char *to)
{
	return variant_of(minimal, from, to);
}

static void test_references_to_the_configuration(void **state)
{
	struct daemon_config *cfg = test_default_config(), *bare = test_config("manifests: /x\n");
	char *text = variant("  department: claims\n", "  department: claims\n  account: nope\n");

	expect_problem(cfg, text,
		       "t.yaml:6:12: spec.account: unknown account 'nope' (the daemon configuration "
		       "defines: prod, research)");
	expect_problem(bare, text, "the daemon configuration defines no accounts");
	free(text);
	/* No Region anywhere. */
	expect_problem(bare, minimal,
		       "t.yaml:5:3: spec: no Region: set spec.region, or region in the daemon "
		       "configuration");
	/* A model ARN in another Region or account than the tenant's. */
	text = variant("model: amazon.nova-lite-v1:0",
		       "model: \"arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0\"");
	expect_problem(cfg, text, "the model ARN is in us-west-2, but the tenant's Region is us-east-1");
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  account: research\n");
	{
		char *t2 = xasprintf("%s", text);
		char *at = strstr(t2, "amazon.nova-lite-v1:0");
		struct strbuf sb;
		strbuf_init(&sb, STRBUF_NO_CAP);
		strbuf_add(&sb, t2, (size_t)(at - t2));
		strbuf_adds(&sb,
			    "\"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.amazon.nova-lite-v1:0\"");
		strbuf_adds(&sb, at + strlen("amazon.nova-lite-v1:0"));
		expect_problem(cfg, sb.buf,
			       "the inference profile ARN is in account 111122223333, but the tenant's "
			       "account 'research' is 444455556666");
		strbuf_release(&sb);
		free(t2);
	}
	free(text);
	daemon_config_free(cfg);
	daemon_config_free(bare);
}

/* spec.budget.enforce: 100 % when empty, at_percent as written; refused without the
 * configuration's execution role. */
static void test_enforce(void **state)
{
	struct daemon_config *cfg = test_config("region: us-east-1\nbudget_actions: {execution_role: exec}\n"),
			     *bare = test_config("region: us-east-1\n");
	char *with = variant("  profiles:", "  access: {roles: [app]}\n"
					    "  budget:\n    limit_usd: 10\n"
					    "    alerts: [{threshold_percent: 50, emails: [o@example.com]}]\n"
					    "    enforce: {}\n  profiles:");
	char *at = variant("  profiles:", "  access: {roles: [app]}\n"
					  "  budget:\n    limit_usd: 10\n"
					  "    alerts: [{threshold_percent: 50, emails: [o@example.com]}]\n"
					  "    enforce: {at_percent: 80.5}\n  profiles:");
	char *d;
	struct tenant *t;

	(void)state;
	t = test_manifest(cfg, with, &d);
	assert_non_null(t);
	assert_true(t->budget->enforce);
	assert_true(t->budget->enforce_at_percent == 100);
	tenant_free(t);
	free(d);
	t = test_manifest(cfg, at, &d);
	assert_non_null(t);
	assert_true(t->budget->enforce_at_percent == 80.5);
	tenant_free(t);
	free(d);
	t = test_manifest(cfg, minimal, &d);
	assert_non_null(t);
	assert_null(t->budget);
	tenant_free(t);
	free(d);
	expect_problem(bare, with,
		       "spec.budget.enforce: enforcement needs budget_actions.execution_role in the daemon "
		       "configuration");
	free(with);
	free(at);
	daemon_config_free(cfg);
	daemon_config_free(bare);
}

/* spec.pool, and the pool `default` for tenants without spec.account. */
static void test_pools(void **state)
{
	struct daemon_config *cfg = test_config("region: us-east-1\n"
						"accounts: {a: {id: \"111122223333\"}, b: {id: \"444455556666\"}}\n"
						"pools:\n"
						"  default: {accounts: [a, b]}\n"
						"  big: {accounts: [b], regions: [us-west-2]}\n");
	struct daemon_config *none = test_config("region: us-east-1\naccounts: {a: {id: \"111122223333\"}}\n");
	struct tenant *t;
	char *d, *text;

	(void)state;
	t = test_manifest(cfg, minimal, &d);
	assert_non_null(t);
	assert_string_equal(t->pool, "default");
	assert_false(t->region_set);
	tenant_free(t);
	free(d);
	t = test_manifest(none, minimal, &d); /* no pools: as before */
	assert_non_null(t);
	assert_null(t->pool);
	assert_false(t->region_set); /* its Region is the configuration's */
	assert_string_equal(t->region, "us-east-1");
	tenant_free(t);
	free(d);
	text = variant("  department: claims\n", "  department: claims\n  account: a\n");
	t = test_manifest(cfg, text, &d); /* a tenant naming an account stays there */
	assert_non_null(t);
	assert_null(t->pool);
	assert_string_equal(t->account, "a");
	tenant_free(t);
	free(d);
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  pool: big\n");
	t = test_manifest(cfg, text, &d);
	assert_non_null(t);
	assert_string_equal(t->pool, "big");
	tenant_free(t);
	free(d);
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  pool: nope\n");
	expect_problem(cfg, text, "t.yaml:6:9: spec.pool: unknown pool 'nope'");
	expect_problem(none, text, "the daemon configuration defines no pools");
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  pool: big\n  account: a\n");
	expect_problem(cfg, text, "spec.pool and spec.account exclude each other");
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  pool: big\n  region: us-east-1\n");
	expect_problem(cfg, text, "the Region us-east-1 is not one of pool big's regions");
	free(text);
	daemon_config_free(cfg);
	daemon_config_free(none);
}

/* A reload whose pools wait for a restart (daemon_config_keep_running): a manifest
 * naming a pool, or a pool's Region, that only the file has is told so, not that the
 * configuration defines other pools (the file it reads does). */
static void test_pools_kept_for_restart(void **state)
{
	const char *head = "region: us-east-1\naccounts: {a: {id: \"111122223333\"}, b: {id: \"444455556666\"}}\n";
	char *run_text = xasprintf("%spools: {default: {accounts: [a]}}\n", head);
	char *next_text = xasprintf("%spools: {default: {accounts: [a], regions: [us-east-1, us-west-2]}, "
				    "big: {accounts: [b]}}\n",
				    head);
	struct daemon_config *run = test_config(run_text), *next = test_config(next_text);
	const char *keys[DAEMON_CONFIG_RESTART_KEYS];
	char *text;

	(void)state;
	assert_int_equal(daemon_config_keep_running(next, run, keys), 1);
	assert_string_equal(keys[0], "pools");
	text = variant("  department: claims\n", "  department: claims\n  pool: big\n");
	expect_problem(next, text,
		       "unknown pool 'big' (the daemon runs with other pools; the configuration "
		       "file's pools take effect at a restart)");
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  pool: default\n  region: us-west-2\n");
	expect_problem(next, text,
		       "the Region us-west-2 is not one of pool default's regions (as the daemon runs: the "
		       "configuration file's pools take effect at a restart)");
	free(text);
	daemon_config_free(run);
	daemon_config_free(next);
	free(run_text);
	free(next_text);
}

/* A pool tenant without spec.region is placed in one of its pool's Regions: its models
 * are checked against those (one serving each is enough), not against the
 * configuration's default Region; with spec.region, against that Region as before. */
static void test_pool_regions_serve_the_models(void **state)
{
	struct daemon_config *cfg = test_config("region: us-east-1\n"
						"accounts: {a: {id: \"111122223333\"}}\n"
						"pools:\n"
						"  default: {accounts: [a], regions: [us-east-1, eu-west-1]}\n"
						"  us: {accounts: [a], regions: [us-east-1, us-west-2]}\n");
	char *text;

	(void)state;
	text = variant("amazon.nova-lite-v1:0", "eu.amazon.nova-lite-v1:0");
	expect_valid(cfg, text); /* eu-west-1 serves it, though us-east-1 is the default */
	free(text);
	text = variant("  department: claims\n  tags", "  department: claims\n  pool: us\n  tags");
	{
		char *eu = variant_of(text, "amazon.nova-lite-v1:0", "eu.amazon.nova-lite-v1:0");
		expect_problem(cfg, eu,
			       "spec.profiles[0].model: the system inference profile eu.amazon.nova-lite-v1:0 serves "
			       "none of pool us's Regions (us-east-1, us-west-2): eu.* profiles serve the European "
			       "Regions (eu-*)");
		free(eu);
		eu = variant_of(text, "amazon.nova-lite-v1:0",
				"arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0");
		expect_problem(cfg, eu,
			       "serves none of pool us's Regions (us-east-1, us-west-2): the model ARN names "
			       "another Region");
		free(eu);
		eu = variant_of(text, "amazon.nova-lite-v1:0",
				"arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0");
		expect_valid(cfg, eu); /* a Region of the pool, not the default one */
		free(eu);
	}
	free(text);
	text = variant("  department: claims\n", "  department: claims\n  region: us-east-1\n");
	{
		char *eu = variant_of(text, "amazon.nova-lite-v1:0", "eu.amazon.nova-lite-v1:0");
		expect_problem(cfg, eu,
			       "the system inference profile eu.amazon.nova-lite-v1:0 is not available in "
			       "us-east-1");
		free(eu);
	}
	free(text);
	daemon_config_free(cfg);
}

static void test_derived_names_checked(void **state)
{
	struct daemon_config *cfg = test_config(
		"region: us-east-1\npolicy:\n  naming:\n"
		"    profile_name: \"{instance}-{department}-{tenant}-{profile}-{hash6}\"\n"
		"    budget_name: \"{tenant}-{project}\"\n");
	const char *text = "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n"
			   "  name: a-very-long-tenant-identifier-of-40-chr\nspec:\n"
			   "  department: claims\n"
			   "  profiles: [{name: p, model: amazon.nova-lite-v1:0}]\n";

	assert_int_equal(strlen("a-very-long-tenant-identifier-of-40-chr"), 39);
	expect_problem(cfg, text,
		       "t.yaml:7:21: spec.profiles[0]: the derived Bedrock inference profile name "
		       "'bedrock-tenantd-claims-a-very-long-tenant-identifier-of-40-chr-p-");
	expect_problem(cfg, text,
		       "(from policy.naming.profile_name) is invalid: Bedrock inference profile names "
		       "are 1-64 characters long");
	daemon_config_free(cfg);
	/* The default template and a doubled separator in the tenant id. */
	cfg = test_default_config();
	expect_problem(cfg,
		       "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata: {name: acme--x}\nspec:\n"
		       "  department: claims\n  tags: {CostCenter: c}\n"
		       "  profiles: [{name: p, model: amazon.nova-lite-v1:0}]\n",
		       "the derived Bedrock inference profile name 'acme--x-p-");
	daemon_config_free(cfg);
}

static void test_text_limits(void **state)
{
	struct daemon_config *cfg = test_default_config();
	struct diag_list diags;
	struct tenant *t = NULL;
	char *big = xmalloc(MANIFEST_MAX_BYTES + 2), *d;
	struct manifest_id mid;

	memset(big, '#', MANIFEST_MAX_BYTES + 1);
	big[MANIFEST_MAX_BYTES + 1] = '\0';
	diag_list_init(&diags);
	assert_int_equal(manifest_parse(cfg, "big.yaml", big, MANIFEST_MAX_BYTES + 1, &t, &mid, &diags), -EINVAL);
	d = test_diags_text(&diags);
	assert_string_equal(d, "big.yaml: the manifest is 262145 bytes; the limit is 262144 bytes\n");
	assert_null(mid.id);
	free(d);
	free(big);
	diag_list_release(&diags);
	expect_problem(cfg, "", "t.yaml: empty manifest (no YAML content)");
	expect_problem(cfg, "---\n...\n", "t.yaml: empty manifest (no YAML document)");
	daemon_config_free(cfg);
}

/* A leading UTF-8 byte order mark is accepted, and positions after it stay those an
 * editor shows (the mark takes no column). */
static void test_byte_order_mark(void **state)
{
	struct daemon_config *cfg = test_default_config();
	char *text = xasprintf("\xef\xbb\xbf%s", minimal), *d, *bad;
	struct tenant *t = test_manifest(cfg, text, &d);

	assert_non_null(t);
	assert_string_equal(d, "");
	assert_string_equal(t->id, "m");
	tenant_free(t);
	free(d);
	bad = xasprintf("\xef\xbb\xbf"
			"apiVersion: bedrock-tenantd/v2\n%s",
			strchr(minimal, '\n') + 1);
	expect_problem(cfg, bad, "t.yaml:1:13: apiVersion: expected bedrock-tenantd/v1");
	free(bad);
	bad = xasprintf("\xef\xbb\xbf%s  colour: blue\n", minimal);
	expect_problem(cfg, bad, "t.yaml:8:3: spec: unknown key 'colour'");
	free(bad);
	expect_problem(cfg,
		       "\xef\xbb\xbf"
		       "kind: Tenant\na: \xff\n",
		       "t.yaml:2:4: invalid UTF-8 (byte 0xff)");
	expect_problem(cfg, "\xef\xbb\xbf", "t.yaml: empty manifest (no YAML content)");
	free(text);
	daemon_config_free(cfg);
}

static void test_id_known_on_failure(void **state)
{
	struct daemon_config *cfg = test_default_config();
	const char *text = "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: keeper\nspec:\n"
			   "  department: nope\n  profiles: []\n";
	struct diag_list diags;
	struct manifest_id mid;
	struct tenant *t = NULL;

	diag_list_init(&diags);
	assert_int_equal(manifest_parse(cfg, "k.yaml", text, strlen(text), &t, &mid, &diags), -EINVAL);
	assert_null(t);
	assert_string_equal(mid.id, "keeper");
	assert_int_equal(mid.line, 4);
	assert_int_equal(mid.col, 9);
	assert_true(diags.n_errors >= 2);
	manifest_id_release(&mid);
	diag_list_release(&diags);
	daemon_config_free(cfg);
}

static void test_error_cap(void **state)
{
	struct daemon_config *cfg = test_default_config();
	struct strbuf sb;
	char *d;

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_adds(&sb,
		    "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata: {name: m}\nspec:\n  department: claims\n"
		    "  tags: {CostCenter: c}\n  profiles:\n");
	for (int i = 0; i < 20; i++)
		for (int k = 0; k < 1; k++)
			strbuf_addf(&sb,
				    "    - {name: \"P%d\", model: bad, description: \"!\", tags: {\"aws:x\": y, "
				    "\"b#\": z}}\n",
				    i);
	assert_null(test_manifest(cfg, sb.buf, &d));
	assert_true(test_contains(d, "too many errors (100); not checking the rest of this file"));
	{
		size_t lines = 0;
		for (const char *p = d; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 100);
	}
	free(d);
	strbuf_release(&sb);
	daemon_config_free(cfg);
}

static void test_merged_tag_limit(void **state)
{
	struct daemon_config *cfg = test_default_config();
	struct strbuf sb;
	char *d;
	struct tenant *t;

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_adds(&sb,
		    "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata: {name: m}\nspec:\n  department: claims\n"
		    "  tags:\n    CostCenter: c\n");
	for (int i = 0; i < 40; i++)
		strbuf_addf(&sb, "    t%02d: v\n", i);
	/* 41 tenant tags; a profile adding 4 (one overriding a tenant key) gives 44: fits. */
	strbuf_adds(&sb, "  profiles:\n    - name: ok\n      model: amazon.nova-lite-v1:0\n"
			 "      tags: {t00: w, p1: v, p2: v, p3: v}\n");
	t = test_manifest(cfg, sb.buf, &d);
	assert_string_equal(d, "");
	tenant_free(t);
	free(d);
	strbuf_adds(&sb, "    - name: over\n      model: amazon.nova-lite-v1:0\n"
			 "      tags: {p1: v, p2: v, p3: v, p4: v, p5: v}\n");
	expect_problem(cfg, sb.buf,
		       "spec.profiles[1].tags: the tenant's and the profile's tags together are 46; at "
		       "most 45 fit on a resource");
	strbuf_release(&sb);
	daemon_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_tenant_in_one_block),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shared_names_interned),
		cmocka_unit_test(test_model_forms_same_name),
		cmocka_unit_test(test_references_to_the_configuration),
		cmocka_unit_test(test_pool_regions_serve_the_models),
		cmocka_unit_test(test_derived_names_checked),
		cmocka_unit_test(test_text_limits),
		cmocka_unit_test(test_id_known_on_failure),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_merged_tag_limit),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_pools_kept_for_restart),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_enforce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
