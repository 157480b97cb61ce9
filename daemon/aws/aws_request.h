/* One AWS API request before and after signing.
 *
 * The typed clients build a struct aws_request for their protocol (restJson1,
 * awsJson1.1 or awsQuery); aws_request_sign() turns it, an endpoint, credentials and
 * a time into the exact URL and header list to send, signed with SigV4. Pure: no
 * I/O; the clock is an argument. A request owns its strings and body. */
#ifndef BTD_AWS_REQUEST_H
#define BTD_AWS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws_endpoint.h"
#include "aws_service.h"
#include "sigv4.h"
#include "strbuf.h"

#define AWS_REQUEST_BODY_MAX (4u << 20) /* requests the daemon builds stay far below */

struct aws_request {
	enum aws_service service;
	char *operation;     /* "CreateInferenceProfile": X-Amz-Target, Action=, counters */
	char *method;	     /* "GET", "POST", "DELETE" */
	char *path;	     /* percent-encoded, starting with '/' */
	struct strbuf query; /* percent-encoded "k=v&k=v", without '?' */
	char *content_type;  /* NULL when there is no body */
	char *target;	     /* awsJson1.1 X-Amz-Target, else NULL */
	struct strbuf body;
	bool unsigned_request; /* sent without SigV4 (STS AssumeRoleWithWebIdentity) */
	/* S3 virtual-hosted addressing: "bucket." before the endpoint's host; NULL for
	 * none. S3 requests (AWS_S3) are signed with S3's rules: the path is neither
	 * normalized nor encoded a second time. */
	char *host_prefix;
	size_t max_response_bytes; /* the answer's body at most; 0: the client's (8 MiB) */
	/* an answer over that bound fails at once, not retried as a lost one: the caller
	 * asks again for less (a pager's page of fewer items, aws_op.h) */
	bool oversize_final;
};

struct aws_header {
	char *name;
	char *value;
};

/* What goes on the wire. Owns everything. */
struct aws_signed_request {
	char *url;
	struct aws_header *headers; /* Host first; Authorization last when signed */
	size_t n_headers;
};

/* aws_request_init: an empty request (method and path copied). */
void aws_request_init(struct aws_request *r, enum aws_service s, const char *operation, const char *method,
		      const char *path);
void aws_request_release(struct aws_request *r);

/* restJson1: aws_request_init(), then optional query parameters and a JSON body. */
void aws_request_add_query(struct aws_request *r, const char *key, const char *value);
void aws_request_set_json(struct aws_request *r, const cJSON *body);
/* aws_path_label: appends value as one percent-encoded path segment ('/' becomes
 * %2F), as the SDKs encode an httpLabel. */
void aws_path_label(struct strbuf *path, const char *value);

/* awsJson1.1: POST / with X-Amz-Target <prefix>.<operation> and the JSON body. */
void aws_request_init_json(struct aws_request *r, enum aws_service s, const char *operation, const cJSON *body);

/* awsQuery: POST / with a form body that starts Action=<op>&Version=<api>. */
void aws_request_init_query(struct aws_request *r, enum aws_service s, const char *operation);
/* aws_request_add_form: appends &key=value (both percent-encoded). */
void aws_request_add_form(struct aws_request *r, const char *key, const char *value);
void aws_request_add_formf(struct aws_request *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* aws_request_sign: the URL and headers for r sent to ep at time now. creds may be
 * NULL only for an unsigned request. user_agent may be NULL. -EINVAL when the request
 * cannot be canonicalized. */
int aws_request_sign(const struct aws_request *r, const struct aws_endpoint *ep, const struct sigv4_credentials *creds,
		     time_t now, const char *user_agent, struct aws_signed_request *ret);
void aws_signed_request_release(struct aws_signed_request *s);
/* aws_signed_request_header: the value of the header named name (any case), or NULL. */
const char *aws_signed_request_header(const struct aws_signed_request *s, const char *name);

#endif
