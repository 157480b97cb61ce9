/* What each bedrock-tenantctl command asks the daemon and how it shows the answer.
 * The command table that names them is in ctl.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control_api.h"
#include "ctl.h"
#include "ctl_history.h"
#include "ctl_http.h"
#include "uri.h"
#include "xalloc.h"

cJSON *ctl_fetch(const struct ctl *c, const char *method, const char *path, long *ret_status, int *ret_exit)
{
	struct ctl_answer a = { 0 };
	char err[512];
	cJSON *j;

	if (ctl_request_bounded(c->socket, method, path, c->timeout_ms, c->stop, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "bedrock-tenantctl: %s\n", err);
		*ret_exit = EXIT_UNREACHABLE;
		return NULL;
	}
	*ret_status = a.status;
	j = cJSON_Parse(a.body);
	if (!j) {
		fprintf(stderr, "bedrock-tenantctl: the daemon answered %ld with a body that is not JSON\n", a.status);
		*ret_exit = EXIT_PROBLEM;
	}
	ctl_answer_release(&a);
	return j;
}

int ctl_error_exit(long status, const cJSON *j)
{
	const cJSON *e = cJSON_GetObjectItem(j, "error");

	fprintf(stderr, "bedrock-tenantctl: %s\n", cJSON_IsString(e) ? e->valuestring : "request failed");
	return status == 404 ? EXIT_NOT_FOUND : status == 400 ? EXIT_USAGE : EXIT_PROBLEM;
}

static void print_json(FILE *out, const cJSON *j)
{
	char *text = cJSON_Print(j);

	fprintf(out, "%s\n", text);
	free(text);
}

int ctl_show(const struct ctl *c, const struct ctl_view *v, FILE *out, const cJSON *j)
{
	switch (c->output) {
	case CTL_OUT_JSON:
		print_json(out, j);
		return v->exit_of(j);
	case CTL_OUT_NAME:
		v->name(out, j);
		return v->exit_of(j);
	default:
		return v->render(out, j, c->output == CTL_OUT_WIDE);
	}
}

static char *encoded(const char *s)
{
	struct strbuf sb;

	strbuf_init(&sb, 4096);
	uri_encode_str(&sb, s, false);
	return strbuf_detach(&sb, NULL);
}

/* The path of route r (control_api.h), its {id} segment the percent-encoded id. */
static char *route_path(enum control_route r, const char *id)
{
	const char *pattern = control_routes[r].pattern, *hole = strstr(pattern, "{id}");
	char *enc, *path;

	if (!hole)
		return xstrdup(pattern);
	enc = encoded(id ? id : "");
	path = xasprintf("%.*s%s%s", (int)(hole - pattern), pattern, enc, hole + 4);
	free(enc);
	return path;
}

/* GET path and show it with v (or watch it); takes path. */
static int show(struct ctl *c, char *path, const struct ctl_view *v)
{
	long status = 0;
	int rc = 0;
	cJSON *j;

	if (c->watch) {
		rc = ctl_watch(c, path, v);
		free(path);
		return rc;
	}
	j = ctl_fetch(c, "GET", path, &status, &rc);
	free(path);
	if (!j)
		return rc;
	if (status >= 400 && status != 503)
		rc = ctl_error_exit(status, j);
	else
		rc = ctl_show(c, v, stdout, j);
	cJSON_Delete(j);
	return rc;
}

/* POST path; takes it. */
static int post(const struct ctl *c, char *path, const char *done_text)
{
	long status = 0;
	int rc = 0;
	cJSON *j = ctl_fetch(c, "POST", path, &status, &rc);

	free(path);
	if (!j)
		return rc;
	if (status >= 400) {
		rc = ctl_error_exit(status, j);
	} else if (c->output == CTL_OUT_JSON) {
		print_json(stdout, j);
	} else {
		const cJSON *n = cJSON_GetObjectItem(j, "approved");
		if (cJSON_IsNumber(n))
			printf("held deletions released for %d tenant(s)\n", n->valueint);
		else
			printf("%s\n", done_text);
	}
	cJSON_Delete(j);
	return rc;
}

static int probe(const struct ctl *c, enum control_route r)
{
	long status = 0;
	int rc = 0;
	cJSON *j = ctl_fetch(c, "GET", control_routes[r].pattern, &status, &rc);

	if (!j)
		return rc;
	if (c->output == CTL_OUT_JSON)
		print_json(stdout, j);
	else
		printf("%s\n", status == 200 ? (r == CONTROL_READY ? "ready" : "ok") : "not ready");
	cJSON_Delete(j);
	return status == 200 ? 0 : EXIT_PROBLEM;
}

