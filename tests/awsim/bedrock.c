/* Amazon Bedrock control plane (restJson1): application inference profiles, the
 * seeded system-defined profiles, their tags, and the foundation-model catalogue.
 * Wire facts: aws-wire.md section 1. */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define LIST_DEFAULT 100

static const struct strspec tag_key_spec = { true, 1, 128, PAT_BR_TAG };
static const struct strspec tag_value_spec = { true, 0, 256, PAT_BR_TAG };
static const struct strspec arn_spec = { true, 20, 1011, PAT_BR_TAGGABLE_ARN };
static const struct strspec ident_spec = { true, 1, 2048, PAT_BR_PROFILE_IDENT };

/* A profile as Get and List answer it. */
static cJSON *profile_json(const struct profile *p)
{
	cJSON *o = cJSON_CreateObject(), *models = cJSON_CreateArray();
	char ts[32];

	cJSON_AddStringToObject(o, "inferenceProfileName", p->name);
	if (p->description)
		cJSON_AddStringToObject(o, "description", p->description);
	ids_iso8601(p->created_ms, 1, ts);
	cJSON_AddStringToObject(o, "createdAt", ts);
	ids_iso8601(p->updated_ms, 1, ts);
	cJSON_AddStringToObject(o, "updatedAt", ts);
	cJSON_AddStringToObject(o, "inferenceProfileArn", p->arn);
	for (size_t i = 0; i < p->n_models; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "modelArn", p->models[i]);
		cJSON_AddItemToArray(models, m);
	}
	cJSON_AddItemToObject(o, "models", models);
	cJSON_AddStringToObject(o, "inferenceProfileId", p->id);
	cJSON_AddStringToObject(o, "status", "ACTIVE");
	cJSON_AddStringToObject(o, "type", p->system ? "SYSTEM_DEFINED" : "APPLICATION");
	return o;
}

/* A profile by ID or ARN in the caller's account and region; NULL when not there. */
static struct profile *find_profile(struct call *c, const char *ident)
{
	struct arn a;

	if (strncmp(ident, "arn:", 4) != 0) {
		struct profile *p = omap_get(&c->rs->profiles, ident);
		return p ? p : omap_get(&c->rs->system_profiles, ident);
	}
	if (arn_split(ident, &a) < 0 || strcmp(a.service, "bedrock") != 0 || strcmp(a.region, c->rs->name) != 0 ||
	    strcmp(a.account, c->acct->id) != 0)
		return NULL;
	if (strcmp(a.type, "application-inference-profile") == 0)
		return omap_get(&c->rs->profiles, a.id);
	if (strcmp(a.type, "inference-profile") == 0)
		return omap_get(&c->rs->system_profiles, a.id);
	return NULL;
}

static int not_found(struct call *c, const char *what)
{
	return call_error(c, 404, "ResourceNotFoundException", "%.300s not found.", what);
}

/* Validate a Bedrock tag list; fills keys/values (borrowed from the request). */
static int read_tags(struct call *c, const cJSON *list, const char ***keys, const char ***values, size_t *n)
{
	const cJSON *t;
	size_t i = 0, count = list ? (size_t)cJSON_GetArraySize(list) : 0;

	*keys = xcalloc(count + 1, sizeof(char *));
	*values = xcalloc(count + 1, sizeof(char *));
	*n = 0;
	cJSON_ArrayForEach(t, list)
	{
		if (!cJSON_IsObject(t))
			return call_error(c, 400, "SerializationException", "Each tag must be a structure.");
		if (in_str(c, t, "key", &tag_key_spec, &(*keys)[i]) < 0 ||
		    in_str(c, t, "value", &tag_value_spec, &(*values)[i]) < 0)
			return -1;
		i++;
	}
	*n = i;
	return 0;
}

/* Resolve copyFrom to the foundation-model ARNs the new profile routes to. */
static int resolve_source(struct call *c, const char *src, char ***ret, size_t *n)
{
	struct arn a;

	*ret = NULL;
	*n = 0;
	if (arn_split(src, &a) < 0)
		return not_found(c, "Model source");
	if (strcmp(a.type, "foundation-model") == 0) {
		if (strcmp(a.region, c->rs->name) != 0 || a.account[0] || !catalog_model(a.id))
			return call_error(c, 404, "ResourceNotFoundException", "The model %.200s is not found.", src);
		*ret = xcalloc(1, sizeof(char *));
		(*ret)[0] = xstrdup(src);
		*n = 1;
		return 0;
	}
	{
		const struct profile *sys = omap_get(&c->rs->system_profiles, a.id);
		if (!sys || strcmp(sys->arn, src) != 0)
			return call_error(c, 404, "ResourceNotFoundException",
					  "The inference profile %.200s is not found.", src);
		*ret = xcalloc(sys->n_models, sizeof(char *));
		for (size_t i = 0; i < sys->n_models; i++)
			(*ret)[i] = xstrdup(sys->models[i]);
		*n = sys->n_models;
	}
	return 0;
}

