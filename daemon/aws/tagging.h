/* Resource Groups Tagging API (awsJson1.1): GetResources, the bulk read of tags.
 *
 * Returns 0 (the callback runs exactly once, later) or -errno (the callback never
 * runs). The result is borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_TAGGING_H
#define BTD_TAGGING_H

#include "aws_client.h"
#include "tagging_parse.h"

#define TAGGING_PAGE_SIZE    100 /* ResourcesPerPage's largest value */
#define TAGGING_PROFILE_TYPE "bedrock:application-inference-profile"

/* Filters are ANDed across keys and ORed across the values of one key; a key
 * without values matches any value. */
struct tagging_filter {
	const char *key;
	const char *const *values;
	size_t n_values;
};

struct tagging_get_resources_input {
	const struct tagging_filter *filters;
	size_t n_filters;
	const char *const *resource_types; /* "bedrock:application-inference-profile", "ssm:parameter" */
	size_t n_types;
};

typedef void (*tagging_resources_cb)(void *arg, int status, const struct aws_error *err,
				     const struct tagging_resource_list *list);

/* tagging_get_resources: every page at 100 resources per page. */
int tagging_get_resources(struct aws_client *c, const struct aws_target *t,
			  const struct tagging_get_resources_input *in, tagging_resources_cb cb, void *arg);

#endif
