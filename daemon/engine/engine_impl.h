/* Internals shared by engine.c (tenants, revisions, scheduling), places.c (listings
 * and the write journal), reconcile.c (one tenant's rounds), engine_store.c (the state
 * store's health) and history.c. Not for other modules; every name shared here carries
 * the engine__ marker.
 *
 * One place decides: engine.c alone writes the work queue, the tenants' states and
 * counts, and readiness. places.c and reconcile.c are called by engine.c and report
 * what came of their work upward through the callback they were given
 * (engine__place_report_fn, engine__reconcile_done_fn), never by calling into
 * engine.c, so that no two of the three call each other in a loop. */
#ifndef BTD_ENGINE_IMPL_H
#define BTD_ENGINE_IMPL_H

#include <time.h>

#include "engine.h"
#include "hashmap.h"
#include "loglimit.h"
#include "store_checkpoint.h"
#include "store_sync.h"
#include "workqueue.h"

enum journal_kind {
	JOURNAL_PROFILE_PUT,
	JOURNAL_PROFILE_DELETE,
	JOURNAL_PARAMETER_PUT,
	JOURNAL_PARAMETER_DELETE,
	JOURNAL_BUDGET_PUT,
	JOURNAL_BUDGET_DELETE,
	JOURNAL_DENY_POLICY_PUT,
	JOURNAL_DENY_POLICY_DELETE,
};

/* One of the daemon's own writes (or reads), replayed over a listing that was already
 * under way when its answer came, so that such a listing cannot undo what the daemon
 * knows it did; kept only while that listing runs. A listing that started after the
 * answer is authoritative over it: whatever that listing shows (a profile deleted or
 * a tag edited by hand) is what the daemon then believes. */
struct journal_entry {
	uint64_t seq; /* the place's write counter when the answer came */
	uint64_t at_ms;
	enum journal_kind kind;
	struct observed_profile *profile;     /* PUT: a copy */
	struct observed_parameter *parameter; /* PUT: a copy */
	struct observed_budget *budget;	      /* PUT: a copy */
	struct observed_deny_policy *deny;    /* PUT: a copy */
	char *key;			      /* DELETE: ARN or parameter name */
};

/* The instance's claim (claim.c). */
#define CLAIM_FRESH_MS 10000 /* engine_settings.claim_fresh_ms's default */
#define CLAIM_WAIT_MS  3000  /* rounds wait at most this long for the claim's answer */
/* at rest, the daemon that holds the claim reads it every CLAIM_REST_FRESH fresh_ms
 * (a minute by default; engine_settings.claim_rest_ms), and at each resync */
#define CLAIM_REST_FRESH 6
enum engine__claim_state {
	CLAIM_OFF,	 /* no claim parameter (or a cloud without claims) */
	CLAIM_UNWRITTEN, /* not written by this daemon yet (or since resume) */
	CLAIM_HELD,	 /* written or read back as this daemon's */
	CLAIM_LOST,	 /* it names another daemon: standing by */
};
struct engine__claim {
	enum engine__claim_state state;
	struct place place; /* the daemon's own account in the default Region (owned key, region) */
	bool in_flight, writing;
	bool renew_owed;	/* resumed while a call was in flight: write once it answers */
	bool release_owed;	/* stopping while a call was in flight: release once it answers */
	char *released_value;	/* this run's text marked released (claim.c) */
	int64_t confirmed_at;	/* wall clock of the last reading or writing naming this daemon; 0: none */
	uint64_t fresh_ms;	/* engine_settings.claim_fresh_ms */
	uint64_t open_until_ms; /* calls go without asking until then (uv_now) */
	char *other;		/* CLAIM_LOST: the text naming the other daemon */
	char *error;		/* the last call's failure, NULL when it succeeded */
	uint64_t reads, writes;
	char **waiting; /* tenants whose round waits for the answer (owned ids) */
	size_t n_waiting, alloc_waiting;
	uv_timer_t slow;  /* CLAIM_WAIT_MS after a round began to wait */
	uv_timer_t watch; /* standing by: the claim read again every fresh_ms */
	uv_timer_t rest;  /* holding it: read again every claim_rest_ms (engine__claim_check) */
};
/* claim.c's report of an answer to engine.c: the waiting rounds may go on (taken
 * with engine__claim_take_waiting); lost: the claim names another daemon now. */
typedef void engine__claim_report_fn(struct engine *e, bool lost);

void engine__claim_init(struct engine *e);
void engine__claim_release(struct engine *e);
/* engine__claim_wait: a round of `tenant` is about to call AWS: false when it may
 * go, true when it must not (standing by, or waiting for the claim's answer: it is
 * asked for, and the tenant given back with the report). */
