/* bedrock-tenantctl: the command-line face of the daemon's control socket.
 *
 * Exit status: 0 success; 1 the daemon answered but reports a problem (not ready,
 * tenants in Error, Stalled or Held, a manifest problem, configuration keys that wait
 * for a restart, a tenant that is not Ready or whose manifest fails); 2 usage error;
 * 3 the daemon cannot be reached; 4 no such tenant or profile. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "control_api.h"
#include "ctl_http.h"
#include "ctl_render.h"
#include "ctl_usage.h"
#include "uri.h"
#include "xalloc.h"

#define EXIT_PROBLEM	 1
#define EXIT_USAGE	 2
#define EXIT_UNREACHABLE 3
#define EXIT_NOT_FOUND	 4

struct ctl {
	const char *socket;
	bool json;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bedrock-tenantctl [--socket PATH] [--json] COMMAND [ARGS]\n\n"
		"commands:\n"
		"  status                   the daemon: revision, tenants by state, queue, held deletions\n"
		"  tenants                  every tenant with its state and last error\n"
		"  tenant ID                one tenant in full: desired, observed, history\n"
		"  resolve TENANT PROFILE   the profile's ARN (what applications look up)\n"
		"  reconcile [ID]           reconcile every tenant, or one, now\n"
		"  resync                   list everything live in AWS again now\n"
		"  pause | resume           stop or restart every mutating AWS call\n"
		"  approve-prune            release deletions held by the prune gate\n"
		"  health | ready           exit 0 when the daemon runs / has finished its first sync\n"
		"  wait-ready [SECONDS]     wait until the daemon is ready (default 300 s)\n"
		"  usage [TENANT] [--since 7d] [--until DAY] [--limit N]\n"
		"                           tokens and estimated cost from invocation logs\n\n"
		"The socket is %s unless --socket or BEDROCK_TENANTD_SOCKET says otherwise.\n"
		"Exit status: 0 ok, 1 a problem reported, 2 usage, 3 daemon unreachable, 4 not found.\n",
		CTL_DEFAULT_SOCKET);
}

/* One request; prints the JSON when --json. Returns the parsed body (owned) or NULL
 * with *ret_exit set. */
static cJSON *call(const struct ctl *c, const char *method, const char *path, long *ret_status, int *ret_exit)
{
	struct ctl_answer a = { 0 };
	char err[512];
	cJSON *j;

	if (ctl_request(c->socket, method, path, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "bedrock-tenantctl: %s\n", err);
		*ret_exit = EXIT_UNREACHABLE;
		return NULL;
	}
	*ret_status = a.status;
	j = cJSON_Parse(a.body);
	if (!j) {
		fprintf(stderr, "bedrock-tenantctl: the daemon answered %ld with a body that is not JSON\n", a.status);
		*ret_exit = EXIT_PROBLEM;
	} else if (c->json) {
		char *text = cJSON_Print(j);
		printf("%s\n", text);
		free(text);
	}
	ctl_answer_release(&a);
	return j;
}

