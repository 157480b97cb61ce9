#include "observed.h"
#include "ownership.h"
#include "generation.h"
#include "policy_doc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "intern.h"
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
static void group_grow(struct observed_group *g, unsigned kind)
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
static bool tags_to_arena(struct observed_store *s, struct tag_set *t, bool in_arena)
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

static struct arena *store_arena(struct observed_store *s)
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
	struct arena *a = store_arena(s);
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
	struct arena *a = store_arena(s);
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

static const char *tenant_of(const struct tag_set *tags, bool known)
{
	return known ? tag_set_get(tags, TAG_TENANT) : NULL;
}

/* Tenant's group, opened if need be: in the store's arena for an entry in it (a
 * listing's: its group lives as long as the store, as it does), else on its own. */
static struct observed_group *group_for(struct observed_store *s, const char *tenant, bool arena)
{
	struct observed_group *g = hashmap_get(&s->groups, tenant);

	if (!g) {
		size_t size = sizeof(*g) + OBSERVED_GROUP_INLINE * sizeof(g->inline_slots[0]);
		g = arena ? arena_alloc(store_arena(s), size) : xcalloc(1, size);
		g->in_arena = arena;
		g->tenant = intern(tenant);
		hashmap_put(&s->groups, g->tenant, g);
	}
	g->gen = generation_next();
	return g;
}

/* An entry with these tags changes: its tenant's generation, or the store's when it
 * has no tenant tag (before it leaves the index: the group may go with it). */
