#include "creds_chain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws_endpoint.h"
#include "aws_types.h"
#include "creds_parse.h"
#include "creds_process_parse.h"
#include "strbuf.h"
#include "xalloc.h"

#define MAX_PROFILE_DEPTH 8

static const char *const kind_names[] = {
	[CREDS_STATIC] = "static",
	[CREDS_ASSUME_ROLE] = "assume-role",
	[CREDS_WEB_IDENTITY] = "web-identity",
	[CREDS_CONTAINER] = "container",
	[CREDS_IMDS] = "imds",
	[CREDS_PROCESS] = "process",
	[CREDS_SSO] = "sso",
};

const char *creds_kind_name(enum creds_kind k)
{
	return (unsigned)k <= CREDS_SSO ? kind_names[k] : "?";
}

struct ctx {
	const char *(*getenv)(const char *name);
	struct creds_ini creds;	 /* the shared credentials file */
	struct creds_ini config; /* the shared config file */
	struct aws_error *err;
};

static const char *env(struct ctx *c, const char *name)
{
	const char *v = c->getenv(name);

	return v && *v ? v : NULL;
}

static bool env_true(struct ctx *c, const char *name)
{
	const char *v = env(c, name);

	return v && strcasecmp(v, "true") == 0;
}

static const char *default_getenv(const char *name)
{
	return getenv(name);
}

static struct creds_plan *plan_new(enum creds_kind kind, const char *origin)
{
	struct creds_plan *p = xcalloc(1, sizeof(*p));

	p->kind = kind;
	p->origin = xstrdup(origin);
	return p;
}

void creds_plan_free(struct creds_plan *p)
{
	if (!p)
		return;
	aws_credentials_release(&p->creds);
	free(p->origin);
	free(p->role_arn);
	free(p->session_name);
	free(p->external_id);
	free(p->token_file);
	free(p->url);
	aws_secure_free(p->auth_token);
	free(p->auth_token_file);
	creds_argv_free(p->argv);
	free(p->sso_account_id);
	free(p->sso_role_name);
	free(p->sso_cache_file);
	free(p->sso_login_hint);
	creds_plan_free(p->base);
	free(p);
}

static int fail(struct ctx *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	aws_error_set_local(c->err, status, "CredentialsError", "%s", msg);
	free(msg);
	return status;
}

/* ---- files ---- */

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	struct strbuf sb;
	char buf[4096];
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	strbuf_init(&sb, CREDS_INI_MAX_BYTES);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		r = strbuf_add(&sb, buf, (size_t)n);
		if (r < 0)
			break;
	}
	if (n < 0)
		r = -errno;
	close(fd);
	if (r < 0) {
		strbuf_release(&sb);
		return r == -ENOBUFS ? -EFBIG : r;
	}
	*ret = strbuf_detach(&sb, ret_len);
	return 0;
}

