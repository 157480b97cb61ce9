/* IAM's account-wide reads (awsQuery, global endpoint signed for us-east-1):
 * GetAccountSummary (roles in use and the role quotas) and
 * GetAccountAuthorizationDetails restricted to roles (every role with its inline
 * policies, 1,000 a page), the bulk read that replaces a GetRolePolicy per tenant.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno
 * (aws_client_call()'s; the callback never runs). Results are borrowed for the
 * duration of the callback and NULL on error. */
#ifndef BTD_IAM_ACCOUNT_H
#define BTD_IAM_ACCOUNT_H

#include "aws_client.h"
#include "iam_account_parse.h"

#define IAM_DETAILS_PAGE_SIZE 1000 /* MaxItems' largest value */
#define IAM_DETAILS_PAGE_MIN  10   /* after pages too large (iam_account.c, shrink_page) */
/* A read at a smaller page size whose largest answer, times ten, stays within this
 * (half the client's 8 MiB bound for an answer) lets the next read ask ten times as
 * many roles (iam_role_details_next_size). */
#define IAM_DETAILS_GROW_BYTES (4u << 20)

typedef void (*iam_account_summary_cb)(void *arg, int status, const struct aws_error *err,
				       const struct iam_account_summary *s);
typedef void (*iam_role_details_cb)(void *arg, int status, const struct aws_error *err,
				    const struct iam_role_detail_list *roles);

int iam_get_account_summary(struct aws_client *c, const struct aws_target *t, iam_account_summary_cb cb, void *arg);
/* iam_get_role_details: every page of GetAccountAuthorizationDetails with
 * Filter=Role, page_size roles a page (0: IAM_DETAILS_PAGE_SIZE; a page too large is
 * asked again with a tenth as many, and the list's page_size says what the last page
 * was asked with: the next read may start there); with digest (else NULL), each page's
 * policies digested as it comes (iam_role_detail_list.digest): no decoded document is
 * kept. */
int iam_get_role_details(struct aws_client *c, const struct aws_target *t, iam_policy_digest_fn *digest,
			 unsigned page_size, iam_role_details_cb cb, void *arg);
/* iam_role_details_next_size: the page size the account's next read starts at, after
 * one that ended with pages of `roles`: the page size it asked last, ten times that
 * when its largest answer leaves room for it (the policies shrank since pages were
 * made smaller), at most IAM_DETAILS_PAGE_SIZE. */
unsigned iam_role_details_next_size(const struct iam_role_detail_list *roles);

#endif
