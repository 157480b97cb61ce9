/* The IAM Identity Center (SSO) portal's GetRoleCredentials (restJson1, not
 * signed: the caller's access token travels in x-amz-sso_bearer_token), and the
 * admin endpoint that stands in for `aws sso login`: POST /_awsim/sso/token issues
 * an access token (what the CLI caches in ~/.aws/sso/cache/), DELETE revokes every
 * token. A known, unexpired token gets temporary credentials for any 12-digit
 * account and role name, which every service then accepts; any other token gets
 * 401 UnauthorizedException, as from AWS when the session expired or was revoked. */
#include "awsim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define SSO_PATH	  "/federation/credentials"
#define SSO_ADMIN_PATH	  "/_awsim/sso/token"
#define SSO_TOKEN_MAX_TTL (7 * 86400)
#define SSO_MAX_TOKENS	  1000

static void reply_error(struct awsim *sim, struct http_request *req, int status, const char *code, const char *message)
{
	struct http_header h[3] = { { "Content-Type", "application/json" },
				    { "x-amzn-RequestId", NULL },
				    { "x-amzn-ErrorType", code } };
	cJSON *doc = cJSON_CreateObject();
	char id[37], *text;

	ids_uuid(&sim->rng, id);
	h[1].value = id;
	cJSON_AddStringToObject(doc, "message", message);
	text = cJSON_PrintUnformatted(doc);
	http_respond(req, status, h, 3, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(doc);
	stats_count(sim, "sso", "GetRoleCredentials", false, status == 429 ? STAT_THROTTLED : STAT_FAILED);
}

static bool digits12(const char *s)
{
	if (!s || strlen(s) != 12)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void get_role_credentials(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *token = http_message_header(m, "x-amz-sso_bearer_token");
	const int64_t *expiry = token ? omap_get(&sim->sso_tokens, token) : NULL;
	const char *account, *role;
	const struct credential *cr;
	struct form q;
	cJSON *doc, *rc;
	char *arn, *user_id, suffix[17];

	if (strcmp(m->method, "GET") != 0) {
		reply_error(sim, req, 405, "InvalidRequestException", "GetRoleCredentials is a GET");
		return;
	}
	if (!token || !*token) {
		reply_error(sim, req, 401, "UnauthorizedException", "Session token not found or invalid");
		return;
	}
	if (!expiry || *expiry <= ids_now_ms()) {
		reply_error(sim, req, 401, "UnauthorizedException", "Session token not found or invalid");
		return;
	}
	form_init(&q);
	if (form_parse(&q, m->query, strlen(m->query)) < 0) {
		form_release(&q);
		reply_error(sim, req, 400, "InvalidRequestException", "The query string is malformed.");
		return;
	}
	account = form_get(&q, "account_id");
	role = form_get(&q, "role_name");
	if (!digits12(account) || !role || !*role || strlen(role) > 64) {
		form_release(&q);
		reply_error(sim, req, 400, "InvalidRequestException",
			    "account_id must be 12 digits and role_name 1 to 64 characters");
		return;
	}
	/* The role IAM Identity Center provisions for a permission set. */
	ids_random(&sim->rng, "0123456789abcdef", 16, suffix);
	arn = xasprintf("arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_%s/sso-user", account, role, suffix);
	user_id = xasprintf("AROAAWSIMSSO%s:sso-user", suffix);
	cr = auth_issue(sim, account, arn, user_id, sim->cfg.temp_ttl_s, "sso");
	free(arn);
	free(user_id);
	form_release(&q);
	doc = cJSON_CreateObject();
	rc = cJSON_AddObjectToObject(doc, "roleCredentials");
	cJSON_AddStringToObject(rc, "accessKeyId", cr->akid);
	cJSON_AddStringToObject(rc, "secretAccessKey", cr->secret);
	cJSON_AddStringToObject(rc, "sessionToken", cr->token);
	cJSON_AddNumberToObject(rc, "expiration", (double)cr->expires_ms);
	awsim_reply_json(sim, req, 200, doc);
	stats_count(sim, "sso", "GetRoleCredentials", false, STAT_OK);
}

static void admin_error(struct awsim *sim, struct http_request *req, int status, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", message);
	awsim_reply_json(sim, req, status, o);
}

/* POST {"expires_in": seconds (3600; may be negative for an expired token)}:
 * {"accessToken", "expiresAt"}, the two fields the SDKs read from the cache. */
static void admin_token(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	cJSON *in, *out;
	const cJSON *ttl;
	int64_t *expiry;
	double secs = 3600;
	char token[65], ts[32];

	if (!http_request_is_local(req)) {
		admin_error(sim, req, 403, "the admin API answers loopback peers only");
		return;
	}
	if (strcmp(m->method, "DELETE") == 0) {
		omap_clear(&sim->sso_tokens, free);
		awsim_reply_json(sim, req, 200, cJSON_CreateObject());
		return;
	}
	if (strcmp(m->method, "POST") != 0) {
		admin_error(sim, req, 405, "POST or DELETE");
		return;
	}
	in = m->body.len ? cJSON_ParseWithLength(m->body.buf, m->body.len) : cJSON_CreateObject();
	ttl = cJSON_GetObjectItemCaseSensitive(in, "expires_in");
	if (!cJSON_IsObject(in) || (ttl && (!cJSON_IsNumber(ttl) || ttl->valuedouble > SSO_TOKEN_MAX_TTL))) {
		cJSON_Delete(in);
		admin_error(sim, req, 400, "the body must be {\"expires_in\": seconds up to 7 days}");
		return;
	}
	if (ttl)
		secs = ttl->valuedouble;
	cJSON_Delete(in);
	if (sim->sso_tokens.n >= SSO_MAX_TOKENS)
		omap_clear(&sim->sso_tokens, free);
	memcpy(token, "aoa", 3);
	ids_random(&sim->rng, IDS_LOWER_ALNUM, 61, token + 3);
	expiry = xmalloc(sizeof(*expiry));
	*expiry = ids_now_ms() + (int64_t)(secs * 1000);
	free(omap_put(&sim->sso_tokens, token, expiry));
	ids_iso8601(*expiry, 0, ts);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "accessToken", token);
	cJSON_AddStringToObject(out, "expiresAt", ts);
	awsim_reply_json(sim, req, 200, out);
}

bool sso_handle(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);

	if (strcmp(m->path, SSO_PATH) == 0) {
		get_role_credentials(sim, req);
		return true;
	}
	if (strcmp(m->path, SSO_ADMIN_PATH) == 0) {
		admin_token(sim, req);
		return true;
	}
	return false;
}
