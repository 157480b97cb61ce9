/* The admin API under /_awsim/: no signature, loopback peers only. State dump and
 * reset, call counters, the fault plan, quotas, budget spend and temporary
 * credentials. Every endpoint is documented, with curl examples, in docs/awsim.md. */
#include "awsim.h"
#include "usage.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uri.h"
#include "xalloc.h"

static void reply_error(struct awsim *sim, struct http_request *req, int status, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", message);
	awsim_reply_json(sim, req, status, o);
}

static void reply_ok(struct awsim *sim, struct http_request *req)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", true);
	awsim_reply_json(sim, req, 200, o);
}

/* The request body as a JSON object ({} when empty); NULL after answering 400. */
static cJSON *body_json(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	cJSON *doc = m->body.len ? cJSON_ParseWithLength(m->body.buf, m->body.len) : cJSON_CreateObject();

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		reply_error(sim, req, 400, "the body must be a JSON object");
		return NULL;
	}
	return doc;
}

static void reset_all(struct awsim *sim)
{
	struct omap keep;
	const struct omap_node *n;

	state_reset(sim);
	stats_reset(sim);
	omap_clear(&sim->imds_tokens, free);
	/* keep the configured keys, drop every issued one */
	omap_init(&keep);
	while ((n = omap_next(&sim->credentials, NULL))) {
		struct credential *cr = omap_del(&sim->credentials, n->key);
		if (cr->token)
			credential_free(cr);
		else
			omap_put(&keep, cr->akid, cr);
	}
	sim->credentials = keep;
	sim->imds_cred = sim->ecs_cred = NULL;
	quotas_reset(sim);
}

static void faults_put(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *ct = http_message_header(m, "content-type");
	char *err = NULL;
	int r;

	if (ct && strcasestr(ct, "yaml"))
		r = faults_load_yaml(&sim->faults, m->body.buf, m->body.len, &err);
	else
		r = faults_load_json(&sim->faults, m->body.buf, m->body.len, &err);
	if (r < 0) {
		reply_error(sim, req, 400, err ? err : "invalid fault plan");
		free(err);
		return;
	}
	awsim_reply_json(sim, req, 200, faults_to_json(&sim->faults));
}

static void quotas(struct awsim *sim, struct http_request *req, bool put)
{
	cJSON *doc;
	char *err = NULL;

	if (put) {
		doc = body_json(sim, req);
		if (!doc)
			return;
		if (quotas_apply_json(sim, doc, &err) < 0) {
			cJSON_Delete(doc);
			reply_error(sim, req, 400, err);
			free(err);
			return;
		}
		cJSON_Delete(doc);
	}
	awsim_reply_json(sim, req, 200, quotas_to_json(sim));
}

static bool numeric(const cJSON *v)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;

	return s && *s && strspn(s, "0123456789.") == strlen(s) && strchr(s, '.') == strrchr(s, '.');
}

/* PUT /_awsim/budgets/{name}/spend {"actual": "12.5", "forecasted": "40", "account": "..."} */
static void budget_spend(struct awsim *sim, struct http_request *req, const char *encoded)
{
	cJSON *doc = body_json(sim, req), *cs, *unit_v;
	const cJSON *actual, *forecast, *acct_v;
	struct strbuf name;
	struct account *acct;
	struct budget *b;
	const char *unit = "USD";

	if (!doc)
		return;
	strbuf_init(&name, 1024);
	actual = cJSON_GetObjectItemCaseSensitive(doc, "actual");
	forecast = cJSON_GetObjectItemCaseSensitive(doc, "forecasted");
	acct_v = cJSON_GetObjectItemCaseSensitive(doc, "account");
	if (uri_decode(&name, encoded, strlen(encoded), false) < 0 || (actual && !numeric(actual)) ||
	    (forecast && !numeric(forecast)) || (acct_v && !cJSON_IsString(acct_v))) {
		reply_error(sim, req, 400, "actual and forecasted must be decimal strings");
		goto out;
	}
	acct = omap_get(&sim->accounts, acct_v ? acct_v->valuestring : sim->cfg.account);
	b = acct ? omap_get(&acct->budgets, name.buf) : NULL;
	if (!b) {
		reply_error(sim, req, 404, "no such budget");
		goto out;
	}
	unit_v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b->doc, "BudgetLimit"), "Unit");
	if (cJSON_IsString(unit_v))
		unit = unit_v->valuestring;
	cJSON_DeleteItemFromObjectCaseSensitive(b->doc, "CalculatedSpend");
	cs = cJSON_AddObjectToObject(b->doc, "CalculatedSpend");
	for (int i = 0; i < 2; i++) {
		const cJSON *v = i ? forecast : actual;
		cJSON *s = cJSON_AddObjectToObject(cs, i ? "ForecastedSpend" : "ActualSpend");
		cJSON_AddStringToObject(s, "Amount", v ? v->valuestring : "0");
		cJSON_AddStringToObject(s, "Unit", unit);
	}
	awsim_reply_json(sim, req, 200, cJSON_Duplicate(cs, 1));
	budget_actions_run(sim, acct->id);
