#include "aws_op.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct op {
	const struct aws_op_spec *spec;
	aws_any_cb cb;
	void *arg;
	char *operation;
};

/* An answer that cannot be read (cut short, a proxy's page, garbled) says nothing of
 * the request, which may have been carried out: tried again later, as a lost answer
 * is; a write tried again finds what the first one did. */
static void bad_answer(struct aws_error *err, const char *operation, int status)
{
	aws_error_init(err);
	aws_error_set_local(err, status, "InvalidResponse", "malformed %s answer", operation);
	aws_error_set_operation(err, operation);
	err->class = AWS_ERROR_RETRYABLE;
}

static void on_op(void *arg, int status, const struct aws_error *err, const struct http_response *resp)
{
	struct op *op = arg;
	const struct aws_op_spec *spec = op->spec;
	void *result = NULL;
	struct aws_error perr;
	int r;

	if (status < 0) {
		spec->deliver(op->cb, op->arg, status, err, NULL);
		goto out;
	}
	if (spec->result_size) {
		result = xcalloc(1, spec->result_size);
		r = spec->parse(resp->body.buf, resp->body.len, result);
		if (r < 0) {
			bad_answer(&perr, op->operation, -EBADMSG);
			spec->deliver(op->cb, op->arg, -EBADMSG, &perr, NULL);
			aws_error_release(&perr);
			goto out;
		}
	}
	spec->deliver(op->cb, op->arg, 0, NULL, result);
out:
	if (result) {
		spec->release(result);
		free(result);
	}
	free(op->operation);
	free(op);
}

static struct op *op_new(const struct aws_op_spec *spec, const struct aws_request *req, aws_any_cb cb, void *arg)
{
	struct op *op = xcalloc(1, sizeof(*op));

	op->spec = spec;
	op->cb = cb;
	op->arg = arg;
	op->operation = xstrdup(req->operation);
	return op;
}

int aws_op_call(struct aws_client *c, const struct aws_target *t, struct aws_request *req,
		const struct aws_op_spec *spec, aws_any_cb cb, void *arg)
{
	struct op *op = op_new(spec, req, cb, arg);
	int r = aws_client_call(c, t, req, on_op, op);

	if (r < 0) {
		free(op->operation);
		free(op);
	}
	return r;
}

int aws_op_call_json(struct aws_client *c, const struct aws_target *t, enum aws_service service, const char *operation,
		     cJSON *body, const struct aws_op_spec *spec, aws_any_cb cb, void *arg)
{
	struct aws_request req;

	aws_request_init_json(&req, service, operation, body);
	cJSON_Delete(body);
	return aws_op_call(c, t, &req, spec, cb, arg);
}

int aws_op_call_creds(struct aws_client *c, const char *account, const char *region, struct creds_source *creds,
		      struct aws_request *req, const struct aws_op_spec *spec, aws_any_cb cb, void *arg)
{
	struct op *op = op_new(spec, req, cb, arg);
	int r = aws_client_call_creds(c, account, region, creds, req, on_op, op);

	if (r < 0) {
		free(op->operation);
		free(op);
	}
	return r;
}

void aws_op_deliver_done(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result)
{
	(void)result;
	((aws_done_cb)cb)(arg, status, err);
}

void aws_op_deliver_tags(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result)
{
	((aws_tags_cb)cb)(arg, status, err, result);
}

void aws_op_deliver_strv(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result)
{
	((aws_strv_cb)cb)(arg, status, err, result);
}

void aws_op_release_tags(void *result)
{
	aws_tags_release(result);
}

void aws_op_release_strv(void *result)
{
	aws_strv_release(result);
}

/* ---- pager ---- */

struct pager {
	struct aws_client *client;
	char *account, *region; /* copies of the target */
	bool priority;
	uint64_t order;
	const struct aws_pager_spec *spec;
	void *input;
	void *result;
	char *token; /* the token of the page being fetched; NULL for the first */
	unsigned pages;
	aws_any_cb cb;
	void *arg;
	char *operation;
};

static void pager_free(struct pager *p)
{
	if (p->result) {
		p->spec->release(p->result);
		free(p->result);
	}
	p->spec->free_input(p->input);
	free(p->account);
	free(p->region);
	free(p->token);
	free(p->operation);
	free(p);
}

static int pager_next(struct pager *p);

static void pager_fail(struct pager *p, int status, const struct aws_error *err)
{
	p->spec->deliver(p->cb, p->arg, status, err, NULL);
	pager_free(p);
}

/* ask_next: the page after p->token (again, when it is the one just asked), or the
 * walk fails. */
static void ask_next(struct pager *p)
{
	struct aws_error perr;
	int r = pager_next(p);

	if (r < 0) {
		aws_error_init(&perr);
		aws_error_set_local(&perr, r, "", "next page of %s: %s", p->operation, strerror(-r));
		aws_error_set_operation(&perr, p->operation);
		pager_fail(p, r, &perr);
		aws_error_release(&perr);
	}
}

static void on_page(void *arg, int status, const struct aws_error *err, const struct http_response *resp)
{
	struct pager *p = arg;
	struct aws_error perr;
	char *next = NULL;
	int r;

	if (status == -EMSGSIZE && p->spec->shrink && p->spec->shrink(p->input, p->result)) {
		p->pages--; /* the same page, smaller */
		ask_next(p);
		return;
	}
	if (status < 0) {
		pager_fail(p, status, err);
		return;
	}
	r = p->spec->parse_page(resp->body.buf, resp->body.len, p->result, &next);
	if (r == 0 && next && *next && ((p->token && strcmp(next, p->token) == 0) || p->pages >= AWS_PAGER_MAX_PAGES))
		r = -ELOOP; /* a token that does not move on would page forever */
	if (r < 0) {
		free(next);
		bad_answer(&perr, p->operation, r == -ELOOP ? -ELOOP : -EBADMSG);
		pager_fail(p, perr.status, &perr);
		aws_error_release(&perr);
		return;
	}
	if (!next || !*next) {
		free(next);
		p->spec->deliver(p->cb, p->arg, 0, NULL, p->result);
		pager_free(p);
		return;
	}
	free(p->token);
	p->token = next;
	ask_next(p);
}

static int pager_next(struct pager *p)
{
	struct aws_target t = { .account = p->account, .region = p->region, .priority = p->priority, .order = p->order };
	struct aws_request req;

	p->spec->build(p->input, p->token, &req);
	req.oversize_final = p->spec->shrink != NULL;
	if (!p->operation)
		p->operation = xstrdup(req.operation);
	p->pages++;
	return aws_client_call(p->client, &t, &req, on_page, p);
}

int aws_pager_start(struct aws_client *c, const struct aws_target *t, const struct aws_pager_spec *spec, void *input,
		    aws_any_cb cb, void *arg)
{
	return aws_pager_start_init(c, t, spec, input, NULL, cb, arg);
}

int aws_pager_start_init(struct aws_client *c, const struct aws_target *t, const struct aws_pager_spec *spec,
			 void *input, void (*init)(void *result, const void *input), aws_any_cb cb, void *arg)
{
	struct pager *p = xcalloc(1, sizeof(*p));
	int r;

	p->client = c;
	p->account = t ? xstrdup_or_null(t->account) : NULL;
	p->region = t ? xstrdup_or_null(t->region) : NULL;
	p->priority = t && t->priority;
	p->order = t ? t->order : 0;
	p->spec = spec;
	p->input = input;
	p->result = xcalloc(1, spec->result_size);
	if (init)
		init(p->result, input);
	p->cb = cb;
	p->arg = arg;
	r = pager_next(p);
	if (r < 0)
		pager_free(p);
	return r;
}
