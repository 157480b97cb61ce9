/* Incremental HTTP/1.1 request parser: bytes in, one struct http_message out.
 *
 * Pure code (no I/O, no libuv) so that a fuzz target includes it directly. The parser
 * owns the message it is filling until http_parser_detach() hands it over. Every
 * length the peer controls is capped by struct http_limits: the request line plus
 * headers (431), the header count (431), the body (413), a chunk-size line (400).
 * Bodies come with Content-Length or Transfer-Encoding: chunked; a request with
 * neither has an empty body (RFC 9112 section 6.3). */
#ifndef BTD_HTTP_PARSER_H
#define BTD_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define HTTP_MAX_HEADERS_HARD 128

struct http_limits {
	size_t max_header_bytes; /* request line + header lines + trailers; default 16 KiB */
	size_t max_headers;	 /* header fields; default 64, at most HTTP_MAX_HEADERS_HARD */
	size_t max_body_bytes;	 /* decoded body; default 1 MiB */
};

struct http_header {
	const char *name;  /* as sent (case kept); points into the message */
	const char *value; /* trimmed of leading and trailing whitespace */
};

/* One parsed request. Every string points into storage the message owns. */
struct http_message {
	const char *method;
	const char *target; /* the request-target as sent */
	const char *path;   /* target up to '?', still percent-encoded */
	const char *query;  /* after '?', without it; "" when absent */
	int version_minor;  /* HTTP/1.0 or HTTP/1.1 */
	struct http_header headers[HTTP_MAX_HEADERS_HARD];
	size_t n_headers;
	struct strbuf body;
	bool keep_alive;       /* what the request asks for (version + Connection) */
	bool expect_continue;  /* "Expect: 100-continue" was sent */
	size_t content_length; /* declared length; 0 when chunked or absent */
	bool chunked;
	struct strbuf head_; /* private: raw head bytes the pointers above point into */
	char *path_;	     /* private: the path when a query follows it */
};

enum http_parse_result {
	HTTP_PARSE_MORE = 0,   /* everything consumed; feed more */
	HTTP_PARSE_HEAD = 1,   /* head complete, body pending (reported once) */
	HTTP_PARSE_DONE = 2,   /* a whole message is ready; later bytes were not consumed */
	HTTP_PARSE_ERROR = -1, /* malformed; see status and reason */
};

struct http_parser {
	struct http_limits limits;
	struct http_message *msg; /* NULL until the first byte of a message */
	int state;
	size_t scan;	    /* head bytes already searched for the blank line */
	size_t remaining;   /* body or chunk bytes still expected */
	struct strbuf line; /* chunk-size and trailer lines */
	size_t trailer_bytes;
	int status;	    /* after HTTP_PARSE_ERROR: 400, 413, 431, 501 or 505 */
	const char *reason; /* after HTTP_PARSE_ERROR: a short static text */
};

/* http_limits_default: the defaults named above. */
void http_limits_default(struct http_limits *lim);

/* http_parser_init: lim may be NULL for the defaults; zero fields take defaults too. */
void http_parser_init(struct http_parser *p, const struct http_limits *lim);
/* http_parser_release: frees the message still held, if any. */
void http_parser_release(struct http_parser *p);

/* http_parser_feed: consumes bytes of data and stores how many in *consumed. After
 * HTTP_PARSE_DONE the message is ready (take it with http_parser_detach) and the
 * bytes after it are left for the next message. After HTTP_PARSE_HEAD or
 * HTTP_PARSE_ERROR on a body limit, msg holds the head (method, target, headers) so
 * the caller can shape its answer. After an error the parser must be reset or
 * released; feeding it again returns the same error. */
enum http_parse_result http_parser_feed(struct http_parser *p, const char *data, size_t len, size_t *consumed);

/* http_parser_detach: hands the current message to the caller (NULL when there is
 * none) and makes the parser ready for the next message. */
struct http_message *http_parser_detach(struct http_parser *p);
/* http_parser_reset: drops the current message and any error state. */
void http_parser_reset(struct http_parser *p);

/* http_message_header: the first header named name (case-insensitive), or NULL. */
const char *http_message_header(const struct http_message *m, const char *name);
void http_message_free(struct http_message *m);

/* http_status_reason: "OK", "Not Found", ... ("Unknown" for codes not listed). */
const char *http_status_reason(int status);

#endif
