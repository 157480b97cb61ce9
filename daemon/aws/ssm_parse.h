/* Pure parsers for SSM Parameter Store answers (awsJson1.1). LastModifiedDate is
 * epoch seconds on the wire. Results own their strings; each _release frees them and
 * accepts a zeroed struct. */
#ifndef BTD_SSM_PARSE_H
#define BTD_SSM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "aws_types.h"

struct ssm_parameter {
	char *name;
	char *type; /* "String" | "StringList" | "SecureString"; "" when absent */
	char *value;
	char *arn;	 /* "" when absent */
	char *data_type; /* "text" | ...; "" when absent */
	int64_t version;
	int64_t last_modified_ms;
};

struct ssm_parameter_list {
	struct ssm_parameter *items;
	size_t n;
	size_t alloc;
};

struct ssm_put_result {
	int64_t version;
	char *tier; /* "Standard" | ...; "" when absent */
};

struct ssm_get_parameters_result {
	struct ssm_parameter_list parameters;
	struct aws_strv invalid; /* names that do not exist */
};

struct ssm_delete_parameters_result {
	struct aws_strv deleted;
	struct aws_strv invalid;
};

int ssm_parse_put(const char *body, size_t len, struct ssm_put_result *ret);
/* ssm_parse_parameter: a GetParameter answer {"Parameter": {...}}. */
int ssm_parse_parameter(const char *body, size_t len, struct ssm_parameter *ret);
int ssm_parse_get_parameters(const char *body, size_t len, struct ssm_get_parameters_result *ret);
/* ssm_parse_parameters_page: appends a GetParametersByPath page; *ret_next gets
 * NextToken or NULL. A page may be empty while a NextToken follows. */
int ssm_parse_parameters_page(const char *body, size_t len, struct ssm_parameter_list *list, char **ret_next);
int ssm_parse_delete_parameters(const char *body, size_t len, struct ssm_delete_parameters_result *ret);
/* ssm_parse_tags: a ListTagsForResource answer {"TagList": [{Key, Value}]}. */
int ssm_parse_tags(const char *body, size_t len, struct aws_tags *ret);

void ssm_parameter_release(struct ssm_parameter *p);
void ssm_parameter_list_release(struct ssm_parameter_list *l);
void ssm_put_result_release(struct ssm_put_result *r);
void ssm_get_parameters_result_release(struct ssm_get_parameters_result *r);
void ssm_delete_parameters_result_release(struct ssm_delete_parameters_result *r);

#endif
