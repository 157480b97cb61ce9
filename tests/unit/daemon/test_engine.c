/* The engine on a real loop against the in-memory cloud, with a fake wall clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <uv.h>

#include "engine.h"
#include "fake_cloud.h"
#include "fixtures.h"
#include "log.h"
#include "turn_budget.h"
#include "xalloc.h"

#define HAIKU "anthropic.claude-3-5-haiku-20241022-v1:0"

struct world;
typedef bool (*cond_fn_t)(struct world *w, const void *arg);

struct world {
	uv_loop_t loop;
	struct fake_cloud cloud;
	struct store *store;
	char dir[64];
	struct engine *e;
	int64_t wall;
	uint64_t steady_ms; /* the steady clock, when steps_watched */
	int ready_calls;
	int released_calls; /* on_calls_released */
	uv_timer_t guard;
	uv_prepare_t check;
	bool timed_out;
	cond_fn_t cond;
	const void *cond_arg;
	bool met;
	unsigned max_in_flight, max_starts; /* 0: the engine's defaults */
	unsigned max_listings;		    /* 0: the engine's default */
	struct turn_budget *turn;	    /* NULL: none */
	/* history callbacks (on_state, on_action_done, on_note): 0: not set; else what
	 * they answer (1: 0, kept; -1: not kept), and the lines they were told */
	int history_kept;
	struct history_lines told;
	unsigned actions_reported, actions_done;
	const char *claim_value; /* this daemon's claim (parameter "/claim"); NULL: none */
	uint64_t claim_rest_ms;	 /* engine_settings.claim_rest_ms; 0: an hour */
};

static int64_t wall_clock(void *data)
{
	return ((struct world *)data)->wall;
}

/* The engine is given the steady clock (w->steady_ms) and looks for the wall clock's
 * steps; else not (the tests move the wall clock as time passing). */
static bool steps_watched;

static uint64_t steady_clock(void *data)
{
	return ((struct world *)data)->steady_ms;
}

static void on_ready(struct engine *e, void *data)
{
	((struct world *)data)->ready_calls++;
}

static void on_calls_released(struct engine *e, void *data)
{
	assert_null(engine_calls_held(e));
	((struct world *)data)->released_calls++;
}

static int history_answer(struct world *w)
{
	return w->history_kept > 0 ? 0 : -1;
}

static void on_action(const struct engine_action_report *r, void *data)
{
	struct world *w = data;

	w->actions_reported += r->lines_follow;
}

static int on_action_done(const char *tenant, int64_t at, const char *const *lines, size_t n, void *data)
{
	struct world *w = data;

	w->actions_done++;
	for (size_t i = 0; i < n; i++)
		history_lines_add(&w->told, at, lines[i]);
	return history_answer(w);
}

static int on_state(const struct tenant_entry *t, enum tenant_state from, void *data)
{
	struct world *w = data;

	if (t->state != TENANT_RECONCILING && !(from == TENANT_PENDING && t->state == TENANT_READY))
		history_lines_add(&w->told, w->wall, tenant_state_name(t->state));
	return history_answer(w);
}

static int on_note(const char *tenant, int64_t at, const char *text, void *data)
{
	struct world *w = data;

	history_lines_add(&w->told, at, text);
	return history_answer(w);
}

/* The account alias the configuration does not name (NULL: it names every one). */
static const char *unconfigured_account;

static bool account_known(const char *alias, void *data)
{
	(void)data;
	return !alias || !unconfigured_account || strcmp(alias, unconfigured_account) != 0;
}

/* The settings the tests' engines run with (what engine_reconfigure is given too). */
static struct engine_settings settings_of(struct world *w)
{
	return (struct engine_settings){
		.max_tenants_in_flight = w->max_in_flight,
		.max_starts_per_turn = w->max_starts,
		.max_listings = w->max_listings,
		.instance = FIX_INSTANCE,
		.default_region = FIX_REGION,
		.grace_s = FIX_GRACE,
		.drain_s = FIX_DRAIN,
		.prune = PRUNE_LIMITS_DEFAULT,
		.resync_interval_ms = 0,
		.param_prefix = "/bedrock-tenants",
		.backoff_base_ms = 5,
		.backoff_cap_ms = 40,
		.wall_clock = wall_clock,
		.steady_clock_ms = steps_watched ? steady_clock : NULL,
		.clock_data = w,
		.on_ready = on_ready,
		.on_calls_released = on_calls_released,
		.data = w,
		.turn = w->turn,
		.account_known = account_known,
		.claim_parameter = w->claim_value ? "/claim" : NULL,
		.claim_value = w->claim_value,
		.claim_fresh_ms = 50,
		.claim_rest_ms = w->claim_rest_ms ? w->claim_rest_ms : 3600000, /* only the resyncs read it at rest */
	};
}

static void start_engine(struct world *w)
{
	struct engine_settings set = settings_of(w);
	char *db = xasprintf("%s/state.db", w->dir);

	if (w->history_kept) {
		set.on_action = on_action;
		set.on_action_done = on_action_done;
		set.on_state = on_state;
		set.on_note = on_note;
	}
	assert_int_equal(store_open(db, &w->store, NULL), 0);
	free(db);
	assert_int_equal(engine_new(&w->loop, &set, &fake_cloud_ops, &w->cloud, w->store, &w->e), 0);
	assert_int_equal(engine_start(w->e), 0);
}

static void engine_gone(void *data)
{
	((struct world *)data)->e = NULL;
}

static void drained(void *data)
{
	struct world *w = data;

	engine_free(w->e, engine_gone, w);
}

/* Stop the engine as SIGTERM does (or, with crash, drop it without draining). */
static void stop_engine(struct world *w)
{
	engine_drain(w->e, 1000, drained, w);
	while (w->e || w->cloud.pending)
		uv_run(&w->loop, UV_RUN_ONCE);
	store_close(w->store);
	w->store = NULL;
}

static void world_init_kept(struct world *w, unsigned max_in_flight, unsigned max_starts, int history_kept)
{
	memset(w, 0, sizeof(*w));
	w->max_in_flight = max_in_flight;
	w->max_starts = max_starts;
	w->history_kept = history_kept;
	snprintf(w->dir, sizeof(w->dir), "/tmp/btd-engine-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	assert_int_equal(uv_loop_init(&w->loop), 0);
	uv_timer_init(&w->loop, &w->guard);
	w->guard.data = w;
	uv_prepare_init(&w->loop, &w->check);
	w->check.data = w;
	fake_cloud_init(&w->cloud, &w->loop);
	w->wall = 1700000000;
	start_engine(w);
}

static void world_init_sized(struct world *w, unsigned max_in_flight, unsigned max_starts)
{
	world_init_kept(w, max_in_flight, max_starts, 0);
}

static void world_init(struct world *w)
{
	world_init_sized(w, 0, 0);
}

static void world_release(struct world *w)
{
	char *cmd;

	if (w->e)
		stop_engine(w);
	uv_close((uv_handle_t *)&w->guard, NULL);
	uv_close((uv_handle_t *)&w->check, NULL);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&w->loop), 0);
	fake_cloud_release(&w->cloud);
	history_lines_release(&w->told);
	cmd = xasprintf("rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void on_guard(uv_timer_t *t)
{
	struct world *w = t->data;

	w->timed_out = true;
	uv_stop(&w->loop);
}

/* Before the loop would block, check the condition; stop the loop once it holds. */
static void on_check(uv_prepare_t *p)
{
	struct world *w = p->data;

	if (w->cond(w, w->cond_arg)) {
		w->met = true;
		uv_stop(&w->loop);
	}
}

/* Run the loop until cond holds; a 20 s guard fails the test instead of hanging. */
static void run_until(struct world *w, cond_fn_t cond, const void *arg, const char *what)
{
	w->timed_out = false;
	w->met = false;
	w->cond = cond;
	w->cond_arg = arg;
	uv_timer_start(&w->guard, on_guard, 20000, 0);
	uv_prepare_start(&w->check, on_check);
	while (!w->met && !w->timed_out && !cond(w, arg))
		uv_run(&w->loop, UV_RUN_DEFAULT);
	uv_prepare_stop(&w->check);
	uv_timer_stop(&w->guard);
	if (w->timed_out) {
		size_t n;
		const struct tenant_entry **all = engine_tenants(w->e, &n);
		struct engine_counts c;
		engine_counts(w->e, &c);
		for (size_t i = 0; i < n; i++)
			print_message("  %s: %s%s%s\n", all[i]->id, tenant_state_name(all[i]->state),
				      tenant_entry_last_error(all[i]) ? " - " : "",
				      tenant_entry_last_error(all[i]) ? tenant_entry_last_error(all[i]) : "");
		print_message("  in flight %zu, queue %zu, places %zu/%zu, cloud pending %u\n", c.reconciles_in_flight,
			      c.queue_depth, c.places_listed, c.places, w->cloud.pending);
		free(all);
		fail_msg("timed out waiting for: %s", what);
	}
}

/* The counts the engine keeps as states change agree with its tenants. */
static void check_counts(struct world *w)
{
	size_t n, by_state[TENANT__STATE_COUNT] = { 0 }, held = 0;
	const struct tenant_entry **all = engine_tenants(w->e, &n);
	struct engine_counts c;

	engine_counts(w->e, &c);
	for (size_t i = 0; i < n; i++) {
		by_state[all[i]->state]++;
		held += all[i]->held;
	}
	free(all);
	assert_int_equal(c.tenants, n);
	assert_int_equal(c.held, held);
	for (int s = 0; s < TENANT__STATE_COUNT; s++)
		assert_int_equal(c.by_state[s], by_state[s]);
}

static bool quiet(struct world *w)
{
	struct engine_counts c;

	check_counts(w);
	engine_counts(w->e, &c);
	return c.reconciles_in_flight == 0 && w->cloud.pending == 0 && c.places == c.places_listed;
}

typedef cond_fn_t cond_fn;

static bool all_in_state(struct world *w, const void *arg)
{
	enum tenant_state s = *(const enum tenant_state *)arg;
	struct engine_counts c;

	engine_counts(w->e, &c);
	return quiet(w) && c.tenants > 0 && c.by_state[s] == c.tenants;
}

static bool tenant_in_state(struct world *w, const void *arg)
{
	const char *const *v = arg; /* id, state name */
	const struct tenant_entry *t = engine_tenant(w->e, v[0]);

	return quiet(w) && t && strcmp(tenant_state_name(t->state), v[1]) == 0;
}

static bool tenant_gone(struct world *w, const void *arg)
{
	return quiet(w) && !engine_tenant(w->e, arg);
}

static bool lists_at_least(struct world *w, const void *arg)
{
	return quiet(w) && w->cloud.lists >= *(const unsigned *)arg;
}

/* A resync, and the loop run until its (one place's) listing is in. */
static void resync_listed(struct world *w, const char *what)
{
	unsigned lists = w->cloud.lists + 1;

	engine_resync(w->e);
	run_until(w, lists_at_least, &lists, what);
}

/* The first place of /v1/places (places: engine_places_json's document). */
static const cJSON *first_place(const cJSON *places)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(places, "places"), 0);
}

static struct tenant *tenant_of(const char *id, const char *rev, int n_profiles)
{
	static const char *const keys[] = { "chat", "batch", "eval" };
	struct tenant *t = fix_tenant(id);

	t->revision = intern(rev);
	fix_tag(&t->tags, "CostCenter", "eng");
	for (int i = 0; i < n_profiles; i++)
		fix_profile(t, keys[i], HAIKU, "aaaaaa");
	return t;
}

static void put_all(struct world *w, struct tenant **v, size_t n, bool trusted)
{
	engine_revision_begin(w->e, "0123456789abcdef0123456789abcdef01234567", trusted);
	for (size_t i = 0; i < n; i++)
		engine_put_tenant(w->e, v[i]);
	engine_revision_end(w->e);
}

static const enum tenant_state READY = TENANT_READY;

