/* The wire forms and pagers of the capacity and bulk reads (Service Quotas, IAM
 * GetAccountSummary and GetAccountAuthorizationDetails, SSM DescribeParameters),
 * against the scripted server. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aws_fixture.h"
#include "ce.h"
#include "iam_account.h"
#include "servicequotas.h"
#include "ssm_describe.h"
#include "xalloc.h"

static void on_quota(void *arg, int status, const struct aws_error *err, const struct sq_quota *q)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (q) {
		o->value = q->value;
		snprintf(o->first, sizeof(o->first), "%s", q->quota_code);
	}
}

static void on_quotas(void *arg, int status, const struct aws_error *err, const struct sq_quota_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].quota_code : "");
	}
}

#define QUOTA(code, value) "{\"ServiceCode\":\"bedrock\",\"QuotaCode\":\"" code "\",\"Value\":" value "}"

static void test_servicequotas_wire(void **state)
{
	struct fx_script s = { .answers = { "{\"Quota\":" QUOTA("L-40EC9882", "1000.0") "}",
					    "{\"Quotas\":[" QUOTA("L-1", "1") "],\"NextToken\":\"n2\"}",
					    "{\"Quotas\":[" QUOTA("L-2", "2") "]}" },
			       .n = 3 };
	struct fixture f;
	struct fx_outcome o = { 0 }, l = { 0 };
	const struct test_request *req;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(sq_get_service_quota(f.client, NULL, "bedrock", NULL, on_quota, &o), -EINVAL);
	assert_int_equal(sq_get_service_quota(f.client, NULL, "bedrock", "L-40EC9882", on_quota, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_true(o.value == 1000);
	req = test_server_request(f.server, 0);
	assert_string_equal(test_request_header(req, "X-Amz-Target"), "ServiceQuotasV20190624.GetServiceQuota");
	assert_string_equal(test_request_header(req, "Content-Type"), "application/x-amz-json-1.1");
	assert_non_null(strstr(test_request_header(req, "Authorization"), "/us-east-1/servicequotas/aws4_request"));
	assert_string_equal(req->body, "{\"ServiceCode\":\"bedrock\",\"QuotaCode\":\"L-40EC9882\"}");

	assert_int_equal(sq_list_service_quotas(f.client, NULL, "bedrock", on_quotas, &l), 0);
	fx_run_until(&f, fx_done, &l);
	assert_int_equal(l.status, 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.first, "L-1");
	assert_string_equal(test_server_request(f.server, 1)->body, "{\"ServiceCode\":\"bedrock\",\"MaxResults\":100}");
	assert_string_equal(test_server_request(f.server, 2)->body,
			    "{\"ServiceCode\":\"bedrock\",\"MaxResults\":100,\"NextToken\":\"n2\"}");
	assert_int_equal(fx_finish(&f), 0);
}

static void on_summary(void *arg, int status, const struct aws_error *err, const struct iam_account_summary *s)
{
	struct fx_outcome *o = fx_answered(arg, status);
	int64_t v = -1;

	(void)err;
	if (s && iam_account_summary_get(s, "RolesQuota", &v) == 0)
		o->value = (double)v;
}

static void on_details(void *arg, int status, const struct aws_error *err, const struct iam_role_detail_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].name : "");
	}
}

#define DETAILS(roles, tail)                                                                                           \
	"<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><RoleDetailList>" roles         \
	"</RoleDetailList>" tail "</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>"
#define ROLE(n) "<member><RoleName>" n "</RoleName><Arn>arn:aws:iam::123456789012:role/" n "</Arn></member>"

static void test_iam_account_wire(void **state)
{
	struct fx_script s = {
		.answers = { "<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap><entry><key>RolesQuota"
			     "</key><value>5000</value></entry></SummaryMap></GetAccountSummaryResult>"
			     "</GetAccountSummaryResponse>",
			     DETAILS(ROLE("a") ROLE("b"), "<IsTruncated>true</IsTruncated><Marker>m/2+</Marker>"),
			     DETAILS(ROLE("c"), "<IsTruncated>false</IsTruncated>") },
		.n = 3
	};
	struct fixture f;
	struct fx_outcome o = { 0 }, d = { 0 };
	const struct test_request *req;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(iam_get_account_summary(f.client, NULL, on_summary, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_true(o.value == 5000);
	req = test_server_request(f.server, 0);
	assert_string_equal(req->body, "Action=GetAccountSummary&Version=2010-05-08");
	assert_non_null(strstr(test_request_header(req, "Authorization"), "/us-east-1/iam/aws4_request"));

	assert_int_equal(iam_get_role_details(f.client, NULL, NULL, 0, on_details, &d), 0);
	fx_run_until(&f, fx_done, &d);
	assert_int_equal(d.status, 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.first, "a");
	assert_string_equal(
		test_server_request(f.server, 1)->body,
		"Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=Role&MaxItems=1000");
	assert_string_equal(
		test_server_request(f.server, 2)->body,
		"Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=Role&MaxItems=1000"
		"&Marker=m%2F2%2B");
	assert_int_equal(fx_finish(&f), 0);
}

static void on_details_size(void *arg, int status, const struct aws_error *err, const struct iam_role_detail_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		o->value = l->page_size;
	}
}

/* A page over the client's bound for an answer (roles with large inline policies) is
 * asked again at once with a tenth as many roles, not retried as it was; the list says
 * the page size it ended with, and a read that starts there asks for that many. */
