/* Pure parser for the Resource Groups Tagging API's GetResources pages
 * (awsJson1.1). An empty PaginationToken ends the listing like an absent one.
 * Results own their strings. */
#ifndef BTD_TAGGING_PARSE_H
#define BTD_TAGGING_PARSE_H

#include <stddef.h>

#include "aws_types.h"

struct tagging_resource {
	char *arn;
	struct aws_tags tags; /* may be empty: a resource that was tagged once */
};

struct tagging_resource_list {
	struct tagging_resource *items;
	size_t n;
	size_t alloc;
};

/* tagging_parse_resources_page: appends a page's ResourceTagMappingList; *ret_next
 * gets PaginationToken (NULL when absent or empty). */
int tagging_parse_resources_page(const char *body, size_t len, struct tagging_resource_list *list, char **ret_next);
void tagging_resource_list_release(struct tagging_resource_list *l);

#endif
