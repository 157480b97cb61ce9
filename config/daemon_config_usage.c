#include "daemon_config_usage.h"

#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "xalloc.h"

#define N(a)		 (sizeof(a) / sizeof((a)[0]))
#define PREFIX_MAX	 1024
#define METADATA_KEY_MAX 256
#define MODEL_ID_MAX	 2048
#define PRICE_MAX_PER_1K 1000.0
#define RETENTION_MAX	 3660
#define CE_DAYS_MAX	 400 /* Cost Explorer's daily data goes back 14 months */

/* S3's bucket naming rules: 3-63 of [a-z0-9.-], starting and ending with a letter or
 * digit. NULL when fine. */
static const char *bucket_rule(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > 63)
		return "a bucket name has 3 to 63 characters";
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
			return "a bucket name has only lowercase letters, digits, '.' and '-'";
	if (s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-')
		return "a bucket name starts and ends with a letter or a digit";
	return NULL;
}

static void read_place(struct walk *w, const struct ynode *n, struct daemon_config *cfg, struct cfg_usage_place *p)
{
	static const char *const keys[] = { "account", "region", "bucket", "prefix" };
	const struct ynode *v[N(keys)];
	const char *why;
	size_t mark;

	p->pos = (struct cfg_pos){ n->line, n->col };
	if (!walk_mapping(w, n, keys, N(keys), v) || !walk_require(w, n, v[1], "region") ||
	    !walk_require(w, n, v[2], "bucket"))
		return;
	mark = walk_push_key(w, "account");
	if (v[0] && walk_string(w, v[0], 64, &p->account) && !daemon_config_account(cfg, p->account))
		walk_error(w, v[0], "'%.64s' is not an account alias of `accounts`", p->account);
	walk_pop(w, mark);
	mark = walk_push_key(w, "region");
	if (walk_string(w, v[1], RULE_REGION_MAX, &p->region) && (why = rule_region(p->region)))
		walk_error(w, v[1], "'%.40s' is not a valid Region: %s", p->region, why);
	walk_pop(w, mark);
	mark = walk_push_key(w, "bucket");
	if (walk_string(w, v[2], 63, &p->bucket) && (why = bucket_rule(p->bucket)))
		walk_error(w, v[2], "'%.63s' is not a valid S3 bucket name: %s", p->bucket, why);
	walk_pop(w, mark);
	mark = walk_push_key(w, "prefix");
	if (v[3] && walk_string(w, v[3], PREFIX_MAX, &p->prefix) && p->prefix[0] == '/')
		walk_error(w, v[3], "an S3 key prefix does not start with '/'");
	walk_pop(w, mark);
	if (!p->prefix)
		p->prefix = xstrdup("");
}

static void read_places(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	struct cfg_usage *u = &cfg->usage;

	if (!walk_sequence(w, n, 1, CFG_USAGE_MAX_PLACES, "places"))
		return;
	u->places = xcalloc(n->seq.n, sizeof(*u->places));
	u->n_places = n->seq.n;
	for (size_t i = 0; i < n->seq.n; i++) {
		size_t mark = walk_push_index(w, i);
		read_place(w, n->seq.items[i], cfg, &u->places[i]);
		for (size_t j = 0; j < i; j++) {
			const struct cfg_usage_place *a = &u->places[j], *b = &u->places[i];
			const struct cfg_account *aa = a->account ? daemon_config_account(cfg, a->account) : NULL;
			const struct cfg_account *ba = b->account ? daemon_config_account(cfg, b->account) : NULL;
			if (!a->region || !b->region || strcmp(a->region, b->region) != 0)
				continue;
			if (!strcmp(a->account ? a->account : "", b->account ? b->account : ""))
				walk_error(w, n->seq.items[i], "this place (account and Region) is listed twice");
			else if (aa && ba && aa->id && ba->id && !strcmp(aa->id, ba->id))
				/* two aliases of one account: every request would be counted twice
				 * (the daemon's own account is known only from STS: the reader
				 * keeps the first place of an account and Region) */
				walk_error(
					w, n->seq.items[i],
					"'%s' is account %s, as '%s' of places[%zu]: this account and Region is listed "
					"twice",
					b->account, ba->id, a->account, j);
		}
		walk_pop(w, mark);
	}
}

