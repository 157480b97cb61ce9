/* SigV4 checks of every signed request, with the error codes AWS answers in each
 * protocol, and the credentials awsim accepts (configured keys and the temporary
 * ones it issues). Verification itself is daemon/aws/sigv4.c, the code the daemon
 * signs with. The table of checks and codes is in docs/awsim.md. */
#include "awsim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"
#include "xalloc.h"

#define TOKEN_LEN 356

void auth_add_static(struct awsim *sim, const char *akid, const char *secret, const char *account)
{
	struct credential *cr = xcalloc(1, sizeof(*cr));

	cr->akid = xstrdup(akid);
	cr->secret = xstrdup(secret);
	cr->account = xstrdup(account);
	cr->arn = xasprintf("arn:aws:iam::%s:user/awsim", account);
	cr->user_id = xasprintf("AIDA%.17s", akid + (strlen(akid) > 4 ? 4 : 0));
	cr->source = xstrdup("static");
	credential_free(omap_put(&sim->credentials, akid, cr));
}

const struct credential *auth_issue(struct awsim *sim, const char *account, const char *arn, const char *user_id,
				    int64_t ttl_s, const char *source)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct credential *cr = xcalloc(1, sizeof(*cr));
	char akid[21], secret[41], token[TOKEN_LEN + 1];

	do {
		memcpy(akid, "ASIA", 4);
		ids_random(&sim->rng, IDS_UPPER_ALNUM, 16, akid + 4);
	} while (omap_get(&sim->credentials, akid));
	ids_random(&sim->rng, b64, 40, secret);
	memcpy(token, "IQoJb3JpZ2luX2VjE", 17);
	ids_random(&sim->rng, b64, TOKEN_LEN - 17, token + 17);
	cr->akid = xstrdup(akid);
	cr->secret = xstrdup(secret);
	cr->token = xstrdup(token);
	cr->account = xstrdup(account);
	cr->arn = xstrdup(arn);
	cr->user_id = xstrdup(user_id);
	cr->expires_ms = ids_now_ms() + ttl_s * 1000;
	cr->source = xstrdup(source);
	omap_put(&sim->credentials, akid, cr);
	return cr;
}

struct purge_ctx {
	struct awsim *sim;
	int64_t before;
	char **keys;
	size_t n, alloc;
};

static int collect_expired(const char *key, void *value, void *ctx)
{
	struct purge_ctx *p = ctx;
	const struct credential *cr = value;

	if (cr->expires_ms && cr->expires_ms < p->before && cr != p->sim->imds_cred && cr != p->sim->ecs_cred) {
		XGROW(p->keys, p->n + 1, p->alloc);
		p->keys[p->n++] = xstrdup(key);
	}
	return 0;
}

void auth_purge_expired(struct awsim *sim, int64_t older_than_ms)
{
	struct purge_ctx p = { sim, ids_now_ms() - older_than_ms, NULL, 0, 0 };

	omap_walk(&sim->credentials, collect_expired, &p);
	for (size_t i = 0; i < p.n; i++) {
		credential_free(omap_del(&sim->credentials, p.keys[i]));
		free(p.keys[i]);
	}
	free(p.keys);
}

/* ---- the checks ---- */

static bool json_proto(const struct call *c)
{
	return c->proto != PROTO_QUERY && c->proto != PROTO_REST_XML;
}

static int incomplete(struct call *c, const char *message)
{
	return call_error(c, 400, json_proto(c) ? "IncompleteSignatureException" : "IncompleteSignature", "%s",
			  message);
}

static int bad_signature(struct call *c, const char *message)
{
	return call_error(c, 403, json_proto(c) ? "InvalidSignatureException" : "SignatureDoesNotMatch", "%s", message);
}

static int unknown_key(struct call *c)
{
	return call_error(c, 403, json_proto(c) ? "UnrecognizedClientException" : "InvalidClientTokenId",
			  "The security token included in the request is invalid.");
}

static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ";");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

