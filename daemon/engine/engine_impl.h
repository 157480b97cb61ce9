/* Internals shared by engine.c (tenants, revisions, scheduling), places.c (listings
 * and the write journal) and reconcile.c (one tenant's rounds). Not for other
 * modules. */
#ifndef BTD_ENGINE_IMPL_H
#define BTD_ENGINE_IMPL_H

#include "engine.h"
#include "hashmap.h"
#include "loglimit.h"
#include "store_sync.h"
#include "workqueue.h"

enum journal_kind {
	JOURNAL_PROFILE_PUT,
	JOURNAL_PROFILE_DELETE,
	JOURNAL_PARAMETER_PUT,
	JOURNAL_PARAMETER_DELETE,
	JOURNAL_BUDGET_PUT,
	JOURNAL_BUDGET_DELETE,
};

/* One of the daemon's own writes (or reads), replayed over a listing that was already
 * under way when its answer came, so that such a listing cannot undo what the daemon
 * knows it did. A listing that started after the answer is authoritative over it: the
 * entry is dropped, and whatever that listing shows (a profile deleted or a tag edited
 * by hand) is what the daemon then believes. */
struct journal_entry {
	uint64_t seq; /* the place's write counter when the answer came */
	uint64_t at_ms;
	enum journal_kind kind;
	struct observed_profile *profile;     /* PUT: a copy */
	struct observed_parameter *parameter; /* PUT: a copy */
	struct observed_budget *budget;	      /* PUT: a copy */
	char *key;			      /* DELETE: ARN or parameter name */
};

struct place_state {
	struct place place;
	struct engine *e;
	struct observed_store store;
	bool listed;		      /* one listing finished */
	bool listing;		      /* a listing is in flight */
	bool relist;		      /* another listing was asked for meanwhile */
	bool resolving;		      /* the account id is being asked for */
	bool failed;		      /* the last listing failed: retried by the relist timer */
	bool listing_without_account; /* the listing in flight started before the account id was known */
	uint64_t listed_at_ms;
	uint64_t write_seq;	    /* answers journaled so far */
	uint64_t listing_start_seq; /* write_seq when the listing in flight started */
	struct journal_entry *journal;
	size_t n_journal, alloc_journal;
};

struct reconcile {
	struct engine *e;
	struct tenant_entry *t;
	struct place_state *ps;
	struct plan plan;
	unsigned round;
	unsigned outstanding;
	enum error_class worst;
	char *error;
	bool closing_wait;  /* counted in e->outstanding_calls */
	bool store_wait;    /* a create waits for the state store (its error is logged there) */
	char *intent_error; /* the round's create intents could not be made durable: why */
	/* uv_now() at the start, for reconcile_seconds */
	uint64_t started_ms;
};

