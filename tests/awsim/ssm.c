/* AWS Systems Manager Parameter Store (awsJson1.1): parameters, their hierarchy
 * and tags. Wire facts: aws-wire.md sections 2.4 and 5.1. */
#include "awsim.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define MAX_LEVELS     15
#define NAME_MAX_CHARS 1011
#define STANDARD_VALUE 4096
#define ADVANCED_VALUE 8192
#define BY_PATH_MAX    10

static const struct strspec name_spec = { true, 1, 2048, PAT_NONE };
static const struct strspec tag_key_spec = { true, 1, 128, PAT_SSM_TAG };
static const struct strspec tag_value_spec = { true, 0, 256, PAT_SSM_TAG };

static bool reserved(const char *name)
{
	const char *first = name[0] == '/' ? name + 1 : name;

	return strncasecmp(first, "aws", 3) == 0 || strncasecmp(first, "ssm", 3) == 0;
}

/* The Parameter Store naming rules (user guide "Parameter naming constraints"). */
static int check_name(struct call *c, const char *name, bool creating)
{
	int levels = 0;

	if (!pattern_match(&c->sim->pat, PAT_SSM_NAME_CHARS, name))
		return call_error(c, 400, "ValidationException",
				  "Parameter name must only contain letters, numbers, and the symbols .-_/ : %.200s",
				  name);
	if (strchr(name, '/') && name[0] != '/')
		return call_error(c, 400, "ValidationException", "Parameter name must be a fully qualified name.");
	if (strstr(name, "//") || (strlen(name) > 1 && name[strlen(name) - 1] == '/') || !strcmp(name, "/"))
		return call_error(c, 400, "ValidationException", "Parameter name is not valid: %.200s", name);
	if (utf8_chars(name) > NAME_MAX_CHARS)
		return call_error(c, 400, "ValidationException", "Parameter name is longer than %d characters.",
				  NAME_MAX_CHARS);
	if (creating && reserved(name))
		return call_error(
			c, 400, "ValidationException",
			"No access to reserved parameter name: %.200s. Parameter names can't be prefixed with "
			"\"aws\" or \"ssm\" (case-insensitive).",
			name);
	for (const char *p = name; *p; p++)
		levels += *p == '/';
	if (levels > MAX_LEVELS)
		return call_error(c, 400, "HierarchyLevelLimitExceededException",
				  "A hierarchy can have a maximum of %d levels.", MAX_LEVELS);
	return 0;
}

static cJSON *param_json(const struct parameter *p, bool decrypt)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "Name", p->name);
	cJSON_AddStringToObject(o, "Type", p->type);
	if (!strcmp(p->type, "SecureString") && !decrypt) {
		struct strbuf enc;
		strbuf_init(&enc, STRBUF_NO_CAP);
		strbuf_adds(&enc, "AQICAHawsim");
		ids_token_encode(p->value, &enc);
		cJSON_AddStringToObject(o, "Value", enc.buf);
		strbuf_release(&enc);
	} else {
		cJSON_AddStringToObject(o, "Value", p->value);
	}
	cJSON_AddNumberToObject(o, "Version", (double)p->version);
	cJSON_AddNumberToObject(o, "LastModifiedDate", (double)p->modified_ms / 1000.0);
	cJSON_AddStringToObject(o, "ARN", p->arn);
	cJSON_AddStringToObject(o, "DataType", p->data_type);
	return o;
}

static int read_tags(struct call *c, const cJSON *tags, const struct tagset *cur, const char *resource)
{
	const char **keys = xcalloc((size_t)cJSON_GetArraySize(tags) + 1, sizeof(char *));
	const cJSON *t;
	size_t n = 0;
	int r = -1;

	cJSON_ArrayForEach(t, tags)
	{
		const char *v;
		if (!cJSON_IsObject(t)) {
			call_error(c, 400, "SerializationException", "Each tag must be a structure.");
			goto out;
		}
		if (in_str(c, t, "Key", &tag_key_spec, &keys[n]) < 0 || in_str(c, t, "Value", &tag_value_spec, &v) < 0)
			goto out;
		n++;
	}
	r = tags_check_new(c, cur, keys, n, resource, 400, "TooManyTagsError");
out:
	free(keys);
	return r;
}