bool engine__claim_wait(struct engine *e, const char *tenant);
bool engine__claim_waiting(const struct engine *e, const char *tenant);
char **engine__claim_take_waiting(struct engine *e, size_t *ret_n);
/* engine__standby: the claim names another daemon. */
bool engine__standby(const struct engine *e);
/* engine__claim_renew: claim the instance for this daemon now (resume), whatever
 * the claim says; true when it stood by. */
bool engine__claim_renew(struct engine *e);
/* engine__claim_check: a resync, and at rest every claim_rest_ms, reads a claim this
 * daemon holds (unless read within fresh_ms), so that what its status says of the
 * claim is at most a minute old even when it has nothing to do. */
void engine__claim_check(struct engine *e);
/* engine__claim_stop: the daemon stops (engine_drain): a claim it holds is marked
 * released, so that a daemon standing by takes the instance over (the call counts
 * among those the drain waits for). */
void engine__claim_stop(struct engine *e);

struct place_state;
struct engine__pool;
struct placement_place;

/* What one call of a place came to (a listing, or the account id), reported to the
 * engine: listed is true when a listing just succeeded and the place's tenants are to
 * be compared with the new view. */
struct engine__place_outcome {
	bool listed;
	/* the listing read the budgets (or the budget enforcement) that the place's last
	 * one could not: its tenants held for that (a terminal error, waiting for a
	 * change) are looked at again */
	bool budgets_back;
	/* the listing succeeded after one failed in whole (the account's credentials or
	 * access were refused): its tenants stalled on that are tried again */
	bool back;
};
/* An account's listings in flight that were started at its latest account_epoch. */
struct engine__account_listings {
	uint64_t epoch;
	unsigned listing;
};

typedef void engine__place_report_fn(struct engine *e, struct place_state *ps, const struct engine__place_outcome *o);

struct place_state {
	struct place place;
	struct engine *e;
	engine__place_report_fn *report;
	struct observed_store store;
	/* tenant id -> struct tenant_entry * of the tenants whose place this is (t->place,
	 * set by engine__set_place only), keyed by the entries' own ids: a listing queues
	 * them without walking every tenant of the engine */
	struct hashmap members;
	/* The tenants whose budgets and policies the listing in flight left to the
	 * account's other places (struct place.budgets_elsewhere, policies_elsewhere; ids,
	 * owned keys): one that came here meanwhile brings its own once it is in */
	struct hashmap listing_elsewhere;
	bool listed;	  /* one listing finished */
	bool adopt_later; /* its listing came while the manifests could not say which tenants
			   * have none (untrusted, or a revision being handed): looked at again
			   * for them once they can (engine_revision_end) */
	bool listing;	  /* a listing is in flight */
	bool relist;	  /* another listing was asked for meanwhile */
	bool resolving;	  /* the account id is being asked for */
	/* its account is not in the configuration (engine_settings.account_known): never
	 * listed, its tenants wait with list_error as their reason */
	bool unknown_account;
	bool moves_from;	  /* a move's old place (moves.c old_place): its tenants' old sets are here */
	bool failed;		  /* the last listing failed (or left the budgets out): retried by the relist timer */
	bool unreachable;	  /* the last listing failed in whole (its credentials refused, ...): no
				   * new tenant is placed here until one succeeds */
	uint64_t relist_delay_ms; /* since failed: 5 s doubling to 5 min (places.c's) */
	uint64_t relist_at_ms;	  /* since failed: when the relist timer lists it again */
	/* The last listing failed (failed), or read all but the account's budgets
	 * ("budgets not listed: ..."): why, and since when (wall clock, the first failure
	 * of the run); NULL and 0 once a listing succeeds in whole. */
	char *list_error;
	int64_t list_failing_since;
	bool waiting;		      /* in the engine's list_queue: its listing waits for room */
	bool waiting_resync;	      /* ... asked for by a resync only (keep_tags) */
	bool listing_without_account; /* the listing in flight started before the account id was known */
	uint64_t listed_at_ms;
	uint64_t write_seq;	    /* answers journaled so far */
	uint64_t listing_start_seq; /* write_seq when the listing in flight started */
	/* The parameters' tags: read by one resync in ENGINE_TAGS_EVERY (from tags_phase
	 * on), and by the next listing after the daemon wrote a parameter of the place
	 * (params_seq: write_seq of that answer; tags_seq: listing_start_seq of the last
	 * listing that read them). */
	unsigned tags_phase;
	uint64_t params_seq, tags_seq;
	struct journal_entry *journal;
	size_t n_journal, alloc_journal;
	/* place_slots.c: its tenants' reconciles in flight, and the tenants that wait
	 * for one of its slots (FIFO) */
	unsigned in_flight;
	struct place_waiter *waiters, *waiters_tail;
};

