/* Every operation the engine uses, through the typed clients,
 * against awsim: Bedrock profiles and tags, SSM parameters and tags, the Tagging
 * API, Budgets with notifications, subscribers and tags, IAM inline role policies,
 * STS GetCallerIdentity. One awsim and one client for the whole program; the loop
 * closes cleanly at the end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bedrock.h"
#include "budgets.h"
#include "iam.h"
#include "ssm.h"
#include "sts.h"
#include "tagging.h"
#include "awsim_harness.h"

static struct harness h;
#define CTX (h.client)

#define FM_ARN "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"

static int group_setup(void **state)
{
	harness_init(&h, NULL);
	h.opts.max_rate[AWS_SSM] = 100;
	return harness_client(&h);
}

static int group_teardown(void **state)
{
	return harness_finish(&h);
}

/* ---- STS ---- */

struct identity {
	struct done d;
	char account[32];
};

static void on_identity(void *arg, int status, const struct aws_error *err, const struct sts_caller_identity *id)
{
	struct identity *x = arg;

	done_record(&x->d, status, err);
	if (id)
		snprintf(x->account, sizeof(x->account), "%s", id->account);
}

static void test_sts(void **state)
{
	struct identity x = { 0 };

	assert_int_equal(sts_get_caller_identity(CTX, NULL, on_identity, &x), 0);
	assert_int_equal(harness_wait(&h, &x.d), 0);
	assert_string_equal(x.account, HARNESS_ACCOUNT);
}

/* ---- Bedrock ---- */

struct profile_out {
	struct done d;
	char arn[256], id[64], name[80], status[16];
	size_t n, models;
	bool found; /* list: contains `want` */
	const char *want;
	struct aws_tags tags;
};

static void on_create(void *arg, int status, const struct aws_error *err, const struct bedrock_create_result *r)
{
	struct profile_out *o = arg;

	done_record(&o->d, status, err);
	if (r) {
		snprintf(o->arn, sizeof(o->arn), "%s", r->arn);
		snprintf(o->status, sizeof(o->status), "%s", r->status);
	}
}

static void on_profile(void *arg, int status, const struct aws_error *err, const struct bedrock_profile *p)
{
	struct profile_out *o = arg;

	done_record(&o->d, status, err);
	if (p) {
		snprintf(o->arn, sizeof(o->arn), "%s", p->arn);
		snprintf(o->id, sizeof(o->id), "%s", p->id);
		snprintf(o->name, sizeof(o->name), "%s", p->name);
		o->models = p->models.n;
	}
}

static void on_profiles(void *arg, int status, const struct aws_error *err, const struct bedrock_profile_list *l)
{
	struct profile_out *o = arg;

	done_record(&o->d, status, err);
	for (size_t i = 0; l && i < l->n; i++) {
		if (o->want && strcmp(l->items[i].arn, o->want) == 0)
			o->found = true;
		assert_string_equal(l->items[i].type, "APPLICATION");
	}
	if (l)
		o->n = l->n;
}

static void on_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct profile_out *o = arg;

	done_record(&o->d, status, err);
	aws_tags_release(&o->tags);
	for (size_t i = 0; tags && i < tags->n; i++)
		aws_tags_add(&o->tags, tags->items[i].key, tags->items[i].value);
}

