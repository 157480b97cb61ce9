#include "http_parser.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

enum state {
	ST_HEAD,
	ST_BODY,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_END,
	ST_TRAILER,
	ST_DONE,
	ST_ERROR,
};

#define CHUNK_LINE_MAX 256

void http_limits_default(struct http_limits *lim)
{
	lim->max_header_bytes = 16 * 1024;
	lim->max_headers = 64;
	lim->max_body_bytes = 1024 * 1024;
}

void http_parser_init(struct http_parser *p, const struct http_limits *lim)
{
	struct http_limits def;

	http_limits_default(&def);
	memset(p, 0, sizeof(*p));
	p->limits = def;
	if (lim) {
		if (lim->max_header_bytes)
			p->limits.max_header_bytes = lim->max_header_bytes;
		if (lim->max_headers)
			p->limits.max_headers = lim->max_headers;
		if (lim->max_body_bytes)
			p->limits.max_body_bytes = lim->max_body_bytes;
	}
	if (p->limits.max_headers > HTTP_MAX_HEADERS_HARD)
		p->limits.max_headers = HTTP_MAX_HEADERS_HARD;
	strbuf_init(&p->line, CHUNK_LINE_MAX);
	p->state = ST_HEAD;
}

void http_message_free(struct http_message *m)
{
	if (!m)
		return;
	strbuf_release(&m->body);
	strbuf_release(&m->head_);
	free(m->path_);
	free(m);
}

void http_parser_reset(struct http_parser *p)
{
	http_message_free(p->msg);
	p->msg = NULL;
	p->state = ST_HEAD;
	p->scan = 0;
	p->remaining = 0;
	p->trailer_bytes = 0;
	p->status = 0;
	p->reason = NULL;
	strbuf_reset(&p->line);
}

void http_parser_release(struct http_parser *p)
{
	http_parser_reset(p);
	strbuf_release(&p->line);
}

struct http_message *http_parser_detach(struct http_parser *p)
{
	struct http_message *m = p->msg;

	p->msg = NULL;
	http_parser_reset(p);
	return m;
}

static enum http_parse_result fail(struct http_parser *p, int status, const char *reason)
{
	p->state = ST_ERROR;
	p->status = status;
	p->reason = reason;
	return HTTP_PARSE_ERROR;
}

const char *http_message_header(const struct http_message *m, const char *name)
{
	for (size_t i = 0; i < m->n_headers; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Split the next line off *pos (NUL-terminating it, dropping CR). NULL at the end. */
static char *next_line(char **pos, char *end)
{
	char *line = *pos, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl)
		nl = end;
	*pos = nl + 1;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	return line;
}

static int parse_request_line(struct http_parser *p, char *line)
{
	struct http_message *m = p->msg;
	char *sp1 = strchr(line, ' '), *sp2, *q;

	if (!sp1 || sp1 == line)
		return 400;
	*sp1 = '\0';
	for (char *c = line; *c; c++)
		if (!is_tchar((unsigned char)*c))
			return 400;
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || sp2 == sp1 + 1)
		return 400;
	*sp2 = '\0';
	m->method = line;
	m->target = sp1 + 1;
	if (m->target[0] != '/')
		return 400;
	for (const char *c = m->target; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return 400;
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0 || !isdigit((unsigned char)sp2[6]) || sp2[7] != '.' ||
	    !isdigit((unsigned char)sp2[8]) || sp2[9])
		return 400;
	if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1'))
		return 505;
	m->version_minor = sp2[8] - '0';
	/* path and query get their own copies: the target stays intact for logs. */
	q = strchr(m->target, '?');
	if (q) {
		m->path_ = xstrndup(m->target, (size_t)(q - m->target));
		m->path = m->path_;
		m->query = q + 1;
	} else {
		m->path = m->target;
		m->query = "";
	}
	return 0;
}

static bool token_list_has(const char *value, const char *token)
{
	size_t tlen = strlen(token);

	for (const char *v = value; *v;) {
		size_t n;

		v += strspn(v, " \t,");
		n = strcspn(v, " \t,");
		if (n == tlen && strncasecmp(v, token, n) == 0)
			return true;
		v += n;
	}
	return false;
}

static int parse_content_length(const char *v, size_t *ret)
{
	size_t n = 0;

	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (!isdigit((unsigned char)*v))
			return -EINVAL;
		if (n > (SIZE_MAX - 9) / 10)
			return -EOVERFLOW;
		n = n * 10 + (size_t)(*v - '0');
	}
	*ret = n;
	return 0;
}

