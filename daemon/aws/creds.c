#include "creds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_types.h"
#include "xalloc.h"

/* Credentials this close to their expiry are not used at all: a request signed with
 * them could arrive after they expired. */
#define USABLE_MARGIN_MS 5000

void aws_credentials_release(struct aws_credentials *c)
{
	aws_secure_free(c->access_key_id);
	aws_secure_free(c->secret_access_key);
	aws_secure_free(c->session_token);
	free(c->account_id);
	memset(c, 0, sizeof(*c));
}

void aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src)
{
	dst->access_key_id = xstrdup_or_null(src->access_key_id);
	dst->secret_access_key = xstrdup_or_null(src->secret_access_key);
	dst->session_token = xstrdup_or_null(src->session_token);
	dst->expiration_ms = src->expiration_ms;
	dst->account_id = xstrdup_or_null(src->account_id);
}

struct creds_source *creds_source_new(const char *name, struct creds_provider *provider,
				      const struct aws_credentials *fixed, int64_t (*wall_ms)(void *arg),
				      void *clock_arg)
{
	struct creds_source *s = xcalloc(1, sizeof(*s));

	s->name = xstrdup(name);
	s->provider = provider;
	if (fixed) {
		aws_credentials_copy(&s->creds, fixed);
		s->have = true;
	}
	list_init(&s->waiters);
	s->refresh_margin_ms = 300 * 1000;
	s->failure_backoff_ms = 10 * 1000;
	s->wall_ms = wall_ms;
	s->clock_arg = clock_arg;
	return s;
}

static void wake(struct creds_source *s, int status, const struct aws_error *err)
{
	struct list_node pending;

	/* Move the waiters aside first: a woken caller may queue itself again. */
	list_init(&pending);
	if (!list_empty(&s->waiters)) {
		pending.next = s->waiters.next;
		pending.prev = s->waiters.prev;
		pending.next->prev = &pending;
		pending.prev->next = &pending;
		list_init(&s->waiters);
	}
	while (!list_empty(&pending)) {
		struct creds_waiter *w = list_entry(list_first(&pending), struct creds_waiter, link);

		list_del(&w->link);
		w->cb(w, status, err);
	}
}

static void source_destroy(struct creds_source *s)
{
	if (s->provider)
		s->provider->free(s->provider);
	aws_credentials_release(&s->creds);
	free(s->name);
	free(s);
}

void creds_source_free(struct creds_source *s)
{
	struct aws_error err;

	if (!s)
		return;
	if (!list_empty(&s->waiters)) {
		aws_error_init(&err);
		aws_error_set_local(&err, -ECANCELED, "", "credentials for %s: shutting down", s->name);
		wake(s, -ECANCELED, &err);
		aws_error_release(&err);
	}
	if (s->dispatching) {
		s->free_pending = true;
		return;
	}
	source_destroy(s);
}

static bool usable(const struct creds_source *s, int64_t now)
{
	return s->have && (!s->creds.expiration_ms || now + USABLE_MARGIN_MS < s->creds.expiration_ms);
}

static void on_fetched(void *arg, int status, const struct aws_error *err, const struct aws_credentials *creds)
{
	struct creds_source *s = arg;
	int64_t now = s->wall_ms(s->clock_arg);

	s->fetching = false;
	if (status == 0) {
		aws_credentials_release(&s->creds);
		aws_credentials_copy(&s->creds, creds);
		s->have = true;
		s->refreshes++;
		s->no_refresh_before_ms = 0;
	} else {
		s->failures++;
		s->no_refresh_before_ms = now + s->failure_backoff_ms;
	}
	s->dispatching = true;
	if (s->event_cb)
		s->event_cb(s->event_arg, s, status, err);
	if (!s->free_pending)
		wake(s, status, err);
	s->dispatching = false;
	if (s->free_pending)
		source_destroy(s);
}

static int start_fetch(struct creds_source *s)
{
	int r;

	if (!s->provider)
		return -ENOKEY;
	s->fetching = true;
	r = s->provider->fetch(s->provider, on_fetched, s);
	if (r < 0)
		s->fetching = false;
	return r;
}

const struct aws_credentials *creds_source_peek(struct creds_source *s)
{
	int64_t now = s->wall_ms(s->clock_arg);
	bool stale;

	if (!usable(s, now))
		return NULL;
	stale = s->creds.expiration_ms && now >= s->creds.expiration_ms - s->refresh_margin_ms;
	if (stale && s->provider && !s->fetching && now >= s->no_refresh_before_ms)
		(void)start_fetch(s); /* a failure to start is retried at the next peek */
	return &s->creds;
}

int creds_source_wait(struct creds_source *s, struct creds_waiter *w)
{
	int r;

	if (!s->fetching) {
		r = start_fetch(s);
		if (r < 0)
			return r;
	}
	list_add_tail(&s->waiters, &w->link);
	return 0;
}

void creds_waiter_cancel(struct creds_waiter *w)
{
	if (list_linked(&w->link))
		list_del(&w->link);
}

void creds_source_invalidate(struct creds_source *s)
{
	if (!s->provider)
		return;
	aws_credentials_release(&s->creds);
	s->have = false;
	s->no_refresh_before_ms = 0;
}

bool creds_source_fetching(const struct creds_source *s)
{
	return s->fetching;
}
