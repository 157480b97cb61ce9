#include "rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* IAM's \w: [A-Za-z0-9_]. */
static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool all_of(const char *s, size_t len, const char *extra, bool (*cls)(char))
{
	for (size_t i = 0; i < len; i++)
		if (!cls(s[i]) && !(s[i] && strchr(extra, s[i])))
			return false;
	return true;
}

static bool lower_digit(char c)
{
	return is_lower(c) || is_digit(c);
}

bool rule_has_prefix_ci(const char *s, const char *prefix)
{
	return !strncasecmp(s, prefix, strlen(prefix));
}

/* [a-z0-9]([a-z0-9<mid>]{0,max-2}[a-z0-9])? */
static bool dns_like(const char *s, size_t max, const char *mid)
{
	size_t len = strlen(s);

	if (!len || len > max || !lower_digit(s[0]) || !lower_digit(s[len - 1]))
		return false;
	return all_of(s, len, mid, lower_digit);
}

const char *rule_tenant_id(const char *s)
{
	if (dns_like(s, 40, "-"))
		return NULL;
	return "expected 1-40 lowercase letters, digits and '-', starting and ending with a letter or digit";
}

const char *rule_profile_key(const char *s)
{
	if (dns_like(s, 16, "_-"))
		return NULL;
	return "expected 1-16 lowercase letters, digits, '_' and '-', starting and ending with a letter or digit";
}

const char *rule_department(const char *s)
{
	size_t len = strlen(s);

	if (len && len <= RULE_DEPARTMENT_MAX && is_alnum(s[0]) && all_of(s, len, "_.-", is_alnum))
		return NULL;
	return "expected 1-64 letters, digits, '_', '.' and '-', starting with a letter or digit";
}

const char *rule_account_alias(const char *s)
{
	if (dns_like(s, RULE_ACCOUNT_ALIAS_MAX, "_-"))
		return NULL;
	return "expected 1-32 lowercase letters, digits, '_' and '-', starting and ending with a letter or digit";
}

/* Bedrock's tag pattern [a-zA-Z0-9\s._:/=+@-]*, the strictest of the services that
 * carry the tags; of the whitespace only the space is accepted. */
static bool tag_char(char c)
{
	return is_alnum(c);
}

const char *rule_tag_key(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > RULE_TAG_KEY_MAX)
		return "a tag key must be 1-128 characters long";
	if (!all_of(s, len, " ._:/=+@-", tag_char))
		return "a tag key may hold only ASCII letters, digits, spaces and . _ : / = + @ -";
	if (rule_has_prefix_ci(s, "aws:"))
		return "tag keys starting with 'aws:' are reserved by AWS";
	if (rule_has_prefix_ci(s, "bedrock-tenantd:"))
		return "tag keys starting with 'bedrock-tenantd:' are reserved for the daemon's ownership tags";
	return NULL;
}

const char *rule_tag_value(const char *s)
{
	size_t len = strlen(s);

	if (len > RULE_TAG_VALUE_MAX)
		return "a tag value must be at most 256 characters long";
	if (!all_of(s, len, " ._:/=+@-", tag_char))
		return "a tag value may hold only ASCII letters, digits, spaces and . _ : / = + @ -";
	return NULL;
}

const char *rule_account_id(const char *s)
{
	if (strlen(s) == 12 && all_of(s, 12, "", is_digit))
		return NULL;
	return "expected a 12-digit AWS account id";
}

const char *rule_region(const char *s)
{
	size_t len = strlen(s), i = 0, groups = 0;

	if (!len || len > RULE_REGION_MAX)
		goto bad;
	/* [a-z]{2,}(-[a-z]+)+-[0-9]+ : us-east-1, us-gov-west-1, ap-southeast-2 */
	while (is_lower(s[i]))
		i++;
	if (i < 2)
		goto bad;
	while (s[i] == '-' && is_lower(s[i + 1])) {
		i++;
		while (is_lower(s[i]))
			i++;
		groups++;
	}
	if (!groups || s[i] != '-' || !is_digit(s[i + 1]))
		goto bad;
	for (i++; is_digit(s[i]); i++)
		;
	if (!s[i])
		return NULL;
bad:
	return "expected an AWS Region such as us-east-1";
}

