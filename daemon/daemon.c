#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alerts.h"
#include "audit.h"
#include "cloud_aws.h"
#include "budget_spec.h"
#include "control.h"
#include "cost_tags.h"
#include "usage_ce.h"
#include "daemon_config.h"
#include "daemon_config_reload.h"
#include "desired.h"
#include "engine.h"
#include "events.h"
#include "githead.h"
#include "heap.h"
#include "hashmap.h"
#include "log.h"
#include "manifest_dir.h"
#include "manifest_cache.h"
#include "metrics.h"
#include "metrics_http.h"
#include "notify.h"
#include "reload_errors.h"
#include "setup.h"
#include "turn_budget.h"
#include "usage_json.h"
#include "usage_reader.h"
#include "watcher.h"
#include "xalloc.h"

/* Ownership: cfg is the effective configuration (a reload replaces and frees it), so
 * nothing that outlives a reload may point into it. The parts copy what they keep
 * (the engine its instance, Region and parameter prefix; the AWS layer its endpoints
 * and accounts; the watcher its root; the control socket its path); what status
 * shows is owned here (manifests_dir, restart_keys) or static (the mode's name). */
/* The signals other than SIGTERM, SIGINT and SIGHUP that someone may send by habit
 * (a log rotation's SIGUSR1), whose default action would end the daemon. */
static const struct {
	int signum;
	const char *name;
} other_signals[] = { { SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGALRM, "SIGALRM" } };
#define N_OTHER_SIGNALS (sizeof(other_signals) / sizeof(other_signals[0]))

struct daemon {
	uv_loop_t loop;
	const struct daemon_options *opts;
	const char *config_path;
	struct daemon_config *cfg;
	struct daemon_config *pending_cfg; /* a reload waiting for a scan to finish */
	char *param_prefix;
	char *claim_parameter, *claim_value; /* the instance's claim (engine/claim.c) */
	char *manifests_dir;		     /* the directory read and watched since start-up */
	/* keys of the configuration file that differ from the running values and wait
	 * for a restart (static names) */
	const char *restart_keys[DAEMON_CONFIG_RESTART_KEYS];
	/* the errors of the configuration file as the last refused reload found them */
	struct reload_errors reload_errors;
	struct desired_store desired;
	struct manifest_cache cache;
	struct store *store; /* state_dir's */
	struct state_dir state_dir;
	struct aws_client *aws;
	struct cloud_aws cloud;
	struct engine *engine;
	/* the loop turn's one budget: the AWS answers, the engine's starts and the state
	 * store's commit (turn_budget.h), borrowed by the first two */
	struct turn_budget turn;
	struct watcher *watcher;
	struct control *control;
	struct control_info info;
	struct events *events;	      /* GET /v1/events */
	struct audit *audit;	      /* the audit trail and history */
	struct metrics_http *metrics; /* metrics.listen; NULL when not configured */
	struct usage_reader *usage;   /* NULL: usage.places is empty */
	struct notifier notifier;
	struct alerts *alerts; /* NULL: no notifications configured */
	struct cost_tags *cost_tags;
	struct hashmap cost_keys; /* tag key -> (uintptr_t) tenants whose budget filters on it */
	uv_signal_t sig_term, sig_int, sig_hup;
	/* SIGUSR1, SIGUSR2 and SIGALRM: meaningless here, logged and ignored (their
	 * default action ends the process: a log rotation's `kill -USR1` would have) */
	uv_signal_t sig_other[N_OTHER_SIGNALS];
	uint64_t sig_other_logged[N_OTHER_SIGNALS]; /* uv_now of each one's last log line, 0: none */
	/* a SIGHUP while the configuration file is being written: read once it settles */
	uv_timer_t reload_timer;
	bool reload_waits;
	uint64_t reload_asked; /* uv_now of the SIGHUP the timer answers */
	/* a full scan on the thread pool */
	uv_work_t scan_work;
	bool scanning, rescan_again;
	bool ids_unknown; /* the last revision's (manifest_cache_ids_unknown) */
	struct desired_scan scan;
	struct diag_list scan_diags;
	int exit_code;
	bool stopping;
	size_t closing;
};

/* SIGHUP and other_signals ignored: until the loop catches them, and once it has
 * closed their handles (libuv then gives each its default action back, which ends
 * the process). */
static void ignore_signals(void)
{
	signal(SIGHUP, SIG_IGN);
	for (size_t i = 0; i < N_OTHER_SIGNALS; i++)
		signal(other_signals[i].signum, SIG_IGN);
}

/* ---- manifests -> desired store -> engine ---- */

/* At most this many "manifest problem" lines, and as many "gone", for one reading of
 * the manifest directory, then one line counting the rest: a commit of 2,000 failing
 * files holds 200,000 problems, enough to trip journald's rate limit and hide
 * everything else (status and validate list them all). */
#define LOG_MAX_PROBLEMS 100

static void report_problem(const char *problem, bool added, void *data)
{
	(void)data;
	if (added)
		log_warning("manifest problem: %s", problem);
	else
		log_info("manifest problem gone: %s", problem);
}

