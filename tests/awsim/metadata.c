/* The credential endpoints of EC2 and ECS, served on awsim's port so that clients
 * can test their instance-metadata and container-credential paths: IMDSv2 (a
 * session token from PUT /latest/api/token is required; IMDSv1 is answered 401)
 * and GET /_awsim/container-credentials (with an optional Authorization token).
 * Both hand out temporary credentials awsim accepts, valid --temp-credentials-ttl
 * seconds and reused until less than half that remains. */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define IMDS_TOKEN_MAX_TTL 21600
#define CREDS_PATH	   "/latest/meta-data/iam/security-credentials/"
#define CONTAINER_PATH	   "/_awsim/container-credentials"

static const struct credential *current(struct awsim *sim, const struct credential **slot, const char *session,
					const char *source)
{
	int64_t ttl_ms = sim->cfg.temp_ttl_s * 1000;
	char *arn, *user_id;

	if (*slot && (*slot)->expires_ms - ids_now_ms() > ttl_ms / 2)
		return *slot;
	arn = xasprintf("arn:aws:sts::%s:assumed-role/%s/%s", sim->cfg.account, sim->cfg.instance_role, session);
	user_id = xasprintf("AROAAWSIMINSTANCEROLE:%s", session);
	*slot = auth_issue(sim, sim->cfg.account, arn, user_id, sim->cfg.temp_ttl_s, source);
	free(arn);
	free(user_id);
	return *slot;
}

static cJSON *creds_json(const struct credential *cr)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];

	cJSON_AddStringToObject(o, "AccessKeyId", cr->akid);
	cJSON_AddStringToObject(o, "SecretAccessKey", cr->secret);
	cJSON_AddStringToObject(o, "Token", cr->token);
	ids_iso8601(cr->expires_ms, 0, ts);
	cJSON_AddStringToObject(o, "Expiration", ts);
	return o;
}

static void text(struct awsim *sim, struct http_request *req, int status, const char *body)
{
	awsim_reply(sim, req, status, "text/plain", body, strlen(body));
}

static void token_put(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *ttl_s = http_message_header(m, "x-aws-ec2-metadata-token-ttl-seconds");
	char *end, token[57];
	long ttl;
	int64_t *expiry;

	if (strcmp(m->method, "PUT") != 0) {
		text(sim, req, 405, "Method Not Allowed\n");
		return;
	}
	ttl = ttl_s ? strtol(ttl_s, &end, 10) : 0;
	if (!ttl_s || *end || ttl < 1 || ttl > IMDS_TOKEN_MAX_TTL) {
		text(sim, req, 400, "Bad Request\n");
		return;
	}
	ids_random(&sim->rng, IDS_UPPER_ALNUM "abcdefghijklmnopqrstuvwxyz", 56, token);
	expiry = xmalloc(sizeof(*expiry));
	*expiry = ids_now_ms() + ttl * 1000;
	free(omap_put(&sim->imds_tokens, token, expiry));
	text(sim, req, 200, token);
}

static bool token_ok(struct awsim *sim, const struct http_message *m)
{
	const char *token = http_message_header(m, "x-aws-ec2-metadata-token");
	const int64_t *expiry = token ? omap_get(&sim->imds_tokens, token) : NULL;

	return expiry && *expiry > ids_now_ms();
}

static void instance_creds(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *role = m->path + strlen(CREDS_PATH);
	const struct credential *cr;
	cJSON *o;
	char ts[32];

	if (strcmp(m->method, "GET") != 0) {
		text(sim, req, 405, "Method Not Allowed\n");
		return;
	}
	if (!token_ok(sim, m)) {
		text(sim, req, 401, "Unauthorized\n");
		return;
	}
	if (!*role) {
		text(sim, req, 200, sim->cfg.instance_role);
		return;
	}
	if (strcmp(role, sim->cfg.instance_role) != 0) {
		text(sim, req, 404, "Not Found\n");
		return;
	}
	cr = current(sim, &sim->imds_cred, "i-0a1b2c3d4e5f67890", "imds");
	o = creds_json(cr);
	cJSON_AddStringToObject(o, "Code", "Success");
	ids_iso8601(cr->expires_ms - sim->cfg.temp_ttl_s * 1000, 0, ts);
	cJSON_AddStringToObject(o, "LastUpdated", ts);
	cJSON_AddStringToObject(o, "Type", "AWS-HMAC");
	awsim_reply_json(sim, req, 200, o);
}

static void container_creds(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *auth = http_message_header(m, "authorization");
	const struct credential *cr;
	cJSON *o;
	char *role_arn;

	if (sim->cfg.container_token && (!auth || strcmp(auth, sim->cfg.container_token) != 0)) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", "AccessDenied");
		cJSON_AddStringToObject(o, "message", "The Authorization token is missing or wrong.");
		awsim_reply_json(sim, req, 403, o);
		return;
	}
	cr = current(sim, &sim->ecs_cred, "awsim-task", "ecs");
	o = creds_json(cr);
	role_arn = xasprintf("arn:aws:iam::%s:role/%s", sim->cfg.account, sim->cfg.instance_role);
	cJSON_AddStringToObject(o, "RoleArn", role_arn);
	cJSON_AddStringToObject(o, "AccountId", sim->cfg.account);
	free(role_arn);
	awsim_reply_json(sim, req, 200, o);
}

bool metadata_handle(struct awsim *sim, struct http_request *req)
{
	const char *path = http_request_message(req)->path;

	if (!strcmp(path, "/latest/api/token"))
		token_put(sim, req);
	else if (!strncmp(path, CREDS_PATH, strlen(CREDS_PATH)))
		instance_creds(sim, req);
	else if (!strncmp(path, "/latest/", 8))
		text(sim, req, token_ok(sim, http_request_message(req)) ? 404 : 401, "Not Found\n");
	else if (!strcmp(path, CONTAINER_PATH))
		container_creds(sim, req);
	else
		return false;
	return true;
}