const char *rule_partition(const char *s, size_t len)
{
	static const char *const parts[] = { "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strlen(parts[i]) == len && !strncmp(s, parts[i], len))
			return NULL;
	return "expected the partition aws, aws-cn, aws-us-gov, aws-iso or aws-iso-b";
}

static bool atext(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

static bool label_char(char c)
{
	return is_alnum(c) || c == '-';
}

const char *rule_email(const char *s)
{
	const char *at = strrchr(s, '@'), *p, *label, *last_label = NULL;
	size_t len = strlen(s);

	if (!at || at == s || len > RULE_EMAIL_MAX || (size_t)(at - s) > 64)
		goto bad;
	for (p = s; p < at; p++) {
		if (*p == '.' && (p == s || p + 1 == at || p[1] == '.'))
			goto bad;
		if (*p != '.' && !atext(*p))
			goto bad;
	}
	for (label = at + 1;; label = p + 1) {
		size_t l = 0;
		for (p = label; *p && *p != '.'; p++, l++)
			if (!label_char(*p))
				goto bad;
		if (!l || l > 63 || label[0] == '-' || p[-1] == '-')
			goto bad;
		last_label = label;
		if (!*p)
			break;
	}
	/* Top-level domains are letters, or an IDNA "xn--" label. */
	if (last_label == at + 1 || strlen(last_label) < 2)
		goto bad;
	if (strncmp(last_label, "xn--", 4))
		for (p = last_label; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
				goto bad;
	return NULL;
bad:
	return "expected an e-mail address such as team@example.com";
}

/* Split an ARN into its first five fields; the sixth (resource) is the rest. */
struct arn {
	const char *field[6];
	size_t len[5];
};

static bool arn_split(const char *s, struct arn *a)
{
	const char *p = s;

	for (int i = 0; i < 5; i++) {
		const char *c = strchr(p, ':');
		if (!c)
			return false;
		a->field[i] = p;
		a->len[i] = (size_t)(c - p);
		p = c + 1;
	}
	a->field[5] = p;
	return a->len[0] == 3 && !strncmp(s, "arn", 3);
}

static bool field_is(const struct arn *a, int i, const char *want)
{
	return a->len[i] == strlen(want) && !strncmp(a->field[i], want, a->len[i]);
}

static bool field_region(const struct arn *a, int i)
{
	char buf[RULE_REGION_MAX + 1];

	if (!a->len[i] || a->len[i] > RULE_REGION_MAX)
		return false;
	memcpy(buf, a->field[i], a->len[i]);
	buf[a->len[i]] = '\0';
	return !rule_region(buf);
}

static bool field_account(const struct arn *a, int i)
{
	return a->len[i] == 12 && all_of(a->field[i], 12, "", is_digit);
}

const char *rule_sns_topic_arn(const char *s)
{
	struct arn a;
	size_t len;

	if (!arn_split(s, &a) || rule_partition(a.field[1], a.len[1]) || !field_is(&a, 2, "sns") ||
	    !field_region(&a, 3) || !field_account(&a, 4))
		return "expected an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:budget-alerts";
	len = strlen(a.field[5]);
	if (len > 5 && !strcmp(a.field[5] + len - 5, ".fifo"))
		len -= 5;
	if (!len || len > RULE_SNS_TOPIC_MAX || !all_of(a.field[5], len, "_-", is_alnum))
		return "an SNS topic name is 1-256 letters, digits, '_' and '-'";
	return NULL;
}

static const char *iam_name(const char *s, size_t max, const char *what)
{
	size_t len = strlen(s);

	if (!strncmp(s, "arn:", 4))
		return what[0] == 'r' ? "expected an IAM role name, not an ARN (write only the part after role/)"
				      : "expected an IAM policy name, not an ARN";
	if (!len || len > max || !all_of(s, len, "+=,.@-", is_word))
		return what;
	return NULL;
}

const char *rule_iam_role_name(const char *s)
{
	return iam_name(s, RULE_ROLE_NAME_MAX, "role names are 1-64 letters, digits and + = , . @ _ -");
}

const char *rule_iam_policy_name(const char *s)
{
	return iam_name(s, RULE_POLICY_NAME_MAX, "policy names are 1-128 letters, digits and + = , . @ _ -");
}

const char *rule_iam_role_arn(const char *s, const char **ret_account)
{
	struct arn a;
	const char *res, *name;

	if (!arn_split(s, &a) || rule_partition(a.field[1], a.len[1]) || !field_is(&a, 2, "iam") || a.len[3] ||
	    !field_account(&a, 4) || strncmp(a.field[5], "role/", 5))
		return "expected an IAM role ARN such as arn:aws:iam::111122223333:role/bedrock-tenantd";
	res = a.field[5] + 5;
	name = strrchr(res, '/');
	name = name ? name + 1 : res;
	for (const char *p = res; p < name; p++)
		if (*p < 0x21 || *p > 0x7e)
			return "the role path may hold only printable ASCII characters";
	if (rule_iam_role_name(name))
		return "the role name in the ARN is not a valid IAM role name";
	*ret_account = a.field[4];
	return NULL;
}

const char *rule_external_id(const char *s)
{
	size_t len = strlen(s);

	if (len < 2 || len > RULE_EXTERNAL_ID_MAX || !all_of(s, len, "+=,.@:/-", is_word))
		return "an external id is 2-1224 letters, digits and + = , . @ : / _ -";
	return NULL;
}

/* Bedrock: ([0-9a-zA-Z][ _-]?)+ -- single separators, none leading. */
static bool separated(const char *s, const char *alnum_extra)
{
	bool need_alnum = true;

	for (; *s; s++) {
		if (is_alnum(*s) || strchr(alnum_extra, *s))
			need_alnum = false;
		else if (strchr(" _-", *s) && !need_alnum)
			need_alnum = true;
		else
			return false;
	}
	return true;
}

const char *rule_profile_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > RULE_PROFILE_NAME_MAX)
		return "Bedrock inference profile names are 1-64 characters long";
	if (!separated(s, ""))
		return "Bedrock inference profile names are letters and digits with single ' ', '_' or '-' "
		       "between them";
	return NULL;
}

const char *rule_profile_description(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > RULE_DESCRIPTION_MAX)
		return "a description is 1-200 characters long";
	if (!separated(s, ":."))
		return "Bedrock allows only letters, digits, ':' and '.' with single ' ', '_' or '-' between them in a "
		       "description";
	return NULL;
}

