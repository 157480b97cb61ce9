/* Amazon Bedrock Runtime (restJson1): Converse and InvokeModel on a foundation
 * model, a system-defined inference profile or an application inference profile,
 * named in the path as the SDK sends it (an id, or an ARN URL-encoded once).
 *
 * The caller is authorized first: a session of an assumed role is evaluated
 * against the role's inline and attached policies (iam_eval.c) for
 * bedrock:InvokeModel on the invoked resource and, through a profile, on the
 * foundation model it routes to, with bedrock:InferenceProfileArn in the
 * condition context; other callers (configured keys, instance and container
 * credentials) are allowed. The answers are deterministic (docs/awsim.md, "Token
 * counts"); each invocation is counted by usage_record(). */
#include "usage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "iam_eval.h"
#include "uri.h"
#include "xalloc.h"

#define MAX_METADATA 16

bool route_runtime(struct call *c)
{
	const char *path = c->msg->path, *tail;
	struct strbuf dec;

	if (strncmp(path, "/model/", 7) != 0 || !(tail = strrchr(path, '/')) || tail <= path + 7)
		return false;
	for (size_t i = 0; i < bedrock_runtime_n_ops; i++) {
		const struct op *op = &bedrock_runtime_ops[i];
		if (strcmp(op->path + strlen("/model/{}/"), tail + 1) != 0 || strcmp(c->msg->method, op->method))
			continue;
		strbuf_init(&dec, 4096);
		if (uri_decode(&dec, path + 7, (size_t)(tail - path - 7), false) < 0) {
			strbuf_release(&dec);
			return false;
		}
		c->label = strbuf_detach(&dec, NULL);
		c->op = op;
		snprintf(c->op_name, sizeof(c->op_name), "%s", op->name);
		return true;
	}
	return false;
}

/* What a model identifier names. */
struct target {
	char *arn;		 /* the invoked resource as an ARN */
	char *fm_arn;		 /* the foundation model that answers */
	const char *profile_arn; /* borrowed: arn when a profile was invoked, else NULL */
	const struct fm_def *fm;
	const struct tagset *tags; /* of an application profile */
};

static void target_release(struct target *t)
{
	free(t->arn);
	free(t->fm_arn);
}

static int invalid_model(struct call *c)
{
	return call_error(c, 400, "ValidationException", "The provided model identifier is invalid.");
}

/* The ARN of the identifier as IAM sees it. */
static char *resource_arn(struct call *c, const char *ident)
{
	if (strncmp(ident, "arn:", 4) == 0)
		return xstrdup(ident);
	if (catalog_model(ident))
		return xasprintf("arn:aws:bedrock:%s::foundation-model/%s", c->region, ident);
	return xasprintf("arn:aws:bedrock:%s:%s:inference-profile/%s", c->region, c->acct->id, ident);
}

static const struct fm_def *model_of_arn(const char *arn)
{
	const char *slash = strchr(arn, '/');

	return slash && strstr(arn, ":foundation-model/") ? catalog_model(slash + 1) : NULL;
}

/* Resolves t->arn to the model that answers; -1 with the error set. */
static int resolve(struct call *c, struct target *t)
{
	struct arn a;
	const struct profile *p = NULL;

	if (arn_split(t->arn, &a) < 0 || strcmp(a.service, "bedrock") != 0)
		return invalid_model(c);
	if (strcmp(a.type, "foundation-model") == 0) {
		t->fm = catalog_model(a.id);
		if (!t->fm || (a.region[0] && strcmp(a.region, c->region) != 0))
			return invalid_model(c);
		t->fm_arn = xstrdup(t->arn);
		return 0;
	}
	if (strcmp(a.region, c->region) != 0 || strcmp(a.account, c->acct->id) != 0)
		return invalid_model(c);
	if (strcmp(a.type, "application-inference-profile") == 0)
		p = omap_get(&c->rs->profiles, a.id);
	else if (strcmp(a.type, "inference-profile") == 0)
		p = omap_get(&c->rs->system_profiles, a.id);
	if ((!p || !p->n_models) && strncmp(c->label, "arn:", 4) != 0)
		return invalid_model(c); /* an id that names no model and no profile */
	if (!p || !p->n_models)
		return call_error(c, 404, "ResourceNotFoundException", "The inference profile %.300s was not found.",
				  t->arn);
	t->profile_arn = t->arn;
	t->tags = p->system ? NULL : &p->tags;
	/* the model in the caller's region, else the first */
	for (size_t i = 0; i < p->n_models && !t->fm_arn; i++) {
		struct arn m;
		if (arn_split(p->models[i], &m) == 0 && strcmp(m.region, c->region) == 0)
			t->fm_arn = xstrdup(p->models[i]);
	}
	if (!t->fm_arn)
		t->fm_arn = xstrdup(p->models[0]);
	t->fm = model_of_arn(t->fm_arn);
	return t->fm ? 0 : invalid_model(c);
}

