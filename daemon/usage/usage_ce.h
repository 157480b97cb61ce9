/* Cost Explorer's figure beside the estimate: the daily cost of every tenant's tag
 * (TAG_TENANT), read from the payer account's Cost Explorer and kept in memory.
 *
 * Cost Explorer bills each request, so one refresh is one grouped GetCostAndUsage
 * (DAILY, UnblendedCost, grouped by TAG_TENANT; every page of it) over the last
 * `days` days for all tenants at once: at start and every `refresh`; a failed refresh
 * keeps the last figures and tries again after min(refresh, 5 min). Nothing else
 * calls Cost Explorer: answering a query reads the cache. Memory: one entry per
 * (tenant, day with spend), at most CE_COST_MAX_GROUPS.
 *
 * Owns its cache, timer and a copy of the settings; borrows the AWS client, which
 * must outlive usage_ce_close's callback (calls in flight end when it closes). */
#ifndef BTD_USAGE_CE_H
#define BTD_USAGE_CE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <uv.h>

#include "daemon_config.h"

struct usage_ce;
struct aws_client; /* aws_client.h, not included: its HTTP names clash with the control socket's */

struct usage_ce_settings {
	uint64_t refresh_ms;
	unsigned days;	     /* fetched per refresh, today included */
	const char *target;  /* the AWS client's account for the payer; NULL: default credentials */
	const char *payer;   /* the payer account's alias for messages; NULL: the daemon's own */
	const char *tag_key; /* the tenant tag */
	/* tag_status: the tag key's cost-allocation status as the daemon last read it
	 * ("Active", "Inactive", ...), or NULL when unknown. May be NULL. */
	const char *(*tag_status)(void *data, const char *key);
	void *data;
};

/* usage_ce_new: copies s and arms the first refresh (a couple of seconds on). */
void usage_ce_new(uv_loop_t *loop, struct aws_client *aws, const struct usage_ce_settings *s, struct usage_ce **ret);
/* usage_ce_close: stops; done (may be NULL) runs once nothing is in flight. */
void usage_ce_close(struct usage_ce *ce, void (*done)(void *data), void *data);

/* usage_ce_usd: the tenant's cost over the days [since, until] that the last
 * refresh fetched; false when nothing was fetched yet. *ret_partial: part of the
 * period is outside the days fetched. */
bool usage_ce_usd(const struct usage_ce *ce, const char *tenant, int32_t since, int32_t until, double *ret_usd,
		  bool *ret_partial);
/* usage_ce_fetched: what the last refresh fetched, summed then (so that a scrape walks
 * nothing): its time, the days [since, until], and the spend over them of every
 * tenant's tag and without the tag; false when nothing was fetched yet.
 * usage_ce_fetched_usd: one tenant's spend over those days (0: none, or nothing
 * fetched yet), one lookup. */
struct usage_ce_fetched {
	int64_t at; /* seconds since the epoch */
	int32_t since, until;
	double tenants_usd, untagged_usd;
};
bool usage_ce_fetched(const struct usage_ce *ce, struct usage_ce_fetched *ret);
double usage_ce_fetched_usd(const struct usage_ce *ce, const char *tenant);
/* usage_ce_tenant_json: {usd, tag, tag_status, payer_account, fetched_at,
 * fetched_since, fetched_until, note, problem}, owned by the caller. */
cJSON *usage_ce_tenant_json(const struct usage_ce *ce, const char *tenant, int32_t since, int32_t until);
/* usage_ce_status_json: the same without usd, for /v1/status (note and problem tell
 * what is wrong). */
cJSON *usage_ce_status_json(const struct usage_ce *ce);
/* usage_ce_summary_json: the same without usd, with tenants_usd (every tenant's
 * tag) and untagged_usd (spend without the tag, or of an inactive key). */
cJSON *usage_ce_summary_json(const struct usage_ce *ce, int32_t since, int32_t until);

#endif
