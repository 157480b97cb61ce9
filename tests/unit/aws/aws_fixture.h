/* A loop, a scripted server and an AWS client pointed at it, for the unit tests of
 * the AWS layer's loop-bound parts. Header-only: each test program includes it once. */
#ifndef BTD_AWS_FIXTURE_H
#define BTD_AWS_FIXTURE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"
#include "test_server.h"
#include "xalloc.h"

#define FIXTURE_AKID   "AKIDFIXTURE"
#define FIXTURE_SECRET "fixture-secret"

struct fixture {
	uv_loop_t loop;
	struct test_server *server;
	struct aws_client *client;
	struct aws_client_options opts;
	const char *env[32]; /* name, value pairs for the getenv hook */
	bool closed;
};

static struct fixture *fx_current;

static const char *fx_getenv(const char *name)
{
	for (int i = 0; i < 32 && fx_current->env[i]; i += 2)
		if (strcmp(fx_current->env[i], name) == 0)
			return fx_current->env[i + 1];
	return NULL;
}

static double fx_random_zero(void *arg)
{
	(void)arg;
	return 0.0;
}

static const struct aws_credentials fx_creds = {
	.access_key_id = (char *)FIXTURE_AKID,
	.secret_access_key = (char *)FIXTURE_SECRET,
};

/* Start the loop and the server; the test then adjusts f->opts / f->env and calls
 * fx_client(). */
static void fx_init(struct fixture *f, test_handler handler, void *arg)
{
	memset(f, 0, sizeof(*f));
	fx_current = f;
	uv_loop_init(&f->loop);
	f->server = test_server_start(&f->loop, handler, arg);
	f->opts.region = "us-east-1";
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++)
		f->opts.endpoints[i] = test_server_url(f->server);
	f->opts.credentials = &fx_creds;
	f->opts.random = fx_random_zero;
	f->opts.getenv = fx_getenv;
}

static int fx_client(struct fixture *f)
{
	struct aws_error err;
	int r;

	aws_error_init(&err);
	r = aws_client_new(&f->loop, &f->opts, &f->client, &err);
	aws_error_release(&err);
	return r;
}

static void fx_run_until(struct fixture *f, bool (*done)(void *), void *arg)
{
	for (int i = 0; i < 1000000 && !done(arg); i++)
		if (uv_run(&f->loop, UV_RUN_ONCE) == 0 && !done(arg))
			break;
}

static void fx_on_closed(void *arg)
{
	((struct fixture *)arg)->closed = true;
}

static bool fx_is_closed(void *arg)
{
	return ((struct fixture *)arg)->closed;
}

/* Close everything; returns uv_loop_close()'s result. */
static int fx_finish(struct fixture *f)
{
	if (f->client)
		aws_client_close(f->client, fx_on_closed, f);
	else
		f->closed = true;
	test_server_stop(f->server);
	fx_run_until(f, fx_is_closed, f);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	return uv_loop_close(&f->loop);
}

#endif
