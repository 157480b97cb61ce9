/* AWS Signature Version 4 (header form), shared by the daemon's HTTP client, which
 * signs, and by awsim, which verifies with the very same canonicalization.
 *
 * The request is described by borrowed pointers; nothing here allocates beyond the
 * caller's strbufs. The canonical URI follows the rules for every service but S3:
 * the path as sent on the wire (already percent-encoded once) is normalized and
 * percent-encoded again. See docs/ARCHITECTURE.md "SigV4". */
#ifndef BTD_SIGV4_H
#define BTD_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "strbuf.h"

#define SIGV4_ALGORITHM	   "AWS4-HMAC-SHA256"
#define SIGV4_AMZ_DATE_LEN 16 /* 20150830T123600Z */
#define SIGV4_HEX_LEN	   64

struct sigv4_header {
	const char *name; /* any case; duplicates allowed (values are joined with ',') */
	const char *value;
};

struct sigv4_request {
	const char *method;
	const char *path;  /* as sent: "/inference-profiles/arn%3Aaws%3A..." */
	const char *query; /* as sent, without '?'; NULL or "" when none */
	const struct sigv4_header *headers;
	size_t n_headers;
	const char *payload_hash; /* lowercase hex SHA-256 of the body */
	bool normalize_path;	  /* remove "." / ".." / empty segments (true for non-S3) */
};

struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL when none */
};

/* The parts of an Authorization header value, as pointers into a private copy. */
struct sigv4_authorization {
	char *copy;
	const char *access_key_id;
	const char *date; /* yyyymmdd */
	const char *region;
	const char *service;
	const char *signed_headers; /* "host;x-amz-date" */
	const char *signature;	    /* 64 lowercase hex */
};

/* sigv4_hash_hex: lowercase hex SHA-256 of data into out (65 bytes with NUL). */
void sigv4_hash_hex(const void *data, size_t len, char out[SIGV4_HEX_LEN + 1]);
/* sigv4_format_date: "YYYYMMDDTHHMMSSZ" for t in UTC. */
void sigv4_format_date(time_t t, char out[SIGV4_AMZ_DATE_LEN + 1]);
/* sigv4_parse_date: inverse of sigv4_format_date; -EINVAL when malformed. */
int sigv4_parse_date(const char *amz_date, time_t *ret);

/* sigv4_canonical_request: appends the canonical request to out. signed_headers is
 * the ';'-separated lowercase list to include (the verifier passes the client's
 * list); NULL includes every header of req. Returns -ENOENT when a listed header is
 * absent, -EINVAL on a malformed query escape. */
int sigv4_canonical_request(const struct sigv4_request *req, const char *signed_headers, struct strbuf *out);
/* sigv4_signed_headers: the sorted, unique, lowercase ';' list of req's headers. */
int sigv4_signed_headers(const struct sigv4_request *req, struct strbuf *out);
int sigv4_string_to_sign(const char *amz_date, const char *region, const char *service, const char *canonical_request,
			 struct strbuf *out);
/* sigv4_signature: hex HMAC chain over string_to_sign with the derived key. */
void sigv4_signature(const char *secret, const char *amz_date, const char *region, const char *service,
		     const char *string_to_sign, char out[SIGV4_HEX_LEN + 1]);

/* sigv4_authorization: signs every header of req (which must already hold host,
 * x-amz-date and, with a session token, x-amz-security-token) and appends the
 * Authorization header value to out. */
int sigv4_authorization(const struct sigv4_request *req, const struct sigv4_credentials *creds, const char *region,
			const char *service, const char *amz_date, struct strbuf *out);

/* sigv4_parse_authorization: -EINVAL when value is not a well-formed SigV4 header.
 * On success *ret owns a copy; release it with sigv4_authorization_release(). */
int sigv4_parse_authorization(const char *value, struct sigv4_authorization *ret);
void sigv4_authorization_release(struct sigv4_authorization *auth);

/* sigv4_verify: recomputes the signature of req with secret and compares it in
 * constant time. 0 when it matches, -EPERM when not, -ENOENT when a signed header is
 * missing, -EINVAL when the request cannot be canonicalized. */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_authorization *auth, const char *secret,
		 const char *amz_date);

#endif