static void test_converges_then_goes_quiet(void **state)
{
	struct world w;
	struct tenant *v[3] = { tenant_of("acme", "r1", 2), tenant_of("globex", "r1", 1),
				tenant_of("initech", "r1", 1) };
	unsigned mutations;

	world_init(&w);
	put_all(&w, v, 3, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_int_equal(w.ready_calls, 1);
	assert_true(engine_ready(w.e));
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 2);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 1);
	assert_int_equal(w.cloud.calls[ACT_PARAM_CREATE], 4);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	assert_string_equal(engine_reconciled_revision(engine_tenant(w.e, "acme")), "r1");

	/* a resync of a steady state: listings only, no mutation */
	mutations = fake_cloud_mutations(&w.cloud);
	resync_listed(&w, "a second listing");
	run_until(&w, all_in_state, &READY, "every tenant Ready again");
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	for (int i = 0; i < 3; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* A reload that shortens resync_interval takes effect at once: the next resync comes
 * the new interval after the last one, not when the timer armed with the old interval
 * (a day here) fires. */
static void test_resync_interval_reconfigured(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	struct engine_settings set;
	unsigned lists;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "acme Ready");
	set = settings_of(&w);
	set.resync_interval_ms = 24 * 3600 * 1000;
	engine_reconfigure(w.e, &set);
	run_until(&w, all_in_state, &READY, "acme Ready under a resync of a day");
	set.resync_interval_ms = 30;
	lists = w.cloud.lists + 1;
	engine_reconfigure(w.e, &set);
	run_until(&w, lists_at_least, &lists, "a resync 30 ms after the reload, not a day later");
	lists = w.cloud.lists + 1;
	run_until(&w, lists_at_least, &lists, "the next one 30 ms after it");
	tenant_free(v[0]);
	world_release(&w);
}

static void test_lost_answers_do_not_duplicate(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 3), tenant_of("globex", "r1", 2) };

	world_init(&w);
	w.cloud.lose_next = 4; /* the first four writes happen, their answers are lost */
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 3);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 2);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

static void test_stale_listing_does_not_undo_own_writes(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 3) };

	world_init(&w);
	w.cloud.hide_new_profiles = true; /* listings lag behind creates */
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	resync_listed(&w, "a listing that misses the new profiles");
	run_until(&w, all_in_state, &READY, "Ready again");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], 3);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 3);
	tenant_free(v[0]);
	world_release(&w);
}

static void test_removal_waits_for_grace(void **state)
{
	struct world w;
	struct tenant *v[3] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1),
				tenant_of("initech", "r1", 1) };
	const char *deleting[] = { "globex", "Deleting" };

	world_init(&w);
	put_all(&w, v, 3, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");

	engine_revision_begin(w.e, NULL, true); /* globex's file is gone */
	engine_put_tenant(w.e, v[0]);
	engine_put_tenant(w.e, v[2]);
	engine_remove_tenant(w.e, "globex");
	engine_revision_end(w.e);
	run_until(&w, tenant_in_state, deleting, "globex Deleting");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 1);

	w.wall += FIX_GRACE; /* the grace period passes */
	engine_reconcile_tenant(w.e, "globex");
	run_until(&w, tenant_gone, "globex", "globex forgotten");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 0);
	assert_int_equal(w.cloud.calls[ACT_PARAM_DELETE], 1);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	for (int i = 0; i < 3; i++)
		tenant_free(v[i]);
	world_release(&w);
}

static bool reconciles_at_least(struct world *w, const void *arg)
{
	struct engine_counts c;

	engine_counts(w->e, &c);
	return c.reconciles >= *(const uint64_t *)arg && !c.reconciles_in_flight;
}

/* globex reconciled again, to its end */
static void reconcile_globex(struct world *w)
{
	struct engine_counts c;
	uint64_t after;

	engine_counts(w->e, &c);
	after = c.reconciles + 1;
	engine_reconcile_tenant(w->e, "globex");
	run_until(w, reconciles_at_least, &after, "globex reconciled");
}

/* acme kept, globex's file gone: globex Deleting, its grace started */
static void remove_globex(struct world *w, struct tenant *acme)
{
	const char *deleting[] = { "globex", "Deleting" };

	engine_revision_begin(w->e, NULL, true);
	engine_put_tenant(w->e, acme);
	engine_remove_tenant(w->e, "globex");
	engine_revision_end(w->e);
	run_until(w, tenant_in_state, deleting, "globex Deleting");
}

/* The wall clock's steps watched; acme and globex Ready, then globex's file gone: its
 * grace runs. */
static void globex_in_grace(struct world *w, struct tenant **v)
{
	v[0] = tenant_of("acme", "r1", 1);
	v[1] = tenant_of("globex", "r1", 1);
	steps_watched = true;
	world_init(w);
	put_all(w, v, 2, true);
	run_until(w, all_in_state, &READY, "every tenant Ready");
	remove_globex(w, v[0]);
}

static void globex_release(struct world *w, struct tenant **v)
{
	steps_watched = false;
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(w);
}

static int64_t globex_grace_since(struct world *w)
{
	const struct tenant_entry *t = engine_tenant(w->e, "globex");

	assert_non_null(t);
	assert_true(t->record->n_timers > 0);
	return t->record->timers[0].since;
}

/* The host's clock steps a day forward (NTP setting a clock that was behind) while a
 * removed tenant's grace runs: the grace is not over for it, only when its length has
 * passed by the steady clock. A step back likewise. Seconds of drift within the
 * tolerance (CLOCK_STEP_TOLERANCE_S, 5 s) move nothing, and count with the next step. */
static void test_clock_step_moves_the_timers(void **state)
{
	struct world w;
	struct tenant *v[2];
	const char *deleting[] = { "globex", "Deleting" };
	int64_t since;

	globex_in_grace(&w, v);
	since = globex_grace_since(&w);
	w.wall += 3; /* drift, not a step */
	reconcile_globex(&w);
	assert_int_equal(globex_grace_since(&w), since);

	w.wall += 86400; /* a step: the steady clock did not move */
	reconcile_globex(&w);
	assert_int_equal(globex_grace_since(&w), since + 86403);
	assert_true(tenant_in_state(&w, deleting));
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);
	w.wall -= 2 * 86400; /* and back, past where it was */
	reconcile_globex(&w);
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);

	w.wall += FIX_GRACE; /* the grace passes, by both clocks */
	w.steady_ms += FIX_GRACE * 1000;
	reconcile_globex(&w);
	run_until(&w, tenant_gone, "globex", "globex forgotten");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 0);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	globex_release(&w, v);
}

/* A grace started while the clock was a day ahead, found at a start with the clock
 * right: it starts now and lasts its length, instead of a day more. */
static void test_timer_from_a_clock_ahead_starts_now(void **state)
{
	struct world w;
	struct tenant *v[2];
	const char *acme_ready[] = { "acme", "Ready" };

	globex_in_grace(&w, v);
	stop_engine(&w);

	w.wall -= 86400; /* the clock was a day ahead; set right while the daemon was down */
	start_engine(&w);
	put_all(&w, v, 1, true);
	run_until(&w, tenant_in_state, acme_ready, "acme Ready");
	w.wall += FIX_GRACE;
	w.steady_ms += FIX_GRACE * 1000;
	reconcile_globex(&w);
	run_until(&w, tenant_gone, "globex", "globex forgotten once its grace passed");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 0);
	globex_release(&w, v);
}

/* A removed tenant with nothing in AWS is forgotten by the reconcile that starts, in
 * its first round: the engine must not look at the entry it has just freed. */
static void test_removed_tenant_with_nothing_left_is_forgotten(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("empty", "r1", 0) };

	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	engine_revision_begin(w.e, NULL, true);
	engine_put_tenant(w.e, v[0]);
	engine_remove_tenant(w.e, "empty");
	engine_revision_end(w.e);
	run_until(&w, tenant_gone, "empty", "empty forgotten");
	assert_non_null(engine_tenant(w.e, "acme"));
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* The count of tenants whose manifest fails (status's tenants_failing) is kept as
 * problems come and go, forgotten tenants included. */
static void test_failing_count_follows_problems(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("empty", "r1", 0) };

	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_int_equal(engine_tenants_failing(w.e), 0);
	engine_tenant_problem(w.e, "acme", "acme.yaml:1:1: broken");
	engine_tenant_problem(w.e, "acme", "acme.yaml:1:1: broken");
	engine_tenant_problem(w.e, "acme", "acme.yaml:2:1: broken otherwise");
	assert_int_equal(engine_tenants_failing(w.e), 1);
	/* a tenant never defined whose manifest fails counts too (held unparsed) */
	engine_tenant_problem(w.e, "nobody", "nobody.yaml:1:1: never good");
	assert_int_equal(engine_tenants_failing(w.e), 2);
	engine_tenant_problem(w.e, "empty", "empty.yaml:1:1: broken");
	assert_int_equal(engine_tenants_failing(w.e), 3);
	/* acme fixed; empty's manifest goes: forgotten once nothing of it is left */
	engine_revision_begin(w.e, NULL, REVISION_TRUSTED);
	engine_put_tenant(w.e, v[0]);
	engine_remove_tenant(w.e, "empty");
	engine_revision_end(w.e);
	assert_int_equal(engine_tenants_failing(w.e), 2);
	run_until(&w, tenant_gone, "empty", "empty forgotten");
	assert_int_equal(engine_tenants_failing(w.e), 1);
	/* nobody's file goes too: nothing of it was ever made */
	engine_revision_begin(w.e, NULL, REVISION_TRUSTED);
	engine_remove_tenant(w.e, "nobody");
	engine_revision_end(w.e);
	run_until(&w, tenant_gone, "nobody", "nobody forgotten");
	assert_int_equal(engine_tenants_failing(w.e), 0);
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* A revision with flags of acme and initech (v[0], v[2]): globex's file is absent, or
 * fails before its id can be read. */
static void revise_without_globex(struct world *w, struct tenant **v, unsigned flags)
{
	engine_revision_begin(w->e, NULL, flags);
	engine_put_tenant(w->e, v[0]);
	engine_put_tenant(w->e, v[2]);
	engine_revision_end(w->e);
}

/* globex, removed, is Deleting; once the grace has passed its profile is deleted and
 * it is forgotten. */
static void globex_goes(struct world *w)
{
	const char *deleting[] = { "globex", "Deleting" };

	run_until(w, tenant_in_state, deleting, "globex Deleting");
	assert_int_equal(fake_cloud_profiles_of(&w->cloud, "globex"), 1);
	w->wall += FIX_GRACE;
	engine_reconcile_tenant(w->e, "globex");
	run_until(w, tenant_gone, "globex", "globex forgotten");
	assert_int_equal(fake_cloud_profiles_of(&w->cloud, "globex"), 0);
}

/* The engine restarted with globex's manifest failing (no good definition of it since
 * the start): its resources stay as they are, however long it fails, and it shows
 * Pending with why; once its manifest parses it is reconciled as any tenant, and once
 * no file names it any more (a full revision) it is removed. */
static void test_unparsed_at_start_is_held(void **state)
{
	struct world w;
	struct tenant *v[3] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1),
				tenant_of("initech", "r1", 1) };
	const char *pending[] = { "globex", "Pending" };
	const struct tenant_entry *t;
	unsigned creates;

	world_init(&w);
	put_all(&w, v, 3, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	stop_engine(&w);

	start_engine(&w);
	engine_revision_begin(w.e, NULL, REVISION_TRUSTED | REVISION_FULL);
	engine_put_tenant(w.e, v[0]);
	engine_tenant_problem(w.e, "globex", "globex.yaml:6:13: spec.profiles: expected a sequence");
	engine_put_tenant(w.e, v[2]);
	engine_revision_end(w.e);
	run_until(&w, tenant_in_state, pending, "globex Pending");
	w.wall += 10 * FIX_GRACE; /* far past any grace period */
	engine_reconcile_all(w.e);
	run_until(&w, tenant_in_state, pending, "globex still Pending");
	t = engine_tenant(w.e, "globex");
	assert_true(t->unparsed && !t->removed);
	assert_non_null(strstr(tenant_entry_waiting(t), "nothing of it is touched"));
	assert_string_equal(tenant_entry_problem(t), "globex.yaml:6:13: spec.profiles: expected a sequence");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 1);
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);

	/* fixed: its own resources, nothing made again */
	creates = w.cloud.calls[ACT_PROFILE_CREATE];
	engine_revision_begin(w.e, NULL, REVISION_TRUSTED | REVISION_FULL);
	for (int i = 0; i < 3; i++)
		engine_put_tenant(w.e, v[i]);
	engine_revision_end(w.e);
	run_until(&w, all_in_state, &READY, "every tenant Ready again");
	assert_false(engine_tenant(w.e, "globex")->unparsed);
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], creates);
	assert_null(tenant_entry_problem(engine_tenant(w.e, "globex")));
	assert_null(engine_tenant(w.e, "globex")->rare); /* its problem and wait cleared: no block left */

	/* broken again after a restart, then its file gone: a full revision names it no
	 * more, and it goes as a removed tenant does */
	stop_engine(&w);
	start_engine(&w);
	engine_revision_begin(w.e, NULL, REVISION_TRUSTED | REVISION_FULL);
	engine_put_tenant(w.e, v[0]);
	engine_tenant_problem(w.e, "globex", "globex.yaml:1:1: invalid YAML");
	engine_put_tenant(w.e, v[2]);
	engine_revision_end(w.e);
	run_until(&w, tenant_in_state, pending, "globex Pending after the restart");
	revise_without_globex(&w, v, REVISION_TRUSTED | REVISION_FULL);
	globex_goes(&w);
	for (int i = 0; i < 3; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* While a file fails before its tenant id can be read, a tenant with resources and no
 * manifest may be declared there: it is not taken for removed. Once every id can be
 * read, it is. */
static void test_no_removal_while_ids_unknown(void **state)
{
	struct world w;
	struct tenant *v[3] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1),
				tenant_of("initech", "r1", 1) };
	const struct tenant_entry *t;

	world_init(&w);
	put_all(&w, v, 3, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	stop_engine(&w);

	start_engine(&w);
	revise_without_globex(&w, v, REVISION_TRUSTED | REVISION_FULL | REVISION_IDS_UNKNOWN);
	run_until(&w, all_in_state, &READY, "acme and initech Ready");
	w.wall += 10 * FIX_GRACE;
	engine_reconcile_all(w.e);
	run_until(&w, all_in_state, &READY, "still Ready");
	t = engine_tenant(w.e, "globex");
	assert_true(!t || !t->removed);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 1);
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);

	revise_without_globex(&w, v, REVISION_TRUSTED | REVISION_FULL); /* the file is read, or gone */
	globex_goes(&w);
	for (int i = 0; i < 3; i++)
		tenant_free(v[i]);
	world_release(&w);
}

