#include "bedrock_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "xalloc.h"

static char *dup_or_empty(const cJSON *obj, const char *name)
{
	const char *s = aws_json_str(obj, name);

	return xstrdup(s ? s : "");
}

/* One profile object (Get answer or list summary). */
static int profile_from(const cJSON *obj, struct bedrock_profile *p)
{
	const cJSON *models, *m;
	int r;

	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(obj) || !aws_json_str(obj, "inferenceProfileName") ||
	    !aws_json_str(obj, "inferenceProfileArn") || !aws_json_str(obj, "inferenceProfileId"))
		return -EBADMSG;
	p->name = aws_json_dup(obj, "inferenceProfileName");
	p->arn = aws_json_dup(obj, "inferenceProfileArn");
	p->id = aws_json_dup(obj, "inferenceProfileId");
	p->description = aws_json_dup(obj, "description");
	p->status = dup_or_empty(obj, "status");
	p->type = dup_or_empty(obj, "type");
	models = aws_json_arr(obj, "models");
	cJSON_ArrayForEach(m, models)
	{
		const char *arn = aws_json_str(m, "modelArn");

		if (!arn) {
			r = -EBADMSG;
			goto fail;
		}
		aws_strv_add(&p->models, arn);
	}
	r = aws_json_time_ms(obj, "createdAt", &p->created_ms);
	if (r == 0)
		r = aws_json_time_ms(obj, "updatedAt", &p->updated_ms);
	if (r == 0)
		return 0;
fail:
	bedrock_profile_release(p);
	return -EBADMSG;
}

int bedrock_parse_profile(const char *body, size_t len, struct bedrock_profile *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	r = profile_from(doc, ret);
	cJSON_Delete(doc);
	return r;
}

static int profile_item(const cJSON *obj, void *item)
{
	return profile_from(obj, item);
}

int bedrock_parse_profiles_page(const char *body, size_t len, struct bedrock_profile_list *list, char **ret_next)
{
	return aws_json_parse_page(body, len, "inferenceProfileSummaries", "nextToken", (void **)&list->items, &list->n,
				   &list->alloc, sizeof(*list->items), profile_item, ret_next);
}

int bedrock_parse_create(const char *body, size_t len, struct bedrock_create_result *ret)
{
	cJSON *doc;
	int r = aws_json_parse(body, len, &doc);

	if (r < 0)
		return r;
	if (!aws_json_str(doc, "inferenceProfileArn")) {
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	ret->arn = aws_json_dup(doc, "inferenceProfileArn");
	ret->status = dup_or_empty(doc, "status");
	cJSON_Delete(doc);
	return 0;
}

int bedrock_parse_tags(const char *body, size_t len, struct aws_tags *ret)
{
	return aws_json_parse_tags(body, len, "tags", "key", "value", ret);
}

void bedrock_profile_release(struct bedrock_profile *p)
{
	free(p->name);
	free(p->description);
	free(p->arn);
	free(p->id);
	free(p->status);
	free(p->type);
	aws_strv_release(&p->models);
	memset(p, 0, sizeof(*p));
}

void bedrock_profile_list_release(struct bedrock_profile_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		bedrock_profile_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void bedrock_create_result_release(struct bedrock_create_result *r)
{
	free(r->arn);
	free(r->status);
	memset(r, 0, sizeof(*r));
}