static void report_problems(struct daemon *d)
{
	struct manifest_report r;

	manifest_cache_report(&d->cache, LOG_MAX_PROBLEMS, report_problem, d, &r);
	if (r.added > LOG_MAX_PROBLEMS)
		log_warning("... and %zu more manifest problems: bedrock-tenantctl status or bedrock-tenantd "
			    "validate lists them",
			    r.added - LOG_MAX_PROBLEMS);
	if (r.gone > LOG_MAX_PROBLEMS)
		log_info("... and %zu more manifest problems gone", r.gone - LOG_MAX_PROBLEMS);
	/* Many problems came or went: their files' reading (or the files and their
	 * strings) freed a lot, which jemalloc keeps until later allocations decay it, and
	 * a quiet daemon makes none: 155 MB stayed once 200,000 problems had gone
	 * (docs/PERFORMANCE.md, "Manifest problems"). Given back now. */
	if (r.added > LOG_MAX_PROBLEMS || r.gone > LOG_MAX_PROBLEMS)
		heap_give_back();
}

/* The AWS client's account of the payer account: its alias when it has a role to
 * assume, else the daemon's own credentials (as for tenants, setup_cloud). A role
 * added by a reload waits for a restart, as the accounts do. */
static const char *payer_target(const struct daemon_config *cfg)
{
	const struct cfg_account *a = cfg->cost_tags.payer_account
					      ? daemon_config_account(cfg, cfg->cost_tags.payer_account)
					      : NULL;

	return a && a->role_arn ? a->alias : NULL;
}

static const char *tag_status_of(void *data, const char *key)
{
	struct daemon *d = data;

	return cost_tags_key_status(d->cost_tags, key);
}

/* Cost Explorer's figure beside the estimate, from the payer account of
 * cost_allocation_tags (usage.cost_explorer; read at start-up like usage). */
static void start_usage_ce(struct daemon *d)
{
	struct usage_ce_settings s = {
		.refresh_ms = d->cfg->usage.ce_refresh_ms,
		.days = d->cfg->usage.ce_days,
		.target = payer_target(d->cfg),
		.payer = d->cfg->cost_tags.payer_account,
		.tag_key = TAG_TENANT,
		.tag_status = tag_status_of,
		.data = d,
	};
	struct usage_ce *ce;

	if (d->cfg->usage.ce_mode == CFG_CE_OFF)
		return;
	usage_ce_new(&d->loop, d->aws, &s, &ce);
	usage_reader_set_ce(d->usage, ce);
}

/* The tag keys the budgets of the tenants in force filter on (few distinct ones),
 * counted as tenants come, change and go, so that a change of one tenant costs that
 * tenant. */
static void count_cost_keys(struct daemon *d, const struct tenant *t, int step)
{
	const char *mine[4];
	size_t m = t ? budget_filter_tag_keys(t, mine, 4) : 0;

	for (size_t j = 0; j < m; j++) {
		uintptr_t n = (uintptr_t)hashmap_get(&d->cost_keys, mine[j]) + (uintptr_t)step;
		if (n)
			hashmap_put(&d->cost_keys, mine[j], (void *)n);
		else
			hashmap_remove(&d->cost_keys, mine[j]);
	}
}

static void hand_cost_tag_keys(struct daemon *d, const struct desired_delta *delta)
{
	const char *keys[COST_TAGS_MAX_KEYS];
	size_t n = 0, pos = 0;
	const char *key;

	for (size_t i = 0; i < delta->n_added; i++)
		count_cost_keys(d, desired_store_get(&d->desired, delta->added[i]), 1);
	for (size_t i = 0; i < delta->n_changed; i++) {
		count_cost_keys(d, delta->was[i], -1);
		count_cost_keys(d, desired_store_get(&d->desired, delta->changed[i]), 1);
	}
	for (size_t i = 0; i < delta->n_removed; i++)
		count_cost_keys(d, delta->removed[i], -1);
	while (n < COST_TAGS_MAX_KEYS && hashmap_next(&d->cost_keys, &pos, &key, NULL))
		keys[n++] = key;
	cost_tags_set_keys(d->cost_tags, keys, n);
}

static void hand_one(struct daemon *d, const struct desired_entry *en)
{
	if (en->stale == DESIRED_FRESH)
		engine_put_tenant(d->engine, en->tenant);
	else
		engine_tenant_problem(d->engine, en->tenant->id, en->problem ? en->problem : "unusable");
}

/* Files that could not be read for want of file descriptors or memory are read again
 * by themselves, later (no change of theirs will come to say they can be read now). */
static void reread_later(struct daemon *d)
{
	uint64_t ms = d->watcher ? watcher_reread(d->watcher, manifest_cache_wants_reread(&d->cache)) : 0;

	if (ms)
		log_warning("manifests: some could not be read for want of file descriptors or memory; the "
			    "directory is read again in %" PRIu64 " s",
			    ms / 1000);
}

static void full_scan(struct daemon *d, const char *why);

/* The engine hears every tenant after a full apply, and after a change only the
 * tenants the change looked at: the others are as they were. */
