#include "control.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "control_api.h"
#include "control_json.h"
#include "http_server.h"
#include "log.h"
#include "rules.h"
#include "uri.h"
#include "usage_ce.h"
#include "usage_json.h"
#include "usage_map.h"
#include "xalloc.h"

#define CONTROL_MAX_BODY 4096
#define CONTROL_MAX_HEAD 8192
/* A local client sends its whole request at once: 5 s is generous, and bounds how
 * long slow clients can hold the 64 connections (docs/control-api.md). */
#define CONTROL_REQUEST_MS 5000
#define CONTROL_IDLE_MS	   10000
/* How often the socket file is looked at (one lstat): removed by hand, it is made again. */
#define CONTROL_CHECK_MS 10000
/* A usage query refused as too many at once (usage_query.h): when to ask again. */
#define USAGE_RETRY_AFTER "5"

struct control {
	struct http_server *server;
	struct engine *e;
	const struct control_info *info;
	/* the socket as configured, to make it again when it was removed (check) */
	char *path;
	unsigned mode;
	char *group;
	uv_timer_t check;
	bool lost;	  /* the socket file is gone: not listening until made again */
	bool lost_logged; /* why it cannot be made again was logged */
	int closing;	  /* control_close: handles not closed yet */
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

/* A query parameter's value, decoded, is at most this long: more is refused as a value
 * that does not decode (the messages below say so). */
#define QUERY_VALUE_MAX	 1024
#define QUERY_VALUE_RULE "valid percent-encoded text without NUL, at most 1024 bytes"

/* Decodes len bytes of s (percent escapes; '+' as space in a query) into *ret, owned
 * by the caller. -EINVAL for a malformed escape or an escaped NUL, which would cut
 * the text short and make it name something else, or for more than QUERY_VALUE_MAX. */
static int decode(const char *s, size_t len, bool plus_is_space, char **ret)
{
	struct strbuf v;

	strbuf_init(&v, QUERY_VALUE_MAX);
	if (uri_decode(&v, s, len, plus_is_space) < 0 || strlen(v.buf) != v.len) {
		strbuf_release(&v);
		return -EINVAL;
	}
	*ret = strbuf_detach(&v, NULL);
	return 0;
}

/* The value of name in a query string, decoded, in *ret (owned by the caller; NULL
 * when absent). -EINVAL when it does not decode. */
static int query_param(const char *query, const char *name, char **ret)
{
	size_t nlen = strlen(name);

	*ret = NULL;
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=')
			return decode(p + nlen + 1, len - nlen - 1, true, ret);
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* ---- the routes ---- */

/* A handler gets the request and the {id} path segment (still encoded; NULL when the
 * route has none). */
typedef void (*route_fn)(struct control *c, struct http_request *req, const char *id, size_t id_len);

static void get_health(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	cJSON *o = cJSON_CreateObject();

	(void)id, (void)id_len;
	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddStringToObject(o, "version", c->info->version);
	respond_json(req, 200, o);
}

static void get_ready(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	cJSON *o = cJSON_CreateObject();

	(void)id, (void)id_len;
	cJSON_AddBoolToObject(o, "ready", engine_ready(c->e));
	respond_json(req, engine_ready(c->e) ? 200 : 503, o);
}

static void get_status(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	cJSON *o;

	engine_store_look(c->e); /* its files removed by hand: said now, not at the next look */
	o = control_json_status(c->e, c->info);

	(void)id, (void)id_len;
	if (c->info->usage) /* each place of usage: its cursor, counts and problem */
		cJSON_AddItemToObject(o, "usage", usage_reader_status_json(c->info->usage));
	if (c->info->usage && usage_reader_queries(c->info->usage)) { /* the usage queries under way */
		const struct usage_queries *q = usage_reader_queries(c->info->usage);
		cJSON *j = cJSON_AddObjectToObject(o, "usage_queries");
		cJSON_AddNumberToObject(j, "running", (double)usage_queries_running(q));
		cJSON_AddNumberToObject(j, "waiting", (double)usage_queries_waiting(q));
		cJSON_AddNumberToObject(j, "refused", (double)usage_queries_refused(q));
	}
	if (c->info->usage && usage_reader_ce(c->info->usage)) /* Cost Explorer's figure: when, and what failed */
		cJSON_AddItemToObject(o, "usage_cost_explorer", usage_ce_status_json(usage_reader_ce(c->info->usage)));
	respond_json(req, 200, o);
}

static void get_places(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	(void)id, (void)id_len;
	respond_json(req, 200, engine_places_json(c->e));
}

/* state=: comma-separated state names (case-insensitive) into a mask of 1 << state.
 * -EINVAL with the first unknown name in *ret_bad (owned by the caller). */
static int parse_states(const char *list, unsigned *ret_mask, char **ret_bad)
{
	unsigned mask = 0;

	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		int s = -1;
		for (int i = 0; i < TENANT__STATE_COUNT && s < 0; i++)
			if (len == strlen(tenant_state_name(i)) && strncasecmp(p, tenant_state_name(i), len) == 0)
				s = i;
		if (s < 0) {
			*ret_bad = xstrndup(p, len);
			return -EINVAL;
		}
		mask |= 1u << s;
		if (!p[len])
			break;
		p += len + 1;
	}
	*ret_mask = mask;
	return 0;
}

static void get_tenants(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	char *states = NULL, *bad = NULL, *message;
	unsigned mask = 0;
	struct strbuf names;

	(void)id, (void)id_len;
	if (query_param(http_request_message(req)->query, "state", &states) < 0) {
		respond_error(req, 400, "state= must be " QUERY_VALUE_RULE);
		return;
	}
	if (states && parse_states(states, &mask, &bad) < 0) {
		strbuf_init(&names, 1024);
		for (int i = 0; i < TENANT__STATE_COUNT; i++)
			strbuf_addf(&names, "%s%s", i ? ", " : "", tenant_state_name(i));
		message = xasprintf("unknown tenant state '%.64s' in state=; the states are %s (several: "
				    "comma-separated)",
				    bad, names.buf);
		respond_error(req, 400, message);
		free(message);
		strbuf_release(&names);
	} else {
		respond_json(req, 200, control_json_tenants(c->e, mask));
	}
	free(states);
	free(bad);
}

/* The tenant a path names, or NULL after answering 400 (not a tenant id) or 404. */
static const struct tenant_entry *path_tenant(struct control *c, struct http_request *req, const char *id,
					      size_t id_len)
{
	const struct tenant_entry *t;
	char *text = NULL;

	if (decode(id, id_len, false, &text) < 0 || rule_tenant_id(text)) {
		respond_error(req, 400, "not a tenant id");
		free(text);
		return NULL;
	}
	t = engine_tenant(c->e, text);
	free(text);
	if (!t)
		respond_error(req, 404, "no such tenant");
	return t;
}

static void get_tenant(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	const struct tenant_entry *t = path_tenant(c, req, id, id_len);

	struct history_lines kept = { 0 };
	const char *error = NULL;

	if (!t)
		return;
	/* the lines the state store keeps, with those only the tenant's entry holds */
	if (c->info->audit)
		audit_tenant_lines(c->info->audit, t->id, &kept, &error);
	respond_json(req, 200, control_json_tenant(c->e, t, &kept, error));
	history_lines_release(&kept);
}

static void post_tenant_reconcile(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	const struct tenant_entry *t = path_tenant(c, req, id, id_len);

	if (t)
		respond_ok(req, 202, "status", engine_reconcile_tenant(c->e, t->id) == 0 ? "queued" : "unknown");
}

static void get_resolve(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	const struct http_message *m = http_request_message(req);
	char *tenant = NULL, *profile = NULL;
	const char *error = NULL;
	cJSON *o;
	int status;

	(void)id, (void)id_len;
	if (query_param(m->query, "tenant", &tenant) < 0 || query_param(m->query, "profile", &profile) < 0)
		respond_error(req, 400, "tenant= and profile= must be " QUERY_VALUE_RULE);
	else if (!tenant || !profile)
		respond_error(req, 400, "both tenant= and profile= are required");
	else if (rule_tenant_id(tenant))
		respond_error(req, 400, "tenant= is not a tenant id");
	else if (rule_profile_key(profile))
		respond_error(req, 400, "profile= is not a profile key");
	else if (!(o = control_json_resolve(c->e, tenant, profile, &status, &error)))
		respond_error(req, status, error);
	else
		respond_json(req, 200, o);
	free(tenant);
	free(profile);
}

static void post_reconcile(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	(void)id, (void)id_len;
	engine_reconcile_all(c->e);
	respond_ok(req, 202, "status", "queued");
}

static void post_resync(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	(void)id, (void)id_len;
	engine_resync(c->e);
	respond_ok(req, 202, "status", "listing");
}

static void post_pause(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	(void)id, (void)id_len;
	engine_pause(c->e);
	respond_ok(req, 200, "status", "paused");
}

static void post_resume(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	(void)id, (void)id_len;
	engine_resume(c->e);
	respond_ok(req, 200, "status", "resumed");
}

static void post_prune_approve(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	cJSON *o = cJSON_CreateObject();

	(void)id, (void)id_len;
	cJSON_AddNumberToObject(o, "approved", (double)engine_approve_prune(c->e));
	respond_json(req, 200, o);
}

static void get_metrics(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	static const struct http_header headers[] = { { "Content-Type", "text/plain; version=0.0.4" } };
	struct strbuf out;

	(void)id, (void)id_len;
	strbuf_init(&out, STRBUF_NO_CAP);
	control_metrics(c->e, c->info, &out);
	http_respond(req, 200, headers, 1, out.buf, out.len);
	strbuf_release(&out);
}

/* ?limit= of the history routes: 1..CONTROL_HISTORY_MAX, CONTROL_HISTORY_DEFAULT
 * when absent; -EINVAL (answered 400) otherwise. */
#define CONTROL_HISTORY_DEFAULT 100
#define CONTROL_HISTORY_MAX	1000

static int history_limit(struct http_request *req, size_t *ret)
{
	char *v = NULL, *end;
	long n;

	*ret = CONTROL_HISTORY_DEFAULT;
	if (query_param(http_request_message(req)->query, "limit", &v) < 0)
		return -EINVAL;
	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > CONTROL_HISTORY_MAX) {
		free(v);
		return -EINVAL;
	}
	free(v);
	*ret = (size_t)n;
	return 0;
}

