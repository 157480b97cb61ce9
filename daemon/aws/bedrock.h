/* Amazon Bedrock control plane (restJson1): application inference profiles and
 * their tags.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. Path labels (a profile
 * id or ARN) are percent-encoded whole, '/' and ':' included, as the SDKs do. */
#ifndef BTD_BEDROCK_H
#define BTD_BEDROCK_H

#include "aws_client.h"
#include "bedrock_parse.h"

#define BEDROCK_LIST_PAGE_SIZE 1000 /* maxResults' largest value */

struct bedrock_create_input {
	const char *name;
	const char *description;	  /* NULL: none */
	const char *copy_from;		  /* foundation-model or inference-profile ARN */
	const char *client_request_token; /* NULL: none (the daemon always passes its own) */
	const struct aws_tag *tags;
	size_t n_tags;
};

typedef void (*bedrock_create_cb)(void *arg, int status, const struct aws_error *err,
				  const struct bedrock_create_result *res);
typedef void (*bedrock_profile_cb)(void *arg, int status, const struct aws_error *err,
				   const struct bedrock_profile *profile);
typedef void (*bedrock_profiles_cb)(void *arg, int status, const struct aws_error *err,
				    const struct bedrock_profile_list *list);

int bedrock_create_inference_profile(struct aws_client *c, const struct aws_target *t,
				     const struct bedrock_create_input *in, bedrock_create_cb cb, void *arg);
/* identifier: the profile's id or ARN. */
int bedrock_get_inference_profile(struct aws_client *c, const struct aws_target *t, const char *identifier,
				  bedrock_profile_cb cb, void *arg);
/* bedrock_list_inference_profiles: every page at maxResults 1000. type is
 * "APPLICATION" (NULL means that too: without it AWS lists only system-defined
 * profiles) or "SYSTEM_DEFINED". */
int bedrock_list_inference_profiles(struct aws_client *c, const struct aws_target *t, const char *type,
				    bedrock_profiles_cb cb, void *arg);
int bedrock_delete_inference_profile(struct aws_client *c, const struct aws_target *t, const char *identifier,
				     aws_done_cb cb, void *arg);
int bedrock_tag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const struct aws_tag *tags,
			 size_t n_tags, aws_done_cb cb, void *arg);
int bedrock_untag_resource(struct aws_client *c, const struct aws_target *t, const char *arn, const char *const *keys,
			   size_t n_keys, aws_done_cb cb, void *arg);
int bedrock_list_tags_for_resource(struct aws_client *c, const struct aws_target *t, const char *arn, aws_tags_cb cb,
				   void *arg);

#endif
