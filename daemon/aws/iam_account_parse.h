/* Pure parsers for IAM's account-wide reads (awsQuery, XML): GetAccountSummary (the
 * SummaryMap of usage and quotas) and GetAccountAuthorizationDetails pages (roles
 * with their inline policies, documents percent-decoded). Results own their
 * strings; each _release frees them and accepts a zeroed struct. */
#ifndef BTD_IAM_ACCOUNT_PARSE_H
#define BTD_IAM_ACCOUNT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "aws_types.h"

struct iam_summary_entry {
	char *key; /* "Roles", "RolesQuota", "RolePolicySizeQuota", ... */
	int64_t value;
};

struct iam_account_summary {
	struct iam_summary_entry *items;
	size_t n;
	size_t alloc;
};

/* iam_policy_digest_fn: a policy's digest (a new string) and size, computed from its
 * decoded document as each page is parsed, so that no page keeps documents. */
typedef void iam_policy_digest_fn(const char *document, char **ret_hash, size_t *ret_chars);

struct iam_inline_policy {
	char *name;
	char *document; /* the policy JSON, decoded; NULL when digested */
	char *hash;	/* digested: the digest function's; else NULL */
	size_t chars;	/* digested: the policy's size; else 0 */
};

struct iam_role_detail {
	char *name;
	char *arn;
	char *id;   /* "" when absent */
	char *path; /* "/" when absent */
	int64_t created_ms;
	char *assume_role_policy; /* decoded; NULL when absent or digested */
	struct iam_inline_policy *policies;
	size_t n_policies;
	struct aws_tags tags;
};

struct iam_role_detail_list {
	struct iam_role_detail *items;
	size_t n;
	size_t alloc;
	/* set before the first page: every inline policy is digested as its page is
	 * parsed (document NULL, hash and chars set) and no trust policy is kept */
	iam_policy_digest_fn *digest;
	/* the MaxItems its pages were asked with, the last one (fewer after a page too
	 * large: iam_account.h) */
	unsigned page_size;
	size_t largest_page; /* bytes of its largest answer, at that page size */
};

/* iam_parse_account_summary: -EBADMSG when malformed or a value is not an integer. */
int iam_parse_account_summary(const char *body, size_t len, struct iam_account_summary *ret);
/* iam_account_summary_get: the value of key, or -ENOENT when the map lacks it. */
int iam_account_summary_get(const struct iam_account_summary *s, const char *key, int64_t *ret);
/* iam_parse_authorization_details_page: appends the page's RoleDetailList to list
 * (digested when list->digest is set); *ret_next gets Marker when IsTruncated is true,
 * else NULL. */
int iam_parse_authorization_details_page(const char *body, size_t len, struct iam_role_detail_list *list,
					 char **ret_next);
/* iam_role_detail_policy_chars: characters of all the role's inline policies that
 * count towards IAM's aggregate limit (whitespace is not counted; a digested policy
 * counts its chars). */
size_t iam_role_detail_policy_chars(const struct iam_role_detail *r);

void iam_account_summary_release(struct iam_account_summary *s);
void iam_role_detail_release(struct iam_role_detail *r);
void iam_role_detail_list_release(struct iam_role_detail_list *l);

#endif
