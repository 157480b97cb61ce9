/* Every parser of budget enforcement's answers (IAM managed policies, Budgets
 * actions) on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "budgets_actions_parse.h"
#include "iam_managed_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct iam_policy p;
	struct iam_policy_version v;
	struct iam_attached_list l = { 0 };
	struct iam_policy_list pl = { 0 };
	struct aws_strv roles = { 0 };
	struct iam_policy_version_list vl = { 0 };
	struct budgets_action_list a = { 0 };
	char *next = NULL, *id = NULL;

	if (iam_parse_policy(body, size, "CreatePolicy", &p) == 0)
		iam_policy_release(&p);
	if (iam_parse_policy_version(body, size, "GetPolicyVersion", &v) == 0)
		iam_policy_version_release(&v);
	iam_parse_attached_page(body, size, &l, &next);
	free(next);
	iam_attached_find(&l, "arn:a");
	iam_attached_list_release(&l);
	next = NULL;
	iam_parse_policies_page(body, size, &pl, &next);
	free(next);
	iam_policy_list_release(&pl);
	next = NULL;
	iam_parse_entities_page(body, size, &roles, &next);
	free(next);
	aws_strv_release(&roles);
	next = NULL;
	iam_parse_versions_page(body, size, &vl, &next);
	free(next);
	iam_versions_oldest(&vl);
	iam_policy_version_list_release(&vl);
	if (budgets_parse_action_id(body, size, &id) == 0)
		free(id);
	next = NULL;
	budgets_parse_actions_page(body, size, &a, &next);
	free(next);
	budgets_action_list_release(&a);
	return 0;
}
