/* AWS Security Token Service (awsQuery, XML): GetCallerIdentity, AssumeRole and
 * the unsigned AssumeRoleWithWebIdentity. The credentials it issues are accepted
 * by every service until they expire. awsim evaluates no IAM policy or trust: any
 * well-formed role ARN can be assumed; a role awsim knows caps the duration with
 * its MaxSessionDuration. */
#include "awsim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

static const struct strspec arn_spec = { true, 20, 2048, PAT_STS_ROLE_ARN };
static const struct strspec session_spec = { true, 2, 64, PAT_IAM_NAME };

static int op_caller_identity(struct call *c)
{
	if (!c->cred)
		return call_error(c, 403, "MissingAuthenticationToken", "Missing Authentication Token");
	call_xml_begin(c, true);
	xml_elem(&c->body, "Arn", c->cred->arn);
	xml_elem(&c->body, "UserId", c->cred->user_id);
	xml_elem(&c->body, "Account", c->cred->account);
	call_xml_end(c, true);
	return 0;
}

/* Account, role name and role id of a role ARN; a known role may cap duration. */
static int role_of(struct call *c, const char *arn, long long *duration, bool duration_given, char account[16],
		   char **name, char **role_id)
{
	struct arn a;
	const char *slash;
	struct account *acct;
	const struct role *r = NULL;
	char id[22];

	if (arn_split(arn, &a) < 0 || strlen(a.account) != 12)
		return call_invalid(c, "roleArn", arn, "Member must be a role ARN");
	slash = strrchr(a.id, '/');
	*name = xstrdup(slash ? slash + 1 : a.id);
	snprintf(account, 16, "%s", a.account);
	acct = omap_get(&c->sim->accounts, a.account);
	if (acct) {
		char *key = xstrdup(*name);
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		r = omap_get(&acct->roles, key);
		free(key);
	}
	if (r && duration_given && *duration > r->max_session) {
		free(*name);
		return call_error(c, 400, "ValidationError",
				  "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
	}
	if (r) {
		*role_id = xstrdup(r->id);
	} else {
		memcpy(id, "AROA", 4);
		ids_random(&c->sim->rng, IDS_UPPER_ALNUM, 17, id + 4);
		*role_id = xstrdup(id);
	}
	return 0;
}

static void credentials_xml(struct call *c, const struct credential *cr, const char *role_id, const char *session)
{
	char ts[32];

	strbuf_adds(&c->body, "<Credentials>");
	xml_elem(&c->body, "AccessKeyId", cr->akid);
	xml_elem(&c->body, "SecretAccessKey", cr->secret);
	xml_elem(&c->body, "SessionToken", cr->token);
	ids_iso8601(cr->expires_ms, 0, ts);
	xml_elem(&c->body, "Expiration", ts);
	strbuf_adds(&c->body, "</Credentials><AssumedRoleUser>");
	strbuf_adds(&c->body, "<AssumedRoleId>");
	xml_escape(&c->body, role_id);
	strbuf_addch(&c->body, ':');
	xml_escape(&c->body, session);
	strbuf_adds(&c->body, "</AssumedRoleId>");
	xml_elem(&c->body, "Arn", cr->arn);
	strbuf_adds(&c->body, "</AssumedRoleUser>");
}

/* Checks shared by both AssumeRole forms; issues the credentials. */
static int assume(struct call *c, const char *source, const struct credential **ret, char **role_id,
		  const char **session)
{
	const char *arn;
	long long duration = 3600;
	bool present;
	char account[16], *name = NULL, *caller_arn, *user_id;

	if (q_str(c, "RoleArn", &arn_spec, &arn) < 0 || q_str(c, "RoleSessionName", &session_spec, session) < 0 ||
	    q_int(c, "DurationSeconds", 900, 43200, &duration, &present) < 0 ||
	    role_of(c, arn, &duration, present, account, &name, role_id) < 0)
		return -1;
	caller_arn = xasprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, name, *session);
	user_id = xasprintf("%s:%s", *role_id, *session);
	*ret = auth_issue(c->sim, account, caller_arn, user_id, present ? duration : 3600, source);
	free(caller_arn);
	free(user_id);
	free(name);
	return 0;
}

