#include "aws_endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void aws_endpoint_config_init(struct aws_endpoint_config *c)
{
	memset(c, 0, sizeof(*c));
}

void aws_endpoint_config_release(struct aws_endpoint_config *c)
{
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		free(c->config[i]);
		free(c->env[i]);
	}
	free(c->env_global);
	aws_endpoint_config_init(c);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *default_getenv(const char *name)
{
	return getenv(name);
}

void aws_endpoint_config_load_env(struct aws_endpoint_config *c, const char *(*getenv_fn)(const char *name))
{
	const char *ignore;

	if (!getenv_fn)
		getenv_fn = default_getenv;
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		free(c->env[i]);
		c->env[i] = NULL;
	}
	free(c->env_global);
	c->env_global = NULL;
	ignore = getenv_fn("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (ignore && strcasecmp(ignore, "true") == 0)
		return;
	c->env_global = xstrdup_or_null(nonempty(getenv_fn("AWS_ENDPOINT_URL")));
	for (unsigned i = 0; i < AWS_SERVICE_COUNT; i++) {
		char *name = xasprintf("AWS_ENDPOINT_URL_%s", aws_service_info((enum aws_service)i)->env_suffix);

		c->env[i] = xstrdup_or_null(nonempty(getenv_fn(name)));
		free(name);
	}
}

int aws_endpoint_config_set(struct aws_endpoint_config *c, enum aws_service s, const char *url)
{
	struct aws_endpoint e;
	int r;

	if (url) {
		r = aws_endpoint_parse_url(url, &e);
		if (r < 0)
			return r;
		aws_endpoint_release(&e);
	}
	free(c->config[s]);
	c->config[s] = xstrdup_or_null(url);
	return 0;
}

int aws_region_valid(const char *region)
{
	size_t n = region ? strlen(region) : 0;

	if (n == 0 || n > 32 || region[0] == '-' || region[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)region[i]) && !isdigit((unsigned char)region[i]) && region[i] != '-')
			return 0;
	return 1;
}

static int host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
}

int aws_endpoint_parse_url(const char *url, struct aws_endpoint *ret)
{
	const char *rest, *slash;
	size_t hostlen, pathlen;
	bool https;

	if (!url)
		return -EINVAL;
	if (strncasecmp(url, "https://", 8) == 0) {
		https = true;
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = false;
		rest = url + 7;
	} else {
		return -EINVAL;
	}
	slash = strchr(rest, '/');
	hostlen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (hostlen == 0 || hostlen > 255 || strpbrk(rest, "?#@ "))
		return -EINVAL;
	for (size_t i = 0; i < hostlen; i++)
		if (!host_char_ok(rest[i]))
			return -EINVAL;
	pathlen = slash ? strlen(slash) : 0;
	while (pathlen && slash[pathlen - 1] == '/')
		pathlen--;
	ret->scheme = xstrdup(https ? "https" : "http");
	ret->host = xstrndup(rest, hostlen);
	ret->base_path = slash ? xstrndup(slash, pathlen) : xstrdup("");
	ret->signing_region = NULL;
	/* Drop a default port so that the Host header we sign is the usual one. */
	{
		size_t hl = strlen(ret->host);
		const char *port = https ? ":443" : ":80";
		size_t pl = strlen(port);

		if (hl > pl && strcmp(ret->host + hl - pl, port) == 0 && ret->host[0] != '[')
			ret->host[hl - pl] = '\0';
	}
	return 0;
}

void aws_endpoint_release(struct aws_endpoint *e)
{
	free(e->scheme);
	free(e->host);
	free(e->base_path);
	free(e->signing_region);
	memset(e, 0, sizeof(*e));
}

/* The partition of a region: its DNS suffix and the home region of global services. */
static void partition(const char *region, const char **dns, const char **home)
{
	if (strncmp(region, "cn-", 3) == 0) {
		*dns = "amazonaws.com.cn";
		*home = "cn-north-1";
	} else if (strncmp(region, "us-gov-", 7) == 0) {
		*dns = "amazonaws.com";
		*home = "us-gov-west-1";
	} else {
		*dns = "amazonaws.com";
		*home = "us-east-1";
	}
}

static char *standard_host(enum aws_service s, const char *region, const char *dns, const char **signing)
{
	const struct aws_service_info *info = aws_service_info(s);

	if (!info->global)
		return xasprintf("%s.%s.%s", info->endpoint_prefix, region, dns);
	if (s == AWS_IAM && strncmp(region, "cn-", 3) == 0)
		return xasprintf("iam.cn-north-1.%s", dns);
	if (s == AWS_IAM && strncmp(region, "us-gov-", 7) == 0)
		return xasprintf("iam.us-gov.%s", dns);
	if (s == AWS_BUDGETS && strncmp(region, "cn-", 3) == 0)
		*signing = "cn-northwest-1";
	if (s == AWS_CE) {
		/* Cost Explorer names its Region in the host: ce.us-east-1.amazonaws.com */
		if (strncmp(region, "cn-", 3) == 0)
			*signing = "cn-northwest-1";
		return xasprintf("%s.%s.%s", info->endpoint_prefix, *signing, dns);
	}
	return xasprintf("%s.%s", info->endpoint_prefix, dns);
}

int aws_endpoint_resolve(const struct aws_endpoint_config *c, enum aws_service s, const char *region,
			 struct aws_endpoint *ret)
{
	const struct aws_service_info *info;
	const char *url = NULL, *dns, *home;
	const char *signing;
	int r;

	if ((unsigned)s >= AWS_SERVICE_COUNT || !aws_region_valid(region))
		return -EINVAL;
	info = aws_service_info(s);
	partition(region, &dns, &home);
	signing = info->global ? home : region;
	if (c) {
		url = c->config[s];
		if (!url)
			url = c->env[s];
		if (!url)
			url = c->env_global;
	}
	if (url) {
		r = aws_endpoint_parse_url(url, ret);
		if (r < 0)
			return r;
	} else {
		ret->scheme = xstrdup("https");
		ret->host = standard_host(s, region, dns, &signing);
		ret->base_path = xstrdup("");
	}
	ret->signing_region = xstrdup(signing);
	return 0;
}
