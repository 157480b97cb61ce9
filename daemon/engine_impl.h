/* Internals shared by engine.c (tenants, revisions, scheduling), places.c (listings
 * and the write journal) and reconcile.c (one tenant's rounds). Not for other
 * modules. */
#ifndef BTD_ENGINE_IMPL_H
#define BTD_ENGINE_IMPL_H

#include "engine.h"
#include "hashmap.h"
#include "workqueue.h"

enum journal_kind {
	JOURNAL_PROFILE_PUT,
	JOURNAL_PROFILE_DELETE,
	JOURNAL_PARAMETER_PUT,
	JOURNAL_PARAMETER_DELETE,
	JOURNAL_BUDGET_PUT,
	JOURNAL_BUDGET_DELETE,
};

/* One of the daemon's own writes, replayed over listings for a while so that an
 * eventually consistent listing cannot undo what the daemon knows it did. */
struct journal_entry {
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
	bool closing_wait; /* counted in e->outstanding_calls */
};

struct engine {
	uv_loop_t *loop;
	struct engine_settings set;
	const struct cloud_ops *cloud;
	void *cloud_ctx;
	struct store *store;
	struct hashmap tenants;		 /* id -> struct tenant_entry * */
	struct hashmap places;		 /* key -> struct place_state * */
	struct hashmap records_at_start; /* id -> struct tenant_record * not yet claimed */
	struct hashmap held_at_start;	 /* id -> (void *)1 */
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
	int64_t last_resync;
	uint64_t n_reconciles, n_actions, n_action_failures;
	int closing_handles;
	void (*drained_cb)(void *);
	void *drained_data;
	void (*close_done)(void *);
	void *close_data;
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

/* places.c */
struct place_state *place_for(struct engine *e, const char *account, const char *region);
struct place_state *place_of_tenant(struct engine *e, const struct tenant_entry *t);
void place_list(struct place_state *ps);
void place_free(void *ps);
void place_journal(struct place_state *ps, enum journal_kind kind, const struct observed_profile *profile,
		   const struct observed_parameter *parameter, const char *key);
void place_journal_budget(struct place_state *ps, const struct observed_budget *b, const char *deleted);
const char *place_account_id(const struct place_state *ps);

/* reconcile.c */
void reconcile_start(struct engine *e, struct tenant_entry *t);

#endif
