/* The reconcile engine: desired tenants in, AWS calls out (through struct cloud_ops),
 * status back. It owns the tenants' entries and records, the observed model of every
 * place, the work queue and the scheduling timers. Level-triggered: every input only
 * marks tenants dirty; a reconcile always diffs the whole tenant.
 *
 * Inputs come from the manifest glue (daemon.c) in revisions: begin, any number of
 * put/remove/problem calls, end. At a revision's end the prune gate judges every
 * removal still pending, this revision's and earlier ones (state/prune.h). Control
 * commands (reconcile, pause, approve) and queries come from the control socket; the
 * pause and approvals are kept in the state store. */
#ifndef BTD_ENGINE_H
#define BTD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "cloud.h"
#include "diff_stamp.h"
#include "histogram.h"
#include "history_lines.h"
#include "model.h"
#include "plan.h"
#include "prune.h"
#include "record.h"
#include "store.h"
#include "tenant_state.h"

struct engine;
struct tenant_entry;

/* One outcome of an action that called AWS, as the engine reports it to the audit
 * trail (engine_settings.on_action); everything borrowed for the call. */
struct engine_action_report {
	const char *tenant;
	const struct action *action;
	const struct observed_store *before; /* the place's model, the answer not yet applied */
	const char *revision;		     /* the tenant's manifest revision, NULL when none */
	bool drift;			     /* the tenant was at its reconciled revision: this repairs drift */
	bool removed;			     /* its manifest is gone */
	bool orphan;			     /* no manifest known in this run (resources found without one) */
	int status;
	const struct cloud_error *err;	/* NULL on success */
	const struct cloud_result *res; /* may be NULL */
	/* on_action_done follows, with the lines of the tenant's history this outcome
	 * makes once applied: their record may wait for them */
	bool lines_follow;
};

/* Events worth telling people about (notifications: daemon/alerts.c). */
enum engine_event {
	ENGINE_EVENT_DELETIONS_HELD, /* the prune gate held deletions (tenant NULL) */
	ENGINE_EVENT_TENANT_STALLED,
	ENGINE_EVENT_DRIFT_REPAIRED,
};

/* A pool of the configuration: its places are every account x Region. */
struct engine_pool {
	const char *name;
	const char *const *accounts; /* aliases */
	size_t n_accounts;
	const char *const *regions;
	size_t n_regions;
};

/* Quotas assumed per place where Service Quotas has no code (parameters, budgets) or
 * cannot answer (profiles, roles). */
struct engine_capacity {
	uint64_t profiles, parameters, budgets, roles;
};

struct turn_budget;