static int op_assume_role(struct call *c)
{
	static const struct strspec ext_spec = { false, 2, 1224, PAT_STS_EXTERNAL_ID };
	const struct credential *cr;
	const char *ext, *session;
	char *role_id;

	if (q_str(c, "ExternalId", &ext_spec, &ext) < 0 || assume(c, "AssumeRole", &cr, &role_id, &session) < 0)
		return -1;
	call_xml_begin(c, true);
	credentials_xml(c, cr, role_id, session);
	call_xml_end(c, true);
	free(role_id);
	return 0;
}

/* The claims of a JWT (its payload, base64url JSON); NULL when token is no JWT. */
static cJSON *jwt_claims(const char *token)
{
	const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	struct strbuf part, json;
	cJSON *claims = NULL;

	if (!dot2)
		return NULL;
	strbuf_init(&part, 20000);
	strbuf_init(&json, 20000);
	strbuf_add(&part, dot1 + 1, (size_t)(dot2 - dot1 - 1));
	while (part.len && part.buf[part.len - 1] == '=')
		part.buf[--part.len] = '\0';
	if (ids_token_decode(part.buf, &json) == 0)
		claims = cJSON_Parse(json.buf);
	strbuf_release(&part);
	strbuf_release(&json);
	if (claims && !cJSON_IsObject(claims)) {
		cJSON_Delete(claims);
		claims = NULL;
	}
	return claims;
}

static const char *claim(const cJSON *claims, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, name);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static int op_web_identity(struct call *c)
{
	static const struct strspec token_spec = { true, 4, 20000, PAT_NONE };
	static const struct strspec provider_spec = { false, 4, 2048, PAT_NONE };
	const char *token, *provider, *session;
	const struct credential *cr;
	const cJSON *exp;
	cJSON *claims;
	char *role_id;

	if (q_str(c, "WebIdentityToken", &token_spec, &token) < 0 ||
	    q_str(c, "ProviderId", &provider_spec, &provider) < 0)
		return -1;
	claims = jwt_claims(token);
	if (!claims)
		return call_error(c, 400, "InvalidIdentityToken",
				  "The web identity token that was passed could not be validated by AWS. Get a new "
				  "identity token from the identity provider and then retry the request.");
	exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	if (cJSON_IsNumber(exp) && exp->valuedouble * 1000 < (double)ids_now_ms()) {
		cJSON_Delete(claims);
		return call_error(c, 400, "ExpiredTokenException",
				  "Token expired: current date/time is later than exp.");
	}
	if (assume(c, "AssumeRoleWithWebIdentity", &cr, &role_id, &session) < 0) {
		cJSON_Delete(claims);
		return -1;
	}
	call_xml_begin(c, true);
	credentials_xml(c, cr, role_id, session);
	xml_elem(&c->body, "SubjectFromWebIdentityToken", claim(claims, "sub", "awsim-subject"));
	xml_elem(&c->body, "Provider", provider ? provider : claim(claims, "iss", "awsim"));
	xml_elem(&c->body, "Audience", claim(claims, "aud", "sts.amazonaws.com"));
	call_xml_end(c, true);
	free(role_id);
	cJSON_Delete(claims);
	return 0;
}

const struct op sts_ops[] = {
	{ "GetCallerIdentity", op_caller_identity, false, NULL, NULL, 0, false },
	{ "AssumeRole", op_assume_role, true, NULL, NULL, 0, false },
	{ "AssumeRoleWithWebIdentity", op_web_identity, true, NULL, NULL, 0, true },
};
const size_t sts_n_ops = sizeof(sts_ops) / sizeof(sts_ops[0]);
