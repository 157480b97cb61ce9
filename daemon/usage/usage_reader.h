/* The usage reader: per configured place, reads Bedrock's model invocation logs
 * from S3 incrementally and keeps the usage store's aggregates (state/usage_store.h).
 *
 * Each poll (usage.poll_interval) a place learns its account id once (STS), checks
 * Bedrock's logging configuration (invocation_logging: manage puts it back when it
 * points elsewhere; observe reports the mismatch), then lists the keys after its
 * cursor under {prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/ and
 * reads them one at a time, in key order: the object is fetched on the loop,
 * inflated and parsed in libuv's thread pool, attributed on the loop (the engine
 * knows which profile is whose), and its aggregates are committed with the cursor in
 * one transaction. One object per place is in memory at a time.
 *
 * Owns the usage store (usage.db in the state directory), the control socket's
 * queries of it (usage_query.h), Cost Explorer's figures (usage_ce.h) once handed
 * over, and a copy of the settings it needs; borrows the AWS client and the engine,
 * which must outlive it. */
#ifndef BTD_USAGE_READER_H
#define BTD_USAGE_READER_H

#include <cjson/cJSON.h>
#include <uv.h>

#include "daemon_config.h"
#include "engine.h"
#include "usage_query.h"
#include "usage_store.h"

struct usage_reader;
struct usage_ce;
struct aws_client; /* aws_client.h, not included: its HTTP names clash with the control socket's */

/* usage_reader_new: opens the store and arms the first poll. -errno with *ret_error
 * (owned by the caller) when the store cannot be opened. */
int usage_reader_new(uv_loop_t *loop, struct aws_client *aws, struct engine *e, const struct daemon_config *cfg,
		     struct usage_reader **ret, char **ret_error);
/* The usage store's file in the state directory. */
#define USAGE_READER_DB "usage.db"

/* usage_reader_close: stops polling and answers the queries waiting (the daemon is
 * stopping); once the call, parse and query in flight are over, frees the reader and
 * calls done (may be NULL). Calls in flight end when the AWS client is closed. */
void usage_reader_close(struct usage_reader *u, void (*done)(void *data), void *data);
/* usage_reader_close_queries: the queries alone, ahead of the rest (while their
 * connections are still open): those waiting are answered "the daemon is stopping",
 * the running one is interrupted, and any asked later is refused so. u may be NULL. */
void usage_reader_close_queries(struct usage_reader *u);

/* usage_reader_queries: borrowed, for the control socket's queries (usage_query.h):
 * off the loop, on a read-only connection of their own. */
struct usage_queries *usage_reader_queries(struct usage_reader *u);
/* usage_reader_status_json: each place's state, cursor, counts and problem. */
cJSON *usage_reader_status_json(const struct usage_reader *u);
/* usage_reader_set_ce: hands over Cost Explorer's figures (usage_ce.h), closed with
 * the reader. usage_reader_ce: borrowed, NULL when usage.cost_explorer is off. */
void usage_reader_set_ce(struct usage_reader *u, struct usage_ce *ce);
const struct usage_ce *usage_reader_ce(const struct usage_reader *u);
/* usage_reader_metrics_tenants: the per-tenant series cap (0: none). */
unsigned usage_reader_metrics_tenants(const struct usage_reader *u);

/* Today's sums for the Prometheus series, computed when usage is ingested (at most
 * every USAGE_TODAY_MIN_MS while objects are read, and at the end of each cycle that
 * counted any), and once at start: a scrape reads them and runs no SQL. */
#define USAGE_TODAY_MIN_MS 10000
struct usage_today {
	int32_t day; /* the UTC day summed; -1: not computed (the store failed) */
	struct usage_counts total, unattributed;
	size_t n_tenants;
	struct usage_sums top; /* at most metrics_tenants, the highest estimated cost first */
};
/* usage_reader_today: borrowed until the reader next ingests. */
const struct usage_today *usage_reader_today(const struct usage_reader *u);

#endif
