/* The pure parsers of budget enforcement: IAM customer-managed policies (CreatePolicy,
 * GetPolicy, Create/GetPolicyVersion, ListPolicyVersions, ListAttachedRolePolicies) and Budgets actions
 * (CreateBudgetAction, DescribeBudgetActionsForBudget); on answers shaped like AWS's
 * and their refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budgets_actions_parse.h"
#include "iam_managed_parse.h"

#define S(x) x, strlen(x)
#define NS   " xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""
#define POLICY                                                                                                         \
	"<Policy><PolicyName>acme-deny</PolicyName><DefaultVersionId>v1</DefaultVersionId><PolicyId>ANPAEXAMPLE"       \
	"</PolicyId><Path>/bedrock-tenants/</Path><Arn>arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny"     \
	"</Arn><AttachmentCount>0</AttachmentCount><IsAttachable>true</IsAttachable></Policy>"
#define META "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"

static void test_iam_policy(void **state)
{
	struct iam_policy p;
	struct iam_policy_version v;

	(void)state;
	assert_int_equal(iam_parse_policy(S("<CreatePolicyResponse" NS "><CreatePolicyResult>" POLICY
					    "</CreatePolicyResult>" META "</CreatePolicyResponse>"),
					  "CreatePolicy", &p),
			 0);
	assert_string_equal(p.name, "acme-deny");
	assert_string_equal(p.arn, "arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny");
	assert_string_equal(p.path, "/bedrock-tenants/");
	assert_string_equal(p.default_version, "v1");
	assert_int_equal(p.attachments, 0);
	iam_policy_release(&p);
	iam_policy_release(&p);
	/* the answer of another operation, a policy without its ARN, a bad count */
	assert_int_equal(iam_parse_policy(S("<GetPolicyResponse><GetPolicyResult>" POLICY
					    "</GetPolicyResult></GetPolicyResponse>"),
					  "CreatePolicy", &p),
			 -EBADMSG);
	assert_int_equal(iam_parse_policy(S("<GetPolicyResponse><GetPolicyResult><Policy><PolicyName>x</PolicyName>"
					    "</Policy></GetPolicyResult></GetPolicyResponse>"),
					  "GetPolicy", &p),
			 -EBADMSG);
	assert_int_equal(iam_parse_policy(S("<GetPolicyResponse><GetPolicyResult><Policy><PolicyName>x</PolicyName>"
					    "<Arn>a</Arn><AttachmentCount>-1</AttachmentCount></Policy>"
					    "</GetPolicyResult></GetPolicyResponse>"),
					  "GetPolicy", &p),
			 -EBADMSG);
	assert_int_equal(iam_parse_policy(S("<nope"), "GetPolicy", &p), -EBADMSG);

	assert_int_equal(iam_parse_policy_version(
				 S("<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion><Document>"
				   "%7B%22Statement%22%3A%5B%5D%7D</Document><VersionId>v2</VersionId>"
				   "<IsDefaultVersion>true</IsDefaultVersion></PolicyVersion></GetPolicyVersionResult>"
				   "</GetPolicyVersionResponse>"),
				 "GetPolicyVersion", &v),
			 0);
	assert_string_equal(v.version_id, "v2");
	assert_string_equal(v.document, "{\"Statement\":[]}");
	assert_true(v.is_default);
	iam_policy_version_release(&v);
	assert_int_equal(iam_parse_policy_version(
				 S("<CreatePolicyVersionResponse><CreatePolicyVersionResult><PolicyVersion><VersionId>"
				   "v3</VersionId><IsDefaultVersion>false</IsDefaultVersion></PolicyVersion>"
				   "</CreatePolicyVersionResult></CreatePolicyVersionResponse>"),
				 "CreatePolicyVersion", &v),
			 0);
	assert_null(v.document);
	assert_false(v.is_default);
	iam_policy_version_release(&v);
	assert_int_equal(iam_parse_policy_version(S("<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion>"
						    "<Document>%7B</Document></PolicyVersion></GetPolicyVersionResult>"
						    "</GetPolicyVersionResponse>"),
						  "GetPolicyVersion", &v),
			 -EBADMSG);
	assert_int_equal(iam_parse_policy_version(S("<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion>"
						    "<VersionId>v1</VersionId><Document>%00</Document></PolicyVersion>"
						    "</GetPolicyVersionResult></GetPolicyVersionResponse>"),
						  "GetPolicyVersion", &v),
			 -EBADMSG);
}