static void apply_tags(struct tagset *t, const cJSON *tags)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, tags)
	{
		tagset_set(t, cJSON_GetObjectItemCaseSensitive(o, "Key")->valuestring,
			   cJSON_GetObjectItemCaseSensitive(o, "Value")->valuestring);
	}
}

static bool advanced(const char *tier)
{
	return tier && !strcmp(tier, "Advanced");
}

static size_t standard_count(const struct region *r)
{
	return r->params.n - r->n_advanced;
}

/* The tier a put gives parameter p (NULL when new). A put that names no tier keeps
 * the tier of p (Standard for a new one). Intelligent-Tiering gives Standard unless
 * the parameter needs Advanced: it is Advanced already, its value is over 4 KB, it
 * has policies, or the account-region's Standard quota is full. An Advanced
 * parameter never goes back to Standard. */
static int check_value_and_tier(struct call *c, const struct parameter *p, const char *value, const char *tier,
				bool policies, const char **ret_tier)
{
	size_t len = strlen(value);

	if (tier && !strcmp(tier, "Intelligent-Tiering"))
		tier = (p && advanced(p->tier)) || len > STANDARD_VALUE || policies ||
				       (!p && standard_count(c->rs) >= call_quota(c, Q_SSM_STANDARD))
			       ? "Advanced"
			       : "Standard";
	if (!tier)
		tier = p ? p->tier : "Standard";
	if (p && advanced(p->tier) && !advanced(tier))
		return call_error(c, 400, "ValidationException",
				  "This parameter uses the advanced-parameter tier. You can't downgrade a parameter "
				  "from the advanced-parameter tier to the standard-parameter tier. If necessary, you "
				  "can delete the advanced parameter and recreate it as a standard parameter.");
	if (!strcmp(tier, "Standard") && len > STANDARD_VALUE)
		return call_error(
			c, 400, "ValidationException",
			"Standard tier parameters support a maximum parameter value of %d characters. To "
			"create a larger parameter value, upgrade the parameter to use the advanced-parameter "
			"tier.",
			STANDARD_VALUE);
	if (len > ADVANCED_VALUE)
		return call_error(c, 400, "ValidationException",
				  "Advanced tier parameters support a maximum parameter value of %d characters.",
				  ADVANCED_VALUE);
	*ret_tier = tier;
	return 0;
}

static int check_allowed(struct call *c, const char *pattern, const char *value)
{
	regex_t re;
	int m;

	if (!pattern || !*pattern)
		return 0;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return call_error(c, 400, "InvalidAllowedPatternException", "The allowed pattern %.200s is not valid.",
				  pattern);
	m = regexec(&re, value, 0, NULL, 0);
	regfree(&re);
	if (m != 0)
		return call_error(c, 400, "ParameterPatternMismatchException",
				  "Parameter value, cannot be validated against allowedPattern: %.200s", pattern);
	return 0;
}

