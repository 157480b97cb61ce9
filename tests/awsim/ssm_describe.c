/* SSM DescribeParameters: parameter metadata (with Version and Tier, never the
 * value), 1 to 50 a page, filtered by ParameterFilters (Name, Path, Type, KeyId,
 * Tier, DataType, tag:KEY) or the older Filters (Name, Type, KeyId). Filters are
 * ANDed, the values of one filter ORed. Pages are in name order. */
#include "awsim.h"

#include <string.h>

#include "xalloc.h"

#define PAGE_MAX     50
#define PAGE_DEFAULT 10
#define FILTERS_MAX  50

enum fkey { F_NAME, F_PATH, F_TYPE, F_KEYID, F_TIER, F_DATATYPE, F_TAG };
enum fopt { O_EQUALS, O_BEGINS, O_CONTAINS, O_RECURSIVE, O_ONELEVEL };

struct filter {
	enum fkey key;
	enum fopt opt;
	const char *tag; /* F_TAG: the tag key */
	const cJSON *values;
};

static int filter_error(struct call *c, const char *code, const char *msg)
{
	return call_error(c, 400, code, "%s", msg);
}

static int parse_option(struct call *c, enum fkey key, const char *opt, enum fopt *ret)
{
	if (!opt) {
		*ret = key == F_PATH ? O_ONELEVEL : O_EQUALS;
		return 0;
	}
	if (key == F_PATH) {
		if (!strcmp(opt, "Recursive") || !strcmp(opt, "OneLevel")) {
			*ret = !strcmp(opt, "Recursive") ? O_RECURSIVE : O_ONELEVEL;
			return 0;
		}
	} else if (!strcmp(opt, "Equals") || !strcmp(opt, "BeginsWith") ||
		   (key == F_NAME && !strcmp(opt, "Contains"))) {
		*ret = !strcmp(opt, "Equals") ? O_EQUALS : !strcmp(opt, "BeginsWith") ? O_BEGINS : O_CONTAINS;
		return 0;
	}
	return filter_error(c, "InvalidFilterOption", "The specified filter option isn't valid.");
}

static int parse_key(struct call *c, const char *k, enum fkey *ret)
{
	static const char *const names[] = { "Name", "Path", "Type", "KeyId", "Tier", "DataType" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(k, names[i])) {
			*ret = (enum fkey)i;
			return 0;
		}
	if (!strncmp(k, "tag:", 4) && k[4]) {
		*ret = F_TAG;
		return 0;
	}
	return filter_error(c, "InvalidFilterKey", "The specified key isn't valid.");
}

/* ParameterFilters, or (legacy) Filters, into fs[]. */
static int read_filters(struct call *c, struct filter *fs, size_t *n)
{
	const cJSON *pf, *lf, *f, *all;

	*n = 0;
	if (in_array(c, c->json, "ParameterFilters", false, 0, FILTERS_MAX, &pf) < 0 ||
	    in_array(c, c->json, "Filters", false, 0, FILTERS_MAX, &lf) < 0)
		return -1;
	if (pf && lf)
		return call_error(c, 400, "ValidationException",
				  "You can use either Filters or ParameterFilters in a single request.");
	all = pf ? pf : lf;
	cJSON_ArrayForEach(f, all)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(f, "Key");
		const cJSON *opt = cJSON_GetObjectItemCaseSensitive(f, "Option");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(f, "Values"), *v;
		struct filter *out = &fs[*n];

		if (!cJSON_IsString(key) || (opt && !cJSON_IsString(opt)) || (vals && !cJSON_IsArray(vals)))
			return call_error(c, 400, "SerializationException", "Each filter must be a structure.");
		if (parse_key(c, key->valuestring, &out->key) < 0)
			return -1;
		if (!pf && out->key != F_NAME && out->key != F_TYPE && out->key != F_KEYID)
			return filter_error(c, "InvalidFilterKey", "The specified key isn't valid.");
		if (parse_option(c, out->key, opt ? opt->valuestring : NULL, &out->opt) < 0)
			return -1;
		out->tag = out->key == F_TAG ? key->valuestring + 4 : NULL;
		out->values = vals;
		if (out->key != F_TAG && cJSON_GetArraySize(vals) < 1)
			return filter_error(c, "InvalidFilterValue", "The filter value isn't valid.");
		if (cJSON_GetArraySize(vals) > 50)
			return filter_error(c, "InvalidFilterValue", "A filter can have at most 50 values.");
		cJSON_ArrayForEach(v, vals)
		{
			if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 1024)
				return filter_error(c, "InvalidFilterValue", "The filter value isn't valid.");
		}
		(*n)++;
	}
	return 0;
}

static bool match_str(enum fopt opt, const char *have, const char *want)
{
	if (!have)
		return false;
	switch (opt) {
	case O_BEGINS:
		return !strncmp(have, want, strlen(want));
	case O_CONTAINS:
		return strstr(have, want) != NULL;
	default:
		return !strcmp(have, want);
	}
}

