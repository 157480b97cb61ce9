/* Pure parsers for the STS answers (awsQuery, XML): AssumeRole,
 * AssumeRoleWithWebIdentity and GetCallerIdentity. Results own their strings. */
#ifndef BTD_STS_PARSE_H
#define BTD_STS_PARSE_H

#include <stddef.h>

#include "creds.h"

struct sts_assume_role_result {
	struct aws_credentials creds; /* account_id taken from the assumed role's ARN */
	char *assumed_role_arn;
	char *assumed_role_id;
};

struct sts_caller_identity {
	char *account;
	char *arn;
	char *user_id;
};

/* sts_parse_assume_role: the <AssumeRoleResponse> or <AssumeRoleWithWebIdentityResponse>
 * document. -EBADMSG when malformed or when a credential field is missing. */
int sts_parse_assume_role(const char *body, size_t len, struct sts_assume_role_result *ret);
void sts_assume_role_result_release(struct sts_assume_role_result *r);

int sts_parse_caller_identity(const char *body, size_t len, struct sts_caller_identity *ret);
void sts_caller_identity_release(struct sts_caller_identity *id);

/* sts_arn_account: the account field of an ARN (a new string), or NULL. */
char *sts_arn_account(const char *arn);

#endif
