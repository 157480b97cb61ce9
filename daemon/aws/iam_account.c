#include "iam_account.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_op.h"
#include "xalloc.h"

static int parse_summary(const char *b, size_t n, void *r)
{
	return iam_parse_account_summary(b, n, r);
}

static void release_summary(void *r)
{
	iam_account_summary_release(r);
}

static void deliver_summary(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_account_summary_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec summary_spec = {
	sizeof(struct iam_account_summary),
	parse_summary,
	release_summary,
	deliver_summary,
};

int iam_get_account_summary(struct aws_client *c, const struct aws_target *t, iam_account_summary_cb cb, void *arg)
{
	struct aws_request req;

	aws_request_init_query(&req, AWS_IAM, "GetAccountSummary");
	return aws_op_call(c, t, &req, &summary_spec, (aws_any_cb)cb, arg);
}

/* ---- GetAccountAuthorizationDetails (roles), every page ---- */

struct details_input {
	iam_policy_digest_fn *digest;
	unsigned max_items; /* MaxItems: IAM_DETAILS_PAGE_SIZE, less after a page too large */
};

static void build_page(const void *input, const char *marker, struct aws_request *r)
{
	const struct details_input *in = input;

	aws_request_init_query(r, AWS_IAM, "GetAccountAuthorizationDetails");
	aws_request_add_form(r, "Filter.member.1", "Role");
	aws_request_add_formf(r, "MaxItems", "%u", in->max_items);
	if (marker)
		aws_request_add_form(r, "Marker", marker);
}

static int parse_page(const char *b, size_t n, void *r, char **next)
{
	struct iam_role_detail_list *list = r;

	if (n > list->largest_page)
		list->largest_page = n;
	return iam_parse_authorization_details_page(b, n, r, next);
}

static void release_list(void *r)
{
	iam_role_detail_list_release(r);
}

static void deliver_list(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((iam_role_details_cb)cb)(arg, status, err, r);
}

static void init_list(void *r, const void *input)
{
	((struct iam_role_detail_list *)r)->digest = ((const struct details_input *)input)->digest;
	((struct iam_role_detail_list *)r)->page_size = ((const struct details_input *)input)->max_items;
}

/* A page of 1,000 roles whose inline policies are large (up to 10,240 characters a
 * role, whitespace not counted, and URL-encoded in the XML) can be tens of MB, over
 * the client's bound for an answer: the same page is asked again with a tenth as
 * many roles, down to IAM_DETAILS_PAGE_MIN. */
static bool shrink_page(void *input, void *result)
{
	struct details_input *in = input;

	if (in->max_items <= IAM_DETAILS_PAGE_MIN)
		return false;
	in->max_items = in->max_items / 10 > IAM_DETAILS_PAGE_MIN ? in->max_items / 10 : IAM_DETAILS_PAGE_MIN;
	((struct iam_role_detail_list *)result)->page_size = in->max_items;
	((struct iam_role_detail_list *)result)->largest_page = 0; /* counted again at the new size */
	return true;
}

static const struct aws_pager_spec pager = {
	sizeof(struct iam_role_detail_list), build_page, parse_page, release_list, deliver_list, free, shrink_page,
};

unsigned iam_role_details_next_size(const struct iam_role_detail_list *roles)
{
	unsigned size = roles->page_size ? roles->page_size : IAM_DETAILS_PAGE_SIZE;

	if (size < IAM_DETAILS_PAGE_SIZE && roles->largest_page <= IAM_DETAILS_GROW_BYTES / 10)
		size = size * 10 < IAM_DETAILS_PAGE_SIZE ? size * 10 : IAM_DETAILS_PAGE_SIZE;
	return size;
}

int iam_get_role_details(struct aws_client *c, const struct aws_target *t, iam_policy_digest_fn *digest,
			 unsigned page_size, iam_role_details_cb cb, void *arg)
{
	struct details_input *in = xmalloc(sizeof(*in));

	in->digest = digest;
	in->max_items = page_size && page_size <= IAM_DETAILS_PAGE_SIZE ? page_size : IAM_DETAILS_PAGE_SIZE;
	return aws_pager_start_init(c, t, &pager, in, init_list, (aws_any_cb)cb, arg);
}
