/* Credentials and their cache.
 *
 * struct aws_credentials holds one set of keys; its release wipes the secrets. A
 * struct creds_provider fetches a fresh set asynchronously (environment and files
 * are read when the chain is built; IMDS, the container endpoint and STS are asked
 * on the loop). A struct creds_source caches one provider's answer, hands it out
 * while it is usable, starts a refresh in the background once it is within the
 * refresh margin of its expiry, and queues callers (struct creds_waiter) while no
 * usable credentials exist, waking them all when the one fetch in flight ends.
 * Nothing here touches libuv; the wall clock is passed in. No secret ever reaches
 * an error message or event. */
#ifndef BTD_CREDS_H
#define BTD_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#include "aws_error.h"
#include "aws_list.h"

struct aws_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;   /* NULL when none */
	int64_t expiration_ms; /* 0: does not expire */
	char *account_id;      /* NULL when unknown */
};

void aws_credentials_release(struct aws_credentials *c);
void aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src);

/* creds_fetch_cb: status 0 with creds (borrowed for the callback), or -errno with
 * err (never NULL then) saying why. */
typedef void (*creds_fetch_cb)(void *arg, int status, const struct aws_error *err, const struct aws_credentials *creds);

/* A credential provider. fetch returns 0 and calls cb exactly once, always later
 * from the loop; or -errno and never calls it. free releases the provider; it is only
 * called when no fetch is outstanding. */
struct creds_provider {
	const char *kind; /* "environment", "profile", "container", "imds", "web-identity", "assume-role" */
	int (*fetch)(struct creds_provider *p, creds_fetch_cb cb, void *arg);
	void (*free)(struct creds_provider *p);
};

struct creds_waiter;
struct creds_source;
typedef void (*creds_waiter_cb)(struct creds_waiter *w, int status, const struct aws_error *err);

/* Embedded in whoever waits; initialise link with list_init(). */
struct creds_waiter {
	struct list_node link;
	creds_waiter_cb cb;
};

/* creds_event_cb: a fetch ended (status 0: refreshed). */
typedef void (*creds_event_cb)(void *arg, const struct creds_source *s, int status, const struct aws_error *err);

struct creds_source {
	char *name;			 /* "default" or an account alias */
	struct creds_provider *provider; /* owned; NULL for fixed credentials */
	struct aws_credentials creds;
	bool have;
	bool fetching;
	struct list_node waiters;
	int64_t refresh_margin_ms;  /* refresh this long before expiry (300 s) */
	int64_t failure_backoff_ms; /* no background refresh this long after a failure (10 s) */
	int64_t no_refresh_before_ms;
	int64_t (*wall_ms)(void *arg);
	void *clock_arg;
	creds_event_cb event_cb;
	void *event_arg;
	uint64_t refreshes, failures;
	bool dispatching;  /* inside the end of a fetch: a free waits for it */
	bool free_pending; /* creds_source_free() was called while dispatching */
};

/* creds_source_new: takes ownership of provider (which may be NULL together with
 * fixed, or both may be given: fixed is then used until it needs a refresh).
 * wall_ms returns the epoch time in milliseconds. */
struct creds_source *creds_source_new(const char *name, struct creds_provider *provider,
				      const struct aws_credentials *fixed, int64_t (*wall_ms)(void *arg),
				      void *clock_arg);
/* creds_source_free: fails remaining waiters with -ECANCELED. No fetch may be
 * outstanding (close whatever carries it first). Accepts NULL. Called from a waiter's
 * or the event callback (the client closing from there), the free happens when the
 * fetch's end has been dispatched. */
void creds_source_free(struct creds_source *s);

/* creds_source_peek: credentials usable now (borrowed until the next fetch ends), or
 * NULL. Starts a background refresh when they are within the refresh margin. */
const struct aws_credentials *creds_source_peek(struct creds_source *s);
/* creds_source_wait: queues w until the running (or a newly started) fetch ends;
 * then w->cb runs once and the caller peeks again. -ENOKEY when the source has no
 * provider, or the provider's -errno when a fetch cannot start: w is not queued. */
int creds_source_wait(struct creds_source *s, struct creds_waiter *w);
/* creds_waiter_cancel: w's callback will not run. Accepts an unqueued waiter. */
void creds_waiter_cancel(struct creds_waiter *w);
/* creds_source_invalidate: AWS said the credentials expired: forget them (only when
 * a provider can fetch new ones). */
void creds_source_invalidate(struct creds_source *s);
bool creds_source_fetching(const struct creds_source *s);

#endif
