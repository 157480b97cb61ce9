/* The credential_process provider: runs the profile's command (already split into
 * arguments, executed directly: no shell) with uv_spawn, reads its standard output
 * and error through pipes on the loop, bounds both, kills the child after the
 * timeout and parses the Version 1 JSON it printed.
 *
 * Each run owns its handles (process, two pipes, a timer) and is freed when the
 * last of them has closed. The answer goes out once (finish()); the process handle
 * is closed only after the child was reaped, so a killed child never stays a
 * zombie. A provider freed while a run is going (the client closing) detaches the
 * run, kills the child, and holds the client open until the handles have closed. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client_impl.h"
#include "creds_process_parse.h"
#include "xalloc.h"

#define STDERR_KEEP 1024 /* of the child's standard error: its first line is shown */
#define LINE_SHOWN  200

struct process;

struct run {
	struct process *owner; /* NULL once the provider is gone */
	struct aws_client *client;
	uv_process_t child;
	uv_pipe_t out, err;
	uv_timer_t timer;
	unsigned open;	/* handles not yet closed */
	bool spawned;	/* the child exists (until it is reaped) */
	bool exited;	/* ... and was reaped */
	bool delivered; /* the answer went out (or nobody waits for it) */
	bool out_eof, err_eof;
	bool held; /* the client waits for our handles to close */
	int64_t exit_status;
	int term_signal;
	int spawn_error;
	struct strbuf out_buf, err_buf;
	creds_fetch_cb cb;
	void *arg;
};

struct process {
	struct creds_provider base;
	struct aws_client *client;
	char **argv;
	char *command; /* argv[0], for messages */
	unsigned timeout_ms;
	struct run *run;
};

static void run_free(struct run *r)
{
	struct aws_client *c = r->client;
	bool held = r->held;

	strbuf_release(&r->out_buf);
	strbuf_release(&r->err_buf);
	free(r);
	if (held)
		aws_client_handle_closed(c);
}

static void on_closed(uv_handle_t *h)
{
	struct run *r = h->data;

	if (--r->open == 0)
		run_free(r);
}

static void close_handle(struct run *r, uv_handle_t *h)
{
	if (!uv_is_closing(h))
		uv_close(h, on_closed);
}

/* After the answer: close what can be closed now; the process handle only once
 * the child has been reaped (or was never started). */
static void settle(struct run *r)
{
	close_handle(r, (uv_handle_t *)&r->out);
	close_handle(r, (uv_handle_t *)&r->err);
	close_handle(r, (uv_handle_t *)&r->timer);
	if (r->exited || !r->spawned)
		close_handle(r, (uv_handle_t *)&r->child);
}

static void kill_child(struct run *r)
{
	if (r->spawned && !r->exited)
		uv_process_kill(&r->child, SIGKILL);
}

/* The first line of what the child wrote on standard error, bounded. */
static void first_line(const struct run *r, char *out, size_t size)
{
	size_t n = r->err_buf.len ? strcspn(r->err_buf.buf, "\r\n") : 0;

	if (n > LINE_SHOWN)
		n = LINE_SHOWN;
	snprintf(out, size, "%.*s", (int)n, n ? r->err_buf.buf : "");
}

