/* The state store's health and batching. Failed writes are logged at most once a minute per
 * distinct error, and made good by rewriting the whole store from memory once it can
 * be written again (a full disk that gets space back; probed every 5 s). Create intents are not among
 * what is made good later: a create is never sent without its intent on disk
 * (reconcile.c); the tenant waits with that reason and is retried. A failed sync of
 * the store (store_sync.h) is reported the same way: its creates are not sent.
 *
 * A tenant's row (its deletion policy) is written in batches of STORE_BATCH rows, one
 * transaction per loop turn, so that the first scan of 10,000 manifests is not 10,000
 * transactions in one turn; a row still waiting is written before its tenant's create
 * intent, and every waiting row before the engine stops.
 *
 * The store's writes of one loop turn share one transaction (store_group_writes): it is
 * committed before the loop polls again (a uv_prepare handle), or at once by a write
 * that must be committed before it returns (a create intent, the pause, an approval),
 * together with everything written before it. A commit costs a write of the log's
 * pages and the locks around it; while converging, the answers of a turn write tens of
 * facts, applied tags and history entries. A kill -9 then loses at most the writes of
 * the turn it interrupts, and never a later write without the earlier ones (one
 * transaction after the other): like a kill just before that turn, whose answers
 * the daemon never read, except for calls that turn already sent (the daemon finds
 * their effects at the next listing, as after any lost answer). */
#include "engine_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "turn_budget.h"
#include "xalloc.h"

#define STORE_WATCH_MS	10000
#define RETRY_FIRST_MS	1000
#define RETRY_CAP_MS	5000
#define LOG_INTERVAL_MS 60000
#define STORE_BATCH	256
#define BATCH_DELAY_MS	1

/* A commit that lost records is made good by the rewrite from memory; one that lost
 * only history entries leaves nothing to make good (store.h): logged, no more. */
static void commit_failed(struct engine *e)
{
	const char *msg = store_error(e->store);
	unsigned long left_out;

	if (store_failed_writes(e->store)) {
		engine__store_failed(e);
		return;
	}
	if (loglimit_allow(&e->store_log, msg, uv_now(e->loop), &left_out))
		log_warning("state store: %s (history entries of a loop turn are lost)", msg);
}

/* The turn's writes, committed together; then the syncs that wait for them start.
 * A waiter's writes may have gone with a group lost since it asked (a write that
 * failed on a full disk, SQLite rolling the group back; a commit elsewhere that
 * failed: on_store_retry's) even when this commit, of a later group, succeeds: any
 * group lost since fails it, as a failed commit does (its intents may not be on disk;
 * the tenant waits and tries again). */
static void commit_turn(struct engine *e)
{
	struct engine__sync_waiter *w = e->after_commit;
	size_t n = e->n_after_commit;
	unsigned long groups_lost;
	int r = 0;

	if (store_uncommitted(e->store) && (r = store_commit(e->store)) < 0)
		commit_failed(e);
	engine__history_committed(e, r == 0);
	if (!n)
		return;
	e->after_commit = NULL; /* a callback may ask again: for the next commit */
	e->n_after_commit = e->alloc_after_commit = 0;
	groups_lost = store_groups_lost(e->store); /* as the turn's commit left it */
	if (r == 0 && groups_lost != w[0].groups_lost && store_failed_writes(e->store))
		engine__store_failed(e); /* the lost group's records: made good from memory */
	for (size_t i = 0; i < n; i++) {
		bool lost = r < 0 || w[i].groups_lost != groups_lost;

		e->commit_failing = lost;
		if (lost)
			w[i].done(w[i].arg, r < 0 ? r : -EIO);
		else
			store_sync_wait(e->sync, w[i].done, w[i].arg);
	}
	e->commit_failing = false;
	free(w);
}

/* Before the loop polls: the turn ends, its commit's cost reserved from the next
 * turns' budget (turn_budget.h). */
static void on_store_commit(uv_prepare_t *h)
{
	struct engine *e = h->data;
	uint64_t t0 = e->set.turn ? turn_budget_now(e->set.turn) : 0;

	commit_turn(e);
	if (e->set.turn)
		turn_budget_end(e->set.turn, turn_budget_now(e->set.turn) - t0);
}

void engine__store_sync_wait(struct engine *e, store_sync_cb done, void *arg)
{
	if (!store_uncommitted(e->store)) {
		store_sync_wait(e->sync, done, arg);
		return;
	}
	XGROW(e->after_commit, e->n_after_commit + 1, e->alloc_after_commit);
	e->after_commit[e->n_after_commit++] = (struct engine__sync_waiter){ done, arg, store_groups_lost(e->store) };
}

static void on_store_retry(uv_timer_t *timer);

/* The store's files removed or replaced by hand (a cleanup of the state directory):
 * SQLite would go on writing to files that no start finds, the records and the pause
 * lost with them. The retry opens the store again at its path and rewrites it from
 * memory; meanwhile it counts as failing (creates wait: their intents would not be
 * on disk). */