#define ATTACHED(members, tail)                                                                                        \
	"<ListAttachedRolePoliciesResponse" NS "><ListAttachedRolePoliciesResult><AttachedPolicies>" members           \
	"</AttachedPolicies>" tail "</ListAttachedRolePoliciesResult>" META "</ListAttachedRolePoliciesResponse>"
#define MEMBER(name, arn) "<member><PolicyName>" name "</PolicyName><PolicyArn>" arn "</PolicyArn></member>"

static void test_iam_attached(void **state)
{
	struct iam_attached_list l = { 0 };
	char *next;

	(void)state;
	assert_int_equal(iam_parse_attached_page(S(ATTACHED(MEMBER("a", "arn:a") MEMBER("b", "arn:b"),
							    "<IsTruncated>true</IsTruncated><Marker>m2</Marker>")),
						 &l, &next),
			 0);
	assert_string_equal(next, "m2");
	free(next);
	assert_int_equal(iam_parse_attached_page(S(ATTACHED("", "<IsTruncated>false</IsTruncated>")), &l, &next), 0);
	assert_null(next);
	assert_int_equal(l.n, 2);
	assert_string_equal(iam_attached_find(&l, "arn:b")->name, "b");
	assert_null(iam_attached_find(&l, "arn:c"));
	/* truncated without a marker; a member without its ARN; another answer */
	assert_int_equal(iam_parse_attached_page(S(ATTACHED("", "<IsTruncated>true</IsTruncated>")), &l, &next),
			 -EBADMSG);
	assert_int_equal(
		iam_parse_attached_page(S(ATTACHED("<member><PolicyName>x</PolicyName></member>", "")), &l, &next),
		-EBADMSG);
	assert_int_equal(iam_parse_attached_page(S("<ListRolePoliciesResponse/>"), &l, &next), -EBADMSG);
	assert_int_equal(l.n, 2);
	iam_attached_list_release(&l);
}

#define POLICIES(members, tail)                                                                                        \
	"<ListPoliciesResponse" NS "><ListPoliciesResult><Policies>" members "</Policies>" tail                        \
	"</ListPoliciesResult>" META "</ListPoliciesResponse>"
#define PMEMBER(name, version, count)                                                                                  \
	"<member><PolicyName>" name "</PolicyName><DefaultVersionId>" version "</DefaultVersionId><Path>/bedrock-"     \
	"tenants/</Path><Arn>arn:aws:iam::111122223333:policy/bedrock-tenants/" name "</Arn><AttachmentCount>" count   \
	"</AttachmentCount></member>"

/* ListPolicies pages: every member, the marker, refusals. */
static void test_iam_policies(void **state)
{
	struct iam_policy_list l = { 0 };
	char *next;

	(void)state;
	assert_int_equal(iam_parse_policies_page(S(POLICIES(PMEMBER("a-deny", "v1", "0") PMEMBER("b-deny", "v3", "2"),
							    "<IsTruncated>true</IsTruncated><Marker>m2</Marker>")),
						 &l, &next),
			 0);
	assert_string_equal(next, "m2");
	free(next);
	assert_int_equal(iam_parse_policies_page(S(POLICIES("", "<IsTruncated>false</IsTruncated>")), &l, &next), 0);
	assert_null(next);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[1].name, "b-deny");
	assert_string_equal(l.items[1].default_version, "v3");
	assert_string_equal(l.items[1].path, "/bedrock-tenants/");
	assert_int_equal(l.items[1].attachments, 2);
	assert_string_equal(l.items[0].arn, "arn:aws:iam::111122223333:policy/bedrock-tenants/a-deny");
	/* truncated without a marker; a member without its ARN; a bad count; another answer */
	assert_int_equal(iam_parse_policies_page(S(POLICIES("", "<IsTruncated>true</IsTruncated>")), &l, &next),
			 -EBADMSG);
	assert_int_equal(
		iam_parse_policies_page(S(POLICIES("<member><PolicyName>x</PolicyName></member>", "")), &l, &next),
		-EBADMSG);
	assert_int_equal(iam_parse_policies_page(S(POLICIES(PMEMBER("c", "v1", "-1"), "")), &l, &next), -EBADMSG);
	assert_int_equal(iam_parse_policies_page(S("<ListRolesResponse/>"), &l, &next), -EBADMSG);
	assert_int_equal(l.n, 2);
	iam_policy_list_release(&l);
}

