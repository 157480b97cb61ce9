/* Pure parsers for the credential_process and IAM Identity Center (SSO) providers:
 * splitting a credential_process command line into arguments the way the AWS CLI
 * and botocore do (POSIX shlex: no shell runs it), the JSON the process prints
 * (Version 1), the SSO token cache file (~/.aws/sso/cache/<sha1>.json) and the SSO
 * portal's GetRoleCredentials answer. No I/O; results own their strings. */
#ifndef BTD_CREDS_PROCESS_PARSE_H
#define BTD_CREDS_PROCESS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "creds.h"

#define CREDS_CMDLINE_MAX_ARGS 256

/* creds_cmdline_split: words separated by blanks; 'single quotes' keep everything,
 * "double quotes" keep everything but a backslash before \ " $ ` or a newline; a
 * backslash outside quotes keeps the next character. No expansion of any kind.
 * *ret_argv is NULL-terminated (free with creds_argv_free). -EINVAL with *ret_why
 * (static text) for an unterminated quote, an empty line or too many words. */
int creds_cmdline_split(const char *line, char ***ret_argv, const char **ret_why);
void creds_argv_free(char **argv);

/* creds_process_parse_json: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * optional "SessionToken", optional "Expiration" (ISO-8601), optional "AccountId"}.
 * -EBADMSG with *ret_why (static text) when it is not that. */
int creds_process_parse_json(const char *body, size_t len, struct aws_credentials *ret, const char **ret_why);

/* creds_sso_cache_key: the file name (without .json) the SDKs cache a session's
 * token under: the lowercase hex SHA-1 of the session name (sso_session) or of the
 * start URL (the legacy form). out must hold 41 bytes. */
void creds_sso_cache_key(const char *name_or_url, char out[41]);

/* creds_sso_parse_token: the cache file's "accessToken" and "expiresAt" (ISO-8601).
 * -EBADMSG with *ret_why when either is missing or malformed. *ret_token is a
 * secret: free it with aws_secure_free. */
int creds_sso_parse_token(const char *body, size_t len, char **ret_token, int64_t *ret_expires_ms,
			  const char **ret_why);

/* creds_sso_parse_role_credentials: GetRoleCredentials' answer
 * {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken",
 * "expiration" (epoch milliseconds)}}. -EBADMSG when malformed. */
int creds_sso_parse_role_credentials(const char *body, size_t len, struct aws_credentials *ret);

#endif