static void test_mass_removal_is_held_until_approved(void **state)
{
	struct world w;
	struct tenant *v[12];
	char id[16];
	const enum tenant_state held = TENANT_HELD;

	world_init(&w);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	put_all(&w, v, 12, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");

	/* a bad commit deletes every file: 12 > max(10, 5 %) */
	engine_revision_begin(w.e, NULL, true);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		engine_remove_tenant(w.e, id);
	}
	engine_revision_end(w.e);
	w.wall += 10 * FIX_GRACE;
	engine_reconcile_all(w.e);
	run_until(&w, all_in_state, &held, "every tenant Held");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);

	assert_int_equal(engine_approve_prune(w.e), 12);
	/* the grace timers started with the first diff after the removal */
	w.wall += FIX_GRACE;
	engine_reconcile_all(w.e);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		run_until(&w, tenant_gone, id, "every tenant forgotten");
		tenant_free(v[i]);
	}
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE], 12);
	world_release(&w);
}

/* The removals of one bad commit may reach the daemon in several batches: the gate
 * counts every deletion still waiting, so the third batch holds all twelve. */
static void test_trickling_removals_are_held_together(void **state)
{
	struct world w;
	struct tenant *v[12];
	char id[16];
	const enum tenant_state held = TENANT_HELD;

	world_init(&w);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	put_all(&w, v, 12, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	for (int batch = 0; batch < 3; batch++) {
		engine_revision_begin(w.e, NULL, true);
		for (int i = 0; i < 12; i++) {
			snprintf(id, sizeof(id), "t%02d", i);
			if (i / 4 > batch)
				engine_put_tenant(w.e, v[i]);
			else
				engine_remove_tenant(w.e, id);
		}
		engine_revision_end(w.e);
	}
	w.wall += 10 * FIX_GRACE;
	engine_reconcile_all(w.e);
	run_until(&w, all_in_state, &held, "every tenant Held");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);

	/* approved deletions are never held again, even when more removals follow */
	assert_int_equal(engine_approve_prune(w.e), 12);
	engine_revision_begin(w.e, NULL, true);
	engine_revision_end(w.e);
	w.wall += FIX_GRACE;
	engine_reconcile_all(w.e);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		run_until(&w, tenant_gone, id, "every tenant deleted");
		tenant_free(v[i]);
	}
	world_release(&w);
}

/* An operator who sees removals in their grace period and tightens the gate by a
 * reload holds them: the reload judges the window again under the new limits. */
static void test_tightened_gate_holds_removals_in_grace(void **state)
{
	struct world w;
	struct tenant *v[12];
	char id[16];
	struct engine_settings set;

	world_init(&w);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	put_all(&w, v, 12, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	engine_revision_begin(w.e, NULL, true);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		if (i < 4)
			engine_remove_tenant(w.e, id);
		else
			engine_put_tenant(w.e, v[i]);
	}
	engine_revision_end(w.e);
	run_until(&w, tenant_in_state, (const char *[]){ "t00", "Deleting" }, "t00 in its grace period");

	set = settings_of(&w);
	set.prune = (struct prune_limits){ 2, 0 };
	engine_reconfigure(w.e, &set);
	w.wall += 10 * FIX_GRACE;
	engine_reconcile_all(w.e);
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		run_until(&w, tenant_in_state, (const char *[]){ id, "Held" }, "the removals in grace held");
	}
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);

	/* loosened again, nothing held is released without an approval */
	set = settings_of(&w);
	engine_reconfigure(w.e, &set);
	engine_reconcile_all(w.e);
	run_until(&w, tenant_in_state, (const char *[]){ "t00", "Held" }, "still Held");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);
	assert_int_equal(engine_approve_prune(w.e), 4);
	w.wall += FIX_GRACE;
	engine_reconcile_all(w.e);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		if (i < 4)
			run_until(&w, tenant_gone, id, "the approved removals carried out");
		tenant_free(v[i]);
	}
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE], 4);
	world_release(&w);
}

static void test_untrusted_revision_deletes_nothing(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1) };

	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	/* the manifest directory vanished (unmounted, unreadable, empty) */
	engine_revision_begin(w.e, NULL, false);
	engine_remove_tenant(w.e, "acme");
	engine_remove_tenant(w.e, "globex");
	engine_revision_end(w.e);
	w.wall += 100 * FIX_GRACE;
	engine_reconcile_all(w.e);
	run_until(&w, all_in_state, &READY, "every tenant still Ready");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_DELETE] + w.cloud.calls[ACT_PARAM_DELETE], 0);
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

static void test_terminal_error_stalls_until_a_change(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const char *stalled[] = { "acme", "Stalled" };
	const struct tenant_entry *t;
	unsigned creates;

	world_init(&w);
	w.cloud.fail_next = 1;
	w.cloud.fail_cls = ERROR_TERMINAL;
	w.cloud.fail_code = "ValidationException";
	put_all(&w, v, 1, true);
	run_until(&w, tenant_in_state, stalled, "acme Stalled");
	t = engine_tenant(w.e, "acme");
	assert_non_null(strstr(tenant_entry_last_error(t), "ValidationException"));
	creates = w.cloud.calls[ACT_PROFILE_CREATE];
	engine_resync(w.e); /* periodic work does not retry a stalled tenant */
	run_until(&w, tenant_in_state, stalled, "acme still Stalled");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], creates);

	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 1); /* the manifest changed */
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "acme Ready");
	tenant_free(v[0]);
	world_release(&w);
}

static bool tenant_waits(struct world *w, const void *arg)
{
	const struct tenant_entry *t = engine_tenant(w->e, arg);

	return quiet(w) && t && t->state == TENANT_PENDING && tenant_entry_waiting(t);
}

/* A quota error on a create is no stall: the tenant waits (Pending, with the reason),
 * is not retried with backoff, and is reconciled again after the next listing. */
static void test_quota_error_waits_for_capacity(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const struct tenant_entry *t;
	unsigned creates;

	world_init(&w);
	w.cloud.fail_next = 1;
	w.cloud.fail_cls = ERROR_TERMINAL;
	w.cloud.fail_code = "ServiceQuotaExceededException";
	put_all(&w, v, 1, true);
	run_until(&w, tenant_waits, "acme", "acme waiting");
	t = engine_tenant(w.e, "acme");
	assert_non_null(t->rare);
	assert_non_null(strstr(tenant_entry_waiting(t), "quota of profiles reached"));
	assert_non_null(strstr(tenant_entry_waiting(t), "ServiceQuotaExceededException"));
	assert_true(engine_ready(w.e)); /* a waiting tenant does not hold back readiness */
	creates = w.cloud.calls[ACT_PROFILE_CREATE];
	engine_resync(w.e); /* the next listing: capacity may have appeared */
	run_until(&w, all_in_state, &READY, "acme Ready after the next listing");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], creates + 1);
	assert_null(tenant_entry_waiting(engine_tenant(w.e, "acme")));
	/* the rarely set fields held while it waited, none once it is Ready (no error, no
	 * conflict, no timer): a converged tenant's entry holds no block of them */
	assert_null(tenant_entry_last_error(engine_tenant(w.e, "acme")));
	assert_null(engine_tenant(w.e, "acme")->rare);
	tenant_free(v[0]);
	world_release(&w);
}

static void test_pause_reports_drift(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const enum tenant_state drifted = TENANT_DRIFTED;
	unsigned mutations;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	engine_pause(w.e);
	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 1);
	fix_tag(&v[0]->tags, "Team", "claims");
	mutations = fake_cloud_mutations(&w.cloud);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &drifted, "Drifted");
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	engine_resume(w.e);
	run_until(&w, all_in_state, &READY, "Ready after resume");
	assert_true(fake_cloud_mutations(&w.cloud) > mutations);
	tenant_free(v[0]);
	world_release(&w);
}

/* the claim written that many times, and this daemon's answer in */
static bool claim_written(struct world *w, const void *arg)
{
	return w->cloud.claim_writes >= *(const unsigned *)arg && !strcmp(engine_claim_state(w->e), "held");
}

static bool claim_reads_past(struct world *w, const void *arg)
{
	return w->cloud.claim_reads >= *(const unsigned *)arg;
}

static bool claim_state_is(struct world *w, const void *arg)
{
	return !strcmp(engine_claim_state(w->e), arg);
}

/* The claim as another daemon, or a hand, left it: text, or NULL for none. */
static void claim_set(struct world *w, const char *text)
{
	free(w->cloud.claim);
	w->cloud.claim = text ? xstrdup(text) : NULL;
}

/* Past claim_fresh_ms (50 ms) by the loop's clock too: the next call, or resync, reads
 * the claim again. */
static void claim_stale(struct world *w)
{
	uv_sleep(60);
	uv_update_time(&w->loop);
}

/* A world whose engine has a claim: this daemon's text claim_value; claim_fail: the
 * fake cloud's error for every claim call (NULL: none). */
static void claim_world_rest(struct world *w, const char *claim_value, const char *claim_fail, uint64_t rest_ms)
{
	memset(w, 0, sizeof(*w));
	world_init_kept(w, 0, 0, 0);
	stop_engine(w);
	w->claim_value = claim_value;
	w->cloud.claim_fail = claim_fail;
	w->claim_rest_ms = rest_ms;
	start_engine(w);
}

static void claim_world(struct world *w, const char *claim_value, const char *claim_fail)
{
	claim_world_rest(w, claim_value, claim_fail, 0);
}

/* The instance's claim: written before the first mutating call; another daemon's
 * text found there (its reading over claim_fresh_ms old) makes the engine stand by,
 * with no mutating call, until resume writes it again; a converged engine at rest
 * reads it once a resync, and writes nothing. */