static void respond_history(struct control *c, struct http_request *req, const char *tenant)
{
	const char *error = NULL;
	size_t limit;
	cJSON *arr, *o;

	if (history_limit(req, &limit) < 0) {
		respond_error(req, 400, "limit= must be a number from 1 to 1000");
		return;
	}
	if (!c->info->audit) {
		respond_error(req, 503, "no history is kept");
		return;
	}
	arr = audit_history_json(c->info->audit, tenant, limit, &error);
	if (!arr) {
		respond_error(req, 503, error);
		return;
	}
	o = cJSON_CreateObject();
	if (tenant)
		cJSON_AddStringToObject(o, "tenant", tenant);
	cJSON_AddItemToObject(o, "history", arr);
	respond_json(req, 200, o);
}

/* A tenant's history is kept after its removal: an id with none is still 200. */
static void get_tenant_history(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	char *text = NULL;

	if (decode(id, id_len, false, &text) < 0 || rule_tenant_id(text))
		respond_error(req, 400, "not a tenant id");
	else
		respond_history(c, req, text);
	free(text);
}

static void get_history(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	(void)id, (void)id_len;
	respond_history(c, req, NULL);
}

static void get_events(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	static const struct http_header h[] = { { "Content-Type", "text/event-stream" } };

	(void)id, (void)id_len;
	if (!c->info->events)
		respond_error(req, 503, "no event stream");
	else if (strcmp(http_request_message(req)->method, "HEAD") == 0)
		http_respond(req, 200, h, 1, "", 0);
	else
		events_attach(c->info->events, req);
}

