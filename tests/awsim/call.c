/* One request being served: its lifecycle, reading its fields and writing its
 * answer in the wire shape of its protocol (restJson1, awsJson1.1, awsQuery). */
#include "awsim.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void call_init(struct call *c, struct awsim *sim, const struct http_message *msg, bool local)
{
	memset(c, 0, sizeof(*c));
	c->sim = sim;
	c->msg = msg;
	c->local = local;
	c->svc = SVC_COUNT;
	form_init(&c->query);
	form_init(&c->form);
	strbuf_init(&c->body, STRBUF_NO_CAP);
	ids_uuid(&sim->rng, c->request_id);
	c->status = 200;
}

void call_release(struct call *c)
{
	free(c->label);
	form_release(&c->query);
	form_release(&c->form);
	cJSON_Delete(c->json);
	strbuf_release(&c->body);
	for (size_t i = 0; i < c->n_hdr; i++) {
		free(c->hdr_name[i]);
		free(c->hdr_value[i]);
	}
	c->n_hdr = 0;
	c->label = NULL;
	c->json = NULL;
}

void call_header(struct call *c, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v;

	if (c->n_hdr == sizeof(c->hdr_name) / sizeof(c->hdr_name[0]))
		return;
	va_start(ap, fmt);
	v = xvasprintf(fmt, ap);
	va_end(ap);
	c->hdr_name[c->n_hdr] = xstrdup(name);
	c->hdr_value[c->n_hdr++] = v;
}

/* SSM errors whose model member is "message" rather than "Message". */
static bool lowercase_message(const struct call *c, const char *code)
{
	static const char *const lower[] = {
		"HierarchyLevelLimitExceededException",
		"HierarchyTypeMismatchException",
		"InvalidAllowedPatternException",
		"InvalidKeyId",
		"ParameterAlreadyExists",
		"ParameterLimitExceeded",
		"ParameterMaxVersionLimitExceeded",
		"ParameterNotFound",
		"ParameterPatternMismatchException",
		"ParameterVersionNotFound",
		"UnsupportedParameterType",
	};

	if (c->svc != SVC_SSM)
		return false;
	for (size_t i = 0; i < sizeof(lower) / sizeof(lower[0]); i++)
		if (strcmp(code, lower[i]) == 0)
			return true;
	return false;
}

static void set_json_body(struct call *c, cJSON *doc)
{
	char *text = cJSON_PrintUnformatted(doc);

	strbuf_reset(&c->body);
	strbuf_adds(&c->body, text);
	cJSON_free(text);
	cJSON_Delete(doc);
}

static int __attribute__((format(printf, 5, 0)))
verror(struct call *c, int status, const char *code, cJSON *extra, const char *fmt, va_list ap)
{
	char message[1024];
	cJSON *doc;

	vsnprintf(message, sizeof(message), fmt, ap);
	c->status = status;
	snprintf(c->error_code, sizeof(c->error_code), "%s", code);
	strbuf_reset(&c->body);
	switch (c->proto) {
	case PROTO_REST_JSON:
		c->content_type = "application/json";
		doc = extra ? extra : cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "message", message);
		set_json_body(c, doc);
		return -1;
	case PROTO_JSON:
		c->content_type = "application/x-amz-json-1.1";
		doc = extra ? extra : cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "__type", code);
		cJSON_AddStringToObject(doc, lowercase_message(c, code) ? "message" : "Message", message);
		set_json_body(c, doc);
		return -1;
	case PROTO_QUERY:
		cJSON_Delete(extra);
		c->content_type = "text/xml";
		strbuf_addf(&c->body, "<ErrorResponse xmlns=\"%s\"><Error><Type>%s</Type>",
			    service_def(c->svc < SVC_COUNT ? c->svc : SVC_IAM)->xmlns,
			    status >= 500 ? "Receiver" : "Sender");
		xml_elem(&c->body, "Code", code);
		xml_elem(&c->body, "Message", message);
		strbuf_adds(&c->body, "</Error>");
		xml_elem(&c->body, "RequestId", c->request_id);
		strbuf_adds(&c->body, "</ErrorResponse>");
		return -1;
	case PROTO_REST_XML:
		cJSON_Delete(extra);
		c->content_type = "application/xml";
		strbuf_adds(&c->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
		xml_elem(&c->body, "Code", code);
		xml_elem(&c->body, "Message", message);
		xml_elem(&c->body, "RequestId", c->request_id);
		strbuf_adds(&c->body, "</Error>");
		return -1;
	}
	return -1;
}

int call_error(struct call *c, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c, status, code, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int call_error_extra(struct call *c, int status, const char *code, cJSON *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c, status, code, extra, fmt, ap);
	va_end(ap);
	return -1;
}

int call_invalid(struct call *c, const char *field, const char *value, const char *constraint)
{
	const char *code = service_def(c->svc)->validation;

	if (!value)
		return call_error(c, 400, code,
				  "1 validation error detected: Value null at '%s' failed to satisfy constraint: %s",
				  field, constraint);
	return call_error(c, 400, code,
			  "1 validation error detected: Value '%.256s' at '%s' failed to satisfy constraint: %s", value,
			  field, constraint);
}