static void test_claim_stands_by_for_another_daemon(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const enum tenant_state drifted = TENANT_DRIFTED;
	unsigned mutations, reads, writes;

	claim_world(&w, "{\"host\":\"a\"}", NULL);
	assert_string_equal(engine_claim_state(w.e), "unclaimed");
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	assert_string_equal(w.cloud.claim, w.claim_value);
	assert_int_equal(w.cloud.claim_writes, 1);
	assert_int_equal(w.cloud.mutations_before_claim, 0);
	assert_string_equal(engine_claim_state(w.e), "held");

	claim_stale(&w); /* at rest: a resync reads the claim once, writes nothing */
	reads = w.cloud.claim_reads + 1;
	resync_listed(&w, "a resync");
	run_until(&w, claim_reads_past, &reads, "the resync's reading of the claim");
	assert_int_equal(w.cloud.claim_reads, reads);
	assert_int_equal(w.cloud.claim_writes, 1);
	assert_string_equal(engine_claim_state(w.e), "held");

	claim_stale(&w);		   /* the next change reads the claim first */
	claim_set(&w, "{\"host\":\"b\"}"); /* another daemon started */
	mutations = fake_cloud_mutations(&w.cloud);
	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 1);
	fix_tag(&v[0]->tags, "Team", "claims");
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &drifted, "Drifted while standing by");
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	assert_string_equal(engine_claim_state(w.e), "standby");
	assert_string_equal(engine_claim_other(w.e), "{\"host\":\"b\"}");
	assert_int_equal(w.cloud.claim_writes, 1);
	/* the daemon's other writers hold too (cost tags, invocation logging) */
	assert_string_equal(engine_calls_held(w.e), "standing by: another daemon holds the claim");
	assert_int_equal(w.released_calls, 0);

	engine_resume(w.e); /* not paused: it claims the instance back */
	assert_null(engine_calls_held(w.e));
	assert_int_equal(w.released_calls, 1);
	run_until(&w, all_in_state, &READY, "Ready after resume");
	assert_true(fake_cloud_mutations(&w.cloud) > mutations);
	assert_int_equal(w.cloud.claim_writes, 2);
	assert_string_equal(w.cloud.claim, w.claim_value);
	assert_string_equal(engine_claim_state(w.e), "held");

	/* at rest, resume writes the claim at once (a new host taking the instance over) */
	claim_set(&w, "{\"host\":\"b\"}");
	mutations = fake_cloud_mutations(&w.cloud);
	engine_resume(w.e);
	writes = 3;
	run_until(&w, claim_written, &writes, "the claim written by resume");
	assert_string_equal(w.cloud.claim, w.claim_value);
	assert_string_equal(engine_claim_state(w.e), "held");
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	tenant_free(v[0]);
	world_release(&w);
}

/* A daemon displaced while at rest sees it at its next resync: it stands by without a
 * change to make, and says so. Paused, a resync that finds the claim gone writes
 * nothing: the daemon holds no claim until its next call (resume writes it). */
static void test_claim_displaced_at_rest(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	unsigned mutations, reads, writes;

	claim_world(&w, "{\"host\":\"a\"}", NULL);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	assert_string_equal(engine_claim_state(w.e), "held");

	claim_stale(&w);
	claim_set(&w, "{\"host\":\"b\"}"); /* another daemon took it */
	mutations = fake_cloud_mutations(&w.cloud);
	resync_listed(&w, "a resync at rest");
	run_until(&w, claim_state_is, "standby", "standing by after the resync");
	assert_string_equal(engine_claim_other(w.e), "{\"host\":\"b\"}");
	assert_int_equal(w.cloud.claim_writes, 1);
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);

	engine_resume(w.e);
	writes = 2;
	run_until(&w, claim_written, &writes, "the claim written by resume");

	claim_stale(&w);
	engine_pause(w.e);
	claim_set(&w, NULL); /* deleted by hand while paused */
	reads = w.cloud.claim_reads + 1;
	resync_listed(&w, "a resync while paused");
	run_until(&w, claim_reads_past, &reads, "the resync's reading of the claim");
	run_until(&w, claim_state_is, "unclaimed", "no claim held once it is gone");
	assert_int_equal(w.cloud.claim_writes, 2);
	assert_null(w.cloud.claim);

	engine_resume(w.e); /* writes it at once */
	writes = 3;
	run_until(&w, claim_written, &writes, "the claim written by resume");
	assert_string_equal(w.cloud.claim, w.claim_value);
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	tenant_free(v[0]);
	world_release(&w);
}

/* At rest, with no resync and no change, the daemon that holds the claim reads it
 * every claim_rest_ms: displaced meanwhile, it says so within that time (and writes
 * nothing); the claim still its own, it reads and writes nothing more. */
static void test_claim_read_at_rest_by_itself(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	unsigned mutations, reads;

	(void)state;
	claim_world_rest(&w, "{\"host\":\"a\"}", NULL, 200);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	assert_string_equal(engine_claim_state(w.e), "held");

	reads = w.cloud.claim_reads + 2; /* two periods, nothing else */
	run_until(&w, claim_reads_past, &reads, "two readings at rest");
	assert_int_equal(w.cloud.claim_writes, 1);
	assert_string_equal(engine_claim_state(w.e), "held");

	claim_set(&w, "{\"host\":\"b\"}"); /* another daemon took it */
	mutations = fake_cloud_mutations(&w.cloud);
	run_until(&w, claim_state_is, "standby", "standing by with no resync nor change");
	assert_string_equal(engine_claim_other(w.e), "{\"host\":\"b\"}");
	assert_int_equal(w.cloud.claim_writes, 1);
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	tenant_free(v[0]);
	world_release(&w);
}

/* A daemon that stops marks the claim it holds released; one standing by reads the
 * claim every claim_fresh_ms and takes a released one over, acting at once. A claim
 * deleted by hand is no release: it keeps standing by. */
static void test_claim_released_is_taken_over(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const enum tenant_state drifted = TENANT_DRIFTED;
	unsigned mutations, reads, writes;

	claim_world(&w, "{\"host\":\"a\", \"pid\":1}", NULL);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");

	claim_stale(&w);		   /* the next change reads the claim first */
	claim_set(&w, "{\"host\":\"b\"}"); /* another daemon started */
	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 1);
	fix_tag(&v[0]->tags, "Team", "claims");
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &drifted, "Drifted while standing by");
	assert_string_equal(engine_claim_state(w.e), "standby");

	/* deleted by hand: read again and again, never written, still standing by */
	claim_set(&w, NULL);
	writes = w.cloud.claim_writes;
	reads = w.cloud.claim_reads + 3;
	run_until(&w, claim_reads_past, &reads, "three readings while standing by");
	assert_int_equal(w.cloud.claim_writes, writes);
	assert_null(w.cloud.claim);
	assert_string_equal(engine_claim_state(w.e), "standby");
	assert_int_equal(engine_tenant(w.e, "acme")->state, TENANT_DRIFTED);

	/* the other daemon stopped: its text marked released; this one takes over */
	claim_set(&w, "{\"released\":true,\"host\":\"b\"}");
	mutations = fake_cloud_mutations(&w.cloud);
	run_until(&w, all_in_state, &READY, "Ready once the claim is released");
	assert_true(fake_cloud_mutations(&w.cloud) > mutations);
	assert_string_equal(w.cloud.claim, w.claim_value);
	assert_string_equal(engine_claim_state(w.e), "held");
	assert_null(engine_calls_held(w.e));
	assert_int_equal(w.released_calls, 1);
	assert_int_equal(engine_claim_confirmed_at(w.e), w.wall);

	/* this one stops: its own text, marked released */
	stop_engine(&w);
	assert_string_equal(w.cloud.claim, "{\"released\":true,\"host\":\"a\", \"pid\":1}");
	start_engine(&w);
	tenant_free(v[0]);
	world_release(&w);
}

/* A claim that cannot be read or written does not stop the daemon: it acts, and
 * says why. */
static void test_claim_failing_acts_without(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };

	claim_world(&w, "{\"host\":\"a\"}", "AccessDeniedException");
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready without the claim");
	assert_null(w.cloud.claim);
	assert_non_null(engine_claim_error(w.e));
	assert_non_null(strstr(engine_claim_error(w.e), "AccessDeniedException"));
	assert_string_equal(engine_claim_state(w.e), "unclaimed");
	tenant_free(v[0]);
	world_release(&w);
}

static bool created_in_world(struct world *w, const void *arg)
{
	return fake_cloud_profiles_of(&w->cloud, arg) == 1;
}

static void test_restart_reuses_the_durable_intent(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };

	world_init(&w);
	w.cloud.lose_next = 1000; /* every answer is lost: the daemon never learns */
	w.cloud.hide_new_profiles = true;
	put_all(&w, v, 1, true);
	run_until(&w, created_in_world, "acme", "the create to land in the world");
	stop_engine(&w); /* the daemon goes away */

	/* it comes back; the listing still does not show the profile */
	w.cloud.lose_next = 0;
	start_engine(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready after restart");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1); /* the token replayed */
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	tenant_free(v[0]);
	world_release(&w);
}

/* The store's commits, counted per loop turn (a uv_check handle counts the turns). */
struct turn_commits {
	uv_check_t turn_end;
	uint64_t turn, commit_turn;
	unsigned commits, in_turn, most_in_turn;
};

static void on_turn_end(uv_check_t *h)
{
	((struct turn_commits *)h->data)->turn++;
}

static void on_commit(void *data, unsigned frames)
{
	struct turn_commits *tc = data;

	(void)frames;
	tc->in_turn = tc->commit_turn == tc->turn && tc->commits ? tc->in_turn + 1 : 1;
	tc->commit_turn = tc->turn;
	tc->commits++;
	if (tc->in_turn > tc->most_in_turn)
		tc->most_in_turn = tc->in_turn;
}

/* The writes of a loop turn (history, facts, applied tags, create intents) are one
 * commit of the store, not one each; every create still finds its intent committed. */
static void test_a_turns_writes_are_one_commit(void **state)
{
	struct world w;
	struct turn_commits tc = { 0 };
	struct tenant *v[30];
	struct hashmap records;

	world_init(&w);
	uv_check_init(&w.loop, &tc.turn_end);
	tc.turn_end.data = &tc;
	uv_check_start(&tc.turn_end, on_turn_end);
	uv_unref((uv_handle_t *)&tc.turn_end);
	/* the commits reported to this hook instead of the engine's checkpoints */
	store_defer_checkpoints(w.store, on_commit, &tc);
	for (size_t i = 0; i < 30; i++) {
		char id[16];
		snprintf(id, sizeof(id), "t%02zu", i);
		v[i] = tenant_of(id, "r1", 2);
	}
	put_all(&w, v, 30, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	print_message("%u commits over %llu turns, at most %u in a turn\n", tc.commits, (unsigned long long)tc.turn,
		      tc.most_in_turn);
	/* 30 tenants: 60 intents, a row, facts and applied tags each */
	assert_true(tc.commits > 0);
	assert_true(tc.commits < 30);
	assert_int_equal(tc.most_in_turn, 1);
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], 60);
	/* committed: another connection reads every intent */
	{
		char *db = xasprintf("%s/state.db", w.dir);
		struct store *other;
		size_t intents = 0, pos = 0;
		void *rec;

		assert_int_equal(store_open(db, &other, NULL), 0);
		hashmap_init(&records);
		assert_int_equal(store_load(other, &records), 0);
		while (hashmap_next(&records, &pos, NULL, &rec))
			intents += ((struct tenant_record *)rec)->n_intents;
		assert_int_equal(records.n, 30);
		assert_true(intents > 0);
		hashmap_release(&records, (void (*)(void *))tenant_record_free);
		store_close(other);
		free(db);
	}
	store_defer_checkpoints(w.store, NULL, NULL);
	uv_close((uv_handle_t *)&tc.turn_end, NULL);
	for (size_t i = 0; i < 30; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* Loses the store's open group once, in the loop turn acme's create intent went into
 * it and before the engine commits the turn, as a full disk does (the group's commit
 * fails: on_store_retry's, say), then makes a write of its own that opens a later
 * group, which the engine's commit of the turn commits. */
struct group_loser {
	uv_prepare_t h; /* started after the engine's: runs before its commit */
	struct world *w;
	bool done;
};

static void on_lose_group(uv_prepare_t *h)
{
	struct group_loser *g = h->data;
	const struct tenant_entry *t = engine_tenant(g->w->e, "acme");
	struct rlimit old, one;

	if (g->done || !t || !t->record->n_intents || !store_uncommitted(g->w->store))
		return;
	g->done = true;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	one = old;
	one.rlim_cur = 1; /* no file of the store grows: the commit fails */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &one), 0);
	assert_true(store_commit(g->w->store) < 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(store_put_meta(g->w->store, "probe", "1"), 0);
}

static size_t intents_on_disk(struct world *w, const char *tenant)
{
	char *db = xasprintf("%s/state.db", w->dir);
	struct store *other;
	struct hashmap records;
	const struct tenant_record *rec;
	size_t n;

	assert_int_equal(store_open(db, &other, NULL), 0);
	hashmap_init(&records);
	assert_int_equal(store_load(other, &records), 0);
	rec = hashmap_get(&records, tenant);
	n = rec ? rec->n_intents : 0;
	hashmap_release(&records, (void (*)(void *))tenant_record_free);
	store_close(other);
	free(db);
	return n;
}

/* A create's intent went into a group of writes that was lost (a full disk), and a
 * later group of the same loop turn was committed: the create waits until its intent
 * is committed again, it is never sent with the intent lost. */
static void test_create_waits_when_its_intents_group_is_lost(void **state)
{
	struct world w;
	struct group_loser g = { .w = &w };
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };

	world_init(&w);
	signal(SIGXFSZ, SIG_IGN);
	uv_prepare_init(&w.loop, &g.h);
	g.h.data = &g;
	uv_prepare_start(&g.h, on_lose_group);
	w.cloud.hold_create = "acme-chat-aaaaaa";
	put_all(&w, v, 1, true);
	run_until(&w, created_in_world, "acme", "the create to land in the world");
	assert_true(g.done);
	/* no listing has shown the profile: its intent is on disk */
	assert_int_equal(intents_on_disk(&w, "acme"), 1);
	fake_cloud_answer_held(&w.cloud);
	run_until(&w, all_in_state, &READY, "Ready");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	uv_close((uv_handle_t *)&g.h, NULL);
	tenant_free(v[0]);
	world_release(&w);
}

