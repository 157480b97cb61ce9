/* Which service and operation a request is for.
 *
 * A request names its service twice: by its shape (an X-Amz-Target prefix for
 * awsJson1.1, an Action in a form body for awsQuery, a path for Bedrock's restJson1)
 * and by the service of its SigV4 credential scope. The shape decides; when the
 * shape fits no service the scope does, so that the "unknown operation" error comes
 * in the protocol of the service the client meant. auth.c rejects a scope that
 * names another service than the shape. */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uri.h"
#include "xalloc.h"

static const struct service_def services[SVC_COUNT] = {
	[SVC_BEDROCK] = { "bedrock", PROTO_REST_JSON, NULL, NULL, NULL, false, "ValidationException",
			  "ThrottlingException", 429, "InternalServerException" },
	[SVC_BUDGETS] = { "budgets", PROTO_JSON, "AWSBudgetServiceGateway", NULL, NULL, true,
			  "InvalidParameterException", "ThrottlingException", 400, "InternalErrorException" },
	[SVC_SSM] = { "ssm", PROTO_JSON, "AmazonSSM", NULL, NULL, false, "ValidationException", "ThrottlingException",
		      400, "InternalServerError" },
	[SVC_TAGGING] = { "tagging", PROTO_JSON, "ResourceGroupsTaggingAPI_20170126", NULL, NULL, false,
			  "InvalidParameterException", "ThrottledException", 400, "InternalServiceException" },
	[SVC_IAM] = { "iam", PROTO_QUERY, NULL, "https://iam.amazonaws.com/doc/2010-05-08/", "2010-05-08", true,
		      "ValidationError", "Throttling", 400, "ServiceFailure" },
	[SVC_STS] = { "sts", PROTO_QUERY, NULL, "https://sts.amazonaws.com/doc/2011-06-15/", "2011-06-15", false,
		      "ValidationError", "Throttling", 400, "InternalFailure" },
	[SVC_SNS] = { "sns", PROTO_QUERY, NULL, "http://sns.amazonaws.com/doc/2010-03-31/", "2010-03-31", false,
		      "InvalidParameter", "Throttling", 400, "InternalError" },
	[SVC_SERVICEQUOTAS] = { "servicequotas", PROTO_JSON, "ServiceQuotasV20190624", NULL, NULL, false,
				"IllegalArgumentException", "TooManyRequestsException", 400, "ServiceException" },
	[SVC_BEDROCK_RUNTIME] = { "bedrock", PROTO_REST_JSON, NULL, NULL, NULL, false, "ValidationException",
				  "ThrottlingException", 429, "InternalServerException" },
	[SVC_S3] = { "s3", PROTO_REST_XML, NULL, NULL, NULL, false, "InvalidArgument", "SlowDown", 503,
		     "InternalError" },
	[SVC_CE] = { "ce", PROTO_JSON, "AWSInsightsIndexService", NULL, NULL, true, "ValidationException",
		     "LimitExceededException", 400, "InternalServerException" },
};

static void ops_of(enum service s, const struct op **ops, size_t *n)
{
	switch (s) {
	case SVC_BEDROCK:
		*ops = bedrock_ops, *n = bedrock_n_ops;
		break;
	case SVC_BUDGETS:
		*ops = budgets_ops, *n = budgets_n_ops;
		break;
	case SVC_SSM:
		*ops = ssm_ops, *n = ssm_n_ops;
		break;
	case SVC_TAGGING:
		*ops = tagging_ops, *n = tagging_n_ops;
		break;
	case SVC_IAM:
		*ops = iam_ops, *n = iam_n_ops;
		break;
	case SVC_SNS:
		*ops = sns_ops, *n = sns_n_ops;
		break;
	case SVC_SERVICEQUOTAS:
		*ops = servicequotas_ops, *n = servicequotas_n_ops;
		break;
	case SVC_BEDROCK_RUNTIME:
		*ops = bedrock_runtime_ops, *n = bedrock_runtime_n_ops;
		break;
	case SVC_S3:
		*ops = s3_ops, *n = s3_n_ops;
		break;
	case SVC_CE:
		*ops = ce_ops, *n = ce_n_ops;
		break;
	default:
		*ops = sts_ops, *n = sts_n_ops;
		break;
	}
}

const struct service_def *service_def(enum service s)
{
	return &services[s < SVC_COUNT ? s : SVC_BEDROCK];
}

int service_by_name(const char *name)
{
	for (int i = 0; i < SVC_COUNT; i++)
		if (strcmp(services[i].name, name) == 0)
			return i;
	return -1;
}