struct engine_settings {
	const char *instance;	    /* managed-by tag value */
	const char *default_region; /* for tenants without one (config default) */
	int64_t grace_s;	    /* before an undesired resource goes (600) */
	int64_t drain_s;	    /* a replaced profile lives on (900) */
	const char *execution_role; /* budget_actions.execution_role (copied); NULL: none */
	struct prune_limits prune;
	uint64_t resync_interval_ms;	/* full listing of every place (600000), with jitter */
	uint64_t alerts_audit_ms;	/* every budget's notifications read once per this, paced; 0: never */
	unsigned max_tenants_in_flight; /* reconciles shared beyond each place's own 4 (32; place_slots.c) */
	unsigned max_listings;		/* places listed at once (32); more wait in line (places.c) */
	unsigned max_starts_per_turn;	/* reconciles started per turn of the loop (16) */
	unsigned max_rounds;		/* diff/apply rounds per reconcile (8) */
	bool report_only;		/* never mutate: tenants with changes show Drifted */
	const char *param_prefix;	/* where parameters are listed ("/bedrock-tenants"); a reload may change it */
	/* The instance's claim (claim.c): the SSM parameter, in the default account and
	 * Region, that names the daemon acting for the instance, and this run's text for
	 * it (unique to the run: host, pid, a random id). NULL, either: no claim. Read at
	 * engine_new only. */
	const char *claim_parameter;
	const char *claim_value;
	uint64_t claim_fresh_ms; /* a reading of the claim lets calls go this long (0: 10 s) */
	uint64_t claim_rest_ms;	 /* at rest, a held claim is read this often (0: 6 x fresh) */
	const char *ssm_tier;	 /* Tier of the parameters written, static; NULL: "Standard" */
	uint64_t backoff_base_ms, backoff_cap_ms;
	uint64_t journal_ms; /* a write journaled during a listing is kept at most this long (900000) */
	/* Borrowed, optional: the loop turn's one budget (turn_budget.h), shared with the
	 * AWS answers; the starts take what it has left and the state store's commit ends
	 * the turn. NULL: the starts have a share of their own (PUMP_TURN_NS). */
	struct turn_budget *turn;
	/* Wall clock in seconds for timers that survive restarts; NULL: time(NULL). */
	int64_t (*wall_clock)(void *data);
	/* A clock in ms that only moves forward, at the pace of real time, against which
	 * the wall clock's steps are told (clock_steps.c); NULL: CLOCK_BOOTTIME, unless
	 * wall_clock is given (then no step is looked for). */
	uint64_t (*steady_clock_ms)(void *data);
	void *clock_data; /* of both clocks */
	/* Optional: called whenever counts change (progress for sd_notify STATUS=) and
	 * once when the first full sync is done. */
	void (*on_progress)(struct engine *e, void *data);
	void (*on_ready)(struct engine *e, void *data);
	/* Optional: engine_resume let mutating calls go again (they were paused, or the
	 * daemon stood by): writers outside the engine may act on what they held. */
	void (*on_calls_released)(struct engine *e, void *data);
	/* Optional, the audit trail and the durable history of the tenants: every outcome
	 * of an action that calls AWS, and every change of a tenant's state (t->state is
	 * the new one). The lines of a tenant's history (tenant_entry.history) are kept
	 * where these keep them: on_state, on_action_done and on_note return 0 when their
	 * line (the state change's "From -> To[: error]", the action's lines, the note) is
	 * kept durably, or deliberately not kept (a start's Pending -> Ready), and < 0 when
	 * not: the engine then keeps it in memory (history_lines.h), as it keeps every
	 * line when they are not set. */
	void (*on_action)(const struct engine_action_report *r, void *data);
	int (*on_state)(const struct tenant_entry *t, enum tenant_state from, void *data);
	/* Optional, with on_action: after each on_action whose report says lines_follow,
	 * once the answer is applied (or dropped), the lines of the tenant's history it
	 * made ("created profile ...", "drift repaired: ..."; n may be 0), borrowed for
	 * the call; at is the wall clock in seconds. */
	int (*on_action_done)(const char *tenant, int64_t at, const char *const *lines, size_t n, void *data);
	/* Optional: a line of a tenant's history that neither of those tells (manifest
	 * changed, back, removed or failing, waits, placed, moving, reconciled, ...); at is
	 * the wall clock in seconds, text borrowed for the call. */
	int (*on_note)(const char *tenant, int64_t at, const char *text, void *data);
	/* Optional: an event (text borrowed for the call); must not call back into the engine. */
	void (*on_event)(enum engine_event ev, const char *tenant, const char *text, void *data);
	/* Optional: the state store was opened again, made anew, after its files were
	 * removed by hand (engine_store.c): the owner of its directory may want to lock it
	 * again. */
	void (*on_store_reopened)(void *data);
	void *data;
	/* Account ids known from the configuration, by alias (NULL alias: default). */
	const char *(*account_id_of)(const char *alias, void *data);
	/* Optional: whether the configuration names the alias. A place in an account it
	 * does not name (a tenant placed there before the account left the configuration)
	 * is never listed nor written to: its calls would go with the default credentials,
	 * to another account. */
	bool (*account_known)(const char *alias, void *data);
	void *account_data;
	/* Where a damaged state store was moved aside at start (shown in status), or NULL. */
	const char *store_moved_aside;
	/* Pools (copied by engine_new) and the capacity assumed (restart-only). */
	const struct engine_pool *pools;
	size_t n_pools;
	struct engine_capacity capacity;
};

/* What a tenant's entry holds only while something is amiss or pending: a failing
 * manifest, an error, conflicts, a wait for capacity, a timer. Behind one pointer of
 * the entry, allocated when the first of them is set and freed when the last is
 * cleared (engine.c, engine__rare_*): a converged tenant has none. Read through the
 * tenant_entry_* functions below. */
struct tenant_entry_rare {
	char *problem;	  /* the manifest now fails: "file:line:col: message" */
	char *last_error; /* of the last reconcile */
	/* Why it waits for capacity (no place of its pool has room, or AWS answered a
	 * create with a quota error): Pending until capacity appears. */
	char *waiting;
	struct conflict *conflicts; /* from the last diff */
	int64_t wake_at;	    /* wall clock of the next timer (drain/grace) */
	uint32_t n_conflicts;
};

/* One tenant as the engine knows it; read-only outside the engine. One per tenant,
 * 100,000 of them: 128 bytes, jemalloc's 128-byte class and a 144-byte glibc chunk
 * (160 and 176 with its rarely set fields in it), its small fields together at the
 * end, without padding between, and nothing its record holds copied here
 * (test_engine's test_entry_packed holds its size). */
