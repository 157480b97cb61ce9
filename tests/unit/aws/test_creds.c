/* creds_source: the cache in front of a provider, on a fake clock with a provider the
 * test completes by hand: waiters, background refresh inside the margin, failures
 * that keep still-valid credentials, invalidation, shutdown. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "creds.h"
#include "xalloc.h"

struct fake {
	struct creds_provider base;
	int fetches;
	int refuse; /* fetch returns this when < 0 */
	creds_fetch_cb cb;
	void *arg;
};

static int64_t now_ms;

static int64_t clock_now(void *arg)
{
	return now_ms;
}

static int fake_fetch(struct creds_provider *p, creds_fetch_cb cb, void *arg)
{
	struct fake *f = (struct fake *)p;

	if (f->refuse)
		return f->refuse;
	assert_null(f->cb); /* one fetch at a time */
	f->fetches++;
	f->cb = cb;
	f->arg = arg;
	return 0;
}

static void fake_free(struct creds_provider *p)
{
	free(p);
}

static struct fake *fake_new(void)
{
	struct fake *f = xcalloc(1, sizeof(*f));

	f->base.kind = "fake";
	f->base.fetch = fake_fetch;
	f->base.free = fake_free;
	return f;
}

static void complete(struct fake *f, const char *akid, int64_t expiration)
{
	struct aws_credentials c = {
		.access_key_id = (char *)akid,
		.secret_access_key = (char *)"secret",
		.session_token = (char *)"token",
		.expiration_ms = expiration,
	};
	creds_fetch_cb cb = f->cb;

	f->cb = NULL;
	cb(f->arg, 0, NULL, &c);
}

static void fail_fetch(struct fake *f, int status)
{
	struct aws_error e;
	creds_fetch_cb cb = f->cb;

	aws_error_init(&e);
	aws_error_set_local(&e, status, "CredentialsError", "fake failure");
	f->cb = NULL;
	cb(f->arg, status, &e, NULL);
	aws_error_release(&e);
}

struct waiter {
	struct creds_waiter w;
	int calls;
	int status;
};

static void on_wake(struct creds_waiter *w, int status, const struct aws_error *err)
{
	struct waiter *x = (struct waiter *)w;

	x->calls++;
	x->status = status;
	if (status < 0)
		assert_non_null(err);
}

static void waiter_init(struct waiter *x)
{
	memset(x, 0, sizeof(*x));
	list_init(&x->w.link);
	x->w.cb = on_wake;
}

static void test_waiters_share_one_fetch(void **state)
{
	struct fake *f = fake_new();
	struct creds_source *s = creds_source_new("default", &f->base, NULL, clock_now, NULL);
	struct waiter a, b;
	const struct aws_credentials *c;

	now_ms = 1000000;
	waiter_init(&a);
	waiter_init(&b);
	assert_null(creds_source_peek(s));
	assert_int_equal(creds_source_wait(s, &a.w), 0);
	assert_int_equal(creds_source_wait(s, &b.w), 0);
	assert_int_equal(f->fetches, 1);
	assert_true(creds_source_fetching(s));
	complete(f, "AKID1", now_ms + 3600000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.status, 0);
	c = creds_source_peek(s);
	assert_non_null(c);
	assert_string_equal(c->access_key_id, "AKID1");
	assert_int_equal(s->refreshes, 1);
	creds_source_free(s);
}

static void test_refresh_in_margin(void **state)
{
	struct fake *f = fake_new();
	struct creds_source *s = creds_source_new("default", &f->base, NULL, clock_now, NULL);
	struct waiter a;
	const struct aws_credentials *c;

	now_ms = 0;
	waiter_init(&a);
	s->refresh_margin_ms = 300000;
	assert_int_equal(creds_source_wait(s, &a.w), 0);
	complete(f, "AKID1", 900000);
	/* fresh: no refresh */
	now_ms = 500000;
	assert_non_null(creds_source_peek(s));
	assert_int_equal(f->fetches, 1);
	/* inside the margin: still usable, a refresh starts in the background */
	now_ms = 700000;
	c = creds_source_peek(s);
	assert_non_null(c);
	assert_string_equal(c->access_key_id, "AKID1");
	assert_int_equal(f->fetches, 2);
	assert_non_null(creds_source_peek(s)); /* no second fetch while one runs */
	assert_int_equal(f->fetches, 2);
	complete(f, "AKID2", 700000 + 900000);
	assert_string_equal(creds_source_peek(s)->access_key_id, "AKID2");
	creds_source_free(s);
}