static bool in_history(const struct tenant_entry *t, const char *text)
{
	const char *line;
	int64_t at;

	for (size_t pos = 0; history_lines_next(&t->history, &pos, &at, &line);)
		if (strstr(line, text))
			return true;
	return false;
}

static const struct observed_profile *world_profile(struct world *w, const char *tenant)
{
	const struct observed_group *g = observed_store_group(&w->cloud.world, tenant);

	if (!g || !g->n_profiles) {
		fail_msg("%s has no profile in the world", tenant);
		abort(); /* not reached: fail_msg does not return */
	}
	return g->profiles[0];
}

static void resync_and_settle(struct world *w)
{
	unsigned lists = w->cloud.lists + 1;

	engine_resync(w->e);
	run_until(w, lists_at_least, &lists, "a listing");
	run_until(w, all_in_state, &READY, "Ready after the listing");
}

/* A profile deleted outside the daemon after a listing showed it: the next listing is
 * authoritative over the daemon's own write, and the profile is created again. */
static void test_profile_deleted_by_hand_is_recreated(void **state)
{
	struct world w;
	struct engine_counts c;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	char *old;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	resync_and_settle(&w); /* listed: the create intent is settled */
	old = xstrdup(world_profile(&w, "acme")->arn);
	engine_counts(w.e, &c);
	assert_int_equal(c.drift_repairs, 0); /* the first create is no repair */
	assert_true(observed_store_remove_profile(&w.cloud.world, old));
	resync_and_settle(&w);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	assert_string_not_equal(world_profile(&w, "acme")->arn, old);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], 2);
	assert_true(
		in_history(engine_tenant(w.e, "acme"), "drift repaired: profile acme-chat-aaaaaa missing: re-created"));
	/* counted for the metrics: the repair, and every finished reconcile timed */
	engine_counts(w.e, &c);
	assert_true(c.drift_repairs >= 1);
	assert_true(c.reconcile_seconds.count > 0);
	assert_int_equal(c.reconcile_seconds.count, c.reconciles - c.reconciles_in_flight);
	free(old);
	tenant_free(v[0]);
	world_release(&w);
}

/* A profile deleted by hand whose create then waits for capacity: its parameter, which
 * names the gone profile, is deleted in the same round, so SSM names nothing rather
 * than a missing profile while the tenant waits; once capacity comes, both are made
 * again. */
static void test_profile_gone_while_waiting_names_nothing(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const char *param = "/bedrock-tenants/acme/chat/profile-arn";

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	resync_and_settle(&w);
	assert_non_null(observed_store_parameter(&w.cloud.world, param));
	assert_true(observed_store_remove_profile(&w.cloud.world, world_profile(&w, "acme")->arn));
	w.cloud.fail_next = 1; /* the create: the round's first call */
	w.cloud.fail_cls = ERROR_TERMINAL;
	w.cloud.fail_code = "ServiceQuotaExceededException";
	engine_resync(w.e);
	run_until(&w, tenant_waits, "acme", "acme waiting");
	assert_int_equal(w.cloud.calls[ACT_PARAM_DELETE], 1);
	assert_null(observed_store_parameter(&w.cloud.world, param));
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 0);

	engine_resync(w.e); /* capacity again */
	run_until(&w, all_in_state, &READY, "acme Ready after the next listing");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	assert_string_equal(observed_store_parameter(&w.cloud.world, param)->value, world_profile(&w, "acme")->arn);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	tenant_free(v[0]);
	world_release(&w);
}

/* Deleted before any listing saw it: its create intent is still open, and its token
 * only replays the dead ARN. A Get confirms it is gone; a fresh token creates it. */
static void test_deleted_before_listed_gets_a_fresh_token(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	char *old;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	old = xstrdup(world_profile(&w, "acme")->arn);
	assert_true(observed_store_remove_profile(&w.cloud.world, old));
	resync_and_settle(&w);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	assert_string_not_equal(world_profile(&w, "acme")->arn, old);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	assert_int_equal(w.cloud.replayed_dead, 0); /* the dead token was never sent again */
	assert_true(in_history(engine_tenant(w.e, "acme"), "missing: re-created"));
	free(old);
	tenant_free(v[0]);
	world_release(&w);
}

/* A tag edited outside the daemon right after its own write is set back by the next
 * listing, and the repair is in the history with the attribute. */
static void test_tag_edit_is_reverted(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	struct observed_profile *p;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	p = observed_profile_dup(world_profile(&w, "acme"));
	tag_set_put(&p->tags, "CostCenter", "hacked");
	observed_store_put_profile(&w.cloud.world, p);
	resync_and_settle(&w);
	assert_string_equal(tag_set_get(&world_profile(&w, "acme")->tags, "CostCenter"), "eng");
	assert_true(in_history(engine_tenant(w.e, "acme"), "tag CostCenter: hacked -> eng"));
	tenant_free(v[0]);
	world_release(&w);
}

static bool journal_holds(struct world *w, const void *arg)
{
	struct engine_counts c;

	engine_counts(w->e, &c);
	return c.journal_entries > 0;
}

/* No copy of a write is kept while no listing of its place runs: a listing that
 * starts later sees the write itself. */
static void test_no_journal_between_listings(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 2), tenant_of("globex", "r1", 1) };
	struct engine_counts c;

	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_true(w.cloud.calls[ACT_PROFILE_CREATE] > 0);
	engine_counts(w.e, &c);
	assert_int_equal(c.journal_entries, 0);
	tenant_free(v[1]);
	v[1] = tenant_of("globex", "r2", 1);
	fix_tag(&v[1]->tags, "Team", "claims");
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready again");
	engine_counts(w.e, &c);
	assert_int_equal(c.journal_entries, 0);
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* The profiles and parameters the daemon created are entries of their place's store's
 * arena, as a listing's are (no allocations of their own until the next listing): the
 * parameter's value is the profile's interned ARN, one string. */
static void test_own_creates_in_the_store_arena(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 2) };
	const struct observed_group *g;

	(void)state;
	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], 2);
	g = observed_store_group(engine_observed(w.e, engine_tenant(w.e, "acme")), "acme");
	assert_non_null(g);
	assert_int_equal(g->n_profiles, 2);
	assert_int_equal(g->n_parameters, 2);
	for (size_t i = 0; i < g->n_profiles; i++) {
		assert_true(g->profiles[i]->in_arena);
		assert_true(g->profiles[i]->tags_in_arena);
		assert_string_equal(tag_set_get(&g->profiles[i]->tags, TAG_TENANT), "acme");
	}
	for (size_t i = 0; i < g->n_parameters; i++) {
		const struct observed_parameter *q = g->parameters[i];
		const struct observed_profile *p = observed_store_profile(
			engine_observed(w.e, engine_tenant(w.e, "acme")), q->value);

		assert_true(q->in_arena);
		assert_non_null(p);
		assert_ptr_equal(q->value, p->arn);
	}
	tenant_free(v[0]);
	world_release(&w);
}

/* The store's log file is empty, cut back by a checkpoint asked to. */
static bool log_cut(struct world *w, const void *arg)
{
	struct engine_counts c;
	struct stat st;
	char *wal = xasprintf("%s/state.db-wal", w->dir);
	bool empty = stat(wal, &st) == 0 && st.st_size == 0;

	(void)arg;
	free(wal);
	engine_counts(w->e, &c);
	return c.store_log_cuts > 0 && empty;
}

static bool trimmed_after_all(struct world *w, const void *arg)
{
	struct engine_counts c;

	engine_counts(w->e, &c);
	return c.trimmed_reconciles >= *(const uint64_t *)arg;
}

/* Once the work of ENGINE__TRIM_RECONCILES reconciles or more is done and nothing
 * else waits, what it freed goes back to the system (a trim, at most one every 10 s:
 * the start's listings made one, perhaps after a few reconciles: twice the threshold
 * here); before, only a listing's old store did. The state store's log file is cut
 * back then too, off the loop. */