#define ENTITIES(roles, tail)                                                                                          \
	"<ListEntitiesForPolicyResponse" NS "><ListEntitiesForPolicyResult><PolicyGroups/><PolicyUsers/>"              \
	"<PolicyRoles>" roles "</PolicyRoles>" tail "</ListEntitiesForPolicyResult>" META                              \
	"</ListEntitiesForPolicyResponse>"
#define ROLE(name) "<member><RoleName>" name "</RoleName><RoleId>AROAEXAMPLE</RoleId></member>"

/* ListEntitiesForPolicy: the roles, the marker, refusals. */
static void test_iam_entities(void **state)
{
	struct aws_strv roles;
	char *next;

	(void)state;
	aws_strv_init(&roles);
	assert_int_equal(iam_parse_entities_page(S(ENTITIES(ROLE("a-app") ROLE("b-app"),
							    "<IsTruncated>true</IsTruncated><Marker>m</Marker>")),
						 &roles, &next),
			 0);
	assert_string_equal(next, "m");
	free(next);
	assert_int_equal(iam_parse_entities_page(S(ENTITIES("", "<IsTruncated>false</IsTruncated>")), &roles, &next),
			 0);
	assert_null(next);
	assert_int_equal(roles.n, 2);
	assert_string_equal(roles.items[1], "b-app");
	assert_int_equal(iam_parse_entities_page(S(ENTITIES("<member><RoleId>x</RoleId></member>", "")), &roles, &next),
			 -EBADMSG);
	assert_int_equal(iam_parse_entities_page(S(ENTITIES("", "<IsTruncated>true</IsTruncated>")), &roles, &next),
			 -EBADMSG);
	assert_int_equal(iam_parse_entities_page(S("<ListRolesResponse/>"), &roles, &next), -EBADMSG);
	aws_strv_release(&roles);
}

#define VERSIONS(members, tail)                                                                                        \
	"<ListPolicyVersionsResponse" NS "><ListPolicyVersionsResult><Versions>" members "</Versions>" tail            \
	"</ListPolicyVersionsResult>" META "</ListPolicyVersionsResponse>"
#define VERSION(id, dflt)                                                                                              \
	"<member><VersionId>" id "</VersionId><IsDefaultVersion>" dflt "</IsDefaultVersion>"                           \
	"<CreateDate>2026-12-03T10:00:00Z</CreateDate></member>"

/* ListPolicyVersions: the versions, the oldest one that is not the default (by
 * number: v10 is newer than v9), refusals. */
static void test_iam_versions(void **state)
{
	struct iam_policy_version_list l = { 0 };
	char *next;

	(void)state;
	assert_int_equal(iam_parse_versions_page(S(VERSIONS(VERSION("v11", "false") VERSION("v10", "true"),
							    "<IsTruncated>true</IsTruncated><Marker>m</Marker>")),
						 &l, &next),
			 0);
	assert_string_equal(next, "m");
	free(next);
	assert_int_equal(iam_parse_versions_page(S(VERSIONS(VERSION("v9", "false") VERSION("v8", "false"),
							    "<IsTruncated>false</IsTruncated>")),
						 &l, &next),
			 0);
	assert_null(next);
	assert_int_equal(l.n, 4);
	assert_true(l.items[1].is_default);
	assert_false(l.items[0].is_default);
	assert_null(l.items[0].document);
	assert_string_equal(iam_versions_oldest(&l), "v8");
	iam_policy_version_list_release(&l);
	/* only the default: nothing to prune */
	assert_int_equal(iam_parse_versions_page(S(VERSIONS(VERSION("v1", "true"), "")), &l, &next), 0);
	assert_null(iam_versions_oldest(&l));
	assert_int_equal(iam_parse_versions_page(S(VERSIONS("<member><IsDefaultVersion>false</IsDefaultVersion>"
							    "</member>",
							    "")),
						 &l, &next),
			 -EBADMSG);
	assert_int_equal(iam_parse_versions_page(S("<ListPoliciesResponse/>"), &l, &next), -EBADMSG);
	iam_policy_version_list_release(&l);
}

