/* Pure parsers for the IAM answers the daemon reads (awsQuery, XML): a role's inline
 * policy (its document percent-decoded: IAM returns it URL-encoded), the names of a
 * role's inline policies (one page), and the role itself. Results own their strings. */
#ifndef BTD_IAM_PARSE_H
#define BTD_IAM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "aws_types.h"

struct iam_role_policy {
	char *role_name;
	char *policy_name;
	char *document; /* the policy JSON, decoded */
};

struct iam_role {
	char *name;
	char *arn;
	char *id;
	char *path;
	int64_t created_ms;
	char *assume_role_policy; /* decoded; NULL when absent */
};

/* iam_parse_role_policy: -EBADMSG when malformed or the document is not valid
 * percent-encoding. */
int iam_parse_role_policy(const char *body, size_t len, struct iam_role_policy *ret);
/* iam_parse_role_policies_page: appends PolicyNames to names; *ret_next gets Marker
 * when IsTruncated is true, else NULL. */
int iam_parse_role_policies_page(const char *body, size_t len, struct aws_strv *names, char **ret_next);
int iam_parse_role(const char *body, size_t len, struct iam_role *ret);
/* iam_role_from: the fields of a role element (GetRole's <Role>, a RoleDetailList
 * member): id "" and path "/" when absent; -EBADMSG without RoleName or Arn, or with a
 * bad CreateDate or trust document. */
struct _xmlNode;
int iam_role_from(const struct _xmlNode *node, struct iam_role *ret);
/* iam_decode_document: percent-decodes an IAM policy document (a new string), or
 * NULL when it is malformed. */
char *iam_decode_document(const char *encoded);

void iam_role_policy_release(struct iam_role_policy *p);
void iam_role_release(struct iam_role *r);

#endif