static void touch(struct observed_store *s, const struct tag_set *tags, bool known)
{
	const char *tenant = tenant_of(tags, known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	if (g)
		g->gen = generation_next();
	else
		s->gen = generation_next();
}

static void group_maybe_drop(struct observed_store *s, const char *tenant, struct observed_group *g)
{
	if (g->n_profiles == 0 && g->n_parameters == 0 && g->n_budgets == 0)
		free_group(hashmap_remove(&s->groups, tenant));
}

static void unindex_profile(struct observed_store *s, struct observed_profile *p)
{
	const char *tenant = tenant_of(&p->tags, p->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	touch(s, &p->tags, p->tags_known);
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
	group_maybe_drop(s, tenant, g);
}

void observed_store_put_profile(struct observed_store *s, struct observed_profile *p)
{
	struct observed_profile *old = hashmap_put(&s->profiles, p->arn, p);
	struct observed_profile *named;
	const char *tenant;

	if (p->in_arena) {
		p->tags_in_arena = tags_to_arena(s, &p->tags, p->tags_in_arena);
		models_to_list(p);
	}

	p->grants = observed_profile_grants_digest(p);
	if (old) {
		unindex_profile(s, old);
		observed_profile_free(old);
	}
	s->n_named += p->name != NULL;
	if (p->name && (named = hashmap_put(&s->profile_names, p->name, p)) && named != p)
		touch(s, &named->tags, named->tags_known); /* it lost the name to p */
	tenant = tenant_of(&p->tags, p->tags_known);
	if (tenant) {
		struct observed_group *g = group_for(s, tenant, p->in_arena);
		if (g->n_profiles == g->alloc_profiles)
			group_grow(g, 0);
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
	const char *tenant = tenant_of(&p->tags, p->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	touch(s, &p->tags, p->tags_known);
	if (!g)
		return;
	for (size_t i = 0; i < g->n_parameters; i++) {
		if (g->parameters[i] == p) {
			g->parameters[i] = g->parameters[--g->n_parameters];
			content_digest_sub(&g->digest, observed_parameter_digest(p));
			break;
		}
	}
	group_maybe_drop(s, tenant, g);
}

void observed_store_put_parameter(struct observed_store *s, struct observed_parameter *p)
{
	struct observed_parameter *old = hashmap_put(&s->parameters, p->name, p);
	const char *tenant;

	if (p->in_arena)
		p->tags_in_arena = tags_to_arena(s, &p->tags, p->tags_in_arena);

	if (old) {
		unindex_parameter(s, old);
		observed_parameter_free(old);
	}
	tenant = tenant_of(&p->tags, p->tags_known);
	if (tenant) {
		struct observed_group *g = group_for(s, tenant, p->in_arena);
		if (g->n_parameters == g->alloc_parameters)
			group_grow(g, 1);
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

/* ---- budgets ---- */

void observed_alert_release(struct observed_alert *a)
{
	free(a->type);
	free(a->comparison);
	free(a->threshold_type);
	for (size_t i = 0; i < a->n_subscribers; i++)
		free(a->subscribers[i]);
	free(a->subscribers);
	memset(a, 0, sizeof(*a));
}

/* Alerts in a store's arena (observed_budget_set_alerts): only the interned constants
 * are released; the rest goes with the arena. */
static void release_arena_alerts(struct observed_alert *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		intern_unref(v[i].type);
		intern_unref(v[i].comparison);
		intern_unref(v[i].threshold_type);
	}
}

static void release_alerts(struct observed_budget *b)
{
	if (b->alerts_in_arena) {
		release_arena_alerts(b->alerts, b->n_alerts);
		return;
	}
	for (size_t i = 0; i < b->n_alerts; i++)
		observed_alert_release(&b->alerts[i]);
	free(b->alerts);
}

void observed_budget_free(struct observed_budget *b)
{
	if (!b)
		return;
	release_alerts(b);
	for (size_t i = 0; i < b->n_actions; i++)
		observed_budget_action_release(&b->actions[i]);
	free(b->actions);
	if (b->in_arena) { /* its memory goes with its store's arena; the constants are interned */
		intern_unref(b->limit_unit);
		intern_unref(b->time_unit);
		intern_unref(b->budget_type);
		intern_unref(b->metric);
		if (b->filter_is_tenant)
			intern_unref(b->filter_tenant);
		tag_set_release(&b->tags); /* packed: its values stay in the arena */
		return;
	}
	if (b->filter_is_tenant)
		intern_unref(b->filter_tenant);
	else
		free(b->filter_expression);
	free(b->name);
	free(b->limit_unit);
	free(b->time_unit);
	free(b->budget_type);
	free(b->metric);
	free(b->amounts);
	tag_set_release(&b->tags);
	free(b);
}

/* The i-th of b's amounts (0 limit, 1 actual, 2 forecasted): b->amounts holds all three. */
static const char *amount(const struct observed_budget *b, int i, bool has)
{
	const char *p = b->amounts;

	if (!has)
		return NULL;
	while (i-- > 0)
		p += strlen(p) + 1;
	return p;
}

const char *observed_budget_limit_amount(const struct observed_budget *b)
{
	return amount(b, 0, b->has_limit_amount);
}

const char *observed_budget_actual_spend(const struct observed_budget *b)
{
	return amount(b, 1, b->has_actual_spend);
}

const char *observed_budget_forecasted_spend(const struct observed_budget *b)
{
	return amount(b, 2, b->has_forecasted_spend);
}

/* The bytes "limit\0actual\0forecasted\0" take, an absent one ""; 0 when all are. */
static size_t amounts_size(const char *const v[3])
{
	size_t n = 0;

	if (!v[0] && !v[1] && !v[2])
		return 0;
	for (int i = 0; i < 3; i++)
		n += strlen(v[i] ? v[i] : "") + 1;
	return n;
}

/* b's amounts: v[0..3) written to dst (amounts_size bytes), or NULL. */
static void amounts_pack(struct observed_budget *b, char *dst, const char *const v[3])
{
	char *p = dst;

	for (int i = 0; dst && i < 3; i++) {
		size_t n = strlen(v[i] ? v[i] : "") + 1;
		memcpy(p, v[i] ? v[i] : "", n);
		p += n;
	}
	b->amounts = dst;
	b->has_limit_amount = v[0] != NULL;
	b->has_actual_spend = v[1] != NULL;
	b->has_forecasted_spend = v[2] != NULL;
}

void observed_budget_put_amounts(struct observed_budget *b, const char *limit, const char *actual,
				 const char *forecasted)
{
	const char *const v[3] = { limit, actual, forecasted };
	size_t n = amounts_size(v);
	char *old = b->amounts; /* the new ones may point into it */

	amounts_pack(b, n ? xmalloc(n) : NULL, v);
	free(old);
}

char *observed_budget_filter(const struct observed_budget *b)
{
	return b->filter_is_tenant ? budget_filter_expression(b->filter_tenant) : xstrdup_or_null(b->filter_expression);
}

void observed_budget_put_filter(struct observed_budget *b, const char *json)
{
	const char *tenant = budget_filter_tenant(json);

	if (b->filter_is_tenant)
		intern_unref(b->filter_tenant);
	else
		free(b->filter_expression);
	b->filter_is_tenant = tenant != NULL;
	if (tenant)
		b->filter_tenant = tenant;
	else
		b->filter_expression = xstrdup_or_null(json);
}

struct observed_budget *observed_store_new_budget(struct observed_store *s, const char *name)
{
	struct arena *a = store_arena(s);
	struct observed_budget *b = arena_alloc(a, sizeof(*b));

	b->in_arena = true;
	b->name = arena_strdup(a, name);
	tag_set_init(&b->tags);
	return b;
}

void observed_budget_set(struct observed_store *s, struct observed_budget *b, const char *limit_amount,
			 const char *limit_unit, const char *time_unit, const char *budget_type,
			 const char *filter_expression, const char *metric, const char *actual_spend,
			 const char *forecasted_spend)
{
	struct arena *a = store_arena(s);
	const char *const v[3] = { limit_amount, actual_spend, forecasted_spend };
	size_t n;

	b->limit_unit = (char *)intern(limit_unit);
	b->time_unit = (char *)intern(time_unit);
	b->budget_type = (char *)intern(budget_type);
	b->filter_tenant = budget_filter_tenant(filter_expression);
	b->filter_is_tenant = b->filter_tenant != NULL;
	if (!b->filter_is_tenant)
		b->filter_expression = arena_strdup(a, filter_expression);
	b->metric = (char *)intern(metric);
	n = amounts_size(v);
	amounts_pack(b, n ? arena_alloc(a, n) : NULL, v);
}

/* A copy of a in arena `ar`, its constant strings interned, its subscribers' array
 * and strings in the arena. */
static void arena_alert(struct arena *ar, struct observed_alert *d, const struct observed_alert *a)
{
	d->type = (char *)intern(a->type);
	d->comparison = (char *)intern(a->comparison);
	d->threshold = a->threshold;
	d->threshold_type = (char *)intern(a->threshold_type);
	d->n_subscribers = a->n_subscribers;
	if (a->n_subscribers)
		d->subscribers = arena_alloc(ar, a->n_subscribers * sizeof(char *));
	for (size_t k = 0; k < a->n_subscribers; k++)
		d->subscribers[k] = arena_strdup(ar, a->subscribers[k]);
}

void observed_budget_set_alerts(struct observed_store *s, struct observed_budget *b, const struct observed_alert *v,
				size_t n)
{
	struct arena *ar = store_arena(s);

	b->alerts_in_arena = true;
	b->alerts = n ? arena_alloc(ar, n * sizeof(*b->alerts)) : NULL;
	b->n_alerts = n;
	for (size_t i = 0; i < n; i++)
		arena_alert(ar, &b->alerts[i], &v[i]);
}

struct observed_budget *observed_budget_dup(const struct observed_budget *b)
{
	struct observed_budget *c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(b->name);
	c->limit_unit = xstrdup_or_null(b->limit_unit);
	c->time_unit = xstrdup_or_null(b->time_unit);
	c->budget_type = xstrdup_or_null(b->budget_type);
	c->filter_is_tenant = b->filter_is_tenant;
	if (b->filter_is_tenant)
		c->filter_tenant = intern_ref(b->filter_tenant);
	else
		c->filter_expression = xstrdup_or_null(b->filter_expression);
	c->metric = xstrdup_or_null(b->metric);
	c->cost_filters = b->cost_filters;
	observed_budget_put_amounts(c, observed_budget_limit_amount(b), observed_budget_actual_spend(b),
				    observed_budget_forecasted_spend(b));
	tag_set_copy(&c->tags, &b->tags);
	c->tags_known = b->tags_known;
	c->listed = b->listed;
	c->alerts_known = b->alerts_known;
	c->alerts_audit = b->alerts_audit;
	c->n_actions = b->n_actions;
	c->actions = b->n_actions ? xcalloc(b->n_actions, sizeof(*c->actions)) : NULL;
	for (size_t i = 0; i < b->n_actions; i++)
		observed_budget_action_copy(&c->actions[i], &b->actions[i]);
	c->n_alerts = b->n_alerts;
	c->alerts = b->n_alerts ? xcalloc(b->n_alerts, sizeof(*c->alerts)) : NULL;
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct observed_alert *a = &b->alerts[i];
		struct observed_alert *d = &c->alerts[i];
		d->type = xstrdup_or_null(a->type);
		d->comparison = xstrdup_or_null(a->comparison);
		d->threshold = a->threshold;
		d->threshold_type = xstrdup_or_null(a->threshold_type);
		d->n_subscribers = a->n_subscribers;
		d->subscribers = a->n_subscribers ? xcalloc(a->n_subscribers, sizeof(char *)) : NULL;
		for (size_t k = 0; k < a->n_subscribers; k++)
			d->subscribers[k] = xstrdup(a->subscribers[k]);
	}
	return c;
}

static void unindex_budget(struct observed_store *s, struct observed_budget *b)
{
	const char *tenant = tenant_of(&b->tags, b->tags_known);
	struct observed_group *g = tenant ? hashmap_get(&s->groups, tenant) : NULL;

	touch(s, &b->tags, b->tags_known);
	if (!g)
		return;
	for (size_t i = 0; i < g->n_budgets; i++) {
		if (g->budgets[i] == b) {
			g->budgets[i] = g->budgets[--g->n_budgets];
			break;
		}
	}
	group_maybe_drop(s, tenant, g);
}

void observed_store_put_budget(struct observed_store *s, struct observed_budget *b)
{
	struct observed_budget *old = hashmap_put(&s->budgets, b->name, b);
	const char *tenant;

	if (old) {
		unindex_budget(s, old);
		observed_budget_free(old);
	}
	if (b->in_arena)
		b->tags_in_arena = tags_to_arena(s, &b->tags, b->tags_in_arena);
	tenant = tenant_of(&b->tags, b->tags_known);
	if (tenant) {
		struct observed_group *g = group_for(s, tenant, b->in_arena);
		if (g->n_budgets == g->alloc_budgets)
			group_grow(g, 2);
		g->budgets[g->n_budgets++] = b;
	} else {
		s->gen = generation_next();
	}
}

bool observed_store_remove_budget(struct observed_store *s, const char *name)
{
	struct observed_budget *b = hashmap_get(&s->budgets, name);

	if (!b)
		return false;
	unindex_budget(s, b);
	hashmap_remove(&s->budgets, name);
	observed_budget_free(b);
	return true;
}

struct observed_budget *observed_store_budget(const struct observed_store *s, const char *name)
{
	return hashmap_get(&s->budgets, name);
}

/* ---- policies ---- */

/* IAM's role names are unique without regard to case ("App" and "app" are one role,
 * and a manifest may write either): the maps key a role by its name in lower case.
 * A name longer than IAM allows is kept as it is. */
#define ROLE_KEY_MAX 128
_Static_assert(POLICY_ROLE_TEXT == ROLE_KEY_MAX + 1, "a role kept as its key's head fits POLICY_ROLE_TEXT");
static const char *role_key(const char *role, char buf[ROLE_KEY_MAX + 1])
{
	size_t n = 0;

	while (role[n] && !(role[n] >= 'A' && role[n] <= 'Z'))
		n++;
	if (!role[n]) /* in lower case already (most names): no copy */
		return role;
	n += strlen(role + n);
	if (n > ROLE_KEY_MAX)
		return role;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)role[i]);
	return buf;
}

char *observed_policy_key(const char *role, const char *name)
{
	char buf[ROLE_KEY_MAX + 1];

	return xasprintf("%s\n%s", role_key(role, buf), name);
}

struct observed_policy *observed_policy_dup(const struct observed_policy *p)
{
	struct observed_policy *c = xcalloc(1, sizeof(*c));
	char role_buf[POLICY_ROLE_TEXT];

	c->role = xstrdup(observed_policy_role(p, role_buf));
	c->name = xstrdup(p->name);
	c->document = xstrdup_or_null(p->document);
	c->has_hash = p->has_hash;
	c->hash_packed = p->hash_packed;
	if (p->hash_packed)
		memcpy(c->hash.packed, p->hash.packed, sizeof(c->hash.packed));
	else if (p->has_hash)
		c->hash.text = xstrdup(p->hash.text);
	c->chars = p->chars;
	c->role_missing = p->role_missing;
	observed_policy_copy_others(c, p);
	return c;
}

void observed_policy_free(struct observed_policy *p)
{
	if (!p)
		return;
	if (p->in_arena) { /* its memory goes with its store's policies arena */
		free(p->document);
		free(p->others);
		return;
	}
	free(p->key);
	free(p->role);
	free(p->name);
	free(p->document);
	free(p->others);
	if (p->has_hash && !p->hash_packed)
		free(p->hash.text);
	free(p);
}

/* A policy's size in its 32 bits (IAM's documents are a few KB: never reached). */
static uint32_t policy_chars32(size_t chars)
{
	return chars < UINT32_MAX ? (uint32_t)chars : UINT32_MAX;
}

struct observed_policy *observed_store_new_policy(struct observed_store *s, const char *role, const char *name,
						  const char *hash, size_t chars)
{
	char buf[ROLE_KEY_MAX + 1];
	const char *lower = role_key(role, buf);
	size_t n_lower = strlen(lower), n_name = strlen(name), n_role = strlen(role), n_text = 0;
	/* the key's head is the role as written (no copy was made to lower it), and
	 * observed_policy_role's buffer holds it */
	bool role_is_head = lower == role && n_role <= ROLE_KEY_MAX && strcspn(role, "\n") == n_role;
	size_t n_own_role = role_is_head ? 0 : n_role + 1;
	struct observed_policy *p;
	char *str;
	unsigned char packed[POLICY_HASH_BYTES];
	bool is_packed = hash && policy_hash_pack(hash, packed);

	if (hash && !is_packed)
		n_text = strlen(hash) + 1;

	if (!s->policies_arena)
		s->policies_arena = arena_new();
	p = arena_alloc(s->policies_arena, sizeof(*p));
	p->in_arena = true;
	/* one string, "lowerrole\nNAME\0ROLE\0" (the key, the role as written unless
	 * it is the key's head; a hash not of policy_hash's form after them): the name
	 * is the key's tail, not interned (a tenant's own, by default:
	 * bedrock-tenantd-{tenant}); one allocation, not the key's malloc and two
	 * copies */
	str = arena_alloc(s->policies_arena, n_lower + 1 + n_name + 1 + n_own_role + n_text);
	p->key = str;
	memcpy(str, lower, n_lower);
	str[n_lower] = '\n';
	p->name = str + n_lower + 1;
	memcpy(p->name, name, n_name + 1);
	str = p->name + n_name + 1;
	if (!role_is_head) {
		p->role = str;
		memcpy(p->role, role, n_own_role);
		str += n_own_role;
	}
	p->has_hash = hash != NULL;
	p->hash_packed = is_packed;
	if (is_packed) {
		memcpy(p->hash.packed, packed, sizeof(packed));
	} else if (hash) {
		p->hash.text = str;
		memcpy(p->hash.text, hash, n_text);
	}
	p->chars = policy_chars32(chars);
	return p;
}

/* r's characters: plus `add`, less `sub` (never below 0); of them elsewhere, plus
 * `add_elsewhere` less `sub_elsewhere`. */
static void role_chars(struct observed_store *s, struct observed_role *r, size_t add, size_t sub, size_t add_elsewhere,
		       size_t sub_elsewhere)
{
	content_digest_sub(&s->roles_digest, observed_role_digest(r));
	r->policy_chars -= sub < r->policy_chars ? (uint32_t)sub : r->policy_chars;
	r->policy_chars += (uint32_t)add;
	r->elsewhere_chars -= sub_elsewhere < r->elsewhere_chars ? (uint32_t)sub_elsewhere : r->elsewhere_chars;
	r->elsewhere_chars += (uint32_t)add_elsewhere;
	content_digest_add(&s->roles_digest, observed_role_digest(r));
}

/* The role's aggregate follows every change of one of its policies. */
static void count_role(struct observed_store *s, const char *role, const struct observed_policy *gone,
		       const struct observed_policy *added)
{
	char buf[ROLE_KEY_MAX + 1];
	struct observed_role *r = hashmap_get(&s->roles, role_key(role, buf));

	if (r)
		role_chars(s, r, added ? added->chars : 0, gone ? gone->chars : 0, 0, 0);
}

void observed_store_count_policy_elsewhere(struct observed_store *s, const char *role, size_t chars)
{
	char buf[ROLE_KEY_MAX + 1];
	struct observed_role *r = hashmap_get(&s->roles, role_key(role, buf));

	if (r) {
		s->policies_gen = generation_next();
		role_chars(s, r, chars, 0, chars, 0);
	}
}

void observed_store_bring_policy(struct observed_store *s, const struct observed_policy *p)
{
	char buf[ROLE_KEY_MAX + 1], role_buf[POLICY_ROLE_TEXT];
	struct observed_role *r = hashmap_get(&s->roles, role_key(observed_policy_role(p, role_buf), buf));

	/* its count stood for it: the policy itself replaces it */
	if (r && r->elsewhere_chars >= p->chars)
		role_chars(s, r, 0, p->chars, 0, p->chars);
	observed_store_put_policy(s, observed_policy_dup(p));
}

/* Policies in and out of s->policies go through these, for its digest. */
static void policy_in(struct observed_store *s, struct observed_policy *p)
{
	p->digest = observed_policy_digest(p);
	content_digest_add(&s->policies_digest, p->digest);
}

static void policy_out(struct observed_store *s, const struct observed_policy *p)
{
	if (p)
		content_digest_sub(&s->policies_digest, p->digest);
}

void observed_policy_copy_others(struct observed_policy *dst, const struct observed_policy *src)
{
	size_t bytes;

	free(dst->others);
	dst->others = NULL;
	dst->others_known = src && src->others_known;
	if (src && src->others) {
		bytes = sizeof(*src->others) + src->others->n * sizeof(size_t);
		dst->others = xmalloc(bytes);
		memcpy(dst->others, src->others, bytes);
	}
}

size_t observed_policy_n_others(const struct observed_policy *p)
{
	return p->others ? p->others->n : 0;
}

const size_t *observed_policy_other_sizes(const struct observed_policy *p)
{
	return p->others ? p->others->sizes : NULL;
}

int64_t observed_policy_others_read_at(const struct observed_policy *p)
{
	return p->others ? p->others->read_at : 0;
}

void observed_policy_add_other(struct observed_policy *p, size_t size)
{
	size_t n = observed_policy_n_others(p);
	bool fresh = !p->others;

	p->others = xrealloc(p->others, sizeof(*p->others) + (n + 1) * sizeof(size_t));
	if (fresh) /* its time not noted yet */
		p->others->read_at = 0;
	p->others->n = n + 1;
	p->others->sizes[n] = size;
}

void observed_policy_set_others_read_at(struct observed_policy *p, int64_t at)
{
	if (!p->others)
		p->others = xcalloc(1, sizeof(*p->others));
	p->others->read_at = at;
}

void observed_store_put_policy(struct observed_store *s, struct observed_policy *p)
{
	struct observed_policy *old;
	char role_buf[POLICY_ROLE_TEXT];

	if (!p->key)
		p->key = observed_policy_key(p->role, p->name);
	if (p->document) {
		p->chars = policy_chars32(policy_size(p->document));
		if (!p->has_hash)
			observed_policy_set_hash(p, policy_hash(p->document));
	} else if (!p->has_hash) {
		p->chars = 0;
	}
	s->policies_gen = generation_next();
	policy_in(s, p);
	old = hashmap_put(&s->policies, p->key, p);
	policy_out(s, old);
	count_role(s, observed_policy_role(p, role_buf), old, p);
	observed_policy_free(old);
}

void observed_store_policy_digest_only(struct observed_store *s, const char *role, const char *name)
{
	char *key = observed_policy_key(role, name);
	struct observed_policy *p = hashmap_get(&s->policies, key);

	if (p && p->has_hash && p->document) {
		policy_out(s, p);
		free(p->document);
		p->document = NULL;
		policy_in(s, p);
	}
	free(key);
}

bool observed_policy_exists(const struct observed_policy *p)
{
	return p && p->has_hash;
}

const char *observed_policy_role(const struct observed_policy *p, char buf[POLICY_ROLE_TEXT])
{
	size_t n;

	if (p->role)
		return p->role;
	n = strcspn(p->key, "\n"); /* at most ROLE_KEY_MAX (observed_store_new_policy) */
	memcpy(buf, p->key, n);
	buf[n] = '\0';
	return buf;
}

const char *observed_policy_hash(const struct observed_policy *p, char buf[POLICY_HASH_TEXT])
{
	if (!observed_policy_exists(p))
		return NULL;
	if (!p->hash_packed)
		return p->hash.text;
	policy_hash_unpack(p->hash.packed, buf);
	return buf;
}

bool observed_policy_hash_is(const struct observed_policy *p, const char *hash)
{
	if (!observed_policy_exists(p))
		return false;
	if (p->hash_packed)
		return policy_hash_packed_is(p->hash.packed, hash);
	return strcmp(p->hash.text, hash) == 0;
}

void observed_policy_set_hash(struct observed_policy *p, char *hash)
{
	if (p->has_hash && !p->hash_packed && !p->in_arena)
		free(p->hash.text);
	p->has_hash = hash != NULL;
	p->hash_packed = hash && policy_hash_pack(hash, p->hash.packed);
	if (p->hash_packed)
		free(hash);
	else if (hash)
		p->hash.text = hash;
}

bool observed_policy_same(const struct observed_policy *p, const char *doc, const char *hash)
{
	if (!observed_policy_exists(p))
		return false;
	if (observed_policy_hash_is(p, hash))
		return true;
	return p->document && policy_equal(p->document, doc); /* the same grants, written otherwise */
}

void observed_store_remove_policy(struct observed_store *s, const char *role, const char *name)
{
	char *key = observed_policy_key(role, name);
	struct observed_policy *old = hashmap_remove(&s->policies, key);

	s->policies_gen = generation_next();
	policy_out(s, old);
	count_role(s, role, old, NULL);
	observed_policy_free(old);
	free(key);
}

void observed_store_put_role(struct observed_store *s, const char *name)
{
	char buf[ROLE_KEY_MAX + 1];
	struct observed_role *r;

	name = role_key(name, buf);
	if (hashmap_get(&s->roles, name))
		return;
	s->policies_gen = generation_next();
	/* the store's arena: a bulk read's roles live as long as its store (one per
	 * tenant and role) and are never removed alone */
	r = arena_alloc(store_arena(s), sizeof(*r) + strlen(name) + 1);
	strcpy(r->name, name);
	content_digest_add(&s->roles_digest, observed_role_digest(r));
	hashmap_put(&s->roles, r->name, r);
}

const struct observed_role *observed_store_role(const struct observed_store *s, const char *name)
{
	char buf[ROLE_KEY_MAX + 1];

	return hashmap_get(&s->roles, role_key(name, buf));
}

bool observed_store_role_other_policy_chars(const struct observed_store *s, const char *role, const char *policy,
					    size_t *ret)
{
	const struct observed_role *r = observed_store_role(s, role);
	const struct observed_policy *own;

	if (!r)
		return false;
	own = observed_store_policy(s, role, policy);
	*ret = r->policy_chars - (own && own->chars <= r->policy_chars ? own->chars : 0);
	return true;
}

const struct observed_policy *observed_store_policy(const struct observed_store *s, const char *role, const char *name)
{
	/* IAM's names fit (a role's 64 characters, a policy's 128): no allocation per look-up */
	char buf[256], role_buf[ROLE_KEY_MAX + 1];
	int n = snprintf(buf, sizeof(buf), "%s\n%s", role_key(role, role_buf), name);
	char *key;
	const struct observed_policy *p;

	if (n >= 0 && (size_t)n < sizeof(buf))
		return hashmap_get(&s->policies, buf);
	key = observed_policy_key(role, name);
	p = hashmap_get(&s->policies, key);
	free(key);
	return p;
}

void observed_store_take_policies(struct observed_store *dst, struct observed_store *src)
{
	size_t pos = 0;
	const char *key;
	void *v;

	dst->policies_gen = generation_next();
	src->policies_gen = generation_next();
	if (!dst->policies.n) {
		/* a listing has none: the whole map changes hands, nothing is copied */
		struct hashmap empty = dst->policies;
		struct arena *arena = dst->policies_arena; /* the entries go with their arena */
		dst->policies = src->policies;
		src->policies = empty;
		dst->policies_arena = src->policies_arena;
		src->policies_arena = arena;
		dst->policies_digest = src->policies_digest;
		memset(&src->policies_digest, 0, sizeof(src->policies_digest));
		return;
	}
	while (hashmap_next(&src->policies, &pos, &key, &v)) {
		struct observed_policy *old = hashmap_put(&dst->policies, key, v);
		policy_out(dst, old);
		content_digest_add(&dst->policies_digest, ((struct observed_policy *)v)->digest);
		observed_policy_free(old);
	}
	hashmap_release(&src->policies, NULL); /* empty again, keyed still */
	memset(&src->policies_digest, 0, sizeof(src->policies_digest));
	if (!dst->policies_arena)
		dst->policies_arena = src->policies_arena;
	else
		arena_adopt(dst->policies_arena, src->policies_arena);
	src->policies_arena = NULL;
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

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && strcmp(a, b) == 0);
}

static bool owned_has_name(const struct ptr_list *owned, const char *name)
{
	for (size_t i = 0; i < owned->n; i++)
		if (same_name(((const struct observed_profile *)owned->v[i])->name, name))
			return true;
	return false;
}

static bool params_have_name(const struct ptr_list *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++)
		if (same_name(((const struct observed_parameter *)params->v[i])->name, name))
			return true;
	return false;
}

