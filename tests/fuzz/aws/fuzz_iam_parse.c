/* Every IAM answer parser (XML, percent-encoded documents) on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "iam_account_parse.h"
#include "iam_parse.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bulk read's pages digested as parsed (the daemon's digest is the observed
 * model's; any will do here). */
static void digest_copy(const char *document, char **ret_hash, size_t *ret_chars)
{
	*ret_hash = xstrdup(document);
	*ret_chars = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct iam_role_policy p;
	struct iam_role r;
	struct aws_strv names = { 0 };
	struct iam_account_summary s;
	struct iam_role_detail_list details = { 0 };
	char *next = NULL, *text;

	if (iam_parse_role_policy(body, size, &p) == 0)
		iam_role_policy_release(&p);
	iam_parse_role_policies_page(body, size, &names, &next);
	free(next);
	aws_strv_release(&names);
	if (iam_parse_role(body, size, &r) == 0)
		iam_role_release(&r);
	if (iam_parse_account_summary(body, size, &s) == 0)
		iam_account_summary_release(&s);
	iam_parse_authorization_details_page(body, size, &details, &next);
	free(next);
	for (size_t i = 0; i < details.n; i++)
		iam_role_detail_policy_chars(&details.items[i]);
	iam_role_detail_list_release(&details);
	details.digest = digest_copy;
	iam_parse_authorization_details_page(body, size, &details, &next);
	free(next);
	for (size_t i = 0; i < details.n; i++)
		iam_role_detail_policy_chars(&details.items[i]);
	iam_role_detail_list_release(&details);
	text = xstrndup(body, size);
	free(iam_decode_document(text));
	free(text);
	return 0;
}