static int op_put(struct call *c)
{
	static const struct strspec value_spec = { true, 1, 0, PAT_NONE };
	static const struct strspec desc_spec = { false, 0, 1024, PAT_NONE };
	static const struct strspec key_spec = { false, 1, 256, PAT_SSM_KEY_ID };
	static const struct strspec pattern_spec = { false, 0, 1024, PAT_NONE };
	static const struct strspec any_spec = { false, 0, 4096, PAT_NONE };
	static const char *const types[] = { "String", "StringList", "SecureString", NULL };
	static const char *const tiers[] = { "Standard", "Advanced", "Intelligent-Tiering", NULL };
	const char *name, *value, *type, *desc, *key_id, *pattern, *tier, *data_type, *policies;
	const cJSON *tags;
	bool overwrite;
	struct parameter *p;
	cJSON *out;

	if (in_str(c, c->json, "Name", &name_spec, &name) < 0 || in_str(c, c->json, "Value", &value_spec, &value) < 0 ||
	    in_enum(c, c->json, "Type", false, types, &type) < 0 ||
	    in_str(c, c->json, "Description", &desc_spec, &desc) < 0 ||
	    in_str(c, c->json, "KeyId", &key_spec, &key_id) < 0 || in_bool(c, c->json, "Overwrite", &overwrite) < 0 ||
	    in_str(c, c->json, "AllowedPattern", &pattern_spec, &pattern) < 0 ||
	    in_array(c, c->json, "Tags", false, 0, 1000, &tags) < 0 ||
	    in_enum(c, c->json, "Tier", false, tiers, &tier) < 0 ||
	    in_str(c, c->json, "Policies", &any_spec, &policies) < 0 ||
	    in_str(c, c->json, "DataType", &any_spec, &data_type) < 0)
		return -1;
	if (data_type && strcmp(data_type, "text") && strcmp(data_type, "aws:ec2:image") &&
	    strcmp(data_type, "aws:ssm:integration"))
		return call_error(c, 400, "ValidationException", "The data type %.100s is not supported.", data_type);
	if (tags && overwrite)
		return call_error(c, 400, "ValidationException",
				  "Invalid request: tags and overwrite can't be used together. To create a parameter "
				  "with tags, please remove overwrite flag. To update tags for an existing parameter, "
				  "please use AddTagsToResource or RemoveTagsFromResource.");
	p = omap_get(&c->rs->params, name);
	if (check_name(c, name, !p) < 0 ||
	    check_value_and_tier(c, p, value, tier, policies && *policies && strcmp(policies, "[]"), &tier) < 0 ||
	    check_allowed(c, pattern ? pattern : (p ? p->allowed_pattern : NULL), value) < 0)
		return -1;
	if (p && !overwrite)
		return call_error(c, 400, "ParameterAlreadyExists",
				  "The parameter already exists. To overwrite this value, set the overwrite option in "
				  "the request to true.");
	if (p && type && strcmp(type, p->type) != 0)
		return call_error(c, 400, "ValidationException", "The parameter type can't be changed from %s to %s.",
				  p->type, type);
	if (!p && !type)
		return call_error(c, 400, "ValidationException",
				  "A parameter type is required when you create a parameter.");
	if (!p && !advanced(tier) && standard_count(c->rs) >= call_quota(c, Q_SSM_STANDARD))
		return call_error(c, 400, "ParameterLimitExceeded",
				  "You have exceeded the number of standard parameters for this AWS account and Region "
				  "(%zu). Delete one or more parameters and try again.",
				  call_quota(c, Q_SSM_STANDARD));
	if ((!p || !advanced(p->tier)) && advanced(tier) && c->rs->n_advanced >= call_quota(c, Q_SSM_ADVANCED))
		return call_error(c, 400, "ParameterLimitExceeded",
				  "You have exceeded the number of advanced parameters for this AWS account and Region "
				  "(%zu). Delete one or more parameters and try again.",
				  call_quota(c, Q_SSM_ADVANCED));
	if (tags && read_tags(c, tags, &(struct tagset){ 0 }, name) < 0)
		return -1;
	if (!p) {
		p = xcalloc(1, sizeof(*p));
		p->name = xstrdup(name);
		p->arn = xasprintf("arn:aws:ssm:%s:%s:parameter/%s", c->rs->name, c->acct->id,
				   name[0] == '/' ? name + 1 : name);
		p->type = xstrdup(type);
		p->data_type = xstrdup(data_type ? data_type : "text");
		omap_put(&c->rs->params, name, p);
		if (tags)
			apply_tags(&p->tags, tags);
	}
	free(p->value);
	p->value = xstrdup(value);
	if (desc) {
		free(p->description);
		p->description = xstrdup(desc);
	}
	if (key_id) {
		free(p->key_id);
		p->key_id = xstrdup(key_id);
	}
	if (pattern) {
		free(p->allowed_pattern);
		p->allowed_pattern = xstrdup(pattern);
	}
	if (tier != p->tier) { /* tier may be p->tier itself */
		c->rs->n_advanced += advanced(tier) && !advanced(p->tier);
		free(p->tier);
		p->tier = xstrdup(tier);
	}
	p->version++;
	p->modified_ms = ids_now_ms();
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "Version", (double)p->version);
	cJSON_AddStringToObject(out, "Tier", p->tier);
	return call_json(c, out);
}