static int error_exit(long status, const cJSON *j)
{
	const cJSON *e = cJSON_GetObjectItem(j, "error");

	fprintf(stderr, "bedrock-tenantctl: %s\n", cJSON_IsString(e) ? e->valuestring : "request failed");
	return status == 404 ? EXIT_NOT_FOUND : EXIT_PROBLEM;
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

static int cmd_get(const struct ctl *c, const char *path, int (*render)(const cJSON *j))
{
	long status = 0;
	int rc = 0;
	cJSON *j = call(c, "GET", path, &status, &rc);

	if (!j)
		return rc;
	if (status >= 400 && status != 503)
		rc = error_exit(status, j);
	else
		rc = c->json ? render_exit_of(path, j) : render(j);
	cJSON_Delete(j);
	return rc;
}

static int cmd_post(const struct ctl *c, const char *path, const char *done_text)
{
	long status = 0;
	int rc = 0;
	cJSON *j = call(c, "POST", path, &status, &rc);

	if (!j)
		return rc;
	if (status >= 400) {
		rc = error_exit(status, j);
	} else if (!c->json) {
		const cJSON *n = cJSON_GetObjectItem(j, "approved");
		if (cJSON_IsNumber(n))
			printf("held deletions released for %d tenant(s)\n", n->valueint);
		else
			printf("%s\n", done_text);
	}
	cJSON_Delete(j);
	return rc;
}

static int cmd_probe(const struct ctl *c, const char *path)
{
	long status = 0;
	int rc = 0;
	cJSON *j = call(c, "GET", path, &status, &rc);

	if (!j)
		return rc;
	if (!c->json)
		printf("%s\n", status == 200 ? (strstr(path, "ready") ? "ready" : "ok") : "not ready");
	cJSON_Delete(j);
	return status == 200 ? 0 : EXIT_PROBLEM;
}

static int cmd_wait_ready(const struct ctl *c, double seconds)
{
	for (double waited = 0; waited <= seconds; waited += 0.2) {
		struct ctl_answer a = { 0 };
		char err[512];
		if (ctl_request(c->socket, "GET", control_routes[CONTROL_READY].pattern, &a, err, sizeof(err)) == 0) {
			long status = a.status;
			ctl_answer_release(&a);
			if (status == 200) {
				if (!c->json)
					printf("ready\n");
				return 0;
			}
		}
		usleep(200000);
	}
	fprintf(stderr, "bedrock-tenantctl: the daemon was not ready within %.0f s\n", seconds);
	return EXIT_PROBLEM;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "socket", required_argument, NULL, 's' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	struct ctl c = { getenv("BEDROCK_TENANTD_SOCKET") ? getenv("BEDROCK_TENANTD_SOCKET") : CTL_DEFAULT_SOCKET,
			 false };
	const char *cmd;
	char *path = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+s:jh", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			c.socket = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (!strcmp(cmd, "status") && argc == 0) {
		rc = cmd_get(&c, path = route_path(CONTROL_STATUS, NULL), render_status);
	} else if (!strcmp(cmd, "tenants") && argc == 0) {
		rc = cmd_get(&c, path = route_path(CONTROL_TENANTS, NULL), render_tenants);
	} else if (!strcmp(cmd, "tenant") && argc == 1) {
		rc = cmd_get(&c, path = route_path(CONTROL_TENANT, argv[0]), render_tenant);
	} else if (!strcmp(cmd, "resolve") && argc == 2) {
		char *t = encoded(argv[0]), *p = encoded(argv[1]);
		path = xasprintf("%s?tenant=%s&profile=%s", control_routes[CONTROL_RESOLVE].pattern, t, p);
		free(t);
		free(p);
		rc = cmd_get(&c, path, render_resolve);
	} else if (!strcmp(cmd, "reconcile") && argc <= 1) {
		path = argc ? route_path(CONTROL_TENANT_RECONCILE, argv[0]) : route_path(CONTROL_RECONCILE, NULL);
		rc = cmd_post(&c, path, "reconcile queued");
	} else if (!strcmp(cmd, "resync") && argc == 0) {
		rc = cmd_post(&c, path = route_path(CONTROL_RESYNC, NULL), "listing everything again");
	} else if (!strcmp(cmd, "pause") && argc == 0) {
		rc = cmd_post(&c, path = route_path(CONTROL_PAUSE, NULL), "mutating calls paused");
	} else if (!strcmp(cmd, "resume") && argc == 0) {
		rc = cmd_post(&c, path = route_path(CONTROL_RESUME, NULL), "mutating calls resumed");
	} else if (!strcmp(cmd, "approve-prune") && argc == 0) {
		rc = cmd_post(&c, path = route_path(CONTROL_PRUNE_APPROVE, NULL), "approved");
	} else if (!strcmp(cmd, "health") && argc == 0) {
		rc = cmd_probe(&c, path = route_path(CONTROL_HEALTH, NULL));
	} else if (!strcmp(cmd, "ready") && argc == 0) {
		rc = cmd_probe(&c, path = route_path(CONTROL_READY, NULL));
	} else if (!strcmp(cmd, "wait-ready") && argc <= 1) {
		rc = cmd_wait_ready(&c, argc ? atof(argv[0]) : 300);
	} else if (!strcmp(cmd, "usage")) {
		rc = ctl_usage(c.socket, c.json, argc, argv);
	} else {
		fprintf(stderr, "bedrock-tenantctl: unknown command or wrong arguments: %s\n", cmd);
		usage(stderr);
		rc = EXIT_USAGE;
	}
	free(path);
	curl_global_cleanup();
	return rc;
}
