/* STS (awsQuery): who the daemon is, and temporary credentials for a role.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (it never
 * runs). Results are borrowed for the duration of the callback; NULL on error. */
#ifndef BTD_STS_H
#define BTD_STS_H

#include "aws_client.h"
#include "sts_parse.h"

struct sts_assume_role_input {
	const char *role_arn;
	const char *session_name; /* NULL: "bedrock-tenantd" */
	const char *external_id;  /* NULL when none */
	int duration_s;		  /* 0: the STS default (3600) */
};

struct sts_web_identity_input {
	const char *role_arn;
	const char *session_name; /* NULL: "bedrock-tenantd" */
	const char *token;	  /* the OIDC token itself */
	int duration_s;
};

typedef void (*sts_assume_role_cb)(void *arg, int status, const struct aws_error *err,
				   const struct sts_assume_role_result *res);
typedef void (*sts_caller_identity_cb)(void *arg, int status, const struct aws_error *err,
				       const struct sts_caller_identity *id);

int sts_get_caller_identity(struct aws_client *c, const struct aws_target *t, sts_caller_identity_cb cb, void *arg);
/* sts_assume_role: signed with the target's credentials. */
int sts_assume_role(struct aws_client *c, const struct aws_target *t, const struct sts_assume_role_input *in,
		    sts_assume_role_cb cb, void *arg);
/* sts_assume_role_creds: signed with base in the default region (credential providers). */
int sts_assume_role_creds(struct aws_client *c, const char *account, struct creds_source *base,
			  const struct sts_assume_role_input *in, sts_assume_role_cb cb, void *arg);
/* sts_assume_role_with_web_identity: unsigned, in the default region. */
int sts_assume_role_with_web_identity(struct aws_client *c, const struct sts_web_identity_input *in,
				      sts_assume_role_cb cb, void *arg);

#endif