struct tenant_entry {
	const char *id;		/* interned: its record's (record->tenant), the desired model's */
	struct tenant *desired; /* the current good definition; when removed, the last one */
	struct tenant_record *record;
	struct tenant_entry_rare *rare; /* NULL: none of its fields is set */
	int64_t last_reconciled;	/* wall clock */
	uint64_t next_attempt_ms;	/* monotonic; 0 when none scheduled */
	/* its last lines that no callback kept (engine_settings.on_state): every line
	 * without them, none while the state store keeps them; wall clock in seconds */
	struct history_lines history;
	struct place *place;
	struct reconcile *active;
	/* The digest of its last settled plan's inputs (state/diff_stamp.h): a reconcile
	 * with the same ones ends without a diff. Cleared when its definition changes. */
	struct diff_settled settled;
	struct place *slot; /* the place whose reconcile slot it holds; NULL: none */
	/* a byte each (a dozen values at most), a bit for each flag (14 of 16) */
	enum tenant_state state : 8;
	enum error_class error : 8;
	bool removed : 1;    /* the manifest is gone (with certainty) */
	bool held : 1;	     /* its deletions wait for approval */
	bool approved : 1;   /* an operator released its held deletions (not held again until its manifest returns) */
	bool reconciled : 1; /* at least one reconcile finished */
	bool in_progress : 1;
	bool pending_changes : 1; /* the last diff still had AWS actions (paused/report/failed) */
	bool over_budget : 1;	  /* its Budgets action has attached the deny policy (OverBudget) */
	bool move_switched : 1;	  /* moving: the new set was Ready (in this run); it is what is reported */
	bool store_pending : 1;	  /* its row waits for the state store's next batch */
	bool slot_waiting : 1;	  /* it waits for a slot of its place (place_slots.c) */
	/* a failing manifest names it and no good definition of it is known (none since
	 * the daemon started): nothing of it is touched, whatever its resources look like */
	bool unparsed : 1;
	/* its manifest went while a file failed before its tenant id could be read (which
	 * may be its manifest, moved): its last good definition is kept, as for a failing
	 * manifest, until a full revision with every id readable says whether it is gone */
	bool kept_gone : 1;
	bool unparsed_named : 1; /* unparsed or kept_gone: named so by this full revision */
	/* brought to Ready in this run: its record's RECORD_FACT_RECONCILED_REVISION is
	 * the revision (engine_reconciled_revision) */
	bool revision_reached : 1;
};

/* The entry's rarely set fields (struct tenant_entry_rare): NULL, or 0, when unset. */
static inline const char *tenant_entry_problem(const struct tenant_entry *t)
{
	return t->rare ? t->rare->problem : NULL;
}

static inline const char *tenant_entry_last_error(const struct tenant_entry *t)
{
	return t->rare ? t->rare->last_error : NULL;
}

static inline const char *tenant_entry_waiting(const struct tenant_entry *t)
{
	return t->rare ? t->rare->waiting : NULL;
}

static inline const struct conflict *tenant_entry_conflicts(const struct tenant_entry *t)
{
	return t->rare ? t->rare->conflicts : NULL;
}

static inline size_t tenant_entry_n_conflicts(const struct tenant_entry *t)
{
	return t->rare ? t->rare->n_conflicts : 0;
}

static inline int64_t tenant_entry_wake_at(const struct tenant_entry *t)
{
	return t->rare ? t->rare->wake_at : 0;
}

/* engine_reconciled_revision: the manifest revision t was last brought to Ready at in
 * this run (its record's fact, interned: one string for every tenant at the same
 * revision); NULL when none yet. */
const char *engine_reconciled_revision(const struct tenant_entry *t);

struct engine_counts {
	size_t tenants; /* known, removed ones included while they have resources */
	size_t by_state[TENANT__STATE_COUNT];
	size_t queue_depth;
	size_t reconciles_in_flight;
	size_t held;
	size_t places, places_listed;
	size_t places_failing;	     /* their last listing failed (/v1/places: list_error) */
	size_t listings_in_flight;   /* places being listed now */
	size_t listings_waiting;     /* places whose listing waits its turn (max_listings) */
	size_t journal_entries;	     /* own writes kept for the listings under way (places.c) */
	uint64_t heap_trims;	     /* freed memory given back to the system (malloc_trim) */
	uint64_t store_log_cuts;     /* the store's log file cut back, off the loop, once idle */
	uint64_t trimmed_reconciles; /* reconciles done at the last of those */
	int64_t last_resync;	     /* wall clock of the last complete listing round */
	uint64_t reconciles, actions, action_failures;
	uint64_t drift_repairs;		    /* changes that set back what was changed outside */
	struct histogram reconcile_seconds; /* duration of each finished reconcile */
};