static int created(struct call *c, const char *arn)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "inferenceProfileArn", arn);
	cJSON_AddStringToObject(o, "status", "ACTIVE");
	return call_json(c, o);
}

static int op_create(struct call *c)
{
	static const struct strspec name_spec = { true, 1, 64, PAT_BR_NAME };
	static const struct strspec desc_spec = { false, 1, 200, PAT_BR_DESCRIPTION };
	static const struct strspec token_spec = { false, 1, 256, PAT_BR_TOKEN };
	static const struct strspec copy_spec = { true, 1, 2048, PAT_BR_COPY_FROM };
	const char *name, *desc, *token, *src, **keys = NULL, **values = NULL, *arn;
	const cJSON *ms, *tags;
	struct profile *p;
	size_t n_tags = 0;
	char id[13];
	int r = -1;

	if (in_str(c, c->json, "inferenceProfileName", &name_spec, &name) < 0 ||
	    in_str(c, c->json, "description", &desc_spec, &desc) < 0 ||
	    in_str(c, c->json, "clientRequestToken", &token_spec, &token) < 0 ||
	    in_object(c, c->json, "modelSource", true, &ms) < 0 || in_str(c, ms, "copyFrom", &copy_spec, &src) < 0 ||
	    in_array(c, c->json, "tags", false, 0, 200, &tags) < 0 || read_tags(c, tags, &keys, &values, &n_tags) < 0)
		goto out;
	if (token && (arn = omap_get(&c->rs->tokens, token))) {
		r = created(c, arn); /* a replay answers the original result */
		goto out;
	}
	if (omap_get(&c->rs->profile_names, name)) {
		call_error(c, 400, "ConflictException", "An inference profile named %s already exists.", name);
		goto out;
	}
	if (c->rs->profiles.n >= call_quota(c, Q_PROFILES)) {
		call_error(c, 400, "ServiceQuotaExceededException",
			   "You have reached the maximum number of inference profiles (%zu) for this account in %s.",
			   call_quota(c, Q_PROFILES), c->rs->name);
		goto out;
	}
	if (tags_check_new(c, &(struct tagset){ 0 }, keys, n_tags, name, 400, "TooManyTagsException") < 0)
		goto out;
	p = xcalloc(1, sizeof(*p));
	if (resolve_source(c, src, &p->models, &p->n_models) < 0) {
		profile_free(p);
		goto out;
	}
	do
		ids_random(&c->sim->rng, IDS_LOWER_ALNUM, 12, id);
	while (omap_get(&c->rs->profiles, id));
	p->id = xstrdup(id);
	p->arn = xasprintf("arn:aws:bedrock:%s:%s:application-inference-profile/%s", c->rs->name, c->acct->id, id);
	p->name = xstrdup(name);
	p->description = xstrdup_or_null(desc);
	p->source = xstrdup(src);
	p->created_ms = p->updated_ms = ids_now_ms();
	p->visible_ms = p->created_ms + c->sim->faults.consistency_ms;
	p->readable_ms = p->created_ms + c->sim->faults.read_after_write_ms;
	for (size_t i = 0; i < n_tags; i++)
		tagset_set(&p->tags, keys[i], values[i]);
	omap_put(&c->rs->profiles, id, p);
	omap_put(&c->rs->profile_names, name, p);
	if (token)
		free(omap_put(&c->rs->tokens, token, xstrdup(p->arn)));
	r = created(c, p->arn);
out:
	free(keys);
	free(values);
	return r;
}

static int op_get(struct call *c)
{
	struct profile *p;

	if (check_label(c, "inferenceProfileIdentifier", &ident_spec) < 0)
		return -1;
	p = find_profile(c, c->label);
	/* read-after-write lag (fault plan): a new profile is not found for a while */
	if (!p || p->readable_ms > ids_now_ms())
		return not_found(c, "Inference profile");
	return call_json(c, profile_json(p));
}

