#include "usage_map.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "usage.h"
#include "xalloc.h"

struct row {
	const char *arn, *tenant, *profile, *model, *place; /* borrowed from the engine */
};

struct rows {
	struct row *items;
	size_t n, alloc;
};

static void collect(void *arg, const char *arn, const char *tenant, const char *profile, const char *model,
		    const char *place)
{
	struct rows *r = arg;

	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 64;
		r->items = xreallocarray(r->items, r->alloc, sizeof(*r->items));
	}
	r->items[r->n++] = (struct row){ arn, tenant, profile, usage_model_of_arn(model), place };
}

static int by_arn(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->arn, ((const struct row *)b)->arn);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
static void field(struct strbuf *out, const char *s, char end)
{
	if (strpbrk(s, ",\"\r\n")) {
		strbuf_addch(out, '"');
		for (; *s; s++) {
			if (*s == '"')
				strbuf_addch(out, '"');
			strbuf_addch(out, *s);
		}
		strbuf_addch(out, '"');
	} else {
		strbuf_adds(out, s);
	}
	strbuf_addch(out, end);
}

void usage_map(const struct engine *e, bool csv, struct strbuf *out)
{
	struct rows r = { 0 };
	cJSON *o, *arr;
	char *text;

	engine_profile_each(e, collect, &r);
	if (r.n)
		qsort(r.items, r.n, sizeof(*r.items), by_arn);
	if (csv) {
		strbuf_adds(out, USAGE_MAP_CSV_HEADER "\n");
		for (size_t i = 0; i < r.n; i++) {
			field(out, r.items[i].arn, ',');
			field(out, r.items[i].tenant, ',');
			field(out, r.items[i].profile, ',');
			field(out, r.items[i].model, ',');
			field(out, r.items[i].place, '\n');
		}
		free(r.items);
		return;
	}
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "profiles");
	for (size_t i = 0; i < r.n; i++) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "arn", r.items[i].arn);
		cJSON_AddStringToObject(j, "tenant", r.items[i].tenant);
		cJSON_AddStringToObject(j, "profile", r.items[i].profile);
		cJSON_AddStringToObject(j, "model", r.items[i].model);
		cJSON_AddStringToObject(j, "place", r.items[i].place);
		cJSON_AddItemToArray(arr, j);
	}
	cJSON_AddNumberToObject(o, "count", (double)r.n);
	text = cJSON_PrintUnformatted(o);
	strbuf_adds(out, text);
	free(text);
	cJSON_Delete(o);
	free(r.items);
}
