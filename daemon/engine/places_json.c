/* GET /v1/places: every place the engine knows, with its tenants, what its listing
 * shows against the quotas, the roles its tenants use, and the tenants waiting for
 * capacity (docs/control-api.md). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_impl.h"
#include "placement.h"
#include "xalloc.h"

struct place_tally {
	size_t tenants;
	struct hashmap roles; /* role name -> (void *)1 */
	cJSON *waiting;	      /* ids */
};

static void tally_free(void *p)
{
	struct place_tally *t = p;

	hashmap_release(&t->roles, NULL);
	cJSON_Delete(t->waiting);
	free(t);
}

static void use(cJSON *o, const char *kind, uint64_t used, const struct placement_place *cap, int k)
{
	cJSON *u = cJSON_AddObjectToObject(o, kind);

	cJSON_AddNumberToObject(u, "used", (double)used);
	if (cap) {
		cJSON_AddNumberToObject(u, "quota", (double)cap->quota[k]);
		cJSON_AddNumberToObject(u, "free", (double)placement_free(cap, (enum placement_kind)k));
	} else {
		cJSON_AddNullToObject(u, "quota");
	}
}

/* The first pool that has ps, with its position there. */
static struct engine__pool *pool_of(struct engine *e, const struct place_state *ps, size_t *ret_i)
{
	for (size_t i = 0; i < e->n_pools; i++) {
		void *v = hashmap_get(&e->pools[i].index, ps->place.key);
		if (v) {
			*ret_i = (size_t)(uintptr_t)v - 1;
			return &e->pools[i];
		}
	}
	return NULL;
}

cJSON *engine_json_time(int64_t at)
{
	char buf[32];
	time_t t = (time_t)at;
	struct tm tm;

	if (!at)
		return cJSON_CreateNull();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return cJSON_CreateString(buf);
}

static int by_place(const void *a, const void *b)
{
	return strcmp(cJSON_GetObjectItem(*(cJSON *const *)a, "place")->valuestring,
		      cJSON_GetObjectItem(*(cJSON *const *)b, "place")->valuestring);
}

cJSON *engine_places_json(struct engine *e)
{
	cJSON *root = cJSON_CreateObject(), *places = cJSON_AddArrayToObject(root, "places");
	cJSON *waiting = cJSON_AddArrayToObject(root, "waiting");
	cJSON **sorted;
	size_t n_sorted = 0;
	struct hashmap tallies;
	const struct tenant_entry **all;
	size_t n, pos = 0;
	void *v;

	hashmap_init(&tallies);
	all = engine_tenants(e, &n);
	for (size_t i = 0; i < n; i++) {
		const struct tenant_entry *t = all[i];
		struct place_tally *pt;
		if (tenant_entry_waiting(t) && !t->removed) {
			cJSON *w = cJSON_CreateObject();
			cJSON_AddStringToObject(w, "tenant", t->id);
			if (t->desired && t->desired->pool && !t->desired->account)
				cJSON_AddStringToObject(w, "pool", t->desired->pool);
			else
				cJSON_AddNullToObject(w, "pool");
			if (t->place)
				cJSON_AddStringToObject(w, "place", t->place->key);
			else
				cJSON_AddNullToObject(w, "place");
			cJSON_AddStringToObject(w, "reason", tenant_entry_waiting(t));
			cJSON_AddItemToArray(waiting, w);
		}
		if (!t->place)
			continue;
		if (!(pt = hashmap_get(&tallies, t->place->key))) {
			pt = xcalloc(1, sizeof(*pt));
			hashmap_init(&pt->roles);
			pt->waiting = cJSON_CreateArray();
			hashmap_put(&tallies, t->place->key, pt);
		}
		if (tenant_entry_waiting(t) && !t->removed)
			cJSON_AddItemToArray(pt->waiting, cJSON_CreateString(t->id));
		if (t->removed)
			continue;
		pt->tenants++;
		for (size_t r = 0; t->desired && r < t->desired->n_roles; r++)
			if (!hashmap_get(&pt->roles, t->desired->roles[r]))
				hashmap_put(&pt->roles, t->desired->roles[r], (void *)1);
	}
	free(all);
	sorted = xcalloc(e->places.n + 1, sizeof(*sorted));
	while (hashmap_next(&e->places, &pos, NULL, &v)) {
		const struct place_state *ps = v;
		struct place_tally *pt = hashmap_get(&tallies, ps->place.key);
		cJSON *o = cJSON_CreateObject();
		size_t at = 0;
		struct engine__pool *p = pool_of(e, ps, &at);
		const struct placement_place *cap = p ? &engine__pool_capacity(e, p)[at] : NULL;

		cJSON_AddStringToObject(o, "place", ps->place.key);
		if (ps->place.account)
			cJSON_AddStringToObject(o, "account", ps->place.account);
		else
			cJSON_AddNullToObject(o, "account");
		if (ps->place.account_id)
			cJSON_AddStringToObject(o, "account_id", ps->place.account_id);
		else
			cJSON_AddNullToObject(o, "account_id");
		cJSON_AddStringToObject(o, "region", ps->place.region ? ps->place.region : "");
		if (p)
			cJSON_AddStringToObject(o, "pool", p->name);
		else
			cJSON_AddNullToObject(o, "pool");
		cJSON_AddBoolToObject(o, "listed", ps->listed);
		if (ps->listing || ps->waiting)
			cJSON_AddStringToObject(o, "listing", ps->listing ? "in_flight" : "waiting");
		else
			cJSON_AddNullToObject(o, "listing");
		if (ps->list_error)
			cJSON_AddStringToObject(o, "list_error", ps->list_error);
		else
			cJSON_AddNullToObject(o, "list_error");
		cJSON_AddItemToObject(o, "list_failing_since", engine_json_time(ps->list_failing_since));
		cJSON_AddNumberToObject(o, "tenants", pt ? (double)pt->tenants : 0);
		use(o, "profiles", ps->store.profiles.n, cap, PLACEMENT_PROFILES);
		use(o, "parameters", ps->store.parameters.n, cap, PLACEMENT_PARAMETERS);
		use(o, "budgets", ps->store.budgets.n + ps->store.budgets_elsewhere, cap, PLACEMENT_BUDGETS);
		/* the account's budgets whose entries this place holds (the others are its
		 * other places' tenants': places.c, "the account's budgets, once") */
		cJSON_AddNumberToObject(cJSON_GetObjectItem(o, "budgets"), "held", (double)ps->store.budgets.n);
		{
			cJSON *r = cJSON_AddObjectToObject(o, "roles");
			cJSON_AddNumberToObject(r, "used", pt ? (double)pt->roles.n : 0);
			if (p && p->quota_roles[at] != ENGINE__QUOTA_UNREAD)
				cJSON_AddNumberToObject(r, "quota", (double)p->quota_roles[at]);
			else if (p)
				cJSON_AddNumberToObject(r, "quota", (double)e->set.capacity.roles);
			else
				cJSON_AddNullToObject(r, "quota");
		}
		if (pt) {
			cJSON_AddItemToObject(o, "waiting", pt->waiting);
			pt->waiting = NULL;
		} else {
			cJSON_AddArrayToObject(o, "waiting");
		}
		sorted[n_sorted++] = o;
	}
	qsort(sorted, n_sorted, sizeof(*sorted), by_place);
	for (size_t i = 0; i < n_sorted; i++)
		cJSON_AddItemToArray(places, sorted[i]);
	free(sorted);
	hashmap_release(&tallies, tally_free);
	return root;
}