/* Every header the client listed must be in the request. */
static int check_listed_present(struct call *c, const char *list)
{
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ";");
		char name[128];

		if (len == 0 || len >= sizeof(name))
			return incomplete(c, "Invalid SignedHeaders in the Authorization header.");
		memcpy(name, p, len);
		name[len] = '\0';
		if (!http_message_header(c->msg, name)) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "'%s' is named as a SignedHeader, but it does not exist in the HTTP request", name);
			return bad_signature(c, msg);
		}
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

static int check_required_signed(struct call *c, const char *list, bool temporary)
{
	const char *required[] = { "host", "x-amz-date", NULL, NULL };
	size_t n = 2;
	char msg[160];

	if (c->proto == PROTO_JSON && http_message_header(c->msg, "x-amz-target"))
		required[n++] = "x-amz-target";
	if (temporary)
		required[n++] = "x-amz-security-token";
	for (size_t i = 0; i < n; i++) {
		if (list_has(list, required[i]))
			continue;
		snprintf(msg, sizeof(msg), "'%s' must be a 'SignedHeader' in the AWS Authorization.", required[i]);
		return incomplete(c, msg);
	}
	return 0;
}

static bool region_allowed(const struct call *c, const char *region)
{
	const struct service_def *d = service_def(c->svc);

	if (d->global)
		return strcmp(region, AWSIM_GLOBAL_REGION) == 0;
	if (c->svc == SVC_STS && strcmp(region, AWSIM_GLOBAL_REGION) == 0)
		return true;
	return awsim_region_configured(c->sim, region);
}

static int check_clock(struct call *c, const char *amz_date, time_t t)
{
	int64_t now = ids_now_ms(), then = (int64_t)t * 1000;
	char now_s[SIGV4_AMZ_DATE_LEN + 1], edge[SIGV4_AMZ_DATE_LEN + 1], msg[200];

	sigv4_format_date((time_t)(now / 1000), now_s);
	if (then < now - AWSIM_CLOCK_SKEW_MS) {
		sigv4_format_date((time_t)((now - AWSIM_CLOCK_SKEW_MS) / 1000), edge);
		snprintf(msg, sizeof(msg), "Signature expired: %s is now earlier than %s (%s - 5 min.)", amz_date, edge,
			 now_s);
		return bad_signature(c, msg);
	}
	if (then > now + AWSIM_CLOCK_SKEW_MS) {
		sigv4_format_date((time_t)((now + AWSIM_CLOCK_SKEW_MS) / 1000), edge);
		snprintf(msg, sizeof(msg), "Signature not yet current: %s is still later than %s (%s + 5 min.)",
			 amz_date, edge, now_s);
		return bad_signature(c, msg);
	}
	return 0;
}

/* The signature over the request as received. */
static int verify(struct call *c, const struct sigv4_authorization *a, const struct credential *cr,
		  const char *amz_date, const char *payload_hash)
{
	struct sigv4_header headers[HTTP_MAX_HEADERS_HARD];
	struct sigv4_request req = { 0 };
	struct strbuf s3_path;
	int r;

	strbuf_init(&s3_path, 4096);
	for (size_t i = 0; i < c->msg->n_headers; i++) {
		headers[i].name = c->msg->headers[i].name;
		headers[i].value = c->msg->headers[i].value;
	}
	req.method = c->msg->method;
	req.path = c->msg->path;
	if (c->svc == SVC_S3 && s3_canonical_path(c->msg->path, &s3_path) == 0)
		req.path = s3_path.buf; /* signed as sent: encoded once, not normalized */
	req.query = c->msg->query;
	req.headers = headers;
	req.n_headers = c->msg->n_headers;
	req.payload_hash = payload_hash;
	req.normalize_path = c->svc != SVC_S3;
	r = sigv4_verify(&req, a, cr->secret, amz_date);
	strbuf_release(&s3_path);
	if (r == -EPERM)
		return bad_signature(c,
				     "The request signature we calculated does not match the signature you provided. "
				     "Check your AWS Secret Access Key and signing method. Consult the service "
				     "documentation for details.");
	if (r < 0)
		return incomplete(c, "The request could not be canonicalized.");
	return 0;
}

