/* Resource Groups Tagging API (awsJson1.1): GetResources over the taggable
 * resources awsim keeps in the caller's account and region: application inference
 * profiles, SSM parameters and, in us-east-1 (where global services answer),
 * budgets. Wire facts: aws-wire.md sections 2.5 and 5.2. */
#include "awsim.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define PER_PAGE_DEFAULT 100
#define TOKEN_LIFE_MS	 (15 * 60 * 1000)

enum section { SEC_PROFILES, SEC_PARAMS, SEC_BUDGETS, SEC_COUNT };

static const char *const section_type[SEC_COUNT] = { "bedrock:application-inference-profile", "ssm:parameter",
						     "budgets:budget" };

struct query {
	const cJSON *tag_filters;
	const cJSON *type_filters;
	bool compliance;
};

static const struct omap *section_map(const struct call *c, enum section s)
{
	switch (s) {
	case SEC_PROFILES:
		return &c->rs->profiles;
	case SEC_PARAMS:
		return &c->rs->params;
	default:
		return strcmp(c->rs->name, AWSIM_GLOBAL_REGION) == 0 ? &c->acct->budgets : NULL;
	}
}

static void resource_of(enum section s, void *v, const char **arn, const struct tagset **tags)
{
	switch (s) {
	case SEC_PROFILES:
		*arn = ((struct profile *)v)->arn;
		*tags = &((struct profile *)v)->tags;
		break;
	case SEC_PARAMS:
		*arn = ((struct parameter *)v)->arn;
		*tags = &((struct parameter *)v)->tags;
		break;
	default:
		*arn = ((struct budget *)v)->arn;
		*tags = &((struct budget *)v)->tags;
		break;
	}
}

/* "service" or "service:type" against a section's type. */
static bool type_wanted(const struct query *q, enum section s)
{
	const cJSON *f;
	const char *type = section_type[s];
	size_t svc_len = strcspn(type, ":");

	if (!q->type_filters || !cJSON_GetArraySize(q->type_filters))
		return true;
	cJSON_ArrayForEach(f, q->type_filters)
	{
		if (!strcmp(f->valuestring, type) ||
		    (strlen(f->valuestring) == svc_len && !strncmp(f->valuestring, type, svc_len)))
			return true;
	}
	return false;
}

/* Filters AND across keys, OR across the values of one key; no values: any value. */
static bool tags_match(const struct query *q, const struct tagset *t)
{
	const cJSON *f, *v;

	if (!q->tag_filters || !cJSON_GetArraySize(q->tag_filters))
		return t->n > 0 || t->ever;
	cJSON_ArrayForEach(f, q->tag_filters)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(f, "Key");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(f, "Values");
		const char *have = tagset_get(t, key->valuestring);
		bool ok = false;

		if (!have)
			return false;
		if (!values || !cJSON_GetArraySize(values))
			continue;
		cJSON_ArrayForEach(v, values) ok |= !strcmp(v->valuestring, have);
		if (!ok)
			return false;
	}
	return true;
}

static cJSON *mapping(const struct query *q, const char *arn, const struct tagset *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "ResourceARN", arn);
	cJSON_AddItemToObject(o, "Tags", tagset_to_json(t, "Key", "Value"));
	if (q->compliance) {
		cJSON *cd = cJSON_AddObjectToObject(o, "ComplianceDetails");
		cJSON_AddArrayToObject(cd, "NoncompliantKeys");
		cJSON_AddArrayToObject(cd, "KeysWithNoncompliantValues");
		cJSON_AddBoolToObject(cd, "ComplianceStatus", true);
	}
	return o;
}

static int check_input(struct call *c, struct query *q)
{
	static const struct strspec key_spec = { true, 1, 128, PAT_NONE };
	static const struct strspec value_spec = { true, 0, 256, PAT_NONE };
	static const struct strspec type_spec = { true, 0, 256, PAT_NONE };
	const cJSON *f, *v;

	if (in_array(c, c->json, "TagFilters", false, 0, 50, &q->tag_filters) < 0 ||
	    in_array(c, c->json, "ResourceTypeFilters", false, 0, 100, &q->type_filters) < 0 ||
	    in_bool(c, c->json, "IncludeComplianceDetails", &q->compliance) < 0)
		return -1;
	cJSON_ArrayForEach(f, q->tag_filters)
	{
		const cJSON *values;
		const char *key;
		if (!cJSON_IsObject(f))
			return call_error(c, 400, "SerializationException", "Each TagFilter must be a structure.");
		if (in_str(c, f, "Key", &key_spec, &key) < 0 || in_array(c, f, "Values", false, 0, 20, &values) < 0)
			return -1;
		cJSON_ArrayForEach(v, values)
		{
			if (!cJSON_IsString(v))
				return call_error(c, 400, "SerializationException", "Tag values must be strings.");
			if (check_value(c, "Values.member", v->valuestring, &value_spec) < 0)
				return -1;
		}
	}
	cJSON_ArrayForEach(v, q->type_filters)
	{
		if (!cJSON_IsString(v))
			return call_error(c, 400, "SerializationException", "Resource types must be strings.");
		if (check_value(c, "ResourceTypeFilters.member", v->valuestring, &type_spec) < 0)
			return -1;
		if (!*v->valuestring || strchr(v->valuestring, ' '))
			return call_error(c, 400, "InvalidParameterException", "The resource type %.100s is not valid.",
					  v->valuestring);
	}
	return 0;
}

