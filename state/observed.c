#include "observed.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void observed_store_init(struct observed_store *s)
{
	memset(s, 0, sizeof(*s));
	hashmap_init(&s->profiles);
	hashmap_init(&s->profile_names);
	hashmap_init(&s->parameters);
	hashmap_init(&s->groups);
}

static void free_group(void *g)
{
	struct observed_group *group = g;

	free(group->profiles);
	free(group->parameters);
	free(group);
}

static void free_profile_cb(void *p)
{
	observed_profile_free(p);
}

static void free_parameter_cb(void *p)
{
	observed_parameter_free(p);
}

void observed_store_release(struct observed_store *s)
{
	hashmap_release(&s->profile_names, NULL);
	hashmap_release(&s->profiles, free_profile_cb);
	hashmap_release(&s->parameters, free_parameter_cb);
	hashmap_release(&s->groups, free_group);
}

void observed_profile_free(struct observed_profile *p)
{
	if (!p)
		return;
	free(p->arn);
	free(p->id);
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->n_model_arns; i++)
		free(p->model_arns[i]);
	free(p->model_arns);
	tag_set_release(&p->tags);
	free(p);
}

void observed_parameter_free(struct observed_parameter *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->value);
	tag_set_release(&p->tags);
	free(p);
}

struct observed_profile *observed_profile_dup(const struct observed_profile *p)
{
	struct observed_profile *c = xcalloc(1, sizeof(*c));

	c->arn = xstrdup(p->arn);
	c->id = xstrdup_or_null(p->id);
	c->name = xstrdup_or_null(p->name);
	c->description = xstrdup_or_null(p->description);
	if (p->n_model_arns) {
		c->model_arns = xcalloc(p->n_model_arns, sizeof(char *));
		for (size_t i = 0; i < p->n_model_arns; i++)
			c->model_arns[i] = xstrdup(p->model_arns[i]);
	}
	c->n_model_arns = p->n_model_arns;
	tag_set_copy(&c->tags, &p->tags);
	c->tags_known = p->tags_known;
	c->listed = p->listed;
	c->created_at = p->created_at;
	return c;
}

struct observed_parameter *observed_parameter_dup(const struct observed_parameter *p)
{
	struct observed_parameter *c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(p->name);
	c->value = xstrdup_or_null(p->value);
	c->version = p->version;
	tag_set_copy(&c->tags, &p->tags);
	c->tags_known = p->tags_known;
	return c;
}

bool tags_owned_by(const struct tag_set *tags, const char *instance)
{
	const char *v = tag_set_get(tags, TAG_MANAGED_BY);

	return v && strcmp(v, instance) == 0;
}

/* ---- the tenant index ---- */

static const char *tenant_of(const struct tag_set *tags, bool known)
{
	return known ? tag_set_get(tags, TAG_TENANT) : NULL;
}

static struct observed_group *group_for(struct observed_store *s, const char *tenant)
{
	struct observed_group *g = hashmap_get(&s->groups, tenant);

	if (!g) {
		g = xcalloc(1, sizeof(*g));
		hashmap_put(&s->groups, tenant, g);
	}
	return g;
}

static void group_maybe_drop(struct observed_store *s, const char *tenant, struct observed_group *g)
{
	if (g->n_profiles == 0 && g->n_parameters == 0)
		free_group(hashmap_remove(&s->groups, tenant));
}