static void check_files(struct engine *e)
{
	if (e->store_lost || !store_files_lost(e->store))
		return;
	e->store_lost = true;
	if (!e->store_failing_since)
		e->store_failing_since = engine__wall(e);
	free(e->store_last_error);
	e->store_last_error = xasprintf("%s: its files were removed or replaced", store_path(e->store));
	log_error("state store: %s (by hand?); opening it again and writing it from memory; creates wait until "
		  "then",
		  e->store_last_error);
	if (e->closing)
		return; /* the flush at the stop opens it again */
	uv_timer_stop(&e->store_retry);
	uv_timer_start(&e->store_retry, on_store_retry, RETRY_FIRST_MS, 0);
}

static void on_store_watch(uv_timer_t *timer)
{
	check_files(timer->data);
}

void engine_store_look(struct engine *e)
{
	check_files(e);
}

bool engine__store_current(struct engine *e)
{
	check_files(e);
	if (e->store_lost && !e->closing) {
		uv_timer_stop(&e->store_retry);
		on_store_retry(&e->store_retry);
	}
	return !e->store_lost;
}

void engine__store_init(struct engine *e)
{
	uv_timer_init(e->loop, &e->store_retry);
	e->store_retry.data = e;
	e->store_retry_ms = RETRY_FIRST_MS;
	loglimit_init(&e->store_log, LOG_INTERVAL_MS);
	e->store_moved_aside = xstrdup_or_null(e->set.store_moved_aside);
	e->set.store_moved_aside = NULL;
	uv_timer_init(e->loop, &e->store_watch);
	e->store_watch.data = e;
	if (store_path(e->store)) {
		uv_timer_start(&e->store_watch, on_store_watch, STORE_WATCH_MS, STORE_WATCH_MS);
		uv_unref((uv_handle_t *)&e->store_watch);
	}
	uv_timer_init(e->loop, &e->store_batch);
	e->store_batch.data = e;
	e->sync = store_wal_path(e->store) ? store_sync_new(e->loop, store_wal_path(e->store)) : NULL;
	/* in WAL mode, the log's checkpoints leave the loop too */
	e->checkpoint = e->sync ? store_checkpoint_new(e->loop, e->store) : NULL;
	uv_prepare_init(e->loop, &e->store_commit);
	e->store_commit.data = e;
	uv_prepare_start(&e->store_commit, on_store_commit);
	uv_unref((uv_handle_t *)&e->store_commit); /* never what keeps the loop running */
	store_group_writes(e->store, true);
}

void engine__store_release(struct engine *e)
{
	store_group_writes(e->store, false); /* commits what is left */
	loglimit_release(&e->store_log);
	free(e->store_last_error);
	free(e->store_moved_aside);
	for (size_t i = 0; i < e->n_tenant_writes; i++)
		free(e->tenant_writes[i]);
	free(e->tenant_writes);
	free(e->after_commit); /* like store_sync_free's waiters: dropped */
	store_sync_free(e->sync);
	store_checkpoint_free(e->checkpoint);
}

void engine__store_failed(struct engine *e)
{
	const char *msg = store_error(e->store);
	unsigned long left_out;

	/* the open group's history entries may be lost with it: their lines stay (maybe
	 * shown twice, if the group is committed after all) */
	engine__history_committed(e, false);
	if (!e->store_failing_since)
		e->store_failing_since = engine__wall(e);
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
	struct store_snapshot snap = { .records = records, .gate = gate, .paused = e->paused, .now = engine__wall(e) };
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
		   (long long)(engine__wall(e) - e->store_failing_since), loglimit_suppressed(&e->store_log));
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
	if (e->store_lost) {
		if (store_reopen(e->store) < 0) {
			e->store_retry_ms = e->store_retry_ms * 2 > RETRY_CAP_MS ? RETRY_CAP_MS : e->store_retry_ms * 2;
			engine__store_failed(e);
			return;
		}
		e->store_lost = false;
		e->store_sync_failing = false; /* its log is a new file: the next sync tells */
		log_notice("state store: opened %s again", store_path(e->store));
		if (e->set.on_store_reopened)
			e->set.on_store_reopened(e->set.data);
	}
	if (store_failed_writes(e->store)) {
		/* the write-ahead log, grown while the disk was full, is given back first
		 * (if that fails, the probe tells); then a one-row write tells cheaply
		 * whether the disk takes writes again; only then is the whole store
		 * rewritten */
		(void)store_reclaim_wal(e->store);
		if (store_put_meta(e->store, "probe", "1") < 0 || store_commit(e->store) < 0 || rewrite(e) < 0) {
			e->store_retry_ms = e->store_retry_ms * 2 > RETRY_CAP_MS ? RETRY_CAP_MS : e->store_retry_ms * 2;
			engine__store_failed(e);
			return;
		}
	}
	recovered(e);
	/* tenants that waited for a create intent go on now, not after their backoff */
	engine_force_all(e);
}