/* A profile at one of the tenant's desired names (each derived from its id and the
 * profile's spec) that this instance made for that profile and spec (its tags say
 * so) is the tenant's, whatever tenant its tags name: that tag was edited by hand, and
 * the tenant's diff sets it back. One made by hand at the name is not: a conflict. */
static bool claimed_by_name(const struct observed_profile *p, const char *instance, const struct profile *dp)
{
	const char *key = p->tags_known ? tag_set_get(&p->tags, TAG_PROFILE) : NULL;
	const char *spec = p->tags_known ? tag_set_get(&p->tags, TAG_SPEC) : NULL;

	return tags_owned_by(&p->tags, instance) && key && spec && strcmp(key, dp->key) == 0 &&
	       strcmp(spec, dp->spec_hash) == 0;
}

void observed_tenant_collect(const struct observed_store *s, const char *instance, const char *tenant_id,
			     const struct tenant *desired, struct observed_tenant *ret)
{
	const struct observed_group *g = observed_store_group(s, tenant_id);
	struct ptr_list owned = { 0 }, foreign = { 0 }, unknown = { 0 }, params = { 0 }, budgets = { 0 };
	bool names_unique = s->n_named == s->profile_names.n;

	if (g) {
		for (size_t i = 0; i < g->n_profiles; i++)
			if (owned_by_defined_tenant(s, &g->profiles[i]->tags, g->profiles[i]->name, instance, tenant_id,
						    desired))
				ptr_list_add(&owned, g->profiles[i]);
		for (size_t i = 0; i < g->n_parameters; i++)
			if (owned_by_defined_tenant(s, &g->parameters[i]->tags, g->parameters[i]->name, instance,
						    tenant_id, desired))
				ptr_list_add(&params, g->parameters[i]);
		for (size_t i = 0; i < g->n_budgets; i++)
			if (owned_by_defined_tenant(s, &g->budgets[i]->tags, g->budgets[i]->name, instance, tenant_id,
						    desired))
				ptr_list_add(&budgets, g->budgets[i]);
	}
	if (desired && desired->budget_name) {
		const struct observed_budget *b = observed_store_budget(s, desired->budget_name);
		if (b)
			ptr_list_add(&budgets, b);
	}
	for (size_t i = 0; desired && i < desired->n_profiles; i++) {
		const struct profile *dp = &desired->profiles[i];
		const struct observed_profile *p = NULL;
		const struct observed_parameter *q = NULL;

		/* A name the group's owned entries hold needs no look-up: a parameter's name
		 * is its key, and a profile's names that none share map to the one holding it
		 * (when two share one, the index holds either: looked up). */
		if (dp->name && !(names_unique && owned_has_name(&owned, dp->name)))
			p = observed_store_profile_by_name(s, dp->name);
		if (dp->parameter && !params_have_name(&params, dp->parameter))
			q = observed_store_parameter(s, dp->parameter);

		if (p && !ptr_list_has(&owned, p))
			ptr_list_add(claimed_by_name(p, instance, dp) ? &owned
				     : p->tags_known		      ? &foreign
								      : &unknown,
				     p);
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
	ret->budgets = (const struct observed_budget **)budgets.v;
	ret->n_budgets = budgets.n;
	ret->budgets_listed = s->budgets_listed;
	ret->store = s;
}

void observed_tenant_release(struct observed_tenant *t)
{
	free(t->owned);
	free(t->foreign);
	free(t->unknown);
	free(t->parameters);
	free(t->budgets);
	memset(t, 0, sizeof(*t));
}
