/* What each bedrock-tenantctl command asks the daemon and how it shows the answer.
 * The command table that names them is in ctl.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control_api.h"
#include "ctl.h"
#include "ctl_render.h"
#include "ctl_http.h"
#include "xalloc.h"

void ctl_print_json(FILE *out, const cJSON *j)
{
	char *text = cJSON_Print(j);

	fprintf(out, "%s\n", text);
	free(text);
}

/* JSON goes out as the daemon sent it (control characters escaped by the JSON); a
 * rendering for a terminal shows them as '?' (render_tree_safe). */
int ctl_show(const struct ctl *c, const struct ctl_view *v, FILE *out, const cJSON *j)
{
	cJSON *safe;
	int rc;

	if (c->output == CTL_OUT_JSON) {
		ctl_print_json(out, j);
		return v->exit_of(j);
	}
	safe = cJSON_Duplicate(j, true);
	if (!safe) {
		fprintf(stderr, "bedrock-tenantctl: out of memory\n");
		return EXIT_PROBLEM;
	}
	render_tree_safe(safe);
	if (c->output == CTL_OUT_NAME) {
		v->name(out, safe);
		rc = v->exit_of(safe);
	} else {
		rc = v->render(out, safe, c->output == CTL_OUT_WIDE);
	}
	cJSON_Delete(safe);
	return rc;
}

int ctl_get_show(struct ctl *c, char *path, const struct ctl_view *v)
{
	cJSON *j = NULL;
	int rc;

	if (c->watch) {
		rc = ctl_watch(c, path, v);
		free(path);
		return rc;
	}
	rc = ctl_get_json(c, path, !v->unavailable_fails, &j, NULL);
	free(path);
	if (rc)
		return rc;
	rc = ctl_show(c, v, stdout, j);
	cJSON_Delete(j);
	return rc;
}

/* POST path; takes it. */
static int post(const struct ctl *c, char *path, const char *done_text)
{
	cJSON *j = NULL;
	int rc = ctl_call_json(c, "POST", path, false, &j, NULL);

	free(path);
	if (rc)
		return rc;
	if (c->output == CTL_OUT_JSON) {
		ctl_print_json(stdout, j);
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
	cJSON *j = NULL;
	int rc = ctl_get_json(c, control_routes[r].pattern, true, &j, &status);

	if (rc)
		return rc;
	if (c->output == CTL_OUT_JSON)
		ctl_print_json(stdout, j);
	else
		printf("%s\n", status == 200 ? (r == CONTROL_READY ? "ready" : "ok") : "not ready");
	cJSON_Delete(j);
	return status == 200 ? 0 : EXIT_PROBLEM;
}

int cmd_status(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return ctl_get_show(c, ctl_route_path(CONTROL_STATUS, NULL), &view_status);
}

int cmd_tenants(struct ctl *c, char **argv, int argc)
{
	char *path = ctl_route_path(CONTROL_TENANTS, NULL);

	(void)argv, (void)argc;
	if (c->states) {
		char *s = ctl_encode(c->states), *q = xasprintf("%s?state=%s", path, s);
		free(s);
		free(path);
		path = q;
	}
	return ctl_get_show(c, path, &view_tenants);
}

int cmd_tenant(struct ctl *c, char **argv, int argc)
{
	(void)argc;
	return ctl_get_show(c, ctl_route_path(CONTROL_TENANT, argv[0]), &view_tenant);
}

int cmd_resolve(struct ctl *c, char **argv, int argc)
{
	char *t = ctl_encode(argv[0]), *p = ctl_encode(argv[1]);
	char *path = xasprintf("%s?tenant=%s&profile=%s", control_routes[CONTROL_RESOLVE].pattern, t, p);

	(void)argc;
	free(t);
	free(p);
	return ctl_get_show(c, path, &view_resolve);
}

int cmd_places(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return ctl_get_show(c, ctl_route_path(CONTROL_PLACES, NULL), &view_places);
}

int cmd_reconcile(struct ctl *c, char **argv, int argc)
{
	return post(c,
		    argc ? ctl_route_path(CONTROL_TENANT_RECONCILE, argv[0]) : ctl_route_path(CONTROL_RECONCILE, NULL),
		    "reconcile queued");
}

int cmd_resync(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, ctl_route_path(CONTROL_RESYNC, NULL), "listing everything again");
}