/* Interpret the framing headers; returns an HTTP status on error, else 0. */
static int apply_headers(struct http_parser *p)
{
	struct http_message *m = p->msg;
	bool have_cl = false, have_te = false, close = false, keep = false;
	size_t cl = 0;

	for (size_t i = 0; i < m->n_headers; i++) {
		const char *n = m->headers[i].name, *v = m->headers[i].value;

		if (strcasecmp(n, "content-length") == 0) {
			size_t this;
			int r = parse_content_length(v, &this);
			if (r == -EOVERFLOW)
				return 413;
			if (r < 0 || (have_cl && this != cl))
				return 400;
			have_cl = true;
			cl = this;
		} else if (strcasecmp(n, "transfer-encoding") == 0) {
			if (have_te || strcasecmp(v, "chunked") != 0)
				return have_te ? 400 : 501;
			have_te = true;
		} else if (strcasecmp(n, "connection") == 0) {
			close |= token_list_has(v, "close");
			keep |= token_list_has(v, "keep-alive");
		} else if (strcasecmp(n, "expect") == 0) {
			m->expect_continue = strcasecmp(v, "100-continue") == 0;
		}
	}
	if (have_cl && have_te)
		return 400;
	m->keep_alive = m->version_minor == 1 ? !close : keep && !close;
	m->chunked = have_te;
	m->content_length = cl;
	if (have_cl && cl > p->limits.max_body_bytes)
		return 413;
	return 0;
}