static const char *const ce_mode_names[] = { [CFG_CE_OBSERVE] = "observe", [CFG_CE_OFF] = "off" };

const char *cfg_cost_explorer_name(enum cfg_cost_explorer mode)
{
	return mode == CFG_CE_OFF ? ce_mode_names[CFG_CE_OFF] : ce_mode_names[CFG_CE_OBSERVE];
}

/* usage.cost_explorer: {mode, refresh, days}. */
static void read_cost_explorer(struct walk *w, const struct ynode *n, struct cfg_usage *u)
{
	static const char *const keys[] = { "mode", "refresh", "days" };
	const struct ynode *v[N(keys)];
	uint64_t x;
	int e;

	if (!walk_mapping(w, n, keys, N(keys), v))
		return;
	for (size_t k = 0; k < N(keys); k++) {
		size_t mark;
		if (!v[k])
			continue;
		mark = walk_push_key(w, keys[k]);
		if (k == 0 && walk_enum(w, v[k], ce_mode_names, N(ce_mode_names), &e))
			u->ce_mode = (enum cfg_cost_explorer)e;
		else if (k == 1)
			walk_duration(w, v[k], 5000, 7 * 24 * 3600 * 1000ull, &u->ce_refresh_ms);
		else if (k == 2 && walk_uint(w, v[k], 1, CE_DAYS_MAX, &x))
			u->ce_days = (unsigned)x;
		walk_pop(w, mark);
	}
}

void daemon_config__read_usage(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "places",	       "invocation_logging", "tenant_metadata_key",
					    "poll_interval",   "retention_days",     "path_style",
					    "metrics_tenants", "cost_explorer",	     "max_object_size" };
	const struct ynode *v[N(keys)];
	struct cfg_usage *u = &cfg->usage;
	uint64_t x;
	int e;

	if (!walk_mapping(w, n, keys, N(keys), v))
		return;
	for (size_t k = 0; k < N(keys); k++) {
		size_t mark = walk_push_key(w, keys[k]);
		if (!v[k]) {
			walk_pop(w, mark);
			continue;
		}
		switch (k) {
		case 0:
			read_places(w, v[k], cfg);
			break;
		case 1:
			if (walk_enum(w, v[k], (const char *const[]){ "observe", "manage" }, 2, &e))
				u->invocation_logging = (enum cfg_invocation_logging)e;
			break;
		case 2: {
			char *s = NULL;
			if (walk_string(w, v[k], METADATA_KEY_MAX, &s)) { /* never empty */
				free(u->metadata_key);
				u->metadata_key = s;
			}
			break;
		}
		case 3:
			walk_duration(w, v[k], 1000, 24 * 3600 * 1000ull, &u->poll_interval_ms);
			break;
		case 4:
			if (walk_uint(w, v[k], 1, RETENTION_MAX, &x))
				u->retention_days = (unsigned)x;
			break;
		case 5:
			walk_bool(w, v[k], &u->path_style);
			break;
		case 6:
			if (walk_uint(w, v[k], 0, 1000, &x))
				u->metrics_tenants = (unsigned)x;
			break;
		case 7:
			read_cost_explorer(w, v[k], u);
			break;
		case 8:
			walk_size(w, v[k], USAGE_OBJECT_MIN, USAGE_OBJECT_MAX, &u->max_object_bytes);
			break;
		}
		walk_pop(w, mark);
	}
}

static int price_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfg_price *)a)->model, ((const struct cfg_price *)b)->model);
}

