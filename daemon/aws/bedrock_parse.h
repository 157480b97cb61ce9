/* Pure parsers for Amazon Bedrock's control-plane answers (restJson1): inference
 * profiles, their listing pages, the create answer and tag lists. Timestamps are
 * ISO-8601 strings on the wire. Results own their strings; each _release frees them
 * and accepts a zeroed struct. */
#ifndef BTD_BEDROCK_PARSE_H
#define BTD_BEDROCK_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "aws_types.h"

struct bedrock_profile {
	char *name;
	char *description; /* NULL when absent */
	char *arn;
	char *id;
	char *status;		/* "ACTIVE"; "" when absent */
	char *type;		/* "APPLICATION" or "SYSTEM_DEFINED"; "" when absent */
	struct aws_strv models; /* modelArn of each entry of models[] */
	int64_t created_ms;	/* 0 when absent */
	int64_t updated_ms;
};

struct bedrock_profile_list {
	struct bedrock_profile *items;
	size_t n;
	size_t alloc;
};

struct bedrock_create_result {
	char *arn;
	char *status; /* "" when absent */
};

/* bedrock_parse_profile: a GetInferenceProfile answer. -EBADMSG when it is not an
 * object with name, ARN and id. */
int bedrock_parse_profile(const char *body, size_t len, struct bedrock_profile *ret);
/* bedrock_parse_profiles_page: appends a ListInferenceProfiles page to list; *ret_next
 * gets nextToken (NULL at the end). */
int bedrock_parse_profiles_page(const char *body, size_t len, struct bedrock_profile_list *list, char **ret_next);
int bedrock_parse_create(const char *body, size_t len, struct bedrock_create_result *ret);
/* bedrock_parse_tags: a ListTagsForResource answer {"tags": [{"key", "value"}]}. */
int bedrock_parse_tags(const char *body, size_t len, struct aws_tags *ret);

void bedrock_profile_release(struct bedrock_profile *p);
void bedrock_profile_list_release(struct bedrock_profile_list *l);
void bedrock_create_result_release(struct bedrock_create_result *r);

#endif
