/* The `pools` and `capacity` sections of the daemon configuration: named sets of
 * places (account aliases x Regions) that tenants without spec.account are placed in
 * (daemon/engine/placement glue, state/placement.c), and the quotas assumed where
 * Service Quotas has no code (parameters, budgets) or cannot answer (profiles, roles). */
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "hashmap.h"
#include "rules.h"
#include "walk.h"
#include "xalloc.h"
#include "ydoc.h"

#define MAX_POOL_ACCOUNTS 10000
#define MAX_POOL_REGIONS  100

static bool listed(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* A sequence of names checked by rule, unique; errors at the item. The names seen are
 * looked up in a hash map: a pool may list 10,000 accounts, and a reload reads them
 * on the daemon's loop. */
static void read_names(struct walk *w, const struct ynode *n, size_t max, const char *(*rule)(const char *),
		       const char *what, char ***ret, size_t *ret_n)
{
	struct hashmap seen;

	if (!walk_sequence(w, n, 1, max, what))
		return;
	hashmap_init_borrowed(&seen); /* the keys are the names in *ret */
	*ret = xcalloc(n->seq.n, sizeof(**ret));
	for (size_t i = 0; i < n->seq.n; i++) {
		size_t mark = walk_push_index(w, i);
		char *s = NULL;
		const char *why;
		if (walk_string(w, n->seq.items[i], 256, &s)) {
			if ((why = rule(s))) {
				walk_error(w, n->seq.items[i], "'%.80s' is not a valid %s: %s", s, what, why);
			} else if (hashmap_get(&seen, s)) {
				walk_error(w, n->seq.items[i], "'%.80s' is listed twice", s);
			} else {
				hashmap_put(&seen, s, s);
				(*ret)[(*ret_n)++] = s;
				s = NULL;
			}
		}
		free(s);
		walk_pop(w, mark);
	}
	hashmap_release(&seen, NULL);
}

/* A pool's accounts: each an alias of accounts, and no account id twice (one place
 * counted twice: its room given out twice). The first alias of each id is kept in a
 * hash map of ids. */
static void check_pool_accounts(struct walk *w, const struct ynode *seq, const struct daemon_config *cfg,
				const struct cfg_pool *p)
{
	struct hashmap ids;

	hashmap_init_borrowed(&ids); /* the keys are the ids in cfg->accounts */
	for (size_t i = 0; i < p->n_accounts; i++) {
		const struct cfg_account *a = daemon_config_account(cfg, p->accounts[i]), *other = NULL;
		size_t mark = walk_push_index(w, i);
		if (a && a->id && !(other = hashmap_get(&ids, a->id)))
			hashmap_put(&ids, a->id, (void *)a);
		if (!a)
			walk_error(w, seq->seq.items[i], "unknown account '%s' (pools name aliases of accounts:)",
				   p->accounts[i]);
		else if (other)
			walk_error(w, seq->seq.items[i], "'%s' is account %s, as '%s' before it in this pool", a->alias,
				   a->id, other->alias);
		walk_pop(w, mark);
	}
	hashmap_release(&ids, NULL);
}

static void read_pool(struct walk *w, const struct ynode *key, const struct ynode *val, struct daemon_config *cfg,
		      struct cfg_pool *p)
{
	static const char *const keys[] = { "accounts", "regions" };
	const struct ynode *v[2];
	const char *why = rule_account_alias(key->scalar.text);
	size_t mark;

	p->name = xstrdup(key->scalar.text);
	p->pos.line = key->line;
	p->pos.col = key->col;
	if (why)
		walk_error(w, key, "'%.80s' is not a valid pool name: %s", p->name, why);
	if (!walk_mapping(w, val, keys, 2, v) || !walk_require(w, val, v[0], "accounts"))
		return;
	mark = walk_push_key(w, keys[0]);
	read_names(w, v[0], MAX_POOL_ACCOUNTS, rule_account_alias, "account alias", &p->accounts, &p->n_accounts);
	check_pool_accounts(w, v[0], cfg, p);
	walk_pop(w, mark);
	mark = walk_push_key(w, keys[1]);
	if (v[1]) {
		read_names(w, v[1], MAX_POOL_REGIONS, rule_region, "Region", &p->regions, &p->n_regions);
		for (size_t i = 0; i < p->n_regions && cfg->policy.n_regions; i++)
			if (!listed(cfg->policy.regions, cfg->policy.n_regions, p->regions[i]))
				walk_error(w, v[1]->seq.items[i], "the Region %s is not in policy.regions",
					   p->regions[i]);
	} else if (cfg->region) {
		p->regions = xcalloc(1, sizeof(*p->regions));
		p->regions[p->n_regions++] = xstrdup(cfg->region);
	} else {
		walk_error(w, val, "no regions: set regions, or region in the daemon configuration");
	}
	walk_pop(w, mark);
}

/* Called after accounts, region and policy were read (their order in the file does
 * not matter: the parser reads the top keys in a fixed order). */
void daemon_config_read_pools(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	if (n->type != YNODE_MAPPING) {
		walk_error(w, n, "pools must be a mapping of pool names to {accounts, regions}");
		return;
	}
	if (n->map.n > MAX_POOL_ACCOUNTS) {
		walk_error(w, n, "at most %d pools are allowed, found %zu", MAX_POOL_ACCOUNTS, n->map.n);
		return;
	}
	cfg->pools = xcalloc(n->map.n ? n->map.n : 1, sizeof(*cfg->pools));
	for (size_t i = 0; i < n->map.n; i++) {
		const struct ynode *key = n->map.pairs[i].key, *val = n->map.pairs[i].value;
		size_t mark = walk_push_key(w, key->type == YNODE_SCALAR ? key->scalar.text : "?");
		if (key->type == YNODE_SCALAR)
			read_pool(w, key, val, cfg, &cfg->pools[cfg->n_pools++]);
		walk_pop(w, mark);
	}
}

void daemon_config_read_capacity(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "profiles", "parameters", "budgets", "roles" };
	uint64_t *fields[] = { &cfg->capacity.profiles, &cfg->capacity.parameters, &cfg->capacity.budgets,
			       &cfg->capacity.roles };
	const struct ynode *v[4];

	if (!walk_mapping(w, n, keys, 4, v))
		return;
	for (size_t k = 0; k < 4; k++) {
		size_t mark = walk_push_key(w, keys[k]);
		if (v[k])
			walk_uint(w, v[k], 0, 10000000, fields[k]);
		walk_pop(w, mark);
	}
}

const struct cfg_pool *daemon_config_pool(const struct daemon_config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->n_pools; i++)
		if (!strcmp(cfg->pools[i].name, name))
			return &cfg->pools[i];
	return NULL;
}

void daemon_config_pools_free(struct daemon_config *cfg)
{
	for (size_t i = 0; i < cfg->n_pools; i++) {
		struct cfg_pool *p = &cfg->pools[i];
		for (size_t j = 0; j < p->n_accounts; j++)
			free(p->accounts[j]);
		for (size_t j = 0; j < p->n_regions; j++)
			free(p->regions[j]);
		free(p->accounts);
		free(p->regions);
		free(p->name);
	}
	free(cfg->pools);
}