/* What one reconcile came to, reported once to the engine, which decides what follows
 * (the queue, the tenant's state, readiness, forgetting a tenant with nothing left). */
struct engine__outcome {
	enum error_class cls;
	const char *error;   /* borrowed for the report; NULL when fine */
	bool quiet;	     /* the error is logged elsewhere (the state store, once a minute) */
	bool left_for_aws;   /* the last plan still had AWS actions (or was incomplete) */
	bool deleting;	     /* the last plan was deleting something */
	bool had_actions;    /* the last plan had actions of any kind */
	bool over_budget;    /* the last plan found its Budgets action executed */
	int64_t wake_at;     /* the last plan's next timer (wall clock), 0: none */
	uint64_t started_ms; /* loop time the reconcile started (its duration for metrics) */
	int quota_kind;	     /* a create was refused with a quota error (enum placement_kind); -1: none */
};
typedef void engine__reconcile_done_fn(struct engine *e, struct tenant_entry *t, const struct engine__outcome *o);

/* reconcile.c's own tallies, kept in the engine for its counts and its drain; only
 * reconcile.c writes them. */
struct engine__tally {
	size_t calls_in_flight; /* AWS calls and store syncs waited for */
	uint64_t actions, action_failures;
	uint64_t drift_repairs;
};

struct reconcile {
	struct engine *e;
	engine__reconcile_done_fn *done;
	bool *ended; /* while engine__reconcile_start runs: set when the reconcile ends */
	struct tenant_entry *t;
	struct place_state *ps;	  /* the place of this round's calls */
	struct place_state *home; /* the tenant's place (ps, but in a move's rounds in an old place) */
	bool moving_out;	  /* this round empties an old place of a move (moves.c) */
	/* only the old set that serves before a move's switch (engine__serving_round): a
	 * tenant waiting for a place to move to */
	bool serving_only;
	bool served;	    /* a round of this reconcile was engine__serving_round's */
	bool serving_round; /* this round is */
	bool priority;	    /* from the change lane: its calls go first in the AWS layer */
	uint64_t order;	    /* its rank in the AWS layer's queues: e->n_reconciles at its start */
	struct plan plan;
	unsigned round;
	unsigned outstanding;
	enum error_class worst;
	char *error;
	bool closing_wait;  /* counted in e->outstanding_calls */
	bool store_wait;    /* a create waits for the state store (its error is logged there) */
	char *intent_error; /* the round's create intents could not be made durable: why */
	int quota_kind;	    /* a create was refused with a quota error: its kind; -1: none */
	/* uv_now() at the start, for reconcile_seconds */
	uint64_t started_ms;
};

/* A quota Service Quotas has not answered (its configured capacity stands in). */
#define ENGINE__QUOTA_UNREAD UINT64_MAX

/* A pool's places and their capacity (pools.c). */
struct engine__pool {
	char *name;
	struct place_state **places; /* accounts as written, then Regions */
	size_t n_places;
	struct hashmap index; /* place key -> (void *)(position + 1) */
	struct placement_place *cap;
	bool dirty;				/* cap must be counted afresh */
	uint64_t *quota_profiles;		/* per place, from Service Quotas; ENGINE__QUOTA_UNREAD: not read */
	uint64_t *quota_roles;			/* per place (the account's), from Service Quotas; alike */
	bool *quota_read;			/* the profiles quota was asked for (answered or failed) */
	uint64_t *quota_asked_ms;		/* when it was first asked (loop ms + 1); 0: not yet */
	bool *quota_failing;			/* its last ask failed: said once, until it answers */
	uint8_t *full;				/* per place: kinds AWS refused a create for, until its next listing */
	struct hashmap waiting;			/* ids of tenants waiting for room -> (void *)1 */
	char **place_accounts, **place_regions; /* per place, from the settings */
};
/* Capacity changed in p (a quota answer or a listing, a tenant forgotten): the engine
 * marks p's waiting tenants. */
typedef void engine__pool_report_fn(struct engine *e, struct engine__pool *p);