int engine_new(uv_loop_t *loop, const struct engine_settings *set, const struct cloud_ops *cloud, void *cloud_ctx,
	       struct store *store, struct engine **ret);
/* engine_start: load the state store and begin (listings first, then work). */
int engine_start(struct engine *e);
/* engine_drain: stop taking work and wait for calls in flight, at most timeout_ms;
 * then done runs (once). Callbacks of calls still in flight after that must still
 * reach the engine: close the cloud layer (which cancels them) before engine_free. */
void engine_drain(struct engine *e, uint64_t timeout_ms, void (*done)(void *data), void *data);
/* engine_free: closes the engine's handles and frees it; done runs after. */
void engine_free(struct engine *e, void (*done)(void *data), void *data);

/* Desired state, in revisions. A revision's flags: */
enum {
	/* the manifest directory was read completely: a tenant it lacks may be deleted */
	REVISION_TRUSTED = 1,
	/* every manifest was read (a full scan), not only the files of a change */
	REVISION_FULL = 2,
	/* some file fails without a tenant id that can be read, or a directory could not
	 * be read: a tenant without a manifest may be declared there, so none whose
	 * manifest was not seen to go (engine_remove_tenant) is taken for removed */
	REVISION_IDS_UNKNOWN = 4,
};
/* engine_revision_begin: flags, REVISION_*. A full, trusted revision without unknown
 * ids also takes the tenants the state store knows and no manifest names for removed
 * (removed while the daemon was down), and releases the unparsed ones no failing
 * file names any more. */
void engine_revision_begin(struct engine *e, const char *revision, unsigned flags);
/* engine_put_tenant: the tenant's good definition (shared through tenant_ref: it must
 * not change afterwards). */
void engine_put_tenant(struct engine *e, struct tenant *t);
/* engine_remove_tenant: its manifest is gone with certainty. */
void engine_remove_tenant(struct engine *e, const char *id);
/* engine_tenant_problem: its manifest fails now; the last good definition stays. A
 * tenant without one (its manifest failed since the daemon started) is held unparsed:
 * Pending, nothing of it touched, until its manifest parses or no file names it. */
void engine_tenant_problem(struct engine *e, const char *id, const char *message);
void engine_revision_end(struct engine *e);
/* engine_reconfigure: take the timing, safety, mode and SSM tier settings of set (a
 * reloaded configuration); instance, regions and accounts need a restart. */
void engine_reconfigure(struct engine *e, const struct engine_settings *set);
/* engine_force_all: mark every tenant dirty (configuration reloaded). */
void engine_force_all(struct engine *e);

/* Commands. */
void engine_reconcile_all(struct engine *e);
int engine_reconcile_tenant(struct engine *e, const char *id); /* -ENOENT */
/* engine_pause, engine_resume: durable (the state store keeps the pause across
 * restarts). */
void engine_pause(struct engine *e);
void engine_resume(struct engine *e);
bool engine_paused(const struct engine *e);
/* engine_calls_held: why no mutating call goes out now ("mode: report", "mutating
 * calls paused", "standing by: another daemon holds the claim"), static text; NULL
 * when calls go. The daemon's other writers (Bedrock's invocation logging, the
 * cost-allocation tags) ask it too: a pause holds every write. */
const char *engine_calls_held(const struct engine *e);
/* The instance's claim: "off", "unclaimed" (not written yet), "held", "standby"
 * (another daemon's text is there: no mutating call until engine_resume); the other
 * daemon's text when standing by, else NULL; why the last call for it failed, else
 * NULL. Borrowed until the next answer. */
const char *engine_claim_parameter(const struct engine *e); /* NULL: no claim */
const char *engine_claim_state(const struct engine *e);
const char *engine_claim_other(const struct engine *e);
const char *engine_claim_error(const struct engine *e);
/* engine_claim_confirmed_at: when (wall clock, seconds) a reading or writing of the
 * claim last named this daemon; 0: never. A daemon at rest reads nothing: "held" is as
 * of then. */
int64_t engine_claim_confirmed_at(const struct engine *e);
/* engine_approve_prune: release every held deletion; returns how many tenants. */
size_t engine_approve_prune(struct engine *e);
/* engine_resync: list every place again now. */
void engine_resync(struct engine *e);