out:
	strbuf_release(&name);
	cJSON_Delete(doc);
}

/* POST /_awsim/budgets/{name}/new-period {"account": "..."}: a new budget period starts
 * now: the spend set by the admin API goes back to 0 and the counted spend starts
 * again; thresholds are checked again. Budgets actions keep their status (AWS's own
 * reset at a period's start is not emulated). */
static void budget_new_period(struct awsim *sim, struct http_request *req, const char *encoded)
{
	cJSON *doc = body_json(sim, req), *cs;
	const cJSON *acct_v;
	struct strbuf name;
	struct account *acct;
	struct budget *b;

	if (!doc)
		return;
	strbuf_init(&name, 1024);
	acct_v = cJSON_GetObjectItemCaseSensitive(doc, "account");
	if (uri_decode(&name, encoded, strlen(encoded), false) < 0 || (acct_v && !cJSON_IsString(acct_v))) {
		reply_error(sim, req, 400, "account must be a string");
		goto out;
	}
	acct = omap_get(&sim->accounts, acct_v ? acct_v->valuestring : sim->cfg.account);
	b = acct ? omap_get(&acct->budgets, name.buf) : NULL;
	if (!b) {
		reply_error(sim, req, 404, "no such budget");
		goto out;
	}
	cs = cJSON_GetObjectItemCaseSensitive(b->doc, "CalculatedSpend");
	for (int i = 0; i < 2; i++) {
		cJSON *s = cJSON_GetObjectItemCaseSensitive(cs, i ? "ForecastedSpend" : "ActualSpend");
		if (cJSON_GetObjectItemCaseSensitive(s, "Amount"))
			cJSON_ReplaceItemInObjectCaseSensitive(s, "Amount", cJSON_CreateString("0"));
	}
	usage_budget_new_period(sim, acct, b);
	reply_ok(sim, req);
	budget_actions_run(sim, acct->id);
out:
	strbuf_release(&name);
	cJSON_Delete(doc);
}

static int credential_item(const char *key, void *v, void *ctx)
{
	const struct credential *cr = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "access_key_id", cr->akid);
	cJSON_AddStringToObject(o, "account", cr->account);
	cJSON_AddStringToObject(o, "arn", cr->arn);
	cJSON_AddStringToObject(o, "source", cr->source);
	cJSON_AddNumberToObject(o, "expires_ms", (double)cr->expires_ms);
	cJSON_AddBoolToObject(o, "temporary", cr->token != NULL);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int expire_one(const char *key, void *v, void *ctx)
{
	struct credential *cr = v;
	const char *only = ctx;

	(void)key;
	if (cr->token && (!only || !strcmp(only, cr->akid)))
		cr->expires_ms = ids_now_ms() - 1;
	return 0;
}

static void credentials_expire(struct awsim *sim, struct http_request *req)
{
	cJSON *doc = body_json(sim, req);
	const cJSON *akid;

	if (!doc)
		return;
	akid = cJSON_GetObjectItemCaseSensitive(doc, "access_key_id");
	if (akid && (!cJSON_IsString(akid) || !omap_get(&sim->credentials, akid->valuestring))) {
		reply_error(sim, req, 404, "no such access key");
	} else {
		omap_walk(&sim->credentials, expire_one, akid ? akid->valuestring : NULL);
		if (!akid)
			sim->imds_cred = sim->ecs_cred = NULL;
		reply_ok(sim, req);
	}
	cJSON_Delete(doc);
}