struct engine {
	uv_loop_t *loop;
	struct engine_settings set;
	/* where the listings read parameters: set.param_prefix widened by the parameters
	 * the records name (engine__list_prefix_update; owned) */
	char *list_prefix;
	const struct cloud_ops *cloud;
	void *cloud_ctx;
	struct store *store;
	struct hashmap tenants;		  /* id -> struct tenant_entry * */
	struct hashmap places;		  /* key -> struct place_state * */
	struct hashmap records_at_start;  /* id -> struct tenant_record * not yet claimed */
	struct hashmap held_at_start;	  /* id -> (void *)1 */
	struct hashmap approved_at_start; /* id -> (void *)1 */
	struct workqueue queue;
	size_t slot_waiters; /* tenants waiting for a slot of their place (place_slots.c) */
	uv_timer_t pump;
	uv_timer_t resync;
	uv_timer_t close_timer;
	uv_timer_t relist;   /* retries failed listings (places.c's) */
	uv_timer_t audit;    /* the paced audit of budget notifications (alerts_audit.c's) */
	double audit_credit; /* budgets owed to the audit (fractions of one) */
	size_t audit_pos;    /* where the audit goes on in tenants */
	uint64_t resyncs;    /* engine_resync calls so far (places.c's) */
	uint64_t resync_ms;  /* the loop's time of the last resync (or of the start) */
	bool resyncing;	     /* inside engine_resync: its listings may keep tags */
	bool started, paused, ready, closing;
	struct engine__claim claim;
	engine__claim_report_fn *claim_report;
	bool pump_scheduled; /* the pump's timer is armed to run on the next timer phase */
	bool pumping;	     /* inside the pump: it arms its own next run */
	bool trusted;	     /* the last revision read the manifest directory completely */
	/* Before the first full sync: the tenants at positions of `tenants` before this
	 * one were reconciled (or suspended) when last looked at. Reset whenever a tenant
	 * is added, removed or given a new desired state, so readiness checks walk the
	 * map once overall instead of once per reconcile. */
	size_t ready_scan_pos;
	bool revision_open;
	bool revision_ended; /* a revision of the manifests was taken whole since start */
	/* the revision read every manifest (a full scan), not the files of a change */
	bool revision_full;
	/* some file fails without a tenant id that can be read, or some directory could
	 * not be read: a tenant without a manifest may be declared there, so none is
	 * taken for removed (engine_revision_begin's REVISION_IDS_UNKNOWN) */
	bool ids_unknown;
	/* id -> struct tenant_entry *: the tenants a failing manifest names that have no
	 * good definition (tenant_entry.unparsed), and those kept while ids were unknown
	 * (tenant_entry.kept_gone) */
	struct hashmap held_by_manifests;
	/* Two places are one under two aliases of an account (the same account id and
	 * Region): has_twins, as last worked out (twins_known; places.c's twins). */
	bool twins_known, has_twins;
	char *revision;		    /* git commit (or NULL) of the last revision */
	size_t removed_in_revision; /* removals since engine_revision_begin */
	size_t reconciles_in_flight;
	struct engine__tally tally; /* written by reconcile.c only */
	struct engine__pool *pools; /* pools.c */
	size_t n_pools;
	size_t pool_calls; /* quota reads in flight */
	engine__pool_report_fn *pool_report;
	engine__place_report_fn *place_report; /* engine.c's, for places made elsewhere (moves.c) */
	size_t by_state[TENANT__STATE_COUNT];  /* tenants in each state, kept as states change */
	size_t n_held;			       /* tenants whose deletions are held */
	uint64_t diff_context;		       /* part of every diff_stamp: a new configuration */
	int64_t last_resync;
	uint64_t n_reconciles;
	/* the lines of a tenant's history made while one answer is applied (history.c) */
	struct engine__lines {
		const struct tenant_entry *t; /* whose answer; NULL: none */
		char **v;
		size_t n, alloc;
	} answer_lines;
	struct histogram reconcile_seconds; /* each finished reconcile's duration (engine.c) */
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
	/* its files were removed or replaced under it (store_files_lost): opened again by
	 * the retry, then rewritten from memory; looked for every STORE_WATCH_MS */
	bool store_lost;
	uv_timer_t store_watch;
	/* lines of the tenants' history a callback kept in the open group of the store's
	 * writes: held until its commit, given to their tenants' memory if it fails
	 * (history.c) */
	struct engine__held_line {
		char *tenant, *text;
		int64_t at;
	} * held_lines;
	size_t n_held_lines, alloc_held_lines;
	struct store_sync *sync; /* makes create intents durable off the loop; NULL: at commit */
	/* tenants whose row (policy) waits to be written, in batches (engine_store_tenant) */
	char **tenant_writes;
	size_t n_tenant_writes, alloc_tenant_writes;
	/* the store's checkpoints, off the loop; NULL: SQLite's own */
	struct store_checkpoint *checkpoint;
	uv_timer_t store_batch;
	uv_prepare_t store_commit; /* commits the writes of a loop turn (engine_store.c) */
	/* waiters for a sync that must start after the turn's commit */
	struct engine__sync_waiter {
		store_sync_cb done;
		void *arg;
		unsigned long groups_lost; /* store_groups_lost() when it asked */
	} * after_commit;
	size_t n_after_commit, alloc_after_commit;
	bool commit_failing; /* while those waiters hear that the commit failed */
	/* the wall clock beside the steady one when last looked at (clock_steps.c) */
	bool clock_watched;
	int64_t clock_wall;
	uint64_t clock_steady_ms;
	/* Listings: how many are in flight, and the places waiting for room, first come
	 * first served (places.c) */
	unsigned listings;
	struct place_state **list_queue;
	size_t n_list_queue, alloc_list_queue;
	bool starting_listings, start_again; /* inside start_waiting; a listing ended meanwhile */
	/* account -> struct engine__account_listings (owned; places.c) */
	struct hashmap account_listed;
	/* What a listing replaced, freed a bounded amount per loop turn (places.c) */
	struct observed_store **dead_stores;
	size_t n_dead_stores, alloc_dead_stores;
	/* The budgets the audit counted over its last complete walk of tenants, and the
	 * walk under way, AUDIT_WALK_MAX tenants a tick (alerts_audit.c) */
	size_t audit_budgets, audit_counted, audit_count_pos;
	size_t n_failing; /* tenants whose manifest fails (entry->problem), kept as they change */
	struct journal_entry *dead_journal;
	size_t n_dead_journal, alloc_dead_journal, dead_journal_pos;
	uv_timer_t reap;
	bool trim_owed;		     /* freed since the last malloc_trim */
	bool log_cut_owed;	     /* the work is done: the store's log file cut back with the trim */
	uint64_t trimmed_at_ms;	     /* uv_now of the last one; 0: none yet */
	uint64_t trimmed_reconciles; /* n_reconciles at the last one */
	uint64_t heap_trims;	     /* malloc_trim calls so far */
};