/* The role name of an assumed-role session ARN, or NULL for other callers. */
static char *session_role(const struct credential *cr)
{
	const char *p, *end;

	if (!cr || (strcmp(cr->source, "AssumeRole") != 0 && strcmp(cr->source, "AssumeRoleWithWebIdentity") != 0))
		return NULL;
	p = strstr(cr->arn, ":assumed-role/");
	if (!p)
		return NULL;
	p += strlen(":assumed-role/");
	end = strchr(p, '/');
	return end ? xstrndup(p, (size_t)(end - p)) : NULL;
}

static int authorize_one(struct call *c, const char *const *docs, size_t n, const char *resource,
			 const char *profile_arn)
{
	static const char *const keys[] = { "bedrock:InferenceProfileArn" };
	const char *values[1] = { profile_arn };
	struct iam_request rq = { "bedrock:InvokeModel", resource, keys, values, profile_arn ? 1 : 0 };
	enum iam_decision d = iam_evaluate(docs, n, &rq);

	if (d == IAM_ALLOW)
		return 0;
	return call_error(
		c, 403, "AccessDeniedException",
		"User: %s is not authorized to perform: bedrock:InvokeModel on resource: %s %s", c->cred->arn, resource,
		d == IAM_EXPLICIT_DENY ? "with an explicit deny in an identity-based policy"
				       : "because no identity-based policy allows the bedrock:InvokeModel action");
}

/* The invoked resource first, then (once resolved) the model behind a profile. */
static int authorize(struct call *c, struct target *t, bool resolved)
{
	char *role = session_role(c->cred);
	const char **docs;
	size_t n = 0;
	int r = 0;

	if (!role)
		return 0;
	docs = iam_role_documents(c->sim, c->acct->id, role, &n);
	if (!resolved) {
		bool profile = strstr(t->arn, "inference-profile/") != NULL;
		r = authorize_one(c, docs, n, t->arn, profile ? t->arn : NULL);
	} else if (t->profile_arn) {
		r = authorize_one(c, docs, n, t->fm_arn, t->profile_arn);
	}
	free(docs);
	free(role);
	return r;
}

static int target_of(struct call *c, struct target *t)
{
	static const struct strspec spec = { true, 1, 2048, PAT_NONE };

	memset(t, 0, sizeof(*t));
	if (check_label(c, "modelId", &spec) < 0)
		return -1;
	t->arn = resource_arn(c, c->label);
	if (authorize(c, t, false) < 0 || resolve(c, t) < 0 || authorize(c, t, true) < 0)
		return -1;
	return 0;
}

/* ---- token counts ---- */

static uint64_t tokens_of_bytes(size_t bytes)
{
	uint64_t t = (bytes + 3) / 4;

	return t ? t : 1;
}

/* Bytes of the string members named text, prompt, inputText, system or content. */
static size_t text_bytes(const cJSON *j, int depth)
{
	static const char *const names[] = { "text", "prompt", "inputText", "system", "content" };
	const cJSON *e;
	size_t n = 0;

	if (depth > 32)
		return 0;
	cJSON_ArrayForEach(e, j)
	{
		if (cJSON_IsString(e) && e->string) {
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (strcmp(e->string, names[i]) == 0)
					n += strlen(e->valuestring);
		} else if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
			n += text_bytes(e, depth + 1);
		}
	}
	return n;
}

