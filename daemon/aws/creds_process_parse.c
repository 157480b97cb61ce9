#include "creds_process_parse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "aws_json.h"
#include "aws_types.h"
#include "strbuf.h"
#include "xalloc.h"

void creds_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* shlex.split() in POSIX mode, which botocore applies to credential_process. */
int creds_cmdline_split(const char *line, char ***ret_argv, const char **ret_why)
{
	struct strbuf word;
	char **argv = xcalloc(CREDS_CMDLINE_MAX_ARGS + 1, sizeof(*argv));
	size_t n = 0;
	bool in_word = false;
	char quote = 0;
	const char *p;

	strbuf_init(&word, STRBUF_NO_CAP);
	for (p = line; *p; p++) {
		char ch = *p;

		if (quote == '\'') {
			if (ch == '\'')
				quote = 0;
			else
				strbuf_addch(&word, ch);
			continue;
		}
		if (quote == '"') {
			if (ch == '"') {
				quote = 0;
			} else if (ch == '\\' && p[1] && strchr("\\\"$`\n", p[1])) {
				strbuf_addch(&word, *++p);
			} else {
				strbuf_addch(&word, ch);
			}
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (in_word) {
				if (n == CREDS_CMDLINE_MAX_ARGS) {
					*ret_why = "too many arguments";
					goto fail;
				}
				argv[n++] = strbuf_detach(&word, NULL);
				strbuf_init(&word, STRBUF_NO_CAP);
				in_word = false;
			}
			continue;
		}
		in_word = true;
		if (ch == '\'' || ch == '"') {
			quote = ch;
		} else if (ch == '\\') {
			if (!p[1]) {
				*ret_why = "a backslash ends the line";
				goto fail;
			}
			strbuf_addch(&word, *++p);
		} else {
			strbuf_addch(&word, ch);
		}
	}
	if (quote) {
		*ret_why = quote == '"' ? "unterminated double quote" : "unterminated single quote";
		goto fail;
	}
	if (in_word) {
		if (n == CREDS_CMDLINE_MAX_ARGS) {
			*ret_why = "too many arguments";
			goto fail;
		}
		argv[n++] = strbuf_detach(&word, NULL);
		strbuf_init(&word, STRBUF_NO_CAP);
	}
	strbuf_release(&word);
	if (n == 0) {
		*ret_why = "empty command";
		creds_argv_free(argv);
		return -EINVAL;
	}
	*ret_argv = argv;
	return 0;
fail:
	strbuf_release(&word);
	creds_argv_free(argv);
	return -EINVAL;
}

int creds_process_parse_json(const char *body, size_t len, struct aws_credentials *ret, const char **ret_why)
{
	struct aws_credentials c = { 0 };
	const char *akid, *secret, *token, *exp;
	const cJSON *version;
	cJSON *doc;
	int r = -EBADMSG;

	if (aws_json_parse(body, len, &doc) < 0) {
		*ret_why = "the output is not a JSON object";
		return -EBADMSG;
	}
	version = cJSON_GetObjectItemCaseSensitive(doc, "Version");
	akid = aws_json_str(doc, "AccessKeyId");
	secret = aws_json_str(doc, "SecretAccessKey");
	token = aws_json_str(doc, "SessionToken");
	exp = aws_json_str(doc, "Expiration");
	if (!cJSON_IsNumber(version) || version->valuedouble != 1) {
		*ret_why = "\"Version\" must be 1";
		goto out;
	}
	if (!akid || !*akid || !secret || !*secret) {
		*ret_why = "\"AccessKeyId\" and \"SecretAccessKey\" are required";
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "Expiration") &&
	    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "Expiration")) &&
	    (!exp || aws_time_parse_iso8601(exp, &c.expiration_ms) < 0)) {
		*ret_why = "\"Expiration\" is not an ISO-8601 time";
		goto out;
	}
	c.access_key_id = xstrdup(akid);
	c.secret_access_key = xstrdup(secret);
	c.session_token = token && *token ? xstrdup(token) : NULL;
	c.account_id = aws_json_dup(doc, "AccountId");
	*ret = c;
	r = 0;
out:
	cJSON_Delete(doc);
	return r;
}

void creds_sso_cache_key(const char *name_or_url, char out[41])
{
	unsigned char md[SHA_DIGEST_LENGTH];

	SHA1((const unsigned char *)name_or_url, strlen(name_or_url), md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The AWS CLI v1 wrote "2019-11-14T04:05:45UTC"; the SDKs read both forms. */
static int parse_expiry(const char *s, int64_t *ret)
{
	size_t n = strlen(s);
	char buf[64];

	if (n > 3 && n < sizeof(buf) && strcmp(s + n - 3, "UTC") == 0) {
		memcpy(buf, s, n - 3);
		strcpy(buf + n - 3, "Z");
		return aws_time_parse_iso8601(buf, ret);
	}
	return aws_time_parse_iso8601(s, ret);
}

int creds_sso_parse_token(const char *body, size_t len, char **ret_token, int64_t *ret_expires_ms, const char **ret_why)
{
	const char *token, *exp;
	int64_t ms;
	cJSON *doc;
	int r = -EBADMSG;

	if (aws_json_parse(body, len, &doc) < 0) {
		*ret_why = "the token cache file is not a JSON object";
		return -EBADMSG;
	}
	token = aws_json_str(doc, "accessToken");
	exp = aws_json_str(doc, "expiresAt");
	if (!token || !*token) {
		*ret_why = "the token cache file has no accessToken";
		goto out;
	}
	if (!exp || parse_expiry(exp, &ms) < 0) {
		*ret_why = "the token cache file has no valid expiresAt";
		goto out;
	}
	*ret_token = xstrdup(token);
	*ret_expires_ms = ms;
	r = 0;
out:
	cJSON_Delete(doc);
	return r;
}

int creds_sso_parse_role_credentials(const char *body, size_t len, struct aws_credentials *ret)
{
	struct aws_credentials c = { 0 };
	const cJSON *rc;
	const char *akid, *secret, *token;
	int64_t exp = 0;
	cJSON *doc;
	int r = -EBADMSG;

	if (aws_json_parse(body, len, &doc) < 0)
		return -EBADMSG;
	rc = aws_json_obj(doc, "roleCredentials");
	if (!rc)
		goto out;
	akid = aws_json_str(rc, "accessKeyId");
	secret = aws_json_str(rc, "secretAccessKey");
	token = aws_json_str(rc, "sessionToken");
	if (!akid || !*akid || !secret || !*secret || aws_json_int(rc, "expiration", &exp) < 0 || exp < 0)
		goto out;
	c.access_key_id = xstrdup(akid);
	c.secret_access_key = xstrdup(secret);
	c.session_token = token && *token ? xstrdup(token) : NULL;
	c.expiration_ms = exp;
	*ret = c;
	r = 0;
out:
	cJSON_Delete(doc);
	return r;
}
