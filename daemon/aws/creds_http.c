/* Credential providers that ask an HTTP endpoint on the loop: the EC2 instance
 * metadata service (IMDSv2: a session token, then the role name, then the role's
 * credentials; IMDSv1 when the token PUT is refused and v1 is allowed) and the
 * container credential endpoint (ECS, EKS Pod Identity). The IMDS fetch is a state
 * machine with one transition function and one name table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_client_impl.h"
#include "creds_parse.h"
#include "xalloc.h"

#define METADATA_BODY_MAX (64u << 10)
#define IMDS_TOKEN_TTL	  "21600"

static void fetch_failed(creds_fetch_cb cb, void *arg, int status, const char *message)
{
	struct aws_error err;

	aws_error_init(&err);
	aws_error_set_local(&err, status, "CredentialsError", "%s", message);
	cb(arg, status, &err, NULL);
	aws_error_release(&err);
}

/* ---- IMDS ---- */

enum imds_state {
	IMDS_IDLE,
	IMDS_TOKEN,
	IMDS_ROLE,
	IMDS_CREDS,
};

static const char *const imds_state_names[] = {
	[IMDS_IDLE] = "idle",
	[IMDS_TOKEN] = "token",
	[IMDS_ROLE] = "role",
	[IMDS_CREDS] = "credentials",
};

struct imds {
	struct creds_provider base;
	struct http_client *http;
	char *endpoint;
	unsigned timeout_ms;
	int v1_disabled;
	enum imds_state state;
	char *token; /* NULL: IMDSv1 */
	char *role;
	creds_fetch_cb cb;
	void *arg;
};

static int imds_transition(struct imds *m, enum imds_state to);

static void imds_fail(struct imds *m, int status, const char *detail)
{
	creds_fetch_cb cb = m->cb;
	void *arg = m->arg;
	char msg[160];

	snprintf(msg, sizeof(msg), "instance metadata (%s): %s", imds_state_names[m->state], detail);
	m->cb = NULL;
	imds_transition(m, IMDS_IDLE);
	fetch_failed(cb, arg, status, msg);
}

/* Moves on to the next request; a refusal to send ends the fetch. */
static void imds_next(struct imds *m, enum imds_state to)
{
	int r = imds_transition(m, to);

	if (r < 0)
		imds_fail(m, r, strerror(-r));
}

static void on_imds(void *arg, int status, const struct http_response *resp)
{
	struct imds *m = arg;
	struct aws_credentials creds;
	char detail[64];
	int r;

	if (status < 0) {
		imds_fail(m, status, strerror(-status));
		return;
	}
	snprintf(detail, sizeof(detail), "HTTP %d", resp->status);
	switch (m->state) {
	case IMDS_TOKEN:
		if (resp->status == 200 && resp->body.len) {
			m->token = xstrndup(resp->body.buf, strcspn(resp->body.buf, "\r\n"));
		} else if ((resp->status == 403 || resp->status == 404 || resp->status == 405) && !m->v1_disabled) {
			m->token = NULL; /* IMDSv1 */
		} else {
			imds_fail(m, -ENOKEY, detail);
			return;
		}
		imds_next(m, IMDS_ROLE);
		return;
	case IMDS_ROLE:
		if (resp->status != 200 || !resp->body.len || !*resp->body.buf) {
			imds_fail(m, -ENOKEY, resp->status == 404 ? "no IAM role attached to the instance" : detail);
			return;
		}
		m->role = xstrndup(resp->body.buf, strcspn(resp->body.buf, "\r\n"));
		imds_next(m, IMDS_CREDS);
		return;
	case IMDS_CREDS:
		if (resp->status != 200) {
			imds_fail(m, -ENOKEY, detail);
			return;
		}
		r = creds_parse_json(resp->body.buf, resp->body.len, &creds);
		if (r < 0) {
			imds_fail(m, r, "malformed credentials document");
			return;
		}
		{
			creds_fetch_cb cb = m->cb;
			void *cb_arg = m->arg;

			m->cb = NULL;
			imds_transition(m, IMDS_IDLE);
			cb(cb_arg, 0, NULL, &creds);
		}
		aws_credentials_release(&creds);
		return;
	case IMDS_IDLE:
		return;
	}
}

