#include "model.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "slab.h"
#include "strv.h"
#include "xalloc.h"

void tag_set_init(struct tag_set *set)
{
	set->items = NULL;
	set->keys = NULL;
	set->n = 0;
	set->alloc = 0;
}

void tag_set_release(struct tag_set *set)
{
	if (set->keys) { /* packed: the values' memory is the packer's */
		for (size_t i = 0; i < set->n; i++)
			intern_unref(intern_handle_str(set->values[i]));
		intern_list_unref(set->keys);
		tag_set_init(set);
		return;
	}
	if (set->alloc == TAG_SET_SHARED) {
		intern_list_unref((const char *const *)set->items);
		tag_set_init(set);
		return;
	}
	for (size_t i = 0; i < set->n; i++) {
		intern_unref(set->items[i].key);
		intern_unref(set->items[i].value);
	}
	free(set->items);
	tag_set_init(set);
}

/* A packed or shared set made a built one, before a write: the same pairs, the
 * references moved (a list's own go with it). */
static void unpack(struct tag_set *set)
{
	struct tag *items;

	if (set->alloc == TAG_SET_SHARED) {
		items = xcalloc(set->n, sizeof(*items));
		for (size_t i = 0; i < set->n; i++) {
			items[i].key = intern_ref(set->items[i].key);
			items[i].value = intern_ref(set->items[i].value);
		}
		intern_list_unref((const char *const *)set->items);
		set->items = items;
		set->alloc = set->n;
		return;
	}
	if (!set->keys)
		return;
	items = xcalloc(set->n, sizeof(*items));
	for (size_t i = 0; i < set->n; i++) {
		items[i].key = intern_ref(set->keys[i]);
		items[i].value = intern_handle_str(set->values[i]);
	}
	intern_list_unref(set->keys);
	set->keys = NULL;
	set->items = items;
	set->alloc = set->n;
}

bool tag_set_pack(struct tag_set *set, uint32_t *mem)
{
	const char *small[AWS_TAGS_PER_RESOURCE], **keys;
	uint32_t small_h[AWS_TAGS_PER_RESOURCE], *h;

	if (set->keys || !set->n)
		return false;
	/* every value's handle first, one look-up of the pool for the set (keys[] holds
	 * the values meanwhile): mem is written only when the set is packed */
	keys = set->n <= AWS_TAGS_PER_RESOURCE ? small : xcalloc(set->n, sizeof(*keys));
	h = set->n <= AWS_TAGS_PER_RESOURCE ? small_h : xcalloc(set->n, sizeof(*h));
	for (size_t i = 0; i < set->n; i++)
		keys[i] = tag_set_value(set, i);
	if (!intern_handles(keys, set->n, h)) {
		if (h != small_h)
			free(h);
		if (keys != small)
			free(keys);
		return false;
	}
	memcpy(mem, h, set->n * sizeof(*h));
	if (h != small_h)
		free(h);
	if (set->alloc == TAG_SET_SHARED)
		unpack(set);
	for (size_t i = 0; i < set->n; i++)
		keys[i] = set->items[i].key;
	set->keys = intern_list(keys, set->n); /* its own reference to each key */
	for (size_t i = 0; i < set->n; i++)
		intern_unref(set->items[i].key); /* the values' references move to mem */
	if (keys != small)
		free(keys);
	free(set->items);
	set->values = mem;
	set->alloc = 0;
	return true;
}

void tag_set_share(struct tag_set *set)
{
	const char *const *list;

	if (set->keys || !set->n || set->alloc == TAG_SET_SHARED)
		return;
	/* a pair is two pointers: the list of 2n strings is the pairs' array */
	list = intern_list((const char *const *)set->items, 2 * (size_t)set->n);
	for (size_t i = 0; i < set->n; i++) {
		intern_unref(set->items[i].key);
		intern_unref(set->items[i].value);
	}
	free(set->items);
	set->items = (struct tag *)(void *)(uintptr_t)list;
	set->alloc = TAG_SET_SHARED;
}