static void applied(struct daemon *d, struct desired_delta *delta, const char *why, const char *unusable)
{
	char *commit = NULL;
	bool ids_unknown;

	git_head_commit(d->manifests_dir, &commit);
	ids_unknown = manifest_cache_ids_unknown(&d->cache);
	engine_revision_begin(d->engine, commit,
			      (delta->unavailable ? 0 : REVISION_TRUSTED) | (delta->partial ? 0 : REVISION_FULL) |
				      (ids_unknown ? REVISION_IDS_UNKNOWN : 0));
	if (delta->partial) {
		for (size_t i = 0; i < delta->n_looked; i++) {
			const struct desired_entry *en = desired_store_find(&d->desired, delta->looked[i]);
			if (en)
				hand_one(d, en);
		}
	} else {
		for (size_t i = 0; i < d->desired.n; i++)
			hand_one(d, &d->desired.entries[i]);
	}
	/* declared by a failing file, never defined here: held as they are */
	for (size_t i = 0; i < delta->n_rejected; i++) {
		const char *problem = manifest_cache_id_problem(&d->cache, delta->rejected[i]);
		engine_tenant_problem(d->engine, delta->rejected[i], problem ? problem : "its manifest fails");
	}
	for (size_t i = 0; i < delta->n_removed; i++)
		engine_remove_tenant(d->engine, delta->removed[i]->id);
	engine_revision_end(d->engine);
	if (ids_unknown != d->ids_unknown && !delta->unavailable)
		log_msg(ids_unknown ? LOG_LVL_WARNING : LOG_LVL_INFO, NULL, "manifests: %s",
			ids_unknown ? "a file fails before its tenant id can be read, or a directory "
				      "cannot be read: no tenant without a manifest is taken for removed until "
				      "they can be read"
				    : "every tenant id can be read again");
	/* the tenants held meanwhile are judged by a full read, now rather than at the
	 * next rescan */
	if (d->ids_unknown && !ids_unknown && delta->partial)
		full_scan(d, "every tenant id can be read again");
	d->ids_unknown = ids_unknown;
	if (!delta->unavailable)
		hand_cost_tag_keys(d, delta);
	report_problems(d);
	reread_later(d);
	if (delta->unavailable)
		log_warning("manifests (%s): the directory cannot be used: %s; nothing is deleted", why,
			    unusable ? unusable : "no reason given");
	else
		log_info("manifests (%s)%s%.12s: %zu tenants, %zu new, %zu changed, %zu removed, %zu kept from "
			 "before (failing), %zu rejected%s",
			 why, commit ? " at " : "", commit ? commit : "", d->desired.n, delta->n_added,
			 delta->n_changed, delta->n_removed, delta->n_stale, delta->n_rejected,
			 delta->partial ? " (of the tenants the change concerns)" : "");
	free(commit);
	desired_delta_release(delta);
}

static void apply_scan(struct daemon *d, struct desired_scan *scan, const char *why)
{
	struct desired_delta delta;
	/* the store consumes the scan */
	char *unusable = xstrdup_or_null(scan->problem);

	desired_store_apply(&d->desired, scan, &delta);
	applied(d, &delta, why, unusable);
	free(unusable);
}

/* A change read file by file into the cache: applied at the cost of those files. */
static void apply_change(struct daemon *d)
{
	struct desired_view view;
	struct desired_delta delta;

	manifest_cache_view(&d->cache, &view);
	desired_store_apply_changes(&d->desired, &view, (const char *const *)d->cache.changed_paths,
				    d->cache.n_changed_paths, (const char *const *)d->cache.changed_ids,
				    d->cache.n_changed_ids, &delta);
	applied(d, &delta, "change", NULL);
}

static void scan_in_pool(uv_work_t *w)
{
	struct daemon *d = w->data;

	diag_list_init(&d->scan_diags);
	manifest_dir_read(d->cfg, d->manifests_dir, &d->scan, &d->scan_diags);
}

static void take_config(struct daemon *d, struct daemon_config *cfg);

static void scan_done(uv_work_t *w, int status)
{
	struct daemon *d = w->data;

	d->scanning = false;
	if (!d->stopping && status == 0) {
		manifest_cache_take_full(&d->cache, &d->scan, &d->scan_diags);
		apply_scan(d, &d->scan, "full scan");
	}
	desired_scan_release(&d->scan);
	diag_list_release(&d->scan_diags);
	if (d->stopping)
		return;
	if (d->pending_cfg) {
		take_config(d, d->pending_cfg);
		d->pending_cfg = NULL;
		return;
	}
	if (d->rescan_again) {
		d->rescan_again = false;
		full_scan(d, "again");
	}
}

static void full_scan(struct daemon *d, const char *why)
{
	if (d->scanning) {
		d->rescan_again = true;
		return;
	}
	log_debug("manifests: full scan (%s)", why);
	d->scanning = true;
	d->scan_work.data = d;
	if (uv_queue_work(&d->loop, &d->scan_work, scan_in_pool, scan_done) < 0)
		d->scanning = false;
}

static void on_batch(struct watcher *w, const struct watcher_batch *b, void *data)
{
	struct daemon *d = data;

	if (d->stopping)
		return;
	if (b->full_rescan || d->scanning ||
	    !manifest_cache_update(&d->cache, d->cfg, d->manifests_dir, (const char *const *)b->paths, b->n_paths)) {
		full_scan(d, b->full_rescan ? b->reason : "change");
		return;
	}
	apply_change(d);
}

