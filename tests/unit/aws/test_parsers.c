/* The pure response parsers of every service, on answers shaped like AWS's (the
 * captures and documented shapes of aws-wire.md), and their refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bedrock_parse.h"
#include "budgets_parse.h"
#include "iam_parse.h"
#include "ssm_parse.h"
#include "sts_parse.h"
#include "tagging_parse.h"

#define S(x) x, strlen(x)

static void test_bedrock(void **state)
{
	const char *page1 =
		"{\"inferenceProfileSummaries\":[{\"inferenceProfileName\":\"acme-chat-1a2b3c\",\"description\":"
		"\"Claims chatbot\",\"createdAt\":\"2024-09-10T12:00:00.123Z\",\"updatedAt\":\"2024-09-10T12:00:00Z\","
		"\"inferenceProfileArn\":\"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"
		"abcd1234efgh\",\"models\":[{\"modelArn\":\"arn:aws:bedrock:us-east-1::foundation-model/"
		"anthropic.claude-3-haiku-20240307-v1:0\"},{\"modelArn\":\"arn:aws:bedrock:us-west-2::foundation-model/"
		"anthropic.claude-3-haiku-20240307-v1:0\"}],\"inferenceProfileId\":\"abcd1234efgh\",\"status\":"
		"\"ACTIVE\",\"type\":\"APPLICATION\"}],\"nextToken\":\"ab+c/d==\"}";
	const char *page2 = "{\"inferenceProfileSummaries\":[{\"inferenceProfileName\":\"b\",\"inferenceProfileArn\":"
			    "\"arn:b\",\"inferenceProfileId\":\"b\"}]}";
	struct bedrock_profile_list list = { 0 };
	struct bedrock_profile p;
	struct bedrock_create_result cr;
	struct aws_tags tags = { 0 };
	char *next;

	assert_int_equal(bedrock_parse_profiles_page(S(page1), &list, &next), 0);
	assert_string_equal(next, "ab+c/d==");
	free(next);
	assert_int_equal(bedrock_parse_profiles_page(S(page2), &list, &next), 0);
	assert_null(next);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.items[0].name, "acme-chat-1a2b3c");
	assert_string_equal(list.items[0].description, "Claims chatbot");
	assert_string_equal(list.items[0].id, "abcd1234efgh");
	assert_string_equal(list.items[0].type, "APPLICATION");
	assert_int_equal(list.items[0].models.n, 2);
	assert_int_equal(list.items[0].created_ms, 1725969600123LL);
	assert_null(list.items[1].description);
	assert_string_equal(list.items[1].status, "");
	bedrock_profile_list_release(&list);

	assert_int_equal(bedrock_parse_profile(S("{\"inferenceProfileName\":\"n\",\"inferenceProfileArn\":\"a\","
						 "\"inferenceProfileId\":\"i\",\"models\":[]}"),
					       &p),
			 0);
	bedrock_profile_release(&p);
	assert_int_equal(bedrock_parse_profile(S("{\"inferenceProfileName\":\"n\",\"inferenceProfileArn\":\"a\"}"), &p),
			 -EBADMSG);
	assert_int_equal(bedrock_parse_profile(S("{\"inferenceProfileName\":\"n\",\"inferenceProfileArn\":\"a\","
						 "\"inferenceProfileId\":\"i\",\"createdAt\":\"yesterday\"}"),
					       &p),
			 -EBADMSG);
	assert_int_equal(bedrock_parse_profile(S("{\"inferenceProfileName\":\"n\",\"inferenceProfileArn\":\"a\","
						 "\"inferenceProfileId\":\"i\",\"models\":[{}]}"),
					       &p),
			 -EBADMSG);
	assert_int_equal(bedrock_parse_profiles_page(S("{\"inferenceProfileSummaries\":{}}"), &list, &next), -EBADMSG);
	assert_int_equal(bedrock_parse_profiles_page(S("{\"inferenceProfileSummaries\":[1]}"), &list, &next), -EBADMSG);
	bedrock_profile_list_release(&list);

	assert_int_equal(bedrock_parse_create(S("{\"inferenceProfileArn\":\"arn:x\",\"status\":\"ACTIVE\"}"), &cr), 0);
	assert_string_equal(cr.arn, "arn:x");
	assert_string_equal(cr.status, "ACTIVE");
	bedrock_create_result_release(&cr);
	assert_int_equal(bedrock_parse_create(S("{}"), &cr), -EBADMSG);

	assert_int_equal(bedrock_parse_tags(S("{\"tags\":[{\"key\":\"k\",\"value\":\"v\"},{\"key\":\"e\"}]}"), &tags),
			 0);
	assert_int_equal(tags.n, 2);
	assert_string_equal(aws_tags_get(&tags, "e"), "");
	aws_tags_release(&tags);
	assert_int_equal(bedrock_parse_tags(S("{\"tags\":[{\"value\":\"v\"}]}"), &tags), -EBADMSG);
	assert_int_equal(tags.n, 0);
}

static void test_budgets(void **state)
{
	/* DescribeBudget as the API reference shapes it, CostFilters with a tag filter. */
	const char *one = "{\"Budget\":{\"BudgetName\":\"bedrock-tenant-acme\",\"BudgetLimit\":{\"Amount\":\"1000.0\","
			  "\"Unit\":\"USD\"},\"CostFilters\":{\"TagKeyValue\":[\"user:bedrock-tenantd:tenant$acme\"]},"
			  "\"CostTypes\":{\"IncludeTax\":true},\"TimeUnit\":\"MONTHLY\",\"TimePeriod\":{\"Start\":"
			  "1725148800,\"End\":3706473600},\"CalculatedSpend\":{\"ActualSpend\":{\"Amount\":\"12.5\","
			  "\"Unit\":\"USD\"}},\"BudgetType\":\"COST\",\"LastUpdatedTime\":1725969600.5}}";
	const char *expr = "{\"Budgets\":[{\"BudgetName\":\"b\",\"TimeUnit\":\"QUARTERLY\",\"BudgetType\":\"COST\","
			   "\"FilterExpression\":{\"Tags\":{\"Key\":\"bedrock-tenantd:tenant\",\"Values\":[\"acme\"],"
			   "\"MatchOptions\":[\"EQUALS\"]}},\"Metrics\":[\"UnblendedCost\"]}],\"NextToken\":\"t2\"}";
	const char *notes = "{\"Notifications\":[{\"NotificationType\":\"ACTUAL\",\"ComparisonOperator\":"
			    "\"GREATER_THAN\",\"Threshold\":80,\"ThresholdType\":\"PERCENTAGE\",\"NotificationState\":"
			    "\"OK\"}]}";
	const char *subs =
		"{\"Subscribers\":[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"a@example.com\"},"
		"{\"SubscriptionType\":\"SNS\",\"Address\":\"arn:aws:sns:us-east-1:1:t\"}],\"NextToken\":\"\"}";
	struct budgets_budget b;
	struct budgets_budget_list bl = { 0 };
	struct budgets_notification_list nl = { 0 };
	struct budgets_subscriber_list sl = { 0 };
	struct aws_tags tags = { 0 };
	cJSON *json;
	char *next, *text;

	assert_int_equal(budgets_parse_budget(S(one), &b), 0);
	assert_string_equal(b.name, "bedrock-tenant-acme");
	assert_string_equal(b.limit_amount, "1000.0");
	assert_string_equal(b.limit_unit, "USD");
	assert_int_equal(b.n_cost_filters, 1);
	assert_string_equal(b.cost_filters[0].key, "TagKeyValue");
	assert_string_equal(b.cost_filters[0].values.items[0], "user:bedrock-tenantd:tenant$acme");
	assert_int_equal(b.start_ms, 1725148800000LL);
	assert_int_equal(b.last_updated_ms, 1725969600500LL);
	assert_string_equal(b.actual_spend, "12.5");
	assert_null(b.forecasted_spend);
	assert_null(b.filter_expression);
	/* serialized back: what UpdateBudget sends */
	assert_int_equal(budgets_budget_to_json(&b, &json), 0);
	text = cJSON_PrintUnformatted(json);
	assert_string_equal(text, "{\"BudgetName\":\"bedrock-tenant-acme\",\"BudgetLimit\":{\"Amount\":\"1000.0\","
				  "\"Unit\":\"USD\"},\"TimeUnit\":\"MONTHLY\",\"BudgetType\":\"COST\",\"CostFilters\":"
				  "{\"TagKeyValue\":[\"user:bedrock-tenantd:tenant$acme\"]},\"TimePeriod\":{\"Start\":"
				  "1725148800,\"End\":3706473600}}");
	free(text);
	cJSON_Delete(json);
	budgets_budget_release(&b);

	assert_int_equal(budgets_parse_budgets_page(S(expr), &bl, &next), 0);
	assert_string_equal(next, "t2");
	free(next);
	assert_string_equal(bl.items[0].filter_expression, "{\"Tags\":{\"Key\":\"bedrock-tenantd:tenant\",\"Values\":"
							   "[\"acme\"],\"MatchOptions\":[\"EQUALS\"]}}");
	assert_string_equal(bl.items[0].metrics.items[0], "UnblendedCost");
	assert_int_equal(budgets_budget_to_json(&bl.items[0], &json), 0);
	cJSON_Delete(json);
	free(bl.items[0].filter_expression);
	bl.items[0].filter_expression = strdup("[not an object]");
	assert_int_equal(budgets_budget_to_json(&bl.items[0], &json), -EINVAL);
	budgets_budget_list_release(&bl);

	assert_int_equal(budgets_parse_notifications_page(S(notes), &nl, &next), 0);
	assert_null(next);
	assert_string_equal(nl.items[0].type, "ACTUAL");
	assert_true(nl.items[0].threshold == 80.0);
	assert_string_equal(nl.items[0].state, "OK");
	assert_int_equal(budgets_notification_to_json(&nl.items[0], &json), 0);
	text = cJSON_PrintUnformatted(json);
	/* the state is never sent: a notification is named by its four values */
	assert_string_equal(text, "{\"NotificationType\":\"ACTUAL\",\"ComparisonOperator\":\"GREATER_THAN\","
				  "\"Threshold\":80,\"ThresholdType\":\"PERCENTAGE\"}");
	free(text);
	cJSON_Delete(json);
	budgets_notification_list_release(&nl);

	assert_int_equal(budgets_parse_subscribers_page(S(subs), &sl, &next), 0);
	assert_string_equal(next, "");
	free(next);
	assert_int_equal(sl.n, 2);
	assert_string_equal(sl.items[1].type, "SNS");
	budgets_subscriber_list_release(&sl);

	assert_int_equal(budgets_parse_tags(S("{\"ResourceTags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}"), &tags), 0);
	assert_string_equal(aws_tags_get(&tags, "k"), "v");
	aws_tags_release(&tags);

	assert_int_equal(budgets_parse_budget(S("{\"Budget\":{}}"), &b), -EBADMSG);
	assert_int_equal(
		budgets_parse_budget(S("{\"Budget\":{\"BudgetName\":\"x\",\"CostFilters\":{\"a\":\"b\"}}}"), &b),
		-EBADMSG);
	assert_int_equal(budgets_parse_notifications_page(S("{\"Notifications\":[{\"NotificationType\":\"ACTUAL\"}]}"),
							  &nl, &next),
			 -EBADMSG);
	budgets_notification_list_release(&nl);
}