static int imds_send(struct imds *m, const char *method, const char *path)
{
	struct http_header h[1];
	struct http_request req = { .method = method, .headers = h, .timeout_ms = m->timeout_ms };
	char *url = xasprintf("%s%s", m->endpoint, path);
	int r;

	req.url = url;
	req.max_response_bytes = METADATA_BODY_MAX;
	if (m->state == IMDS_TOKEN) {
		h[0] = (struct http_header){ "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL };
		req.n_headers = 1;
	} else if (m->token) {
		h[0] = (struct http_header){ "X-aws-ec2-metadata-token", m->token };
		req.n_headers = 1;
	}
	r = http_client_send(m->http, &req, on_imds, m);
	free(url);
	return r;
}

/* The one transition function of the IMDS fetch: entering a state sends its request. */
static int imds_transition(struct imds *m, enum imds_state to)
{
	char *path;
	int r = 0;

	m->state = to;
	switch (to) {
	case IMDS_IDLE:
		aws_secure_free(m->token);
		m->token = NULL;
		free(m->role);
		m->role = NULL;
		break;
	case IMDS_TOKEN:
		r = imds_send(m, "PUT", "/latest/api/token");
		break;
	case IMDS_ROLE:
		r = imds_send(m, "GET", "/latest/meta-data/iam/security-credentials/");
		break;
	case IMDS_CREDS:
		path = xasprintf("/latest/meta-data/iam/security-credentials/%s", m->role);
		r = imds_send(m, "GET", path);
		free(path);
		break;
	}
	return r;
}

static int imds_fetch(struct creds_provider *p, creds_fetch_cb cb, void *arg)
{
	struct imds *m = (struct imds *)p;
	int r;

	if (m->state != IMDS_IDLE)
		return -EBUSY;
	r = imds_transition(m, IMDS_TOKEN);
	if (r < 0) {
		imds_transition(m, IMDS_IDLE);
		return r;
	}
	m->cb = cb;
	m->arg = arg;
	return 0;
}

static void imds_free(struct creds_provider *p)
{
	struct imds *m = (struct imds *)p;

	aws_secure_free(m->token);
	free(m->role);
	free(m->endpoint);
	free(m);
}

struct creds_provider *creds_imds_new(struct http_client *http, const struct creds_plan *plan)
{
	struct imds *m = xcalloc(1, sizeof(*m));

	m->base.kind = "imds";
	m->base.fetch = imds_fetch;
	m->base.free = imds_free;
	m->http = http;
	m->endpoint = xstrdup(plan->url);
	m->timeout_ms = plan->timeout_ms;
	m->v1_disabled = plan->imds_v1_disabled;
	return &m->base;
}

/* ---- container endpoint ---- */

struct container {
	struct creds_provider base;
	struct http_client *http;
	char *url;
	char *auth_token;
	char *auth_token_file;
	unsigned timeout_ms;
	bool busy;
	creds_fetch_cb cb;
	void *arg;
};

static void on_container(void *arg, int status, const struct http_response *resp)
{
	struct container *k = arg;
	creds_fetch_cb cb = k->cb;
	void *cb_arg = k->arg;
	struct aws_credentials creds;
	char msg[160];
	int r;

	k->busy = false;
	if (status < 0) {
		snprintf(msg, sizeof(msg), "container credentials: %s", strerror(-status));
		fetch_failed(cb, cb_arg, status, msg);
		return;
	}
	if (resp->status != 200) {
		snprintf(msg, sizeof(msg), "container credentials: HTTP %d", resp->status);
		fetch_failed(cb, cb_arg, resp->status == 401 || resp->status == 403 ? -EACCES : -ENOKEY, msg);
		return;
	}
	r = creds_parse_json(resp->body.buf, resp->body.len, &creds);
	if (r < 0) {
		fetch_failed(cb, cb_arg, r, "container credentials: malformed credentials document");
		return;
	}
	cb(cb_arg, 0, NULL, &creds);
	aws_credentials_release(&creds);
}

/* The token file is re-read at each fetch: the agent rotates it. */
static char *read_token_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

static int container_fetch(struct creds_provider *p, creds_fetch_cb cb, void *arg)
{
	struct container *k = (struct container *)p;
	struct http_header h[1];
	struct http_request req = {
		.method = "GET",
		.url = k->url,
		.headers = h,
		.timeout_ms = k->timeout_ms,
		.max_response_bytes = METADATA_BODY_MAX,
	};
	char *token = NULL;
	int r;

	if (k->busy)
		return -EBUSY;
	if (k->auth_token_file) {
		token = read_token_file(k->auth_token_file);
		if (!token)
			return -EACCES;
	} else if (k->auth_token) {
		token = xstrdup(k->auth_token);
	}
	if (token) {
		h[0] = (struct http_header){ "Authorization", token };
		req.n_headers = 1;
	}
	r = http_client_send(k->http, &req, on_container, k);
	aws_secure_free(token);
	if (r < 0)
		return r;
	k->busy = true;
	k->cb = cb;
	k->arg = arg;
	return 0;
}

static void container_free(struct creds_provider *p)
{
	struct container *k = (struct container *)p;

	free(k->url);
	aws_secure_free(k->auth_token);
	free(k->auth_token_file);
	free(k);
}

struct creds_provider *creds_container_new(struct http_client *http, const struct creds_plan *plan)
{
	struct container *k = xcalloc(1, sizeof(*k));

	k->base.kind = "container";
	k->base.fetch = container_fetch;
	k->base.free = container_free;
	k->http = http;
	k->url = xstrdup(plan->url);
	k->auth_token = xstrdup_or_null(plan->auth_token);
	k->auth_token_file = xstrdup_or_null(plan->auth_token_file);
	k->timeout_ms = plan->timeout_ms;
	return &k->base;
}
