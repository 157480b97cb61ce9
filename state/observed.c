/* The observed store's core (observed.h): its maps, their release, generations,
 * profiles and parameters, ownership by tag, and the tenant index of groups that
 * observed_budget.c's budgets share (observed_impl.h). Policies and roles are in
 * observed_policy.c, one tenant's view in observed_collect.c. */
#include "observed.h"
#include "generation.h"

#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "observed_impl.h"
#include "xalloc.h"

static const char *profile_arn(const void *v)
{
	return ((const struct observed_profile *)v)->arn;
}

static const char *profile_name(const void *v)
{
	return ((const struct observed_profile *)v)->name;
}

static const char *parameter_name(const void *v)
{
	return ((const struct observed_parameter *)v)->name;
}

static const char *group_tenant(const void *v)
{
	return ((const struct observed_group *)v)->tenant;
}

static const char *budget_name(const void *v)
{
	return ((const struct observed_budget *)v)->name;
}

static const char *policy_key_of(const void *v)
{
	return ((const struct observed_policy *)v)->key;
}

static const char *role_name(const void *v)
{
	return ((const struct observed_role *)v)->name;
}

void observed_store_init(struct observed_store *s)
{
	memset(s, 0, sizeof(*s));
	/* every key but a deny policy's lives in its value (an ARN, a name, the group's
	 * tenant, a policy's key): 100,000 tenants' resources are not indexed by copies of
	 * their names, and their maps' slots hold no key at all (hashmap_init_keyed: 16
	 * bytes a slot, not 24) */
	hashmap_init_keyed(&s->profiles, profile_arn);
	hashmap_init_keyed(&s->profile_names, profile_name);
	hashmap_init_keyed(&s->parameters, parameter_name);
	hashmap_init_keyed(&s->groups, group_tenant);
	hashmap_init_keyed(&s->budgets, budget_name);
	hashmap_init_keyed(&s->policies, policy_key_of);
	hashmap_init_keyed(&s->roles, role_name);
	hashmap_init(&s->deny_policies);
	s->gen = generation_next();
	s->policies_gen = generation_next();
}

uint64_t observed_store_gen(const struct observed_store *s)
{
	return s->gen;
}

uint64_t observed_store_policies_gen(const struct observed_store *s)
{
	return s->policies_gen;
}

uint64_t observed_store_tenant_gen(const struct observed_store *s, const char *tenant_id)
{
	const struct observed_group *g = hashmap_get(&s->groups, tenant_id);

	return g ? g->gen : 0;
}

/* The three arrays' region: inline_slots, or one allocation (where profiles points). */
static bool group_inline(const struct observed_group *g)
{
	return !g->profiles || (void **)g->profiles == g->inline_slots;
}

static void free_group(void *g)
{
	struct observed_group *group = g;

	if (!group_inline(group))
		free(group->profiles);
	intern_unref(group->tenant);
	if (!group->in_arena)
		free(group);
}

/* Room for one more entry of kind (0 profiles, 1 parameters, 2 budgets): in the inline
 * slots, one more for that kind, while all three fit there; else a region of their
 * own, that kind's slots doubled (two at first). Entries keep their order. */
void observed__group_grow(struct observed_group *g, unsigned kind)
{
	uint32_t *alloc[3] = { &g->alloc_profiles, &g->alloc_parameters, &g->alloc_budgets };
	uint32_t n[3] = { g->n_profiles, g->n_parameters, g->n_budgets };
	void **from[3] = { (void **)g->profiles, (void **)g->parameters, (void **)g->budgets };
	void *tmp[OBSERVED_GROUP_INLINE], **region, **to;
	uint32_t want[3];
	size_t total = 0;
	bool was_inline = group_inline(g);

	for (unsigned k = 0; k < 3; k++) {
		want[k] = *alloc[k];
		total += want[k];
	}
	if (was_inline && total < OBSERVED_GROUP_INLINE) {
		want[kind]++;
		total++;
		region = tmp; /* copied into inline_slots below: the arrays move within it */
	} else {
		total -= want[kind];
		want[kind] = want[kind] ? want[kind] * 2 : 2;
		total += want[kind];
		region = xcalloc(total, sizeof(void *));
	}
	to = region;
	for (unsigned k = 0; k < 3; k++) {
		if (n[k])
			memcpy(to, from[k], n[k] * sizeof(void *));
		to += want[k];
	}
	if (region == tmp) {
		memcpy(g->inline_slots, tmp, total * sizeof(void *));
		region = g->inline_slots;
	} else if (!was_inline) {
		free(g->profiles);
	}
	g->profiles = (struct observed_profile **)region;
	g->parameters = (struct observed_parameter **)(region + want[0]);
	g->budgets = (struct observed_budget **)(region + want[0] + want[1]);
	for (unsigned k = 0; k < 3; k++)
		*alloc[k] = want[k];
}