static void write_tenants(struct engine *e, size_t max);

void engine__store_flush(struct engine *e)
{
	uv_timer_stop(&e->store_retry);
	uv_timer_stop(&e->store_batch);
	if (e->n_tenant_writes)
		write_tenants(e, e->n_tenant_writes);
	commit_turn(e);
	check_files(e);
	uv_timer_stop(&e->store_retry); /* opened again here, if it must be */
	if (e->store_lost) {
		if (store_reopen(e->store) < 0) {
			log_error("state store: its files were removed and it cannot be opened again (%s): what the "
				  "daemon remembers is lost; the next start judges every tenant again from AWS",
				  store_error(e->store));
			return;
		}
		e->store_lost = false;
	}
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

/* Up to `max` waiting rows in one transaction; the rest stay queued. Entries forgotten
 * since (or written on their own) are skipped. */
static void write_tenants(struct engine *e, size_t max)
{
	const char **ids = xcalloc(max + 1, sizeof(*ids));
	enum deletion_policy *policies = xcalloc(max + 1, sizeof(*policies));
	size_t taken = 0, n = 0;

	for (; taken < e->n_tenant_writes && n < max; taken++) {
		struct tenant_entry *t = engine__entry(e, e->tenant_writes[taken]);
		if (!t || !t->store_pending)
			continue;
		t->store_pending = false;
		ids[n] = t->id;
		policies[n++] = t->record->deletion_policy;
	}
	if (n && store_put_tenants(e->store, ids, policies, n) < 0)
		engine__store_failed(e); /* made good by the rewrite from memory */
	for (size_t i = 0; i < taken; i++)
		free(e->tenant_writes[i]);
	memmove(e->tenant_writes, e->tenant_writes + taken, (e->n_tenant_writes - taken) * sizeof(*e->tenant_writes));
	e->n_tenant_writes -= taken;
	free(ids);
	free(policies);
}

static void on_store_batch(uv_timer_t *timer)
{
	struct engine *e = timer->data;

	write_tenants(e, STORE_BATCH);
	if (e->n_tenant_writes && !e->closing)
		uv_timer_start(&e->store_batch, on_store_batch, BATCH_DELAY_MS, 0);
}

void engine__put_fact(struct engine *e, struct tenant_entry *t, const char *key, const char *value)
{
	if (value)
		record_set_fact(t->record, key, value);
	else
		record_clear_fact(t->record, key);
	if (store_put_fact(e->store, t->id, key, value) < 0)
		engine__store_failed(e);
}

void engine__store_tenant(struct engine *e, struct tenant_entry *t)
{
	if (t->store_pending)
		return;
	t->store_pending = true;
	XGROW(e->tenant_writes, e->n_tenant_writes + 1, e->alloc_tenant_writes);
	e->tenant_writes[e->n_tenant_writes++] = xstrdup(t->id);
	if (!e->closing && !uv_is_active((uv_handle_t *)&e->store_batch))
		uv_timer_start(&e->store_batch, on_store_batch, BATCH_DELAY_MS, 0);
}

void engine__store_tenant_now(struct engine *e, struct tenant_entry *t)
{
	if (!t->store_pending)
		return;
	t->store_pending = false; /* its queued id is skipped */
	if (store_put_tenant(e->store, t->id, t->record->deletion_policy) < 0)
		engine__store_failed(e);
}

void engine__store_sync_failed(struct engine *e, int status)
{
	char *msg;
	unsigned long left_out;

	if (status == -ENOENT) {
		check_files(e); /* its log removed: the store's files with it? */
		if (e->store_lost)
			return;
	}
	msg = xasprintf("syncing %s: %s", store_wal_path(e->store), strerror(-status));

	if (!e->store_failing_since)
		e->store_failing_since = engine__wall(e);
	e->store_sync_failing = true;
	free(e->store_last_error);
	e->store_last_error = msg;
	if (loglimit_allow(&e->store_log, msg, uv_now(e->loop), &left_out))
		log_error("state store: %s (creates wait until it can be synced; retrying)%s", msg,
			  left_out ? " (more like it in the last minute were not logged)" : "");
}

void engine__store_synced(struct engine *e)
{
	if (!e->store_sync_failing)
		return;
	e->store_sync_failing = false;
	if (store_failed_writes(e->store))
		return; /* the rewrite's retry tells when the store is whole again */
	log_notice("state store: synced to disk again after %llds",
		   (long long)(engine__wall(e) - e->store_failing_since));
	loglimit_reset(&e->store_log);
	free(e->store_last_error);
	e->store_last_error = NULL;
	e->store_failing_since = 0;
	/* tenants that waited for a durable intent go on now, not after their backoff */
	engine_force_all(e);
}