/* A name with an optional ":version" selector; labels are not kept. */
static struct parameter *lookup(struct call *c, const char *spec, bool *version_missing)
{
	const char *colon = strrchr(spec, ':');
	struct parameter *p;
	char *name;

	*version_missing = false;
	if (!colon)
		return omap_get(&c->rs->params, spec);
	name = xstrndup(spec, (size_t)(colon - spec));
	p = omap_get(&c->rs->params, name);
	free(name);
	if (p && strtoll(colon + 1, NULL, 10) != p->version) {
		*version_missing = true;
		return NULL;
	}
	return p;
}

static int op_get(struct call *c)
{
	const char *name;
	bool decrypt, missing_version;
	struct parameter *p;
	cJSON *out;

	if (in_str(c, c->json, "Name", &name_spec, &name) < 0 || in_bool(c, c->json, "WithDecryption", &decrypt) < 0)
		return -1;
	p = lookup(c, name, &missing_version);
	if (missing_version)
		return call_error(c, 400, "ParameterVersionNotFound", "Version of parameter %.200s not found.", name);
	if (!p)
		return call_error(c, 400, "ParameterNotFound", "Parameter %.200s not found.", name);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "Parameter", param_json(p, decrypt));
	return call_json(c, out);
}

static int names_list(struct call *c, const cJSON **names)
{
	const cJSON *n;

	if (in_array(c, c->json, "Names", true, 1, 10, names) < 0)
		return -1;
	cJSON_ArrayForEach(n, *names)
	{
		if (!cJSON_IsString(n))
			return call_error(c, 400, "SerializationException", "Names must be strings.");
		if (check_value(c, "names.member", n->valuestring, &name_spec) < 0)
			return -1;
	}
	return 0;
}

static int op_get_many(struct call *c)
{
	const cJSON *names, *n;
	bool decrypt, missing;
	cJSON *out, *found, *invalid;

	if (names_list(c, &names) < 0 || in_bool(c, c->json, "WithDecryption", &decrypt) < 0)
		return -1;
	out = cJSON_CreateObject();
	found = cJSON_AddArrayToObject(out, "Parameters");
	invalid = cJSON_AddArrayToObject(out, "InvalidParameters");
	cJSON_ArrayForEach(n, names)
	{
		struct parameter *p = lookup(c, n->valuestring, &missing);
		if (p)
			cJSON_AddItemToArray(found, param_json(p, decrypt));
		else
			cJSON_AddItemToArray(invalid, cJSON_CreateString(n->valuestring));
	}
	return call_json(c, out);
}

/* ParameterFilters of GetParametersByPath: Type (Equals) is applied, Label matches
 * nothing (awsim keeps no labels), KeyId matches the KeyId. */
static int check_filters(struct call *c, const cJSON *filters)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, filters)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(f, "Key");
		if (!cJSON_IsString(key) || (strcmp(key->valuestring, "Type") && strcmp(key->valuestring, "KeyId") &&
					     strcmp(key->valuestring, "Label")))
			return call_error(c, 400, "InvalidFilterKey", "The specified key is not valid.");
	}
	return 0;
}

