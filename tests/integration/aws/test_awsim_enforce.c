/* Budget enforcement's calls against awsim: a customer-managed deny policy, a
 * Budgets action (APPLY_IAM_POLICY, AUTOMATIC) that attaches it to a role when the
 * budget's actual spend crosses the threshold, its reversal, and clean-up; and Cost
 * Explorer's cost-allocation tags. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_json.h"
#include "aws_op.h"
#include "awsim_harness.h"
#include "budgets_actions.h"
#include "ce.h"
#include "iam_managed.h"

static struct harness h;

#define TRUST "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}"
#define DENY                                                                                                           \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"bedrock:InvokeModel\","          \
	"\"Resource\":\"*\"}]}"
#define BUDGET "bedrock-tenant-acme"
#define ROLE   "acme-app"

static int group_setup(void **state)
{
	(void)state;
	harness_init(&h, NULL);
	h.opts.max_rate[AWS_IAM] = 100;
	h.opts.max_rate[AWS_BUDGETS] = 100;
	return harness_client(&h);
}

static int group_teardown(void **state)
{
	(void)state;
	return harness_finish(&h);
}

static const struct aws_op_spec done_spec = { 0, NULL, NULL, aws_op_deliver_done };

static int create_role(const char *name)
{
	struct aws_request req;
	struct done d = { 0 };

	aws_request_init_query(&req, AWS_IAM, "CreateRole");
	aws_request_add_form(&req, "RoleName", name);
	aws_request_add_form(&req, "AssumeRolePolicyDocument", TRUST);
	assert_int_equal(aws_op_call(h.client, NULL, &req, &done_spec, (aws_any_cb)done_cb, &d), 0);
	return harness_wait(&h, &d);
}

static int create_budget(const char *name)
{
	cJSON *body = aws_json_new_object(), *b = cJSON_AddObjectToObject(body, "Budget"), *lim;
	struct done d = { 0 };

	aws_json_add_str(body, "AccountId", HARNESS_ACCOUNT);
	aws_json_add_str(b, "BudgetName", name);
	lim = cJSON_AddObjectToObject(b, "BudgetLimit");
	aws_json_add_str(lim, "Amount", "10");
	aws_json_add_str(lim, "Unit", "USD");
	aws_json_add_str(b, "TimeUnit", "MONTHLY");
	aws_json_add_str(b, "BudgetType", "COST");
	assert_int_equal(aws_op_call_json(h.client, NULL, AWS_BUDGETS, "CreateBudget", body, &done_spec,
					  (aws_any_cb)done_cb, &d),
			 0);
	return harness_wait(&h, &d);
}

struct policy_out {
	struct done d;
	char arn[256];
	char version[16];
};

static void on_policy(void *arg, int status, const struct aws_error *err, const struct iam_policy *p)
{
	struct policy_out *o = arg;

	done_record(&o->d, status, err);
	if (p)
		snprintf(o->arn, sizeof(o->arn), "%s", p->arn);
}

static void on_version(void *arg, int status, const struct aws_error *err, const struct iam_policy_version *v)
{
	struct policy_out *o = arg;

	done_record(&o->d, status, err);
	if (v)
		snprintf(o->version, sizeof(o->version), "%s", v->version_id);
}

struct list_out {
	struct done d;
	size_t n;
	char first[256];
	char id[64];
};

static void on_attached(void *arg, int status, const struct aws_error *err, const struct iam_attached_list *l)
{
	struct list_out *o = arg;

	done_record(&o->d, status, err);
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].arn : "");
	}
}

static void on_actions(void *arg, int status, const struct aws_error *err, const struct budgets_action_list *l)
{
	struct list_out *o = arg;

	done_record(&o->d, status, err);
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].status : "");
	}
}

static void on_id(void *arg, int status, const struct aws_error *err, const char *id)
{
	struct list_out *o = arg;

	done_record(&o->d, status, err);
	if (id)
		snprintf(o->id, sizeof(o->id), "%s", id);
}

static const char *action_status(void)
{
	static struct list_out o;

	memset(&o, 0, sizeof(o));
	assert_int_equal(budgets_describe_actions(h.client, NULL, HARNESS_ACCOUNT, BUDGET, on_actions, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 1);
	return o.first;
}

static size_t attached(char *first, size_t size)
{
	struct list_out o = { 0 };

	assert_int_equal(iam_list_attached_role_policies(h.client, NULL, ROLE, on_attached, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	snprintf(first, size, "%s", o.first);
	return o.n;
}

static void test_action_lifecycle(void **state)
{
	const char *roles[] = { ROLE };
	struct budgets_subscriber sub = { "EMAIL", "ops@example.com" };
	struct budgets_action_spec spec = { "ACTUAL",
					    100,
					    "PERCENTAGE",
					    NULL,
					    roles,
					    1,
					    "arn:aws:iam::" HARNESS_ACCOUNT ":role/budgets-exec",
					    "AUTOMATIC",
					    &sub,
					    1 };
	struct policy_out p = { 0 }, v = { 0 };
	struct list_out a = { 0 };
	struct done d = { 0 };
	char first[256];

	(void)state;
	assert_int_equal(create_role(ROLE), 0);
	assert_int_equal(create_budget(BUDGET), 0);
	assert_int_equal(iam_create_policy(h.client, NULL, "bedrock-tenantd-acme-deny", "/bedrock-tenants/", DENY, NULL,
					   on_policy, &p),
			 0);
	assert_int_equal(harness_wait(&h, &p.d), 0);
	assert_string_equal(p.arn, "arn:aws:iam::" HARNESS_ACCOUNT ":policy/bedrock-tenants/bedrock-tenantd-acme-deny");
	/* the same path and name again: EntityAlreadyExists, so a lost answer is found again */
	memset(&v, 0, sizeof(v));
	assert_int_equal(iam_create_policy(h.client, NULL, "bedrock-tenantd-acme-deny", "/bedrock-tenants/", DENY, NULL,
					   on_policy, &v),
			 0);
	assert_int_not_equal(harness_wait(&h, &v.d), 0);
	assert_string_equal(v.d.code, "EntityAlreadyExists");
	memset(&v, 0, sizeof(v));
	assert_int_equal(iam_create_policy_version(h.client, NULL, p.arn, DENY, true, on_version, &v), 0);
	assert_int_equal(harness_wait(&h, &v.d), 0);
	assert_string_equal(v.version, "v2");

	spec.policy_arn = p.arn;
	assert_int_equal(budgets_create_action(h.client, NULL, HARNESS_ACCOUNT, BUDGET, &spec, on_id, &a), 0);
	assert_int_equal(harness_wait(&h, &a.d), 0);
	assert_true(strlen(a.id) > 0);
	assert_string_equal(action_status(), "STANDBY");
	assert_int_equal(attached(first, sizeof(first)), 0);

	/* actual spend crosses the limit: the AUTOMATIC action attaches the policy */
	assert_int_equal(awsim_admin(&h.sim, "PUT", "budgets/" BUDGET "/spend", "{\"actual\":\"12\"}", NULL), 200);
	assert_string_equal(action_status(), "EXECUTION_SUCCESS");
	assert_int_equal(attached(first, sizeof(first)), 1);
	assert_string_equal(first, p.arn);
	/* the policy cannot go while attached */
	memset(&d, 0, sizeof(d));
	assert_int_equal(iam_delete_policy(h.client, NULL, p.arn, done_cb, &d), 0);
	assert_int_not_equal(harness_wait(&h, &d), 0);
	assert_string_equal(d.code, "DeleteConflict");

	/* reversed: detached */
	memset(&d, 0, sizeof(d));
	assert_int_equal(budgets_execute_action(h.client, NULL, HARNESS_ACCOUNT, BUDGET, a.id, "REVERSE_BUDGET_ACTION",
						done_cb, &d),
			 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	assert_string_equal(action_status(), "REVERSE_SUCCESS");
	assert_int_equal(attached(first, sizeof(first)), 0);

	/* a higher threshold; then everything goes */
	spec.threshold = 200;
	memset(&d, 0, sizeof(d));
	assert_int_equal(budgets_update_action(h.client, NULL, HARNESS_ACCOUNT, BUDGET, a.id, &spec, done_cb, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(budgets_delete_action(h.client, NULL, HARNESS_ACCOUNT, BUDGET, a.id, done_cb, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(iam_delete_policy_version(h.client, NULL, p.arn, "v1", done_cb, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(iam_delete_policy(h.client, NULL, p.arn, done_cb, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(iam_get_policy(h.client, NULL,
					"arn:aws:iam::" HARNESS_ACCOUNT
					":policy/bedrock-tenants/bedrock-tenantd-acme-deny",
					on_policy, &p),
			 0);
	assert_int_not_equal(harness_wait(&h, &p.d), 0);
	assert_string_equal(p.d.code, "NoSuchEntity");
}

struct tags_out {
	struct done d;
	size_t n;
	char code[64];
};

static void on_tags(void *arg, int status, const struct ce_cost_tag_list *l, const struct aws_error *err)
{
	struct tags_out *o = arg;

	done_record(&o->d, status, err);
	if (l)
		o->n = l->n;
}

static void on_update(void *arg, int status, const struct ce_tag_error_list *l, const struct aws_error *err)
{
	struct tags_out *o = arg;

	done_record(&o->d, status, err);
	if (l) {
		o->n = l->n;
		snprintf(o->code, sizeof(o->code), "%s", l->n ? l->items[0].code : "");
	}
}

/* A key no spend has carried: not listed, and cannot be activated. */
static void test_cost_allocation_tags(void **state)
{
	const char *keys[] = { "bedrock-tenantd:tenant" };
	struct tags_out o = { 0 };

	(void)state;
	assert_int_equal(ce_list_cost_allocation_tags(h.client, NULL, keys, 1, on_tags, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(
		ce_update_cost_allocation_tags_status(h.client, NULL, keys, 1, CE_STATUS_ACTIVE, on_update, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.code, "TagKeysNotFoundException");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_lifecycle),
		cmocka_unit_test(test_cost_allocation_tags),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
