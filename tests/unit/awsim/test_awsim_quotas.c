/* awsim's quotas (quotas.c): --quota arguments, the precedence of account-region
 * over account over the everywhere value over the default, the admin document
 * (all or nothing), reset, and the round trip through the state document with the
 * SSM tier counts rebuilt. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "awsim.h"

#define ACCT  "123456789012"
#define OTHER "111122223333"

static void setup(struct awsim *sim, const char *const *args, size_t n)
{
	struct awsim_config cfg = { 0 };

	cfg.listen_host = "127.0.0.1";
	cfg.account = ACCT;
	cfg.regions[cfg.n_regions++] = "us-east-1";
	cfg.seed = 1;
	cfg.quiet = true;
	for (size_t i = 0; i < n; i++)
		cfg.quota_args[cfg.n_quota_args++] = args[i];
	assert_int_equal(awsim_init(sim, NULL, &cfg), 0);
}

static int apply(struct awsim *sim, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	char *err = NULL;
	int r;

	assert_non_null(doc);
	r = quotas_apply_json(sim, doc, &err);
	if (r < 0)
		assert_non_null(err);
	free(err);
	cJSON_Delete(doc);
	return r;
}

static void test_args(void **state)
{
	double base[Q_COUNT];
	struct awsim sim;
	static const char *const args[] = { "L-40EC9882=2000", "X-SSM-STANDARD-PARAMETERS=0" };
	struct awsim_config bad = { 0 };

	(void)state;
	quotas_defaults(base);
	assert_true(base[Q_PROFILES] == 1000 && base[Q_SSM_STANDARD] == 10000 && base[Q_SSM_ADVANCED] == 100000);
	assert_true(base[Q_BUDGETS] == 20000 && base[Q_ROLES] == 1000 && base[Q_ROLE_POLICY_CHARS] == 10240);
	assert_true(base[Q_TAGS] == 50);
	assert_int_equal(quota_parse_arg("L-FE177D64=5000", base), 0);
	assert_true(base[Q_ROLES] == 5000);
	for (const char *const *a =
		     (const char *const[]){ "L-FE177D64", "L-FE177D64=", "L-FE177D64=-1", "L-FE177D64=1.5", "L-NOPE=1",
					    "=1", "L-FE177D64=1e12", "L-FE177D64=12x", NULL };
	     *a; a++)
		assert_int_equal(quota_parse_arg(*a, base), -EINVAL);
	assert_true(base[Q_ROLES] == 5000); /* unchanged by the refusals */

	setup(&sim, args, 2);
	assert_int_equal(quota_value(&sim, Q_PROFILES, ACCT, "us-east-1"), 2000);
	assert_int_equal(quota_value(&sim, Q_SSM_STANDARD, OTHER, "eu-west-1"), 0);
	assert_int_equal(quota_value(&sim, Q_ROLES, ACCT, NULL), 1000);
	awsim_release(&sim);

	bad.account = ACCT;
	bad.regions[bad.n_regions++] = "us-east-1";
	bad.quota_args[bad.n_quota_args++] = "L-NOPE=1";
	assert_int_equal(awsim_init(&sim, NULL, &bad), -EINVAL);
	awsim_release(&sim);
}

