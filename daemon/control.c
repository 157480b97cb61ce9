#include "control.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control_json.h"
#include "http_server.h"
#include "log.h"
#include "uri.h"
#include "xalloc.h"

#define CONTROL_MAX_CONNECTIONS 64
#define CONTROL_MAX_BODY	4096
#define CONTROL_MAX_HEAD	8192
/* A local client sends its whole request at once: 5 s is generous, and bounds how
 * long slow clients can hold the 64 connections (docs/control-api.md). */
#define CONTROL_REQUEST_MS 5000
#define CONTROL_IDLE_MS	   10000

struct control {
	struct http_server *server;
	struct engine *e;
	const struct control_info *info;
	void (*done)(void *);
	void *done_data;
};

bool control_socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

static void respond_json(struct http_request *req, int status, cJSON *body)
{
	static const struct http_header headers[] = { { "Content-Type", "application/json" } };
	char *text = cJSON_PrintUnformatted(body);

	http_respond(req, status, headers, 1, text, strlen(text));
	free(text);
	cJSON_Delete(body);
}

static void respond_error(struct http_request *req, int status, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", message);
	respond_json(req, status, o);
}

static void respond_ok(struct http_request *req, int status, const char *key, const char *value)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, key, value);
	respond_json(req, status, o);
}

/* Value of name in a query string, decoded; NULL when absent. Owned by the caller. */
static char *query_param(const char *query, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			struct strbuf v;
			strbuf_init(&v, 1024);
			if (uri_decode(&v, p + nlen + 1, len - nlen - 1, true) < 0) {
				strbuf_release(&v);
				return NULL;
			}
			return strbuf_detach(&v, NULL);
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static bool method_is(const struct http_message *m, const char *method)
{
	return strcmp(m->method, method) == 0;
}

/* /v1/tenants/{id}[/reconcile]: the id (decoded, owned) and whether the suffix is there. */
static char *tenant_path(const char *path, bool *reconcile)
{
	const char *rest = path + strlen("/v1/tenants/");
	const char *slash = strchr(rest, '/');
	struct strbuf id;

	*reconcile = false;
	if (slash) {
		if (strcmp(slash, "/reconcile") != 0)
			return NULL;
		*reconcile = true;
	}
	strbuf_init(&id, 256);
	if (uri_decode(&id, rest, slash ? (size_t)(slash - rest) : strlen(rest), false) < 0 || !id.len) {
		strbuf_release(&id);
		return NULL;
	}
	return strbuf_detach(&id, NULL);
}

static void route(struct control *c, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	const char *path = m->path;
	bool get = method_is(m, "GET") || method_is(m, "HEAD"), post = method_is(m, "POST");

	if (strcmp(path, "/v1/health") == 0 && get) {
		respond_ok(req, 200, "status", "ok");
	} else if (strcmp(path, "/v1/ready") == 0 && get) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "ready", engine_ready(c->e));
		respond_json(req, engine_ready(c->e) ? 200 : 503, o);
	} else if (strcmp(path, "/v1/status") == 0 && get) {
		respond_json(req, 200, control_json_status(c->e, c->info));
	} else if (strcmp(path, "/v1/tenants") == 0 && get) {
		respond_json(req, 200, control_json_tenants(c->e));
	} else if (strncmp(path, "/v1/tenants/", 12) == 0 && (get || post)) {
		bool reconcile;
		char *id = tenant_path(path, &reconcile);
		const struct tenant_entry *t = id ? engine_tenant(c->e, id) : NULL;
		if (!id || reconcile != post)
			respond_error(req, id ? 405 : 404, id ? "method not allowed" : "no such resource");
		else if (!t)
			respond_error(req, 404, "no such tenant");
		else if (post)
			respond_ok(req, 202, "status", engine_reconcile_tenant(c->e, id) == 0 ? "queued" : "unknown");
		else
			respond_json(req, 200, control_json_tenant(c->e, t));
		free(id);
	} else if (strcmp(path, "/v1/resolve") == 0 && get) {
		char *tenant = query_param(m->query, "tenant"), *profile = query_param(m->query, "profile");
		int status;
		const char *error = NULL;
		cJSON *o = tenant && profile ? control_json_resolve(c->e, tenant, profile, &status, &error) : NULL;
		if (!tenant || !profile)
			respond_error(req, 400, "both tenant= and profile= are required");
		else if (!o)
			respond_error(req, status, error);
		else
			respond_json(req, 200, o);
		free(tenant);
		free(profile);
	} else if (strcmp(path, "/v1/reconcile") == 0 && post) {
		engine_reconcile_all(c->e);
		respond_ok(req, 202, "status", "queued");
	} else if (strcmp(path, "/v1/resync") == 0 && post) {
		engine_resync(c->e);
		respond_ok(req, 202, "status", "listing");
	} else if (strcmp(path, "/v1/pause") == 0 && post) {
		engine_pause(c->e);
		respond_ok(req, 200, "status", "paused");
	} else if (strcmp(path, "/v1/resume") == 0 && post) {
		engine_resume(c->e);
		respond_ok(req, 200, "status", "resumed");
	} else if (strcmp(path, "/v1/prune/approve") == 0 && post) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "approved", (double)engine_approve_prune(c->e));
		respond_json(req, 200, o);
	} else if (strcmp(path, "/metrics") == 0 && get) {
		static const struct http_header headers[] = { { "Content-Type", "text/plain; version=0.0.4" } };
		struct strbuf out;
		strbuf_init(&out, STRBUF_NO_CAP);
		control_metrics(c->e, c->info, &out);
		http_respond(req, 200, headers, 1, out.buf, out.len);
		strbuf_release(&out);
	} else {
		static const char *const known[] = { "/v1/health",	  "/v1/ready",	   "/v1/status", "/v1/tenants",
						     "/v1/resolve",	  "/v1/reconcile", "/v1/pause",	 "/v1/resume",
						     "/v1/prune/approve", "/metrics" };
		bool exists = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			exists |= strcmp(path, known[i]) == 0;
		respond_error(req, exists ? 405 : 404, exists ? "method not allowed" : "no such resource");
	}
}