static int parse_head(struct http_parser *p)
{
	struct http_message *m = p->msg;
	size_t head_len = m->head_.len;
	char *pos = m->head_.buf, *end = m->head_.buf + head_len, *line;
	int r;

	line = next_line(&pos, end);
	if (!line)
		return 400;
	r = parse_request_line(p, line);
	if (r)
		return r;
	while ((line = next_line(&pos, end)) && *line) {
		char *colon, *v, *e;

		if (*line == ' ' || *line == '\t')
			return 400; /* obsolete line folding */
		colon = strchr(line, ':');
		if (!colon || colon == line)
			return 400;
		for (char *c = line; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return 400;
		*colon = '\0';
		v = colon + 1;
		v += strspn(v, " \t");
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		for (char *c = v; *c; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
				return 400;
		if (m->n_headers == p->limits.max_headers)
			return 431;
		m->headers[m->n_headers].name = line;
		m->headers[m->n_headers].value = v;
		m->n_headers++;
	}
	return apply_headers(p);
}

/* Accumulate head bytes until the blank line; returns bytes consumed or sets an error. */
static enum http_parse_result feed_head(struct http_parser *p, const char *data, size_t len, size_t *consumed)
{
	struct http_message *m;
	size_t skip = 0, room, n, start, end = 0;
	int status;

	if (!p->msg) {
		/* RFC 9112 2.2: ignore empty lines before the request line. */
		while (skip < len && (data[skip] == '\r' || data[skip] == '\n'))
			skip++;
		if (skip == len) {
			*consumed = len;
			return HTTP_PARSE_MORE;
		}
		p->msg = xcalloc(1, sizeof(*p->msg));
		strbuf_init(&p->msg->body, p->limits.max_body_bytes);
		strbuf_init(&p->msg->head_, p->limits.max_header_bytes);
		p->scan = 0;
	}
	m = p->msg;
	data += skip;
	len -= skip;
	room = p->limits.max_header_bytes - m->head_.len;
	n = len < room ? len : room;
	strbuf_add(&m->head_, data, n);
	start = p->scan > 3 ? p->scan - 3 : 0;
	for (size_t i = start; i < m->head_.len; i++) {
		if (m->head_.buf[i] != '\n')
			continue;
		if (i >= 1 && m->head_.buf[i - 1] == '\n') {
			end = i + 1;
			break;
		}
		if (i >= 2 && m->head_.buf[i - 1] == '\r' && m->head_.buf[i - 2] == '\n') {
			end = i + 1;
			break;
		}
	}
	p->scan = m->head_.len;
	if (!end) {
		*consumed = skip + n;
		if (m->head_.len >= p->limits.max_header_bytes)
			return fail(p, 431, "request header fields too large");
		return HTTP_PARSE_MORE;
	}
	/* Give back what belongs to the body. */
	*consumed = skip + n - (m->head_.len - end);
	m->head_.len = end;
	m->head_.buf[end] = '\0';
	status = parse_head(p);
	if (status)
		return fail(p, status, status == 413 ? "payload too large" : "bad request");
	if (m->chunked) {
		p->state = ST_CHUNK_SIZE;
		return HTTP_PARSE_HEAD;
	}
	if (m->content_length) {
		p->state = ST_BODY;
		p->remaining = m->content_length;
		return HTTP_PARSE_HEAD;
	}
	p->state = ST_DONE;
	return HTTP_PARSE_DONE;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Collect one line (without CR LF) into p->line; true once it is complete. */
static bool take_line(struct http_parser *p, const char *data, size_t len, size_t *used, bool *overflow)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : len;

	*used = nl ? n + 1 : n;
	if (strbuf_add(&p->line, data, n) < 0) {
		*overflow = true;
		return false;
	}
	if (!nl)
		return false;
	if (p->line.len && p->line.buf[p->line.len - 1] == '\r')
		p->line.buf[--p->line.len] = '\0';
	return true;
}

static enum http_parse_result chunk_size_line(struct http_parser *p)
{
	size_t size = 0;
	const char *c = p->line.buf;
	int d;

	if (hexval(*c) < 0)
		return fail(p, 400, "bad chunk size");
	for (; (d = hexval(*c)) >= 0; c++) {
		if (size > (p->limits.max_body_bytes + 15) / 16)
			return fail(p, 413, "payload too large");
		size = size * 16 + (size_t)d;
	}
	if (*c && *c != ';' && *c != ' ' && *c != '\t')
		return fail(p, 400, "bad chunk size");
	if (size > p->limits.max_body_bytes - p->msg->body.len)
		return fail(p, 413, "payload too large");
	strbuf_reset(&p->line);
	p->remaining = size;
	p->state = size ? ST_CHUNK_DATA : ST_TRAILER;
	return HTTP_PARSE_MORE;
}

static enum http_parse_result feed_body(struct http_parser *p, const char *data, size_t len, size_t *consumed)
{
	size_t off = 0;

	while (off < len && p->state != ST_DONE) {
		size_t used = 0, n;
		bool overflow = false;

		switch (p->state) {
		case ST_BODY:
		case ST_CHUNK_DATA:
			n = len - off < p->remaining ? len - off : p->remaining;
			if (strbuf_add(&p->msg->body, data + off, n) < 0) {
				*consumed = off;
				return fail(p, 413, "payload too large");
			}
			off += n;
			p->remaining -= n;
			if (!p->remaining)
				p->state = p->state == ST_BODY ? ST_DONE : ST_CHUNK_END;
			break;
		case ST_CHUNK_SIZE:
			if (take_line(p, data + off, len - off, &used, &overflow)) {
				off += used;
				if (chunk_size_line(p) == HTTP_PARSE_ERROR) {
					*consumed = off;
					return HTTP_PARSE_ERROR;
				}
			} else {
				off += used;
			}
			break;
		case ST_CHUNK_END:
			if (take_line(p, data + off, len - off, &used, &overflow)) {
				off += used;
				if (p->line.len) {
					*consumed = off;
					return fail(p, 400, "chunk not followed by CRLF");
				}
				p->state = ST_CHUNK_SIZE;
			} else {
				off += used;
			}
			break;
		case ST_TRAILER:
			if (take_line(p, data + off, len - off, &used, &overflow)) {
				if (!p->line.len)
					p->state = ST_DONE;
				strbuf_reset(&p->line);
			}
			off += used;
			p->trailer_bytes += used;
			if (p->trailer_bytes > p->limits.max_header_bytes) {
				*consumed = off;
				return fail(p, 431, "trailer fields too large");
			}
			break;
		default:
			break;
		}
		if (overflow) {
			*consumed = off;
			return fail(p, 400, "line too long");
		}
	}
	*consumed = off;
	return p->state == ST_DONE ? HTTP_PARSE_DONE : HTTP_PARSE_MORE;
}

enum http_parse_result http_parser_feed(struct http_parser *p, const char *data, size_t len, size_t *consumed)
{
	*consumed = 0;
	switch (p->state) {
	case ST_ERROR:
		return HTTP_PARSE_ERROR;
	case ST_DONE:
		return HTTP_PARSE_DONE;
	case ST_HEAD:
		return feed_head(p, data, len, consumed);
	default:
		return feed_body(p, data, len, consumed);
	}
}

const char *http_status_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}
