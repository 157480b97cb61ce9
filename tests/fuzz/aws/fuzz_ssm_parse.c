/* Every SSM answer parser on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ssm_describe_parse.h"
#include "ssm_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct ssm_parameter p;
	struct ssm_parameter_list l = { 0 };
	struct ssm_put_result put;
	struct ssm_get_parameters_result g;
	struct ssm_delete_parameters_result d;
	struct aws_tags t = { 0 };
	struct ssm_parameter_meta_list metas = { 0 };
	char *next = NULL;

	if (ssm_parse_parameter(body, size, &p) == 0)
		ssm_parameter_release(&p);
	ssm_parse_parameters_page(body, size, &l, &next);
	free(next);
	ssm_parameter_list_release(&l);
	if (ssm_parse_put(body, size, &put) == 0)
		ssm_put_result_release(&put);
	if (ssm_parse_get_parameters(body, size, &g) == 0)
		ssm_get_parameters_result_release(&g);
	if (ssm_parse_delete_parameters(body, size, &d) == 0)
		ssm_delete_parameters_result_release(&d);
	if (ssm_parse_tags(body, size, &t) == 0)
		aws_tags_release(&t);
	ssm_parse_describe_page(body, size, &metas, &next);
	free(next);
	ssm_parameter_meta_list_release(&metas);
	return 0;
}