static void metrics_of(void *data, struct strbuf *out)
{
	struct daemon *d = data;

	metrics_daemon(d->aws, out);
	alerts_metrics(d->alerts, out);
	if (d->usage) /* on the control socket and on metrics.listen alike */
		usage_metrics(d->usage, (int64_t)time(NULL), out);
}

static const char *const *problems_of(void *data, size_t *ret_n)
{
	struct daemon *d = data;

	*ret_n = d->cache.n_problems;
	return (const char *const *)d->cache.problems;
}

/* ---- progress ---- */

/* The state store's files were removed by hand and made again: its lock too. */
static void store_reopened(void *data)
{
	struct daemon *d = data;

	(void)setup_state_dir_relock(d->cfg->state_dir, &d->state_dir);
}

static void on_progress(struct engine *e, void *data)
{
	struct daemon *d = data;
	struct engine_counts c;
	size_t trouble;

	engine_counts(e, &c);
	trouble = c.by_state[TENANT_ERROR] + c.by_state[TENANT_STALLED] + c.by_state[TENANT_HELD];
	if (!engine_ready(e))
		notify_status(&d->notifier, "first sync: %zu/%zu tenants ready", c.by_state[TENANT_READY], c.tenants);
	else if (trouble)
		notify_status(&d->notifier, "%zu/%zu tenants ready, %zu need attention", c.by_state[TENANT_READY],
			      c.tenants, trouble);
	else
		notify_status(&d->notifier, "%zu/%zu tenants ready", c.by_state[TENANT_READY], c.tenants);
}

static void on_action(const struct engine_action_report *r, void *data)
{
	struct daemon *d = data;

	audit_action(d->audit, r);
}

static int on_action_done(const char *tenant, int64_t at, const char *const *lines, size_t n, void *data)
{
	struct daemon *d = data;

	(void)at; /* the change's own time */
	return audit_action_done(d->audit, tenant, lines, n);
}

static int on_state(const struct tenant_entry *t, enum tenant_state from, void *data)
{
	struct daemon *d = data;

	return audit_state(d->audit, t, from);
}

static int on_note(const char *tenant, int64_t at, const char *text, void *data)
{
	struct daemon *d = data;

	return audit_note(d->audit, tenant, at, text);
}

/* Writes outside the engine (cost-allocation tags, Bedrock's invocation logging) wait
 * while the engine's calls do: a pause, mode: report and a stand-by hold every write. */
static const char *writes_held(void *data)
{
	struct daemon *d = data;

	return d->engine ? engine_calls_held(d->engine) : "starting";
}

static void on_calls_released(struct engine *e, void *data)
{
	struct daemon *d = data;

	(void)e;
	cost_tags_released(d->cost_tags);
}

static void on_ready(struct engine *e, void *data)
{
	struct daemon *d = data;

	notify_ready(&d->notifier);
	on_progress(e, d);
}

/* ---- configuration reloads ---- */

/* The configured log threshold and format (log_format; a reload applies both). */
static void apply_log_level(const struct daemon *d)
{
	int level = log_parse_level(cfg_log_level_name(d->cfg->log_level));

	log_setup(level >= 0 ? (enum log_level)level : LOG_LVL_INFO, d->opts->log_stderr);
	log_set_format(d->cfg->log_format == CFG_LOG_FORMAT_JSON      ? LOG_FORMAT_JSON
		       : d->cfg->log_format == CFG_LOG_FORMAT_TEXT    ? LOG_FORMAT_TEXT
		       : d->cfg->log_format == CFG_LOG_FORMAT_JOURNAL ? LOG_FORMAT_JOURNAL
								      : LOG_FORMAT_AUTO,
		       d->opts->log_stderr);
}

/* The READY=1 that ends a reload; during the first sync, on_ready sends it once every
 * tenant was reconciled, and nothing may announce readiness before that. */
static void reload_done(struct daemon *d)
{
	if (engine_ready(d->engine))
		notify_ready(&d->notifier);
}

