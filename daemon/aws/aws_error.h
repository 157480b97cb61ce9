/* struct aws_error: what went wrong with an AWS call, beside its -errno.
 *
 * aws_error_parse() reads every error shape of the protocols the daemon uses:
 * restJson1 (X-Amzn-ErrorType header, body "code" / "__type"), awsJson1.0/1.1 (body
 * "__type", "code"), awsQuery (<ErrorResponse><Error><Code>), ec2Query
 * (<Response><Errors><Error><Code>) and restXml (<Error><Code>), then sanitizes the code
 * (cut at the first ':', keep what follows '#') and classifies it through retry.h. It
 * is pure and never fails: an unreadable body leaves the code empty and the class
 * follows the HTTP status. The struct owns its strings. */
#ifndef BTD_AWS_ERROR_H
#define BTD_AWS_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "aws_service.h"

enum aws_error_class {
	AWS_ERROR_TERMINAL,   /* retrying will not help: validation, access, quota, not found */
	AWS_ERROR_RETRYABLE,  /* transient: 5xx, timeouts, connection errors, conflicts */
	AWS_ERROR_THROTTLING, /* slow down, then retry */
};

#define AWS_ERROR_MESSAGE_MAX 512 /* longer messages are cut */

struct aws_error {
	int status;		 /* the -errno reported beside this error */
	int http_status;	 /* 0 when no HTTP answer arrived (transport error) */
	char *code;		 /* sanitized AWS error code; "" when none */
	char *message;		 /* one line, control characters removed; "" when none */
	char *request_id;	 /* "" when none */
	char *operation;	 /* "CreateInferenceProfile"; "" when unknown */
	uint64_t retry_after_ms; /* the server's Retry-After / x-amz-retry-after, 0 when none */
	enum aws_error_class class;
};

/* One HTTP error answer as aws_error_parse() reads it; every pointer may be NULL. */
struct aws_error_answer {
	enum aws_protocol protocol;
	int http_status;
	const char *error_type_header; /* X-Amzn-ErrorType */
	const char *request_id_header; /* x-amzn-RequestId or x-amz-request-id */
	const char *retry_after;       /* Retry-After: seconds */
	const char *amz_retry_after;   /* x-amz-retry-after: milliseconds */
	const char *body;
	size_t body_len;
	/* credentials to mask as "***" in the message, before it is cut to length: a
	 * secret that straddles the cut would otherwise survive in part. NULL or a
	 * NULL-terminated list; NULL and empty entries are skipped. */
	const char *const *secrets;
};

void aws_error_init(struct aws_error *e);
void aws_error_release(struct aws_error *e);
/* aws_error_copy: a deep copy into dst (which is overwritten, not released). */
void aws_error_copy(struct aws_error *dst, const struct aws_error *src);

/* aws_error_parse: fills *ret (which must be initialised; previous content is
 * released) from an answer with a non-2xx status, including ret->status. The message
 * has a->secrets masked, then is cut to AWS_ERROR_MESSAGE_MAX. */
void aws_error_parse(const struct aws_error_answer *a, struct aws_error *ret);
/* aws_error_set_local: an error that did not come from an AWS answer (transport
 * failure, unreadable answer, missing credentials). status is a -errno; the class
 * follows retry_classify_transport(). */
void aws_error_set_local(struct aws_error *e, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void aws_error_set_operation(struct aws_error *e, const char *operation);
/* aws_error_redact: replaces every occurrence of secret in the message by "***". A
 * message already cut to length may hold part of a secret: an AWS answer's secrets
 * go to aws_error_parse() in struct aws_error_answer instead. */
void aws_error_redact(struct aws_error *e, const char *secret);

/* aws_error_sanitize_code: "aws.protocoltests#FooError:http://..." -> "FooError",
 * written to out (at most size bytes with the NUL). */
void aws_error_sanitize_code(const char *raw, char *out, size_t size);
/* aws_error_errno: the -errno for an AWS error code and HTTP status: -ENOENT (not
 * found), -EEXIST (already exists, conflict), -EACCES (access denied), -EPERM
 * (authentication), -EINVAL (validation), -EDQUOT (quota, too many tags), -EAGAIN
 * (throttling), -EIO (5xx), -EREMOTEIO otherwise. */
int aws_error_errno(int http_status, const char *code);
const char *aws_error_class_name(enum aws_error_class c);

#endif