static bool parameter_char(char c)
{
	return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

const char *rule_ssm_parameter(const char *s)
{
	size_t len = strlen(s), levels = 0;

	if (s[0] != '/')
		return "SSM parameter names here are paths starting with '/'";
	if (len > RULE_PARAMETER_MAX)
		return "SSM parameter names are at most 1011 characters long";
	for (const char *p = s; *p; p++) {
		if (*p == '/') {
			if (p[1] == '/' || !p[1])
				return "SSM parameter paths have no empty segment and no trailing '/'";
			levels++;
		} else if (!parameter_char(*p)) {
			return "SSM parameter names hold only letters, digits, '_', '.', '-' and '/'";
		}
	}
	if (levels > RULE_PARAMETER_LEVELS)
		return "SSM parameter paths have at most 15 levels";
	if (rule_has_prefix_ci(s + 1, "aws") || rule_has_prefix_ci(s + 1, "ssm"))
		return "SSM parameter names cannot start with 'aws' or 'ssm'";
	return NULL;
}

const char *rule_budget_name(const char *s)
{
	size_t len = strlen(s);
	const char *open;

	if (!len || len > RULE_BUDGET_NAME_MAX)
		return "budget names are 1-100 characters long";
	if (strpbrk(s, ":\\"))
		return "budget names cannot contain ':' or '\\'";
	if (strstr(s, "/action/"))
		return "budget names cannot contain '/action/'";
	open = strcasestr(s, "<script>");
	if (open && strcasestr(open, "</script>"))
		return "budget names cannot contain a <script> element";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "budget names cannot contain control characters";
	return NULL;
}

const char *rule_instance(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > RULE_INSTANCE_MAX || !is_alnum(s[0]) || rule_tag_value(s))
		return "expected 1-64 letters, digits and . _ : / = + @ -, starting with a letter or digit";
	if (strchr(s, ' '))
		return "the instance name cannot contain spaces";
	return NULL;
}

