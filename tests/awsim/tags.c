/* Tag sets of every taggable resource, and the rules each service's tag input
 * shares: at most the tags-per-resource quota (X-TAGS-PER-RESOURCE, 50) per resource
 * counting the tags already there, and
 * no keys in the reserved "aws:" namespace. */
#include "awsim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void tagset_release(struct tagset *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].value);
	}
	free(t->v);
	t->v = NULL;
	t->n = t->alloc = 0;
}

static ssize_t find(const struct tagset *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return (ssize_t)i;
	return -1;
}

const char *tagset_get(const struct tagset *t, const char *key)
{
	ssize_t i = find(t, key);

	return i < 0 ? NULL : t->v[i].value;
}

void tagset_set(struct tagset *t, const char *key, const char *value)
{
	ssize_t i = find(t, key);

	t->ever = true;
	if (i >= 0) {
		free(t->v[i].value);
		t->v[i].value = xstrdup(value);
		return;
	}
	XGROW(t->v, t->n + 1, t->alloc);
	t->v[t->n].key = xstrdup(key);
	t->v[t->n].value = xstrdup(value);
	t->n++;
}

void tagset_remove(struct tagset *t, const char *key)
{
	ssize_t i = find(t, key);

	if (i < 0)
		return;
	free(t->v[i].key);
	free(t->v[i].value);
	memmove(&t->v[i], &t->v[i + 1], (t->n - (size_t)i - 1) * sizeof(t->v[0]));
	t->n--;
}

size_t tagset_count_with(const struct tagset *t, const char *const *keys, size_t n)
{
	size_t count = t->n;

	for (size_t i = 0; i < n; i++) {
		bool seen = find(t, keys[i]) >= 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(keys[j], keys[i]) == 0;
		if (!seen)
			count++;
	}
	return count;
}

cJSON *tagset_to_json(const struct tagset *t, const char *kname, const char *vname)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < t->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, kname, t->v[i].key);
		cJSON_AddStringToObject(o, vname, t->v[i].value);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

int tagset_from_json(struct tagset *t, const cJSON *arr, const char *kname, const char *vname)
{
	const cJSON *o;

	if (!cJSON_IsArray(arr))
		return -EINVAL;
	cJSON_ArrayForEach(o, arr)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, kname);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, vname);
		if (!cJSON_IsString(k) || !cJSON_IsString(v))
			return -EINVAL;
		tagset_set(t, k->valuestring, v->valuestring);
	}
	return 0;
}

int tags_check_new(struct call *c, const struct tagset *cur, const char *const *keys, size_t n, const char *resource,
		   int limit_status, const char *limit_code)
{
	for (size_t i = 0; i < n; i++)
		if (strncasecmp(keys[i], "aws:", 4) == 0)
			return call_error(c, 400, service_def(c->svc)->validation,
					  "Tag keys starting with 'aws:' are reserved for system use: %.128s", keys[i]);
	size_t limit = call_quota(c, Q_TAGS);

	if (tagset_count_with(cur, keys, n) > limit) {
		if (c->svc == SVC_BEDROCK) {
			cJSON *extra = cJSON_CreateObject();
			cJSON_AddStringToObject(extra, "resourceName", resource);
			return call_error_extra(
				c, limit_status, limit_code, extra,
				"The request contains more tags than can be associated with a resource "
				"(%zu tags per resource). The maximum number of tags includes both existing "
				"tags and those included in your current request.",
				limit);
		}
		return call_error(c, limit_status, limit_code,
				  "The request contains more tags than can be associated with a resource (%zu tags per "
				  "resource).",
				  limit);
	}
	return 0;
}