/* No mutating call goes out: paused, report-only, or another daemon holds the claim
 * (engine_calls_held says which). */
static inline bool engine__holds_calls(const struct engine *e)
{
	return engine_calls_held(e) != NULL;
}

/* Mutating calls may go again (resume, or a released claim taken over): every tenant
 * is looked at again, and the writers outside the engine are told
 * (engine_settings.on_calls_released) unless something else still holds them. */
void engine__calls_released(struct engine *e);

/* The wall clock in seconds (timers that survive restarts). */
static inline int64_t engine__wall(const struct engine *e)
{
	return e->set.wall_clock ? e->set.wall_clock(e->set.clock_data) : (int64_t)time(NULL);
}

/* The record's fact that names the manifest revision last brought to Ready, so that
 * a restart still tells a repair of drift from the rollout of a new revision. */
#define ENGINE__FACT_RECONCILED_REVISION RECORD_FACT_RECONCILED_REVISION
/* The record's fact that names the place ("alias/region") a pool tenant was placed in. */
#define ENGINE__FACT_PLACE RECORD_FACT_PLACE
/* ... and the pool that placed it: a manifest naming another pool moves it (pools.c). */
#define ENGINE__FACT_POOL RECORD_FACT_POOL
/* ... and the account id that place named (cloud.h, place_account_moved). */
#define ENGINE__FACT_ACCOUNT RECORD_FACT_ACCOUNT

/* engine.c */
struct tenant_entry *engine__entry(const struct engine *e, const char *id);

/* history.c: one line of a tenant's history. While an answer of t is applied
 * (engine__history_answer_begin .. _end) it goes with the answer's record
 * (on_action_done); otherwise no record tells it and t keeps it in memory (the last
 * HISTORY_LINES, at most HISTORY_BYTES: history_lines.h). */
