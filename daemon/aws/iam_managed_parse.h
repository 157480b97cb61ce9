/* Pure parsers for IAM's customer-managed policies (awsQuery): a policy (CreatePolicy,
 * GetPolicy), a policy version (CreatePolicyVersion, GetPolicyVersion) and pages of a
 * role's attached policies (ListAttachedRolePolicies). Results own their strings; each
 * _release frees them and accepts a zeroed struct. */
#ifndef BTD_IAM_MANAGED_PARSE_H
#define BTD_IAM_MANAGED_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_types.h"

struct iam_policy {
	char *name;
	char *id;
	char *arn;
	char *path;	       /* "/" when absent */
	char *default_version; /* "v1" ("" when absent) */
	int64_t attachments;   /* AttachmentCount, -1 when absent */
};

struct iam_policy_list {
	struct iam_policy *items;
	size_t n;
	size_t alloc;
};

struct iam_policy_version {
	char *version_id; /* "v2" */
	char *document;	  /* decoded; NULL when the answer has none (CreatePolicyVersion) */
	bool is_default;
};

struct iam_policy_version_list {
	struct iam_policy_version *items; /* documents NULL: ListPolicyVersions has none */
	size_t n;
	size_t alloc;
};

struct iam_attached_policy {
	char *name;
	char *arn;
};

struct iam_attached_list {
	struct iam_attached_policy *items;
	size_t n;
	size_t alloc;
};

/* iam_parse_policy: the <Policy> of op's result (op "CreatePolicy" or "GetPolicy").
 * -EBADMSG when it is not that answer or the policy has no name or ARN. */
int iam_parse_policy(const char *body, size_t len, const char *op, struct iam_policy *ret);
/* iam_parse_policy_version: the <PolicyVersion> of op's result ("CreatePolicyVersion"
 * or "GetPolicyVersion"); -EBADMSG without a VersionId or with a document that does
 * not decode. */
int iam_parse_policy_version(const char *body, size_t len, const char *op, struct iam_policy_version *ret);
/* iam_parse_attached_page: appends a ListAttachedRolePolicies page; *ret_next gets the
 * Marker when IsTruncated (-EBADMSG when truncated without one), else NULL. */
int iam_parse_attached_page(const char *body, size_t len, struct iam_attached_list *list, char **ret_next);
/* iam_parse_policies_page: appends a ListPolicies page; *ret_next gets the Marker when
 * IsTruncated (-EBADMSG when truncated without one), else NULL. */
int iam_parse_policies_page(const char *body, size_t len, struct iam_policy_list *list, char **ret_next);
void iam_policy_list_release(struct iam_policy_list *l);
/* iam_parse_entities_page: appends the PolicyRoles' RoleNames of a ListEntitiesForPolicy
 * page to roles; *ret_next as for iam_parse_policies_page. */
int iam_parse_entities_page(const char *body, size_t len, struct aws_strv *roles, char **ret_next);
/* iam_parse_versions_page: appends a ListPolicyVersions page; *ret_next as for
 * iam_parse_policies_page; -EBADMSG for a version without its VersionId. */
int iam_parse_versions_page(const char *body, size_t len, struct iam_policy_version_list *list, char **ret_next);
void iam_policy_version_list_release(struct iam_policy_version_list *l);
/* iam_versions_oldest: the oldest version that is not the default (IAM numbers
 * versions v1, v2, ... in the order they were made), or NULL. Borrowed. */
const char *iam_versions_oldest(const struct iam_policy_version_list *l);
/* iam_attached_find: the attachment of arn, or NULL. Borrowed. */
const struct iam_attached_policy *iam_attached_find(const struct iam_attached_list *list, const char *arn);

void iam_policy_release(struct iam_policy *p);
void iam_policy_version_release(struct iam_policy_version *v);
void iam_attached_list_release(struct iam_attached_list *l);

#endif
