/* The YAML spelling of a fault plan: libyaml events turned into the same cJSON
 * tree the JSON spelling parses to. Plain scalars become numbers, booleans or null
 * when they read as such; aliases are refused (no "billion laughs"), and so is
 * nesting deeper than a plan needs. */
#include "awsim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "xalloc.h"

#define MAX_DEPTH 16

static cJSON *scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	char *end;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(v);
	if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "yes"))
		return cJSON_CreateTrue();
	if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "no"))
		return cJSON_CreateFalse();
	if (!strcmp(v, "null") || !strcmp(v, "~") || !*v)
		return cJSON_CreateNull();
	d = strtod(v, &end);
	if (*v && !*end)
		return cJSON_CreateNumber(d);
	return cJSON_CreateString(v);
}

/* Attach item to the container on top of the stack (objects take the pending key). */
static int attach(cJSON **stack, char **keys, int depth, cJSON *item, cJSON **root)
{
	cJSON *top;

	if (depth == 0) {
		*root = item;
		return 0;
	}
	top = stack[depth - 1];
	if (cJSON_IsArray(top)) {
		cJSON_AddItemToArray(top, item);
		return 0;
	}
	if (!keys[depth - 1]) {
		if (!cJSON_IsString(item)) {
			cJSON_Delete(item);
			return -EINVAL;
		}
		keys[depth - 1] = xstrdup(item->valuestring);
		cJSON_Delete(item);
		return 0;
	}
	cJSON_AddItemToObject(top, keys[depth - 1], item);
	free(keys[depth - 1]);
	keys[depth - 1] = NULL;
	return 0;
}

/* yaml_to_json: the first document of text as cJSON; NULL with *err set. */
static cJSON *yaml_to_json(const char *text, size_t len, char **err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	cJSON *stack[MAX_DEPTH], *root = NULL;
	char *keys[MAX_DEPTH] = { 0 };
	int depth = 0;
	bool done = false;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		cJSON *item = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			*err = xasprintf("fault plan: YAML error at line %zu: %s", parser.problem_mark.line + 1,
					 parser.problem ? parser.problem : "syntax");
			goto fail;
		}
		switch (ev.type) {
		case YAML_ALIAS_EVENT:
			*err = xstrdup("fault plan: YAML aliases are not supported");
			yaml_event_delete(&ev);
			goto fail;
		case YAML_SCALAR_EVENT:
			if (attach(stack, keys, depth, scalar(&ev), &root) < 0) {
				*err = xstrdup("fault plan: mapping keys must be scalars");
				yaml_event_delete(&ev);
				goto fail;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == MAX_DEPTH) {
				*err = xstrdup("fault plan: nested too deeply");
				yaml_event_delete(&ev);
				goto fail;
			}
			item = ev.type == YAML_SEQUENCE_START_EVENT ? cJSON_CreateArray() : cJSON_CreateObject();
			if (attach(stack, keys, depth, item, &root) < 0) {
				*err = xstrdup("fault plan: mapping keys must be scalars");
				yaml_event_delete(&ev);
				goto fail;
			}
			stack[depth++] = item;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	for (int i = 0; i < MAX_DEPTH; i++)
		free(keys[i]);
	if (!root)
		root = cJSON_CreateObject();
	return root;
fail:
	for (int i = 0; i < MAX_DEPTH; i++)
		free(keys[i]);
	cJSON_Delete(root);
	yaml_parser_delete(&parser);
	return NULL;
}

int faults_load_yaml(struct faults *f, const char *text, size_t len, char **ret_err)
{
	cJSON *doc = yaml_to_json(text, len, ret_err);
	char *json;
	int r;

	if (!doc)
		return -EINVAL;
	json = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	r = faults_load_json(f, json, strlen(json), ret_err);
	cJSON_free(json);
	return r;
}