static void take_config(struct daemon *d, struct daemon_config *cfg)
{
	struct daemon_config *old = d->cfg;
	struct engine_settings set;
	size_t n;

	n = daemon_config_keep_running(cfg, old, d->restart_keys);
	for (size_t i = n; i < DAEMON_CONFIG_RESTART_KEYS; i++)
		d->restart_keys[i] = NULL;
	d->info.n_restart_required = n;
	if (n) {
		struct strbuf sb;
		strbuf_init(&sb, STRBUF_NO_CAP);
		for (size_t i = 0; i < n; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", d->restart_keys[i]);
		log_warning("configuration reloaded, but %s changed: a restart applies %s; until then the running "
			    "values stay in effect",
			    sb.buf, n > 1 ? "them" : "it");
		strbuf_release(&sb);
	}
	d->cfg = cfg;
	setup_engine_settings(cfg, &set);
	free(d->param_prefix);
	d->param_prefix = setup_param_prefix(cfg);
	set.param_prefix = d->param_prefix;
	engine_reconfigure(d->engine, &set);
	cost_tags_configure(d->cost_tags, &cfg->cost_tags, payer_target(cfg));
	if (!engine_calls_held(d->engine))
		cost_tags_released(d->cost_tags); /* mode: report no more */
	daemon_config_free(old);
	d->info.mode = cfg_mode_name(cfg->mode);
	apply_log_level(d);
	log_notice("configuration reloaded from %s: mode %s", d->config_path, d->info.mode);
	full_scan(d, "configuration reloaded");
	engine_force_all(d->engine);
	reload_done(d);
}

/* The file reads well again: status no longer shows its errors. */
static void reload_accepted(struct daemon *d)
{
	d->info.config_errors = NULL;
	d->info.n_config_errors = 0;
	reload_errors_clear(&d->reload_errors);
}

static void reload(struct daemon *d)
{
	struct diag_list diags;
	struct daemon_config *cfg = NULL;

	if (engine_ready(d->engine))
		notify_reloading(&d->notifier);
	diag_list_init(&diags);
	if (daemon_config_load(d->config_path, &cfg, &diags) < 0) {
		if (reload_errors_refused(&d->reload_errors, &diags, uv_now(&d->loop))) {
			log_msg(LOG_LVL_ERROR, &(struct log_fields){ .message_id = MSGID_RELOAD_FAILED },
				"%s has errors, not reloading: the running configuration stays, and a start "
				"with this file would fail",
				d->config_path);
			for (size_t i = 0; i < d->reload_errors.n; i++)
				log_error("%s", d->reload_errors.lines[i]);
		} else {
			log_msg(LOG_LVL_ERROR, &(struct log_fields){ .message_id = MSGID_RELOAD_FAILED },
				"%s has errors, not reloading: the same %zu as logged before", d->config_path,
				d->reload_errors.n);
		}
		d->info.config_errors = (const char *const *)d->reload_errors.lines;
		d->info.n_config_errors = d->reload_errors.n;
		daemon_config_free(cfg);
		reload_done(d);
	} else if (d->scanning) {
		reload_accepted(d);
		daemon_config_free(d->pending_cfg);
		d->pending_cfg = cfg;
	} else {
		reload_accepted(d);
		take_config(d, cfg);
	}
	diag_list_release(&diags);
}

/* ---- stopping ---- */

static void closed_one(uv_handle_t *h)
{
	(void)h;
}

/* The stop, once the engine has drained: the HTTP surfaces close first (event streams,
 * metrics.listen, the control socket), then what they read from: the notifications,
 * the AWS client, the usage reader, the engine. Served to the end, a request read in
 * the turns between those closes answered from an AWS client or an engine already
 * freed. The signals close last. */
static void engine_freed(void *data)
{
	struct daemon *d = data;

	d->engine = NULL;
	notifier_close(&d->notifier, closed_one);
	uv_close((uv_handle_t *)&d->sig_term, closed_one);
	uv_close((uv_handle_t *)&d->sig_int, closed_one);
	uv_close((uv_handle_t *)&d->sig_hup, closed_one);
	for (size_t i = 0; i < N_OTHER_SIGNALS; i++)
		uv_close((uv_handle_t *)&d->sig_other[i], closed_one);
	uv_close((uv_handle_t *)&d->reload_timer, closed_one);
	/* libuv gives a closed signal its default action back: a reload asked for in the
	 * last moments of the stop would end the daemon (status 129) before its state
	 * store is closed, and so would the others */
	ignore_signals();
}

static void usage_closed(void *data)
{
	struct daemon *d = data;

	d->usage = NULL;
	d->info.usage = NULL;
	engine_free(d->engine, engine_freed, d);
}

static void aws_closed(void *data)
{
	struct daemon *d = data;

	d->aws = NULL;
	cloud_aws_orphan(&d->cloud);		       /* a listing still being built must not reach a freed engine */
	usage_reader_close(d->usage, usage_closed, d); /* after the AWS client: its calls are over */
}

static void control_closed(void *data)
{
	struct daemon *d = data;

	d->control = NULL;
	/* before the AWS client: a Publish in flight ends when the client closes */
	alerts_close(d->alerts, NULL, NULL);
	d->alerts = NULL;
	cost_tags_close(d->cost_tags, NULL, NULL);
	d->cost_tags = NULL;
	/* calls still in flight are cancelled; their callbacks reach the engine now */
	aws_client_close(d->aws, aws_closed, d);
}

static void metrics_closed(void *data)
{
	struct daemon *d = data;

	d->metrics = NULL;
	control_close(d->control, control_closed, d);
}

static void drained(void *data)
{
	struct daemon *d = data;

	/* the streams end with their last comment before the control socket closes; what
	 * the engine records from here on (the calls cancelled below) is published to no
	 * one */
	audit_set_events(d->audit, NULL);
	usage_reader_close_queries(d->usage); /* the waiting ones answered while they can be */
	events_close(d->events);
	d->events = NULL;
	d->info.events = NULL;
	if (d->metrics)
		metrics_http_close(d->metrics, metrics_closed, d);
	else
		metrics_closed(d);
}

static void stop(struct daemon *d, const char *why)
{
	if (d->stopping) {
		log_warning("%s again while stopping; still draining", why);
		return;
	}
	d->stopping = true;
	uv_timer_stop(&d->reload_timer); /* a reload waiting for the file: a restart reads it */
	log_notice("%s: stopping", why);
	notify_stopping(&d->notifier);
	watcher_close(d->watcher, NULL, NULL);
	engine_drain(d->engine, d->cfg->shutdown_timeout_ms ? d->cfg->shutdown_timeout_ms : 10000, drained, d);
}

/* The longest a reload waits for the configuration file to settle. */
#define RELOAD_SETTLE_MAX_MS 10000

/* Milliseconds until the configuration file will have been left alone for
 * watch.settle (0: it has, or it cannot be read, which the read reports). Written
 * less than that ago, it may be half written: a whole YAML document so far, every key
 * after it missing, which would be taken for the configuration. */
static uint64_t config_unsettled_ms(const struct daemon *d)
{
	uint64_t settle = d->cfg->watch_settle_ms;
	struct timespec now;
	struct stat st;
	int64_t age;

	if (!settle || stat(d->config_path, &st) < 0 || clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 0;
	age = ((int64_t)now.tv_sec - (int64_t)st.st_mtim.tv_sec) * 1000 +
	      ((int64_t)now.tv_nsec - (int64_t)st.st_mtim.tv_nsec) / 1000000;
	if (age < 0) /* modified in the future (a clock stepped back): as just now */
		age = 0;
	return (uint64_t)age >= settle ? 0 : settle - (uint64_t)age;
}

static void on_reload_timer(uv_timer_t *timer)
{
	struct daemon *d = timer->data;
	uint64_t ms = config_unsettled_ms(d);

	if (d->stopping)
		return;
	if (ms && uv_now(&d->loop) - d->reload_asked < RELOAD_SETTLE_MAX_MS) {
		uv_timer_start(&d->reload_timer, on_reload_timer, ms, 0);
		return;
	}
	d->reload_waits = false;
	reload(d);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	uint64_t ms;

	if (signum == SIGHUP) {
		/* a stopping daemon's engine drains and then is freed, its AWS client and the
		 * parts a reload configures close: nothing is left for a configuration to
		 * reach, and a restart reads the file anyway */
		if (d->stopping) {
			log_notice("SIGHUP while stopping: not reloading");
			return;
		}
		if (d->control) /* a reload also makes again a control socket removed by hand */
			control_check_socket(d->control);
		if (d->reload_waits) /* the reload waiting reads the file as it is then */
			return;
		if ((ms = config_unsettled_ms(d))) {
			log_info("%s was modified less than %" PRIu64 " ms ago (watch.settle): read once it has "
				 "been left alone that long",
				 d->config_path, d->cfg->watch_settle_ms);
			d->reload_waits = true;
			d->reload_asked = uv_now(&d->loop);
			uv_timer_start(&d->reload_timer, on_reload_timer, ms, 0);
			return;
		}
		reload(d);
	} else
		stop(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_other_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	size_t i = (size_t)(s - d->sig_other);
	uint64_t now = uv_now(&d->loop);

	(void)signum; /* other_signals[i]'s */
	/* once a minute at most each: a loop of kill(1) must not fill the journal */
	if (d->sig_other_logged[i] && now - d->sig_other_logged[i] < 60000)
		return;
	d->sig_other_logged[i] = now ? now : 1;
	log_notice("%s ignored: SIGHUP reloads the configuration, SIGTERM stops the daemon", other_signals[i].name);
}

/* ---- start ---- */

/* The signals are caught before anything else is set up, so that a SIGHUP sent as
 * soon as the control socket answers (or while the store opens) is a reload, not a
 * death; they are dispatched only once the loop runs, when start() is complete. A
 * SIGHUP before this point is ignored: the configuration is read after it anyway. */
static void catch_signals(struct daemon *d)
{
	uv_signal_init(&d->loop, &d->sig_term);
	uv_signal_init(&d->loop, &d->sig_int);
	uv_signal_init(&d->loop, &d->sig_hup);
	uv_timer_init(&d->loop, &d->reload_timer);
	d->reload_timer.data = d;
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	uv_signal_start(&d->sig_term, on_signal, SIGTERM);
	uv_signal_start(&d->sig_int, on_signal, SIGINT);
	uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
	for (size_t i = 0; i < N_OTHER_SIGNALS; i++) {
		uv_signal_init(&d->loop, &d->sig_other[i]);
		d->sig_other[i].data = d;
		uv_signal_start(&d->sig_other[i], on_other_signal, other_signals[i].signum);
	}
}

static int load_config(struct daemon *d)
{
	struct diag_list diags;
	int r;

	diag_list_init(&diags);
	r = daemon_config_load(d->config_path, &d->cfg, &diags);
	setup_print_diags(&diags, stderr);
	diag_list_release(&diags);
	if (r < 0)
		fprintf(stderr, "bedrock-tenantd: %s has errors; not starting\n", d->config_path);
	return r;
}

static int open_store(struct daemon *d)
{
	int r = setup_state_dir(d->cfg->state_dir, &d->state_dir);

	d->store = d->state_dir.store;
	return r;
}

static void on_engine_event(enum engine_event ev, const char *tenant, const char *text, void *data)
{
	struct daemon *d = data;

	_Static_assert((int)ENGINE_EVENT_DRIFT_REPAIRED == (int)CFG_NOTIFY_DRIFT_REPAIRED &&
			       (int)ENGINE_EVENT_TENANT_STALLED == (int)CFG_NOTIFY_TENANT_STALLED &&
			       (int)ENGINE_EVENT_DELETIONS_HELD == (int)CFG_NOTIFY_DELETIONS_HELD,
		       "the engine's events are in the order of the configuration's");
	alerts_post(d->alerts, (enum cfg_notify_event)ev, tenant, text);
}

static char *cost_tags_json(void *data)
{
	struct daemon *d = data;

	return d->cost_tags ? cost_tags_status_json(d->cost_tags) : NULL;
}

static char *notifications_json(void *data)
{
	struct daemon *d = data;

	return d->alerts ? alerts_status_json(d->alerts) : NULL;
}

/* metrics.listen: the TCP listener of GET /metrics, when configured. */
static int open_metrics(struct daemon *d)
{
	const char *host = d->cfg->metrics.host;
	bool v6 = host && strchr(host, ':');
	char *err = NULL;
	int port = 0, r;

	if (!d->cfg->metrics.listen)
		return 0;
	r = metrics_http_open(&d->loop, d->engine, &d->info, host, d->cfg->metrics.port, &d->metrics, &port, &err);
	if (r < 0) {
		log_error("%s; not starting", err);
		free(err);
		return r;
	}
	log_notice("metrics on http://%s%s%s:%d/metrics (unauthenticated)", v6 ? "[" : "", host, v6 ? "]" : "", port);
	return 0;
}

/* What a loop turn's own work may take before the loop polls again (the control
 * socket is read between turns): the AWS answers' callbacks, the reconcile starts and
 * the commit of the turn's writes together (docs/PERFORMANCE.md, "The loop's turns
 * while converging"). */
#define TURN_BUDGET_NS (1000 * 1000)

static uint64_t turn_clock(void *data)
{
	(void)data;
	return uv_hrtime();
}

/* A damaged usage store (not a database, malformed) stops nothing: usage is derived
 * from the logs in S3, read again from the start into a fresh store, the damaged file
 * moved aside for a post-mortem as a damaged state store is. *err: why it could not
 * open; replaced by the second attempt's, if any. */
static int usage_store_damaged(struct daemon *d, char **err)
{
	char *path = xasprintf("%s/%s", d->cfg->state_dir, USAGE_READER_DB), *to = NULL;
	int r = setup_move_aside(path, &to);

	if (r < 0) {
		log_error("usage: %s is damaged (%s) and cannot be moved aside: %s", path, *err, strerror(-r));
		free(path);
		return -EUCLEAN;
	}
	log_error("usage: %s is damaged (%s): moved aside to %s; the invocation logs in S3 are read again from "
		  "the start",
		  path, *err, to);
	free(*err);
	*err = NULL;
	free(path);
	free(to);
	return usage_reader_new(&d->loop, d->aws, d->engine, d->cfg, &d->usage, err);
}

static int start(struct daemon *d)
{
	struct engine_settings set;
	struct engine_pool *pools;
	struct watcher_config wc = { 0 };
	char *err = NULL;
	int r;

	setup_fd_limit(d->cfg);
	if (open_store(d) < 0)
		return -1;
	r = setup_aws_client(&d->loop, d->cfg, &d->aws, &err);
	if (r < 0) {
		log_error("%s", err);
		free(err);
		return r;
	}
	turn_budget_init(&d->turn, TURN_BUDGET_NS, turn_clock, NULL);
	aws_client_set_turn_budget(d->aws, &d->turn);
	log_info("AWS credentials from %s, default region %s", aws_client_credentials_origin(d->aws),
		 aws_client_region(d->aws) ? aws_client_region(d->aws) : "(none)");
	setup_cloud(&d->cloud, d->aws, d->cfg);
	d->cloud.loop = &d->loop;
	setup_engine_settings(d->cfg, &set);
	d->param_prefix = setup_param_prefix(d->cfg);
	set.param_prefix = d->param_prefix;
	d->claim_parameter = cfg_claim_parameter(d->cfg);
	d->claim_value = setup_claim_value(d->cfg);
	set.claim_parameter = d->claim_parameter;
	set.claim_value = d->claim_value;
	set.store_moved_aside = d->state_dir.moved_aside;
	set.on_progress = on_progress;
	set.on_ready = on_ready;
	set.on_calls_released = on_calls_released;
	set.on_store_reopened = store_reopened;
	set.on_action = on_action;
	set.on_action_done = on_action_done;
	set.on_state = on_state;
	set.on_note = on_note;
	set.data = d;
	events_new(&d->loop, &d->events);
	d->audit = audit_new(d->store, d->events);
	set.on_event = on_engine_event;
	r = alerts_new(&d->loop, &d->cfg->notifications, d->cfg->instance, d->aws, &d->alerts, &err);
	if (r < 0) {
		log_error("%s", err);
		free(err);
		return r;
	}
	cost_tags_new(&d->loop, d->aws, &d->cfg->cost_tags, payer_target(d->cfg), &d->cost_tags);
	cost_tags_hold_writes(d->cost_tags, writes_held, d);
	set.pools = pools = setup_engine_pools(d->cfg, &set.n_pools);
	set.turn = &d->turn;
	engine_new(&d->loop, &set, &cloud_aws_ops, &d->cloud, d->store, &d->engine);
	free(pools);
	audit_set_engine(d->audit, d->engine);
	if (engine_start(d->engine) < 0)
		return -1;
	if (d->cfg->usage.n_places) {
		r = usage_reader_new(&d->loop, d->aws, d->engine, d->cfg, &d->usage, &err);
		if (r == -EUCLEAN)
			r = usage_store_damaged(d, &err);
		if (r < 0) {
			log_error("usage: %s", err);
			free(err);
			return r;
		}
		start_usage_ce(d);
	}
	d->manifests_dir = xstrdup(d->cfg->manifests);
	d->info = (struct control_info){ .version = BTD_VERSION,
					 .manifests = d->manifests_dir,
					 .mode = cfg_mode_name(d->cfg->mode),
					 .restart_required = d->restart_keys,
					 .config_errors = (const char *const *)d->reload_errors.lines,
					 .n_config_errors = d->reload_errors.n,
					 .problems = problems_of,
					 .data = d,
					 .audit = d->audit,
					 .events = d->events,
					 .metrics = metrics_of,
					 .notifications_json = notifications_json,
					 .usage = d->usage,
					 .cost_tags_json = cost_tags_json };
	r = control_open(&d->loop, d->engine, &d->info, d->cfg->socket.path, d->cfg->socket.mode, d->cfg->socket.group,
			 &d->control, &err);
	if (r == -EADDRINUSE) {
		log_error("another bedrock-tenantd answers on %s; not starting", d->cfg->socket.path);
		free(err);
		return r;
	}
	if (r < 0) {
		log_error("control socket %s: %s", d->cfg->socket.path, err);
		free(err);
		return r;
	}
	r = open_metrics(d);
	if (r < 0)
		return r;
	wc.root = d->manifests_dir;
	wc.settle_ms = d->cfg->watch_settle_ms;
	wc.rescan_interval_ms = d->cfg->rescan_interval_ms;
	wc.on_batch = on_batch;
	wc.data = d;
	r = watcher_start(&d->loop, &wc, &d->watcher);
	if (r < 0) {
		log_error("watching %s: %s", d->cfg->manifests, strerror(-r));
		return r;
	}
	log_msg(LOG_LVL_NOTICE, &(struct log_fields){ .message_id = MSGID_STARTED },
		"bedrock-tenantd %s started: instance %s, manifests %s, socket %s, mode %s, allocator %s", BTD_VERSION,
		d->cfg->instance, d->cfg->manifests, d->cfg->socket.path, cfg_mode_name(d->cfg->mode),
		heap_allocator());
	notify_status(&d->notifier, "first sync: reading manifests");
	return 0;
}

static void walk_close(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int daemon_run(const struct daemon_options *opts)
{
	struct daemon d = { 0 };
	int r;

	d.opts = opts;
	ignore_signals();
	d.config_path = opts->config_path ? opts->config_path : DAEMON_CONFIG_PATH;
	if (load_config(&d) < 0) {
		daemon_config_free(d.cfg);
		return 1;
	}
	apply_log_level(&d);
	uv_loop_init(&d.loop);
	catch_signals(&d);
	notifier_init(&d.loop, &d.notifier);
	desired_store_init(&d.desired);
	manifest_cache_init(&d.cache);
	hashmap_init(&d.cost_keys);
	r = start(&d);
	if (r == 0) {
		uv_run(&d.loop, UV_RUN_DEFAULT);
	} else {
		/* a failed start: close whatever was opened, then leave */
		d.exit_code = 1;
		if (d.watcher)
			watcher_close(d.watcher, NULL, NULL);
		if (d.control)
			control_close(d.control, NULL, NULL);
		alerts_close(d.alerts, NULL, NULL);
		cost_tags_close(d.cost_tags, NULL, NULL);
		if (d.metrics)
			metrics_http_close(d.metrics, NULL, NULL);
		if (d.aws)
			aws_client_close(d.aws, NULL, NULL);
		usage_reader_close(d.usage, NULL, NULL);
		if (d.engine)
			engine_free(d.engine, NULL, NULL);
		events_close(d.events);
		uv_walk(&d.loop, walk_close, NULL);
		uv_run(&d.loop, UV_RUN_DEFAULT);
	}
	if (uv_loop_close(&d.loop) != 0)
		log_warning("the loop still had handles at exit");
	if (r == 0)
		log_notice("stopped");
	cloud_aws_release(&d.cloud);
	audit_free(d.audit);
	setup_state_dir_close(&d.state_dir);
	desired_store_release(&d.desired);
	manifest_cache_release(&d.cache);
	reload_errors_release(&d.reload_errors);
	hashmap_release(&d.cost_keys, NULL);
	daemon_config_free(d.cfg);
	daemon_config_free(d.pending_cfg);
	free(d.param_prefix);
	free(d.claim_parameter);
	free(d.claim_value);
	free(d.manifests_dir);
	return d.exit_code;
}