static char *expand_home(struct ctx *c, const char *path)
{
	const char *home = env(c, "HOME");

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

/* Missing files are normal; unreadable or oversized ones are errors. */
static int load_ini(struct ctx *c, const char *var, const char *fallback, struct creds_ini *ret)
{
	const char *set = env(c, var);
	char *path, *text = NULL;
	size_t len = 0;
	int r;

	if (!set && !env(c, "HOME"))
		return 0;
	path = set ? expand_home(c, set) : xasprintf("%s/%s", env(c, "HOME"), fallback);
	r = read_file(path, &text, &len);
	if (r == -ENOENT || r == -ENOTDIR) {
		r = 0;
	} else if (r == 0) {
		r = creds_ini_parse(text, len, ret);
		if (r < 0)
			fail(c, -EINVAL, "%s: too large to be a credentials file", path);
	} else {
		fail(c, r, "%s: cannot be read", path);
	}
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	free(path);
	return r;
}

/* ---- profiles ---- */

static char *config_section(const char *profile)
{
	return strcmp(profile, "default") == 0 ? xstrdup("default") : xasprintf("profile %s", profile);
}

/* A profile's setting: the credentials file wins over the config file. */
static const char *pget(struct ctx *c, const char *profile, const char *key)
{
	char *section = config_section(profile);
	const char *v = creds_ini_get(&c->creds, profile, key);

	if (!v)
		v = creds_ini_get(&c->config, section, key);
	if (!v && strcmp(profile, "default") == 0)
		v = creds_ini_get(&c->config, "profile default", key);
	free(section);
	return v && *v ? v : NULL;
}

static bool pexists(struct ctx *c, const char *profile)
{
	char *section = config_section(profile);
	bool found = creds_ini_has_section(&c->creds, profile) || creds_ini_has_section(&c->config, section) ||
		     (strcmp(profile, "default") == 0 && creds_ini_has_section(&c->config, "profile default"));

	free(section);
	return found;
}

static struct creds_plan *static_plan(const char *origin, const char *akid, const char *secret, const char *token)
{
	struct creds_plan *p = plan_new(CREDS_STATIC, origin);

	p->creds.access_key_id = xstrdup(akid);
	p->creds.secret_access_key = xstrdup(secret);
	p->creds.session_token = token ? xstrdup(token) : NULL;
	return p;
}

static int env_plan(struct ctx *c, struct creds_plan **ret)
{
	const char *akid = env(c, "AWS_ACCESS_KEY_ID"), *secret = env(c, "AWS_SECRET_ACCESS_KEY");
	const char *token = env(c, "AWS_SESSION_TOKEN"), *exp = env(c, "AWS_CREDENTIAL_EXPIRATION");
	struct creds_plan *p;

	if (!token)
		token = env(c, "AWS_SECURITY_TOKEN");
	if (!akid && !secret)
		return -ENOKEY;
	if (!akid || !secret)
		return fail(c, -EINVAL, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
	p = static_plan("environment", akid, secret, token);
	if (exp && aws_time_parse_iso8601(exp, &p->creds.expiration_ms) < 0) {
		creds_plan_free(p);
		return fail(c, -EINVAL, "AWS_CREDENTIAL_EXPIRATION is not an ISO-8601 time: %s", exp);
	}
	p->creds.account_id = xstrdup_or_null(env(c, "AWS_ACCOUNT_ID"));
	*ret = p;
	return 0;
}

int creds_container_url_allowed(const char *url)
{
	static const char *const hosts[] = {
		"localhost", "[::1]", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
	};
	struct aws_endpoint e;
	char *colon;
	int ok = 0;

	if (aws_endpoint_parse_url(url, &e) < 0)
		return 0;
	if (strcmp(e.scheme, "https") == 0) {
		ok = 1;
		goto out;
	}
	colon = e.host[0] == '[' ? strstr(e.host, "]:") : strchr(e.host, ':');
	if (colon)
		colon[e.host[0] == '[' ? 1 : 0] = '\0';
	if (strncmp(e.host, "127.", 4) == 0)
		ok = 1;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (strcmp(e.host, hosts[i]) == 0)
			ok = 1;
out:
	aws_endpoint_release(&e);
	return ok;
}

static int container_plan(struct ctx *c, struct creds_plan **ret)
{
	const char *rel = env(c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct creds_plan *p;

	if (!rel && !full)
		return -ENOKEY;
	if (!rel && !creds_container_url_allowed(full))
		return fail(c, -EINVAL,
			    "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback or container agent "
			    "address: %s",
			    full);
	p = plan_new(CREDS_CONTAINER, "container");
	p->url = rel ? xasprintf("%s%s%s", CREDS_CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel) : xstrdup(full);
	p->auth_token_file = xstrdup_or_null(env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
	if (!p->auth_token_file)
		p->auth_token = xstrdup_or_null(env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	p->timeout_ms = 2000;
	*ret = p;
	return 0;
}

static int imds_plan(struct ctx *c, const char *profile, struct creds_plan **ret)
{
	const char *endpoint = env(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	const char *timeout = env(c, "AWS_METADATA_SERVICE_TIMEOUT");
	const char *v1 = profile ? pget(c, profile, "ec2_metadata_v1_disabled") : NULL;
	struct creds_plan *p;

	if (env_true(c, "AWS_EC2_METADATA_DISABLED"))
		return -ENOKEY;
	p = plan_new(CREDS_IMDS, "imds");
	if (endpoint)
		p->url = xstrdup(endpoint);
	else
		p->url = xstrdup(mode && strcasecmp(mode, "IPv6") == 0 ? CREDS_IMDS_ENDPOINT_V6 : CREDS_IMDS_ENDPOINT);
	{
		size_t n = strlen(p->url);

		while (n && p->url[n - 1] == '/')
			p->url[--n] = '\0';
	}
	p->timeout_ms = 1000;
	if (timeout && atoi(timeout) > 0)
		p->timeout_ms = (unsigned)atoi(timeout) * 1000;
	p->imds_v1_disabled = env_true(c, "AWS_EC2_METADATA_V1_DISABLED") || (v1 && strcasecmp(v1, "true") == 0);
	*ret = p;
	return 0;
}

static struct creds_plan *web_identity_plan(const char *origin, const char *role, const char *file, const char *session)
{
	struct creds_plan *p = plan_new(CREDS_WEB_IDENTITY, origin);

	p->role_arn = xstrdup(role);
	p->token_file = xstrdup(file);
	p->session_name = xstrdup(session ? session : CREDS_DEFAULT_SESSION_NAME);
	return p;
}

static int profile_plan(struct ctx *c, const char *name, int depth, struct creds_plan **ret);

/* credential_process: split here, so a bad command line fails at start-up. */
static int process_plan(struct ctx *c, const char *name, const char *origin, const char *line, struct creds_plan **ret)
{
	const char *why = NULL, *timeout = pget(c, name, "credential_process_timeout");
	char **argv, *end = NULL;
	long secs = CREDS_PROCESS_TIMEOUT_MS / 1000;

	if (timeout) {
		secs = strtol(timeout, &end, 10);
		if (*end || secs < 1 || secs > 3600)
			return fail(c, -EINVAL, "profile %s: credential_process_timeout must be 1 to 3600 seconds",
				    name);
	}
	if (creds_cmdline_split(line, &argv, &why) < 0)
		return fail(c, -EINVAL, "profile %s: credential_process: %s", name, why);
	*ret = plan_new(CREDS_PROCESS, origin);
	(*ret)->argv = argv;
	(*ret)->timeout_ms = (unsigned)secs * 1000;
	return 0;
}

/* The SSO portal: AWS_ENDPOINT_URL_SSO, then AWS_ENDPOINT_URL, as for every service. */
static char *sso_endpoint(struct ctx *c, const char *region)
{
	const char *url = NULL;
	char *e;
	size_t n;

	if (!env_true(c, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		url = env(c, "AWS_ENDPOINT_URL_SSO");
		if (!url)
			url = env(c, "AWS_ENDPOINT_URL");
	}
	e = url ? xstrdup(url) : xasprintf("https://portal.sso.%s.amazonaws.com", region);
	n = strlen(e);
	while (n && e[n - 1] == '/')
		e[--n] = '\0';
	return e;
}

/* IAM Identity Center: sso_session naming an [sso-session NAME] section, or the
 * legacy sso_start_url + sso_region in the profile itself. */
static int sso_plan(struct ctx *c, const char *name, const char *origin, struct creds_plan **ret)
{
	const char *session = pget(c, name, "sso_session"), *account = pget(c, name, "sso_account_id");
	const char *role = pget(c, name, "sso_role_name"), *start, *region, *key_of;
	char *section = NULL, key[41];
	struct creds_plan *p;
	int r = 0;

	if (session) {
		section = xasprintf("sso-session %s", session);
		if (!creds_ini_has_section(&c->config, section)) {
			r = fail(c, -EINVAL, "profile %s: sso_session %s has no [sso-session %s] section", name,
				 session, session);
			goto out;
		}
		start = creds_ini_get(&c->config, section, "sso_start_url");
		region = creds_ini_get(&c->config, section, "sso_region");
		if (!start || !*start || !region || !*region) {
			r = fail(c, -EINVAL, "[sso-session %s] needs sso_start_url and sso_region", session);
			goto out;
		}
		if (pget(c, name, "sso_start_url") && strcmp(pget(c, name, "sso_start_url"), start) != 0) {
			r = fail(c, -EINVAL, "profile %s: sso_start_url differs from the one of sso-session %s", name,
				 session);
			goto out;
		}
		key_of = session;
	} else {
		start = pget(c, name, "sso_start_url");
		region = pget(c, name, "sso_region");
		if (!start || !region) {
			r = fail(c, -EINVAL, "profile %s: sso_start_url needs sso_region", name);
			goto out;
		}
		key_of = start;
	}
	if (!account || !role) {
		r = fail(c, -EINVAL, "profile %s: an SSO profile needs sso_account_id and sso_role_name", name);
		goto out;
	}
	if (!aws_region_valid(region)) {
		r = fail(c, -EINVAL, "profile %s: sso_region %s is not a region", name, region);
		goto out;
	}
	if (!env(c, "HOME")) {
		r = fail(c, -EINVAL, "profile %s: HOME is not set: no SSO token cache", name);
		goto out;
	}
	creds_sso_cache_key(key_of, key);
	p = plan_new(CREDS_SSO, origin);
	p->url = sso_endpoint(c, region);
	p->sso_account_id = xstrdup(account);
	p->sso_role_name = xstrdup(role);
	p->sso_cache_file = xasprintf("%s/.aws/sso/cache/%s.json", env(c, "HOME"), key);
	p->sso_login_hint = strcmp(name, "default") == 0 ? xstrdup("aws sso login")
							 : xasprintf("aws sso login --profile %s", name);
	p->timeout_ms = 10000;
	*ret = p;
out:
	free(section);
	return r;
}

static int role_base(struct ctx *c, const char *name, int depth, struct creds_plan **ret)
{
	const char *src = pget(c, name, "source_profile"), *cs = pget(c, name, "credential_source");
	const char *akid, *secret;
	int r;

	if (src && cs)
		return fail(c, -EINVAL, "profile %s: source_profile and credential_source are exclusive", name);
	if (src && strcmp(src, name) == 0) {
		akid = pget(c, name, "aws_access_key_id");
		secret = pget(c, name, "aws_secret_access_key");
		if (!akid || !secret)
			return fail(c, -EINVAL, "profile %s is its own source_profile but has no keys", name);
		*ret = static_plan(name, akid, secret, pget(c, name, "aws_session_token"));
		return 0;
	}
	if (src) {
		if (!pexists(c, src))
			return fail(c, -EINVAL, "source_profile %s not found", src);
		return profile_plan(c, src, depth + 1, ret);
	}
	if (!cs)
		return fail(c, -EINVAL, "profile %s: role_arn needs source_profile or credential_source", name);
	if (strcmp(cs, "Environment") == 0)
		r = env_plan(c, ret);
	else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
		r = imds_plan(c, name, ret);
	else if (strcmp(cs, "EcsContainer") == 0)
		r = container_plan(c, ret);
	else
		return fail(c, -EINVAL, "unknown credential_source %s", cs);
	if (r == -ENOKEY)
		return fail(c, -EINVAL, "credential_source %s has no credentials", cs);
	return r;
}

static int profile_plan(struct ctx *c, const char *name, int depth, struct creds_plan **ret)
{
	const char *role = pget(c, name, "role_arn"), *wit = pget(c, name, "web_identity_token_file");
	const char *akid = pget(c, name, "aws_access_key_id"), *secret = pget(c, name, "aws_secret_access_key");
	char *origin;
	struct creds_plan *p, *base = NULL;
	int r;

	if (depth > MAX_PROFILE_DEPTH)
		return fail(c, -EINVAL, "profile %s: source_profile chain too long or circular", name);
	origin = xasprintf("profile %s", name);
	if (role && wit && !pget(c, name, "source_profile") && !pget(c, name, "credential_source")) {
		*ret = web_identity_plan(origin, role, wit, pget(c, name, "role_session_name"));
		r = 0;
	} else if (role) {
		r = role_base(c, name, depth, &base);
		if (r == 0) {
			const char *dur = pget(c, name, "duration_seconds");

			p = plan_new(CREDS_ASSUME_ROLE, origin);
			p->role_arn = xstrdup(role);
			p->session_name = xstrdup(pget(c, name, "role_session_name")
							  ? pget(c, name, "role_session_name")
							  : CREDS_DEFAULT_SESSION_NAME);
			p->external_id = xstrdup_or_null(pget(c, name, "external_id"));
			p->duration_s = dur ? atoi(dur) : 0;
			p->base = base;
			*ret = p;
		}
	} else if (pget(c, name, "sso_session") || pget(c, name, "sso_start_url")) {
		r = sso_plan(c, name, origin, ret);
	} else if (akid && secret) {
		*ret = static_plan(origin, akid, secret, pget(c, name, "aws_session_token"));
		r = 0;
	} else if (akid || secret) {
		r = fail(c, -EINVAL, "profile %s: aws_access_key_id and aws_secret_access_key go together", name);
	} else if (pget(c, name, "credential_process")) {
		r = process_plan(c, name, origin, pget(c, name, "credential_process"), ret);
	} else {
		r = -ENOKEY;
	}
	free(origin);
	return r;
}

int creds_chain_resolve(const char *(*getenv_fn)(const char *name), struct creds_plan **ret, char **ret_region,
			struct aws_error *err)
{
	struct ctx c = { .getenv = getenv_fn ? getenv_fn : default_getenv, .err = err };
	const char *profile, *region;
	bool explicit;
	int r;

	*ret_region = NULL;
	r = env_plan(&c, ret);
	if (r != -ENOKEY)
		return r;

	r = load_ini(&c, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", &c.creds);
	if (r == 0)
		r = load_ini(&c, "AWS_CONFIG_FILE", ".aws/config", &c.config);
	if (r < 0)
		goto out;
	profile = env(&c, "AWS_PROFILE");
	if (!profile)
		profile = env(&c, "AWS_DEFAULT_PROFILE");
	explicit = profile != NULL;
	if (!profile)
		profile = "default";
	region = pget(&c, profile, "region");
	*ret_region = xstrdup_or_null(region);
	if (pexists(&c, profile)) {
		r = profile_plan(&c, profile, 0, ret);
		if (r == -ENOKEY && explicit) {
			r = fail(&c, -ENOKEY, "profile %s has no credentials", profile);
			goto out;
		}
		if (r != -ENOKEY)
			goto out;
	} else if (explicit) {
		r = fail(&c, -ENOENT, "profile %s not found in the shared credentials or config file", profile);
		goto out;
	}

	if (env(&c, "AWS_WEB_IDENTITY_TOKEN_FILE") && env(&c, "AWS_ROLE_ARN")) {
		*ret = web_identity_plan("environment (web identity)", env(&c, "AWS_ROLE_ARN"),
					 env(&c, "AWS_WEB_IDENTITY_TOKEN_FILE"), env(&c, "AWS_ROLE_SESSION_NAME"));
		r = 0;
		goto out;
	}
	r = container_plan(&c, ret);
	if (r != -ENOKEY)
		goto out;
	r = imds_plan(&c, NULL, ret);
	if (r == -ENOKEY)
		r = fail(&c, -ENOKEY, "no AWS credentials found (environment, profile, container, instance metadata)");
out:
	creds_ini_release(&c.creds);
	creds_ini_release(&c.config);
	if (r < 0) {
		free(*ret_region);
		*ret_region = NULL;
	}
	return r;
}