static void free_budget_cb(void *b)
{
	observed_budget_free(b);
}

static void free_policy_cb(void *p)
{
	observed_policy_free(p);
}

static void free_deny_policy_cb(void *p)
{
	observed_deny_policy_free(p);
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
	hashmap_release(&s->budgets, free_budget_cb);
	hashmap_release(&s->policies, free_policy_cb);
	hashmap_release(&s->roles, NULL); /* in the arena */
	hashmap_release(&s->groups, free_group);
	hashmap_release(&s->deny_policies, free_deny_policy_cb);
	free(s->enforce_error);
	s->enforce_error = NULL;
	free(s->budgets_error);
	s->budgets_error = NULL;
	arena_free(s->arena); /* after every entry released its references */
	s->arena = NULL;
	arena_free(s->policies_arena);
	s->policies_arena = NULL;
}

/* The maps in the order observed_store_release_step empties them, with what frees
 * their values (NULL: borrowed from another map). */
static struct hashmap *release_map(struct observed_store *s, unsigned i, void (**free_value)(void *))
{
	switch (i) {
	case 0:
		*free_value = NULL;
		return &s->profile_names;
	case 1:
		*free_value = free_profile_cb;
		return &s->profiles;
	case 2:
		*free_value = free_parameter_cb;
		return &s->parameters;
	case 3:
		*free_value = free_budget_cb;
		return &s->budgets;
	case 4:
		*free_value = free_policy_cb;
		return &s->policies;
	case 5:
		*free_value = free_group;
		return &s->groups;
	case 6:
		*free_value = NULL; /* in the arena */
		return &s->roles;
	case 7:
		*free_value = free_deny_policy_cb;
		return &s->deny_policies;
	case 8:
		free(s->enforce_error);
		s->enforce_error = NULL;
		free(s->budgets_error);
		s->budgets_error = NULL;
		arena_free(s->arena);
		s->arena = NULL;
		arena_free(s->policies_arena);
		s->policies_arena = NULL;
		return NULL;
	default:
		return NULL;
	}
}

bool observed_store_release_step(struct observed_store *s, size_t max)
{
	void (*free_value)(void *);
	struct hashmap *m;
	size_t done = 0;
	void *v;

	while ((m = release_map(s, s->release_map, &free_value))) {
		while (done < max && free_value && hashmap_next(m, &s->release_pos, NULL, &v)) {
			free_value(v);
			done++;
		}
		if (done >= max)
			return false;
		/* every value is freed: the keys and the table go now (no value twice) */
		hashmap_release(m, NULL);
		s->release_map++;
		s->release_pos = 0;
	}
	return true;
}

/* An arena entry's tags are packed into the arena when the entry is stored (the
 * listing fills them after making the entry): their keys one shared list per shape
 * (state/model.h), their values in the arena, released with the rest. The set is
 * never written afterwards (entries are copied to change). */
bool observed__tags_to_arena(struct observed_store *s, struct tag_set *t, bool in_arena)
{
	if (in_arena || !t->n || !s->arena)
		return in_arena;
	return tag_set_pack(t, arena_alloc(s->arena, t->n * sizeof(uint32_t)));
}

/* An arena entry's models become an interned list as the entry is stored: a listing's
 * profiles name a few models, or a few cross-Region profiles' lists of them, and one
 * copy of each list serves them all (8 bytes a model a profile, up to 20 models). The
 * list is never written afterwards (entries are copied to change). */
static void models_to_list(struct observed_profile *p)
{
	const char *const *list;

	if (p->models_in_list || !p->n_model_arns)
		return;
	for (size_t i = 0; i < p->n_model_arns; i++)
		if (!p->model_arns[i])
			return;				    /* not filled: kept as it is */
	list = intern_list(p->model_arns, p->n_model_arns); /* its own references */
	for (size_t i = 0; i < p->n_model_arns; i++)
		intern_unref(p->model_arns[i]);
	free(p->model_arns);
	p->model_arns = (const char **)list;
	p->models_in_list = true;
}