static void test_trim_once_idle_after_work(void **state)
{
	struct world w;
	struct tenant *v[150];
	struct engine_counts c;
	char id[16];

	(void)state;
	for (int i = 0; i < 150; i++) {
		snprintf(id, sizeof(id), "t%03d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	world_init(&w);
	put_all(&w, v, 150, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	engine_counts(w.e, &c);
	assert_true(c.reconciles >= 150);
	run_until(&w, trimmed_after_all, &c.reconciles, "a trim after the work");
	/* and the store's log file cut back with it, off the loop (a log of 100-200 MB
	 * cut back in a commit took it 100-400 ms) */
	run_until(&w, log_cut, NULL, "the log's file cut back once idle");
	for (int i = 0; i < 150; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* The revision last brought to Ready is one string for every tenant at it (100,000
 * tenants held a copy each), the very string of the definition's (interned), the
 * records' fact of it included. */
static void test_reconciled_revision_shared(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1) };

	(void)state;
	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_string_equal(engine_reconciled_revision(engine_tenant(w.e, "acme")), "r1");
	assert_ptr_equal(engine_reconciled_revision(engine_tenant(w.e, "acme")),
			 engine_reconciled_revision(engine_tenant(w.e, "globex")));
	assert_ptr_equal(engine_reconciled_revision(engine_tenant(w.e, "acme")),
			 engine_tenant(w.e, "acme")->desired->revision);
	for (int i = 0; i < 2; i++) {
		const struct tenant_entry *t = engine_tenant(w.e, i ? "globex" : "acme");
		assert_ptr_equal(record_fact(t->record, RECORD_FACT_RECONCILED_REVISION),
				 engine_reconciled_revision(t));
	}
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* A manifest renamed (the same text at another path) is no change, but the tenant
 * shows where its manifest is now, and nothing is called. */
static void test_renamed_manifest_shows_its_path(void **state)
{
	struct world w;
	struct tenant *a = tenant_of("acme", "r1", 1), *b = tenant_of("acme", "r1", 1);
	unsigned calls[ACT__COUNT];

	(void)state;
	free(a->file);
	free(b->file);
	a->file = xstrdup("/m/acme.yaml");
	b->file = xstrdup("/m/renamed.yaml");
	world_init(&w);
	put_all(&w, &a, 1, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	memcpy(calls, w.cloud.calls, sizeof(calls));
	put_all(&w, &b, 1, true);
	assert_string_equal(engine_tenant(w.e, "acme")->desired->file, "/m/renamed.yaml");
	run_until(&w, all_in_state, &READY, "Ready after the rename");
	assert_memory_equal(w.cloud.calls, calls, sizeof(calls)); /* no apply: the same text */
	tenant_free(a);
	tenant_free(b);
	world_release(&w);
}

static bool published_under_new_name(struct world *w, const void *arg)
{
	const struct observed_parameter *p = observed_store_parameter(
		engine_observed(w->e, engine_tenant(w->e, "acme")), "/bt2/acme/chat/arn");

	(void)arg;
	return quiet(w) && p && p->value;
}

/* acme's text ("r1") read under other naming templates: its profile and parameter
 * named otherwise */
static struct tenant *renamed_acme(void)
{
	struct tenant *t = tenant_of("acme", "r1", 1);

	free(t->profiles[0].name);
	t->profiles[0].name = xstrdup("x-acme-chat-aaaaaa");
	intern_unref(t->profiles[0].parameter);
	t->profiles[0].parameter = intern("/bt2/acme/chat/arn");
	return t;
}

/* The same text read under other naming templates (a reload of policy.naming): the
 * revision is the same, the names it derives are not. The engine takes the new
 * definition: the profile is replaced under its new name, the parameter published
 * under its new one. */
static void test_same_text_new_names_is_a_change(void **state)
{
	struct world w;
	struct tenant *a = tenant_of("acme", "r1", 1), *b = renamed_acme();

	(void)state;
	world_init(&w);
	put_all(&w, &a, 1, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	put_all(&w, &b, 1, true);
	assert_ptr_equal(engine_tenant(w.e, "acme")->desired, b);
	run_until(&w, published_under_new_name, NULL, "the parameter under its new name");
	assert_non_null(
		observed_store_profile_by_name(engine_observed(w.e, engine_tenant(w.e, "acme")), "x-acme-chat-aaaaaa"));
	tenant_free(a);
	tenant_free(b);
	world_release(&w);
}

static bool old_parameter_gone(struct world *w, const void *arg)
{
	(void)arg;
	return quiet(w) && !observed_store_parameter(&w->cloud.world, "/bedrock-tenants/acme/chat/profile-arn") &&
	       fake_cloud_profiles_of(&w->cloud, "acme") == 1;
}

/* naming.parameter reloaded to another path: the listings read parameters below the
 * new template's path and, while a record names one made under the old template,
 * below a path covering both, so that the old parameter is still seen (until its grace
 * ends, then deleted, and the old profile after it) rather than taken for gone. */
static void test_parameters_listed_under_an_earlier_template(void **state)
{
	struct world w;
	struct tenant *a = tenant_of("acme", "r1", 1), *b = renamed_acme();
	struct engine_settings set;

	(void)state;
	world_init(&w);
	put_all(&w, &a, 1, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	set = settings_of(&w);
	set.param_prefix = "/bt2";
	engine_reconfigure(w.e, &set);
	put_all(&w, &b, 1, true);
	run_until(&w, published_under_new_name, NULL, "the parameter under its new name");
	resync_listed(&w, "a listing after the reload");
	run_until(&w, all_in_state, &READY, "Ready after the listing");
	assert_non_null(observed_store_parameter(engine_observed(w.e, engine_tenant(w.e, "acme")),
						 "/bedrock-tenants/acme/chat/profile-arn"));
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 2);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));

	w.wall += FIX_GRACE + FIX_DRAIN; /* the old parameter goes, then the old profile */
	engine_reconcile_tenant(w.e, "acme");
	run_until(&w, old_parameter_gone, NULL, "the old parameter and profile gone");
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	tenant_free(a);
	tenant_free(b);
	world_release(&w);
}

static bool told(const struct history_lines *h, const char *text)
{
	const char *line;
	int64_t at;

	for (size_t pos = 0; history_lines_next(h, &pos, &at, &line);)
		if (strstr(line, text))
			return true;
	return false;
}

/* An entry per tenant, 100,000 of them: its small fields packed together (328 bytes
 * before, 22 of them padding), its settled stamp a digest of 40 bytes, not a copy of
 * 152, its state and error class a byte each and its flags a bit each: with an id of
 * up to 15 characters, jemalloc's 192-byte class (320 with the copy). */
static void test_entry_packed(void **state)
{
	struct tenant_entry t;

	(void)state;
	assert_int_equal(sizeof(struct diff_settled), 40);
	assert_int_equal(sizeof(struct tenant_entry), 128);
	assert_int_equal(sizeof(struct tenant_entry_rare), 48);
	/* the byte holds every state and class, each flag its own bit */
	memset(&t, 0, sizeof(t));
	t.state = TENANT__STATE_COUNT - 1;
	t.error = ERROR_TERMINAL;
	t.held = true;
	t.slot_waiting = 2; /* a flag set from a count is true */
	assert_int_equal(t.state, TENANT__STATE_COUNT - 1);
	assert_int_equal(t.error, ERROR_TERMINAL);
	assert_true(t.held && t.slot_waiting);
	assert_false(t.removed || t.approved || t.reconciled || t.in_progress || t.pending_changes || t.over_budget ||
		     t.move_switched || t.store_pending || t.revision_reached);
}

/* The entry copies nothing its record holds: its id is the record's interned string,
 * the revision reached is the record's fact (from this run only: after a restart,
 * none until the tenant is Ready again, though the fact says the revision). */
static void test_entry_holds_no_copy_of_its_record(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const struct tenant_entry *t;

	(void)state;
	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	t = engine_tenant(w.e, "acme");
	assert_ptr_equal(t->id, t->record->tenant);
	assert_string_equal(engine_reconciled_revision(t), "r1");
	stop_engine(&w);

	start_engine(&w);
	put_all(&w, v, 1, true);
	t = engine_tenant(w.e, "acme");
	assert_non_null(t);
	assert_ptr_equal(t->id, t->record->tenant);
	assert_string_equal(record_fact(t->record, RECORD_FACT_RECONCILED_REVISION), "r1");
	assert_null(engine_reconciled_revision(t));
	run_until(&w, all_in_state, &READY, "Ready after the restart");
	t = engine_tenant(w.e, "acme");
	assert_string_equal(engine_reconciled_revision(t), "r1");
	assert_ptr_equal(engine_reconciled_revision(t), record_fact(t->record, RECORD_FACT_RECONCILED_REVISION));
	tenant_free(v[0]);
	world_release(&w);
}

/* Where the history's callbacks keep its lines (the daemon's state store), a
 * converged tenant's entry holds none of them: the creates' lines go with their
 * answers' records, the state changes and the notes with theirs. */
static void test_converged_entry_holds_no_history(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const struct tenant_entry *t;

	(void)state;
	world_init_kept(&w, 0, 0, 1);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	t = engine_tenant(w.e, "acme");
	assert_null(t->history.buf);
	assert_int_equal(history_lines_count(&t->history), 0);
	assert_true(told(&w.told, "created profile acme-chat-aaaaaa"));
	assert_true(told(&w.told, "published /bedrock-tenants/acme/chat/profile-arn"));
	assert_true(told(&w.told, "reconciled"));
	assert_true(w.actions_done > 0);
	assert_int_equal(w.actions_done, w.actions_reported); /* every record has its lines' call */
	tenant_free(v[0]);
	world_release(&w);
}

/* Where the callbacks could not keep the lines (a store that fails), the tenant's
 * entry keeps them, as it keeps every line without callbacks. */
static void test_lines_not_kept_stay_in_memory(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const struct tenant_entry *t;

	(void)state;
	world_init_kept(&w, 0, 0, -1);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	t = engine_tenant(w.e, "acme");
	assert_true(in_history(t, "created profile acme-chat-aaaaaa"));
	assert_true(in_history(t, "published /bedrock-tenants/acme/chat/profile-arn"));
	assert_true(in_history(t, "Reconciling -> Ready"));
	assert_true(in_history(t, "reconciled"));
	tenant_free(v[0]);
	world_release(&w);
}

/* A write answered while a listing is under way (the listing shows what was there
 * when it was called) is kept until the listing ends and replayed over it; then the
 * journal is empty again, and nothing is written twice. */
static void test_write_during_listing_is_replayed(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	struct engine_counts c;
	unsigned lists, tags, mutations;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	tags = w.cloud.calls[ACT_PROFILE_TAG];
	w.cloud.list_latency_ms = 1500; /* room for the retag on a loaded machine */
	lists = w.cloud.lists + 1;
	engine_resync(w.e); /* the listing sees CostCenter=eng */
	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 1);
	fix_tag(&v[0]->tags, "Team", "claims");
	put_all(&w, v, 1, true);
	run_until(&w, journal_holds, NULL, "the retag journaled while the listing runs");
	run_until(&w, lists_at_least, &lists, "the listing");
	run_until(&w, all_in_state, &READY, "Ready after the listing");
	engine_counts(w.e, &c);
	assert_int_equal(c.journal_entries, 0);
	assert_int_equal(w.cloud.calls[ACT_PROFILE_TAG], tags + 1);
	assert_string_equal(tag_set_get(&world_profile(&w, "acme")->tags, "Team"), "claims");
	/* the next listing (no write under way) agrees: nothing more to write */
	w.cloud.list_latency_ms = 0;
	mutations = fake_cloud_mutations(&w.cloud);
	resync_and_settle(&w);
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	tenant_free(v[0]);
	world_release(&w);
}

static unsigned applies(const struct fake_cloud *c)
{
	unsigned n = 0;

	for (int k = 0; k < ACT__COUNT; k++)
		n += c->calls[k];
	return n;
}

/* order_of: the order every apply of kind whose subject contains `of` was asked with
 * (they must agree), 0 when there is none or they differ. */
static uint64_t order_of(const struct fake_cloud *c, enum action_kind kind, const char *of)
{
	uint64_t order = 0;

	for (unsigned i = 0; i < c->n_notes; i++) {
		if (c->notes[i].kind != kind || !strstr(c->notes[i].subject, of))
			continue;
		if (order && c->notes[i].order != order)
			return 0;
		order = c->notes[i].order;
	}
	return order;
}

/* Every call of a reconcile carries its rank in the AWS layer's queues: the order in
 * which the reconciles started, the same for each of its rounds (the creates, then
 * the parameters that name them), so the AWS layer can let an older reconcile's
 * calls go first and its rounds follow one another at once. */
static void test_reconcile_calls_carry_their_rank(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 2), tenant_of("globex", "r1", 2) };
	uint64_t acme, globex;

	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_int_equal(w.cloud.unordered_calls, 0);
	acme = order_of(&w.cloud, ACT_PROFILE_CREATE, "acme");
	globex = order_of(&w.cloud, ACT_PROFILE_CREATE, "globex");
	assert_true(acme > 0 && globex > 0 && acme != globex);
	assert_int_equal(order_of(&w.cloud, ACT_PARAM_CREATE, "/acme/"), acme);
	assert_int_equal(order_of(&w.cloud, ACT_PARAM_CREATE, "/globex/"), globex);
	tenant_free(v[0]);
	tenant_free(v[1]);
	world_release(&w);
}

static bool acme_at_r2(struct world *w, const void *arg)
{
	const struct tenant_entry *t = engine_tenant(w->e, "acme");

	return quiet(w) && t && engine_reconciled_revision(t) && strcmp(engine_reconciled_revision(t), "r2") == 0;
}

/* The calls of a reconcile from the change lane (an edited manifest) are priority
 * calls in the AWS layer; those of a first reconcile or of a resync are not. */
static void test_change_lane_calls_are_priority(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1) };
	struct observed_profile *p;
	unsigned before;

	world_init(&w);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	assert_true(applies(&w.cloud) > 0);
	assert_int_equal(w.cloud.priority_calls, 0);
	/* a hand edit, reverted after a resync: ordinary calls */
	p = observed_profile_dup(world_profile(&w, "globex"));
	tag_set_put(&p->tags, "CostCenter", "hacked");
	observed_store_put_profile(&w.cloud.world, p);
	resync_and_settle(&w);
	assert_string_equal(tag_set_get(&world_profile(&w, "globex")->tags, "CostCenter"), "eng");
	assert_int_equal(w.cloud.priority_calls, 0);
	/* an edit of a known tenant: every call of its reconcile */
	before = applies(&w.cloud);
	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 2);
	put_all(&w, v, 2, true);
	run_until(&w, acme_at_r2, NULL, "acme reconciled at r2");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 2);
	assert_true(applies(&w.cloud) > before);
	assert_int_equal(w.cloud.priority_calls, applies(&w.cloud) - before);
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* A pause is kept in the state store: a restart stays paused until resumed. */
static void test_pause_survives_a_restart(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	const enum tenant_state drifted = TENANT_DRIFTED;
	unsigned mutations;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "Ready");
	engine_pause(w.e);
	stop_engine(&w);

	start_engine(&w);
	assert_true(engine_paused(w.e));
	assert_string_equal(engine_calls_held(w.e), "mutating calls paused");
	tenant_free(v[0]);
	v[0] = tenant_of("acme", "r2", 1);
	fix_tag(&v[0]->tags, "Team", "claims");
	mutations = fake_cloud_mutations(&w.cloud);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &drifted, "Drifted after the restart");
	assert_int_equal(fake_cloud_mutations(&w.cloud), mutations);
	engine_resume(w.e);
	assert_null(engine_calls_held(w.e));
	assert_int_equal(w.released_calls, 1);
	engine_resume(w.e); /* nothing held: nothing released */
	assert_int_equal(w.released_calls, 1);
	run_until(&w, all_in_state, &READY, "Ready after resume");
	stop_engine(&w);

	start_engine(&w);
	assert_false(engine_paused(w.e));
	tenant_free(v[0]);
	world_release(&w);
}

/* Each of the first n tenants t00, t01, ... was reconciled since the restart and waits
 * out its grace (Deleting): every grace timer runs from the clock before any jump. */
static bool first_deleting(struct world *w, const void *arg)
{
	char id[16];

	for (int i = 0; i < *(const int *)arg; i++) {
		const struct tenant_entry *t;
		snprintf(id, sizeof(id), "t%02d", i);
		t = engine_tenant(w->e, id);
		if (!t || t->state != TENANT_DELETING)
			return false;
	}
	return quiet(w);
}