static void test_ssm(void **state)
{
	const char *param = "{\"Parameter\":{\"Name\":\"/bedrock-tenants/acme/chat/profile-arn\",\"Type\":\"String\","
			    "\"Value\":\"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x\","
			    "\"Version\":3,\"LastModifiedDate\":1725969600.123,\"ARN\":\"arn:aws:ssm:us-east-1:"
			    "123456789012:parameter/bedrock-tenants/acme/chat/profile-arn\",\"DataType\":\"text\"}}";
	struct ssm_parameter p;
	struct ssm_parameter_list list = { 0 };
	struct ssm_put_result put;
	struct ssm_get_parameters_result many;
	struct ssm_delete_parameters_result del;
	struct aws_tags tags = { 0 };
	char *next;

	assert_int_equal(ssm_parse_parameter(S(param), &p), 0);
	assert_string_equal(p.name, "/bedrock-tenants/acme/chat/profile-arn");
	assert_int_equal(p.version, 3);
	assert_int_equal(p.last_modified_ms, 1725969600123LL);
	assert_string_equal(p.data_type, "text");
	ssm_parameter_release(&p);

	/* a best-effort page: empty, yet more follow */
	assert_int_equal(ssm_parse_parameters_page(S("{\"Parameters\":[],\"NextToken\":\"AAEAA\"}"), &list, &next), 0);
	assert_int_equal(list.n, 0);
	assert_string_equal(next, "AAEAA");
	free(next);
	assert_int_equal(
		ssm_parse_parameters_page(S("{\"Parameters\":[{\"Name\":\"/a\",\"Value\":\"1\"}]}"), &list, &next), 0);
	assert_null(next);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.items[0].type, "");
	ssm_parameter_list_release(&list);

	assert_int_equal(ssm_parse_put(S("{\"Version\":1,\"Tier\":\"Standard\"}"), &put), 0);
	assert_int_equal(put.version, 1);
	assert_string_equal(put.tier, "Standard");
	ssm_put_result_release(&put);
	assert_int_equal(ssm_parse_put(S("{\"Version\":\"1\"}"), &put), -EBADMSG);

	assert_int_equal(ssm_parse_get_parameters(S("{\"Parameters\":[{\"Name\":\"/a\",\"Value\":\"1\"}],"
						    "\"InvalidParameters\":[\"/b\"]}"),
						  &many),
			 0);
	assert_int_equal(many.parameters.n, 1);
	assert_string_equal(many.invalid.items[0], "/b");
	ssm_get_parameters_result_release(&many);

	assert_int_equal(
		ssm_parse_delete_parameters(S("{\"DeletedParameters\":[\"/a\"],\"InvalidParameters\":[]}"), &del), 0);
	assert_int_equal(del.deleted.n, 1);
	assert_int_equal(del.invalid.n, 0);
	ssm_delete_parameters_result_release(&del);
	assert_int_equal(ssm_parse_delete_parameters(S("{\"DeletedParameters\":[1]}"), &del), -EBADMSG);

	assert_int_equal(
		ssm_parse_tags(S("{\"TagList\":[{\"Key\":\"bedrock-tenantd:tenant\",\"Value\":\"acme\"}]}"), &tags), 0);
	assert_string_equal(aws_tags_get(&tags, "bedrock-tenantd:tenant"), "acme");
	aws_tags_release(&tags);
	assert_int_equal(ssm_parse_parameter(S("{\"Parameter\":{\"Name\":\"/a\"}}"), &p), -EBADMSG);
}