static void test_precedence(void **state)
{
	struct awsim sim;

	(void)state;
	setup(&sim, NULL, 0);
	assert_int_equal(apply(&sim, "{\"quotas\":{\"L-40EC9882\":5}}"), 0);
	assert_int_equal(apply(&sim, "{\"account\":\"" OTHER "\",\"quotas\":{\"L-40EC9882\":7,\"L-FE177D64\":9}}"), 0);
	assert_int_equal(apply(&sim, "{\"account\":\"" OTHER "\",\"region\":\"us-west-2\",\"quotas\":{\"L-40EC9882\":"
				     "11,\"L-FE177D64\":13}}"),
			 0);
	assert_int_equal(quota_value(&sim, Q_PROFILES, ACCT, "us-west-2"), 5);
	assert_int_equal(quota_value(&sim, Q_PROFILES, OTHER, "us-east-1"), 7);
	assert_int_equal(quota_value(&sim, Q_PROFILES, OTHER, "us-west-2"), 11);
	/* an account-wide quota ignores the region: the override went to the account */
	assert_int_equal(quota_value(&sim, Q_ROLES, OTHER, "us-east-1"), 13);
	assert_int_equal(quota_value(&sim, Q_ROLES, ACCT, "us-east-1"), 1000);
	/* null removes an override; an everywhere null restores the command line's value */
	assert_int_equal(apply(&sim, "{\"account\":\"" OTHER "\",\"region\":\"us-west-2\",\"quotas\":{\"L-40EC9882\":"
				     "null}}"),
			 0);
	assert_int_equal(quota_value(&sim, Q_PROFILES, OTHER, "us-west-2"), 7);
	assert_int_equal(apply(&sim, "{\"quotas\":{\"L-40EC9882\":null}}"), 0);
	assert_int_equal(quota_value(&sim, Q_PROFILES, ACCT, "us-east-1"), 1000);
	/* all or nothing */
	assert_int_equal(apply(&sim, "{\"quotas\":{\"L-40EC9882\":3,\"L-NOPE\":1}}"), -EINVAL);
	assert_int_equal(apply(&sim, "{\"quotas\":{\"L-40EC9882\":3,\"X-BUDGETS\":\"1\"}}"), -EINVAL);
	assert_int_equal(apply(&sim, "{\"region\":\"us-east-1\",\"quotas\":{\"L-40EC9882\":3}}"), -EINVAL);
	assert_int_equal(apply(&sim, "{\"account\":\"12\",\"quotas\":{\"L-40EC9882\":3}}"), -EINVAL);
	assert_int_equal(apply(&sim, "{}"), -EINVAL);
	assert_int_equal(quota_value(&sim, Q_PROFILES, ACCT, "us-east-1"), 1000);
	/* the older document */
	assert_int_equal(apply(&sim, "{\"application_inference_profiles\":4}"), 0);
	assert_int_equal(quota_value(&sim, Q_PROFILES, ACCT, "us-east-1"), 4);
	quotas_reset(&sim);
	assert_int_equal(quota_value(&sim, Q_PROFILES, ACCT, "us-east-1"), 1000);
	assert_int_equal(quota_value(&sim, Q_ROLES, OTHER, NULL), 1000);
	awsim_release(&sim);
}

static void put_param(struct awsim *sim, const char *name, const char *tier)
{
	struct account *a = state_account(sim, ACCT);
	struct region *r = state_region(sim, a, "us-east-1");
	struct parameter *p = calloc(1, sizeof(*p));

	p->name = strdup(name);
	p->arn = strdup(name);
	p->type = strdup("String");
	p->value = strdup("v");
	p->data_type = strdup("text");
	p->tier = strdup(tier);
	p->version = 1;
	omap_put(&r->params, name, p);
	r->n_advanced += !strcmp(tier, "Advanced");
}

static void test_state_round_trip(void **state)
{
	struct awsim a, b;
	struct region *r;
	cJSON *doc;
	char *err = NULL;

	(void)state;
	setup(&a, NULL, 0);
	setup(&b, NULL, 0);
	assert_int_equal(apply(&a, "{\"quotas\":{\"X-TAGS-PER-RESOURCE\":20}}"), 0);
	assert_int_equal(
		apply(&a, "{\"account\":\"" OTHER "\",\"region\":\"eu-west-1\",\"quotas\":{\"L-40EC9882\":3}}"), 0);
	put_param(&a, "/p/a", "Advanced");
	put_param(&a, "/p/b", "Standard");
	put_param(&a, "/p/c", "Advanced");
	doc = persist_to_json(&a);
	assert_int_equal(persist_from_json(&b, doc, &err), 0);
	cJSON_Delete(doc);
	assert_int_equal(quota_value(&b, Q_TAGS, ACCT, "us-east-1"), 20);
	assert_int_equal(quota_value(&b, Q_PROFILES, OTHER, "eu-west-1"), 3);
	assert_int_equal(quota_value(&b, Q_PROFILES, OTHER, "us-east-1"), 1000);
	r = state_region(&b, state_account(&b, ACCT), "us-east-1");
	assert_int_equal(r->params.n, 3);
	assert_int_equal(r->n_advanced, 2);
	ssm_forget(r, "/p/a");
	ssm_forget(r, "/p/b");
	ssm_forget(r, "/p/none");
	assert_int_equal(r->params.n, 1);
	assert_int_equal(r->n_advanced, 1);
	awsim_release(&a);
	awsim_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_state_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
