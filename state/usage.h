/* Usage from Bedrock's model invocation logs: the pure part. One S3 object (gzip'd
 * JSON lines in the ModelInvocationLog schema) is inflated and parsed as a stream
 * into a batch keyed by (day, modelId, the tenant named in requestMetadata), so
 * memory is bounded by the distinct keys of one object and the longest line
 * (USAGE_LINE_MAX), never by the object's size. Attribution then maps a batch onto
 * aggregates per (day, tenant, profile, model) with the engine's knowledge of its
 * profiles, and prices them.
 *
 * Nothing here does I/O or logs: malformed lines are counted, with the first one's
 * number and reason kept for the caller to report. Runs on any thread; a batch and
 * an aggregate belong to one thread at a time. */
#ifndef BTD_USAGE_H
#define BTD_USAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

#define USAGE_LINE_MAX	     (1u << 20)	  /* longer records are skipped as malformed */
#define USAGE_BATCH_MAX_KEYS 100000	  /* distinct keys of one object (then -E2BIG) */
#define USAGE_INFLATED_MAX   (1ull << 34) /* 16 GiB inflated: a gzip bomb stops here */
#define USAGE_UNATTRIBUTED   ""		  /* the tenant (and profile) of unattributed usage */

struct usage_counts {
	uint64_t requests;
	uint64_t input, output, cache_read, cache_write; /* tokens */
	double cost;					 /* estimated USD (aggregates only) */
};

/* Where every count stops (2^53: exact in a double, as JSON gives numbers): a hostile
 * or corrupt log's counts, each within the parser's bound, may add up past 64 bits. */
#define USAGE_COUNT_MAX (UINT64_C(1) << 53)

/* usage_counts_add: dst += src, each count saturating at USAGE_COUNT_MAX. */
void usage_counts_add(struct usage_counts *dst, const struct usage_counts *src);
/* usage_usd_rounded: usd rounded to millionths of a dollar where that is exact (below
 * 2^53 millionths), else as it is. */
double usage_usd_rounded(double usd);

/* One key of a parsed object. */
struct usage_batch_entry {
	int32_t day;	 /* days since 1970-01-01 (UTC) of the record's timestamp */
	char *model_id;	 /* as logged: a model id, or an inference profile ARN */
	char *md_tenant; /* requestMetadata[metadata_key]; NULL when absent */
	struct usage_counts c;
};

struct usage_batch {
	struct hashmap map;	 /* "day\tmodelId\tmdTenant" -> struct usage_batch_entry * */
	uint64_t records;	 /* lines counted */
	uint64_t malformed;	 /* lines skipped */
	uint64_t first_bad_line; /* 1-based; 0 when none */
	char first_bad_why[128];
	/* Set by another thread (the daemon stopping): usage_parse_object ends within one
	 * 64 KiB of inflated text, with -ECANCELED. NULL: never. */
	const atomic_bool *stop;
	/* The latest timestamp a record may have, in seconds since the epoch (the caller's
	 * clock plus a day): a record dated later is malformed ("a timestamp in the
	 * future"): stored, it would never be pruned. 0: no bound. */
	int64_t latest;
};

void usage_batch_init(struct usage_batch *b);
void usage_batch_release(struct usage_batch *b);

/* usage_parse_line: adds one JSON record to b (or counts it malformed, with why).
 * line need not be NUL-terminated. */
void usage_parse_line(struct usage_batch *b, const char *line, size_t len, const char *metadata_key);
/* usage_parse_object: inflates a gzip (or plain, when it does not start with gzip's
 * magic) object and parses every line. -EBADMSG when the compressed stream is
 * corrupt or truncated (what came before is in b), -E2BIG past the bounds above,
 * -ECANCELED once b->stop is set (b then holds a part of the object). */
int usage_parse_object(const void *data, size_t len, const char *metadata_key, struct usage_batch *b);

/* usage_day: days since the epoch of an ISO-8601 timestamp ("2026-12-03T..."). */
int usage_day(const char *ts, size_t len, int32_t *ret);
/* usage_day_format: "YYYY-MM-DD" into out (11 bytes). */
void usage_day_format(int32_t day, char out[11]);
/* usage_model_of_arn: the model id of a foundation-model or inference-profile ARN
 * ("arn:aws:bedrock:us-east-1::foundation-model/X" -> "X"), or s itself. Borrowed. */
const char *usage_model_of_arn(const char *s);
/* usage_is_application_profile: s is an application-inference-profile ARN. */
bool usage_is_application_profile(const char *s);

struct usage_price {
	double input, output, cache_read, cache_write; /* USD per 1,000 tokens */
};

/* What the daemon knows, asked during attribution (borrowed answers). */
struct usage_resolver {
	/* profile: an application profile ARN this instance manages -> its tenant,
	 * profile key and model id; false when it is not one of ours. */
	bool (*profile)(void *ctx, const char *arn, const char **ret_tenant, const char **ret_profile,
			const char **ret_model);
	/* tenant_known: a tenant id in the manifests (requestMetadata names only those;
	 * anything else is unattributed, so callers cannot grow the aggregates). */
	bool (*tenant_known)(void *ctx, const char *id);
	/* price: of model id, or NULL when none is configured (cost 0). */
	const struct usage_price *(*price)(void *ctx, const char *model);
	void *ctx;
};

struct usage_row {
	int32_t day;
	char *tenant;  /* USAGE_UNATTRIBUTED when unattributed */
	char *profile; /* "" when attributed through requestMetadata or unattributed */
	char *model;
	struct usage_counts c;
};

/* Aggregates per (day, tenant, profile, model). */
struct usage_agg {
	struct hashmap map; /* key -> struct usage_row * */
};

void usage_agg_init(struct usage_agg *a);
void usage_agg_release(struct usage_agg *a);
/* usage_agg_add: adds c to the row of the key (created as needed). */
void usage_agg_add(struct usage_agg *a, int32_t day, const char *tenant, const char *profile, const char *model,
		   const struct usage_counts *c);
/* usage_attribute: every entry of b into a, attributed and priced through r. */
void usage_attribute(const struct usage_batch *b, const struct usage_resolver *r, struct usage_agg *a);
/* usage_cost: c's tokens at price p (NULL: 0). */
double usage_cost(const struct usage_counts *c, const struct usage_price *p);

#endif
