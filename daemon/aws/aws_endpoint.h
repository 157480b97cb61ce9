/* Where each service's requests go and which region they are signed for.
 *
 * Precedence, as in the AWS SDKs: an endpoint set by the daemon's configuration, then
 * AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the standard endpoint
 * (https://<prefix>.<region>.amazonaws.com; Budgets and IAM have one global endpoint
 * signed for us-east-1). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true drops the two
 * environment variables. Pure: the environment is read through a getenv-like
 * function, so tests pass their own. */
#ifndef BTD_AWS_ENDPOINT_H
#define BTD_AWS_ENDPOINT_H

#include "aws_service.h"

/* The configured overrides. Strings are owned (copied in). */
struct aws_endpoint_config {
	char *config[AWS_SERVICE_COUNT]; /* the daemon configuration's `endpoints`, NULL for none */
	char *env[AWS_SERVICE_COUNT];	 /* AWS_ENDPOINT_URL_<SERVICE> */
	char *env_global;		 /* AWS_ENDPOINT_URL */
};

/* One resolved endpoint. Owns its strings. */
struct aws_endpoint {
	char *scheme;	      /* "https" or "http" */
	char *host;	      /* the Host header: "bedrock.us-east-1.amazonaws.com", "127.0.0.1:4566" */
	char *base_path;      /* "" or a path prefix without trailing '/' ("/prefix") */
	char *signing_region; /* SigV4 scope region */
};

void aws_endpoint_config_init(struct aws_endpoint_config *c);
void aws_endpoint_config_release(struct aws_endpoint_config *c);
/* aws_endpoint_config_load_env: reads the AWS_ENDPOINT_URL* variables through
 * getenv_fn (getenv when NULL). */
void aws_endpoint_config_load_env(struct aws_endpoint_config *c, const char *(*getenv_fn)(const char *name));
/* aws_endpoint_config_set: a configuration override for s (NULL clears it). -EINVAL
 * when url is not an http(s) URL. */
int aws_endpoint_config_set(struct aws_endpoint_config *c, enum aws_service s, const char *url);

/* aws_endpoint_resolve: -EINVAL for a malformed region or override URL. */
int aws_endpoint_resolve(const struct aws_endpoint_config *c, enum aws_service s, const char *region,
			 struct aws_endpoint *ret);
void aws_endpoint_release(struct aws_endpoint *e);

/* aws_endpoint_parse_url: splits an http(s) URL; used for overrides and for the
 * credential endpoints. -EINVAL when it is not "http(s)://host[:port][/path]". */
int aws_endpoint_parse_url(const char *url, struct aws_endpoint *ret);
/* aws_region_valid: [a-z0-9-]{1,32}, no leading or trailing '-'. */
int aws_region_valid(const char *region);

#endif