void observed_profile_free(struct observed_profile *p)
{
	if (!p)
		return;
	if (p->in_arena) { /* its memory goes with its store's arena, but its ARN is interned */
		intern_unref(p->arn);
		if (p->models_in_list) {
			intern_list_unref((const char *const *)p->model_arns);
		} else { /* not put: the entry's own */
			for (size_t i = 0; i < p->n_model_arns; i++)
				intern_unref(p->model_arns[i]);
			free(p->model_arns);
		}
		tag_set_release(&p->tags); /* packed: its values stay in the arena */
		return;
	}
	free(p->arn);
	free(p->name);
	for (size_t i = 0; i < p->n_model_arns; i++)
		intern_unref(p->model_arns[i]);
	free(p->model_arns);
	tag_set_release(&p->tags);
	free(p);
}

void observed_parameter_free(struct observed_parameter *p)
{
	if (!p)
		return;
	if (p->in_arena) {
		intern_unref(p->name);
		intern_unref(p->value);
		tag_set_release(&p->tags); /* packed: its values stay in the arena */
		return;
	}
	free(p->name);
	free(p->value);
	tag_set_release(&p->tags);
	free(p);
}

struct arena *observed__store_arena(struct observed_store *s)
{
	if (!s->arena)
		s->arena = arena_new();
	return s->arena;
}

const char *observed_profile_id(const struct observed_profile *p)
{
	const char *slash = strrchr(p->arn, '/');

	return slash ? slash + 1 : p->arn;
}

uint32_t observed_profile_created_at(int64_t seconds)
{
	return seconds < 0 ? 0 : seconds > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)seconds;
}

int64_t observed_parameter_version(int64_t version)
{
	return version < 0 ? 0 : version > OBSERVED_PARAMETER_MAX_VERSION ? OBSERVED_PARAMETER_MAX_VERSION : version;
}

struct observed_profile *observed_store_new_profile(struct observed_store *s, const char *arn, const char *name,
						    size_t n_model_arns)
{
	struct arena *a = observed__store_arena(s);
	struct observed_profile *p = arena_alloc(a, sizeof(*p));

	p->in_arena = true;
	/* the ARN interned: the parameter naming the profile and the record of the tags
	 * applied to it hold the same string (observed.h) */
	p->arn = (char *)intern(arn);
	p->name = arena_strdup(a, name);
	if (n_model_arns) /* an interned list once put (models_to_list): not in the arena */
		p->model_arns = xcalloc(n_model_arns, sizeof(char *));
	p->n_model_arns = n_model_arns;
	tag_set_init(&p->tags);
	return p;
}

struct observed_parameter *observed_store_new_parameter(struct observed_store *s, const char *name, const char *value)
{
	struct arena *a = observed__store_arena(s);
	struct observed_parameter *q = arena_alloc(a, sizeof(*q));

	q->in_arena = true;
	q->name = (char *)intern(name);
	q->value = (char *)intern(value);
	tag_set_init(&q->tags);
	return q;
}

struct observed_profile *observed_profile_dup(const struct observed_profile *p)
{
	struct observed_profile *c = xcalloc(1, sizeof(*c));

	c->arn = xstrdup(p->arn);
	c->name = xstrdup_or_null(p->name);
	if (p->n_model_arns) {
		c->model_arns = xcalloc(p->n_model_arns, sizeof(char *));
		for (size_t i = 0; i < p->n_model_arns; i++)
			c->model_arns[i] = intern_ref(p->model_arns[i]);
	}
	c->n_model_arns = p->n_model_arns;
	tag_set_copy(&c->tags, &p->tags);
	c->tags_known = p->tags_known;
	c->listed = p->listed;
	c->models_unknown = p->models_unknown;
	c->created_at = p->created_at;
	return c;
}

struct observed_parameter *observed_parameter_dup(const struct observed_parameter *p)
{
	struct observed_parameter *c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(p->name);
	c->value = xstrdup_or_null(p->value);
	c->version = p->version;
	c->modified_ms = p->modified_ms;
	tag_set_copy(&c->tags, &p->tags);
	c->tags_known = p->tags_known;
	return c;
}

bool tags_owned_by(const struct tag_set *tags, const char *instance)
{
	const char *v = tag_set_get_interned(tags, tag_key_managed_by());

	return v && (v == instance || strcmp(v, instance) == 0);
}

/* ---- the tenant index ---- */

const char *observed__tenant_of(const struct tag_set *tags, bool known)
{
	return known ? tag_set_get(tags, TAG_TENANT) : NULL;
}

/* Tenant's group, opened if need be: in the store's arena for an entry in it (a
 * listing's: its group lives as long as the store, as it does), else on its own. */