#define ACTION(id, status)                                                                                             \
	"{\"ActionId\":\"" id "\",\"BudgetName\":\"bedrock-tenant-acme\",\"NotificationType\":\"ACTUAL\","             \
	"\"ActionType\":\"APPLY_IAM_POLICY\",\"ActionThreshold\":{\"ActionThresholdValue\":100.0,"                     \
	"\"ActionThresholdType\":\"PERCENTAGE\"},\"Definition\":{\"IamActionDefinition\":{\"PolicyArn\":"              \
	"\"arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny\",\"Roles\":[\"acme-app\"]}},"                   \
	"\"ExecutionRoleArn\":\"arn:aws:iam::111122223333:role/budgets-exec\",\"ApprovalModel\":\"AUTOMATIC\","        \
	"\"Status\":\"" status "\",\"Subscribers\":[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"a@x.io\"}]}"

static void test_budgets_actions(void **state)
{
	struct budgets_action_list l = { 0 };
	char *id, *next;

	(void)state;
	assert_int_equal(budgets_parse_action_id(S("{\"AccountId\":\"111122223333\",\"BudgetName\":\"b\","
						   "\"ActionId\":\"0b3c\"}"),
						 &id),
			 0);
	assert_string_equal(id, "0b3c");
	free(id);
	assert_int_equal(budgets_parse_action_id(S("{\"ActionId\":\"\"}"), &id), -EBADMSG);
	assert_int_equal(budgets_parse_action_id(S("{}"), &id), -EBADMSG);

	assert_int_equal(budgets_parse_actions_page(
				 S("{\"Actions\":[" ACTION("a1", "STANDBY") "],\"NextToken\":\"t\"}"), &l, &next),
			 0);
	assert_string_equal(next, "t");
	free(next);
	assert_int_equal(
		budgets_parse_actions_page(S("{\"Actions\":[" ACTION("a2", "EXECUTION_SUCCESS") "]}"), &l, &next), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].action_id, "a1");
	assert_string_equal(l.items[0].policy_arn, "arn:aws:iam::111122223333:policy/bedrock-tenants/acme-deny");
	assert_int_equal(l.items[0].roles.n, 1);
	assert_string_equal(l.items[0].roles.items[0], "acme-app");
	assert_true(l.items[0].threshold == 100);
	assert_string_equal(l.items[0].threshold_type, "PERCENTAGE");
	assert_string_equal(l.items[0].approval_model, "AUTOMATIC");
	assert_string_equal(l.items[0].execution_role_arn, "arn:aws:iam::111122223333:role/budgets-exec");
	assert_string_equal(l.items[1].status, "EXECUTION_SUCCESS");
	assert_int_equal(l.items[0].subscribers.n, 1);
	assert_string_equal(l.items[0].subscribers.items[0], "EMAIL:a@x.io");
	/* refusals: no threshold, a threshold that is not a number, roles that are not strings */
	assert_int_equal(budgets_parse_actions_page(S("{\"Actions\":[{\"ActionId\":\"x\",\"Status\":\"STANDBY\","
						      "\"ActionType\":\"APPLY_IAM_POLICY\"}]}"),
						    &l, &next),
			 -EBADMSG);
	assert_int_equal(budgets_parse_actions_page(S("{\"Actions\":[{\"ActionId\":\"x\",\"Status\":\"STANDBY\","
						      "\"ActionType\":\"APPLY_IAM_POLICY\",\"ActionThreshold\":"
						      "{\"ActionThresholdValue\":\"100\"}}]}"),
						    &l, &next),
			 -EBADMSG);
	assert_int_equal(
		budgets_parse_actions_page(S("{\"Actions\":[{\"ActionId\":\"x\",\"Status\":\"STANDBY\","
					     "\"ActionType\":\"APPLY_IAM_POLICY\",\"ActionThreshold\":"
					     "{\"ActionThresholdValue\":1},\"Definition\":{\"IamActionDefinition\":"
					     "{\"Roles\":[1]}}}]}"),
					   &l, &next),
		-EBADMSG);
	/* a subscriber without its address */
	assert_int_equal(budgets_parse_actions_page(S("{\"Actions\":[{\"ActionId\":\"x\",\"Status\":\"STANDBY\","
						      "\"ActionType\":\"APPLY_IAM_POLICY\",\"ActionThreshold\":"
						      "{\"ActionThresholdValue\":1},\"Subscribers\":"
						      "[{\"SubscriptionType\":\"EMAIL\"}]}]}"),
						    &l, &next),
			 -EBADMSG);
	assert_int_equal(l.n, 2);
	budgets_action_list_release(&l);
	budgets_action_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iam_policy),	cmocka_unit_test(test_iam_attached),
		cmocka_unit_test(test_iam_policies),	cmocka_unit_test(test_iam_entities),
		cmocka_unit_test(test_budgets_actions), cmocka_unit_test(test_iam_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