static uint64_t output_tokens(uint64_t input, long long max_tokens, bool *truncated)
{
	uint64_t out = 10 + input / 2;

	*truncated = max_tokens > 0 && out > (uint64_t)max_tokens;
	return *truncated ? (uint64_t)max_tokens : out;
}

/* The answer's text: one word per output token. */
static char *answer_text(uint64_t tokens)
{
	static const char *const words[] = { "awsim", "answers", "deterministically", "from", "the", "input" };
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (uint64_t i = 0; i < tokens; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", words[i % 6]);
	return strbuf_detach(&sb, NULL);
}

static void record(struct call *c, const struct target *t, const char *op, const cJSON *metadata, uint64_t in,
		   uint64_t out)
{
	struct invocation inv = { 0 };

	inv.account = c->acct->id;
	inv.region = c->region;
	inv.caller_arn = c->cred ? c->cred->arn : "anonymous";
	inv.request_id = c->request_id;
	inv.operation = op;
	inv.model_id = c->label;
	inv.model = t->fm->id;
	inv.tags = t->tags;
	inv.request_metadata = metadata;
	inv.input = in;
	inv.output = out;
	inv.when_ms = ids_now_ms();
	usage_record(c->sim, &inv);
}

/* The characters RequestMetadata keys and values may hold. */
static bool metadata_chars(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !isspace((unsigned char)*s) && !strchr(":_@$#=/+,-.", *s))
			return false;
	return true;
}

/* requestMetadata: 1..16 pairs, keys 1..256 and values 0..256 characters of
 * [a-zA-Z0-9\s:_@$#=/+,-.], as the service model says. */
static int check_metadata(struct call *c, const cJSON *md)
{
	const cJSON *e;
	int n = cJSON_GetArraySize(md);

	if (!md)
		return 0;
	if (!cJSON_IsObject(md) || n < 1 || n > MAX_METADATA)
		return call_invalid(c, "requestMetadata", NULL, "Member must be a map of 1 to 16 entries");
	cJSON_ArrayForEach(e, md)
	{
		if (!cJSON_IsString(e) || !*e->string || strlen(e->string) > 256 || strlen(e->valuestring) > 256 ||
		    !metadata_chars(e->string) || !metadata_chars(e->valuestring))
			return call_invalid(c, "requestMetadata", e->string,
					    "Member must be a map of strings of [a-zA-Z0-9\\s:_@$#=/+,-.]{0,256}");
	}
	return 0;
}

static int check_messages(struct call *c, const cJSON *msgs)
{
	static const char *const roles[] = { "user", "assistant", NULL };
	const cJSON *m, *content;
	const char *role;

	cJSON_ArrayForEach(m, msgs)
	{
		if (!cJSON_IsObject(m) || in_enum(c, m, "role", true, roles, &role) < 0)
			return m && cJSON_IsObject(m) ? -1
						      : call_invalid(c, "messages", NULL, "Member must be a Message");
		if (in_array(c, m, "content", true, 1, 1000, &content) < 0)
			return -1;
	}
	return 0;
}