static bool held_is(struct world *w, const void *arg)
{
	struct engine_counts c;

	engine_counts(w->e, &c);
	return quiet(w) && c.held == *(const size_t *)arg;
}

/* An approval survives a restart and covers exactly the removals it released: a
 * removal that follows is held again while the approved ones still count. */
static void test_approval_survives_a_restart_and_binds(void **state)
{
	struct world w;
	struct tenant *v[13];
	char id[16];
	const char *held13[] = { "t12", "Held" };
	size_t twelve = 12, none = 0;
	int twelve_removed = 12;

	world_init(&w);
	for (int i = 0; i < 13; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	put_all(&w, v, 13, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	engine_revision_begin(w.e, NULL, true);
	engine_put_tenant(w.e, v[12]);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		engine_remove_tenant(w.e, id);
	}
	engine_revision_end(w.e);
	run_until(&w, held_is, &twelve, "twelve held");
	assert_int_equal(engine_approve_prune(w.e), 12);
	stop_engine(&w);

	/* the daemon comes back: the removed tenants are found by the listing */
	start_engine(&w);
	put_all(&w, &v[12], 1, true);
	run_until(&w, held_is, &none, "nothing held after the restart");
	/* the approved removals reconciled again, their grace running (a reconcile that
	 * came after the clock's jump below would start a grace of real minutes) */
	run_until(&w, first_deleting, &twelve_removed, "the approved removals in their grace");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "t00"), 1); /* still in grace */
	engine_revision_begin(w.e, NULL, true);
	engine_remove_tenant(w.e, "t12");
	engine_revision_end(w.e);
	run_until(&w, tenant_in_state, held13, "t12 held again");

	w.wall += 10 * FIX_GRACE;
	engine_reconcile_all(w.e);
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "t%02d", i);
		run_until(&w, tenant_gone, id, "every approved tenant deleted");
	}
	run_until(&w, tenant_in_state, held13, "t12 still held");
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "t12"), 1);
	for (int i = 0; i < 13; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* Every reconcile slot is taken by a slow one while another tenant's backoff comes
 * due: the loop keeps turning (a pump re-armed at 0 ms from its own callback would
 * spin in one timer phase forever, so a SIGALRM ends the test instead of a hang), and
 * the tenant runs once the slot frees. */
static void test_due_backoff_with_every_slot_taken(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1) };

	world_init_sized(&w, 1, 0);
	w.cloud.apply_latency_ms = 300; /* the one slot is held this long per call */
	w.cloud.fail_next = 1;		/* the first create fails and backs off (<= 5 ms) */
	w.cloud.fail_cls = ERROR_RETRYABLE;
	w.cloud.fail_code = "ThrottlingException";
	alarm(60);
	put_all(&w, v, 2, true);
	run_until(&w, all_in_state, &READY, "both tenants Ready");
	alarm(0);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "acme"), 1);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 1);
	for (int i = 0; i < 2; i++)
		tenant_free(v[i]);
	world_release(&w);
}

static bool create_held_rest_answered(struct world *w, const void *arg)
{
	return w->cloud.held && w->cloud.pending == 0;
}

/* A profile's parameter follows its own create, not the tenant's last: with the
 * second profile's create unanswered, the first's parameter is put already, naming
 * the ARN its create answered, and nothing names the second before its answer. */
static void test_parameter_follows_its_own_create(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 2) };
	const struct observed_profile *batch;
	const struct observed_parameter *q;

	world_init(&w);
	w.cloud.hold_create = "acme-chat-aaaaaa";
	put_all(&w, v, 1, true);
	run_until(&w, create_held_rest_answered, NULL, "the second create held, every other call answered");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], 2);
	assert_int_equal(w.cloud.calls[ACT_PARAM_CREATE], 1);
	batch = observed_store_profile_by_name(&w.cloud.world, "acme-batch-aaaaaa");
	assert_non_null(batch);
	q = observed_store_parameter(&w.cloud.world, "/bedrock-tenants/acme/batch/profile-arn");
	assert_non_null(q);
	assert_string_equal(q->value, batch->arn);
	assert_null(observed_store_parameter(&w.cloud.world, "/bedrock-tenants/acme/chat/profile-arn"));

	fake_cloud_answer_held(&w.cloud);
	run_until(&w, all_in_state, &READY, "Ready");
	assert_int_equal(w.cloud.calls[ACT_PROFILE_CREATE], 2);
	assert_int_equal(w.cloud.calls[ACT_PARAM_CREATE], 2);
	assert_true(fake_cloud_parameters_consistent(&w.cloud, FIX_INSTANCE));
	tenant_free(v[0]);
	world_release(&w);
}

struct turns {
	struct engine *e;
	uint64_t last;	  /* reconciles started before this turn */
	uint64_t max;	  /* most started in one turn */
	unsigned n_turns; /* turns that started any */
};

static void on_turn(uv_prepare_t *p)
{
	struct turns *tu = p->data;
	struct engine_counts c;

	engine_counts(tu->e, &c);
	if (c.reconciles - tu->last > tu->max)
		tu->max = c.reconciles - tu->last;
	tu->n_turns += c.reconciles > tu->last;
	tu->last = c.reconciles;
}

/* One turn of the loop starts at most max_starts_per_turn reconciles; the rest start
 * on later turns, after the loop has polled. */
static void test_reconcile_starts_per_turn_are_bounded(void **state)
{
	struct world w;
	struct tenant *v[10];
	struct turns tu = { 0 };
	uv_prepare_t turn;
	char id[16];

	world_init_sized(&w, 32, 2);
	w.cloud.apply_latency_ms = 20;
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	tu.e = w.e;
	uv_prepare_init(&w.loop, &turn);
	turn.data = &tu;
	uv_prepare_start(&turn, on_turn);
	put_all(&w, v, 10, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	uv_close((uv_handle_t *)&turn, NULL);
	print_message("most reconciles started in one turn: %llu, turns that started any: %u\n",
		      (unsigned long long)tu.max, tu.n_turns);
	assert_true(tu.max >= 1 && tu.max <= 2);
	assert_true(tu.n_turns >= 5);
	for (int i = 0; i < 10; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* The loop turn's budget on a fake clock that the "answers" (a check handle, after the
 * poll, as the AWS layer's) spend whole every turn. */
struct spent_turns {
	struct turns tu;
	struct turn_budget budget;
	uint64_t now;	       /* ns, the fake clock */
	unsigned open_at_poll; /* turns the engine left open over the poll */
	uv_check_t answers;
	uv_prepare_t end;
};

static uint64_t spent_clock(void *data)
{
	return ((struct spent_turns *)data)->now;
}

static void on_spending_answers(uv_check_t *h)
{
	struct spent_turns *s = h->data;

	s->open_at_poll += s->budget.open;
	turn_budget_begin(&s->budget);
	s->now += 2 * s->budget.budget_ns;
}

static void on_spent_turn_end(uv_prepare_t *p)
{
	struct spent_turns *s = p->data;
	uv_prepare_t fake = { .data = &s->tu };

	on_turn(&fake);
}

/* With the loop turn's budget spent by the answers, the pump starts one reconcile a
 * turn (its first, whatever the budget), not max_starts_per_turn; the engine's
 * commit ends every turn before the poll; every tenant converges. */
static void test_starts_take_what_the_turn_has_left(void **state)
{
	struct world w;
	struct tenant *v[10];
	struct spent_turns s = { 0 };
	char id[16];

	turn_budget_init(&s.budget, 1000 * 1000, spent_clock, &s);
	world_init_sized(&w, 32, 0); /* 16 starts a turn */
	/* a second engine on the same world's loop, with the budget */
	stop_engine(&w);
	w.turn = &s.budget;
	start_engine(&w);
	w.cloud.apply_latency_ms = 20;
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	s.tu.e = w.e;
	uv_check_init(&w.loop, &s.answers);
	s.answers.data = &s;
	uv_check_start(&s.answers, on_spending_answers);
	uv_unref((uv_handle_t *)&s.answers);
	uv_prepare_init(&w.loop, &s.end);
	s.end.data = &s;
	uv_prepare_start(&s.end, on_spent_turn_end);
	on_spending_answers(&s.answers); /* the turn the first starts come in */
	put_all(&w, v, 10, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	uv_close((uv_handle_t *)&s.answers, NULL);
	uv_close((uv_handle_t *)&s.end, NULL);
	print_message("most reconciles started in one turn: %llu, turns that started any: %u\n",
		      (unsigned long long)s.tu.max, s.tu.n_turns);
	assert_int_equal(s.tu.max, 1);
	assert_true(s.tu.n_turns >= 10);
	assert_int_equal(s.open_at_poll, 0);
	for (int i = 0; i < 10; i++)
		tenant_free(v[i]);
	world_release(&w);
}

struct slots_seen {
	struct engine *e;
	size_t max_in_flight; /* most reconciles in flight at a turn */
	size_t waiting;	      /* most tenants queued or waiting for a slot while 8 are in flight */
};

static void on_slots_turn(uv_prepare_t *p)
{
	struct slots_seen *s = p->data;
	struct engine_counts c;

	engine_counts(s->e, &c);
	if (c.reconciles_in_flight > s->max_in_flight)
		s->max_in_flight = c.reconciles_in_flight;
	if (c.reconciles_in_flight == 8 && c.queue_depth > s->waiting)
		s->waiting = c.queue_depth;
}

/* One place alone reconciles max_tenants_in_flight tenants at once (its own 4 slots
 * and the shared ones), as before places had slots of their own; the rest wait,
 * counted in the queue depth, and all converge. */
static void test_one_place_uses_the_shared_slots(void **state)
{
	struct world w;
	struct tenant *v[12];
	struct slots_seen seen = { 0 };
	uv_prepare_t turn;
	char id[16];

	world_init_sized(&w, 8, 0);
	w.cloud.apply_latency_ms = 20;
	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		v[i] = tenant_of(id, "r1", 1);
	}
	seen.e = w.e;
	uv_prepare_init(&w.loop, &turn);
	turn.data = &seen;
	uv_prepare_start(&turn, on_slots_turn);
	put_all(&w, v, 12, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	uv_close((uv_handle_t *)&turn, NULL);
	print_message("most reconciles in flight: %zu, most waiting meanwhile: %zu\n", seen.max_in_flight,
		      seen.waiting);
	assert_int_equal(seen.max_in_flight, 8);
	assert_int_equal(seen.waiting, 4);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(fake_cloud_profiles_of(&w.cloud, v[i]->id), 1);
		tenant_free(v[i]);
	}
	world_release(&w);
}

/* At most max_listings places are listed at once; the others wait in line. The two
 * places of an account start together even beyond the bound, the second joining the
 * first's reading of the account (same account_epoch, while it is in flight): in a
 * quiet resync every account's places share one, and the bound is passed by one place
 * at most. Every place is listed, every tenant converges. */
static void test_listings_in_flight_are_bounded(void **state)
{
	static const char *const regions[] = { "us-east-1", "us-west-2" };
	struct world w;
	struct tenant *v[20];
	struct engine_counts c;
	unsigned lists;
	char id[16];

	world_init(&w);
	stop_engine(&w);
	w.max_listings = 4;
	start_engine(&w);
	w.cloud.list_latency_ms = 5;
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		v[i] = tenant_of(id, "r1", 1);
		snprintf(id, sizeof(id), "account-%d", i / 2);
		v[i]->account = intern(id);
		v[i]->region = intern(regions[i % 2]);
		v[i]->region_set = true;
	}
	put_all(&w, v, 20, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	engine_counts(w.e, &c);
	assert_int_equal(c.places, 20);
	assert_int_equal(c.places_listed, 20);
	print_message("first listings: at most %u at once, %u joined\n", w.cloud.most_lists_in_flight,
		      w.cloud.lists_joined);
	assert_true(w.cloud.most_lists_in_flight <= 4 + 1);

	w.cloud.most_lists_in_flight = 0;
	w.cloud.lists_joined = 0;
	lists = w.cloud.lists + 20;
	engine_resync(w.e);
	{
		cJSON *places = engine_places_json(w.e), *p;
		unsigned in_flight = 0, waiting = 0;

		cJSON_ArrayForEach(p, cJSON_GetObjectItem(places, "places"))
		{
			const char *listing = cJSON_GetStringValue(cJSON_GetObjectItem(p, "listing"));

			in_flight += listing && strcmp(listing, "in_flight") == 0;
			waiting += listing && strcmp(listing, "waiting") == 0;
		}
		cJSON_Delete(places);
		/* in the order of their keys: account-0 and account-1's places, then the bound */
		assert_int_equal(in_flight, 4);
		assert_int_equal(waiting, 16);
	}
	run_until(&w, lists_at_least, &lists, "every place listed again");
	print_message("resync: at most %u at once, %u joined\n", w.cloud.most_lists_in_flight, w.cloud.lists_joined);
	assert_int_equal(w.cloud.lists, lists);
	assert_true(w.cloud.most_lists_in_flight >= 4 && w.cloud.most_lists_in_flight <= 4 + 1);
	assert_int_equal(w.cloud.lists_joined, 10);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(fake_cloud_profiles_of(&w.cloud, v[i]->id), 1);
		tenant_free(v[i]);
	}
	world_release(&w);
}

/* A cloud that answers some listings from within the call: a listing that ends inside
 * the start of the waiting ones lets the others start all the same, and the count of
 * those in flight stays true (every place listed, none left in flight or waiting). */
static void test_listings_answered_at_once(void **state)
{
	struct world w;
	struct tenant *v[8];
	struct engine_counts c;
	unsigned lists;
	char id[16];

	world_init(&w);
	stop_engine(&w);
	w.max_listings = 2;
	start_engine(&w);
	for (int i = 0; i < 8; i++) {
		snprintf(id, sizeof(id), "tenant-%d", i);
		v[i] = tenant_of(id, "r1", 1);
		snprintf(id, sizeof(id), "account-%d", i);
		v[i]->account = intern(id);
	}
	put_all(&w, v, 8, true);
	run_until(&w, all_in_state, &READY, "every tenant Ready");
	w.cloud.list_at_once = 2;
	w.cloud.list_latency_ms = 2;
	lists = w.cloud.lists + 8;
	engine_resync(w.e);
	run_until(&w, lists_at_least, &lists, "every place listed again");
	engine_counts(w.e, &c);
	assert_int_equal(c.places_listed, 8);
	assert_int_equal(c.listings_in_flight, 0);
	assert_int_equal(c.listings_waiting, 0);
	assert_int_equal(w.cloud.lists, lists);
	for (int i = 0; i < 8; i++)
		tenant_free(v[i]);
	world_release(&w);
}

/* The place's last listing failed: counted in places_failing, its error and since when
 * in /v1/places, until a listing succeeds. */
static void test_failed_listing_is_reported(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	struct engine_counts c;
	cJSON *places;
	const cJSON *p;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "acme Ready");
	w.cloud.fail_lists = 1;
	resync_listed(&w, "the failing listing");
	engine_counts(w.e, &c);
	assert_int_equal(c.places_failing, 1);
	places = engine_places_json(w.e);
	p = first_place(places);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "list_error")),
			    "InternalServerException: injected");
	assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(p, "list_failing_since")));
	cJSON_Delete(places);

	resync_listed(&w, "a listing that succeeds");
	engine_counts(w.e, &c);
	assert_int_equal(c.places_failing, 0);
	places = engine_places_json(w.e);
	p = first_place(places);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "list_error")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "list_failing_since")));
	cJSON_Delete(places);
	tenant_free(v[0]);
	world_release(&w);
}

