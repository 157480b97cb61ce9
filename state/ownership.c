#include "ownership.h"

#include <string.h>
#include <strings.h>

/* Characters of a tenant id: ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ */
static bool id_edge_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool id_char(char c)
{
	return id_edge_char(c) || c == '-';
}

static bool knows_tenant(const struct observed_store *s, const char *at, size_t len)
{
	char id[TENANT_ID_MAX + 1];

	if (len > TENANT_ID_MAX)
		return false;
	memcpy(id, at, len);
	id[len] = '\0';
	return hashmap_get(&s->groups, id) || (s->knows_tenant && s->knows_tenant(s->knows_ctx, id, NULL));
}

bool tenant_derives_name(const struct tenant *t, const char *name)
{
	if (!t || !name)
		return false;
	if (t->budget_name && strcmp(t->budget_name, name) == 0)
		return true;
	for (size_t i = 0; i < t->n_profiles; i++)
		if ((t->profiles[i].name && strcmp(t->profiles[i].name, name) == 0) ||
		    (t->profiles[i].parameter && strcmp(t->profiles[i].parameter, name) == 0))
			return true;
	return false;
}

bool known_tenant_derives(const struct observed_store *s, const char *tenant_id, const char *name)
{
	const struct tenant *t = NULL;

	return s && s->knows_tenant && tenant_id && s->knows_tenant(s->knows_ctx, tenant_id, &t) &&
	       tenant_derives_name(t, name);
}

bool known_without_definition(const struct observed_store *s, const char *tenant_id)
{
	const struct tenant *t = NULL;

	if (!s || !s->knows_tenant || !tenant_id)
		return false;
	/* its owner may have let go of a removed tenant; the store knows it by its group */
	if (!s->knows_tenant(s->knows_ctx, tenant_id, &t))
		return observed_store_group(s, tenant_id) != NULL;
	return !t;
}

bool tenant_derives_policy(const struct tenant *t, const char *role, const char *name)
{
	if (!t || !t->policy_name || !role || !name || strcmp(t->policy_name, name) != 0)
		return false;
	for (size_t i = 0; i < t->n_roles; i++)
		if (strcasecmp(t->roles[i], role) == 0)
			return true;
	return false;
}

/* What another tenant's definition must derive: a name, or a policy of a role. */
struct derived {
	const char *role; /* NULL: a name of a profile, a parameter or a budget */
	const char *name;
};

static bool other_derives(const struct observed_store *s, const char *id, const struct derived *d)
{
	const struct tenant *t = NULL;

	if (!d->role)
		return known_tenant_derives(s, id, d->name);
	return s->knows_tenant(s->knows_ctx, id, &t) && tenant_derives_policy(t, d->role, d->name) &&
	       (!s->in_account || s->in_account(s->knows_ctx, id));
}

/* other_deriving: the first tenant other than tenant_id that the store's owner knows
 * with a definition deriving d, into ret (TENANT_ID_MAX + 1 bytes) when not NULL.
 * That tenant's id is whole in the name: a substring of a run of id characters from
 * its start or a '-' to its end or a '-'. */
static bool other_deriving(const struct observed_store *s, const struct derived *d, const char *tenant_id, char *ret)
{
	const char *name = d->name;
	size_t n = strlen(name);

	if (!s->knows_tenant)
		return false;
	for (size_t b = 0; b < n; b++) {
		if (!id_edge_char(name[b]) || (b > 0 && id_char(name[b - 1]) && name[b - 1] != '-'))
			continue;
		for (size_t e = b + 1; e <= n && e - b <= TENANT_ID_MAX && id_char(name[e - 1]); e++) {
			char id[TENANT_ID_MAX + 1];
			if ((e < n && id_char(name[e]) && name[e] != '-') || !id_edge_char(name[e - 1]))
				continue;
			memcpy(id, name + b, e - b);
			id[e - b] = '\0';
			if (strcmp(id, tenant_id) != 0 && other_derives(s, id, d)) {
				if (ret)
					memcpy(ret, id, e - b + 1);
				return true;
			}
		}
	}
	return false;
}

static bool derived_by_other(const struct observed_store *s, const char *name, const char *tenant_id)
{
	struct derived d = { NULL, name };

	return other_deriving(s, &d, tenant_id, NULL);
}