/* Index of key, or of where it would be inserted; *found tells which. */
static size_t tag_find(const struct tag_set *set, const char *key, bool *found)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(tag_set_key(set, mid), key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Make room for a new key at index i (from tag_find) and return the slot (a built set). */
static struct tag *tag_insert_at(struct tag_set *set, size_t i)
{
	XGROW(set->items, set->n + 1, set->alloc);
	memmove(&set->items[i + 1], &set->items[i], (set->n - i) * sizeof(set->items[0]));
	set->n++;
	return &set->items[i];
}

void tag_set_reserve(struct tag_set *set, size_t n)
{
	unpack(set);
	if (n <= set->alloc)
		return;
	set->items = xreallocarray(set->items, n, sizeof(set->items[0]));
	set->alloc = n;
}

void tag_set_put(struct tag_set *set, const char *key, const char *value)
{
	bool found;
	size_t i;
	struct tag *slot;

	unpack(set);
	i = tag_find(set, key, &found);
	if (found) {
		const char *old = set->items[i].value;
		set->items[i].value = intern(value);
		intern_unref(old); /* after: value may be old itself */
		return;
	}
	slot = tag_insert_at(set, i);
	slot->key = intern(key);
	slot->value = intern(value);
}

void tag_view_put(struct tag_set *view, const char *key, const char *value)
{
	bool found;
	size_t i = tag_find(view, key, &found);
	struct tag *slot = found ? &view->items[i] : tag_insert_at(view, i);

	slot->key = key;
	slot->value = value;
}

void tag_view_add_all(struct tag_set *view, const struct tag_set *src)
{
	if (!view->n) { /* the common first step: src is sorted already */
		XGROW(view->items, src->n, view->alloc);
		for (size_t i = 0; src->keys && i < src->n; i++)
			view->items[i] = (struct tag){ src->keys[i], intern_handle_str(src->values[i]) };
		if (src->n && !src->keys)
			memcpy(view->items, src->items, src->n * sizeof(src->items[0]));
		view->n = src->n;
		return;
	}
	for (size_t i = 0; i < src->n; i++)
		tag_view_put(view, tag_set_key(src, i), tag_set_value(src, i));
}

void tag_view_release(struct tag_set *view)
{
	free(view->items);
	tag_set_init(view);
}

bool tag_set_remove(struct tag_set *set, const char *key)
{
	bool found;
	size_t i = tag_find(set, key, &found);

	if (!found)
		return false;
	unpack(set); /* the same index */
	intern_unref(set->items[i].key);
	intern_unref(set->items[i].value);
	memmove(&set->items[i], &set->items[i + 1], (set->n - i - 1) * sizeof(set->items[0]));
	set->n--;
	return true;
}

const char *tag_set_get(const struct tag_set *set, const char *key)
{
	bool found;
	size_t i = tag_find(set, key, &found);

	return found ? tag_set_value(set, i) : NULL;
}

const char *tag_set_get_interned(const struct tag_set *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (tag_set_key(set, i) == key)
			return tag_set_value(set, i);
	return tag_set_get(set, key);
}

/* The reserved keys' interned copies: one reference each, held for the process. */
static pthread_once_t reserved_once = PTHREAD_ONCE_INIT;
static const char *reserved[5];

static void reserved_init(void)
{
	static const char *const keys[] = { TAG_MANAGED_BY, TAG_TENANT, TAG_PROFILE, TAG_MODEL, TAG_SPEC };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		reserved[i] = intern(keys[i]);
}

static const char *reserved_key(size_t i)
{
	pthread_once(&reserved_once, reserved_init);
	return reserved[i];
}

const char *tag_key_managed_by(void)
{
	return reserved_key(0);
}

const char *tag_key_tenant(void)
{
	return reserved_key(1);
}

const char *tag_key_profile(void)
{
	return reserved_key(2);
}

const char *tag_key_model(void)
{
	return reserved_key(3);
}

const char *tag_key_spec(void)
{
	return reserved_key(4);
}

void tag_set_copy(struct tag_set *dst, const struct tag_set *src)
{
	tag_set_init(dst);
	if (!src->n)
		return;
	dst->items = xcalloc(src->n, sizeof(dst->items[0]));
	dst->alloc = src->n;
	for (size_t i = 0; i < src->n; i++) {
		/* intern(), not intern_ref(): a view's strings need not be interned */
		dst->items[i].key = intern(tag_set_key(src, i));
		dst->items[i].value = intern(tag_set_value(src, i));
	}
	dst->n = src->n;
}

bool tag_set_equal(const struct tag_set *a, const struct tag_set *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(tag_set_key(a, i), tag_set_key(b, i)) || strcmp(tag_set_value(a, i), tag_set_value(b, i)))
			return false;
	return true;
}