int cmd_status(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return show(c, route_path(CONTROL_STATUS, NULL), &view_status);
}

int cmd_tenants(struct ctl *c, char **argv, int argc)
{
	char *path = route_path(CONTROL_TENANTS, NULL);

	(void)argv, (void)argc;
	if (c->states) {
		char *s = encoded(c->states), *q = xasprintf("%s?state=%s", path, s);
		free(s);
		free(path);
		path = q;
	}
	return show(c, path, &view_tenants);
}

int cmd_tenant(struct ctl *c, char **argv, int argc)
{
	(void)argc;
	return show(c, route_path(CONTROL_TENANT, argv[0]), &view_tenant);
}

int cmd_resolve(struct ctl *c, char **argv, int argc)
{
	char *t = encoded(argv[0]), *p = encoded(argv[1]);
	char *path = xasprintf("%s?tenant=%s&profile=%s", control_routes[CONTROL_RESOLVE].pattern, t, p);

	(void)argc;
	free(t);
	free(p);
	return show(c, path, &view_resolve);
}

int cmd_places(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return show(c, route_path(CONTROL_PLACES, NULL), &view_places);
}

int cmd_history(struct ctl *c, char **argv, int argc)
{
	return ctl_history(c->socket, c->output == CTL_OUT_JSON, argc ? argv[0] : NULL);
}

int cmd_reconcile(struct ctl *c, char **argv, int argc)
{
	return post(c, argc ? route_path(CONTROL_TENANT_RECONCILE, argv[0]) : route_path(CONTROL_RECONCILE, NULL),
		    "reconcile queued");
}

int cmd_resync(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, route_path(CONTROL_RESYNC, NULL), "listing everything again");
}

int cmd_pause(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, route_path(CONTROL_PAUSE, NULL), "mutating calls paused");
}

int cmd_resume(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, route_path(CONTROL_RESUME, NULL), "mutating calls resumed");
}

int cmd_approve_prune(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, route_path(CONTROL_PRUNE_APPROVE, NULL), "approved");
}

int cmd_health(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return probe(c, CONTROL_HEALTH);
}

int cmd_ready(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return probe(c, CONTROL_READY);
}

int cmd_wait_ready(struct ctl *c, char **argv, int argc)
{
	double seconds = 300;

	if (argc && ctl_parse_seconds(argv[0], &seconds) < 0) {
		fprintf(stderr, "bedrock-tenantctl: wait-ready: '%s' is not a number of seconds\n", argv[0]);
		return EXIT_USAGE;
	}
	for (double waited = 0; waited <= seconds; waited += 0.2) {
		struct ctl_answer a = { 0 };
		char err[512];
		if (ctl_request_bounded(c->socket, "GET", control_routes[CONTROL_READY].pattern, c->timeout_ms, NULL,
					&a, err, sizeof(err)) == 0) {
			long status = a.status;
			ctl_answer_release(&a);
			if (status == 200) {
				if (c->output != CTL_OUT_JSON)
					printf("ready\n");
				return 0;
			}
		}
		usleep(200000);
	}
	fprintf(stderr, "bedrock-tenantctl: the daemon was not ready within %.0f s\n", seconds);
	return EXIT_PROBLEM;
}

/* The client's version, and the daemon's when it answers (within 5 s at most): exit
 * 0 either way, the daemon's absence noted on stderr. */
int cmd_version(struct ctl *c, char **argv, int argc)
{
	struct ctl short_c = *c;
	long status = 0;
	int rc = 0;
	cJSON *j, *out;
	const cJSON *v;

	(void)argv, (void)argc;
	if (short_c.timeout_ms > 5000)
		short_c.timeout_ms = 5000;
	if (c->output != CTL_OUT_JSON) {
		printf("bedrock-tenantctl %s\n", BTD_VERSION);
		fflush(stdout);
	}
	j = ctl_fetch(&short_c, "GET", control_routes[CONTROL_HEALTH].pattern, &status, &rc);
	v = cJSON_GetObjectItem(j, "version");
	if (c->output == CTL_OUT_JSON) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "client", BTD_VERSION);
		cJSON_AddItemToObject(out, "daemon",
				      cJSON_IsString(v) ? cJSON_CreateString(v->valuestring) : cJSON_CreateNull());
		print_json(stdout, out);
		cJSON_Delete(out);
	} else if (j) {
		printf("bedrock-tenantd %s (at %s)\n", cJSON_IsString(v) ? v->valuestring : "(version unknown)",
		       c->socket);
	}
	cJSON_Delete(j);
	return 0;
}
