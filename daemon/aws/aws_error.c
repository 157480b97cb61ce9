#include "aws_error.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_json.h"
#include "aws_xml.h"
#include "retry.h"
#include "strbuf.h"
#include "xalloc.h"

#define CODE_MAX 128

static const char *const class_names[] = {
	[AWS_ERROR_TERMINAL] = "terminal",
	[AWS_ERROR_RETRYABLE] = "retryable",
	[AWS_ERROR_THROTTLING] = "throttling",
};

const char *aws_error_class_name(enum aws_error_class c)
{
	return (unsigned)c <= AWS_ERROR_THROTTLING ? class_names[c] : "?";
}

void aws_error_init(struct aws_error *e)
{
	memset(e, 0, sizeof(*e));
	e->code = xstrdup("");
	e->message = xstrdup("");
	e->request_id = xstrdup("");
	e->operation = xstrdup("");
}

void aws_error_release(struct aws_error *e)
{
	free(e->code);
	free(e->message);
	free(e->request_id);
	free(e->operation);
	memset(e, 0, sizeof(*e));
}

void aws_error_copy(struct aws_error *dst, const struct aws_error *src)
{
	*dst = *src;
	dst->code = xstrdup(src->code ? src->code : "");
	dst->message = xstrdup(src->message ? src->message : "");
	dst->request_id = xstrdup(src->request_id ? src->request_id : "");
	dst->operation = xstrdup(src->operation ? src->operation : "");
}

void aws_error_sanitize_code(const char *raw, char *out, size_t size)
{
	const char *start = raw, *end, *hash;
	size_t len;

	end = strchr(raw, ':');
	if (!end)
		end = raw + strlen(raw);
	hash = memchr(raw, '#', (size_t)(end - raw));
	if (hash)
		start = hash + 1;
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - start);
	if (len >= size)
		len = size - 1;
	memcpy(out, start, len);
	out[len] = '\0';
}

/* s with every occurrence of secret replaced by "***"; owned by the caller. */
static char *mask(const char *s, const char *secret)
{
	struct strbuf sb;
	const char *p, *hit;
	size_t n = strlen(secret);

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (p = s; (hit = strstr(p, secret)); p = hit + n) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		strbuf_adds(&sb, "***");
	}
	strbuf_adds(&sb, p);
	return strbuf_detach(&sb, NULL);
}

/* One line, no control characters, at most AWS_ERROR_MESSAGE_MAX bytes cut on a UTF-8
 * boundary. AWS signature errors continue after a newline with the canonical request,
 * which holds the session token: keeping the first line keeps secrets out. The secrets
 * (NULL-terminated, may be NULL) are masked first, on the whole text: masking after
 * the cut would miss a secret the cut split. */
static char *clean_message(const char *s, const char *const *secrets)
{
	struct strbuf sb;
	char *masked = NULL;

	for (; secrets && *secrets; secrets++) {
		char *next;
		if (!**secrets || !strstr(masked ? masked : s, *secrets))
			continue;
		next = mask(masked ? masked : s, *secrets);
		free(masked);
		masked = next;
	}
	if (masked)
		s = masked;
	strbuf_init(&sb, AWS_ERROR_MESSAGE_MAX);
	for (; s && *s && *s != '\n' && *s != '\r'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			c = ' ';
		if (strbuf_addch(&sb, (char)c) < 0) {
			while (sb.len && ((unsigned char)sb.buf[sb.len - 1] & 0xc0) == 0x80)
				sb.len--;
			if (sb.len && ((unsigned char)sb.buf[sb.len - 1] & 0xc0) == 0xc0)
				sb.len--;
			sb.buf[sb.len] = '\0';
			break;
		}
	}
	free(masked);
	return strbuf_detach(&sb, NULL);
}

static void set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value ? value : "");
}

struct found {
	char code[CODE_MAX];
	char *message;
	char *request_id;
};

static void from_json(const char *body, size_t len, bool header_first_proto, const char *const *secrets,
		      struct found *f)
{
	cJSON *doc;
	const char *code = NULL, *msg;

	if (aws_json_parse(body, len, &doc) < 0)
		return;
	/* restJson1 clients read "code" before "__type", awsJson the reverse. */
	if (header_first_proto)
		code = aws_json_str(doc, "code") ? aws_json_str(doc, "code") : aws_json_str(doc, "__type");
	else
		code = aws_json_str(doc, "__type") ? aws_json_str(doc, "__type") : aws_json_str(doc, "code");
	if (!code)
		code = aws_json_str(doc, "Code");
	if (code && !f->code[0])
		aws_error_sanitize_code(code, f->code, sizeof(f->code));
	msg = aws_json_str(doc, "message");
	if (!msg)
		msg = aws_json_str(doc, "Message");
	if (!msg)
		msg = aws_json_str(doc, "errorMessage");
	if (msg && !f->message)
		f->message = clean_message(msg, secrets);
	cJSON_Delete(doc);
}

