/* A loop, a scripted server and an AWS client pointed at it, for the unit tests of
 * the AWS layer's loop-bound parts (tests/unit/aws/aws_fixture.c): the setup and
 * teardown every such test shares, a script of answers in order, and the outcome a
 * test's callback records. One fixture at a time per program. */
#ifndef BTD_AWS_FIXTURE_H
#define BTD_AWS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "aws_client.h"
#include "test_server.h"

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

/* The credentials fx_init puts in f->opts. */
extern const struct aws_credentials fx_creds;

/* Start the loop and the server; the test then adjusts f->opts / f->env and calls
 * fx_client(). */
void fx_init(struct fixture *f, test_handler handler, void *arg);
/* fx_client: the AWS client on f->opts; aws_client_new's result. */
int fx_client(struct fixture *f);
/* fx_run_until: runs the loop until done(arg) or nothing is left to run. */
void fx_run_until(struct fixture *f, bool (*done)(void *), void *arg);
/* fx_on_closed, fx_is_closed: the close callback marking f->closed, and its test. */
void fx_on_closed(void *arg);
bool fx_is_closed(void *arg);
/* Close everything; returns uv_loop_close()'s result. */
int fx_finish(struct fixture *f);

/* A script: the answers, in order, the last one repeated; status 0 is 200. */
#define FX_SCRIPT_MAX 8
struct fx_script {
	const char *answers[FX_SCRIPT_MAX];
	unsigned n;
	int status[FX_SCRIPT_MAX];
};

/* fx_scripted: the test_handler answering by a struct fx_script. */
void fx_scripted(void *arg, const struct test_request *req, unsigned index, struct test_response *resp);
/* fx_start: fx_init with fx_scripted over s, then fx_client(); fx_client's result. */
int fx_start(struct fixture *f, struct fx_script *s);

/* What a call's callback saw; each test fills the fields it checks. */
struct fx_outcome {
	int calls;
	int status;
	size_t n;
	double value;
	bool truncated;
	char first[256];
	char token[64];
	char code[64];
};

/* fx_answered: counts the call and keeps its status; returns arg as an outcome. */
struct fx_outcome *fx_answered(void *arg, int status);
/* fx_done: whether the outcome arg has been answered (for fx_run_until). */
bool fx_done(void *arg);

#endif