static void test_bedrock(void **state)
{
	struct aws_tag tags[] = { { (char *)"bedrock-tenantd:tenant", (char *)"acme" },
				  { (char *)"bedrock-tenantd:managed-by", (char *)"bedrock-tenantd" } };
	struct aws_tag more[] = { { (char *)"CostCenter", (char *)"eng" } };
	const char *untag[] = { "CostCenter" };
	struct bedrock_create_input in = {
		.name = "acme-chat-1a2b3c",
		.description = "Claims chatbot",
		.copy_from = FM_ARN,
		.client_request_token = "acme-chat-1a2b3c-token",
		.tags = tags,
		.n_tags = 2,
	};
	struct profile_out o = { 0 }, again = { 0 };
	char arn[256], id[64];

	assert_int_equal(bedrock_create_inference_profile(CTX, NULL, &in, on_create, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_non_null(strstr(o.arn, ":application-inference-profile/"));
	snprintf(arn, sizeof(arn), "%s", o.arn);
	/* the same token again: the same profile, no error */
	assert_int_equal(bedrock_create_inference_profile(CTX, NULL, &in, on_create, &again), 0);
	assert_int_equal(harness_wait(&h, &again.d), 0);
	assert_string_equal(again.arn, arn);

	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_get_inference_profile(CTX, NULL, arn, on_profile, &o), 0); /* by ARN */
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_string_equal(o.name, "acme-chat-1a2b3c");
	assert_int_equal(o.models, 1);
	snprintf(id, sizeof(id), "%s", o.id);
	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_get_inference_profile(CTX, NULL, id, on_profile, &o), 0); /* by id */
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_string_equal(o.arn, arn);

	memset(&o, 0, sizeof(o));
	o.want = arn;
	assert_int_equal(bedrock_list_inference_profiles(CTX, NULL, "APPLICATION", on_profiles, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_true(o.found);

	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_tag_resource(CTX, NULL, arn, more, 1, done_cb, &o.d), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(bedrock_list_tags_for_resource(CTX, NULL, arn, on_tags, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.tags.n, 3);
	assert_string_equal(aws_tags_get(&o.tags, "CostCenter"), "eng");
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(bedrock_untag_resource(CTX, NULL, arn, untag, 1, done_cb, &o.d), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(bedrock_list_tags_for_resource(CTX, NULL, arn, on_tags, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.tags.n, 2);
	assert_null(aws_tags_get(&o.tags, "CostCenter"));
	aws_tags_release(&o.tags);

	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_delete_inference_profile(CTX, NULL, arn, done_cb, &o.d), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(bedrock_get_inference_profile(CTX, NULL, id, on_profile, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), -ENOENT);
	assert_string_equal(o.d.code, "ResourceNotFoundException");
	assert_int_equal(o.d.http_status, 404);
	assert_int_equal(o.d.cls, AWS_ERROR_TERMINAL);
}

/* ---- SSM ---- */

struct param_out {
	struct done d;
	int64_t version;
	char value[256];
	size_t n, invalid, deleted;
	struct aws_tags tags;
};

static void on_put(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *r)
{
	struct param_out *o = arg;

	done_record(&o->d, status, err);
	if (r)
		o->version = r->version;
}

static void on_param(void *arg, int status, const struct aws_error *err, const struct ssm_parameter *p)
{
	struct param_out *o = arg;

	done_record(&o->d, status, err);
	if (p) {
		o->version = p->version;
		snprintf(o->value, sizeof(o->value), "%s", p->value);
	}
}

static void on_many(void *arg, int status, const struct aws_error *err, const struct ssm_get_parameters_result *r)
{
	struct param_out *o = arg;

	done_record(&o->d, status, err);
	if (r) {
		o->n = r->parameters.n;
		o->invalid = r->invalid.n;
	}
}

static void on_path(void *arg, int status, const struct aws_error *err, const struct ssm_parameter_list *l)
{
	struct param_out *o = arg;

	done_record(&o->d, status, err);
	if (l)
		o->n = l->n;
}

static void on_deleted(void *arg, int status, const struct aws_error *err, const struct ssm_delete_parameters_result *r)
{
	struct param_out *o = arg;

	done_record(&o->d, status, err);
	if (r) {
		o->deleted = r->deleted.n;
		o->invalid = r->invalid.n;
	}
}

static void on_param_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct param_out *o = arg;

	done_record(&o->d, status, err);
	aws_tags_release(&o->tags);
	for (size_t i = 0; tags && i < tags->n; i++)
		aws_tags_add(&o->tags, tags->items[i].key, tags->items[i].value);
}

#define PARAM "/bedrock-tenants/acme/chat/profile-arn"

static void test_ssm(void **state)
{
	struct aws_tag tags[] = { { (char *)"bedrock-tenantd:tenant", (char *)"acme" } };
	struct aws_tag more[] = { { (char *)"bedrock-tenantd:profile", (char *)"chat" } };
	const char *remove[] = { "bedrock-tenantd:profile" };
	const char *names[] = { PARAM, "/bedrock-tenants/acme/missing" };
	struct ssm_put_input in = { .name = PARAM, .value = "arn:one", .tags = tags, .n_tags = 1 };
	struct param_out o = { 0 };
	char name[64];
	const char *batch[10];
	char batch_names[10][64];

	assert_int_equal(ssm_put_parameter(CTX, NULL, &in, on_put, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.version, 1);
	/* again without overwrite: it exists */
	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_put_parameter(CTX, NULL, &in, on_put, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), -EEXIST);
	assert_string_equal(o.d.code, "ParameterAlreadyExists");
	/* overwrite, without tags */
	in.value = "arn:two";
	in.overwrite = true;
	in.n_tags = 0;
	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_put_parameter(CTX, NULL, &in, on_put, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.version, 2);

	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_get_parameter(CTX, NULL, PARAM, on_param, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_string_equal(o.value, "arn:two");
	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_get_parameters(CTX, NULL, names, 2, on_many, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.invalid, 1);

	/* 25 more under the tenant: three pages of ten */
	for (int i = 0; i < 25; i++) {
		struct ssm_put_input p = { .name = name, .value = "v" };

		snprintf(name, sizeof(name), "/bedrock-tenants/acme/p%02d/profile-arn", i);
		memset(&o, 0, sizeof(o));
		assert_int_equal(ssm_put_parameter(CTX, NULL, &p, on_put, &o), 0);
		assert_int_equal(harness_wait(&h, &o.d), 0);
	}
	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_get_parameters_by_path(CTX, NULL, "/bedrock-tenants/acme", true, on_path, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 26);
	assert_true(awsim_calls(&h.sim, "ssm:GetParametersByPath", "ok") >= 3);

	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_add_tags_to_resource(CTX, NULL, PARAM, more, 1, done_cb, &o.d), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(ssm_list_tags_for_resource(CTX, NULL, PARAM, on_param_tags, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_string_equal(aws_tags_get(&o.tags, "bedrock-tenantd:tenant"), "acme");
	assert_string_equal(aws_tags_get(&o.tags, "bedrock-tenantd:profile"), "chat");
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(ssm_remove_tags_from_resource(CTX, NULL, PARAM, remove, 1, done_cb, &o.d), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(ssm_list_tags_for_resource(CTX, NULL, PARAM, on_param_tags, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.tags.n, 1);
	aws_tags_release(&o.tags);

	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_delete_parameter(CTX, NULL, PARAM, done_cb, &o.d), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_get_parameter(CTX, NULL, PARAM, on_param, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), -ENOENT);
	assert_string_equal(o.d.code, "ParameterNotFound");
	for (int i = 0; i < 10; i++) {
		snprintf(batch_names[i], sizeof(batch_names[i]), "/bedrock-tenants/acme/p%02d/profile-arn", i);
		batch[i] = batch_names[i];
	}
	memset(&o, 0, sizeof(o));
	assert_int_equal(ssm_delete_parameters(CTX, NULL, batch, 10, on_deleted, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.deleted, 10);
	assert_int_equal(o.invalid, 0);
}

/* ---- Tagging ---- */

struct resources_out {
	struct done d;
	size_t n;
	char arn[256];
};

static void on_resources(void *arg, int status, const struct aws_error *err, const struct tagging_resource_list *l)
{
	struct resources_out *o = arg;

	done_record(&o->d, status, err);
	if (l) {
		o->n = l->n;
		if (l->n)
			snprintf(o->arn, sizeof(o->arn), "%s", l->items[0].arn);
	}
}

static void test_tagging(void **state)
{
	struct aws_tag tags[] = { { (char *)"bedrock-tenantd:tenant", (char *)"globex" } };
	struct bedrock_create_input in = {
		.name = "globex-chat-0a0b0c", .copy_from = FM_ARN, .tags = tags, .n_tags = 1
	};
	const char *values[] = { "globex" };
	const char *types[] = { TAGGING_PROFILE_TYPE };
	struct tagging_filter filter = { "bedrock-tenantd:tenant", values, 1 };
	struct tagging_get_resources_input q = { &filter, 1, types, 1 };
	struct profile_out p = { 0 };
	struct resources_out o = { 0 };

	assert_int_equal(bedrock_create_inference_profile(CTX, NULL, &in, on_create, &p), 0);
	assert_int_equal(harness_wait(&h, &p.d), 0);
	assert_int_equal(tagging_get_resources(CTX, NULL, &q, on_resources, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), 0);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.arn, p.arn);
}

/* ---- Budgets ---- */

struct budget_out {
	struct done d;
	size_t n;
	char limit[32];
	char filter[128];
	double threshold;
	struct aws_tags tags;
};

static void on_budget(void *arg, int status, const struct aws_error *err, const struct budgets_budget *b)
{
	struct budget_out *o = arg;

	done_record(&o->d, status, err);
	if (b) {
		snprintf(o->limit, sizeof(o->limit), "%s", b->limit_amount ? b->limit_amount : "");
		if (b->n_cost_filters && b->cost_filters[0].values.n)
			snprintf(o->filter, sizeof(o->filter), "%s", b->cost_filters[0].values.items[0]);
	}
}

static void on_budgets(void *arg, int status, const struct aws_error *err, const struct budgets_budget_list *l)
{
	struct budget_out *o = arg;

	done_record(&o->d, status, err);
	if (l)
		o->n = l->n;
}

static void on_notes(void *arg, int status, const struct aws_error *err, const struct budgets_notification_list *l)
{
	struct budget_out *o = arg;

	done_record(&o->d, status, err);
	if (l) {
		o->n = l->n;
		o->threshold = l->n ? l->items[l->n - 1].threshold : 0;
	}
}

static void on_subs(void *arg, int status, const struct aws_error *err, const struct budgets_subscriber_list *l)
{
	struct budget_out *o = arg;

	done_record(&o->d, status, err);
	if (l)
		o->n = l->n;
}

static void on_budget_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct budget_out *o = arg;

	done_record(&o->d, status, err);
	aws_tags_release(&o->tags);
	for (size_t i = 0; tags && i < tags->n; i++)
		aws_tags_add(&o->tags, tags->items[i].key, tags->items[i].value);
}

#define BUDGET	   "bedrock-tenant-acme"
#define BUDGET_ARN "arn:aws:budgets::" HARNESS_ACCOUNT ":budget/" BUDGET
#define WAIT(call)                                                                                                     \
	do {                                                                                                           \
		memset(&o.d, 0, sizeof(o.d));                                                                          \
		assert_int_equal(call, 0);                                                                             \
		assert_int_equal(harness_wait(&h, &o.d), 0);                                                           \
	} while (0)

static void test_budgets(void **state)
{
	char *filter_value = (char *)"user:bedrock-tenantd:tenant$acme";
	struct budgets_cost_filter filter = { (char *)"TagKeyValue", { &filter_value, 1, 1 } };
	struct budgets_budget b = {
		.name = (char *)BUDGET,
		.limit_amount = (char *)"1000",
		.limit_unit = (char *)"USD",
		.time_unit = (char *)"MONTHLY",
		.budget_type = (char *)"COST",
		.cost_filters = &filter,
		.n_cost_filters = 1,
	};
	struct budgets_subscriber emails[] = { { (char *)"EMAIL", (char *)"claims-admin@example.com" } };
	struct budgets_subscriber sns = { (char *)"SNS", (char *)"arn:aws:sns:us-east-1:123456789012:budget-alerts" };
	struct budgets_notification actual = { (char *)"ACTUAL", (char *)"GREATER_THAN", 80, (char *)"PERCENTAGE",
					       NULL };
	struct budgets_notification forecast = { (char *)"FORECASTED", (char *)"GREATER_THAN", 100,
						 (char *)"PERCENTAGE", NULL };
	struct budgets_notification forecast2 = { (char *)"FORECASTED", (char *)"GREATER_THAN", 110,
						  (char *)"PERCENTAGE", NULL };
	struct budgets_notification_with_subscribers nws = { actual, emails, 1 };
	struct aws_tag tags[] = { { (char *)"bedrock-tenantd:tenant", (char *)"acme" } };
	const char *untag[] = { "bedrock-tenantd:tenant" };
	struct budgets_create_input in = { HARNESS_ACCOUNT, &b, &nws, 1, tags, 1 };
	struct budget_out o = { 0 };

	WAIT(budgets_create_budget(CTX, NULL, &in, done_cb, &o.d));
	WAIT(budgets_describe_budget(CTX, NULL, HARNESS_ACCOUNT, BUDGET, on_budget, &o));
	assert_true(strtod(o.limit, NULL) == 1000.0);
	assert_string_equal(o.filter, filter_value);
	WAIT(budgets_describe_budgets(CTX, NULL, HARNESS_ACCOUNT, on_budgets, &o));
	assert_int_equal(o.n, 1);
	b.limit_amount = (char *)"1500";
	WAIT(budgets_update_budget(CTX, NULL, HARNESS_ACCOUNT, &b, done_cb, &o.d));
	WAIT(budgets_describe_budget(CTX, NULL, HARNESS_ACCOUNT, BUDGET, on_budget, &o));
	assert_true(strtod(o.limit, NULL) == 1500.0);

	WAIT(budgets_create_notification(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast, emails, 1, done_cb, &o.d));
	WAIT(budgets_update_notification(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast, &forecast2, done_cb, &o.d));
	WAIT(budgets_describe_notifications(CTX, NULL, HARNESS_ACCOUNT, BUDGET, on_notes, &o));
	assert_int_equal(o.n, 2);
	WAIT(budgets_create_subscriber(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast2, &sns, done_cb, &o.d));
	WAIT(budgets_describe_subscribers(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast2, on_subs, &o));
	assert_int_equal(o.n, 2);
	WAIT(budgets_delete_subscriber(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast2, &sns, done_cb, &o.d));
	WAIT(budgets_describe_subscribers(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast2, on_subs, &o));
	assert_int_equal(o.n, 1);
	WAIT(budgets_delete_notification(CTX, NULL, HARNESS_ACCOUNT, BUDGET, &forecast2, done_cb, &o.d));
	WAIT(budgets_describe_notifications(CTX, NULL, HARNESS_ACCOUNT, BUDGET, on_notes, &o));
	assert_int_equal(o.n, 1);
	assert_true(o.threshold == 80.0);

	WAIT(budgets_list_tags_for_resource(CTX, NULL, BUDGET_ARN, on_budget_tags, &o));
	assert_string_equal(aws_tags_get(&o.tags, "bedrock-tenantd:tenant"), "acme");
	WAIT(budgets_untag_resource(CTX, NULL, BUDGET_ARN, untag, 1, done_cb, &o.d));
	WAIT(budgets_list_tags_for_resource(CTX, NULL, BUDGET_ARN, on_budget_tags, &o));
	assert_int_equal(o.tags.n, 0);
	WAIT(budgets_tag_resource(CTX, NULL, BUDGET_ARN, tags, 1, done_cb, &o.d));
	WAIT(budgets_list_tags_for_resource(CTX, NULL, BUDGET_ARN, on_budget_tags, &o));
	assert_int_equal(o.tags.n, 1);
	aws_tags_release(&o.tags);

	WAIT(budgets_delete_budget(CTX, NULL, HARNESS_ACCOUNT, BUDGET, done_cb, &o.d));
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(budgets_describe_budget(CTX, NULL, HARNESS_ACCOUNT, BUDGET, on_budget, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), -ENOENT);
	assert_string_equal(o.d.code, "NotFoundException");
}

/* ---- IAM ---- */

struct policy_out {
	struct done d;
	char document[1024];
	size_t n;
	char arn[256];
};

static void on_policy(void *arg, int status, const struct aws_error *err, const struct iam_role_policy *p)
{
	struct policy_out *o = arg;

	done_record(&o->d, status, err);
	if (p)
		snprintf(o->document, sizeof(o->document), "%s", p->document);
}

static void on_names(void *arg, int status, const struct aws_error *err, const struct aws_strv *v)
{
	struct policy_out *o = arg;

	done_record(&o->d, status, err);
	if (v)
		o->n = v->n;
}

static void on_role(void *arg, int status, const struct aws_error *err, const struct iam_role *r)
{
	struct policy_out *o = arg;

	done_record(&o->d, status, err);
	if (r)
		snprintf(o->arn, sizeof(o->arn), "%s", r->arn);
}

static void on_raw(void *arg, int status, const struct aws_error *err, const struct http_response *resp)
{
	done_record(arg, status, err);
}

/* CreateRole is test set-up only: the daemon never creates roles. */
static void create_role(const char *name)
{
	struct aws_request req;
	struct done d = { 0 };

	aws_request_init_query(&req, AWS_IAM, "CreateRole");
	aws_request_add_form(&req, "RoleName", name);
	aws_request_add_form(&req, "AssumeRolePolicyDocument",
			     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
			     "{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}");
	assert_int_equal(aws_client_call(h.client, NULL, &req, on_raw, &d), 0);
	assert_int_equal(harness_wait(&h, &d), 0);
}

static void test_iam(void **state)
{
	const char *doc = "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"InvokeViaProfile\", \"Effect\": "
			  "\"Allow\", \"Action\": [\"bedrock:InvokeModel\", \"bedrock:InvokeModelWithResponseStream\"]"
			  ", \"Resource\": \"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"
			  "abcd1234efgh\"}]}";
	struct policy_out o = { 0 };
	cJSON *a, *b;

	create_role("claims-chatbot-app");
	WAIT(iam_get_role(CTX, NULL, "claims-chatbot-app", on_role, &o));
	assert_string_equal(o.arn, "arn:aws:iam::" HARNESS_ACCOUNT ":role/claims-chatbot-app");
	WAIT(iam_put_role_policy(CTX, NULL, "claims-chatbot-app", "bedrock-tenantd-acme", doc, done_cb, &o.d));
	WAIT(iam_get_role_policy(CTX, NULL, "claims-chatbot-app", "bedrock-tenantd-acme", on_policy, &o));
	/* compared as JSON: the document comes back decoded */
	a = cJSON_Parse(doc);
	b = cJSON_Parse(o.document);
	assert_non_null(b);
	assert_true(cJSON_Compare(a, b, true));
	cJSON_Delete(a);
	cJSON_Delete(b);
	WAIT(iam_list_role_policies(CTX, NULL, "claims-chatbot-app", on_names, &o));
	assert_int_equal(o.n, 1);
	WAIT(iam_delete_role_policy(CTX, NULL, "claims-chatbot-app", "bedrock-tenantd-acme", done_cb, &o.d));
	WAIT(iam_list_role_policies(CTX, NULL, "claims-chatbot-app", on_names, &o));
	assert_int_equal(o.n, 0);
	memset(&o.d, 0, sizeof(o.d));
	assert_int_equal(iam_get_role(CTX, NULL, "no-such-role", on_role, &o), 0);
	assert_int_equal(harness_wait(&h, &o.d), -ENOENT);
	assert_string_equal(o.d.code, "NoSuchEntity");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sts),	cmocka_unit_test(test_bedrock), cmocka_unit_test(test_ssm),
		cmocka_unit_test(test_tagging), cmocka_unit_test(test_budgets), cmocka_unit_test(test_iam),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
