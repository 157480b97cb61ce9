/* SSM Parameter Store (awsJson1.1): the parameters that publish each profile's ARN,
 * and their tags.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing or contradictory argument, or aws_client_call()'s; the callback never
 * runs). Results are borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_SSM_H
#define BTD_SSM_H

#include <stdbool.h>

#include "aws_client.h"
#include "ssm_parse.h"

#define SSM_PATH_PAGE_SIZE 10 /* GetParametersByPath's largest MaxResults */
#define SSM_BATCH_MAX	   10 /* names per GetParameters / DeleteParameters */

struct ssm_put_input {
	const char *name;
	const char *value;
	const char *type;	 /* NULL: "String" */
	const char *description; /* NULL: none */
	const char *tier;	 /* "Standard", "Advanced", "Intelligent-Tiering"; NULL: none sent (a
				  * new parameter is Standard, an overwrite keeps its tier) */
	bool overwrite;		 /* AWS refuses tags together with overwrite */
	const struct aws_tag *tags;
	size_t n_tags;
};

typedef void (*ssm_put_cb)(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *res);
typedef void (*ssm_parameter_cb)(void *arg, int status, const struct aws_error *err, const struct ssm_parameter *p);
typedef void (*ssm_parameters_cb)(void *arg, int status, const struct aws_error *err,
				  const struct ssm_parameter_list *list);
typedef void (*ssm_get_parameters_cb)(void *arg, int status, const struct aws_error *err,
				      const struct ssm_get_parameters_result *res);
typedef void (*ssm_delete_parameters_cb)(void *arg, int status, const struct aws_error *err,
					 const struct ssm_delete_parameters_result *res);

/* ssm_put_parameter: -EINVAL when tags come with overwrite (AWS would refuse it). */
int ssm_put_parameter(struct aws_client *c, const struct aws_target *t, const struct ssm_put_input *in, ssm_put_cb cb,
		      void *arg);
int ssm_get_parameter(struct aws_client *c, const struct aws_target *t, const char *name, ssm_parameter_cb cb,
		      void *arg);
/* ssm_get_parameters: 1 to SSM_BATCH_MAX names. */
int ssm_get_parameters(struct aws_client *c, const struct aws_target *t, const char *const *names, size_t n,
		       ssm_get_parameters_cb cb, void *arg);
/* ssm_get_parameters_by_path: every page (10 per page, the API's limit). */
int ssm_get_parameters_by_path(struct aws_client *c, const struct aws_target *t, const char *path, bool recursive,
			       ssm_parameters_cb cb, void *arg);
int ssm_delete_parameter(struct aws_client *c, const struct aws_target *t, const char *name, aws_done_cb cb, void *arg);
/* ssm_delete_parameters: 1 to SSM_BATCH_MAX names. */
int ssm_delete_parameters(struct aws_client *c, const struct aws_target *t, const char *const *names, size_t n,
			  ssm_delete_parameters_cb cb, void *arg);
/* Tags of the parameter `name` (ResourceType "Parameter"). */
int ssm_add_tags_to_resource(struct aws_client *c, const struct aws_target *t, const char *name,
			     const struct aws_tag *tags, size_t n_tags, aws_done_cb cb, void *arg);
int ssm_remove_tags_from_resource(struct aws_client *c, const struct aws_target *t, const char *name,
				  const char *const *keys, size_t n_keys, aws_done_cb cb, void *arg);
int ssm_list_tags_for_resource(struct aws_client *c, const struct aws_target *t, const char *name, aws_tags_cb cb,
			       void *arg);

#endif
