#include "naming.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "modelref.h"
#include "rules.h"
#include "xalloc.h"

enum placeholder {
	PH_TENANT,
	PH_PROFILE,
	PH_HASH6,
	PH_DEPARTMENT,
	PH_PROJECT,
	PH_INSTANCE,
	PH_COUNT,
};

static const char *const ph_names[PH_COUNT] = { "tenant", "profile", "hash6", "department", "project", "instance" };

#define BIT(p) (1u << (p))

static const struct {
	const char *key, *what, *def;
	unsigned allowed, required;
} kinds[NAMING_COUNT] = {
	[NAMING_PROFILE_NAME] = { "profile_name", "Bedrock inference profile name", NAMING_DEFAULT_PROFILE_NAME,
				  BIT(PH_TENANT) | BIT(PH_PROFILE) | BIT(PH_HASH6) | BIT(PH_DEPARTMENT) |
					  BIT(PH_PROJECT) | BIT(PH_INSTANCE),
				  BIT(PH_TENANT) | BIT(PH_PROFILE) | BIT(PH_HASH6) },
	[NAMING_PARAMETER] = { "parameter", "SSM parameter name", NAMING_DEFAULT_PARAMETER,
			       BIT(PH_TENANT) | BIT(PH_PROFILE) | BIT(PH_DEPARTMENT) | BIT(PH_PROJECT) |
				       BIT(PH_INSTANCE),
			       BIT(PH_TENANT) | BIT(PH_PROFILE) },
	[NAMING_BUDGET_NAME] = { "budget_name", "budget name", NAMING_DEFAULT_BUDGET_NAME,
				 BIT(PH_TENANT) | BIT(PH_DEPARTMENT) | BIT(PH_PROJECT) | BIT(PH_INSTANCE),
				 BIT(PH_TENANT) },
	[NAMING_POLICY_NAME] = { "policy_name", "IAM policy name", NAMING_DEFAULT_POLICY_NAME,
				 BIT(PH_TENANT) | BIT(PH_DEPARTMENT) | BIT(PH_PROJECT) | BIT(PH_INSTANCE),
				 BIT(PH_TENANT) },
};

const char *naming_key(enum naming_kind kind)
{
	return kinds[kind].key;
}

const char *naming_what(enum naming_kind kind)
{
	return kinds[kind].what;
}

const char *naming_default(enum naming_kind kind)
{
	return kinds[kind].def;
}

/* The placeholder at s ("{tenant}..."), its length in *len, or PH_COUNT. */
static enum placeholder placeholder_at(const char *s, size_t *len)
{
	const char *end = strchr(s, '}');

	if (s[0] != '{' || !end)
		return PH_COUNT;
	for (int p = 0; p < PH_COUNT; p++) {
		size_t l = strlen(ph_names[p]);
		if ((size_t)(end - s - 1) == l && !strncmp(s + 1, ph_names[p], l)) {
			*len = l + 2;
			return (enum placeholder)p;
		}
	}
	return PH_COUNT;
}