static void test_iam_details_page_too_large(void **state)
{
	static char big[2048];
	struct fx_script s = { .n = 3 };
	struct fixture f;
	struct fx_outcome d = { 0 }, e = { 0 };

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	s.answers[0] = big; /* over the bound below: never parsed */
	s.answers[1] = DETAILS(ROLE("a"), "<IsTruncated>true</IsTruncated><Marker>m2</Marker>");
	s.answers[2] = DETAILS(ROLE("b"), "<IsTruncated>false</IsTruncated>");
	fx_init(&f, fx_scripted, &s);
	f.opts.max_response_bytes = 1024;
	assert_int_equal(fx_client(&f), 0);
	assert_int_equal(iam_get_role_details(f.client, NULL, NULL, 0, on_details_size, &d), 0);
	fx_run_until(&f, fx_done, &d);
	assert_int_equal(d.status, 0);
	assert_int_equal(d.n, 2);
	assert_true(d.value == 100);
	assert_int_equal(test_server_requests(f.server), 3); /* no retry of the page too large */
	assert_non_null(strstr(test_server_request(f.server, 0)->body, "&MaxItems=1000"));
	assert_non_null(strstr(test_server_request(f.server, 1)->body, "&MaxItems=100"));
	assert_null(strstr(test_server_request(f.server, 1)->body, "Marker"));
	assert_non_null(strstr(test_server_request(f.server, 2)->body, "&MaxItems=100&Marker=m2"));

	/* the next read starts at 100; pages still too large go down to 10, then fail */
	s.answers[0] = big;
	s.n = 1;
	assert_int_equal(iam_get_role_details(f.client, NULL, NULL, 100, on_details_size, &e), 0);
	fx_run_until(&f, fx_done, &e);
	assert_int_equal(e.status, -EMSGSIZE);
	assert_int_equal(test_server_requests(f.server), 5);
	assert_non_null(strstr(test_server_request(f.server, 3)->body, "&MaxItems=100"));
	assert_non_null(strstr(test_server_request(f.server, 4)->body, "&MaxItems=10"));
	assert_int_equal(fx_finish(&f), 0);
}

/* After a read at a smaller page size, the next one asks ten times as many roles
 * when the largest answer leaves room for it (the policies shrank), else the same;
 * never more than IAM's 1,000. */
static void test_iam_details_next_size(void **state)
{
	struct iam_role_detail_list l = { 0 };

	(void)state;
	assert_int_equal(iam_role_details_next_size(&l), IAM_DETAILS_PAGE_SIZE);
	l.page_size = IAM_DETAILS_PAGE_SIZE;
	l.largest_page = 100;
	assert_int_equal(iam_role_details_next_size(&l), IAM_DETAILS_PAGE_SIZE);
	l.page_size = 100;
	l.largest_page = 1200000; /* 100 roles with 9.6 KB policies: 1,000 would be 12 MB */
	assert_int_equal(iam_role_details_next_size(&l), 100);
	l.largest_page = IAM_DETAILS_GROW_BYTES / 10;
	assert_int_equal(iam_role_details_next_size(&l), IAM_DETAILS_PAGE_SIZE);
	l.page_size = 10;
	l.largest_page = 120000;
	assert_int_equal(iam_role_details_next_size(&l), 100);
	l.largest_page = IAM_DETAILS_GROW_BYTES / 10 + 1;
	assert_int_equal(iam_role_details_next_size(&l), 10);
}

