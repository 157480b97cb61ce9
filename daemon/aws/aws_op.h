/* The plumbing shared by the typed clients: send a built request, parse a success
 * answer into a typed result with a pure parser, hand it to the typed callback, free
 * it; and the pager, which walks every page of a listing (a new call per page, each
 * with its own retries) and hands over everything at once.
 *
 * Callbacks are stored as void (*)(void) and cast back by the spec's deliver
 * function, which knows the real type. An answer that does not parse ends the call
 * with -EBADMSG and an error whose code is "InvalidResponse". */
#ifndef BTD_AWS_OP_H
#define BTD_AWS_OP_H

#include <stddef.h>

#include "aws_client.h"

typedef void (*aws_any_cb)(void);

struct aws_op_spec {
	size_t result_size; /* 0: the operation has no result */
	/* parse: fills a zeroed result from a success body. */
	int (*parse)(const char *body, size_t len, void *result);
	void (*release)(void *result);
	/* deliver: calls cb with the right type; result is NULL on error. */
	void (*deliver)(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result);
};

/* aws_op_call: aws_client_call() with the answer parsed by spec. */
int aws_op_call(struct aws_client *c, const struct aws_target *t, struct aws_request *req,
		const struct aws_op_spec *spec, aws_any_cb cb, void *arg);
/* aws_op_call_json: aws_op_call() of a JSON-protocol operation (SSM, Budgets, the
 * tagging API) with body as its input; body is taken. */
int aws_op_call_json(struct aws_client *c, const struct aws_target *t, enum aws_service service, const char *operation,
		     cJSON *body, const struct aws_op_spec *spec, aws_any_cb cb, void *arg);
/* aws_op_call_creds: the same through aws_client_call_creds(). */
int aws_op_call_creds(struct aws_client *c, const char *account, const char *region, struct creds_source *creds,
		      struct aws_request *req, const struct aws_op_spec *spec, aws_any_cb cb, void *arg);

/* Ready-made deliver functions: without a result (aws_done_cb), tags (aws_tags_cb),
 * a string list (aws_strv_cb). */
void aws_op_deliver_tags(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result);
void aws_op_deliver_strv(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result);
void aws_op_release_tags(void *result);
void aws_op_release_strv(void *result);
void aws_op_deliver_done(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result);

#define AWS_PAGER_MAX_PAGES 100000

struct aws_pager_spec {
	size_t result_size; /* the accumulated result */
	/* build: the request for the page after `token` (NULL for the first). */
	void (*build)(const void *input, const char *token, struct aws_request *ret);
	/* parse_page: appends one page to result; *ret_next is the next token or NULL
	 * (an empty token also ends the walk). */
	int (*parse_page)(const char *body, size_t len, void *result, char **ret_next);
	void (*release)(void *result);
	void (*deliver)(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *result);
	void (*free_input)(void *input);
	/* shrink (may be NULL): a page's answer was over the client's bound for an answer;
	 * input now asks for fewer items a page (build reads it; result may note it), and
	 * the same page is asked again at once; false when it asks for as few as it can
	 * (the walk fails with -EMSGSIZE). With shrink, such an answer is not retried as
	 * it was asked. */
	bool (*shrink)(void *input, void *result);
};

/* aws_pager_start: walks every page; takes ownership of input (freed with
 * spec->free_input whatever the outcome). 0: cb runs once, later; -errno: never. */
int aws_pager_start(struct aws_client *c, const struct aws_target *t, const struct aws_pager_spec *spec, void *input,
		    aws_any_cb cb, void *arg);
/* aws_pager_start_init: the same, init(result, input) run on the zeroed result before
 * the first page (what the pages are parsed with). */
int aws_pager_start_init(struct aws_client *c, const struct aws_target *t, const struct aws_pager_spec *spec,
			 void *input, void (*init)(void *result, const void *input), aws_any_cb cb, void *arg);

#endif
