/* The control socket's usage answers (docs/control-api.md "Usage"): one tenant's
 * usage over days, every tenant ranked by estimated cost, and the Prometheus series.
 * Built from the usage store (queried off the loop, usage_query.h) and, for the bill
 * beside the estimate, the budget the engine last read. */
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

/* The answer to a usage request, on the loop: status 200 with body (owned by the
 * callee), or an error status (503) with error (valid during the call) and no body. */
typedef void (*usage_json_fn)(void *data, int status, cJSON *body, const char *error);

/* usage_json_tenant, usage_json_ranking: the store is queried off the loop
 * (usage_query.h), then done runs on the loop with the answer, built then (the
 * budgets as the engine knows them then; e must outlive u). -EBUSY when
 * USAGE_QUERY_WAITING queries wait already, -ESHUTDOWN when usage is closing: done
 * is never called then. */
int usage_json_tenant(struct usage_reader *u, const struct engine *e, const char *tenant, int32_t since, int32_t until,
		      usage_json_fn done, void *data);
int usage_json_ranking(struct usage_reader *u, const struct engine *e, int32_t since, int32_t until, size_t limit,
		       usage_json_fn done, void *data);
/* usage_metrics: today's totals, unattributed usage and (when configured) the top
 * tenants, in the Prometheus text format, appended to out: the sums the reader made
 * when it ingested (usage_reader_today), no SQL; with usage.cost_explorer, Cost
 * Explorer's figures as its last refresh summed them (usage_ce_fetched), the top
 * tenants' too. */
void usage_metrics(struct usage_reader *u, int64_t now, struct strbuf *out);

#endif