struct observed_group *observed__group_for(struct observed_store *s, const char *tenant, bool arena)
{
	struct observed_group *g = hashmap_get(&s->groups, tenant);

	if (!g) {
		size_t size = sizeof(*g) + OBSERVED_GROUP_INLINE * sizeof(g->inline_slots[0]);
		g = arena ? arena_alloc(observed__store_arena(s), size) : xcalloc(1, size);
		g->in_arena = arena;
		g->tenant = intern(tenant);
		hashmap_put(&s->groups, g->tenant, g);
	}
	g->gen = generation_next();
	return g;
}

/* An entry with these tags changes: its tenant's generation, or the store's when it
 * has no tenant tag (before it leaves the index: the group may go with it). */
void observed__touch(struct observed_store *s, const struct tag_set *tags, bool known)
{
	const char *tenant = observed__tenant_of(tags, known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	if (g)
		g->gen = generation_next();
	else
		s->gen = generation_next();
}

void observed__group_maybe_drop(struct observed_store *s, const char *tenant, struct observed_group *g)
{
	if (g->n_profiles == 0 && g->n_parameters == 0 && g->n_budgets == 0)
		free_group(hashmap_remove(&s->groups, tenant));
}

static void unindex_profile(struct observed_store *s, struct observed_profile *p)
{
	const char *tenant = observed__tenant_of(&p->tags, p->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	observed__touch(s, &p->tags, p->tags_known);
	s->n_named -= p->name != NULL;
	if (p->name && hashmap_get(&s->profile_names, p->name) == p)
		hashmap_remove(&s->profile_names, p->name);
	if (!g)
		return;
	for (size_t i = 0; i < g->n_profiles; i++) {
		if (g->profiles[i] == p) {
			g->profiles[i] = g->profiles[--g->n_profiles];
			content_digest_sub(&g->digest, observed_profile_digest(p));
			break;
		}
	}
	observed__group_maybe_drop(s, tenant, g);
}

void observed_store_put_profile(struct observed_store *s, struct observed_profile *p)
{
	struct observed_profile *old = hashmap_put(&s->profiles, p->arn, p);
	struct observed_profile *named;
	const char *tenant;

	if (p->in_arena) {
		p->tags_in_arena = observed__tags_to_arena(s, &p->tags, p->tags_in_arena);
		models_to_list(p);
	}

	p->grants = observed_profile_grants_digest(p);
	if (old) {
		unindex_profile(s, old);
		observed_profile_free(old);
	}
	s->n_named += p->name != NULL;
	if (p->name && (named = hashmap_put(&s->profile_names, p->name, p)) && named != p)
		observed__touch(s, &named->tags, named->tags_known); /* it lost the name to p */
	tenant = observed__tenant_of(&p->tags, p->tags_known);
	if (tenant) {
		struct observed_group *g = observed__group_for(s, tenant, p->in_arena);
		if (g->n_profiles == g->alloc_profiles)
			observed__group_grow(g, 0);
		g->profiles[g->n_profiles++] = p;
		content_digest_add(&g->digest, observed_profile_digest(p));
	} else {
		s->gen = generation_next();
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
	const char *tenant = observed__tenant_of(&p->tags, p->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	observed__touch(s, &p->tags, p->tags_known);
	if (!g)
		return;
	for (size_t i = 0; i < g->n_parameters; i++) {
		if (g->parameters[i] == p) {
			g->parameters[i] = g->parameters[--g->n_parameters];
			content_digest_sub(&g->digest, observed_parameter_digest(p));
			break;
		}
	}
	observed__group_maybe_drop(s, tenant, g);
}

void observed_store_put_parameter(struct observed_store *s, struct observed_parameter *p)
{
	struct observed_parameter *old = hashmap_put(&s->parameters, p->name, p);
	const char *tenant;

	if (p->in_arena)
		p->tags_in_arena = observed__tags_to_arena(s, &p->tags, p->tags_in_arena);

	if (old) {
		unindex_parameter(s, old);
		observed_parameter_free(old);
	}
	tenant = observed__tenant_of(&p->tags, p->tags_known);
	if (tenant) {
		struct observed_group *g = observed__group_for(s, tenant, p->in_arena);
		if (g->n_parameters == g->alloc_parameters)
			observed__group_grow(g, 1);
		g->parameters[g->n_parameters++] = p;
		content_digest_add(&g->digest, observed_parameter_digest(p));
	} else {
		s->gen = generation_next();
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
