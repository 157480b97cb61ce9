/* IAM policy evaluation (see iam_eval.h for what is supported). */
#include "iam_eval.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

bool iam_wildcard(const char *pattern, const char *s, bool ignore_case)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		char p = *pattern, c = *s;
		if (ignore_case) {
			p = (char)tolower((unsigned char)p);
			c = (char)tolower((unsigned char)c);
		}
		if (*pattern == '*') {
			star = ++pattern;
			resume = s;
		} else if (*pattern && (*pattern == '?' || p == c)) {
			pattern++;
			s++;
		} else if (star) {
			pattern = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return !*pattern;
}

/* Whether s matches any string of v (a string or an array of strings). */
static bool any_match(const cJSON *v, const char *s, bool wildcards, bool ignore_case)
{
	const cJSON *e;

	if (cJSON_IsString(v))
		return wildcards ? iam_wildcard(v->valuestring, s, ignore_case)
				 : (ignore_case ? strcasecmp(v->valuestring, s) : strcmp(v->valuestring, s)) == 0;
	if (!cJSON_IsArray(v))
		return false;
	cJSON_ArrayForEach(e, v) if (any_match(e, s, wildcards, ignore_case)) return true;
	return false;
}

static const char *context_value(const struct iam_request *rq, const char *key)
{
	for (size_t i = 0; i < rq->n_keys; i++)
		if (strcasecmp(rq->keys[i], key) == 0)
			return rq->values[i];
	return NULL;
}

/* One operator block {"key": values, ...}: every key must hold. */
static bool operator_holds(const char *op, const cJSON *block, const struct iam_request *rq)
{
	static const struct {
		const char *name;
		bool wildcards, negate;
	} ops[] = {
		{ "StringEquals", false, false }, { "StringNotEquals", false, true }, { "StringLike", true, false },
		{ "StringNotLike", true, true },  { "ArnEquals", true, false },	      { "ArnLike", true, false },
		{ "ArnNotEquals", true, true },	  { "ArnNotLike", true, true },
	};
	size_t len = strlen(op), i;
	bool if_exists = len > 8 && strcmp(op + len - 8, "IfExists") == 0;
	const cJSON *kv;

	if (if_exists)
		len -= 8;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == len && strncmp(ops[i].name, op, len) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]) || !cJSON_IsObject(block))
		return false;
	cJSON_ArrayForEach(kv, block)
	{
		const char *have = context_value(rq, kv->string);
		bool match;
		if (!have) {
			if (if_exists || ops[i].negate)
				continue;
			return false;
		}
		match = any_match(kv, have, ops[i].wildcards, false);
		if (match == ops[i].negate)
			return false;
	}
	return true;
}

static bool conditions_hold(const cJSON *cond, const struct iam_request *rq)
{
	const cJSON *op;

	if (!cond)
		return true;
	if (!cJSON_IsObject(cond))
		return false;
	cJSON_ArrayForEach(op, cond) if (!operator_holds(op->string, op, rq)) return false;
	return true;
}

/* Element name or its Not form: whether the statement covers value. */
static bool covers(const cJSON *st, const char *name, const char *not_name, const char *value, bool ignore_case)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, name);
	const cJSON *nv = cJSON_GetObjectItemCaseSensitive(st, not_name);

	if (v)
		return any_match(v, value, true, ignore_case);
	if (nv)
		return !any_match(nv, value, true, ignore_case);
	return false;
}

static enum iam_decision statement(const cJSON *st, const struct iam_request *rq)
{
	const cJSON *effect = cJSON_GetObjectItemCaseSensitive(st, "Effect");

	if (!cJSON_IsObject(st) || !cJSON_IsString(effect))
		return IAM_IMPLICIT_DENY;
	if (!covers(st, "Action", "NotAction", rq->action, true) ||
	    !covers(st, "Resource", "NotResource", rq->resource, false) ||
	    !conditions_hold(cJSON_GetObjectItemCaseSensitive(st, "Condition"), rq))
		return IAM_IMPLICIT_DENY;
	if (strcmp(effect->valuestring, "Deny") == 0)
		return IAM_EXPLICIT_DENY;
	return strcmp(effect->valuestring, "Allow") == 0 ? IAM_ALLOW : IAM_IMPLICIT_DENY;
}

enum iam_decision iam_evaluate(const char *const *docs, size_t n, const struct iam_request *rq)
{
	enum iam_decision out = IAM_IMPLICIT_DENY;

	for (size_t i = 0; i < n && out != IAM_EXPLICIT_DENY; i++) {
		cJSON *doc = cJSON_Parse(docs[i]);
		const cJSON *sts = cJSON_GetObjectItemCaseSensitive(doc, "Statement"), *st;

		if (cJSON_IsObject(sts)) {
			enum iam_decision d = statement(sts, rq);
			if (d > out)
				out = d;
		} else if (cJSON_IsArray(sts)) {
			cJSON_ArrayForEach(st, sts)
			{
				enum iam_decision d = statement(st, rq);
				if (d > out)
					out = d;
			}
		}
		cJSON_Delete(doc);
	}
	return out;
}
