/* Governance: each rule of the configuration's policy, and the message naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "governance.h"
#include "helpers.h"

static const char policy[] = "policy:\n"
			     "  allowed_models: [\"anthropic.claude-3-5-*\", amazon.nova-lite-v1:0,\n"
			     "                   \"arn:aws:bedrock:us-east-1::foundation-model/meta.*\"]\n"
			     "  regions: [us-east-1]\n"
			     "  departments: [claims, research]\n"
			     "  require_department: true\n"
			     "  required_tags: [CostCenter, Owner]\n"
			     "  max_budget_usd: 5000\n"
			     "  require_budget: true\n";

static void expect(char *msg, const char *want)
{
	if (!want) {
		if (msg)
			fail_msg("unexpected: %s", msg);
		return;
	}
	assert_non_null(msg);
	if (!strstr(msg, want))
		fail_msg("'%s' lacks '%s'", msg, want);
	free(msg);
}

static void test_models(void **state)
{
	struct daemon_config *cfg = test_config(policy), *open = test_config("region: us-east-1\n");

	expect(governance_model(cfg, "anthropic.claude-3-5-haiku-20241022-v1:0", "x"), NULL);
	expect(governance_model(cfg, "amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"), NULL);
	/* A pattern may also match the model as written (here an ARN). */
	expect(governance_model(cfg, "meta.llama3-1-8b-instruct-v1:0",
				"arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-8b-instruct-v1:0"),
	       NULL);
	expect(governance_model(cfg, "amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
	       "model 'amazon.nova-pro-v1:0' is not allowed by policy.allowed_models (config.yaml:2); allowed: "
	       "anthropic.claude-3-5-*, amazon.nova-lite-v1:0,");
	expect(governance_model(open, "anything.at-all", "anything.at-all"), NULL);
	daemon_config_free(cfg);
	daemon_config_free(open);
}

static void test_places_and_departments(void **state)
{
	struct daemon_config *cfg = test_config(policy);

	expect(governance_region(cfg, "us-east-1"), NULL);
	expect(governance_region(cfg, "eu-west-1"),
	       "Region eu-west-1 is not allowed by policy.regions (config.yaml:4)");
	expect(governance_region(cfg, NULL), NULL);
	expect(governance_department(cfg, "claims"), NULL);
	expect(governance_department(cfg, "sales"),
	       "department 'sales' is not allowed by policy.departments (config.yaml:5); allowed: claims, research");
	expect(governance_department(cfg, NULL),
	       "a department is required by policy.require_department (config.yaml:6)");
	daemon_config_free(cfg);
}

static void test_tags_and_budget(void **state)
{
	struct daemon_config *cfg = test_config(policy);
	struct tag_set tags;
	struct budget b = { 0 };

	tag_set_init(&tags);
	tag_set_put(&tags, "CostCenter", "x");
	expect(governance_required_tags(cfg, &tags),
	       "missing tag 'Owner' required by policy.required_tags (config.yaml:7)");
	tag_set_remove(&tags, "CostCenter");
	expect(governance_required_tags(cfg, &tags),
	       "missing tag 'CostCenter', 'Owner' required by policy.required_tags");
	tag_set_put(&tags, "CostCenter", "x");
	tag_set_put(&tags, "Owner", "y");
	expect(governance_required_tags(cfg, &tags), NULL);
	tag_set_release(&tags);
	expect(governance_budget_required(cfg, NULL), "a budget is required by policy.require_budget (config.yaml:9)");
	expect(governance_budget_required(cfg, &b), NULL);
	expect(governance_budget_limit(cfg, "5000"), NULL);
	expect(governance_budget_limit(cfg, "4999.99"), NULL);
	expect(governance_budget_limit(cfg, "5000.01"),
	       "limit_usd 5000.01 is above the ceiling of 5000 set by policy.max_budget_usd (config.yaml:8)");
	daemon_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_models),
		cmocka_unit_test(test_places_and_departments),
		cmocka_unit_test(test_tags_and_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