static void test_failure_keeps_valid_credentials(void **state)
{
	struct fake *f = fake_new();
	struct creds_source *s = creds_source_new("alias", &f->base, NULL, clock_now, NULL);
	struct waiter a;

	now_ms = 0;
	waiter_init(&a);
	assert_int_equal(creds_source_wait(s, &a.w), 0);
	complete(f, "AKID1", 900000);
	now_ms = 800000;
	assert_non_null(creds_source_peek(s)); /* starts a refresh */
	fail_fetch(f, -EACCES);
	assert_int_equal(s->failures, 1);
	/* still valid: kept; and no new attempt before the failure backoff */
	assert_non_null(creds_source_peek(s));
	assert_int_equal(f->fetches, 2);
	now_ms += s->failure_backoff_ms;
	assert_non_null(creds_source_peek(s));
	assert_int_equal(f->fetches, 3);
	fail_fetch(f, -EACCES);
	/* past the expiry (minus the safety margin) they are no longer handed out */
	now_ms = 900000 - 1000;
	assert_null(creds_source_peek(s));
	/* a waiter then learns of the failure */
	assert_int_equal(creds_source_wait(s, &a.w), 0);
	fail_fetch(f, -EACCES);
	assert_int_equal(a.status, -EACCES);
	creds_source_free(s);
}

static void test_fixed_and_missing(void **state)
{
	struct aws_credentials fixed = { .access_key_id = (char *)"AKID", .secret_access_key = (char *)"s" };
	struct creds_source *s = creds_source_new("default", NULL, &fixed, clock_now, NULL);
	struct waiter a;

	now_ms = 0;
	waiter_init(&a);
	assert_non_null(creds_source_peek(s));
	creds_source_invalidate(s); /* nothing could replace them: kept */
	assert_non_null(creds_source_peek(s));
	creds_source_free(s);

	s = creds_source_new("default", NULL, NULL, clock_now, NULL);
	assert_null(creds_source_peek(s));
	assert_int_equal(creds_source_wait(s, &a.w), -ENOKEY);
	assert_false(list_linked(&a.w.link));
	creds_source_free(s);
}

static void test_invalidate_cancel_and_free(void **state)
{
	struct fake *f = fake_new();
	struct creds_source *s = creds_source_new("default", &f->base, NULL, clock_now, NULL);
	struct waiter a, b;

	now_ms = 0;
	waiter_init(&a);
	waiter_init(&b);
	assert_int_equal(creds_source_wait(s, &a.w), 0);
	complete(f, "AKID1", 0); /* no expiry */
	assert_non_null(creds_source_peek(s));
	creds_source_invalidate(s);
	assert_null(creds_source_peek(s));
	assert_int_equal(creds_source_wait(s, &a.w), 0);
	assert_int_equal(creds_source_wait(s, &b.w), 0);
	creds_waiter_cancel(&b.w);
	creds_waiter_cancel(&b.w); /* twice is harmless */
	complete(f, "AKID2", 0);
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 0);

	/* a provider that refuses to start */
	creds_source_invalidate(s);
	f->refuse = -EIO;
	assert_int_equal(creds_source_wait(s, &a.w), -EIO);
	f->refuse = 0;
	/* free fails the waiters still queued */
	assert_int_equal(creds_source_wait(s, &b.w), 0);
	f->cb = NULL; /* the test plays the carrier that was closed first */
	creds_source_free(s);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, -ECANCELED);
}

static void test_copy_release(void **state)
{
	struct aws_credentials a = { 0 }, b;

	a.access_key_id = xstrdup("AKID");
	a.secret_access_key = xstrdup("secret");
	a.expiration_ms = 5;
	aws_credentials_copy(&b, &a);
	assert_string_equal(b.access_key_id, "AKID");
	assert_null(b.session_token);
	assert_int_equal(b.expiration_ms, 5);
	aws_credentials_release(&a);
	aws_credentials_release(&b);
	assert_null(b.secret_access_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waiters_share_one_fetch),		cmocka_unit_test(test_refresh_in_margin),
		cmocka_unit_test(test_failure_keeps_valid_credentials), cmocka_unit_test(test_fixed_and_missing),
		cmocka_unit_test(test_invalidate_cancel_and_free),	cmocka_unit_test(test_copy_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
