/* The pure parsers of the capacity and bulk reads: Service Quotas (GetServiceQuota,
 * ListServiceQuotas), IAM GetAccountSummary and GetAccountAuthorizationDetails, SSM
 * DescribeParameters; on answers shaped like AWS's (the service models), and their
 * refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ce_parse.h"
#include "iam_account_parse.h"
#include "xalloc.h"
#include "servicequotas_parse.h"
#include "ssm_describe_parse.h"

#define S(x) x, strlen(x)

#define QUOTA(code, value)                                                                                             \
	"{\"ServiceCode\":\"bedrock\",\"ServiceName\":\"Amazon Bedrock\",\"QuotaArn\":\"arn:aws:servicequotas:"        \
	"us-east-1:123456789012:bedrock/" code "\",\"QuotaCode\":\"" code "\",\"QuotaName\":\"Inference profiles "     \
	"per account\",\"Value\":" value ",\"Unit\":\"None\",\"Adjustable\":true,\"GlobalQuota\":false,"               \
	"\"QuotaAppliedAtLevel\":\"ACCOUNT\"}"

/* A stand-in digest: the document with "!", its length as the size. */
static void digest_length(const char *document, char **ret_hash, size_t *ret_chars)
{
	*ret_hash = xasprintf("%s!", document);
	*ret_chars = strlen(document);
}

static void test_servicequotas(void **state)
{
	struct sq_quota q;
	struct sq_quota_list list = { 0 };
	char *next;

	assert_int_equal(sq_parse_quota(S("{\"Quota\":" QUOTA("L-40EC9882", "1000.0") "}"), &q), 0);
	assert_string_equal(q.service_code, "bedrock");
	assert_string_equal(q.quota_code, "L-40EC9882");
	assert_string_equal(q.quota_name, "Inference profiles per account");
	assert_string_equal(q.arn, "arn:aws:servicequotas:us-east-1:123456789012:bedrock/L-40EC9882");
	assert_true(q.value == 1000);
	assert_true(q.adjustable);
	assert_false(q.global);
	sq_quota_release(&q);
	sq_quota_release(&q); /* a released quota is empty */

	assert_int_equal(sq_parse_quotas_page(
				 S("{\"Quotas\":[" QUOTA("L-1", "5") "," QUOTA("L-2", "2000") "],"
											      "\"NextToken\":\"n2\"}"),
				 &list, &next),
			 0);
	assert_string_equal(next, "n2");
	free(next);
	assert_int_equal(sq_parse_quotas_page(S("{\"Quotas\":[]}"), &list, &next), 0);
	assert_null(next);
	assert_int_equal(list.n, 2);
	assert_true(sq_quota_list_find(&list, "L-2")->value == 2000);
	assert_null(sq_quota_list_find(&list, "L-3"));
	sq_quota_list_release(&list);

	/* refusals: no Quota, no codes, a Value that is not a number, a negative one */
	assert_int_equal(sq_parse_quota(S("{}"), &q), -EBADMSG);
	assert_int_equal(sq_parse_quota(S("{\"Quota\":{\"ServiceCode\":\"iam\",\"Value\":1}}"), &q), -EBADMSG);
	assert_int_equal(sq_parse_quota(S("{\"Quota\":{\"ServiceCode\":\"iam\",\"QuotaCode\":\"L-FE177D64\","
					  "\"Value\":\"1000\"}}"),
					&q),
			 -EBADMSG);
	assert_int_equal(sq_parse_quota(S("{\"Quota\":" QUOTA("L-1", "-1") "}"), &q), -EBADMSG);
	assert_int_equal(sq_parse_quota(S("[1]"), &q), -EBADMSG);
	assert_int_equal(sq_parse_quotas_page(S("{\"Quotas\":{}}"), &list, &next), -EBADMSG);
	sq_quota_list_release(&list);
}

