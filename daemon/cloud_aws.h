/* struct cloud_ops on the AWS layer: listings and plan actions become calls of the
 * typed clients (daemon/aws/bedrock.h, budgets.h, ssm.h, tagging.h, iam.h, sts.h).
 * cloud_ops is the engine's seam (the engine's tests fake it); this is the one real
 * implementation. The context owns nothing of the AWS client. */
#ifndef BTD_CLOUD_AWS_H
#define BTD_CLOUD_AWS_H

#include "aws_client.h"
#include "bedrock.h"
#include "budgets.h"
#include "iam.h"
#include "ssm.h"
#include "sts.h"
#include "tagging.h"
#include "cloud.h"

struct listing;
struct cloud_aws__account_read;

struct cloud_aws {
	struct aws_client *client; /* every call goes through it; its counters for status */
	char *instance;
	char **role_aliases; /* account aliases with a role to assume; others use the default credentials */
	size_t n_role_aliases;
	uv_loop_t *loop;	  /* set: listings are turned into snapshots in its thread pool */
	struct listing *building; /* listings whose snapshot is being built there */
	/* account readings in flight that a listing of the same account may join
	 * (cloud_aws_account.c) */
	struct cloud_aws__account_read *reading;
	/* account label ("" for the default credentials) -> the roles a page its last bulk
	 * IAM read ended with (uintptr_t), when fewer than IAM_DETAILS_PAGE_SIZE: its
	 * pages of 1,000 roles were too large, so the next read starts there */
	struct hashmap iam_page_sizes;
	/* the first wait before a Budgets action read back in progress is read again,
	 * doubling each time (cloud_aws_enforce.c): CLOUD_READ_BACK_FIRST_MS; a test's
	 * shorter */
	uint64_t read_back_first_ms;
};

#define CLOUD_READ_BACK_FIRST_MS 1000

extern const struct cloud_ops cloud_aws_ops;

void cloud_aws_init(struct cloud_aws *c, struct aws_client *client, const char *instance);
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
