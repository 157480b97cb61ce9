/* The state store's health: failed writes are logged at most once a minute per
 * distinct error, and made good by rewriting the whole store from memory once it can
 * be written again (a full disk that gets space back; probed every 5 s). Create intents are not among
 * what is made good later: a create is never sent without its intent on disk
 * (reconcile.c); the tenant waits with that reason and is retried. */
#include "engine_impl.h"

#include <stdlib.h>

#include "log.h"
#include "xalloc.h"

#define RETRY_FIRST_MS	1000
#define RETRY_CAP_MS	60000
#define LOG_INTERVAL_MS 60000

void engine_store_init(struct engine *e)
{
	uv_timer_init(e->loop, &e->store_retry);
	e->store_retry.data = e;
	e->store_retry_ms = RETRY_FIRST_MS;
	loglimit_init(&e->store_log, LOG_INTERVAL_MS);
	e->store_moved_aside = xstrdup_or_null(e->set.store_moved_aside);
	e->set.store_moved_aside = NULL;
}

void engine_store_release(struct engine *e)
{
	loglimit_release(&e->store_log);
	free(e->store_last_error);
	free(e->store_moved_aside);
}

static void on_store_retry(uv_timer_t *timer);

void engine_store_failed(struct engine *e)
{
	const char *msg = store_error(e->store);
	unsigned long left_out;

	if (!e->store_failing_since)
		e->store_failing_since = engine_wall(e);
	free(e->store_last_error);
	e->store_last_error = xstrdup(msg);
	if (loglimit_allow(&e->store_log, msg, uv_now(e->loop), &left_out)) {
		if (left_out)
			log_error("state store: %s (%lu more like it in the last minute were not logged)", msg,
				  left_out);
		else
			log_error("state store: %s (creates wait until it can be written; retrying)", msg);
	}
	if (!e->closing && !uv_is_active((uv_handle_t *)&e->store_retry))
		uv_timer_start(&e->store_retry, on_store_retry, e->store_retry_ms, 0);
}

/* Everything the engine remembers, in the shape store_rewrite takes. */
static int rewrite(struct engine *e)
{
	const struct tenant_record **records = xcalloc(e->tenants.n + e->records_at_start.n + 1, sizeof(*records));
	struct prune_entry *gate = xcalloc(e->tenants.n + e->held_at_start.n + e->approved_at_start.n + 1,
					   sizeof(*gate));
	struct store_snapshot snap = { .records = records, .gate = gate, .paused = e->paused, .now = engine_wall(e) };
	size_t pos = 0;
	const char *id;
	void *v;
	int r;

	while (hashmap_next(&e->tenants, &pos, NULL, &v)) {
		const struct tenant_entry *t = v;
		records[snap.n_records++] = t->record;
		if (t->held || t->approved)
			gate[snap.n_gate++] = (struct prune_entry){ t->id, t->approved ? PRUNE_APPROVED : PRUNE_HELD };
	}
	for (pos = 0; hashmap_next(&e->records_at_start, &pos, NULL, &v);)
		records[snap.n_records++] = v;
	for (pos = 0; hashmap_next(&e->held_at_start, &pos, &id, NULL);)
		gate[snap.n_gate++] = (struct prune_entry){ id, PRUNE_HELD };
	for (pos = 0; hashmap_next(&e->approved_at_start, &pos, &id, NULL);)
		gate[snap.n_gate++] = (struct prune_entry){ id, PRUNE_APPROVED };
	r = store_rewrite(e->store, &snap);
	free(records);
	free(gate);
	return r;
}

static void recovered(struct engine *e)
{
	log_notice("state store: writable again after %llds; what could not be written meanwhile was written "
		   "from memory (%lu repeated error line(s) were not logged)",
		   (long long)(engine_wall(e) - e->store_failing_since), loglimit_suppressed(&e->store_log));
	loglimit_reset(&e->store_log);
	free(e->store_last_error);
	e->store_last_error = NULL;
	e->store_failing_since = 0;
	e->store_retry_ms = RETRY_FIRST_MS;
}

static void on_store_retry(uv_timer_t *timer)
{
	struct engine *e = timer->data;

	if (e->closing)
		return;
	/* a one-row write tells cheaply whether the disk takes writes again; only then is
	 * the whole store rewritten */
	if (store_failed_writes(e->store) && (store_put_meta(e->store, "probe", "1") < 0 || rewrite(e) < 0)) {
		e->store_retry_ms = e->store_retry_ms * 2 > RETRY_CAP_MS ? RETRY_CAP_MS : e->store_retry_ms * 2;
		engine_store_failed(e);
		return;
	}
	recovered(e);
	/* tenants that waited for a create intent go on now, not after their backoff */
	engine_force_all(e);
}

void engine_store_flush(struct engine *e)
{
	uv_timer_stop(&e->store_retry);
	if (!store_failed_writes(e->store))
		return;
	if (rewrite(e) < 0)
		log_error("state store: %s: the writes that failed since %lld are lost; the next start judges their "
			  "tenants again from AWS (grace periods restart, held deletions are held again)",
			  store_error(e->store), (long long)e->store_failing_since);
	else
		recovered(e);
}

void engine_store_health(const struct engine *e, struct engine_store_health *ret)
{
	ret->failed_writes = store_failed_writes(e->store);
	ret->last_error = e->store_last_error;
	ret->failing_since = e->store_failing_since;
	ret->moved_aside = e->store_moved_aside;
}