static void read_price(struct walk *w, const struct ynode *n, struct cfg_price *p)
{
	static const char *const keys[] = { "input", "output", "cache_read", "cache_write" };
	const struct ynode *v[N(keys)];
	double *field[N(keys)] = { &p->input, &p->output, &p->cache_read, &p->cache_write };

	if (!walk_mapping(w, n, keys, N(keys), v))
		return;
	for (size_t k = 0; k < N(keys); k++) {
		size_t mark = walk_push_key(w, keys[k]);
		if (v[k])
			walk_number(w, v[k], 0, PRICE_MAX_PER_1K, field[k]);
		walk_pop(w, mark);
	}
}

void daemon_config__read_prices(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	if (n->type != YNODE_MAPPING) {
		walk_error(w, n, "expected a mapping of model ids to prices, found %s", ynode_type_name(n));
		return;
	}
	if (n->map.n > CFG_MAX_PRICES) {
		walk_error(w, n, "at most %d prices are allowed, found %zu", CFG_MAX_PRICES, n->map.n);
		return;
	}
	cfg->prices = xcalloc(n->map.n ? n->map.n : 1, sizeof(*cfg->prices));
	for (size_t i = 0; i < n->map.n; i++) {
		const struct ynode *key = n->map.pairs[i].key, *val = n->map.pairs[i].value;
		const char *id = key->type == YNODE_SCALAR ? key->scalar.text : "?";
		size_t mark = walk_push_key(w, id);
		if (!*id || strlen(id) > MODEL_ID_MAX)
			walk_error(w, key, "a model id has 1 to %d characters", MODEL_ID_MAX);
		cfg->prices[cfg->n_prices].model = xstrdup(id);
		read_price(w, val, &cfg->prices[cfg->n_prices]);
		cfg->n_prices++;
		walk_pop(w, mark);
	}
	qsort(cfg->prices, cfg->n_prices, sizeof(*cfg->prices), price_cmp);
}

const struct cfg_price *daemon_config_price(const struct daemon_config *cfg, const char *model)
{
	struct cfg_price key = { .model = (char *)model };

	if (!cfg->n_prices)
		return NULL;
	return bsearch(&key, cfg->prices, cfg->n_prices, sizeof(*cfg->prices), price_cmp);
}

void daemon_config__usage_release(struct daemon_config *cfg)
{
	for (size_t i = 0; i < cfg->usage.n_places; i++) {
		free(cfg->usage.places[i].account);
		free(cfg->usage.places[i].region);
		free(cfg->usage.places[i].bucket);
		free(cfg->usage.places[i].prefix);
	}
	free(cfg->usage.places);
	free(cfg->usage.metadata_key);
	for (size_t i = 0; i < cfg->n_prices; i++)
		free(cfg->prices[i].model);
	free(cfg->prices);
}

static bool str_differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

bool daemon_config__usage_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	const struct cfg_usage *x = &a->usage, *y = &b->usage;

	if (x->n_places != y->n_places || x->invocation_logging != y->invocation_logging ||
	    str_differ(x->metadata_key, y->metadata_key) || x->poll_interval_ms != y->poll_interval_ms ||
	    x->retention_days != y->retention_days || x->path_style != y->path_style ||
	    x->max_object_bytes != y->max_object_bytes || x->metrics_tenants != y->metrics_tenants ||
	    x->ce_mode != y->ce_mode || x->ce_refresh_ms != y->ce_refresh_ms || x->ce_days != y->ce_days)
		return true;
	for (size_t i = 0; i < x->n_places; i++) {
		const struct cfg_usage_place *p = &x->places[i], *q = &y->places[i];
		if (str_differ(p->account, q->account) || str_differ(p->region, q->region) ||
		    str_differ(p->bucket, q->bucket) || str_differ(p->prefix, q->prefix))
			return true;
	}
	return false;
}

bool daemon_config__prices_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	if (a->n_prices != b->n_prices)
		return true;
	for (size_t i = 0; i < a->n_prices; i++) {
		const struct cfg_price *p = &a->prices[i], *q = &b->prices[i];
		if (strcmp(p->model, q->model) || p->input != q->input || p->output != q->output ||
		    p->cache_read != q->cache_read || p->cache_write != q->cache_write)
			return true;
	}
	return false;
}
