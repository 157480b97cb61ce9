/* One request of a bedrock-tenantctl command and its answer: the path, the call with
 * the invocation's timeout, the parse of the JSON answer, and the message and exit status
 * of each way it can fail (ctl.h). Every command that reads a document goes through
 * here, so they all fail alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_http.h"
#include "ctl_render.h"
#include "strbuf.h"
#include "uri.h"
#include "xalloc.h"

char *ctl_encode(const char *s)
{
	struct strbuf sb;

	strbuf_init(&sb, 4096);
	uri_encode_str(&sb, s, false);
	return strbuf_detach(&sb, NULL);
}

char *ctl_route_path(enum control_route r, const char *id)
{
	const char *pattern = control_routes[r].pattern, *hole = strstr(pattern, "{id}");
	char *enc, *path;

	if (!hole)
		return xstrdup(pattern);
	enc = ctl_encode(id ? id : "");
	path = xasprintf("%.*s%s%s", (int)(hole - pattern), pattern, enc, hole + 4);
	free(enc);
	return path;
}

int ctl_call(const struct ctl *c, const char *method, const char *path, struct ctl_answer *ret)
{
	char err[512];

	int r = ctl_request_bounded(c->socket, method, path, c->timeout_ms, c->stop, ret, err, sizeof(err));

	if (r < 0) {
		fprintf(stderr, "bedrock-tenantctl: %s\n", err);
		/* an answer too large to read was an answer: not "cannot be reached" */
		return r == -EMSGSIZE ? EXIT_PROBLEM : EXIT_UNREACHABLE;
	}
	return 0;
}

int ctl_error_exit(long status, const cJSON *j)
{
	const cJSON *e = cJSON_GetObjectItem(j, "error");
	char *msg = xstrdup(cJSON_IsString(e) ? e->valuestring : "request failed");

	render_text_safe(msg);
	fprintf(stderr, "bedrock-tenantctl: %s\n", msg);
	free(msg);
	return status == 404 ? EXIT_NOT_FOUND : status == 400 ? EXIT_USAGE : EXIT_PROBLEM;
}

int ctl_answer_json(const struct ctl_answer *a, bool unready_ok, cJSON **ret)
{
	cJSON *j = cJSON_Parse(a->body);
	int rc;

	if (!j) {
		fprintf(stderr, "bedrock-tenantctl: the daemon answered %ld with a body that is not JSON\n", a->status);
		return EXIT_PROBLEM;
	}
	if (a->status >= 400 && !(unready_ok && a->status == 503)) {
		rc = ctl_error_exit(a->status, j);
		cJSON_Delete(j);
		return rc;
	}
	/* only a 2xx is a success: a 1xx or 3xx (not the daemon's: a proxy, another
	 * program on the socket) said "mutating calls paused" for a pause never made */
	if (a->status < 200 || (a->status >= 300 && a->status < 400)) {
		fprintf(stderr, "bedrock-tenantctl: the daemon answered %ld, which is neither a success nor an error\n",
			a->status);
		cJSON_Delete(j);
		return EXIT_PROBLEM;
	}
	*ret = j;
	return 0;
}

int ctl_call_json(const struct ctl *c, const char *method, const char *path, bool unready_ok, cJSON **ret,
		  long *ret_status)
{
	struct ctl_answer a = { 0 };
	int rc = ctl_call(c, method, path, &a);

	if (rc)
		return rc;
	rc = ctl_answer_json(&a, unready_ok, ret);
	if (rc == 0 && ret_status)
		*ret_status = a.status;
	ctl_answer_release(&a);
	return rc;
}

int ctl_get_json(const struct ctl *c, const char *path, bool unready_ok, cJSON **ret, long *ret_status)
{
	return ctl_call_json(c, "GET", path, unready_ok, ret, ret_status);
}
