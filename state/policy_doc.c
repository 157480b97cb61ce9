#include "policy_doc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "model.h"
#include "strbuf.h"
#include "xalloc.h"

struct strset {
	char **v;
	size_t n, alloc;
};

static void strset_add(struct strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return;
	XGROW(s->v, s->n + 1, s->alloc);
	s->v[s->n++] = xstrdup(x);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static cJSON *strset_json(struct strset *s)
{
	cJSON *a = cJSON_CreateArray();

	qsort(s->v, s->n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < s->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s->v[i]));
	return a;
}

static void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static cJSON *statement(const char *sid, bool invoke, cJSON *resources)
{
	cJSON *st = cJSON_CreateObject();
	const char *actions[] = { "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream" };

	cJSON_AddStringToObject(st, "Sid", sid);
	cJSON_AddStringToObject(st, "Effect", "Allow");
	if (invoke)
		cJSON_AddItemToObject(st, "Action", cJSON_CreateStringArray(actions, 2));
	else
		cJSON_AddStringToObject(st, "Action", "bedrock:GetInferenceProfile");
	cJSON_AddItemToObject(st, "Resource", resources);
	return st;
}

char *policy_document(const struct observed_profile *const *profiles, size_t n)
{
	struct strset arns = { 0 }, models = { 0 };
	cJSON *doc, *sts, *fm, *cond, *eq;
	char *text;

	for (size_t i = 0; i < n; i++) {
		const char *copy = tag_set_get(&profiles[i]->tags, TAG_MODEL);
		strset_add(&arns, profiles[i]->arn);
		for (size_t k = 0; k < profiles[i]->n_model_arns; k++)
			strset_add(&models, profiles[i]->model_arns[k]);
		/* a profile copied from a system-defined profile: that profile too */
		if (copy && strstr(copy, ":inference-profile/"))
			strset_add(&models, copy);
	}
	if (!arns.n) {
		strset_release(&arns);
		strset_release(&models);
		return NULL;
	}
	doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	sts = cJSON_AddArrayToObject(doc, "Statement");
	cJSON_AddItemToArray(sts, statement("InvokeTenantProfiles", true, strset_json(&arns)));
	if (models.n) {
		fm = statement("InvokeModelsOnlyThroughTenantProfiles", true, strset_json(&models));
		cond = cJSON_AddObjectToObject(fm, "Condition");
		eq = cJSON_AddObjectToObject(cond, "StringEquals");
		cJSON_AddItemToObject(eq, "bedrock:InferenceProfileArn", strset_json(&arns));
		cJSON_AddItemToArray(sts, fm);
	}
	cJSON_AddItemToArray(sts, statement("DescribeTenantProfiles", false, strset_json(&arns)));
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	strset_release(&arns);
	strset_release(&models);
	return text;
}

size_t policy_size(const char *doc)
{
	size_t n = 0;
	bool in_string = false, escaped = false;

	for (const char *c = doc; *c; c++) {
		if (in_string) {
			n++;
			if (escaped)
				escaped = false;
			else if (*c == '\\')
				escaped = true;
			else if (*c == '"')
				in_string = false;
		} else if (!isspace((unsigned char)*c)) {
			n++;
			in_string = *c == '"';
		}
	}
	return n;
}

/* ---- canonical form ---- */

static int cmp_json(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Canonical text of a node: object keys sorted; a string where a list of strings is
 * allowed is a one-element list; lists of scalars sorted; statements sorted. */
static char *canonical(const cJSON *node, bool listy)
{
	struct strbuf out;

	strbuf_init(&out, STRBUF_NO_CAP);
	if (cJSON_IsObject(node)) {
		char **parts = NULL;
		size_t n = 0;
		const cJSON *c;
		cJSON_ArrayForEach(c, node)
		{
			/* every value but these may be written as one string or as a list */
			bool list_ok = strcmp(c->string, "Version") != 0 && strcmp(c->string, "Sid") != 0 &&
				       strcmp(c->string, "Effect") != 0 && strcmp(c->string, "Id") != 0;
			cJSON *k = cJSON_CreateString(c->string);
			char *key = cJSON_PrintUnformatted(k), *v = canonical(c, list_ok);
			parts = xreallocarray(parts, n + 1, sizeof(char *));
			parts[n++] = xasprintf("%s:%s", key, v);
			cJSON_Delete(k);
			free(key);
			free(v);
		}
		qsort(parts, n, sizeof(char *), cmp_json);
		strbuf_addch(&out, '{');
		for (size_t i = 0; i < n; i++) {
			strbuf_addf(&out, "%s%s", i ? "," : "", parts[i]);
			free(parts[i]);
		}
		free(parts);
		strbuf_addch(&out, '}');
	} else if (cJSON_IsArray(node) || (listy && cJSON_IsString(node))) {
		char **parts = NULL;
		size_t n = 0;
		if (cJSON_IsString(node)) {
			parts = xcalloc(1, sizeof(char *));
			parts[n++] = canonical(node, false);
		} else {
			const cJSON *c;
			cJSON_ArrayForEach(c, node)
			{
				parts = xreallocarray(parts, n + 1, sizeof(char *));
				parts[n++] = canonical(c, false);
			}
		}
		qsort(parts, n, sizeof(char *), cmp_json);
		strbuf_addch(&out, '[');
		for (size_t i = 0; i < n; i++) {
			strbuf_addf(&out, "%s%s", i ? "," : "", parts[i]);
			free(parts[i]);
		}
		free(parts);
		strbuf_addch(&out, ']');
	} else {
		char *v = cJSON_PrintUnformatted(node);
		strbuf_adds(&out, v);
		free(v);
	}
	return strbuf_detach(&out, NULL);
}

static char *canonical_text(const char *doc)
{
	cJSON *j = doc ? cJSON_Parse(doc) : NULL;
	char *c;

	if (!j)
		return NULL;
	c = canonical(j, false);
	cJSON_Delete(j);
	return c;
}

bool policy_equal(const char *a, const char *b)
{
	char *ca = canonical_text(a), *cb = canonical_text(b);
	bool same = ca && cb && strcmp(ca, cb) == 0;

	free(ca);
	free(cb);
	return same;
}

char *policy_hash(const char *doc)
{
	static const char digits[] = "0123456789abcdef";
	char *c = canonical_text(doc), *out;
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!c)
		return NULL;
	EVP_Digest(c, strlen(c), md, &mdlen, EVP_sha256(), NULL);
	free(c);
	out = xmalloc(33);
	for (int i = 0; i < 16; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[32] = '\0';
	return out;
}
