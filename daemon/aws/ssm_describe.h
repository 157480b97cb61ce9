/* SSM DescribeParameters (awsJson1.1): the metadata of every parameter under a
 * path, 50 a page (five times GetParametersByPath's page, and no values), so that a
 * resync reads values only for parameters whose Version changed.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a bad path, or aws_client_call()'s; the callback never runs). Results are borrowed
 * for the duration of the callback and NULL on error. */
#ifndef BTD_SSM_DESCRIBE_H
#define BTD_SSM_DESCRIBE_H

#include <stdbool.h>

#include "aws_client.h"
#include "ssm_describe_parse.h"

#define SSM_DESCRIBE_PAGE_SIZE 50 /* DescribeParameters' largest MaxResults */

typedef void (*ssm_parameter_metas_cb)(void *arg, int status, const struct aws_error *err,
				       const struct ssm_parameter_meta_list *list);

/* ssm_describe_parameters: every page of the parameters under path (a Path filter,
 * Recursive or OneLevel); path NULL lists every parameter of the account-region. */
int ssm_describe_parameters(struct aws_client *c, const struct aws_target *t, const char *path, bool recursive,
			    ssm_parameter_metas_cb cb, void *arg);

#endif