void engine__history(struct engine *e, struct tenant_entry *t, int64_t now, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The entry's rarely set fields (engine.h, struct tenant_entry_rare), set through
 * these only: each frees the old value and takes the new one (owned; NULL or 0
 * clears it), allocating the fields with the first set one and freeing them with
 * the last cleared. */
void engine__set_problem(struct tenant_entry *t, char *problem);
void engine__set_last_error(struct tenant_entry *t, char *last_error);
void engine__set_waiting(struct tenant_entry *t, char *waiting);
void engine__set_conflicts(struct tenant_entry *t, struct conflict *conflicts, size_t n);
void engine__set_wake_at(struct tenant_entry *t, int64_t wake_at);

/* engine__note: a line told to on_note (kept durable): for the lines no audit record
 * (an action's outcome, a state change) already tells; kept in memory when on_note
 * did not keep it. */
void engine__note(struct engine *e, struct tenant_entry *t, int64_t now, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* engine__history_kept: text kept in t's memory unless kept (a callback's answer) is
 * 0; then held until the store's open group of writes, which has it, is committed. */
void engine__history_kept(struct engine *e, struct tenant_entry *t, int64_t now, const char *text, int kept);
/* engine__history_committed: the group's commit succeeded (ok) or failed: the lines
 * held for it are let go, or kept in their tenants' memory. */
void engine__history_committed(struct engine *e, bool ok);
void engine__history_answer_begin(struct engine *e, struct tenant_entry *t);
/* engine__history_answer_end: the lines since _begin to on_action_done when
 * lines_follow (the report said so), else (or not kept there) to t's memory. */
void engine__history_answer_end(struct engine *e, struct tenant_entry *t, bool lines_follow);
void engine__history_release(struct engine *e);

/* engine_store.c */
void engine__store_init(struct engine *e);
void engine__store_release(struct engine *e);
/* engine__store_failed: a write to the state store failed (the message is in
 * store_error()): logged at most once a minute per distinct error, and the whole
 * store is rewritten from memory once it can be written again. */
void engine__store_failed(struct engine *e);
/* engine__store_current: before a write that must outlive a kill -9 (the pause, an
 * approval): the store's files are looked at now and, removed by hand, opened again
 * and rewritten from memory at once, not at the watch's next look (the write would
 * meanwhile go to files no start finds). False while the store is still lost. */
bool engine__store_current(struct engine *e);
/* engine__store_flush: one more rewrite attempt before the engine stops. */
void engine__store_flush(struct engine *e);
/* engine__put_fact: t's fact key = value (NULL: cleared), in its record and the store. */
void engine__put_fact(struct engine *e, struct tenant_entry *t, const char *key, const char *value);
/* engine__store_tenant: t's row (its deletion policy) is written with others in one
 * transaction of at most STORE_BATCH rows per loop turn, not one transaction each. */
void engine__store_tenant(struct engine *e, struct tenant_entry *t);
/* engine__store_sync_wait: done(arg, status) once every write made so far is committed
 * (with the loop turn's, engine_store.c) and a sync of the store that started after
 * that commit ended (store_sync_wait); a failed commit, or any group of writes lost
 * meanwhile, fails it (e->commit_failing is true during that call). Needs e->sync. */
void engine__store_sync_wait(struct engine *e, store_sync_cb done, void *arg);
/* engine__store_tenant_now: t's row, if it still waits, is written now. */
void engine__store_tenant_now(struct engine *e, struct tenant_entry *t);
/* engine__store_sync_failed / engine__store_synced: a sync of the store failed (creates
 * wait, status shows it) / succeeded (after failures: every tenant is looked at again). */
void engine__store_sync_failed(struct engine *e, int status);
void engine__store_synced(struct engine *e);

/* clock_steps.c: engine__clock_start, once the store is loaded: timers that start in
 * the future start now; engine__clock_check, before a diff reads the wall clock: a
 * step of it since the last look moves every deletion timer with it. */
void engine__clock_start(struct engine *e);
void engine__clock_check(struct engine *e);

/* place_slots.c: reconciles at once. Each place may always run ENGINE__PLACE_SLOTS;
 * beyond those, max_tenants_in_flight in all (and in one place); never more than
 * ENGINE__MAX_SLOTS. */
#define ENGINE__PLACE_SLOTS 4
#define ENGINE__MAX_SLOTS   1024
/* engine__slots: the most reconciles in flight in all. */
size_t engine__slots(const struct engine *e);
/* engine__slot_take: true when t may reconcile now in ps (t holds a slot until
 * engine__slot_give); false when it may not: t waits for one of ps's reconciles to end
 * and is queued again then. */
bool engine__slot_take(struct place_state *ps, struct tenant_entry *t);
/* engine__slot_give: t's reconcile ended: the first tenant waiting in its place is
 * queued again. */
void engine__slot_give(struct engine *e, struct tenant_entry *t);
void engine__slots_release(struct place_state *ps);

/* engine.c: queue the tenant id for a reconcile (normal lane). */
void engine__wake(struct engine *e, const char *id);
/* alerts_audit.c: (re)starts the audit timer after settings changed (0: off). */
void engine__alerts_audit_start(struct engine *e);

/* places.c */
/* engine__place_for: the place (created and listed the first time); report runs after
 * each of its listings and account-id answers. */
struct place_state *engine__place_for(struct engine *e, const char *account, const char *region,
				      engine__place_report_fn *report);
/* engine__place_for_key: the same, by a place key "alias/region" ("-": the default
 * account); NULL for a key without a Region. */
struct place_state *engine__place_for_key(struct engine *e, const char *key, engine__place_report_fn *report);
/* engine__place_list: list the place (again, once the listing in flight ends). */
void engine__place_list(struct place_state *ps);
/* engine__places_resync: every place listed; one resync in ENGINE_TAGS_EVERY reads the
 * tags of a place's parameters and of an account's budgets (staggered by place and by
 * account), the others keep them. */
#define ENGINE_TAGS_EVERY 6
void engine__places_resync(struct engine *e);
/* engine__list_prefix_update: e->list_prefix made the path below which every parameter
 * lies that the configured template names or a record still names (one made under an
 * earlier template, until it is deleted or forgotten): at the start, at each resync
 * and at a reload (list_prefix.c). */
void engine__list_prefix_update(struct engine *e);
void engine__place_free(void *ps);
void engine__set_place(struct engine *e, struct tenant_entry *t, struct place_state *ps);
/* engine__places_reap_release: frees at once what still waits to be freed (the engine stops). */
void engine__places_reap_release(struct engine *e);
/* engine__places_idle: no reconcile runs and none is ready: after ENGINE__TRIM_RECONCILES
 * reconciles or more since the last trim, what their work freed goes back to the
 * system (one malloc_trim, at most every 10 s, as after a resync). */
#define ENGINE__TRIM_RECONCILES 64
void engine__places_idle(struct engine *e);
/* engine__places_calls: the listings and account-id calls in flight. */
size_t engine__places_calls(const struct engine *e);
/* engine__places_mirror: the daemon's own write a (a profile's or a parameter's, done
 * in ps and folded into its model) is shown to the places that are ps under another
 * alias of its account: each has a model of its own, and both list the Region's
 * profiles and parameters. Without it, one alias would report as live what the daemon
 * deleted through the other, and build nothing there for a tenant moving in. */
void engine__places_mirror(struct engine *e, struct place_state *ps, const struct action *a);
/* engine__places_ids_changed: a place was made or learned its account id. */
void engine__places_ids_changed(struct engine *e);
/* engine__place_journal: an answer of the daemon's own came (profile, parameter: copies
 * are kept). Counted always; kept (and returned) only while a listing of ps is under
 * way, until that listing ends: NULL otherwise. */
struct journal_entry *engine__place_journal(struct place_state *ps, enum journal_kind kind,
					    const struct observed_profile *profile,
					    const struct observed_parameter *parameter, const char *key);
void engine__place_journal_budget(struct place_state *ps, const struct observed_budget *b, const char *deleted);
/* engine__place_journal_deny: p (a copy is kept) was written; deleted names a deny policy gone. */
void engine__place_journal_deny(struct place_state *ps, const struct observed_deny_policy *p, const char *deleted);
const char *engine__place_account_id(const struct place_state *ps);

/* pools.c */
void engine__pools_init(struct engine *e, const struct engine_settings *set);
void engine__pools_release(struct engine *e);
/* engine__pools_start: create (and list) every pool's places. */
void engine__pools_start(struct engine *e, engine__place_report_fn *report);
struct engine__pool *engine__pool(const struct engine *e, const char *name);
/* engine__pool_place: the place of pool tenant t: the one recorded, the one its
 * resources' tags show, or one chosen now (recorded before this returns); NULL when
 * none has room (t->waiting says why). */
struct place_state *engine__pool_place(struct engine *e, struct tenant_entry *t, engine__place_report_fn *report);
/* engine__pools_listed: ps was listed: its quotas are read again, its pools counted afresh. */
void engine__pools_listed(struct engine *e, struct place_state *ps);
/* engine__pools_unreachable: ps's listing failed: its pools are counted afresh without it. */
void engine__pools_unreachable(struct engine *e, struct place_state *ps);
/* engine__pools_placed: t's place is ps now, `was` before (either may be NULL). Every
 * pool holding `was` counts afresh (what t left stays in its listing until deleted);
 * every pool holding ps reserves what t still needs there, whichever pool or manifest
 * put it there: a pool's count is made again only when something else changes, and
 * a place may serve several pools and tenants naming its account. */
void engine__pools_placed(struct engine *e, const struct tenant_entry *t, const struct place_state *was,
			  const struct place_state *ps);
/* engine__pools_need_changed: t's definition changed (or came back) where it is: its
 * need there may have, and every pool holding its place counts afresh. */
void engine__pools_need_changed(struct engine *e, const struct tenant_entry *t);
/* engine__pools_forgot: t is forgotten (its room is free again). */
void engine__pools_forgot(struct engine *e, const struct tenant_entry *t);
/* engine__pools_quota_full: AWS refused a create in ps with a quota error of kind. */
void engine__pools_quota_full(struct engine *e, const struct place_state *ps, int kind);
/* engine__pool_capacity: p's capacity now (p->n_places entries). */
const struct placement_place *engine__pool_capacity(struct engine *e, struct engine__pool *p);

/* moves.c */
/* engine__move_note: t's place is now key (recorded): the place recorded before, if
 * another, becomes an old place of a move; key stops being one. False, and nothing
 * recorded, when t may not leave its recorded place (engine__move_stays). */
bool engine__move_note(struct engine *e, struct tenant_entry *t, const char *key);
/* engine__move_stays: t's place would change to key, but the alias of its recorded
 * place names another account now than the one its resources were made in (the
 * record's account id: docs/configuration.md, "Accounts"). Its old set could be
 * neither listed nor deleted under that alias: the move would end with the set left
 * behind, known to nothing. The place t stays in (it waits there, untouched, until the
 * alias names its account again), or NULL when it may go. */
struct place_state *engine__move_stays(struct engine *e, const struct tenant_entry *t, const char *key);
/* engine__place_renamed: q is t's recorded place under another alias of the same
 * account (an alias renamed in the configuration, or two aliases of one id): the same
 * Region, and the same account as far as the places or the account id t's record
 * noted tell. When so, the record names q from now on (its history says so): true. */
bool engine__place_renamed(struct engine *e, struct tenant_entry *t, const struct place *q);
/* engine__set_place_fact: t's recorded place is key (NULL: none), the account id it
 * named forgotten with it. */
void engine__set_place_fact(struct engine *e, struct tenant_entry *t, const char *key);
/* engine__account_note: t is reconciled in ps: the account id ps names is recorded
 * (once it is known; nothing when it is recorded already). */
void engine__account_note(struct engine *e, struct tenant_entry *t, const struct place_state *ps);
/* engine__move_found: ps, not t's place, holds resources of t (a listing): an old place. */
void engine__move_found(struct engine *e, struct tenant_entry *t, struct place_state *ps);
bool engine__moving(const struct tenant_entry *t);

/* account_entries.c: a place's model keeps its own tenants' budgets and inline role
 * policies, not those of the tenants of its account's other places. */
/* engine__account_left_elsewhere: what ps's listing leaves to the account's other
 * places (struct place.budgets_elsewhere, policies_elsewhere), made here: budget name
 * -> tenant id (keys borrowed from the tenants' definitions), policy key -> tenant id
 * (keys owned); the ids are borrowed from the entries (the cloud copies them). */
void engine__account_left_elsewhere(struct engine *e, const struct place_state *ps, struct hashmap *budgets,
				    struct hashmap *policies);
/* engine__account_bring: t is now a tenant of `to`, whose listings may have left its
 * budget and role policies to the place of the account it came from: that place's
 * entries are copied in (a diff without them would make the account's budget again,
 * or take a policy for missing). */
void engine__account_bring(struct engine *e, const struct tenant_entry *t, struct place_state *to);
/* engine__account_bring_left_out: ps's listing is in: the tenants that came to ps while
 * it was under way (ps->listing_elsewhere) bring what it left out for them; the list
 * is emptied. */
void engine__account_bring_left_out(struct engine *e, struct place_state *ps);
/* engine__move_round: the tenant's place has nothing left for AWS: the work of its old
 * places (state/move.h) is appended to r->plan (r->ps becomes the place of its calls,
 * one old place per round). Returns true when anything was appended or is waited for. */
bool engine__move_round(struct reconcile *r);
/* engine__serving_old: the next place (from *cursor, 0 at first) where t's old set
 * still serves and is not reconciled: a move's old place before the switch, or the
 * place t lives in while it waits for room to move (its place fact, or, none recorded,
 * any place holding resources tagged with it); listed and holding something of t.
 * NULL after the last. */
struct place_state *engine__serving_old(const struct engine *e, const struct tenant_entry *t, size_t *cursor);
/* engine__serving_round: the first of those places where something is to be sent
 * (state/move.h move_serving_diff: a parameter naming a profile gone) gets this round:
 * r->plan holds it (r->ps, r->moving_out set) and true is returned; else r->plan is
 * empty (initialised) and false. */
bool engine__serving_round(struct reconcile *r);
/* engine__serving: the place whose resources the daemon reports for t: an old place
 * until the new set is Ready, else its place; NULL when not listed. */
struct place_state *engine__serving(const struct engine *e, const struct tenant_entry *t);
/* engine__move_granted: t's profiles in its old places of home's account, which its
 * role policies keep granting until they are gone (an array to free; borrowed items). */
const struct observed_profile **engine__move_granted(struct engine *e, const struct tenant_entry *t,
						     const struct place_state *home, size_t *ret_n);

/* reconcile.c */
/* engine__reconcile_start: t's reconcile against ps (listed); done runs exactly once,
 * perhaps before this returns; t->active is set while it runs. priority: its actions
 * are applied as priority calls (cloud_ops.apply). Returns true when the reconcile
 * goes on (its calls are in flight), false when it ended already (and done may have
 * forgotten t). */
bool engine__reconcile_start(struct engine *e, struct tenant_entry *t, struct place_state *ps, bool priority,
			     engine__reconcile_done_fn *done);
/* engine__serving_start: the same for a tenant without a place (it waits for room to
 * move): its rounds are engine__serving_round's in ps, its old place, and nothing else. */
bool engine__serving_start(struct engine *e, struct tenant_entry *t, struct place_state *ps, bool priority,
			   engine__reconcile_done_fn *done);

#endif