static void on_metas(void *arg, int status, const struct aws_error *err, const struct ssm_parameter_meta_list *l)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s:%lld", l->n ? l->items[0].name : "",
			 l->n ? (long long)l->items[0].version : 0LL);
	}
}

static void test_ssm_describe_wire(void **state)
{
	struct fx_script s = { .answers = { "{\"Parameters\":[{\"Name\":\"/a/x\",\"Version\":4,\"Tier\":\"Standard\"}],"
					    "\"NextToken\":\"n2\"}",
					    "{\"Parameters\":[{\"Name\":\"/a/y\",\"Version\":1}]}" },
			       .n = 2 };
	struct fixture f;
	struct fx_outcome o = { 0 }, all = { 0 };

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(ssm_describe_parameters(f.client, NULL, "relative", true, on_metas, &o), -EINVAL);
	assert_int_equal(ssm_describe_parameters(f.client, NULL, "/a", true, on_metas, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.first, "/a/x:4");
	assert_string_equal(test_request_header(test_server_request(f.server, 0), "X-Amz-Target"),
			    "AmazonSSM.DescribeParameters");
	assert_string_equal(test_server_request(f.server, 0)->body,
			    "{\"ParameterFilters\":[{\"Key\":\"Path\",\"Option\":\"Recursive\",\"Values\":[\"/a\"]}],"
			    "\"MaxResults\":50}");
	assert_string_equal(test_server_request(f.server, 1)->body,
			    "{\"ParameterFilters\":[{\"Key\":\"Path\",\"Option\":\"Recursive\",\"Values\":[\"/a\"]}],"
			    "\"MaxResults\":50,\"NextToken\":\"n2\"}");
	assert_int_equal(ssm_describe_parameters(f.client, NULL, NULL, false, on_metas, &all), 0);
	fx_run_until(&f, fx_done, &all);
	assert_string_equal(test_server_request(f.server, 2)->body, "{\"MaxResults\":50}");
	assert_int_equal(fx_finish(&f), 0);
}

static void on_ce_tags(void *arg, int status, const struct ce_cost_tag_list *l, const struct aws_error *err)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].status : "");
	}
}

static void on_ce_update(void *arg, int status, const struct ce_tag_error_list *l, const struct aws_error *err)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].code : "");
	}
}

/* Cost Explorer: AWSInsightsIndexService, signed for ce in us-east-1 whatever the
 * client's Region; the list walks its pages; arguments are bounded. */
static void test_ce_wire(void **state)
{
	struct fx_script s = { .answers = { "{\"CostAllocationTags\":[{\"TagKey\":\"k\",\"Status\":\"Inactive\"}],"
					    "\"NextToken\":\"t2\"}",
					    "{\"CostAllocationTags\":[]}",
					    "{\"Errors\":[{\"TagKey\":\"j\",\"Code\":\"TagKeysNotFoundException\"}]}" },
			       .n = 3 };
	const char *keys[] = { "k", "j" }, *empty[] = { "" };
	struct fixture f;
	struct fx_outcome l = { 0 }, u = { 0 };
	const struct test_request *req;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(ce_list_cost_allocation_tags(f.client, NULL, keys, 0, on_ce_tags, &l), -EINVAL);
	assert_int_equal(ce_list_cost_allocation_tags(f.client, NULL, keys, 101, on_ce_tags, &l), -EINVAL);
	assert_int_equal(ce_list_cost_allocation_tags(f.client, NULL, empty, 1, on_ce_tags, &l), -EINVAL);
	assert_int_equal(
		ce_update_cost_allocation_tags_status(f.client, NULL, keys, 21, CE_STATUS_ACTIVE, on_ce_update, &u),
		-EINVAL);
	assert_int_equal(ce_update_cost_allocation_tags_status(f.client, NULL, keys, 1, "On", on_ce_update, &u),
			 -EINVAL);
	assert_int_equal(ce_list_cost_allocation_tags(f.client, NULL, keys, 1, on_ce_tags, &l), 0);
	fx_run_until(&f, fx_done, &l);
	assert_int_equal(l.status, 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.first, "Inactive");
	req = test_server_request(f.server, 0);
	assert_string_equal(test_request_header(req, "X-Amz-Target"), "AWSInsightsIndexService.ListCostAllocationTags");
	assert_string_equal(test_request_header(req, "Content-Type"), "application/x-amz-json-1.1");
	assert_non_null(strstr(test_request_header(req, "Authorization"), "/us-east-1/ce/aws4_request"));
	assert_string_equal(req->body, "{\"TagKeys\":[\"k\"],\"MaxResults\":1000}");
	assert_string_equal(test_server_request(f.server, 1)->body,
			    "{\"TagKeys\":[\"k\"],\"MaxResults\":1000,\"NextToken\":\"t2\"}");

	assert_int_equal(
		ce_update_cost_allocation_tags_status(f.client, NULL, keys, 2, CE_STATUS_ACTIVE, on_ce_update, &u), 0);
	fx_run_until(&f, fx_done, &u);
	assert_int_equal(u.status, 0);
	assert_int_equal(u.n, 1);
	assert_string_equal(u.first, "TagKeysNotFoundException");
	req = test_server_request(f.server, 2);
	assert_string_equal(test_request_header(req, "X-Amz-Target"),
			    "AWSInsightsIndexService.UpdateCostAllocationTagsStatus");
	assert_string_equal(req->body, "{\"CostAllocationTagsStatus\":[{\"TagKey\":\"k\",\"Status\":\"Active\"},"
				       "{\"TagKey\":\"j\",\"Status\":\"Active\"}]}");
	assert_int_equal(fx_finish(&f), 0);
}