static int op_list(struct call *c)
{
	const char *type = form_get(&c->query, "type"), *token = form_get(&c->query, "nextToken");
	const char *max_s = form_get(&c->query, "maxResults");
	long long max = LIST_DEFAULT;
	bool app;
	struct omap *set;
	struct strbuf last;
	const struct omap_node *n;
	cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "inferenceProfileSummaries");
	int64_t now = ids_now_ms();
	size_t count = 0;

	strbuf_init(&last, 4096);
	if (type && strcmp(type, "APPLICATION") != 0 && strcmp(type, "SYSTEM_DEFINED") != 0) {
		call_invalid(c, "typeEquals", type,
			     "Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]");
		goto fail;
	}
	app = type && strcmp(type, "APPLICATION") == 0;
	set = app ? &c->rs->profiles : &c->rs->system_profiles;
	if (max_s && query_int(c, "maxResults", max_s, 1, 1000, &max) < 0)
		goto fail;
	if (token && page_token_decode(c, token, app ? "APPLICATION" : "SYSTEM_DEFINED", &last) < 0)
		goto fail;
	n = omap_next(set, token ? last.buf : NULL);
	for (; n; n = omap_next(set, n->key)) {
		const struct profile *p = n->value;
		if (p->visible_ms > now)
			continue;
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode(app ? "APPLICATION" : "SYSTEM_DEFINED", last.buf, &tok);
			cJSON_AddStringToObject(out, "nextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		cJSON_AddItemToArray(list, profile_json(p));
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
	strbuf_release(&last);
	return call_json(c, out);
fail:
	strbuf_release(&last);
	cJSON_Delete(out);
	return -1;
}

static int op_delete(struct call *c)
{
	struct profile *p;

	if (check_label(c, "inferenceProfileIdentifier", &ident_spec) < 0)
		return -1;
	p = find_profile(c, c->label);
	if (!p)
		return not_found(c, "Inference profile");
	if (p->system)
		return call_error(c, 400, "ValidationException",
				  "System-defined inference profiles cannot be deleted.");
	omap_del(&c->rs->profile_names, p->name);
	omap_del(&c->rs->profiles, p->id);
	profile_free(p);
	return call_json(c, cJSON_CreateObject());
}

/* The application profile a tagging request names; system profiles carry no tags. */
static int tag_target(struct call *c, const char **arn, struct profile **ret)
{
	if (in_str(c, c->json, "resourceARN", &arn_spec, arn) < 0)
		return -1;
	*ret = find_profile(c, *arn);
	if (!*ret || (*ret)->system || strncmp(*arn, "arn:", 4) != 0)
		return call_error(c, 404, "ResourceNotFoundException", "The resource %.300s was not found.", *arn);
	return 0;
}

static int op_tag(struct call *c)
{
	const char *arn, **keys = NULL, **values = NULL;
	const cJSON *tags;
	struct profile *p;
	size_t n = 0;
	int r = -1;

	if (tag_target(c, &arn, &p) < 0 || in_array(c, c->json, "tags", true, 0, 200, &tags) < 0 ||
	    read_tags(c, tags, &keys, &values, &n) < 0 ||
	    tags_check_new(c, &p->tags, keys, n, arn, 400, "TooManyTagsException") < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		tagset_set(&p->tags, keys[i], values[i]);
	r = call_json(c, cJSON_CreateObject());
out:
	free(keys);
	free(values);
	return r;
}

static int op_untag(struct call *c)
{
	const char *arn;
	const cJSON *keys, *k;
	struct profile *p;

	if (tag_target(c, &arn, &p) < 0 || in_array(c, c->json, "tagKeys", true, 0, 200, &keys) < 0)
		return -1;
	cJSON_ArrayForEach(k, keys)
	{
		if (!cJSON_IsString(k))
			return call_error(c, 400, "SerializationException", "Each tag key must be a string.");
		if (check_value(c, "tagKeys.member", k->valuestring, &tag_key_spec) < 0)
			return -1;
		if (strncasecmp(k->valuestring, "aws:", 4) == 0)
			return call_error(c, 400, "ValidationException",
					  "Tag keys starting with 'aws:' are reserved for system use.");
	}
	cJSON_ArrayForEach(k, keys) tagset_remove(&p->tags, k->valuestring);
	return call_json(c, cJSON_CreateObject());
}

static int op_list_tags(struct call *c)
{
	const char *arn;
	struct profile *p;
	cJSON *out;

	if (tag_target(c, &arn, &p) < 0)
		return -1;
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "tags", tagset_to_json(&p->tags, "key", "value"));
	return call_json(c, out);
}

/* ---- foundation models ---- */

static cJSON *modalities(const char *list)
{
	cJSON *arr = cJSON_CreateArray();

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len);
		cJSON_AddItemToArray(arr, cJSON_CreateString(item));
		free(item);
		p += len + (p[len] == ',');
	}
	return arr;
}