int cmd_pause(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, ctl_route_path(CONTROL_PAUSE, NULL), "mutating calls paused");
}

int cmd_resume(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, ctl_route_path(CONTROL_RESUME, NULL), "mutating calls resumed");
}

int cmd_approve_prune(struct ctl *c, char **argv, int argc)
{
	(void)argv, (void)argc;
	return post(c, ctl_route_path(CONTROL_PRUNE_APPROVE, NULL), "approved");
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

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asks /v1/ready every 0.2 s until it says ready or SECONDS have passed. The wait is
 * counted on the clock, and each try gets only what is left of it (at most the
 * request timeout, at least 0.1 s): a daemon that accepts and does not answer, or
 * answers slowly, cannot stretch `wait-ready 10` to ten times the request timeout. */
int cmd_wait_ready(struct ctl *c, char **argv, int argc)
{
	double seconds = 300;
	long deadline;

	if (argc && ctl_parse_seconds(argv[0], &seconds) < 0) {
		fprintf(stderr, "bedrock-tenantctl: wait-ready: '%s' is not a number of seconds\n", argv[0]);
		return EXIT_USAGE;
	}
	deadline = monotonic_ms() + (long)(seconds * 1000);
	for (;;) {
		struct ctl_answer a = { 0 };
		char err[512];
		long left = deadline - monotonic_ms();
		long timeout = left < c->timeout_ms ? left : c->timeout_ms;

		if (ctl_request_bounded(c->socket, "GET", control_routes[CONTROL_READY].pattern,
					timeout < 100 ? 100 : timeout, NULL, &a, err, sizeof(err)) == 0) {
			long status = a.status;
			ctl_answer_release(&a);
			if (status == 200) {
				if (c->output != CTL_OUT_JSON)
					printf("ready\n");
				return 0;
			}
		}
		left = deadline - monotonic_ms();
		if (left <= 0)
			break;
		usleep((useconds_t)(left < 200 ? left : 200) * 1000);
	}
	fprintf(stderr, "bedrock-tenantctl: the daemon was not ready within %.0f s\n", seconds);
	return EXIT_PROBLEM;
}

/* The client's version, and the daemon's when it answers (within 5 s at most): exit
 * 0 either way, the daemon's absence noted on stderr. */
int cmd_version(struct ctl *c, char **argv, int argc)
{
	struct ctl short_c = *c;
	cJSON *j = NULL, *out;
	const cJSON *v;

	(void)argv, (void)argc;
	if (short_c.timeout_ms > 5000)
		short_c.timeout_ms = 5000;
	if (c->output != CTL_OUT_JSON) {
		printf("bedrock-tenantctl %s\n", BTD_VERSION);
		fflush(stdout);
	}
	ctl_get_json(&short_c, control_routes[CONTROL_HEALTH].pattern, true, &j, NULL); /* j stays NULL if not */
	v = cJSON_GetObjectItem(j, "version");
	if (c->output == CTL_OUT_JSON) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "client", BTD_VERSION);
		cJSON_AddItemToObject(out, "daemon",
				      cJSON_IsString(v) ? cJSON_CreateString(v->valuestring) : cJSON_CreateNull());
		ctl_print_json(stdout, out);
		cJSON_Delete(out);
	} else if (j) {
		/* text from the socket: no control character reaches the terminal */
		char *version = xstrdup(cJSON_IsString(v) ? v->valuestring : "(version unknown)");
		render_text_safe(version);
		printf("bedrock-tenantd %s (at %s)\n", version, c->socket);
		free(version);
	}
	cJSON_Delete(j);
	return 0;
}