const struct op *service_op(enum service s, const char *name)
{
	const struct op *ops;
	size_t n;

	ops_of(s, &ops, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

/* The service named by the Authorization header's credential scope, or -1. */
static int scope_service(const struct http_message *m)
{
	const char *auth = http_message_header(m, "authorization"), *cred, *p;
	char name[32];
	size_t n;

	if (!auth || !(cred = strstr(auth, "Credential=")))
		return -1;
	p = cred;
	for (int slashes = 0; slashes < 3; p++) {
		if (!*p || *p == ',' || *p == ' ')
			return -1;
		if (*p == '/')
			slashes++;
	}
	n = strcspn(p, "/, ");
	if (n >= sizeof(name))
		return -1;
	memcpy(name, p, n);
	name[n] = '\0';
	return service_by_name(name);
}

/* Match method + path against Bedrock's bindings; sets c->op and c->label. */
static bool route_bedrock(struct call *c)
{
	const char *path = c->msg->path;

	for (size_t i = 0; i < bedrock_n_ops; i++) {
		const struct op *op = &bedrock_ops[i];
		const char *label = strstr(op->path, "{}");
		size_t plen = label ? (size_t)(label - op->path) : strlen(op->path);

		if (label) {
			struct strbuf dec;

			if (strncmp(path, op->path, plen) != 0 || !path[plen] || strchr(path + plen, '/'))
				continue;
			if (strcmp(c->msg->method, op->method) != 0)
				continue;
			strbuf_init(&dec, 4096);
			if (uri_decode(&dec, path + plen, strlen(path + plen), false) < 0) {
				strbuf_release(&dec);
				continue;
			}
			c->label = strbuf_detach(&dec, NULL);
		} else if (strcmp(path, op->path) != 0 || strcmp(c->msg->method, op->method) != 0) {
			continue;
		}
		c->op = op;
		snprintf(c->op_name, sizeof(c->op_name), "%s", op->name);
		return true;
	}
	return false;
}

static bool is_form(const struct http_message *m)
{
	const char *ct = http_message_header(m, "content-type");

	return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

bool route_is_s3(const struct http_message *m)
{
	return scope_service(m) == SVC_S3;
}

int route_request(struct call *c)
{
	const struct http_message *m = c->msg;
	const char *target = http_message_header(m, "x-amz-target");
	int scope = scope_service(m);

	if (form_parse(&c->query, m->query, strlen(m->query)) < 0) {
		c->svc = scope >= 0 ? (enum service)scope : SVC_BEDROCK;
		c->proto = service_def(c->svc)->proto;
		return call_error(c, 400, "MalformedQueryString", "The query string is malformed.");
	}
	if (target) {
		const char *dot = strrchr(target, '.');

		c->proto = PROTO_JSON;
		c->svc = scope >= 0 && service_def((enum service)scope)->proto == PROTO_JSON ? (enum service)scope
											     : SVC_SSM;
		snprintf(c->op_name, sizeof(c->op_name), "%s", dot ? dot + 1 : target);
		for (int s = 0; dot && s < SVC_COUNT; s++) {
			const char *prefix = services[s].target_prefix;
			if (prefix && strlen(prefix) == (size_t)(dot - target) &&
			    !strncmp(target, prefix, strlen(prefix))) {
				c->svc = (enum service)s;
				c->op = service_op(c->svc, dot + 1);
				break;
			}
		}
		return 0;
	}
	if (strcmp(m->path, "/") == 0 && (is_form(m) || form_get(&c->query, "Action"))) {
		const char *action;

		c->proto = PROTO_QUERY;
		c->svc = scope >= 0 && services[scope].proto == PROTO_QUERY ? (enum service)scope : SVC_IAM;
		for (size_t i = 0; i < c->query.n; i++) {
			XGROW(c->form.v, c->form.n + 1, c->form.alloc);
			c->form.v[c->form.n].key = xstrdup(c->query.v[i].key);
			c->form.v[c->form.n].value = xstrdup(c->query.v[i].value);
			c->form.n++;
		}
		if (strcmp(m->method, "POST") == 0 && form_parse(&c->form, m->body.buf, m->body.len) < 0)
			return call_error(c, 400, "MalformedInput", "The request body is not a valid form encoding.");
		action = form_get(&c->form, "Action");
		snprintf(c->op_name, sizeof(c->op_name), "%s", action ? action : "");
		if (action) {
			const struct op *iam = service_op(SVC_IAM, action), *sts = service_op(SVC_STS, action);
			if (iam || sts) {
				c->svc = iam ? SVC_IAM : SVC_STS;
				c->op = iam ? iam : sts;
			}
			if (c->svc == SVC_SNS || (!iam && !sts && service_op(SVC_SNS, action))) {
				c->svc = SVC_SNS;
				c->op = service_op(SVC_SNS, action);
			}
		}
		return 0;
	}
	if (scope == SVC_S3) {
		c->svc = SVC_S3;
		c->proto = PROTO_REST_XML;
		if (route_s3(c))
			return 0;
		snprintf(c->op_name, sizeof(c->op_name), "%s %s", m->method, m->path);
		return 0;
	}
	c->proto = PROTO_REST_JSON;
	c->svc = SVC_BEDROCK_RUNTIME;
	if (route_runtime(c))
		return 0;
	c->svc = SVC_BEDROCK;
	if (route_bedrock(c))
		return 0;
	if (scope >= 0) {
		c->svc = (enum service)scope;
		c->proto = services[scope].proto;
	}
	snprintf(c->op_name, sizeof(c->op_name), "%s %s", m->method, m->path);
	return 0;
}