static cJSON *model_json(const struct call *c, const struct fm_def *m)
{
	cJSON *o = cJSON_CreateObject(), *life;
	char *arn = xasprintf("arn:aws:bedrock:%s::foundation-model/%s", c->rs->name, m->id);

	cJSON_AddStringToObject(o, "modelArn", arn);
	free(arn);
	cJSON_AddStringToObject(o, "modelId", m->id);
	cJSON_AddStringToObject(o, "modelName", m->name);
	cJSON_AddStringToObject(o, "providerName", m->provider);
	cJSON_AddItemToObject(o, "inputModalities", modalities(m->input));
	cJSON_AddItemToObject(o, "outputModalities", modalities(m->output));
	cJSON_AddBoolToObject(o, "responseStreamingSupported", m->streaming);
	cJSON_AddItemToObject(o, "customizationsSupported", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "inferenceTypesSupported", modalities("ON_DEMAND"));
	life = cJSON_AddObjectToObject(o, "modelLifecycle");
	cJSON_AddStringToObject(life, "status", "ACTIVE");
	return o;
}

static int op_list_models(struct call *c)
{
	static const struct strspec provider_spec = { false, 1, 63, PAT_BR_PROVIDER };
	const char *provider = form_get(&c->query, "byProvider"), *output = form_get(&c->query, "byOutputModality");
	const char *inference = form_get(&c->query, "byInferenceType");
	const char *custom = form_get(&c->query, "byCustomizationType");
	const struct fm_def *models;
	cJSON *out, *list;
	size_t n;

	if (provider && check_value(c, "byProvider", provider, &provider_spec) < 0)
		return -1;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "modelSummaries");
	models = catalog_models(&n);
	for (size_t i = 0; i < n && !custom; i++) {
		if (provider && strcasecmp(provider, models[i].provider) != 0)
			continue;
		if (output && strstr(models[i].output, output) == NULL)
			continue;
		if (inference && strcmp(inference, "ON_DEMAND") != 0)
			continue;
		cJSON_AddItemToArray(list, model_json(c, &models[i]));
	}
	return call_json(c, out);
}

static int op_get_model(struct call *c)
{
	static const struct strspec spec = { true, 1, 2048, PAT_BR_MODEL_IDENT };
	const char *id;
	const struct fm_def *m;
	cJSON *out;

	if (check_label(c, "modelIdentifier", &spec) < 0)
		return -1;
	id = c->label;
	if (strncmp(id, "arn:", 4) == 0) {
		struct arn a;
		if (arn_split(id, &a) < 0 || strcmp(a.region, c->rs->name) != 0)
			return call_error(c, 404, "ResourceNotFoundException", "The model %.200s is not found.", id);
		id = c->label + strlen(c->label) - strlen(a.id);
	}
	m = catalog_model(id);
	if (!m)
		return call_error(c, 404, "ResourceNotFoundException", "The model %.200s is not found.", c->label);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "modelDetails", model_json(c, m));
	return call_json(c, out);
}

const struct op bedrock_ops[] = {
	{ "CreateInferenceProfile", op_create, true, "POST", "/inference-profiles", 201, false },
	{ "ListInferenceProfiles", op_list, false, "GET", "/inference-profiles", 200, false },
	{ "GetInferenceProfile", op_get, false, "GET", "/inference-profiles/{}", 200, false },
	{ "DeleteInferenceProfile", op_delete, true, "DELETE", "/inference-profiles/{}", 200, false },
	{ "TagResource", op_tag, true, "POST", "/tagResource", 200, false },
	{ "UntagResource", op_untag, true, "POST", "/untagResource", 200, false },
	{ "ListTagsForResource", op_list_tags, false, "POST", "/listTagsForResource", 200, false },
	{ "ListFoundationModels", op_list_models, false, "GET", "/foundation-models", 200, false },
	{ "GetFoundationModel", op_get_model, false, "GET", "/foundation-models/{}", 200, false },
	{ "PutModelInvocationLoggingConfiguration", op_invlog_put, true, "PUT", "/logging/modelinvocations", 200,
	  false },
	{ "GetModelInvocationLoggingConfiguration", op_invlog_get, false, "GET", "/logging/modelinvocations", 200,
	  false },
	{ "DeleteModelInvocationLoggingConfiguration", op_invlog_delete, true, "DELETE", "/logging/modelinvocations",
	  200, false },
};
const size_t bedrock_n_ops = sizeof(bedrock_ops) / sizeof(bedrock_ops[0]);