const char *deletion_policy_name(enum deletion_policy p)
{
	return p == DELETION_RETAIN ? "retain" : "delete";
}

const char *budget_period_name(enum budget_period p)
{
	switch (p) {
	case BUDGET_QUARTERLY:
		return "quarterly";
	case BUDGET_ANNUALLY:
		return "annually";
	case BUDGET_MONTHLY:
		break;
	}
	return "monthly";
}

const char *alert_type_name(enum alert_type t)
{
	return t == ALERT_FORECASTED ? "forecasted" : "actual";
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The references an alert holds (its addresses and topic), not its arrays. */
static void alert_unref(const struct alert *a)
{
	for (size_t k = 0; k < a->n_emails; k++)
		intern_unref(a->emails[k]);
	intern_unref(a->sns_topic);
}

void alert_release(struct alert *a)
{
	alert_unref(a);
	free(a->emails);
	memset(a, 0, sizeof(*a));
}

void budget_free(struct budget *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_alerts; i++)
		alert_release(&b->alerts[i]);
	free(b->alerts);
	free(b->limit_usd);
	free(b);
}

void profile_release(struct profile *p)
{
	intern_unref(p->key);
	intern_unref(p->model);
	free(p->description);
	tag_set_release(&p->tags);
	free(p->name);
	intern_unref(p->parameter);
	memset(p, 0, sizeof(*p));
}

struct tenant *tenant_ref(struct tenant *t)
{
	t->extra_owners++;
	return t;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copies s to *pos in the block and advances it; NULL stays NULL. */
static char *place_str(char **pos, char *s)
{
	size_t n = str_size(s);
	char *r;

	if (!s)
		return NULL;
	r = memcpy(*pos, s, n);
	*pos += n;
	free(s);
	return r;
}

/* The bytes a budget takes in a block: its struct, its alerts and their e-mail arrays
 * (all pointer-aligned), then its limit (the addresses and topics are interned). */
static size_t budget_size(const struct budget *b)
{
	size_t size;

	if (!b)
		return 0;
	size = sizeof(*b) + b->n_alerts * sizeof(*b->alerts) + str_size(b->limit_usd);
	for (size_t i = 0; i < b->n_alerts; i++)
		size += b->alerts[i].n_emails * sizeof(char *);
	return size;
}

/* Moves budget b into the block at pos (aligned; budget_size(b) bytes) and frees its
 * parts: a parsed tenant's budget is four malloc chunks or more otherwise (the
 * struct, the limit, the alerts, each alert's e-mail array), about a third of them
 * headers and rounding. The addresses' and topics' references move with the alerts. */
static struct budget *place_budget(char *pos, struct budget *b)
{
	struct budget *nb = (struct budget *)(void *)pos;
	struct alert *alerts = b->n_alerts ? (struct alert *)(void *)(pos + sizeof(*b)) : NULL;
	char **emails = (char **)(void *)(pos + sizeof(*b) + b->n_alerts * sizeof(*b->alerts));
	char *str;