static void on_request(struct http_request *req, void *data)
{
	int err = http_request_error(req);

	if (err) {
		respond_error(req, err, "request too large");
		return;
	}
	route(data, req);
}

int control_open(uv_loop_t *loop, struct engine *e, const struct control_info *info, const char *path, unsigned mode,
		 const char *group, struct control **ret)
{
	struct control *c = xcalloc(1, sizeof(*c));
	struct http_server_config cfg = {
		.limits = { .max_header_bytes = CONTROL_MAX_HEAD,
			    .max_headers = 32,
			    .max_body_bytes = CONTROL_MAX_BODY },
		.max_connections = CONTROL_MAX_CONNECTIONS,
		.idle_timeout_ms = CONTROL_IDLE_MS,
		.request_timeout_ms = CONTROL_REQUEST_MS,
		.handler = on_request,
		.data = c,
		.errors_to_handler = true,
	};
	int r;

	if (control_socket_live(path)) {
		free(c);
		return -EADDRINUSE;
	}
	c->e = e;
	c->info = info;
	r = http_server_new(loop, &cfg, &c->server);
	if (r < 0) {
		free(c);
		return r;
	}
	r = http_server_listen_unix(c->server, path, mode);
	if (r == 0 && group) {
		struct group *g = getgrnam(group);
		if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0)
			r = g ? -errno : -ENOENT;
	}
	if (r < 0) {
		http_server_close(c->server, free, c);
		return r;
	}
	*ret = c;
	return 0;
}

static void server_closed(void *data)
{
	struct control *c = data;

	if (c->done)
		c->done(c->done_data);
	free(c);
}

void control_close(struct control *c, void (*done)(void *data), void *data)
{
	c->done = done;
	c->done_data = data;
	http_server_close(c->server, server_closed, c);
}