static int check_signed(struct call *c, const char *authz)
{
	const struct service_def *d = service_def(c->svc);
	const char *amz_date = http_message_header(c->msg, "x-amz-date");
	const char *token = http_message_header(c->msg, "x-amz-security-token");
	const char *sha = http_message_header(c->msg, "x-amz-content-sha256");
	const struct credential *cr;
	struct sigv4_authorization a;
	char hash[SIGV4_HEX_LEN + 1], msg[256];
	time_t t;
	int r = -1;

	if (sigv4_parse_authorization(authz, &a) < 0)
		return incomplete(c,
				  "Authorization header requires 'Credential' parameter. Authorization header requires "
				  "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.");
	if (!amz_date) {
		incomplete(c, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
		goto out;
	}
	if (sigv4_parse_date(amz_date, &t) < 0) {
		incomplete(c, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
		goto out;
	}
	cr = omap_get(&c->sim->credentials, a.access_key_id);
	if (!cr || (cr->token && (!token || strcmp(token, cr->token) != 0)) || (!cr->token && token)) {
		unknown_key(c);
		goto out;
	}
	if (cr->expires_ms && ids_now_ms() >= cr->expires_ms) {
		call_error(c, 403, json_proto(c) ? "ExpiredTokenException" : "ExpiredToken",
			   "The security token included in the request is expired");
		goto out;
	}
	if (strcmp(a.service, d->name) != 0) {
		snprintf(msg, sizeof(msg), "Credential should be scoped to correct service: '%s'. ", d->name);
		bad_signature(c, msg);
		goto out;
	}
	if (!region_allowed(c, a.region)) {
		snprintf(msg, sizeof(msg), "Credential should be scoped to a valid region, not '%.40s'. ", a.region);
		bad_signature(c, msg);
		goto out;
	}
	if (strncmp(a.date, amz_date, 8) != 0) {
		snprintf(msg, sizeof(msg),
			 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
			 "'%s' != '%.8s', from '%s'.",
			 a.date, amz_date, amz_date);
		bad_signature(c, msg);
		goto out;
	}
	if (check_clock(c, amz_date, t) < 0 || check_required_signed(c, a.signed_headers, cr->token != NULL) < 0 ||
	    check_listed_present(c, a.signed_headers) < 0)
		goto out;
	sigv4_hash_hex(c->msg->body.buf, c->msg->body.len, hash);
	if (c->svc == SVC_S3 && sha && strcmp(sha, "UNSIGNED-PAYLOAD") == 0)
		snprintf(hash, sizeof(hash), "%s", sha); /* S3 alone may leave the body unsigned */
	else if (sha && strcmp(sha, hash) != 0) {
		bad_signature(c, "The provided 'x-amz-content-sha256' header does not match what was computed.");
		goto out;
	}
	if (verify(c, &a, cr, amz_date, hash) < 0)
		goto out;
	c->cred = cr;
	snprintf(c->region, sizeof(c->region), "%s", a.region);
	r = 0;
out:
	sigv4_authorization_release(&a);
	return r;
}

int auth_check(struct call *c)
{
	const char *authz = http_message_header(c->msg, "authorization");

	if (c->sim->cfg.auth_disabled || (!authz && c->op && c->op->unsigned_ok)) {
		snprintf(c->region, sizeof(c->region), "%s", c->sim->cfg.regions[0]);
		snprintf(c->account, sizeof(c->account), "%s", c->sim->cfg.account);
	} else if (!authz) {
		return call_error(c, 403,
				  json_proto(c) ? "MissingAuthenticationTokenException" : "MissingAuthenticationToken",
				  "Missing Authentication Token");
	} else {
		if (check_signed(c, authz) < 0)
			return -1;
		snprintf(c->akid, sizeof(c->akid), "%s", c->cred->akid);
		snprintf(c->account, sizeof(c->account), "%s", c->cred->account);
	}
	return auth_bind(c);
}

int auth_bind(struct call *c)
{
	c->cred = NULL;
	if (c->akid[0]) {
		c->cred = omap_get(&c->sim->credentials, c->akid);
		if (!c->cred)
			return unknown_key(c);
	}
	c->acct = state_account(c->sim, c->account);
	c->rs = NULL;
	if (!service_def(c->svc)->global && c->svc != SVC_STS)
		c->rs = state_region(c->sim, c->acct, c->region);
	return 0;
}