static void unindex_profile(struct observed_store *s, struct observed_profile *p)
{
	const char *tenant = tenant_of(&p->tags, p->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	if (p->name && hashmap_get(&s->profile_names, p->name) == p)
		hashmap_remove(&s->profile_names, p->name);
	if (!g)
		return;
	for (size_t i = 0; i < g->n_profiles; i++) {
		if (g->profiles[i] == p) {
			g->profiles[i] = g->profiles[--g->n_profiles];
			break;
		}
	}
	group_maybe_drop(s, tenant, g);
}

void observed_store_put_profile(struct observed_store *s, struct observed_profile *p)
{
	struct observed_profile *old = hashmap_put(&s->profiles, p->arn, p);
	const char *tenant;

	if (old) {
		unindex_profile(s, old);
		observed_profile_free(old);
	}
	if (p->name)
		hashmap_put(&s->profile_names, p->name, p);
	tenant = tenant_of(&p->tags, p->tags_known);
	if (tenant) {
		struct observed_group *g = group_for(s, tenant);
		XGROW(g->profiles, g->n_profiles + 1, g->alloc_profiles);
		g->profiles[g->n_profiles++] = p;
	}
}

bool observed_store_remove_profile(struct observed_store *s, const char *arn)
{
	struct observed_profile *p = hashmap_get(&s->profiles, arn);

	if (!p)
		return false;
	unindex_profile(s, p);
	hashmap_remove(&s->profiles, arn);
	observed_profile_free(p);
	return true;
}

struct observed_profile *observed_store_profile(const struct observed_store *s, const char *arn)
{
	return hashmap_get(&s->profiles, arn);
}

struct observed_profile *observed_store_profile_by_name(const struct observed_store *s, const char *name)
{
	return hashmap_get(&s->profile_names, name);
}

const struct observed_group *observed_store_group(const struct observed_store *s, const char *tenant_id)
{
	return hashmap_get(&s->groups, tenant_id);
}

static void unindex_parameter(struct observed_store *s, struct observed_parameter *p)
{
	const char *tenant = tenant_of(&p->tags, p->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	if (!g)
		return;
	for (size_t i = 0; i < g->n_parameters; i++) {
		if (g->parameters[i] == p) {
			g->parameters[i] = g->parameters[--g->n_parameters];
			break;
		}
	}
	group_maybe_drop(s, tenant, g);
}

void observed_store_put_parameter(struct observed_store *s, struct observed_parameter *p)
{
	struct observed_parameter *old = hashmap_put(&s->parameters, p->name, p);
	const char *tenant;

	if (old) {
		unindex_parameter(s, old);
		observed_parameter_free(old);
	}
	tenant = tenant_of(&p->tags, p->tags_known);
	if (tenant) {
		struct observed_group *g = group_for(s, tenant);
		XGROW(g->parameters, g->n_parameters + 1, g->alloc_parameters);
		g->parameters[g->n_parameters++] = p;
	}
}

bool observed_store_remove_parameter(struct observed_store *s, const char *name)
{
	struct observed_parameter *p = hashmap_get(&s->parameters, name);

	if (!p)
		return false;
	unindex_parameter(s, p);
	hashmap_remove(&s->parameters, name);
	observed_parameter_free(p);
	return true;
}

struct observed_parameter *observed_store_parameter(const struct observed_store *s, const char *name)
{
	return hashmap_get(&s->parameters, name);
}

/* ---- one tenant's view ---- */

struct ptr_list {
	const void **v;
	size_t n, alloc;
};

static bool ptr_list_has(const struct ptr_list *l, const void *p)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == p)
			return true;
	return false;
}

static void ptr_list_add(struct ptr_list *l, const void *p)
{
	if (ptr_list_has(l, p))
		return;
	XGROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = p;
}

void observed_tenant_collect(const struct observed_store *s, const char *instance, const char *tenant_id,
			     const struct tenant *desired, struct observed_tenant *ret)
{
	const struct observed_group *g = observed_store_group(s, tenant_id);
	struct ptr_list owned = { 0 }, foreign = { 0 }, unknown = { 0 }, params = { 0 };

	if (g) {
		for (size_t i = 0; i < g->n_profiles; i++)
			if (tags_owned_by(&g->profiles[i]->tags, instance))
				ptr_list_add(&owned, g->profiles[i]);
		for (size_t i = 0; i < g->n_parameters; i++)
			if (tags_owned_by(&g->parameters[i]->tags, instance))
				ptr_list_add(&params, g->parameters[i]);
	}
	for (size_t i = 0; desired && i < desired->n_profiles; i++) {
		const struct profile *dp = &desired->profiles[i];
		const struct observed_profile *p = dp->name ? observed_store_profile_by_name(s, dp->name) : NULL;
		const struct observed_parameter *q = dp->parameter ? observed_store_parameter(s, dp->parameter) : NULL;

		if (p && !ptr_list_has(&owned, p))
			ptr_list_add(p->tags_known ? &foreign : &unknown, p);
		if (q)
			ptr_list_add(&params, q);
	}
	ret->owned = (const struct observed_profile **)owned.v;
	ret->n_owned = owned.n;
	ret->foreign = (const struct observed_profile **)foreign.v;
	ret->n_foreign = foreign.n;
	ret->unknown = (const struct observed_profile **)unknown.v;
	ret->n_unknown = unknown.n;
	ret->parameters = (const struct observed_parameter **)params.v;
	ret->n_parameters = params.n;
}

void observed_tenant_release(struct observed_tenant *t)
{
	free(t->owned);
	free(t->foreign);
	free(t->unknown);
	free(t->parameters);
	memset(t, 0, sizeof(*t));
}