bool policy_derived_by_other(const struct observed_store *s, const char *role, const char *name, const char *tenant_id,
			     char *ret_other)
{
	struct derived d = { role, name };

	return s && role && name && tenant_id && other_deriving(s, &d, tenant_id, ret_other);
}

/* inside_longer_id: the id at name[at, end) is part of a longer tenant id the store
 * knows of: one that begins at the start of the run of id characters holding it or
 * after a '-' of that run, and ends at the run's end or before a '-' (a derived name
 * has no letter or digit next to {tenant}, so any tenant's id in it is bounded so). */
static bool inside_longer_id(const struct observed_store *s, const char *name, size_t at, size_t end)
{
	size_t run_start = at, run_end = end;

	while (run_start > 0 && id_char(name[run_start - 1]))
		run_start--;
	while (id_char(name[run_end]))
		run_end++;
	for (size_t b = run_start; b <= at; b++) {
		if ((b > run_start && name[b - 1] != '-') || !id_edge_char(name[b]))
			continue;
		for (size_t e = end; e <= run_end && e - b <= TENANT_ID_MAX; e++) {
			if ((e < run_end && name[e] != '-') || !id_edge_char(name[e - 1]) || (b == at && e == end))
				continue;
			if (knows_tenant(s, name + b, e - b))
				return true;
		}
	}
	return false;
}

bool name_holds_tenant(const struct observed_store *s, const char *name, const char *tenant_id)
{
	size_t len = strlen(tenant_id);

	if (!name || !len)
		return false;
	for (const char *p = strstr(name, tenant_id); p; p = strstr(p + 1, tenant_id)) {
		size_t at = (size_t)(p - name);
		if ((at > 0 && id_edge_char(name[at - 1])) || id_edge_char(name[at + len]))
			continue; /* part of a longer word */
		if (!inside_longer_id(s, name, at, at + len))
			return !derived_by_other(s, name, tenant_id);
	}
	return false;
}

bool owned_by_tenant(const struct observed_store *s, const struct tag_set *tags, const char *name, const char *instance,
		     const char *tenant_id)
{
	return tags_owned_by(tags, instance) && name_holds_tenant(s, name, tenant_id);
}

bool observed_group_owns(const struct observed_store *s, const struct observed_group *g, const char *instance)
{
	for (size_t i = 0; i < g->n_profiles; i++)
		if (owned_by_tenant(s, &g->profiles[i]->tags, g->profiles[i]->name, instance, g->tenant))
			return true;
	for (size_t i = 0; i < g->n_parameters; i++)
		if (owned_by_tenant(s, &g->parameters[i]->tags, g->parameters[i]->name, instance, g->tenant))
			return true;
	for (size_t i = 0; i < g->n_budgets; i++)
		if (owned_by_tenant(s, &g->budgets[i]->tags, g->budgets[i]->name, instance, g->tenant))
			return true;
	return false;
}

/* older_spec_name: name is the tenant's current name for the entry's profile key with
 * the spec hash the entry is tagged with in place of the current one: that profile
 * before its model or description changed (its replacement drains it). */
static bool older_spec_name(const struct tenant *t, const struct tag_set *tags, const char *name)
{
	const char *key = t ? tag_set_get(tags, TAG_PROFILE) : NULL;
	const char *spec = key ? tag_set_get(tags, TAG_SPEC) : NULL;

	if (!spec || strlen(spec) != SPEC_HASH_LEN)
		return false;
	for (size_t i = 0; i < t->n_profiles; i++) {
		const struct profile *p = &t->profiles[i];
		if (strcmp(p->key, key) != 0 || !p->name || strlen(p->name) != strlen(name))
			continue;
		for (const char *at = strstr(p->name, p->spec_hash); at; at = strstr(at + 1, p->spec_hash)) {
			size_t off = (size_t)(at - p->name);
			if (!strncmp(name, p->name, off) && !strncmp(name + off, spec, SPEC_HASH_LEN) &&
			    !strcmp(name + off + SPEC_HASH_LEN, at + SPEC_HASH_LEN))
				return true;
		}
	}
	return false;
}

bool owned_by_defined_tenant(const struct observed_store *s, const struct tag_set *tags, const char *name,
			     const char *instance, const char *tenant_id, const struct tenant *desired)
{
	return tags_owned_by(tags, instance) &&
	       (tenant_derives_name(desired, name) || older_spec_name(desired, tags, name) ||
		name_holds_tenant(s, name, tenant_id));
}