/* Queries (borrowed results). */
bool engine_ready(const struct engine *e);
void engine_counts(const struct engine *e, struct engine_counts *ret);
const char *engine_revision(const struct engine *e);
const struct tenant_entry *engine_tenant(const struct engine *e, const char *id);
/* engine_tenants: every entry, sorted by id; the array is the caller's to free. */
const struct tenant_entry **engine_tenants(const struct engine *e, size_t *ret_n);
/* engine_tenants_failing: how many tenants keep their last good definition because
 * their manifest fails now (a walk without sorting, for status and metrics). */
size_t engine_tenants_failing(const struct engine *e);
/* engine_observed: the observed model of the place whose resources are reported for the
 * tenant (its place; during a move, the old place until the new set is Ready), or NULL
 * before listing. engine_serving_place: that place. */
const struct observed_store *engine_observed(const struct engine *e, const struct tenant_entry *t);
/* engine_untouched: why t waits, untouched, in a place whose account the daemon does
 * not reach as t's resources were made there (an alias taken out of accounts:, or
 * naming another account id now: docs/configuration.md, "Accounts"); NULL when it does
 * not. Borrowed from t. */
const char *engine_untouched(const struct engine *e, const struct tenant_entry *t);
const struct place *engine_serving_place(const struct engine *e, const struct tenant_entry *t);
/* engine_moving_from: the i-th old place ("alias/region") of a move of t, NULL past the
 * last; *ret_store its observed model (NULL before its listing). */
const char *engine_moving_from(const struct engine *e, const struct tenant_entry *t, size_t i,
			       const struct observed_store **ret_store);
const char *engine_instance(const struct engine *e);
/* engine_timer_expiry: when (wall clock) a deletion timer of kind started at since
 * runs out under the current settings (grace or drain). */
int64_t engine_timer_expiry(const struct engine *e, enum timer_kind kind, int64_t since);
/* engine_now_ms: the loop's monotonic clock, the base of next_attempt_ms. */
uint64_t engine_now_ms(const struct engine *e);
const struct cloud_ops *engine_cloud(const struct engine *e, void **ret_ctx);
/* engine_profile_owner: for an application profile ARN this instance manages (as
 * last observed), its tenant, profile key and model (an ARN or id); false when the
 * profile is unknown or not ours. Borrowed until the engine next runs. */
bool engine_profile_owner(const struct engine *e, const char *arn, const char **ret_tenant, const char **ret_profile,
			  const char **ret_model);
/* engine_profiles_pending: why the profiles this instance manages in the account
 * account_id and Region region may not all be known yet (owned), or NULL when they
 * are: the manifests were taken once since start, every tenant that has a place was
 * given it, and every place in that Region whose account id is account_id (or is
 * still unknown) was listed once since start. Until then an ARN engine_profile_owner
 * does not know may be one of ours. */
char *engine_profiles_pending(const struct engine *e, const char *account_id, const char *region);
/* engine_profile_each: fn for every application profile this instance manages, as
 * last observed (what engine_profile_owner answers for its ARN), with its place's key
 * ("alias/region"); in no particular order. The strings are borrowed for the call. */
void engine_profile_each(const struct engine *e,
			 void (*fn)(void *arg, const char *arn, const char *tenant, const char *profile,
				    const char *model, const char *place),
			 void *arg);
/* The state store's health for status. */
struct engine_store_health {
	unsigned long failed_writes; /* not yet made good */
	const char *last_error;	     /* of the failure going on, or NULL */
	int64_t failing_since;	     /* wall clock, 0 when healthy */
	const char *moved_aside;     /* a damaged store moved aside at start, or NULL */
};
void engine_store_health(const struct engine *e, struct engine_store_health *ret);
/* engine_store_look: looks at the store's files now (two stat calls), as its look every
 * 10 s does: files removed by hand count as failing from this moment, and are opened
 * again at once. Called before the health is reported, so that status never says a
 * store whose files are gone is whole. */
void engine_store_look(struct engine *e);

/* engine_places_json: GET /v1/places, each place with its tenants, use and quotas,
 * and the tenants waiting for capacity (the caller's to cJSON_Delete). */
struct cJSON;
struct cJSON *engine_places_json(struct engine *e);
/* engine_json_time: a wall-clock second as the control API writes times (ISO-8601
 * UTC), or null for 0. */
struct cJSON *engine_json_time(int64_t at);

/* engine_held_tenants: ids whose deletions wait; caller frees the array only. */
const char **engine_held_tenants(const struct engine *e, size_t *ret_n);

#endif
