#include "usage_query.h"

#include <errno.h>
#include <stdlib.h>

#include "xalloc.h"

struct usage_queries {
	uv_loop_t *loop;
	struct usage_store *store; /* read-only; used by one query at a time, in the pool */
	struct usage_query *running;
	struct usage_query *head, *tail; /* waiting, oldest first */
	size_t n_waiting;
	uint64_t refused;
	bool closing;
	void (*closed)(void *data);
	void *closed_data;
};

int usage_queries_new(uv_loop_t *loop, const char *path, struct usage_queries **ret, char **ret_error)
{
	struct usage_queries *qs = xcalloc(1, sizeof(*qs));
	int r = usage_store_open_reader(path, &qs->store, ret_error);

	if (r < 0) {
		free(qs);
		return r;
	}
	qs->loop = loop;
	*ret = qs;
	return 0;
}

struct usage_query *usage_query_new(enum usage_query_kind kind, int32_t since, int32_t until)
{
	struct usage_query *q = xcalloc(1, sizeof(*q));

	q->kind = kind;
	q->since = since;
	q->until = until;
	return q;
}

void usage_query_free(struct usage_query *q)
{
	if (!q)
		return;
	free(q->tenant);
	free(q->error);
	usage_sums_release(&q->by_profile);
	usage_sums_release(&q->by_day);
	usage_sums_release(&q->top);
	free(q);
}

/* In the thread pool: the store is this query's alone while it runs. */
static void run(uv_work_t *w)
{
	struct usage_query *q = w->data;
	struct usage_store *s = q->owner->store;

	if (q->kind == USAGE_QUERY_TENANT)
		q->r = usage_store_tenant(s, q->tenant, q->since, q->until, &q->by_profile, &q->by_day);
	else
		q->r = usage_store_ranking(s, q->since, q->until, q->limit, &q->top, &q->total, &q->unattributed,
					   &q->n_tenants);
	if (q->r < 0)
		q->error = xstrdup(usage_store_error(s));
}

static void finish(struct usage_query *q, int r, const char *error)
{
	q->r = r;
	free(q->error);
	q->error = xstrdup(error);
	q->done(q);
}

static void maybe_closed(struct usage_queries *qs)
{
	if (!qs->closing || qs->running)
		return;
	usage_store_close(qs->store);
	if (qs->closed)
		qs->closed(qs->closed_data);
	free(qs);
}

static void ran(uv_work_t *w, int status);

/* The oldest waiting query, into the pool. */
static void start_next(struct usage_queries *qs)
{
	struct usage_query *q;

	while (!qs->running && qs->head) {
		q = qs->head;
		qs->head = q->next;
		if (!qs->head)
			qs->tail = NULL;
		qs->n_waiting--;
		q->next = NULL;
		q->work.data = q;
		qs->running = q;
		if (uv_queue_work(qs->loop, &q->work, run, ran) < 0) { /* cannot fail with these arguments */
			qs->running = NULL;
			finish(q, -EIO, "cannot queue the query");
		}
	}
}

static void ran(uv_work_t *w, int status)
{
	struct usage_query *q = w->data;
	struct usage_queries *qs = q->owner;

	qs->running = NULL;
	if (status == UV_ECANCELED)
		finish(q, -ESHUTDOWN, "the daemon is stopping");
	else if (qs->closing) /* interrupted, or the answer's makings are closing */
		finish(q, -EINTR, "the daemon is stopping");
	else
		q->done(q);
	if (qs->closing)
		maybe_closed(qs);
	else
		start_next(qs);
}

int usage_queries_submit(struct usage_queries *qs, struct usage_query *q)
{
	if (!qs || qs->closing)
		return -ESHUTDOWN;
	if (qs->running && qs->n_waiting >= USAGE_QUERY_WAITING) {
		qs->refused++;
		return -EBUSY;
	}
	q->owner = qs;
	q->next = NULL;
	if (qs->tail)
		qs->tail->next = q;
	else
		qs->head = q;
	qs->tail = q;
	qs->n_waiting++;
	start_next(qs);
	return 0;
}

size_t usage_queries_running(const struct usage_queries *qs)
{
	return qs->running ? 1 : 0;
}

size_t usage_queries_waiting(const struct usage_queries *qs)
{
	return qs->n_waiting;
}

uint64_t usage_queries_refused(const struct usage_queries *qs)
{
	return qs->refused;
}

void usage_queries_close(struct usage_queries *qs, void (*closed)(void *data), void *data)
{
	qs->closing = true;
	qs->closed = closed;
	qs->closed_data = data;
	while (qs->head) {
		struct usage_query *q = qs->head;
		qs->head = q->next;
		qs->n_waiting--;
		finish(q, -ESHUTDOWN, "the daemon is stopping");
	}
	qs->tail = NULL;
	if (qs->running && uv_cancel((uv_req_t *)&qs->running->work) < 0)
		usage_store_interrupt(qs->store); /* already running: SQLite stops at its next step */
	maybe_closed(qs);
}