static int op_converse(struct call *c)
{
	const cJSON *msgs, *sys, *cfg = NULL, *md = NULL;
	long long max_tokens = 0;
	bool present, truncated;
	struct target t;
	uint64_t in, out;
	cJSON *o, *msg, *content, *block, *usage;
	char *text;

	if (in_array(c, c->json, "messages", true, 1, 10000, &msgs) < 0 || check_messages(c, msgs) < 0 ||
	    in_array(c, c->json, "system", false, 0, 1000, &sys) < 0 ||
	    in_object(c, c->json, "inferenceConfig", false, &cfg) < 0 ||
	    (cfg && in_int(c, cfg, "maxTokens", 1, 1000000, &max_tokens, &present) < 0) ||
	    in_object(c, c->json, "requestMetadata", false, &md) < 0 || check_metadata(c, md) < 0)
		return -1;
	if (target_of(c, &t) < 0) {
		target_release(&t);
		return -1;
	}
	in = tokens_of_bytes(text_bytes(msgs, 0) + (sys ? text_bytes(sys, 0) : 0));
	out = output_tokens(in, max_tokens, &truncated);
	o = cJSON_CreateObject();
	msg = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "output"), "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	content = cJSON_AddArrayToObject(msg, "content");
	text = answer_text(out);
	block = cJSON_CreateObject();
	cJSON_AddStringToObject(block, "text", text);
	cJSON_AddItemToArray(content, block);
	free(text);
	cJSON_AddStringToObject(o, "stopReason", truncated ? "max_tokens" : "end_turn");
	usage = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(usage, "inputTokens", (double)in);
	cJSON_AddNumberToObject(usage, "outputTokens", (double)out);
	cJSON_AddNumberToObject(usage, "totalTokens", (double)(in + out));
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(o, "metrics"), "latencyMs", 1);
	record(c, &t, "Converse", md, in, out);
	target_release(&t);
	return call_json(c, o);
}

static int op_invoke(struct call *c)
{
	cJSON *body = cJSON_ParseWithLength(c->msg->body.buf, c->msg->body.len), *o, *content, *block, *usage;
	const cJSON *mt = cJSON_GetObjectItemCaseSensitive(body, "max_tokens");
	struct target t;
	uint64_t in, out;
	bool truncated;
	char *text, *printed, id[25];

	if (!c->msg->body.len) {
		cJSON_Delete(body);
		return call_invalid(c, "body", NULL, "Member must not be null");
	}
	if (target_of(c, &t) < 0) {
		cJSON_Delete(body);
		target_release(&t);
		return -1;
	}
	in = tokens_of_bytes(cJSON_IsObject(body) ? text_bytes(body, 0) : c->msg->body.len);
	out = output_tokens(in, cJSON_IsNumber(mt) ? (long long)mt->valuedouble : 0, &truncated);
	cJSON_Delete(body);
	/* the answer in the Anthropic Messages shape, whatever the model */
	memcpy(id, "msg_bdrk_", 9);
	ids_random(&c->sim->rng, IDS_LOWER_ALNUM, 15, id + 9);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "type", "message");
	cJSON_AddStringToObject(o, "role", "assistant");
	cJSON_AddStringToObject(o, "model", t.fm->id);
	content = cJSON_AddArrayToObject(o, "content");
	block = cJSON_CreateObject();
	cJSON_AddStringToObject(block, "type", "text");
	text = answer_text(out);
	cJSON_AddStringToObject(block, "text", text);
	free(text);
	cJSON_AddItemToArray(content, block);
	cJSON_AddStringToObject(o, "stop_reason", truncated ? "max_tokens" : "end_turn");
	cJSON_AddNullToObject(o, "stop_sequence");
	usage = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(usage, "input_tokens", (double)in);
	cJSON_AddNumberToObject(usage, "output_tokens", (double)out);
	printed = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	strbuf_reset(&c->body);
	strbuf_adds(&c->body, printed);
	cJSON_free(printed);
	c->status = 200;
	c->content_type = "application/json";
	call_header(c, "X-Amzn-Bedrock-Input-Token-Count", "%llu", (unsigned long long)in);
	call_header(c, "X-Amzn-Bedrock-Output-Token-Count", "%llu", (unsigned long long)out);
	call_header(c, "X-Amzn-Bedrock-Invocation-Latency", "1");
	record(c, &t, "InvokeModel", NULL, in, out);
	target_release(&t);
	return 0;
}

const struct op bedrock_runtime_ops[] = {
	{ "Converse", op_converse, false, "POST", "/model/{}/converse", 200, false },
	{ "InvokeModel", op_invoke, false, "POST", "/model/{}/invoke", 200, false },
};
const size_t bedrock_runtime_n_ops = sizeof(bedrock_runtime_ops) / sizeof(bedrock_runtime_ops[0]);