static void on_ce_cost(void *arg, int status, const struct ce_cost_groups *l, const struct aws_error *err)
{
	struct fx_outcome *o = fx_answered(arg, status);

	(void)err;
	if (l) {
		o->n = l->n;
		o->value = l->n ? l->items[l->n - 1].amount : 0;
		snprintf(o->first, sizeof(o->first), "%s", l->n ? l->items[0].value : "");
	}
}

/* GetCostAndUsage grouped by a tag: the request's shape and every page walked. */
static void test_ce_cost_wire(void **state)
{
	struct fx_script s = {
		.answers = { "{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-01\"},\"Groups\":[{\"Keys\":"
			     "[\"t$acme\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"1\"}}}]}],"
			     "\"NextPageToken\":\"p2\"}",
			     "{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-02\"},\"Groups\":[{\"Keys\":"
			     "[\"t$bob\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"2.5\"}}}]}]}" },
		.n = 2
	};
	struct fixture f;
	struct fx_outcome o = { 0 };
	const struct test_request *req;

	(void)state;
	assert_int_equal(fx_start(&f, &s), 0);
	assert_int_equal(ce_get_cost_by_tag(f.client, NULL, "2026-12-02", "2026-12-01", "t", on_ce_cost, &o), -EINVAL);
	assert_int_equal(ce_get_cost_by_tag(f.client, NULL, "2026-12-1", "2026-12-03", "t", on_ce_cost, &o), -EINVAL);
	assert_int_equal(ce_get_cost_by_tag(f.client, NULL, "2026-12-01", "2026-12-03", "a$b", on_ce_cost, &o),
			 -EINVAL);
	assert_int_equal(ce_get_cost_by_tag(f.client, NULL, "2026-12-01", "2026-12-03", "t", on_ce_cost, &o), 0);
	fx_run_until(&f, fx_done, &o);
	assert_int_equal(o.status, 0);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.first, "acme");
	assert_true(o.value == 2.5);
	req = test_server_request(f.server, 0);
	assert_string_equal(test_request_header(req, "X-Amz-Target"), "AWSInsightsIndexService.GetCostAndUsage");
	assert_string_equal(req->body, "{\"TimePeriod\":{\"Start\":\"2026-12-01\",\"End\":\"2026-12-03\"},"
				       "\"GroupBy\":[{\"Type\":\"TAG\",\"Key\":\"t\"}],\"Granularity\":\"DAILY\","
				       "\"Metrics\":[\"UnblendedCost\"]}");
	assert_non_null(strstr(test_server_request(f.server, 1)->body, "\"NextPageToken\":\"p2\""));
	assert_int_equal(fx_finish(&f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servicequotas_wire),
		cmocka_unit_test(test_iam_account_wire),
		cmocka_unit_test(test_iam_details_page_too_large),
		cmocka_unit_test(test_iam_details_next_size),
		cmocka_unit_test(test_ssm_describe_wire),
		cmocka_unit_test(test_ce_wire),
		cmocka_unit_test(test_ce_cost_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