static void test_tagging(void **state)
{
	/* Captured shape: an empty PaginationToken ends the listing; a previously tagged
	 * resource comes with no tags. */
	const char *page =
		"{\"PaginationToken\":\"\",\"ResourceTagMappingList\":[{\"ResourceARN\":\"arn:aws:bedrock:"
		"us-east-1:123456789012:application-inference-profile/abcd1234efgh\",\"Tags\":[{\"Key\":"
		"\"bedrock-tenantd:tenant\",\"Value\":\"acme\"}]},{\"ResourceARN\":\"arn:old\",\"Tags\":[]}]}";
	struct tagging_resource_list list = { 0 };
	char *next;

	assert_int_equal(tagging_parse_resources_page(S(page), &list, &next), 0);
	assert_null(next);
	assert_int_equal(list.n, 2);
	assert_string_equal(aws_tags_get(&list.items[0].tags, "bedrock-tenantd:tenant"), "acme");
	assert_int_equal(list.items[1].tags.n, 0);
	assert_int_equal(tagging_parse_resources_page(S("{\"PaginationToken\":\"p2\",\"ResourceTagMappingList\":[]}"),
						      &list, &next),
			 0);
	assert_string_equal(next, "p2");
	free(next);
	assert_int_equal(tagging_parse_resources_page(S("{\"ResourceTagMappingList\":[{\"Tags\":[]}]}"), &list, &next),
			 -EBADMSG);
	tagging_resource_list_release(&list);
}