/* ---- usage (daemon/usage/usage_json.c) ---- */

/* The days a usage request asks for, or false after answering 400 or 404. */
static bool usage_request(struct control *c, struct http_request *req, int32_t *since, int32_t *until, size_t *limit)
{
	const struct http_message *m = http_request_message(req);
	char *a = NULL, *b = NULL, *l = NULL, *end = NULL;
	const char *error = NULL;
	bool ok = false;

	if (!c->info->usage) {
		respond_error(req, 404, "usage is not configured (usage.places in the configuration)");
		return false;
	}
	if (query_param(m->query, "since", &a) < 0 || query_param(m->query, "until", &b) < 0 ||
	    query_param(m->query, "limit", &l) < 0) {
		respond_error(req, 400, "since=, until= and limit= must be " QUERY_VALUE_RULE);
		goto out;
	}
	if (usage_range_parse(a, b, (int64_t)time(NULL), since, until, &error) < 0) {
		respond_error(req, 400, error);
		goto out;
	}
	*limit = USAGE_RANK_DEFAULT;
	if (l) {
		unsigned long v = strtoul(l, &end, 10);
		if (!*l || *end || l[0] < '0' || l[0] > '9' || v < 1 || v > USAGE_RANK_MAX) {
			respond_error(req, 400, "limit= is a number from 1 to 1000");
			goto out;
		}
		*limit = v;
	}
	ok = true;
out:
	free(a);
	free(b);
	free(l);
	return ok;
}

