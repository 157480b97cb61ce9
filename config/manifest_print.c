#include "manifest_print.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

static bool plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(" ._/=+@:-", c));
}

/* Words that some YAML reader would take for null, a boolean or a number. */
static bool ambiguous(const char *s)
{
	static const char *const words[] = { "null",  "Null", "NULL", "~",   "true", "True", "TRUE", "false", "False",
					     "FALSE", "yes",  "Yes",  "YES", "no",   "No",   "NO",   "on",    "On",
					     "ON",    "off",  "Off",  "OFF", "y",    "Y",    "n",    "N" };
	const char *p = s;
	bool digit = false;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(s, words[i]))
			return true;
	/* Anything made only of digits, signs, dots, underscores, colons and an exponent
	 * may read as a number (YAML 1.1 allows 1_000 and 1:30 sexagesimals). */
	if (*p == '+' || *p == '-' || *p == '.')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (!strchr("._:eE+-", *p))
			return false;
	}
	return digit;
}

static bool needs_quotes(const char *s)
{
	size_t len = strlen(s);

	if (!len || ambiguous(s) || s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return true;
	/* Indicators and '.' (".inf") may not start a plain scalar here. */
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9') ||
	      s[0] == '/' || s[0] == '_'))
		return true;
	if (strstr(s, ": ") || strstr(s, " #"))
		return true;
	for (const char *p = s; *p; p++)
		if (!plain_char(*p))
			return true;
	return false;
}

int manifest_print_scalar(struct strbuf *out, const char *s)
{
	int r;

	if (!needs_quotes(s))
		return strbuf_adds(out, s);
	r = strbuf_addch(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p && r == 0; p++) {
		if (*p == '"' || *p == '\\')
			r = strbuf_addf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			r = strbuf_addf(out, "\\x%02x", *p);
		else
			r = strbuf_addch(out, (char)*p);
	}
	return r ? r : strbuf_addch(out, '"');
}

int manifest_print_number(struct strbuf *out, double v)
{
	char buf[64];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* %g may choose an exponent; the schema reads plain decimals only. */
	if (strchr(buf, 'e')) {
		snprintf(buf, sizeof(buf), "%.6f", v);
		for (size_t l = strlen(buf); l > 1 && buf[l - 1] == '0'; l--)
			buf[l - 1] = '\0';
		if (buf[strlen(buf) - 1] == '.')
			buf[strlen(buf) - 1] = '\0';
	}
	return strbuf_adds(out, buf);
}

static void key_value(struct strbuf *out, int indent, const char *key, const char *value)
{
	strbuf_addf(out, "%*s%s: ", indent, "", key);
	manifest_print_scalar(out, value);
	strbuf_addch(out, '\n');
}

static void print_tags(struct strbuf *out, int indent, const struct tag_set *tags)
{
	if (!tags->n)
		return;
	strbuf_addf(out, "%*stags:\n", indent, "");
	for (size_t i = 0; i < tags->n; i++) {
		strbuf_addf(out, "%*s", indent + 2, "");
		manifest_print_scalar(out, tags->items[i].key);
		strbuf_adds(out, ": ");
		manifest_print_scalar(out, tags->items[i].value);
		strbuf_addch(out, '\n');
	}
}

static void print_list(struct strbuf *out, int indent, const char *key, char *const *v, size_t n)
{
	if (!n)
		return;
	strbuf_addf(out, "%*s%s:\n", indent, "", key);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(out, "%*s- ", indent + 2, "");
		manifest_print_scalar(out, v[i]);
		strbuf_addch(out, '\n');
	}
}

static void print_profile(struct strbuf *out, const struct profile *p)
{
	strbuf_adds(out, "    - name: ");
	manifest_print_scalar(out, p->key);
	strbuf_addch(out, '\n');
	key_value(out, 6, "model", p->model);
	if (p->description)
		key_value(out, 6, "description", p->description);
	print_tags(out, 6, &p->tags);
}

static void print_budget(struct strbuf *out, const struct budget *b)
{
	strbuf_adds(out, "  budget:\n");
	strbuf_addf(out, "    limit_usd: %s\n", b->limit_usd); /* a number: unquoted */
	key_value(out, 4, "period", budget_period_name(b->period));
	if (b->enforce) {
		strbuf_adds(out, "    enforce:\n      at_percent: ");
		manifest_print_number(out, b->enforce_at_percent);
		strbuf_addch(out, '\n');
	}
	if (!b->n_alerts)
		return;
	strbuf_adds(out, "    alerts:\n");
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct alert *a = &b->alerts[i];
		strbuf_adds(out, "      - threshold_percent: ");
		manifest_print_number(out, a->threshold_percent);
		strbuf_addch(out, '\n');
		key_value(out, 8, "type", alert_type_name(a->type));
		print_list(out, 8, "emails", a->emails, a->n_emails);
		if (a->sns_topic)
			key_value(out, 8, "sns_topic", a->sns_topic);
	}
}

int manifest_print(const struct tenant *t, struct strbuf *out)
{
	strbuf_adds(out, "apiVersion: " MANIFEST_API_VERSION "\nkind: " MANIFEST_KIND "\nmetadata:\n");
	key_value(out, 2, "name", t->id);
	strbuf_adds(out, "spec:\n");
	if (t->department)
		key_value(out, 2, "department", t->department);
	if (t->project)
		key_value(out, 2, "project", t->project);
	if (t->region && t->region_set)
		key_value(out, 2, "region", t->region);
	if (t->account)
		key_value(out, 2, "account", t->account);
	if (t->pool)
		key_value(out, 2, "pool", t->pool);
	print_tags(out, 2, &t->tags);
	strbuf_adds(out, "  profiles:\n");
	for (size_t i = 0; i < t->n_profiles; i++)
		print_profile(out, &t->profiles[i]);
	if (t->budget)
		print_budget(out, t->budget);
	if (t->n_roles) {
		strbuf_adds(out, "  access:\n");
		print_list(out, 4, "roles", t->roles, t->n_roles);
	}
	key_value(out, 2, "deletion_policy", deletion_policy_name(t->deletion_policy));
	return strbuf_addf(out, "  suspended: %s\n", t->suspended ? "true" : "false");
}