static void config(struct awsim *sim, struct http_request *req)
{
	cJSON *doc = cJSON_CreateObject(), *regions = cJSON_AddArrayToObject(doc, "regions");

	cJSON_AddStringToObject(doc, "account", sim->cfg.account);
	for (size_t i = 0; i < sim->cfg.n_regions; i++)
		cJSON_AddItemToArray(regions, cJSON_CreateString(sim->cfg.regions[i]));
	cJSON_AddNumberToObject(doc, "temp_credentials_ttl", (double)sim->cfg.temp_ttl_s);
	cJSON_AddStringToObject(doc, "instance_role", sim->cfg.instance_role);
	cJSON_AddNumberToObject(doc, "max_body_bytes", AWSIM_MAX_BODY);
	awsim_reply_json(sim, req, 200, doc);
}

void admin_handle(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *path = m->path + strlen("/_awsim"), *method = m->method;
	bool get = !strcmp(method, "GET"), put = !strcmp(method, "PUT") || !strcmp(method, "POST");
	bool del = !strcmp(method, "DELETE");
	cJSON *doc;

	budget_actions_land(sim); /* the state as it stands now */
	if (!http_request_is_local(req)) {
		reply_error(sim, req, 403, "the admin API answers loopback peers only");
	} else if (!strcmp(path, "/health") && get) {
		reply_ok(sim, req);
	} else if (!strcmp(path, "/config") && get) {
		config(sim, req);
	} else if (!strcmp(path, "/state") && get) {
		awsim_reply_json(sim, req, 200, persist_to_json(sim));
	} else if (!strcmp(path, "/reset") && put) {
		reset_all(sim);
		reply_ok(sim, req);
	} else if (!strcmp(path, "/save") && put) {
		if (!sim->cfg.state_path)
			reply_error(sim, req, 409, "awsim runs without --state");
		else if (persist_save(sim, sim->cfg.state_path) < 0)
			reply_error(sim, req, 500, "saving the state failed");
		else
			reply_ok(sim, req);
	} else if (!strcmp(path, "/requests") && get) {
		awsim_reply_json(sim, req, 200, requests_to_json(sim));
	} else if (!strcmp(path, "/calls") && get) {
		awsim_reply_json(sim, req, 200, stats_to_json(sim));
	} else if ((!strcmp(path, "/calls") && del) || (!strcmp(path, "/calls/reset") && put)) {
		stats_reset(sim);
		reply_ok(sim, req);
	} else if (!strcmp(path, "/faults") && get) {
		awsim_reply_json(sim, req, 200, faults_to_json(&sim->faults));
	} else if (!strcmp(path, "/faults") && put) {
		faults_put(sim, req);
	} else if (!strcmp(path, "/faults") && del) {
		faults_load_json(&sim->faults, "{}", 2, &(char *){ NULL });
		awsim_reply_json(sim, req, 200, faults_to_json(&sim->faults));
	} else if (!strcmp(path, "/quotas") && (get || put)) {
		quotas(sim, req, put);
	} else if (!strncmp(path, "/budgets/", 9) && put && strlen(path) > 15 &&
		   !strcmp(path + strlen(path) - 6, "/spend")) {
		char *name = xstrndup(path + 9, strlen(path) - 15);
		budget_spend(sim, req, name);
		free(name);
	} else if (!strncmp(path, "/budgets/", 9) && put && strlen(path) > 20 &&
		   !strcmp(path + strlen(path) - 11, "/new-period")) {
		char *name = xstrndup(path + 9, strlen(path) - 20);
		budget_new_period(sim, req, name);
		free(name);
	} else if (!strcmp(path, "/credentials") && get) {
		doc = cJSON_CreateArray();
		omap_walk(&sim->credentials, credential_item, doc);
		awsim_reply_json(sim, req, 200, doc);
	} else if (!strcmp(path, "/credentials/expire") && put) {
		credentials_expire(sim, req);
	} else {
		reply_error(sim, req, 404, "no such admin endpoint (see docs/awsim.md)");
	}
}