/* A usage query is over (usage_json.h): its answer, to a client maybe gone (then
 * http_respond only releases req). */
static void usage_answered(void *data, int status, cJSON *body, const char *error)
{
	struct http_request *req = data;

	if (body)
		respond_json(req, status, body);
	else
		respond_error(req, status, error);
}

/* r from usage_json_*: the query was not taken, so answer now. Too many at once is
 * 503 with Retry-After: each one may take seconds over a large store. */
static void usage_refused(struct http_request *req, int r)
{
	static const struct http_header h[] = { { "Content-Type", "application/json" },
						{ "Retry-After", USAGE_RETRY_AFTER } };
	cJSON *o = cJSON_CreateObject();
	char *text = r == -EBUSY ? xasprintf("too many usage queries at once (one runs, %d wait): try again in %s s",
					     USAGE_QUERY_WAITING, USAGE_RETRY_AFTER)
				 : xstrdup("the daemon is stopping");

	cJSON_AddStringToObject(o, "error", text);
	free(text);
	text = cJSON_PrintUnformatted(o);
	http_respond(req, 503, h, r == -EBUSY ? 2 : 1, text, strlen(text));
	free(text);
	cJSON_Delete(o);
}

static void get_usage(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	int32_t since, until;
	size_t limit;
	int r;

	(void)id, (void)id_len;
	if (!usage_request(c, req, &since, &until, &limit))
		return;
	r = usage_json_ranking(c->info->usage, c->e, since, until, limit, usage_answered, req);
	if (r < 0)
		usage_refused(req, r);
}

static void get_tenant_usage(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	const struct tenant_entry *t = path_tenant(c, req, id, id_len);
	int32_t since, until;
	size_t limit;
	int r;

	if (!t || !usage_request(c, req, &since, &until, &limit))
		return;
	r = usage_json_tenant(c->info->usage, c->e, t->id, since, until, usage_answered, req);
	if (r < 0)
		usage_refused(req, r);
}

/* The profile-to-tenant map (usage_map.h): ?format=csv or json (the default). */
static void get_profile_map(struct control *c, struct http_request *req, const char *id, size_t id_len)
{
	static const struct http_header csv_headers[] = { { "Content-Type", "text/csv" } };
	static const struct http_header json_headers[] = { { "Content-Type", "application/json" } };
	char *format = NULL;
	struct strbuf out;
	bool csv;

	(void)id, (void)id_len;
	if (query_param(http_request_message(req)->query, "format", &format) < 0 ||
	    (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)) {
		respond_error(req, 400, "format= is csv or json");
		free(format);
		return;
	}
	csv = format && !strcmp(format, "csv");
	free(format);
	strbuf_init(&out, STRBUF_NO_CAP);
	usage_map(c->e, csv, &out);
	http_respond(req, 200, csv ? csv_headers : json_headers, 1, out.buf, out.len);
	strbuf_release(&out);
}

/* The handler of every route of control_api.h: a known path asked with another method
 * is 405 with Allow, an unknown one 404. */
static const route_fn handlers[CONTROL__ROUTE_COUNT] = {
	[CONTROL_HEALTH] = get_health,	 [CONTROL_READY] = get_ready,
	[CONTROL_STATUS] = get_status,	 [CONTROL_TENANTS] = get_tenants,
	[CONTROL_TENANT] = get_tenant,	 [CONTROL_TENANT_RECONCILE] = post_tenant_reconcile,
	[CONTROL_RESOLVE] = get_resolve, [CONTROL_RECONCILE] = post_reconcile,
	[CONTROL_RESYNC] = post_resync,	 [CONTROL_PAUSE] = post_pause,
	[CONTROL_RESUME] = post_resume,	 [CONTROL_PRUNE_APPROVE] = post_prune_approve,
	[CONTROL_METRICS] = get_metrics, [CONTROL_TENANT_HISTORY] = get_tenant_history,
	[CONTROL_HISTORY] = get_history, [CONTROL_EVENTS] = get_events,
	[CONTROL_USAGE] = get_usage,	 [CONTROL_TENANT_USAGE] = get_tenant_usage,
	[CONTROL_PLACES] = get_places,	 [CONTROL_PROFILE_MAP] = get_profile_map,
};