int call_throttle(struct call *c)
{
	const struct service_def *d = service_def(c->svc);

	c->throttled = true;
	if (c->svc == SVC_BEDROCK)
		return call_error(c, d->throttle_status, d->throttle,
				  "Too many requests, please wait before trying again.");
	return call_error(c, d->throttle_status, d->throttle, "Rate exceeded");
}

int call_json(struct call *c, cJSON *out)
{
	c->status = c->op && c->op->status ? c->op->status : 200;
	c->content_type = c->proto == PROTO_REST_JSON ? "application/json" : "application/x-amz-json-1.1";
	set_json_body(c, out);
	return 0;
}

/* ---- awsQuery XML ---- */

void xml_escape(struct strbuf *sb, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '<':
			strbuf_adds(sb, "&lt;");
			break;
		case '>':
			strbuf_adds(sb, "&gt;");
			break;
		case '&':
			strbuf_adds(sb, "&amp;");
			break;
		case '"':
			strbuf_adds(sb, "&quot;");
			break;
		case '\'':
			strbuf_adds(sb, "&apos;");
			break;
		case '\r':
			strbuf_adds(sb, "&#13;");
			break;
		default:
			strbuf_addch(sb, *p);
		}
	}
}

void xml_elem(struct strbuf *sb, const char *name, const char *text)
{
	strbuf_addf(sb, "<%s>", name);
	xml_escape(sb, text);
	strbuf_addf(sb, "</%s>", name);
}

void call_xml_begin(struct call *c, bool has_result)
{
	c->status = 200;
	c->content_type = "text/xml";
	strbuf_reset(&c->body);
	strbuf_addf(&c->body, "<%sResponse xmlns=\"%s\">", c->op->name, service_def(c->svc)->xmlns);
	if (has_result)
		strbuf_addf(&c->body, "<%sResult>", c->op->name);
}

void call_xml_end(struct call *c, bool has_result)
{
	if (has_result)
		strbuf_addf(&c->body, "</%sResult>", c->op->name);
	strbuf_adds(&c->body, "<ResponseMetadata>");
	xml_elem(&c->body, "RequestId", c->request_id);
	strbuf_addf(&c->body, "</ResponseMetadata></%sResponse>", c->op->name);
}

/* ---- request fields ---- */

size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int check_value(struct call *c, const char *name, const char *s, const struct strspec *spec)
{
	size_t n = utf8_chars(s);
	char constraint[1200];

	if (n < spec->min) {
		snprintf(constraint, sizeof(constraint), "Member must have length greater than or equal to %zu",
			 spec->min);
		return call_invalid(c, name, s, constraint);
	}
	if (spec->max && n > spec->max) {
		snprintf(constraint, sizeof(constraint), "Member must have length less than or equal to %zu",
			 spec->max);
		return call_invalid(c, name, s, constraint);
	}
	if (!pattern_match(&c->sim->pat, spec->pat, s)) {
		snprintf(constraint, sizeof(constraint), "Member must satisfy regular expression pattern: %s",
			 c->sim->pat.text[spec->pat]);
		return call_invalid(c, name, s, constraint);
	}
	return 0;
}

static int wrong_type(struct call *c, const char *name, const char *want)
{
	return call_error(c, 400, "SerializationException", "Unexpected value type for '%s': expected %s", name, want);
}

int in_str(struct call *c, const cJSON *obj, const char *name, const struct strspec *spec, const char **ret)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	*ret = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (spec->required)
			return call_invalid(c, name, NULL, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsString(v))
		return wrong_type(c, name, "a string");
	if (check_value(c, name, v->valuestring, spec) < 0)
		return -1;
	*ret = v->valuestring;
	return 0;
}

int in_enum(struct call *c, const cJSON *obj, const char *name, bool required, const char *const *set, const char **ret)
{
	static const struct strspec any = { false, 1, 0, PAT_NONE };
	struct strspec spec = any;
	struct strbuf constraint;

	spec.required = required;
	if (in_str(c, obj, name, &spec, ret) < 0)
		return -1;
	for (const char *const *s = set; *ret && *s; s++)
		if (!strcmp(*ret, *s))
			return 0;
	if (!*ret)
		return 0;
	strbuf_init(&constraint, 1024);
	strbuf_adds(&constraint, "Member must satisfy enum value set: [");
	for (const char *const *s = set; *s; s++)
		strbuf_addf(&constraint, "%s%s", s == set ? "" : ", ", *s);
	strbuf_addch(&constraint, ']');
	call_invalid(c, name, *ret, constraint.buf);
	strbuf_release(&constraint);
	return -1;
}