/* host: a DNS name or an IPv4 address (letters, digits, '-' and '.', labels of 1 to
 * 63 characters that neither start nor end with '-'). */
static const char *url_host(const char *h, size_t len)
{
	size_t label = 0;

	if (!len)
		return "the URL has no host";
	if (len > 253)
		return "the host name is longer than 253 characters";
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? h[i] : '.';
		if (c == '.') {
			if (!label)
				return "the host name has an empty label";
			if (h[i - 1] == '-')
				return "a label of the host name ends with '-'";
			label = 0;
		} else if (is_alnum(c) || c == '-') {
			if (!label && c == '-')
				return "a label of the host name starts with '-'";
			if (++label > 63)
				return "a label of the host name is longer than 63 characters";
		} else {
			return "the host may hold only letters, digits, '-' and '.' (an IPv6 address goes in [ ])";
		}
	}
	return NULL;
}

/* [IPv6]: the text between the brackets is a valid IPv6 address. */
static const char *url_ipv6(const char *h, size_t len)
{
	char buf[64];
	struct in6_addr a;

	if (len < 2 || len - 2 >= sizeof(buf))
		return "the IPv6 address in [ ] is not valid";
	memcpy(buf, h + 1, len - 2);
	buf[len - 2] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return "the IPv6 address in [ ] is not valid";
	return NULL;
}

static const char *url_port(const char *p, size_t len)
{
	unsigned long port = 0;

	if (!len)
		return "the port after ':' is missing";
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(p[i]))
			return "the port must be a number";
		port = port * 10 + (unsigned long)(p[i] - '0');
		if (port > 65535)
			break;
	}
	if (port < 1 || port > 65535)
		return "the port must be between 1 and 65535";
	return NULL;
}

const char *rule_url(const char *s)
{
	const char *auth, *end, *host_end, *why;

	if (!strncmp(s, "http://", 7))
		auth = s + 7;
	else if (!strncmp(s, "https://", 8))
		auth = s + 8;
	else
		return "expected an http:// or https:// URL";
	if (strlen(s) > RULE_URL_MAX)
		return "the URL is too long";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "the URL cannot contain spaces, control or non-ASCII characters";
	if (strchr(auth, '?') || strchr(auth, '#'))
		return "an endpoint URL has no query or fragment";
	end = auth + strcspn(auth, "/");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return "an endpoint URL has no user name or password";
	if (*auth == '[') {
		const char *close = memchr(auth, ']', (size_t)(end - auth));
		if (!close)
			return "the IPv6 address has no closing ']'";
		host_end = close + 1;
		why = url_ipv6(auth, (size_t)(host_end - auth));
	} else {
		host_end = auth + strcspn(auth, ":/");
		why = url_host(auth, (size_t)(host_end - auth));
	}
	if (why)
		return why;
	if (host_end < end && *host_end != ':')
		return "expected ':' and a port or '/' after the host";
	if (host_end < end)
		return url_port(host_end + 1, (size_t)(end - host_end - 1));
	return NULL;
}

const char *rule_model_pattern(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > RULE_MODEL_PATTERN_MAX || !all_of(s, len, "-.:/*?[]!", is_alnum))
		return "expected a model id or a glob of one (letters, digits, - . : / and * ? [ ] !)";
	return NULL;
}

const char *rule_unix_group(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > RULE_GROUP_MAX || !(is_lower(s[0]) || s[0] == '_') || !all_of(s, len, "_-", lower_digit))
		return "expected a group name (lowercase letters, digits, '_' and '-', at most 32)";
	return NULL;
}
