#include "daemon_config_reload.h"
#include "daemon_config_usage.h"
#include "naming.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool str_differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

/* SWAP: exchanges two values of one type (a value kept for the restart goes back into
 * the running configuration, the reloaded one into the file's, freed with it). */
#define SWAP(a, b)                                                                                                     \
	do {                                                                                                           \
		__typeof__(a) swap_tmp_ = (a);                                                                         \
		(a) = (b);                                                                                             \
		(b) = swap_tmp_;                                                                                       \
	} while (0)

static void swap_str(char **a, char **b)
{
	SWAP(*a, *b);
}

static bool accounts_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	if (a->n_accounts != b->n_accounts)
		return true;
	for (size_t i = 0; i < a->n_accounts; i++) {
		const struct cfg_account *x = &a->accounts[i], *y = &b->accounts[i];
		if (str_differ(x->alias, y->alias) || str_differ(x->id, y->id) ||
		    str_differ(x->role_arn, y->role_arn) || str_differ(x->external_id, y->external_id))
			return true;
	}
	return false;
}

static bool endpoints_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	if (str_differ(a->endpoint_default, b->endpoint_default))
		return true;
	for (int s = 0; s < CFG_SERVICE_COUNT; s++)
		if (str_differ(a->endpoints[s], b->endpoints[s]))
			return true;
	return false;
}

static bool rate_limits_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	for (int s = 0; s < CFG_SERVICE_COUNT; s++)
		if (!daemon_config_rate_limits_equal(&a->rate_limits[s], &b->rate_limits[s]))
			return true;
	return false;
}

static bool notifications_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	const struct cfg_notifications *x = &a->notifications, *y = &b->notifications;

	return str_differ(x->webhook_url, y->webhook_url) || str_differ(x->webhook_header, y->webhook_header) ||
	       str_differ(x->webhook_secret_file, y->webhook_secret_file) ||
	       str_differ(x->sns_topic_arn, y->sns_topic_arn) || x->max_per_minute != y->max_per_minute ||
	       x->events != y->events;
}

static bool pools_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	if (a->n_pools != b->n_pools || memcmp(&a->capacity, &b->capacity, sizeof(a->capacity)))
		return true;
	for (size_t i = 0; i < a->n_pools; i++) {
		const struct cfg_pool *x = &a->pools[i], *y = &b->pools[i];
		if (str_differ(x->name, y->name) || x->n_accounts != y->n_accounts || x->n_regions != y->n_regions)
			return true;
		for (size_t j = 0; j < x->n_accounts; j++)
			if (str_differ(x->accounts[j], y->accounts[j]))
				return true;
		for (size_t j = 0; j < x->n_regions; j++)
			if (str_differ(x->regions[j], y->regions[j]))
				return true;
	}
	return false;
}

static bool cost_tags_differ(const struct daemon_config *a, const struct daemon_config *b)
{
	const struct cfg_cost_tags *x = &a->cost_tags, *y = &b->cost_tags;

	return x->mode != y->mode || str_differ(x->payer_account, y->payer_account) ||
	       x->check_interval_ms != y->check_interval_ms;
}

static bool account_same(const struct cfg_account *x, const struct cfg_account *y)
{
	return x && y && !str_differ(x->id, y->id) && !str_differ(x->role_arn, y->role_arn) &&
	       !str_differ(x->external_id, y->external_id);
}

/* The payer account of the reloaded cost_allocation_tags is an alias the running
 * daemon does not reach as the file writes it (added or changed by the same reload,
 * and accounts wait for a restart): acting now would be acting in another account. */
static bool payer_waits(const struct daemon_config *n, const struct daemon_config *r)
{
	const char *alias = n->cost_tags.payer_account;

	return cost_tags_differ(n, r) && alias &&
	       !account_same(daemon_config_account(n, alias), daemon_config_account(r, alias));
}

static bool region_allowed(const struct cfg_policy *p, const char *region)
{
	for (size_t i = 0; i < p->n_regions; i++)
		if (!strcmp(p->regions[i], region))
			return true;
	return !p->n_regions;
}

/* The rule the parser checks in one file (the default Region and every pool's
 * Regions are in policy.regions), on the effective mix: region and pools kept at
 * their running values, policy.regions the file's. */
static bool regions_agree(const struct daemon_config *cfg)
{
	if (cfg->region && !region_allowed(&cfg->policy, cfg->region))
		return false;
	for (size_t i = 0; i < cfg->n_pools; i++)
		for (size_t j = 0; j < cfg->pools[i].n_regions; j++)
			if (!region_allowed(&cfg->policy, cfg->pools[i].regions[j]))
				return false;
	return true;
}