#define ROLE(name, policies)                                                                                           \
	"<member><Path>/</Path><RoleName>" name "</RoleName><RoleId>AROAEXAMPLE" name "</RoleId><Arn>arn:aws:iam::"    \
	"123456789012:role/" name "</Arn><CreateDate>2024-09-10T12:00:00Z</CreateDate><AssumeRolePolicyDocument>"      \
	"%7B%7D</AssumeRolePolicyDocument><InstanceProfileList/><RolePolicyList>" policies "</RolePolicyList>"         \
	"<AttachedManagedPolicies/><Tags><member><Key>team</Key><Value>a</Value></member></Tags><RoleLastUsed/>"       \
	"</member>"
#define POLICY(name, doc) "<member><PolicyName>" name "</PolicyName><PolicyDocument>" doc "</PolicyDocument></member>"
#define DETAILS(roles, tail)                                                                                           \
	"<GetAccountAuthorizationDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"                 \
	"<GetAccountAuthorizationDetailsResult><RoleDetailList>" roles "</RoleDetailList>" tail                        \
	"</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>"

static void test_iam_account(void **state)
{
	const char *summary = "<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
			      "<GetAccountSummaryResult><SummaryMap><entry><key>Roles</key><value>12</value></entry>"
			      "<entry><key>RolesQuota</key><value>1000</value></entry><entry><key>"
			      "RolePolicySizeQuota</key><value>10240</value></entry></SummaryMap>"
			      "</GetAccountSummaryResult><ResponseMetadata><RequestId>r</RequestId>"
			      "</ResponseMetadata></GetAccountSummaryResponse>";
	struct iam_account_summary s;
	struct iam_role_detail_list list = { 0 };
	int64_t v;
	char *next;

	assert_int_equal(iam_parse_account_summary(S(summary), &s), 0);
	assert_int_equal(iam_account_summary_get(&s, "Roles", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(iam_account_summary_get(&s, "RolesQuota", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(iam_account_summary_get(&s, "RolePolicySizeQuota", &v), 0);
	assert_int_equal(v, 10240);
	assert_int_equal(iam_account_summary_get(&s, "Users", &v), -ENOENT);
	iam_account_summary_release(&s);
	assert_int_equal(iam_parse_account_summary(S("<GetAccountSummaryResponse><GetAccountSummaryResult>"
						     "<SummaryMap><entry><key>Roles</key><value>x</value></entry>"
						     "</SummaryMap></GetAccountSummaryResult>"
						     "</GetAccountSummaryResponse>"),
						   &s),
			 -EBADMSG);
	assert_int_equal(iam_parse_account_summary(S("<GetRoleResponse/>"), &s), -EBADMSG);

	/* two pages; the documents come back decoded; whitespace is not counted */
	assert_int_equal(
		iam_parse_authorization_details_page(
			S(DETAILS(ROLE("app", POLICY("p1", "%7B%22a%22%3A%20%22b%22%7D") POLICY("p2", "%7B%7D")),
				  "<IsTruncated>true</IsTruncated><Marker>m2</Marker>")),
			&list, &next),
		0);
	assert_string_equal(next, "m2");
	free(next);
	assert_int_equal(iam_parse_authorization_details_page(
				 S(DETAILS(ROLE("other", ""), "<IsTruncated>false</IsTruncated>")), &list, &next),
			 0);
	assert_null(next);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[0].name, "app");
	assert_string_equal(list.items[0].arn, "arn:aws:iam::123456789012:role/app");
	assert_int_equal(list.items[0].created_ms, 1725969600000LL);
	assert_string_equal(list.items[0].assume_role_policy, "{}");
	assert_int_equal(list.items[0].n_policies, 2);
	assert_string_equal(list.items[0].policies[0].name, "p1");
	assert_string_equal(list.items[0].policies[0].document, "{\"a\": \"b\"}");
	assert_int_equal(iam_role_detail_policy_chars(&list.items[0]), 9 + 2);
	assert_string_equal(aws_tags_get(&list.items[0].tags, "team"), "a");
	assert_int_equal(list.items[1].n_policies, 0);
	assert_int_equal(iam_role_detail_policy_chars(&list.items[1]), 0);
	iam_role_detail_list_release(&list);

	/* digested as parsed: no document nor trust policy kept, the digest's figures */
	list.digest = digest_length;
	assert_int_equal(
		iam_parse_authorization_details_page(
			S(DETAILS(ROLE("app", POLICY("p1", "%7B%22a%22%3A%20%22b%22%7D") POLICY("p2", "%7B%7D")),
				  "<IsTruncated>false</IsTruncated>")),
			&list, &next),
		0);
	assert_null(next);
	assert_int_equal(list.n, 1);
	assert_null(list.items[0].assume_role_policy);
	assert_int_equal(list.items[0].n_policies, 2);
	assert_string_equal(list.items[0].policies[0].name, "p1");
	assert_null(list.items[0].policies[0].document);
	assert_string_equal(list.items[0].policies[0].hash, "{\"a\": \"b\"}!");
	assert_int_equal(list.items[0].policies[0].chars, 10);
	assert_string_equal(list.items[0].policies[1].hash, "{}!");
	assert_int_equal(iam_role_detail_policy_chars(&list.items[0]), 10 + 2);
	iam_role_detail_list_release(&list);

	/* refusals: truncated without a marker, a bad document, a role without a name */
	assert_int_equal(
		iam_parse_authorization_details_page(S(DETAILS("", "<IsTruncated>true</IsTruncated>")), &list, &next),
		-EBADMSG);
	assert_int_equal(
		iam_parse_authorization_details_page(S(DETAILS(ROLE("bad", POLICY("p", "%7")), "")), &list, &next),
		-EBADMSG);
	assert_int_equal(
		iam_parse_authorization_details_page(S(DETAILS("<member><Arn>a</Arn></member>", "")), &list, &next),
		-EBADMSG);
	assert_int_equal(iam_parse_authorization_details_page(S("<Other/>"), &list, &next), -EBADMSG);
	iam_role_detail_list_release(&list);
}

static void test_ssm_describe(void **state)
{
	const char *page1 = "{\"Parameters\":[{\"Name\":\"/bedrock/acme/chat\",\"ARN\":\"arn:aws:ssm:us-east-1:"
			    "123456789012:parameter/bedrock/acme/chat\",\"Type\":\"String\",\"LastModifiedDate\":"
			    "1725969600.5,\"Version\":3,\"Tier\":\"Standard\",\"Policies\":[],\"DataType\":\"text\"},"
			    "{\"Name\":\"/bedrock/acme/key\",\"Type\":\"SecureString\",\"KeyId\":\"alias/aws/ssm\","
			    "\"Version\":1,\"Tier\":\"Advanced\"}],\"NextToken\":\"t2\"}";
	struct ssm_parameter_meta_list list = { 0 };
	char *next;

	assert_int_equal(ssm_parse_describe_page(S(page1), &list, &next), 0);
	assert_string_equal(next, "t2");
	free(next);
	assert_int_equal(ssm_parse_describe_page(S("{\"Parameters\":[],\"NextToken\":\"t3\"}"), &list, &next), 0);
	assert_string_equal(next, "t3"); /* a short page with more to come */
	free(next);
	assert_int_equal(ssm_parse_describe_page(S("{\"Parameters\":[]}"), &list, &next), 0);
	assert_null(next);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[0].name, "/bedrock/acme/chat");
	assert_int_equal(list.items[0].version, 3);
	assert_int_equal(list.items[0].last_modified_ms, 1725969600500LL);
	assert_string_equal(list.items[0].tier, "Standard");
	assert_string_equal(list.items[0].data_type, "text");
	assert_null(list.items[0].key_id);
	assert_string_equal(list.items[1].tier, "Advanced");
	assert_string_equal(list.items[1].key_id, "alias/aws/ssm");
	assert_string_equal(list.items[1].arn, "");
	ssm_parameter_meta_list_release(&list);

	assert_int_equal(ssm_parse_describe_page(S("{\"Parameters\":[{\"Version\":1}]}"), &list, &next), -EBADMSG);
	assert_int_equal(
		ssm_parse_describe_page(S("{\"Parameters\":[{\"Name\":\"a\",\"Version\":1.5}]}"), &list, &next),
		-EBADMSG);
	assert_int_equal(ssm_parse_describe_page(S("{\"Parameters\":[{\"Name\":\"a\",\"LastModifiedDate\":\"x\"}]}"),
						 &list, &next),
			 -EBADMSG);
	assert_int_equal(ssm_parse_describe_page(S("{\"Parameters\":\"x\"}"), &list, &next), -EBADMSG);
	ssm_parameter_meta_list_release(&list);
}

/* Cost Explorer: ListCostAllocationTags pages and UpdateCostAllocationTagsStatus' errors. */
static void test_ce(void **state)
{
	struct ce_cost_tag_list list = { 0 };
	struct ce_tag_error_list errs;
	char *next;

	(void)state;
	assert_int_equal(ce_parse_cost_tags_page(S("{\"CostAllocationTags\":[{\"TagKey\":\"bedrock-tenantd:tenant\","
						   "\"Type\":\"UserDefined\",\"Status\":\"Inactive\","
						   "\"LastUpdatedDate\":\"2026-12-01T00:00:00Z\"}],"
						   "\"NextToken\":\"t2\"}"),
						 &list, &next),
			 0);
	assert_string_equal(next, "t2");
	free(next);
	assert_int_equal(ce_parse_cost_tags_page(S("{\"CostAllocationTags\":[{\"TagKey\":\"CostCenter\","
						   "\"Status\":\"Active\"}]}"),
						 &list, &next),
			 0);
	assert_null(next);
	assert_int_equal(list.n, 2);
	assert_string_equal(ce_cost_tag_list_find(&list, "bedrock-tenantd:tenant")->status, "Inactive");
	assert_string_equal(ce_cost_tag_list_find(&list, "bedrock-tenantd:tenant")->type, "UserDefined");
	assert_string_equal(ce_cost_tag_list_find(&list, "CostCenter")->type, "");
	assert_null(ce_cost_tag_list_find(&list, "team"));
	/* refusals: an entry without a key or a status, a list that is not one */
	assert_int_equal(ce_parse_cost_tags_page(S("{\"CostAllocationTags\":[{\"Status\":\"Active\"}]}"), &list, &next),
			 -EBADMSG);
	assert_int_equal(ce_parse_cost_tags_page(S("{\"CostAllocationTags\":[{\"TagKey\":\"k\"}]}"), &list, &next),
			 -EBADMSG);
	assert_int_equal(ce_parse_cost_tags_page(S("{\"CostAllocationTags\":7}"), &list, &next), -EBADMSG);
	assert_int_equal(ce_parse_cost_tags_page(S("[]"), &list, &next), -EBADMSG);
	assert_int_equal(list.n, 2);
	ce_cost_tag_list_release(&list);
	ce_cost_tag_list_release(&list); /* a released list is empty */

	assert_int_equal(ce_parse_update_errors(S("{\"Errors\":[]}"), &errs), 0);
	assert_int_equal(errs.n, 0);
	ce_tag_error_list_release(&errs);
	assert_int_equal(ce_parse_update_errors(S("{}"), &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(ce_parse_update_errors(S("{\"Errors\":[{\"TagKey\":\"nosuch\",\"Code\":"
						  "\"TagKeysNotFoundException\",\"Message\":\"not found\"}]}"),
						&errs),
			 0);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.items[0].key, "nosuch");
	assert_string_equal(errs.items[0].code, "TagKeysNotFoundException");
	assert_string_equal(errs.items[0].message, "not found");
	ce_tag_error_list_release(&errs);
	assert_int_equal(ce_parse_update_errors(S("{\"Errors\":[{\"Code\":\"X\"}]}"), &errs), -EBADMSG);
	assert_int_equal(errs.n, 0);
	assert_int_equal(ce_parse_update_errors(S("nope"), &errs), -EBADMSG);
}

/* Cost Explorer: GetCostAndUsage pages grouped by one tag. */
static void test_ce_cost(void **state)
{
	struct ce_cost_groups l = { 0 };
	char *next;

	(void)state;
	assert_int_equal(
		ce_parse_cost_page(
			S("{\"GroupDefinitions\":[{\"Type\":\"TAG\",\"Key\":\"bedrock-tenantd:tenant\"}],"
			  "\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-02\",\"End\":\"2026-12-03\"},"
			  "\"Total\":{},\"Groups\":[{\"Keys\":[\"bedrock-tenantd:tenant$acme\"],\"Metrics\":"
			  "{\"UnblendedCost\":{\"Amount\":\"0.000576\",\"Unit\":\"USD\"}}},"
			  "{\"Keys\":[\"bedrock-tenantd:tenant$\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"2\"}}},"
			  "{\"Keys\":[\"bedrock-tenantd:tenant$b\"],\"Metrics\":{}}],\"Estimated\":true},"
			  "{\"TimePeriod\":{\"Start\":\"2026-12-03\",\"End\":\"2026-12-04\"},\"Groups\":[]}],"
			  "\"NextPageToken\":\"t2\"}"),
			&l, &next),
		0);
	assert_string_equal(next, "t2");
	free(next);
	assert_int_equal(l.n, 2); /* a group without the metric has none of it */
	assert_string_equal(l.items[0].value, "acme");
	assert_string_equal(l.items[0].day, "2026-12-02");
	assert_true(l.items[0].amount == 0.000576);
	assert_string_equal(l.items[1].value, "");
	assert_true(l.items[1].amount == 2);
	/* the last page appends, without a token */
	assert_int_equal(ce_parse_cost_page(S("{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-03\"},"
					      "\"Groups\":[{\"Keys\":[\"k$x\"],\"Metrics\":{\"UnblendedCost\":"
					      "{\"Amount\":\"1.5\"}}}]}]}"),
					    &l, &next),
			 0);
	assert_null(next);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[2].value, "x");
	/* malformed: a group key without '$', an amount that is not a number, no day */
	assert_int_equal(ce_parse_cost_page(S("{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-03\"},"
					      "\"Groups\":[{\"Keys\":[\"acme\"],\"Metrics\":{}}]}]}"),
					    &l, &next),
			 -EBADMSG);
	assert_int_equal(ce_parse_cost_page(S("{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-03\"},"
					      "\"Groups\":[{\"Keys\":[\"k$x\"],\"Metrics\":{\"UnblendedCost\":"
					      "{\"Amount\":\"lots\"}}}]}]}"),
					    &l, &next),
			 -EBADMSG);
	assert_int_equal(ce_parse_cost_page(S("{\"ResultsByTime\":[{\"Groups\":[]}]}"), &l, &next), -EBADMSG);
	assert_int_equal(ce_parse_cost_page(S("nope"), &l, &next), -EBADMSG);
	ce_cost_groups_release(&l);
	assert_int_equal(l.n, 0);
}

/* A call's figures are bounded (CE_COST_MAX_GROUPS over every page): one more is
 * -E2BIG, and the list is left as it was. */
static void test_ce_cost_bound(void **state)
{
	struct ce_cost_groups l = { 0 };
	const char *page = "{\"ResultsByTime\":[{\"TimePeriod\":{\"Start\":\"2026-12-03\"},"
			   "\"Groups\":[{\"Keys\":[\"k$x\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"1\"}}}]}]}";
	char *next;

	(void)state;
	assert_int_equal(ce_parse_cost_page(page, strlen(page), &l, &next), 0);
	assert_int_equal(l.n, 1);
	l.n = CE_COST_MAX_GROUPS; /* as if the earlier pages had filled it (only n is read) */
	assert_int_equal(ce_parse_cost_page(page, strlen(page), &l, &next), -E2BIG);
	assert_int_equal(l.n, CE_COST_MAX_GROUPS);
	l.n = 1;
	ce_cost_groups_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servicequotas), cmocka_unit_test(test_iam_account),
		cmocka_unit_test(test_ssm_describe),  cmocka_unit_test(test_ce),
		cmocka_unit_test(test_ce_cost),	      cmocka_unit_test(test_ce_cost_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
