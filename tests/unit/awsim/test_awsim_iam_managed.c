/* awsim's customer-managed policies and roles: IAM refuses to delete a role that a
 * managed policy is attached to (DeleteConflict, as with its inline policies), so a
 * role made again under the same name does not inherit the old one's attachments. */
#include "sim_fixture.h"

#define POLICY_ARN "arn:aws:iam::123456789012:policy/t/deny"
#define ARN_ENC	   "arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Ft%2Fdeny"

static void test_delete_role_with_managed_policy(void **state)
{
	struct awsim sim;
	struct req_spec s;

	(void)state;
	sim_setup(&sim, NULL, 0);
	s = query_call("iam", "Action=CreateRole&Version=2010-05-08&RoleName=App&AssumeRolePolicyDocument=%7B%22"
			      "Statement%22%3A%5B%5D%7D");
	sim_expect(&sim, &s, 200, "");
	s = query_call("iam",
		       "Action=CreatePolicy&Version=2010-05-08&PolicyName=deny&Path=%2Ft%2F&PolicyDocument=%7B%22"
		       "Statement%22%3A%5B%5D%7D");
	sim_expect(&sim, &s, 200, "");
	s = query_call("iam", "Action=AttachRolePolicy&Version=2010-05-08&RoleName=app&PolicyArn=" ARN_ENC);
	sim_expect(&sim, &s, 200, "");
	s = query_call("iam", "Action=DeleteRole&Version=2010-05-08&RoleName=App");
	sim_expect(&sim, &s, 409, "DeleteConflict");
	s = query_call("iam", "Action=DetachRolePolicy&Version=2010-05-08&RoleName=App&PolicyArn=" ARN_ENC);
	sim_expect(&sim, &s, 200, "");
	s = query_call("iam", "Action=DeleteRole&Version=2010-05-08&RoleName=App");
	sim_expect(&sim, &s, 200, "");
	awsim_release(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_role_with_managed_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
