/* Credential providers that ask STS: AssumeRole signed with a base source (a
 * profile's role_arn, or an account alias the configuration registers) and the
 * unsigned AssumeRoleWithWebIdentity (EKS service accounts and other OIDC
 * federations; the token file is re-read at each refresh). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_client_impl.h"
#include "sts.h"
#include "xalloc.h"

#define WEB_TOKEN_MAX (64u << 10)

/* Forward the STS answer, wording a failure so the operator sees which role failed. */
static void deliver(creds_fetch_cb cb, void *arg, const char *role_arn, int status, const struct aws_error *err,
		    const struct sts_assume_role_result *res)
{
	struct aws_error e;

	if (status == 0) {
		cb(arg, 0, NULL, &res->creds);
		return;
	}
	aws_error_copy(&e, err);
	free(e.message);
	e.message = xasprintf("assuming %s: %s", role_arn, err->message);
	cb(arg, status, &e, NULL);
	aws_error_release(&e);
}

/* ---- AssumeRole ---- */

struct assume_role {
	struct creds_provider base;
	struct aws_client *client;
	char *account;
	struct creds_source *source;
	bool own_source;
	char *role_arn, *session_name, *external_id;
	int duration_s;
	bool busy;
	creds_fetch_cb cb;
	void *arg;
};

static void on_assumed(void *arg, int status, const struct aws_error *err, const struct sts_assume_role_result *res)
{
	struct assume_role *a = arg;

	a->busy = false;
	deliver(a->cb, a->arg, a->role_arn, status, err, res);
}

static int assume_fetch(struct creds_provider *p, creds_fetch_cb cb, void *arg)
{
	struct assume_role *a = (struct assume_role *)p;
	struct sts_assume_role_input in = {
		.role_arn = a->role_arn,
		.session_name = a->session_name,
		.external_id = a->external_id,
		.duration_s = a->duration_s,
	};
	int r;

	if (a->busy)
		return -EBUSY;
	r = sts_assume_role_creds(a->client, a->account, a->source, &in, on_assumed, a);
	if (r < 0)
		return r;
	a->busy = true;
	a->cb = cb;
	a->arg = arg;
	return 0;
}

static void assume_free(struct creds_provider *p)
{
	struct assume_role *a = (struct assume_role *)p;

	if (a->own_source)
		creds_source_free(a->source);
	free(a->account);
	free(a->role_arn);
	free(a->session_name);
	free(a->external_id);
	free(a);
}

struct creds_provider *creds_assume_role_new(struct aws_client *c, const char *account, struct creds_source *base,
					     bool own_base, const char *role_arn, const char *session_name,
					     const char *external_id, int duration_s)
{
	struct assume_role *a = xcalloc(1, sizeof(*a));

	a->base.kind = "assume-role";
	a->base.fetch = assume_fetch;
	a->base.free = assume_free;
	a->client = c;
	a->account = xstrdup(account);
	a->source = base;
	a->own_source = own_base;
	a->role_arn = xstrdup(role_arn);
	a->session_name = xstrdup(session_name ? session_name : CREDS_DEFAULT_SESSION_NAME);
	a->external_id = xstrdup_or_null(external_id);
	a->duration_s = duration_s;
	return &a->base;
}

/* ---- AssumeRoleWithWebIdentity ---- */

struct web_identity {
	struct creds_provider base;
	struct aws_client *client;
	char *role_arn, *session_name, *token_file;
	int duration_s;
	bool busy;
	creds_fetch_cb cb;
	void *arg;
};

static void on_web_identity(void *arg, int status, const struct aws_error *err,
			    const struct sts_assume_role_result *res)
{
	struct web_identity *w = arg;

	w->busy = false;
	deliver(w->cb, w->arg, w->role_arn, status, err, res);
}

static char *read_token(const char *path)
{
	struct strbuf sb;
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return NULL;
	strbuf_init(&sb, WEB_TOKEN_MAX);
	while ((n = read(fd, buf, sizeof(buf))) > 0 && r == 0)
		r = strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	if (n < 0 || r < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb, NULL);
}

static int web_identity_fetch(struct creds_provider *p, creds_fetch_cb cb, void *arg)
{
	struct web_identity *w = (struct web_identity *)p;
	struct sts_web_identity_input in = {
		.role_arn = w->role_arn,
		.session_name = w->session_name,
		.duration_s = w->duration_s,
	};
	char *token;
	int r;

	if (w->busy)
		return -EBUSY;
	token = read_token(w->token_file);
	if (!token || !*token) {
		aws_secure_free(token);
		return -ENOKEY;
	}
	in.token = token;
	r = sts_assume_role_with_web_identity(w->client, &in, on_web_identity, w);
	aws_secure_free(token);
	if (r < 0)
		return r;
	w->busy = true;
	w->cb = cb;
	w->arg = arg;
	return 0;
}

static void web_identity_free(struct creds_provider *p)
{
	struct web_identity *w = (struct web_identity *)p;

	free(w->role_arn);
	free(w->session_name);
	free(w->token_file);
	free(w);
}

struct creds_provider *creds_web_identity_new(struct aws_client *c, const struct creds_plan *plan)
{
	struct web_identity *w = xcalloc(1, sizeof(*w));

	w->base.kind = "web-identity";
	w->base.fetch = web_identity_fetch;
	w->base.free = web_identity_free;
	w->client = c;
	w->role_arn = xstrdup(plan->role_arn);
	w->session_name = xstrdup(plan->session_name);
	w->token_file = xstrdup(plan->token_file);
	w->duration_s = plan->duration_s;
	return &w->base;
}
