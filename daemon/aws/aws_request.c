#include "aws_request.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_json.h"
#include "aws_types.h"
#include "uri.h"
#include "xalloc.h"

void aws_request_init(struct aws_request *r, enum aws_service s, const char *operation, const char *method,
		      const char *path)
{
	memset(r, 0, sizeof(*r));
	r->service = s;
	r->operation = xstrdup(operation);
	r->method = xstrdup(method);
	r->path = xstrdup(path);
	strbuf_init(&r->query, AWS_REQUEST_BODY_MAX);
	strbuf_init(&r->body, AWS_REQUEST_BODY_MAX);
}

void aws_request_release(struct aws_request *r)
{
	free(r->operation);
	free(r->method);
	free(r->path);
	free(r->content_type);
	free(r->target);
	free(r->host_prefix);
	strbuf_release(&r->query);
	strbuf_release(&r->body);
	memset(r, 0, sizeof(*r));
}

void aws_request_add_query(struct aws_request *r, const char *key, const char *value)
{
	if (r->query.len)
		strbuf_addch(&r->query, '&');
	uri_encode_str(&r->query, key, false);
	strbuf_addch(&r->query, '=');
	uri_encode_str(&r->query, value, false);
}

void aws_request_set_json(struct aws_request *r, const cJSON *body)
{
	strbuf_reset(&r->body);
	aws_json_print(body, &r->body);
	free(r->content_type);
	r->content_type = xstrdup("application/json");
}

void aws_path_label(struct strbuf *path, const char *value)
{
	uri_encode_str(path, value, false);
}

void aws_request_init_json(struct aws_request *r, enum aws_service s, const char *operation, const cJSON *body)
{
	aws_request_init(r, s, operation, "POST", "/");
	r->target = xasprintf("%s.%s", aws_service_info(s)->target_prefix, operation);
	r->content_type = xstrdup("application/x-amz-json-1.1");
	aws_json_print(body, &r->body);
}

void aws_request_init_query(struct aws_request *r, enum aws_service s, const char *operation)
{
	aws_request_init(r, s, operation, "POST", "/");
	r->content_type = xstrdup("application/x-www-form-urlencoded");
	strbuf_adds(&r->body, "Action=");
	uri_encode_str(&r->body, operation, false);
	strbuf_adds(&r->body, "&Version=");
	uri_encode_str(&r->body, aws_service_info(s)->api_version, false);
}

void aws_request_add_form(struct aws_request *r, const char *key, const char *value)
{
	strbuf_addch(&r->body, '&');
	uri_encode_str(&r->body, key, false);
	strbuf_addch(&r->body, '=');
	uri_encode_str(&r->body, value ? value : "", false);
}

void aws_request_add_formf(struct aws_request *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	value = xvasprintf(fmt, ap);
	va_end(ap);
	aws_request_add_form(r, key, value);
	free(value);
}

static void add_header(struct aws_signed_request *s, const char *name, const char *value)
{
	s->headers = xreallocarray(s->headers, s->n_headers + 1, sizeof(*s->headers));
	s->headers[s->n_headers].name = xstrdup(name);
	s->headers[s->n_headers].value = xstrdup(value);
	s->n_headers++;
}

int aws_request_sign(const struct aws_request *r, const struct aws_endpoint *ep, const struct sigv4_credentials *creds,
		     time_t now, const char *user_agent, struct aws_signed_request *ret)
{
	const struct aws_service_info *info = aws_service_info(r->service);
	struct aws_signed_request s = { 0 };
	struct sigv4_header sh[8];
	struct sigv4_request sreq;
	struct strbuf path, auth, s3path;
	char *host;
	char date[SIGV4_AMZ_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1];
	size_t n = 0;
	int rc = 0;

	if (!r->unsigned_request && !creds)
		return -EINVAL;
	strbuf_init(&path, STRBUF_NO_CAP);
	strbuf_init(&auth, STRBUF_NO_CAP);
	strbuf_init(&s3path, STRBUF_NO_CAP);
	strbuf_addf(&path, "%s%s", ep->base_path, r->path);
	host = xasprintf("%s%s", r->host_prefix ? r->host_prefix : "", ep->host);
	s.url = r->query.len ? xasprintf("%s://%s%s?%s", ep->scheme, host, path.buf, r->query.buf)
			     : xasprintf("%s://%s%s", ep->scheme, host, path.buf);
	add_header(&s, "Host", host);
	free(host);
	if (r->content_type)
		add_header(&s, "Content-Type", r->content_type);
	if (r->target)
		add_header(&s, "X-Amz-Target", r->target);
	if (user_agent)
		add_header(&s, "User-Agent", user_agent);
	if (r->unsigned_request)
		goto done;

	sigv4_format_date(now, date);
	sigv4_hash_hex(r->body.buf, r->body.len, hash);
	add_header(&s, "X-Amz-Date", date);
	add_header(&s, "X-Amz-Content-Sha256", hash);
	if (creds->session_token && *creds->session_token)
		add_header(&s, "X-Amz-Security-Token", creds->session_token);
	/* Sign every header we send except User-Agent, which proxies may rewrite. */
	for (size_t i = 0; i < s.n_headers && n < 8; i++) {
		if (strcasecmp(s.headers[i].name, "User-Agent") == 0)
			continue;
		sh[n].name = s.headers[i].name;
		sh[n].value = s.headers[i].value;
		n++;
	}
	sreq = (struct sigv4_request){
		.method = r->method,
		.path = path.buf,
		.query = r->query.buf,
		.headers = sh,
		.n_headers = n,
		.payload_hash = hash,
		.normalize_path = r->service != AWS_S3,
	};
	/* S3 signs the path encoded once: sigv4 encodes what it is given, so it is given
	 * the decoded path (the wire keeps the encoded one). */
	if (r->service == AWS_S3) {
		rc = uri_decode(&s3path, path.buf, path.len, false);
		if (rc < 0)
			goto done;
		sreq.path = s3path.buf;
	}
	rc = sigv4_authorization(&sreq, creds, ep->signing_region, info->signing_name, date, &auth);
	if (rc < 0)
		goto done;
	add_header(&s, "Authorization", auth.buf);
done:
	strbuf_release(&path);
	strbuf_release(&auth);
	strbuf_release(&s3path);
	if (rc < 0) {
		aws_signed_request_release(&s);
		return rc;
	}
	*ret = s;
	return 0;
}

void aws_signed_request_release(struct aws_signed_request *s)
{
	for (size_t i = 0; i < s->n_headers; i++) {
		if (strcasecmp(s->headers[i].name, "X-Amz-Security-Token") == 0)
			aws_secure_free(s->headers[i].value);
		else
			free(s->headers[i].value);
		free(s->headers[i].name);
	}
	free(s->headers);
	free(s->url);
	memset(s, 0, sizeof(*s));
}

const char *aws_signed_request_header(const struct aws_signed_request *s, const char *name)
{
	for (size_t i = 0; i < s->n_headers; i++)
		if (strcasecmp(s->headers[i].name, name) == 0)
			return s->headers[i].value;
	return NULL;
}