	*nb = *b;
	nb->alerts = alerts;
	str = (char *)(emails);
	for (size_t i = 0; i < b->n_alerts; i++)
		str += b->alerts[i].n_emails * sizeof(char *);
	nb->limit_usd = place_str(&str, b->limit_usd);
	for (size_t i = 0; i < b->n_alerts; i++) {
		struct alert *a = &b->alerts[i];
		alerts[i] = *a;
		alerts[i].emails = a->n_emails ? emails : NULL;
		for (size_t k = 0; k < a->n_emails; k++)
			*emails++ = a->emails[k];
		free(a->emails);
	}
	free(b->alerts);
	free(b);
	return nb;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct tenant *tenant_compact(struct tenant *t)
{
	size_t arrays, size, budget_at, file_at;
	char *block, *pos;
	struct tenant *c;

	if (t->compact || !t->revision || t->extra_owners)
		return t;
	arrays = sizeof(*t) + t->n_profiles * sizeof(*t->profiles) + t->n_roles * sizeof(*t->roles);
	size = arrays + str_size(t->policy_name) + str_size(t->budget_name);
	for (size_t i = 0; i < t->n_profiles; i++)
		size += str_size(t->profiles[i].name) + str_size(t->profiles[i].description);
	for (size_t i = 0; i < t->n_roles; i++)
		size += str_size(t->roles[i]);
	/* the budget at the next 8 bytes: its struct and arrays hold pointers and doubles */
	budget_at = align8(size);
	file_at = t->budget ? budget_at + budget_size(t->budget) : size;
	size = file_at + str_size(t->file);
	block = slab_alloc(size);
	c = memcpy(block, t, sizeof(*t)); /* the tag set and every reference move with it */
	c->profiles = t->n_profiles ? memcpy(block + sizeof(*t), t->profiles, t->n_profiles * sizeof(*t->profiles))
				    : NULL;
	c->roles = t->n_roles ? (char **)(void *)(block + sizeof(*t) + t->n_profiles * sizeof(*t->profiles)) : NULL;
	pos = block + arrays;
	for (size_t i = 0; i < c->n_profiles; i++) {
		c->profiles[i].name = place_str(&pos, c->profiles[i].name);
		c->profiles[i].description = place_str(&pos, c->profiles[i].description);
	}
	for (size_t i = 0; i < c->n_roles; i++)
		c->roles[i] = place_str(&pos, t->roles[i]);
	c->policy_name = place_str(&pos, t->policy_name);
	c->budget_name = place_str(&pos, t->budget_name);
	if (t->budget)
		c->budget = place_budget(block + budget_at, t->budget);
	pos = block + file_at;
	c->file = place_str(&pos, t->file);
	c->file_in_block = c->file != NULL;
	c->compact = true;
	c->slab_units = size <= SLAB_MAX ? (size + 7) / 8 : 0;
	free(t->profiles);
	free(t->roles);
	free(t);
	return c;
}

void tenant_set_file(struct tenant *t, const char *file)
{
	if (!t->file_in_block)
		free(t->file);
	t->file = xstrdup_or_null(file);
	t->file_in_block = false;
}

void tenant_free(struct tenant *t)
{
	if (!t)
		return;
	if (t->extra_owners) {
		t->extra_owners--;
		return;
	}
	intern_unref(t->id);
	intern_unref(t->department);
	intern_unref(t->project);
	intern_unref(t->region);
	intern_unref(t->account);
	intern_unref(t->pool);
	intern_unref(t->revision);
	tag_set_release(&t->tags);
	if (!t->file_in_block)
		free(t->file);
	if (t->compact) { /* the tenant's block: its arrays, its budget and its strings too */
		for (size_t i = 0; i < t->n_profiles; i++) {
			struct profile *p = &t->profiles[i];
			intern_unref(p->key);
			intern_unref(p->model);
			tag_set_release(&p->tags);
			intern_unref(p->parameter);
		}
		for (size_t i = 0; t->budget && i < t->budget->n_alerts; i++)
			alert_unref(&t->budget->alerts[i]);
		if (t->slab_units)
			slab_free(t, (size_t)t->slab_units * 8);
		else
			free(t); /* larger than the slabs take: slab_alloc malloc'd it */
		return;
	}
	for (size_t i = 0; i < t->n_profiles; i++)
		profile_release(&t->profiles[i]);
	free(t->profiles);
	free_strv(t->roles, t->n_roles);
	budget_free(t->budget);
	free(t->budget_name);
	free(t->policy_name);
	free(t);
}

static struct budget *budget_dup(const struct budget *b)
{
	struct budget *c;

	if (!b)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->limit_usd = xstrdup(b->limit_usd);
	c->period = b->period;
	c->enforce = b->enforce;
	c->enforce_at_percent = b->enforce_at_percent;
	c->n_alerts = b->n_alerts;
	c->alerts = b->n_alerts ? xcalloc(b->n_alerts, sizeof(*c->alerts)) : NULL;
	for (size_t i = 0; i < b->n_alerts; i++) {
		const struct alert *a = &b->alerts[i];
		c->alerts[i].threshold_percent = a->threshold_percent;
		c->alerts[i].type = a->type;
		c->alerts[i].emails = a->n_emails ? xcalloc(a->n_emails, sizeof(char *)) : NULL;
		for (size_t k = 0; k < a->n_emails; k++)
			c->alerts[i].emails[k] = (char *)intern_ref(a->emails[k]);
		c->alerts[i].n_emails = a->n_emails;
		c->alerts[i].sns_topic = intern_ref(a->sns_topic);
	}
	return c;
}

struct tenant *tenant_dup(const struct tenant *t)
{
	struct tenant *c = xcalloc(1, sizeof(*c));

