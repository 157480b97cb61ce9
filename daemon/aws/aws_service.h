/* The AWS services the daemon talks to, and the static facts about each: wire
 * protocol, signing name, endpoint prefix, X-Amz-Target prefix or Query API version,
 * and the suffix of its AWS_ENDPOINT_URL_<SERVICE> variable. One constant table;
 * nothing here allocates. */
#ifndef BTD_AWS_SERVICE_H
#define BTD_AWS_SERVICE_H

#include <stdbool.h>

enum aws_service {
	AWS_BEDROCK,
	AWS_BUDGETS,
	AWS_SSM,
	AWS_TAGGING,
	AWS_IAM,
	AWS_STS,
	AWS_SERVICEQUOTAS, /* Service Quotas: the applied quota values */
	AWS_SNS,	   /* notifications (daemon/alerts.c) */
	AWS_S3,		   /* Amazon S3: invocation logs (restXml, S3's own SigV4 rules) */
	AWS_CE,		   /* Cost Explorer: cost-allocation tags */
	AWS_SERVICE_COUNT,
};

enum aws_protocol {
	AWS_PROTO_REST_JSON, /* restJson1: Bedrock */
	AWS_PROTO_JSON_1_1,  /* awsJson1.1: Budgets, SSM, Tagging, Service Quotas, CE */
	AWS_PROTO_QUERY,     /* awsQuery with XML answers: IAM, STS */
	AWS_PROTO_PLAIN,     /* not an AWS API: IMDS and container credential endpoints */
	AWS_PROTO_REST_XML,  /* restXml: S3 */
};

struct aws_service_info {
	const char *name;	     /* "bedrock": short name for counters and events */
	const char *signing_name;    /* SigV4 service in the credential scope */
	const char *endpoint_prefix; /* host label: bedrock, budgets, ssm, tagging, iam, sts */
	const char *env_suffix;	     /* AWS_ENDPOINT_URL_<env_suffix> */
	enum aws_protocol protocol;
	const char *target_prefix; /* awsJson1.1 X-Amz-Target prefix, else NULL */
	const char *api_version;   /* awsQuery Version=, else NULL */
	bool global;		   /* one endpoint for the partition, signed for its home region */
};

/* aws_service_info: the table row of s (s must be < AWS_SERVICE_COUNT). */
const struct aws_service_info *aws_service_info(enum aws_service s);
/* aws_service_name: the short name, or "?" when s is out of range. */
const char *aws_service_name(enum aws_service s);
/* aws_service_from_name: -EINVAL when name is not one of the short names. */
int aws_service_from_name(const char *name, enum aws_service *ret);
const char *aws_protocol_name(enum aws_protocol p);

#endif