/* Whether path matches pattern; the {id} segment, if any, in *ret_id and *ret_len. */
static bool path_matches(const char *pattern, const char *path, const char **ret_id, size_t *ret_len)
{
	const char *hole = strstr(pattern, "{id}");
	size_t head, seg;

	*ret_id = NULL;
	*ret_len = 0;
	if (!hole)
		return strcmp(pattern, path) == 0;
	head = (size_t)(hole - pattern);
	if (strncmp(pattern, path, head) != 0)
		return false;
	seg = strcspn(path + head, "/");
	if (!seg || strcmp(hole + 4, path + head + seg) != 0)
		return false;
	*ret_id = path + head;
	*ret_len = seg;
	return true;
}

static void route(struct control *c, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	unsigned method = strcmp(m->method, "GET") == 0 || strcmp(m->method, "HEAD") == 0 ? CONTROL_GET
			  : strcmp(m->method, "POST") == 0				  ? CONTROL_POST
											  : 0;
	unsigned allowed = 0;

	for (size_t i = 0; i < CONTROL__ROUTE_COUNT; i++) {
		const char *id;
		size_t id_len;
		if (!path_matches(control_routes[i].pattern, m->path, &id, &id_len))
			continue;
		if (control_routes[i].method == method) {
			handlers[i](c, req, id, id_len);
			return;
		}
		allowed |= control_routes[i].method;
	}
	if (allowed) {
		struct http_header h[] = { { "Content-Type", "application/json" },
					   { "Allow", allowed == CONTROL_GET	? "GET, HEAD"
						      : allowed == CONTROL_POST ? "POST"
										: "GET, HEAD, POST" } };
		static const char body[] = "{\"error\":\"method not allowed\"}";
		http_respond(req, 405, h, 2, body, sizeof(body) - 1);
		return;
	}
	respond_error(req, 404, "no such resource");
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

static void set_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(char **ret_error, const char *fmt, ...)
{
	va_list ap;

	if (!ret_error)
		return;
	va_start(ap, fmt);
	*ret_error = xvasprintf(fmt, ap);
	va_end(ap);
}

/* What went wrong binding path, in words that point at the cause. */
static void listen_error(const char *path, int r, char **ret_error)
{
	const char *slash = strrchr(path, '/');
	int dir_len = !slash ? 1 : slash == path ? 1 : (int)(slash - path);
	const char *dir = slash ? path : ".";

	switch (r) {
	case -ENAMETOOLONG:
		set_error(ret_error, "the path is %zu bytes long; a UNIX socket path holds at most %zu", strlen(path),
			  (size_t)HTTP_UNIX_PATH_MAX);
		break;
	case -ENOENT:
		set_error(ret_error, "directory %.*s does not exist", dir_len, dir);
		break;
	case -ENOTDIR:
		set_error(ret_error, "%.*s is not a directory", dir_len, dir);
		break;
	case -EEXIST:
		set_error(ret_error, "a file that is not a socket is in the way; not replacing it");
		break;
	default:
		set_error(ret_error, "cannot create the socket in %.*s: %s", dir_len, dir, strerror(-r));
	}
}

static bool member_of(gid_t gid)
{
	int n = getgroups(0, NULL);
	gid_t *groups;
	bool found = getegid() == gid;

	if (found || n <= 0)
		return found;
	groups = xcalloc((size_t)n, sizeof(*groups));
	n = getgroups(n, groups);
	for (int i = 0; i < n && !found; i++)
		found = groups[i] == gid;
	free(groups);
	return found;
}

/* socket.group: hand the socket to group. Without privilege a process can only give
 * its files to a group it is a member of; under systemd the unit must also allow
 * chown (SystemCallFilter=@chown, in the shipped unit). */
static int give_to_group(const char *path, const char *group, char **ret_error)
{
	struct group *g;
	int r;

	errno = 0;
	g = getgrnam(group);
	if (!g) {
		r = errno ? -errno : -ENOENT;
		if (r == -ENOENT || r == -ESRCH || r == -EBADF || r == -EPERM)
			set_error(ret_error, "group '%s' (socket.group) does not exist", group);
		else
			set_error(ret_error, "looking up group '%s' (socket.group): %s", group, strerror(-r));
		return -ENOENT;
	}
	if (geteuid() != 0 && !member_of(g->gr_gid)) {
		set_error(ret_error,
			  "the daemon (uid %u) is not a member of group '%s' (socket.group), so it cannot give the "
			  "socket to it: add its user to the group (under systemd: SupplementaryGroups=%s)",
			  (unsigned)geteuid(), group, group);
		return -EPERM;
	}
	if (chown(path, (uid_t)-1, g->gr_gid) < 0) {
		r = -errno;
		set_error(ret_error, "chown to group '%s' (socket.group): %s%s", group, strerror(-r),
			  r == -EPERM ? " (is chown forbidden by a system call filter? the unit needs "
					"SystemCallFilter=@chown)"
				      : "");
		return r;
	}
	return 0;
}

/* The socket file removed by hand (a cleanup of the runtime directory, a mistaken
 * rm): no client could reach the daemon any more. It is made again, unless another
 * process answers at the path now. */
static void on_check(uv_timer_t *t)
{
	struct control *c = t->data;
	char *why = NULL;
	int r;

	if (http_server_drop_lost_unix(c->server))
		c->lost = true;
	if (!c->lost)
		return;
	if (control_socket_live(c->path)) {
		if (!c->lost_logged)
			log_error("control socket %s: removed, and another process answers there now: this daemon "
				  "cannot be reached (stop the other one, then reload or restart this one)",
				  c->path);
		c->lost_logged = true;
		return;
	}
	r = http_server_listen_unix(c->server, c->path, c->mode);
	if (r < 0) {
		if (!c->lost_logged) {
			listen_error(c->path, r, &why);
			log_error("control socket %s: removed, and cannot be made again: %s", c->path, why);
			free(why);
		}
		c->lost_logged = true;
		return;
	}
	c->lost = c->lost_logged = false;
	if (c->group && give_to_group(c->path, c->group, &why) < 0)
		log_error("control socket %s was removed; made again, but: %s", c->path, why);
	else
		log_warning("control socket %s was removed; made again", c->path);
	free(why);
}

void control_check_socket(struct control *c)
{
	on_check(&c->check);
}

int control_open(uv_loop_t *loop, struct engine *e, const struct control_info *info, const char *path, unsigned mode,
		 const char *group, struct control **ret, char **ret_error)
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
		set_error(ret_error, "another bedrock-tenantd answers on %s", path);
		return -EADDRINUSE;
	}
	c->e = e;
	c->info = info;
	r = http_server_new(loop, &cfg, &c->server);
	if (r < 0) {
		free(c);
		set_error(ret_error, "%s", strerror(-r));
		return r;
	}
	r = http_server_listen_unix(c->server, path, mode);
	if (r < 0)
		listen_error(path, r, ret_error);
	else if (group)
		r = give_to_group(path, group, ret_error);
	if (r < 0) {
		http_server_close(c->server, free, c);
		return r;
	}
	c->path = xstrdup(path);
	c->mode = mode;
	c->group = xstrdup_or_null(group);
	uv_timer_init(loop, &c->check);
	c->check.data = c;
	uv_timer_start(&c->check, on_check, CONTROL_CHECK_MS, CONTROL_CHECK_MS);
	*ret = c;
	return 0;
}

/* The check's timer and the server close together (both at once: a failed start
 * closes whatever else is open right after); the last one frees c. */
static void closed_part(struct control *c)
{
	if (--c->closing)
		return;
	if (c->done)
		c->done(c->done_data);
	free(c->path);
	free(c->group);
	free(c);
}

static void server_closed(void *data)
{
	closed_part(data);
}

static void check_closed(uv_handle_t *h)
{
	closed_part(h->data);
}

void control_close(struct control *c, void (*done)(void *data), void *data)
{
	c->done = done;
	c->done_data = data;
	c->closing = 2;
	uv_close((uv_handle_t *)&c->check, check_closed);
	http_server_close(c->server, server_closed, c);
}