int in_int(struct call *c, const cJSON *obj, const char *name, long long min, long long max, long long *ret,
	   bool *present)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
	char value[32], constraint[96];

	*present = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 9e15)
		return wrong_type(c, name, "an integer");
	snprintf(value, sizeof(value), "%.0f", v->valuedouble);
	if (v->valuedouble < (double)min) {
		snprintf(constraint, sizeof(constraint), "Member must have value greater than or equal to %lld", min);
		return call_invalid(c, name, value, constraint);
	}
	if (v->valuedouble > (double)max) {
		snprintf(constraint, sizeof(constraint), "Member must have value less than or equal to %lld", max);
		return call_invalid(c, name, value, constraint);
	}
	*ret = (long long)v->valuedouble;
	*present = true;
	return 0;
}

int in_bool(struct call *c, const cJSON *obj, const char *name, bool *ret)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	*ret = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return wrong_type(c, name, "a boolean");
	*ret = cJSON_IsTrue(v);
	return 0;
}

int in_array(struct call *c, const cJSON *obj, const char *name, bool required, size_t min, size_t max,
	     const cJSON **ret)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
	char constraint[96];
	size_t n;

	*ret = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return call_invalid(c, name, NULL, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsArray(v))
		return wrong_type(c, name, "a list");
	n = (size_t)cJSON_GetArraySize(v);
	if (n < min || (max && n > max)) {
		snprintf(constraint, sizeof(constraint), "Member must have length %s %zu",
			 n < min ? "greater than or equal to" : "less than or equal to", n < min ? min : max);
		return call_invalid(c, name, "[...]", constraint);
	}
	*ret = v;
	return 0;
}

int in_object(struct call *c, const cJSON *obj, const char *name, bool required, const cJSON **ret)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

	*ret = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return call_invalid(c, name, NULL, "Member must not be null");
		return 0;
	}
	if (!cJSON_IsObject(v))
		return wrong_type(c, name, "a structure");
	*ret = v;
	return 0;
}

int q_str(struct call *c, const char *name, const struct strspec *spec, const char **ret)
{
	const char *v = form_get(&c->form, name);

	*ret = NULL;
	if (!v) {
		if (spec->required)
			return call_invalid(c, name, NULL, "Member must not be null");
		return 0;
	}
	if (check_value(c, name, v, spec) < 0)
		return -1;
	*ret = v;
	return 0;
}

int check_label(struct call *c, const char *name, const struct strspec *spec)
{
	if (!c->label)
		return call_invalid(c, name, NULL, "Member must not be null");
	return check_value(c, name, c->label, spec);
}

int q_int(struct call *c, const char *name, long long min, long long max, long long *ret, bool *present)
{
	const char *v = form_get(&c->form, name);

	*present = false;
	if (!v)
		return 0;
	if (query_int(c, name, v, min, max, ret) < 0)
		return -1;
	*present = true;
	return 0;
}

int query_int(struct call *c, const char *name, const char *v, long long min, long long max, long long *ret)
{
	char constraint[96], *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno)
		return call_invalid(c, name, v, "Member must be an integer");
	if (n < min || n > max) {
		snprintf(constraint, sizeof(constraint), "Member must have value %s %lld",
			 n < min ? "greater than or equal to" : "less than or equal to", n < min ? min : max);
		return call_invalid(c, name, v, constraint);
	}
	*ret = n;
	return 0;
}

/* ---- pagination tokens: "awsim1|<kind>|<last key>", base64url ---- */

void page_token_encode(const char *kind, const char *last, struct strbuf *out)
{
	struct strbuf plain;

	strbuf_init(&plain, STRBUF_NO_CAP);
	strbuf_addf(&plain, "awsim1|%s|%s", kind, last);
	ids_token_encode(plain.buf, out);
	strbuf_release(&plain);
}

static int bad_token(struct call *c)
{
	switch (c->svc) {
	case SVC_SSM:
		return call_error(c, 400, "InvalidNextToken", "The specified token isn't valid.");
	case SVC_BUDGETS:
	case SVC_CE:
		return call_error(c, 400, "InvalidNextTokenException", "The pagination token is invalid.");
	case SVC_TAGGING:
		return call_error(c, 400, "InvalidParameterException", "The specified PaginationToken is invalid.");
	case SVC_IAM:
		return call_error(c, 400, "InvalidInput", "Invalid Marker.");
	case SVC_SERVICEQUOTAS:
		return call_error(c, 400, "InvalidPaginationTokenException", "Invalid pagination token.");
	default:
		return call_error(c, 400, service_def(c->svc)->validation, "Invalid pagination token.");
	}
}

int page_token_decode(struct call *c, const char *token, const char *kind, struct strbuf *last)
{
	struct strbuf plain;
	size_t klen = strlen(kind);
	int r = 0;

	strbuf_init(&plain, 4096);
	if (ids_token_decode(token, &plain) < 0 || strncmp(plain.buf, "awsim1|", 7) != 0 ||
	    strncmp(plain.buf + 7, kind, klen) != 0 || plain.buf[7 + klen] != '|')
		r = bad_token(c);
	else
		strbuf_adds(last, plain.buf + 8 + klen);
	strbuf_release(&plain);
	return r;
}
