/* The control socket's usage answers (docs/control-api.md "Usage"): one tenant's
 * usage over days, every tenant ranked by estimated cost, and the Prometheus series.
 * Built from the usage store and, for the bill beside the estimate, the budget the
 * engine last read. */
#ifndef BTD_USAGE_JSON_H
#define BTD_USAGE_JSON_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "strbuf.h"
#include "usage_reader.h"

#define USAGE_RANK_DEFAULT 20
#define USAGE_RANK_MAX	   1000
#define USAGE_MAX_DAYS	   3660

/* usage_range_parse: since= and until= (each "Nd": N days back, today being 0d's
 * day... "1d" is today only; or "YYYY-MM-DD"; NULL: since 7d, until today) into
 * inclusive day numbers. -EINVAL with *ret_error (static text) when malformed or
 * since is after until. */
int usage_range_parse(const char *since, const char *until, int64_t now, int32_t *ret_since, int32_t *ret_until,
		      const char **ret_error);

/* usage_json_tenant: -errno with ret_status and ret_error set when the store fails. */
cJSON *usage_json_tenant(struct usage_reader *u, const struct engine *e, const struct tenant_entry *t, int32_t since,
			 int32_t until, int *ret_status, const char **ret_error);
cJSON *usage_json_ranking(struct usage_reader *u, const struct engine *e, int32_t since, int32_t until, size_t limit,
			  int *ret_status, const char **ret_error);
/* usage_metrics: today's totals, unattributed usage and (when configured) the top
 * tenants, in the Prometheus text format, appended to out: the sums the reader made
 * when it ingested (usage_reader_today), no SQL; with usage.cost_explorer, Cost
 * Explorer's figures as its last refresh summed them (usage_ce_fetched), the top
 * tenants' too. */
void usage_metrics(struct usage_reader *u, int64_t now, struct strbuf *out);

#endif
