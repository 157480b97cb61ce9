#include "creds_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_json.h"
#include "aws_types.h"
#include "xalloc.h"

int creds_parse_json(const char *body, size_t len, struct aws_credentials *ret)
{
	struct aws_credentials c = { 0 };
	const char *code, *akid, *secret, *token, *exp;
	cJSON *doc;
	int r;

	r = aws_json_parse(body, len, &doc);
	if (r < 0)
		return r;
	code = aws_json_str(doc, "Code");
	akid = aws_json_str(doc, "AccessKeyId");
	secret = aws_json_str(doc, "SecretAccessKey");
	token = aws_json_str(doc, "Token");
	exp = aws_json_str(doc, "Expiration");
	if (code && strcmp(code, "Success") != 0) {
		r = -EACCES;
		goto out;
	}
	if (!akid || !*akid || !secret || !*secret) {
		r = -EBADMSG;
		goto out;
	}
	if (exp && aws_time_parse_iso8601(exp, &c.expiration_ms) < 0) {
		r = -EBADMSG;
		goto out;
	}
	c.access_key_id = xstrdup(akid);
	c.secret_access_key = xstrdup(secret);
	c.session_token = token && *token ? xstrdup(token) : NULL;
	c.account_id = aws_json_dup(doc, "AccountId");
	*ret = c;
	r = 0;
out:
	cJSON_Delete(doc);
	return r;
}

static char *trimmed(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

static void put(struct creds_ini *ini, const char *section, char *key, char *value)
{
	if (!key && creds_ini_has_section(ini, section))
		return;
	for (size_t i = 0; key && i < ini->n; i++) {
		struct creds_ini_entry *e = &ini->items[i];

		if (strcmp(e->section, section) == 0 && e->key && strcmp(e->key, key) == 0) {
			free(e->value);
			e->value = value;
			free(key);
			return;
		}
	}
	XGROW(ini->items, ini->n + 1, ini->alloc);
	ini->items[ini->n].section = xstrdup(section);
	ini->items[ini->n].key = key;
	ini->items[ini->n].value = value;
	ini->n++;
}

int creds_ini_parse(const char *text, size_t len, struct creds_ini *ret)
{
	struct creds_ini ini = { 0 };
	const char *p = text, *end = text + len;
	char *section = NULL;
	int r = 0;

	if (len > CREDS_INI_MAX_BYTES)
		return -EFBIG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;
		size_t n;

		p = nl ? nl + 1 : end;
		if (s < le && (*s == ' ' || *s == '\t'))
			continue; /* a continuation line: nested settings, ignored */
		while (s < le && isspace((unsigned char)*s))
			s++;
		n = (size_t)(le - s);
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 0 || *s == '#' || *s == ';')
			continue;
		if (ini.n >= CREDS_INI_MAX_ENTRIES) {
			r = -EFBIG;
			goto fail;
		}
		if (*s == '[') {
			const char *close = memchr(s, ']', n);

			if (!close)
				continue; /* configparser rejects it; skipping keeps what we can read */
			free(section);
			section = trimmed(s + 1, (size_t)(close - s - 1));
			/* Record the section itself so an empty profile still "exists". */
			put(&ini, section, NULL, NULL);
			continue;
		}
		{
			const char *eq = memchr(s, '=', n), *colon = memchr(s, ':', n);
			const char *delim = eq && (!colon || eq < colon) ? eq : colon;
			char *key;

			if (!delim || !section || delim == s)
				continue;
			key = trimmed(s, (size_t)(delim - s));
			for (char *k = key; *k; k++)
				*k = (char)tolower((unsigned char)*k);
			put(&ini, section, key, trimmed(delim + 1, (size_t)(s + n - delim - 1)));
		}
	}
	free(section);
	*ret = ini;
	return 0;
fail:
	free(section);
	creds_ini_release(&ini);
	return r;
}

void creds_ini_release(struct creds_ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->items[i].section);
		free(ini->items[i].key);
		aws_secure_free(ini->items[i].value);
	}
	free(ini->items);
	memset(ini, 0, sizeof(*ini));
}

const char *creds_ini_get(const struct creds_ini *ini, const char *section, const char *key)
{
	for (size_t i = 0; i < ini->n; i++) {
		const struct creds_ini_entry *e = &ini->items[i];

		if (e->key && strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0)
			return e->value;
	}
	return NULL;
}

int creds_ini_has_section(const struct creds_ini *ini, const char *section)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->items[i].section, section) == 0)
			return 1;
	return 0;
}