/* ResourceARNList: the listed resources found here, tagged or not. */
static int by_arns(struct call *c, const struct query *q, const cJSON *arns, cJSON *list)
{
	const cJSON *a;

	if (q->tag_filters || q->type_filters || cJSON_GetObjectItemCaseSensitive(c->json, "PaginationToken") ||
	    cJSON_GetObjectItemCaseSensitive(c->json, "ResourcesPerPage"))
		return call_error(c, 400, "InvalidParameterException",
				  "ResourceARNList cannot be combined with TagFilters, ResourceTypeFilters or "
				  "pagination parameters.");
	cJSON_ArrayForEach(a, arns)
	{
		if (!cJSON_IsString(a))
			return call_error(c, 400, "SerializationException", "ResourceARNList holds strings.");
		for (int s = 0; s < SEC_COUNT; s++) {
			const struct omap *m = section_map(c, (enum section)s);
			const struct omap_node *n;
			for (n = m ? omap_next(m, NULL) : NULL; n; n = omap_next(m, n->key)) {
				const char *arn;
				const struct tagset *t;
				resource_of((enum section)s, n->value, &arn, &t);
				if (!strcmp(arn, a->valuestring))
					cJSON_AddItemToArray(list, mapping(q, arn, t));
			}
		}
	}
	return 0;
}

static int decode_token(struct call *c, const char *token, int *section, struct strbuf *last)
{
	struct strbuf plain;
	char *end;
	long long issued;
	int r = 0;

	strbuf_init(&plain, 4096);
	if (page_token_decode(c, token, "tagging", &plain) < 0) {
		strbuf_release(&plain);
		return -1;
	}
	issued = strtoll(plain.buf, &end, 10);
	if (*end != '|' || end[1] < '0' || end[1] >= '0' + SEC_COUNT || end[2] != '|')
		r = call_error(c, 400, "InvalidParameterException", "The specified PaginationToken is invalid.");
	else if (ids_now_ms() - issued > TOKEN_LIFE_MS)
		r = call_error(c, 400, "PaginationTokenExpiredException", "The pagination token has expired.");
	else {
		*section = end[1] - '0';
		strbuf_adds(last, end + 3);
	}
	strbuf_release(&plain);
	return r;
}

static void add_token(cJSON *out, int section, const char *last)
{
	struct strbuf plain, tok;

	strbuf_init(&plain, STRBUF_NO_CAP);
	strbuf_init(&tok, STRBUF_NO_CAP);
	strbuf_addf(&plain, "%lld|%d|%s", (long long)ids_now_ms(), section, last);
	page_token_encode("tagging", plain.buf, &tok);
	cJSON_AddStringToObject(out, "PaginationToken", tok.buf);
	strbuf_release(&plain);
	strbuf_release(&tok);
}

static int op_get_resources(struct call *c)
{
	static const struct strspec tspec = { false, 0, 2048, PAT_NONE };
	struct query q = { 0 };
	const cJSON *arns;
	const char *token;
	long long per_page = PER_PAGE_DEFAULT, tags_per_page;
	bool present, tpp_present;
	int section = 0;
	size_t count = 0;
	struct strbuf last;
	cJSON *out, *list;

	if (check_input(c, &q) < 0 || in_array(c, c->json, "ResourceARNList", false, 1, 100, &arns) < 0 ||
	    in_str(c, c->json, "PaginationToken", &tspec, &token) < 0 ||
	    in_int(c, c->json, "ResourcesPerPage", 1, 100, &per_page, &present) < 0 ||
	    in_int(c, c->json, "TagsPerPage", 100, 500, &tags_per_page, &tpp_present) < 0)
		return -1;
	if (!present)
		per_page = PER_PAGE_DEFAULT;
	out = cJSON_CreateObject();
	list = cJSON_CreateArray();
	if (arns) {
		if (by_arns(c, &q, arns, list) < 0)
			goto fail;
		cJSON_AddStringToObject(out, "PaginationToken", "");
		cJSON_AddItemToObject(out, "ResourceTagMappingList", list);
		return call_json(c, out);
	}
	strbuf_init(&last, 4096);
	if (token && *token && decode_token(c, token, &section, &last) < 0) {
		strbuf_release(&last);
		goto fail;
	}
	for (; section < SEC_COUNT; section++, strbuf_reset(&last)) {
		const struct omap *m = section_map(c, (enum section)section);
		const struct omap_node *n;

		if (!m || !type_wanted(&q, (enum section)section))
			continue;
		for (n = omap_next(m, last.len ? last.buf : NULL); n; n = omap_next(m, n->key)) {
			const char *arn;
			const struct tagset *t;

			resource_of((enum section)section, n->value, &arn, &t);
			if (!tags_match(&q, t))
				continue;
			if (count == (size_t)per_page) {
				add_token(out, section, last.buf);
				goto done;
			}
			cJSON_AddItemToArray(list, mapping(&q, arn, t));
			strbuf_reset(&last);
			strbuf_adds(&last, n->key);
			count++;
		}
		/* a full page at a section's end goes on to the next sections: a token only
		 * when a resource is left (at the start of its section when last is empty),
		 * so a listing that fills its last page exactly takes no empty page more */
	}
	cJSON_AddStringToObject(out, "PaginationToken", "");
done:
	strbuf_release(&last);
	cJSON_AddItemToObject(out, "ResourceTagMappingList", list);
	return call_json(c, out);
fail:
	cJSON_Delete(list);
	cJSON_Delete(out);
	return -1;
}

const struct op tagging_ops[] = {
	{ "GetResources", op_get_resources, false, NULL, NULL, 0, false },
};
const size_t tagging_n_ops = sizeof(tagging_ops) / sizeof(tagging_ops[0]);