static void test_iam(void **state)
{
	const char *policy =
		"<GetRolePolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		"<GetRolePolicyResult><PolicyName>bedrock-tenantd-acme</PolicyName><RoleName>app</RoleName>"
		"<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22"
		"%3A%22Allow%22%2C%22Action%22%3A%22bedrock%3AInvokeModel%22%2C%22Resource%22%3A%22a+b%22%7D"
		"%5D%7D</PolicyDocument></GetRolePolicyResult><ResponseMetadata><RequestId>r</RequestId>"
		"</ResponseMetadata></GetRolePolicyResponse>";
	const char *list = "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames><member>a</member>"
			   "<member>b</member></PolicyNames><IsTruncated>true</IsTruncated><Marker>m2</Marker>"
			   "</ListRolePoliciesResult></ListRolePoliciesResponse>";
	const char *last = "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames><member>c</member>"
			   "</PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult>"
			   "</ListRolePoliciesResponse>";
	const char *role =
		"<GetRoleResponse><GetRoleResult><Role><Path>/</Path><RoleName>app</RoleName><RoleId>"
		"AROAEXAMPLE</RoleId><Arn>arn:aws:iam::123456789012:role/app</Arn><CreateDate>"
		"2024-09-10T12:00:00Z</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>"
		"</Role></GetRoleResult></GetRoleResponse>";
	struct iam_role_policy p;
	struct iam_role r;
	struct aws_strv names = { 0 };
	char *next;

	assert_int_equal(iam_parse_role_policy(S(policy), &p), 0);
	assert_string_equal(p.policy_name, "bedrock-tenantd-acme");
	assert_string_equal(p.role_name, "app");
	assert_string_equal(p.document, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
					"\"bedrock:InvokeModel\",\"Resource\":\"a+b\"}]}");
	iam_role_policy_release(&p);

	assert_int_equal(iam_parse_role_policies_page(S(list), &names, &next), 0);
	assert_string_equal(next, "m2");
	free(next);
	assert_int_equal(iam_parse_role_policies_page(S(last), &names, &next), 0);
	assert_null(next);
	assert_int_equal(names.n, 3);
	assert_string_equal(names.items[2], "c");
	aws_strv_release(&names);
	assert_int_equal(iam_parse_role_policies_page(S("<ListRolePoliciesResponse><ListRolePoliciesResult>"
							"<IsTruncated>true</IsTruncated></ListRolePoliciesResult>"
							"</ListRolePoliciesResponse>"),
						      &names, &next),
			 -EBADMSG);

	assert_int_equal(iam_parse_role(S(role), &r), 0);
	assert_string_equal(r.arn, "arn:aws:iam::123456789012:role/app");
	assert_int_equal(r.created_ms, 1725969600000LL);
	assert_string_equal(r.assume_role_policy, "{}");
	iam_role_release(&r);

	assert_int_equal(iam_parse_role_policy(S("<GetRolePolicyResponse><GetRolePolicyResult><PolicyName>x"
						 "</PolicyName><RoleName>r</RoleName><PolicyDocument>%7"
						 "</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>"),
					       &p),
			 -EBADMSG);
	assert_int_equal(iam_parse_role_policy(S("<Other/>"), &p), -EBADMSG);
	assert_null(iam_decode_document("%00"));
}

