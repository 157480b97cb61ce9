/* The IAM Identity Center (SSO) provider: reads the access token that `aws sso
 * login` cached (~/.aws/sso/cache/<sha1>.json, read again at every fetch, since a
 * new login replaces it), then asks the SSO portal's GetRoleCredentials (GET
 * /federation/credentials with the token in x-amz-sso_bearer_token; not signed) for
 * the role's temporary credentials. An expired or refused token tells the operator
 * to log in again: the daemon cannot do that itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_client_impl.h"
#include "creds_process_parse.h"
#include "uri.h"
#include "xalloc.h"

#define TOKEN_FILE_MAX (64u << 10)
#define ANSWER_MAX     (64u << 10)

/* A failure found before anything was sent (no token, an expired one), answered
 * from the loop like every fetch: a zero timer owned by the failure. */
struct deferred {
	uv_timer_t timer;
	struct sso *owner; /* NULL once the provider is gone */
	struct aws_client *client;
	bool held; /* the client waits for the timer to close */
	int status;
	char *msg;
	creds_fetch_cb cb;
	void *arg;
};

struct sso {
	struct creds_provider base;
	struct deferred *deferred;
	struct aws_client *client;
	char *endpoint, *account_id, *role_name, *cache_file, *login_hint;
	unsigned timeout_ms;
	bool busy;
	creds_fetch_cb cb;
	void *arg;
};

static void fail_now(struct sso *s, creds_fetch_cb cb, void *arg, int status, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void fail_now(struct sso *s, creds_fetch_cb cb, void *arg, int status, const char *fmt, ...)
{
	struct aws_error err;
	va_list ap;
	char *msg;

	(void)s;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	aws_error_init(&err);
	aws_error_set_local(&err, status, "CredentialsError", "%s", msg);
	cb(arg, status, &err, NULL);
	aws_error_release(&err);
	free(msg);
}

static void on_answer(void *arg, int status, const struct http_response *resp)
{
	struct sso *s = arg;
	creds_fetch_cb cb = s->cb;
	void *cb_arg = s->arg;
	struct aws_credentials creds;

	s->busy = false;
	s->cb = NULL;
	if (status < 0) {
		fail_now(s, cb, cb_arg, status, "SSO GetRoleCredentials: %s", strerror(-status));
		return;
	}
	if (resp->status == 401 || resp->status == 403) {
		fail_now(s, cb, cb_arg, -EACCES,
			 "SSO GetRoleCredentials: HTTP %d: the SSO session is no longer valid; run `%s`", resp->status,
			 s->login_hint);
		return;
	}
	if (resp->status != 200) {
		fail_now(s, cb, cb_arg, -ENOKEY, "SSO GetRoleCredentials: HTTP %d for role %s in account %s",
			 resp->status, s->role_name, s->account_id);
		return;
	}
	if (creds_sso_parse_role_credentials(resp->body.buf, resp->body.len, &creds) < 0) {
		fail_now(s, cb, cb_arg, -EBADMSG, "SSO GetRoleCredentials: malformed answer");
		return;
	}
	if (!creds.account_id)
		creds.account_id = xstrdup(s->account_id);
	cb(cb_arg, 0, NULL, &creds);
	aws_credentials_release(&creds);
}

static int read_small(const char *path, struct strbuf *sb)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && r == 0)
		r = strbuf_add(sb, buf, (size_t)n);
	if (n < 0)
		r = -errno;
	close(fd);
	return r;
}

static void on_deferred_closed(uv_handle_t *h)
{
	struct deferred *d = h->data;

	if (d->held)
		aws_client_handle_closed(d->client);
	free(d->msg);
	free(d);
}

static void on_deferred(uv_timer_t *t)
{
	struct deferred *d = t->data;
	struct sso *s = d->owner;

	if (s) {
		s->deferred = NULL;
		s->busy = false;
	}
	uv_close((uv_handle_t *)&d->timer, on_deferred_closed);
	if (d->cb)
		fail_now(s, d->cb, d->arg, d->status, "%s", d->msg);
}

