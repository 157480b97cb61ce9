/* The control socket's usage queries, off the event loop: each runs in libuv's
 * thread pool on a read-only connection of its own to usage.db (WAL: it reads while
 * the reader's commits go on, on the loop's connection), and its sums come back to
 * the loop, where the answer is built. A GROUP BY over a year of a large store takes
 * seconds: on the loop it would hold the control socket, the reconciles and the
 * watchdog's ping that long.
 *
 * Bounded: one query runs at a time, at most USAGE_QUERY_WAITING wait for it; a
 * query beyond is refused (-EBUSY) for the caller to answer 503. Owns the read-only
 * connection and the queries until each one's done runs. */
#ifndef BTD_USAGE_QUERY_H
#define BTD_USAGE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "usage_store.h"

#define USAGE_QUERY_WAITING 8

enum usage_query_kind {
	USAGE_QUERY_TENANT,  /* usage_store_tenant */
	USAGE_QUERY_RANKING, /* usage_store_ranking */
};

struct usage_query;
/* done runs on the loop, once, with the query answered (q->r and the sums); the
 * callee owns q then and frees it with usage_query_free. */
typedef void (*usage_query_fn)(struct usage_query *q);

struct usage_query {
	/* asked */
	enum usage_query_kind kind;
	char *tenant; /* USAGE_QUERY_TENANT; owned */
	int32_t since, until;
	size_t limit; /* USAGE_QUERY_RANKING */
	usage_query_fn done;
	void *data; /* the caller's */
	/* answered: r 0, or -errno with error (owned); -ESHUTDOWN when the daemon
	 * stopped before it ran, -EINTR when it stopped it while running */
	int r;
	char *error;
	struct usage_sums by_profile, by_day;	 /* USAGE_QUERY_TENANT */
	struct usage_sums top;			 /* USAGE_QUERY_RANKING */
	struct usage_counts total, unattributed; /* USAGE_QUERY_RANKING */
	size_t n_tenants;			 /* USAGE_QUERY_RANKING */
	/* the queue's */
	struct usage_query *next;
	struct usage_queries *owner;
	uv_work_t work;
};

struct usage_queries;

/* usage_queries_new: opens usage.db at path read-only (the reader's store made it).
 * -errno with *ret_error (owned by the caller). */
int usage_queries_new(uv_loop_t *loop, const char *path, struct usage_queries **ret, char **ret_error);
/* usage_queries_submit: queues q (its asked fields set; owned by the queue from now
 * until done). -EBUSY when USAGE_QUERY_WAITING wait already, -ESHUTDOWN when
 * closing (or qs is NULL, closed): q stays the caller's and done is never called. */
int usage_queries_submit(struct usage_queries *qs, struct usage_query *q);
/* usage_queries_running, usage_queries_waiting, usage_queries_refused: for status. */
size_t usage_queries_running(const struct usage_queries *qs);
size_t usage_queries_waiting(const struct usage_queries *qs);
uint64_t usage_queries_refused(const struct usage_queries *qs);
/* usage_queries_close: the waiting queries are done at once (-ESHUTDOWN), the running
 * one is interrupted; once it is done, qs is freed and closed(data) runs (maybe
 * before this returns). */
void usage_queries_close(struct usage_queries *qs, void (*closed)(void *data), void *data);

/* usage_query_new: a query with nothing asked yet. usage_query_free: NULL is fine. */
struct usage_query *usage_query_new(enum usage_query_kind kind, int32_t since, int32_t until);
void usage_query_free(struct usage_query *q);

#endif