static void test_sts(void **state)
{
	const char *assume =
		"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
		"<AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId>"
		"<Arn>arn:aws:sts::123456789012:assumed-role/xaccounts3access/s3-access-example</Arn>"
		"</AssumedRoleUser><Credentials><SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI"
		"</SecretAccessKey><SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7"
		"</SessionToken><Expiration>2011-07-15T23:28:33.359Z</Expiration><AccessKeyId>"
		"ASIAJEXAMPLEXEG2JICEA</AccessKeyId></Credentials><PackedPolicySize>8</PackedPolicySize>"
		"</AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7"
		"</RequestId></ResponseMetadata></AssumeRoleResponse>";
	const char *who = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
			  "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/Alice</Arn><UserId>"
			  "AKIAI44QH8DHBEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
			  "<ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>"
			  "</ResponseMetadata></GetCallerIdentityResponse>";
	struct sts_assume_role_result r;
	struct sts_caller_identity id;
	char *acct;

	assert_int_equal(sts_parse_assume_role(S(assume), &r), 0);
	assert_string_equal(r.creds.access_key_id, "ASIAJEXAMPLEXEG2JICEA");
	assert_string_equal(r.creds.session_token, "AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7");
	assert_int_equal(r.creds.expiration_ms, 1310772513359LL);
	assert_string_equal(r.creds.account_id, "123456789012");
	assert_string_equal(r.assumed_role_id, "AROA3XFRBF535PLBIFPI4:s3-access-example");
	sts_assume_role_result_release(&r);
	assert_int_equal(
		sts_parse_assume_role(S("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>a"
					"</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>"),
				      &r),
		-EBADMSG);

	assert_int_equal(sts_parse_caller_identity(S(who), &id), 0);
	assert_string_equal(id.account, "123456789012");
	assert_string_equal(id.arn, "arn:aws:iam::123456789012:user/Alice");
	sts_caller_identity_release(&id);
	assert_int_equal(sts_parse_caller_identity(S("<GetCallerIdentityResponse/>"), &id), -EBADMSG);

	acct = sts_arn_account("arn:aws:iam::444455556666:role/x");
	assert_string_equal(acct, "444455556666");
	free(acct);
	assert_null(sts_arn_account("arn:aws"));
	assert_null(sts_arn_account(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bedrock), cmocka_unit_test(test_budgets), cmocka_unit_test(test_ssm),
		cmocka_unit_test(test_tagging), cmocka_unit_test(test_iam),	cmocka_unit_test(test_sts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
