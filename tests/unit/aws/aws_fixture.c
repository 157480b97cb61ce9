#include "aws_fixture.h"

#include <string.h>

static struct fixture *fx_current;

const struct aws_credentials fx_creds = {
	.access_key_id = (char *)FIXTURE_AKID,
	.secret_access_key = (char *)FIXTURE_SECRET,
};

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

void fx_init(struct fixture *f, test_handler handler, void *arg)
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

int fx_client(struct fixture *f)
{
	struct aws_error err;
	int r;

	aws_error_init(&err);
	r = aws_client_new(&f->loop, &f->opts, &f->client, &err);
	aws_error_release(&err);
	return r;
}

void fx_run_until(struct fixture *f, bool (*done)(void *), void *arg)
{
	for (int i = 0; i < 1000000 && !done(arg); i++)
		if (uv_run(&f->loop, UV_RUN_ONCE) == 0 && !done(arg))
			break;
}

void fx_on_closed(void *arg)
{
	((struct fixture *)arg)->closed = true;
}

bool fx_is_closed(void *arg)
{
	return ((struct fixture *)arg)->closed;
}

int fx_finish(struct fixture *f)
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

void fx_scripted(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	const struct fx_script *s = arg;
	unsigned i = index < s->n ? index : s->n - 1;

	(void)req;
	*resp = (struct test_response){ TEST_RESPOND, s->status[i] ? s->status[i] : 200, NULL, s->answers[i] };
}

int fx_start(struct fixture *f, struct fx_script *s)
{
	fx_init(f, fx_scripted, s);
	return fx_client(f);
}

struct fx_outcome *fx_answered(void *arg, int status)
{
	struct fx_outcome *o = arg;

	o->calls++;
	o->status = status;
	return o;
}

bool fx_done(void *arg)
{
	return ((struct fx_outcome *)arg)->calls > 0;
}