	c->id = intern_ref(t->id);
	c->department = intern_ref(t->department);
	c->project = intern_ref(t->project);
	c->region = intern_ref(t->region);
	c->account = intern_ref(t->account);
	c->pool = intern_ref(t->pool);
	c->region_set = t->region_set;
	tag_set_copy(&c->tags, &t->tags);
	c->n_profiles = t->n_profiles;
	c->profiles = t->n_profiles ? xcalloc(t->n_profiles, sizeof(*c->profiles)) : NULL;
	for (size_t i = 0; i < t->n_profiles; i++) {
		const struct profile *p = &t->profiles[i];
		struct profile *q = &c->profiles[i];
		q->key = intern_ref(p->key);
		q->model = intern_ref(p->model);
		q->model_kind = p->model_kind;
		q->description = xstrdup_or_null(p->description);
		tag_set_copy(&q->tags, &p->tags);
		memcpy(q->spec_hash, p->spec_hash, sizeof(q->spec_hash));
		q->name = xstrdup_or_null(p->name);
		q->parameter = intern_ref(p->parameter);
		q->line = p->line;
		q->col = p->col;
	}
	c->budget = budget_dup(t->budget);
	c->roles = strv_dup(t->roles, t->n_roles);
	c->n_roles = t->n_roles;
	c->deletion_policy = t->deletion_policy;
	c->suspended = t->suspended;
	c->budget_name = xstrdup_or_null(t->budget_name);
	c->policy_name = xstrdup_or_null(t->policy_name);
	c->file = xstrdup_or_null(t->file);
	c->revision = t->revision ? intern_ref(t->revision) : NULL;
	return c;
}

const struct profile *tenant_profile(const struct tenant *t, const char *key)
{
	size_t lo = 0, hi = t->n_profiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->profiles[mid].key, key);
		if (c == 0)
			return &t->profiles[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool tenant_has_role(const struct tenant *t, const char *role)
{
	size_t lo = 0, hi = t->n_roles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->roles[mid], role);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool profile_equal(const struct profile *a, const struct profile *b)
{
	return str_eq(a->key, b->key) && str_eq(a->model, b->model) && a->model_kind == b->model_kind &&
	       str_eq(a->description, b->description) && tag_set_equal(&a->tags, &b->tags) &&
	       !strcmp(a->spec_hash, b->spec_hash) && str_eq(a->name, b->name) && str_eq(a->parameter, b->parameter);
}

static bool budget_equal(const struct budget *a, const struct budget *b)
{
	if (!a || !b)
		return a == b;
	if (!str_eq(a->limit_usd, b->limit_usd) || a->period != b->period || a->n_alerts != b->n_alerts)
		return false;
	if (a->enforce != b->enforce || (a->enforce && a->enforce_at_percent != b->enforce_at_percent))
		return false;
	for (size_t i = 0; i < a->n_alerts; i++) {
		const struct alert *x = &a->alerts[i], *y = &b->alerts[i];
		if (x->threshold_percent != y->threshold_percent || x->type != y->type ||
		    !strv_equal(x->emails, x->n_emails, y->emails, y->n_emails) || !str_eq(x->sns_topic, y->sns_topic))
			return false;
	}
	return true;
}

bool tenant_equal(const struct tenant *a, const struct tenant *b)
{
	if (!a || !b)
		return a == b;
	if (!str_eq(a->id, b->id) || !str_eq(a->department, b->department) || !str_eq(a->project, b->project) ||
	    !str_eq(a->region, b->region) || !str_eq(a->account, b->account) || !str_eq(a->pool, b->pool) ||
	    a->region_set != b->region_set || !tag_set_equal(&a->tags, &b->tags) || a->n_profiles != b->n_profiles ||
	    !budget_equal(a->budget, b->budget) || !strv_equal(a->roles, a->n_roles, b->roles, b->n_roles) ||
	    a->deletion_policy != b->deletion_policy || a->suspended != b->suspended ||
	    !str_eq(a->budget_name, b->budget_name) || !str_eq(a->policy_name, b->policy_name))
		return false;
	for (size_t i = 0; i < a->n_profiles; i++)
		if (!profile_equal(&a->profiles[i], &b->profiles[i]))
			return false;
	return true;
}
