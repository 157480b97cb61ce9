/* Which credentials the daemon uses by default: the AWS SDKs' provider chain,
 * resolved once at start-up into a plan (a small tree: an assumed role names where
 * its source credentials come from).
 *
 * Order: environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN);
 * the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE,
 * AWS_CONFIG_FILE, profile AWS_PROFILE or "default", with role_arn + source_profile
 * or credential_source, web_identity_token_file, sso_session or sso_start_url (IAM
 * Identity Center), static keys, credential_process); web identity from the
 * environment (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); the container endpoint
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI); EC2 instance metadata
 * (IMDSv2) unless AWS_EC2_METADATA_DISABLED. The small credential files are read
 * synchronously here. The environment is read through getenv_fn, so tests pass
 * their own. */
#ifndef BTD_CREDS_CHAIN_H
#define BTD_CREDS_CHAIN_H

#include "aws_error.h"
#include "creds.h"

enum creds_kind {
	CREDS_STATIC,
	CREDS_ASSUME_ROLE,
	CREDS_WEB_IDENTITY,
	CREDS_CONTAINER,
	CREDS_IMDS,
	CREDS_PROCESS,
	CREDS_SSO,
};

#define CREDS_DEFAULT_SESSION_NAME "bedrock-tenantd"
#define CREDS_CONTAINER_HOST	   "http://169.254.170.2"
#define CREDS_IMDS_ENDPOINT	   "http://169.254.169.254"
#define CREDS_IMDS_ENDPOINT_V6	   "http://[fd00:ec2::254]"
#define CREDS_PROCESS_TIMEOUT_MS   60000
#define CREDS_PROCESS_MAX_OUTPUT   (64u << 10)

/* A plan owns everything, including base. */
struct creds_plan {
	enum creds_kind kind;
	char *origin;		      /* where it was found: "environment", "profile prod", ... */
	struct aws_credentials creds; /* CREDS_STATIC */
	char *role_arn;		      /* CREDS_ASSUME_ROLE, CREDS_WEB_IDENTITY */
	char *session_name;	      /* CREDS_ASSUME_ROLE, CREDS_WEB_IDENTITY */
	char *external_id;	      /* CREDS_ASSUME_ROLE; NULL when none */
	int duration_s;		      /* 0: the STS default */
	char *token_file;	      /* CREDS_WEB_IDENTITY */
	char *url;		      /* CREDS_CONTAINER: the full URL; CREDS_IMDS, CREDS_SSO: the endpoint */
	char *auth_token;	      /* CREDS_CONTAINER: Authorization value, or NULL */
	char *auth_token_file;	      /* CREDS_CONTAINER: file holding it (read at each fetch), or NULL */
	unsigned timeout_ms;	      /* CREDS_CONTAINER, CREDS_IMDS, CREDS_PROCESS */
	int imds_v1_disabled;	      /* CREDS_IMDS: no fallback when the token PUT is refused */
	char **argv;		      /* CREDS_PROCESS: the command, split (NULL-terminated) */
	char *sso_account_id;	      /* CREDS_SSO */
	char *sso_role_name;	      /* CREDS_SSO */
	char *sso_cache_file;	      /* CREDS_SSO: ~/.aws/sso/cache/<sha1>.json, read at each fetch */
	char *sso_login_hint;	      /* CREDS_SSO: "aws sso login --profile NAME" */
	struct creds_plan *base;      /* CREDS_ASSUME_ROLE: the source credentials */
};

/* creds_chain_resolve: the plan for the default credentials. *ret_region gets the
 * selected profile's region (NULL when none). On failure returns -ENOKEY (nothing
 * found), -ENOENT (an explicitly selected profile does not exist) or -EINVAL (a
 * profile or variable is inconsistent), with err saying which. getenv_fn NULL means getenv. */
int creds_chain_resolve(const char *(*getenv_fn)(const char *name), struct creds_plan **ret, char **ret_region,
			struct aws_error *err);
void creds_plan_free(struct creds_plan *p);
const char *creds_kind_name(enum creds_kind k);
/* creds_container_host_allowed: a _FULL_URI over plain http must point at a
 * loopback address or one of the container agent addresses. */
int creds_container_url_allowed(const char *url);

#endif