static int __attribute__((format(printf, 2, 3))) fail(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(why, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* tenant_stands_apart: the {tenant} at p (len characters) has no character of a tenant
 * id but '-' and no placeholder next to it, so that an id is found whole in a derived
 * name (state/observed.h, owned_by_tenant: "acme" in "acme-prod-p1-8e5ce6" is part of
 * the longer id acme-prod when that tenant exists; "acme" in "acmex" is no id). */
static bool tenant_stands_apart(const char *tmpl, const char *p, size_t len)
{
	char before = p > tmpl ? p[-1] : '\0', after = p[len];
	bool touches = (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9') || before == '}' ||
		       (after >= 'a' && after <= 'z') || (after >= '0' && after <= '9') || after == '{';

	return !touches;
}

int naming_template_check(enum naming_kind kind, const char *tmpl, struct strbuf *why)
{
	unsigned used = 0;

	if (strlen(tmpl) > NAMING_TEMPLATE_MAX)
		return fail(why, "a template is at most %d characters long", NAMING_TEMPLATE_MAX);
	for (const char *p = tmpl; *p;) {
		size_t len = 1;
		enum placeholder ph;
		if (*p == '}')
			return fail(why, "unmatched '}'");
		if (*p != '{') {
			p++;
			continue;
		}
		ph = placeholder_at(p, &len);
		if (ph == PH_COUNT) {
			size_t l = strcspn(p, "}");
			return fail(why,
				    "unknown placeholder '%.*s}' (known: {tenant} {profile} {hash6} {department} "
				    "{project} {instance})",
				    (int)(l < 40 ? l : 40), p);
		}
		if (!(kinds[kind].allowed & BIT(ph)))
			return fail(why, "{%s} cannot be used in %s", ph_names[ph], kinds[kind].key);
		if (ph == PH_TENANT && !(tenant_stands_apart(tmpl, p, len)))
			return fail(why,
				    "{tenant} must not touch a lowercase letter, a digit or another placeholder in %s: "
				    "a tenant's id is found whole in the names derived from it",
				    kinds[kind].key);
		used |= BIT(ph);
		p += len;
	}
	for (int ph = 0; ph < PH_COUNT; ph++)
		if ((kinds[kind].required & BIT(ph)) && !(used & BIT(ph)))
			return fail(why, "%s must contain {%s}", kinds[kind].key, ph_names[ph]);
	return 0;
}

int naming_expand(const char *tmpl, const struct naming_vars *vars, struct strbuf *out)
{
	const char *values[PH_COUNT] = { vars->tenant,	   vars->profile, vars->hash6,
					 vars->department, vars->project, vars->instance };
	int r = 0;

	for (const char *p = tmpl; *p && r == 0;) {
		size_t len = 1;
		enum placeholder ph = *p == '{' ? placeholder_at(p, &len) : PH_COUNT;
		if (ph == PH_COUNT) {
			r = strbuf_addch(out, *p++);
			continue;
		}
		if (values[ph])
			r = strbuf_adds(out, values[ph]);
		p += len;
	}
	return r;
}

/* The longest value a placeholder takes (rules.c: tenant ids, profile keys,
 * departments and projects). */
#define VALUE_MAX 64

/* value_fits: s[0..len) is a value ph can take in a tenant's derived names. */
static bool value_fits(enum placeholder ph, const char *s, size_t len)
{
	char buf[VALUE_MAX + 1];

	if (len > VALUE_MAX)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	switch (ph) {
	case PH_TENANT:
		return !rule_tenant_id(buf);
	case PH_PROFILE:
		return !rule_profile_key(buf);
	case PH_HASH6:
		return len == SPEC_HASH_LEN && strspn(buf, "0123456789abcdef") == len;
	case PH_DEPARTMENT:
	case PH_PROJECT:
		return !len || !rule_department(buf); /* empty when absent */
	default:
		return false;
	}
}

struct give {
	const char *tmpl, *instance, *name;
	size_t n;
	unsigned char *failed; /* (template offset, name offset) known not to match */
};

/* The template from offset t can give the name from offset i. Each (t, i) is tried
 * once: the work is bounded by the template's length, the name's and VALUE_MAX. */
static bool gives_from(struct give *g, size_t t, size_t i)
{
	const char *p = g->tmpl + t;
	unsigned char *failed = &g->failed[t * (g->n + 1) + i];
	enum placeholder ph;
	size_t len = 1;
	bool ok = false;

	if (!*p)
		return i == g->n;
	if (*failed)
		return false;
	ph = *p == '{' ? placeholder_at(p, &len) : PH_COUNT;
	if (ph == PH_COUNT) {
		ok = i < g->n && g->name[i] == *p && gives_from(g, t + 1, i + 1);
	} else if (ph == PH_INSTANCE) {
		size_t l = strlen(g->instance);
		ok = !strncmp(g->name + i, g->instance, l) && gives_from(g, t + len, i + l);
	} else {
		for (size_t l = 0; l <= VALUE_MAX && i + l <= g->n && !ok; l++)
			ok = value_fits(ph, g->name + i, l) && gives_from(g, t + len, i + l);
	}
	*failed = !ok;
	return ok;
}

bool naming_can_give(const char *tmpl, const char *instance, const char *name)
{
	struct give g = { tmpl, instance ? instance : "", name, strlen(name), NULL };
	size_t t = strlen(tmpl);
	bool r;

	if (t > NAMING_TEMPLATE_MAX || g.n > 4096)
		return false;
	g.failed = xcalloc((t + 1) * (g.n + 1), 1);
	r = gives_from(&g, 0, 0);
	free(g.failed);
	return r;
}

const char *naming_check(enum naming_kind kind, const char *name)
{
	switch (kind) {
	case NAMING_PROFILE_NAME:
		return rule_profile_name(name);
	case NAMING_PARAMETER:
		return rule_ssm_parameter(name);
	case NAMING_BUDGET_NAME:
		return rule_budget_name(name);
	case NAMING_POLICY_NAME:
	case NAMING_COUNT:
		break;
	}
	return rule_iam_policy_name(name);
}

void naming_spec_hash(enum model_ref_kind kind, const char *model_id, const char *description,
		      char out[SPEC_HASH_LEN + 1])
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_adds(&sb, "bedrock-tenantd/spec/v1\n");
	strbuf_adds(&sb, modelref_resource(kind));
	strbuf_addch(&sb, '/');
	strbuf_adds(&sb, model_id);
	strbuf_addch(&sb, '\n');
	strbuf_adds(&sb, description ? description : "");
	digest_hex_into(sb.buf, sb.len, SPEC_HASH_LEN, out);
	strbuf_release(&sb);
}