static void from_xml(const char *body, size_t len, const char *const *secrets, struct found *f)
{
	xmlDoc *doc;
	xmlNode *root, *err = NULL;
	char *s;

	if (aws_xml_parse(body, len, &doc) < 0)
		return;
	root = xmlDocGetRootElement(doc);
	if (aws_xml_is(root, "ErrorResponse")) /* awsQuery */
		err = aws_xml_child(root, "Error");
	else if (aws_xml_is(root, "Response")) /* ec2Query */
		err = aws_xml_path(root, "Errors/Error");
	else if (aws_xml_is(root, "Error")) /* restXml */
		err = root;
	if (err) {
		s = aws_xml_path_text(err, "Code");
		if (s && !f->code[0])
			aws_error_sanitize_code(s, f->code, sizeof(f->code));
		free(s);
		s = aws_xml_path_text(err, "Message");
		if (s && !f->message)
			f->message = clean_message(s, secrets);
		free(s);
	}
	s = aws_xml_path_text(root, "RequestId");
	if (!s)
		s = aws_xml_path_text(root, "RequestID");
	if (!s && err)
		s = aws_xml_path_text(err, "RequestId");
	if (s && *s && !f->request_id)
		f->request_id = clean_message(s, NULL);
	free(s);
	xmlFreeDoc(doc);
}

static uint64_t parse_uint(const char *s, uint64_t max)
{
	uint64_t v = 0;

	if (!s)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return max;
	}
	return v;
}

void aws_error_parse(const struct aws_error_answer *a, struct aws_error *ret)
{
	struct found f = { .code = "" };
	const char *p = a->body;
	size_t left = a->body_len;
	bool header_first = a->protocol == AWS_PROTO_REST_JSON;

	if (header_first && a->error_type_header)
		aws_error_sanitize_code(a->error_type_header, f.code, sizeof(f.code));
	while (p && left && isspace((unsigned char)*p)) {
		p++;
		left--;
	}
	if (p && left && *p == '{')
		from_json(p, left, header_first, a->secrets, &f);
	else if (p && left && *p == '<')
		from_xml(p, left, a->secrets, &f);
	if (!f.code[0] && a->error_type_header)
		aws_error_sanitize_code(a->error_type_header, f.code, sizeof(f.code));

	set_str(&ret->code, f.code);
	if (f.message) {
		free(ret->message);
		ret->message = f.message;
	} else {
		free(ret->message);
		ret->message = xasprintf("HTTP %d", a->http_status);
	}
	if (a->request_id_header && *a->request_id_header) {
		free(f.request_id);
		f.request_id = clean_message(a->request_id_header, NULL);
	}
	set_str(&ret->request_id, f.request_id);
	free(f.request_id);

	ret->http_status = a->http_status;
	ret->retry_after_ms = parse_uint(a->amz_retry_after, 24 * 3600 * 1000ull);
	if (!ret->retry_after_ms)
		ret->retry_after_ms = parse_uint(a->retry_after, 24 * 3600ull) * 1000;
	ret->class = retry_classify(a->http_status, ret->code);
	ret->status = aws_error_errno(a->http_status, ret->code);
}

void aws_error_set_local(struct aws_error *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	set_str(&e->code, code);
	free(e->message);
	e->message = clean_message(msg, NULL);
	free(msg);
	set_str(&e->request_id, "");
	e->http_status = 0;
	e->retry_after_ms = 0;
	e->status = status;
	e->class = retry_classify_transport(status);
}

void aws_error_set_operation(struct aws_error *e, const char *operation)
{
	set_str(&e->operation, operation);
}

void aws_error_redact(struct aws_error *e, const char *secret)
{
	char *masked;

	if (!secret || !*secret || !e->message || !strstr(e->message, secret))
		return;
	masked = mask(e->message, secret);
	free(e->message);
	e->message = masked;
}

static bool has(const char *code, const char *part)
{
	return strstr(code, part) != NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Authentication failures (the request was not accepted as signed). */
static const char *const auth_codes[] = {
	"SignatureDoesNotMatch",
	"InvalidSignatureException",
	"IncompleteSignature",
	"IncompleteSignatureException",
	"InvalidClientTokenId",
	"UnrecognizedClientException",
	"MissingAuthenticationToken",
	"MissingAuthenticationTokenException",
	"ExpiredToken",
	"ExpiredTokenException",
	"AuthFailure",
	"RequestExpired",
	"InvalidIdentityToken",
	"InvalidAccessKeyId",
};

int aws_error_errno(int http_status, const char *code)
{
	enum aws_error_class c;

	if (!code)
		code = "";
	for (size_t i = 0; i < sizeof(auth_codes) / sizeof(auth_codes[0]); i++)
		if (strcmp(code, auth_codes[i]) == 0)
			return -EPERM;
	if (ends_with(code, "NotFoundException") || ends_with(code, "NotFound") || strcmp(code, "NoSuchEntity") == 0)
		return -ENOENT;
	if (has(code, "AlreadyExists") || strcmp(code, "DuplicateRecordException") == 0 ||
	    strcmp(code, "ConflictException") == 0)
		return -EEXIST;
	if (strncmp(code, "AccessDenied", 12) == 0 || strcmp(code, "UnauthorizedOperation") == 0)
		return -EACCES;
	c = retry_classify(http_status, code);
	if (c == AWS_ERROR_THROTTLING)
		return -EAGAIN;
	if (has(code, "LimitExceeded") || has(code, "QuotaExceeded") || has(code, "TooManyTags"))
		return -EDQUOT;
	if (c == AWS_ERROR_RETRYABLE)
		return http_status >= 500 ? -EIO : -EBUSY;
	if (has(code, "Validation") || has(code, "Invalid") || has(code, "Malformed"))
		return -EINVAL;
	switch (http_status) {
	case 400:
		return -EINVAL;
	case 401:
		return -EPERM;
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	default:
		return http_status >= 500 ? -EIO : -EREMOTEIO;
	}
}