struct engine {
	uv_loop_t *loop;
	struct engine_settings set;
	const struct cloud_ops *cloud;
	void *cloud_ctx;
	struct store *store;
	struct hashmap tenants;		  /* id -> struct tenant_entry * */
	struct hashmap places;		  /* key -> struct place_state * */
	struct hashmap records_at_start;  /* id -> struct tenant_record * not yet claimed */
	struct hashmap held_at_start;	  /* id -> (void *)1 */
	struct hashmap approved_at_start; /* id -> (void *)1 */
	struct workqueue queue;
	uv_timer_t pump;
	uv_timer_t resync;
	uv_timer_t close_timer;
	uv_timer_t relist;	  /* retries failed listings */
	uint64_t relist_delay_ms; /* 5 s doubling to 5 min */
	bool started, paused, ready, closing;
	bool pump_scheduled; /* the pump's timer is armed to run on the next timer phase */
	bool pumping;	     /* inside the pump: it arms its own next run */
	bool trusted;	     /* the last revision read the manifest directory completely */
	/* Before the first full sync: the tenants at positions of `tenants` before this
	 * one were reconciled (or suspended) when last looked at. Reset whenever a tenant
	 * is added, removed or given a new desired state, so readiness checks walk the
	 * map once overall instead of once per reconcile. */
	size_t ready_scan_pos;
	bool revision_open;
	char *revision;		    /* git commit (or NULL) of the last revision */
	size_t removed_in_revision; /* removals since engine_revision_begin */
	size_t reconciles_in_flight;
	size_t calls_in_flight;
	size_t by_state[TENANT__STATE_COUNT]; /* tenants in each state, kept as states change */
	size_t n_held;			      /* tenants whose deletions are held */
	int64_t last_resync;
	uint64_t n_reconciles, n_actions, n_action_failures;
	uint64_t n_drift_repairs;
	struct histogram reconcile_seconds;
	int closing_handles;
	void (*drained_cb)(void *);
	void *drained_data;
	void (*close_done)(void *);
	void *close_data;
	/* The state store's health (engine_store.c) */
	uv_timer_t store_retry;	   /* rewrites the store after failed writes */
	uint64_t store_retry_ms;   /* 1 s doubling to 5 s */
	struct loglimit store_log; /* one line per distinct store error per minute */
	char *store_last_error;
	int64_t store_failing_since; /* wall clock of the first failure not yet made good */
	char *store_moved_aside;     /* where a damaged store was moved at start, or NULL */
	bool store_sync_failing;     /* the last sync of the store failed */
	struct store_sync *sync;     /* makes create intents durable off the loop; NULL: at commit */
	/* tenants whose row (policy) waits to be written, in batches (engine_store_tenant) */
	char **tenant_writes;
	size_t n_tenant_writes, alloc_tenant_writes;
	uv_timer_t store_batch;
	/* What a listing replaced, freed a bounded amount per loop turn (places.c) */
	struct observed_store **dead_stores;
	size_t n_dead_stores, alloc_dead_stores;
	struct journal_entry *dead_journal;
	size_t n_dead_journal, alloc_dead_journal, dead_journal_pos;
	uv_timer_t reap;
};

/* engine.c */
int64_t engine_wall(const struct engine *e);
void engine_schedule_pump(struct engine *e);
struct tenant_entry *engine_entry(const struct engine *e, const char *id);
struct tenant_entry *engine_entry_new(struct engine *e, const char *id);
void engine_forget_entry(struct engine *e, struct tenant_entry *t);
void engine_history(struct tenant_entry *t, int64_t now, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void engine_update_state(struct engine *e, struct tenant_entry *t);
void engine_maybe_ready(struct engine *e);
void engine_call_done(struct engine *e);
void engine_prune_gate(struct engine *e, const char *what);

/* engine_store.c */
void engine_store_init(struct engine *e);
void engine_store_release(struct engine *e);
/* engine_store_failed: a write to the state store failed (the message is in
 * store_error()): logged at most once a minute per distinct error, and the whole
 * store is rewritten from memory once it can be written again. */
void engine_store_failed(struct engine *e);
/* engine_store_flush: one more rewrite attempt before the engine stops. */
void engine_store_flush(struct engine *e);
/* engine_store_tenant: t's row (its deletion policy) is written with others in one
 * transaction of at most STORE_BATCH rows per loop turn, not one transaction each. */
void engine_store_tenant(struct engine *e, struct tenant_entry *t);
/* engine_store_tenant_now: t's row, if it still waits, is written now. */
void engine_store_tenant_now(struct engine *e, struct tenant_entry *t);
/* engine_store_sync_failed / engine_store_synced: a sync of the store failed (creates
 * wait, status shows it) / succeeded (after failures: every tenant is looked at again). */
void engine_store_sync_failed(struct engine *e, int status);
void engine_store_synced(struct engine *e);

/* places.c */
struct place_state *place_for(struct engine *e, const char *account, const char *region);
struct place_state *place_of_tenant(struct engine *e, const struct tenant_entry *t);
void place_list(struct place_state *ps);
void place_free(void *ps);
/* places_reap_release: frees at once what still waits to be freed (the engine stops). */
void places_reap_release(struct engine *e);
void place_journal(struct place_state *ps, enum journal_kind kind, const struct observed_profile *profile,
		   const struct observed_parameter *parameter, const char *key);
void place_journal_budget(struct place_state *ps, const struct observed_budget *b, const char *deleted);
const char *place_account_id(const struct place_state *ps);

/* reconcile.c */
void reconcile_start(struct engine *e, struct tenant_entry *t);

#endif
