/* struct cloud_ops on the AWS layer: listings and plan actions become typed client
 * calls (daemon/aws/aws_ops.h). The context owns nothing of the AWS client; it only
 * keeps the ops table, its context and the client for counters. */
#ifndef BTD_CLOUD_AWS_H
#define BTD_CLOUD_AWS_H

#include "aws_client.h"
#include "aws_ops.h"
#include "cloud.h"

struct listing;

struct cloud_aws {
	const struct aws_ops *ops;
	void *ops_ctx;
	struct aws_client *client; /* for counters; may be NULL */
	char *instance;
	char **role_aliases; /* account aliases with a role to assume; others use the default credentials */
	size_t n_role_aliases;
	uv_loop_t *loop;	  /* set: listings are turned into snapshots in its thread pool */
	struct listing *building; /* listings whose snapshot is being built there */
};

extern const struct cloud_ops cloud_aws_ops;

void cloud_aws_init(struct cloud_aws *c, const struct aws_ops *ops, void *ops_ctx, struct aws_client *client,
		    const char *instance);
/* cloud_aws_add_role_alias: calls for this account alias go through its role (an
 * alias without one only names the account id of the default credentials). */
void cloud_aws_add_role_alias(struct cloud_aws *c, const char *alias);
void cloud_aws_release(struct cloud_aws *c);
/* cloud_aws_orphan: listings whose snapshot is still being built will not call back
 * (their caller is going away); they are freed when the build ends. */
void cloud_aws_orphan(struct cloud_aws *c);
/* cloud_error_from_aws: the engine's view of an AWS error. */
void cloud_error_from_aws(struct cloud_error *dst, int status, const struct aws_error *err);

#endif