static void finish(struct run *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void finish(struct run *r, int status, const char *fmt, ...)
{
	creds_fetch_cb cb = r->cb;
	void *arg = r->arg;
	struct aws_credentials creds;
	struct aws_error err;
	const char *why = NULL;
	char *msg;
	va_list ap;
	int rc;

	if (r->delivered)
		return;
	r->delivered = true;
	r->cb = NULL;
	if (r->owner) {
		r->owner->run = NULL;
		r->owner = NULL;
	}
	kill_child(r);
	settle(r);
	if (!cb)
		return;
	if (status == 0) {
		rc = creds_process_parse_json(r->out_buf.buf, r->out_buf.len, &creds, &why);
		if (rc == 0) {
			cb(arg, 0, NULL, &creds);
			aws_credentials_release(&creds);
			return;
		}
		status = rc;
		fmt = NULL;
	}
	va_start(ap, fmt);
	msg = fmt ? xvasprintf(fmt, ap) : xasprintf("credential_process: %s", why);
	va_end(ap);
	aws_error_init(&err);
	aws_error_set_local(&err, status, "CredentialsError", "%s", msg);
	cb(arg, status, &err, NULL);
	aws_error_release(&err);
	free(msg);
}

static void maybe_done(struct run *r)
{
	char line[LINE_SHOWN + 1];

	if (!r->exited || !r->out_eof || !r->err_eof || r->delivered)
		return;
	first_line(r, line, sizeof(line));
	if (r->term_signal)
		finish(r, -ECHILD, "credential_process: killed by signal %d%s%s", r->term_signal, *line ? ": " : "",
		       line);
	else if (r->exit_status != 0)
		finish(r, -ECHILD, "credential_process: exited with status %lld%s%s", (long long)r->exit_status,
		       *line ? ": " : "", line);
	else
		finish(r, 0, NULL);
}

static void on_exit_cb(uv_process_t *p, int64_t exit_status, int term_signal)
{
	struct run *r = p->data;

	r->exited = true;
	r->exit_status = exit_status;
	r->term_signal = term_signal;
	if (r->delivered)
		close_handle(r, (uv_handle_t *)&r->child);
	else
		maybe_done(r);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[4096];

	(void)h;
	(void)suggested;
	/* One reader at a time on the loop; the bytes are copied out in on_read. */
	buf->base = slab;
	buf->len = sizeof(slab);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct run *r = s->data;
	bool is_out = s == (uv_stream_t *)&r->out;
	struct strbuf *sb = is_out ? &r->out_buf : &r->err_buf;

	if (n > 0) {
		if (strbuf_add(sb, buf->base, (size_t)n) < 0 && is_out) {
			finish(r, -EMSGSIZE, "credential_process: more than %u bytes of output",
			       CREDS_PROCESS_MAX_OUTPUT);
			return;
		}
		return; /* standard error past its cap is dropped: only the first line matters */
	}
	if (n == 0)
		return;
	uv_read_stop(s);
	if (is_out)
		r->out_eof = true;
	else
		r->err_eof = true;
	maybe_done(r);
}

static void on_timeout(uv_timer_t *t)
{
	struct run *r = t->data;
	struct process *p = r->owner;

	finish(r, -ETIMEDOUT, "credential_process: no answer within %u ms; the command was killed",
	       p ? p->timeout_ms : 0);
}

static void on_spawn_failed(uv_timer_t *t)
{
	struct run *r = t->data;

	finish(r, -ENOEXEC, "credential_process: cannot run %s: %s", r->owner ? r->owner->command : "the command",
	       uv_strerror(r->spawn_error));
}

static int process_fetch(struct creds_provider *base, creds_fetch_cb cb, void *arg)
{
	struct process *p = (struct process *)base;
	uv_loop_t *loop = p->client->loop;
	uv_stdio_container_t stdio[3];
	uv_process_options_t opts = { 0 };
	struct run *r;
	int rc;

	if (p->run)
		return -EBUSY;
	r = xcalloc(1, sizeof(*r));
	r->owner = p;
	r->client = p->client;
	r->cb = cb;
	r->arg = arg;
	strbuf_init(&r->out_buf, CREDS_PROCESS_MAX_OUTPUT);
	strbuf_init(&r->err_buf, STDERR_KEEP);
	uv_pipe_init(loop, &r->out, 0);
	uv_pipe_init(loop, &r->err, 0);
	uv_timer_init(loop, &r->timer);
	r->out.data = r->err.data = r->timer.data = r->child.data = r;
	r->open = 4;

	stdio[0].flags = UV_IGNORE;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&r->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&r->err;
	opts.file = p->argv[0];
	opts.args = p->argv;
	opts.exit_cb = on_exit_cb;
	opts.stdio = stdio;
	opts.stdio_count = 3;
	p->run = r;
	rc = uv_spawn(loop, &r->child, &opts);
	if (rc < 0) {
		/* Answered from the loop, as every fetch is. */
		r->spawn_error = rc;
		uv_timer_start(&r->timer, on_spawn_failed, 0, 0);
		return 0;
	}
	r->spawned = true;
	uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&r->err, on_alloc, on_read);
	uv_timer_start(&r->timer, on_timeout, p->timeout_ms, 0);
	return 0;
}

static void process_free(struct creds_provider *base)
{
	struct process *p = (struct process *)base;
	struct run *r = p->run;

	if (r) {
		/* The client is closing: nobody waits for this answer any more. */
		r->owner = NULL;
		r->cb = NULL;
		r->held = true;
		r->client->pending_closes++;
		finish(r, -ECANCELED, "shutting down");
	}
	creds_argv_free(p->argv);
	free(p);
}

struct creds_provider *creds_process_new(struct aws_client *c, const struct creds_plan *plan)
{
	struct process *p = xcalloc(1, sizeof(*p));
	size_t n = 0;

	while (plan->argv[n])
		n++;
	p->base.kind = "process";
	p->base.fetch = process_fetch;
	p->base.free = process_free;
	p->client = c;
	p->argv = xcalloc(n + 1, sizeof(*p->argv));
	for (size_t i = 0; i < n; i++)
		p->argv[i] = xstrdup(plan->argv[i]);
	p->command = p->argv[0];
	p->timeout_ms = plan->timeout_ms ? plan->timeout_ms : CREDS_PROCESS_TIMEOUT_MS;
	return &p->base;
}
