#include "aws_service.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Facts from the botocore service models (metadata: protocol, signingName,
 * endpointPrefix, targetPrefix, apiVersion) and aws-wire.md sections 1-5. */
static const struct aws_service_info services[AWS_SERVICE_COUNT] = {
	[AWS_BEDROCK] = { "bedrock", "bedrock", "bedrock", "BEDROCK", AWS_PROTO_REST_JSON, NULL, NULL, false },
	[AWS_BUDGETS] = { "budgets", "budgets", "budgets", "BUDGETS", AWS_PROTO_JSON_1_1, "AWSBudgetServiceGateway",
			  NULL, true },
	[AWS_SSM] = { "ssm", "ssm", "ssm", "SSM", AWS_PROTO_JSON_1_1, "AmazonSSM", NULL, false },
	[AWS_TAGGING] = { "tagging", "tagging", "tagging", "RESOURCE_GROUPS_TAGGING_API", AWS_PROTO_JSON_1_1,
			  "ResourceGroupsTaggingAPI_20170126", NULL, false },
	[AWS_IAM] = { "iam", "iam", "iam", "IAM", AWS_PROTO_QUERY, NULL, "2010-05-08", true },
	[AWS_STS] = { "sts", "sts", "sts", "STS", AWS_PROTO_QUERY, NULL, "2011-06-15", false },
	[AWS_SERVICEQUOTAS] = { "servicequotas", "servicequotas", "servicequotas", "SERVICE_QUOTAS", AWS_PROTO_JSON_1_1,
				"ServiceQuotasV20190624", NULL, false },
	[AWS_SNS] = { "sns", "sns", "sns", "SNS", AWS_PROTO_QUERY, NULL, "2010-03-31", false },
	[AWS_S3] = { "s3", "s3", "s3", "S3", AWS_PROTO_REST_XML, NULL, NULL, false },
	/* one endpoint per partition, ce.us-east-1.amazonaws.com (aws_endpoint.c) */
	[AWS_CE] = { "ce", "ce", "ce", "COST_EXPLORER", AWS_PROTO_JSON_1_1, "AWSInsightsIndexService", NULL, true },
};

static const char *const protocol_names[] = {
	[AWS_PROTO_REST_JSON] = "restJson1", [AWS_PROTO_JSON_1_1] = "awsJson1.1", [AWS_PROTO_QUERY] = "awsQuery",
	[AWS_PROTO_PLAIN] = "http",	     [AWS_PROTO_REST_XML] = "restXml",
};

const struct aws_service_info *aws_service_info(enum aws_service s)
{
	return &services[s];
}

const char *aws_service_name(enum aws_service s)
{
	return (unsigned)s < AWS_SERVICE_COUNT ? services[s].name : "?";
}

int aws_service_from_name(const char *name, enum aws_service *ret)
{
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		if (strcmp(services[i].name, name) == 0) {
			*ret = (enum aws_service)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *aws_protocol_name(enum aws_protocol p)
{
	return (unsigned)p <= AWS_PROTO_REST_XML ? protocol_names[p] : "?";
}
