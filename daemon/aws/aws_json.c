#include "aws_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int aws_json_parse(const char *body, size_t len, cJSON **ret)
{
	cJSON *doc;

	if (!body || !len)
		return -EBADMSG;
	doc = cJSON_ParseWithLength(body, len);
	if (!doc)
		return -EBADMSG;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	*ret = doc;
	return 0;
}

const char *aws_json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *aws_json_obj(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *aws_json_arr(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsArray(v) ? v : NULL;
}

char *aws_json_dup(const cJSON *obj, const char *name)
{
	return xstrdup_or_null(aws_json_str(obj, name));
}

int aws_json_int(const cJSON *obj, const char *name, int64_t *ret)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	double d;

	if (!v) {
		*ret = 0;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return -EBADMSG;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < -9.0e15 || d > 9.0e15)
		return -EBADMSG;
	*ret = (int64_t)d;
	return 0;
}

bool aws_json_bool(const cJSON *obj, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

int aws_json_time_ms(const cJSON *obj, const char *name, int64_t *ret)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*ret = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (!isfinite(d) || d < -1.0e12 || d > 1.0e12)
			return -EBADMSG;
		*ret = (int64_t)llround(d * 1000.0);
		return 0;
	}
	if (cJSON_IsString(v))
		return aws_time_parse_iso8601(v->valuestring, ret) < 0 ? -EBADMSG : 0;
	return -EBADMSG;
}

int aws_json_tags(const cJSON *arr, const char *kname, const char *vname, struct aws_tags *tags)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, arr)
	{
		const char *k = aws_json_str(item, kname), *v = aws_json_str(item, vname);

		if (!cJSON_IsObject(item) || !k)
			return -EBADMSG;
		aws_tags_add(tags, k, v ? v : "");
	}
	return 0;
}

int aws_json_parse_tags(const char *body, size_t len, const char *field, const char *kname, const char *vname,
			struct aws_tags *ret)
{
	cJSON *doc;
	const cJSON *tags;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	tags = cJSON_GetObjectItemCaseSensitive(doc, field);
	if (tags && !cJSON_IsArray(tags) && !cJSON_IsNull(tags))
		r = -EBADMSG;
	else
		r = aws_json_tags(tags, kname, vname, ret);
	if (r < 0)
		aws_tags_release(ret);
	cJSON_Delete(doc);
	return r;
}

int aws_json_strv(const cJSON *arr, struct aws_strv *ret)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, arr)
	{
		if (!cJSON_IsString(item))
			return -EBADMSG;
		aws_strv_add(ret, item->valuestring);
	}
	return 0;
}

int aws_json_parse_page(const char *body, size_t len, const char *field, const char *next_field, void **items,
			size_t *n, size_t *alloc, size_t size, int (*from)(const cJSON *obj, void *item),
			char **ret_next)
{
	const cJSON *arr, *item;
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	*ret_next = NULL;
	if (r < 0)
		return r;
	arr = cJSON_GetObjectItemCaseSensitive(doc, field);
	if (arr && !cJSON_IsArray(arr) && !cJSON_IsNull(arr))
		r = -EBADMSG;
	cJSON_ArrayForEach(item, arr)
	{
		if (r < 0)
			break;
		if (*n == *alloc) {
			*alloc = *alloc ? *alloc * 2 : 8;
			*items = xreallocarray(*items, *alloc, size);
		}
		r = from(item, (char *)*items + *n * size);
		if (r == 0)
			(*n)++;
	}
	if (r == 0)
		*ret_next = aws_json_dup(doc, next_field);
	cJSON_Delete(doc);
	return r;
}

static cJSON *check(cJSON *item)
{
	if (!item)
		abort(); /* cJSON only fails on allocation */
	return item;
}

cJSON *aws_json_new_object(void)
{
	return check(cJSON_CreateObject());
}

void aws_json_add_str(cJSON *obj, const char *name, const char *value)
{
	check(cJSON_AddStringToObject(obj, name, value ? value : ""));
}

void aws_json_add_str_opt(cJSON *obj, const char *name, const char *value)
{
	if (value)
		aws_json_add_str(obj, name, value);
}

void aws_json_add_num(cJSON *obj, const char *name, double value)
{
	check(cJSON_AddNumberToObject(obj, name, value));
}

void aws_json_add_bool(cJSON *obj, const char *name, bool value)
{
	check(cJSON_AddBoolToObject(obj, name, value));
}

void aws_json_add_tags(cJSON *obj, const char *name, const struct aws_tag *tags, size_t n, const char *kname,
		       const char *vname)
{
	cJSON *arr = check(cJSON_AddArrayToObject(obj, name));

	for (size_t i = 0; i < n; i++) {
		cJSON *t = aws_json_new_object();

		aws_json_add_str(t, kname, tags[i].key);
		aws_json_add_str(t, vname, tags[i].value);
		cJSON_AddItemToArray(arr, t);
	}
}

void aws_json_add_strs(cJSON *obj, const char *name, const char *const *items, size_t n)
{
	cJSON *arr = check(cJSON_AddArrayToObject(obj, name));

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, check(cJSON_CreateString(items[i])));
}

int aws_json_print(const cJSON *obj, struct strbuf *out)
{
	char *text = cJSON_PrintUnformatted(obj);
	int r;

	if (!text)
		abort();
	r = strbuf_adds(out, text);
	cJSON_free(text);
	return r;
}