static void defer_failure(struct sso *s, creds_fetch_cb cb, void *arg, int status, char *msg)
{
	struct deferred *d = xcalloc(1, sizeof(*d));

	d->owner = s;
	d->client = s->client;
	d->status = status;
	d->msg = msg;
	d->cb = cb;
	d->arg = arg;
	uv_timer_init(s->client->loop, &d->timer);
	d->timer.data = d;
	uv_timer_start(&d->timer, on_deferred, 0, 0);
	s->deferred = d;
	s->busy = true;
}

static int sso_fetch(struct creds_provider *p, creds_fetch_cb cb, void *arg)
{
	struct sso *s = (struct sso *)p;
	struct strbuf file, url;
	struct http_header h[1];
	struct http_request req = { .method = "GET", .headers = h, .n_headers = 1 };
	char *token = NULL;
	const char *why = NULL;
	int64_t expires;
	int r;

	if (s->busy)
		return -EBUSY;
	strbuf_init(&file, TOKEN_FILE_MAX);
	r = read_small(s->cache_file, &file);
	if (r == 0)
		r = creds_sso_parse_token(file.buf, file.len, &token, &expires, &why);
	explicit_bzero(file.buf, file.len);
	strbuf_release(&file);
	if (r < 0) {
		if (why)
			defer_failure(s, cb, arg, r,
				      xasprintf("SSO: %s: %s; run `%s`", s->cache_file, why, s->login_hint));
		else
			defer_failure(s, cb, arg, -ENOKEY,
				      xasprintf("SSO: no cached token (%s: %s); run `%s`", s->cache_file, strerror(-r),
						s->login_hint));
		return 0;
	}
	if (expires <= aws_client_wall_ms(s->client)) {
		char ts[21];

		aws_time_format_iso8601(expires, ts);
		aws_secure_free(token);
		defer_failure(s, cb, arg, -EKEYEXPIRED,
			      xasprintf("SSO: the cached token expired at %s; run `%s`", ts, s->login_hint));
		return 0;
	}
	strbuf_init(&url, STRBUF_NO_CAP);
	strbuf_addf(&url, "%s/federation/credentials?account_id=", s->endpoint);
	uri_encode(&url, s->account_id, strlen(s->account_id), false);
	strbuf_adds(&url, "&role_name=");
	uri_encode(&url, s->role_name, strlen(s->role_name), false);
	h[0] = (struct http_header){ "x-amz-sso_bearer_token", token };
	req.url = url.buf;
	req.timeout_ms = s->timeout_ms;
	req.max_response_bytes = ANSWER_MAX;
	r = http_client_send(s->client->http, &req, on_answer, s);
	aws_secure_free(token);
	strbuf_release(&url);
	if (r < 0)
		return r;
	s->busy = true;
	s->cb = cb;
	s->arg = arg;
	return 0;
}

static void sso_free(struct creds_provider *p)
{
	struct sso *s = (struct sso *)p;

	if (s->deferred) {
		/* The client is closing: nobody waits for this answer any more. */
		struct deferred *d = s->deferred;

		d->owner = NULL;
		d->cb = NULL;
		d->held = true;
		s->client->pending_closes++;
		uv_close((uv_handle_t *)&d->timer, on_deferred_closed);
	}
	free(s->endpoint);
	free(s->account_id);
	free(s->role_name);
	free(s->cache_file);
	free(s->login_hint);
	free(s);
}

struct creds_provider *creds_sso_new(struct aws_client *c, const struct creds_plan *plan)
{
	struct sso *s = xcalloc(1, sizeof(*s));

	s->base.kind = "sso";
	s->base.fetch = sso_fetch;
	s->base.free = sso_free;
	s->client = c;
	s->endpoint = xstrdup(plan->url);
	s->account_id = xstrdup(plan->sso_account_id);
	s->role_name = xstrdup(plan->sso_role_name);
	s->cache_file = xstrdup(plan->sso_cache_file);
	s->login_hint = xstrdup(plan->sso_login_hint);
	s->timeout_ms = plan->timeout_ms;
	return &s->base;
}