/* A listing that could not read the account's budgets stands for the rest: the place
 * is counted failing with why, its tenants without budgets stay Ready, and it is
 * listed again by itself (after RELIST_MIN_MS, 5 s) until the budgets can be read. */
static void test_unreadable_budgets_are_retried(void **state)
{
	struct world w;
	struct tenant *v[1] = { tenant_of("acme", "r1", 1) };
	struct engine_counts c;
	cJSON *places;
	const cJSON *p;
	unsigned lists;

	world_init(&w);
	put_all(&w, v, 1, true);
	run_until(&w, all_in_state, &READY, "acme Ready");
	w.cloud.budgets_error = "AccessDeniedException: DescribeBudgets: not authorized";
	resync_listed(&w, "the listing without budgets");
	run_until(&w, all_in_state, &READY, "acme still Ready");
	engine_counts(w.e, &c);
	assert_int_equal(c.places_failing, 1);
	places = engine_places_json(w.e);
	p = first_place(places);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(p, "list_error")),
			    "budgets not listed: AccessDeniedException: DescribeBudgets: not authorized");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "listed")));
	cJSON_Delete(places);

	w.cloud.budgets_error = NULL;
	lists = w.cloud.lists + 1;
	run_until(&w, lists_at_least, &lists, "the place listed again without being asked");
	engine_counts(w.e, &c);
	assert_int_equal(c.places_failing, 0);
	assert_int_equal(c.places_listed, 1);
	tenant_free(v[0]);
	world_release(&w);
}

/* A tenant whose account the configuration does not name (placed there before the
 * account left it): its place is never listed nor written to (the default
 * credentials would reach another account), the tenant waits as Pending with the
 * reason, the place counts as failing, and the engine is ready for the rest. */
static bool settled_but_gone(struct world *w, const void *arg)
{
	const struct tenant_entry *acme = engine_tenant(w->e, "acme"), *globex = engine_tenant(w->e, "globex");
	struct engine_counts c;

	(void)arg;
	engine_counts(w->e, &c); /* quiet() waits for every place listed: "gone" never is */
	return c.reconciles_in_flight == 0 && w->cloud.pending == 0 && c.places_listed == 1 && acme &&
	       acme->state == TENANT_READY && globex && globex->state == TENANT_PENDING && tenant_entry_waiting(globex);
}

static bool relisted_but_gone(struct world *w, const void *arg)
{
	return w->cloud.lists >= *(const unsigned *)arg && settled_but_gone(w, NULL);
}

static void test_unconfigured_account_is_never_reached(void **state)
{
	struct world w;
	struct tenant *v[2] = { tenant_of("acme", "r1", 1), tenant_of("globex", "r1", 1) };
	const struct tenant_entry *t;
	struct engine_counts c;
	unsigned lists;

	unconfigured_account = "gone";
	world_init(&w);
	w.cloud.watch_account = "gone";
	v[1]->account = intern("gone");
	put_all(&w, v, 2, true);
	run_until(&w, settled_but_gone, NULL, "acme Ready, globex waiting");
	t = engine_tenant(w.e, "globex");
	assert_string_equal(tenant_entry_waiting(t),
			    "the configuration names no account gone: its tenants are left as they are "
			    "until it does again (a restart applies accounts:)");
	assert_true(engine_ready(w.e));
	assert_int_equal(w.ready_calls, 1);
	engine_counts(w.e, &c);
	assert_int_equal(c.places_failing, 1);
	lists = w.cloud.lists + 1;
	engine_resync(w.e);
	run_until(&w, relisted_but_gone, &lists, "a resync's listing");
	assert_int_equal(w.cloud.watch_lists, 0);
	assert_int_equal(fake_cloud_profiles_of(&w.cloud, "globex"), 0);
	unconfigured_account = NULL;
	tenant_free(v[0]);
	tenant_free(v[1]);
	world_release(&w);
}

/* A place key's account alias: the alias, none for the default account or a key
 * without a Region. */
static void test_place_key_alias(void **state)
{
	char *a = place_key_alias("prod-a/us-east-1");

	(void)state;
	assert_string_equal(a, "prod-a");
	free(a);
	assert_null(place_key_alias("-/us-east-1"));
	assert_null(place_key_alias("prod-a"));
}

/* A tenant naming no account and no pool stays in the named account its recorded place
 * is in (a pool placed it there): in the place's Region unless it names another. */
static void test_place_kept_alias(void **state)
{
	struct tenant t = { .id = "t", .region = "us-east-1" };
	const char *region = "unset";
	char *a = place_kept_alias(&t, "prod-a/us-west-2", &region);

	(void)state;
	assert_string_equal(a, "prod-a");
	assert_string_equal(region, "us-west-2"); /* spec.region not written: the place's */
	free(a);
	t.region_set = true;
	a = place_kept_alias(&t, "prod-a/us-west-2", &region);
	assert_string_equal(a, "prod-a");
	assert_string_equal(region, "us-east-1"); /* written: a move within the account */
	free(a);
	region = "unset";
	assert_null(place_kept_alias(&t, "-/us-west-2", &region)); /* the default account's */
	assert_null(place_kept_alias(&t, NULL, &region));	   /* never placed */
	t.account = "prod-b";
	assert_null(place_kept_alias(&t, "prod-a/us-west-2", &region)); /* names its account */
	t.account = NULL;
	t.pool = "default";
	assert_null(place_kept_alias(&t, "prod-a/us-west-2", &region)); /* its pool decides */
	assert_string_equal(region, "unset");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converges_then_goes_quiet),
		cmocka_unit_test(test_resync_interval_reconfigured),
		cmocka_unit_test(test_lost_answers_do_not_duplicate),
		cmocka_unit_test(test_stale_listing_does_not_undo_own_writes),
		cmocka_unit_test(test_removal_waits_for_grace),
		cmocka_unit_test(test_removed_tenant_with_nothing_left_is_forgotten),
		cmocka_unit_test(test_failing_count_follows_problems),
		cmocka_unit_test(test_mass_removal_is_held_until_approved),
		cmocka_unit_test(test_trickling_removals_are_held_together),
		cmocka_unit_test(test_tightened_gate_holds_removals_in_grace),
		cmocka_unit_test(test_untrusted_revision_deletes_nothing),
		cmocka_unit_test(test_terminal_error_stalls_until_a_change),
		cmocka_unit_test(test_quota_error_waits_for_capacity),
		cmocka_unit_test(test_profile_gone_while_waiting_names_nothing),
		cmocka_unit_test(test_pause_reports_drift),
		cmocka_unit_test(test_claim_stands_by_for_another_daemon),
		cmocka_unit_test(test_claim_displaced_at_rest),
		cmocka_unit_test(test_claim_read_at_rest_by_itself),
		cmocka_unit_test(test_claim_failing_acts_without),
		cmocka_unit_test(test_claim_released_is_taken_over),
		cmocka_unit_test(test_restart_reuses_the_durable_intent),
		cmocka_unit_test(test_create_waits_when_its_intents_group_is_lost),
		cmocka_unit_test(test_clock_step_moves_the_timers),
		cmocka_unit_test(test_timer_from_a_clock_ahead_starts_now),
		cmocka_unit_test(test_a_turns_writes_are_one_commit),
		cmocka_unit_test(test_profile_deleted_by_hand_is_recreated),
		cmocka_unit_test(test_deleted_before_listed_gets_a_fresh_token),
		cmocka_unit_test(test_tag_edit_is_reverted),
		cmocka_unit_test(test_no_journal_between_listings),
		cmocka_unit_test(test_own_creates_in_the_store_arena),
		cmocka_unit_test(test_trim_once_idle_after_work),
		cmocka_unit_test(test_reconciled_revision_shared),
		cmocka_unit_test(test_renamed_manifest_shows_its_path),
		cmocka_unit_test(test_same_text_new_names_is_a_change),
		cmocka_unit_test(test_parameters_listed_under_an_earlier_template),
		cmocka_unit_test(test_converged_entry_holds_no_history),
		cmocka_unit_test(test_entry_packed),
		cmocka_unit_test(test_entry_holds_no_copy_of_its_record),
		cmocka_unit_test(test_lines_not_kept_stay_in_memory),
		cmocka_unit_test(test_write_during_listing_is_replayed),
		cmocka_unit_test(test_change_lane_calls_are_priority),
		cmocka_unit_test(test_reconcile_calls_carry_their_rank),
		cmocka_unit_test(test_pause_survives_a_restart),
		cmocka_unit_test(test_unparsed_at_start_is_held),
		cmocka_unit_test(test_no_removal_while_ids_unknown),
		cmocka_unit_test(test_approval_survives_a_restart_and_binds),
		cmocka_unit_test(test_due_backoff_with_every_slot_taken),
		cmocka_unit_test(test_parameter_follows_its_own_create),
		cmocka_unit_test(test_reconcile_starts_per_turn_are_bounded),
		cmocka_unit_test(test_starts_take_what_the_turn_has_left),
		cmocka_unit_test(test_one_place_uses_the_shared_slots),
		cmocka_unit_test(test_listings_in_flight_are_bounded),
		cmocka_unit_test(test_failed_listing_is_reported),
		cmocka_unit_test(test_unreadable_budgets_are_retried),
		cmocka_unit_test(test_unconfigured_account_is_never_reached),
		cmocka_unit_test(test_place_key_alias),
		cmocka_unit_test(test_place_kept_alias),
		cmocka_unit_test(test_listings_answered_at_once),
	};

	log_setup(getenv("TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERROR, true);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
