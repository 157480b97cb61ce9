/* Integration-test harness: starts awsim (the emulator, built from tests/awsim/) on
 * a free port, talks to its admin API, and points an AWS client at it. awsim's
 * first stdout line is "listening on 127.0.0.1:N". Blocking admin calls are made
 * with libcurl's easy interface: the loop is not running while they are. */
#ifndef BTD_AWSIM_HARNESS_H
#define BTD_AWSIM_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "aws_client.h"

#define HARNESS_AKID	"AKIDINTEGRATION"
#define HARNESS_SECRET	"integration/secret+key"
#define HARNESS_ACCOUNT "123456789012"

struct awsim {
	pid_t pid;
	char url[160]; /* http://127.0.0.1:N */
};

/* awsim_start: extra_args is a NULL-terminated list of further options (may be NULL).
 * Aborts the test program when awsim cannot start. */
void awsim_start(struct awsim *sim, const char *const *extra_args);
void awsim_stop(struct awsim *sim);
/* awsim_admin: METHOD /_awsim/<path> with an optional JSON body; returns the HTTP
 * status and, when ret_body is not NULL, the answer (free it). */
int awsim_admin(const struct awsim *sim, const char *method, const char *path, const char *body, char **ret_body);
/* awsim_calls: how many calls of operation (e.g. "ssm:PutParameter") ended with outcome
 * ("ok", "throttled", "failed"), from GET /_awsim/calls. */
long awsim_calls(const struct awsim *sim, const char *operation, const char *outcome);

/* A client for the tests: every endpoint at awsim, the harness's credentials unless
 * opts says otherwise, region us-east-1. env is a NULL-terminated name/value list
 * read through the getenv hook (may be NULL). */
struct harness {
	uv_loop_t loop;
	struct awsim sim;
	struct aws_client *client;
	struct aws_client_options opts;
	const char *const *env;
	bool closed;
};

void harness_init(struct harness *h, const char *const *awsim_args);
/* harness_client: creates h->client from h->opts; returns aws_client_new()'s result. */
int harness_client(struct harness *h);
/* harness_run_until: runs the loop until done(arg) or nothing is left to run. */
void harness_run_until(struct harness *h, bool (*done)(void *arg), void *arg);
/* harness_finish: closes the client, stops awsim, returns uv_loop_close()'s result. */
int harness_finish(struct harness *h);

/* A tiny completion record for callbacks. */
struct done {
	int calls;
	int status;
	char code[64];
	char message[256];
	int http_status;
	enum aws_error_class cls;
};

void done_record(struct done *d, int status, const struct aws_error *err);
/* done_cb: an aws_done_cb that records into the struct done passed as arg. */
void done_cb(void *arg, int status, const struct aws_error *err);
bool done_p(void *arg);
/* harness_wait: runs the loop until d has been called (the caller zeroes it before the
 * call); returns d->status. */
int harness_wait(struct harness *h, struct done *d);

#endif
