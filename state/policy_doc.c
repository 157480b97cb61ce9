#include "policy_doc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "model.h"
#include "strbuf.h"
#include "xalloc.h"

/* A sorted set of strings borrowed from the profiles (not copied). */
struct strset {
	const char **v;
	size_t n, alloc;
};

static void strset_add(struct strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return;
	XGROW(s->v, s->n + 1, s->alloc);
	s->v[s->n++] = x;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A JSON string: ARNs need no escaping, but a document must stay JSON whatever
 * they hold. */
static void add_string(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	while (*s) {
		size_t plain = 0;
		while (s[plain] && s[plain] != '"' && s[plain] != '\\' && (unsigned char)s[plain] >= 0x20)
			plain++;
		strbuf_add(out, s, plain);
		s += plain;
		if (*s == '"' || *s == '\\')
			strbuf_addf(out, "\\%c", *s++);
		else if (*s)
			strbuf_addf(out, "\\u%04x", (unsigned char)*s++);
	}
	strbuf_addch(out, '"');
}

static void add_list(struct strbuf *out, const struct strset *s)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			strbuf_addch(out, ',');
		add_string(out, s->v[i]);
	}
	strbuf_addch(out, ']');
}

#define INVOKE_ACTIONS "\"Action\":[\"bedrock:InvokeModel\",\"bedrock:InvokeModelWithResponseStream\"],"

/* The text is written directly, keys in a fixed order and every list sorted, so the
 * same grants always give the same text (policy_hash depends on it). */
char *policy_document(const struct observed_profile *const *profiles, size_t n)
{
	struct strset arns = { 0 }, models = { 0 };
	struct strbuf out, arn_list;

	/* what it reads of a profile, observed_profile_grants_digest covers */
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
		free(arns.v);
		free(models.v);
		return NULL;
	}
	qsort(arns.v, arns.n, sizeof(char *), cmp_str);
	if (models.n)
		qsort(models.v, models.n, sizeof(char *), cmp_str);
	/* the profiles' list appears three times: written once */
	strbuf_init(&arn_list, STRBUF_NO_CAP);
	add_list(&arn_list, &arns);
	strbuf_init(&out, STRBUF_NO_CAP);
	strbuf_adds(&out, "{\"Version\":\"2012-10-17\",\"Statement\":[");
	strbuf_adds(&out, "{\"Sid\":\"InvokeTenantProfiles\",\"Effect\":\"Allow\"," INVOKE_ACTIONS "\"Resource\":");
	strbuf_add(&out, arn_list.buf, arn_list.len);
	strbuf_addch(&out, '}');
	if (models.n) {
		strbuf_adds(&out,
			    ",{\"Sid\":\"InvokeModelsOnlyThroughTenantProfiles\",\"Effect\":\"Allow\"," INVOKE_ACTIONS
			    "\"Resource\":");
		add_list(&out, &models);
		strbuf_adds(&out, ",\"Condition\":{\"StringEquals\":{\"bedrock:InferenceProfileArn\":");
		strbuf_add(&out, arn_list.buf, arn_list.len);
		strbuf_adds(&out, "}}}");
	}
	strbuf_adds(&out, ",{\"Sid\":\"DescribeTenantProfiles\",\"Effect\":\"Allow\","
			  "\"Action\":\"bedrock:GetInferenceProfile\",\"Resource\":");
	strbuf_add(&out, arn_list.buf, arn_list.len);
	strbuf_adds(&out, "}]}");
	strbuf_release(&arn_list);
	free(arns.v);
	free(models.v);
	return strbuf_detach(&out, NULL);
}

size_t policy_role_total(const char *doc, const size_t *other_sizes, size_t n_others)
{
	size_t total = policy_size(doc);

	for (size_t i = 0; i < n_others; i++)
		total = other_sizes[i] > SIZE_MAX - total ? SIZE_MAX : total + other_sizes[i];
	return total;
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
		if (n) /* an empty list: parts is NULL */
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
	return digest_hex(doc, strlen(doc), DIGEST_HEX_SHORT);
}

/* observed.h's sizes are policy_hash's */
_Static_assert(2 * POLICY_HASH_BYTES == DIGEST_HEX_SHORT && POLICY_HASH_TEXT == DIGEST_HEX_SHORT + 1,
	       "POLICY_HASH_BYTES and POLICY_HASH_TEXT fit policy_hash");

static const char hex_digits[] = "0123456789abcdef";

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool policy_hash_pack(const char *hex, unsigned char out[POLICY_HASH_BYTES])
{
	for (size_t i = 0; i < POLICY_HASH_BYTES; i++) {
		int hi = hex_value(hex[2 * i]), lo = hi < 0 ? -1 : hex_value(hex[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * POLICY_HASH_BYTES] == '\0';
}

bool policy_hash_packed_is(const unsigned char packed[POLICY_HASH_BYTES], const char *hex)
{
	/* a shorter hex stops at its NUL, which is no digit */
	for (size_t i = 0; i < POLICY_HASH_BYTES; i++)
		if (hex[2 * i] != hex_digits[packed[i] >> 4] || hex[2 * i + 1] != hex_digits[packed[i] & 0xf])
			return false;
	return hex[2 * POLICY_HASH_BYTES] == '\0';
}

void policy_hash_unpack(const unsigned char in[POLICY_HASH_BYTES], char out[POLICY_HASH_TEXT])
{
	for (size_t i = 0; i < POLICY_HASH_BYTES; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 0xf];
	}
	out[2 * POLICY_HASH_BYTES] = '\0';
}
