/* The usage store: an SQLite database of its own (usage.db in the state directory)
 * holding the aggregates per (day, tenant, profile, model) and, per place and
 * prefix, the cursor of the invocation logs read: the last S3 key whose records
 * are counted. usage_store_commit() adds an object's aggregates and moves the cursor
 * in one transaction, so after any crash each object is counted exactly once.
 * Apart from the engine's state store so that neither schema waits for the other
 * and a usage database can be dropped without touching what the engine remembers.
 *
 * Functions return 0 or -errno (as store.h: -ENOSPC, -EUCLEAN, -EIO, ...) with the
 * message in usage_store_error(). Not thread-safe: one thread at a time; a connection
 * of usage_store_open_reader() may be used by another thread than the writer's, to
 * read beside it (WAL).
 *
 * The daemon writes on its event loop, so a write waits at most USAGE_STORE_BUSY_MS
 * for a lock another process holds (sqlite3, a backup): then it fails with -EBUSY and
 * is tried again later, rather than stopping the loop for SQLITE_OPEN_BUSY_MS. */
#ifndef BTD_USAGE_STORE_H
#define BTD_USAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "usage.h"

#define USAGE_STORE_BUSY_MS 20

struct usage_store;

int usage_store_open(const char *path, struct usage_store **ret, char **ret_error);
void usage_store_close(struct usage_store *s);
/* usage_store_open_reader: a read-only connection to the store at path, which a
 * usage_store_open() made (its schema): for the queries (usage_store_tenant,
 * usage_store_ranking) off the writer's thread. Closed with usage_store_close. */
int usage_store_open_reader(const char *path, struct usage_store **ret, char **ret_error);
/* usage_store_interrupt: the query running on s (in another thread) ends soon with an
 * error; safe to call from any thread while s is open. */
void usage_store_interrupt(struct usage_store *s);
const char *usage_store_error(const struct usage_store *s);

/* usage_store_cursor: the last key read at place (the daemon names it by the log
 * location: "account-id/region s3://bucket/prefix"), NULL (in *ret) when nothing was
 * read yet. *ret owned by the caller. */
int usage_store_cursor(struct usage_store *s, const char *place, char **ret);
/* usage_store_cursor_take: usage_store_cursor(); when place has no cursor yet, the
 * cursors stored under another name that ends in old_suffix and holds no space before
 * it (an earlier form of the name: "alias/region s3://bucket/prefix", old_suffix
 * "/region s3://bucket/prefix") become place's, in one transaction: the furthest
 * key of them, their counts added, the old names gone. */
int usage_store_cursor_take(struct usage_store *s, const char *place, const char *old_suffix, char **ret);
/* usage_store_commit: adds every row of a and sets the cursor of place to key, in
 * one transaction; malformed is added to the place's count of skipped records. */
int usage_store_commit(struct usage_store *s, const char *place, const char *key, const struct usage_agg *a,
		       uint64_t records, uint64_t malformed);
/* usage_store_prune: drops every aggregate of a day before `before`. */
int usage_store_prune(struct usage_store *s, int32_t before);

/* A sum over days [since, until]. */
struct usage_sum {
	char *tenant;  /* "" for unattributed */
	char *profile; /* per-profile rows only */
	char *model;   /* per-profile rows only */
	int32_t day;   /* per-day rows only */
	struct usage_counts c;
};

struct usage_sums {
	struct usage_sum *items;
	size_t n;
};

void usage_sums_release(struct usage_sums *s);

/* usage_store_tenant: the tenant's sums per (profile, model) and per day. */
int usage_store_tenant(struct usage_store *s, const char *tenant, int32_t since, int32_t until,
		       struct usage_sums *ret_by_profile, struct usage_sums *ret_by_day);
/* usage_store_ranking: tenants (unattributed excluded) by estimated cost, the
 * highest first, at most limit; *ret_total the sum over every tenant and
 * *ret_unattributed the unattributed usage, over the same days; *ret_tenants the
 * number of tenants with usage. */
int usage_store_ranking(struct usage_store *s, int32_t since, int32_t until, size_t limit, struct usage_sums *ret,
			struct usage_counts *ret_total, struct usage_counts *ret_unattributed, size_t *ret_tenants);

struct usage_place_stats {
	char *place;
	char *cursor;
	uint64_t records, malformed, objects;
};

/* usage_store_places: each place's cursor and counts; free with usage_place_stats_free. */
int usage_store_places(struct usage_store *s, struct usage_place_stats **ret, size_t *ret_n);
void usage_place_stats_free(struct usage_place_stats *p, size_t n);

#endif
