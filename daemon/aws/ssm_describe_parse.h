/* Pure parser for SSM DescribeParameters pages (awsJson1.1): parameter metadata
 * without values, with the Version and Tier that let a reader skip the values of
 * parameters that did not change. LastModifiedDate is epoch seconds on the wire.
 * Results own their strings; each _release frees them and accepts a zeroed struct. */
#ifndef BTD_SSM_DESCRIBE_PARSE_H
#define BTD_SSM_DESCRIBE_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct ssm_parameter_meta {
	char *name;
	char *type;	 /* "String" | "StringList" | "SecureString"; "" when absent */
	char *arn;	 /* "" when absent */
	char *tier;	 /* "Standard" | "Advanced" | "Intelligent-Tiering"; "" when absent */
	char *data_type; /* "" when absent */
	char *key_id;	 /* NULL when absent */
	int64_t version;
	int64_t last_modified_ms;
};

struct ssm_parameter_meta_list {
	struct ssm_parameter_meta *items;
	size_t n;
	size_t alloc;
};

/* ssm_parse_describe_page: appends a DescribeParameters page; *ret_next gets
 * NextToken or NULL. A page may be short (even empty) while a NextToken follows.
 * -EBADMSG when an item has no Name or a malformed Version or date. */
int ssm_parse_describe_page(const char *body, size_t len, struct ssm_parameter_meta_list *list, char **ret_next);

void ssm_parameter_meta_release(struct ssm_parameter_meta *m);
void ssm_parameter_meta_list_release(struct ssm_parameter_meta_list *l);

#endif