static bool filters_pass(const cJSON *filters, const struct parameter *p)
{
	const cJSON *f, *v;

	cJSON_ArrayForEach(f, filters)
	{
		const char *key = cJSON_GetObjectItemCaseSensitive(f, "Key")->valuestring;
		const char *have = !strcmp(key, "Type") ? p->type : !strcmp(key, "KeyId") ? p->key_id : NULL;
		bool any = false;

		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f, "Values"))
		{
			any |= cJSON_IsString(v) && have && !strcmp(v->valuestring, have);
		}
		if (!any)
			return false;
	}
	return true;
}

static int op_by_path(struct call *c)
{
	static const struct strspec tspec = { false, 0, 0, PAT_NONE };
	const char *path, *token;
	bool recursive, decrypt, present;
	long long max = BY_PATH_MAX;
	const cJSON *filters;
	struct strbuf prefix, last, kind;
	const struct omap_node *n;
	cJSON *out = NULL, *list;
	size_t count = 0;

	if (in_str(c, c->json, "Path", &name_spec, &path) < 0 || in_bool(c, c->json, "Recursive", &recursive) < 0 ||
	    in_bool(c, c->json, "WithDecryption", &decrypt) < 0 ||
	    in_int(c, c->json, "MaxResults", 1, BY_PATH_MAX, &max, &present) < 0 ||
	    in_str(c, c->json, "NextToken", &tspec, &token) < 0 ||
	    in_array(c, c->json, "ParameterFilters", false, 0, 0, &filters) < 0 || check_filters(c, filters) < 0)
		return -1;
	if (!present)
		max = BY_PATH_MAX;
	if (path[0] != '/' || strstr(path, "//"))
		return call_error(c, 400, "ValidationException", "The parameter path %.200s is not valid.", path);
	strbuf_init(&prefix, STRBUF_NO_CAP);
	strbuf_init(&last, 4096);
	strbuf_init(&kind, STRBUF_NO_CAP);
	strbuf_adds(&prefix, path);
	if (prefix.buf[prefix.len - 1] != '/')
		strbuf_addch(&prefix, '/');
	strbuf_addf(&kind, "bypath:%d:%s", recursive, prefix.buf);
	if (token && page_token_decode(c, token, kind.buf, &last) < 0)
		goto out;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "Parameters");
	for (n = omap_next(&c->rs->params, token ? last.buf : prefix.buf);
	     n && !strncmp(n->key, prefix.buf, prefix.len); n = omap_next(&c->rs->params, n->key)) {
		const struct parameter *p = n->value;
		if (!recursive && strchr(n->key + prefix.len, '/'))
			continue;
		if (filters && !filters_pass(filters, p))
			continue;
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode(kind.buf, last.buf, &tok);
			cJSON_AddStringToObject(out, "NextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		cJSON_AddItemToArray(list, param_json(p, decrypt));
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
out:
	strbuf_release(&prefix);
	strbuf_release(&last);
	strbuf_release(&kind);
	return out ? call_json(c, out) : -1;
}

void ssm_forget(struct region *r, const char *name)
{
	struct parameter *p = omap_del(&r->params, name);

	if (p && advanced(p->tier))
		r->n_advanced--;
	parameter_free(p);
}

static int op_delete(struct call *c)
{
	const char *name;

	if (in_str(c, c->json, "Name", &name_spec, &name) < 0)
		return -1;
	if (!omap_get(&c->rs->params, name))
		return call_error(c, 400, "ParameterNotFound", "Parameter %.200s not found.", name);
	ssm_forget(c->rs, name);
	return call_json(c, cJSON_CreateObject());
}

static int op_delete_many(struct call *c)
{
	const cJSON *names, *n;
	cJSON *out, *deleted, *invalid;

	if (names_list(c, &names) < 0)
		return -1;
	out = cJSON_CreateObject();
	deleted = cJSON_AddArrayToObject(out, "DeletedParameters");
	invalid = cJSON_AddArrayToObject(out, "InvalidParameters");
	cJSON_ArrayForEach(n, names)
	{
		bool found = omap_get(&c->rs->params, n->valuestring) != NULL;
		cJSON_AddItemToArray(found ? deleted : invalid, cJSON_CreateString(n->valuestring));
		ssm_forget(c->rs, n->valuestring);
	}
	return call_json(c, out);
}

/* ResourceType + ResourceId of the tagging operations: parameters only. */
static int tag_target(struct call *c, struct parameter **ret)
{
	static const char *const types[] = {
		"Document", "ManagedInstance", "MaintenanceWindow", "Parameter",   "PatchBaseline",
		"OpsItem",  "OpsMetadata",     "Automation",	    "Association", "CloudConnector",
		NULL
	};
	static const struct strspec spec = { true, 1, 0, PAT_NONE };
	const char *type, *id;

	if (in_enum(c, c->json, "ResourceType", true, types, &type) < 0 ||
	    in_str(c, c->json, "ResourceId", &spec, &id) < 0)
		return -1;
	if (strcmp(type, "Parameter") != 0)
		return call_error(c, 400, "InvalidResourceType", "awsim keeps no resources of type %s.", type);
	*ret = omap_get(&c->rs->params, id);
	if (!*ret)
		return call_error(c, 400, "InvalidResourceId", "The resource ID \"%.200s\" is not valid.", id);
	return 0;
}

static int op_add_tags(struct call *c)
{
	struct parameter *p;
	const cJSON *tags;

	if (tag_target(c, &p) < 0 || in_array(c, c->json, "Tags", true, 0, 1000, &tags) < 0 ||
	    read_tags(c, tags, &p->tags, p->name) < 0)
		return -1;
	apply_tags(&p->tags, tags);
	return call_json(c, cJSON_CreateObject());
}

static int op_remove_tags(struct call *c)
{
	struct parameter *p;
	const cJSON *keys, *k;

	if (tag_target(c, &p) < 0 || in_array(c, c->json, "TagKeys", true, 0, 0, &keys) < 0)
		return -1;
	cJSON_ArrayForEach(k, keys)
	{
		if (!cJSON_IsString(k))
			return call_error(c, 400, "SerializationException", "TagKeys must be strings.");
		if (check_value(c, "tagKeys.member", k->valuestring, &tag_key_spec) < 0)
			return -1;
	}
	cJSON_ArrayForEach(k, keys) tagset_remove(&p->tags, k->valuestring);
	return call_json(c, cJSON_CreateObject());
}

static int op_list_tags(struct call *c)
{
	struct parameter *p;
	cJSON *out;

	if (tag_target(c, &p) < 0)
		return -1;
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "TagList", tagset_to_json(&p->tags, "Key", "Value"));
	return call_json(c, out);
}

const struct op ssm_ops[] = {
	{ "PutParameter", op_put, true, NULL, NULL, 0, false },
	{ "GetParameter", op_get, false, NULL, NULL, 0, false },
	{ "GetParameters", op_get_many, false, NULL, NULL, 0, false },
	{ "GetParametersByPath", op_by_path, false, NULL, NULL, 0, false },
	{ "DeleteParameter", op_delete, true, NULL, NULL, 0, false },
	{ "DeleteParameters", op_delete_many, true, NULL, NULL, 0, false },
	{ "AddTagsToResource", op_add_tags, true, NULL, NULL, 0, false },
	{ "RemoveTagsFromResource", op_remove_tags, true, NULL, NULL, 0, false },
	{ "ListTagsForResource", op_list_tags, false, NULL, NULL, 0, false },
	{ "DescribeParameters", op_ssm_describe_parameters, false, NULL, NULL, 0, false },
};
const size_t ssm_n_ops = sizeof(ssm_ops) / sizeof(ssm_ops[0]);