/* Each key: does it differ, and how the running value moves into the new one. */
size_t daemon_config_keep_running(struct daemon_config *n, struct daemon_config *r,
				  const char *ret_keys[DAEMON_CONFIG_RESTART_KEYS])
{
	bool payer = payer_waits(n, r); /* before accounts move */
	char *claim;
	size_t k = 0;

	if (str_differ(n->manifests, r->manifests)) {
		ret_keys[k++] = "manifests";
		swap_str(&n->manifests, &r->manifests);
	}
	if (str_differ(n->state_dir, r->state_dir)) {
		ret_keys[k++] = "state_dir";
		swap_str(&n->state_dir, &r->state_dir);
	}
	if (str_differ(n->socket.path, r->socket.path) || n->socket.mode != r->socket.mode ||
	    str_differ(n->socket.group, r->socket.group)) {
		ret_keys[k++] = "socket";
		SWAP(n->socket, r->socket);
	}
	if (str_differ(n->instance, r->instance)) {
		ret_keys[k++] = "instance";
		swap_str(&n->instance, &r->instance);
	}
	if (str_differ(n->region, r->region)) {
		ret_keys[k++] = "region";
		swap_str(&n->region, &r->region);
	}
	if (accounts_differ(n, r)) {
		ret_keys[k++] = "accounts";
		SWAP(n->accounts, r->accounts);
		SWAP(n->n_accounts, r->n_accounts);
	}
	if (rate_limits_differ(n, r)) {
		struct cfg_rate_limit t[CFG_SERVICE_COUNT];
		ret_keys[k++] = "rate_limits";
		memcpy(t, n->rate_limits, sizeof(t));
		memcpy(n->rate_limits, r->rate_limits, sizeof(t));
		memcpy(r->rate_limits, t, sizeof(t));
	}
	if (endpoints_differ(n, r)) {
		ret_keys[k++] = "endpoints";
		swap_str(&n->endpoint_default, &r->endpoint_default);
		for (int s = 0; s < CFG_SERVICE_COUNT; s++)
			swap_str(&n->endpoints[s], &r->endpoints[s]);
	}
	if (n->max_in_flight != r->max_in_flight) {
		ret_keys[k++] = "max_in_flight";
		SWAP(n->max_in_flight, r->max_in_flight);
	}
	if (n->watch_settle_ms != r->watch_settle_ms || n->rescan_interval_ms != r->rescan_interval_ms) {
		ret_keys[k++] = "watch";
		SWAP(n->watch_settle_ms, r->watch_settle_ms);
		SWAP(n->rescan_interval_ms, r->rescan_interval_ms);
	}
	if (str_differ(n->metrics.listen, r->metrics.listen)) {
		ret_keys[k++] = "metrics";
		SWAP(n->metrics, r->metrics);
	}
	if (notifications_differ(n, r)) {
		ret_keys[k++] = "notifications";
		SWAP(n->notifications, r->notifications);
	}
	/* usage and prices: the usage reader keeps the values it started with */
	if (daemon_config__usage_differ(n, r)) {
		ret_keys[k++] = "usage";
		SWAP(n->usage, r->usage);
	}
	if (daemon_config__prices_differ(n, r)) {
		ret_keys[k++] = "prices";
		SWAP(n->prices, r->prices);
		SWAP(n->n_prices, r->n_prices);
	}
	if (str_differ(n->budget_actions.execution_role, r->budget_actions.execution_role)) {
		ret_keys[k++] = "budget_actions";
		swap_str(&n->budget_actions.execution_role, &r->budget_actions.execution_role);
	}
	if (pools_differ(n, r)) {
		ret_keys[k++] = "pools";
		SWAP(n->pools, r->pools);
		SWAP(n->n_pools, r->n_pools);
		SWAP(n->capacity, r->capacity);
		n->pools_kept = true;
	}
	if (str_differ(n->claim_parameter, r->claim_parameter)) {
		ret_keys[k++] = "claim_parameter";
		swap_str(&n->claim_parameter, &r->claim_parameter);
	}
	/* Applied keys that name a value kept above wait with it. */
	if (!regions_agree(n)) {
		ret_keys[k++] = "policy.regions";
		SWAP(n->policy.regions, r->policy.regions);
		SWAP(n->policy.n_regions, r->policy.n_regions);
		SWAP(n->policy.regions_pos, r->policy.regions_pos);
	}
	claim = cfg_claim_parameter(n);
	if (claim && naming_can_give(n->policy.naming.parameter, n->instance, claim)) {
		ret_keys[k++] = "policy.naming.parameter";
		swap_str(&n->policy.naming.parameter, &r->policy.naming.parameter);
	}
	free(claim);
	if (payer) {
		struct cfg_cost_tags t = n->cost_tags;
		ret_keys[k++] = "cost_allocation_tags";
		n->cost_tags = r->cost_tags;
		r->cost_tags = t;
	}
	return k;
}