static bool match_path(enum fopt opt, const char *name, const char *path)
{
	size_t len = strlen(path);
	const char *rest;

	if (!strcmp(path, "/"))
		len = 0;
	else if (strncmp(name, path, len) != 0 || name[len] != '/')
		return false;
	rest = name + len + 1;
	if (name[0] != '/')
		return false;
	return opt == O_RECURSIVE || !strchr(rest, '/');
}

static bool pass(const struct filter *fs, size_t n, const struct parameter *p)
{
	for (size_t i = 0; i < n; i++) {
		const struct filter *f = &fs[i];
		const char *have = NULL;
		const cJSON *v;
		bool any = false;

		switch (f->key) {
		case F_NAME:
			have = p->name;
			break;
		case F_TYPE:
			have = p->type;
			break;
		case F_KEYID:
			have = p->key_id;
			break;
		case F_TIER:
			have = p->tier;
			break;
		case F_DATATYPE:
			have = p->data_type;
			break;
		case F_TAG:
			have = tagset_get(&p->tags, f->tag);
			if (have && !cJSON_GetArraySize(f->values))
				any = true;
			break;
		default:
			break;
		}
		cJSON_ArrayForEach(v, f->values)
		{
			any |= f->key == F_PATH ? match_path(f->opt, p->name, v->valuestring)
						: match_str(f->opt, have, v->valuestring);
		}
		if (!any)
			return false;
	}
	return true;
}

static cJSON *metadata_json(const struct parameter *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "Name", p->name);
	cJSON_AddStringToObject(o, "ARN", p->arn);
	cJSON_AddStringToObject(o, "Type", p->type);
	if (p->key_id || !strcmp(p->type, "SecureString"))
		cJSON_AddStringToObject(o, "KeyId", p->key_id ? p->key_id : "alias/aws/ssm");
	cJSON_AddNumberToObject(o, "LastModifiedDate", (double)p->modified_ms / 1000.0);
	if (p->description)
		cJSON_AddStringToObject(o, "Description", p->description);
	if (p->allowed_pattern)
		cJSON_AddStringToObject(o, "AllowedPattern", p->allowed_pattern);
	cJSON_AddNumberToObject(o, "Version", (double)p->version);
	cJSON_AddStringToObject(o, "Tier", p->tier);
	cJSON_AddArrayToObject(o, "Policies");
	cJSON_AddStringToObject(o, "DataType", p->data_type);
	return o;
}

/* A single Path filter bounds the walk to the names under it. */
static void walk_prefix(const struct filter *fs, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (fs[i].key != F_PATH || cJSON_GetArraySize(fs[i].values) != 1)
			continue;
		strbuf_adds(out, fs[i].values->child->valuestring);
		if (out->buf[out->len - 1] != '/')
			strbuf_addch(out, '/');
		return;
	}
}

int op_ssm_describe_parameters(struct call *c)
{
	static const struct strspec tspec = { false, 0, 0, PAT_NONE };
	struct filter fs[FILTERS_MAX];
	const char *token;
	long long max = PAGE_DEFAULT;
	bool present, shared = false;
	size_t n_filters, count = 0;
	struct strbuf prefix, last;
	const struct omap_node *n;
	cJSON *out = NULL, *list;

	if (in_int(c, c->json, "MaxResults", 1, PAGE_MAX, &max, &present) < 0 ||
	    in_str(c, c->json, "NextToken", &tspec, &token) < 0 || in_bool(c, c->json, "Shared", &shared) < 0 ||
	    read_filters(c, fs, &n_filters) < 0)
		return -1;
	if (!present)
		max = PAGE_DEFAULT;
	strbuf_init(&prefix, STRBUF_NO_CAP);
	strbuf_init(&last, 4096);
	walk_prefix(fs, n_filters, &prefix);
	if (token && page_token_decode(c, token, "describe", &last) < 0)
		goto out;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "Parameters");
	if (shared) /* awsim shares nothing */
		goto out;
	for (n = omap_next(&c->rs->params, token ? last.buf : (prefix.len > 1 ? prefix.buf : NULL));
	     n && (prefix.len <= 1 || !strncmp(n->key, prefix.buf, prefix.len));
	     n = omap_next(&c->rs->params, n->key)) {
		if (!pass(fs, n_filters, n->value))
			continue;
		if (count == (size_t)max) {
			struct strbuf tok;
			strbuf_init(&tok, STRBUF_NO_CAP);
			page_token_encode("describe", last.buf, &tok);
			cJSON_AddStringToObject(out, "NextToken", tok.buf);
			strbuf_release(&tok);
			break;
		}
		cJSON_AddItemToArray(list, metadata_json(n->value));
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
out:
	strbuf_release(&prefix);
	strbuf_release(&last);
	return out ? call_json(c, out) : -1;
}
